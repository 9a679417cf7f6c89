"""The one write path: Warehouse.replace_sources, frames and Parquet in one transaction."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
from tests.test_store_bulk import trade_frame

from mineralwatch.errors import SchemaError, WarehouseError
from mineralwatch.store import ParquetInput, SourceInfo, Warehouse

STORE = Path(__file__).resolve().parents[1] / "src" / "mineralwatch" / "store"


def _src(sid: str, checksum: str = "1") -> SourceInfo:
    return SourceInfo(sid, "test", sid, checksum=checksum, loader_version="t")


def test_frames_and_parquet_of_several_sources_in_one_call(tmp_path: Path,
                                                           wh: Warehouse) -> None:
    trade_frame().to_parquet(tmp_path / "t.parquet")
    other = trade_frame().assign(importer="DEU")
    res = wh.replace_sources({_src("a"): ParquetInput("trade", tmp_path / "t.parquet"),
                              _src("b"): {"trade": other}})
    assert [(r.source_id, r.rows) for r in res] == [("a", {"trade": 3}), ("b", {"trade": 3})]
    by_src = wh.sql('SELECT source_id, count(*) n, sum(value_usd) v FROM trade GROUP BY 1 '
                    "ORDER BY 1")
    assert by_src.to_dict("records") == [{"source_id": "a", "n": 3, "v": 22.0},
                                         {"source_id": "b", "n": 3, "v": 22.0}]
    assert wh.sources()["rows"].tolist() == [3, 3]
    # unchanged checksum: skipped; a new one replaces only that source's rows
    again = wh.replace_sources({_src("a"): ParquetInput("trade", tmp_path / "t.parquet"),
                                _src("b", "2"): {"trade": other.head(1)}})
    assert [r.skipped for r in again] == [True, False] and again[1].replaced
    assert wh.count("trade") == 4


def test_one_bad_source_writes_nothing_of_the_batch(tmp_path: Path, wh: Warehouse) -> None:
    wh.replace_sources({_src("a"): {"trade": trade_frame()}})
    bad = trade_frame().assign(value_usd=[1.0, -5.0, 2.0])
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(SchemaError, match=r"bad\.parquet"):
        wh.replace_sources({_src("a", "2"): {"trade": trade_frame().head(1)},
                            _src("c"): ParquetInput("trade", tmp_path / "bad.parquet")})
    assert wh.count("trade") == 3 and wh.sources()["source_id"].tolist() == ["a"]
    dup = pd.concat([trade_frame(), trade_frame().head(1)])
    dup.to_parquet(tmp_path / "dup.parquet")  # duplicate key: found inside the transaction
    with pytest.raises(SchemaError, match="Duplicate keys"):
        wh.replace_sources({_src("a", "3"): {"trade": trade_frame().head(1)},
                            _src("d"): ParquetInput("trade", tmp_path / "dup.parquet")})
    assert wh.count("trade") == 3 and wh.source("a")["checksum"] == "1"


def test_unknown_table_and_repeated_source_are_refused(wh: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="Unknown table 'source'"):
        wh.replace_sources({_src("a"): {"source": trade_frame()}})
    with pytest.raises(WarehouseError, match="twice"):
        wh.replace_sources({_src("a"): {"trade": trade_frame()},
                            _src("a", "2"): {"trade": trade_frame()}})
    assert wh.count("trade") == 0


def _imports(path: Path) -> set[str]:
    """mineralwatch.store modules imported at run time (not under TYPE_CHECKING)."""
    out: set[str] = set()
    tree = ast.parse(path.read_text())
    guarded = {id(n) for i in ast.walk(tree) if isinstance(i, ast.If)
               and "TYPE_CHECKING" in ast.unparse(i.test) for n in ast.walk(i)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and id(node) not in guarded and node.module:
            if node.module.startswith("mineralwatch.store."):
                out.add(node.module.rsplit(".", 1)[1])
            elif node.module == "mineralwatch.store":
                out |= {a.name for a in node.names}
    return out


def test_store_core_is_a_leaf_and_nobody_reaches_into_the_warehouse() -> None:
    assert _imports(STORE / "core.py") == set()
    assert _imports(STORE / "bulk.py") == {"core"}
    assert "warehouse" not in _imports(STORE / "engine.py")
    src = STORE.parent
    private = ("._insert(", "._delete_source_rows", "._write_provenance", "_parquet_target")
    offenders = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if p.name != "warehouse.py" and any(s in p.read_text() for s in private)]
    assert offenders == []
