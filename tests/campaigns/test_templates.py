"""Template signatures are datasketch's MinHash; band keys bucket as MinHashLSH does."""

from __future__ import annotations

import random

import numpy as np
import pytest
from campaign_data import rec
from datasketch import MinHash, MinHashLSH

from lurewatch.campaigns import LinkParams, templates
from lurewatch.campaigns.linking import photo_pairs, text_items
from lurewatch.textnorm import norm_tokens

WORDS = "report client policy insight paid trip wechat committee remote flexible fee brief".split()
TEMPLATE_A = (
    "I was impressed by your insightful work on trade policy and your role in the committee, "
    "and our client pays well for short reports."
)
TEMPLATE_B = (
    "We are recruiting a head of public affairs for a renewable energy company in Manchester "
    "with a pension and hybrid working."
)


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


def test_word_hashes_and_shingles_in_chunks_equal_one_text_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _texts(50, 5)
    whole = templates.shingle_texts(texts, shingle=3)
    expected = [templates.shingle_hash(s) for t in texts for s in templates.shingles(t, 3)]
    assert whole.hashes.tolist() == expected
    assert whole.counts.tolist() == [len(t) - 2 for t in texts]
    monkeypatch.setattr(templates, "_CHUNK_SHINGLES", 7)  # many small chunks
    chunked = templates.shingle_texts(texts, shingle=3)
    assert chunked.hashes.tolist() == expected
    assert chunked.counts.tolist() == whole.counts.tolist()


def test_shingled_take_and_without_equal_list_slicing() -> None:
    rng = random.Random(6)
    texts = [[rng.choice(WORDS) for _ in range(rng.randint(3, 9))] for _ in range(30)]
    shingled = templates.shingle_texts(texts, shingle=3)
    per_text = [[templates.shingle_hash(s) for s in templates.shingles(t, 3)] for t in texts]
    rows = [rng.randrange(30) for _ in range(20)]
    taken = shingled.take(np.array(rows, dtype=np.int64))
    assert taken.hashes.tolist() == [h for r in rows for h in per_text[r]]
    assert taken.counts.tolist() == [len(per_text[r]) for r in rows]
    drop = np.array([rng.random() < 0.5 for _ in shingled.hashes], dtype=bool)
    kept = shingled.without(drop)
    flags = iter(drop.tolist())
    left = [[h for h in hs if not next(flags)] for hs in per_text]
    assert kept.hashes.tolist() == [h for hs in left for h in hs]
    assert kept.counts.tolist() == [len(hs) for hs in left]


@pytest.mark.parametrize("bits", [24, 6])  # few shingles per bucket, and many
def test_common_shingles_count_each_text_as_the_messages_it_stands_for(bits: int) -> None:
    rng = random.Random(7)
    texts = [[rng.choice(WORDS[:3]) for _ in range(rng.randint(3, 8))] for _ in range(40)]
    shingled = templates.shingle_texts(texts, shingle=3)
    weights = np.array([rng.choice([1, 1, 1, 2, 5]) for _ in texts], dtype=np.int64)
    common = templates.common_shingles(shingled, 25, weights=weights, bits=bits)
    owner = np.repeat(np.arange(len(texts)), shingled.counts)
    bucket = (shingled.hashes >> np.uint32(32 - bits)).tolist()
    messages: dict[int, int] = {}
    for b, o in zip(bucket, owner.tolist(), strict=True):
        messages[b] = messages.get(b, 0) + int(weights[o])
    assert common.tolist() == [messages[b] > 25 for b in bucket]
    assert common.any() and not common.all()


def test_words_equal_norm_tokens() -> None:
    rng = random.Random(8)
    alphabet = [chr(i) for i in range(128)] + list("éßİΣς\u200bа£€\u00a0Ⓐ")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert templates.words(text) == norm_tokens(text), text


def test_text_items_group_records_by_normalised_text() -> None:
    rng = random.Random(9)
    variants = [
        TEMPLATE_A,
        TEMPLATE_A.upper(),
        TEMPLATE_A.replace(",", " ,"),
        TEMPLATE_B,
        "too short",
    ]
    records = [
        rec(f"r{i}", text=rng.choice(variants) if rng.random() < 0.9 else "") for i in range(60)
    ]
    records[5] = rec("r5", text=TEMPLATE_B, signature=tuple(range(30)))  # compared by signature
    params = LinkParams(max_shingle_texts=10**6, min_kept_shingles=1, max_text_records=10**6)
    items = text_items(records, params, [])
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        toks = templates.words(r.text)
        if r.signature is None and len(toks) >= params.min_words:
            groups.setdefault(" ".join(toks), []).append(i)
    expected = [*groups.values(), [5]]
    assert [
        items.members[items.offsets[k] : items.offsets[k + 1]].tolist() for k in range(len(items))
    ] == expected
    assert len(items.kept.counts) == len(groups)  # the signature-only item has no shingles


@pytest.mark.parametrize(("num_perm", "seed"), [(30, 1), (16, 1), (128, 7), (1, 0)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    a, b = templates.permutations(num_perm, seed)
    da, db = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert (a.tolist(), b.tolist()) == (da.tolist(), db.tolist())
    assert a.dtype == b.dtype == np.uint32
