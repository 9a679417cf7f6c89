"""``mineralwatch balance``, ``scenario compare|list|check`` and ``stress`` through
``mineralwatch.cli.main``; the command set is limited to this capability's module so that
these tests do not depend on other commands being importable."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer

import mineralwatch.cli as cli
from mineralwatch.cli.balance import parse_cuts
from mineralwatch.errors import InputError
from test_balance_support import ingest_production


@pytest.fixture()
def main(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cli, "app", typer.Typer(no_args_is_help=True, add_completion=False,
                                                pretty_exceptions_enable=False))
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["balance"])
    monkeypatch.setattr(cli, "_loaded", False)
    monkeypatch.setenv("COLUMNS", "1000")          # rich must not wrap error lines
    return cli.main


def test_balance_json_follows_the_documented_shape(main, capsys) -> None:
    assert main(["balance", "--scenario", "cobalt_seed", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["mineral"], out["unit"]) == ("cobalt", "t")
    assert out["scenario"] == "Seed cobalt case (DR Congo quota)"
    assert [(y["year"], y["balance"]) for y in out["years"]] == [
        (2025, -122000.0), (2026, -88200.0), (2027, -97200.0)]
    assert all(set(y) == {"year", "supply", "demand", "balance"} for y in out["years"])


def test_balance_with_draws_years_and_seed(main, capsys) -> None:
    argv = ["balance", "-m", "cobalt", "-s", "cobalt_drc_quota", "--years", "2026-2028",
            "--draws", "200", "--seed", "3", "--format", "json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert [y["year"] for y in first["years"]] == [2026, 2027, 2028]
    for y in first["years"]:
        assert y["p10"] <= y["p50"] <= y["p90"]
        assert 0 <= y["p_deficit"] <= 1
    assert first["draws"] == 200 and first["seed"] == 3


def test_balance_table_and_csv(main, capsys) -> None:
    assert main(["balance", "-s", "tungsten_seed"]) == 0
    assert "-2,301" in capsys.readouterr().out
    assert main(["balance", "-s", "tungsten_seed", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "year,supply,demand,balance,withheld"
    assert lines[1] == "2025,85054.0,87355.0,-2301.0,0.0"


def test_errors_exit_2_with_file_and_field(main, capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmineral: cobalt\nyears: 2025\nsupply:\n"
                   "  - {country: COD, production: {dist: normal, mean: 5, sd: -1}}\n")
    assert main(["balance", "-s", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "supply[0].production.value.sd" in err and "line 5" in err
    assert main(["balance", "-m", "unobtainium"]) == 2
    assert "unobtainium" in capsys.readouterr().err
    assert main(["balance"]) == 2
    assert "--mineral" in capsys.readouterr().err
    assert main(["balance", "-s", "cobalt_seed", "--years", "2030-2025"]) == 2
    assert "Bad years" in capsys.readouterr().err


def test_scenario_compare(main, capsys) -> None:
    assert main(["scenario", "compare", "cobalt_seed", "cobalt_drc_quota", "--format",
                 "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    seed = [r for r in rows if r["scenario"].startswith("Seed")]
    assert [r["delta_balance"] for r in seed] == [0.0, 0.0, 0.0]
    quota = {r["year"]: r for r in rows if r["scenario"].startswith("DR Congo")}
    assert quota[2025]["delta_balance"] == pytest.approx(quota[2025]["balance"] + 122000)
    assert quota[2028]["delta_balance"] is None           # no reference year


def test_scenario_list_and_check(main, capsys, tmp_path: Path) -> None:
    assert main(["scenario", "list", "--format", "json"]) == 0
    names = {r["name"] for r in json.loads(capsys.readouterr().out)}
    assert {"cobalt_seed", "tungsten_seed", "gallium_china_licensing",
            "nickel_indonesia_ore_ban", "cobalt_drc_quota"} <= names
    good = tmp_path / "g.yaml"
    good.write_text("name: g\nmineral: cobalt\nyears: 2025\nsupply:\n"
                    "  - {country: COD, production: 1}\npolicies:\n"
                    "  - {type: export_quota, country: COD, quantity: 1}\n"
                    "  - {type: export_quota, country: COD, share: 0.5}\n")
    assert main(["scenario", "check", str(good)]) == 2
    assert "overlaps policies[0]" in capsys.readouterr().err


def test_stress_command(main, capsys, wh) -> None:
    ingest_production(wh, [("cobalt", "mine", "COD", 2024, 220000),
                           ("cobalt", "mine", "WLD", 2024, 290000),
                           ("gallium", "refinery", "CHN", 2024, 750),
                           ("gallium", "refinery", "WLD", 2024, 760)])
    path = str(wh.path)
    wh.close()
    assert main(["stress", "--cuts", "50,100", "--format", "json", "-w", path]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["cut"], r["rank"], r["mineral"]) for r in rows] == [
        (50.0, 1, "gallium"), (50.0, 2, "cobalt"), (100.0, 1, "gallium"),
        (100.0, 2, "cobalt")]
    # the terminal table: a row per mineral, a column per cut (deficit in % of demand)
    assert main(["stress", "--cuts", "50,100", "-w", path]) == 0
    out = capsys.readouterr().out
    assert "50% cut" in out and "100% cut" in out
    lines = [ln for ln in out.splitlines() if "gallium" in ln or "cobalt" in ln]
    assert len(lines) == 2 and "gallium" in lines[0]  # ranked by the largest cut
    assert "49.3" in lines[0] and "98.7" in lines[0]  # 750/760 of demand, halved and whole
    assert "37.9" in lines[1] and "75.9" in lines[1]  # 220,000/290,000
    assert main(["stress", "--cuts", "150", "-w", path]) == 2


def test_stress_table_empty_and_single_cut() -> None:
    from mineralwatch.cli.balance import stress_table

    empty = pd.DataFrame(columns=["cut", "mineral", "stage", "year", "supplier",
                                  "supplier_share", "deficit_share"])
    assert stress_table(empty)[0].empty
    one = pd.DataFrame([{"cut": 25.0, "mineral": "tin", "stage": "mine", "year": 2024,
                         "supplier": "CHN", "supplier_share": 0.3, "deficit_share": 0.075}])
    table, formats = stress_table(one)
    assert list(table.columns) == ["mineral", "stage", "year", "supplier", "share %", "25% cut"]
    assert table.loc[0, "25% cut"] == pytest.approx(7.5) and formats["25% cut"] == ".1f"


def test_parse_cuts() -> None:
    assert parse_cuts("10, 30,50%,100") == [10.0, 30.0, 50.0, 100.0]
    for bad in ("", "x", "-5", "101"):
        with pytest.raises(InputError):
            parse_cuts(bad)


def test_suspension_notes_in_json_and_table(main, capsys, tmp_path: Path) -> None:
    import os

    from mineralwatch.store import Warehouse
    from mineralwatch.store.starter import ingest_starter

    with Warehouse(os.environ["MINERALWATCH_WAREHOUSE"]) as wh:
        ingest_starter(wh)
    path = tmp_path / "ga.yaml"
    path.write_text("name: ga\nmineral: gallium\nyears: 2024-2028\nsupply:\n"
                    "  - {country: CHN, production: 1000, destinations: {USA: 0.2}}\n"
                    "demand:\n  - {sector: all, quantity: 900}\npolicies:\n"
                    "  - {event: chn-mofcom-2024-46-ban}\n", encoding="utf-8")
    assert main(["balance", "-s", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "suspension chn-mofcom-2025-72-ban" in out["notes"][0]
    assert main(["balance", "-s", str(path)]) == 0
    assert "note" in capsys.readouterr().out
    assert main(["balance", "--scenario", "cobalt_seed", "--format", "json"]) == 0
    assert "notes" not in json.loads(capsys.readouterr().out)
