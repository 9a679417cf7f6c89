"""Shock propagation from the warehouse: who runs short when an exporter cuts.

>>> import mineralwatch as mw
>>> wh = mw.open(":memory:")
>>> mw.shock(wh, "antimony", exporter="CHN", cut=0.5, targets=["USA"])   # doctest: +SKIP
{'mineral': 'antimony', 'shock': {...}, 'rounds': 7, 'conserved': True, 'countries': [...]}

The maths lives in :mod:`.propagation`; this module builds the inputs
(:func:`~.flows.load_trade_system`), runs one model, checks conservation on every run and
labels the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mineralwatch.analytics.network.flows import load_trade_system
from mineralwatch.analytics.network.propagation import (
    DEFAULT_STOCK_DAYS,
    DEFAULT_THRESHOLD,
    Model,
    Propagation,
    Shock,
    TradeSystem,
    check_conservation,
    propagate,
)
from mineralwatch.codes import countries
from mineralwatch.store.engine import Engine
from mineralwatch.store.warehouse import Warehouse

#: Units of the per-country fields of :func:`shock`.
UNITS: dict[str, str] = {
    "loss_t": "t (metal content)", "loss_pct": "% of apparent consumption",
    "stock_drawn_t": "t", "consumption_loss_t": "t", "export_cut_t": "t",
    "shortage_pct": "% of apparent consumption", "consumption_t": "t",
}


def shock_report(system: TradeSystem, shock_spec: Shock, result: Propagation, *,
                 model: str, conserved: bool, column: int = 0,
                 min_loss_t: float = 0.0) -> dict[str, Any]:
    """The JSON-ready report of one propagation scenario (``column``) on ``system``.

    Countries are sorted by supply loss, largest first; countries with a loss at or below
    ``min_loss_t`` are left out.
    """
    cons = system.consumption
    rows: list[dict[str, Any]] = []
    for i, c in enumerate(system.countries):
        loss = float(result.loss[i, column])
        if loss <= min_loss_t:
            continue
        pct = 100.0 * loss / cons[i] if cons[i] > 0 else None
        short = (100.0 * float(result.consumption_loss[i, column]) / cons[i]
                 if cons[i] > 0 else None)
        rows.append({
            "country": c,
            "loss_t": loss,
            "loss_pct": pct,
            "stock_drawn_t": float(result.drawn[i, column]),
            "consumption_loss_t": float(result.consumption_loss[i, column]),
            "export_cut_t": float(result.export_cut[i, column]),
            "shortage_pct": short,
            "consumption_t": float(cons[i]),
            "first_round": int(result.first_round[i, column]),
        })
    rows.sort(key=lambda r: (-float(r["loss_t"]), str(r["country"])))
    return {
        "mineral": system.mineral,
        "year": system.year,
        "model": model,
        "shock": {
            "kind": shock_spec.kind,
            "country": shock_spec.country,
            "cut": float(shock_spec.cut),
            "targets": list(shock_spec.targets) if shock_spec.targets is not None else "ALL",
            "total_t": float(result.shock_t[column]),
        },
        "rounds": int(result.rounds[column]),
        "conserved": bool(conserved),
        "totals": {
            "stock_drawn_t": float(result.drawn[:, column].sum()),
            "consumption_loss_t": float(result.consumption_loss[:, column].sum()),
        },
        "countries": rows,
        "units": UNITS,
        "notes": list(system.notes),
    }


def shock(wh: Warehouse, mineral: str, exporter: str, cut: float, *,
          targets: Sequence[str] | None = None, model: Model = "proportional",
          kind: str = "export", year: int | None = None,
          stocks: dict[str, float] | None = None, stock_days: float = DEFAULT_STOCK_DAYS,
          threshold: float = DEFAULT_THRESHOLD, engine: Engine | None = None,
          strict: bool = False) -> dict[str, Any]:
    """Propagate an export cut (or production loss) of ``mineral`` through its trade network.

    Parameters
    ----------
    wh
        warehouse with ``trade`` (and ideally ``production``) rows.
    mineral
        mineral id or name; its HS codes and metal-content factors come from the codes.
    exporter
        country that cuts (any spelling; ISO3 in the output).
    cut
        fraction 0-1 of its exports (to ``targets``) or production removed.
    targets
        importers the cut applies to; ``None`` = all.
    model
        ``"proportional"`` (Marchand et al. 2016) or ``"threshold"`` (Lee et al. 2011).
    kind
        ``"export"`` or ``"production"``.
    year
        trade year (default: the latest with flows).
    stocks, stock_days
        stocks in tonnes by country; others get ``stock_days`` of consumption.
    threshold
        failure threshold of the threshold model.
    engine
        run the SQL on this engine instead of the warehouse's DuckDB.
    strict
        raise :class:`~mineralwatch.errors.ConsistencyError` if a balance fails.

    Returns
    -------
    dict
        ``{mineral, year, model, shock, rounds, conserved, totals, countries: [{country,
        loss_t, loss_pct, stock_drawn_t, consumption_loss_t, export_cut_t, shortage_pct,
        consumption_t, first_round}], units, notes}``.
    """
    system = load_trade_system(wh, mineral, year, stocks=stocks, stock_days=stock_days,
                               engine=engine)
    spec = Shock(countries.to_iso3(exporter), float(cut),
                 tuple(countries.to_iso3_many(targets)) if targets else None,
                 kind="production" if kind == "production" else "export")
    result = propagate(system, spec, model=model, threshold=threshold)
    ok = check_conservation(result, strict=strict, countries=system.countries)
    return shock_report(system, spec, result, model=model, conserved=ok)


def monte_carlo(system: TradeSystem, shock_spec: Shock, *, n: int = 10_000,
                cut_range: tuple[float, float] = (0.0, 1.0),
                stock_range: tuple[float, float] = (0.5, 1.5), model: Model = "proportional",
                threshold: float = DEFAULT_THRESHOLD, seed: int = 0,
                batch: int = 1_000, strict: bool = False) -> dict[str, Any]:
    """Monte Carlo over shock size and stock levels (uniform draws), vectorised in batches.

    Returns
    -------
    dict
        ``cuts`` and ``stock_scale`` (length ``n``), ``loss_t`` and ``consumption_loss_t``
        (``n_countries x n``), ``countries``, ``conserved`` (all scenarios) and, per
        country, the 5/50/95 % quantiles of the loss (``quantiles``).
    """
    rng = np.random.default_rng(seed)
    cuts = rng.uniform(*cut_range, size=n)
    scale = rng.uniform(*stock_range, size=n)
    loss = np.empty((system.n, n))
    cons_loss = np.empty((system.n, n))
    ok = True
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        r = propagate(system, shock_spec, model=model, cuts=cuts[lo:hi],
                      stock_scale=scale[lo:hi], threshold=threshold)
        ok &= check_conservation(r, strict=strict, countries=system.countries)
        loss[:, lo:hi] = r.loss
        cons_loss[:, lo:hi] = r.consumption_loss
    q = np.quantile(loss, [0.05, 0.5, 0.95], axis=1)
    return {
        "countries": list(system.countries),
        "cuts": cuts,
        "stock_scale": scale,
        "loss_t": loss,
        "consumption_loss_t": cons_loss,
        "conserved": bool(ok),
        "quantiles": {c: {"p5": float(q[0, i]), "p50": float(q[1, i]), "p95": float(q[2, i])}
                      for i, c in enumerate(system.countries)},
    }


__all__ = ["UNITS", "monte_carlo", "shock", "shock_report"]
