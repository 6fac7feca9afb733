"""The detector contract.

How to add a detector
---------------------
1. Create a module in ``lurewatch/detectors/`` with a class deriving from
   :class:`Detector`. Give it a unique ``id`` and a one-line ``description``.
2. Implement :meth:`Detector.detect`: read the approach, return findings.
   Each finding names a category from :mod:`lurewatch.categories`, carries a
   weight (log-odds contribution, see ``docs/scoring.md``) and the evidence:
   the exact words or values it saw. Never read a person's name or location.
3. Add one line to :data:`lurewatch.detectors.registry.DETECTORS`.
4. Add tests under ``tests/detectors/`` and a paragraph in ``docs/detectors.md``
   (a meta-test checks both).

Detectors are pure: no network, no clock (``today`` is passed in), no storage.
"""

from __future__ import annotations

import abc
import datetime as dt
from typing import ClassVar

from lurewatch.model import Approach, Finding


class Detector(abc.ABC):
    id: ClassVar[str]
    description: ClassVar[str]

    @abc.abstractmethod
    def detect(self, approach: Approach, today: dt.date) -> list[Finding]:
        """Findings for ``approach`` as of ``today``."""
