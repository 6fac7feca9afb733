from __future__ import annotations

import datetime as dt
import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lurewatch.ingest.errors import InputError
from lurewatch.ingest.profile_json import parse_profile, profile_schema
from lurewatch.model import Education, Position, Profile


def parse(data: object) -> Profile:
    return parse_profile(json.dumps(data).encode(), "profile.json")


def error_of(data: bytes) -> str:
    with pytest.raises(InputError) as info:
        parse_profile(data, "profile.json")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_partial_profile_leaves_the_rest_unknown() -> None:
    assert parse({"headline": "CEO | Global Headhunter", "connections": 87}) == Profile(
        headline="CEO | Global Headhunter", connections=87
    )
    assert parse({}) == Profile()


def test_a_full_profile() -> None:
    data = {
        "name": "Anna Lee",
        "headline": "CEO at Blue Ridge Executive Search",
        "company": "Blue Ridge Executive Search",
        "company_has_page": False,
        "location": "Hong Kong",
        "joined": "2026-08-02",
        "connections": "500+",
        "followers": "1,234",
        "posts": 0,
        "verified": False,
        "experience": [{"title": "CEO", "company": "Blue Ridge", "start": "Jan 2020"}],
        "education": [],
        "websites": ["https://example.org"],
        "unknown_extra": "ignored",
    }
    assert parse(data) == Profile(
        name="Anna Lee",
        headline="CEO at Blue Ridge Executive Search",
        company="Blue Ridge Executive Search",
        company_has_page=False,
        location="Hong Kong",
        joined=dt.date(2026, 8, 2),
        connections=500,
        followers=1234,
        posts=0,
        verified=False,
        experience=[Position(title="CEO", company="Blue Ridge", start="Jan 2020")],
        education=[],
        websites=["https://example.org"],
    )


@pytest.mark.parametrize(
    ("shown", "count"),
    [("500+", 500), ("1,234", 1234), (" 87 ", 87), ("12 345", 12345), ("0", 0), (42, 42)],
)
def test_counts_as_linkedin_shows_them(shown: object, count: int) -> None:
    assert parse({"connections": shown, "followers": shown, "posts": shown}) == Profile(
        connections=count, followers=count, posts=count
    )


def test_a_profile_education_entry() -> None:
    assert parse({"education": [{"school": "LSE", "degree": "MSc"}]}) == Profile(
        education=[Education(school="LSE", degree="MSc")]
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"{'connections': 5}", b'{"a": 1,}', b"\xff\xfe{}", b"null null"],
)
def test_malformed_json(data: bytes) -> None:
    assert error_of(data).startswith("profile.json: not valid JSON (")


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"[]", "list"), (b'[{"name": "x"}]', "list"), (b'"text"', "str"), (b"5", "int"),
     (b"null", "NoneType")],
)  # fmt: skip
def test_a_profile_must_be_an_object(data: bytes, kind: str) -> None:
    assert error_of(data) == f"profile.json: a profile must be a JSON object, got {kind}"


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"connections": "many"}, "$.connections"),
        ({"connections": -1}, "$.connections"),
        ({"connections": True}, "$.connections"),
        ({"connections": "9" * 5000}, "$.connections"),  # more digits than int() allows
        ({"followers": [1]}, "$.followers"),
        ({"headline": 5}, "$.headline"),
        ({"joined": "yesterday"}, "$.joined"),
        ({"joined": "2026-02-30"}, "$.joined"),
        ({"verified": "yes please"}, "$.verified"),
        ({"experience": {"title": "CEO"}}, "$.experience"),
        ({"experience": [{"title": ["CEO"]}]}, "$.experience[0].title"),
        ({"education": [1]}, "$.education[0]"),
        ({"websites": "https://example.org"}, "$.websites"),
        ({"about": "x" * 200_001}, "$.about"),
    ],
)
def test_wrong_types_name_the_field(data: dict[str, object], path: str) -> None:
    message = error_of(json.dumps(data).encode())
    assert message.startswith("profile.json: invalid profile: ")
    assert message.endswith(f"- at `{path}`")


def test_a_long_run_of_spaces_in_a_count_is_refused() -> None:
    # Once took quadratic time in the count pattern.
    data = {"connections": "1" + " " * 1_000_000 + "x"}
    assert error_of(json.dumps(data).encode()).endswith("- at `$.connections`")


def test_profile_schema() -> None:
    schema = profile_schema()
    assert isinstance(schema, dict)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$ref"] == "#/$defs/Profile"
    profile = schema["$defs"]["Profile"]
    assert {"headline", "connections", "experience", "joined", "about"} <= set(
        profile["properties"]
    )
    assert profile["required"] == []
    assert profile["properties"]["connections"]["anyOf"][0] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 10**9,
    }
    assert "Position" in schema["$defs"]
    # The schema is plain JSON.
    assert msgspec.json.decode(msgspec.json.encode(schema)) == schema


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
_FIELDS = [*Profile.__struct_fields__, "title", "company", "start", "other"]
_PROFILE_LIKE = st.dictionaries(
    st.sampled_from(_FIELDS),
    _JSON
    | st.sampled_from(["500+", "1,234", "2026-01-01", "", " ", "9" * 5000])
    | st.lists(st.dictionaries(st.sampled_from(_FIELDS), _JSON), max_size=3),
)


@given(st.binary())
def test_fuzz_any_bytes_give_a_profile_or_an_input_error(data: bytes) -> None:
    try:
        assert isinstance(parse_profile(data, "p.json"), Profile)
    except InputError as exc:
        assert str(exc).startswith("p.json: ")


@given(st.one_of(_PROFILE_LIKE, _JSON))
def test_fuzz_any_json_gives_a_profile_or_an_input_error(data: object) -> None:
    try:
        assert isinstance(parse(data), Profile)
    except InputError as exc:
        assert str(exc).startswith("profile.json: ")
        assert "\n" not in str(exc)
