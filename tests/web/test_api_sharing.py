"""The office side of sharing: fan-out files in, findings out, and the anonymous lookup.

Every export, persona and key here is synthetic, written for these tests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from websupport import PASSWORD, SECRET, Clock, bearer

from lurewatch.model import Alert, Indicator, Persona
from lurewatch.settings import Settings
from lurewatch.sharing import (
    InstitutionKey,
    collect_fanout,
    encode_fanout,
    lookup_request,
    parse_key,
)
from lurewatch.store import Store
from lurewatch.web import ConfigurationError, create_app
from lurewatch.web.routes.sharing import NO_KEY, AccessLogRedaction
from lurewatch.web.sessions import COOKIE_NAME

KEY_HEX = bytes(range(32)).hex()
KEY = parse_key(KEY_HEX)
OTHER_KEY = InstitutionKey(bytes(range(1, 33)))

MESSAGES_HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT\n"
)
# The persona, as each member of staff's export happens to spell its profile address.
HALE = "Morgan Hale"
HALE_URLS = (
    "https://uk.linkedin.com/in/Morgan-Hale-77/?trk=1",
    "https://www.linkedin.com/in/morgan-hale-77",
    "https://www.linkedin.com/in/morgan-hale-77/",
)
HALE_TEXT = "A client of ours pays well for short briefing notes. Easier on WeChat: mh_larkspur88"
STAFF = (  # username, name in their export, day the persona wrote
    ("sam", "Sam Carter", "2026-10-05"),
    ("kim", "Kim Ode", "2026-10-08"),
    ("ana", "Ana Lopes", "2026-10-11"),
)
ALERT = Alert(
    id="alert-hale",
    title="Larkspur <b>personas</b>",
    tlp="TLP:AMBER",
    personas=(Persona(id="p1", name="Morgan <i>Hale</i>", profile_url=HALE_URLS[2]),),
    indicators=(Indicator(type="wechat", value="not_the_same_handle", persona="p1"),),
)


def export_of(folder: Path, owner: str, *, hale_url: str | None, day: str) -> Path:
    """A LinkedIn export folder: the persona (if ``hale_url``) and a colleague wrote to ``owner``."""
    folder.mkdir(parents=True)
    rows = [MESSAGES_HEADER]
    if hale_url:
        rows.append(
            f'c1,,{HALE},{hale_url},{owner},,{day} 09:12:00 UTC,,"{HALE_TEXT}",INBOX,,false\n'
        )
    colleague = f"https://www.linkedin.com/in/colleague-of-{owner.split()[0].lower()}"
    rows.append(f'c2,,Jo Bright,{colleague},{owner},,{day} 12:00:00 UTC,,"Lunch?",INBOX,,false\n')
    (folder / "messages.csv").write_text("".join(rows), encoding="utf-8")
    return folder


def fanout_bytes(tmp_path: Path, owner: str, *, day: str, hale_url: str | None,
                 key: InstitutionKey = KEY) -> bytes:  # fmt: skip
    folder = export_of(
        tmp_path / f"{owner}-{day}-{bool(hale_url)}", owner, hale_url=hale_url, day=day
    )
    return encode_fanout(collect_fanout(folder, key, owner=owner))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "institution.key"
    path.write_text(f"# a test key\n{KEY_HEX}\n")
    return path


@pytest.fixture
def settings(key_file: Path) -> Settings:
    return Settings(secret_key=SECRET, institution_key_file=key_file)


def log_in(client: Any, username: str) -> None:
    response = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200


def upload(client: Any, data: bytes, username: str | None) -> Any:
    headers = bearer(username) if username else {}
    return client.post("/api/fanout", content=data, headers=headers)


def upload_all(client: Any, tmp_path: Path) -> None:
    for (username, owner, day), url in zip(STAFF, HALE_URLS, strict=True):
        response = upload(client, fanout_bytes(tmp_path, owner, day=day, hale_url=url), username)
        assert response.status_code == 201, response.text


# -- fan-out files ---------------------------------------------------------------------


def test_three_staff_reached_by_one_persona_is_a_finding_naming_the_alert(
    client: Any, store: Store, tmp_path: Path
) -> None:
    store.import_alert(ALERT, actor="ana")
    upload_all(client, tmp_path)
    response = client.get("/api/fanout/findings", headers=bearer("ana"))
    assert response.status_code == 200
    body = response.json()
    assert (body["key_id"], body["contributors"], body["min_staff"]) == (KEY.key_id, 3, 3)
    hale = {
        "alert_id": "alert-hale",
        "alert_title": "Larkspur <b>personas</b>",
        "persona": "Morgan <i>Hale</i>",
    }
    common = {"staff": 3, "staff_all_time": 3, "first": "2026-10-05", "last": "2026-10-11",
              "contributors": ["sam", "kim", "ana"]}  # fmt: skip
    expected = sorted(
        [
            {"kind": "url", "hash": KEY.hash("url", "linkedin.com/in/morgan-hale-77"),
             "alerted": [hale], **common},
            {"kind": "handle", "hash": KEY.hash("handle", "mh_larkspur88"), "alerted": [], **common},
        ],
        key=lambda f: (f["kind"], f["hash"]),
    )  # fmt: skip
    assert body["findings"] == expected
    # The colleagues each wrote to one person only: no finding.
    fewer = client.get("/api/fanout/findings?min_staff=1", headers=bearer("ana")).json()
    assert len(fewer["findings"]) == 5


def test_a_re_upload_replaces_the_earlier_file(client: Any, tmp_path: Path) -> None:
    upload_all(client, tmp_path)
    later = fanout_bytes(tmp_path, "Kim Ode", day="2026-10-20", hale_url=None)
    response = upload(client, later, "kim")
    assert response.status_code == 201
    assert response.json() == {
        "contributor": "kim",
        "key_id": KEY.key_id,
        "received_at": "2026-11-29T09:00:00Z",
        "contacts": 1,
        "sightings": 1,
        "replaced": True,
    }
    body = client.get("/api/fanout/findings", headers=bearer("ana")).json()
    assert (body["contributors"], body["findings"]) == (3, [])
    two = client.get("/api/fanout/findings?min_staff=2", headers=bearer("ana")).json()
    assert {tuple(f["contributors"]) for f in two["findings"]} == {("sam", "ana")}


def test_a_member_of_staff_uploads_with_their_session_too(client: Any, tmp_path: Path) -> None:
    log_in(client, "sam")
    data = fanout_bytes(tmp_path, "Sam Carter", day="2026-10-05", hale_url=HALE_URLS[0])
    response = upload(client, data, None)
    assert (response.status_code, response.json()["contributor"]) == (201, "sam")
    evil = client.post("/api/fanout", content=data, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403


def test_a_file_under_another_key_is_400_in_one_line(
    client: Any, store: Store, tmp_path: Path
) -> None:
    stale = fanout_bytes(
        tmp_path, "Sam Carter", day="2026-10-05", hale_url=HALE_URLS[0], key=OTHER_KEY
    )
    response = upload(client, stale, "sam")
    assert response.status_code == 400
    assert response.json() == {
        "message": f"fan-out file: made with key {OTHER_KEY.key_id}, not the office's current key "
        f"{KEY.key_id}: get the current key from the security office and scan again"
    }
    assert store.fanout_contributors() == 0


@pytest.mark.parametrize(
    "data",
    [b"", b"not json", b'{"format": "lurewatch-fanout/2", "key_id": "00", "contacts": []}',
     b'{"format": "lurewatch-fanout/1", "key_id": "0011223344556677", "contacts": [{"ids": {"url": "x"}}]}'],
)  # fmt: skip
def test_a_bad_file_is_400_in_one_line(client: Any, data: bytes) -> None:
    response = upload(client, data, "sam")
    assert response.status_code == 400
    [message] = response.json().values()
    assert message.startswith("fan-out file: not a lurewatch-fanout/1 file")
    assert "\n" not in message


def test_an_oversize_file_is_413(store: Store, clock: Clock, key_file: Path) -> None:
    from fastapi.testclient import TestClient

    small = Settings(secret_key=SECRET, institution_key_file=key_file, max_request_bytes=2_000)
    with TestClient(create_app(small, store, now=clock)) as client:
        response = upload(client, b"{" + b" " * 5_000 + b"}", "sam")
    assert response.status_code == 413
    assert store.fanout_contributors() == 0


def test_findings_are_for_analysts(client: Any) -> None:
    assert client.get("/api/fanout/findings").status_code == 401
    response = client.get("/api/fanout/findings", headers=bearer("sam"))
    assert response.status_code == 403
    assert client.get("/api/fanout/findings", headers=bearer("adam")).status_code == 200


# -- the anonymous lookup --------------------------------------------------------------


def lookup_body(key: InstitutionKey = KEY, **persona: Any) -> bytes:
    return msgspec.json.encode(lookup_request(key, **persona))


ALERTED = lookup_body(profile_url="uk.linkedin.com/in/MORGAN-HALE-77?utm=mail")
UNRELATED = lookup_body(profile_url="linkedin.com/in/someone-else", handles=["@x_y_z9"])


def test_a_lookup_of_an_alerted_persona_spelled_differently_matches(
    client: Any, store: Store
) -> None:
    store.import_alert(ALERT, actor="ana")
    audit_before = len(store.audit_entries(limit=1000))
    response = client.post("/api/lookup", content=ALERTED)
    assert response.status_code == 200
    assert response.json() == {
        "matched": True,
        "kinds": ["url"],
        "searched": ["alerts", "campaigns"],
        "advice": "Do not reply or accept anything. Report it to the security office "
        "(lurewatch report, or the Check and report page): a match means the office already "
        "knows this persona.",
    }
    # Nothing of the alert comes back, and nothing is recorded about the question.
    assert "Hale" not in response.text and "alert-hale" not in response.text
    assert len(store.audit_entries(limit=1000)) == audit_before
    handle = client.post(
        "/api/lookup", content=lookup_body(handles=["WeChat: Not_The_Same_Handle"])
    )
    assert handle.json()["kinds"] == ["handle"]


def test_a_lookup_of_an_unrelated_persona_does_not_match(client: Any, store: Store) -> None:
    store.import_alert(ALERT, actor="ana")
    response = client.post("/api/lookup", content=UNRELATED)
    assert response.status_code == 200
    assert response.json()["matched"] is False
    assert response.json()["kinds"] == []


def test_a_lookup_needs_no_credentials_and_ignores_any(client: Any, store: Store) -> None:
    store.import_alert(ALERT, actor="ana")
    anonymous = client.post("/api/lookup", content=ALERTED).json()
    log_in(client, "ana")
    assert COOKIE_NAME in client.cookies
    assert client.post("/api/lookup", content=ALERTED).json() == anonymous
    assert client.post("/api/lookup", content=ALERTED, headers=bearer("sam")).json() == anonymous
    # Credentials are not even resolved: bad ones are no error here.
    client.cookies.set(COOKIE_NAME, "forged.cookie")
    bad = client.post("/api/lookup", content=ALERTED, headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.json()) == (200, anonymous)


def test_a_lookup_under_another_key_or_malformed_is_400(client: Any) -> None:
    response = client.post("/api/lookup", content=lookup_body(OTHER_KEY, profile_url=HALE_URLS[0]))
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"lookup request: made with key {OTHER_KEY.key_id}, not the current key {KEY.key_id}"
    )
    assert client.post("/api/lookup", content=b"[]").status_code == 400


def test_lookups_are_rate_limited_per_client_address(client: Any, clock: Clock) -> None:
    for _ in range(20):
        assert client.post("/api/lookup", content=UNRELATED).status_code == 200
    blocked = client.post("/api/lookup", content=UNRELATED)
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "600"
    assert blocked.json() == {"message": "too many lookups from this address: try again in 600 s"}
    assert client.post("/api/lookup", content=b"junk").status_code == 429  # counted before reading
    clock.advance(minutes=10)
    assert client.post("/api/lookup", content=UNRELATED).status_code == 200


def test_the_access_log_line_of_a_lookup_has_no_client_address() -> None:
    def line(path: str) -> str:
        record = logging.LogRecord(
            "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
            ("203.0.113.7:51234", "POST", path, "1.1", 200), None,
        )  # fmt: skip
        assert AccessLogRedaction().filter(record)
        return record.getMessage()

    assert line("/api/lookup") == '- - "POST /api/lookup HTTP/1.1" 200'
    assert line("/api/reports") == '203.0.113.7:51234 - "POST /api/reports HTTP/1.1" 200'


# -- without a key -----------------------------------------------------------------------


@pytest.fixture
def keyless(store: Store, clock: Clock) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(create_app(Settings(secret_key=SECRET), store, now=clock)) as client:
        yield client


def test_without_an_institution_key_the_endpoints_answer_503(keyless: Any) -> None:
    answers = [
        keyless.post("/api/fanout", content=b"{}", headers=bearer("sam")),
        keyless.get("/api/fanout/findings", headers=bearer("ana")),
        keyless.post("/api/lookup", content=UNRELATED),
    ]
    assert [(r.status_code, r.json()) for r in answers] == [(503, {"message": NO_KEY})] * 3


def test_an_unreadable_key_file_stops_the_server_from_starting(
    store: Store, tmp_path: Path
) -> None:
    short = tmp_path / "short.key"
    short.write_text("abcd\n")
    with pytest.raises(ConfigurationError, match=r"LUREWATCH_INSTITUTION_KEY_FILE: .*too short"):
        create_app(Settings(secret_key=SECRET, institution_key_file=short), store)
    with pytest.raises(ConfigurationError, match="cannot read the key"):
        create_app(Settings(secret_key=SECRET, institution_key_file=tmp_path / "none"), store)


def test_the_key_file_comes_from_the_environment(key_file: Path) -> None:
    settings = Settings.from_env({"LUREWATCH_INSTITUTION_KEY_FILE": f" {key_file} "})
    assert settings.institution_key_file == key_file
    assert Settings.from_env({}).institution_key_file is None


def test_a_lookup_finds_a_campaign_member_that_no_alert_names(client: Any, store: Store) -> None:
    from lurewatch.model import Level
    from lurewatch.store.records import ReportSubmission, SubmittedContact, SubmittedItem

    def approach(reporter: str, day: int) -> None:
        store.submit_report(
            ReportSubmission(
                reporter=reporter,
                channel="api",
                contacts=(
                    SubmittedContact(
                        name="Casey Vell",
                        profile_url="https://www.linkedin.com/in/casey-vell-synthetic",
                        company="Harbour Insight Partners",
                        level=Level.HIGH,
                        score=80,
                        first_contact=f"2026-11-{day:02d}",
                        items=(
                            SubmittedItem(kind="message", excerpt="Add me on WeChat: casey_hv21"),
                        ),
                    ),
                ),
            )
        )

    asked = lookup_body(profile_url="uk.linkedin.com/in/Casey-Vell-Synthetic/")
    by_handle = lookup_body(handles=["WeChat: casey_hv21"])
    assert client.post("/api/lookup", content=asked).json()["matched"] is False
    approach("sam", 2)
    approach("kim", 5)
    store.relink_campaigns(actor="ana")
    answer = client.post("/api/lookup", content=asked).json()
    assert (answer["matched"], answer["kinds"]) == (True, ["url"])
    assert client.post("/api/lookup", content=by_handle).json()["kinds"] == ["handle"]
    assert client.post("/api/lookup", content=UNRELATED).json()["matched"] is False
