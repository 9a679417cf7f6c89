"""Per-document summaries: a Core Viewpoint (two to three sentences) and two to five
groups of points under headings taken from the document itself, every point a sentence
of the document with its figures and its ``[doc:passage]`` citation.

Headings are the document's own heading lines (short lines without a sentence end) and
"Group 1: Historical Context - ..." labels; a document without two headings is grouped
by the domain terms its sentences use, each group headed by the term as the document
spells it. The Core Viewpoint is the document's own "Core Viewpoint" sentence where it
has one, else its lead (the first sentences of the body, where news states the main
development), completed by the most central sentence with a figure.

>>> import mineralwatch as mw
>>> print(mw.summarize(wh, "cobalt-quota.txt").to_markdown())   # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from mineralwatch.documents import lexicon, points
from mineralwatch.documents.points import Point
from mineralwatch.errors import NotFoundError
from mineralwatch.store import Warehouse

MAX_GROUPS, MIN_GROUPS, PER_GROUP = 5, 2, 3
_GROUP_LABEL = re.compile(r"^\s*Group \d+\s*:\s*([^-–\n]{3,60}?)\s+[-–]\s+")
_TAIL = re.compile(r"(?i)^\s*(?:related (?:articles|reading|news)|read more|more on|"
                   r"risk warnings?|disclaimer|references|information cited|"
                   r"参考文献|相关阅读|相关文章|风险提示|免责声明)\b")
_NUMBERED = re.compile(r"^(?:Group \d+\s*(?::\s*|$)|\d+(?:\.\d+)*[.)、]?\s+|"
                       r"[一二三四五六七八九十]+、)")
_CORE = re.compile(r"(?i)^\s*(?:(?:core viewpoint|核心观点)\s*[-:：–]|the core viewpoint of "
                   r"the (?:article|report) (?:is|indicates) that)")


@dataclass
class Section:
    """A heading of the document and its sentences ``(passage, sentence)``."""

    heading: str | None
    sentences: list[tuple[int, str]] = field(default_factory=list)
    skip: bool = False
    core: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Summary:
    """A document's Core Viewpoint and grouped points."""

    doc_id: str
    language: str
    title: str | None
    core: list[Point] = field(default_factory=list)
    groups: dict[str, list[Point]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{doc_id, language, title, core: [point], groups: {heading: [point]},
        notes}``."""
        return {"doc_id": self.doc_id, "language": self.language, "title": self.title,
                "core": [p.to_dict() for p in self.core],
                "groups": {k: [p.to_dict() for p in v] for k, v in self.groups.items()},
                "notes": self.notes}

    def to_markdown(self) -> str:
        """The summary as Markdown."""
        out = [f"# {self.title or self.doc_id}", "", "## Core Viewpoint", ""]
        out += [f"- {p.label()}" for p in self.core] or ["- (no sentence to summarise)"]
        for heading, pts in self.groups.items():
            out += ["", f"## {heading}", ""] + [f"- {p.label()}" for p in pts]
        out += [f"\n_Note: {n}_" for n in self.notes]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """The summary as an HTML fragment (every text escaped)."""
        def ul(pts: list[Point]) -> str:
            return "<ul>" + "".join(f"<li>{_li(p)}</li>" for p in pts) + "</ul>"
        parts = [f'<section class="mw-summary"><h3>Core Viewpoint</h3>{ul(self.core)}']
        parts += [f"<h3>{html.escape(h)}</h3>{ul(p)}" for h, p in self.groups.items()]
        parts += [f'<p class="mw-note">{html.escape(n)}</p>' for n in self.notes]
        return "".join(parts) + "</section>"


def _li(p: Point) -> str:
    esc = html.escape
    lang = f'<span class="mw-lang">{esc(p.language)}</span> ' if p.language != "en" else ""
    gl = (' <span class="mw-gloss">[' + esc("; ".join(f"{t} = {e}" for t, e in p.gloss))
          + "]</span>") if p.gloss and p.language != "en" else ""
    gen = ' <span class="mw-generated">generated</span>' if p.generated else ""
    cites = "".join(f'<a class="citation" href="/documents/{esc(d)}/{i}">[{esc(d)}:{i}]'
                    "</a>" for d, i in p.citations)
    return f"{lang}{esc(p.text)}{gl}{gen} {cites}"


def sections(passages: list[tuple[int, str]], title: str | None = None) -> list[Section]:
    """The document cut at its headings (pure): heading lines and "Group N: X -" labels
    start a section; bylines, page furniture and the title are skipped; the sentence
    after a "Core Viewpoint -" label is marked as the document's own viewpoint."""
    out = [Section(None)]
    seen: set[str] = set()
    for idx, text in passages:
        for line in points.lines(text):
            m = _GROUP_LABEL.match(line)
            if m:
                out.append(Section(m.group(1).strip()))
                line = line[m.end():]
            elif points.is_heading(line):
                heading = _NUMBERED.sub("", line.strip()).strip()
                if _TAIL.match(line):  # "Related articles", "风险提示": not the article
                    out.append(Section(None, skip=True))
                elif not points.is_boilerplate(line) and line.strip() != (title or "").strip():
                    out.append(Section(heading or None))  # "Group 2": a section, no name
                continue
            if points.is_byline(line):
                continue
            own = _CORE.match(line)
            for n, s in enumerate(points.sentences_of(_CORE.sub("", line) if own else line)):
                if s not in seen:  # a sentence the document repeats is one point
                    seen.add(s)
                    out[-1].sentences.append((idx, s))
                    if own and n == 0:
                        out[-1].core.append((idx, s))
    return [s for s in out if s.sentences and not s.skip]


def salience(sentence: str) -> float:
    """How much a sentence states (pure): figures, minerals, countries, domain terms."""
    figs = len(points.numbers(sentence))
    mins = len(lexicon.ids(sentence, "mineral"))
    places = len(lexicon.ids(sentence, "country"))
    terms = len(lexicon.ids(sentence, "term"))
    return min(figs, 3) * 0.6 + min(mins, 2) * 0.5 + min(places, 2) * 0.4 + min(terms, 3) * 0.3


def _core(secs: list[Section], doc_id: str, lang: str) -> list[Point]:
    flat = [(i, s) for sec in secs for i, s in sec.sentences]
    own = [x for sec in secs for x in sec.core] + [(i, s) for i, s in flat if _CORE.match(s)]
    picked = own[:1] or flat[:1]
    rest = [x for x in flat[1:12] if x not in picked and points.numbers(x[1])]
    if rest:
        picked.append(max(rest, key=lambda x: salience(x[1])))
    if len(picked) < 2 and len(flat) > 1:
        picked.append(next(x for x in flat if x not in picked))
    return [points.make(_CORE.sub("", s).strip() or s, doc_id, i,
                        language=_lang(s, lang)) for i, s in picked[:3]]


def _lang(sentence: str, doc_language: str) -> str:
    """A sentence's language: Chinese or Japanese by script, else the document's
    declared language when it is not English, else guessed from its words."""
    from mineralwatch.documents.language import query_language

    guess = query_language(sentence)
    return guess if guess in ("zh", "ja") or doc_language in ("en", "zh", "") else doc_language


def _by_terms(secs: list[Section]) -> list[Section]:
    """Headless documents: sentences grouped by the domain term they use, the heading
    being the term as the document spells it (most frequent spelling)."""
    groups: dict[str, Section] = {}
    spelled: dict[str, dict[str, int]] = {}
    for sec in secs:
        for i, s in sec.sentences:
            ms = lexicon.find(s, "term")
            if not ms:
                continue
            c = ms[0].concept
            spelled.setdefault(c, {}).setdefault(ms[0].text, 0)
            spelled[c][ms[0].text] += 1
            groups.setdefault(c, Section(None)).sentences.append((i, s))
    out = []
    for c, sec in groups.items():
        word = max(spelled[c], key=spelled[c].__getitem__)
        sec.heading = word[:1].upper() + word[1:]
        out.append(sec)
    return out


def summarize_passages(doc_id: str, passages: list[tuple[int, str]], *, language: str = "en",
                       title: str | None = None) -> Summary:
    """Summary of one document from its passages ``(idx, text)`` (pure). Without a
    title, a heading line that opens the document is its title (not a group)."""
    if title is None and passages:
        first = points.lines(passages[0][1])[0]
        title = first.strip() if points.is_heading(first) else None
    secs = sections(passages, title)
    out = Summary(doc_id, language, title)
    if not secs:
        out.notes.append("The document has no sentence to summarise.")
        return out
    out.core = _core(secs, doc_id, language)
    used = {(d, p.text) for p in out.core for d, _ in p.citations}
    headed = [s for s in secs if s.heading]
    if len(headed) < MIN_GROUPS:
        headed = _by_terms(secs)
        if headed:
            out.notes.append("The document has no headings: points are grouped by the "
                             "terms they use.")
    ranked = sorted(headed, key=lambda s: -sum(salience(x) for _, x in s.sentences))
    for sec in sorted(ranked[:MAX_GROUPS], key=headed.index):
        cands = [(i, s) for i, s in sec.sentences if (doc_id, s) not in used]
        best = sorted(cands, key=lambda x: -salience(x[1]))[:PER_GROUP]
        pts = [points.make(s, doc_id, i, salience(s), _lang(s, language))
               for i, s in sorted(best, key=cands.index)]
        if pts:
            out.groups.setdefault(sec.heading or "Points", []).extend(pts)
    return out


def summarize(wh: Warehouse, doc_id: str) -> Summary:
    """The summary of an ingested document (``mineralwatch docs summary DOC``)."""
    doc = wh.sql('SELECT doc_id, title, language FROM "document" WHERE doc_id = ?', [doc_id])
    if doc.empty:
        raise NotFoundError(f"No document {doc_id!r} in the warehouse "
                            "(`mineralwatch docs search` shows document ids).")
    df = wh.sql('SELECT idx, text FROM "passage" WHERE doc_id = ? ORDER BY idx', [doc_id])
    title = doc["title"].iloc[0]
    return summarize_passages(
        doc_id, [(int(i), str(t)) for i, t in zip(df["idx"], df["text"], strict=True)],
        language=str(doc["language"].iloc[0] or "en"),
        title=str(title) if isinstance(title, str) and title else None)


__all__ = ["Section", "Summary", "salience", "sections", "summarize", "summarize_passages"]
