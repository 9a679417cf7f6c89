"""Claims and contradictions, briefings, event review, the report section (issue 6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import mineralwatch as mw
from conftest import SEEDS, ingest_feed
from mineralwatch.cli import main
from mineralwatch.documents.brief import Briefing, Point
from mineralwatch.documents.claims import find_conflicts
from mineralwatch.documents.ingest import ingest_documents

FEED = [
    {"id": "a", "published": "2025-03-01",
     "text": "By 2024 China held 44 million tonnes of rare earth reserves, accounting for "
             "48.41% of the world total. On February 4, 2025, the Ministry of Commerce "
             "imposed export controls on tungsten and indium."},
    {"id": "b", "published": "2025-07-13",
     "text": "China holds a dominant position in the rare earth market, with 37% of global "
             "reserves. Rare earth prices rose 5% as supply tightened."},
    {"id": "c", "published": "2025-07-14",
     "text": "<script>alert(1)</script> Rare earth magnet exports from China fell 10% in "
             "June, analysts said."},
]


pytestmark = pytest.mark.usefixtures("no_semantic")


@pytest.fixture()
def feed_wh(wh: mw.Warehouse, tmp_path: Path) -> mw.Warehouse:
    return ingest_feed(wh, tmp_path, FEED)


def test_conflict_between_documents(feed_wh: mw.Warehouse) -> None:
    out = mw.claims(feed_wh)
    (c,) = [c for c in out["conflicts"] if c["measure"] == "reserves_share"]
    assert c["country"] == "CHN" and c["mineral"] == "rare_earths"
    assert sorted((v["value"], v["doc_id"]) for v in c["values"]) == [(37.0, "b"),
                                                                      (48.41, "a")]
    assert all({"value", "unit", "doc_id", "passage"} <= set(v) for v in c["values"])


def test_find_conflicts_tolerance_and_years() -> None:
    base = {"measure": "production", "mineral": "cobalt", "country": "COD", "unit": "t",
            "passage": 0, "start": 0, "end": 1, "text": "x"}
    df = pd.DataFrame([{**base, "value": 220_000, "year": "2024", "doc_id": "a"},
                       {**base, "value": 221_000, "year": "2024", "doc_id": "b"},
                       {**base, "value": 170_000, "year": "2023", "doc_id": "c"}])
    assert find_conflicts(df) == []            # within 5%, and different years
    df.loc[1, "value"] = 150_000
    assert len(find_conflicts(df)) == 1


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not found at {SEEDS}")
def test_seed_contradiction_reported(wh: mw.Warehouse, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    ingest_documents(wh, [SEEDS / "001_ca804dea9f8895e5.txt",
                          SEEDS / "004_247b86967a0385f0.txt"])
    path = str(wh.path)
    wh.close()
    assert main(["docs", "claims", "-w", path, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    facts = [c for c in out["conflicts"] if c["measure"] == "reserves_share"
             and c["country"] == "CHN" and c["mineral"] == "rare_earths"]
    assert facts and {v["value"] for v in facts[0]["values"]} == {48.41, 37.0}
    assert main(["docs", "claims", "-w", path, "--conflicts"]) == 0
    table = capsys.readouterr().out  # citations as briefings write them (maybe wrapped)
    assert table.count("[001_ca804") == 1 and table.count("[004_247b8") == 1
    assert main(["docs", "claims", "-w", path, "--conflicts", "-f", "csv"]) == 0
    assert "doc_id,passage" in capsys.readouterr().out


def test_brief_markdown_and_html(feed_wh: mw.Warehouse) -> None:
    b = mw.brief(feed_wh, "rare earths")
    md = b.to_markdown()
    assert "## Core viewpoint" in md and ("[a:0]" in md or "[b:0]" in md)
    every_bullet = [ln for ln in md.splitlines() if ln.startswith("- ")]
    assert every_bullet and all(re.search(r"\[[abc]:0\]$", ln) for ln in every_bullet
                                if not ln.startswith("- 20") and "undated" not in ln)
    assert "48.41" in md or "37" in md  # key figures
    h = b.to_html()
    assert "<script>" not in h and "&lt;script&gt;" in h
    since = mw.brief(feed_wh, "rare earths", since="2025-07-01")
    points = [*since.core, *(p for g in since.groups.values() for p in g)]
    cited = {d for p in points for d, _ in p.citations}
    assert "a" not in cited


def test_html_escapes_everything() -> None:
    b = Briefing("<b>x</b>", None, core=[Point("a < b & c", [("d<1>", 0)])])
    h = b.to_html()
    assert "<b>x</b>" not in h and "a &lt; b &amp; c" in h and "d&lt;1&gt;" in h


def test_extracted_events_listed_and_reviewed(feed_wh: mw.Warehouse,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = str(feed_wh.path)
    feed_wh.close()
    assert main(["events", "--status", "extracted", "-w", path, "--format", "json"]) == 0
    events = json.loads(capsys.readouterr().out)
    (ev,) = [e for e in events if e["measure"] == "export_licence_dual_use"]
    assert ev["actor"] == "CHN" and set(ev["minerals"]) == {"tungsten", "indium"}
    assert ev["citations"][0]["doc_id"] == "a"
    assert {"doc_id", "passage", "start", "end"} <= set(ev["citations"][0])
    assert main(["events", "confirm", ev["id"], "-w", path]) == 0
    assert main(["events", "--status", "confirmed", "-w", path, "--format", "json"]) == 0
    assert ev["id"] in {e["id"] for e in json.loads(capsys.readouterr().out)}
    assert main(["events", "reject", ev["id"], "-w", path]) == 0
    assert main(["events", "frobnicate", ev["id"], "-w", path]) == 2


def test_review_survives_reingest(feed_wh: mw.Warehouse, tmp_path: Path) -> None:
    ev = feed_wh.sql("SELECT id FROM policy_event")["id"].iloc[0]
    feed_wh.con.execute("UPDATE policy_event SET status='confirmed' WHERE id=?", [ev])
    ingest_documents(feed_wh, [tmp_path / "feed.jsonl"], force=True)
    assert feed_wh.sql("SELECT status FROM policy_event WHERE id=?", [ev])["status"][0] == \
        "confirmed"


def test_cli_brief_and_report_section(feed_wh: mw.Warehouse, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from mineralwatch.reports.sections import documents as section

    html = section.render(feed_wh)
    assert "mw-briefing" in html and "<script>" not in html
    path = str(feed_wh.path)
    feed_wh.close()
    out = tmp_path / "b.html"
    assert main(["brief", "rare earths", "-w", path, "--format", "html", "--out",
                 str(out)]) == 0
    assert out.read_text().startswith('<section class="mw-briefing">')
    assert main(["brief", "稀土", "-w", path]) == 0
    assert "# Briefing: 稀土" in capsys.readouterr().out


def test_brief_events_match_the_topic_and_cite_readably(feed_wh: mw.Warehouse) -> None:
    from mineralwatch.sources.events import register_path
    from mineralwatch.store.ingest import ingest_file

    ingest_file(feed_wh, "events", register_path())
    ga = mw.brief(feed_wh, "gallium")
    assert ga.events and all({"gallium"} & set(e["minerals"]) for e in ga.events)
    md = ga.to_markdown()
    assert "None" not in md.split("## Timeline")[1]
    assert "商务部公告2024年第46号" in md and "export prohibition" in md  # official source
    idn = mw.brief(feed_wh, "Indonesia")
    assert idn.events and {e["actor"] for e in idn.events} == {"IDN"}
    # a theme without minerals or countries: the events of the documents it cites
    theme = mw.brief(feed_wh, "export controls")
    cited = {d for p in [*theme.core, *(q for g in theme.groups.values() for q in g)]
             for d, _ in p.citations}
    assert all(any(f"[{d}:" in e["cite"] for d in cited) for e in theme.events)


def test_citation_labels() -> None:
    from mineralwatch.schema import citation_label

    assert citation_label({"doc_id": "a.txt", "passage": 3}) == "[a.txt:3]"
    assert citation_label({"doc_id": "seed"}) == "[seed]"
    assert citation_label({"publisher": "MOFCOM", "document": "No. 46", "date": "2024-12-03"}
                          ) == "No. 46 (MOFCOM, 2024-12-03)"
    assert citation_label({"url": "https://www.reuters.com/x"}) == "reuters.com"
    assert citation_label({"publisher": "USGS"}) == "USGS" and citation_label("note") == "note"
    assert citation_label({}) == "source"
