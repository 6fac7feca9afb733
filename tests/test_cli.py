"""The ``lurewatch`` command, run as a real process the way people run it.

These tests use the shipped rule pack (the command always loads it) but never
depend on what it contains: they compare the command's output with the library's
answer for the same input, or use rules written inline here.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import typer

from lurewatch.cli import app
from lurewatch.ingest.profile_json import parse_profile, profile_schema
from lurewatch.render import to_json
from lurewatch.scoring import level_for
from lurewatch.service import Checker
from lurewatch.settings import Settings

CONTACT = "Parliamentary Security, security@example.org, ext. 4444"
TODAY = "2026-11-29"
# A synthetic approach, written for these tests.
APPROACH = (
    "Dear Dr Patel, I was impressed by your work on the trade committee. An important "
    "client of ours pays USD 1,500 for short insight reports on upcoming policy "
    "discussions. It would be easier to continue on WeChat: my ID is amy_88.\n"
)

Result = subprocess.CompletedProcess[bytes]
Lurewatch = Callable[..., Result]


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def assert_one_line_error(result: Result, *, starts: str = "lurewatch: error: ") -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr; that line."""
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err
    assert result.stdout == b""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(starts)
    return lines[0]


def expected_json(text: str | None, profile: bytes | None = None, **kwargs: Any) -> Any:
    """What the library says for this input, as the JSON the command prints."""
    checker = Checker.from_settings(Settings(contact=kwargs.pop("contact", CONTACT)))
    notes = tuple(kwargs.pop("notes", ()))
    prof = None if profile is None else parse_profile(profile, "profile.json")
    result = checker.check_text(text, prof, today=dt.date.fromisoformat(TODAY), **kwargs)
    return msgspec.json.decode(to_json(result, notes))


# -- check ------------------------------------------------------------------------


def test_check_a_file_as_json(lurewatch: Lurewatch, tmp_path: Path) -> None:
    write(tmp_path / "note.txt", APPROACH)
    result = lurewatch("check", "--message", "note.txt", "--format", "json", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    data = msgspec.json.decode(result.stdout)
    assert data == expected_json(APPROACH)
    assert set(data) == {"level", "score", "logit", "findings", "contributions", "advice", "notes"}
    assert data["level"] == level_for(data["score"]).value
    assert any(CONTACT in line for line in data["advice"])
    for finding in data["findings"]:
        for ev in finding["evidence"]:
            if ev["field"] == "text" and ev["end"] - ev["start"] <= 300:
                assert APPROACH[ev["start"] : ev["end"]] == ev["text"]


def test_check_reads_standard_input(lurewatch: Lurewatch) -> None:
    piped = lurewatch("check", "--format", "json", "--today", TODAY, stdin=APPROACH.encode())
    dash = lurewatch("check", "-m", "-", "-f", "json", "--today", TODAY, stdin=APPROACH.encode())
    assert piped.returncode == dash.returncode == 0, piped.stderr + dash.stderr
    assert msgspec.json.decode(piped.stdout) == expected_json(APPROACH)
    assert dash.stdout == piped.stdout


def test_check_contact_option_overrides_the_environment(lurewatch: Lurewatch) -> None:
    result = lurewatch(
        "check", "-f", "json", "--today", TODAY, "--contact", "the IT desk", stdin=b"hi there"
    )
    assert result.returncode == 0, result.stderr
    data = msgspec.json.decode(result.stdout)
    assert data == expected_json("hi there", contact="the IT desk")
    assert "the IT desk" in data["advice"][-1]


def test_check_a_known_sender_and_an_invitation(lurewatch: Lurewatch, tmp_path: Path) -> None:
    write(tmp_path / "note.txt", APPROACH)
    args = ("check", "-m", "note.txt", "-f", "json", "--today", TODAY)
    result = lurewatch(*args, "--kind", "invitation", "--known")
    assert result.returncode == 0, result.stderr
    assert msgspec.json.decode(result.stdout) == expected_json(
        APPROACH, kind="invitation", stranger=False
    )


def test_check_shows_hostile_text_literally(lurewatch: Lurewatch, tmp_path: Path) -> None:
    write(tmp_path / "note.txt", "Hi [bold red]x[/] \x1b[31mred\x1b[0m ding\x07 " + APPROACH)
    result = lurewatch("check", "-m", "note.txt")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "[bold red]x[/]" in out
    assert "\\u001b[31mred" in out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "risk score" in out
    assert CONTACT in out


def test_check_an_empty_file(lurewatch: Lurewatch, tmp_path: Path) -> None:
    write(tmp_path / "empty.txt", b"")
    line = assert_one_line_error(lurewatch("check", "-m", "empty.txt"))
    assert line == "lurewatch: error: empty.txt: nothing to check (the text is empty)"


def test_check_a_binary_file(lurewatch: Lurewatch, tmp_path: Path) -> None:
    write(tmp_path / "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    line = assert_one_line_error(lurewatch("check", "-m", "photo.png"))
    assert line == (
        "lurewatch: error: photo.png: looks like a binary file, not text; give the message as text"
    )


def test_check_invalid_utf8_is_rated_with_a_note(lurewatch: Lurewatch, tmp_path: Path) -> None:
    data = APPROACH.encode().replace(b"Dear", b"D\xe9ar")
    write(tmp_path / "latin1.txt", data)
    result = lurewatch("check", "-m", "latin1.txt", "-f", "json", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    note = "1 byte sequence(s) were not valid UTF-8 and were replaced"
    assert msgspec.json.decode(result.stdout) == expected_json(
        APPROACH.replace("Dear", "D\ufffdar"), notes=[note]
    )


def test_check_a_utf16_file(lurewatch: Lurewatch, tmp_path: Path) -> None:
    write(tmp_path / "note.txt", APPROACH.encode("utf-16"))
    result = lurewatch("check", "-m", "note.txt", "-f", "json", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert msgspec.json.decode(result.stdout) == expected_json(APPROACH)


def test_check_a_10_mb_file(lurewatch: Lurewatch, tmp_path: Path) -> None:
    # Hostile shape: thousands of far-apart messenger words and verbs (once
    # quadratic to pair up), a real approach, then very long tokens.
    size = 10 * 1024 * 1024
    head = "wechat " * 40_000 + APPROACH + "add " * 60_000
    filler = "Lorem" + "x" * 9_994 + " \n"
    body = (head + filler * (size // len(filler) + 1))[:size]
    write(tmp_path / "big.txt", body)
    result = lurewatch("check", "-m", "big.txt", "-f", "json")
    err = result.stderr.decode()
    assert result.returncode in (0, 2), err
    assert "Traceback" not in err
    assert len(err.splitlines()) <= 1
    if result.returncode == 0:
        assert msgspec.json.decode(result.stdout)["level"] in ("low", "medium", "high")
    else:
        assert err.startswith("lurewatch: error: ")


def test_check_a_file_over_the_size_limit(lurewatch: Lurewatch, tmp_path: Path) -> None:
    write(tmp_path / "huge.txt", b"a" * (16 * 1024 * 1024 + 1))
    line = assert_one_line_error(lurewatch("check", "-m", "huge.txt"))
    assert line == "lurewatch: error: huge.txt: larger than the 16.0 MB limit for this input"


def test_check_a_missing_file(lurewatch: Lurewatch) -> None:
    line = assert_one_line_error(lurewatch("check", "-m", "nope.txt"))
    assert line == "lurewatch: error: nope.txt: no such file"


def test_check_with_no_input_and_empty_stdin(lurewatch: Lurewatch) -> None:
    line = assert_one_line_error(lurewatch("check"))
    assert line == "lurewatch: error: standard input: nothing to check (the text is empty)"


def test_check_a_bad_date(lurewatch: Lurewatch) -> None:
    line = assert_one_line_error(lurewatch("check", "--today", "29/11/2026", stdin=b"hi"))
    assert line == "lurewatch: error: --today: '29/11/2026' is not a date like 2026-11-29"


def test_check_a_profile(lurewatch: Lurewatch, tmp_path: Path) -> None:
    profile = b'{"headline": "CEO | Headhunter", "connections": "500+", "joined": "2026-10-01"}'
    write(tmp_path / "profile.json", profile)
    write(tmp_path / "note.txt", APPROACH)
    alone = lurewatch("check", "-p", "profile.json", "-f", "json", "--today", TODAY)
    both = lurewatch(
        "check", "-m", "note.txt", "-p", "profile.json", "-f", "json", "--today", TODAY
    )
    assert alone.returncode == both.returncode == 0, alone.stderr + both.stderr
    assert msgspec.json.decode(alone.stdout) == expected_json(None, profile)
    assert msgspec.json.decode(both.stdout) == expected_json(APPROACH, profile)


@pytest.mark.parametrize(
    ("profile", "error"),
    [
        (b"{not json", "profile.json: not valid JSON (JSON is malformed"),
        (b"[1, 2]", "profile.json: a profile must be a JSON object, got list"),
        (b'{"connections": "many"}', "profile.json: invalid profile: "),
    ],
)
def test_check_a_malformed_profile(
    lurewatch: Lurewatch, tmp_path: Path, profile: bytes, error: str
) -> None:
    write(tmp_path / "profile.json", profile)
    line = assert_one_line_error(lurewatch("check", "-m", "-", "-p", "profile.json", stdin=b"hi"))
    assert line.startswith(f"lurewatch: error: {error}")
    if b"connections" in profile:
        assert line.endswith("- at `$.connections`")


# -- extra rules written inline ---------------------------------------------------------


def test_check_with_an_extra_rule_file(
    lurewatch: Lurewatch, tmp_path: Path, rule_yaml: Callable[..., str]
) -> None:
    rule = rule_yaml("terms: [zebracorn]", name="zebracorn-mention", number=0xC0FFEE)
    write(tmp_path / "extra.yaml", rule)
    text = "Ask me about the Zebracorn project."
    result = lurewatch(
        "check", "--rules", "extra.yaml", "-f", "json", "--today", TODAY, stdin=text.encode()
    )
    assert result.returncode == 0, result.stderr
    findings = msgspec.json.decode(result.stdout)["findings"]
    (mine,) = [f for f in findings if f["id"] == "zebracorn-mention"]
    start = text.index("Zebracorn")
    assert mine["evidence"] == [
        {"field": "text", "text": "Zebracorn", "start": start, "end": start + 9, "item": 0}
    ]


def test_check_with_an_invalid_extra_rule_file(
    lurewatch: Lurewatch, tmp_path: Path, rule_yaml: Callable[..., str]
) -> None:
    write(tmp_path / "bad.yaml", rule_yaml("terms: [x]", weight=9))
    result = lurewatch("check", "--rules", "bad.yaml", stdin=b"hi")
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "lurewatch: error: rules are invalid:",
        "bad.yaml:7: weight: expected a number from -5 to 5",
    ]


# -- rules test -------------------------------------------------------------------------


def test_rules_test_passes_when_every_example_does(
    lurewatch: Lurewatch, tmp_path: Path, rule_yaml: Callable[..., str]
) -> None:
    # The inline rules' examples are "positive" and "negative".
    text = rule_yaml("terms: [positive]") + "---\n" + rule_yaml("regex: '^pos'", number=2)
    write(tmp_path / "ok.yaml", text)
    result = lurewatch("rules", "test", "ok.yaml")
    assert (result.returncode, result.stderr) == (0, b""), result.stdout
    assert result.stdout.decode().splitlines() == ["2 rules, 4 examples: 4 passed, 0 failed"]


def test_rules_test_fails_when_an_example_does(
    lurewatch: Lurewatch, tmp_path: Path, rule_yaml: Callable[..., str]
) -> None:
    # Its positive example ("positive") does not say "wechat".
    write(tmp_path / "failing.yaml", rule_yaml("terms: [wechat]"))
    result = lurewatch("rules", "test", "failing.yaml")
    assert result.returncode == 1, result.stderr
    assert result.stdout.decode().splitlines() == [
        "FAIL failing.yaml:11: test-rule-1 should match: positive",
        "1 rules, 2 examples: 1 passed, 1 failed",
    ]


def test_rules_test_reports_an_invalid_file(
    lurewatch: Lurewatch, tmp_path: Path, rule_yaml: Callable[..., str]
) -> None:
    write(tmp_path / "bad.yaml", rule_yaml("regex: '(a+)+$'").replace("status: test", "status: x"))
    result = lurewatch("rules", "test", "bad.yaml")
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        "lurewatch: error: rules are invalid:",
        "bad.yaml:4: status: expected one of stable, test, experimental, deprecated",
        "bad.yaml:9: match.regex: nested quantifiers (like (a+)+) can take exponential time "
        "on hostile text; rewrite the pattern",
    ]


# -- schema -------------------------------------------------------------------------------


def test_schema_profile_prints_the_json_schema(lurewatch: Lurewatch) -> None:
    result = lurewatch("schema", "profile")
    assert (result.returncode, result.stderr) == (0, b"")
    assert msgspec.json.decode(result.stdout) == profile_schema()


# -- help: every command documents itself with an example ---------------------------------


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and group under ``group``, as the words that invoke it."""
    for name, command in group.commands.items():
        yield (*path, name)
        if getattr(command, "commands", None) is not None:  # a group: walk into it
            yield from _commands(command, (*path, name))


COMMANDS = sorted(_commands(typer.main.get_group(app)))


def test_the_command_tree_is_walked() -> None:
    # Guards the walk itself: a change in how Typer registers groups must not
    # leave the help test below with nothing to check.
    assert {("check",), ("rules",), ("rules", "test"), ("schema",), ("schema", "profile")} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(
    lurewatch: Lurewatch, command: tuple[str, ...]
) -> None:
    result = lurewatch(*command, "--help")
    assert (result.returncode, result.stderr) == (0, b"")
    out = result.stdout.decode()
    assert out.startswith("Usage: ")
    assert "Example" in out
    assert "lurewatch " in out.split("Example", 1)[1]  # the example is a real command line


def test_rules_list_names_each_rules_language(lurewatch: Lurewatch) -> None:
    result = lurewatch("rules", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = msgspec.json.decode(result.stdout)
    languages = {r["name"]: r["language"] for r in rows}
    assert languages["paid-reports"] is None
    assert (languages["paid-reports-de"], languages["paid-reports-fr"]) == ("de", "fr")
    assert languages["paid-reports-nl"] == "nl"
