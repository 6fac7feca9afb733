"""Read a profile described as JSON (schema: ``lurewatch schema profile``)."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from lurewatch.ingest.errors import InputError
from lurewatch.model import Profile

# Matched on the stripped value: a trailing ``\s*`` here would overlap ``[\d,\s]*`` and
# make the match take quadratic time on a long run of spaces.
_COUNT = re.compile(r"(\d[\d,\s]*)\+?")


def _count(value: Any) -> Any:
    """Accept what LinkedIn shows: "500+", "1,234", 87."""
    if isinstance(value, str):
        m = _COUNT.fullmatch(value.strip())
        if m:
            try:
                return int(re.sub(r"[,\s]", "", m.group(1)))
            except ValueError:  # more digits than int() accepts: let validation refuse it
                return value
    return value


def parse_profile(data: bytes, source: str) -> Profile:
    """A :class:`Profile` from JSON bytes; one-line :class:`InputError` on any problem."""
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise InputError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{source}: a profile must be a JSON object, got {type(raw).__name__}")
    for key in ("connections", "followers", "posts"):
        if key in raw:
            raw[key] = _count(raw[key])
    try:
        return msgspec.convert(raw, Profile, strict=False)
    except msgspec.ValidationError as exc:
        raise InputError(f"{source}: invalid profile: {exc}") from None


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of the profile input."""
    schema: dict[str, Any] = msgspec.json.schema(Profile)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "lurewatch profile"
    schema["description"] = (
        "What a person sees on the profile of someone who approached them. Every field is "
        "optional; leave out what you cannot see. Name and location are shown back to you "
        "but never used as a signal."
    )
    return schema
