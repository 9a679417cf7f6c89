"""Benchmark: shock propagation on a 230-country matrix vs a straightforward pandas version.

``python -m benchmarks.network`` writes ``benchmarks/results/network.json``.
"""

from __future__ import annotations

import json
import os
import time

from benchmarks import write_result

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mineralwatch.analytics.network import Shock, TradeSystem, monte_carlo, propagate


def system(n: int = 230, seed: int = 0) -> TradeSystem:
    """A random trade network: ~15 % of pairs trade, heavy-tailed flows and production."""
    rng = np.random.default_rng(seed)
    mat = sp.random(n, n, density=0.15, random_state=seed, format="csr",
                    data_rvs=lambda k: rng.lognormal(5, 2, k))
    prod = rng.lognormal(6, 2, n) * (rng.random(n) < 0.3)
    return TradeSystem.build([f"C{i:03d}" for i in range(n)], mat, prod)


def pandas_shock(s: TradeSystem, exporter: str, cut: float, tol: float = 1e-9) -> pd.DataFrame:
    """The proportional model written with pandas frames and groupby, round by round."""
    coo = s.flows.tocoo()
    edges = pd.DataFrame({"src": np.array(s.countries)[coo.row],
                          "dst": np.array(s.countries)[coo.col], "t": coo.data})
    nodes = pd.DataFrame({"country": s.countries, "S": s.stocks, "C": s.consumption}
                         ).set_index("country")
    hit = edges["src"] == exporter
    nodes["loss"] = edges[hit].groupby("dst")["t"].sum().reindex(nodes.index, fill_value=0) * cut
    edges.loc[hit, "t"] *= 1 - cut
    nodes["E"] = edges.groupby("src")["t"].sum().reindex(nodes.index, fill_value=0)
    edges["share"] = edges["t"] / edges["src"].map(nodes["E"])
    nodes["passed"] = 0.0
    total = nodes["loss"].sum()
    for _ in range(1000):
        drawn = np.minimum(nodes["loss"], nodes["S"])
        rest = nodes["loss"] - drawn
        beta = (nodes["E"] / (nodes["E"] + nodes["C"])).fillna(0)
        cutv = np.maximum(np.minimum(np.maximum(beta * rest, rest - nodes["C"]), nodes["E"]), 0.0)
        step = cutv - nodes["passed"]
        if step.sum() <= tol * total:
            break
        inc = (edges["src"].map(step) * edges["share"]).groupby(edges["dst"]).sum()
        nodes["passed"] += step
        nodes["loss"] += inc.reindex(nodes.index, fill_value=0)
    return nodes


def median_of(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of ``repeat`` runs of ``fn`` (s)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> dict[str, object]:
    s = system()
    x = s.countries[int(np.argmax(s.exports))]
    spec = Shock(x, 0.5)
    one = median_of(lambda: propagate(s, spec), 50)
    one_pd = median_of(lambda: pandas_shock(s, x, 0.5), 5)
    ref = propagate(s, spec)
    pdres = pandas_shock(s, x, 0.5)
    agree = float(np.max(np.abs(pdres["loss"].to_numpy() - ref.loss[:, 0])))
    t = time.perf_counter()
    mc = monte_carlo(s, spec, n=10_000, seed=0)
    mc_s = time.perf_counter() - t
    # the Monte Carlo engine against the pandas model at fixed cuts and stocks as drawn
    mc_diff = 0.0
    for c in (0.2, 0.8):
        fixed = monte_carlo(s, spec, n=2, seed=0, cut_range=(c, c), stock_range=(1.0, 1.0))
        mc_diff = max(mc_diff, float(np.max(np.abs(
            pandas_shock(s, x, c)["loss"].to_numpy() - fixed["loss_t"][:, 0]))))
    result = {
        "countries": s.n, "edges": int(s.flows.nnz), "rounds": int(ref.rounds[0]),
        "one_shock_ms": 1000 * one, "one_shock_target_ms": 10.0,
        "pandas_one_shock_ms": 1000 * one_pd, "speedup_vs_pandas_one": one_pd / one,
        "monte_carlo_10000_s": mc_s, "monte_carlo_target_s": 10.0,
        "pandas_10000_extrapolated_s": 10_000 * one_pd,
        "pandas_10000_note": "extrapolated: 10,000 x the median one-shock pandas time "
                             "(10,000 pandas runs would take hours); not measured",
        "speedup_vs_pandas_mc": 10_000 * one_pd / mc_s,
        "timing": "one_shock times are medians (50 runs; pandas 5 runs); the Monte Carlo "
                  "time is one run",
        "max_abs_diff_vs_pandas_t": agree, "mc_max_abs_diff_vs_pandas_t": mc_diff,
        "conserved": mc["conserved"],
        "cores": os.cpu_count(),
    }
    write_result("network", result)
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
