"""Alerts over the API: import in every format lurewatch reads, list, export and read back."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
import yaml
from websupport import T0, bearer

from lurewatch.exchange import read_alert_bytes
from lurewatch.exchange.alertfile import alert_to_json
from lurewatch.exchange.misp import alert_to_misp
from lurewatch.exchange.stix import alert_to_stix
from lurewatch.model import Alert, Indicator, Persona
from lurewatch.store import Store

ALERT = Alert(
    id="alert-2026-11",
    title="Recruitment personas on LinkedIn",
    tlp="TLP:AMBER",
    source="Example Security Office",
    issued=dt.date(2026, 11, 18),
    personas=(
        Persona(
            id="avery-qiu",
            name="Avery Qiu",
            company="BR-YR Executive Search",
            profile_url="https://www.linkedin.com/in/avery-qiu-5b2a19",
        ),
    ),
    indicators=(
        Indicator(type="wechat", value="avery_qiu_hr", persona="avery-qiu"),
        Indicator(type="email", value="avery.qiu@bryr-search.example", persona="avery-qiu"),
    ),
)
CSV = (
    "type,value,persona,tlp\n"
    "persona-name,Avery Qiu,Avery Qiu,\n"
    "organization,BR-YR Executive Search,Avery Qiu,\n"
    "wechat,avery_qiu_hr,Avery Qiu,TLP:AMBER\n"
)


def as_yaml(alert: Alert) -> bytes:
    return yaml.safe_dump(msgspec.to_builtins(alert)).encode()


# format -> (file content, request headers, ?filename=, the name the server reads it under)
FORMATS = {
    "json": (lambda: alert_to_json(ALERT), {"Content-Type": "application/json"}, None, "upload"),
    "yaml": (lambda: as_yaml(ALERT), {"Content-Type": "application/yaml"}, None, "upload.yaml"),
    "yaml-by-name": (lambda: as_yaml(ALERT), {}, "alert.yaml", "alert.yaml"),
    "csv": (lambda: CSV.encode(), {"Content-Type": "text/csv"}, None, "upload.csv"),
    "csv-by-name": (lambda: CSV.encode(), {}, "feed.csv", "feed.csv"),
    "stix": (lambda: alert_to_stix(ALERT, now=T0).encode(), {}, None, "upload"),
    "misp": (lambda: alert_to_misp(ALERT, now=T0).encode(), {}, None, "upload"),
}


def post_alert(client: Any, data: bytes, headers: dict[str, str], filename: str | None) -> Any:
    params = {"filename": filename} if filename else {}
    return client.post(
        "/api/alerts", content=data, params=params, headers={**bearer("ana"), **headers}
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_alert_imports_in_every_format(client: Any, store: Store, fmt: str) -> None:
    make, headers, filename, source = FORMATS[fmt]
    data = make()
    response = post_alert(client, data, headers, filename)
    assert response.status_code == 201, response.text
    expected = read_alert_bytes(data, source)
    summary = response.json()
    assert summary["alert_id"] == expected.id
    assert summary["indicators"] == len(expected.indicators)
    assert summary["imported_by"] == "ana"
    # The store keeps an alert as lurewatch's own JSON reads it back.
    assert store.get_alert(expected.id) == read_alert_bytes(alert_to_json(expected), "a.json")
    listed = client.get("/api/alerts", headers=bearer("ana")).json()
    assert [a["alert_id"] for a in listed] == [expected.id]


@pytest.mark.parametrize("fmt", ["stix", "misp", "json"])
def test_an_exported_alert_reads_back_as_stored(client: Any, store: Store, fmt: str) -> None:
    assert post_alert(client, alert_to_json(ALERT), {}, None).status_code == 201
    response = client.get(
        f"/api/alerts/{ALERT.id}/export", params={"format": fmt}, headers=bearer("ana")
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{ALERT.id}.{fmt}.json"'
    )
    back = read_alert_bytes(response.content, f"export.{fmt}.json")
    assert back.personas == store.get_alert(ALERT.id).personas
    assert sorted((i.type, i.value, i.persona) for i in back.indicators) == sorted(
        (i.type, i.value, i.persona) for i in ALERT.indicators
    )
    if fmt == "json":
        assert back == store.get_alert(ALERT.id)


def test_the_same_export_twice_is_the_same_bytes(client: Any, store: Store) -> None:
    post_alert(client, alert_to_json(ALERT), {}, None)
    url = f"/api/alerts/{ALERT.id}/export?format=stix"
    first = client.get(url, headers=bearer("ana")).content
    assert client.get(url, headers=bearer("ana")).content == first
    assert first == alert_to_stix(store.get_alert(ALERT.id), now=T0).encode()


@pytest.mark.parametrize(
    ("data", "headers", "filename"),
    [
        (b"{not json", {}, None),
        (b"type,nothing\nx,y\n", {"Content-Type": "text/csv"}, None),
        (b"- just\n- a list\n", {"Content-Type": "application/yaml"}, None),
        (b'{"type": "bundle", "objects": 3}', {}, None),
    ],
)
def test_a_bad_alert_file_is_400_with_one_line(
    client: Any, data: bytes, headers: dict[str, str], filename: str | None
) -> None:
    response = post_alert(client, data, headers, filename)
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert message and "\n" not in message


def test_an_unknown_alert_or_format_is_an_error(client: Any) -> None:
    missing = client.get("/api/alerts/nope/export", headers=bearer("ana"))
    assert missing.status_code == 404
    assert missing.json() == {"message": "no alert 'nope'"}
    post_alert(client, alert_to_json(ALERT), {}, None)
    bad = client.get(f"/api/alerts/{ALERT.id}/export?format=pdf", headers=bearer("ana"))
    assert bad.status_code == 422


def test_an_export_file_name_never_carries_what_the_alert_id_says(client: Any) -> None:
    hostile = msgspec.structs.replace(ALERT, id='x"; filename=evil.html; <script>')
    assert post_alert(client, alert_to_json(hostile), {}, None).status_code == 201
    listed = client.get("/api/alerts", headers=bearer("ana")).json()
    alert_id = listed[0]["alert_id"]
    response = client.get(f"/api/alerts/{quote(alert_id)}/export", headers=bearer("ana"))
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="x-filename-evil.html-script.json.json"'
    )
