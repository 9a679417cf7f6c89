"""The country of a figure: who produces, holds, exports or imports what it measures.

Rules, in order (:func:`figure_countries`):

1. Mentions that are not a holder are set aside: a destination ("exports to the United
   States", 运往美国, 向中国出口, 对华), the origin of imports ("imports from Thailand and
   Mexico", 从中国进口), a transit country ("through Thailand", 经由), a country word
   inside a company's name ("Anglo American"; a name that starts with it, "U.S. Steel",
   keeps it), and a country that is the destination or origin in the same clause is not
   the holder elsewhere in it ("Myanmar shipped 42,000 t to China, 60% of China's
   imports").
2. "respectively"/分别: the clause's countries are mapped in order to its figures of the
   same kind ("China and Myanmar produced 270,000 t and 31,000 t respectively").
3. The nearest remaining mention in the figure's own clause (:func:`.clauses.clauses`),
   mentions before the figure preferred (:func:`.context.nearest`). A mention after the
   figure counts only after "in", "by", "from", "at", "of" or "for" ("80% in China",
   "located in Brazil"), never after "while", "after", "as" or "with" ("rose 35% after
   Beijing's controls"); "global"/全球 after a figure is not its holder ("2.2 Mt, half of
   global supply"); the whole of a share ("57% of China's imports", 占中国进口量) is the
   holder only when nothing else is named. Two countries joined by "and"/、/和 hold a
   figure jointly: no country.
4. Prices take a country only when the text places the price there ("prices in China",
   "China's lithium prices", 中国碳酸锂价格); "The DoD guaranteed a price of $110/kg" has
   none.
5. A clause that names no holder takes that of the clause before it, unless it is a
   contrast ("while", "but", 而, 但 ...) or follows a leading "Although/Despite ..." clause;
   a sentence that names no country at all takes the holder of the passage's previous
   sentence that named one ("The country produced ...", "Its output ...", 该国).

World totals are ``WLD`` (the lexicon's code for "global", "world", 全球).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mineralwatch.documents import lexicon
from mineralwatch.documents.extract.clauses import clauses
from mineralwatch.documents.extract.companies import find_companies
from mineralwatch.documents.extract.context import Sentence, nearest

WORLD = "WLD"

#: Before a mention: it is where the goods go (in a clause about a flow of goods).
DESTINATION = re.compile(
    r"(?i)(?:(?<!according )(?<!due )(?<!owing )(?<!thanks )(?<!relative )(?<!compared )"
    r"(?<!prior )(?<!close )(?<!up )(?<!similar )(?<!equal )\bto|\binto|\btowards?|"
    r"\bbound for|\bdestined for)\s+(?:the\s+)?$"
    r"|(?:对|向|运往|运至|运抵|输往|销往|发往|流向|出口到|出口至|出口往)\s*$")
FLOW_WORDS = re.compile(r"(?i)\b(?:export|ship|transport|smuggl|sold\b|sell|sale|deliver|"
                        r"sent\b|send|suppl|import|channel)|出口|进口|运|销|输|供应|供货")
#: Before a mention: where imports come from (only in a clause about imports).
SOURCE = re.compile(r"(?i)\bfrom\s+(?:the\s+)?$|(?:从|自)\s*$")
IMPORT_WORDS = re.compile(r"(?i)\bimport(?:s|ed|ing)?\b|进口|输入")
#: Before a mention: a country the goods pass through.
TRANSIT = re.compile(r"(?i)\b(?:through|via)\s+(?:the\s+)?$|(?:经由|途经|借道|通过)\s*$")
#: China as a destination or origin written 华 (对华出口, 输华, 从华进口).
CHINA_FLOW = re.compile(r"(?:对|向|输|运往|销往|出口到?)华")
CHINA_SOURCE = re.compile(r"(?:从|自)华")
#: Between two mentions that name a joint holder ("South Africa and Kazakhstan").
COORDINATED = re.compile(r"(?i)^\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s*|[、和与及]|以及)"
                         r"\s*(?:the\s+)?$")
#: Before a mention after the figure: a preposition that can introduce its holder.
AFTER_PREP = re.compile(r"(?i)(?:\b(?:in|by|from|at|of|for)\s+(?:the\s+)?|[在由于])\s*$")
#: Before a mention after a share: the whole it is a share of.
SHARE_WHOLE = re.compile(r"(?i)^\s*of\s+(?:the\s+)?$")
SHARE_WHOLE_ZH = re.compile(r"占(?:据|了)?\s*$")
#: A sentence that refers back to a country named before ("its output", 该国).
ANAPHOR = re.compile(r"(?i)\b(?:its|the country(?:'s)?|the nation(?:'s)?|this country(?:'s)?)\b"
                     r"|该国|此国|其(?![中他它余实次后前])")
#: Measures a country holds: a sentence naming none may take the previous holder.
HOLDINGS = frozenset({"production", "reserves", "capacity", "exports", "imports",
                      "export_quota", "quota", "demand", "supply", "inventory", "shortage",
                      "surplus"})
_NAME_BEFORE = re.compile(r"[A-Z][\w&.'-]*\s+$")
_ASIDE = re.compile(r"[(（][^()（）]{0,80}[)）]")
RESPECTIVELY = re.compile(r"(?i)\brespectively\b|分别|各为")
#: A mention that places a price: "prices in China" (before it) or "China's ... prices",
#: 中国...价格 (between it and the price word).
PRICE_IN = re.compile(r"(?i)\bprices?\s+(?:in|at)\s+(?:the\s+)?$")
PRICE_OF = re.compile(r"(?i)^(?:'s)?(?:\s+[\w-]+){0,4}?\s+prices?\b|^[\u4e00-\u9fff]{0,8}价格")
#: Clauses that open a contrast: they inherit no holder from the clause before.
CONTRAST = re.compile(r"(?i)^\s*(?:while|whilst|whereas|but|although|though|yet|however|"
                      r"even though|despite)\b|^\s*(?:而|但|然而|同时|与此同时|不过|可是|只是|"
                      r"尽管|虽然|虽)")


@dataclass(frozen=True)
class Figure:
    """What attribution needs of a figure: its span in the passage, measure and unit."""

    start: int
    end: int
    measure: str | None
    unit: str


def _held(measure: str | None) -> bool:
    """True for what a country holds, produces or trades (not growth, prices, money)."""
    return bool(measure) and (measure in HOLDINGS or str(measure).endswith("share"))


def _kind(unit: str) -> str:
    return "pct" if unit in ("%", "pp") else "price" if "/" in unit else (
        "mass" if unit == "t" else "money")


def _inside_company(sent: Sentence, mentions: list[lexicon.Mention]) -> set[int]:
    """Indices of mentions inside a company name that does not start with them."""
    text = sent.passage
    if not any(_NAME_BEFORE.search(text, max(0, m.start - 40), m.start) for m in mentions):
        return set()  # no capitalised word before a mention: none is inside a name
    base = sent.span.start
    spans = [(c.start + base, c.end + base) for c in find_companies(sent.text)]
    return {i for i, m in enumerate(mentions) if any(s < m.start < e for s, e in spans)}


@dataclass
class _Clause:
    start: int  # passage offsets
    end: int
    contrast: bool
    mentions: list[lexicon.Mention]
    whole: list[lexicon.Mention]  # set aside (destinations, origins, transit)


def _clauses(sent: Sentence) -> list[_Clause]:
    text, base = sent.passage, sent.span.start
    companies = _inside_company(sent, sent.countries)
    spans = clauses(sent, [*sent.minerals, *sent.countries])
    out: list[_Clause] = []
    lead = False
    for k, (s, e) in enumerate(spans):
        s, e = s + base, e + base
        ms = [m for i, m in enumerate(sent.countries) if s <= m.start < e and i not in companies]
        imports = IMPORT_WORDS.search(text, s, e) is not None
        flow = FLOW_WORDS.search(text, s, e) is not None
        off: list[lexicon.Mention] = []
        for i, m in enumerate(ms):
            before = text[max(s, m.start - 30):m.start]
            if m.id == WORLD:
                continue  # "lead to global supply": the world is no destination
            if ((flow and DESTINATION.search(before)) or TRANSIT.search(before)
                    or (imports and SOURCE.search(before))):
                off.append(m)
            elif off and off[-1] is ms[i - 1] and COORDINATED.match(
                    text[ms[i - 1].end:m.start]):
                off.append(m)  # "from Thailand and Mexico"
        gone = {m.id for m in off}
        clause_text = text[s:e]
        if ((flow and CHINA_FLOW.search(clause_text))
                or (imports and CHINA_SOURCE.search(clause_text))):
            gone.add("CHN")
        keep = [m for m in ms if m.id not in gone]
        opens = CONTRAST.match(clause_text) is not None
        out.append(_Clause(s, e, opens or lead, keep, off))
        lead = k == 0 and len(spans) > 1 and CONTRAST.match(clause_text) is not None and (
            re.match(r"(?i)^\s*(?:while|whilst|although|though|whereas|despite|even though)"
                     r"\b|^\s*(?:尽管|虽然|虽)", clause_text) is not None)
    return out


def _holder(sent: Sentence, clause: _Clause, fig: Figure) -> lexicon.Mention | None:
    """The holder of ``fig`` named in its own clause, or ``None``."""
    text = sent.passage
    share = bool(fig.measure and fig.measure.endswith("share"))
    price = fig.measure == "price"
    cands: list[lexicon.Mention] = []
    wholes: list[lexicon.Mention] = []
    for m in clause.mentions:
        if price:
            if PRICE_IN.search(text[max(clause.start, m.start - 20):m.start]) or (
                    m.end <= fig.start and PRICE_OF.match(text[m.end:fig.start])):
                cands.append(m)
            continue
        if m.id == WORLD and (share or m.start >= fig.end):
            continue
        if m.start >= fig.end:
            gap = text[fig.end:m.start]
            if share and SHARE_WHOLE.match(gap):
                wholes.append(m)
            elif AFTER_PREP.search(gap[-12:]) and not re.search(r"[,，;；(（)）]",
                                                                _ASIDE.sub("", gap)):
                cands.append(m)
        elif share and SHARE_WHOLE_ZH.search(text[max(clause.start, m.start - 4):m.start]):
            wholes.append(m)
        else:
            cands.append(m)
    if not cands and not wholes and fig.measure and fig.measure.startswith("import"):
        # the destination of imports is their holder ("imports into Japan were 3,000 t")
        cands = [m for m in clause.whole
                 if DESTINATION.search(text[max(clause.start, m.start - 30):m.start])]
    best = nearest(fig.start, cands or wholes, end=fig.end, text=text)
    if not isinstance(best, lexicon.Mention):
        return None
    return best


def _joint(sent: Sentence, clause: _Clause, m: lexicon.Mention) -> bool:
    """True when ``m`` is one of two or more countries named together ("X and Y")."""
    text = sent.passage
    ms = [x for x in clause.mentions if x.id != WORLD]
    i = next((k for k, x in enumerate(ms) if x is m), None)
    if i is None:
        return False
    return ((i > 0 and COORDINATED.match(text[ms[i - 1].end:m.start]) is not None
             and ms[i - 1].id != m.id)
            or (i + 1 < len(ms) and COORDINATED.match(text[m.end:ms[i + 1].start]) is not None
                and ms[i + 1].id != m.id))


def _respectively(sent: Sentence, clause: _Clause, figs: Sequence[tuple[int, Figure]]
                  ) -> dict[int, str]:
    """Countries of the figures of a "respectively" clause, mapped in order."""
    if not RESPECTIVELY.search(sent.passage, clause.start, clause.end):
        return {}
    ids = list(dict.fromkeys(m.id for m in clause.mentions if m.id != WORLD))
    if len(ids) < 2:
        return {}
    out: dict[int, str] = {}
    by_kind: dict[str, list[int]] = {}
    for i, f in figs:
        by_kind.setdefault(_kind(f.unit), []).append(i)
    for idx in by_kind.values():
        if len(idx) == len(ids):
            out.update(zip(idx, ids, strict=True))
    return out


def subject(sent: Sentence) -> str | None:
    """The first country a sentence names as a possible holder (not a destination, an
    origin of imports, a transit country or the world), or ``None``."""
    for c in _clauses(sent):
        for m in c.mentions:
            if m.id != WORLD:
                return m.id
    return None


def figure_countries(sent: Sentence, figures: Sequence[Figure],
                     previous: str | None = None) -> list[str | None]:
    """The country of each figure of ``sent`` (see the module's rules); ``previous`` is
    the holder named by the passage's previous sentence that named one."""
    if not figures:
        return []
    if not sent.countries:
        refers = ANAPHOR.search(sent.text) is not None
        return [previous if (refers or _held(f.measure)) and f.measure != "price" else None
                for f in figures]
    cls = _clauses(sent)
    named = bool(sent.countries)
    where = [next((k for k, c in enumerate(cls) if c.start <= f.start < c.end), len(cls) - 1)
             for f in figures]
    out: list[str | None] = [None] * len(figures)
    done: set[int] = set()
    for k, c in enumerate(cls):
        figs = [(i, f) for i, f in enumerate(figures) if where[i] == k]
        for i, cid in _respectively(sent, c, figs).items():
            out[i] = cid
            done.add(i)
    own: list[str | None] = []
    for c in cls:
        first = next((m for m in c.mentions if m.id != WORLD), None) or next(
            iter(c.mentions), None)
        own.append(first.id if first else None)
    inherited: list[str | None] = []
    for k, c in enumerate(cls):
        inherited.append(own[k] if own[k] else (
            inherited[k - 1] if k and not c.contrast else None))
    for i, f in enumerate(figures):
        if i in done:
            continue
        c = cls[where[i]]
        m = _holder(sent, c, f)
        if m is not None:
            out[i] = None if _joint(sent, c, m) else m.id
        elif f.measure == "price":
            out[i] = None
        elif not named and (ANAPHOR.search(sent.text) or _held(f.measure)):
            out[i] = previous
        elif not c.mentions and not c.whole and where[i] and not c.contrast:
            out[i] = inherited[where[i] - 1]
    return out


__all__ = ["WORLD", "Figure", "figure_countries", "subject"]
