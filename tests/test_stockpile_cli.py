"""``mineralwatch stockpile optimize`` and ``mineralwatch plan`` through ``cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer

import mineralwatch as mw
import mineralwatch.cli as cli

EXAMPLE = str(mw.stockpile_example_path())


@pytest.fixture()
def run(monkeypatch: pytest.MonkeyPatch):
    """``cli.main`` with only the stockpile commands registered (on a fresh app), so that
    these tests do not depend on other topics' command modules."""
    monkeypatch.setattr(cli, "app", typer.Typer(no_args_is_help=True,
                                                pretty_exceptions_enable=False))
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["stockpile"])
    monkeypatch.setattr(cli, "_loaded", False)
    return cli.main


def test_optimize_json_shape(run, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["stockpile", "optimize", "--config", EXAMPLE, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["plan"][0]) >= {"mineral", "stock_t", "cost"}
    assert out["budget"] == 250_000_000
    for key in ("expected_shortfall_t", "expected_shortfall_cost"):
        assert isinstance(out[key], float)
    assert {"rule", "expected_shortfall_t", "expected_shortfall_cost"} <= set(out["baselines"][0])


def test_optimize_table_and_csv(run, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["stockpile", "optimize", "--config", EXAMPLE]) == 0
    out = capsys.readouterr().out
    assert "cobalt" in out and "korea_100" in out and "Marginal" in out
    assert run(["stockpile", "optimize", "--config", EXAMPLE, "-f", "csv"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head.startswith("strategy,mineral,stock_t,cost")


def test_optimize_bad_config_exit_code(run, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("budget_usd: -1\nminerals: []\n", encoding="utf-8")
    assert run(["stockpile", "optimize", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "budget_usd" in err and "minerals" in err and "bad.yaml" in err


def test_plan_writes_html(run, tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    assert run(["plan", "--scenario", EXAMPLE, "--out", str(out), "--id",
                "andean_copper_strikes"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "andean_copper_strikes" in text and "copper" in text and "<table>" in text


def test_plan_unknown_scenario_lists_the_ids(run, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "--scenario", EXAMPLE, "--out", str(tmp_path / "p.md"), "--id",
                "nope"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "cod_cobalt_export_quota" in err
    assert not (tmp_path / "p.md").exists()
