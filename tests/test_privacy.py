"""Privacy by construction: checking and scanning never touch the network."""

from __future__ import annotations

import ast
import datetime as dt
import socket
from pathlib import Path

import pytest

from lurewatch.model import Profile
from lurewatch.service import Checker
from lurewatch.settings import Settings

SRC = Path(__file__).resolve().parents[1] / "src" / "lurewatch"
# Modules that can open a connection. The security office's server (a later part of the
# project) will need some; the staff-side code paths listed below never may.
NETWORK_MODULES = {
    "socket",
    "http.client",
    "urllib.request",
    "requests",
    "httpx",
    "aiohttp",
    "smtplib",
    "ftplib",
    "ssl",
}
STAFF_SIDE = [
    "cli.py",
    "scan.py",
    "service.py",
    "render.py",
    "render_scan.py",
    "html_report.py",
    "identity.py",
    "rules",
    "detectors",
    "ingest",
    "scoring.py",
    "advice.py",
    "selection.py",
    "sharing",
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_staff_side_code_imports_nothing_that_talks_to_the_network() -> None:
    offenders = {}
    for entry in STAFF_SIDE:
        target = SRC / entry
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for f in files:
            if not f.exists():
                continue
            bad = {
                n
                for n in _imports(f)
                if n in NETWORK_MODULES or n.split(".")[0] in {"requests", "httpx", "aiohttp"}
            }
            if bad:
                offenders[str(f.relative_to(SRC))] = sorted(bad)
    assert offenders == {}


def test_check_runs_with_the_network_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("lurewatch tried to use the network")

    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    checker = Checker.from_settings(Settings())
    result = checker.check_text(
        "Our client pays well for reports; add me on WhatsApp.",
        Profile(headline="CEO at Northbridge Executive Search", websites=["https://example.org"]),
        today=dt.date(2026, 11, 29),
    )
    assert result.level.value == "high"
