"""Run every benchmark in sequence and print a summary table (``make bench``).

Each benchmark runs in its own process (so one's imports and caches do not
flatter the next) with this interpreter; its own output is shown as it runs.
Stale results are removed first, so the table only shows numbers from this
run. The summary is also written to bench/out/run_all.json.

Exit status: 0 when every benchmark ran (missed goals are reported, not
failed, unless ``--strict``), 1 when one of them failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import OUT, ROOT, describe_pack, meta, rule_pack, write_json

BENCH = Path(__file__).resolve().parent

# (script, arguments, arguments with --quick)
STEPS: tuple[tuple[str, list[str], list[str]], ...] = (
    ("messages", ["--show", "0"], ["--show", "0", "-n", "500"]),
    ("throughput", [], ["-n", "4000"]),
    ("coldstart", [], ["-n", "5"]),
    ("false_alarms", ["--show", "0"], ["--show", "0"]),
    ("scan", [], ["--messages", "20000", "--invitations", "4000"]),
    ("matching", [], ["--personas", "500"]),
    ("office", [], ["--quick"]),
    ("arrivals", [], ["--campaigns", "30", "100"]),
    ("linking", [], ["--quick"]),
)

Row = tuple[str, str, str, str]  # what, result, goal, status


def _status(ok: bool | None) -> str:
    return "-" if ok is None else ("ok" if ok else "MISSED")


def rows_for(name: str, data: dict[str, Any]) -> list[Row]:
    if name == "messages":
        st = data["stats"]
        return [
            (
                "synthetic messages",
                f"{st['n']:,}, mean {st['length_mean']:.0f} chars, "
                f"{st['suspicious_share']:.0%} suspicious, {st['non_ascii_share']:.0%} non-ASCII",
                "",
                "-",
            )
        ]
    if name == "throughput":
        goal = data["goal_engine_messages_per_s"]
        engine = data["engine_messages_per_s"]
        check = data["check_messages_per_s"]
        return [
            (
                "engine throughput",
                f"{engine:,.0f} messages/s" if engine else "n/a",
                f">= {goal:,}/s",
                _status(data["goal_met"]),
            ),
            ("full check throughput", f"{check:,.0f} messages/s" if check else "n/a", "", "-"),
        ]
    if name == "coldstart":
        rows = [
            (
                "lurewatch check cold start",
                f"median {data['median_s']:.3f} s, p90 {data['p90_s']:.3f} s",
                f"median <= {data['goal_median_s']} s",
                _status(data["goal_met"]),
            )
        ]
        cached = data.get("with_bytecode_cache")
        if cached:
            rows.append(
                (
                    "  ... with bytecode cache",
                    f"median {cached['median_s']:.3f} s, p90 {cached['p90_s']:.3f} s",
                    "",
                    "-",
                )
            )
        return rows
    if name == "false_alarms":
        n = data["files"]
        lv = data["levels"]
        flagged = lv["medium"] + lv["high"]
        return [
            (
                "Enron ham rated medium/high",
                f"{data['share_medium_or_high']:.2%} ({flagged} of {n})",
                f"<= {data['goal_share_medium_or_high']:.0%}",
                _status(data["share_medium_or_high"] <= data["goal_share_medium_or_high"]),
            ),
            (
                "Enron ham rated high",
                f"{data['share_high']:.2%} ({lv['high']} of {n})",
                f"<= {data['goal_share_high']:.1%}",
                _status(data["share_high"] <= data["goal_share_high"]),
            ),
        ]
    if name == "scan":
        return [
            (
                f"scan {data['messages']:,} messages + {data['invitations']:,} invitations",
                f"{data['scan_s']:.1f} s = {data['ratio']:.1f}x the CSV parse, "
                f"{data['items_per_s']:,.0f} items/s",
                f"<= {data['goal_ratio']:.0f}x",
                _status(data["ratio"] <= data["goal_ratio"]),
            ),
            (
                "scan peak memory",
                f"{data['maxrss_mb']:.0f} MB",
                f"<= {data['goal_mb']} MB",
                _status(data["maxrss_mb"] <= data["goal_mb"]),
            ),
        ]
    if name == "matching":
        s100k = data["match_s"].get("100000") or data["match_s"].get(100000)
        return [
            (
                "match 100k contacts, 10k indicators",
                f"{s100k:.1f} s",
                f"<= {data['goal_s']:.0f} s",
                _status(s100k <= data["goal_s"]),
            ),
            (
                "false strong matches",
                f"{data['false_strong_share']:.3%}",
                f"<= {data['goal_false_strong_share']:.1%}",
                _status(data["false_strong_share"] <= data["goal_false_strong_share"]),
            ),
        ]
    if name == "office":
        return _office_rows(data)
    if name == "arrivals":
        big = data["results"][-1]
        return [
            (
                f"arrivals checked against {big['campaigns']:,} campaigns",
                f"batch of {big['batch']} in {big['batch_s']:.2f} s, one alone {big['single_s']:.2f} s",
                "",
                "-",
            )
        ]
    if name == "linking":
        return _linking_rows(data)
    return []


def _linking_rows(data: dict[str, Any]) -> list[Row]:
    big = data["results"][-1]
    return [
        (
            f"link {big['n']:,} approaches into campaigns",
            f"{big['link_s']:.1f} s, peak {big['maxrss_mb']:.0f} MB",
            f"1M in <= {data['goal_s']:.0f} s, <= {data['goal_mb']} MB",
            _status(data["goal_met"]) if big["n"] >= 1_000_000 else "-",
        ),
        (
            f"planted campaigns at {big['n']:,}, pairwise",
            f"precision {big['precision']:.3f}, recall {big['recall']:.3f}",
            f">= {data['goal_pr']}",
            _status(min(big["precision"], big["recall"]) >= data["goal_pr"]),
        ),
    ]


def _office_rows(data: dict[str, Any]) -> list[Row]:
    goals = data["goals"]
    rows: list[Row] = []
    queue = data.get("queue") or {}
    if "skipped" in queue:
        rows.append(("triage queue (PostgreSQL)", f"skipped: {queue['skipped']}", "", "-"))
    elif queue:
        timed = {f"page {k}": v for k, v in (queue.get("page") or {}).items()}
        timed.update({f"api {k}": v for k, v in queue["api"].items()})
        worst = max(timed, key=lambda k: timed[k]["p95_ms"])
        rows.append(
            (
                f"triage queue, {queue['fill']['reports']:,} reports (PostgreSQL)",
                f"worst p95 {timed[worst]['p95_ms']:.0f} ms ({worst}), "
                f"{queue['errors']} errors, fill {queue['fill']['fill_s']:.0f} s",
                f"p95 <= {goals['queue_p95_ms']:.0f} ms",
                _status(queue["goal_met"]),
            )
        )
    for backend, s in data["submissions"].items():
        if "skipped" in s:
            rows.append((f"submissions ({backend})", f"skipped: {s['skipped']}", "", "-"))
            continue
        rows.append(
            (
                f"submissions, {data['clients']} clients ({backend})",
                f"{s['reports_per_s']:,.0f}/s, p95 {s.get('p95_ms', 0):.0f} ms, "
                f"{sum(s['errors'].values())} errors, {s['lost']} lost",
                f">= {goals['submit_reports_per_s']:.0f}/s, p95 <= {goals['submit_p95_ms']:.0f} ms",
                _status(s["goal_met"]),
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages and runs")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any goal is missed")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    failures: list[str] = []
    started = time.perf_counter()
    for name, normal, quick in STEPS:
        result = OUT / f"{name}.json"
        result.unlink(missing_ok=True)
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(BENCH / f"{name}.py"), *(quick if args.quick else normal)],
            cwd=ROOT,
            check=False,
        )
        took = time.perf_counter() - t0
        if proc.returncode != 0:
            failures.append(name)
            rows.append((name, f"FAILED (exit {proc.returncode})", "", "error"))
            continue
        if not result.exists():
            rows.append((name, f"skipped (no result, {took:.0f} s)", "", "-"))
            continue
        try:
            rows.extend(rows_for(name, json.loads(result.read_text(encoding="utf-8"))))
        except (ValueError, KeyError, TypeError) as exc:
            failures.append(name)
            rows.append((name, f"unreadable result: {type(exc).__name__}: {exc}", "", "error"))

    pack = rule_pack()
    total = time.perf_counter() - started
    widths = [
        max(len(r[i]) for r in [("benchmark", "result", "goal", "status"), *rows]) for i in range(4)
    ]
    print(f"\n=== summary ({describe_pack(pack)}; {total:.0f} s) ===")
    for r in [("benchmark", "result", "goal", "status"), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    missed = [r[0] for r in rows if r[3] == "MISSED"]
    write_json(
        "run_all",
        {
            "rows": [
                dict(zip(("benchmark", "result", "goal", "status"), r, strict=True)) for r in rows
            ],
            "failed": failures,
            "missed": missed,
            "seconds": round(total, 1),
            "quick": args.quick,
            "meta": meta(pack),
        },
    )
    if failures:
        return 1
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
