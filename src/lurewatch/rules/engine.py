"""Evaluate a rule pack against an approach, fast.

Every text is tokenised once per field. Terms of all rules are indexed by
their first token, so one pass over the tokens finds every term hit of every
rule; a rule whose required terms did not occur is never evaluated. Regular
expressions run only for rules that need them, on the original text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lurewatch.model import Approach, Evidence, Finding
from lurewatch.rules.fields import (
    MESSAGE_TEXT_FIELDS,
    PROFILE_TEXT_FIELDS,
    profile_text,
    profile_value,
)
from lurewatch.rules.schema import (
    All,
    Any_,
    Compare,
    Matcher,
    Near,
    Not,
    Regex,
    Rule,
    Terms,
    TermSet,
)
from lurewatch.textnorm import norm_tokens, tokens

MAX_EVIDENCE = 5
MAX_EVIDENCE_CHARS = 300
PROFILE_ITEM = -1  # Evidence.item for evidence read from the profile

# (field, item, start, end, text or None to quote the original)
_Ev = tuple[str, int, int, int, str | None]
_Range = tuple[int, int]


@dataclass(slots=True)
class _View:
    """One field of one item, tokenised lazily."""

    field: str
    item: int
    text: str
    hits: dict[int, list[_Range]]
    _spans: list[tuple[int, int]] | None = None

    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [(t.start, t.end) for t in tokens(self.text)]
        return self._spans


@dataclass(slots=True)
class _Ctx:
    approach: Approach
    today: dt.date
    item: int
    views: dict[str, _View] = field(default_factory=dict)


def _trigger(m: Matcher) -> frozenset[int] | None:
    """Term sets of which at least one must hit for ``m`` to be true (None: unknown)."""
    if isinstance(m, Terms):
        return frozenset({m.terms.id})
    if isinstance(m, Near):
        return frozenset({m.left.id})
    if isinstance(m, Any_):
        out: frozenset[int] = frozenset()
        for c in m.children:
            t = _trigger(c)
            if t is None:
                return None
            out |= t
        return out
    if isinstance(m, All):
        known = [t for t in (_trigger(c) for c in m.children) if t is not None]
        return min(known, key=len) if known else None
    return None


def _termsets(m: Matcher) -> Iterable[TermSet]:
    if isinstance(m, Terms):
        yield m.terms
    elif isinstance(m, Near):
        yield m.left
        yield m.right
    elif isinstance(m, All | Any_):
        for c in m.children:
            yield from _termsets(c)
    elif isinstance(m, Not):
        yield from _termsets(m.child)


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    trigger: frozenset[int] | None
    per_message: bool


class Engine:
    """A compiled rule pack."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._index: dict[str, dict[str, list[tuple[tuple[str, ...], int]]]] = {}
        for rule in self.rules:
            for ts in _termsets(rule.match):
                by_first = self._index.setdefault(ts.field, {})
                for ph in ts.phrases:
                    by_first.setdefault(ph[0], []).append((ph, ts.id))
        self._firsts = {f: frozenset(ix) for f, ix in self._index.items()}
        self._compiled = tuple(
            _Compiled(r, _trigger(r.match), bool(r.fields & MESSAGE_TEXT_FIELDS.keys()))
            for r in self.rules
        )

    # -- scanning -------------------------------------------------------------

    def _scan(self, fld: str, text: str) -> dict[int, list[_Range]]:
        firsts = self._firsts.get(fld)
        if not firsts or not text:
            return {}
        toks = norm_tokens(text)
        present = firsts.intersection(toks)
        if not present:
            return {}
        index = self._index[fld]
        hits: dict[int, list[_Range]] = {}
        for i, t in enumerate(toks):
            if t in present:
                for ph, tsid in index[t]:
                    n = len(ph)
                    if n == 1 or tuple(toks[i : i + n]) == ph:
                        hits.setdefault(tsid, []).append((i, i + n))
        return hits

    def _view(self, ctx: _Ctx, fld: str) -> _View:
        view = ctx.views.get(fld)
        if view is None:
            if fld in MESSAGE_TEXT_FIELDS:
                item = ctx.item
                text = MESSAGE_TEXT_FIELDS[fld](ctx.approach.messages[item])
            else:
                item = PROFILE_ITEM
                text = profile_text(ctx.approach, fld)
            view = _View(fld, item, text, self._scan(fld, text))
            ctx.views[fld] = view
        return view

    # -- evaluation -------------------------------------------------------------

    def _eval(self, m: Matcher, ctx: _Ctx) -> list[_Ev] | None:
        if isinstance(m, Terms):
            view = self._view(ctx, m.field)
            ranges = view.hits.get(m.terms.id)
            if not ranges:
                return None
            spans = view.spans()
            return [
                (m.field, view.item, spans[i][0], spans[j - 1][1], None)
                for i, j in ranges[:MAX_EVIDENCE]
            ]
        if isinstance(m, Near):
            view = self._view(ctx, m.field)
            left = view.hits.get(m.left.id)
            right = view.hits.get(m.right.id)
            if not left or not right:
                return None
            out: list[_Ev] = []
            for a in left:
                # The closest partner of each left-hand term, within reach.
                gap, b = min((max(b[0] - a[1], a[0] - b[1], 0), b) for b in right)
                if gap <= m.within:
                    spans = view.spans()
                    lo, hi = min(a[0], b[0]), max(a[1], b[1])
                    out.append((m.field, view.item, spans[lo][0], spans[hi - 1][1], None))
                    if len(out) >= MAX_EVIDENCE:
                        break
            return out or None
        if isinstance(m, Regex):
            view = self._view(ctx, m.field)
            found: list[_Ev] = []
            for match in m.pattern.finditer(view.text):
                found.append((m.field, view.item, match.start(), match.end(), None))
                if len(found) >= MAX_EVIDENCE:
                    break
            return found or None
        if isinstance(m, Compare):
            value = profile_value(ctx.approach, m.field, ctx.today)
            if value is None:
                return None
            target = m.value
            ok = {
                "lt": lambda: value < target,
                "lte": lambda: value <= target,
                "gt": lambda: value > target,
                "gte": lambda: value >= target,
                "eq": lambda: value == target,
            }[m.op]()
            if not ok:
                return None
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            return [(m.field, PROFILE_ITEM, 0, 0, f"{m.field.removeprefix('profile.')}: {shown}")]
        if isinstance(m, All):
            acc: list[_Ev] = []
            for c in m.children:
                r = self._eval(c, ctx)
                if r is None:
                    return None
                acc.extend(r)
            return acc
        if isinstance(m, Any_):
            any_acc: list[_Ev] | None = None
            for c in m.children:
                r = self._eval(c, ctx)
                if r is not None:
                    any_acc = (any_acc or []) + r
            return any_acc
        # Not
        return [] if self._eval(m.child, ctx) is None else None

    def _hit_ids(self, ctx: _Ctx, fields: Iterable[str]) -> set[int]:
        ids: set[int] = set()
        for f in fields:
            if f in MESSAGE_TEXT_FIELDS or f in PROFILE_TEXT_FIELDS:
                ids.update(self._view(ctx, f).hits)
        return ids

    @staticmethod
    def _evidence(ctx: _Ctx, evs: list[_Ev]) -> list[Evidence]:
        # Overlapping quotes from the same text are merged into one.
        merged: list[_Ev] = []
        for ev in sorted(evs, key=lambda e: (e[0], e[1], e[2], -e[3])):
            last = merged[-1] if merged else None
            if (
                last is not None
                and ev[4] is None
                and last[4] is None
                and last[:2] == ev[:2]
                and ev[2] < last[3]
            ):
                merged[-1] = (last[0], last[1], last[2], max(last[3], ev[3]), None)
            elif last is None or ev != last:
                merged.append(ev)
        out: list[Evidence] = []
        for fld, item, start, end, text in merged:
            if text is None:
                text = ctx.views[fld].text[start : min(end, start + MAX_EVIDENCE_CHARS)]
            out.append(Evidence(field=fld, text=text, start=start, end=end, item=item))
        return out

    def evaluate(
        self, approach: Approach, today: dt.date, rules: Sequence[Rule] | None = None
    ) -> list[Finding]:
        """Findings of every rule (or of ``rules``) that fires on ``approach``."""
        wanted = None if rules is None else {r.uuid for r in rules}
        compiled = [c for c in self._compiled if wanted is None or c.rule.uuid in wanted]
        collected: dict[str, list[Evidence]] = {}

        def run(c: _Compiled, ctx: _Ctx, present: set[int]) -> None:
            if c.trigger is not None and not (c.trigger & present):
                return
            evs = self._eval(c.rule.match, ctx)
            if evs is None:
                return
            bucket = collected.setdefault(c.rule.uuid, [])
            if len(bucket) < MAX_EVIDENCE:
                bucket.extend(self._evidence(ctx, evs)[: MAX_EVIDENCE - len(bucket)])

        profile_ctx = _Ctx(approach, today, PROFILE_ITEM)
        profile_present = self._hit_ids(profile_ctx, PROFILE_TEXT_FIELDS)
        for c in compiled:
            if not c.per_message:
                run(c, profile_ctx, profile_present)
        per_message = [c for c in compiled if c.per_message]
        for i, msg in enumerate(approach.messages):
            ctx = _Ctx(approach, today, i, views=dict(profile_ctx.views))
            present = self._hit_ids(ctx, MESSAGE_TEXT_FIELDS) | profile_present
            for c in per_message:
                if c.rule.kinds is None or msg.kind in c.rule.kinds:
                    run(c, ctx, present)

        findings = []
        for c in compiled:
            evidence = collected.get(c.rule.uuid)
            if evidence is None:
                continue
            r = c.rule
            findings.append(
                Finding(
                    id=r.name,
                    title=r.title,
                    category=r.category,
                    weight=r.weight,
                    evidence=tuple(evidence),
                    tags=r.tags,
                    detector="rules",
                    rule_uuid=r.uuid,
                )
            )
        return findings
