"""A synthetic espionage alert: two invented personas and one indicator of every type.

Every name, address and number here is made up (``.example`` domains, 555 numbers).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec
import pytest
from hypothesis import strategies as st

from lurewatch.model import INDICATOR_TYPES, Alert, Indicator, Persona

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)

AVERY = Persona(
    id="avery-qiu",
    name="Avery Qiu",
    aliases=("Avery Q.", "A. Qiu"),
    company="BR-YR Executive Search",
    company_aliases=("BRYR Search", "BR YR Exec Search Ltd"),
    profile_url="https://www.linkedin.com/in/avery-qiu-5b2a19/",
    platform="linkedin",
    title="Senior Talent Partner",
)
SHIRLY = Persona(
    id="shirly-shen",
    name="Shirly Shen",
    company="Internship Union",
    profile_url=None,
)


def _indicators() -> tuple[Indicator, ...]:
    common = {"tlp": "TLP:AMBER", "source": "Example Security Office"}
    values = {
        "persona-name": ("Avery Qiu", "avery-qiu"),
        "organization": ("BR-YR Executive Search", "avery-qiu"),
        "profile-url": ("https://www.linkedin.com/in/avery-qiu-5b2a19/", "avery-qiu"),
        "email": ("avery.qiu@bryr-search.example", "avery-qiu"),
        "domain": ("bryr-search.example", None),
        "phone": ("+1 202 555 0147", "avery-qiu"),
        "wechat": ("avery_qiu_hr", "avery-qiu"),
        "whatsapp": ("+44 20 7946 0958", "shirly-shen"),
        "telegram": ("@internship_union_desk", "shirly-shen"),
        "signal": ("shirly.42", "shirly-shen"),
        "handle": ("shirlyshen_official", "shirly-shen"),
        "website": ("https://internship-union.example/apply", "shirly-shen"),
        "photo-phash": ("d1c4f0e8b2a39657", "avery-qiu"),
        "message-template": (
            "Hi {name}, I came across your profile and think you would be a great fit "
            "for a paid advisory role with our client. Could we talk on WeChat?",
            None,
        ),
    }
    assert set(values) == set(INDICATOR_TYPES)
    out = []
    for n, kind in enumerate(INDICATOR_TYPES):
        value, persona = values[kind]
        out.append(
            Indicator(
                type=kind,  # type: ignore[arg-type]
                value=value,
                persona=persona,
                confidence=40 + n * 4,
                first_seen=dt.date(2026, 3, 1 + n) if n % 3 else None,
                last_seen=dt.date(2026, 9, 1 + n) if n % 2 else None,
                comment=f"seen in report {n}" if n % 4 else "",
                **common,  # type: ignore[arg-type]
            )
        )
    return tuple(out)


def make_alert(**changes: object) -> Alert:
    """The synthetic alert, with any top-level fields replaced."""
    base = Alert(
        id="alert-2026-017",
        title="Espionage alert: recruitment personas",
        tlp="TLP:AMBER",
        source="Example Security Office",
        issued=dt.date(2026, 11, 20),
        description="Two personas approach staff with paid 'consulting' offers.\nReport any contact.",
        personas=(AVERY, SHIRLY),
        indicators=_indicators(),
    )
    return msgspec.structs.replace(base, **changes)


@pytest.fixture
def alert() -> Alert:
    return make_alert()


# Values that break naive quoting, regex use, SQL, line-based formats or size limits.
HOSTILE = (
    "it's",
    "back\\slash\\",
    "\\'",
    "(a+)+$",
    "' OR 1=1 --",
    "'] OR [url:value = 'x",
    "line one\nline two\r\nline three",
    'double " quote and {braces} and %s',
    "tab\tinside",
    "é ü 中文 🎭 \u202eevil",
    "a\u2028b",
    "x" * 30_000,  # longer than the importer checks with the slow full validator
)


def hostile_alert() -> Alert:
    """Every hostile value in every place a string goes: names, aliases, values, comments."""
    persona = Persona(
        id="p'1 \\ (a+)+$",
        name=HOSTILE[4] + HOSTILE[6],
        aliases=HOSTILE[:11],
        company=HOSTILE[5],
        company_aliases=(HOSTILE[1], HOSTILE[6]),
        profile_url="https://www.linkedin.com/in/o'brien\\x/",
        platform="linkedin",
        title=HOSTILE[6],
    )
    indicators = tuple(
        Indicator(
            type=kind,  # type: ignore[arg-type]
            value=value,
            persona=persona.id,
            source=HOSTILE[0],
            comment=value[:50],
        )
        for kind in INDICATOR_TYPES
        for value in HOSTILE
    )
    return make_alert(
        title=HOSTILE[5] + HOSTILE[6],
        description=HOSTILE[6] + HOSTILE[7],
        source=HOSTILE[3],
        personas=(persona,),
        indicators=indicators,
    )


# -- fuzzing: small changes to a valid document -------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
# Text made of the characters that matter to STIX patterns and MISP machine tags.
SYNTAXISH = st.text(alphabet="[]'\\\"= ANDORLIKE:.-_abcdemail-ur0123tlp", max_size=60)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def mutations(text: str) -> st.SearchStrategy[bytes]:
    """Bytes of ``text`` (a JSON document) with one change: a value replaced by any
    JSON, a key or item deleted, a string replaced by syntax-like text, or raw bytes
    spliced in."""
    document = json.loads(text)
    paths = [p for p in _paths(document) if p]
    strings = [p for p in paths if isinstance(_at(document, p), str)]

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        how = draw(st.sampled_from(["replace", "delete", "syntax", "splice"]))
        if how == "splice":
            raw = text.encode()
            at = draw(st.integers(0, len(raw)))
            cut = draw(st.integers(0, 40))
            return raw[:at] + draw(st.binary(max_size=20)) + raw[at + cut :]
        data = json.loads(text)
        path = draw(st.sampled_from(strings if how == "syntax" else paths))
        parent = _at(data, path[:-1])
        if how == "delete":
            del parent[path[-1]]
        elif how == "syntax":
            parent[path[-1]] = draw(SYNTAXISH)
        else:
            parent[path[-1]] = draw(JSON_VALUES)
        return json.dumps(data).encode()

    return mutate()


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document
