"""Web pages (Jinja2 + htmx). Pages only arrange what the Python API returns."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pandas as pd
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from mineralwatch import __version__
from mineralwatch.api import charts
from mineralwatch.api.auth import AuthStore, User
from mineralwatch.api.deps import get_auth, get_identity, get_wh, role
from mineralwatch.api.security import SESSION_COOKIE, Identity, check_csrf
from mineralwatch.codes import countries, minerals
from mineralwatch.errors import MineralwatchError
from mineralwatch.reports.html import _event_rows
from mineralwatch.store import Warehouse
from mineralwatch.store.cache import cached

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(
    directory=str(__import__("pathlib").Path(__file__).parent / "templates"))

Reader = Depends(role("reader"))
Analyst = Depends(role("analyst"))


def _csrf(request: Request) -> str:
    ident: Identity | None = getattr(request.state, "identity", None)
    auth: AuthStore = request.app.state.auth
    return auth.csrf_token(ident.nonce) if ident is not None and ident.nonce else ""


def page(request: Request, template: str, *, status_code: int = 200, **ctx: Any
         ) -> HTMLResponse:
    """Render a page with the common context (user, CSRF token, version)."""
    ident: Identity | None = getattr(request.state, "identity", None)
    wh = request.app.state.wh
    base = {"user": ident.user if ident else None, "csrf": _csrf(request),
            "version": __version__, "warehouse": str(wh.path) if wh.path else ":memory:",
            "title": ctx.get("title", "mineralwatch")}
    return templates.TemplateResponse(request, template, {**base, **ctx},
                                      status_code=status_code)


def render_error(request: Request, status: int, message: str, hint: str) -> HTMLResponse:
    return page(request, "error.html", status_code=status, status=status,
                title=f"Error {status}",
                message=message, hint=hint)


def _pct(v: Any) -> str:
    return "" if v is None or pd.isna(v) else f"{float(v) * 100:.1f}%"


def _num(v: Any) -> str:
    return "" if v is None or pd.isna(v) else f"{float(v):,.0f}"


def _level(v: Any) -> str:
    return "" if v is None or pd.isna(v) else "high" if v >= 2500 else "mid" if v >= 1500 else ""


def _conc_all(wh: Warehouse, stage: str) -> pd.DataFrame:
    from mineralwatch.analytics.concentration.api import concentration_by_stage

    return concentration_by_stage(wh, stages=[stage])


def _criticality_map(wh: Warehouse) -> dict[str, dict[str, Any]]:
    """EU-method verdict per material: ``critical`` (True/False/None) and its label."""
    try:
        from mineralwatch.analytics.criticality.api import criticality
    except ImportError:
        return {}
    try:
        df = criticality(wh, method="eu")
    except MineralwatchError:
        return {}
    col = "material" if "material" in df.columns else "mineral"
    from mineralwatch.analytics.criticality.verdict import label

    return {str(r[col]): {"critical": r["critical"], "label": label(r)}
            for r in df.to_dict("records")}


def _safe_next(target: str) -> str:
    """Only same-site relative redirects (no open redirect)."""
    p = urlparse(target)
    return target if target.startswith("/") and not target.startswith("//") and not p.netloc \
        else "/"


# -- overview ---------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def overview(request: Request, wh: Warehouse = Depends(get_wh), user: User = Reader,
             auth: AuthStore = Depends(get_auth)) -> HTMLResponse:
    from mineralwatch.api.alerts import alerts_since_last_visit

    mine, ref = _conc_all(wh, "mine"), _conc_all(wh, "refinery")
    proc = _conc_all(wh, "processing")
    crit = _criticality_map(wh)
    from mineralwatch.analytics.events import load_events

    events = _event_rows(load_events(wh))
    latest: dict[str, str] = {}
    for e in events:  # newest first
        for m in e["minerals"].split(", "):
            latest.setdefault(m, f"{e['date']} {e['actor']}: {e['measure']}")
    ids = sorted(set(mine["mineral"]) | set(ref["mineral"]) | set(proc["mineral"]),
                 key=lambda i: minerals.table()[i].name)
    by = {s: df.set_index("mineral") if not df.empty else df
          for s, df in (("mine", mine), ("refinery", ref), ("processing", proc))}
    rows = []
    for mid in ids:
        m = minerals.table()[mid]
        r: dict[str, Any] = {"id": mid, "name": m.name, "name_zh": m.name_zh if m.zh else ""}
        for key, stages in (("mine", ("mine",)), ("ref", ("refinery", "processing"))):
            rec = next((by[s].loc[mid] for s in stages
                        if not by[s].empty and mid in by[s].index), None)
            r[f"{key}_hhi"] = _num(rec["hhi"]) if rec is not None else ""
            r[f"{key}_level"] = _level(rec["hhi"]) if rec is not None else ""
            top = rec["top1_country"] if rec is not None else None
            r[f"{key}_top"] = countries.name(str(top)) if isinstance(top, str) else ""
            r[f"{key}_share"] = _pct(rec["top1_share"]) if rec is not None else ""
        verdict = crit.get(mid) or {}
        r["critical"], r["crit_label"] = verdict.get("critical"), verdict.get("label")
        r["event"] = latest.get(mid, "")
        rows.append(r)
    srcs = sorted(set(mine.get("source_id", [])) | set(ref.get("source_id", [])))
    watch = auth.watchlist(user.name) if user.name != "anonymous" else []
    alerts: list[dict[str, str]] = []
    since: str | None = None
    if user.name != "anonymous":
        alerts, since = alerts_since_last_visit(wh, auth, user.name, mine, events,
                                                classes={k: v["label"] for k, v in crit.items()})
    return page(request, "overview.html", title="Overview", active="overview", rows=rows,
                sources=", ".join(srcs), watch=watch, alerts=alerts, since=since)


# -- mineral page -------------------------------------------------------------------------
@cached
def mineral_context(wh: Warehouse, mineral: str) -> dict[str, Any]:
    """Everything the mineral page shows (cached per warehouse state in the server)."""
    from mineralwatch.analytics.concentration.api import concentration_by_stage
    from mineralwatch.analytics.events import load_events

    maps, conc = [], []
    df = concentration_by_stage(wh, mineral)
    for r in df.to_dict("records"):
        maps.append(charts.producer_map(minerals.table()[mineral].name, r))
        conc.append({"stage": r["stage"], "year": r["year"], "hhi": _num(r["hhi"]),
                     "top1": countries.name(str(r["top1_country"])),
                     "top1_share": _pct(r["top1_share"]), "top3": _pct(r["top3_share"]),
                     "top5": _pct(r["top5_share"]), "n1": _pct(r["n1_gap"]),
                     "n": r["n_producers"], "source": r["source_id"]})
    panels = [p for p in (charts.concentration_history(wh, mineral),) if p is not None]
    panels += charts.extra_panels(wh, mineral)
    events = _event_rows(load_events(wh, mineral=mineral))
    return {"maps": maps, "conc": conc, "panels": panels, "events": events}


@router.get("/minerals/{mineral}", response_class=HTMLResponse)
def mineral_page(request: Request, mineral: str, wh: Warehouse = Depends(get_wh),
                 user: User = Reader, auth: AuthStore = Depends(get_auth)) -> HTMLResponse:
    m = minerals.get(mineral)
    ctx = mineral_context(wh, m.id)
    watched = user.name != "anonymous" and ("mineral", m.id) in auth.watchlist(user.name)
    return page(request, "mineral.html", title=m.name, active="overview", m=m, **ctx,
                watched=watched, can_watch=user.name != "anonymous")


# -- events -------------------------------------------------------------------------------
@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, status: str = "confirmed", mineral: str | None = None,
                wh: Warehouse = Depends(get_wh), user: User = Reader) -> HTMLResponse:
    from mineralwatch.analytics.events import load_events

    if status not in ("confirmed", "extracted", "rejected", "all"):
        status = "confirmed"
    rows = _event_rows(load_events(wh, mineral=mineral or None, status=status))
    return page(request, "events.html", title="Events", active="events", events=rows,
                status=status, mineral=mineral, can_review=user.can("analyst"))


@router.post("/events/review")
def review_event(request: Request, id: str = Form(...), decision: str = Form(...),
                 wh: Warehouse = Depends(get_wh), user: User = Analyst) -> Response:
    from mineralwatch.analytics.events import review_event as review

    review(wh, id, decision, reviewer=user.name)
    return RedirectResponse("/events?status=extracted", status_code=303)


# -- watchlist ----------------------------------------------------------------------------
@router.post("/watch")
def watch(request: Request, kind: str = Form(...), value: str = Form(...),
          action: str = Form("add"), user: User = Reader,
          auth: AuthStore = Depends(get_auth)) -> Response:
    if user.name == "anonymous" or kind not in ("mineral", "country"):
        return render_error(request, 400, "Log in to keep a watchlist.", "")
    value = minerals.to_id(value) if kind == "mineral" else countries.to_iso3(value)
    (auth.watch if action == "add" else auth.unwatch)(user.name, kind, value)
    target = f"/minerals/{value}" if kind == "mineral" else "/"
    return RedirectResponse(target, status_code=303)


# -- login --------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/",
               ident: Identity = Depends(get_identity)) -> HTMLResponse:
    return page(request, "login.html", title="Log in", next=_safe_next(next), error=None)


@router.post("/login")
async def login(request: Request, username: str = Form(...), password: str = Form(...),
                next: str = Form("/"), auth: AuthStore = Depends(get_auth),
                ident: Identity = Depends(get_identity)) -> Response:
    await check_csrf(request, ident, auth)
    user = auth.check_password(username, password)
    if user is None:
        return page(request, "login.html", status_code=401, title="Log in",
                    next=_safe_next(next), error="Unknown user or wrong password.")
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, auth.make_session(user.name), httponly=True,
                    samesite="strict", secure=request.url.scheme == "https", max_age=12 * 3600)
    return resp


@router.post("/logout")
def logout(request: Request, user: User = Reader) -> Response:
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


__all__ = ["page", "render_error", "router"]
