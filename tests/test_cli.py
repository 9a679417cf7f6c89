"""The command line as a whole: help, usage errors, the minerals listing, error exit codes."""

from __future__ import annotations

import json

from mineralwatch.cli import COMMAND_MODULES, main


def test_help_lists_every_command_module(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("init", "ingest", "concentration", "criticality", "balance", "stress", "shock",
                "screen", "stockpile", "docs", "brief", "events", "report", "serve"):
        assert cmd in out, cmd
    assert len(COMMAND_MODULES) >= 10


def test_usage_error_exits_2_without_traceback(capsys):
    assert main(["concentration", "--stage", "moon"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "moon" in err


def test_unknown_mineral_is_a_readable_error(capsys, tmp_path):
    code = main(["concentration", "--mineral", "unobtainium", "--warehouse",
                 str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "unobtainium" in err and "Traceback" not in err


def test_minerals_listing_json(capsys):
    assert main(["minerals", "--search", "镓", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["gallium"]
    assert "811292" in rows[0]["hs6"]


def test_ingest_missing_file_names_the_path(capsys, tmp_path):
    code = main(["ingest", "usgs-mcs", str(tmp_path / "nope.csv"), "--warehouse",
                 str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "nope.csv" in err


def test_unwritable_output_is_a_readable_error(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["report", "--out", str(blocker / "report"), "--warehouse",
                 str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and str(blocker) in err
