"""The registry of loaders: ``mineralwatch ingest KIND PATH`` looks KIND up here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mineralwatch.errors import NotFoundError

Frames = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Loader:
    """A loader: a ``read_*`` function returning canonical frames, and its provenance."""

    kind: str
    function: str  # "module:function" under mineralwatch.sources
    tables: tuple[str, ...]
    description: str
    publisher: str
    licence: str
    version: str = "1"
    url: str | None = None
    #: "module:function" giving the path of the shipped file that ``publisher`` and
    #: ``licence`` describe (e.g. the curated event register); any other file read by
    #: this loader is the user's own and is credited to them (:meth:`provenance`).
    shipped: str | None = None

    def provenance(self, path: str | Path) -> tuple[str, str | None]:
        """(publisher, licence) to record for ``path``."""
        if self.shipped is None:
            return self.publisher, self.licence
        module, func = self.shipped.split(":")
        own: Path = getattr(importlib.import_module(f"mineralwatch.sources.{module}"), func)()
        if Path(path).resolve() == Path(own).resolve():
            return self.publisher, self.licence
        return f"user file {Path(path).name} (not the shipped register)", None

    def read(self, path: str | Path, **kwargs: Any) -> Frames:
        """Parse ``path``; returns table name -> canonical frame."""
        module, func = self.function.split(":")
        fn: Callable[..., Any] = getattr(
            importlib.import_module(f"mineralwatch.sources.{module}"), func)
        out = fn(path, **kwargs)
        if isinstance(out, pd.DataFrame):
            return {self.tables[0]: out}
        return dict(out)


LOADERS: dict[str, Loader] = {}


def register(loader: Loader) -> Loader:
    """Add a loader to the registry (one per KIND)."""
    LOADERS[loader.kind] = loader
    return loader


def get_loader(kind: str) -> Loader:
    """The loader of ``kind``; raises :class:`NotFoundError` listing the known kinds."""
    from mineralwatch import sources  # noqa: F401  (populates the registry)

    try:
        return LOADERS[kind]
    except KeyError:
        raise NotFoundError(f"No loader for kind {kind!r}.",
                            hint=f"Known kinds: {', '.join(sorted(LOADERS))}") from None
