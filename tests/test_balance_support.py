"""Helpers shared by the balance tests (no tests here): tiny scenarios and warehouses."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from mineralwatch.analytics.balance import Sampler, compile_scenario, evaluate
from mineralwatch.analytics.balance.inputs import ModelArrays
from mineralwatch.analytics.balance.model import ModelOutput
from mineralwatch.analytics.balance.scenario import Scenario
from mineralwatch.store import SourceInfo, Warehouse

try:
    from conftest import VALIDATION
except ImportError:  # pragma: no cover
    from pathlib import Path

    VALIDATION = Path(__file__).resolve().parents[2] / "shared" / "validation"

SEED_CASES = VALIDATION / "seed_cases.yaml"


def make_scenario(*, supply: list[dict[str, Any]], demand: float | list[dict[str, Any]],
                  years: str = "2025-2027", **extra: Any) -> Scenario:
    """A small cobalt scenario; ``demand`` a number (one world sector) or sector dicts."""
    dem = ([{"sector": "all", "quantity": demand}] if isinstance(demand, int | float)
           else demand)
    return Scenario.model_validate({"name": "test", "mineral": "cobalt", "years": years,
                                    "supply": supply, "demand": dem, **extra})


def run(s: Scenario, draws: int = 0, seed: int = 0) -> tuple[ModelArrays, ModelOutput]:
    """Compile and evaluate a scenario."""
    a = compile_scenario(s, Sampler(draws, seed))
    return a, evaluate(a)


def ingest_production(wh: Warehouse, rows: list[tuple[str, str, str, int, float]],
                      source: str = "test:production") -> None:
    """Ingest (mineral, stage, country, year, quantity) rows in tonnes."""
    df = pd.DataFrame(rows, columns=["mineral", "stage", "country", "year", "quantity"])
    df["unit"], df["basis"], df["estimated"], df["note"] = "t", "content", False, None
    wh.ingest({"production": df}, SourceInfo(source, "test", source, source, "1"))


def ingest_events(wh: Warehouse, events: list[dict[str, Any]]) -> None:
    """Ingest policy events (only the fields a test cares about need be given)."""
    rows = []
    for e in events:
        row = {"authority": None, "instrument": None, "hs_codes": "[]", "announced": None,
               "effective": None, "ends": None, "quantity": None, "quantity_unit": None,
               "status": "confirmed", "suspends": None, "title": None, "note": None,
               "citations": "[]", "target": '["ALL"]', **e}
        for k in ("minerals", "target"):
            if isinstance(row[k], list):
                row[k] = json.dumps(row[k])
        rows.append(row)
    wh.ingest({"policy_event": pd.DataFrame(rows)},
              SourceInfo("test:events", "test", "events", "events", "1"))
