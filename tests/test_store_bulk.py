"""Bulk Parquet ingest: same checks as check_frame, done in SQL; atomic; idempotent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mineralwatch.errors import SchemaError
from mineralwatch.store import SourceInfo, Warehouse


def trade_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "period": ["2022", "2022", "2023"], "hs6": ["811010", "811010", "811010"],
        "hs_revision": ["HS2022"] * 3, "exporter": ["CHN", "THA", "CHN"],
        "importer": ["USA", "USA", "USA"], "reporter_side": ["reconciled"] * 3,
        "value_usd": [10.0, 5.0, 7.0], "quantity": [1.0, None, 2.0],
        "quantity_unit": ["t", None, "t"]})


def src(checksum: str = "a") -> SourceInfo:
    return SourceInfo("baci:bulk", "baci", "bulk", checksum=checksum, loader_version="t")


def test_bulk_ingest_round_trip_and_idempotence(tmp_path: Path, wh: Warehouse) -> None:
    trade_frame().to_parquet(tmp_path / "part-0.parquet")
    res = wh.ingest_parquet("trade", tmp_path, src())
    assert res.rows == {"trade": 3} and not res.skipped
    got = wh.load("trade").sort_values(["period", "exporter"]).reset_index(drop=True)
    assert got["source_id"].unique().tolist() == ["baci:bulk"]
    assert got["value_usd"].tolist() == [10.0, 5.0, 7.0]
    assert wh.ingest_parquet("trade", tmp_path, src()).skipped
    assert wh.ingest_parquet("trade", tmp_path, src("b")).replaced
    assert wh.count("trade") == 3
    assert wh.source("baci:bulk")["rows"] == 3


def test_bad_values_are_all_listed_and_nothing_is_written(tmp_path: Path, wh: Warehouse) -> None:
    trade_frame().to_parquet(tmp_path / "good.parquet")
    wh.ingest_parquet("trade", tmp_path / "good.parquet", src())
    bad = trade_frame()
    bad.loc[0, "value_usd"] = -1.0
    bad.loc[1, "reporter_side"] = "both"
    bad.loc[2, "exporter"] = None
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(SchemaError) as err:
        wh.ingest_parquet("trade", tmp_path / "bad.parquet", src("c"))
    text = str(err.value)
    assert "negative value" in text and "'both'" in text and "empty value" in text
    assert "bad.parquet" in text
    assert wh.count("trade") == 3 and wh.source("baci:bulk")["checksum"] == "a"


def test_duplicate_keys_roll_back(tmp_path: Path, wh: Warehouse) -> None:
    trade_frame().to_parquet(tmp_path / "good.parquet")
    wh.ingest_parquet("trade", tmp_path / "good.parquet", src())
    dup = pd.concat([trade_frame(), trade_frame().iloc[:1]])
    dup.to_parquet(tmp_path / "dup.parquet")
    with pytest.raises(SchemaError, match="Duplicate keys"):
        wh.ingest_parquet("trade", tmp_path / "dup.parquet", src("d"))
    assert wh.count("trade") == 3 and wh.source("baci:bulk")["checksum"] == "a"


def test_missing_required_column(tmp_path: Path, wh: Warehouse) -> None:
    trade_frame().drop(columns=["hs6"]).to_parquet(tmp_path / "x.parquet")
    with pytest.raises(SchemaError, match="hs6"):
        wh.ingest_parquet("trade", tmp_path / "x.parquet", src())


def test_duplicate_keys_are_named_and_settings_restored(tmp_path: Path, wh: Warehouse) -> None:
    wh.con.execute("SET preserve_insertion_order = true")
    dup = pd.concat([trade_frame(), trade_frame().iloc[1:2]])
    dup.to_parquet(tmp_path / "dup.parquet")
    with pytest.raises(SchemaError) as err:
        wh.ingest_parquet("trade", tmp_path / "dup.parquet", src())
    assert "THA" in str(err.value) and "2 rows" in str(err.value)
    assert wh.count("trade") == 0 and wh.source("baci:bulk") is None
    setting = wh.con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    assert setting is not None and bool(setting[0]) is True
    trade_frame().to_parquet(tmp_path / "ok.parquet")
    assert wh.ingest_parquet("trade", tmp_path / "ok.parquet", src()).rows == {"trade": 3}
