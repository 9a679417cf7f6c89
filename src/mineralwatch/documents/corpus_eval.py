"""Scoring document extraction on the labelled corpus, per language and split.

A document is read as ingest reads it (:func:`.ingest.extract_document`). Events are
scored as the issue asks: a predicted event matches a gold one when actor and measure
agree, they share at least one mineral (a member matches its group), and their
effective dates agree where both have one; figures match on value (within 1 %), unit
and measure. Each gold item is matched at most once (greedy, best first).
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mineralwatch.codes._table import parse_yaml
from mineralwatch.documents.extract.events import Event
from mineralwatch.documents.extract.verifier import Model, verify

#: The corpus folder of the repository (``eval/corpus``).
CORPUS = Path(__file__).resolve().parents[3] / "eval" / "corpus"


def load(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """Documents of the corpus: ``{id, lang, split, text, published, events,
    quantities}`` from every ``.jsonl``, ``.json`` or ``.yaml`` file under ``folder``."""
    root = Path(folder) if folder else CORPUS
    out = []
    for f in sorted(root.rglob("*")):
        if f.suffix == ".jsonl":
            recs = [json.loads(x) for x in f.read_text("utf-8").splitlines() if x.strip()]
        elif f.suffix in (".json", ".yaml", ".yml"):
            data = (json.loads(f.read_text("utf-8")) if f.suffix == ".json"
                    else parse_yaml(f.read_text("utf-8")))
            recs = data.get("documents", []) if isinstance(data, dict) else data
        else:
            continue
        out += [normalise(r) for r in recs if isinstance(r, dict) and r.get("text")]
    return out


def normalise(r: dict[str, Any]) -> dict[str, Any]:
    """A corpus record with the keys this module reads."""
    return {"id": str(r.get("id") or r.get("doc_id")), "text": str(r["text"]),
            "lang": str(r.get("lang") or r.get("language") or ""),
            "split": str(r.get("split") or "train"),
            "published": _iso(r.get("published") or r.get("date")),
            "events": list(r.get("events") or []),
            "quantities": list(r.get("quantities") or r.get("claims") or r.get("figures")
                               or [])}


def _iso(v: Any) -> str | None:
    return None if v is None else str(v)[:10]


def candidates(doc: dict[str, Any]) -> list[Event]:
    """The rules' events of a document, before the verifier and before merging."""
    from mineralwatch.documents.ingest import extract_document

    x = extract_document(doc["text"], doc_id=doc["id"], published=doc["published"],
                         language=doc["lang"] or None, check=False)
    return x.candidates


def _mineral_match(a: Sequence[str], b: Sequence[str]) -> bool:
    from mineralwatch.documents.ingest import _overlap

    return _overlap(list(a), list(b))


def event_match(g: dict[str, Any], p: Event) -> bool:
    """True when prediction ``p`` matches gold event ``g`` (see the module docstring)."""
    if g.get("actor") != p.actor or g.get("measure") != p.measure:
        return False
    if not _mineral_match(g.get("minerals") or [], p.minerals):
        return False
    ge = g.get("effective")
    return not (ge and p.effective) or str(ge)[:10] == p.effective.isoformat()


def figure_match(g: dict[str, Any], p: Any) -> bool:
    """True when figure ``p`` matches gold figure ``g``: value within 1 %, unit, measure."""
    gv, pv = float(g["value"]), float(p.value)
    close = abs(gv - pv) <= 0.01 * max(abs(gv), 1e-9)
    return close and g.get("unit") == p.unit and g.get("measure") == p.measure


def _count(gold: Sequence[Any], pred: Sequence[Any], match: Any) -> tuple[int, int, int]:
    used: set[int] = set()
    tp = 0
    for p in pred:
        i = next((i for i, g in enumerate(gold) if i not in used and match(g, p)), None)
        if i is not None:
            used.add(i)
            tp += 1
    return tp, len(pred), len(gold)


def _prf(tp: int, pred: int, gold: int) -> dict[str, float | int]:
    p = tp / pred if pred else 1.0
    r = tp / gold if gold else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "tp": tp, "pred": pred, "gold": gold}


def checked(events: Iterable[Event], model: Model | None) -> list[Event]:
    """``events`` as :func:`.extract.checked` keeps them, with ``model``."""
    from mineralwatch.documents.ingest import merge_events

    out = []
    for e in events:
        e = copy.copy(e)
        kept = verify(e.text, e.measure, model) if model is not None else e.measure
        if kept is not None:
            e.measure = kept
            out.append(e)
    return merge_events(out)


def events_f1(docs: Sequence[tuple[dict[str, Any], list[Event]]], model: Model | None
              ) -> float:
    """Micro event F1 over documents given with their candidates, checked by ``model``."""
    tp = pred = gold = 0
    for d, cands in docs:
        a, b, c = _count(d["events"], checked(cands, model), event_match)
        tp, pred, gold = tp + a, pred + b, gold + c
    return float(_prf(tp, pred, gold)["f1"])


def score(docs: Sequence[dict[str, Any]], split: str) -> dict[str, Any]:
    """Events and figures P/R/F1 per language (and ``all``) on one split, with the
    shipped model."""
    from mineralwatch.documents.ingest import extract_document

    counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {"events": [0, 0, 0], "figures": [0, 0, 0]})
    n: dict[str, int] = defaultdict(int)
    for d in docs:
        if d["split"] != split:
            continue
        doc = extract_document(d["text"], doc_id=d["id"], published=d["published"],
                               language=d["lang"] or None)
        x, lang = doc.found, d["lang"] or doc.language
        for key in (lang, "all"):
            n[key] += 1
            for kind, gold, pred, m in (("events", d["events"], x.events, event_match),
                                        ("figures", d["quantities"], x.quantities,
                                         figure_match)):
                got = _count(gold, pred, m)
                counts[key][kind] = [a + b for a, b in zip(counts[key][kind], got,
                                                           strict=True)]
    return {k: {"documents": n[k], **{kind: _prf(*v) for kind, v in c.items()}}
            for k, c in sorted(counts.items())}


__all__ = ["CORPUS", "candidates", "event_match", "events_f1", "figure_match", "load",
           "normalise", "score"]
