"""The ``lurewatch`` command. Each command parses its options and calls the library.

Imports of the library happen inside commands so that start-up stays fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from lurewatch.model import Profile
    from lurewatch.rules.schema import Rule
    from lurewatch.scan import Scanner
    from lurewatch.settings import Settings
    from lurewatch.sharing.keys import InstitutionKey

app = typer.Typer(
    name="lurewatch",
    help="Rate professional-network approaches for signs of covert recruitment.\n\n"
    "Everything runs on this machine; nothing is sent anywhere, except what you choose\n"
    "to report to your security office with 'lurewatch report'.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
rules_app = typer.Typer(
    help="List, show and test detection rules.\n\nExample:\n\n    lurewatch rules test my-rules/",
    no_args_is_help=True,
)
schema_app = typer.Typer(
    help="Print the JSON schemas of lurewatch's inputs.\n\n"
    "Example:\n\n    lurewatch schema profile > profile.schema.json",
    no_args_is_help=True,
)
alert_app = typer.Typer(
    help="Read, show and convert espionage alerts and indicator feeds.\n\n"
    "Example: lurewatch alert convert examples/alert.json --to stix",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")
app.add_typer(schema_app, name="schema")
db_app = typer.Typer(
    help="Create or upgrade the security office's database (SQLite file or PostgreSQL).\n\n"
    "Example:\n\n    lurewatch db upgrade --database-url sqlite:///lurewatch.db",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="Check the security office's hash-chained audit log.\n\n"
    "Example:\n\n    lurewatch audit verify --database-url sqlite:///lurewatch.db",
    no_args_is_help=True,
)
key_app = typer.Typer(
    help="Make and inspect the institution key for fan-out sharing and anonymous lookups.\n\n"
    "Example:\n\n    lurewatch key new institution.key",
    no_args_is_help=True,
)
app.add_typer(alert_app, name="alert")
app.add_typer(key_app, name="key")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")


class Format(StrEnum):
    text = "text"
    json = "json"


class HuntFormat(StrEnum):
    text = "text"
    json = "json"
    stix = "stix"


class AlertFormat(StrEnum):
    json = "json"
    stix = "stix"
    misp = "misp"


class Kind(StrEnum):
    message = "message"
    invitation = "invitation"
    email = "email"


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"lurewatch: error: {message}", err=True)
    raise typer.Exit(code)


KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file", "-k", help="The institution key (64+ hex digits; see 'lurewatch key new')."
    ),
]
IndicatorFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--indicators",
        "-i",
        help="Alert or indicator file to match against (lurewatch JSON/YAML/CSV, STIX 2.1 "
        "bundle, MISP event; repeatable; also $LUREWATCH_INDICATORS).",
    ),
]


def _settings(
    contact: str | None, rules: list[Path] | None, indicators: list[Path] | None = None
) -> Settings:
    from lurewatch.settings import Settings

    base = Settings.from_env(os.environ)
    return Settings(
        contact=contact or base.contact,
        extra_rules=base.extra_rules + tuple(rules or ()),
        indicator_files=base.indicator_files + tuple(indicators or ()),
        max_message_bytes=base.max_message_bytes,
        max_profile_bytes=base.max_profile_bytes,
        database_url=base.database_url,
    )


@app.command()
def check(
    message: Annotated[
        str | None,
        typer.Option(
            "--message", "-m", help="File with the message or invitation note; - for stdin."
        ),
    ] = None,
    eml: Annotated[
        str | None,
        typer.Option("--eml", help="An e-mail saved as .eml (headers and attachments are read)."),
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile as JSON (see 'schema profile') or LinkedIn's 'Save to PDF' file.",
        ),
    ] = None,
    kind: Annotated[Kind, typer.Option(help="What the text is.")] = Kind.message,
    known: Annotated[
        bool, typer.Option("--known", help="You know the sender personally (not a stranger).")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    contact: Annotated[
        str | None,
        typer.Option(
            help="Who to report to (default: $LUREWATCH_CONTACT or 'your security office')."
        ),
    ] = None,
    rules: Annotated[
        list[Path] | None, typer.Option("--rules", help="Extra rule file or folder (repeatable).")
    ] = None,
    indicators: IndicatorFiles = None,
    today: Annotated[
        str | None, typer.Option(help="Judge as of this date (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Rate one message, invitation note or profile: low, medium or high, with reasons.

    Example:

        lurewatch check --message note.txt --profile profile.json

        pbpaste | lurewatch check --format json

        lurewatch check --eml approach.eml
    """
    from lurewatch.ingest.errors import InputError
    from lurewatch.ingest.profile_json import parse_profile
    from lurewatch.ingest.text import decode_text, read_bytes
    from lurewatch.rules.loader import RuleLoadError
    from lurewatch.service import Checker

    settings = _settings(contact, rules, indicators)
    if message is not None and eml is not None:
        _fail("give either --message or --eml, not both")
    if message is None and profile is None and eml is None:
        if sys.stdin is None or sys.stdin.isatty():
            _fail(
                "nothing to check: give --message FILE, pipe the text on stdin, or --profile FILE"
            )
        message = "-"
    day = _day(today)
    try:
        text = notes = email = None
        if eml is not None:
            from lurewatch.ingest.eml import MAX_EML_BYTES, parse_eml

            email, notes = parse_eml(
                read_bytes(eml, MAX_EML_BYTES), "standard input" if eml == "-" else eml
            )
            text = email.text
        if message is not None:
            name = "standard input" if message == "-" else message
            decoded = decode_text(read_bytes(message, settings.max_message_bytes), name)
            text, notes = decoded.text, decoded.notes
        prof = None
        if profile is not None:
            raw = read_bytes(str(profile), settings.max_profile_bytes)
            if raw.startswith(b"%PDF") or profile.suffix.lower() == ".pdf":
                from lurewatch.ingest.profile_pdf import parse_profile_pdf

                prof, pdf_notes = parse_profile_pdf(raw, str(profile))
                notes = (*(notes or ()), *pdf_notes)
            else:
                prof = parse_profile(raw, str(profile))
            if prof.photo and not prof.photo_phash:
                prof, photo_note = _with_photo_hash(prof, profile.parent)
                notes = (*(notes or ()), *photo_note)
        checker = Checker.from_settings(settings)
        if email is not None:
            from lurewatch.model import Approach

            approach = Approach(messages=(email,), profile=prof, stranger=not known)
            result = checker.check(approach, day)
        else:
            result = checker.check_text(text, prof, today=day, kind=kind.value, stranger=not known)
    except InputError as exc:
        _fail(str(exc))
    except RuleLoadError as exc:
        _fail(f"rules are invalid:\n{exc}")

    from lurewatch import render

    if fmt is Format.json:
        sys.stdout.buffer.write(render.to_json(result, notes or ()) + b"\n")
    else:
        from rich.console import Console

        render.render_terminal(Console(), result, text, notes or ())


class ScanFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class MinLevel(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


@app.command()
def scan(
    export: Annotated[
        Path,
        typer.Argument(
            help="The export .zip, its unzipped folder, or messages.csv / Invitations.csv."
        ),
    ],
    fmt: Annotated[ScanFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ScanFormat.table
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the result to this file.")
    ] = None,
    min_level: Annotated[
        MinLevel, typer.Option("--min-level", help="Show only people rated at least this.")
    ] = MinLevel.low,
    contact: Annotated[
        str | None, typer.Option(help="Who to report to (default: $LUREWATCH_CONTACT).")
    ] = None,
    rules: Annotated[
        list[Path] | None, typer.Option("--rules", help="Extra rule file or folder (repeatable).")
    ] = None,
    indicators: IndicatorFiles = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar on a terminal.")
    ] = True,
    today: Annotated[
        str | None, typer.Option(help="Judge as of this date (YYYY-MM-DD); default today.")
    ] = None,
    share_fanout: Annotated[
        Path | None,
        typer.Option(
            "--share-fanout",
            help="Also write, for the security office, keyed hashes of who wrote to you and "
            "the days they wrote (no names or texts; see docs/sharing.md). Needs --key-file.",
        ),
    ] = None,
    key_file: KeyFile = None,
) -> None:
    """Scan a whole LinkedIn data export on this machine: who wrote to you, ranked.

    Reads every incoming invitation note and message, groups them by sender,
    rates each sender with the reasons and the words, and lists the people who
    deserve a second look first. Nothing leaves this machine.

    Example:

        lurewatch scan Basic_LinkedInDataExport_11-29-2026.zip

        lurewatch scan export.zip --format html --output report.html

        lurewatch scan export.zip --share-fanout fanout.json --key-file institution.key
    """
    from lurewatch.ingest.errors import InputError
    from lurewatch.model import Level
    from lurewatch.rules.loader import RuleLoadError
    from lurewatch.scan import Scanner, filter_level
    from lurewatch.service import Checker

    settings = _settings(contact, rules, indicators)
    day = _day(today)
    if share_fanout is not None and key_file is None:
        _fail("--share-fanout needs --key-file (the institution key from your security office)")
    key = _load_key(key_file) if share_fanout is not None and key_file is not None else None
    try:
        scanner = Scanner(Checker.from_settings(settings), day)
        if progress and sys.stderr.isatty():
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                transient=True,
            ) as bar:
                task = bar.add_task("Reading the export", total=None)
                result = scanner.scan(
                    export,
                    on_progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        else:
            result = scanner.scan(export)
    except InputError as exc:
        _fail(str(exc))
    except RuleLoadError as exc:
        _fail(f"rules are invalid:\n{exc}")
    if share_fanout is not None and key is not None:
        _write_fanout(export, share_fanout, key, result.summary.owner, scanner)
    result = filter_level(result, Level(min_level.value))

    from lurewatch import render_scan

    if fmt is ScanFormat.table:
        from rich.console import Console

        if output is not None:
            with output.open("w", encoding="utf-8") as fh:
                render_scan.render_scan_table(Console(file=fh, width=160), result)
        else:
            render_scan.render_scan_table(Console(), result)
        return
    if fmt is ScanFormat.json:
        data = render_scan.scan_json(result) + b"\n"
    elif fmt is ScanFormat.csv:
        data = render_scan.scan_csv(result).encode("utf-8")
    else:
        from lurewatch.html_report import scan_html

        data = scan_html(result).encode("utf-8")
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as exc:
            _fail(f"{output}: cannot write ({exc.strerror or exc})")
    else:
        sys.stdout.buffer.write(data)


def _load_key(path: Path) -> InstitutionKey:
    from lurewatch.ingest.errors import InputError
    from lurewatch.sharing.keys import load_key

    try:
        return load_key(path)
    except InputError as exc:
        _fail(str(exc))


def _write_fanout(
    export: Path, out: Path, key: InstitutionKey, owner: str | None, scanner: Scanner
) -> None:
    from lurewatch.ingest.errors import InputError
    from lurewatch.sharing.fanout import collect_fanout, encode_fanout

    try:
        fanout = collect_fanout(export, key, owner=owner, limits=scanner.limits)
    except InputError as exc:
        _fail(str(exc))
    try:
        out.write_bytes(encode_fanout(fanout))
    except OSError as exc:
        _fail(f"{out}: cannot write ({exc.strerror or exc})")
    typer.echo(
        f"Wrote {out} for the security office: {len(fanout.contacts)} contact(s) as keyed "
        f"hashes and days (key {fanout.key_id}).",
        err=True,
    )


@app.command()
def lookup(
    key_file: Annotated[
        Path,
        typer.Option("--key-file", "-k", help="The institution key (from your security office)."),
    ],
    profile_url: Annotated[
        str | None, typer.Option("--profile-url", help="The persona's profile address.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="The persona's name (hashed only with --company).")
    ] = None,
    company: Annotated[str | None, typer.Option(help="The organisation they claim.")] = None,
    handle: Annotated[
        list[str] | None,
        typer.Option(
            "--handle",
            help="A messenger handle, phone number or e-mail address they gave (repeatable).",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
) -> None:
    """Hash a persona for an anonymous "is this persona known?" question to the office.

    Prints keyed hashes (HMAC-SHA256 under the institution key) of the persona's
    normalised profile address, name with organisation, and handles: no names,
    no text, nothing about you. With --format json the output is the request
    body for the office. What the office can and cannot learn: docs/sharing.md.

    Example:

        lurewatch lookup -k institution.key --profile-url linkedin.com/in/amanda-qiu

        lurewatch lookup -k institution.key --name "Amanda Qiu" --company BR-YR -f json

        lurewatch lookup -k institution.key --handle "WeChat: amy_br88" --handle +85255550101
    """
    import msgspec

    from lurewatch.sharing.lookup import lookup_request

    key = _load_key(key_file)
    try:
        req = lookup_request(
            key, profile_url=profile_url, name=name, company=company, handles=handle or ()
        )
    except ValueError as exc:
        _fail(str(exc))
    if fmt is Format.json:
        sys.stdout.buffer.write(msgspec.json.encode(req) + b"\n")
        return
    typer.echo(f"key_id        {req.key_id}")
    for fld, h in req.ids.hashes():
        typer.echo(f"{fld:<13} {h}")


@key_app.command("new")
def key_new(
    path: Annotated[Path, typer.Argument(help="Where to write the key (must not exist).")],
) -> None:
    """Make a new institution key: 32 random bytes as hex, readable only by you.

    The security office makes one and gives it to staff with the lookup and
    fan-out instructions. An existing file is never overwritten.

    Example:

        lurewatch key new institution.key
    """
    from lurewatch.sharing.keys import new_key_text, parse_key

    text = new_key_text()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _fail(f"{path}: already exists; not overwriting a key")
    except OSError as exc:
        _fail(f"{path}: cannot write ({exc.strerror or exc})")
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
    typer.echo(f"Wrote {path} (key {parse_key(text).key_id}). Keep it secret.")


@key_app.command("id")
def key_id(
    path: Annotated[Path, typer.Argument(help="A key file.")],
) -> None:
    """Print a key's id: the short name in fan-out files and lookups (reveals nothing of it).

    Example:

        lurewatch key id institution.key
    """
    typer.echo(_load_key(path).key_id)


@app.command()
def hunt(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Exports (.zip, folder or CSV), or folders holding many .zip exports."),
    ],
    indicators: Annotated[
        list[Path],
        typer.Option(
            "--indicators",
            "-i",
            help="Alert or indicator file (lurewatch JSON/YAML/CSV, STIX 2.1, MISP; repeatable).",
        ),
    ],
    fmt: Annotated[HuntFormat, typer.Option("--format", "-f", help="Output format.")] = (
        HuntFormat.text
    ),
    where: Annotated[
        str,
        typer.Option(
            help="With --format stix: the institution named as where the personas were "
            "sighted (never a member of staff)."
        ),
    ] = "Reporting institution",
    today: Annotated[
        str | None, typer.Option(help="Judge as of this date (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Retro-hunt: list everyone in these exports who matches an alerted persona.

    Prints who was contacted, when, by which persona, how strongly it matches
    and what agreed (name, organisation, profile address, handle, ...).

    Example:

        lurewatch hunt --indicators alert.json exports/

        lurewatch hunt -i feed.stix.json -i event.misp.json a.zip b.zip --format json

        lurewatch hunt -i alert.json exports/ --format stix > sightings.stix.json
    """
    from lurewatch.hunt import Hunter
    from lurewatch.ingest.errors import InputError
    from lurewatch.rules.loader import RuleLoadError
    from lurewatch.scan import Scanner
    from lurewatch.service import Checker

    settings = _settings(None, None, indicators)
    day = _day(today)
    try:
        checker = Checker.from_settings(settings)
    except InputError as exc:
        _fail(str(exc))
    except RuleLoadError as exc:
        _fail(f"rules are invalid:\n{exc}")
    hunter = Hunter(Scanner(checker, day), tuple(checker.alerts))
    result = hunter.hunt(paths)
    if fmt is HuntFormat.json:
        import msgspec

        sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(result), indent=2) + b"\n")
        return
    if fmt is HuntFormat.stix:
        if len(checker.alerts) != 1:
            _fail("--format stix needs exactly one --indicators file (the alert sighted)")
        from lurewatch.exchange.stix import Sighting, alert_to_stix
        from lurewatch.hunt import sightings_of

        now = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        sightings = [
            Sighting(
                persona_id=pid,
                count=count,
                first_seen=dt.datetime.fromisoformat(first),
                last_seen=dt.datetime.fromisoformat(last),
                where=where,
            )
            for pid, count, first, last in sightings_of(result)
        ]
        sys.stdout.write(alert_to_stix(checker.alerts[0], sightings=sightings, now=now) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from lurewatch.render import display_safe

    console = Console()
    console.print(
        Text(
            f"Searched {len(result.searched)} export(s) for {len(result.alerts)} alert(s): "
            f"{sum(h.strength == 'strong' for h in result.hits)} strong and "
            f"{sum(h.strength == 'possible' for h in result.hits)} possible match(es).",
            style="bold",
        )
    )
    if result.hits:
        table = Table("Strength", "Contacted", "By (as written)", "Persona", "When", "What agreed")
        for h in result.hits:
            table.add_row(
                Text(h.strength.upper(), style="bold red" if h.strength == "strong" else "yellow"),
                Text(display_safe(h.owner or h.export)),
                Text(display_safe(h.name)),
                Text(display_safe(f"{h.persona} ({h.alert})")),
                Text(f"{(h.first_contact or '?')[:10]} to {(h.last_contact or '?')[:10]}"),
                Text(display_safe("\n".join(h.agreed))),
            )
        console.print(table)
    for s in result.searched:
        if s.error:
            console.print(Text(f"skipped: {display_safe(s.error)}", style="yellow"))


def _with_photo_hash(prof: Profile, base: Path) -> tuple[Profile, tuple[str, ...]]:
    """The profile with the pHash of its photo (a path relative to the profile file)."""
    import msgspec

    from lurewatch.ingest.errors import InputError
    from lurewatch.ingest.photo import phash_hex

    assert prof.photo is not None
    try:
        return msgspec.structs.replace(prof, photo_phash=phash_hex(base / prof.photo)), ()
    except InputError as exc:
        return prof, (f"photo not compared: {exc}",)


def _day(today: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        _fail(f"--today: '{today}' is not a date like 2026-11-29")


@rules_app.command("list")
def rules_list(
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
    rules: Annotated[list[Path] | None, typer.Option("--rules", help="Extra rule files.")] = None,
) -> None:
    """List every rule with its category and weight.

    Example:

        lurewatch rules list --format json
    """
    loaded = _load_rules(rules)
    if fmt is Format.json:
        import msgspec

        rows = [
            {
                "id": r.uuid,
                "name": r.name,
                "title": r.title,
                "category": r.category,
                "weight": r.weight,
                "status": r.status,
                "field": r.field,
                "language": r.language,
                "tags": list(r.tags),
                "source": r.where,
            }
            for r in loaded
        ]
        sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(rows), indent=2) + b"\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "category", "weight", "language", "status", "title")
    for r in loaded:
        table.add_row(
            r.name, r.category, f"{r.weight:+.1f}", r.language or "any", r.status, r.title
        )
    Console().print(table)


@rules_app.command("show")
def rules_show(
    name: Annotated[str, typer.Argument(help="Rule name or id.")],
    rules: Annotated[list[Path] | None, typer.Option("--rules", help="Extra rule files.")] = None,
) -> None:
    """Show one rule: what it looks for, why, and its examples.

    Example:

        lurewatch rules show offplatform-messenger
    """
    for r in _load_rules(rules):
        if name in (r.name, r.uuid):
            from rich.console import Console
            from rich.text import Text

            out = Text()
            out.append(f"{r.title}\n", style="bold")
            for label, value in (
                ("name", r.name),
                ("id", r.uuid),
                ("status", r.status),
                ("category", r.category),
                ("weight", f"{r.weight:+.1f}"),
                ("field", r.field),
                ("tags", ", ".join(r.tags)),
                ("source", r.where),
            ):
                out.append(f"{label:>9}: {value}\n")
            out.append(f"\n{r.description}\n")
            for ref in r.references:
                out.append(f"  see: {ref}\n", style="dim")
            for fp in r.falsepositives:
                out.append(f"  false positives: {fp}\n", style="dim")
            for label, exs in (("matches", r.positive), ("does not match", r.negative)):
                out.append(f"\n{label}:\n", style="bold")
                for ex in exs:
                    out.append(f"  - {ex.data}\n")
            Console().print(out)
            return
    _fail(f"no rule named '{name}' (see 'lurewatch rules list')")


@rules_app.command("test")
def rules_test(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rule files or folders; default: the shipped pack."),
    ] = None,
) -> None:
    """Run every rule against its own positive and negative examples.

    Exits 1 if any example fails, 2 if a rule file is invalid.

    Example:

        lurewatch rules test my-rules/
    """
    from lurewatch.rules.examples import ExampleError, run_examples
    from lurewatch.rules.loader import RuleLoadError, builtin_rules, load_paths

    try:
        loaded = load_paths(paths) if paths else builtin_rules()
        results = run_examples(loaded)
    except RuleLoadError as exc:
        _fail(f"rules are invalid:\n{exc}")
    except ExampleError as exc:
        _fail(str(exc))
    failed = [r for r in results if not r.ok]
    for r in failed:
        typer.echo(f"FAIL {r.describe()}")
    typer.echo(
        f"{len(loaded)} rules, {len(results)} examples: "
        f"{len(results) - len(failed)} passed, {len(failed)} failed"
    )
    if failed:
        raise typer.Exit(1)


@alert_app.command("show")
def alert_show(
    path: Annotated[Path, typer.Argument(help="Alert file: lurewatch JSON/YAML/CSV, STIX, MISP.")],
) -> None:
    """Show what an alert file names: personas, organisations and indicators.

    Example:

        lurewatch alert show examples/alert.json
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from lurewatch.exchange import load_alert
    from lurewatch.ingest.errors import InputError
    from lurewatch.render import display_safe

    try:
        alert = load_alert(path)
    except InputError as exc:
        _fail(str(exc))
    console = Console()
    console.print(Text(display_safe(f"{alert.title}  [{alert.tlp}]"), style="bold"))
    table = Table("Persona", "Organisation", "Also written", "Profile address")
    for p in alert.personas:
        table.add_row(
            Text(display_safe(", ".join(x for x in (p.name,) if x))),
            Text(display_safe(", ".join(x for x in (p.company, *p.company_aliases) if x))),
            Text(display_safe(", ".join(p.aliases))),
            Text(display_safe(p.profile_url or "")),
        )
    console.print(table)
    if alert.indicators:
        ind = Table("Type", "Value", "Persona", "TLP")
        for i in alert.indicators:
            ind.add_row(i.type, Text(display_safe(i.value)), Text(i.persona or ""), i.tlp)
        console.print(ind)


@alert_app.command("phash")
def alert_phash(
    images: Annotated[list[Path], typer.Argument(help="Image files (a persona's photos).")],
) -> None:
    """Print the perceptual hash of photos, for 'photo-phash' indicators in an alert.

    Example:

        lurewatch alert phash persona-photo.jpg
    """
    from lurewatch.ingest.errors import InputError
    from lurewatch.ingest.photo import phash_hex

    for image in images:
        try:
            typer.echo(f"{phash_hex(image)}  {image}")
        except InputError as exc:
            _fail(str(exc))


@alert_app.command("convert")
def alert_convert(
    path: Annotated[Path, typer.Argument(help="Alert file: lurewatch JSON/YAML/CSV, STIX, MISP.")],
    to: Annotated[AlertFormat, typer.Option("--to", help="Format to write.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    today: Annotated[
        str | None, typer.Option(help="Timestamp the export as of this date; default today.")
    ] = None,
) -> None:
    """Convert an alert between lurewatch JSON, STIX 2.1 and MISP (TLP markings kept).

    Example:

        lurewatch alert convert examples/alert.json --to stix -o alert.stix.json

        lurewatch alert convert event.misp.json --to json
    """
    from lurewatch.exchange import load_alert
    from lurewatch.ingest.errors import InputError

    try:
        alert = load_alert(path)
    except InputError as exc:
        _fail(str(exc))
    now = dt.datetime.combine(_day(today), dt.time(), tzinfo=dt.UTC)
    if to is AlertFormat.stix:
        from lurewatch.exchange.stix import alert_to_stix

        data = alert_to_stix(alert, now=now).encode("utf-8")
    elif to is AlertFormat.misp:
        from lurewatch.exchange.misp import alert_to_misp

        data = alert_to_misp(alert, now=now).encode("utf-8")
    else:
        from lurewatch.exchange.alertfile import alert_to_json

        data = alert_to_json(alert)
    if output is None:
        sys.stdout.buffer.write(data + b"\n")
        return
    try:
        output.write_bytes(data + b"\n")
    except OSError as exc:
        _fail(f"{output}: cannot write ({exc.strerror or exc})")


def _load_rules(extra: list[Path] | None) -> list[Rule]:
    from lurewatch.rules.loader import RuleLoadError
    from lurewatch.service import load_rules

    try:
        return load_rules(_settings(None, extra))
    except RuleLoadError as exc:
        _fail(f"rules are invalid:\n{exc}")


@schema_app.command("profile")
def schema_profile() -> None:
    """Print the JSON Schema of the profile input of 'check --profile'.

    Example:

        lurewatch schema profile > profile.schema.json
    """
    import msgspec

    from lurewatch.ingest.profile_json import profile_schema

    sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(profile_schema()), indent=2))
    sys.stdout.buffer.write(b"\n")


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL of the database: sqlite:///file.db or postgresql://user@host/db "
        "(default: $LUREWATCH_DATABASE_URL, else sqlite:///lurewatch.db here).",
    ),
]


def _database_url(given: str | None) -> str:
    from lurewatch.settings import Settings

    return given or Settings.from_env(os.environ).database_url


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create the database, or apply any new migrations to it (safe to run again).

    Example:

        lurewatch db upgrade

        lurewatch db upgrade --database-url postgresql://lurewatch@localhost/lurewatch
    """
    from lurewatch.store import StoreError, upgrade_database
    from lurewatch.store.engine import display_url

    url = _database_url(database_url)
    try:
        revision = upgrade_database(url)
    except StoreError as exc:
        _fail(str(exc))
    typer.echo(f"Database {display_url(url)} is up to date (revision {revision}).")


@audit_app.command("verify")
def audit_verify(database_url: DatabaseUrl = None) -> None:
    """Recompute the audit log's hash chain: exit 0 if intact, 1 naming the first bad entry.

    Every analyst and admin action is an entry whose hash covers its contents
    and the previous entry's hash, so an entry altered, removed or inserted
    behind the application's back shows here.

    Example:

        lurewatch audit verify --database-url sqlite:///lurewatch.db
    """
    from lurewatch.store import Store, StoreError

    try:
        with Store.open(_database_url(database_url)) as store:
            check = store.verify_audit()
    except StoreError as exc:
        _fail(str(exc))
    if check.ok:
        typer.echo(f"OK: audit log intact, {check.entries} entries, head {check.head_hash}")
        return
    typer.echo(
        f"TAMPERED: audit entry {check.broken_seq}: {check.problem} "
        f"({check.entries} entries before it verify)"
    )
    raise typer.Exit(1)


campaigns_app = typer.Typer(
    help="Link the security office's stored reports into campaigns (e.g. nightly).\n\n"
    "Example:\n\n    lurewatch campaigns relink --database-url sqlite:///lurewatch.db",
    no_args_is_help=True,
)
app.add_typer(campaigns_app, name="campaigns")


@campaigns_app.command("relink")
def campaigns_relink(database_url: DatabaseUrl = None) -> None:
    """Link every stored contact again, replay the analysts' decisions, store the campaigns.

    What the Relink button on the campaigns page does, for a scheduled job
    (cron, a systemd timer): the campaigns list is as fresh as the last relink.
    Campaigns that fan out raise their members to high; each change is audited.

    Example:

        lurewatch campaigns relink --database-url postgresql://lurewatch@localhost/lurewatch
    """
    from lurewatch.store import Store, StoreError

    try:
        with Store.open(_database_url(database_url)) as store:
            summary = store.relink_campaigns(actor=_actor())
    except StoreError as exc:
        _fail(str(exc))
    typer.echo(
        f"Linked {summary.approaches:,} approaches: {summary.campaigns:,} campaigns, "
        f"{summary.members:,} members, {summary.links:,} links; "
        f"{summary.decisions:,} analyst decisions replayed; "
        f"{summary.raised:,} reports raised to high by fan-out."
    )


@campaigns_app.command("list")
def campaigns_list(database_url: DatabaseUrl = None) -> None:
    """The stored campaigns, most members first (as of the last relink).

    Example:

        lurewatch campaigns list --database-url sqlite:///lurewatch.db
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from lurewatch.render import display_safe
    from lurewatch.store import Store, StoreError

    try:
        with Store.open(_database_url(database_url)) as store:
            campaigns = store.list_campaigns()
    except StoreError as exc:
        _fail(str(exc))
    if not campaigns:
        typer.echo("No campaigns stored (run: lurewatch campaigns relink).")
        return
    table = Table("id", "name", "members", "staff", "personas", "first", "last", "fan-out")
    for c in campaigns:
        table.add_row(
            str(c.id),
            Text(display_safe(c.name)),  # made from the names the personas used: adversary text
            str(c.members),
            str(c.staff),
            str(c.personas),
            c.first.date().isoformat(),
            c.last.date().isoformat(),
            "yes" if c.fanout else "",
        )
    Console(highlight=False).print(table)


# -- the security office's server, and reporting to it -----------------------------------

user_app = typer.Typer(
    help="Add accounts to the security office's server.\n\n"
    "Example:\n\n    lurewatch user add sam --role reporter",
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="Issue API tokens for the security office's server (for lurewatch report).\n\n"
    "Example:\n\n    lurewatch token issue sam",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


class AccountRole(StrEnum):
    reporter = "reporter"
    analyst = "analyst"
    admin = "admin"


class ReportLevel(StrEnum):
    medium = "medium"
    high = "high"


def _actor() -> str:
    """Who the audit log records for an account change made from this command line."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _printable(text: str) -> str:
    """Adversary-written text made safe for a terminal (no control sequences)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
    database_url: DatabaseUrl = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Demo mode: create the database if needed and sign sessions with a random "
            "key instead of $LUREWATCH_SECRET_KEY. Never for real reports.",
        ),
    ] = False,
) -> None:
    """Run the security office's server: the web pages and the API for reports, cases,
    personas and alerts.

    Refuses to start without $LUREWATCH_SECRET_KEY (32 or more random
    characters) unless --demo is given. The database must exist
    ('lurewatch db upgrade'); --demo creates it with a synthetic institution
    and prints its accounts. Pages at http://HOST:PORT/, API documentation at
    http://HOST:PORT/docs.

    Example:

        lurewatch serve --demo

        LUREWATCH_SECRET_KEY=... lurewatch serve --host 0.0.0.0 --port 8080
    """
    import dataclasses

    from lurewatch.settings import Settings
    from lurewatch.store import StoreError
    from lurewatch.web import ConfigurationError
    from lurewatch.web.server import open_app, run

    settings = dataclasses.replace(
        Settings.from_env(os.environ), database_url=_database_url(database_url), demo=demo
    )
    try:
        web_app, store = open_app(settings)
    except (ConfigurationError, StoreError) as exc:
        _fail(str(exc))
    try:
        from lurewatch import demo as demo_data

        if not demo and demo_data.is_demo_database(store):
            store.close()
            _fail(
                "this database holds the demo institution's accounts; serve it only with "
                "--demo (demo credentials must never work on a real server)"
            )
        if demo:
            from lurewatch.service import Checker

            creds = demo_data.seed(store, Checker.from_settings(settings), dt.date.today())
            typer.echo(
                "lurewatch: DEMO MODE: sessions signed with a random key; not for real reports",
                err=True,
            )
            made = creds is not None
            if creds is None and demo_data.is_demo_database(store):
                creds = demo_data.fresh_passwords(store)
            if creds:
                what = "demo institution created" if made else "demo institution loaded"
                typer.echo(f"lurewatch: {what}; accounts (new passwords each start):", err=True)
                for c in creds:
                    typer.echo(f"  {c.username:<20} {c.role:<9} password: {c.password}", err=True)
        typer.echo(
            f"lurewatch: security office at http://{host}:{port}/ (API docs at /docs); "
            "Ctrl+C stops it",
            err=True,
        )
        run(web_app, host=host, port=port)
    finally:
        store.close()


@app.command()
def report(
    export: Annotated[
        Path,
        typer.Argument(
            help="The export .zip, its unzipped folder, or messages.csv / Invitations.csv."
        ),
    ],
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="LUREWATCH_SERVER",
            help="The security office's server, e.g. https://lurewatch.example.org.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="LUREWATCH_TOKEN", help="Your API token (also $LUREWATCH_TOKEN)."
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            help="Name or profile address of a person to report (repeatable).",
        ),
    ] = None,
    all_at_least: Annotated[
        ReportLevel | None,
        typer.Option("--all-at-least", help="Also report everyone rated this or higher."),
    ] = None,
    exercise: Annotated[
        bool, typer.Option("--exercise", help="Mark the report as a security exercise (drill).")
    ] = False,
    today: Annotated[
        str | None, typer.Option(help="Judge as of this date (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Report people from your export to the security office: only those you select.

    Scans the export on this machine as 'lurewatch scan' does, then sends
    the people you choose (their rating, the reasons, and short excerpts of
    what they wrote), never the whole export. Prints the reference number
    once the office has stored the report.

    Example:

        lurewatch report export.zip --server https://lw.example.org --token T --select "Avery Lin"

        lurewatch report export.zip --server https://lw.example.org --all-at-least high
    """
    from lurewatch.ingest.errors import InputError
    from lurewatch.model import Level
    from lurewatch.report_client import ReportClientError, reports_url, send_report
    from lurewatch.rules.loader import RuleLoadError
    from lurewatch.scan import Scanner
    from lurewatch.selection import SelectionError, report_body, select_contacts
    from lurewatch.service import Checker

    if not server:
        _fail("give the security office's server with --server (or $LUREWATCH_SERVER)")
    if not token:
        _fail("give your API token with --token (or $LUREWATCH_TOKEN); the office issues it")
    try:
        reports_url(server)
        result = Scanner(Checker.from_settings(_settings(None, None)), _day(today)).scan(export)
        chosen = select_contacts(
            result.contacts,
            select or (),
            at_least=None if all_at_least is None else Level(all_at_least.value),
        )
        receipt = send_report(
            server, token, report_body(chosen, channel="cli", is_exercise=exercise)
        )
    except (InputError, SelectionError, ReportClientError) as exc:
        _fail(str(exc))
    except RuleLoadError as exc:
        _fail(f"rules are invalid:\n{exc}")
    people = ", ".join(f"{_printable(c.name)} ({c.level.value}, {c.score})" for c in chosen)
    typer.echo(f"Sent {len(chosen)} of {len(result.contacts)} people: {people}", err=True)
    typer.echo(f"Report received by the security office: {receipt.reference}")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[AccountRole, typer.Option("--role", help="What the account may do.")],
    team: Annotated[
        str | None, typer.Option("--team", help="The team (an admin sets its sensitivity).")
    ] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Full name (default: the username).")
    ] = None,
    no_password: Annotated[
        bool,
        typer.Option("--no-password", help="An account that only uses API tokens."),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Add an account to the security office's database (e.g. the first admin).

    The password is read from $LUREWATCH_PASSWORD, else asked for twice
    (not shown). Roles: reporter (reports and follows their own), analyst
    (all reports, cases, personas, alerts), admin (also accounts and teams).

    Example:

        lurewatch user add office-admin --role admin

        lurewatch user add sam --role reporter --no-password
    """
    from lurewatch.store import Store, StoreError

    password: str | None = None
    if not no_password:
        password = os.environ.get("LUREWATCH_PASSWORD") or typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True, err=True
        )
    try:
        with Store.open(_database_url(database_url)) as store:
            user = store.create_user(
                username,
                display_name=display_name or username,
                role=role.value,
                team=team,
                password=password,
                actor=_actor(),
            )
    except StoreError as exc:
        _fail(str(exc))
    typer.echo(f"Added {user.username} ({user.role}).")


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="The account.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Set an account's password and log it out everywhere (e.g. an admin who lost theirs).

    The password is read from $LUREWATCH_PASSWORD, else asked for twice (not
    shown). The old one stops working at once, every login session of the
    account ends, and the change is in the audit log (never the password).

    Example:

        lurewatch user password office-admin
    """
    from lurewatch.store import Store, StoreError

    try:
        with Store.open(_database_url(database_url)) as store:
            store.get_user(username)  # an unknown account fails before the prompt
            password = os.environ.get("LUREWATCH_PASSWORD") or typer.prompt(
                "New password", hide_input=True, confirmation_prompt=True, err=True
            )
            store.set_password(username, password, actor=_actor())
            ended = store.end_login_sessions(username, actor=_actor())
    except StoreError as exc:
        _fail(str(exc))
    sessions = f"{ended} login session{'s' if ended != 1 else ''}"
    typer.echo(f"New password set for {username}; {sessions} ended.")


@token_app.command("issue")
def token_issue(
    username: Annotated[str, typer.Argument(help="The account the token acts as.")],
    name: Annotated[
        str, typer.Option("--name", help="What the token is for, e.g. 'laptop PC-42'.")
    ] = "issued with lurewatch token issue",
    database_url: DatabaseUrl = None,
) -> None:
    """Issue an API token for an account and print it (shown this once; only its hash is kept).

    Example:

        lurewatch token issue sam --name "report client on PC-42"
    """
    from lurewatch.store import Store, StoreError

    try:
        with Store.open(_database_url(database_url)) as store:
            issued = store.issue_token(username, name, actor=_actor())
    except StoreError as exc:
        _fail(str(exc))
    typer.echo(
        f"API token {issued.id} for {issued.username}: shown this once, keep it secret.", err=True
    )
    typer.echo(issued.token)


def main() -> None:
    """Entry point: never shows a traceback for bad input."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("lurewatch: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: one line, details only on request
        if os.environ.get("LUREWATCH_DEBUG"):
            raise
        typer.echo(
            f"lurewatch: internal error: {type(exc).__name__}: {exc} "
            "(set LUREWATCH_DEBUG=1 for details)",
            err=True,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
