"""Login rate limiting: a few failed passwords per username and client, then wait."""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import deque
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


class LoginLimiter:
    """At most ``max_failures`` failed logins per key (username + client) within ``window``.

    Once a key has used them up, every attempt (even with the right password)
    is refused until its oldest failure is older than the window. A success
    clears the key. Memory is bounded: past ``max_keys`` keys the stalest go.
    """

    def __init__(
        self,
        now: Clock,
        *,
        max_failures: int = 5,
        window: dt.timedelta = dt.timedelta(minutes=1),
        max_keys: int = 100_000,
    ) -> None:
        self._now = now
        self._max_failures = max_failures
        self._window = window
        self._max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: dt.datetime) -> deque[dt.datetime] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and now - times[0] >= self._window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: tuple[str, str]) -> int | None:
        """Seconds until ``key`` may try again, or None when it may try now."""
        now = self._now()
        with self._lock:
            times = self._recent(key, now)
            if times is None or len(times) < self._max_failures:
                return None
            wait = (times[0] + self._window - now).total_seconds()
            return max(1, math.ceil(wait))

    def failed(self, key: tuple[str, str]) -> None:
        now = self._now()
        with self._lock:
            times = self._recent(key, now)
            if times is None:
                times = deque(maxlen=self._max_failures)
            else:  # moved to the end: the dict stays ordered by latest failure
                del self._failures[key]
            if len(self._failures) >= self._max_keys:
                del self._failures[next(iter(self._failures))]
            times.append(now)
            self._failures[key] = times

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)
