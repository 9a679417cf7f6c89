"""The per-warehouse result cache (store/cache.py): off by default, invalidated by writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mineralwatch as mw
from mineralwatch.errors import NotFoundError
from mineralwatch.store import SourceInfo
from mineralwatch.store import cache as rc

CALLS: list[tuple[str, object]] = []


@rc.cached
def _count(wh: mw.Warehouse, mineral: str, *, scale: float = 1.0) -> pd.DataFrame:
    CALLS.append(("count", mineral))
    n = wh.sql("SELECT count(*) AS n FROM production WHERE mineral = ?", [mineral])
    if int(n["n"].iloc[0]) == 0:
        raise NotFoundError(f"No production of {mineral}.")
    return n.assign(scaled=n["n"] * scale)


def _production(rows: list[tuple[str, float]], mineral: str = "cobalt") -> pd.DataFrame:
    return pd.DataFrame({
        "mineral": mineral, "stage": "mine", "country": [c for c, _ in rows], "year": 2024,
        "quantity": [q for _, q in rows], "unit": "t", "basis": "content",
        "estimated": False, "note": None})


@pytest.fixture()
def wh():
    w = mw.open(":memory:")
    w.ingest({"production": _production([("COD", 220000.0), ("IDN", 28000.0)])},
             SourceInfo("test:a.csv", "usgs-mcs", "a", "c1", "1"))
    CALLS.clear()
    yield w
    w.close()


def test_no_active_cache_always_computes(wh):
    _count(wh, "cobalt")
    _count(wh, "cobalt")
    assert len(CALLS) == 2


def test_cached_until_an_ingest_changes_the_warehouse(wh):
    cache = rc.ResultCache()
    with rc.use(cache):
        a = _count(wh, "cobalt")
        b = _count(wh, mineral="cobalt", scale=1.0)  # same call, spelled differently
        assert len(CALLS) == 1 and a.equals(b)
        _count(wh, "cobalt", scale=2.0)
        assert len(CALLS) == 2
        wh.ingest({"production": _production([("AUS", 3600.0)])},
                  SourceInfo("test:b.csv", "usgs-mcs", "b", "c2", "1"))
        assert int(_count(wh, "cobalt")["n"].iloc[0]) == 3
        assert len(CALLS) == 3
        wh.remove_source("test:b.csv")  # back to the first state: its entry is good again
        assert int(_count(wh, "cobalt")["n"].iloc[0]) == 2
    assert len(CALLS) == 3 and cache.hits == 2


def test_results_are_copies_and_errors_are_remembered(wh):
    with rc.use(rc.ResultCache()):
        df = _count(wh, "cobalt")
        df["n"] = -1
        assert int(_count(wh, "cobalt")["n"].iloc[0]) == 2
        for _ in range(2):
            with pytest.raises(NotFoundError, match="lithium"):
                _count(wh, "lithium")
    assert CALLS.count(("count", "lithium")) == 1


def test_reviewing_an_event_changes_the_fingerprint(wh):
    events = pd.DataFrame([{
        "id": "e1", "actor": "COD", "authority": None, "instrument": None,
        "measure": "export_prohibition", "minerals": '["cobalt"]', "hs_codes": "[]",
        "target": '["ALL"]', "announced": None, "effective": "2025-02-22", "ends": None,
        "quantity": None, "quantity_unit": None, "status": "extracted", "suspends": None,
        "title": "t", "note": None, "citations": "[]"}])
    wh.ingest({"policy_event": events}, SourceInfo("events:x", "events", "x", "c3", "1"))
    before = rc.fingerprint(wh)
    from mineralwatch.analytics.events import load_events, review_event

    with rc.use(rc.ResultCache()):
        assert load_events(wh, status="confirmed").empty
        review_event(wh, "e1", "confirm")
        assert list(load_events(wh, status="confirmed")["id"]) == ["e1"]
    assert rc.fingerprint(wh) != before


def test_read_only_scope_reads_the_fingerprint_once(wh, monkeypatch):
    reads = []
    real = rc.fingerprint
    monkeypatch.setattr(rc, "fingerprint", lambda w: reads.append(1) or real(w))
    with rc.use(rc.ResultCache(), read_only=True):
        _count(wh, "cobalt")
        _count(wh, "cobalt", scale=3.0)
    assert len(reads) == 1


def test_exclusive_cache_rereads_the_fingerprint_after_a_write(wh, monkeypatch):
    reads = []
    real = rc.fingerprint
    monkeypatch.setattr(rc, "fingerprint", lambda w: reads.append(1) or real(w))
    cache = rc.ResultCache(exclusive=True)
    for _ in range(3):
        with rc.use(cache, read_only=True):
            _count(wh, "cobalt")
    assert len(reads) == 1 and len(CALLS) == 1
    cache.begin_write()
    with rc.use(cache):
        wh.ingest({"production": _production([("AUS", 3600.0)])},
                  SourceInfo("test:b.csv", "usgs-mcs", "b", "c2", "1"))
    cache.end_write()
    with rc.use(cache, read_only=True):
        assert int(_count(wh, "cobalt")["n"].iloc[0]) == 3


def test_unhashable_arguments_and_file_paths(wh, tmp_path: Path):
    calls = []

    @rc.cached
    def f(w: mw.Warehouse, arg: object) -> int:
        calls.append(arg)
        return len(calls)

    p = tmp_path / "s.yaml"
    p.write_text("a: 1\n")
    with rc.use(rc.ResultCache()):
        f(wh, pd.DataFrame())
        f(wh, pd.DataFrame())  # a DataFrame argument: never cached
        assert len(calls) == 2
        f(wh, p)
        f(wh, p)
        assert len(calls) == 3
        p.write_text("a: 2\n")  # a file argument is keyed on its content
        f(wh, p)
        assert len(calls) == 4
