"""Near-duplicate message templates: word shingles, MinHash signatures, LSH band keys.

The signatures are datasketch's MinHash (scheme ``affine32``: a MurmurHash3
pre-mix, then ``a*h + b mod 2**32`` per permutation, with datasketch's own
permutation parameters), computed for a whole batch of texts at once with
numpy instead of one ``MinHash`` object per text: the same values
(``tests/campaigns`` checks it against ``MinHash.update_batch``) at a fraction
of the cost. Band keys are what ``MinHashLSH`` puts in its hash tables, one
64-bit key per band instead of a byte string, so that the bucketing is a plain
group-by that any engine can run (``MinHashLSH`` is one in-memory index).

Shingles are hashed from their words: each word by CRC-32 (stable across
processes and machines, unlike ``hash()``), three words combined by
multiply-add. :func:`shingle_hash` is the same function on a shingle's bytes,
usable as a datasketch ``hashfunc``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from lurewatch.textnorm import norm_tokens

U32 = np.uint32
U64 = np.uint64
_MASK = 0xFFFFFFFF
_C1 = 0x9E3779B1  # odd multipliers that spread the words of a shingle
_C2 = 0x85EBCA77
_CHUNK_SHINGLES = 400_000  # bounds the (shingles x permutations) matrix to ~50 MB at 32 perms

Signatures = npt.NDArray[np.uint32]


_ASCII_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The project's normalised tokens of a message (case, accents, look-alike letters)."""
    if text.isascii():
        # What norm_tokens does with ASCII text, without its checks for anything to fold
        # (most messages; this runs once per distinct message).
        return _ASCII_WORD.findall(text.lower())
    return norm_tokens(text)


@lru_cache(maxsize=262_144)
def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def shingle_hash(shingle: bytes) -> int:
    """The 32-bit hash of one shingle (its words joined by single spaces)."""
    parts = shingle.decode("utf-8").split(" ")
    h = 0
    for i, w in enumerate(parts):
        h = (h * (_C1 if i == 1 else _C2) + _word_hash(w)) & _MASK if i else _word_hash(w)
    return h


def shingles(tokens: Sequence[str], size: int) -> list[bytes]:
    """Word shingles as bytes, as datasketch would be fed them (for checks, not speed)."""
    return [" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)]


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """datasketch's permutation parameters ``(a, b)`` for these settings.

    Drawn as datasketch 2.0 draws them for ``affine32`` (an odd ``a`` and any
    ``b`` from ``RandomState(seed)``, whose stream numpy keeps stable), without
    importing datasketch, which takes most of a second; ``tests/campaigns``
    compares them with ``MinHash(...).permutations``.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=U32) * U32(2) + U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=U32)
    return a, b


def _fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's finaliser, as datasketch pre-mixes every input hash."""
    h = h ^ (h >> U32(16))
    h = h * U32(0x85EBCA6B)
    h = h ^ (h >> U32(13))
    h = h * U32(0xC2B2AE35)
    return h ^ (h >> U32(16))


class _WordHashes(dict[str, int]):
    """Word -> CRC-32, filled on first use (lookups of known words stay in C)."""

    def __missing__(self, word: str) -> int:
        h = _word_hash(word)
        if len(self) < 1_000_000:
            self[word] = h
        return h


_WORDS = _WordHashes()


@dataclass
class Shingled:
    """The shingle hashes of many texts, concatenated, with each text's count."""

    hashes: npt.NDArray[np.uint32]
    counts: npt.NDArray[np.int64]

    def take(self, texts: npt.NDArray[np.int64]) -> Shingled:
        """The shingles of texts ``texts[0], texts[1], ...`` only."""
        hashes, counts = segments(self.hashes, self.counts, texts)
        return Shingled(hashes, counts)

    def without(self, drop: npt.NDArray[np.bool_]) -> Shingled:
        """Every text's shingles except those marked in ``drop`` (texts may be left empty)."""
        owner = np.repeat(np.arange(len(self.counts), dtype=np.int64), self.counts)
        counts = np.bincount(owner[~drop], minlength=len(self.counts)).astype(np.int64)
        return Shingled(self.hashes[~drop], counts)


def segments(
    values: npt.NDArray[Any], lengths: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Of ``values`` cut into consecutive segments of ``lengths``: segments ``rows``, in order."""
    starts = np.cumsum(lengths) - lengths
    picked = lengths[rows]
    offsets = np.cumsum(picked) - picked
    index = np.arange(int(picked.sum()), dtype=np.int64)
    index += np.repeat(starts[rows] - offsets, picked)
    return values[index], picked


def shingle_texts(token_lists: Iterable[Sequence[str]], *, shingle: int) -> Shingled:
    """Map step: every text's shingle hashes (each text needs ``shingle`` words or more)."""
    words_ = WordHashes()
    for toks in token_lists:
        if len(toks) < shingle:
            raise ValueError(f"a text needs at least {shingle} words to be shingled")
        words_.add(toks)
    hashes, lengths = words_.arrays()
    return shingle_words(hashes, lengths, shingle=shingle)


class WordHashes:
    """The word hashes of many texts, collected text by text into one array.

    Holding one uint32 per word instead of each text's token list keeps a
    million messages in a few hundred megabytes.
    """

    def __init__(self) -> None:
        self._parts: list[npt.NDArray[np.uint32]] = []
        self._buffer: list[int] = []
        self._lengths: list[int] = []

    def add(self, tokens: Sequence[str]) -> None:
        self._buffer.extend(map(_WORDS.__getitem__, tokens))
        self._lengths.append(len(tokens))
        if len(self._buffer) >= _CHUNK_SHINGLES:
            self._flush()

    def _flush(self) -> None:
        self._parts.append(np.array(self._buffer, dtype=U32))
        self._buffer.clear()

    def arrays(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
        """Every word's hash, text after text, and each text's number of words."""
        self._flush()
        return np.concatenate(self._parts), np.array(self._lengths, dtype=np.int64)


def shingle_words(
    words: npt.NDArray[np.uint32], lengths: npt.NDArray[np.int64], *, shingle: int
) -> Shingled:
    """Each text's shingle hashes from its word hashes (texts of ``lengths`` words, concatenated).

    Every text needs at least ``shingle`` words.
    """
    if len(lengths) and lengths.min() < shingle:
        raise ValueError(f"a text needs at least {shingle} words to be shingled")
    counts = lengths - (shingle - 1)
    ends = np.cumsum(lengths)
    parts: list[npt.NDArray[np.uint32]] = []
    text = 0
    while text < len(lengths):  # in chunks of texts, to bound the temporary arrays
        first = int(ends[text - 1]) if text else 0
        last = max(int(np.searchsorted(ends, first + 4 * _CHUNK_SHINGLES, side="right")), text + 1)
        h = words[first : ends[last - 1]]
        n = len(h) - shingle + 1
        with np.errstate(over="ignore"):
            sh = h[:n].copy()
            for j in range(1, shingle):
                sh = sh * U32(_C1 if j == 1 else _C2) + h[j : j + n]
        # Drop the windows that run across the end of a text.
        keep = np.ones(len(h), dtype=bool)
        local_ends = ends[text:last] - first
        for j in range(1, shingle):
            keep[local_ends - j] = False
        parts.append(sh[keep[:n]])
        text = last
    hashes = np.concatenate(parts) if parts else np.empty(0, dtype=U32)
    return Shingled(hashes, counts.astype(np.int64))


def common_shingles(
    shingled: Shingled,
    max_texts: int,
    *,
    weights: npt.NDArray[np.int64] | None = None,
    bits: int = 24,
) -> npt.NDArray[np.bool_]:
    """Reduce step: True for each shingle in more than ``max_texts`` messages overall.

    ``weights`` says how many messages each text stands for (identical texts are
    shingled once).
    Counted in ``2**bits`` buckets of the hash (a one-row count sketch): a rare
    shingle that shares a bucket with a common one is treated as common, which
    only ever removes evidence, never adds it.
    """
    if len(shingled.hashes) == 0:
        return np.zeros(0, dtype=bool)
    bucket = (shingled.hashes >> U32(32 - bits)).astype(np.intp)
    size = 1 << bits
    if len(bucket) * 8 < size:  # few shingles: count the buckets present, not all 2**bits
        present, bucket = np.unique(bucket, return_inverse=True)
        size = len(present)
    counts = np.bincount(bucket, minlength=size)
    if weights is not None:
        # Most texts stand for one message: add the others' extra copies alone.
        extra = np.repeat(weights - 1, shingled.counts)
        more = np.flatnonzero(extra)
        np.add.at(counts, bucket[more], extra[more])
        del extra, more
    common: npt.NDArray[np.bool_] = counts[bucket] > max_texts
    return common


def signatures(
    shingled: Shingled, *, num_perm: int, seed: int, drop: npt.NDArray[np.bool_] | None = None
) -> Signatures:
    """MinHash signatures (one row of ``num_perm`` uint32 per text) of the kept shingles.

    Texts are processed in chunks; every text must keep at least one shingle.
    """
    a, b = permutations(num_perm, seed)
    hashes, counts = shingled.hashes, shingled.counts
    if drop is not None:
        owner = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        keep = ~drop
        hashes = hashes[keep]
        counts = np.bincount(owner[keep], minlength=len(counts)).astype(np.int64)
    if len(counts) and counts.min() < 1:
        raise ValueError("every text needs at least one shingle for a signature")
    out: list[npt.NDArray[np.uint32]] = []
    ends = np.cumsum(counts)
    text = 0
    while text < len(counts):
        first = int(ends[text - 1]) if text else 0
        last_text = int(np.searchsorted(ends, first + _CHUNK_SHINGLES, side="right"))
        last_text = max(last_text, text + 1)
        stop = int(ends[last_text - 1])
        with np.errstate(over="ignore"):
            sh = _fmix32(hashes[first:stop])
            permuted = a[:, None] * sh[None, :] + b[:, None]  # (num_perm, shingles)
        starts = np.concatenate(([0], ends[text : last_text - 1] - first))
        out.append(np.minimum.reduceat(permuted, starts, axis=1).T.copy())
        text = last_text
    if not out:
        return np.empty((0, num_perm), dtype=U32)
    return np.concatenate(out).astype(U32, copy=False)


def signature_of(text: str, *, num_perm: int, seed: int, shingle: int) -> tuple[int, ...] | None:
    """One text's signature as plain ints (None when the text is too short to shingle)."""
    toks = words(text)
    if len(toks) < shingle:
        return None
    sigs = signatures(shingle_texts([toks], shingle=shingle), num_perm=num_perm, seed=seed)
    return tuple(int(v) for v in sigs[0])


def band_keys(sigs: Signatures, bands: int, rows: int) -> npt.NDArray[np.uint64]:
    """One 64-bit key per (text, band): the band's ``rows`` values mixed together.

    Two texts share a key exactly when ``MinHashLSH`` would put them in the same
    bucket of that band (up to a 64-bit collision, which verification removes).
    """
    if sigs.shape[1] < bands * rows:
        raise ValueError(f"signatures have {sigs.shape[1]} values; {bands}x{rows} bands need more")
    out = np.zeros((sigs.shape[0], bands), dtype=U64)
    with np.errstate(over="ignore"):
        for i in range(bands):
            k = np.full(sigs.shape[0], U64(i + 1) * U64(0x9E3779B97F4A7C15), dtype=U64)
            for j in range(rows):
                k = (k ^ sigs[:, i * rows + j].astype(U64)) * U64(0xBF58476D1CE4E5B9)
                k ^= k >> U64(31)
            out[:, i] = k
    return out


def similarity(
    sigs: Signatures, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Estimated Jaccard similarity of the pairs ``(a[i], b[i])``: the share of equal values."""
    if len(a) == 0:
        return np.empty(0, dtype=np.float64)
    out = np.empty(len(a), dtype=np.float64)
    step = 200_000
    for s in range(0, len(a), step):
        eq = sigs[a[s : s + step]] == sigs[b[s : s + step]]
        out[s : s + step] = eq.mean(axis=1)
    return out


@dataclass
class ShingleSets:
    """Each text's distinct kept shingle hashes, sorted, in one array with offsets."""

    hashes: npt.NDArray[np.uint32]
    offsets: npt.NDArray[np.int64]  # text i owns hashes[offsets[i]:offsets[i + 1]]

    @classmethod
    def of(cls, shingled: Shingled, drop: npt.NDArray[np.bool_] | None = None) -> ShingleSets:
        owner = np.repeat(np.arange(len(shingled.counts), dtype=np.uint64), shingled.counts)
        hashes = shingled.hashes
        if drop is not None:
            owner, hashes = owner[~drop], hashes[~drop]
        # One sort of (text << 32 | hash) groups each text's hashes, sorted and adjacent.
        key = (owner << U64(32)) | hashes.astype(U64)
        del owner
        key.sort()
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key = key[first]
        texts = (key >> U64(32)).astype(np.int64)
        counts = np.bincount(texts, minlength=len(shingled.counts))
        return cls(
            (key & U64(_MASK)).astype(U32),
            np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        )

    def jaccard(self, a: int, b: int) -> float:
        """Exact Jaccard similarity of texts ``a`` and ``b`` (0.0 if either is empty)."""
        x = self.hashes[self.offsets[a] : self.offsets[a + 1]]
        y = self.hashes[self.offsets[b] : self.offsets[b + 1]]
        if not len(x) or not len(y):
            return 0.0
        inter = len(np.intersect1d(x, y, assume_unique=True))
        return inter / (len(x) + len(y) - inter)
