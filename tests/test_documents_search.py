"""Document search: BM25 against rank_bm25, cross-language glossary, filters, snippets,
hybrid fusion, the CLI's JSON shape (issue 6)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

import mineralwatch as mw
from conftest import ingest_feed
from mineralwatch.cli import main
from mineralwatch.documents import bm25, glossary
from mineralwatch.documents.search import (
    build_index,
    expand,
    parse,
    rrf,
    search_index,
    snippet,
)
from mineralwatch.documents.tokenize import tokens

DOCS = [
    {"id": "zh-ga", "published": "2023-07-04", "language": "zh",
     "text": "商务部、海关总署发布公告，对镓、锗相关物项实施出口管制，自2023年8月1日起正式实施。"},
    {"id": "en-co", "published": "2025-10-20", "language": "en",
     "text": "The DRC replaced its cobalt export ban with an export quota of 96,600 tonnes."},
    {"id": "en-w", "published": "2024-01-10", "language": "en",
     "text": "Tungsten concentrate prices rose as Chinese mining quotas tightened."},
    {"id": "zh-co", "published": "2025-10-21", "language": "zh",
     "text": "刚果（金）钴出口配额制度取代出口禁令，2026年配额为9.66万吨。"},
]


pytestmark = pytest.mark.usefixtures("no_semantic")


@pytest.fixture()
def docs_wh(wh: mw.Warehouse, tmp_path: Path) -> mw.Warehouse:
    return ingest_feed(wh, tmp_path, DOCS)


def test_bm25_matches_rank_bm25() -> None:
    rank_bm25 = pytest.importorskip("rank_bm25")
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(40)]
    docs = [[rng.choice(vocab) for _ in range(rng.randint(3, 30))] for _ in range(60)]
    tf, ids = bm25.term_matrix(docs)
    w = bm25.weights(tf, idf_kind="okapi")
    ref = rank_bm25.BM25Okapi(docs)
    for _ in range(10):
        q = rng.sample(vocab, 3)
        ours = bm25.score(w, [ids[t] for t in q if t in ids])
        assert np.allclose(ours, ref.get_scores(q), rtol=1e-5, atol=1e-5)


def test_bm25_invariants() -> None:
    tf, ids = bm25.term_matrix([["a", "b"], ["a"], ["c", "c", "c"]])
    w = bm25.weights(tf)
    assert (w.data > 0).all()  # Lucene idf is positive
    s = bm25.score(w, [ids["c"]])
    assert list(bm25.top_k(s, 5)) == [2]


def test_english_query_finds_chinese_and_reverse(docs_wh: mw.Warehouse) -> None:
    hits = mw.search(docs_wh, "gallium export control", lang="zh", mode="bm25")
    assert hits and hits[0].doc_id == "zh-ga"
    assert "**" in hits[0].snippet
    hits = mw.search(docs_wh, "钴 出口配额", lang="en", mode="bm25")
    assert hits[0].doc_id == "en-co"
    hits = mw.search(docs_wh, "刚果（金） cobalt", mode="bm25")
    assert {h.doc_id for h in hits[:2]} == {"en-co", "zh-co"}


def test_filters(docs_wh: mw.Warehouse) -> None:
    assert {h.doc_id for h in mw.search(docs_wh, "quota", since="2025-01-01",
                                        mode="bm25")} == {"en-co", "zh-co"}
    assert {h.doc_id for h in mw.search(docs_wh, "quota", mineral="tungsten",
                                        mode="bm25")} == {"en-w"}
    with pytest.raises(mw.InputError):
        mw.search(docs_wh, "quota", lang="French!")
    with pytest.raises(mw.InputError):
        mw.search(docs_wh, "   ")


def test_glossary_pairs() -> None:
    for zh, concept in [("镓", "mineral:gallium"), ("锑", "mineral:antimony"),
                        ("钴", "mineral:cobalt"), ("稀土", "mineral:rare_earths"),
                        ("出口管制", "term:export_control"), ("配额", "term:quota"),
                        ("刚果（金）", "country:COD"), ("锗", "mineral:germanium")]:
        assert concept in glossary.concepts_of(zh), zh
    assert "镓" in expand("gallium")
    assert "gallium" in expand("镓")
    assert tokens("出口管制") == ["出口", "管制", "出口管制"]


def test_snippet_and_rrf() -> None:
    s = snippet("Cobalt exports from the DRC fell sharply in 2025.", ["cobalt", "export"])
    assert s.startswith("**Cobalt**") and "**exports**" in s
    fused = rrf([np.array([3, 1, 2]), np.array([1, 3])])
    assert max(fused, key=fused.__getitem__) in (1, 3) and fused[2] < fused[1]


def test_hybrid_uses_encoder_when_given() -> None:
    rows = [{"doc_id": d["id"], "idx": 0, "text": d["text"], "language": d["language"],
             "published": d["published"], "title": None} for d in DOCS]
    idx = build_index(rows)

    class Fake:
        name = "fake"

        def queries(self, texts: list[str]) -> np.ndarray:
            return np.array([[1.0 if "钴" in t or "cobalt" in t.lower() else 0.0, 1.0]
                             for t in texts]) / np.sqrt(2)

        passages = queries

    idx.embeddings = Fake().passages([r["text"] for r in rows])
    hits = search_index(idx, "cobalt", mode="hybrid", encoder=Fake())
    assert {h.doc_id for h in hits[:2]} == {"en-co", "zh-co"}
    sem = search_index(idx, "cobalt", mode="semantic", encoder=Fake())
    assert sem[0].doc_id in {"en-co", "zh-co"}


def test_cli_search_json(docs_wh: mw.Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(docs_wh.path)
    docs_wh.close()
    assert main(["docs", "search", "cobalt quota", "-w", path, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out and set(out[0]) == {"doc_id", "passage", "score", "snippet"}


ALIAS_DOCS = [
    {"id": "sb", "published": "2024-12-03", "language": "en",
     "text": "China banned antimony exports to the United States in December 2024."},
    {"id": "lu", "published": "2025-02-01", "language": "en",
     "text": "Lutetium oxide prices were stable; oxide output grew in Baotou."},
    {"id": "co-zh", "published": "2025-03-01", "language": "zh",
     "text": "钴氢氧化物价格上涨，氧化物库存下降。"},
    {"id": "sb-zh", "published": "2025-03-02", "language": "zh",
     "text": "氧化锑价格创新高，锑锭出口受限。"},
    {"id": "fr", "published": "2025-06-15", "language": "fr",
     "text": "La République démocratique du Congo (DRC) a fixé un quota d'exportation "
             "de cobalt de 96 600 tonnes par an."},
]


@pytest.fixture()
def alias_wh(wh: mw.Warehouse, tmp_path: Path) -> mw.Warehouse:
    return ingest_feed(wh, tmp_path, ALIAS_DOCS)


def test_glossary_spellings_match_as_phrases(alias_wh: mw.Warehouse) -> None:
    """Issue 14: the alias "antimony oxide" / 氧化锑 must not leak "oxide" or 氧化."""
    ids = {h.doc_id for h in mw.search(alias_wh, "antimony", mode="bm25")}
    assert ids == {"sb", "sb-zh"}
    q = parse("antimony")
    assert "oxide" not in q.words and "氧化" not in q.words
    assert any(p == "antimony oxide" for p, _ in q.phrases)
    # the phrase itself still matches where it is written
    assert {h.doc_id for h in mw.search(alias_wh, "antimony oxide", mode="bm25")} >= {"sb"}


def test_filters_country_period_language(alias_wh: mw.Warehouse) -> None:
    def ids(**kw: str) -> set[str]:
        return {h.doc_id for h in mw.search(alias_wh, "cobalt antimony oxide", mode="bm25",
                                            **kw)}
    assert ids(country="USA") == {"sb"}
    assert ids(country="COD") == {"fr"}
    assert ids(until="2024") == {"sb"}                      # the whole year
    assert ids(since="2025-03", until="2025-03") == {"co-zh", "sb-zh"}
    assert ids(lang="zh") == {"co-zh", "sb-zh"}
    with pytest.raises(mw.InputError, match="until"):
        ids(until="March 2025")


def test_search_reads_never_write(alias_wh: mw.Warehouse) -> None:
    from mineralwatch.documents import index_files
    from mineralwatch.documents.search import index_for, save_index

    folder = alias_wh.path.parent  # type: ignore[union-attr]
    before = set(folder.iterdir())
    mw.search(alias_wh, "antimony", mode="bm25")
    assert set(folder.iterdir()) == before
    save_index(alias_wh)
    path = index_files.index_path(alias_wh)
    assert path is not None and path.exists()
    assert not list(folder.glob("*.tmp"))
    z = index_files.read(path, index_for(alias_wh).fingerprint)
    assert z is not None and list(z["doc_ids"]) == list(index_for(alias_wh).doc_ids)
    assert index_files.read(path, "another fingerprint") is None


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path) -> None:
    from mineralwatch.documents import index_files

    path = tmp_path / "x.npz"
    index_files.write_atomic(path, {"fingerprint": np.array("a"), "v": np.arange(3)})

    class Boom:
        def __array__(self, *a: object, **k: object) -> np.ndarray:
            raise OSError("disk full")

    with pytest.raises(OSError):
        index_files.write_atomic(path, {"fingerprint": np.array("b"), "v": Boom()})  # type: ignore[dict-item]
    assert index_files.read(path, "a") is not None
    assert [p.name for p in tmp_path.iterdir()] == ["x.npz"]


def test_index_cache_is_bounded(tmp_path: Path) -> None:
    from mineralwatch.documents import search as s

    for i in range(s._INDEXES.maxsize + 3):
        w = mw.open(tmp_path / f"w{i}.duckdb")
        ingest_feed(w, tmp_path, [{"id": f"d{i}", "text": f"cobalt quota number {i}"}])
        assert mw.search(w, "cobalt", mode="bm25")[0].doc_id == f"d{i}"
        w.close()
    assert len(s._INDEXES) <= s._INDEXES.maxsize
