"""Link approaches into campaigns: map, group, verify, connect.

The four steps are plain functions so that a distributed engine can run each
one where the data is (see docs/campaigns.md):

1. **map** (:func:`lurewatch.campaigns.keys.key_table`, :func:`text_items`,
   :func:`lurewatch.campaigns.templates.signatures`): per record, its blocking
   keys; per distinct long text, its MinHash signature.
2. **group**: records sharing a key, texts sharing an LSH band, photo hashes
   sharing a band of bits. A key carried by too many personas (an identifier),
   too many independent senders (a big employer, a common domain: counted
   once the profile, identifier, photo and template edges are known) or too
   many records (a boilerplate text, a placeholder photo) is *suppressed*,
   listed in :attr:`Linking.suppressed`, and links nothing.
3. **verify**: each candidate pair is checked (organisations agree, texts
   similar enough, photos few enough bits apart). Within a group of equal keys
   the records are chained, never paired all with all.
4. **connect**: union-find over the verified edges, strongest reason first;
   an edge that joins two separate clusters becomes a :class:`Link` of the
   campaign, so each campaign keeps one link fewer than it has members.

No step compares all pairs: cost grows with the number of records plus the
size of the (capped) groups. The records are handled as columns: each key is
an array of integer codes (one per record, numbered by first appearance), each
distinct raw value is normalised once, and grouping is a stable sort of the
codes, which visits groups and their members in the order a dict of lists
would. A link's reason is written only for the edges union-find keeps.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lurewatch.gcpause import collector_paused
from lurewatch.matching import orgs

from . import templates
from .keys import KINDS, KeyTable, factorise, key_table, org_core, org_variants
from .model import ApproachRecord, Campaign, Link, Linking, Suppressed

Edge = tuple[int, int, object]  # two record positions and what agreed (formatted on use)
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class LinkParams:
    """Every threshold of the linking step, with the reason for its default.

    Templates: word 3-shingles; 30 MinHash permutations in 10 bands of 3 rows,
    so two texts become candidates with probability 0.97 at a Jaccard
    similarity of 0.66, 0.74 at 0.5 and 0.08 at 0.2 (a campaign of several
    messages is found through any chain of its pairs); a candidate pair links
    when the exact Jaccard of its kept shingles is 0.5 or more. A paraphrase
    that swaps a few words of a 50-word template keeps about 0.55-0.8 of its
    shingles; unrelated messages share well under 0.3 once common phrases are
    left out. Texts under ``min_words`` words are not templates: short polite
    notes ("I'd like to add you to my network") are written the same way by
    everyone. See docs/campaigns.md for every rule.
    """

    shingle: int = 3
    num_perm: int = 30
    bands: int = 10
    rows: int = 3
    seed: int = 1
    template_threshold: float = 0.5
    min_words: int = 15
    max_bucket: int = 500  # distinct texts in one LSH bucket; more is boilerplate
    max_text_records: int = 1_000  # records carrying one identical text
    # A shingle in more than max_shingle_texts messages is boilerplate and left out of the
    # signatures; a text with fewer than min_kept_shingles others left is not a template.
    # The cap is absolute: boilerplate grows with the pool, a campaign's size does not.
    max_shingle_texts: int = 250
    min_kept_shingles: int = 15
    photo_max_bits: int = 5  # of 64; re-encoding moves 0-6, unrelated photos ~32
    photo_max_personas: int = 100  # personas showing one exact hash (a placeholder image)
    # Independent senders (see senders()) at one organisation or domain before it is "common".
    max_org_personas: int = 10
    max_domain_personas: int = 10
    max_identifier_personas: int = 50  # handle, phone, e-mail
    common_orgs: frozenset[str] = frozenset()  # the office's list of ordinary employers
    extract_identifiers: bool = True

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"bands x rows ({self.bands}x{self.rows}) exceeds num_perm ({self.num_perm})"
            )
        if self.min_words < self.shingle:
            raise ValueError(
                f"min_words ({self.min_words}) must be at least shingle ({self.shingle})"
            )
        if not 0 <= self.photo_max_bits <= 16:
            raise ValueError(f"photo_max_bits must be 0..16, not {self.photo_max_bits}")


DEFAULT = LinkParams()


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        """Join the sets of ``i`` and ``j``; False when they already were one."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        return True


# ---- group: equal keys --------------------------------------------------------------


def group(pairs: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    """Key -> record positions, in input order (the shuffle of a distributed run)."""
    out: dict[str, list[int]] = {}
    for k, i in pairs:
        bucket = out.get(k)
        if bucket is None:
            out[k] = [i]
        else:
            bucket.append(i)
    return out


def chain(members: Sequence[int], arg: object) -> Iterator[Edge]:
    """Consecutive members: enough to connect a group, without pairing all with all."""
    for x, y in itertools.pairwise(members):
        yield x, y, arg


def runs(codes: IntArray, count: int) -> tuple[IntArray, IntArray]:
    """Rows grouped by code (rows without one, -1, left out): ``(order, offsets)``.

    Code ``c`` holds rows ``order[offsets[c]:offsets[c + 1]]``, in row order. With
    codes numbered by first appearance this is the grouping a dict of lists gives.
    """
    has = codes >= 0
    order = np.flatnonzero(has)
    order = order[np.argsort(codes[order], kind="stable")]
    sizes = np.bincount(codes[has], minlength=count)
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return order, offsets


def chained(
    order: IntArray, offsets: IntArray, keep: npt.NDArray[np.bool_] | None = None
) -> tuple[IntArray, IntArray, IntArray]:
    """:func:`chain` over every group of :func:`runs` (only those ``keep`` marks).

    Returns the two rows of each edge and its group, group after group.
    """
    sizes = np.diff(offsets)
    group = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    same = np.flatnonzero(group[1:] == group[:-1])
    if keep is not None:
        same = same[keep[group[same]]]
    return order[same], order[same + 1], group[same]


def distinct(values: IntArray) -> IntArray:
    """The sorted distinct values (``np.unique``, by sorting: its hashing path is slower here)."""
    out = np.sort(values)
    if len(out) > 1:
        out = out[np.r_[True, out[1:] != out[:-1]]]
    return out


def distinct_counts(group: IntArray, label: IntArray, count: int) -> IntArray:
    """How many distinct labels each group ``0..count-1`` has (the personas behind a key)."""
    if len(group) == 0:
        return np.zeros(count, dtype=np.int64)
    width = np.int64(int(label.max()) + 1)
    pairs = distinct(group * width + label)
    return np.bincount(pairs // width, minlength=count)


@dataclass(frozen=True)
class Edges:
    """Candidate links of one reason, in the order they are tried: records ``a[k]``, ``b[k]``.

    ``why(k)`` says what agreed on edge ``k``. It is called only for the edges
    that join two clusters, so the text is built for the kept links alone.
    """

    reason: str
    a: IntArray
    b: IntArray
    why: Callable[[int], str]

    def __len__(self) -> int:
        return len(self.a)


@dataclass(frozen=True)
class _Groups:
    """Records grouped by one column, and which groups may link."""

    order: IntArray  # record positions (or identifier rows), grouped by value
    offsets: IntArray
    keep: npt.NDArray[np.bool_]
    personas: IntArray  # distinct personas per value (0 where not counted)

    def members(self, code: int) -> IntArray:
        return self.order[self.offsets[code] : self.offsets[code + 1]]


@dataclass(frozen=True)
class _Grouped:
    """The grouping step's output for the exact and organisation keys."""

    table: KeyTable
    urls: _Groups
    identifiers: dict[str, _Groups]
    orgs: _Groups


def _group_exact(
    table: KeyTable, params: LinkParams, suppressed: list[Suppressed]
) -> tuple[_Groups, dict[str, _Groups]]:
    """Records grouped by profile address and by each identifier (handle, phone, e-mail, domain).

    An identifier carried by too many personas is suppressed here; a domain may
    still be suppressed by :func:`_group_orgs`, which counts its senders.
    """
    order, offsets = runs(table.url.codes, len(table.url.values))
    sizes = np.diff(offsets)
    urls = _Groups(order, offsets, sizes > 1, np.zeros(len(sizes), dtype=np.int64))
    identifiers: dict[str, _Groups] = {}
    caps = dict.fromkeys(("handle", "phone", "email"), params.max_identifier_personas)
    for kind in KINDS:
        rows = table.exact[kind]
        values = rows.value.values
        order, offsets = runs(rows.value.codes, len(values))
        sizes = np.diff(offsets)
        personas = distinct_counts(rows.value.codes, table.persona[rows.record], len(values))
        cap = caps.get(kind)  # domains: counted in senders by _group_orgs
        over = (sizes > 1) & (personas > cap) if cap is not None else np.zeros(len(sizes), bool)
        for c in np.flatnonzero(over).tolist():
            suppressed.append(Suppressed(kind, values[c], int(sizes[c]), int(personas[c])))
        # Rows follow the records, so each group's rows are its records in order.
        identifiers[kind] = _Groups(rows.record[order], offsets, (sizes > 1) & ~over, personas)
    return urls, identifiers


def _group_orgs(
    table: KeyTable,
    params: LinkParams,
    suppressed: list[Suppressed],
    exact: tuple[_Groups, dict[str, _Groups]],
    sender: IntArray,
) -> _Grouped:
    """Records grouped by organisation core; common organisations and their domains suppressed.

    An organisation (or a domain) is common when more than its cap of
    *independent senders* use it: records tied together by a profile address,
    a handle, phone or e-mail address, a photo or a message template
    (``sender``, from :func:`senders`), or giving the same name there, are
    one sender. Forty fake recruiters at a front who share one photo and one
    template are one operation; forty recruiters at a big employer, each with
    their own profile, photo and messages, are forty.
    """
    urls, identifiers = exact
    domains = identifiers["domain"]
    rows = table.exact["domain"]
    values = rows.value.values
    owners = distinct_counts(rows.value.codes, sender[rows.record], len(values))
    over = domains.keep & (owners > params.max_domain_personas)
    for c in np.flatnonzero(over).tolist():
        size = int(domains.offsets[c + 1] - domains.offsets[c])
        suppressed.append(Suppressed("domain", values[c], size, int(owners[c])))
    domains.keep[over] = False
    cores = table.org.values
    order, offsets = runs(table.org.codes, len(cores))
    sizes = np.diff(offsets)
    names = _org_senders(table, sender)
    common = {c for c in (org_core(o) for o in params.common_orgs) if c}
    listed = np.array([c in common for c in cores], dtype=bool)
    drop = listed | (names > params.max_org_personas)
    for c in np.flatnonzero(drop).tolist():
        suppressed.append(Suppressed("organisation", cores[c], int(sizes[c]), int(names[c])))
        common.add(cores[c])
    # The domain of a common employer is as common as its name ("meridian.com" for
    # "Meridian Talent"), even where few of its recruiters wrote their address.
    prefixes = sorted(common)
    for c in np.flatnonzero(domains.keep).tolist():
        value = values[c]
        stem = value.split(".", 1)[0].replace("-", "")
        at = bisect.bisect_left(prefixes, stem)
        if len(stem) >= 4 and at < len(prefixes) and prefixes[at].startswith(stem):
            domains.keep[c] = False
            size = int(domains.offsets[c + 1] - domains.offsets[c])
            suppressed.append(Suppressed("domain", value, size, int(owners[c])))
    return _Grouped(table, urls, identifiers, _Groups(order, offsets, ~drop, names))


def components(n: int, streams: Iterable[Edges]) -> IntArray:
    """Each of ``n`` records' cluster under the edges (its root's position), by union-find."""
    parent = list(range(n))
    for edges in streams:
        for x, y in zip(edges.a.tolist(), edges.b.tolist(), strict=True):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            while parent[y] != y:
                parent[y] = parent[parent[y]]
                y = parent[y]
            if x != y:
                parent[max(x, y)] = min(x, y)
    return _roots(np.array(parent, dtype=np.int64))


def _roots(parent: IntArray) -> IntArray:
    """Every node's root, by pointer jumping over a union-find's parent array."""
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            return parent
        parent = up


def _same_code(codes: IntArray) -> Edges:
    """Rows with equal codes chained (any codes, -1 for none)."""
    rows = np.flatnonzero(codes >= 0)
    rows = rows[np.argsort(codes[rows], kind="stable")]
    same = np.flatnonzero(codes[rows[1:]] == codes[rows[:-1]])
    return Edges("", rows[same], rows[same + 1], str)


def senders(table: KeyTable, ties: Iterable[Edges]) -> IntArray:
    """Each record's sender: one label for the records of one persona (profile address,
    else name and organisation) or tied together by ``ties`` (profile address,
    identifier, photo and template edges)."""
    # A persona with a profile address is that address, which ``ties`` chain already.
    persona = np.where(table.url.codes >= 0, -1, table.persona)
    return components(len(table), [_same_code(persona), *ties])


def _org_senders(table: KeyTable, sender: IntArray) -> IntArray:
    """Independent senders at each organisation: its records' senders, with the senders
    that give one name there counted once."""
    org, name = table.org.codes, table.name.codes
    count = len(table.org.values)
    rows = np.flatnonzero(org >= 0)
    if len(rows) == 0:
        return np.zeros(count, dtype=np.int64)
    # One node per (organisation, sender); nodes that share a name at the organisation join.
    nodes, node = np.unique(org[rows] * np.int64(len(table)) + sender[rows], return_inverse=True)
    named = name[rows] >= 0
    at_name = np.full(len(rows), -1, dtype=np.int64)
    at_name[named] = np.unique(
        org[rows[named]] * np.int64(len(table.name.values)) + name[rows[named]],
        return_inverse=True,
    )[1]
    joined = _same_code(at_name)
    roots = components(len(nodes), [Edges("", node[joined.a], node[joined.b], str)])
    return np.bincount(nodes[roots == np.arange(len(nodes))] // len(table), minlength=count)


def _fuzzy_orgs(g: _Grouped) -> list[tuple[int, int, tuple[str, str, str, str]]]:
    """Organisations one keystroke apart ("BR-YR" / "BP-YR") under one name: persona edges.

    One letter apart alone is not enough: among thousands of small firms many
    names are a keystroke apart, so only cores that share a name link.
    """
    table, cores = g.table, g.table.org.values
    names = table.name
    # Each core and its one-letter deletions; a value reached from two cores pairs them.
    # Most values come from one core only, so only the others get a list.
    first: dict[str, int] = {}
    shared: dict[str, list[int]] = {}
    for c in np.flatnonzero(g.orgs.keep).tolist():
        core = cores[c]
        for v in (core, *org_variants(core)):
            seen_first = first.setdefault(v, c)
            if seen_first != c:
                shared.setdefault(v, [seen_first]).append(c)
    del first
    persona: list[tuple[int, int, tuple[str, str, str, str]]] = []
    seen: set[tuple[int, int]] = set()
    for v in sorted(shared):
        cs = sorted(set(shared[v]), key=cores.__getitem__)
        if len(cs) > 50:
            continue
        for p in range(len(cs)):
            for q in range(p + 1, len(cs)):
                a, b = cs[p], cs[q]
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                ma, mb = g.orgs.members(a).tolist(), g.orgs.members(b).tolist()
                agreement = orgs.compare(table.company.get(ma[0]), table.company.get(mb[0]))
                if agreement is None:
                    continue
                names_a = {int(names.codes[i]): i for i in reversed(ma) if names.codes[i] >= 0}
                both = [int(n) for n in set(names.codes[mb].tolist()) if n in names_a]
                if not both:
                    continue
                name = min(both, key=names.values.__getitem__)
                x = names_a[name]
                y = next(i for i in mb if names.codes[i] == name)
                x, y = min(x, y), max(x, y)
                detail = (table.company.get(x), table.company.get(y), agreement.how)
                persona.append((x, y, (names.values[name], *detail)))
    return persona


def _persona_edges(g: _Grouped) -> tuple[IntArray, IntArray]:
    """Records at one (uncommon) organisation under the same name key: chained.

    Organisations in order of first appearance; within one, names in the order
    they first appear there; each name's records in order.
    """
    org, name = g.table.org.codes, g.table.name.codes
    rows = np.flatnonzero((org >= 0) & (name >= 0))
    rows = rows[g.orgs.keep[org[rows]]]
    if len(rows) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pair = org[rows] * np.int64(len(g.table.name.values)) + name[rows]
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    order = np.lexsort((rows, first[inverse], org[rows]))
    rows, pair = rows[order], pair[order]
    same = np.flatnonzero(pair[1:] == pair[:-1])
    return rows[same], rows[same + 1]


# ---- templates -------------------------------------------------------------------


@dataclass
class TextItems:
    """Distinct long texts (or given signatures) and the records that carry each.

    Item ``i`` is carried by records ``members[offsets[i]:offsets[i + 1]]``, in order.
    """

    members: IntArray
    offsets: IntArray
    signatures: npt.NDArray[np.uint32]
    # Kept shingles of the first ``len(kept.counts)`` items (texts); items after them
    # came as signatures only and are compared by the MinHash estimate.
    kept: templates.Shingled

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def first(self) -> IntArray:
        """The first record carrying each item."""
        return self.members[self.offsets[:-1]]


def first_seen(codes: IntArray) -> tuple[IntArray, IntArray]:
    """Codes (-1: none) renumbered by first appearance; also the old code of each new one."""
    has = np.flatnonzero(codes >= 0)
    old, first = np.unique(codes[has], return_index=True)
    old = old[np.argsort(first, kind="stable")]
    new = np.full(int(codes.max()) + 1 if len(has) else 0, -1, dtype=np.int64)
    new[old] = np.arange(len(old), dtype=np.int64)
    out = np.full(len(codes), -1, dtype=np.int64)
    out[has] = new[codes[has]]
    return out, old


def _reorder(
    words: npt.NDArray[np.uint32], lengths: IntArray, old: IntArray
) -> tuple[npt.NDArray[np.uint32], IntArray]:
    """The word hashes of texts ``old[0], old[1], ...``, concatenated, and their lengths."""
    if len(old) == len(lengths) and np.array_equal(old, np.arange(len(old))):
        return words, lengths
    return templates.segments(words, lengths, old)


def text_items(
    records: Sequence[ApproachRecord],
    params: LinkParams,
    suppressed: list[Suppressed],
    texts: tuple[IntArray, list[str]] | None = None,
) -> TextItems:
    """Map step for templates: normalise, skip short texts, de-duplicate, sign.

    ``texts`` is ``keys.factorise([r.text for r in records])`` when the caller has it.
    Each distinct text is normalised once.
    """
    text_codes, distinct = texts if texts is not None else factorise([r.text for r in records])
    by_sig: dict[tuple[int, ...], list[int]] = {}
    for i, r in enumerate(records):
        if r.signature is not None:
            if len(r.signature) != params.num_perm:
                raise ValueError(
                    f"record {r.id!r}: signature has {len(r.signature)} values, "
                    f"the linking parameters expect num_perm={params.num_perm}"
                )
            by_sig.setdefault(tuple(r.signature), []).append(i)
    # Distinct raw texts -> distinct normalised texts (their tokens joined by spaces), each
    # kept as its word hashes only.
    by_norm: dict[str, int] = {}
    words = templates.WordHashes()
    rep: list[int] = []  # a raw text of each normalised one
    norm_of = np.full(len(distinct), -1, dtype=np.int64)
    for t, text in enumerate(distinct):
        if not text:
            continue
        toks = templates.words(text)
        if len(toks) < params.shingle:
            continue
        c = by_norm.setdefault(" ".join(toks), len(rep))
        if c == len(rep):
            rep.append(t)
            words.add(toks)
        norm_of[t] = c
    del by_norm
    item = norm_of[text_codes]
    signed = [i for m in by_sig.values() for i in m]
    item[signed] = -1  # a record that gives its signature is compared by it alone
    item, old = first_seen(item)
    word_hashes, lengths = _reorder(*words.arrays(), old)
    del words
    order, offsets = runs(item, len(old))
    # Every message counts towards how common a phrase is; only long ones can be templates.
    shingled = templates.shingle_words(word_hashes, lengths, shingle=params.shingle)
    del word_hashes
    weights = np.diff(offsets)
    drop = templates.common_shingles(shingled, params.max_shingle_texts, weights=weights)
    owner = np.repeat(np.arange(len(old), dtype=np.int32), shingled.counts)
    kept = np.bincount(owner[~drop], minlength=len(old))
    del owner
    long = lengths >= params.min_words
    often = weights > params.max_text_records
    for i in np.flatnonzero(long & often).tolist():
        value = " ".join(templates.words(distinct[rep[old[i]]]))[:80]
        suppressed.append(Suppressed("template", value, int(weights[i]), 0))
    enough = kept >= params.min_kept_shingles
    boiler = int((long & ~often & ~enough).sum())
    if boiler:
        suppressed.append(
            Suppressed(
                "template-boilerplate", f"{boiler} texts of mostly common phrases", boiler, 0
            )
        )
    use = long & ~often & enough
    shingled = shingled.without(drop).take(np.flatnonzero(use))
    del drop
    members = order[np.repeat(use, weights)]
    sizes = weights[use]
    sigs = templates.signatures(shingled, num_perm=params.num_perm, seed=params.seed)
    given = [m for m in by_sig.values() if len(m) <= params.max_text_records]
    if given:
        extra = np.array([records[m[0]].signature for m in given], dtype=np.uint32)
        sigs = np.concatenate([sigs, extra])
        members = np.concatenate([members, np.array([i for m in given for i in m])])
        sizes = np.concatenate([sizes, [len(m) for m in given]])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return TextItems(members.astype(np.int64), offsets, sigs, shingled)


def _bucket_pairs(
    keys: npt.NDArray[np.uint64], max_bucket: int
) -> tuple[IntArray, IntArray, int, int]:
    """Star and chain pairs inside each bucket of equal keys; also the oversize buckets."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    n = len(k)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, 0, 0
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, n))
    run_len = np.repeat(lengths, lengths)
    run_start = np.repeat(starts, lengths)
    big = lengths > max_bucket
    inner = (~new) & (run_len <= max_bucket)
    pos = np.flatnonzero(inner)
    first = order[run_start[pos]]
    prev = order[pos - 1]
    this = order[pos]
    a = np.concatenate([first, prev[prev != first]])
    b = np.concatenate([this, this[prev != first]])
    return a.astype(np.int64), b.astype(np.int64), int(big.sum()), int(lengths[big].sum())


def _unique_pairs(a: IntArray, b: IntArray, n: int) -> tuple[IntArray, IntArray]:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    code = distinct(lo[keep] * np.int64(n) + hi[keep])
    return code // n, code % n


def template_edges(items: TextItems, params: LinkParams, suppressed: list[Suppressed]) -> Edges:
    """Identical texts chained; then texts grouped by LSH band, verified by Jaccard."""
    same_a, same_b, _ = chained(items.members, items.offsets)
    n = len(items)
    empty = np.zeros(0, dtype=np.int64)
    a, b, sim = empty, empty, np.zeros(0, dtype=np.float64)
    if n >= 2:
        a, b, sim = _similar_texts(items, params, suppressed)
    first = items.first
    ok = sim >= params.template_threshold
    near = sim[ok]
    same = len(same_a)

    def why(k: int) -> str:
        return _fmt_template(1.0 if k < same else float(near[k - same]))

    return Edges(
        "template",
        np.concatenate([same_a, first[a[ok]]]),
        np.concatenate([same_b, first[b[ok]]]),
        why,
    )


def _similar_texts(
    items: TextItems, params: LinkParams, suppressed: list[Suppressed]
) -> tuple[IntArray, IntArray, npt.NDArray[np.float64]]:
    """Candidate pairs of items from the LSH bands, with their similarity."""
    n = len(items)
    bands = templates.band_keys(items.signatures, params.bands, params.rows)
    parts_a: list[IntArray] = []
    parts_b: list[IntArray] = []
    big_buckets = big_texts = 0
    for band in range(params.bands):
        a, b, nb, nt = _bucket_pairs(bands[:, band], params.max_bucket)
        parts_a.append(a)
        parts_b.append(b)
        big_buckets += nb
        big_texts += nt
    if big_buckets:
        suppressed.append(
            Suppressed(
                "template-bucket",
                f"{big_buckets} LSH buckets over {params.max_bucket} texts",
                big_texts,
                0,
            )
        )
    a, b = _unique_pairs(np.concatenate(parts_a), np.concatenate(parts_b), n)
    # Verify: exactly on the kept shingles where both are texts, else by the estimate.
    sim = templates.similarity(items.signatures, a, b)
    texts = len(items.kept.counts)
    both = np.flatnonzero((a < texts) & (b < texts))
    if len(both):
        # Shingle sets of the texts in a candidate pair only: a small share of them.
        involved = distinct(np.concatenate([a[both], b[both]]))
        jaccard = templates.ShingleSets.of(items.kept.take(involved)).jaccard
        at_a = np.searchsorted(involved, a[both]).tolist()
        at_b = np.searchsorted(involved, b[both]).tolist()
        for k, x, y in zip(both.tolist(), at_a, at_b, strict=True):
            sim[k] = jaccard(x, y)
    return a, b, sim


# ---- photos ----------------------------------------------------------------------


def photo_bands(max_bits: int) -> list[tuple[int, int]]:
    """Bit ranges such that two hashes at most ``max_bits`` apart differ in at most one
    bit of some range (pigeonhole): ceil((max_bits + 1) / 2) ranges over 64 bits."""
    m = max(1, (max_bits + 2) // 2)
    return [(i * 64 // m, (i + 1) * 64 // m) for i in range(m)]


def photo_pairs(values: npt.NDArray[np.uint64], max_bits: int) -> tuple[IntArray, IntArray]:
    """Pairs of distinct hashes at most ``max_bits`` apart, without comparing all pairs.

    Multi-index hashing: the hashes are grouped by the value of each bit range.
    A hash is paired with every other hash of its group, and with every hash of
    the groups one bit away in that range. Only the pairs found that way are
    compared. A group of more than ``_PHOTO_GROUP`` hashes (never seen in real
    pHashes) is chained, and probed through its first hash only, so that a
    skewed range cannot make the candidates quadratic.
    """
    n = len(values)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    idx = np.arange(n, dtype=np.int64)
    parts_a: list[IntArray] = []
    parts_b: list[IntArray] = []
    for lo, hi in photo_bands(max_bits):
        width = hi - lo
        v = (values >> np.uint64(lo)) & np.uint64((1 << width) - 1)
        order = np.argsort(v, kind="stable")
        sv = v[order]
        starts = np.flatnonzero(np.r_[True, sv[1:] != sv[:-1]])
        lengths = np.diff(np.r_[starts, n])
        big = lengths > _PHOTO_GROUP
        sizes = np.where(big, 1, lengths)  # how many of a group a hash is paired with
        # Within a group: every pair; a big group is chained.
        x, y = _pairs_within(starts, sizes)
        chained_ = np.flatnonzero(np.repeat(big, lengths)[1:] & (sv[1:] == sv[:-1]))
        parts_a.append(order[np.r_[x, chained_]])
        parts_b.append(order[np.r_[y, chained_ + 1]])
        # Groups one bit apart: each pair is found from the hash whose bit is 0.
        lookup = _band_index(sv, width)
        size_at = np.repeat(sizes, lengths)
        for bit in range(width):
            flip = np.uint64(1 << bit)
            probing = np.flatnonzero((v & flip) == 0)
            pos = lookup(v[probing] | flip)
            hit = pos >= 0
            probing, pos = probing[hit], pos[hit]
            count = size_at[pos]
            parts_a.append(order[np.repeat(pos, count) + _ramps(count)])
            parts_b.append(np.repeat(idx[probing], count))
    a, b = _unique_pairs(np.concatenate(parts_a), np.concatenate(parts_b), n)
    dist = np.bitwise_count(values[a] ^ values[b])
    ok = dist <= max_bits
    return a[ok], b[ok]


_PHOTO_GROUP = 1_000  # hashes sharing one bit range's value, before pairing all of them stops


def _ramps(counts: IntArray) -> IntArray:
    """0, 1, ..., c - 1 for each count c, concatenated."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def _pairs_within(starts: IntArray, sizes: IntArray) -> tuple[IntArray, IntArray]:
    """Every pair of positions inside each run ``starts[g] .. starts[g] + sizes[g] - 1``."""
    # Position p of a run pairs with the positions after it in the run.
    members = np.repeat(starts, sizes) + _ramps(sizes)
    after = np.repeat(starts + sizes, sizes) - members - 1
    first = np.repeat(members, after)
    return first, first + 1 + _ramps(after)


_TABLE_BITS = 24  # band values this narrow are looked up in a table (128 MB at most)


def _band_index(
    sorted_values: npt.NDArray[np.uint64], width: int
) -> Callable[[npt.NDArray[np.uint64]], IntArray]:
    """``lookup(probes)``: the position in ``sorted_values`` of the first equal value, or -1.

    A direct-address table when the band is narrow and well filled (one gather
    per probe), else a binary search: both give the same positions.
    """
    n = len(sorted_values)
    if width <= _TABLE_BITS and n * 64 >= 1 << width:
        table = np.full(1 << width, -1, dtype=np.int64)
        # Reversed, so that the first of equal values is the one written last.
        table[sorted_values[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)

        def from_table(probes: npt.NDArray[np.uint64]) -> IntArray:
            return table[probes]

        return from_table

    def by_search(probes: npt.NDArray[np.uint64]) -> IntArray:
        pos = np.searchsorted(sorted_values, probes)
        pos[pos == n] = n - 1
        return np.where(sorted_values[pos] == probes, pos, -1)

    return by_search


def photo_edges(table: KeyTable, params: LinkParams, suppressed: list[Suppressed]) -> Edges:
    """Records showing one exact hash chained; then hashes a few bits apart."""
    rows = np.flatnonzero(table.has_photo)
    hashes = table.photo[rows]
    distinct, inverse = np.unique(hashes, return_inverse=True)
    codes, old = first_seen(inverse)
    values = distinct[old]  # in order of first appearance
    order, offsets = runs(codes, len(values))
    sizes = np.diff(offsets)
    personas = np.zeros(len(values), dtype=np.int64)
    big = sizes > params.photo_max_personas
    if big.any():
        in_big = big[codes]
        personas = distinct_counts(codes[in_big], table.persona[rows[in_big]], len(values))
    over = personas > params.photo_max_personas
    for c in np.flatnonzero(over).tolist():
        suppressed.append(
            Suppressed("photo", f"{int(values[c]):016x}", int(sizes[c]), int(personas[c]))
        )
    keep = ~over
    same_a, same_b, _ = chained(rows[order], offsets, keep)
    reps = rows[order[offsets[:-1][keep]]]
    kept_values = values[keep]
    a, b = photo_pairs(kept_values, params.photo_max_bits)
    dist = np.bitwise_count(kept_values[a] ^ kept_values[b]).astype(np.int64)
    same = len(same_a)

    def why(k: int) -> str:
        return _fmt_photo(0 if k < same else int(dist[k - same]))

    return Edges("photo", np.concatenate([same_a, reps[a]]), np.concatenate([same_b, reps[b]]), why)


# ---- connect ---------------------------------------------------------------------


def _fmt_persona(name: str, ca: str, cb: str, how: str) -> str:
    orgs_txt = f"«{ca}»" if ca == cb else f"«{ca}» / «{cb}» ({how})"
    return f"same name «{name}» at {orgs_txt}"


def _fmt_template(s: float) -> str:
    if s >= 1.0:
        return "the same message text"
    return f"near-duplicate messages (about {s:.0%} of word 3-shingles shared)"


def _fmt_photo(bits: int) -> str:
    return "the same photo hash" if bits == 0 else f"photo hashes {bits} bits apart (of 64)"


def _exact(reason: str, label: str, groups: _Groups, values: Sequence[str]) -> Edges:
    """Chained records of every kept group of equal values."""
    a, b, code = chained(groups.order, groups.offsets, groups.keep)

    def why(k: int) -> str:
        return f"same {label}: {values[code[k]]}"

    return Edges(reason, a, b, why)


def connect(n: int, streams: Iterable[Edges]) -> tuple[UnionFind, list[tuple[int, int, str, str]]]:
    """Union-find over edge streams taken in order; returns the spanning links.

    An edge is kept when it joins two clusters; only then is its reason written.
    """
    uf = UnionFind(n)
    parent, size = uf.parent, uf.size
    spanning: list[tuple[int, int, str, str]] = []
    for edges in streams:
        a, b = edges.a.tolist(), edges.b.tolist()
        kept: list[int] = []
        for k in range(len(a)):
            # UnionFind.find and .union, inlined: this loop sees every edge.
            x = a[k]
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            y = b[k]
            while parent[y] != y:
                parent[y] = parent[parent[y]]
                y = parent[y]
            if x == y:
                continue
            if size[x] < size[y]:
                x, y = y, x
            parent[y] = x
            size[x] += size[y]
            kept.append(k)
        why, reason = edges.why, edges.reason
        spanning.extend((a[k], b[k], reason, why(k)) for k in kept)
    return uf, spanning


def edge_streams(
    grouped: _Grouped,
    fuzzy: list[tuple[int, int, tuple[str, str, str, str]]],
    photos: Edges,
    texts: Edges,
) -> Iterator[Edges]:
    """Every verified edge, by reason, strongest reason first."""
    table = grouped.table
    yield _exact("profile-url", "profile address", grouped.urls, table.url.values)
    a, b = _persona_edges(grouped)
    names, company = table.name, table.company

    def same_org(k: int) -> str:
        x, y = int(a[k]), int(b[k])
        return _fmt_persona(names.get(x), company.get(x), company.get(y), "same organisation")

    yield Edges("persona", a, b, same_org)
    yield Edges(
        "persona",
        np.array([e[0] for e in fuzzy], dtype=np.int64),
        np.array([e[1] for e in fuzzy], dtype=np.int64),
        lambda k: _fmt_persona(*fuzzy[k][2]),
    )
    for kind, label in (
        ("handle", "handle"),
        ("phone", "phone number"),
        ("email", "e-mail address"),
    ):
        values = table.exact[kind].value.values
        yield _exact(kind, label, grouped.identifiers[kind], values)
    yield photos
    yield texts
    yield _exact(
        "domain", "domain", grouped.identifiers["domain"], table.exact["domain"].value.values
    )
    cores = table.org.values
    a2, b2, code = chained(grouped.orgs.order, grouped.orgs.offsets, grouped.orgs.keep)
    yield Edges("organisation", a2, b2, lambda k: f"same uncommon organisation «{cores[code[k]]}»")


def assemble(
    ids: Sequence[str],
    uf: UnionFind,
    spanning: Sequence[tuple[int, int, str, str]],
    suppressed: Sequence[Suppressed],
) -> Linking:
    """Campaigns (clusters of two or more records) from the union-find and its spanning links."""
    n = len(ids)
    roots = np.array(uf.parent, dtype=np.int64)
    while True:  # pointer jumping: every record to its root (a few rounds: union by size)
        up = roots[roots]
        if np.array_equal(up, roots):
            break
        roots = up
    sizes = np.bincount(roots, minlength=n)
    rows = np.flatnonzero(sizes[roots] > 1)
    if len(rows) == 0:
        return Linking((), _sorted_suppressed(suppressed))
    # Ids in sorted order are ranks: sorting by rank is sorting by id.
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(np.array(ids), kind="stable")] = np.arange(n, dtype=np.int64)
    # Members of each campaign sorted by id; campaigns by size, then by their first id.
    rows = rows[np.lexsort((rank[rows], roots[rows]))]
    member_roots = roots[rows]
    starts = np.flatnonzero(np.r_[True, member_roots[1:] != member_roots[:-1]])
    lengths = np.diff(np.r_[starts, len(rows)])
    # Links of each campaign sorted as Link sorts (a, b, ...): a spanning set holds each
    # pair once, so the two ids decide. Campaign roots come in ascending order here too.
    i = np.array([s[0] for s in spanning], dtype=np.int64)
    j = np.array([s[1] for s in spanning], dtype=np.int64)
    swap = rank[i] > rank[j]
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    link_order = np.lexsort((rank[b], rank[a], roots[i]))
    link_starts = np.r_[0, np.cumsum(lengths - 1)]
    links = [
        Link(ids[x], ids[y], spanning[k][2], spanning[k][3])
        for k, x, y in zip(
            link_order.tolist(), a[link_order].tolist(), b[link_order].tolist(), strict=True
        )
    ]
    member_ids = [ids[r] for r in rows.tolist()]
    campaigns = [
        Campaign(
            "campaign:" + member_ids[s],
            tuple(member_ids[s : s + size]),
            tuple(links[ls : ls + size - 1]),
        )
        for s, size, ls in zip(
            starts.tolist(), lengths.tolist(), link_starts.tolist(), strict=False
        )
    ]
    by_order = np.lexsort((rank[rows[starts]], -lengths))
    return Linking(tuple(campaigns[c] for c in by_order.tolist()), _sorted_suppressed(suppressed))


def _sorted_suppressed(suppressed: Sequence[Suppressed]) -> tuple[Suppressed, ...]:
    return tuple(sorted(suppressed, key=lambda s: (s.kind, -s.records, s.value)))


class _Stages:
    """Reports how long each step took, when asked to (benchmarks); otherwise does nothing."""

    def __init__(
        self, report: Callable[[str, float], None] | None, clock: Callable[[], float]
    ) -> None:
        self.report = report
        self.clock = clock
        self.last = clock() if report else 0.0

    def __call__(self, stage: str) -> None:
        if self.report is not None:
            now = self.clock()
            self.report(stage, now - self.last)
            self.last = now


def link(
    records: Iterable[ApproachRecord],
    params: LinkParams = DEFAULT,
    *,
    on_stage: Callable[[str, float], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Linking:
    """Link approaches into campaigns; every union is justified by a recorded :class:`Link`.

    Record ids must be unique. The result depends only on the records, their
    order and ``params``. ``on_stage(name, seconds)`` is called after each step
    (for benchmarks).
    """
    with collector_paused():
        return _link(list(records), params, _Stages(on_stage, clock))


def _link(recs: list[ApproachRecord], params: LinkParams, stage: _Stages) -> Linking:
    ids = [r.id for r in recs]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dup = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
        raise ValueError(f"record id {dup!r} appears more than once; ids must be unique")
    streams, suppressed = candidate_edges(recs, params, stage)
    uf, spanning = connect(len(recs), streams)
    stage("connect: union-find")
    result = assemble(ids, uf, spanning, suppressed)
    stage("assemble campaigns")
    return result


def candidate_edges(
    records: Sequence[ApproachRecord],
    params: LinkParams = DEFAULT,
    stage: Callable[[str], None] = lambda name: None,
) -> tuple[list[Edges], list[Suppressed]]:
    """Map, group and verify: every edge that may join two records, strongest reason first.

    Also the values suppressed on the way. ``stage(name)`` is called after each step.
    """
    texts = factorise([r.text for r in records])
    table = key_table(records, extract=params.extract_identifiers, texts=texts)
    stage("map: keys and identifiers")
    suppressed: list[Suppressed] = []
    items = text_items(records, params, suppressed, texts)
    del texts
    stage("map: templates (tokens, MinHash)")
    exact = _group_exact(table, params, suppressed)
    stage("group: profile addresses, identifiers")
    photos = photo_edges(table, params, suppressed)
    stage("group+verify: photos")
    words = template_edges(items, params, suppressed)
    del items
    stage("group+verify: templates (LSH)")
    urls, identifiers = exact
    ties = [_exact("", "", urls, ()), photos, words]
    ties += [_exact("", "", identifiers[kind], ()) for kind in ("handle", "phone", "email")]
    grouped = _group_orgs(table, params, suppressed, exact, senders(table, ties))
    fuzzy = _fuzzy_orgs(grouped)
    stage("group+verify: organisations (senders)")
    return list(edge_streams(grouped, fuzzy, photos, words)), suppressed
