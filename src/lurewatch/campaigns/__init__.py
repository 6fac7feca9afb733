"""Campaigns: approaches to many staff linked by what they share, and fan-out across staff.

See docs/campaigns.md for the rules, their thresholds and how the steps run
on a distributed engine.
"""

from .analyst import merge, remove_link, remove_member, rename
from .artefacts import Anatomy, Artefact, CampaignPersona, anatomy
from .fanout import FanoutFinding, fanout
from .graph import (
    GraphNode,
    GraphRow,
    campaign_graph_svg,
    campaign_graph_table,
    campaign_timeline_svg,
)
from .indicators import campaign_to_alert
from .keys import identifiers_in
from .linking import DEFAULT, LinkParams, link
from .model import REASONS, ApproachRecord, Campaign, Link, Linking, Suppressed
from .stix import campaign_to_stix

__all__ = [
    "DEFAULT",
    "REASONS",
    "Anatomy",
    "ApproachRecord",
    "Artefact",
    "Campaign",
    "CampaignPersona",
    "FanoutFinding",
    "GraphNode",
    "GraphRow",
    "Link",
    "LinkParams",
    "Linking",
    "Suppressed",
    "anatomy",
    "campaign_graph_svg",
    "campaign_graph_table",
    "campaign_timeline_svg",
    "campaign_to_alert",
    "campaign_to_stix",
    "fanout",
    "identifiers_in",
    "link",
    "merge",
    "remove_link",
    "remove_member",
    "rename",
]
