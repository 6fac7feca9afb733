"""The demo institution: seeded once, realistic, and never served without --demo."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from lurewatch.demo import CAMPAIGN, is_demo_database, seed
from lurewatch.identity import counterparty_key
from lurewatch.service import Checker
from lurewatch.settings import Settings
from lurewatch.store import Store

TODAY = dt.date(2026, 11, 29)


def test_seed_builds_an_institution_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    with Store.open(url, migrate=True) as store:
        creds = seed(store, Checker.from_settings(Settings()), TODAY)
        assert creds is not None
        assert [c.role for c in creds].count("reporter") == 8
        assert {c.username for c in creds} >= {"demo-admin", "demo-analyst"}
        assert len({c.password for c in creds}) == len(creds)  # fresh, distinct passwords
        assert is_demo_database(store)
        reports = store.list_reports(limit=500)
        assert len(reports) >= 15
        assert any(r.is_exercise for r in reports)
        # The campaign: one persona seen by five different members of staff.
        persona = store.get_counterparty(counterparty_key(CAMPAIGN[1], CAMPAIGN[0]))
        reporters = {store.get_report(o.report).reporter for o in persona.observations}
        assert len(reporters) == 5
        assert [a.title for a in store.list_alerts()] == ["Demo alert: recruitment personas"]
        # The queue puts a committee clerk's report first.
        first = store.list_reports(order="priority", limit=1)[0]
        assert first.reporter_team == "Committee clerks"
        # Reports arrive after their approaches, over weeks, never in the future.
        days = {r.received_at.date() for r in reports}
        assert len(days) >= 5
        assert max(r.received_at for r in reports).date() <= TODAY
        # An analyst has opened a case over the campaign's reports and sent one verdict.
        (case,) = store.list_cases()
        assert case.status == "InProgress" and case.severity == "high"
        assert len(store.get_case(case.id).reports) == 5
        assert sum(r.verdict_key == "confirmed-hostile" for r in reports) == 1
        # The alert's retro-hunt found the persona in every campaign report.
        (alert,) = store.list_alerts()
        hits = store.alert_matches_for(alert.alert_id)
        assert sorted(m.report for m in hits) == sorted(store.get_case(case.id).reports)
        assert {m.strength for m in hits} == {"strong"}
        # A second start adds nothing.
        assert seed(store, Checker.from_settings(Settings()), TODAY) is None
        assert len(store.list_reports(limit=500)) == len(reports)


def test_a_demo_database_is_never_served_for_real(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    with Store.open(url, migrate=True) as store:
        seed(store, Checker.from_settings(Settings()), TODAY)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
    env["LUREWATCH_SECRET_KEY"] = "x" * 40
    proc = subprocess.run(
        [sys.executable, "-m", "lurewatch.cli", "serve", "--database-url", url, "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("lurewatch: error: this database holds the demo institution")


def test_each_demo_start_gives_new_passwords_that_work(tmp_path: Path) -> None:
    from lurewatch.demo import fresh_passwords

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    with Store.open(url, migrate=True) as store:
        first = {
            c.username: c.password
            for c in seed(store, Checker.from_settings(Settings()), TODAY) or []
        }
        again = {c.username: c.password for c in fresh_passwords(store)}
        assert again.keys() == first.keys() and "demo-analyst" in again
        for username, password in again.items():
            assert password != first[username]
            assert store.verify_password(username, password) is not None
            assert store.verify_password(username, first[username]) is None
        store.create_user(
            "real-person", display_name="Real", role="reporter", actor="t", password="a" * 20
        )
        assert "real-person" not in {c.username for c in fresh_passwords(store)}
