"""Run every rule against its own positive and negative examples."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from lurewatch.model import Approach, Message, Profile
from lurewatch.rules.engine import Engine
from lurewatch.rules.fields import MESSAGE_TEXT_FIELDS, PROFILE_TEXT_FIELDS
from lurewatch.rules.schema import Example, Rule

# Examples are judged as of this date unless they give their own ``today``,
# so that "joined 30 days ago" stays true for as long as the example exists.
EXAMPLE_TODAY = dt.date(2026, 11, 29)
_EXAMPLE_KEYS = frozenset({"text", "subject", "kind", "attachments", "profile", "today"})


class ExampleError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ExampleResult:
    rule: Rule
    example: Example
    expected: bool
    fired: bool

    @property
    def ok(self) -> bool:
        return self.expected == self.fired

    def describe(self) -> str:
        want = "should match" if self.expected else "should not match"
        data = self.example.data
        shown = data if isinstance(data, str) else msgspec.json.encode(data).decode()
        if len(shown) > 120:
            shown = shown[:117] + "..."
        return f"{self.rule.source}:{self.example.line}: {self.rule.name} {want}: {shown}"


def _from_string(rule: Rule, example: Example, text: str) -> dict[str, Any]:
    """A string example is the value of the rule's own field."""
    f = rule.field
    if f == "attachments":
        return {"attachments": [x for x in text.splitlines() if x]}
    if f in MESSAGE_TEXT_FIELDS:
        return {f: text}
    if f in PROFILE_TEXT_FIELDS:
        attr = f.removeprefix("profile.")
        value: Any = {"websites": [text], "experience": [{"title": text}]}.get(attr, text)
        return {"profile": {attr: value}}
    raise ExampleError(f"{rule.source}:{example.line}: a rule on '{f}' needs mapping examples")


def example_input(rule: Rule, example: Example) -> tuple[Approach, dt.date]:
    """The approach (and date) an example stands for."""
    data = example.data
    if isinstance(data, str):
        data = _from_string(rule, example, data)
    unknown = set(data) - _EXAMPLE_KEYS
    if unknown:
        raise ExampleError(f"{rule.source}:{example.line}: unknown example keys {sorted(unknown)}")
    kind = data.get("kind") or (sorted(rule.kinds)[0] if rule.kinds else "message")
    messages: tuple[Message, ...] = ()
    if any(k in data for k in ("text", "subject", "attachments")):
        messages = (
            Message(
                text=str(data.get("text", "")),
                subject=str(data.get("subject", "")),
                kind=kind,
                attachments=tuple(str(a) for a in data.get("attachments", ())),
            ),
        )
    profile = None
    if "profile" in data:
        try:
            profile = msgspec.convert(data["profile"], Profile, strict=False)
        except msgspec.ValidationError as exc:
            raise ExampleError(f"{rule.source}:{example.line}: bad example profile: {exc}") from exc
    today = data.get("today", EXAMPLE_TODAY)
    if not isinstance(today, dt.date):
        raise ExampleError(f"{rule.source}:{example.line}: 'today' must be a date")
    return Approach(messages=messages, profile=profile), today


def run_examples(rules: Sequence[Rule], engine: Engine | None = None) -> list[ExampleResult]:
    """Evaluate each rule alone on each of its examples."""
    engine = engine or Engine(rules)
    results: list[ExampleResult] = []
    for rule in rules:
        for expected, examples in ((True, rule.positive), (False, rule.negative)):
            for ex in examples:
                approach, today = example_input(rule, ex)
                fired = bool(engine.evaluate(approach, today, rules=[rule]))
                results.append(ExampleResult(rule, ex, expected, fired))
    return results
