"""Every registered SQL analytic gives the same result on DuckDB and on Spark.

The input tables are generated from the canonical schema (small vocabularies so that
groups repeat, heavy-tailed values, some ties and missing values), the same frames are
bound on both engines, and the results are compared after sorting by each analytic's key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mineralwatch import schema
from mineralwatch.analytics.sql_registry import SqlAnalytic, sql_analytics
from mineralwatch.store.engine import DuckDBEngine, SparkEngine, spark_available

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore:The copy keyword:DeprecationWarning")]

_REASON = spark_available()

#: Tiny inputs: one shuffle partition and no code generation start up fastest.
_FAST_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}

#: Small vocabularies for generated string columns (others get "<col>_<i>").
_VOCAB: dict[str, list[str]] = {
    "exporter": ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "WLD"],
    "importer": ["AAA", "BBB", "CCC", "DDD", "XOT"],
    "country": ["AAA", "BBB", "CCC", "DDD", "WLD", "XOT"],
    "hs6": ["000001", "000002", "000003", "000004"],
    "period": ["2021", "2022", "2023"],
    "reporter_side": ["export", "import", "reconciled"],
}


def generate_table(table: str, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Random rows of a canonical table, unique on its key."""
    rng = np.random.default_rng(seed)
    t = schema.TABLES[table]
    data: dict[str, Any] = {}
    for c in t.columns:
        if c.allowed is not None:
            data[c.name] = rng.choice(list(c.allowed), n)
        elif c.dtype in ("str", "json", "date"):
            vocab = _VOCAB.get(c.name, [f"{c.name}_{i}" for i in range(4)])
            data[c.name] = rng.choice(vocab, n)
        elif c.dtype == "int":
            data[c.name] = rng.integers(2019, 2024, n)
        elif c.dtype == "float":
            v = np.round(rng.lognormal(3.0, 2.0, n), 3)
            v[rng.random(n) < 0.05] = 0.0
            v[rng.random(n) < 0.05] = 25.0  # ties
            data[c.name] = v
        elif c.dtype == "bool":
            data[c.name] = rng.random(n) < 0.5
    df = pd.DataFrame(data)
    return df.drop_duplicates(list(t.key)).reset_index(drop=True)


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    if _REASON is not None:
        pytest.skip(f"Spark parity test skipped: {_REASON}")
    from mineralwatch.store.engine import local_spark

    session = local_spark(_FAST_CONF)
    yield session
    session.stop()


def _compare(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    assert list(a.columns) == list(b.columns), name
    assert len(a) == len(b), f"{name}: {len(a)} rows on DuckDB, {len(b)} on Spark"
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            np.testing.assert_allclose(x.to_numpy(float), y.to_numpy(float), rtol=1e-9,
                                       atol=1e-9, err_msg=f"{name}.{c}")
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), f"{name}.{c}"


@pytest.mark.parametrize("name", sorted(sql_analytics()))
def test_sql_analytic_same_on_duckdb_and_spark(name: str, spark_session: Any) -> None:
    analytic: SqlAnalytic = sql_analytics()[name]
    duck, spark = DuckDBEngine(), SparkEngine(spark_session)
    given = dict(analytic.example_inputs()) if analytic.example_inputs is not None else {}
    for i, table in enumerate(analytic.inputs):
        if table not in given and table not in schema.TABLES:
            pytest.fail(f"{name}: input {table!r} is not a canonical table; give the "
                        "analytic example_inputs")
        frame = given[table] if table in given else generate_table(table, seed=i)
        duck.bind(table, frame)
        spark.bind(table, frame)
    a, b = analytic.run(duck), analytic.run(spark)
    assert len(a) > 0, f"{name}: the generated data gives no rows; widen the generator"
    _compare(a, b, name)


def test_spark_reads_parquet(tmp_path: Any, spark_session: Any) -> None:
    frame = generate_table("trade", seed=3)
    path = tmp_path / "trade.parquet"
    frame.to_parquet(path)
    analytic = sql_analytics()["exporter_hhi"]
    duck, spark = DuckDBEngine(), SparkEngine(spark_session)
    duck.bind("trade", path)
    spark.bind("trade", path)
    _compare(analytic.run(duck), analytic.run(spark), "exporter_hhi (parquet)")
