"""Reading every layout and variant of a LinkedIn export, and refusing hostile ones."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import (
    CONNECTIONS,
    INVITATIONS,
    MESSAGES,
    MESSAGES_HEADER,
    STANDARD,
    write_folder,
    write_zip,
)
from lurewatch.identity import canon_profile_url
from lurewatch.ingest.errors import InputError
from lurewatch.ingest.linkedin import (
    ExportConnection,
    Limits,
    kind_of,
    open_export,
    open_export_bytes,
    parse_connected_on,
    parse_message_date,
    parse_sent_at,
)


def test_finds_files_by_name_with_suffixes_and_case() -> None:
    assert kind_of("messages.csv") == "messages"
    assert kind_of("Basic_LinkedInDataExport_11-29-2026/Invitations.csv") == "invitations"
    assert kind_of("Connections_8271.csv") == "connections"
    assert kind_of("MESSAGES.CSV") == "messages"
    assert kind_of("Shares_1234.csv") is None
    assert kind_of("messages.txt") is None


def test_dates_in_each_format() -> None:
    assert parse_message_date("2024-03-05 14:22:11 UTC") == dt.datetime(
        2024, 3, 5, 14, 22, 11, tzinfo=dt.UTC
    )
    assert parse_sent_at("9/1/26, 10:00 AM") == dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC)
    assert parse_sent_at("12/31/2025, 11:59 PM") == dt.datetime(2025, 12, 31, 23, 59, tzinfo=dt.UTC)
    assert parse_connected_on("15 Mar 2024") == dt.date(2024, 3, 15)
    assert parse_message_date("yesterday") is None


def _sent_at_by_strptime(text: str) -> dt.datetime | None:
    t = " ".join(text.replace("\u202f", " ").split())
    for fmt in ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y %I:%M %p", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(t, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return parse_message_date(text)


_num = st.integers(0, 100).map(str) | st.integers(0, 9).map(lambda n: f"0{n}")


@settings(max_examples=600, deadline=None)
@example(month="1", day="2", year="69", hour="12", minute="00", half="AM", sep=", ")
@example(month="1", day="2", year="68", hour="12", minute="00", half="PM", sep=", ")
@given(
    month=st.integers(1, 12).map(str) | _num,
    day=st.integers(1, 31).map(str) | _num,
    year=st.integers(0, 99).map(lambda y: f"{y:02d}") | st.integers(0, 2100).map(str),
    hour=st.integers(1, 12).map(str) | _num,
    minute=st.integers(0, 59).map(lambda m: f"{m:02d}") | _num,
    half=st.sampled_from(["AM", "PM", "am", "pm", "Am", "XM", ""]),
    sep=st.sampled_from([", ", " ", ",  ", "\u202f"]),
)
def test_sent_at_fast_path_reads_as_strptime(
    month: str, day: str, year: str, hour: str, minute: str, half: str, sep: str
) -> None:
    """The hand-written reading of the usual format agrees with strptime on every input."""
    text = f"{month}/{day}/{year}{sep}{hour}:{minute} {half}".strip()
    assert parse_sent_at(text) == _sent_at_by_strptime(text)


def test_sent_at_two_digit_years_and_midnight() -> None:
    assert parse_sent_at("1/2/68, 12:00 AM") == dt.datetime(2068, 1, 2, 0, 0, tzinfo=dt.UTC)
    assert parse_sent_at("1/2/69, 12:30 PM") == dt.datetime(1969, 1, 2, 12, 30, tzinfo=dt.UTC)
    assert parse_sent_at("2/30/26, 10:00 AM") is None
    assert parse_sent_at("2/3/26, 13:00 PM") is None


@pytest.mark.parametrize("prefix", ["", "Basic_LinkedInDataExport_11-29-2026/"])
def test_zip_at_root_or_in_a_folder(tmp_path: Path, prefix: str) -> None:
    with open_export(write_zip(tmp_path / "e.zip", STANDARD, prefix)) as ex:
        msgs = list(ex.messages())
        invs = list(ex.invitations())
        conns = list(ex.connections())
        owner = ex.owner_name()
    assert len(msgs) == 6 and len(invs) == 3 and len(conns) == 2
    assert owner == "Sam Carter"
    first = msgs[0]
    assert first.sender == "Avery Lin"
    # HTML fragments become text; the recipient URL list is split.
    assert first.content == "Dear Sam,\n\nI was impressed by your insightful work on the committee."
    assert first.recipient_urls == ("https://www.linkedin.com/in/sam-carter-1",)
    assert "budget\ndiscussions" in msgs[2].content  # newlines inside CONTENT survive
    assert msgs[1].attachments == ("my_CV.pdf",)
    assert invs[0].direction == "INCOMING" and invs[0].sent_at == dt.datetime(
        2026, 9, 1, 10, 0, tzinfo=dt.UTC
    )
    assert conns[0] == ExportConnection(
        first_name="Avery",
        last_name="Lin",
        url="https://www.linkedin.com/in/avery-lin-br",
        email="",
        company="Bright Path Executive Search",
        position="CEO",
        connected_on=dt.date(2026, 9, 2),
    )


def test_unzipped_folder_and_single_files(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "export" / "inner", STANDARD).parent
    with open_export(root) as ex:
        assert len(list(ex.messages())) == 6
    single = write_folder(tmp_path / "single", {"messages.csv": MESSAGES}) / "messages.csv"
    with open_export(single) as ex:
        assert len(list(ex.messages())) == 6
        assert not ex.has("connections")
    with pytest.raises(InputError, match=r"holds no messages\.csv or Invitations\.csv"):
        open_export(write_folder(tmp_path / "conn", {"Connections.csv": CONNECTIONS}))


def test_bom_no_preamble_no_url_column_and_extra_columns(tmp_path: Path) -> None:
    old_connections = (
        "\ufeffFirst Name,Last Name,Email Address,Company,Position,Connected On,Extra\n"
        "Ada,Byrne,,Acme,Analyst,01 Jan 2015,x\n"
    )
    files = {"Connections.csv": old_connections, "Invitations.csv": INVITATIONS}
    with open_export(write_folder(tmp_path, files)) as ex:
        (conn,) = list(ex.connections())
    assert conn.name == "Ada Byrne" and conn.url == "" and conn.company == "Acme"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "cp1252", "utf-8-sig"])
def test_other_encodings(tmp_path: Path, encoding: str) -> None:
    text = MESSAGES_HEADER + (
        'c9,,Zoë Müller,https://www.linkedin.com/in/zoe,Sam Carter,"x",2026-01-02 03:04:05 UTC,,'
        '"Café “quoted” – dash",INBOX,,false\n'
    )
    files = {"messages.csv": text.encode(encoding)}
    with open_export(write_folder(tmp_path, files)) as ex:
        (m,) = list(ex.messages())
    assert m.sender == "Zoë Müller"
    assert m.content == "Café “quoted” – dash"


def test_wrong_header_names_the_file_and_the_columns(tmp_path: Path) -> None:
    bad = write_folder(tmp_path, {"messages.csv": "a,b,c\n1,2,3\n"}) / "messages.csv"
    with open_export(bad) as ex, pytest.raises(InputError) as err:
        list(ex.messages())
    assert "messages.csv" in str(err.value) and "FROM, CONTENT" in str(err.value)


def test_huge_field_stops_that_file_with_a_note(tmp_path: Path) -> None:
    big = MESSAGES + msg_row("x" * 50_000) + msg_row("after the big one")
    p = write_folder(tmp_path, {"messages.csv": big})
    with open_export(p, Limits(max_field_chars=10_000)) as ex:
        rows = list(ex.messages())
        notes = ex.notes
    assert len(rows) == 6  # everything before the oversized field
    assert any("field larger than field limit" in n for n in notes)


def msg_row(content: str) -> str:
    return f'z,,Eve,https://www.linkedin.com/in/eve,Sam Carter,"x",2026-01-01 00:00:00 UTC,,"{content}",INBOX,,false\n'


def test_truncated_csv_gives_what_was_read(tmp_path: Path) -> None:
    cut = MESSAGES[: MESSAGES.index("It would be easier") + 10]  # inside a quoted field
    with open_export(write_folder(tmp_path, {"messages.csv": cut})) as ex:
        rows = list(ex.messages())
    assert [r.sender for r in rows][:3] == ["Avery Lin", "Sam Carter", "Avery Lin"]


def test_zip_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    bomb = MESSAGES_HEADER + ("a" * 3_000_000)
    path = write_zip(tmp_path / "bomb.zip", {"messages.csv": bomb, "Invitations.csv": INVITATIONS})
    with open_export(path, Limits(max_ratio=50)) as ex:
        assert not ex.has("messages")
        assert any("zip bomb" in n for n in ex.notes)
        assert len(list(ex.invitations())) == 3


def test_declared_size_over_the_limit_is_skipped(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "e.zip", STANDARD)
    with open_export(path, Limits(max_file_bytes=1000)) as ex:
        assert not ex.has("messages") and ex.has("invitations")
        assert any("messages.csv" in n and "over the 1,000-byte limit" in n for n in ex.notes)


def test_traversal_names_nested_zips_and_encrypted_members(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../outside/messages.csv", MESSAGES)
        zf.writestr("/abs/Invitations.csv", INVITATIONS)
        zf.writestr("inner.zip", b"PK\x03\x04 not really")
        zf.writestr("Connections.csv", CONNECTIONS)
    _mark_encrypted(path, b"Connections.csv")
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    with open_export(path) as ex:
        assert len(list(ex.messages())) == 6
        assert len(list(ex.invitations())) == 3
        assert not ex.has("connections")
        notes = " ".join(ex.notes)
    assert "unusual path" in notes and "nested archive" in notes and "encrypted" in notes
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before  # nothing extracted


def _mark_encrypted(path: Path, name: bytes) -> None:
    """Set the 'encrypted' flag of one member (zipfile cannot write encrypted members)."""
    data = bytearray(path.read_bytes())
    for sig, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        pos = data.find(sig)
        while pos != -1:
            if data[pos + name_at : pos + name_at + len(name)] == name:
                data[pos + flag_at] |= 0x1
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


def test_not_an_export(tmp_path: Path) -> None:
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 junk")
    with pytest.raises(InputError, match="not a LinkedIn export"):
        open_export(junk)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(write_zip(tmp_path / "ok.zip", STANDARD).read_bytes()[:200])
    with pytest.raises(InputError):
        open_export(broken)
    with pytest.raises(InputError, match="no such file"):
        open_export(tmp_path / "missing.zip")


def test_canonical_profile_urls() -> None:
    assert canon_profile_url("https://uk.linkedin.com/in/Avery-Lin-BR/?trk=abc") == (
        "linkedin.com/in/avery-lin-br"
    )
    assert canon_profile_url("www.linkedin.com/in/avery-lin-br") == "linkedin.com/in/avery-lin-br"
    assert canon_profile_url("http://linkedin.com/in/a%C3%A9b/#x") == "linkedin.com/in/aéb"
    assert canon_profile_url("  ") is None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=3000))
def test_fuzz_csv_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "messages.csv"
    p.write_bytes(MESSAGES_HEADER.encode() + data)
    try:
        with open_export(p) as ex:
            for m in ex.messages():
                assert isinstance(m.content, str)
    except InputError as exc:
        assert "\n" not in str(exc)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(min_size=1, max_size=400), st.integers(min_value=0, max_value=2000))
def test_fuzz_zip_bytes_never_crash(tmp_path: Path, junk: bytes, at: int) -> None:
    good = write_zip(tmp_path / "g.zip", STANDARD).read_bytes()
    at = min(at, len(good))
    p = tmp_path / "mutated.zip"
    p.write_bytes(good[:at] + junk + good[at + len(junk) :])
    try:
        with open_export(p) as ex:
            list(ex.messages())
            list(ex.invitations())
            list(ex.connections())
    except InputError:
        pass


def test_an_export_held_in_memory_reads_as_the_same_export_on_disk(tmp_path: Path) -> None:
    zipped = write_zip(tmp_path / "e.zip", STANDARD, "")
    with open_export(zipped) as on_disk, open_export_bytes("e.zip", zipped.read_bytes()) as held:
        assert list(held.messages()) == list(on_disk.messages())
        assert list(held.invitations()) == list(on_disk.invitations())
        assert held.owner_name() == on_disk.owner_name() == "Sam Carter"
    with open_export_bytes("messages.csv", MESSAGES.encode("utf-8")) as single:
        assert len(list(single.messages())) == 6
    with pytest.raises(InputError, match=r"export\.zip: not a readable zip archive"):
        open_export_bytes("export.zip", b"PK\x03\x04 broken")
    with pytest.raises(InputError, match=r"notes\.txt: not a file lurewatch reads"):
        open_export_bytes("notes.txt", b"hello")
    with pytest.raises(InputError, match=r"holds no messages\.csv or Invitations\.csv"):
        conn = write_zip(tmp_path / "c.zip", {"Connections.csv": CONNECTIONS}, "")
        open_export_bytes("c.zip", conn.read_bytes())
