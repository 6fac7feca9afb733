"""Every detector lurewatch runs, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from lurewatch.detectors.base import Detector
from lurewatch.detectors.email_headers import EmailHeadersDetector
from lurewatch.detectors.escalation import EscalationDetector
from lurewatch.detectors.indicators import IndicatorDetector
from lurewatch.detectors.rulepack import RulePackDetector
from lurewatch.model import Alert
from lurewatch.rules.schema import Rule

DETECTORS: tuple[type[Detector], ...] = (RulePackDetector, EmailHeadersDetector, IndicatorDetector)

# Combiners read the findings of every detector over a whole thread.
COMBINERS: tuple[type[EscalationDetector], ...] = (EscalationDetector,)


def build_detectors(rules: Sequence[Rule], alerts: Sequence[Alert] = ()) -> list[Detector]:
    """Instances of every registered detector, configured with the rule pack and alerts."""
    out: list[Detector] = []
    for cls in DETECTORS:
        if cls is RulePackDetector:
            out.append(RulePackDetector(rules))
        elif cls is IndicatorDetector:
            if alerts:  # nothing to match without alerts
                out.append(IndicatorDetector(alerts))
        else:
            out.append(cls())
    return out
