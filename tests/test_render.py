from __future__ import annotations

import io

import msgspec
import pytest
from rich.console import Console

from lurewatch.model import Assessment, Contribution, Evidence, Finding, Level
from lurewatch.render import display_safe, render_terminal, to_json


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "\\u001b[31mred\\u001b[0m"),  # ANSI colour
        ("\x1b]0;owned\x07", "\\u001b]0;owned\\u0007"),  # set the terminal title
        ("ding\x07", "ding\\u0007"),  # bell
        ("\x9b2J", "\\u009b2J"),  # 8-bit control sequence introducer
        ("pay\u202egnp.exe", "pay\\u202egnp.exe"),  # right-to-left override
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("a\u200eb\u200fc", "a\\u200eb\\u200fc"),  # direction marks
        ("back\bspace\rreturn\x7f", "back\\u0008space\\u000dreturn\\u007f"),
        ("lines\nand\ttabs stay", "lines\nand\ttabs stay"),
        ("WeChat 微信 WhаtsApp", "WeChat 微信 WhаtsApp"),
    ],
)
def test_display_safe_neutralises_terminal_and_direction_controls(text: str, shown: str) -> None:
    assert display_safe(text) == shown


HOSTILE = "Hello [bold red]x[/] \x1b[31mred\x1b[0m ding\x07 pay\u202egnp.exe, add me on WeChat"


def assessment(text: str) -> Assessment:
    wechat = text.index("WeChat")
    markup = text.index("[bold red]")
    return Assessment(
        level=Level.HIGH,
        score=95,
        logit=2.9,
        findings=(
            Finding(
                id="offplatform-messenger",
                title="Asks to continue on a messaging app",
                category="off_platform",
                weight=1.5,
                evidence=(
                    Evidence(field="text", text="WeChat", start=wechat, end=wechat + 6),
                    Evidence(field="text", text="[bold red]x[/]", start=markup, end=markup + 14),
                ),
            ),
        ),
        contributions=(
            Contribution(category="off_platform", weight=1.5, findings=("offplatform-messenger",)),
        ),
        advice=("Do not reply.", "Report it to [Security] office."),
    )


def rendered(result: Assessment, text: str | None, notes: tuple[str, ...] = ()) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    render_terminal(console, result, text, notes)
    return console.export_text()


def test_hostile_text_is_shown_literally_never_interpreted() -> None:
    out = rendered(assessment(HOSTILE), HOSTILE, notes=("1 byte [was] replaced",))
    assert "[bold red]x[/]" in out  # rich markup printed as written
    assert "“[bold red]x[/]”" in out  # also in the evidence column
    assert "\\u001b[31mred\\u001b[0m" in out
    assert "ding\\u0007" in out
    assert "pay\\u202egnp.exe" in out
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in out
    assert "Report it to [Security] office." in out
    assert "note: 1 byte [was] replaced" in out


def test_the_rating_and_reasons_are_shown() -> None:
    out = rendered(assessment(HOSTILE), HOSTILE)
    assert " HIGH " in out
    assert "risk score 95/100" in out
    assert "Asks to continue on a messaging app" in out
    assert "+1.5" in out
    assert "“WeChat”" in out


def test_no_findings_says_so() -> None:
    result = Assessment(
        level=Level.LOW, score=2, logit=-4.0, findings=(), contributions=(), advice=("Stay alert.",)
    )
    out = rendered(result, "Thanks for the talk yesterday.")
    assert " LOW " in out
    assert "No red flags found." in out
    assert "Thanks for the talk yesterday." in out


def test_a_long_message_is_cut_and_says_how_much_is_left() -> None:
    text = "word " * 1000
    result = Assessment(
        level=Level.LOW, score=2, logit=-4.0, findings=(), contributions=(), advice=()
    )
    out = rendered(result, text)
    assert "more characters]" in out
    assert out.count("word") < 1000


def test_json_output_is_the_whole_assessment_plus_notes() -> None:
    result = assessment(HOSTILE)
    data = msgspec.json.decode(to_json(result, ("a note",)))
    assert data == {
        "level": "high",
        "score": 95,
        "logit": 2.9,
        "findings": [
            {
                "id": "offplatform-messenger",
                "title": "Asks to continue on a messaging app",
                "category": "off_platform",
                "weight": 1.5,
                "evidence": [
                    {
                        "field": "text",
                        "text": "WeChat",
                        "start": HOSTILE.index("WeChat"),
                        "end": HOSTILE.index("WeChat") + 6,
                        "item": 0,
                    },
                    {
                        "field": "text",
                        "text": "[bold red]x[/]",
                        "start": 6,
                        "end": 20,
                        "item": 0,
                    },
                ],
                "tags": [],
                "detector": "rules",
                "rule_uuid": None,
            }
        ],
        "contributions": [
            {"category": "off_platform", "weight": 1.5, "findings": ["offplatform-messenger"]}
        ],
        "advice": ["Do not reply.", "Report it to [Security] office."],
        "notes": ["a note"],
    }
