"""The bilingual domain glossary: concepts with their English and Chinese spellings.

Concepts are ``kind:id`` strings: ``mineral:gallium``, ``country:COD``,
``term:export_control``, ``authority:MOFCOM``. Mineral and country spellings come from
``codes/data`` (names, aliases, Chinese names); ``documents/data/glossary.tsv`` adds
domain terms, authorities and the spellings documents use (demonyms, "刚果金").

>>> sorted(forms("mineral:gallium"))[:2]
['Ga', 'Gallium']
>>> concept_of("出口管制")
'term:export_control'
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mineralwatch.codes import countries, minerals

#: Mineral spellings too ambiguous to count as a mention in running text: chemical
#: symbols (2 letters or fewer, "In", "As"), 金/银 (in 金属 "metal", 资金 "funds").
_AMBIGUOUS_MINERAL = {"金", "银", "铁", "lead"}
#: Country aliases that are not names in running text (table captions, residuals).
_NOT_IN_TEXT = {"XOT", "XUC"}
_BAD_COUNTRY_FORMS = {"total", "other", "others", "unspecified", "world total",
                      "world total (rounded)", "eu27", "eu-27"}


@dataclass(frozen=True)
class Entry:
    """One spelling of a concept."""

    concept: str
    lang: str
    term: str
    comment: str = ""


def key(term: str) -> str:
    """Lookup key of a spelling: NFKC, case-folded, hyphens and spaces collapsed."""
    s = unicodedata.normalize("NFKC", term).casefold().replace("\u2019", "'")
    return re.sub(r"[\s\-]+", " ", s).strip()


def _lang(term: str) -> str:
    """``zh`` for a term written in CJK characters or kana (matched as CJK text), else
    ``en`` (matched as words)."""
    return "zh" if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", term) else "en"


def _read_tsv(name: str) -> list[dict[str, str]]:
    text = resources.files("mineralwatch.documents").joinpath("data", name).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return [{k: (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(lines, delimiter="\t")]


@cache
def entries() -> tuple[Entry, ...]:
    """Every spelling: generated from codes/ plus the hand-kept glossary.tsv rows."""
    out: list[Entry] = []
    for m in minerals.table().values():
        for t in (m.name, m.id.replace("_", " "), *m.aliases, *m.zh, *m.usgs, *m.eu):
            if len(t) <= 2 and _lang(t) == "en":
                continue  # chemical symbols
            if t in _AMBIGUOUS_MINERAL or t.casefold() in _AMBIGUOUS_MINERAL:
                continue
            out.append(Entry(f"mineral:{m.id}", _lang(t), t))
    for c in countries.table().values():
        if c.iso3 in _NOT_IN_TEXT or not c.name_en:
            continue
        for t in (c.name_en, c.name_zh):
            if t:
                out.append(Entry(f"country:{c.iso3}", _lang(t), t))
    for r in _codes_aliases():
        out.append(r)
    for row in _read_tsv("glossary.tsv"):
        out.append(Entry(row["concept"], row["lang"], row["term"], row.get("comment", "")))
    seen: set[tuple[str, str]] = set()
    uniq = []
    for e in out:
        k = (e.concept, key(e.term))
        if k not in seen and e.term:
            seen.add(k)
            uniq.append(e)
    return tuple(uniq)


def _codes_aliases() -> list[Entry]:
    from mineralwatch.codes._table import read_tsv

    out = []
    for r in read_tsv("countries.tsv"):
        for t in [*r["other_en"].split("|"), *r["other_zh"].split("|")]:
            if t and len(t) > 3:
                out.append(Entry(f"country:{r['iso3']}", _lang(t), t))
    for r in read_tsv("country_aliases.tsv"):
        t, iso3 = r["alias"], r["iso3"]
        if iso3 in _NOT_IN_TEXT or key(t) in _BAD_COUNTRY_FORMS or "," in t:
            continue
        if len(t) <= 3 and t.upper() != t:
            continue
        out.append(Entry(f"country:{iso3}", _lang(t), t))
    return out


@cache
def _index() -> tuple[dict[str, set[str]], dict[str, list[Entry]]]:
    by_key: dict[str, set[str]] = defaultdict(set)
    by_concept: dict[str, list[Entry]] = defaultdict(list)
    for e in entries():
        by_key[key(e.term)].add(e.concept)
        by_concept[e.concept].append(e)
    return dict(by_key), dict(by_concept)


def concepts_of(term: str) -> set[str]:
    """Concepts a spelling can mean (usually one)."""
    return set(_index()[0].get(key(term), set()))


def concept_of(term: str) -> str | None:
    """The concept of a spelling (the first, by sort order, if it is ambiguous)."""
    c = sorted(concepts_of(term))
    return c[0] if c else None


def forms(concept: str, lang: str | None = None) -> list[str]:
    """Spellings of a concept, optionally in one language."""
    return [e.term for e in _index()[1].get(concept, []) if lang in (None, e.lang)]


@cache
def authority_country(concept: str) -> str | None:
    """ISO3 of an ``authority:`` concept (``country=ISO3`` in its comment)."""
    for e in _index()[1].get(concept, []):
        m = re.search(r"country=([A-Z]{3})", e.comment)
        if m:
            return m.group(1)
    return None


def authority_name(concept: str) -> str:
    """The English display name of an authority concept (its first English spelling)."""
    en = forms(concept, "en")
    long = [f for f in en if len(f) > 6]
    return (long or en or [concept.split(":", 1)[1]])[0]


__all__ = ["Entry", "authority_country", "authority_name", "concept_of", "concepts_of",
           "entries", "forms", "key"]
