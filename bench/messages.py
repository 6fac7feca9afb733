"""Synthetic LinkedIn-style messages for benchmarks, all written by us.

Every message is assembled from the templates and word lists below with a
seeded :class:`random.Random`, so the same ``(n, seed)`` always gives the same
messages. No real person's data is used: names are random pairings of common
first names and surnames, organisations, conferences, universities, IDs and
numbers are invented, and links point to ``example.*`` domains. Names are
drawn from the same lists for benign and suspicious messages (a name is never
a signal).

Benign kinds: a recruiter with a job reference, a conference invitation, an
academic asking for a research interview, a colleague. Some benign messages
carry a look-alike of a warning sign (a recruiter asking for a CV, a
conference covering speakers' travel, a colleague mentioning WhatsApp), as
real mail does.

Suspicious messages combine two to four of: flattery, paid reports, an
unnamed client, a move to WeChat/WhatsApp/Telegram, a request for a CV or
personal details, a paid trip.

Messages are within about 10% of ``length`` characters (default 400). A
share ``unicode_share`` (default a quarter) is "typographic": curly
apostrophes, dashes and names with accents, so the tokeniser's slower
non-ASCII path is measured too; the rest are plain ASCII.

Usage::

    from messages import generate
    texts = generate(20_000, seed=1)

Run it (``.venv/bin/python bench/messages.py``) to print a few samples and
statistics; writes ``bench/out/messages.json``.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections import Counter
from dataclasses import dataclass

DEFAULT_SEED = 20261129
DEFAULT_LENGTH = 400

FIRST_NAMES = (
    "Alex", "Sam", "Priya", "Tomás", "Mei", "Jonas", "Amara", "Lena", "Omar", "Claire",
    "Ravi", "Yuki", "Noor", "Felix", "Inès", "Kofi", "Hana", "Marta", "Dev", "Elise",
    "Daniel", "Grace", "Chen", "Fatima", "Lukas", "Sofia", "Aidan", "Zoë", "Mateo", "Ruth",
)  # fmt: skip
SURNAMES = (
    "Morgan", "Patel", "Lee", "Okafor", "Novak", "García", "Hughes", "Kim", "Rossi", "Berg",
    "Khan", "Walsh", "Nakamura", "Silva", "Dubois", "Mensah", "Fischer", "Ahmed", "Quinn", "Li",
)  # fmt: skip
COMPANIES = (
    "Harbourline Systems", "Northgate Analytics", "Bluefern Health", "Quillstone Energy",
    "Meridian Civic Lab", "Tallow & Reed", "Copperleaf Logistics", "Brightwater Insurance",
    "Larkspur Robotics", "Oakhill Public Affairs",
)  # fmt: skip
UNIVERSITIES = (
    "the University of Eastmarch", "Westbrook Institute of Technology",
    "Kingsford University", "the University of Southvale", "Halden College",
)  # fmt: skip
CONFERENCES = (
    "the Forum on Grid Resilience", "the Policy and Data Summit", "the Civic Tech Week",
    "the Conference on Secure Supply Chains", "the Applied Economics Workshop",
)  # fmt: skip
CITIES = (
    "Leeds", "Manchester", "Bristol", "Edinburgh", "Cardiff", "Rotterdam", "Lyon", "Porto",
    "Singapore", "Hong Kong", "Shanghai", "Dubai", "Vienna", "Istanbul",
)  # fmt: skip
TOPICS = (
    "energy policy", "semiconductor supply chains", "defence procurement", "public health data",
    "trade negotiations", "cyber security regulation", "housing finance", "AI governance",
    "critical minerals", "parliamentary scrutiny", "telecoms infrastructure", "export controls",
)  # fmt: skip
ROLES = (
    "Senior Policy Adviser", "Data Engineer", "Head of Government Relations", "Product Manager",
    "Research Analyst", "Programme Director", "Legal Counsel", "Security Architect",
)  # fmt: skip
MEETINGS = ("steering group", "budget review", "team offsite", "stand-up", "project board")
DOCUMENTS = ("draft minutes", "revised timeline", "risk register", "slide deck", "budget sheet")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MONTHS = ("March", "April", "May", "June", "September", "October", "November")
MESSENGERS = ("WeChat", "WhatsApp", "Telegram")

GREETINGS = ("Hi {to},", "Hello {to},", "Dear {to},", "Good morning {to},")
SIGNOFFS = ("Best,", "Kind regards,", "Best regards,", "Thanks,", "Many thanks,", "Cheers,")

BENIGN: dict[str, tuple[str, ...]] = {
    "recruiter": (
        "I'm {me}, a talent partner at {company}. We're hiring a {role} (job ref {ref}) in "
        "{city}, hybrid, salary band GBP {lo},000-{hi},000.",
        "The full description is on our careers page: https://careers.example.com/jobs/{ref}.",
        "Your experience with {topic} looks relevant to the team.",
        "If you're interested, apply through the link or reply here and I'll set up a call "
        "with the hiring manager.",
    ),
    "conference": (
        "On behalf of the programme committee of {conference} ({city}, {day_n} {month}), "
        "I'd like to invite you to speak on a panel about {topic}.",
        "The programme and speaker guidelines are at https://events.example.org/{slug}.",
        "Panels are 45 minutes with three speakers and a moderator, and slides are optional.",
        "Could you let me know by the end of {month} whether you're available?",
    ),
    "academic": (
        "I'm a doctoral researcher at {university} studying {topic}.",
        "I'm interviewing practitioners for a study approved by our ethics committee "
        "(ref {ref}); interviews take about 45 minutes by video call and are anonymised.",
        "The information sheet is at https://research.example.ac.uk/{slug}, and the results "
        "will be published open access.",
        "Would you be willing to take part? My supervisor, Dr {other}, is copied in.",
    ),
    "colleague": (
        "Thanks for the notes from {day}'s {meeting}.",
        "I've added the {document} to the shared drive and flagged two points for {other}.",
        "Could we move our catch-up to {day2} at 2pm? The room is booked until 1:30.",
        "No rush on the {topic} section, next week is fine.",
    ),
}

# Benign sentences that look like a warning sign, added to some benign messages.
LOOKALIKES: dict[str, tuple[str, ...]] = {
    "recruiter": ("Please send me your CV and I'll pass it to the hiring manager.",),
    "conference": ("As with all speakers, we cover economy travel and two nights' hotel.",),
    "academic": ("Participants receive a GBP 20 book voucher as a thank you.",),
    "colleague": ("I'll post the slot in the team WhatsApp group as well.",),
}

BENIGN_FILLER = (
    "I hope you're well.",
    "Happy to answer any questions.",
    "Thanks in advance for your time.",
    "Let me know if another date suits you better.",
    "I look forward to hearing from you.",
    "Have a good week.",
)

SUSPICIOUS_OPENERS = (
    "I'm {me}, a partner at an international executive search firm.",
    "I work for a consultancy that connects experts with clients in {city}.",
    "I'm {me}, a senior consultant at a global advisory firm.",
    "I'm {me} and I head a small think tank focused on {topic}.",
)
SIGNALS: dict[str, tuple[str, ...]] = {
    "flattery": (
        "I came across your impressive profile and your insightful work on {topic}.",
        "Your expertise in {topic} is truly outstanding and widely respected.",
        "You are clearly one of the most brilliant minds working on {topic}.",
    ),
    "paid_reports": (
        "They pay generously, USD {amount} for a short report of two or three pages.",
        "You would be paid {amount} dollars per paper for your insights on {topic}.",
        "The fee is {amount} USD for each short analysis of upcoming {topic} discussions.",
    ),
    "unnamed_client": (
        "An important client of ours, a consultancy in Asia, is seeking experts like you.",
        "My client prefers not to be named at this stage, but they are very well connected.",
        "I represent a client, whose name I cannot share yet, with a keen interest in {topic}.",
    ),
    "off_platform": (
        "It would be easier to continue on {messenger}, my ID is {handle}.",
        "Please add me on {messenger} so we can discuss the details: +{phone}.",
        "Could we move this chat to {messenger}? My handle is {handle}.",
    ),
    "cv_request": (
        "Please send me your CV and a phone number so I can pass them on to my client.",
        "Could you share your latest resume together with your personal email?",
        "Send me your CV and home address and I will arrange the rest.",
    ),
    "paid_trip": (
        "Our client would invite you on an all-expenses-paid trip to {city} to meet them.",
        "We will cover your flights and a five-star hotel for a short visit to {city}.",
        "They would fly you to {city} for a paid interview, all costs covered.",
    ),
}
SUSPICIOUS_FILLER = (
    "I hope this message finds you well.",
    "This is an exclusive opportunity.",
    "I look forward to hearing from you soon.",
    "The work is remote and flexible.",
    "Let me know at your earliest convenience.",
    "It would take very little of your time.",
)

_TYPOGRAPHY = str.maketrans({"'": "’"})


@dataclass(frozen=True, slots=True)
class Sample:
    """One generated message with what it was built from."""

    text: str
    label: str  # "benign" or "suspicious"
    kind: str  # the benign kind, or "approach"
    signals: tuple[str, ...] = ()  # the warning signs a suspicious message was built from


_ASCII_FIRST = tuple(x for x in FIRST_NAMES if x.isascii())
_ASCII_SUR = tuple(x for x in SURNAMES if x.isascii())


def _person(rng: random.Random, fancy: bool) -> str:
    if fancy:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    return f"{rng.choice(_ASCII_FIRST)} {rng.choice(_ASCII_SUR)}"


def _slots(rng: random.Random, fancy: bool) -> dict[str, str]:
    lo = rng.randrange(35, 90, 5)
    return {
        "me": _person(rng, fancy),
        "other": _person(rng, fancy),
        "company": rng.choice(COMPANIES),
        "university": rng.choice(UNIVERSITIES),
        "conference": rng.choice(CONFERENCES),
        "city": rng.choice(CITIES),
        "topic": rng.choice(TOPICS),
        "role": rng.choice(ROLES),
        "meeting": rng.choice(MEETINGS),
        "document": rng.choice(DOCUMENTS),
        "day": rng.choice(DAYS),
        "day2": rng.choice(DAYS),
        "day_n": str(rng.randint(1, 28)),
        "month": rng.choice(MONTHS),
        "ref": f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
        f"-{rng.randint(1000, 9999)}",
        "slug": f"{rng.choice(TOPICS).replace(' ', '-')}-{rng.randint(2025, 2027)}",
        "lo": str(lo),
        "hi": str(lo + rng.randrange(10, 30, 5)),
        "amount": f"{rng.randrange(500, 5000, 250):,}",
        "messenger": rng.choice(MESSENGERS),
        "handle": f"{rng.choice(('amy', 'jw', 'leo', 'kit', 'max', 'ray'))}_{rng.randint(10, 99)}"
        f"{rng.choice(('br', 'hk', 'sg', 'x', 'cn', 'uk'))}",
        "phone": f"{rng.randint(30, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
    }


def _fit(head: str, body: list[str], tail: str, filler: list[str], length: int) -> str:
    """Join the parts: drop middle sentences while too long, then add filler while too short.

    The result is within about 10% of ``length`` characters.
    """
    low, high = length * 0.92, length * 1.1

    def join(parts: list[str]) -> str:
        return f"{head}\n\n{' '.join(parts)}\n\n{tail}"

    while len(join(body)) > high and len(body) > 2:
        body.pop(len(body) // 2)
    for extra in filler:
        if len(join(body)) >= low:
            break
        candidate = [*body[:-1], extra, body[-1]] if len(body) > 1 else [*body, extra]
        if len(join(candidate)) <= high:
            body = candidate
    text = join(body)
    if len(text) > high:
        text = text[:length].rsplit(" ", 1)[0]
    return text


def _sample(rng: random.Random, suspicious: bool, length: int, unicode_share: float) -> Sample:
    fancy = rng.random() < unicode_share
    s = _slots(rng, fancy)
    to = rng.choice(FIRST_NAMES if fancy else _ASCII_FIRST)
    head = rng.choice(GREETINGS).format(to=to)
    tail = f"{rng.choice(SIGNOFFS)}\n{s['me']}"
    if suspicious:
        kind = "approach"
        signals = tuple(rng.sample(sorted(SIGNALS), rng.randint(2, 4)))
        body = [rng.choice(SUSPICIOUS_OPENERS)] + [rng.choice(SIGNALS[sig]) for sig in signals]
        filler = list(SUSPICIOUS_FILLER)
    else:
        kind = rng.choice(sorted(BENIGN))
        signals = ()
        body = list(BENIGN[kind])
        if rng.random() < 0.3:
            body.insert(rng.randint(1, len(body)), rng.choice(LOOKALIKES[kind]))
        filler = list(BENIGN_FILLER)
    rng.shuffle(filler)
    text = _fit(head, [b.format(**s) for b in body], tail, filler, length)
    if fancy:
        text = (
            text.translate(_TYPOGRAPHY)
            .replace(",000-", ",000–")
            .replace(", hybrid,", " — hybrid —")
        )
    return Sample(
        text=text, label="suspicious" if suspicious else "benign", kind=kind, signals=signals
    )


def generate_labelled(
    n: int,
    seed: int = DEFAULT_SEED,
    *,
    suspicious_share: float = 0.3,
    length: int = DEFAULT_LENGTH,
    unicode_share: float = 0.25,
) -> list[Sample]:
    """``n`` messages with their labels; the same arguments always give the same messages."""
    rng = random.Random(seed)
    return [_sample(rng, rng.random() < suspicious_share, length, unicode_share) for _ in range(n)]


def generate(
    n: int,
    seed: int = DEFAULT_SEED,
    *,
    suspicious_share: float = 0.3,
    length: int = DEFAULT_LENGTH,
    unicode_share: float = 0.25,
) -> list[str]:
    """``n`` synthetic messages of about ``length`` characters, reproducible from ``seed``."""
    return [
        s.text
        for s in generate_labelled(
            n,
            seed,
            suspicious_share=suspicious_share,
            length=length,
            unicode_share=unicode_share,
        )
    ]


def stats(samples: list[Sample]) -> dict[str, object]:
    lengths = [len(s.text) for s in samples]
    return {
        "n": len(samples),
        "length_mean": round(statistics.fmean(lengths), 1),
        "length_min": min(lengths),
        "length_max": max(lengths),
        "suspicious_share": round(sum(s.label == "suspicious" for s in samples) / len(samples), 3),
        "non_ascii_share": round(sum(not s.text.isascii() for s in samples) / len(samples), 3),
        "kinds": dict(sorted(Counter(s.kind for s in samples).items())),
        "signals": dict(sorted(Counter(x for s in samples for x in s.signals).items())),
    }


def main() -> None:
    from _common import meta, write_json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="messages to generate for the stats")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--show", type=int, default=3, help="samples to print")
    args = parser.parse_args()

    samples = generate_labelled(args.n, args.seed)
    assert generate(args.n, args.seed) == [s.text for s in samples], "not reproducible"
    st = stats(samples)
    for s in samples[: args.show]:
        print(f"--- {s.label} ({s.kind}{': ' + ', '.join(s.signals) if s.signals else ''})")
        print(s.text)
    if args.show > 0:
        print("---")
    print(
        f"{st['n']} messages, length {st['length_min']}-{st['length_max']} "
        f"(mean {st['length_mean']}), {st['suspicious_share']:.0%} suspicious, "
        f"{st['non_ascii_share']:.0%} non-ASCII; reproducible from seed {args.seed}"
    )
    path = write_json(
        "messages",
        {
            "seed": args.seed,
            "stats": st,
            "samples": [s.text for s in samples[:10]],
            "meta": meta(),
        },
    )
    print(f"wrote {path.relative_to(path.parents[2])}")


if __name__ == "__main__":
    main()
