"""Anonymous lookup: "is this persona known?" asked with keyed hashes only.

The member of staff computes :func:`lookup_request` on their own machine and
sends only its JSON; it names no one and carries no text. The office hashes
what it knows (:func:`known_from_alerts` for its alerts' personas and
indicators) under the same key and answers with :func:`match_lookup`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Generic, Literal, TypeVar

import msgspec

from lurewatch.ingest.errors import InputError
from lurewatch.model import Alert

from .ids import (
    KeyId,
    PersonaIds,
    classify_handle,
    norm_name_company,
    norm_phone,
    norm_url,
    persona_ids,
)
from .keys import InstitutionKey

LOOKUP_FORMAT: Final = "lurewatch-lookup/1"
MAX_NAME_COMBINATIONS = 400  # names x organisations of one alert persona
_MESSENGER_TYPES = ("wechat", "whatsapp", "telegram", "signal", "handle")


class LookupRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The request body of the office's lookup endpoint: a key id and hashes, nothing else."""

    format: Literal["lurewatch-lookup/1"]
    key_id: KeyId
    ids: PersonaIds


def lookup_request(
    key: InstitutionKey,
    *,
    profile_url: str | None = None,
    name: str | None = None,
    company: str | None = None,
    handles: Iterable[str] = (),
) -> LookupRequest:
    """Hash a persona as the member of staff knows it.

    ``handles`` are as typed: a messenger handle, a phone number or an e-mail
    address (``classify_handle``). Raises ``ValueError`` naming a value that is
    unusable, or when nothing can be hashed.
    """
    written = []
    for h in handles:
        found = classify_handle(h)
        if found is None:
            raise ValueError(f"not a handle, phone number or e-mail address: {h!r}")
        written.append(found)
    if profile_url and norm_url(profile_url) is None:
        raise ValueError(f"not a profile address: {profile_url!r}")
    if (name or company) and norm_name_company(name, company) is None:
        raise ValueError(
            "a name is hashed only with an organisation (a name alone matches too many "
            "people): give both --name (two or more words) and --company"
        )
    ids = persona_ids(key, profile_url=profile_url, name=name, company=company, handles=written)
    if not ids:
        raise ValueError(
            "nothing to look up: give a profile address, a name and company, or a handle"
        )
    return LookupRequest(format=LOOKUP_FORMAT, key_id=key.key_id, ids=ids)


def decode_lookup(data: bytes, *, key_id: str) -> LookupRequest:
    """Parse a request body; refuse another format or a request made with another key."""
    try:
        req = msgspec.json.decode(data, type=LookupRequest)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InputError(f"lookup request: not a {LOOKUP_FORMAT} body: {exc}") from exc
    if req.key_id != key_id:
        raise InputError(
            f"lookup request: made with key {req.key_id}, not the current key {key_id}"
        )
    return req


W = TypeVar("W")


@dataclass(frozen=True, slots=True)
class LookupMatch(Generic[W]):
    """One field of the request that matched, and what the office knows under it."""

    field: str  # "url", "name_company" or "handle"
    what: W


def match_lookup(request_hashes: PersonaIds, known: Mapping[str, W]) -> list[LookupMatch[W]]:
    """Which of the request's hashes the office knows, strongest field first."""
    return [LookupMatch(fld, known[h]) for fld, h in request_hashes.hashes() if h in known]


@dataclass(frozen=True, slots=True)
class AlertRef:
    """Where a known hash comes from: an alert, its persona (if any), the kind of value."""

    alert: str
    persona: str | None
    kind: str  # "url", "name-company" or "handle" (a handle, phone number or e-mail address)


class AlertHashes(msgspec.Struct, frozen=True, kw_only=True):
    """Every keyed hash of one alert persona (or of an alert's loose indicators)."""

    urls: tuple[str, ...] = ()
    name_companies: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


def _indicator_handles(kind: str, value: str) -> list[tuple[str, str]]:
    if kind == "email":
        found = classify_handle(value)
        return [found] if found and found[0] == "email" else []
    if kind == "phone":
        p = norm_phone(value)
        return [("phone", p)] if p else []
    if kind in _MESSENGER_TYPES:
        found = classify_handle(value)  # a WhatsApp or Signal "handle" is often a number
        return [found] if found else []
    return []


def alert_hashes(key: InstitutionKey, alert: Alert) -> dict[str | None, AlertHashes]:
    """Keyed hashes of each persona of ``alert`` (by persona id; None: indicators of no persona).

    A persona's names are its name, aliases and ``persona-name`` indicators;
    its organisations its company, company aliases and ``organization``
    indicators: every name is hashed with every organisation, so an alert that
    lists "BR-YR" and "BP-YR" meets a lookup written either way.
    """
    names: dict[str | None, list[str]] = {}
    orgs: dict[str | None, list[str]] = {}
    urls: dict[str | None, set[str]] = {}
    handles: dict[str | None, set[tuple[str, str]]] = {}
    for p in alert.personas:
        names[p.id] = [p.name, *p.aliases]
        orgs[p.id] = [o for o in (p.company, *p.company_aliases) if o]
        urls[p.id] = {u} if (u := norm_url(p.profile_url)) else set()
        handles[p.id] = set()
    for ind in alert.indicators:
        pid = ind.persona if ind.persona in names else None
        if ind.type == "profile-url":
            u = norm_url(ind.value)
            if u:
                urls.setdefault(pid, set()).add(u)
        elif ind.type == "persona-name" and pid is not None:
            names[pid].append(ind.value)
        elif ind.type == "organization" and pid is not None:
            orgs[pid].append(ind.value)
        else:
            handles.setdefault(pid, set()).update(_indicator_handles(ind.type, ind.value))
    out: dict[str | None, AlertHashes] = {}
    for pid in dict.fromkeys([*names, *urls, *handles]):
        pairs = itertools.islice(
            itertools.product(names.get(pid, ()), orgs.get(pid, ())), MAX_NAME_COMBINATIONS
        )
        ncs = {nc for n, o in pairs if (nc := norm_name_company(n, o))}
        entry = AlertHashes(
            urls=tuple(sorted(key.hash("url", u) for u in urls.get(pid, ()))),
            name_companies=tuple(sorted(key.hash("name-company", nc) for nc in ncs)),
            handles=tuple(sorted(key.hash(k, v) for k, v in handles.get(pid, ()))),
        )
        if entry.urls or entry.name_companies or entry.handles:
            out[pid] = entry
    return out


def known_from_alerts(
    key: InstitutionKey, alerts: Iterable[Alert]
) -> dict[str, tuple[AlertRef, ...]]:
    """hash -> where it comes from, over many alerts: the ``known`` of :func:`match_lookup`."""
    known: dict[str, list[AlertRef]] = {}
    for alert in alerts:
        for pid, hashes in alert_hashes(key, alert).items():
            for kind, values in (
                ("url", hashes.urls),
                ("name-company", hashes.name_companies),
                ("handle", hashes.handles),
            ):
                for h in values:
                    known.setdefault(h, []).append(AlertRef(alert.id, pid, kind))
    return {h: tuple(refs) for h, refs in known.items()}
