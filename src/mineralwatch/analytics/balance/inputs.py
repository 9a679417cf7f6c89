"""Compile a :class:`Scenario` into arrays for the model, checking its constraints.

Every array has the shape ``(N, stage, country, year)`` (or ``(N, stage, year)``), where
``N`` is the number of Monte Carlo draws, or 1 when the input is certain (it broadcasts).
Contradictory or overlapping constraints are collected and raised together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.balance.distributions import Sampler
from mineralwatch.analytics.balance.scenario import (
    Flow,
    Policy,
    Scenario,
    StageFlow,
    StockChange,
    Supply,
)
from mineralwatch.codes import countries, units
from mineralwatch.errors import ConfigError, ConsistencyError, Failure
from mineralwatch.schema import STAGES

#: Stage order of the value chain (a processing mandate moves material forward).
STAGE_ORDER = {s: i for i, s in enumerate(STAGES)}


@dataclass(frozen=True)
class ModelArrays:
    """Every input of :func:`~mineralwatch.analytics.balance.model.evaluate` as arrays.

    Shapes: ``N`` draws (or 1), ``S`` stages, ``C`` countries, ``I`` importers,
    ``R`` demand regions, ``Y`` years. Missing limits are ``inf``; missing shares 0.
    """

    years: np.ndarray                 # (Y,)
    stages: tuple[str, ...]           # S
    countries: tuple[str, ...]        # C
    importers: tuple[str, ...]        # I (the last is XOT, the rest of the world)
    regions: tuple[str, ...]          # R (demand regions; WLD = not assigned)
    production: np.ndarray            # (N,S,C,Y) supply potential before policies
    domestic_use: np.ndarray          # (N,S,C,Y)
    dmo_share: np.ndarray             # (N,S,C,Y) share of production reserved at home
    mandate_share: np.ndarray         # (N,S,C,Y) share of exports processed at home
    mandate_recovery: np.ndarray      # (N,S,C,Y)
    mandate_capacity: np.ndarray      # (N,S,C,Y) home processing capacity
    mandate_target: tuple[int, ...]   # S: index of the stage a mandate feeds (-1: none)
    quota: np.ndarray                 # (N,S,C,Y) export cap, absolute
    quota_share: np.ndarray           # (N,S,C,Y) export cap, share of production (1: none)
    blocked: np.ndarray               # (N,S,C,I,Y) share of exports to importer blocked
    diversion: np.ndarray             # (N,S,C,Y) share of blocked exports sold elsewhere
    destinations: np.ndarray          # (S,C,I) export shares by importer (rows sum to 1)
    recycling: np.ndarray             # (N,S,Y)
    stock_change: np.ndarray          # (N,S,Y) > 0: stock build
    demand: np.ndarray                # (N,S,R,Y)

    @property
    def draws(self) -> int:
        """Leading size of the largest array."""
        return max(getattr(self, f.name).shape[0] for f in fields(self)
                   if isinstance(getattr(self, f.name), np.ndarray)
                   and f.name not in ("years", "destinations"))

    def head(self, k: int) -> ModelArrays:
        """The first ``k`` draws (arrays of one draw are kept as they are)."""
        return self.take(slice(0, k))

    def take(self, draws: slice) -> ModelArrays:
        """A range of draws (arrays of one draw are kept as they are)."""
        update = {f.name: getattr(self, f.name)[draws] for f in fields(self)
                  if isinstance(getattr(self, f.name), np.ndarray)
                  and f.name not in ("years", "destinations")
                  and getattr(self, f.name).shape[0] > 1}
        return replace(self, **update)


def flow_matrix(flow: Flow | None, years: np.ndarray, sample: Sampler,
                default: float = 0.0) -> np.ndarray:
    """Values of a :class:`Flow` per year: shape ``(N, Y)``.

    A series is interpolated linearly between its years and held flat outside them;
    ``base`` grows at ``cagr`` from ``base_year`` (one draw per run, so the years move
    together); each year of a series is drawn independently unless its distributions
    share a common ``factor``.
    """
    y = years.astype(float)
    if flow is None:
        return np.full((1, len(y)), default)
    if flow.value is not None:
        return sample(flow.value)[:, None] * np.ones((1, len(y)))
    if flow.base is not None:
        base = sample(flow.base)[:, None]
        rate = sample(flow.cagr)[:, None]
        return base * (1.0 + rate) ** (y[None, :] - float(flow.base_year or 0))
    series = flow.series or {}
    keys = np.array(sorted(series), dtype=float)
    vals = [sample(series[int(k)]) for k in keys]
    n = max(len(v) for v in vals)
    table = np.stack([np.broadcast_to(v, (n,)) for v in vals], axis=1)  # (N, K)
    pos = np.clip(np.searchsorted(keys, y, side="right") - 1, 0, len(keys) - 1)
    nxt = np.clip(pos + 1, 0, len(keys) - 1)
    span = keys[nxt] - keys[pos]
    w = np.where(span > 0, np.clip((y - keys[pos]) / np.where(span > 0, span, 1), 0, 1), 0.0)
    return table[:, pos] * (1 - w) + table[:, nxt] * w


def warehouse_supply(production: pd.DataFrame, stage: str, unit: str,
                     base_year: int | None = None) -> tuple[int | None, dict[str, float]]:
    """Supply by country from ``production`` rows: the latest year (<= ``base_year``).

    World totals (``WLD``) are not suppliers; when they exceed the sum of the countries,
    the difference is added to ``XOT`` (other countries). Quantities are converted to
    ``unit``; rows whose unit is not a mass unit are skipped.
    """
    if production.empty:
        return None, {}
    unit_of = production["unit"].astype(str).to_numpy()
    factor = {u: (units.factor(u) / units.factor(unit) if units.is_mass(u) else np.nan)
              for u in set(unit_of)}
    f = np.array([factor[u] for u in unit_of], dtype=float)
    qty = production["quantity"].to_numpy(dtype=float, na_value=np.nan) * f
    years = production["year"].to_numpy(dtype=float, na_value=np.nan)
    mask = (production["stage"].to_numpy() == stage) & ~np.isnan(qty) & ~np.isnan(years)
    if base_year is not None:
        mask &= years <= base_year
    if not mask.any():
        return None, {}
    year = int(years[mask].max())
    mask &= years == year
    q: dict[str, float] = {}
    for c, v in zip(production["country"].to_numpy()[mask], qty[mask], strict=True):
        q[str(c)] = q.get(str(c), 0.0) + float(v)
    world = q.pop("WLD", np.nan)
    out = {c: v for c, v in q.items()
           if (c not in countries.AGGREGATE_CODES or c == "XOT") and v > 0}
    total = sum(out.values())
    if np.isfinite(world) and world > total + 1e-9:
        out["XOT"] = out.get("XOT", 0.0) + world - total
    return year, out


def _policy_year_mask(p: Policy, years: np.ndarray) -> np.ndarray:
    if p.years is None:
        return np.ones(len(years), dtype=bool)
    return (years >= p.years[0]) & (years <= p.years[1])


def _overlap(a: Policy, b: Policy, years: np.ndarray) -> bool:
    return bool((_policy_year_mask(a, years) & _policy_year_mask(b, years)).any())


def _targets_meet(a: Policy, b: Policy) -> bool:
    ta, tb = set(a.targets or ["ALL"]), set(b.targets or ["ALL"])
    return bool(ta & tb) or "ALL" in ta or "ALL" in tb


def check_policies(scenario: Scenario, supplied: set[tuple[str, str]]) -> list[Failure]:
    """Every overlapping, contradictory or incomplete policy, as failures."""
    file = scenario.file
    years = np.array(scenario.year_list)
    fails: list[Failure] = []
    pols = list(enumerate(scenario.policies))

    def fail(i: int, msg: str, field: str = "", value: Any = None) -> None:
        fails.append(Failure(msg, file=file, column=f"policies[{i}]" + (f".{field}" if field
                                                                         else ""), value=value))

    for i, p in pols:
        stage = p.stage or scenario.stage
        if p.type is None or p.country is None:
            fail(i, "policy needs type and country (or an event that gives them)")
            continue
        if (stage, p.country) not in supplied:
            fail(i, f"no supply of {p.country} at stage {stage!r} for this policy to act on; "
                 "add it under supply: or set baseline: true", "country", p.country)
        if p.type == "export_quota" and (p.quantity is None) == (p.share is None):
            fail(i, "an export quota needs exactly one of quantity (t/yr) or share "
                 "(of production)", "quantity")
        if p.type == "export_licence" and p.share is None:
            fail(i, "export licensing needs share: the fraction of exports to the targets "
                 "that licences block", "share")
        if p.type == "domestic_market_obligation" and p.share is None:
            fail(i, "a domestic-market obligation needs share (of production)", "share")
        if p.type == "processing_mandate" and STAGE_ORDER[p.to_stage] <= STAGE_ORDER[stage]:
            fail(i, f"to_stage {p.to_stage!r} must come after stage {stage!r}", "to_stage",
                 p.to_stage)
    for a_pos, (i, a) in enumerate(pols):
        for j, b in pols[a_pos + 1:]:
            if a.country != b.country or (a.stage or scenario.stage) != (
                    b.stage or scenario.stage) or not _overlap(a, b, years):
                continue
            kinds = {a.type, b.type}
            blocking = {"export_ban", "export_licence"}
            if a.type == b.type and a.type in ("export_quota", "processing_mandate",
                                               "domestic_market_obligation"):
                fail(j, f"overlaps policies[{i}]: two {a.type} for {a.country} in the same "
                     "years; merge them or make their years disjoint", "years", b.years)
            elif kinds <= blocking and _targets_meet(a, b):
                fail(j, f"overlaps policies[{i}]: two export restrictions on {a.country} for "
                     "the same importers in the same years", "targets", b.targets)
            elif "export_quota" in kinds and kinds & blocking:
                ban = a if a.type in blocking else b
                if (ban.targets or ["ALL"]) == ["ALL"] and ban.share in (None, 1.0):
                    fail(j, f"contradicts policies[{i}]: an export quota on {a.country} while "
                         "all its exports are banned", "type", b.type)
            elif kinds == {"domestic_market_obligation", "processing_mandate"}:
                sa, sb = a.share, b.share
                if isinstance(sa, float) and isinstance(sb, float) and sa + sb > 1:
                    fail(j, f"contradicts policies[{i}]: domestic-market obligation and "
                         f"processing mandate on {a.country} reserve {sa + sb:.0%} > 100%",
                         "share", b.share)
    return fails


def _assign(arr: np.ndarray, at: tuple[Any, ...], value: Any) -> np.ndarray:
    """``arr[:, *at] = value``, first repeating ``arr`` along draws when ``value`` has them."""
    value = np.asarray(value, dtype=float)
    if value.ndim and value.shape[0] > arr.shape[0]:
        arr = np.repeat(arr, value.shape[0], axis=0)
    arr[(slice(None), *at)] = value
    return arr


def _supply_row(s: Supply, years: np.ndarray, sample: Sampler) -> np.ndarray:
    if s.production is not None:
        return flow_matrix(s.production, years, sample)
    return flow_matrix(s.capacity, years, sample) * flow_matrix(s.utilisation, years, sample,
                                                                default=1.0)


def compile_scenario(scenario: Scenario, sample: Sampler,
                     production: pd.DataFrame | None = None) -> ModelArrays:
    """Build :class:`ModelArrays` from a resolved scenario.

    Parameters
    ----------
    scenario
        a validated scenario whose ``event:`` references are resolved.
    sample
        turns numbers and distributions into draws (deterministic when ``draws == 0``).
    production
        the warehouse's production rows for the mineral; used when ``baseline: true``.

    Raises
    ------
    ConfigError
        on overlapping, contradictory or incomplete constraints, naming file and field.
    """
    file = scenario.file
    years = np.array(scenario.year_list)
    n_y = len(years)
    fails: list[Failure] = []

    # -- supply by (stage, country) ---------------------------------------------------
    rows: dict[tuple[str, str], np.ndarray] = {}
    dom_rows: dict[tuple[str, str], np.ndarray] = {}
    dests: dict[tuple[str, str], dict[str, float]] = {}
    if scenario.baseline:
        base_year, base = warehouse_supply(
            production if production is not None else pd.DataFrame(
                columns=["stage", "country", "year", "quantity", "unit"]),
            scenario.stage, scenario.unit, scenario.years[0])
        if base_year is None:
            fails.append(Failure(f"baseline: true but the warehouse has no {scenario.mineral} "
                                 f"production at stage {scenario.stage!r}", file=file,
                                 column="baseline", value=True))
        growth = sample(scenario.growth)[:, None]
        for c, q in base.items():
            rows[(scenario.stage, c)] = q * (1 + growth) ** (years[None, :] - (base_year or 0))
    explicit: set[tuple[str, str]] = set()
    for i, s in enumerate(scenario.supply):
        key = (s.stage or scenario.stage, s.country)
        if key in explicit:
            fails.append(Failure(f"duplicate supply for {s.country} at stage {key[0]!r}",
                                 file=file, column=f"supply[{i}].country", value=s.country))
        explicit.add(key)
        rows[key] = _supply_row(s, years, sample)
        if s.domestic_use is not None:
            dom_rows[key] = flow_matrix(s.domestic_use, years, sample)
        if s.destinations:
            dests[key] = {str(countries.lookup(k)): v for k, v in s.destinations.items()}
    for proj in scenario.projects:
        key = (proj.stage or scenario.stage, proj.country)
        cap = sample(proj.capacity)[:, None] * sample(proj.utilisation)[:, None]
        idx = np.clip(years - proj.start, 0, len(proj.ramp) - 1)
        ramp = np.where(years >= proj.start, np.asarray(proj.ramp)[idx], 0.0)[None, :]
        rows[key] = rows.get(key, np.zeros((1, n_y))) + cap * ramp

    fails += check_policies(scenario, set(rows))
    stage_set = {scenario.stage, *(k[0] for k in rows),
                 *(d.stage or scenario.stage for d in scenario.demand),
                 *(r.stage or scenario.stage for r in scenario.recycling),
                 *(r.stage or scenario.stage for r in scenario.stock_change),
                 *(p.to_stage for p in scenario.policies if p.type == "processing_mandate")}
    stages = tuple(sorted(stage_set, key=STAGE_ORDER.__getitem__))
    ctry = tuple(sorted({k[1] for k in rows}))
    regions = tuple(sorted({"WLD", *(d.region for d in scenario.demand)}))
    named = ({i for d in dests.values() for i in d}
             | {d.region for d in scenario.demand}) - {"XOT", "WLD"}
    importers = (*sorted(named), "XOT")
    si = {s: i for i, s in enumerate(stages)}
    ci = {c: i for i, c in enumerate(ctry)}
    ii = {c: i for i, c in enumerate(importers)}
    ri = {r: i for i, r in enumerate(regions)}
    n_s, n_c, n_i = len(stages), len(ctry), len(importers)
    n = sample.n

    def grid(value: float) -> np.ndarray:
        return np.full((1, n_s, n_c, n_y), value)

    production_a, domestic = grid(0.0), grid(0.0)
    for (st, c), v in rows.items():
        production_a = _assign(production_a, (si[st], ci[c]), np.maximum(v, 0.0))
    for (st, c), v in dom_rows.items():
        domestic = _assign(domestic, (si[st], ci[c]), np.maximum(v, 0.0))
    destinations = np.zeros((n_s, n_c, n_i))
    destinations[..., ii["XOT"]] = 1.0
    for (st, c), shares in dests.items():
        row = np.zeros(n_i)
        for imp, frac in shares.items():
            row[ii[imp]] += frac
        row[ii["XOT"]] += max(0.0, 1.0 - sum(shares.values()))
        destinations[si[st], ci[c]] = row

    dmo, mshare, mrec, diversion = grid(0.0), grid(0.0), grid(1.0), grid(0.0)
    mcap, quota, qshare = grid(np.inf), grid(np.inf), grid(1.0)
    blocked = np.zeros((1, n_s, n_c, n_i, n_y))
    target = [-1] * n_s
    for i, p in enumerate(scenario.policies):
        st = p.stage or scenario.stage
        if p.type is None or p.country is None or (st, p.country) not in rows:
            continue
        at = (si[st], ci[p.country], _policy_year_mask(p, years))
        share = np.clip(sample(p.share, default=1.0), 0, 1)[:, None]
        if p.type == "export_quota":
            if p.quantity is not None:
                quota = _assign(quota, at, np.maximum(sample(p.quantity)[:, None], 0))
            else:
                qshare = _assign(qshare, at, share)
        elif p.type in ("export_ban", "export_licence"):
            targets = p.targets or ["ALL"]
            missing = [t for t in targets if t != "ALL" and t not in ii]
            if missing and (st, p.country) not in dests:
                fails.append(Failure(
                    f"a ban on exports from {p.country} to {missing} needs the destinations "
                    f"of {p.country}'s exports (supply: destinations:)", file=file,
                    column=f"policies[{i}].targets", value=p.targets))
                continue
            cols = range(n_i) if "ALL" in targets else [ii[t] for t in targets if t in ii]
            for col in cols:
                blocked = _assign(blocked, (at[0], at[1], col, at[2]), share)
            diversion = _assign(diversion, at, np.clip(sample(p.diversion), 0, 1)[:, None])
        elif p.type == "processing_mandate":
            t_i = si[p.to_stage]
            if target[at[0]] not in (-1, t_i):
                fails.append(Failure("processing mandates from one stage must feed one stage",
                                     file=file, column=f"policies[{i}].to_stage",
                                     value=p.to_stage))
            target[at[0]] = t_i
            mshare = _assign(mshare, at, share)
            mrec = _assign(mrec, at, np.clip(sample(p.recovery), 0, 1)[:, None])
            if p.capacity is not None:
                mcap = _assign(mcap, at, np.maximum(sample(p.capacity)[:, None], 0))
        elif p.type == "domestic_market_obligation":
            dmo = _assign(dmo, at, share)

    def stage_flows(items: Sequence[StageFlow | StockChange]) -> np.ndarray:
        out = np.zeros((n, n_s, n_y))
        for it in items:
            out[:, si[it.stage or scenario.stage]] += flow_matrix(it.quantity, years, sample)
        return out

    recycling = np.maximum(stage_flows(scenario.recycling), 0)
    stock = stage_flows(scenario.stock_change)
    demand = np.zeros((n, n_s, len(regions), n_y))
    for dem in scenario.demand:
        if dem.quantity is not None:
            dq = flow_matrix(dem.quantity, years, sample)
        else:
            dq = sample(dem.intensity)[:, None] * flow_matrix(dem.units, years, sample)
        demand[:, si[dem.stage or scenario.stage], ri[dem.region]] += np.maximum(dq, 0)
    if fails:
        raise ConfigError(f"{len(fails)} problem(s) with the constraints of scenario "
                          f"{scenario.name!r}" + (f" ({file})" if file else ""),
                          scenario.located(fails),
                          file=file, hint="Overlapping constraints must be merged or given "
                          "disjoint years; see docs/balance.md.")
    return ModelArrays(years=years, stages=stages, countries=ctry, importers=importers,
                       regions=regions, production=production_a, domestic_use=domestic,
                       dmo_share=dmo, mandate_share=mshare, mandate_recovery=mrec,
                       mandate_capacity=mcap, mandate_target=tuple(target), quota=quota,
                       quota_share=qshare, blocked=blocked, diversion=diversion,
                       destinations=destinations, recycling=recycling, stock_change=stock,
                       demand=demand)


def check_arrays(a: ModelArrays, *, strict: bool = True) -> list[str]:
    """Physical sanity of compiled inputs (no negative production or demand)."""
    problems = []
    if (a.production < 0).any():
        problems.append("negative production")
    if (a.demand < 0).any():
        problems.append("negative demand")
    if problems and strict:
        raise ConsistencyError("Model inputs are not physical: " + ", ".join(problems))
    return problems


__all__ = ["STAGE_ORDER", "ModelArrays", "check_arrays", "check_policies", "compile_scenario",
           "flow_matrix", "warehouse_supply"]
