"""Alerts: kept as given, one row per indicator for lookups, TLP labels on everything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from storesupport import T0, Clock

from lurewatch.exchange import load_alert, read_alert_bytes
from lurewatch.exchange.alertfile import alert_to_json
from lurewatch.exchange.stix import alert_to_stix
from lurewatch.model import Alert, Indicator, Persona
from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.records import AlertSummary, IndicatorHit

ROOT = Path(__file__).resolve().parents[2]
# Invented persona and values (.example domains, 555 numbers).
ALERT = read_alert_bytes(
    alert_to_json(
        Alert(
            id="alert-2026-07",
            title="Recruitment personas (synthetic)",
            tlp="TLP:AMBER",
            source="Example security office",
            issued=dt.date(2026, 11, 1),
            personas=(
                Persona(
                    id="avery-qiu",
                    name="Avery Qiu",
                    aliases=("A. Qiu",),
                    company="BR-YR Executive Search",
                    profile_url="https://www.linkedin.com/in/avery-qiu-5b2a19/",
                ),
            ),
            indicators=(
                Indicator(type="phone", value="+852 5555 0101", persona="avery-qiu"),
                Indicator(
                    type="profile-url",
                    value="https://uk.linkedin.com/in/avery-qiu-5b2a19/",
                    persona="avery-qiu",
                    tlp="TLP:GREEN",
                ),
                Indicator(type="wechat", value="@BRYR_Avery", persona="avery-qiu", tlp="TLP:RED"),
                Indicator(type="email", value="avery@bryr-search.example", confidence=90),
                Indicator(type="organization", value="BR-YR Executive Search"),
            ),
        )
    ),
    "synthetic.json",
)


def test_an_alert_round_trips(people: Store) -> None:
    summary = people.import_alert(ALERT, actor="ana")
    assert summary == AlertSummary(
        alert_id="alert-2026-07",
        title="Recruitment personas (synthetic)",
        tlp="TLP:AMBER",
        source="Example security office",
        issued=dt.date(2026, 11, 1),
        personas=1,
        indicators=5,
        imported_at=T0,
        imported_by="ana",
    )
    assert people.get_alert("alert-2026-07") == ALERT
    assert people.list_alerts() == [summary]
    assert people.all_alerts() == [ALERT]


@pytest.mark.parametrize(
    "path",
    [
        "examples/alert.json",
        "tests/exchange/data/espionage-alert.stix.json",
        "tests/exchange/data/espionage-alert.misp.json",
    ],
)
def test_alerts_from_every_reader_round_trip(people: Store, path: str) -> None:
    alert = load_alert(ROOT / path)
    people.import_alert(alert, actor="ana")
    assert people.get_alert(alert.id) == alert


def test_indicators_are_found_by_normalised_value(people: Store) -> None:
    people.import_alert(ALERT, actor="ana")
    hit = IndicatorHit(
        alert_id="alert-2026-07",
        alert_title="Recruitment personas (synthetic)",
        type="phone",
        value="+852 5555 0101",
        persona="avery-qiu",
        tlp="TLP:AMBER",
    )
    assert people.find_indicators("phone", "00852-5555-0101") == [hit]
    (url,) = people.find_indicators("profile-url", "linkedin.com/in/Avery-Qiu-5b2a19")
    assert (url.value, url.tlp) == ("https://uk.linkedin.com/in/avery-qiu-5b2a19/", "TLP:GREEN")
    (handle,) = people.find_indicators("wechat", "bryr_avery")
    assert handle.tlp == "TLP:RED"
    assert len(people.find_indicators("email", "AVERY@bryr-search.example")) == 1
    assert len(people.find_indicators("organization", "br-yr executive search")) == 1
    assert people.find_indicators("phone", "+852 5555 0199") == []
    assert people.find_indicators("email", "+852 5555 0101") == []  # the type must agree


def test_one_row_per_indicator_with_tlp_labels(people: Store) -> None:
    people.import_alert(ALERT, actor="ana")
    with people.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT type, value_norm, tlp FROM indicators ORDER BY position")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("phone", "+85255550101", "TLP:AMBER"),
        ("profile-url", "linkedin.com/in/avery-qiu-5b2a19", "TLP:GREEN"),
        ("wechat", "bryr_avery", "TLP:RED"),
        ("email", "avery@bryr-search.example", "TLP:AMBER"),
        ("organization", "br yr executive search", "TLP:AMBER"),
    ]


def test_reimporting_an_alert_replaces_it(people: Store, clock: Clock) -> None:
    import msgspec

    people.import_alert(ALERT, actor="ana")
    clock.advance(days=1)
    revised = msgspec.structs.replace(
        ALERT, title="Revised", indicators=ALERT.indicators[:1], tlp="TLP:RED"
    )
    summary = people.import_alert(revised, actor="ben")
    assert (summary.title, summary.tlp, summary.indicators, summary.imported_by) == (
        "Revised",
        "TLP:RED",
        1,
        "ben",
    )
    assert people.get_alert(ALERT.id) == revised
    assert people.find_indicators("wechat", "bryr_avery") == []
    assert [
        e.details["replaced"] for e in people.audit_entries() if e.action == "alert.import"
    ] == [
        False,
        True,
    ]


def test_a_stix_export_of_a_stored_alert_matches_the_original(people: Store) -> None:
    people.import_alert(ALERT, actor="ana")
    now = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    assert alert_to_stix(people.get_alert(ALERT.id), now=now) == alert_to_stix(ALERT, now=now)


def test_bad_alerts(people: Store) -> None:
    import msgspec

    with pytest.raises(NotFound, match="no alert 'nope'"):
        people.get_alert("nope")
    with pytest.raises(InvalidValue, match="TLP 'TLP:PURPLE'"):
        people.import_alert(msgspec.structs.replace(ALERT, tlp="TLP:PURPLE"), actor="ana")
    assert people.list_alerts() == []
