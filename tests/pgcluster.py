"""A throwaway PostgreSQL cluster for the store tests and the office benchmarks.

Debian's ``initdb`` and ``pg_ctl`` (or those in ``LUREWATCH_TEST_PG_BINDIR``)
start a server in a temporary folder on a free loopback port, as the
``postgres`` user when running as root (the server refuses to run as root).
Used by ``tests/store/conftest.py`` and ``bench/office.py``; not a test module.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(Exception):
    pass


def _pg_bindir() -> Path:
    given = os.environ.get("LUREWATCH_TEST_PG_BINDIR")
    if given:
        if not (Path(given) / "initdb").exists():
            raise PostgresUnavailable(f"LUREWATCH_TEST_PG_BINDIR={given} holds no initdb")
        return Path(given)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb): install Debian's 'postgresql' package "
        "or set LUREWATCH_TEST_POSTGRES_URL"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only.

    By default it trades durability for speed (``fsync=off``,
    ``full_page_writes=off``), which suits tests; ``durable=True`` keeps
    PostgreSQL's own defaults (every commit flushed), for benchmarks.
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.bindir = _pg_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="lurewatch-pg-"))
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            # The server refuses to run as root: run it as the postgres user.
            runuser = shutil.which("runuser")
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                owner = None
            if runuser is None or owner is None:
                shutil.rmtree(self.root, ignore_errors=True)
                raise PostgresUnavailable(
                    "running as root without a 'postgres' user or runuser to start the server as"
                )
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.prefix = [runuser, "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.port = 0

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self.prefix, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()[-800:]}"
            )

    def start(self) -> str:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "lurewatch",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        last: Exception | None = None
        for _ in range(3):  # the free port may be taken between choosing and binding
            self.port = _free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.root} -c max_connections=200"
            )
            if not self.durable:
                options += " -c fsync=off -c full_page_writes=off"
            try:
                self._run(
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.root / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                )
                return f"postgresql+psycopg://lurewatch@127.0.0.1:{self.port}/postgres"
            except PostgresUnavailable as exc:
                last = exc
        raise PostgresUnavailable(f"the server did not start: {last}")

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                [
                    *self.prefix,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)
