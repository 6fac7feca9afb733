"""Retro-hunts with their state kept: queued, running (how far), done, failed or interrupted.

The web pages run an alert's retro-hunt (:meth:`HuntingMixin.retro_hunt`) in
the background: :meth:`HuntStateMixin.queue_hunt` records the request, a
worker thread calls :meth:`HuntStateMixin.run_queued_hunt`, and the alert's
page reads :meth:`HuntStateMixin.alert_hunt` to show how far it got. The
API's synchronous hunts go through :meth:`HuntStateMixin.run_hunt`, which
records theirs the same way.

The state lives in ``alert_hunts`` (one row per alert as imported last), not
in the server's memory, so it outlives the process: a server that stops
mid-hunt leaves the row ``running``, and the next start marks it
``interrupted`` (:meth:`HuntStateMixin.interrupt_hunts`) instead of showing
it running for ever; an analyst starts it again. Progress is written after
the reports are counted and then every ``PROGRESS_EVERY`` batches, each time
in a transaction of one UPDATE, so a hunt never holds the (SQLite) write lock
for longer than that.
"""

from __future__ import annotations

import contextlib
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lurewatch.ingest.errors import InputError
from lurewatch.store.errors import Conflict, InvalidValue, StoreError
from lurewatch.store.hunting import HuntingMixin, _alert_version
from lurewatch.store.records import HUNT_STATES, AlertHunt, AlertMatch, HuntState
from lurewatch.store.schema import AlertHuntRow

# Progress is written every this many batches of reports (hunting.BATCH each).
PROGRESS_EVERY = 4
MAX_ERROR_CHARS = 1_000
INTERRUPTED = "the server stopped before this retro-hunt finished: run it again"
_ACTIVE = ("queued", "running")


def _hunt(row: AlertHuntRow, alert_id: str) -> AlertHunt:
    if row.state not in HUNT_STATES:
        raise InvalidValue(f"alert_hunts row {row.id}: unknown state {row.state!r}")
    return AlertHunt(
        alert_id=alert_id,
        state=cast(HuntState, row.state),
        searched=row.searched,
        total=row.total,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
    )


def _error_text(exc: BaseException) -> str:
    """What an analyst is told of a failed hunt: one line, never a traceback."""
    if not isinstance(exc, StoreError | InputError):
        return (
            f"the retro-hunt stopped on an unexpected error ({type(exc).__name__}); "
            "the server log has the details: run it again, or tell the administrator"
        )
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line[:MAX_ERROR_CHARS]


class HuntStateMixin(HuntingMixin):
    # -- reading ---------------------------------------------------------------------

    def alert_hunt(self, alert_id: str) -> AlertHunt | None:
        """The alert's latest recorded retro-hunt; None if none was recorded since its import."""
        with self._read() as s:
            pk, _ = _alert_version(s, alert_id)
            row = s.scalar(sa.select(AlertHuntRow).where(AlertHuntRow.alert_pk == pk))
            return None if row is None else _hunt(row, alert_id)

    # -- starting --------------------------------------------------------------------

    def queue_hunt(self, alert_id: str, *, actor: str) -> tuple[AlertHunt, bool]:
        """Ask for the alert's retro-hunt: its state, and whether this call queued it.

        A hunt of the alert that is already queued or running is left as it
        is (the answer is that hunt and False): asking twice never makes two.
        NotFound if there is no such alert.
        """
        if not actor.strip():
            raise InvalidValue("a retro-hunt needs an actor (the username asking for it)")
        now = self._clock()
        try:
            with self._write() as s:
                pk, _ = _alert_version(s, alert_id)
                row = self._hunt_row(s, pk)
                if row is not None and row.state in _ACTIVE:
                    return _hunt(row, alert_id), False
                if row is None:
                    row = AlertHuntRow(alert_pk=pk)
                    s.add(row)
                row.state = "queued"
                row.searched = row.total = 0
                row.requested_by = actor
                row.requested_at = now
                row.started_at = row.finished_at = None
                row.error = None
                s.flush()
                return _hunt(row, alert_id), True
        except Conflict:
            # Another request added the alert's row first (PostgreSQL): that one queued it.
            hunt = self.alert_hunt(alert_id)
            if hunt is None:
                raise
            return hunt, False

    def interrupt_hunts(self) -> int:
        """Mark every queued or running hunt ``interrupted``; how many there were.

        For a server starting: no hunt of an earlier process is still running.
        Only one server process may use a database (see docs/store.md).
        """
        now = self._clock()
        with self._write() as s:
            done = s.execute(
                sa.update(AlertHuntRow)
                .where(AlertHuntRow.state.in_(_ACTIVE))
                .values(state="interrupted", finished_at=now, error=INTERRUPTED)
            )
            return int(getattr(done, "rowcount", 0) or 0)

    # -- running ---------------------------------------------------------------------

    def run_queued_hunt(self, alert_id: str) -> AlertHunt | None:
        """Run the alert's queued retro-hunt now, in this thread; its final state.

        None when no hunt of the alert is queued (another worker took it, or
        none was asked for), or when the alert was replaced or removed while
        it ran (its hunt row went with it). A hunt that fails is recorded as
        ``failed`` with the reason, and the error is raised.
        """
        claimed = self._claim(alert_id, actor=None)
        if claimed is None:
            return None
        pk, actor = claimed
        self._run_recorded(alert_id, pk, actor)
        with self._read() as s:
            row = self._hunt_row(s, pk)
            return None if row is None else _hunt(row, alert_id)

    def run_hunt(self, alert_id: str, *, actor: str) -> list[AlertMatch]:
        """:meth:`retro_hunt`, with its state recorded, for callers that wait for it (the API).

        If a hunt of the alert is already queued or running, this one still
        runs but is not recorded, so the other's progress stays true.
        """
        claimed = self._claim(alert_id, actor=actor)
        if claimed is None:
            return self.retro_hunt(alert_id, actor=actor)
        return self._run_recorded(alert_id, claimed[0], actor)

    # -- helpers ---------------------------------------------------------------------

    @staticmethod
    def _hunt_row(s: Session, alert_pk: int) -> AlertHuntRow | None:
        return s.scalar(
            sa.select(AlertHuntRow).where(AlertHuntRow.alert_pk == alert_pk).with_for_update()
        )

    def _claim(self, alert_id: str, *, actor: str | None) -> tuple[int, str] | None:
        """Mark the alert's hunt running: (alert row id, who asked), or None if not ours to run.

        Without ``actor`` only a queued hunt is taken (the worker's way); with
        one, a new hunt is recorded unless one is already queued or running.
        """
        now = self._clock()
        try:
            with self._write() as s:
                pk, _ = _alert_version(s, alert_id)
                row = self._hunt_row(s, pk)
                if actor is None:
                    if row is None or row.state != "queued":
                        return None
                else:
                    if row is not None and row.state in _ACTIVE:
                        return None
                    if row is None:
                        row = AlertHuntRow(alert_pk=pk)
                        s.add(row)
                    row.requested_by = actor
                    row.requested_at = now
                row.state = "running"
                row.searched = row.total = 0
                row.started_at = now
                row.finished_at = None
                row.error = None
                s.flush()
                return pk, row.requested_by
        except Conflict:
            return None  # another request recorded a hunt of the alert first

    def _run_recorded(self, alert_id: str, alert_pk: int, actor: str) -> list[AlertMatch]:
        seen = [0, 0]
        calls = 0

        def progress(searched: int, total: int) -> None:
            nonlocal calls
            seen[:] = [searched, total]
            if calls % PROGRESS_EVERY == 0:
                self._set_progress(alert_pk, searched, total)
            calls += 1

        try:
            matches = self.retro_hunt(alert_id, actor=actor, progress=progress)
        except Exception as exc:
            # If even this fails the row stays "running" until the next start interrupts it.
            with contextlib.suppress(StoreError):
                self._finish(alert_pk, "failed", seen[0], seen[1], _error_text(exc))
            raise
        self._finish(alert_pk, "done", seen[0], seen[1], None)
        return matches

    def _set_progress(self, alert_pk: int, searched: int, total: int) -> None:
        with self._connect(write=True) as conn:
            conn.execute(
                sa.update(AlertHuntRow)
                .where(AlertHuntRow.alert_pk == alert_pk, AlertHuntRow.state == "running")
                .values(searched=searched, total=total)
            )

    def _finish(
        self, alert_pk: int, state: str, searched: int, total: int, error: str | None
    ) -> None:
        now = self._clock()
        with self._connect(write=True) as conn:
            conn.execute(
                sa.update(AlertHuntRow)
                .where(AlertHuntRow.alert_pk == alert_pk, AlertHuntRow.state == "running")
                .values(state=state, searched=searched, total=total, finished_at=now, error=error)
            )
