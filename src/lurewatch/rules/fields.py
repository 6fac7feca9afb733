"""The fields a rule may read, and how each is read from an approach.

A profile's name and location are deliberately absent: the language,
nationality or ethnicity of a name is never a signal, and the loader refuses
any rule that asks for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lurewatch.model import Approach, Message, Profile

# Text read from each message of the approach (evaluated per message).
MESSAGE_TEXT_FIELDS: dict[str, Callable[[Message], str]] = {
    "text": lambda m: m.text,
    "subject": lambda m: m.subject,
    "attachments": lambda m: "\n".join(m.attachments),
}


def _experience_text(p: Profile) -> str:
    parts: list[str] = []
    for pos in p.experience or ():
        parts.extend((pos.title, pos.company, pos.description))
    return "\n".join(x for x in parts if x)


# Text read once from the profile.
PROFILE_TEXT_FIELDS: dict[str, Callable[[Profile], str]] = {
    "profile.headline": lambda p: p.headline,
    "profile.company": lambda p: p.company,
    "profile.about": lambda p: p.about,
    "profile.experience": _experience_text,
    "profile.websites": lambda p: "\n".join(p.websites or ()),
}

Value = int | bool | None


def _age_days(p: Profile, today: dt.date) -> Value:
    return None if p.joined is None else (today - p.joined).days


def _count(items: list[object] | None) -> Value:
    return None if items is None else len(items)


# Values read once from the profile; ``None`` means not known, and a comparison
# with an unknown value is false.
PROFILE_VALUE_FIELDS: dict[str, Callable[[Profile, dt.date], Value]] = {
    "profile.connections": lambda p, _t: p.connections,
    "profile.followers": lambda p, _t: p.followers,
    "profile.posts": lambda p, _t: p.posts,
    "profile.verified": lambda p, _t: p.verified,
    "profile.company_has_page": lambda p, _t: p.company_has_page,
    "profile.account_age_days": _age_days,
    "profile.positions": lambda p, _t: _count(p.experience),  # type: ignore[arg-type]
    "profile.education_entries": lambda p, _t: _count(p.education),  # type: ignore[arg-type]
}

TEXT_FIELDS = frozenset(MESSAGE_TEXT_FIELDS) | frozenset(PROFILE_TEXT_FIELDS)
VALUE_FIELDS = frozenset(PROFILE_VALUE_FIELDS)
ALL_FIELDS = TEXT_FIELDS | VALUE_FIELDS

# Fields that exist on the model but must never be read by a rule.
FORBIDDEN_FIELDS = {
    "profile.name": "a name is never a signal (fairness)",
    "profile.location": "a location is a proxy for nationality and is never a signal",
    "sender": "a sender's name is never a signal (fairness)",
    "name": "a name is never a signal (fairness)",
}


def profile_text(approach: Approach, field: str) -> str:
    if approach.profile is None:
        return ""
    return PROFILE_TEXT_FIELDS[field](approach.profile)


def profile_value(approach: Approach, field: str, today: dt.date) -> Value:
    if approach.profile is None:
        return None
    return PROFILE_VALUE_FIELDS[field](approach.profile, today)
