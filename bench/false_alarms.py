"""False alarms on real legitimate mail: the Enron "kaminski" ham development set.

Rates every ``*.txt`` file of ../shared/data/enron-kaminski-ham-dev/ (read in
place: the data set is never copied into the repository). Each file is a raw
e-mail, ``Subject: ...`` on the first line and the body after it; it is
checked as ``Message(text=body, kind="email", subject=subject)`` from a
stranger, as of a fixed day.

Every message here is legitimate, so any medium or high rating is a false
alarm. Goals: at most 1% rated medium or high, at most 0.1% rated high.

Prints the shares and the rules that fire most often across the corpus (at
any level). Writes bench/out/false_alarms.json: the summary, the firing
counts of every rule, and every medium/high file with its score and each
finding's id and evidence, so that the rule author can fix the causes (not
the instances: part of the mailbox is held back for an independent test).

If the data folder is absent, says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import TODAY, describe_pack, load_checker, meta, rule_pack, write_json

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "enron-kaminski-ham-dev"
GOAL_FLAGGED = 0.01  # share rated medium or high
GOAL_HIGH = 0.001  # share rated high


def read_mail(path: Path) -> tuple[str, str]:
    """``(subject, body)`` of one preprocessed Enron-Spam file."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first, _, body = text.partition("\n")
    if first.lower().startswith("subject:"):
        return first[len("subject:") :].strip(), body
    return "", text  # no subject line: the whole file is the body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of *.txt mails")
    parser.add_argument("--top", type=int, default=15, help="rules to show in the table")
    parser.add_argument("--show", type=int, default=10, help="medium/high files to print")
    args = parser.parse_args()

    files = sorted(args.data.glob("*.txt")) if args.data.is_dir() else []
    if not files:
        print(f"false alarms: skipped, no data at {args.data} (the shared data set is absent)")
        return 0

    from lurewatch.model import Approach, Message

    pack = rule_pack()
    checker = load_checker()
    print(describe_pack(pack))

    levels: Counter[str] = Counter()
    fired: Counter[str] = Counter()  # files in which each finding id occurs
    fired_flagged: Counter[str] = Counter()  # ... among the files rated medium or high
    flagged: list[dict[str, Any]] = []
    unreadable: list[str] = []
    t0 = time.perf_counter()
    for path in files:
        try:
            subject, body = read_mail(path)
        except OSError as exc:
            unreadable.append(f"{path.name}: {exc}")
            continue
        message = Message(text=body, kind="email", subject=subject)
        result = checker.check(Approach(messages=(message,)), TODAY)
        level = str(result.level)
        levels[level] += 1
        ids = {f.id for f in result.findings}
        fired.update(ids)
        if level != "low":
            fired_flagged.update(ids)
            flagged.append(
                {
                    "file": path.name,
                    "level": level,
                    "score": result.score,
                    "subject": subject,
                    "findings": [
                        {
                            "id": f.id,
                            "weight": f.weight,
                            "evidence": [
                                ev.text if ev.field == "text" else f"{ev.field}: {ev.text}"
                                for ev in f.evidence
                            ],
                        }
                        for f in result.findings
                    ],
                }
            )
    elapsed = time.perf_counter() - t0
    total = sum(levels.values())
    if total == 0:
        print("false alarms: no file could be read", file=sys.stderr)
        return 2
    flagged.sort(key=lambda x: (-x["score"], x["file"]))
    share_flagged = (levels["medium"] + levels["high"]) / total
    share_high = levels["high"] / total
    ok_flagged = share_flagged <= GOAL_FLAGGED
    ok_high = share_high <= GOAL_HIGH

    print(f"{total} legitimate e-mails from {args.data.name} in {elapsed:.1f} s")
    print(
        f"  medium or high: {levels['medium'] + levels['high']:>4} = {share_flagged:6.2%}  "
        f"goal <= {GOAL_FLAGGED:.0%}: {'ok' if ok_flagged else 'MISSED'}"
    )
    print(
        f"  high:           {levels['high']:>4} = {share_high:6.2%}  "
        f"goal <= {GOAL_HIGH:.1%}: {'ok' if ok_high else 'MISSED'}"
    )
    if unreadable:
        print(f"  {len(unreadable)} file(s) could not be read")

    names = list(pack.get("names", []))
    counts = {name: fired.get(name, 0) for name in names}
    for finding_id, n in fired.items():  # findings not from the pack (e.g. core-pattern)
        counts.setdefault(finding_id, n)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    print(f"\n  rules firing most often (files, of {total}; 'in m/h': among medium/high files):")
    print(f"  {'files':>6} {'share':>6} {'in m/h':>6}  rule")
    for name, n in ranked[: args.top]:
        if n == 0:
            break
        label = name if name in names else f"{name} (scoring, not a rule)"
        print(f"  {n:>6} {n / total:>6.1%} {fired_flagged.get(name, 0):>6}  {label}")
    silent = [name for name, n in ranked if n == 0]
    if silent:
        print(f"  never fired: {len(silent)} rule(s)")

    if flagged and args.show > 0:
        print(f"\n  medium/high files ({len(flagged)}; all in the JSON):")
        for item in flagged[: args.show]:
            found = ", ".join(f["id"] for f in item["findings"])
            print(f"    {item['score']:>3} {item['level']:<6} {item['file']}: {found}")

    path = write_json(
        "false_alarms",
        {
            "data": str(args.data),
            "files": total,
            "unreadable": unreadable,
            "levels": {lvl: levels.get(lvl, 0) for lvl in ("low", "medium", "high")},
            "share_medium_or_high": round(share_flagged, 5),
            "share_high": round(share_high, 5),
            "goal_share_medium_or_high": GOAL_FLAGGED,
            "goal_share_high": GOAL_HIGH,
            "goal_met": ok_flagged and ok_high,
            "seconds": round(elapsed, 2),
            "rule_files_fired": dict(ranked),
            "rule_files_fired_in_medium_or_high": dict(fired_flagged.most_common()),
            "medium_or_high": flagged,
            "meta": meta(pack),
        },
    )
    print(f"wrote {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
