"""What to do next, in plain words, for a rating and its findings."""

from __future__ import annotations

from collections.abc import Iterable

from lurewatch.categories import CATEGORIES
from lurewatch.model import Level

_OPENING = {
    Level.HIGH: "Do not reply, accept the invitation or click any link yet.",
    Level.MEDIUM: "Pause before replying: check who this really is through a channel you "
    "find yourself (the organisation's own website or switchboard), not one they give you.",
    Level.LOW: "No strong signs of a recruitment approach were found. Stay alert if the "
    "conversation turns to money, your access, or another app.",
}


def advise(
    level: Level, categories: Iterable[str], contact: str, *, engaged: bool = False
) -> tuple[str, ...]:
    """Advice lines: the opening for the level, one per category found, then reporting.

    ``engaged`` says the person has already replied or sent something: the advice
    then asks them to stop and tell the security office what was shared.
    """
    lines = [_OPENING[level]]
    if engaged and level is not Level.LOW:
        lines.append(
            "You have already been in touch: stop replying, and tell the security office "
            "what you have sent or said. You are not in trouble for reporting it."
        )
    seen: set[str] = set()
    for cat in categories:
        text = CATEGORIES[cat].advice if cat in CATEGORIES else ""
        if text and text not in seen:
            seen.add(text)
            lines.append(text)
    if level is not Level.LOW:
        lines.append("Keep the message: do not delete it or block the sender before reporting.")
        lines.append(f"Report it to {contact}.")
    else:
        lines.append(f"If something still feels wrong, you can report it to {contact}.")
    return tuple(lines)
