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
    import mineralwatch as mw

    blocker = tmp_path / "file"
    blocker.write_text("x")
    mw.open(tmp_path / "w.duckdb").close()
    code = main(["report", "--out", str(blocker / "report"), "--warehouse",
                 str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and str(blocker) in err


def test_optimize_command_clusters_trade(capsys, tmp_path):
    import pandas as pd

    from mineralwatch.store import SourceInfo, Warehouse

    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        assert main(["optimize", "--warehouse", str(path)]) == 0
        assert "Nothing to rewrite" in capsys.readouterr().out
        trade = pd.DataFrame({"period": "2024", "hs6": "282580", "hs_revision": "HS2022",
                              "exporter": ["THA", "CHN", "MEX"], "importer": "USA",
                              "reporter_side": "import", "value_usd": 1.0, "quantity": 1.0,
                              "quantity_unit": "t"})
        wh.ingest({"trade": trade}, SourceInfo("t", "comtrade", "t", checksum="1",
                                               loader_version="1"))
    assert main(["optimize", "--warehouse", str(path)]) == 0
    assert "3 rows rewritten" in capsys.readouterr().out
    with Warehouse(path, read_only=True) as wh:
        assert wh.sql("SELECT exporter FROM trade ORDER BY rowid")["exporter"].tolist() == [
            "CHN", "MEX", "THA"]


def test_table_cells_are_data_not_markup(capsys):
    from mineralwatch.cli._common import Format, emit

    emit([{"cite": "[report:3]", "value": 0.123456, "n": 7}], Format.table,
         formats={"value": ".2f"}, labels={"n": "count"})
    out = capsys.readouterr().out
    assert "[report:3]" in out and "0.12" in out and "0.1235" not in out and "count" in out


def test_reading_commands_refuse_a_missing_warehouse(capsys, tmp_path):
    """A mistyped --warehouse is an error naming the path, not an empty answer, and no
    file or folder is created."""
    missing = tmp_path / "typo" / "w.duckdb"
    for cmd in (["sources"], ["concentration", "-m", "cobalt"], ["criticality"],
                ["events"], ["docs", "search", "gallium"], ["brief", "gallium"],
                ["report", "--out", str(tmp_path / "r")], ["optimize"]):
        assert main([*cmd, "--warehouse", str(missing)]) == 2, cmd
        err = capsys.readouterr().err
        assert "No warehouse at" in err and str(missing) in err and "init" in err, cmd
    assert not (tmp_path / "typo").exists() and not (tmp_path / "r").exists()
