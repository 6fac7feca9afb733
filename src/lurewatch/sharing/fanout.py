"""Fan-out contributions: who wrote to this member of staff, as keyed hashes and days.

:func:`collect_fanout` runs on the member of staff's machine, next to ``scan``.
It reads the export again and keeps, for each counterparty who sent an
incoming invitation or message, only the keyed hashes of their identifiers,
the days they wrote and the kinds of item. No names, texts, ratings or times
of day, and nothing of the owner: their own messages are skipped.

:func:`detect_fanout` runs at the security office over many such files: one
hashed identifier that reached ``min_staff`` or more distinct members of staff
within ``window_days`` is a finding. See docs/sharing.md for what this reveals.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Generic, Literal, TypeVar

import msgspec

from lurewatch.identity import counterparty_key, norm_name
from lurewatch.ingest.errors import InputError
from lurewatch.ingest.linkedin import Export, Limits, open_export

from .ids import KeyId, PersonaIds, identifiers_written, persona_ids
from .keys import InstitutionKey

FANOUT_FORMAT: Final = "lurewatch-fanout/1"
ItemKind = Literal["invitation", "message"]


class FanoutContact(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One counterparty: hashes of who they are, the days they wrote, what they sent."""

    ids: PersonaIds
    dates: tuple[dt.date, ...] = ()
    kinds: tuple[ItemKind, ...] = ()


class FanoutFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a member of staff hands the security office. Versioned; no run timestamp."""

    format: Literal["lurewatch-fanout/1"]
    key_id: KeyId
    contacts: tuple[FanoutContact, ...] = ()


@dataclass(slots=True)
class _Party:
    name: str
    url: str
    days: set[dt.date] = field(default_factory=set)
    kinds: set[ItemKind] = field(default_factory=set)
    written: set[tuple[str, str]] = field(default_factory=set)

    def add(self, kind: ItemKind, when: dt.datetime | None, text: str, url: str) -> None:
        self.url = self.url or url
        self.kinds.add(kind)
        if when is not None:
            # Coarsened to the day (in UTC, so every contributor counts days alike).
            self.days.add(when.astimezone(dt.UTC).date() if when.tzinfo else when.date())
        if text.strip():
            self.written.update(identifiers_written(text))


def collect_fanout(
    export: str | Path,
    key: InstitutionKey,
    *,
    owner: str | None,
    limits: Limits | None = None,
) -> FanoutFile:
    """The fan-out contribution of one export.

    ``owner`` is the export owner's name as the scan resolved it
    (``ScanResult.summary.owner``): their messages are outgoing and skipped,
    exactly as the scan does. The company of a counterparty comes from
    ``Connections.csv`` when they are a connection.
    """
    with open_export(export, limits) as ex:
        return fanout_of_export(ex, key, owner=owner)


def fanout_of_export(ex: Export, key: InstitutionKey, *, owner: str | None) -> FanoutFile:
    """:func:`collect_fanout` for an export already opened."""
    owner_key = norm_name(owner) if owner else None
    parties: dict[str, _Party] = {}

    def party(url: str, name: str) -> _Party:
        return parties.setdefault(counterparty_key(url, name), _Party(name, url))

    companies: dict[str, str] = {}
    if ex.has("connections"):
        for c in ex.connections():
            if c.company:
                companies.setdefault(counterparty_key(c.url, c.name), c.company)
                companies.setdefault(counterparty_key("", c.name), c.company)
    for m in ex.messages():
        if owner_key is not None and norm_name(m.sender) == owner_key:
            continue  # the owner's own message: outgoing, never shared
        text = f"{m.subject}\n{m.content}" if m.subject else m.content
        party(m.sender_url, m.sender).add("message", m.date, text, m.sender_url)
    for inv in ex.invitations():
        # Incoming exactly as the scan decides it.
        incoming = inv.direction == "INCOMING" or (
            inv.direction != "OUTGOING"
            and owner_key is not None
            and norm_name(inv.recipient) == owner_key
        )
        if incoming:
            p = party(inv.inviter_url, inv.sender)
            p.add("invitation", inv.sent_at, inv.message, inv.inviter_url)

    contacts = []
    for p in parties.values():
        company = companies.get(counterparty_key(p.url, p.name)) or companies.get(
            counterparty_key("", p.name)
        )
        ids = persona_ids(
            key, profile_url=p.url or None, name=p.name, company=company, handles=p.written
        )
        if ids:
            contacts.append(
                FanoutContact(
                    ids=ids,
                    dates=tuple(sorted(p.days)),
                    kinds=tuple(sorted(p.kinds)),
                )
            )
    contacts.sort(key=_contact_order)
    return FanoutFile(format=FANOUT_FORMAT, key_id=key.key_id, contacts=tuple(contacts))


def _contact_order(c: FanoutContact) -> tuple[str, str, tuple[str, ...], tuple[dt.date, ...]]:
    # By hash: stable, and it says nothing about who wrote first or was rated higher.
    return (c.ids.url or "", c.ids.name_company or "", c.ids.handles, c.dates)


def encode_fanout(f: FanoutFile) -> bytes:
    """The file's bytes: indented JSON, the same for the same export and key."""
    return msgspec.json.format(msgspec.json.encode(f), indent=1) + b"\n"


def decode_fanout(data: bytes, source: str = "fan-out file") -> FanoutFile:
    """Parse and validate a contribution; raises :class:`InputError` naming ``source``."""
    try:
        return msgspec.json.decode(data, type=FanoutFile)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InputError(f"{source}: not a {FANOUT_FORMAT} file: {exc}") from exc


C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True, slots=True)
class FanoutHit(Generic[C]):
    """One hashed identifier that reached many members of staff in a short window."""

    field: str  # "url", "name_company" or "handle" (the field of PersonaIds it came from)
    hash: str
    staff: int  # distinct contributors within the window
    contributors: tuple[C, ...]  # those contributors, in order of their first contact
    first: dt.date  # first and last contact within the window
    last: dt.date
    staff_all_time: int  # distinct contributors reached over all dates


def detect_fanout(
    contributions: Iterable[tuple[C, FanoutFile]],
    *,
    min_staff: int = 3,
    window_days: int = 14,
) -> list[FanoutHit[C]]:
    """Identifiers that reached ``min_staff`` distinct contributors within ``window_days``.

    Two contacts fall in one window when the later is less than ``window_days``
    after the earlier (days 1 and 14 do for 14, days 1 and 15 do not), as in
    :func:`lurewatch.campaigns.fanout`. For each identifier the window with the
    most distinct contributors is reported. Contacts without a date count only
    towards ``staff_all_time``. Files made under different keys cannot be
    compared and raise ``ValueError``. Most reached first.
    """
    if min_staff < 1 or window_days < 1:
        raise ValueError("min_staff and window_days must be at least 1")
    events: dict[tuple[str, str], set[tuple[dt.date | None, C]]] = {}
    key_ids: set[str] = set()
    for contributor, f in contributions:
        key_ids.add(f.key_id)
        if len(key_ids) > 1:
            raise ValueError(
                f"contributions were made with different keys ({', '.join(sorted(key_ids))}); "
                "hashes under different keys never match"
            )
        for c in f.contacts:
            dates: tuple[dt.date | None, ...] = c.dates or (None,)
            for fld, h in c.ids.hashes():
                bucket = events.setdefault((fld, h), set())
                bucket.update((d, contributor) for d in dates)
    hits = []
    for (fld, h), evs in events.items():
        everyone = {who for _, who in evs}
        if len(everyone) < min_staff:
            continue
        hit = _best_window(fld, h, evs, len(everyone), window_days)
        if hit is not None and hit.staff >= min_staff:
            hits.append(hit)
    hits.sort(key=lambda x: (-x.staff, x.first, x.field, x.hash))
    return hits


def _best_window(
    fld: str, h: str, evs: set[tuple[dt.date | None, C]], total: int, window_days: int
) -> FanoutHit[C] | None:
    dated = sorted(((d, who) for d, who in evs if d is not None), key=lambda e: (e[0], str(e[1])))
    span = dt.timedelta(days=window_days)
    inside: Counter[C] = Counter()
    best: tuple[int, int, int] | None = None  # (staff, start, end)
    start = 0
    for end, (day, who) in enumerate(dated):
        inside[who] += 1
        while day - dated[start][0] >= span:
            gone = dated[start][1]
            inside[gone] -= 1
            if not inside[gone]:
                del inside[gone]
            start += 1
        if best is None or len(inside) > best[0]:
            best = (len(inside), start, end)
    if best is None:
        return None
    staff, i, j = best
    window = dated[i : j + 1]
    contributors = tuple(dict.fromkeys(who for _, who in window))
    return FanoutHit(
        field=fld,
        hash=h,
        staff=staff,
        contributors=contributors,
        first=window[0][0],
        last=window[-1][0],
        staff_all_time=total,
    )
