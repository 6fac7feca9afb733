"""Domain types shared by every part of lurewatch.

These are plain, frozen records. They import nothing from storage, the web app
or the command line, so every layer can depend on them.

A person's name and location are carried for display only: no detector or rule
may read them (see ``lurewatch.rules.fields``), because the language,
nationality or ethnicity of a name is never a signal.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct, field


class Level(enum.StrEnum):
    """The rating a person sees. A rating, never a verdict."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}

ShortText = Annotated[str, Meta(max_length=20_000)]
LongText = Annotated[str, Meta(max_length=200_000)]
Count = Annotated[int, Meta(ge=0, le=10**9)]


class Position(Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """One entry of the profile's Experience section."""

    title: Annotated[ShortText, Meta(description="Job title as shown.")] = ""
    company: Annotated[ShortText, Meta(description="Employer as shown.")] = ""
    start: Annotated[
        str | None, Meta(description="Start as shown, e.g. 'Mar 2021' or '2021-03'.")
    ] = None
    end: Annotated[str | None, Meta(description="End as shown; null or 'Present' if current.")] = (
        None
    )
    location: ShortText = ""
    description: LongText = ""


class Education(Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """One entry of the profile's Education section."""

    school: ShortText = ""
    degree: ShortText = ""
    start: str | None = None
    end: str | None = None


class Profile(Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """What a person sees on the profile of whoever approached them.

    Every field is optional: a partial profile is still rated, and a field
    left out means "not known", never "absent" (``experience: []`` says the
    profile shows no experience; leaving ``experience`` out says nothing).
    """

    name: Annotated[
        ShortText,
        Meta(description="Display name. Shown back to the user; never used as a signal."),
    ] = ""
    headline: Annotated[ShortText, Meta(description="The line under the name.")] = ""
    company: Annotated[ShortText, Meta(description="Current employer as shown.")] = ""
    company_has_page: Annotated[
        bool | None,
        Meta(
            description="Whether the employer links to a company page or website you "
            "could check (false when it is plain text with no logo or link)."
        ),
    ] = None
    location: Annotated[
        ShortText, Meta(description="Location as shown. Displayed only; never used as a signal.")
    ] = ""
    about: Annotated[LongText, Meta(description="The About / Summary section.")] = ""
    profile_url: Annotated[str | None, Meta(description="Profile address.")] = None
    joined: Annotated[
        dt.date | None, Meta(description="When the account was created, YYYY-MM-DD.")
    ] = None
    connections: Annotated[
        Count | None,
        Meta(description="Number of connections; LinkedIn's '500+' is entered as 500."),
    ] = None
    followers: Count | None = None
    posts: Annotated[Count | None, Meta(description="Posts or activity items visible.")] = None
    verified: Annotated[
        bool | None, Meta(description="Whether the profile shows a verification badge.")
    ] = None
    experience: Annotated[
        list[Position] | None, Meta(description="Experience entries, newest first.")
    ] = None
    education: list[Education] | None = None
    websites: list[str] | None = None
    photo: Annotated[str | None, Meta(description="Path to a saved copy of the profile photo.")] = (
        None
    )
    photo_phash: Annotated[
        str | None,
        Meta(
            description="Perceptual hash (pHash, 16 hex digits) of the photo; lurewatch fills "
            "it from 'photo' when it can read the file."
        ),
    ] = None


MessageKind = Literal["message", "invitation", "email"]


class Attachment(Struct, frozen=True, kw_only=True):
    """What is known about an attached file without opening it for the user."""

    filename: str
    content_type: str = ""
    size: int = 0
    has_macros: bool | None = None  # None: not checked or not an Office file
    encrypted: bool | None = None  # password-protected archive or document


class EmailMeta(Struct, frozen=True, kw_only=True):
    """The envelope of an e-mail approach, as far as its headers tell."""

    from_name: str = ""
    from_address: str = ""
    reply_to: tuple[str, ...] = ()
    return_path: str = ""
    to: tuple[str, ...] = ()
    message_id: str = ""
    attachments: tuple[Attachment, ...] = ()


class Message(Struct, frozen=True, kw_only=True):
    """One thing the counterparty wrote: a message, an invitation note, an e-mail."""

    text: str
    kind: MessageKind = "message"
    subject: str = ""
    sender: str | None = None
    sent_at: dt.datetime | None = None
    # Attachments as named by the sender (file names only; content is read elsewhere).
    attachments: tuple[str, ...] = ()
    email: EmailMeta | None = None


class Contact(Struct, frozen=True, kw_only=True):
    """A counterparty as the member of staff knows them (e.g. from Connections.csv)."""

    name: str
    profile_url: str | None = None
    company: str = ""
    position: str = ""
    connected_on: dt.date | None = None


class Approach(Struct, frozen=True, kw_only=True):
    """Everything lurewatch rates at once: one counterparty's messages and profile.

    ``stranger`` is true unless the member of staff says they know the sender;
    the core pattern of a recruitment approach needs a stranger.
    """

    messages: tuple[Message, ...] = ()
    profile: Profile | None = None
    stranger: bool = True


class Evidence(Struct, frozen=True, kw_only=True):
    """Where a finding came from: the exact words and their place."""

    field: str
    text: str
    start: int = 0
    end: int = 0
    item: int = 0  # index of the message within the approach


class Finding(Struct, frozen=True, kw_only=True):
    """One reason behind a rating."""

    id: str
    title: str
    category: str
    weight: float
    evidence: tuple[Evidence, ...] = ()
    tags: tuple[str, ...] = ()
    detector: str = "rules"
    rule_uuid: str | None = None


class Contribution(Struct, frozen=True, kw_only=True):
    """How one category of findings moved the score (log-odds units)."""

    category: str
    weight: float
    findings: tuple[str, ...]


class Assessment(Struct, frozen=True, kw_only=True):
    """A rating with its reasons and what to do next."""

    level: Level
    score: int
    logit: float
    findings: tuple[Finding, ...]
    contributions: tuple[Contribution, ...]
    advice: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def to_builtins(obj: object) -> object:
    """Plain JSON-ready data for any model object."""
    return msgspec.to_builtins(obj)


# -- alerts and indicators -----------------------------------------------------

TLP_LABELS = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")

IndicatorType = Literal[
    "persona-name",
    "organization",
    "profile-url",
    "email",
    "domain",
    "phone",
    "wechat",
    "whatsapp",
    "telegram",
    "signal",
    "handle",
    "website",
    "photo-phash",
    "message-template",
]
INDICATOR_TYPES: tuple[str, ...] = IndicatorType.__args__  # type: ignore[attr-defined]


class Indicator(Struct, frozen=True, kw_only=True):
    """One observable that identifies a persona or an operation.

    Values are data, never patterns: they are compared after normalisation,
    never compiled as regular expressions.
    """

    type: IndicatorType
    value: str
    persona: str | None = None  # id of the persona it belongs to, if any
    tlp: str = "TLP:AMBER"
    source: str = ""
    confidence: Annotated[int, Meta(ge=0, le=100)] = 50
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None
    comment: str = ""


class Persona(Struct, frozen=True, kw_only=True):
    """A fake identity named by an alert: who it claims to be."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    company: str = ""
    company_aliases: tuple[str, ...] = ()
    profile_url: str | None = None
    platform: str = "linkedin"
    title: str = ""


class Alert(Struct, frozen=True, kw_only=True):
    """An espionage alert or indicator feed: personas and indicators, TLP-marked."""

    id: str
    title: str
    tlp: str = "TLP:AMBER"
    source: str = ""
    issued: dt.date | None = None
    description: str = ""
    personas: tuple[Persona, ...] = ()
    indicators: tuple[Indicator, ...] = ()
