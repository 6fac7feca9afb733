"""Use cases shared by the command line and the web app: rating approaches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from lurewatch.advice import advise
from lurewatch.detectors.base import Detector
from lurewatch.detectors.escalation import EscalationDetector
from lurewatch.detectors.registry import COMBINERS, build_detectors
from lurewatch.model import Alert, Approach, Assessment, Finding, Message, Profile
from lurewatch.rules.loader import builtin_rules, load_paths
from lurewatch.rules.schema import Rule
from lurewatch.scoring import assess
from lurewatch.settings import Settings


def load_rules(settings: Settings) -> list[Rule]:
    """The shipped pack plus any extra rule files named in the settings."""
    rules = builtin_rules()
    if settings.extra_rules:
        rules.extend(load_paths(settings.extra_rules))
    return rules


def load_alerts(settings: Settings) -> list[Alert]:
    """Every alert file named in the settings (raises InputError on a bad one)."""
    if not settings.indicator_files:
        return []
    from lurewatch.exchange import load_alert

    return [load_alert(p) for p in settings.indicator_files]


@dataclass
class Checker:
    """Rates approaches. Build once, call :meth:`check` many times."""

    settings: Settings
    rules: Sequence[Rule]
    alerts: Sequence[Alert] = ()
    detectors: list[Detector] = field(init=False)
    combiners: list[EscalationDetector] = field(init=False)

    def __post_init__(self) -> None:
        self.detectors = build_detectors(self.rules, self.alerts)
        self.combiners = [cls() for cls in COMBINERS]

    @classmethod
    def from_settings(cls, settings: Settings) -> Checker:
        return cls(settings, load_rules(settings), load_alerts(settings))

    def detect(self, approach: Approach, today: dt.date) -> list[Finding]:
        """Findings of every detector (not yet combined across the thread)."""
        return [f for d in self.detectors for f in d.detect(approach, today)]

    def rate(
        self, findings: Sequence[Finding], approach: Approach, context: Sequence[str] = ()
    ) -> Assessment:
        """Combine findings across the thread, score them, and add advice."""
        combined = [*findings]
        for c in self.combiners:
            combined.extend(c.combine(findings, approach))
        result = assess(combined, stranger=approach.stranger)
        advice = advise(
            result.level,
            (f.category for f in result.findings),
            self.settings.contact,
            engaged=bool(context),
        )
        return msgspec.structs.replace(result, advice=advice)

    def check(self, approach: Approach, today: dt.date) -> Assessment:
        return self.rate(self.detect(approach, today), approach)

    def check_text(
        self,
        text: str | None,
        profile: Profile | None = None,
        *,
        today: dt.date,
        kind: str = "message",
        stranger: bool = True,
    ) -> Assessment:
        messages = () if text is None else (Message(text=text, kind=kind),)  # type: ignore[arg-type]
        return self.check(Approach(messages=messages, profile=profile, stranger=stranger), today)
