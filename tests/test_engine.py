"""The engine layer: safe parameter substitution and table bindings on DuckDB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mineralwatch.analytics.sql_registry import get_sql_analytic, sql_analytics
from mineralwatch.errors import ConfigError, InputError, NotFoundError
from mineralwatch.store import Warehouse
from mineralwatch.store.engine import Engine, get_engine, render, to_spark_sql


def test_parameters_are_literals_not_text() -> None:
    evil = "x'; DROP TABLE trade; --"
    out = render("SELECT * FROM t WHERE a = :a AND b IN (:b)", {"a": evil, "b": ["p", "q"]})
    assert "DROP TABLE trade; --'" in out  # inside a quoted literal
    assert "'x''; DROP" in out or "'x\\'; DROP" in out
    assert "IN ('p', 'q')" in out
    assert render("SELECT 1 WHERE a IN (:b)", {"b": []}).endswith("WHERE FALSE")


def test_parameter_mismatch_is_reported() -> None:
    with pytest.raises(InputError, match="placeholders") as err:
        render("SELECT 1 FROM t WHERE x = :a AND y = :b", {"a": 1, "c": 2})
    text = str(err.value)
    assert "'b'" in text and "'c'" in text
    with pytest.raises(InputError, match="only allowed in IN"):
        render("SELECT 1 FROM t WHERE x = :a", {"a": [1, 2]})


def test_list_parameters_are_written_per_call_in_each_dialect() -> None:
    sql = "SELECT * FROM t WHERE a IN (:xs) AND b = :y"
    assert render(sql, {"xs": ["p", "q"], "y": 1}).endswith("IN ('p', 'q') AND b = 1")
    # the rendered template is cached: new list items and scalars must still be used
    assert render(sql, {"xs": ("r",), "y": 2}).endswith("IN ('r') AND b = 2")
    assert render(sql, {"xs": [], "y": 2}).endswith("WHERE FALSE AND b = 2")
    assert render(sql, {"xs": [np.int64(3), 4.5], "y": 2}).endswith("IN (3, 4.5) AND b = 2")
    assert "IN ('a\\'b', 'c')" in to_spark_sql(sql, {"xs": ["a'b", "c"], "y": 1})
    assert "IN ('a''b', 'c')" in render(sql, {"xs": ["a'b", "c"], "y": 1})
    two = "SELECT * FROM t WHERE a IN (:xs) UNION ALL SELECT * FROM u WHERE a IN (:xs)"
    assert render(two, {"xs": ["p"]}).count("IN ('p')") == 2
    with pytest.raises(InputError, match="unsupported type"):
        render(sql, {"xs": [{"a": 1}], "y": 1})
    with pytest.raises(InputError, match="unsupported type"):
        render(sql, {"xs": ["p"], "y": {"a": 1}})


def test_equal_but_differently_typed_values_are_not_confused() -> None:
    sql = "SELECT CAST(:x AS VARCHAR) AS s"
    assert [render(sql, {"x": v}) for v in (1, True, 1.0, 0.0, False)] == [
        "SELECT CAST(1 AS TEXT) AS s", "SELECT CAST(TRUE AS TEXT) AS s",
        "SELECT CAST(1.0 AS TEXT) AS s", "SELECT CAST(0.0 AS TEXT) AS s",
        "SELECT CAST(FALSE AS TEXT) AS s"]


def test_a_value_is_never_taken_for_a_list() -> None:
    # the sentinel that stands for list items carries a random per-process part, so a
    # value cannot be written to match it (this was the fixed sentinel before)
    trick = "__mineralwatch_list_l_7c1e__"
    out = render("SELECT 1 FROM t WHERE a = :s AND b IN (:l)", {"s": trick, "l": ["x", "y"]})
    assert out.endswith(f"a = '{trick}' AND b IN ('x', 'y')")


def test_spark_translation() -> None:
    assert "ARRAY_CONTAINS" in to_spark_sql("SELECT list_contains([1, 2], :x)", {"x": 1})


def test_duckdb_bindings(tmp_path: Path, wh: Warehouse) -> None:
    df = pd.DataFrame({"k": ["a", "b", "a"], "v": [1.0, 2.0, 3.0]})
    eng = get_engine("duckdb", warehouse=wh)
    assert isinstance(eng, Engine)
    eng.bind("frame", df)
    out = eng.query("SELECT k, sum(v) AS v FROM frame WHERE v > :m GROUP BY k ORDER BY k",
                    {"m": 1.5})
    assert out.to_dict("list") == {"k": ["a", "b"], "v": [3.0, 2.0]}
    df.to_parquet(tmp_path / "part-0.parquet")
    df.to_parquet(tmp_path / "part-1.parquet")
    eng.bind("pq", tmp_path)
    assert eng.query("SELECT count(*) AS n FROM pq")["n"].iloc[0] == 6
    eng.bind("prod", ("warehouse", "production"))
    assert eng.query("SELECT count(*) AS n FROM prod")["n"].iloc[0] == 0
    with pytest.raises(NotFoundError):
        eng.bind("x", tmp_path / "missing.parquet")
    with pytest.raises(InputError):
        eng.bind("bad name", df)
    assert "production" in wh.tables()  # bindings are temporary views


def test_unknown_engine() -> None:
    with pytest.raises(ConfigError, match="duckdb, spark"):
        get_engine("postgres")


def test_registry_lists_sql_analytics() -> None:
    names = sql_analytics()
    assert {"exporter_hhi", "import_dependence"} <= set(names)
    for a in names.values():
        assert a.inputs and a.key and a.description
        render(a.sql, a.example_params)  # parses, parameters match
    with pytest.raises(NotFoundError, match="exporter_hhi"):
        get_sql_analytic("nope")
