"""The security office's web API (FastAPI). Build it with :func:`create_app`::

    from lurewatch.settings import Settings
    from lurewatch.store import Store
    from lurewatch.web import create_app

    settings = Settings.from_env(os.environ)
    store = Store.open(settings.database_url)
    app = create_app(settings, store)

There is no module-level app or settings: ``lurewatch serve`` builds one.
"""

from lurewatch.web.app import create_app
from lurewatch.web.sessions import ConfigurationError

__all__ = ["ConfigurationError", "create_app"]
