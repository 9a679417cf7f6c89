"""Workbench pages that run analyses: scenarios, trade screening, documents."""

from __future__ import annotations

import functools
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from mineralwatch.api import charts
from mineralwatch.api.auth import User
from mineralwatch.api.deps import get_wh, role
from mineralwatch.api.pages import page, templates
from mineralwatch.errors import InputError, MineralwatchError, NotFoundError
from mineralwatch.reports.html import _event_rows
from mineralwatch.store import Warehouse

router = APIRouter(include_in_schema=False)
Reader = Depends(role("reader"))
Analyst = Depends(role("analyst"))

#: Upload limits: scenario files and documents.
MAX_SCENARIO_BYTES = 256 * 1024
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")


def scenario_dir() -> Path:
    return Path(str(resources.files("mineralwatch").joinpath("data").joinpath("scenarios")))


@functools.cache
def _shipped_scenarios() -> tuple[dict[str, str], ...]:
    return tuple(_scan_scenarios())


def shipped_scenarios() -> list[dict[str, str]]:
    """Name, mineral and years of each shipped scenario file (read once per process)."""
    return [dict(s) for s in _shipped_scenarios()]


def _scan_scenarios() -> list[dict[str, str]]:
    out = []
    for f in sorted(scenario_dir().glob("*.yaml")):
        try:
            d = yaml.safe_load(f.read_text("utf-8")) or {}
        except yaml.YAMLError:
            continue
        out.append({"file": f.name, "name": str(d.get("name", f.stem)),
                    "mineral": str(d.get("mineral", "")), "years": str(d.get("years", ""))})
    return out


def _fmt(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return f"{float(v):,.{digits}f}"


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
                         hint="Split it or ingest it with the command line.")
    if b"\x00" in data[:4096] and not name.lower().endswith(".pdf"):
        raise InputError(f"{name} looks binary, not text.", hint="Upload a text file.")
    return data


def _run_scenarios(request: Request, wh: Warehouse, files: list[Path], draws: int,
                   baseline: bool = False) -> HTMLResponse:
    from mineralwatch.analytics.balance import balance

    rows, figures, errors, notes = [], [], [], []
    for f in files:
        try:
            res = balance(wh, scenario=f, draws=max(0, min(draws, 20000)), seed=0)
        except MineralwatchError as exc:
            errors.append(f"{f.name}: {str(exc).splitlines()[0]}")
            continue
        notes += [f"{res.scenario.name}: {n}" for n in res.meta.get("notes") or []]
        df = res.frame()
        figures.append(charts.balance_figure(res.scenario.name, res.mineral, res.unit, df,
                                             source=f.name))
        for r in df.to_dict("records"):
            rows.append({"scenario": res.scenario.name, "mineral": res.mineral,
                         "year": int(r["year"]), "supply": _fmt(r["supply"]),
                         "demand": _fmt(r["demand"]), "balance": _fmt(r["balance"]),
                         "p10": _fmt(r.get("p10")), "p90": _fmt(r.get("p90")),
                         "p_deficit": _fmt(r.get("p_deficit"), 2), "unit": res.unit})
    return _fragment(request, "_balance_result.html", rows=rows, figures=figures,
                     errors=errors, notes=notes)


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request, user: User = Reader) -> HTMLResponse:
    return page(request, "scenarios.html", title="Scenarios", active="scenarios",
                scenarios=shipped_scenarios(), max_kb=MAX_SCENARIO_BYTES // 1024)


@router.post("/scenarios/run", response_class=HTMLResponse)
async def run_scenarios(request: Request, wh: Warehouse = Depends(get_wh),
                        user: User = Analyst) -> HTMLResponse:
    form = await request.form()
    names = {s["file"] for s in shipped_scenarios()}
    chosen = [str(v) for v in form.getlist("scenario") if str(v) in names]
    if not chosen:
        raise InputError("Choose at least one shipped scenario.")
    draws = int(str(form.get("draws") or 0)) if str(form.get("draws") or "0").isdigit() else 0
    return _run_scenarios(request, wh, [scenario_dir() / c for c in chosen], draws)


@router.post("/scenarios/upload", response_class=HTMLResponse)
async def upload_scenario(request: Request, file: UploadFile, draws: int = Form(0),
                          wh: Warehouse = Depends(get_wh), user: User = Analyst
                          ) -> HTMLResponse:
    data = await _read_upload(file, MAX_SCENARIO_BYTES, (".yaml", ".yml"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file.filename or "scenario.yaml").name
        path.write_bytes(data)
        return _run_scenarios(request, wh, [path], draws)


# -- screening --------------------------------------------------------------------------
@router.get("/screening", response_class=HTMLResponse)
def screening_page(request: Request, wh: Warehouse = Depends(get_wh),
                   user: User = Reader) -> HTMLResponse:
    from mineralwatch.analytics.events import load_events

    events = _event_rows(load_events(wh))
    return page(request, "screening.html", title="Trade screening", active="screening",
                events=events)


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[,\s]+", text or "") if c]


@router.get("/screening/impact", response_class=HTMLResponse)
def screening_impact(request: Request, event: str = "", actor: str = "", hs: str = "",
                     date: str = "", wh: Warehouse = Depends(get_wh),
                     user: User = Reader) -> HTMLResponse:
    from mineralwatch.analytics.screening import event_impact

    try:
        res = (event_impact(wh, event) if event else
               event_impact(wh, actor=actor, hs=_codes(hs), date=date or None))
    except MineralwatchError as exc:
        return _fragment(request, "_screen_result.html", message=str(exc), error=True,
                         rows=[], figures=[], columns=[])
    effects = res.get("effects", [])
    cols = ["partner", "before", "after", "change_pct", "p_value", "significant"]
    rows = [{c: _cell(e.get(c)) for c in cols} for e in effects]
    total = res.get("total") or {}
    msg = (f"Total: {_cell(total.get('change_pct'))}% change, p = {_cell(total.get('p_value'))}"
           if isinstance(total, dict) and total else "")
    figures = [charts.impact_figure(res)] if effects else []
    return _fragment(request, "_screen_result.html", rows=rows, columns=cols, figures=figures,
                     message=msg or ("No effects: " + str(res.get("status", ""))), error=False)


@router.get("/screening/transshipment", response_class=HTMLResponse)
def screening_transshipment(request: Request, restrictor: str, target: str, hs: str,
                            since: str, wh: Warehouse = Depends(get_wh),
                            user: User = Reader) -> HTMLResponse:
    from mineralwatch.analytics.screening import screen_transshipment

    try:
        res = screen_transshipment(wh, restrictor, target, _codes(hs), since)
    except MineralwatchError as exc:
        return _fragment(request, "_screen_result.html", message=str(exc), error=True,
                         rows=[], figures=[], columns=[])
    cands = res.get("candidates", [])
    cols = ["country", "score", "flagged"]
    rows = [{c: _cell(x.get(c)) for c in cols} for x in cands]
    figures = [charts.transshipment_figure(res)] if cands else []
    flagged = [x["country"] for x in cands if x.get("flagged")]
    msg = (f"Flagged: {', '.join(flagged)}" if flagged else "Nothing found: no third country "
           "shows a diversion pattern.")
    return _fragment(request, "_screen_result.html", rows=rows, columns=cols,
                     figures=figures, message=msg, error=False)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if pd.isna(v) else f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


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


@router.get("/documents/{doc_id}/{passage}", response_class=HTMLResponse)
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
    return RedirectResponse(f"/documents?q={Path(path).stem}", status_code=303)


__all__ = ["router", "shipped_scenarios"]
