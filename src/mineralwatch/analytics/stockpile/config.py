"""Typed stockpile configuration: minerals, costs, budget, risk and disruption scenarios.

A configuration is a YAML (or JSON) file validated by pydantic models; every failure is
reported at once as a :class:`~mineralwatch.errors.ConfigError` naming the file, the
line, the field path (``minerals[2].price_usd_per_t``), the bad value and what is
allowed::

    >>> from mineralwatch.analytics.stockpile import read_stockpile_config, example_config_path
    >>> cfg = read_stockpile_config(example_config_path())
    >>> [m.mineral for m in cfg.minerals][:3]
    ['chromium', 'cobalt', 'tantalum']

Units: tonnes of contained metal (``_t``), US dollars (``_usd``), periods of
``period_days`` days. Scenario probabilities are of mutually exclusive disruption
scenarios over the planning horizon; the remainder ``1 - sum(p)`` is "no disruption".
Costs within the horizon are discounted at the annual ``discount_rate`` (default 0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mineralwatch.codes import countries, minerals
from mineralwatch.codes._table import parse_yaml, yaml_node_lines
from mineralwatch.errors import ConfigError, Failure
from mineralwatch.schema import STAGES

#: Relative tolerance for sums of probabilities and shares.
TOL = 1e-9

#: Largest accepted annual discount rate (1 = 100 % a year); larger values are taken as
#: percentages typed by mistake (3 for 3 %) and rejected.
MAX_DISCOUNT_RATE = 1.0

NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MineralConfig(_Model):
    """One mineral: demand, costs, sourcing and emergency levers.

    Attributes
    ----------
    mineral
        canonical mineral id (aliases such as ``Co`` or ``钴`` are accepted).
    stage
        the stage whose producers are the alternative suppliers in an emergency plan.
    demand_t_per_year
        consumption to protect (tonnes a year).
    price_usd_per_t
        acquisition price (USD per tonne).
    holding_cost_usd_per_t_year
        storage, insurance and capital cost (USD per tonne and year).
    value_lost_usd_per_t
        value lost per tonne of shortfall; when absent the proxy
        ``value_lost_price_multiple * price_usd_per_t`` of the configuration is used.
    residual_value_fraction
        share of the price recovered for stock still held at the end of the horizon
        (0 = none, the conservative default; must be below 1).
    lot_t
        purchase lot size: stock is bought in whole lots (a mixed-integer programme).
    min_stock_t, max_stock_t
        bounds on the stock (legal minimum, warehouse space).
    max_release_t_per_period
        largest release a period's logistics allow.
    supplier_shares
        ISO3 -> share (0-1) of the importer's supply; disruptions hit these shares.
    recycling_t_per_period
        extra secondary supply that can be mobilised in a disruption (tonnes a period).
    substitution_fraction
        share of demand that can be substituted in a disruption.
    sources
        field name -> citation of the figure (shown in plans and reports).
    """

    mineral: str
    stage: str = "mine"
    demand_t_per_year: Positive
    price_usd_per_t: Positive
    holding_cost_usd_per_t_year: NonNeg = 0.0
    value_lost_usd_per_t: Positive | None = None
    residual_value_fraction: Annotated[float, Field(ge=0, lt=1)] = 0.0
    lot_t: Positive | None = None
    min_stock_t: NonNeg = 0.0
    max_stock_t: NonNeg | None = None
    max_release_t_per_period: Positive | None = None
    supplier_shares: dict[str, Fraction] = Field(default_factory=dict)
    recycling_t_per_period: NonNeg = 0.0
    substitution_fraction: Fraction = 0.0
    sources: dict[str, str] = Field(default_factory=dict)

    @field_validator("mineral")
    @classmethod
    def _mineral_id(cls, v: str) -> str:
        hit = minerals.lookup(v)
        if hit is None:
            raise ValueError("unknown mineral; allowed: a canonical id or alias from "
                             "mineralwatch/codes/data/minerals.yaml, e.g. 'cobalt'")
        return hit

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str) -> str:
        if v not in STAGES:
            raise ValueError(f"unknown stage; allowed: {', '.join(STAGES)}")
        return v

    @field_validator("supplier_shares")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        unknown = []
        for name, share in v.items():
            iso = countries.lookup(name)
            if iso is None:
                unknown.append(name)
            else:
                out[iso] = out.get(iso, 0.0) + share
        if unknown:
            raise ValueError(f"unknown country {unknown}; allowed: ISO3 codes or names "
                             "known to mineralwatch/codes/data/countries.tsv")
        if sum(out.values()) > 1 + TOL:
            raise ValueError(f"shares sum to {sum(out.values()):.4g}; allowed: a sum <= 1")
        return out


class Disruption(_Model):
    """Loss of part of one mineral's supply.

    The gap in each affected period is ``demand per period * sum(share of each affected
    supplier) * magnitude``; with no ``suppliers`` it is ``demand per period * magnitude``
    (the form the adapters from balance scenarios and shock propagation produce).
    """

    mineral: str
    suppliers: list[str] = Field(default_factory=list)
    magnitude: Annotated[float, Field(gt=0, le=1)]
    start_period: Annotated[int, Field(ge=1)] = 1
    duration_periods: Annotated[int, Field(ge=1)] = 1

    @field_validator("mineral")
    @classmethod
    def _mineral_id(cls, v: str) -> str:
        return MineralConfig._mineral_id(v)

    @field_validator("suppliers")
    @classmethod
    def _suppliers(cls, v: list[str]) -> list[str]:
        out, unknown = [], []
        for name in v:
            iso = countries.lookup(name)
            if iso is None:
                unknown.append(name)
            else:
                out.append(iso)
        if unknown:
            raise ValueError(f"unknown country {unknown}; allowed: ISO3 codes or names "
                             "known to mineralwatch/codes/data/countries.tsv")
        return out


class Scenario(_Model):
    """A disruption scenario: one or more disruptions with a probability."""

    id: Annotated[str, Field(min_length=1)]
    probability: Fraction
    description: str = ""
    source: str = ""
    disruptions: list[Disruption] = Field(min_length=1)


class RiskConfig(_Model):
    """Risk aversion: weight ``cvar_weight`` on CVaR at level ``cvar_alpha``.

    The objective weighs expected cost by ``1 - cvar_weight`` and the conditional
    value at risk (mean of the worst ``1 - cvar_alpha`` of outcomes) by ``cvar_weight``.
    """

    cvar_alpha: Annotated[float, Field(ge=0, lt=1)] = 0.95
    cvar_weight: Fraction = 0.0


class BaselineRule(_Model):
    """A days-of-cover rule: ``days`` of demand, or ``high_risk_days`` for high-risk minerals.

    A mineral is high-risk when its largest supplier share is at least
    ``high_risk_top_share`` (Japan: 60 days, up to 180 for high-risk metals).
    """

    rule: Annotated[str, Field(min_length=1)]
    days: Positive
    high_risk_days: Positive | None = None
    high_risk_top_share: Fraction = 0.5


def _default_baselines() -> list[BaselineRule]:
    return [BaselineRule(rule="days_60", days=60), BaselineRule(rule="korea_100", days=100),
            BaselineRule(rule="days_180", days=180),
            BaselineRule(rule="japan_60_180", days=60, high_risk_days=180)]


class StockpileConfig(_Model):
    """A stockpile optimisation problem.

    Attributes
    ----------
    name
        title shown in outputs.
    budget_usd
        cash available for acquisition and holding over the horizon (USD).
    periods, period_days
        the planning horizon: ``periods`` periods of ``period_days`` days.
    value_lost_price_multiple
        documented proxy for value lost per tonne of shortfall, as a multiple of price,
        used where a mineral has no ``value_lost_usd_per_t``.
    spare_capacity_fraction
        proxy of an alternative supplier's spare capacity as a fraction of its
        production, used where the warehouse has no capacity rows.
    discount_rate
        annual discount rate as a fraction (0.03 = 3 % a year; 0 = no discounting, the
        default). Shortfall costs of period ``t`` are discounted by
        ``(1 + rate) ** -((t - 0.5) * period_days / 365)`` (mid-period) and the residual
        value of stock left at the end by ``(1 + rate) ** -(periods * period_days / 365)``;
        acquisition and holding are paid at the start (undiscounted).
    baselines
        days-of-cover rules compared with the optimised plan at the same budget
        (default: 60, Korea 100, 180 days, and Japan's 60 days with 180 for high-risk
        minerals).
    """

    name: str = "stockpile"
    currency: str = "USD"
    budget_usd: NonNeg
    periods: Annotated[int, Field(ge=1, le=120)] = 4
    period_days: Positive = 91.25
    value_lost_price_multiple: Positive = 10.0
    spare_capacity_fraction: Fraction = 0.1
    discount_rate: float = 0.0
    baselines: list[BaselineRule] = Field(default_factory=_default_baselines)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    minerals: list[MineralConfig] = Field(min_length=1)
    scenarios: list[Scenario] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)

    @field_validator("discount_rate")
    @classmethod
    def _discount_rate(cls, v: float) -> float:
        if not math.isfinite(v) or v < 0 or v > MAX_DISCOUNT_RATE:
            hint = (f" (did you mean {v / 100:g}, i.e. {v:g} %?)"
                    if math.isfinite(v) and MAX_DISCOUNT_RATE < v <= 100 else "")
            raise ValueError(f"not an annual discount rate{hint}; allowed: a fraction "
                             f"0 <= rate <= {MAX_DISCOUNT_RATE:g} (0.03 = 3 % a year)")
        return v

    @property
    def horizon_years(self) -> float:
        """Length of the planning horizon in years."""
        return self.periods * self.period_days / 365.0

    def baseline_days(self, rule: BaselineRule) -> list[float]:
        """Days of cover of ``rule`` for each mineral, in configuration order."""
        if rule.high_risk_days is None:
            return [rule.days] * len(self.minerals)
        return [rule.high_risk_days
                if max(m.supplier_shares.values(), default=0.0) >= rule.high_risk_top_share
                else rule.days for m in self.minerals]

    def mineral_ids(self) -> list[str]:
        """Canonical ids of the minerals, in configuration order."""
        return [m.mineral for m in self.minerals]

    def value_lost(self, m: MineralConfig) -> float:
        """Value lost per tonne of shortfall of ``m`` (given, or the price-multiple proxy)."""
        if m.value_lost_usd_per_t is not None:
            return m.value_lost_usd_per_t
        return self.value_lost_price_multiple * m.price_usd_per_t

    def unit_cost(self, m: MineralConfig) -> float:
        """Cash cost of holding one tonne over the horizon: price plus holding cost."""
        return m.price_usd_per_t + m.holding_cost_usd_per_t_year * self.horizon_years

    def scenario(self, scenario_id: str | None = None) -> Scenario:
        """A scenario by id (default: the most probable one)."""
        if not self.scenarios:
            raise ConfigError("The configuration has no scenarios.",
                              [Failure("scenarios: empty list")],
                              hint="Add at least one scenario under 'scenarios:'.")
        if scenario_id is None:
            return max(self.scenarios, key=lambda s: s.probability)
        for s in self.scenarios:
            if s.id == scenario_id:
                return s
        raise ConfigError(f"No scenario {scenario_id!r} in the configuration.",
                          [Failure("scenarios[].id: not found", value=scenario_id)],
                          hint=f"Scenarios: {', '.join(s.id for s in self.scenarios)}")


# -- reading and checking ---------------------------------------------------------------


def _path(loc: Sequence[str | int]) -> str:
    s = ""
    for part in loc:
        s += f"[{part}]" if isinstance(part, int) else (f".{part}" if s else str(part))
    return s


def _line_of(lines: Mapping[tuple[str | int, ...], int], loc: Sequence[str | int]) -> int | None:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


def check_config(cfg: StockpileConfig) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """Cross-field consistency problems of a parsed configuration.

    Returns
    -------
    list of (field path, message, value)
        empty when the configuration is consistent.
    """
    problems: list[tuple[tuple[str | int, ...], str, Any]] = []
    ids = cfg.mineral_ids()
    seen: set[str] = set()
    for i, m in enumerate(cfg.minerals):
        if m.mineral in seen:
            problems.append((("minerals", i, "mineral"), "duplicate mineral; allowed: each "
                             "mineral once", m.mineral))
        seen.add(m.mineral)
        if m.max_stock_t is not None and m.max_stock_t < m.min_stock_t:
            problems.append((("minerals", i, "max_stock_t"), f"below min_stock_t "
                             f"{m.min_stock_t:g}; allowed: max_stock_t >= min_stock_t",
                             m.max_stock_t))
        elif m.lot_t is not None and m.max_stock_t is not None \
                and _min_buy(m) > m.max_stock_t * (1 + TOL):
            problems.append((("minerals", i, "lot_t"), f"no whole number of lots lies "
                             f"between min_stock_t {m.min_stock_t:g} and max_stock_t "
                             f"{m.max_stock_t:g}; allowed: a lot size that fits", m.lot_t))
    min_cost = sum(cfg.unit_cost(m) * _min_buy(m) for m in cfg.minerals)
    if min_cost > cfg.budget_usd * (1 + TOL):
        problems.append((("budget_usd",), f"infeasible: the minimum stocks (min_stock_t, "
                         f"rounded up to whole lots) cost {min_cost:,.0f} USD over the "
                         "horizon; allowed: a budget at least that large, or smaller "
                         "min_stock_t", cfg.budget_usd))
    rules = [b.rule for b in cfg.baselines]
    for k, rule in enumerate(rules):
        if rule in rules[:k]:
            problems.append((("baselines", k, "rule"), "duplicate rule name; allowed: unique "
                             "names", rule))
    total_p = sum(s.probability for s in cfg.scenarios)
    if total_p > 1 + TOL:
        problems.append((("scenarios",), f"probabilities sum to {total_p:.6g}; allowed: a "
                         "sum <= 1 (scenarios are mutually exclusive; the rest is 'no "
                         "disruption')", total_p))
    sids: set[str] = set()
    for j, s in enumerate(cfg.scenarios):
        if s.id in sids:
            problems.append((("scenarios", j, "id"), "duplicate scenario id; allowed: "
                             "unique ids", s.id))
        sids.add(s.id)
        for k, d in enumerate(s.disruptions):
            where: tuple[str | int, ...] = ("scenarios", j, "disruptions", k)
            if d.mineral not in ids:
                problems.append(((*where, "mineral"), f"not among the configured minerals; "
                                 f"allowed: {', '.join(ids)}", d.mineral))
                continue
            shares = cfg.minerals[ids.index(d.mineral)].supplier_shares
            missing = [c for c in d.suppliers if c not in shares]  # none: share of demand
            if missing:
                problems.append(((*where, "suppliers"), f"no supplier_shares for {missing} "
                                 f"under minerals[{ids.index(d.mineral)}]; allowed: "
                                 f"{', '.join(shares) or '(none configured)'}", d.suppliers))
            if d.start_period > cfg.periods:
                problems.append(((*where, "start_period"), f"after the horizon; allowed: "
                                 f"1..{cfg.periods} (periods)", d.start_period))
    return problems


def _min_buy(m: MineralConfig) -> float:
    """The smallest stock meeting ``min_stock_t`` in whole lots."""
    if m.lot_t is None or m.min_stock_t == 0:
        return m.min_stock_t
    return math.ceil(m.min_stock_t / m.lot_t - 1e-9) * m.lot_t


def parse_stockpile_config(data: Mapping[str, Any], *, file: str | None = None,
                           text: str | None = None) -> StockpileConfig:
    """Validate a configuration mapping.

    Parameters
    ----------
    data
        the parsed YAML/JSON document.
    file
        name used in error messages.
    text
        the document's text, to give line numbers in error messages.

    Raises
    ------
    ConfigError
        listing every failure: field path, value and what is allowed.
    """
    lines = yaml_node_lines(text) if text else {}
    failures: list[Failure] = []
    if not isinstance(data, Mapping):
        raise ConfigError("A stockpile configuration must be a mapping of fields.",
                          [Failure("top level is not a mapping", file=file, value=type(data)
                                   .__name__)], file=file)
    try:
        cfg = StockpileConfig.model_validate(dict(data))
    except ValidationError as exc:
        for e in exc.errors():
            loc = tuple(e["loc"])
            msg = e["msg"].removeprefix("Value error, ")
            value = e.get("input")
            if isinstance(value, dict | list):
                value = None if e["type"] == "missing" else value
            failures.append(Failure(f"{_path(loc)}: {msg}", file=file,
                                    line=_line_of(lines, loc), value=value))
        raise ConfigError(f"{len(failures)} problem(s) in stockpile configuration"
                          + (f" {file}" if file else ""), failures, file=file,
                          hint="Fix the listed fields; see docs/stockpile.md for every "
                          "field, its unit and allowed values.") from None
    for loc, msg, value in check_config(cfg):
        failures.append(Failure(f"{_path(loc)}: {msg}", file=file, line=_line_of(lines, loc),
                                value=value))
    if failures:
        raise ConfigError(f"{len(failures)} inconsistent field(s) in stockpile configuration"
                          + (f" {file}" if file else ""), failures, file=file,
                          hint="Fix the listed fields; see docs/stockpile.md.")
    return cfg


def read_stockpile_config(path: str | Path) -> StockpileConfig:
    """Read and validate a stockpile configuration file (YAML or JSON).

    Raises
    ------
    ConfigError
        when the file is missing, not YAML/JSON, or fails validation (every failure).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read stockpile configuration {p}: {exc.strerror}",
                          [Failure("cannot read file", file=str(p))], file=p,
                          hint="Check the path; example configs: "
                          "mineralwatch/data/stockpile/*.yaml") from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else parse_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        raise ConfigError(f"Stockpile configuration {p.name} is not valid YAML/JSON.",
                          [Failure(str(exc).splitlines()[0], file=str(p), line=line)],
                          file=p) from None
    return parse_stockpile_config(data if data is not None else {}, file=str(p), text=text)


def example_config_path(name: str = "six_metals.yaml") -> Path:
    """Path of an example configuration shipped in ``mineralwatch/data/stockpile``."""
    base = resources.files("mineralwatch").joinpath("data").joinpath("stockpile")
    return Path(str(base.joinpath(name)))


__all__ = [
    "MAX_DISCOUNT_RATE",
    "BaselineRule",
    "Disruption",
    "MineralConfig",
    "RiskConfig",
    "Scenario",
    "StockpileConfig",
    "check_config",
    "example_config_path",
    "parse_stockpile_config",
    "read_stockpile_config",
]
