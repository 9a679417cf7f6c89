"""Evaluation of extraction against the labelled set in ``documents/data/eval``.

Precision, recall and F1 per field (the "slot" scores of information extraction): a
prediction is aligned with at most one gold item; a field of a prediction is correct when
the prediction is aligned and the field equals the gold value. Precision divides by the
predictions, recall by the gold items.

- quantities align on value (within 0.5%) preferring the same unit; fields value, unit,
  measure, mineral, country, year; ``all`` = value, unit and measure correct.
- events align on actor, measure and shared minerals; fields actor, measure, minerals (as
  sets), announced, effective, instrument; ``all`` = actor, measure, minerals and
  effective date correct.

>>> from mineralwatch.documents.evaluate import evaluate_texts
>>> scores = evaluate_texts()
>>> scores["events"]["all"]["f1"] >= 0.85                      # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from mineralwatch.codes._table import parse_yaml
from mineralwatch.documents.extract import extract
from mineralwatch.documents.extract.events import Event
from mineralwatch.documents.extract.quantities import Quantity

QUANTITY_FIELDS = ("value", "unit", "measure", "mineral", "country", "year")
EVENT_FIELDS = ("actor", "measure", "minerals", "announced", "effective", "instrument")
QUANTITY_KEY = ("value", "unit", "measure")
EVENT_KEY = ("actor", "measure", "minerals", "effective")


@dataclass
class Counts:
    """True positives, predictions and gold items of one field."""

    tp: int = 0
    pred: int = 0
    gold: int = 0

    def scores(self) -> dict[str, float]:
        """``{precision, recall, f1, tp, pred, gold}``."""
        p = self.tp / self.pred if self.pred else 1.0
        r = self.tp / self.gold if self.gold else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "tp": self.tp, "pred": self.pred, "gold": self.gold}


def _eval_data(name: str) -> Any:
    text = resources.files("mineralwatch.documents").joinpath("data", "eval", name)
    return parse_yaml(text.read_text("utf-8"))


def load_cases() -> list[dict[str, Any]]:
    """The labelled texts (``texts.yaml``)."""
    return list(_eval_data("texts.yaml")["cases"])


def _norm(field: str, v: Any) -> Any:
    if v is None:
        return None
    if field == "minerals":
        return frozenset(v)
    if isinstance(v, date):
        return v.isoformat()
    if field == "value":
        return float(v)
    return str(v)


def _q_record(q: Quantity) -> dict[str, Any]:
    return {f: getattr(q, f) for f in QUANTITY_FIELDS}


def _e_record(e: Event) -> dict[str, Any]:
    return {"actor": e.actor, "measure": e.measure, "minerals": e.minerals,
            "announced": e.announced, "effective": e.effective, "instrument": e.instrument,
            "quantity": e.quantity}


def _close(a: Any, b: Any) -> bool:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return abs(fa - fb) <= 0.005 * max(abs(fa), abs(fb)) + 1e-9


def _align(gold: list[dict[str, Any]], pred: list[dict[str, Any]],
           score: Callable[[dict[str, Any], dict[str, Any]], float]
           ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    pairs = sorted(((score(g, p), i, j) for i, g in enumerate(gold)
                    for j, p in enumerate(pred)), reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for s, i, j in pairs:
        if s <= 0 or i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        out.append((gold[i], pred[j]))
    return out


def _q_score(g: dict[str, Any], p: dict[str, Any]) -> float:
    if not _close(g["value"], p["value"]):
        return 0.0
    return 1.0 + (g.get("unit") == p["unit"]) + 0.5 * (g.get("measure") == p["measure"])


def _e_score(g: dict[str, Any], p: dict[str, Any]) -> float:
    shared = set(g.get("minerals") or []) & set(p["minerals"] or [])
    if not shared:
        return 0.0
    return (len(shared) / max(len(set(g["minerals"]) | set(p["minerals"])), 1)
            + (g.get("actor") == p["actor"]) + (g.get("measure") == p["measure"]))


def _score_fields(golds: Sequence[dict[str, Any]], preds: Sequence[dict[str, Any]],
                  fields: Sequence[str], key: Sequence[str],
                  score: Callable[[dict[str, Any], dict[str, Any]], float],
                  counts: dict[str, Counts]) -> list[dict[str, Any]]:
    golds, preds = list(golds), list(preds)
    pairs = _align(golds, preds, score)
    misses: list[dict[str, Any]] = []
    for f in [*fields, "all"]:
        c = counts.setdefault(f, Counts())
        c.pred += len(preds)
        c.gold += len(golds)
    for g, p in pairs:
        ok = {}
        for f in fields:
            if f == "value":
                ok[f] = _close(g.get("value"), p.get("value"))
            elif f in ("instrument",) and g.get(f) is None:
                ok[f] = True
            else:
                ok[f] = _norm(f, g.get(f)) == _norm(f, p.get(f))
            counts[f].tp += ok[f]
        good = all(ok[f] for f in key)
        counts["all"].tp += good
        if not good:
            misses.append({"gold": g, "pred": p})
    aligned_p = {id(p) for _, p in pairs}
    aligned_g = {id(g) for g, _ in pairs}
    misses += [{"gold": None, "pred": p} for p in preds if id(p) not in aligned_p]
    misses += [{"gold": g, "pred": None} for g in golds if id(g) not in aligned_g]
    return misses


def evaluate_texts(cases: Iterable[dict[str, Any]] | None = None, *,
                   details: bool = False) -> dict[str, Any]:
    """Scores of :func:`~mineralwatch.documents.extract.extract` on the labelled texts.

    Returns
    -------
    ``{"quantities": {field: scores}, "events": {field: scores}, "cases": n}`` and, with
    ``details``, ``"errors": [{case, kind, gold, pred}]``.
    """
    qc: dict[str, Counts] = {}
    ec: dict[str, Counts] = {}
    errors = []
    n = 0
    for case in cases if cases is not None else load_cases():
        n += 1
        x = extract(case["text"], doc_id=case["id"])
        for m in _score_fields(case.get("quantities") or [],
                               [_q_record(q) for q in x.quantities],
                               QUANTITY_FIELDS, QUANTITY_KEY, _q_score, qc):
            errors.append({"case": case["id"], "kind": "quantity", **m})
        for m in _score_fields(case.get("events") or [], [_e_record(e) for e in x.events],
                               EVENT_FIELDS, EVENT_KEY, _e_score, ec):
            errors.append({"case": case["id"], "kind": "event", **m})
    out: dict[str, Any] = {"cases": n,
                           "quantities": {f: c.scores() for f, c in qc.items()},
                           "events": {f: c.scores() for f, c in ec.items()}}
    if details:
        out["errors"] = errors
    return out


def evaluate_seeds(seeds: str | Path, *, details: bool = False) -> dict[str, Any]:
    """Events (precision and recall) and key figures (recall) on the seed documents,
    ingested through the whole pipeline (segmentation, extraction, merging)."""
    from mineralwatch.documents.ingest import document_rows
    from mineralwatch.documents.readers import read_file

    gold = _eval_data("seeds.yaml")
    ec: dict[str, Counts] = {}
    found = total = 0
    errors = []
    for name, g_events in gold["events"].items():
        docs, _ = read_file(Path(seeds) / name)
        rows = document_rows(docs[0]).rows
        preds = [{**r, "announced": r["announced"], "effective": r["effective"]}
                 for r in rows["policy_event"]]
        for m in _score_fields(g_events or [], preds, EVENT_FIELDS, EVENT_KEY, _e_score, ec):
            errors.append({"case": name, "kind": "event", **m})
        claims = rows["claim"]
        for f in gold["figures"].get(name, []):
            total += 1
            hit = any(_close(f["value"], c["value"]) and c["unit"] == f["unit"]
                      and c["measure"] == f["measure"] for c in claims)
            found += hit
            if not hit:
                errors.append({"case": name, "kind": "figure", "gold": f, "pred": None})
    out: dict[str, Any] = {"events": {f: c.scores() for f, c in ec.items()},
                           "figures_recall": round(found / total, 4) if total else 1.0,
                           "figures": total}
    if details:
        out["errors"] = errors
    return out


__all__ = ["EVENT_FIELDS", "EVENT_KEY", "QUANTITY_FIELDS", "QUANTITY_KEY", "Counts",
           "evaluate_seeds", "evaluate_texts", "load_cases"]
