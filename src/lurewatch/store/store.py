"""The store: one object, built from a database URL, with a typed method per use case."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from lurewatch.store.alerts import AlertsMixin
from lurewatch.store.auditlog import AuditMixin
from lurewatch.store.campaigns import CampaignsMixin
from lurewatch.store.cases import CasesMixin
from lurewatch.store.core import Clock, StoreUnavailable, system_clock
from lurewatch.store.engine import create_store_engine, display_url, parse_url, sqlite_path
from lurewatch.store.errors import SchemaNotCurrent
from lurewatch.store.figures import FiguresMixin
from lurewatch.store.hunt_state import HuntStateMixin
from lurewatch.store.login_sessions import LoginSessionsMixin
from lurewatch.store.migrate import current_revision, head_revision, upgrade
from lurewatch.store.reports import ReportsMixin
from lurewatch.store.sharing import SharingMixin
from lurewatch.store.users import UsersMixin
from lurewatch.store.views import TriageViewsMixin


def _check_schema(engine: Engine) -> None:
    at, head = current_revision(engine), head_revision()
    if at != head:
        raise SchemaNotCurrent(
            f"database {display_url(engine.url)} is at revision {at or 'none (empty)'} but "
            f"this lurewatch needs {head}: run 'lurewatch db upgrade'"
        )


def _engine_for(url: str, *, create: bool, **options: Any) -> Engine:
    parsed = parse_url(url)
    path = sqlite_path(parsed)
    if path is not None and not create and not path.exists():
        raise SchemaNotCurrent(f"no database at {path}: create it with 'lurewatch db upgrade'")
    return create_store_engine(parsed, **options)


def upgrade_database(url: str) -> str:
    """Create the database's tables or bring them up to date; the revision reached."""
    engine = _engine_for(url, create=True)
    try:
        return upgrade(engine)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        raise StoreUnavailable(f"database {display_url(url)}: {_first_line(exc)}") from exc
    finally:
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Store(
    UsersMixin,
    LoginSessionsMixin,
    ReportsMixin,
    CasesMixin,
    AlertsMixin,
    HuntStateMixin,
    TriageViewsMixin,
    FiguresMixin,
    SharingMixin,
    CampaignsMixin,
    AuditMixin,
):
    """The security office's records over SQLite or PostgreSQL.

    Build one per process with :meth:`open` and share it between threads;
    every method is one transaction and returns plain records
    (:mod:`lurewatch.store.records`), never database rows. Methods that
    change what analysts and admins see take ``actor`` (the username acting)
    and append a hash-chained audit entry in the same transaction.

    Errors: :class:`~lurewatch.store.errors.NotFound`,
    :class:`~lurewatch.store.errors.Conflict`,
    :class:`~lurewatch.store.errors.InvalidValue`,
    :class:`~lurewatch.store.errors.SchemaNotCurrent` and
    :class:`~lurewatch.store.core.StoreUnavailable`, all
    :class:`~lurewatch.store.errors.StoreError`.
    """

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate: bool = False,
        now: Clock = system_clock,
        hasher: PasswordHasher | None = None,
        token_source: Callable[[], str] | None = None,
        **engine_options: Any,
    ) -> Store:
        """Connect to ``url`` (``sqlite:///file.db`` or ``postgresql://...``).

        With ``migrate`` the schema is created or upgraded first; without it
        a database that is missing or behind raises SchemaNotCurrent (a
        SQLite file is never created by accident). ``now`` is the clock every
        timestamp comes from; ``hasher`` the argon2 password hasher;
        ``token_source`` makes new API tokens. ``engine_options`` go to
        :func:`sqlalchemy.create_engine` (e.g. ``pool_size``).
        """
        engine = _engine_for(url, create=migrate, **engine_options)
        try:
            if migrate:
                upgrade(engine)
            else:
                _check_schema(engine)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            engine.dispose()
            raise StoreUnavailable(f"database {display_url(url)}: {_first_line(exc)}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, now=now, hasher=hasher, token_source=token_source)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
