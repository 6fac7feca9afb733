"""Counterparties: every appearance across reports, grouped by canonical profile URL or name."""

from __future__ import annotations

import datetime as dt

import pytest
from storesupport import T0, Clock, MakeContact, MakeSubmission

from lurewatch.identity import counterparty_key
from lurewatch.model import Level
from lurewatch.store import NotFound, Store
from lurewatch.store.records import (
    Counterparty,
    CounterpartySummary,
    FindingSummary,
    Observation,
)


def test_observations_are_grouped_by_counterparty_across_reports(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    # The same persona under three spellings of its profile address, then a
    # name-only persona written two ways, and someone else.
    first = people.submit_report(
        submission(
            "sam",
            contact(
                "Amanda Qiu",
                "https://uk.linkedin.com/in/Amanda-Qiu-88/?trk=abc",
                score=90,
                company="BR-YR Executive Search",
                first_contact="2026-11-20",
                last_contact="2026-11-22",
            ),
            contact("Shirly Shen", None, score=40),
        )
    )
    clock.advance(days=1)
    second = people.submit_report(
        submission(
            "vic",
            contact("Amanda  QIU", "linkedin.com/in/amanda-qiu-88", score=75, company="BP-YR"),
            contact("shirly shén", None, score=35),
            contact("Sam Jones", "https://www.linkedin.com/in/sam-jones/", score=5),
        )
    )
    amanda = counterparty_key("https://www.linkedin.com/in/amanda-qiu-88/", "")
    shirly = counterparty_key("", "Shirly Shen")
    assert (amanda, shirly) == ("url:linkedin.com/in/amanda-qiu-88", "name:shirly shen")

    got = people.get_counterparty(amanda)
    assert got == Counterparty(
        key=amanda,
        name="Amanda  QIU",
        profile_url="linkedin.com/in/amanda-qiu-88",
        observations=(
            Observation(
                report=first.reference,
                reported_at=T0,
                is_exercise=False,
                name="Amanda Qiu",
                company="BR-YR Executive Search",
                profile_url="https://uk.linkedin.com/in/Amanda-Qiu-88/?trk=abc",
                first_contact="2026-11-20",
                last_contact="2026-11-22",
                level=Level.HIGH,
                score=90,
                findings=(),
            ),
            Observation(
                report=second.reference,
                reported_at=T0 + dt.timedelta(days=1),
                is_exercise=False,
                name="Amanda  QIU",
                company="BP-YR",
                profile_url="linkedin.com/in/amanda-qiu-88",
                first_contact=None,
                last_contact=None,
                level=Level.HIGH,
                score=75,
                findings=(),
            ),
        ),
    )
    assert [o.name for o in people.get_counterparty(shirly).observations] == [
        "Shirly Shen",
        "shirly shén",
    ]
    summaries = {c.key: c for c in people.list_counterparties()}
    assert set(summaries) == {amanda, shirly, "url:linkedin.com/in/sam-jones"}
    assert summaries[amanda] == CounterpartySummary(
        key=amanda,
        name="Amanda  QIU",
        observations=2,
        reports=2,
        first_reported=T0,
        last_reported=T0 + dt.timedelta(days=1),
        max_score=90,
    )


def test_findings_are_summarised_on_each_observation(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    from lurewatch.model import Finding

    finding = Finding(
        id="offplatform", title="Asks to continue on WeChat", category="x", weight=1.5
    )
    people.submit_report(submission("sam", contact("Amanda Qiu", findings=(finding,))))
    (obs,) = people.get_counterparty("name:amanda qiu").observations
    assert obs.findings == (
        FindingSummary(id="offplatform", title="Asks to continue on WeChat", weight=1.5),
    )


def test_a_contact_without_name_or_address_is_not_a_counterparty(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    report = people.submit_report(submission("sam", contact("", None)))
    assert people.get_report(report.reference).contacts[0].name == ""
    assert people.list_counterparties() == []


def test_exercises_are_marked_and_can_be_left_out(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    people.submit_report(submission("sam", contact("Drill Persona"), is_exercise=True))
    people.submit_report(submission("sam", contact("Real Persona")))
    (drill,) = people.get_counterparty("name:drill persona").observations
    assert drill.is_exercise
    assert [c.name for c in people.list_counterparties(include_exercises=False)] == ["Real Persona"]


def test_an_unknown_counterparty(people: Store) -> None:
    with pytest.raises(NotFound, match="no counterparty"):
        people.get_counterparty("name:nobody")
