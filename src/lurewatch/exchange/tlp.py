"""TLP 2.0 labels as other formats write them; always by name, never by number."""

from __future__ import annotations

from lurewatch.model import TLP_LABELS

# What follows "TLP:" (or "tlp:" in MISP tags), folded. TLP 2.0 renamed WHITE to CLEAR.
TLP_WORDS: dict[str, str] = {
    "clear": "TLP:CLEAR",
    "white": "TLP:CLEAR",
    "green": "TLP:GREEN",
    "amber": "TLP:AMBER",
    "amber+strict": "TLP:AMBER+STRICT",
    "red": "TLP:RED",
}


def tlp_from_word(word: str) -> str | None:
    """``amber+strict``, ``TLP:Amber+Strict``, ``tlp:white`` -> the TLP 2.0 label, else None."""
    w = "".join(word.split()).casefold().removeprefix("tlp:")
    return TLP_WORDS.get(w)


def stricter(a: str, b: str) -> str:
    """The more restrictive of two TLP 2.0 labels (their order in ``TLP_LABELS``)."""
    return a if TLP_LABELS.index(a) >= TLP_LABELS.index(b) else b


def strictest(labels: list[str]) -> str | None:
    """The most restrictive label of several, or None for none."""
    if not labels:
        return None
    level = labels[0]
    for label in labels[1:]:
        level = stricter(level, label)
    return level
