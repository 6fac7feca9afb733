"""A persona's identifiers, normalised on this machine and then keyed.

Normalisation is the project's own, so the same persona written differently
gives the same hash: profile addresses by
:func:`lurewatch.identity.canon_profile_url` (country sub-domains, ``www``,
trailing slashes and queries dropped), names by the campaign linker's name key
(case, accents, word order and romanisation variants folded), organisations by
its organisation core (legal suffixes and trade words dropped), and phones,
e-mail addresses and handles by :mod:`lurewatch.matching.identifiers`. Only the
hashes leave this module's callers; the plain values never go into a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

import msgspec

from lurewatch.campaigns.keys import identifiers_in, name_key, org_core, profile_key
from lurewatch.matching import identifiers

from .keys import InstitutionKey

Hash = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
KeyId = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{16}$")]
MAX_HANDLES = 64  # per persona: bounds a file whatever a counterparty writes
_MIN_PHONE_DIGITS = 8  # as the campaign linker: shorter numbers collide too often
_LABELLED = re.compile(
    r"^(?:wechat|weixin|whatsapp|telegram|signal|skype|viber|line|handle|phone|tel|e-?mail)"
    r"\s*[:=]\s*(?P<value>.+)$",
    re.IGNORECASE,
)
_PHONE_LIKE = re.compile(r"[+\d(][\d\s().\-]{5,}\d")


class PersonaIds(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The keyed hashes of one persona: what a fan-out contact or a lookup carries."""

    url: Hash | None = None
    name_company: Hash | None = None
    handles: tuple[Hash, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.url or self.name_company or self.handles)

    def hashes(self) -> list[tuple[str, str]]:
        """``(field, hash)`` for every hash, in field order."""
        out = [("url", self.url), ("name_company", self.name_company)]
        found = [(k, h) for k, h in out if h]
        return found + [("handle", h) for h in self.handles]


def norm_url(url: str | None) -> str | None:
    """The canonical profile address; None for a bare host or nothing usable."""
    return (profile_key(url) or None) if url else None


def norm_name_company(name: str | None, company: str | None) -> str | None:
    """Name key and organisation core together; None unless both are usable.

    A name alone is never hashed: many people share one.
    """
    nk = name_key(name) if name else ""
    core = org_core(company) if company else ""
    return nk + "\0" + core if nk and core else None


def norm_phone(value: str) -> str | None:
    p = identifiers.phone(value)
    return p if p and len(p.lstrip("+")) >= _MIN_PHONE_DIGITS else None


def classify_handle(value: str) -> tuple[str, str] | None:
    """``(kind, normalised)`` for a handle, phone number or e-mail address someone typed.

    ``WeChat: amy_br88``, ``@amy_br88``, ``+852 5555 0101`` and ``a@b.org`` are
    all understood; None when the value is none of them.
    """
    v = value.strip()
    labelled = _LABELLED.match(v)
    if labelled:
        v = labelled.group("value").strip()
    e = identifiers.email(v)
    if e:
        return ("email", e)
    if _PHONE_LIKE.fullmatch(v):
        p = norm_phone(v)
        return ("phone", p) if p else None
    h = identifiers.handle(v)
    return ("handle", h) if h else None


def identifiers_written(text: str) -> set[tuple[str, str]]:
    """Handles, phones and e-mail addresses a counterparty wrote (domains are left out)."""
    found = identifiers_in(text)
    return {(kind, v) for kind in ("handle", "phone", "email") for v in found[kind]}


def hash_handles(key: InstitutionKey, values: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """Sorted keyed hashes of ``(kind, normalised)`` pairs, at most :data:`MAX_HANDLES`."""
    return tuple(sorted({key.hash(kind, v) for kind, v in values})[:MAX_HANDLES])


def persona_ids(
    key: InstitutionKey,
    *,
    profile_url: str | None = None,
    name: str | None = None,
    company: str | None = None,
    handles: Iterable[tuple[str, str]] = (),
) -> PersonaIds:
    """Keyed hashes of one persona; ``handles`` are already normalised ``(kind, value)``."""
    url = norm_url(profile_url)
    nc = norm_name_company(name, company)
    return PersonaIds(
        url=key.hash("url", url) if url else None,
        name_company=key.hash("name-company", nc) if nc else None,
        handles=hash_handles(key, handles),
    )
