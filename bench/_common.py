"""Helpers shared by the benchmark scripts (not a benchmark itself).

Every script records, beside its numbers, which rule pack it measured (rule
count and a fingerprint of the shipped rule files): the pack is still growing,
and a number means little without the pack it was taken on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
# Every benchmark judges "as of" this fixed day, so results do not drift with the clock.
TODAY = dt.date(2026, 11, 29)


def rule_pack() -> dict[str, Any]:
    """The installed rule pack: rule count, names and a fingerprint of its files.

    Never raises: a pack that does not load (for instance while someone is
    editing it) is reported as ``{"error": ...}``.
    """
    from lurewatch.rules.loader import RuleLoadError, builtin_rules

    digest = hashlib.sha256()
    files: list[str] = []
    try:
        root = resources.files("lurewatch") / "data" / "rules"
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                files.append(entry.name)
                digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    except OSError as exc:
        return {"error": f"cannot read the rule folder: {exc}"}
    info: dict[str, Any] = {"files": files, "fingerprint": digest.hexdigest()[:12]}
    try:
        rules = builtin_rules()
    except RuleLoadError as exc:
        info["error"] = str(exc)
        return info
    info["rules"] = len(rules)
    info["active_rules"] = sum(1 for r in rules if r.status != "deprecated")
    info["names"] = [r.name for r in rules]
    return info


def describe_pack(info: dict[str, Any]) -> str:
    if "rules" not in info:
        return f"rule pack: INVALID ({len(info.get('files', []))} files)"
    return (
        f"rule pack: {info['rules']} rules in {len(info['files'])} files "
        f"(fingerprint {info['fingerprint']})"
    )


def load_checker() -> Any:
    """A :class:`lurewatch.service.Checker` for the default settings, or exit 2 with a message."""
    from lurewatch.rules.loader import RuleLoadError
    from lurewatch.service import Checker
    from lurewatch.settings import Settings

    try:
        return Checker.from_settings(Settings())
    except RuleLoadError as exc:
        print("The installed rule pack does not load (is someone editing it?):", file=sys.stderr)
        print(exc, file=sys.stderr)
        print("Fix it (`lurewatch rules test`) and run the benchmark again.", file=sys.stderr)
        raise SystemExit(2) from None


def engine_of(checker: Any) -> Any:
    """The rule engine inside a checker (the rule-pack detector's ``engine``)."""
    for detector in checker.detectors:
        engine = getattr(detector, "engine", None)
        if engine is not None:
            return engine
    raise SystemExit("no detector of this checker has a rule engine")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def meta(pack: dict[str, Any] | None = None) -> dict[str, Any]:
    """Where and on what a result was measured."""
    pack = rule_pack() if pack is None else pack
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
        "rule_pack": {k: v for k, v in pack.items() if k != "names"},
    }


def write_json(name: str, data: dict[str, Any]) -> Path:
    """Write ``bench/out/NAME.json`` and return its path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def pin_to_one_core() -> int | None:
    """Run this process on a single CPU (Linux only); return it, or None if not possible."""
    getter = getattr(os, "sched_getaffinity", None)
    setter = getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        return None
    try:
        cpu = min(getter(0))
        setter(0, {cpu})
    except (OSError, ValueError):
        return None
    return int(cpu)
