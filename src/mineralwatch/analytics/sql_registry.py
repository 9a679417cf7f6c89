"""Registry of SQL analytics: queries written once in DuckDB's dialect, run on any engine.

Each analytic module keeps its SQL as string constants (e.g.
``analytics/concentration/sql.py``) and registers them here with the tables they read and
example parameters. The engine parity test loops over :func:`sql_analytics` and checks
that DuckDB and Spark give the same result::

    from mineralwatch.analytics.sql_registry import sql_analytics
    for a in sql_analytics().values():
        print(a.name, a.inputs)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mineralwatch.errors import NotFoundError
from mineralwatch.store.engine import Engine

#: Modules that register SQL analytics on import. Add yours here.
SQL_MODULES: list[str] = [
    "mineralwatch.analytics.concentration.sql",
    "mineralwatch.analytics.network.flows",
    "mineralwatch.analytics.screening.sql",
]


@dataclass(frozen=True)
class SqlAnalytic:
    """One SQL analytic.

    Attributes
    ----------
    name
        registry key, e.g. ``"exporter_hhi"``.
    sql
        the query in DuckDB's dialect with ``:name`` parameters.
    inputs
        canonical tables the query reads (bound by name on each engine).
    key
        columns that identify a result row (used to sort before comparing engines).
    example_params
        parameters that exercise the query (the parity test uses them).
    example_inputs
        optional function returning ``{input name: frame}`` for the parity test; needed
        when an input is not a canonical table (e.g. the output of another analytic).
        Without it, the test generates canonical tables from :mod:`mineralwatch.schema`.
    description
        one line for docs and ``--help``.
    """

    name: str
    sql: str
    inputs: tuple[str, ...]
    key: tuple[str, ...]
    example_params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    example_inputs: Callable[[], Mapping[str, pd.DataFrame]] | None = None

    def run(self, engine: Engine, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run on ``engine`` (inputs must be bound) and return rows sorted by ``key``."""
        df = engine.query(self.sql, params if params is not None else self.example_params)
        return df.sort_values(list(self.key), kind="stable").reset_index(drop=True)


_REGISTRY: dict[str, SqlAnalytic] = {}


def register_sql_analytic(analytic: SqlAnalytic) -> SqlAnalytic:
    """Add ``analytic`` to the registry (re-registering the same name replaces it)."""
    _REGISTRY[analytic.name] = analytic
    return analytic


def sql_analytics() -> dict[str, SqlAnalytic]:
    """Every registered SQL analytic, by name (imports :data:`SQL_MODULES` first)."""
    for m in SQL_MODULES:
        importlib.import_module(m)
    return dict(_REGISTRY)


def get_sql_analytic(name: str) -> SqlAnalytic:
    """One registered SQL analytic; :class:`NotFoundError` lists the known names."""
    known = sql_analytics()
    if name not in known:
        raise NotFoundError(f"No SQL analytic named {name!r}.",
                            hint=f"Known: {', '.join(sorted(known))}.")
    return known[name]


__all__ = ["SQL_MODULES", "SqlAnalytic", "get_sql_analytic", "register_sql_analytic",
           "sql_analytics"]
