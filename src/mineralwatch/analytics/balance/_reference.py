"""A straightforward loop implementation of :func:`.model.evaluate`.

Written independently of the vectorised model, element by element, to check it (tests)
and to measure what vectorisation buys (``python -m benchmarks.balance``). Not for use.
"""

from __future__ import annotations

import math

import numpy as np

from mineralwatch.analytics.balance.inputs import ModelArrays


def _at(arr: np.ndarray, d: int, *idx: int) -> float:
    """``arr[d, *idx]`` where a leading size of 1 broadcasts over draws."""
    return float(arr[(d if arr.shape[0] > 1 else 0, *idx)])


def evaluate_loops(a: ModelArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Supply, demand and balance ``(N, S, Y)`` computed one number at a time."""
    n = a.draws
    n_s, n_c, n_i, n_y = len(a.stages), len(a.countries), len(a.importers), len(a.years)
    supply = np.zeros((n, n_s, n_y))
    demand = np.zeros((n, n_s, n_y))
    for d in range(n):
        added = [[[0.0] * n_y for _ in range(n_c)] for _ in range(n_s)]
        for s in range(n_s):
            for y in range(n_y):
                total = 0.0
                for c in range(n_c):
                    q = max(_at(a.production, d, s, c, y), 0.0) + added[s][c][y]
                    dom = min(_at(a.domestic_use, d, s, c, y), q)
                    free = q - dom
                    reserved = _at(a.dmo_share, d, s, c, y) * q - dom
                    reserved = min(max(reserved, 0.0), free)
                    free -= reserved
                    mandated = _at(a.mandate_share, d, s, c, y) * free
                    processed = min(mandated, _at(a.mandate_capacity, d, s, c, y))
                    free -= mandated
                    if a.mandate_target[s] >= 0:
                        added[a.mandate_target[s]][c][y] += (
                            processed * _at(a.mandate_recovery, d, s, c, y))
                    cap = _at(a.quota, d, s, c, y)
                    share_cap = _at(a.quota_share, d, s, c, y) * q
                    exports = min(free, cap, share_cap if not math.isnan(share_cap) else cap)
                    blocked = 0.0
                    for i in range(n_i):
                        blocked += (exports * float(a.destinations[s, c, i])
                                    * _at(a.blocked, d, s, c, i, y))
                    exports -= blocked * (1.0 - _at(a.diversion, d, s, c, y))
                    total += dom + reserved + exports
                stock = _at(a.stock_change, d, s, y)
                total += _at(a.recycling, d, s, y) + max(-stock, 0.0)
                need = max(stock, 0.0)
                for r in range(len(a.regions)):
                    need += _at(a.demand, d, s, r, y)
                supply[d, s, y] = total
                demand[d, s, y] = need
    return supply, demand, supply - demand


__all__ = ["evaluate_loops"]
