"""Runs the declarative rule packs (``lurewatch/data/rules`` and any extra files)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from lurewatch.detectors.base import Detector
from lurewatch.model import Approach, Finding
from lurewatch.rules.engine import Engine
from lurewatch.rules.schema import Rule


class RulePackDetector(Detector):
    id = "rules"
    description = "Declarative rules over the text of messages and the profile (YAML packs)."

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.engine = Engine([r for r in rules if r.status != "deprecated"])

    def detect(self, approach: Approach, today: dt.date) -> list[Finding]:
        return self.engine.evaluate(approach, today)
