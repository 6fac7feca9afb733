"""Campaigns in the store: every reported contact linked by :mod:`lurewatch.campaigns`.

A contact of a stored report is an :class:`~lurewatch.campaigns.ApproachRecord`
with the id ``<report id>:<position>``: its name, company and profile address
as written, the excerpts the person sent as its text, its first contact date
(else when it was reported), and the reporter's username as ``target`` (which
never leaves the office). Exercises are left out.

:meth:`CampaignsMixin.relink_campaigns` links them all, replays the analysts'
decisions, and replaces the campaign tables in one write transaction. A
stored campaign keeps its id across relinks while it keeps most of its
members, so pages and bookmarks stay valid.

**Decisions** (``campaign_decisions``) are kept by contact, never by campaign
id, because ids follow membership:

- ``merge`` ``{"a", "b", "note"}``: the two contacts must be in one campaign;
- ``split`` ``{"contact", "apart_from"}``: the contact is left out of the
  linking, and must not be in a campaign with any of ``apart_from`` (the
  other members when it was removed); only a later merge brings it back;
- ``name`` ``{"contacts", "name"}``: the campaign holding most of ``contacts``
  is called ``name`` ("" gives the generated name back).

Merges and splits replay in the order they were made, after linking; names
are given last, the latest decision first. Each analyst operation records its
decision and applies it at once to the campaigns it touches, with the same
library operation (:mod:`lurewatch.campaigns.analyst`) that the replay uses.

**On arrival** (:meth:`CampaignsMixin.campaign_arrivals`), the contacts of
the reports stored together are linked, in one go, with the members of the
stored campaigns only, not with every stored contact: the cost follows the
campaigns' size, not the store's, and is paid once per batch, not once per
report. A contact that strong links tie to a member, directly or through
other contacts arriving with it, joins the nearest member's campaign, and its
report is raised to high; contacts arriving together end in the same
campaigns as if they had arrived one after another. Joins through an ``organisation``
or ``domain`` are not taken at arrival: whether an organisation or domain is
too common to link on is a count over the whole pool, which this small
linking does not see. The next relink settles those (and any new campaign
between contacts that were not yet members).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lurewatch.campaigns import (
    ApproachRecord,
    Campaign,
    Link,
    Linking,
    fanout,
    link,
    merge,
    remove_member,
)
from lurewatch.model import Level
from lurewatch.scoring import HIGH_AT
from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue, NotFound
from lurewatch.store.normalise import contact_key
from lurewatch.store.records import (
    CampaignDetail,
    CampaignJoin,
    CampaignLinkRecord,
    CampaignMember,
    CampaignSummary,
    RelinkSummary,
    Report,
)
from lurewatch.store.schema import (
    CampaignDecisionRow,
    CampaignLinkRow,
    CampaignMemberRow,
    CampaignRow,
    ObservationRow,
    ReportRow,
    TeamRow,
    UserRow,
)

BATCH = 500
MAX_NAME = 200
FANOUT_STAFF = 3
FANOUT_WINDOW = dt.timedelta(days=14)
# Reasons a new contact may join a campaign by on arrival (see the module docstring).
ARRIVAL_REASONS = frozenset(
    {"profile-url", "persona", "handle", "phone", "email", "photo", "template"}
)


# --- contacts as approach records ------------------------------------------------------


class _Item(msgspec.Struct, forbid_unknown_fields=False):
    excerpt: str = ""
    subject: str = ""


class _Contact(msgspec.Struct, forbid_unknown_fields=False):
    """What linking reads of a stored contact."""

    name: str = ""
    profile_url: str | None = None
    company: str = ""
    level: str = "low"
    score: int = 0
    items: list[_Item] = []
    first_contact: str | None = None
    last_contact: str | None = None


_ANY_CAMPAIGN = sa.select(CampaignMemberRow.campaign_id).limit(1)


def record_id(report_id: int, position: int) -> str:
    return f"{report_id}:{position}"


def _parse_id(rid: str) -> tuple[int, int]:
    report, _, position = rid.partition(":")
    return int(report), int(position)


def contact_when(first: str | None, last: str | None, reported: dt.datetime) -> dt.datetime:
    """When the persona first wrote (an ISO date or time, as stored), else when reported; UTC."""
    for value in (first, last):
        if not value:
            continue
        for text in (value, value[:10]):
            try:
                when = dt.datetime.fromisoformat(text)
            except ValueError:
                continue
            return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return reported


def _contacts(items: Any) -> list[_Contact]:
    try:
        return msgspec.convert(items, list[_Contact], strict=False)
    except msgspec.ValidationError:
        return []


def _record(
    report_id: int, position: int, c: _Contact, target: str, reported: dt.datetime
) -> ApproachRecord:
    text = "\n".join(t for i in c.items for t in (i.subject, i.excerpt) if t)
    return ApproachRecord(
        id=record_id(report_id, position),
        target=target,
        when=contact_when(c.first_contact, c.last_contact, reported),
        name=c.name,
        company=c.company,
        profile_url=c.profile_url or "",
        text=text,
    )


def _level(value: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        return Level.LOW


def _has_content(c: _Contact) -> bool:
    return bool(c.name.strip() or c.profile_url or c.company.strip() or c.items)


class _Join(msgspec.Struct, frozen=True):
    contact: str  # the arriving contact
    campaign: int
    link: Link  # the contact's own link on the way to the campaign
    other: str  # the other end of that link: a member, or an arrival that joins first


def _arrival_joins(
    linking: Linking, arriving: Sequence[str], campaign_of: dict[str, int]
) -> list[_Join]:
    """Which arriving contacts join which stored campaign, nearest first.

    A contact joins when strong links (:data:`ARRIVAL_REASONS`) tie it to a member,
    directly or through other arriving contacts (never through a member of another
    campaign). The nearest member decides; at equal distance, the lowest campaign id.
    Joining in this order gives the same campaigns whether contacts arrive together
    or one after another. Union-find takes every strong link before any ``domain``
    or ``organisation`` one, so the spanning links keep every strong connection.
    """
    adjacent: dict[str, list[tuple[str, Link]]] = {}
    for c in linking.campaigns:
        for lk in c.links:
            if lk.reason in ARRIVAL_REASONS:
                adjacent.setdefault(lk.a, []).append((lk.b, lk))
                adjacent.setdefault(lk.b, []).append((lk.a, lk))
    new = set(arriving)
    plans: list[tuple[int, int, str, _Join]] = []
    for order, start in enumerate(arriving):
        if start in campaign_of or start not in adjacent:
            continue
        # Breadth first through arriving contacts; ``first`` is the step taken from start.
        first: dict[str, tuple[str, Link]] = {}
        frontier = [start]
        seen = {start}
        found: list[tuple[int, str]] = []  # (campaign, first step) at the nearest distance
        depth = 0
        while frontier and not found:
            depth += 1
            after: list[str] = []
            for node in frontier:
                for other, lk in adjacent.get(node, ()):
                    if other in seen:
                        continue
                    seen.add(other)
                    step = first.get(node) or (other, lk)
                    first[other] = step
                    if other in campaign_of:
                        found.append((campaign_of[other], other))
                    elif other in new:
                        after.append(other)
            frontier = after
        if found:
            campaign, reached = min(found)
            other, lk = first[reached]
            plans.append((depth, order, start, _Join(start, campaign, lk, other)))
    plans.sort(key=lambda p: (p[0], p[1]))
    return [p[3] for p in plans]


# --- decisions -------------------------------------------------------------------------


class _Decision(msgspec.Struct, frozen=True):
    id: int
    kind: str
    details: dict[str, Any]
    actor: str


def _with(linking: Linking, rid: str) -> Linking:
    """``linking`` with ``rid`` in a campaign (alone, if it was in none)."""
    if linking.campaign_of(rid) is not None:
        return linking
    alone = Campaign("campaign:" + rid, (rid,), ())
    return Linking((*linking.campaigns, alone), linking.suppressed)


def replay(linking: Linking, decisions: Iterable[_Decision], known: set[str]) -> Linking:
    """Merges and splits, in the order made, over ``linking``; contacts not in ``known``
    (deleted reports, exercises) are passed over. Campaigns of one are dropped."""
    for d in decisions:
        if d.kind == "merge":
            a, b = str(d.details.get("a", "")), str(d.details.get("b", ""))
            if a not in known or b not in known:
                continue
            linking = _with(_with(linking, a), b)
            ca, cb = linking.campaign_of(a), linking.campaign_of(b)
            if ca is not None and cb is not None and ca.id != cb.id:
                linking = merge(linking, ca.id, cb.id, note=str(d.details.get("note", "")))
        elif d.kind == "split":
            x = str(d.details.get("contact", ""))
            apart = {str(v) for v in d.details.get("apart_from", ())}
            c = linking.campaign_of(x)
            if c is not None and apart & (set(c.members) - {x}):
                linking = remove_member(linking, c.id, x)
    kept = tuple(c for c in linking.campaigns if len(c.members) > 1)
    return Linking(kept, linking.suppressed)


def resolve(records: Sequence[ApproachRecord], decisions: Sequence[_Decision]) -> Linking:
    """Link ``records`` and replay the decisions: what a relink stores.

    A contact an analyst removed from a campaign is left out of the linking
    itself, so the others link by everything they share (the spanning links
    alone would split them where the removed contact sat in the chain); it
    joins a campaign again only through a later merge.
    """
    removed = {str(d.details.get("contact", "")) for d in decisions if d.kind == "split"}
    linking = link([r for r in records if r.id not in removed])
    return replay(linking, decisions, {r.id for r in records})


def _names(
    campaigns: Sequence[Campaign], decisions: Iterable[_Decision]
) -> dict[str, tuple[str, str | None]]:
    """Campaign id -> (name, who named it) from the name decisions, the latest first."""
    by_member = {m: c.id for c in campaigns for m in c.members}
    order = {c.id: i for i, c in enumerate(campaigns)}
    out: dict[str, tuple[str, str | None]] = {}
    for d in sorted((d for d in decisions if d.kind == "name"), key=lambda d: -d.id):
        votes = Counter(
            by_member[m] for m in map(str, d.details.get("contacts", ())) if m in by_member
        )
        if not votes:
            continue
        winner = max(votes, key=lambda cid: (votes[cid], -order[cid]))
        if winner not in out:
            name = str(d.details.get("name", ""))
            out[winner] = (name, d.actor if name else None)
    return out


def generated_name(written: Iterable[tuple[str, str]]) -> str:
    """A campaign's name from its members' names and companies: the most used of each."""
    pairs = list(written)
    names = Counter(" ".join(n.split()) for n, _ in pairs if n.strip())
    companies = Counter(" ".join(c.split()) for _, c in pairs if c.strip())
    if names:
        top = names.most_common(1)[0][0]
        name = f"{top} ({companies.most_common(1)[0][0]})" if companies else top
        if len(names) > 1:
            more = len(names) - 1
            name += f" and {more} other name{'s' if more > 1 else ''}"
    elif companies:
        name = companies.most_common(1)[0][0]
    else:
        name = "Unnamed personas"
    return name[:MAX_NAME]


class CampaignsMixin(StoreCore):
    # -- reading contacts ------------------------------------------------------------

    def _approach_batches(self, s: Session) -> Iterator[list[tuple[ApproachRecord, _Contact]]]:
        """Every non-exercise stored contact, as records, in keyset-paginated batches."""
        after = 0
        while True:
            rows = s.execute(
                sa.select(ReportRow.id, ReportRow.items, ReportRow.received_at, UserRow.username)
                .join(UserRow, UserRow.id == ReportRow.reporter_id)
                .where(ReportRow.id > after, ReportRow.is_exercise.is_(False))
                .order_by(ReportRow.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return
            batch = []
            for report_id, items, received_at, username in rows:
                for position, c in enumerate(_contacts(items)):
                    if _has_content(c):
                        batch.append((_record(report_id, position, c, username, received_at), c))
            yield batch
            after = rows[-1][0]

    def _decisions(self, s: Session) -> list[_Decision]:
        rows = s.scalars(sa.select(CampaignDecisionRow).order_by(CampaignDecisionRow.id))
        return [
            _Decision(r.id, r.kind, dict(r.details or {}), r.actor)
            for r in rows
            if isinstance(r.details, dict)
        ]

    def _written(self, s: Session, rids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """Name and company as written of the given contacts (for generated names)."""
        wanted = [_parse_id(r) for r in rids]
        out: dict[str, tuple[str, str]] = {}
        reports = sorted({r for r, _ in wanted})
        for i in range(0, len(reports), BATCH):
            rows = s.execute(
                sa.select(ReportRow.id, ReportRow.items).where(
                    ReportRow.id.in_(reports[i : i + BATCH])
                )
            ).all()
            for report_id, items in rows:
                for position, c in enumerate(_contacts(items)):
                    out[record_id(report_id, position)] = (c.name, c.company)
        return out

    def _stored(self, s: Session, ids: Sequence[int] | None = None) -> dict[int, Campaign]:
        """Stored campaigns (all, or ``ids``) as the library's campaigns, by database id."""
        members: dict[int, list[str]] = {}
        query = sa.select(
            CampaignMemberRow.campaign_id, CampaignMemberRow.report_id, CampaignMemberRow.position
        )
        if ids is not None:
            query = query.where(CampaignMemberRow.campaign_id.in_(ids))
        for cid, report_id, position in s.execute(query):
            members.setdefault(cid, []).append(record_id(report_id, position))
        links: dict[int, list[Link]] = {}
        lquery = sa.select(CampaignLinkRow)
        if ids is not None:
            lquery = lquery.where(CampaignLinkRow.campaign_id.in_(ids))
        for lk in s.scalars(lquery):
            a, b = (
                record_id(lk.a_report_id, lk.a_position),
                record_id(lk.b_report_id, lk.b_position),
            )
            links.setdefault(lk.campaign_id, []).append(Link(a, b, lk.reason, lk.detail))
        out = {}
        for cid, ms in members.items():
            ms.sort()
            out[cid] = Campaign("campaign:" + ms[0], tuple(ms), tuple(sorted(links.get(cid, ()))))
        return out

    def _member_records(
        self, s: Session, rids: Iterable[str]
    ) -> tuple[list[ApproachRecord], dict[int, str]]:
        """The given contacts as approach records, and their reports' references by id."""
        wanted = set(rids)
        reports = sorted({_parse_id(m)[0] for m in wanted})
        records: list[ApproachRecord] = []
        references: dict[int, str] = {}
        for i in range(0, len(reports), BATCH):
            rows = s.execute(
                sa.select(
                    ReportRow.id,
                    ReportRow.reference,
                    ReportRow.items,
                    ReportRow.received_at,
                    UserRow.username,
                )
                .join(UserRow, UserRow.id == ReportRow.reporter_id)
                .where(ReportRow.id.in_(reports[i : i + BATCH]))
            ).all()
            for report_id, reference, items, received, username in rows:
                references[report_id] = reference
                for position, c in enumerate(_contacts(items)):
                    if record_id(report_id, position) in wanted:
                        records.append(_record(report_id, position, c, username, received))
        return records, references

    # -- writing campaigns -----------------------------------------------------------

    def _replace(
        self,
        s: Session,
        campaigns: Sequence[Campaign],
        *,
        scope: Sequence[int] | None,
        written: dict[str, tuple[str, str]],
        decisions: Sequence[_Decision],
        now: dt.datetime,
    ) -> dict[str, int]:
        """Replace the stored campaigns in ``scope`` (None: all) by ``campaigns``.

        A new campaign takes the id of the old one it shares most members with
        (each old id once), so a relink keeps ids while campaigns keep their members.
        Returns library campaign id -> database id.
        """
        old = self._stored(s, scope)
        query = sa.select(CampaignRow)
        if scope is not None:
            query = query.where(CampaignRow.id.in_(scope))
        rows = {r.id: r for r in s.scalars(query)}
        old_sets = {cid: set(c.members) for cid, c in old.items()}
        taken: set[int] = set()
        names = _names(campaigns, decisions)
        ids: dict[str, int] = {}
        member_rows: list[dict[str, Any]] = []
        link_rows: list[dict[str, Any]] = []
        if scope is None:
            s.execute(sa.delete(CampaignLinkRow))
            s.execute(sa.delete(CampaignMemberRow))
        else:
            s.execute(sa.delete(CampaignLinkRow).where(CampaignLinkRow.campaign_id.in_(scope)))
            s.execute(sa.delete(CampaignMemberRow).where(CampaignMemberRow.campaign_id.in_(scope)))
        for c in sorted(campaigns, key=lambda c: (-len(c.members), c.id)):
            members = set(c.members)
            overlap = {cid: len(ms & members) for cid, ms in old_sets.items() if cid not in taken}
            best = max(overlap, key=lambda cid: (overlap[cid], -cid), default=None)
            name, named_by = names.get(c.id, ("", None))
            if not name:
                name = generated_name(written.get(m, ("", "")) for m in c.members)
            if best is not None and overlap[best] > 0:
                taken.add(best)
                row = rows[best]
                if old_sets[best] != members or (row.name, row.named_by) != (name, named_by):
                    row.updated_at = now
                row.name, row.named_by = name, named_by
            else:
                row = CampaignRow(name=name, named_by=named_by, created_at=now, updated_at=now)
                s.add(row)
                s.flush()
            ids[c.id] = row.id
            for m in c.members:
                report_id, position = _parse_id(m)
                member_rows.append(
                    {"campaign_id": row.id, "report_id": report_id, "position": position}
                )
            for lk in c.links:
                (ar, ap), (br, bp) = _parse_id(lk.a), _parse_id(lk.b)
                link_rows.append(
                    {
                        "campaign_id": row.id,
                        "a_report_id": ar,
                        "a_position": ap,
                        "b_report_id": br,
                        "b_position": bp,
                        "reason": lk.reason[:40],
                        "detail": lk.detail,
                    }
                )
        gone = [cid for cid in rows if cid not in taken]
        if gone:
            s.execute(sa.delete(CampaignRow).where(CampaignRow.id.in_(gone)))
        if member_rows:
            s.execute(sa.insert(CampaignMemberRow), member_rows)
        if link_rows:
            s.execute(sa.insert(CampaignLinkRow), link_rows)
        return ids

    # -- relink ----------------------------------------------------------------------

    def relink_campaigns(self, *, actor: str) -> RelinkSummary:
        """Link every stored contact (exercises left out), replay the analysts' decisions,
        and replace the stored campaigns (two or more members) in one write transaction."""
        records: list[ApproachRecord] = []
        written: dict[str, tuple[str, str]] = {}
        with self._read(snapshot=True) as s:
            for batch in self._approach_batches(s):
                for r, c in batch:
                    records.append(r)
                    written[r.id] = (c.name, c.company)
            decisions = self._decisions(s)
        linking = resolve(records, decisions)
        # A campaign that reached several members of staff within the window raises every
        # one of its members, not only the approaches inside the window.
        fanned: set[int] = set()
        for found in fanout(
            records, linking, min_targets=FANOUT_STAFF, window=FANOUT_WINDOW, kinds=("campaign",)
        ):
            campaign = linking.campaign_of(found.records[0]) if found.records else None
            if campaign is not None:
                fanned.update(_parse_id(m)[0] for m in campaign.members)
        now = self._clock()
        with self._write() as s:
            self._replace(
                s, linking.campaigns, scope=None, written=written, decisions=decisions, now=now
            )
            raised = self._rate_high(
                s,
                sorted(fanned),
                actor=actor,
                now=now,
                why=f"its campaign reached {FANOUT_STAFF} or more members of staff within "
                f"{FANOUT_WINDOW.days} days: every member is rated high",
            )
            summary = RelinkSummary(
                approaches=len(records),
                campaigns=len(linking.campaigns),
                members=sum(len(c.members) for c in linking.campaigns),
                links=sum(len(c.links) for c in linking.campaigns),
                decisions=len(decisions),
                at=now,
                raised=raised,
            )
            self._audit(
                s,
                at=now,
                actor=actor,
                action="campaign.relink",
                target="campaigns",
                details={
                    "approaches": summary.approaches,
                    "campaigns": summary.campaigns,
                    "members": summary.members,
                    "links": summary.links,
                    "decisions": summary.decisions,
                    "raised": raised,
                },
            )
        return summary

    # -- reading campaigns -----------------------------------------------------------

    def list_campaigns(self) -> list[CampaignSummary]:
        """Every stored campaign, most members first (then the latest change first)."""
        obs = ObservationRow
        query = (
            sa.select(
                CampaignMemberRow.campaign_id,
                CampaignMemberRow.report_id,
                UserRow.username,
                ReportRow.received_at,
                obs.counterparty_id,
                obs.first_contact,
                obs.last_contact,
            )
            .join(ReportRow, ReportRow.id == CampaignMemberRow.report_id)
            .join(UserRow, UserRow.id == ReportRow.reporter_id)
            .outerjoin(
                obs,
                sa.and_(
                    obs.report_id == CampaignMemberRow.report_id,
                    obs.position == CampaignMemberRow.position,
                ),
            )
        )
        with self._read(snapshot=True) as s:
            rows = {r.id: r for r in s.scalars(sa.select(CampaignRow))}
            events: dict[int, list[tuple[dt.datetime, str, int | None]]] = {}
            for cid, report_id, username, received, cp, first, last in s.execute(query):
                when = contact_when(first, last, received)
                key = cp if cp is not None else -report_id  # no observation: count it alone
                events.setdefault(cid, []).append((when, username, key))
        out = []
        for cid, row in rows.items():
            evs = events.get(cid, [])
            if not evs:
                continue
            recs = [ApproachRecord(id=str(i), target=t, when=w) for i, (w, t, _) in enumerate(evs)]
            spread = fanout(
                recs,
                Linking((Campaign("c", tuple(r.id for r in recs), ()),)),
                min_targets=FANOUT_STAFF,
                window=FANOUT_WINDOW,
                kinds=("campaign",),
            )
            out.append(
                CampaignSummary(
                    id=cid,
                    name=row.name,
                    named_by=row.named_by,
                    members=len(evs),
                    staff=len({t for _, t, _ in evs}),
                    personas=len({k for _, _, k in evs}),
                    first=min(w for w, _, _ in evs),
                    last=max(w for w, _, _ in evs),
                    fanout=bool(spread),
                    updated_at=row.updated_at,
                )
            )
        out.sort(key=lambda c: (-c.members, -c.updated_at.timestamp(), c.id))
        return out

    def _campaign_row(self, s: Session, campaign_id: int) -> CampaignRow:
        row = s.get(CampaignRow, campaign_id)
        if row is None:
            raise NotFound(f"no campaign {campaign_id}")
        return row

    def get_campaign(self, campaign_id: int) -> CampaignDetail:
        """A campaign with its members (report, reporter, team, contact as written, date,
        rating), its links and why, and its fan-out findings over the members."""
        with self._read(snapshot=True) as s:
            row = self._campaign_row(s, campaign_id)
            stored = self._stored(s, [campaign_id]).get(campaign_id)
            if stored is None:
                raise NotFound(f"campaign {campaign_id} has no members")
            wanted = {_parse_id(m) for m in stored.members}
            rows = s.execute(
                sa.select(
                    ReportRow.id,
                    ReportRow.reference,
                    ReportRow.items,
                    ReportRow.received_at,
                    UserRow.username,
                    TeamRow.name,
                )
                .join(UserRow, UserRow.id == ReportRow.reporter_id)
                .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
                .where(ReportRow.id.in_(sorted({r for r, _ in wanted})))
            ).all()
            name, named_by, created, updated = (
                row.name,
                row.named_by,
                row.created_at,
                row.updated_at,
            )
        members: list[CampaignMember] = []
        records: list[ApproachRecord] = []
        references: dict[int, str] = {}
        for report_id, reference, items, received, username, team in rows:
            references[report_id] = reference
            for position, c in enumerate(_contacts(items)):
                if (report_id, position) not in wanted:
                    continue
                r = _record(report_id, position, c, username, received)
                records.append(r)
                members.append(
                    CampaignMember(
                        record_id=r.id,
                        report_id=report_id,
                        report=reference,
                        position=position,
                        reporter=username,
                        reporter_team=team,
                        name=c.name,
                        company=c.company,
                        profile_url=c.profile_url,
                        counterparty_key=contact_key(c.name, c.profile_url),
                        when=r.when if isinstance(r.when, dt.datetime) else received,
                        level=_level(c.level),
                        score=c.score,
                    )
                )
        members.sort(key=lambda m: (m.when, m.record_id))
        present = {r.id for r in records}
        campaign = Campaign(
            stored.id,
            tuple(m for m in stored.members if m in present),
            tuple(lk for lk in stored.links if lk.a in present and lk.b in present),
            name,
        )
        links = tuple(
            CampaignLinkRecord(
                a=lk.a,
                b=lk.b,
                a_report=references[_parse_id(lk.a)[0]],
                a_position=_parse_id(lk.a)[1],
                b_report=references[_parse_id(lk.b)[0]],
                b_position=_parse_id(lk.b)[1],
                reason=lk.reason,
                detail=lk.detail,
            )
            for lk in campaign.links
        )
        found = fanout(
            records, Linking((campaign,)), min_targets=FANOUT_STAFF, window=FANOUT_WINDOW
        )
        return CampaignDetail(
            id=campaign_id,
            name=name,
            named_by=named_by,
            created_at=created,
            updated_at=updated,
            members=tuple(members),
            links=links,
            fanout=tuple(found),
            campaign=campaign,
            records=tuple(records),
        )

    def campaign_for(self, reference: str, position: int) -> int | None:
        """The id of the campaign holding contact ``position`` of report ``reference``."""
        with self._read() as s:
            cid = s.scalar(
                sa.select(CampaignMemberRow.campaign_id)
                .join(ReportRow, ReportRow.id == CampaignMemberRow.report_id)
                .where(ReportRow.reference == reference, CampaignMemberRow.position == position)
            )
            return None if cid is None else int(cid)

    # -- analyst decisions -----------------------------------------------------------

    def _decide(
        self, s: Session, kind: str, details: dict[str, Any], actor: str, now: dt.datetime
    ) -> list[_Decision]:
        s.add(CampaignDecisionRow(kind=kind, details=details, actor=actor, at=now))
        s.flush()
        return self._decisions(s)

    def name_campaign(self, campaign_id: int, name: str, *, actor: str) -> None:
        """Name a campaign ("" gives back the generated name); kept across relinks."""
        name = " ".join(name.split())
        if len(name) > MAX_NAME:
            raise InvalidValue(f"campaign name: at most {MAX_NAME} characters")
        now = self._clock()
        with self._write() as s:
            row = self._campaign_row(s, campaign_id)
            stored = self._stored(s, [campaign_id])[campaign_id]
            before = row.name
            decisions = self._decide(
                s, "name", {"contacts": list(stored.members), "name": name}, actor, now
            )
            self._replace(
                s,
                [stored],
                scope=[campaign_id],
                written=self._written(s, stored.members),
                decisions=decisions,
                now=now,
            )
            self._audit(
                s,
                at=now,
                actor=actor,
                action="campaign.name",
                target=f"campaign:{campaign_id}",
                details={"from": before, "to": name},
            )

    def merge_campaigns(self, first: int, second: int, *, actor: str, note: str = "") -> int:
        """Join two campaigns (kept across relinks); the id of the campaign they became."""
        if first == second:
            raise InvalidValue("choose two different campaigns to merge")
        now = self._clock()
        with self._write() as s:
            self._campaign_row(s, first)
            self._campaign_row(s, second)
            stored = self._stored(s, [first, second])
            a, b = stored[first], stored[second]
            decisions = self._decide(
                s, "merge", {"a": a.members[0], "b": b.members[0], "note": note}, actor, now
            )
            merged = merge(Linking((a, b)), a.id, b.id, note=note)
            ids = self._replace(
                s,
                merged.campaigns,
                scope=[first, second],
                written=self._written(s, a.members + b.members),
                decisions=decisions,
                now=now,
            )
            (result,) = ids.values()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="campaign.merge",
                target=f"campaign:{result}",
                details={"campaigns": [first, second], "note": note},
            )
            return result

    def split_member(
        self, campaign_id: int, reference: str, position: int, *, actor: str
    ) -> list[int]:
        """Take one contact out of a campaign (kept across relinks). The rest is linked
        again and falls apart where only that contact held it together; the ids of the
        campaigns left (none when fewer than two members remain linked)."""
        now = self._clock()
        with self._write() as s:
            self._campaign_row(s, campaign_id)
            report = s.scalar(sa.select(ReportRow.id).where(ReportRow.reference == reference))
            stored = self._stored(s, [campaign_id])[campaign_id]
            rid = record_id(int(report or 0), position)
            if report is None or rid not in stored.members:
                raise NotFound(
                    f"contact {position} of {reference} is not in campaign {campaign_id}"
                )
            others = [m for m in stored.members if m != rid]
            decisions = self._decide(s, "split", {"contact": rid, "apart_from": others}, actor, now)
            # Linked again among the members, as a relink would link them: the stored
            # links are a spanning set, and dropping one member's links would also cut
            # apart members that share more than that one link.
            records, _ = self._member_records(s, stored.members)
            pieces = resolve(records, decisions)
            ids = self._replace(
                s,
                pieces.campaigns,
                scope=[campaign_id],
                written=self._written(s, stored.members),
                decisions=decisions,
                now=now,
            )
            self._audit(
                s,
                at=now,
                actor=actor,
                action="campaign.split",
                target=f"campaign:{campaign_id}",
                details={"report": reference, "position": position, "left": sorted(ids.values())},
            )
            return sorted(ids.values())

    # -- arrival ---------------------------------------------------------------------

    def campaign_arrival(self, report: Report, *, actor: str) -> list[CampaignJoin]:
        """Link a new report's contacts against the members of the stored campaigns; a
        contact tied to a member joins its campaign, and the report is rated high at
        once (the rating before is kept in the audit entry). Exercises never join."""
        if report.is_exercise or not self._any_campaign():
            return []
        return self._join_on_arrival([report], actor=lambda _r: actor)

    def campaign_arrivals(self, reports: Sequence[Report]) -> list[CampaignJoin]:
        """:meth:`campaign_arrival` for reports stored together, each on its reporter's
        behalf: the campaigns are read and linked once for all of them."""
        arriving = [r for r in reports if not r.is_exercise]
        if not arriving or not self._any_campaign():
            return []
        return self._join_on_arrival(arriving, actor=lambda r: r.reporter)

    def _any_campaign(self) -> bool:
        # Every submission asks: when no campaign is stored, one cheap query says so.
        with self._connect() as conn:
            return conn.execute(_ANY_CAMPAIGN).first() is not None

    def _join_on_arrival(
        self, reports: Sequence[Report], *, actor: Callable[[Report], str]
    ) -> list[CampaignJoin]:
        with self._read(snapshot=True) as s:
            stored = self._stored(s)
            if not stored:
                return []
            campaign_of = {m: cid for cid, c in stored.items() for m in c.members}
            members, references = self._member_records(s, campaign_of)
        new = [
            _record(report.id, p, c, report.reporter, report.received_at)
            for report in reports
            for p, c in enumerate(_contacts(msgspec.to_builtins(report.contacts)))
            if _has_content(c)
        ]
        if not new:
            return []
        plan = _arrival_joins(link([*members, *new]), [r.id for r in new], campaign_of)
        if not plan:
            return []
        now = self._clock()
        out: list[CampaignJoin] = []
        by_id = {r.id: r for r in reports}
        with self._write() as s:
            joined: dict[str, int] = dict(campaign_of)  # contact -> campaign, as written
            written: dict[int, list[CampaignJoin]] = {}
            for join in plan:  # nearest first: a join through another arrival follows it
                report_id, position = _parse_id(join.contact)
                if joined.get(join.other) != join.campaign:
                    continue  # the arrival it goes through did not join
                if s.get(CampaignRow, join.campaign) is None or s.scalar(
                    sa.select(CampaignMemberRow.campaign_id).where(
                        CampaignMemberRow.report_id == report_id,
                        CampaignMemberRow.position == position,
                    )
                ):
                    continue  # a relink got there first
                s.add(
                    CampaignMemberRow(
                        campaign_id=join.campaign, report_id=report_id, position=position
                    )
                )
                lk = join.link
                (ar, ap), (br, bp) = _parse_id(lk.a), _parse_id(lk.b)
                s.add(
                    CampaignLinkRow(
                        campaign_id=join.campaign,
                        a_report_id=ar,
                        a_position=ap,
                        b_report_id=br,
                        b_position=bp,
                        reason=lk.reason,
                        detail=lk.detail,
                    )
                )
                s.execute(
                    sa.update(CampaignRow)
                    .where(CampaignRow.id == join.campaign)
                    .values(updated_at=now)
                )
                joined[join.contact] = join.campaign
                other_report = _parse_id(join.other)[0]
                written.setdefault(report_id, []).append(
                    CampaignJoin(
                        campaign_id=join.campaign,
                        report=by_id[report_id].reference,
                        position=position,
                        linked_to=references[other_report]
                        if other_report in references
                        else by_id[other_report].reference,
                        reason=lk.reason,
                        detail=lk.detail,
                    )
                )
            for report_id in sorted(written):
                joins = sorted(written[report_id], key=lambda j: j.position)
                self._rate_high(
                    s,
                    [report_id],
                    actor=actor(by_id[report_id]),
                    now=now,
                    why="a contact joined a known campaign on arrival: rated high at once",
                    campaigns=sorted({j.campaign_id for j in joins}),
                    joined=[
                        {"position": j.position, "linked_to": j.linked_to, "reason": j.reason}
                        for j in joins
                    ],
                )
                out.extend(joins)
        return out

    def _report_row_for_update(self, s: Session, report_id: int) -> ReportRow:
        row = s.get(ReportRow, report_id)
        if row is None:
            raise NotFound(f"no report with id {report_id}")
        return row

    def _rate_high(
        self,
        s: Session,
        report_ids: Sequence[int],
        *,
        actor: str,
        now: dt.datetime,
        why: str,
        **details: Any,
    ) -> int:
        """Rate these reports high (score at least the high threshold), each with an audit
        entry saying why and keeping the rating before; reports already there are left.
        The number raised."""
        raised = 0
        for report_id in report_ids:
            row = self._report_row_for_update(s, report_id)
            if row.level == Level.HIGH.value and row.score >= HIGH_AT:
                continue
            before = {"level": row.level, "score": row.score}
            row.level = Level.HIGH.value
            row.score = max(row.score, HIGH_AT)
            row.updated_at = now
            self._audit(
                s,
                at=now,
                actor=actor,
                action="report.campaign",
                target=f"report:{row.reference}",
                details={
                    "why": why,
                    **details,
                    "from": before,
                    "to": {"level": row.level, "score": row.score},
                },
            )
            raised += 1
        return raised
