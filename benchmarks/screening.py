"""Benchmark: transshipment screening vs one full scan of trade and vs pandas; precision and
recall of the ranking over random seeds.

``python -m benchmarks.screening [ROWS ...] [--seeds N] [--pandas-rows N]`` (default 10M and
50M rows, the size of the issue's target) writes
``benchmarks/results/screening.json`` (one record per size; pandas up to ``--pandas-rows``,
default 50M, which fits in 24 GB).
The trade table (monthly, 10 years, all HS6 codes of the size asked) is generated inside a
DuckDB warehouse *file*, as users have it (an in-memory DuckDB database does not compress
its columns, which makes filters on them several times slower); the pandas version
computes the same features from the same rows, read from a Parquet copy.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import write_result
from mineralwatch.analytics.screening import screen_transshipment
from mineralwatch.analytics.screening.synthetic import precision_recall, restriction_case
from mineralwatch.store import Warehouse
from mineralwatch.store.engine import DuckDBEngine


def make_trade(con, rows: int, seed: int = 0) -> None:  # type: ignore[no-untyped-def]
    """``rows`` monthly trade rows: 120 months, 200 countries, 1,000 HS6 codes, both sides."""
    con.execute(f"SELECT setseed({(seed % 100) / 100})")
    con.execute(f"""
        CREATE OR REPLACE TABLE trade AS
        SELECT printf('%04d-%02d', 2015 + (i % 120) // 12, (i % 120) % 12 + 1) AS period,
               printf('%06d', 280000 + ((i // 120) % 1000)) AS hs6,
               'HS2022' AS hs_revision,
               CASE WHEN (i // 120000) % 37 = 0 THEN 'CHN'
                    ELSE printf('C%03d', (i // 120000) % 200) END AS exporter,
               CASE WHEN (i // 7) % 41 = 0 THEN 'USA'
                    ELSE printf('D%03d', hash(i) % 200) END AS importer,
               CASE WHEN i % 2 = 0 THEN 'export' ELSE 'import' END AS reporter_side,
               random() * 1e5 AS value_usd, random() * 1e4 AS quantity,
               'kg' AS quantity_unit, 'bench' AS source_id
        FROM range({rows}) AS t(i)
    """)


def pandas_features(df: pd.DataFrame, r: str, t: str, hs: list[str], since: str) -> pd.DataFrame:
    """The screen_features computation written with pandas."""
    d = df[df["hs6"].isin(hs) & (df["period"].str.len() == 7)
           & ((df["exporter"] == r) | (df["importer"] == t))].copy()
    d["qt"] = d["quantity"] * d["quantity_unit"].map({"kg": 0.001, "t": 1.0})
    d["rank"] = d["reporter_side"].map({"reconciled": 0, "import": 1, "export": 2})
    key = ["period", "exporter", "importer"]
    d = d[d["rank"] == d.groupby(key)["rank"].transform("min")]
    best = d.groupby(key, as_index=False)[["qt", "value_usd"]].sum()
    rk = best[(best["exporter"] == r) & (best["importer"] != t)].assign(
        leg="rk", country=lambda x: x["importer"])
    kt = best[(best["importer"] == t) & (best["exporter"] != r)].assign(
        leg="kt", country=lambda x: x["exporter"])
    legs = pd.concat([rk, kt])
    months = sorted(d["period"].unique())
    grid = pd.MultiIndex.from_product([legs["country"].unique(), ["rk", "kt"], months],
                                      names=["country", "leg", "period"])
    s = (legs.set_index(["country", "leg", "period"])["qt"].reindex(grid, fill_value=0.0)
         .reset_index())
    s["post"] = s["period"] >= since
    s["cal"] = s["period"].str[5:7]
    pre = s[~s["post"]]
    base = pre.groupby(["country", "leg", "cal"])["qt"].mean().rename("base")
    s = s.join(base, on=["country", "leg", "cal"])
    sd = (s[~s["post"]]["qt"] - s[~s["post"]]["base"]).groupby(
        [s["country"], s["leg"]]).std().rename("resid_sd")
    post = s[s["post"]].groupby(["country", "leg"]).agg(post_t=("qt", "sum"),
                                                         expected_t=("base", "sum"))
    return post.join(sd).reset_index()


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return float(np.median(out))


def agreement_with_pandas(seeds: range) -> dict[str, float]:
    """Largest relative difference between the screen's rise evidence (t after the date and
    its seasonal expectation, both legs) and :func:`pandas_features` on the same rows."""
    worst, compared = 0.0, 0
    for seed in seeds:
        case = restriction_case(seed)
        eng = DuckDBEngine()
        eng.bind("trade", case.trade)
        out = screen_transshipment(eng, case.restrictor, case.target, case.hs, case.since,
                                   production=case.production_t, with_series=False)
        ref = pandas_features(case.trade, case.restrictor, case.target, list(case.hs),
                              case.since).set_index(["country", "leg"])
        for cand in out["candidates"]:
            for ev in cand["evidence"]:
                if ev["indicator"] not in ("rk_rise", "kt_rise"):
                    continue
                row = ref.loc[(cand["country"], ev["indicator"][:2])]
                for mine, theirs in ((ev["value"], row["post_t"]),
                                     (ev["baseline"], row["expected_t"])):
                    worst = max(worst, abs(mine - theirs) / max(abs(theirs), 1e-9))
                    compared += 1
    return {"seeds": len(seeds), "values_compared": compared, "max_rel_diff": worst}


def quality(seeds: range, **kw) -> dict[str, float]:  # type: ignore[no-untyped-def]
    ps, rs = [], []
    for seed in seeds:
        case = restriction_case(seed, n_transit=int(seed % 4), n_decoys=2, **kw)
        eng = DuckDBEngine()
        eng.bind("trade", case.trade)
        out = screen_transshipment(eng, case.restrictor, case.target, case.hs, case.since,
                                   production=case.production_t, with_series=False)
        p, r = precision_recall({c["country"] for c in out["candidates"] if c["flagged"]},
                                set(case.transit))
        ps.append(p)
        rs.append(r)
    return {"seeds": len(seeds), "precision": float(np.mean(ps)), "recall": float(np.mean(rs))}


def main(rows: int = 10_000_000, pandas_rows: int = 50_000_000,
         seeds: int = 40) -> dict[str, object]:
    """Time the screen at ``rows``; pandas only when ``rows <= pandas_rows`` (memory).

    The screen is timed on the table as generated (rows in blocks by exporter, importers
    scattered within each block) and again after :meth:`Warehouse.optimize` has
    clustered it by exporter and importer, which is the state ``mineralwatch optimize``
    leaves a warehouse in. Every time is the median of three runs.
    """
    import tempfile

    workdir = tempfile.TemporaryDirectory()
    wh = Warehouse(Path(workdir.name) / "warehouse.duckdb")
    con = wh.con
    con.execute("SET enable_progress_bar = false")
    t = time.perf_counter()
    make_trade(con, rows)
    gen_s = time.perf_counter() - t
    hs = [f"{280000 + i:06d}" for i in range(1000)]  # all HS6 codes of the table
    eng = DuckDBEngine(con)

    def scan() -> float:
        return timed(lambda: con.execute("SELECT count(*), sum(quantity), sum(value_usd), "
                                         "count(DISTINCT hs6) FROM trade").fetchall())

    def screen() -> float:
        return timed(lambda: screen_transshipment(eng, "CHN", "USA", hs, "2023-01",
                                                  production={}))

    scan_raw, screen_raw = scan(), screen()
    unclustered = {"full_scan_s": scan_raw, "screen_s": screen_raw,
                   "screen_over_scan": screen_raw / scan_raw}
    result: dict[str, object] = {
        "rows": rows, "months": 120, "hs6_codes": 1000, "countries": 200,
        "generate_s": gen_s, "target_screen_over_scan": 3.0,
        "target_speedup_vs_pandas": 10.0,
        "unclustered": unclustered,
    }
    pandas_s: dict[str, float] = {}
    if rows <= pandas_rows:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trade.parquet"
            con.execute(f"COPY trade TO '{path}' (FORMAT parquet)")
            df = pd.read_parquet(path)
            pandas_s["compute_only"] = timed(
                lambda: pandas_features(df, "CHN", "USA", hs, "2023-01"))
            del df
            pandas_s["read_parquet_and_compute"] = timed(
                lambda: pandas_features(pd.read_parquet(path), "CHN", "USA", hs, "2023-01"))
        result["pandas_compute_only_s"] = pandas_s["compute_only"]
        result["pandas_read_parquet_and_compute_s"] = pandas_s["read_parquet_and_compute"]
    t = time.perf_counter()
    wh.optimize(["trade"])
    result["optimize_s"] = time.perf_counter() - t
    scan_c, screen_c = scan(), screen()
    result.update({"full_scan_s": scan_c, "screen_s": screen_c,
                   "screen_over_scan": screen_c / scan_c})
    for what, p_s in pandas_s.items():
        result[f"speedup_vs_pandas_{what}"] = p_s / screen_c
        unclustered[f"speedup_vs_pandas_{what}"] = p_s / screen_raw
    wh.close()
    workdir.cleanup()
    result["timing"] = "every *_s figure is the median of three runs"
    result["agreement_with_pandas"] = agreement_with_pandas(range(5))
    if seeds:
        result["quality"] = {
            "default (noise 0.25, diversion 20-50 %)": quality(range(0, seeds)),
            "hard (noise 0.5, diversion 5-15 %)": quality(range(1000, 1000 + seeds),
                                                          noise=0.5, diverted=(0.05, 0.15)),
        }
    return result


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("rows", nargs="*", type=int, default=[10_000_000, 50_000_000])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--pandas-rows", type=int, default=50_000_000)
    args = ap.parse_args()
    runs = [main(n, pandas_rows=args.pandas_rows, seeds=args.seeds if i == 0 else 0)
            for i, n in enumerate(args.rows)]
    write_result("screening", runs)
    print(json.dumps(runs, indent=2))
