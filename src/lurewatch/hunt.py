"""Retro-hunt: has a newly alerted persona already contacted any of us?

Scans each export (or folder of exports) with the alerts loaded and lists
every counterparty that matches an alerted persona or indicator: who, when,
which persona, how strongly, and what agreed. A bad export is reported and
skipped; the hunt goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import msgspec

from lurewatch.detectors.indicators import STRONG_WEIGHT, finding_id_parts
from lurewatch.ingest.errors import InputError
from lurewatch.model import Alert, Level
from lurewatch.scan import Scanner


class HuntHit(msgspec.Struct, frozen=True, kw_only=True):
    export: str
    owner: str | None
    name: str
    profile_url: str | None
    alert: str
    persona: str
    persona_id: str | None
    strength: str  # strong | possible
    agreed: tuple[str, ...]
    first_contact: str | None
    last_contact: str | None
    items: int
    level: Level
    score: int


class Searched(msgspec.Struct, frozen=True, kw_only=True):
    export: str
    owner: str | None = None
    counterparties: int = 0
    error: str | None = None


class HuntResult(msgspec.Struct, frozen=True, kw_only=True):
    alerts: tuple[str, ...]
    searched: tuple[Searched, ...]
    hits: tuple[HuntHit, ...]


def _targets(alerts: Iterable[Alert]) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    out: dict[tuple[str, str], tuple[str, str, str | None]] = {}
    for a in alerts:
        for p in a.personas:
            out[finding_id_parts(a.id, p.id)] = (a.title, p.name, p.id)
        out[finding_id_parts(a.id, "alert")] = (a.title, "(indicator without a persona)", None)
    return out


def expand(paths: Iterable[Path]) -> list[Path]:
    """Exports named directly, plus every .zip inside a folder that is not itself an export."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir() and not any(p.rglob("*.csv")):
            out.extend(sorted(p.rglob("*.zip")))
        else:
            out.append(p)
    return out


@dataclass
class Hunter:
    scanner: Scanner
    alerts: tuple[Alert, ...]

    def hunt(
        self, paths: Iterable[Path], on_export: Callable[[Path], None] | None = None
    ) -> HuntResult:
        targets = _targets(self.alerts)
        searched: list[Searched] = []
        hits: list[HuntHit] = []
        for path in expand(paths):
            if on_export is not None:
                on_export(path)
            try:
                result = self.scanner.scan(path)
            except InputError as exc:
                searched.append(Searched(export=str(path), error=str(exc)))
                continue
            s = result.summary
            searched.append(
                Searched(export=str(path), owner=s.owner, counterparties=s.counterparties)
            )
            for c in result.contacts:
                for f in c.findings:
                    if f.category != "indicator_match":
                        continue
                    _, _, rest = f.id.partition("/")
                    alert_title, persona, persona_id = targets.get(
                        tuple(rest.split("/", 1)),  # type: ignore[arg-type]
                        (f.title, "?", None),
                    )
                    hits.append(
                        HuntHit(
                            export=str(path),
                            owner=s.owner,
                            name=c.name,
                            profile_url=c.profile_url,
                            alert=alert_title,
                            persona=persona,
                            persona_id=persona_id,
                            strength="strong" if f.weight >= STRONG_WEIGHT else "possible",
                            agreed=tuple(e.text for e in f.evidence),
                            first_contact=c.first_contact,
                            last_contact=c.last_contact,
                            items=c.item_count,
                            level=c.level,
                            score=c.score,
                        )
                    )
        hits.sort(key=lambda h: (h.strength != "strong", h.first_contact or "", h.export))
        return HuntResult(
            alerts=tuple(a.title for a in self.alerts),
            searched=tuple(searched),
            hits=tuple(hits),
        )


def sightings_of(result: HuntResult) -> list[tuple[str, int, str, str]]:
    """(persona id, how many people it contacted, first, last) from the strong hits."""
    seen: dict[str, list[HuntHit]] = {}
    for h in result.hits:
        if h.strength == "strong" and h.persona_id and h.first_contact:
            seen.setdefault(h.persona_id, []).append(h)
    out = []
    for pid, hits in sorted(seen.items()):
        firsts = sorted(h.first_contact for h in hits if h.first_contact)
        lasts = sorted(h.last_contact or h.first_contact for h in hits if h.first_contact)
        out.append((pid, len(hits), firsts[0], lasts[-1]))
    return out
