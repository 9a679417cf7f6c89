"""Benchmarks of mineralwatch (not part of the test suite): ``python -m benchmarks.run``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def write_result(name: str, result: Any) -> Path:
    """Write a benchmark's result as ``benchmarks/results/NAME.json`` (UTF-8, indented)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
