"""Scanning a large synthetic export: time against plain CSV parsing, and peak memory.

Generates (once, cached in bench/out/) an export with 100,000 messages and
20,000 invitations, then in one run measures:

* ``csv_s``: merely parsing its CSV files with Python's ``csv`` module (rows counted);
* ``scan_s``: ``lurewatch scan`` (the Scanner: reading, rating every item,
  grouping, ordering threads, scoring), in a child process so its peak
  resident memory can be read (``ru_maxrss``).

Goals: scan time at most 3x the CSV parse; peak memory at most 300 MB.
Writes bench/out/scan.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from _common import meta, write_json
from make_export import write_export

OUT = Path(__file__).resolve().parent / "out"
GOAL_RATIO = 3.0
GOAL_MB = 300


def csv_parse(path: Path) -> tuple[float, int]:
    t = time.perf_counter()
    rows = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.endswith(".csv"):
                with zf.open(info) as raw:
                    for _ in csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")):
                        rows += 1
    return time.perf_counter() - t, rows


def child(path: Path) -> None:
    import datetime as dt

    from lurewatch.scan import Scanner
    from lurewatch.service import Checker
    from lurewatch.settings import Settings

    t0 = time.perf_counter()
    scanner = Scanner(Checker.from_settings(Settings()), dt.date(2026, 11, 29))
    t = time.perf_counter()
    result = scanner.scan(path)
    scan_s = time.perf_counter() - t
    s = result.summary
    print(
        json.dumps(
            {
                "scan_s": scan_s,
                "setup_s": t - t0,
                "messages": s.messages,
                "invitations": s.invitations,
                "counterparties": s.counterparties,
                "by_level": s.by_level,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--invitations", type=int, default=20_000)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    OUT.mkdir(exist_ok=True)
    path = OUT / f"export-{args.messages}-{args.invitations}.zip"
    if not path.exists():
        print(f"writing {path.name} ...", flush=True)
        write_export(path, args.messages, args.invitations)
    csv_s = min(csv_parse(path)[0] for _ in range(3))
    _, rows = csv_parse(path)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True
    )
    res = json.loads(proc.stdout)
    ratio = res["scan_s"] / csv_s
    items = res["messages"] + res["invitations"]
    data = {
        **res,
        "csv_s": csv_s,
        "csv_rows": rows,
        "ratio": ratio,
        "items_per_s": items / res["scan_s"],
        "goal_ratio": GOAL_RATIO,
        "goal_mb": GOAL_MB,
        "goal_met": ratio <= GOAL_RATIO and res["maxrss_mb"] <= GOAL_MB,
        "meta": meta(),
    }
    print(
        f"export: {res['messages']:,} messages, {res['invitations']:,} invitations, "
        f"{res['counterparties']:,} counterparties"
    )
    print(f"  csv parse only : {csv_s:6.2f} s ({rows:,} rows)")
    print(
        f"  lurewatch scan : {res['scan_s']:6.2f} s = {ratio:.2f}x the parse "
        f"(goal <= {GOAL_RATIO}x); {data['items_per_s']:,.0f} items/s"
    )
    print(f"  peak memory    : {res['maxrss_mb']:.0f} MB (goal <= {GOAL_MB} MB)")
    print(f"  levels         : {res['by_level']}")
    write_json("scan", data)


if __name__ == "__main__":
    main()
