"""What an attached file is, found by looking at its bytes, never by opening it.

Nothing here runs, renders or decompresses the sender's file. Macros and
encryption are found from container structure alone:

* OOXML and other zip files: the member list (``vbaProject.bin`` means
  macros; bit 0 of a member's flags means a password);
* OLE2 compound files (``.doc``, ``.xls``, and password-protected OOXML): the
  UTF-16 names of their directory entries (``Macros``, ``_VBA_PROJECT``,
  ``EncryptedPackage``);
* PDF: an ``/Encrypt`` dictionary.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_MAX_ZIP_MEMBERS = 10_000
# Directory entries of an OLE2 file are 128 bytes and start on 128-byte
# boundaries, with a NUL-terminated UTF-16LE name at their start. Matching only
# there keeps the words "Macros" in a document's own text from counting.
_OLE_ENTRY = 128
_OLE_MACRO_NAMES = tuple(
    (n + "\0").encode("utf-16-le") for n in ("Macros", "_VBA_PROJECT", "_VBA_PROJECT_CUR")
)
_OLE_ENCRYPTED_NAMES = tuple(
    (n + "\0").encode("utf-16-le") for n in ("EncryptedPackage", "EncryptionInfo")
)


@dataclass(frozen=True, slots=True)
class FileFacts:
    """``None`` means not known: not checked, or not a kind of file that has it."""

    has_macros: bool | None = None
    encrypted: bool | None = None
    problem: str = ""  # why the file could not be read fully, if it could not


def inspect_file(data: bytes) -> FileFacts:
    """Macros and encryption, as far as the structure of ``data`` shows them."""
    if data.startswith(ZIP_MAGIC):
        return _zip_facts(data)
    if data.startswith(OLE_MAGIC):
        return _ole_facts(data)
    if b"%PDF-" in data[:1024]:
        return FileFacts(encrypted=b"/Encrypt" in data)
    return FileFacts()


def _zip_facts(data: bytes) -> FileFacts:
    problem = ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(i.filename, i.flag_bits) for i in archive.infolist()[:_MAX_ZIP_MEMBERS]]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
            IndexError, KeyError, struct.error, NotImplementedError, OverflowError):  # fmt: skip
        # A damaged central directory: the local headers still name the members.
        members = _local_members(data)
        problem = "damaged zip archive"
    names = [name.replace("\\", "/").lower() for name, _ in members]
    macros = any(n.rsplit("/", 1)[-1] == "vbaproject.bin" for n in names)
    office = macros or "[content_types].xml" in names
    return FileFacts(
        has_macros=macros if office else None,
        encrypted=any(flags & 0x1 for _, flags in members) if members else None,
        problem=problem,
    )


def _local_members(data: bytes) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pos = data.find(ZIP_MAGIC)
    while pos >= 0 and len(out) < _MAX_ZIP_MEMBERS:
        if pos + _LOCAL_HEADER.size > len(data):
            break
        fields = _LOCAL_HEADER.unpack_from(data, pos)
        flags, name_len = fields[2], fields[9]
        start = pos + _LOCAL_HEADER.size
        out.append((data[start : start + name_len].decode("cp437"), flags))
        pos = data.find(ZIP_MAGIC, start)
    return out


def _ole_names_at_entries(data: bytes, names: tuple[bytes, ...]) -> bool:
    for name in names:
        pos = data.find(name)
        while pos >= 0:
            if pos % _OLE_ENTRY == 0:
                return True
            pos = data.find(name, pos + 1)
    return False


def _ole_facts(data: bytes) -> FileFacts:
    encrypted = _ole_names_at_entries(data, _OLE_ENCRYPTED_NAMES)
    macros = _ole_names_at_entries(data, _OLE_MACRO_NAMES)
    # A password-protected OOXML file hides its parts, macros included.
    return FileFacts(has_macros=None if encrypted and not macros else macros, encrypted=encrypted)
