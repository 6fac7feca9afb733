"""The triage pages: the queue (order, filters, pages, saved views) and one report's page."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from websupport import Clock, contact, csrf_from, page_login, post_form

from lurewatch.store import Store
from lurewatch.store.records import Report, ReportSubmission, SubmittedContact
from lurewatch.web.pages.triage import normalise_query

_REFERENCE = re.compile(r'href="/reports/(LW-\d{4}-\d{6})"')


def submit(store: Store, reporter: str = "sam", *contacts: dict[str, Any], **kw: Any) -> Report:
    """A report stored as if ``reporter`` had sent it (contacts in the API's JSON form)."""
    return store.submit_report(
        ReportSubmission(
            reporter=reporter,
            channel=kw.pop("channel", "web"),
            contacts=tuple(
                msgspec.convert(c, SubmittedContact) for c in (contacts or (contact(),))
            ),
            **kw,
        )
    )


def scored(score: int, name: str = "Avery Lin", **fields: Any) -> dict[str, Any]:
    level = "high" if score >= 70 else "medium" if score >= 40 else "low"
    return contact(name, score=score, level=level, **fields)


def listed(client: Any, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return _REFERENCE.findall(response.text)


@pytest.fixture
def ana(client: Any) -> Any:
    page_login(client, "ana")
    return client


# --- who may see the pages ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/queue", "/queue?level=high", "/reports/LW-2026-000001"])
def test_anonymous_people_are_sent_to_log_in(client: Any, store: Store, path: str) -> None:
    submit(store)
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/")


@pytest.mark.parametrize("path", ["/queue", "/reports/LW-2026-000001"])
def test_reporters_are_refused_the_analysts_pages(client: Any, store: Store, path: str) -> None:
    submit(store)  # sam's own report: still not his page to see here
    page_login(client, "sam")
    response = client.get(path)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Avery Lin" not in response.text


def test_a_reporter_cannot_act_on_a_report_either(client: Any, store: Store) -> None:
    ref = submit(store).reference
    page_login(client, "sam")
    token = csrf_from(client.get("/login").text)
    response = client.post(
        f"/reports/{ref}/exercise", data={"is_exercise": "true", "csrf_token": token}
    )
    assert response.status_code == 403
    assert not store.get_report(ref).is_exercise


# --- the queue's order ----------------------------------------------------------------------


def test_a_committee_clerks_report_outranks_a_visitor_centre_guides_with_the_same_score(
    ana: Any, store: Store, clock: Clock
) -> None:
    clerk = submit(store, "sam", scored(55)).reference
    clock.advance(minutes=5)
    guide = submit(store, "kim", scored(55)).reference
    clock.advance(minutes=5)
    louder = submit(store, "kim", scored(60, "Jordan Wei")).reference

    # priority = score x team sensitivity: 165 (clerks, 3.0), 60, 55 (visitor centre, 1.0)
    assert listed(ana, "/queue") == [clerk, louder, guide]
    assert listed(ana, "/queue?order=priority") == [clerk, louder, guide]
    assert listed(ana, "/queue?order=score") == [louder, guide, clerk]
    assert listed(ana, "/queue?order=recent") == [louder, guide, clerk]


def test_a_row_shows_reporter_team_rating_top_reason_status_verdict_and_cases(
    ana: Any, store: Store
) -> None:
    from lurewatch.store.records import CaseDraft

    ref = submit(store, "sam").reference
    store.record_verdict(ref, "confirmed-hostile", actor="ana")
    case = store.create_case(CaseDraft(title="Persona", reports=(ref,)), actor="ana")
    page = ana.get("/queue").text
    row = re.search(r"<tr>\s*<td><a href=\"/reports/" + ref + r".*?</tr>", page, re.S)
    assert row, page
    cells = [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td.*?</td>", row[0], re.S)]
    assert cells == [
        [ref],
        ["29", "Nov", "2026,", "09:00"],
        ["sam", "Committee", "clerks"],
        ["HIGH", "91"],
        ["Offers", "money", "for", "reports"],
        ["In", "review"],  # linking to a case moved it
        ["confirmed-hostile"],
        [f"#{case.id}"],
    ]
    assert f'href="/cases/{case.id}"' in row[0]
    assert "1 report on this page (reports 1–1), priority order" in page


# --- filters --------------------------------------------------------------------------------


def test_each_filter_narrows_the_queue(ana: Any, store: Store, clock: Clock) -> None:
    high = submit(store, "sam", scored(91)).reference
    clock.advance(minutes=1)
    medium = submit(store, "kim", scored(55, "Jordan Wei"), channel="email").reference
    clock.advance(minutes=1)
    low = submit(store, "kim", scored(10, "Tom Hughes"), channel="cli").reference
    store.set_report_status(low, "closed", actor="ana")

    recent = "&order=recent"
    assert listed(ana, "/queue?level=high" + recent) == [high]
    assert listed(ana, "/queue?level=medium" + recent) == [medium]
    assert listed(ana, "/queue?status=closed" + recent) == [low]
    assert listed(ana, "/queue?status=received" + recent) == [medium, high]
    assert listed(ana, "/queue?team=Visitor+centre" + recent) == [low, medium]
    assert listed(ana, "/queue?team=Committee+clerks" + recent) == [high]
    assert listed(ana, "/queue?channel=email" + recent) == [medium]
    assert listed(ana, "/queue?channel=cli&team=Visitor+centre" + recent) == [low]
    assert listed(ana, "/queue?q=jordan" + recent) == [medium]
    assert listed(ana, "/queue?q=jordan&level=high") == []
    assert listed(ana, "/queue?q=" + low) == [low]
    # The form shows what is applied.
    page = ana.get("/queue?level=medium&team=Visitor+centre").text
    assert '<option value="medium" selected>' in page
    assert '<option value="Visitor centre" selected>' in page


def test_exercises_are_left_out_unless_asked_for(ana: Any, store: Store, clock: Clock) -> None:
    real = submit(store, "sam").reference
    clock.advance(minutes=1)
    drill = submit(store, "sam", is_exercise=True).reference

    assert listed(ana, "/queue") == [real]
    assert listed(ana, "/queue?exercises=exclude") == [real]
    assert listed(ana, "/queue?exercises=include&order=recent") == [drill, real]
    assert listed(ana, "/queue?exercises=only") == [drill]
    assert "Exercise</span>" in ana.get("/queue?exercises=only").text


def test_a_value_out_of_range_is_a_422_page(ana: Any) -> None:
    response = ana.get("/queue?level=severe")
    assert response.status_code == 422
    assert "level" in response.text and "text/html" in response.headers["content-type"]
    assert ana.get("/queue?offset=-1").status_code == 422


# --- pages ----------------------------------------------------------------------------------


def test_pages_of_fifty_with_links_that_keep_the_filters(
    ana: Any, store: Store, clock: Clock
) -> None:
    refs = []
    for n in range(53):
        refs.append(submit(store, "kim", scored(91, f"Person {n}")).reference)
        clock.advance(seconds=1)
    submit(store, "kim", scored(10, "Quiet Person"))  # filtered out by level=high
    newest_first = refs[::-1]

    first = ana.get("/queue?level=high&order=recent").text
    assert _REFERENCE.findall(first) == newest_first[:50]
    assert "50 reports on this page (reports 1–50)" in first
    assert 'href="/queue?level=high&amp;order=recent&amp;offset=50" rel="next"' in first
    assert 'rel="prev"' not in first

    second = ana.get("/queue?level=high&order=recent&offset=50").text
    assert _REFERENCE.findall(second) == newest_first[50:]
    assert "3 reports on this page (reports 51–53)" in second
    assert 'href="/queue?level=high&amp;order=recent" rel="prev"' in second
    assert 'rel="next"' not in second

    assert (
        "No reports match these filters after the first 100"
        in ana.get("/queue?level=high&order=recent&offset=100").text
    )


# --- saved views ----------------------------------------------------------------------------


def test_normalising_keeps_only_the_queues_filters_with_valid_values() -> None:
    assert normalise_query("order=score&evil=%3Cscript%3E&level=high&offset=100&level=low") == (
        "level=high&order=score"
    )
    assert normalise_query("status=bogus&team=Visitor+centre&exercises=exclude&q=") == (
        "team=Visitor+centre"
    )
    assert normalise_query("order=priority&exercises=only&channel=email") == (
        "channel=email&exercises=only"
    )
    assert normalise_query("") == ""


def test_saving_listing_applying_and_deleting_a_view(ana: Any, store: Store, clock: Clock) -> None:
    high = submit(store, "sam", scored(91)).reference
    clock.advance(minutes=1)
    submit(store, "kim", scored(10, "Tom Hughes"))

    response = post_form(
        ana,
        "/queue/views",
        {
            "name": "Clerks, high",
            "query": "level=high&team=Committee+clerks&offset=50&next=//evil.example&status=nope",
        },
        page="/queue",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/queue?level=high&team=Committee+clerks"
    (view,) = store.list_views("ana")
    assert (view.name, view.query) == ("Clerks, high", "level=high&team=Committee+clerks")
    assert store.list_views("adam") == []

    page = ana.get("/queue").text
    link = re.search(r'<a href="([^"]+)">Clerks, high</a>', page)
    assert link and link[1] == "/queue?level=high&amp;team=Committee+clerks"
    assert listed(ana, link[1].replace("&amp;", "&")) == [high]

    # The save form carries the filters being looked at.
    assert (
        '<input type="hidden" name="query" value="level=high&amp;team=Committee+clerks">'
        in ana.get("/queue?level=high&team=Committee+clerks&offset=50").text
    )

    response = post_form(
        ana, f"/queue/views/{view.id}/delete", {}, page="/queue", follow_redirects=False
    )
    assert response.status_code == 303
    assert store.list_views("ana") == []
    assert "Clerks, high" not in ana.get("/queue").text
    actions = [e.action for e in store.audit_entries(limit=1000) if e.action.startswith("view.")]
    assert actions == ["view.save", "view.delete"]


def test_another_analysts_view_cannot_be_deleted(client: Any, store: Store) -> None:
    theirs = store.save_view("adam", "Admin's", "level=high", actor="adam")
    page_login(client, "ana")
    response = post_form(client, f"/queue/views/{theirs.id}/delete", {}, page="/queue")
    assert response.status_code == 404
    assert [v.name for v in store.list_views("adam")] == ["Admin's"]


def test_forms_without_the_csrf_token_are_refused(ana: Any, store: Store) -> None:
    ref = submit(store).reference
    for path, data in (
        ("/queue/views", {"name": "x", "query": "level=high"}),
        (f"/reports/{ref}/verdict", {"template": "confirmed-hostile"}),
        (f"/reports/{ref}/exercise", {"is_exercise": "true"}),
        (f"/reports/{ref}/case", {"title": "x"}),
    ):
        response = ana.post(path, data=data)
        assert response.status_code == 403, path
        assert "This form has expired" in response.text
    assert store.list_views("ana") == []
    report = store.get_report(ref)
    assert (report.verdict_key, report.is_exercise, report.case_ids) == (None, False, ())


# --- a report's page ------------------------------------------------------------------------


def test_the_report_page_shows_contacts_findings_and_the_evidence_marked(
    ana: Any, store: Store
) -> None:
    ref = submit(
        store,
        "sam",
        contact(
            context=("Connected on 2026-09-01",),
            items=[
                {
                    "kind": "message",
                    "date": "2026-09-10T08:30:00",
                    "subject": "Paid insight",
                    "excerpt": "An important client pays USD 1,500 for short reports",
                },
                {"kind": "invitation", "excerpt": "Let us connect"},
            ],
        ),
    ).reference
    page = ana.get(f"/reports/{ref}")
    assert page.status_code == 200
    html = page.text
    assert f"<h1>Report {ref}</h1>" in html
    assert "An important client <mark>pays USD 1,500</mark> for short reports" in html
    assert "<mark>" not in html.split("Let us connect")[0].rsplit("Invitation 2", 1)[-1]
    assert "Message 1, 10 Sep 2026, 08:30" in html
    assert "<td>Offers money for reports</td>" in html
    assert '<td class="num">+2.0</td>' in html
    assert "<q>pays USD 1,500</q>" in html
    assert "<code>https://www.linkedin.com/in/avery-lin</code>" in html
    assert 'href="https://www.linkedin.com' not in html
    assert "Bright Path Executive Search" in html and "CEO" in html
    assert "3 Sep 2026" in html and "20 Sep 2026" in html
    assert "Connected on 2026-09-01" in html
    assert "Committee clerks" in html
    # Verdict templates to choose from.
    assert '<option value="confirmed-hostile">' in html


def test_an_unknown_report_is_a_404_page(ana: Any) -> None:
    response = ana.get("/reports/LW-2026-999999")
    assert response.status_code == 404
    assert "no report" in response.text


def test_sending_a_verdict_from_a_template_and_with_edited_wording(ana: Any, store: Store) -> None:
    ref = submit(store).reference
    response = post_form(
        ana,
        f"/reports/{ref}/verdict",
        {"template": "confirmed-hostile", "text": "", "status": "closed"},
        page=f"/reports/{ref}",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/reports/{ref}?done=verdict"
    report = store.get_report(ref)
    template = store.get_verdict_template("confirmed-hostile").text
    assert (report.verdict_key, report.verdict_text, report.status) == (
        "confirmed-hostile",
        template,
        "closed",
    )
    assert "Verdict sent to the reporter." in ana.get(response.headers["location"]).text

    post_form(
        ana,
        f"/reports/{ref}/verdict",
        {"template": "looks-legitimate", "text": "A real recruiter; thank you.", "status": ""},
        page=f"/reports/{ref}",
    )
    report = store.get_report(ref)
    assert (report.verdict_key, report.verdict_text, report.status) == (
        "looks-legitimate",
        "A real recruiter; thank you.",
        "closed",
    )
    (entry,) = [e for e in store.audit_entries(limit=100) if e.action == "report.verdict"][-1:]
    assert entry.actor == "ana"


def test_setting_the_status_and_an_unknown_template(ana: Any, store: Store) -> None:
    ref = submit(store).reference
    post_form(ana, f"/reports/{ref}/status", {"status": "in_review"}, page=f"/reports/{ref}")
    assert store.get_report(ref).status == "in_review"
    bad = post_form(ana, f"/reports/{ref}/status", {"status": "lost"}, page=f"/reports/{ref}")
    assert bad.status_code == 422
    missing = post_form(
        ana, f"/reports/{ref}/verdict", {"template": "nope"}, page=f"/reports/{ref}"
    )
    assert missing.status_code == 404
    assert store.get_report(ref).verdict_key is None


def test_marking_and_unmarking_a_security_exercise(ana: Any, store: Store) -> None:
    ref = submit(store).reference
    assert "Mark as a security exercise" in ana.get(f"/reports/{ref}").text
    post_form(ana, f"/reports/{ref}/exercise", {"is_exercise": "true"}, page=f"/reports/{ref}")
    assert store.get_report(ref).is_exercise
    assert listed(ana, "/queue") == []
    page = ana.get(f"/reports/{ref}").text
    assert "Unmark: this is a real report" in page
    post_form(ana, f"/reports/{ref}/exercise", {"is_exercise": "false"}, page=f"/reports/{ref}")
    assert not store.get_report(ref).is_exercise
    assert listed(ana, "/queue") == [ref]


def test_opening_a_case_from_a_report(ana: Any, store: Store) -> None:
    ref = submit(store).reference
    page = ana.get(f"/reports/{ref}").text
    assert f'value="{ref}: Avery Lin (Bright Path Executive Search)"' in page
    response = post_form(
        ana,
        f"/reports/{ref}/case",
        {"title": "Bright Path persona", "severity": "high", "tlp": "TLP:AMBER+STRICT"},
        page=f"/reports/{ref}",
        follow_redirects=False,
    )
    assert response.status_code == 303
    case_id = int(response.headers["location"].removeprefix("/cases/"))
    case = store.get_case(case_id)
    assert (case.title, case.severity, case.tlp, case.reports, case.created_by) == (
        "Bright Path persona",
        "high",
        "TLP:AMBER+STRICT",
        (ref,),
        "ana",
    )
    assert store.get_report(ref).case_ids == (case_id,)


def test_linking_a_report_to_an_existing_case(ana: Any, store: Store) -> None:
    from lurewatch.store.records import CaseDraft

    ref = submit(store).reference
    case = store.create_case(CaseDraft(title="Existing"), actor="adam")
    response = post_form(
        ana, f"/reports/{ref}/link", {"case_id": f"#{case.id}"}, page=f"/reports/{ref}"
    )
    assert response.status_code == 200
    assert "Report linked to the case." in response.text
    assert store.get_case(case.id).reports == (ref,)
    assert (
        post_form(
            ana, f"/reports/{ref}/link", {"case_id": "999"}, page=f"/reports/{ref}"
        ).status_code
        == 404
    )
    assert (
        post_form(
            ana, f"/reports/{ref}/link", {"case_id": "one"}, page=f"/reports/{ref}"
        ).status_code
        == 422
    )


# --- hostile text ---------------------------------------------------------------------------

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
JS_URL = "javascript:alert(document.cookie)"


def test_hostile_names_companies_and_excerpts_are_only_ever_shown_escaped(
    ana: Any, store: Store
) -> None:
    hostile = contact(
        name=f"Amy {SCRIPT}",
        company=f"Acme {IMG}",
        position='"><svg onload=alert(1)>',
        profile_url=JS_URL,
        findings=[
            {
                "id": "offers-money",
                "title": f"Offers {SCRIPT}",
                "category": "money",
                "weight": 2.0,
                "evidence": [{"field": "text", "text": IMG, "item": 0}],
            }
        ],
        items=[{"kind": "message", "excerpt": f"Hello {IMG} and <a href='{JS_URL}'>x</a>"}],
        context=(SCRIPT,),
    )
    ref = submit(store, "sam", hostile).reference
    for html in (ana.get(f"/reports/{ref}").text, ana.get("/queue").text):
        assert "<script>" not in html
        assert "<img" not in html
        assert "<svg" not in html
        assert 'href="javascript:' not in html and "href='javascript:" not in html
    report_page = ana.get(f"/reports/{ref}").text
    assert "Amy &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in report_page
    assert "<mark>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</mark>" in report_page
    assert f"<code>{JS_URL}</code>" in report_page
    # The case title prefilled from the hostile name stays an escaped attribute value.
    assert 'value="LW-2026-000001: Amy &lt;script&gt;' in report_page
    queue = ana.get("/queue").text
    assert "Offers &lt;script&gt;" in queue
