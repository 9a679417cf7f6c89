"""Mentions of glossary concepts (minerals, countries, authorities, terms) in text.

Dictionary matching, longest spelling first: Latin text is matched on runs of up to
:data:`MAX_WORDS` words (hyphens and spaces alike, an optional plural "s"; all-capital
acronyms case-sensitively), Chinese and Japanese text on runs of CJK characters and kana,
read in simplified script (中國 finds China like 中国). Linear in the length of the text.

>>> [m.concept for m in find("Cobalt exports from the DRC and 刚果（金）的钴", "country")]
['country:COD', 'country:COD']
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise

from mineralwatch.documents import glossary
from mineralwatch.documents.language import to_simplified

KINDS = ("mineral", "country", "authority", "term")
MAX_WORDS = 8

_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z0-9\u00c0-\u024f]+(?:'s)?")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff（）()]+")  # kana, CJK
_GAP = re.compile(r"[\s\-]+")
_MODAL = re.compile(r"(?i)\b(?:will|may|might|could|can|would|should|to|not|also)\s+$")


@dataclass(frozen=True)
class Mention:
    """A concept found in a text: ``text[start:end]`` is the spelling."""

    concept: str
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        """The id part of the concept (``gallium`` for ``mineral:gallium``)."""
        return self.concept.split(":", 1)[1]


@dataclass(frozen=True)
class _Dict:
    latin: dict[str, list[tuple[str, str]]]  # key -> [(concept, acronym form or "")]
    zh: dict[str, str]
    zh_lengths: tuple[int, ...]
    first_words: frozenset[str]
    first_chars: frozenset[str]


def _is_acronym(term: str) -> bool:
    core = term.replace(".", "")
    return core.upper() == core and len(core) <= 5 and core.isalpha()


@cache
def _dict(kind: str) -> _Dict:
    latin: dict[str, list[tuple[str, str]]] = defaultdict(list)
    zh: dict[str, str] = {}
    for e in glossary.entries():
        if not e.concept.startswith(kind + ":"):
            continue
        k = glossary.key(e.term)
        if glossary._lang(e.term) == "zh":
            zh.setdefault(to_simplified(k), e.concept)
        else:
            latin[k].append((e.concept, e.term if _is_acronym(e.term) else ""))
    firsts = {k.split(" ")[0] for k in latin}
    firsts |= {w[:-1] for w in firsts if w.endswith("s")}
    return _Dict(dict(latin), zh, tuple(sorted({len(k) for k in zh}, reverse=True)),
                 frozenset(firsts), frozenset(k[0] for k in zh))


def _lookup_latin(d: _Dict, surface: str) -> str | None:
    k = glossary.key(surface)
    for cand in (k, k[:-2] if k.endswith("es") else None, k[:-1] if k.endswith("s") else None,
                 k[:-2] if k.endswith("'s") else None):
        if not cand:
            continue
        for concept, acronym in d.latin.get(cand, []):
            if acronym and surface not in (acronym, acronym + "s", acronym + "'s"):
                continue
            return concept
    return None


@lru_cache(maxsize=16)
def _words(text: str) -> tuple[tuple[tuple[int, int, str], ...], tuple[bool, ...]]:
    """Latin words of ``text`` as (start, end, case-folded) and, for each word, whether the
    next one follows after only spaces or hyphens (shared by the kinds of one text)."""
    words = tuple((m.start(), m.end(), m.group(0).casefold()) for m in _WORD.finditer(text))
    joined = tuple(bool(_GAP.fullmatch(text[a[1]:b[0]])) for a, b in pairwise(words))
    return words, (*joined, False)


def _candidate(d: _Dict, w: str) -> bool:
    f = d.first_words
    return w in f or w.rstrip("s") in f or w.removesuffix("'s") in f


def find(text: str, kind: str) -> list[Mention]:
    """Every mention of a concept of ``kind`` in ``text``, in order."""
    d = _dict(kind)
    out: list[Mention] = []
    words, joined = _words(text)
    n = len(words)
    i = 0
    while i < n:
        if not _candidate(d, words[i][2]):
            i += 1
            continue
        j = i  # extend over words separated only by spaces or hyphens
        while joined[j] and j + 1 < n and j - i + 1 < MAX_WORDS:
            j += 1
        hit = None
        for end in range(j, i - 1, -1):
            concept = _lookup_latin(d, text[words[i][0]:words[end][1]])
            if concept is not None:
                hit = (concept, end)
                break
        if hit is None:
            i += 1
            continue
        concept, end = hit
        s, e = words[i][0], words[end][1]
        if not (e < len(text) and text[e] == "$"):
            out.append(Mention(concept, s, e, text[s:e]))
        i = end + 1
    if d.zh:
        for run in _CJK_RUN.finditer(text):
            seg = run.group(0)
            norm = glossary.key(seg) if len(glossary.key(seg)) == len(seg) else seg
            norm = to_simplified(norm)  # traditional script: same length, same offsets
            p = 0
            while p < len(seg):
                if norm[p] not in d.first_chars:
                    p += 1
                    continue
                for n in d.zh_lengths:
                    if p + n <= len(seg):
                        c = d.zh.get(norm[p:p + n])
                        if c is not None:
                            s = run.start() + p
                            out.append(Mention(c, s, s + n, seg[p:p + n]))
                            p += n
                            break
                else:
                    p += 1
    if kind == "mineral":
        out.extend(_lead(text))
    out.sort(key=lambda x: x.start)
    return out


_LEAD = re.compile(r"(?i)(?<![A-Za-z])lead(?![A-Za-z])(?!\s+(?:to|the|in|by|and to)\b)")


def _lead(text: str) -> list[Mention]:
    """'lead' the metal, not the verb: never after a modal, never before 'to'."""
    out = []
    for m in _LEAD.finditer(text):
        if _MODAL.search(text[max(0, m.start() - 12):m.start()]):
            continue
        out.append(Mention("mineral:lead", m.start(), m.end(), m.group(0)))
    return out


def ids(text: str, kind: str) -> list[str]:
    """Distinct ids of ``kind`` mentioned in ``text``, in order of first mention."""
    seen: dict[str, None] = {}
    for m in find(text, kind):
        seen.setdefault(m.id, None)
    return list(seen)


__all__ = ["KINDS", "MAX_WORDS", "Mention", "find", "ids"]
