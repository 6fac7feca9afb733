"""Retro-hunts: an alert matched against every stored report's contacts, kept and audited."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from storesupport import T0, Clock, MakeContact, MakeSubmission

from lurewatch.exchange import load_alert
from lurewatch.matching import identifiers
from lurewatch.matching.index import IndicatorIndex
from lurewatch.model import Alert, Indicator, Persona
from lurewatch.store import NotFound, Store
from lurewatch.store import hunting as hunting_module
from lurewatch.store.records import AlertMatch, MatchCounts, SubmittedItem
from lurewatch.store.schema import AlertMatchRow

ROOT = Path(__file__).resolve().parents[2]
# The synthetic alert of the examples: "Amanda Qiu" of "BR-YR Executive Search".
ALERT = load_alert(ROOT / "examples" / "alert.json")
NAME = "name: Amanda Qiu ~ Amanda Qiu: same name"
MISPRINT = (
    "organisation: BP-YR Executive Search ~ BR-YR Executive Search: "
    "same organisation, one letter apart (a misprint?)"
)


def expected(reference: str, position: int = 0, **fields: object) -> AlertMatch:
    values: dict[str, object] = {
        "alert_id": ALERT.id,
        "alert_title": ALERT.title,
        "report": reference,
        "reporter": "sam",
        "reporter_team": "Committee clerks",
        "received_at": T0,
        "is_exercise": False,
        "position": position,
        "contact_name": "Amanda Qiu",
        "contact_company": "BP-YR Executive Search",
        "contact_profile_url": None,
        "strength": "strong",
        "persona": "Amanda Qiu",
        "agreed": (NAME, MISPRINT),
        "found_at": T0,
    }
    values.update(fields)
    return AlertMatch(**values)  # type: ignore[arg-type]


def stored_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(AlertMatchRow)) or 0)


def test_an_imported_alert_flags_a_past_report_under_a_misprinted_firm(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    report = people.submit_report(
        submission("sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    )
    people.import_alert(ALERT, actor="ana")
    found = people.retro_hunt(ALERT.id, actor="ana")
    assert found == [expected(report.reference)]
    assert people.alert_matches_for(ALERT.id) == found
    assert people.matches_for_report(report.reference) == found
    assert people.alert_match_counts() == {ALERT.id: MatchCounts(strong=1, possible=0)}


def test_a_name_alone_is_only_possible_and_other_people_are_not_listed(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    report = people.submit_report(
        submission(
            "sam",
            contact("Avery Lin", company="Bright Path Executive Search"),
            contact("Amanda Qiu", company="Northwind Trading"),
        )
    )
    people.import_alert(ALERT, actor="ana")
    found = people.retro_hunt(ALERT.id, actor="ana")
    assert found == [
        expected(
            report.reference,
            position=1,
            contact_company="Northwind Trading",
            strength="possible",
            agreed=(NAME,),
        )
    ]


def test_an_identifier_in_what_they_wrote_is_strong_without_a_name(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    wrote = SubmittedItem(kind="message", excerpt="Easier on WeChat: my ID is bryr_amanda_example")
    report = people.submit_report(submission("sam", contact("Recruiter", items=(wrote,))))
    people.import_alert(ALERT, actor="ana")
    [match] = people.retro_hunt(ALERT.id, actor="ana")
    assert (match.report, match.contact_name, match.strength, match.persona) == (
        report.reference,
        "Recruiter",
        "strong",
        "Amanda Qiu",
    )
    assert match.agreed == ("handle: bryr_amanda_example = bryr_amanda_example",)


def test_running_again_replaces_the_matches_and_finds_new_reports(
    people: Store, contact: MakeContact, submission: MakeSubmission, clock: Clock
) -> None:
    first = people.submit_report(
        submission("sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    )
    people.import_alert(ALERT, actor="ana")
    assert len(people.retro_hunt(ALERT.id, actor="ana")) == 1
    later = clock.advance(days=1)
    second = people.submit_report(
        submission("vic", contact("Qiu Amanda", company="BR-YR Executive Search Ltd"))
    )
    found = people.retro_hunt(ALERT.id, actor="ben")
    assert [(m.report, m.reporter, m.reporter_team, m.strength) for m in found] == [
        (second.reference, "vic", "Visitor centre", "strong"),  # newest report first
        (first.reference, "sam", "Committee clerks", "strong"),
    ]
    assert {m.found_at for m in found} == {later}
    assert stored_rows(people) == 2


def test_exercise_reports_are_marked(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    report = people.submit_report(
        submission("sam", contact("Amanda Qiu", company="BP-YR Executive Search"), is_exercise=True)
    )
    people.import_alert(ALERT, actor="ana")
    assert people.retro_hunt(ALERT.id, actor="ana") == [
        expected(report.reference, is_exercise=True)
    ]


def test_reimporting_the_alert_drops_its_matches_until_hunted_again(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    people.submit_report(submission("sam", contact("Amanda Qiu", company="BP-YR Executive Search")))
    people.import_alert(ALERT, actor="ana")
    people.retro_hunt(ALERT.id, actor="ana")
    people.import_alert(ALERT, actor="ana")  # a revised alert replaces the stored one
    assert people.alert_matches_for(ALERT.id) == []
    assert stored_rows(people) == 0
    assert len(people.retro_hunt(ALERT.id, actor="ana")) == 1


def test_a_hunt_appends_one_audit_entry_with_its_counts(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    people.submit_report(
        submission(
            "sam",
            contact("Amanda Qiu", company="BP-YR Executive Search"),
            contact("Amanda Qiu", company="Northwind Trading"),
            contact("Avery Lin"),
        )
    )
    people.import_alert(ALERT, actor="ana")
    people.retro_hunt(ALERT.id, actor="ana")
    before = people.audit_entries(limit=1000)[-1].seq
    people.retro_hunt(ALERT.id, actor="ben")
    [entry] = people.audit_entries(after=before)
    assert (entry.actor, entry.action, entry.target) == ("ben", "alert.hunt", f"alert:{ALERT.id}")
    assert entry.details == {
        "reports": 1,
        "contacts": 3,
        "strong": 1,
        "possible": 1,
        "replaced": 2,
    }
    assert people.verify_audit().ok


def test_an_unknown_alert_or_report_is_not_found(people: Store) -> None:
    with pytest.raises(NotFound):
        people.retro_hunt("no-such-alert", actor="ana")
    with pytest.raises(NotFound):
        people.alert_matches_for("no-such-alert")
    with pytest.raises(NotFound):
        people.matches_for_report("LW-2026-999999")
    with pytest.raises(NotFound):
        people.hunt_report("LW-2026-999999", actor="ana")


def test_every_report_is_searched_across_batch_boundaries(
    people: Store,
    contact: MakeContact,
    submission: MakeSubmission,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hunting_module, "BATCH", 2)
    references = [
        people.submit_report(
            submission("sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
        ).reference
        for _ in range(4)  # exactly two full batches, then an empty one
    ]
    people.import_alert(ALERT, actor="ana")
    found = people.retro_hunt(ALERT.id, actor="ana")
    assert sorted(m.report for m in found) == references


def test_a_new_report_is_hunted_against_every_stored_alert(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    other = Alert(
        id="alert-other",
        title="Another persona (synthetic)",
        personas=(
            Persona(
                id="jordan-wei",
                name="Jordan Wei",
                company="Northwind Talent Partners",
                profile_url="https://www.linkedin.com/in/jordan-wei-x",
            ),
        ),
    )
    people.import_alert(ALERT, actor="ana")
    people.import_alert(other, actor="ana")
    report = people.submit_report(
        submission(
            "sam",
            contact("Amanda Qiu", company="BP-YR Executive Search"),
            contact("J. Wei", "https://uk.linkedin.com/in/jordan-wei-x/?trk=1"),
        )
    )
    before = people.audit_entries(limit=1000)[-1].seq
    found = people.hunt_report(report.reference, actor="sam")
    assert [(m.alert_id, m.position, m.strength, m.persona) for m in found] == [
        (ALERT.id, 0, "strong", "Amanda Qiu"),
        ("alert-other", 1, "strong", "Jordan Wei"),
    ]
    assert people.matches_for_report(report.reference) == found
    [entry] = people.audit_entries(after=before)
    assert (entry.action, entry.details["strong"]) == ("report.hunt", 2)
    # Hunting it again replaces, never duplicates.
    assert people.hunt_report(report.reference, actor="sam") == found
    assert stored_rows(people) == 2


def test_hunting_a_report_with_nothing_to_find_changes_nothing(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    report = people.submit_report(submission("sam", contact("Avery Lin")))
    before = people.audit_entries(limit=1000)[-1].seq
    assert people.hunt_report(report.reference, actor="sam") == []
    people.import_alert(ALERT, actor="ana")
    after_import = people.audit_entries(limit=1000)[-1].seq
    assert people.hunt_report(report.reference, actor="sam") == []
    assert people.audit_entries(after=after_import) == []
    assert after_import == before + 1


# Written the ways the matcher reads them, and some that match nothing.
WRITTEN = (
    "Add me on WeChat: @bryr_AVERY",
    "whatsapp 00852-5555-0101 any time",
    "Write to Avery@BRYR-Search.example please",
    "my profile: https://uk.linkedin.com/in/Avery-Qiu-5B2A19/?trk=x",
    "see www.bryr-search.example/team",
    "An important client pays USD 1,500 for short reports",
    "Lunch on Friday?",
    "",
)
IDENTIFIED = Alert(
    id="alert-identifiers",
    title="Identifiers (synthetic)",
    personas=(
        Persona(
            id="avery-qiu",
            name="Avery Qiu",
            profile_url="https://www.linkedin.com/in/avery-qiu-5b2a19",
        ),
    ),
    indicators=(
        Indicator(type="wechat", value="@BRYR_Avery", persona="avery-qiu"),
        Indicator(type="phone", value="+852 5555 0101", persona="avery-qiu"),
        Indicator(type="email", value="avery@bryr-search.example"),
        Indicator(type="domain", value="bryr-search.example"),
    ),
)


@pytest.mark.parametrize("text", WRITTEN)
def test_the_cheap_text_test_never_loses_a_match(text: str) -> None:
    index = IndicatorIndex([IDENTIFIED])
    items = [{"name": "Someone Else", "items": [{"kind": "message", "excerpt": text}]}]
    narrowed = list(
        hunting_module._contact_matches(index, 1, items, hunting_module._text_filter([IDENTIFIED]))
    )
    everything = hunting_module._TextFilter(every=True, kinds=identifiers.TEXT_KINDS)
    assert narrowed == list(hunting_module._contact_matches(index, 1, items, everything))
    expect_match = text not in (
        "An important client pays USD 1,500 for short reports",
        "Lunch on Friday?",
        "",
    )
    assert bool(narrowed) == expect_match


@pytest.mark.parametrize("indicator", IDENTIFIED.indicators, ids=lambda i: i.type)
@pytest.mark.parametrize("text", WRITTEN)
def test_looking_only_for_the_identifiers_an_alert_names_never_loses_a_match(
    indicator: Indicator, text: str
) -> None:
    for alert in (
        msgspec.structs.replace(IDENTIFIED, indicators=(indicator,)),
        msgspec.structs.replace(IDENTIFIED, personas=(), indicators=(indicator,)),
    ):
        index = IndicatorIndex([alert])
        items = [{"name": "Someone Else", "items": [{"kind": "message", "excerpt": text}]}]
        narrowed = hunting_module._text_filter([alert])
        assert narrowed.kinds < identifiers.TEXT_KINDS
        everything = hunting_module._TextFilter(every=True, kinds=identifiers.TEXT_KINDS)
        assert list(hunting_module._contact_matches(index, 1, items, narrowed)) == list(
            hunting_module._contact_matches(index, 1, items, everything)
        )


def test_only_the_kinds_asked_for_are_looked_for_in_text() -> None:
    text = "Write to amy@bryr.example, www.bryr.example, +852 5555 0101, WeChat BRYR_Amy"
    everything = identifiers.found_in_text(text)
    assert all(everything[k] for k in ("email", "url", "phone", "handle", "domain"))
    only_phone = identifiers.found_in_text(text, frozenset({"phone"}))
    assert only_phone["phone"] == everything["phone"]
    assert not any(only_phone[k] for k in ("email", "url", "handle", "domain"))
    only_email = identifiers.found_in_text(text, frozenset({"email"}))
    assert only_email["email"] == everything["email"]
    assert only_email["domain"] == {"bryr.example"}


def test_texts_that_cannot_match_are_not_parsed() -> None:
    only_handle = hunting_module._text_filter([ALERT])  # the example names one WeChat ID
    assert only_handle == hunting_module._TextFilter(
        needles=frozenset({"bryr_amanda_example"}), kinds=frozenset({"handle"})
    )
    assert not only_handle.wanted(["An important client pays USD 1,500", "Add me on WeChat"])
    assert only_handle.wanted(["my ID is BRYR_Amanda_Example"])
    assert not hunting_module._text_filter([Alert(id="n", title="names only")]).wanted(["x"])


def test_an_arriving_report_is_matched_against_the_alerts_stored_at_that_moment(
    people: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    def arrive(name: str, company: str) -> tuple[str, list[AlertMatch]]:
        report = people.submit_report(submission("sam", contact(name, company=company)))
        return report.reference, people.hunt_arrival(report, actor="sam")

    # No alert yet: nothing matched, nothing written.
    assert arrive("Amanda Qiu", "BP-YR Executive Search")[1] == []
    people.import_alert(ALERT, actor="ana")
    reference, found = arrive("Amanda Qiu", "BP-YR Executive Search")
    assert found == [expected(reference)]
    assert people.matches_for_report(reference) == found
    before = stored_rows(people)
    assert arrive("Tom Hughes", "Example Hospital Trust")[1] == []
    assert stored_rows(people) == before
    # The alert replaced under the same id with another persona: the cached index is rebuilt.
    other = Alert(
        id=ALERT.id,
        title=ALERT.title,
        personas=(Persona(id="p1", name="Jordan Wei", company="Harbour Insight Partners"),),
    )
    people.import_alert(other, actor="ana")
    assert arrive("Amanda Qiu", "BP-YR Executive Search")[1] == []
    reference, found = arrive("Jordan Wei", "Harbour Insight Partners")
    assert [(m.report, m.persona, m.strength) for m in found] == [
        (reference, "Jordan Wei", "strong")
    ]
