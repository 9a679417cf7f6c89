"""Clauses of a sentence, cut at connectives (not parsed), shared by the extractors.

Events take the minerals of their trigger's clause (:mod:`.events`), figures the country
of their own clause (:mod:`.countries`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mineralwatch.documents import lexicon
from mineralwatch.documents.extract.context import Sentence

#: Clause boundaries for mineral attribution: a semicolon, a contrastive or
#: independent-clause connective after a comma (English "while", "whereas", "but",
#: "although" ...; Chinese 而, 但, 然而, 同时 ...), "but" without a comma, a Chinese full
#: stop, and the comma closing a leading subordinate clause ("While nickel prices
#: slumped, ..."; 尽管/虽然 ...，). Additive "but also" and "while also" are no boundary,
#: nor is a plain comma: commas in "gallium, germanium and antimony" keep the list whole.
#: "following/after the announcement (news, report, decision) that" opens a clause too:
#: "aluminium is rising following the announcement that Indonesia will halt bauxite ore
#: exports" is a bauxite measure.
#: Patterns that may start with spaces start where the run of spaces starts (``(?<!\s)``):
#: retried from every position inside a long run they made splitting quadratic.
CLAUSE_BREAK = re.compile(
    r"(?<!\s)\s*[;；。]\s*"
    r"|(?<!\s)\s*,\s*(?=(?i:while(?!\s+also\b)|whilst|whereas|but(?!\s+also\b)|although|"
    r"though|yet|however|even though)\b)"
    r"|(?<![,\s])(?<!\ball)(?<!\bnothing)\s+(?=(?i:but)\b(?!\s+also\b))"
    r"|(?<!\s)\s+(?=(?i:following|after)\s+(?:the\s+)?(?:announcement|news|report|decision)s?"
    r"\s+that\b)"
    r"|，(?=而|但|然而|同时|与此同时|不过|可是|只是)"
    r"|^\s*(?:(?i:while|whilst|although|though|whereas|despite|even though)\b|尽管|虽然|虽)"
    r"[^,，;；]*?(?P<lead>\s*[,，]\s*)")
#: ", and" ends a clause unless it closes a list ("gallium, germanium, and antimony").
COMMA_AND = re.compile(r"(?i)(?<!\s)\s*,\s*(?=and\s)")
#: A list item before ", and": at most this many words, naming a mineral, with no "and".
LIST_ITEM_WORDS = 4
_LIST_JOIN = re.compile(r"(?i)\b(?:and|or)\b|[;；:：]")
_COMMA = re.compile(r"[,，]")


def _list_item(sent: Sentence, start: int, end: int,
               items: Sequence[lexicon.Mention] | None = None) -> bool:
    """True when ``sent.text[start:end]`` (the words between the last comma and ", and")
    is an item of a list: short, naming a mineral (or one of ``items``), not itself
    closed by "and"."""
    item = sent.text[start:end]
    base = sent.span.start
    return (len(item.split()) <= LIST_ITEM_WORDS and not _LIST_JOIN.search(item)
            and any(start <= m.start - base < end
                    for m in (sent.minerals if items is None else items)))


def clauses(sent: Sentence, items: Sequence[lexicon.Mention] | None = None
            ) -> list[tuple[int, int]]:
    """The clauses of a sentence as ``(start, end)`` offsets in ``sent.text``.

    Split at :data:`CLAUSE_BREAK` and at ", and" when it does not close a mineral list
    (see :func:`_list_item`); connectives ("while", 而) open the clause they introduce.
    ``items``: the mentions that make a list (default the sentence's minerals; the
    figures' countries pass minerals and countries, so "China, Myanmar, and Australia"
    stays one list).
    """
    text = sent.text
    cuts: list[tuple[int, int]] = []
    for m in CLAUSE_BREAK.finditer(text):
        cuts.append(m.span("lead") if m.group("lead") is not None else m.span())
    for m in COMMA_AND.finditer(text):
        prev = max((c.end() for c in _COMMA.finditer(text, 0, m.start())), default=0)
        prev = max([prev, *(e for s, e in cuts if e <= m.start())])
        if not _list_item(sent, prev, m.start(), items):
            cuts.append(m.span())
    out: list[tuple[int, int]] = []
    pos = 0
    for s, e in sorted(cuts):
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < len(text):
        out.append((pos, len(text)))
    return out or [(0, len(text))]


__all__ = ["CLAUSE_BREAK", "COMMA_AND", "LIST_ITEM_WORDS", "clauses"]
