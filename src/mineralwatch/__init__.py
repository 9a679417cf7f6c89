"""mineralwatch: an open, offline workbench for critical-mineral supply security.

>>> import mineralwatch as mw
>>> wh = mw.load_example()                      # a tiny bundled warehouse
>>> mw.concentration(wh, mineral="cobalt", stage="mine", year=2024)   # doctest: +SKIP
"""

from __future__ import annotations

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
    "open",
]
