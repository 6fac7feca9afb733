"""The fan-out page (analysts): the findings table, escaped, and who may see it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from websupport import SECRET, page_login

from lurewatch.model import Alert, Persona
from lurewatch.settings import Settings
from lurewatch.sharing import FanoutContact, FanoutFile, parse_key, persona_ids
from lurewatch.store import Store

KEY_HEX = bytes(range(32)).hex()
KEY = parse_key(KEY_HEX)
URL = "https://www.linkedin.com/in/morgan-hale-77"
ALERT = Alert(
    id="alert-<x>",
    title="Larkspur <script>alert(1)</script>",
    personas=(Persona(id="p1", name="Morgan <img src=x onerror=alert(1)>", profile_url=URL),),
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    path = tmp_path / "institution.key"
    path.write_text(KEY_HEX + "\n")
    return Settings(secret_key=SECRET, institution_key_file=path)


def contribute(store: Store, username: str, day: int) -> None:
    ids = persona_ids(KEY, profile_url=URL)
    contact = FanoutContact(ids=ids, dates=(dt.date(2026, 10, day),), kinds=("message",))
    f = FanoutFile(format="lurewatch-fanout/1", key_id=KEY.key_id, contacts=(contact,))
    store.store_fanout(username, f, actor=username)


def cells(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)]
        for r in rows
    ]  # fmt: skip


def test_the_page_lists_findings_with_the_alerted_persona_escaped(
    client: Any, store: Store
) -> None:
    store.import_alert(ALERT, actor="ana")
    for username, day in (("sam", 5), ("kim", 8), ("ana", 11)):
        contribute(store, username, day)
    page_login(client, "ana")
    response = client.get("/fanout")
    assert response.status_code == 200
    html = response.text
    h = KEY.hash("url", "linkedin.com/in/morgan-hale-77")
    assert cells(html) == [
        [
            f"Profile address {h[:16]}…",
            "3",
            "5 Oct 2026",
            "11 Oct 2026",
            "Morgan &lt;img src=x onerror=alert(1)&gt; (Larkspur &lt;script&gt;alert(1)&lt;/script&gt;)",
            "sam, kim, ana",
        ]
    ]
    assert "<script>" not in html and "<img src=x" not in html
    assert 'href="/alerts/alert-%3Cx%3E"' in html
    assert "3 members of staff handed in a file" in html
    # A stricter threshold empties the table.
    assert "No identifier reached 4 or more" in client.get("/fanout?min_staff=4").text


def test_the_page_is_for_analysts(client: Any) -> None:
    assert client.get("/fanout", follow_redirects=False).status_code == 303
    page_login(client, "sam")
    assert client.get("/fanout").status_code == 403


def test_without_a_key_the_page_says_so(client: Any, store: Store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from lurewatch.web import create_app
    from lurewatch.web.routes.sharing import NO_KEY

    with TestClient(create_app(Settings(secret_key=SECRET), store)) as keyless:
        page_login(keyless, "ana")
        html = keyless.get("/fanout").text
    assert NO_KEY in html
    assert "<table" not in html
