"""What one campaign's approaches share: its personas and the artefacts that link them.

The campaign graph, the campaign alert and the STIX export all start here, so
the three say the same thing about a campaign.

**Personas** are the counterparties: records with the same persona key
(:func:`lurewatch.campaigns.keys.record_keys`), or joined by a ``profile-url``
or ``persona`` link, are one persona. Spelling variants of the name and the
organisation stay together as aliases.

**Artefacts** are the values that link records of the campaign: a template
cluster, a photo (hashes a few bits apart), a handle, phone number, e-mail
address or domain, a front organisation. An artefact is a value that two or
more member records carry, which is exactly when the linking step made an edge
for it, unless the value was too common to link on (pass the
:class:`~lurewatch.campaigns.model.Linking` so its ``suppressed`` values are
left out). A value seen in one record only is a coincidence and is never an
artefact. The campaign's spanning links are not enough on their own: they keep
one link per union, strongest reason first, so a template that three records of
one persona share is not among them (the profile address joined those records
first). ``Artefact.linked`` says whether a spanning link names the artefact.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from . import templates
from .keys import RecordKeys, record_keys
from .linking import DEFAULT, LinkParams, UnionFind
from .model import ApproachRecord, Campaign, Linking

# Artefact kinds, in the order they are listed and drawn.
ARTEFACT_KINDS = ("template", "photo", "handle", "phone", "email", "domain", "organisation")
_MESSENGER_WORDS = {
    "wechat": "wechat",
    "weixin": "wechat",
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "signal": "signal",
}
# Campaigns are small, but a pathological one must not make pairwise template checks
# quadratic in thousands of texts: above this, only the recorded template links count.
_MAX_TEXTS = 400


@dataclass(frozen=True, slots=True)
class CampaignPersona:
    """One counterparty of the campaign, with every spelling it used.

    ``names`` and ``companies`` are as written, most frequent first;
    ``profile_urls`` are canonical (``linkedin.com/in/x``); ``name`` is the first
    of ``names`` ("" when no record names it).
    """

    key: str  # "persona-1", "persona-2", ... in order of first approach
    names: tuple[str, ...]
    companies: tuple[str, ...]
    profile_urls: tuple[str, ...]
    records: tuple[str, ...]
    targets: tuple[str, ...]
    first: dt.datetime
    last: dt.datetime

    @property
    def name(self) -> str:
        return self.names[0] if self.names else ""

    @property
    def company(self) -> str:
        return self.companies[0] if self.companies else ""


@dataclass(frozen=True, slots=True)
class Artefact:
    """A value that two or more approaches of the campaign share.

    ``value`` is normalised (a handle without ``@``, a phone in E.164, a photo
    hash as 16 hex digits, an organisation and a template as written most
    often / most typically); ``values`` adds the variants (other photo hashes of
    the cluster, other spellings of the organisation). ``messenger`` names the
    app a handle was given for when the text says (``wechat``, ...).
    """

    kind: str  # one of ARTEFACT_KINDS
    value: str
    values: tuple[str, ...]
    records: tuple[str, ...]
    personas: tuple[str, ...]  # CampaignPersona keys
    linked: bool  # a spanning link of the campaign gives this reason for these records
    first: dt.datetime
    last: dt.datetime
    messenger: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


# The artefact factory each finder is given: (kind, values, record ids[, messenger]).
_Make = Callable[..., Artefact]


@dataclass(frozen=True, slots=True)
class Anatomy:
    """A campaign taken apart: its records by time, personas, targets and artefacts."""

    campaign: Campaign
    records: tuple[ApproachRecord, ...]
    personas: tuple[CampaignPersona, ...]
    targets: tuple[str, ...]  # opaque target keys, in order of first approach
    artefacts: tuple[Artefact, ...]
    first: dt.datetime
    last: dt.datetime

    def persona_of(self, record_id: str) -> CampaignPersona:
        return next(p for p in self.personas if record_id in p.records)


def as_utc_naive(when: dt.date | dt.datetime) -> dt.datetime:
    """A record's time on one clock: aware times in UTC, dates at midnight, naive as given."""
    if isinstance(when, dt.datetime):
        if when.tzinfo is not None and when.utcoffset() is not None:
            return when.astimezone(dt.UTC).replace(tzinfo=None)
        return when
    return dt.datetime(when.year, when.month, when.day)


def _ranked(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct non-empty values, most frequent first, then in order of first use."""
    seen = [v for v in values if v]
    counts = Counter(seen)
    order = {v: i for i, v in reversed(list(enumerate(seen)))}
    return tuple(sorted(counts, key=lambda v: (-counts[v], order[v])))


def anatomy(
    campaign: Campaign,
    records: Iterable[ApproachRecord],
    linking: Linking | None = None,
    *,
    params: LinkParams = DEFAULT,
) -> Anatomy:
    """Take ``campaign`` apart. ``records`` may hold more than its members (they are
    ignored); every member must be there. With ``linking``, values it suppressed as too
    common are never artefacts."""
    wanted = set(campaign.members)
    found = {r.id: r for r in records if r.id in wanted}
    missing = sorted(wanted - found.keys())
    if missing:
        raise ValueError(
            f"{campaign.id}: no record for member(s) {', '.join(missing[:5])}; "
            "pass every member's ApproachRecord"
        )
    recs = sorted(found.values(), key=lambda r: (as_utc_naive(r.when), r.id))
    keys = {r.id: record_keys(r, extract=params.extract_identifiers) for r in recs}
    suppressed = {(s.kind, s.value) for s in linking.suppressed} if linking else set()
    personas, persona_of = _personas(campaign, recs, keys)
    targets = tuple(dict.fromkeys(r.target for r in recs))
    by_id = {r.id: r for r in recs}
    link_pairs: dict[str, set[tuple[str, str]]] = {}
    for lk in campaign.links:
        link_pairs.setdefault(lk.reason, set()).add((lk.a, lk.b))

    def make(
        kind: str, values: Sequence[str], members: Iterable[str], messenger: str = ""
    ) -> Artefact:
        ids = sorted(set(members), key=lambda i: (as_utc_naive(by_id[i].when), i))
        pairs = link_pairs.get(kind, set())
        inside = set(ids)
        linked = any(a in inside and b in inside for a, b in pairs)
        times = [as_utc_naive(by_id[i].when) for i in ids]
        return Artefact(
            kind=kind,
            value=values[0],
            values=tuple(values),
            records=tuple(ids),
            personas=tuple(dict.fromkeys(persona_of[i] for i in ids)),
            linked=linked,
            first=min(times),
            last=max(times),
            messenger=messenger,
        )

    out: list[Artefact] = []
    out.extend(_templates(recs, campaign, params, make))
    out.extend(_photos(recs, keys, params, suppressed, make))
    for kind in ("handle", "phone", "email", "domain"):
        carriers: dict[str, list[str]] = {}
        for r in recs:
            for kd, v in keys[r.id].exact:
                if kd == kind:
                    carriers.setdefault(v, []).append(r.id)
        for value, ids in carriers.items():
            if len(ids) < 2 or (kind, value) in suppressed:
                continue
            messenger = _messenger(value, [by_id[i].text for i in ids]) if kind == "handle" else ""
            out.append(make(kind, [value], ids, messenger))
    out.extend(_organisations(recs, keys, campaign, suppressed, make))
    order = {k: i for i, k in enumerate(ARTEFACT_KINDS)}
    out.sort(key=lambda a: (order[a.kind], -len(a.records), a.value))
    times = [as_utc_naive(r.when) for r in recs]
    return Anatomy(campaign, tuple(recs), personas, targets, tuple(out), min(times), max(times))


def _personas(
    campaign: Campaign, recs: Sequence[ApproachRecord], keys: dict[str, RecordKeys]
) -> tuple[tuple[CampaignPersona, ...], dict[str, str]]:
    pos = {r.id: i for i, r in enumerate(recs)}
    uf = UnionFind(len(recs))
    first_with: dict[str, int] = {}
    for r in recs:
        k = keys[r.id].persona
        if k in first_with:
            uf.union(first_with[k], pos[r.id])
        else:
            first_with[k] = pos[r.id]
    for lk in campaign.links:
        if lk.reason in ("profile-url", "persona") and lk.a in pos and lk.b in pos:
            uf.union(pos[lk.a], pos[lk.b])
    groups: dict[int, list[ApproachRecord]] = {}
    for r in recs:  # by time, so personas are numbered in order of first approach
        groups.setdefault(uf.find(pos[r.id]), []).append(r)
    personas = []
    persona_of: dict[str, str] = {}
    for n, members in enumerate(groups.values(), start=1):
        key = f"persona-{n}"
        times = [as_utc_naive(r.when) for r in members]
        personas.append(
            CampaignPersona(
                key=key,
                names=_ranked(" ".join(r.name.split()) for r in members),
                companies=_ranked(" ".join(r.company.split()) for r in members),
                profile_urls=_ranked(keys[r.id].url or r.profile_url.strip() for r in members),
                records=tuple(r.id for r in members),
                targets=tuple(dict.fromkeys(r.target for r in members)),
                first=min(times),
                last=max(times),
            )
        )
        persona_of.update((r.id, key) for r in members)
    return tuple(personas), persona_of


def _shingles(text: str, size: int) -> frozenset[tuple[str, ...]]:
    toks = templates.words(text)
    return frozenset(tuple(toks[i : i + size]) for i in range(len(toks) - size + 1))


def _templates(
    recs: Sequence[ApproachRecord], campaign: Campaign, params: LinkParams, make: _Make
) -> list[Artefact]:
    """Clusters of near-duplicate texts: the campaign's template links, plus pairs of member
    texts at the linking threshold (Jaccard of word shingles), which the spanning links may
    not show."""
    pos = {r.id: i for i, r in enumerate(recs)}
    uf = UnionFind(len(recs))
    in_template = [False] * len(recs)
    for lk in campaign.links:
        if lk.reason == "template" and lk.a in pos and lk.b in pos:
            uf.union(pos[lk.a], pos[lk.b])
            in_template[pos[lk.a]] = in_template[pos[lk.b]] = True
    sets: dict[int, frozenset[tuple[str, ...]]] = {}
    for i, r in enumerate(recs):
        if r.text and len(templates.words(r.text)) >= params.min_words:
            sets[i] = _shingles(r.text, params.shingle)
    if len(sets) <= _MAX_TEXTS:
        for i, j in itertools.combinations(sorted(sets), 2):
            a, b = sets[i], sets[j]
            union = len(a | b)
            if union and len(a & b) / union >= params.template_threshold:
                uf.union(i, j)
                in_template[i] = in_template[j] = True
    clusters: dict[int, list[int]] = {}
    for i in range(len(recs)):
        if in_template[i]:
            clusters.setdefault(uf.find(i), []).append(i)
    out = []
    for members in clusters.values():
        with_text = [i for i in members if i in sets] or [i for i in members if recs[i].text]
        if len(members) < 2 or not with_text:
            continue  # signatures only: the text is not ours to show

        def closeness(i: int, with_text: list[int] = with_text) -> float:
            a = sets.get(i, frozenset())
            total = 0.0
            for j in with_text:
                b = sets.get(j, frozenset())
                if j != i and (a or b):
                    total += len(a & b) / len(a | b)
            return total

        # The medoid: the text closest to all the others is the most typical wording.
        best = max(with_text, key=lambda i: (closeness(i), -i))
        text = " ".join(recs[best].text.split())
        out.append(make("template", [text], [recs[i].id for i in members]))
    return out


def _photos(
    recs: Sequence[ApproachRecord],
    keys: dict[str, RecordKeys],
    params: LinkParams,
    suppressed: set[tuple[str, str]],
    make: _Make,
) -> list[Artefact]:
    """Photos a few bits apart (within a campaign, comparing all pairs is cheap)."""
    hashes: dict[int, list[str]] = {}
    for r in recs:
        h = keys[r.id].photo
        if h is not None and ("photo", f"{h:016x}") not in suppressed:
            hashes.setdefault(h, []).append(r.id)
    values = list(hashes)
    uf = UnionFind(len(values))
    for i, j in itertools.combinations(range(len(values)), 2):
        if (values[i] ^ values[j]).bit_count() <= params.photo_max_bits:
            uf.union(i, j)
    clusters: dict[int, list[int]] = {}
    for i in range(len(values)):
        clusters.setdefault(uf.find(i), []).append(i)
    out = []
    for members in clusters.values():
        ids = [rid for i in members for rid in hashes[values[i]]]
        if len(ids) < 2:
            continue
        ranked = sorted(members, key=lambda i: (-len(hashes[values[i]]), values[i]))
        out.append(make("photo", [f"{values[i]:016x}" for i in ranked], ids))
    return out


def _organisations(
    recs: Sequence[ApproachRecord],
    keys: dict[str, RecordKeys],
    campaign: Campaign,
    suppressed: set[tuple[str, str]],
    make: _Make,
) -> list[Artefact]:
    """Uncommon organisation cores carried by two or more records; spellings one letter
    apart join through the campaign's persona and organisation links."""
    cores = sorted({keys[r.id].org for r in recs if keys[r.id].org})
    at = {c: i for i, c in enumerate(cores)}
    uf = UnionFind(len(cores))
    for lk in campaign.links:
        if lk.reason in ("persona", "organisation"):
            ca, cb = keys.get(lk.a), keys.get(lk.b)
            if ca and cb and ca.org in at and cb.org in at:
                uf.union(at[ca.org], at[cb.org])
    groups: dict[int, list[str]] = {}
    for r in recs:
        core = keys[r.id].org
        if core and ("organisation", core) not in suppressed:
            groups.setdefault(uf.find(at[core]), []).append(r.id)
    by_id = {r.id: r for r in recs}
    out = []
    for ids in groups.values():
        if len(ids) < 2:
            continue
        spellings = _ranked(" ".join(by_id[i].company.split()) for i in ids)
        out.append(make("organisation", list(spellings), ids))
    return out


def _messenger(handle: str, texts: Sequence[str]) -> str:
    """The app a handle was given for, when the texts name one next to it ("WeChat: x")."""
    pattern = re.compile(
        r"\b(" + "|".join(_MESSENGER_WORDS) + r")\b[^\n]{0,40}?@?" + re.escape(handle) + r"\b",
        re.IGNORECASE,
    )
    apps = Counter(
        _MESSENGER_WORDS[m.group(1).casefold()] for t in texts for m in pattern.finditer(t)
    )
    if not apps:
        return ""
    return sorted(apps, key=lambda a: (-apps[a], a))[0]
