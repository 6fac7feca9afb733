"""Privacy-preserving sharing with the security office (issue 6).

Two client-side pieces, both built on keyed hashes (HMAC-SHA256 under an
institution key) of a persona's normalised identifiers:

- **fan-out contributions** (``lurewatch scan --share-fanout``):
  :func:`collect_fanout` on the member of staff's machine, :func:`detect_fanout`
  at the office;
- **anonymous lookup** (``lurewatch lookup``): :func:`lookup_request` on the
  member of staff's machine, :func:`known_from_alerts` and :func:`match_lookup`
  at the office.

What the office learns and does not learn: docs/sharing.md.
"""

from .fanout import (
    FANOUT_FORMAT,
    FanoutContact,
    FanoutFile,
    FanoutHit,
    collect_fanout,
    decode_fanout,
    detect_fanout,
    encode_fanout,
    fanout_of_export,
)
from .ids import PersonaIds, classify_handle, persona_ids
from .keys import InstitutionKey, load_key, new_key_text, parse_key
from .lookup import (
    LOOKUP_FORMAT,
    AlertHashes,
    AlertRef,
    LookupMatch,
    LookupRequest,
    alert_hashes,
    decode_lookup,
    known_from_alerts,
    lookup_request,
    match_lookup,
)

__all__ = [
    "FANOUT_FORMAT",
    "LOOKUP_FORMAT",
    "AlertHashes",
    "AlertRef",
    "FanoutContact",
    "FanoutFile",
    "FanoutHit",
    "InstitutionKey",
    "LookupMatch",
    "LookupRequest",
    "PersonaIds",
    "alert_hashes",
    "classify_handle",
    "collect_fanout",
    "decode_fanout",
    "decode_lookup",
    "detect_fanout",
    "encode_fanout",
    "fanout_of_export",
    "known_from_alerts",
    "load_key",
    "lookup_request",
    "match_lookup",
    "new_key_text",
    "parse_key",
    "persona_ids",
]
