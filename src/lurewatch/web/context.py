"""What every request handler may use, built once by :func:`lurewatch.web.create_app`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from lurewatch.office import ReportIntake
from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.web.hunts import HuntRunner
from lurewatch.web.ratelimit import LoginLimiter
from lurewatch.web.sessions import SessionStore

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class WebContext:
    """The app's collaborators; kept on ``app.state.lurewatch`` and reached through deps."""

    settings: Settings
    store: Store
    # Receives reports, committing those that arrive together in one transaction.
    intake: ReportIntake
    sessions: SessionStore
    # Derived from the deployment secret; signs session cookies and CSRF tokens (by purpose).
    signing_key: bytes
    login_limiter: LoginLimiter
    now: Clock
    # Retro-hunts the pages start, run in background threads.
    hunts: HuntRunner
