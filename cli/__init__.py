"""The command line: ``python bot.py [COMMAND] [--config PATH]``.

    (no command) / run                        run the bot (long polling, or webhook.enabled)
    check                                     validate config, instruments and database
    backup PATH                               consistent online copy of the database
    invite ROLE NAME [--kelurahan K | --agency CODE]   print an invitation link
    import households FILE [--dry-run]        import households
    export --out FILE [--format xlsx|csv]     export the current round
    sandbox [--port 8080] [--host H] [--reset] [--allow-remote]
                                              the bot without Telegram, in a web page on this computer

The commands act through the same use cases as the chat (app/). Running the bot and the sandbox
belong to the composition root: bot.py hands them in (``main(argv, run=..., sandbox=...)``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import cast

import logs
import storage
from app import exports, imports, invitations
from app.services import Services
from flows.areas import match_name
from flows.imports import rejection_lines
from flows.instrument import Instrument
from flows.invites import InviteRequest, deep_link
from settings import Settings, SetupError, load_catalog, load_instruments, load_secrets, load_settings
from storage.convert import utc_now
from storage.errors import StorageError
from storage.records import Role
from storage.repository import Repository

Run = Callable[[Settings], None]
"""Runs the bot until it is stopped."""
Sandbox = Callable[[Settings, argparse.Namespace], None]
"""Runs the sandbox with the ``sandbox`` command's arguments."""


async def open_repository(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Repository:
    """Open and migrate the configured database, creating its folder; SetupError on failure."""
    path = settings.resolve(settings.database.path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return await storage.open_repository(path, clock=clock)
    except (OSError, StorageError) as error:
        raise SetupError(f"{error}; check database.path in the config "
                         "(TANGGUH_DATABASE__PATH) and the folder's permissions") from None


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Services]:
    """The services a command acts through, with the database open until the block ends."""
    svc = Services(settings=settings, instruments=load_instruments(settings), catalog=load_catalog())
    svc.repo = await open_repository(settings, clock=svc.clock)
    try:
        yield svc
    finally:
        await svc.repo.close()
        svc.repo = None


async def check(settings: Settings, config: str) -> list[str]:
    """Validate everything the bot needs and describe it, a line each."""
    instruments = load_instruments(settings)
    catalog = load_catalog()
    lines = [f"Config: {config} (timezone {settings.timezone}, round {settings.survey_round}, "
             f"{len(settings.agencies)} agencies, {len(settings.kelurahan)} kelurahan)"]
    lines.append(describe_operations(settings))
    for number, instrument in enumerate(instruments):
        lines.extend(describe_instrument(instrument, active=number == 0))
    lines.append(f"Texts: languages {', '.join(catalog.languages)}")
    repo = await open_repository(settings)
    try:
        version = await repo.user_version()
        integrity = await repo.integrity_check()
    finally:
        await repo.close()
    lines.append(f"Database: {settings.resolve(settings.database.path)} "
                 f"(schema version {version}, integrity {integrity})")
    if integrity != "ok":
        raise SetupError(f"database integrity check failed: {integrity}; restore a backup")
    return lines


def describe_operations(settings: Settings) -> str:
    """How updates arrive, where the nightly copies go and how logs are written, on one line."""
    hook, copies = settings.webhook, settings.backup
    updates = (f"webhook {hook.public_url} (listening on {hook.listen}:{hook.port})" if hook.enabled
               else "long polling")
    backups = (f"nightly after {copies.at:%H:%M} into {settings.resolve(copies.folder)}, "
               f"{copies.keep_days} days kept" if copies.enabled else "no nightly copy")
    log_settings = settings.logging
    return f"Updates: {updates}; backups: {backups}; logs: {log_settings.format}, {log_settings.level}"


def describe_instrument(instrument: Instrument, *, active: bool) -> list[str]:
    """A short summary of an instrument: name, version, counts, languages, rubric."""
    variables = [v for d in instrument.dimensions for v in d.variables]
    indicators = [i for _, _, i in instrument.indicators()]
    questions = sum(len(i.questions) for i in indicators)
    sensitive = sum(i.sensitive for i in indicators)
    rubric = instrument.rubric
    categories = " / ".join(f"{c.label[instrument.language]} ≥ {c.min:g}" for c in rubric.categories)
    return [
        f"Instrument{' (active)' if active else ''}: {instrument.name[instrument.language]} "
        f"[{instrument.id} v{instrument.version}, sha256 {instrument.content_hash[:12]}]",
        f"  {len(instrument.dimensions)} dimensions, {len(variables)} variables, "
        f"{len(indicators)} indicators ({sensitive} sensitive), {questions} questions; "
        f"languages {', '.join(instrument.languages)}",
        f"  rubric {rubric.version}: {categories}; N/A counts as met: "
        f"{'yes' if rubric.na_counts_as_met else 'no'}; complete at {rubric.complete_share:.0%}",
    ]


async def backup(settings: Settings, destination: Path) -> None:
    """Copy the live database to ``destination``, consistently, while the bot may be running."""
    if destination.exists():
        raise SetupError(f"{destination} already exists; choose a new file name for the backup")
    repo = await open_repository(settings)
    try:
        await repo.backup(destination)
    except (OSError, StorageError) as error:
        raise SetupError(f"backup to {destination} failed: {error}") from None
    finally:
        await repo.close()


async def invite(settings: Settings, role: Role, name: str, *, kelurahan: str | None,
                 agency: str | None, bot_username: str | None) -> list[str]:
    """Register a person and print an invitation link for them (the way to make a first admin)."""
    name = " ".join(name.split())
    if not name:
        raise SetupError("give the person's name, e.g. `python bot.py invite admin \"Siti Aminah\"`")
    area = match_name(kelurahan, settings.kelurahan) if kelurahan else None
    if role in invitations.ROLES_NEEDING_KELURAHAN and area is None:
        raise SetupError(f"a {role} needs --kelurahan with one of: {', '.join(settings.kelurahan)}")
    agency_code = match_name(agency, settings.agency_codes) if agency else None
    if role == "agency" and agency_code is None:
        raise SetupError(f"an agency official needs --agency with one of: "
                         f"{', '.join(settings.agency_codes)}")
    username = bot_username or await _bot_username()
    async with opened(settings) as svc:
        invited = await invitations.create_invitation(svc, InviteRequest(role, name, area, agency_code), None)
    where = area or agency_code or ""
    return [f"Invitation for {name} ({role}{', ' + where if where else ''}), valid until "
            f"{invited.expires:%Y-%m-%d %H:%M} UTC:", deep_link(username, invited.code)]


async def import_households(settings: Settings, path: Path, *, dry_run: bool) -> list[str]:
    """Check a household file like the chat does, print every rejected row, apply the rest."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SetupError(f"cannot read {path}: {error.strerror or error}") from None
    async with opened(settings) as svc:
        catalog, language = svc.catalog, settings.default_language
        checked = await imports.check(svc, path.name, data)
        if isinstance(checked, imports.Unreadable):
            raise SetupError(f"{path}: {checked.error.message(catalog, language)}")
        lines = rejection_lines(checked.plan, catalog, language, limit=None, html=False)
        if isinstance(checked, imports.RefusedFile):
            raise SetupError(f"{path}: " + " ".join(lines))
        counts = checked.counts
        lines.append(f"{counts['rows']} rows: {counts['adds']} new, {counts['updates']} updated, "
                     f"{counts['unchanged']} unchanged, {counts['rejected_rows']} rejected")
        if dry_run:
            lines.append("Dry run: nothing was written.")
            return lines
        result = (await imports.apply_checked(svc, checked)).result
        lines.append(f"Applied: {result.added} added, {result.updated} updated, {result.skipped} skipped")
        return lines


async def export(settings: Settings, out: Path, file_format: exports.Format) -> str:
    """Write the current round's data to ``out`` as an Excel workbook or one CSV table (audited as
    done by the server)."""
    async with opened(settings) as svc:
        exported = await exports.export(svc, None, file_format=file_format)
    try:
        out.write_bytes(exported.content)
    except OSError as error:
        raise SetupError(f"cannot write {out}: {error.strerror or error}") from None
    return (f"Wrote {out}: {exported.households} households, {exported.interviews} interviews "
            f"(round {exported.survey_round})")


async def _bot_username() -> str:
    """The bot's username, asked of the Bot API (or the test double) with the token."""
    from telegram import Bot
    from telegram.error import TelegramError

    secrets = load_secrets()
    try:
        async with Bot(secrets.token, base_url=secrets.bot_url) as bot:
            return bot.username
    except TelegramError as error:
        raise SetupError(f"cannot ask the Bot API for the bot's username ({error}); check "
                         "TELEGRAM_BOT_TOKEN or pass --bot-username") from None


def configure_logging(settings: Settings | None) -> None:
    """One line per event, as text or JSON (``logging.format``); libraries that would log message
    contents or a line per HTTP request are held back (see logs.py)."""
    logs.configure(settings.logging.level if settings else "INFO",
                   settings.logging.format if settings else "text")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: an optional command and --config anywhere."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, metavar="PATH",
                        help="config file (default: config.yaml beside bot.py)")
    parser = argparse.ArgumentParser(prog="bot.py", parents=[common],
                                     description="Tangguh, the family resilience survey bot.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", parents=[common], help="run the bot (the default)")
    commands.add_parser("check", parents=[common], help="validate config, instruments, database")
    backup_parser = commands.add_parser("backup", parents=[common], help="copy the database")
    backup_parser.add_argument("path", type=Path, help="file to write the copy to")
    invite_parser = commands.add_parser("invite", parents=[common],
                                        help="register a person and print their invitation link")
    invite_parser.add_argument("role", choices=["kader", "admin", "agency", "coordinator"])
    invite_parser.add_argument("name", nargs="+", help="the person's full name")
    invite_parser.add_argument("--kelurahan", help="kelurahan of a kader or coordinator")
    invite_parser.add_argument("--agency", help="agency code of an official, e.g. DINSOS")
    invite_parser.add_argument("--bot-username", help="skip asking the Bot API for it")
    import_parser = commands.add_parser("import", parents=[common], help="import households from a file")
    import_parser.add_argument("what", choices=["households"])
    import_parser.add_argument("file", type=Path, help=".xlsx or .csv with the template's columns")
    import_parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    export_parser = commands.add_parser("export", parents=[common], help="export the current round")
    export_parser.add_argument("--out", type=Path, required=True, help="file to write")
    export_parser.add_argument("--format", choices=["xlsx", "csv"], default=None,
                               help="default: from the file name, else xlsx")
    sandbox_parser = commands.add_parser("sandbox", parents=[common],
                                         help="try the bot without Telegram, in a web page on this computer")
    sandbox_parser.add_argument("--port", type=int, default=8080, help="port of the page (default 8080)")
    sandbox_parser.add_argument("--host", default="127.0.0.1", help="address of the page (default 127.0.0.1)")
    sandbox_parser.add_argument("--reset", action="store_true", help="start clean: new demo data")
    sandbox_parser.add_argument("--allow-remote", action="store_true",
                                help="allow a --host that other computers can reach")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, run: Run, sandbox: Sandbox) -> int:
    """Parse the command line and do what it says; returns the exit status (2 for a set-up
    problem, printed on one line naming the fix)."""
    args = parse_args(argv)
    config = getattr(args, "config", None)
    try:
        settings = load_settings(config)
        configure_logging(settings)
        if args.command == "check":
            for line in asyncio.run(check(settings, config or "config.yaml")):
                print(line)
            print("OK")
        elif args.command == "invite":
            lines = asyncio.run(invite(settings, cast(Role, args.role), " ".join(args.name),
                                       kelurahan=args.kelurahan, agency=args.agency,
                                       bot_username=args.bot_username))
            print("\n".join(lines))
        elif args.command == "import":
            print("\n".join(asyncio.run(import_households(settings, args.file, dry_run=args.dry_run))))
        elif args.command == "export":
            file_format = args.format or exports.format_for(args.out.name)
            print(asyncio.run(export(settings, args.out, file_format)))
        elif args.command == "sandbox":
            sandbox(settings, args)
        elif args.command == "backup":
            asyncio.run(backup(settings, args.path))
            print(f"Backup written to {args.path}")
        else:
            run(settings)
    except SetupError as error:
        print(f"tangguh: {error}", file=sys.stderr)
        return 2
    return 0
