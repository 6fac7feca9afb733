"""Settings, passed explicitly to whatever needs them (no import-time singleton)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONTACT = "your security office"


@dataclass(frozen=True, slots=True)
class Settings:
    """What a deployment may change.

    ``contact`` is the line staff are told to report to, e.g.
    ``"Parliamentary Security, security@example.org, ext. 1234"``.
    """

    contact: str = DEFAULT_CONTACT
    extra_rules: tuple[Path, ...] = ()
    # Alert and indicator files (lurewatch JSON/YAML/CSV, STIX 2.1, MISP) to match against.
    indicator_files: tuple[Path, ...] = ()
    max_message_bytes: int = 16 * 1024 * 1024
    max_profile_bytes: int = 4 * 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from ``LUREWATCH_*`` variables in ``environ``."""
        rules = environ.get("LUREWATCH_RULES", "")
        indicators = environ.get("LUREWATCH_INDICATORS", "")
        return cls(
            contact=environ.get("LUREWATCH_CONTACT", "").strip() or DEFAULT_CONTACT,
            extra_rules=tuple(Path(p) for p in rules.split(os.pathsep) if p),
            indicator_files=tuple(Path(p) for p in indicators.split(os.pathsep) if p),
        )
