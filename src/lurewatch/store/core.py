"""What every part of the store shares: sessions, the clock, counters and the audit append.

Each public store method runs in exactly one transaction: reads in
:meth:`StoreCore._read`, changes in :meth:`StoreCore._write`, which commits
before the method returns. An audited change appends its audit entry in the
same transaction, so an action and its record stand or fall together.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from lurewatch.store.audit import GENESIS, canonical_json, entry_hash
from lurewatch.store.engine import display_url, writer
from lurewatch.store.errors import Conflict, InvalidValue, NotFound, StoreError
from lurewatch.store.schema import AuditRow, CounterRow, UserRow

Clock = Callable[[], dt.datetime]

AUDIT_COUNTER = "audit"


def system_clock() -> dt.datetime:
    """The real time, in UTC. Tests pass their own clock instead."""
    return dt.datetime.now(dt.UTC)


class StoreUnavailable(StoreError):
    """The database could not be reached or refused the operation."""


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _advance_statement(insert: Any) -> sa.Executable:
    """Add ``:by`` to counter ``:name`` (created at ``:by``), returning the new value."""
    stmt = insert(CounterRow).values(name=sa.bindparam("name"), value=sa.bindparam("by"))
    upsert: sa.Executable = stmt.on_conflict_do_update(
        index_elements=[CounterRow.name], set_={"value": CounterRow.value + stmt.excluded.value}
    ).returning(CounterRow.value)
    return upsert


# Built once: the statements every submission runs (compiled once per engine, cached).
_COUNTER_VALUE = sa.select(CounterRow.value).where(CounterRow.name == sa.bindparam("name"))
_ADVANCE = {
    "sqlite": _advance_statement(sqlite.insert),
    "postgresql": _advance_statement(postgresql.insert),
}


class StoreCore:
    """Engine, clock and transaction helpers shared by the store's parts."""

    def __init__(
        self,
        engine: Engine,
        *,
        now: Clock = system_clock,
        hasher: PasswordHasher | None = None,
        token_source: Callable[[], str] | None = None,
    ) -> None:
        from lurewatch.store.passwords import default_hasher, new_token

        self._engine = engine
        self._writer = writer(engine)
        # SQLite has one writer at a time: this process's writers queue on a lock and
        # are handed it in turn, rather than polling SQLite's busy timeout (which
        # sleeps, and made the slowest of 50 concurrent submissions wait seconds).
        # Other processes still meet the busy timeout.
        self._write_turn: AbstractContextManager[Any] = (
            threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        self._now = now
        self._hasher = hasher or default_hasher()
        self._new_token = token_source or new_token

    # -- lifecycle -------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return display_url(self._engine.url)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for tests and tools (bench, migrations); not for app code."""
        return self._engine

    def close(self) -> None:
        """Close every pooled connection. Everything written is already committed."""
        self._engine.dispose()

    # -- transactions ----------------------------------------------------------------

    @contextmanager
    def _read(self, *, snapshot: bool = False) -> Iterator[Session]:
        """A read transaction; ``snapshot`` makes every statement in it see the same data.

        (SQLite transactions always do; PostgreSQL needs REPEATABLE READ.)
        """
        engine = self._engine
        if snapshot and self.dialect == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                yield session
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreUnavailable(f"database {self.url}: {_one_line(exc)}") from exc

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[Connection]:
        """A transaction on a bare connection, committed when the block ends without error.

        For the paths every submission takes (token check, intake, arrival
        checks): prebuilt Core statements on a connection cost a fraction of
        the ORM session's bookkeeping. Same locking and errors as
        :meth:`_read` and :meth:`_write`.
        """
        try:
            if not write:
                with self._engine.connect() as conn, conn.begin():
                    yield conn
                return
            with self._write_turn, self._writer.connect() as conn, conn.begin():
                yield conn
        except sa.exc.IntegrityError as exc:
            raise Conflict(f"refused by the database: {_one_line(exc)}") from exc
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreUnavailable(f"database {self.url}: {_one_line(exc)}") from exc

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction, committed when the block ends without error."""
        try:
            with (
                self._write_turn,
                Session(self._writer, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        except sa.exc.IntegrityError as exc:
            raise Conflict(f"refused by the database: {_one_line(exc)}") from exc
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreUnavailable(f"database {self.url}: {_one_line(exc)}") from exc

    def _clock(self) -> dt.datetime:
        """The injected clock's time, in UTC."""
        t = self._now()
        if t.tzinfo is None or t.utcoffset() is None:
            raise InvalidValue("the store's clock returned a naive datetime: give an aware one")
        return t.astimezone(dt.UTC)

    # -- shared steps ----------------------------------------------------------------

    def _next(self, session: Session, counter: str) -> int:
        """Increment a named counter and return its new value.

        One statement that takes the counter's row lock (PostgreSQL) or runs
        under the write lock (SQLite): concurrent writers get distinct,
        gapless numbers, and a rolled-back transaction gives its number back.
        """
        if self.dialect == "postgresql":
            pg = postgresql.insert(CounterRow).values(name=counter, value=1)
            pg_stmt = pg.on_conflict_do_update(
                index_elements=[CounterRow.name], set_={"value": CounterRow.value + 1}
            ).returning(CounterRow.value)
            return int(session.execute(pg_stmt).scalar_one())
        lite = sqlite.insert(CounterRow).values(name=counter, value=1)
        lite_stmt = lite.on_conflict_do_update(
            index_elements=[CounterRow.name], set_={"value": CounterRow.value + 1}
        ).returning(CounterRow.value)
        return int(session.execute(lite_stmt).scalar_one())

    def _counter(self, session: Session | Connection, counter: str) -> int:
        value = session.execute(_COUNTER_VALUE, {"name": counter}).scalar()
        return int(value or 0)

    def _advance(self, conn: Connection, counter: str, by: int) -> int:
        """Add ``by`` to a named counter and return its new value (see :meth:`_next`)."""
        statement = _ADVANCE[self.dialect]
        return int(conn.execute(statement, {"name": counter, "by": by}).scalar_one())

    def _user_row(self, session: Session, username: str) -> UserRow:
        row = session.scalar(sa.select(UserRow).where(UserRow.username == username))
        if row is None:
            raise NotFound(f"no user {username!r}")
        return row

    def _audit(
        self,
        session: Session,
        *,
        at: dt.datetime,
        actor: str,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry to the hash-chained audit log, in the caller's transaction."""
        if not actor.strip():
            raise InvalidValue("an audited action needs an actor (the username doing it)")
        body = details or {}
        text = canonical_json(body)
        seq = self._next(session, AUDIT_COUNTER)
        # The latest entry still present: appending never stops because the log
        # was damaged; verify_audit reports the damage.
        prev = session.scalar(sa.select(AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1))
        prev_hash = prev or GENESIS
        session.add(
            AuditRow(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                target=target,
                details=text,
                prev_hash=prev_hash,
                hash=entry_hash(
                    seq=seq,
                    at=at,
                    actor=actor,
                    action=action,
                    target=target,
                    details=body,
                    prev_hash=prev_hash,
                ),
            )
        )
        session.flush()
