"""Warehouse.optimize: trade rewritten in clustering order, atomically, results unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from mineralwatch import schema
from mineralwatch.analytics.screening import screen_transshipment
from mineralwatch.analytics.screening.synthetic import restriction_case
from mineralwatch.errors import WarehouseError
from mineralwatch.store import SourceInfo, Warehouse


def _case_in(wh: Warehouse):  # type: ignore[no-untyped-def]
    case = restriction_case(11, n_transit=2, n_producers=1, n_decoys=1)
    shuffled = case.trade.sample(frac=1.0, random_state=0).reset_index(drop=True)
    wh.ingest({"trade": shuffled}, SourceInfo("comtrade:test", "comtrade", "test",
                                              checksum="x", loader_version="t"))
    return case


def _physical(wh: Warehouse) -> pd.DataFrame:
    return wh.sql("SELECT * FROM trade ORDER BY rowid")


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(schema.TRADE_KEY)).reset_index(drop=True)


def _summary(out: dict) -> list[tuple[str, bool]]:  # type: ignore[type-arg]
    return [(c["country"], c["flagged"]) for c in out["candidates"]]


def test_optimize_clusters_trade_and_keeps_every_row(wh: Warehouse) -> None:
    case = _case_in(wh)
    before = _physical(wh)
    pairs = list(zip(before["exporter"], before["importer"], strict=True))
    assert pairs != sorted(pairs)  # ingest kept the shuffled file order
    screened = screen_transshipment(wh, case.restrictor, case.target, case.hs, case.since,
                                    production=case.production_t)
    sources = wh.sources()

    assert wh.optimize() == {"trade": len(before)}

    after = _physical(wh)
    pairs = list(zip(after["exporter"], after["importer"], strict=True))
    assert pairs == sorted(pairs)
    pd.testing.assert_frame_equal(_canonical(after), _canonical(before))
    pd.testing.assert_frame_equal(wh.sources(), sources)
    again = screen_transshipment(wh, case.restrictor, case.target, case.hs, case.since,
                                 production=case.production_t)
    assert _summary(again) == _summary(screened)  # sums may differ in the last bits
    assert [c["score"] for c in again["candidates"]] == pytest.approx(
        [c["score"] for c in screened["candidates"]], rel=1e-9)
    assert wh.optimize() == {"trade": len(before)}  # idempotent
    assert "trade__clustered" not in wh.tables()


def test_optimize_leaves_empty_tables_and_rejects_bad_calls(wh: Warehouse, tmp_path) -> None:
    assert wh.optimize() == {}
    with pytest.raises(WarehouseError, match="Unknown table"):
        wh.optimize(["no_such_table"])
    path = wh.path
    wh.close()
    ro = Warehouse(path, read_only=True)
    try:
        with pytest.raises(WarehouseError, match="read-only"):
            ro.optimize()
    finally:
        ro.close()


def test_optimize_failure_leaves_the_warehouse_as_it_was(
        wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    _case_in(wh)
    before = _physical(wh)
    real_ddl = schema.ddl

    def broken(table):  # type: ignore[no-untyped-def]
        return real_ddl(table).replace("VARCHAR", "NO_SUCH_TYPE", 1)

    monkeypatch.setattr(schema, "ddl", broken)
    with pytest.raises(Exception, match="NO_SUCH_TYPE"):
        wh.optimize()
    monkeypatch.undo()
    pd.testing.assert_frame_equal(_physical(wh), before)
    assert "trade__clustered" not in wh.tables()


def test_optimize_succeeds_while_another_cursor_has_a_transaction_open(wh: Warehouse) -> None:
    _case_in(wh)
    reader = wh.cursor()
    reader.con.execute("BEGIN TRANSACTION")
    reader.con.execute("SELECT count(*) FROM source").fetchall()
    try:
        assert wh.optimize() == {"trade": wh.count("trade")}  # no error: checkpoint deferred
    finally:
        reader.con.execute("ROLLBACK")
    pairs = list(zip(*[_physical(wh)[c] for c in ("exporter", "importer")], strict=True))
    assert pairs == sorted(pairs)
