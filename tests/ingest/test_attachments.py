"""Macros and encryption found from file structure. Every file is built here."""

from __future__ import annotations

import io
import zipfile

import pytest

from lurewatch.ingest.attachments import OLE_MAGIC, FileFacts, inspect_file


def make_zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, b"synthetic content")
    return out.getvalue()


def with_password_flag(data: bytes) -> bytes:
    """The zip with bit 0 (encrypted) set on every member, as a password-protected zip has.

    zipfile cannot write encrypted archives, and the flag is all we read.
    """
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(signature)
        while pos >= 0:
            out[pos + offset] |= 0x01
            pos = out.find(signature, pos + 4)
    return bytes(out)


def make_ole(*entries: tuple[int, str]) -> bytes:
    """An OLE2-shaped file with directory entry names written at the given offsets."""
    out = bytearray(OLE_MAGIC + bytes(4096 - len(OLE_MAGIC)))
    for offset, name in entries:
        encoded = (name + "\0").encode("utf-16-le")
        out[offset : offset + len(encoded)] = encoded
    return bytes(out)


DOCX = ("[Content_Types].xml", "word/document.xml")


@pytest.mark.parametrize(
    ("data", "facts"),
    [
        (make_zip(*DOCX, "word/vbaProject.bin"), FileFacts(has_macros=True, encrypted=False)),
        (make_zip(*DOCX), FileFacts(has_macros=False, encrypted=False)),
        (make_zip("xl/vbaProject.bin"), FileFacts(has_macros=True, encrypted=False)),
        (make_zip("cv.pdf", "photo.jpg"), FileFacts(has_macros=None, encrypted=False)),
        (with_password_flag(make_zip("cv.pdf")), FileFacts(has_macros=None, encrypted=True)),
        (make_ole((1024, "Root Entry"), (1152, "Macros")), FileFacts(has_macros=True, encrypted=False)),
        (make_ole((1536, "_VBA_PROJECT")), FileFacts(has_macros=True, encrypted=False)),
        # "Macros" in the document's own text, not at the start of a directory entry.
        (make_ole((1030, "Macros")), FileFacts(has_macros=False, encrypted=False)),
        (make_ole((1024, "EncryptedPackage")), FileFacts(has_macros=None, encrypted=True)),
        (b"%PDF-1.7\n1 0 obj <</Encrypt 2 0 R>>", FileFacts(encrypted=True)),
        (b"%PDF-1.7\n1 0 obj <</Type /Catalog>>", FileFacts(encrypted=False)),
        (b"\x89PNG\r\n\x1a\n", FileFacts()),
        (b"", FileFacts()),
    ],
)  # fmt: skip
def test_inspect_file(data: bytes, facts: FileFacts) -> None:
    assert inspect_file(data) == facts


def test_a_damaged_zip_is_read_from_its_local_headers() -> None:
    data = make_zip(*DOCX, "word/vbaProject.bin")
    damaged = data[: data.find(b"PK\x01\x02")]  # the central directory is gone
    assert inspect_file(damaged) == FileFacts(
        has_macros=True, encrypted=False, problem="damaged zip archive"
    )
    assert inspect_file(b"PK\x03\x04 and nothing else") == FileFacts(
        has_macros=None, encrypted=None, problem="damaged zip archive"
    )
