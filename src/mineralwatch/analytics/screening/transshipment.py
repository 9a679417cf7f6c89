"""Transshipment screening: where does an export restriction leak through third countries?

>>> import mineralwatch as mw
>>> mw.screen_transshipment(wh, restrictor="CHN", target="USA", hs=["282580"],
...                         since="2024-12")                          # doctest: +SKIP

For a restriction (restrictor R, target T, HS codes, date) every third country K is scored
on the evidence of diversion R -> K -> T, computed by the SQL analytic
``screen_features`` (one scan of ``trade``) and combined here:

===================  ====  ===================================================================
indicator            wt    evidence in [0, 1]
===================  ====  ===================================================================
``rk_rise``          0.30  R -> K after the date vs its seasonal baseline (same calendar
                           month before the date): ``log2(observed/expected) / 2`` when the
                           excess is significant (z >= 3 against the baseline residuals)
                           and material (>= 2 % of all R -> third-country flows after)
``kt_rise``          0.30  the same for K -> T
``production_gap``   0.20  share of K's annualised exports to T (metal content) that its
                           own production (warehouse, latest year) cannot cover
``mirror_gap``       0.10  change in R -> K mirror statistics: ``|log(M/X) after -
                           log(M/X) before| / log 2`` (K's declared imports M vs R's
                           declared exports X)
``unit_value``       0.05  K -> T unit value within x1.5 of R -> K's after the date
                           (re-export at a small mark-up)
``timing``           0.05  K -> T onset within 6 months of the date, not before R -> K's
===================  ====  ===================================================================

A country is *flagged* when both legs rise, at least half of its exports to T are not
covered by its production, and its score is at least 0.5. A genuine producer that raises
output to serve T shows a ``kt_rise`` but no ``rk_rise`` and no production gap, so it is
not flagged. When nothing is flagged the result's status is ``"nothing found"``; when the
data cannot support a screen (too few months before the date, none after) it is
``"insufficient data"`` with the reasons in ``missing``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.network.flows import tonnes_factors
from mineralwatch.analytics.screening.sql import (
    SCREEN_COVERAGE,
    SCREEN_EXTRACT,
    SCREEN_FEATURES,
    SCREEN_SERIES,
)
from mineralwatch.codes import countries, minerals
from mineralwatch.errors import Failure, InputError, NotFoundError
from mineralwatch.store.engine import DuckDBEngine, Engine, as_engine, render
from mineralwatch.store.warehouse import Warehouse

#: Weights of the evidence components (sum to 1).
WEIGHTS: dict[str, float] = {"rk_rise": 0.30, "kt_rise": 0.30, "production_gap": 0.20,
                             "mirror_gap": 0.10, "unit_value": 0.05, "timing": 0.05}
#: Significance (z) and materiality (share of the leg's flows) a rise must reach.
Z_MIN = 3.0
MATERIAL_SHARE = 0.02
#: Flag rule: minimum score and uncovered share of exports.
FLAG_SCORE = 0.5
FLAG_UNCOVERED = 0.5
#: Months before the date needed for a seasonal baseline.
MIN_PRE_MONTHS = 12
#: Onset within this many months of the date counts as timely.
ONSET_MONTHS = 6


# -- small helpers ---------------------------------------------------------------------------
def to_month(d: str | date) -> str:
    """``'YYYY-MM'`` of a date or a ``YYYY-MM[-DD]`` string; :class:`InputError` otherwise."""
    s = d.isoformat() if isinstance(d, date) else str(d).strip()
    if len(s) >= 7 and s[4] == "-" and s[:4].isdigit() and s[5:7].isdigit() \
            and 1 <= int(s[5:7]) <= 12:
        return s[:7]
    raise InputError("Not a date.", [Failure("expected YYYY-MM or YYYY-MM-DD", value=d)],
                     hint="Write dates as 2024-12-03 or 2024-12.")


def month_index(period: str) -> int:
    """``12 * year + month - 1`` (the SQL's ``month_index``)."""
    return 12 * int(period[:4]) + int(period[5:7]) - 1


def normalise_hs(hs: Sequence[str] | str) -> list[str]:
    """HS codes as 6-digit strings (longer national codes are cut to HS6)."""
    items = [h for h in (hs.split(",") if isinstance(hs, str) else hs)]
    out = sorted({str(h).strip().replace(".", "")[:6].zfill(6) for h in items if str(h).strip()})
    bad = [h for h in out if not h.isdigit()]
    if not out or bad:
        raise InputError("HS codes must be 6 to 10 digits.",
                         [Failure("not an HS code", value=b) for b in bad] or
                         [Failure("no HS code given")], hint="e.g. --hs 282580,811010")
    return out


def _f(x: Any) -> float | None:
    """A float, or ``None`` for missing / not finite."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# -- the maths: pure functions over the feature table ------------------------------------------
def rise_evidence(post_t: float | None, expected_t: float | None, resid_sd: float | None,
                  pre_mean: float | None, n_post: int, leg_total_post: float
                  ) -> tuple[float, float, float]:
    """``(evidence, ratio, z)`` of a rise after the date against the seasonal baseline."""
    post, exp_ = post_t or 0.0, max(expected_t or 0.0, 0.0)
    n = max(int(n_post or 0), 1)
    scale = max(leg_total_post, 1e-12)
    sd = max(resid_sd or 0.0, 0.25 * (pre_mean or 0.0), 1e-3 * scale / n)
    z = (post - exp_) / (sd * math.sqrt(n))
    ratio = post / exp_ if exp_ > 0 else (math.inf if post > 0 else 1.0)
    material = (post - exp_) >= MATERIAL_SHARE * scale
    ev = 0.0
    if z >= Z_MIN and material and ratio > 1:
        ev = 1.0 if math.isinf(ratio) else float(np.clip(math.log2(ratio) / 2.0, 0.0, 1.0))
    return ev, ratio, z


def score_candidates(features: pd.DataFrame, production_t: Mapping[str, float], *,
                     since: str, content: float = 1.0) -> list[dict[str, Any]]:
    """Candidates with score, flag and evidence table from the ``screen_features`` rows.

    Parameters
    ----------
    features
        rows of ``screen_features`` (one per country and leg).
    production_t
        K's own production (t of metal) by ISO3; countries absent produce nothing.
    since
        the restriction's month ``YYYY-MM``.
    content
        metal content of the traded quantities (to compare with production).

    Returns
    -------
    list of dict
        ``{country, score, flagged, evidence: [{indicator, value, baseline, evidence,
        weight, note}]}`` sorted by score, highest first (ties by country).
    """
    since_idx = month_index(since)
    legs = {str(leg): g for leg, g in features.groupby("leg")}
    totals = {leg: float(g["post_t"].fillna(0).sum()) for leg, g in legs.items()}
    by_leg: dict[str, dict[str, dict[str, Any]]] = {
        leg: {str(r["country"]): {str(c): v for c, v in r.items()}
              for r in g.to_dict("records")} for leg, g in legs.items()}
    rk, kt = by_leg.get("rk", {}), by_leg.get("kt", {})
    out: list[dict[str, Any]] = []
    for k in sorted(set(rk) | set(kt)):
        a, b = rk.get(k, {}), kt.get(k, {})
        ev_rk, ratio_rk, z_rk = rise_evidence(_f(a.get("post_t")), _f(a.get("expected_t")),
                                              _f(a.get("resid_sd")), _f(a.get("pre_mean")),
                                              int(_f(a.get("n_post")) or 0), totals.get("rk", 0))
        ev_kt, ratio_kt, z_kt = rise_evidence(_f(b.get("post_t")), _f(b.get("expected_t")),
                                              _f(b.get("resid_sd")), _f(b.get("pre_mean")),
                                              int(_f(b.get("n_post")) or 0), totals.get("kt", 0))
        n_post = int(_f(b.get("n_post")) or 0)
        annual_exports = ((_f(b.get("post_t")) or 0.0) * 12.0 / n_post * content
                          if n_post else 0.0)
        prod = float(production_t.get(k, 0.0))
        uncovered = (float(np.clip(1.0 - prod / annual_exports, 0.0, 1.0))
                     if annual_exports > 0 else 0.0)
        ev_prod = uncovered if ev_kt > 0 else 0.0
        xp, mp = _f(a.get("declared_exports_pre")), _f(a.get("declared_imports_pre"))
        xq, mq = _f(a.get("declared_exports_post")), _f(a.get("declared_imports_post"))
        mirror_pre = math.log(mp / xp) if xp and mp else None
        mirror_post = math.log(mq / xq) if xq and mq else None
        ev_mirror = (float(np.clip(abs(mirror_post - mirror_pre) / math.log(2), 0, 1))
                     if mirror_pre is not None and mirror_post is not None else 0.0)
        uv_kt, uv_rk = _f(b.get("uv_post")), _f(a.get("uv_post"))
        uv_ratio = uv_kt / uv_rk if uv_kt and uv_rk else None
        ev_uv = 1.0 if uv_ratio is not None and 1 / 1.5 <= uv_ratio <= 1.5 else 0.0
        on_kt, on_rk = _f(b.get("onset_index")), _f(a.get("onset_index"))
        lag = int(on_kt - since_idx) if on_kt is not None else None
        ev_time = 1.0 if (lag is not None and lag <= ONSET_MONTHS
                          and (on_rk is None or on_rk <= on_kt)) else 0.0  # type: ignore[operator]
        parts = {"rk_rise": ev_rk, "kt_rise": ev_kt, "production_gap": ev_prod,
                 "mirror_gap": ev_mirror, "unit_value": ev_uv, "timing": ev_time}
        score = float(sum(WEIGHTS[p] * v for p, v in parts.items()))
        flagged = bool(ev_rk > 0 and ev_kt > 0 and uncovered >= FLAG_UNCOVERED
                       and score >= FLAG_SCORE)
        evidence: list[dict[str, Any]] = [
            {"indicator": "rk_rise", "value": _f(a.get("post_t")),
             "baseline": _f(a.get("expected_t")), "evidence": ev_rk,
             "note": f"imports from the restrictor after the date, t (ratio {ratio_rk:.2g}, "
                     f"z {z_rk:.1f})"},
            {"indicator": "kt_rise", "value": _f(b.get("post_t")),
             "baseline": _f(b.get("expected_t")), "evidence": ev_kt,
             "note": f"exports to the target after the date, t (ratio {ratio_kt:.2g}, "
                     f"z {z_kt:.1f})"},
            {"indicator": "production_gap", "value": annual_exports, "baseline": prod,
             "evidence": ev_prod,
             "note": f"annualised exports to the target vs own production, t metal "
                     f"({100 * uncovered:.0f} % uncovered)"},
            {"indicator": "mirror_gap", "value": mirror_post, "baseline": mirror_pre,
             "evidence": ev_mirror,
             "note": "log(declared imports by K / declared exports by R), after vs before"},
            {"indicator": "unit_value", "value": uv_kt, "baseline": uv_rk, "evidence": ev_uv,
             "note": "USD/t of K -> target vs restrictor -> K after the date"},
            {"indicator": "timing", "value": lag, "baseline": ONSET_MONTHS,
             "evidence": ev_time, "note": "months from the date to the K -> target surge"},
        ]
        for e in evidence:
            e["weight"] = WEIGHTS[e["indicator"]]
        out.append({"country": k, "score": round(score, 6), "flagged": flagged,
                    "evidence": evidence})
    out.sort(key=lambda c: (-c["score"], c["country"]))
    return out


# -- orchestration -------------------------------------------------------------------------------
@lru_cache(maxsize=128)
def _rendered(sql: str, params: tuple[tuple[str, str], ...]) -> str:
    """``sql`` with scalar ``params`` substituted (DuckDB), cached: parsing is the cost."""
    return render(sql, dict(params), dialect="duckdb")


def local_query(eng: DuckDBEngine, sql: str, params: Mapping[str, str]) -> pd.DataFrame:
    """Run a screening analytic over the extract on the local DuckDB engine."""
    return eng.con.execute(_rendered(sql, tuple(sorted(params.items())))).df()


def extract(source: Warehouse | Engine, restrictor: str, target: str, hs: list[str]
            ) -> tuple[DuckDBEngine, pd.DataFrame]:
    """Run ``screen_extract`` (the one scan of ``trade``) on ``source``.

    Returns a local DuckDB engine with the extract bound as ``trade`` (for the other
    screening analytics) and its ``screen_coverage`` rows. Quantities in units that are
    not mass units raise :class:`~mineralwatch.errors.UnknownCodeError` naming them.
    """
    params = {"hs6": hs, "period_length": 7, "restrictor": restrictor, "target": target}
    engine = as_engine(source)
    ext = engine.query(SCREEN_EXTRACT, params)
    tonnes_factors(ext["quantity_unit"].dropna().tolist())
    # On DuckDB a cursor of the same database (its own temp views, no new instance);
    # for Spark a fresh in-memory DuckDB.
    local = (DuckDBEngine(engine.con.cursor()) if isinstance(engine, DuckDBEngine)
             else DuckDBEngine())
    local.bind("trade", ext)
    cov = local_query(local, SCREEN_COVERAGE, {"restrictor": restrictor, "target": target})
    return local, cov


def _production(wh: Warehouse, mineral: str | None, hs: list[str]) -> tuple[dict[str, float],
                                                                            float, list[str]]:
    """Latest production by country (t), metal content of the HS codes, notes."""
    mids = [mineral] if mineral else sorted({m for h in hs for m in minerals.minerals_for_hs(h)})
    notes: list[str] = []
    if not mids:
        return {}, 1.0, [f"no mineral lists HS {', '.join(hs)}: production not compared"]
    mid = minerals.to_id(mids[0])
    factors = {h.hs6: h.content for h in minerals.hs_codes(mid) if h.content is not None}
    known = [factors[h] for h in hs if h in factors]
    content = float(np.mean(known)) if known else 1.0
    df = wh.load("production", mineral=mid)
    df = df[df["quantity"].notna() & ~df["country"].isin(["WLD", "XOT", "EUU", "XUC"])]
    if df.empty:
        return {}, content, [f"no production rows for {mid}: every country counts as a "
                             "non-producer"]
    to_t = tonnes_factors(df["unit"].tolist(), what="production")
    df = df.assign(t=df["quantity"].astype(float) * df["unit"].map(to_t).astype(float))
    latest = df.sort_values("year").groupby(["country", "stage"])["t"].last()
    by_country = latest.groupby(level=0).max()
    return {str(c): float(v) for c, v in by_country.items()}, content, notes


def screen_transshipment(source: Warehouse | Engine, restrictor: str, target: str,
                         hs: Sequence[str] | str, since: str | date, *,
                         mineral: str | None = None,
                         production: Mapping[str, float] | None = None,
                         content: float | None = None, min_pre_months: int = MIN_PRE_MONTHS,
                         with_series: bool = True) -> dict[str, Any]:
    """Rank third countries by evidence that a restriction is circumvented through them.

    Parameters
    ----------
    source
        a warehouse (DuckDB) or an engine with ``trade`` bound (e.g. Spark).
    restrictor, target
        the restricting exporter and the restricted importer (any spelling).
    hs
        restricted HS codes (list or comma-separated; national 8-10 digit codes are cut).
    since
        date the restriction took effect (``YYYY-MM[-DD]``).
    mineral
        mineral whose production to compare (default: the mineral listing the HS codes).
    production
        own production (t of metal) by ISO3, overriding the warehouse's.
    content
        metal content of the traded quantity (default: the codes' factors, else 1).
    min_pre_months
        months before the date needed for a baseline.
    with_series
        add the monthly series of both legs to flagged candidates (for charts).

    Returns
    -------
    dict
        ``{restrictor, target, hs, since, status, missing, notes, candidates: [{country,
        score, flagged, evidence, series?}]}``, candidates sorted by score, highest first.

    Raises
    ------
    NotFoundError
        when the restrictor or the target has no monthly flows of these HS codes.
    UnknownCodeError
        when quantities are in unknown or non-mass units.
    """
    r = countries.to_iso3(restrictor)
    t = countries.to_iso3(target)
    codes = normalise_hs(hs)
    month = to_month(since)
    base = {"restrictor": r, "target": t}
    result: dict[str, Any] = {"restrictor": r, "target": t, "hs": codes, "since": month,
                              "status": "nothing found", "missing": [], "notes": [],
                              "candidates": []}
    eng, cov = extract(source, r, t, codes)
    what = f"HS {', '.join(codes[:10])}" + (" ..." if len(codes) > 10 else "")
    if cov.empty or not cov["has_restrictor"].astype(int).any():
        raise NotFoundError(f"{r} has no monthly exports of {what} in the trade data.",
                            hint="Check the restrictor and HS codes, or ingest monthly "
                            "(UN Comtrade) data that covers them.")
    if not cov["has_target"].astype(int).any():
        raise NotFoundError(f"{t} has no monthly imports of {what} in the trade data.",
                            hint="Check the target and HS codes, or ingest its trade.")
    periods = sorted(set(cov["period"]))
    target_months = set(cov.loc[cov["has_target"].astype(int) == 1, "period"])
    idx = [month_index(p) for p in periods]
    gaps = sorted({f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(min(idx), max(idx) + 1)}
                  - set(periods))
    t_missing = [p for p in periods if p not in target_months]
    if gaps:
        result["notes"].append(f"months with no data at all (left out): {', '.join(gaps)}")
    if t_missing:
        result["notes"].append(f"months without {t}'s imports (missing, not zero): "
                               + ", ".join(t_missing[:24]))
    n_pre = sum(1 for p in target_months if p < month)
    n_post = sum(1 for p in target_months if p >= month)
    if n_pre < min_pre_months:
        result["missing"].append(f"{t}'s imports of {what}: {n_pre} months before {month}, "
                                 f"{min_pre_months} needed for a seasonal baseline")
    if n_post == 0:
        result["missing"].append(f"{t}'s imports of {what}: no month on or after {month}")
    if result["missing"]:
        result["status"] = "insufficient data"
        return result
    feats = local_query(eng, SCREEN_FEATURES, {**base, "since": month})
    if production is None and isinstance(source, Warehouse):
        prod, auto_content, notes = _production(source, mineral, codes)
        result["notes"] += notes
    else:
        prod, auto_content = dict(production or {}), 1.0
        if production is None:
            result["notes"].append("no production data given: every country counts as a "
                                   "non-producer")
    cands = score_candidates(feats, prod, since=month,
                             content=content if content is not None else auto_content)
    if with_series and any(c["flagged"] for c in cands):
        series = local_query(eng, SCREEN_SERIES, {**base, "since": month})
        for c in cands:
            if c["flagged"]:
                s = series[series["country"] == c["country"]]
                wide = s.set_index(["period", "leg"])["qt"].unstack("leg").sort_index()
                c["series"] = [{"period": p, "rk_t": _f(w.get("rk")), "kt_t": _f(w.get("kt"))}
                               for p, w in wide.iterrows()]
    result["candidates"] = cands
    result["status"] = "flagged" if any(c["flagged"] for c in cands) else "nothing found"
    return result


__all__ = ["FLAG_SCORE", "FLAG_UNCOVERED", "MIN_PRE_MONTHS", "WEIGHTS", "extract",
           "local_query", "normalise_hs",
           "rise_evidence", "score_candidates", "screen_transshipment", "to_month"]
