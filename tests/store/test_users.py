"""Users, teams, passwords (argon2id) and API tokens (kept as SHA-256 only)."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from storesupport import T0

from lurewatch.store import Conflict, InvalidValue, NotFound, Store
from lurewatch.store.records import ApiToken, IssuedToken, Team, User


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
        ApiToken(id=first.id, username="sam", name="laptop", created_at=T0, revoked_at=T0),
        ApiToken(id=second.id, username="sam", name="desktop", created_at=T0, revoked_at=None),
    ]
    people.update_user("sam", actor="root", is_active=False)
    assert people.user_for_token(second.token) is None
    with pytest.raises(NotFound, match="no API token with id 999"):
        people.revoke_token(999, actor="root")
