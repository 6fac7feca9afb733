"""The array-based grouping gives the edges that dicts of lists give, in the same order."""

from __future__ import annotations

import bisect
import gc
import itertools
import random
from collections.abc import Sequence

import numpy as np
import pytest
from campaign_data import rec
from random_records import PARAMS, random_records

from lurewatch.campaigns import LinkParams, link
from lurewatch.campaigns.keys import RecordKeys, org_core, org_variants, record_keys
from lurewatch.campaigns.linking import (
    _band_index,
    candidate_edges,
    chain,
    chained,
    distinct_counts,
    first_seen,
    group,
    photo_pairs,
    runs,
)
from lurewatch.matching import orgs

Triple = tuple[int, int, str]


def _personas(keys: Sequence[RecordKeys], members: Sequence[int], *, by_name: bool = False) -> int:
    if by_name:
        return len({keys[i].name or keys[i].persona for i in members})
    return len({keys[i].persona for i in members})


def _chains(groups: dict[str, list[int]]) -> list[Triple]:
    return [(x, y, v) for v, m in groups.items() for x, y, _ in chain(m, v)]


class _Sets:
    """Disjoint sets of any hashable values, the plain way."""

    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def union(self, x: object, y: object) -> None:
        self.parent[self.find(x)] = self.find(y)


def reference_edges(
    keys: Sequence[RecordKeys], params: LinkParams, ties: Sequence[tuple[int, int]]
) -> tuple[dict[str, list[Triple]], set[tuple[str, str, int, int]]]:
    """The grouping step as dicts of lists, record by record: edges by stream, and suppressed.

    ``ties`` are the photo and template edges, which this reference does not recompute.
    """
    suppressed: set[tuple[str, str, int, int]] = set()
    out: dict[str, list[Triple]] = {}
    urls = group((k.url, i) for i, k in enumerate(keys) if k.url)
    out["profile-url"] = _chains(urls)
    kept: dict[str, dict[str, list[int]]] = {}
    carried: dict[str, list[int]] = {}
    for kind in ("handle", "phone", "email", "domain"):
        kept[kind] = {}
        for v, m in group(
            (v, i) for i, k in enumerate(keys) for kd, v in k.exact if kd == kind
        ).items():
            if len(m) < 2:
                continue
            n = _personas(keys, m)
            if kind == "domain":
                carried[v] = m
            elif n > params.max_identifier_personas:
                suppressed.add((kind, v, len(m), n))
            else:
                kept[kind][v] = m
    # One sender: one persona, or records tied by a profile, identifier, photo or template.
    senders = _Sets()
    for i, k in enumerate(keys):
        senders.union(i, k.persona)
    for m in itertools.chain(
        urls.values(), *(kept[kd].values() for kd in ("handle", "phone", "email"))
    ):
        for x in m:
            senders.union(x, m[0])
    for x, y in ties:
        senders.union(x, y)
    for v, m in carried.items():
        n = len({senders.find(i) for i in m})
        if n > params.max_domain_personas:
            suppressed.add(("domain", v, len(m), n))
        else:
            kept["domain"][v] = m
    common = {c for c in (org_core(o) for o in params.common_orgs) if c}
    cores: dict[str, list[int]] = {}
    for core, m in group((k.org, i) for i, k in enumerate(keys) if k.org).items():
        # Senders at the organisation, those giving one name there counted once.
        here = _Sets()
        for i in m:
            here.union(("sender", senders.find(i)), ("name", keys[i].name or ("sender", i)))
        n = len({here.find(("sender", senders.find(i))) for i in m})
        if core in common or n > params.max_org_personas:
            suppressed.add(("organisation", core, len(m), n))
            common.add(core)
        else:
            cores[core] = m
    prefixes = sorted(common)
    for v in list(kept["domain"]):
        label = v.split(".", 1)[0].replace("-", "")
        at = bisect.bisect_left(prefixes, label)
        if len(label) >= 4 and at < len(prefixes) and prefixes[at].startswith(label):
            m = kept["domain"].pop(v)
            suppressed.add(("domain", v, len(m), len({senders.find(i) for i in m})))
    out["persona"] = [
        (x, y, name)
        for m in cores.values()
        for name, same in group((keys[i].name, i) for i in m if keys[i].name).items()
        for x, y in itertools.pairwise(same)
    ]
    out["persona-variant"] = _fuzzy(keys, cores)
    for kind in ("handle", "phone", "email", "domain"):
        out[kind] = _chains(kept[kind])
    out["organisation"] = _chains(cores)
    return out, suppressed


def _fuzzy(keys: Sequence[RecordKeys], cores: dict[str, list[int]]) -> list[Triple]:
    candidates: dict[str, list[str]] = {}
    for c in cores:
        for v in (c, *org_variants(c)):
            candidates.setdefault(v, []).append(c)
    out: list[Triple] = []
    seen: set[tuple[str, str]] = set()
    for v in sorted(v for v, cs in candidates.items() if len(cs) > 1):
        cs = sorted(set(candidates[v]))
        if len(cs) > 50:
            continue
        for a, b in itertools.combinations(cs, 2):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            if orgs.compare(keys[cores[a][0]].company, keys[cores[b][0]].company) is None:
                continue
            names_a = {keys[i].name: i for i in reversed(cores[a]) if keys[i].name}
            both = sorted(
                n for n in {keys[i].name for i in cores[b] if keys[i].name} if n in names_a
            )
            if both:
                x = names_a[both[0]]
                y = next(i for i in cores[b] if keys[i].name == both[0])
                out.append((min(x, y), max(x, y), both[0]))
    return out


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_candidate_edges_equal_the_dict_of_lists_grouping(seed: int) -> None:
    records = random_records(seed, 500)
    keys = [record_keys(r) for r in records]
    streams, suppressed = candidate_edges(records, PARAMS)
    ties = [
        (x, y)
        for s in streams
        if s.reason in ("photo", "template")
        for x, y in zip(s.a.tolist(), s.b.tolist(), strict=True)
    ]
    expected, expected_suppressed = reference_edges(keys, PARAMS, ties)
    by_reason: dict[str, list[tuple[int, int]]] = {}
    names = [s.reason for s in streams]
    names[names.index("persona") + 1] = "persona-variant"  # names one letter apart
    for name, s in zip(names, streams, strict=True):
        by_reason[name] = list(zip(s.a.tolist(), s.b.tolist(), strict=True))
    for name, edges in expected.items():
        assert by_reason[name] == [(x, y) for x, y, _ in edges], name
        # What agreed is named in each edge's reason.
        stream = streams[names.index(name)]
        for k, (_, _, value) in enumerate(edges):
            assert value in stream.why(k), (name, stream.why(k), value)
    kinds = {"handle", "phone", "email", "domain", "organisation"}
    assert {(s.kind, s.value, s.records, s.personas) for s in suppressed if s.kind in kinds} == (
        expected_suppressed
    )
    assert expected_suppressed, "the random records should exercise suppression"


def test_photo_edges_chain_equal_hashes_then_pair_near_ones() -> None:
    records = random_records(15, 500)
    keys = [record_keys(r) for r in records]
    streams, _ = candidate_edges(records, PARAMS)
    (photos,) = [s for s in streams if s.reason == "photo"]
    by_hash = group((f"{k.photo}", i) for i, k in enumerate(keys) if k.photo is not None)
    kept = {h: m for h, m in by_hash.items() if _personas(keys, m) <= PARAMS.photo_max_personas}
    same = [(x, y) for x, y, _ in _chains(kept)]
    values = [int(h) for h in kept]
    reps = [m[0] for m in kept.values()]
    near = [
        (reps[i], reps[j])
        for i, j in itertools.combinations(range(len(values)), 2)
        if (values[i] ^ values[j]).bit_count() <= PARAMS.photo_max_bits
    ]
    assert list(zip(photos.a.tolist(), photos.b.tolist(), strict=True)) == same + near
    assert near


def test_runs_and_chained_group_like_a_dict_of_lists() -> None:
    rng = random.Random(16)
    for _ in range(50):
        values = [
            rng.choice("abcdef") if rng.random() < 0.8 else "" for _ in range(rng.randint(0, 40))
        ]
        first = list(dict.fromkeys(v for v in values if v))
        codes = np.array([first.index(v) if v else -1 for v in values], dtype=np.int64)
        order, offsets = runs(codes, len(first))
        groups = group((v, i) for i, v in enumerate(values) if v)
        assert [order[offsets[c] : offsets[c + 1]].tolist() for c in range(len(first))] == list(
            groups.values()
        )
        keep = np.array([rng.random() < 0.7 for _ in first], dtype=bool)
        a, b, g = chained(order, offsets, keep)
        expected = [
            (x, y, first.index(v))
            for v, m in groups.items()
            if keep[first.index(v)]
            for x, y, _ in chain(m, v)
        ]
        assert list(zip(a.tolist(), b.tolist(), g.tolist(), strict=True)) == expected


def test_distinct_counts_and_first_seen() -> None:
    rng = random.Random(17)
    for _ in range(50):
        n = rng.randint(0, 60)
        grp = np.array([rng.randrange(5) for _ in range(n)], dtype=np.int64)
        label = np.array([rng.randrange(7) for _ in range(n)], dtype=np.int64)
        counts = distinct_counts(grp, label, 5)
        assert counts.tolist() == [len(set(label[grp == g].tolist())) for g in range(5)]
        codes = np.array([rng.randrange(-1, 6) for _ in range(n)], dtype=np.int64)
        new, old = first_seen(codes)
        order = [c for c in dict.fromkeys(codes.tolist()) if c >= 0]
        assert old.tolist() == order
        assert new.tolist() == [order.index(c) if c >= 0 else -1 for c in codes.tolist()]


def test_band_lookup_by_table_equals_binary_search() -> None:
    rng = np.random.default_rng(18)
    values = np.sort(rng.integers(0, 1 << 10, 3000).astype(np.uint64))
    probes = rng.integers(0, 1 << 10, 5000).astype(np.uint64)
    table = _band_index(values, 10)(probes)
    search = _band_index(values, 64)(probes)  # too wide for a table
    assert table.tolist() == search.tolist()
    hit = table >= 0
    assert (values[table[hit]] == probes[hit]).all()
    assert all(p not in set(values.tolist()) for p in probes[~hit].tolist())


@pytest.mark.parametrize("max_bits", [0, 1, 5, 16])
def test_photo_pairs_are_exact_when_bit_ranges_collide(max_bits: int) -> None:
    # Narrow ranges (16 bits: 9 ranges of 7 bits) and clustered hashes: many hashes share
    # a range's value, and each must still be compared with every one of them.
    rng = random.Random(19)
    base = [rng.getrandbits(64) for _ in range(60)]
    values = list(base)
    for v in base:
        for _ in range(3):
            values.append(v ^ sum(1 << b for b in rng.sample(range(64), rng.randint(0, 8))))
    values += [rng.getrandbits(9) for _ in range(60)]
    values = list(dict.fromkeys(values))
    a, b = photo_pairs(np.array(values, dtype=np.uint64), max_bits)
    brute = [
        (i, j)
        for i, j in itertools.combinations(range(len(values)), 2)
        if (values[i] ^ values[j]).bit_count() <= max_bits
    ]
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == brute


def test_every_link_joins_a_spanning_tree_and_says_why() -> None:
    records = random_records(20, 600)
    keys = {r.id: record_keys(r) for r in records}
    linking = link(records, PARAMS)
    assert linking.campaigns
    for c in linking.campaigns:
        assert len(c.links) == len(c.members) - 1
        parent = {m: m for m in c.members}
        for lk in c.links:
            assert _root(parent, lk.a) != _root(parent, lk.b)
            parent[_root(parent, lk.a)] = _root(parent, lk.b)
            ka, kb = keys[lk.a], keys[lk.b]
            if lk.reason == "profile-url":
                assert lk.detail == f"same profile address: {ka.url}" and ka.url == kb.url
            elif lk.reason in ("handle", "phone", "email", "domain"):
                value = lk.detail.split(": ", 1)[1]
                assert (lk.reason, value) in ka.exact and (lk.reason, value) in kb.exact
            elif lk.reason == "persona":
                assert ka.name == kb.name and f"«{ka.name}»" in lk.detail
            elif lk.reason == "organisation":
                assert ka.org == kb.org and f"«{ka.org}»" in lk.detail
            elif lk.reason == "photo":
                assert ka.photo is not None and kb.photo is not None
                assert (ka.photo ^ kb.photo).bit_count() <= PARAMS.photo_max_bits
            else:
                assert lk.reason == "template"
        assert len({_root(parent, m) for m in c.members}) == 1


def _root(parent: dict[str, str], x: str) -> str:
    while parent[x] != x:
        x = parent[x]
    return x


def test_membership_does_not_depend_on_record_order() -> None:
    records = random_records(21, 400)
    shuffled = list(records)
    random.Random(22).shuffle(shuffled)
    first, second = link(records, PARAMS), link(shuffled, PARAMS)
    assert {c.members for c in first.campaigns} == {c.members for c in second.campaigns}
    assert set(first.suppressed) == set(second.suppressed)


@pytest.mark.parametrize("enabled", [True, False])
def test_linking_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        link([rec("a", profile_url="linkedin.com/in/x"), rec("b", profile_url="linkedin.com/in/x")])
        assert gc.isenabled() == enabled
        with pytest.raises(ValueError):
            link([rec("a"), rec("a")])
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()
