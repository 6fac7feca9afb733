"""Sending a report to the security office's server, from the staff member's machine."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

REPORTS_PATH = "/api/reports"


class ReportClientError(Exception):
    """The report was not acknowledged. ``str(error)`` is one line saying why and what to do."""


@dataclass(frozen=True, slots=True)
class Receipt:
    reference: str
    received_at: str


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def reports_url(server: str) -> str:
    """The reports endpoint of ``server``; plain http only to this machine (the token is secret)."""
    parts = urlsplit(server.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReportClientError(
            f"--server {server!r}: give the server's address, e.g. https://lurewatch.example.org"
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ReportClientError(
            f"--server {server!r}: use https:// (over plain http the token and the report "
            "would cross the network readable by anyone on the way)"
        )
    return server.strip().rstrip("/") + REPORTS_PATH


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        text = body["message"]
    else:
        text = response.text[:200]
    return " ".join(text.split()) or response.reason_phrase


def send_report(
    server: str,
    token: str,
    body: bytes,
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> Receipt:
    """POST a report; its receipt once the server has committed it.

    Never retried: a report whose answer was lost may have arrived, and the
    person is told to check rather than to send it twice.
    """
    url = reports_url(server)
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(
                url,
                content=body,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ReportClientError(f"cannot reach {server}: {_one_line(exc)}") from None
    except httpx.HTTPError as exc:
        raise ReportClientError(
            f"no answer from {server} ({_one_line(exc)}): the report may have "
            "arrived; ask the security office before sending it again"
        ) from None
    if response.status_code != 201:
        raise ReportClientError(
            f"the server refused the report (HTTP {response.status_code}): {_message(response)}"
        )
    try:
        receipt = response.json()
        return Receipt(reference=str(receipt["reference"]), received_at=str(receipt["received_at"]))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        raise ReportClientError(
            f"{server} answered 201 without a reference number: is it a lurewatch server?"
        ) from None
