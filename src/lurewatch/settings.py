"""Settings, passed explicitly to whatever needs them (no import-time singleton)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONTACT = "your security office"
# The security office's database: a SQLite file in the current directory unless set.
DEFAULT_DATABASE_URL = "sqlite:///lurewatch.db"
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


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
    # SQLAlchemy URL of the security office's store: sqlite:///file.db or postgresql://...
    database_url: str = DEFAULT_DATABASE_URL
    # Signs the web app's session cookies (LUREWATCH_SECRET_KEY, 32+ characters). The server
    # refuses to start without one unless ``demo`` is set; kept out of repr so it never logs.
    secret_key: str | None = field(default=None, repr=False)
    # Demo mode: a random per-process secret and the demo's conveniences; never for real use.
    demo: bool = False
    # Largest request body the web app accepts (413 beyond it).
    max_request_bytes: int = 5 * 1024 * 1024
    # Largest upload to the check page (a whole LinkedIn export); LUREWATCH_MAX_UPLOAD_MB.
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    # The institution key (lurewatch key new) that fan-out files and anonymous lookups are
    # hashed under; LUREWATCH_INSTITUTION_KEY_FILE. Without it those endpoints answer 503.
    institution_key_file: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from ``LUREWATCH_*`` variables in ``environ``."""
        rules = environ.get("LUREWATCH_RULES", "")
        indicators = environ.get("LUREWATCH_INDICATORS", "")
        return cls(
            contact=environ.get("LUREWATCH_CONTACT", "").strip() or DEFAULT_CONTACT,
            extra_rules=tuple(Path(p) for p in rules.split(os.pathsep) if p),
            indicator_files=tuple(Path(p) for p in indicators.split(os.pathsep) if p),
            database_url=environ.get("LUREWATCH_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            secret_key=environ.get("LUREWATCH_SECRET_KEY", "").strip() or None,
            max_upload_bytes=_megabytes(
                environ, "LUREWATCH_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_BYTES
            ),
            institution_key_file=_path(environ, "LUREWATCH_INSTITUTION_KEY_FILE"),
        )


def _path(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name, "").strip()
    return Path(value) if value else None


def _megabytes(environ: Mapping[str, str], name: str, default: int) -> int:
    """A size given in whole megabytes in ``environ[name]``, in bytes; ``default`` when unset."""
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r}: expected a whole number of megabytes, e.g. 50")
    return int(value) * 1024 * 1024
