"""The scenario schema: a typed (pydantic) definition of one supply–demand balance.

A scenario file is YAML (see ``docs/balance.md`` for every field)::

    name: DR Congo cobalt quota 2026-27
    mineral: cobalt
    years: 2025-2027
    supply:
      - {country: COD, production: 220000}
    demand:
      - {sector: all, quantity: {2025: 257000, 2026: 275000, 2027: 294000}}
    policies:
      - {type: export_quota, country: COD, years: 2026-2027, quantity: 96600}

Every number may be a distribution (:mod:`.distributions`). Validation reports every
problem at once as a :class:`~mineralwatch.errors.ConfigError` naming the file, the field
path (``policies[0].quantity``), the line, the value and what is allowed.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import replace
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from mineralwatch.analytics.balance.distributions import Distribution, is_uncertain
from mineralwatch.codes import countries, minerals, units

Stage = Literal["mine", "refinery", "smelter", "processing"]
PolicyType = Literal["export_quota", "export_ban", "export_licence", "processing_mandate",
                     "domestic_market_obligation"]
POLICY_TYPES: tuple[str, ...] = get_args(PolicyType)


def _number_tag(v: Any) -> str:
    return "distribution" if isinstance(v, dict) or is_uncertain(v) else "number"


#: A scenario number: a plain float or a distribution (``{dist: normal, ...}``).
Number = Annotated[
    Union[Annotated[float, Tag("number")], Annotated[Distribution, Tag("distribution")]],  # noqa: UP007
    Discriminator(_number_tag),
]


def parse_years(v: Any) -> Any:
    """``2026``, ``"2026-2027"``, ``[2026, 2027]`` or ``{start:, end:}`` -> ``(start, end)``."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return (v, v)
    if isinstance(v, str):
        parts = v.replace("–", "-").split("-")
        if len(parts) in (1, 2) and all(p.strip().isdigit() for p in parts):
            return (int(parts[0]), int(parts[-1]))
        raise ValueError(f"years must look like 2026 or 2026-2027, got {v!r}")
    if isinstance(v, dict) and set(v) <= {"start", "end"}:
        return (v.get("start"), v.get("end"))
    if isinstance(v, list | tuple) and len(v) == 2:
        return tuple(v)
    return v


def check_years(v: tuple[int, int]) -> tuple[int, int]:
    if v[0] > v[1]:
        raise ValueError(f"first year {v[0]} is after last year {v[1]}")
    if not 1900 <= v[0] <= 2200 or not 1900 <= v[1] <= 2200:
        raise ValueError(f"years must lie in 1900-2200, got {v[0]}-{v[1]}")
    return v


YearRange = Annotated[tuple[int, int], BeforeValidator(parse_years)]


def _country(v: str) -> str:
    hit = countries.lookup(v)
    if hit is None:
        raise ValueError(f"unknown country {v!r}: use an ISO3 code (COD, CHN, IDN, ...) or "
                         "XOT for other countries")
    return hit


def _check_share(v: Any, name: str) -> None:
    if isinstance(v, int | float) and not 0 <= v <= 1:
        raise ValueError(f"{name} must be a fraction between 0 and 1, got {v}")


def _check_nonnegative(v: Any, name: str) -> None:
    if isinstance(v, int | float) and v < 0:
        raise ValueError(f"{name} must be >= 0, got {v}")
    if not isinstance(v, int | float) and v is not None:
        low = getattr(v, "low", None)
        if low is not None and low < 0 and getattr(v, "dist", "") == "uniform":
            raise ValueError(f"{name} must be >= 0: a uniform distribution from {low}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Flow(_Model):
    """A quantity per year: a constant, an explicit series, or a base value with growth.

    Shorthand in YAML: a number (or distribution) is a constant, a mapping of years to
    numbers is a series. Inside a series, years between two given years are interpolated
    linearly and years outside are held at the nearest given value.
    """

    value: Number | None = None
    series: dict[int, Number] | None = None
    base: Number | None = None
    base_year: int | None = None
    cagr: Number = Field(default=0.0, description="compound annual growth rate, e.g. 0.07")

    #: Whether values must be >= 0 (stock changes may be negative).
    nonnegative: ClassVar[bool] = True

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return {"value": v}
        if isinstance(v, dict) and "dist" in v:
            return {"value": v}
        if isinstance(v, dict) and v and all(_is_year_key(k) for k in v):
            return {"series": v}
        return v

    @model_validator(mode="after")
    def _one_mode(self) -> Flow:
        modes = [m for m, on in (("value", self.value is not None),
                                 ("series", self.series is not None),
                                 ("base", self.base is not None)) if on]
        if len(modes) != 1:
            raise ValueError("give exactly one of value, series (year: value), or base with "
                             f"base_year and cagr; got {modes or 'none'}")
        if self.base is not None and self.base_year is None:
            raise ValueError("base needs base_year")
        if self.series is not None and not self.series:
            raise ValueError("series is empty")
        for name, x in (("value", self.value), ("base", self.base),
                        *((f"series[{y}]", s) for y, s in (self.series or {}).items())):
            if self.nonnegative:
                _check_nonnegative(x, name)
        if isinstance(self.cagr, float) and self.cagr <= -1:
            raise ValueError(f"cagr must be > -1, got {self.cagr}")
        return self


def _is_year_key(k: Any) -> bool:
    return (isinstance(k, int) and not isinstance(k, bool)) or (isinstance(k, str)
                                                                and k.strip().isdigit())


class SignedFlow(Flow):
    """A :class:`Flow` whose values may be negative (stock changes)."""

    nonnegative: ClassVar[bool] = False


class Supply(_Model):
    """One country's supply at one stage: production, or capacity times utilisation."""

    country: Annotated[str, BeforeValidator(_country)]
    stage: Stage | None = None
    production: Flow | None = None
    capacity: Flow | None = None
    utilisation: Flow | None = Field(default=None, description="share of capacity used")
    domestic_use: Flow | None = Field(default=None, description="consumed in the country")
    destinations: dict[str, float] | None = Field(
        default=None, description="shares of exports by importer (ISO3), summing to <= 1")
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Supply:
        if (self.production is None) == (self.capacity is None):
            raise ValueError("give exactly one of production or capacity")
        if self.utilisation is not None and self.capacity is None:
            raise ValueError("utilisation applies to capacity only")
        if self.destinations is not None:
            bad = [k for k in self.destinations if countries.lookup(k) is None]
            if bad:
                raise ValueError(f"unknown importer(s) in destinations: {bad}")
            if any(v < 0 for v in self.destinations.values()):
                raise ValueError("destination shares must be >= 0")
            total = sum(self.destinations.values())
            if total > 1 + 1e-9:
                raise ValueError(f"destination shares sum to {total:.4g} > 1")
        return self


class Project(_Model):
    """A new mine or plant: capacity ramped up from its start year."""

    name: str
    country: Annotated[str, BeforeValidator(_country)]
    stage: Stage | None = None
    capacity: Number
    start: int
    ramp: list[float] = Field(default_factory=lambda: [1.0],
                              description="share of capacity in start, start+1, ... "
                              "(the last share is held)")
    utilisation: Number = 1.0

    @field_validator("ramp")
    @classmethod
    def _ramp(cls, v: list[float]) -> list[float]:
        if not v or any(not 0 <= x <= 1 for x in v):
            raise ValueError(f"ramp must be a non-empty list of shares in [0, 1], got {v}")
        return v

    @model_validator(mode="after")
    def _check(self) -> Project:
        _check_nonnegative(self.capacity, "capacity")
        _check_share(self.utilisation, "utilisation")
        return self


class StageFlow(_Model):
    """Recycling at one stage."""

    stage: Stage | None = None
    quantity: Flow
    note: str | None = None


class StockChange(_Model):
    """A stock change at one stage: > 0 a stock build (demand), < 0 a release (supply)."""

    stage: Stage | None = None
    quantity: SignedFlow
    note: str | None = None


class Demand(_Model):
    """Demand of one sector and region: a quantity, or intensity x units of end product."""

    sector: str
    region: Annotated[str, BeforeValidator(_country)] = "WLD"
    stage: Stage | None = None
    quantity: Flow | None = None
    intensity: Number | None = Field(default=None, description="tonnes per unit of product")
    units: Flow | None = Field(default=None, description="units of end product per year")
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Demand:
        if (self.quantity is None) == (self.intensity is None or self.units is None):
            raise ValueError("give either quantity, or both intensity and units")
        _check_nonnegative(self.intensity, "intensity")
        return self


class Policy(_Model):
    """A supply constraint, given inline or by the id of an event in the register.

    Fields given here override the event's.
    """

    type: PolicyType | None = None
    event: str | None = Field(default=None, description="id of a policy_event")
    country: Annotated[str, BeforeValidator(_country)] | None = None
    stage: Stage | None = None
    years: YearRange | None = None
    quantity: Number | None = Field(default=None, description="export quota, per year")
    share: Number | None = Field(
        default=None, description="quota: share of production exportable; ban/licence: share "
        "of targeted exports blocked; mandate: share of exports processed at home; "
        "domestic_market_obligation: share of production reserved at home")
    targets: list[str] | None = Field(default=None, description="ISO3 importers or ['ALL']")
    to_stage: Stage = "refinery"
    recovery: Number = 1.0
    capacity: Number | None = Field(default=None, description="home processing capacity")
    diversion: Number = Field(default=0.0, description="share of blocked exports that "
                              "reaches other importers")
    apply_suspensions: bool = Field(
        default=True, description="event references: apply the register's suspensions of "
        "the event (false: the full policy in all its years)")
    note: str | None = None

    @field_validator("targets")
    @classmethod
    def _targets(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        out = []
        for t in v:
            if str(t).upper() == "ALL":
                out.append("ALL")
            else:
                out.append(_country(t))
        return out

    @field_validator("years")
    @classmethod
    def _years(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        return None if v is None else check_years(v)

    @model_validator(mode="after")
    def _check(self) -> Policy:
        if self.type is None and self.event is None:
            raise ValueError(f"give type (one of {list(POLICY_TYPES)}) or event")
        if "apply_suspensions" in self.model_fields_set and self.event is None:
            raise ValueError("apply_suspensions applies to event references only (give event)")
        for name in ("share", "recovery", "diversion"):
            _check_share(getattr(self, name), name)
        _check_nonnegative(self.quantity, "quantity")
        _check_nonnegative(self.capacity, "capacity")
        return self


class Scenario(_Model):
    """A complete balance definition for one mineral."""

    name: str
    mineral: str
    unit: str = "t"
    years: YearRange
    stage: Stage = "mine"
    description: str | None = None
    source: str | None = None
    baseline: bool = Field(default=False, description="start from the warehouse's "
                           "production (latest year, held flat unless growth is given)")
    growth: Number = Field(default=0.0, description="annual growth of baseline supply")
    supply: list[Supply] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    recycling: list[StageFlow] = Field(default_factory=list)
    demand: list[Demand] = Field(default_factory=list)
    stock_change: list[StockChange] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)

    _file: str | None = PrivateAttr(default=None)
    _resolved: bool = PrivateAttr(default=False)
    _lines: dict[tuple[str, ...], int] = PrivateAttr(default_factory=dict)
    #: Resolution notes (suspensions applied to event references, ...).
    _notes: list[str] = PrivateAttr(default_factory=list)
    #: Index in the file of each policy, when resolution split or dropped policies.
    _policy_origin: tuple[int, ...] | None = PrivateAttr(default=None)

    @field_validator("mineral")
    @classmethod
    def _mineral(cls, v: str) -> str:
        hit = minerals.lookup(v)
        if hit is None:
            raise ValueError(f"unknown mineral {v!r}: use a canonical id such as cobalt, "
                             "gallium, nickel, tungsten (see codes/data/minerals.yaml)")
        return hit

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        if not units.is_mass(v):
            raise ValueError(f"unit {v!r} is not a known mass unit (t, kt, Mt, kg)")
        return v

    @field_validator("years")
    @classmethod
    def _years(cls, v: tuple[int, int]) -> tuple[int, int]:
        return check_years(v)

    @property
    def file(self) -> str | None:
        """The file the scenario was read from, if any."""
        return self._file

    @property
    def notes(self) -> tuple[str, ...]:
        """What resolving the scenario did beyond filling fields (suspensions applied)."""
        return tuple(self._notes)

    @property
    def year_list(self) -> list[int]:
        """The model years, first to last."""
        return list(range(self.years[0], self.years[1] + 1))

    def line(self, field: str | None) -> int | None:
        """Line of a field path (``policies[1].years``) in the source file, if known."""
        if not field or not self._lines:
            return None
        path = tuple(p for p in field.replace("[", ".").replace("]", "").split(".") if p)
        for n in range(len(path), 0, -1):
            if path[:n] in self._lines:
                return self._lines[path[:n]]
        return None

    def located(self, failures: list[Any]) -> list[Any]:
        """Failures with the line of their field filled in where it is known.

        When suspensions split or dropped event policies, ``policies[j]`` in a failure's
        field and message is renamed to the policy's index in the file.
        """
        if self._policy_origin is not None:
            failures = [replace(f, column=self._file_index(f.column),
                                message=self._file_index(f.message)) for f in failures]
        return [replace(f, line=self.line(f.column)) if f.line is None else f
                for f in failures]

    def _file_index(self, text: str | None) -> str | None:
        origin = self._policy_origin
        if text is None or origin is None:
            return text

        def sub(m: re.Match[str]) -> str:
            j = int(m.group(1))
            return f"policies[{origin[j]}]" if j < len(origin) else m.group(0)

        return re.sub(r"policies\[(\d+)\]", sub, text)

    def with_file(self, file: str | None) -> Scenario:
        """A copy that remembers the file it came from (used in error messages)."""
        out = self.model_copy()
        out._file = file
        return out

    def with_years(self, years: tuple[int, int]) -> Scenario:
        """A copy over other model years."""
        return self.model_copy(update={"years": check_years(years)}).with_file(self._file)


def allowed_fields(loc: tuple[Any, ...]) -> list[str] | None:
    """Field names allowed at a validation-error location (for "extra field" errors)."""
    cls: Any = Scenario
    for part in loc:
        if not isinstance(part, str) or cls is None:
            continue
        fields = getattr(cls, "model_fields", {})
        if part not in fields:
            continue
        cls = _model_in(fields[part].annotation)
    return sorted(getattr(cls, "model_fields", {})) or None


def _model_in(annotation: Any) -> Any:
    """The pydantic model class inside ``list[X]``, ``X | None``, ``Annotated[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (list, Union, types.UnionType, typing.Annotated) or origin is not None:
        for arg in get_args(annotation):
            hit = _model_in(arg)
            if hit is not None:
                return hit
    return None


__all__ = ["POLICY_TYPES", "Demand", "Flow", "Number", "Policy", "PolicyType", "Project",
           "Scenario", "SignedFlow", "Stage", "StageFlow", "StockChange", "Supply",
           "YearRange", "allowed_fields", "check_years", "parse_years"]
