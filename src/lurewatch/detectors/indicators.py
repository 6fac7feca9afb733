"""Matches against espionage alerts and indicator feeds (``--indicators FILE``).

A strong match (the profile address, an identifier, or name and organisation
together) is a finding of weight 5.0, enough for a high rating on its own:
the security office has already named this persona. A possible match (an
organisation alone, a message that follows a known template) adds 1.5. The
same name alone is not a finding at all: many people share a name (in the
benchmark population, half of all contacts share a name with one of 2,000
alerted personas), so a name never raises a rating by itself; what the
person wrote, or another identifier, has to. Each finding says which alert
and persona matched and what agreed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from lurewatch.detectors.base import Detector
from lurewatch.matching.index import STRONG, IndicatorIndex, Match, Subject, organisations_in
from lurewatch.model import Alert, Approach, Evidence, Finding

STRONG_WEIGHT = 5.0
POSSIBLE_WEIGHT = 1.5


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.casefold()).strip("-")[:80]


def finding_id_parts(alert_id: str, target_id: str) -> tuple[str, str]:
    """The alert and target parts of an indicator finding's id."""
    return _slug(alert_id), _slug(target_id)


def finding_for(m: Match) -> Finding:
    t = m.target
    strong = m.level == STRONG
    who = t.persona.name if t.persona else "an indicator"
    target_id = t.persona.id if t.persona else "alert"
    if strong:
        title, weight = f"Matches {who}, named in the alert “{t.alert.title}”", STRONG_WEIGHT
    else:
        title = f"Possibly {who}, named in the alert “{t.alert.title}” (only part agrees)"
        weight = POSSIBLE_WEIGHT
    return Finding(
        # One id per alerted target, strong or not: merging a thread keeps the stronger.
        id="/".join(("indicator", *finding_id_parts(t.alert.id, target_id))),
        title=title,
        category="indicator_match",
        weight=weight,
        evidence=tuple(
            Evidence(field=f"indicator.{a.what}", text=a.how, item=-1) for a in m.agreements
        ),
        tags=("attack.t1585.001", "disarm.t0143.002"),
        detector="indicators",
    )


class IndicatorDetector(Detector):
    id = "indicators"
    description = "Matches names, organisations, profile addresses and identifiers against alerts."

    def __init__(self, alerts: Sequence[Alert]) -> None:
        self.index = IndicatorIndex(alerts)

    def detect(self, approach: Approach, today: dt.date) -> list[Finding]:
        if not self.index.alerts:
            return []
        p = approach.profile
        subject = Subject()
        if p is not None:
            subject.name = p.name
            subject.organisations = organisations_in(p.headline, p.company)
            subject.organisations += [pos.company for pos in p.experience or () if pos.company]
            if p.profile_url:
                subject.profile_urls.add(p.profile_url)
            for w in p.websites or ():
                subject.add_text(w)
            if p.photo_phash:
                subject.photo_hashes.add(p.photo_phash.strip().casefold())
        for msg in approach.messages:
            if not subject.name and msg.sender:
                subject.name = msg.sender
            subject.add_text(msg.text)
            if msg.email is not None and msg.email.from_address:
                subject.add_text(msg.email.from_address)
        return [finding_for(m) for m in self.index.match(subject) if not m.name_only]
