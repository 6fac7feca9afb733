"""Match what is known of a contact against every alerted persona and indicator.

The index is built once from the alerts. Exact identifiers (profile
addresses, e-mails, domains, phones, handles) are dictionary lookups. Names
are blocked by keys made of one exact word and the first letter or sound of
another, so a contact is compared only with personas that share a word with
it. Organisation names are blocked by their core and by every one-letter
deletion of it, which finds names one keystroke apart without comparing all
pairs. Cost per contact depends on the handful of candidates, not on the
number of indicators.

A match is *strong* when something other than a name agrees: the profile
address, an identifier, or the organisation together with the name (one of
the two agreeing exactly). A name alone, or an organisation alone, is only
*possible*: many people share a name, and a front company may also be a
real one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from lurewatch.identity import canon_profile_url
from lurewatch.ingest.photo import SAME_PHOTO_BITS, hamming
from lurewatch.matching import identifiers, names, orgs
from lurewatch.model import Alert, Persona

STRONG = "strong"
POSSIBLE = "possible"
_TEMPLATE_MIN = 88  # token_set_ratio needed for a message to follow a template
_SHINGLE = 3


@dataclass(frozen=True, slots=True)
class Target:
    """Something an alert names: a persona, or the alert itself for loose indicators."""

    alert: Alert
    persona: Persona | None

    @property
    def label(self) -> str:
        who = self.persona.name if self.persona else "an indicator"
        return f"{who} ({self.alert.title})"


@dataclass(frozen=True, slots=True)
class Agreement:
    what: str  # name | organisation | profile-url | email | phone | ...
    strength: float
    how: str  # the two values and why they agree


@dataclass(frozen=True, slots=True)
class Match:
    target: Target
    level: str  # strong | possible
    agreements: tuple[Agreement, ...]

    @property
    def name_only(self) -> bool:
        return all(a.what == "name" for a in self.agreements)


@dataclass
class Subject:
    """What is known of a contact: from the profile, the export and their messages."""

    name: str = ""
    organisations: list[str] = field(default_factory=list)
    profile_urls: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)
    photo_hashes: set[str] = field(default_factory=set)

    def add_text(self, text: str, kinds: frozenset[str] = identifiers.TEXT_KINDS) -> None:
        """Keep ``text`` (for templates) and the identifiers of ``kinds`` written in it."""
        if not text:
            return
        self.texts.append(text)
        if not kinds:
            return
        found = identifiers.found_in_text(text, kinds)
        self.emails |= found["email"]
        self.domains |= found["domain"]
        self.phones |= found["phone"]
        self.handles |= found["handle"]
        self.profile_urls |= {u for u in found["url"] if "/in/" in u}


def _name_keys(name: str) -> set[str]:
    ws = [names.canonical(w) for w in names.tokens(name)]
    keys = set()
    for i, a in enumerate(ws):
        for j, b in enumerate(ws):
            if i != j and len(a) > 1:
                keys.add(f"{a}|{b[0]}")
                keys.add(f"{a}|{names.sound_key(b)}")
    return keys


def _org_keys(name: str) -> set[str]:
    keys = {k for k in (orgs.core(name), orgs.closed(name)) if k}
    c = orgs.core(name)
    if len(c) >= 4:
        keys |= {c[:i] + c[i + 1 :] for i in range(len(c))}
    return keys


def _shingles(text: str) -> set[tuple[str, ...]]:
    ws = re.findall(r"\w+", text.casefold())
    return {tuple(ws[i : i + _SHINGLE]) for i in range(max(0, len(ws) - _SHINGLE + 1))}


def organisations_in(headline: str, company: str) -> list[str]:
    """Employer names from a company field and a headline like "CEO at BR-YR | Global"."""
    out = [company] if company.strip() else []
    for part in re.split(r"\s[|·•]\s|\s-\s", headline):
        m = re.search(r"(?:\bat\b|@)\s+(.+)$", part, re.IGNORECASE)
        if m:
            out.append(m.group(1).strip())
    return out


class IndicatorIndex:
    """Every persona and indicator of a set of alerts, indexed for matching."""

    def __init__(self, alerts: Sequence[Alert]) -> None:
        self.alerts = tuple(alerts)
        self._exact: dict[tuple[str, str], list[tuple[Target, str]]] = {}
        self._names: dict[str, list[tuple[Target, str]]] = {}
        self._orgs: dict[str, list[tuple[Target, str]]] = {}
        self._templates: list[tuple[Target, str, set[tuple[str, ...]]]] = []
        self._by_shingle: dict[tuple[str, ...], list[int]] = {}
        self._photos: list[tuple[Target, str]] = []
        self.size = 0
        for alert in self.alerts:
            targets = {p.id: Target(alert, p) for p in alert.personas}
            loose = Target(alert, None)
            for p in alert.personas:
                t = targets[p.id]
                for n in (p.name, *p.aliases):
                    self._add_name(t, n)
                for o in (p.company, *p.company_aliases):
                    self._add_org(t, o)
                if p.profile_url:
                    self._add_exact(t, "profile-url", p.profile_url)
            for ind in alert.indicators:
                t = targets.get(ind.persona or "", loose)
                if ind.type == "persona-name":
                    self._add_name(t, ind.value)
                elif ind.type == "organization":
                    self._add_org(t, ind.value)
                elif ind.type == "message-template":
                    self._add_template(t, ind.value)
                elif ind.type == "photo-phash":
                    value = ind.value.strip().casefold()
                    if hamming(value, value) is not None:
                        self._photos.append((t, value))
                        self.size += 1
                else:
                    self._add_exact(t, ind.type, ind.value)

    # -- building -----------------------------------------------------------------

    def _add_exact(self, t: Target, kind: str, value: str) -> None:
        norm = identifiers.normalise(kind, value)
        if norm is None:
            return
        group = "handle" if kind in identifiers.MESSENGERS else kind
        if group == "website":
            group = "profile-url" if "/in/" in norm else "domain"
            norm = norm if group == "profile-url" else norm.split("/", 1)[0]
        self._exact.setdefault((group, norm), []).append((t, value))
        self.size += 1

    def _add_name(self, t: Target, name: str) -> None:
        keys = _name_keys(name)
        for k in keys:
            self._names.setdefault(k, []).append((t, name))
        self.size += bool(keys)

    def _add_org(self, t: Target, org: str) -> None:
        keys = _org_keys(org)
        for k in keys:
            self._orgs.setdefault(k, []).append((t, org))
        self.size += bool(keys)

    def _add_template(self, t: Target, text: str) -> None:
        sh = _shingles(text)
        if not sh:
            return
        n = len(self._templates)
        self._templates.append((t, text, sh))
        for s in sh:
            self._by_shingle.setdefault(s, []).append(n)
        self.size += 1

    # -- matching -----------------------------------------------------------------

    def match(self, subject: Subject) -> list[Match]:
        found: dict[int, tuple[Target, dict[str, Agreement]]] = {}

        def agree(t: Target, a: Agreement) -> None:
            _, by_what = found.setdefault(id(t), (t, {}))
            old = by_what.get(a.what)
            if old is None or a.strength > old.strength:
                by_what[a.what] = a

        for kind, values in (
            ("profile-url", {u for u in (canon_profile_url(x) for x in subject.profile_urls) if u}),
            ("email", subject.emails),
            ("domain", subject.domains),
            ("phone", subject.phones),
            ("handle", subject.handles),
        ):
            for v in values:
                for t, original in self._exact.get((kind, v), ()):
                    agree(t, Agreement(kind, 1.0, f"{v} = {original}"))
        if subject.name:
            seen: set[tuple[int, str]] = set()
            for k in _name_keys(subject.name):
                for t, alerted in self._names.get(k, ()):
                    if (id(t), alerted) in seen:
                        continue
                    seen.add((id(t), alerted))
                    na = names.compare(subject.name, alerted)
                    if na is not None:
                        agree(
                            t,
                            Agreement("name", na.strength, f"{subject.name} ~ {alerted}: {na.how}"),
                        )
        for org in subject.organisations:
            seen_o: set[tuple[int, str]] = set()
            for k in _org_keys(org):
                for t, alerted in self._orgs.get(k, ()):
                    if (id(t), alerted) in seen_o:
                        continue
                    seen_o.add((id(t), alerted))
                    oa = orgs.compare(org, alerted)
                    if oa is not None:
                        agree(
                            t,
                            Agreement("organisation", oa.strength, f"{org} ~ {alerted}: {oa.how}"),
                        )
        if self._templates:
            for text in subject.texts:
                self._match_templates(text, agree)
        for mine in subject.photo_hashes:
            for t, alerted in self._photos:  # few photos per alert: a linear pass is fine
                bits = hamming(mine, alerted)
                if bits is not None and bits <= SAME_PHOTO_BITS:
                    agree(
                        t,
                        Agreement(
                            "photo",
                            1 - bits / 64,
                            f"profile photo {bits} bits from the alerted photo {alerted}",
                        ),
                    )
        return [m for m in (self._judge(t, by) for t, by in found.values()) if m is not None]

    def _match_templates(self, text: str, agree: object) -> None:
        sh = _shingles(text)
        counts: dict[int, int] = {}
        for s in sh:
            for n in self._by_shingle.get(s, ()):
                counts[n] = counts.get(n, 0) + 1
        for n, c in counts.items():
            t, template, tsh = self._templates[n]
            if c < 0.3 * len(tsh):
                continue
            score = fuzz.token_set_ratio(text.casefold(), template.casefold())
            if score >= _TEMPLATE_MIN:
                excerpt = " ".join(template.split())[:80]
                agree(t, Agreement("template", score / 100, f"follows the template “{excerpt}”"))  # type: ignore[operator]

    @staticmethod
    def _judge(t: Target, by: dict[str, Agreement]) -> Match | None:
        name = by.get("name")
        org = by.get("organisation")
        ident = [a for w, a in by.items() if w not in ("name", "organisation", "template")]
        agreements = tuple(sorted(by.values(), key=lambda a: (-a.strength, a.what)))
        if ident or (
            name is not None
            and org is not None
            # Two fuzzy agreements together (a sound-alike name at a misprinted firm) are
            # weaker than either being exact.
            and (name.strength >= 0.9 or org.strength >= 1.0)
        ):
            return Match(t, STRONG, agreements)
        if (name is not None and name.strength >= 0.9) or org is not None or "template" in by:
            return Match(t, POSSIBLE, agreements)
        return None


def subject_from(
    *,
    name: str = "",
    headline: str = "",
    company: str = "",
    profile_url: str | None = None,
    websites: Iterable[str] = (),
    texts: Iterable[str] = (),
    kinds: frozenset[str] = identifiers.TEXT_KINDS,
) -> Subject:
    """A subject from a contact's fields; identifiers of ``kinds`` are looked for in ``texts``."""
    s = Subject(name=name, organisations=organisations_in(headline, company))
    if profile_url:
        s.profile_urls.add(profile_url)
    for w in websites:
        d = identifiers.domain(w)
        if d:
            s.domains.add(d)
    for text in texts:
        s.add_text(text, kinds)
    return s
