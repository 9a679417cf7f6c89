"""Shared fixtures. Tests that read ../shared/data carry the ``shared_data`` marker and skip
with a stated reason when it is absent (a user's clone); CI always has it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MINERALWATCH_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
VALIDATION = SHARED / "validation"
SEEDS = SHARED / "seeds"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"../shared/data not found at {DATA} (a user's clone has "
                            "no shared data; CI does). Set MINERALWATCH_SHARED to run these.")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture()
def wh(tmp_path: Path):
    """An empty warehouse in a temporary file."""
    import mineralwatch as mw

    w = mw.open(tmp_path / "wh.duckdb")
    yield w
    w.close()


@pytest.fixture(autouse=True)
def _isolated_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real warehouse from a test."""
    monkeypatch.setenv("MINERALWATCH_WAREHOUSE", str(tmp_path / "default.duckdb"))


@pytest.fixture()
def no_semantic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search and briefings without the optional semantic model (BM25 only)."""
    monkeypatch.setenv("MINERALWATCH_SEMANTIC", "0")


def ingest_feed(wh, tmp_path: Path, docs: list[dict]):  # type: ignore[no-untyped-def]
    """Write ``docs`` as a JSON-lines feed and ingest it into ``wh``; returns ``wh``."""
    import json

    from mineralwatch.documents.ingest import ingest_documents

    f = tmp_path / "feed.jsonl"
    f.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), encoding="utf-8")
    assert ingest_documents(wh, [f]).ok
    return wh
