"""Review that teaches: reviewed events, with the passage each judged, as training data.

Every confirm or reject (``mineralwatch events confirm ID``, the web workbench's
buttons, ``POST /api/events/ID/confirm``) is kept in ``event_review`` with the cited
sentences and passage (:func:`mineralwatch.analytics.events.review_event`).
:func:`export_reviews` turns the latest decision on each event into examples in the
format of the training corpus's sentence examples (:mod:`.learn`), so that

    mineralwatch docs reviews --out reviews.jsonl
    python -m mineralwatch.documents.learn train --extra reviews.jsonl

retrains the sentence classifier with them. A confirmed event is a positive example of
its measure; a rejected one a sentence stating no such measure (the reviewer said the
extraction was wrong, and the classifier learns to doubt it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mineralwatch.documents.language import detect_language
from mineralwatch.store import Warehouse


def export_reviews(wh: Warehouse) -> list[dict[str, Any]]:
    """Training examples from the latest review of each event, oldest first.

    Each example: ``{text, lang, stated, measure, actor, minerals, target, announced,
    effective, decision, event_id, doc_id, passage, reviewed_at, reviewer, source}``;
    ``stated`` is true for a confirmed event, false for a rejected one (``measure`` and
    the roles are then those the extractor proposed).
    """
    rows = wh.sql(
        'SELECT * FROM "event_review" QUALIFY row_number() OVER (PARTITION BY event_id '
        "ORDER BY reviewed_at DESC) = 1 ORDER BY reviewed_at").to_dict(orient="records")
    out = []
    for r in rows:
        ev = json.loads(r["event"]) if r.get("event") else {}
        text = str(r["text"] or "")
        out.append({
            "text": text, "lang": detect_language(text),
            "stated": r["decision"] == "confirmed", "measure": ev.get("measure"),
            "actor": ev.get("actor"), "minerals": ev.get("minerals") or [],
            "target": ev.get("target") or ["ALL"], "announced": ev.get("announced"),
            "effective": ev.get("effective"), "decision": r["decision"],
            "event_id": r["event_id"], "doc_id": r.get("doc_id"),
            "passage": None if r.get("passage") is None or r["passage"] != r["passage"]
            else int(r["passage"]), "reviewed_at": r["reviewed_at"],
            "reviewer": r.get("reviewer"), "source": "review"})
    return out


def write_reviews(wh: Warehouse, path: str | Path) -> int:
    """Write :func:`export_reviews` to ``path`` as JSON Lines; returns the count."""
    examples = export_reviews(wh)
    text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples)
    Path(path).write_text(text, encoding="utf-8")
    return len(examples)


__all__ = ["export_reviews", "write_reviews"]
