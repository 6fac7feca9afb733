"""Write a synthetic LinkedIn data export (zip) of any size, all written by us.

The owner, "Sam Carter", receives messages from many counterparties in
conversations of one to six messages (and replies to some), plus incoming and
outgoing invitations, and has a Connections.csv with a preamble. Texts come
from ``messages.generate`` (seeded): about 30% of counterparties write
suspicious messages. Columns and date formats follow the real export.

    .venv/bin/python bench/make_export.py OUT.zip --messages 100000 --invitations 20000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import zipfile
from pathlib import Path

from messages import generate

OWNER = ("Sam Carter", "https://www.linkedin.com/in/sam-carter-1")
FIRST = [
    "Avery",
    "Jordan",
    "Li",
    "Priya",
    "Omar",
    "Chen",
    "Maria",
    "Tom",
    "Aisha",
    "Kenji",
    "Olga",
    "Chinedu",
    "Wei",
    "Emma",
    "Raj",
    "Fatima",
    "Lucas",
    "Mei",
    "Noah",
    "Sara",
]
LAST = [
    "Lin",
    "Wei",
    "Shah",
    "Haddad",
    "Zhang",
    "Garcia",
    "Hughes",
    "Khan",
    "Sato",
    "Ivanova",
    "Okafor",
    "Smith",
    "Patel",
    "Nguyen",
    "Brown",
    "Chen",
    "Kim",
    "Moss",
    "Reid",
    "Qiu",
]
COMPANIES = [
    "Bright Path Executive Search",
    "House of Commons Library",
    "Northbridge Partners",
    "University of Leeds",
    "Office for Budget Responsibility",
    "Acme Analytics",
]
MESSAGE_COLUMNS = [
    "CONVERSATION ID",
    "CONVERSATION TITLE",
    "FROM",
    "SENDER PROFILE URL",
    "TO",
    "RECIPIENT PROFILE URLS",
    "DATE",
    "SUBJECT",
    "CONTENT",
    "FOLDER",
    "ATTACHMENTS",
]


def write_export(path: Path, n_messages: int, n_invitations: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    texts = generate(min(n_messages + n_invitations, 20_000), seed=seed)
    n_people = max(1, n_messages // 4)
    people = [
        (f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"https://www.linkedin.com/in/p{i:06d}")
        for i in range(n_people)
    ]
    start = dt.datetime(2025, 1, 1, 8, 0)
    msgs = io.StringIO()
    w = csv.writer(msgs)
    w.writerow(MESSAGE_COLUMNS)
    written = 0
    conv = 0
    while written < n_messages:
        name, url = people[conv % n_people]
        conv += 1
        when = start + dt.timedelta(minutes=rng.randrange(0, 600_000))
        for k in range(rng.randint(1, 6)):
            if written >= n_messages:
                break
            owner_speaks = k % 2 == 1 and rng.random() < 0.6
            sender, s_url = OWNER if owner_speaks else (name, url)
            to, t_url = (name, url) if owner_speaks else OWNER
            text = "Thanks, noted." if owner_speaks else texts[written % len(texts)]
            w.writerow(
                [
                    f"conv-{conv}",
                    "",
                    sender,
                    s_url,
                    to,
                    t_url,
                    when.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    "",
                    text,
                    "INBOX",
                    "",
                ]
            )
            when += dt.timedelta(hours=rng.randint(1, 200))
            written += 1
    invs = io.StringIO()
    w = csv.writer(invs)
    w.writerow(
        ["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"]
    )
    for i in range(n_invitations):
        name, url = (
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            f"https://www.linkedin.com/in/i{i:06d}",
        )
        when = start + dt.timedelta(minutes=rng.randrange(0, 600_000))
        sent = f"{when.month}/{when.day}/{when:%y}, {when:%I:%M %p}"
        if rng.random() < 0.8:
            note = texts[(i * 7) % len(texts)][:300] if rng.random() < 0.6 else ""
            w.writerow([name, OWNER[0], sent, note, "INCOMING", url, OWNER[1]])
        else:
            w.writerow([OWNER[0], name, sent, "", "OUTGOING", OWNER[1], url])
    conns = io.StringIO()
    conns.write(
        'Notes:\n"When exporting your connection data, you may notice that some of the '
        'email addresses are missing."\n\n'
    )
    w = csv.writer(conns)
    w.writerow(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    )
    for name, url in people[: n_people // 2]:
        first, last = name.split(" ", 1)
        day = start.date() - dt.timedelta(days=rng.randrange(0, 3000))
        w.writerow(
            [first, last, url, "", rng.choice(COMPANIES), "Director", day.strftime("%d %b %Y")]
        )
    folder = "Basic_LinkedInDataExport_11-29-2026/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(folder + "messages.csv", msgs.getvalue())
        zf.writestr(folder + "Invitations.csv", invs.getvalue())
        zf.writestr(folder + "Connections.csv", conns.getvalue())
        zf.writestr(
            folder + "Profile.csv", "First Name,Last Name,Headline\nSam,Carter,Researcher\n"
        )
    return {"messages": n_messages, "invitations": n_invitations, "people": n_people}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--invitations", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(write_export(args.out, args.messages, args.invitations, args.seed))


if __name__ == "__main__":
    main()
