"""Context shared by the extractors: sentences with their mentions, years and dates.

Attribution is by proximity inside a sentence: the mineral, country or year nearest to a
figure or a trigger word, with mentions before it preferred (a mention after it counts
as :data:`AFTER_PENALTY` times farther away).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from mineralwatch.documents import lexicon
from mineralwatch.documents.segment import Span, sentences

AFTER_PENALTY = 1.6

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MON = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
       r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
#: Month names in French, German, Spanish and Indonesian.
OTHER_MONTHS = {m: i for i, names in enumerate((
    "janvier januar enero januari", "février februar febrero februari",
    "mars märz marzo maret", "avril april abril", "mai mayo mei", "juin juni junio",
    "juillet juli julio", "août august agosto agustus", "septembre september septiembre",
    "octobre oktober octubre", "novembre november noviembre nopember",
    "décembre dezember diciembre desember"), start=1) for m in names.split()}
_OMON = "(?i:" + "|".join(sorted(OTHER_MONTHS, key=len, reverse=True)) + ")"
DATE_PATTERNS = [
    re.compile(rf"(?P<mon>{_MON})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*|\s+)(?P<year>(?:19|20)\d{{2}})"),
    re.compile(rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MON}),?\s+(?P<year>(?:19|20)\d{{2}})"),
    re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<mnum>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
    re.compile(r"(?<![\d.])(?P<year>(?:19|20)\d{2})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    re.compile(rf"(?<![\w])(?P<mon>{_MON})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\d,]*\s*(?:19|20)\d{{2}})(?!\d)"),
    re.compile(r"(?<![年\d])(?P<mnum>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
    # "1er août 2023", "1. August 2023", "1 de agosto de 2023", "1 Januari 2020", "1. August"
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})(?:er|\.)?\s+(?:de\s+)?(?P<omon>{_OMON})\b"
               r"(?:,?\s+(?:de\s+)?(?P<year>(?:19|20)\d{2}))?"),
]
_YEAR = re.compile(r"(?<![\d.,/$])(?:FY)?((?:19|20)\d{2})"
                   r"(?:\s*(?:[-–~至到]|to)\s*((?:19|20)\d{2}))?"
                   r"(?!\d|[.,]\d|\s*(?:tons?|tonnes|t\b|吨|万|亿|%))")


@dataclass(frozen=True)
class DateMention:
    """A calendar date found in a sentence."""

    value: date
    start: int
    end: int
    explicit_year: bool
    #: the text makes it an effective date by itself ("effective immediately", 即日起).
    effective: bool = False


@dataclass(frozen=True)
class YearMention:
    """A year or a period (``2025`` or ``2025-2027``)."""

    value: str
    start: int
    end: int

    @property
    def years(self) -> list[str]:
        """The single years of the period."""
        a, _, b = self.value.partition("-")
        return [str(y) for y in range(int(a), int(b or a) + 1)] if b else [a]


def find_dates(text: str, default_year: int | None = None) -> list[DateMention]:
    """Dates in ``text`` (English and Chinese forms); a date without a year takes
    ``default_year`` (or is skipped when there is none)."""
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pat in DATE_PATTERNS:
        for m in pat.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            g = m.groupdict()
            year = int(g["year"]) if g.get("year") else default_year
            if year is None:
                continue
            mon = _month(g)
            try:
                d = date(year, mon, int(g["day"]))
            except ValueError:
                continue
            taken.append((m.start(), m.end()))
            out.append(DateMention(d, m.start(), m.end(), bool(g.get("year"))))
    return sorted(out, key=lambda x: x.start)


def _month(g: dict[str, str | None]) -> int:
    """The month number of a date match (a number, an English or another month name)."""
    if g.get("mnum"):
        return int(g["mnum"] or 0)
    if g.get("omon"):
        return OTHER_MONTHS[(g["omon"] or "").casefold()]
    name = (g["mon"] or "").rstrip(".").casefold()
    return _MONTHS.get(name[:4] if name.startswith("sept") else name[:3], 0)


def find_years(text: str) -> list[YearMention]:
    """Years and periods ("2024", "2025-2027", "2025年") in ``text``."""
    out = []
    for m in _YEAR.finditer(text):
        a, b = m.group(1), m.group(2)
        if b and int(b) <= int(a):
            b = None
        out.append(YearMention(f"{a}-{b}" if b else a, m.start(), m.end()))
    return out


#: Extra distance for each clause boundary (comma, semicolon, colon) between the two.
CLAUSE_PENALTY = 40
_CLAUSE = re.compile(r"[,，;；:：]")


def nearest(position: int, mentions: list[lexicon.Mention] | list[YearMention],
            *, end: int | None = None, text: str | None = None) -> object | None:
    """The mention nearest to ``position`` (mentions after ``end`` are penalised, and with
    ``text`` so are mentions in another clause)."""
    best, best_d = None, float("inf")
    stop = position if end is None else end
    for m in mentions:
        d: float
        if m.end <= position:
            d = position - m.end
            gap = (m.end, position)
        elif m.start >= stop:
            d = (m.start - stop) * AFTER_PENALTY
            gap = (stop, m.start)
        else:
            d = 0
            gap = (0, 0)
        if text is not None and d:
            d += CLAUSE_PENALTY * len(_CLAUSE.findall(text, gap[0], gap[1]))
        if d < best_d:
            best, best_d = m, d
    return best


@dataclass
class Sentence:
    """A sentence of a passage with its mentions (offsets relative to the passage)."""

    span: Span
    passage: str
    minerals: list[lexicon.Mention] = field(default_factory=list)
    countries: list[lexicon.Mention] = field(default_factory=list)
    authorities: list[lexicon.Mention] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.span.text

    @cached_property
    def years(self) -> list[YearMention]:
        return [YearMention(y.value, y.start + self.span.start, y.end + self.span.start)
                for y in find_years(self.span.text)]


def analyse(passage: str) -> list[Sentence]:
    """Sentences of a passage with their mineral, country and authority mentions."""
    minerals = lexicon.find(passage, "mineral")
    countries = lexicon.find(passage, "country")
    authorities = lexicon.find(passage, "authority")
    out = []
    for s in sentences(passage):
        def inside(ms: list[lexicon.Mention], s: Span = s) -> list[lexicon.Mention]:
            return [m for m in ms if s.start <= m.start < s.end]
        out.append(Sentence(s, passage, inside(minerals), inside(countries),
                            inside(authorities)))
    return out


__all__ = ["AFTER_PENALTY", "CLAUSE_PENALTY", "DateMention", "Sentence", "YearMention", "analyse",
           "find_dates", "find_years", "nearest"]
