"""Cases in the TheHive manner: lifecycle, assignment, notes, linked reports, TLP labels."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from storesupport import T0, Clock, MakeSubmission

from lurewatch.model import TLP_LABELS
from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.records import (
    CASE_STATUSES,
    Case,
    CaseDraft,
    CaseNote,
    CaseSummary,
)


def test_case_lifecycle(people: Store, clock: Clock, submission: MakeSubmission) -> None:
    r1 = people.submit_report(submission("sam")).reference
    r2 = people.submit_report(submission("vic")).reference
    case = people.create_case(
        CaseDraft(
            title="BR-YR recruiter persona",
            description="Two reports of the same persona.",
            severity="high",
            tlp="TLP:AMBER+STRICT",
            pap="PAP:RED",
            tags=("persona", "attack.t1585.001", "persona"),
            reports=(r1,),
        ),
        actor="ana",
    )
    assert case == Case(
        id=case.id,
        title="BR-YR recruiter persona",
        description="Two reports of the same persona.",
        severity="high",
        tlp="TLP:AMBER+STRICT",
        pap="PAP:RED",
        tags=("attack.t1585.001", "persona"),
        status="New",
        assignee=None,
        created_by="ana",
        created_at=T0,
        updated_at=T0,
        reports=(r1,),
        notes=(),
    )
    # Linking moves a received report to in_review: its reporter sees it is looked at.
    assert people.get_report(r1).status == "in_review"
    assert people.get_report(r1).case_ids == (case.id,)

    clock.advance(minutes=1)
    people.assign_case(case.id, "ben", actor="ana")
    people.set_case_status(case.id, "InProgress", actor="ben")
    people.link_report(case.id, r2, actor="ben")
    people.link_report(case.id, r2, actor="ben")  # linking twice changes nothing
    clock.advance(minutes=1)
    note = people.add_case_note(case.id, "Same WeChat handle in both.", actor="ben")
    assert note == CaseNote(
        id=note.id,
        case_id=case.id,
        author="ben",
        at=T0 + dt.timedelta(minutes=2),
        text="Same WeChat handle in both.",
    )
    people.update_case(case.id, actor="ben", severity="critical", tags=["persona", "wechat"])
    final = people.set_case_status(case.id, "TruePositive", actor="ben")
    assert (final.status, final.assignee, final.severity, final.tags, final.reports) == (
        "TruePositive",
        "ben",
        "critical",
        ("persona", "wechat"),
        tuple(sorted((r1, r2))),
    )
    assert final.notes == (note,)
    assert final.updated_at == T0 + dt.timedelta(minutes=2)
    assert final == people.get_case(case.id)
    assert [
        (e.actor, e.action)
        for e in people.audit_entries(limit=1000)
        if e.target == f"case:{case.id}"
    ] == [
        ("ana", "case.create"),
        ("ana", "case.assign"),
        ("ben", "case.status"),
        ("ben", "case.link_report"),
        ("ben", "case.link_report"),
        ("ben", "case.note"),
        ("ben", "case.update"),
        ("ben", "case.status"),
    ]


def test_every_thehive_status_is_accepted_and_others_are_not(people: Store) -> None:
    case = people.create_case(CaseDraft(title="t"), actor="ana")
    for status in CASE_STATUSES:
        assert people.set_case_status(case.id, status, actor="ana").status == status  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="status 'Closed'"):
        people.set_case_status(case.id, "Closed", actor="ana")  # type: ignore[arg-type]


def test_tlp_is_stored_as_a_label_never_an_integer(people: Store) -> None:
    ids = [
        people.create_case(CaseDraft(title=label, tlp=label), actor="ana").id
        for label in TLP_LABELS
    ]
    with people.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT tlp, pap FROM cases ORDER BY id")).all()
    assert [tuple(row) for row in stored] == [(label, "PAP:AMBER") for label in TLP_LABELS]
    assert [people.get_case(i).tlp for i in ids] == list(TLP_LABELS)
    for bad in ("2", "amber", "TLP:WHITE"):
        with pytest.raises(InvalidValue, match="tlp"):
            people.create_case(CaseDraft(title="t", tlp=bad), actor="ana")
    # The database itself refuses a number written behind the store's back.
    with pytest.raises(sa.exc.IntegrityError), people.engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET tlp = '2' WHERE id = :i"), {"i": ids[0]})


def test_cases_are_assigned_only_to_analysts_and_admins(people: Store) -> None:
    case = people.create_case(CaseDraft(title="t", assignee="ana"), actor="root")
    assert case.assignee == "ana"
    assert people.assign_case(case.id, "root", actor="root").assignee == "root"
    assert people.assign_case(case.id, None, actor="root").assignee is None
    with pytest.raises(InvalidValue, match="only active analysts and admins"):
        people.assign_case(case.id, "sam", actor="root")
    with pytest.raises(NotFound, match="no user 'nobody'"):
        people.assign_case(case.id, "nobody", actor="root")


def test_list_cases_with_filters(people: Store, clock: Clock, submission: MakeSubmission) -> None:
    ref = people.submit_report(submission()).reference
    a = people.create_case(CaseDraft(title="a", tags=("x",), reports=(ref,)), actor="ana")
    clock.advance(minutes=1)
    b = people.create_case(CaseDraft(title="b", assignee="ben"), actor="ana")
    people.set_case_status(b.id, "InProgress", actor="ben")
    assert [c.id for c in people.list_cases()] == [b.id, a.id]
    assert [c.id for c in people.list_cases(status="InProgress")] == [b.id]
    assert [c.id for c in people.list_cases(assignee="ben")] == [b.id]
    assert [c.id for c in people.list_cases(tag="x")] == [a.id]
    assert people.list_cases(status="New") == [
        CaseSummary(
            id=a.id,
            title="a",
            severity="medium",
            tlp="TLP:AMBER",
            status="New",
            assignee=None,
            tags=("x",),
            reports=1,
            updated_at=T0,
        )
    ]


def test_a_report_may_be_linked_to_several_cases(people: Store, submission: MakeSubmission) -> None:
    ref = people.submit_report(submission()).reference
    a = people.create_case(CaseDraft(title="a", reports=(ref,)), actor="ana")
    b = people.create_case(CaseDraft(title="b", reports=(ref,)), actor="ana")
    assert people.get_report(ref).case_ids == (a.id, b.id)


def test_bad_case_calls(people: Store) -> None:
    with pytest.raises(NotFound, match="no case 999"):
        people.get_case(999)
    with pytest.raises(NotFound, match="no report 'LW-2026-000009'"):
        people.create_case(CaseDraft(title="t", reports=("LW-2026-000009",)), actor="ana")
    assert people.list_cases() == []  # nothing half-made
    with pytest.raises(InvalidValue, match="case title"):
        people.create_case(CaseDraft(title="  "), actor="ana")
    with pytest.raises(InvalidValue, match="severity"):
        people.create_case(CaseDraft(title="t", severity="urgent"), actor="ana")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="pap"):
        people.create_case(CaseDraft(title="t", pap="PAP:WHITE"), actor="ana")
    case = people.create_case(CaseDraft(title="t"), actor="ana")
    with pytest.raises(InvalidValue, match="note"):
        people.add_case_note(case.id, " ", actor="ana")
