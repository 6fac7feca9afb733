"""The map step: what one record can be linked on, computed from that record alone.

Everything is normalised with the project's own code: profile addresses by
:func:`lurewatch.identity.canon_profile_url`, names by
:func:`lurewatch.matching.names.key` (romanisation variants and word order
fold together), organisations by :func:`lurewatch.matching.orgs.core` (legal
suffixes and trade words dropped), identifiers by
:mod:`lurewatch.matching.identifiers`, text by :mod:`lurewatch.textnorm`.

:func:`record_keys` gives one record's keys; :func:`key_table` gives the same
keys for many records as columns (arrays of codes), normalising each distinct
value once. The linking step uses the columns; ``tests/campaigns`` checks that
the two agree.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from lurewatch.detectors.email_headers import is_free_mail, organisation_domain
from lurewatch.identity import canon_profile_url
from lurewatch.matching import identifiers, names, orgs
from lurewatch.matching.identifiers import _DIGITS, _EMAIL, _URL

from .model import ApproachRecord

# Employers that say nothing about who someone works for.
NON_EMPLOYERS = frozenset(
    (
        "selfemployed selfemploy freelance freelancer freelancing independent retired student "
        "unemployed confidential stealth stealthstartup private various none na nil unknown "
        "opentowork lookingforopportunities openforwork own ownbusiness myself personal home"
    ).split()
)
# Domains of platforms and services everyone links to: sharing one is no link.
PLATFORM_DOMAINS = frozenset(
    (
        "linkedin.com lnkd.in wechat.com weixin.qq.com whatsapp.com wa.me t.me telegram.me "
        "telegram.org signal.org signal.me zoom.us teams.microsoft.com microsoft.com "
        "calendly.com google.com docs.google.com drive.google.com forms.gle dropbox.com "
        "bit.ly tinyurl.com youtube.com twitter.com x.com facebook.com instagram.com "
        "skype.com line.me viber.com"
    ).split()
)
_MESSENGER = re.compile(
    r"\b(?:wechat|weixin|whatsapp|telegram|signal|skype|viber|kakaotalk)\b"
    r"(?P<mid>(?:\s*[:=]|\s+(?:my|me|id|is|handle|username|user|name|account|number|no\.?|at|on|via))*)"
    r"\s*(?P<handle>@?[A-Za-z][\w.\-]{2,40})",
    re.IGNORECASE,
)
# Where a phone number can be: _DIGITS matches only these characters, and eight or more.
_NUMBER_RUN = re.compile(r"[+\d][\d\s().+\-]{7,}")
_NOT_DIGIT_BYTES = bytes(b for b in range(128) if not 0x30 <= b <= 0x39)
_MESSENGER_WORD = re.compile("wechat|weixin|whatsapp|telegram|signal|skype|viber|kakao")
_AT_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z][\w.]{2,40})")


def identifiers_in(text: str) -> dict[str, set[str]]:
    """Handles, phones, e-mail addresses and domains written in a message.

    A handle counts only where the text presents one: after a messenger's name
    with ``:``, ``ID`` or similar ("WeChat: amy_br88", "my WeChat ID is amybr"),
    or as a Telegram-style ``@name``. Free-mail and platform domains are left out.
    """
    out: dict[str, set[str]] = {"handle": set(), "phone": set(), "email": set(), "domain": set()}
    at = text.find("@")
    if at >= 0:
        # An address has at most 64 characters before its "@": start scanning there.
        for m in _EMAIL.finditer(text, max(0, at - 64)):
            e = identifiers.email(m.group())
            if e:
                out["email"].add(e)
                _add_domain(out["domain"], e.split("@", 1)[1])
        for m in _AT_HANDLE.finditer(text):
            h = identifiers.handle(m.group(1).rstrip("."))
            if h:
                out["handle"].add(h)
    if "://" in text or "www." in text or "WWW." in text:
        for m in _URL.finditer(text):
            u = canon_profile_url(m.group().rstrip(".,;:!?"))
            if u:
                _add_domain(out["domain"], u.split("/", 1)[0])
    # A phone number has eight digits or more, so a text with fewer has none. They are
    # counted in C on the UTF-8 bytes, where each byte of a non-ASCII character counts
    # (it may be a digit of another script). Most messages stop here.
    if len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_DIGIT_BYTES)) >= 8:
        # A number lies within a run of digits, spaces and ( ) . - +: only such runs of
        # eight characters or more are scanned.
        for run in _NUMBER_RUN.finditer(text):
            for m in _DIGITS.finditer(text, run.start(), run.end()):
                p = identifiers.phone(m.group())
                if p and len(p.lstrip("+")) >= 8:
                    out["phone"].add(p)
    if _MESSENGER_WORD.search(text.lower()):
        for m in _MESSENGER.finditer(text):
            raw = m.group("handle").rstrip(".-")
            mid = m.group("mid").lower()
            explicit = any(w in mid for w in (":", "=", "id", "handle", "user", "account"))
            if not explicit and not re.search(r"[\d_.]", raw):
                continue  # "on WeChat or by mail": a word, not a handle
            if raw[:1] != "@" and raw.replace("+", "").isdigit():
                continue
            h = identifiers.handle(raw)
            if h and h not in _NOT_HANDLES:
                out["handle"].add(h)
    return out


_NOT_HANDLES = frozenset(
    "the and you your our for with this that please contact add send message chat call me "
    "number account details app".split()
)


def _add_domain(into: set[str], value: str) -> None:
    d = identifiers.domain(value)
    if not d:
        return
    d = organisation_domain(d)
    if is_free_mail(d) or d in PLATFORM_DOMAINS:
        return
    into.add(d)


@lru_cache(maxsize=262_144)
def name_key(name: str) -> str:
    """Canonical name words, sorted ("" for a single word or none: too weak to link)."""
    k = names.key(name)
    return " ".join(k) if len(k) >= 2 else ""


@lru_cache(maxsize=262_144)
def org_core(company: str) -> str:
    """The organisation's distinctive core ("" when it names no employer)."""
    c = orgs.core(company)
    return "" if len(c) < 3 or c in NON_EMPLOYERS else c


@lru_cache(maxsize=262_144)
def org_variants(core: str) -> tuple[str, ...]:
    """Every one-letter deletion of a core: two cores one keystroke apart share one."""
    if len(core) < 4:
        return ()
    return tuple(sorted({core[:i] + core[i + 1 :] for i in range(len(core))}))


@lru_cache(maxsize=262_144)
def profile_key(url: str) -> str:
    """The canonical profile address, when it names a profile (not a bare host)."""
    c = canon_url(url) if url else None
    return c if c and "/" in c else ""


# An address with nothing to decode: ASCII host labels and path segments, no port, query,
# fragment, "%", or empty segment. Most profile addresses look like this.
_PLAIN_URL = re.compile(
    r"(?:https?://)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)((?:/[\w.~-]+)*)/?", re.ASCII
)


def canon_url(url: str) -> str | None:
    """:func:`lurewatch.identity.canon_profile_url`, without parsing the plain addresses.

    For an address matching ``_PLAIN_URL`` the parse would only lower-case the
    host and path and drop ``www.``, a country prefix of LinkedIn and a trailing
    slash, so that is done directly (``tests/campaigns`` compares the two).
    """
    m = _PLAIN_URL.fullmatch(url.strip())
    if m is None:
        return canon_profile_url(url)
    host, path = m.group(1).lower(), m.group(2).lower()
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        host = "linkedin.com"
    elif host.startswith("www."):
        host = host[4:]
    return host + path


def parse_photo_hash(value: int | str | None) -> int | None:
    """A 64-bit perceptual hash from an int or hex string; None when absent or unusable."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if 0 <= value < 1 << 64 else None
    try:
        v = int(value.strip().removeprefix("0x"), 16)
    except ValueError:
        return None
    return v if 0 <= v < 1 << 64 else None


@dataclass(frozen=True, slots=True)
class RecordKeys:
    """What one record contributes to the grouping step."""

    persona: str  # who sent it, as far as the record says: profile, else name, else the record
    url: str
    name: str
    org: str
    company: str
    exact: tuple[tuple[str, str], ...]  # (kind, value) for handle, phone, email, domain
    photo: int | None


_NONE: dict[str, set[str]] = {"handle": set(), "phone": set(), "email": set(), "domain": set()}


def record_keys(r: ApproachRecord, *, extract: bool = True) -> RecordKeys:
    """The blocking keys of one record (pure: the map step)."""
    url = profile_key(r.profile_url) if r.profile_url else ""
    nk = name_key(r.name) if r.name else ""
    core = org_core(r.company) if r.company else ""
    found = identifiers_in(r.text) if extract and r.text else _NONE
    if r.handles or r.phones or r.emails or r.domains:
        found = _with_fields(r, found)
    exact: tuple[tuple[str, str], ...] = ()
    if any(found.values()):
        exact = tuple(
            (kind, v)
            for kind in ("handle", "phone", "email", "domain")
            for v in sorted(found[kind])
        )
    persona = "url:" + url if url else ("name:" + nk + "|" + core if nk else "id:" + r.id)
    return RecordKeys(persona, url, nk, core, r.company, exact, parse_photo_hash(r.photo_hash))


# ---- the same map step over many records at once ----------------------------------

KINDS = ("handle", "phone", "email", "domain")


@dataclass(frozen=True, slots=True)
class Column:
    """One value per row, factorised: row ``i`` holds ``values[codes[i]]`` (-1: none).

    Codes are numbered in order of first appearance, so grouping rows by code
    (a stable sort) visits the groups in the order a dict of lists would.
    """

    codes: npt.NDArray[np.int64]
    values: list[str]

    def get(self, row: int) -> str:
        c = int(self.codes[row])
        return self.values[c] if c >= 0 else ""


def factorise(values: Sequence[Hashable]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Codes numbered by first appearance, and the distinct values in that order."""
    # One pass in C: each value maps to the position where it first appeared. Those
    # positions, in insertion order, are ascending, so their ranks are the codes.
    index: dict[Hashable, int] = {}
    first = np.fromiter(
        map(index.setdefault, values, itertools.count()), dtype=np.int64, count=len(values)
    )
    positions = np.fromiter(index.values(), dtype=np.int64, count=len(index))
    return np.searchsorted(positions, first).astype(np.int64), list(index)


def normalised(
    codes: npt.NDArray[np.int64], raw: Sequence[str], norm: Callable[[str], str]
) -> Column:
    """Apply ``norm`` to each distinct raw value once; "" (or an empty raw value) is none.

    Raw codes are numbered by first appearance, so the normalised codes are too:
    the first raw value to normalise to ``v`` is the first row holding ``v``.
    """
    index: dict[str, int] = {}
    to_norm = np.empty(len(raw) + 1, dtype=np.int64)
    to_norm[-1] = -1  # raw code -1 (no value) stays none
    for i, value in enumerate(raw):
        v = norm(value) if value else ""
        to_norm[i] = index.setdefault(v, len(index)) if v else -1
    return Column(to_norm[codes], list(index))


@dataclass(frozen=True, slots=True)
class Rows:
    """Identifiers of one kind: ``record[k]`` carries ``value`` row ``k``.

    Rows follow the records in order, and each record's values in sorted order.
    """

    record: npt.NDArray[np.int64]
    value: Column


@dataclass(frozen=True, slots=True)
class KeyTable:
    """:func:`record_keys` of many records, one array per key (the map step, columnar).

    Row ``i`` of every record-aligned array is record ``i``. Each key is
    normalised once per distinct raw value, so repeated profile addresses,
    names, companies and message texts cost one normalisation each.
    """

    url: Column
    name: Column
    org: Column
    company: Column  # as written
    persona: npt.NDArray[np.int64]  # equal codes exactly where RecordKeys.persona is equal
    exact: dict[str, Rows]  # handle, phone, email, domain
    photo: npt.NDArray[np.uint64]
    has_photo: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.persona)


def key_table(
    records: Sequence[ApproachRecord],
    *,
    extract: bool = True,
    texts: tuple[npt.NDArray[np.int64], list[str]] | None = None,
) -> KeyTable:
    """The blocking keys of every record: :func:`record_keys`, one column at a time.

    ``texts`` is ``factorise([r.text for r in records])`` when the caller has it already.
    """
    url = normalised(*factorise([r.profile_url for r in records]), profile_key)
    name = normalised(*factorise([r.name for r in records]), name_key)
    company_codes, companies = factorise([r.company for r in records])
    company = Column(company_codes, companies)
    org = normalised(company_codes, companies, org_core)
    persona = _persona_codes(url, name, org)
    exact = _exact_rows(records, extract, texts)
    photo_codes, photo_raw = factorise([r.photo_hash for r in records])
    parsed = [parse_photo_hash(v) for v in photo_raw]
    has = np.array([p is not None for p in parsed], dtype=bool)
    values = np.array([p if p is not None else 0 for p in parsed], dtype=np.uint64)
    return KeyTable(url, name, org, company, persona, exact, values[photo_codes], has[photo_codes])


def _persona_codes(url: Column, name: Column, org: Column) -> npt.NDArray[np.int64]:
    """The profile address, else the name key with the organisation, else the record itself."""
    n = len(url.codes)
    out = np.arange(n, dtype=np.int64) + len(url.values)
    named = (url.codes < 0) & (name.codes >= 0)
    pair = name.codes[named] * (len(org.values) + 1) + (org.codes[named] + 1)
    _, inverse = np.unique(pair, return_inverse=True)
    out[named] = inverse + n + len(url.values)
    has_url = url.codes >= 0
    out[has_url] = url.codes[has_url]
    return out


def _exact_rows(
    records: Sequence[ApproachRecord],
    extract: bool,
    texts: tuple[npt.NDArray[np.int64], list[str]] | None,
) -> dict[str, Rows]:
    text_codes, distinct = texts if texts is not None else factorise([r.text for r in records])
    # Identifiers written in each distinct text, found once, as sorted lists per kind.
    found: list[tuple[list[str], ...] | None] = []
    for t in distinct:
        sets = identifiers_in(t) if extract and t else None
        found.append(tuple(sorted(sets[k]) for k in KINDS) if sets and any(sets.values()) else None)
    carries = np.array([f is not None for f in found], dtype=bool)[text_codes]
    given = [i for i, r in enumerate(records) if r.handles or r.phones or r.emails or r.domains]
    carries[given] = True
    given_set = set(given)
    rec_rows: tuple[list[int], ...] = tuple([] for _ in KINDS)
    val_rows: tuple[list[str], ...] = tuple([] for _ in KINDS)
    codes_of = text_codes.tolist()
    for i in np.flatnonzero(carries).tolist():
        f = found[codes_of[i]]
        if i in given_set:
            merged = _with_fields(records[i], dict(zip(KINDS, f, strict=True)) if f else None)
            f = tuple(sorted(merged[k]) for k in KINDS)
        assert f is not None
        for recs, vals, new in zip(rec_rows, val_rows, f, strict=True):
            if new:
                recs.extend([i] * len(new))
                vals.extend(new)
    out: dict[str, Rows] = {}
    for kind, recs, vals in zip(KINDS, rec_rows, val_rows, strict=True):
        codes, values = factorise(vals)
        out[kind] = Rows(np.array(recs, dtype=np.int64), Column(codes, values))
    return out


def _with_fields(
    r: ApproachRecord, found: Mapping[str, Iterable[str]] | None
) -> dict[str, set[str]]:
    """Identifiers found in the text plus those given as fields."""
    out: dict[str, set[str]] = {k: set(found[k]) if found else set() for k in KINDS}
    out["handle"].update(v for v in map(identifiers.handle, r.handles) if v)
    out["phone"].update(v for v in map(identifiers.phone, r.phones) if v)
    for e in r.emails:
        v = identifiers.email(e)
        if v:
            out["email"].add(v)
            _add_domain(out["domain"], v.split("@", 1)[1])
    for d in r.domains:
        _add_domain(out["domain"], d)
    return out
