"""From findings to a rating: a small, explainable log-odds model.

    logit = PRIOR + sum over categories of the category's contribution
                  + CORE_PATTERN (when its pillars co-occur and the sender is a stranger)
    score = round(100 * sigmoid(logit))
    level = high if score >= HIGH_AT, medium if score >= MEDIUM_AT, else low

A category contributes the largest weight among its findings (the most
negative one for ``legitimacy``), once: findings saturate within a category,
so word counts do not drive the rating. ``docs/scoring.md`` explains the
numbers. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from lurewatch.categories import CATEGORIES, CORE_SECOND_CATEGORIES, MONEY_PILLAR
from lurewatch.model import Assessment, Contribution, Evidence, Finding, Level

PRIOR = -4.0
CORE_PATTERN = 1.5
HIGH_AT = 70
MEDIUM_AT = 30
CORE_ID = "core-pattern"


def level_for(score: int) -> Level:
    if score >= HIGH_AT:
        return Level.HIGH
    if score >= MEDIUM_AT:
        return Level.MEDIUM
    return Level.LOW


def _pillar(category: str) -> str:
    cat = CATEGORIES.get(category)
    return cat.pillar if cat else ""


def core_pattern(findings: Sequence[Finding], *, stranger: bool) -> Finding | None:
    """The combination finding, when money for information meets access or a new channel."""
    if not stranger:
        return None
    money = [f for f in findings if _pillar(f.category) == MONEY_PILLAR]
    second = [f for f in findings if f.category in CORE_SECOND_CATEGORIES]
    if not money or not second:
        return None
    parts = [max(money, key=lambda f: f.weight), max(second, key=lambda f: f.weight)]
    evidence: list[Evidence] = []
    for f in parts:
        evidence.extend(f.evidence[:1])
    return Finding(
        id=CORE_ID,
        title=f"Core pattern from a stranger: {parts[0].title} + {parts[1].title.lower()}",
        category="combination",
        weight=CORE_PATTERN,
        evidence=tuple(evidence),
        tags=("attack.t1566.003", "attack.t1598.001"),
        detector="scoring",
    )


def contributions(findings: Iterable[Finding]) -> list[Contribution]:
    by_cat: dict[str, list[Finding]] = {}
    for f in findings:
        by_cat.setdefault(f.category, []).append(f)
    out = []
    for cat, fs in by_cat.items():
        pick = min if all(f.weight < 0 for f in fs) else max
        weight = pick(f.weight for f in fs)
        out.append(Contribution(category=cat, weight=weight, findings=tuple(f.id for f in fs)))
    out.sort(key=lambda c: -abs(c.weight))
    return out


def assess(
    findings: Sequence[Finding], *, stranger: bool = True, advice: Sequence[str] = ()
) -> Assessment:
    """Rate a set of findings. The same findings always give the same rating."""
    core = core_pattern(findings, stranger=stranger)
    all_findings = [*findings, *([core] if core else [])]
    contribs = contributions(all_findings)
    logit = PRIOR + sum(c.weight for c in contribs)
    score = round(100 / (1 + math.exp(-logit)))
    ordered = sorted(all_findings, key=lambda f: (-f.weight, f.id))
    return Assessment(
        level=level_for(score),
        score=score,
        logit=round(logit, 3),
        findings=tuple(ordered),
        contributions=tuple(contribs),
        advice=tuple(advice),
    )
