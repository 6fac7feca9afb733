"""Scan a whole LinkedIn export: who wrote to the owner, and who deserves a second look.

One streaming pass rates every incoming message and invitation note as it is
read and keeps only short excerpts and findings, so memory grows with the
number of people, not the size of the export. Afterwards each counterparty's
items are put in date order, their findings merged (evidence keeps the index
of the item it came from), the profile known from ``Connections.csv`` is
rated, and the thread is combined (escalation, the core pattern) and scored.

Only what a counterparty wrote is evidence against them. What the owner wrote
is context: whether they replied, and whether they sent attachments or a CV.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from lurewatch.gcpause import collector_paused
from lurewatch.identity import canon_profile_url, counterparty_key, norm_name
from lurewatch.ingest.linkedin import (
    Export,
    ExportConnection,
    ExportMessage,
    Limits,
    open_export,
)
from lurewatch.model import Approach, Evidence, Finding, Level, Message, Profile
from lurewatch.service import Checker

EXCERPT_CHARS = 240
MAX_ITEMS_SHOWN = 50
KNOWN_AFTER_DAYS = 180
# Letters around the word, not \b: "my_CV.pdf" names a CV (an underscore is a word character).
_CV = re.compile(r"(?<![a-z])(?:cv|resume|résumé|curriculum vitae)(?![a-z])", re.IGNORECASE)


class ScanItem(msgspec.Struct, frozen=True, kw_only=True):
    kind: str  # "message" | "invitation"
    date: str | None
    excerpt: str
    subject: str = ""


class ScanContact(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    profile_url: str | None
    level: Level
    score: int
    findings: tuple[Finding, ...]
    items: tuple[ScanItem, ...]
    company: str = ""
    position: str = ""
    connected_on: str | None = None
    first_contact: str | None = None
    last_contact: str | None = None
    item_count: int = 0
    context: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()


class ScanSummary(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    owner: str | None
    messages: int
    invitations: int
    contacts: int
    counterparties: int
    incoming_messages: int
    incoming_invitations: int
    by_level: dict[str, int]
    files: tuple[dict[str, object], ...]
    skipped: tuple[str, ...]


class ScanResult(msgspec.Struct, frozen=True, kw_only=True):
    summary: ScanSummary
    contacts: tuple[ScanContact, ...]


@dataclass(slots=True)
class _Item:
    kind: str
    date: dt.datetime | None
    excerpt: str
    subject: str
    findings: list[Finding]


@dataclass(slots=True)
class _Party:
    name: str
    url: str | None
    items: list[_Item] = field(default_factory=list)
    replies: int = 0
    last_reply: dt.datetime | None = None
    sent_attachments: list[str] = field(default_factory=list)
    sent_cv: bool = False
    invited_by_owner: bool = False


@dataclass(slots=True)
class _Seen:
    """A message as kept after rating it: no full text, so memory stays bounded."""

    sender: str
    sender_url: str
    recipients: tuple[str, ...]
    recipient_urls: tuple[str, ...]
    date: dt.datetime | None
    subject: str
    excerpt: str
    attachments: tuple[str, ...]
    mentions_cv: bool
    findings: list[Finding]


def _seen(m: ExportMessage, findings: list[Finding]) -> _Seen:
    return _Seen(
        sender=m.sender,
        sender_url=m.sender_url,
        recipients=m.recipients,
        recipient_urls=m.recipient_urls,
        date=m.date,
        subject=m.subject,
        excerpt=_excerpt(m.content),
        attachments=m.attachments,
        mentions_cv=_mentions_cv(m.content),
        findings=findings,
    )


def _mentions_cv(text: str) -> bool:
    low = text.lower()  # a cheap test first: the expression is slow on every message
    if "cv" not in low and "resum" not in low and "résumé" not in low and "curriculum" not in low:
        return False
    return _CV.search(text) is not None


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def _iso(d: dt.datetime | dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _with_item(findings: Iterable[Finding], item: int) -> list[Finding]:
    out = []
    for f in findings:
        evidence = tuple(
            msgspec.structs.replace(e, item=item) if e.item >= 0 else e for e in f.evidence
        )
        out.append(msgspec.structs.replace(f, evidence=evidence))
    return out


def merge_findings(findings: Iterable[Finding], max_evidence: int = 5) -> list[Finding]:
    """One finding per id (the heaviest version), evidence from the earliest items first."""
    by_id: dict[str, Finding] = {}
    evidence: dict[str, list[Evidence]] = {}
    for f in findings:
        if f.id not in by_id or abs(f.weight) > abs(by_id[f.id].weight):
            by_id[f.id] = f
        evidence.setdefault(f.id, []).extend(f.evidence)
    out = []
    for fid, f in by_id.items():
        evs = sorted(dict.fromkeys(evidence[fid]), key=lambda e: (e.item < 0, e.item, e.start))
        out.append(msgspec.structs.replace(f, evidence=tuple(evs[:max_evidence])))
    return out


class _Owner:
    """Works out whose export this is, from Profile.csv or from the conversations."""

    def __init__(self, name: str | None) -> None:
        self.declared = norm_name(name) if name else None
        self.shown: dict[str, str] = {self.declared: name} if name and self.declared else {}
        self.conversations: dict[str, Counter[str]] = {}
        self.as_recipient: Counter[str] = Counter()
        self.urls: dict[str, Counter[str]] = {}

    def observe(self, m: ExportMessage) -> None:
        conv = self.conversations.setdefault(m.conversation_id, Counter())
        sender = norm_name(m.sender)
        self.shown.setdefault(sender, m.sender)
        conv[sender] += 1
        if m.sender_url:
            self.urls.setdefault(sender, Counter())[m.sender_url] += 1
        for r in m.recipients:
            conv[norm_name(r)] += 1
            self.as_recipient[norm_name(r)] += 1

    def resolve(self) -> str | None:
        if self.declared:
            return self.declared
        presence: Counter[str] = Counter()
        for conv in self.conversations.values():
            presence.update(conv.keys())
        if not presence:
            return None
        best = max(presence.items(), key=lambda kv: (kv[1], self.as_recipient[kv[0]]))
        return best[0]


def _is_connection_old(conn: ExportConnection | None, first: dt.datetime | None) -> bool:
    if conn is None or conn.connected_on is None or first is None:
        return False
    return (first.date() - conn.connected_on).days > KNOWN_AFTER_DAYS


@dataclass
class Scanner:
    """Scans exports with one :class:`Checker`."""

    checker: Checker
    today: dt.date
    limits: Limits = field(default_factory=Limits)

    def _rate_text(
        self, text: str, subject: str, kind: str, attachments: tuple[str, ...], sender: str
    ) -> list[Finding]:
        if not (text.strip() or subject.strip() or attachments):
            return []
        msg = Message(
            text=text,
            subject=subject,
            kind=kind,  # type: ignore[arg-type]
            attachments=attachments,
            sender=sender,
        )
        return self.checker.detect(Approach(messages=(msg,)), self.today)

    def scan(
        self,
        path: str | Path,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ScanResult:
        with open_export(path, self.limits) as ex:
            return self.scan_export(ex, on_progress=on_progress)

    def scan_export(
        self, ex: Export, *, on_progress: Callable[[int, int], None] | None = None
    ) -> ScanResult:
        """Scan an export already opened (e.g. by :func:`open_export_bytes`)."""
        # Rating builds many small objects and no cycles: the collector would walk
        # every finding kept so far, over and over, for nothing.
        with collector_paused():
            return self._scan_export(ex, on_progress)

    def _scan_export(
        self, ex: Export, on_progress: Callable[[int, int], None] | None
    ) -> ScanResult:
        total = ex.size_of("messages") + ex.size_of("invitations")
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if on_progress is not None:
                on_progress(done, total)

        connections: dict[str, ExportConnection] = {}
        n_connections = 0
        if ex.has("connections"):
            for c in ex.connections():
                n_connections += 1
                connections.setdefault(counterparty_key(c.url, c.name), c)
                connections.setdefault(counterparty_key("", c.name), c)
        owner = _Owner(ex.owner_name() if ex.has("profile") else None)

        parties: dict[str, _Party] = {}

        def add(sender: str, url: str, item: _Item) -> None:
            key = counterparty_key(url, sender)
            party = parties.get(key)
            if party is None:
                party = parties[key] = _Party(sender, url or None)
            party.items.append(item)

        # The owner's own messages are context, never evidence: when Profile.csv names
        # the owner they are not rated, and the others go to their sender at once.
        # Without it the owner is known only at the end: every message is rated and
        # kept in order, and sorted out afterwards.
        declared = owner.declared
        owner_messages: list[_Seen] = []
        pending: list[tuple[str, _Seen]] = []
        n_messages = n_invitations = n_incoming_messages = 0
        for m in ex.messages(on_bytes=tick):
            n_messages += 1
            if declared is None:
                owner.observe(m)
                findings = self._rate_text(m.content, m.subject, "message", m.attachments, m.sender)
                pending.append((norm_name(m.sender), _seen(m, findings)))
            elif norm_name(m.sender) == declared:
                owner_messages.append(_seen(m, []))
            else:
                n_incoming_messages += 1
                findings = self._rate_text(m.content, m.subject, "message", m.attachments, m.sender)
                add(
                    m.sender,
                    m.sender_url,
                    _Item("message", m.date, _excerpt(m.content), m.subject, findings),
                )

        owner_key = owner.resolve()
        for sender, sm in pending:
            if owner_key is not None and sender == owner_key:
                owner_messages.append(sm)
                continue
            n_incoming_messages += 1
            add(
                sm.sender,
                sm.sender_url,
                _Item("message", sm.date, sm.excerpt, sm.subject, sm.findings),
            )
        pending.clear()

        n_incoming_invitations = 0
        for inv in ex.invitations(on_bytes=tick):
            n_invitations += 1
            incoming = inv.direction == "INCOMING" or (
                inv.direction != "OUTGOING"
                and owner_key is not None
                and norm_name(inv.recipient) == owner_key
            )
            if not incoming:
                invited = parties.get(counterparty_key(inv.invitee_url, inv.recipient))
                if invited is not None:
                    invited.invited_by_owner = True
                continue
            n_incoming_invitations += 1
            findings = self._rate_text(inv.message, "", "invitation", (), inv.sender)
            add(
                inv.sender,
                inv.inviter_url,
                _Item("invitation", inv.sent_at, _excerpt(inv.message), "", findings),
            )

        self._attach_owner_context(parties, owner_messages)
        contacts = [self._rate_party(p, connections) for p in parties.values()]
        contacts.sort(key=lambda c: (-c.score, -(c.item_count), c.name.casefold()))
        by_level = Counter(c.level.value for c in contacts)
        summary = ScanSummary(
            source=ex.source,
            owner=owner.shown.get(owner_key, owner_key) if owner_key else None,
            messages=n_messages,
            invitations=n_invitations,
            contacts=n_connections,
            counterparties=len(contacts),
            incoming_messages=n_incoming_messages,
            incoming_invitations=n_incoming_invitations,
            by_level={lv.value: by_level.get(lv.value, 0) for lv in Level},
            files=tuple(
                {"name": r.name, "rows": r.rows, "encoding": r.encoding} for r in ex.reports
            ),
            skipped=tuple(dict.fromkeys(ex.notes)),
        )
        return ScanResult(summary=summary, contacts=tuple(contacts))

    @staticmethod
    def _attach_owner_context(parties: dict[str, _Party], owner_messages: Sequence[_Seen]) -> None:
        by_url = {canon_profile_url(p.url): p for p in parties.values() if p.url}
        by_name = {norm_name(p.name): p for p in parties.values()}
        for om in owner_messages:
            targets = {
                id(p): p for u in om.recipient_urls if (p := by_url.get(canon_profile_url(u)))
            }
            for r in om.recipients:
                p = by_name.get(norm_name(r))
                if p is not None:
                    targets[id(p)] = p
            for p in targets.values():
                p.replies += 1
                if om.date and (p.last_reply is None or om.date > p.last_reply):
                    p.last_reply = om.date
                p.sent_attachments.extend(om.attachments)
                p.sent_cv = (
                    p.sent_cv or om.mentions_cv or any(_CV.search(a) for a in om.attachments)
                )

    def _rate_party(self, p: _Party, connections: dict[str, ExportConnection]) -> ScanContact:
        far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
        items = sorted(p.items, key=lambda it: it.date or far_future)
        findings: list[Finding] = []
        for i, it in enumerate(items):
            findings.extend(_with_item(it.findings, i))
        conn = connections.get(counterparty_key(p.url or "", p.name)) or connections.get(
            counterparty_key("", p.name)
        )
        # What the export says of them: the name and address they wrote under, and the
        # position and company from Connections.csv.
        profile = Profile(
            name=p.name,
            headline=conn.position if conn else "",
            company=conn.company if conn else "",
            profile_url=p.url or (conn.url if conn and conn.url else None),
        )
        first = next((it.date for it in items if it.date), None)
        last = next((it.date for it in reversed(items) if it.date), None)
        approach = Approach(profile=profile, stranger=not _is_connection_old(conn, first))
        findings.extend(self.checker.detect(approach, self.today))
        context = []
        if p.replies:
            when = f" (last on {p.last_reply.date().isoformat()})" if p.last_reply else ""
            context.append(f"You replied {p.replies} time{'s' if p.replies != 1 else ''}{when}.")
        if p.sent_attachments:
            shown = ", ".join(dict.fromkeys(p.sent_attachments))
            context.append(f"You sent attachments: {shown[:200]}.")
        if p.sent_cv:
            context.append("You appear to have sent or mentioned your CV.")
        if p.invited_by_owner:
            context.append("You sent them an invitation.")
        assessment = self.checker.rate(merge_findings(findings), approach, context)
        return ScanContact(
            name=p.name or "(no name)",
            profile_url=p.url,
            level=assessment.level,
            score=assessment.score,
            findings=assessment.findings,
            items=tuple(
                ScanItem(kind=it.kind, date=_iso(it.date), excerpt=it.excerpt, subject=it.subject)
                for it in items[:MAX_ITEMS_SHOWN]
            ),
            company=conn.company if conn else "",
            position=conn.position if conn else "",
            connected_on=_iso(conn.connected_on) if conn else None,
            first_contact=_iso(first),
            last_contact=_iso(last),
            item_count=len(items),
            context=tuple(context),
            advice=assessment.advice,
        )


def filter_level(result: ScanResult, minimum: Level) -> ScanResult:
    kept = tuple(c for c in result.contacts if c.level.rank >= minimum.rank)
    return msgspec.structs.replace(result, contacts=kept)
