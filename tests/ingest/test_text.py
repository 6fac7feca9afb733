from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lurewatch.ingest.errors import InputError
from lurewatch.ingest.text import DecodedText, decode_text, read_bytes

TEXT = "Hello Dr Patel, add me on WeChat: 微信 amy_88 — thanks!"


@pytest.mark.parametrize("data", [b"", b"   ", b"\n\r\n\t  \n", "\u3000".encode()])
def test_empty_or_blank_text_is_refused(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        decode_text(data, "note.txt")
    assert str(info.value) == "note.txt: nothing to check (the text is empty)"


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4,  # a zip archive
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,
        b"Hello\x00world, a text with a NUL byte",
        b"\x01\x02\x03\x04\x05\x06 mostly control characters \x07\x08\x0e\x0f",
    ],
)
def test_binary_junk_is_refused(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        decode_text(data, "photo.png")
    message = str(info.value)
    assert message == "photo.png: looks like a binary file, not text; give the message as text"
    assert "\n" not in message


def test_plain_utf8() -> None:
    assert decode_text(TEXT.encode(), "a.txt") == DecodedText(TEXT, ())


def test_invalid_utf8_is_replaced_and_noted() -> None:
    data = b"caf\xe9 and na\xefve \xff\xfe ok"
    assert decode_text(data, "a.txt") == DecodedText(
        "caf\ufffd and na\ufffdve \ufffd\ufffd ok",
        ("4 byte sequence(s) were not valid UTF-8 and were replaced",),
    )


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16"),  # native order with its BOM
        TEXT.encode("utf-16-le"),  # no BOM: recognised by its NUL bytes
        TEXT.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
        codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"),
    ],
    ids=["utf8-bom", "utf16le-bom", "utf16be-bom", "utf16", "utf16le", "utf16be", "utf32le",
         "utf32be"],
)  # fmt: skip
def test_byte_order_marks_and_utf16_are_decoded(data: bytes) -> None:
    assert decode_text(data, "a.txt") == DecodedText(TEXT, ())


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"])))
def test_any_printable_utf8_text_round_trips(text: str) -> None:
    # A leading U+FEFF is read as the byte order mark it is in UTF-8, and dropped.
    kept = text.removeprefix("\ufeff")
    if kept.strip():
        assert decode_text(text.encode(), "a.txt") == DecodedText(kept, ())


@given(st.binary())
def test_any_bytes_give_text_or_an_input_error(data: bytes) -> None:
    try:
        decoded = decode_text(data, "a.bin")
    except InputError as exc:
        assert str(exc).startswith("a.bin: ")
        assert "\n" not in str(exc)
    else:
        assert decoded.text.strip()
        assert "\x00" not in decoded.text


def test_read_bytes_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(b"exactly ten")
    assert read_bytes(str(path), limit=11) == b"exactly ten"


def test_read_bytes_refuses_a_file_over_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (2 * 1_048_576 + 1))
    with pytest.raises(InputError) as info:
        read_bytes(str(path), limit=2 * 1_048_576)
    assert str(info.value) == f"{path}: larger than the 2.0 MB limit for this input"
    with pytest.raises(InputError) as info:
        read_bytes(str(path), limit=10 * 1024)
    assert str(info.value) == f"{path}: larger than the 10 KB limit for this input"


def test_read_bytes_reads_standard_input_up_to_the_limit() -> None:
    assert read_bytes("-", limit=100, stdin=io.BytesIO(b"piped text")) == b"piped text"
    with pytest.raises(InputError) as info:
        read_bytes("-", limit=4, stdin=io.BytesIO(b"piped text"))
    assert str(info.value).startswith("standard input: larger than the ")


def test_read_bytes_names_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError) as info:
        read_bytes(str(path), limit=100)
    assert str(info.value) == f"{path}: no such file"


def test_read_bytes_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_bytes(str(tmp_path), limit=100)
    assert str(info.value) == f"{tmp_path}: is a folder, not a file"
