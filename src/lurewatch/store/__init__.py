"""The security office's store: reports, cases, counterparties, alerts, users, audit log.

SQLAlchemy 2 over SQLite (the default: one file, WAL) or PostgreSQL, with
Alembic migrations shipped in the package. Domain code (model, rules,
detectors, scoring) never imports this package; the web app and the CLI do::

    from lurewatch.store import Store

    with Store.open("sqlite:///lurewatch.db", migrate=True) as store:
        report = store.submit_report(submission)

See docs/store.md for the tables and the audit chain.
"""

from lurewatch.store.core import StoreUnavailable
from lurewatch.store.errors import Conflict, InvalidValue, NotFound, SchemaNotCurrent, StoreError
from lurewatch.store.store import Store, upgrade_database

__all__ = [
    "Conflict",
    "InvalidValue",
    "NotFound",
    "SchemaNotCurrent",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "upgrade_database",
]
