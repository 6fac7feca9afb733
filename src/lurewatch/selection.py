"""Choosing what leaves the staff member's machine: only the contacts they name.

A local scan rates everyone who wrote; a report carries only the people the
member of staff selects, by name or profile address, or everyone rated at
least a level they choose, never the whole export.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from lurewatch.identity import canon_profile_url, norm_name
from lurewatch.model import Level
from lurewatch.scan import ScanContact
from lurewatch.store.records import SubmittedContact


class SelectionError(ValueError):
    """The selection names no one, or someone ambiguously. One line saying what to do."""


def _looks_like_url(selector: str) -> bool:
    return "/" in selector or selector.casefold().startswith(("http:", "https:", "www."))


def _matches(contacts: Sequence[ScanContact], selector: str) -> list[int]:
    if _looks_like_url(selector):
        wanted = canon_profile_url(selector)
        return [
            i
            for i, c in enumerate(contacts)
            if wanted and c.profile_url and canon_profile_url(c.profile_url) == wanted
        ]
    name = norm_name(selector)
    return [i for i, c in enumerate(contacts) if name and norm_name(c.name) == name]


def select_contacts(
    contacts: Sequence[ScanContact],
    selectors: Sequence[str] = (),
    *,
    at_least: Level | None = None,
) -> list[ScanContact]:
    """The contacts named by ``selectors`` plus those rated ``at_least``, in scan order.

    A selector is a name (compared case-, accent- and punctuation-folded) or
    a profile address (compared in canonical form). One that matches no one,
    or a name shared by several people, raises :class:`SelectionError`.
    """
    chosen: set[int] = set()
    for selector in selectors:
        found = _matches(contacts, selector)
        if not found:
            raise SelectionError(
                f"--select {selector!r}: no one by that name or profile address wrote to you "
                "in this export (see 'lurewatch scan' for the names)"
            )
        if len(found) > 1:
            addresses = ", ".join(contacts[i].profile_url or "(no address)" for i in found)
            raise SelectionError(
                f"--select {selector!r}: {len(found)} people have that name; select by "
                f"profile address instead: {addresses}"
            )
        chosen.update(found)
    if at_least is not None:
        chosen.update(i for i, c in enumerate(contacts) if c.level.rank >= at_least.rank)
    if not chosen:
        raise SelectionError(
            "nothing selected: name the people to report with --select, or use --all-at-least"
            if at_least is None
            else f"no one in this export is rated {at_least.value} or higher: nothing to send"
        )
    return [contacts[i] for i in sorted(chosen)]


def report_body(contacts: Sequence[ScanContact], *, channel: str, is_exercise: bool) -> bytes:
    """The JSON of ``POST /api/reports`` for these contacts: their rating, findings, excerpts."""
    return msgspec.json.encode(
        {
            "contacts": [SubmittedContact.from_scan(c) for c in contacts],
            "channel": channel,
            "is_exercise": is_exercise,
        }
    )
