"""Types of the campaign-linking step: what goes in, what comes out, and why.

An :class:`ApproachRecord` is one approach to one member of staff, as the
security office knows it. :func:`lurewatch.campaigns.link` returns a
:class:`Linking`: campaigns (clusters of record ids), each with the
:class:`Link` list that justifies every union. Everything here is plain data:
no storage, no clock, no randomness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Why two records were linked, strongest first: when several reasons would join the
# same two clusters, the spanning link records the first of them.
REASONS = (
    "profile-url",  # the same canonical profile address
    "persona",  # the same name and agreeing organisation
    "handle",  # the same off-platform handle (WeChat, Telegram, ...)
    "phone",
    "email",
    "photo",  # perceptual hashes of the photo a few bits apart
    "template",  # near-duplicate message text
    "domain",  # the same non-free-mail domain
    "organisation",  # the same uncommon (front) organisation
    "analyst",  # merged by hand
)


@dataclass(frozen=True, slots=True)
class ApproachRecord:
    """One approach: who was approached, when, by whom and with what.

    ``target`` is an opaque key for the member of staff (never shown here).
    ``text`` is the message; a caller who must not share the text can pass
    ``signature`` instead: the MinHash values of its shingles, from
    :func:`lurewatch.campaigns.templates.signature_of` with the same
    :class:`~lurewatch.campaigns.linking.LinkParams`. ``photo_hash`` is a 64-bit
    perceptual hash (an int or 16 hex digits). Identifiers given here are used
    together with those found in the text.
    """

    id: str
    target: str
    when: dt.date | dt.datetime
    name: str = ""
    company: str = ""
    profile_url: str = ""
    text: str = ""
    signature: tuple[int, ...] | None = None
    photo_hash: int | str | None = None
    handles: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Link:
    """Records ``a`` and ``b`` belong together because of ``reason``; ``detail`` says what agreed.

    ``detail`` quotes values the adversary wrote: escape it before display.
    """

    a: str
    b: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Campaign:
    """Records linked together, with a spanning set of links (one fewer than members)."""

    id: str
    members: tuple[str, ...]
    links: tuple[Link, ...]
    name: str = ""

    @property
    def reasons(self) -> dict[str, int]:
        """How many spanning links each reason contributed."""
        out: dict[str, int] = {}
        for link in self.links:
            out[link.reason] = out.get(link.reason, 0) + 1
        return out


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A value too common to link on (an employer, a domain, a boilerplate text or photo).

    ``records`` and ``personas`` are how many records and distinct personas
    carried it; ``personas`` is 0 where the rule counts records or texts instead.
    """

    kind: str
    value: str
    records: int
    personas: int


@dataclass(frozen=True, slots=True)
class Linking:
    """The result of linking: campaigns (two or more records), largest first."""

    campaigns: tuple[Campaign, ...]
    suppressed: tuple[Suppressed, ...] = ()
    _by_member: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _by_id: dict[str, Campaign] = field(default_factory=dict, compare=False, repr=False)

    def campaign_of(self, record_id: str) -> Campaign | None:
        cid = self.by_member().get(record_id)
        return self.get(cid) if cid is not None else None

    def get(self, campaign_id: str) -> Campaign | None:
        if not self._by_id and self.campaigns:
            self._by_id.update((c.id, c) for c in self.campaigns)
        return self._by_id.get(campaign_id)

    def by_member(self) -> dict[str, str]:
        """Record id -> campaign id (built once, on first use)."""
        if not self._by_member and self.campaigns:
            for c in self.campaigns:
                for m in c.members:
                    self._by_member[m] = c.id
        return self._by_member
