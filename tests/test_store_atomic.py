"""A process killed (SIGKILL) in the middle of an ingest leaves the warehouse as it was.

A child process replaces a source with a large synthetic frame; once it is inside the
ingest transaction (old rows deleted, new rows inserted, nothing committed) the parent
kills it with ``kill -9``. Reopened, the warehouse has exactly the rows from before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mineralwatch as mw
from mineralwatch.store import SourceInfo

SOURCE_ID = "synthetic:production"
MARKER = "INSIDE-TRANSACTION"


def synthetic_production(n: int, quantity: float) -> pd.DataFrame:
    """``n`` production rows with distinct keys (the year runs 1..n)."""
    return pd.DataFrame({
        "mineral": "cobalt", "stage": "mine", "country": "COD",
        "year": np.arange(1, n + 1), "quantity": np.full(n, quantity), "unit": "t",
        "basis": "content", "estimated": False, "note": None,
    })


def source(checksum: str) -> SourceInfo:
    return SourceInfo(source_id=SOURCE_ID, kind="synthetic", name="synthetic",
                      checksum=checksum, loader_version="1")


CHILD = textwrap.dedent(f"""
    import sys, time
    import mineralwatch as mw
    from mineralwatch.store import Warehouse
    sys.path.insert(0, {str(Path(__file__).parent)!r})
    from test_store_atomic import source, synthetic_production

    original = Warehouse._insert

    def insert_then_wait(con, table, df):
        original(con, table, df)
        if table == "production":
            # the old rows are deleted and the new ones inserted, not yet committed
            print({MARKER!r}, con.execute("SELECT count(*) FROM production").fetchone()[0],
                  flush=True)
            time.sleep(60)

    Warehouse._insert = staticmethod(insert_then_wait)
    wh = mw.open(sys.argv[1])
    frame = synthetic_production(int(sys.argv[2]), 2.0)
    wh.ingest({{"production": frame}}, source("new"))
    print("COMMITTED", flush=True)
""")


def table_state(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    wh = mw.open(path, read_only=True)
    try:
        prod = wh.sql("SELECT * FROM production ORDER BY year")
        src = wh.sql("SELECT source_id, checksum, rows FROM source ORDER BY source_id")
    finally:
        wh.close()
    return prod, src


def test_sigkill_mid_ingest_leaves_the_previous_rows(tmp_path: Path):
    path = tmp_path / "wh.duckdb"
    with mw.open(path) as wh:
        wh.ingest({"production": synthetic_production(1_000, 1.0)}, source("old"))
    before_prod, before_src = table_state(path)
    assert len(before_prod) == 1_000

    n_new = 50_000
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(n_new)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = child.stdout.readline() if child.stdout else ""
            if line.startswith(MARKER) or not line:
                break
        assert line.startswith(MARKER), f"child never reached the transaction: {line!r} " \
            f"{child.stderr.read() if child.stderr else ''}"
        # inside the transaction the child sees its own uncommitted rows only
        assert int(line.split()[1]) == n_new
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    after_prod, after_src = table_state(path)
    pd.testing.assert_frame_equal(after_prod, before_prod)
    pd.testing.assert_frame_equal(after_src, before_src)
    assert after_src.checksum.tolist() == ["old"]


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_partial_ingest(tmp_path: Path):
    """Kill the child at an arbitrary moment of a plain ingest (no pause): the warehouse
    holds either the old source or the complete new one, never a mixture."""
    path = tmp_path / "wh.duckdb"
    hook = "Warehouse._insert = staticmethod(insert_then_wait)\n"
    assert hook in CHILD
    child_code = CHILD.replace(hook, "")
    outcomes = set()
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0):
        with mw.open(path) as wh:
            wh.remove_source(SOURCE_ID)
            wh.ingest({"production": synthetic_production(1_000, 1.0)}, source("old"))
        child = subprocess.Popen([sys.executable, "-c", child_code, str(path), "300000"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        prod, src = table_state(path)
        outcomes.add(src.checksum.iloc[0])
        if src.checksum.tolist() == ["old"]:
            assert len(prod) == 1_000 and (prod.quantity == 1.0).all()
        else:
            assert src.checksum.tolist() == ["new"]
            assert len(prod) == 300_000 and (prod.quantity == 2.0).all()
    print("outcomes:", outcomes)   # usually both: killed before and after the commit
