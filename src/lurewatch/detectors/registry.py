"""Every detector lurewatch runs, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from lurewatch.detectors.base import Detector
from lurewatch.detectors.escalation import EscalationDetector
from lurewatch.detectors.rulepack import RulePackDetector
from lurewatch.rules.schema import Rule

DETECTORS: tuple[type[Detector], ...] = (RulePackDetector,)

# Combiners read the findings of every detector over a whole thread.
COMBINERS: tuple[type[EscalationDetector], ...] = (EscalationDetector,)


def build_detectors(rules: Sequence[Rule]) -> list[Detector]:
    """Instances of every registered detector, configured with the rule pack."""
    out: list[Detector] = []
    for cls in DETECTORS:
        if cls is RulePackDetector:
            out.append(RulePackDetector(rules))
        else:
            out.append(cls())
    return out
