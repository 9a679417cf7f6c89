"""``mineralwatch serve``, ``mineralwatch users`` and ``mineralwatch tokens``."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from mineralwatch.cli._common import Format, FormatOpt, WarehouseOpt, console, emit


def _auth(warehouse: Path | None):  # type: ignore[no-untyped-def]
    from mineralwatch.api.auth import AuthStore, auth_path_for

    return AuthStore(auth_path_for(warehouse))


def register(app: typer.Typer) -> None:
    """Add the web commands to ``app``."""

    @app.command("serve", help="Start the web workbench and JSON API (binds to 127.0.0.1 "
                 "by default; nothing is fetched from the internet).")
    def serve(
        host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port.")] = 8000,
        warehouse: WarehouseOpt = None,
        allow_host: Annotated[list[str] | None, typer.Option(
            help="Extra accepted Host header names (when served behind a proxy).")] = None,
    ) -> None:
        import uvicorn

        from mineralwatch.api import create_app
        from mineralwatch.api.app import DEFAULT_HOSTS

        hosts = set(DEFAULT_HOSTS) | {host} | set(allow_host or [])
        app_ = create_app(warehouse, hosts=hosts)
        if host not in ("127.0.0.1", "localhost", "::1"):
            console.print(f"[yellow]Listening on {host}: reachable from other machines. Add "
                          "users (`mineralwatch users add`) and use TLS in front.[/yellow]")
        console.print(f"mineralwatch workbench on http://{host}:{port}/  (API docs: /api/docs)")
        uvicorn.run(app_, host=host, port=port, log_level="warning")

    users = typer.Typer(help="Manage web users (roles: reader, analyst, admin).",
                        no_args_is_help=True)
    tokens = typer.Typer(help="Manage API tokens (stored hashed).", no_args_is_help=True)
    app.add_typer(users, name="users")
    app.add_typer(tokens, name="tokens")

    @users.command("add", help="Add a user; the password is asked for (or "
                   "$MINERALWATCH_PASSWORD).")
    def users_add(
        name: str,
        role: Annotated[str, typer.Option(help="reader, analyst or admin")] = "reader",
        warehouse: WarehouseOpt = None,
    ) -> None:
        pw = os.environ.get("MINERALWATCH_PASSWORD") or getpass.getpass(f"Password for {name}: ")
        _auth(warehouse).add_user(name, pw, role)
        console.print(f"User [bold]{name}[/bold] added with role {role}.")

    @users.command("remove", help="Remove a user and revoke their tokens.")
    def users_remove(name: str, warehouse: WarehouseOpt = None) -> None:
        _auth(warehouse).remove_user(name)
        console.print(f"User [bold]{name}[/bold] removed.")

    @users.command("passwd", help="Change a user's password (asked for, or "
                   "$MINERALWATCH_PASSWORD); their browser sessions end.")
    def users_passwd(name: str, warehouse: WarehouseOpt = None) -> None:
        pw = os.environ.get("MINERALWATCH_PASSWORD") or getpass.getpass(
            f"New password for {name}: ")
        _auth(warehouse).set_password(name, pw)
        console.print(f"Password of [bold]{name}[/bold] changed; their sessions ended.")

    @users.command("list", help="List users.")
    def users_list(warehouse: WarehouseOpt = None, fmt: FormatOpt = Format.table) -> None:
        rows = [{"name": n, "role": r, "created": c} for n, r, c in _auth(warehouse).users()]
        emit(rows, fmt, title="Users", columns=["name", "role", "created"])

    @tokens.command("create", help="Create an API token for a user (shown once).")
    def tokens_create(
        user: str, label: Annotated[str, typer.Option(help="What it is for.")] = "",
        warehouse: WarehouseOpt = None,
    ) -> None:
        tid, token = _auth(warehouse).create_token(user, label)
        console.print(f"Token {tid} for {user} (store it now; it is not shown again):")
        typer.echo(token)

    @tokens.command("revoke", help="Revoke a token by id.")
    def tokens_revoke(token_id: str, warehouse: WarehouseOpt = None) -> None:
        _auth(warehouse).revoke_token(token_id)
        console.print(f"Token {token_id} revoked.")

    @tokens.command("list", help="List tokens (ids, users, labels; never the secrets).")
    def tokens_list(warehouse: WarehouseOpt = None, fmt: FormatOpt = Format.table) -> None:
        rows = [{"id": i, "user": u, "label": lab, "created": c, "revoked": bool(r)}
                for i, u, lab, c, r in _auth(warehouse).tokens()]
        emit(rows, fmt, title="API tokens")
