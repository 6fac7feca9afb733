"""Sharing with the security office without sharing messages (issue 6): the office side.

- ``POST /api/fanout``: a member of staff hands in their ``lurewatch scan
  --share-fanout`` file (any role; it replaces the one they sent before).
- ``GET /api/fanout/findings``: analysts see the hashes that reached several
  members of staff in a short window, and which alerted persona each is.
- ``POST /api/lookup``: "is this persona known?", asked with keyed hashes only
  and **no credentials**. The handler never reads a cookie or an
  ``Authorization`` header, writes no audit entry and logs nothing of the
  body; the client address is used only, hashed, to rate-limit, and
  :class:`AccessLogRedaction` keeps it out of the server's access log.

All three need the institution key (``LUREWATCH_INSTITUTION_KEY_FILE``): the
office checks each file's and request's key id against it and hashes its
alerts with it. Without one they answer 503. What is revealed: docs/sharing.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Annotated, Any, Final, cast

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from lurewatch.ingest.errors import InputError
from lurewatch.settings import Settings
from lurewatch.sharing import FANOUT_FORMAT, InstitutionKey, decode_fanout, decode_lookup, load_key
from lurewatch.store import InvalidValue
from lurewatch.store.records import FanoutKind
from lurewatch.web.context import Clock
from lurewatch.web.deps import AnalystUser, CurrentUser, StoreDep
from lurewatch.web.models import ErrorBody
from lurewatch.web.ratelimit import LoginLimiter
from lurewatch.web.sessions import ConfigurationError

router = APIRouter(prefix="/api", tags=["sharing"])

LOOKUP_PATH: Final = "/api/lookup"
# Lookups per client address: enough for a person checking the few people who wrote to
# them, far too few to test a list of guessed personas against the office's alerts.
LOOKUPS_PER_WINDOW = 20
LOOKUP_WINDOW = dt.timedelta(minutes=10)
NO_KEY = (
    "the security office has no institution key configured "
    "(LUREWATCH_INSTITUTION_KEY_FILE): fan-out files and lookups cannot be checked"
)
ADVICE = (
    "Do not reply or accept anything. Report it to the security office "
    "(lurewatch report, or the Check and report page): a match means the office already "
    "knows this persona."
)
ADVICE_NO_MATCH = (
    "Not known to the security office. That does not make it safe: if the approach "
    "worries you, report it."
)


class LookupLimiter:
    """At most ``per_window`` lookups per client within ``window``, then 429.

    The sliding window of :class:`LoginLimiter`, where every lookup counts as
    a use. Clients are kept as keyed hashes under a random per-process key,
    so even the server's memory holds no address in clear, and they are
    forgotten once their window has passed.
    """

    def __init__(
        self,
        now: Clock,
        *,
        per_window: int = LOOKUPS_PER_WINDOW,
        window: dt.timedelta = LOOKUP_WINDOW,
    ) -> None:
        self._uses = LoginLimiter(now, max_failures=per_window, window=window)
        self._salt = secrets.token_bytes(32)

    def admit(self, client: str) -> int | None:
        """None when ``client`` may look up now (and it is counted); else seconds to wait."""
        key = (hmac.new(self._salt, client.encode(), hashlib.sha256).hexdigest(), "lookup")
        wait = self._uses.retry_after(key)
        if wait is None:
            self._uses.failed(key)  # "failed" is the limiter's word for "used once more"
        return wait


@dataclass(frozen=True, slots=True)
class SharingState:
    """The institution key (None when not configured) and the lookup limiter."""

    key: InstitutionKey | None
    limiter: LookupLimiter


def sharing_state(settings: Settings, now: Clock) -> SharingState:
    """Read the configured key file once, at start-up.

    A key file that is configured but unreadable or not a key is a
    :class:`ConfigurationError`: the server refuses to start rather than
    answer every contribution with 503.
    """
    key = None
    if settings.institution_key_file is not None:
        try:
            key = load_key(settings.institution_key_file)
        except InputError as exc:
            raise ConfigurationError(f"LUREWATCH_INSTITUTION_KEY_FILE: {exc}") from None
    return SharingState(key=key, limiter=LookupLimiter(now))


def _state(request: Request) -> SharingState:
    return cast(SharingState, request.app.state.sharing)


def _key(request: Request) -> InstitutionKey:
    key = _state(request).key
    if key is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=NO_KEY)
    return key


KeyDep = Annotated[InstitutionKey, Depends(_key)]


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "the file could not be read"


class AccessLogRedaction(logging.Filter):
    """Replaces the client address in uvicorn's access-log line for ``/api/lookup`` by "-".

    uvicorn logs ``(client, method, path, http version, status)``; the line
    stays (the office can count lookups), the address goes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and str(args[2]).startswith(LOOKUP_PATH):
            record.args = ("-", *args[1:])
        return True


def install_access_log_redaction() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogRedaction) for f in access.filters):
        access.addFilter(AccessLogRedaction())


# -- models ----------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FanoutReceived(_Out):
    contributor: str
    key_id: str
    received_at: dt.datetime
    contacts: int
    sightings: int
    replaced: bool


class AlertedPersonaPublic(_Out):
    alert_id: str
    alert_title: str
    persona: str | None


class FanoutFindingPublic(_Out):
    kind: FanoutKind
    hash: str
    staff: int
    staff_all_time: int
    first: dt.date
    last: dt.date
    contributors: list[str]
    alerted: list[AlertedPersonaPublic]


class FanoutFindings(BaseModel):
    key_id: str
    contributors: int
    min_staff: int
    window_days: int
    findings: list[FanoutFindingPublic]


class LookupAnswer(BaseModel):
    matched: bool
    kinds: list[FanoutKind]
    searched: list[str]
    advice: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 413, 503)
}


def _body_doc(what: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": what,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }


# -- endpoints -------------------------------------------------------------------------


@router.post(
    "/fanout",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    openapi_extra=_body_doc(
        f"The {FANOUT_FORMAT} file that lurewatch scan --share-fanout wrote, as it is."
    ),
)
async def upload_fanout(
    request: Request, user: CurrentUser, store: StoreDep, key: KeyDep
) -> FanoutReceived:
    """Hand in your fan-out file (any member of staff); it replaces the one you sent before.

    400 with one line when the file is not one ``scan --share-fanout`` wrote
    or was made under another key than the office's current one.
    """
    data = await request.body()
    file = decode_fanout(data, "fan-out file")
    if file.key_id != key.key_id:
        raise InputError(
            f"fan-out file: made with key {file.key_id}, not the office's current key "
            f"{key.key_id}: get the current key from the security office and scan again"
        )
    try:
        receipt = await run_in_threadpool(
            store.store_fanout, user.username, file, actor=user.username, key_id=key.key_id
        )
    except InvalidValue as exc:
        raise InputError(_one_line(exc)) from None
    return FanoutReceived.model_validate(receipt)


@router.get("/fanout/findings", responses=_ERRORS)
def fanout_findings(
    user: AnalystUser,
    store: StoreDep,
    key: KeyDep,
    min_staff: Annotated[int, Query(ge=1, le=10_000)] = 3,
    window_days: Annotated[int, Query(ge=1, le=3_660)] = 14,
) -> FanoutFindings:
    """Hashed identifiers that reached ``min_staff`` members of staff within ``window_days``,
    most staff first, with who they reached and the alerted persona each hashes to, if any."""
    findings = store.fanout_findings(min_staff=min_staff, window_days=window_days, key=key)
    return FanoutFindings(
        key_id=key.key_id,
        contributors=store.fanout_contributors(),
        min_staff=min_staff,
        window_days=window_days,
        findings=[FanoutFindingPublic.model_validate(f) for f in findings],
    )


@router.post(
    "/lookup",
    responses={**_ERRORS, 429: {"model": ErrorBody}},
    openapi_extra=_body_doc(
        "The lurewatch-lookup/1 body that lurewatch lookup --format json printed."
    ),
)
async def lookup(request: Request, store: StoreDep, key: KeyDep) -> LookupAnswer:
    """Is this persona known to the security office? No credentials: none are read.

    The answer is coarse on purpose: matched or not, and which kinds of
    identifier matched; never the alert or what it says. Nothing is recorded
    about the asker. At most 20 lookups per client address in 10 minutes
    (429 with ``Retry-After`` beyond).
    """
    client = request.client.host if request.client else "unknown"
    wait = _state(request).limiter.admit(client)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many lookups from this address: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    asked = decode_lookup(await request.body(), key_id=key.key_id)
    kinds = await run_in_threadpool(store.lookup_persona, asked.ids, key)
    return LookupAnswer(
        matched=bool(kinds),
        kinds=list(kinds),
        searched=["alerts", "campaigns"],
        advice=ADVICE if kinds else ADVICE_NO_MATCH,
    )
