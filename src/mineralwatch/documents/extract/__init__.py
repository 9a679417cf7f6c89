"""Extraction of figures, policy events and companies from text, each with a citation.

>>> from mineralwatch.documents.extract import extract
>>> x = extract("刚果（金）2026年钴出口配额为9.66万吨。", doc_id="d1")
>>> (x.quantities[0].value, x.quantities[0].unit, x.quantities[0].measure)
(96600.0, 't', 'export_quota')

Citations are ``{doc_id, passage, start, end}`` with the span relative to the passage
text (:func:`extract` treats its input as one passage). Traditional Chinese is read
through its simplified form (:func:`~mineralwatch.documents.language.to_simplified`,
character for character, so spans and quoted text are those of the original).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from mineralwatch.documents.extract.companies import Company, find_companies
from mineralwatch.documents.extract.context import analyse
from mineralwatch.documents.extract.events import Event, events_in
from mineralwatch.documents.extract.quantities import Quantity, quantities_in
from mineralwatch.documents.extract.verifier import verify
from mineralwatch.documents.language import detect_language, to_simplified


@dataclass
class Extraction:
    """What one passage (or text) says: figures, policy events, companies."""

    quantities: list[Quantity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    last_actor: str | None = None

    def extend(self, other: Extraction) -> None:
        """Add another passage's findings."""
        self.quantities.extend(other.quantities)
        self.events.extend(other.events)
        self.companies.extend(other.companies)
        self.last_actor = other.last_actor


def extract(text: str, *, doc_id: str = "", passage: int = 0,
            default_year: int | None = None, context_actor: str | None = None,
            doc_date: date | None = None, lang: str | None = None, check: bool = True
            ) -> Extraction:
    """Figures, policy events and companies in one passage of text.

    Parameters
    ----------
    text
        the passage.
    doc_id, passage
        the citation given to everything found.
    default_year
        year of dates written without one ("October 9"), usually the publication year.
    context_actor
        the acting country of a sentence that names none (the last actor of the
        previous passage of the same document).
    doc_date
        the document's own date (:func:`.dating.document_date`): resolves "Tuesday",
        "effective immediately", 即日起, 发布之日起 and a bare 9日.
    lang
        the language of the passage (detected when not given): how its numbers are
        written ("12 345" in French).
    check
        let the learned verifier (:mod:`.verifier`, when a model ships) drop or
        relabel the rules' events.
    """
    simple = to_simplified(text)  # same length: every span holds in ``text`` too
    sents = analyse(simple)
    qs = [replace(q, doc_id=doc_id, passage=passage, text=text[q.start:q.end].strip())
          for q in quantities_in(sents, lang or detect_language(text))]
    evs, last = events_in(sents, qs, default_year=default_year, context_actor=context_actor,
                          doc_date=doc_date)
    for e in evs:
        e.citations = [{"doc_id": doc_id, "passage": passage, **c} for c in e.citations]
        if e.citations:
            e.text = text[int(e.citations[0]["start"]):int(e.citations[0]["end"])]
    if check:
        evs = checked(evs)
    return Extraction(qs, evs, find_companies(text), last)


def checked(events: list[Event]) -> list[Event]:
    """``events`` as the learned verifier keeps them: dropped when the model says the
    sentence states no measure, relabelled when it is sure of another measure."""
    out = []
    for e in events:
        kept = verify(e.text, e.measure)
        if kept is not None:
            e.measure = kept
            out.append(e)
    return out


__all__ = ["Company", "Event", "Extraction", "Quantity", "extract"]
