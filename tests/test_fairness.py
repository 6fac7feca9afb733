"""Fairness: the language, nationality or ethnicity of a name is never an input.

Metamorphic test: the same approaches signed by people with Chinese, English,
Arabic, Indian, Russian, Nigerian, Spanish and Korean names (in Latin and in
native scripts), from profiles placed in different cities, must get identical
ratings and identical reasons.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest
import yaml

from lurewatch.model import Profile
from lurewatch.rules.loader import builtin_rules
from lurewatch.service import Checker
from lurewatch.settings import Settings
from lurewatch.textnorm import norm_tokens

TODAY = dt.date(2026, 11, 29)
SCENARIOS = yaml.safe_load((Path(__file__).parent / "data" / "scenarios.yaml").read_text())

NAMES = [
    "Li Wei", "Zhang Xiuying", "Amanda Qiu", "Shirley Shen", "Wong Ka Fai", "李伟", "陈静",
    "John Smith", "Emily Clarke", "Mohammed Al-Rashid", "Fatima Haddad", "محمد الرشيد",
    "Priya Sharma", "Arjun Reddy", "प्रिया शर्मा", "Olga Ivanova", "Ольга Иванова",
    "Chinedu Okafor", "María José García", "Kim Min-jun", "김민준",
]  # fmt: skip
LOCATIONS = ["Beijing", "Hong Kong", "London", "Riyadh", "Mumbai", "Moscow", "Lagos", "Seoul"]

# Words that would make a rule about who someone is rather than what they do.
ORIGIN_WORDS = {
    "china", "chinese", "beijing", "shanghai", "hangzhou", "hong", "kong", "asia", "asian",
    "russia", "russian", "iran", "iranian", "korea", "korean", "arab", "arabic", "india",
    "indian", "muslim", "african", "nigeria", "foreigner", "ethnic", "nationality",
    # German, French and Dutch, for the rule files in those languages
    "chinesisch", "chinesische", "chinesischen", "chinesischer", "chine", "chinois", "chinoise",
    "chinoises", "chinees", "chinezen", "russisch", "russische", "russland", "russie",
    "russe", "rusland", "asien", "asiatisch", "asie", "asiatique", "azie",
    "aziatisch", "auslander", "etrangere", "buitenlander", "nationalitat", "nationalite",
    "nationaliteit", "herkunft", "origine", "afkomst",
}  # fmt: skip

TEMPLATES = [
    "Hello, my name is {name}.\n{text}\nBest regards,\n{name}",
    "{name} here.\n{text}",
    "Dear colleague,\n{text}\n-- {name}, sent from {location}",
]


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker.from_settings(Settings())


def _signature(checker: Checker, text: str, name: str, location: str) -> tuple[object, ...]:
    profile = Profile(name=name, location=location, headline="Director at Bright Path Consulting")
    result = checker.check_text(text, profile, today=TODAY)
    reasons = sorted((f.id, f.weight, f.category) for f in result.findings)
    return (result.level, result.score, result.logit, tuple(reasons))


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("case", SCENARIOS, ids=[c["name"] for c in SCENARIOS])
def test_swapping_names_and_places_never_changes_a_rating(
    checker: Checker, case: dict[str, str], template: str
) -> None:
    seen = {}
    for i, name in enumerate(NAMES):
        location = LOCATIONS[i % len(LOCATIONS)]
        text = template.format(name=name, text=case["text"], location=location)
        seen[(name, location)] = _signature(checker, text, name, location)
    distinct = set(seen.values())
    assert len(distinct) == 1, seen


def test_the_swap_is_not_vacuous(checker: Checker) -> None:
    # The scenarios cover every level, so identical ratings are not identical "lows".
    levels = {
        checker.check_text(c["text"], today=TODAY, kind=c.get("kind", "message")).level
        for c in SCENARIOS
    }
    assert {lv.value for lv in levels} == {"low", "medium", "high"}


def test_no_shipped_rule_reads_a_name_or_place() -> None:
    for rule in builtin_rules():
        assert not {"profile.name", "profile.location", "sender"} & rule.fields, rule.name


def test_no_shipped_term_names_an_origin() -> None:
    offenders = []
    pack = resources.files("lurewatch") / "data" / "rules"
    for entry in pack.iterdir():
        for doc in yaml.safe_load_all(entry.read_text(encoding="utf-8")):
            words = set(norm_tokens(str(doc["match"])))
            if words & ORIGIN_WORDS:
                offenders.append((doc["name"], sorted(words & ORIGIN_WORDS)))
    assert offenders == []
