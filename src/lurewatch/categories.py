"""The categories findings fall into, and how each bears on the rating.

Findings in one category saturate: the category adds the largest weight among
its findings, once (ten flattering words are one flattery finding). The
*pillar* groups categories for the core pattern that scoring looks for: a
stranger who offers money for information and wants access or a move
off-platform. See ``docs/scoring.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    title: str
    pillar: str
    advice: str = ""


_ALL = (
    Category(
        "money_for_information",
        "Money offered for reports, insights, papers or consultancy",
        "money",
        "Do not accept payment or write any paid report, paper or 'insight' for them.",
    ),
    Category(
        "payment_method",
        "Payment in cash, cryptocurrency, gift cards or PayPal",
        "money",
        "Do not accept payment in cash, cryptocurrency or through PayPal.",
    ),
    Category(
        "paid_travel",
        "Paid trips, interviews or conferences abroad",
        "money",
        "Do not accept paid travel or meetings abroad arranged through this contact.",
    ),
    Category(
        "too_good",
        "An offer too good to be true: remote, flexible, pay far above normal",
        "lure",
    ),
    Category(
        "off_platform",
        "A push to move the conversation to another app, phone or personal e-mail",
        "channel",
        "Do not move the conversation to WeChat, WhatsApp, Telegram, Signal, a phone "
        "number or a personal e-mail address.",
    ),
    Category(
        "personal_details",
        "An early request for a CV or personal details",
        "ask",
        "Do not send your CV, phone number, home address or other personal details.",
    ),
    Category(
        "access",
        "Interest in your access: your role, clearance, colleagues or the work you see",
        "ask",
        "Do not discuss your role, your access or your colleagues.",
    ),
    Category(
        "non_public",
        "A request for non-public or sensitive information",
        "ask",
        "Do not share any internal, unpublished or sensitive material.",
    ),
    Category(
        "vulnerability",
        "Pointing to your money troubles, debts or a job loss",
        "pressure",
        "Be wary of a stranger who brings up your debts or a job loss to offer paid work.",
    ),
    Category("secrecy", "A request to keep the contact secret", "conceal"),
    Category("unnamed_client", "An unnamed 'client' or a vague role", "pretext"),
    Category("flattery", "Flattery", "pretext"),
    Category("scarcity", "Scarcity: an exclusive or one-off opportunity", "pressure"),
    Category("urgency", "Urgency and pressure to reply", "pressure"),
    Category(
        "malicious_file",
        "An attachment or link that asks you to enable content or open it on a work device",
        "malware",
        "Do not open the attachment or link, and never 'enable content'.",
    ),
    Category(
        "sender_identity",
        "An e-mail sender who claims an organisation or address their real address does not match",
        "identity",
        "Check who sent this through the organisation's own website or switchboard: its "
        "staff write from its own domain, not from free web-mail.",
    ),
    Category(
        "reply_diversion",
        "Replies diverted to a different address from the sender's",
        "identity",
        "Do not just press Reply: your answer would go to a different address from the one "
        "the e-mail came from.",
    ),
    Category(
        "profile_employer",
        "A generic recruitment, consultancy or think-tank employer",
        "profile",
    ),
    Category(
        "profile_history", "A very senior title with a thin or inconsistent history", "profile"
    ),
    Category("profile_new_account", "A new account with little activity", "profile"),
    Category("profile_network", "A small or hollow network", "profile"),
    Category(
        "profile_unverifiable",
        "An employer or identity you cannot verify",
        "profile",
    ),
    Category(
        "legitimacy",
        "Signs of a legitimate, checkable approach (lower the rating)",
        "mitigating",
    ),
    Category(
        "indicator_match",
        "Matches a persona or indicator named in an espionage alert",
        "indicator",
        "This matches a persona your security office or a national authority has warned "
        "about: do not reply, and report it now.",
    ),
    Category(
        "escalation",
        "Escalation across the thread: rapport, then money, then the real ask",
        "sequence",
    ),
    Category(
        "combination",
        "The core pattern: a stranger offering money for information and seeking "
        "access or a move off-platform",
        "combination",
    ),
)

CATEGORIES: dict[str, Category] = {c.id: c for c in _ALL}

# Pillars whose co-occurrence makes the core pattern.
MONEY_PILLAR = "money"
CORE_SECOND_CATEGORIES = frozenset({"access", "non_public", "off_platform"})
