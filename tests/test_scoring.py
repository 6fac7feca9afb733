from __future__ import annotations

import math

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lurewatch.categories import CATEGORIES
from lurewatch.model import Assessment, Contribution, Evidence, Finding, Level
from lurewatch.scoring import CORE_ID, CORE_PATTERN, PRIOR, assess, core_pattern, level_for


def finding(id: str, category: str, weight: float, *quotes: str, item: int = 0) -> Finding:
    return Finding(
        id=id,
        title=f"Title of {id}",
        category=category,
        weight=weight,
        evidence=tuple(
            Evidence(field="text", text=q, start=0, end=len(q), item=item) for q in quotes
        ),
    )


def score_of(logit: float) -> int:
    return round(100 / (1 + math.exp(-logit)))


def weight_for_score(score: float) -> float:
    """The weight of one finding that brings the rating to ``score`` (0-100, fractional)."""
    p = score / 100
    return math.log(p / (1 - p)) - PRIOR


def test_no_findings_is_the_prior_and_low() -> None:
    assert assess([]) == Assessment(
        level=Level.LOW,
        score=score_of(PRIOR),
        logit=PRIOR,
        findings=(),
        contributions=(),
        advice=(),
    )


def test_one_finding_adds_its_weight() -> None:
    f = finding("messenger", "off_platform", 1.5, "WeChat")
    assert assess([f], advice=("Report it.",)) == Assessment(
        level=level_for(score_of(PRIOR + 1.5)),
        score=score_of(PRIOR + 1.5),
        logit=round(PRIOR + 1.5, 3),
        findings=(f,),
        contributions=(Contribution(category="off_platform", weight=1.5, findings=("messenger",)),),
        advice=("Report it.",),
    )


def test_findings_in_one_category_saturate() -> None:
    one = [finding("flattery-0", "flattery", 0.8, "brilliant")]
    ten = [finding(f"flattery-{i}", "flattery", 0.8, "brilliant") for i in range(10)]
    single, many = assess(one), assess(ten)
    assert (many.level, many.score, many.logit) == (single.level, single.score, single.logit)
    assert many.contributions == (
        Contribution(
            category="flattery", weight=0.8, findings=tuple(f"flattery-{i}" for i in range(10))
        ),
    )
    assert len(many.findings) == 10  # every reason is still shown


def test_a_category_counts_its_largest_weight_once() -> None:
    result = assess(
        [
            finding("weak", "urgency", 0.3),
            finding("strong", "urgency", 1.1),
            finding("other", "flattery", 0.5),
        ]
    )
    assert result.logit == round(PRIOR + 1.1 + 0.5, 3)
    assert result.contributions == (
        Contribution(category="urgency", weight=1.1, findings=("weak", "strong")),
        Contribution(category="flattery", weight=0.5, findings=("other",)),
    )


def test_legitimacy_lowers_the_logit_by_its_most_negative_weight() -> None:
    base = [finding("cv", "personal_details", 1.0, "send your CV")]
    legit = [
        finding("job-ref", "legitimacy", -1.0, "Ref. 2026-114"),
        finding("company-domain", "legitimacy", -0.5, "@example-corp.com"),
    ]
    before, after = assess(base), assess(base + legit)
    assert after.logit == round(before.logit - 1.0, 3)
    assert after.score < before.score
    assert after.contributions == (
        Contribution(category="personal_details", weight=1.0, findings=("cv",)),
        Contribution(category="legitimacy", weight=-1.0, findings=("job-ref", "company-domain")),
    )
    # Reasons that raise the rating come first, those that lower it last.
    assert [f.id for f in after.findings] == ["cv", "company-domain", "job-ref"]


MONEY = ["money_for_information", "payment_method", "paid_travel"]
SECOND = ["access", "non_public", "off_platform"]


@pytest.mark.parametrize("money", MONEY)
@pytest.mark.parametrize("second", SECOND)
def test_core_pattern_when_money_meets_access_or_a_new_channel(money: str, second: str) -> None:
    findings = [
        finding("money", money, 2.0, "USD 2,000 per report", "paid"),
        finding("second", second, 1.2, "add me on WeChat"),
        finding("flattery", "flattery", 0.8, "brilliant"),
    ]
    core = core_pattern(findings, stranger=True)
    assert core is not None
    assert msgspec.structs.replace(core, title="") == Finding(
        id=CORE_ID,
        title="",
        category="combination",
        weight=CORE_PATTERN,
        evidence=(
            Evidence(field="text", text="USD 2,000 per report", end=20),
            Evidence(field="text", text="add me on WeChat", end=16),
        ),
        tags=("attack.t1566.003", "attack.t1598.001"),
        detector="scoring",
    )
    assert "title of money" in core.title.lower()
    assert "title of second" in core.title.lower()

    result = assess(findings, stranger=True)
    assert result.findings[1] == core  # weights 2.0, 1.5 (core), 1.2, 0.8
    assert result.logit == round(PRIOR + 2.0 + 1.2 + 0.8 + CORE_PATTERN, 3)
    assert Contribution(category="combination", weight=CORE_PATTERN, findings=(CORE_ID,)) in (
        result.contributions
    )


@pytest.mark.parametrize(
    "categories",
    [
        ["money_for_information"],
        ["off_platform", "access", "non_public"],
        ["money_for_information", "payment_method", "paid_travel"],  # money without the ask
        ["paid_travel", "too_good", "personal_details", "secrecy", "flattery"],
        ["legitimacy", "access"],
    ],
)
def test_no_core_pattern_without_both_pillars(categories: list[str]) -> None:
    findings = [finding(c, c, -1.0 if c == "legitimacy" else 1.0, "x") for c in categories]
    assert core_pattern(findings, stranger=True) is None
    assert CORE_ID not in [f.id for f in assess(findings, stranger=True).findings]


def test_no_core_pattern_from_someone_you_know() -> None:
    findings = [
        finding("money", "money_for_information", 2.0, "paid report"),
        finding("channel", "off_platform", 1.5, "WeChat"),
    ]
    assert core_pattern(findings, stranger=False) is None
    known, stranger = assess(findings, stranger=False), assess(findings, stranger=True)
    assert [f.id for f in known.findings] == ["money", "channel"]
    assert stranger.logit == round(known.logit + CORE_PATTERN, 3)


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, Level.LOW), (29, Level.LOW), (30, Level.MEDIUM), (69, Level.MEDIUM), (70, Level.HIGH),
     (100, Level.HIGH)],
)  # fmt: skip
def test_level_thresholds(score: int, level: Level) -> None:
    assert level_for(score) is level


@pytest.mark.parametrize(
    ("target", "score", "level"),
    [
        (70.05, 70, Level.HIGH),
        (69.4, 69, Level.MEDIUM),
        (30.05, 30, Level.MEDIUM),
        (29.4, 29, Level.LOW),
    ],
)
def test_assess_applies_the_thresholds_to_the_rounded_score(
    target: float, score: int, level: Level
) -> None:
    result = assess([finding("f", "access", weight_for_score(target))])
    assert (result.score, result.level) == (score, level)


def test_level_rank_orders_levels() -> None:
    assert sorted(Level, key=lambda lv: lv.rank) == [Level.LOW, Level.MEDIUM, Level.HIGH]


_CATEGORY_IDS = sorted(c for c in CATEGORIES if c != "combination")
_WEIGHTS = st.sampled_from([0.3, 0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 2.5])


@st.composite
def _findings(draw: st.DrawFn) -> list[Finding]:
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        category = draw(st.sampled_from(_CATEGORY_IDS))
        weight = draw(_WEIGHTS)
        out.append(finding(f"f{i}", category, -weight if category == "legitimacy" else weight))
    return out


@given(_findings(), st.booleans(), st.randoms(use_true_random=False))
def test_assess_is_deterministic_and_ignores_input_order(
    findings: list[Finding], stranger: bool, rnd: object
) -> None:
    first = assess(findings, stranger=stranger)
    assert assess(list(findings), stranger=stranger) == first
    shuffled = list(findings)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    other = assess(shuffled, stranger=stranger)
    assert (other.level, other.score, other.logit) == (first.level, first.score, first.logit)
    assert [f.id for f in other.findings] == [f.id for f in first.findings]
    assert sorted((c.category, c.weight) for c in other.contributions) == sorted(
        (c.category, c.weight) for c in first.contributions
    )
    assert 0 <= first.score <= 100
    assert first.level is level_for(first.score)
