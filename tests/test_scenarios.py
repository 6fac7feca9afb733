"""Whole approaches rated by the shipped pack: attacks rise, legitimate ones stay down.

Every text here is synthetic, written for these tests in our own words.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from lurewatch.ingest.profile_json import parse_profile
from lurewatch.model import Level
from lurewatch.service import Checker
from lurewatch.settings import Settings

TODAY = dt.date(2026, 11, 29)

SCENARIOS = yaml.safe_load((Path(__file__).parent / "data" / "scenarios.yaml").read_text())


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker.from_settings(Settings(contact="Security Office, ext. 4444"))


@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_scenario_levels(checker: Checker, case: dict[str, object]) -> None:
    result = checker.check_text(
        str(case["text"]), today=TODAY, kind=str(case.get("kind", "message"))
    )
    assert result.level.value in case["levels"], [(f.id, f.weight) for f in result.findings]


def test_high_rating_explains_itself(checker: Checker) -> None:
    text = SCENARIOS[0]["text"]
    result = checker.check_text(text, today=TODAY)
    ids = [f.id for f in result.findings]
    assert ids[:2] == ["paid-reports", "core-pattern"] or "core-pattern" in ids
    for f in result.findings:
        assert f.evidence, f.id
        for ev in f.evidence:
            if ev.field == "text":
                assert text[ev.start : ev.end].startswith(ev.text)
    assert result.advice[-1] == "Report it to Security Office, ext. 4444."


def test_a_known_sender_does_not_make_the_core_pattern(checker: Checker) -> None:
    text = SCENARIOS[0]["text"]
    stranger = checker.check_text(text, today=TODAY)
    known = checker.check_text(text, today=TODAY, stranger=False)
    assert "core-pattern" in [f.id for f in stranger.findings]
    assert "core-pattern" not in [f.id for f in known.findings]
    assert known.score < stranger.score


def test_profile_signals_add_to_a_message(checker: Checker) -> None:
    profile = parse_profile(
        b'{"headline": "CEO at Bright Path Executive Search", "company_has_page": false,'
        b' "joined": "2026-10-01", "connections": "12", "posts": 0,'
        b' "experience": [{"title": "CEO"}]}',
        "profile.json",
    )
    text = SCENARIOS[5]["text"]
    alone = checker.check_text(text, today=TODAY)
    with_profile = checker.check_text(text, profile, today=TODAY)
    added = {f.id for f in with_profile.findings} - {f.id for f in alone.findings}
    assert added == {
        "profile-generic-employer",
        "profile-senior-thin-history",
        "profile-new-account",
        "profile-no-activity",
        "profile-small-network",
        "profile-unverifiable-employer",
    }
    assert with_profile.score > alone.score


def test_profile_alone_never_reaches_high(checker: Checker) -> None:
    profile = parse_profile(
        b'{"headline": "Founder, Global Headhunter", "company_has_page": false, "verified": false,'
        b' "joined": "2026-11-01", "connections": 3, "posts": 0, "experience": []}',
        "p.json",
    )
    result = checker.check_text(None, profile, today=TODAY)
    assert result.level is Level.MEDIUM


# One sentence per approach-level red flag of the official guidance (threat brief),
# each in wording no rule example uses, and the rule that must catch it.
RED_FLAGS = [
    ("The pay is far above what you get now, for a few hours a week.", "too-good-offer"),
    ("Your paper would be published in a prestigious international journal.", "too-good-offer"),
    ("Only a handful of experts are invited; this is a one-off chance.", "scarcity"),
    ("Please reply within 24 hours, the client needs an answer today.", "urgency"),
    ("I represent a client, whose name I cannot share yet.", "unnamed-client"),
    ("We won't need references or any checks, you are clearly right for it.", "no-vetting"),
    ("Shall we continue on Telegram? Signal also works for me.", "offplatform-messenger"),
    ("Drop me a line at my gmail, grace.hk@gmail.com.", "offplatform-personal-email"),
    ("Send me your updated resume and date of birth.", "cv-request"),
    ("Start with a short paid trial report, then monthly ones.", "paid-reports"),
    ("They would fly you to Singapore to meet the client, all costs covered.", "paid-travel"),
    ("We can pay you in USDT or bitcoin if you prefer.", "payment-method"),
    ("What exactly is your role on the defence committee?", "access-interest"),
    ("Do you hold a security clearance in your current post?", "access-interest"),
    ("Sorry to hear you were made redundant; this work would help.", "vulnerability-targeting"),
    ("Could you get hold of the committee's draft papers for us?", "non-public-information"),
]


@pytest.mark.parametrize(("text", "rule"), RED_FLAGS, ids=[r for _, r in RED_FLAGS])
def test_each_red_flag_of_the_guidance_is_caught(checker: Checker, text: str, rule: str) -> None:
    found = [f.id for f in checker.check_text(text, today=TODAY).findings]
    assert rule in found, found
