"""Okapi BM25 over a sparse term matrix (numpy + scipy.sparse): pure functions.

The weight of term t in passage d is::

    idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * len(d) / avglen))

with ``idf(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))`` (always positive, as in
Lucene) or, with ``idf="okapi"``, ``ln((N - n + 0.5) / (n + 0.5))`` floored at
``epsilon * mean idf`` as in ``rank_bm25.BM25Okapi`` (the reference our tests compare
with). Weights are computed once at index time, so a query is a sum of a few sparse
columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

K1 = 1.5
B = 0.75


def term_matrix(docs: Sequence[Sequence[str]], vocab: dict[str, int] | None = None
                ) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Term-frequency matrix (documents x terms) and the vocabulary."""
    vocab = {} if vocab is None else vocab
    indptr = [0]
    indices: list[int] = []
    for toks in docs:
        for t in toks:
            indices.append(vocab.setdefault(t, len(vocab)))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    m = sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                      shape=(len(docs), len(vocab)))
    m.sum_duplicates()
    return m, vocab


def idf(df: np.ndarray, n_docs: int, *, kind: str = "lucene",
        epsilon: float = 0.25) -> np.ndarray:
    """Inverse document frequency of each term from its document frequency ``df``."""
    df = np.asarray(df, dtype=np.float64)
    if kind == "lucene":
        return np.log1p((n_docs - df + 0.5) / (df + 0.5))
    raw = np.log((n_docs - df + 0.5) / (df + 0.5))
    floor = epsilon * raw.mean() if raw.size else 0.0
    return np.where(raw < 0, floor, raw)


def weights(tf: sp.csr_matrix, *, k1: float = K1, b: float = B,
            idf_kind: str = "lucene") -> sp.csc_matrix:
    """BM25 weight of every (passage, term) pair, column-compressed for fast queries."""
    n = tf.shape[0]
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    avg = lengths.mean() if n else 1.0
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    w_idf = idf(df, n, kind=idf_kind)
    coo = tf.tocoo()
    norm = k1 * (1 - b + b * lengths[coo.row] / (avg or 1.0))
    data = w_idf[coo.col] * coo.data * (k1 + 1) / (coo.data + norm)
    return sp.csc_matrix((data.astype(np.float32), (coo.row, coo.col)), shape=tf.shape)


def score(w: sp.csc_matrix, term_ids: Sequence[int],
          counts: Sequence[float] | None = None) -> np.ndarray:
    """BM25 score of every passage for a query given as term ids (repeats count)."""
    out = np.zeros(w.shape[0], dtype=np.float32)
    counts = counts if counts is not None else [1.0] * len(term_ids)
    for t, c in zip(term_ids, counts, strict=True):
        lo, hi = w.indptr[t], w.indptr[t + 1]
        out[w.indices[lo:hi]] += c * w.data[lo:hi]
    return out


def top_k(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``k`` best positive scores (within ``mask``), best first."""
    s = scores if mask is None else np.where(mask, scores, 0.0)
    cand = np.flatnonzero(s > 0)
    if cand.size > k:
        cand = cand[np.argpartition(-s[cand], k - 1)[:k]]
    return cand[np.argsort(-s[cand], kind="stable")]


__all__ = ["K1", "B", "idf", "score", "term_matrix", "top_k", "weights"]
