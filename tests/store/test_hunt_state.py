"""The state of retro-hunts kept in the database: queued, running, done, failed, interrupted."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from storesupport import T0, Clock, MakeContact, MakeSubmission, OpenStore

from lurewatch.exchange import load_alert
from lurewatch.ingest.errors import InputError
from lurewatch.model import Alert, Persona
from lurewatch.store import NotFound, Store, StoreUnavailable
from lurewatch.store import hunt_state as hunt_state_module
from lurewatch.store import hunting as hunting_module
from lurewatch.store.records import AlertHunt

ROOT = Path(__file__).resolve().parents[2]
ALERT = load_alert(ROOT / "examples" / "alert.json")
OTHER = Alert(
    id="urn:test:other-alert",
    title="Another persona (synthetic)",
    personas=(Persona(id="jw", name="Jordan Wei", company="Northwind Talent Partners"),),
)
QUEUED = AlertHunt(
    alert_id=ALERT.id,
    state="queued",
    searched=0,
    total=0,
    requested_by="ana",
    requested_at=T0,
    started_at=None,
    finished_at=None,
    error=None,
)


class Killed(BaseException):
    """The server process dying mid-hunt (nothing catches it)."""


def five_reports(store: Store, contact: MakeContact, submission: MakeSubmission) -> str:
    """Four reports of strangers and one the alert matches; the matched one's reference."""
    for n in range(2):
        store.submit_report(submission("vic", contact(f"Stranger {n}")))
    matched = store.submit_report(
        submission("sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    )
    for n in range(2, 4):
        store.submit_report(submission("vic", contact(f"Stranger {n}")))
    return matched.reference


def test_a_queued_hunt_runs_with_its_progress_kept_and_ends_done(
    people: Store,
    contact: MakeContact,
    submission: MakeSubmission,
    open_store: OpenStore,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hunting_module, "BATCH", 2)
    monkeypatch.setattr(hunt_state_module, "PROGRESS_EVERY", 1)
    matched = five_reports(people, contact, submission)
    people.import_alert(ALERT, actor="ana")
    assert people.alert_hunt(ALERT.id) is None

    assert people.queue_hunt(ALERT.id, actor="ana") == (QUEUED, True)
    clock.advance(seconds=1)
    # Asking again while it waits changes nothing: never two hunts of one alert.
    assert people.queue_hunt(ALERT.id, actor="ben") == (QUEUED, False)
    assert people.alert_hunt(ALERT.id) == QUEUED

    # What another connection (the alert's page) reads after each progress write.
    watcher = open_store()
    seen: list[tuple[str, int, int]] = []
    write_progress = people._set_progress

    def watched(alert_pk: int, searched: int, total: int) -> None:
        write_progress(alert_pk, searched, total)
        hunt = watcher.alert_hunt(ALERT.id)
        assert hunt is not None
        seen.append((hunt.state, hunt.searched, hunt.total))
        # Asking while it runs changes nothing either.
        assert watcher.queue_hunt(ALERT.id, actor="ben") == (hunt, False)

    monkeypatch.setattr(people, "_set_progress", watched)
    started = clock.advance(seconds=1)
    done = people.run_queued_hunt(ALERT.id)

    assert seen == [("running", 0, 5), ("running", 2, 5), ("running", 4, 5), ("running", 5, 5)]
    assert done == msgspec.structs.replace(
        QUEUED, state="done", searched=5, total=5, started_at=started, finished_at=started
    )
    assert people.alert_hunt(ALERT.id) == done
    assert [m.report for m in people.alert_matches_for(ALERT.id)] == [matched]
    [entry] = [e for e in people.audit_entries(limit=100) if e.action == "alert.hunt"]
    assert (entry.actor, entry.details["reports"], entry.details["strong"]) == ("ana", 5, 1)
    # Nothing is queued any more: a worker asking again runs nothing.
    assert people.run_queued_hunt(ALERT.id) is None


def test_a_failed_hunt_keeps_its_reason_in_one_line_and_can_be_queued_again(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    five_reports(people, contact, submission)
    people.import_alert(ALERT, actor="ana")
    people.queue_hunt(ALERT.id, actor="ana")
    with people.engine.begin() as conn:  # an alert the store can no longer read
        conn.execute(sa.text("UPDATE alerts SET body = '{broken'"))
    with pytest.raises(InputError) as raised:
        people.run_queued_hunt(ALERT.id)
    hunt = people.alert_hunt(ALERT.id)
    assert hunt is not None
    assert (hunt.state, hunt.finished_at) == ("failed", T0)
    assert hunt.error == str(raised.value).splitlines()[0]
    assert hunt.error.startswith(f"stored alert {ALERT.id}.json")

    again, queued = people.queue_hunt(ALERT.id, actor="ben")
    assert queued
    assert again == msgspec.structs.replace(QUEUED, requested_by="ben")


def test_an_unexpected_error_is_named_not_shown(
    people: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    people.import_alert(ALERT, actor="ana")
    people.queue_hunt(ALERT.id, actor="ana")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail\n  File 'x.py', line 1")

    monkeypatch.setattr(people, "retro_hunt", broken)
    with pytest.raises(RuntimeError):
        people.run_queued_hunt(ALERT.id)
    hunt = people.alert_hunt(ALERT.id)
    assert hunt is not None and hunt.state == "failed"
    assert hunt.error == (
        "the retro-hunt stopped on an unexpected error (RuntimeError); the server log has "
        "the details: run it again, or tell the administrator"
    )


def test_hunts_left_running_by_a_stopped_server_are_marked_interrupted(
    people: Store,
    contact: MakeContact,
    submission: MakeSubmission,
    open_store: OpenStore,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    five_reports(people, contact, submission)
    people.import_alert(ALERT, actor="ana")
    people.import_alert(OTHER, actor="ana")
    people.queue_hunt(ALERT.id, actor="ana")
    people.queue_hunt(OTHER.id, actor="ben")  # never taken by a worker
    write_progress = people._set_progress

    def dies(alert_pk: int, searched: int, total: int) -> None:
        write_progress(alert_pk, searched, total)
        raise Killed

    monkeypatch.setattr(people, "_set_progress", dies)
    with pytest.raises(Killed):
        people.run_queued_hunt(ALERT.id)
    people.close()

    # The next server process: what the database says before and after it starts.
    restarted = open_store()
    running = restarted.alert_hunt(ALERT.id)
    assert running is not None
    assert (running.state, running.searched, running.total) == ("running", 0, 5)
    later = clock.advance(minutes=5)
    assert restarted.interrupt_hunts() == 2
    interrupted = restarted.alert_hunt(ALERT.id)
    assert interrupted == msgspec.structs.replace(
        running, state="interrupted", finished_at=later, error=hunt_state_module.INTERRUPTED
    )
    other = restarted.alert_hunt(OTHER.id)
    assert other is not None and (other.state, other.started_at) == ("interrupted", None)
    assert restarted.interrupt_hunts() == 0
    # An analyst starts it again.
    assert restarted.queue_hunt(ALERT.id, actor="ana")[1]
    assert restarted.run_queued_hunt(ALERT.id) is not None
    assert restarted.alert_hunt(ALERT.id).state == "done"  # type: ignore[union-attr]


def test_the_synchronous_hunt_is_recorded_unless_another_is_on_its_way(
    people: Store, contact: MakeContact, submission: MakeSubmission, clock: Clock
) -> None:
    matched = five_reports(people, contact, submission)
    people.import_alert(ALERT, actor="ana")
    assert [m.report for m in people.run_hunt(ALERT.id, actor="ben")] == [matched]
    assert people.alert_hunt(ALERT.id) == msgspec.structs.replace(
        QUEUED,
        state="done",
        searched=5,
        total=5,
        requested_by="ben",
        started_at=T0,
        finished_at=T0,
    )
    people.queue_hunt(ALERT.id, actor="ana")
    assert [m.report for m in people.run_hunt(ALERT.id, actor="ben")] == [matched]
    assert people.alert_hunt(ALERT.id) == QUEUED  # left for the worker that will run it


def test_reimporting_an_alert_forgets_its_hunt_and_unknown_alerts_are_not_found(
    people: Store,
) -> None:
    people.import_alert(ALERT, actor="ana")
    people.queue_hunt(ALERT.id, actor="ana")
    people.import_alert(ALERT, actor="ana")
    assert people.alert_hunt(ALERT.id) is None
    assert people.run_queued_hunt(ALERT.id) is None
    for call in (
        lambda: people.alert_hunt("nope"),
        lambda: people.queue_hunt("nope", actor="ana"),
        lambda: people.run_queued_hunt("nope"),
        lambda: people.run_hunt("nope", actor="ana"),
    ):
        with pytest.raises(NotFound):
            call()


def test_a_hunt_whose_database_goes_away_is_interrupted_on_the_next_start(
    people: Store, open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    people.import_alert(ALERT, actor="ana")
    people.queue_hunt(ALERT.id, actor="ana")

    def unavailable(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("database gone: connection refused")

    # Neither the hunt nor the write of its failure gets through.
    monkeypatch.setattr(people, "retro_hunt", unavailable)
    monkeypatch.setattr(people, "_finish", unavailable)
    with pytest.raises(StoreUnavailable):
        people.run_queued_hunt(ALERT.id)
    restarted = open_store()
    assert restarted.alert_hunt(ALERT.id).state == "running"  # type: ignore[union-attr]
    assert restarted.interrupt_hunts() == 1
    assert restarted.alert_hunt(ALERT.id).state == "interrupted"  # type: ignore[union-attr]
