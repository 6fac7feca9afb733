"""The triage queue's store parts: saved views, queue row details, marking exercises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from storesupport import T0, Clock, MakeContact, MakeSubmission

from lurewatch.model import Evidence, Finding, Level
from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.records import CaseDraft, QueueRowDetail, ReportSummary, SavedView


def _entries(store: Store, prefix: str) -> list[tuple[str, str, str, dict[str, object]]]:
    return [
        (e.actor, e.action, e.target, e.details)
        for e in store.audit_entries(limit=1000)
        if e.action.startswith(prefix)
    ]


def test_saved_views_are_per_analyst_by_name_and_replaced_by_name(
    people: Store, clock: Clock
) -> None:
    first = people.save_view("ana", "High, clerks", "level=high&team=Committee+clerks", actor="ana")
    assert first == SavedView(
        id=first.id,
        username="ana",
        name="High, clerks",
        query="level=high&team=Committee+clerks",
        created_at=T0,
    )
    clock.advance(minutes=1)
    people.save_view("ana", "  Drills  ", "exercises=only", actor="ana")
    people.save_view("ben", "High, clerks", "level=high", actor="ben")
    clock.advance(minutes=1)
    replaced = people.save_view("ana", "High, clerks", "level=high&order=score", actor="ana")
    assert replaced.id == first.id

    assert people.list_views("ana") == [
        SavedView(
            id=people.list_views("ana")[0].id,
            username="ana",
            name="Drills",
            query="exercises=only",
            created_at=T0 + dt.timedelta(minutes=1),
        ),
        SavedView(
            id=first.id,
            username="ana",
            name="High, clerks",
            query="level=high&order=score",
            created_at=T0 + dt.timedelta(minutes=2),
        ),
    ]
    assert [(v.name, v.query) for v in people.list_views("ben")] == [("High, clerks", "level=high")]
    assert people.list_views("sam") == []

    assert _entries(people, "view.")[-1] == (
        "ana",
        "view.save",
        "user:ana",
        {
            "view_id": first.id,
            "name": "High, clerks",
            "query": "level=high&order=score",
            "before": "level=high&team=Committee+clerks",
        },
    )
    assert people.verify_audit().ok


def test_deleting_a_view_only_deletes_ones_own(people: Store) -> None:
    mine = people.save_view("ana", "Mine", "level=high", actor="ana")
    theirs = people.save_view("ben", "Theirs", "level=low", actor="ben")
    with pytest.raises(NotFound, match="no saved view"):
        people.delete_view("ana", theirs.id, actor="ana")
    people.delete_view("ana", mine.id, actor="ana")
    assert people.list_views("ana") == []
    assert [v.name for v in people.list_views("ben")] == ["Theirs"]
    with pytest.raises(NotFound):
        people.delete_view("ana", mine.id, actor="ana")
    assert _entries(people, "view.delete") == [
        (
            "ana",
            "view.delete",
            "user:ana",
            {"view_id": mine.id, "name": "Mine", "query": "level=high"},
        )
    ]


def test_view_names_and_queries_are_checked(people: Store) -> None:
    with pytest.raises(InvalidValue, match="view name"):
        people.save_view("ana", "   ", "level=high", actor="ana")
    with pytest.raises(InvalidValue, match="view name"):
        people.save_view("ana", "x" * 201, "level=high", actor="ana")
    with pytest.raises(InvalidValue, match="view query"):
        people.save_view("ana", "Long", "q=" + "x" * 2000, actor="ana")
    with pytest.raises(NotFound, match="no user"):
        people.save_view("nobody", "View", "", actor="ana")
    assert people.list_views("ana") == []


def test_a_users_views_go_when_the_user_row_goes(people: Store) -> None:
    # The foreign key cascades (there is no user deletion in the store; a DBA may do it).
    import sqlalchemy as sa

    people.create_user("tmp", display_name="Temp", role="analyst", actor="root")
    people.save_view("tmp", "Temp view", "level=high", actor="tmp")
    with people.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM users WHERE username = 'tmp'"))
    with people.engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM saved_views")).scalar_one()
    assert left == 0


def test_queue_details_give_each_reports_heaviest_reason_and_its_cases(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    def finding(title: str, weight: float) -> Finding:
        return Finding(
            id=title.lower().replace(" ", "-"),
            title=title,
            category="test",
            weight=weight,
            evidence=(Evidence(field="text", text="x"),),
        )

    two = people.submit_report(
        submission(
            "sam",
            contact("A One", findings=(finding("Flattery", 0.8), finding("Job reference", -1.0))),
            contact("B Two", findings=(finding("Offers money", 2.0),)),
        )
    )
    plain = people.submit_report(submission("vic", contact("C Three", score=5)))
    negative = people.submit_report(
        submission("vic", contact("D Four", score=5, findings=(finding("Job reference", -1.0),)))
    )
    c1 = people.create_case(CaseDraft(title="One", reports=(two.reference,)), actor="ana")
    c2 = people.create_case(
        CaseDraft(title="Two", reports=(two.reference, plain.reference)), actor="ana"
    )

    assert people.queue_details([plain.id, two.id, negative.id, two.id]) == {
        two.id: QueueRowDetail(
            report_id=two.id, top_reason="Offers money", case_ids=(c1.id, c2.id)
        ),
        plain.id: QueueRowDetail(report_id=plain.id, top_reason="", case_ids=(c2.id,)),
        negative.id: QueueRowDetail(report_id=negative.id, top_reason="", case_ids=()),
    }
    assert people.queue_details([]) == {}


def test_marking_a_report_as_an_exercise_moves_it_and_its_observations(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    url = "https://www.linkedin.com/in/amanda-qiu-88/"
    report = people.submit_report(submission("sam", contact("Amanda Qiu", url)))
    key = people.list_counterparties()[0].key
    clock.advance(minutes=1)

    marked = people.set_report_exercise(report.reference, True, actor="ana")
    assert marked.is_exercise
    assert people.get_report(report.reference).is_exercise
    assert [o.is_exercise for o in people.get_counterparty(key).observations] == [True]
    assert people.list_reports(include_exercises=False) == []
    assert people.list_counterparties(include_exercises=False) == []

    people.set_report_exercise(report.reference, False, actor="ben")
    assert not people.get_report(report.reference).is_exercise
    assert [o.is_exercise for o in people.get_counterparty(key).observations] == [False]
    assert [r.reference for r in people.list_reports(include_exercises=False)] == [report.reference]
    assert _entries(people, "report.exercise") == [
        ("ana", "report.exercise", f"report:{report.reference}", {"from": False, "to": True}),
        ("ben", "report.exercise", f"report:{report.reference}", {"from": True, "to": False}),
    ]
    with pytest.raises(NotFound):
        people.set_report_exercise("LW-2026-999999", True, actor="ana")


def test_the_team_filter(
    people: Store, clock: Clock, submission: MakeSubmission, contact: MakeContact
) -> None:
    clerk = people.submit_report(submission("sam"))
    clock.advance(minutes=1)
    guide = people.submit_report(submission("vic"))
    assert [r.reference for r in people.list_reports(team="Committee clerks")] == [clerk.reference]
    assert [r.reference for r in people.list_reports(team="Visitor centre")] == [guide.reference]
    assert people.list_reports(team="Nobody's team") == []


@pytest.mark.parametrize(
    "sensitivities",
    [(0.0, 0.5, 1.0, 2.5), (0.25, 7.5), (1.0,)],
    ids=["spread", "one far above", "all ordinary"],
)
def test_every_page_of_the_priority_order_is_score_times_sensitivity_newest_first(
    people: Store,
    clock: Clock,
    submission: MakeSubmission,
    contact: MakeContact,
    sensitivities: tuple[float, ...],
) -> None:
    # The store reads only reports scoring above a floor it works out per page
    # (reports.py, _priority_page): every page must still be exactly the one big sort.
    import random

    rng = random.Random(len(sensitivities))
    reporters = ["sam", "vic"]
    for n, sensitivity in enumerate(sensitivities):
        people.set_team(f"Team {n}", sensitivity, actor="root")
        people.create_user(
            f"r{n}", display_name=f"R {n}", role="reporter", team=f"Team {n}", actor="root"
        )
        reporters.append(f"r{n}")
    people.create_user("kit", display_name="Kit Teamless", role="reporter", actor="root")
    reporters.append("kit")
    for _ in range(70):
        reporter = rng.choice(reporters)
        score = rng.choice([0, 10, 40, 55, 55, 80, 100])  # many ties
        people.submit_report(
            submission(reporter, contact("A Person", score=score), is_exercise=rng.random() < 0.2)
        )
        if rng.random() < 0.5:
            clock.advance(minutes=1)  # and some reports at the same moment
    factor = {t.name: t.sensitivity for t in people.list_teams()}
    everything = people.list_reports(order="recent", limit=1000)

    def expected(keep: Callable[[ReportSummary], bool]) -> list[str]:
        ranked = sorted(
            (r for r in everything if keep(r)),
            key=lambda r: (
                -(r.score * factor.get(r.reporter_team or "", 1.0)),
                -r.received_at.timestamp(),
                -r.id,
            ),
        )
        return [r.reference for r in ranked]

    def pages(size: int = 7, **kw: Any) -> list[str]:
        out: list[str] = []
        for offset in range(0, 80, size):
            page = people.list_reports(order="priority", limit=size, offset=offset, **kw)
            out += [r.reference for r in page]
        return out

    assert pages() == expected(lambda r: True)
    assert pages(size=1) == pages(size=30) == expected(lambda r: True)
    assert pages(include_exercises=False) == expected(lambda r: not r.is_exercise)
    assert pages(level=Level.MEDIUM) == expected(lambda r: r.level == Level.MEDIUM)
    assert pages(team="Team 0") == expected(lambda r: r.reporter_team == "Team 0")
    assert pages(reporter="r0") == expected(lambda r: r.reporter == "r0")
    assert pages(reporter="kit") == expected(lambda r: r.reporter == "kit")
    assert pages(team="No such team") == []
    assert pages(team="Committee clerks", level=Level.HIGH) == expected(
        lambda r: r.reporter_team == "Committee clerks" and r.level == Level.HIGH
    )
