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

__version__ = "0.1.0"

#: Public name -> "module:attribute". Each capability adds its entry points here.
_API: dict[str, str] = {
    "Warehouse": "mineralwatch.store:Warehouse",
    "open": "mineralwatch.store:open",
    "ingest_file": "mineralwatch.store.ingest:ingest_file",
    "criticality": "mineralwatch.analytics.criticality.api:criticality",
    "CriticalityOptions": "mineralwatch.analytics.criticality.options:CriticalityOptions",
    "events": "mineralwatch.analytics.events:load_events",
    "read_events": "mineralwatch.sources.events:read_events",
    "read_usgs_mcs": "mineralwatch.sources.usgs_mcs:read_usgs_mcs",
    "read_bgs": "mineralwatch.sources.bgs:read_bgs",
    "read_pink_sheet": "mineralwatch.sources.pink_sheet:read_pink_sheet",
    "balance": "mineralwatch.analytics.balance:balance",
    "load_scenario": "mineralwatch.analytics.balance:load_scenario",
    "compare_scenarios": "mineralwatch.analytics.balance:compare_scenarios",
    "stress": "mineralwatch.analytics.balance:stress",
    "concentration": "mineralwatch.analytics.concentration:concentration",
    "exporter_concentration": "mineralwatch.analytics.concentration:exporter_concentration",
    "import_dependence": "mineralwatch.analytics.concentration:import_dependence",
    "get_engine": "mineralwatch.store.engine:get_engine",
    "shock": "mineralwatch.analytics.network:shock",
    "event_impact": "mineralwatch.analytics.screening:event_impact",
    "screen_transshipment": "mineralwatch.analytics.screening:screen_transshipment",
    "load_example": "mineralwatch.store.starter:load_example",
    "ingest_starter": "mineralwatch.store.starter:ingest_starter",
    "optimize_stockpile": "mineralwatch.analytics.stockpile:optimize_stockpile",
    "load_stockpile_config": "mineralwatch.analytics.stockpile:load_stockpile_config",
    "emergency_plan": "mineralwatch.analytics.stockpile.emergency:emergency_plan",
    "stockpile_example_path": "mineralwatch.analytics.stockpile:example_config_path",
    "ingest_documents": "mineralwatch.documents.ingest:ingest_documents",
    "search": "mineralwatch.documents.search:search",
    "extract": "mineralwatch.documents.extract:extract",
    "brief": "mineralwatch.documents.brief:brief",
    "claims": "mineralwatch.documents.claims:claims",
}

if TYPE_CHECKING:  # pragma: no cover
    from mineralwatch.analytics.balance import balance, compare_scenarios, load_scenario
    from mineralwatch.analytics.balance.stress import stress
    from mineralwatch.analytics.concentration import (
        concentration,
        exporter_concentration,
        import_dependence,
    )
    from mineralwatch.analytics.criticality.api import criticality
    from mineralwatch.analytics.criticality.options import CriticalityOptions
    from mineralwatch.analytics.events import load_events as events
    from mineralwatch.analytics.network import shock
    from mineralwatch.analytics.screening import event_impact, screen_transshipment
    from mineralwatch.analytics.stockpile import example_config_path as stockpile_example_path
    from mineralwatch.analytics.stockpile import load_stockpile_config, optimize_stockpile
    from mineralwatch.analytics.stockpile.emergency import emergency_plan
    from mineralwatch.documents.brief import brief
    from mineralwatch.documents.claims import claims
    from mineralwatch.documents.extract import extract
    from mineralwatch.documents.ingest import ingest_documents
    from mineralwatch.documents.search import search
    from mineralwatch.sources.bgs import read_bgs
    from mineralwatch.sources.events import read_events
    from mineralwatch.sources.pink_sheet import read_pink_sheet
    from mineralwatch.sources.usgs_mcs import read_usgs_mcs
    from mineralwatch.store import Warehouse, open
    from mineralwatch.store.engine import get_engine
    from mineralwatch.store.ingest import ingest_file


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
    "CriticalityOptions",
    "InputError",
    "MineralwatchError",
    "NotFoundError",
    "SchemaError",
    "UnknownCodeError",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "balance",
    "brief",
    "claims",
    "compare_scenarios",
    "concentration",
    "criticality",
    "emergency_plan",
    "event_impact",
    "events",
    "exporter_concentration",
    "extract",
    "get_engine",
    "import_dependence",
    "ingest_documents",
    "ingest_file",
    "ingest_starter",
    "load_example",
    "load_scenario",
    "load_stockpile_config",
    "open",
    "optimize_stockpile",
    "read_bgs",
    "read_events",
    "read_pink_sheet",
    "read_usgs_mcs",
    "screen_transshipment",
    "search",
    "shock",
    "stockpile_example_path",
    "stress",
]
