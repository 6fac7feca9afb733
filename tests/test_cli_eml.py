"""``lurewatch check --eml``, run as a real process. The e-mails are synthetic."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import msgspec
import pytest

from lurewatch.ingest.eml import MAX_EML_BYTES, parse_eml
from lurewatch.model import Approach
from lurewatch.render import to_json
from lurewatch.service import Checker
from lurewatch.settings import Settings

CONTACT = "Parliamentary Security, security@example.org, ext. 4444"
TODAY = "2026-11-29"

Result = subprocess.CompletedProcess[bytes]
Lurewatch = Callable[..., Result]


def fake_recruiter() -> bytes:
    docm = io.BytesIO()
    with zipfile.ZipFile(docm, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 16)
    m = EmailMessage()
    m["From"] = '"Talent Acquisition | Northbridge Partners" <northbridge.talent@gmail.com>'
    m["Reply-To"] = "amy.chen@nb-careers.example"
    m["To"] = "r.patel@parliament.example"
    m["Subject"] = "Paid consultancy for an important client"
    m["Date"] = "Mon, 23 Nov 2026 09:15:00 +0000"
    m.set_content(
        "Dear Dr Patel, an important client of ours pays USD 1,500 for short insight "
        "reports on upcoming policy discussions. The role is in the attached file.\n"
    )
    m.add_attachment(
        docm.getvalue(), maintype="application", subtype="octet-stream", filename="Role.docm"
    )
    return bytes(m)


def expected_json(data: bytes, name: str) -> Any:
    message, notes = parse_eml(data, name)
    checker = Checker.from_settings(Settings(contact=CONTACT))
    result = checker.check(Approach(messages=(message,)), dt.date.fromisoformat(TODAY))
    return msgspec.json.decode(to_json(result, notes))


def one_line_error(result: Result) -> str:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err and result.stdout == b""
    (line,) = err.splitlines()
    return line


def test_check_an_eml_as_json(lurewatch: Lurewatch, tmp_path: Path) -> None:
    path = tmp_path / "approach.eml"
    path.write_bytes(fake_recruiter())
    result = lurewatch("check", "--eml", str(path), "--format", "json", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    data = msgspec.json.decode(result.stdout)
    assert data == expected_json(fake_recruiter(), str(path))
    found = {f["id"] for f in data["findings"]}
    assert {
        "email-reply-to-elsewhere",
        "email-organisation-from-free-mail",
        "email-attachment-macros",
    } <= found
    assert data["level"] == "high"


def test_check_an_eml_from_standard_input_as_text(lurewatch: Lurewatch) -> None:
    parts = b"".join(b"--XX\r\n\r\npart %d\r\n" % i for i in range(5_000))
    data = b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" + parts
    result = lurewatch("check", "--eml", "-", "--today", TODAY, stdin=data)
    assert result.returncode == 0, result.stderr
    assert "note: the e-mail has more than 1,000 MIME parts" in result.stdout.decode()


def test_message_and_eml_together_are_refused(lurewatch: Lurewatch, tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(fake_recruiter())
    (tmp_path / "note.txt").write_text("hello")
    result = lurewatch("check", "--eml", "a.eml", "--message", "note.txt")
    assert one_line_error(result) == "lurewatch: error: give either --message or --eml, not both"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "junk.eml: nothing to check (the file is empty)"),
        (
            bytes(range(256)) * 64,
            "junk.eml: does not look like an e-mail (no From, To, Subject or Date header); "
            "save the message from your mail program as .eml",
        ),
        (b"x" * (MAX_EML_BYTES + 1), "junk.eml: larger than the 25.0 MB limit for this input"),
    ],
)
def test_bad_eml_is_one_line(lurewatch: Lurewatch, tmp_path: Path, data: bytes, error: str) -> None:
    (tmp_path / "junk.eml").write_bytes(data)
    result = lurewatch("check", "--eml", "junk.eml", "--today", TODAY)
    assert one_line_error(result) == f"lurewatch: error: {error}"


def test_missing_eml(lurewatch: Lurewatch) -> None:
    result = lurewatch("check", "--eml", "nowhere.eml")
    assert one_line_error(result) == "lurewatch: error: nowhere.eml: no such file"
