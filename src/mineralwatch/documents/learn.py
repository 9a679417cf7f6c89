"""Training the event verifier (:mod:`.extract.verifier`) on the labelled corpus.

    python -m mineralwatch.documents.learn train [--corpus eval/corpus] [--extra FILE]
    python -m mineralwatch.documents.learn score [--split dev]

``train`` runs the rules over every document of the **train** split, labels each
candidate event with the gold event it matches (actor and a shared mineral: the gold
measure) or ``none``, adds reviewed events (``mineralwatch docs reviews``) given with
``--extra``, fits a multinomial logistic regression (scikit-learn, liblinear-free
``lbfgs``, fixed seed), then picks the regularisation and the ``none`` threshold that
give the best event F1 on the **dev** split. The test split is never read here. The
model is written to ``src/mineralwatch/documents/data/model/verifier.npz`` (a few
hundred KB of plain arrays), with its training metadata.

Needs scikit-learn (``pip install scikit-learn``, in the ``dev`` extra); running the
model does not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from mineralwatch.documents.extract.events import Event
from mineralwatch.documents.extract.verifier import NONE, Model, features

#: Where the shipped model is written.
MODEL_PATH = Path(__file__).parent / "data" / "model" / "verifier.npz"
#: Regularisation strengths and ``none`` thresholds tried on dev.
GRID_C = (0.3, 1.0, 3.0)
GRID_THRESHOLD = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
SEED = 13


@dataclass(frozen=True)
class Example:
    """One candidate: its sentence, the rules' measure, and the gold label."""

    text: str
    measure: str
    label: str


def _overlap(a: Iterable[str], b: Iterable[str]) -> bool:
    from mineralwatch.documents.ingest import _overlap as overlap

    return overlap(list(a), list(b))


def label_candidates(events: Sequence[Event], gold: Sequence[dict[str, Any]]
                     ) -> list[Example]:
    """Each rule candidate labelled with the measure of the gold event it matches
    (same actor, a shared mineral; the same measure preferred), else ``none``."""
    out = []
    for e in events:
        match = [g for g in gold if g.get("actor") == e.actor
                 and _overlap(e.minerals, g.get("minerals") or [])]
        same = [g for g in match if g.get("measure") == e.measure]
        label = (same or match)[0]["measure"] if match else NONE
        out.append(Example(e.text, e.measure, str(label)))
    return out


def review_examples(path: str | Path) -> list[Example]:
    """Examples from ``mineralwatch docs reviews`` output (a rejection is ``none``)."""
    out = []
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(Example(r["text"], r["measure"], r["measure"] if r["stated"]
                               else NONE))
    return out


def fit(examples: Sequence[Example], c: float, threshold: float) -> Model:
    """A :class:`~.extract.verifier.Model` fitted on ``examples`` (scikit-learn)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    feats = [features(x.text, x.measure) for x in examples]
    counts: dict[str, int] = {}
    for fs in feats:
        for f in set(fs):
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= 2))}
    rows, cols = [], []
    for r, fs in enumerate(feats):
        for j in sorted({vocab[f] for f in fs if f in vocab}):
            rows.append(r)
            cols.append(j)
    x = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(feats), len(vocab)))
    y = [x.label for x in examples]
    clf = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    clf.fit(x, y)
    labels = tuple(str(v) for v in clf.classes_)
    w, b = clf.coef_.T, clf.intercept_
    if len(labels) == 2:  # binary: sklearn keeps one column; expand to one per label
        w, b = np.hstack([-w / 2, w / 2]), np.array([-b[0] / 2, b[0] / 2])
    return Model(vocab, w.astype(np.float32), b.astype(np.float32), labels, threshold,
                 {"C": c, "examples": len(examples), "features": len(vocab),
                  "labels": {k: y.count(k) for k in labels}})


def main(argv: list[str] | None = None) -> int:
    """The ``train`` and ``score`` commands (see the module docstring)."""
    from mineralwatch.documents import corpus_eval

    ap = argparse.ArgumentParser(prog="python -m mineralwatch.documents.learn")
    ap.add_argument("command", choices=("train", "score"))
    ap.add_argument("--corpus", default=None, help="corpus folder (default: the repo's)")
    ap.add_argument("--extra", action="append", default=[], help="reviews JSON Lines")
    ap.add_argument("--split", default="dev", choices=("train", "dev"))
    ap.add_argument("--out", default=str(MODEL_PATH))
    a = ap.parse_args(argv)
    docs = corpus_eval.load(a.corpus)
    if a.command == "score":
        json.dump(corpus_eval.score(docs, a.split), sys.stdout, indent=1)
        return 0
    model = train(docs, [p for p in a.extra])
    model.save(a.out)
    print(json.dumps({"out": a.out, **model.meta}, indent=1))
    return 0


def train(docs: list[dict[str, Any]], extra: Sequence[str] = ()) -> Model:
    """Fit on the train split (and ``extra`` reviews), tune C and threshold on dev."""
    from mineralwatch.documents import corpus_eval

    examples = [x for d in docs if d["split"] == "train"
                for x in label_candidates(corpus_eval.candidates(d), d["events"])]
    for path in extra:
        examples += review_examples(path)
    dev = [d for d in docs if d["split"] == "dev"]
    dev_cands = [(d, corpus_eval.candidates(d)) for d in dev]
    best: tuple[float, Model] | None = None
    for c in GRID_C:
        base = fit(examples, c, 1.01)
        for t in GRID_THRESHOLD:
            m = Model(base.vocabulary, base.weights, base.bias, base.labels, t, base.meta)
            f1 = corpus_eval.events_f1(dev_cands, m)
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, m)
    assert best is not None
    f1, m = best
    meta = {**m.meta, "threshold": m.threshold, "dev_events_f1": round(f1, 4),
            "trained": date.today().isoformat(), "train_docs": sum(
                d["split"] == "train" for d in docs), "dev_docs": len(dev)}
    return Model(m.vocabulary, m.weights, m.bias, m.labels, m.threshold, meta)


if __name__ == "__main__":
    raise SystemExit(main())
