"""Fan-out files at the office: stored per member of staff, pooled into findings, and
matched against alerted personas; the anonymous lookup's store part. Synthetic data."""

from __future__ import annotations

import datetime as dt

import pytest
from storesupport import T0, Clock

from lurewatch.model import Alert, Indicator, Persona
from lurewatch.sharing import FanoutContact, FanoutFile, InstitutionKey, PersonaIds, persona_ids
from lurewatch.store import InvalidValue, Store
from lurewatch.store.records import AlertedPersona, FanoutReceipt, SharedFanoutFinding

KEY = InstitutionKey(bytes(range(32)))
OTHER_KEY = InstitutionKey(bytes(range(1, 33)))

HALE_URL = "https://www.linkedin.com/in/morgan-hale-77"
HALE = persona_ids(KEY, profile_url=HALE_URL, handles=[("handle", "mh_larkspur88")])
HALE_URL_HASH = KEY.hash("url", "linkedin.com/in/morgan-hale-77")
HALE_HANDLE_HASH = KEY.hash("handle", "mh_larkspur88")


def day(n: int) -> dt.date:
    return dt.date(2026, 10, n)


def fanout(
    *contacts: tuple[PersonaIds, tuple[dt.date, ...]], key: InstitutionKey = KEY
) -> FanoutFile:
    return FanoutFile(
        format="lurewatch-fanout/1",
        key_id=key.key_id,
        contacts=tuple(FanoutContact(ids=i, dates=d, kinds=("message",)) for i, d in contacts),
    )


def other_person(n: int) -> PersonaIds:
    return persona_ids(KEY, profile_url=f"https://www.linkedin.com/in/colleague-{n}")


def test_three_staff_reached_by_one_persona_in_a_week_is_a_finding(people: Store) -> None:
    people.store_fanout("sam", fanout((HALE, (day(5),)), (other_person(1), (day(6),))), actor="sam")
    people.store_fanout("vic", fanout((HALE, (day(8), day(9)))), actor="vic")
    people.store_fanout(
        "ben", fanout((HALE, (day(11),)), (other_person(2), (day(1),))), actor="ben"
    )
    # A fourth, a month later: outside the window, but counted over all time.
    people.store_fanout("ana", fanout((HALE, (dt.date(2026, 11, 20),))), actor="ana")

    findings = people.fanout_findings(min_staff=3, window_days=14)

    expected = [
        SharedFanoutFinding(
            kind=kind,
            hash=h,
            staff=3,
            staff_all_time=4,
            first=day(5),
            last=day(11),
            contributors=("sam", "vic", "ben"),
        )
        for kind, h in sorted([("handle", HALE_HANDLE_HASH), ("url", HALE_URL_HASH)])
    ]
    assert findings == expected
    assert people.fanout_findings(min_staff=5) == []
    assert people.fanout_findings(min_staff=3, window_days=3) == []  # days 5..11 do not fit


def test_a_re_upload_replaces_the_earlier_file(people: Store, clock: Clock) -> None:
    first = people.store_fanout("sam", fanout((HALE, (day(5),))), actor="sam")
    assert first == FanoutReceipt(
        contributor="sam", key_id=KEY.key_id, received_at=T0, contacts=1, sightings=2,
        replaced=False,
    )  # fmt: skip
    people.store_fanout("vic", fanout((HALE, (day(6),))), actor="vic")
    people.store_fanout("ben", fanout((HALE, (day(7),))), actor="ben")
    assert [f.staff for f in people.fanout_findings()] == [3, 3]

    clock.advance(days=1)
    again = people.store_fanout("sam", fanout((other_person(1), (day(9),))), actor="sam")
    assert (again.replaced, again.received_at) == (True, T0 + dt.timedelta(days=1))
    assert people.fanout_contributors() == 3
    assert people.fanout_findings() == []  # Sam's new file no longer has the persona
    # Sending the same file twice counts one person once.
    people.store_fanout("sam", fanout((HALE, (day(5),))), actor="sam")
    people.store_fanout("sam", fanout((HALE, (day(5),))), actor="sam")
    assert [f.contributors for f in people.fanout_findings()] == [("sam", "vic", "ben")] * 2


def test_the_audit_entry_holds_counts_and_no_hashes(people: Store) -> None:
    people.store_fanout("sam", fanout((HALE, (day(5), day(6)))), actor="sam")
    [entry] = [e for e in people.audit_entries(limit=1000) if e.action == "fanout.upload"]
    assert (entry.actor, entry.target) == ("sam", "user:sam")
    assert entry.details == {"key_id": KEY.key_id, "contacts": 1, "sightings": 4, "replaced": False}
    assert people.verify_audit().ok


def test_a_file_made_under_another_key_is_refused(people: Store) -> None:
    stale = fanout((HALE, (day(5),)), key=OTHER_KEY)
    with pytest.raises(InvalidValue, match=f"made with key {OTHER_KEY.key_id}, not the office's"):
        people.store_fanout("sam", stale, actor="sam", key_id=KEY.key_id)
    assert people.fanout_contributors() == 0
    assert [e for e in people.audit_entries(limit=1000) if e.action == "fanout.upload"] == []


def test_files_under_different_keys_never_meet(people: Store) -> None:
    for who in ("sam", "vic"):
        people.store_fanout(who, fanout((HALE, (day(5),))), actor=who)
    # The same persona hashed under another key: a different hash, never pooled with these.
    other = persona_ids(OTHER_KEY, profile_url=HALE_URL)
    people.store_fanout("ben", fanout((other, (day(5),)), key=OTHER_KEY), actor="ben")
    assert people.fanout_findings(min_staff=3) == []
    assert [f.contributors for f in people.fanout_findings(min_staff=2, key=KEY)] == [
        ("sam", "vic"),
        ("sam", "vic"),
    ]
    assert people.fanout_findings(min_staff=1, key=OTHER_KEY)[0].contributors == ("ben",)


def test_a_finding_names_the_alerted_persona_it_hashes_to(people: Store) -> None:
    alert = Alert(
        id="alert-hale",
        title="Larkspur personas",
        tlp="TLP:AMBER",
        personas=(
            Persona(id="p1", name="Morgan Hale", profile_url="uk.linkedin.com/in/Morgan-Hale-77/"),
        ),
        indicators=(Indicator(type="wechat", value="other_handle_1", persona="p1"),),
    )
    people.import_alert(alert, actor="ana")
    for who in ("sam", "vic", "ben"):
        people.store_fanout(who, fanout((HALE, (day(5),))), actor=who)
    by_kind = {f.kind: f.alerted for f in people.fanout_findings(key=KEY)}
    hale = AlertedPersona(
        alert_id="alert-hale", alert_title="Larkspur personas", persona="Morgan Hale"
    )
    assert by_kind == {"url": (hale,), "handle": ()}
    # Without the key the office cannot hash its alerts: no persona is named.
    assert {f.alerted for f in people.fanout_findings()} == {()}


def test_a_crafted_file_with_millions_of_rows_is_refused(people: Store) -> None:
    many = PersonaIds(handles=tuple(KEY.hash("handle", f"h{n}") for n in range(64)))
    days = tuple(dt.date(2020, 1, 1) + dt.timedelta(days=n) for n in range(3200))
    with pytest.raises(InvalidValue, match="over 200,000 hashed sightings"):
        people.store_fanout("sam", fanout((many, days)), actor="sam")
    assert people.fanout_contributors() == 0


def test_lookup_says_which_fields_name_an_alerted_persona(people: Store) -> None:
    alert = Alert(
        id="alert-qiu",
        title="BR-YR",
        personas=(Persona(id="p1", name="Amanda Qiu", company="BR-YR Executive Search",
                          profile_url="linkedin.com/in/amanda-qiu-bryr"),),
    )  # fmt: skip
    assert people.lookup_persona(HALE, KEY) == ()  # no alerts yet
    people.import_alert(alert, actor="ana")
    asked = persona_ids(
        KEY,
        profile_url="https://uk.linkedin.com/in/Amanda-Qiu-BRYR/?trk=x",
        name="Qiu Amanda",
        company="BR-YR Executive Search Ltd",
    )
    assert people.lookup_persona(asked, KEY) == ("url", "name_company")
    assert people.lookup_persona(HALE, KEY) == ()
    # Under another key the same persona's hashes mean nothing.
    assert people.lookup_persona(asked, OTHER_KEY) == ()
