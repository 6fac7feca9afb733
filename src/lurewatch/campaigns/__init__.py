"""Campaigns: approaches to many staff linked by what they share, and fan-out across staff.

See docs/campaigns.md for the rules, their thresholds and how the steps run
on a distributed engine.
"""

from .analyst import merge, remove_link, remove_member, rename
from .fanout import FanoutFinding, fanout
from .keys import identifiers_in
from .linking import DEFAULT, LinkParams, link
from .model import REASONS, ApproachRecord, Campaign, Link, Linking, Suppressed

__all__ = [
    "DEFAULT",
    "REASONS",
    "ApproachRecord",
    "Campaign",
    "FanoutFinding",
    "Link",
    "LinkParams",
    "Linking",
    "Suppressed",
    "fanout",
    "identifiers_in",
    "link",
    "merge",
    "remove_link",
    "remove_member",
    "rename",
]
