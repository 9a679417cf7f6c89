"""Benchmark: Monte Carlo balance, vectorised vs a straightforward loop implementation.

Run as ``python -m benchmarks.balance``. The case of issue 4: 10,000 draws x 10 years x
50 countries (target: under 2 s on 2 cores, sampling included). The loop implementation
(:mod:`mineralwatch.analytics.balance._reference`) runs on the first ``LOOP_DRAWS`` draws
of the same inputs; its time is linear in the draws, so it is scaled to the full run, and
its numbers are checked against the vectorised ones. Wall-clock and CPU times are both
recorded (CPU time does not depend on other load on the machine; the model is
single-threaded numpy). Writes ``benchmarks/results/balance.json``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from typing import Any

import numpy as np

from benchmarks import write_result
from mineralwatch.analytics.balance import Sampler, compile_scenario, evaluate
from mineralwatch.analytics.balance._reference import evaluate_loops
from mineralwatch.analytics.balance.model import (
    deficit_probability,
    percentiles,
    simulate_balance,
)
from mineralwatch.analytics.balance.scenario import Scenario
from mineralwatch.codes import countries

DRAWS = 10_000
YEARS = (2025, 2034)
N_COUNTRIES = 50
LOOP_DRAWS = 200
REPEATS = 3
TARGET_S = 2.0


def synthetic_scenario(n_countries: int = N_COUNTRIES) -> Scenario:
    """50 producers with uncertain output and growth, quotas, a DMO, recycling and demand."""
    codes = [c for c in sorted(countries.table()) if len(c) == 3
             and c not in countries.SPECIAL_CODES][:n_countries]
    rng = np.random.default_rng(42)
    size = np.sort(rng.lognormal(9, 1.2, n_countries))[::-1]
    supply = [{"country": c, "production": {
        "base": {"dist": "triangular", "low": 0.85 * q, "mode": q, "high": 1.1 * q},
        "base_year": 2024, "cagr": {"dist": "normal", "mean": 0.02, "sd": 0.02}}}
        for c, q in zip(codes, size, strict=True)]
    total = float(size.sum())
    policies = [
        {"type": "export_quota", "country": codes[0], "years": "2026-2029",
         "quantity": {"dist": "uniform", "low": 0.3 * size[0], "high": 0.6 * size[0]}},
        {"type": "export_quota", "country": codes[1], "years": "2027-2034", "share": 0.5},
        {"type": "domestic_market_obligation", "country": codes[2], "share": 0.25},
    ]
    return Scenario.model_validate({
        "name": "benchmark", "mineral": "cobalt", "years": YEARS, "supply": supply,
        "recycling": [{"quantity": {"base": 0.05 * total, "base_year": 2024,
                                    "cagr": {"dist": "uniform", "low": 0.0, "high": 0.1}}}],
        "demand": [{"sector": "all", "quantity": {
            "base": {"dist": "normal", "mean": total, "sd": 0.05 * total},
            "base_year": 2024, "cagr": {"dist": "triangular", "low": 0.0, "mode": 0.04,
                                        "high": 0.08}}}],
        "policies": policies,
    })


def run_vectorised(scenario: Scenario, draws: int = DRAWS, seed: int = 0) -> dict[str, Any]:
    """Sample, evaluate and summarise (P10/P50/P90, probability of deficit)."""
    a = compile_scenario(scenario, Sampler(draws, seed))
    balance = simulate_balance(a)
    return {"arrays": a, "balance": balance, "p": percentiles(balance),
            "p_deficit": deficit_probability(balance)}


def main() -> dict[str, Any]:
    scenario = synthetic_scenario()
    times, cpu = [], []
    for _ in range(REPEATS):
        t0, c0 = time.perf_counter(), time.process_time()
        res = run_vectorised(scenario)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    a = res["arrays"]
    t0, c0 = time.perf_counter(), time.process_time()
    _, _, loop_balance = evaluate_loops(a.head(LOOP_DRAWS))
    loop_s = time.perf_counter() - t0
    loop_cpu = time.process_time() - c0
    t0 = time.perf_counter()
    evaluate(a.head(LOOP_DRAWS))
    vec_same_s = time.perf_counter() - t0
    diff = float(np.max(np.abs(loop_balance - res["balance"][:LOOP_DRAWS])))
    scale = float(np.max(np.abs(loop_balance)))
    best = min(times)
    loop_full = loop_s * DRAWS / LOOP_DRAWS
    result = {
        "benchmark": "balance",
        "case": {"draws": DRAWS, "years": YEARS[1] - YEARS[0] + 1, "countries": N_COUNTRIES,
                 "stages": len(a.stages)},
        "vectorised_s": round(best, 4),
        "vectorised_runs_s": [round(t, 4) for t in times],
        "vectorised_cold_s": round(times[0], 4),
        "vectorised_cpu_s": round(min(cpu), 4),
        "vectorised_cpu_runs_s": [round(t, 4) for t in cpu],
        "vectorised_includes": "sampling, compiling, model, percentiles, P(deficit)",
        "target_s": TARGET_S,
        "meets_target": best < TARGET_S,
        "cold_run_meets_target": times[0] < TARGET_S,
        "loop_draws": LOOP_DRAWS,
        "loop_s": round(loop_s, 4),
        "loop_s_scaled_to_full": round(loop_full, 2),
        "loop_cpu_s_scaled_to_full": round(loop_cpu * DRAWS / LOOP_DRAWS, 2),
        "ratio_cpu_loop_over_vectorised": round(loop_cpu * DRAWS / LOOP_DRAWS / min(cpu), 1),
        "vectorised_model_only_same_draws_s": round(vec_same_s, 5),
        "ratio_loop_over_vectorised": round(loop_full / best, 1),
        "max_abs_difference": diff,
        "relative_difference": diff / scale if scale else 0.0,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "threads_env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS",
                                                        "OPENBLAS_NUM_THREADS")},
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
    }
    write_result("balance", result)
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
