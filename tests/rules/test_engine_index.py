"""The engine's shortcuts (term index, anchors, triggers, needed literals) change nothing.

Each shortcut only decides what need not be looked at. These tests hold the
shipped rule pack's engine to references that look at everything: every
phrase at every position, and every rule on every message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lurewatch.model import Approach, Message, Profile
from lurewatch.rules import engine as engine_module
from lurewatch.rules.engine import Engine
from lurewatch.rules.languages import LANGUAGES
from lurewatch.rules.loader import builtin_rules
from lurewatch.rules.schema import All, Any_, Matcher, Near, Not, Terms
from lurewatch.textnorm import (
    norm_tokens,
    norm_tokens_with_parts,
    spans_from_parts,
    token_spans,
)

TODAY = dt.date(2026, 11, 29)
RULES = builtin_rules()
ENGINE = Engine(RULES)


def _phrases(m: Matcher) -> Iterator[tuple[str, int, tuple[str, ...]]]:
    if isinstance(m, Terms):
        for ph in m.terms.phrases:
            yield m.field, m.terms.id, ph
    elif isinstance(m, Near):
        for ts in (m.left, m.right):
            for ph in ts.phrases:
                yield m.field, ts.id, ph
    elif isinstance(m, All | Any_):
        for c in m.children:
            yield from _phrases(c)
    elif isinstance(m, Not):
        yield from _phrases(m.child)


PHRASES = sorted({p for r in RULES for p in _phrases(r.match)})
TEXT_PHRASES = [(tsid, ph) for fld, tsid, ph in PHRASES if fld == "text"]
# Words of the pack's phrases, common words, and bits that split or join them.
VOCABULARY = [*sorted({w for _, ph in TEXT_PHRASES for w in ph}), "the", "x", "42"]


def _brute_force(toks: list[str]) -> dict[int, list[tuple[int, int]]]:
    hits: dict[int, set[tuple[int, int]]] = {}
    for tsid, ph in TEXT_PHRASES:
        n = len(ph)
        for i in range(len(toks) - n + 1):
            if tuple(toks[i : i + n]) == ph:
                hits.setdefault(tsid, set()).add((i, i + n))
    return {k: sorted(v) for k, v in hits.items()}


WHOLE_PHRASES = sorted({" ".join(ph) for _, ph in TEXT_PHRASES if len(ph) > 1})
_TEXTS = st.lists(
    st.tuples(
        st.sampled_from(VOCABULARY) | st.sampled_from(WHOLE_PHRASES) | st.text(max_size=3),
        st.sampled_from([" ", ", ", "\n", "-", "'", ".  "]),
    ),
    max_size=80,
).map(lambda parts: "".join(w + sep for w, sep in parts))


def test_the_pack_has_phrases_to_test() -> None:
    assert len(TEXT_PHRASES) > 100
    assert any(len(ph) >= 4 for _, ph in TEXT_PHRASES)


@settings(max_examples=300)
@given(_TEXTS)
def test_term_hits_equal_every_phrase_tried_at_every_position(text: str) -> None:
    hits, _ = ENGINE.term_hits("text", text, LANGUAGES)
    assert {k: sorted(set(v)) for k, v in hits.items()} == _brute_force(norm_tokens(text))


@given(st.text() | _TEXTS)
def test_spans_from_split_parts_equal_the_tokeniser_spans(text: str) -> None:
    toks, parts = norm_tokens_with_parts(text)
    assert toks == norm_tokens(text)
    if parts is not None:
        assert spans_from_parts(parts) == token_spans(text)


@contextmanager
def _no_triggers() -> Iterator[None]:
    """Build engines whose rules all count as untriggered: each is run on every message."""
    real = engine_module._trigger
    engine_module._trigger = lambda m, needle: None  # type: ignore[assignment]
    try:
        yield
    finally:
        engine_module._trigger = real


with _no_triggers():
    EVERY_RULE_EVERY_TIME = Engine(RULES)


def test_the_reference_engine_has_no_shortcuts() -> None:
    assert all(c.trigger is None for c in EVERY_RULE_EVERY_TIME._compiled)
    assert sum(c.trigger is None for c in ENGINE._compiled) < len(RULES) // 4


def _examples() -> list[str]:
    texts = []
    for r in RULES:
        for ex in (*r.positive, *r.negative):
            data = ex.data if isinstance(ex.data, str) else ex.data.get("text", "")
            if isinstance(data, str) and data:
                texts.append(data)
    return texts


@pytest.mark.parametrize("text", _examples())
def test_every_rule_example_rates_the_same_without_shortcuts(text: str) -> None:
    approach = Approach(
        messages=(Message(text=text), Message(text=text, kind="invitation", subject=text)),
        profile=Profile(headline=text, company=text, about=text),
    )
    assert ENGINE.evaluate(approach, TODAY) == EVERY_RULE_EVERY_TIME.evaluate(approach, TODAY)


@settings(max_examples=200)
@given(_TEXTS, _TEXTS, st.sampled_from(["$500", "£2k", "a.b@gmail.com", "", "@", "€"]))
def test_any_text_rates_the_same_without_shortcuts(text: str, other: str, extra: str) -> None:
    approach = Approach(
        messages=(Message(text=text + extra), Message(text=other, subject=extra)),
        profile=Profile(headline=other),
    )
    assert ENGINE.evaluate(approach, TODAY) == EVERY_RULE_EVERY_TIME.evaluate(approach, TODAY)


@settings(max_examples=60)
@given(st.lists(_TEXTS, min_size=1, max_size=12), st.sampled_from([0, 10**9]))
def test_quotes_are_placed_the_same_by_adding_lengths_or_placing_every_token(
    texts: list[str], threshold: int
) -> None:
    text = "\n".join(texts)
    approach = Approach(messages=(Message(text=text),))
    expected = ENGINE.evaluate(approach, TODAY)
    real = engine_module._SUM_PARTS_UP_TO
    engine_module._SUM_PARTS_UP_TO = threshold
    try:
        assert ENGINE.evaluate(approach, TODAY) == expected
    finally:
        engine_module._SUM_PARTS_UP_TO = real
    for f in expected:
        for ev in f.evidence:
            assert text[ev.start : ev.end] == ev.text


@settings(max_examples=150)
@given(st.lists(_TEXTS, min_size=1, max_size=6))
def test_near_tried_pairwise_or_by_window_gives_the_same_quotes(texts: list[str]) -> None:
    approach = Approach(messages=(Message(text=" ".join(texts)),))
    results = []
    real = engine_module._SMALL_NEAR
    for threshold in (0, 10**9):
        engine_module._SMALL_NEAR = threshold
        try:
            results.append(ENGINE.evaluate(approach, TODAY))
        finally:
            engine_module._SMALL_NEAR = real
    assert results[0] == results[1]
