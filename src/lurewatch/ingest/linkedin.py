"""Read a LinkedIn member data export: the zip, the unzipped folder, or single CSVs.

Files are found by name (``messages.csv``, ``Invitations.csv``,
``Connections.csv``, ``Profile.csv``; any letter case, with or without an
``_<id>`` suffix, at the root or in a sub-folder) and their columns by header
name. Nothing is extracted to disk: zip members are streamed, so names with
``..`` or absolute paths are harmless and only reported. Zip bombs are refused
by declared size, total size and compression ratio before a byte is inflated,
and streams are capped as they are read in case the headers lie.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from lurewatch.ingest.csvstream import CsvReport, iter_rows, open_text
from lurewatch.ingest.errors import InputError
from lurewatch.ingest.html_text import html_to_text

KINDS = ("messages", "invitations", "connections", "profile")
_NAME = re.compile(r"^(?P<stem>[a-z][a-z ]*?)(?:_[\w-]+)?\.csv$", re.IGNORECASE)
_REQUIRED = {
    "messages": ("FROM", "CONTENT"),
    "invitations": ("From", "To", "Message"),
    "connections": ("First Name", "Last Name"),
    "profile": ("First Name", "Last Name"),
}
_FOLDER_DEPTH = 3
# What a damaged archive or file raises while being read. The zipfile module is not
# hardened against hostile archives and also lets IndexError, KeyError and struct.error
# escape from malformed headers.
_DAMAGE = (
    IndexError,
    KeyError,
    struct.error,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    UnicodeError,
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep a hostile export from exhausting memory or disk."""

    max_file_bytes: int = 2 * 1024**3  # one CSV, uncompressed
    max_total_bytes: int = 8 * 1024**3  # all CSVs read from one export
    max_ratio: float = 100.0  # uncompressed / compressed, per zip member
    max_field_chars: int = 1_000_000
    max_members: int = 20_000


@dataclass(frozen=True, slots=True)
class ExportMessage:
    conversation_id: str
    conversation_title: str
    sender: str
    sender_url: str
    recipients: tuple[str, ...]
    recipient_urls: tuple[str, ...]
    date: dt.datetime | None
    date_text: str
    subject: str
    content: str
    folder: str
    attachments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ExportInvitation:
    sender: str
    recipient: str
    sent_at: dt.datetime | None
    sent_text: str
    message: str
    direction: str  # INCOMING | OUTGOING | "" when unknown
    inviter_url: str
    invitee_url: str


@dataclass(frozen=True, slots=True)
class ExportConnection:
    first_name: str
    last_name: str
    url: str
    email: str
    company: str
    position: str
    connected_on: dt.date | None

    @property
    def name(self) -> str:
        return " ".join(x for x in (self.first_name, self.last_name) if x)


@dataclass(frozen=True, slots=True)
class _Member:
    kind: str
    name: str  # as shown to the user
    size: int | None  # uncompressed size when known
    open: Callable[[], IO[bytes]]


# -- dates ---------------------------------------------------------------------


def parse_message_date(text: str) -> dt.datetime | None:
    """``2024-03-05 14:22:11 UTC`` (and ISO variants) as an aware UTC datetime."""
    t = text.strip().removesuffix("UTC").strip().replace("T", " ").removesuffix("Z")
    try:  # the common case, parsed in C
        d = dt.datetime.fromisoformat(t)
        return d.replace(tzinfo=dt.UTC) if d.tzinfo is None else d.astimezone(dt.UTC)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(t, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


_SENT_AT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d\d|\d{4}), (\d{1,2}):(\d\d) ([AaPp])[Mm]", re.ASCII)


def _sent_at_fast(t: str) -> dt.datetime | None:
    """The usual ``9/1/26, 10:00 AM`` read without ``strptime`` (several times slower)."""
    m = _SENT_AT.fullmatch(t)
    if m is None:
        return None
    month, day, year, hour, minute = (int(g) for g in m.groups()[:5])
    if not 1 <= hour <= 12:
        return None
    if len(m.group(3)) == 2:  # as strptime's %y: 69-99 are 1969-1999, 00-68 are 2000-2068
        year += 1900 if year >= 69 else 2000
    hour = hour % 12 + (12 if m.group(6) in "Pp" else 0)
    try:
        return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)
    except ValueError:
        return None


def parse_sent_at(text: str) -> dt.datetime | None:
    """``9/1/26, 10:00 AM`` (US order, 12-hour clock, no zone; taken as UTC)."""
    t = " ".join(text.replace("\u202f", " ").split())
    fast = _sent_at_fast(t)
    if fast is not None:
        return fast
    for fmt in ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y %I:%M %p", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(t, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return parse_message_date(text)


def parse_connected_on(text: str) -> dt.date | None:
    """``15 Mar 2024`` (and a few other spellings)."""
    t = text.strip()
    for fmt in ("%d %b %Y", "%d %B %Y", "%m/%d/%Y", "%Y-%m-%d", "%b %d, %Y"):
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return None


def _split_urls(text: str) -> tuple[str, ...]:
    return tuple(u.strip() for u in re.split(r"[,\s]+", text) if u.strip())


def _split_names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _content(text: str) -> str:
    return html_to_text(text) if "<" in text and ">" in text else text


# -- finding the files -----------------------------------------------------------


def kind_of(filename: str) -> str | None:
    m = _NAME.match(PurePosixPath(filename.replace("\\", "/")).name)
    if not m:
        return None
    stem = m.group("stem").strip().casefold()
    return stem if stem in KINDS else None


@dataclass
class Export:
    """An opened export. Use as a context manager; iterate the record kinds."""

    source: str
    members: dict[str, list[_Member]]
    limits: Limits
    notes: list[str] = field(default_factory=list)
    reports: list[CsvReport] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None
    _total: int = 0

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Export:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, kind: str) -> bool:
        return bool(self.members.get(kind))

    def size_of(self, kind: str) -> int:
        return sum(m.size or 0 for m in self.members.get(kind, ()))

    def _count(self, n: int) -> None:
        self._total += n
        if self._total > self.limits.max_total_bytes:
            raise InputError(
                f"{self.source}: more than {self.limits.max_total_bytes:,} bytes of CSV in "
                "one export; refusing to read further"
            )

    def _rows(
        self, kind: str, on_bytes: Callable[[int], None] | None = None
    ) -> Iterator[dict[str, str]]:
        for member in self.members.get(kind, ()):
            report = CsvReport(member.name)
            self.reports.append(report)

            def counted(n: int) -> None:
                self._count(n)
                if on_bytes is not None:
                    on_bytes(n)

            try:
                raw = member.open()
            except InputError:
                raise
            except _DAMAGE as exc:
                self.notes.append(f"{member.name}: cannot be opened ({exc}); skipped")
                continue
            try:
                text, report.encoding = open_text(
                    raw, member.name, limit=self.limits.max_file_bytes, on_bytes=counted
                )
                yield from iter_rows(
                    text,
                    member.name,
                    _REQUIRED[kind],
                    max_field=self.limits.max_field_chars,
                    report=report,
                )
            except InputError:
                raise
            except _DAMAGE as exc:
                report.notes.append(
                    f"{member.name}: damaged ({exc}); kept the {report.rows:,} rows before it"
                )
            finally:
                raw.close()
            self.notes.extend(report.notes)

    def messages(self, on_bytes: Callable[[int], None] | None = None) -> Iterator[ExportMessage]:
        for r in self._rows("messages", on_bytes):
            attachments = r.get("attachments", "")
            yield ExportMessage(
                conversation_id=r.get("conversation id", ""),
                conversation_title=r.get("conversation title", ""),
                sender=r.get("from", "").strip(),
                sender_url=r.get("sender profile url", "").strip(),
                recipients=_split_names(r.get("to", "")),
                recipient_urls=_split_urls(r.get("recipient profile urls", "")),
                date=parse_message_date(r.get("date", "")),
                date_text=r.get("date", ""),
                subject=r.get("subject", ""),
                content=_content(r.get("content", "")),
                folder=r.get("folder", "").strip().upper(),
                attachments=_split_urls(attachments) if attachments.strip() else (),
            )

    def invitations(
        self, on_bytes: Callable[[int], None] | None = None
    ) -> Iterator[ExportInvitation]:
        for r in self._rows("invitations", on_bytes):
            yield ExportInvitation(
                sender=r.get("from", "").strip(),
                recipient=r.get("to", "").strip(),
                sent_at=parse_sent_at(r.get("sent at", "")),
                sent_text=r.get("sent at", ""),
                message=_content(r.get("message", "")),
                direction=r.get("direction", "").strip().upper(),
                inviter_url=r.get("inviterprofileurl", "").strip(),
                invitee_url=r.get("inviteeprofileurl", "").strip(),
            )

    def connections(self) -> Iterator[ExportConnection]:
        for r in self._rows("connections"):
            yield ExportConnection(
                first_name=r.get("first name", "").strip(),
                last_name=r.get("last name", "").strip(),
                url=r.get("url", "").strip(),
                email=r.get("email address", "").strip(),
                company=r.get("company", "").strip(),
                position=r.get("position", "").strip(),
                connected_on=parse_connected_on(r.get("connected on", "")),
            )

    def owner_name(self) -> str | None:
        for r in self._rows("profile"):
            name = " ".join(
                x for x in (r.get("first name", "").strip(), r.get("last name", "").strip()) if x
            )
            if name:
                return name
        return None


def _zip_members(
    path: Path, zf: zipfile.ZipFile, limits: Limits, notes: list[str]
) -> dict[str, list[_Member]]:
    found: dict[str, list[_Member]] = {}
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise InputError(
            f"{path}: {len(infos):,} entries; more than the {limits.max_members:,} "
            "a LinkedIn export has"
        )
    declared = 0
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts:
            notes.append(f"{name}: unusual path inside the archive (nothing is extracted)")
        if pure.suffix.casefold() in (".zip", ".jar", ".7z", ".rar", ".gz"):
            notes.append(f"{name}: nested archive not opened")
            continue
        kind = kind_of(name)
        if kind is None:
            continue
        if info.flag_bits & 0x1:
            notes.append(f"{name}: encrypted inside the archive; skipped")
            continue
        if info.file_size > limits.max_file_bytes:
            notes.append(
                f"{name}: {info.file_size:,} bytes uncompressed, over the "
                f"{limits.max_file_bytes:,}-byte limit; skipped"
            )
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > limits.max_ratio:
            notes.append(f"{name}: compression ratio {ratio:,.0f}:1 looks like a zip bomb; skipped")
            continue
        declared += info.file_size
        if declared > limits.max_total_bytes:
            raise InputError(
                f"{path}: the archive declares more than "
                f"{limits.max_total_bytes:,} bytes of CSV; refusing it"
            )

        def opener(info: zipfile.ZipInfo = info) -> IO[bytes]:
            return zf.open(info)

        found.setdefault(kind, []).append(_Member(kind, name, info.file_size, opener))
    return found


def _file_opener(p: Path) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        return p.open("rb")

    return opener


def _folder_members(root: Path, notes: list[str]) -> dict[str, list[_Member]]:
    found: dict[str, list[_Member]] = {}
    base_depth = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        if len(Path(dirpath).parts) - base_depth >= _FOLDER_DEPTH:
            dirnames[:] = []
        dirnames.sort()
        for fn in sorted(filenames):
            kind = kind_of(fn)
            if kind is None:
                continue
            p = Path(dirpath) / fn
            try:
                st = p.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                notes.append(f"{p}: not a regular file (a link?); skipped")
                continue
            found.setdefault(kind, []).append(_Member(kind, str(p), st.st_size, _file_opener(p)))
    return found


def _open_zip(
    where: Path, source: str | Path | IO[bytes], limits: Limits, notes: list[str]
) -> tuple[zipfile.ZipFile, dict[str, list[_Member]]]:
    zf: zipfile.ZipFile | None = None
    try:
        zf = zipfile.ZipFile(source)
        return zf, _zip_members(where, zf, limits, notes)
    except InputError:
        if zf is not None:
            zf.close()
        raise
    except _DAMAGE as exc:
        if zf is not None:
            zf.close()
        raise InputError(f"{where}: not a readable zip archive ({exc})") from None


def _export_of(
    name: str,
    members: dict[str, list[_Member]],
    limits: Limits,
    notes: list[str],
    zf: zipfile.ZipFile | None,
) -> Export:
    if not members.get("messages") and not members.get("invitations"):
        if zf is not None:
            zf.close()
        raise InputError(
            f"{name}: holds no messages.csv or Invitations.csv; nothing to scan"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return Export(name, members, limits, notes, _zip=zf)


def open_export(path: str | Path, limits: Limits | None = None) -> Export:
    """Open a zip, a folder or a single CSV file as an export.

    Raises :class:`InputError` when the path is missing or holds nothing lurewatch reads.
    """
    limits = limits or Limits()
    p = Path(path)
    notes: list[str] = []
    zf: zipfile.ZipFile | None = None
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        members = _folder_members(p, notes)
    elif zipfile.is_zipfile(p):
        zf, members = _open_zip(p, p, limits, notes)
    elif p.suffix.casefold() == ".csv":
        kind = kind_of(p.name)
        if kind is None:
            raise InputError(
                f"{p}: not a file lurewatch reads; expected messages.csv, Invitations.csv, "
                "Connections.csv or Profile.csv"
            )
        members = {kind: [_Member(kind, str(p), p.stat().st_size, _file_opener(p))]}
    else:
        raise InputError(
            f"{p}: not a LinkedIn export; give the downloaded .zip, its unzipped folder, "
            "or messages.csv / Invitations.csv / Connections.csv"
        )
    return _export_of(str(p), members, limits, notes, zf)


def open_export_bytes(name: str, data: bytes, limits: Limits | None = None) -> Export:
    """An uploaded export held in memory: the .zip (members streamed from the bytes,
    never extracted) or a single messages.csv / Invitations.csv, told apart by content.

    ``name`` is the uploaded file's name, used in messages and to tell the CSV kind.
    Raises :class:`InputError` as :func:`open_export` does.
    """
    limits = limits or Limits()
    notes: list[str] = []
    zf: zipfile.ZipFile | None = None
    looks_zipped = data.startswith(b"PK\x03\x04") or name.casefold().endswith(".zip")
    if looks_zipped or zipfile.is_zipfile(io.BytesIO(data)):
        zf, members = _open_zip(Path(name), io.BytesIO(data), limits, notes)
    else:
        kind = kind_of(name)
        if kind not in ("messages", "invitations"):
            raise InputError(
                f"{name}: not a file lurewatch reads; expected messages.csv or Invitations.csv"
            )
        members = {kind: [_Member(kind, name, len(data), lambda: io.BytesIO(data))]}
    return _export_of(name, members, limits, notes, zf)


@contextmanager
def export(path: str | Path, limits: Limits | None = None) -> Iterator[Export]:
    ex = open_export(path, limits)
    try:
        yield ex
    finally:
        ex.close()
