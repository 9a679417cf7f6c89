"""Typed exceptions. Every error mineralwatch raises derives from :class:`MineralwatchError`.

Errors name the object, show the bad values and say how to fix them::

    UnknownCodeError: 2 unknown country names in data/usgs.csv:
      line 14: 'Narnia'
      line 20: 'Atlantis'
    Add them to codes/data/country_aliases.tsv or correct the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Failure:
    """One bad value: where it is and what is wrong with it."""

    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    value: Any = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        loc = ", ".join(where)
        val = "" if self.value is None else f": {self.value!r}"
        return f"{loc + ': ' if loc else ''}{self.message}{val}"


class MineralwatchError(Exception):
    """Base class of every mineralwatch error."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        if hint is not None:
            self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InputError(MineralwatchError):
    """A file or value that cannot be read. Carries every failure found, not only the first."""

    MAX_SHOWN = 20

    def __init__(
        self,
        message: str,
        failures: list[Failure] | None = None,
        *,
        file: str | Path | None = None,
        hint: str | None = None,
    ) -> None:
        self.failures = list(failures or [])
        self.file = str(file) if file is not None else None
        lines = [message]
        for f in self.failures[: self.MAX_SHOWN]:
            lines.append(f"  {f}")
        if len(self.failures) > self.MAX_SHOWN:
            lines.append(f"  ... and {len(self.failures) - self.MAX_SHOWN} more")
        super().__init__("\n".join(lines), hint=hint)


class SchemaError(InputError):
    """A frame does not match its canonical table: missing columns, bad types, duplicate keys."""


class UnknownCodeError(InputError):
    """Names or codes (countries, minerals, HS codes, units) not found in the reference data."""


class EncodingError(InputError):
    """A text file in an encoding mineralwatch could not decode."""


class ConsistencyError(MineralwatchError):
    """A check of an invariant failed (shares that do not sum to one, mass not balanced, ...)."""


class WarehouseError(MineralwatchError):
    """The warehouse cannot be opened or written."""


class NotFoundError(MineralwatchError):
    """A requested object (mineral, event, table, source) has no data in the warehouse."""


class ConfigError(InputError):
    """A scenario or configuration file that fails validation."""


__all__ = [
    "ConfigError",
    "ConsistencyError",
    "EncodingError",
    "Failure",
    "InputError",
    "MineralwatchError",
    "NotFoundError",
    "SchemaError",
    "UnknownCodeError",
    "WarehouseError",
]
