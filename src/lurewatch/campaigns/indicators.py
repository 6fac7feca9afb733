"""From campaign to alert: one action turns what a campaign shares into indicators.

:func:`campaign_to_alert` gives an :class:`~lurewatch.model.Alert` that the
indicator matcher (``--indicators``, the office's retro-hunt) reads like any
other, so the next approach from the same operation is caught on arrival, even
from a persona nobody has seen yet, when it reuses the campaign's template,
photo, handle, phone, e-mail address, domain or front organisation.

What becomes what:

* each persona of the campaign (:mod:`lurewatch.campaigns.artefacts`) that wrote
  a name: a :class:`~lurewatch.model.Persona` with its most frequent name, the
  other spellings as ``aliases``, its organisation(s) and profile address; a
  second profile address becomes a ``profile-url`` indicator of that persona;
* each shared artefact: an indicator (``message-template`` with the most typical
  wording, ``photo-phash`` per hash of the cluster, ``wechat``/``whatsapp``/
  ``telegram``/``signal`` when the text names the app, else ``handle``;
  ``phone``, ``email``, ``domain``, ``organization``), tied to its persona when
  only one persona used it, with the dates it was seen.

Only artefacts that link two or more approaches of the campaign are promoted
(see :mod:`lurewatch.campaigns.artefacts`); a value seen once is a coincidence,
and values the linking held back as too common (pass the ``Linking``) are never
promoted. Free-mail and platform domains never are either. Nothing about the
members of staff who were approached goes into the alert: counts only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from lurewatch.model import TLP_LABELS, Alert, Indicator, IndicatorType, Persona

from .artefacts import Anatomy, Artefact, anatomy
from .linking import DEFAULT, LinkParams
from .model import ApproachRecord, Campaign, Linking

# Confidence of an indicator: higher when the artefact joins several personas (it belongs
# to the operation, not to one account that may be closed tomorrow).
CONFIDENCE_SHARED = 80
CONFIDENCE_ONE_PERSONA = 60

_TYPES: dict[str, IndicatorType] = {
    "template": "message-template",
    "photo": "photo-phash",
    "handle": "handle",
    "phone": "phone",
    "email": "email",
    "domain": "domain",
    "organisation": "organization",
}
_MESSENGER_TYPES: dict[str, IndicatorType] = {
    "wechat": "wechat",
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "signal": "signal",
}


def _day(when: dt.datetime) -> dt.date:
    return when.date()


def _plural(n: int, noun: str, nouns: str = "") -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {nouns or noun + 's'}"


def describe(an: Anatomy) -> str:
    """One paragraph on the campaign, with counts only (never who was approached)."""
    c = an.campaign
    reasons = ", ".join(f"{reason} ({n})" for reason, n in sorted(c.reasons.items()))
    kinds: dict[str, int] = {}
    for a in an.artefacts:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    shared = ", ".join(f"{k} ({n})" for k, n in kinds.items()) or "none"
    return (
        f"{_plural(len(an.records), 'approach', 'approaches')} to "
        f"{_plural(len(an.targets), 'member')} of staff by "
        f"{_plural(len(an.personas), 'persona')}, from {_day(an.first).isoformat()} "
        f"to {_day(an.last).isoformat()}, linked by lurewatch ({reasons}). "
        f"Shared artefacts: {shared}."
    )


def campaign_to_alert(
    campaign: Campaign,
    records: Iterable[ApproachRecord],
    linking: Linking | None = None,
    *,
    title: str,
    tlp: str,
    source: str,
    issued: dt.date | None = None,
    description: str | None = None,
    params: LinkParams = DEFAULT,
) -> Alert:
    """The campaign's personas and shared artefacts as an alert (id: the campaign's id).

    ``records`` must include every member (others are ignored); ``linking``, the
    result the campaign came from, keeps values it suppressed out of the alert.
    ``description`` defaults to a summary with counts only. Raises ValueError for an
    unknown TLP label, an empty title or a missing member record.
    """
    if tlp not in TLP_LABELS:
        raise ValueError(f"unknown TLP label {tlp!r}; expected one of {', '.join(TLP_LABELS)}")
    if not title.strip():
        raise ValueError("an alert needs a title")
    an = anatomy(campaign, records, linking, params=params)
    return alert_from_anatomy(
        an, title=title, tlp=tlp, source=source, issued=issued, description=description
    )


def alert_from_anatomy(
    an: Anatomy,
    *,
    title: str,
    tlp: str,
    source: str,
    issued: dt.date | None = None,
    description: str | None = None,
) -> Alert:
    """:func:`campaign_to_alert` for a campaign already taken apart."""
    personas: list[Persona] = []
    named: set[str] = set()
    indicators: list[Indicator] = []

    def indicator(
        kind: IndicatorType,
        value: str,
        persona: str | None,
        first: dt.datetime,
        last: dt.datetime,
        confidence: int,
        comment: str,
    ) -> None:
        indicators.append(
            Indicator(
                type=kind,
                value=value,
                persona=persona,
                tlp=tlp,
                source=source,
                confidence=confidence,
                first_seen=_day(first),
                last_seen=_day(last),
                comment=comment,
            )
        )

    for p in an.personas:
        if not p.name:
            # No name to alert on: its profile addresses are still worth catching.
            for url in p.profile_urls:
                indicator(
                    "profile-url", url, None, p.first, p.last, CONFIDENCE_ONE_PERSONA,
                    "Profile address of an unnamed persona in this campaign.",
                )  # fmt: skip
            continue
        personas.append(
            Persona(
                id=p.key,
                name=p.name,
                aliases=p.names[1:],
                company=p.company,
                company_aliases=p.companies[1:],
                profile_url=p.profile_urls[0] if p.profile_urls else None,
            )
        )
        named.add(p.key)
        for url in p.profile_urls[1:]:
            indicator(
                "profile-url", url, p.key, p.first, p.last, CONFIDENCE_ONE_PERSONA,
                "Another profile address of this persona.",
            )  # fmt: skip

    for a in an.artefacts:
        owner = a.personas[0] if len(a.personas) == 1 and a.personas[0] in named else None
        if a.kind == "organisation" and owner is not None:
            continue  # one persona's own employer: already its company and company_aliases
        confidence = CONFIDENCE_SHARED if len(a.personas) > 1 else CONFIDENCE_ONE_PERSONA
        comment = _comment(a)
        kind = _MESSENGER_TYPES.get(a.messenger, _TYPES[a.kind])
        values = a.values if a.kind == "photo" else (a.value,)
        for value in values:
            indicator(kind, value, owner, a.first, a.last, confidence, comment)

    return Alert(
        id=an.campaign.id,
        title=title.strip(),
        tlp=tlp,
        source=source,
        issued=issued,
        description=describe(an) if description is None else description,
        personas=tuple(personas),
        indicators=tuple(indicators),
    )


def _comment(a: Artefact) -> str:
    text = (
        f"Shared by {_plural(len(a.records), 'approach', 'approaches')} from "
        f"{_plural(len(a.personas), 'persona')} of this campaign."
    )
    if a.kind == "organisation" and len(a.values) > 1:
        text += " Also written as: " + "; ".join(a.values[1:]) + "."
    return text
