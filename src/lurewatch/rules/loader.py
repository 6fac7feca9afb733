"""Load rule files (YAML) into typed rules; every problem says file:line.

A file holds one rule per YAML document (documents are separated by ``---``).
The loader reports *all* problems it finds, not only the first, so an author
can fix a pack in one pass.
"""

from __future__ import annotations

import itertools
import re
import re._constants as _sre  # type: ignore[import-not-found]  # no stubs
import re._parser as _sre_parse  # type: ignore[import-not-found]  # no stubs
import uuid as uuidlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from lurewatch.categories import CATEGORIES
from lurewatch.model import MessageKind
from lurewatch.rules.fields import ALL_FIELDS, FORBIDDEN_FIELDS, TEXT_FIELDS, VALUE_FIELDS
from lurewatch.rules.languages import LANGUAGES
from lurewatch.rules.schema import (
    COMPARE_OPS,
    STATUSES,
    All,
    Any_,
    Compare,
    CompareOp,
    Example,
    Matcher,
    Near,
    Not,
    Regex,
    Rule,
    Status,
    Terms,
    TermSet,
    fields_of,
)
from lurewatch.textnorm import phrase

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TERMSET_IDS = itertools.count(1)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")
# Nested quantifiers such as (a+)+ can take exponential time on hostile text.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")

_REPEATS = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT})
_SPACE_CHARS = frozenset(map(ord, " \t\n\r\f\v\u00a0\u202f"))


def _only_space(items: Any) -> bool:
    """Whether a parsed piece of pattern can only ever match white space."""
    for op, av in items:
        if op is _sre.LITERAL and av in _SPACE_CHARS:
            continue
        if op is _sre.IN and all(
            (o is _sre.CATEGORY and a is _sre.CATEGORY_SPACE)
            or (o is _sre.LITERAL and a in _SPACE_CHARS)
            for o, a in av
        ):
            continue
        return False
    return True


def has_unbounded_repeat(pattern: str) -> bool:
    """Whether the pattern repeats, without an upper bound, something that is not white space.

    Such a repeat is tried again from every position where the pattern could
    start, so a long run of what it repeats (digits, letters) costs quadratic
    time: "9.9.9..." against ``\\d[\\d.,]*`` took 49 s on 50,000 characters.
    """

    def walk(items: Any) -> bool:
        for op, av in items:
            if op in _REPEATS:
                _, high, sub = av
                if (high == _sre.MAXREPEAT and not _only_space(sub)) or walk(sub):
                    return True
            elif op is _sre.SUBPATTERN:
                if walk(av[-1]):
                    return True
            elif op is _sre.BRANCH:
                if any(walk(b) for b in av[1]):
                    return True
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
                if walk(av[1]):
                    return True
            elif op is _sre.GROUPREF_EXISTS and (
                walk(av[1]) or (av[2] is not None and walk(av[2]))
            ):
                return True
        return False

    return walk(_sre_parse.parse(pattern))


_KINDS: tuple[MessageKind, ...] = ("message", "invitation", "email")
_MAX_PHRASE_TOKENS = 8
_KNOWN_KEYS = frozenset(
    {
        "id",
        "name",
        "title",
        "status",
        "description",
        "category",
        "weight",
        "field",
        "match",
        "kinds",
        "language",
        "tags",
        "references",
        "falsepositives",
        "author",
        "date",
        "examples",
    }
)
_REQUIRED_KEYS = ("id", "name", "title", "status", "description", "category", "weight", "match")

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class RuleLoadError(Exception):
    """One or more rule files are invalid; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Doc:
    """One YAML document with the node tree kept for line numbers."""

    def __init__(self, source: str, node: yaml.Node, *, shipped: bool = False) -> None:
        self.source = source
        self.node = node
        self.problems: list[Problem] = []
        # The shipped pack's patterns are checked by the tests, not at every start.
        self.shipped = shipped

    def line(self, path: PathKey) -> int:
        node = self.node
        for key in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                # str(): a key written ``1:`` is the int 1 in the data, "1" in the node.
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                        child = v
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and 0 <= key < len(node.value)
            ):
                child = node.value[key]
            if child is None:
                break
            node = child
        return int(node.start_mark.line) + 1

    def problem(self, path: PathKey, message: str) -> None:
        where = ".".join(str(p) for p in path)
        text = f"{where}: {message}" if where else message
        self.problems.append(Problem(self.source, self.line(path), text))


def _duplicate_keys(doc: _Doc, node: yaml.Node, path: PathKey = ()) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            if key in seen:
                doc.problems.append(
                    Problem(doc.source, k.start_mark.line + 1, f"duplicate key '{key}'")
                )
            seen.add(key)
            _duplicate_keys(doc, v, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _duplicate_keys(doc, v, (*path, i))


def _documents(text: str, source: str, *, shipped: bool = False) -> Iterator[tuple[_Doc, Any]]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            doc = _Doc(source, node, shipped=shipped)
            _duplicate_keys(doc, node)
            yield doc, loader.construct_document(node)
    finally:
        loader.dispose()


def _strs(doc: _Doc, value: Any, path: PathKey, *, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        doc.problem(path, "expected a list of non-empty strings")
        return ()
    if not value and not allow_empty:
        doc.problem(path, "must not be empty")
    return tuple(value)


def _check_field(doc: _Doc, name: Any, path: PathKey, allowed: frozenset[str]) -> str | None:
    if not isinstance(name, str):
        doc.problem(path, "field must be a string")
        return None
    if name in FORBIDDEN_FIELDS:
        doc.problem(path, f"field '{name}' may not be read: {FORBIDDEN_FIELDS[name]}")
        return None
    if name not in allowed:
        kind = "text " if allowed is TEXT_FIELDS else ""
        doc.problem(
            path, f"unknown {kind}field '{name}'; expected one of: {', '.join(sorted(allowed))}"
        )
        return None
    return name


def _termset(doc: _Doc, value: Any, path: PathKey, field: str) -> TermSet | None:
    if value is None:
        doc.problem(path, "missing list of terms")
        return None
    terms = _strs(doc, value, path, allow_empty=False)
    if not terms:
        return None
    phrases: list[tuple[str, ...]] = []
    for i, t in enumerate(terms):
        p = phrase(t)
        if not p:
            doc.problem((*path, i), f"term {t!r} has no letters or digits")
        elif len(p) > _MAX_PHRASE_TOKENS:
            doc.problem((*path, i), f"term {t!r} is longer than {_MAX_PHRASE_TOKENS} words")
        else:
            phrases.append(p)
    if not phrases:
        return None
    return TermSet(next(_TERMSET_IDS), field, tuple(dict.fromkeys(phrases)))


def _matcher(doc: _Doc, value: Any, path: PathKey, default_field: str) -> Matcher | None:
    if isinstance(value, list):
        value = {"any": value}
    if not isinstance(value, dict) or not value:
        doc.problem(
            path,
            "expected a mapping with one of: terms, near, regex, all, any, not, "
            "or field with lt/lte/gt/gte/eq",
        )
        return None
    keys = set(value)
    for combinator in ("all", "any"):
        if combinator in value:
            if keys != {combinator}:
                doc.problem(path, f"'{combinator}' must stand alone in its mapping")
            items = value[combinator]
            if not isinstance(items, list) or not items:
                doc.problem((*path, combinator), "expected a non-empty list of conditions")
                return None
            children = [
                _matcher(doc, c, (*path, combinator, i), default_field) for i, c in enumerate(items)
            ]
            if any(c is None for c in children):
                return None
            kids = tuple(cast(list[Matcher], children))
            return All(kids) if combinator == "all" else Any_(kids)
    if "not" in value:
        if keys != {"not"}:
            doc.problem(path, "'not' must stand alone in its mapping")
        child = _matcher(doc, value["not"], (*path, "not"), default_field)
        return None if child is None else Not(child)
    ops = keys & set(COMPARE_OPS)
    if ops:
        field = _check_field(doc, value.get("field"), (*path, "field"), VALUE_FIELDS)
        extra = keys - ops - {"field"}
        if len(ops) != 1 or extra:
            doc.problem(path, "a comparison takes 'field' and exactly one of lt/lte/gt/gte/eq")
            return None
        op = cast(CompareOp, ops.pop())
        target = value[op]
        if not isinstance(target, int) or (isinstance(target, bool) and op != "eq"):
            doc.problem((*path, op), "expected a whole number (or true/false with eq)")
            return None
        return None if field is None else Compare(field, op, target)
    field = default_field
    if "field" in value:
        checked = _check_field(doc, value["field"], (*path, "field"), TEXT_FIELDS)
        if checked is None:
            return None
        field = checked
    if "terms" in value:
        if keys - {"terms", "field"}:
            doc.problem(
                path,
                f"unexpected keys beside 'terms': {sorted(keys - {'terms', 'field'}, key=str)}",
            )
        ts = _termset(doc, value["terms"], (*path, "terms"), field)
        return None if ts is None else Terms(field, ts)
    if "near" in value:
        if keys - {"near", "with", "within", "field"}:
            doc.problem(path, "'near' takes 'with', 'within' and optionally 'field'")
        within = value.get("within", 6)
        if not isinstance(within, int) or isinstance(within, bool) or not 1 <= within <= 50:
            doc.problem((*path, "within"), "expected a whole number of words from 1 to 50")
            return None
        left = _termset(doc, value["near"], (*path, "near"), field)
        right = _termset(doc, value.get("with"), (*path, "with"), field)
        if left is None or right is None:
            return None
        return Near(field, left, right, within)
    if "regex" in value:
        if keys - {"regex", "field", "needs"}:
            doc.problem(path, "'regex' takes only 'field' and 'needs' beside it")
        needs = _strs(doc, value.get("needs"), (*path, "needs"))
        pattern = value["regex"]
        if not isinstance(pattern, str) or not pattern:
            doc.problem((*path, "regex"), "expected a non-empty string")
            return None
        if _NESTED_QUANTIFIER.search(pattern):
            doc.problem(
                (*path, "regex"),
                "nested quantifiers (like (a+)+) can take "
                "exponential time on hostile text; rewrite the pattern",
            )
            return None
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            doc.problem((*path, "regex"), f"invalid regular expression: {exc}")
            return None
        if compiled.search(""):
            doc.problem((*path, "regex"), "pattern matches empty text")
            return None
        if not doc.shipped and has_unbounded_repeat(pattern):
            doc.problem(
                (*path, "regex"),
                "an unbounded repeat (*, + or {n,}) of anything but white space can take "
                "quadratic time on hostile text (a long run of digits or letters): give it "
                "a bound, like [\\d.,]{0,15} or \\w{0,30}",
            )
            return None
        return Regex(field, compiled, needs)
    doc.problem(
        path,
        f"unknown condition keys {sorted(keys, key=str)}; expected terms, near, regex, "
        "all, any, not, or field with lt/lte/gt/gte/eq",
    )
    return None


def _examples(doc: _Doc, value: Any) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    if not isinstance(value, dict):
        doc.problem(("examples",), "every rule needs 'examples' with 'positive' and 'negative'")
        return (), ()
    out: dict[str, tuple[Example, ...]] = {}
    for kind in ("positive", "negative"):
        items = value.get(kind)
        path: PathKey = ("examples", kind)
        if not isinstance(items, list) or not items:
            doc.problem(path, f"needs at least one {kind} example")
            out[kind] = ()
            continue
        examples = []
        for i, item in enumerate(items):
            if isinstance(item, str) or (isinstance(item, dict) and item):
                examples.append(Example(item, doc.line((*path, i))))
            else:
                doc.problem(
                    (*path, i),
                    "an example is a string or a mapping "
                    "(text, subject, kind, attachments, profile)",
                )
        out[kind] = tuple(examples)
    extra = set(value) - {"positive", "negative"}
    if extra:
        doc.problem(("examples",), f"unexpected keys {sorted(extra, key=str)}")
    return out["positive"], out["negative"]


def _rule(doc: _Doc, data: Any) -> Rule | None:
    if not isinstance(data, dict):
        doc.problem((), "a rule document must be a mapping")
        return None
    for key in _REQUIRED_KEYS:
        if key not in data:
            doc.problem((), f"missing required key '{key}'")
    # YAML keys need not be strings (``1: x``); sort by text so mixed keys cannot crash.
    for key in sorted(set(data) - _KNOWN_KEYS, key=str):
        doc.problem((key,), f"unknown key '{key}'")
    if any(k not in data for k in _REQUIRED_KEYS):
        return None

    rid = data["id"]
    try:
        rid = str(uuidlib.UUID(str(rid)))
    except ValueError:
        doc.problem(("id",), f"'{rid}' is not a UUID")
    name = data["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        doc.problem(("name",), "expected a short lowercase slug like 'offplatform-messenger'")
    for key in ("title", "description"):
        if not isinstance(data[key], str) or not data[key].strip():
            doc.problem((key,), "expected non-empty text")
    status = data["status"]
    if status not in STATUSES:
        doc.problem(("status",), f"expected one of {', '.join(STATUSES)}")
    category = data["category"]
    if not isinstance(category, str) or category not in CATEGORIES or category == "combination":
        names = ", ".join(sorted(c for c in CATEGORIES if c != "combination"))
        doc.problem(("category",), f"unknown category '{category}'; expected one of: {names}")
    weight = data["weight"]
    if not isinstance(weight, int | float) or isinstance(weight, bool) or not -5 <= weight <= 5:
        doc.problem(("weight",), "expected a number from -5 to 5")
    elif category == "legitimacy" and weight >= 0:
        doc.problem(("weight",), "a 'legitimacy' rule lowers the rating: its weight must be < 0")
    elif category != "legitimacy" and weight <= 0:
        doc.problem(("weight",), "weight must be > 0 (only 'legitimacy' rules lower a rating)")
    field = _check_field(doc, data.get("field", "text"), ("field",), ALL_FIELDS) or "text"
    kinds_raw = _strs(doc, data.get("kinds"), ("kinds",))
    for k in kinds_raw:
        if k not in _KINDS:
            doc.problem(("kinds",), f"unknown kind '{k}'; expected {', '.join(_KINDS)}")
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        doc.problem(
            ("language",),
            f"unknown language {language!r}; expected one of {', '.join(sorted(LANGUAGES))} "
            "(or none: a rule without a language runs on every text)",
        )
    tags = _strs(doc, data.get("tags"), ("tags",))
    for i, t in enumerate(tags):
        if not _TAG.match(t):
            doc.problem(("tags", i), f"tag '{t}' should be lowercase, like 'attack.t1566.003'")
    match = _matcher(doc, data["match"], ("match",), field)
    positive, negative = _examples(doc, data.get("examples"))
    if doc.problems or match is None:
        return None
    return Rule(
        uuid=rid,
        name=name,
        title=data["title"].strip(),
        status=cast(Status, status),
        description=data["description"].strip(),
        category=category,
        weight=float(weight),
        field=field,
        match=match,
        kinds=frozenset(cast(Iterable[MessageKind], kinds_raw)) or None,
        language=cast(str | None, language),
        tags=tags,
        references=_strs(doc, data.get("references"), ("references",)),
        falsepositives=_strs(doc, data.get("falsepositives"), ("falsepositives",)),
        author=str(data.get("author", "")),
        date=str(data.get("date", "")),
        positive=positive,
        negative=negative,
        source=doc.source,
        line=doc.line(()),
        fields=fields_of(match),
    )


def load_text(text: str, source: str = "<string>", *, shipped: bool = False) -> list[Rule]:
    """Rules from YAML text; raises :class:`RuleLoadError` listing every problem.

    ``shipped`` (the package's own pack) skips the check for slow regular
    expressions, which ``tests/rules/test_loader.py`` runs on that pack instead.
    """
    rules: list[Rule] = []
    problems: list[Problem] = []
    try:
        for doc, data in _documents(text, source, shipped=shipped):
            rule = _rule(doc, data)
            problems.extend(doc.problems)
            if rule is not None:
                rules.append(rule)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        detail = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(source, line, f"YAML syntax error: {detail}"))
    if problems:
        raise RuleLoadError(problems)
    return rules


def _check_unique(rules: Sequence[Rule]) -> list[Problem]:
    problems: list[Problem] = []
    by_uuid: dict[str, Rule] = {}
    by_name: dict[str, Rule] = {}
    for r in rules:
        if r.uuid in by_uuid:
            problems.append(
                Problem(r.source, r.line, f"id {r.uuid} is also used at {by_uuid[r.uuid].where}")
            )
        if r.name in by_name:
            problems.append(
                Problem(
                    r.source, r.line, f"name '{r.name}' is also used at {by_name[r.name].where}"
                )
            )
        by_uuid.setdefault(r.uuid, r)
        by_name.setdefault(r.name, r)
    return problems


def _load_sources(
    sources: Iterable[tuple[str, Callable[[], str]]],
    problems: list[Problem],
    *,
    shipped: bool = False,
) -> list[Rule]:
    """Rules from (name, reader) pairs, collecting every file's problems before raising."""
    rules: list[Rule] = []
    for name, read in sources:
        try:
            text = read()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, 0, f"cannot read: {exc}"))
            continue
        try:
            rules.extend(load_text(text, name, shipped=shipped))
        except RuleLoadError as exc:
            problems.extend(exc.problems)
    problems.extend(_check_unique(rules))
    if problems:
        raise RuleLoadError(problems)
    return rules


def load_paths(paths: Iterable[Path]) -> list[Rule]:
    """Rules from files and folders (``*.yaml``/``*.yml``, sorted by name)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(x for x in p.iterdir() if x.suffix in (".yaml", ".yml")))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem(str(p), 0, "no such rule file or folder"))
    return _load_sources(
        ((str(f), partial(f.read_text, encoding="utf-8-sig")) for f in files), problems
    )


def builtin_rules() -> list[Rule]:
    """The rule pack shipped inside the package."""
    root = resources.files("lurewatch") / "data" / "rules"
    entries = sorted(
        (e for e in root.iterdir() if e.name.endswith((".yaml", ".yml"))), key=lambda e: e.name
    )
    return _load_sources(
        (
            (f"lurewatch/data/rules/{e.name}", partial(e.read_text, encoding="utf-8"))
            for e in entries
        ),
        [],
        shipped=True,
    )
