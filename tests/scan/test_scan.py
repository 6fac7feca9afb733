"""Scanning a whole export: grouping, sequence, context, outputs, privacy."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from conftest import MESSAGES_HEADER, STANDARD, TODAY, msg, write_folder
from lurewatch.ingest.errors import InputError
from lurewatch.model import Approach, Finding, Level
from lurewatch.render_scan import csv_safe, scan_csv, scan_json
from lurewatch.scan import Scanner, ScanResult, filter_level


def by_name(result: ScanResult) -> dict[str, object]:
    return {c.name: c for c in result.contacts}


def test_groups_by_sender_and_ranks(scanner: Scanner, make_zip: Callable[..., Path]) -> None:
    result = scanner.scan(make_zip(prefix="Basic_LinkedInDataExport_11-29-2026/"))
    s = result.summary
    assert (s.messages, s.invitations, s.contacts) == (6, 3, 2)
    assert (s.incoming_messages, s.incoming_invitations, s.counterparties) == (4, 2, 4)
    assert s.owner == "Sam Carter"
    names = [c.name for c in result.contacts]
    # Both approaches first; the colleague and the silent invitation last.
    assert set(names[:2]) == {"Avery Lin", "Jordan Wei"}
    assert set(names[2:]) == {"Tom Hughes", "Casey Moss"}
    assert [c.score for c in result.contacts] == sorted(
        (c.score for c in result.contacts), reverse=True
    )
    avery = result.contacts[names.index("Avery Lin")]
    # Three messages under two URL spellings are one person.
    assert avery.item_count == 3
    assert avery.level is Level.HIGH
    assert (avery.company, avery.position) == ("Bright Path Executive Search", "CEO")
    assert [i.date for i in avery.items] == sorted(i.date for i in avery.items if i.date)


def test_a_thread_read_in_order_escalates(scanner: Scanner, make_zip: Callable[..., Path]) -> None:
    avery = next(c for c in scanner.scan(make_zip()).contacts if c.name == "Avery Lin")
    esc = next(f for f in avery.findings if f.id == "escalation")
    assert esc.title == "Escalation over 3 messages: rapport, then money, then ask"
    assert [e.item for e in esc.evidence] == [0, 1, 2]
    ids = {f.id for f in avery.findings}
    assert {"flattery", "paid-reports", "offplatform-messenger", "core-pattern"} <= ids
    assert "profile-generic-employer" in ids  # from Connections.csv


def test_only_what_the_counterparty_wrote_is_evidence(
    scanner: Scanner, make_zip: Callable[..., Path]
) -> None:
    result = scanner.scan(make_zip())
    for c in result.contacts:
        for f in c.findings:
            for e in f.evidence:
                assert "I could also use WhatsApp" not in e.text  # the owner wrote that
    avery, tom = (by_name(result)[n] for n in ("Avery Lin", "Tom Hughes"))
    assert avery.context == (  # type: ignore[attr-defined]
        "You replied 1 time (last on 2026-09-03).",
        "You sent attachments: my_CV.pdf.",
        "You appear to have sent or mentioned your CV.",
    )
    assert any("already been in touch" in a for a in avery.advice)  # type: ignore[attr-defined]
    assert tom.level is Level.LOW and tom.findings == ()  # type: ignore[attr-defined]


def test_an_old_connection_is_not_a_stranger(scanner: Scanner, tmp_path: Path) -> None:
    text = "Our client pays USD 900 for each short report. Add me on WhatsApp please."
    files = dict(STANDARD)
    files["messages.csv"] = MESSAGES_HEADER + msg(
        "c3", "Tom Hughes", "https://www.linkedin.com/in/tom-hughes-7", "Sam Carter", "x",
        "2026-10-01 09:00:00 UTC", text,
    )  # fmt: skip
    tom = by_name(scanner.scan(write_folder(tmp_path, files)))["Tom Hughes"]
    assert "core-pattern" not in {f.id for f in tom.findings}  # type: ignore[attr-defined]


def test_owner_found_without_profile_csv(scanner: Scanner, make_zip: Callable[..., Path]) -> None:
    files = {k: v for k, v in STANDARD.items() if k != "Profile.csv"}
    result = scanner.scan(make_zip(files))
    assert result.summary.owner == "Sam Carter"
    assert "Sam Carter" not in by_name(result)


def test_the_owners_messages_are_not_rated_and_the_result_is_the_same(
    scanner: Scanner, make_zip: Callable[..., Path]
) -> None:
    rated: list[str] = []
    real_detect = scanner.checker.detect

    def detect(approach: Approach, today: dt.date) -> list[Finding]:
        rated.extend(m.text for m in approach.messages)
        return real_detect(approach, today)

    scanner.checker.detect = detect  # type: ignore[method-assign]
    with_profile = scanner.scan(make_zip())
    assert rated and not any("I could also use WhatsApp" in t for t in rated)  # the owner's
    rated.clear()
    files = {k: v for k, v in STANDARD.items() if k != "Profile.csv"}
    without_profile = scanner.scan(make_zip(files, name="no-profile.zip"))
    assert any("I could also use WhatsApp" in t for t in rated)  # owner unknown until the end
    assert without_profile.contacts == with_profile.contacts


@pytest.mark.parametrize("enabled", [True, False])
def test_scanning_leaves_the_garbage_collector_as_it_found_it(
    scanner: Scanner, make_zip: Callable[..., Path], enabled: bool
) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert scanner.scan(make_zip()).contacts
        assert gc.isenabled() == enabled
        # Fails half way through the scan: the messages file has no header.
        bad = make_zip({"messages.csv": "nothing,here\n1,2\n"}, name="bad.zip")
        with pytest.raises(InputError, match="no header row"):
            scanner.scan(bad)
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_json_contract(scanner: Scanner, make_zip: Callable[..., Path]) -> None:
    data = json.loads(scan_json(scanner.scan(make_zip())))
    assert set(data) == {"summary", "contacts"}
    for key in ("messages", "invitations", "contacts"):
        assert isinstance(data["summary"][key], int)
    for c in data["contacts"]:
        assert {"name", "profile_url", "level", "score", "findings", "items"} <= set(c)
        assert c["level"] in ("low", "medium", "high")
        for f in c["findings"]:
            assert {"id", "title", "category", "evidence"} <= set(f)
        for it in c["items"]:
            assert set(it) >= {"kind", "date", "excerpt"} and it["kind"] in (
                "message",
                "invitation",
            )


def test_min_level_filters(scanner: Scanner, make_zip: Callable[..., Path]) -> None:
    result = filter_level(scanner.scan(make_zip()), Level.HIGH)
    assert {c.name for c in result.contacts} == {"Avery Lin", "Jordan Wei"}


def test_csv_neutralises_formulas(scanner: Scanner, tmp_path: Path) -> None:
    assert csv_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [csv_safe(v) for v in ("+1", "-2", "@SUM(A1)", "plain", None)] == [
        "'+1", "'-2", "'@SUM(A1)", "plain", ""
    ]  # fmt: skip
    files = dict(STANDARD)
    files["messages.csv"] = MESSAGES_HEADER + msg(
        "c4", "=cmd|' /C calc'!A0", "", "Sam Carter", "x", "2026-10-01 09:00:00 UTC",
        "@SUM(1+1) Add me on WhatsApp",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(scan_csv(scanner.scan(write_folder(tmp_path, files))))))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), row


def test_no_network_anywhere_in_scan(
    scanner: Scanner, make_zip: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("lurewatch tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = scanner.scan(make_zip())
    assert result.contacts


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", *args, "--today", TODAY.isoformat()],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )  # fmt: skip


def test_cli_writes_only_what_was_asked(make_zip: Callable[..., Path], tmp_path: Path) -> None:
    export = make_zip()
    work = tmp_path / "work"
    work.mkdir()
    proc = _run("scan", str(export), "--format", "json", "--min-level", "medium", cwd=work)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [c["level"] for c in data["contacts"]] == ["high", "high"]
    assert list(work.iterdir()) == []  # nothing written beside the output
    out = tmp_path / "report.csv"
    proc = _run("scan", str(export), "--format", "csv", "--output", str(out), cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("level,score,name")
    assert list(work.iterdir()) == []
    proc = _run("scan", str(export), cwd=work)
    assert proc.returncode == 0 and "Avery Lin" in proc.stdout


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"", "not a LinkedIn export"),
        (b"a,b\n1,2\n", "no header row found; expected the columns FROM, CONTENT"),
    ],
)
def test_cli_bad_exports_fail_in_one_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / ("messages.csv" if content else "export.zip")
    if content is not None:
        path = tmp_path / ("messages.csv" if content else "notes.txt")
        path.write_bytes(content)
    proc = _run("scan", str(path), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("lurewatch: error:")
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_scan_result_round_trips_as_json(scanner: Scanner, make_zip: Callable[..., Path]) -> None:
    result = scanner.scan(make_zip())
    again = msgspec.json.decode(scan_json(result), type=ScanResult)
    assert again == result
