"""The security office under load: the triage queue over 100,000 reports, and concurrent reporting.

Two measurements, each against a real server (``lurewatch serve`` in a child
process on a loopback port, ``LUREWATCH_SECRET_KEY`` set, one process as in
production):

1. **Triage queue.** A fresh PostgreSQL database is filled with ``--reports``
   synthetic reports (100,000; spread over a year; 1-3 contacts each with
   findings and excerpts; ~50 reporters in teams of different sensitivity;
   ~5% exercises; most older reports closed with a verdict; a few hundred
   personas writing to many people). The fill writes, in bulk, exactly the
   rows ``Store.submit_report`` writes (reports, counterparties,
   observations, the year's report counter) and checks that: a few reports
   go through ``submit_report`` itself and their rows are compared with what
   the bulk path would have written. Verdicts are set on the rows directly
   (no audit entries: the queue does not read them). Then one client logs in
   and times sequential requests (after a warm-up) of the HTML queue page
   ``GET /queue`` (session cookie from the login form) and of the JSON API
   ``GET /api/reports`` (bearer token), in their default order and with a few
   filters and pages. The page is measured only when the server has it. The
   SQL that ``list_reports`` sends for ``order=priority`` is captured and
   ``EXPLAIN ANALYZE``d, and the store call is timed in-process too, so the
   database's share of the latency can be told apart from the web layer's.

2. **Submissions.** On SQLite (a file, WAL, ``synchronous=FULL``) and on
   PostgreSQL, a fresh database with 50 reporters; ``--clients`` clients,
   each with its own keep-alive connection and a reporter's token, POST
   realistic ``/api/reports`` bodies until ``--submissions`` reports are
   sent or ``--seconds`` have passed. Each request is timed from just before
   it is written to the last byte of its response. The clients are
   coroutines in one thread speaking HTTP/1.1 by hand, so that on a 2-core
   machine the load generator takes little CPU from the server (its CPU time
   per report is recorded, and so is the server process's). Afterwards every
   acknowledged reference must be in the database and the database must hold
   no other.

PostgreSQL is a throwaway cluster (tests/pgcluster.py, the one the store
tests use) started with PostgreSQL's default durability (``fsync`` on), or
the server behind ``--postgres-url`` (a URL that may create databases).
Without PostgreSQL server binaries the PostgreSQL parts are skipped with the
reason; the SQLite submissions still run.

Goals (issue 5): queue p95 <= 200 ms with 100,000 reports in PostgreSQL;
submissions >= 200 reports/s with p95 <= 250 ms for 50 concurrent clients,
on SQLite and on PostgreSQL. ``--quick``: 5,000 reports, 500 submissions,
fewer requests (a smoke test, under a minute). Writes bench/out/office.json.

The machine is shared: wall-clock figures move with whatever else runs. The
load average at start and end is recorded, and the server's CPU time per
report, which moves far less, says whether a change made the server cheaper.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import sqlalchemy as sa
from argon2 import PasswordHasher

from _common import OUT, ROOT, meta, percentile, write_json
from lurewatch.identity import norm_name
from lurewatch.model import Alert, Evidence, Finding, Level
from lurewatch.model import Persona as AlertPersona
from lurewatch.scoring import level_for
from lurewatch.store import Store
from lurewatch.store.normalise import contact_key
from lurewatch.store.records import ReportSubmission, SubmittedContact, SubmittedItem
from lurewatch.store.reports import _date_text, _summaries, reference_for
from lurewatch.store.schema import (
    CounterpartyRow,
    CounterRow,
    ObservationRow,
    ReportRow,
    UserRow,
    VerdictTemplateRow,
)
from messages import COMPANIES, FIRST_NAMES, SURNAMES, generate_labelled

GOAL_QUEUE_P95_MS = 200.0
GOAL_SUBMIT_RATE = 200.0  # reports per second
GOAL_SUBMIT_P95_MS = 250.0

SEED = 20261129
# The fill's reports end here (the benchmarks' fixed day) and go back one year.
END = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
SECRET = "bench-office-secret-" + "x" * 40
PASSWORD = "bench office password, not secret"
ANALYST = "ana"
# Cheap argon2 for set-up; the hash carries its parameters, so the server verifies it.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CHECKED_BY_SUBMIT = 5  # reports of the fill that go through Store.submit_report

TEAMS: tuple[tuple[str | None, float, int], ...] = (  # name, sensitivity, reporters
    ("Defence review", 5.0, 5),
    ("Ministers' private office", 4.0, 5),
    ("Committee clerks", 3.0, 10),
    ("IT operations", 2.0, 8),
    ("Research service", 1.5, 8),
    ("Visitor centre", 1.0, 6),
    ("Catering", 0.5, 5),
    (None, 1.0, 3),  # reporters in no team
)

# API requests: (label, path). Page requests: the same filters on /queue.
API_VARIANTS: tuple[tuple[str, str], ...] = (
    ("priority", "/api/reports?order=priority&limit=50"),
    ("priority, level=high", "/api/reports?order=priority&limit=50&level=high"),
    ("priority, offset=500", "/api/reports?order=priority&limit=50&offset=500"),
    ("recent", "/api/reports?order=recent&limit=50"),
    ("score", "/api/reports?order=score&limit=50"),
)
PAGE_VARIANTS: tuple[tuple[str, str], ...] = (
    ("default (priority)", "/queue"),
    ("level=high", "/queue?level=high"),
    ("order=recent", "/queue?order=recent"),
    ("offset=500", "/queue?offset=500"),
)
STORE_VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("priority", {"order": "priority", "limit": 50}),
    ("priority, level=high", {"order": "priority", "limit": 50, "level": Level.HIGH}),
    ("priority, offset=500", {"order": "priority", "limit": 50, "offset": 500}),
    ("recent", {"order": "recent", "limit": 50}),
)


# -- PostgreSQL ----------------------------------------------------------------------------


def _pgcluster() -> Any:
    """tests/pgcluster.py (the store tests' throwaway cluster), imported from bench."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    return importlib.import_module("pgcluster")


@contextlib.contextmanager
def postgres(admin_url: str | None) -> Iterator[tuple[str | None, str | None]]:
    """``(admin URL, None)`` of a server that may create databases, or ``(None, why not)``."""
    if admin_url:
        yield admin_url, None
        return
    pg = _pgcluster()
    try:
        cluster = pg.Cluster(durable=True)
    except pg.PostgresUnavailable as exc:
        yield None, str(exc)
        return
    try:
        url = cluster.start()
    except pg.PostgresUnavailable as exc:
        cluster.stop()
        yield None, str(exc)
        return
    try:
        yield url, None
    finally:
        cluster.stop()


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(
        sa.make_url(url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )


def create_database(admin_url: str, name: str) -> str:
    """A new, empty database ``name`` on the server (dropped first if it exists)."""
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return (
        sa.make_url(admin_url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


# -- synthetic people and reports ----------------------------------------------------------

_FINDINGS: tuple[tuple[str, str, str, float, str], ...] = (  # id, title, category, weight, words
    ("offers-money", "Offers money for reports", "money", 2.0, "pays USD 1,500"),
    ("move-off-platform", "Asks to move to another messenger", "off_platform", 1.2, "add me on"),
    ("asks-for-policy", "Asks about internal policy work", "targeting", 1.5, "budget discussions"),
    ("flattery", "Heavy flattery", "flattery", 0.6, "impressed by your work"),
    ("urgency", "Presses for a quick answer", "pressure", 0.8, "this week"),
    ("new-profile", "Profile created recently", "profile", 0.9, "joined 3 weeks ago"),
    ("consultancy-front", "Unverifiable consultancy", "profile", 1.1, "Executive Search"),
    ("confidentiality", "Asks to keep it confidential", "secrecy", 1.3, "between us"),
)
_POSITIONS = (
    "Head of Research",
    "Partner",
    "Senior Consultant",
    "Talent Acquisition Lead",
    "Director, Public Affairs",
    "Analyst",
    "Recruiter",
    "CEO",
)
_FRONTS = (
    "Bright Path Executive Search",
    "Orient Horizon Consulting",
    "Global Insight Partners",
    "Silverline Advisory",
)


@dataclass(frozen=True)
class Persona:
    name: str
    profile_url: str | None
    company: str
    position: str
    fake: bool


@dataclass
class Synth:
    """Deterministic synthetic personas, excerpts and contacts."""

    seed: int = SEED
    rng: random.Random = field(init=False)
    excerpts: dict[bool, list[str]] = field(init=False)
    campaign: list[Persona] = field(init=False)
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        samples = generate_labelled(3_000, self.seed, suspicious_share=0.5)
        self.excerpts = {
            True: [s.text[:300] for s in samples if s.label == "suspicious"],
            False: [s.text[:300] for s in samples if s.label != "suspicious"],
        }
        # Fake personas that write to many members of staff across the year.
        self.campaign = [self.persona(fake=True) for _ in range(300)]

    def persona(self, *, fake: bool) -> Persona:
        rng = self.rng
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        if rng.random() < 0.3:
            name = f"{name[0]}. {name}" if rng.random() < 0.5 else f"{name} {rng.choice(SURNAMES)}"
        slug = norm_name(name).replace(" ", "-")
        url = (
            f"https://www.linkedin.com/in/{slug}-{next(self.serial):x}"
            if rng.random() < 0.85
            else None
        )
        company = rng.choice(_FRONTS if fake else COMPANIES)
        return Persona(name, url, company, rng.choice(_POSITIONS), fake)

    def contact(self, day: dt.date) -> SubmittedContact:
        rng = self.rng
        persona = (
            rng.choice(self.campaign)
            if rng.random() < 0.25
            else self.persona(fake=rng.random() < 0.4)
        )
        if persona.fake:
            score = min(100, max(0, int(rng.gauss(72, 18))))
        else:
            score = min(100, max(0, int(rng.gauss(25, 15))))
        findings = tuple(
            Finding(
                id=fid,
                title=title,
                category=category,
                weight=weight,
                evidence=(Evidence(field="text", text=words, start=10, end=10 + len(words)),),
            )
            for fid, title, category, weight, words in rng.sample(
                _FINDINGS, k=min(len(_FINDINGS), max(0, round(score / 25) + rng.randint(-1, 1)))
            )
        )
        first = day - dt.timedelta(days=rng.randint(0, 40))
        items = tuple(
            SubmittedItem(
                kind="message" if rng.random() < 0.8 else "invitation",
                date=(first + dt.timedelta(days=k * rng.randint(1, 5))).isoformat(),
                excerpt=rng.choice(self.excerpts[score >= 40]),
                subject="" if rng.random() < 0.7 else "Opportunity",
            )
            for k in range(rng.randint(1, 3))
        )
        return SubmittedContact(
            name=persona.name,
            profile_url=persona.profile_url,
            company=persona.company,
            position=persona.position,
            level=level_for(score),
            score=score,
            findings=findings,
            items=items,
            first_contact=first.isoformat(),
            last_contact=items[-1].date,
            context=("connection since " + first.isoformat(),) if rng.random() < 0.5 else (),
        )

    def contacts(self, day: dt.date) -> tuple[SubmittedContact, ...]:
        k = self.rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
        return tuple(self.contact(day) for _ in range(k))


@dataclass(frozen=True)
class People:
    reporters: list[str]
    tokens: dict[str, str]  # reporter -> API token
    analyst_token: str
    ids: dict[str, int]  # username -> user id


def set_up_people(store: Store, *, tokens_for_reporters: bool) -> People:
    """Teams, ~50 reporters and an analyst with a password and a token."""
    reporters: list[str] = []
    for team, sensitivity, count in TEAMS:
        if team is not None:
            store.set_team(team, sensitivity, actor="bench")
        for k in range(count):
            username = f"{re.sub(r'[^a-z]', '', (team or 'noteam').split()[0].lower())}{k + 1}"
            store.create_user(
                username,
                display_name=username.title(),
                role="reporter",
                team=team,
                actor="bench",
            )
            reporters.append(username)
    store.set_team("Security office", 1.0, actor="bench")
    store.create_user(
        ANALYST,
        display_name="Ana Analyst",
        role="analyst",
        team="Security office",
        password=PASSWORD,
        actor="bench",
    )
    analyst_token = store.issue_token(ANALYST, "bench", actor="bench").token
    tokens = (
        {r: store.issue_token(r, "bench", actor="bench").token for r in reporters}
        if tokens_for_reporters
        else {}
    )
    with store.engine.connect() as conn:
        ids = {u: i for u, i in conn.execute(sa.select(UserRow.username, UserRow.id))}
    return People(reporters, tokens, analyst_token, ids)


# -- the bulk fill -------------------------------------------------------------------------


def report_rows(
    sub: ReportSubmission, *, reporter_id: int, at: dt.datetime, reference: str
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """The reports row and (counterparty key, observations row) pairs submit_report writes."""
    if sub.assessment is not None:
        level, score = sub.assessment.level, sub.assessment.score
    else:
        top = max(sub.contacts, key=lambda c: c.score)
        level, score = top.level, top.score
    report = {
        "reference": reference,
        "reporter_id": reporter_id,
        "channel": sub.channel,
        "received_at": at,
        "items": msgspec.to_builtins(sub.contacts),
        "assessment": None if sub.assessment is None else msgspec.to_builtins(sub.assessment),
        "level": level.value,
        "score": score,
        "is_exercise": sub.is_exercise,
        "status": "received",
        "verdict_key": None,
        "verdict_text": None,
        "verdict_at": None,
        "updated_at": at,
    }
    keyed = sorted(
        (key, i, c)
        for i, c in enumerate(sub.contacts)
        if (key := contact_key(c.name, c.profile_url)) is not None
    )
    observations = [
        (
            key,
            {
                "position": position,
                "name": c.name,
                "company": c.company,
                "name_norm": norm_name(c.name),
                "company_norm": norm_name(c.company),
                "profile_url": c.profile_url,
                "first_contact": _date_text(c.first_contact),
                "last_contact": _date_text(c.last_contact),
                "level": c.level.value,
                "score": c.score,
                "findings": _summaries(c),
                "reported_at": at,
                "is_exercise": sub.is_exercise,
            },
        )
        for key, position, c in keyed
    ]
    return report, observations


def _submission(synth: Synth, reporter: str, at: dt.datetime) -> ReportSubmission:
    rng = synth.rng
    return ReportSubmission(
        reporter=reporter,
        channel=rng.choices(("cli", "web", "api", "email"), weights=(50, 35, 10, 5))[0],
        contacts=synth.contacts(at.date()),
        is_exercise=rng.random() < 0.05,
    )


def _feedback(rng: random.Random, row: dict[str, Any], templates: list[tuple[str, str]]) -> None:
    """Move an older report along: most are closed with a verdict, some are in review."""
    age = END - row["received_at"]
    roll = rng.random()
    if (age > dt.timedelta(days=30) and roll < 0.85) or (age > dt.timedelta(days=3) and roll < 0.3):
        key, text = rng.choice(templates)
        at = row["received_at"] + dt.timedelta(hours=rng.uniform(2, 24 * 10))
        row.update(
            status="closed", verdict_key=key, verdict_text=text, verdict_at=at, updated_at=at
        )
    elif age > dt.timedelta(hours=12) and roll < 0.95:
        row.update(status="in_review", updated_at=row["received_at"] + dt.timedelta(hours=6))


def fill(store: Store, people: People, n: int, *, batch: int = 5_000) -> dict[str, Any]:
    """Write ``n`` reports spread over the year before END; see the module doc."""
    synth = Synth()
    rng = random.Random(SEED + 1)
    engine = store.engine
    with engine.connect() as conn:
        templates = [
            tuple(r)
            for r in conn.execute(sa.select(VerdictTemplateRow.key, VerdictTemplateRow.text))
        ]
        report_base = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(ReportRow.id), 0)))
        cp_base = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(CounterpartyRow.id), 0)))
    bulk = n - CHECKED_BY_SUBMIT
    span = dt.timedelta(days=365).total_seconds()
    times = sorted(END - dt.timedelta(seconds=rng.uniform(60, span)) for _ in range(bulk))
    numbers: Counter[int] = Counter()
    counterparties: dict[str, int] = {}
    t0 = time.perf_counter()
    observations_written = 0
    for start in range(0, bulk, batch):
        reports: list[dict[str, Any]] = []
        new_cps: list[dict[str, Any]] = []
        observations: list[dict[str, Any]] = []
        for k, at in enumerate(times[start : start + batch], start=start):
            reporter = rng.choice(people.reporters)
            numbers[at.year] += 1
            sub = _submission(synth, reporter, at)
            report, obs = report_rows(
                sub,
                reporter_id=people.ids[reporter],
                at=at,
                reference=reference_for(at.year, numbers[at.year]),
            )
            report["id"] = report_base + k + 1
            _feedback(rng, report, templates)  # type: ignore[arg-type]
            reports.append(report)
            for key, row in obs:
                cp = counterparties.get(key)
                if cp is None:
                    cp = counterparties[key] = cp_base + len(counterparties) + 1
                    new_cps.append({"id": cp, "key": key, "created_at": at})
                row.update(counterparty_id=cp, report_id=report["id"])
                observations.append(row)
        with engine.begin() as conn:
            if new_cps:
                conn.execute(sa.insert(CounterpartyRow), new_cps)
            conn.execute(sa.insert(ReportRow), reports)
            conn.execute(sa.insert(ObservationRow), observations)
        observations_written += len(observations)
    with engine.begin() as conn:
        for year, count in numbers.items():
            name = f"report:{year}"
            conn.execute(sa.delete(CounterRow).where(CounterRow.name == name))
            conn.execute(sa.insert(CounterRow).values(name=name, value=count))
        if store.dialect == "postgresql":
            for table in ("reports", "counterparties", "observations"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    bulk_s = time.perf_counter() - t0
    checked = check_bulk_matches_submit(store, people, synth)
    return {
        "reports": n,
        "bulk_reports": bulk,
        "observations": observations_written + checked["observations"],
        "counterparties": len(counterparties),
        "bulk_s": round(bulk_s, 2),
        "checked_by_submit_report": checked,
    }


def _plain(value: Any) -> Any:
    """JSON values as read back (tuples become lists); other values as they are."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def check_bulk_matches_submit(store: Store, people: People, synth: Synth) -> dict[str, Any]:
    """Send a few reports through ``Store.submit_report`` and compare their rows with ours.

    Raises SystemExit when a column differs: the bulk fill no longer writes what
    submit_report writes (it changed), so the queue numbers would be off.
    """
    at = END + dt.timedelta(minutes=1)
    checker = Store(store.engine, now=lambda: at, hasher=FAST_HASHER)
    cols = [c for c in ReportRow.__table__.columns if c.name not in ("id",)]
    ocols = [
        c
        for c in ObservationRow.__table__.columns
        if c.name not in ("id", "report_id", "counterparty_id")
    ]
    observations = 0
    for k in range(CHECKED_BY_SUBMIT):
        reporter = people.reporters[k]
        sub = _submission(synth, reporter, at)
        report = checker.submit_report(sub)
        expected, expected_obs = report_rows(
            sub, reporter_id=people.ids[reporter], at=at, reference=report.reference
        )
        with store.engine.connect() as conn:
            row = conn.execute(sa.select(*cols).where(ReportRow.id == report.id)).one()._asdict()
            got_obs = [
                (r[0], dict(zip([c.name for c in ocols], r[1:], strict=True)))
                for r in conn.execute(
                    sa.select(CounterpartyRow.key, *ocols)
                    .join(CounterpartyRow, CounterpartyRow.id == ObservationRow.counterparty_id)
                    .where(ObservationRow.report_id == report.id)
                    .order_by(CounterpartyRow.key, ObservationRow.position)
                )
            ]
        wrong = [c for c in expected if _plain(row.get(c)) != _plain(expected[c])]
        if wrong or _plain(got_obs) != _plain(expected_obs):
            raise SystemExit(
                f"the bulk fill no longer writes what Store.submit_report writes: report "
                f"{report.reference} differs in {wrong or 'its observations'}; update bench/office.py"
            )
        observations += len(got_obs)
    return {"reports": CHECKED_BY_SUBMIT, "observations": observations, "rows_match": True}


# -- a real server -------------------------------------------------------------------------


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``lurewatch serve`` in a child process on a free loopback port."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.database_url = database_url
        self.log = log
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LUREWATCH_")}
        env["LUREWATCH_SECRET_KEY"] = SECRET
        for _ in range(3):  # the free port may be taken before the server binds it
            self.port = _port()
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "lurewatch.cli",
                        "serve",
                        "--port",
                        str(self.port),
                        "--database-url",
                        self.database_url,
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    if httpx.get(f"{self.url}/api/health", timeout=1.0).status_code == 200:
                        return self
                except httpx.HTTPError:
                    time.sleep(0.1)
            self.__exit__()
        raise SystemExit(f"the server did not start:\n{self.log.read_text()[-3000:]}")

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident memory so far (Linux), in MB."""
        if self.process is None:
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        return int(found.group(1)) / 1024 if found else None

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is not None and self.port:
            print(
                f"  the server had exited (code {self.process.returncode}); its log "
                f"({self.log}) ends:\n{self.log.read_text(errors='replace')[-2000:]}",
                file=sys.stderr,
            )
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def _stats_ms(latencies: Sequence[float]) -> dict[str, float]:
    ms = [x * 1000 for x in latencies]
    return {
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(sum(ms) / len(ms), 1),
    }


def time_requests(client: httpx.Client, path: str, n: int, warmup: int) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    latencies: list[float] = []
    size = 0
    for k in range(warmup + n):
        t0 = time.perf_counter()
        try:
            response = client.get(path)
        except httpx.HTTPError as exc:
            failures[f"{type(exc).__name__}: {exc}"] += 1
            statuses[0] += 1
            continue
        took = time.perf_counter() - t0
        if k >= warmup:
            statuses[response.status_code] += 1
            latencies.append(took)
            size = len(response.content)
    return {
        "path": path,
        "requests": n,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "bytes": size,
        **(_stats_ms(latencies) if latencies else {"p50_ms": 0, "p95_ms": 0, "max_ms": 0}),
        **({"failures": dict(failures)} if failures else {}),
    }


def page_login(client: httpx.Client) -> None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    if found is None:
        raise SystemExit("no csrf_token on /login")
    response = client.post(
        "/login",
        data={"username": ANALYST, "password": PASSWORD, "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    if response.status_code != 303:
        raise SystemExit(
            f"log-in through /login failed: {response.status_code} {response.text[:300]}"
        )
    for name, value in response.cookies.items():
        client.cookies.set(name, value)


# -- 1. the triage queue -------------------------------------------------------------------


def explain_priority(store: Store) -> dict[str, Any]:
    """The SQL list_reports(order="priority", limit=50) sends, and PostgreSQL's EXPLAIN ANALYZE."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        store.list_reports(order="priority", limit=50)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    statement, params = next((s, p) for s, p in seen if "FROM reports" in s)
    with store.engine.connect() as conn:
        plan = [
            r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        ]
    execution = next((line for line in plan if line.startswith("Execution Time")), "")
    return {"sql": statement, "plan": plan, "execution": execution}


def time_store(store: Store, n: int) -> dict[str, Any]:
    """``store.list_reports`` in this process: the database and ORM share of a request."""
    out: dict[str, Any] = {}
    for label, kwargs in STORE_VARIANTS:
        latencies = []
        for k in range(n + 5):
            t0 = time.perf_counter()
            store.list_reports(**kwargs)
            if k >= 5:
                latencies.append(time.perf_counter() - t0)
        out[label] = _stats_ms(latencies)
    return out


def time_retro_hunt(store: Store, personas: int = 3) -> dict[str, Any]:
    """Import an alert naming some of the campaign's fake personas and retro-hunt every report.

    This runs inside the request that imports or issues an alert, so it is the
    wait an analyst sees after pressing the button.
    """
    named = Synth().campaign[:personas]  # the same seed: personas present in the reports
    alert = Alert(
        id="bench-retro-hunt",
        title="Bench alert",
        personas=tuple(
            AlertPersona(id=f"p{k}", name=p.name, company=p.company, profile_url=p.profile_url)
            for k, p in enumerate(named)
        ),
    )
    t0 = time.perf_counter()
    store.import_alert(alert, actor="analyst")
    imported = time.perf_counter() - t0
    t0 = time.perf_counter()
    matches = store.retro_hunt(alert.id, actor="analyst")
    hunted = time.perf_counter() - t0
    return {
        "personas": personas,
        "import_s": round(imported, 3),
        "retro_hunt_s": round(hunted, 2),
        "matches": len(matches),
    }


def queue_bench(admin_url: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    url = create_database(admin_url, "lw_bench_queue")
    t0 = time.perf_counter()
    with Store.open(url, migrate=True, hasher=FAST_HASHER) as store:
        people = set_up_people(store, tokens_for_reporters=False)
        print(f"  filling PostgreSQL with {args.reports:,} reports ...", flush=True)
        filled = fill(store, people, args.reports)
        filled["fill_s"] = round(time.perf_counter() - t0, 2)
        with store.engine.connect() as conn:
            filled["database_mb"] = round(
                conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
                / 2**20
            )
        stored = store.list_reports(order="priority", limit=50)
        assert len(stored) == 50 and stored[0].score >= stored[-1].score
        store.get_report(stored[0].reference)  # items read back as valid contacts
        print(
            f"  filled in {filled['fill_s']:.1f} s ({filled['bulk_s']:.1f} s bulk insert; "
            f"{filled['observations']:,} observations, {filled['counterparties']:,} personas, "
            f"{filled['database_mb']} MB)",
            flush=True,
        )
        plan = explain_priority(store)
        in_process = time_store(store, max(20, args.requests // 4))
        hunt = time_retro_hunt(store)
        print(
            f"  retro-hunt of an alert naming {hunt['personas']} personas over every report: "
            f"{hunt['retro_hunt_s']:.2f} s, {hunt['matches']:,} matches",
            flush=True,
        )
    result: dict[str, Any] = {
        "retro_hunt": hunt,
        "fill": filled,
        "explain_priority": plan,
        "store_in_process": in_process,
    }
    with Server(url, OUT / "office-server-queue.log") as server:
        with httpx.Client(base_url=server.url, timeout=30) as page:
            page_login(page)
            probe = page.get("/queue")
            if probe.status_code == 200:
                result["page"] = {
                    label: time_requests(page, path, args.requests, args.warmup)
                    for label, path in PAGE_VARIANTS
                }
            else:
                result["page"] = None
                result["page_unavailable"] = f"GET /queue answered {probe.status_code}"
        with httpx.Client(
            base_url=server.url,
            timeout=30,
            headers={"Authorization": f"Bearer {people.analyst_token}"},
        ) as api:
            result["api"] = {
                label: time_requests(api, path, args.requests, args.warmup)
                for label, path in API_VARIANTS
            }
        result["server_peak_rss_mb"] = server.peak_rss_mb()
    timed = [*(result["page"] or {}).values(), *result["api"].values()]
    result["worst_p95_ms"] = max(t["p95_ms"] for t in timed)
    result["errors"] = sum(v for t in timed for k, v in t["statuses"].items() if k != "200")
    result["goal_met"] = result["worst_p95_ms"] <= GOAL_QUEUE_P95_MS and result["errors"] == 0
    return result


# -- 2. submissions ------------------------------------------------------------------------


def submission_bodies(n: int, seed: int) -> list[bytes]:
    synth = Synth(seed)
    rng = synth.rng
    bodies = []
    for _ in range(n):
        body = {
            "contacts": msgspec.to_builtins(synth.contacts(END.date())),
            "channel": "cli",
            "is_exercise": rng.random() < 0.05,
        }
        bodies.append(msgspec.json.encode(body))
    return bodies


@dataclass
class Outcome:
    started: float
    took: float
    status: int
    reference: str | None


class _Connection:
    """One client's keep-alive HTTP/1.1 connection, spoken by hand.

    The clients must cost the 2-core machine as little as possible, or they
    measure themselves: 50 threads with an httpx client each took a large
    share of the second core. Here all clients are coroutines in one thread,
    and a request is a few bytes written and a response read by its
    Content-Length (or chunks). Each request is timed from just before its
    bytes are written to the last byte of its response.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"POST /api/reports HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        ).encode("ascii")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET /api/health HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        status, _ = await self._response()
        if status != 200:
            raise SystemExit(f"GET /api/health answered {status}")

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        status = int((await self.reader.readuntil(b"\r\n")).split(b" ", 2)[1])
        length, chunked = 0, False
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        body = bytearray()
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await self.reader.readexactly(size + 2)
            del body[-2:]
        while await self.reader.readuntil(b"\r\n") != b"\r\n":
            pass  # trailers
        return status, bytes(body)

    async def post(self, body: bytes) -> Outcome:
        """POST one report; a broken connection is status 0, and the next post reconnects."""
        t0 = time.perf_counter()
        try:
            if self.writer is None:
                await self.open()
            assert self.writer is not None
            self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            status, data = await self._response()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            return Outcome(t0, time.perf_counter() - t0, 0, None)
        took = time.perf_counter() - t0
        ref = msgspec.json.decode(data).get("reference") if status == 201 else None
        return Outcome(t0, took, status, ref)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by process ``pid`` (Linux), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    outcomes: list[Outcome]
    wall_s: float
    client_cpu_s: float  # the load generator's own CPU time while sending
    server_cpu_s: float | None  # the server process's CPU time meanwhile


def submit_concurrently(
    base_url: str, tokens: list[str], bodies: list[bytes], seconds: float, server_pid: int
) -> Load:
    """Each token's client POSTs bodies until all are taken or time is up."""
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80

    async def run() -> Load:
        connections = [_Connection(host, port, t) for t in tokens]
        await asyncio.gather(*(c.open() for c in connections))  # connect before the clock
        next_body = itertools.count()
        outcomes: list[Outcome] = []
        server0, client0 = _cpu_seconds(server_pid), time.process_time()
        start = time.perf_counter()
        deadline = start + seconds

        async def client(connection: _Connection) -> None:
            while time.perf_counter() < deadline and (k := next(next_body)) < len(bodies):
                outcomes.append(await connection.post(bodies[k]))
            connection.close()

        await asyncio.gather(*(client(c) for c in connections))
        server1, client1 = _cpu_seconds(server_pid), time.process_time()
        wall = max((o.started + o.took for o in outcomes), default=start) - start
        server_cpu = None if server0 is None or server1 is None else server1 - server0
        return Load(outcomes, wall, client1 - client0, server_cpu)

    return asyncio.run(run())


def submit_bench(
    backend: str, url: str, args: argparse.Namespace, work: Path, bodies: list[bytes]
) -> dict[str, Any]:
    with Store.open(url, migrate=True, hasher=FAST_HASHER) as store:
        people = set_up_people(store, tokens_for_reporters=True)
    tokens = [people.tokens[r] for r in people.reporters[: args.clients]]
    while len(tokens) < args.clients:  # more clients than reporters: some share a token
        tokens.append(tokens[len(tokens) % len(people.reporters)])
    with Server(url, OUT / f"office-server-submit-{backend}.log") as server:
        assert server.process is not None
        load = submit_concurrently(server.url, tokens, bodies, args.seconds, server.process.pid)
        rss = server.peak_rss_mb()
    outcomes, wall = load.outcomes, load.wall_s
    acknowledged = {o.reference for o in outcomes if o.status == 201 and o.reference}
    errors = Counter(str(o.status) for o in outcomes if o.status != 201)
    with Store.open(url) as store, store.engine.connect() as conn:
        stored = set(conn.scalars(sa.select(ReportRow.reference)))
    lost = acknowledged - stored
    ok = [o.took for o in outcomes if o.status == 201]
    result: dict[str, Any] = {
        "backend": backend,
        "clients": args.clients,
        "sent": len(outcomes),
        "acknowledged": len(acknowledged),
        "errors": dict(errors),
        "wall_s": round(wall, 2),
        "reports_per_s": round(len(ok) / wall, 1) if wall > 0 else 0.0,
        **(_stats_ms(ok) if ok else {}),
        "stored": len(stored),
        "lost": len(lost),
        "unacknowledged_but_stored": len(stored - acknowledged),
        "server_peak_rss_mb": rss,
        # CPU per report sent: steadier than wall-clock figures on a shared machine.
        "server_cpu_ms_per_report": None
        if load.server_cpu_s is None or not outcomes
        else round(load.server_cpu_s / len(outcomes) * 1000, 2),
        "client_cpu_ms_per_report": round(load.client_cpu_s / max(1, len(outcomes)) * 1000, 2),
    }
    result["goal_met"] = (
        not errors
        and not lost
        and bool(ok)
        and result["reports_per_s"] >= GOAL_SUBMIT_RATE
        and result["p95_ms"] <= GOAL_SUBMIT_P95_MS
    )
    return result


# -- output --------------------------------------------------------------------------------


def _ok(flag: bool) -> str:
    return "ok" if flag else "MISSED"


def print_tables(data: dict[str, Any]) -> None:
    queue = data.get("queue")
    if queue and "fill" in queue:
        f = queue["fill"]
        print(
            f"\nTriage queue over {f['reports']:,} reports in PostgreSQL "
            f"(fill {f['fill_s']:.1f} s, database {f['database_mb']} MB, "
            f"server peak RSS {queue['server_peak_rss_mb'] or 0:.0f} MB)"
        )
        print(f"  {'request':<42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  status")
        rows = [(f"page  {k}", v) for k, v in (queue["page"] or {}).items()]
        rows += [(f"api   {k}", v) for k, v in queue["api"].items()]
        for label, t in rows:
            codes = ",".join(f"{k}x{v}" for k, v in t["statuses"].items())
            flag = _ok(t["p95_ms"] <= GOAL_QUEUE_P95_MS and set(t["statuses"]) == {"200"})
            print(
                f"  {label:<42} {t['p50_ms']:>8.1f} {t['p95_ms']:>8.1f} {t['max_ms']:>8.1f}  {codes} {flag}"
            )
        if queue.get("page_unavailable"):
            print(f"  page  /queue: not measured ({queue['page_unavailable']})")
        for label, t in queue["store_in_process"].items():
            print(
                f"  {'store.list_reports ' + label:<42} {t['p50_ms']:>8.1f} {t['p95_ms']:>8.1f} {t['max_ms']:>8.1f}  (in process)"
            )
        print(f"  EXPLAIN ANALYZE, order=priority: {queue['explain_priority']['execution']}")
        print(f"  goal: p95 <= {GOAL_QUEUE_P95_MS:.0f} ms: {_ok(queue['goal_met'])}")
    elif queue:
        print(f"\nTriage queue: skipped ({queue['skipped']})")
    print(f"\nSubmissions, {data['clients']} concurrent clients on loopback")
    print(
        f"  {'backend':<11} {'sent':>6} {'reports/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'errors':>7} {'lost':>5} {'RSS MB':>7} {'CPU ms':>7}  goal"
    )
    for backend, s in data["submissions"].items():
        if "skipped" in s:
            print(f"  {backend:<11} skipped ({s['skipped']})")
            continue
        errors = sum(s["errors"].values())
        print(
            f"  {backend:<11} {s['sent']:>6} {s['reports_per_s']:>10.1f} {s.get('p50_ms', 0):>8.1f} "
            f"{s.get('p95_ms', 0):>8.1f} {s.get('max_ms', 0):>8.1f} {errors:>7} {s['lost']:>5} "
            f"{s['server_peak_rss_mb'] or 0:>7.0f} {s.get('server_cpu_ms_per_report') or 0:>7.2f}  "
            f"{_ok(s['goal_met'])}"
        )
    print(
        f"  goal: >= {GOAL_SUBMIT_RATE:.0f} reports/s, p95 <= {GOAL_SUBMIT_P95_MS:.0f} ms, "
        "no errors, nothing lost; CPU ms: the server process's CPU time per report"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 reports, 500 submissions")
    parser.add_argument("--reports", type=int, help="reports in the queue (default 100,000)")
    parser.add_argument("--requests", type=int, help="timed requests per variant (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first")
    parser.add_argument("--submissions", type=int, help="reports to submit (default 4,000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, help="stop submitting after this (default 60)")
    parser.add_argument(
        "--only", choices=("queue", "submit"), help="run one of the two measurements"
    )
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="submission backends, comma-separated"
    )
    parser.add_argument(
        "--postgres-url",
        help="a PostgreSQL server that may create databases (else a throwaway one)",
    )
    args = parser.parse_args()
    quick = args.quick
    args.reports = args.reports or (5_000 if quick else 100_000)
    args.requests = args.requests or (50 if quick else 200)
    args.submissions = args.submissions or (500 if quick else 4_000)
    args.seconds = args.seconds or (20.0 if quick else 60.0)
    if args.reports <= CHECKED_BY_SUBMIT:
        parser.error(f"--reports: give more than {CHECKED_BY_SUBMIT}")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    data: dict[str, Any] = {
        "quick": quick,
        "reports": args.reports,
        "clients": args.clients,
        "submissions_planned": args.submissions,
        "seconds_limit": args.seconds,
        "goals": {
            "queue_p95_ms": GOAL_QUEUE_P95_MS,
            "submit_reports_per_s": GOAL_SUBMIT_RATE,
            "submit_p95_ms": GOAL_SUBMIT_P95_MS,
        },
        "submissions": {},
    }
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    bodies = submission_bodies(args.submissions, SEED + 2)
    with (
        tempfile.TemporaryDirectory(prefix="lurewatch-bench-office-") as tmp,
        postgres(args.postgres_url or os.environ.get("LUREWATCH_BENCH_POSTGRES_URL")) as (
            admin_url,
            why_not,
        ),
    ):
        work = Path(tmp)
        if why_not:
            print(f"PostgreSQL parts skipped: {why_not}", flush=True)
        data["postgresql"] = (
            {"skipped": why_not}
            if why_not
            else {
                "durable": not args.postgres_url,
                "server": "throwaway cluster" if not args.postgres_url else "given",
            }
        )
        if args.only != "submit":
            if admin_url is None:
                data["queue"] = {"skipped": why_not}
            else:
                print("== triage queue ==", flush=True)
                data["queue"] = queue_bench(admin_url, args, work)
        if args.only != "queue":
            for backend in backends:
                print(f"== submissions on {backend} ==", flush=True)
                if backend == "sqlite":
                    url = f"sqlite:///{work / 'submit.db'}"
                elif admin_url is None:
                    data["submissions"][backend] = {"skipped": why_not}
                    continue
                else:
                    url = create_database(admin_url, "lw_bench_submit")
                data["submissions"][backend] = submit_bench(backend, url, args, work, bodies)
    data["meta"] = meta()
    # A shared machine: the load while measuring says how far to trust the numbers.
    data["load_average_at_start"] = load_at_start
    data["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print_tables(data)
    print(
        f"\nload average (1, 5, 15 min) at start {data['load_average_at_start']}, "
        f"at end {data['load_average_at_end']} on {os.cpu_count()} CPUs"
    )
    path = write_json("office", data)
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
