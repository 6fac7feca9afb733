from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lurewatch.model import Approach, Evidence, Finding, Message, Position, Profile
from lurewatch.rules.engine import MAX_EVIDENCE, MAX_EVIDENCE_CHARS, PROFILE_ITEM, Engine
from lurewatch.rules.fields import MESSAGE_TEXT_FIELDS, PROFILE_TEXT_FIELDS
from lurewatch.rules.loader import load_text
from lurewatch.textnorm import norm_tokens, phrase

TODAY = dt.date(2026, 11, 29)
Run = Callable[..., list[Finding]]


def found(
    *evidence: Evidence, number: int = 1, category: str = "off_platform", weight: float = 1.0
) -> Finding:
    """The finding the inline rule ``number`` (see conftest) gives with this evidence."""
    return Finding(
        id=f"test-rule-{number}",
        title=f"Test rule {number}",
        category=category,
        weight=weight,
        evidence=evidence,
        detector="rules",
        rule_uuid=str(uuid.UUID(int=number)),
    )


def quote(text: str, words: str, *, nth: int = 0, field: str = "text", item: int = 0) -> Evidence:
    """Evidence quoting the ``nth`` occurrence of ``words`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    return Evidence(field=field, text=words, start=start, end=start + len(words), item=item)


def message(text: str, **kwargs: object) -> Approach:
    return Approach(messages=(Message(text=text, **kwargs),))  # type: ignore[arg-type]


# -- terms ----------------------------------------------------------------------


def test_terms_match_whole_words_only(run: Run) -> None:
    assert run("terms: [paid]", "An unpaid internship, prepaid cards, paidup") == []
    text = "They paid well."
    assert run("terms: [paid]", text) == [found(quote(text, "paid"))]


def test_a_phrase_matches_across_spacing_punctuation_and_lines(run: Run) -> None:
    text = "Add me on We  Chat. Or we-chat, or WE\nCHAT."
    assert run("terms: [we chat]", text) == [
        found(quote(text, "We  Chat"), quote(text, "we-chat"), quote(text, "WE\nCHAT"))
    ]
    assert run("terms: [we chat]", "we will chat later") == []


def test_evidence_quotes_the_exact_original_words(run: Run) -> None:
    # The rule says "whatsapp"; the sender wrote a Cyrillic 'а' and mixed case.
    text = "Please add me on WhаtsApp or ＷｅＣｈａｔ."
    findings = run("terms: [whatsapp, wechat]", text)
    assert findings == [found(quote(text, "WhаtsApp"), quote(text, "ＷｅＣｈａｔ"))]
    assert findings[0].evidence[0].text != "WhatsApp"  # the homoglyph is kept as written


def test_overlapping_quotes_are_merged(run: Run) -> None:
    text = "my wechat id is amy88"
    findings = run("any:\n  - terms: [wechat id]\n  - terms: [id]", text)
    assert findings == [found(quote(text, "wechat id"))]


# -- near -------------------------------------------------------------------------


@pytest.mark.parametrize("between", [0, 1, 2, 3])
def test_near_matches_with_up_to_within_words_between(run: Run, between: int) -> None:
    filler = " ".join(["so"] * between)
    for text in (f"add {filler} wechat", f"wechat {filler} add"):
        text = " ".join(text.split())
        assert run("near: [wechat]\nwith: [add]\nwithin: 3", text) == [found(quote(text, text))]


def test_near_does_not_match_one_word_further(run: Run) -> None:
    assert run("near: [wechat]\nwith: [add]\nwithin: 3", "add so so so so wechat") == []
    assert run("near: [wechat]\nwith: [add]\nwithin: 3", "wechat so so so so add") == []


def test_near_quotes_each_left_term_with_its_closest_partner(run: Run) -> None:
    text = "add me later. Much later: wechat add. Unrelated words here then wechat"
    assert run("near: [wechat]\nwith: [add]\nwithin: 2", text) == [found(quote(text, "wechat add"))]


def test_near_with_phrases_on_both_sides(run: Run) -> None:
    text = "Please WE CHAT me to add me there"
    assert run("near: [we chat]\nwith: [add me]\nwithin: 2", text) == [
        found(quote(text, "WE CHAT me to add me"))
    ]


def test_near_with_thousands_of_far_apart_terms(run: Run) -> None:
    # Hostile text: every left term is far from every right one. Pairing them
    # all is quadratic; this must still answer (and find nothing) at once.
    text = "wechat " * 20_000 + "filler " * 10 + "add " * 20_000
    assert run("near: [wechat]\nwith: [add]\nwithin: 3", text) == []
    text = "wechat " * 20_000 + "add " + "filler " * 20_000
    # The last four "wechat" are in reach of "add": their quotes overlap and merge.
    assert run("near: [wechat]\nwith: [add]\nwithin: 3", text) == [
        found(quote(text, "wechat wechat wechat wechat add"))
    ]


def _occurrences(toks: list[str], ph: tuple[str, ...]) -> list[tuple[int, int]]:
    n = len(ph)
    return [(i, i + n) for i in range(len(toks) - n + 1) if tuple(toks[i : i + n]) == ph]


@given(
    st.lists(st.sampled_from(["wechat", "we", "chat", "add", "add me", "me", "x"]), max_size=60),
    st.integers(1, 6),
)
def test_near_agrees_with_a_brute_force_reference(words: list[str], within: int) -> None:
    (rule,) = load_text(
        f"""\
id: {uuid.UUID(int=7)}
name: near-reference
title: Near
status: test
description: Near reference.
category: off_platform
weight: 1
match: {{near: [wechat, we chat], with: [add, add me], within: {within}}}
examples: {{positive: [a], negative: [b]}}
"""
    )
    text = " ".join(words)
    toks = norm_tokens(text)
    left = [r for p in ("wechat", "we chat") for r in _occurrences(toks, phrase(p))]
    right = [r for p in ("add", "add me") for r in _occurrences(toks, phrase(p))]
    expected = any(max(b[0] - a[1], a[0] - b[1], 0) <= within for a in left for b in right)
    findings = Engine([rule]).evaluate(message(text), TODAY)
    assert bool(findings) == expected
    for f in findings:
        assert 1 <= len(f.evidence) <= MAX_EVIDENCE
        for ev in f.evidence:
            assert text[ev.start : ev.end] == ev.text


# -- regex ------------------------------------------------------------------------


def test_regex_evidence_is_the_original_slice(run: Run) -> None:
    text = "Write to Amy.B@Gmail.com, or to amy@gmail.com if that fails."
    assert run(r"regex: '[\w.]{1,64}@gmail\.com'", text) == [
        found(quote(text, "Amy.B@Gmail.com"), quote(text, "amy@gmail.com"))
    ]


def test_a_long_quote_is_cut_but_keeps_its_span(run: Run) -> None:
    text = "x" * 500
    (finding,) = run("regex: 'x{400}'", text)
    assert finding.evidence == (
        Evidence(field="text", text="x" * MAX_EVIDENCE_CHARS, start=0, end=400, item=0),
    )


# -- comparisons ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "profile", "shown"),
    [
        ("field: profile.connections\nlt: 50", Profile(connections=12), "connections: 12"),
        ("field: profile.connections\nlt: 50", Profile(connections=50), None),
        ("field: profile.connections\nlte: 50", Profile(connections=50), "connections: 50"),
        ("field: profile.connections\nlt: 50", Profile(connections=None), None),
        ("field: profile.connections\nlt: 50", None, None),
        ("field: profile.followers\ngt: 1000", Profile(followers=1001), "followers: 1001"),
        ("field: profile.posts\neq: 0", Profile(posts=0), "posts: 0"),
        ("field: profile.posts\neq: 0", Profile(posts=3), None),
        ("field: profile.verified\neq: false", Profile(verified=False), "verified: false"),
        ("field: profile.verified\neq: false", Profile(verified=None), None),
        (
            "field: profile.company_has_page\neq: false",
            Profile(company_has_page=False),
            "company_has_page: false",
        ),
        (
            "field: profile.account_age_days\nlt: 90",
            Profile(joined=TODAY - dt.timedelta(days=30)),
            "account_age_days: 30",
        ),
        ("field: profile.account_age_days\nlt: 90", Profile(joined=dt.date(2020, 1, 1)), None),
        ("field: profile.account_age_days\nlt: 90", Profile(), None),
        ("field: profile.positions\neq: 0", Profile(experience=[]), "positions: 0"),
        ("field: profile.positions\neq: 0", Profile(experience=None), None),
        (
            "field: profile.positions\ngte: 2",
            Profile(experience=[Position(title="CEO"), Position(title="Intern")]),
            "positions: 2",
        ),
        ("field: profile.education_entries\neq: 0", Profile(education=[]), "education_entries: 0"),
    ],
)
def test_comparisons_on_profile_values(
    run: Run, condition: str, profile: Profile | None, shown: str | None
) -> None:
    field = condition.split()[1]
    expected = (
        []
        if shown is None
        else [found(Evidence(field=field, text=shown, start=0, end=0, item=PROFILE_ITEM))]
    )
    assert run(condition, profile=profile) == expected


# -- all / any / not -------------------------------------------------------------------

COMBINED = """\
all:
  - terms: [wechat]
  - any:
      - terms: [paid]
      - terms: [report]
  - not:
      terms: [colleague]
"""


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("add me on wechat for a paid report", ["wechat", "paid", "report"]),
        ("add me on wechat for the report", ["wechat", "report"]),
        ("add me on wechat", None),  # any: neither branch
        ("a paid report", None),  # all: no wechat
        ("my colleague asked: add me on wechat for a paid report", None),  # not
    ],
)
def test_all_any_not(run: Run, text: str, quoted: list[str] | None) -> None:
    expected = [] if quoted is None else [found(*(quote(text, w) for w in quoted))]
    assert run(COMBINED, text) == expected


def test_a_rule_on_message_text_and_profile_values(run: Run) -> None:
    condition = "all:\n  - terms: [consultancy]\n  - field: profile.connections\n    lt: 50"
    text = "A paid consultancy"
    approach = Approach(messages=(Message(text=text),), profile=Profile(connections=7))
    assert run(condition, approach=approach) == [
        found(
            Evidence(field="profile.connections", text="connections: 7", item=PROFILE_ITEM),
            quote(text, "consultancy"),
        )
    ]
    assert run(condition, text) == []  # no profile: the value is unknown


# -- fields, kinds and messages --------------------------------------------------------


def test_kinds_restrict_a_rule_to_those_messages(run: Run) -> None:
    text = "add me on wechat"
    rule = "terms: [wechat]"
    assert run(rule, approach=message(text, kind="message"), kinds=["invitation"]) == []
    assert run(rule, approach=message(text, kind="invitation"), kinds=["invitation"]) == [
        found(quote(text, "wechat"))
    ]
    assert run(rule, approach=message(text, kind="email"), kinds=["invitation", "email"]) == [
        found(quote(text, "wechat"))
    ]


def test_each_message_is_read_and_its_index_kept(run: Run) -> None:
    texts = ("Hello there.", "Add me on WeChat.", "My WeChat ID, WeChat is easier")
    approach = Approach(messages=tuple(Message(text=t) for t in texts))
    assert run("terms: [wechat]", approach=approach) == [
        found(
            quote(texts[1], "WeChat", item=1),
            quote(texts[2], "WeChat", item=2),
            quote(texts[2], "WeChat", nth=1, item=2),
        )
    ]


def test_at_most_five_quotes_per_finding(run: Run) -> None:
    text = " ".join(["wechat"] * 12)
    (finding,) = run("terms: [wechat]", text)
    assert finding.evidence == tuple(
        Evidence(field="text", text="wechat", start=7 * i, end=7 * i + 6) for i in range(5)
    )
    approach = Approach(messages=(Message(text="wechat wechat wechat"),) * 3)
    (finding,) = run("terms: [wechat]", approach=approach)
    assert [(e.item, e.start) for e in finding.evidence] == [
        (0, 0),
        (0, 7),
        (0, 14),
        (1, 0),
        (1, 7),
    ]


def test_subject_and_attachments_are_their_own_fields(run: Run) -> None:
    msg = Message(text="see attached", subject="URGENT offer", attachments=("cv.docm", "a.pdf"))
    approach = Approach(messages=(msg,))
    assert run("terms: [urgent]", approach=approach, field="subject") == [
        found(Evidence(field="subject", text="URGENT", start=0, end=6))
    ]
    assert run("terms: [docm]", approach=approach, field="attachments") == [
        found(Evidence(field="attachments", text="docm", start=3, end=7))
    ]
    assert run("terms: [urgent]", approach=approach) == []  # the body does not say it


def test_a_profile_text_rule_is_read_once_however_many_messages(run: Run) -> None:
    profile = Profile(about="Global headhunter and consultancy")
    approach = Approach(messages=(Message(text="hi"), Message(text="hello")), profile=profile)
    expected = [
        found(
            Evidence(field="profile.about", text="headhunter", start=7, end=17, item=PROFILE_ITEM)
        )
    ]
    assert run("terms: [headhunter]", approach=approach, field="profile.about") == expected
    no_messages = Approach(profile=profile)
    assert run("terms: [headhunter]", approach=no_messages, field="profile.about") == expected


def test_evaluate_can_run_a_subset_of_the_pack(make_rule: Callable[..., object]) -> None:
    first = make_rule("terms: [wechat]", number=1)
    second = make_rule("terms: [wechat]", number=2)
    engine = Engine([first, second])  # type: ignore[list-item]
    approach = message("wechat")
    assert [f.id for f in engine.evaluate(approach, TODAY)] == ["test-rule-1", "test-rule-2"]
    assert [f.id for f in engine.evaluate(approach, TODAY, rules=[second])] == ["test-rule-2"]  # type: ignore[list-item]


def test_findings_carry_the_rule_metadata(make_rule: Callable[..., object]) -> None:
    rule = make_rule("terms: [wechat]", category="access", weight=2.5)
    (finding,) = Engine([rule]).evaluate(message("wechat"), TODAY)  # type: ignore[list-item]
    assert finding == found(
        Evidence(field="text", text="wechat", start=0, end=6), category="access", weight=2.5
    )


# -- fuzzing ----------------------------------------------------------------------

FUZZ_PACK = "---\n".join(
    [
        "id: 00000000-0000-0000-0000-0000000000f1\nname: f1\ntitle: T\nstatus: test\n"
        "description: D\ncategory: off_platform\nweight: 1\n"
        "match: {terms: [wechat, we chat, whatsapp, '500', e mail, ж, ﬁle]}\n"
        "examples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f2\nname: f2\ntitle: T\nstatus: test\n"
        "description: D\ncategory: money_for_information\nweight: 1\n"
        "match: {near: [paid, pay, we chat], with: [report, insight, add me], within: 2}\n"
        "examples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f3\nname: f3\ntitle: T\nstatus: test\n"
        "description: D\ncategory: off_platform\nweight: 1\n"
        "match: {regex: '[\\w.+-]{1,64}@[\\w-]{1,63}\\.\\w{2,24}'}\n"
        "examples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f4\nname: f4\ntitle: T\nstatus: test\n"
        "description: D\ncategory: urgency\nweight: 1\nfield: subject\n"
        "match: {any: [{regex: 'urgent|asap'}, {terms: [now]}]}\n"
        "examples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f5\nname: f5\ntitle: T\nstatus: test\n"
        "description: D\ncategory: malicious_file\nweight: 1\nfield: attachments\n"
        "match: {terms: [docm, xlsm]}\nexamples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f6\nname: f6\ntitle: T\nstatus: test\n"
        "description: D\ncategory: profile_employer\nweight: 1\n"
        "match: {all: [{field: profile.headline, terms: [headhunter, ceo]},"
        " {field: profile.connections, lt: 100}]}\n"
        "examples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f7\nname: f7\ntitle: T\nstatus: test\n"
        "description: D\ncategory: profile_history\nweight: 1\n"
        "match: {any: [{field: profile.experience, terms: [ceo, founder]},"
        " {field: profile.about, near: [consultancy], with: [paid], within: 5},"
        " {field: profile.websites, regex: 'https?://\\S{1,200}'}]}\n"
        "examples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f8\nname: f8\ntitle: T\nstatus: test\n"
        "description: D\ncategory: secrecy\nweight: 1\n"
        "match: {all: [{terms: [secret, confidential]}, {not: {terms: [nda]}},"
        " {not: {field: profile.verified, eq: true}}]}\n"
        "examples: {positive: [a], negative: [b]}\n",
        "id: 00000000-0000-0000-0000-0000000000f9\nname: f9\ntitle: T\nstatus: test\n"
        "description: D\ncategory: profile_new_account\nweight: 1\n"
        "match: {field: profile.account_age_days, lt: 90}\n"
        "examples: {positive: [a], negative: [b]}\n",
    ]
)
FUZZ_ENGINE = Engine(load_text(FUZZ_PACK, "fuzz.yaml"))

_WORDS = [
    "wechat", "WeChat", "WhаtsApp", "Wé\u200bChat", "ＷｅＣｈａｔ", "we", "chat", "paid", "pay",
    "report", "insight", "add", "me", "500", "e-mail", "a.b@gmail.com", "ж", "ﬁle", "㎏", "½",
    "secret", "nda", "now", "URGENT", "docm", "headhunter", "CEO", "consultancy", "ǅ", "İ",
]  # fmt: skip
_SEPARATORS = [" ", "  ", "\n", "_", "-", ".", "@", "\u202e", "\x00", "\x1b[31m", "\u200b", ""]
_WORDY = st.lists(
    st.tuples(st.sampled_from(_WORDS) | st.text(max_size=4), st.sampled_from(_SEPARATORS)),
    max_size=60,
).map(lambda parts: "".join(w + s for w, s in parts))
_LONG_TOKEN = st.builds(lambda c, n: c * n, st.characters(), st.integers(300, 5000))
_HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),  # surrogate-free, incl. controls
    _WORDY,
    st.builds(lambda a, b, c: a + b + c, _WORDY, _LONG_TOKEN, _WORDY),
)


def _field_text(approach: Approach, ev: Evidence) -> str | None:
    if ev.item != PROFILE_ITEM:
        return MESSAGE_TEXT_FIELDS[ev.field](approach.messages[ev.item])
    if ev.field in PROFILE_TEXT_FIELDS:
        assert approach.profile is not None
        return PROFILE_TEXT_FIELDS[ev.field](approach.profile)
    return None  # a profile value: quoted as "name: value", no span


def _check_evidence(approach: Approach, findings: list[Finding]) -> None:
    for f in findings:
        assert len(f.evidence) <= MAX_EVIDENCE
        for ev in f.evidence:
            text = _field_text(approach, ev)
            if text is None:
                assert (ev.start, ev.end) == (0, 0)
                continue
            assert 0 <= ev.start <= ev.end <= len(text)
            if ev.end - ev.start <= MAX_EVIDENCE_CHARS:
                assert text[ev.start : ev.end] == ev.text
            else:
                assert ev.text == text[ev.start : ev.start + MAX_EVIDENCE_CHARS]


@given(_HOSTILE)
def test_fuzz_any_message_text_gives_exact_evidence(text: str) -> None:
    approach = message(text)
    _check_evidence(approach, FUZZ_ENGINE.evaluate(approach, TODAY))


@given(
    st.lists(
        st.builds(
            Message,
            text=_HOSTILE,
            kind=st.sampled_from(["message", "invitation", "email"]),
            subject=_HOSTILE,
            attachments=st.lists(_WORDY, max_size=3).map(tuple),
        ),
        max_size=3,
    ).map(tuple),
    st.none()
    | st.builds(
        Profile,
        headline=_HOSTILE,
        about=_HOSTILE,
        connections=st.none() | st.integers(0, 10**9),
        verified=st.none() | st.booleans(),
        joined=st.none() | st.dates(),
        experience=st.none()
        | st.lists(st.builds(Position, title=_WORDY, company=_WORDY, description=_HOSTILE)),
        websites=st.none() | st.lists(_HOSTILE, max_size=3),
    ),
)
def test_fuzz_any_approach_gives_exact_evidence(
    messages: tuple[Message, ...], profile: Profile | None
) -> None:
    approach = Approach(messages=messages, profile=profile)
    _check_evidence(approach, FUZZ_ENGINE.evaluate(approach, TODAY))
