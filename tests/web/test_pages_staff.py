"""The staff pages: check and report, choosing who to send, and following one's reports.

Every test drives the real app and store; every person, address and message is invented.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from websupport import MESSAGES_HEADER, OWNER, SECRET, csrf_from, page_login

from lurewatch.model import Level
from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.web import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
INVITATION = (EXAMPLES / "invitation.txt").read_text(encoding="utf-8")
BENIGN = "Hi Sam, are we still on for lunch at the canteen on Friday? Cheers, Tom"
NO_FILE = {"upload": ("", b"", "application/octet-stream")}  # what a browser sends
HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
EML = (
    b"From: Avery Lin <avery.lin@example.org>\r\n"
    b"Reply-To: avery.private@example.net\r\n"
    b"To: sam.carter@example.org\r\n"
    b"Subject: A paid opportunity\r\n"
    b"Date: Tue, 01 Sep 2026 09:00:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"An important client pays USD 1,500 for short insight reports on the budget.\r\n"
    b"It would be easier to continue on WhatsApp.\r\n"
)


def check(
    client: Any,
    fields: dict[str, str] | None = None,
    *,
    files: Any = None,
    token: str | None = None,
) -> Any:
    """Fill in the check form as a browser does (multipart, with or without a file)."""
    data = {"kind": "message", **(fields or {})}
    if token is None:
        token = csrf_from(client.get("/check").text)
    if token:
        data["csrf_token"] = token
    return client.post("/check", data=data, files=files or NO_FILE)


def tickets(page: str) -> dict[str, str]:
    """The signed people a result page carries, by number."""
    return dict(re.findall(r'name="person-(\d+)" value="([^"]+)"', page))


def names(page: str) -> dict[str, str]:
    """Number -> name of each person offered on an export's result page, in page order."""
    found = re.findall(r'<label for="send-(\d+)">Send <span class="name">([^<]*)</span>', page)
    return {number: html.unescape(name) for number, name in found}


def ticked(page: str) -> set[str]:
    return set(re.findall(r'name="send" value="(\d+)" checked', page))


def send(client: Any, page: str, chosen: list[str], *, exercise: bool = False, **extra: str) -> Any:
    data: dict[str, Any] = {f"person-{n}": t for n, t in tickets(page).items()}
    data["csrf_token"] = csrf_from(page)
    data["send"] = chosen
    if exercise:
        data["exercise"] = "1"
    data.update(extra)
    return client.post("/check/report", data=data, follow_redirects=False)


def reference_of(response: Any) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/my-reports/(LW-\d{4}-\d{6})\?sent=1", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def zipped(folder: Path, name: str = "Basic_LinkedInDataExport_11-29-2026.zip") -> Any:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder.parent).as_posix())
    return {"upload": (name, buffer.getvalue(), "application/zip")}


def messages_csv(rows: list[tuple[str, str, str]]) -> bytes:
    """messages.csv in which each (name, profile address, text) wrote to the owner."""
    lines = [MESSAGES_HEADER]
    for n, (name, url, text) in enumerate(rows):
        quoted = text.replace('"', '""')
        lines.append(
            f'c{n},,"{name}",{url},{OWNER[0]},"{OWNER[1]}",2026-09-0{n + 1} 09:12:00 UTC,,'
            f'"{quoted}",INBOX,,false\n'
        )
    return "".join(lines).encode("utf-8")


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/check", "/my-reports", "/my-reports/LW-2026-000001"])
def test_the_staff_pages_need_a_login(client: Any, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/")


def test_the_check_form_labels_every_field(client: Any) -> None:
    page_login(client, "sam")
    page = client.get("/check").text
    ids = set(re.findall(r'<(?:input|textarea)[^>]* id="([^"]+)"', page))
    assert {"text", "sender", "profile", "upload", "exercise", "kind-email"} <= ids
    for field_id in ids:
        assert f'<label for="{field_id}">' in page, field_id
    assert 'enctype="multipart/form-data"' in page
    assert "This is a security exercise (a drill)" in page
    assert "Get a copy of your data" in page and "Save to PDF" in page


# --- rating ---------------------------------------------------------------------------


def test_the_example_invitation_rates_high_with_the_words_marked(client: Any) -> None:
    page_login(client, "sam")
    response = check(client, {"text": INVITATION, "kind": "invitation"})
    assert response.status_code == 200, response.text
    page = response.text
    assert "<h1>Result: HIGH, risk score 95/100</h1>" in page
    assert "<q>pays USD 1,500 for short insight reports</q>" in page
    assert "<mark>pays USD 1,500 for short insight reports</mark>" in page
    assert "<mark>continue on WeChat</mark>" in page
    assert "Offers money for reports, papers or insights" in page
    assert "not an accusation" in page
    assert "Do not reply, accept the invitation or click any link yet." in page
    assert len(tickets(page)) == 1 and ticked(page) == {"1"}  # high: ticked for the person


def test_a_benign_message_rates_low_and_is_not_ticked(client: Any) -> None:
    page_login(client, "sam")
    page = check(client, {"text": BENIGN}).text
    assert "<h1>Result: LOW" in page
    assert "No red flags were found." in page
    assert "<mark>" not in page
    assert len(tickets(page)) == 1 and ticked(page) == set()


def test_an_eml_file_is_rated_with_its_headers(client: Any) -> None:
    page_login(client, "sam")
    files = {"upload": ("offer.eml", EML, "message/rfc822")}
    page = check(client, files=files).text
    assert "<h1>Result: HIGH" in page
    assert "<mark>pays USD 1,500 for short insight reports</mark>" in page
    assert "Subject:" in page and "A paid opportunity" in page
    assert 'Checked: <span class="wrap">offer.eml</span>' in page


def test_an_export_lists_the_people_ranked_and_only_the_ticked_are_sent(
    client: Any, store: Store
) -> None:
    page_login(client, "sam")
    response = check(
        client, files=zipped(EXAMPLES / "export" / "Basic_LinkedInDataExport_11-29-2026")
    )
    assert response.status_code == 200, response.text
    page = response.text
    people = names(page)
    order = list(people.values())
    assert order[:2] == ["Avery Lin", "Jordan Wei"]  # the two rated high, highest first
    levels = re.findall(r'<td><span class="badge badge-(\w+)">', page)
    ranks = [Level(v).rank for v in levels]
    assert ranks == sorted(ranks, reverse=True) and len(levels) == len(people)
    assert levels[:3] == ["high", "high", "medium"]
    assert ticked(page) == {n for n, lv in zip(people, levels, strict=True) if lv != "low"}
    assert "people wrote to you" in page
    assert "Each person, with the reasons" in page

    avery = next(n for n, name in people.items() if name == "Avery Lin")
    reference = reference_of(send(client, page, [avery]))
    report = store.get_report(reference)
    assert [c.name for c in report.contacts] == ["Avery Lin"]
    assert report.reporter == "sam" and report.channel == "web"
    assert report.assessment is None and report.level is Level.HIGH
    assert report.is_exercise is False
    assert all(len(item.excerpt) <= 240 for item in report.contacts[0].items)


def test_a_single_messages_csv_is_scanned(client: Any) -> None:
    page_login(client, "sam")
    data = messages_csv(
        [
            (
                "Jordan Wei",
                "https://www.linkedin.com/in/jordan-wei-x",
                "We pay in cash for short reports. Add me on WhatsApp.",
            ),
            ("Tom Hughes", "https://www.linkedin.com/in/tom-hughes-7", BENIGN),
        ]
    )
    page = check(client, files={"upload": ("messages.csv", data, "text/csv")}).text
    assert list(names(page).values()) == ["Jordan Wei", "Tom Hughes"]
    assert ticked(page) == {"1"}


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "files", "message"),
    [
        ({"text": "   "}, None, "Nothing to check: paste the message, or choose a file."),
        (
            {},
            {"upload": ("junk.bin", bytes(range(256)) * 40, "application/octet-stream")},
            "junk.bin: not a file lurewatch reads",
        ),
        (
            {},
            {"upload": ("export.zip", b"PK\x03\x04" + bytes(range(256)) * 8, "application/zip")},
            "export.zip: not a readable zip archive",
        ),
        (
            {},
            {"upload": ("profile.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, "application/pdf")},
            "profile.pdf:",
        ),
        ({}, {"upload": ("empty.eml", b"", "message/rfc822")}, "empty.eml: the file is empty"),
        ({"text": "\x00\x01\x02 binary \x03\x04" * 50}, None, "looks like a binary file"),
        ({"text": BENIGN, "profile": "{not json"}, None, "the pasted profile: not valid JSON"),
        (
            {"text": BENIGN},
            {"upload": ("messages.csv", b"FROM,CONTENT\n", "text/csv")},
            "an export is checked on its own",
        ),
        (
            {},
            {"upload": ("Notes.csv", b"a,b\n1,2\n", "text/csv")},
            "Notes.csv: not a file lurewatch reads",
        ),
    ],
)
def test_bad_input_shows_the_form_again_with_one_line(
    client: Any, store: Store, fields: dict[str, str], files: Any, message: str
) -> None:
    page_login(client, "sam")
    response = check(client, fields, files=files)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    error = re.search(r'<p class="error" role="alert">([^<]*)</p>', response.text)
    assert error and message in html.unescape(error.group(1)), response.text
    assert "Traceback" not in response.text
    assert '<form method="post" action="/check"' in response.text  # the form again
    assert store.list_reports() == []


def test_the_form_keeps_what_was_typed_when_shown_again(client: Any) -> None:
    page_login(client, "sam")
    page = check(
        client, {"text": BENIGN, "profile": "{oops", "sender": "Tom Hughes", "exercise": "1"}
    ).text
    assert f">{BENIGN}</textarea>" in page
    assert 'value="Tom Hughes"' in page
    assert re.search(r'id="exercise" name="exercise" value="1" checked', page)


# --- sending --------------------------------------------------------------------------


def test_sending_a_single_check_stores_the_assessment_and_the_exercise_flag(
    client: Any, store: Store
) -> None:
    page_login(client, "sam")
    page = check(
        client, {"text": INVITATION, "kind": "invitation", "sender": "Amy Bryr", "exercise": "1"}
    ).text
    assert re.search(r'id="exercise" name="exercise" value="1" checked', page)
    response = send(client, page, ["1"], exercise=True)
    reference = reference_of(response)
    report = store.get_report(reference)
    assert report.is_exercise is True
    assert report.assessment is not None and report.assessment.score == 95
    assert report.level is Level.HIGH and report.score == 95
    (contact,) = report.contacts
    assert contact.name == "Amy Bryr"
    assert contact.items[0].kind == "invitation"
    assert contact.items[0].excerpt == INVITATION.strip()

    ack = client.get(response.headers["location"])
    assert ack.status_code == 200
    assert "Received by the security office" in ack.text
    assert f"Your reference number is <strong>{reference}</strong>" in ack.text
    assert 'You sent: <span class="name">Amy Bryr</span>.' in ack.text
    assert "Do not reply, accept the invitation or click any link yet." in ack.text
    assert f'href="/my-reports/{reference}"' in ack.text
    assert "Security exercise (a drill)" in ack.text
    # Reloading the acknowledgement sends nothing again.
    client.get(response.headers["location"])
    assert len(store.list_reports()) == 1


def test_a_report_left_unticked_shows_the_choice_again(client: Any, store: Store) -> None:
    page_login(client, "sam")
    page = check(
        client, files=zipped(EXAMPLES / "export" / "Basic_LinkedInDataExport_11-29-2026")
    ).text
    response = send(client, page, [])
    assert response.status_code == 400
    assert "Tick at least one person to send to the security office." in response.text
    assert list(names(response.text).values()) == list(names(page).values())
    assert store.list_reports() == []
    # The page shown again still works.
    reference = reference_of(send(client, response.text, ["2"]))
    assert [c.name for c in store.get_report(reference).contacts] == ["Jordan Wei"]


def test_forms_without_the_csrf_token_are_refused(client: Any, store: Store) -> None:
    page_login(client, "sam")
    client.get("/check")
    assert check(client, {"text": INVITATION}, token="").status_code == 403
    page = check(client, {"text": INVITATION}).text
    response = send(client, page, ["1"], csrf_token="0" * 64)
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert store.list_reports() == []


def _tamper(ticket: str) -> str:
    payload, mac = ticket.split(".")
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    return f"{flipped}.{mac}"


@pytest.mark.parametrize(
    "forge",
    [
        _tamper,
        lambda t: t.split(".")[0] + "." + "0" * 64,
        lambda t: t.split(".")[0],
        lambda t: "not-a-ticket",
        lambda t: t + "é",
    ],
)
def test_a_tampered_ticket_is_refused_and_nothing_is_stored(
    client: Any, store: Store, forge: Any
) -> None:
    page_login(client, "sam")
    page = check(
        client, files=zipped(EXAMPLES / "export" / "Basic_LinkedInDataExport_11-29-2026")
    ).text
    all_tickets = tickets(page)
    data = {f"person-{n}": t for n, t in all_tickets.items()}
    data["person-3"] = forge(all_tickets["3"])  # not even ticked: every ticket is checked
    data.update({"csrf_token": csrf_from(page), "send": ["1"]})
    response = client.post("/check/report", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "nothing was sent" in response.text or "cannot be read" in response.text
    assert store.list_reports() == []


def test_another_persons_ticket_is_refused(client: Any, app: Any, store: Store) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as kim:
        page_login(kim, "kim")
        kims_page = check(kim, {"text": INVITATION}).text
    page_login(client, "sam")
    page = check(client, {"text": BENIGN}).text
    response = client.post(
        "/check/report",
        data={"csrf_token": csrf_from(page), "person-1": tickets(kims_page)["1"], "send": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "made for another account" in response.text
    assert store.list_reports() == []


def test_a_ticket_expires_after_two_hours(client: Any, store: Store, clock: Any) -> None:
    page_login(client, "sam")
    page = check(client, {"text": INVITATION}).text
    clock.advance(hours=2, minutes=1)
    page_login(client, "sam")  # the session may have expired too
    response = send(client, page, ["1"])
    assert response.status_code == 403
    assert "more than 2 hours old" in response.text
    assert store.list_reports() == []


# --- my reports -----------------------------------------------------------------------


def _report(client: Any, username: str, text: str = INVITATION) -> str:
    client.cookies.clear()
    page_login(client, username)
    return reference_of(send(client, check(client, {"text": text}).text, ["1"]))


def test_my_reports_lists_only_my_own_with_the_verdict(
    client: Any, store: Store, clock: Any
) -> None:
    first = _report(client, "sam")
    clock.advance(minutes=5)
    kims = _report(client, "kim")
    clock.advance(minutes=5)
    second = _report(client, "sam", BENIGN)
    store.record_verdict(
        first,
        "confirmed-hostile",
        actor="ana",
        text="Thank you: this was a hostile approach. Do not reply.",
        status="closed",
    )
    page = client.get("/my-reports").text
    listed = re.findall(r'<a href="/my-reports/(LW-[\d-]+)">', page)
    assert listed == [second, first]  # newest first, and not kim's
    assert kims not in page
    assert "Thank you: this was a hostile approach. Do not reply." in page
    assert "Closed" in page and "Received" in page

    detail = client.get(f"/my-reports/{first}").text
    assert "Thank you: this was a hostile approach. Do not reply." in detail
    assert "29 Nov 2026, 09:10" in detail  # when the verdict was sent (the frozen clock)
    assert "Received by the security office" not in detail  # only right after sending
    assert "<q>pays USD 1,500 for short insight reports</q>" in detail


def test_someone_elses_report_is_not_found_for_a_reporter(client: Any) -> None:
    sams = _report(client, "sam")
    client.cookies.clear()
    page_login(client, "kim")
    theirs = client.get(f"/my-reports/{sams}")
    missing = client.get("/my-reports/LW-2026-999999")
    assert theirs.status_code == missing.status_code == 404
    assert "no report" in theirs.text
    assert theirs.text.replace(sams, "X") == missing.text.replace("LW-2026-999999", "X")
    assert client.get(f"/my-reports/{sams}?sent=1").status_code == 404
    client.cookies.clear()
    page_login(client, "ana")
    office = client.get(f"/my-reports/{sams}")
    assert office.status_code == 200 and "Reported by" in office.text


# --- hostile input --------------------------------------------------------------------


def _assert_escaped(page: str) -> None:
    assert "<script>" not in page and "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, re.IGNORECASE)


def test_a_hostile_message_is_only_ever_shown_escaped(client: Any, store: Store) -> None:
    text = (
        f"An important client pays USD 1,500 for short insight reports. {HOSTILE} {HOSTILE_IMG} "
        "Continue on WeChat: javascript:alert(1)"
    )
    page_login(client, "sam")
    page = check(client, {"text": text, "sender": HOSTILE_IMG}).text
    _assert_escaped(page)
    assert html.escape(HOSTILE, quote=False) in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    reference = reference_of(send(client, page, ["1"]))
    for path in (f"/my-reports/{reference}?sent=1", "/my-reports"):
        _assert_escaped(client.get(path).text)
    assert store.get_report(reference).contacts[0].name == HOSTILE_IMG


def test_hostile_names_in_an_export_and_file_names_are_escaped(client: Any) -> None:
    data = messages_csv(
        [
            (
                HOSTILE,
                "javascript:alert(1)",
                "We pay in cash for short reports. Add me on WhatsApp.",
            ),
            (HOSTILE_IMG, "https://www.linkedin.com/in/x", f"Hello {HOSTILE}"),
        ]
    )
    page_login(client, "sam")
    page = check(client, files={"upload": ("messages.csv", data, "text/csv")}).text
    _assert_escaped(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert set(names(page).values()) == {HOSTILE, HOSTILE_IMG}

    bad_name = f"{HOSTILE}{HOSTILE_IMG}.zip"
    response = check(client, files={"upload": (bad_name, b"PK\x03\x04junk", "application/zip")})
    assert response.status_code == 400
    _assert_escaped(response.text)
    # Only the last part of a path is kept ("</script>" holds a slash), and it is escaped.
    assert "script&gt;&lt;img src=x onerror=alert(1)&gt;.zip: not a readable zip" in response.text


# --- upload size ----------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_with_413_and_other_forms_keep_theirs(
    store: Store, clock: Any
) -> None:
    from fastapi.testclient import TestClient

    settings = Settings(secret_key=SECRET, max_request_bytes=50_000, max_upload_bytes=200_000)
    with TestClient(create_app(settings, store, now=clock), base_url="http://testserver") as c:
        page_login(c, "sam")
        big = {"upload": ("messages.csv", b"x" * 300_000, "text/csv")}
        response = check(c, files=big)
        assert response.status_code == 413
        assert "text/html" in response.headers["content-type"]
        assert "The upload is over the 195 KB limit." in response.text
        assert "Up to 195 KB." in c.get("/check").text
        # Under the upload limit but over the ordinary one: /check takes it...
        data = messages_csv(
            [
                (
                    "Jordan Wei",
                    "https://www.linkedin.com/in/jordan-wei-x",
                    "Add me on WhatsApp. " * 4000,
                )
            ]
        )
        assert 50_000 < len(data) < 200_000
        page = check(c, files={"upload": ("messages.csv", data, "text/csv")})
        assert page.status_code == 200, page.text
        # ...while every other path keeps the ordinary limit.
        other = c.post(
            "/check/report",
            data={"csrf_token": csrf_from(page.text), "padding": "x" * 60_000},
        )
        assert other.status_code == 413
    assert store.list_reports() == []


def test_a_pasted_profile_is_rated_with_the_message_and_sent_with_it(
    client: Any, store: Store
) -> None:
    profile = {
        "name": "Amy Bryr",
        "headline": "CEO at Blue Ridge Executive Search | Global Headhunter",
        "company": "Blue Ridge Executive Search",
        "company_has_page": False,
        "joined": "2026-11-02",
        "connections": "500+",
        "posts": 0,
        "photo": "/etc/passwd",
    }
    page_login(client, "sam")
    page = check(client, {"text": INVITATION, "profile": json.dumps(profile)}).text
    assert "their profile (" in page
    reference = reference_of(send(client, page, ["1"]))
    (contact,) = store.get_report(reference).contacts
    assert contact.name == "Amy Bryr"
    assert contact.company == "Blue Ridge Executive Search"
    assert any(e.field.startswith("profile.") for f in contact.findings for e in f.evidence)


def test_a_report_sent_from_the_page_is_matched_against_stored_alerts_at_once(
    client: Any, store: Store
) -> None:
    from lurewatch.exchange import read_alert_bytes

    alert = read_alert_bytes((EXAMPLES / "alert.json").read_bytes(), "alert.json")
    store.import_alert(alert, actor="ana")
    page_login(client, "sam")
    page = check(
        client,
        {
            "text": "Our client pays for short reports. Add me on WeChat: bryr_amanda_example",
            "sender": "Amanda Qiu",
        },
    ).text
    reference = reference_of(send(client, page, ["1"]))
    (match,) = store.matches_for_report(reference)
    assert match.strength == "strong"
    assert match.persona == "Amanda Qiu"


def test_a_pasted_message_keeps_its_lines_as_a_browser_sends_them(
    client: Any, store: Store
) -> None:
    page_login(client, "sam")
    pasted = (
        "Dear Sam,\r\nAn important client pays USD 1,500 for short reports.\r\nAdd me on WhatsApp."
    )
    page = check(client, {"text": pasted, "sender": "Jo Line"}).text
    assert "\\u000d" not in page  # a carriage return would be shown as a visible control
    reference = reference_of(send(client, page, ["1"]))
    (contact,) = store.get_report(reference).contacts
    assert contact.items[0].excerpt == pasted.replace("\r\n", "\n")
