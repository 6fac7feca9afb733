"""Linking approaches into campaigns: speed, memory and recovery of planted campaigns.

Synthetic data only, generated here from word lists. N approaches to a staff
of max(500, N/200) people over two years:

* ~1 % in planted campaigns of 5-200 approaches (log-uniform). A campaign has
  1-4 personas and reuses, in varying combinations, a profile address, name
  variants (word order, romanisation, a typo), a front company of its own (no
  other campaign's front is within one letter of it) with spelling
  variants (legal suffix, closed up, one letter off), a paraphrased message
  template (synonyms swapped, a sentence dropped, the target greeted by
  name), a photo hash with 0-4 flipped bits, a WeChat handle or a phone.
  Every approach carries at least two of these.
* The rest is background from unrelated recruiters (1-30 approaches each):
  big employers (many recruiters each), a long tail of small firms,
  "Self-employed", e-mail at an employer's domain or at gmail, a shared
  placeholder photo, short polite notes everyone writes and longer recruiter
  messages composed from a bank of sentences with slots.

Truth: a planted campaign is one cluster; each background recruiter's own
approaches are one cluster. Pairwise precision and recall are computed from
cluster-size combinatorics (no pairs are enumerated), over everything and over
planted records only. Each N runs in its own process (peak memory is that
process's ru_maxrss, which includes the generated records).

Goals (issue 6): 1,000,000 approaches in <= 60 s on one core, <= 4 GB peak,
near-linear growth, precision and recall >= 0.95.

Writes bench/out/linking.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import meta, pin_to_one_core, write_json

GOAL_S = 60.0
GOAL_MB = 4096
GOAL_PR = 0.95
START = dt.date(2024, 12, 1)

GIVEN = (
    "Wei Jing Li Min Ying Hui Xin Yan Jun Lei Ming Hong Fang Tao Bo Yu Amanda Shirley Anna Emily "
    "James John David Sarah Michael Laura Daniel Sophie Priya Arjun Rahul Anita Mohammed Fatima "
    "Omar Aisha Olga Ivan Maria Jose Kenji Yuki Minjun Seoyeon Chinedu Ngozi Lucas Emma Noah Mia "
    "Oliver Charlotte Amelia Harry George Isla Freya Jack Lily Grace Thomas Hannah Katarzyna Piotr "
    "Lukas Lena Matteo Giulia Hugo Chloe Lars Ingrid Aleksander Zofia Tariq Leila Deepak Kavya "
    "Sanjay Meera Hiroshi Aiko Jisoo Hyun Thanh Linh Kwame Ama Tunde Zainab Diego Camila Mateo "
    "Valentina Andrei Elena Nikos Eleni Pedro Beatriz Rory Siobhan Ewan Morag Dafydd Cerys"
).split()
FAMILY = (
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng "
    "Liang Xie Song Tang Han Feng Deng Cao Qiu Shen Smith Jones Brown Taylor Wilson Evans Thomas "
    "Roberts Patel Sharma Singh Kumar Khan Ali Hassan Haddad Ivanov Petrova Garcia Lopez Tanaka "
    "Sato Kim Park Okafor Nguyen Walker Wright Robinson Thompson White Hughes Edwards Green Hall "
    "Wood Harris Lewis Martin Jackson Clarke Turner Hill Moore Cooper Ward Morris King Watson "
    "Nowak Kowalski Muller Schmidt Schneider Fischer Weber Rossi Russo Ferrari Dubois Laurent "
    "Moreau Jansen Visser Berg Johansson Andersson Nielsen Popescu Horvat Novak Papadopoulos "
    "Silva Santos Costa Oliveira Rahman Hossain Iyer Reddy Nair Menon Suzuki Takahashi Watanabe "
    "Choi Jung Tran Pham Mensah Adeyemi Mwangi Otieno Murphy Kelly Byrne Campbell Stewart Jenkins"
).split()
BIG_EMPLOYERS = [
    f"{a} {b}"
    for a, b in zip(
        "Meridian Northgate Harbourline Crestview Atlasbridge Silverpeak Bluewater Redstone Oakfield "
        "Kingsway Brightwell Stonebridge Westbury Eastgate Highmoor Lakeside Fairhaven Greenholt "
        "Ironwood Clearwater Summerfield Ashcombe Thornbury Goldcrest Riverside Millbrook Newhaven "
        "Blackwood Whitfield Foxglove Larkspur Moorgate Penrose Queensbury Rosewood Sandford "
        "Tidewell Upton Victoria Windmere".split(),
        [
            "Talent",
            "Recruitment",
            "Consulting",
            "Search",
            "Partners",
            "Advisory",
            "Group",
            "Bank",
            "Technologies",
            "Analytics",
        ]
        * 4,
        strict=True,
    )
]
SYLL = "ka lo mi ren tor vex ast ril pon dar sel quin bre zu fal gor hin jex mur nov ped sab tul vor wyn yel zor cal den fir ba ce di fo gu ha je ki lu ma ne pi ro sa te vi wo ya ze bo da fe gi ho ju".split()
SMALL_WORD = "Bright Blue North Oak Cedar Stone River Vale Star Peak Bay Crest Line Wood Hill Tower Park Ridge Field Gate Bridge Way Link Point Lane Cross Mill Court Green Well".split()
SMALL_SUFFIX = [
    "Consulting",
    "Ltd",
    "Partners",
    "Advisory",
    "Talent",
    "Search",
    "Associates",
    "Research",
    "Group",
]
NON_EMPLOYERS = ["Self-employed", "Freelance", "Independent Consultant", "Retired"]
POLITE = [
    "Hi {f}, I'd like to add you to my professional network.",
    "Hello {f}, I came across your profile and would love to connect.",
    "Dear {f}, it would be great to connect with you here.",
    "Hi {f}, we have several contacts in common, happy to connect?",
    "Hello {f}, great to see your work on policy, let's connect.",
    "Hi {f}, I enjoyed your recent post. Would be glad to connect.",
    "Good morning {f}, I hope you are well. Let's stay in touch.",
    "Hi {f}, following your work with interest, hope to connect.",
]
BANK = [
    "I am recruiting for a {role} role in {city} with a leading {sector} organisation.",
    "The position offers a salary of around {money} plus benefits.",
    "My client is a well established {sector} firm expanding its {city} office.",
    "Your background in {topic} caught my attention.",
    "Would you be open to a short call this week to discuss?",
    "The role is hybrid with two days a week in the {city} office.",
    "They are looking for someone with experience of {topic} and stakeholder management.",
    "Please let me know a good time to speak, or send me an updated CV.",
    "I specialise in placing {role} candidates across the {sector} sector.",
    "This is a permanent position reporting to the {role2}.",
    "There is also an interim option on a day rate of {money}.",
    "Happy to share the full job description if this is of interest.",
    "We are running a confidential search for a {role} to lead work on {topic}.",
    "The team is small but growing quickly after a new round of funding.",
    "I noticed you have worked on {topic}, which is exactly what they need.",
    "Interviews are planned for early next month in {city}.",
    "If the timing is not right for you, I would welcome a referral.",
    "Our client has a strong track record in {sector} and a friendly culture.",
    "The package includes a pension, private healthcare and a bonus of {pct} percent.",
    "I would be glad to tell you more over a coffee in {city}.",
    "We are hosting an event on {topic} in {city} and would like to invite you.",
    "The organisation values diversity and flexible working arrangements.",
    "Applications close at the end of the month so do get in touch soon.",
    "I have placed several colleagues of yours in similar roles in the past.",
]
SLOTS: dict[str, list[str]] = {
    "role": "policy adviser|senior analyst|head of public affairs|research manager|programme director|chief of staff|data scientist|communications lead|legal counsel|economist|project manager|government relations manager".split(
        "|"
    ),
    "role2": "chief executive|director of policy|head of research|managing partner|board|chief operating officer".split(
        "|"
    ),
    "city": "London|Brussels|Berlin|Paris|Edinburgh|Cardiff|Belfast|Manchester|Geneva|Dublin|Amsterdam|Vienna".split(
        "|"
    ),
    "sector": "energy|finance|technology|health|defence|transport|education|retail|insurance|telecoms|pharmaceutical|legal".split(
        "|"
    ),
    "topic": "trade policy|data protection|energy security|financial regulation|digital markets|climate policy|public procurement|health reform|competition law|cyber security|transport planning|tax policy".split(
        "|"
    ),
    "money": "£55,000|£62,000|£70,000|£85,000|€90,000|£450 a day|£600 a day|£95,000|€75,000|£48,000".split(
        "|"
    ),
    "pct": "5|8|10|12|15|20".split("|"),
}
LURE = [  # ideas, each in several phrasings; a campaign picks one phrasing of a few ideas
    ["I was impressed by your insightful work on {topic} and your role in the committee.",
     "Your insightful contributions on {topic} in the committee really stood out to us.",
     "We have followed your excellent work on {topic} with great interest."],
    ["An important client of ours, the {org}, pays {money} for short insight reports on upcoming policy discussions.",
     "The {org} offers {money} for each short report on policy debates that are coming up.",
     "Our partner the {org} would pay {money} per brief analysis of forthcoming policy issues."],
    ["The work is flexible and remote and would take only a few hours each month.",
     "It is remote, flexible work of just a few hours a month.",
     "You could do this from home in a few hours each month, entirely at your own pace."],
    ["Our client would also be pleased to invite you on a fully paid trip to {place} to meet the team.",
     "The {org} would cover all expenses for a visit to {place} to meet its directors.",
     "We can arrange an all expenses paid journey to {place} for a meeting with the {org}."],
    ["For convenience we could continue the conversation on {app} where it is easier to share documents.",
     "It would be easier to talk on {app}, which is more convenient for sharing files.",
     "Shall we move to {app}? It is simpler there to exchange documents."],
    ["Payment can be arranged quickly in cash or cryptocurrency, whichever you prefer.",
     "We pay promptly, in cash or in crypto if you prefer.",
     "Fees are settled fast and discreetly, by cash or cryptocurrency."],
    ["We are building a small network of experts who can share their views on {topic} with decision makers.",
     "The {org} gathers a select circle of specialists to advise leaders on {topic}.",
     "We are forming a discreet panel of experts on {topic} to brief senior decision makers."],
    ["Please send me your CV and a short note on the issues you follow most closely.",
     "Could you send your CV and a few lines on the files you are working on at the moment?",
     "Kindly share an updated CV and a summary of the topics your office is handling."],
    ["This opportunity is exclusive and we would need an answer within a few days.",
     "This is a one-off offer and we need your reply by the end of the week.",
     "Places are limited, so please answer soon."],
    ["Many senior officials already contribute and find the experience rewarding.",
     "Several senior figures in government already take part and value it greatly.",
     "Other experienced officials already work with the {org} and speak highly of it."],
]  # fmt: skip
LURE_SLOTS: dict[str, list[str]] = {
    "topic": SLOTS["topic"],
    "money": "USD 1,500|USD 2,000|USD 3,000|EUR 1,200|USD 800".split("|"),
    "place": "Shanghai|Beijing|Hong Kong|Shenzhen|Singapore|Macau".split("|"),
    "app": "WeChat|WhatsApp|Telegram|Signal".split("|"),
}
SYNONYMS = {
    "impressed": "struck", "insightful": "thoughtful", "important": "valued", "client": "customer",
    "short": "brief", "upcoming": "forthcoming", "flexible": "adaptable", "remote": "home-based",
    "pleased": "happy", "invite": "welcome", "convenience": "ease", "easier": "simpler",
    "quickly": "promptly", "small": "select", "experts": "specialists", "share": "offer",
    "exclusive": "unique", "answer": "reply", "senior": "high-level", "rewarding": "worthwhile",
    "conversation": "discussion", "documents": "files", "arranged": "made", "note": "summary",
}  # fmt: skip
ROMANISE = {"Qiu": "Chiu", "Xu": "Hsu", "Zhang": "Chang", "Zhou": "Chou", "Chen": "Chan", "Wang": "Wong", "Li": "Lee", "Liu": "Lau", "Huang": "Hwang", "Zhao": "Chao", "Wu": "Woo", "Yang": "Yeung", "Shen": "Shum"}  # fmt: skip


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    out = template
    for k, values in slots.items():
        token = "{" + k + "}"
        while token in out:
            out = out.replace(token, rng.choice(values), 1)
    return out


def _coined(rng: random.Random) -> str:
    """An invented firm name: consonant-vowel syllables, sparse enough not to collide."""
    return "".join(
        rng.choice("bcdfghjklmnprstvwz") + rng.choice("aeiou") for _ in range(rng.randint(3, 4))
    ).title()


def _phash(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _flip(h: str, bits: int, rng: random.Random) -> str:
    v = int(h, 16)
    for b in rng.sample(range(64), bits):
        v ^= 1 << b
    return f"{v:016x}"


def _company_variant(base: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return base
    if r < 0.55:
        return base + rng.choice([" Ltd", " Limited", " LLC", " Pte. Ltd.", " Group"])
    if r < 0.7:
        words = base.split()
        return words[0].replace("-", "") + " " + " ".join(words[1:])
    if r < 0.85:
        return base.upper()
    first = base.split()[0]
    letters = [i for i, c in enumerate(first) if c.isalpha()]
    i = rng.choice(letters[1:] or letters)
    typo = first[:i] + rng.choice("bcdfgkmnprstvz") + first[i + 1 :]
    return typo + base[len(first) :]


def _one_edit_apart(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are equal or one letter apart (changed, added or dropped)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _front(rng: random.Random, taken: list[str]) -> str:
    """A front company for a new campaign: its name is neither another campaign's nor one
    letter from it.

    Drawn from two syllables (about 3,600 names), a few hundred campaigns would
    otherwise share fronts by chance (nine pairs at 1M approaches, and 48 pairs
    one letter apart, which the one-letter spelling variants below then hit
    exactly), and one front would stand for two operations while the truth
    keeps them apart.
    """
    while True:
        first = f"{rng.choice(SYLL).upper()}-{rng.choice(SYLL).upper()}"
        stem = first.replace("-", "").lower()
        if not any(_one_edit_apart(stem, t) for t in taken):
            taken.append(stem)
            kind = rng.choice(
                [
                    "Executive Search",
                    "Consulting",
                    "Research Institute",
                    "Talent",
                    "Development Studies",
                ]
            )
            return f"{first} {kind}"


def _name_variant(given: str, family: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return f"{given} {family}"
    if r < 0.65:
        return f"{family} {given}"
    if r < 0.85 and family in ROMANISE:
        return f"{given} {ROMANISE[family]}"
    if r < 0.92:
        return f"{given.upper()} {family}"
    return f"{given} {family}"


def _paraphrase(sentences: list[str], first: str, rng: random.Random) -> str:
    chosen = list(sentences)
    if len(chosen) > 4 and rng.random() < 0.3:
        chosen.pop(rng.randrange(1, len(chosen)))
    words = " ".join(chosen).split()
    swappable = [i for i, w in enumerate(words) if w.strip(".,").lower() in SYNONYMS]
    for i in rng.sample(swappable, min(len(swappable), rng.randint(1, 4))):
        w = words[i]
        core = w.strip(".,")
        words[i] = w.replace(core, SYNONYMS[core.lower()])
    greeting = rng.choice(
        ["Dear {f},", "Hello {f},", "Hi {f},", "Dear Dr {f},", "Good afternoon {f},"]
    )
    return greeting.format(f=first) + " " + " ".join(words)


def generate(n: int, seed: int) -> tuple[list[Any], list[str]]:
    """``n`` approach records and, for each, its true cluster label."""
    from lurewatch.campaigns import ApproachRecord

    rng = random.Random(seed)
    staff = [f"staff-{i:06d}" for i in range(max(500, n // 200))]
    staff_first = [rng.choice(GIVEN) for _ in staff]
    records: list[Any] = []
    truth: list[str] = []
    placeholder = _phash(rng)
    big_weights = [1 / (k + 1) ** 0.7 for k in range(len(BIG_EMPLOYERS))]

    def when() -> dt.date:
        return START + dt.timedelta(days=rng.randrange(730))

    # Planted campaigns: about 1 % of the records.
    budget = max(5, n // 100)
    fronts: list[str] = []
    c = 0
    while budget >= 5:
        size = min(budget, round(5 * (40 ** rng.random())))
        budget -= size
        c += 1
        front = _front(rng, fronts)
        domain = front.split()[0].lower().replace("-", "") + rng.choice(
            ["-search.com", "-consult.net", ".org"]
        )
        personas = []
        for _ in range(rng.randint(1, 4)):
            g, f = rng.choice(GIVEN), rng.choice(FAMILY)
            personas.append(
                {
                    "given": g,
                    "family": f,
                    "url": f"https://www.linkedin.com/in/{g.lower()}-{f.lower()}-{rng.randrange(10**6)}",
                    "photo": _phash(rng),
                }
            )
        slots = dict(
            LURE_SLOTS,
            org=[
                _coined(rng)
                + " "
                + rng.choice(["Forum", "Institute", "Council", "Foundation", "Circle"])
            ],
        )
        ideas = rng.sample(LURE, rng.randint(4, 6))
        sentences = [_fill(rng.choice(idea), slots, rng) for idea in ideas]
        handle = (
            f"{front.split()[0].lower().replace('-', '')}_{rng.choice(GIVEN).lower()}{rng.randrange(100)}"
            if rng.random() < 0.5
            else ""
        )
        phone = (
            f"+852 {rng.randrange(5000, 9999)} {rng.randrange(1000, 9999)}"
            if rng.random() < 0.3
            else ""
        )
        base_day = rng.randrange(700)
        for _ in range(size):
            p = rng.choice(personas)
            target = rng.randrange(len(staff))
            fields: dict[str, Any] = {}
            artefacts = ["url", "persona", "template", "photo", "handle", "company"]
            weights = {
                "url": 0.5,
                "persona": 0.7,
                "template": 0.7,
                "photo": 0.5,
                "handle": 0.4 if (handle or phone) else 0.0,
                "company": 0.3,
            }
            chosen = [a for a in artefacts if rng.random() < weights[a]]
            while len(chosen) < 2:
                extra = rng.choice([a for a in artefacts if weights[a] > 0])
                if extra not in chosen:
                    chosen.append(extra)
            name = (
                _name_variant(p["given"], p["family"], rng)
                if "persona" in chosen
                else f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
            )
            company = (
                _company_variant(front, rng) if ("persona" in chosen or "company" in chosen) else ""
            )
            text = ""
            if "template" in chosen:
                text = _paraphrase(sentences, staff_first[target], rng)
            else:
                text = _fill(rng.choice(POLITE), {"f": [staff_first[target]]}, rng)
            if "handle" in chosen:
                if handle:
                    text += f" My WeChat ID is {handle}."
                if phone:
                    text += f" You can also reach me on WhatsApp {phone}."
            fields["name"] = name
            fields["company"] = company
            fields["profile_url"] = p["url"] if "url" in chosen else ""
            fields["photo_hash"] = (
                _flip(p["photo"], rng.choice([0, 0, 1, 2, 3, 4]), rng)
                if "photo" in chosen
                else None
            )
            if rng.random() < 0.2:
                fields["emails"] = (
                    (f"{p['given'].lower()}.{p['family'].lower()}@{domain}",)
                    if "company" in chosen
                    else ()
                )
            day = START + dt.timedelta(days=min(729, base_day + rng.randrange(30)))
            records.append(
                ApproachRecord(
                    id=f"a{len(records):07d}", target=staff[target], when=day, text=text, **fields
                )
            )
            truth.append(f"c{c}")

    # Background recruiters.
    bg = 0
    while len(records) < n:
        bg += 1
        g, f = rng.choice(GIVEN), rng.choice(FAMILY)
        r = rng.random()
        if r < 0.45:
            company = rng.choices(BIG_EMPLOYERS, big_weights)[0]
            mail_domain = company.split()[0].lower() + ".com"
        elif r < 0.8:
            company = _coined(rng) + " " + rng.choice(SMALL_WORD) + " " + rng.choice(SMALL_SUFFIX)
            mail_domain = company.split()[0].lower() + ".co.uk"
        elif r < 0.9:
            company = rng.choice(NON_EMPLOYERS)
            mail_domain = "gmail.com"
        else:
            company = ""
            mail_domain = "gmail.com"
        url = (
            f"https://www.linkedin.com/in/{g.lower()}{f.lower()}{rng.randrange(10**7)}"
            if rng.random() < 0.9
            else ""
        )
        pr = rng.random()
        photo = _phash(rng) if pr < 0.85 else (placeholder if pr < 0.9 else None)
        email = (
            f"{g.lower()}.{f.lower()}{rng.randrange(100)}@{mail_domain}"
            if rng.random() < 0.2
            else ""
        )
        style = rng.random()
        count = min(30, 1 + int(rng.expovariate(0.5)), n - len(records))
        for _ in range(count):
            target = rng.randrange(len(staff))
            tr = rng.random()
            if tr < 0.4:
                text = _fill(rng.choice(POLITE), {"f": [staff_first[target]]}, rng)
            elif tr < 0.9:
                parts = [_fill(s, SLOTS, rng) for s in rng.sample(BANK, rng.randint(3, 5))]
                text = f"Hi {staff_first[target]}, " + " ".join(parts)
            else:
                text = ""
            if email and style < 0.5 and text:
                text += f" You can reach me at {email}."
            records.append(
                ApproachRecord(
                    id=f"a{len(records):07d}",
                    target=staff[target],
                    when=when(),
                    name=f"{g} {f}",
                    company=company,
                    profile_url=url,
                    text=text,
                    photo_hash=photo,
                    emails=(email,) if email and style >= 0.5 else (),
                )
            )
            truth.append(f"p{bg}")
    # Shuffle so that campaigns are not contiguous (keeping ids unique and stable).
    order = list(range(len(records)))
    rng.shuffle(order)
    return [records[i] for i in order], [truth[i] for i in order]


def _pairs(x: int) -> int:
    return x * (x - 1) // 2


def pairwise(records: list[Any], truth: list[str], linking: Any) -> dict[str, float]:
    """Pairwise precision and recall from cluster sizes (no pair enumerated)."""
    pred = {m: c.id for c in linking.campaigns for m in c.members}
    labels = [pred.get(r.id, r.id) for r in records]
    cells = Counter(zip(labels, truth, strict=True))
    pred_sizes = Counter(labels)
    true_sizes = Counter(truth)
    tp = sum(_pairs(v) for v in cells.values())
    pp = sum(_pairs(v) for v in pred_sizes.values())
    tpairs = sum(_pairs(v) for v in true_sizes.values())
    # Planted only: recall over pairs inside planted campaigns; precision over predicted
    # pairs that involve at least one planted record.
    planted_true = sum(_pairs(v) for k, v in true_sizes.items() if k.startswith("c"))
    planted_tp = sum(_pairs(v) for (_, t), v in cells.items() if t.startswith("c"))
    planted_in: Counter[str] = Counter()
    for (p, t), v in cells.items():
        if t.startswith("c"):
            planted_in[p] += v
    planted_pp = sum(
        _pairs(pred_sizes[p]) - _pairs(pred_sizes[p] - k) for p, k in planted_in.items()
    )
    return {
        "precision": tp / pp if pp else 1.0,
        "recall": tp / tpairs if tpairs else 1.0,
        "planted_precision": planted_tp / planted_pp if planted_pp else 1.0,
        "planted_recall": planted_tp / planted_true if planted_true else 1.0,
        "true_pairs": tpairs,
        "predicted_pairs": pp,
        "planted_campaigns": sum(1 for k in true_sizes if k.startswith("c")),
    }


def child(n: int, seed: int) -> dict[str, Any]:
    from lurewatch.campaigns import fanout, link

    cpu = pin_to_one_core()
    t0 = time.perf_counter()
    records, truth = generate(n, seed)
    gen_s = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stages: dict[str, float] = {}

    def on_stage(name: str, seconds: float) -> None:
        stages[name] = round(stages.get(name, 0.0) + seconds, 3)

    t0, c0 = time.perf_counter(), time.process_time()
    linking = link(records, on_stage=on_stage)
    link_s = time.perf_counter() - t0
    link_cpu_s = time.process_time() - c0
    t0 = time.perf_counter()
    findings = fanout(records, linking)
    fan_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scores = pairwise(records, truth, linking)
    reasons: Counter[str] = Counter()
    for c in linking.campaigns:
        for lk in c.links:
            reasons[lk.reason] += 1
    return {
        "n": n,
        "cpu": cpu,
        "generate_s": round(gen_s, 2),
        "link_s": round(link_s, 2),
        "link_cpu_s": round(link_cpu_s, 2),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "stages_s": stages,
        "fanout_s": round(fan_s, 2),
        "fanout_findings": Counter(f.kind for f in findings),
        "maxrss_mb": round(rss, 1),
        "maxrss_after_generate_mb": round(rss_before, 1),
        "campaigns": len(linking.campaigns),
        "links": dict(reasons),
        "suppressed": Counter(s.kind for s in linking.suppressed),
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in scores.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k only")
    parser.add_argument(
        "--sizes", default="", help="comma-separated N (default 10000,100000,1000000)"
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.seed)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s] or (
        [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    )
    results = []
    for n in sizes:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__)), "--child", str(n), "--seed", str(args.seed)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{n:>9,} approaches: link {r['link_s']:6.1f} s (CPU {r['link_cpu_s']:.1f} s, load {r['load_average'][0]})  peak {r['maxrss_mb']:7.0f} MB  "
            f"P {r['precision']:.3f} R {r['recall']:.3f}  planted P {r['planted_precision']:.3f} "
            f"R {r['planted_recall']:.3f}  ({r['campaigns']:,} clusters, generate {r['generate_s']:.0f} s)",
            flush=True,
        )
        for stage, s in r["stages_s"].items():
            print(f"{'':13}{stage:<38} {s:7.2f} s")
    big = results[-1]
    per_record = [r["link_s"] / r["n"] * 1e6 for r in results]
    goal_met = (
        big["n"] >= 1_000_000 and big["link_s"] <= GOAL_S and big["maxrss_mb"] <= GOAL_MB
        and min(min(r["precision"], r["recall"]) for r in results) >= GOAL_PR
    )  # fmt: skip
    print(
        "\nmicroseconds per approach:",
        ", ".join(f"{r['n']:,}: {p:.0f}" for r, p in zip(results, per_record, strict=True)),
    )
    print(
        f"goal (1M <= {GOAL_S:.0f} s, <= {GOAL_MB} MB, P/R >= {GOAL_PR}): {'met' if goal_met else 'NOT met'}"
    )
    path = write_json(
        "linking",
        {
            "results": results,
            "us_per_approach": [round(p, 1) for p in per_record],
            "goal_s": GOAL_S,
            "goal_mb": GOAL_MB,
            "goal_pr": GOAL_PR,
            "goal_met": goal_met,
            "meta": meta(),
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
