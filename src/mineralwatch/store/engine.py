"""The engine layer: SQL written once in DuckDB's dialect, run on DuckDB or on Apache Spark.

Heavy relational analytics are SQL strings in DuckDB's dialect with named parameters
``:name``. An :class:`Engine` binds table names to sources (warehouse tables, Parquet
files or folders, pandas frames) and runs such a query, returning a pandas frame::

    from mineralwatch.store.engine import get_engine
    eng = get_engine("duckdb", warehouse=wh)          # warehouse tables are bound already
    eng.bind("trade", "benchmarks/data/trade_1m/")    # or Parquet, or a DataFrame
    eng.query("SELECT hs6, sum(value_usd) AS v FROM trade WHERE period = :p GROUP BY hs6",
              {"p": "2022"})

    spark = get_engine("spark")                        # local[2] session, created lazily
    spark.bind("trade", "benchmarks/data/trade_1m/")
    spark.query(same_sql, {"p": "2022"})               # translated by sqlglot

Parameters are substituted into the parsed syntax tree as literals (:func:`render`), never
by string concatenation: a value can only ever be a literal, whatever it contains.
"""

from __future__ import annotations

import datetime as _dt
import math
import uuid
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import duckdb
import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from mineralwatch import schema
from mineralwatch.errors import ConfigError, Failure, InputError, NotFoundError
from mineralwatch.store.core import connect, parquet_target

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

    from mineralwatch.store.warehouse import Warehouse

#: What a table name can be bound to: a frame, a Parquet file / folder / glob, or
#: ``("warehouse", table)`` for a table of the engine's warehouse.
Source = pd.DataFrame | str | Path | tuple[str, str]

ENGINES = ("duckdb", "spark")

#: Spark configuration of the local session :func:`local_spark` creates: two cores,
#: small memory, no UI, bound to the loopback interface (nothing listens on the network).
SPARK_LOCAL_CONF: dict[str, str] = {
    "spark.master": "local[2]",
    "spark.app.name": "mineralwatch",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "1g",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.jars.ivy": "/tmp/mineralwatch-ivy",
}


# -- parameters -------------------------------------------------------------------------
def _literal(value: Any, name: str) -> exp.Expression:
    """A sqlglot literal for one parameter value (strings are quoted by sqlglot)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"Parameter :{name} is not a finite number.",
                             [Failure("not finite", column=name, value=value)])
        return exp.Literal.number(repr(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, _dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()),
                        "TIMESTAMP" if isinstance(value, _dt.datetime) else "DATE")
    raise InputError(f"Parameter :{name} has an unsupported type {type(value).__name__}.",
                     [Failure("unsupported parameter type", column=name, value=value)],
                     hint="Use str, int, float, bool, date, None, or a list of these "
                     "inside IN (:name).")


@lru_cache(maxsize=256)
def _parse(sql: str) -> exp.Expression:
    """The parsed query (cached: analytics run the same SQL with new parameters)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise InputError(f"Cannot parse the query: {exc}") from exc
    assert isinstance(tree, exp.Expression)
    return tree


#: Stands for a list parameter's items in a rendered template (replaced as text); the
#: per-process random part keeps a parameter value from ever being taken for it.
_LIST_SENTINEL = "__mineralwatch_list_{}_" + uuid.uuid4().hex + "__"


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a scalar parameter value (cache key)."""
    return value.item() if isinstance(value, np.generic) else value


@lru_cache(maxsize=1 << 16, typed=True)
def _literal_sql(value: Any, name: str, dialect: str) -> str:
    """One parameter value written as a literal of ``dialect`` (cached)."""
    return _literal(value, name).sql(dialect=dialect)


def _item_sql(value: Any, name: str, dialect: str) -> str:
    """A list item as a literal of ``dialect``; unhashable items go to :func:`_literal`."""
    value = _freeze(value)
    try:
        return _literal_sql(value, name, dialect)
    except TypeError:
        return _literal(value, name).sql(dialect=dialect)


@lru_cache(maxsize=512)
def _render_template(sql: str, scalars: tuple[tuple[str, str, Any], ...],
                     lists: tuple[tuple[str, bool], ...], dialect: str) -> str:
    """``sql`` with scalars substituted and each list ``IN (:name)`` left as a sentinel.

    ``scalars`` are ``(name, type name, value)``: the type is part of the cache key
    because ``True == 1 == 1.0`` (same hash) but they are different literals. ``lists``
    names the list parameters and whether each is empty (``IN`` of an empty list is
    written as ``FALSE``). Cached: parsing, transforming and generating the tree
    cost milliseconds, and analytics run the same SQL again and again.
    """
    params = {k: v for k, _, v in scalars}
    list_names = dict(lists)
    tree = _parse(sql).copy()
    used: set[str] = set()
    missing: list[str] = []

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.In):
            items = node.expressions
            if len(items) == 1 and isinstance(items[0], exp.Placeholder) \
                    and items[0].name in list_names:
                key = items[0].name
                used.add(key)
                if list_names[key]:
                    return exp.false()
                node.set("expressions", [exp.Literal.string(_LIST_SENTINEL.format(key))])
            return node
        if isinstance(node, exp.Placeholder) and node.name:
            key = node.name
            if key in list_names:
                raise InputError(f"Parameter :{key} is a list; lists are only allowed in "
                                 f"IN (:{key}).", [Failure("list outside IN", column=key)])
            if key not in params:
                missing.append(key)
                return node
            used.add(key)
            return _literal(params[key], key)
        return node

    out = tree.transform(substitute)
    unused = sorted((set(params) | set(list_names)) - used)
    if missing or unused:
        fails = [Failure("no value given", column=m) for m in sorted(set(missing))]
        fails += [Failure("not used by the query", column=u) for u in unused]
        raise InputError("Query parameters do not match the query's placeholders.", fails,
                         hint="Give exactly one value per :name placeholder.")
    return out.sql(dialect=dialect)


def render(sql: str, params: Mapping[str, Any] | None = None, *, dialect: str = "duckdb") -> str:
    """Substitute named parameters ``:name`` as literals and write ``sql`` in ``dialect``.

    The query is parsed (DuckDB dialect), each placeholder node is replaced by a literal
    node, and the tree is generated in the target dialect. A list or tuple value is only
    allowed as the sole element of ``IN (:name)``, where it expands to its items (an
    empty list makes the predicate false). DuckDB reads ``SELECT :x`` at the start of a
    select list as a prefix alias: write ``SELECT CAST(:x AS VARCHAR) AS x`` there.

    The tree work is cached per query and scalar values; list items are written as
    literals of the dialect one by one, so a screen over all 5,000 HS6 codes does not
    regenerate a 5,000-node tree.

    Raises
    ------
    InputError
        when a placeholder has no value, a value is unused, or a value has an
        unsupported type.
    """
    params = dict(params or {})
    lists = {k: list(v) for k, v in params.items()
             if isinstance(v, list | tuple | set | frozenset)}
    scalars = tuple(sorted((k, type(_freeze(v)).__name__, _freeze(v))
                           for k, v in params.items() if k not in lists))
    try:
        hash(scalars)
    except TypeError:  # an unhashable value: let _literal name it
        for k, _, v in scalars:
            _literal(v, k)
        raise
    text = _render_template(sql, scalars, tuple(sorted((k, not v) for k, v in lists.items())),
                            dialect)
    for key, values in lists.items():
        if values:
            items = ", ".join(_item_sql(v, key, dialect) for v in values)
            text = text.replace(_literal_sql(_LIST_SENTINEL.format(key), key, dialect), items)
    return text


def to_spark_sql(sql: str, params: Mapping[str, Any] | None = None) -> str:
    """``sql`` (DuckDB dialect) with ``params`` substituted, written in Spark's dialect."""
    return render(sql, params, dialect="spark")


def _check_name(name: str) -> str:
    if not name.replace("_", "").isalnum() or name[0].isdigit():
        raise InputError("A bound table name must be a plain identifier.",
                         [Failure("bad table name", value=name)],
                         hint="Use letters, digits and underscores, e.g. 'trade'.")
    return name


# -- engines ----------------------------------------------------------------------------
@runtime_checkable
class Engine(Protocol):
    """Runs DuckDB-dialect SQL over bound tables and returns a pandas frame."""

    name: str

    def bind(self, table: str, source: Source) -> None:
        """Make ``table`` in queries read ``source`` (frame, Parquet path or warehouse table)."""
        ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run ``sql`` (DuckDB dialect, ``:name`` parameters) and return the result."""
        ...


class DuckDBEngine:
    """The default engine: DuckDB, on the warehouse connection or a fresh in-memory one.

    Bindings are temporary views: they shadow warehouse tables of the same name for this
    connection only and never change the warehouse file.
    """

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        if con is None:
            con = connect()
        self.con = con
        self._frames: dict[str, pd.DataFrame] = {}

    def bind(self, table: str, source: Source) -> None:
        name = _check_name(table)
        q = f'"{name}"'
        if isinstance(source, pd.DataFrame):
            self._frames[name] = source
            self.con.register(f"_mw_frame_{name}", source)
            self.con.execute(f'CREATE OR REPLACE TEMP VIEW {q} AS SELECT * FROM "_mw_frame_{name}"')
        elif isinstance(source, tuple):
            _, wh_table = source
            self.con.execute(f'CREATE OR REPLACE TEMP VIEW {q} AS SELECT * FROM main."{wh_table}"')
        else:
            target = parquet_target(source)
            lit = exp.Literal.string(target).sql(dialect="duckdb")
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {q} AS SELECT * FROM "
                             f"read_parquet({lit}, union_by_name=true)")

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self.con.execute(render(sql, params, dialect="duckdb")).df()


class SparkEngine:
    """Apache Spark: queries are translated by sqlglot, inputs registered as temp views.

    Warehouse tables are read through DuckDB and handed to Spark as frames (fine for the
    reference tables); bind large inputs as Parquet so Spark reads them itself.
    """

    name = "spark"

    def __init__(self, spark: SparkSession | None = None,
                 warehouse: Warehouse | None = None) -> None:
        self._spark = spark
        self.warehouse = warehouse

    @property
    def spark(self) -> SparkSession:
        """The Spark session (a local one is created on first use)."""
        if self._spark is None:
            self._spark = local_spark()
        return self._spark

    def bind(self, table: str, source: Source) -> None:
        name = _check_name(table)
        if isinstance(source, tuple):
            if self.warehouse is None:
                raise NotFoundError(f"Cannot bind {name!r} to warehouse table {source[1]!r}: "
                                    "this Spark engine has no warehouse.",
                                    hint="get_engine('spark', warehouse=wh).")
            source = self.warehouse.load(source[1])
        if isinstance(source, pd.DataFrame):
            sdf = self.spark.createDataFrame(_spark_ready(source),
                                             schema=_spark_schema(source, name))
        else:
            sdf = self.spark.read.parquet(parquet_target(source))
        sdf.createOrReplaceTempView(name)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self.spark.sql(to_spark_sql(sql, params)).toPandas()


def _spark_ready(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if isinstance(s.dtype, pd.BooleanDtype | pd.Int64Dtype) or s.dtype == object:
            out[c] = s.astype(object).where(s.notna(), None)
    return out


def _spark_schema(df: pd.DataFrame, table: str) -> Any:
    """Spark schema of a frame: the canonical table's types where known, else from dtypes."""
    from pyspark.sql import types as st

    canonical = schema.TABLES.get(table)
    by_kind = {"str": st.StringType(), "json": st.StringType(), "date": st.StringType(),
               "int": st.LongType(), "float": st.DoubleType(), "bool": st.BooleanType()}
    fields = []
    for c in df.columns:
        kind: str | None = None
        if canonical is not None and c in canonical.column_names:
            kind = canonical.column(c).dtype
        else:
            dt = df[c].dtype
            if pd.api.types.is_bool_dtype(dt):
                kind = "bool"
            elif pd.api.types.is_integer_dtype(dt):
                kind = "int"
            elif pd.api.types.is_float_dtype(dt):
                kind = "float"
            else:
                kind = "str"
        fields.append(st.StructField(str(c), by_kind[kind], True))
    return st.StructType(fields)


def spark_available() -> str | None:
    """``None`` when pyspark and Java are usable, else the reason they are not."""
    import importlib.util
    import os
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'mineralwatch[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and Path(java_home, "bin", "java").exists()):
        return "no Java runtime found (Spark needs Java 17+ on PATH or JAVA_HOME)"
    return None


def local_spark(conf: Mapping[str, str] | None = None) -> SparkSession:
    """A local Spark session (``local[2]``, 1 GB driver, no UI, loopback only).

    Raises
    ------
    ConfigError
        when pyspark or Java is missing.
    """
    reason = spark_available()
    if reason is not None:
        raise ConfigError(f"Spark is not available: {reason}.")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for k, v in {**SPARK_LOCAL_CONF, **(conf or {})}.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def get_engine(kind: str = "duckdb", *, warehouse: Warehouse | None = None,
               spark: SparkSession | None = None,
               con: duckdb.DuckDBPyConnection | None = None,
               tables: Sequence[str] | None = None) -> Engine:
    """An engine of ``kind`` (``"duckdb"`` or ``"spark"``).

    Parameters
    ----------
    kind
        ``"duckdb"`` (default) or ``"spark"``.
    warehouse
        for DuckDB, queries run on the warehouse's connection (its tables are visible);
        for Spark, ``tables`` of the warehouse are bound as temp views.
    spark
        an existing Spark session; by default a local one is created on first query.
    con
        a DuckDB connection to use instead of the warehouse's.
    tables
        warehouse tables to bind on Spark (default: every canonical table).
    """
    if kind == "duckdb":
        if con is None and warehouse is not None:
            con = warehouse.con
        return DuckDBEngine(con)
    if kind == "spark":
        eng = SparkEngine(spark, warehouse)
        if warehouse is not None:
            for t in tables if tables is not None else [t for t in schema.TABLES
                                                          if t in warehouse.tables()]:
                eng.bind(t, ("warehouse", t))
        return eng
    raise ConfigError(f"Unknown engine {kind!r}.",
                      [Failure("unknown engine", value=kind)],
                      hint=f"Use one of: {', '.join(ENGINES)}.")


def as_engine(obj: Warehouse | Engine) -> Engine:
    """An engine for a warehouse (DuckDB on its connection) or the engine itself."""
    if isinstance(obj, DuckDBEngine | SparkEngine):
        return obj
    if hasattr(obj, "con") and hasattr(obj, "tables"):
        return DuckDBEngine(obj.con)
    if isinstance(obj, Engine):
        return obj
    raise InputError(f"Expected a Warehouse or an Engine, got {type(obj).__name__}.")


__all__ = [
    "ENGINES",
    "SPARK_LOCAL_CONF",
    "DuckDBEngine",
    "Engine",
    "Source",
    "SparkEngine",
    "as_engine",
    "get_engine",
    "local_spark",
    "render",
    "spark_available",
    "to_spark_sql",
]
