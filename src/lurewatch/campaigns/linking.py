"""Link approaches into campaigns: map, group, verify, connect.

The four steps are plain functions so that a distributed engine can run each
one where the data is (see docs/campaigns.md):

1. **map** (:func:`lurewatch.campaigns.keys.record_keys`, :func:`text_items`,
   :func:`lurewatch.campaigns.templates.signatures`): per record, its blocking
   keys; per distinct long text, its MinHash signature.
2. **group**: records sharing a key, texts sharing an LSH band, photo hashes
   sharing a band of bits. A key carried by too many personas (a big employer,
   a common domain) or too many records (a boilerplate text, a placeholder
   photo) is *suppressed*, listed in :attr:`Linking.suppressed`, and links
   nothing.
3. **verify**: each candidate pair is checked (organisations agree, texts
   similar enough, photos few enough bits apart). Within a group of equal keys
   the records are chained, never paired all with all.
4. **connect**: union-find over the verified edges, strongest reason first;
   an edge that joins two separate clusters becomes a :class:`Link` of the
   campaign, so each campaign keeps one link fewer than it has members.

No step compares all pairs: cost grows with the number of records plus the
size of the (capped) groups.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from lurewatch.matching import orgs

from . import templates
from .keys import RecordKeys, org_core, org_variants, record_keys
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
    max_org_personas: int = 10  # distinct names at one organisation before it is "common"
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


def _personas(keys: Sequence[RecordKeys], members: Sequence[int], *, by_name: bool = False) -> int:
    if by_name:
        return len({keys[i].name or keys[i].persona for i in members})
    return len({keys[i].persona for i in members})


@dataclass
class _Grouped:
    """The grouping step's output for the exact and organisation keys."""

    urls: dict[str, list[int]] = field(default_factory=dict)
    identifiers: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    orgs: dict[str, list[int]] = field(default_factory=dict)


def _group_keys(
    keys: Sequence[RecordKeys], params: LinkParams, suppressed: list[Suppressed]
) -> _Grouped:
    g = _Grouped()
    g.urls = {
        k: v
        for k, v in group((k.url, i) for i, k in enumerate(keys) if k.url).items()
        if len(v) > 1
    }
    caps = {
        "handle": params.max_identifier_personas,
        "phone": params.max_identifier_personas,
        "email": params.max_identifier_personas,
        "domain": params.max_domain_personas,
    }
    for kind in ("handle", "phone", "email", "domain"):
        grouped = group((v, i) for i, k in enumerate(keys) for kd, v in k.exact if kd == kind)
        kept: dict[str, list[int]] = {}
        for value, members in grouped.items():
            if len(members) < 2:
                continue
            n = _personas(keys, members)
            if n > caps[kind]:
                suppressed.append(Suppressed(kind, value, len(members), n))
            else:
                kept[value] = members
        g.identifiers[kind] = kept
    common = {c for c in (org_core(o) for o in params.common_orgs) if c}
    by_core = group((k.org, i) for i, k in enumerate(keys) if k.org)
    for core, members in by_core.items():
        n = _personas(keys, members, by_name=True)
        if core in common or n > params.max_org_personas:
            suppressed.append(Suppressed("organisation", core, len(members), n))
            common.add(core)
        else:
            g.orgs[core] = members
    # The domain of a common employer is as common as its name ("meridian.com" for
    # "Meridian Talent"), even where few of its recruiters wrote their address.
    prefixes = sorted(common)
    for value in list(g.identifiers["domain"]):
        label = value.split(".", 1)[0].replace("-", "")
        at = bisect.bisect_left(prefixes, label)
        if len(label) >= 4 and at < len(prefixes) and prefixes[at].startswith(label):
            members = g.identifiers["domain"].pop(value)
            suppressed.append(Suppressed("domain", value, len(members), _personas(keys, members)))
    return g


def _fuzzy_orgs(
    keys: Sequence[RecordKeys], cores: dict[str, list[int]]
) -> tuple[list[Edge], list[Edge]]:
    """Organisations one keystroke apart ("BR-YR" / "BP-YR"): persona and organisation edges."""
    candidates: dict[str, list[str]] = {}
    for c in cores:
        for v in (c, *org_variants(c)):
            candidates.setdefault(v, []).append(c)
    persona: list[Edge] = []
    organisation: list[Edge] = []
    seen: set[tuple[str, str]] = set()
    for v in sorted(v for v, cs in candidates.items() if len(cs) > 1):
        cs = sorted(set(candidates[v]))
        if len(cs) < 2 or len(cs) > 50:
            continue
        for p in range(len(cs)):
            for q in range(p + 1, len(cs)):
                a, b = cs[p], cs[q]
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                ra, rb = cores[a][0], cores[b][0]
                agreement = orgs.compare(keys[ra].company, keys[rb].company)
                if agreement is None:
                    continue
                names_a = {keys[i].name: i for i in reversed(cores[a]) if keys[i].name}
                both = sorted(
                    n for n in {keys[i].name for i in cores[b] if keys[i].name} if n in names_a
                )
                detail = (keys[ra].company, keys[rb].company, agreement.how)
                if both:
                    x = names_a[both[0]]
                    y = next(i for i in cores[b] if keys[i].name == both[0])
                    x, y = min(x, y), max(x, y)
                    how = (keys[x].company, keys[y].company, agreement.how)
                    persona.append((x, y, (both[0], *how)))
                else:
                    # One letter apart alone is not enough: among thousands of small
                    # firms many names are a keystroke apart. Kept for reference only.
                    organisation.append((ra, rb, detail))
    return persona, organisation


def _persona_edges(keys: Sequence[RecordKeys], cores: dict[str, list[int]]) -> Iterator[Edge]:
    """Records at one (uncommon) organisation under the same name key: chained."""
    for members in cores.values():
        by_name = group((keys[i].name, i) for i in members if keys[i].name)
        for name, same in by_name.items():
            for x, y in itertools.pairwise(same):
                yield x, y, (name, keys[x].company, keys[y].company, "same organisation")


# ---- templates -------------------------------------------------------------------


@dataclass
class TextItems:
    """Distinct long texts (or given signatures) and the records that carry each."""

    members: list[list[int]]
    signatures: npt.NDArray[np.uint32]
    # Kept shingles of the first ``len(sets.offsets) - 1`` items (texts); items after them
    # came as signatures only and are compared by the MinHash estimate.
    sets: templates.ShingleSets


def text_items(
    records: Sequence[ApproachRecord], params: LinkParams, suppressed: list[Suppressed]
) -> TextItems:
    """Map step for templates: normalise, skip short texts, de-duplicate, sign."""
    by_text: dict[str, list[int]] = {}
    tokens_of: dict[str, list[str]] = {}
    by_sig: dict[tuple[int, ...], list[int]] = {}
    for i, r in enumerate(records):
        if r.signature is not None:
            if len(r.signature) != params.num_perm:
                raise ValueError(
                    f"record {r.id!r}: signature has {len(r.signature)} values, "
                    f"the linking parameters expect num_perm={params.num_perm}"
                )
            by_sig.setdefault(tuple(r.signature), []).append(i)
            continue
        if not r.text:
            continue
        toks = templates.words(r.text)
        if len(toks) < params.shingle:
            continue
        key = " ".join(toks)
        bucket = by_text.get(key)
        if bucket is None:
            by_text[key] = [i]
            tokens_of[key] = toks
        else:
            bucket.append(i)
    # Every message counts towards how common a phrase is; only long ones can be templates.
    all_members = list(by_text.values())
    all_tokens = list(tokens_of.values())
    shingled = templates.shingle_texts(all_tokens, shingle=params.shingle)
    weights = np.array([len(m) for m in all_members], dtype=np.int64)
    drop = templates.common_shingles(shingled, params.max_shingle_texts, weights=weights)
    owner = np.repeat(np.arange(len(all_tokens), dtype=np.int32), shingled.counts)
    kept = np.bincount(owner[~drop], minlength=len(all_tokens))
    del owner, tokens_of
    long = np.array([len(t) >= params.min_words for t in all_tokens], dtype=bool)
    often = weights > params.max_text_records
    for i in np.flatnonzero(long & often).tolist():
        suppressed.append(Suppressed("template", " ".join(all_tokens[i])[:80], int(weights[i]), 0))
    enough = kept >= params.min_kept_shingles
    boiler = int((long & ~often & ~enough).sum())
    if boiler:
        suppressed.append(
            Suppressed(
                "template-boilerplate", f"{boiler} texts of mostly common phrases", boiler, 0
            )
        )
    use = long & ~often & enough
    keep_text = np.repeat(use, shingled.counts)
    shingled = templates.Shingled(shingled.hashes[keep_text], shingled.counts[use])
    drop = drop[keep_text]
    members = [m for m, ok in zip(all_members, use.tolist(), strict=True) if ok]
    sigs = templates.signatures(shingled, num_perm=params.num_perm, seed=params.seed, drop=drop)
    sets = templates.ShingleSets.of(shingled, drop)
    given = [m for m in by_sig.values() if len(m) <= params.max_text_records]
    if given:
        extra = np.array([records[m[0]].signature for m in given], dtype=np.uint32)
        sigs = np.concatenate([sigs, extra])
        members.extend(given)
    return TextItems(members, sigs, sets)


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
    code = np.unique(lo[keep] * np.int64(n) + hi[keep])
    return code // n, code % n


def template_edges(
    items: TextItems, params: LinkParams, suppressed: list[Suppressed]
) -> list[Edge]:
    """Group texts by LSH band, verify candidates by estimated Jaccard; edges between records."""
    edges: list[Edge] = []
    for m in items.members:
        edges.extend(chain(m, 1.0))
    n = len(items.members)
    if n < 2:
        return edges
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
    texts = len(items.sets.offsets) - 1
    jaccard = items.sets.jaccard
    both = (a < texts) & (b < texts)
    for k in np.flatnonzero(both).tolist():
        sim[k] = jaccard(int(a[k]), int(b[k]))
    ok = sim >= params.template_threshold
    for x, y, s in zip(a[ok].tolist(), b[ok].tolist(), sim[ok].tolist(), strict=True):
        edges.append((items.members[x][0], items.members[y][0], s))
    return edges


# ---- photos ----------------------------------------------------------------------


def photo_bands(max_bits: int) -> list[tuple[int, int]]:
    """Bit ranges such that two hashes at most ``max_bits`` apart differ in at most one
    bit of some range (pigeonhole): ceil((max_bits + 1) / 2) ranges over 64 bits."""
    m = max(1, (max_bits + 2) // 2)
    return [(i * 64 // m, (i + 1) * 64 // m) for i in range(m)]


def photo_pairs(values: npt.NDArray[np.uint64], max_bits: int) -> tuple[IntArray, IntArray]:
    """Pairs of distinct hashes at most ``max_bits`` apart, without comparing all pairs.

    Multi-index hashing: each hash is indexed under each bit range exactly; it is
    looked up under each range exactly and with each single bit flipped. Only
    the pairs found that way are compared.
    """
    n = len(values)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    idx = np.arange(n, dtype=np.int64)
    parts_a: list[IntArray] = []
    parts_b: list[IntArray] = []
    for band, (lo, hi) in enumerate(photo_bands(max_bits)):
        width = hi - lo
        tag = np.uint64(band) << np.uint64(56)
        v = ((values >> np.uint64(lo)) & np.uint64((1 << width) - 1)) | tag
        order = np.argsort(v, kind="stable")
        sv = v[order]
        # Equal band values: chain them (their full distance is checked below).
        same = np.flatnonzero(sv[1:] == sv[:-1])
        parts_a.append(order[same])
        parts_b.append(order[same + 1])
        for bit in range(width):
            probe = v ^ np.uint64(1 << bit)
            pos = np.searchsorted(sv, probe)
            pos[pos == n] = n - 1
            hit = sv[pos] == probe
            parts_a.append(order[pos[hit]])
            parts_b.append(idx[hit])
    a, b = _unique_pairs(np.concatenate(parts_a), np.concatenate(parts_b), n)
    dist = np.bitwise_count(values[a] ^ values[b])
    ok = dist <= max_bits
    return a[ok], b[ok]


def photo_edges(
    keys: Sequence[RecordKeys], params: LinkParams, suppressed: list[Suppressed]
) -> list[Edge]:
    by_hash: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        if k.photo is not None:
            by_hash.setdefault(k.photo, []).append(i)
    edges: list[Edge] = []
    reps: list[int] = []
    values: list[int] = []
    for h, members in by_hash.items():
        personas = _personas(keys, members) if len(members) > params.photo_max_personas else 0
        if personas > params.photo_max_personas:
            suppressed.append(Suppressed("photo", f"{h:016x}", len(members), personas))
            continue
        edges.extend(chain(members, 0))
        reps.append(members[0])
        values.append(h)
    arr = np.array(values, dtype=np.uint64)
    a, b = photo_pairs(arr, params.photo_max_bits)
    dist = np.bitwise_count(arr[a] ^ arr[b]) if len(a) else np.empty(0, dtype=np.uint8)
    for x, y, d in zip(a.tolist(), b.tolist(), dist.tolist(), strict=True):
        edges.append((reps[x], reps[y], d))
    return edges


# ---- connect ---------------------------------------------------------------------


def _fmt_exact(kind: str) -> Callable[[object], str]:
    return lambda v: f"same {kind}: {v}"


def _fmt_persona(v: object) -> str:
    assert isinstance(v, tuple)
    name, ca, cb, how = (str(x) for x in v)
    orgs_txt = f"«{ca}»" if ca == cb else f"«{ca}» / «{cb}» ({how})"
    return f"same name «{name}» at {orgs_txt}"


def _fmt_org(v: object) -> str:
    if isinstance(v, tuple):
        ca, cb, how = v
        return f"organisations «{ca}» / «{cb}»: {how}"
    return f"same uncommon organisation «{v}»"


def _fmt_template(v: object) -> str:
    s = float(v)  # type: ignore[arg-type]
    if s >= 1.0:
        return "the same message text"
    return f"near-duplicate messages (about {s:.0%} of word 3-shingles shared)"


def _fmt_photo(v: object) -> str:
    return "the same photo hash" if v == 0 else f"photo hashes {v} bits apart (of 64)"


def connect(
    n: int, streams: Iterable[tuple[str, Callable[[object], str], Iterable[Edge]]]
) -> tuple[UnionFind, list[tuple[int, int, str, str]]]:
    """Union-find over edge streams taken in order; returns the spanning links."""
    uf = UnionFind(n)
    spanning: list[tuple[int, int, str, str]] = []
    for reason, fmt, edges in streams:
        union = uf.union
        for i, j, arg in edges:
            if union(i, j):
                spanning.append((i, j, reason, fmt(arg)))
    return uf, spanning


def edge_streams(
    keys: Sequence[RecordKeys],
    grouped: _Grouped,
    fuzzy: tuple[list[Edge], list[Edge]],
    photos: list[Edge],
    texts: list[Edge],
) -> Iterator[tuple[str, Callable[[object], str], Iterable[Edge]]]:
    """Every verified edge, by reason, strongest reason first."""
    yield (
        "profile-url",
        _fmt_exact("profile address"),
        (e for url, m in grouped.urls.items() for e in chain(m, url)),
    )
    yield "persona", _fmt_persona, _persona_edges(keys, grouped.orgs)
    yield "persona", _fmt_persona, fuzzy[0]
    for kind, label in (
        ("handle", "handle"),
        ("phone", "phone number"),
        ("email", "e-mail address"),
    ):
        yield (
            kind,
            _fmt_exact(label),
            (e for v, m in grouped.identifiers[kind].items() for e in chain(m, v)),
        )
    yield "photo", _fmt_photo, photos
    yield "template", _fmt_template, texts
    yield (
        "domain",
        _fmt_exact("domain"),
        (e for v, m in grouped.identifiers["domain"].items() for e in chain(m, v)),
    )
    yield "organisation", _fmt_org, (e for core, m in grouped.orgs.items() for e in chain(m, core))


def assemble(
    ids: Sequence[str],
    uf: UnionFind,
    spanning: Sequence[tuple[int, int, str, str]],
    suppressed: Sequence[Suppressed],
) -> Linking:
    """Campaigns (clusters of two or more records) from the union-find and its spanning links."""
    find, size = uf.find, uf.size
    roots = [find(i) for i in range(len(ids))]
    members: dict[int, list[str]] = {}
    for rid, root in zip(ids, roots, strict=True):
        if size[root] > 1:
            ms = members.get(root)
            if ms is None:
                members[root] = [rid]
            else:
                ms.append(rid)
    links: dict[int, list[Link]] = {}
    for i, j, reason, detail in spanning:
        a, b = (ids[i], ids[j]) if ids[i] <= ids[j] else (ids[j], ids[i])
        links.setdefault(roots[i], []).append(Link(a, b, reason, detail))
    campaigns = []
    for root, ms in members.items():
        ms.sort()
        campaigns.append(Campaign("campaign:" + ms[0], tuple(ms), tuple(sorted(links[root]))))
    campaigns.sort(key=lambda c: (-len(c.members), c.id))
    sup = tuple(sorted(suppressed, key=lambda s: (s.kind, -s.records, s.value)))
    return Linking(tuple(campaigns), sup)


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
    stage = _Stages(on_stage, clock)
    recs = list(records)
    ids = [r.id for r in recs]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dup = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
        raise ValueError(f"record id {dup!r} appears more than once; ids must be unique")
    keys = [record_keys(r, extract=params.extract_identifiers) for r in recs]
    stage("map: keys and identifiers")
    suppressed: list[Suppressed] = []
    items = text_items(recs, params, suppressed)
    stage("map: templates (tokens, MinHash)")
    grouped = _group_keys(keys, params, suppressed)
    fuzzy = _fuzzy_orgs(keys, grouped.orgs)
    stage("group+verify: keys, organisations")
    photos = photo_edges(keys, params, suppressed)
    stage("group+verify: photos")
    texts = template_edges(items, params, suppressed)
    stage("group+verify: templates (LSH)")
    uf, spanning = connect(len(recs), edge_streams(keys, grouped, fuzzy, photos, texts))
    stage("connect: union-find")
    result = assemble(ids, uf, spanning, suppressed)
    stage("assemble campaigns")
    return result
