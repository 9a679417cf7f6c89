"""``ingest_documents``: read document files, segment, extract, write to the warehouse.

>>> import mineralwatch as mw
>>> wh = mw.open(":memory:")
>>> report = mw.ingest_documents(wh, ["notes/"])          # doctest: +SKIP
>>> report.added, report.skipped, report.failures          # doctest: +SKIP

One bad file (or one bad JSON Lines record) is reported with its file and line and the
rest are ingested. Documents are written in batches of :data:`BATCH` in one transaction
each, so a document is never half-written; an unchanged document (same text checksum)
is skipped.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mineralwatch.documents import store
from mineralwatch.documents.extract import Extraction, extract
from mineralwatch.documents.extract.dating import document_date
from mineralwatch.documents.extract.events import Event, add_mention, specific
from mineralwatch.documents.language import detect_language, is_supported, language_code
from mineralwatch.documents.readers import MAX_BYTES, SUFFIXES, RawDocument, read_file
from mineralwatch.documents.segment import Span, deduplicate, fingerprint, passages
from mineralwatch.errors import Failure, InputError, MineralwatchError
from mineralwatch.store import Warehouse

#: Documents per write transaction.
BATCH = 200
#: Passages shorter than this (characters) take the document's language: too few words
#: to tell French from English by themselves.
SHORT_PASSAGE = 60


@dataclass
class IngestReport:
    """What an ingest did: documents added, replaced, skipped, and every failure."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    passages: int = 0
    claims: int = 0
    events: int = 0
    #: documents stored and searchable but not mined: ``{doc_id: language}``.
    unsupported: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every file was read."""
        return not self.failures

    def summary(self) -> str:
        """One line: counts of documents, passages, claims, events and failures."""
        line = (f"{len(self.added)} added, {len(self.replaced)} replaced, "
                f"{len(self.skipped)} unchanged, {len(self.failures)} failed; "
                f"{self.passages} passages, {self.claims} figures, {self.events} events")
        if self.unsupported:
            langs = ", ".join(sorted(set(self.unsupported.values())))
            line += (f"; {len(self.unsupported)} in a language not extracted ({langs}): "
                     "stored and searchable, no figures or events")
        return line


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files under ``paths`` (folders are walked; only known suffixes are taken from them)."""
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUFFIXES:
                    yield f
        else:
            yield p


def checksum(text: str) -> str:
    """SHA-256 of a document's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _year(published: str | None) -> int | None:
    return int(published[:4]) if published and published[:4].isdigit() else None


def merge_events(events: list[Event]) -> list[Event]:
    """Merge repeated mentions of one event in a document.

    Same key (actor, measure, minerals, dates): citations combined. An undated mention
    whose actor and measure match a dated event and whose minerals overlap it (a member
    counts as overlapping its group) is a citation of that event, and adds its minerals.
    """
    by_key: dict[tuple[object, ...], Event] = {}
    for e in events:
        add_mention(by_key, e)
    out = list(by_key.values())
    dated = [e for e in out if e.dated]
    keep = []
    for e in out:
        if not e.dated:
            match = next((d for d in dated if (d.actor, d.measure) == (e.actor, e.measure)
                          and _overlap(d.minerals, e.minerals)), None)
            if match is not None:
                match.citations.extend(e.citations)
                match.minerals = specific(list(dict.fromkeys([*match.minerals,
                                                              *e.minerals])))
                match.instrument = match.instrument or e.instrument
                continue
        keep.append(e)
    return keep


def _overlap(a: list[str], b: list[str]) -> bool:
    from mineralwatch.codes import minerals as codes

    def expand(ms: list[str]) -> set[str]:
        out = set(ms)
        for m in ms:
            if m in codes.table():
                out |= set(codes.table()[m].members)
        return out
    return bool(set(a) & set(b)) or bool(expand(a) & set(b)) or bool(set(a) & expand(b))


@dataclass
class DocumentExtraction:
    """A document read as ingest reads it: language, passages (with their languages) and
    what extraction found (events merged per document)."""

    language: str
    spans: list[Span]
    languages: list[str]
    found: Extraction
    #: the passages' events before they were merged into the document's
    candidates: list[Event] = field(default_factory=list)


def extract_document(text: str, *, doc_id: str = "", published: str | None = None,
                     language: str | None = None, check: bool = True
                     ) -> DocumentExtraction:
    """Segment, deduplicate and extract one document (what :func:`document_rows` stores
    and the corpus evaluation scores). ``check``: let the learned verifier
    (:mod:`.extract.verifier`) check the rules' events."""
    lang = language_code(language) or detect_language(text)
    spans = deduplicate(passages(text))
    found = Extraction()
    doc_date = document_date(text, published)
    year = doc_date.year if doc_date else _year(published)
    langs = []
    for i, s in enumerate(spans):
        plang = detect_language(s.text) if len(s.text) >= SHORT_PASSAGE else lang
        langs.append(plang)
        if is_supported(lang):  # no rules for other languages: no invented events
            found.extend(extract(s.text, doc_id=doc_id, passage=i, default_year=year,
                                 context_actor=found.last_actor, doc_date=doc_date,
                                 lang=plang, check=check))
    cands = [copy.copy(e) for e in found.events]
    found.events = merge_events(found.events)
    return DocumentExtraction(lang, spans, langs, found, cands)


def document_rows(doc: RawDocument) -> store.DocumentRows:
    """Segment, deduplicate and extract one document into warehouse records."""
    x = extract_document(doc.text, doc_id=doc.doc_id, published=doc.published,
                         language=doc.language)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    prows = [{"doc_id": doc.doc_id, "idx": i, "text": s.text, "language": plang,
              "start": s.start, "end": s.end, "hash": fingerprint(s.text)}
             for i, (s, plang) in enumerate(zip(x.spans, x.languages, strict=True))]
    claims = [{"id": f"{doc.doc_id}:{q.passage}:{q.start}:{n}", "value": q.value,
               "unit": q.unit, "measure": q.measure, "mineral": q.mineral,
               "country": q.country, "year": q.year, "doc_id": doc.doc_id,
               "passage": q.passage, "start": q.start, "end": q.end, "text": q.text}
              for n, q in enumerate(x.found.quantities)]
    events = [event_record(e, doc.doc_id) for e in x.found.events]
    return store.DocumentRows(doc.doc_id, checksum(doc.text), doc.path, doc.url, {
        "document": [{"doc_id": doc.doc_id, "title": doc.title, "url": doc.url,
                      "published": doc.published, "language": x.language, "path": doc.path,
                      "checksum": checksum(doc.text), "ingested_at": now}],
        "passage": prows, "claim": claims, "policy_event": events})


def event_record(e: Event, doc_id: str) -> dict[str, Any]:
    """A ``policy_event`` row (status ``extracted``) for an extracted event."""
    from mineralwatch.codes import minerals as codes

    hs = sorted({h.hs6 for m in e.minerals if m in codes.table()
                 for h in codes.hs_codes(m)})
    names = ", ".join(e.minerals)
    return {
        "id": e.event_id(doc_id), "actor": e.actor, "authority": e.authority,
        "instrument": e.instrument, "measure": e.measure, "minerals": e.minerals,
        "hs_codes": hs, "target": e.target,
        "announced": e.announced.isoformat() if e.announced else None,
        "effective": e.effective.isoformat() if e.effective else None,
        "ends": e.ends.isoformat() if e.ends else None,
        "quantity": e.quantity, "quantity_unit": e.quantity_unit, "status": "extracted",
        "suspends": None, "title": f"{e.actor} {e.measure.replace('_', ' ')}: {names}",
        "note": e.text[:300], "citations": e.citations,
    }


def ingest_documents(wh: Warehouse, paths: Iterable[str | Path], *, force: bool = False,
                     max_bytes: int = MAX_BYTES,
                     on_file: Callable[[Path], None] | None = None) -> IngestReport:
    """Read, segment, extract and store documents; returns an :class:`IngestReport`.

    Parameters
    ----------
    wh
        the warehouse.
    paths
        files or folders (.txt, .md, .html, .pdf, .jsonl).
    force
        re-ingest documents whose text is unchanged.
    max_bytes
        size limit per file (default 20 MiB).
    on_file
        called after each file (progress bars).
    """
    report = IngestReport()
    pending: list[RawDocument] = []
    for path in iter_files(paths):
        try:
            docs, bad = read_file(path, max_bytes=max_bytes)
        except InputError as exc:
            report.failures.extend(exc.failures or [Failure(str(exc), file=str(path))])
            docs, bad = [], []
        except (OSError, MineralwatchError) as exc:
            report.failures.append(Failure(str(exc), file=str(path)))
            docs, bad = [], []
        report.failures.extend(bad)
        pending.extend(docs)
        if len(pending) >= BATCH:
            _flush(wh, pending, report, force)
            pending = []
        if on_file is not None:
            on_file(path)
    _flush(wh, pending, report, force)
    return report


def _flush(wh: Warehouse, docs: list[RawDocument], report: IngestReport,
           force: bool) -> None:
    """Process the changed documents of a batch and write them in one transaction."""
    if not docs:
        return
    prior = store.checksums(wh, [d.doc_id for d in docs])
    todo: list[store.DocumentRows] = []
    for d in docs:
        if not force and prior.get(d.doc_id) == checksum(d.text):
            report.skipped.append(d.doc_id)
            continue
        try:
            todo.append(document_rows(d))
        except Exception as exc:  # one bad document must not stop the rest
            report.failures.append(Failure(f"cannot process document {d.doc_id!r}: "
                                           f"{type(exc).__name__}: {exc}",
                                           file=d.path, line=d.line))
    store.write(wh, todo)
    for r in todo:
        (report.replaced if r.doc_id in prior else report.added).append(r.doc_id)
        report.passages += len(r.rows["passage"])
        report.claims += len(r.rows["claim"])
        report.events += len(r.rows["policy_event"])
        lang = r.rows["document"][0]["language"]
        if not is_supported(lang):
            report.unsupported[r.doc_id] = lang


__all__ = ["BATCH", "DocumentExtraction", "IngestReport", "checksum", "document_rows",
           "event_record", "extract_document",
           "ingest_documents", "iter_files", "merge_events"]
