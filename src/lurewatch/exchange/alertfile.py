"""lurewatch's own alert format (JSON or YAML) and indicator CSV.

The alert format, at least::

    {"title": "...", "tlp": "TLP:AMBER",
     "personas": [{"name": "...", "company": "...", "profile_url": "...",
                   "platform": "linkedin", "aliases": ["..."]}],
     "indicators": [{"type": "wechat", "value": "...", "persona": "..."}]}

Optional: ``id``, ``source``, ``issued`` (YYYY-MM-DD), ``description``; per
persona ``id``, ``company_aliases``, ``title``; per indicator ``persona`` (a
persona's id or name), ``tlp``, ``source``, ``confidence`` (0-100),
``first_seen``, ``last_seen``, ``comment``.

CSV: one indicator per row with the columns ``type,value`` and optionally
``persona,tlp,source,confidence,first_seen,last_seen,comment``. Rows whose
``persona`` column agrees are one persona: its ``persona-name`` rows give its
name and aliases, ``organization`` its company, ``profile-url`` its address.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from typing import Any

import msgspec
import yaml

from lurewatch.ingest.errors import InputError
from lurewatch.model import INDICATOR_TYPES, TLP_LABELS, Alert, Indicator, Persona

_TLP_ALIASES = {"TLP:WHITE": "TLP:CLEAR", "WHITE": "TLP:CLEAR"}


class _PersonaIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    company: str = ""
    profile_url: str | None = None
    platform: str = "linkedin"
    aliases: list[str] = []
    company_aliases: list[str] = []
    id: str | None = None
    title: str = ""


class _IndicatorIn(msgspec.Struct, forbid_unknown_fields=True):
    type: str
    value: str
    persona: str | None = None
    tlp: str | None = None
    source: str | None = None
    confidence: int = 50
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None
    comment: str = ""


class _AlertIn(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    tlp: str = "TLP:AMBER"
    personas: list[_PersonaIn] = []
    indicators: list[_IndicatorIn] = []
    id: str | None = None
    source: str = ""
    issued: dt.date | None = None
    description: str = ""


def tlp_label(value: str, where: str) -> str:
    """A TLP 2.0 label from what people write ("amber", "tlp:amber+strict", "TLP:WHITE")."""
    v = value.strip().upper().replace(" ", "")
    if not v.startswith("TLP:"):
        v = "TLP:" + v
    v = _TLP_ALIASES.get(v, v)
    if v not in TLP_LABELS:
        raise InputError(
            f"{where}: unknown TLP label {value!r}; expected one of {', '.join(TLP_LABELS)}"
        )
    return v


def _slug(text: str) -> str:
    s = re.sub(r"[^\w]+", "-", text.casefold()).strip("-")
    return s[:60] or "persona"


def _stable_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def build_alert(raw: _AlertIn, source: str) -> Alert:
    tlp = tlp_label(raw.tlp, f"{source}: $.tlp")
    personas: list[Persona] = []
    ids: dict[str, str] = {}
    for i, p in enumerate(raw.personas):
        if not p.name.strip():
            raise InputError(f"{source}: $.personas[{i}].name: must not be empty")
        pid = p.id or _slug(p.name)
        if pid in ids.values():
            pid = f"{pid}-{i}"
        ids[p.name.casefold()] = pid
        ids[pid.casefold()] = pid
        personas.append(
            Persona(
                id=pid,
                name=p.name.strip(),
                aliases=tuple(a.strip() for a in p.aliases if a.strip()),
                company=p.company.strip(),
                company_aliases=tuple(a.strip() for a in p.company_aliases if a.strip()),
                profile_url=(p.profile_url or "").strip() or None,
                platform=p.platform.strip().casefold() or "linkedin",
                title=p.title,
            )
        )
    indicators: list[Indicator] = []
    for i, ind in enumerate(raw.indicators):
        where = f"{source}: $.indicators[{i}]"
        kind = ind.type.strip().casefold()
        if kind not in INDICATOR_TYPES:
            raise InputError(
                f"{where}.type: unknown indicator type {ind.type!r}; expected one of "
                f"{', '.join(INDICATOR_TYPES)}"
            )
        if not ind.value.strip():
            raise InputError(f"{where}.value: must not be empty")
        if not 0 <= ind.confidence <= 100:
            raise InputError(f"{where}.confidence: expected 0 to 100")
        persona = None
        if ind.persona:
            persona = ids.get(ind.persona.casefold())
            if persona is None:
                raise InputError(f"{where}.persona: no persona named or with id {ind.persona!r}")
        indicators.append(
            Indicator(
                type=kind,  # type: ignore[arg-type]
                value=ind.value.strip(),
                persona=persona,
                tlp=tlp_label(ind.tlp, f"{where}.tlp") if ind.tlp else tlp,
                source=ind.source or raw.source,
                confidence=ind.confidence,
                first_seen=ind.first_seen,
                last_seen=ind.last_seen,
                comment=ind.comment,
            )
        )
    alert_id = raw.id or _stable_id(raw.title, *(p.name for p in personas))
    return Alert(
        id=alert_id,
        title=raw.title.strip() or "Untitled alert",
        tlp=tlp,
        source=raw.source,
        issued=raw.issued,
        description=raw.description,
        personas=tuple(personas),
        indicators=tuple(indicators),
    )


def _convert(data: Any, source: str) -> Alert:
    if not isinstance(data, dict):
        raise InputError(f"{source}: an alert must be an object with 'title' and 'personas'")
    try:
        raw = msgspec.convert(data, _AlertIn, strict=False)
    except msgspec.ValidationError as exc:
        raise InputError(f"{source}: {exc}") from None
    return build_alert(raw, source)


def alert_from_json(data: bytes, source: str) -> Alert:
    try:
        parsed = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise InputError(f"{source}: not valid JSON ({exc})") from None
    return _convert(parsed, source)


def alert_from_yaml(data: bytes, source: str) -> Alert:
    try:
        parsed = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise InputError(
            f"{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}"
        ) from None
    return _convert(parsed, source)


def alert_from_csv(data: bytes, source: str, title: str | None = None) -> Alert:
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().casefold() for f in reader.fieldnames or []]
    if "type" not in fields or "value" not in fields:
        raise InputError(f"{source}: expected a header row with at least the columns type,value")
    groups: dict[str, dict[str, Any]] = {}
    indicators: list[dict[str, Any]] = []
    for n, row in enumerate(reader, start=2):
        r = {(k or "").strip().casefold(): (v or "").strip() for k, v in row.items() if k}
        kind, value, persona = (
            r.get("type", "").casefold(),
            r.get("value", ""),
            r.get("persona", ""),
        )
        if not kind and not value:
            continue
        if persona and kind in ("persona-name", "organization", "profile-url"):
            g = groups.setdefault(
                persona,
                {
                    "id": _slug(persona),
                    "name": "",
                    "aliases": [],
                    "company": "",
                    "profile_url": None,
                },
            )
            if kind == "persona-name":
                if g["name"]:
                    g["aliases"].append(value)
                else:
                    g["name"] = value
            elif kind == "organization" and not g["company"]:
                g["company"] = value
            elif kind == "profile-url" and not g["profile_url"]:
                g["profile_url"] = value
            else:
                indicators.append({"type": kind, "value": value, "persona": _slug(persona)})
            continue
        ind: dict[str, Any] = {"type": kind, "value": value}
        if persona:
            groups.setdefault(
                persona,
                {
                    "id": _slug(persona),
                    "name": persona,
                    "aliases": [],
                    "company": "",
                    "profile_url": None,
                },
            )
            ind["persona"] = _slug(persona)
        for key in ("tlp", "source", "comment", "first_seen", "last_seen"):
            if r.get(key):
                ind[key] = r[key]
        if r.get("confidence"):
            try:
                ind["confidence"] = int(r["confidence"])
            except ValueError:
                raise InputError(f"{source}:{n}: confidence must be a whole number") from None
        indicators.append(ind)
    for key, g in groups.items():
        if not g["name"]:
            g["name"] = key
    data_obj = {
        "title": title or source.rsplit("/", 1)[-1],
        "personas": list(groups.values()),
        "indicators": indicators,
    }
    return _convert(data_obj, source)


def alert_to_json(alert: Alert) -> bytes:
    """lurewatch's own format, which :func:`alert_from_json` reads back."""
    data: dict[str, Any] = msgspec.to_builtins(alert)
    return msgspec.json.format(msgspec.json.encode(data), indent=2)
