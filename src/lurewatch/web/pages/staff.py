"""Staff pages: check something on the server, choose what to send, follow one's reports.

``/check`` rates a pasted message, an uploaded e-mail, profile or whole LinkedIn
export with the same engine as ``lurewatch check`` and ``lurewatch scan``. The
upload is read into memory, parsed and dropped: nothing is written to disk and
nothing is stored until the person ticks who to send.

The server keeps no state between the result and the send: each person on the
result page travels in the form as a *ticket*, their :class:`SubmittedContact`
(and the single check's :class:`Assessment`) signed with HMAC-SHA256 under a key
of its own purpose, bound to the username and the time it was made. ``POST
/check/report`` refuses the whole form (403) if any ticket is forged, altered,
someone else's or older than :data:`TICKET_LIFETIME`, then stores only the
ticked people and redirects (303) to the report's page, so a refresh cannot
send it twice.

Everything shown here that came from a message, a profile or an export was
written by whoever approached the person: it is only ever printed escaped,
never marked safe, never made into a link.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from lurewatch.advice import advise
from lurewatch.html_report import Segment, mark_segments
from lurewatch.ingest.errors import InputError
from lurewatch.model import Approach, Assessment, Evidence, Level
from lurewatch.scan import Scanner, ScanResult
from lurewatch.service import Checker
from lurewatch.settings import Settings
from lurewatch.store import NotFound
from lurewatch.store.records import Report, ReportSubmission, SubmittedContact, SubmittedItem
from lurewatch.web.deps import has_role
from lurewatch.web.middleware import BodyTooLarge
from lurewatch.web.pages.common import (
    Form,
    PageUser,
    context_of,
    form_text,
    read_form,
    render,
    show_time,
    verified,
)

router = APIRouter(include_in_schema=False)

CHECK_PATH = "/check"
_TICKET_PURPOSE = b"lurewatch check result v1"
TICKET_LIFETIME = dt.timedelta(hours=2)
# A ticket made "later" than now by more than this is refused too (clock skew between workers).
_TICKET_SKEW = dt.timedelta(minutes=5)
# The most people one result offers to send: each is two form fields, and a form may
# carry MAX_FORM_FIELDS (500). People are ranked, so medium and high come first.
MAX_OFFERED = 200
# A pasted message or profile (python-multipart caps each text field of a form).
MAX_PASTE_BYTES = 1024 * 1024
# The most of a single message sent to the office with the report.
MAX_SENT_CHARS = 20_000
_MAX_TICKET_BYTES = 4 * 1024 * 1024
KINDS = (
    ("message", "A message"),
    ("invitation", "An invitation note"),
    ("email", "An e-mail"),
)
_NOUNS = {"message": "message", "invitation": "invitation note", "email": "e-mail"}
STATUS_WORDS = {
    "received": "Received",
    "in_review": "Being looked at",
    "closed": "Closed",
}
MY_REPORTS_PAGE = 50


# --- reading the check form ---------------------------------------------------------


async def read_check_form(request: Request) -> FormData:
    """The check form, with its upload held in memory only, after the CSRF check.

    Starlette spools an upload over 1 MB to a temporary file; here the spool is
    as large as the upload limit (which ``BodyLimit`` enforces before this
    runs out of memory), so an upload never touches the disk.
    """
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        parser = MultiPartParser(
            request.headers,
            request.stream(),
            max_files=1,
            max_fields=20,
            max_part_size=MAX_PASTE_BYTES,
        )
        parser.spool_max_size = context_of(request).settings.max_upload_bytes + 1
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=exc.message) from None
        except BodyTooLarge as exc:
            limit = _size(context_of(request).settings.max_upload_bytes)
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                detail=f"The upload is over the {limit} limit. For a LinkedIn export, ask "
                "LinkedIn for messages and invitations only, or upload messages.csv on its own.",
            ) from exc
        return verified(request, form)
    return await read_form(request)


CheckForm = Annotated[FormData, Depends(read_check_form)]


@dataclass(frozen=True, slots=True)
class CheckInput:
    """What the person gave on the check form."""

    text: str = ""
    kind: str = "message"
    sender: str = ""
    profile: str = ""
    exercise: bool = False
    file_name: str = ""
    file_data: bytes | None = field(default=None, repr=False)

    def values(self) -> dict[str, Any]:
        """The fields to put back in the form when it is shown again (never the file)."""
        return {
            "text": self.text,
            "kind": self.kind,
            "sender": self.sender,
            "profile": self.profile,
            "exercise": self.exercise,
        }


def _file_name(upload: UploadFile) -> str:
    name = PurePosixPath((upload.filename or "").replace("\\", "/")).name.strip()
    return (name[:120] + "…" if len(name) > 120 else name) or "the uploaded file"


async def _check_input(form: FormData) -> CheckInput:
    upload = form.get("upload")
    data: bytes | None = None
    name = ""
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        name = _file_name(upload)
        data = await upload.read()
        await upload.close()
    kind = form_text(form, "kind", max_chars=20)
    return CheckInput(
        text=form_text(form, "text", max_chars=MAX_PASTE_BYTES),
        kind=kind if kind in dict(KINDS) else "message",
        sender=form_text(form, "sender", max_chars=200),
        profile=form_text(form, "profile", max_chars=MAX_PASTE_BYTES),
        exercise=bool(form_text(form, "exercise", max_chars=10)),
        file_name=name,
        file_data=data,
    )


# --- rating -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checked:
    """A check's outcome: the people to offer, ranked, and what the page says about it."""

    source: str
    contacts: tuple[SubmittedContact, ...]
    assessment: Assessment | None = None  # a single check (one message, e-mail or profile)
    scan: ScanResult | None = None  # a whole export
    notes: tuple[str, ...] = ()


def _upload_kind(name: str, data: bytes) -> str:
    suffix = PurePosixPath(name).suffix.casefold()
    if not data:
        raise InputError(f"{name}: the file is empty")
    if data.startswith(b"PK\x03\x04") or suffix == ".zip":
        return "zip"
    if suffix == ".csv":
        return "csv"
    if data.startswith(b"%PDF") or suffix == ".pdf":
        return "pdf"
    if suffix == ".eml":
        return "eml"
    if suffix == ".json":
        return "json"
    raise InputError(
        f"{name}: not a file lurewatch reads; choose a LinkedIn export (.zip), messages.csv "
        "or Invitations.csv, an e-mail saved as .eml, or a profile (PDF or JSON)"
    )


def _size(n: int) -> str:
    return f"{n / 1_048_576:.0f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def _too_big(name: str, data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise InputError(f"{name}: larger than the {_size(limit)} limit for this kind of file")


def run_check(settings: Settings, today: dt.date, given: CheckInput) -> Checked:
    """Rate what was given (CPU work: call it in a worker thread). InputError on bad input."""
    checker = Checker.from_settings(settings)
    name, data = given.file_name, given.file_data
    kind = None if data is None else _upload_kind(name, data)
    if data is not None and kind in ("zip", "csv"):
        if given.text or given.profile:
            raise InputError(
                f"{name}: an export is checked on its own; empty the message and profile "
                "boxes, or leave out the file"
            )
        return _scan_export(checker, today, name, data, kind)

    from lurewatch.ingest.profile_json import parse_profile
    from lurewatch.ingest.text import decode_text
    from lurewatch.model import Message, Profile

    notes: list[str] = []
    email: Message | None = None
    profile: Profile | None = None
    if data is not None and kind == "eml":
        from lurewatch.ingest.eml import MAX_EML_BYTES, parse_eml

        if given.text:
            raise InputError(f"{name}: give either the e-mail file or the pasted text, not both")
        _too_big(name, data, MAX_EML_BYTES)
        email, eml_notes = parse_eml(data, name)
        notes.extend(eml_notes)
    elif data is not None and kind == "pdf":
        from lurewatch.ingest.profile_pdf import parse_profile_pdf

        _too_big(name, data, settings.max_profile_bytes)
        profile, pdf_notes = parse_profile_pdf(data, name)
        notes.extend(pdf_notes)
    elif data is not None:
        _too_big(name, data, settings.max_profile_bytes)
        profile = parse_profile(data, name)
    if given.profile:
        if profile is not None:
            raise InputError("give the sender's profile either as a file or pasted, not both")
        profile = parse_profile(given.profile.encode("utf-8"), "the pasted profile")
    text = None
    if given.text:
        decoded = decode_text(given.text.encode("utf-8"), "the pasted message")
        text = decoded.text
        notes.extend(decoded.notes)
    if profile is not None and profile.photo:
        # A path on the reporter's machine: the server never opens a file it names.
        profile = msgspec.structs.replace(profile, photo=None)
    if text is None and email is None and profile is None:
        raise InputError("Nothing to check: paste the message, or choose a file.")

    if email is not None:
        approach = Approach(messages=(email,), profile=profile)
        assessment = checker.check(approach, today)
        text, item_kind, subject = email.text, "email", email.subject
        date = email.sent_at.isoformat() if email.sent_at else None
        meta = email.email
        sender = (meta.from_name or meta.from_address) if meta else ""
        source = name
    else:
        assessment = checker.check_text(text, profile, today=today, kind=given.kind)
        item_kind, subject, date = given.kind, "", None
        sender = given.sender
        source = "the pasted " + _NOUNS[given.kind]
        if data is not None:
            source = f"{source} and {name}" if text is not None else name
    items: tuple[SubmittedItem, ...] = ()
    if text:
        sent = text if len(text) <= MAX_SENT_CHARS else text[: MAX_SENT_CHARS - 1] + "…"
        items = (SubmittedItem(kind=item_kind, date=date, excerpt=sent, subject=subject),)
    contact = SubmittedContact(
        name=(profile.name if profile and profile.name else sender)[:200],
        profile_url=profile.profile_url if profile else None,
        company=profile.company if profile else "",
        position=profile.headline if profile else "",
        level=assessment.level,
        score=assessment.score,
        findings=assessment.findings,
        items=items,
    )
    return Checked(source, (contact,), assessment=assessment, notes=tuple(notes))


# The most CSV read from one uploaded export (the command line allows 8 GB; a request must end).
_WEB_LIMITS_TOTAL = 1024**3


def _scan_export(checker: Checker, today: dt.date, name: str, data: bytes, kind: str) -> Checked:
    """Scan an uploaded export in memory: zip members are streamed from the bytes."""
    from lurewatch.ingest.linkedin import Limits, open_export_bytes

    limits = Limits(max_total_bytes=_WEB_LIMITS_TOTAL)
    with open_export_bytes(name, data, limits) as export:
        result = Scanner(checker, today, limits).scan_export(export)
    contacts = tuple(SubmittedContact.from_scan(c) for c in result.contacts)
    return Checked(name, contacts, scan=result, notes=result.summary.skipped)


# --- tickets: a person on the result page, signed ---------------------------------------


class Ticket(msgspec.Struct, frozen=True, kw_only=True):
    """One person as the result page offers them, bound to who checked and when."""

    user: str
    issued: int  # seconds since the epoch, by the app's clock
    contact: SubmittedContact
    assessment: Assessment | None = None


class TicketRefused(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN, detail=message)


def _ticket_key(request: Request) -> bytes:
    return hmac.new(context_of(request).signing_key, _TICKET_PURPOSE, hashlib.sha256).digest()


def _mac(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).hexdigest()


def seal(request: Request, ticket: Ticket) -> str:
    """``<payload>.<mac>``: the ticket as compressed JSON in base64url, and its HMAC."""
    packed = zlib.compress(msgspec.json.encode(ticket), 6)
    payload = base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    return f"{payload}.{_mac(_ticket_key(request), payload)}"


def unseal(request: Request, username: str, value: str) -> Ticket:
    """The ticket in ``value``; :class:`TicketRefused` unless it is intact, theirs and fresh."""
    payload, _, mac = value.partition(".")
    expected = _mac(_ticket_key(request), payload) if payload.isascii() else ""
    if not expected or not hmac.compare_digest(mac.encode("utf-8"), expected.encode("ascii")):
        raise TicketRefused(
            "This result was changed after lurewatch made it, so nothing was sent. Check the "
            "message again and send it from the new result."
        )
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        inflate = zlib.decompressobj()
        raw = inflate.decompress(packed, _MAX_TICKET_BYTES)
        ticket = msgspec.json.decode(raw, type=Ticket)
    except (binascii.Error, zlib.error, msgspec.DecodeError, ValueError):
        raise TicketRefused("This result cannot be read: check the message again.") from None
    if not hmac.compare_digest(ticket.user.encode("utf-8"), username.encode("utf-8")):
        raise TicketRefused(
            "This result was made for another account, so nothing was sent. Check the message "
            "yourself and send it from your own result."
        )
    age = context_of(request).now() - dt.datetime.fromtimestamp(ticket.issued, dt.UTC)
    if age > TICKET_LIFETIME or age < -_TICKET_SKEW:
        hours = TICKET_LIFETIME.total_seconds() / 3600
        raise TicketRefused(
            f"This result is more than {hours:.0f} hours old, so nothing was sent. Check the "
            "message again and send it from the new result."
        )
    return ticket


# --- what the pages show ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuoteView:
    text: str
    where: str


@dataclass(frozen=True, slots=True)
class ReasonView:
    title: str
    weight: str
    quotes: tuple[QuoteView, ...]


@dataclass(frozen=True, slots=True)
class ItemView:
    number: int
    kind: str
    date: str
    subject: tuple[Segment, ...]
    text: tuple[Segment, ...]
    flagged: bool


@dataclass(frozen=True, slots=True)
class PersonView:
    number: int
    name: str
    role: str
    profile_url: str | None
    level: str
    score: int
    reasons: tuple[ReasonView, ...]
    items: tuple[ItemView, ...]
    context: tuple[str, ...]
    advice: tuple[str, ...]
    first_contact: str | None
    last_contact: str | None
    ticket: str = ""
    ticked: bool = False


def _flat(text: str) -> str:
    return " ".join(text.split())


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    """Where ``needle`` occurs in ``text``, case-insensitively, across line breaks too."""
    words = needle.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    found = [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]
    if found or not text.endswith("…"):
        return found
    # A quote cut off where the excerpt ends: mark_segments marks the part that is there.
    spans, pos = [], 0
    for segment in mark_segments(text, [needle]):
        if segment.marked:
            spans.append((pos, pos + len(segment.text)))
        pos += len(segment.text)
    return spans


def highlight(text: str, needles: Iterable[str]) -> tuple[Segment, ...]:
    """``text`` in plain and marked runs, marking every occurrence of every needle."""
    spans = sorted(span for n in dict.fromkeys(needles) for span in _spans(text, n))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Segment] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            out.append(Segment(text[pos:start], False))
        out.append(Segment(text[start:end], True))
        pos = end
    if pos < len(text) or not out:
        out.append(Segment(text[pos:], False))
    return tuple(out)


def _show(value: str | None) -> str:
    if not value:
        return ""
    return show_time(value, time="T" in value)


_FIELD_WORDS = {"text": "", "subject": "subject", "email.reply_to": "Reply-To address"}


def _where(e: Evidence, items: Sequence[SubmittedItem]) -> str:
    part = _FIELD_WORDS.get(e.field, e.field.rsplit(".", 1)[-1].replace("_", " "))
    if e.field.startswith("profile."):
        return f"their profile ({part})"
    if e.field.startswith("indicator."):
        return f"matches a security alert ({part})"
    if 0 <= e.item < len(items):
        it = items[e.item]
        where = f"{it.kind} {e.item + 1}" if len(items) > 1 else f"the {it.kind}"
        if part:
            where += f" ({part})"
        return where + (f", {_show(it.date)}" if it.date else "")
    return part or "what they wrote"


def person_view(
    number: int, contact: SubmittedContact, office: str, *, ticket: str = "", ticked: bool = False
) -> PersonView:
    """One person as the staff pages show them: rating, reasons with quotes, what they wrote."""
    reasons = tuple(
        ReasonView(
            f.title,
            f"{f.weight:+.1f}",
            tuple(QuoteView(_flat(e.text), _where(e, contact.items)) for e in f.evidence),
        )
        for f in contact.findings
    )
    by_item: dict[int, list[Evidence]] = {}
    for f in contact.findings:
        for e in f.evidence:
            by_item.setdefault(e.item, []).append(e)
    items = []
    for i, it in enumerate(contact.items):
        evs = by_item.get(i, [])
        items.append(
            ItemView(
                number=i + 1,
                kind=it.kind.capitalize() or "Item",
                date=_show(it.date),
                subject=highlight(it.subject, (e.text for e in evs if e.field == "subject"))
                if it.subject
                else (),
                text=highlight(it.excerpt, (e.text for e in evs if e.field == "text")),
                flagged=bool(evs),
            )
        )
    advice = advise(
        contact.level,
        (f.category for f in contact.findings),
        office,
        engaged=bool(contact.context),
    )
    return PersonView(
        number=number,
        name=contact.name,
        role=" at ".join(x for x in (contact.position, contact.company) if x),
        profile_url=contact.profile_url,
        level=contact.level.value,
        score=contact.score,
        reasons=reasons,
        items=tuple(items),
        context=contact.context,
        advice=advice,
        first_contact=_show(contact.first_contact) or None,
        last_contact=_show(contact.last_contact) or None,
        ticket=ticket,
        ticked=ticked,
    )


def _export_summary(scan: ScanResult) -> dict[str, Any]:
    s = scan.summary
    return {
        "people": s.counterparties,
        "messages": s.incoming_messages,
        "invitations": s.incoming_invitations,
        "high": s.by_level.get("high", 0),
        "medium": s.by_level.get("medium", 0),
    }


def _result_page(
    request: Request,
    *,
    people: Sequence[PersonView],
    single: bool,
    source: str,
    exercise: bool,
    assessment: Assessment | None = None,
    summary: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
    unoffered: int = 0,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "check_result.html",
        {
            "people": people,
            "single": single,
            "source": source,
            "exercise": exercise,
            "advice": assessment.advice if assessment else (),
            "summary": summary,
            "notes": notes,
            "unoffered": unoffered,
            "max_offered": MAX_OFFERED,
            "hours": int(TICKET_LIFETIME.total_seconds() // 3600),
            "error": error,
        },
        status_code=status_code,
    )


def _form_page(
    request: Request, values: Mapping[str, Any], error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "check.html",
        {
            "values": values,
            "kinds": KINDS,
            "error": error,
            "max_size": _size(context_of(request).settings.max_upload_bytes),
        },
        status_code=status_code,
    )


# --- routes -----------------------------------------------------------------------------


@router.get(CHECK_PATH)
def check_page(request: Request, user: PageUser) -> Response:
    return _form_page(request, CheckInput().values())


@router.post(CHECK_PATH)
async def check(request: Request, user: PageUser, form: CheckForm) -> Response:
    """Rate what was pasted or uploaded and show the result with the people to send."""
    context = context_of(request)
    given = await _check_input(form)
    try:
        checked = await run_in_threadpool(run_check, context.settings, context.now().date(), given)
    except InputError as exc:
        return _form_page(request, given.values(), str(exc), status.HTTP_400_BAD_REQUEST)
    issued = int(context.now().timestamp())
    office = context.settings.contact
    people = []
    for number, contact in enumerate(checked.contacts[:MAX_OFFERED], start=1):
        ticket = seal(
            request,
            Ticket(
                user=user.username,
                issued=issued,
                contact=contact,
                assessment=checked.assessment,
            ),
        )
        people.append(
            person_view(
                number, contact, office, ticket=ticket, ticked=contact.level is not Level.LOW
            )
        )
    return _result_page(
        request,
        people=people,
        single=checked.assessment is not None,
        source=checked.source,
        exercise=bool(form_text(form, "exercise", max_chars=10)),
        assessment=checked.assessment,
        summary=None if checked.scan is None else _export_summary(checked.scan),
        notes=checked.notes,
        unoffered=max(0, len(checked.contacts) - MAX_OFFERED),
    )


_TICKET_FIELD = re.compile(r"^person-(\d{1,4})$")


@router.post(CHECK_PATH + "/report")
def send_report(request: Request, user: PageUser, form: Form) -> Response:
    """Store the ticked people as one report, then show it (Post/Redirect/Get)."""
    context = context_of(request)
    # Every ticket on the page is checked, ticked or not: one bad one refuses the form.
    tickets: dict[str, tuple[str, Ticket]] = {}
    for name, value in form.multi_items():
        found = _TICKET_FIELD.match(name)
        if found and isinstance(value, str) and len(tickets) < MAX_OFFERED:
            tickets[found.group(1)] = (value, unseal(request, user.username, value))
    if not tickets:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail="Nothing to send: check a message first, then tick who to send.",
        )
    exercise = bool(form_text(form, "exercise", max_chars=10))
    ticked = [n for n in dict.fromkeys(form.getlist("send")) if isinstance(n, str) and n in tickets]
    if not ticked:
        ordered = [tickets[n] for n in sorted(tickets, key=int)]
        first = ordered[0][1]
        single = len(ordered) == 1 and first.assessment is not None
        office = context.settings.contact
        people = [
            person_view(number, t.contact, office, ticket=sealed)
            for number, (sealed, t) in enumerate(ordered, start=1)
        ]
        return _result_page(
            request,
            people=people,
            single=single,
            source="",
            exercise=exercise,
            assessment=first.assessment if single else None,
            error="Tick at least one person to send to the security office.",
            status_code=status.HTTP_400_BAD_REQUEST,
        )
    chosen = [tickets[n][1] for n in sorted(ticked, key=int)]
    assessment = chosen[0].assessment if len(chosen) == 1 else None
    report = context.intake.receive(
        ReportSubmission(
            reporter=user.username,
            channel="web",
            contacts=tuple(t.contact for t in chosen),
            assessment=assessment,
            is_exercise=exercise,
        ),
    )
    # receive returns only once the report is committed: acknowledge it now.
    return RedirectResponse(
        f"/my-reports/{report.reference}?sent=1", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/my-reports")
def my_reports(request: Request, user: PageUser, page: int = 1) -> Response:
    """The person's own reports, newest first, with the office's verdict when given."""
    store = context_of(request).store
    page = max(1, min(page, 10_000))
    found = store.list_reports(
        reporter=user.username,
        limit=MY_REPORTS_PAGE + 1,
        offset=(page - 1) * MY_REPORTS_PAGE,
    )
    shown = found[:MY_REPORTS_PAGE]
    # The list has no verdict wording; only reports with a verdict are read in full.
    verdicts = {
        r.reference: store.get_report(r.reference).verdict_text for r in shown if r.verdict_key
    }
    return render(
        request,
        "my_reports.html",
        {
            "reports": shown,
            "verdicts": verdicts,
            "status_words": STATUS_WORDS,
            "page": page,
            "more": len(found) > MY_REPORTS_PAGE,
        },
    )


def _report_for(request: Request, user: PageUser, reference: str) -> Report:
    report = context_of(request).store.get_report(reference)
    if report.reporter != user.username and not has_role(user, "analyst"):
        # Exactly what a missing report says: someone else's report is not revealed.
        raise NotFound(f"no report {reference!r}")
    return report


@router.get("/my-reports/{reference}")
def my_report(request: Request, user: PageUser, reference: str, sent: str = "") -> Response:
    """One report: what was sent, its status and the office's verdict."""
    report = _report_for(request, user, reference[:40])
    office = context_of(request).settings.contact
    people = [person_view(i, c, office) for i, c in enumerate(report.contacts, start=1)]
    if report.assessment is not None:
        advice = report.assessment.advice
    else:
        advice = advise(
            report.level,
            (f.category for c in report.contacts for f in c.findings),
            office,
            engaged=any(c.context for c in report.contacts),
        )
    return render(
        request,
        "my_report.html",
        {
            "report": report,
            "people": people,
            "advice": advice,
            "sent": sent == "1" and report.reporter == user.username,
            "status_words": STATUS_WORDS,
        },
    )
