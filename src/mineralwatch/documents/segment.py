"""Passage and sentence segmentation, and removal of near-duplicate passages.

A passage is a paragraph-sized span of a document's text: lines are paragraphs, short
heading-like lines are joined to the paragraph that follows them, and paragraphs longer
than :data:`MAX_CHARS` are cut at sentence ends. Every passage keeps its character span
in the document text, so citations point at the exact place.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

#: Passages are cut at a sentence end once they pass this many characters.
MAX_CHARS = 700
#: A "sentence" longer than this (a table flattened to one line, text without
#: punctuation) is cut at the last space or comma before the limit: extraction looks at
#: every pair of mentions in a sentence, so one unbounded sentence could stall an ingest.
MAX_SENTENCE_CHARS = 1000
_SOFT_BREAK = re.compile(r"[\s,，;；、]")
#: Lines shorter than this are treated as headings and joined to the next paragraph.
HEADING_CHARS = 40
#: Two passages of one document whose character-shingle Jaccard similarity reaches this
#: value are near-duplicates; the later one is dropped.
NEAR_DUPLICATE = 0.85
SHINGLE = 5

_SENT_END = re.compile(
    r"(?<=[。！？；!?])\s*"                                  # Chinese and ! ? ends
    r"|(?<=[.;])\s+(?=[\"'“(\[A-Z0-9\u4e00-\u9fff])"        # . ; before a new sentence
    r"|(?<=[\]\w.:])\s+(?=- [A-Z0-9\u4e00-\u9fff])"           # " - " bullets of summaries
)
_ABBREV = re.compile(
    r"(?:\b[A-Z]\.){1,3}$|\b(?:No|Nos|Dr|Mr|Mrs|Ms|Inc|Co|Ltd|Corp|vs|etc|e\.g|i\.e|St|Art|Fig|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$")
#: A German ordinal date ("zum 1. August", "am 9. Oktober 2025") is no sentence end.
_ORDINAL = re.compile(r"(?<![\d.])\d{1,2}\.$")
_MONTH_AFTER = re.compile(r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|"
                          r"September|Oktober|November|Dezember)\b")
_CITE = re.compile(r"\[\d+\](?:\[\d+\])*")
_NONWORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Span:
    """A span of text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e"
                      "\u2060-\u2064\ufeff\ufff9-\ufffb\ue000-\uf8ff]")


def normalise_text(text: str) -> str:
    """NFKC, unify line ends, drop control, format and private-use characters."""
    s = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", s)


def sentences(text: str, offset: int = 0) -> list[Span]:
    """Sentences of ``text`` (English and Chinese ends), spans relative to ``offset``.

    Abbreviations such as "U.S." and decimals such as "4.75" are not sentence ends: a
    full stop only ends a sentence before whitespace and a capital, digit or CJK
    character.
    """
    out: list[Span] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        if m.start() <= pos or _ABBREV.search(text, max(0, m.start() - 8), m.start()):
            continue
        if _ORDINAL.search(text, max(0, m.start() - 4), m.start()) and _MONTH_AFTER.match(
                text, m.end()):
            continue
        _add_capped(out, text, pos, m.start(), offset)
        pos = m.end()
    _add_capped(out, text, pos, len(text), offset)
    return out


def _add_capped(out: list[Span], text: str, start: int, end: int, offset: int) -> None:
    """:func:`_add` in pieces of at most :data:`MAX_SENTENCE_CHARS` characters."""
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = max((m.end() for m in _SOFT_BREAK.finditer(text, start + MAX_SENTENCE_CHARS // 2,
                                                          limit)), default=limit)
        _add(out, text, start, cut, offset)
        start = cut
    _add(out, text, start, end, offset)


def _add(out: list[Span], text: str, start: int, end: int, offset: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    out.append(Span(offset + s, offset + s + len(stripped), stripped))


def _paragraphs(text: str) -> list[Span]:
    spans: list[Span] = []
    pos = 0
    for line in text.split("\n"):
        _add(spans, text, pos, pos + len(line), 0)
        pos += len(line) + 1
    return spans


def passages(text: str, *, max_chars: int = MAX_CHARS) -> list[Span]:
    """Cut a document text into passages (spans of ``text``)."""
    merged: list[Span] = []
    pending: Span | None = None
    for p in _paragraphs(text):
        if pending is not None:
            p = Span(pending.start, p.end, text[pending.start:p.end])
            pending = None
        if len(p.text) < HEADING_CHARS:
            pending = p
            continue
        merged.append(p)
    if pending is not None:
        merged.append(pending)
    out: list[Span] = []
    for p in merged:
        if len(p.text) <= max_chars:
            out.append(p)
            continue
        start = p.start
        end = p.start
        for s in sentences(p.text, p.start):
            if s.end - start > max_chars and end > start:
                out.append(Span(start, end, text[start:end]))
                start = s.start
            end = s.end
        if end > start:
            out.append(Span(start, end, text[start:end]))
    return out


def fingerprint(text: str) -> str:
    """Hash of the normalised text (case, punctuation, spacing and [n] markers ignored)."""
    norm = _NONWORD.sub("", _CITE.sub("", text).casefold())
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """Character k-shingles of the normalised text."""
    norm = _NONWORD.sub("", _CITE.sub("", text).casefold())
    if len(norm) <= k:
        return {norm}
    return {norm[i:i + k] for i in range(len(norm) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def deduplicate(spans: list[Span], *, threshold: float = NEAR_DUPLICATE) -> list[Span]:
    """Drop passages that repeat an earlier one exactly or nearly (shingle Jaccard).

    Only pairs whose lengths are within 25% of each other are compared, so the cost
    stays close to linear for ordinary documents.
    """
    kept: list[Span] = []
    seen: set[str] = set()
    kept_sh: list[tuple[int, set[str]]] = []
    for s in spans:
        fp = fingerprint(s.text)
        if fp in seen:
            continue
        sh = shingles(s.text)
        n = len(sh)
        if any(0.75 * m <= n <= 1.33 * m and jaccard(sh, other) >= threshold
               for m, other in kept_sh):
            continue
        seen.add(fp)
        kept_sh.append((n, sh))
        kept.append(s)
    return kept


__all__ = ["HEADING_CHARS", "MAX_CHARS", "NEAR_DUPLICATE", "Span", "deduplicate",
           "fingerprint", "jaccard", "normalise_text", "passages", "sentences", "shingles"]
