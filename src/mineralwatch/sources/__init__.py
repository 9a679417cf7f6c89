"""Readers of public data formats. Each ``read_*`` parses a local file into canonical frames.

Loaders are registered by KIND (``mineralwatch ingest KIND PATH``); see
:data:`LOADERS`. Sources never compute indicators and never touch the network.
"""

from mineralwatch.sources._registry import (
    LOADERS,
    Loader,
    get_loader,
    register,
)

# Each loader module registers itself on import.
_LOADER_MODULES: list[str] = [
    "eu_crm",
    "wgi",
    "import_shares",
    "usgs_salient",
    "usgs_mcs",
    "bgs",
    "pink_sheet",
    "baci",
    "comtrade",
    "china_exports",
    "events",
    "end_use_splits",
]

for _m in _LOADER_MODULES:
    __import__(f"mineralwatch.sources.{_m}")

__all__ = ["LOADERS", "Loader", "get_loader", "register"]
