"""Web pages (Jinja2 + htmx). Pages only arrange what the Python API returns."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from mineralwatch import __version__
from mineralwatch.api import views
from mineralwatch.api.auth import AuthStore, User
from mineralwatch.api.deps import get_auth, get_identity, get_wh, role
from mineralwatch.api.security import SESSION_COOKIE, Identity, check_csrf, safe_url
from mineralwatch.codes import countries, minerals
from mineralwatch.errors import InputError
from mineralwatch.reports.html import _event_rows
from mineralwatch.store import Warehouse

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(
    directory=str(__import__("pathlib").Path(__file__).parent / "templates"))

templates.env.filters["safe_url"] = safe_url
templates.env.globals["doc_href"] = views.doc_href
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
    base = {"user": ident.user if ident else None, "csrf": _csrf(request),
            "version": __version__, "title": ctx.get("title", "mineralwatch")}
    return templates.TemplateResponse(request, template, {**base, **ctx},
                                      status_code=status_code)


def render_error(request: Request, status: int, message: str, hint: str) -> HTMLResponse:
    return page(request, "error.html", status_code=status, status=status,
                title=f"Error {status}",
                message=message, hint=hint)


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

    view = views.overview_view(wh)
    watch = auth.watchlist(user.name) if user.name != "anonymous" else []
    alerts: list[dict[str, str]] = []
    since: str | None = None
    if user.name != "anonymous":
        alerts, since = alerts_since_last_visit(
            wh, auth, user.name, view["mine"], view["events"],
            classes={k: v["label"] for k, v in view["crit"].items()})
    return page(request, "overview.html", title="Overview", active="overview",
                rows=view["rows"], groups=view["groups"], sources=", ".join(view["sources"]),
                watch=watch, alerts=alerts, since=since)


# -- mineral page -------------------------------------------------------------------------
@router.get("/minerals/{mineral}", response_class=HTMLResponse)
def mineral_page(request: Request, mineral: str, year: str = "",
                 wh: Warehouse = Depends(get_wh), user: User = Reader,
                 auth: AuthStore = Depends(get_auth)) -> HTMLResponse:
    m = minerals.get(mineral)
    if year and not (year.isdigit() and len(year) == 4):
        raise InputError(f"Bad year {year!r}.", hint="Give a four-digit year, e.g. 2023.")
    ctx = views.mineral_view(wh, m.id, int(year) if year else None)
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
async def login(request: Request, username: str = Form(..., max_length=100),
                password: str = Form(..., max_length=1000), next: str = Form("/"),
                auth: AuthStore = Depends(get_auth),
                ident: Identity = Depends(get_identity)) -> Response:
    await check_csrf(request, ident, auth)
    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(username, client)
    if wait:
        resp = page(request, "login.html", status_code=429, title="Log in",
                    next=_safe_next(next), error=f"Too many failed logins. Try again in "
                    f"{wait} s.")
        resp.headers["Retry-After"] = str(wait)
        return resp
    user = auth.check_password(username, password)
    if user is None:
        limiter.failed(username, client)
        return page(request, "login.html", status_code=401, title="Log in",
                    next=_safe_next(next), error="Unknown user or wrong password.")
    limiter.succeeded(username)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, auth.make_session(user.name), httponly=True,
                    samesite="strict", secure=request.url.scheme == "https", max_age=12 * 3600)
    return resp


@router.post("/logout")
def logout(request: Request, user: User = Reader,
           auth: AuthStore = Depends(get_auth)) -> Response:
    auth.end_session(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


__all__ = ["page", "render_error", "router"]
