"""Request-scoped dependencies: the warehouse cursor, the identity, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, Request

from mineralwatch.api.auth import AuthStore, User
from mineralwatch.api.security import Identity, check_csrf, identify, require_role
from mineralwatch.store import Warehouse


def get_auth(request: Request) -> AuthStore:
    return request.app.state.auth


def get_wh(request: Request) -> Iterator[Warehouse]:
    """A per-request cursor on the server's warehouse (DuckDB is not thread-safe)."""
    wh = request.app.state.wh.cursor()
    try:
        yield wh
    finally:
        wh.close()


def get_identity(request: Request, auth: AuthStore = Depends(get_auth)) -> Identity:
    ident = identify(request, auth)
    request.state.identity = ident
    return ident


def role(name: str) -> Callable[..., object]:
    """Dependency: the user must hold role ``name``; unsafe requests must carry CSRF."""

    async def dep(request: Request, ident: Identity = Depends(get_identity),
                  auth: AuthStore = Depends(get_auth)) -> User:
        user = require_role(ident, name)
        await check_csrf(request, ident, auth)
        return user

    return dep
