"""``mineralwatch concentration``: JSON shape (docs/json.md), table and CSV output, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import mineralwatch as mw
from mineralwatch.cli import concentration as cli_concentration
from mineralwatch.store import SourceInfo


@pytest.fixture()
def app() -> typer.Typer:
    a = typer.Typer()
    cli_concentration.register(a)

    @a.command("noop")
    def _noop() -> None:  # a second command keeps typer in multi-command mode
        pass

    return a


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    rows = [("COD", 170_000.0), ("IDN", 28_000.0), ("RUS", 8_700.0), ("XOT", 13_300.0),
            ("WLD", 220_000.0)]
    df = pd.DataFrame([{"mineral": "cobalt", "stage": "mine", "country": c, "year": 2024,
                        "quantity": q, "unit": "t", "basis": "content", "estimated": False,
                        "note": None} for c, q in rows])
    with mw.open(path) as wh:
        wh.ingest({"production": df}, SourceInfo("usgs-mcs:t.csv", "usgs-mcs", "t.csv",
                                                 "x", "test"))
    return path


def test_json_records(app: typer.Typer, warehouse: Path) -> None:
    res = CliRunner().invoke(app, ["concentration", "--mineral", "cobalt", "--format", "json",
                                   "--warehouse", str(warehouse)])
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    assert isinstance(records, list) and len(records) == 1
    r = records[0]
    for key in ("mineral", "stage", "year", "hhi", "n_producers", "top1_country",
                "top1_share", "top3_share", "top5_share", "n1_gap", "shares", "units",
                "source_id"):
        assert key in r, key
    assert r["top1_country"] == "COD" and r["top1_share"] == pytest.approx(170 / 220)
    assert r["shares"][0] == {"country": "COD", "share": pytest.approx(170 / 220)}
    assert all(0 <= d["share"] <= 1 for d in r["shares"])
    assert r["units"]["hhi"] == "HHI (0-10,000)"
    assert r["governance_weighted_hhi"] is None


def test_table_and_csv(app: typer.Typer, warehouse: Path) -> None:
    res = CliRunner().invoke(app, ["concentration", "-m", "cobalt", "-w", str(warehouse)])
    assert res.exit_code == 0, res.output
    assert "77.3%" in res.stdout and "COD" in res.stdout
    csv = CliRunner().invoke(app, ["concentration", "-m", "cobalt", "-f", "csv", "-w",
                                   str(warehouse)])
    assert csv.stdout.splitlines()[0].startswith("mineral,stage,year,hhi")


def test_unknown_mineral_is_a_typed_error(app: typer.Typer, warehouse: Path) -> None:
    res = CliRunner().invoke(app, ["concentration", "-m", "cobolt", "-w", str(warehouse)])
    assert res.exit_code != 0
    assert isinstance(res.exception, mw.UnknownCodeError)
    assert "cobalt" in str(res.exception)


def test_default_stage_follows_the_mineral(app: typer.Typer, tmp_path: Path) -> None:
    """Gallium is not mined: without --stage the command uses its refinery data."""
    assert cli_concentration.default_stage(None) == "mine"
    assert cli_concentration.default_stage("cobalt") == "mine"
    assert cli_concentration.default_stage("Gallium") == "refinery"
    assert cli_concentration.default_stage("magnesium") == "smelter"
    path = tmp_path / "ga.duckdb"
    df = pd.DataFrame([{"mineral": "gallium", "stage": "refinery", "country": c, "year": 2024,
                        "quantity": q, "unit": "t", "basis": "content", "estimated": False,
                        "note": None} for c, q in (("CHN", 750.0), ("JPN", 3.0),
                                                   ("WLD", 760.0))])
    with mw.open(path) as wh:
        wh.ingest({"production": df}, SourceInfo("usgs-mcs:g.csv", "usgs-mcs", "g.csv",
                                                 "x", "test"))
    res = CliRunner().invoke(app, ["concentration", "-m", "gallium", "-f", "json", "-w",
                                   str(path)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["stage"] == "refinery"
    res = CliRunner().invoke(app, ["concentration", "-m", "gallium", "-s", "mine", "-w",
                                   str(path)])
    assert isinstance(res.exception, mw.NotFoundError)  # asked for explicitly: no fallback
