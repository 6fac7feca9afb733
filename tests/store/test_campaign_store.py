"""Campaigns in the store: relink, analyst decisions kept across relinks, joining on arrival.

Synthetic data only. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from storesupport import MakeContact, MakeSubmission

from lurewatch.model import Level
from lurewatch.office import receive_report
from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.records import SubmittedItem

PERSONA_URL = "https://www.linkedin.com/in/avery-lin-synthetic"
STAFF = ("sam", "vic", "uma", "lee", "kit")
URL_2 = "https://www.linkedin.com/in/jo-pike-synthetic"
TEMPLATE = (
    "Dear colleague, your work on the committee is impressive. An important client of ours "
    "pays USD 1,500 for each short insight report on upcoming budget discussions, and would "
    "welcome a call next week to agree the first topic with you in confidence."
)


@pytest.fixture
def office(people: Store) -> Store:
    """``people`` plus three more reporters, so five members of staff can be approached."""
    for username in ("uma", "lee", "kit"):
        people.create_user(username, display_name=username.title(), role="reporter", actor="root")
    return people


def avery(contact: MakeContact, day: int, **kw: Any) -> Any:
    return contact(
        kw.pop("name", "Avery Lin"),
        kw.pop("url", PERSONA_URL),
        company="Bright Path Executive Search",
        first_contact=f"2026-11-{day:02d}",
        items=(SubmittedItem(kind="message", excerpt=TEMPLATE),),
        **kw,
    )


def five_staff(store: Store, contact: MakeContact, submission: MakeSubmission) -> list[str]:
    """One persona writes to five members of staff within nine days (as in the demo)."""
    return [
        store.submit_report(submission(who, avery(contact, 2 + 2 * i))).reference
        for i, who in enumerate(STAFF)
    ]


def member_reports(store: Store, campaign_id: int) -> list[str]:
    return sorted(m.report for m in store.get_campaign(campaign_id).members)


def test_one_persona_writing_to_five_staff_is_one_campaign_with_reasons(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    refs = five_staff(office, contact, submission)
    unrelated = office.submit_report(
        submission("sam", contact("Jordan Hale", "https://www.linkedin.com/in/jordan-hale-x"))
    ).reference
    drill = office.submit_report(submission("vic", avery(contact, 20), is_exercise=True)).reference

    summary = office.relink_campaigns(actor="ana")

    assert (summary.approaches, summary.campaigns, summary.members, summary.links) == (6, 1, 5, 4)
    (listed,) = office.list_campaigns()
    assert (listed.members, listed.staff, listed.personas, listed.fanout) == (5, 5, 1, True)
    assert listed.name == "Avery Lin (Bright Path Executive Search)"
    assert listed.first.date().isoformat() == "2026-11-02"
    assert listed.last.date().isoformat() == "2026-11-10"
    detail = office.get_campaign(listed.id)
    assert sorted(m.report for m in detail.members) == sorted(refs)
    assert unrelated not in {m.report for m in detail.members}
    assert drill not in {m.report for m in detail.members}
    assert {m.reporter for m in detail.members} == set(STAFF)
    assert {m.reporter_team for m in detail.members} == {
        "Committee clerks",
        "Visitor centre",
        None,
    }
    assert [(lk.reason, lk.detail) for lk in detail.links] == [
        ("profile-url", "same profile address: linkedin.com/in/avery-lin-synthetic")
    ] * 4
    assert {f.kind for f in detail.fanout} >= {"persona", "campaign"}
    assert office.campaign_for(refs[0], 0) == listed.id
    assert office.campaign_for(unrelated, 0) is None
    (entry,) = [e for e in office.audit_entries(limit=1000) if e.action == "campaign.relink"]
    assert entry.actor == "ana"
    assert entry.details == {
        "approaches": 6,
        "campaigns": 1,
        "members": 5,
        "links": 4,
        "decisions": 0,
        "raised": 0,  # every member was already rated high
    }


def test_a_relink_keeps_the_campaign_id_and_finds_nothing_in_an_empty_store(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    assert office.relink_campaigns(actor="ana").campaigns == 0
    assert office.list_campaigns() == []
    five_staff(office, contact, submission)
    office.relink_campaigns(actor="ana")
    (first,) = office.list_campaigns()
    office.relink_campaigns(actor="ana")
    (again,) = office.list_campaigns()
    assert again.id == first.id
    with pytest.raises(NotFound):
        office.get_campaign(first.id + 100)


def test_merge_split_and_name_are_kept_across_relinks(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    refs = five_staff(office, contact, submission)
    # A second persona, linked to nothing of the first, writes to two members of staff.
    other_url = "https://www.linkedin.com/in/casey-moor-synthetic"
    others = [
        office.submit_report(
            submission(who, contact("Casey Moor", other_url, first_contact="2026-11-20"))
        ).reference
        for who in ("sam", "vic")
    ]
    office.relink_campaigns(actor="ana")
    big = office.campaign_for(refs[0], 0)
    small = office.campaign_for(others[0], 0)
    assert big is not None and small is not None and big != small

    merged = office.merge_campaigns(big, small, actor="ana", note="same operator, per partner")
    assert member_reports(office, merged) == sorted(refs + others)
    analyst = [lk for lk in office.get_campaign(merged).links if lk.reason == "analyst"]
    assert [lk.detail for lk in analyst] == ["merged by an analyst: same operator, per partner"]

    left = office.split_member(merged, refs[2], 0, actor="ben")
    assert left == [merged]
    assert office.campaign_for(refs[2], 0) is None
    office.name_campaign(merged, "  Operation   Bright Path ", actor="ben")

    for _ in range(2):  # decisions replay the same way every time
        summary = office.relink_campaigns(actor="ana")
        assert summary.decisions == 3
        (only,) = office.list_campaigns()
        assert only.id == merged
        assert (only.name, only.named_by) == ("Operation Bright Path", "ben")
        assert member_reports(office, merged) == sorted([*refs[:2], *refs[3:], *others])
        assert office.campaign_for(refs[2], 0) is None

    office.name_campaign(merged, "", actor="ana")  # back to the generated name
    (only,) = office.list_campaigns()
    assert only.named_by is None and only.name.startswith("Avery Lin")
    actions = [e.action for e in office.audit_entries(limit=1000)]
    assert {"campaign.merge", "campaign.split", "campaign.name"} <= set(actions)


def test_removing_the_member_that_held_a_campaign_together_splits_it(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    office.relink_campaigns(actor="ana")
    a = office.submit_report(submission("sam", contact("Avery Lin", PERSONA_URL))).reference
    b = office.submit_report(submission("vic", contact("Avery Lin", PERSONA_URL))).reference
    office.relink_campaigns(actor="ana")
    cid = office.campaign_for(a, 0)
    assert cid is not None
    assert office.split_member(cid, a, 0, actor="ana") == []  # one member left: no campaign
    assert office.list_campaigns() == []
    office.relink_campaigns(actor="ana")
    assert office.list_campaigns() == []
    assert office.campaign_for(b, 0) is None
    with pytest.raises(NotFound):
        office.split_member(cid, a, 0, actor="ana")


def test_bad_decisions_are_refused(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    five_staff(office, contact, submission)
    office.relink_campaigns(actor="ana")
    (c,) = office.list_campaigns()
    with pytest.raises(InvalidValue):
        office.merge_campaigns(c.id, c.id, actor="ana")
    with pytest.raises(NotFound):
        office.merge_campaigns(c.id, c.id + 1, actor="ana")
    with pytest.raises(InvalidValue):
        office.name_campaign(c.id, "x" * 201, actor="ana")


def test_a_new_report_joining_a_known_campaign_is_rated_high_at_once(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    refs = five_staff(office, contact, submission)[:3]
    office.relink_campaigns(actor="ana")
    cid = office.campaign_for(refs[0], 0)
    # The persona writes again, under a fresh profile address but the same name, firm
    # and template; the member of staff rated it medium.
    arriving = submission(
        "kit",
        avery(contact, 25, url="https://www.linkedin.com/in/avery-lin-2", score=45),
    )
    report = receive_report(office, arriving)
    assert report.level is Level.MEDIUM  # what the person saw

    stored = office.get_report(report.reference)
    assert (stored.level, stored.score) == (Level.HIGH, 70)
    assert office.campaign_for(report.reference, 0) == cid
    links = office.get_campaign(cid or 0).links
    assert [lk.reason for lk in links if report.reference in (lk.a_report, lk.b_report)] == [
        "persona"
    ]
    (entry,) = [e for e in office.audit_entries(limit=1000) if e.action == "report.campaign"]
    assert entry.target == f"report:{report.reference}"
    assert entry.details["from"] == {"level": "medium", "score": 45}
    assert entry.details["to"] == {"level": "high", "score": 70}
    assert entry.details["campaigns"] == [cid]
    assert entry.details["joined"][0]["reason"] == "persona"
    assert "known campaign" in entry.details["why"]


def _other(contact: MakeContact, name: str, text: str, **kw: Any) -> Any:
    return contact(
        name,
        kw.pop("url", None),
        company=kw.pop("company", ""),
        score=kw.pop("score", 40),
        items=(SubmittedItem(kind="message", excerpt=text),),
        **kw,
    )


HANDLE_TEXT = "Good morning! Please add me, my WeChat ID is amy_br88 and we can talk there."


def test_contacts_arriving_together_join_through_each_other(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    refs = five_staff(office, contact, submission)
    office.relink_campaigns(actor="ana")
    cid = office.campaign_for(refs[0], 0)
    # The persona again (a fresh address, the same name, firm and template) and, in the
    # same report, a second persona tied to it only by a WeChat handle both wrote.
    both = _with_handle(avery(contact, 25, url="https://www.linkedin.com/in/avery-lin-2", score=45))
    one = office.submit_report(submission("kit", both, _other(contact, "Grace Holm", HANDLE_TEXT)))
    # Another member of staff, in the same batch: tied only to Grace Holm, by her handle.
    two = office.submit_report(submission("lee", _other(contact, "Helen Park", HANDLE_TEXT)))
    # Not tied to anyone.
    three = office.submit_report(
        submission("uma", _other(contact, "Jordan Hale", "Would you speak at our forum?"))
    )

    joins = office.campaign_arrivals([one, two, three])

    assert [(j.report, j.position, j.campaign_id) for j in joins] == [
        (one.reference, 0, cid),
        (one.reference, 1, cid),
        (two.reference, 0, cid),
    ]
    assert joins[0].linked_to in refs
    assert [j.linked_to for j in joins[1:]] == [one.reference, one.reference]
    assert [j.reason for j in joins] == ["persona", "handle", "handle"]
    assert office.campaign_for(three.reference, 0) is None
    for ref in (one.reference, two.reference):
        assert office.get_report(ref).level is Level.HIGH
    assert office.get_report(three.reference).level is Level.MEDIUM
    detail = office.get_campaign(cid or 0)
    assert len(detail.members) == 8
    # Every stored link joins two members of the campaign.
    members = {(m.report, m.position) for m in detail.members}
    for lk in detail.links:
        assert (lk.a_report, lk.a_position) in members and (lk.b_report, lk.b_position) in members
    # One audit entry per report raised, on the reporter's behalf.
    raised = [e for e in office.audit_entries(limit=1000) if e.action == "report.campaign"]
    assert sorted((e.target, e.actor) for e in raised) == sorted(
        [(f"report:{one.reference}", "kit"), (f"report:{two.reference}", "lee")]
    )


def _with_handle(c: Any) -> Any:
    return msgspec.structs.replace(
        c, items=(*c.items, SubmittedItem(kind="message", excerpt=HANDLE_TEXT))
    )


@pytest.mark.parametrize("together", [True, False])
def test_arriving_together_or_one_after_another_gives_the_same_campaigns(
    office: Store, contact: MakeContact, submission: MakeSubmission, together: bool
) -> None:
    refs = five_staff(office, contact, submission)
    office.relink_campaigns(actor="ana")
    cid = office.campaign_for(refs[0], 0)
    both = avery(contact, 25, url="https://www.linkedin.com/in/avery-lin-2", score=45)
    first = office.submit_report(submission("kit", _with_handle(both)))
    second = office.submit_report(submission("lee", _other(contact, "Helen Park", HANDLE_TEXT)))
    if together:
        joins = office.campaign_arrivals([first, second])
    else:
        joins = [*office.campaign_arrivals([first]), *office.campaign_arrivals([second])]
    assert [(j.report, j.campaign_id, j.reason) for j in joins] == [
        (first.reference, cid, "persona"),
        (second.reference, cid, "handle"),
    ]
    assert joins[0].linked_to in refs
    assert joins[1].linked_to == first.reference
    assert len(office.get_campaign(cid or 0).members) == 7


def test_the_nearest_campaign_is_joined(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    refs = five_staff(office, contact, submission)
    jo = [
        office.submit_report(
            submission(who, _other(contact, "Jo Pike", "Would you join our panel?", url=URL_2))
        ).reference
        for who in ("sam", "vic")
    ]
    office.relink_campaigns(actor="ana")
    avery_campaign, jo_campaign = office.campaign_for(refs[0], 0), office.campaign_for(jo[0], 0)
    assert avery_campaign is not None and jo_campaign is not None
    assert avery_campaign < jo_campaign  # so the lower id does not decide
    # Avery Lin again, with a WeChat handle; and Jo Pike, with the same handle: one link
    # from Jo Pike's campaign, two (through the Avery Lin contact) from Avery Lin's.
    x = office.submit_report(
        submission(
            "kit",
            _with_handle(avery(contact, 25, url="https://www.linkedin.com/in/avery-lin-2")),
        )
    )
    y = office.submit_report(submission("lee", _other(contact, "Jo Pike", HANDLE_TEXT, url=URL_2)))
    joins = office.campaign_arrivals([x, y])
    assert [(j.report, j.campaign_id, j.reason) for j in joins] == [
        (x.reference, avery_campaign, "persona"),
        (y.reference, jo_campaign, "profile-url"),
    ]


def test_an_unrelated_or_exercise_report_does_not_join(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    five_staff(office, contact, submission)
    office.relink_campaigns(actor="ana")
    stranger = receive_report(
        office,
        submission(
            "kit",
            contact("Jordan Hale", "https://www.linkedin.com/in/jordan-hale-x", score=40),
        ),
    )
    drill = receive_report(
        office, submission("kit", avery(contact, 26, score=40), is_exercise=True)
    )
    for ref in (stranger.reference, drill.reference):
        assert office.campaign_for(ref, 0) is None
        assert office.get_report(ref).level is Level.MEDIUM
    assert not [e for e in office.audit_entries(limit=1000) if e.action == "report.campaign"]
    (c,) = office.list_campaigns()
    assert c.members == 5


def test_a_campaign_that_fans_out_raises_every_member(
    office: Store, contact: MakeContact, submission: MakeSubmission
) -> None:
    # Rated medium by each member of staff: the pattern shows only across them.
    days = (2, 6, 9, 30)  # three staff within 14 days, and a fourth weeks later
    refs = [
        office.submit_report(submission(who, avery(contact, day, score=45))).reference
        for who, day in zip(STAFF, days, strict=False)
    ]
    two = [  # another persona reaching only two members of staff: no fan-out
        office.submit_report(
            submission(
                who,
                contact(
                    "Jo Pike",
                    URL_2,
                    score=45,
                    company="Northgate Policy Forum",
                    first_contact="2026-11-03",
                    items=(SubmittedItem(kind="message", excerpt="Would you join our panel?"),),
                ),
            )
        ).reference
        for who in ("sam", "vic")
    ]
    assert {office.get_report(r).level for r in refs + two} == {Level.MEDIUM}

    summary = office.relink_campaigns(actor="ana")

    assert summary.raised == 4
    for reference in refs:  # the one written to weeks later too: it is a member
        report = office.get_report(reference)
        assert (report.level, report.score) == (Level.HIGH, 70)
    assert {office.get_report(r).level for r in two} == {Level.MEDIUM}
    raised = [e for e in office.audit_entries(limit=1000) if e.action == "report.campaign"]
    assert sorted(e.target for e in raised) == sorted(f"report:{r}" for r in refs)
    assert all(e.details["from"] == {"level": "medium", "score": 45} for e in raised)
    assert "within 14 days" in raised[0].details["why"]
    # A second relink raises nothing again.
    assert office.relink_campaigns(actor="ana").raised == 0


def test_the_relink_and_list_commands(
    office: Store, contact: MakeContact, submission: MakeSubmission, tmp_path: Path
) -> None:
    five_staff(office, contact, submission)
    url = office.engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}

    def lurewatch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lurewatch.cli", "campaigns", *args, "--database-url", url],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**env, "COLUMNS": "200"},
            timeout=120,
            check=False,
        )

    assert office.list_campaigns() == []
    empty = lurewatch("list")
    assert (empty.returncode, empty.stdout) == (
        0,
        "No campaigns stored (run: lurewatch campaigns relink).\n",
    )
    done = lurewatch("relink")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Linked 5 approaches: 1 campaigns, 5 members, 4 links;")
    (campaign,) = office.list_campaigns()
    assert campaign.members == 5 and campaign.fanout
    listed = lurewatch("list")
    assert listed.returncode == 0, listed.stderr
    assert "Avery Lin" in listed.stdout and "yes" in listed.stdout
    assert office.verify_audit().ok
