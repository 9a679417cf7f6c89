"""Writing documents, passages, claims and extracted events to the warehouse, and reading
them back. Documents are written in batches, each batch one transaction: a document is
either wholly in the warehouse (with its passages, claims and events) or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mineralwatch import schema
from mineralwatch.store import SourceInfo, Warehouse

KIND = "document"
LOADER_VERSION = "1"
#: The tables a document writes (besides its ``source`` row).
TABLES = ("document", "passage", "claim", "policy_event")


def source_id(doc_id: str) -> str:
    """Provenance id of a document: ``doc:<doc_id>``."""
    return f"doc:{doc_id}"


@dataclass
class DocumentRows:
    """Everything one document writes: table -> records, plus its provenance."""

    doc_id: str
    checksum: str
    path: str | None
    url: str | None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def checksums(wh: Warehouse, doc_ids: Sequence[str]) -> dict[str, str]:
    """Stored checksum of each document already in the warehouse."""
    if not doc_ids:
        return {}
    df = wh.sql('SELECT name, checksum FROM "source" WHERE kind = ? AND source_id IN '
                "(SELECT UNNEST(?))", [KIND, [source_id(d) for d in doc_ids]])
    return dict(zip(df["name"], df["checksum"], strict=True))


def _frame(table: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    cols = schema.TABLES[table].column_names
    df = pd.DataFrame(records, columns=cols) if records else schema.empty(table)
    for c in schema.TABLES[table].columns:
        if c.dtype == "json":
            df[c.name] = df[c.name].map(
                lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
    return df  # validated by the warehouse's write


def write(wh: Warehouse, docs: Sequence[DocumentRows]) -> None:
    """Replace the rows of ``docs`` in one transaction (review status of events kept).

    Events a reviewer confirmed or rejected keep that status when their document is
    ingested again and the same event (same id) is extracted. The write is the
    warehouse's own :meth:`~mineralwatch.store.Warehouse.replace_sources`.
    """
    if not docs:
        return
    sids = [source_id(d.doc_id) for d in docs]
    reviewed = wh.sql('SELECT id, status FROM "policy_event" WHERE source_id IN '
                      "(SELECT UNNEST(?)) AND status <> 'extracted'", [sids])
    status = dict(zip(reviewed["id"], reviewed["status"], strict=True))
    batch: dict[SourceInfo, dict[str, pd.DataFrame]] = {}
    for d in docs:
        frames = {t: _frame(t, d.rows.get(t, [])) for t in TABLES}
        ev = frames["policy_event"]
        if status and not ev.empty:
            ev["status"] = [status.get(i, s) for i, s in zip(ev["id"], ev["status"], strict=True)]
        src = SourceInfo(source_id=source_id(d.doc_id), kind=KIND, name=d.doc_id,
                         checksum=d.checksum, loader_version=LOADER_VERSION, path=d.path,
                         url=d.url)
        batch[src] = frames
    wh.replace_sources(batch, force=True)


def load_passages(wh: Warehouse) -> pd.DataFrame:
    """Every passage with its document's title and publication date."""
    return wh.sql(
        'SELECT p.doc_id, p.idx, p.text, p.language, p.hash, d.title, '
        'd.language AS doc_language, '
        'CAST(d.published AS VARCHAR) AS published FROM "passage" p '
        'JOIN "document" d USING (doc_id) ORDER BY p.doc_id, p.idx')


def load_passage(wh: Warehouse, doc_id: str, idx: int) -> str | None:
    """The text of one passage, or ``None``."""
    df = wh.sql('SELECT text FROM "passage" WHERE doc_id = ? AND idx = ?', [doc_id, idx])
    return None if df.empty else str(df["text"].iloc[0])


def fingerprint(wh: Warehouse) -> str:
    """A cheap fingerprint of the passage table (changes when any passage changes)."""
    row = wh.con.execute(
        'SELECT count(*), coalesce(sum(hash(doc_id || \':\' || idx || \':\' || hash)), 0) '
        'FROM "passage"').fetchone()
    return f"{row[0]}-{row[1]}" if row else "0-0"


__all__ = ["KIND", "LOADER_VERSION", "TABLES", "DocumentRows", "checksums", "fingerprint",
           "load_passage", "load_passages", "source_id", "write"]
