"""The triage queue in SQL: level filter, score and priority orders; search."""

from __future__ import annotations

import pytest
from storesupport import Clock, MakeContact, MakeSubmission

from lurewatch.model import Level
from lurewatch.store import InvalidValue, Store


def test_a_committee_clerks_report_outranks_a_visitor_centre_guides_identical_one(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    same = contact("Amanda Qiu", "https://www.linkedin.com/in/amanda-qiu-88/", score=55)
    assert same.level == Level.MEDIUM
    people.create_user("kit", display_name="Kit Teamless", role="reporter", actor="root")
    clerk = people.submit_report(submission("sam", same))
    clock.advance(minutes=5)
    guide = people.submit_report(submission("vic", same))
    clock.advance(minutes=5)
    teamless = people.submit_report(submission("kit", same))  # sensitivity 1.0, newer
    clock.advance(minutes=5)
    low = people.submit_report(submission("vic", contact("Tom Hughes", score=20)))
    clock.advance(minutes=5)
    drill = people.submit_report(submission("sam", same, is_exercise=True))

    def refs(**kw: object) -> list[str]:
        return [r.reference for r in people.list_reports(**kw)]  # type: ignore[arg-type]

    # priority = score x sensitivity: 165 (clerk, drill), 165 (clerk), 55, 55, 20;
    # equal priorities newest first.
    assert refs(order="priority") == [
        drill.reference,
        clerk.reference,
        teamless.reference,
        guide.reference,
        low.reference,
    ]
    assert refs(order="priority", include_exercises=False) == [
        clerk.reference,
        teamless.reference,
        guide.reference,
        low.reference,
    ]
    assert refs(order="score", include_exercises=False) == [
        teamless.reference,
        guide.reference,
        clerk.reference,
        low.reference,
    ]
    assert refs(order="recent", limit=2) == [drill.reference, low.reference]
    assert refs(order="priority", limit=2, offset=1) == [clerk.reference, teamless.reference]

    # An admin raising a team's sensitivity reorders the queue at once.
    people.set_team("Visitor centre", 4.0, actor="root")
    assert refs(order="priority", include_exercises=False)[:2] == [
        guide.reference,
        clerk.reference,
    ]
    with pytest.raises(InvalidValue, match="order"):
        people.list_reports(order="loudest")  # type: ignore[arg-type]


def test_the_level_filter_and_exercises(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    high = people.submit_report(submission("sam", contact("A One", score=95)))
    clock.advance(minutes=1)
    medium = people.submit_report(submission("vic", contact("B Two", score=55)))
    clock.advance(minutes=1)
    low = people.submit_report(submission("vic", contact("C Three", score=5)))
    clock.advance(minutes=1)
    drill = people.submit_report(submission("sam", contact("D Four", score=90), is_exercise=True))

    def refs(**kw: object) -> list[str]:
        return [r.reference for r in people.list_reports(**kw)]  # type: ignore[arg-type]

    assert refs(level=Level.HIGH) == [drill.reference, high.reference]
    assert refs(level=Level.HIGH, include_exercises=False) == [high.reference]
    assert refs(level=Level.MEDIUM) == [medium.reference]
    assert refs(level=Level.LOW, order="priority") == [low.reference]
    assert refs(exercises_only=True) == [drill.reference]
    assert refs(level=Level.MEDIUM, exercises_only=True) == []


def test_search_by_name_company_address_and_reference(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    avery = people.submit_report(
        submission(
            "sam",
            contact(
                "Avery Lin",
                "https://www.linkedin.com/in/avery-lin/",
                company="Bright Path Executive Search",
            ),
        )
    )
    clock.advance(minutes=1)
    tom = people.submit_report(
        submission("vic", contact("Tom Hughes", company="House of Commons Library"))
    )

    def found(q: str, limit: int = 20) -> tuple[list[str], list[str]]:
        hits = people.search(q, limit=limit)
        return [r.reference for r in hits.reports], [p.name for p in hits.personas]

    assert found("avery") == ([avery.reference], ["Avery Lin"])
    assert found("AVÉRY  lin") == ([avery.reference], ["Avery Lin"])
    assert found("executive search") == ([avery.reference], ["Avery Lin"])
    assert found("commons LIBRARY") == ([tom.reference], ["Tom Hughes"])
    assert found("https://uk.linkedin.com/in/Avery-Lin/?trk=x") == (
        [avery.reference],
        ["Avery Lin"],
    )
    assert found(tom.reference.lower()) == ([tom.reference], [])
    assert found("2026-00000") == ([tom.reference, avery.reference], [])
    assert found("2026-00000", limit=1) == ([tom.reference], [])
    assert found("nobody at all") == ([], [])
    assert found("") == ([], [])


def test_search_takes_percent_and_underscore_as_text_not_wildcards(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    underscored = people.submit_report(
        submission("sam", contact("Red_Team Recruiter", company="Red_Team Ltd"))
    )
    clock.advance(minutes=1)
    plain = people.submit_report(
        submission("vic", contact("RedXTeam Recruiter", company="RedXTeam Ltd"))
    )

    def found(q: str) -> list[str]:
        return [r.reference for r in people.search(q).reports]

    assert found("red_team") == [underscored.reference]
    assert found("redxteam") == [plain.reference]
    assert found("_") == [underscored.reference]
    assert found("%") == []  # folded away: punctuation only
    assert found("%2026%") == []  # not a pattern: no reference holds a '%'
    assert found("20_6") == []  # not a pattern: '_' is not any character
    assert found("LW-2026") == [plain.reference, underscored.reference]
