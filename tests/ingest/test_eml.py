"""Reading .eml files. Every e-mail here is synthetic: people, firms and addresses
are invented for these tests (``.example`` domains; web-mail addresses that name
no one)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import random
import zipfile
from email.message import EmailMessage

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lurewatch.ingest.eml import MAX_NESTED_MESSAGES, MAX_PARTS, parse_eml
from lurewatch.ingest.errors import InputError
from lurewatch.model import Attachment, EmailMeta, Message

BODY = (
    "Dear Dr Patel,\n"
    "An important client of ours pays USD 1,500 for short insight reports.\n"
    "The role is described in the attached document.\n"
)


def docm() -> bytes:
    """A tiny macro-enabled Word file: just the parts whose names matter."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()


def fake_recruiter(html: str | None = None) -> EmailMessage:
    m = EmailMessage()
    m["From"] = '"Talent Acquisition | Northbridge Partners" <northbridge.talent@gmail.com>'
    m["Reply-To"] = "amy.chen@nb-careers.example"
    m["To"] = "r.patel@parliament.example"
    m["Subject"] = "Consultancy role"
    m["Date"] = "Mon, 23 Nov 2026 09:15:00 +0000"
    m["Message-ID"] = "<nb-4821@mail.example>"
    m["Return-Path"] = "<bounce-4821@nb-mailer.example>"
    m.set_content(BODY)
    if html is not None:
        m.add_alternative(html, subtype="html")
    m.add_attachment(
        docm(),
        maintype="application",
        subtype="vnd.ms-word.document.macroEnabled.12",
        filename="Job_Description.docm",
    )
    return m


def test_fake_recruiter_is_read_whole() -> None:
    message, notes = parse_eml(bytes(fake_recruiter()), "approach.eml")
    assert notes == ()
    assert message == Message(
        kind="email",
        text=BODY.rstrip("\n"),
        subject="Consultancy role",
        sender="Talent Acquisition | Northbridge Partners",
        sent_at=dt.datetime(2026, 11, 23, 9, 15, tzinfo=dt.UTC),
        attachments=("Job_Description.docm",),
        email=EmailMeta(
            from_name="Talent Acquisition | Northbridge Partners",
            from_address="northbridge.talent@gmail.com",
            reply_to=("amy.chen@nb-careers.example",),
            return_path="bounce-4821@nb-mailer.example",
            to=("r.patel@parliament.example",),
            message_id="<nb-4821@mail.example>",
            attachments=(
                Attachment(
                    filename="Job_Description.docm",
                    content_type="application/vnd.ms-word.document.macroenabled.12",
                    size=len(docm()),
                    has_macros=True,
                    encrypted=False,
                ),
            ),
        ),
    )


def test_plain_text_is_preferred_to_html() -> None:
    m = EmailMessage()
    m["From"] = "hannah.berg@northbridge-partners.example"
    m.set_content("The plain version.\n")
    m.add_alternative("<p>The <b>HTML</b> version.</p>", subtype="html")
    message, _ = parse_eml(bytes(m), "a.eml")
    assert message.text == "The plain version."


def test_html_only_body_loses_scripts_styles_and_tags() -> None:
    m = EmailMessage()
    m["From"] = "hannah.berg@northbridge-partners.example"
    m["Subject"] = "Hello"
    m.set_content(
        "<html><head><title>Page title</title><style>p { color: red }</style>"
        "<script>document.write('stolen cookie')</script></head><body>"
        "<p>Dear Dr Patel, fees &amp; expenses are <b>paid</b>.</p>"
        "<script type='text/javascript'>fetch('https://tracker.example/')</script>"
        "<!-- a hidden comment --><div>Reply&nbsp;soon</div></body></html>",
        subtype="html",
    )
    message, notes = parse_eml(bytes(m), "a.eml")
    assert message.text == "Dear Dr Patel, fees & expenses are paid.\n\nReply soon"
    for hidden in ("stolen cookie", "tracker", "Page title", "color", "hidden comment"):
        assert hidden not in message.text
    assert notes == ()


def test_unterminated_markup_does_not_hide_the_rest() -> None:
    m = EmailMessage()
    m["From"] = "a@northbridge-partners.example"
    m.set_content("<head><p>Paid reports, 3 < 4 <3 <a href='x'>link", subtype="html")
    message, _ = parse_eml(bytes(m), "a.eml")
    assert message.text == "Paid reports, 3 < 4 <3 link"


def test_rfc2047_encoded_words_are_decoded() -> None:
    subject = base64.b64encode("Rôle de conseil – 顾问职位".encode()).decode()
    raw = (
        "From: =?utf-8?q?Talent_Acquisition_=C3=A0_Northbridge?= <nb.talent@gmail.com>\r\n"
        f"Subject: =?UTF-8?B?{subject}?=\r\n"
        "Content-Type: multipart/mixed; boundary=XX\r\n"
        "\r\n--XX\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
        "--XX\r\nContent-Type: application/octet-stream\r\n"
        'Content-Disposition: attachment; filename="=?utf-8?b?5bel5L2c6K+05piOLnBkZg==?="\r\n'
        "\r\nAAAA\r\n--XX--\r\n"
    ).encode()
    message, notes = parse_eml(raw, "a.eml")
    assert message.subject == "Rôle de conseil – 顾问职位"
    assert message.email is not None
    assert message.email.from_name == "Talent Acquisition à Northbridge"
    assert message.attachments == ("工作说明.pdf",)
    assert notes == ()


def test_raw_8bit_headers_are_read_as_utf8_and_stay_encodable() -> None:
    raw = "From: 李伟 <li.wei@northbridge-partners.example>\r\nSubject: Grüße\r\n\r\nHi".encode()
    message, _ = parse_eml(raw + b"\xff\xfe", "a.eml")
    assert (message.sender, message.subject) == ("李伟", "Grüße")
    msgspec.json.encode(message)  # no lone surrogates anywhere


def test_address_outside_the_angle_brackets_is_not_taken_as_the_sender() -> None:
    raw = b"From: hr@northbridge-partners.example <nb.recruiting.team@gmail.com>\r\n\r\nHi"
    message, notes = parse_eml(raw, "a.eml")
    assert message.email is not None
    assert (message.email.from_name, message.email.from_address) == (
        "hr@northbridge-partners.example",
        "nb.recruiting.team@gmail.com",
    )
    assert notes == ("the From header is malformed; the address in <…> was read as the sender",)


def test_missing_closing_boundary() -> None:
    raw = (
        b"From: a@northbridge-partners.example\r\nSubject: s\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nFirst part\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nSecond part, never closed\r\n"
    )
    message, notes = parse_eml(raw, "a.eml")
    assert message.text == "First part\n\nSecond part, never closed"
    assert notes == (
        "the e-mail is malformed (a closing MIME boundary is missing); "
        "lurewatch read what it could",
    )


def test_multipart_without_boundary_is_read_as_text() -> None:
    raw = (
        b"From: a@northbridge-partners.example\r\nContent-Type: multipart/mixed\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nPaid reports\r\n--XX--\r\n"
    )
    message, notes = parse_eml(raw, "a.eml")
    assert "Paid reports" in message.text
    assert len(notes) == 1 and notes[0].startswith("the e-mail is malformed (")


def test_invalid_base64_and_unknown_charset() -> None:
    raw = (
        b"From: a@northbridge-partners.example\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nCaf\xc3\xa9 talk\r\n"
        b"--XX\r\nContent-Type: application/pdf; name=brief.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n%%%not base64 at all!\r\n--XX--\r\n"
    )
    message, notes = parse_eml(raw, "a.eml")
    assert message.text == "Café talk"
    assert message.attachments == ("brief.pdf",)
    assert notes == (
        "unknown character set 'x-unknown'; that text was read as UTF-8",
        "the e-mail is malformed (some base64 data is invalid); lurewatch read what it could",
    )


def test_thousands_of_parts_are_capped_with_a_note() -> None:
    parts = b"".join(
        b"--XX\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(5_000)
    )
    raw = (
        b"From: a@northbridge-partners.example\r\nContent-Type: multipart/mixed; boundary=XX"
        b"\r\n\r\n" + parts + b"--XX--\r\n"
    )
    message, notes = parse_eml(raw, "many.eml")
    assert notes == (
        f"the e-mail has more than {MAX_PARTS:,} MIME parts; only the first {MAX_PARTS:,} "
        "were read",
    )
    assert message.text.startswith("part 0\n\npart 1\n\n")
    assert message.text.count("part ") == MAX_PARTS - 1  # the container is part 1


def test_forwarded_messages_are_read_to_a_limit() -> None:
    inner = EmailMessage()
    inner["From"] = "deepest@northbridge-partners.example"
    inner.set_content("the deepest text")
    for level in range(MAX_NESTED_MESSAGES + 1):
        outer = EmailMessage()
        outer["From"] = f"level{level}@northbridge-partners.example"
        outer.add_attachment(inner)
        inner = outer
    message, notes = parse_eml(bytes(inner), "a.eml")
    assert "the deepest text" not in message.text
    assert f"e-mails forwarded more than {MAX_NESTED_MESSAGES} levels deep were not read" in notes


def test_forwarded_message_text_is_used_when_the_outer_has_none() -> None:
    inner = EmailMessage()
    inner["From"] = "inner@northbridge-partners.example"
    inner.set_content("Forwarded text")
    outer = EmailMessage()
    outer["From"] = "outer@northbridge-partners.example"
    outer.add_attachment(inner)
    message, _ = parse_eml(bytes(outer), "a.eml")
    assert message.text == "Forwarded text"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "empty.eml: nothing to check (the file is empty)"),
        (b" \r\n\t", "empty.eml: nothing to check (the file is empty)"),
        (
            b"Just some words, no headers at all.\n",
            "empty.eml: does not look like an e-mail (no From, To, Subject or Date header); "
            "save the message from your mail program as .eml",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
            "empty.eml: this is an Outlook .msg file, not .eml; save the e-mail as .eml "
            "(or save its text and use --message)",
        ),
    ],
)
def test_not_an_email(data: bytes, error: str) -> None:
    with pytest.raises(InputError) as info:
        parse_eml(data, "empty.eml")
    assert str(info.value) == error


def test_deep_nesting_is_an_input_error() -> None:
    raw = b"From: a@northbridge-partners.example\r\n"
    for i in range(3_000):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
    with pytest.raises(InputError) as info:
        parse_eml(raw + b"\r\nx\r\n", "deep.eml")
    assert str(info.value) == "deep.eml: the e-mail is nested too deeply to read"


def _random_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.mark.parametrize(
    "data",
    [
        _random_bytes(1, 4096),
        _random_bytes(2, 65536),
        b"From: " + b"(" * 6000 + b"\r\n\r\nbody",  # recursion in the header parser
        b"From: a@b.example\r\nTo: " + b"<" * 5000 + b"\r\n\r\nbody",
        b"From: a@b.example\r\nSubject: " + b"=?utf-8?b?" * 3000 + b"\r\n\r\nbody",
        b"From: a@b.example\r\nDate: Mon, 99 Zzz 99999 99:99:99 +9999\r\n\r\nbody",
        b"From: a@b.example\r\nContent-Type: text/plain; charset=zlib_codec\r\n\r\nbody",
        b"From: a@b.example\r\nContent-Type: text/plain; charset*=''%ff%fe\r\n\r\nbody",
        b"From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\n" * 50,
        b'From: a@b.example\r\nContent-Type: multipart/alternative; boundary=""\r\n\r\n--\r\n',
        b"From: a@b.example\r\nContent-Type: text/html\r\n\r\n" + b"<a" * 100_000,
    ],
)
def test_hostile_input_gives_a_message_or_an_input_error(data: bytes) -> None:
    _message_or_input_error(data)


def _message_or_input_error(data: bytes) -> None:
    try:
        result = parse_eml(data, "hostile.eml")
    except InputError as exc:
        text = str(exc)
        assert text.startswith("hostile.eml: ") and "\n" not in text
        return
    message, notes = result
    assert isinstance(message, Message) and message.kind == "email"
    assert all(isinstance(n, str) and "\n" not in n for n in notes)
    msgspec.json.encode(message)  # valid Unicode throughout


SEED = bytes(fake_recruiter("<p>Dear <b>Dr</b> Patel &amp; co</p><script>x()</script>"))
_TOKENS = [
    b"\r\n", b"\r\n\r\n", b"--", b"<", b">", b'"', b"=?utf-8?b?", b"?=", b"(", b"\\", b"@",
    b";", b":", b"\x00", b"\xff", b"boundary=", b"charset=x-unknown", b"base64", b"=",
    b"Content-Type: message/rfc822\r\n", b"Content-Type: multipart/mixed; boundary=",
]  # fmt: skip
_EDIT = st.tuples(
    st.integers(0, len(SEED)),
    st.sampled_from(["delete", "insert", "token", "copy"]),
    st.binary(min_size=1, max_size=16),
    st.sampled_from(_TOKENS),
    st.integers(0, len(SEED)),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_EDIT, min_size=1, max_size=12))
def test_mutated_emails_give_a_message_or_an_input_error(
    edits: list[tuple[int, str, bytes, bytes, int]],
) -> None:
    data = bytearray(SEED)
    for pos, op, blob, token, other in edits:
        pos %= len(data) + 1
        if op == "delete":
            del data[pos : pos + len(blob)]
        elif op == "insert":
            data[pos:pos] = blob
        elif op == "token":
            data[pos:pos] = token
        else:
            data[pos:pos] = data[other % (len(data) + 1) :][:200]
    _message_or_input_error(bytes(data))


def test_an_html_part_that_says_more_than_the_plain_text_is_read_too() -> None:
    m = EmailMessage()
    m["From"] = "hannah.berg@northbridge-partners.example"
    m["Subject"] = "Quarterly newsletter"
    m.set_content("Our quarterly newsletter is attached.\n")
    m.add_alternative(
        "<p>Our quarterly newsletter is attached.</p><p>An important client pays well for short "
        "insight reports; please continue on WeChat.</p>",
        subtype="html",
    )
    message, notes = parse_eml(bytes(m), "a.eml")
    assert "continue on WeChat" in message.text
    assert "the HTML version says more than the plain text; both were checked" in notes
