"""Cases in the TheHive manner: status, severity, TLP/PAP labels, tags, assignee, notes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue, NotFound
from lurewatch.store.records import (
    CASE_STATUSES,
    PAP_LABELS,
    SEVERITIES,
    TLPS,
    Case,
    CaseDraft,
    CaseNote,
    CaseStatus,
    CaseSummary,
    Severity,
)
from lurewatch.store.schema import (
    CaseNoteRow,
    CaseReportRow,
    CaseRow,
    CaseTagRow,
    ReportRow,
    UserRow,
)

ASSIGNABLE_ROLES = ("analyst", "admin")


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidValue(f"{field} {value!r}: expected one of {', '.join(allowed)}")
    return value


def _severity(value: str) -> Severity:
    return _one_of("severity", value, SEVERITIES)  # type: ignore[return-value]


def _status(value: str) -> CaseStatus:
    return _one_of("status", value, CASE_STATUSES)  # type: ignore[return-value]


def _tags(tags: Iterable[str]) -> tuple[str, ...]:
    clean = sorted({t.strip() for t in tags if t.strip()})
    for t in clean:
        if len(t) > 200:
            raise InvalidValue(f"tag {t[:40]!r}...: at most 200 characters")
    return tuple(clean)


def _title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > 500:
        raise InvalidValue("case title: give 1-500 characters")
    return title


class CasesMixin(StoreCore):
    def _case_row(self, s: Session, case_id: int) -> CaseRow:
        row = s.get(CaseRow, case_id)
        if row is None:
            raise NotFound(f"no case {case_id}")
        return row

    def _assignee_id(self, s: Session, username: str | None) -> int | None:
        if username is None:
            return None
        user = self._user_row(s, username)
        if user.role not in ASSIGNABLE_ROLES or not user.is_active:
            raise InvalidValue(
                f"cannot assign a case to {username!r}: only active analysts and admins"
            )
        return user.id

    def _link(self, s: Session, case: CaseRow, reference: str, actor: str) -> dict[str, Any]:
        report = s.scalar(sa.select(ReportRow).where(ReportRow.reference == reference))
        if report is None:
            raise NotFound(f"no report {reference!r}")
        if s.get(CaseReportRow, (case.id, report.id)) is None:
            s.add(
                CaseReportRow(
                    case_id=case.id, report_id=report.id, linked_at=case.updated_at, linked_by=actor
                )
            )
        moved = report.status == "received"
        if moved:
            # The reporter sees their report is being looked at.
            report.status = "in_review"
            report.updated_at = case.updated_at
        return {"report": reference, "report_status": report.status if moved else None}

    def _case_record(self, s: Session, row: CaseRow) -> Case:
        assignee = None
        if row.assignee_id is not None:
            assignee = s.scalar(sa.select(UserRow.username).where(UserRow.id == row.assignee_id))
        tags = s.scalars(
            sa.select(CaseTagRow.tag).where(CaseTagRow.case_id == row.id).order_by(CaseTagRow.tag)
        ).all()
        reports = s.scalars(
            sa.select(ReportRow.reference)
            .join(CaseReportRow, CaseReportRow.report_id == ReportRow.id)
            .where(CaseReportRow.case_id == row.id)
            .order_by(ReportRow.reference)
        ).all()
        notes = s.scalars(
            sa.select(CaseNoteRow)
            .where(CaseNoteRow.case_id == row.id)
            .order_by(CaseNoteRow.at, CaseNoteRow.id)
        ).all()
        return Case(
            id=row.id,
            title=row.title,
            description=row.description,
            severity=_severity(row.severity),
            tlp=row.tlp,
            pap=row.pap,
            tags=tuple(tags),
            status=_status(row.status),
            assignee=assignee,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            reports=tuple(reports),
            notes=tuple(
                CaseNote(id=n.id, case_id=n.case_id, author=n.author, at=n.at, text=n.text)
                for n in notes
            ),
        )

    # -- creating and reading --------------------------------------------------------

    def create_case(self, draft: CaseDraft, *, actor: str) -> Case:
        """Open a case (status New), linking the reports named in the draft."""
        title = _title(draft.title)
        _one_of("severity", draft.severity, SEVERITIES)
        _one_of("tlp", draft.tlp, TLPS)
        _one_of("pap", draft.pap, PAP_LABELS)
        tags = _tags(draft.tags)
        now = self._clock()
        with self._write() as s:
            row = CaseRow(
                title=title,
                description=draft.description,
                severity=draft.severity,
                tlp=draft.tlp,
                pap=draft.pap,
                status="New",
                assignee_id=self._assignee_id(s, draft.assignee),
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            s.add_all(CaseTagRow(case_id=row.id, tag=t) for t in tags)
            for reference in dict.fromkeys(draft.reports):
                self._link(s, row, reference, actor)
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="case.create",
                target=f"case:{row.id}",
                details={
                    "title": title,
                    "severity": draft.severity,
                    "tlp": draft.tlp,
                    "pap": draft.pap,
                    "tags": list(tags),
                    "assignee": draft.assignee,
                    "reports": list(dict.fromkeys(draft.reports)),
                },
            )
            return self._case_record(s, row)

    def get_case(self, case_id: int) -> Case:
        with self._read() as s:
            return self._case_record(s, self._case_row(s, case_id))

    def list_cases(
        self,
        *,
        status: CaseStatus | None = None,
        assignee: str | None = None,
        tag: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[CaseSummary]:
        """Cases, most recently updated first."""
        n_reports = (
            sa.select(sa.func.count())
            .where(CaseReportRow.case_id == CaseRow.id)
            .correlate(CaseRow)
            .scalar_subquery()
        )
        query = (
            sa.select(CaseRow, UserRow.username, n_reports)
            .outerjoin(UserRow, UserRow.id == CaseRow.assignee_id)
            .order_by(CaseRow.updated_at.desc(), CaseRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if status is not None:
            query = query.where(CaseRow.status == _one_of("status", status, CASE_STATUSES))
        if assignee is not None:
            query = query.where(UserRow.username == assignee)
        if tag is not None:
            query = query.where(
                sa.exists().where(CaseTagRow.case_id == CaseRow.id, CaseTagRow.tag == tag)
            )
        with self._read() as s:
            rows = s.execute(query).all()
            out = []
            for row, username, count in rows:
                tags = s.scalars(
                    sa.select(CaseTagRow.tag)
                    .where(CaseTagRow.case_id == row.id)
                    .order_by(CaseTagRow.tag)
                ).all()
                out.append(
                    CaseSummary(
                        id=row.id,
                        title=row.title,
                        severity=_severity(row.severity),
                        tlp=row.tlp,
                        status=_status(row.status),
                        assignee=username,
                        tags=tuple(tags),
                        reports=int(count),
                        updated_at=row.updated_at,
                    )
                )
            return out

    # -- changing --------------------------------------------------------------------

    def set_case_status(self, case_id: int, status: CaseStatus, *, actor: str) -> Case:
        """Move a case to any status (New, InProgress, TruePositive, FalsePositive, ...)."""
        _one_of("status", status, CASE_STATUSES)
        now = self._clock()
        with self._write() as s:
            row = self._case_row(s, case_id)
            before = row.status
            row.status = status
            row.updated_at = now
            self._audit(
                s,
                at=now,
                actor=actor,
                action="case.status",
                target=f"case:{case_id}",
                details={"from": before, "to": status},
            )
            return self._case_record(s, row)

    def assign_case(self, case_id: int, assignee: str | None, *, actor: str) -> Case:
        """Give the case to an analyst or admin (None: unassign)."""
        now = self._clock()
        with self._write() as s:
            row = self._case_row(s, case_id)
            before = None
            if row.assignee_id is not None:
                before = s.scalar(sa.select(UserRow.username).where(UserRow.id == row.assignee_id))
            row.assignee_id = self._assignee_id(s, assignee)
            row.updated_at = now
            self._audit(
                s,
                at=now,
                actor=actor,
                action="case.assign",
                target=f"case:{case_id}",
                details={"from": before, "to": assignee},
            )
            return self._case_record(s, row)

    def update_case(
        self,
        case_id: int,
        *,
        actor: str,
        title: str | None = None,
        description: str | None = None,
        severity: Severity | None = None,
        tlp: str | None = None,
        pap: str | None = None,
        tags: Iterable[str] | None = None,
    ) -> Case:
        """Change the fields given; the audit entry lists the old and new values."""
        now = self._clock()
        with self._write() as s:
            row = self._case_row(s, case_id)
            changes: dict[str, Any] = {}
            for field, value, check in (
                ("title", title, _title),
                ("description", description, str),
                ("severity", severity, lambda v: _one_of("severity", v, SEVERITIES)),
                ("tlp", tlp, lambda v: _one_of("tlp", v, TLPS)),
                ("pap", pap, lambda v: _one_of("pap", v, PAP_LABELS)),
            ):
                if value is not None:
                    new = check(value)
                    changes[field] = {"from": getattr(row, field), "to": new}
                    setattr(row, field, new)
            if tags is not None:
                new_tags = _tags(tags)
                old_tags = s.scalars(
                    sa.select(CaseTagRow.tag)
                    .where(CaseTagRow.case_id == case_id)
                    .order_by(CaseTagRow.tag)
                ).all()
                s.execute(sa.delete(CaseTagRow).where(CaseTagRow.case_id == case_id))
                s.add_all(CaseTagRow(case_id=case_id, tag=t) for t in new_tags)
                changes["tags"] = {"from": list(old_tags), "to": list(new_tags)}
            row.updated_at = now
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="case.update",
                target=f"case:{case_id}",
                details=changes,
            )
            return self._case_record(s, row)

    def add_case_note(self, case_id: int, text: str, *, actor: str) -> CaseNote:
        """Add a note to the case, signed by ``actor``."""
        if not text.strip():
            raise InvalidValue("a note needs some text")
        now = self._clock()
        with self._write() as s:
            row = self._case_row(s, case_id)
            note = CaseNoteRow(case_id=case_id, author=actor, at=now, text=text)
            s.add(note)
            row.updated_at = now
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="case.note",
                target=f"case:{case_id}",
                details={"note_id": note.id, "text": text},
            )
            return CaseNote(id=note.id, case_id=case_id, author=actor, at=now, text=text)

    def link_report(self, case_id: int, reference: str, *, actor: str) -> Case:
        """Attach a report to the case (a case links many reports; a report may be in several).

        A report still ``received`` moves to ``in_review``: its reporter sees it is looked at.
        """
        now = self._clock()
        with self._write() as s:
            row = self._case_row(s, case_id)
            row.updated_at = now
            details = self._link(s, row, reference, actor)
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="case.link_report",
                target=f"case:{case_id}",
                details=details,
            )
            return self._case_record(s, row)
