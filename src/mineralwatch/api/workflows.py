"""Workbench pages that run analyses: scenarios, trade screening, documents."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from mineralwatch.api import views
from mineralwatch.api.auth import User
from mineralwatch.api.deps import get_wh, role
from mineralwatch.api.pages import page, templates
from mineralwatch.errors import InputError, MineralwatchError, NotFoundError
from mineralwatch.reports.html import _event_rows
from mineralwatch.store import Warehouse

router = APIRouter(include_in_schema=False)
Reader = Depends(role("reader"))
Analyst = Depends(role("analyst"))

#: Most Monte Carlo draws and scenarios one request may ask for.
MAX_DRAWS = 20_000
MAX_SCENARIOS = 10
#: Upload limits: scenario files and documents.
MAX_SCENARIO_BYTES = 256 * 1024
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")


def shipped_scenarios() -> list[dict[str, str]]:
    """The shipped scenario catalogue (``analytics/balance/files.py``)."""
    from mineralwatch.analytics.balance import catalogue

    return catalogue()


def _fragment(request: Request, template: str, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, ctx)


async def _read_upload(upload: UploadFile, limit: int, suffixes: tuple[str, ...]) -> bytes:
    name = Path(upload.filename or "").name
    if not name.lower().endswith(suffixes):
        raise InputError(f"Unsupported file type: {name!r}.",
                         hint=f"Upload one of: {', '.join(suffixes)}.")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{name} is larger than {limit // 1024} KB.",
                         hint=f"Upload a file of at most {limit // 1024} KB.")
    if b"\x00" in data[:4096] and not name.lower().endswith(".pdf"):
        raise InputError(f"{name} looks binary, not text.", hint="Upload a text file.")
    return data


def _draws(value: Any) -> int:
    from mineralwatch.analytics.balance import MONTE_CARLO_DRAWS

    text = str(value if value is not None else MONTE_CARLO_DRAWS).strip()
    if not text.isdigit() or int(text) > MAX_DRAWS:
        raise InputError(f"Bad number of Monte Carlo draws {text!r}.",
                         hint=f"Give a whole number from 0 to {MAX_DRAWS:,}.")
    return int(text)


def _chosen(names: list[str]) -> list[str]:
    known = {s["file"] for s in shipped_scenarios()}
    if len(names) > MAX_SCENARIOS:
        raise InputError(f"Too many scenarios: {len(names)} (at most {MAX_SCENARIOS}).")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise NotFoundError(f"No shipped scenario {unknown[0]!r}.",
                            hint=f"Known: {', '.join(sorted(known))}.")
    return names


def _scenario_result(wh: Warehouse, names: list[str], draws: int) -> dict[str, Any]:
    from mineralwatch.analytics.balance import shipped_path

    return views.scenario_results(wh, [shipped_path(n) for n in _chosen(names)], draws)


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request, scenario: list[str] = Query([]), draws: str = "",
                   wh: Warehouse = Depends(get_wh), user: User = Reader) -> HTMLResponse:
    """The scenarios page; ``?scenario=a.yaml&scenario=b.yaml&draws=N`` runs them (a
    permalink of the comparison)."""
    from mineralwatch.analytics.balance import MONTE_CARLO_DRAWS

    result, error = None, ""
    if scenario:
        if not user.can("analyst"):
            error = (f"Running scenarios needs the analyst role; you are {user.role!r}. "
                     "Ask an administrator for access.")
        else:
            try:
                result = _scenario_result(wh, list(scenario), _draws(draws or None))
            except MineralwatchError as exc:
                error = exc.message
    return page(request, "scenarios.html", title="Scenarios", active="scenarios",
                scenarios=shipped_scenarios(), max_kb=MAX_SCENARIO_BYTES // 1024,
                max_bytes=MAX_SCENARIO_BYTES, chosen=set(scenario) or None,
                draws=draws or MONTE_CARLO_DRAWS, max_draws=MAX_DRAWS, result=result,
                error=error, can_run=user.can("analyst"))


@router.post("/scenarios/run", response_class=HTMLResponse)
async def run_scenarios(request: Request, wh: Warehouse = Depends(get_wh),
                        user: User = Analyst) -> HTMLResponse:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("scenario")]
    if not chosen:
        raise InputError("Choose at least one shipped scenario.",
                         hint="Tick one or more scenarios, then run.")
    res = _scenario_result(wh, chosen, _draws(form.get("draws")))
    return _fragment(request, "_balance_result.html", result=res)


@router.post("/scenarios/upload", response_class=HTMLResponse)
async def upload_scenario(request: Request, file: UploadFile, draws: str = Form(""),
                          compare: list[str] = Form([]), wh: Warehouse = Depends(get_wh),
                          user: User = Analyst) -> HTMLResponse:
    """Run an uploaded scenario, optionally beside shipped ones (deltas against it)."""
    from mineralwatch.analytics.balance import shipped_path

    data = await _read_upload(file, MAX_SCENARIO_BYTES, (".yaml", ".yml"))
    n = _draws(draws or None)
    others = [shipped_path(c) for c in _chosen([c for c in compare if c])]
    name = Path(file.filename or "scenario.yaml").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        res = views.scenario_results(wh, [path, *others], n,
                                     labels=[name, *[o.name for o in others]])
    return _fragment(request, "_balance_result.html", result=res)


# -- screening --------------------------------------------------------------------------
def _codes(text: str) -> list[str]:
    from mineralwatch.api.routes import split_list

    return split_list(",".join(re.split(r"[,\s]+", text or "")), "hs")


@router.get("/screening", response_class=HTMLResponse)
def screening_page(request: Request, tool: str = "", event: str = "", actor: str = "CHN",
                   hs: str = "", date: str = "", restrictor: str = "CHN",
                   target: str = "USA", since: str = "", wh: Warehouse = Depends(get_wh),
                   user: User = Reader) -> HTMLResponse:
    """Trade screening; ``?tool=impact&...`` or ``?tool=transshipment&...`` shows the
    result in the page, so the URL reproduces the view."""
    from mineralwatch.analytics.events import load_events

    form = {"event": event, "actor": actor, "hs": hs, "date": date,
            "restrictor": restrictor, "target": target, "since": since}
    result: dict[str, Any] | None = None
    try:
        if tool == "impact":
            result = views.impact_view(wh, event, actor, _codes(hs), date)
        elif tool == "transshipment":
            result = views.transshipment_view(wh, restrictor, target, _codes(hs), since)
    except MineralwatchError as exc:
        result = {"message": exc.message, "error": True, "rows": [], "figures": [],
                  "columns": [], "headers": []}
    events = _event_rows(load_events(wh))
    return page(request, "screening.html", title="Trade screening", active="screening",
                events=events, tool=tool, form=form, result=result)


# -- documents --------------------------------------------------------------------------
def highlight(snippet: str) -> Markup:
    """Escape a snippet, then turn its ``**term**`` markers into ``<mark>``."""
    safe = str(escape(snippet))
    return Markup(re.sub(r"\*\*(.+?)\*\*", r"<mark>\1</mark>", safe))


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, q: str = "", lang: str = "", brief: str = "",
                   since: str = "", until: str = "", mineral: str = "", country: str = "",
                   wh: Warehouse = Depends(get_wh), user: User = Reader) -> HTMLResponse:
    hits, briefing, message = [], None, ""
    filters = {"lang": lang or None, "since": since or None, "until": until or None,
               "mineral": mineral or None, "country": country or None}
    if q.strip():
        try:
            if brief:
                from mineralwatch.documents.brief import brief as make_brief
                from mineralwatch.documents.chat import ChatModel

                briefing = Markup(make_brief(wh, q, since=filters["since"],
                                             until=filters["until"],
                                             model=ChatModel.from_env()).to_html())
            else:
                from mineralwatch.documents.search import search

                for h in search(wh, q, limit=20, **filters):
                    d = h.to_dict()
                    d["href"] = views.doc_href(d["doc_id"], d["passage"])
                    d["snippet_html"] = highlight(d["snippet"])
                    hits.append(d)
                if not hits:
                    message = "No passage matches."
        except MineralwatchError as exc:
            message = str(exc).splitlines()[0]
    return page(request, "documents.html", title="Documents", active="documents", q=q,
                lang=lang, since=since, until=until, mineral=mineral, country=country,
                hits=hits, briefing=briefing, message=message,
                analyst=user.can("analyst"), max_kb=MAX_DOCUMENT_BYTES // 1024)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str, wh: Warehouse = Depends(get_wh),
                  user: User = Reader) -> HTMLResponse:
    """A document: its Core Viewpoint and grouped points, each linked to its passage."""
    from mineralwatch.documents.summary import summarize

    s = summarize(wh, doc_id)  # NotFoundError (404) for an unknown id
    doc = wh.sql('SELECT published, url, language FROM "document" WHERE doc_id = ?', [doc_id])
    d = doc.iloc[0]
    return page(request, "document.html", title=s.title or doc_id, doc_id=doc_id,
                summary=Markup(s.to_html()), published=d.get("published"), url=d.get("url"),
                language=d.get("language"), active="documents")


@router.get("/documents/{doc_id:path}/{passage}", response_class=HTMLResponse)
def passage_page(request: Request, doc_id: str, passage: int,
                 wh: Warehouse = Depends(get_wh), user: User = Reader) -> HTMLResponse:
    doc = wh.sql('SELECT * FROM "document" WHERE doc_id = ?', [doc_id])
    rows = wh.sql('SELECT idx, text, language FROM "passage" WHERE doc_id = ? AND idx '
                  "BETWEEN ? AND ? ORDER BY idx", [doc_id, passage - 1, passage + 1])
    this = rows[rows["idx"] == passage]
    if doc.empty or this.empty:
        raise NotFoundError(f"No passage {passage} in document {doc_id!r}.")
    d = doc.iloc[0]
    before = rows[rows["idx"] == passage - 1]["text"]
    after = rows[rows["idx"] == passage + 1]["text"]
    return page(request, "passage.html", title=str(d["title"] or doc_id), doc_id=doc_id,
                passage=passage, text=this.iloc[0]["text"], language=this.iloc[0]["language"],
                published=d.get("published"), url=d.get("url"),
                before=before.iloc[0] if len(before) else "",
                after=after.iloc[0] if len(after) else "", active="documents")


@router.post("/documents/upload")
async def upload_document(request: Request, file: UploadFile,
                          wh: Warehouse = Depends(get_wh), user: User = Analyst) -> Response:
    from mineralwatch.documents.ingest import ingest_documents

    data = await _read_upload(file, MAX_DOCUMENT_BYTES, DOCUMENT_SUFFIXES)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file.filename or "upload.txt").name
        path.write_bytes(data)
        report = ingest_documents(wh, [path])
    if report.failures:
        raise InputError(f"{path.name} was not ingested.", hint=str(report.failures[0]))
    from urllib.parse import quote

    return RedirectResponse(f"/documents?q={quote(Path(path).stem)}", status_code=303)


__all__ = ["router", "shipped_scenarios"]
