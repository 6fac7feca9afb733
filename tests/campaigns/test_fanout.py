"""Fan-out: distinct staff reached by one persona, organisation, template or campaign in a window."""

from __future__ import annotations

import datetime as dt

import pytest
from campaign_data import PARAPHRASE, TEMPLATE, rec

from lurewatch.campaigns import FanoutFinding, fanout, link

D0 = dt.date(2026, 5, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def persona(rid: str, target: str, when: dt.date) -> object:
    return rec(rid, target=target, when=when, profile_url="linkedin.com/in/amy-q")


def test_three_staff_within_the_window_is_a_finding_with_its_evidence() -> None:
    records = [persona("a", "t1", day(0)), persona("b", "t2", day(5)), persona("c", "t3", day(13))]
    (f,) = fanout(records, kinds=("persona",))
    assert f == FanoutFinding(
        "persona",
        "url:linkedin.com/in/amy-q",
        ("t1", "t2", "t3"),
        ("a", "b", "c"),
        dt.datetime(2026, 5, 1),
        dt.datetime(2026, 5, 14),
        3,
    )


def test_the_window_is_half_open_fourteen_days_apart_is_outside() -> None:
    records = [persona("a", "t1", day(0)), persona("b", "t2", day(5)), persona("c", "t3", day(14))]
    assert fanout(records, kinds=("persona",)) == []


def test_the_same_member_of_staff_twice_counts_once() -> None:
    records = [persona("a", "t1", day(0)), persona("b", "t1", day(1)), persona("c", "t2", day(2))]
    assert fanout(records, kinds=("persona",)) == []
    assert len(fanout(records, kinds=("persona",), min_targets=2)) == 1


def test_the_busiest_window_is_reported_when_approaches_spread_over_months() -> None:
    records = [persona(f"r{i}", f"t{i}", day(30 * i)) for i in range(4)]  # one a month
    records += [
        persona("x1", "u1", day(200)),
        persona("x2", "u2", day(201)),
        persona("x3", "u3", day(202)),
    ]
    (f,) = fanout(records, kinds=("persona",))
    assert (f.targets, f.total_targets) == (("u1", "u2", "u3"), 7)


def test_datetimes_and_organisation_fanout() -> None:
    t = dt.datetime(2026, 5, 1, 9, 0)
    records = [
        rec("a", target="t1", when=t, name="Rachel Li", company="Kovarex Talent"),
        rec(
            "b",
            target="t2",
            when=t + dt.timedelta(days=13, hours=23),
            name="Lily Wu",
            company="Kovarex Talent Ltd",
        ),
        rec(
            "c",
            target="t3",
            when=t + dt.timedelta(days=2),
            name="Eva Han",
            company="KOVAREX Talent",
        ),
    ]
    (f,) = fanout(records, kinds=("organisation",))
    assert (f.key, f.records) == ("kovarex", ("a", "c", "b"))


def test_template_clusters_and_campaigns_need_a_linking() -> None:
    records = [
        rec("a", target="t1", when=day(0), text=TEMPLATE),
        rec("b", target="t2", when=day(1), text=PARAPHRASE),
        rec("c", target="t3", when=day(2), text=TEMPLATE + " Thanks."),
    ]
    assert fanout(records) == []
    found = fanout(records, link(records))
    assert [(f.kind, f.targets) for f in found] == [
        ("template", ("t1", "t2", "t3")),
        ("campaign", ("t1", "t2", "t3")),
    ]


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="min_targets"):
        fanout([], min_targets=0)
    with pytest.raises(ValueError, match="window"):
        fanout([], window=dt.timedelta(0))
