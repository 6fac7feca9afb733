from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lurewatch.textnorm import Token, norm_tokens, normalise_word, phrase, tokens

# Text that exercises every path of the tokeniser: look-alike letters, invisible
# characters, combining marks, full-width and compatibility forms, controls.
_TRICKY_CHARACTERS = [
    *"aAzZ09 _-.@\n\t\x00\x1b",
    *["é", "\u0301", "\u200b", "\u00ad", "\ufeff", "\u202e", "а", "о", "Ж", "α", "ο"],
    *["Ｗ", "ｅ", "ﬁ", "㎏", "ǅ", "ß", "İ", "²", "½", "中", "\U0001d400", "\u0f77"],
]
_TRICKY = st.text(alphabet=st.sampled_from(_TRICKY_CHARACTERS))
_ANY_TEXT = st.one_of(st.text(), _TRICKY)


@given(_ANY_TEXT)
def test_norm_tokens_equal_the_norms_of_tokens(text: str) -> None:
    assert norm_tokens(text) == [t.norm for t in tokens(text)]


@given(_ANY_TEXT)
def test_token_spans_are_non_empty_slices_of_the_input(text: str) -> None:
    for tok in tokens(text):
        assert 0 <= tok.start < tok.end <= len(text)
        assert tok.norm
        # The original slice normalises to (at least) this token.
        assert tok.norm in norm_tokens(text[tok.start : tok.end])


@given(_ANY_TEXT)
def test_normalised_tokens_are_fixed_points(text: str) -> None:
    # Rule terms and message text go through the same function; a token that
    # changed again when re-normalised could never be matched by a rule term.
    for norm in norm_tokens(text):
        assert norm_tokens(norm) == [norm]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Add me on WeChat!", ["add", "me", "on", "wechat"]),
        ("Wé\u200bChat", ["wechat"]),  # accent and a zero-width space inside the word
        ("We\u00adChat", ["wechat"]),  # soft hyphen
        ("\ufeffWeChat", ["wechat"]),  # byte-order mark glued to the word
        ("ＷｅＣｈａｔ", ["wechat"]),  # full-width letters
        ("CAFÉ Straße", ["cafe", "strasse"]),
        ("naïve résumé", ["naive", "resume"]),
        ("ﬁle", ["file"]),  # ligature
        ("WhаtsApp", ["whatsapp"]),  # Cyrillic 'а' inside a Latin word
        ("Теlеgram", ["telegram"]),  # Cyrillic 'Т' and 'е'
        ("wechat_id", ["wechat", "id"]),
        ("my_wechat__ID_", ["my", "wechat", "id"]),
        ("e-mail: a.b@gmail.com", ["e", "mail", "a", "b", "gmail", "com"]),
        ("USD 2,000", ["usd", "2", "000"]),
        ("", []),
        ("  \n\t ", []),
        ("!!! ... ???", []),
    ],
)
def test_norm_tokens_fold_case_forms_and_look_alikes(text: str, expected: list[str]) -> None:
    assert norm_tokens(text) == expected


def test_a_wholly_cyrillic_word_is_left_in_its_script() -> None:
    # "Привет" and "мама" are words in another language, not evasions: only
    # case is folded, no letter is swapped for a Latin look-alike.
    assert norm_tokens("Привет, мама") == ["привет", "мама"]
    assert norm_tokens("Ελλάδα") == ["ελλαδα"]


def test_a_mixed_script_word_folds_and_a_neighbouring_cyrillic_word_does_not() -> None:
    assert norm_tokens("WhаtsApp мама") == ["whatsapp", "мама"]


def test_tokens_keep_the_span_of_the_original_words() -> None:
    text = "Add me on Wé\u200bChat, ID: amy_88"
    assert tokens(text) == [
        Token("add", 0, 3),
        Token("me", 4, 6),
        Token("on", 7, 9),
        Token("wechat", 10, 17),
        Token("id", 19, 21),
        Token("amy", 23, 26),
        Token("88", 27, 29),
    ]
    assert text[10:17] == "Wé\u200bChat"


def test_tokens_of_an_ascii_text_quote_the_original_casing() -> None:
    text = "Contact me on TELEGRAM"
    assert [(t.norm, text[t.start : t.end]) for t in tokens(text)] == [
        ("contact", "Contact"),
        ("me", "me"),
        ("on", "on"),
        ("telegram", "TELEGRAM"),
    ]


def test_a_compatibility_character_that_expands_keeps_its_span() -> None:
    # NFKC turns "㎏" into "kg" and "½" into "1⁄2" (two numbers): every part
    # keeps the span of the one original character.
    assert tokens("x ½ y") == [
        Token("x", 0, 1),
        Token("1", 2, 3),
        Token("2", 2, 3),
        Token("y", 4, 5),
    ]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("WeChat", ("wechat",)),
        ("We Chat", ("we", "chat")),
        ("e-mail", ("e", "mail")),
        ("WhаtsApp number", ("whatsapp", "number")),
        ("...", ()),
    ],
)
def test_phrase_is_the_token_sequence_of_a_rule_term(term: str, expected: tuple[str, ...]) -> None:
    assert phrase(term) == expected


def test_normalise_word_strips_invisible_characters_from_ascii_words() -> None:
    assert normalise_word("We\u200bChat") == "wechat"
    assert normalise_word("WECHAT") == "wechat"


def _word_by_word(text: str) -> list[tuple[str, int, int]]:
    """The reference: normalise each word on its own (what the fast path must equal)."""
    import lurewatch.textnorm as t

    out: list[tuple[str, int, int]] = []
    for m in t._WORD.finditer(text):
        n = t.normalise_word(m.group())
        if n.isalnum():
            out.append((n, m.start(), m.end()))
        else:
            out.extend((p, m.start(), m.end()) for p in t._WORD.findall(n))
    return out


@given(
    st.text(
        alphabet=st.sampled_from(list("aeiouzcnAEZ éüñÉÜÑçøłßİﬁ\u0301\u200b’“”—-_ .,0123456789Жж"))
    )
)
def test_fast_paths_equal_word_by_word_normalisation(text: str) -> None:
    assert [tuple(tok) for tok in tokens(text)] == _word_by_word(text)
