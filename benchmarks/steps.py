"""One measured step per process, so that peak RSS belongs to that step alone.

``python -m benchmarks.steps STEP ROWS [REPEAT]`` prints one JSON object:
``{"step", "rows", "seconds" (best of REPEAT), "cpu_seconds" (user + system time of all
threads in that run), "all_seconds", "peak_rss_mb", ...}``. CPU time does not depend on
how busy a shared machine is; wall time does.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.generate import DATA, folder, generate, label
from mineralwatch.codes.countries import AGGREGATE_CODES


def warehouse_path(rows: int) -> Path:
    return DATA / f"warehouse_{label(rows)}.duckdb"


def _glob(rows: int) -> str:
    return str(folder(rows) / "*.parquet")


def step_generate(rows: int) -> dict[str, Any]:
    generate(rows)
    return {"bytes": sum(p.stat().st_size for p in folder(rows).glob("*.parquet"))}


def step_ingest(rows: int) -> dict[str, Any]:
    """Bulk ingest from Parquet into a fresh warehouse file (validated, one transaction)."""
    import mineralwatch as mw
    from mineralwatch.store import SourceInfo

    path = warehouse_path(rows)
    for p in (path, path.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    with mw.open(path) as wh:
        res = wh.ingest_parquet("trade", folder(rows), SourceInfo(
            f"bench:{label(rows)}", "bench", label(rows), checksum="x", loader_version="0"))
    return {"ingested": res.total_rows, "warehouse_bytes": path.stat().st_size}


def step_hhi_warehouse(rows: int) -> dict[str, Any]:
    """Our SQL analytic (exporter HHI over all HS6 codes) on the warehouse table."""
    import mineralwatch as mw

    with mw.open(warehouse_path(rows), read_only=True) as wh:
        df = mw.exporter_concentration(wh)
    return {"result_rows": len(df)}


def step_hhi_parquet(rows: int) -> dict[str, Any]:
    """The same SQL analytic with ``trade`` bound to the Parquet files (DuckDB engine)."""
    from mineralwatch.analytics.concentration import exporter_concentration
    from mineralwatch.store.engine import DuckDBEngine

    eng = DuckDBEngine()
    eng.bind("trade", folder(rows))
    return {"result_rows": len(exporter_concentration(eng))}


def step_scan(rows: int) -> dict[str, Any]:
    """The floor: one full DuckDB scan of the same Parquet (sum of values and a count)."""
    from mineralwatch.store import connect

    r = connect().execute(f"SELECT sum(value_usd), count(*) FROM read_parquet('{_glob(rows)}')"
                          ).fetchone()
    assert r is not None
    return {"count": int(r[1])}


def step_scan_columns(rows: int) -> dict[str, Any]:
    """A full scan reading every column the analytic reads (the floor for that input)."""
    from mineralwatch.store import connect

    r = connect().execute(
        "SELECT sum(value_usd), max(period), max(hs6), max(exporter), max(importer), "
        f"max(reporter_side) FROM read_parquet('{_glob(rows)}')").fetchone()
    assert r is not None
    return {}


def step_scan_warehouse(rows: int) -> dict[str, Any]:
    """One full scan of the warehouse table (the floor for the warehouse analytic)."""
    from mineralwatch.store import connect

    con = connect(warehouse_path(rows), read_only=True)
    r = con.execute("SELECT sum(value_usd), count(*) FROM trade").fetchone()
    assert r is not None
    return {"count": int(r[1])}


def pandas_exporter_hhi(path: str | Path) -> pd.DataFrame:
    """A straightforward pandas implementation of the exporter HHI analytic."""
    cols = ["period", "hs6", "exporter", "importer", "reporter_side", "value_usd"]
    df = pd.read_parquet(path, columns=cols)
    agg = sorted(AGGREGATE_CODES)
    df = df[(df["value_usd"] > 0) & ~df["exporter"].isin(agg) & ~df["importer"].isin(agg)]
    df = df.assign(side_rank=df["reporter_side"].map({"reconciled": 0, "import": 1})
                   .fillna(2))
    g = (df.groupby(["period", "hs6", "side_rank", "exporter"], sort=False)["value_usd"]
         .sum().reset_index())
    g = g[g["side_rank"] == g.groupby(["period", "hs6"])["side_rank"].transform("min")]
    g = g.sort_values(["period", "hs6", "value_usd", "exporter"],
                      ascending=[True, True, False, True])
    by = g.groupby(["period", "hs6"], sort=False)
    g["share"] = g["value_usd"] / by["value_usd"].transform("sum")
    g["sq"] = g["share"] ** 2
    g["rnk"] = by.cumcount() + 1
    for n in (1, 3, 5):
        g[f"top{n}"] = g["share"].where(g["rnk"] <= n, 0.0)
    by = g.groupby(["period", "hs6"], sort=True)
    out = by.agg(n_exporters=("exporter", "size"), total_value_usd=("value_usd", "sum"),
                 hhi=("sq", "sum"), top1_exporter=("exporter", "first"),
                 top1_share=("top1", "sum"), top3_share=("top3", "sum"),
                 top5_share=("top5", "sum")).reset_index()
    out["hhi"] *= 10_000.0
    return out


def step_pandas(rows: int) -> dict[str, Any]:
    """The pandas baseline (reads the same Parquet)."""
    return {"result_rows": len(pandas_exporter_hhi(folder(rows)))}


def step_check(rows: int) -> dict[str, Any]:
    """Agreement of the SQL analytic with the pandas implementation (max differences)."""
    from mineralwatch.analytics.concentration import exporter_concentration
    from mineralwatch.store.engine import DuckDBEngine

    eng = DuckDBEngine()
    eng.bind("trade", folder(rows))
    a = exporter_concentration(eng)
    b = pandas_exporter_hhi(folder(rows))
    assert len(a) == len(b), (len(a), len(b))
    assert (a["period"].astype(str).to_numpy() == b["period"].astype(str).to_numpy()).all()
    assert (a["hs6"].astype(str).to_numpy() == b["hs6"].astype(str).to_numpy()).all()
    same_top = bool((a["top1_exporter"].to_numpy() == b["top1_exporter"].to_numpy()).all())
    d_hhi = float((a["hhi"] - b["hhi"]).abs().max())
    d_top = max(float((a[c] - b[c]).abs().max())
                for c in ("top1_share", "top3_share", "top5_share"))
    assert (a["n_exporters"].to_numpy() == b["n_exporters"].to_numpy()).all()
    assert d_hhi < 1e-6 and d_top < 1e-9 and same_top, (d_hhi, d_top, same_top)
    return {"max_abs_diff_hhi": d_hhi, "max_abs_diff_top_shares": d_top,
            "same_top1_exporter": same_top, "agree": True}


STEPS: dict[str, Callable[[int], dict[str, Any]]] = {
    "generate": step_generate,
    "ingest": step_ingest,
    "hhi_warehouse": step_hhi_warehouse,
    "hhi_parquet": step_hhi_parquet,
    "scan": step_scan,
    "scan_columns": step_scan_columns,
    "scan_warehouse": step_scan_warehouse,
    "pandas": step_pandas,
    "check": step_check,
}


def main(argv: list[str]) -> None:
    import os
    import statistics

    name, rows = argv[0], int(float(argv[1]))
    repeat = int(argv[2]) if len(argv) > 2 else 1
    times, cpu, extra = [], [], {}
    load_before = [round(x, 2) for x in os.getloadavg()]
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        extra = STEPS[name](rows)
        times.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu.append(round(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, 3))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    best = times.index(min(times))
    print(json.dumps({"step": name, "rows": rows, "seconds": times[best],
                      "cpu_seconds": cpu[best], "median_seconds": statistics.median(times),
                      "min_cpu_seconds": min(cpu), "median_cpu_seconds": statistics.median(cpu),
                      "all_seconds": times, "all_cpu_seconds": cpu,
                      "load_average_before": load_before,
                      "load_average_after": [round(x, 2) for x in os.getloadavg()],
                      "peak_rss_mb": round(rss, 1), **extra}))


if __name__ == "__main__":
    main(sys.argv[1:])
