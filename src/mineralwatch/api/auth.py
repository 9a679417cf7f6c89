"""Users, roles and API tokens for the web workbench, kept in a small SQLite file.

Passwords are hashed with scrypt; API tokens are random and stored only as SHA-256
hashes. Roles are ordered: ``reader`` (read) < ``analyst`` (run scenarios, ingest
documents, review events) < ``admin`` (manage users). Browser sessions are server-side:
the cookie holds a random session id, the store keeps only its SHA-256 hash with the user
and expiry, so logout, removing a user and changing a password revoke sessions at once
(a new user with an old name never inherits one). The CSRF token is derived from the
session id.

The store lives beside the warehouse (``<warehouse>.auth.sqlite``) so that the CLI can
manage users while the server runs (SQLite allows that; DuckDB would not).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mineralwatch.errors import InputError, MineralwatchError, NotFoundError

ROLES = ("reader", "analyst", "admin")
SESSION_SECONDS = 12 * 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class AuthError(MineralwatchError):
    """Authentication or authorisation failed."""


@dataclass(frozen=True)
class User:
    """An authenticated user (``anonymous`` when no users are configured)."""

    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)


def auth_path_for(warehouse: Path | None) -> Path:
    """The auth store that belongs to a warehouse file."""
    if warehouse is None:
        from mineralwatch.store import default_path

        warehouse = default_path()
    return warehouse.with_name(warehouse.name + ".auth.sqlite")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt>$<hash>`` for a password."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against :func:`hash_password` output."""
    try:
        _, salt, _digest = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthStore:
    """Users, tokens and the server secret in SQLite."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL,
                pw_hash TEXT NOT NULL, created TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, user TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE, label TEXT, created TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS watch (user TEXT NOT NULL, kind TEXT NOT NULL,
                value TEXT NOT NULL, PRIMARY KEY (user, kind, value));
            CREATE TABLE IF NOT EXISTS visits (user TEXT PRIMARY KEY, last TEXT NOT NULL,
                snapshot TEXT);
            CREATE TABLE IF NOT EXISTS sessions (hash TEXT PRIMARY KEY, user TEXT NOT NULL,
                expires REAL NOT NULL, created TEXT NOT NULL);
            """
        )

    # -- secret ----------------------------------------------------------------------
    @property
    def secret(self) -> bytes:
        row = self.db.execute("SELECT value FROM settings WHERE key='secret'").fetchone()
        if row is None:
            value = secrets.token_hex(32)
            self.db.execute("INSERT OR IGNORE INTO settings VALUES ('secret', ?)", (value,))
            row = self.db.execute("SELECT value FROM settings WHERE key='secret'").fetchone()
        return bytes.fromhex(row[0])

    # -- users -----------------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str = "reader") -> User:
        """Create a user; raises :class:`InputError` on a bad role, name or short password."""
        if role not in ROLES:
            raise InputError(f"Unknown role {role!r}.", hint=f"Roles: {', '.join(ROLES)}.")
        if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise InputError(f"Invalid user name {name!r}.",
                             hint="Use letters, digits, '.', '-' or '_'.")
        if len(password) < 8:
            raise InputError("Password too short.", hint="Use at least 8 characters.")
        if self.db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
            raise InputError(f"User {name!r} exists already.",
                             hint="Remove it first or choose another name.")
        self.db.execute("INSERT INTO users VALUES (?, ?, ?, ?)",
                        (name, role, hash_password(password), _now()))
        return User(name, role)

    def remove_user(self, name: str) -> None:
        """Delete a user and revoke their tokens."""
        if not self.db.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
            raise NotFoundError(f"No user {name!r}.")
        self.db.execute("DELETE FROM users WHERE name=?", (name,))
        self.db.execute("UPDATE tokens SET revoked=1 WHERE user=?", (name,))
        self.revoke_sessions(name)

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password and end every session of theirs."""
        if len(password) < 8:
            raise InputError("Password too short.", hint="Use at least 8 characters.")
        cur = self.db.execute("UPDATE users SET pw_hash=? WHERE name=?",
                              (hash_password(password), name))
        if cur.rowcount == 0:
            raise NotFoundError(f"No user {name!r}.")
        self.revoke_sessions(name)

    def users(self) -> list[tuple[str, str, str]]:
        """(name, role, created) of every user."""
        return list(self.db.execute("SELECT name, role, created FROM users ORDER BY name"))

    def has_users(self) -> bool:
        return self.db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def get_user(self, name: str) -> User | None:
        row = self.db.execute("SELECT name, role FROM users WHERE name=?", (name,)).fetchone()
        return User(row[0], row[1]) if row else None

    def check_password(self, name: str, password: str) -> User | None:
        """The user when the password matches, else ``None`` (same time either way)."""
        row = self.db.execute("SELECT name, role, pw_hash FROM users WHERE name=?",
                              (name,)).fetchone()
        stored = row[2] if row else hash_password("x" * 12)
        ok = verify_password(password, stored)
        return User(row[0], row[1]) if row and ok else None

    # -- tokens ----------------------------------------------------------------------
    def create_token(self, user: str, label: str = "") -> tuple[str, str]:
        """Create an API token; returns (token id, token). Only the hash is stored."""
        if self.get_user(user) is None:
            raise NotFoundError(f"No user {user!r}.", hint="Add it with `mineralwatch users add`.")
        token = "mw_" + secrets.token_urlsafe(32)
        tid = secrets.token_hex(4)
        self.db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, 0)",
                        (tid, user, _token_hash(token), label, _now()))
        return tid, token

    def revoke_token(self, tid: str) -> None:
        cur = self.db.execute("UPDATE tokens SET revoked=1 WHERE id=?", (tid,))
        if cur.rowcount == 0:
            raise NotFoundError(f"No token {tid!r}.", hint="`mineralwatch tokens list`.")

    def tokens(self) -> list[tuple[str, str, str, str, int]]:
        return list(self.db.execute(
            "SELECT id, user, label, created, revoked FROM tokens ORDER BY created"))

    def user_for_token(self, token: str) -> User | None:
        row = self.db.execute(
            "SELECT u.name, u.role FROM tokens t JOIN users u ON u.name = t.user "
            "WHERE t.hash=? AND t.revoked=0", (_token_hash(token),)).fetchone()
        return User(row[0], row[1]) if row else None

    # -- sessions and CSRF -----------------------------------------------------------
    def make_session(self, user: str, seconds: int = SESSION_SECONDS) -> str:
        """Start a server-side session; returns the cookie value (only its hash is kept)."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        self.db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
        self.db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                        (_token_hash(sid), user, now + seconds, _now()))
        return sid

    def read_session(self, cookie: str | None) -> tuple[User, str] | None:
        """(user, nonce) for a live session id; ``None`` when unknown, ended or expired."""
        if not cookie or len(cookie) > 100:
            return None
        row = self.db.execute(
            "SELECT u.name, u.role, s.expires FROM sessions s JOIN users u ON u.name = s.user "
            "WHERE s.hash=?", (_token_hash(cookie),)).fetchone()
        if row is None or row[2] < time.time():
            return None
        return User(row[0], row[1]), _token_hash("nonce|" + cookie)

    def end_session(self, cookie: str | None) -> None:
        """Logout: the session id stops working everywhere."""
        if cookie:
            self.db.execute("DELETE FROM sessions WHERE hash=?", (_token_hash(cookie),))

    def revoke_sessions(self, user: str) -> int:
        """End every session of ``user``; returns how many were live."""
        return self.db.execute("DELETE FROM sessions WHERE user=?", (user,)).rowcount

    def csrf_token(self, nonce: str) -> str:
        return hmac.new(self.secret, f"csrf|{nonce}".encode(), hashlib.sha256).hexdigest()

    # -- watchlists --------------------------------------------------------------------
    def watch(self, user: str, kind: str, value: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO watch VALUES (?, ?, ?)", (user, kind, value))

    def unwatch(self, user: str, kind: str, value: str) -> None:
        self.db.execute("DELETE FROM watch WHERE user=? AND kind=? AND value=?",
                        (user, kind, value))

    def watchlist(self, user: str) -> list[tuple[str, str]]:
        return list(self.db.execute("SELECT kind, value FROM watch WHERE user=? "
                                    "ORDER BY kind, value", (user,)))

    def last_visit(self, user: str) -> tuple[str | None, str | None]:
        row = self.db.execute("SELECT last, snapshot FROM visits WHERE user=?",
                              (user,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def record_visit(self, user: str, snapshot: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO visits VALUES (?, ?, ?)",
                        (user, _now(), snapshot))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


__all__ = ["ROLES", "AuthError", "AuthStore", "User", "auth_path_for", "hash_password",
           "verify_password"]
