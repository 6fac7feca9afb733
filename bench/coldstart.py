"""Cold start of `lurewatch check`: process start to exit, for a short message.

Runs the installed console script

    .venv/bin/lurewatch check --message FILE --format json

N times (default 20, after 2 untimed warm-up runs that fill the OS file cache)
with subprocess, timing each run from start to exit, and reports the median
and p90 (nearest rank). Goal: median <= 0.3 s. For scale it also times the bare
interpreter (`python -c pass`).

If PYTHONDONTWRITEBYTECODE is set (as in some sandboxes and CI images), Python
never caches the compiled bytecode of lurewatch's own modules (an editable
install ships none), so every run compiles them again. The main figure keeps
the environment as it is; a second figure is taken with bytecode caching on,
written to bench/out/pycache via PYTHONPYCACHEPREFIX (nothing is written into
src/ or the virtualenv), which is what an installed wheel behaves like.

Then it runs the same command under `python -X importtime` 3 times and writes
the 10 slowest imports (cumulative, and self; the fastest of the 3 runs for
each module) with the full log of one run to bench/out/importtime.txt.

Writes bench/out/coldstart.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import OUT, ROOT, describe_pack, meta, percentile, rule_pack, write_json

GOAL_MEDIAN_S = 0.3
MESSAGE = """\
Hello Sam,

I came across your impressive profile and your work on energy policy. An important
client of ours, a consultancy in Asia, pays USD 2,000 per short report for insights
into upcoming policy discussions. It would be easier to continue on WeChat: please
send me your CV and a phone number.

Best regards,
Alex Morgan
"""


def find_console_script() -> Path | None:
    """The installed `lurewatch` script: beside this interpreter, in .venv, or on PATH."""
    for candidate in (
        Path(sys.executable).parent / "lurewatch",
        ROOT / ".venv" / "bin" / "lurewatch",
    ):
        if candidate.is_file():
            return candidate
    found = shutil.which("lurewatch")
    return Path(found) if found else None


def script_python(script: Path) -> str:
    """The interpreter named on the script's #! line (else this one)."""
    try:
        with script.open("rb") as fh:
            first = fh.readline().decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!"):
        interpreter = first[2:].strip().split()[0] if first[2:].strip() else ""
        if interpreter and Path(interpreter).is_file() and "env" not in Path(interpreter).name:
            return interpreter
    return sys.executable


def clean_env(*, cache_dir: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    if cache_dir is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return env


def run_once(
    cmd: list[str], env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, check=False, cwd=ROOT)
    return time.perf_counter() - t0, proc


def time_runs(
    cmd: list[str], env: dict[str, str], n: int, warmup: int = 2
) -> tuple[list[float], bytes]:
    """Wall times of ``n`` runs after ``warmup`` untimed ones; exits 2 if the command fails."""
    times: list[float] = []
    out = b""
    for i in range(warmup + n):
        elapsed, proc = run_once(cmd, env)
        if proc.returncode != 0:
            print(f"command failed (exit {proc.returncode}): {' '.join(cmd)}", file=sys.stderr)
            print(proc.stderr.decode("utf-8", "replace").strip(), file=sys.stderr)
            raise SystemExit(2)
        if i >= warmup:
            times.append(elapsed)
        out = proc.stdout
    return times, out


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(times), 4),
        "p90_s": round(percentile(times, 90), 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
    }


def parse_importtime(stderr: str) -> list[tuple[str, int, int, int]]:
    """``(module, self_us, cumulative_us, depth)`` from `-X importtime` output, in order."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        try:
            self_us, cum_us = int(parts[0]), int(parts[1])
        except ValueError:
            continue
        raw = parts[2]
        name = raw.strip()
        depth = max(0, (len(raw) - len(raw.lstrip()) - 1) // 2)
        rows.append((name, self_us, cum_us, depth))
    return rows


def importtime_report(python: str, cmd_args: list[str], env: dict[str, str], runs: int = 3) -> Any:
    best: dict[str, tuple[int, int, int]] = {}
    last_log = ""
    for _ in range(runs):
        proc = subprocess.run(
            [python, "-X", "importtime", *cmd_args],
            env=env,
            capture_output=True,
            check=False,
            cwd=ROOT,
        )
        last_log = proc.stderr.decode("utf-8", "replace")
        for name, self_us, cum_us, depth in parse_importtime(last_log):
            old = best.get(name)
            best[name] = (
                (self_us, cum_us, depth)
                if old is None
                else (min(old[0], self_us), min(old[1], cum_us), depth)
            )
    by_cum = sorted(best.items(), key=lambda kv: -kv[1][1])[:10]
    by_self = sorted(best.items(), key=lambda kv: -kv[1][0])[:10]
    total_self = sum(v[0] for v in best.values())
    top_level = sum(v[1] for v in best.values() if v[2] == 0)
    own = sum(v[0] for k, v in best.items() if k == "lurewatch" or k.startswith("lurewatch."))
    return {
        "modules": len(best),
        "total_self_us": total_self,
        "top_level_cumulative_us": top_level,
        "lurewatch_self_us": own,
        "top_cumulative": [
            {"module": k, "cumulative_us": v[1], "self_us": v[0]} for k, v in by_cum
        ],
        "top_self": [{"module": k, "self_us": v[0], "cumulative_us": v[1]} for k, v in by_self],
        "log": last_log,
    }


def write_importtime(path: Path, cmd: str, report: dict[str, Any], note: str) -> None:
    lines = [
        f"python -X importtime of: {cmd}",
        f"{report['modules']} modules imported; sum of self times "
        f"{report['total_self_us'] / 1000:.1f} ms, of which lurewatch's own modules "
        f"{report['lurewatch_self_us'] / 1000:.1f} ms. Fastest of 3 runs per module. {note}",
        "",
        "Top 10 by cumulative time (the module and everything it imported):",
        f"{'cumulative ms':>14} {'self ms':>8}  module",
    ]
    for row in report["top_cumulative"]:
        lines.append(
            f"{row['cumulative_us'] / 1000:>14.1f} {row['self_us'] / 1000:>8.1f}  {row['module']}"
        )
    lines += [
        "",
        "Top 10 by self time (the module's own code):",
        f"{'self ms':>14} {'cum ms':>8}  module",
    ]
    for row in report["top_self"]:
        lines.append(
            f"{row['self_us'] / 1000:>14.1f} {row['cumulative_us'] / 1000:>8.1f}  {row['module']}"
        )
    lines += ["", "Full log of the last run:", report["log"]]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="timed runs (default 20)")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("-n must be at least 1")

    script = find_console_script()
    if script is None:
        print("no `lurewatch` console script found: run `make setup` first", file=sys.stderr)
        return 2
    pack = rule_pack()
    print(describe_pack(pack))
    OUT.mkdir(parents=True, exist_ok=True)
    message = OUT / "coldstart-message.txt"
    message.write_text(MESSAGE, encoding="utf-8")
    cmd_args = ["check", "--message", str(message), "--format", "json"]
    cmd = [str(script), *cmd_args]
    shown = f"{script.relative_to(ROOT) if script.is_relative_to(ROOT) else script} " + " ".join(
        cmd_args
    ).replace(str(message), str(message.relative_to(ROOT)))

    no_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    times, out = time_runs(cmd, clean_env(), args.n)
    try:
        level = json.loads(out)["level"]
    except (ValueError, KeyError, TypeError):
        level = None
    main_stats = summary(times)
    cached_stats = None
    if no_bytecode:
        cached_times, _ = time_runs(cmd, clean_env(cache_dir=OUT / "pycache"), args.n)
        cached_stats = summary(cached_times)
    python = script_python(script)
    bare_times, _ = time_runs([python, "-c", "pass"], clean_env(), args.n)
    bare = summary(bare_times)
    ok = main_stats["median_s"] <= GOAL_MEDIAN_S

    note = (
        "PYTHONDONTWRITEBYTECODE is set, so self times of lurewatch modules include compiling them."
        if no_bytecode
        else ""
    )
    report = importtime_report(python, [str(script), *cmd_args], clean_env())
    importtime_path = OUT / "importtime.txt"
    write_importtime(importtime_path, shown, report, note)

    print(f"{shown}  (rated {level}), {args.n} runs after 2 warm-ups")
    print(
        f"  median {main_stats['median_s']:.3f} s, p90 {main_stats['p90_s']:.3f} s "
        f"(min {main_stats['min_s']:.3f}, max {main_stats['max_s']:.3f})  "
        f"goal median <= {GOAL_MEDIAN_S} s: {'ok' if ok else 'MISSED'}"
    )
    if cached_stats:
        print(
            f"  with bytecode cache (PYTHONDONTWRITEBYTECODE is set here): median "
            f"{cached_stats['median_s']:.3f} s, p90 {cached_stats['p90_s']:.3f} s"
        )
    print(f"  bare interpreter (python -c pass): median {bare['median_s']:.3f} s")
    print("  slowest imports (cumulative ms):")
    for row in report["top_cumulative"][:5]:
        print(f"    {row['cumulative_us'] / 1000:7.1f}  {row['module']}")
    print(f"wrote {importtime_path.relative_to(ROOT)}")

    path = write_json(
        "coldstart",
        {
            "command": shown,
            "runs": args.n,
            "level": level,
            **main_stats,
            "goal_median_s": GOAL_MEDIAN_S,
            "goal_met": ok,
            "pythondontwritebytecode": no_bytecode,
            "with_bytecode_cache": cached_stats,
            "bare_interpreter": bare,
            "times_s": [round(t, 4) for t in times],
            "importtime": {k: v for k, v in report.items() if k != "log"},
            "meta": meta(pack),
        },
    )
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
