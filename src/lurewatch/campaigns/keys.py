"""The map step: what one record can be linked on, computed from that record alone.

Everything is normalised with the project's own code: profile addresses by
:func:`lurewatch.identity.canon_profile_url`, names by
:func:`lurewatch.matching.names.key` (romanisation variants and word order
fold together), organisations by :func:`lurewatch.matching.orgs.core` (legal
suffixes and trade words dropped), identifiers by
:mod:`lurewatch.matching.identifiers`, text by :mod:`lurewatch.textnorm`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lurewatch.detectors.email_headers import is_free_mail, organisation_domain
from lurewatch.identity import canon_profile_url
from lurewatch.matching import identifiers, names, orgs
from lurewatch.matching.identifiers import _DIGITS, _EMAIL, _URL

from .model import ApproachRecord

# Employers that say nothing about who someone works for.
NON_EMPLOYERS = frozenset(
    (
        "selfemployed selfemploy freelance freelancer freelancing independent retired student "
        "unemployed confidential stealth stealthstartup private various none na nil unknown "
        "opentowork lookingforopportunities openforwork own ownbusiness myself personal home"
    ).split()
)
# Domains of platforms and services everyone links to: sharing one is no link.
PLATFORM_DOMAINS = frozenset(
    (
        "linkedin.com lnkd.in wechat.com weixin.qq.com whatsapp.com wa.me t.me telegram.me "
        "telegram.org signal.org signal.me zoom.us teams.microsoft.com microsoft.com "
        "calendly.com google.com docs.google.com drive.google.com forms.gle dropbox.com "
        "bit.ly tinyurl.com youtube.com twitter.com x.com facebook.com instagram.com "
        "skype.com line.me viber.com"
    ).split()
)
_MESSENGER = re.compile(
    r"\b(?:wechat|weixin|whatsapp|telegram|signal|skype|viber|kakaotalk)\b"
    r"(?P<mid>(?:\s*[:=]|\s+(?:my|me|id|is|handle|username|user|name|account|number|no\.?|at|on|via))*)"
    r"\s*(?P<handle>@?[A-Za-z][\w.\-]{2,40})",
    re.IGNORECASE,
)
_DIGIT_PAIR = re.compile(r"\d")
_MESSENGER_WORDS = ("wechat", "weixin", "whatsapp", "telegram", "signal", "skype", "viber", "kakao")
_AT_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z][\w.]{2,40})")


def identifiers_in(text: str) -> dict[str, set[str]]:
    """Handles, phones, e-mail addresses and domains written in a message.

    A handle counts only where the text presents one: after a messenger's name
    with ``:``, ``ID`` or similar ("WeChat: amy_br88", "my WeChat ID is amybr"),
    or as a Telegram-style ``@name``. Free-mail and platform domains are left out.
    """
    out: dict[str, set[str]] = {"handle": set(), "phone": set(), "email": set(), "domain": set()}
    if "@" in text:
        for m in _EMAIL.finditer(text):
            e = identifiers.email(m.group())
            if e:
                out["email"].add(e)
                _add_domain(out["domain"], e.split("@", 1)[1])
        for m in _AT_HANDLE.finditer(text):
            h = identifiers.handle(m.group(1).rstrip("."))
            if h:
                out["handle"].add(h)
    if "://" in text or "www." in text or "WWW." in text:
        for m in _URL.finditer(text):
            u = canon_profile_url(m.group().rstrip(".,;:!?"))
            if u:
                _add_domain(out["domain"], u.split("/", 1)[0])
    if _DIGIT_PAIR.search(text):
        for m in _DIGITS.finditer(text):
            p = identifiers.phone(m.group())
            if p and len(p.lstrip("+")) >= 8:
                out["phone"].add(p)
    lowered = text.lower()
    if any(w in lowered for w in _MESSENGER_WORDS):
        for m in _MESSENGER.finditer(text):
            raw = m.group("handle").rstrip(".-")
            mid = m.group("mid").lower()
            explicit = any(w in mid for w in (":", "=", "id", "handle", "user", "account"))
            if not explicit and not re.search(r"[\d_.]", raw):
                continue  # "on WeChat or by mail": a word, not a handle
            if raw[:1] != "@" and raw.replace("+", "").isdigit():
                continue
            h = identifiers.handle(raw)
            if h and h not in _NOT_HANDLES:
                out["handle"].add(h)
    return out


_NOT_HANDLES = frozenset(
    "the and you your our for with this that please contact add send message chat call me "
    "number account details app".split()
)


def _add_domain(into: set[str], value: str) -> None:
    d = identifiers.domain(value)
    if not d:
        return
    d = organisation_domain(d)
    if is_free_mail(d) or d in PLATFORM_DOMAINS:
        return
    into.add(d)


@lru_cache(maxsize=262_144)
def name_key(name: str) -> str:
    """Canonical name words, sorted ("" for a single word or none: too weak to link)."""
    k = names.key(name)
    return " ".join(k) if len(k) >= 2 else ""


@lru_cache(maxsize=262_144)
def org_core(company: str) -> str:
    """The organisation's distinctive core ("" when it names no employer)."""
    c = orgs.core(company)
    return "" if len(c) < 3 or c in NON_EMPLOYERS else c


@lru_cache(maxsize=262_144)
def org_variants(core: str) -> tuple[str, ...]:
    """Every one-letter deletion of a core: two cores one keystroke apart share one."""
    if len(core) < 4:
        return ()
    return tuple(sorted({core[:i] + core[i + 1 :] for i in range(len(core))}))


@lru_cache(maxsize=262_144)
def profile_key(url: str) -> str:
    """The canonical profile address, when it names a profile (not a bare host)."""
    c = canon_profile_url(url) if url else None
    return c if c and "/" in c else ""


def parse_photo_hash(value: int | str | None) -> int | None:
    """A 64-bit perceptual hash from an int or hex string; None when absent or unusable."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if 0 <= value < 1 << 64 else None
    try:
        v = int(value.strip().removeprefix("0x"), 16)
    except ValueError:
        return None
    return v if 0 <= v < 1 << 64 else None


@dataclass(frozen=True, slots=True)
class RecordKeys:
    """What one record contributes to the grouping step."""

    persona: str  # who sent it, as far as the record says: profile, else name, else the record
    url: str
    name: str
    org: str
    company: str
    exact: tuple[tuple[str, str], ...]  # (kind, value) for handle, phone, email, domain
    photo: int | None


_NONE: dict[str, set[str]] = {"handle": set(), "phone": set(), "email": set(), "domain": set()}


def record_keys(r: ApproachRecord, *, extract: bool = True) -> RecordKeys:
    """The blocking keys of one record (pure: the map step)."""
    url = profile_key(r.profile_url) if r.profile_url else ""
    nk = name_key(r.name) if r.name else ""
    core = org_core(r.company) if r.company else ""
    found = identifiers_in(r.text) if extract and r.text else _NONE
    if r.handles or r.phones or r.emails or r.domains:
        found = {k: set(v) for k, v in found.items()}
        found["handle"].update(v for v in map(identifiers.handle, r.handles) if v)
        found["phone"].update(v for v in map(identifiers.phone, r.phones) if v)
        for e in r.emails:
            v = identifiers.email(e)
            if v:
                found["email"].add(v)
                _add_domain(found["domain"], v.split("@", 1)[1])
        for d in r.domains:
            _add_domain(found["domain"], d)
    exact: tuple[tuple[str, str], ...] = ()
    if any(found.values()):
        exact = tuple(
            (kind, v)
            for kind in ("handle", "phone", "email", "domain")
            for v in sorted(found[kind])
        )
    persona = "url:" + url if url else ("name:" + nk + "|" + core if nk else "id:" + r.id)
    return RecordKeys(persona, url, nk, core, r.company, exact, parse_photo_hash(r.photo_hash))
