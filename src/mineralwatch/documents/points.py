"""Points of summaries and briefings: one cited sentence each, and the pure rules that
pick them (headings, bylines and boilerplate are never points; a point in another
language is marked and its key terms glossed from the bilingual glossary).

Every point is checkable: an extractive point's text is a sentence of the passage it
cites (:func:`appears_in` is the test), a generated one must pass
:mod:`~mineralwatch.documents.grounding`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mineralwatch.documents import glossary, lexicon
from mineralwatch.documents.language import query_language
from mineralwatch.documents.segment import sentences

#: Sentence lengths (characters) a point may have.
MIN_CHARS, MAX_CHARS = 30, 420
_BOILER = re.compile(r"(?i)^(?:source|note|risk warning|disclaimer|related articles|"
                     r"article author|icon|workflow|search documents|editor|copyright)\b|"
                     r"investment requires caution|does not constitute|all rights reserved|"
                     r"^\W*$|免责声明|风险提示|责任编辑|版权")
#: A byline or dateline: an outlet, a middle dot or "By", a date and time.
_BYLINE = re.compile(r"(?i)^(?:by\s+[A-Z][\w.\- ]+$|.{0,60}[·|]\s*\d{4}-\d{2}-\d{2}"
                     r"(?:\s+\d{1,2}:\d{2})?\s*$|\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}$|"
                     r"(?:reporter|记者|作者|来源)\s*[:：])")
#: The source's own reference markers ("... [1][3].") and list lead-ins.
_MARKERS = re.compile(r"\s*(?:\[\d+\])+\s*")
_LEAD_IN = re.compile(r"^\s*(?:[-•·*]\s+|\d+\.\s+|Group \d+\s*[:-]?\s*[-–]?\s*)")
_VIEWPOINT = re.compile(r"(?i)^\s*(?:core viewpoint|key points?|summary|核心观点|摘要)"
                        r"\s*[-:：–]\s*")
_NUM = re.compile(r"\d")
_CJK = re.compile(r"[\u3400-\u9fff]")
#: A bibliographic reference ("... [J]. China Land & Resources Economy, 2025, 38(10):4-11.").
_REFERENCE = re.compile(r"\[[JMCD]\]|\b\d{4},\s*\d+\(\d+\):\s*\d+|\bdoi:|ISSN")
_END = re.compile(r"[.!?。！？;；:：)\]”\"']$")


@dataclass
class Point:
    """One point: a sentence and the passages it cites ``(doc_id, passage)``."""

    text: str
    citations: list[tuple[str, int]]
    language: str = "en"
    generated: bool = False
    grounded: bool | None = None
    score: float = 0.0
    gloss: list[tuple[str, str]] = field(default_factory=list)  # (term, English)

    def cite(self) -> str:
        """``[doc:passage]`` markers."""
        return "".join(f"[{d}:{p}]" for d, p in self.citations)

    def label(self, briefing_language: str = "en") -> str:
        """The point as a reader sees it: text, language mark and glosses, citations."""
        out = self.text
        if self.language != briefing_language:
            out = f"({self.language}) {out}"
            if self.gloss:
                out += " [" + "; ".join(f"{t} = {e}" for t, e in self.gloss) + "]"
        if self.generated:
            out += " (generated)"
        return f"{out} {self.cite()}"

    def to_dict(self) -> dict[str, Any]:
        """``{text, citations: [{doc_id, passage}], language, generated, grounded}``
        (``gloss`` too when there is one)."""
        out: dict[str, Any] = {
            "text": self.text,
            "citations": [{"doc_id": d, "passage": p} for d, p in self.citations],
            "language": self.language, "generated": self.generated,
            "grounded": self.grounded}
        if self.gloss:
            out["gloss"] = [{"term": t, "en": e} for t, e in self.gloss]
        return out


def clean(sentence: str) -> str:
    """A sentence without list bullets, "Group 1 -" lead-ins and the source's own [n]
    markers (see :func:`unlabel` for "Core Viewpoint -" labels)."""
    s = _LEAD_IN.sub("", sentence.strip())
    s = _MARKERS.sub(" ", s).strip()
    s = re.sub(r"\s+([.。,，;；])", r"\1", s).strip(" -–")
    return s[:1].upper() + s[1:]


def unlabel(sentence: str) -> str:
    """A sentence without a leading "Core Viewpoint -" / 核心观点： label."""
    s = _VIEWPOINT.sub("", sentence)
    return s[:1].upper() + s[1:]


def is_heading(line: str) -> bool:
    """A heading-like line: short (or in Title Case), no sentence end, no bullet."""
    t = line.strip()
    if not t or _END.search(t) or _BYLINE.search(t) or t.startswith(("-", "•")):
        return False
    words = t.split()
    if len(t) <= 90 and len(words) <= 12:
        return True
    caps = sum(w[:1].isupper() for w in words if len(w) > 3)
    return len(t) <= 160 and caps >= 0.6 * max(1, sum(len(w) > 3 for w in words))


def is_byline(line: str) -> bool:
    """An outlet and dateline ("Sou Hu Cai Jing· 2025-07-13 16:09"), "By ...",
    "记者：..."."""
    return bool(_BYLINE.search(line.strip()))


def is_boilerplate(line: str) -> bool:
    """Sources, notes, disclaimers, page furniture ("icon", "Search documents")."""
    return bool(_BOILER.search(line.strip()))


def usable(sentence: str) -> bool:
    """A sentence that may be a point: long enough, not boilerplate, heading or byline."""
    size = len(sentence) + len(_CJK.findall(sentence))  # a CJK character counts twice
    return (size >= MIN_CHARS and len(sentence) <= MAX_CHARS and not _BOILER.search(sentence)
            and not _REFERENCE.search(sentence)
            and not is_byline(sentence) and not (is_heading(sentence)
                                                 and not _NUM.search(sentence)))


#: "Group 2: Structural Changes - " labels inside a line start a line of their own.
_INLINE_GROUP = re.compile(
    r"(?<=\S)\s+(?=Group \d+\s*(?::[^\n]{3,60}?)?(?:\s+[-–]\s+|\s*$))")


def lines(text: str) -> list[str]:
    """The lines of a passage, inline "Group N: Heading -" labels on lines of their own."""
    return _INLINE_GROUP.sub("\n", text).split("\n")


def sentences_of(text: str) -> list[str]:
    """The usable, cleaned sentences of a passage (heading lines and bylines dropped)."""
    out = []
    for line in lines(text):
        if is_heading(line) or is_byline(line):
            continue
        for s in sentences(line):
            body = clean(s.text)
            if usable(body):
                out.append(body)
    return out


def gloss(text: str) -> list[tuple[str, str]]:
    """English glosses of the glossary terms in a non-English sentence, in order."""
    out: list[tuple[str, str]] = []
    for kind in lexicon.KINDS:
        for m in lexicon.find(text, kind):
            if m.text.isascii():
                continue
            en = [f for f in glossary.forms(m.concept, "en") if len(f) > 2]
            pair = (m.text, en[0] if en else m.id)
            if en and pair not in out:
                out.append(pair)
    return out


def make(text: str, doc_id: str, passage: int, score: float = 0.0,
         language: str | None = None) -> Point:
    """An extractive point (language detected; glossed when not English)."""
    text = unlabel(text)
    lang = language or query_language(text)
    return Point(text, [(doc_id, passage)], lang, False, None, score,
                 gloss(text) if lang != "en" else [])


_NORM = re.compile(r"[\s\u3000]+")


def appears_in(point_text: str, passage_text: str) -> bool:
    """True when the point's text is in the passage (spacing and the source's [n]
    markers ignored): the check every extractive point passes."""
    def norm(s: str) -> str:
        return _NORM.sub("", _MARKERS.sub("", s))
    return norm(point_text) in norm(passage_text)


def numbers(text: str) -> set[str]:
    """The numbers a text states, normalised ("96,600" and "96600" alike)."""
    return {n.replace(",", "").rstrip(".") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


__all__ = [
    "MAX_CHARS",
    "MIN_CHARS",
    "Point",
    "appears_in",
    "clean",
    "gloss",
    "is_boilerplate",
    "is_byline",
    "is_heading",
    "lines",
    "make",
    "numbers",
    "sentences_of",
    "unlabel",
    "usable",
]
