"""The learned part of event extraction: a sentence classifier that checks each event
the rules propose.

The rules find candidates (a trigger, a mineral, an actor) exactly; whether the sentence
states that measure as taken — not proposed, rumoured, denied or merely recalled — and
which measure it is, is what the words around them say, and what a classifier learns
from labelled text better than rules written for a few documents. For every candidate
the model gives a probability per label (a measure of :data:`mineralwatch.schema.
MEASURES`, or ``none``); :func:`verify` drops a candidate whose ``none`` probability
passes the threshold and takes the model's measure where it is confident.

The model is a multinomial logistic regression over hashed-free sparse features
(:func:`features`: word unigrams and bigrams, CJK character bigrams and trigrams, the
rule's proposed measure and cue words), trained by :mod:`mineralwatch.documents.learn`
with scikit-learn on the corpus's train split. It ships as plain arrays
(``data/model/verifier.npz``: vocabulary, weights, bias, labels, threshold; no pickle),
and runs here in numpy, so scikit-learn is needed only to train.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path

import numpy as np

from mineralwatch.documents.language import to_simplified

#: The label of a candidate that states no measure.
NONE = "none"
_LATIN = re.compile(r"[a-zà-ÿ]+(?:'[a-z]+)?|\d+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]+")
#: Cue words whose presence is a feature of its own (hedges, denials, proposals).
CUES = re.compile(r"(?i)\b(?:consider\w*|propos\w*|plan\w*|may|might|could|would|should|"
                  r"rumou?r\w*|report\w*|said|says|denied|deny|not|no|draft|if|whether|"
                  r"expected|likely|threat\w*|urg\w*|call\w* for|lift\w*|end\w*|extend\w*|"
                  r"again|since|previously|last year|in force)\b|拟|考虑|计划|可能|或将|"
                  r"传闻|据悉|否认|不|未|建议|若|如果|此前|曾")


def features(text: str, measure: str | None = None) -> list[str]:
    """The features of a sentence (and of the measure the rules propose for it)."""
    t = to_simplified(text).casefold()
    words = _LATIN.findall(t)
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in pairwise(words)]
    for run in _CJK.findall(t):
        out += [f"c:{run[i:i + 2]}" for i in range(len(run) - 1)]
        out += [f"t:{run[i:i + 3]}" for i in range(len(run) - 2)]
    out += [f"cue:{m.group(0).casefold()}" for m in CUES.finditer(t)]
    if measure:
        out.append(f"m:{measure}")
        out += [f"m:{measure}|cue:{m.group(0).casefold()}" for m in CUES.finditer(t)]
    return out


@dataclass(frozen=True)
class Model:
    """A trained verifier: vocabulary, weights (features × labels), bias, labels."""

    vocabulary: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray
    labels: tuple[str, ...]
    threshold: float
    meta: dict[str, object]

    def proba(self, text: str, measure: str | None = None) -> dict[str, float]:
        """Probability of each label for a candidate."""
        idx = sorted({self.vocabulary[f] for f in features(text, measure)
                      if f in self.vocabulary})
        z = self.bias + (self.weights[idx].sum(axis=0) if idx else 0.0)
        z = z - z.max()
        p = np.exp(z) / np.exp(z).sum()
        return dict(zip(self.labels, p.astype(float).tolist(), strict=True))

    def save(self, path: str | Path) -> None:
        """Write the model as plain arrays (``.npz``, no pickle)."""
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            path, vocabulary=np.array(vocab, dtype=str), weights=self.weights.astype(
                np.float16), bias=self.bias.astype(np.float32),
            labels=np.array(self.labels, dtype=str), threshold=np.float32(self.threshold),
            meta=np.array(json.dumps(self.meta)))

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read a model written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as z:
            vocab = [str(v) for v in z["vocabulary"]]
            return cls({v: i for i, v in enumerate(vocab)}, z["weights"].astype(np.float32),
                       z["bias"].astype(np.float32), tuple(str(x) for x in z["labels"]),
                       float(z["threshold"]), json.loads(str(z["meta"])))


MODEL_FILE = "verifier.npz"


@cache
def shipped() -> Model | None:
    """The model shipped in the package, or ``None`` when there is none."""
    res = resources.files("mineralwatch.documents").joinpath("data", "model", MODEL_FILE)
    if not res.is_file():
        return None
    with resources.as_file(res) as p:
        return Model.load(p)


def verify(text: str, measure: str, model: Model | None = None) -> str | None:
    """The measure to keep for a rule's candidate ``measure`` in sentence ``text``, or
    ``None`` to drop it: dropped when the model's ``none`` probability is at least its
    threshold, relabelled when another measure is more probable than the rule's by a
    clear margin (0.5). Without a model the rule's measure stands."""
    model = model or shipped()
    if model is None:
        return measure
    p = model.proba(text, measure)
    if p.get(NONE, 0.0) >= model.threshold:
        return None
    best = max((k for k in p if k != NONE), key=p.__getitem__)
    return best if p[best] - p.get(measure, 0.0) >= 0.5 else measure


__all__ = ["MODEL_FILE", "NONE", "Model", "features", "shipped", "verify"]
