"""The e-mail envelope detector. People, firms and addresses are invented here."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from email.message import EmailMessage

import pytest

from lurewatch.detectors.email_headers import (
    ADDRESS_IN_NAME,
    ENCRYPTED,
    MACROS,
    ORG_FROM_FREE_MAIL,
    REPLY_TO_ELSEWHERE,
    RUNS_CODE,
    EmailHeadersDetector,
    is_free_mail,
    organisation_domain,
)
from lurewatch.detectors.registry import DETECTORS, build_detectors
from lurewatch.ingest.eml import parse_eml
from lurewatch.model import Approach, Attachment, EmailMeta, Evidence, Finding, Message
from lurewatch.service import Checker
from lurewatch.settings import Settings

TODAY = dt.date(2026, 11, 29)
IDENTITY_TAGS = ("attack.t1656", "attack.t1566")
FILE_TAGS = ("attack.t1566.001", "attack.t1204.002")


def docm() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()


def eml(
    from_: str,
    *,
    reply_to: str | None = None,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    m = EmailMessage()
    m["From"] = from_
    if reply_to is not None:
        m["Reply-To"] = reply_to
    m["To"] = "r.patel@parliament.example"
    m["Subject"] = "A consultancy role"
    m.set_content("Dear Dr Patel, please find the role attached.\n")
    for name, data in attachments:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(m)


def detect_eml(data: bytes) -> list[Finding]:
    message, _ = parse_eml(data, "test.eml")
    return EmailHeadersDetector().detect(Approach(messages=(message,)), TODAY)


def envelope(**fields: object) -> Approach:
    meta = EmailMeta(**fields)  # type: ignore[arg-type]
    return Approach(messages=(Message(text="", kind="email", email=meta),))


def detect(**fields: object) -> list[Finding]:
    return EmailHeadersDetector().detect(envelope(**fields), TODAY)


def ids(findings: list[Finding]) -> list[str]:
    return [f.id for f in findings]


def ev(field: str, text: str, start: int = 0, item: int = 0) -> Evidence:
    return Evidence(field=field, text=text, start=start, end=start + len(text), item=item)


def test_fake_recruiter() -> None:
    sender = "northbridge.talent@gmail.com"
    findings = detect_eml(
        eml(
            f'"Talent Acquisition | Northbridge Partners" <{sender}>',
            reply_to="amy.chen@nb-careers.example",
            attachments=(("Job_Description.docm", docm()),),
        )
    )
    assert findings == [
        Finding(
            id="email-reply-to-elsewhere",
            title="Replies would go to a different address from the one the e-mail came from",
            category="reply_diversion",
            weight=REPLY_TO_ELSEWHERE,
            evidence=(
                ev("email.from", sender),
                ev("email.reply_to", "amy.chen@nb-careers.example"),
            ),
            tags=("attack.t1566",),
            detector="email-headers",
        ),
        Finding(
            id="email-organisation-from-free-mail",
            title="Writes for an organisation from a free web-mail address",
            category="sender_identity",
            weight=ORG_FROM_FREE_MAIL,
            evidence=(ev("email.from_name", "Talent Acquisition"), ev("email.from", sender)),
            tags=IDENTITY_TAGS,
            detector="email-headers",
        ),
        Finding(
            id="email-attachment-macros",
            title="An attached Office document contains macros",
            category="malicious_file",
            weight=MACROS,
            evidence=(ev("email.attachments", "Job_Description.docm"),),
            tags=FILE_TAGS,
            detector="email-headers",
        ),
    ]


def test_legitimate_recruiter_from_the_firms_own_domain() -> None:
    pdf = b"%PDF-1.7\n1 0 obj <</Type /Catalog>>\n%%EOF\n"
    assert (
        detect_eml(
            eml(
                '"Hannah Berg | Talent Acquisition, Northbridge Partners Ltd" '
                "<hannah.berg@northbridge-partners.example>",
                reply_to="careers@jobs.northbridge-partners.example",
                attachments=(("Role_profile.pdf", pdf), ("Role_profile.docx", b"PK\x05\x06")),
            )
        )
        == []
    )


def test_address_in_the_display_name() -> None:
    findings = detect_eml(eml('"hr@northbridge-partners.example" <nb.jobs.2026@gmail.com>'))
    assert findings == [
        Finding(
            id="email-address-in-name",
            title="The sender's name shows a different address from the one the e-mail came from",
            category="sender_identity",
            weight=ADDRESS_IN_NAME,
            evidence=(
                ev("email.from_name", "hr@northbridge-partners.example"),
                ev("email.from", "nb.jobs.2026@gmail.com"),
            ),
            tags=IDENTITY_TAGS,
            detector="email-headers",
        )
    ]


def test_own_address_in_the_display_name_is_fine() -> None:
    assert (
        detect(from_name="a.berg@northbridge.example", from_address="A.Berg@northbridge.example")
        == []
    )


@pytest.mark.parametrize(
    ("sender", "reply_to", "diverted"),
    [
        ("a@northbridge.example", "a@northbridge.example", False),
        ("a@mail.northbridge.co.uk", "jobs@northbridge.co.uk", False),
        ("a@northbridge.example", "b@recruiting-platform.example", True),
        ("a@northbridge.co.uk", "a@other.co.uk", True),
        ("nb.talent@gmail.com", "NB.Talent@gmail.com", False),
        ("nb.talent@gmail.com", "amy.88@gmail.com", True),  # another person on web-mail
        ("nb.talent@gmail.com", "nb.talent@outlook.com", True),
        ("", "b@other.example", False),  # nothing to compare with
    ],
)
def test_reply_to(sender: str, reply_to: str, diverted: bool) -> None:
    findings = detect(from_address=sender, reply_to=(reply_to,))
    assert ids(findings) == (["email-reply-to-elsewhere"] if diverted else [])


@pytest.mark.parametrize(
    ("name", "claims"),
    [
        ("Talent Acquisition | Northbridge", True),
        ("Northbridge HR", True),
        ("RiseHR Team", True),
        ("H.R. Department", True),
        ("Recruitment", True),
        ("BR-YR Executive Search", True),
        ("Northbridge Consulting Ltd", True),
        ("Bright Path Partners", True),
        ("Sino-Europe Group", True),
        ("Amy Chen", False),
        ("Hr. Jonas Bahr", False),  # German "Herr"; a surname that ends in "hr"
        ("SHAHRUKH BAHR", False),
        ("", False),
    ],
)
def test_organisation_claim_from_free_mail(name: str, claims: bool) -> None:
    findings = detect(from_name=name, from_address="someone.2026@gmail.com")
    assert ids(findings) == (["email-organisation-from-free-mail"] if claims else [])
    # The same claim from an organisation's own domain is what real firms do.
    assert detect(from_name=name, from_address="someone@northbridge.example") == []


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True), ("outlook.com", True), ("hotmail.co.uk", True),
        ("yahoo.com.hk", True), ("qq.com", True), ("163.com", True), ("126.com", True),
        ("protonmail.com", True), ("gmx.de", True), ("aol.com", True), ("icloud.com", True),
        ("yandex.ru", True), ("mail.com", True),
        ("northbridge.example", False), ("outlook.northbridge.example", False),
        ("mail.parliament.example", False), ("live.northbridge.com", False),
    ],
)  # fmt: skip
def test_is_free_mail(domain: str, free: bool) -> None:
    assert is_free_mail(domain) is free


def test_organisation_domain() -> None:
    assert organisation_domain("mail.northbridge.co.uk") == "northbridge.co.uk"
    assert organisation_domain("jobs.northbridge.example") == "northbridge.example"
    assert organisation_domain("example") == "example"


@pytest.mark.parametrize(
    ("attachment", "expected"),
    [
        (Attachment(filename="CV.pdf.exe"), ["email-attachment-runs-code"]),
        (Attachment(filename="Job description.LNK"), ["email-attachment-runs-code"]),
        (Attachment(filename="setup.exe. "), ["email-attachment-runs-code"]),
        (Attachment(filename="role.iso"), ["email-attachment-runs-code"]),
        (Attachment(filename="CV_\u202efdp.exe"), ["email-attachment-runs-code"]),
        (Attachment(filename="CV_\u202efdp.js"), ["email-attachment-runs-code"]),
        (
            Attachment(filename="brief.pdf", content_type="application/x-msdownload"),
            ["email-attachment-runs-code"],
        ),
        (Attachment(filename="Salary.xlsm", has_macros=True), ["email-attachment-macros"]),
        (Attachment(filename="brief.zip", encrypted=True), ["email-attachment-encrypted"]),
        (
            Attachment(filename="brief.docm", has_macros=True, encrypted=True),
            ["email-attachment-macros", "email-attachment-encrypted"],
        ),
        (Attachment(filename="CV.pdf", has_macros=None, encrypted=False), []),
        (Attachment(filename="Role.docx", has_macros=False, encrypted=False), []),
        (Attachment(filename="exe notes.txt"), []),
        (Attachment(filename=""), []),
    ],
)
def test_attachments(attachment: Attachment, expected: list[str]) -> None:
    assert ids(detect(attachments=(attachment,))) == expected


def test_attachment_findings_weights_and_unnamed_files() -> None:
    findings = detect(
        attachments=(
            Attachment(filename="", content_type="application/x-msdownload"),
            Attachment(filename="brief.zip", encrypted=True),
        )
    )
    assert [(f.id, f.weight, f.category, f.evidence) for f in findings] == [
        (
            "email-attachment-runs-code",
            RUNS_CODE,
            "malicious_file",
            (ev("email.attachments", "(a application/x-msdownload with no name)"),),
        ),
        (
            "email-attachment-encrypted",
            ENCRYPTED,
            "malicious_file",
            (ev("email.attachments", "brief.zip"),),
        ),
    ]


def test_messages_without_an_envelope_are_skipped() -> None:
    approach = Approach(messages=(Message(text="Paid reports, reply to amy@gmail.com"),))
    assert EmailHeadersDetector().detect(approach, TODAY) == []


def test_evidence_from_several_e_mails_is_merged_into_one_finding() -> None:
    meta = EmailMeta(from_address="nb.talent@gmail.com", reply_to=("amy@nb.example",))
    approach = Approach(
        messages=(
            Message(text="", kind="email", email=meta),
            Message(text="no envelope"),
            Message(text="", kind="email", email=meta),
        )
    )
    (finding,) = EmailHeadersDetector().detect(approach, TODAY)
    assert [(e.field, e.item) for e in finding.evidence] == [
        ("email.from", 0),
        ("email.reply_to", 0),
        ("email.from", 2),
        ("email.reply_to", 2),
    ]


def test_is_registered() -> None:
    assert EmailHeadersDetector in DETECTORS
    assert any(isinstance(d, EmailHeadersDetector) for d in build_detectors([]))


# Fairness: a person's name is never a signal. The same envelopes signed with
# names of different origins, in Latin and native scripts, give identical findings.
NAMES = [
    "Li Wei", "Zhang Xiuying", "李伟", "陈静",
    "John Smith", "Emily Clarke",
    "Mohammed Al-Rashid", "Fatima Haddad", "محمد الرشيد",
    "Priya Sharma", "Arjun Reddy", "प्रिया शर्मा",
]  # fmt: skip
ENVELOPES = [
    # (display name template, address, reply-to)
    ("{name}", "nb.talent.2026@gmail.com", None),
    ("{name}", "nb.talent.2026@163.com", "amy.chen@nb-careers.example"),
    ("{name} | Talent Acquisition, Northbridge Partners", "nb.talent.2026@qq.com", None),
    ("{name} (hr@northbridge-partners.example)", "nb.talent.2026@outlook.com", None),
    ("{name}", "a.person@northbridge-partners.example", None),
    ("{name}, Northbridge Partners Ltd", "a.person@northbridge-partners.example", None),
]


def _signature(findings: list[Finding]) -> list[tuple[object, ...]]:
    # Offsets move with the length of the name; everything else must not.
    return [
        (f.id, f.title, f.category, f.weight, f.tags, [(e.field, e.text) for e in f.evidence
         if e.field != "email.from_name"] + [e.text for e in f.evidence if e.field == "email.from_name"])
        for f in findings
    ]  # fmt: skip


@pytest.mark.parametrize(("template", "address", "reply_to"), ENVELOPES)
def test_names_of_any_origin_give_identical_findings(
    template: str, address: str, reply_to: str | None
) -> None:
    signatures = set()
    for name in NAMES:
        data = eml(f"{template.format(name=name)} <{address}>", reply_to=reply_to)
        signatures.add(repr(_signature(detect_eml(data))))
    assert len(signatures) == 1, signatures


def test_names_of_any_origin_give_identical_ratings() -> None:
    checker = Checker.from_settings(Settings())
    for template, address, reply_to in ENVELOPES:
        ratings = set()
        for name in NAMES:
            message, _ = parse_eml(
                eml(f"{template.format(name=name)} <{address}>", reply_to=reply_to), "t.eml"
            )
            result = checker.check(Approach(messages=(message,)), TODAY)
            ratings.add((result.level, result.score, tuple(sorted(f.id for f in result.findings))))
        assert len(ratings) == 1, (template, ratings)
