"""mineralwatch: an open, offline workbench for critical-mineral supply security.

>>> import mineralwatch as mw
>>> wh = mw.load_example()                      # a tiny bundled warehouse
>>> mw.concentration(wh, mineral="cobalt", stage="mine", year=2024)   # doctest: +SKIP

The public API is imported lazily (``mw.concentration`` loads its module on first use)
so that the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mineralwatch.errors import (
    ConfigError,
    ConsistencyError,
    InputError,
    MineralwatchError,
    NotFoundError,
    SchemaError,
    UnknownCodeError,
    WarehouseError,
)
from mineralwatch.store import Warehouse, open

__version__ = "0.1.0"

#: Public name -> "module:attribute". Each capability adds its entry points here.
_API: dict[str, str] = {
    "ingest_file": "mineralwatch.sources:ingest_file",
    "load_example": "mineralwatch.store.starter:load_example",
    "ingest_starter": "mineralwatch.store.starter:ingest_starter",
}

if TYPE_CHECKING:  # pragma: no cover
    from mineralwatch.sources import ingest_file


def __getattr__(name: str) -> Any:
    target = _API.get(name)
    if target is None:
        raise AttributeError(f"module 'mineralwatch' has no attribute {name!r}")
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


__all__ = [
    "ConfigError",
    "ConsistencyError",
    "InputError",
    "MineralwatchError",
    "NotFoundError",
    "SchemaError",
    "UnknownCodeError",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "ingest_file",
    "ingest_starter",
    "load_example",
    "open",
]
