"""Meta-tests: the documentation says what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from lurewatch import scoring
from lurewatch.categories import CATEGORIES
from lurewatch.detectors.registry import ALERT_DETECTORS, COMBINERS, DETECTORS
from lurewatch.rules.fields import ALL_FIELDS
from lurewatch.rules.loader import builtin_rules

ROOT = Path(__file__).resolve().parents[1]
SCORING = (ROOT / "docs" / "scoring.md").read_text()
RULES = (ROOT / "docs" / "rules.md").read_text()
DETECTORS_DOC = (ROOT / "docs" / "detectors.md").read_text()
README = (ROOT / "README.md").read_text()


def test_scoring_constants_are_documented() -> None:
    for name in ("PRIOR", "CORE_PATTERN", "HIGH_AT", "MEDIUM_AT"):
        value = getattr(scoring, name)
        shown = f"{value:+.1f}".replace("-", "−") if isinstance(value, float) else str(value)
        row = re.search(rf"\| `{name}`\s*\|\s*([^|]+)\|", SCORING)
        assert row, name
        assert row.group(1).strip().lstrip("+") == shown.lstrip("+"), name


def test_category_weights_table_matches_the_pack() -> None:
    strongest: dict[str, float] = {}
    for rule in builtin_rules():
        w = strongest.get(rule.category)
        if w is None or abs(rule.weight) > abs(w):
            strongest[rule.category] = rule.weight
    rows = {}
    for line in SCORING.splitlines():
        m = re.match(r"\| ([a-z_, ]+?)(?: \(.*\))? \| ([−\d., ]+) \|", line)
        if m:
            for cat in m.group(1).split(", "):
                rows[cat] = float(m.group(2).split(",")[0].replace("−", "-"))
    assert set(rows) == set(strongest)
    for cat, weight in strongest.items():
        assert rows[cat] == weight, cat


def test_every_category_is_known() -> None:
    assert {r.category for r in builtin_rules()} <= set(CATEGORIES)


def test_every_field_is_documented() -> None:
    for f in ALL_FIELDS:
        assert f"`{f}`" in RULES, f


def test_every_detector_is_documented() -> None:
    for cls in (*DETECTORS, *COMBINERS):
        assert f"## {cls.id}" in DETECTORS_DOC, cls.id
        assert cls.description
    for detector_id in ALERT_DETECTORS:
        assert f"## {detector_id}" in DETECTORS_DOC, detector_id


def test_readme_counts_the_rules() -> None:
    assert f"ships {len(builtin_rules())} rules" in README
