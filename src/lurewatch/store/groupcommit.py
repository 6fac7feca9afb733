"""Group commit: the writes of many threads committed together, each caller told its own outcome.

A committed transaction costs a flush to disk (SQLite with ``synchronous=FULL``
syncs the log on every commit) and, on either backend, a fixed amount of work
per transaction and per statement. When fifty people submit at once, writing
each report in its own transaction spends most of the time on that overhead,
one transaction after another. Here the first caller becomes the writer and
writes what is queued; callers arriving meanwhile queue up, and the next
writer takes all of them in one transaction. A burst of N submissions costs a
few commits instead of N, with no timer: a lone caller is written at once.

Every caller returns only after the transaction holding its item committed,
or raises its own item's error: an item the batch refused (say, from a
deactivated account) fails alone, and when a whole batch fails its items are
tried again one at a time, so one bad item never sinks the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Entry(Generic[T, R]):
    __slots__ = ("done", "error", "item", "result", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.done = False
        self.wake = threading.Event()

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit(Generic[T, R]):
    """Runs ``write`` over batches of the items threads :meth:`submit`, one batch at a time.

    ``write(items)`` writes all of ``items`` in one transaction and returns one
    outcome per item, in order: a result, or an exception for an item it left
    out while writing the others. When ``write`` raises, the batch is retried
    one item per call. At most ``max_batch`` items go in one call.
    """

    def __init__(
        self, write: Callable[[Sequence[T]], Sequence[R | Exception]], *, max_batch: int = 64
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch {max_batch}: give at least 1")
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Entry[T, R]] = []
        self._writing = False

    def submit(self, item: T) -> R:
        """Write ``item`` (with whatever else is queued); its result once committed."""
        entry: _Entry[T, R] = _Entry(item)
        with self._lock:
            self._queue.append(entry)
            lead = not self._writing
            self._writing = True
        if not lead:
            entry.wake.wait()
            if entry.done:
                return entry.outcome()
            # Woken undone: the previous writer handed over the writing to this thread.
        try:
            while not entry.done:
                with self._lock:
                    batch = self._queue[: self._max_batch]
                    del self._queue[: self._max_batch]
                self._run(batch)
        finally:
            with self._lock:
                successor = self._queue[0] if self._queue else None
                self._writing = successor is not None
            if successor is not None:
                successor.wake.set()
        return entry.outcome()

    def _run(self, batch: list[_Entry[T, R]]) -> None:
        try:
            try:
                outcomes = list(self._write([e.item for e in batch]))
            except Exception as exc:
                outcomes = [exc] if len(batch) == 1 else [self._alone(e.item) for e in batch]
            if len(outcomes) != len(batch):
                raise RuntimeError(f"group commit: {len(outcomes)} outcomes for {len(batch)} items")
            for e, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    e.error = outcome
                else:
                    e.result = outcome
        except BaseException as exc:  # interrupted: nobody may wait for ever
            for e in batch:
                if e.error is None and e.result is None:
                    e.error = exc
            raise
        finally:
            for e in batch:
                e.done = True
                e.wake.set()

    def _alone(self, item: T) -> R | Exception:
        try:
            (outcome,) = self._write([item])
        except Exception as exc:
            return exc
        return outcome
