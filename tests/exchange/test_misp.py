"""MISP export and import: round trips, exact output, templates, TLP tags, broken input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from pymisp import MISPEvent, MISPObject

from conftest import NOW, hostile_alert, make_alert, mutations
from lurewatch.exchange.misp import alert_from_misp, alert_to_misp
from lurewatch.ingest.errors import InputError
from lurewatch.model import TLP_LABELS, Alert, Indicator, Persona

DATA = Path(__file__).parent / "data"


def event(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text)["Event"]
    return result


def in_order(alert: Alert) -> Alert:
    """The alert with its indicators sorted.

    MISP keeps attributes and objects in two lists, so the order of indicators
    carried by attributes relative to those carried by objects (organizations,
    messenger handles) does not survive. Nothing else is normalised.
    """

    def key(i: Indicator) -> tuple[str, str, str]:
        return (i.type, i.value, i.persona or "")

    return msgspec.structs.replace(alert, indicators=tuple(sorted(alert.indicators, key=key)))


def round_trip(alert: Alert, notes: list[str] | None = None) -> Alert:
    return alert_from_misp(alert_to_misp(alert, now=NOW).encode(), "event.json", notes=notes)


# -- round trips --------------------------------------------------------------------------


def test_round_trip_gives_the_same_alert(alert: Alert) -> None:
    notes: list[str] = []
    back = round_trip(alert, notes)
    assert back.personas == alert.personas  # in order, whole objects
    assert in_order(back) == in_order(alert)
    assert notes == []


def test_the_event_without_its_wrapper_reads_the_same(alert: Alert) -> None:
    bare = json.dumps(event(alert_to_misp(alert, now=NOW))).encode()
    assert in_order(alert_from_misp(bare, "bare.json")) == in_order(alert)


@pytest.mark.parametrize("tlp", TLP_LABELS)
def test_every_tlp_survives_as_a_lower_case_tag(tlp: str) -> None:
    alert = make_alert(tlp=tlp)
    alert = msgspec.structs.replace(
        alert, indicators=tuple(msgspec.structs.replace(i, tlp=tlp) for i in alert.indicators)
    )
    text = alert_to_misp(alert, now=NOW)
    assert in_order(round_trip(alert)) == in_order(alert)
    tags = [t["name"] for t in event(text)["Tag"]]
    assert tags[0] == tlp.lower()  # e.g. tlp:amber+strict
    assert all(t.startswith(("tlp:", "lurewatch:")) for t in tags)


def test_an_indicator_keeps_its_own_tlp(alert: Alert) -> None:
    inds = list(alert.indicators)
    inds[3] = msgspec.structs.replace(inds[3], tlp="TLP:RED")
    inds[6] = msgspec.structs.replace(inds[6], tlp="TLP:CLEAR")
    alert = msgspec.structs.replace(alert, indicators=tuple(inds))
    assert in_order(round_trip(alert)) == in_order(alert)


def test_hostile_values_survive_exactly() -> None:
    alert = hostile_alert()
    back = round_trip(alert)
    assert back.personas == alert.personas
    assert in_order(back) == in_order(alert)


def test_pymisp_strips_white_space_around_values() -> None:
    # A known limit of the format as pymisp writes it: inner white space is kept.
    padded = Indicator(type="handle", value="  two words \n", comment="\tnote ")
    back = round_trip(make_alert(indicators=(padded,)))
    assert back.indicators == (Indicator(type="handle", value="two words", comment="note"),)


def test_without_issue_date_the_event_date_is_the_export_day(alert: Alert) -> None:
    # MISP requires a date; an alert with none comes back dated the day it was exported.
    back = round_trip(msgspec.structs.replace(alert, issued=None))
    assert back.issued == NOW.date()


# -- exact output and templates -----------------------------------------------------------


def test_exact_output_with_frozen_time_and_ids(alert: Alert) -> None:
    text = alert_to_misp(alert, now=NOW)
    # To update after a deliberate change: write `text` to the file and review the diff.
    expected = (DATA / "espionage-alert.misp.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(expected)
    assert text == expected.rstrip("\n")
    assert alert_to_misp(alert, now=NOW) == text


def test_objects_follow_the_templates_shipped_with_pymisp(alert: Alert) -> None:
    loaded = MISPEvent()
    loaded.load(alert_to_misp(alert, now=NOW))
    assert loaded.info == alert.title
    names = set()
    for obj in loaded.objects:
        template = MISPObject(obj.name)
        definition = template._definition
        assert definition is not None, obj.name
        assert obj.template_uuid == definition["uuid"]
        for attribute in obj.attributes:
            assert attribute.object_relation in definition["attributes"], (
                obj.name,
                attribute.object_relation,
            )
            assert (
                attribute.type
                == definition["attributes"][attribute.object_relation]["misp-attribute"]
            )
        names.add(obj.name)
    assert names == {"persnona", "user-account", "legal-entity"}
    uuids = {o.uuid for o in loaded.objects} | {a.uuid for a in loaded.attributes}
    for obj in loaded.objects:
        for ref in obj.references:
            assert ref.referenced_uuid in uuids
            assert ref.relationship_type in ("uses", "works-for", "known-as", "associated-with")


def test_every_timestamp_is_now(alert: Alert) -> None:
    e = event(alert_to_misp(alert, now=NOW))
    stamp = str(int(NOW.timestamp()))
    items = [e, *e["Attribute"], *e["Object"], *e["EventReport"]]
    for o in e["Object"]:
        items += o["Attribute"] + o.get("ObjectReference", [])
    assert {i["timestamp"] for i in items} == {stamp}


def test_company_aliases_without_a_company() -> None:
    persona = Persona(id="p", name="Lee Park", company_aliases=("Quiet Partners", "QP Ltd"))
    alert = make_alert(personas=(persona,), indicators=())
    assert round_trip(alert).personas == (persona,)


def test_now_must_carry_a_time_zone(alert: Alert) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        alert_to_misp(alert, now=dt.datetime(2026, 11, 29, 12, 0))


# -- other tools' events ------------------------------------------------------------------

THIRD_PARTY = {
    "Event": {
        "uuid": "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b",
        "info": "Fake recruiter accounts targeting engineers",
        "date": "2026-06-01",
        "Orgc": {"name": "Partner CSIRT", "uuid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
        "Tag": [{"name": "tlp:white"}, {"name": 'misp-galaxy:threat-actor="Example Group"'}],
        "Attribute": [
            {
                "uuid": "a1",
                "type": "email-dst",
                "category": "Network activity",
                "value": "talent@northwind-talent.example",
                "Tag": [{"name": "tlp:amber"}],
            },
            {"uuid": "a2", "type": "hostname", "value": "jobs.northwind-talent.example"},
            {"uuid": "a3", "type": "link", "value": "https://www.linkedin.com/in/jordan-vale-77"},
            {
                "uuid": "a4",
                "type": "text",
                "value": "+44 7700 900123",
                "comment": "WhatsApp number given in chat",
                "first_seen": "2026-05-02T10:00:00+00:00",
            },
            {"uuid": "a5", "type": "ip-dst", "value": "198.51.100.7"},
            {"uuid": "a6", "type": "text", "value": "misc", "comment": "analyst remark"},
        ],
        "Object": [
            {
                "name": "impersonation",
                "uuid": "o1",
                "Attribute": [
                    {"object_relation": "account-name", "type": "text", "value": "Jordan Vale"},
                    {
                        "object_relation": "account-url",
                        "type": "url",
                        "value": "https://www.linkedin.com/in/jordan-vale-77",
                    },
                    {"object_relation": "type-of-account", "type": "text", "value": "LinkedIn"},
                ],
                "ObjectReference": [{"referenced_uuid": "a1", "relationship_type": "uses"}],
            },
            {
                "name": "person",
                "uuid": "o2",
                "Attribute": [
                    {"object_relation": "first-name", "type": "first-name", "value": "Mira"},
                    {"object_relation": "last-name", "type": "last-name", "value": "Stone"},
                    {"object_relation": "occupation", "type": "text", "value": "HR Director"},
                    {"object_relation": "alias", "type": "text", "value": "M. Stone"},
                ],
                "ObjectReference": [{"referenced_uuid": "o3", "relationship_type": "uses"}],
            },
            {
                "name": "user-account",
                "uuid": "o3",
                "Attribute": [
                    {"object_relation": "username", "type": "text", "value": "mira_hr"},
                    {"object_relation": "account-type", "type": "text", "value": "telegram"},
                ],
            },
            {
                "name": "legal-entity",
                "uuid": "o4",
                "Attribute": [
                    {"object_relation": "name", "type": "text", "value": "Front Org Ltd"}
                ],
            },
            {
                "name": "geolocation",
                "uuid": "o5",
                "Attribute": [{"object_relation": "city", "type": "text", "value": "Example City"}],
            },
        ],
    }
}


def test_reads_another_tools_event() -> None:
    notes: list[str] = []
    alert = alert_from_misp(json.dumps(THIRD_PARTY).encode(), "partner.json", notes=notes)
    common = {"source": "Partner CSIRT", "tlp": "TLP:CLEAR"}
    assert alert == Alert(
        id="6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b",
        title="Fake recruiter accounts targeting engineers",
        tlp="TLP:CLEAR",  # tlp:white is TLP 1.0 for TLP:CLEAR
        source="Partner CSIRT",
        issued=dt.date(2026, 6, 1),
        personas=(
            Persona(
                id="o1",
                name="Jordan Vale",
                profile_url="https://www.linkedin.com/in/jordan-vale-77",
                platform="linkedin",
            ),
            Persona(id="o2", name="Mira Stone", aliases=("M. Stone",), title="HR Director"),
        ),
        indicators=(
            Indicator(
                type="email",
                value="talent@northwind-talent.example",
                persona="o1",
                source="Partner CSIRT",
                tlp="TLP:AMBER",
            ),
            Indicator(type="domain", value="jobs.northwind-talent.example", **common),
            Indicator(
                type="profile-url", value="https://www.linkedin.com/in/jordan-vale-77", **common
            ),
            Indicator(
                type="whatsapp",
                value="+44 7700 900123",
                comment="WhatsApp number given in chat",
                first_seen=dt.date(2026, 5, 2),
                **common,
            ),
            Indicator(type="telegram", value="mira_hr", persona="o2", **common),
            Indicator(type="organization", value="Front Org Ltd", **common),
        ),
    )
    assert notes == [
        "partner.json: Event.Object[4]: skipped: lurewatch does not read 'geolocation' objects",
        "partner.json: Event: skipped 1 attribute(s) of type 'ip-dst'",
        "partner.json: Event: skipped 1 attribute(s) of type 'text'",
    ]


def test_without_a_tlp_tag_the_alert_is_amber_with_a_note() -> None:
    notes: list[str] = []
    alert = alert_from_misp(b'{"Event": {"info": "x"}}', "e.json", notes=notes)
    assert (alert.tlp, alert.title) == ("TLP:AMBER", "x")
    assert notes == ["e.json: Event: no TLP tag; treated as TLP:AMBER"]


# -- malformed input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "bad.json: not valid JSON (Input data was truncated)"),
        (b'{"info": "\xff"}', "bad.json: not valid JSON (not UTF-8 text: invalid start byte)"),
        (
            b"[]",
            "bad.json: not a MISP event (expected an object with 'info', 'Attribute' or 'Object', optionally inside {\"Event\": ...})",
        ),
        (
            b'{"Event": []}',
            "bad.json: not a MISP event (expected an object with 'info', 'Attribute' or 'Object', optionally inside {\"Event\": ...})",
        ),
        (
            b'{"Event": {"info": "x", "Attribute": {}}}',
            "bad.json: Event.Attribute: expected a list of objects",
        ),
        (
            b'{"Event": {"info": "x", "Attribute": [{"type": "domain", "value": {"a": 1}}]}}',
            "bad.json: Event.Attribute[0].value: expected a string",
        ),
        (
            b'{"Event": {"info": "x", "Object": [{"name": "person", "Attribute": [{"value": "a", "comment": 5}]}]}}',
            "bad.json: Event.Object[0].Attribute[0].comment: expected a string",
        ),
        (
            b'{"Event": {"info": "x", "date": "tomorrow"}}',
            "bad.json: Event.date: expected YYYY-MM-DD, got 'tomorrow'",
        ),
        (
            b'{"Event": {"info": "x", "Attribute": [{"type": "domain", "value": "a.example", '
            b'"Tag": [{"name": "lurewatch:indicator-type=\\"ufo\\""}]}]}}',
            "bad.json: Event.Attribute[0].Tag: unknown lurewatch:indicator-type 'ufo'",
        ),
        (
            b'{"Event": {"info": "x", "Attribute": [{"type": "domain", "value": "a.example", '
            b'"Tag": [{"name": "lurewatch:confidence=\\"200\\""}, {"name": "lurewatch:indicator-type=\\"domain\\""}]}]}}',
            "bad.json: Event.Attribute[0].Tag: lurewatch:confidence must be 0 to 100",
        ),
    ],
)
def test_malformed_input_is_one_input_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        alert_from_misp(data, "bad.json")
    assert str(caught.value) == message


def test_an_unknown_object_is_a_note_not_an_error(alert: Alert) -> None:
    data = json.loads(alert_to_misp(alert, now=NOW))
    data["Event"]["Object"].append(
        {"name": "x-made-up", "uuid": "u1", "Attribute": [{"object_relation": "a", "value": "b"}]}
    )
    notes: list[str] = []
    back = alert_from_misp(json.dumps(data).encode(), "event.json", notes=notes)
    assert in_order(back) == in_order(alert)
    n = len(data["Event"]["Object"]) - 1
    assert notes == [
        f"event.json: Event.Object[{n}]: skipped: lurewatch does not read 'x-made-up' objects"
    ]


def test_inputs_over_the_size_cap_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lurewatch.exchange.jsonin.MAX_ALERT_BYTES", 10)
    with pytest.raises(InputError, match=r"^big.json: 11 bytes; inputs over 10 bytes are refused$"):
        alert_from_misp(b'{"info": 1}', "big.json")


SMALL = alert_to_misp(
    make_alert(indicators=make_alert().indicators[:8], personas=make_alert().personas[:1]),
    now=NOW,
)


@settings(max_examples=100, deadline=None)
@given(data=mutations(SMALL))
def test_mutated_events_give_an_alert_or_an_input_error(data: bytes) -> None:
    try:
        result = alert_from_misp(data, "fuzz.json")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Alert)
