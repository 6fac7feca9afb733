"""Every detector lurewatch runs, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from lurewatch.detectors.base import Detector
from lurewatch.detectors.email_headers import EmailHeadersDetector
from lurewatch.detectors.escalation import EscalationDetector
from lurewatch.detectors.rulepack import RulePackDetector
from lurewatch.model import Alert
from lurewatch.rules.schema import Rule

DETECTORS: tuple[type[Detector], ...] = (RulePackDetector, EmailHeadersDetector)

# Detectors that run only when alerts are loaded, imported only then: the matching
# libraries would otherwise slow every start-up.
ALERT_DETECTORS: tuple[str, ...] = ("indicators",)

# Combiners read the findings of every detector over a whole thread.
COMBINERS: tuple[type[EscalationDetector], ...] = (EscalationDetector,)


def build_detectors(rules: Sequence[Rule], alerts: Sequence[Alert] = ()) -> list[Detector]:
    """Instances of every registered detector, configured with the rule pack and alerts."""
    out: list[Detector] = []
    for cls in DETECTORS:
        out.append(RulePackDetector(rules) if cls is RulePackDetector else cls())
    if alerts:
        from lurewatch.detectors.indicators import IndicatorDetector

        out.append(IndicatorDetector(alerts))
    return out
