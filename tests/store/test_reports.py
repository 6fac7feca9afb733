"""Reports: reference numbers, durability, what is kept, feedback to the reporter."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa
from storesupport import T0, Clock, MakeContact, MakeSubmission, OpenStore

from lurewatch.model import Assessment, Contribution, Evidence, Finding, Level
from lurewatch.scoring import level_for
from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.records import (
    Report,
    ReportSummary,
    SubmittedContact,
    SubmittedItem,
)

FINDING = Finding(
    id="pays-for-insight-reports",
    title="Offers money for reports, papers or insights",
    category="paid_task",
    weight=2.0,
    evidence=(Evidence(field="text", text="pays USD 1,500", start=10, end=24, item=0),),
    tags=("attack.t1598.001",),
    rule_uuid="00000000-0000-0000-0000-000000000001",
)
ASSESSMENT = Assessment(
    level=Level.HIGH,
    score=95,
    logit=3.1,
    findings=(FINDING,),
    contributions=(Contribution(category="paid_task", weight=2.0, findings=(FINDING.id,)),),
    advice=("Do not reply.", "Report it to Parliamentary Security, ext. 4444."),
    notes=("read 1 message",),
)


def test_a_report_is_kept_exactly_as_submitted(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    sent = contact(
        "Amanda Qiu",
        "https://uk.linkedin.com/in/amanda-qiu-88/?trk=x",
        score=95,
        company="BR-YR Executive Search",
        position="Senior Partner",
        findings=(FINDING,),
        items=(
            SubmittedItem(
                kind="invitation", date="2026-11-20", excerpt="pays USD 1,500 for short insight"
            ),
        ),
        first_contact="2026-11-20",
        last_contact="2026-11-21",
        context=("You replied 1 time",),
    )
    report = people.submit_report(
        submission("sam", sent, channel="cli", assessment=ASSESSMENT, is_exercise=True)
    )
    expected = Report(
        id=report.id,
        reference="LW-2026-000001",
        reporter="sam",
        channel="cli",
        received_at=T0,
        contacts=(sent,),
        assessment=ASSESSMENT,
        level=Level.HIGH,
        score=95,
        is_exercise=True,
        status="received",
        verdict_key=None,
        verdict_text=None,
        verdict_at=None,
        case_ids=(),
    )
    assert report == expected
    assert people.get_report("LW-2026-000001") == expected


def test_level_and_score_come_from_the_top_contact_without_an_assessment(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    report = people.submit_report(
        submission("sam", contact("A", score=20), contact("B", score=50), contact("C", score=45))
    )
    assert (report.level, report.score, report.assessment) == (level_for(50), 50, None)


def test_reference_numbers_count_per_year(
    people: Store, clock: Clock, submission: MakeSubmission
) -> None:
    refs = [people.submit_report(submission()).reference for _ in range(3)]
    clock.set(dt.datetime(2027, 1, 1, 0, 0, tzinfo=dt.UTC))
    refs.append(people.submit_report(submission()).reference)
    assert refs == ["LW-2026-000001", "LW-2026-000002", "LW-2026-000003", "LW-2027-000001"]


def test_fifty_concurrent_writers_get_unique_numbers_and_nothing_is_lost(
    people: Store, submission: MakeSubmission, contact: MakeContact
) -> None:
    writers, each = 50, 2
    start = threading.Barrier(writers)
    refs: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                # Everyone names the same persona too: the counterparty is created once.
                sent = submission(
                    "sam",
                    contact("Amanda Qiu", "https://www.linkedin.com/in/amanda-qiu-88/"),
                    contact(f"Writer {n}-{i}"),
                )
                got = people.submit_report(sent).reference
                with lock:
                    refs.append(got)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    total = writers * each
    assert sorted(refs) == [f"LW-2026-{n:06d}" for n in range(1, total + 1)]
    stored = people.list_reports(limit=1000)
    assert sorted(r.reference for r in stored) == sorted(refs)
    (persona,) = [c for c in people.list_counterparties(limit=1000) if c.key.startswith("url:")]
    assert (persona.observations, persona.reports) == (total, total)


def test_a_report_is_readable_after_the_store_is_closed_and_reopened(
    people: Store, open_store: OpenStore, submission: MakeSubmission
) -> None:
    report = people.submit_report(submission())
    people.close()
    reopened = open_store()
    assert reopened.get_report(report.reference) == report


def test_a_report_survives_its_writer_dying_right_after_the_acknowledgement(
    people: Store, database_url: str
) -> None:
    # The writer exits at once, closing nothing, the moment submit_report returns:
    # what it acknowledged must already be committed.
    code = f"""
import datetime as dt, os, sys
from lurewatch.model import Level
from lurewatch.store import Store
from lurewatch.store.records import ReportSubmission, SubmittedContact
store = Store.open({database_url!r}, now=lambda: dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC))
report = store.submit_report(ReportSubmission(reporter="sam", channel="api", contacts=(
    SubmittedContact(name="Amanda Qiu", level=Level.HIGH, score=90),)))
sys.stdout.write(report.reference)
sys.stdout.flush()
os._exit(0)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout == "LW-2026-000001"
    report = people.get_report("LW-2026-000001")
    assert (report.channel, report.contacts[0].name) == ("api", "Amanda Qiu")


def test_the_clock_must_be_aware(open_store: OpenStore, clock: Clock) -> None:
    clock.set(dt.datetime(2026, 11, 29, 9, 0))  # naive: which zone?
    with pytest.raises(InvalidValue, match="naive datetime"):
        open_store().set_team("Any", 1.0, actor="root")


def test_list_reports_newest_first_with_filters(
    people: Store, clock: Clock, submission: MakeSubmission
) -> None:
    a = people.submit_report(submission("sam"))
    clock.advance(minutes=5)
    b = people.submit_report(submission("vic", is_exercise=True, channel="email"))
    clock.advance(minutes=5)
    c = people.submit_report(submission("sam"))
    people.set_report_status(c.reference, "in_review", actor="ana")

    def refs(**kw: object) -> list[str]:
        return [r.reference for r in people.list_reports(**kw)]  # type: ignore[arg-type]

    assert refs() == [c.reference, b.reference, a.reference]
    assert refs(reporter="sam") == [c.reference, a.reference]
    assert refs(status="in_review") == [c.reference]
    assert refs(include_exercises=False) == [c.reference, a.reference]
    assert refs(channel="email") == [b.reference]
    assert refs(limit=1, offset=1) == [b.reference]
    assert people.list_reports(reporter="vic") == [
        ReportSummary(
            id=b.id,
            reference=b.reference,
            reporter="vic",
            reporter_team="Visitor centre",
            channel="email",
            received_at=T0 + dt.timedelta(minutes=5),
            level=Level.HIGH,
            score=80,
            is_exercise=True,
            status="received",
            verdict_key=None,
        )
    ]


def test_feedback_status_and_templated_verdicts(
    people: Store, clock: Clock, submission: MakeSubmission
) -> None:
    ref = people.submit_report(submission()).reference
    assert people.set_report_status(ref, "in_review", actor="ana").status == "in_review"
    clock.advance(hours=1)
    report = people.record_verdict(ref, "confirmed-hostile", actor="ana", status="closed")
    assert (report.status, report.verdict_key, report.verdict_text, report.verdict_at) == (
        "closed",
        "confirmed-hostile",
        "confirmed hostile: do not engage, we have blocked it",
        T0 + dt.timedelta(hours=1),
    )
    # Wording written for this one report, on a template's key.
    custom = people.record_verdict(ref, "looks-legitimate", actor="ben", text="A real recruiter.")
    assert (custom.verdict_key, custom.verdict_text) == ("looks-legitimate", "A real recruiter.")
    assert [e.action for e in people.audit_entries()][-3:] == [
        "report.status",
        "report.verdict",
        "report.verdict",
    ]


def test_verdict_templates_are_seeded_and_editable(people: Store, clock: Clock) -> None:
    seeded = {t.key: t.text for t in people.list_verdict_templates()}
    assert set(seeded) == {"received", "confirmed-hostile", "looks-legitimate"}
    assert seeded["confirmed-hostile"] == "confirmed hostile: do not engage, we have blocked it"
    edited = people.set_verdict_template("received", "Thank you: we have it.", actor="root")
    assert edited == people.get_verdict_template("received")
    assert (edited.text, edited.updated_by, edited.updated_at) == (
        "Thank you: we have it.",
        "root",
        T0,
    )
    people.set_verdict_template("needs-more", "Please send the whole thread.", actor="root")
    assert len(people.list_verdict_templates()) == 4


def test_a_sent_verdict_keeps_its_wording_when_the_template_changes(
    people: Store, submission: MakeSubmission
) -> None:
    ref = people.submit_report(submission()).reference
    people.record_verdict(ref, "received", actor="ana")
    before = people.get_report(ref).verdict_text
    people.set_verdict_template("received", "New wording.", actor="root")
    assert people.get_report(ref).verdict_text == before


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"reporter": "nobody"}, NotFound),
        ({"channel": "pigeon"}, InvalidValue),
        ({"contacts": ()}, InvalidValue),
    ],
    ids=["unknown-reporter", "unknown-channel", "no-contacts"],
)
def test_bad_submissions_are_refused_and_store_nothing(
    people: Store, submission: MakeSubmission, change: dict[str, object], error: type[Exception]
) -> None:
    import msgspec

    bad = msgspec.structs.replace(submission(), **change)
    with pytest.raises(error):
        people.submit_report(bad)
    assert people.list_reports() == []
    # A refused report does not use up a number.
    assert people.submit_report(submission()).reference == "LW-2026-000001"


def test_a_deactivated_reporter_cannot_submit(people: Store, submission: MakeSubmission) -> None:
    people.update_user("sam", actor="root", is_active=False)
    with pytest.raises(InvalidValue, match="user 'sam' is deactivated"):
        people.submit_report(submission("sam"))


def test_unknown_references_and_templates(people: Store, submission: MakeSubmission) -> None:
    with pytest.raises(NotFound, match="LW-2026-999999"):
        people.get_report("LW-2026-999999")
    ref = people.submit_report(submission()).reference
    with pytest.raises(NotFound, match="no verdict template 'nope'"):
        people.record_verdict(ref, "nope", actor="ana")
    with pytest.raises(InvalidValue, match="report status 'done'"):
        people.set_report_status(ref, "done", actor="ana")  # type: ignore[arg-type]


def test_the_stored_items_are_json_a_person_can_read(
    people: Store, submission: MakeSubmission
) -> None:
    report = people.submit_report(submission())
    with people.engine.connect() as conn:
        items = conn.execute(
            sa.text("SELECT items FROM reports WHERE reference = :r"), {"r": report.reference}
        ).scalar_one()
    if isinstance(items, str):  # SQLite hands JSON back as text
        import json

        items = json.loads(items)
    assert items[0]["name"] == "Amanda Qiu"
    assert items[0]["level"] == "high"


def test_from_scan_keeps_what_the_person_saw() -> None:
    from lurewatch.scan import ScanContact, ScanItem

    scanned = ScanContact(
        name="Amanda Qiu",
        profile_url="https://www.linkedin.com/in/amanda-qiu-88/",
        level=Level.HIGH,
        score=95,
        findings=(FINDING,),
        items=(ScanItem(kind="message", date="2026-11-20T10:00:00", excerpt="pays USD 1,500"),),
        company="BR-YR",
        position="Partner",
        connected_on="2026-01-01",
        first_contact="2026-11-20T10:00:00",
        last_contact="2026-11-20T10:00:00",
        item_count=1,
        context=("You replied 1 time",),
        advice=("Do not reply.",),
    )
    assert SubmittedContact.from_scan(scanned) == SubmittedContact(
        name="Amanda Qiu",
        profile_url="https://www.linkedin.com/in/amanda-qiu-88/",
        company="BR-YR",
        position="Partner",
        level=Level.HIGH,
        score=95,
        findings=(FINDING,),
        items=(
            SubmittedItem(kind="message", date="2026-11-20T10:00:00", excerpt="pays USD 1,500"),
        ),
        first_contact="2026-11-20T10:00:00",
        last_contact="2026-11-20T10:00:00",
        context=("You replied 1 time",),
    )
