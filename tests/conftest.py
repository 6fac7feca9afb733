"""Shared fixtures: rules written inline as YAML, loaded the way rule packs are.

Tests never depend on what the shipped rule pack contains (it changes as rules
are written); each test states the few rules it needs.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import settings

from lurewatch.model import Approach, Finding, Message, Profile
from lurewatch.rules.engine import Engine
from lurewatch.rules.loader import load_text
from lurewatch.rules.schema import Rule

settings.register_profile("lurewatch", max_examples=200, deadline=None)
settings.load_profile("lurewatch")

# Every test judges "as of" this day, so nothing drifts with the clock.
TODAY = dt.date(2026, 11, 29)


def _rule_yaml(
    match: str,
    *,
    number: int = 1,
    name: str | None = None,
    category: str = "off_platform",
    weight: float = 1.0,
    field: str | None = None,
    kinds: Sequence[str] | None = None,
) -> str:
    """The YAML text of one valid rule whose ``match`` is the given YAML snippet."""
    lines = [
        f"id: {uuid.UUID(int=number)}",
        f"name: {name or f'test-rule-{number}'}",
        f"title: Test rule {number}",
        "status: test",
        "description: A rule written inline for a test.",
        f"category: {category}",
        f"weight: {weight}",
    ]
    if field is not None:
        lines.append(f"field: {field}")
    if kinds is not None:
        lines.append(f"kinds: [{', '.join(kinds)}]")
    lines.append("match:")
    lines.append(textwrap.indent(textwrap.dedent(match).strip("\n"), "  "))
    lines += ["examples:", "  positive: [positive]", "  negative: [negative]"]
    return "\n".join(lines) + "\n"


@pytest.fixture(name="rule_yaml")
def rule_yaml_fixture() -> Callable[..., str]:
    """The YAML text of one valid rule (see :func:`_rule_yaml`)."""
    return _rule_yaml


MakeRule = Callable[..., Rule]


@pytest.fixture
def make_rule() -> MakeRule:
    """Build one :class:`Rule` from a ``match`` snippet (see :func:`rule_yaml`)."""

    def make(match: str, **kwargs: object) -> Rule:
        (rule,) = load_text(_rule_yaml(match, **kwargs), "inline.yaml")  # type: ignore[arg-type]
        return rule

    return make


Run = Callable[..., list[Finding]]


@pytest.fixture
def run(make_rule: MakeRule) -> Run:
    """Evaluate one inline rule on text (or on a whole approach)."""

    def evaluate(
        match: str,
        text: str | None = None,
        *,
        approach: Approach | None = None,
        profile: Profile | None = None,
        today: dt.date = TODAY,
        **kwargs: object,
    ) -> list[Finding]:
        rule = make_rule(match, **kwargs)
        if approach is None:
            messages = () if text is None else (Message(text=text),)
            approach = Approach(messages=messages, profile=profile)
        return Engine([rule]).evaluate(approach, today)

    return evaluate


CLI_CONTACT = "Parliamentary Security, security@example.org, ext. 4444"
CliResult = subprocess.CompletedProcess[bytes]


@pytest.fixture
def lurewatch(tmp_path: Path) -> Callable[..., CliResult]:
    """Run ``python -m lurewatch.cli ARGS`` in ``tmp_path`` with a known contact line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
    env["LUREWATCH_CONTACT"] = CLI_CONTACT

    def run(*args: str, stdin: bytes = b"") -> CliResult:
        # stdin is always a pipe (empty unless given): a test never waits on a terminal.
        return subprocess.run(
            [sys.executable, "-m", "lurewatch.cli", *args],
            input=stdin,
            capture_output=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            check=False,
        )

    return run


# -- a real browser ----------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _no_browser(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (skipped without it, except in CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        _no_browser(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
