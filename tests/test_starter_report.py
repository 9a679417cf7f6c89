"""The built-in starter dataset, `mineralwatch init`, the offline report and the README."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import mineralwatch as mw
from mineralwatch.cli import main
from mineralwatch.store.starter import manifest

ROOT = Path(__file__).resolve().parents[1]


def test_manifest_records_provenance_of_every_starter_file():
    m = manifest()
    kinds = {s["kind"] for s in m["sources"]}
    assert {"usgs-mcs", "eu-crm-shares", "wgi"} <= kinds
    for s in m["sources"]:
        assert s["raw_checksum"] and s["publisher"] and s["licence"] and s["files"]
        assert s["raw_file"].startswith("shared/data/")


def test_init_builds_warehouse_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "wh.duckdb"
    assert main(["init", "--warehouse", str(path)]) == 0
    with mw.open(path) as wh:
        counts = {t: wh.count(t) for t in ("production", "reserves", "supply_share",
                                           "governance", "policy_event", "source")}
    assert counts["production"] > 1000 and counts["policy_event"] >= 15
    assert main(["init", "--warehouse", str(path)]) == 0
    assert "0 rows written" in capsys.readouterr().out.replace(",", "")
    with mw.open(path) as wh:
        assert {t: wh.count(t) for t in counts} == counts
    capsys.readouterr()
    assert main(["sources", "--warehouse", str(path)]) == 0
    table = capsys.readouterr().out
    assert "usgs-mcs" in table and "ingested" in table and "loader_version" not in table
    assert main(["sources", "--warehouse", str(path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(r["path"] and r["loader_version"] for r in rows)  # full provenance in JSON


def test_example_warehouse_answers_the_readme_question():
    wh = mw.load_example()
    df = mw.concentration(wh, mineral="cobalt", stage="mine", year=2024)
    row = df.iloc[0]
    # USGS MCS 2025: DR Congo 220,000 t of 290,000 t world cobalt mine production (2024e)
    assert row["top1_country"] == "COD"
    assert row["top1_share"] == pytest.approx(220000 / 290000, rel=1e-9)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.refs.append((tag, v))


def test_report_is_self_contained(tmp_path):
    wh = mw.load_example()
    from mineralwatch.reports.html import build_report

    index = build_report(wh, tmp_path / "report", minerals_=["cobalt", "rare earths",
                                                               "gallium"])
    pages = [index, *sorted((tmp_path / "report" / "minerals").glob("*.html"))]
    assert {p.stem for p in pages[1:]} == {"cobalt", "rare_earths", "gallium"}
    for page in pages:
        html = page.read_text("utf-8")
        p = _Refs()
        p.feed(html)
        for tag, ref in p.refs:
            # only citation links (<a>) may point outside; nothing is loaded from a network
            assert tag == "a" or not re.match(r"^(https?:)?//", ref), (page, tag, ref)
        assert "<script" not in html
        anchors = set(re.findall(r'href="#([^"]+)"', html))
        assert anchors <= set(re.findall(r'id="([^"]+)"', html)), page  # no dead links
    assert 'href="#section-1"' in index.read_text("utf-8")  # the index has its contents
    cobalt = (tmp_path / "report" / "minerals" / "cobalt.html").read_text("utf-8")
    assert "<svg" in cobalt and "DR Congo" in cobalt
    assert "usgs-mcs:" in cobalt  # the concentration table names its source


def test_readme_python_quickstart_runs():
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has a Python quickstart"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
