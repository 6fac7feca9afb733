"""Helpers shared by the store tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
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


@contextmanager
def statements_on(store: Store, table: str) -> Iterator[list[str]]:
    """The verb (SELECT, UPDATE, ...) of each statement sent to the database that names
    ``table``, in order, while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if table in statement:
            seen.append(statement.split(None, 1)[0].upper())

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
