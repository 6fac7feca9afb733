"""Bootstrapping the office from the command line: accounts and tokens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from websupport import FAST_HASHER, server_env

from lurewatch.store import Store, upgrade_database


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=server_env(**env),
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'office.db'}"
    upgrade_database(url)
    return url


def test_user_add_with_a_password_from_the_environment(tmp_path: Path, db: str) -> None:
    result = run(
        "user", "add", "office-admin", "--role", "admin", "--database-url", db,
        cwd=tmp_path, LUREWATCH_PASSWORD="s3cret pass",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Added office-admin (admin).\n"
    with Store.open(db, hasher=FAST_HASHER) as store:
        assert store.verify_password("office-admin", "s3cret pass") is not None
        (entry,) = [e for e in store.audit_entries() if e.action == "user.create"]
        assert entry.actor.startswith("cli")


def test_a_token_only_account_in_a_team_and_its_token(tmp_path: Path, db: str) -> None:
    with Store.open(db) as store:
        store.set_team("Committee clerks", 3.0, actor="setup")
    added = run(
        "user", "add", "sam", "--role", "reporter", "--team", "Committee clerks",
        "--display-name", "Sam Carter", "--no-password", "--database-url", db, cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    issued = run("token", "issue", "sam", "--name", "PC-42", "--database-url", db, cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert issued.stdout == token + "\n" and len(token) > 30
    assert "shown this once" in issued.stderr
    with Store.open(db) as store:
        user = store.user_for_token(token)
        assert user is not None
        assert (user.username, user.team, user.has_password) == ("sam", "Committee clerks", False)
        assert [t.name for t in store.list_tokens("sam")] == ["PC-42"]


def test_a_lost_admin_password_is_reset_from_the_command_line(tmp_path: Path, db: str) -> None:
    with Store.open(db, hasher=FAST_HASHER) as store:
        store.create_user(
            "office-admin", display_name="Admin", role="admin", password="forgotten", actor="setup"
        )
        store.start_login_session("session-one", "office-admin")
        store.start_login_session("session-two", "office-admin")
    result = run(
        "user", "password", "office-admin", "--database-url", db,
        cwd=tmp_path, LUREWATCH_PASSWORD="a new long pass",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "New password set for office-admin; 2 login sessions ended.\n"
    with Store.open(db, hasher=FAST_HASHER) as store:
        assert store.verify_password("office-admin", "forgotten") is None
        assert store.verify_password("office-admin", "a new long pass") is not None
        assert store.login_session("session-one") is None
        assert store.list_login_sessions("office-admin") == []
        actions = [e.action for e in store.audit_entries() if e.target == "user:office-admin"]
        assert {"user.password", "user.sessions_ended"} <= set(actions)
        assert all("a new long pass" not in str(e.details) for e in store.audit_entries())


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["user", "add", "x", "--role", "reporter", "--team", "Nope", "--no-password"], "Nope"),
        (["token", "issue", "nobody"], "no user 'nobody'"),
        (["user", "password", "nobody"], "no user 'nobody'"),
    ],
)
def test_account_errors_are_one_line(tmp_path: Path, db: str, args: list[str], words: str) -> None:
    result = run(*args, "--database-url", db, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("lurewatch: error: ")
    assert words in result.stderr
    assert result.stderr.count("\n") == 1


def test_user_add_without_a_database_says_to_create_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    result = run(
        "user", "add", "x", "--role", "admin", "--no-password", "--database-url", url, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "lurewatch db upgrade" in result.stderr
