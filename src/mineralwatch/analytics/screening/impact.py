"""Event impact: did a policy event change the actor's exports, partner by partner?

>>> import mineralwatch as mw
>>> mw.event_impact(wh, actor="CHN", hs=["250410", "380110"], date="2023-12-01")  # doctest: +SKIP

For each partner the monthly export quantity (t, all the event's HS codes together, from
the SQL analytic ``screen_series``) over ``pre`` months before and ``window`` months from
the effective date is regressed as ``log(1 + q) ~ calendar-month dummies + post``. The
month dummies absorb seasonality; the test of ``post = 0`` is a Chow test for a shift in
level at the known break date (with the seasonal coefficients held common), equivalent to
a two-sided t test. ``change_pct = 100 (exp(b) - 1)`` is the seasonally adjusted change,
with a 95 % confidence interval; ``before`` and ``after`` are mean monthly tonnes in the
12 months either side. Months in which the actor reported nothing are missing, not zero.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from mineralwatch.analytics.screening.sql import SCREEN_SERIES
from mineralwatch.analytics.screening.transshipment import (
    extract,
    local_query,
    month_index,
    normalise_hs,
    to_month,
)
from mineralwatch.codes import countries
from mineralwatch.errors import InputError, NotFoundError
from mineralwatch.store.engine import Engine
from mineralwatch.store.warehouse import Warehouse

#: A code that matches no importer: ``screen_series`` then returns only the actor's exports.
NO_TARGET = "---"
MIN_PRE, MIN_POST = 12, 3


@dataclass(frozen=True)
class BreakTest:
    """A level shift at a known date in a seasonal monthly series (log scale)."""

    coef: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int


def seasonal_break_test(y: np.ndarray, cal_month: np.ndarray, post: np.ndarray,
                        level: float = 0.95) -> BreakTest | None:
    """OLS of ``y`` on calendar-month dummies and a post-date dummy; test of the dummy.

    Returns ``None`` when the design has no residual degrees of freedom.
    """
    y = np.asarray(y, float)
    months = sorted(set(np.asarray(cal_month).tolist()))
    cols = [np.asarray(cal_month) == m for m in months]
    x = np.column_stack([*cols, np.asarray(post, float)]).astype(float)
    keep = np.linalg.matrix_rank(x)
    dof = len(y) - x.shape[1]
    if keep < x.shape[1] or dof < 1 or not np.asarray(post).any() or np.asarray(post).all():
        return None
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.inv(x.T @ x)
    b, se = float(beta[-1]), math.sqrt(max(float(cov[-1, -1]), 0.0))
    p = (0.0 if b != 0 else 1.0) if se == 0.0 else float(2 * stats.t.sf(abs(b / se), dof))
    q = float(stats.t.ppf(0.5 + level / 2, dof))
    return BreakTest(b, se, p, b - q * se, b + q * se, len(y))


def effect_row(name: str, frame: pd.DataFrame, since_idx: int, alpha: float) -> dict[str, Any]:
    """The effect on one partner's (or the total) monthly series ``frame`` (month_index,
    cal_month, qt)."""
    f = frame.dropna(subset=["qt"])
    pre = f[f["month_index"] < since_idx]
    post = f[f["month_index"] >= since_idx]
    before = float(pre[pre["month_index"] >= since_idx - 12]["qt"].mean()) if len(pre) else None
    after = float(post[post["month_index"] < since_idx + 12]["qt"].mean()) if len(post) else None
    row: dict[str, Any] = {"partner": name, "before": before, "after": after,
                           "change_pct": None, "ci_low_pct": None, "ci_high_pct": None,
                           "p_value": None, "significant": False, "n_months": len(f),
                           "note": None}
    if len(pre) < MIN_PRE or len(post) < MIN_POST:
        row["note"] = (f"insufficient data: {len(pre)} months before (need {MIN_PRE}), "
                       f"{len(post)} after (need {MIN_POST})")
        return row
    test = seasonal_break_test(np.log1p(f["qt"].to_numpy(float)), f["cal_month"].to_numpy(),
                               (f["month_index"] >= since_idx).to_numpy())
    if test is None:
        row["note"] = "insufficient data: too few months for seasonal dummies"
        return row
    row.update(change_pct=100 * math.expm1(test.coef), ci_low_pct=100 * math.expm1(test.ci_low),
               ci_high_pct=100 * math.expm1(test.ci_high), p_value=test.p_value,
               significant=bool(test.p_value < alpha))
    return row


def _event(wh: Warehouse, event_id: str) -> dict[str, Any]:
    df = wh.load("policy_event", id=event_id)
    if df.empty:
        raise NotFoundError(f"No policy event {event_id!r} in the warehouse.",
                            hint="List events with `mineralwatch events`, or give --actor, "
                            "--hs and --date.")
    row = {str(c): v for c, v in df.iloc[0].items()}
    for k in ("hs_codes", "target"):
        if isinstance(row.get(k), str):
            row[k] = json.loads(row[k])
    return row


def event_impact(source: Warehouse | Engine, event: str | None = None, *,
                 actor: str | None = None, hs: Sequence[str] | str | None = None,
                 target: Sequence[str] | None = None, date: str | date | None = None,
                 pre: int = 36, window: int = 12, alpha: float = 0.05) -> dict[str, Any]:
    """Estimate a policy event's effect on the actor's exports, per partner and in total.

    Parameters
    ----------
    source
        a warehouse (needed for ``event``) or an engine with ``trade`` bound.
    event
        a ``policy_event`` id; or give ``actor``, ``hs`` and ``date`` (and ``target``).
    actor, hs, target, date
        the acting exporter, HS codes, targeted partners (``None``/``ALL``: every partner)
        and effective date.
    pre, window
        months before and from the date used in the regression.
    alpha
        significance level of ``significant``.

    Returns
    -------
    dict
        ``{event, effects: [{partner, before, after, change_pct, ci_low_pct, ci_high_pct,
        p_value, significant, n_months, note}], total, units, method}``; effects sorted
        by ``before`` (largest partners first).
    """
    ev: dict[str, Any]
    if event is not None:
        if not isinstance(source, Warehouse):
            raise NotFoundError("An event id needs the warehouse (its policy_event table).")
        row = _event(source, event)
        ev = {"id": event, "actor": row["actor"], "hs": normalise_hs(row["hs_codes"]),
              "target": row.get("target") or ["ALL"],
              "date": str(row.get("effective") or row.get("announced"))[:10]}
    else:
        if actor is None or hs is None or date is None:
            raise InputError("Give an event id, or the actor, HS codes and date.",
                                hint="e.g. --actor CHN --hs 250410,380110 --date 2023-12-01")
        ev = {"id": None, "actor": countries.to_iso3(actor), "hs": normalise_hs(hs),
              "target": list(countries.to_iso3_many(target)) if target else ["ALL"],
              "date": str(date)[:10]}
    month = to_month(ev["date"])
    base = {"restrictor": ev["actor"], "target": NO_TARGET}
    eng, cov = extract(source, ev["actor"], NO_TARGET, ev["hs"])
    if cov.empty or not cov["has_restrictor"].astype(int).any():
        raise NotFoundError(f"{ev['actor']} has no monthly exports of HS "
                            f"{', '.join(ev['hs'])} in the trade data.",
                            hint="Ingest monthly trade (UN Comtrade, China customs) first.")
    series = local_query(eng, SCREEN_SERIES, {**base, "since": month})
    series = series[series["leg"] == "rk"]
    since_idx = month_index(month)
    series = series[(series["month_index"] >= since_idx - pre)
                    & (series["month_index"] < since_idx + window)]
    if "ALL" not in ev["target"]:
        series = series[series["country"].isin(ev["target"])]
    effects = [effect_row(str(k), g, since_idx, alpha) for k, g in series.groupby("country")]
    effects.sort(key=lambda r: (-(r["before"] or 0.0), r["partner"]))
    total = pd.DataFrame(series.groupby(["month_index", "cal_month"], as_index=False)["qt"]
                         .sum(min_count=1))
    return {
        "event": ev,
        "effects": effects,
        "total": effect_row("total", total, since_idx, alpha),
        "units": {"before": "t/month", "after": "t/month", "change_pct": "%"},
        "method": "log(1+t) ~ calendar-month dummies + post dummy (Chow level-shift test); "
                  f"{pre} months before, {window} from {month}",
    }


__all__ = ["BreakTest", "event_impact", "seasonal_break_test"]
