"""Reading and verifying the audit log (entries are appended by StoreCore._audit)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import sqlalchemy as sa

from lurewatch.store.audit import StoredEntry, verify_chain
from lurewatch.store.core import AUDIT_COUNTER, StoreCore
from lurewatch.store.records import AuditCheck, AuditEntry
from lurewatch.store.schema import AuditRow

_BATCH = 1_000


class AuditMixin(StoreCore):
    def audit_entries(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries with ``seq`` greater than ``after``, oldest first."""
        with self._read() as s:
            rows = s.scalars(
                sa.select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq).limit(limit)
            ).all()
            return [
                AuditEntry(
                    seq=r.seq,
                    at=r.at,
                    actor=r.actor,
                    action=r.action,
                    target=r.target,
                    details=json.loads(r.details),
                    prev_hash=r.prev_hash,
                    hash=r.hash,
                )
                for r in rows
            ]

    def verify_audit(self) -> AuditCheck:
        """Recompute the whole hash chain and report the first entry that does not verify."""
        # The timestamp is read as stored (text on SQLite), so an entry altered
        # into nonsense is reported rather than failing the read.
        columns = (
            AuditRow.seq,
            sa.type_coerce(AuditRow.at, sa.String).label("at"),
            AuditRow.actor,
            AuditRow.action,
            AuditRow.target,
            AuditRow.details,
            AuditRow.prev_hash,
            AuditRow.hash,
        )
        with self._read(snapshot=True) as s:
            appended = self._counter(s, AUDIT_COUNTER)

            def entries() -> Iterator[StoredEntry]:
                last = 0
                while True:
                    batch = s.execute(
                        sa.select(*columns)
                        .where(AuditRow.seq > last)
                        .order_by(AuditRow.seq)
                        .limit(_BATCH)
                    ).all()
                    for r in batch:
                        yield StoredEntry(
                            seq=r.seq,
                            at=r.at,
                            actor=r.actor,
                            action=r.action,
                            target=r.target,
                            details=r.details,
                            prev_hash=r.prev_hash,
                            hash=r.hash,
                        )
                    if len(batch) < _BATCH:
                        return
                    last = batch[-1].seq

            return verify_chain(entries(), appended)
