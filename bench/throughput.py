"""Rule-evaluation throughput on one core.

Builds ``Checker.from_settings(Settings())`` once, then times, over N
synthetic ~400-character messages (one message per approach, a fixed day):

* the full check, ``Checker.check`` (rules + scoring + advice);
* the engine alone, ``engine.evaluate`` of the rule-pack detector;
* the engine on the plain-ASCII and on the non-ASCII messages apart (the
  tokeniser has a fast path for ASCII).

Approaches are built before timing. Each figure is the best of ``--repeat``
passes (time.perf_counter); the passes of the different measurements are
interleaved so that load elsewhere on the machine does not favour one. Python
runs this on one core; ``--pin`` also pins the process to one CPU (off by
default: on a shared machine a fixed CPU can be the busy one).

It also lists the rules that have no term to trigger on, which the engine
therefore evaluates on every message (typically a bare regex), and with
``--per-rule`` prices each rule: an engine holding the rule and a baseline
rule that matches common words, minus the baseline alone. The baseline does
the engine's shared work (tokenising, evidence spans), so that work is not
charged to whichever real rule needs it first. Best of at least 5 passes;
still noisy (a few µs), and the parts add up only roughly to the whole.

Goal: at least 20,000 messages/s for the engine. Writes bench/out/throughput.json.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from _common import (
    TODAY,
    describe_pack,
    engine_of,
    load_checker,
    meta,
    pin_to_one_core,
    rule_pack,
    write_json,
)
from messages import DEFAULT_SEED, generate_labelled, stats

GOAL_ENGINE = 20_000  # messages per second

# Matches (nearly) every message on common words, so the engine's shared work
# is done without any real rule: the floor that per-rule costs start from.
SHARED = "(shared: call, tokenising, evidence spans)"
_BASELINE_RULE = """
id: 00000000-0000-4000-8000-00000000b0b0
name: bench-baseline
title: Common words (benchmark baseline)
status: stable
description: Does the engine's shared work so that a rule's own cost can be told apart.
category: flattery
weight: 0.1
match:
  terms: [the, a, to, and, you, your, i, of, in, for, is, we]
examples:
  positive: [the]
  negative: [zzz]
"""


def best_times(
    jobs: Sequence[tuple[Callable[[Any, Any], object], Sequence[Any]]], repeat: int
) -> list[float]:
    """For each ``(fn, items)``, the shortest of ``repeat`` timed passes of ``fn(item, TODAY)``.

    The jobs are interleaved (pass 1 of every job, then pass 2, ...).
    """
    best = [float("inf")] * len(jobs)
    today = TODAY
    for _ in range(repeat):
        for k, (fn, items) in enumerate(jobs):
            gc.collect()
            t0 = time.perf_counter()
            for item in items:
                fn(item, today)
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


def untriggered_rules(engine: Any) -> list[str]:
    """Message rules the engine evaluates on every message: no term whose absence rules them out."""
    compiled = getattr(engine, "_compiled", None)  # engine internals: tolerate their change
    if compiled is None:
        return []
    return [
        c.rule.name
        for c in compiled
        if getattr(c, "trigger", 0) is None and getattr(c, "per_message", True)
    ]


def per_rule_costs(engine: Any, items: Sequence[Any], repeat: int) -> list[dict[str, Any]]:
    """µs per message of the shared work, then of each rule on its own, costliest first."""
    from lurewatch.rules.engine import Engine
    from lurewatch.rules.loader import load_text

    baseline = load_text(_BASELINE_RULE, "<bench baseline>")
    n = len(items)
    engines = [Engine(baseline)] + [Engine([*baseline, r]) for r in engine.rules]
    times = best_times([(e.evaluate, items) for e in engines], repeat)
    floor = times[0] / n
    rows = [
        {"rule": r.name, "us_per_message": round((t / n - floor) * 1e6, 1), "source": r.where}
        for r, t in zip(engine.rules, times[1:], strict=True)
    ]
    rows.sort(key=lambda row: -row["us_per_message"])
    return [{"rule": SHARED, "us_per_message": round(floor * 1e6, 1)}, *rows]


def _rate(n: int, seconds: float) -> float | None:
    return n / seconds if n and seconds > 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20_000, help="messages (default 20000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best counts")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--pin", action="store_true", help="pin the process to one CPU")
    parser.add_argument("--per-rule", action="store_true", help="also price each rule (slow)")
    parser.add_argument("--per-rule-n", type=int, default=4000, help="messages for --per-rule")
    args = parser.parse_args()
    if args.n < 1 or args.repeat < 1:
        parser.error("-n and --repeat must be at least 1")

    from lurewatch.model import Approach, Message

    cpu = pin_to_one_core() if args.pin else None
    pack = rule_pack()
    t0 = time.perf_counter()
    checker = load_checker()
    build_s = time.perf_counter() - t0
    engine = engine_of(checker)
    print(f"{describe_pack(pack)}; {len(engine.rules)} active")

    samples = generate_labelled(args.n, args.seed)
    approaches = [Approach(messages=(Message(text=s.text),)) for s in samples]
    plain = [a for a, s in zip(approaches, samples, strict=True) if s.text.isascii()]
    fancy = [a for a, s in zip(approaches, samples, strict=True) if not s.text.isascii()]
    msg_stats = stats(samples)

    # What the checker makes of the messages (untimed): shows that rules do fire.
    levels: dict[str, Counter[str]] = {"benign": Counter(), "suspicious": Counter()}
    fired: Counter[str] = Counter()
    for s, a in zip(samples, approaches, strict=True):
        result = checker.check(a, TODAY)
        levels[s.label][str(result.level)] += 1
        fired.update({f.id for f in result.findings})

    check_s, engine_s, plain_s, fancy_s = best_times(
        [
            (checker.check, approaches),
            (engine.evaluate, approaches),
            (engine.evaluate, plain),
            (engine.evaluate, fancy),
        ],
        args.repeat,
    )
    check_rate = _rate(len(approaches), check_s)
    engine_rate = _rate(len(approaches), engine_s)
    plain_rate = _rate(len(plain), plain_s)
    fancy_rate = _rate(len(fancy), fancy_s)
    ok = engine_rate is not None and engine_rate >= GOAL_ENGINE

    def show(rate: float | None) -> str:
        return "n/a" if rate is None else f"{rate:>8,.0f} messages/s ({1e6 / rate:6.1f} µs each)"

    print(
        f"{len(approaches):,} messages, mean {msg_stats['length_mean']} chars, "
        f"best of {args.repeat}{f', pinned to CPU {cpu}' if cpu is not None else ''}"
    )
    print(f"  full check  {show(check_rate)}")
    print(f"  engine      {show(engine_rate)}  goal >= {GOAL_ENGINE:,}: {'ok' if ok else 'MISSED'}")
    print(f"    ASCII     {show(plain_rate)}  [{len(plain):,} messages]")
    print(f"    non-ASCII {show(fancy_rate)}  [{len(fancy):,} messages]")
    for label, counter in levels.items():
        total = sum(counter.values()) or 1
        shares = ", ".join(f"{lvl} {counter[lvl] / total:.0%}" for lvl in ("low", "medium", "high"))
        print(f"  synthetic {label:<10} rated {shares}")
    slow = untriggered_rules(engine)
    print(f"  rules run on every message (no trigger term): {', '.join(slow) or 'none'}")
    print(f"  checker built in {build_s * 1000:.0f} ms")

    costs: list[dict[str, Any]] | None = None
    if args.per_rule and engine.rules:
        try:
            costs = per_rule_costs(engine, approaches[: args.per_rule_n], max(args.repeat, 5))
        except Exception as exc:  # the loader's API may change under us: skip, do not crash
            print(f"  per-rule costs skipped: {type(exc).__name__}: {exc}")
        else:
            print("  µs per message (on its own, over the shared work):")
            for row in costs[:9]:
                print(f"    {row['us_per_message']:6.1f}  {row['rule']}")

    def rounded(x: float | None) -> float | None:
        return None if x is None else round(x, 1)

    path = write_json(
        "throughput",
        {
            "messages": len(approaches),
            "repeat": args.repeat,
            "seed": args.seed,
            "pinned_cpu": cpu,
            "message_stats": msg_stats,
            "check_messages_per_s": rounded(check_rate),
            "engine_messages_per_s": rounded(engine_rate),
            "engine_ascii_messages_per_s": rounded(plain_rate),
            "engine_non_ascii_messages_per_s": rounded(fancy_rate),
            "check_best_s": round(check_s, 4),
            "engine_best_s": round(engine_s, 4),
            "checker_build_s": round(build_s, 4),
            "goal_engine_messages_per_s": GOAL_ENGINE,
            "goal_met": ok,
            "levels_by_label": {k: dict(v) for k, v in levels.items()},
            "messages_by_finding": dict(fired.most_common()),
            "untriggered_rules": slow,
            "per_rule_us_per_message": costs,
            "meta": meta(pack),
        },
    )
    print(f"wrote {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
