"""A campaign as a STIX 2.1 bundle, TLP-marked, for sharing with other institutions.

:func:`campaign_to_stix` turns the campaign into an alert
(:func:`lurewatch.campaigns.indicators.campaign_to_alert`) and exports that with
the project's STIX writer (:func:`lurewatch.exchange.stix.alert_to_stix`), so
markings, identities, patterns, the lurewatch extension and the import path are
the ones every alert uses. What the bundle holds:

* a ``campaign`` (name, description with counts only, ``first_seen`` and
  ``last_seen`` of the first and last approach) ``attributed-to`` a
  ``threat-actor`` (``nation-state``, ``spy``): the unknown operator;
* each persona as an ``identity`` (individual) with its ``user-account`` and
  profile ``url``, related to an ``identity`` (organization) for its claimed
  employer, and an ``indicator`` for its account that ``indicates`` the campaign.
  Personas are identities, not threat actors: a persona is a claimed self that
  the operator made up (formats brief), and one threat actor per persona would
  claim as many operators as there are fake accounts;
* an ``indicator`` per shared handle, phone, e-mail address, domain and photo
  hash, with the writer's STIX patterns, each ``indicates`` the campaign; the
  template as a ``note`` on the campaign and a front organisation as an
  ``identity`` ``related-to`` it (STIX patterns may only name observables);
* ``sighting``\\ s by the institution, counts only, never who was approached: one
  of the campaign itself (every approach; the number of members of staff is in
  its description) and one of each named persona's account indicator;
* a ``report`` (``campaign``, ``threat-report``) that refers to all of it.

Every object carries a TLP 2.0 marking definition; the bundle parses with
``stix2.parse(..., allow_custom=False)`` and reads back with
:func:`lurewatch.exchange.stix.alert_from_stix`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from lurewatch.exchange.stix import Sighting, alert_to_stix

from .artefacts import anatomy
from .indicators import alert_from_anatomy
from .linking import DEFAULT, LinkParams
from .model import ApproachRecord, Campaign, Linking

# Ids of the objects added here: UUIDv5 in lurewatch's campaign namespace, from the
# campaign id and the object's role, so the same campaign exports with the same ids.
_NAMESPACE = uuid.UUID("0d6f3f64-5d8e-4a43-9a0e-6f1f1c3b7e21")


def _utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC)


def campaign_to_stix(
    campaign: Campaign,
    records: Iterable[ApproachRecord],
    linking: Linking | None = None,
    *,
    tlp: str,
    now: dt.datetime,
    institution: str,
    title: str | None = None,
    source: str | None = None,
    params: LinkParams = DEFAULT,
) -> str:
    """The campaign as a STIX 2.1 bundle (JSON text); the same input gives the same output.

    ``institution`` names where the approaches were sighted (and, unless ``source``
    says otherwise, who publishes the bundle). ``title`` defaults to the campaign's
    name, else "Campaign <id>". ``now`` (timezone-aware) is every new object's
    ``created``/``modified``. Raises ValueError for a naive ``now``, an unknown TLP
    label, an empty ``institution`` or a missing member record.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not institution.strip():
        raise ValueError("institution must name who sighted the campaign")
    an = anatomy(campaign, records, linking, params=params)
    alert = alert_from_anatomy(
        an,
        title=title or campaign.name or f"Campaign {campaign.id.removeprefix('campaign:')}",
        tlp=tlp,
        source=institution if source is None else source,
    )
    named = {p.id for p in alert.personas}
    sightings = [
        Sighting(
            persona_id=p.key,
            count=len(p.records),
            first_seen=_utc(p.first),
            last_seen=_utc(p.last),
            where=institution,
        )
        for p in an.personas
        if p.key in named
    ]
    text = alert_to_stix(alert, sightings=sightings, now=now, id_seed=campaign.id)
    return _with_campaign_sighting(
        text,
        campaign_id=campaign.id,
        institution=institution,
        count=len(an.records),
        staff=len(an.targets),
        first=_utc(an.first),
        last=_utc(an.last),
        now=now,
    )


def _with_campaign_sighting(
    text: str,
    *,
    campaign_id: str,
    institution: str,
    count: int,
    staff: int,
    first: dt.datetime,
    last: dt.datetime,
    now: dt.datetime,
) -> str:
    """Add what the alert writer has no place for: the campaign's own first/last seen
    (to the approach, not the day) and a sighting of the campaign by the institution."""
    import stix2

    s = stix2.v21
    bundle = stix2.parse(text, allow_custom=False)
    objects: list[Any] = list(bundle.objects)

    def new_id(kind: str, role: str) -> str:
        return f"{kind}--{uuid.uuid5(_NAMESPACE, chr(31).join((campaign_id, role)))}"

    index = {o.id: i for i, o in enumerate(objects)}
    campaign = next(o for o in objects if o.type == "campaign")
    report = next(o for o in objects if o.type == "report")
    props = dict(campaign)
    props.update(first_seen=first, last_seen=last)
    objects[index[campaign.id]] = s.Campaign(**props)

    where = next(
        (
            o
            for o in objects
            if o.type == "identity"
            and o.get("identity_class") == "organization"
            and o.name == institution
            and any(o.id in getattr(x, "where_sighted_refs", ()) for x in objects)
        ),
        None,
    )
    added: list[Any] = []
    if where is None:
        where = s.Identity(
            id=new_id("identity", "where"),
            created=now,
            modified=now,
            name=institution,
            identity_class="organization",
            object_marking_refs=campaign.object_marking_refs,
        )
        added.append(where)
    sighting = s.Sighting(
        id=new_id("sighting", "campaign"),
        created=now,
        modified=now,
        sighting_of_ref=campaign.id,
        where_sighted_refs=[where.id],
        count=count,
        first_seen=first,
        last_seen=last,
        description=(
            f"{count} approach{'es' if count != 1 else ''} reported by {staff} member"
            f"{'s' if staff != 1 else ''} of staff."
        ),
        created_by_ref=campaign.get("created_by_ref"),
        object_marking_refs=campaign.object_marking_refs,
    )
    added.append(sighting)
    report_props = dict(report)
    report_props["object_refs"] = [*report.object_refs, *(o.id for o in added)]
    objects[index[report.id]] = s.Report(**report_props)
    at = index[report.id]
    objects[at:at] = added  # before the report, which refers to them
    out: str = s.Bundle(objects=objects, id=bundle.id).serialize(indent=2)
    return out
