"""Untrusted JSON in: a size cap, an optional byte-order mark, one-line errors."""

from __future__ import annotations

from typing import Any

import msgspec

from lurewatch.exchange import MAX_ALERT_BYTES
from lurewatch.ingest.errors import InputError


def one_line(text: str) -> str:
    """Text with every run of white space (newlines included) made one space."""
    return " ".join(str(text).split())


def decode_json(data: bytes, source: str) -> Any:
    """The parsed JSON value; :class:`InputError` if too big, not JSON or nested too deep."""
    if len(data) > MAX_ALERT_BYTES:
        raise InputError(
            f"{source}: {len(data):,} bytes; inputs over {MAX_ALERT_BYTES:,} bytes are refused"
        )
    try:
        return msgspec.json.decode(data.removeprefix(b"\xef\xbb\xbf"))
    except msgspec.DecodeError as exc:
        raise InputError(f"{source}: not valid JSON ({one_line(str(exc))})") from None
    except UnicodeDecodeError as exc:  # msgspec lets this through for bad bytes in a string
        raise InputError(f"{source}: not valid JSON (not UTF-8 text: {exc.reason})") from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply to read") from None
