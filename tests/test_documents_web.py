"""The document page (summary), search filters on the documents page, and the summary
and briefing endpoints of the JSON API (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import mineralwatch as mw
from conftest import ingest_feed
from mineralwatch.api.app import create_app
from mineralwatch.api.auth import AuthStore
from test_documents_summaries import DOCS

pytestmark = pytest.mark.usefixtures("no_semantic")

EVIL = {"id": "evil<b>", "published": "2025-10-15", "language": "en",
        "text": "Cobalt <script>alert(1)</script> quotas\nThe DRC cut cobalt exports by "
                "10% <img src=x onerror=alert(2)> in 2025, officials said."}


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    wh = ingest_feed(mw.open(":memory:"), tmp_path, [*DOCS, EVIL])
    return TestClient(create_app(wh, auth=AuthStore(":memory:"), hosts={"testserver"}))


def test_document_page_shows_the_summary(client: TestClient) -> None:
    html = client.get("/documents/co-en").text
    assert "Core Viewpoint" in html and "Market reaction" in html
    assert "18,125 tonnes" in html
    assert re.search(r'href="/documents/co-en/\d+">\[co-en:\d+\]</a>', html)
    zh = client.get("/documents/co-zh").text
    assert 'class="mw-lang">zh<' in zh and "mw-gloss" in zh
    evil = client.get("/documents/evil%3Cb%3E").text
    assert "<script>alert" not in evil and "<img src=x" not in evil
    assert client.get("/documents/nope").status_code == 404


def test_documents_page_filters(client: TestClient) -> None:
    def cited(**params: str) -> set[str]:
        html = client.get("/documents", params={"q": "cobalt antimony", **params}).text
        return set(re.findall(r'class="citation" href="/documents/([^/"]+)/\d+"', html))
    assert cited(until="2025-07") == {"sb-a", "sb-b"}
    assert cited(since="2025-10-12", country="COD") == {"co-zh", "co-fr", "evil%3Cb%3E"}
    assert cited(lang="zh") == {"co-zh"}
    assert cited(mineral="antimony") == {"sb-a", "sb-b"}
    page = client.get("/documents", params={"q": "cobalt", "brief": "1"}).text
    assert "mw-briefing" in page and "Core viewpoint" in page and "(zh)" not in page
    assert 'class="mw-lang">zh<' in page
    bad = client.get("/documents", params={"q": "cobalt", "until": "soon"})
    assert bad.status_code == 200 and "Invalid date" in bad.text


def test_json_summary_and_brief(client: TestClient) -> None:
    s = client.get("/api/v1/docs/co-en/summary").json()
    assert set(s) == {"doc_id", "language", "title", "core", "groups", "notes"}
    p = s["core"][0]
    assert set(p) == {"text", "citations", "language", "generated", "grounded"}
    assert client.get("/api/v1/docs/nope/summary").status_code == 404
    b = client.get("/api/v1/brief", params={"topic": "antimony", "until": "2025-07-13"}).json()
    assert {"core", "groups", "timeline", "figures", "contradictions", "notes"} <= set(b)
    cited = {c["doc_id"] for pt in b["core"] for c in pt["citations"]}
    assert cited == {"sb-a"}
    hits = client.get("/api/v1/docs/search", params={"q": "cobalt", "country": "COD",
                                                     "until": "2025-10-11"}).json()
    assert {h["doc_id"] for h in hits} == {"co-en"}
