"""Template signatures are datasketch's MinHash; band keys bucket as MinHashLSH does."""

from __future__ import annotations

import random

import numpy as np
from datasketch import MinHash, MinHashLSH

from lurewatch.campaigns import templates
from lurewatch.campaigns.linking import photo_pairs

WORDS = "report client policy insight paid trip wechat committee remote flexible fee brief".split()


def _texts(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    base = [rng.choice(WORDS) for _ in range(30)]
    out = []
    for _ in range(n):
        t = list(base)
        for _ in range(rng.randint(0, 12)):
            t[rng.randrange(len(t))] = rng.choice(WORDS)
        out.append(t)
    return out


def test_signatures_equal_datasketch_minhash_with_the_same_hash_function() -> None:
    texts = _texts(20, 1)
    sigs = templates.signatures(templates.shingle_texts(texts, shingle=3), num_perm=30, seed=1)
    for toks, row in zip(texts, sigs, strict=True):
        m = MinHash(num_perm=30, seed=1, hashfunc=templates.shingle_hash)
        m.update_batch(templates.shingles(toks, 3))
        assert m.hashvalues.tolist() == row.tolist()


def test_band_keys_bucket_exactly_like_minhashlsh() -> None:
    texts = _texts(60, 2)
    sigs = templates.signatures(templates.shingle_texts(texts, shingle=3), num_perm=30, seed=1)
    lsh = MinHashLSH(num_perm=30, params=(10, 3))
    minhashes = [MinHash(num_perm=30, seed=1, hashvalues=row, scheme="affine32") for row in sigs]
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    keys = templates.band_keys(sigs, 10, 3)
    for i, m in enumerate(minhashes):
        ours = {j for j in range(len(texts)) if (keys[i] == keys[j]).any()}
        assert ours == set(lsh.query(m))


def test_dropped_shingles_leave_the_signature_of_the_rest() -> None:
    texts = _texts(3, 3)
    shingled = templates.shingle_texts(texts, shingle=3)
    drop = np.zeros(len(shingled.hashes), dtype=bool)
    drop[: shingled.counts[0] // 2] = True  # half of the first text's shingles
    kept = [
        templates.shingles(texts[0], 3)[shingled.counts[0] // 2 :],
        *[templates.shingles(t, 3) for t in texts[1:]],
    ]
    sigs = templates.signatures(shingled, num_perm=16, seed=1, drop=drop)
    for sh, row in zip(kept, sigs, strict=True):
        m = MinHash(num_perm=16, seed=1, hashfunc=templates.shingle_hash)
        m.update_batch(sh)
        assert m.hashvalues.tolist() == row.tolist()


def test_photo_pairs_find_exactly_the_pairs_within_the_distance() -> None:
    rng = random.Random(4)
    base = [rng.getrandbits(64) for _ in range(40)]
    values = base + [v ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64)) for v in base[:20]]
    values += [v ^ sum(1 << b for b in rng.sample(range(64), 5)) for v in base[20:30]]
    values += [v ^ sum(1 << b for b in rng.sample(range(64), 6)) for v in base[30:40]]
    arr = np.array(values, dtype=np.uint64)
    a, b = photo_pairs(arr, 5)
    found = set(zip(a.tolist(), b.tolist(), strict=True))
    brute = {
        (i, j)
        for i in range(len(values))
        for j in range(i + 1, len(values))
        if (values[i] ^ values[j]).bit_count() <= 5
    }
    assert found == brute
    assert len(brute) >= 30
