"""STIX 2.1 export and import: round trips, exact output, markings, hostile and broken input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from conftest import NOW, hostile_alert, make_alert, mutations
from lurewatch.exchange.stix import (
    LUREWATCH_EXTENSION_ID,
    TLP2_EXTENSION_ID,
    TLP2_MARKING_IDS,
    Sighting,
    alert_from_stix,
    alert_to_stix,
)
from lurewatch.exchange.stix_patterns import classify, pattern_for, simple_observations
from lurewatch.ingest.errors import InputError
from lurewatch.model import INDICATOR_TYPES, TLP_LABELS, Alert, Indicator, Persona

DATA = Path(__file__).parent / "data"
AMBER = TLP2_MARKING_IDS["TLP:AMBER"]
CONSTANT_OBJECTS = {"identity--f96a0697-42b4-4a0f-9282-1b33539cffe9", LUREWATCH_EXTENSION_ID}


def objects(text: str) -> list[dict[str, Any]]:
    bundle: dict[str, Any] = json.loads(text)
    return list(bundle["objects"])


def round_trip(alert: Alert, notes: list[str] | None = None) -> Alert:
    return alert_from_stix(alert_to_stix(alert, now=NOW).encode(), "alert.json", notes=notes)


# -- round trips --------------------------------------------------------------------------


def test_round_trip_gives_the_same_alert(alert: Alert) -> None:
    notes: list[str] = []
    # Everything survives, so the whole alert compares equal: nothing is normalised.
    assert round_trip(alert, notes) == alert
    assert notes == []


@pytest.mark.parametrize("tlp", TLP_LABELS)
def test_every_tlp_survives(tlp: str) -> None:
    alert = make_alert(tlp=tlp)
    alert = msgspec.structs.replace(
        alert, indicators=tuple(msgspec.structs.replace(i, tlp=tlp) for i in alert.indicators)
    )
    text = alert_to_stix(alert, now=NOW)
    assert round_trip(alert) == alert
    report = next(o for o in objects(text) if o["type"] == "report")
    assert report["object_marking_refs"] == [TLP2_MARKING_IDS[tlp]]


def test_an_indicator_keeps_its_own_stricter_or_looser_tlp(alert: Alert) -> None:
    inds = list(alert.indicators)
    inds[3] = msgspec.structs.replace(inds[3], tlp="TLP:RED")
    inds[4] = msgspec.structs.replace(inds[4], tlp="TLP:CLEAR")
    alert = msgspec.structs.replace(alert, indicators=tuple(inds))
    text = alert_to_stix(alert, now=NOW)
    assert round_trip(alert) == alert
    red = TLP2_MARKING_IDS["TLP:RED"]
    email = next(o for o in objects(text) if o.get("pattern", "").startswith("[email-addr:"))
    assert email["object_marking_refs"] == [red]
    # What links the RED indicator to anything is RED too.
    links = [
        o for o in objects(text) if o["type"] == "relationship" and o["source_ref"] == email["id"]
    ]
    assert links and all(r["object_marking_refs"] == [red] for r in links)


def test_hostile_values_survive_exactly_and_stay_inside_their_literal() -> None:
    alert = hostile_alert()
    text = alert_to_stix(alert, now=NOW)  # stix2 validates every pattern it is given
    assert alert_from_stix(text.encode(), "hostile.json") == alert
    for o in objects(text):
        if o["type"] == "indicator":
            # One observation of one object type: no value broke out of its quotes.
            found = simple_observations(o["pattern"])
            assert found is not None and len(found) == 1
            if len(o["pattern"]) < 1000:
                assert run_validator(o["pattern"], stix_version="2.1") == []


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(INDICATOR_TYPES), value=st.text())
def test_pattern_values_are_data(kind: str, value: str) -> None:
    pattern = pattern_for(kind, value)
    if pattern is None:
        assert kind in ("organization", "message-template")
        return
    found = simple_observations(pattern)
    assert found is not None and len(found) == 1
    result = classify(found[0])
    assert result is not None and result[1] == value


def test_output_parses_with_stix2_and_needs_no_custom_content(alert: Alert) -> None:
    sightings = [
        Sighting(
            persona_id="avery-qiu",
            count=3,
            first_seen=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
            last_seen=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
            where="Example Ministry security office",
        )
    ]
    text = alert_to_stix(alert, now=NOW, sightings=sightings)
    bundle = stix2.parse(text, allow_custom=False)
    assert bundle.type == "bundle"
    assert {o.type for o in bundle.objects} == {
        "marking-definition",
        "identity",
        "extension-definition",
        "threat-actor",
        "campaign",
        "relationship",
        "user-account",
        "url",
        "indicator",
        "note",
        "sighting",
        "report",
    }


def test_an_alert_without_issue_date_or_source_round_trips(alert: Alert) -> None:
    bare = msgspec.structs.replace(alert, issued=None, source="", description="")
    bare = msgspec.structs.replace(
        bare, indicators=tuple(msgspec.structs.replace(i, source="") for i in bare.indicators)
    )
    assert round_trip(bare) == bare


def test_bundle_structure(alert: Alert) -> None:
    objs = objects(alert_to_stix(alert, now=NOW))
    by_id = {o["id"]: o for o in objs}
    (campaign,) = [o for o in objs if o["type"] == "campaign"]
    (actor,) = [o for o in objs if o["type"] == "threat-actor"]
    (report,) = [o for o in objs if o["type"] == "report"]
    rels = {
        (o["source_ref"], o["relationship_type"], o["target_ref"])
        for o in objs
        if o["type"] == "relationship"
    }
    assert actor["threat_actor_types"] == ["nation-state", "spy"]
    assert (campaign["id"], "attributed-to", actor["id"]) in rels
    assert (campaign["first_seen"], campaign["last_seen"]) == (
        "2026-03-02T00:00:00Z",
        "2026-09-14T00:00:00Z",
    )
    indicators = [o for o in objs if o["type"] == "indicator"]
    # One per persona and one per indicator with an observable (12 of the 14 types).
    assert len(indicators) == len(alert.personas) + 12
    for ind in indicators:
        assert ind["pattern_type"] == "stix"
        assert (ind["id"], "indicates", campaign["id"]) in rels
    assert report["report_types"] == ["campaign", "threat-report"]
    assert set(report["object_refs"]) == {
        i for i in by_id if not i.startswith(("marking-definition--", "report--"))
    }
    accounts = {o["user_id"]: o for o in objs if o["type"] == "user-account"}
    assert accounts["linkedin.com/in/avery-qiu-5b2a19"]["display_name"] == "Avery Qiu"
    assert accounts["Shirly Shen"]["account_type"] == "linkedin"  # no profile address: the name
    org = next(
        o
        for o in objs
        if o["type"] == "identity" and o["name"] == "BR-YR Executive Search" and o.get("confidence")
    )
    assert (org["id"], "related-to", campaign["id"]) in rels
    (note,) = [o for o in objs if o["type"] == "note"]
    assert note["content"].startswith("Hi {name}") and note["object_refs"] == [campaign["id"]]


# -- exact output -------------------------------------------------------------------------


def test_exact_output_with_frozen_time_and_ids(alert: Alert) -> None:
    sightings = [
        Sighting(
            persona_id="shirly-shen",
            count=2,
            first_seen=dt.datetime(2026, 10, 5, 9, 30, tzinfo=dt.UTC),
            last_seen=dt.datetime(2026, 11, 12, 16, 0, tzinfo=dt.UTC),
            where="Example Ministry security office",
        )
    ]
    text = alert_to_stix(alert, now=NOW, sightings=sightings)
    # To update after a deliberate change: write `text` to the file and review the diff.
    expected = (DATA / "espionage-alert.stix.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(expected)
    assert text == expected.rstrip("\n")


def test_same_input_same_output_and_the_seed_sets_the_ids(alert: Alert) -> None:
    one = alert_to_stix(alert, now=NOW)
    assert alert_to_stix(alert, now=NOW) == one
    other = alert_to_stix(alert, now=NOW, id_seed="another seed")
    ids = {o["id"]: o["type"] for o in objects(one)}
    shared = ids.keys() & {o["id"] for o in objects(other)}
    # Only ids that do not depend on the alert are shared: TLP markings, lurewatch's
    # fixed objects, and SCOs, whose ids the spec derives from their content.
    assert {ids[i] for i in shared - CONSTANT_OBJECTS} == {
        "marking-definition",
        "user-account",
        "url",
    }


def test_sightings_of_a_persona(alert: Alert) -> None:
    seen = Sighting(
        persona_id="avery-qiu",
        count=4,
        first_seen=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        last_seen=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        where="Example Ministry security office",
    )
    text = alert_to_stix(alert, now=NOW, sightings=[seen])
    # Alerts carry no sightings; reading the bundle back still gives the same alert.
    assert alert_from_stix(text.encode(), "s.json") == alert
    objs = objects(text)
    by_id = {o["id"]: o for o in objs}
    sighting = next(o for o in objs if o["type"] == "sighting")
    assert sighting["count"] == 4
    assert sighting["first_seen"] == "2026-10-01T00:00:00Z"
    sighted = by_id[sighting["sighting_of_ref"]]
    assert sighted["pattern"] == (
        "[user-account:account_type = 'linkedin' AND "
        "user-account:user_id = 'linkedin.com/in/avery-qiu-5b2a19']"
    )
    assert [by_id[r]["name"] for r in sighting["where_sighted_refs"]] == [seen.where]
    with pytest.raises(ValueError, match="no persona with id 'nobody'"):
        alert_to_stix(alert, now=NOW, sightings=[Sighting("nobody", 1, NOW, NOW, "x")])


def test_now_must_carry_a_time_zone(alert: Alert) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        alert_to_stix(alert, now=dt.datetime(2026, 11, 29, 12, 0))


# -- markings -----------------------------------------------------------------------------


def test_every_object_carries_the_alerts_tlp_marking(alert: Alert) -> None:
    objs = objects(alert_to_stix(alert, now=NOW))
    for o in objs:
        if o["type"] == "marking-definition":
            continue
        if o["id"] in CONSTANT_OBJECTS:
            # The extension definition and its author are the same in every bundle.
            assert o["object_marking_refs"] == [TLP2_MARKING_IDS["TLP:CLEAR"]]
        else:
            assert o["object_marking_refs"] == [AMBER], o["id"]


def test_tlp2_marking_definitions_are_the_oasis_ones(alert: Alert) -> None:
    markings = [
        o for o in objects(alert_to_stix(alert, now=NOW)) if o["type"] == "marking-definition"
    ]
    assert markings == [
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            "created": "2022-10-01T00:00:00.000Z",
            "name": "TLP:CLEAR",
            "extensions": {
                TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": "clear"}
            },
        },
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "created": "2022-10-01T00:00:00.000Z",
            "name": "TLP:AMBER",
            "extensions": {
                TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": "amber"}
            },
        },
    ]


def test_amber_strict_marking_definition() -> None:
    objs = objects(alert_to_stix(make_alert(tlp="TLP:AMBER+STRICT"), now=NOW))
    strict = next(o for o in objs if o["id"] == TLP2_MARKING_IDS["TLP:AMBER+STRICT"])
    assert strict["name"] == "TLP:AMBER+STRICT"
    assert strict["extensions"][TLP2_EXTENSION_ID]["tlp_2_0"] == "amber+strict"


# -- other tools' bundles -----------------------------------------------------------------

THIRD_PARTY = {
    "type": "bundle",
    "id": "bundle--0b6c4c3e-2f4a-4f57-9a55-1c1f7b5e7c01",
    "objects": [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": "identity--11111111-1111-4111-8111-111111111111",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Partner CERT",
            "identity_class": "organization",
        },
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": "identity--22222222-2222-4222-8222-222222222222",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Jordan Vale",
            "roles": ["Recruiter"],
            "identity_class": "individual",
        },
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": "identity--33333333-3333-4333-8333-333333333333",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Northwind Talent",
            "identity_class": "organization",
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--44444444-4444-4444-8444-444444444441",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "relationship_type": "related-to",
            "source_ref": "identity--22222222-2222-4222-8222-222222222222",
            "target_ref": "identity--33333333-3333-4333-8333-333333333333",
        },
        {
            "type": "user-account",
            "spec_version": "2.1",
            "id": "user-account--55555555-5555-4555-8555-555555555555",
            "account_type": "linkedin",
            "user_id": "https://www.linkedin.com/in/jordan-vale-77",
            "display_name": "Jordan Vale",
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--44444444-4444-4444-8444-444444444442",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "relationship_type": "related-to",
            "source_ref": "identity--22222222-2222-4222-8222-222222222222",
            "target_ref": "user-account--55555555-5555-4555-8555-555555555555",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--66666666-6666-4666-8666-666666666661",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "pattern": "[email-addr:value = 'jordan@northwind-talent.example'] OR "
            "[email-message:from_ref.value = 'hr@northwind-talent.example']",
            "pattern_type": "stix",
            "valid_from": "2026-05-01T00:00:00Z",
            "confidence": 70,
            "created_by_ref": "identity--11111111-1111-4111-8111-111111111111",
            "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--44444444-4444-4444-8444-444444444443",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "relationship_type": "related-to",
            "source_ref": "indicator--66666666-6666-4666-8666-666666666661",
            "target_ref": "identity--22222222-2222-4222-8222-222222222222",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--66666666-6666-4666-8666-666666666662",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '198.51.100.7']",
            "pattern_type": "stix",
            "valid_from": "2026-05-01T00:00:00Z",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--66666666-6666-4666-8666-666666666663",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "pattern": "[url:value='https://northwind-talent.example/jobs']",
            "pattern_type": "stix",
            "valid_from": "2026-05-01T00:00:00Z",
            "description": "Careers page",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--66666666-6666-4666-8666-666666666664",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "pattern": "rule x { condition: true }",
            "pattern_type": "yara",
            "valid_from": "2026-05-01T00:00:00Z",
        },
        {
            "type": "threat-actor",
            "spec_version": "2.1",
            "id": "threat-actor--77777777-7777-4777-8777-777777777777",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Example Group",
            "aliases": ["EG-1", "Quiet Heron"],
        },
        {
            "type": "campaign",
            "spec_version": "2.1",
            "id": "campaign--88888888-8888-4888-8888-888888888888",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Northwind approaches",
            "created_by_ref": "identity--11111111-1111-4111-8111-111111111111",
            "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
        },
        {
            "type": "attack-pattern",
            "spec_version": "2.1",
            "id": "attack-pattern--99999999-9999-4999-8999-999999999999",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Establish Accounts: Social Media Accounts",
        },
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
            "created": "2026-05-01T00:00:00.000Z",
            "modified": "2026-05-01T00:00:00.000Z",
            "name": "Front Org Ltd",
            "identity_class": "organization",
            "x_vendor_score": 7,
        },
    ],
}


def test_reads_another_tools_bundle() -> None:
    notes: list[str] = []
    alert = alert_from_stix(json.dumps(THIRD_PARTY).encode(), "partner.json", notes=notes)
    common = {"source": "Partner CERT"}
    assert alert == Alert(
        id="bundle--0b6c4c3e-2f4a-4f57-9a55-1c1f7b5e7c01",
        title="Northwind approaches",
        tlp="TLP:AMBER",  # the campaign's TLP 1.0 AMBER marking, mapped by id
        source="Partner CERT",
        description="Threat actor: Example Group (also known as EG-1, Quiet Heron)",
        personas=(
            Persona(
                id="identity--22222222-2222-4222-8222-222222222222",
                name="Jordan Vale",
                company="Northwind Talent",
                profile_url="https://www.linkedin.com/in/jordan-vale-77",
                title="Recruiter",
            ),
        ),
        indicators=(
            Indicator(
                type="email",
                value="jordan@northwind-talent.example",
                persona="identity--22222222-2222-4222-8222-222222222222",
                tlp="TLP:RED",
                confidence=70,
                **common,
            ),
            Indicator(
                type="email",
                value="hr@northwind-talent.example",
                persona="identity--22222222-2222-4222-8222-222222222222",
                tlp="TLP:RED",
                confidence=70,
                **common,
            ),
            Indicator(
                type="website",
                value="https://northwind-talent.example/jobs",
                tlp="TLP:AMBER",
                comment="Careers page",
                **common,
            ),
            Indicator(type="organization", value="Front Org Ltd", tlp="TLP:AMBER", **common),
        ),
    )
    assert notes == [
        "partner.json: skipped objects lurewatch does not use: attack-pattern (1)",
        "partner.json: objects[8] (indicator--66666666-6666-4666-8666-666666666662): pattern: "
        "skipped: not a pattern lurewatch reads (\"[ipv4-addr:value = '198.51.100.7']\")",
        "partner.json: objects[10] (indicator--66666666-6666-4666-8666-666666666664): "
        "skipped: pattern_type 'yara' is not read",
    ]


def test_marking_definitions_in_the_bundle_are_read_by_name() -> None:
    bundle = json.loads(json.dumps(THIRD_PARTY))
    bundle["objects"].insert(
        0,
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--12345678-1234-4234-8234-123456789abc",
            "created": "2026-01-01T00:00:00.000Z",
            "name": "TLP:AMBER+STRICT",
            "extensions": {
                TLP2_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "tlp_2_0": "amber+strict",
                }
            },
        },
    )
    campaign = next(o for o in bundle["objects"] if o["type"] == "campaign")
    campaign["object_marking_refs"] = ["marking-definition--12345678-1234-4234-8234-123456789abc"]
    assert alert_from_stix(json.dumps(bundle).encode(), "b.json").tlp == "TLP:AMBER+STRICT"


def test_without_any_marking_the_alert_is_amber_with_a_note() -> None:
    bundle = {"type": "bundle", "id": "bundle--0b6c4c3e-2f4a-4f57-9a55-1c1f7b5e7c02", "objects": []}
    notes: list[str] = []
    alert = alert_from_stix(json.dumps(bundle).encode(), "empty.json", notes=notes)
    assert (alert.tlp, alert.title, alert.personas, alert.indicators) == (
        "TLP:AMBER",
        "STIX bundle empty.json",
        (),
        (),
    )
    assert notes == ["empty.json: no TLP marking found; treated as TLP:AMBER"]


# -- malformed input ----------------------------------------------------------------------


def our_bundle() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(alert_to_stix(make_alert(), now=NOW))
    return result


def nth(bundle: dict[str, Any], kind: str) -> int:
    return next(n for n, o in enumerate(bundle["objects"]) if o["type"] == kind)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "bad.json: not valid JSON (JSON is malformed: invalid character (byte 4))"),
        (b"[1, 2]", 'bad.json: not a STIX bundle (expected an object with "type": "bundle")'),
        (
            b'{"type": "report"}',
            'bad.json: not a STIX bundle (expected an object with "type": "bundle")',
        ),
        (b'{"type": "bundle", "objects": {}}', "bad.json: objects: expected a list"),
        (b'{"type": "bundle", "objects": [3]}', "bad.json: objects[0]: expected an object"),
        (
            b'{"type": "bundle", "objects": [{"type": "indicator", "id": "x"}]}',
            "bad.json: objects[0]: id: expected 'indicator--<uuid>'",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "bad.json: JSON nested too deeply to read"),
    ],
)
def test_malformed_input_is_one_input_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        alert_from_stix(data, "bad.json")
    assert str(caught.value) == message


def test_a_broken_pattern_names_the_object_and_property() -> None:
    bundle = our_bundle()
    n = next(
        i for i, o in enumerate(bundle["objects"]) if o.get("pattern", "").startswith("[email")
    )
    bundle["objects"][n]["pattern"] = "[email-addr:value = 'unterminated]"
    oid = bundle["objects"][n]["id"]
    with pytest.raises(InputError) as caught:
        alert_from_stix(json.dumps(bundle).encode(), "bundle.json")
    message = str(caught.value)
    assert message.startswith(f"bundle.json: objects[{n}] ({oid}): pattern: FAIL: Error found at")
    assert "\n" not in message


def test_wrong_types_name_the_property() -> None:
    bundle = our_bundle()
    n = next(
        i for i, o in enumerate(bundle["objects"]) if o.get("pattern", "").startswith("[email")
    )
    bundle["objects"][n]["confidence"] = "high"
    oid = bundle["objects"][n]["id"]
    with pytest.raises(InputError) as caught:
        alert_from_stix(json.dumps(bundle).encode(), "bundle.json")
    assert str(caught.value) == (
        f"bundle.json: objects[{n}] ({oid}): confidence: expected a whole number from 0 to 100"
    )


def test_inputs_over_the_size_cap_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lurewatch.exchange.jsonin.MAX_ALERT_BYTES", 1000)
    with pytest.raises(
        InputError, match=r"^big.json: 1,001 bytes; inputs over 1,000 bytes are refused$"
    ):
        alert_from_stix(b" " * 1001, "big.json")


def test_unsupported_but_valid_patterns_are_skipped_with_a_note() -> None:
    bundle = our_bundle()
    n = next(
        i for i, o in enumerate(bundle["objects"]) if o.get("pattern", "").startswith("[email")
    )
    bundle["objects"][n]["pattern"] = "[email-addr:value LIKE '%@bryr-search.example']"
    notes: list[str] = []
    alert = alert_from_stix(json.dumps(bundle).encode(), "bundle.json", notes=notes)
    assert [i.type for i in alert.indicators].count("email") == 0
    assert len(notes) == 1 and "skipped: not a pattern lurewatch reads" in notes[0]


# -- fuzzing ------------------------------------------------------------------------------

SMALL = alert_to_stix(
    make_alert(indicators=make_alert().indicators[:4], personas=make_alert().personas[:1]),
    now=NOW,
)


@settings(max_examples=100, deadline=None)
@given(data=mutations(SMALL))
def test_mutated_bundles_give_an_alert_or_an_input_error(data: bytes) -> None:
    try:
        result = alert_from_stix(data, "fuzz.json")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Alert)
