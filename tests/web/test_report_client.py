"""What leaves the staff member's machine: the selection, and how the client sends it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgspec
import pytest

from lurewatch.model import Finding, Level
from lurewatch.report_client import ReportClientError, reports_url, send_report
from lurewatch.scan import ScanContact, ScanItem
from lurewatch.selection import SelectionError, report_body, select_contacts
from lurewatch.store.records import SubmittedContact


def scanned(name: str, url: str | None, level: Level, score: int, text: str) -> ScanContact:
    return ScanContact(
        name=name,
        profile_url=url,
        level=level,
        score=score,
        findings=(Finding(id="f", title="A finding", category="money", weight=1.0),),
        items=(ScanItem(kind="message", date="2026-09-03", excerpt=text),),
        advice=("Do not reply.",),
        item_count=1,
    )


CONTACTS = [
    scanned("Avery Lin", "https://www.linkedin.com/in/avery-lin-br", Level.HIGH, 95, "pays USD"),
    scanned("Jordan Wei", "https://www.linkedin.com/in/jordan-wei-x", Level.HIGH, 90, "cash"),
    scanned("Chris Park", "https://www.linkedin.com/in/chris-park-1", Level.MEDIUM, 50, "hi"),
    scanned("Chris Park", "https://www.linkedin.com/in/chris-park-2", Level.LOW, 5, "lunch"),
    scanned("Tom Hughes", None, Level.LOW, 3, "see you at 1"),
]


def names(contacts: list[ScanContact]) -> list[str]:
    return [c.name for c in contacts]


@pytest.mark.parametrize(
    ("selectors", "at_least", "expected"),
    [
        (["Avery Lin"], None, ["Avery Lin"]),
        (["  AVERY   lin "], None, ["Avery Lin"]),
        (["https://uk.linkedin.com/in/Avery-Lin-BR/?trk=x"], None, ["Avery Lin"]),
        (["linkedin.com/in/chris-park-2"], None, ["Chris Park"]),
        (["Tom Hughes", "Avery Lin"], None, ["Avery Lin", "Tom Hughes"]),
        (["Avery Lin", "avery lin"], None, ["Avery Lin"]),
        ([], Level.HIGH, ["Avery Lin", "Jordan Wei"]),
        ([], Level.MEDIUM, ["Avery Lin", "Jordan Wei", "Chris Park"]),
        (["Tom Hughes"], Level.HIGH, ["Avery Lin", "Jordan Wei", "Tom Hughes"]),
    ],
)
def test_selection_picks_only_the_named_people(
    selectors: list[str], at_least: Level | None, expected: list[str]
) -> None:
    assert names(select_contacts(CONTACTS, selectors, at_least=at_least)) == expected


@pytest.mark.parametrize(
    ("selectors", "at_least", "message"),
    [
        (["Nobody"], None, "--select 'Nobody': no one by that name or profile address wrote"),
        (["https://www.linkedin.com/in/nobody"], None, "no one by that name or profile address"),
        (["Chris Park"], None, "2 people have that name; select by profile address instead: "
         "https://www.linkedin.com/in/chris-park-1, https://www.linkedin.com/in/chris-park-2"),
        ([], None, "nothing selected: name the people to report with --select"),
        ([], Level.HIGH, None),
    ],
)  # fmt: skip
def test_a_selection_that_is_not_clear_is_refused(
    selectors: list[str], at_least: Level | None, message: str | None
) -> None:
    contacts = CONTACTS if message else CONTACTS[2:]
    with pytest.raises(SelectionError) as raised:
        select_contacts(contacts, selectors, at_least=at_least)
    if message:
        assert message in str(raised.value)
    else:
        assert str(raised.value) == "no one in this export is rated high or higher: nothing to send"


def test_the_body_carries_only_the_chosen_contacts_as_submitted() -> None:
    body = json.loads(report_body(CONTACTS[:1], channel="cli", is_exercise=True))
    assert body == {
        "contacts": [json.loads(msgspec.json.encode(SubmittedContact.from_scan(CONTACTS[0])))],
        "channel": "cli",
        "is_exercise": True,
    }
    assert "advice" not in body["contacts"][0]  # what the person was told stays with them


# -- the client ----------------------------------------------------------------------------


def transport(
    status: int, body: Any, seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(body, Exception):
            raise body
        return (
            httpx.Response(status, json=body)
            if not isinstance(body, bytes)
            else httpx.Response(status, content=body)
        )

    return httpx.MockTransport(handle)


def test_the_client_posts_with_the_token_and_returns_the_receipt() -> None:
    seen: list[httpx.Request] = []
    receipt = send_report(
        "https://lw.example.org/office/",
        "tok",
        b'{"contacts": []}',
        transport=transport(201, {"reference": "LW-2026-000007", "received_at": "t"}, seen),
    )
    assert receipt.reference == "LW-2026-000007"
    (request,) = seen
    assert str(request.url) == "https://lw.example.org/office/api/reports"
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["content-type"] == "application/json"
    assert request.content == b'{"contacts": []}'


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, {"message": "the API token is unknown"}, "the server refused the report (HTTP 401): the API token is unknown"),
        (413, {"message": "request body over 5 bytes"}, "(HTTP 413): request body over 5 bytes"),
        (502, b"<html>\n<h1>Bad gateway</h1>\n</html>", "(HTTP 502): <html> <h1>Bad gateway</h1> </html>"),
        (201, b"not json", "answered 201 without a reference number"),
        (201, httpx.ConnectError("refused\nnow"), "cannot reach https://lw.example.org: refused now"),
        (201, httpx.ReadTimeout("timed out"), "the report may have arrived; ask the security office"),
    ],
)  # fmt: skip
def test_client_failures_are_one_line(status: int, body: Any, message: str) -> None:
    with pytest.raises(ReportClientError) as raised:
        send_report("https://lw.example.org", "t", b"{}", transport=transport(status, body))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("server", "ok"),
    [
        ("https://lw.example.org", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("http://[::1]:8080", True),
        ("http://lw.example.org", False),
        ("http://10.0.0.5", False),
        ("ftp://lw.example.org", False),
        ("lw.example.org", False),
    ],
)
def test_plain_http_only_to_this_machine(server: str, ok: bool) -> None:
    if ok:
        assert reports_url(server).endswith("/api/reports")
    else:
        with pytest.raises(ReportClientError):
            reports_url(server)
