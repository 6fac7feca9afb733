"""Import and export of alerts and indicators."""

from __future__ import annotations

from pathlib import Path

from lurewatch.ingest.errors import InputError
from lurewatch.model import Alert

MAX_ALERT_BYTES = 50 * 1024 * 1024


def read_alert_bytes(data: bytes, source: str) -> Alert:
    """An alert from any supported format, recognised by content (then by file name).

    STIX 2.1 bundles (``"type": "bundle"``) and MISP events (``"Event"``, or an
    object with ``"Attribute"``/``"Object"``) are told apart from lurewatch's
    own JSON; YAML and CSV are recognised by the file name.
    """
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = source.casefold()
    if lower.endswith(".csv"):
        from lurewatch.exchange.alertfile import alert_from_csv

        return alert_from_csv(data, source)
    if head.startswith(b"{") or head.startswith(b"["):
        sample = head.replace(b" ", b"").replace(b"\n", b"")
        if b'"type":"bundle"' in sample or b'"spec_version"' in sample:
            from lurewatch.exchange.stix import alert_from_stix

            return alert_from_stix(data, source)
        if b'"Event"' in sample or b'"Attribute"' in sample or b'"Object"' in sample:
            from lurewatch.exchange.misp import alert_from_misp

            return alert_from_misp(data, source)
        from lurewatch.exchange.alertfile import alert_from_json

        return alert_from_json(data, source)
    from lurewatch.exchange.alertfile import alert_from_yaml

    return alert_from_yaml(data, source)


def load_alert(path: str | Path) -> Alert:
    """Read an alert file; :class:`InputError` (one line) when it is missing, too big or bad."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_ALERT_BYTES:
            raise InputError(
                f"{p}: {size:,} bytes; alert files over {MAX_ALERT_BYTES:,} bytes are refused"
            )
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder, not an alert file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return read_alert_bytes(data, str(p))
