"""Synthetic BACI-shaped trade in the canonical ``trade`` columns, written as Parquet.

About 5,000 HS6 codes × 200 countries; flows are sparse (a few percent of the possible
exporter × importer × product cells per year) and values heavy-tailed (log-normal, with
log-normal exporter, importer and product weights, so some exporters dominate some
products as in real trade). Keys (period, hs6, exporter, importer, reporter_side) are
unique. Up to 10 million rows go in one year (BACI has about 10 million a year); more
rows span more years, which reuse the first year's cells with new values.
Files: ``benchmarks/data/trade_<label>/part-NNNN.parquet``.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mineralwatch.codes import countries

DATA = Path(__file__).resolve().parent / "data"
VERSION = 1
N_HS6 = 5_000
N_COUNTRIES = 200
ROWS_PER_PERIOD = 10_000_000
ROWS_PER_FILE = 2_000_000
LAST_YEAR = 2022


def label(rows: int) -> str:
    """``1m``, ``10m``, ``100m``, ... for a row count."""
    return f"{rows / 1e6:g}m" if rows >= 1_000_000 else f"{rows / 1e3:g}k"


def folder(rows: int) -> Path:
    """Where the Parquet files of ``rows`` rows live."""
    return DATA / f"trade_{label(rows)}"


def _vocab(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    iso3 = sorted(c for c in countries.table()
                  if len(c) == 3 and c not in countries.SPECIAL_CODES)
    ctry = np.array(sorted(rng.choice(iso3, N_COUNTRIES, replace=False)))
    hs = np.sort(rng.choice(np.arange(10_100, 979_999), N_HS6, replace=False))
    return ctry, np.array([f"{h:06d}" for h in hs])


def _codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct (hs, exporter, importer) cells drawn with skewed weights."""
    w_hs = rng.lognormal(0.0, 1.2, N_HS6)
    w_ex = rng.lognormal(0.0, 1.6, N_COUNTRIES)
    w_im = rng.lognormal(0.0, 1.2, N_COUNTRIES)
    p_hs, p_ex, p_im = (w / w.sum() for w in (w_hs, w_ex, w_im))
    codes = np.empty(0, dtype=np.int64)
    while codes.size < n:
        m = int((n - codes.size) * 1.4) + 10_000
        h = rng.choice(N_HS6, m, p=p_hs).astype(np.int64)
        e = rng.choice(N_COUNTRIES, m, p=p_ex).astype(np.int64)
        i = rng.choice(N_COUNTRIES, m, p=p_im).astype(np.int64)
        keep = e != i
        new = (h[keep] * N_COUNTRIES + e[keep]) * N_COUNTRIES + i[keep]
        codes = np.unique(np.concatenate([codes, new]))
    pick = np.sort(rng.permutation(codes.size)[:n])
    return codes[pick]


def _strings(index: np.ndarray, vocab: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)),
                                          pa.array(vocab)).cast(pa.string())


def _base_cells(seed: int, ctry: np.ndarray, hs6: np.ndarray) -> np.ndarray:
    """The (hs, exporter, importer) cells of the one-year data set (generated if needed)."""
    t = pq.read_table(generate(ROWS_PER_PERIOD, seed=seed), columns=["hs6", "exporter",
                                                                    "importer"])
    h = np.searchsorted(hs6, t["hs6"].to_numpy()).astype(np.int64)
    e = np.searchsorted(ctry, t["exporter"].to_numpy()).astype(np.int64)
    i = np.searchsorted(ctry, t["importer"].to_numpy()).astype(np.int64)
    return (h * N_COUNTRIES + e) * N_COUNTRIES + i


def generate(rows: int, *, seed: int = 42, force: bool = False) -> Path:
    """Write ``rows`` rows of synthetic trade (cached: skipped when already there)."""
    out = folder(rows)
    meta = {"rows": rows, "seed": seed, "version": VERSION}
    marker = out / "_meta.json"
    if not force and marker.exists() and json.loads(marker.read_text()) == meta:
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    ctry, hs6 = _vocab(rng)
    n_periods = math.ceil(rows / ROWS_PER_PERIOD)
    part = 0
    base = _base_cells(seed, ctry, hs6) if n_periods > 1 else None
    for p in range(n_periods):
        year = str(LAST_YEAR - n_periods + 1 + p)
        n = min(ROWS_PER_PERIOD, rows - p * ROWS_PER_PERIOD)
        if base is None:
            codes = _codes(rng, n)
        else:
            # Several years: each reuses cells of the one-year data set (real trade
            # relations persist from year to year), with new values. Drawing a fresh
            # sparse cell set costs minutes per 10M rows. Keys stay unique per period.
            codes = base if n == base.size else base[np.sort(rng.choice(base.size, n,
                                                                        replace=False))]
        h = codes // (N_COUNTRIES * N_COUNTRIES)
        e = (codes // N_COUNTRIES) % N_COUNTRIES
        i = codes % N_COUNTRIES
        value = np.round(rng.lognormal(3.0, 2.5, n) * 1000.0, 2)  # USD, heavy-tailed
        qty = np.round(value / rng.lognormal(8.0, 1.0, n), 4)
        for start in range(0, n, ROWS_PER_FILE):
            sl = slice(start, min(n, start + ROWS_PER_FILE))
            k = sl.stop - sl.start
            table = pa.table({
                "period": pa.array([year] * k, pa.string()),
                "hs6": _strings(h[sl], hs6),
                "hs_revision": pa.array(["HS2017"] * k, pa.string()),
                "exporter": _strings(e[sl], ctry),
                "importer": _strings(i[sl], ctry),
                "reporter_side": pa.array(["reconciled"] * k, pa.string()),
                "value_usd": pa.array(value[sl]),
                "quantity": pa.array(qty[sl]),
                "quantity_unit": pa.array(["t"] * k, pa.string()),
            })
            pq.write_table(table, out / f"part-{part:04d}.parquet", row_group_size=1_000_000)
            part += 1
    marker.write_text(json.dumps(meta))
    return out


__all__ = ["DATA", "folder", "generate", "label"]
