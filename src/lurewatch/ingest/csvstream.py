"""Stream CSV rows out of hostile files: unknown encoding, preambles, huge fields.

Files are never loaded whole. The encoding is chosen from a sample of the
first bytes (byte-order marks, UTF-16 without one, UTF-8, else cp1252), the
header row is searched for rather than assumed to be first, columns are mapped
by name, and a field longer than the limit stops that file with a note
instead of using unbounded memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from lurewatch.ingest.errors import InputError

SAMPLE_BYTES = 64 * 1024
HEADER_SEARCH_ROWS = 25

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class _Prefixed(io.RawIOBase):
    """A byte stream that replays a sample already read, counts bytes, and enforces a cap."""

    def __init__(
        self,
        prefix: bytes,
        rest: IO[bytes],
        limit: int,
        name: str,
        on_bytes: Callable[[int], None] | None,
    ) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest
        self._limit = limit
        self._name = name
        self._on_bytes = on_bytes
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
        else:
            chunk = self._rest.read(len(buffer))
            n = len(chunk)
            buffer[:n] = chunk
        self.consumed += n
        if self.consumed > self._limit:
            raise InputError(f"{self._name}: larger than the {self._limit:,}-byte limit per file")
        if self._on_bytes is not None and n:
            self._on_bytes(n)
        return n


def sniff_encoding(sample: bytes) -> str:
    for bom, enc in _BOMS:
        if sample.startswith(bom):
            return enc
    if len(sample) >= 4:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        half = len(sample) / 2
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is fine
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def open_text(
    raw: IO[bytes],
    name: str,
    *,
    limit: int,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[io.TextIOWrapper, str]:
    """A text stream over ``raw`` with the sniffed encoding; bad bytes are replaced."""
    sample = raw.read(SAMPLE_BYTES)
    encoding = sniff_encoding(sample)
    stream = _Prefixed(sample, raw, limit, name, on_bytes)
    buffered = io.BufferedReader(stream, buffer_size=SAMPLE_BYTES)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")
    return text, encoding


def _norm_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().casefold().split())


@dataclass
class CsvReport:
    """What happened while reading one file."""

    name: str
    rows: int = 0
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def iter_rows(
    text: Iterable[str],
    name: str,
    required: Sequence[str],
    *,
    max_field: int,
    report: CsvReport,
) -> Iterator[dict[str, str]]:
    """Rows as {normalised header: value}, after finding the header row by name.

    Raises :class:`InputError` when no row within the first lines has every
    ``required`` column; the message names the file and what it expected.
    """
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max_field)
    try:
        reader = csv.reader(text)
        want = [_norm_header(r) for r in required]
        header: list[str] | None = None
        try:
            for _ in range(HEADER_SEARCH_ROWS):
                row = next(reader, None)
                if row is None:
                    break
                cells = [_norm_header(c) for c in row]
                if all(w in cells for w in want):
                    header = cells
                    break
        except csv.Error as exc:
            raise InputError(f"{name}: not a readable CSV file ({exc})") from None
        if header is None:
            raise InputError(
                f"{name}: no header row found; expected the columns {', '.join(required)}"
            )
        width = len(header)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.notes.append(
                    f"{name}: stopped at line {reader.line_num}: {exc}; the rest of the file "
                    "was skipped"
                )
                break
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) < width:
                row = row + [""] * (width - len(row))
            report.rows += 1
            yield dict(zip(header, row, strict=False))
    finally:
        csv.field_size_limit(old_limit)
