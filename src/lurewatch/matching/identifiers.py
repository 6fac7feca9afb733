"""Normalise identifiers (phones, e-mails, handles, addresses) and find them in text.

Values from alerts and from messages meet here in one canonical form, so a
WhatsApp number written ``+852 5555 0101`` in an alert matches
``00852-5555-0101`` in a message, and ``@Amy_BR88`` matches ``amy_br88``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lurewatch.identity import canon_profile_url

MESSENGERS = ("wechat", "whatsapp", "telegram", "signal", "handle")
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]{3,300}|\b[\w.-]{0,60}linkedin\.com/in/[^\s<>\"')\]]{1,200}",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"(?:\+|\b00)?\d[\d\s().\-]{6,20}\d")
# Handle-like words: letters, digits and _ . - (a WeChat ID, a Telegram @name).
_HANDLE = re.compile(r"@?[A-Za-z][\w.\-]{2,40}")
_HANDLE_VALUE = re.compile(r"[\w.\-+]+")
_DOMAIN_VALUE = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63})+")
_NOT_DIGIT = re.compile(r"\D")


@lru_cache(maxsize=65_536)
def phone(value: str) -> str | None:
    """Digits of an international number, ``+`` first (``00`` read as ``+``); None if too short."""
    v = value.strip()
    digits = _NOT_DIGIT.sub("", v)
    if v.startswith("00"):
        digits = digits[2:]
    elif not v.startswith("+"):
        # A national number: keep its digits; it can still match the same national form.
        return digits if len(digits) >= 7 else None
    if not 7 <= len(digits) <= 15:
        return None
    try:
        import phonenumbers

        parsed = phonenumbers.parse("+" + digits, None)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except Exception:
        return "+" + digits


def email(value: str) -> str | None:
    v = value.strip().strip("<>").casefold()
    return v if _EMAIL.fullmatch(v) else None


def domain(value: str) -> str | None:
    v = value.strip().casefold()
    if "://" in v or "/" in v:
        canon = canon_profile_url(v)
        v = canon.split("/", 1)[0] if canon else ""
    v = v.removeprefix("www.").strip(".")
    return v if _DOMAIN_VALUE.fullmatch(v) else None


def handle(value: str) -> str | None:
    v = value.strip().lstrip("@").casefold()
    return v if 3 <= len(v) <= 64 and _HANDLE_VALUE.fullmatch(v) else None


def website(value: str) -> str | None:
    canon = canon_profile_url(value)
    return canon


def normalise(kind: str, value: str) -> str | None:
    """The canonical form of an indicator value of ``kind`` (None if unusable)."""
    if kind == "profile-url":
        return canon_profile_url(value)
    if kind == "email":
        return email(value)
    if kind == "domain":
        return domain(value)
    if kind == "website":
        return website(value)
    if kind == "phone":
        return phone(value)
    if kind in MESSENGERS:
        return handle(value)
    return None


# What found_in_text can look for; domains come with e-mail addresses and URLs.
TEXT_KINDS = frozenset({"email", "url", "phone", "handle"})


def found_in_text(text: str, kinds: frozenset[str] = TEXT_KINDS) -> dict[str, set[str]]:
    """Identifiers written in a message: e-mails, domains, phones, addresses, handles.

    Only the ``kinds`` asked for are looked for (a hunt for a persona's address
    need not list every handle-like word of every message).
    """
    out: dict[str, set[str]] = {
        "email": set(),
        "domain": set(),
        "phone": set(),
        "url": set(),
        "handle": set(),
    }
    if "email" in kinds and "@" in text:
        for m in _EMAIL.finditer(text):
            e = email(m.group())
            if e:
                out["email"].add(e)
                out["domain"].add(e.split("@", 1)[1])
    if "url" in kinds and ("://" in text or "www." in text or "linkedin.com" in text):
        for m in _URL.finditer(text):
            u = canon_profile_url(m.group().rstrip(".,;:!?"))
            if u:
                out["url"].add(u)
                out["domain"].add(u.split("/", 1)[0])
    for m in _DIGITS.finditer(text) if "phone" in kinds else ():
        p = phone(m.group())
        if p:
            out["phone"].add(p)
    for m in _HANDLE.finditer(text) if "handle" in kinds else ():
        h = handle(m.group().rstrip(".-"))  # a handle that ends a sentence loses its full stop
        if h:
            out["handle"].add(h)
    return out
