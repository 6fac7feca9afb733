"""Read an e-mail saved as ``.eml`` into a :class:`~lurewatch.model.Message`.

The sender wrote every byte: headers may be malformed, MIME structure broken,
charsets invented, parts nested or multiplied without end. The reader parses
with the standard library (``email.policy.default``), falls back to the
lenient ``compat32`` helpers where the modern header parser gives up, caps
everything it reads, and says in a note what it skipped. It never runs,
renders or decompresses an attachment: macros and encryption are found from
file structure (:mod:`lurewatch.ingest.attachments`). Any failure is an
:class:`InputError` of one line naming the file and the problem.
"""

from __future__ import annotations

import datetime as dt
import email.header
import email.policy
import email.utils
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message as MimePart
from email.parser import BytesParser
from typing import TypeVar

from lurewatch.ingest.attachments import OLE_MAGIC, FileFacts, inspect_file
from lurewatch.ingest.errors import InputError
from lurewatch.ingest.html_text import html_to_text
from lurewatch.ingest.safe_markup import simplify_markup
from lurewatch.model import Attachment, EmailMeta, Message
from lurewatch.textnorm import norm_tokens

MAX_EML_BYTES = 25 * 1024 * 1024  # what the command line reads from an .eml file
MAX_BODY_CHARS = 2_000_000  # text kept from the body
MAX_INSPECT_BYTES = 10 * 1024 * 1024  # attachments larger than this are named, not inspected
MAX_PARTS = 1_000  # MIME parts read; the rest are skipped with a note
MAX_NESTED_MESSAGES = 3  # forwarded e-mails inside forwarded e-mails
MAX_ATTACHMENTS = 200
MAX_HEADER_CHARS = 8_192
_MAX_NOTES = 20
# The parser builds every part before we can skip any (about 70 µs each: 25 MB
# of empty parts is minutes), so input is cut before the delimiter line that
# would start part number 2 × MAX_PARTS. Real e-mails have a handful.
_MAX_DELIMITER_LINES = 2 * MAX_PARTS
_DELIMITER_LINE = re.compile(rb"^--", re.MULTILINE)
_TOO_MANY_PARTS = (
    f"the e-mail has more than {MAX_PARTS:,} MIME parts; only the first {MAX_PARTS:,} were read"
)
_CLOSE_MISSING = "a closing MIME boundary is missing"

# Headers of which at least one must be present for the input to be an e-mail.
_EMAIL_HEADERS = frozenset(
    {"from", "to", "cc", "subject", "date", "message-id", "reply-to", "return-path",
     "received", "mime-version", "content-type", "sender", "delivered-to"}
)  # fmt: skip
_DEFECTS = {
    "StartBoundaryNotFoundDefect": "a MIME boundary is missing",
    "CloseBoundaryNotFoundDefect": _CLOSE_MISSING,
    "NoBoundaryInMultipartDefect": "a multipart section has no boundary",
    "MultipartInvariantViolationDefect": "a multipart section has no parts",
    "MissingHeaderBodySeparatorDefect": "the headers are malformed",
    "FirstHeaderLineIsContinuationDefect": "the headers are malformed",
    "MisplacedEnvelopeHeaderDefect": "the headers are malformed",
    "InvalidBase64PaddingDefect": "some base64 data is invalid",
    "InvalidBase64CharactersDefect": "some base64 data is invalid",
    "InvalidBase64LengthDefect": "some base64 data is invalid",
}
# Characters that could rewrite a terminal or disguise a file name in a note.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_WHITESPACE = re.compile(r"\s+")
# New words the HTML version must add before it is read beside the plain text.
_HTML_EXTRA_WORDS = 5
_POLICY = email.policy.default

T = TypeVar("T")


def _attempt(read: Callable[[], T], fallback: T) -> T:
    """``read()``, or ``fallback`` when the ``email`` package trips over hostile input.

    Its header and parameter parsers raise an open set of exception types
    (IndexError, AttributeError, RecursionError, ...) on crafted values; each
    caller has a fallback that reads less but never fails.
    """
    try:
        return read()
    except Exception:
        return fallback


def _clean(text: str) -> str:
    """``text`` as valid Unicode: raw 8-bit bytes read as UTF-8, lone surrogates replaced."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _shown(name: str) -> str:
    """A sender-chosen name made safe and short enough for a note."""
    name = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)
    return f"'{name[:80]}…'" if len(name) > 80 else f"'{name}'"


def decode_words(raw: str) -> str:
    """A header value with RFC 2047 encoded words decoded, never failing."""

    def modern() -> str:
        return str(_POLICY.header_factory("subject", raw))

    def compat32() -> str:
        return str(email.header.make_header(email.header.decode_header(raw)))

    return _clean(_attempt(modern, None) or _attempt(compat32, raw))


def _angle_mailbox(raw: str) -> tuple[str, str] | None:
    """``NAME <ADDRESS>`` read the way mail clients show it: the last ``<…@…>`` wins."""
    end = raw.rfind(">")
    start = raw.rfind("<", 0, end)
    if start < 0 or raw[end + 1 :].strip(" \t()"):
        return None
    address = raw[start + 1 : end].strip()
    if "@" not in address or any(c.isspace() or c in "<>" for c in address):
        return None
    name = raw[:start].strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    return _one_line(decode_words(name)), _clean(address)


def _policy_mailboxes(name: str, raw: str) -> list[tuple[str, str]] | None:
    """Mailboxes as the modern parser reads them, or None if it found the header malformed."""

    def read() -> list[tuple[str, str]] | None:
        header = _POLICY.header_factory(name, raw)
        if header.defects:
            return None
        return [(_one_line(_clean(a.display_name)), _clean(a.addr_spec)) for a in header.addresses]

    return _attempt(read, None)


def _compat_addresses(raw: str) -> list[str]:
    empty: list[tuple[str, str]] = []
    pairs = _attempt(lambda: email.utils.getaddresses([raw]), empty)
    return [_clean(addr) for _, addr in pairs if "@" in addr]


@dataclass
class _Reader:
    source: str
    notes: list[str] = field(default_factory=list)
    defects: set[str] = field(default_factory=set)
    bodies: list[tuple[int, str, MimePart]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    cut: bool = False  # the input was cut short at the part limit

    def note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < _MAX_NOTES:
            self.notes.append(text)

    # Headers ----------------------------------------------------------------

    def raw_header(self, msg: MimePart, name: str) -> str | None:
        """The first ``name`` header as written, unfolded and capped."""
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                raw = "".join(str(value).splitlines())
                if len(raw) > MAX_HEADER_CHARS:
                    self.note(f"the {name} header is very long; only its first 8 KB were read")
                    raw = raw[:MAX_HEADER_CHARS]
                return raw
        return None

    def text_header(self, msg: MimePart, name: str) -> str:
        raw = self.raw_header(msg, name)
        return "" if raw is None else _one_line(decode_words(raw))

    def sender(self, msg: MimePart) -> tuple[str, str]:
        raw = self.raw_header(msg, "From")
        if raw is None:
            return "", ""
        parsed = _policy_mailboxes("from", raw)
        if parsed is not None and len(parsed) == 1:
            return parsed[0]
        angle = _angle_mailbox(raw)
        if angle is not None:
            if parsed is None:
                self.note("the From header is malformed; the address in <…> was read as the sender")
            return angle
        if parsed:
            return parsed[0]
        addresses = _compat_addresses(raw)
        if addresses:
            return "", addresses[0]
        self.note("the From header could not be read")
        return _one_line(decode_words(raw)), ""

    def addresses(self, msg: MimePart, name: str) -> tuple[str, ...]:
        raw = self.raw_header(msg, name)
        if raw is None:
            return ()
        parsed = _policy_mailboxes(name.lower(), raw)
        found = [addr for _, addr in parsed if addr] if parsed else []
        return tuple(found or _compat_addresses(raw))

    def date(self, msg: MimePart) -> dt.datetime | None:
        raw = self.raw_header(msg, "Date")
        if raw is None:
            return None
        try:
            return email.utils.parsedate_to_datetime(raw[:256])
        except (TypeError, ValueError, IndexError, OverflowError):
            self.note("the Date header could not be read")
            return None

    # Parts ------------------------------------------------------------------

    def walk(self, root: MimePart) -> None:
        """Sort every part into body candidates and attachments, within the caps."""
        stack: list[tuple[MimePart, int]] = [(root, 0)]
        seen = 0
        while stack:
            part, depth = stack.pop()
            seen += 1
            if seen > MAX_PARTS:
                self.note(_TOO_MANY_PARTS)
                return
            ctype = _attempt(part.get_content_type, "application/octet-stream")
            if part.is_multipart():
                self.collect_defects(part)
                children = [c for c in part.get_payload() if isinstance(c, MimePart)]
                child_depth = depth
                if ctype.startswith("message/"):
                    name = self.filename(part)
                    if name:
                        self.add_attachment(Attachment(filename=name, content_type=ctype))
                    if depth >= MAX_NESTED_MESSAGES:
                        self.note(
                            f"e-mails forwarded more than {MAX_NESTED_MESSAGES} levels deep "
                            "were not read"
                        )
                        continue
                    child_depth = depth + 1
                stack.extend((c, child_depth) for c in reversed(children))
                continue
            self.leaf(part, ctype, depth)

    def leaf(self, part: MimePart, ctype: str, depth: int) -> None:
        name = self.filename(part)
        disposition = _attempt(part.get_content_disposition, None)
        if name is None and disposition != "attachment":
            if ctype in ("text/plain", "text/html"):
                self.bodies.append((depth, ctype, part))
                return
            if ctype.startswith("multipart/"):  # a multipart without its boundary
                self.bodies.append((depth, "text/plain", part))
                return
        payload = self.payload(part)
        self.collect_defects(part)
        facts = FileFacts()
        shown = _shown(name or ctype)
        if len(payload) > MAX_INSPECT_BYTES:
            self.note(f"the attachment {shown} is over 10 MB and was not inspected")
        else:
            facts = inspect_file(payload)
            if facts.problem:
                self.note(f"the attachment {shown}: {facts.problem}; read what could be read")
        self.add_attachment(
            Attachment(
                filename=name or "",
                content_type=ctype,
                size=len(payload),
                has_macros=facts.has_macros,
                encrypted=facts.encrypted,
            )
        )

    def add_attachment(self, attachment: Attachment) -> None:
        if len(self.attachments) < MAX_ATTACHMENTS:
            self.attachments.append(attachment)
        else:
            self.note(f"only the first {MAX_ATTACHMENTS} attachments were listed")

    def filename(self, part: MimePart) -> str | None:
        name = _attempt(part.get_filename, None)
        if name is None:
            for header in ("Content-Disposition", "Content-Type"):
                raw = self.raw_header(part, header) or ""
                found = re.search(r"""\b(?:file)?name\*?=\s*"?([^";]+)""", raw, re.IGNORECASE)
                if found:
                    name = decode_words(found.group(1))
                    break
        if name is None:
            return None
        return _one_line(_clean(str(name))) or None

    def payload(self, part: MimePart) -> bytes:
        data = _attempt(lambda: part.get_payload(decode=True), None)
        if isinstance(data, bytes):
            return data
        if data is not None:
            self.note("a part of the e-mail could not be decoded")
        return b""

    def collect_defects(self, part: MimePart) -> None:
        for defect in part.defects:
            self.defects.add(_DEFECTS.get(type(defect).__name__, "the MIME structure is damaged"))

    def text_of(self, part: MimePart, ctype: str) -> str:
        payload = self.payload(part)
        self.collect_defects(part)
        if len(payload) > 4 * MAX_BODY_CHARS:
            payload = payload[: 4 * MAX_BODY_CHARS]
        charset = _attempt(part.get_content_charset, None) or "utf-8"
        text = None
        if charset in ("us-ascii", "ascii"):
            text = _attempt(lambda: payload.decode("utf-8"), None)
        if text is None:
            try:
                text = payload.decode(charset, "replace")
            except (LookupError, UnicodeError, ValueError, TypeError):
                self.note(f"unknown character set {_shown(charset)}; that text was read as UTF-8")
                text = payload.decode("utf-8", "replace")
        text = _clean(text)
        if ctype == "text/html":
            text = html_to_text(simplify_markup(text[: 2 * MAX_BODY_CHARS]))
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def body(self) -> str:
        if not self.bodies:
            self.note("the e-mail has no text; only its headers and attachments were checked")
            return ""
        top = min(depth for depth, _, _ in self.bodies)
        plain = [p for d, c, p in self.bodies if d == top and c == "text/plain"]
        chosen = [(p, "text/plain") for p in plain] or [
            (p, c) for d, c, p in self.bodies if d == top
        ]
        texts = [self.text_of(p, c) for p, c in chosen]
        if plain:
            # A sender can show one thing in the HTML a mail client displays and another
            # in the plain text: when the HTML says substantially more, read it too.
            seen = set(norm_tokens(" ".join(texts)))
            for d, c, p in self.bodies:
                if d == top and c == "text/html":
                    html = self.text_of(p, c)
                    if len(set(norm_tokens(html)) - seen) >= _HTML_EXTRA_WORDS:
                        self.note(
                            "the HTML version says more than the plain text; both were checked"
                        )
                        texts.append(html)
        text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
        if len(text) > MAX_BODY_CHARS:
            self.note("the e-mail's text is over 2 MB; only the start was checked")
            text = text[:MAX_BODY_CHARS]
        return text

    # The whole message ------------------------------------------------------

    def cap_parts(self, data: bytes) -> bytes:
        for count, line in enumerate(_DELIMITER_LINE.finditer(data), start=1):
            if count > _MAX_DELIMITER_LINES:
                self.note(_TOO_MANY_PARTS)
                self.cut = True
                return data[: line.start()]
        return data

    def read(self, data: bytes) -> Message:
        msg = BytesParser(policy=_POLICY).parsebytes(self.cap_parts(data))
        if not {k.lower() for k in msg} & _EMAIL_HEADERS:
            raise InputError(
                f"{self.source}: does not look like an e-mail (no From, To, Subject or "
                "Date header); save the message from your mail program as .eml"
            )
        from_name, from_address = self.sender(msg)
        meta_reply_to = self.addresses(msg, "Reply-To")
        return_path = self.raw_header(msg, "Return-Path") or ""
        angle = _angle_mailbox(return_path)
        self.walk(msg)
        text = self.body()
        if self.cut:  # the cut, not the sender, left the last boundary open
            self.defects.discard(_CLOSE_MISSING)
        if self.defects:
            self.note(
                "the e-mail is malformed (" + "; ".join(sorted(self.defects)) + "); "
                "lurewatch read what it could"
            )
        return Message(
            kind="email",
            text=text,
            subject=self.text_header(msg, "Subject"),
            sender=from_name or None,
            sent_at=self.date(msg),
            attachments=tuple(a.filename for a in self.attachments if a.filename),
            email=EmailMeta(
                from_name=from_name,
                from_address=from_address,
                reply_to=meta_reply_to,
                return_path=angle[1] if angle else _clean(return_path.strip(" <>")),
                to=self.addresses(msg, "To"),
                message_id=self.text_header(msg, "Message-ID"),
                attachments=tuple(self.attachments),
            ),
        )


def parse_eml(data: bytes, source: str) -> tuple[Message, tuple[str, ...]]:
    """The e-mail in ``data`` (named ``source`` in errors) and notes on what was skipped.

    Raises :class:`InputError` for anything that is not a readable e-mail.
    """
    if not data.strip():
        raise InputError(f"{source}: nothing to check (the file is empty)")
    if data.startswith(OLE_MAGIC):
        raise InputError(
            f"{source}: this is an Outlook .msg file, not .eml; save the e-mail as .eml "
            "(or save its text and use --message)"
        )
    reader = _Reader(source)
    try:
        message = reader.read(data)
    except InputError:
        raise
    except RecursionError:
        raise InputError(f"{source}: the e-mail is nested too deeply to read") from None
    except MemoryError:
        raise InputError(f"{source}: the e-mail is too large to read") from None
    except Exception as exc:
        # The parser raises an open set of types on crafted input; a person
        # gets one line, never a traceback. Known cases are handled above.
        raise InputError(
            f"{source}: cannot read this e-mail ({type(exc).__name__}); "
            "save it again from your mail program as .eml"
        ) from None
    return message, tuple(reader.notes)
