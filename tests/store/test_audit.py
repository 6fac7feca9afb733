"""The audit log: every analyst/admin action appended, hash-chained, tampering detected."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from storesupport import T0, Clock, MakeSubmission, NewDatabase

from lurewatch.model import Alert
from lurewatch.store import Store
from lurewatch.store.audit import GENESIS, canonical_json, entry_hash
from lurewatch.store.migrate import head_revision
from lurewatch.store.records import AuditCheck, AuditEntry, CaseDraft

FIELDS = ("at", "actor", "action", "target", "details", "prev_hash", "hash", "seq")


@pytest.fixture
def busy(people: Store, clock: Clock, submission: MakeSubmission) -> Store:
    """A store after a day of office work: every kind of audited action."""
    ref = people.submit_report(submission()).reference
    clock.advance(minutes=1)
    case = people.create_case(CaseDraft(title="Persona", reports=(ref,)), actor="ana")
    people.assign_case(case.id, "ben", actor="ana")
    people.set_case_status(case.id, "InProgress", actor="ben")
    people.add_case_note(case.id, "Seen before: «BR-YR», 微信.", actor="ben")
    people.record_verdict(ref, "confirmed-hostile", actor="ben", status="closed")
    people.import_alert(Alert(id="a1", title="Alert"), actor="ana")
    people.set_verdict_template("received", "Thanks.", actor="root")
    people.issue_token("sam", "laptop", actor="root")
    return people


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def _raw(store: Store, seq: int) -> dict[str, object]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).one()
    return dict(row._mapping)


def _tampered(field: str, value: object) -> object:
    if field == "seq":
        assert isinstance(value, int)
        return value + 1000
    if field == "at":
        if isinstance(value, str):  # SQLite keeps the UTC wall time as text
            return value.replace(":00.", ":01.", 1) if ":00." in value else value + "1"
        assert isinstance(value, dt.datetime)
        return value + dt.timedelta(microseconds=1)
    if field in ("prev_hash", "hash"):
        assert isinstance(value, str)
        return ("f" if value[0] != "f" else "e") + value[1:]
    if field == "details":
        return '{"tampered":true}'
    assert isinstance(value, str)
    return value + "x"


def test_every_action_is_appended_and_the_chain_verifies(busy: Store) -> None:
    entries = busy.audit_entries(limit=1000)
    assert [(e.seq, e.actor, e.action) for e in entries] == [
        (1, "setup", "team.set"),
        (2, "setup", "team.set"),
        (3, "setup", "user.create"),
        (4, "root", "user.create"),
        (5, "root", "user.create"),
        (6, "root", "user.create"),
        (7, "root", "user.create"),
        (8, "ana", "case.create"),
        (9, "ana", "case.assign"),
        (10, "ben", "case.status"),
        (11, "ben", "case.note"),
        (12, "ben", "report.verdict"),
        (13, "ana", "alert.import"),
        (14, "root", "verdict_template.set"),
        (15, "root", "token.issue"),
    ]
    assert busy.verify_audit() == AuditCheck(ok=True, entries=15, head_hash=entries[-1].hash)
    assert busy.audit_entries(after=13, limit=1)[0].seq == 14


def test_an_entry_hashes_its_canonical_json(busy: Store) -> None:
    note = busy.audit_entries(after=10, limit=1)[0]
    prev = busy.audit_entries(after=9, limit=1)[0]
    assert note == AuditEntry(
        seq=11,
        at=T0 + dt.timedelta(minutes=1),
        actor="ben",
        action="case.note",
        target="case:1",
        details={"note_id": 1, "text": "Seen before: «BR-YR», 微信."},
        prev_hash=prev.hash,
        hash=entry_hash(
            seq=11,
            at=T0 + dt.timedelta(minutes=1),
            actor="ben",
            action="case.note",
            target="case:1",
            details={"note_id": 1, "text": "Seen before: «BR-YR», 微信."},
            prev_hash=prev.hash,
        ),
    )
    assert canonical_json({"b": 1, "a": ["é", 2.5]}) == '{"a":["é",2.5],"b":1}'
    assert busy.audit_entries(limit=1)[0].prev_hash == GENESIS


def test_tampering_with_any_field_of_any_entry_is_detected_at_that_entry(busy: Store) -> None:
    last = busy.verify_audit().entries
    for seq in range(1, last + 1):
        original = _raw(busy, seq)
        for field in FIELDS:
            bad = _tampered(field, original[field])
            _sql(busy, f"UPDATE audit_log SET {field} = :v WHERE seq = :s", v=bad, s=seq)
            check = busy.verify_audit()
            where = "seq = :s" if field != "seq" else "seq = :b"
            _sql(
                busy,
                f"UPDATE audit_log SET {field} = :v WHERE {where}",
                v=original[field],
                s=seq,
                b=bad,
            )
            assert (check.ok, check.broken_seq) == (False, seq), (field, seq, check)
            assert check.entries == seq - 1
            assert busy.verify_audit().ok, (field, seq)


def test_reformatting_the_details_without_changing_them_is_detected(busy: Store) -> None:
    (text,) = [_raw(busy, 11)["details"]]
    assert isinstance(text, str)
    _sql(busy, "UPDATE audit_log SET details = :v WHERE seq = 11", v=text.replace(":", ": "))
    check = busy.verify_audit()
    assert (check.broken_seq, check.problem) == (
        11,
        "its details are not in the form that was hashed (altered)",
    )


def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link(busy: Store) -> None:
    e = busy.audit_entries(after=8, limit=1)[0]
    forged = entry_hash(
        seq=e.seq,
        at=e.at,
        actor="someone-else",
        action=e.action,
        target=e.target,
        details=e.details,
        prev_hash=e.prev_hash,
    )
    _sql(busy, "UPDATE audit_log SET actor = 'someone-else', hash = :h WHERE seq = 9", h=forged)
    check = busy.verify_audit()
    assert (check.ok, check.broken_seq, check.entries) == (False, 10, 9)
    assert check.problem is not None and "prev_hash" in check.problem


def test_deleting_an_entry_is_detected(busy: Store) -> None:
    _sql(busy, "DELETE FROM audit_log WHERE seq = 5")
    check = busy.verify_audit()
    assert (check.ok, check.broken_seq, check.problem) == (
        False,
        5,
        "entry 5 is missing (removed)",
    )


def test_deleting_the_last_entries_is_detected(busy: Store) -> None:
    _sql(busy, "DELETE FROM audit_log WHERE seq >= 14")
    check = busy.verify_audit()
    assert (check.ok, check.broken_seq, check.entries) == (False, 14, 13)
    assert check.problem == "entries 14-15 missing: 15 were appended (removed from the end)"


def test_an_entry_inserted_at_the_end_is_detected(busy: Store) -> None:
    head = busy.verify_audit().head_hash
    at = T0 + dt.timedelta(hours=1)
    forged = entry_hash(
        seq=16, at=at, actor="ana", action="case.note", target="case:1", details={}, prev_hash=head
    )
    with busy.engine.begin() as conn:
        table = sa.table(
            "audit_log",
            *(
                sa.column(c)
                for c in ("seq", "actor", "action", "target", "details", "prev_hash", "hash")
            ),
            sa.column("at", sa.DateTime(timezone=True)),
        )
        conn.execute(
            table.insert().values(
                seq=16,
                at=at if busy.dialect == "postgresql" else at.replace(tzinfo=None),
                actor="ana",
                action="case.note",
                target="case:1",
                details="{}",
                prev_hash=head,
                hash=forged,
            )
        )
    check = busy.verify_audit()
    assert (check.ok, check.broken_seq) == (False, 16)
    assert check.problem == "only 15 entries were appended but 16 are present (inserted)"


def test_concurrent_actions_keep_one_unbroken_chain(people: Store) -> None:
    case = people.create_case(CaseDraft(title="busy case"), actor="ana")
    writers, each = 20, 3
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                people.add_case_note(case.id, f"note {n}.{i}", actor="ana" if n % 2 else "ben")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    check = people.verify_audit()
    assert check.ok, check
    assert len(people.get_case(case.id).notes) == writers * each
    assert check.entries == 8 + writers * each  # 7 for the people fixture, 1 case.create


def test_an_empty_log_verifies(store: Store) -> None:
    assert store.verify_audit() == AuditCheck(ok=True, entries=0, head_hash=GENESIS)


# -- the command -----------------------------------------------------------------------


def _lurewatch(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **(env or {})},
        timeout=120,
        check=False,
    )


def test_audit_verify_command(busy: Store, database_url: str, tmp_path: Path) -> None:
    ok = _lurewatch("audit", "verify", "--database-url", database_url, cwd=tmp_path)
    head = busy.verify_audit().head_hash
    assert (ok.returncode, ok.stdout, ok.stderr) == (
        0,
        f"OK: audit log intact, 15 entries, head {head}\n",
        "",
    )
    _sql(busy, "UPDATE audit_log SET target = 'case:2' WHERE seq = 9")
    bad = _lurewatch("audit", "verify", cwd=tmp_path, env={"LUREWATCH_DATABASE_URL": database_url})
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        1,
        "TAMPERED: audit entry 9: its hash does not match its contents (altered) "
        "(8 entries before it verify)\n",
        "",
    )


def test_db_upgrade_command_creates_and_is_repeatable(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    url = new_database(migrated=False)
    for _ in range(2):
        done = _lurewatch("db", "upgrade", "--database-url", url, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.endswith(f"is up to date (revision {head_revision()}).\n")
    verified = _lurewatch("audit", "verify", "--database-url", url, cwd=tmp_path)
    assert verified.stdout.startswith("OK: audit log intact, 0 entries")


def test_commands_default_to_a_sqlite_file_here(tmp_path: Path) -> None:
    missing = _lurewatch("audit", "verify", cwd=tmp_path)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == (
        "lurewatch: error: no database at lurewatch.db: create it with 'lurewatch db upgrade'\n"
    )
    assert not (tmp_path / "lurewatch.db").exists()  # verifying never creates a database
    assert _lurewatch("db", "upgrade", cwd=tmp_path).returncode == 0
    assert (tmp_path / "lurewatch.db").exists()
    assert _lurewatch("audit", "verify", cwd=tmp_path).returncode == 0
