"""Units of quantity: conversion of tonnes, kt, Mt, kg, lb, 万吨, 亿 ... to metric tonnes.

>>> from mineralwatch.codes import units
>>> units.to_tonnes(9.66, "万吨")
96600.0
>>> units.factor("thousand metric tons")
1000.0
"""

from __future__ import annotations

from functools import cache

from mineralwatch.codes._table import read_tsv
from mineralwatch.errors import Failure, UnknownCodeError

#: Bases of quantity: contained metal vs gross weight of the product.
BASES = ("content", "gross")


@cache
def table() -> dict[str, tuple[float, str]]:
    """Unit symbol (as written) -> (factor to the base unit, dimension)."""
    out: dict[str, tuple[float, str]] = {}
    for r in read_tsv("units.tsv"):
        out[r["unit"]] = (float(r["factor"]), r["dimension"])
        out.setdefault(r["unit"].casefold(), (float(r["factor"]), r["dimension"]))
    return out


def _entry(unit: str, file: str | None = None, line: int | None = None) -> tuple[float, str]:
    t = table()
    u = unit.strip()
    hit = t.get(u) or t.get(u.casefold())
    if hit is None:
        raise UnknownCodeError(
            "Unknown unit.",
            [Failure("unknown unit", file=file, line=line, value=unit)],
            file=file,
            hint="Known units: " + ", ".join(sorted({k for k in t if k == k.strip()})[:40])
            + " ... (mineralwatch/codes/data/units.tsv)",
        )
    return hit


def factor(unit: str) -> float:
    """Multiplier from ``unit`` to its dimension's base unit (tonnes for mass)."""
    return _entry(unit)[0]


def dimension(unit: str) -> str:
    """Dimension of a unit: ``mass``, ``count``, ``carat``, ``volume_m3``."""
    return _entry(unit)[1]


def is_mass(unit: str) -> bool:
    """True when ``unit`` is a known mass unit."""
    t = table()
    hit = t.get(unit.strip()) or t.get(unit.strip().casefold())
    return hit is not None and hit[1] == "mass"


def to_tonnes(value: float, unit: str, *, file: str | None = None,
              line: int | None = None) -> float:
    """Convert a mass ``value`` in ``unit`` to metric tonnes."""
    f, dim = _entry(unit, file, line)
    if dim != "mass":
        raise UnknownCodeError(
            f"Unit {unit!r} is not a mass unit (it measures {dim}).",
            [Failure("not a mass unit", file=file, line=line, value=unit)],
            file=file,
        )
    return float(value) * f


__all__ = ["BASES", "dimension", "factor", "is_mass", "table", "to_tonnes"]
