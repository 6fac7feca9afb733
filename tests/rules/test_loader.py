from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lurewatch.rules.loader import (
    Problem,
    RuleLoadError,
    builtin_rules,
    has_unbounded_repeat,
    load_paths,
    load_text,
)
from lurewatch.rules.schema import Compare, Example, Regex, Rule, Terms, TermSet

RuleYaml = Callable[..., str]


def problems_of(text: str, source: str = "rules.yaml") -> list[tuple[int, str]]:
    """(line, message) of every problem, with lists of allowed values cut off."""
    with pytest.raises(RuleLoadError) as info:
        load_text(text, source)
    assert all(p.source == source for p in info.value.problems)
    # The wording of YAML syntax errors depends on whether libyaml is installed.
    return [
        (p.line, p.message.split("; expected one of")[0].split(": ")[0])
        if p.message.startswith("YAML syntax error")
        else (p.line, p.message.split("; expected one of")[0])
        for p in info.value.problems
    ]


# One file, four documents, a dozen problems on known lines. The loader must
# report every one of them, in one pass.
BROKEN = """\
id: not-a-uuid
name: bad-rule-one
title: Bad rule one
status: test
description: Several problems in one rule.
category: espionage
weight: 7
colour: red
match:
  regex: '(a+)+$'
examples:
  positive: [x]
  negative: [y]
---
id: 00000000-0000-0000-0000-000000000002
name: bad-rule-two
title: Bad rule two
status: test
description: Reads fields it may not read.
category: flattery
weight: -1
field: profile.name
match:
  all:
    - terms: [hello]
    - field: profile.location
      terms: [paris]
    - field: profile.shoe_size
      gt: 3
    - regex: '[unclosed'
examples:
  positive: [x]
  negative: [y]
---
id: 00000000-0000-0000-0000-000000000003
name: bad-rule-three
title: Bad rule three
title: Bad rule three, again
status: test
description: A duplicate key and no examples.
category: flattery
weight: 0.5
match:
  terms: [impressive]
---
id: 00000000-0000-0000-0000-000000000004
name: bad-rule-four
\ttitle: a tab cannot start a token
"""


def test_every_problem_in_a_file_is_reported_at_once_with_its_line() -> None:
    assert problems_of(BROKEN) == [
        (8, "colour: unknown key 'colour'"),
        (1, "id: 'not-a-uuid' is not a UUID"),
        (6, "category: unknown category 'espionage'"),
        (7, "weight: expected a number from -5 to 5"),
        (
            10,
            "match.regex: nested quantifiers (like (a+)+) can take exponential time "
            "on hostile text; rewrite the pattern",
        ),
        (21, "weight: weight must be > 0 (only 'legitimacy' rules lower a rating)"),
        (22, "field: field 'profile.name' may not be read: a name is never a signal (fairness)"),
        (
            26,
            "match.all.1.field: field 'profile.location' may not be read: "
            "a location is a proxy for nationality and is never a signal",
        ),
        (28, "match.all.2.field: unknown field 'profile.shoe_size'"),
        (
            30,
            "match.all.3.regex: invalid regular expression: "
            "unterminated character set at position 0",
        ),
        (38, "duplicate key 'title'"),
        (35, "examples: every rule needs 'examples' with 'positive' and 'negative'"),
        (48, "YAML syntax error"),
    ]


def test_the_error_message_lists_every_problem_as_file_line() -> None:
    with pytest.raises(RuleLoadError) as info:
        load_text(BROKEN, "pack/bad.yaml")
    lines = str(info.value).splitlines()
    assert len(lines) == 13
    assert lines[0] == "pack/bad.yaml:8: colour: unknown key 'colour'"
    assert all(line.startswith("pack/bad.yaml:") for line in lines)
    assert str(Problem("a.yaml", 3, "boom")) == "a.yaml:3: boom"


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("id: 00000000-0000-0000-0000-000000000001", "id: 12345", (1, "id: '12345' is not a UUID")),
        (
            "name: test-rule-1",
            "name: Test Rule",
            (2, "name: expected a short lowercase slug like 'offplatform-messenger'"),
        ),
        (
            "status: test",
            "status: final",
            (4, "status: expected one of stable, test, experimental, deprecated"),
        ),
        ("title: Test rule 1", "title: ''", (3, "title: expected non-empty text")),
        (
            "category: off_platform",
            "category: combination",
            (6, "category: unknown category 'combination'"),
        ),
        ("weight: 1.0", "weight: 5.5", (7, "weight: expected a number from -5 to 5")),
        ("weight: 1.0", "weight: -6", (7, "weight: expected a number from -5 to 5")),
        ("weight: 1.0", "weight: .nan", (7, "weight: expected a number from -5 to 5")),
        ("weight: 1.0", "weight: true", (7, "weight: expected a number from -5 to 5")),
        (
            "weight: 1.0",
            "weight: 0",
            (7, "weight: weight must be > 0 (only 'legitimacy' rules lower a rating)"),
        ),
        (
            "category: off_platform\nweight: 1.0",
            "category: legitimacy\nweight: 0.5",
            (7, "weight: a 'legitimacy' rule lowers the rating: its weight must be < 0"),
        ),
        ("  terms: [wechat]", "  terms: []", (9, "match.terms: must not be empty")),
        (
            "  terms: [wechat]",
            "  terms: [wechat, '!!!']",
            (9, "match.terms.1: term '!!!' has no letters or digits"),
        ),
        (
            "  terms: [wechat]",
            "  terms: [a b c d e f g h i]",
            (9, "match.terms.0: term 'a b c d e f g h i' is longer than 8 words"),
        ),
        (
            "  terms: [wechat]",
            "  regex: '(?:x|y*)'",
            (9, "match.regex: pattern matches empty text"),
        ),
        (
            "  terms: [wechat]",
            "  regex: '(\\w+\\s?)*$'",
            (
                9,
                "match.regex: nested quantifiers (like (a+)+) can take exponential time "
                "on hostile text; rewrite the pattern",
            ),
        ),
        (
            "  terms: [wechat]",
            "  near: [wechat]\n  with: [add]\n  within: 0",
            (11, "match.within: expected a whole number of words from 1 to 50"),
        ),
        (
            "  terms: [wechat]",
            "  field: profile.connections\n  lt: many",
            (10, "match.lt: expected a whole number (or true/false with eq)"),
        ),
        (
            "  terms: [wechat]",
            "  field: profile.connections\n  lt: 5\n  gt: 1",
            (9, "match: a comparison takes 'field' and exactly one of lt/lte/gt/gte/eq"),
        ),
        (
            "  terms: [wechat]",
            "  any: []",
            (9, "match.any: expected a non-empty list of conditions"),
        ),
        (
            "  terms: [wechat]",
            "  sounds_like: [wechat]",
            (
                9,
                "match: unknown condition keys ['sounds_like']; expected terms, near, regex, "
                "all, any, not, or field with lt/lte/gt/gte/eq",
            ),
        ),
        (
            "  positive: [positive]",
            "  positive: []",
            (11, "examples.positive: needs at least one positive example"),
        ),
        (
            "  negative: [negative]\n",
            "",
            (11, "examples.negative: needs at least one negative example"),
        ),
        (
            "examples:",
            "kinds: [sms]\nexamples:",
            (10, "kinds: unknown kind 'sms'; expected message, invitation, email"),
        ),
        (
            "examples:",
            "tags: [Attack.T1566]\nexamples:",
            (10, "tags.0: tag 'Attack.T1566' should be lowercase, like 'attack.t1566.003'"),
        ),
    ],
)
def test_each_problem_names_its_line(
    rule_yaml: RuleYaml, replace: str, by: str, expected: tuple[int, str]
) -> None:
    text = rule_yaml("terms: [wechat]")
    assert replace in text
    assert problems_of(text.replace(replace, by, 1)) == [expected]


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("profile.name", "a name is never a signal (fairness)"),
        ("profile.location", "a location is a proxy for nationality and is never a signal"),
        ("sender", "a sender's name is never a signal (fairness)"),
        ("name", "a name is never a signal (fairness)"),
    ],
)
def test_a_rule_may_never_read_a_name_or_a_location(
    rule_yaml: RuleYaml, field: str, reason: str
) -> None:
    # Refused wherever the field is named: as the rule's field or in a condition.
    as_rule_field = rule_yaml("terms: [li]", field=field)
    in_condition = rule_yaml(f"field: {field}\nterms: [li]")
    in_comparison = rule_yaml(f"field: {field}\neq: 1")
    message = f"field '{field}' may not be read: {reason}"
    assert problems_of(as_rule_field) == [(8, f"field: {message}")]
    assert problems_of(in_condition) == [(9, f"match.field: {message}")]
    assert problems_of(in_comparison) == [(9, f"match.field: {message}")]


def test_a_text_condition_on_a_value_field_is_refused(rule_yaml: RuleYaml) -> None:
    text = rule_yaml("field: profile.connections\nterms: [five]")
    assert problems_of(text) == [(9, "match.field: unknown text field 'profile.connections'")]


def test_missing_required_keys_are_each_named(rule_yaml: RuleYaml) -> None:
    text = (
        rule_yaml("terms: [wechat]")
        .replace("title: Test rule 1\n", "")
        .replace("weight: 1.0\n", "")
    )
    assert problems_of(text) == [
        (1, "missing required key 'title'"),
        (1, "missing required key 'weight'"),
    ]


def test_duplicate_keys_are_found_at_any_depth(rule_yaml: RuleYaml) -> None:
    text = rule_yaml("any:\n  - terms: [a]\n    terms: [b]")
    assert problems_of(text) == [(11, "duplicate key 'terms'")]


def test_a_yaml_syntax_error_names_its_line() -> None:
    assert problems_of("id: [unclosed\nname: x\n") == [(2, "YAML syntax error")]


def test_python_tags_are_refused_as_yaml_errors(rule_yaml: RuleYaml) -> None:
    text = rule_yaml("terms: [wechat]") + "author: !!python/object/apply:os.system [echo]\n"
    with pytest.raises(RuleLoadError) as info:
        load_text(text, "rules.yaml")
    assert info.value.problems == (
        Problem(
            "rules.yaml",
            13,
            "YAML syntax error: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'",
        ),
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # YAML keys and values of any type: a problem with a line, never a crash.
        ("1: one\nzeta: z\n", [(13, "1: unknown key '1'"), (14, "zeta: unknown key 'zeta'")]),
        ("3.5: x\n", [(13, "3.5: unknown key '3.5'")]),
    ],
)
def test_non_string_keys_are_reported_not_crashed_on(
    rule_yaml: RuleYaml, extra: str, expected: list[tuple[int, str]]
) -> None:
    assert problems_of(rule_yaml("terms: [wechat]") + extra) == expected


@pytest.mark.parametrize("category", ["[off_platform]", "{a: 1}", "12", "null"])
def test_a_category_of_the_wrong_type_is_a_problem(rule_yaml: RuleYaml, category: str) -> None:
    text = rule_yaml("terms: [wechat]").replace("category: off_platform", f"category: {category}")
    ((line, message),) = problems_of(text)
    assert line == 6
    assert message.startswith("category: unknown category")


def test_mixed_condition_keys_are_reported_not_crashed_on(rule_yaml: RuleYaml) -> None:
    assert problems_of(rule_yaml("1: one\nsounds_like: x")) == [
        (
            9,
            "match: unknown condition keys [1, 'sounds_like']; expected terms, near, regex, "
            "all, any, not, or field with lt/lte/gt/gte/eq",
        )
    ]


_YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.one_of(st.text(max_size=8), st.integers(), st.booleans()), inner, max_size=3
        )
    ),
    max_leaves=8,
)
_RULE_KEYS = [
    "id", "name", "title", "status", "description", "category", "weight", "field", "match",
    "kinds", "tags", "references", "falsepositives", "author", "date", "examples", "unknown",
]  # fmt: skip
_CONDITION_KEYS = ["terms", "near", "with", "within", "regex", "field", "lt", "eq", "all", "not"]


@given(st.sampled_from(_RULE_KEYS), _YAML_VALUES, st.sampled_from(_CONDITION_KEYS), _YAML_VALUES)
def test_any_value_under_any_key_gives_rules_or_problems_never_a_crash(
    key: str, value: object, condition_key: str, condition_value: object
) -> None:
    data = {
        "id": str(uuid.UUID(int=1)),
        "name": "fuzzed",
        "title": "Fuzzed",
        "status": "test",
        "description": "Fuzzed.",
        "category": "off_platform",
        "weight": 1.0,
        "match": {"terms": ["wechat"], condition_key: condition_value},
        "examples": {"positive": ["a"], "negative": ["b"]},
    }
    data[key] = value
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        rules = load_text(text, "fuzz.yaml")
    except RuleLoadError as exc:
        assert exc.problems
        assert all(p.source == "fuzz.yaml" and p.line >= 1 for p in exc.problems)
    else:
        assert [r.name for r in rules] == [data["name"]]


VALID = """\
# Two rules in one file, separated by '---'.
id: 00000000-0000-0000-0000-00000000000a
name: thin-network
title: A small network
status: stable
description: >
  Few connections.
category: profile_network
weight: 0.7
tags: [attack.t1585.001]
references: [https://example.org/guide]
falsepositives: [New members of the network]
author: Test Author
date: 2026-11-01
match:
  field: profile.connections
  lt: 50
examples:
  positive:
    - profile: {connections: 12}
  negative:
    - profile: {connections: 400}
---
id: 00000000-0000-0000-0000-00000000000b
name: asks-for-wechat
title: Asks to move to WeChat
status: experimental
description: Moves the conversation to a messaging app.
category: off_platform
weight: 1.5
kinds: [message, invitation]
match:
  terms: [WeChat, we chat, WeChat]
examples:
  positive: ["add me on WeChat"]
  negative: ["we will chat later"]
---
id: 00000000-0000-0000-0000-00000000000c
name: gmail-address
title: Writes from a web-mail address
status: test
description: A free web-mail address.
category: off_platform
weight: 1.2
match:
  regex: '[\\w.]{1,64}@gmail\\.com'
examples:
  positive: ["amy@gmail.com"]
  negative: ["amy@example.org"]
"""


def test_a_valid_multi_document_file_loads_every_rule() -> None:
    first, second, third = load_text(VALID, "pack/valid.yaml")
    assert first == Rule(
        uuid="00000000-0000-0000-0000-00000000000a",
        name="thin-network",
        title="A small network",
        status="stable",
        description="Few connections.",
        category="profile_network",
        weight=0.7,
        field="text",
        match=Compare("profile.connections", "lt", 50),
        kinds=None,
        tags=("attack.t1585.001",),
        references=("https://example.org/guide",),
        falsepositives=("New members of the network",),
        author="Test Author",
        date="2026-11-01",
        positive=(Example({"profile": {"connections": 12}}, 20),),
        negative=(Example({"profile": {"connections": 400}}, 22),),
        source="pack/valid.yaml",
        line=2,
        fields=frozenset({"profile.connections"}),
    )
    assert isinstance(second.match, Terms)
    # Terms are normalised; a repeated term is kept once.
    assert second.match == Terms(
        "text", TermSet(second.match.terms.id, "text", (("wechat",), ("we", "chat")))
    )
    assert (second.name, second.line, second.kinds) == (
        "asks-for-wechat",
        24,
        frozenset({"message", "invitation"}),
    )
    assert second.positive == (Example("add me on WeChat", 35),)
    assert isinstance(third.match, Regex)
    assert third.match.pattern.pattern == "[\\w.]{1,64}@gmail\\.com"
    assert third.match.pattern.search("Write to AMY@GMAIL.COM")  # case-insensitive
    assert third.where == "pack/valid.yaml:38"


def test_a_list_under_match_means_any(rule_yaml: RuleYaml) -> None:
    (rule,) = load_text(rule_yaml("- terms: [a]\n- regex: 'b{1,9}'"))
    assert type(rule.match).__name__ == "Any_"


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_load_paths_reads_files_and_folders(tmp_path: Path, rule_yaml: RuleYaml) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    write(pack / "b.yaml", rule_yaml("terms: [b]", number=2))
    write(pack / "a.yml", rule_yaml("terms: [a]", number=1))
    write(pack / "notes.txt", "not a rule")
    single = write(tmp_path / "single.yaml", rule_yaml("terms: [c]", number=3))
    rules = load_paths([pack, single])
    assert [(r.name, r.source) for r in rules] == [
        ("test-rule-1", str(pack / "a.yml")),
        ("test-rule-2", str(pack / "b.yaml")),
        ("test-rule-3", str(single)),
    ]


def test_load_paths_accepts_a_byte_order_mark(tmp_path: Path, rule_yaml: RuleYaml) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + rule_yaml("terms: [a]").encode())
    assert [r.name for r in load_paths([path])] == ["test-rule-1"]


def test_duplicate_ids_and_names_across_files_are_reported(
    tmp_path: Path, rule_yaml: RuleYaml
) -> None:
    first = write(tmp_path / "a.yaml", rule_yaml("terms: [a]", number=1, name="same-name"))
    second = write(
        tmp_path / "b.yaml",
        rule_yaml("terms: [b]", number=2)  # line 1: a unique rule
        + "---\n"
        + rule_yaml("terms: [c]", number=1, name="same-name"),  # line 14: both taken
    )
    with pytest.raises(RuleLoadError) as info:
        load_paths([first, second])
    uid = uuid.UUID(int=1)
    assert info.value.problems == (
        Problem(str(second), 14, f"id {uid} is also used at {first}:1"),
        Problem(str(second), 14, f"name 'same-name' is also used at {first}:1"),
    )


def test_load_paths_reports_problems_of_every_file_together(
    tmp_path: Path, rule_yaml: RuleYaml
) -> None:
    bad_weight = write(tmp_path / "a.yaml", rule_yaml("terms: [a]", weight=9))
    bad_bytes = tmp_path / "b.yaml"
    bad_bytes.write_bytes(b"name: \xff\xfe\n")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(RuleLoadError) as info:
        load_paths([bad_weight, bad_bytes, missing])
    assert [(p.source, p.line, p.message.split(":")[0]) for p in info.value.problems] == [
        (str(missing), 0, "no such rule file or folder"),
        (str(bad_weight), 7, "weight"),
        (str(bad_bytes), 0, "cannot read"),
    ]


_QUADRATIC = (
    "an unbounded repeat (*, + or {n,}) of anything but white space can take quadratic "
    "time on hostile text (a long run of digits or letters): give it a bound, like "
    "[\\d.,]{0,15} or \\w{0,30}"
)


@pytest.mark.parametrize(
    "pattern",
    [
        r"\d[\d.,]*\s?euros?",  # the pattern that took 49 s on "9.9.9..."
        r"\w+@example\.org",
        r"(?:ref|id)\s*\d{3,}",
        r"(?:a|b\w*c)d",
        r"(?=\w+x)y",
        r"[^.]*report",
    ],
)
def test_unbounded_repeats_of_more_than_white_space_are_refused(
    rule_yaml: RuleYaml, pattern: str
) -> None:
    text = rule_yaml(f"regex: '{pattern}'")
    assert problems_of(text) == [(9, f"match.regex: {_QUADRATIC}")]


@pytest.mark.parametrize(
    "pattern",
    [r"\d[\d.,]{0,15}\s*euros?", r"\.(?:lnk|hta)\s*$", r"ref\s+no[ \t]*\d{3,12}", r"a{2}b?c"],
)
def test_bounded_repeats_and_white_space_runs_are_allowed(
    rule_yaml: RuleYaml, pattern: str
) -> None:
    (rule,) = load_text(rule_yaml(f"regex: '{pattern}'"), "rules.yaml")
    assert isinstance(rule.match, Regex)


def _patterns(m: object) -> list[str]:
    if isinstance(m, Regex):
        return [m.pattern.pattern]
    children = getattr(m, "children", None) or ([m.child] if hasattr(m, "child") else [])
    return [p for c in children for p in _patterns(c)]


def test_no_shipped_pattern_has_an_unbounded_repeat() -> None:
    # The shipped pack skips this check at start-up (it costs a tenth of the start);
    # here it runs on every one of its patterns.
    patterns = [p for r in builtin_rules() for p in _patterns(r.match)]
    assert len(patterns) > 20
    assert [p for p in patterns if has_unbounded_repeat(p)] == []
