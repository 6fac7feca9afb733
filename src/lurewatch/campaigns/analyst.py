"""What an analyst does to a linking by hand: merge, split, name. Pure functions.

Each returns a new :class:`Linking`; nothing is changed in place. A merge
adds one ``analyst`` link; a split drops a member (with its links) or a link,
and the campaign falls apart into the pieces its remaining links still
connect. Campaign ids follow their smallest member, as :func:`link` makes
them; a name stays with the piece that keeps the campaign's id.
"""

from __future__ import annotations

from collections.abc import Iterable

from .linking import UnionFind
from .model import Campaign, Link, Linking


def _require(linking: Linking, campaign_id: str) -> Campaign:
    c = linking.get(campaign_id)
    if c is None:
        raise KeyError(f"no campaign {campaign_id!r} in this linking")
    return c


def _replace(linking: Linking, old: Iterable[str], new: Iterable[Campaign]) -> Linking:
    gone = set(old)
    kept = [c for c in linking.campaigns if c.id not in gone]
    kept.extend(new)
    kept.sort(key=lambda c: (-len(c.members), c.id))
    return Linking(tuple(kept), linking.suppressed)


def merge(linking: Linking, first: str, second: str, *, note: str = "") -> Linking:
    """Join two campaigns with an ``analyst`` link between their first members."""
    a, b = _require(linking, first), _require(linking, second)
    if a.id == b.id:
        return linking
    members = tuple(sorted(a.members + b.members))
    x, y = sorted((a.members[0], b.members[0]))
    detail = "merged by an analyst" + (f": {note}" if note else "")
    links = tuple(sorted((*a.links, *b.links, Link(x, y, "analyst", detail))))
    name = a.name or b.name
    return _replace(
        linking, (a.id, b.id), [Campaign("campaign:" + members[0], members, links, name)]
    )


def _pieces(c: Campaign, members: list[str], links: list[Link]) -> list[Campaign]:
    pos = {m: i for i, m in enumerate(members)}
    uf = UnionFind(len(members))
    for link in links:
        uf.union(pos[link.a], pos[link.b])
    groups: dict[int, list[str]] = {}
    for m in members:
        groups.setdefault(uf.find(pos[m]), []).append(m)
    out = []
    for ms in groups.values():
        if len(ms) < 2:
            continue
        inside = set(ms)
        cid = "campaign:" + min(ms)
        out.append(
            Campaign(
                cid,
                tuple(sorted(ms)),
                tuple(sorted(lk for lk in links if lk.a in inside)),
                c.name if cid == c.id else "",
            )
        )
    return out


def remove_member(linking: Linking, campaign_id: str, record_id: str) -> Linking:
    """Take one record out of a campaign; the rest splits where only it held them together."""
    c = _require(linking, campaign_id)
    if record_id not in c.members:
        raise KeyError(f"record {record_id!r} is not in campaign {campaign_id!r}")
    members = [m for m in c.members if m != record_id]
    links = [lk for lk in c.links if record_id not in (lk.a, lk.b)]
    return _replace(linking, [c.id], _pieces(c, members, links))


def remove_link(linking: Linking, campaign_id: str, link: Link) -> Linking:
    """Drop one link; the campaign splits into the two pieces it joined."""
    c = _require(linking, campaign_id)
    if link not in c.links:
        raise KeyError(f"campaign {campaign_id!r} has no such link")
    links = [lk for lk in c.links if lk != link]
    return _replace(linking, [c.id], _pieces(c, list(c.members), links))


def rename(linking: Linking, campaign_id: str, name: str) -> Linking:
    """Give a campaign a name (an empty name removes it)."""
    c = _require(linking, campaign_id)
    named = Campaign(c.id, c.members, c.links, name.strip())
    return _replace(linking, [c.id], [named])
