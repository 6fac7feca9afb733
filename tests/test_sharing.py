"""Privacy-preserving sharing: fan-out contributions and anonymous lookups (issue 6).

Every export, persona and key here is synthetic, written for these tests.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from lurewatch.identity import canon_profile_url
from lurewatch.ingest.errors import InputError
from lurewatch.model import Alert, Indicator, Persona
from lurewatch.scan import Scanner
from lurewatch.service import Checker
from lurewatch.settings import Settings
from lurewatch.sharing import (
    FanoutFile,
    InstitutionKey,
    PersonaIds,
    alert_hashes,
    collect_fanout,
    decode_fanout,
    decode_lookup,
    detect_fanout,
    encode_fanout,
    known_from_alerts,
    lookup_request,
    match_lookup,
    parse_key,
)
from lurewatch.sharing.keys import MIN_KEY_BYTES

TODAY = dt.date(2026, 11, 29)
KEY = InstitutionKey(bytes(range(32)))
OTHER_KEY = InstitutionKey(bytes(range(1, 33)))

MESSAGES_HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT\n"
)
INVITATIONS_HEADER = "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
CONNECTIONS_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"

# The persona, written as each member of staff's export happens to show it.
HALE_URLS = (
    "https://uk.linkedin.com/in/Morgan-Hale-77/?trk=1",
    "https://www.linkedin.com/in/morgan-hale-77",
    "https://www.linkedin.com/in/morgan-hale-77/",
)
HALE_TEXT = (
    "I was impressed by your committee work. A client of ours pays well for short "
    "briefing notes. Easier on WeChat: mh_larkspur88 or call +44 7700 900123."
)
OWNER_SECRET = "owner-only-handle-zq81"  # written by the owner only: never shared


def msg(sender: str, url: str, to: str, to_url: str, when: str, content: str) -> str:
    content = content.replace('"', '""')
    return f'c-{sender[:3]},,{sender},{url},{to},"{to_url}",{when},,"{content}",INBOX,,false\n'


def staff_export(
    path: Path, owner: str, owner_url: str, hale_url: str, hale_when: str, *, extra: str = ""
) -> Path:
    """One member of staff's export: the persona writes, a colleague writes, the owner replies."""
    messages = MESSAGES_HEADER + (
        msg("Morgan Hale", hale_url, owner, owner_url, hale_when, HALE_TEXT)
        + msg(owner, owner_url, "Morgan Hale", hale_url, hale_when,
              f"No thanks. My own WeChat is wechat: {OWNER_SECRET}")
        + extra
    )  # fmt: skip
    invitations = INVITATIONS_HEADER + (
        f'{owner},Casey Moss,"9/2/26, 3:15 PM",,OUTGOING,{owner_url},'
        "https://www.linkedin.com/in/casey-moss-outgoing\n"
    )
    connections = (
        CONNECTIONS_HEADER
        + "Morgan,Hale,https://www.linkedin.com/in/morgan-hale-77,,Larkspur Advisory Ltd,"
        "Partner,01 Oct 2026\n"
    )
    first, last = owner.split()
    profile = f"First Name,Last Name,Maiden Name,Address,Birth Date,Headline\n{first},{last},,,,X\n"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("messages.csv", messages)
        zf.writestr("Invitations.csv", invitations)
        zf.writestr("Connections.csv", connections)
        zf.writestr("Profile.csv", profile)
    return path


STAFF = [
    ("Sam Carter", "https://www.linkedin.com/in/sam-carter-1", "2026-10-05 09:00:00 UTC"),
    ("Priya Nair", "https://www.linkedin.com/in/priya-nair-2", "2026-10-08 23:30:00 UTC"),
    ("Tom Hughes", "https://www.linkedin.com/in/tom-hughes-3", "2026-10-11 07:15:00 UTC"),
]
COLLEAGUE = msg(
    "Jo Bright",
    "https://www.linkedin.com/in/jo-bright",
    "Sam Carter",
    "https://www.linkedin.com/in/sam-carter-1",
    "2026-10-06 12:00:00 UTC",
    "Lunch on Friday? Text me on +44 7700 900456.",
)


def scan_and_collect(path: Path, key: InstitutionKey = KEY) -> FanoutFile:
    """What ``scan --share-fanout`` does: scan, then collect with the owner the scan found."""
    scanner = Scanner(Checker.from_settings(Settings(contact="Security Office")), TODAY)
    result = scanner.scan(path)
    return collect_fanout(path, key, owner=result.summary.owner, limits=scanner.limits)


@pytest.fixture
def exports(tmp_path: Path) -> list[Path]:
    return [
        staff_export(
            tmp_path / f"staff{i}.zip",
            owner,
            owner_url,
            HALE_URLS[i],
            when,
            extra=COLLEAGUE if i == 0 else "",
        )
        for i, (owner, owner_url, when) in enumerate(STAFF)
    ]


# -- the fan-out file ----------------------------------------------------------------------


def test_one_export_gives_the_counterparties_who_wrote_in(exports: list[Path]) -> None:
    f = scan_and_collect(exports[0])
    hale = lookup_request(
        KEY,
        profile_url="linkedin.com/in/morgan-hale-77",
        name="Morgan Hale",
        company="Larkspur Advisory",
        handles=["WeChat: mh_larkspur88", "+44 7700 900123"],
    ).ids
    jo = PersonaIds(
        url=KEY.hash("url", "linkedin.com/in/jo-bright"),
        handles=(KEY.hash("phone", "+447700900456"),),
    )
    # Days only (23:30 UTC stays on its day), kinds, the hashes: and nothing else.
    expected = FanoutFile(
        format="lurewatch-fanout/1",
        key_id=KEY.key_id,
        contacts=tuple(
            sorted(
                [
                    {"ids": hale, "dates": (dt.date(2026, 10, 5),), "kinds": ("message",)},
                    {"ids": jo, "dates": (dt.date(2026, 10, 6),), "kinds": ("message",)},
                ],
                key=lambda c: c["ids"].url or "",  # type: ignore[union-attr]
            )
        ),  # type: ignore[arg-type]
    )
    assert msgspec.to_builtins(f) == msgspec.to_builtins(expected)


def test_the_owner_is_not_a_contact_and_what_they_wrote_is_not_shared(
    exports: list[Path],
) -> None:
    f = scan_and_collect(exports[0])
    owner = STAFF[0]
    everything = {h for c in f.contacts for _, h in c.ids.hashes()}
    assert KEY.hash("url", canon_profile_url(owner[1]) or "") not in everything
    assert KEY.hash("handle", OWNER_SECRET) not in everything
    # The person the owner invited (an outgoing invitation) is not a counterparty either.
    assert KEY.hash("url", "linkedin.com/in/casey-moss-outgoing") not in everything
    assert len(f.contacts) == 2


def test_the_file_holds_no_names_texts_or_owner(exports: list[Path]) -> None:
    data = encode_fanout(scan_and_collect(exports[0])).lower()
    forbidden = [
        "Morgan", "Hale", "morgan-hale-77", "Larkspur", "Jo Bright", "jo-bright",
        "Sam", "Carter", "sam-carter-1", "impressed", "briefing", "Lunch", "WeChat",
        "mh_larkspur88", "+447700900123", "7700 900123", OWNER_SECRET, "casey", "linkedin", "high",
        "score", "09:00", "23:30", "T0",
    ]  # fmt: skip
    for word in forbidden:
        assert word.lower().encode() not in data, word
    top = msgspec.json.decode(data)
    assert list(top) == ["format", "key_id", "contacts"]
    assert {k for c in top["contacts"] for k in c} == {"ids", "dates", "kinds"}


def test_the_file_is_stable_and_reads_back(exports: list[Path]) -> None:
    first = encode_fanout(scan_and_collect(exports[0]))
    assert encode_fanout(scan_and_collect(exports[0])) == first
    assert decode_fanout(first) == scan_and_collect(exports[0])


@pytest.mark.parametrize(
    "body",
    [
        b'{"format": "lurewatch-fanout/2", "key_id": "0011223344556677", "contacts": []}',
        b'{"format": "lurewatch-fanout/1", "key_id": "0011", "contacts": []}',
        b'{"format": "lurewatch-fanout/1", "key_id": "0011223344556677", "contacts": [],'
        b' "owner": "Sam Carter"}',
        b'{"format": "lurewatch-fanout/1", "key_id": "0011223344556677",'
        b' "contacts": [{"ids": {"url": "Morgan Hale"}}]}',
        b"not json",
    ],
)
def test_a_bad_file_is_refused(body: bytes) -> None:
    with pytest.raises(InputError, match=r"fanout\.json: not a lurewatch-fanout/1 file"):
        decode_fanout(body, "fanout.json")


def test_url_variants_give_one_hash_and_another_key_gives_others(exports: list[Path]) -> None:
    files = [scan_and_collect(p) for p in exports]
    urls = [{c.ids.url for c in f.contacts} for f in files]
    hale = KEY.hash("url", "linkedin.com/in/morgan-hale-77")
    assert all(hale in u for u in urls)

    other = scan_and_collect(exports[0], OTHER_KEY)
    assert other.key_id != files[0].key_id
    ours = {h for c in files[0].contacts for _, h in c.ids.hashes()}
    theirs = {h for c in other.contacts for _, h in c.ids.hashes()}
    assert len(ours) == len(theirs) == 6  # 4 of the persona, 2 of the colleague
    assert ours.isdisjoint(theirs)


def test_hashes_are_separated_by_kind() -> None:
    assert KEY.hash("url", "amy_br88") != KEY.hash("handle", "amy_br88")
    assert KEY.hash("phone", "+447700900123") != KEY.hash("handle", "+447700900123")
    with pytest.raises(ValueError, match="unknown identifier kind"):
        KEY.hash("name", "x")


# -- fan-out at the office -----------------------------------------------------------------


def test_one_persona_writing_to_three_staff_in_a_week_is_found(exports: list[Path]) -> None:
    files = [scan_and_collect(p) for p in exports]
    hits = detect_fanout(zip(["staff-a", "staff-b", "staff-c"], files, strict=True))
    by_field = {h.field: h for h in hits}
    # The profile address, the name with the company, and the WeChat handle and phone number:
    # the colleague who wrote to one member of staff is no finding.
    assert sorted(h.field for h in hits) == ["handle", "handle", "name_company", "url"]
    url = by_field["url"]
    assert url.hash == KEY.hash("url", "linkedin.com/in/morgan-hale-77")
    assert (url.staff, url.staff_all_time) == (3, 3)
    assert url.contributors == ("staff-a", "staff-b", "staff-c")
    assert (url.first, url.last) == (dt.date(2026, 10, 5), dt.date(2026, 10, 11))


def test_the_window_is_respected(exports: list[Path], tmp_path: Path) -> None:
    files = [scan_and_collect(p) for p in exports]
    late = staff_export(
        tmp_path / "late.zip",
        "Ana Lopes",
        "https://www.linkedin.com/in/ana-lopes-4",
        HALE_URLS[1],
        "2026-11-20 10:00:00 UTC",
    )
    contributions = [
        ("a", files[0]),
        ("b", files[1]),
        ("c", files[2]),
        ("d", scan_and_collect(late)),
    ]
    url = next(h for h in detect_fanout(contributions) if h.field == "url")
    assert (url.staff, url.staff_all_time, url.last) == (3, 4, dt.date(2026, 10, 11))
    assert detect_fanout(contributions, min_staff=4) == []
    assert detect_fanout(contributions, min_staff=4, window_days=60)[0].staff == 4
    # Days 5 and 11 are 6 days apart: in one window of 7 days, not of 6.
    assert detect_fanout(contributions[:3], window_days=7) != []
    assert detect_fanout(contributions[:3], window_days=6) == []


def test_one_member_of_staff_counts_once(exports: list[Path]) -> None:
    f = scan_and_collect(exports[0])
    assert detect_fanout([("a", f), ("a", f), ("a", f)], min_staff=2) == []


def test_files_under_different_keys_are_refused(exports: list[Path]) -> None:
    with pytest.raises(ValueError, match="different keys"):
        detect_fanout(
            [("a", scan_and_collect(exports[0])), ("b", scan_and_collect(exports[1], OTHER_KEY))]
        )


def test_collecting_never_touches_the_network(
    exports: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("lurewatch tried to use the network")

    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    assert len(scan_and_collect(exports[0]).contacts) == 2


# -- keys ----------------------------------------------------------------------------------


def test_a_key_file_is_hex_with_comments() -> None:
    key = parse_key("# our key\n" + "ab" * 16 + "\n" + "CD" * 16 + "\n")
    assert key.secret == bytes([0xAB] * 16 + [0xCD] * 16)
    assert "ab" not in repr(key) and len(key.key_id) == 16


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ab" * (MIN_KEY_BYTES - 1), "too short \\(31 bytes"),
        ("", "no key"),
        ("zz" * 40, "expected hexadecimal digits"),
        ("abc" * 31, "expected hexadecimal digits"),
    ],
)
def test_a_bad_key_is_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=f"k.key: .*{message}"):
        parse_key(text, "k.key")


# -- anonymous lookup ----------------------------------------------------------------------

ALERT = Alert(
    id="alert-1",
    title="Synthetic alert",
    personas=(
        Persona(
            id="p1",
            name="Amanda Qiu",
            company="BR-YR Executive Search",
            company_aliases=("BP-YR Executive Search",),
            profile_url="https://www.linkedin.com/in/amanda-qiu-bryr",
        ),
    ),
    indicators=(
        Indicator(type="wechat", value="amy_br88", persona="p1"),
        Indicator(type="whatsapp", value="+852 5555 0101", persona="p1"),
        Indicator(type="email", value="Amy.Qiu@BRYR-search.example", persona="p1"),
        Indicator(type="persona-name", value="Amanda Shu", persona="p1"),
        Indicator(type="telegram", value="loose_handle_1"),
    ),
)


def test_a_lookup_written_differently_matches_the_alert_persona() -> None:
    req = lookup_request(
        KEY,
        profile_url="uk.linkedin.com/in/Amanda-Qiu-BRYR/?trk=public_profile",
        name="QIU Amánda",
        company="BP YR Executive Search Ltd.",
        handles=["@AMY_BR88", "00852-5555-0101", "WeChat: amy_br88", "amy.qiu@bryr-search.example"],
    )
    persona = alert_hashes(KEY, ALERT)["p1"]
    assert req.ids.url in persona.urls
    assert req.ids.name_company in persona.name_companies
    assert set(req.ids.handles) == set(persona.handles)  # 3: the WeChat handle written twice
    assert len(req.ids.handles) == 3

    matches = match_lookup(req.ids, known_from_alerts(KEY, [ALERT]))
    assert [m.field for m in matches] == ["url", "name_company", "handle", "handle", "handle"]
    assert {ref.alert for m in matches for ref in m.what} == {"alert-1"}
    assert {ref.persona for m in matches for ref in m.what} == {"p1"}


def test_an_alias_and_a_loose_indicator_match_too() -> None:
    known = known_from_alerts(KEY, [ALERT])
    alias = lookup_request(KEY, name="Shu Amanda", company="BRYR")
    assert [m.field for m in match_lookup(alias.ids, known)] == ["name_company"]
    loose = lookup_request(KEY, handles=["@loose_handle_1"])
    [m] = match_lookup(loose.ids, known)
    assert m.what[0].persona is None


def test_an_unknown_persona_or_another_key_matches_nothing() -> None:
    known = known_from_alerts(KEY, [ALERT])
    stranger = lookup_request(KEY, profile_url="linkedin.com/in/someone-else", handles=["x_y_z9"])
    assert match_lookup(stranger.ids, known) == []
    same_under_other_key = lookup_request(OTHER_KEY, profile_url=ALERT.personas[0].profile_url)
    assert match_lookup(same_under_other_key.ids, known) == []


def test_fanout_hashes_can_be_looked_up_against_alerts(tmp_path: Path) -> None:
    path = staff_export(
        tmp_path / "a.zip",
        "Sam Carter",
        "https://www.linkedin.com/in/sam-carter-1",
        "https://www.linkedin.com/in/amanda-qiu-bryr/",
        "2026-10-05 09:00:00 UTC",
    )
    known = known_from_alerts(KEY, [ALERT])
    f = scan_and_collect(path)
    assert [[m.field for m in match_lookup(c.ids, known)] for c in f.contacts] == [["url"]]


def test_a_request_body_round_trips_and_names_its_key() -> None:
    req = lookup_request(KEY, profile_url="linkedin.com/in/amanda-qiu-bryr")
    body = msgspec.json.encode(req)
    assert decode_lookup(body, key_id=KEY.key_id) == req
    with pytest.raises(InputError, match="made with key"):
        decode_lookup(body, key_id=OTHER_KEY.key_id)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Amanda Qiu"}, "a name is hashed only with an organisation"),
        ({"handles": ["!!"]}, "not a handle"),
        ({"profile_url": "https://linkedin.com"}, "not a profile address"),
        ({}, "nothing to look up"),
    ],
)
def test_a_lookup_with_nothing_usable_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lookup_request(KEY, **kwargs)  # type: ignore[arg-type]


# -- the command ---------------------------------------------------------------------------

CliResult = subprocess.CompletedProcess[bytes]


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., CliResult]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}

    def run(*args: str) -> CliResult:
        return subprocess.run(
            [sys.executable, "-m", "lurewatch.cli", *args],
            capture_output=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            check=False,
        )

    return run


def one_line_error(result: CliResult) -> str:
    err = result.stderr.decode()
    assert (result.returncode, result.stdout) == (2, b""), err
    assert len(err.splitlines()) == 1 and err.startswith("lurewatch: error: "), err
    return err


def test_key_new_writes_a_private_key_once(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    made = cli("key", "new", "inst.key")
    assert made.returncode == 0, made.stderr
    path = tmp_path / "inst.key"
    assert path.stat().st_mode & 0o777 == 0o600
    key_id = cli("key", "id", "inst.key").stdout.decode().strip()
    assert key_id == parse_key(path.read_text()).key_id
    assert key_id in made.stdout.decode()
    before = path.read_bytes()
    assert "already exists" in one_line_error(cli("key", "new", "inst.key"))
    assert path.read_bytes() == before


def test_scan_share_fanout(
    cli: Callable[..., CliResult], exports: list[Path], tmp_path: Path
) -> None:
    (tmp_path / "inst.key").write_text(KEY.secret.hex())
    result = cli(
        "scan", str(exports[0]), "--format", "json", "--today", "2026-11-29",
        "--share-fanout", "fan.json", "--key-file", "inst.key",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert msgspec.json.decode(result.stdout)["summary"]["owner"] == "Sam Carter"
    assert (tmp_path / "fan.json").read_bytes() == encode_fanout(scan_and_collect(exports[0]))
    assert "2 contact(s)" in result.stderr.decode()


def test_scan_share_fanout_refuses_a_missing_or_short_key(
    cli: Callable[..., CliResult], exports: list[Path], tmp_path: Path
) -> None:
    err = one_line_error(cli("scan", str(exports[0]), "--share-fanout", "fan.json"))
    assert "--share-fanout needs --key-file" in err
    (tmp_path / "short.key").write_text("ab" * 16)
    err = one_line_error(
        cli("scan", str(exports[0]), "--share-fanout", "fan.json", "--key-file", "short.key")
    )
    assert "short.key: the key is too short" in err
    assert not (tmp_path / "fan.json").exists()


def test_lookup_prints_the_request(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    (tmp_path / "inst.key").write_text(KEY.secret.hex())
    args = ("lookup", "-k", "inst.key", "--profile-url", "linkedin.com/in/amanda-qiu-bryr",
            "--handle", "WeChat: amy_br88")  # fmt: skip
    as_json = cli(*args, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    expected = lookup_request(
        KEY, profile_url="linkedin.com/in/amanda-qiu-bryr", handles=["amy_br88"]
    )
    assert as_json.stdout == msgspec.json.encode(expected) + b"\n"
    text = cli(*args).stdout.decode().split()
    assert text == ["key_id", KEY.key_id, "url", expected.ids.url, "handle", *expected.ids.handles]
    err = one_line_error(cli("lookup", "-k", "inst.key", "--name", "Amanda Qiu"))
    assert "a name is hashed only with an organisation" in err
