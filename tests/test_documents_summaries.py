"""Per-document summaries, topic briefings and the optional model (issue 14).

The documents are news-style texts written for these tests around the facts the issue
names (DRC cobalt quotas of 18,125 t for Q4 2025 and 96,600 t a year for 2026-27; the
December 2024 US export ban and its suspension; the same 3,834 t dated differently by
two outlets), in English, Chinese and French. The model tests run a real HTTP server on
127.0.0.1 that speaks the OpenAI chat-completions protocol.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import mineralwatch as mw
from conftest import ingest_feed
from mineralwatch.cli import main
from mineralwatch.documents import points
from mineralwatch.documents.chat import ChatModel
from mineralwatch.documents.grounding import grounded
from mineralwatch.documents.summary import summarize

COBALT_EN = "\n".join([
    "DRC sets cobalt export quotas after eight-month ban",
    "Reuters · 2025-10-11 09:30",
    "The Democratic Republic of the Congo will allow 18,125 tonnes of cobalt exports "
    "in the fourth quarter of 2025 and 96,600 tonnes a year in 2026 and 2027, "
    "ARECOMS said on Saturday.",
    "The quotas replace the export ban imposed in February 2025 and extended in June.",
    "Market reaction",
    "Cobalt hydroxide prices rose 4% in London after the announcement.",
    "Traders expect the quota to tighten supply of cobalt to Chinese refiners well "
    "into 2026.",
    "Who gets the quota",
    "Glencore and CMOC receive the largest shares of the cobalt quota, according to "
    "the decision.",
    "Smaller miners say the cobalt allocation favours incumbents.",
])

COBALT_ZH = "\n".join([
    "刚果（金）公布钴出口配额",
    "新华社 · 2025-10-12 08:00",
    "刚果（金）战略矿产市场监管局宣布，2026年和2027年钴出口配额为每年96,600吨。",
    "2025年第四季度的钴出口配额为18,125吨。",
])

COBALT_FR = "\n".join([
    "Cobalt : la RDC fixe des quotas",
    "La République démocratique du Congo (DRC) limitera ses exportations de cobalt à "
    "96 600 tonnes par an.",
])

ANTIMONY_A = "\n".join([
    "US imports of antimony oxide via Thailand and Mexico",
    "Sou Hu Cai Jing · 2025-07-13 05:44",
    "US imports of antimony oxide from Thailand and Mexico reached 3,834 tons from "
    "December 2023 to April 2024, after China's export controls.",
    "China banned antimony exports to the United States in December 2024.",
])

ANTIMONY_B = "\n".join([
    "Antimony transshipment under scrutiny",
    "Global Times · 2025-07-14 10:00",
    "US imports of antimony oxide from Thailand and Mexico reached 3,834 tons from "
    "December 2024 to April 2025, after China's export ban.",
    "China suspended the antimony export ban to the United States in November 2025.",
])

WINE = "\n".join([
    "Bordeaux harvest",
    "Le Monde · 2025-09-01 10:00",
    "Wine exports from Bordeaux rose 3% in August as demand from Asian buyers "
    "recovered.",
])

DOCS = [
    {"id": "co-en", "published": "2025-10-11", "language": "en", "text": COBALT_EN},
    {"id": "co-zh", "published": "2025-10-12", "language": "zh", "text": COBALT_ZH},
    {"id": "co-fr", "published": "2025-10-13", "language": "en", "text": COBALT_FR},
    {"id": "sb-a", "published": "2025-07-13", "language": "en", "text": ANTIMONY_A},
    {"id": "sb-b", "published": "2025-07-14", "language": "en", "text": ANTIMONY_B},
    {"id": "wine", "published": "2025-09-01", "language": "en", "text": WINE},
]

pytestmark = pytest.mark.usefixtures("no_semantic")


@pytest.fixture()
def docs_wh(wh: mw.Warehouse, tmp_path: Path) -> mw.Warehouse:
    return ingest_feed(wh, tmp_path, DOCS)


def _passage(wh: mw.Warehouse, doc: str, idx: int) -> str:
    return str(wh.sql('SELECT text FROM passage WHERE doc_id=? AND idx=?', [doc, idx])
               ["text"].iloc[0])


def _all_points_in_their_passages(wh: mw.Warehouse, pts: list[points.Point]) -> None:
    for p in pts:
        assert p.citations, p
        for d, i in p.citations:
            assert points.appears_in(p.text, _passage(wh, d, i)), (p.text, d, i)


def test_summary_core_groups_from_the_document(docs_wh: mw.Warehouse) -> None:
    s = summarize(docs_wh, "co-en")
    core = " ".join(p.text for p in s.core)
    assert 2 <= len(s.core) <= 3
    assert "18,125 tonnes" in core and "96,600 tonnes" in core   # the main development
    assert list(s.groups) == ["Market reaction", "Who gets the quota"]
    every = [*s.core, *(p for g in s.groups.values() for p in g)]
    texts = [p.text for p in every]
    assert not any("Reuters" in t or "eight-month ban" in t for t in texts)  # byline, title
    assert not any(t in ("Market reaction", "Who gets the quota") for t in texts)
    _all_points_in_their_passages(docs_wh, every)
    d = s.to_dict()
    assert set(d) == {"doc_id", "language", "title", "core", "groups", "notes"}
    assert set(d["core"][0]) == {"text", "citations", "language", "generated", "grounded"}
    assert d["core"][0]["generated"] is False and d["core"][0]["grounded"] is None


def test_summary_of_a_chinese_document_is_marked_and_glossed(docs_wh: mw.Warehouse) -> None:
    s = summarize(docs_wh, "co-zh")
    assert s.core and all(p.language == "zh" for p in s.core)
    glossed = dict(g for p in s.core for g in p.gloss)
    assert (glossed.get("钴") == "Cobalt" and "刚果（金）" in glossed) or "刚果(金)" in glossed
    md = s.to_markdown()
    assert "(zh) " in md and "钴 = Cobalt" in md
    with pytest.raises(mw.NotFoundError, match="No document"):
        summarize(docs_wh, "missing")


def test_brief_cobalt(docs_wh: mw.Warehouse) -> None:
    b = mw.brief(docs_wh, "cobalt")
    every = b.points()
    text = " ".join(p.text for p in every)
    assert "18,125" in text and "96,600" in text
    assert "wine" not in {d for p in every for d, _ in p.citations}      # off-topic
    assert not any("Reuters" in p.text or p.text == "Market reaction" for p in every)
    _all_points_in_their_passages(docs_wh, every)
    zh = [p for p in every if p.language == "zh"]
    assert zh and all(p.gloss for p in zh)
    assert "(zh) " in b.to_markdown()
    # figures are the claims of the shown points (consistent with them)
    shown = {(p.citations[0], n) for p in every for n in points.numbers(p.text)}
    for f in b.figures:
        assert any(c == (f["doc_id"], f["passage"]) for c, _ in shown), f
    d = b.to_dict()
    assert {"core", "groups", "timeline", "figures", "contradictions"} <= set(d)


def test_brief_flags_dates_and_keeps_distinct_figures(docs_wh: mw.Warehouse) -> None:
    b = mw.brief(docs_wh, "antimony")
    dates = [c for c in b.contradictions if c["kind"] == "dates"]
    assert dates and dates[0]["fact"] == "the figure 3834"
    assert {v["doc_id"] for v in dates[0]["values"]} == {"sb-a", "sb-b"}
    says = {v["says"] for v in dates[0]["values"]}
    assert says == {"2023-12 to 2024-04", "2024-12 to 2025-04"}
    # the two 3,834 t sentences differ in their dates: not merged into one point
    pts = [p for p in b.points() if "3,834" in p.text]
    assert len(pts) == 2
    assert "## Contradictions" in b.to_markdown()


def test_merge_only_when_equal_in_substance() -> None:
    from mineralwatch.documents.brief import merge

    a = points.make("The DRC set a cobalt quota of 96,600 tonnes a year.", "x", 0, 2.0)
    b = points.make("The DRC set a cobalt quota of 96,600 tonnes a year!", "y", 0, 1.0)
    c = points.make("The DRC set a cobalt quota of 86,600 tonnes a year.", "z", 0, 1.0)
    out = merge([a, b, c])
    assert len(out) == 2
    assert out[0].citations == [("x", 0), ("y", 0)]


def test_timeline_marks_register_and_extracted(docs_wh: mw.Warehouse) -> None:
    from mineralwatch.sources.events import register_path
    from mineralwatch.store.ingest import ingest_file

    ingest_file(docs_wh, "events", register_path())
    tl = mw.brief(docs_wh, "antimony").timeline
    origins = {e["origin"] for e in tl}
    assert origins == {"register", "extracted"}
    dated = [e["date"] for e in tl if e["date"]]
    assert dated == sorted(dated)
    assert any(e["date"] == "2024-12-03" and e["measure"] == "export_prohibition"
               for e in tl)


def test_grounding_check() -> None:
    src = ["刚果（金）2026年钴出口配额为9.66万吨。"]
    assert grounded("The DRC's 2026 cobalt quota is 96,600 t.", src) == (True, [])
    ok, missing = grounded("China's 2026 cobalt quota is 96,600 t.", src)
    assert not ok and missing == ["country CHN"]
    ok, missing = grounded("The DRC's 2027 cobalt quota is 86,600 t.", src)
    assert not ok and "number 86600" in missing and "number 2027" in missing
    ok, missing = grounded("In December 2024 the DRC set a cobalt quota.", src)
    assert missing == ["number 2024", "month 2024-12"]
    ok, missing = grounded("The DRC set a gallium quota of 96,600 t.", src)
    assert missing == ["mineral gallium"]


# --- the optional model, against a local OpenAI-compatible server -------------------

class _Handler(BaseHTTPRequestHandler):
    reply: Any = None          # dict (sent as the message content, JSON), str, or callable
    delay: float = 0.0
    requests: list[dict[str, Any]] = []   # noqa: RUF012

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, **body})
        time.sleep(self.delay)
        reply = self.reply(body) if callable(self.reply) else self.reply
        content = reply if isinstance(reply, str) else json.dumps(reply)
        out = json.dumps({"choices": [{"message": {"role": "assistant",
                                                   "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture()
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {"requests": [], "reply": None, "delay": 0.0})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1", handler
    srv.shutdown()
    srv.server_close()


def _notes(body: dict[str, Any]) -> list[str]:
    user = body["messages"][-1]["content"]
    return [ln.split("] ", 1)[1] for ln in user.splitlines() if ln.startswith("[")]


def test_model_points_grounded_or_rejected(docs_wh: mw.Warehouse,
                                           server: tuple[str, type[_Handler]]) -> None:
    url, h = server

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        notes = _notes(body)
        pts = []
        for n, note in enumerate(notes, 1):
            if "18,125吨" in note:                    # a faithful translation
                pts.append({"n": n, "text": "The cobalt export quota for the fourth "
                            "quarter of 2025 is 18,125 tonnes."})
            elif "Glencore" in note:                    # a wrong number: rejected
                pts.append({"n": n, "text": "Glencore and CMOC receive 51,000 t."})
        return {"core": [{"text": "The DRC replaced its cobalt export ban with quotas of "
                          "96,600 tonnes a year for 2026 and 2027.", "cite": [1, 2]}],
                "points": pts}
    h.reply = staticmethod(reply)
    b = mw.brief(docs_wh, "cobalt", model=ChatModel(url, "test-model"))
    assert h.requests and h.requests[0]["path"] == "/v1/chat/completions"
    assert h.requests[0]["model"] == "test-model"
    gen = [p for p in b.points() if p.generated]
    assert gen and all(p.grounded is True for p in gen)
    for p in gen:   # every generated sentence is grounded in the passages it cites
        assert grounded(p.text, [_passage(docs_wh, d, i) for d, i in p.citations])[0]
    assert any("18,125" in p.text and p.language == "en" for p in gen)
    assert not any("51,000" in p.text for p in b.points())
    assert any("rejected by the grounding check" in n for n in b.notes)
    assert "(generated)" in b.to_markdown()
    assert b.to_dict()["core"][0]["generated"] in (True, False)


@pytest.mark.parametrize("case", ["malformed", "no-json", "slow", "down"])
def test_model_failures_fall_back_to_extractive(docs_wh: mw.Warehouse, case: str,
                                                server: tuple[str, type[_Handler]]) -> None:
    url, h = server
    plain = mw.brief(docs_wh, "cobalt")
    h.reply = {"malformed": '{"points": [{"n": 1, "text": ', "no-json": "Sorry, I cannot.",
               "slow": "{}", "down": "{}"}[case]
    if case == "slow":
        h.delay = 2.0
    if case == "down":
        url = "http://127.0.0.1:9/v1"    # discard port: nothing listens
    b = mw.brief(docs_wh, "cobalt", model=ChatModel(url, "m", timeout_s=0.5))
    assert [p.text for p in b.points()] == [p.text for p in plain.points()]
    assert not any(p.generated for p in b.points())
    assert len(b.notes) == 1 and "extractive briefing shown" in b.notes[0]


def test_cli_summary_and_brief(docs_wh: mw.Warehouse, server: tuple[str, type[_Handler]],
                               capsys: pytest.CaptureFixture[str]) -> None:
    url, h = server
    h.reply = "not json"
    path = str(docs_wh.path)
    docs_wh.close()
    assert main(["docs", "summary", "co-en", "-w", path, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["doc_id"] == "co-en" and "Market reaction" in out["groups"]
    assert main(["docs", "summary", "nope", "-w", path]) == 2
    assert "No document" in capsys.readouterr().err
    assert main(["brief", "cobalt", "-w", path, "--format", "json", "--model-url", url,
                 "--model", "m"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["notes"] and out["core"] and out["timeline"] is not None
    assert main(["brief", "antimony", "-w", path, "--until", "2025-07-13"]) == 0
    md = capsys.readouterr().out
    assert "[sb-a:" in md and "[sb-b:" not in md
