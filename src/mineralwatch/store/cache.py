"""A result cache for analytics over one warehouse, for servers that repeat requests.

The web server answers the same questions many times (a mineral page computes the
concentration of every stage, the overview every mineral); the answers change only when
the warehouse does. Functions decorated with :func:`cached` (and values computed through
:func:`memo`) are remembered, keyed on their arguments and on the warehouse's
:func:`fingerprint` (every source's id, checksum, ingestion time and row count, and the
review status of every policy event), so an ingest, a removed source or a reviewed event
makes the next call recompute.

Caching is off unless a :class:`ResultCache` is active in the calling context (``with
use(cache):``): library and CLI calls always compute. The web application activates one
cache per warehouse for every request (``mineralwatch.api.app``).

Reading the fingerprint is a query; it is read once per context when the context
promises not to write (``use(cache, read_only=True)``: a GET request), and once per
change when the cache is ``exclusive``: the server opened the warehouse file itself (so
DuckDB's lock keeps other processes out) and every write goes through a request that is
bracketed by :meth:`ResultCache.begin_write` / :meth:`ResultCache.end_write`.

Results are returned as copies (a DataFrame's columns can be changed by the caller
without touching the cached one; ``bytes``, ``str`` and tuples are returned as they are);
a :class:`~mineralwatch.errors.MineralwatchError` raised by the function (no data for a
stage, an unknown material) is remembered and raised again. Warnings the function emits
are not replayed on a hit (recording them needs ``warnings.catch_warnings``, which is
process-global and unsafe in a threaded server): put what a caller must see in the
result (``DataFrame.attrs`` travels with the copy).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd

from mineralwatch.errors import MineralwatchError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

#: One query: provenance of every source and the review state of the event register.
_FINGERPRINT_SQL = """
SELECT
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(source_id, checksum, ingested_at,
                                                   "rows")), 0) FROM "source"),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(id, status)), 0) FROM "policy_event")
"""


def fingerprint(wh: Any) -> str:
    """A string that changes whenever the warehouse's data may have changed."""
    row = wh.con.execute(_FINGERPRINT_SQL).fetchone()
    return f"{row[0]}#{row[1]}"


class ResultCache:
    """A bounded LRU of analytics results for one warehouse (thread-safe).

    Concurrent callers asking for the same missing entry wait for the first one instead
    of computing it again.

    Parameters
    ----------
    maxsize
        entries kept (least recently used dropped first).
    exclusive
        every write to the warehouse happens between :meth:`begin_write` and
        :meth:`end_write` (see the module docstring): the fingerprint is then read once
        per change instead of once per request.
    """

    def __init__(self, maxsize: int = 2048, *, exclusive: bool = False) -> None:
        self.maxsize = maxsize
        self.exclusive = exclusive
        self._data: OrderedDict[tuple[Any, ...], tuple[bool, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._fingerprint: str | None = None
        self._writers = 0
        self._generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._fingerprint = None

    # -- writes -----------------------------------------------------------------------
    def begin_write(self) -> None:
        """A request that may write starts: no remembered fingerprint until it ends."""
        with self._lock:
            self._writers += 1
            self._generation += 1
            self._fingerprint = None

    def end_write(self) -> None:
        """The request that may have written has ended."""
        with self._lock:
            self._writers -= 1
            self._generation += 1
            self._fingerprint = None

    def fingerprint(self, wh: Any) -> str:
        """The warehouse fingerprint, remembered between writes when ``exclusive``."""
        if not self.exclusive:
            return fingerprint(wh)
        with self._lock:
            if self._fingerprint is not None:
                return self._fingerprint
            generation = self._generation
        fp = fingerprint(wh)
        with self._lock:
            if self._writers == 0 and self._generation == generation:
                self._fingerprint = fp
        return fp

    # -- entries ----------------------------------------------------------------------
    def _lookup(self, key: tuple[Any, ...]) -> tuple[bool, Any] | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is not None:
                self._data.move_to_end(key)
                self.hits += 1
            return entry

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """The cached result for ``key``, computing (once) and storing it when missing."""
        entry: tuple[bool, Any] | None = self._lookup(key)
        if entry is None:
            with self._lock:
                key_lock = self._key_locks.setdefault(key, threading.Lock())
            with key_lock:
                entry = self._lookup(key)
                if entry is None:
                    try:
                        entry = (True, compute())
                    except MineralwatchError as exc:
                        entry = (False, exc)
                    with self._lock:
                        self.misses += 1
                        self._data[key] = entry
                        while len(self._data) > self.maxsize:
                            self._data.popitem(last=False)
                        self._key_locks.pop(key, None)
        ok, value = entry
        if not ok:
            raise cast(MineralwatchError, value)  # failures stored above are always these
        return _copy(value)


def _copy(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | bytes | tuple):
        return value
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()
    return copy.deepcopy(value)


class _Scope:
    """The active cache and, for a read-only context, its warehouse fingerprint."""

    def __init__(self, cache: ResultCache, read_only: bool) -> None:
        self.cache = cache
        self.read_only = read_only
        self.fingerprint: str | None = None

    def fingerprint_of(self, wh: Any) -> str:
        if self.fingerprint is not None:
            return self.fingerprint
        fp = self.cache.fingerprint(wh)
        if self.read_only:
            self.fingerprint = fp
        return fp


#: The cache of the current context (a web request), or ``None``: no caching.
_ACTIVE: ContextVar[_Scope | None] = ContextVar("mineralwatch_result_cache", default=None)


@contextmanager
def use(cache: ResultCache | None, *, read_only: bool = False
        ) -> Iterator[ResultCache | None]:
    """Make ``cache`` the active cache for the calling context (``None``: no caching).

    ``read_only=True`` promises that nothing writes to the warehouse in this context (a
    GET request): its fingerprint is then read once, not on every call.
    """
    token = _ACTIVE.set(None if cache is None else _Scope(cache, read_only))
    try:
        yield cache
    finally:
        _ACTIVE.reset(token)


def active() -> ResultCache | None:
    """The cache active in this context, if any."""
    scope = _ACTIVE.get()
    return None if scope is None else scope.cache


def _freeze(value: Any) -> Any:
    """A hashable form of an argument; raises TypeError for anything else (no caching)."""
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    if isinstance(value, list | tuple):
        return (type(value).__name__, *(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("dict", *sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, frozenset | set):
        return ("set", *sorted(_freeze(v) for v in value))
    if isinstance(value, Path):  # a file argument (a scenario): keyed on its content
        try:
            digest = hashlib.sha256(value.read_bytes()).hexdigest()
        except OSError:
            digest = None
        return ("path", str(value), digest)
    raise TypeError(f"not cacheable: {type(value).__name__}")


def memo(wh: Any, key: Any, compute: Callable[[], T]) -> T:
    """``compute()`` through the active cache, keyed on ``key`` and ``wh``'s fingerprint.

    ``key`` must identify the computation (a name and its arguments; see
    :func:`cached` for what can be in it). Without an active cache, or with a key that
    cannot be hashed, this is ``compute()``.
    """
    scope = _ACTIVE.get()
    if scope is None or wh is None or not hasattr(wh, "con"):
        return compute()
    try:
        frozen = _freeze(key)
        fp = scope.fingerprint_of(wh)
    except Exception:  # unhashable argument, old warehouse without a table: compute
        return compute()
    return scope.cache.get_or_compute((fp, frozen), compute)


def cached(fn: F) -> F:
    """Cache ``fn(wh, ...)`` in the active :class:`ResultCache` (see the module docstring).

    The first parameter must be the warehouse. Plain values, lists, dicts and file paths
    (keyed on the file's content) are cacheable arguments; calls with anything else (a
    DataFrame, an options object), without a warehouse, or outside an active cache run
    ``fn`` directly.
    """
    sig = inspect.signature(fn)
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _ACTIVE.get() is None:
            return fn(*args, **kwargs)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)  # let the function report the bad call
        bound.apply_defaults()
        items = list(bound.arguments.items())
        return memo(items[0][1], (name, items[1:]), lambda: fn(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


__all__ = ["ResultCache", "active", "cached", "fingerprint", "memo", "use"]
