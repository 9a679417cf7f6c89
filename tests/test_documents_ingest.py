"""Document ingest: readers, encodings, segmentation, near-duplicates, idempotent and
atomic writes, and every kind of bad input (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mineralwatch as mw
from conftest import SEEDS
from mineralwatch.documents import readers, store
from mineralwatch.documents.ingest import ingest_documents
from mineralwatch.documents.language import detect_language
from mineralwatch.documents.segment import deduplicate, passages, sentences

EN = ("China's Ministry of Commerce announced export controls on gallium and germanium "
      "on 3 July 2023, effective from August 1, 2023. Global gallium output was 760 tonnes.")
ZH = "商务部公告2023年第23号：自2023年8月1日起对镓、锗相关物项实施出口管制。全球镓产量约为750吨。"


def make_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (Helvetica), with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    return bytes(out)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "note.txt").write_text(EN, encoding="utf-8")
    (d / "notice.md").write_text("# 公告\n\n" + ZH, encoding="utf-8")
    (d / "gbk.txt").write_bytes(ZH.encode("gbk"))
    (d / "page.html").write_text(
        "<html><head><title>Cobalt quota</title><script>var x=1;</script></head><body>"
        "<nav>Home | About</nav><article><h1>DRC cobalt quota</h1><p>The DRC set the 2026 "
        "cobalt export quota at 96,600 tonnes under Decision No. 004/ARECOMS/2025.</p>"
        "<p>Cobalt prices rose 12% after the announcement.</p></article>"
        "<footer>Copyright</footer></body></html>", encoding="utf-8")
    (d / "report.pdf").write_bytes(make_pdf("Indonesia produced 2.2 million tonnes of "
                                            "nickel in 2024."))
    recs = [{"id": "news-1", "url": "https://example.org/1", "title": "Antimony",
             "published": "2025-01-15", "language": "en",
             "text": "US imports of antimony oxide from Thailand reached 2,300 tonnes."},
            {"id": "news-2", "title": "锑", "published": "2025-02-01",
             "text": "中国对美国禁止出口锑。"}]
    (d / "feed.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False)
                                            for r in recs) + "\n", encoding="utf-8")
    return d


def test_ingest_every_format(wh: mw.Warehouse, corpus: Path) -> None:
    rep = ingest_documents(wh, [corpus])
    assert rep.failures == []
    docs = wh.sql('SELECT doc_id, language, title, CAST(published AS VARCHAR) AS p '
                  'FROM "document" ORDER BY doc_id').set_index("doc_id")
    assert sorted(docs.index) == ["gbk.txt", "news-1", "news-2", "note.txt", "notice.md",
                                  "page.html", "report.pdf"]
    assert docs.loc["gbk.txt", "language"] == "zh"
    assert docs.loc["note.txt", "language"] == "en"
    assert docs.loc["news-1", "p"] == "2025-01-15"
    html_text = " ".join(wh.sql("SELECT text FROM passage WHERE doc_id='page.html'")["text"])
    assert "96,600 tonnes" in html_text and "var x" not in html_text
    assert "Home | About" not in html_text
    pdf_text = " ".join(wh.sql("SELECT text FROM passage WHERE doc_id='report.pdf'")["text"])
    assert "2.2 million tonnes" in pdf_text
    gbk = " ".join(wh.sql("SELECT text FROM passage WHERE doc_id='gbk.txt'")["text"])
    assert "出口管制" in gbk
    # every passage is the exact span of the document text it cites
    claims = wh.sql("SELECT c.*, p.text AS ptext FROM claim c JOIN passage p "
                    "ON c.doc_id = p.doc_id AND c.passage = p.idx")
    assert not claims.empty
    for r in claims.itertuples():
        assert r.ptext[r.start:r.end] == r.text


def test_reingest_is_idempotent_and_replaces_changed(wh: mw.Warehouse, corpus: Path) -> None:
    first = ingest_documents(wh, [corpus])
    n = {t: wh.count(t) for t in store.TABLES}
    again = ingest_documents(wh, [corpus])
    assert again.added == [] and sorted(again.skipped) == sorted(first.added)
    assert {t: wh.count(t) for t in store.TABLES} == n
    (corpus / "note.txt").write_text(EN + " Prices rose 5%.", encoding="utf-8")
    third = ingest_documents(wh, [corpus])
    assert third.replaced == ["note.txt"]
    assert wh.count("document") == n["document"]


def test_bad_inputs_reported_rest_ingested(wh: mw.Warehouse, tmp_path: Path) -> None:
    d = tmp_path / "bad"
    d.mkdir()
    (d / "good.txt").write_text(EN, encoding="utf-8")
    (d / "empty.txt").write_text("", encoding="utf-8")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 3)
    (d / "huge.txt").write_text("x" * 2048, encoding="utf-8")
    (d / "truncated.pdf").write_bytes(make_pdf("Cobalt")[:120])
    (d / "broken.html").write_text("<html><body><p>Gallium prices rose 20% to $1,150 per "
                                   "kilogram.<div><b>unclosed", encoding="utf-8")
    (d / "mixed.txt").write_bytes(b"Cobalt exports fell.\n" + ZH.encode("gbk"))
    lines = [json.dumps({"id": "ok-1", "text": "Lithium output rose 8%."}),
             '{"id": "bad", "text": "unterminated',
             json.dumps({"id": "ok-2", "text": "锂产量增长8%。"})]
    (d / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    rep = ingest_documents(wh, [d], max_bytes=1024)
    by_file = {Path(f.file or "").name: f for f in rep.failures}
    assert set(by_file) == {"empty.txt", "binary.txt", "huge.txt", "truncated.pdf",
                            "feed.jsonl"}
    assert by_file["feed.jsonl"].line == 2
    assert "too large" in by_file["huge.txt"].message
    assert "binary" in by_file["binary.txt"].message
    assert "PDF" in by_file["truncated.pdf"].message
    assert sorted(rep.added) == ["broken.html", "good.txt", "mixed.txt", "ok-1", "ok-2"]
    mixed = " ".join(wh.sql("SELECT text FROM passage WHERE doc_id='mixed.txt'")["text"])
    assert "Cobalt exports" in mixed and "出口管制" in mixed
    broken = " ".join(wh.sql("SELECT text FROM passage WHERE doc_id='broken.html'")["text"])
    assert "$1,150" in broken


def test_failed_write_leaves_warehouse_unchanged(wh: mw.Warehouse, corpus: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_documents(wh, [corpus / "note.txt"])
    before = {t: wh.count(t) for t in (*store.TABLES, "source")}

    def boom(con: object, table: str, df: object) -> None:
        if table == "claim":
            raise RuntimeError("disk full")
        type(wh)._insert(con, table, df)  # type: ignore[arg-type]

    monkeypatch.setattr(wh, "_insert", boom)
    with pytest.raises(RuntimeError):
        ingest_documents(wh, [corpus / "page.html"])
    assert {t: wh.count(t) for t in (*store.TABLES, "source")} == before


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    docx = tmp_path / "x.docx"
    docx.write_bytes(b"PK\x03\x04")
    with pytest.raises(mw.InputError, match="unsupported file type"):
        readers.read_file(docx)
    with pytest.raises(mw.InputError, match="not found"):
        readers.read_file("missing.txt")


def test_language_detection() -> None:
    assert detect_language(ZH) == "zh"
    assert detect_language(EN) == "en"
    assert detect_language("稀土 rare earths 出口管制 export controls on 镓") == "zh"


def test_passages_cover_text_and_near_duplicates_go() -> None:
    block = ("Cobalt prices may rise strongly as the DRC caps exports under its quota "
             "system, analysts said on Monday.")
    text = f"Title\n{block}\n{block} [3]\nAn unrelated paragraph about tungsten supply in 2026."
    spans = passages(text)
    assert all(text[s.start:s.end] == s.text for s in spans)
    kept = deduplicate(spans)
    assert len(kept) == len(spans) - 1
    assert [s.text for s in sentences("The U.S. grew 4.75%. No. 61 of 2025 applies. 中国。美国！")
            ] == ["The U.S. grew 4.75%.", "No. 61 of 2025 applies.", "中国。", "美国！"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not found at {SEEDS}")
def test_seed_documents_ingest(wh: mw.Warehouse) -> None:
    rep = ingest_documents(wh, [SEEDS])
    assert len(rep.added) == 5 and not rep.failures
    # 001 repeats its "Related Articles" block: the repeats are dropped
    texts = wh.sql("SELECT text FROM passage WHERE doc_id = '001_ca804dea9f8895e5.txt'")["text"]
    assert sum("Zhejiang Sanhua" in t for t in texts) == 1
    assert wh.count("policy_event") > 5


def test_cli_ingest_summary_and_exit_codes(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from mineralwatch.cli import main

    (tmp_path / "a.txt").write_text(EN, encoding="utf-8")
    (tmp_path / "b.txt").write_text("", encoding="utf-8")
    wh_path = str(tmp_path / "wh.duckdb")
    assert main(["docs", "ingest", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"),
                 "-w", wh_path, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == ["a.txt"] and out["failures"][0]["file"].endswith("b.txt")
    assert main(["docs", "ingest", str(tmp_path / "b.txt"), "-w", wh_path]) == 2
    assert main(["docs", "ingest", str(tmp_path / "a.txt"), "-w", wh_path]) == 0
    assert "1 unchanged" in capsys.readouterr().out


def test_unpunctuated_text_is_cut_into_bounded_sentences() -> None:
    """A 50,000-character run without sentence ends took over a minute to extract from;
    sentences are now cut at a space or comma before MAX_SENTENCE_CHARS."""
    from mineralwatch.documents.extract import extract
    from mineralwatch.documents.segment import MAX_SENTENCE_CHARS, sentences

    text = " ".join(["China produced 100 t of cobalt in 2024"] * 1300)  # ~50,000 chars
    spans = sentences(text)
    assert max(len(s.text) for s in spans) <= MAX_SENTENCE_CHARS
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert " ".join(s.text for s in spans) == text
    assert len(extract(text).quantities) >= 1000  # was over a minute; now ~1 s
