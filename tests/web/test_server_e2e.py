"""The real thing: ``lurewatch serve`` under uvicorn on a loopback port, driven over HTTP."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import msgspec
import pytest
from websupport import (
    SENDERS,
    TOKENS,
    Server,
    bearer,
    contact,
    copy_database,
    free_port,
    running,
    server_env,
    write_export,
)

from lurewatch.store import Store


@pytest.fixture(scope="module")
def server(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("server")
    url = copy_database(template_db, folder / "office.db")
    with running(Server(url, folder / "server.log")) as started:
        yield started


def stored(server: Server) -> Store:
    return Store.open(server.database_url)


def lurewatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", *args],
        capture_output=True,
        text=True,
        env=env or server_env(),
        timeout=60,
        check=False,
    )


# -- lurewatch report ----------------------------------------------------------------------


def test_report_sends_only_the_selected_contact(server: Server, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    result = lurewatch(
        "report", str(export), "--server", server.url, "--token", TOKENS["sam"],
        "--select", "avery lin", "--today", "2026-11-29",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Report received by the security office: LW-")
    reference = result.stdout.split(": ", 1)[1].strip()
    assert result.stderr.startswith("Sent 1 of 3 people: Avery Lin (high, ")
    with stored(server) as store:
        report = store.get_report(reference)
    assert report.reporter == "sam" and report.channel == "cli"
    assert [c.name for c in report.contacts] == ["Avery Lin"]
    assert report.contacts[0].profile_url == SENDERS["Avery Lin"][0]
    everything_sent = msgspec.json.encode(report).decode()
    for name, (url, texts) in SENDERS.items():
        if name == "Avery Lin":
            continue
        assert name not in everything_sent
        assert url.rsplit("/", 1)[1] not in everything_sent
        for text in texts:
            for fragment in (text[:25], text[-25:]):
                assert fragment not in everything_sent


def test_report_by_profile_address_and_level(server: Server, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    result = lurewatch(
        "report", str(export), "--server", server.url, "--token", TOKENS["kim"],
        "--select", "https://uk.linkedin.com/in/Tom-Hughes-7/?trk=x", "--all-at-least", "high",
        "--exercise", "--today", "2026-11-29",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reference = result.stdout.split(": ", 1)[1].strip()
    with stored(server) as store:
        report = store.get_report(reference)
        high = {c.name for c in report.contacts if c.level.value == "high"}
    assert report.is_exercise
    assert {c.name for c in report.contacts} == high | {"Tom Hughes"}
    assert "Tom Hughes" not in high and high  # the examples hold someone rated high


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--select", "Nobody Here"], "--select 'Nobody Here': no one by that name"),
        ([], "nothing selected"),
        (["--select", "Avery Lin", "--token", "wrong"], "the server refused the report (HTTP 401)"),
    ],
)
def test_report_failures_are_one_line_and_exit_2(
    server: Server, tmp_path: Path, args: list[str], words: str
) -> None:
    export = write_export(tmp_path / "export")
    result = lurewatch(
        "report", str(export), "--server", server.url, "--token", TOKENS["sam"], *args
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("lurewatch: error: ")
    assert words in result.stderr


def test_report_to_a_server_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    url = f"http://127.0.0.1:{free_port()}"
    result = lurewatch(
        "report", str(export), "--server", url, "--token", "t", "--select", "Avery Lin"
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"lurewatch: error: cannot reach {url}: ")
    assert result.stderr.count("\n") == 1


def test_report_refuses_plain_http_beyond_this_machine(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    result = lurewatch(
        "report", str(export), "--server", "http://192.0.2.1", "--token", "t", "--select", "x"
    )
    assert result.returncode == 2
    assert "use https://" in result.stderr


# -- many submitters at once -------------------------------------------------------------


def test_fifty_concurrent_submitters_lose_nothing(server: Server) -> None:
    n = 50
    start = threading.Barrier(n)
    with stored(server) as store:
        before = {r.reference for r in store.list_reports(limit=1000)}

    def submit(i: int) -> str:
        body = {"contacts": [contact(f"Concurrent Sender {i}")], "channel": "api"}
        with httpx.Client(base_url=server.url, timeout=30.0) as client:
            start.wait(timeout=30)
            response = client.post("/api/reports", json=body, headers=bearer("sam"))
        assert response.status_code == 201, response.text
        return str(response.json()["reference"])

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        references = list(pool.map(submit, range(n)))
    assert time.monotonic() - began < 60
    assert len(set(references)) == n
    with stored(server) as store:
        after = {r.reference: r for r in store.list_reports(limit=1000)}
        assert set(after) - before == set(references)
        names = {store.get_report(ref).contacts[0].name for ref in references}
    assert names == {f"Concurrent Sender {i}" for i in range(n)}


# -- durability and start-up ---------------------------------------------------------------


def test_an_acknowledged_report_survives_kill_9(template_db: Path, tmp_path: Path) -> None:
    url = copy_database(template_db, tmp_path / "office.db")
    first = Server(url, tmp_path / "first.log").start()
    try:
        response = httpx.post(
            f"{first.url}/api/reports",
            json={"contacts": [contact("Survivor Sam")]},
            headers=bearer("sam"),
            timeout=30,
        )
        first.kill()  # at once: no shutdown, no checkpoint
    finally:
        first.kill()
    assert response.status_code == 201
    reference = response.json()["reference"]
    with running(Server(url, tmp_path / "second.log")) as second:
        again = httpx.get(f"{second.url}/api/reports/{reference}", headers=bearer("ana"))
    assert again.status_code == 200
    assert [c["name"] for c in again.json()["contacts"]] == ["Survivor Sam"]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({}, "no LUREWATCH_SECRET_KEY"),
        ({"LUREWATCH_SECRET_KEY": "changeme"}, "LUREWATCH_SECRET_KEY has 8 characters"),
    ],
)
def test_serve_refuses_to_start_without_a_secret(
    template_db: Path, tmp_path: Path, env: dict[str, str], words: str
) -> None:
    url = copy_database(template_db, tmp_path / "office.db")
    result = lurewatch(
        "serve", "--port", str(free_port()), "--database-url", url, env=server_env(**env)
    )
    assert result.returncode == 2
    assert result.stderr.startswith("lurewatch: error: ")
    assert words in result.stderr
    assert result.stderr.count("\n") == 1


def test_serve_refuses_a_missing_database_outside_demo(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = lurewatch(
        "serve", "--port", str(free_port()), "--database-url", url,
        env=server_env(LUREWATCH_SECRET_KEY="k" * 40),
    )  # fmt: skip
    assert result.returncode == 2
    assert "lurewatch db upgrade" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_serve_demo_starts_without_a_secret_on_a_new_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    with running(Server(url, tmp_path / "demo.log", demo=True)) as demo:
        assert httpx.get(f"{demo.url}/api/health").json() == {"status": "ok"}
        assert httpx.get(f"{demo.url}/api/me").status_code == 401
    assert "DEMO MODE" in (tmp_path / "demo.log").read_text()
