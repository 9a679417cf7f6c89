"""Security plumbing for the web layer: headers, host checks, authentication, CSRF."""

from __future__ import annotations

import hmac
import os
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from fastapi import HTTPException, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, PlainTextResponse, Response

from mineralwatch.api.auth import ROLES, AuthStore, User

SESSION_COOKIE = "mw_session"
#: A random, SameSite=Strict cookie that binds the CSRF token of a visitor without a session
#: (the login form; every form while no users exist).
VISITOR_COOKIE = "mw_visitor"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

#: Content-Security-Policy: only this server's scripts; Plotly needs inline styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; worker-src 'self' blob:")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


#: URL schemes that may be rendered as links.
LINK_SCHEMES = ("http", "https")


def safe_url(url: object) -> str:
    """``url`` when it is an http(s) link with a host, else ``""`` (never rendered)."""
    if not isinstance(url, str):
        return ""
    u = url.strip()
    p = urlparse(u)
    return u if p.scheme.lower() in LINK_SCHEMES and p.netloc else ""


def scrub_paths(text: str, roots: Iterable[str]) -> str:
    """``text`` with every filesystem path under ``roots`` cut to its last component.

    Server temp folders, the warehouse folder and the home directory never reach a page
    or an error body; the file's own name (what the user uploaded) stays.
    """
    for root in sorted({r.rstrip(os.sep) for r in roots if r and len(r) > 1}, key=len,
                       reverse=True):
        text = re.sub(re.escape(root) + r"(?:/[^\s'\"()<>,;:]*)?",
                      lambda m: os.path.basename(m.group(0).rstrip("/")) or "…", text)
    return text


class SecurityHeadersMiddleware:
    """Adds security headers and rejects requests for unknown hosts (DNS rebinding).

    A plain ASGI middleware: it edits the response's start message on the way out, so a
    request costs no extra task or stream (as ``BaseHTTPMiddleware`` would).
    """

    def __init__(self, app: Any, allowed_hosts: set[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        state: dict[str, Any] = scope.setdefault("state", {})
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                new_visitor = state.get("new_visitor")
                if new_visitor:
                    cookie = Response()
                    cookie.set_cookie(VISITOR_COOKIE, new_visitor, httponly=True,
                                      samesite="strict", secure=https)
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                for k, v in HEADERS.items():
                    if k not in headers:
                        headers[k] = v
                if path.startswith("/api/") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        host = (Headers(scope=scope).get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
        if self.allowed_hosts and "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            response: Response = (
                JSONResponse({"error": "HTTPError", "message": "Invalid host header.",
                              "hint": "Start the server with --allow-host NAME."},
                             status_code=400)
                if path.startswith("/api/")
                else PlainTextResponse("Invalid host header", status_code=400))
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


class Identity:
    """Who is asking, and how (token, session or anonymous)."""

    def __init__(self, user: User | None, via: str, nonce: str | None = None) -> None:
        self.user = user
        self.via = via
        self.nonce = nonce


def identify(request: Request, auth: AuthStore) -> Identity:
    """Resolve the requester: Bearer token, session cookie, or anonymous.

    While no users exist (a fresh single-user install on loopback), anonymous visitors
    get the ``analyst`` role; their state-changing requests still need the CSRF token
    bound to their visitor cookie. Once a user exists, every request must authenticate.
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = auth.user_for_token(header[7:].strip())
        if user is None:
            raise HTTPException(401, "Invalid or revoked API token.")
        return Identity(user, "token")
    session = auth.read_session(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        return Identity(session[0], "session", session[1])
    visitor = request.cookies.get(VISITOR_COOKIE)
    if not visitor or len(visitor) != 32:
        visitor = secrets.token_hex(16)
        request.state.new_visitor = visitor
    nonce = "visitor:" + visitor
    if not auth.has_users():
        return Identity(User("anonymous", "analyst"), "anonymous", nonce)
    return Identity(None, "anonymous", nonce)


def require_role(identity: Identity, role: str) -> User:
    """The user when they hold ``role`` (or higher); else 401/403."""
    if identity.user is None:
        raise HTTPException(401, "Log in or send 'Authorization: Bearer <token>'.")
    if ROLES.index(identity.user.role) < ROLES.index(role):
        raise HTTPException(403, f"This needs the {role!r} role; you are "
                            f"{identity.user.role!r}.")
    return identity.user


async def check_csrf(request: Request, identity: Identity, auth: AuthStore) -> None:
    """Reject unsafe cookie-authenticated requests without a valid CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or identity.via == "token":
        return
    if identity.nonce is None or getattr(request.state, "new_visitor", None):
        raise HTTPException(403, "Missing or invalid CSRF token; reload the page.")
    expected = auth.csrf_token(identity.nonce)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if "form" in ctype:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "Missing or invalid CSRF token; reload the page.")
