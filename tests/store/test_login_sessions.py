"""Login sessions in the database: hashed ids, expiry, ending them, and surviving a restart."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import sqlalchemy as sa
from storesupport import T0, Clock, OpenStore, statements_on

from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.login_sessions import LAST_SEEN_EVERY, SESSION_IDLE, SESSION_LIFETIME
from lurewatch.store.records import LoginSession

SAM = "sam-session-id-0001"
SAM_2 = "sam-session-id-0002"
ANA = "ana-session-id-0001"


def rows(store: Store) -> list[tuple[Any, ...]]:
    """The table as stored: (id_sha256, username, created_at, last_seen), oldest first."""
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT id_sha256, username, created_at, last_seen FROM login_sessions "
                "ORDER BY created_at, username, id_sha256"
            )
        )
        return [tuple(r) for r in found]


def stored_last_seen(store: Store, session_id: str) -> dt.datetime:
    """``last_seen`` as written, read through the store's own column type."""
    from lurewatch.store.schema import LoginSessionRow

    digest = hashlib.sha256(session_id.encode()).hexdigest()
    with store.engine.connect() as conn:
        value = conn.execute(
            sa.select(LoginSessionRow.last_seen).where(LoginSessionRow.id_sha256 == digest)
        ).scalar_one()
    assert isinstance(value, dt.datetime)
    return value


def session(username: str, created_at: dt.datetime, last_seen: dt.datetime) -> LoginSession:
    return LoginSession(username=username, created_at=created_at, last_seen=last_seen)


# -- starting and finding ----------------------------------------------------------------


def test_a_session_is_found_by_its_id_and_only_its_hash_is_kept(people: Store) -> None:
    assert people.start_login_session(SAM, "sam") == session("sam", T0, T0)
    assert people.login_session(SAM) == session("sam", T0, T0)
    assert people.login_session(SAM_2) is None
    digest = hashlib.sha256(SAM.encode()).hexdigest()
    [(stored_id, username, _, _)] = rows(people)
    assert (stored_id, username) == (digest, "sam")
    assert people.login_session(digest) is None  # the stored hash does not open it
    with people.engine.connect() as conn:
        dump = " ".join(
            str(value)
            for table in ("login_sessions", "users", "audit_log")
            for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
            for value in row
        )
    assert SAM not in dump


def test_a_session_outlives_the_store_that_started_it(
    people: Store, open_store: OpenStore, clock: Clock
) -> None:
    people.start_login_session(SAM, "sam")
    people.close()  # the server stops
    clock.advance(minutes=30)
    restarted = open_store()
    assert restarted.login_session(SAM) == session("sam", T0, T0 + dt.timedelta(minutes=30))
    assert restarted.end_login_session(SAM) is True
    assert open_store().login_session(SAM) is None


def test_a_session_of_an_unknown_user_is_refused(people: Store) -> None:
    with pytest.raises(NotFound, match="no user 'nobody'"):
        people.start_login_session(SAM, "nobody")
    assert rows(people) == []


def test_times_must_be_aware(people: Store) -> None:
    with pytest.raises(InvalidValue, match="naive datetime"):
        people.start_login_session(SAM, "sam", at=dt.datetime(2026, 11, 29, 9, 0))
    with pytest.raises(InvalidValue, match="naive datetime"):
        people.login_session(SAM, at=dt.datetime(2026, 11, 29, 9, 0))


def test_the_time_given_is_used_instead_of_the_stores_clock(people: Store) -> None:
    later = T0 + dt.timedelta(hours=1)
    assert people.start_login_session(SAM, "sam", at=later) == session("sam", later, later)
    assert people.login_session(SAM, at=later) == session("sam", later, later)
    # By the store's clock (T0) the session has not started yet: it is not expired either.
    assert people.login_session(SAM) == session("sam", later, later)


# -- expiry ------------------------------------------------------------------------------


def test_an_idle_session_ends_and_is_removed(people: Store, clock: Clock) -> None:
    people.start_login_session(SAM, "sam")
    people.start_login_session(ANA, "ana")
    clock.set(T0 + SESSION_IDLE)  # idle for exactly the limit: still alive
    assert people.login_session(SAM) == session("sam", T0, T0 + SESSION_IDLE)
    clock.set(T0 + SESSION_IDLE + dt.timedelta(microseconds=1))
    assert people.login_session(ANA) is None
    assert [username for _, username, _, _ in rows(people)] == ["sam"]  # ana's was removed
    clock.set(T0 + 2 * SESSION_IDLE + dt.timedelta(seconds=1))
    assert people.login_session(SAM) is None
    assert rows(people) == []


def test_idle_time_counts_from_the_last_use_recorded(people: Store, clock: Clock) -> None:
    people.start_login_session(SAM, "sam")
    people.start_login_session(SAM_2, "sam")
    clock.set(T0 + dt.timedelta(seconds=59))  # within a minute of the recorded use: not written
    assert people.login_session(SAM) == session("sam", T0, T0)
    clock.set(T0 + LAST_SEEN_EVERY)  # a minute after it: written
    assert people.login_session(SAM_2) == session("sam", T0, T0 + LAST_SEEN_EVERY)
    clock.set(T0 + SESSION_IDLE + dt.timedelta(microseconds=1))
    # Idle counts from T0, so this one ends 59 s before two hours after its latest request
    # (never after) ...
    assert people.login_session(SAM) is None
    # ... while this one's latest request was recorded: it ends exactly on time.
    clock.set(T0 + LAST_SEEN_EVERY + SESSION_IDLE)
    assert people.login_session(SAM_2) is not None


def test_a_busy_session_still_ends_after_its_lifetime(people: Store, clock: Clock) -> None:
    people.start_login_session(SAM, "sam")
    for _ in range(14):  # a request every 50 minutes, for 11 h 40 min
        clock.advance(minutes=50)
        assert people.login_session(SAM) is not None, clock()
    clock.set(T0 + SESSION_LIFETIME)
    assert people.login_session(SAM) is not None
    clock.set(T0 + SESSION_LIFETIME + dt.timedelta(seconds=1))
    assert people.login_session(SAM) is None
    assert rows(people) == []


def test_last_seen_is_written_at_most_once_a_minute(people: Store, clock: Clock) -> None:
    people.start_login_session(SAM, "sam")
    for seconds in (1, 30, 59):
        clock.set(T0 + dt.timedelta(seconds=seconds))
        with statements_on(people, "login_sessions") as sent:
            assert people.login_session(SAM) == session("sam", T0, T0)
        assert sent == ["SELECT"]  # one read, no write
        assert stored_last_seen(people, SAM) == T0
    clock.set(T0 + LAST_SEEN_EVERY)
    with statements_on(people, "login_sessions") as sent:
        assert people.login_session(SAM) == session("sam", T0, T0 + LAST_SEEN_EVERY)
    assert sent == ["SELECT", "UPDATE"]
    assert stored_last_seen(people, SAM) == T0 + LAST_SEEN_EVERY
    clock.set(T0 + dt.timedelta(seconds=119))
    with statements_on(people, "login_sessions") as sent:
        assert people.login_session(SAM) == session("sam", T0, T0 + LAST_SEEN_EVERY)
    assert sent == ["SELECT"]
    clock.set(T0 + dt.timedelta(seconds=125))
    assert people.login_session(SAM) == session("sam", T0, T0 + dt.timedelta(seconds=125))
    assert stored_last_seen(people, SAM) == T0 + dt.timedelta(seconds=125)


def test_pruning_removes_expired_sessions_only(people: Store, clock: Clock) -> None:
    people.start_login_session("idle", "sam")
    clock.advance(hours=1)
    people.start_login_session("recent", "ana")
    clock.set(T0 + SESSION_IDLE + dt.timedelta(minutes=30))
    assert people.prune_login_sessions() == 1
    assert [username for _, username, _, _ in rows(people)] == ["ana"]
    assert people.prune_login_sessions() == 0


def test_logging_in_removes_everyones_expired_sessions(people: Store, clock: Clock) -> None:
    people.start_login_session(ANA, "ana")
    clock.advance(hours=3)
    people.start_login_session(SAM, "sam")
    assert [username for _, username, _, _ in rows(people)] == ["sam"]


def test_past_the_cap_a_login_ends_the_least_recently_seen(people: Store, clock: Clock) -> None:
    for n in range(3):
        people.start_login_session(f"sam-{n}", "sam", max_per_user=3)
        clock.advance(minutes=5)
    people.login_session("sam-0")  # used again: now sam-1 is the least recently seen
    people.start_login_session(ANA, "ana", max_per_user=3)
    people.start_login_session("sam-3", "sam", max_per_user=3)
    assert people.login_session("sam-1") is None
    for alive in ("sam-0", "sam-2", "sam-3", ANA):
        assert people.login_session(alive) is not None, alive
    assert len(rows(people)) == 4
    with pytest.raises(InvalidValue, match="at least one session"):
        people.start_login_session("sam-4", "sam", max_per_user=0)


# -- ending ------------------------------------------------------------------------------


def test_ending_one_session(people: Store) -> None:
    people.start_login_session(SAM, "sam")
    people.start_login_session(SAM_2, "sam")
    assert people.end_login_session(SAM) is True
    assert people.end_login_session(SAM) is False
    assert people.login_session(SAM) is None
    assert people.login_session(SAM_2) is not None


def test_ending_a_users_sessions_except_the_one_kept(people: Store) -> None:
    for session_id in (SAM, SAM_2, "sam-session-id-0003"):
        people.start_login_session(session_id, "sam")
    people.start_login_session(ANA, "ana")
    assert people.end_login_sessions("sam", keep=SAM_2) == 2
    assert [people.login_session(s) is not None for s in (SAM, SAM_2, ANA)] == [
        False,
        True,
        True,
    ]
    # Keeping a session of another account keeps nothing of this one.
    assert people.end_login_sessions("sam", keep=ANA) == 1
    assert people.login_session(SAM_2) is None
    assert people.login_session(ANA) is not None
    assert people.end_login_sessions("sam") == 0


def test_deactivating_an_account_ends_its_sessions(people: Store) -> None:
    people.start_login_session(SAM, "sam")
    people.start_login_session(ANA, "ana")
    people.update_user("sam", is_active=False, actor="root")
    assert [username for _, username, _, _ in rows(people)] == ["ana"]
    people.update_user("sam", is_active=True, actor="root")
    assert people.login_session(SAM) is None  # activating it again revives nothing
    # Other changes to the account leave its sessions alone.
    people.update_user("ana", role="admin", actor="root")
    assert people.login_session(ANA) is not None


def test_ending_an_unknown_users_sessions_is_refused(people: Store) -> None:
    people.start_login_session(SAM, "sam")
    for actor in (None, "root"):
        with pytest.raises(NotFound, match="no user 'nobody'"):
            people.end_login_sessions("nobody", actor=actor)
    assert people.login_session(SAM) is not None
    assert [e.action for e in people.audit_entries(limit=1000)][-1] == "user.create"


# -- an admin's view: listing, and logging an account out everywhere ---------------------


def test_listing_shows_the_live_sessions_most_recently_seen_first(
    people: Store, clock: Clock
) -> None:
    people.start_login_session("sam-old", "sam")  # T0, never seen again: idle past the limit
    clock.advance(hours=1)
    people.start_login_session(SAM, "sam")  # T0+1h
    people.start_login_session(ANA, "ana")  # another account's: not listed
    clock.advance(minutes=30)
    people.start_login_session(SAM_2, "sam")  # T0+1h30
    clock.advance(minutes=45)  # T0+2h15: the first is expired (not yet removed) ...
    assert people.login_session(SAM) is not None  # ... and SAM is seen again, last
    later = T0 + dt.timedelta(hours=2, minutes=15)
    assert people.list_login_sessions("sam") == [
        session("sam", T0 + dt.timedelta(hours=1), later),
        session("sam", T0 + dt.timedelta(hours=1, minutes=30), T0 + dt.timedelta(hours=1.5)),
    ]
    assert len(rows(people)) == 4  # listing removes nothing
    assert people.list_login_sessions("vic") == []
    # By a given time and limits: an hour later with a one-hour idle limit, only SAM is live.
    at = later + dt.timedelta(hours=1)
    assert people.list_login_sessions("sam", at=at, idle=dt.timedelta(hours=1)) == [
        session("sam", T0 + dt.timedelta(hours=1), later)
    ]
    # ... and past its 12-hour lifetime none is, however recently seen.
    assert people.list_login_sessions("sam", at=T0 + SESSION_LIFETIME + dt.timedelta(hours=1)) == []
    with pytest.raises(NotFound, match="no user 'nobody'"):
        people.list_login_sessions("nobody")
    with pytest.raises(InvalidValue, match="naive datetime"):
        people.list_login_sessions("sam", at=dt.datetime(2026, 11, 29, 9, 0))


def test_a_session_live_to_the_limit_is_listed(people: Store, clock: Clock) -> None:
    people.start_login_session(SAM, "sam")
    clock.set(T0 + SESSION_IDLE)  # idle for exactly the limit: still alive, as login_session says
    assert people.list_login_sessions("sam") == [session("sam", T0, T0)]
    clock.set(T0 + SESSION_IDLE + dt.timedelta(microseconds=1))
    assert people.list_login_sessions("sam") == []


def test_logging_an_account_out_everywhere_is_audited_in_one_entry(
    people: Store, clock: Clock
) -> None:
    for session_id in (SAM, SAM_2, "sam-session-id-0003"):
        people.start_login_session(session_id, "sam")
    people.start_login_session(ANA, "ana")
    before = len(people.audit_entries(limit=1000))
    clock.advance(minutes=10)
    assert people.end_login_sessions("sam", actor="root") == 3
    assert people.list_login_sessions("sam") == []
    assert people.login_session(ANA) is not None
    entries = people.audit_entries(after=before, limit=1000)
    assert [(e.at, e.actor, e.action, e.target, e.details) for e in entries] == [
        (
            T0 + dt.timedelta(minutes=10),
            "root",
            "user.sessions_ended",
            "user:sam",
            {"ended": 3, "kept_own_session": False},
        )
    ]
    # Nothing left to end is still recorded: the admin acted.
    assert people.end_login_sessions("sam", actor="root") == 0
    assert people.audit_entries(after=before, limit=1000)[-1].details == {
        "ended": 0,
        "kept_own_session": False,
    }
    assert people.verify_audit().ok


def test_an_admin_logging_out_everywhere_keeps_their_own_session(people: Store) -> None:
    for session_id in ("root-here", "root-laptop", "root-phone"):
        people.start_login_session(session_id, "root")
    people.start_login_session(SAM, "sam")
    assert people.end_login_sessions("root", keep="root-here", actor="root") == 2
    assert [s is not None for s in map(people.login_session, ("root-here", "root-laptop"))] == [
        True,
        False,
    ]
    assert people.audit_entries(limit=1000)[-1].details == {"ended": 2, "kept_own_session": True}
    # Keeping another account's session keeps nothing of this one, and says so.
    assert people.end_login_sessions("sam", keep="root-here", actor="root") == 1
    assert people.audit_entries(limit=1000)[-1].details == {"ended": 1, "kept_own_session": False}
    assert people.login_session("root-here") is not None


def test_without_an_actor_ending_sessions_writes_no_audit_entry(people: Store) -> None:
    people.start_login_session(SAM, "sam")
    before = people.audit_entries(limit=1000)
    assert people.end_login_sessions("sam") == 1
    assert people.audit_entries(limit=1000) == before


def test_an_audited_ending_stands_or_falls_with_its_entry(people: Store) -> None:
    people.start_login_session(SAM, "sam")
    with pytest.raises(InvalidValue, match="needs an actor"):
        people.end_login_sessions("sam", actor="  ")
    assert people.login_session(SAM) is not None  # rolled back with the refused entry
