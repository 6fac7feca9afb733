"""Tokens for matching, normalised the same way for rule terms and hostile text.

Normalisation folds case (``casefold``), compatibility forms (NFKC: full-width
letters, ligatures), diacritics, invisible characters placed inside words
(zero-width spaces, soft hyphens) and, inside a token that mixes Latin with
Cyrillic or Greek letters, look-alike letters (``WhаtsApp`` with a Cyrillic
``а``). A token that is wholly Cyrillic or Greek is left as it is: a word in
another script is not an evasion.

Every token keeps its span in the original text so evidence can quote the
exact words that were written.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple, cast

# Letters and digits; underscores separate (``wechat_id`` -> ``wechat``, ``id``).
# Combining marks and invisible format characters stay inside a token so that
# ``We\u200bChat`` is one word.
_INVISIBLE = "\u00ad\u034f\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f" + _INVISIBLE + r"])+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# The same, captured: ``split`` then gives separators and tokens in turn, whose
# lengths add up to every token's offsets without a match object per token.
_ASCII_SPLIT = re.compile(r"([a-z0-9]+)")
_STRIP_INVISIBLE = {ord(c): None for c in _INVISIBLE}
# A word character outside ASCII, a combining mark or an invisible character: text
# without any of these tokenises exactly like ASCII text (curly quotes, dashes and
# non-breaking spaces are separators either way).
_NEEDS_FOLDING = re.compile(r"[^\W\x00-\x7f]|[\u0300-\u036f" + _INVISIBLE + r"]")

# Cyrillic and Greek letters that render like Latin ones.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
    }
)  # fmt: skip


class Token(NamedTuple):
    norm: str
    start: int
    end: int


def _is_latin(ch: str) -> bool:
    return "a" <= ch <= "z"


@lru_cache(maxsize=65_536)  # the same accented names and words recur message after message
def normalise_word(word: str) -> str:
    """Normalise one word the way tokens are normalised."""
    w = word.translate(_STRIP_INVISIBLE)
    if not w.isascii():
        w = unicodedata.normalize("NFKD", w)
        w = "".join(c for c in w if not unicodedata.combining(c))
        w = unicodedata.normalize("NFKC", w).casefold()
        if any(_is_latin(c) for c in w) and not w.isascii():
            w = w.translate(_HOMOGLYPHS)
    else:
        w = w.lower()
    return w


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=4096)
def _fold_run(run: str) -> str | None:
    """A run of non-ASCII characters folded character for character, or None.

    Each character must become exactly one character that is not a word character
    outside ASCII: a Latin letter with accents its ASCII letter ("é" -> "e"),
    punctuation itself. Combining marks, invisible characters, other scripts and
    ligatures give None.
    """
    out = []
    for ch in run:
        if _COMBINING.match(ch) is not None:
            return None  # a loose mark would shift offsets once removed
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", ch)).lower()
        if len(folded) != 1 or _NEEDS_FOLDING.match(folded) is not None:
            return None
        out.append(folded)
    return "".join(out)


@lru_cache(maxsize=8)  # tokens and then spans of the same text: fold it once
def _ascii_words(text: str) -> str | None:
    """The text lower-cased, with accents removed, *character for character*; or None.

    When every word character is an ASCII letter or digit, or a Latin letter with
    accents that decomposes to one ASCII letter plus marks ("é", "ü", "ñ"), the
    ASCII tokeniser on this string gives the same tokens, at the same offsets,
    as normalising word by word, only much faster. Anything else (other
    scripts, ligatures, invisible characters, loose combining marks) is None.
    Only the runs of non-ASCII characters are looked at (each distinct run once).
    """
    if text.isascii():
        return text.lower()
    runs = _NON_ASCII.findall(text)
    folded = [_fold_run(r) for r in runs]
    if None in folded:
        return None
    if folded == runs:  # punctuation only: curly quotes, dashes, spaces
        return text.lower()
    replacement = iter(cast("list[str]", folded))
    return _NON_ASCII.sub(lambda _: next(replacement), text).lower()


def norm_tokens(text: str) -> list[str]:
    """Normalised tokens without positions (the fast path for term lookups)."""
    fast = _ascii_words(text)
    if fast is not None:
        return _ASCII_WORD.findall(fast)
    out: list[str] = []
    append = out.append
    for w in _WORD.findall(text):
        if w.isascii():
            append(w.lower())
            continue
        n = normalise_word(w)
        if n.isalnum():
            append(n)
        else:
            out.extend(_WORD.findall(n))
    return out


def norm_tokens_with_parts(text: str) -> tuple[list[str], list[str] | None]:
    """:func:`norm_tokens`, plus what :func:`spans_from_parts` needs to place them.

    For text on the fast path, the second value is the folded text split into
    separators and tokens in turn; otherwise None (use :func:`token_spans`).
    """
    fast = _ascii_words(text)
    if fast is None:
        return norm_tokens(text), None
    parts = _ASCII_SPLIT.split(fast)
    return parts[1::2], parts


def spans_from_parts(parts: list[str]) -> list[tuple[int, int]]:
    """Token spans from :func:`norm_tokens_with_parts`'s parts (separator, token, ...)."""
    ends = list(accumulate(map(len, parts)))
    return list(zip(ends[0::2], ends[1::2], strict=False))


def tokens(text: str) -> list[Token]:
    """Tokens with their spans in ``text``; same sequence as :func:`norm_tokens`."""
    fast = _ascii_words(text)
    if fast is not None:
        return [Token(m.group(), m.start(), m.end()) for m in _ASCII_WORD.finditer(fast)]
    out: list[Token] = []
    append = out.append
    for m in _WORD.finditer(text):
        w = m.group()
        if w.isascii():  # most words of mostly-English text: no folding needed
            append(Token(w.lower(), m.start(), m.end()))
            continue
        n = normalise_word(w)
        # NFKC can expand one character into several words' worth (e.g. "㎏"):
        # split again so phrase matching sees the same shape as the rule terms.
        if n.isalnum():
            append(Token(n, m.start(), m.end()))
        else:
            out.extend(Token(part, m.start(), m.end()) for part in _WORD.findall(n))
    return out


def token_spans(text: str) -> list[tuple[int, int]]:
    """Just the spans of :func:`tokens` (cheaper for ASCII text)."""
    fast = _ascii_words(text)
    if fast is not None:
        return [m.span() for m in _ASCII_WORD.finditer(fast)]
    return [(t.start, t.end) for t in tokens(text)]


def phrase(term: str) -> tuple[str, ...]:
    """A rule term as the token sequence it must match."""
    return tuple(norm_tokens(term))
