"""Signals in the envelope of an e-mail: who it claims to come from, where replies go,
and what is attached.

Only addresses, domains, organisation words and facts about files are compared.
A person's name is never a signal: the display name is read for two things
only, words that claim an organisation ("Talent Acquisition", "Ltd") and an
e-mail address written into it; nothing judges the language, script or origin
of a name, and ``tests/detectors/test_email_headers.py`` swaps names of
different origins to hold that.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lurewatch.detectors.base import Detector
from lurewatch.model import Approach, Attachment, EmailMeta, Evidence, Finding

# Free web-mail providers: anyone can open an address there in a minute.
FREE_MAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
     "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "icloud.com", "me.com", "mac.com",
     "protonmail.com", "protonmail.ch", "proton.me", "pm.me", "tutanota.com", "tutanota.de",
     "tuta.io", "gmx.com", "gmx.net", "gmx.de", "web.de", "mail.com", "email.com",
     "yandex.com", "yandex.ru", "ya.ru", "mail.ru", "inbox.ru", "bk.ru", "list.ru",
     "zoho.com", "zohomail.com", "fastmail.com", "hushmail.com", "mailfence.com",
     "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn",
     "sohu.com", "aliyun.com", "139.com", "naver.com", "daum.net", "hanmail.net",
     "rediffmail.com", "libero.it", "orange.fr", "laposte.net", "t-online.de"}
)  # fmt: skip
# Providers that use the same name under many country domains (hotmail.co.uk).
_FREE_MAIL_BRANDS = frozenset({"hotmail", "outlook", "live", "yahoo", "gmx", "yandex", "aol"})
# Second-level labels under a country code (example.co.uk): the organisation is one label up.
_SHARED_SECOND_LEVEL = frozenset({"co", "com", "ac", "gov", "org", "net", "edu", "ltd", "plc"})

# Words that claim an organisation. Matched as whole words; "HR" only in capitals,
# so that the German "Hr." (Mr) and names such as "Bahr" never match.
_ORG_WORDS = re.compile(
    r"\b(?:talent\s+acquisition|talent|recruit(?:ment|ing|ers?)|hiring|careers?|"
    r"human\s+resources|headhunt(?:ers?|ing)|executive\s+search|staffing|"
    r"consult(?:ing|ancy|ants?)|advisory|partners|associates|group|holdings|ltd|limited|"
    r"llc|llp|inc|plc|gmbh|corp|corporation|company|institute|foundation|think[\s-]tank|"
    r"agency|solutions|team|department|ministry|university|academy)\b\.?",
    re.IGNORECASE,
)
_HR = re.compile(r"(?:\b|(?<=[a-z]))H\.?R\b\.?")
_ADDRESS_IN_NAME = re.compile(r"[^\s<>()\[\]\"',;:@]+@[^\s<>()\[\]\"',;:@]+\.[A-Za-z]{2,}")

# Attachments that run code when opened, or disk images that carry such files
# past mail filters.
_RUNS_CODE = frozenset(
    {"exe", "scr", "com", "pif", "bat", "cmd", "msi", "msix", "msp", "appx", "appinstaller",
     "js", "jse", "vbs", "vbe", "wsf", "wsh", "hta", "ps1", "psm1", "jar", "lnk", "url",
     "cpl", "reg", "chm", "scf", "inf", "xll", "iso", "img", "vhd", "vhdx",
     "library-ms", "settingcontent-ms"}
)  # fmt: skip
_RUNS_CODE_TYPES = frozenset(
    {"application/x-msdownload", "application/x-dosexec", "application/x-ms-shortcut",
     "application/hta", "application/x-msi", "application/x-ms-installer",
     "application/javascript", "application/x-javascript", "text/javascript",
     "application/x-iso9660-image"}
)  # fmt: skip
# Direction overrides make "CV_fdp.exe" display as "CV_exe.pdf".
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f]")

REPLY_TO_ELSEWHERE = 1.0
ORG_FROM_FREE_MAIL = 1.2
ADDRESS_IN_NAME = 1.5
MACROS = 2.5
RUNS_CODE = 5.0
ENCRYPTED = 2.0


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".<>").lower()


def organisation_domain(domain: str) -> str:
    """The part of a domain an organisation registers: mail.example.co.uk -> example.co.uk."""
    labels = domain.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SHARED_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def is_free_mail(domain: str) -> bool:
    if domain in FREE_MAIL_DOMAINS:
        return True
    first, _, rest = domain.partition(".")
    suffix = rest.split(".")
    return first in _FREE_MAIL_BRANDS and 1 <= len(suffix) <= 2 and all(len(s) <= 3 for s in suffix)


def _runs_code(attachment: Attachment) -> bool:
    name = attachment.filename.lower().rstrip(" .")  # Windows drops trailing dots and spaces
    extension = name.rpartition(".")[2] if "." in name else ""
    return (
        extension in _RUNS_CODE
        or attachment.content_type.lower() in _RUNS_CODE_TYPES
        or bool(_BIDI.search(attachment.filename))
    )


def _attachment_text(attachment: Attachment) -> str:
    return attachment.filename or f"(a {attachment.content_type or 'file'} with no name)"


@dataclass
class _Collected:
    title: str
    category: str
    weight: float
    tags: tuple[str, ...]
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class _Findings:
    """Findings by id, each with the evidence of every message that showed it."""

    by_id: dict[str, _Collected] = field(default_factory=dict)

    def add(
        self,
        fid: str,
        title: str,
        category: str,
        weight: float,
        tags: tuple[str, ...],
        *evidence: Evidence,
    ) -> None:
        entry = self.by_id.setdefault(fid, _Collected(title, category, weight, tags))
        entry.evidence.extend(e for e in evidence if e not in entry.evidence)

    def findings(self, detector: str) -> list[Finding]:
        return [
            Finding(
                id=fid,
                title=c.title,
                category=c.category,
                weight=c.weight,
                evidence=tuple(c.evidence),
                tags=c.tags,
                detector=detector,
            )
            for fid, c in self.by_id.items()
        ]


class EmailHeadersDetector(Detector):
    id = "email-headers"
    description = (
        "E-mail envelope: replies diverted to another address, an organisation writing from "
        "free web-mail, an address disguised in the sender's name, and attachments with "
        "macros, encryption or code."
    )

    def detect(self, approach: Approach, today: dt.date) -> list[Finding]:
        found = _Findings()
        for item, message in enumerate(approach.messages):
            if message.email is not None:
                self._sender(message.email, item, found)
                self._attachments(message.email, item, found)
        return found.findings(self.id)

    @staticmethod
    def _sender(meta: EmailMeta, item: int, found: _Findings) -> None:
        sender = meta.from_address.strip()
        if not sender:
            return
        domain = domain_of(sender)
        free = is_free_mail(domain)
        from_ev = Evidence(field="email.from", text=sender, end=len(sender), item=item)
        identity_tags = ("attack.t1656", "attack.t1566")

        for reply in meta.reply_to:
            reply_domain = domain_of(reply)
            if not reply_domain:
                continue
            elsewhere = organisation_domain(reply_domain) != organisation_domain(domain)
            # On free web-mail a different address is a different person.
            other_person = free and reply.strip().lower() != sender.lower()
            if elsewhere or other_person:
                found.add(
                    "email-reply-to-elsewhere",
                    "Replies would go to a different address from the one the e-mail came from",
                    "reply_diversion",
                    REPLY_TO_ELSEWHERE,
                    ("attack.t1566",),
                    from_ev,
                    Evidence(field="email.reply_to", text=reply, end=len(reply), item=item),
                )

        name = meta.from_name
        # Words inside an address written into the name are the next check's business;
        # blanked (not removed) so that offsets still point into the name.
        words = _ADDRESS_IN_NAME.sub(lambda m: " " * len(m.group()), name)
        claim = _ORG_WORDS.search(words) or _HR.search(words)
        if free and claim:
            found.add(
                "email-organisation-from-free-mail",
                "Writes for an organisation from a free web-mail address",
                "sender_identity",
                ORG_FROM_FREE_MAIL,
                identity_tags,
                Evidence(
                    field="email.from_name",
                    text=name[claim.start() : claim.end()],
                    start=claim.start(),
                    end=claim.end(),
                    item=item,
                ),
                from_ev,
            )

        for shown in _ADDRESS_IN_NAME.finditer(name):
            if shown.group().lower() != sender.lower():
                found.add(
                    "email-address-in-name",
                    "The sender's name shows a different address from the one the e-mail came from",
                    "sender_identity",
                    ADDRESS_IN_NAME,
                    identity_tags,
                    Evidence(
                        field="email.from_name",
                        text=shown.group(),
                        start=shown.start(),
                        end=shown.end(),
                        item=item,
                    ),
                    from_ev,
                )
                break

    @staticmethod
    def _attachments(meta: EmailMeta, item: int, found: _Findings) -> None:
        tags = ("attack.t1566.001", "attack.t1204.002")
        for attachment in meta.attachments:
            text = _attachment_text(attachment)
            ev = Evidence(field="email.attachments", text=text, end=len(text), item=item)
            if _runs_code(attachment):
                found.add(
                    "email-attachment-runs-code",
                    "An attached program, script, shortcut or disk image, or a file name "
                    "that disguises one",
                    "malicious_file",
                    RUNS_CODE,
                    tags,
                    ev,
                )
            if attachment.has_macros:
                found.add(
                    "email-attachment-macros",
                    "An attached Office document contains macros",
                    "malicious_file",
                    MACROS,
                    tags,
                    ev,
                )
            if attachment.encrypted:
                found.add(
                    "email-attachment-encrypted",
                    "An encrypted archive or document that mail filters cannot look inside",
                    "malicious_file",
                    ENCRYPTED,
                    (*tags, "attack.t1027.013"),
                    ev,
                )
