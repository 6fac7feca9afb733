"""Users, teams, passwords (argon2id) and API tokens (kept as SHA-256 only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from storesupport import T0, Clock, statements_on

from lurewatch.store import Conflict, InvalidValue, NotFound, Store
from lurewatch.store.engine import WRITE_OPTION
from lurewatch.store.records import ApiToken, IssuedToken, Team, User
from lurewatch.store.users import TOKEN_USE_EVERY


def _column(store: Store, sql: str, **params: object) -> list[object]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).scalars())


def test_users_and_teams(people: Store) -> None:
    assert people.get_user("sam") == User(
        id=people.get_user("sam").id,
        username="sam",
        display_name="Sam Carter",
        role="reporter",
        team="Committee clerks",
        is_active=True,
        has_password=False,
        created_at=T0,
    )
    assert [u.username for u in people.list_users()] == ["ana", "ben", "root", "sam", "vic"]
    assert people.list_teams() == [
        Team(name="Committee clerks", sensitivity=3.0),
        Team(name="Visitor centre", sensitivity=1.0),
    ]
    people.set_team("Visitor centre", 0.5, actor="root")
    assert people.list_teams()[1] == Team(name="Visitor centre", sensitivity=0.5)
    moved = people.update_user("sam", actor="root", team=None, role="analyst", display_name="S. C.")
    assert (moved.team, moved.role, moved.display_name) == (None, "analyst", "S. C.")
    assert people.update_user("sam", actor="root", team="Visitor centre").team == "Visitor centre"


def test_bad_user_calls(people: Store) -> None:
    with pytest.raises(Conflict, match="username 'sam' is taken"):
        people.create_user("sam", display_name="Another Sam", role="reporter", actor="root")
    with pytest.raises(NotFound, match="no team 'Kitchen'"):
        people.create_user("kim", display_name="Kim", role="reporter", team="Kitchen", actor="root")
    with pytest.raises(InvalidValue, match="role 'boss'"):
        people.create_user("kim", display_name="Kim", role="boss", actor="root")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="username"):
        people.create_user("kim smith", display_name="Kim", role="reporter", actor="root")
    with pytest.raises(InvalidValue, match="sensitivity"):
        people.set_team("Visitor centre", -1, actor="root")
    with pytest.raises(NotFound, match="no user 'nobody'"):
        people.get_user("nobody")


def test_passwords_are_argon2_hashes_and_verify(people: Store) -> None:
    people.set_password("ana", "correct horse battery staple", actor="root")
    (stored,) = _column(people, "SELECT password_hash FROM users WHERE username = 'ana'")
    assert isinstance(stored, str) and stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    ana = people.verify_password("ana", "correct horse battery staple")
    assert ana is not None and ana.username == "ana" and ana.has_password
    assert people.verify_password("ana", "Correct horse battery staple") is None
    assert people.verify_password("ben", "anything") is None  # no password set
    assert people.verify_password("nobody", "anything") is None
    people.update_user("ana", actor="root", is_active=False)
    assert people.verify_password("ana", "correct horse battery staple") is None
    # The audit log records that a password was set, never the password.
    entries = [e for e in people.audit_entries(limit=1000) if e.action == "user.password"]
    assert [(e.actor, e.target, e.details) for e in entries] == [("root", "user:ana", {})]


def test_an_outdated_hash_is_upgraded_on_login(people: Store) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16)
    with people.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE users SET password_hash = :h WHERE username = 'ben'"),
            {"h": weak.hash("pw")},
        )
    assert people.verify_password("ben", "pw") is not None
    (stored,) = _column(people, "SELECT password_hash FROM users WHERE username = 'ben'")
    assert isinstance(stored, str) and not people._hasher.check_needs_rehash(stored)
    assert people.verify_password("ben", "pw") is not None


def test_tokens_are_stored_as_sha256_and_found_by_it(people: Store) -> None:
    issued = people.issue_token("sam", "report client on PC-42", actor="root")
    assert issued == IssuedToken(
        id=issued.id,
        username="sam",
        name="report client on PC-42",
        token="lw_test-token-0001",
        created_at=T0,
    )
    digest = hashlib.sha256(b"lw_test-token-0001").hexdigest()
    assert _column(people, "SELECT token_sha256 FROM api_tokens") == [digest]
    with people.engine.connect() as conn:
        dump = " ".join(
            str(v)
            for table in ("api_tokens", "users", "audit_log")
            for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
            for v in row
        )
    assert "lw_test-token-0001" not in dump
    user = people.user_for_token("lw_test-token-0001")
    assert user is not None and user.username == "sam"
    assert people.user_for_token("lw_test-token-0002") is None
    assert people.user_for_token(digest) is None  # the stored hash is not a token


def test_revoked_tokens_and_inactive_users_do_not_authenticate(people: Store) -> None:
    first = people.issue_token("sam", "laptop", actor="root")
    second = people.issue_token("sam", "desktop", actor="root")
    people.revoke_token(first.id, actor="root")
    assert people.user_for_token(first.token) is None
    assert people.user_for_token(second.token) is not None
    assert people.list_tokens("sam") == [
        ApiToken(
            id=first.id,
            username="sam",
            name="laptop",
            created_at=T0,
            revoked_at=T0,
            last_used_at=None,  # revoked before anything used it
        ),
        ApiToken(
            id=second.id,
            username="sam",
            name="desktop",
            created_at=T0,
            revoked_at=None,
            last_used_at=T0,
        ),
    ]
    people.update_user("sam", actor="root", is_active=False)
    assert people.user_for_token(second.token) is None
    with pytest.raises(NotFound, match="no API token with id 999"):
        people.revoke_token(999, actor="root")


def _updates(store: Store) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (e.actor, e.target, e.details)
        for e in store.audit_entries(limit=1000)
        if e.action == "user.update"
    ]


def test_an_update_audits_what_changed_with_what_it_was(people: Store) -> None:
    people.update_user("sam", actor="root", role="analyst", team="Visitor centre")
    people.update_user("sam", actor="root", team=None, display_name="Sam Carter")
    # Nothing changes: nothing written.
    unchanged = people.update_user("sam", actor="root", role="analyst", team=None)
    assert (unchanged.role, unchanged.team) == ("analyst", None)
    assert _updates(people) == [
        (
            "root",
            "user:sam",
            {
                "role": "analyst",
                "team": "Visitor centre",
                "before": {"role": "reporter", "team": "Committee clerks"},
            },
        ),
        ("root", "user:sam", {"team": None, "before": {"team": "Visitor centre"}}),
    ]
    assert people.verify_audit().ok


def test_the_office_always_keeps_an_active_admin(people: Store) -> None:
    people.create_user("ada", display_name="Ada Admin", role="admin", actor="root")
    # An admin cannot demote or deactivate their own account, even with another admin.
    with pytest.raises(Conflict, match="you cannot demote your own account"):
        people.update_user("root", actor="root", role="analyst")
    with pytest.raises(Conflict, match="you cannot deactivate your own account"):
        people.update_user("root", actor="root", is_active=False)
    # Their own name and team they may change.
    assert people.update_user("root", actor="root", team="Visitor centre").role == "admin"
    people.update_user("ada", actor="root", role="analyst")
    # Now root is the last active admin: nobody (here the command line) may demote it.
    for change in ({"role": "reporter"}, {"is_active": False}):
        with pytest.raises(Conflict, match="'root' is the last active admin"):
            people.update_user("root", actor="cli:ops", **change)  # type: ignore[arg-type]
    root = people.get_user("root")
    assert (root.role, root.is_active) == ("admin", True)
    # An inactive admin does not count: ada made admin again but deactivated.
    people.update_user("ada", actor="root", role="admin", is_active=False)
    with pytest.raises(Conflict, match="last active admin"):
        people.update_user("root", actor="ada", role="analyst")
    people.update_user("ada", actor="root", is_active=True)
    assert people.update_user("root", actor="ada", role="analyst").role == "analyst"
    done = [d for _, target, d in _updates(people) if target == "user:root" and "role" in d]
    assert done == [{"role": "analyst", "before": {"role": "admin"}}]  # only the one done


def test_two_admins_demoting_each_other_at_once_leave_one(
    people: Store, open_store: Callable[[], Store]
) -> None:
    people.create_user("ada", display_name="Ada Admin", role="admin", actor="root")
    other = open_store()
    results: dict[str, str] = {}
    start = threading.Barrier(2)

    def demote(store: Store, target: str, actor: str) -> None:
        start.wait()
        try:
            store.update_user(target, actor=actor, role="analyst")
            results[target] = "demoted"
        except Conflict as exc:
            results[target] = str(exc)

    # A transaction holding the admins' rows (PostgreSQL) or the write lock (SQLite)
    # makes both demotions wait, then start together when it ends.
    holding = people.engine.execution_options(**{WRITE_OPTION: True})
    lock = "SELECT id FROM users WHERE role = 'admin'" + _FOR_UPDATE[people.dialect]
    with holding.connect() as blocker, blocker.begin():
        blocker.execute(sa.text(lock))
        threads = [
            threading.Thread(target=demote, args=(people, "root", "ada")),
            threading.Thread(target=demote, args=(other, "ada", "root")),
        ]
        for t in threads:
            t.start()
        time.sleep(0.3)
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 2
    demoted, refused = sorted(results.values(), key=lambda outcome: outcome != "demoted")
    assert demoted == "demoted"
    assert "is the last active admin" in refused
    admins = [u.username for u in people.list_users() if u.role == "admin" and u.is_active]
    assert len(admins) == 1


def test_a_tokens_last_use_is_recorded_at_most_every_ten_minutes(
    people: Store, clock: Clock
) -> None:
    laptop = people.issue_token("sam", "laptop", actor="root")
    desktop = people.issue_token("sam", "desktop", actor="root")

    def last_used() -> list[object]:
        return [t.last_used_at for t in people.list_tokens("sam")]

    assert last_used() == [None, None]
    with statements_on(people, "api_tokens") as sent:
        assert people.user_for_token(laptop.token) is not None
    assert sent == ["SELECT", "UPDATE"]
    assert last_used() == [T0, None]
    # Within ten minutes: the check is one read, and nothing is written.
    clock.set(T0 + TOKEN_USE_EVERY - dt.timedelta(microseconds=1))
    with statements_on(people, "api_tokens") as sent:
        for _ in range(3):
            assert people.user_for_token(laptop.token) is not None
    assert sent == ["SELECT"] * 3
    assert last_used() == [T0, None]
    clock.set(T0 + TOKEN_USE_EVERY)
    with statements_on(people, "api_tokens") as sent:
        assert people.user_for_token(laptop.token) is not None
        assert people.user_for_token(desktop.token) is not None
    assert sent == ["SELECT", "UPDATE"] * 2
    assert last_used() == [T0 + TOKEN_USE_EVERY] * 2
    # A refused token is not "used": a revoked one, or one of a deactivated account.
    people.revoke_token(laptop.id, actor="root")
    people.update_user("sam", is_active=False, actor="root")
    clock.advance(hours=1)
    with statements_on(people, "api_tokens") as sent:
        assert people.user_for_token(laptop.token) is None
        assert people.user_for_token(desktop.token) is None
    assert sent == ["SELECT"] * 2
    assert last_used() == [T0 + TOKEN_USE_EVERY] * 2


_FOR_UPDATE = {"sqlite": "", "postgresql": " FOR UPDATE"}


def test_revoking_names_the_account_and_is_recorded_once(people: Store) -> None:
    issued = people.issue_token("sam", "laptop", actor="root")
    with pytest.raises(NotFound, match=f"no API token with id {issued.id} for user 'vic'"):
        people.revoke_token(issued.id, actor="root", username="vic")
    assert people.user_for_token(issued.token) is not None
    revoked = people.revoke_token(issued.id, actor="root", username="sam")
    assert revoked == ApiToken(
        id=issued.id,
        username="sam",
        name="laptop",
        created_at=T0,
        revoked_at=T0,
        last_used_at=T0,
    )
    assert people.revoke_token(issued.id, actor="root", username="sam") == revoked
    entries = [e for e in people.audit_entries(limit=1000) if e.action == "token.revoke"]
    assert [(e.actor, e.target, e.details) for e in entries] == [
        ("root", "user:sam", {"token_id": issued.id, "name": "laptop"})
    ]
    assert people.user_for_token(issued.token) is None
