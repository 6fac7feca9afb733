"""What the store takes in and hands out: plain, frozen, typed records.

Nothing here is an ORM object: a record is a snapshot, safe to keep after the
store is closed, to pass between threads and to serialise with msgspec
(``msgspec.json.encode(record)``). The web layer renders these; the ORM rows
in :mod:`lurewatch.store.schema` never leave the store.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, get_args

from msgspec import Struct

from lurewatch.campaigns import ApproachRecord, Campaign
from lurewatch.campaigns import FanoutFinding as CampaignFanout
from lurewatch.model import TLP_LABELS, Assessment, Finding, Level

if TYPE_CHECKING:
    from lurewatch.scan import ScanContact

Role = Literal["reporter", "analyst", "admin"]
Channel = Literal["web", "cli", "api", "email"]
ReportStatus = Literal["received", "in_review", "closed"]
# How list_reports orders: newest first; highest score first; highest priority first
# (score x the reporter's team sensitivity). Ties: newest first.
ReportOrder = Literal["recent", "score", "priority"]
CaseStatus = Literal[
    "New", "InProgress", "TruePositive", "FalsePositive", "Duplicated", "Indeterminate"
]
Severity = Literal["low", "medium", "high", "critical"]

ROLES: tuple[str, ...] = get_args(Role)
CHANNELS: tuple[str, ...] = get_args(Channel)
REPORT_STATUSES: tuple[str, ...] = get_args(ReportStatus)
REPORT_ORDERS: tuple[str, ...] = get_args(ReportOrder)
CASE_STATUSES: tuple[str, ...] = get_args(CaseStatus)
SEVERITIES: tuple[str, ...] = get_args(Severity)
LEVELS: tuple[str, ...] = tuple(level.value for level in Level)
# TheHive's Permissible Actions Protocol labels; TLP labels come from the domain model.
PAP_LABELS: tuple[str, ...] = ("PAP:CLEAR", "PAP:GREEN", "PAP:AMBER", "PAP:RED")
TLPS: tuple[str, ...] = TLP_LABELS


# -- people --------------------------------------------------------------------------


class Team(Struct, frozen=True, kw_only=True):
    """A team or job role and how sensitive its access is (admin-set; 1.0 is ordinary)."""

    name: str
    sensitivity: float


class User(Struct, frozen=True, kw_only=True):
    """A person or machine account. The password hash never leaves the store."""

    id: int
    username: str
    display_name: str
    role: Role
    team: str | None
    is_active: bool
    has_password: bool
    created_at: dt.datetime


class ApiToken(Struct, frozen=True, kw_only=True):
    """An API token as listed: its SHA-256 is stored, never the token itself."""

    id: int
    username: str
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    # When a request last came with it (None: never), to within users.TOKEN_USE_EVERY.
    last_used_at: dt.datetime | None


class IssuedToken(Struct, frozen=True, kw_only=True):
    """A token just issued. ``token`` is shown once; the store keeps only its hash."""

    id: int
    username: str
    name: str
    token: str
    created_at: dt.datetime


class LoginSession(Struct, frozen=True, kw_only=True):
    """A person's login session as the store keeps it (its id is known only to the cookie).

    ``last_seen`` is the last request recorded, at most
    ``login_sessions.LAST_SEEN_EVERY`` before the latest one.
    """

    username: str
    created_at: dt.datetime
    last_seen: dt.datetime


# -- reports ---------------------------------------------------------------------------


class SubmittedItem(Struct, frozen=True, kw_only=True):
    """One thing the counterparty wrote, as the person chose to send it (an excerpt)."""

    kind: str
    date: str | None = None
    excerpt: str = ""
    subject: str = ""


class SubmittedContact(Struct, frozen=True, kw_only=True):
    """One counterparty the person chose to report, with the rating they saw."""

    name: str
    profile_url: str | None = None
    company: str = ""
    position: str = ""
    level: Level
    score: int
    findings: tuple[Finding, ...] = ()
    items: tuple[SubmittedItem, ...] = ()
    first_contact: str | None = None
    last_contact: str | None = None
    context: tuple[str, ...] = ()

    @classmethod
    def from_scan(cls, contact: ScanContact) -> SubmittedContact:
        """The contact of a local scan, as sent: name, rating, findings and excerpts only."""
        return cls(
            name=contact.name,
            profile_url=contact.profile_url,
            company=contact.company,
            position=contact.position,
            level=contact.level,
            score=contact.score,
            findings=contact.findings,
            items=tuple(
                SubmittedItem(kind=i.kind, date=i.date, excerpt=i.excerpt, subject=i.subject)
                for i in contact.items
            ),
            first_contact=contact.first_contact,
            last_contact=contact.last_contact,
            context=contact.context,
        )


class ReportSubmission(Struct, frozen=True, kw_only=True):
    """What a member of staff sends.

    ``assessment`` is the rating shown at submission (a single check); the
    report's level and score are taken from it, else from the highest-scored
    contact.
    """

    reporter: str
    channel: Channel
    contacts: tuple[SubmittedContact, ...]
    assessment: Assessment | None = None
    is_exercise: bool = False


class ReportSummary(Struct, frozen=True, kw_only=True):
    """A report as listed in a queue: everything but the submitted items."""

    id: int
    reference: str
    reporter: str
    reporter_team: str | None
    channel: Channel
    received_at: dt.datetime
    level: Level
    score: int
    is_exercise: bool
    status: ReportStatus
    verdict_key: str | None


class Report(Struct, frozen=True, kw_only=True):
    """A report in full, as submitted, with its feedback to the reporter."""

    id: int
    reference: str
    reporter: str
    channel: Channel
    received_at: dt.datetime
    contacts: tuple[SubmittedContact, ...]
    assessment: Assessment | None
    level: Level
    score: int
    is_exercise: bool
    status: ReportStatus
    verdict_key: str | None
    verdict_text: str | None
    verdict_at: dt.datetime | None
    case_ids: tuple[int, ...]


class VerdictTemplate(Struct, frozen=True, kw_only=True):
    """Wording the office sends reporters; admins edit it."""

    key: str
    text: str
    updated_at: dt.datetime | None
    updated_by: str | None


# -- cases -----------------------------------------------------------------------------


class CaseDraft(Struct, frozen=True, kw_only=True):
    """A new case. ``reports`` are reference numbers to link at once."""

    title: str
    description: str = ""
    severity: Severity = "medium"
    tlp: str = "TLP:AMBER"
    pap: str = "PAP:AMBER"
    tags: tuple[str, ...] = ()
    assignee: str | None = None
    reports: tuple[str, ...] = ()


class CaseNote(Struct, frozen=True, kw_only=True):
    id: int
    case_id: int
    author: str
    at: dt.datetime
    text: str


class Case(Struct, frozen=True, kw_only=True):
    """A case in the TheHive manner. ``tlp`` and ``pap`` are labels, never integers."""

    id: int
    title: str
    description: str
    severity: Severity
    tlp: str
    pap: str
    tags: tuple[str, ...]
    status: CaseStatus
    assignee: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    reports: tuple[str, ...]
    notes: tuple[CaseNote, ...]


class CaseSummary(Struct, frozen=True, kw_only=True):
    """A case as listed: no description or notes."""

    id: int
    title: str
    severity: Severity
    tlp: str
    status: CaseStatus
    assignee: str | None
    tags: tuple[str, ...]
    reports: int
    updated_at: dt.datetime


# -- counterparties --------------------------------------------------------------------


class FindingSummary(Struct, frozen=True, kw_only=True):
    id: str
    title: str
    weight: float


class Observation(Struct, frozen=True, kw_only=True):
    """One appearance of a counterparty in one report, as the reporter wrote it."""

    report: str  # reference number
    reported_at: dt.datetime
    is_exercise: bool
    name: str
    company: str
    profile_url: str | None
    first_contact: str | None
    last_contact: str | None
    level: Level
    score: int
    findings: tuple[FindingSummary, ...]


class CounterpartySummary(Struct, frozen=True, kw_only=True):
    key: str
    name: str  # as written in the latest report
    observations: int
    reports: int
    first_reported: dt.datetime
    last_reported: dt.datetime
    max_score: int


class SearchHits(Struct, frozen=True, kw_only=True):
    """What :meth:`~lurewatch.store.Store.search` found: reports and personas, latest first."""

    reports: tuple[ReportSummary, ...]
    personas: tuple[CounterpartySummary, ...]


class Counterparty(Struct, frozen=True, kw_only=True):
    """Everyone's reports of one counterparty (by canonical profile URL, else name)."""

    key: str
    name: str
    profile_url: str | None
    observations: tuple[Observation, ...]  # oldest report first


# -- alerts ----------------------------------------------------------------------------


class AlertSummary(Struct, frozen=True, kw_only=True):
    alert_id: str
    title: str
    tlp: str
    source: str
    issued: dt.date | None
    personas: int
    indicators: int
    imported_at: dt.datetime
    imported_by: str


class IndicatorHit(Struct, frozen=True, kw_only=True):
    """A stored indicator whose normalised value equals the one looked up."""

    alert_id: str
    alert_title: str
    type: str
    value: str
    persona: str | None
    tlp: str


# -- audit -----------------------------------------------------------------------------


class AuditEntry(Struct, frozen=True, kw_only=True):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditCheck(Struct, frozen=True, kw_only=True):
    """The result of recomputing the audit chain.

    ``ok`` is false when an entry was altered, removed or inserted;
    ``broken_seq`` is the first entry that does not verify and ``problem``
    says why. ``head_hash`` is the last entry's hash: record it elsewhere to
    notice a rewrite of the whole chain.
    """

    ok: bool
    entries: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None


# -- triage views ----------------------------------------------------------------------


class SavedView(Struct, frozen=True, kw_only=True):
    """An analyst's triage queue filters under a name: ``query`` is the queue's query string."""

    id: int
    username: str
    name: str
    query: str
    created_at: dt.datetime


class QueueRowDetail(Struct, frozen=True, kw_only=True):
    """What a triage queue row shows beyond :class:`ReportSummary`.

    ``top_reason`` is the title of the heaviest finding among the report's
    contacts ("" when none); ``case_ids`` the cases the report is linked to.
    """

    report_id: int
    top_reason: str
    case_ids: tuple[int, ...]


# -- figures (dashboard, persona ranking) ----------------------------------------------

# How rank_personas orders: most reports; most staff reached; highest level (then score);
# most recently reported. Ties: most recently reported first.
PersonaOrder = Literal["reports", "staff", "level", "recent"]
PERSONA_ORDERS: tuple[str, ...] = get_args(PersonaOrder)


class WeekCounts(Struct, frozen=True, kw_only=True):
    """Reports received in one week (Monday to Sunday, UTC), by level."""

    week: dt.date  # the Monday
    high: int = 0
    medium: int = 0
    low: int = 0

    @property
    def total(self) -> int:
        return self.high + self.medium + self.low


class TeamCounts(Struct, frozen=True, kw_only=True):
    """Reports from one team's staff (``team`` None: staff in no team), by level."""

    team: str | None
    sensitivity: float | None
    high: int = 0
    medium: int = 0
    low: int = 0

    @property
    def total(self) -> int:
        return self.high + self.medium + self.low


class OfficeFigures(Struct, frozen=True, kw_only=True):
    """The dashboard's numbers, counted in SQL. Security exercises are never counted.

    ``weeks`` runs oldest first and ends with the week holding ``as_of``
    (weeks start on Monday, UTC); ``teams`` counts the same weeks' reports by
    the reporter's team, most reports first.
    """

    as_of: dt.datetime
    last_7_days: int
    last_30_days: int
    high_30_days: int
    open_cases: int
    awaiting_verdict: int
    weeks: tuple[WeekCounts, ...]
    teams: tuple[TeamCounts, ...]


class PersonaRank(Struct, frozen=True, kw_only=True):
    """A counterparty with how widely it reached: reports, distinct staff and teams."""

    key: str
    name: str  # as written in the latest report counted
    company: str
    reports: int
    staff: int
    teams: int
    first_reported: dt.datetime
    last_reported: dt.datetime
    level: Level  # the highest rating any report gave it
    max_score: int


class PersonaReport(Struct, frozen=True, kw_only=True):
    """A report naming a counterparty, with who sent it (for the persona page)."""

    reference: str
    reporter: str
    reporter_team: str | None
    received_at: dt.datetime
    status: ReportStatus


# -- retro-hunts -----------------------------------------------------------------------

HuntStrength = Literal["strong", "possible"]


class AlertMatch(Struct, frozen=True, kw_only=True):
    """A contact in a stored report that an alert's retro-hunt matched, and why.

    ``strength`` is ``strong`` when something other than a name agreed (the
    profile address, an identifier, or name and organisation together);
    ``possible`` when only part did. ``persona`` is the alerted persona's
    name (None for an indicator the alert gives without a persona);
    ``agreed`` says what agreed, one line each. ``contact_name`` is the name
    as the reporter sent it ("" when the contact had none).
    """

    alert_id: str
    alert_title: str
    report: str  # reference number
    reporter: str
    reporter_team: str | None
    received_at: dt.datetime
    is_exercise: bool
    position: int  # the contact's index in the report
    contact_name: str
    contact_company: str
    contact_profile_url: str | None
    strength: HuntStrength
    persona: str | None
    agreed: tuple[str, ...]
    found_at: dt.datetime


HuntState = Literal["queued", "running", "done", "failed", "interrupted"]
HUNT_STATES: tuple[str, ...] = get_args(HuntState)


class AlertHunt(Struct, frozen=True, kw_only=True):
    """Where the latest retro-hunt of one stored alert (as imported last) stands.

    ``queued`` until a worker takes it, ``running`` while it reads the
    reports (``searched`` of ``total`` so far, updated every few batches),
    then ``done``, ``failed`` (``error`` says why, in one line) or
    ``interrupted`` (the server stopped before it finished). ``total`` is
    the number of stored reports when the hunt started (0 until then).
    """

    alert_id: str
    state: HuntState
    searched: int
    total: int
    requested_by: str
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None

    @property
    def active(self) -> bool:
        """Queued or running: starting another hunt of the alert now would be a second one."""
        return self.state in ("queued", "running")


class MatchCounts(Struct, frozen=True, kw_only=True):
    """How many contacts in stored reports an alert's latest retro-hunt matched."""

    strong: int = 0
    possible: int = 0


# -- fan-out contributions and anonymous lookup (issue 6) ------------------------------

FanoutKind = Literal["url", "name_company", "handle"]


class FanoutReceipt(Struct, frozen=True, kw_only=True):
    """A fan-out file stored for a member of staff (their earlier file, if any, replaced)."""

    contributor: str
    key_id: str
    received_at: dt.datetime
    contacts: int  # counterparties in the file
    sightings: int  # distinct (hash, day) rows kept
    replaced: bool  # the contributor had sent a file before


class AlertedPersona(Struct, frozen=True, kw_only=True):
    """A stored alert's persona (or loose indicator: ``persona`` None) a hash belongs to."""

    alert_id: str
    alert_title: str
    persona: str | None  # the persona's name as the alert gives it


class SharedFanoutFinding(Struct, frozen=True, kw_only=True):
    """One hashed identifier of shared fan-out files that reached ``staff`` members of
    staff within the window.

    ``contributors`` (usernames, in order of first contact) is for the office
    only: it never leaves the analysts' pages and API.
    """

    kind: FanoutKind
    hash: str
    staff: int
    staff_all_time: int
    first: dt.date
    last: dt.date
    contributors: tuple[str, ...]
    alerted: tuple[AlertedPersona, ...] = ()


# -- campaigns -------------------------------------------------------------------------


class RelinkSummary(Struct, frozen=True, kw_only=True):
    """What a relink of every stored contact found (see ``Store.relink_campaigns``)."""

    approaches: int  # contacts linked (exercises left out)
    campaigns: int  # campaigns kept (two or more members)
    members: int
    links: int
    decisions: int  # analyst decisions replayed
    at: dt.datetime
    raised: int = 0  # member reports rated high because their campaign fanned out


class CampaignSummary(Struct, frozen=True, kw_only=True):
    """One campaign as listed. ``name`` was written by an analyst (``named_by``) or made
    from the names the personas used (adversary text: escape it)."""

    id: int
    name: str
    named_by: str | None
    members: int
    staff: int  # distinct reporters
    personas: int  # distinct counterparties
    first: dt.datetime
    last: dt.datetime
    fanout: bool  # 3+ members of staff within 14 days
    updated_at: dt.datetime


class CampaignMember(Struct, frozen=True, kw_only=True):
    """A reported contact in a campaign: ``record_id`` is ``<report id>:<position>``."""

    record_id: str
    report_id: int
    report: str  # reference number
    position: int
    reporter: str
    reporter_team: str | None
    name: str  # as written
    company: str
    profile_url: str | None
    counterparty_key: str | None  # the persona page's key
    when: dt.datetime  # first contact, else when reported
    level: Level  # the contact's rating, as the reporter saw it
    score: int


class CampaignLinkRecord(Struct, frozen=True, kw_only=True):
    """Why two members are linked; ``detail`` quotes the adversary: escape it."""

    a: str
    b: str
    a_report: str
    a_position: int
    b_report: str
    b_position: int
    reason: str
    detail: str


class CampaignDetail(Struct, frozen=True, kw_only=True):
    """A campaign with its members, links and fan-out findings, and, for the pictures,
    alert and STIX of :mod:`lurewatch.campaigns`, the campaign and its approach records
    (``target`` is the reporter's username: never send records outside the office)."""

    id: int
    name: str
    named_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    members: tuple[CampaignMember, ...]
    links: tuple[CampaignLinkRecord, ...]
    fanout: tuple[CampaignFanout, ...]  # lurewatch.campaigns.fanout over the members
    campaign: Campaign
    records: tuple[ApproachRecord, ...]


class CampaignJoin(Struct, frozen=True, kw_only=True):
    """A new report's contact that joined a known campaign on arrival."""

    campaign_id: int
    report: str
    position: int
    linked_to: str  # the member's report reference
    reason: str
    detail: str
