"""Screenshots of the security office's pages for the README, from the synthetic demo institution.

    .venv/bin/python docs/make_screenshots.py        # writes docs/office-*.png

Seeds the demo institution into a temporary SQLite file, serves it on a
loopback port in this process, logs in as the demo analyst in Debian's
Chromium (Playwright) and photographs the triage queue, the campaign's case,
the persona page, the campaign page and the dashboard. Everything shown is invented.
"""

from __future__ import annotations

import datetime as dt
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import uvicorn

from lurewatch import demo
from lurewatch.identity import counterparty_key
from lurewatch.service import Checker
from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.web import create_app

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lurewatch-shots-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        store = Store.open(url, migrate=True)
        settings = Settings(demo=True, database_url=url)
        creds = demo.seed(store, Checker.from_settings(settings), dt.date.today()) or []
        password_of = {c.username: c.password for c in creds}
        password = password_of["demo-analyst"]
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings, store), port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        persona = counterparty_key(demo.CAMPAIGN[1], demo.CAMPAIGN[0])
        campaign_ref = store.persona_reports(persona)[0].reference
        shots = {
            "office-queue.png": "/queue",
            "office-case.png": "/cases/1",
            "office-persona.png": f"/personas/{quote(persona, safe='')}",
            "office-dashboard.png": "/dashboard",
            # The demo's persona and its five members of staff (demo.seed relinks at the end).
            "office-campaign.png": f"/campaigns/{store.campaign_for(campaign_ref, 0)}",
        }
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
                )
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(base + "/login")
                page.get_by_label("Username").fill("demo-analyst")
                page.get_by_label("Password").fill(password)
                with page.expect_navigation():
                    page.get_by_role("button", name="Log in").click()
                for name, path in shots.items():
                    response = page.goto(base + path, wait_until="load")
                    assert response is not None and response.status == 200, path
                    # The case page runs long (every linked report in full): the case and its
                    # first report, with the evidence marked, are enough.
                    clip = {"x": 0, "y": 0, "width": 1280, "height": 2500}
                    page.screenshot(
                        path=str(DOCS / name),
                        full_page=True,
                        clip=clip if name == "office-case.png" else None,
                    )
                    sys.stdout.write(f"wrote docs/{name}\n")
                # A member of staff checks a message (the synthetic example invitation).
                staff = browser.new_page(viewport={"width": 1280, "height": 900})
                staff.goto(base + "/login")
                staff.get_by_label("Username").fill("demo-clerk-ines")
                staff.get_by_label("Password").fill(password_of["demo-clerk-ines"])
                with staff.expect_navigation():
                    staff.get_by_role("button", name="Log in").click()
                staff.get_by_label("The message").fill(
                    (ROOT / "examples" / "invitation.txt").read_text(encoding="utf-8")
                )
                staff.get_by_label("Who sent it (optional)").fill("Amy Bryr")
                with staff.expect_navigation():
                    staff.get_by_role("button", name="Check it").click()
                staff.screenshot(path=str(DOCS / "office-check.png"), full_page=True)
                sys.stdout.write("wrote docs/office-check.png\n")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
