"""Analyst operations: merge, split (a member or a link) and name, as pure functions."""

from __future__ import annotations

import pytest
from campaign_data import rec

from lurewatch.campaigns import Link, link, merge, remove_link, remove_member, rename


def _linking():  # type: ignore[no-untyped-def]
    return link(
        [
            rec("a", profile_url="linkedin.com/in/p1"),
            rec("b", profile_url="linkedin.com/in/p1", text="WeChat: spy_one"),
            rec("c", text="WeChat: spy_one"),
            rec("x", photo_hash=1),
            rec("y", photo_hash=3),
        ]
    )


def test_merge_joins_two_campaigns_with_an_analyst_link() -> None:
    merged = merge(_linking(), "campaign:a", "campaign:x", note="same operation per partner report")
    (c,) = merged.campaigns
    assert c.id == "campaign:a"
    assert c.members == ("a", "b", "c", "x", "y")
    assert (
        Link("a", "x", "analyst", "merged by an analyst: same operation per partner report")
        in c.links
    )
    assert len(c.links) == 4


def test_removing_a_member_splits_where_it_held_the_campaign_together() -> None:
    split = remove_member(_linking(), "campaign:a", "b")
    assert [c.members for c in split.campaigns] == [("x", "y")]  # a and c are alone now


def test_removing_a_link_splits_the_campaign_in_two() -> None:
    linking = _linking()
    handle = next(lk for lk in linking.get("campaign:a").links if lk.reason == "handle")  # type: ignore[union-attr]
    split = remove_link(linking, "campaign:a", handle)
    assert [c.members for c in split.campaigns] == [("a", "b"), ("x", "y")]


def test_a_name_stays_with_the_piece_that_keeps_the_id() -> None:
    named = rename(_linking(), "campaign:a", "  BR-YR wave  ")
    assert named.get("campaign:a").name == "BR-YR wave"  # type: ignore[union-attr]
    handle = next(lk for lk in named.get("campaign:a").links if lk.reason == "handle")  # type: ignore[union-attr]
    split = remove_link(named, "campaign:a", handle)
    assert [(c.id, c.name) for c in split.campaigns] == [
        ("campaign:a", "BR-YR wave"),
        ("campaign:x", ""),
    ]


def test_operations_do_not_change_their_input_and_are_deterministic() -> None:
    before = _linking()
    snapshot = repr(before)
    assert merge(before, "campaign:a", "campaign:x") == merge(before, "campaign:a", "campaign:x")
    assert repr(before) == snapshot


def test_unknown_campaigns_and_members_are_refused() -> None:
    with pytest.raises(KeyError, match="no campaign 'campaign:zz'"):
        rename(_linking(), "campaign:zz", "x")
    with pytest.raises(KeyError, match="record 'x' is not in campaign 'campaign:a'"):
        remove_member(_linking(), "campaign:a", "x")
