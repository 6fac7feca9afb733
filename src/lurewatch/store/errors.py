"""Errors the store raises. ``str(error)`` is one line saying what was wrong and what to do."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every store error."""


class NotFound(StoreError, LookupError):
    """A user, report, case, alert or template named in a call does not exist."""


class Conflict(StoreError):
    """The call would break a uniqueness rule (e.g. a username already taken)."""


class InvalidValue(StoreError, ValueError):
    """A value outside what the field accepts (a role, a TLP label, a naive timestamp...)."""


class SchemaNotCurrent(StoreError):
    """The database is missing or not at the code's migration head."""
