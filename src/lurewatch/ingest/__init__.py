"""Readers of real inputs (text, profile JSON, exports) into model objects.

Every input is hostile: readers raise :class:`InputError` with one line that
says what was wrong and where, and never let a parser's traceback escape.
"""

from lurewatch.ingest.errors import InputError

__all__ = ["InputError"]
