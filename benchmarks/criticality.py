"""Benchmark: the EU CRM assessment of every material, both stages, for several importers.

``python -m benchmarks.criticality`` writes ``benchmarks/results/criticality.json``.
Target (issues 3, 16): all materials, both stages, both methods, any importer in under 1
second. Inputs are
the public EU CRM 2023 tables and WGI from ``../shared/data`` when present (read once,
not timed); otherwise a synthetic system of the same size (90 materials, 200 countries).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import write_result
from mineralwatch.analytics.criticality.assess import assess_eu
from mineralwatch.analytics.criticality.inputs import CriticalityInputs
from mineralwatch.analytics.criticality.parameters import eu_parameters
from mineralwatch.analytics.criticality.usgs import assess_usgs

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MINERALWATCH_SHARED", ROOT.parent / "shared")) / "data"
TARGET_S = 1.0


def real_inputs() -> CriticalityInputs | None:
    """The public EU CRM tables, US import shares and WGI, or ``None`` when absent."""
    from mineralwatch.sources.eu_crm import read_eu_crm_end_use, read_eu_crm_shares
    from mineralwatch.sources.import_shares import read_import_shares
    from mineralwatch.sources.wgi import read_wgi

    eu = DATA / "eu_crm2023"
    if not eu.is_dir():
        return None
    from mineralwatch.sources.end_use_splits import read_iea_end_use, read_usgs_end_use
    from mineralwatch.sources.usgs_mcs import read_usgs_mcs
    from mineralwatch.sources.usgs_salient import read_usgs_salient

    mcs = DATA / "usgs_mcs2025"
    supply = pd.concat([read_eu_crm_shares(eu),
                        read_import_shares(DATA / "misc/import_shares_cache.json")])
    end_use = pd.concat([  # the EU table first, then the USGS T4 / IEA splits (issue 16)
        read_eu_crm_end_use(eu).assign(source_id="eu-crm-end-use:x"),
        read_usgs_end_use(mcs / "Industry_Trends.zip").assign(source_id="usgs-end-use:x"),
        read_iea_end_use(DATA / "iea/iea_critical_minerals_explorer.json")
        .assign(source_id="iea-end-use:x")], ignore_index=True)
    return CriticalityInputs(supply=supply,
                             governance=read_wgi(DATA / "governance/wgidataset.csv"),
                             parameters=eu_parameters(), end_use=end_use,
                             import_reliance=read_usgs_salient(mcs / "Salient_Commodity.zip"),
                             production=read_usgs_mcs(mcs / "MCS2025_World_Data.csv")[
                                 "production"])


def synthetic_inputs(n_countries: int = 200, seed: int = 0) -> CriticalityInputs:
    """Random shares for every parameterised material, both stages, WLD/EUU/USA/JPN."""
    rng = np.random.default_rng(seed)
    params = eu_parameters()
    countries = [f"C{i:03d}" for i in range(n_countries)]
    rows = []
    for m in params["mineral"]:
        for stage in ("mine", "processing"):
            for scope in ("WLD", "EUU", "USA", "JPN"):
                k = int(rng.integers(3, 40))
                who = rng.choice(n_countries, k, replace=False)
                s = rng.dirichlet(np.ones(k) * 0.5)
                rows += [(m, stage, scope, countries[c], 2023, float(x), 1.0)
                         for c, x in zip(who, s, strict=True)]
    supply = pd.DataFrame(rows, columns=["mineral", "stage", "scope", "country", "year",
                                         "share", "t"])
    gov = pd.DataFrame([(c, 2021, i, float(rng.normal(0, 1))) for c in countries
                        for i in ("va", "pv", "ge", "rq", "rl", "cc")],
                       columns=["country", "year", "indicator", "value"])
    end_use = pd.DataFrame([(m, f"use{j}", 0.25, f"C{j}", 1000.0 * (j + 1), "EUU")
                            for m in params["mineral"] for j in range(4)],
                           columns=["mineral", "application", "share", "sector",
                                    "value_added", "scope"])
    return CriticalityInputs(supply=supply, governance=gov, parameters=params, end_use=end_use)


def time_it(fn: Any, repeat: int = 7) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> dict[str, Any]:
    logging.disable(logging.WARNING)
    real = real_inputs()
    inputs = real if real is not None else synthetic_inputs()
    result: dict[str, Any] = {"inputs": "shared data (EU CRM 2023, WGI, US import shares)"
                              if real is not None else "synthetic",
                              "supply_rows": len(inputs.supply), "target_s": TARGET_S}
    for importer in ("EUU", "USA", "JPN"):
        secs, out = time_it(lambda imp=importer: assess_eu(inputs, importer=imp))
        result[f"eu_{importer}_s"] = secs
        result["materials"] = len(out)
        result["stages_computed"] = int(out[["sr_extraction", "sr_processing"]].notna()
                                        .sum().sum())
    secs, _ = time_it(lambda: assess_eu(inputs, explain=True), repeat=3)
    result["eu_EUU_explain_s"] = secs
    secs, out = time_it(lambda: assess_usgs(inputs), repeat=3)
    result["usgs_USA_s"], result["usgs_materials"] = secs, len(out)
    result["within_target"] = all(v < TARGET_S for k, v in result.items()
                                  if k.startswith("eu_") and k.endswith("_s")
                                  and "explain" not in k)
    synth = synthetic_inputs()
    secs, _ = time_it(lambda: assess_eu(synth, importer="JPN"), repeat=3)
    result["synthetic_200_countries_JPN_s"] = secs
    write_result("criticality", result)
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
