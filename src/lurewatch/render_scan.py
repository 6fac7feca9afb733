"""Scan results for people (a ranked table) and programs (JSON, CSV).

Names, excerpts and evidence were written by whoever approached the owner.
The table draws them as plain text with control characters neutralised; the
CSV neutralises cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import msgspec

from lurewatch.render import display_safe
from lurewatch.scan import ScanContact, ScanResult

if TYPE_CHECKING:
    from rich.console import Console

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_COLUMNS = (
    "level",
    "score",
    "name",
    "profile_url",
    "company",
    "position",
    "first_contact",
    "last_contact",
    "items",
    "reasons",
    "evidence",
    "context",
)


def scan_json(result: ScanResult) -> bytes:
    data: dict[str, Any] = msgspec.to_builtins(result)
    return msgspec.json.format(msgspec.json.encode(data), indent=2)


def csv_safe(value: object) -> str:
    """A cell that a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _row(c: ScanContact) -> list[str]:
    reasons = "; ".join(f.title for f in c.findings)
    evidence = " | ".join(
        dict.fromkeys(" ".join(e.text.split()) for f in c.findings for e in f.evidence[:2])
    )
    values: list[object] = [
        c.level.value,
        c.score,
        c.name,
        c.profile_url,
        c.company,
        c.position,
        c.first_contact,
        c.last_contact,
        c.item_count,
        reasons,
        evidence,
        " ".join(c.context),
    ]
    return [csv_safe(v) for v in values]


def scan_csv(result: ScanResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in result.contacts:
        writer.writerow(_row(c))
    return out.getvalue()


def render_scan_table(console: Console, result: ScanResult, *, shown: int = 50) -> None:
    from rich.table import Table
    from rich.text import Text

    s = result.summary
    head = Text()
    head.append(f"{s.counterparties} people wrote to you", style="bold")
    head.append(
        f"  ({s.incoming_messages:,} messages, {s.incoming_invitations:,} invitations; "
        f"{s.by_level.get('high', 0)} high, {s.by_level.get('medium', 0)} medium). "
        "Ratings with reasons, not accusations.",
        style="dim",
    )
    console.print(head)
    table = Table(show_lines=True, expand=True)
    table.add_column("Rating", width=8)
    table.add_column("Who", ratio=2)
    table.add_column("Why", ratio=4)
    table.add_column("What they wrote", ratio=4)
    styles = {"high": "bold white on red", "medium": "bold black on yellow", "low": "green"}
    for c in result.contacts[:shown]:
        rating = Text(f"{c.level.value.upper()}\n{c.score}", style=styles[c.level.value])
        who = Text(display_safe(c.name), style="bold")
        if c.position or c.company:
            who.append("\n" + display_safe(" at ".join(x for x in (c.position, c.company) if x)))
        who.append(f"\n{c.item_count} item{'s' if c.item_count != 1 else ''}", style="dim")
        why = Text("\n".join(f"{f.weight:+.1f} {f.title}" for f in c.findings[:6]) or "-")
        for line in c.context:
            why.append("\n" + line, style="italic")
        shown_quotes = dict.fromkeys(
            " ".join(e.text.split()) for f in c.findings[:6] for e in f.evidence[:1]
        )
        quotes = Text("\n".join(f"“{display_safe(q)}”" for q in list(shown_quotes)[:4]))
        table.add_row(rating, who, why, quotes)
    console.print(table)
    if len(result.contacts) > shown:
        console.print(
            Text(
                f"… and {len(result.contacts) - shown} more (use --format json, csv or html "
                "for everyone, or --min-level to filter).",
                style="dim",
            )
        )
    for note in s.skipped:
        console.print(Text("skipped: " + display_safe(note), style="yellow"))
