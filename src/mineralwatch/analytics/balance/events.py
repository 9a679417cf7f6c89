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
model: a scenario that references one must state ``type`` itself.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from mineralwatch.analytics.balance.scenario import Policy, Scenario
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


def policy_from_event(policy: Policy, event: dict[str, Any], scenario: Scenario, *,
                      where: str) -> tuple[Policy | None, list[Failure]]:
    """The policy with the event's fields filled in, or failures explaining why not."""
    file = scenario.file
    fails: list[Failure] = []
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
    policies = list(scenario.policies)
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
            policies[i] = resolved
    if failures:
        known = ", ".join(sorted(found)) or "none of them"
        raise ConfigError(f"{len(failures)} event reference(s) could not be resolved"
                          + (f" in {file}" if file else ""), scenario.located(failures),
                          file=file,
                          hint=f"Known among the referenced ids: {known}. List the register "
                          "with `mineralwatch events`.")
    out = scenario.model_copy(update={"policies": policies}).with_file(file)
    out._resolved = True
    return out


__all__ = ["MEASURE_TO_POLICY", "annual_unit", "policy_from_event", "resolve_events"]
