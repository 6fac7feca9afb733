"""The office side of privacy-preserving sharing (issue 6): fan-out files and lookups.

Members of staff hand in ``lurewatch scan --share-fanout`` files
(:class:`lurewatch.sharing.FanoutFile`): keyed hashes of who wrote to them and
on which days. The store keeps each person's latest file as rows of
``(kind, hash, day)`` and finds the hashes that reached several members of
staff in a short window with :func:`lurewatch.sharing.detect_fanout`, fed
only the rows of hashes that could qualify. Hashes are matched against the
stored alerts' personas hashed under the same institution key, so a finding
can say "this is alerted persona X". What this reveals: docs/sharing.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lurewatch.model import Alert
from lurewatch.sharing import (
    FanoutContact,
    FanoutFile,
    InstitutionKey,
    PersonaIds,
    detect_fanout,
    known_from_alerts,
    match_lookup,
    persona_ids,
)
from lurewatch.sharing.ids import identifiers_written
from lurewatch.store.alerts import ALERTS_VERSION, _alert_from_body
from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue
from lurewatch.store.records import AlertedPersona, FanoutKind, FanoutReceipt, SharedFanoutFinding
from lurewatch.store.schema import (
    AlertRow,
    CampaignMemberRow,
    CampaignRow,
    FanoutFileRow,
    FanoutSightingRow,
    ReportRow,
    UserRow,
)

# One file's rows (hashes x days). A real export gives a few per counterparty; the cap
# stops a crafted file (one contact, thousands of dates) from costing millions of rows.
MAX_FANOUT_SIGHTINGS = 200_000
_BATCH = 5_000
_KINDS: dict[str, FanoutKind] = {"url": "url", "name_company": "name_company", "handle": "handle"}


Sighting = tuple[str, str, dt.date | None]


def _sightings(file: FanoutFile) -> set[Sighting]:
    rows: set[Sighting] = set()
    for contact in file.contacts:
        days: tuple[dt.date | None, ...] = contact.dates or (None,)
        for kind, h in contact.ids.hashes():
            rows.update((kind, h, d) for d in days)
            if len(rows) > MAX_FANOUT_SIGHTINGS:
                raise InvalidValue(
                    f"fan-out file: over {MAX_FANOUT_SIGHTINGS:,} hashed sightings; "
                    "this is not a file lurewatch scan --share-fanout writes"
                )
    return rows


def _contact(kind: str, h: str, days: set[dt.date | None]) -> FanoutContact:
    ids = (
        PersonaIds(url=h)
        if kind == "url"
        else PersonaIds(name_company=h)
        if kind == "name_company"
        else PersonaIds(handles=(h,))
    )
    dated = tuple(sorted(d for d in days if d is not None))
    return FanoutContact(ids=ids, dates=dated)


def alerted_personas(
    key: InstitutionKey, alerts: Iterable[Alert]
) -> dict[str, tuple[AlertedPersona, ...]]:
    """hash -> the alerted personas (or loose indicators) it belongs to, under ``key``."""
    alerts = list(alerts)
    titles = {a.id: a.title for a in alerts}
    names = {(a.id, p.id): p.name for a in alerts for p in a.personas}
    out: dict[str, tuple[AlertedPersona, ...]] = {}
    for h, refs in known_from_alerts(key, alerts).items():
        found = dict.fromkeys(
            AlertedPersona(
                alert_id=r.alert,
                alert_title=titles.get(r.alert, r.alert),
                persona=names.get((r.alert, r.persona)) if r.persona else None,
            )
            for r in refs
        )
        out[h] = tuple(found)
    return out


def _stored_alerts(session: Session) -> list[Alert]:
    """Every stored alert, read in the caller's transaction."""
    rows = session.execute(sa.select(AlertRow.alert_id, AlertRow.body).order_by(AlertRow.id))
    return [_alert_from_body(body, alert_id) for alert_id, body in rows]


class SharingMixin(StoreCore):
    # (alerts version, key id, hash -> alerted personas): re-hashing every alert persona
    # costs milliseconds per alert, so it is done again only when the alerts change.
    _known_hashes: tuple[int, str, dict[str, tuple[AlertedPersona, ...]]] | None = None
    # The same for the contacts that are members of a stored campaign.
    _campaign_hashes: tuple[tuple[object, ...], str, dict[str, tuple[str, ...]]] | None = None

    def _known(self, s: Session, key: InstitutionKey) -> dict[str, tuple[AlertedPersona, ...]]:
        version = self._counter(s, ALERTS_VERSION)
        cached = self._known_hashes
        if cached is None or cached[0] != version or cached[1] != key.key_id:
            cached = (version, key.key_id, alerted_personas(key, _stored_alerts(s)))
            self._known_hashes = cached
        return cached[2]

    def _campaign_known(self, s: Session, key: InstitutionKey) -> dict[str, tuple[str, ...]]:
        """hash -> ("campaign",) for every campaign member's profile address, name with
        company, and the handles, numbers and addresses it wrote; rebuilt when the stored
        campaigns change."""
        version = (
            s.scalar(sa.select(sa.func.count()).select_from(CampaignMemberRow)),
            s.scalar(sa.select(sa.func.max(CampaignRow.updated_at))),
        )
        cached = self._campaign_hashes
        if cached is None or cached[0] != version or cached[1] != key.key_id:
            known: dict[str, tuple[str, ...]] = {}
            rows = s.execute(
                sa.select(ReportRow.items, CampaignMemberRow.position).join(
                    ReportRow, ReportRow.id == CampaignMemberRow.report_id
                )
            )
            for items, position in rows:
                contact = items[position] if isinstance(items, list) else None
                if not isinstance(contact, dict) or position >= len(items):
                    continue
                written = {
                    pair
                    for item in contact.get("items") or ()
                    if isinstance(item, dict)
                    for pair in identifiers_written(str(item.get("excerpt") or ""))
                }
                ids = persona_ids(
                    key,
                    profile_url=contact.get("profile_url"),
                    name=contact.get("name"),
                    company=contact.get("company"),
                    handles=written,
                )
                for h in (ids.url, ids.name_company, *ids.handles):
                    if h:
                        known[h] = ("campaign",)
            cached = self._campaign_hashes = (version, key.key_id, known)
        return cached[2]

    # -- fan-out files ----------------------------------------------------------------

    def store_fanout(
        self,
        contributor: str,
        file: FanoutFile,
        *,
        actor: str,
        key_id: str | None = None,
    ) -> FanoutReceipt:
        """Keep ``contributor``'s fan-out file, replacing the one they sent before.

        ``key_id`` is the office's current institution key id: a file made
        under another key is refused (:class:`InvalidValue`), since its hashes
        could never meet the others. The audit entry holds counts only.
        """
        if key_id is not None and file.key_id != key_id:
            raise InvalidValue(
                f"fan-out file: made with key {file.key_id}, not the office's current key "
                f"{key_id}; get the current key from the security office and run the scan again"
            )
        rows = _sightings(file)
        now = self._clock()
        with self._write() as s:
            user = self._user_row(s, contributor)
            old = s.scalar(sa.select(FanoutFileRow.id).where(FanoutFileRow.user_id == user.id))
            if old is not None:
                s.execute(sa.delete(FanoutSightingRow).where(FanoutSightingRow.file_id == old))
                s.execute(sa.delete(FanoutFileRow).where(FanoutFileRow.id == old))
            row = FanoutFileRow(
                user_id=user.id, key_id=file.key_id, received_at=now, contacts=len(file.contacts)
            )
            s.add(row)
            s.flush()
            values = [{"file_id": row.id, "kind": k, "hash": h, "day": d} for k, h, d in rows]
            for start in range(0, len(values), _BATCH):
                s.execute(sa.insert(FanoutSightingRow), values[start : start + _BATCH])
            details = {
                "key_id": file.key_id,
                "contacts": len(file.contacts),
                "sightings": len(rows),
                "replaced": old is not None,
            }
            self._audit(
                s,
                at=now,
                actor=actor,
                action="fanout.upload",
                target=f"user:{contributor}",
                details=details,
            )
        return FanoutReceipt(
            contributor=contributor,
            key_id=file.key_id,
            received_at=now,
            contacts=len(file.contacts),
            sightings=len(rows),
            replaced=old is not None,
        )

    def fanout_contributors(self) -> int:
        """How many members of staff have a fan-out file stored."""
        with self._read() as s:
            return int(s.scalar(sa.select(sa.func.count()).select_from(FanoutFileRow)) or 0)

    def fanout_findings(
        self,
        *,
        min_staff: int = 3,
        window_days: int = 14,
        key: InstitutionKey | None = None,
    ) -> list[SharedFanoutFinding]:
        """Hashes that reached ``min_staff`` members of staff within ``window_days``.

        The window rule is :func:`lurewatch.sharing.detect_fanout`'s. Only the
        rows of hashes that at least ``min_staff`` people sent at any time are
        read (an aggregate over the ``(kind, hash, day)`` index), so the cost
        follows the candidates, not the table. With ``key`` only files made
        under it count, and each finding lists the stored alert personas whose
        identifiers hash to it; without, files are compared within each key.
        Most staff first.
        """
        if min_staff < 1 or window_days < 1:
            raise InvalidValue("min_staff and window_days must be at least 1")
        f, sg = FanoutFileRow, FanoutSightingRow
        candidates = (
            sa.select(f.key_id, sg.kind, sg.hash)
            .join(f, f.id == sg.file_id)
            .group_by(f.key_id, sg.kind, sg.hash)
            .having(sa.func.count(sa.distinct(sg.file_id)) >= min_staff)
        )
        if key is not None:
            candidates = candidates.where(f.key_id == key.key_id)
        cand = candidates.subquery()
        rows = (
            sa.select(f.key_id, UserRow.username, sg.kind, sg.hash, sg.day)
            .join(f, f.id == sg.file_id)
            .join(UserRow, UserRow.id == f.user_id)
            .join(
                cand,
                sa.and_(cand.c.key_id == f.key_id, cand.c.kind == sg.kind, cand.c.hash == sg.hash),
            )
            .execution_options(yield_per=_BATCH)
        )
        # key id -> contributor -> (kind, hash) -> days
        grouped: defaultdict[
            str, defaultdict[str, defaultdict[tuple[str, str], set[dt.date | None]]]
        ]
        grouped = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
        with self._read() as s:
            for key_id, username, field, h, day in s.execute(rows):
                grouped[key_id][username][(field, h)].add(day)
            known = self._known(s, key) if key is not None else {}
        findings: list[SharedFanoutFinding] = []
        for key_id, people in sorted(grouped.items()):
            files = [
                (
                    username,
                    FanoutFile(
                        format="lurewatch-fanout/1",
                        key_id=key_id,
                        contacts=tuple(_contact(k, h, d) for (k, h), d in seen.items()),
                    ),
                )
                for username, seen in people.items()
            ]
            for hit in detect_fanout(files, min_staff=min_staff, window_days=window_days):
                findings.append(
                    SharedFanoutFinding(
                        kind=_KINDS[hit.field],
                        hash=hit.hash,
                        staff=hit.staff,
                        staff_all_time=hit.staff_all_time,
                        first=hit.first,
                        last=hit.last,
                        contributors=hit.contributors,
                        alerted=known.get(hit.hash, ()),
                    )
                )
        findings.sort(key=lambda x: (-x.staff, x.first, x.kind, x.hash))
        return findings

    # -- anonymous lookup ---------------------------------------------------------------

    def lookup_persona(self, ids: PersonaIds, key: InstitutionKey) -> tuple[FanoutKind, ...]:
        """Which fields of a lookup's hashes (``url``, ``name_company``, ``handle``) name a
        stored alert persona or indicator, or a member of a stored campaign, under ``key``;
        empty when none does.

        Deliberately coarse: no alert, persona or count comes back, and nothing
        is written (no audit entry: the asker is not known and must not be).
        """
        with self._read() as s:
            known = self._known(s, key)
            in_campaigns = self._campaign_known(s, key)
        fields = [m.field for m in match_lookup(ids, known)]
        fields += [m.field for m in match_lookup(ids, in_campaigns)]
        return tuple(dict.fromkeys(_KINDS[f] for f in fields))
