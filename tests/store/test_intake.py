"""Receiving many reports at once: group commit, reports stored together, checks on arrival."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from storesupport import FAST_HASHER, MakeContact, MakeSubmission
from test_campaign_store import avery, five_staff
from test_retro_hunt import ALERT, expected

from lurewatch.model import Level
from lurewatch.office import ReportIntake
from lurewatch.store import InvalidValue, NotFound, Store, StoreUnavailable
from lurewatch.store import engine as engine_module
from lurewatch.store.groupcommit import GroupCommit
from lurewatch.store.records import Report


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


def queued(group: GroupCommit[Any, Any]) -> int:
    # How many items wait for the next batch: what the tests hold a batch open for.
    return len(group._queue)


def in_threads(work: Callable[[int], Any], n: int) -> list[Any]:
    """``work(i)`` for i in 0..n-1, each in its own thread; results (or errors) in order."""
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


class HeldWriter:
    """A batch writer whose first call waits until ``hold_for`` more items are queued.

    That makes the batches certain: the first caller's item alone, then all the others.
    """

    def __init__(self, write: Callable[[Sequence[Any]], Sequence[Any]], hold_for: int) -> None:
        self.write = write
        self.hold_for = hold_for
        self.batches: list[list[Any]] = []
        self.group: GroupCommit[Any, Any] | None = None

    def __call__(self, batch: Sequence[Any]) -> Sequence[Any]:
        self.batches.append(list(batch))
        if len(self.batches) == 1:
            assert self.group is not None
            group = self.group
            wait_for(lambda: queued(group) == self.hold_for, f"{self.hold_for} queued items")
        return self.write(batch)


def held_group(write: Callable[[Sequence[Any]], Sequence[Any]], hold_for: int) -> HeldWriter:
    held = HeldWriter(write, hold_for)
    held.group = GroupCommit(held)
    return held


# -- the group commit itself ---------------------------------------------------------------


def test_items_queued_during_a_write_go_in_the_next_batch_and_each_caller_gets_its_own() -> None:
    held = held_group(lambda batch: [f"done {item}" for item in batch], hold_for=9)
    assert held.group is not None
    group = held.group
    first = threading.Thread(target=group.submit, args=(0,))
    first.start()
    wait_for(lambda: len(held.batches) == 1, "the first write")
    results = in_threads(lambda i: group.submit(i + 1), 9)
    first.join(timeout=60)
    assert results == [f"done {i}" for i in range(1, 10)]
    assert [len(b) for b in held.batches] == [1, 9]
    assert sorted(held.batches[1]) == list(range(1, 10))


def test_an_item_the_writer_refuses_fails_alone() -> None:
    def write(batch: Sequence[str]) -> list[str | Exception]:
        return [ValueError(f"{item} refused") if item == "bad" else item.upper() for item in batch]

    held = held_group(write, hold_for=3)
    assert held.group is not None
    group = held.group
    first = threading.Thread(target=group.submit, args=("first",))
    first.start()
    wait_for(lambda: len(held.batches) == 1, "the first write")
    results = in_threads(lambda i: group.submit(["a", "bad", "b"][i]), 3)
    first.join(timeout=60)
    assert results[0] == "A" and results[2] == "B"
    assert isinstance(results[1], ValueError) and str(results[1]) == "bad refused"
    assert len(held.batches) == 2  # refused inside the batch: no retry


def test_a_batch_that_fails_is_retried_one_item_at_a_time() -> None:
    def write(batch: Sequence[str]) -> list[str]:
        if "poison" in batch:
            raise RuntimeError("the transaction failed")
        return [item.upper() for item in batch]

    held = held_group(write, hold_for=3)
    assert held.group is not None
    group = held.group
    first = threading.Thread(target=group.submit, args=("first",))
    first.start()
    wait_for(lambda: len(held.batches) == 1, "the first write")
    results = in_threads(lambda i: group.submit(["a", "poison", "b"][i]), 3)
    first.join(timeout=60)
    assert results[0] == "A" and results[2] == "B"
    assert isinstance(results[1], RuntimeError)
    assert sorted(len(b) for b in held.batches[2:]) == [1, 1, 1]


def test_batches_are_capped_and_every_queued_item_is_written() -> None:
    sizes: list[int] = []
    group: GroupCommit[int, int] = GroupCommit(
        lambda batch: (sizes.append(len(batch)), [i * 2 for i in batch])[1], max_batch=4
    )
    assert in_threads(group.submit, 40) == [i * 2 for i in range(40)]
    assert sum(sizes) == 40 and max(sizes) <= 4


def test_a_lone_item_is_written_at_once() -> None:
    group: GroupCommit[str, str] = GroupCommit(lambda batch: [s + "!" for s in batch])
    assert group.submit("now") == "now!"
    with pytest.raises(ValueError, match="max_batch 0"):
        GroupCommit(lambda batch: batch, max_batch=0)


# -- many reports in one transaction -------------------------------------------------------


def commits(store: Store) -> list[int]:
    """A list that grows by one on every commit of ``store``'s engine."""
    seen: list[int] = []
    sa.event.listen(store.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_reports_stored_together_are_one_commit_and_bad_ones_are_refused_alone(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    people.update_user("vic", actor="root", is_active=False)
    persona = contact("Amanda Qiu", "https://www.linkedin.com/in/amanda-qiu-88/")
    sent = [
        submission("sam", persona, contact("Writer One")),
        submission("vic"),
        submission("nobody"),
        submission("sam", channel="pigeon"),
        submission("sam", persona),
    ]
    committed = commits(people)
    outcomes = people.submit_reports(sent)
    assert len(committed) == 1
    assert [type(o) for o in outcomes] == [Report, InvalidValue, NotFound, InvalidValue, Report]
    assert str(outcomes[1]) == "user 'vic' is deactivated"
    first, last = outcomes[0], outcomes[4]
    assert isinstance(first, Report) and isinstance(last, Report)
    assert (first.reference, last.reference) == ("LW-2026-000001", "LW-2026-000002")
    assert people.get_report(first.reference) == first
    assert people.get_report(last.reference) == last
    (amanda,) = [c for c in people.list_counterparties(limit=100) if c.key.startswith("url:")]
    assert (amanda.observations, amanda.reports) == (2, 2)
    assert people.submit_reports([]) == []


def test_fifty_reports_arriving_together_are_committed_together_and_each_acknowledged(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    intake = ReportIntake(people)
    held = HeldWriter(people.submit_reports, hold_for=49)
    held.group = intake._group
    people.submit_reports = held  # type: ignore[method-assign]
    first = threading.Thread(target=intake.receive, args=(submission("sam", contact("First")),))
    first.start()
    wait_for(lambda: len(held.batches) == 1, "the first write")
    results = in_threads(
        lambda i: intake.receive(submission("vic", contact(f"Sender {i}"))).reference, 49
    )
    first.join(timeout=60)
    assert [len(b) for b in held.batches] == [1, 49]
    assert sorted(results) == [f"LW-2026-{n:06d}" for n in range(2, 51)]
    stored = {r.reference for r in people.list_reports(limit=1000)}
    assert stored == {"LW-2026-000001", *results}


def test_the_intake_hunts_each_report_of_a_batch_against_the_alerts(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    people.import_alert(ALERT, actor="ana")
    intake = ReportIntake(people)
    held = HeldWriter(people.submit_reports, hold_for=2)
    held.group = intake._group
    people.submit_reports = held  # type: ignore[method-assign]
    first = threading.Thread(target=intake.receive, args=(submission("vic"),))
    first.start()
    wait_for(lambda: len(held.batches) == 1, "the first write")
    amanda, tom = in_threads(
        lambda i: intake.receive(
            submission(
                "sam",
                contact(
                    ["Amanda Qiu", "Tom Hughes"][i],
                    company=["BP-YR Executive Search", "Example Hospital Trust"][i],
                ),
            )
        ),
        2,
    )
    first.join(timeout=60)
    assert [len(b) for b in held.batches] == [1, 2]
    assert people.matches_for_report(amanda.reference) == [expected(amanda.reference)]
    assert people.matches_for_report(tom.reference) == []
    # The hunt was on the reporter's behalf, as a retro-hunt by an analyst would be.
    hunts = {
        e.target: e.actor for e in people.audit_entries(limit=100) if e.action == "report.hunt"
    }
    assert hunts[f"report:{amanda.reference}"] == "sam"


def test_the_intake_lets_a_report_join_a_known_campaign_on_arrival(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    for username in ("uma", "lee", "kit"):
        people.create_user(username, display_name=username.title(), role="reporter", actor="root")
    refs = five_staff(people, contact, submission)
    people.relink_campaigns(actor="ana")
    cid = people.campaign_for(refs[0], 0)
    intake = ReportIntake(people)
    joining = intake.receive(
        submission(
            "kit", avery(contact, 25, url="https://www.linkedin.com/in/avery-lin-2", score=45)
        )
    )
    drill = intake.receive(submission("kit", avery(contact, 26, score=40), is_exercise=True))
    assert joining.level is Level.MEDIUM  # what the person saw
    assert people.get_report(joining.reference).level is Level.HIGH
    assert people.campaign_for(joining.reference, 0) == cid
    assert people.campaign_for(drill.reference, 0) is None


def test_a_failing_check_on_arrival_leaves_the_reports_stored(
    people: Store, submission: MakeSubmission, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_reports: Sequence[Report]) -> None:
        raise RuntimeError("the alert index is broken")

    people.hunt_arrivals = broken  # type: ignore[method-assign,assignment]
    report = ReportIntake(people).receive(submission("sam"))
    assert people.get_report(report.reference) == report
    assert f"matching report {report.reference} against stored alerts failed" in caplog.text


# -- SQLite: a writer in another process ---------------------------------------------------


def test_a_sqlite_database_locked_too_long_is_unavailable_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, submission: MakeSubmission
) -> None:
    url = f"sqlite:///{tmp_path / 'office.db'}"
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    with Store.open(url, migrate=True, hasher=FAST_HASHER) as store:
        store.create_user("sam", display_name="Sam", role="reporter", actor="setup")
        other = sqlite3.connect(tmp_path / "office.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            with pytest.raises(StoreUnavailable, match="database is locked"):
                store.submit_report(submission("sam"))
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert store.submit_report(submission("sam")).reference == "LW-2026-000001"
