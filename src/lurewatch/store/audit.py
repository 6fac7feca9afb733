"""The audit log's hash chain: canonical form, entry hashes and verification (pure).

Each entry's ``hash`` is the SHA-256 of the canonical JSON (keys sorted, no
spaces, UTF-8) of ``{"seq", "at", "actor", "action", "target", "details",
"prev_hash"}``, where ``at`` is UTC to the microsecond (``...T10:00:00.000000Z``)
and ``prev_hash`` is the previous entry's hash (64 zeros for entry 1). Changing
any field of an entry changes its hash; rewriting the hash breaks the next
entry's link; removing an entry leaves a gap in ``seq`` or a log shorter than
the store's counter of appended entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lurewatch.store.records import AuditCheck

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """One fixed text for a JSON value: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def format_at(at: dt.datetime) -> str:
    """``at`` in UTC to the microsecond, as hashed."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str,
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "at": format_at(at),
        "actor": actor,
        "action": action,
        "target": target,
        "details": dict(details),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry as read from the table, before any interpretation.

    ``at`` is whatever the driver returned (a datetime, or text on SQLite) so
    that an entry altered into nonsense is reported, not crashed on.
    """

    seq: int
    at: object
    actor: str
    action: str
    target: str
    details: str
    prev_hash: str
    hash: str


def parse_at(value: object) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime; ValueError if it is not one."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise ValueError(f"not a timestamp: {value!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _problem(entry: StoredEntry, prev: str) -> str | None:
    """Why ``entry`` does not verify after an entry whose hash is ``prev`` (None if it does)."""
    try:
        at = parse_at(entry.at)
    except ValueError:
        return "its timestamp is unreadable (altered)"
    try:
        details = json.loads(entry.details)
    except ValueError:
        return "its details are not valid JSON (altered)"
    if not isinstance(details, dict) or canonical_json(details) != entry.details:
        return "its details are not in the form that was hashed (altered)"
    recomputed = entry_hash(
        seq=entry.seq,
        at=at,
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        details=details,
        prev_hash=entry.prev_hash,
    )
    if recomputed != entry.hash:
        return "its hash does not match its contents (altered)"
    if entry.prev_hash != prev:
        return (
            "its prev_hash is not the hash of the entry before it "
            "(an earlier entry was rewritten or removed)"
        )
    return None


def verify_chain(entries: Iterable[StoredEntry], appended: int) -> AuditCheck:
    """Recompute the chain over ``entries`` (in ``seq`` order).

    ``appended`` is how many entries the store has ever appended (its
    counter), which exposes entries removed from the end of the log.
    """
    prev = GENESIS
    expected = 1
    for entry in entries:
        if entry.seq != expected:
            return AuditCheck(
                ok=False,
                entries=expected - 1,
                head_hash=prev,
                broken_seq=min(expected, entry.seq),
                problem=f"entry {expected} is missing (removed)"
                if entry.seq > expected
                else f"entry {entry.seq} is out of sequence",
            )
        problem = _problem(entry, prev)
        if problem is not None:
            return AuditCheck(
                ok=False,
                entries=expected - 1,
                head_hash=prev,
                broken_seq=entry.seq,
                problem=problem,
            )
        prev = entry.hash
        expected += 1
    count = expected - 1
    if appended > count:
        gone = f"entry {count + 1}" if appended == count + 1 else f"entries {count + 1}-{appended}"
        return AuditCheck(
            ok=False,
            entries=count,
            head_hash=prev,
            broken_seq=count + 1,
            problem=f"{gone} missing: {appended} were appended (removed from the end)",
        )
    if appended < count:
        return AuditCheck(
            ok=False,
            entries=count,
            head_hash=prev,
            broken_seq=appended + 1,
            problem=f"only {appended} entries were appended but {count} are present (inserted)",
        )
    return AuditCheck(ok=True, entries=count, head_hash=prev)
