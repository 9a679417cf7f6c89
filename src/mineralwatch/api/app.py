"""The FastAPI application: JSON API under ``/api/v1``, web pages, local static assets.

Every asset the browser loads (plotly.js, htmx, the world TopoJSON, the OpenAPI docs
UI) is served by this server; no page makes a request elsewhere.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from mineralwatch import __version__
from mineralwatch.api.auth import AuthStore, auth_path_for
from mineralwatch.api.ratelimit import LoginLimiter
from mineralwatch.api.security import SecurityHeadersMiddleware, scrub_paths
from mineralwatch.errors import InputError, MineralwatchError, NotFoundError
from mineralwatch.store import Warehouse
from mineralwatch.store import cache as result_cache
from mineralwatch.store import open as open_warehouse

STATIC = Path(str(resources.files("mineralwatch.api").joinpath("static")))
#: Host names accepted by default (loopback). Tests pass ``hosts={"testserver"}``.
DEFAULT_HOSTS = {"127.0.0.1", "localhost", "::1"}


def plotly_js_path() -> Path:
    """plotly.min.js from the installed ``plotly`` package (served, never fetched)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class ResultCacheMiddleware:
    """Activates the app's analytics result cache for each request (``store/cache.py``).

    Results of ``@cached`` analytics (concentration, criticality, events, balance) are
    reused until the warehouse changes. Requests other than GET/HEAD/OPTIONS may write:
    they are bracketed by ``begin_write``/``end_write``.
    """

    def __init__(self, app: Any, cache: result_cache.ResultCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        safe = scope["method"] in ("GET", "HEAD", "OPTIONS")
        if not safe:
            self.cache.begin_write()
        try:
            with result_cache.use(self.cache, read_only=safe):
                await self.app(scope, receive, send)
        finally:
            if not safe:
                self.cache.end_write()


class HeadMiddleware:
    """Answers ``HEAD`` as the ``GET`` of the same URL, headers only (RFC 9110 9.3.2)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Any) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(warehouse: Warehouse | Path | str | None = None, *,
               auth: AuthStore | None = None, hosts: set[str] | None = None) -> FastAPI:
    """Build the web application.

    Parameters
    ----------
    warehouse
        an open :class:`Warehouse`, a path, or ``None`` for the default warehouse. An app
        that opens the warehouse itself takes its requests to be the only writers (the
        result cache reads the warehouse fingerprint once per write, ``store/cache.py``);
        pass an open :class:`Warehouse` to also write to it from elsewhere.
    auth
        the user/token store; default ``<warehouse>.auth.sqlite``.
    hosts
        host names accepted in the ``Host`` header (DNS-rebinding protection); default
        loopback names. ``{"*"}`` accepts any.
    """
    own = not isinstance(warehouse, Warehouse)
    import warnings

    from mineralwatch.analytics.concentration.indicators import ShareNormalisationWarning

    # rounding normalisations are stated in the pages; the server does not warn per request
    warnings.simplefilter("ignore", ShareNormalisationWarning)
    wh = warehouse if isinstance(warehouse, Warehouse) else open_warehouse(warehouse)
    app = FastAPI(
        title="mineralwatch API",
        version=__version__,
        description="Critical-mineral supply security: concentration, criticality, "
        "balances, trade screening, stockpiles and document intelligence. Authenticate "
        "with `Authorization: Bearer <token>` (`mineralwatch tokens create`).",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )
    app.state.wh = wh
    app.state.auth = auth or AuthStore(auth_path_for(wh.path) if wh.path else ":memory:")
    app.state.login_limiter = LoginLimiter()
    app.add_middleware(SecurityHeadersMiddleware, allowed_hosts=hosts or DEFAULT_HOSTS)
    # A warehouse file this app opened is written by its requests only (DuckDB's lock
    # keeps other processes out): the cache may then remember the fingerprint.
    app.state.result_cache = result_cache.ResultCache(exclusive=own)
    app.add_middleware(ResultCacheMiddleware, cache=app.state.result_cache)
    app.add_middleware(HeadMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_js_path(), media_type="text/javascript")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' "
            "content='width=device-width, initial-scale=1'><title>mineralwatch API</title>"
            "<link rel='stylesheet' href='/static/swagger-ui.css'></head><body>"
            "<div id='swagger-ui'></div><script src='/static/swagger-ui-bundle.js'></script>"
            "<script src='/static/swagger-init.js'></script></body></html>")

    _errors(app)
    from mineralwatch.api import pages, routes, workflows

    app.include_router(routes.router)
    app.include_router(pages.router)
    app.include_router(workflows.router)
    return app


def _errors(app: FastAPI) -> None:
    def _wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or "json" in request.headers.get(
            "accept", "")

    @app.exception_handler(MineralwatchError)
    async def mw_error(request: Request, exc: MineralwatchError) -> Response:
        status = 404 if isinstance(exc, NotFoundError) else 422 if isinstance(
            exc, InputError) else 400
        roots = _private_roots(request)
        body: dict[str, Any] = {"error": type(exc).__name__,
                                "message": scrub_paths(exc.message, roots),
                                "hint": scrub_paths(exc.hint, roots) if exc.hint else exc.hint}
        if isinstance(exc, InputError):
            body["failures"] = [scrub_paths(str(f), roots) for f in exc.failures[:50]]
        if _wants_json(request):
            return JSONResponse(body, status_code=status)
        from mineralwatch.api.pages import render_error

        return render_error(request, status, body["message"], body["hint"] or "")

    # Starlette's class, so that unknown routes (404) and methods (405) answer JSON too.
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        headers = dict(exc.headers or {})
        if "Allow" in headers and "GET" in headers["Allow"] and "HEAD" not in headers["Allow"]:
            headers["Allow"] += ", HEAD"
        if _wants_json(request):
            return JSONResponse({"error": "HTTPError", "message": exc.detail},
                                status_code=exc.status_code, headers=headers)
        if exc.status_code == 401:
            from fastapi.responses import RedirectResponse

            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        from mineralwatch.api.pages import render_error

        resp = render_error(request, exc.status_code, str(exc.detail), "")
        resp.headers.update(headers)
        return resp

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        failures = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "ValidationError", "message": "Invalid request.",
                             "failures": failures}, status_code=422)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # A bug: the exception propagates to the server's log as well.
        body = {"error": "InternalError", "message": "Internal server error.",
                "hint": "This is a bug in mineralwatch; the server log has the traceback."}
        if _wants_json(request):
            return JSONResponse(body, status_code=500)
        return Response(body["message"], status_code=500, media_type="text/plain")


def _private_roots(request: Request) -> list[str]:
    """Folders of this machine that must not appear in a page or an error message."""
    import tempfile

    wh = request.app.state.wh
    roots = [tempfile.gettempdir(), str(Path.home()), str(Path.cwd()),
             str(Path(__file__).resolve().parents[2])]
    if wh.path:
        roots.append(str(Path(wh.path).resolve().parent))
    return roots


__all__ = ["create_app", "plotly_js_path"]
