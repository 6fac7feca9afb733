"""Synthetic approaches for the campaign tests (no real person's data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.campaigns import ApproachRecord

DAY = dt.date(2026, 3, 2)

TEMPLATE = (
    "I was impressed by your insightful work on trade policy and your role in the committee. "
    "An important client of ours pays USD 1,500 for short insight reports on upcoming policy "
    "discussions. The work is flexible and remote and would take only a few hours each month."
)
# The same template with a few words swapped and another greeting.
PARAPHRASE = (
    "Dear Dr Patel, I was struck by your thoughtful work on trade policy and your role in the "
    "committee. An important customer of ours pays USD 1,500 for short insight reports on "
    "forthcoming policy discussions. The work is flexible and remote and would take only a few "
    "hours each month."
)
UNRELATED = (
    "We are recruiting a head of public affairs for a renewable energy company in Manchester. "
    "The salary is around sixty thousand pounds with a pension and hybrid working. Would you "
    "have time for a short call on Thursday afternoon?"
)


def rec(rid: str, **kw: Any) -> ApproachRecord:
    kw.setdefault("target", "staff-" + rid)
    kw.setdefault("when", DAY)
    return ApproachRecord(id=rid, **kw)
