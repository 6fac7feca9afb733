"""A synthetic institution for ``lurewatch serve --demo``: staff, reports, a campaign, an alert.

Every name, firm and message here is invented. Reports are made the real way:
each member of staff's small LinkedIn export is written to a temporary folder,
scanned by the same Scanner staff run, and the people rated medium or high
are reported one by one. One persona ("Avery Lin" of "Bright Path Executive
Search") writes to five members of staff within two weeks: the cluster a
campaign view should find.

Demo accounts are named ``demo-...`` and get fresh random passwords, printed
once. A database holding them is a demo database: ``lurewatch serve`` refuses
to serve it without ``--demo``, so demo credentials never work on a real
server.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lurewatch.exchange import read_alert_bytes
from lurewatch.model import Level
from lurewatch.scan import Scanner
from lurewatch.service import Checker
from lurewatch.store import Store
from lurewatch.store.records import CaseDraft, ReportSubmission, SubmittedContact

DEMO_PREFIX = "demo-"
ACTOR = "demo-seed"
TEAMS = (
    ("Committee clerks", 3.0),
    ("Members' staff", 2.5),
    ("Library researchers", 2.0),
    ("Visitor centre", 1.0),
)
STAFF = (
    ("demo-clerk-ines", "Ines Calder", "Committee clerks"),
    ("demo-clerk-rafe", "Rafe Okoro", "Committee clerks"),
    ("demo-staff-mina", "Mina Holt", "Members' staff"),
    ("demo-staff-joel", "Joel Varga", "Members' staff"),
    ("demo-library-una", "Una Brenner", "Library researchers"),
    ("demo-library-theo", "Theo Marsh", "Library researchers"),
    ("demo-guide-lena", "Lena Fox", "Visitor centre"),
    ("demo-guide-omar", "Omar Reyes", "Visitor centre"),
)
CAMPAIGN = (
    "Avery Lin",
    "https://www.linkedin.com/in/avery-lin-demo",
    "Bright Path Executive Search",
)
CAMPAIGN_THREAD = (
    "Dear {first}, your work on the committee is impressive. An important client of ours "
    "values expert views.",
    "Our client pays USD 1,500 for each short insight report on upcoming budget discussions.",
    "It would be easier to continue on WeChat; could you also share the internal briefing "
    "papers before the vote?",
)
OTHERS = (
    (
        "Jordan Hale",
        "https://www.linkedin.com/in/jordan-hale-demo",
        "Hello, we pay in cash for short reports. Add me on WhatsApp +852 5555 0199.",
    ),
    (
        "Priya Dunn",
        "https://www.linkedin.com/in/priya-dunn-demo",
        "I'm recruiting for a Senior Policy Adviser (job reference IFR-2231, advertised on our "
        "careers page). Please apply online or send me your CV.",
    ),
    (
        "Sam Ito",
        "https://www.linkedin.com/in/sam-ito-demo",
        "Exclusive opportunity for a select group of experts: flights and hotel are covered to "
        "meet our client in person. Please keep this between us.",
    ),
)
ALERT = {
    "title": "Demo alert: recruitment personas",
    "tlp": "TLP:AMBER",
    "source": "Demo security office",
    "personas": [
        {
            "name": "Avery Lin",
            "company": "Bright Path Executive Search",
            "profile_url": CAMPAIGN[1],
        },
    ],
}
HEADER = [
    "CONVERSATION ID",
    "CONVERSATION TITLE",
    "FROM",
    "SENDER PROFILE URL",
    "TO",
    "RECIPIENT PROFILE URLS",
    "DATE",
    "SUBJECT",
    "CONTENT",
    "FOLDER",
]


@dataclass(frozen=True)
class Credential:
    username: str
    role: str
    password: str


def is_demo_database(store: Store) -> bool:
    return any(u.username.startswith(DEMO_PREFIX) for u in store.list_users())


def fresh_passwords(store: Store) -> list[Credential]:
    """New random passwords for a demo database's demo accounts (printed at each demo start).

    Only accounts named ``demo-...`` change; a database without them gives [].
    """
    creds = [
        Credential(u.username, u.role, secrets.token_urlsafe(9))
        for u in store.list_users()
        if u.username.startswith(DEMO_PREFIX) and u.is_active
    ]
    for c in creds:
        store.set_password(c.username, c.password, actor=ACTOR)
    return creds


def _export(folder: Path, owner: str, sends: list[tuple[str, str, str, dt.datetime]]) -> Path:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    for n, (sender, url, text, when) in enumerate(sends):
        w.writerow(
            [
                f"c{n}",
                "",
                sender,
                url,
                owner,
                "https://www.linkedin.com/in/owner-demo",
                when.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "",
                text,
                "INBOX",
            ]
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "messages.csv").write_text(out.getvalue(), encoding="utf-8")
    (folder / "Profile.csv").write_text(f"First Name,Last Name\n{owner.replace(' ', ',', 1)}\n")
    return folder


def seed(store: Store, checker: Checker, today: dt.date) -> list[Credential] | None:
    """Fill an empty database; None (and nothing written) when it already has users."""
    if store.list_users():
        return None
    for name, weight in TEAMS:
        store.set_team(name, weight, actor=ACTOR)
    creds = [
        Credential("demo-admin", "admin", secrets.token_urlsafe(9)),
        Credential("demo-analyst", "analyst", secrets.token_urlsafe(9)),
    ]
    store.create_user(
        "demo-admin",
        display_name="Demo Admin",
        role="admin",
        actor=ACTOR,
        password=creds[0].password,
    )
    store.create_user(
        "demo-analyst",
        display_name="Demo Analyst",
        role="analyst",
        actor=ACTOR,
        password=creds[1].password,
    )
    for username, display, team in STAFF:
        password = secrets.token_urlsafe(9)
        store.create_user(
            username,
            display_name=display,
            role="reporter",
            actor=ACTOR,
            team=team,
            password=password,
        )
        creds.append(Credential(username, "reporter", password))
    store.import_alert(read_alert_bytes(json.dumps(ALERT).encode(), "demo-alert.json"), actor=ACTOR)

    start = dt.datetime.combine(today - dt.timedelta(days=30), dt.time(9), tzinfo=dt.UTC)
    scanner = Scanner(checker, today)
    # Staff report a day or so after the last message: the same database, with a clock that
    # follows the story, so the queue, timelines and charts have real dates.
    end_of_today = dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC)
    clock = _StoryClock(min(dt.datetime.now(dt.UTC), end_of_today))
    storyteller = Store(store.engine, now=clock)
    campaign_reports: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lurewatch-demo-") as tmp:
        for i, (username, display, _team) in enumerate(STAFF):
            sends = []
            if i < 5:  # the campaign: one persona, five members of staff, two weeks
                for k, text in enumerate(CAMPAIGN_THREAD):
                    when = start + dt.timedelta(days=2 * i + 3 * k, hours=i)
                    sends.append(
                        (CAMPAIGN[0], CAMPAIGN[1], text.format(first=display.split()[0]), when)
                    )
            for k, (name, url, text) in enumerate(OTHERS):
                if (i + k) % 2 == 0:
                    sends.append((name, url, text, start + dt.timedelta(days=5 + i + k)))
            result = scanner.scan(_export(Path(tmp) / username, display, sends))
            for contact in result.contacts:
                if contact.level.rank >= Level.MEDIUM.rank or contact.name == "Priya Dunn":
                    clock.after(contact.last_contact, hours=20 + 7 * i)
                    report = storyteller.submit_report(
                        ReportSubmission(
                            reporter=username,
                            channel="cli",
                            contacts=(SubmittedContact.from_scan(contact),),
                            is_exercise=(i == 7),
                        )
                    )
                    if contact.name == CAMPAIGN[0]:
                        campaign_reports.append(report.reference)
    _work_the_campaign(storyteller, clock, campaign_reports)
    for alert in storyteller.list_alerts():  # the alert names the campaign's persona
        storyteller.retro_hunt(alert.alert_id, actor="demo-analyst")
    storyteller.relink_campaigns(actor="demo-analyst")  # the campaign page's campaign
    return creds


class _StoryClock:
    """The demo's clock: set to just after each approach, never past the real time."""

    def __init__(self, real_now: dt.datetime) -> None:
        self.real_now = real_now
        self.at = real_now

    def __call__(self) -> dt.datetime:
        return self.at

    def after(self, when: str | None, *, hours: float) -> None:
        try:
            at = dt.datetime.fromisoformat(when or "")
        except ValueError:
            at = self.real_now
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        self.at = min(at + dt.timedelta(hours=hours), self.real_now)


def _work_the_campaign(store: Store, clock: _StoryClock, references: list[str]) -> None:
    """An analyst's work so far: a case over the campaign's reports, a note, a verdict."""
    if not references:
        return
    clock.at = clock.real_now - dt.timedelta(hours=3)
    case = store.create_case(
        CaseDraft(
            title=f"{CAMPAIGN[0]} ({CAMPAIGN[2]}): {len(references)} members of staff approached",
            description="One persona offering paid 'insight reports' to staff in several "
            "teams within two weeks, then asking to move to WeChat.",
            severity="high",
            tags=("paid-reports", "off-platform", "headhunter"),
            assignee="demo-analyst",
            reports=tuple(references),
        ),
        actor="demo-analyst",
    )
    store.set_case_status(case.id, "InProgress", actor="demo-analyst")
    store.add_case_note(
        case.id,
        "Same profile address in every report; the firm has no company page. Asked the "
        "recipients not to reply; checking with the national authority.",
        actor="demo-analyst",
    )
    store.record_verdict(references[0], "confirmed-hostile", actor="demo-analyst")
