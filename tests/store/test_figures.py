"""The dashboard's figures and the persona ranking: counted in SQL, the same on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from storesupport import T0, Clock, MakeContact, MakeSubmission

from lurewatch.identity import counterparty_key
from lurewatch.model import Level
from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.records import (
    CaseDraft,
    OfficeFigures,
    PersonaRank,
    PersonaReport,
    TeamCounts,
    WeekCounts,
)

UTC = dt.UTC


def at(day: str, time: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}:00").replace(tzinfo=UTC)


def test_office_figures_count_by_week_level_and_team_without_exercises(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    # T0 is Sunday 29 Nov 2026, 09:00 UTC: three weeks back starts on Monday 9 Nov.
    assert T0.weekday() == 6

    def report(when: dt.datetime, who: str, score: int, **kw: object) -> str:
        clock.set(when)
        made = people.submit_report(submission(who, contact("Avery Lin", score=score), **kw))
        return made.reference

    report(at("2026-09-01"), "sam", 10)  # old: outside every count but "awaiting verdict"
    old_closed = report(at("2026-09-02"), "sam", 10)
    report(at("2026-11-08", "23:59"), "sam", 90)  # the Sunday before the first week
    first = report(at("2026-11-09", "00:00"), "vic", 50)  # the first moment of the first week
    report(at("2026-11-22", "23:30"), "sam", 95)  # Sunday night: still the second week
    report(at("2026-11-23", "00:30"), "sam", 5)  # Monday morning: the third week
    report(at("2026-11-25"), "root", 55)  # a reporter in no team
    report(at("2026-11-28"), "sam", 99, is_exercise=True)  # an exercise: never counted
    report(at("2026-11-29", "08:00"), "vic", 80)
    clock.set(T0)
    people.record_verdict(first, "looks-legitimate", actor="ana")
    people.set_report_status(old_closed, "closed", actor="ana")
    open_case = people.create_case(CaseDraft(title="Avery Lin"), actor="ana")
    closed_case = people.create_case(CaseDraft(title="Someone else"), actor="ana")
    people.set_case_status(closed_case.id, "FalsePositive", actor="ana")
    people.set_case_status(open_case.id, "InProgress", actor="ana")

    assert people.office_figures(weeks=3) == OfficeFigures(
        as_of=T0,
        last_7_days=4,  # 22 Nov 23:30, 23 Nov, 25 Nov, 29 Nov
        last_30_days=6,
        high_30_days=3,  # 8 Nov, 22 Nov, 29 Nov
        open_cases=1,
        awaiting_verdict=6,  # 8 real reports, one with a verdict, one closed
        weeks=(
            WeekCounts(week=dt.date(2026, 11, 9), medium=1),
            WeekCounts(week=dt.date(2026, 11, 16), high=1),
            WeekCounts(week=dt.date(2026, 11, 23), high=1, medium=1, low=1),
        ),
        teams=(
            TeamCounts(team="Committee clerks", sensitivity=3.0, high=1, low=1),
            TeamCounts(team="Visitor centre", sensitivity=1.0, high=1, medium=1),
            TeamCounts(team=None, sensitivity=None, medium=1),
        ),
    )


def test_office_figures_on_an_empty_store_are_zeros_with_every_week(people: Store) -> None:
    figures = people.office_figures(weeks=26)
    assert len(figures.weeks) == 26
    assert figures.weeks[-1].week == dt.date(2026, 11, 23)
    assert figures.weeks[0].week == dt.date(2026, 6, 1)
    assert all(w.total == 0 for w in figures.weeks)
    assert figures.teams == ()
    assert (figures.last_7_days, figures.last_30_days, figures.awaiting_verdict) == (0, 0, 0)


def test_office_figures_refuse_a_silly_number_of_weeks(people: Store) -> None:
    for weeks in (0, -1, 105):
        with pytest.raises(InvalidValue, match="weeks"):
            people.office_figures(weeks=weeks)


def test_personas_ranked_by_reach_level_or_recency(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    avery_url = "https://www.linkedin.com/in/avery-lin-88/"
    # Avery writes to two staff in two teams; Jordan to one person three times; Priya
    # once, rated low, most recently; Zed only in an exercise.
    people.submit_report(submission("sam", contact("Avery Lin", avery_url, score=70)))
    clock.advance(days=1)
    people.submit_report(
        submission("vic", contact("Avery LIN", avery_url, score=92, company="Bright Path"))
    )
    for score in (40, 45, 50):
        clock.advance(hours=1)
        people.submit_report(submission("sam", contact("Jordan Hale", score=score)))
    clock.advance(days=1)
    people.submit_report(submission("vic", contact("Priya Dunn", score=5)))
    people.submit_report(submission("sam", contact("Zed Exercise", score=99), is_exercise=True))
    avery = counterparty_key(avery_url, "")
    jordan, priya = counterparty_key("", "Jordan Hale"), counterparty_key("", "Priya Dunn")

    def keys(**kw: object) -> list[str]:
        return [p.key for p in people.rank_personas(**kw)]  # type: ignore[arg-type]

    assert keys(order="reports") == [jordan, avery, priya]
    assert keys(order="staff") == [avery, jordan, priya]
    assert keys(order="level") == [avery, jordan, priya]
    assert keys(order="recent") == [priya, jordan, avery]
    assert keys(order="level", include_exercises=True)[0] == counterparty_key("", "Zed Exercise")
    assert keys(q="bright path") == [avery]
    assert keys(q="linkedin.com/in/Avery-Lin-88") == [avery]
    assert keys(q="hale") == [jordan]
    assert keys(q="%") == []
    assert keys(q="   ") == [jordan, avery, priya]

    assert people.rank_personas(q="avery")[0] == PersonaRank(
        key=avery,
        name="Avery LIN",
        company="Bright Path",
        reports=2,
        staff=2,
        teams=2,
        first_reported=T0,
        last_reported=T0 + dt.timedelta(days=1),
        level=Level.HIGH,
        max_score=92,
    )
    with pytest.raises(InvalidValue, match="order"):
        people.rank_personas(order="loudest")  # type: ignore[arg-type]


def test_persona_reports_name_the_reporter_and_team(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    one = people.submit_report(submission("sam", contact("Avery Lin")))
    clock.advance(days=2)
    people.submit_report(submission("vic", contact("Someone Else")))
    two = people.submit_report(submission("root", contact("Avery Lin"), contact("Someone Else")))
    key = counterparty_key("", "Avery Lin")
    assert people.persona_reports(key) == [
        PersonaReport(
            reference=one.reference,
            reporter="sam",
            reporter_team="Committee clerks",
            received_at=T0,
            status="received",
        ),
        PersonaReport(
            reference=two.reference,
            reporter="root",
            reporter_team=None,
            received_at=T0 + dt.timedelta(days=2),
            status="received",
        ),
    ]
    with pytest.raises(NotFound):
        people.persona_reports("name:nobody")
