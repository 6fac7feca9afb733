"""The HTML scan report: everything the adversary wrote stays text, and nothing runs.

The unit tests parse the page with the standard library and compare its
structure (which tags and attributes exist, which text is marked) with what the
report must contain. The browser tests open the page in a real Chromium
(Debian's, driven by Playwright) and check that no script runs, no dialog
opens, and the highlights are visible. They are skipped, saying why, where
Playwright or /usr/bin/chromium is missing; CI installs both.

Every person, message and address here is invented.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from lurewatch.html_report import Segment, mark_segments, scan_html
from lurewatch.model import Evidence, Finding, Level
from lurewatch.render import display_safe
from lurewatch.scan import ScanContact, ScanItem, ScanResult, ScanSummary

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CSP_META = (
    '<meta http-equiv="Content-Security-Policy" '
    "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
)
TITLE = "lurewatch: who approached you, rated"

# Each would run script, open a dialog or retitle the page if it were ever parsed as markup.
SCRIPT = "<script>alert(1);document.title='pwned-script'</script>"
IMG = "<img src=x onerror=alert(1)>"
IMG_TITLE = "<img src=x onerror=\"document.title='pwned-img'\">"
SVG = '"><svg onload=alert(1)>'
ATTR = "' autofocus onfocus='alert(1)"
JS_URL = "javascript:alert(1)"
LINK = '<a href="javascript:alert(1)">click</a>'
MARKDOWN = "**bold** [click me](javascript:alert(1)) `code` <b>rich</b> &amp; &lt;"
IFRAME = "<iframe srcdoc=\"<script>parent.document.title='pwned-iframe'</script>\"></iframe>"
STYLE = "</style><style>body{display:none}</style>"
BIDI = "invoice\u202egnp.exe and a NUL\x00 here"
PAYLOADS = (SCRIPT, IMG, IMG_TITLE, SVG, ATTR, JS_URL, LINK, MARKDOWN, IFRAME, STYLE)

EVIDENCE_HIGH = ("pays USD 1,500 for short insight reports", SCRIPT, "continue on WeChat")


def esc(text: str) -> str:
    """``text`` escaped the way the report's templates escape it."""
    from markupsafe import escape

    return str(escape(text))


# --- a hand-built scan ------------------------------------------------------------


def _finding(fid: str, title: str, weight: float, *evidence: Evidence) -> Finding:
    return Finding(id=fid, title=title, category="test", weight=weight, evidence=evidence)


def hostile_result() -> ScanResult:
    """Three invented people; the first writes nothing but attacks on the page."""
    high_items = (
        ScanItem(
            kind="invitation",
            date="2026-11-20T10:00:00+00:00",
            excerpt=f"Hello {IMG} {SVG} {ATTR}",
            subject="",
        ),
        ScanItem(
            kind="message",
            date="2026-11-21T09:00:00+00:00",
            excerpt=f"An important client pays USD 1,500 for short insight reports. {SCRIPT}",
            subject=f"Re: {IMG_TITLE}",
        ),
        ScanItem(
            kind="message",
            date="2026-11-23T09:00:00+00:00",
            excerpt=f"It is easier to continue on WeChat. {MARKDOWN} {LINK} {IFRAME} {STYLE}",
            subject="",
        ),
        ScanItem(kind="message", date=None, excerpt=BIDI, subject=""),
    )
    high = ScanContact(
        name=f"Amy {SCRIPT} Lindqvist",
        profile_url=JS_URL,
        level=Level.HIGH,
        score=97,
        findings=(
            _finding(
                "paid-reports",
                f"Offers money {IMG}",
                2.0,
                Evidence(field="text", text=EVIDENCE_HIGH[0], item=1),
                Evidence(field="text", text=SCRIPT, item=1),
            ),
            _finding(
                "offplatform",
                "Asks to continue on a messaging app",
                1.5,
                Evidence(field="text", text="continue  on\nWeChat", item=2),
            ),
            _finding(
                "subject",
                "Subject line",
                0.5,
                Evidence(field="subject", text=IMG_TITLE, item=1),
            ),
            _finding(
                "profile",
                "Company has no page",
                0.7,
                Evidence(field="profile.company", text=f"Horizon {SVG}", item=-1),
            ),
        ),
        items=high_items,
        company=f"Horizon {SVG}",
        position=f"Recruiter {ATTR}",
        connected_on="2026-11-20",
        first_contact="2026-11-20T10:00:00+00:00",
        last_contact="2026-11-23T09:00:00+00:00",
        item_count=4,
        context=(f"You sent attachments: {IMG}.",),
        advice=("Do not reply.", f"Report it to {LINK}."),
    )
    medium = ScanContact(
        name="Bea Medium",
        profile_url="https://www.linkedin.com/in/bea-medium-0",
        level=Level.MEDIUM,
        score=45,
        findings=(
            _finding(
                "flattery",
                "Flattery",
                0.8,
                Evidence(field="text", text="impressed by your", item=0),
                # Runs past the end of the kept excerpt: marked as far as it goes.
                Evidence(field="text", text="unique expertise in trade policy", item=0),
            ),
        ),
        items=(
            ScanItem(
                kind="message",
                date="2026-10-01T08:00:00+00:00",
                excerpt="I was impressed by your unique exper…",
            ),
        ),
        first_contact="2026-10-01T08:00:00+00:00",
        last_contact="2026-10-01T08:00:00+00:00",
        item_count=1,
    )
    low = ScanContact(
        name=f"Tom {IFRAME} Low",
        profile_url=None,
        level=Level.LOW,
        score=2,
        findings=(),
        items=(ScanItem(kind="message", date="2026-11-10T09:00:00+00:00", excerpt=MARKDOWN),),
        item_count=1,
    )
    summary = ScanSummary(
        source=f"/exports/{SCRIPT}.zip",
        owner=f"sam {IMG}",
        messages=6,
        invitations=1,
        contacts=2,
        counterparties=3,
        incoming_messages=5,
        incoming_invitations=1,
        by_level={"low": 1, "medium": 1, "high": 1},
        files=({"name": f"messages{SVG}.csv", "rows": 6, "encoding": "utf-8"},),
        skipped=(f"Shares_1.csv: not read {SCRIPT}", "Rich_Media.csv: not needed"),
    )
    return ScanResult(summary=summary, contacts=(high, medium, low))


# --- parsing the page -------------------------------------------------------------


class Page_(HTMLParser):
    """Tags, attributes, text and marked runs of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.marks: list[str] = []
        self._in_mark = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "mark":
            self._in_mark += 1
            self.marks.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._in_mark -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_mark:
            self.marks[-1] += data


def parse(page: str) -> Page_:
    p = Page_()
    p.feed(page)
    p.close()
    return p


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "a", "div", "header", "main", "footer",
    "section", "article", "h1", "h2", "h3", "h4", "p", "strong", "dl", "dt", "dd", "ul", "li",
    "code", "span", "table", "caption", "thead", "tbody", "tr", "th", "td", "q", "mark", "br",
    "time", "colgroup", "col", "svg", "line", "text", "circle", "details", "summary",
}  # fmt: skip


@pytest.fixture(scope="module")
def page_html() -> str:
    return scan_html(hostile_result())


# --- unit tests -------------------------------------------------------------------


def test_only_the_reports_own_tags_and_attributes(page_html: str) -> None:
    parsed = parse(page_html)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name == "href":
                assert value is not None and value.startswith("#"), (tag, value)
    assert "<script" not in page_html.lower()
    assert 'href="javascript:' not in page_html.lower()
    for raw_tag in re.findall(r"<[a-zA-Z][^>]*>", page_html):
        assert not re.search(r"\son\w+\s*=", raw_tag), raw_tag


def test_every_hostile_string_is_shown_as_text(page_html: str) -> None:
    text = "".join(parse(page_html).text)
    for payload in PAYLOADS:
        assert payload in text, payload
        if any(ch in payload for ch in "<>&\"'"):
            assert payload not in page_html, payload  # only ever escaped in the source
    assert esc(SCRIPT) in page_html


def test_controls_and_direction_overrides_are_made_visible(page_html: str) -> None:
    assert "\u202e" not in page_html
    assert "\x00" not in page_html
    assert display_safe(BIDI) in "".join(parse(page_html).text)


def test_adversary_urls_are_never_links(page_html: str) -> None:
    parsed = parse(page_html)
    hrefs = [v for tag, attrs in parsed.tags for n, v in attrs if n == "href"]
    ids = {v for _, attrs in parsed.tags for n, v in attrs if n == "id"}
    assert hrefs and all(h is not None and h[1:] in ids for h in hrefs)  # in-page only
    assert f'<code class="url">{JS_URL}</code>' in page_html


def test_content_security_policy_forbids_scripts_and_fetches(page_html: str) -> None:
    head = page_html.split("</head>", 1)[0]
    assert head.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    assert CSP_META in head


def test_evidence_is_marked_in_the_excerpts(page_html: str) -> None:
    assert parse(page_html).marks == [
        # Amy: the subject, then the excerpts in order.
        IMG_TITLE,
        "pays USD 1,500 for short insight reports",
        SCRIPT,
        "continue on WeChat",
        # Bea: whole quote, then the part of the cut-off quote that was kept.
        "impressed by your",
        "unique exper",
    ]
    assert f"<mark>{esc(SCRIPT)}</mark>" in page_html


def test_people_in_rank_order_with_level_in_words(page_html: str) -> None:
    parsed = parse(page_html)
    headings = [
        dict(attrs)["id"] for tag, attrs in parsed.tags if tag == "h3" and dict(attrs).get("id")
    ]
    assert headings == ["person-1-name", "person-2-name", "person-3-name"]
    for level, name in (("HIGH", "Amy"), ("MEDIUM", "Bea Medium"), ("LOW", "Tom")):
        assert re.search(
            rf'<span class="badge badge-{level.lower()}">{level}</span> <span class="name">'
            + re.escape(esc(name)),
            page_html,
        ), level


def test_timelines_for_high_and_medium_only(page_html: str) -> None:
    articles = page_html.split("<article ")[1:]
    circles = [a.count("<circle ") for a in articles]
    assert circles == [3, 1, 0]  # Amy's fourth message has no date
    assert "1 item without a date not shown" in articles[0]
    assert articles[0].count("<title>") == 3
    assert 'fill="#a3001b"' in articles[0] and 'fill="#ffffff"' in articles[0]


def test_skipped_notes_are_listed(page_html: str) -> None:
    section = page_html.split('<h2 id="not-read">', 1)[1]
    assert f"<li>Shares_1.csv: not read {esc(SCRIPT)}</li>" in section
    assert "<li>Rich_Media.csv: not needed</li>" in section


def test_same_scan_same_bytes(page_html: str) -> None:
    assert scan_html(hostile_result()) == page_html
    empty = ScanResult(
        summary=msgspec_replace(hostile_result().summary, skipped=(), files=()), contacts=()
    )
    assert scan_html(empty) == scan_html(empty)
    assert "Nothing was skipped." in scan_html(empty)


def msgspec_replace(obj: Any, **changes: Any) -> Any:
    import msgspec

    return msgspec.structs.replace(obj, **changes)


@pytest.mark.parametrize(
    ("text", "needles", "expected"),
    [
        ("no needles", [], [("no needles", False)]),
        ("", ["x"], [("", False)]),
        (
            "Keep THIS between us, keep this",
            ["keep this"],
            [("Keep THIS", True), (" between us, ", False), ("keep this", True)],
        ),
        ("abcdef", ["bcd", "cde"], [("a", False), ("bcde", True), ("f", False)]),
        ("go to  WeChat", ["go to\nWeChat"], [("go to  WeChat", False)]),
        ("go to WeChat", ["go  to\nWeChat"], [("go to WeChat", True)]),
        ("paid for reports on poli…", ["reports on policy"], [("paid for ", False),
         ("reports on poli", True), ("…", False)]),
        ("short…", ["shortlist"], [("short…", False)]),  # too little of it kept to mark
    ],
)  # fmt: skip
def test_mark_segments(text: str, needles: list[str], expected: list[tuple[str, bool]]) -> None:
    assert mark_segments(text, needles) == tuple(Segment(t, m) for t, m in expected)


# --- in a real browser ------------------------------------------------------------


class Opened:
    """A page with everything it tried to do recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        page.on("request", lambda req: self.requests.append(req.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=True)
    opened: list[Opened] = []

    def open_(path: Path) -> Opened:
        page = context.new_page()
        o = Opened(page)
        opened.append(o)
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(300)  # let any event handler that slipped through fire
        return o

    yield open_
    context.close()


def assert_nothing_ran(o: Opened, path: Path) -> None:
    page = o.page
    assert o.dialogs == []
    assert o.console == []  # no script ran, and the CSP had nothing to block
    assert o.requests == [path.as_uri()]  # the page fetched nothing but itself
    assert page.title() == TITLE
    assert page.evaluate(
        """() => ({
            scripts: document.querySelectorAll('script, iframe, object, embed, img, link').length,
            handlers: [...document.querySelectorAll('*')].filter(
                el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
            jsLinks: [...document.querySelectorAll('[href]')].filter(
                el => !el.getAttribute('href').startsWith('#')).length,
            hidden: getComputedStyle(document.body).display,
        })"""
    ) == {"scripts": 0, "handlers": 0, "jsLinks": 0, "hidden": "block"}


def test_browser_runs_nothing_and_shows_the_marks(open_page: Any, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(scan_html(hostile_result()), encoding="utf-8")
    o = open_page(path)
    assert_nothing_ran(o, path)
    page = o.page
    marks = page.locator("article#person-1 td.excerpt mark")
    assert marks.all_inner_texts() == [IMG_TITLE, *EVIDENCE_HIGH]
    for mark in marks.all():
        assert mark.is_visible()
    assert page.locator("article h3 .name").all_inner_texts() == [
        f"Amy {SCRIPT} Lindqvist",
        "Bea Medium",
        f"Tom {IFRAME} Low",
    ]
    high = page.locator("#person-1").bounding_box()
    low = page.locator("#person-3").bounding_box()
    assert high is not None and low is not None and high["y"] < low["y"]
    assert page.locator("#person-1 .badge").inner_text() == "HIGH"
    assert page.locator("#person-1 svg.timeline circle").count() == 3
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)


def test_browser_csp_stops_script_even_if_escaping_failed(open_page: Any, tmp_path: Path) -> None:
    # Simulate a broken escaper: splice live markup into the real page after its CSP.
    page_html = scan_html(hostile_result())
    injected = page_html.replace(
        "</h1>",
        "</h1><script>document.title='pwned'</script>"
        "<img src=x onerror=\"document.title='pwned-img'\">"
        "<svg onload=\"document.title='pwned-svg'\"></svg>",
        1,
    )
    assert injected != page_html
    path = tmp_path / "injected.html"
    path.write_text(injected, encoding="utf-8")
    o = open_page(path)
    assert o.page.title() == TITLE
    assert o.dialogs == []
    # Chromium reports each blocked script as a CSP violation; none of them ran.
    assert o.console and all("Content Security Policy" in line for line in o.console)


# --- the command, end to end ------------------------------------------------------

CONNECTIONS = """\
Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Amy,"Lindqvist <img src=x onerror=alert(1)>",https://www.linkedin.com/in/amy-lindqvist-x1,,\
"Horizon ""><svg onload=alert(1)>",Senior Recruiter,20 Nov 2026
Tom,Baker,https://www.linkedin.com/in/tom-baker-x2,,Acme Ltd,Engineer,15 Mar 2020
"""
MESSAGES = """\
CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,\
SUBJECT,CONTENT,FOLDER
c1,,Amy Lindqvist <img src=x onerror=alert(1)>,https://www.linkedin.com/in/amy-lindqvist-x1,\
Sam Owner,https://www.linkedin.com/in/sam-owner-x0,2026-11-21 09:00:00 UTC,Opportunity,\
"Dear Sam, I was impressed by your work on the trade committee. An important client of ours \
pays USD 1,500 for short insight reports on upcoming policy discussions. \
<script>alert(1)</script>",INBOX
c1,,Sam Owner,https://www.linkedin.com/in/sam-owner-x0,Amy Lindqvist <img src=x onerror=alert(1)>,\
https://www.linkedin.com/in/amy-lindqvist-x1,2026-11-22 10:00:00 UTC,,"Thanks, tell me more",INBOX
c1,,Amy Lindqvist <img src=x onerror=alert(1)>,https://www.linkedin.com/in/amy-lindqvist-x1,\
Sam Owner,https://www.linkedin.com/in/sam-owner-x0,2026-11-23 09:00:00 UTC,,\
"It would be easier to continue on WeChat: my ID is amy_88. Please keep this between us. \
<a href=""javascript:alert(1)"">my site</a>",INBOX
c2,,Tom Baker,https://www.linkedin.com/in/tom-baker-x2,Sam Owner,\
https://www.linkedin.com/in/sam-owner-x0,2026-11-10 09:00:00 UTC,,"Hi Sam, lunch next week?",INBOX
"""
INVITATIONS = """\
From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl
Amy Lindqvist <img src=x onerror=alert(1)>,Sam Owner,"11/20/26, 10:00 AM",\
"Hello, I'd love to connect about a paid advisory opportunity. ""><svg onload=alert(1)>",\
INCOMING,https://www.linkedin.com/in/amy-lindqvist-x1,https://www.linkedin.com/in/sam-owner-x0
"""


def make_export(folder: Path) -> Path:
    folder.mkdir()
    (folder / "Connections.csv").write_text(CONNECTIONS, encoding="utf-8")
    (folder / "messages.csv").write_text(MESSAGES, encoding="utf-8")
    (folder / "Invitations.csv").write_text(INVITATIONS, encoding="utf-8")
    return folder


def run_scan_html(folder: Path, out: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
    subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", "scan", str(folder), "--format", "html",
         "--output", str(out), "--today", "2026-11-29"],
        check=True, capture_output=True, env=env, timeout=120, cwd=folder.parent,
    )  # fmt: skip


def library_result(folder: Path) -> ScanResult:
    import datetime as dt

    from lurewatch.scan import Scanner
    from lurewatch.service import Checker
    from lurewatch.settings import Settings

    return Scanner(Checker.from_settings(Settings()), dt.date(2026, 11, 29)).scan(folder)


def test_cli_html_is_the_library_page(tmp_path: Path) -> None:
    folder = make_export(tmp_path / "export")
    out = tmp_path / "report.html"
    run_scan_html(folder, out)
    assert out.read_text(encoding="utf-8") == scan_html(library_result(folder))


def test_cli_html_in_the_browser(open_page: Any, tmp_path: Path) -> None:
    folder = make_export(tmp_path / "export")
    out = tmp_path / "report.html"
    run_scan_html(folder, out)
    result = library_result(folder)
    assert result.contacts[0].level is not Level.LOW  # the rules found something
    o = open_page(out)
    assert_nothing_ran(o, out)
    page = o.page
    names = page.locator("article h3 .name").all_inner_texts()
    assert names == [c.name for c in result.contacts]
    assert names[0] == "Amy Lindqvist <img src=x onerror=alert(1)>"
    assert names[-1] == "Tom Baker"
    marks = page.locator("mark")
    assert marks.count() > 0
    for mark in marks.all():
        assert mark.is_visible()
    evidence = {" ".join(e.text.split()).casefold() for f in result.contacts[0].findings
                for e in f.evidence}  # fmt: skip
    assert {m.casefold() for m in marks.all_inner_texts()} <= evidence
    page.screenshot(path=str(tmp_path / "cli-report.png"), full_page=True)


# --- people who seem linked -------------------------------------------------------------


def _linked_result(handle_b: str) -> ScanResult:
    def person(name: str, handle: str, day: int) -> ScanContact:
        return ScanContact(
            name=name,
            profile_url=f"https://www.linkedin.com/in/{name.split()[0].lower()}-x",
            company=f"Firm {name.split()[0]}",
            level=Level.MEDIUM,
            score=45,
            findings=(),
            items=(
                ScanItem(
                    kind="message",
                    date=f"2026-11-{day:02d}T09:00:00+00:00",
                    excerpt=f"Happy to talk. My WeChat ID is {handle}",
                ),
            ),
            first_contact=f"2026-11-{day:02d}T09:00:00+00:00",
            item_count=1,
        )

    contacts = (
        person(f"Amy {SCRIPT} Lind", "bryr_amy88", 3),
        person("Ben Osei", handle_b, 5),
        person("Cy Dale", "cy_dale_7", 7),
    )
    return msgspec_replace(hostile_result(), contacts=contacts)


def test_people_sharing_a_handle_are_shown_linked_with_a_graph() -> None:
    page = scan_html(_linked_result("bryr_amy88"))
    assert "People who seem linked" in page
    section = page[page.index("People who seem linked") : page.index('id="people-heading"')]
    assert section.count("<svg") == 1
    assert 'href="#person-1"' in section and 'href="#person-2"' in section
    assert "#person-3" not in section  # Cy shares nothing
    assert "bryr_amy88" in section  # what agreed
    assert "<script>" not in section and esc(SCRIPT) in section
    import xml.etree.ElementTree as ET

    svg = section[section.index("<svg") : section.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if any(a.startswith("on") for a in el.attrib)]


def test_no_linked_section_when_nobody_shares_anything() -> None:
    assert "People who seem linked" not in scan_html(_linked_result("someone_else_2"))
    assert "People who seem linked" not in scan_html(hostile_result())


def test_browser_linked_graph_runs_nothing_and_links_to_the_people(
    open_page: Any, tmp_path: Path
) -> None:
    path = tmp_path / "linked.html"
    path.write_text(scan_html(_linked_result("bryr_amy88")), encoding="utf-8")
    o = open_page(path)
    assert_nothing_ran(o, path)
    graph = o.page.locator("figure svg")
    assert graph.count() == 1 and graph.is_visible()
    box = graph.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
