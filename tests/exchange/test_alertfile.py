"""lurewatch's own alert files (JSON, YAML, CSV), and using alerts in check, scan and hunt."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lurewatch.exchange import load_alert, read_alert_bytes
from lurewatch.exchange.alertfile import alert_to_json
from lurewatch.ingest.errors import InputError
from lurewatch.model import Alert, Indicator, Persona, Profile
from lurewatch.service import Checker
from lurewatch.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SIMPLE = {
    "title": "Espionage alert: two recruitment personas",
    "tlp": "TLP:AMBER",
    "personas": [
        {"name": "Amanda Qiu", "company": "BR-YR Executive Search"},
        {
            "name": "Shirly Shen",
            "company": "Internship Union",
            "aliases": ["Shirley Shen"],
            "profile_url": "https://www.linkedin.com/in/shirly-shen-example",
            "platform": "LinkedIn",
        },
    ],
    "indicators": [{"type": "wechat", "value": "shen_iu_2025", "persona": "Shirly Shen"}],
}


def test_the_simple_shape_loads(tmp_path: Path) -> None:
    p = tmp_path / "alert.json"
    p.write_text(json.dumps(SIMPLE))
    alert = load_alert(p)
    assert alert.tlp == "TLP:AMBER"
    assert [pp.name for pp in alert.personas] == ["Amanda Qiu", "Shirly Shen"]
    assert alert.personas[1] == Persona(
        id="shirly-shen",
        name="Shirly Shen",
        aliases=("Shirley Shen",),
        company="Internship Union",
        profile_url="https://www.linkedin.com/in/shirly-shen-example",
        platform="linkedin",
    )
    assert alert.indicators == (
        Indicator(type="wechat", value="shen_iu_2025", persona="shirly-shen", tlp="TLP:AMBER"),
    )


def test_yaml_and_json_round_trip(tmp_path: Path) -> None:
    y = tmp_path / "alert.yaml"
    y.write_text(
        "title: Alert\ntlp: amber+strict\npersonas:\n  - name: Amanda Qiu\n    company: BR-YR\n"
        "indicators:\n  - {type: phone, value: '+852 5555 0101', first_seen: 2025-11-01}\n"
    )
    alert = load_alert(y)
    assert alert.tlp == "TLP:AMBER+STRICT"
    assert alert.indicators[0].first_seen == dt.date(2025, 11, 1)
    again = read_alert_bytes(alert_to_json(alert), "again.json")
    assert again == alert


def test_csv_groups_rows_into_personas(tmp_path: Path) -> None:
    p = tmp_path / "feed.csv"
    p.write_text(
        "type,value,persona,tlp,confidence\n"
        "persona-name,Amanda Qiu,p1,,90\n"
        "persona-name,Amanda Shu,p1,,\n"
        "organization,BR-YR Executive Search,p1,,\n"
        "profile-url,https://www.linkedin.com/in/amanda-example,p1,,\n"
        "telegram,@bryr_amanda,p1,TLP:RED,80\n"
        "domain,bryr-search.example,,TLP:GREEN,\n"
    )
    alert = load_alert(p)
    (persona,) = alert.personas
    assert (persona.name, persona.aliases, persona.company, persona.profile_url) == (
        "Amanda Qiu",
        ("Amanda Shu",),
        "BR-YR Executive Search",
        "https://www.linkedin.com/in/amanda-example",
    )
    assert [(i.type, i.value, i.persona, i.tlp, i.confidence) for i in alert.indicators] == [
        ("telegram", "@bryr_amanda", "p1", "TLP:RED", 80),
        ("domain", "bryr-search.example", None, "TLP:GREEN", 50),
    ]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("a.json", b"{not json", "not valid JSON"),
        ("a.json", b"[1, 2]", "an alert must be an object"),
        ("a.json", b'{"title": "x", "tlp": "TLP:PURPLE"}', "unknown TLP label"),
        ("a.json", b'{"title": "x", "personas": [{"company": "y"}]}', "$.personas[0]"),
        (
            "a.json",
            b'{"title": "x", "indicators": [{"type": "pigeon", "value": "y"}]}',
            "$.indicators[0].type: unknown indicator type",
        ),
        (
            "a.json",
            b'{"title": "x", "indicators": [{"type": "email", "value": "a@b.c", "persona": "Nobody"}]}',
            "$.indicators[0].persona",
        ),
        ("a.yaml", b"title: [unclosed\n", "a.yaml:2: YAML syntax error"),
        ("a.csv", b"kind,val\nx,y\n", "at least the columns type,value"),
    ],
)
def test_bad_alert_files_say_where(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        load_alert(p)
    assert message in str(err.value)
    assert str(p) in str(err.value) and "\n" not in str(err.value)


def test_huge_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lurewatch.exchange as ex

    monkeypatch.setattr(ex, "MAX_ALERT_BYTES", 100)
    p = tmp_path / "big.json"
    p.write_text(json.dumps(SIMPLE))
    with pytest.raises(InputError, match="are refused"):
        load_alert(p)


def _checker(alert: Alert) -> Checker:
    from lurewatch.rules.loader import builtin_rules

    return Checker(Settings(), builtin_rules(), [alert])


def test_a_strong_match_makes_a_message_high() -> None:
    alert = read_alert_bytes(json.dumps(SIMPLE).encode(), "alert.json")
    checker = _checker(alert)
    text = "Hello, thank you for connecting."
    profile = Profile(name="Qiu Amanda", headline="CEO at BP-YR Executive Search")
    result = checker.check_text(text, profile, today=dt.date(2026, 11, 29))
    assert result.level.value == "high"
    (f,) = [f for f in result.findings if f.category == "indicator_match"]
    assert (
        f.title
        == "Matches Amanda Qiu, named in the alert “Espionage alert: two recruitment personas”"
    )
    assert [e.field for e in f.evidence] == ["indicator.name", "indicator.organisation"]
    # Two slips at once (a sound-alike surname at a misprinted firm) are only "possible".
    slips = checker.check_text(
        text,
        Profile(name="Amanda Shu", headline="CEO at BP-YR Executive Search"),
        today=dt.date(2026, 11, 29),
    )
    assert [
        (f.weight, f.title.startswith("Possibly"))
        for f in slips.findings
        if f.category == "indicator_match"
    ] == [(1.5, True)]
    # The same message from someone else is low.
    other = checker.check_text(
        text,
        Profile(name="Amanda Shu", headline="Analyst at HM Treasury"),
        today=dt.date(2026, 11, 29),
    )
    assert other.level.value == "low"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", *args, "--today", "2026-11-29"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_hunt_finds_who_was_contacted_by_which_persona(tmp_path: Path) -> None:
    proc = _run(
        "hunt",
        "-i",
        str(ROOT / "examples" / "alert.json"),
        str(ROOT / "examples" / "export"),
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [
        (h["owner"], h["name"], h["persona"], h["strength"], h["first_contact"][:10])
        for h in data["hits"]
    ] == [("Sam Carter", "Amanda Qiu", "Amanda Qiu", "strong", "2026-10-19")]
    assert data["searched"][0]["error"] is None


def test_hunt_goes_on_past_a_bad_export(tmp_path: Path) -> None:
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 broken")
    proc = _run(
        "hunt",
        "-i",
        str(ROOT / "examples" / "alert.json"),
        str(bad),
        str(ROOT / "examples" / "export"),
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["hits"]) == 1
    assert (
        "not a readable zip" in data["searched"][0]["error"]
        or "not a LinkedIn export" in data["searched"][0]["error"]
    )


def test_check_with_a_bad_indicator_file_fails_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "alert.json"
    bad.write_text("{")
    msg = tmp_path / "m.txt"
    msg.write_text("hello")
    proc = _run("check", "-m", str(msg), "-i", str(bad), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("lurewatch: error:")
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["stix", "misp", "json"])
def test_convert_round_trips_through_every_format(tmp_path: Path, fmt: str) -> None:
    source = ROOT / "examples" / "alert.json"
    out = tmp_path / f"alert.{fmt}.json"
    proc = _run("alert", "convert", str(source), "--to", fmt, "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    original, again = load_alert(source), load_alert(out)
    assert [(p.name, p.aliases, p.company) for p in again.personas] == [
        (p.name, p.aliases, p.company) for p in original.personas
    ]
    assert {(i.type, i.value) for i in again.indicators} == {
        (i.type, i.value) for i in original.indicators
    }
    assert again.tlp == original.tlp == "TLP:AMBER"


def test_hunt_as_stix_carries_sightings_of_the_persona(tmp_path: Path) -> None:
    proc = _run(
        "hunt",
        "-i",
        str(ROOT / "examples" / "alert.json"),
        str(ROOT / "examples" / "export"),
        "--format",
        "stix",
        "--where",
        "Example Parliament",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    import stix2

    bundle = stix2.parse(proc.stdout, allow_custom=False)
    sightings = [o for o in bundle.objects if o.type == "sighting"]
    assert [(s.count, s.first_seen.isoformat()[:10]) for s in sightings] == [(1, "2026-10-19")]
    where = {o.id: o for o in bundle.objects if o.type == "identity"}[
        sightings[0].where_sighted_refs[0]
    ]
    assert where.name == "Example Parliament"
    assert "Sam Carter" not in proc.stdout  # staff names never leave in a shared bundle


def test_alert_show_lists_personas(tmp_path: Path) -> None:
    proc = _run("alert", "show", str(ROOT / "examples" / "alert.json"), cwd=tmp_path)
    assert proc.returncode == 2  # --today is not an option of show
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lurewatch.cli",
            "alert",
            "show",
            str(ROOT / "examples" / "alert.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "Amanda Qiu" in proc.stdout and "Shirly Shen" in proc.stdout and "TLP:AMBER" in proc.stdout
    )
