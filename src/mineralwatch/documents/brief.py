"""Extractive briefings: a core viewpoint and grouped points, every bullet cited
``[doc:passage]``, a key-figures table and the policy events on the topic.

Nothing is generated: sentences are taken from the passages search finds for the topic,
scored (query terms, figures, named minerals and countries), near-repeats merged (their
citations pooled, as in "[1][3]"), and grouped by subtopic (policy, supply, demand,
prices, trade, companies). An optional :class:`Generator` (a user's own model endpoint)
may rewrite the core viewpoint; it is off by default and never needed.

>>> import mineralwatch as mw
>>> print(mw.brief(wh, "rare earths").to_markdown())     # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from mineralwatch.codes import countries
from mineralwatch.codes import minerals as codes
from mineralwatch.documents import lexicon, store
from mineralwatch.documents.claims import load_claims
from mineralwatch.documents.search import expand, search
from mineralwatch.documents.segment import jaccard, sentences, shingles
from mineralwatch.schema import citation_label
from mineralwatch.store import Warehouse

#: Subtopics and the words that put a sentence in them (English and Chinese).
SUBTOPICS: dict[str, str] = {
    "Policy and export controls": r"export control|ban|quota|licen[cs]|regulat|policy|"
                                  r"announcement|ministry|government|管制|禁令|配额|许可|"
                                  r"政策|公告|商务部",
    "Trade and circumvention": r"import|transship|smuggl|third countr|circumvent|re-export|"
                               r"走私|转运|绕道|进口",
    "Supply and production": r"supply|production|output|capacity|mine|mining|reserves|"
                             r"refin|smelt|供应|产量|产能|储量|开采|冶炼",
    "Demand and applications": r"demand|consumption|vehicle|wind|battery|magnet|robot|"
                               r"military|需求|消费|新能源|永磁",
    "Prices and markets": r"price|market|rally|valuation|stock|价格|涨|市场",
    "Companies and investment": r"compan|invest|acqui|shareholder|profit|revenue|企业|公司|"
                                r"投资|利润",
}
_SUBTOPIC_RE = {k: re.compile(f"(?i){v}") for k, v in SUBTOPICS.items()}
_BOILER = re.compile(r"(?i)^(?:source|note|risk warning|disclaimer|related articles|"
                     r"article author|icon|workflow)\b|investment requires caution|"
                     r"does not constitute|^\W*$")
_NUM = re.compile(r"\d")
#: The source's own reference markers ("... [1][3]."), replaced by our citations.
_MARKERS = re.compile(r"\s*(?:\[\d+\])+\s*([.。]?)\s*$")
MIN_CHARS, MAX_CHARS = 40, 420


class Generator(Protocol):
    """A user's own text generator (e.g. a local model endpoint). Optional."""

    def generate(self, prompt: str) -> str:
        """Return text for ``prompt``."""


@dataclass
class Point:
    """One bullet: an extracted sentence and its citations ``(doc_id, passage)``."""

    text: str
    citations: list[tuple[str, int]]
    score: float = 0.0

    def cite(self) -> str:
        """``[doc:passage]`` markers."""
        return "".join(f"[{d}:{p}]" for d, p in self.citations)


@dataclass
class Briefing:
    """A cited briefing on one topic."""

    topic: str
    since: str | None
    core: list[Point] = field(default_factory=list)
    groups: dict[str, list[Point]] = field(default_factory=dict)
    figures: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: ``{topic, since, core, groups: {title: [point]}, figures, events}``."""
        def pt(p: Point) -> dict[str, Any]:
            return {"text": p.text, "citations": [{"doc_id": d, "passage": i}
                                                  for d, i in p.citations]}
        return {"topic": self.topic, "since": self.since, "core": [pt(p) for p in self.core],
                "groups": {k: [pt(p) for p in v] for k, v in self.groups.items()},
                "figures": self.figures, "events": self.events}

    def to_markdown(self) -> str:
        """The briefing as Markdown."""
        out = [f"# Briefing: {self.topic}", ""]
        if self.since:
            out += [f"Documents published since {self.since}.", ""]
        out += ["## Core viewpoint", ""]
        out += [f"- {p.text} {p.cite()}" for p in self.core] or ["- No documents found."]
        for title, points in self.groups.items():
            out += ["", f"## {title}", ""] + [f"- {p.text} {p.cite()}" for p in points]
        if self.figures:
            out += ["", "## Key figures", "", "| figure | value | unit | year | source |",
                    "|---|---|---|---|---|"]
            for f in self.figures:
                out.append(f"| {f['fact']} | {_fmt(f['value'])} | {f['unit']} | "
                           f"{f['year'] or ''} | [{f['doc_id']}:{f['passage']}] |")
        if self.events:
            out += ["", "## Policy events", ""]
            for e in self.events:
                out.append(f"- {e['actor']} {e['measure'].replace('_', ' ')} "
                           f"({', '.join(e['minerals'])})"
                           f"{' from ' + e['effective'] if e['effective'] else ''}"
                           f"{', announced ' + e['announced'] if e['announced'] else ''}"
                           f" — {e['status']}. Sources: {e['cite'] or 'none recorded'}")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """The briefing as an HTML fragment (every text escaped)."""
        esc = html.escape

        def cites(p: Point) -> str:
            return "".join(f'<cite class="mw-cite">[{esc(d)}:{i}]</cite>'
                           for d, i in p.citations)

        def ul(points: list[Point]) -> str:
            return "<ul>" + "".join(f"<li>{esc(p.text)} {cites(p)}</li>"
                                    for p in points) + "</ul>"
        parts = [f'<section class="mw-briefing"><h2>Briefing: {esc(self.topic)}</h2>']
        if self.since:
            parts.append(f"<p>Documents published since {esc(self.since)}.</p>")
        parts.append("<h3>Core viewpoint</h3>" + (ul(self.core) if self.core else
                                                  "<p>No documents found.</p>"))
        for title, points in self.groups.items():
            parts.append(f"<h3>{esc(title)}</h3>{ul(points)}")
        if self.figures:
            rows = "".join(
                f"<tr><td>{esc(f['fact'])}</td><td>{esc(_fmt(f['value']))}</td>"
                f"<td>{esc(f['unit'])}</td><td>{esc(f['year'] or '')}</td>"
                f"<td><cite>[{esc(f['doc_id'])}:{f['passage']}]</cite></td></tr>"
                for f in self.figures)
            parts.append("<h3>Key figures</h3><table><tr><th>figure</th><th>value</th>"
                         f"<th>unit</th><th>year</th><th>source</th></tr>{rows}</table>")
        if self.events:
            items = "".join(
                f"<li>{esc(e['actor'])} {esc(e['measure'].replace('_', ' '))} "
                f"({esc(', '.join(e['minerals']))}) {esc(e['effective'] or '')} "
                f"<cite>{esc(e['cite'])}</cite></li>" for e in self.events)
            parts.append(f"<h3>Policy events</h3><ul>{items}</ul>")
        return "".join(parts) + "</section>"


def _fmt(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:,.0f}" if abs(f) >= 1000 else f"{f:,.4g}"


def _candidates(wh: Warehouse, topic: str, since: str | None, depth: int
                ) -> list[Point]:
    hits = search(wh, topic, since=since, limit=depth, mode="bm25")
    terms = [t for t in expand(topic) if len(t) > 1]
    term_rx = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)),
                         re.IGNORECASE) if terms else None
    out: list[Point] = []
    for rank, h in enumerate(hits):
        text = store.load_passage(wh, h.doc_id, h.passage) or ""
        for s in sentences(text):
            body = _MARKERS.sub(lambda m: m.group(1) or "", s.text.lstrip("-•· ")).strip()
            if not MIN_CHARS <= len(body) <= MAX_CHARS or _BOILER.search(body):
                continue
            hits_t = len(term_rx.findall(body)) if term_rx else 0
            if hits_t == 0:
                continue
            score = (min(hits_t, 2) + 0.5 * bool(_NUM.search(body))
                     + 0.3 * len(lexicon.find(body, "country")) ** 0.5
                     + 1.0 / (1 + rank))
            out.append(Point(body, [(h.doc_id, h.passage)], score))
    return out


def _merge(points: list[Point], threshold: float = 0.5) -> list[Point]:
    kept: list[tuple[Point, set[str]]] = []
    for p in sorted(points, key=lambda p: -p.score):
        sh = shingles(p.text)
        twin = next((k for k, ksh in kept if jaccard(sh, ksh) >= threshold), None)
        if twin is not None:
            for c in p.citations:
                if c not in twin.citations:
                    twin.citations.append(c)
            twin.score += 0.5
            continue
        kept.append((p, sh))
    return [p for p, _ in kept]


def centrality(texts: list[str]) -> list[float]:
    """Mean token-set Jaccard similarity of each text with the others (LexRank-like):
    the sentence that shares most with the rest states the common view."""
    from mineralwatch.documents.tokenize import tokens

    sets = [set(tokens(t)) for t in texts]
    n = len(sets)
    if n < 2:
        return [0.0] * n
    return [sum(jaccard(a, b) for j, b in enumerate(sets) if j != i) / (n - 1)
            for i, a in enumerate(sets)]


def _subtopic(text: str) -> str:
    best, best_n = "Other points", 0
    for name, rx in _SUBTOPIC_RE.items():
        n = len(rx.findall(text))
        if n > best_n:
            best, best_n = name, n
    return best


def brief(wh: Warehouse, topic: str, *, since: str | None = None, per_group: int = 4,
          depth: int = 30, generator: Generator | None = None) -> Briefing:
    """An extractive, cited briefing on ``topic``.

    Parameters
    ----------
    topic
        words in English or Chinese (a mineral, a country, a policy ...).
    since
        only documents published on or after this ISO date.
    per_group
        bullets per subtopic.
    depth
        passages read (the best ``depth`` search hits).
    generator
        optional: rewrites the core viewpoint from the extracted points. Off by default.
    """
    points = _merge(_candidates(wh, topic, since, depth))
    b = Briefing(topic, since)
    if not points:  # no document on the topic: the register's events may still be
        b.events = _events(wh, topic, since, set())
        return b
    central = centrality([p.text for p in points])
    core = sorted(range(len(points)), key=lambda i: -(points[i].score + 4 * central[i]))[:2]
    b.core = [points[i] for i in core]
    for p in (p for i, p in enumerate(points) if i not in core):
        g = b.groups.setdefault(_subtopic(p.text), [])
        if len(g) < per_group:
            g.append(p)
    b.groups = dict(sorted(b.groups.items(), key=lambda kv: -sum(p.score for p in kv[1])))
    if generator is not None:
        prompt = ("Summarise in two sentences, keeping the [doc:passage] citations:\n"
                  + "\n".join(f"- {p.text} {p.cite()}" for p in points[:12]))
        b.core = [Point(generator.generate(prompt).strip(),
                        [c for p in points[:12] for c in p.citations])]
    cited = {c for p in points for c in p.citations}
    b.figures = _figures(wh, topic, cited)
    b.events = _events(wh, topic, since, {d for d, _ in cited})
    return b


def _topic_minerals(topic: str) -> set[str]:
    ids = set(lexicon.ids(topic, "mineral"))
    for m in list(ids):
        ids |= set(codes.table()[m].members) if m in codes.table() else set()
    return ids


def _figures(wh: Warehouse, topic: str, cited: set[tuple[str, int]],
             limit: int = 12) -> list[dict[str, Any]]:
    from mineralwatch.documents.claims import fact_label

    df = load_claims(wh)
    if df.empty:
        return []
    mins = _topic_minerals(topic)
    rows = []
    for r in df.to_dict(orient="records"):
        if (r["doc_id"], int(r["passage"])) not in cited:
            continue
        if mins and r["mineral"] not in mins:
            continue
        if not isinstance(r["measure"], str):
            continue
        country = r["country"] if isinstance(r["country"], str) else None
        fact = (fact_label(r["measure"], r["mineral"], country, None)
                if isinstance(r["mineral"], str) and country else
                f"{r['measure'].replace('_', ' ')}"
                + (f" of {r['mineral']}" if isinstance(r["mineral"], str) else "")
                + (f" ({countries.name(country)})" if country else ""))
        rows.append({"fact": fact, "value": r["value"], "unit": r["unit"],
                     "year": r["year"] if isinstance(r["year"], str) else None,
                     "doc_id": r["doc_id"], "passage": int(r["passage"]), "text": r["text"]})
    return rows[:limit]


def _events(wh: Warehouse, topic: str, since: str | None, docs: set[str]
            ) -> list[dict[str, Any]]:
    import json

    df = wh.sql('SELECT * FROM "policy_event" WHERE status <> \'rejected\'')
    mins = _topic_minerals(topic)
    places = set(lexicon.ids(topic, "country"))
    out = []
    for r in df.to_dict(orient="records"):
        ev_min = json.loads(r["minerals"]) if isinstance(r["minerals"], str) else []
        cits = json.loads(r["citations"]) if isinstance(r["citations"], str) else []
        # a topic's events: those on its minerals, by or against its countries, and (for
        # a theme with neither) those cited in the documents the briefing cites
        targets = json.loads(r["target"]) if isinstance(r.get("target"), str) else []
        if mins or places:
            if not (set(ev_min) & mins or r["actor"] in places or set(targets) & places):
                continue
        elif not any(c.get("doc_id") in docs for c in cits):
            continue
        when = str(r["effective"] or r["announced"] or "")[:10]
        if since and when and when < since:
            continue
        out.append({"id": r["id"], "actor": r["actor"], "measure": r["measure"],
                    "minerals": ev_min, "status": r["status"],
                    "announced": str(r["announced"])[:10] if r["announced"] is not None
                    and str(r["announced"]) not in ("NaT", "None") else None,
                    "effective": str(r["effective"])[:10] if r["effective"] is not None
                    and str(r["effective"]) not in ("NaT", "None") else None,
                    "cite": "; ".join(list(dict.fromkeys(map(citation_label, cits)))[:3])})
    return out


__all__ = ["SUBTOPICS", "Briefing", "Generator", "Point", "brief"]
