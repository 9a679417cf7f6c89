"""Login throttling: failed logins counted per user name and per client address.

A sliding window of failure times per key. When a key has ``limit`` failures within
``window`` seconds, further attempts for it are refused (HTTP 429 with ``Retry-After``)
until the oldest failure in the window ages out, so a brute force is slowed to ``limit``
guesses per window while the right user is kept out for at most ``window`` seconds. A
successful login clears the user's count. State is in memory: one server process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: Failed logins allowed per user name, and the window (s) they are counted over.
USER_LIMIT, USER_WINDOW = 5, 30.0
#: Failed logins allowed per client address (any user names), and the window (s).
CLIENT_LIMIT, CLIENT_WINDOW = 20, 60.0
#: Keys kept at most (oldest dropped), so a flood of names cannot grow memory unbounded.
MAX_KEYS = 10_000


@dataclass
class _Window:
    limit: int
    seconds: float
    hits: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, key: str, now: float) -> float:
        q = self.hits.get(key)
        if not q:
            return 0.0
        while q and q[0] <= now - self.seconds:
            q.popleft()
        if len(q) < self.limit:
            return 0.0
        return q[-self.limit] + self.seconds - now

    def add(self, key: str, now: float) -> None:
        if key not in self.hits and len(self.hits) >= MAX_KEYS:
            self.hits.pop(next(iter(self.hits)))
        q = self.hits.setdefault(key, deque(maxlen=self.limit))
        q.append(now)


class LoginLimiter:
    """Counts failed logins; :meth:`retry_after` says how long a new attempt must wait."""

    def __init__(self, *, user_limit: int = USER_LIMIT, user_window: float = USER_WINDOW,
                 client_limit: int = CLIENT_LIMIT, client_window: float = CLIENT_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._users = _Window(user_limit, user_window)
        self._clients = _Window(client_limit, client_window)
        self._clock = clock
        self._lock = threading.Lock()

    def retry_after(self, user: str, client: str) -> int:
        """Whole seconds to wait before ``user`` may try from ``client`` (0: go ahead)."""
        with self._lock:
            now = self._clock()
            wait = max(self._users.retry_after(user.lower(), now),
                       self._clients.retry_after(client, now))
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, user: str, client: str) -> None:
        """Record a wrong password (or unknown user)."""
        with self._lock:
            now = self._clock()
            self._users.add(user.lower(), now)
            self._clients.add(client, now)

    def succeeded(self, user: str) -> None:
        """The right password: the user's failures are forgotten (the client's stay)."""
        with self._lock:
            self._users.hits.pop(user.lower(), None)


__all__ = ["CLIENT_LIMIT", "CLIENT_WINDOW", "USER_LIMIT", "USER_WINDOW", "LoginLimiter"]
