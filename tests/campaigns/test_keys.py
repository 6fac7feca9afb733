"""The columnar map step gives exactly the keys that record_keys gives record by record."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from random_records import FRAGMENTS, random_records

from lurewatch.campaigns.keys import (
    canon_url,
    factorise,
    identifiers_in,
    key_table,
    record_keys,
)
from lurewatch.identity import canon_profile_url
from lurewatch.matching import identifiers
from lurewatch.matching.identifiers import _DIGITS, _EMAIL


def test_factorise_numbers_values_by_first_appearance() -> None:
    codes, values = factorise(["b", "a", "b", "", "c", "a"])
    assert codes.tolist() == [0, 1, 0, 2, 3, 1]
    assert values == ["b", "a", "", "c"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_key_table_equals_record_keys_of_each_record(seed: int) -> None:
    records = random_records(seed, 400)
    table = key_table(records)
    keys = [record_keys(r) for r in records]
    assert [table.url.get(i) for i in range(len(records))] == [k.url for k in keys]
    assert [table.name.get(i) for i in range(len(records))] == [k.name for k in keys]
    assert [table.org.get(i) for i in range(len(records))] == [k.org for k in keys]
    assert [table.company.get(i) for i in range(len(records))] == [k.company for k in keys]
    photos = [int(p) if h else None for p, h in zip(table.photo, table.has_photo, strict=True)]
    assert photos == [k.photo for k in keys]
    exact: list[list[tuple[str, str]]] = [[] for _ in records]
    for kind, rows in table.exact.items():
        for k, i in enumerate(rows.record.tolist()):
            exact[i].append((kind, rows.value.get(k)))
    assert [tuple(e) for e in exact] == [k.exact for k in keys]
    # Equal persona codes exactly where the persona strings are equal.
    for i, j in itertools.combinations(range(len(records)), 2):
        same = table.persona[i] == table.persona[j]
        assert same == (keys[i].persona == keys[j].persona)


def test_key_table_codes_follow_first_appearance() -> None:
    table = key_table(random_records(4, 300))
    for column in (table.url, table.name, table.org, *(r.value for r in table.exact.values())):
        seen = [c for c in dict.fromkeys(column.codes.tolist()) if c >= 0]
        assert seen == list(range(len(column.values)))


def test_key_table_without_identifier_extraction_keeps_the_given_ones() -> None:
    records = random_records(5, 200)
    table = key_table(records, extract=False)
    exact: list[list[tuple[str, str]]] = [[] for _ in records]
    for kind, rows in table.exact.items():
        for k, i in enumerate(rows.record.tolist()):
            exact[i].append((kind, rows.value.get(k)))
    assert [tuple(e) for e in exact] == [record_keys(r, extract=False).exact for r in records]


def test_canon_url_equals_canon_profile_url() -> None:
    schemes = ["https://", "http://", "HTTPS://", "", "ftp://", " ", "//"]
    hosts = [
        "www.linkedin.com",
        "uk.linkedin.com",
        "LinkedIn.com",
        "www.example.org",
        "a-b.c",
        "x",
        "www.",
        "[::1]",
        "host:80",
        "user@host.com",
        "linkedin.com.",
        "a..b",
        "ex_ample.com",
    ]
    paths = ["", "/", "/in/Amanda-Q-88", "//in//x", "/in/x?trk=1", "/in/x#f", "/in/%41b"]
    paths += ["/in/é", "/in/a.b~c_d", "/in/ x", "/in/ß", "/in/\u212a", "/in/x//"]
    for parts in itertools.product(schemes, hosts, paths, ["", "/", "?a", " ", "\t"]):
        url = "".join(parts)
        for u in (url, url.upper()):
            assert canon_url(u) == canon_profile_url(u), u
    rng = random.Random(6)
    alphabet = "aZ09-._~/:?#%@[] \tßİ\u212aé"
    for _ in range(20_000):
        u = rng.choice(schemes) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert canon_url(u) == canon_profile_url(u), u


def _random_texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    noise = "ab1 2+3(4)5.6-7 8\u00a09\u0663@x.y_z WeChat: www. http://a.b/c 00 \n\t"
    out = []
    for _ in range(n):
        parts = [rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 2))]
        parts += ["".join(rng.choice(noise) for _ in range(rng.randint(0, 60)))]
        rng.shuffle(parts)
        out.append(" ".join(parts))
    return out


def test_phones_are_found_as_by_scanning_the_whole_text() -> None:
    for text in _random_texts(7, 3000):
        every = {identifiers.phone(m.group()) for m in _DIGITS.finditer(text)}
        expected = {p for p in every if p and len(p.lstrip("+")) >= 8}
        assert identifiers_in(text)["phone"] == expected, text


def test_addresses_are_found_as_by_scanning_the_whole_text() -> None:
    for text in _random_texts(8, 3000):
        every = {identifiers.email(m.group()) for m in _EMAIL.finditer(text)}
        assert identifiers_in(text)["email"] == {e for e in every if e}, text


def test_key_table_of_no_records() -> None:
    table = key_table([])
    assert len(table) == 0
    assert table.photo.dtype == np.uint64


@pytest.mark.parametrize(
    "text",
    [
        "call +44 20 7946 0000",
        "call +٤٤ ٢٠ ٧٩٤٦ ٠٠٠٠",  # digits of another script
        "£55,000 and £4,500: no number",
        "lone \ud800 surrogate, +44 20 7946 0000",
        "1234567",
    ],
)
def test_phones_in_any_script_are_found_as_by_scanning_the_whole_text(text: str) -> None:
    every = {identifiers.phone(m.group()) for m in _DIGITS.finditer(text)}
    assert identifiers_in(text)["phone"] == {p for p in every if p and len(p.lstrip("+")) >= 8}
