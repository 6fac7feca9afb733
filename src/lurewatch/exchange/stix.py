"""STIX 2.1 bundles in and out: an alert as personas, a campaign and its indicators.

Export (:func:`alert_to_stix`) builds the bundle with the ``stix2`` library, so every
object is checked by the reference implementation, and the output parses with
``stix2.parse(..., allow_custom=False)``. Output is deterministic: ``created`` and
``modified`` are the ``now`` passed in, SDO/SRO ids are UUIDv5 from a fixed namespace
and the alert id (or ``id_seed``) plus the object's role and value, SCO ids are the
spec's own deterministic UUIDv5.

What each part of an alert becomes:

* persona: ``user-account`` SCO (``account_type`` = platform, ``user_id`` = canonical
  profile address or the name, ``display_name``), ``url`` SCO for the profile address,
  ``identity`` (individual; ``roles`` = title) related to an ``identity``
  (organization) for the claimed employer, and an ``indicator``
  ``[user-account:account_type = 'linkedin' AND user-account:user_id = '...']``;
* the operator: ``threat-actor`` (``nation-state``, ``spy``); the alert: ``campaign``
  ``attributed-to`` it, and a ``report`` (``campaign``, ``threat-report``) that refers
  to everything;
* each indicator ``indicates`` the campaign, with these patterns:

  ================  =============================================================
  persona-name      ``[user-account:display_name = 'v']``
  profile-url       ``[url:value = 'v']``
  website           ``[url:value = 'v']``; ``[domain-name:value = 'v']`` if no scheme
  email             ``[email-addr:value = 'v']``
  domain            ``[domain-name:value = 'v']``
  phone             ``[user-account:account_type = 'phone' AND user-account:user_id = 'v']``
  wechat, whatsapp, ``[user-account:account_type = 'wechat' AND
  telegram, signal  user-account:account_login = 'v']``
  handle            ``[user-account:account_login = 'v']`` (platform unknown)
  photo-phash       ``[artifact:hashes.PHASH = 'v']`` (hash names are an open vocabulary)
  organization      no pattern: ``identity`` is an SDO and patterns may only name
                    cyber-observables, so an ``identity`` (organization) carries it,
                    ``related-to`` the campaign
  message-template  no observable fits (``email-message:body`` would claim an e-mail),
                    so a ``note`` whose ``content`` is the template refers to the campaign
  ================  =============================================================

* sightings (repeat reports of a persona): ``sighting`` of the persona's indicator,
  ``where_sighted_refs`` an ``identity`` named by :attr:`Sighting.where`.

Markings: every object carries a TLP 2.0 marking definition (the alert's; an
indicator's own when it has one, and a relationship the stricter of its two ends).
``stix2`` 3.0.2 ships TLP 1.0 constants only, so the TLP 2.0 marking definitions are
built as published by OASIS: the predefined ids, ``created`` 2022-10-01, and the TLP
2.0 extension ``extension-definition--60a3c5c5-...``. ``stix2`` accepts an
``extension-definition--`` extension it does not know without ``allow_custom``.

What STIX has no property for (persona ids and aliases, an indicator's lurewatch type,
persona and first/last-seen dates, the alert id) travels in a lurewatch *property
extension* declared by an ``extension-definition`` object in the bundle. STIX 2.1
prefers extensions to ``x_`` custom properties, and it keeps ``allow_custom`` off.

Import (:func:`alert_from_stix`) reads plain JSON, not ``stix2`` objects, so bundles
from other tools with custom content are read too. It uses the lurewatch extension
when present and otherwise reads individuals, user accounts, organizations, simple
indicator patterns and markings. Pattern values are data: they are unescaped, never
compiled.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from lurewatch.exchange.jsonin import decode_json, one_line
from lurewatch.exchange.stix_patterns import (
    CHECK_LIMIT,
    check_pattern,
    classify,
    looks_like_profile,
    pattern_for,
    simple_observations,
    stix_string,
)
from lurewatch.exchange.tlp import stricter, strictest, tlp_from_word
from lurewatch.identity import canon_profile_url, norm_name
from lurewatch.ingest.errors import InputError
from lurewatch.model import INDICATOR_TYPES, TLP_LABELS, Alert, Indicator, Persona

# -- TLP 2.0 in STIX (OASIS cti-stix-common-objects, extension-definition tlp-2.0) -----

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKING_IDS: dict[str, str] = {
    "TLP:CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "TLP:GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "TLP:AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "TLP:AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "TLP:RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_TLP2_CREATED = "2022-10-01T00:00:00.000Z"
# TLP 1.0 markings (the ones stix2 ships) are read too; TLP 2.0 renamed WHITE to CLEAR.
_TLP1_MARKING_IDS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "TLP:CLEAR",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "TLP:GREEN",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "TLP:AMBER",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "TLP:RED",
}
_TLP_BY_ID = {v: k for k, v in TLP2_MARKING_IDS.items()} | _TLP1_MARKING_IDS

# -- lurewatch's own extension and id namespace ----------------------------------------

LUREWATCH_EXTENSION_ID = "extension-definition--5687899b-69da-43b4-97e1-aa79377ef0f4"
_PRODUCER_ID = "identity--f96a0697-42b4-4a0f-9282-1b33539cffe9"
_NAMESPACE = uuid.UUID("87b80ae7-f0d1-4417-ba8f-346d8dce3812")
# The extension definition and its author never change, so their timestamps are fixed:
# an object with the same id and ``modified`` must be the same object everywhere.
_FIXED_CREATED = "2026-01-01T00:00:00.000Z"
_EXTENSION_SCHEMA = (
    "Property extension written by lurewatch. Every instance has 'role': "
    "'alert' (report: alert_id, issued YYYY-MM-DD), 'operator' (threat-actor), "
    "'persona' (identity: persona_id, aliases, company, company_aliases, profile_url, "
    "platform), 'persona-account' (indicator: persona_id), 'company' (identity), or "
    "'indicator' (indicator, identity or note: indicator_type, persona, first_seen, "
    "last_seen as YYYY-MM-DD). The indicator's value is its pattern's value, the "
    "identity's name or the note's content."
)

_TYPES = frozenset(INDICATOR_TYPES)
_USED_TYPES = frozenset(
    {
        "marking-definition",
        "extension-definition",
        "identity",
        "threat-actor",
        "campaign",
        "indicator",
        "note",
        "relationship",
        "sighting",
        "report",
        "user-account",
        "url",
    }
)


@dataclass(frozen=True)
class Sighting:
    """Repeat reports of one persona: how often, when, and who received them."""

    persona_id: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    where: str


# -- export ----------------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _tlp2_marking(stix2: Any, label: str) -> Any:
    return stix2.v21.MarkingDefinition(
        id=TLP2_MARKING_IDS[label],
        created=_TLP2_CREATED,
        name=label,
        extensions={
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": label.removeprefix("TLP:").lower(),
            }
        },
    )


def _ext(role: str, **fields: Any) -> dict[str, Any]:
    """The lurewatch extension, leaving out empty fields (STIX forbids nulls and [])."""
    body: dict[str, Any] = {"extension_type": "property-extension", "role": role}
    body.update({k: v for k, v in fields.items() if v not in (None, "", [], ())})
    return {LUREWATCH_EXTENSION_ID: body}


def _persona_description(p: Persona) -> str:
    parts = [f"Persona {p.name}"]
    if p.title or p.company:
        parts.append(" presenting as " + " at ".join(x for x in (p.title, p.company) if x))
    text = "".join(parts) + "."
    if p.aliases:
        text += " Also appears as: " + "; ".join(p.aliases) + "."
    if p.company_aliases:
        text += " Employer also written as: " + "; ".join(p.company_aliases) + "."
    return text


class _Exporter:
    def __init__(self, alert: Alert, now: dt.datetime, seed: str) -> None:
        import stix2

        self.s = stix2.v21
        self.stix2 = stix2
        self.alert = alert
        self.now = now
        self.seed = seed
        self.objects: list[Any] = []
        self.ids: set[str] = set()
        self.tlps: dict[str, str] = {}  # object id -> TLP label, for relationship markings
        self.used_tlps: set[str] = {"TLP:CLEAR"}

    def id(self, kind: str, *parts: str) -> str:
        name = "\x1f".join((self.seed, kind, *parts))
        return f"{kind}--{uuid.uuid5(_NAMESPACE, name)}"

    def marking(self, tlp: str) -> list[str]:
        if tlp not in TLP2_MARKING_IDS:
            raise ValueError(f"unknown TLP label {tlp!r}; expected one of {', '.join(TLP_LABELS)}")
        self.used_tlps.add(tlp)
        return [TLP2_MARKING_IDS[tlp]]

    def add(self, obj: Any, tlp: str) -> Any:
        if obj.id not in self.ids:  # SCOs have content-derived ids and may repeat
            self.ids.add(obj.id)
            self.objects.append(obj)
            self.tlps[obj.id] = tlp
        return obj

    def sdo(self, cls: Any, kind: str, key: Sequence[str], tlp: str, **props: Any) -> Any:
        obj = cls(
            id=self.id(kind, *key),
            created=self.now,
            modified=self.now,
            object_marking_refs=self.marking(tlp),
            **{k: v for k, v in props.items() if v not in (None, "", [])},
        )
        return self.add(obj, tlp)

    def relate(self, src: str, rel: str, dst: str, description: str | None = None) -> None:
        tlp = stricter(self.tlps[src], self.tlps[dst])
        self.sdo(
            self.s.Relationship,
            "relationship",
            (src, rel, dst),
            tlp,
            relationship_type=rel,
            source_ref=src,
            target_ref=dst,
            description=description,
        )

    def build(self, sightings: Sequence[Sighting]) -> str:
        s, alert = self.s, self.alert
        tlp = alert.tlp
        self.marking(tlp)
        producer = s.Identity(
            id=_PRODUCER_ID,
            created=_FIXED_CREATED,
            modified=_FIXED_CREATED,
            name="lurewatch",
            identity_class="system",
            description="Software that detects covert recruitment approaches through "
            "fake online personas.",
            object_marking_refs=self.marking("TLP:CLEAR"),
        )
        self.add(producer, "TLP:CLEAR")
        self.add(
            s.ExtensionDefinition(
                id=LUREWATCH_EXTENSION_ID,
                created_by_ref=_PRODUCER_ID,
                created=_FIXED_CREATED,
                modified=_FIXED_CREATED,
                name="lurewatch alert fields",
                description="Fields of lurewatch alerts that STIX 2.1 has no property for.",
                schema=_EXTENSION_SCHEMA,
                version="1.0",
                extension_types=["property-extension"],
                object_marking_refs=self.marking("TLP:CLEAR"),
            ),
            "TLP:CLEAR",
        )

        # Who published what: an identity per source, marked as strictly as the
        # strictest object that names it.
        source_tlp: dict[str, str] = {}
        for name, level in [(alert.source, tlp)] + [(i.source, i.tlp) for i in alert.indicators]:
            if name:
                source_tlp[name] = stricter(source_tlp.get(name, level), level)
        source_ids = {
            name: self.sdo(
                s.Identity,
                "identity",
                ("source", name),
                level,
                name=name,
                identity_class="organization",
            ).id
            for name, level in source_tlp.items()
        }
        by = source_ids.get(alert.source)

        actor = self.sdo(
            s.ThreatActor,
            "threat-actor",
            ("operator",),
            tlp,
            name=f"Operator behind {alert.title}",
            description="The unknown operator of the personas named in this alert.",
            threat_actor_types=["nation-state", "spy"],
            created_by_ref=by,
            extensions=_ext("operator"),
        )
        days = [d for i in alert.indicators for d in (i.first_seen, i.last_seen) if d]
        campaign = self.sdo(
            s.Campaign,
            "campaign",
            ("alert",),
            tlp,
            name=alert.title,
            description=alert.description,
            first_seen=_midnight(min(days)) if days else None,
            last_seen=_midnight(max(days)) if days else None,
            created_by_ref=by,
        )
        self.relate(campaign.id, "attributed-to", actor.id)

        persona_ids: dict[str, str] = {}  # persona id -> identity id
        persona_indicators: dict[str, str] = {}  # persona id -> indicator id
        for p in alert.personas:
            persona_ids[p.id], persona_indicators[p.id] = self.persona(p, campaign.id, by)

        seen: dict[str, int] = {}
        for ind in alert.indicators:
            key = "\x1f".join((ind.type, ind.value, ind.persona or ""))
            seen[key] = seen.get(key, 0) + 1
            self.indicator(
                ind,
                (key, str(seen[key])),
                campaign.id,
                persona_ids.get(ind.persona or ""),
                source_ids.get(ind.source),
            )

        for n, sg in enumerate(sightings):
            if sg.persona_id not in persona_indicators:
                raise ValueError(f"sightings[{n}]: no persona with id {sg.persona_id!r}")
            where = self.sdo(
                s.Identity,
                "identity",
                ("where", sg.where),
                tlp,
                name=sg.where,
                identity_class="organization",
            )
            self.sdo(
                s.Sighting,
                "sighting",
                (str(n), sg.persona_id, sg.where),
                tlp,
                sighting_of_ref=persona_indicators[sg.persona_id],
                where_sighted_refs=[where.id],
                count=sg.count,
                first_seen=sg.first_seen,
                last_seen=sg.last_seen,
                created_by_ref=by,
            )

        refs = [o.id for o in self.objects if o.type != "marking-definition"]
        issued = alert.issued.isoformat() if alert.issued else None
        self.sdo(
            s.Report,
            "report",
            ("alert",),
            tlp,
            name=alert.title,
            description=alert.description,
            report_types=["campaign", "threat-report"],
            published=_midnight(alert.issued) if alert.issued else self.now,
            object_refs=refs,
            created_by_ref=by,
            extensions=_ext("alert", alert_id=alert.id, issued=issued),
        )
        markings = [_tlp2_marking(self.stix2, t) for t in TLP_LABELS if t in self.used_tlps]
        bundle = s.Bundle(
            objects=markings + self.objects,
            id=self.id("bundle", "bundle", self.now.isoformat()),
        )
        # Not ``pretty=True``: its spec-order sort searches the whole bundle for every
        # key (quadratic). Construction order already puts type, spec_version, id first.
        text: str = bundle.serialize(indent=2)
        return text

    def persona(self, p: Persona, campaign: str, by: str | None) -> tuple[str, str]:
        s, tlp = self.s, self.alert.tlp
        account_type = p.platform.strip().casefold() or "linkedin"
        user_id = (canon_profile_url(p.profile_url) if p.profile_url else None) or p.name
        account = self.add(
            s.UserAccount(
                account_type=account_type,
                user_id=user_id,
                display_name=p.name,
                object_marking_refs=self.marking(tlp),
            ),
            tlp,
        )
        url = None
        if p.profile_url:
            url = self.add(s.URL(value=p.profile_url, object_marking_refs=self.marking(tlp)), tlp)
        company = None
        if p.company:
            company = self.sdo(
                s.Identity,
                "identity",
                ("company", p.company),
                tlp,
                name=p.company,
                identity_class="organization",
                extensions=_ext("company"),
            )
        ident = self.sdo(
            s.Identity,
            "identity",
            ("persona", p.id),
            tlp,
            name=p.name,
            identity_class="individual",
            roles=[p.title] if p.title else None,
            description=_persona_description(p),
            extensions=_ext(
                "persona",
                persona_id=p.id,
                aliases=list(p.aliases),
                company=p.company,
                company_aliases=list(p.company_aliases),
                profile_url=p.profile_url,
                platform=p.platform,
            ),
        )
        if company is not None:
            self.relate(ident.id, "related-to", company.id, "claims to work for")
        self.relate(ident.id, "related-to", account.id, "presents through this account")
        if url is not None:
            self.relate(ident.id, "related-to", url.id, "profile address")
        pattern = (
            f"[user-account:account_type = {stix_string(account_type)}"
            f" AND user-account:user_id = {stix_string(user_id)}]"
        )
        indicator = self.sdo(
            s.Indicator,
            "indicator",
            ("persona", p.id),
            tlp,
            name=f"Persona account: {p.name}",
            indicator_types=["malicious-activity"],
            pattern=pattern,
            pattern_type="stix",
            valid_from=self.now,
            created_by_ref=by,
            extensions=_ext("persona-account", persona_id=p.id),
        )
        self.relate(indicator.id, "indicates", campaign)
        self.relate(indicator.id, "related-to", ident.id)
        return ident.id, indicator.id

    def indicator(
        self,
        ind: Indicator,
        key: tuple[str, str],
        campaign: str,
        persona: str | None,
        by: str | None,
    ) -> None:
        s = self.s
        common: dict[str, Any] = {
            "confidence": ind.confidence,
            "created_by_ref": by,
            "extensions": _ext(
                "indicator",
                indicator_type=ind.type,
                persona=ind.persona,
                first_seen=ind.first_seen.isoformat() if ind.first_seen else None,
                last_seen=ind.last_seen.isoformat() if ind.last_seen else None,
            ),
        }
        pattern = pattern_for(ind.type, ind.value)
        if ind.type == "message-template":
            refs = [campaign] + ([persona] if persona else [])
            self.sdo(
                s.Note,
                "note",
                key,
                ind.tlp,
                content=ind.value,
                abstract=ind.comment,
                object_refs=refs,
                **common,
            )
            return
        if pattern is None:  # organization
            obj = self.sdo(
                s.Identity,
                "identity",
                key,
                ind.tlp,
                name=ind.value,
                identity_class="organization",
                description=ind.comment,
                **common,
            )
            self.relate(obj.id, "related-to", campaign, "organization used in this campaign")
        else:
            obj = self.sdo(
                s.Indicator,
                "indicator",
                key,
                ind.tlp,
                name=f"{ind.type} indicator",
                description=ind.comment,
                indicator_types=["malicious-activity"],
                pattern=pattern,
                pattern_type="stix",
                valid_from=_midnight(ind.first_seen) if ind.first_seen else self.now,
                **common,
            )
            self.relate(obj.id, "indicates", campaign)
        if persona:
            self.relate(obj.id, "related-to", persona)


def alert_to_stix(
    alert: Alert,
    *,
    sightings: Sequence[Sighting] = (),
    now: dt.datetime,
    id_seed: str | None = None,
) -> str:
    """The alert as a STIX 2.1 bundle (JSON text); same input, same output.

    ``now`` (timezone-aware) is every object's ``created``/``modified``; ids derive
    from ``id_seed`` (default: the alert id). Raises ValueError for a naive ``now``,
    an unknown TLP label or a sighting of a persona the alert does not name.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return _Exporter(alert, now, id_seed or alert.id).build(sightings)


# -- import ----------------------------------------------------------------------------


class _Reader:
    """One bundle's objects, with typed accessors whose errors name the place."""

    def __init__(self, source: str, objects: list[Any], notes: list[str]) -> None:
        self.source = source
        self.notes = notes
        self.objects: list[tuple[int, dict[str, Any]]] = []
        self.by_id: dict[str, tuple[int, dict[str, Any]]] = {}
        for n, obj in enumerate(objects):
            if not isinstance(obj, dict):
                raise InputError(f"{source}: objects[{n}]: expected an object")
            kind, oid = obj.get("type"), obj.get("id")
            if not isinstance(kind, str) or not kind:
                raise InputError(f"{source}: objects[{n}]: type: expected a string")
            if not isinstance(oid, str) or not oid.startswith(kind + "--"):
                raise InputError(f"{source}: objects[{n}]: id: expected '{kind}--<uuid>'")
            # Several versions of one object: the latest (by ``modified``) wins.
            older = self.by_id.get(oid)
            if older is None or str(obj.get("modified", "")) >= str(older[1].get("modified", "")):
                self.by_id[oid] = (n, obj)
        self.objects = [(n, o) for n, o in enumerate(objects) if self.by_id[o["id"]][0] == n]

    def where(self, n: int, obj: dict[str, Any], prop: str | None = None) -> str:
        place = f"{self.source}: objects[{n}] ({obj['id']})"
        return f"{place}: {prop}" if prop else place

    def fail(self, n: int, obj: dict[str, Any], prop: str, problem: str) -> InputError:
        return InputError(f"{self.where(n, obj, prop)}: {one_line(problem)}")

    def text(self, n: int, obj: dict[str, Any], prop: str) -> str:
        value = obj.get(prop, "")
        if not isinstance(value, str):
            raise self.fail(n, obj, prop, "expected a string")
        return value

    def texts(self, n: int, obj: dict[str, Any], prop: str) -> list[str]:
        value = obj.get(prop, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(n, obj, prop, "expected a list of strings")
        return value

    def ext(self, n: int, obj: dict[str, Any]) -> dict[str, Any] | None:
        exts = obj.get("extensions", {})
        if not isinstance(exts, dict):
            raise self.fail(n, obj, "extensions", "expected an object")
        body = exts.get(LUREWATCH_EXTENSION_ID)
        if body is None:
            return None
        if not isinstance(body, dict):
            raise self.fail(n, obj, "extensions", "the lurewatch extension must be an object")
        return body

    def ext_text(self, n: int, obj: dict[str, Any], ext: dict[str, Any], key: str) -> str:
        value = ext.get(key, "")
        if not isinstance(value, str):
            raise self.fail(n, obj, f"extensions.{key}", "expected a string")
        return value

    def ext_texts(self, n: int, obj: dict[str, Any], ext: dict[str, Any], key: str) -> list[str]:
        value = ext.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(n, obj, f"extensions.{key}", "expected a list of strings")
        return value

    def ext_date(
        self, n: int, obj: dict[str, Any], ext: dict[str, Any], key: str
    ) -> dt.date | None:
        value = self.ext_text(n, obj, ext, key)
        if not value:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise self.fail(n, obj, f"extensions.{key}", f"expected YYYY-MM-DD, got {value!r}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise self.fail(n, obj, f"extensions.{key}", str(exc)) from None

    def timestamp_day(self, n: int, obj: dict[str, Any], prop: str) -> dt.date | None:
        value = self.text(n, obj, prop)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise self.fail(
                n, obj, prop, f"expected a STIX timestamp, got {value[:40]!r}"
            ) from None

    def confidence(self, n: int, obj: dict[str, Any]) -> int:
        value = obj.get("confidence", 50)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise self.fail(n, obj, "confidence", "expected a whole number from 0 to 100")
        return value

    def tlp_of(self, n: int, obj: dict[str, Any], markings: dict[str, str]) -> str | None:
        labels = [markings[r] for r in self.texts(n, obj, "object_marking_refs") if r in markings]
        return strictest(labels)

    def name_of(self, ref: Any) -> str:
        if isinstance(ref, str) and ref in self.by_id:
            name = self.by_id[ref][1].get("name")
            if isinstance(name, str):
                return name
        return ""


def _marking_label(obj: dict[str, Any]) -> str | None:
    """A TLP label from a marking definition: by id, TLP 2.0 extension, TLP 1.0 or name."""
    oid = obj["id"]
    if oid in _TLP_BY_ID:
        return _TLP_BY_ID[oid]
    exts = obj.get("extensions")
    if isinstance(exts, dict):
        tlp2 = exts.get(TLP2_EXTENSION_ID)
        if isinstance(tlp2, dict) and isinstance(tlp2.get("tlp_2_0"), str):
            return tlp_from_word(tlp2["tlp_2_0"])
    definition = obj.get("definition")
    if obj.get("definition_type") == "tlp" and isinstance(definition, dict):
        word = definition.get("tlp")
        if isinstance(word, str):
            return tlp_from_word(word)
    name = obj.get("name")
    if isinstance(name, str) and name.strip().upper().startswith("TLP:"):
        return tlp_from_word(name)
    return None


def alert_from_stix(data: bytes, source: str, *, notes: list[str] | None = None) -> Alert:
    """An :class:`Alert` from a STIX 2.1 bundle; one-line :class:`InputError` if bad.

    What is skipped (unsupported patterns, object types lurewatch has no use for) is
    described in ``notes`` when a list is passed.
    """
    raw = decode_json(data, source)
    if not isinstance(raw, dict) or raw.get("type") != "bundle":
        raise InputError(f'{source}: not a STIX bundle (expected an object with "type": "bundle")')
    objects = raw.get("objects", [])
    if not isinstance(objects, list):
        raise InputError(f"{source}: objects: expected a list")
    sink: list[str] = notes if notes is not None else []
    return _BundleImport(_Reader(source, objects, sink), raw).alert()


class _BundleImport:
    def __init__(self, r: _Reader, raw: dict[str, Any]) -> None:
        self.r = r
        self.raw = raw
        self.markings: dict[str, str] = dict(_TLP_BY_ID)
        self.links: dict[str, list[str]] = {}  # object id -> ids related either way
        self.personas: list[Persona] = []
        self.persona_of: dict[str, str] = {}  # identity / SCO id -> persona id
        self.from_ext: set[str] = set()  # persona ids read from the lurewatch extension
        # Organizations that author objects or are where something was sighted.
        self.not_fronts: set[str] = set()
        for _, obj in r.objects:
            if isinstance(obj.get("created_by_ref"), str):
                self.not_fronts.add(obj["created_by_ref"])
            refs = obj.get("where_sighted_refs")
            if isinstance(refs, list):
                self.not_fronts.update(x for x in refs if isinstance(x, str))

    def link(self, a: str, b: str) -> None:
        self.links.setdefault(a, []).append(b)
        self.links.setdefault(b, []).append(a)

    def alert(self) -> Alert:
        r = self.r
        skipped: dict[str, int] = {}
        for n, obj in r.objects:
            kind = obj["type"]
            if kind not in _USED_TYPES:
                skipped[kind] = skipped.get(kind, 0) + 1
            elif kind == "marking-definition":
                label = _marking_label(obj)
                if label:
                    self.markings[obj["id"]] = label
            elif kind == "relationship":
                src, dst = obj.get("source_ref"), obj.get("target_ref")
                if not isinstance(src, str) or not isinstance(dst, str):
                    raise r.fail(n, obj, "source_ref", "source_ref and target_ref must be ids")
                self.link(src, dst)
        if skipped:
            kinds = ", ".join(f"{k} ({c})" for k, c in sorted(skipped.items()))
            r.notes.append(f"{r.source}: skipped objects lurewatch does not use: {kinds}")

        report = self.first("report")
        campaign = self.first("campaign")
        alert_tlp = self.alert_tlp(report, campaign)
        alert_source = ""
        for found in (report, campaign):
            if found and not alert_source:
                alert_source = r.name_of(found[1].get("created_by_ref"))

        self.read_personas()
        indicators = self.read_indicators(alert_tlp, alert_source)

        title, description, alert_id, issued = "", "", "", None
        if campaign:
            title = r.text(*campaign, "name")
            description = r.text(*campaign, "description")
        if report:
            n, obj = report
            title = title or r.text(n, obj, "name")
            description = r.text(n, obj, "description") or description
            ext = r.ext(n, obj)
            if ext is not None:
                alert_id = r.ext_text(n, obj, ext, "alert_id")
                issued = r.ext_date(n, obj, ext, "issued")
            else:
                alert_id = obj["id"]
                issued = r.timestamp_day(n, obj, "published")
        description = self.add_threat_actors(description)
        bundle_id = self.raw.get("id")
        return Alert(
            id=alert_id or (bundle_id if isinstance(bundle_id, str) else "") or r.source,
            title=title if title.strip() else f"STIX bundle {r.source}",
            tlp=alert_tlp,
            source=alert_source,
            issued=issued,
            description=description,
            personas=tuple(self.personas),
            indicators=tuple(indicators),
        )

    def first(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        return next(((n, o) for n, o in self.r.objects if o["type"] == kind), None)

    def alert_tlp(self, *candidates: tuple[int, dict[str, Any]] | None) -> str:
        r = self.r
        for found in candidates:
            if found:
                level = r.tlp_of(*found, self.markings)
                if level:
                    return level
        level = strictest([x for n, o in r.objects if (x := r.tlp_of(n, o, self.markings))])
        if level:
            return level
        r.notes.append(f"{r.source}: no TLP marking found; treated as TLP:AMBER")
        return "TLP:AMBER"

    def read_personas(self) -> None:
        r = self.r
        by_name: dict[str, int] = {}
        for n, obj in r.objects:
            if obj["type"] != "identity" or obj.get("identity_class") != "individual":
                continue
            ext = r.ext(n, obj)
            name = r.text(n, obj, "name")
            roles = r.texts(n, obj, "roles")
            if ext is not None and ext.get("role") == "persona":
                pid = r.ext_text(n, obj, ext, "persona_id") or obj["id"]
                persona = Persona(
                    id=pid,
                    name=name,
                    aliases=tuple(r.ext_texts(n, obj, ext, "aliases")),
                    company=r.ext_text(n, obj, ext, "company"),
                    company_aliases=tuple(r.ext_texts(n, obj, ext, "company_aliases")),
                    profile_url=r.ext_text(n, obj, ext, "profile_url") or None,
                    platform=r.ext_text(n, obj, ext, "platform") or "linkedin",
                    title=roles[0] if roles else "",
                )
                self.from_ext.add(pid)
            else:
                company = ""
                for other in self.links.get(obj["id"], []):
                    found = r.by_id.get(other)
                    if (
                        found
                        and found[1]["type"] == "identity"
                        and found[1].get("identity_class") == "organization"
                    ):
                        company = company or r.text(*found, "name")
                persona = Persona(
                    id=obj["id"], name=name, company=company, title=roles[0] if roles else ""
                )
            if not persona.name.strip():
                raise r.fail(n, obj, "name", "an individual needs a name")
            self.persona_of[obj["id"]] = persona.id
            by_name.setdefault(norm_name(persona.name), len(self.personas))
            self.personas.append(persona)
        # Accounts of other tools' bundles: enrich the persona they are linked to (or
        # that has the same name), else they are a persona of their own.
        for n, obj in r.objects:
            if obj["type"] != "user-account":
                continue
            linked = [
                self.persona_of[x] for x in self.links.get(obj["id"], []) if x in self.persona_of
            ]
            if any(pid in self.from_ext for pid in linked):
                continue
            user_id = r.text(n, obj, "user_id")
            login = r.text(n, obj, "account_login")
            display = r.text(n, obj, "display_name")
            platform = r.text(n, obj, "account_type") or "linkedin"
            url = user_id if looks_like_profile(user_id) else None
            name = display or login or user_id
            index = None
            if linked:
                index = next(i for i, p in enumerate(self.personas) if p.id == linked[0])
            elif name and norm_name(name) in by_name:
                index = by_name[norm_name(name)]
            if index is not None:
                p = self.personas[index]
                self.personas[index] = msgspec.structs.replace(
                    p, profile_url=p.profile_url or url, platform=platform
                )
                self.persona_of[obj["id"]] = p.id
            elif name:
                self.persona_of[obj["id"]] = obj["id"]
                self.personas.append(
                    Persona(id=obj["id"], name=name, profile_url=url, platform=platform)
                )

    def read_indicators(self, alert_tlp: str, alert_source: str) -> list[Indicator]:
        r = self.r
        out: list[Indicator] = []
        for n, obj in r.objects:
            kind = obj["type"]
            if kind not in ("indicator", "note", "identity"):
                continue
            ext = r.ext(n, obj)
            role = ext.get("role") if ext is not None else None
            if kind == "identity" and not (
                role == "indicator" or (ext is None and self.is_free_organization(obj))
            ):
                continue
            if kind == "note" and role != "indicator":
                continue  # other tools' notes are commentary, not indicators
            if role in ("persona-account", "operator", "alert", "persona", "company"):
                continue
            tlp = r.tlp_of(n, obj, self.markings) or alert_tlp
            if ext is not None and role == "indicator":
                source = r.name_of(obj.get("created_by_ref"))
                persona = r.ext_text(n, obj, ext, "persona") or None
                first = r.ext_date(n, obj, ext, "first_seen")
                last = r.ext_date(n, obj, ext, "last_seen")
                wanted = r.ext_text(n, obj, ext, "indicator_type")
                if wanted not in _TYPES:
                    raise r.fail(n, obj, "extensions.indicator_type", f"unknown type {wanted!r}")
            else:
                source = r.name_of(obj.get("created_by_ref")) or alert_source
                persona = next(
                    (
                        self.persona_of[x]
                        for x in self.links.get(obj["id"], [])
                        if x in self.persona_of
                    ),
                    None,
                )
                first = last = None
                wanted = ""
            common: dict[str, Any] = {
                "persona": persona,
                "tlp": tlp,
                "source": source,
                "confidence": r.confidence(n, obj),
                "first_seen": first,
                "last_seen": last,
            }
            if kind == "note":
                content = r.text(n, obj, "content")
                comment = r.text(n, obj, "abstract")
                out.append(
                    Indicator(type="message-template", value=content, comment=comment, **common)
                )
            elif kind == "identity":
                comment = r.text(n, obj, "description")
                name = r.text(n, obj, "name")
                out.append(Indicator(type="organization", value=name, comment=comment, **common))
            else:
                comment = r.text(n, obj, "description")
                for kind_value in self.pattern_values(n, obj):
                    found_type, value = kind_value
                    out.append(
                        Indicator(
                            type=(wanted or found_type),  # type: ignore[arg-type]
                            value=value,
                            comment=comment,
                            **common,
                        )
                    )
        return out

    def is_free_organization(self, obj: dict[str, Any]) -> bool:
        """An organization of another tool's bundle that is not a persona's employer,
        an author or a place of sighting: a front organization worth an indicator."""
        if obj.get("identity_class") != "organization":
            return False
        oid = obj["id"]
        if oid in self.not_fronts:
            return False
        return not any(x in self.persona_of for x in self.links.get(oid, []))

    def pattern_values(self, n: int, obj: dict[str, Any]) -> list[tuple[str, str]]:
        r = self.r
        pattern_type = obj.get("pattern_type", "stix")
        pattern = obj.get("pattern")
        if pattern_type != "stix":
            r.notes.append(f"{r.where(n, obj)}: skipped: pattern_type {pattern_type!r} is not read")
            return []
        if not isinstance(pattern, str):
            raise r.fail(n, obj, "pattern", "expected a string")
        observations = simple_observations(pattern)
        if observations is None and len(pattern) <= CHECK_LIMIT:
            error = check_pattern(pattern)
            if error:
                raise r.fail(n, obj, "pattern", error)
        found = [classify(o) for o in observations] if observations is not None else [None]
        if any(f is None for f in found):
            r.notes.append(
                f"{r.where(n, obj, 'pattern')}: skipped: not a pattern lurewatch reads "
                f"({one_line(pattern)[:120]!r})"
            )
            return []
        return [f for f in found if f is not None]

    def add_threat_actors(self, description: str) -> str:
        r = self.r
        lines = []
        for n, obj in r.objects:
            if obj["type"] != "threat-actor":
                continue
            ext = r.ext(n, obj)
            if ext is not None and ext.get("role") == "operator":
                continue
            name = r.text(n, obj, "name")
            aliases = r.texts(n, obj, "aliases")
            line = f"Threat actor: {name}"
            if aliases:
                line += " (also known as " + ", ".join(aliases) + ")"
            lines.append(line)
        if not lines:
            return description
        return "\n\n".join([description, *lines] if description else lines)
