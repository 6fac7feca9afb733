"""Helpers shared by the store tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from argon2 import PasswordHasher

from lurewatch.store import Store
from lurewatch.store.records import ReportSubmission, SubmittedContact

T0 = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
# Cheap argon2 parameters: the tests check hashing is used, not that it is slow.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

NewDatabase = Callable[..., str]
OpenStore = Callable[[], Store]
MakeContact = Callable[..., SubmittedContact]
MakeSubmission = Callable[..., ReportSubmission]


class Clock:
    """A frozen clock the test moves by hand; safe to read from many threads."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.at = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.at

    def set(self, at: dt.datetime) -> None:
        with self._lock:
            self.at = at

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self.at += dt.timedelta(**delta)
            return self.at
