"""Resolve ``event:`` references in scenario policies against the event register.

A policy may say only ``{event: cod-cobalt-quota-2026}``: its type, country, years,
quantity and targets then come from the warehouse's ``policy_event`` row. Fields given in
the scenario override the event's. Measures map to balance policy types as follows:

=============================  ==============================
policy_event.measure           balance policy type
=============================  ==============================
export_quota                   export_quota
export_prohibition             export_ban
export_licence(_dual_use)      export_licence (give ``share``)
processing_mandate             processing_mandate
domestic_market_obligation     domestic_market_obligation
=============================  ==============================

Other measures (export taxes, price floors, ...) have no direct volume effect in this
model: a scenario that references one must state ``type`` itself. Rejected events (status
``rejected``) are never used.

Suspensions. Every non-rejected ``suspension_of_measure`` row whose ``suspends`` is the
referenced id (and that concerns the scenario's mineral, or names no mineral) is applied,
unless the policy says ``apply_suspensions: false``. Its window runs from ``effective``
(else ``announced``) to ``ends`` inclusive (no ``ends``: open-ended), minus the windows of
the suspensions that suspend *it* (a suspension can itself be suspended, i.e. the measure
reinstated; applied recursively). For each year of the policy, the suspended fraction is
the share of the policy's days in force in that year (the event's ``effective``…``ends``
within the year; the whole year when those dates miss it) that the windows cover:

* a policy whose strength is a ``share`` (ban, licence, processing mandate, domestic-market
  obligation) keeps ``share x (1 - fraction)`` in that year (pro rata);
* an export quota (a cap in tonnes or a share of production) cannot be scaled within a
  year: the year is dropped when the suspension covers at least half of it.

Years whose treatment differs become separate policies (pieces of the referenced one);
:attr:`Scenario.notes` says which suspension changed which years.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from mineralwatch.analytics.balance.distributions import (
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    is_uncertain,
)
from mineralwatch.analytics.balance.scenario import Number, Policy, Scenario
from mineralwatch.codes import units
from mineralwatch.errors import ConfigError, Failure

if TYPE_CHECKING:
    from mineralwatch.store import Warehouse

MEASURE_TO_POLICY: dict[str, str] = {
    "export_quota": "export_quota",
    "export_prohibition": "export_ban",
    "export_licence": "export_licence",
    "export_licence_dual_use": "export_licence",
    "processing_mandate": "processing_mandate",
    "domestic_market_obligation": "domestic_market_obligation",
}

#: Policy types whose strength is a ``share``: a partly suspended year keeps a pro-rata
#: share. Export quotas follow the half-year rule instead.
PRO_RATA_TYPES = ("export_ban", "export_licence", "processing_mandate",
                  "domestic_market_obligation")

#: Numbers of a policy that pieces of a split policy draw together (Monte Carlo).
_NUMBERS = ("quantity", "share", "recovery", "capacity", "diversion")

_OPEN = date.max.toordinal()

#: Inclusive span of days, as date ordinals.
Span = tuple[int, int]


def _json_list(v: Any) -> list[Any]:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return []
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            return [v]
    return list(v) if isinstance(v, list | tuple) else [v]


def annual_unit(unit: str) -> str:
    """``"t/yr"``, ``"kt per year"``, ``"t/a"`` -> ``"t"``, ``"kt"``: quotas are per year."""
    return re.sub(r"\s*(/|per\s+)\s*(yr|year|a|annum)\.?$", "", unit.strip(),
                  flags=re.IGNORECASE) or "t"


def _year(v: Any) -> int | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return int(pd.Timestamp(v).year)


def _date(v: Any) -> date | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date()


def _subtract(spans: list[Span], cuts: list[Span]) -> list[Span]:
    out = list(spans)
    for c0, c1 in cuts:
        rest: list[Span] = []
        for a, b in out:
            if c1 < a or c0 > b:
                rest.append((a, b))
                continue
            if a < c0:
                rest.append((a, c0 - 1))
            if c1 < b:
                rest.append((c1 + 1, b))
        out = rest
    return out


def _covered(spans: list[Span], lo: int, hi: int) -> int:
    """Days of ``[lo, hi]`` inside the union of ``spans``."""
    days, reach = 0, lo - 1
    for a, b in sorted(spans):
        a, b = max(a, reach + 1), min(b, hi)
        if a <= b:
            days += b - a + 1
            reach = b
    return days


@dataclass(frozen=True)
class Suspension:
    """A register suspension of one event, with the days it is in force.

    ``spans`` is the window ``effective`` (else ``announced``) … ``ends`` (inclusive;
    open-ended without ``ends``) minus the spans of the suspensions that suspend this
    one (``lifted_by``).
    """

    id: str
    suspends: str
    start: date
    end: date | None
    spans: tuple[Span, ...]
    lifted_by: tuple[str, ...] = ()

    def describe(self) -> str:
        text = f"{self.id} ({self.start} to {self.end or 'open-ended'}"
        if self.lifted_by:
            text += f", itself suspended by {', '.join(self.lifted_by)}"
        return text + ")"


def suspension_register(wh: Warehouse) -> dict[str, list[dict[str, Any]]]:
    """Non-rejected ``suspension_of_measure`` rows of the register, by suspended id."""
    if "policy_event" not in wh.tables():
        return {}
    frame = wh.load("policy_event", measure="suspension_of_measure")
    out: dict[str, list[dict[str, Any]]] = {}
    for r in frame.to_dict(orient="records"):
        row = {str(k): v for k, v in r.items()}
        target = row.get("suspends")
        if row.get("status") == "rejected" or target is None or pd.isna(target):
            continue
        out.setdefault(str(target), []).append(row)
    for rows in out.values():
        rows.sort(key=lambda r: str(r["id"]))
    return out


def suspensions_of(event_id: str, register: dict[str, list[dict[str, Any]]], mineral: str,
                   _seen: frozenset[str] = frozenset()) -> list[Suspension]:
    """The suspensions of ``event_id`` that concern ``mineral`` (or name no mineral),
    each less the days its own suspensions cover (recursively; cycles are cut)."""
    out = []
    seen = _seen | {event_id}
    for row in register.get(event_id, []):
        sid = str(row["id"])
        mins = [str(m) for m in _json_list(row.get("minerals"))]
        start = _date(row.get("effective")) or _date(row.get("announced"))
        if sid in seen or (mins and mineral not in mins) or start is None:
            continue
        end = _date(row.get("ends"))
        span = (start.toordinal(), _OPEN if end is None else end.toordinal())
        if span[1] < span[0]:
            continue
        lifts = suspensions_of(sid, register, mineral, seen)
        spans = _subtract([span], [c for lift in lifts for c in lift.spans])
        out.append(Suspension(sid, event_id, start, end, tuple(spans),
                              tuple(lift.id for lift in lifts)))
    return out


def _in_force(year: int, start: date | None, end: date | None) -> Span:
    """Days of ``year`` the policy is in force by its event's dates (the whole year when
    they miss it: the scenario gave other years)."""
    lo, hi = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    a = lo if start is None else max(lo, start.toordinal())
    b = hi if end is None else min(hi, end.toordinal())
    return (a, b) if a <= b else (lo, hi)


def _span_text(y0: int, y1: int) -> str:
    return str(y0) if y0 == y1 else f"{y0}-{y1}"


def _scaled(v: Number | None, k: float) -> Number:
    """A share (``None``: 1) times ``k``; distributions are scale families."""
    if v is None:
        return k
    if isinstance(v, int | float):
        return float(v) * k
    if isinstance(v, Normal):
        return v.model_copy(update={"mean_": v.mean_ * k, "sd": v.sd * k})
    if isinstance(v, LogNormal):
        return v.model_copy(update={"median": v.median * k})
    if isinstance(v, Triangular):
        return v.model_copy(update={"low": v.low * k, "mode": v.mode * k, "high": v.high * k})
    if isinstance(v, Uniform):
        return v.model_copy(update={"low": v.low * k, "high": v.high * k})
    raise TypeError(f"cannot scale {v!r}")  # pragma: no cover


def apply_suspensions(policy: Policy, event: dict[str, Any], suspensions: list[Suspension],
                      scenario: Scenario, *, index: int) -> tuple[list[Policy], list[str]]:
    """The policy cut by its event's suspensions: pieces (none when it is suspended in all
    its years) and notes naming each suspension and the years it changed."""
    label = f"policies[{index}] (event {event['id']})"
    if not suspensions:
        return [policy], []
    if not policy.apply_suspensions:
        return [policy], [f"{label}: apply_suspensions is false; not applied: "
                          + "; ".join(s.describe() for s in suspensions)]
    first, last = policy.years or scenario.years
    start = _date(event.get("effective")) or _date(event.get("announced"))
    end = _date(event.get("ends"))
    spans = [c for s in suspensions for c in s.spans]
    pro_rata = policy.type in PRO_RATA_TYPES and (
        policy.share is not None or policy.type in ("export_ban", "processing_mandate"))
    keep: dict[int, float] = {}
    suspended: dict[int, float] = {}
    for y in range(first, last + 1):
        a, b = _in_force(y, start, end)
        f = _covered(spans, a, b) / (b - a + 1)
        suspended[y] = f
        keep[y] = (1.0 - f) if pro_rata else (0.0 if f >= 0.5 else 1.0)
    runs: list[list[Any]] = []
    for y, k in keep.items():
        if k <= 1e-12:
            continue
        if runs and runs[-1][1] == y - 1 and runs[-1][2] == k:
            runs[-1][1] = y
        else:
            runs.append([y, y, k])

    def effect(y: int) -> str:
        f, k = suspended[y], keep[y]
        if pro_rata:
            return (f"{y} suspended" if k <= 1e-12 else
                    f"{y} at {k:.1%} of its share ({f:.1%} of its days in force suspended)")
        return (f"{y} suspended ({f:.1%} of its days in force, at least half)" if k == 0
                else f"{y} kept ({f:.1%} of its days in force suspended, less than half)")

    notes = []
    for s in suspensions:
        years = [y for y in keep
                 if _covered(list(s.spans), *_in_force(y, start, end)) > 0]
        what = (", ".join(effect(y) for y in years) if years
                else f"no effect on the policy's years {first}-{last}")
        notes.append(f"{label}: suspension {s.describe()} applied: {what}")
    if len(runs) == 1 and runs[0] == [first, last, 1.0]:
        return [policy], notes
    base = policy
    if len(runs) > 1:       # pieces of one policy draw their uncertain numbers together
        tied = {n: v.model_copy(update={"factor": f"{event['id']}:policies[{index}].{n}",
                                        "rho": 1.0})
                for n in _NUMBERS if is_uncertain(v := getattr(policy, n))
                and getattr(v, "factor", None) is None}
        base = policy.model_copy(update=tied) if tied else policy
    pieces = []
    for y0, y1, k in runs:
        update: dict[str, Any] = {"years": (y0, y1)}
        if k != 1.0:
            update["share"] = _scaled(base.share, k)
        pieces.append(base.model_copy(update=update))
    if not pieces:
        notes.append(f"{label}: suspended in all its years {first}-{last}; it has no effect")
    elif len(pieces) > 1:
        notes.append(f"{label}: split into {len(pieces)} policies over "
                     + ", ".join(_span_text(y0, y1) for y0, y1, _ in runs))
    return pieces, notes


def policy_from_event(policy: Policy, event: dict[str, Any], scenario: Scenario, *,
                      where: str) -> tuple[Policy | None, list[Failure]]:
    """The policy with the event's fields filled in, or failures explaining why not."""
    file = scenario.file
    fails: list[Failure] = []
    if event.get("status") == "rejected":
        fails.append(Failure("event was rejected in review and cannot be used",
                             file=file, column=where, value=event["id"]))
    mins = [str(m) for m in _json_list(event.get("minerals"))]
    if mins and scenario.mineral not in mins:
        fails.append(Failure(f"event {event['id']!r} concerns {mins}, not {scenario.mineral}",
                             file=file, column=where, value=event["id"]))
    update: dict[str, Any] = {}
    if policy.type is None:
        mapped = MEASURE_TO_POLICY.get(str(event.get("measure")))
        if mapped is None:
            fails.append(Failure(
                f"event measure {event.get('measure')!r} has no volume effect in the balance "
                f"model; state type (one of {sorted(set(MEASURE_TO_POLICY.values()))})",
                file=file, column=where, value=event["id"]))
        update["type"] = mapped
    if policy.country is None:
        update["country"] = event.get("actor")
    if policy.years is None:
        start = _year(event.get("effective")) or _year(event.get("announced"))
        end = _year(event.get("ends")) or scenario.years[1]
        if start is not None:
            update["years"] = (start, max(start, end))
    qty = event.get("quantity")
    if policy.quantity is None and qty is not None and not pd.isna(qty):
        unit = annual_unit(str(event.get("quantity_unit") or "t"))
        if units.is_mass(str(unit)):
            update["quantity"] = (units.to_tonnes(float(qty), str(unit))
                                  / units.factor(scenario.unit))
        elif str(unit) in ("share", "fraction", "%") and policy.share is None:
            update["share"] = float(qty) / (100 if unit == "%" else 1)
    if policy.targets is None:
        targets = [str(t) for t in _json_list(event.get("target"))]
        if targets:
            update["targets"] = targets
    if fails:
        return None, fails
    data = {**policy.model_dump(exclude_unset=True, by_alias=True), **update}
    try:
        return Policy.model_validate(data), []
    except ValueError as exc:
        return None, [Failure(f"event {event['id']!r} gives an invalid policy: {exc}",
                              file=file, column=where, value=event["id"])]


def resolve_events(scenario: Scenario, wh: Warehouse | None) -> Scenario:
    """Fill every ``event:`` policy from the register; unknown ids raise :class:`ConfigError`."""
    refs = [(i, p) for i, p in enumerate(scenario.policies) if p.event is not None]
    if not refs or scenario._resolved:
        return scenario
    file = scenario.file
    if wh is None:
        raise ConfigError(
            "The scenario references events but no warehouse was given to resolve them.",
            scenario.located([Failure("event reference", file=file,
                                      column=f"policies[{i}].event", value=p.event)
                              for i, p in refs]),
            file=file, hint="Pass wh= (Python) or --warehouse (CLI).")
    ids = sorted({str(p.event) for _, p in refs})
    frame = wh.load("policy_event", id=ids) if "policy_event" in wh.tables() else pd.DataFrame()
    found: dict[str, dict[str, Any]] = {} if frame.empty else {
        str(r["id"]): {str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")}
    failures: list[Failure] = []
    register = suspension_register(wh)
    pieces: dict[int, list[Policy]] = {}
    notes: list[str] = []
    for i, p in refs:
        where = f"policies[{i}].event"
        event = found.get(str(p.event))
        if event is None:
            failures.append(Failure("unknown event id (not in the policy_event table)",
                                    file=file, column=where, value=p.event))
            continue
        resolved, fails = policy_from_event(p, event, scenario, where=where)
        failures.extend(fails)
        if resolved is not None:
            sus = suspensions_of(str(p.event), register, scenario.mineral)
            pieces[i], more = apply_suspensions(resolved, event, sus, scenario, index=i)
            notes.extend(more)
    if failures:
        known = ", ".join(sorted(found)) or "none of them"
        raise ConfigError(f"{len(failures)} event reference(s) could not be resolved"
                          + (f" in {file}" if file else ""), scenario.located(failures),
                          file=file,
                          hint=f"Known among the referenced ids: {known}. List the register "
                          "with `mineralwatch events`.")
    policies: list[Policy] = []
    origin: list[int] = []
    for i, p in enumerate(scenario.policies):
        got = pieces.get(i, [p])
        policies.extend(got)
        origin.extend([i] * len(got))
    out = scenario.model_copy(update={"policies": policies}).with_file(file)
    out._resolved = True
    out._notes = [*scenario.notes, *notes]
    if origin != list(range(len(scenario.policies))):
        out._policy_origin = tuple(origin)
    return out


__all__ = ["MEASURE_TO_POLICY", "PRO_RATA_TYPES", "Suspension", "annual_unit",
           "apply_suspensions", "policy_from_event", "resolve_events", "suspension_register",
           "suspensions_of"]
