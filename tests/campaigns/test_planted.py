"""A small planted dataset is recovered exactly: pairwise precision and recall 1.0."""

from __future__ import annotations

import itertools
import random

from campaign_data import rec

from lurewatch.campaigns import link

LURE = (
    "Our partner the {org} would pay {fee} per brief analysis of forthcoming policy issues in "
    "your committee. You could do this from home in a few hours each month, entirely at your "
    "own pace. Shall we move to WeChat? It is simpler there to exchange documents."
)
# Ordinary recruiters write their own messages: distinct texts from a shared vocabulary.
VOCAB = (
    "role team salary hybrid office london manchester call week interest background energy "
    "finance health policy adviser analyst economist company growing opening description "
    "benefits pension bonus interview month contract permanent interim client sector happy "
    "share discuss experience skills leadership project delivery data research public affairs"
).split()


def _dataset() -> tuple[list, dict[str, str]]:  # type: ignore[type-arg]
    rng = random.Random(7)
    records = []
    truth: dict[str, str] = {}
    # Campaign 1: two personas at a front, a shared template and one photo.
    for i in range(6):
        who = ("Amanda Qiu", "Qiu Amanda", "Amanda Chiu")[i % 3] if i % 2 else "Shirly Shen"
        text = LURE.format(org="Kovarex Forum", fee=("USD 1,500", "USD 2,000")[i % 2])
        records.append(
            rec(
                f"c1-{i}",
                name=who,
                company=("BR-YR Search", "BRYR Search Ltd")[i % 2],
                text=text,
                photo_hash=0xABCDEF ^ (1 << i),
            )
        )
        truth[f"c1-{i}"] = "c1"
    # Campaign 2: a WeChat handle and a profile address, no shared text.
    for i in range(5):
        text = "Hello, please add me on WeChat: move_hr_lily" if i != 4 else ""
        url = "linkedin.com/in/lily-wu-77" if i >= 3 else ""
        records.append(rec(f"c2-{i}", name=f"Persona{i} Name{i}", text=text, profile_url=url))
        truth[f"c2-{i}"] = "c2"
    records[-1] = rec("c2-4", profile_url="https://www.linkedin.com/in/Lily-Wu-77/")
    # Background: unrelated recruiters, some at a common employer, gmail addresses.
    for i in range(40):
        text = " ".join(rng.choice(VOCAB) for _ in range(30))
        records.append(
            rec(
                f"bg-{i}",
                name=f"Given{i} Family{i}",
                company="Meridian Talent" if i < 15 else f"Firm{i} Partners",
                text=text + f" Write to me at given{i}@gmail.com.",
                photo_hash=rng.getrandbits(64),
            )
        )
        truth[f"bg-{i}"] = f"bg{i}"
    return records, truth


def test_planted_campaigns_are_recovered_exactly() -> None:
    records, truth = _dataset()
    linking = link(records)
    predicted = {m: c.id for c in linking.campaigns for m in c.members}
    ids = [r.id for r in records]
    tp = fp = fn = 0
    for a, b in itertools.combinations(ids, 2):
        same_pred = predicted.get(a, a) == predicted.get(b, b)
        same_true = truth[a] == truth[b]
        tp += same_pred and same_true
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    assert (tp, fp, fn) == (25, 0, 0)  # C(6,2) + C(5,2) true pairs, all found, nothing else
