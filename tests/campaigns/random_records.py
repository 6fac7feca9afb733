"""Random approach records whose keys collide often: for comparing fast paths with plain ones.

Values are drawn from pools of a few dozen, spelt several ways, so that most
keys are shared by a handful of records (they link) and some by many (they are
suppressed under ``PARAMS``).
"""

from __future__ import annotations

import random
from typing import Any

from campaign_data import PARAPHRASE, TEMPLATE, UNRELATED, rec

from lurewatch.campaigns import ApproachRecord, LinkParams
from lurewatch.campaigns.templates import signature_of

GIVEN = ["Amanda", "Wei", "Bob", "Olga", "Chen", "Zhang", "Li", "Sarah"]
FAMILY = ["Qiu", "Chiu", "Stone", "Li", "Wang", "Wong", "Ivanova", "Smith"]
SYLLABLES = ["ka", "lo", "mi", "ren", "tor", "vex", "bre", "zu", "fal", "gor"]
FRAGMENTS = [
    "WeChat: {w}_br{k}.",
    "my WeChat ID is spy{k}",
    "add me @tele_{w}{k} now",
    "call +44 20 7946 {k:04d} today",
    "or 0044 20 7946 {k:04d}",
    "tel. (020) 7946-{k:04d}",
    "a salary of £55,000 and 5 percent",
    "write to a.b@{w}{k}-search.com",
    "or x.y{k}@gmail.com",
    "see https://www.{w}{k}.org/about",
    "visit www.meridian.com.",
    "on WeChat or by mail",
    "Ｗｅｃｈａｔ： full_width{k}",
    "Dear Dr {w},",
    TEMPLATE,
    PARAPHRASE,
    UNRELATED,
]
NOT_EMPLOYERS = ["Self-employed", "Freelance", ""]
PHOTOS: list[int | str | None] = [0xABCDEF, "0000000000abcdef", "zz", -1, 1 << 64, None]

# Low caps, so that suppression happens in a few hundred records.
PARAMS = LinkParams(
    max_identifier_personas=4,
    max_domain_personas=3,
    max_org_personas=4,
    photo_max_personas=3,
    common_orgs=frozenset({"Acme Widgets Inc."}),
)


def _url(k: int, rng: random.Random) -> str:
    path = f"/in/{SYLLABLES[k % 10]}-{k}"
    return rng.choice(
        [
            "https://www.linkedin.com" + path,
            "linkedin.com" + path.upper() + "/",
            "https://uk.linkedin.com" + path + "?trk=x",
            "HTTPS://WWW.LinkedIn.com/" + path,
            "https://example.org" if k % 7 == 0 else "linkedin.com" + path,
        ]
    )


def _company(k: int, rng: random.Random) -> str:
    core = SYLLABLES[k % 10] + SYLLABLES[k // 10 % 10] + SYLLABLES[k // 100 % 10]
    if rng.random() < 0.2:  # one letter off
        i = rng.randrange(1, len(core))
        core = core[:i] + rng.choice("bdkmz") + core[i + 1 :]
    return rng.choice([f"{core.title()} Search", f"{core.upper()} Search Ltd", f"{core} Talent"])


def _text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 3)):
        k, w = rng.randrange(40), rng.choice(SYLLABLES)
        parts.append(rng.choice(FRAGMENTS).format(k=k, w=w))
    return " ".join(parts)


def random_records(seed: int, n: int) -> list[ApproachRecord]:
    rng = random.Random(seed)
    signature = signature_of(TEMPLATE, num_perm=30, seed=1, shingle=3)
    photos = [rng.getrandbits(64) for _ in range(n // 20 + 1)]
    personas = [
        (rng.choice(GIVEN), rng.choice(FAMILY), rng.randrange(n // 4)) for _ in range(n // 25 + 1)
    ]
    out = []
    for i in range(n):
        r = rng.random()
        company = (
            _company(rng.randrange(n // 4), rng)
            if r < 0.6
            else ("Meridian Talent" if r < 0.75 else ("Acme Widgets" if r < 0.8 else ""))
        )
        kw: dict[str, Any] = {
            "profile_url": _url(rng.randrange(n // 3), rng) if rng.random() < 0.5 else "",
            "name": (
                " ".join(rng.sample([rng.choice(GIVEN), rng.choice(FAMILY)], 2))
                if rng.random() < 0.8
                else rng.choice(GIVEN)
            ),
            "company": rng.choice(NOT_EMPLOYERS) if rng.random() < 0.1 else company,
            "text": _text(rng),
            "photo_hash": rng.choice(PHOTOS),
        }
        if rng.random() < 0.3:  # one of a few personas, its name and firm spelt variously
            g, f, firm = personas[rng.randrange(len(personas))]
            kw["name"] = rng.choice([f"{g} {f}", f"{f} {g}", f"{g.upper()} {f}"])
            kw["company"] = _company(firm, rng)
        if rng.random() < 0.3:
            kw["photo_hash"] = rng.getrandbits(64)
        elif rng.random() < 0.4:  # one of a few photos, re-encoded
            flips = rng.sample(range(64), rng.randint(0, 7))
            kw["photo_hash"] = photos[rng.randrange(len(photos))] ^ sum(1 << b for b in flips)
        k = rng.randrange(40)
        if rng.random() < 0.1:
            kw["handles"] = (rng.choice([f"@ka_br{k}", f"spy{k}", "x"]),)
        if rng.random() < 0.1:
            kw["phones"] = (rng.choice([f"+44 20 7946 {k:04d}", "12"]),)
        if rng.random() < 0.1:
            kw["emails"] = (rng.choice([f"A.B@ka{k}-search.com", "me@meridian.com", "bad"]),)
        if rng.random() < 0.1:
            kw["domains"] = (rng.choice([f"ka{k}.org", "gmail.com", "meridian.com"]),)
        if rng.random() < 0.05:
            kw["signature"] = signature
        out.append(rec(f"r{rng.randrange(10**6):06d}-{i}", **kw))
    return out
