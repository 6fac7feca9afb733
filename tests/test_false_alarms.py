"""False alarms on real benign mail stay within the goals (research data, never copied here).

Reads ../shared/data/enron-kaminski-ham-dev (1,947 legitimate e-mails; see its
SOURCE.md) where present; skips, saying so, where it is not.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lurewatch.model import Approach, Message
from lurewatch.service import Checker
from lurewatch.settings import Settings

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "enron-kaminski-ham-dev"


def test_benign_mail_is_rarely_rated_medium_and_almost_never_high() -> None:
    files = sorted(DATA.glob("*.txt")) if DATA.is_dir() else []
    if not files:
        pytest.skip(f"benign corpus not found at {DATA}")
    checker = Checker.from_settings(Settings())
    levels: dict[str, int] = {"low": 0, "medium": 0, "high": 0}
    for f in files:
        raw = f.read_text(encoding="utf-8", errors="replace")
        first, _, body = raw.partition("\n")
        subject = first.removeprefix("Subject:").strip()
        approach = Approach(messages=(Message(text=body, subject=subject, kind="email"),))
        levels[checker.check(approach, dt.date(2026, 11, 29)).level.value] += 1
    n = len(files)
    assert (levels["medium"] + levels["high"]) / n <= 0.01, levels
    assert levels["high"] / n <= 0.001, levels
