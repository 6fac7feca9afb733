"""MISP events in and out: an alert as a MISP event with persona objects and attributes.

Export (:func:`alert_to_misp`) builds the event with ``pymisp`` offline, from the
object templates shipped inside ``pymisp``. Output is deterministic: every uuid is a
UUIDv5 of the alert id and the item's role, every timestamp is ``now``.

* the alert: the event (``info`` = title, ``date`` = issued, else the day of ``now``),
  ``Orgc`` = source, an event report with the description, tags ``tlp:amber`` (MISP's
  lower-case TLP 2.0 tags, e.g. ``tlp:amber+strict``) and ``lurewatch:alert-id="..."``;
  ``distribution`` is 0 (your organisation only): widening it is a sharing decision.
* a persona: a ``persnona`` object (``name``, ``alias``) that ``uses`` a
  ``user-account`` object (``user-id`` = canonical profile address or name,
  ``display-name``, ``link`` = profile address, ``account-type`` = platform,
  ``description`` = title) and ``works-for`` a ``legal-entity`` (the claimed employer),
  which is ``known-as`` one ``legal-entity`` per other spelling of the employer;
* an indicator: one *carrier* attribute, tagged with its TLP:

  ================  ====================================================
  persona-name      attribute ``full-name``
  organization      ``legal-entity`` object, its ``name``
  profile-url       attribute ``url``
  website           attribute ``url``
  email             attribute ``email-src`` (the sender of an approach)
  domain            attribute ``domain``
  phone             attribute ``phone-number``
  wechat, whatsapp, ``user-account`` object with ``account-type`` wechat, ...,
  telegram, signal  its ``username``
  handle            ``user-account`` object without ``account-type``, its ``username``
  photo-phash       attribute ``text`` (MISP has no perceptual-hash type)
  message-template  attribute ``text``
  ================  ====================================================

  MISP has no field for a lurewatch type, a confidence from 0 to 100, a per-indicator
  source or persona, so the carrier also has machine tags ``lurewatch:indicator-type``,
  ``lurewatch:confidence``, ``lurewatch:source`` and ``lurewatch:persona`` (values are
  JSON strings, so any text survives); a persona's ``persnona`` object also ``uses``
  the indicator's carrier, which other tools understand. ``first_seen``/``last_seen``
  and ``comment`` are MISP's own.

``pymisp`` strips white space around every string it writes, so values that begin or
end with spaces or newlines come back stripped; inner white space is kept.

Import (:func:`alert_from_misp`) reads plain JSON (with or without the ``{"Event":
...}`` wrapper), so events from any MISP version are read; it uses the lurewatch tags
when present, and otherwise MISP's types, object templates, references and comments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import msgspec

from lurewatch.exchange.jsonin import decode_json
from lurewatch.exchange.tlp import strictest, tlp_from_word
from lurewatch.identity import canon_profile_url
from lurewatch.ingest.errors import InputError
from lurewatch.model import INDICATOR_TYPES, TLP_LABELS, Alert, Indicator, Persona

_NAMESPACE = uuid.UUID("a4b3a1f0-4a43-4c36-9d0c-52f0c3f9e2d7")
_MESSENGERS = ("wechat", "whatsapp", "telegram", "signal")
_TYPES = frozenset(INDICATOR_TYPES)
_PERSONA_OBJECTS = ("persnona", "person", "impersonation")
_KNOWN_OBJECTS = (*_PERSONA_OBJECTS, "user-account", "legal-entity")

# indicator type -> (MISP attribute type, category) for the ones that are plain attributes;
# pymisp checks the category against its type (``url`` may not be "Social network").
_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "persona-name": ("full-name", "Person"),
    "profile-url": ("url", "Network activity"),
    "website": ("url", "Network activity"),
    "email": ("email-src", "Payload delivery"),
    "domain": ("domain", "Network activity"),
    "phone": ("phone-number", "Person"),
    "photo-phash": ("text", "Person"),
    "message-template": ("text", "Social network"),
}
# MISP attribute type -> indicator type, for events written by other tools
_FROM_MISP_TYPE: dict[str, str] = {
    "email": "email",
    "email-src": "email",
    "email-dst": "email",
    "email-reply-to": "email",
    "domain": "domain",
    "hostname": "domain",
    "phone-number": "phone",
    "full-name": "persona-name",
    "twitter-id": "handle",
    "github-username": "handle",
    "jabber-id": "handle",
}
_TAG = re.compile(r'lurewatch:([a-z-]+)=(".*")', re.DOTALL)


def _tag(key: str, value: str | int) -> str:
    return f"lurewatch:{key}={json.dumps(str(value), ensure_ascii=False)}"


# -- export ----------------------------------------------------------------------------


class _Exporter:
    def __init__(self, alert: Alert, now: dt.datetime) -> None:
        from pymisp import MISPEvent

        self.alert = alert
        self.now = now
        self.event = MISPEvent(force_timestamps=True)

    def uuid(self, *parts: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, "\x1f".join((self.alert.id, *parts))))

    def obj(self, template: str, *key: str) -> Any:
        from pymisp import MISPObject

        o = MISPObject(template, standalone=False, force_timestamps=True)
        o.uuid = self.uuid("object", template, *key)
        o.timestamp = self.now
        self.event.add_object(o)
        return o

    def attr(self, o: Any, relation: str, value: str, *key: str, **kw: Any) -> Any:
        return o.add_attribute(
            relation,
            value=value,
            uuid=self.uuid("attribute", o.uuid, relation, *key),
            timestamp=self.now,
            **kw,
        )

    def refer(self, o: Any, target: str, relationship: str) -> None:
        o.add_reference(
            target,
            relationship,
            uuid=self.uuid("reference", o.uuid, target, relationship),
            timestamp=self.now,
        )

    def build(self) -> str:
        from pymisp import MISPOrganisation

        alert, e = self.alert, self.event
        e.from_dict(
            uuid=self.uuid("event"),
            info=alert.title,
            date=alert.issued or self.now.date(),
            timestamp=self.now,
            published=False,
            analysis=2,
            threat_level_id=4,
            distribution=0,
        )
        if alert.source:
            org = MISPOrganisation()
            org.from_dict(name=alert.source, uuid=self.uuid("org", alert.source))
            e.Orgc = org
        e.add_tag(_tlp_tag(alert.tlp))
        e.add_tag(_tag("alert-id", alert.id))
        if alert.description:
            e.add_event_report(
                "Alert description",
                alert.description,
                uuid=self.uuid("report"),
                timestamp=self.now,
            )
        personas = {p.id: self.persona(p) for p in alert.personas}
        seen: dict[str, int] = {}
        for ind in alert.indicators:
            key = "\x1f".join((ind.type, ind.value, ind.persona or ""))
            seen[key] = seen.get(key, 0) + 1
            carrier = self.indicator(ind, key, str(seen[key]))
            if ind.persona in personas:
                self.refer(personas[ind.persona], carrier, "uses")
        # pymisp drops the timestamp of anything changed after creation unless forced.
        _force_timestamps(e, self.now)
        data = json.loads(e.to_json())
        return json.dumps({"Event": data}, indent=2)

    def persona(self, p: Persona) -> Any:
        persona = self.obj("persnona", p.id)
        name = self.attr(persona, "name", p.name)
        name.add_tag(_tag("persona-id", p.id))
        for n, alias in enumerate(p.aliases):
            self.attr(persona, "alias", alias, str(n))
        account = self.obj("user-account", p.id)
        user_id = (canon_profile_url(p.profile_url) if p.profile_url else None) or p.name
        self.attr(account, "user-id", user_id)
        self.attr(account, "display-name", p.name)
        if p.profile_url:
            self.attr(account, "link", p.profile_url)
        self.attr(account, "account-type", p.platform)
        if p.title:
            self.attr(account, "description", p.title)
        self.refer(persona, account.uuid, "uses")
        employer = None
        if p.company:
            employer = self.obj("legal-entity", p.id, "company")
            self.attr(employer, "name", p.company)
            self.refer(persona, employer.uuid, "works-for")
        for n, alias in enumerate(p.company_aliases):
            other = self.obj("legal-entity", p.id, "company-alias", str(n))
            self.attr(other, "name", alias)
            if employer is not None:
                self.refer(employer, other.uuid, "known-as")
            else:
                self.refer(persona, other.uuid, "associated-with")
        return persona

    def indicator(self, ind: Indicator, *key: str) -> str:
        """Add the indicator's carrier attribute; return the uuid to refer to."""
        kw: dict[str, Any] = {"comment": ind.comment or None}
        if ind.first_seen:
            kw["first_seen"] = _midnight(ind.first_seen)
        if ind.last_seen:
            kw["last_seen"] = _midnight(ind.last_seen)
        kw = {k: v for k, v in kw.items() if v is not None}
        target: str
        carrier: Any
        if ind.type in _ATTRIBUTES:
            misp_type, category = _ATTRIBUTES[ind.type]
            carrier = self.event.add_attribute(
                misp_type,
                ind.value,
                category=category,
                uuid=self.uuid("attribute", *key),
                timestamp=self.now,
                **kw,
            )
            target = carrier.uuid
        elif ind.type == "organization":
            o = self.obj("legal-entity", "indicator", *key)
            carrier = self.attr(o, "name", ind.value, **kw)
            target = o.uuid
        else:  # messengers and handles
            o = self.obj("user-account", "indicator", *key)
            carrier = self.attr(o, "username", ind.value, **kw)
            if ind.type != "handle":
                self.attr(o, "account-type", ind.type)
            target = o.uuid
        carrier.add_tag(_tlp_tag(ind.tlp))
        carrier.add_tag(_tag("indicator-type", ind.type))
        carrier.add_tag(_tag("confidence", ind.confidence))
        if ind.source:
            carrier.add_tag(_tag("source", ind.source))
        if ind.persona:
            carrier.add_tag(_tag("persona", ind.persona))
        return target


def _tlp_tag(label: str) -> str:
    if label not in TLP_LABELS:
        raise ValueError(f"unknown TLP label {label!r}; expected one of {', '.join(TLP_LABELS)}")
    return label.lower()


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _force_timestamps(event: Any, now: dt.datetime) -> None:
    items: list[Any] = [event, *event.attributes, *event.objects, *event.event_reports]
    for o in event.objects:
        items.extend(o.attributes)
        items.extend(o.references)
    for item in items:
        item.timestamp = now
        item.force_timestamp = True


def alert_to_misp(alert: Alert, *, now: dt.datetime) -> str:
    """The alert as a MISP event (JSON text with the ``{"Event": ...}`` wrapper).

    ``now`` (timezone-aware) is every timestamp. Same input, same output. Raises
    ValueError for a naive ``now`` or an unknown TLP label.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return _Exporter(alert, now).build()


# -- import ----------------------------------------------------------------------------


class _Attr:
    """One attribute with where it sits, its tags read, and checked fields."""

    def __init__(self, where: str, raw: dict[str, Any], obj: _Obj | None) -> None:
        self.where = where
        self.raw = raw
        self.obj = obj
        value = raw.get("value", "")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InputError(f"{where}.value: expected a string")
        self.value = str(value)
        self.relation = _text(raw, "object_relation", where)
        self.type = _text(raw, "type", where)
        self.uuid = _text(raw, "uuid", where)
        self.comment = _text(raw, "comment", where)
        self.tags = _tag_names(raw, where)
        self.ours = _our_tags(self.tags, where)
        self.tlp = strictest([t for n in self.tags if (t := _tlp_tag_label(n))])

    def day(self, key: str) -> dt.date | None:
        value = _text(self.raw, key, self.where)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise InputError(
                f"{self.where}.{key}: expected a date and time, got {value[:40]!r}"
            ) from None


class _Obj:
    def __init__(self, where: str, raw: dict[str, Any]) -> None:
        self.where = where
        self.name = _text(raw, "name", where)
        self.uuid = _text(raw, "uuid", where) or where
        self.refs: list[tuple[str, str]] = []  # (relationship, referenced uuid)
        for n, ref in enumerate(_items(raw, "ObjectReference", where)):
            here = f"{where}.ObjectReference[{n}]"
            self.refs.append(
                (_text(ref, "relationship_type", here), _text(ref, "referenced_uuid", here))
            )
        self.attrs = [
            _Attr(f"{where}.Attribute[{n}]", a, self)
            for n, a in enumerate(_items(raw, "Attribute", where))
        ]

    def values(self, relation: str) -> list[str]:
        return [a.value for a in self.attrs if a.relation == relation]

    def value(self, *relations: str) -> str:
        for relation in relations:
            found = self.values(relation)
            if found:
                return found[0]
        return ""

    def indicator_attr(self) -> _Attr | None:
        return next((a for a in self.attrs if "indicator-type" in a.ours), None)


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{where}.{key}: expected a string")
    return value


def _items(raw: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = raw.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{where}.{key}: expected a list of objects")
    return value


def _tag_names(raw: dict[str, Any], where: str) -> list[str]:
    """Tag names of an event or attribute: ``Tag: [{name}]`` or ``EventTag: [{Tag}]``."""
    names = [_text(t, "name", f"{where}.Tag") for t in _items(raw, "Tag", where)]
    for n, et in enumerate(_items(raw, "EventTag", where)):
        inner = et.get("Tag")
        if isinstance(inner, dict):
            names.append(_text(inner, "name", f"{where}.EventTag[{n}].Tag"))
    return names


def _our_tags(names: list[str], where: str) -> dict[str, str]:
    """The ``lurewatch:key="JSON string"`` machine tags, as {key: value}."""
    ours: dict[str, str] = {}
    for name in names:
        m = _TAG.fullmatch(name)
        if m:
            try:
                value = json.loads(m.group(2))
            except ValueError:
                raise InputError(f"{where}.Tag: cannot read {name[:80]!r}") from None
            if not isinstance(value, str):
                raise InputError(f"{where}.Tag: {name[:80]!r}: expected a quoted string")
            ours[m.group(1)] = value
    return ours


def _tlp_tag_label(name: str) -> str | None:
    return tlp_from_word(name) if name.strip().casefold().startswith("tlp:") else None


def _profile_like(value: str) -> bool:
    return (canon_profile_url(value) or "").startswith("linkedin.com/")


def alert_from_misp(data: bytes, source: str, *, notes: list[str] | None = None) -> Alert:
    """An :class:`Alert` from a MISP event (JSON); one-line :class:`InputError` if bad.

    What is skipped (unknown objects, attribute types with no lurewatch meaning) is
    described in ``notes`` when a list is passed.
    """
    raw = decode_json(data, source)
    if isinstance(raw, dict) and isinstance(raw.get("response"), list) and raw["response"]:
        raw = raw["response"][0]
    where = source + ": Event"
    if isinstance(raw, dict) and "Event" in raw:
        raw = raw["Event"]
    else:
        where = source + ": $"
    if not isinstance(raw, dict) or not ("info" in raw or "Attribute" in raw or "Object" in raw):
        raise InputError(
            f"{source}: not a MISP event (expected an object with 'info', 'Attribute' "
            "or 'Object', optionally inside {\"Event\": ...})"
        )
    return _EventImport(raw, where, source, notes if notes is not None else []).alert()


class _EventImport:
    def __init__(self, raw: dict[str, Any], where: str, source: str, notes: list[str]) -> None:
        self.raw = raw
        self.where = where
        self.source = source
        self.notes = notes
        self.objects = [
            _Obj(f"{where}.Object[{n}]", o) for n, o in enumerate(_items(raw, "Object", where))
        ]
        self.attributes = [
            _Attr(f"{where}.Attribute[{n}]", a, None)
            for n, a in enumerate(_items(raw, "Attribute", where))
        ]
        self.by_uuid: dict[str, _Obj] = {o.uuid: o for o in self.objects}
        self.tags = _tag_names(raw, where)
        self.used: set[str] = set()  # uuids of objects absorbed into a persona

    def alert(self) -> Alert:
        raw, where = self.raw, self.where
        ours = _our_tags(self.tags, where)
        tlp = strictest([t for n in self.tags if (t := _tlp_tag_label(n))])
        if tlp is None:
            self.notes.append(f"{where}: no TLP tag; treated as TLP:AMBER")
            tlp = "TLP:AMBER"
        org = raw.get("Orgc") or raw.get("Org") or {}
        source = _text(org, "name", f"{where}.Orgc") if isinstance(org, dict) else ""
        issued = None
        date = _text(raw, "date", where)
        if date:
            try:
                issued = dt.date.fromisoformat(date[:10])
            except ValueError:
                raise InputError(f"{where}.date: expected YYYY-MM-DD, got {date[:40]!r}") from None
        reports = _items(raw, "EventReport", where)
        description = "\n\n".join(
            c
            for n, r in enumerate(reports)
            if (c := _text(r, "content", f"{where}.EventReport[{n}]"))
        )
        personas, persona_of = self.personas()
        indicators = self.indicators(tlp, source, persona_of)
        info = _text(raw, "info", where)
        return Alert(
            id=ours.get("alert-id") or _text(raw, "uuid", where) or self.source,
            title=info if info.strip() else f"MISP event {self.source}",
            tlp=tlp,
            source=source,
            issued=issued,
            description=description,
            personas=tuple(personas),
            indicators=tuple(indicators),
        )

    def personas(self) -> tuple[list[Persona], dict[str, str]]:
        """The personas, and which persona each referenced object or attribute belongs to."""
        out: list[Persona] = []
        persona_of: dict[str, str] = {}
        for o in self.objects:
            if o.name not in _PERSONA_OBJECTS:
                continue
            pid = next((a.ours["persona-id"] for a in o.attrs if "persona-id" in a.ours), o.uuid)
            if o.name == "persnona":
                name = o.value("name")
                persona = Persona(id=pid, name=name, aliases=tuple(o.values("alias")))
            elif o.name == "person":
                name = o.value("full-name") or " ".join(
                    x for x in (o.value("first-name"), o.value("last-name")) if x
                )
                aliases = o.values("alias")
                name = name or (aliases[0] if aliases else "") or o.value("handle")
                persona = Persona(
                    id=pid,
                    name=name,
                    aliases=tuple(a for a in aliases if a != name),
                    title=o.value("occupation", "function", "title"),
                )
            else:  # impersonation
                account_url = o.value("account-url")
                persona = Persona(
                    id=pid,
                    name=o.value("account-name", "real-name"),
                    profile_url=account_url or None,
                    platform=(o.value("type-of-account") or "linkedin").casefold(),
                )
            if not persona.name.strip():
                self.notes.append(f"{o.where}: skipped: a {o.name} object without a name")
                continue
            self.used.add(o.uuid)
            company_aliases: list[str] = []
            for rel, target in o.refs:
                persona_of[target] = pid
                found = self.by_uuid.get(target)
                if found is None or found.indicator_attr() is not None:
                    continue
                if (
                    found.name == "user-account"
                    and rel in ("uses", "used-by", "owner-of")
                    and found.value("account-type").casefold() not in _MESSENGERS
                ):
                    self.used.add(found.uuid)
                    link = found.value("link")
                    user_id = found.value("user-id")
                    persona = msgspec.structs.replace(
                        persona,
                        profile_url=persona.profile_url
                        or link
                        or (user_id if _profile_like(user_id) else None),
                        platform=found.value("account-type") or persona.platform,
                        title=persona.title or found.value("description"),
                    )
                elif found.name == "legal-entity" and rel == "works-for" and not persona.company:
                    self.used.add(found.uuid)
                    persona = msgspec.structs.replace(persona, company=found.value("name"))
                    for rel2, target2 in found.refs:
                        alias = self.by_uuid.get(target2)
                        if rel2 == "known-as" and alias and alias.name == "legal-entity":
                            self.used.add(alias.uuid)
                            company_aliases.append(alias.value("name"))
                elif found.name == "legal-entity" and rel == "associated-with":
                    self.used.add(found.uuid)
                    company_aliases.append(found.value("name"))
            if company_aliases:
                persona = msgspec.structs.replace(persona, company_aliases=tuple(company_aliases))
            out.append(persona)
        # Other tools' stand-alone LinkedIn accounts are personas of their own.
        for o in self.objects:
            if o.name != "user-account" or o.uuid in self.used or o.indicator_attr():
                continue
            account_type = o.value("account-type").casefold()
            link = o.value("link")
            if account_type in _MESSENGERS or not (
                account_type == "linkedin" or _profile_like(link)
            ):
                continue
            name = o.value("display-name", "username", "user-id")
            if name:
                self.used.add(o.uuid)
                persona_of[o.uuid] = o.uuid
                out.append(
                    Persona(
                        id=o.uuid,
                        name=name,
                        profile_url=link or None,
                        platform=account_type or "linkedin",
                        title=o.value("description"),
                    )
                )
        return out, persona_of

    def indicators(self, tlp: str, source: str, persona_of: dict[str, str]) -> list[Indicator]:
        out: list[Indicator] = []
        skipped: dict[str, int] = {}  # attribute type -> how many
        for a in self.attributes:
            ind = self.indicator(a, a.uuid, tlp, source, persona_of)
            if ind is None:
                skipped[a.type] = skipped.get(a.type, 0) + 1
            else:
                out.append(ind)
        for o in self.objects:
            if o.uuid in self.used or o.name in _PERSONA_OBJECTS:
                continue
            if o.name not in _KNOWN_OBJECTS:
                self.notes.append(f"{o.where}: skipped: lurewatch does not read {o.name!r} objects")
                continue
            carrier = o.indicator_attr() or next(
                (a for a in o.attrs if a.relation in ("name", "username", "user-id")), None
            )
            if carrier is None:
                self.notes.append(f"{o.where}: skipped: a {o.name} object without a name")
                continue
            ind = self.indicator(carrier, o.uuid, tlp, source, persona_of)
            if ind is not None:
                out.append(ind)
        for kind, count in sorted(skipped.items()):
            self.notes.append(f"{self.where}: skipped {count} attribute(s) of type {kind!r}")
        return out

    def indicator(
        self, a: _Attr, ref: str, tlp: str, source: str, persona_of: dict[str, str]
    ) -> Indicator | None:
        kind = a.ours.get("indicator-type") or self.infer(a)
        if kind is None:
            return None
        if kind not in _TYPES:
            raise InputError(f"{a.where}.Tag: unknown lurewatch:indicator-type {kind!r}")
        tagged = "indicator-type" in a.ours
        confidence = 50
        if "confidence" in a.ours:
            text = a.ours["confidence"]
            if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 100:
                raise InputError(f"{a.where}.Tag: lurewatch:confidence must be 0 to 100")
            confidence = int(text)
        return Indicator(
            type=kind,  # type: ignore[arg-type]
            value=a.value,
            persona=a.ours.get("persona") or (None if tagged else persona_of.get(ref)),
            tlp=a.tlp or tlp,
            source=a.ours.get("source", "") if tagged else source,
            confidence=confidence,
            first_seen=a.day("first_seen"),
            last_seen=a.day("last_seen"),
            comment=a.comment,
        )

    @staticmethod
    def infer(a: _Attr) -> str | None:
        """The indicator type of an attribute from another tool, or None to skip it."""
        obj = a.obj
        if obj is not None and obj.name == "legal-entity":
            return "organization"
        if obj is not None and obj.name == "user-account":
            account_type = obj.value("account-type").casefold()
            return account_type if account_type in _MESSENGERS else "handle"
        if a.type in _FROM_MISP_TYPE:
            return _FROM_MISP_TYPE[a.type]
        if a.type in ("url", "link", "uri"):
            return "profile-url" if _profile_like(a.value) else "website"
        if a.type == "text":
            words = a.comment.casefold()
            for messenger in _MESSENGERS:
                if messenger in words:
                    return messenger
            if "phash" in words or "perceptual" in words:
                return "photo-phash"
            if "template" in words or "message" in words:
                return "message-template"
            if "handle" in words or "username" in words:
                return "handle"
        return None
