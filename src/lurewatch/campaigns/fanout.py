"""Fan-out: one persona, template or front organisation reaching many staff in a short window.

Only the security office sees approaches to all staff, so only it can notice
that the same sender wrote to five colleagues in a week. A *window* is
half-open: two approaches fall in one 14-day window when the later one is
less than 14 days after the earlier one (for dates: days 1 and 14 do, days 1
and 15 do not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .keys import record_keys
from .linking import UnionFind, group
from .model import ApproachRecord, Linking

KINDS = ("persona", "template", "organisation", "campaign")


@dataclass(frozen=True, slots=True)
class FanoutFinding:
    """``key`` (of ``kind``) reached ``len(targets)`` distinct staff from ``first`` to ``last``."""

    kind: str  # persona | template | organisation | campaign
    key: str
    targets: tuple[str, ...]  # distinct targets in the busiest window, sorted
    records: tuple[str, ...]  # the approaches in that window, by time
    first: dt.datetime
    last: dt.datetime
    total_targets: int  # distinct targets over all time


def _as_datetime(when: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(when, dt.datetime):
        return when
    return dt.datetime(when.year, when.month, when.day)


def busiest_window(
    events: Sequence[tuple[dt.datetime, str, str]], window: dt.timedelta
) -> tuple[int, int]:
    """Start and end (exclusive) positions of the window with the most distinct targets.

    ``events`` are (when, target, record id), sorted by time. Two pointers: each
    event enters once and leaves once, so this is linear in the events.
    """
    counts: dict[str, int] = {}
    best = (0, 0, 0)  # distinct, start, end
    lo = 0
    for hi, (when, target, _) in enumerate(events):
        counts[target] = counts.get(target, 0) + 1
        while when - events[lo][0] >= window:
            t = events[lo][1]
            counts[t] -= 1
            if not counts[t]:
                del counts[t]
            lo += 1
        if len(counts) > best[0]:
            best = (len(counts), lo, hi + 1)
    return best[1], best[2]


def _groups(
    records: Sequence[ApproachRecord], linking: Linking | None
) -> dict[tuple[str, str], list[int]]:
    keys = [record_keys(r, extract=False) for r in records]
    out: dict[tuple[str, str], list[int]] = {}
    for i, k in enumerate(keys):
        if k.url or k.name:
            out.setdefault(("persona", k.persona), []).append(i)
        if k.org:
            out.setdefault(("organisation", k.org), []).append(i)
    if linking is not None:
        pos = {r.id: i for i, r in enumerate(records)}
        uf = UnionFind(len(records))
        for c in linking.campaigns:
            present = [pos[m] for m in c.members if m in pos]
            if len(present) > 1:
                out[("campaign", c.id)] = present
            for link in c.links:
                if link.reason == "template" and link.a in pos and link.b in pos:
                    uf.union(pos[link.a], pos[link.b])
        template = group(
            (f"template:{records[uf.find(i)].id}", i)
            for i in range(len(records))
            if uf.size[uf.find(i)] > 1
        )
        for key, members in template.items():
            out[("template", key)] = members
    return out


def fanout(
    records: Iterable[ApproachRecord],
    linking: Linking | None = None,
    *,
    min_targets: int = 3,
    window: dt.timedelta = dt.timedelta(days=14),
    kinds: Sequence[str] = KINDS,
) -> list[FanoutFinding]:
    """Every persona, organisation (and, given a linking, template cluster and campaign) that
    reached at least ``min_targets`` distinct staff within ``window``.

    Personas are the canonical profile address, else the name key with the
    organisation; organisations are those the linking step would use (common
    ones still count here: a fan-out is a pattern, not a link). Template
    clusters are the records joined by template links of ``linking``. Findings
    are sorted by kind, then most targets first, then key.
    """
    if min_targets < 1:
        raise ValueError("min_targets must be at least 1")
    if window <= dt.timedelta(0):
        raise ValueError("window must be positive")
    recs = list(records)
    findings: list[FanoutFinding] = []
    for (kind, key), members in _groups(recs, linking).items():
        if kind not in kinds:
            continue
        if len({recs[i].target for i in members}) < min_targets:
            continue
        events = sorted((_as_datetime(recs[i].when), recs[i].target, recs[i].id) for i in members)
        lo, hi = busiest_window(events, window)
        span = events[lo:hi]
        targets = tuple(sorted({t for _, t, _ in span}))
        if len(targets) < min_targets:
            continue
        findings.append(
            FanoutFinding(
                kind,
                key,
                targets,
                tuple(rid for _, _, rid in span),
                span[0][0],
                span[-1][0],
                len({t for _, t, _ in events}),
            )
        )
    findings.sort(key=lambda f: (KINDS.index(f.kind), -len(f.targets), f.key))
    return findings
