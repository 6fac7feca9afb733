"""Retro-hunts started from the pages run in worker threads of the server process.

A hunt over 100,000 reports takes seconds, too long to keep an analyst's
request (or a reverse proxy) waiting: the page records the request
(:meth:`lurewatch.store.Store.queue_hunt`), hands it to :class:`HuntRunner`
and redirects at once to the alert's page, which shows the progress the
store keeps. One thread per alert at a time: asking again while a hunt of
the alert is queued or running starts nothing. An alert re-imported while
its hunt runs is hunted again by the same thread once that hunt ends (it
ends in a conflict: the alert changed under it).

The server is one process (:mod:`lurewatch.web.server`), so a runner built
at start-up marks every hunt an earlier process left queued or running as
``interrupted``: the analyst sees that, not a hunt running for ever, and
starts it again.
"""

from __future__ import annotations

import logging
import threading
import time

from lurewatch.store import Store, StoreError
from lurewatch.store.records import AlertHunt

log = logging.getLogger("lurewatch.web.hunts")


class HuntRunner:
    """Runs the store's queued retro-hunts in background threads, one per alert at a time."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Condition()
        self._active: dict[str, threading.Thread] = {}
        # Alerts whose running thread must look for a queued hunt once more before it ends.
        self._again: set[str] = set()
        interrupted = store.interrupt_hunts()
        if interrupted:
            log.warning(
                "%d retro-hunt(s) left unfinished by an earlier server marked interrupted",
                interrupted,
            )

    def start(self, alert_id: str, *, actor: str) -> AlertHunt:
        """Queue the alert's retro-hunt and make sure a thread runs it; the hunt's state.

        NotFound if there is no such alert. A hunt already queued or running
        is left alone (its state is the answer).
        """
        hunt, queued = self._store.queue_hunt(alert_id, actor=actor)
        if not queued:
            return hunt
        with self._lock:
            if alert_id in self._active:
                self._again.add(alert_id)
                return hunt
            thread = threading.Thread(
                target=self._work, args=(alert_id,), name="retro-hunt", daemon=True
            )
            self._active[alert_id] = thread
        thread.start()
        return hunt

    def running(self) -> int:
        """How many alerts have a hunt thread now."""
        with self._lock:
            return len(self._active)

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until no hunt thread runs (for tests and a clean stop); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def _work(self, alert_id: str) -> None:
        while True:
            # A failure is recorded as failed, with a one-line reason, for the alert's page.
            try:
                self._store.run_queued_hunt(alert_id)
            except StoreError as exc:
                log.warning("retro-hunt of alert %r failed: %s", alert_id, exc)
            except Exception:
                log.exception("retro-hunt of alert %r failed", alert_id)
            with self._lock:
                if alert_id in self._again:
                    self._again.discard(alert_id)
                    continue
                del self._active[alert_id]
                self._lock.notify_all()
                return
