"""The ``shock`` and ``screen`` commands: JSON shapes and readable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mineralwatch.analytics.screening.synthetic import restriction_case
from mineralwatch.cli import main
from mineralwatch.store import SourceInfo


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    import mineralwatch as mw

    case = restriction_case(7, n_third=10)
    path = tmp_path / "wh.duckdb"
    with mw.open(path) as wh:
        annual = case.trade.assign(period=case.trade["period"].str[:4]).groupby(
            ["period", "hs6", "hs_revision", "exporter", "importer", "reporter_side",
             "quantity_unit"], as_index=False)[["value_usd", "quantity"]].sum()
        wh.ingest({"trade": case.trade, "production": case.production},
                  SourceInfo("m", "test", "m", checksum="1", loader_version="1"))
        wh.ingest({"trade": annual}, SourceInfo("a", "test", "a", checksum="2",
                                                loader_version="1"))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_shock_json(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "shock", "--mineral", "antimony", "--exporter", "CHN", "--cut",
                       "0.5", "--targets", "USA", "--year", "2023", "--format", "json",
                       "-w", str(warehouse))
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"mineral", "shock", "rounds", "conserved", "countries"}
    assert doc["conserved"] and doc["countries"][0]["country"] == "USA"
    assert set(doc["countries"][0]) >= {"country", "loss_t", "loss_pct", "stock_drawn_t"}
    code, out, _ = run(capsys, "shock", "--mineral", "antimony", "--exporter", "CHN", "--cut",
                       "0.5", "--model", "threshold", "--stocks", "USA=10", "-w",
                       str(warehouse))
    assert code == 0 and "USA" in out
    code, _, err = run(capsys, "shock", "--mineral", "antimony", "--exporter", "CHN", "--cut",
                       "0.5", "--stocks", "USA=lots", "-w", str(warehouse))
    assert code == 2 and "USA=lots" in err


def test_screen_transshipment_json(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "screen", "transshipment", "--restrictor", "CHN", "--target",
                       "USA", "--hs", "282580", "--since", "2024-12-03", "--format", "json",
                       "-w", str(warehouse))
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"restrictor", "target", "hs", "since", "candidates"}
    scores = [c["score"] for c in doc["candidates"]]
    assert scores == sorted(scores, reverse=True) and doc["candidates"][0]["flagged"]
    assert set(doc["candidates"][0]) >= {"country", "score", "flagged", "evidence"}
    code, out, _ = run(capsys, "screen", "transshipment", "--restrictor", "CHN", "--target",
                       "USA", "--hs", "282580", "--since", "2024-12-03", "-w", str(warehouse))
    assert code == 0 and "FLAG" in out


def test_screen_impact_json_and_errors(warehouse: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "screen", "impact", "--actor", "CHN", "--hs", "282580",
                       "--date", "2024-12-03", "--format", "json", "-w", str(warehouse))
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"event", "effects", "total"}
    assert set(doc["effects"][0]) >= {"partner", "before", "after", "change_pct", "p_value",
                                      "significant"}
    code, _, err = run(capsys, "screen", "impact", "--event", "nope", "-w", str(warehouse))
    assert code == 2 and "No policy event 'nope'" in err
    code, _, err = run(capsys, "screen", "transshipment", "--restrictor", "PER", "--target",
                       "USA", "--hs", "282580", "--since", "2024-12", "-w", str(warehouse))
    assert code == 2 and "PER has no monthly exports" in err


def test_report_fragment_is_escaped(warehouse: Path) -> None:
    import mineralwatch as mw
    from mineralwatch.reports.sections import trade

    with mw.open(warehouse, read_only=True) as wh:
        html = trade.render(wh, [("CHN", "USA", ("282580",), "2024-12-03")])
    assert "<svg" in html and "flagged" in html and "<script" not in html
    fake = {"restrictor": "<b>", "target": "USA", "hs": ["1"], "since": "2024-12",
            "status": "nothing found", "missing": [], "notes": ["<script>x</script>"],
            "candidates": []}
    frag = trade.transshipment_fragment(fake)
    assert "&lt;b&gt;" in frag and "&lt;script&gt;" in frag and "<script>" not in frag


def test_screen_transshipment_nothing_found_is_said_plainly(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import mineralwatch as mw

    case = restriction_case(3, n_third=8, n_transit=0, n_producers=0, n_decoys=0)
    path = tmp_path / "clean.duckdb"
    with mw.open(path) as wh:
        wh.ingest({"trade": case.trade, "production": case.production},
                  SourceInfo("m", "test", "m", checksum="1", loader_version="1"))
    code, out, err = run(capsys, "screen", "transshipment", "--restrictor", "CHN", "--target",
                         "USA", "--hs", "282580", "--since", "2024-12", "-w", str(path))
    assert code == 1
    assert "Nothing found" in err and "screened" in err
    assert " 0.00 " not in out  # no table of zero scores
    code, out, _ = run(capsys, "screen", "transshipment", "--restrictor", "CHN", "--target",
                       "USA", "--hs", "282580", "--since", "2024-12", "-w", str(path),
                       "--format", "json")
    assert code == 1 and json.loads(out)["status"] == "nothing found"
