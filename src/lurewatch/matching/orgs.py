"""Compare organisation names: "BR-YR Executive Search", "BRYR", "BP-YR Ltd".

The *core* of a name is what is left after dropping legal suffixes and the
generic words of the trade ("executive", "search", "consulting", ...) and
closing up the rest: "BR-YR Executive Search Ltd." and "BR YR" both have the
core ``bryr``. Cores that are equal, or one keystroke apart when long enough,
agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

LEGAL = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "llp",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "bv",
        "nv",
        "pte",
        "pty",
        "group",
        "holdings",
        "holding",
        "international",
        "intl",
        "global",
    ]
)
GENERIC = frozenset(
    (
        "executive search consulting consultancy consultants consultant partners partner "
        "associates advisory advisors advisers management services solutions recruitment "
        "recruiting talent hr human resources headhunting headhunter headhunters agency the "
        "and of for centre center institute union network research studies strategic "
        "strategy exchange exchanges development policy think tank forum foundation"
    ).split()
)


@lru_cache(maxsize=131_072)
def words(name: str) -> tuple[str, ...]:
    n = unicodedata.normalize("NFKD", name)
    n = "".join(c for c in n if not unicodedata.combining(c)).casefold().replace("&", " and ")
    return tuple(w for w in re.split(r"[^\w]+", n) if w)


@lru_cache(maxsize=131_072)
def _named(name: str) -> tuple[str, ...]:
    """The words of a name without its legal forms ("Ltd", "SA", "Co").

    A word joined to another by a hyphen, slash or full stop belongs to the name
    itself and is kept: "SA" in "BR-SA Executive Search", "CO" in "CO-SA Talent".
    Dropping it would leave "br", or only the trade words, as the whole name.
    """
    n = unicodedata.normalize("NFKD", name)
    n = "".join(c for c in n if not unicodedata.combining(c)).casefold().replace("&", " and ")
    out: list[str] = []
    for chunk in n.split():
        parts = [w for w in re.split(r"[^\w]+", chunk) if w]
        if len(parts) == 1 and parts[0] in LEGAL:
            continue
        out.extend(parts)
    return tuple(out)


@lru_cache(maxsize=131_072)
def core(name: str) -> str:
    """The distinctive part of an organisation name, closed up ("" if none)."""
    ws = _named(name)
    distinctive = [w for w in ws if w not in GENERIC]
    return "".join(distinctive or ws)


@lru_cache(maxsize=131_072)
def closed(name: str) -> str:
    """Every word but legal forms, closed up: "Internship Union" -> "internshipunion"."""
    return "".join(_named(name))


@dataclass(frozen=True, slots=True)
class OrgAgreement:
    strength: float
    how: str


def _typo_allowed(name: str, c: str) -> bool:
    """Long cores may differ by a keystroke; a four-letter one only if built of initials
    ("BR-YR" -> "bryr"), since short real words ("Acme", "Acne") differ by one letter."""
    if len(c) >= 5:
        return True
    distinctive = [w for w in _named(name) if w not in GENERIC]
    return len(c) == 4 and len(distinctive) >= 2


def compare(a: str, b: str) -> OrgAgreement | None:
    ca, cb = core(a), core(b)
    if not ca or not cb:
        return None
    if ca == cb or closed(a) == closed(b) or closed(a) == cb or ca == closed(b):
        return OrgAgreement(1.0, "same organisation")
    if _typo_allowed(a, ca) and _typo_allowed(b, cb) and Levenshtein.distance(ca, cb) <= 1:
        return OrgAgreement(0.9, "same organisation, one letter apart (a misprint?)")
    if min(len(ca), len(cb)) >= 8 and Levenshtein.normalized_similarity(ca, cb) >= 0.85:
        return OrgAgreement(0.85, "near-identical organisation name")
    return None
