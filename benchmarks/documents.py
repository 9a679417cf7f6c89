"""Benchmark: document ingest, search and embedding throughput (issue 6).

    python -m benchmarks.documents                  # 100,000 passages, 500 documents
    python -m benchmarks.documents --passages 20000 --docs 200

Targets: ingest >= 50 documents/s for text without embeddings; search p95 < 100 ms at
100,000 passages. A synthetic corpus generator (:func:`synthetic_passages`) writes
bilingual news-like passages (minerals, countries, figures, policy words, Zipf-distributed
filler vocabulary). Search is timed on a built index (``search_index``), i.e. after the
one-off index build, which is reported separately. Embedding throughput (passages/s of
the optional numpy MiniLM encoder) is reported when the model is installed. Writes
``benchmarks/results/documents.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import write_result

OUT = Path(__file__).resolve().parent / "results" / "documents.json"
MINERALS = [("gallium", "镓"), ("germanium", "锗"), ("antimony", "锑"), ("cobalt", "钴"),
            ("lithium", "锂"), ("nickel", "镍"), ("tungsten", "钨"), ("rare earths", "稀土"),
            ("graphite", "石墨"), ("copper", "铜"), ("tin", "锡"), ("molybdenum", "钼")]
COUNTRIES = [("China", "中国"), ("the DRC", "刚果（金）"), ("Indonesia", "印尼"),
             ("Australia", "澳大利亚"), ("Chile", "智利"), ("the United States", "美国"),
             ("Myanmar", "缅甸"), ("Zimbabwe", "津巴布韦"), ("Brazil", "巴西")]
EN_TEMPLATES = [
    "{c} produced {n:,} tonnes of {m} in {y}, up {p}% year on year.",
    "{c} announced export controls on {m} effective {mon} {d}, {y}.",
    "Prices of {m} rose {p}% to ${n:,} per tonne as supply from {c} tightened.",
    "Global {m} demand is expected to reach {n:,} tonnes by {y}.",
    "{c} set an export quota of {n:,} tonnes of {m} for {y}.",
]
ZH_TEMPLATES = [
    "{y}年{c}{m}产量为{k}万吨，同比增长{p}%。",
    "{c}自{y}年{mo}月{d}日起对{m}实施出口管制。",
    "{m}价格上涨{p}%，{c}供应收紧。",
    "{c}{y}年{m}出口配额为{k}万吨。",
]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def _filler(rng: random.Random, lang: str, n: int) -> str:
    if lang == "zh":
        chars = "市场分析报告认为企业需求供应价格政策产业链投资风险预期增长下降调整结构"
        return "".join(rng.choice(chars) for _ in range(n)) + "。"
    # Zipf-like vocabulary of 20,000 pseudo-words
    ranks = (min(int(rng.paretovariate(1.1)), 20_000) for _ in range(n))
    return " ".join(f"w{r}" for r in ranks) + "."


def synthetic_passages(n: int, *, seed: int = 0, zh_share: float = 0.3
                       ) -> list[dict[str, Any]]:
    """``n`` passage records ``{doc_id, idx, text, language, published, title}``."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lang = "zh" if rng.random() < zh_share else "en"
        m_en, m_zh = rng.choice(MINERALS)
        c_en, c_zh = rng.choice(COUNTRIES)
        args = {"y": rng.randint(2015, 2027), "n": rng.randint(100, 400_000),
                "p": rng.randint(1, 40), "d": rng.randint(1, 28), "mo": rng.randint(1, 12),
                "mon": rng.choice(MONTHS), "k": round(rng.uniform(0.1, 30), 2)}
        if lang == "zh":
            body = rng.choice(ZH_TEMPLATES).format(c=c_zh, m=m_zh, **args)
            text = body + _filler(rng, "zh", rng.randint(30, 120))
        else:
            body = rng.choice(EN_TEMPLATES).format(c=c_en, m=m_en, **args)
            text = body + " " + _filler(rng, "en", rng.randint(20, 80))
        out.append({"doc_id": f"syn-{i // 5}", "idx": i % 5, "text": text, "language": lang,
                    "published": f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}-01",
                    "title": None})
    return out


QUERIES = ["gallium export control", "钴 出口配额", "rare earth prices", "锂 产量",
           "tungsten supply China", "antimony", "出口管制 镓", "nickel Indonesia quota",
           "copper demand", "石墨 出口管制", "cobalt DRC", "molybdenum prices"]


def bench_search(n: int, repeats: int = 200) -> dict[str, Any]:
    """Index build time and query latency percentiles at ``n`` passages."""
    from mineralwatch.documents.search import Filters, build_index, search_index

    rows = synthetic_passages(n)
    t = time.perf_counter()
    idx = build_index(rows, "bench")
    build_s = time.perf_counter() - t
    rng = random.Random(1)
    search_index(idx, "warm up", mode="bm25")
    lat = []
    for i in range(repeats):
        q = QUERIES[i % len(QUERIES)]
        kw: dict[str, Any] = {}
        if i % 4 == 1:
            kw["lang"] = rng.choice(["en", "zh"])
        if i % 4 == 2:
            kw["since"] = "2022-01-01"
        if i % 4 == 3:
            kw["mineral"] = rng.choice(["cobalt", "rare_earths", "gallium"])
        t = time.perf_counter()
        search_index(idx, q, filters=Filters(**kw), limit=10, mode="bm25")
        lat.append(time.perf_counter() - t)
    ms = np.array(lat) * 1000
    return {"passages": n, "vocabulary": len(idx.vocab), "index_build_s": round(build_s, 2),
            "queries": repeats, "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "max_ms": round(float(ms.max()), 2), "target_p95_ms": 100.0,
            "meets_target": bool(np.percentile(ms, 95) < 100.0)}


def bench_ingest(n_docs: int) -> dict[str, Any]:
    """Documents/s of ``ingest_documents`` on plain-text files (no embeddings)."""
    import mineralwatch as mw
    from mineralwatch.documents.ingest import ingest_documents

    rows = synthetic_passages(n_docs * 5, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "docs"
        d.mkdir()
        for i in range(n_docs):
            text = "\n".join(r["text"] for r in rows[i * 5:(i + 1) * 5])
            (d / f"doc{i:05d}.txt").write_text(text, encoding="utf-8")
        size = sum(f.stat().st_size for f in d.iterdir())
        wh = mw.open(Path(tmp) / "wh.duckdb")
        ingest_documents(wh, [d / "doc00000.txt"])  # warm-up: imports, lexicon, jieba
        wh.remove_source("doc:doc00000.txt")
        t = time.perf_counter()
        rep = ingest_documents(wh, [d])
        s = time.perf_counter() - t
        t = time.perf_counter()
        again = ingest_documents(wh, [d])
        s_again = time.perf_counter() - t
        wh.close()
    return {"documents": n_docs, "bytes": size, "seconds": round(s, 2),
            "docs_per_s": round(n_docs / s, 1), "passages": rep.passages,
            "figures": rep.claims, "events": rep.events, "failures": len(rep.failures),
            "reingest_unchanged_docs_per_s": round(len(again.skipped) / s_again, 1),
            "target_docs_per_s": 50.0, "meets_target": n_docs / s >= 50.0}


def bench_embeddings(n: int = 256) -> dict[str, Any]:
    """Passages/s of the optional semantic encoder (``None`` fields when absent)."""
    from mineralwatch.documents import semantic

    enc = semantic.encoder()
    if enc is None:
        return {"installed": False}
    texts = [r["text"] for r in synthetic_passages(n, seed=3, zh_share=0.0)]
    enc.encode(texts[:8])
    t = time.perf_counter()
    enc.encode(texts)
    s = time.perf_counter() - t
    return {"installed": True, "passages": n, "seconds": round(s, 2),
            "passages_per_s": round(n / s, 1),
            "hours_for_100k": round(100_000 / (n / s) / 3600, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--no-embeddings", action="store_true")
    ap.add_argument("--only", default="ingest,search,embeddings",
                    help="comma-separated steps; results are merged into the JSON file")
    args = ap.parse_args()
    steps = set(args.only.split(","))
    if args.no_embeddings:
        steps.discard("embeddings")
    os.environ["MINERALWATCH_SEMANTIC"] = "0"  # ingest and search without embeddings
    result: dict[str, Any] = json.loads(OUT.read_text()) if OUT.exists() else {}
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "load_average_1m": round(os.getloadavg()[0], 2),
               "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
               "when": datetime.now(UTC).isoformat(timespec="seconds")}
    result["benchmark"] = "documents"
    if "ingest" in steps:
        result["ingest"] = {**bench_ingest(args.docs), "machine": machine}
    if "search" in steps:
        result["search"] = {**bench_search(args.passages), "machine": machine}
    if "embeddings" in steps:
        os.environ["MINERALWATCH_SEMANTIC"] = "1"
        result["embeddings"] = {**bench_embeddings(), "machine": machine}
    result.pop("when", None)
    result.pop("machine", None)
    write_result("documents", result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
