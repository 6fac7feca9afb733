"""Show an assessment to a person (terminal) or a program (JSON).

The sender wrote the text we display. Nothing they wrote is ever interpreted:
rich markup is not parsed (we build ``Text`` objects), and control characters
and bidirectional overrides, which could rewrite the terminal or disguise
words, are replaced by visible placeholders.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import msgspec

from lurewatch.model import Assessment, Evidence, Level

if TYPE_CHECKING:  # rich is imported only when something is drawn (JSON output skips it)
    from rich.console import Console
    from rich.text import Text

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_STYLE = {
    Level.HIGH: "bold white on red",
    Level.MEDIUM: "bold black on yellow",
    Level.LOW: "bold white on green",
}
_EXCERPT = 1200


def display_safe(text: str) -> str:
    """Text with control and direction-override characters made visible."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _evidence_text(ev: Evidence) -> Text:
    from rich.text import Text

    out = Text()
    out.append("“" + display_safe(" ".join(ev.text.split())) + "”", style="bold")
    if ev.field != "text":
        out.append(f"  ({ev.field})", style="dim")
    return out


def _highlighted(text: str, evidence: list[Evidence]) -> Text:
    """The start of the message with every piece of evidence highlighted."""
    from rich.text import Text

    spans = sorted(
        (e.start, e.end) for e in evidence if e.field == "text" and e.item == 0 and e.end > e.start
    )
    limit = min(len(text), _EXCERPT)
    if spans and spans[0][0] >= limit:
        limit = min(len(text), spans[0][1] + 200)
    body = Text()
    pos = 0
    for start, end in spans:
        if start >= limit:
            break
        if start < pos:
            start = pos
        if start >= end:
            continue
        body.append(display_safe(text[pos:start]))
        body.append(display_safe(text[start : min(end, limit)]), style="reverse yellow")
        pos = min(end, limit)
    body.append(display_safe(text[pos:limit]))
    if limit < len(text):
        body.append(f" … [{len(text) - limit:,} more characters]", style="dim")
    return body


def render_terminal(
    console: Console, result: Assessment, text: str | None, notes: tuple[str, ...] = ()
) -> None:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    level = result.level
    head = Text()
    head.append(f" {level.value.upper()} ", style=_STYLE[level])
    head.append(f"  risk score {result.score}/100", style="bold")
    head.append("   a rating with reasons, not an accusation", style="dim")
    parts: list[Any] = [head]

    if result.findings:
        table = Table(show_header=True, header_style="bold", expand=True, box=None)
        table.add_column("Reason", ratio=3)
        table.add_column("Weight", justify="right", width=6)
        table.add_column("What was written", ratio=4)
        for f in result.findings:
            reason = Text(f.title)
            ev = Text("\n").join(_evidence_text(e) for e in f.evidence[:3])
            table.add_row(reason, f"{f.weight:+.1f}", ev)
        parts.append(table)
    else:
        parts.append(Text("No red flags found."))

    if text:
        all_ev = [e for f in result.findings for e in f.evidence]
        parts.append(Panel(_highlighted(text, all_ev), title="Message", title_align="left"))

    advice = Text()
    for i, line in enumerate(result.advice):
        advice.append(("\n" if i else "") + "• " + line)
    parts.append(Panel(advice, title="What to do now", title_align="left"))
    for note in notes:
        parts.append(Text("note: " + note, style="dim"))
    console.print(Group(*parts))


def to_json(result: Assessment, notes: tuple[str, ...] = ()) -> bytes:
    data: dict[str, Any] = msgspec.to_builtins(result)
    data["notes"] = list(result.notes) + list(notes)
    return msgspec.json.format(msgspec.json.encode(data), indent=2)
