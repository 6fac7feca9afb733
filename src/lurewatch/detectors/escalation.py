"""Escalation across a thread: rapport first, then money, then the real ask.

No single message shows it. Documented approaches move in steps: flattery or
an unnamed client, later a paid task, later still a move off-platform or a
request for non-public material. This combiner reads the findings of a whole
thread, with each piece of evidence tagged by the message it came from (in
date order), and adds an ``escalation`` finding when the stages first appear
in that order in different messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from lurewatch.model import Approach, Evidence, Finding

STAGES: tuple[tuple[str, frozenset[str]], ...] = (
    ("rapport", frozenset({"flattery", "unnamed_client", "scarcity", "too_good"})),
    ("money", frozenset({"money_for_information", "payment_method", "paid_travel"})),
    (
        "ask",
        frozenset({"access", "non_public", "off_platform", "secrecy", "personal_details"}),
    ),
)
TWO_STAGES = 1.0
THREE_STAGES = 1.5


class EscalationDetector:
    id = "escalation"
    description = (
        "Stages of an approach (rapport, money, the ask) appearing in order across a thread."
    )

    def combine(self, findings: Sequence[Finding], approach: Approach) -> list[Finding]:
        first: dict[str, tuple[int, Evidence]] = {}
        for name, cats in STAGES:
            for f in findings:
                if f.category not in cats:
                    continue
                for ev in f.evidence:
                    if ev.item >= 0 and (name not in first or ev.item < first[name][0]):
                        first[name] = (ev.item, ev)
        present = [name for name, _ in STAGES if name in first]
        steps: list[str] = []
        if len(present) == 3 and first["rapport"][0] < first["money"][0] < first["ask"][0]:
            steps = present
        else:
            for i, a in enumerate(present):
                later = [b for b in present[i + 1 :] if first[b][0] > first[a][0]]
                if later:
                    steps = [a, later[0]]
                    break
        if not steps:
            return []
        n_messages = first[steps[-1]][0] - first[steps[0]][0] + 1
        weight = THREE_STAGES if len(steps) == 3 else TWO_STAGES
        return [
            Finding(
                id="escalation",
                title=f"Escalation over {n_messages} messages: " + ", then ".join(steps),
                category="escalation",
                weight=weight,
                evidence=tuple(first[s][1] for s in steps),
                tags=("attack.t1598.001", "disarm.t0097.106"),
                detector=self.id,
            )
        ]
