"""The triage queue's own records: analysts' saved views, and what each queue row shows.

A saved view is a name and the queue's query string, kept per analyst; the
web layer decides which filters a query string may carry (the store keeps it
as given, within a length limit). :meth:`TriageViewsMixin.queue_details`
fetches, for one page of the queue, the extras a row shows in two queries
whatever the page's length, so the queue never costs a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue, NotFound
from lurewatch.store.records import QueueRowDetail, SavedView
from lurewatch.store.schema import CaseReportRow, ObservationRow, SavedViewRow, UserRow

MAX_VIEW_NAME = 200
MAX_VIEW_QUERY = 2_000


def _view_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_VIEW_NAME:
        raise InvalidValue(
            f"view name: give 1-{MAX_VIEW_NAME} characters, e.g. 'High, committee clerks'"
        )
    return name


def _top_reason(findings: Any) -> tuple[float, str] | None:
    """The heaviest positive finding of one contact's findings summary (id, title, weight)."""
    best: tuple[float, str] | None = None
    for f in findings or ():
        if not isinstance(f, dict):
            continue
        weight, title = f.get("weight"), f.get("title")
        if not isinstance(weight, int | float) or not isinstance(title, str) or not title:
            continue
        if weight > 0 and (best is None or weight > best[0]):
            best = (float(weight), title)
    return best


class TriageViewsMixin(StoreCore):
    # -- saved views -----------------------------------------------------------------

    def save_view(self, username: str, name: str, query: str, *, actor: str) -> SavedView:
        """Save ``query`` under ``name`` for ``username``, replacing a view of that name."""
        name = _view_name(name)
        if len(query) > MAX_VIEW_QUERY:
            raise InvalidValue(f"view query: at most {MAX_VIEW_QUERY} characters")
        now = self._clock()
        with self._write() as s:
            user = self._user_row(s, username)
            row = s.scalar(
                sa.select(SavedViewRow).where(
                    SavedViewRow.user_id == user.id, SavedViewRow.name == name
                )
            )
            before = None if row is None else row.query
            if row is None:
                row = SavedViewRow(user_id=user.id, name=name, query=query, created_at=now)
                s.add(row)
            else:
                row.query = query
                row.created_at = now
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="view.save",
                target=f"user:{username}",
                details={"view_id": row.id, "name": name, "query": query, "before": before},
            )
            return SavedView(id=row.id, username=username, name=name, query=query, created_at=now)

    def list_views(self, username: str) -> list[SavedView]:
        """``username``'s saved views, by name."""
        with self._read() as s:
            rows = s.scalars(
                sa.select(SavedViewRow)
                .join(UserRow, UserRow.id == SavedViewRow.user_id)
                .where(UserRow.username == username)
                .order_by(SavedViewRow.name, SavedViewRow.id)
            )
            return [
                SavedView(
                    id=r.id, username=username, name=r.name, query=r.query, created_at=r.created_at
                )
                for r in rows
            ]

    def delete_view(self, username: str, view_id: int, *, actor: str) -> None:
        """Delete one of ``username``'s saved views (NotFound when it is not theirs)."""
        now = self._clock()
        with self._write() as s:
            user = self._user_row(s, username)
            row = s.get(SavedViewRow, view_id)
            if row is None or row.user_id != user.id:
                raise NotFound(f"{username!r} has no saved view {view_id}")
            details = {"view_id": view_id, "name": row.name, "query": row.query}
            s.delete(row)
            self._audit(
                s,
                at=now,
                actor=actor,
                action="view.delete",
                target=f"user:{username}",
                details=details,
            )

    # -- queue rows ------------------------------------------------------------------

    def queue_details(self, report_ids: Iterable[int]) -> dict[int, QueueRowDetail]:
        """Each report's top reason and linked cases, keyed by report id (two queries)."""
        ids = sorted(set(report_ids))
        if not ids:
            return {}
        reasons: dict[int, tuple[float, str]] = {}
        cases: dict[int, list[int]] = {}
        with self._read() as s:
            findings = s.execute(
                sa.select(ObservationRow.report_id, ObservationRow.findings)
                .where(ObservationRow.report_id.in_(ids))
                .order_by(ObservationRow.report_id, ObservationRow.position)
            )
            for report_id, summary in findings:
                top = _top_reason(summary)
                if top is not None and (report_id not in reasons or top[0] > reasons[report_id][0]):
                    reasons[report_id] = top
            links = s.execute(
                sa.select(CaseReportRow.report_id, CaseReportRow.case_id)
                .where(CaseReportRow.report_id.in_(ids))
                .order_by(CaseReportRow.report_id, CaseReportRow.case_id)
            )
            for report_id, case_id in links:
                cases.setdefault(report_id, []).append(case_id)
        return {
            i: QueueRowDetail(
                report_id=i,
                top_reason=reasons[i][1] if i in reasons else "",
                case_ids=tuple(cases.get(i, ())),
            )
            for i in ids
        }
