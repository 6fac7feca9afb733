"""Perceptual hashes of profile photos, to recognise a photo reused across personas.

Fake personas reuse stolen, stock or generated photos. A perceptual hash
(pHash, 64 bits) changes little when a photo is resized, recompressed or
lightly cropped, so two copies of the same picture lie a few bits apart. The
image comes from the adversary: size and pixel count are capped before it is
decoded, and any decoding problem is a one-line error.
"""

from __future__ import annotations

from pathlib import Path

from lurewatch.ingest.errors import InputError

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Bits two pHashes of the same photo may differ by (of 64): resizing and JPEG
# recompression typically move 0-6 bits; unrelated photos differ by about 32.
SAME_PHOTO_BITS = 10


def phash_hex(path: str | Path) -> str:
    """The pHash of an image file as 16 hex digits."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"{p}: cannot read the photo ({exc.strerror or exc})") from None
    if size > MAX_PHOTO_BYTES:
        raise InputError(f"{p}: photo larger than {MAX_PHOTO_BYTES:,} bytes; not read")
    import imagehash
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # larger images raise DecompressionBombError
    try:
        with Image.open(p) as img:
            img.draft("L", (256, 256))  # JPEG: decode at reduced size, cheaply
            return str(imagehash.phash(img.convert("L")))
    except Exception as exc:  # PIL raises many types on hostile files
        raise InputError(f"{p}: not a readable image ({type(exc).__name__}: {exc})") from None


def hamming(a: str, b: str) -> int | None:
    """Bits that differ between two hex hashes of the same length (None if unusable)."""
    try:
        if len(a) != len(b):
            return None
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return None
