"""Topic briefings: a core viewpoint, points grouped by what the documents discuss, a
dated timeline, key figures and the contradictions between documents, every point a
cited sentence ``[doc:passage]``.

Extractive by default: sentences of the passages search finds for the topic, kept only
when they name the topic (off-topic passages drop out), scored (figures, minerals,
countries, domain terms, search rank), merged when they say the same thing (same
figures and near-identical wording: their citations pooled) and grouped by the domain
term they are about ("Export ban", "Export quota", "Price" ...). A point in another
language than English is marked and its key terms glossed from the bilingual glossary.
An optional :class:`~mineralwatch.documents.chat.ChatModel` rewrites points and the
core viewpoint in English, each generated sentence checked against its passages.

>>> import mineralwatch as mw
>>> print(mw.brief(wh, "cobalt").to_markdown())     # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from mineralwatch.codes import minerals as codes
from mineralwatch.documents import glossary, lexicon, points, store
from mineralwatch.documents.chat import ChatModel, rewrite
from mineralwatch.documents.points import Point
from mineralwatch.documents.search import parse, search
from mineralwatch.documents.segment import jaccard, shingles
from mineralwatch.documents.summary import salience
from mineralwatch.schema import citation_label
from mineralwatch.store import Warehouse

#: Two sentences say the same thing when they state the same figures and their
#: character-shingle Jaccard similarity reaches this.
SAME_THING = 0.6
MAX_GROUPS = 6
OTHER = "Other points"
#: Sentences that lean on another ("Therefore ...", "For example ...") or recommend
#: ("we should") make poor core viewpoints.
_ASIDE = re.compile(r"(?i)^(?:therefore|however|thus|hence|for example|for instance|"
                    r"meanwhile|moreover|in addition|additionally|based on|as a result|"
                    r"overall|also|but|and|so)\b|\b(?:we|it is) (?:should|recommend)")


@dataclass
class Briefing:
    """A cited briefing on one topic."""

    topic: str
    since: str | None
    until: str | None = None
    core: list[Point] = field(default_factory=list)
    groups: dict[str, list[Point]] = field(default_factory=dict)
    figures: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    contradictions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    language: str = "en"

    @property
    def timeline(self) -> list[dict[str, Any]]:
        """The topic's events by date (register and extracted ones, marked ``origin``)."""
        return sorted(self.events, key=lambda e: (e["date"] or "9999", e["id"]))

    def points(self) -> list[Point]:
        """Every point: core first, then the groups."""
        return [*self.core, *(p for g in self.groups.values() for p in g)]

    def to_dict(self) -> dict[str, Any]:
        """JSON shape (docs/json.md): ``{topic, since, until, language, core: [point],
        groups: {heading: [point]}, timeline, figures, contradictions, notes}``."""
        return {"topic": self.topic, "since": self.since, "until": self.until,
                "language": self.language, "core": [p.to_dict() for p in self.core],
                "groups": {k: [p.to_dict() for p in v] for k, v in self.groups.items()},
                "timeline": self.timeline, "figures": self.figures,
                "contradictions": self.contradictions, "notes": self.notes}

    def to_markdown(self) -> str:
        """The briefing as Markdown."""
        out = [f"# Briefing: {self.topic}", ""]
        if self.since or self.until:
            out += [f"Documents published {_period(self.since, self.until)}.", ""]
        out += ["## Core viewpoint", ""]
        out += [f"- {p.label()}" for p in self.core] or ["- No documents found."]
        for title, pts in self.groups.items():
            out += ["", f"## {title}", ""] + [f"- {p.label()}" for p in pts]
        if self.timeline:
            out += ["", "## Timeline", ""] + [f"- {_event_line(e)}" for e in self.timeline]
        if self.figures:
            out += ["", "## Key figures", "", "| figure | value | unit | year | source |",
                    "|---|---|---|---|---|"]
            out += [f"| {f['fact']} | {_fmt(f['value'])} | {f['unit']} | {f['year'] or ''} "
                    f"| [{f['doc_id']}:{f['passage']}] |" for f in self.figures]
        if self.contradictions:
            out += ["", "## Contradictions", ""] + [f"- {_contradiction(c)}"
                                                   for c in self.contradictions]
        out += [f"\n_Note: {n}_" for n in self.notes]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """The briefing as an HTML fragment (every text escaped)."""
        from mineralwatch.documents.summary import _li

        esc = html.escape

        def ul(pts: list[Point]) -> str:
            return "<ul>" + "".join(f"<li>{_li(p)}</li>" for p in pts) + "</ul>"
        parts = [f'<section class="mw-briefing"><h2>Briefing: {esc(self.topic)}</h2>']
        if self.since or self.until:
            parts.append(f"<p>Documents published {esc(_period(self.since, self.until))}.</p>")
        parts.append("<h3>Core viewpoint</h3>" + (ul(self.core) if self.core else
                                                  "<p>No documents found.</p>"))
        parts += [f"<h3>{esc(t)}</h3>{ul(p)}" for t, p in self.groups.items()]
        if self.timeline:
            parts.append("<h3>Timeline</h3><ul>" + "".join(
                f"<li>{esc(_event_line(e))}</li>" for e in self.timeline) + "</ul>")
        if self.figures:
            rows = "".join(
                f"<tr><td>{esc(f['fact'])}</td><td>{esc(_fmt(f['value']))}</td>"
                f"<td>{esc(f['unit'])}</td><td>{esc(f['year'] or '')}</td>"
                f"<td><cite>[{esc(f['doc_id'])}:{f['passage']}]</cite></td></tr>"
                for f in self.figures)
            parts.append("<h3>Key figures</h3><table><tr><th>figure</th><th>value</th>"
                         f"<th>unit</th><th>year</th><th>source</th></tr>{rows}</table>")
        if self.contradictions:
            parts.append("<h3>Contradictions</h3><ul>" + "".join(
                f"<li>{esc(_contradiction(c))}</li>" for c in self.contradictions) + "</ul>")
        parts += [f'<p class="mw-note">{esc(n)}</p>' for n in self.notes]
        return "".join(parts) + "</section>"


def _period(since: str | None, until: str | None) -> str:
    return " ".join(x for x in (f"since {since}" if since else "",
                                f"until {until}" if until else "") if x)


def _event_line(e: dict[str, Any]) -> str:
    origin = ("extracted from documents, not reviewed" if e["status"] == "extracted" else
              f"{e['status']}, {'register' if e['origin'] == 'register' else 'reviewed'}")
    return (f"{e['date'] or 'undated'}: {e['actor']} {e['measure'].replace('_', ' ')} "
            f"({', '.join(e['minerals'])}) — {origin}. "
            f"Sources: {e['cite'] or 'none recorded'}")


def _contradiction(c: dict[str, Any]) -> str:
    vals = "; ".join(f"{v['says']} [{v['doc_id']}:{v['passage']}]" for v in c["values"])
    return f"{c['kind']}: {c['fact']} — {vals}"


def _fmt(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:,.0f}" if abs(f) >= 1000 else f"{f:,.4g}"


@dataclass(frozen=True)
class Topic:
    """What a topic names: minerals (with group members), countries, terms, words."""

    minerals: frozenset[str]
    countries: frozenset[str]
    terms: frozenset[str]
    words: tuple[str, ...]

    @classmethod
    def of(cls, topic: str) -> Topic:
        mins = set(lexicon.ids(topic, "mineral"))
        for m in list(mins):
            mins |= set(codes.table()[m].members) if m in codes.table() else set()
        return cls(frozenset(mins), frozenset(lexicon.ids(topic, "country")),
                   frozenset(lexicon.ids(topic, "term")),
                   tuple(t for t in parse(topic).words if len(t) > 1))

    def named_in(self, sentence: str) -> int:
        """How often the sentence names the topic (0: off-topic)."""
        if self.minerals or self.countries:
            return (sum(m in self.minerals for m in lexicon.ids(sentence, "mineral"))
                    + sum(c in self.countries for c in lexicon.ids(sentence, "country")))
        if self.terms:
            return sum(t in self.terms for t in lexicon.ids(sentence, "term"))
        low = sentence.lower()
        return sum(w in low for w in self.words)


def candidates(wh: Warehouse, topic: Topic, query: str, since: str | None,
               until: str | None, depth: int) -> tuple[list[Point], dict[tuple[str, int], str]]:
    """On-topic sentences of the passages search finds, and those passages' texts."""
    hits = search(wh, query, since=since, until=until, limit=depth)
    out: list[Point] = []
    texts: dict[tuple[str, int], str] = {}
    for rank, h in enumerate(hits):
        text = store.load_passage(wh, h.doc_id, h.passage) or ""
        texts[(h.doc_id, h.passage)] = text
        for s in points.sentences_of(text):
            named = topic.named_in(s)
            if named:
                out.append(points.make(s, h.doc_id, h.passage,
                                       salience(s) + min(named, 2) + 1.0 / (1 + rank)))
    return out, texts


def merge(pts: list[Point], threshold: float = SAME_THING) -> list[Point]:
    """Near-duplicates merged only when they say the same thing: the same figures and
    wording at least ``threshold`` alike (citations pooled, best wording kept)."""
    kept: list[tuple[Point, set[str], set[str]]] = []
    for p in sorted(pts, key=lambda p: -p.score):
        sh, nums = shingles(p.text), points.numbers(p.text)
        twin = next((k for k, ksh, kn in kept if kn == nums and jaccard(sh, ksh) >= threshold),
                    None)
        if twin is None:
            kept.append((p, sh, nums))
        else:
            twin.citations.extend(c for c in p.citations if c not in twin.citations)
            twin.score += 0.5
    return [p for p, _, _ in kept]


def _term_name(concept: str) -> str:
    en = [f for f in glossary.forms(concept, "en") if not f.isupper()]
    name = en[0] if en else concept.split(":", 1)[1].replace("_", " ")
    return name[:1].upper() + name[1:]


def group(pts: list[Point], per_group: int) -> dict[str, list[Point]]:
    """Points grouped by the domain term they are about: of a point's terms, the one
    the most points share (what the documents discuss); terms of a single point go to
    "Other points". The best groups (by total score) first."""
    terms = [list(dict.fromkeys(m.concept for m in lexicon.find(p.text, "term")))
             for p in pts]
    freq: dict[str, int] = {}
    for ts in terms:
        for c in ts:
            freq[c] = freq.get(c, 0) + 1
    groups: dict[str, list[Point]] = {}
    for p, ts in sorted(zip(pts, terms, strict=True), key=lambda x: -x[0].score):
        shared = [c for c in ts if freq[c] > 1]
        name = _term_name(max(shared, key=lambda c: freq[c])) if shared else OTHER
        g = groups.setdefault(name, [])
        if len(g) < per_group:
            g.append(p)
    ranked = sorted(groups.items(), key=lambda kv: (kv[0] == OTHER,
                                                     -sum(p.score for p in kv[1])))
    return dict(ranked[:MAX_GROUPS])


def _core(pts: list[Point]) -> list[Point]:
    """Two points stating the main development: the best English ones that stand on
    their own ("Therefore ..." does not), from different documents where possible (any
    language when there is no English point)."""
    ranked = sorted(pts, key=lambda p: (p.language != "en", -p.score))
    alone = [p for p in ranked if not _ASIDE.search(p.text)]
    out: list[Point] = []
    for pool, distinct in ((alone, True), (alone, False), (ranked, False)):
        for p in pool:
            if len(out) == 2:
                return out
            if p not in out and (not distinct or all(
                    p.citations[0][0] != q.citations[0][0] for q in out)):
                out.append(p)
    return out


def brief(wh: Warehouse, topic: str, *, since: str | None = None, until: str | None = None,
          per_group: int = 4, depth: int = 40, model: ChatModel | None = None) -> Briefing:
    """A cited briefing on ``topic`` (see the module docstring).

    Parameters
    ----------
    topic
        words in any language (a mineral, a country, a policy ...).
    since, until
        only documents published in this period (ISO dates).
    per_group
        points per group.
    depth
        passages read (the best ``depth`` search hits).
    model
        optional: an OpenAI-compatible endpoint that rewrites points in English.
    """
    t = Topic.of(topic)
    cands, texts = candidates(wh, t, topic, since, until, depth)
    pts = merge(cands)
    b = Briefing(topic, since, until)
    if pts:
        b.core = _core(pts)
        rest = [p for p in pts if p not in b.core]
        if model is not None:
            b.core, rest, b.notes = rewrite(model, topic, b.core, rest, texts)
        b.groups = group(rest, per_group)
    shown = b.points()
    b.figures = figures(wh, t, shown)
    b.contradictions = contradictions(wh, t, pts)
    b.events = events(wh, t, since, until, {d for p in pts for d, _ in p.citations})
    return b


def _claims_of(wh: Warehouse, pts: list[Point]) -> list[dict[str, Any]]:
    """Claims stated in the points' own sentences (so figures agree with the points)."""
    from mineralwatch.documents.claims import load_claims

    cited = {c for p in pts for c in p.citations}
    df = load_claims(wh)
    if df.empty or not cited:
        return []
    by_passage: dict[tuple[str, int], list[str]] = {}
    for p in pts:
        for c in p.citations:
            by_passage.setdefault(c, []).append(p.text)
    out = []
    for r in df.to_dict(orient="records"):
        key = (r["doc_id"], int(r["passage"]))
        if key in cited and any(points.appears_in(str(r["text"]), s) or
                                points.appears_in(s, str(r["text"]))
                                for s in by_passage.get(key, [])):
            out.append(r)
    return out


def figures(wh: Warehouse, topic: Topic, pts: list[Point], limit: int = 12
            ) -> list[dict[str, Any]]:
    """Key figures: the claims the shown points state, on the topic's minerals."""
    from mineralwatch.documents.claims import fact_label

    rows = []
    for r in _claims_of(wh, pts):
        if topic.minerals and r["mineral"] not in topic.minerals:
            continue
        if not isinstance(r["measure"], str):
            continue
        country = r["country"] if isinstance(r["country"], str) else None
        mineral = r["mineral"] if isinstance(r["mineral"], str) else None
        fact = (fact_label(r["measure"], mineral, country, None) if mineral and country
                else r["measure"].replace("_", " ") + (f" of {mineral}" if mineral else ""))
        rows.append({"fact": fact, "value": r["value"], "unit": r["unit"],
                     "year": r["year"] if isinstance(r["year"], str) else None,
                     "doc_id": r["doc_id"], "passage": int(r["passage"]), "text": r["text"]})
    return rows[:limit]


def contradictions(wh: Warehouse, topic: Topic, pts: list[Point]) -> list[dict[str, Any]]:
    """Values that disagree (claims of one fact, across documents) and one figure given
    different dates in different passages (the same 3,834 t dated Dec 2023-Apr 2024 and
    Dec 2024-Apr 2025), among the topic's points."""
    import pandas as pd

    from mineralwatch.documents.claims import find_conflicts, load_claims
    from mineralwatch.documents.grounding import months

    out: list[dict[str, Any]] = []
    df = load_claims(wh)
    docs = {c[0] for p in pts for c in p.citations}
    if not df.empty and docs:
        sub = df[df["doc_id"].isin(docs)]
        if topic.minerals:
            sub = sub[sub["mineral"].isin(topic.minerals)]
        for c in find_conflicts(pd.DataFrame(sub)):
            out.append({"kind": "values", "fact": c["fact"], "values": [
                {"says": f"{_fmt(v['value'])} {v['unit']}", "doc_id": v["doc_id"],
                 "passage": v["passage"], "text": v["text"]} for v in c["values"]]})
    seen: dict[str, list[tuple[Point, frozenset[str]]]] = {}
    for p in pts:
        for n in points.numbers(p.text):
            if _figure_like(n):
                seen.setdefault(n, []).append((p, frozenset(months(p.text))))
    for n, items in seen.items():
        dated = [(p, m) for p, m in items if m]
        periods = {m for _, m in dated}
        where = {p.citations[0] for p, _ in dated}
        if len(periods) > 1 and len(where) > 1:
            out.append({"kind": "dates", "fact": f"the figure {n}", "values": [
                {"says": " to ".join(sorted(m)), "doc_id": p.citations[0][0],
                 "passage": p.citations[0][1], "text": p.text} for p, m in dated]})
    return out


def _figure_like(n: str) -> bool:
    """A number that is a figure, not a year, a day or a small count."""
    try:
        v = float(n)
    except ValueError:
        return False
    return v >= 100 and not (1900 <= v <= 2100 and v.is_integer())


def events(wh: Warehouse, topic: Topic, since: str | None, until: str | None,
           docs: set[str]) -> list[dict[str, Any]]:
    """The topic's policy events: on its minerals, by or against its countries, or (a
    theme with neither) cited in the documents the briefing cites; rejected ones out."""
    df = wh.sql('SELECT * FROM "policy_event" WHERE status <> \'rejected\'')
    out = []
    for r in df.to_dict(orient="records"):
        ev_min = json.loads(r["minerals"]) if isinstance(r["minerals"], str) else []
        cits = json.loads(r["citations"]) if isinstance(r["citations"], str) else []
        targets = json.loads(r["target"]) if isinstance(r.get("target"), str) else []
        if topic.minerals or topic.countries:
            if not (set(ev_min) & topic.minerals or r["actor"] in topic.countries
                    or set(targets) & topic.countries):
                continue
        elif not any(c.get("doc_id") in docs for c in cits):
            continue
        ann, eff = _day(r["announced"]), _day(r["effective"])
        when = eff or ann
        if (since and when and when < since) or (until and when and when[:len(until)] > until):
            continue
        if (since or until) and not when and not any(c.get("doc_id") in docs for c in cits):
            continue  # undated, and cited only by documents outside the period
        out.append({"id": r["id"], "date": when, "actor": r["actor"], "measure": r["measure"],
                    "minerals": ev_min, "status": r["status"], "announced": ann,
                    "effective": eff, "origin": "extracted" if r["status"] == "extracted"
                    or str(r["source_id"]).startswith("doc:") else "register",
                    "cite": "; ".join(list(dict.fromkeys(map(citation_label, cits)))[:3])})
    return out


def _day(v: Any) -> str | None:
    s = str(v)[:10] if v is not None else ""
    return s if s and s not in ("NaT", "None", "nan") else None


__all__ = ["Briefing", "Point", "Topic", "brief", "candidates", "contradictions", "events",
           "figures", "group", "merge"]
