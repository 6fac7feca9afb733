"""Synthetic LinkedIn exports written by us, in the layouts real exports use."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from lurewatch.scan import Scanner
from lurewatch.service import Checker
from lurewatch.settings import Settings

TODAY = dt.date(2026, 11, 29)

CONNECTIONS = """Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Avery,Lin,https://www.linkedin.com/in/avery-lin-br,,Bright Path Executive Search,CEO,02 Sep 2026
Tom,Hughes,https://www.linkedin.com/in/tom-hughes-7,,House of Commons Library,Researcher,15 Mar 2019
"""

MESSAGES_HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT\n"
)
OWNER_URL = "https://www.linkedin.com/in/sam-carter-1"
AVERY = "https://www.linkedin.com/in/avery-lin-br"
TOM = "https://www.linkedin.com/in/tom-hughes-7"


def msg(conv: str, sender: str, url: str, to: str, to_url: str, date: str, content: str,
        attachments: str = "") -> str:  # fmt: skip
    content = content.replace('"', '""')
    return f'{conv},,{sender},{url},{to},"{to_url}",{date},,"{content}",INBOX,{attachments},false\n'


MESSAGES = MESSAGES_HEADER + "".join(
    [
        msg("c1", "Avery Lin", AVERY, "Sam Carter", OWNER_URL, "2026-09-03 09:12:00 UTC",
            "<p>Dear Sam,</p><p>I was impressed by your insightful work on the committee.</p>"),
        msg("c1", "Sam Carter", OWNER_URL, "Avery Lin", AVERY, "2026-09-03 10:00:00 UTC",
            "Thank you! Happy to hear more. I could also use WhatsApp.", "my_CV.pdf"),
        msg("c1", "Avery Lin", "https://uk.linkedin.com/in/Avery-Lin-BR/?trk=abc", "Sam Carter",
            OWNER_URL, "2026-09-10 09:12:00 UTC",
            "An important client pays USD 1,500 for a short report on the budget\ndiscussions."),
        msg("c1", "Avery Lin", AVERY, "Sam Carter", OWNER_URL, "2026-09-20 09:12:00 UTC",
            "It would be easier to continue on WeChat."),
        msg("c2", "Tom Hughes", TOM, "Sam Carter", OWNER_URL, "2026-09-05 11:00:00 UTC",
            "Are we still on for lunch on Friday?"),
        msg("c2", "Sam Carter", OWNER_URL, "Tom Hughes", TOM, "2026-09-05 11:30:00 UTC",
            "Yes, see you at 1."),
    ]
)  # fmt: skip

INVITATIONS = """From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl
Jordan Wei,Sam Carter,"9/1/26, 10:00 AM","Hello, we pay in cash for short reports. Add me on WhatsApp +852 5555 0101.",INCOMING,https://www.linkedin.com/in/jordan-wei-x,https://www.linkedin.com/in/sam-carter-1
Sam Carter,Priya Nair,"9/2/26, 3:15 PM",,OUTGOING,https://www.linkedin.com/in/sam-carter-1,https://www.linkedin.com/in/priya-nair
Casey Moss,Sam Carter,"10/12/26, 8:05 PM",,INCOMING,https://www.linkedin.com/in/casey-moss,https://www.linkedin.com/in/sam-carter-1
"""

PROFILE = "First Name,Last Name,Maiden Name,Address,Birth Date,Headline\nSam,Carter,,,,Researcher\n"

STANDARD = {
    "Connections.csv": CONNECTIONS,
    "messages.csv": MESSAGES,
    "Invitations.csv": INVITATIONS,
    "Profile.csv": PROFILE,
}

Files = dict[str, str | bytes]


def _bytes(v: str | bytes) -> bytes:
    return v if isinstance(v, bytes) else v.encode("utf-8")


def write_folder(root: Path, files: Files) -> Path:
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(_bytes(content))
    return root


def write_zip(path: Path, files: Files, prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(prefix + name, _bytes(content))
    return path


@pytest.fixture
def scanner() -> Scanner:
    return Scanner(Checker.from_settings(Settings(contact="Security Office")), TODAY)


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[..., Path]:
    def make(files: Files = STANDARD, prefix: str = "", name: str = "export.zip") -> Path:
        return write_zip(tmp_path / name, files, prefix)

    return make
