"""Helpers shared by the web tests: accounts, a frozen clock, contacts, a real server process."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from lurewatch.store import Store

T0 = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
# Cheap argon2 parameters: the tests check that passwords work, not that hashing is slow.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"

# One account per role (and a second reporter), each with a known API token.
ACCOUNTS: dict[str, tuple[str, str]] = {  # username -> (role, team)
    "sam": ("reporter", "Committee clerks"),
    "kim": ("reporter", "Visitor centre"),
    "ana": ("analyst", "Security office"),
    "adam": ("admin", "Security office"),
}
TOKENS = {username: f"lw_test_token_{username}_0123456789abcdef" for username in ACCOUNTS}
ROLE_USER = {"reporter": "sam", "analyst": "ana", "admin": "adam"}


class Clock:
    """A frozen clock the test moves by hand; safe to read from many threads."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.at = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.at

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self.at += dt.timedelta(**delta)
            return self.at


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[username]}"}


def make_template(path: Path) -> None:
    """A migrated database holding the accounts above, their passwords and tokens."""
    tokens = iter(TOKENS.values())
    with Store.open(
        f"sqlite:///{path}",
        migrate=True,
        now=Clock(),
        hasher=FAST_HASHER,
        token_source=lambda: next(tokens),
    ) as store:
        for team in {team for _, team in ACCOUNTS.values()}:
            store.set_team(team, 3.0 if team == "Committee clerks" else 1.0, actor="setup")
        for username, (role, team) in ACCOUNTS.items():
            store.create_user(
                username,
                display_name=username.title(),
                role=role,  # type: ignore[arg-type]
                team=team,
                password=PASSWORD,
                actor="setup",
            )
            store.issue_token(username, "tests", actor="setup")


def copy_database(template: Path, target: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{template}{suffix}")
        if src.exists():
            shutil.copyfile(src, f"{target}{suffix}")
    return f"sqlite:///{target}"


def contact(name: str = "Avery Lin", **fields: Any) -> dict[str, Any]:
    """One submitted contact, as a local scan produces it, in JSON form."""
    body: dict[str, Any] = {
        "name": name,
        "profile_url": f"https://www.linkedin.com/in/{name.lower().replace(' ', '-')}",
        "company": "Bright Path Executive Search",
        "position": "CEO",
        "level": "high",
        "score": 91,
        "findings": [
            {
                "id": "offers-money",
                "title": "Offers money for reports",
                "category": "money",
                "weight": 2.0,
                "evidence": [{"field": "text", "text": "pays USD 1,500", "start": 10, "end": 24}],
            }
        ],
        "items": [
            {
                "kind": "message",
                "date": "2026-09-10",
                "excerpt": "An important client pays USD 1,500",
            }
        ],
        "first_contact": "2026-09-03",
        "last_contact": "2026-09-20",
    }
    body.update(fields)
    return body


# -- a real server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
    env.update(extra)
    return env


class Server:
    """``lurewatch serve`` as a child process on a free loopback port."""

    def __init__(self, database_url: str, log: Path, *, demo: bool = False) -> None:
        self.database_url = database_url
        self.log = log
        self.demo = demo
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        for _ in range(3):  # another process may take the free port before the server binds it
            self.port = free_port()
            args = ["serve", "--port", str(self.port), "--database-url", self.database_url]
            env = server_env() if self.demo else server_env(LUREWATCH_SECRET_KEY=SECRET)
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "lurewatch.cli", *args, *(["--demo"] * self.demo)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            if self._wait_ready(timeout):
                return self
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def _wait_ready(self, timeout: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the server did not answer in {timeout} s:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing; only what was committed survives."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- a small LinkedIn export ---------------------------------------------------------------

MESSAGES_HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT\n"
)
OWNER = ("Sam Carter", "https://www.linkedin.com/in/sam-carter-1")
# Three people wrote; each line of what they wrote is unique, so a test can tell whose
# words left the machine.
SENDERS = {
    "Avery Lin": (
        "https://www.linkedin.com/in/avery-lin-br",
        [
            "I was impressed by your insightful work on the committee.",
            "An important client pays USD 1,500 for a short report on the budget discussions.",
            "It would be easier to continue on WeChat.",
        ],
    ),
    "Jordan Wei": (
        "https://www.linkedin.com/in/jordan-wei-x",
        ["We pay in cash for short reports on the defence review. Add me on WhatsApp."],
    ),
    "Tom Hughes": (
        "https://www.linkedin.com/in/tom-hughes-7",
        ["Are we still on for lunch on Friday at the canteen?"],
    ),
}


def write_export(folder: Path) -> Path:
    """A LinkedIn export folder (messages.csv) in which three people wrote to Sam."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [MESSAGES_HEADER]
    for n, (name, (url, texts)) in enumerate(SENDERS.items()):
        for m, text in enumerate(texts):
            rows.append(
                f'c{n},,{name},{url},{OWNER[0]},"{OWNER[1]}",2026-09-{m + 3:02d} 09:12:00 UTC,,'
                f'"{text}",INBOX,,false\n'
            )
    (folder / "messages.csv").write_text("".join(rows), encoding="utf-8")
    return folder


_CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_from(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF_INPUT.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def page_login(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Log ``client`` (a TestClient) in through the login form; the redirect it answers."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


def post_form(
    client: Any, path: str, data: dict[str, Any], *, page: str | None = None, **kw: Any
) -> Any:
    """POST ``data`` to ``path`` with the CSRF token read from ``page`` (default: ``path``)."""
    token = csrf_from(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token}, **kw)
