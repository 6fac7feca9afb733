"""What the API takes and returns: one pydantic model per purpose.

``...Create`` / ``...Update`` models are request bodies (unknown fields are
refused); the others are responses, built from the store's records with
``Model.model_validate(record)``. What a member of staff sends is the store's
own :class:`~lurewatch.store.records.SubmittedContact` (the contact of a local
scan, as chosen), validated by msgspec with the same rules the store uses and
described in the OpenAPI document from the same types (see
:func:`record_schemas`), so the API and the store cannot drift apart.

Every string here is data: JSON encoding is the only thing done to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from lurewatch.model import Assessment, Level
from lurewatch.store.records import (
    CaseStatus,
    Channel,
    ReportStatus,
    Role,
    Severity,
    SubmittedContact,
)

_REF = "#/components/schemas/{name}"


def record_schemas() -> dict[str, Any]:
    """OpenAPI component schemas of the msgspec records the API carries as they are."""
    _, components = msgspec.json.schema_components(
        (SubmittedContact, Assessment), ref_template=_REF
    )
    return components


def _contacts(value: Any) -> tuple[SubmittedContact, ...]:
    if isinstance(value, tuple) and all(isinstance(c, SubmittedContact) for c in value):
        return value
    try:
        return msgspec.convert(value, tuple[SubmittedContact, ...])
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None


MAX_CONTACTS = 1_000


def _submitted(value: Any) -> tuple[SubmittedContact, ...]:
    contacts = _contacts(value)
    if not contacts:
        raise ValueError("send at least one contact (the ones you chose to report)")
    if len(contacts) > MAX_CONTACTS:
        raise ValueError(f"{len(contacts)} contacts: a report carries at most {MAX_CONTACTS}")
    return contacts


def _assessment(value: Any) -> Assessment | None:
    if value is None or isinstance(value, Assessment):
        return value
    try:
        return msgspec.convert(value, Assessment)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None


def _builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


Contacts = Annotated[
    tuple[SubmittedContact, ...],
    PlainValidator(_contacts),
    PlainSerializer(_builtins),
    WithJsonSchema({"type": "array", "items": {"$ref": _REF.format(name="SubmittedContact")}}),
]
SubmittedContacts = Annotated[
    tuple[SubmittedContact, ...],
    PlainValidator(_submitted),
    PlainSerializer(_builtins),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"$ref": _REF.format(name="SubmittedContact")},
            "minItems": 1,
            "maxItems": MAX_CONTACTS,
        }
    ),
]
MaybeAssessment = Annotated[
    Assessment | None,
    PlainValidator(_assessment),
    PlainSerializer(_builtins),
    WithJsonSchema({"anyOf": [{"$ref": _REF.format(name="Assessment")}, {"type": "null"}]}),
]

Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=100_000)]


class RequestBody(BaseModel):
    """A request body: fields not listed are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    """Every error: one line saying what was wrong and what to do."""

    message: str


class FieldError(BaseModel):
    field: str
    message: str


class ValidationErrorBody(ErrorBody):
    """Invalid input (422): the first problem in ``message``, every problem in ``errors``."""

    errors: list[FieldError]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


# -- people ----------------------------------------------------------------------------


class SessionCreate(RequestBody):
    username: Name
    password: Annotated[str, Field(min_length=1, max_length=1_000)]


class UserCreate(RequestBody):
    username: Name
    display_name: Annotated[str, Field(max_length=200)] = ""
    role: Role
    team: Name | None = None
    password: Annotated[str, Field(min_length=1, max_length=1_000)] | None = None


class UserPublic(Response):
    username: str
    display_name: str
    role: Role
    team: str | None
    is_active: bool
    has_password: bool


class UserUpdate(RequestBody):
    """What to change; a field left out stays as it is (``"team": null`` takes the
    account out of its team)."""

    display_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    role: Role | None = None
    team: Name | None = None
    is_active: bool | None = None


class TokenCreate(RequestBody):
    name: Name


class TokenIssued(Response):
    """A new API token: shown this once; the server keeps only its hash."""

    id: int
    username: str
    name: str
    token: str
    created_at: dt.datetime


class TokenPublic(Response):
    """An API token as listed: its name and dates, never the token (only its hash is kept).

    ``last_used_at`` is when a request last came with it (``null``: never), recorded at
    most once every ten minutes, so it may be up to ten minutes early.
    """

    id: int
    username: str
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class LoginSessionPublic(Response):
    """A live login session of an account: when it started and was last seen, nothing
    that would let anyone use it. ``last_seen`` is recorded at most once a minute, so it
    may be up to a minute behind the session's latest request."""

    created_at: dt.datetime
    last_seen: dt.datetime


class SessionsEnded(Response):
    """How many of the account's sessions ended."""

    ended: int


class TeamUpdate(RequestBody):
    sensitivity: Annotated[float, Field(ge=0, le=1000)]


class TeamPublic(Response):
    name: str
    sensitivity: float


class VerdictTemplateUpdate(RequestBody):
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


class VerdictTemplatePublic(Response):
    key: str
    text: str
    updated_at: dt.datetime | None
    updated_by: str | None


# -- reports ---------------------------------------------------------------------------


class ReportCreate(RequestBody):
    """What a member of staff chose to send: contacts of a local scan, as rated there."""

    contacts: SubmittedContacts
    channel: Channel = "api"
    is_exercise: bool = False
    assessment: MaybeAssessment = None


class ReportReceipt(Response):
    """The acknowledgement: given only once the report is committed."""

    reference: str
    received_at: dt.datetime
    status: ReportStatus
    is_exercise: bool


class ReportListItem(Response):
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


class ReportPublic(Response):
    """A report as its reporter sees it: what they sent, its status, the office's verdict."""

    reference: str
    channel: Channel
    received_at: dt.datetime
    contacts: Contacts
    level: Level
    score: int
    is_exercise: bool
    status: ReportStatus
    verdict_text: str | None
    verdict_at: dt.datetime | None


class ReportDetail(ReportPublic):
    """A report as analysts see it."""

    reporter: str
    assessment: MaybeAssessment
    verdict_key: str | None
    case_ids: list[int]


class VerdictCreate(RequestBody):
    template: Name
    text: Annotated[str, Field(min_length=1, max_length=10_000)] | None = None
    status: ReportStatus | None = None


# -- cases -----------------------------------------------------------------------------


class CaseCreate(RequestBody):
    title: Annotated[str, Field(min_length=1, max_length=500)]
    description: Text = ""
    severity: Severity = "medium"
    tlp: str = "TLP:AMBER"
    pap: str = "PAP:AMBER"
    tags: Annotated[list[Name], Field(max_length=100)] = []
    assignee: Name | None = None
    reports: Annotated[list[Name], Field(max_length=1_000)] = []


class CaseStatusUpdate(RequestBody):
    status: CaseStatus


class CaseAssign(RequestBody):
    assignee: Name | None


class CaseNoteCreate(RequestBody):
    text: Annotated[str, Field(min_length=1, max_length=100_000)]


class CaseReportLink(RequestBody):
    reference: Name


class CaseNotePublic(Response):
    id: int
    case_id: int
    author: str
    at: dt.datetime
    text: str


class CasePublic(Response):
    id: int
    title: str
    description: str
    severity: Severity
    tlp: str
    pap: str
    tags: list[str]
    status: CaseStatus
    assignee: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    reports: list[str]
    notes: list[CaseNotePublic]


class CaseListItem(Response):
    id: int
    title: str
    severity: Severity
    tlp: str
    status: CaseStatus
    assignee: str | None
    tags: list[str]
    reports: int
    updated_at: dt.datetime


# -- personas (counterparties) ---------------------------------------------------------


class FindingBrief(Response):
    id: str
    title: str
    weight: float


class ObservationPublic(Response):
    report: str
    reported_at: dt.datetime
    is_exercise: bool
    name: str
    company: str
    profile_url: str | None
    first_contact: str | None
    last_contact: str | None
    level: Level
    score: int
    findings: list[FindingBrief]


class PersonaListItem(Response):
    key: str
    name: str
    observations: int
    reports: int
    first_reported: dt.datetime
    last_reported: dt.datetime
    max_score: int


class PersonaPublic(Response):
    """A counterparty with every observation across reports, oldest report first."""

    key: str
    name: str
    profile_url: str | None
    observations: list[ObservationPublic]


# -- alerts ----------------------------------------------------------------------------


class AlertListItem(Response):
    alert_id: str
    title: str
    tlp: str
    source: str
    issued: dt.date | None
    personas: int
    indicators: int
    imported_at: dt.datetime
    imported_by: str


# -- search ----------------------------------------------------------------------------


class SearchResults(BaseModel):
    query: str
    reports: list[ReportListItem]
    personas: list[PersonaListItem]


# -- retro-hunts -----------------------------------------------------------------------


class AlertMatchPublic(Response):
    """A reported contact an alert's retro-hunt matched (see ``Store.retro_hunt``)."""

    alert_id: str
    alert_title: str
    report: str
    reporter: str
    reporter_team: str | None
    received_at: dt.datetime
    is_exercise: bool
    position: int
    contact_name: str
    contact_company: str
    contact_profile_url: str | None
    strength: Literal["strong", "possible"]
    persona: str | None
    agreed: list[str]
    found_at: dt.datetime


class AlertHuntPublic(Response):
    """Where the alert's latest retro-hunt stands (see ``Store.alert_hunt``).

    ``state`` is ``none`` when no hunt was recorded since the alert was imported.
    """

    alert_id: str
    state: Literal["none", "queued", "running", "done", "failed", "interrupted"]
    searched: int = Field(description="reports searched so far")
    total: int = Field(description="stored reports when the hunt started (0 until then)")
    requested_by: str | None
    requested_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None = Field(description="why it failed or did not finish, in one line")


class AlertImported(AlertListItem):
    """An imported alert, with what the retro-hunt run right after found."""

    strong_matches: int
    possible_matches: int
