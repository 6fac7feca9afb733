"""The office's pages in a real browser: the whole journey, and hostile content that must not run.

``lurewatch serve`` runs as a child process on a loopback port (the real
server, the real SQLite store); Debian's Chromium, driven by Playwright,
uses the pages as people do: it types, ticks, uploads and clicks. The
fixture ``browser`` (tests/conftest.py) skips these tests where Chromium or
Playwright is missing, except in CI, where they must run.

Every person, firm, handle and message here is invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from websupport import PASSWORD, Server, bearer, contact, copy_database, running

from lurewatch.exchange.alertfile import alert_to_json
from lurewatch.identity import counterparty_key
from lurewatch.model import Alert, Indicator, Persona
from lurewatch.store import Store

ROOT = Path(__file__).resolve().parents[2]
ALERT_FILE = ROOT / "examples" / "alert.json"
APPROACH = (
    "Dear Sam, I was impressed by your insightful work on the committee. An important client "
    "pays USD 1,500 for short insight reports on upcoming policy discussions. It would be "
    "easier to continue on WeChat: bryr_amanda_example"
)

# Each would run script, open a dialog, retitle the page or hide it if parsed as markup.
SCRIPT = "<script>alert(1);document.title='pwned-script'</script>"
IMG = "<img src=x onerror=\"alert(1);document.title='pwned-img'\">"
SVG = "</svg><svg onload=alert(1)>"
ATTR = '" autofocus onfocus="alert(1)'
JS_URL = "javascript:alert(1)"
LINK = '<a href="javascript:alert(1)">click</a>'
STYLE = "</style><style>body{display:none}</style>"
IFRAME = "<iframe srcdoc=\"<script>parent.document.title='pwned-iframe'</script>\"></iframe>"
PAYLOADS = (SCRIPT, IMG, SVG, ATTR, JS_URL, LINK, STYLE, IFRAME)
HOSTILE_NAME = f"Amy {SCRIPT} Lindqvist"


@pytest.fixture(scope="module")
def server(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser-office")
    url = copy_database(template_db, folder / "office.db")
    with running(Server(url, folder / "server.log")) as started:
        yield started


class Visit:
    """A browser page with everything it tried to do recorded."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.elsewhere: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        page.on("request", self._request)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.base):
            self.elsewhere.append(request.url)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.status == 200, (path, response and response.status)
        return response

    def press(self, button: str, *, within: Any = None) -> None:
        """Click the button named ``button`` and wait for the page it leads to."""
        where = within if within is not None else self.page
        with self.page.expect_navigation(wait_until="load"):
            where.get_by_role("button", name=button).first.click()

    def log_in(self, username: str) -> None:
        self.goto("/login")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.press("Log in")

    def assert_nothing_ran(self) -> None:
        """No script ran, no dialog opened, nothing was fetched from elsewhere, nothing hidden."""
        page = self.page
        page.wait_for_timeout(200)  # let any handler that slipped through fire
        assert self.dialogs == []
        assert self.console == []  # not even a CSP report: nothing tried to run
        assert self.elsewhere == []
        assert page.title().endswith(" · lurewatch")  # no payload retitled the page
        found = page.evaluate(
            """() => ({
                active: document.querySelectorAll('script, iframe, object, embed, img, base').length,
                handlers: [...document.querySelectorAll('*')].filter(
                    el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
                jsLinks: [...document.querySelectorAll('[href], [action], [src]')].filter(
                    el => /^\\s*javascript:/i.test(el.getAttribute('href') || el.getAttribute('action')
                                                   || el.getAttribute('src') || '')).length,
                shown: getComputedStyle(document.body).display,
            })"""
        )
        assert found == {"active": 0, "handlers": 0, "jsLinks": 0, "shown": "block"}


@pytest.fixture
def visit(browser: Any, server: Server) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_(username: str | None = None) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        v = Visit(context.new_page(), server.url)
        if username:
            v.log_in(username)
        return v

    yield open_
    for context in contexts:
        context.close()


def _store(server: Server) -> Store:
    return Store.open(server.database_url)


def test_staff_report_is_triaged_made_a_case_and_flagged_by_a_later_alert(
    visit: Any, server: Server
) -> None:
    # A visitor-centre guide reported a milder approach earlier.
    earlier = httpx.post(
        f"{server.url}/api/reports",
        json={"channel": "api", "contacts": [contact("Jo Earlier", level="medium", score=45)]},
        headers=bearer("kim"),
    )
    assert earlier.status_code == 201

    # A committee clerk checks a message on the page and reports it.
    staff = visit("sam")
    page = staff.page
    assert page.url.endswith("/check")
    page.get_by_label("The message").fill(APPROACH)
    page.get_by_label("Who sent it (optional)").fill("Amanda Qiu")
    staff.press("Check it")
    assert page.locator(".badge").first.inner_text() == "HIGH"
    assert "pays USD 1,500 for short insight reports" in page.locator("mark").all_inner_texts()
    staff.press("Send to the security office")
    assert "Received by the security office" in page.content()
    reference = page.locator("strong", has_text=re.compile(r"^LW-\d{4}-\d{6}$")).inner_text()
    staff.assert_nothing_ran()

    # The analyst finds it at the top of the queue, opens it and makes a case of it.
    office = visit("ana")
    page = office.page
    assert page.url.endswith("/queue")
    first = page.locator("table.queue tbody tr").first
    assert first.locator("td").first.locator("a").inner_text() == reference
    with page.expect_navigation(wait_until="load"):
        first.get_by_role("link", name=reference).click()
    assert page.locator("mark", has_text="continue on WeChat").first.is_visible()
    office.press("Open a case with this report")
    assert re.search(r"/cases/\d+$", page.url)
    case_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_role("combobox", name=re.compile("^Status")).select_option("TruePositive")
    office.press("Set status")
    assert "True positive" in page.locator("dl").first.inner_text()
    office.assert_nothing_ran()
    with _store(server) as store:
        case = store.get_case(case_id)
        assert case.status == "TruePositive"
        assert reference in case.reports

    # An alert arrives naming the persona: importing it flags the past report.
    office.goto("/alerts")
    page.locator("input#file").set_input_files(str(ALERT_FILE))
    office.press("Import and search the reports")
    # The hunt runs in the background; the alert's page reloads itself until it is done.
    assert "/alerts/" in page.url
    row = page.locator("table.alert-matches tbody tr", has_text=reference)
    row.wait_for(timeout=30_000)
    page.wait_for_load_state("load")
    assert row.count() == 1
    assert "STRONG" in row.inner_text() and "sam" in row.inner_text()
    office.assert_nothing_ran()

    # The member of staff sees the verdict the office sends.
    with _store(server) as store:
        store.record_verdict(reference, "confirmed-hostile", actor="ana")
    staff.goto(f"/my-reports/{reference}")
    assert "confirmed hostile: do not engage, we have blocked it" in staff.page.content()
    staff.assert_nothing_ran()


def _hostile_contact() -> dict[str, Any]:
    excerpt = "An important client pays USD 1,500. " + " ".join(PAYLOADS)
    return contact(
        HOSTILE_NAME,
        profile_url=JS_URL,
        company=f"Bright {IMG} Path",
        position=f"CEO {SVG}",
        findings=[
            {
                "id": "offers-money",
                "title": f"Offers money {IMG}",
                "category": "money",
                "weight": 2.0,
                "evidence": [
                    {"field": "text", "text": "pays USD 1,500", "start": 0, "end": 14},
                    {"field": "text", "text": SCRIPT, "start": 0, "end": len(SCRIPT)},
                ],
            }
        ],
        items=[{"kind": "message", "date": "2026-09-10", "excerpt": excerpt, "subject": IFRAME}],
        context=[f"You sent attachments: {IMG}.pdf"],
    )


def test_hostile_names_messages_and_companies_run_nowhere(visit: Any, server: Server) -> None:
    sent = httpx.post(
        f"{server.url}/api/reports",
        json={"channel": "api", "contacts": [_hostile_contact()]},
        headers=bearer("sam"),
    )
    assert sent.status_code == 201
    reference = sent.json()["reference"]
    alert = Alert(
        id="urn:test:hostile-alert",
        title=f"Alert {SCRIPT}",
        source=f"Source {IMG}",
        personas=(
            Persona(
                id="persona-1", name=HOSTILE_NAME, company=f"Bright {IMG} Path", aliases=(SVG,)
            ),
        ),
        indicators=(Indicator(type="website", value=JS_URL, persona="persona-1"),),
    )
    imported = httpx.post(
        f"{server.url}/api/alerts",
        content=alert_to_json(alert),
        headers={**bearer("ana"), "Content-Type": "application/json"},
    )
    assert imported.status_code == 201, imported.text
    office = visit("ana")
    page = office.page
    office.goto(f"/reports/{reference}")
    page.get_by_label("Title of a new case").fill(f"Case {SCRIPT}")
    office.press("Open a case with this report")
    case_path = page.url.removeprefix(server.url)
    page.get_by_label("Add a note").fill(f"Note {IMG} {SCRIPT}")
    office.press("Add note")
    key = counterparty_key(JS_URL, HOSTILE_NAME)
    pages = [
        "/queue",
        f"/reports/{reference}",
        case_path,
        "/cases",
        "/personas",
        f"/personas/{quote(key, safe='')}",
        "/alerts",
        f"/alerts/{quote(alert.id, safe='')}",
        "/dashboard",
        f"/queue?q={quote(SCRIPT)}",
    ]
    shows_name = {f"/reports/{reference}", case_path, "/personas", pages[5], pages[7]}
    for path in pages:
        office.goto(path)
        office.assert_nothing_ran()
        # What the adversary wrote is on the page as text.
        if path in shows_name:
            assert HOSTILE_NAME in page.inner_text("main"), path
    office.goto(f"/reports/{reference}")
    assert SCRIPT in page.inner_text("main")
    assert page.locator("mark", has_text=SCRIPT).count() >= 1

    staff = visit("sam")
    for path in ("/my-reports", f"/my-reports/{reference}"):
        staff.goto(path)
        staff.assert_nothing_ran()
    staff.goto("/check")
    staff.page.get_by_label("The message").fill(" ".join(PAYLOADS) + " Add me on WhatsApp.")
    staff.page.get_by_label("Who sent it (optional)").fill(HOSTILE_NAME)
    staff.press("Check it")
    assert SCRIPT in staff.page.inner_text("main")
    staff.assert_nothing_ran()


def test_an_admin_issues_a_token_on_the_pages_and_revokes_it(visit: Any, server: Server) -> None:
    admin = visit("adam")
    page = admin.page
    admin.goto("/admin")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Role, password, tokens of kim").click()
    assert page.url.endswith("/admin/users/kim")
    name = f"PC-42 {SCRIPT}"
    page.get_by_label("What it is for").fill(name)
    admin.press("Issue a token")
    token = page.locator("code.one-time").inner_text()
    assert name in page.inner_text("main")
    admin.assert_nothing_ran()
    me = httpx.get(f"{server.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "kim"

    admin.goto("/admin/users/kim")
    assert token not in page.content()  # shown once only
    admin.press(f"Revoke token {name}")
    assert "Token revoked" in page.inner_text("main")
    admin.assert_nothing_ran()
    refused = httpx.get(f"{server.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert httpx.get(f"{server.url}/api/me", headers=bearer("kim")).status_code == 200
