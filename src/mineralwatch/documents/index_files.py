"""The search index and the passage embeddings on disk, beside a file warehouse.

``<warehouse>.search.npz`` (the BM25 index) and ``<warehouse>.emb.npz`` (embeddings,
float16) are plain numpy arrays (no pickle), each tagged with the fingerprint of the
passages it was built from. Only commands that write the warehouse write them
(``docs ingest``, ``docs embed``); reading commands (``docs search``, ``brief``, the web
server) load a file whose fingerprint matches and otherwise build in memory, never
writing. A file is written to a temporary name in the same folder and renamed over the
old one (atomic on POSIX and Windows), so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

INDEX_SUFFIX = ".search.npz"
EMBEDDINGS_SUFFIX = ".emb.npz"


def index_path(wh: Any) -> Path | None:
    """Where the index of a file warehouse lives (``None`` for an in-memory one)."""
    return None if wh.path is None else wh.path.with_name(wh.path.name + INDEX_SUFFIX)


def embeddings_path(wh: Any) -> Path | None:
    """Where the embeddings of a file warehouse live."""
    return None if wh.path is None else wh.path.with_name(wh.path.name + EMBEDDINGS_SUFFIX)


def write_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Save ``arrays`` as ``path`` (.npz) through a temporary file renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read(path: Path | None, fingerprint: str) -> dict[str, np.ndarray] | None:
    """The arrays of ``path`` when it exists and was built for ``fingerprint``."""
    if path is None or not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["fingerprint"]) != fingerprint:
                return None
            return {k: z[k] for k in z.files}
    except (OSError, KeyError, ValueError, EOFError):
        return None


def index_arrays(idx: Any) -> dict[str, np.ndarray]:
    """The arrays of a :class:`~mineralwatch.documents.search.Index`."""
    w = idx.weights
    return {"fingerprint": np.array(idx.fingerprint), "data": w.data, "indices": w.indices,
            "indptr": w.indptr, "shape": np.array(w.shape),
            "vocab": np.array(list(idx.vocab), dtype=str), "doc_ids": idx.doc_ids,
            "idx": idx.idx, "language": idx.language, "published": idx.published,
            "titles": idx.titles, "texts": np.array(idx.texts, dtype=str),
            "tags": np.array(json.dumps({k: {m: v.tolist() for m, v in d.items()}
                                         for k, d in idx.tags.items()}))}


def embedding_arrays(fingerprint: str, model: str, emb: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays of an embeddings file."""
    return {"fingerprint": np.array(fingerprint), "model": np.array(model),
            "emb": emb.astype(np.float16)}


__all__ = ["EMBEDDINGS_SUFFIX", "INDEX_SUFFIX", "embedding_arrays", "embeddings_path",
           "index_arrays", "index_path", "read", "write_atomic"]
