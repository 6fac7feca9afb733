"""Typed rule objects. YAML is parsed into these by :mod:`lurewatch.rules.loader`.

A rule reads one *field* by default (``text`` is the body of a message,
invitation note or e-mail) and carries a *match* expression built from:

``terms``
    any of a list of words or phrases, matched on whole normalised tokens
    (case, diacritics, full-width forms and look-alike letters folded);
``near``
    a term from ``terms`` within ``within`` tokens of a term from ``with``;
``regex`` (+ ``needs``)
    a regular expression, compiled once, matched case-insensitively on the
    original text; ``needs`` lists literal strings of which one must occur
    (exact case) before the expression is tried;
``field`` + ``lt``/``lte``/``gt``/``gte``/``eq``
    a comparison on a profile value such as ``profile.connections``;
``all`` / ``any`` / ``not``
    combinations of the above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from lurewatch.model import MessageKind

Status = Literal["stable", "test", "experimental", "deprecated"]
STATUSES: tuple[str, ...] = ("stable", "test", "experimental", "deprecated")
CompareOp = Literal["lt", "lte", "gt", "gte", "eq"]
COMPARE_OPS: tuple[str, ...] = ("lt", "lte", "gt", "gte", "eq")


@dataclass(frozen=True, slots=True)
class TermSet:
    """Phrases (each a tuple of normalised tokens) that one matcher looks for."""

    id: int
    field: str
    phrases: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Terms:
    field: str
    terms: TermSet


@dataclass(frozen=True, slots=True)
class Near:
    field: str
    left: TermSet
    right: TermSet
    within: int


@dataclass(frozen=True, slots=True)
class Regex:
    field: str
    pattern: re.Pattern[str]
    # Literal strings of which one must occur in the text for the pattern to be tried:
    # a cheap filter that spares running the expression on every message.
    needs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Compare:
    field: str
    op: CompareOp
    value: int | bool


@dataclass(frozen=True, slots=True)
class All:
    children: tuple[Matcher, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    children: tuple[Matcher, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Matcher


Matcher = Terms | Near | Regex | Compare | All | Any_ | Not


@dataclass(frozen=True, slots=True)
class Example:
    """An input a rule must match (positive) or must not match (negative).

    ``data`` is either a string (the value of the rule's field) or a mapping
    with ``text``, ``subject``, ``kind``, ``attachments`` and ``profile``.
    """

    data: str | dict[str, Any]
    line: int


@dataclass(frozen=True, slots=True)
class Rule:
    uuid: str
    name: str
    title: str
    status: Status
    description: str
    category: str
    weight: float
    field: str
    match: Matcher
    kinds: frozenset[MessageKind] | None
    language: str | None = None  # runs only on texts that may be in it (rules/languages.py)
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    author: str = ""
    date: str = ""
    positive: tuple[Example, ...] = ()
    negative: tuple[Example, ...] = ()
    source: str = ""
    line: int = 0
    fields: frozenset[str] = frozenset()

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def fields_of(m: Matcher) -> frozenset[str]:
    """Every field a matcher reads."""
    if isinstance(m, Terms | Near | Regex | Compare):
        return frozenset({m.field})
    if isinstance(m, All | Any_):
        out: frozenset[str] = frozenset()
        for c in m.children:
            out |= fields_of(c)
        return out
    return fields_of(m.child)
