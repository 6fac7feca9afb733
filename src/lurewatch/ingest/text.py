"""Read a message from bytes of unknown origin: encodings, binary junk, size."""

from __future__ import annotations

import codecs
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lurewatch.ingest.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_OK = {"\n", "\r", "\t", "\f"}


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    notes: tuple[str, ...] = ()


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def read_bytes(path: str, limit: int, stdin: BinaryIO | None = None) -> bytes:
    """Read at most ``limit`` bytes from a file (or ``-`` for standard input)."""
    name = "standard input" if path == "-" else path
    try:
        if path == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(limit + 1)
        else:
            p = Path(path)
            if p.is_dir():
                raise InputError(f"{name}: is a folder, not a file")
            with p.open("rb") as fh:
                data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InputError(f"{name}: larger than the {_size(limit)} limit for this input")
    return data


def _looks_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / (len(sample) / 2)
    odd_nul = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes, source: str) -> DecodedText:
    """Text from bytes: BOMs honoured, UTF-16 sniffed, bad bytes replaced and noted.

    Raises :class:`InputError` for empty or binary input.
    """
    notes: list[str] = []
    encoding = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], enc
            break
    encoding = encoding or _looks_utf16(data)
    if encoding is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            bad = text.count("\ufffd")
            notes.append(f"{bad} byte sequence(s) were not valid UTF-8 and were replaced")
    else:
        text = data.decode(encoding, errors="replace")
    if not text.strip():
        raise InputError(f"{source}: nothing to check (the text is empty)")
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in _CONTROL_OK)
    if "\x00" in sample or controls > len(sample) * 0.05:
        raise InputError(f"{source}: looks like a binary file, not text; give the message as text")
    return DecodedText(text, tuple(notes))
