"""Evaluate a rule pack against an approach, fast.

Every text is tokenised once per field. Terms of all rules are indexed by
their first token, so one pass over the tokens finds every term hit of every
rule. An inverted index from term sets to rules then names the only rules
that can fire; the rest are never evaluated. Rules that need no term (a bare
regular expression, a profile comparison) are evaluated only when the fields
they read are not empty. Each rule's match expression is compiled once into
a closure.
"""

from __future__ import annotations

import datetime as dt
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, count
from typing import Any

from lurewatch.model import Approach, Evidence, Finding
from lurewatch.rules.fields import (
    MESSAGE_TEXT_FIELDS,
    PROFILE_TEXT_FIELDS,
    profile_text,
    profile_value,
)
from lurewatch.rules.languages import GUESS_WORDS, LANGUAGES, languages_in, main_language
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
from lurewatch.textnorm import norm_tokens_with_parts, spans_from_parts, token_spans

MAX_EVIDENCE = 5
MAX_EVIDENCE_CHARS = 300
PROFILE_ITEM = -1  # Evidence.item for evidence read from the profile

# (field, item, start, end, text or None to quote the original)
_Ev = tuple[str, int, int, int, str | None]
_Range = tuple[int, int]
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "eq": operator.eq,
}


# Words too common to look phrases up by: a phrase is anchored on its first other word.
_STOP = frozenset(
    "the a an on at in by with to of for from our your my we you me us is be are and or it "
    "this that as".split()
)


# (phrase, term set id, offset of the anchor word in it, offset of a second word
# relative to the anchor, that word): the second word is compared first.
_Anchored = tuple[tuple[str, ...], int, int, int, str]


@dataclass(slots=True)
class _FieldIndex:
    """Every term of every rule reading one field, keyed for a single pass over tokens.

    One-word terms are looked up by their word. Longer ones are anchored on their
    longest word that is not a very common one ("a copy of" on "copy", "let me know"
    on "know", "work laptop" on "laptop"), so "the", "a" and "your", which start
    many phrases, cost nothing, and other short everyday words little. At each
    place an anchor occurs, one more word of the phrase is compared before the
    whole of it, which rules out most phrases at once.
    """

    single: dict[str, list[int]] = field(default_factory=dict)
    anchored: dict[str, list[_Anchored]] = field(default_factory=dict)
    firsts: frozenset[str] = frozenset()
    by_word: dict[str, tuple[tuple[int, ...], tuple[_Anchored, ...]]] = field(default_factory=dict)
    pad: list[str] = field(default_factory=list)

    def add(self, ph: tuple[str, ...], tsid: int) -> None:
        if len(ph) == 1:
            ids = self.single.setdefault(ph[0], [])
            if tsid not in ids:
                ids.append(tsid)
            return
        # The longest word that is not a very common one: longer words are rarer, so
        # fewer positions in a text need the phrase compared.
        offset = min(range(len(ph)), key=lambda k: (ph[k] in _STOP, -len(ph[k]), -k))
        other = min(
            (k for k in range(len(ph)) if k != offset),
            key=lambda k: (ph[k] in _STOP, -len(ph[k]), abs(k - offset)),
        )
        self.anchored.setdefault(ph[offset], []).append(
            (ph, tsid, offset, other - offset, ph[other])
        )

    def freeze(self) -> None:
        self.firsts = frozenset(self.single) | frozenset(self.anchored)
        # One lookup per position: the word's one-word term sets and anchored phrases.
        self.by_word = {
            w: (tuple(self.single.get(w, ())), tuple(self.anchored.get(w, ()))) for w in self.firsts
        }
        # Empty tokens after the text: a second word looked up past either end (a
        # negative index wraps round to the end) finds one of these, never a word.
        longest = max((len(p[0]) for ps in self.anchored.values() for p in ps), default=0)
        self.pad = [""] * longest

    def scan_into(
        self, toks: list[str], n_toks: int, present: AbstractSet[str], hits: dict[int, list[_Range]]
    ) -> None:
        """Add the term hits in ``toks`` (``n_toks`` tokens, then at least ``pad``) to ``hits``;
        ``present`` holds (at least) the anchor words that occur in them."""
        if not present:
            return
        by_word = self.by_word
        # Positions of the words that anchor some term, found without a Python-level loop.
        for i in compress(count(), map(present.__contains__, toks)):
            singles, phrases = by_word[toks[i]]
            for tsid in singles:
                hits.setdefault(tsid, []).append((i, i + 1))
            for ph, tsid, offset, d, second in phrases:
                if toks[i + d] != second:
                    continue
                start = i - offset
                end = start + len(ph)
                if start >= 0 and end <= n_toks and tuple(toks[start:end]) == ph:
                    hits.setdefault(tsid, []).append((start, end))


_NO_LANGUAGES: frozenset[str] = frozenset()


@dataclass(slots=True)
class _FieldIndexes:
    """The terms of one field: those of rules for any language, and those of each language.

    A text is tokenised once; the terms of a language are looked for only when
    the text may be in it (:func:`~lurewatch.rules.languages.languages_of`).
    """

    base: _FieldIndex = field(default_factory=_FieldIndex)
    by_language: dict[str, _FieldIndex] = field(default_factory=dict)
    pad: list[str] = field(default_factory=list)
    # The base anchors, and with other languages the words the guess counts too:
    # one pass over the tokens finds both.
    lookup: frozenset[str] = frozenset()

    def index_for(self, language: str | None) -> _FieldIndex:
        if language is None:
            return self.base
        return self.by_language.setdefault(language, _FieldIndex())

    def freeze(self) -> None:
        self.base.freeze()
        for ix in self.by_language.values():
            ix.freeze()
        self.pad = max((self.base.pad, *(ix.pad for ix in self.by_language.values())), key=len)
        self.lookup = self.base.firsts | (GUESS_WORDS if self.by_language else frozenset())

    def scan(
        self, text: str, languages: frozenset[str] | None = None
    ) -> tuple[dict[int, list[_Range]], list[str] | None, frozenset[str], str | None]:
        """Term hits (term set id -> token ranges), the parts that place the tokens, the
        languages the text may be in (all given ``languages`` when not None), and the
        one it most looks like (see :func:`~lurewatch.rules.languages.main_language`).

        The parts (see :func:`~lurewatch.textnorm.norm_tokens_with_parts`) are None
        when the text is not on the tokeniser's fast path.
        """
        toks, parts = norm_tokens_with_parts(text)
        n_toks = len(toks)
        present = self.lookup.intersection(toks)
        main = None
        if self.by_language:
            if languages is None:
                languages = languages_in(present, n_toks)
            if languages:
                main = main_language(present)
            present &= self.base.firsts
        elif languages is None:
            languages = _NO_LANGUAGES
        toks.extend(self.pad)
        hits: dict[int, list[_Range]] = {}
        self.base.scan_into(toks, n_toks, present, hits)
        for language in languages:
            ix = self.by_language.get(language)
            if ix is not None:
                ix.scan_into(toks, n_toks, ix.firsts.intersection(toks), hits)
        for ranges in hits.values():
            if len(ranges) > 1:
                ranges.sort()
        return hits, parts, languages, main


@dataclass(slots=True)
class _View:
    """One field of one item, tokenised once."""

    field: str
    item: int
    text: str
    hits: dict[int, list[_Range]]
    parts: list[str] | None = None
    languages: frozenset[str] = frozenset()
    main_language: str | None = None
    _spans: list[tuple[int, int]] | None = None

    def char_span(self, i: int, j: int) -> tuple[int, int]:
        """Where tokens ``i`` to ``j - 1`` stand in the text, as character offsets."""
        parts = self.parts
        if parts is not None and len(parts) <= _SUM_PARTS_UP_TO:
            # A few quotes per text: add up the lengths before them rather than
            # placing every token.
            start = sum(map(len, parts[: 2 * i + 1]))
            return start, start + sum(map(len, parts[2 * i + 1 : 2 * j]))
        if self._spans is None:
            self._spans = token_spans(self.text) if parts is None else spans_from_parts(parts)
        return self._spans[i][0], self._spans[j - 1][1]


# Up to this many parts (separators and tokens), quotes are placed by adding up
# lengths; a longer text has every token placed once.
_SUM_PARTS_UP_TO = 160


_EMPTY_VIEW_HITS: dict[int, list[_Range]] = {}


@dataclass(slots=True)
class _Ctx:
    engine: Engine
    approach: Approach
    today: dt.date
    item: int
    views: dict[str, _View] = field(default_factory=dict)

    def view(self, fld: str) -> _View:
        v = self.views.get(fld)
        if v is None:
            if fld in MESSAGE_TEXT_FIELDS:
                item = self.item
                text = MESSAGE_TEXT_FIELDS[fld](self.approach.messages[item])
            else:
                item = PROFILE_ITEM
                text = profile_text(self.approach, fld)
            index = self.engine._index.get(fld)
            if index is not None and text:
                hits, parts, languages, main = index.scan(text, self.engine._languages)
            else:
                hits, parts, languages, main = _EMPTY_VIEW_HITS, None, _NO_LANGUAGES, None
            v = _View(fld, item, text, hits, parts, languages, main)
            self.views[fld] = v
        return v


_Fn = Callable[[_Ctx], list[_Ev] | None]


Trigger = tuple[frozenset[int], ...]  # alternatives; each lists term sets that must all hit
_MAX_ALTERNATIVES = 32


def _trigger(m: Matcher, needle: Callable[[str, str], int]) -> Trigger | None:
    """When ``m`` can be true: one of the alternatives must have all its term sets hit.

    A regular expression with ``needs`` counts as alternatives of its own, one per
    literal it needs (``needle(field, literal)`` gives the id that stands for "this
    literal occurs in this field"). None means it cannot be told from terms alone
    (a bare regex, a comparison, a ``not``).
    """
    if isinstance(m, Terms):
        return (frozenset({m.terms.id}),)
    if isinstance(m, Near):
        return (frozenset({m.left.id, m.right.id}),)
    if isinstance(m, Regex):
        if not m.needs:
            return None
        return tuple(dict.fromkeys(frozenset({needle(m.field, n)}) for n in m.needs))
    if isinstance(m, Any_):
        alternatives: list[frozenset[int]] = []
        for c in m.children:
            t = _trigger(c, needle)
            if t is None:
                return None
            alternatives.extend(t)
        return tuple(dict.fromkeys(alternatives))
    if isinstance(m, All):
        combined: Trigger | None = None
        for c in m.children:
            t = _trigger(c, needle)
            if t is None:
                continue
            if combined is None:
                combined = t
                continue
            product = tuple(dict.fromkeys(a | b for a in combined for b in t))
            if len(product) <= _MAX_ALTERNATIVES:
                combined = product
        return combined
    return None


# Up to this many pairs, every pair is tried (cheaper than searching the window).
_SMALL_NEAR = 48


def _near_few(
    view: _View, fld: str, left: list[_Range], right: list[_Range], within: int
) -> list[_Ev] | None:
    """``near`` for a few terms: the closest partner of each left-hand term, tried pairwise.

    The same result as the windowed search: a partner outside the window is more
    than ``within`` words away, so it is never the closest one within reach.
    """
    out: list[_Ev] = []
    for a in left:
        a0, a1 = a
        best: tuple[int, _Range] | None = None
        for b in right:
            if b[0] >= a1:
                gap = b[0] - a1
            elif a0 >= b[1]:
                gap = a0 - b[1]
            else:
                continue  # overlapping: part of the term, not near it
            if best is None or (gap, b) < best:
                best = (gap, b)
        if best is not None and best[0] <= within:
            b = best[1]
            out.append((fld, view.item, *view.char_span(min(a0, b[0]), max(a1, b[1])), None))
            if len(out) >= MAX_EVIDENCE:
                break
    return out or None


def _has_not(m: Matcher) -> bool:
    if isinstance(m, Not):
        return True
    if isinstance(m, All | Any_):
        return any(_has_not(c) for c in m.children)
    return False


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


def _compile(m: Matcher) -> _Fn:
    """A closure that evaluates ``m``: evidence if true, None if false."""
    if isinstance(m, Terms):
        fld, tsid = m.field, m.terms.id

        def terms(ctx: _Ctx) -> list[_Ev] | None:
            view = ctx.view(fld)
            ranges = view.hits.get(tsid)
            if not ranges:
                return None
            return [(fld, view.item, *view.char_span(i, j), None) for i, j in ranges[:MAX_EVIDENCE]]

        return terms
    if isinstance(m, Near):
        fld, left_id, right_id, within = m.field, m.left.id, m.right.id, m.within

        def near(ctx: _Ctx) -> list[_Ev] | None:
            view = ctx.view(fld)
            left = view.hits.get(left_id)
            right = view.hits.get(right_id)
            if not left or not right:
                return None
            if len(left) * len(right) <= _SMALL_NEAR:
                return _near_few(view, fld, left, right, within)
            # ``right`` is in text order: only partners starting in this window can be
            # within reach. Trying every pair took quadratic time on hostile text
            # (thousands of far-apart terms).
            starts = [b[0] for b in right]
            reach = within + max(b[1] - b[0] for b in right)
            out: list[_Ev] = []
            for a in left:
                candidates = right[
                    bisect_left(starts, a[0] - reach) : bisect_right(starts, a[1] + within)
                ]
                if not candidates:
                    continue
                # The closest partner of each left-hand term, within reach. A partner
                # overlapping the term is part of it ("new york" near "york"), not near it.
                apart = [b for b in candidates if b[0] >= a[1] or a[0] >= b[1]]
                if not apart:
                    continue
                gap, b = min((max(b[0] - a[1], a[0] - b[1]), b) for b in apart)
                if gap <= within:
                    lo, hi = min(a[0], b[0]), max(a[1], b[1])
                    out.append((fld, view.item, *view.char_span(lo, hi), None))
                    if len(out) >= MAX_EVIDENCE:
                        break
            return out or None

        return near
    if isinstance(m, Regex):
        fld, pattern, needs = m.field, m.pattern, m.needs

        def regex(ctx: _Ctx) -> list[_Ev] | None:
            view = ctx.view(fld)
            text = view.text
            if not text or (needs and not any(n in text for n in needs)):
                return None
            found: list[_Ev] = []
            for match in pattern.finditer(text):
                found.append((fld, view.item, match.start(), match.end(), None))
                if len(found) >= MAX_EVIDENCE:
                    break
            return found or None

        return regex
    if isinstance(m, Compare):
        fld, op, target = m.field, _OPS[m.op], m.value
        label = fld.removeprefix("profile.")

        def compare(ctx: _Ctx) -> list[_Ev] | None:
            value = profile_value(ctx.approach, fld, ctx.today)
            if value is None or not op(value, target):
                return None
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            return [(fld, PROFILE_ITEM, 0, 0, f"{label}: {shown}")]

        return compare
    if isinstance(m, All):
        all_children = tuple(_compile(c) for c in m.children)

        def all_(ctx: _Ctx) -> list[_Ev] | None:
            acc: list[_Ev] = []
            for fn in all_children:
                r = fn(ctx)
                if r is None:
                    return None
                acc.extend(r)
            return acc

        return all_
    if isinstance(m, Any_):
        any_children = tuple(_compile(c) for c in m.children)

        def any_(ctx: _Ctx) -> list[_Ev] | None:
            acc: list[_Ev] | None = None
            for fn in any_children:
                r = fn(ctx)
                if r is not None:
                    acc = r if acc is None else acc + r
            return acc

        return any_
    child = _compile(m.child)

    def not_(ctx: _Ctx) -> list[_Ev] | None:
        return [] if child(ctx) is None else None

    return not_


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    fn: _Fn
    trigger: Trigger | None
    per_message: bool
    # Message fields the rule reads; with no term trigger, no profile field and no
    # ``not``, the rule cannot fire when all of them are empty.
    message_fields: frozenset[str]
    skip_when_empty: bool


def _by_place(e: _Ev) -> tuple[str, int, int, int]:
    return e[0], e[1], e[2], -e[3]


def _evidence(ctx: _Ctx, evs: list[_Ev]) -> list[Evidence]:
    # Overlapping quotes from the same text are merged into one.
    merged: list[_Ev] = []
    for ev in sorted(evs, key=_by_place) if len(evs) > 1 else evs:
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


# Per term set: the rules it triggers on its own (an alternative of that term set
# alone), and the rules it may trigger together with other term sets.
_Candidates = tuple[tuple[int, ...], tuple[int, ...]]


def _by_termset(
    by_ts: dict[int, list[int]], compiled: Sequence[_Compiled], *, per_message: bool
) -> dict[int, _Candidates]:
    out: dict[int, _Candidates] = {}
    for tsid, rules in by_ts.items():
        mine = [n for n in rules if compiled[n].per_message == per_message]
        alone = frozenset({tsid})
        sure = tuple(n for n in mine if alone in (compiled[n].trigger or ()))
        maybe = tuple(n for n in mine if n not in sure)
        if sure or maybe:
            out[tsid] = (sure, maybe)
    return out


class Engine:
    """A compiled rule pack.

    Rules for one language (``Rule.language``) run only on texts that may be
    in it (:mod:`lurewatch.rules.languages`); with ``guess_languages=False``
    every rule runs on every text.
    """

    def __init__(self, rules: Sequence[Rule], *, guess_languages: bool = True) -> None:
        self.rules = tuple(rules)
        self.guess_languages = guess_languages
        self._index: dict[str, _FieldIndexes] = {}
        for rule in self.rules:
            for ts in _termsets(rule.match):
                terms = self._index.setdefault(ts.field, _FieldIndexes()).index_for(rule.language)
                for ph in ts.phrases:
                    terms.add(ph, ts.id)
        for indexes in self._index.values():
            indexes.freeze()
        # Literals that regular expressions need, per field, with the (negative) id
        # that joins the term set ids when the literal occurs in the field's text.
        # Per field and language (None: rules for any language).
        self._needles: dict[str, dict[str | None, dict[str, int]]] = {}
        self._needle_count = 0
        compiled = []
        for r in self.rules:
            msg_fields = r.fields & MESSAGE_TEXT_FIELDS.keys()
            compiled.append(
                _Compiled(
                    rule=r,
                    fn=_compile(r.match),
                    trigger=_trigger(r.match, partial(self._needle, language=r.language)),
                    per_message=bool(msg_fields),
                    message_fields=frozenset(msg_fields),
                    skip_when_empty=r.fields <= MESSAGE_TEXT_FIELDS.keys()
                    and not _has_not(r.match),
                )
            )
        self._compiled = tuple(compiled)
        by_ts: dict[int, list[int]] = {}
        for n, c in enumerate(self._compiled):
            for tsid in {t for alternative in c.trigger or () for t in alternative}:
                by_ts.setdefault(tsid, []).append(n)
        cs = self._compiled
        self._message_by_termset = _by_termset(by_ts, cs, per_message=True)
        self._profile_by_termset = _by_termset(by_ts, cs, per_message=False)
        untriggered = [n for n, c in enumerate(cs) if c.trigger is None]
        self._untriggered_message = [
            (n, cs[n].message_fields, cs[n].skip_when_empty)
            for n in untriggered
            if cs[n].per_message
        ]
        # At most one entry per combination of message fields (three fields: eight).
        self._untriggered_cache: dict[frozenset[str], tuple[int, ...]] = {}
        self._untriggered_profile = [n for n in untriggered if not cs[n].per_message]
        self._negating_profile = [
            n for n, c in enumerate(cs) if not c.per_message and _has_not(c.rule.match)
        ]
        # Rules for one language run only on texts that may be in it.
        self._languages = None if guess_languages else LANGUAGES
        self._language_of = tuple(c.rule.language for c in cs)
        self._language_rules = frozenset(n for n, c in enumerate(cs) if c.rule.language)
        self._family = tuple(
            c.rule.name.removesuffix(f"-{c.rule.language}") if c.rule.language else c.rule.name
            for c in cs
        )
        self._gated = guess_languages and any(lang is not None for lang in self._language_of)

    def _in_languages(self, chosen: set[int], languages: frozenset[str]) -> set[int]:
        if not languages:  # most mail: clearly English
            chosen -= self._language_rules
            return chosen
        if languages == LANGUAGES:
            return chosen
        language_of = self._language_of
        return {n for n in chosen if (lang := language_of[n]) is None or lang in languages}

    def _one_per_family(self, collected: dict[int, list[Evidence]], main: str | None) -> list[int]:
        """The rules that fired, one per family: ``cv-request`` and its versions in other
        languages (``cv-request-de`` ...) say the same thing, and a text in one language
        can fire another's version too (international words such as "CV" or
        "WhatsApp"). Kept: the rule for any language, else the one in ``main`` (the
        language the texts look most like), else the one with the most evidence, else
        the first."""
        family, language_of = self._family, self._language_of
        if not any(language_of[n] for n in collected):
            return sorted(collected)

        def rank(n: int) -> tuple[int, int, int]:
            lang = language_of[n]
            return (lang is not None, lang != main, -len(collected[n]))

        best: dict[str, int] = {}
        for n in sorted(collected):
            kept = best.get(family[n])
            if kept is None or rank(n) < rank(kept):
                best[family[n]] = n
        return sorted(best.values())

    def term_hits(
        self, fld: str, text: str, languages: frozenset[str] | None = None
    ) -> tuple[dict[int, list[_Range]], frozenset[str]]:
        """Where each term set of ``fld`` occurs in ``text`` (token ranges), and the
        languages looked in: those the text may be in, or ``languages``."""
        index = self._index.get(fld)
        if index is None or not text:
            return {}, _NO_LANGUAGES
        hits, _, looked, _ = index.scan(text, languages)
        return hits, looked

    def _untriggered_for(self, nonempty: frozenset[str]) -> tuple[int, ...]:
        """Rules with no term trigger that can fire on a message with these fields filled."""
        found = self._untriggered_cache.get(nonempty)
        if found is None:
            found = tuple(
                n for n, fields, skip in self._untriggered_message if fields & nonempty or not skip
            )
            self._untriggered_cache[nonempty] = found
        return found

    def _needle(self, fld: str, literal: str, *, language: str | None) -> int:
        ids = self._needles.setdefault(fld, {}).setdefault(language, {})
        if literal not in ids:
            self._needle_count += 1
            ids[literal] = -self._needle_count
        return ids[literal]

    def _present(self, view: _View) -> Iterable[int]:
        """The term sets hit in ``view`` and the needed literals that occur in it (those of
        rules for any language, and of the languages the text may be in)."""
        by_language = self._needles.get(view.field)
        if not by_language:
            return view.hits
        text = view.text
        found = [*view.hits]
        for language, needles in by_language.items():
            if language is None or language in view.languages:
                found.extend(i for literal, i in needles.items() if literal in text)
        return found

    def evaluate(
        self, approach: Approach, today: dt.date, rules: Sequence[Rule] | None = None
    ) -> list[Finding]:
        """Findings of every rule (or of ``rules``) that fires on ``approach``."""
        wanted = None if rules is None else {r.uuid for r in rules}
        compiled = self._compiled
        collected: dict[int, list[Evidence]] = {}

        def run(n: int, ctx: _Ctx) -> None:
            c = compiled[n]
            if wanted is not None and c.rule.uuid not in wanted:
                return
            evs = c.fn(ctx)
            if evs is None:
                return
            bucket = collected.setdefault(n, [])
            if len(bucket) < MAX_EVIDENCE:
                bucket.extend(_evidence(ctx, evs)[: MAX_EVIDENCE - len(bucket)])

        def candidates(present: set[int], by_termset: dict[int, _Candidates]) -> set[int]:
            chosen: set[int] = set()
            maybe: set[int] = set()
            for tsid in present:
                entry = by_termset.get(tsid)
                if entry is not None:
                    chosen.update(entry[0])
                    maybe.update(entry[1])
            # The others need one alternative with every term set present.
            maybe.difference_update(chosen)
            chosen.update(
                n for n in maybe if any(alt <= present for alt in compiled[n].trigger or ())
            )
            return chosen

        gated = self._gated
        mains: dict[str, int] = {}  # the languages the texts look most like, counted
        profile_ctx = _Ctx(self, approach, today, PROFILE_ITEM)
        profile_present: set[int] = set()
        profile_languages = _NO_LANGUAGES
        if approach.profile is not None:
            for f in PROFILE_TEXT_FIELDS:
                view = profile_ctx.view(f)
                profile_present.update(self._present(view))
                if gated and view.languages:
                    profile_languages = profile_languages | view.languages
            chosen = candidates(profile_present, self._profile_by_termset)
            chosen.update(self._untriggered_profile)
        else:  # nothing to read: only a ``not`` can be true
            chosen = set(self._negating_profile)
        if gated:
            chosen = self._in_languages(chosen, profile_languages)
        for n in sorted(chosen):
            run(n, profile_ctx)

        for i, msg in enumerate(approach.messages):
            ctx = _Ctx(self, approach, today, i, views=dict(profile_ctx.views))
            present = set(profile_present)
            nonempty: set[str] = set()
            languages = profile_languages
            for f, get in MESSAGE_TEXT_FIELDS.items():
                if get(msg):
                    nonempty.add(f)
                    view = ctx.view(f)
                    present.update(self._present(view))
                    if gated and view.languages:
                        languages = languages | view.languages
                    if view.main_language:
                        mains[view.main_language] = mains.get(view.main_language, 0) + 1
            chosen = candidates(present, self._message_by_termset)
            chosen.update(self._untriggered_for(frozenset(nonempty)))
            if gated:
                chosen = self._in_languages(chosen, languages)
            for n in sorted(chosen):
                kinds = compiled[n].rule.kinds
                if kinds is None or msg.kind in kinds:
                    run(n, ctx)

        findings = []
        main = max(mains, key=lambda lang: mains[lang]) if mains else None
        for n in self._one_per_family(collected, main):
            r = compiled[n].rule
            findings.append(
                Finding(
                    id=r.name,
                    title=r.title,
                    category=r.category,
                    weight=r.weight,
                    evidence=tuple(collected[n]),
                    tags=r.tags,
                    detector="rules",
                    rule_uuid=r.uuid,
                )
            )
        return findings
