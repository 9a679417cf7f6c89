"""The balance model: pure, vectorised maths over :class:`ModelArrays`.

For each stage (in value-chain order), country, year and draw:

1. ``q`` = production (or capacity x utilisation, plus projects) plus material moved
   into this stage by a processing mandate upstream;
2. domestic use ``min(domestic_use, q)`` stays at home, the rest is exportable;
3. a domestic-market obligation reserves ``share x q`` at home (it stays in supply:
   it is sold at home, not withheld);
4. a processing mandate takes ``share`` of what is exportable and processes it at home,
   up to ``capacity``; ``recovery x processed`` feeds the next stage, the excess is
   withheld;
5. an export quota caps exports at ``min(quantity, share x q)``; the excess is withheld
   (stored in the country): domestic use is unaffected;
6. a ban or licence blocks ``share`` of exports to its targets (using the destination
   shares); ``diversion`` of the blocked volume reaches other buyers, the rest is withheld.

Supply = domestic use + reserved + exports + recycling + stock releases; demand = sector
demand + stock builds; balance = supply - demand (negative = deficit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineralwatch.analytics.balance.inputs import ModelArrays


@dataclass(frozen=True)
class ModelOutput:
    """Outputs of :func:`evaluate`, shapes ``(N, S, Y)`` unless stated."""

    supply: np.ndarray
    demand: np.ndarray
    balance: np.ndarray
    primary: np.ndarray       # supply from producers after policies
    recycling: np.ndarray
    stock_change: np.ndarray
    withheld: np.ndarray      # kept in producing countries by policies
    moved: np.ndarray         # processed at home by a mandate (leaves this stage)
    exports: np.ndarray       # (N,S,C,Y) exports after every policy
    cap: np.ndarray           # (N,S,C,Y) export cap (inf when none)
    capped: np.ndarray        # (N,S,C,Y) exports after the quota, before bans
    home: np.ndarray          # (N,S,C,Y) domestic use plus reserved volume


def evaluate(a: ModelArrays) -> ModelOutput:
    """Run the balance model on compiled inputs (every draw at once)."""
    n = a.draws
    n_s = len(a.stages)
    shape = (n, n_s, len(a.countries), len(a.years))
    added = np.zeros(shape) if max(a.mandate_target) >= 0 else None
    exports, cap_all, capped_all, home_all = (np.empty(shape) for _ in range(4))
    withheld = np.zeros((n, n_s, len(a.years)))
    moved_out = np.zeros_like(withheld)
    primary = np.zeros_like(withheld)
    for s in range(n_s):
        q = np.maximum(a.production[:, s], 0.0)
        if added is not None:
            q = q + added[:, s]
        dom = np.minimum(a.domestic_use[:, s], q)
        exportable = q - dom
        kept = np.zeros_like(exportable)
        if a.dmo_share[:, s].any():
            reserved = np.clip(a.dmo_share[:, s] * q - dom, 0.0, exportable)
            exportable = exportable - reserved
            dom = dom + reserved
        if a.mandate_share[:, s].any():
            mandated = a.mandate_share[:, s] * exportable
            processed = np.minimum(mandated, a.mandate_capacity[:, s])
            exportable = exportable - mandated
            kept = kept + mandated - processed
            if added is not None and a.mandate_target[s] >= 0:
                added[:, a.mandate_target[s]] += processed * a.mandate_recovery[:, s]
            moved_out[:, s] = processed.sum(axis=1)
        cap = np.minimum(a.quota[:, s], a.quota_share[:, s] * q)
        capped = np.minimum(exportable, cap)
        kept = kept + exportable - capped
        out = capped
        if a.blocked[:, s].any():
            block = np.einsum("nciy,ci->ncy", a.blocked[:, s], a.destinations[s])
            lost = capped * block * (1.0 - a.diversion[:, s])
            out = capped - lost
            kept = kept + lost
        exports[:, s], cap_all[:, s], capped_all[:, s], home_all[:, s] = out, cap, capped, dom
        primary[:, s] = (dom + out).sum(axis=1)
        withheld[:, s] = kept.sum(axis=1)
    recycling = np.broadcast_to(a.recycling, withheld.shape)
    stock = np.broadcast_to(a.stock_change, withheld.shape)
    supply = primary + recycling + np.maximum(-stock, 0.0)
    demand = a.demand.sum(axis=2) + np.maximum(stock, 0.0)
    demand = np.broadcast_to(demand, supply.shape)
    return ModelOutput(supply=supply, demand=demand, balance=supply - demand,
                       primary=primary, recycling=recycling, stock_change=stock,
                       withheld=withheld, moved=moved_out, exports=exports, cap=cap_all,
                       capped=capped_all, home=home_all)


def simulate_balance(a: ModelArrays, chunk: int = 2048) -> np.ndarray:
    """Balance ``(N, S, Y)`` of every draw, evaluated ``chunk`` draws at a time.

    The same numbers as ``evaluate(a).balance``, with a small working set (fast when
    there are many draws).
    """
    n = a.draws
    if n <= chunk:
        return np.array(evaluate(a).balance)
    out = np.empty((n, len(a.stages), len(a.years)))
    for start in range(0, n, chunk):
        sl = slice(start, min(start + chunk, n))
        out[sl] = evaluate(a.take(sl)).balance
    return out


def importer_flows(a: ModelArrays, out: ModelOutput) -> np.ndarray:
    """Deliveries by exporter and importer, ``(N, S, C, I, Y)``.

    Exports after the quota are split by destination shares; blocked volume is removed
    from its targets and the diverted part reallocated pro rata to the other importers.
    """
    dest = a.destinations[None, :, :, :, None]                 # (1,S,C,I,1)
    gross = out.capped[:, :, :, None, :] * dest                # (N,S,C,I,Y)
    blocked = gross * a.blocked                                 # volume blocked per target
    diverted = blocked.sum(axis=3) * a.diversion                # (N,S,C,Y)
    open_share = dest * (1.0 - a.blocked)                       # where diverted goes
    norm = open_share.sum(axis=3, keepdims=True)
    weights = np.divide(open_share, norm, out=np.zeros_like(open_share * norm),
                        where=norm > 0)
    return gross - blocked + diverted[:, :, :, None, :] * weights


def by_importer(a: ModelArrays, out: ModelOutput) -> tuple[np.ndarray, np.ndarray]:
    """Supply and demand by importer, ``(N, S, I, Y)`` each.

    An importer's supply is what exporters deliver to it plus what it produces and keeps
    at home; its demand is the demand assigned to it as a region.
    """
    flows = importer_flows(a, out).sum(axis=2)                 # (N,S,I,Y)
    ci = {c: i for i, c in enumerate(a.countries)}
    ri = {r: i for i, r in enumerate(a.regions)}
    home = np.zeros_like(flows)
    demand = np.zeros_like(flows)
    for k, imp in enumerate(a.importers):
        if imp in ci:
            home[:, :, k] = out.home[:, :, ci[imp]]
        if imp in ri:
            demand[:, :, k] = np.broadcast_to(a.demand[:, :, ri[imp]], demand[:, :, k].shape)
    return flows + home, demand


def percentiles(balance: np.ndarray, q: tuple[float, ...] = (10, 50, 90)) -> np.ndarray:
    """Percentiles over draws (axis 0): shape ``(len(q), ...)``."""
    return np.percentile(balance, q, axis=0)


def deficit_probability(balance: np.ndarray) -> np.ndarray:
    """Share of draws with a deficit (balance < 0), over axis 0."""
    return (balance < 0).mean(axis=0)


__all__ = ["ModelOutput", "by_importer", "deficit_probability", "evaluate", "importer_flows",
           "percentiles", "simulate_balance"]
