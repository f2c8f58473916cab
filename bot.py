"""Tangguh: the composition root.

    python bot.py [--config PATH]             run the bot (long polling, or webhook.enabled)
    python bot.py check [--config PATH]       validate config, instruments and database
    python bot.py backup PATH [--config PATH] consistent online copy of the database
    python bot.py invite ROLE NAME [--kelurahan K | --agency CODE]   print an invitation link
    python bot.py import households FILE [--dry-run]                 import households
    python bot.py export --out FILE [--format xlsx|csv]              export the current round
    python bot.py sandbox [--port 8080] [--host H] [--reset] [--allow-remote]
                                              the bot without Telegram, in a web page on this computer

Importing this module has no side effects; ``build_application`` wires everything together.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import cast

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

import logs
from flows.areas import match_name
from flows.flood import FloodLimits
from flows.i18n import Catalog
from flows.imports import plan_import, rejection_lines, summarise
from flows.instrument import Instrument
from flows.invites import InviteRequest, deep_link
from handlers import account, admin, digest, households, messages, routing, survey
from handlers.context import SERVICES_KEY, Services, TangguhContext
from handlers.flood import FloodScreen
from handlers.telegram_http import TelegramRequest
from handlers.updates import PerChatUpdateProcessor
from jobs.scheduler import Scheduler
from reports.export import build_csv, write_workbook
from reports.tabular import TableError, fingerprint, read_table
from settings import (
    Secrets,
    Settings,
    SetupError,
    load_catalog,
    load_instruments,
    load_secrets,
    load_settings,
)
from storage.database import Database, StorageError, utc_now
from storage.records import Role
from storage.repository import Repository

log = logging.getLogger("tangguh")
TICK_SECONDS = 30
"""How often the scheduled work (digest, reminders, outbox) looks at the clock and the database."""


def build_application(settings: Settings, secrets: Secrets, *, instruments: list[Instrument],
                      catalog: Catalog) -> Application:
    """The bot, with every handler registered; the database opens in post_init."""
    svc = Services(settings=settings, instruments=instruments, catalog=catalog)

    async def post_init(application: Application) -> None:
        svc.db = await open_database(settings, clock=lambda: svc.clock())  # one clock for everything
        svc.repo = Repository(svc.db)
        log.info("database open: %s", settings.resolve(settings.database.path))
        await account.set_menus(application)
        files = settings.resolve(settings.database.path).parent / "outbox-files"
        svc.scheduler = Scheduler(svc, application.bot, clock=lambda: svc.clock(), files=files)
        await svc.scheduler.start()
        assert application.job_queue is not None
        application.job_queue.run_repeating(svc.scheduler.tick, interval=TICK_SECONDS, first=2,
                                            name="tangguh-tick")

    async def post_shutdown(application: Application) -> None:
        if svc.scheduler is not None:
            svc.scheduler.sender.stop()
        if svc.db is not None:
            await svc.db.close()
            svc.db = svc.repo = None
            log.info("database closed")

    processor = PerChatUpdateProcessor()
    application = (
        ApplicationBuilder()
        .token(secrets.token)
        .base_url(secrets.bot_url)
        .base_file_url(secrets.file_url)
        .request(TelegramRequest(connection_pool_size=256))  # PTB's default sizes: 256 and 1
        .get_updates_request(TelegramRequest(connection_pool_size=1))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .context_types(ContextTypes(context=TangguhContext))
        .concurrent_updates(processor)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = svc
    if settings.flood.enabled:
        flood = settings.flood
        processor.screen = FloodScreen(application, FloodLimits(flood.per_minute, flood.burst,
                                                                flood.cooldown_seconds))
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    """Every handler, in the order that matters: the gate first, the catch-all last."""
    application.add_handler(TypeHandler(Update, account.gate), group=-1)
    application.add_handler(CommandHandler("start", account.start))
    application.add_handler(CommandHandler("survey", account.survey))
    application.add_handler(CommandHandler("help", account.help_command))
    application.add_handler(CommandHandler("language", account.language))
    for name, command in (("invite", admin.invite), ("people", admin.people), ("assign", admin.assign),
                          ("progress", admin.progress), ("reopen", admin.reopen), ("erase", admin.erase),
                          ("audit", admin.audit), ("import", admin.import_command),
                          ("template", admin.template), ("household", households.household),
                          ("export", admin.export), ("digest", digest.digest)):
        application.add_handler(CommandHandler(name, command))
    application.add_handler(CallbackQueryHandler(routing.button_handler(button_routes())))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, messages.on_text))
    application.add_handler(MessageHandler(filters.Document.ALL, messages.on_document))
    application.add_handler(MessageHandler(filters.ALL, account.not_understood))
    application.add_error_handler(account.on_error)


def button_routes() -> routing.Routes:
    """Every kind of button with the capability it needs and its handler, from every feature."""
    return routing.merge(survey.ROUTES, admin.ROUTES, account.ROUTES)


async def open_database(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Database:
    """Open and migrate the configured database, creating its folder; SetupError on failure."""
    path = settings.resolve(settings.database.path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return await Database.open(path, clock=clock)
    except (OSError, StorageError) as error:
        raise SetupError(f"{error}; check database.path in the config "
                         "(TANGGUH_DATABASE__PATH) and the folder's permissions") from None


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
    db = await open_database(settings)
    try:
        version = await db.user_version()
        integrity = await db.integrity_check()
    finally:
        await db.close()
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
    db = await open_database(settings)
    try:
        await db.backup(destination)
    except (OSError, StorageError) as error:
        raise SetupError(f"backup to {destination} failed: {error}") from None
    finally:
        await db.close()


async def invite(settings: Settings, role: Role, name: str, *, kelurahan: str | None,
                 agency: str | None, bot_username: str | None) -> list[str]:
    """Register a person and print an invitation link for them (the way to make a first admin)."""
    name = " ".join(name.split())
    if not name:
        raise SetupError("give the person's name, e.g. `python bot.py invite admin \"Siti Aminah\"`")
    area = match_name(kelurahan, settings.kelurahan) if kelurahan else None
    if role in {"kader", "coordinator"} and area is None:
        raise SetupError(f"a {role} needs --kelurahan with one of: {', '.join(settings.kelurahan)}")
    agency_code = match_name(agency, settings.agency_codes) if agency else None
    if role == "agency" and agency_code is None:
        raise SetupError(f"an agency official needs --agency with one of: "
                         f"{', '.join(settings.agency_codes)}")
    username = bot_username or await _bot_username()
    db = await open_database(settings)
    try:
        request = InviteRequest(role, name, area, agency_code)
        person, code, expires = await admin.create_invitation(Repository(db), settings, request, None)
    finally:
        await db.close()
    where = area or agency_code or ""
    return [f"Invitation for {name} ({role}{', ' + where if where else ''}), valid until "
            f"{expires:%Y-%m-%d %H:%M} UTC:", deep_link(username, code)]


async def import_households(settings: Settings, path: Path, *, dry_run: bool) -> list[str]:
    """Check a household file like the chat does, print every rejected row, apply the rest."""
    catalog = load_catalog()
    language = settings.default_language
    limits = settings.imports
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SetupError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        table = read_table(data, path.name, max_rows=limits.max_rows, max_bytes=limits.max_bytes)
    except TableError as error:
        raise SetupError(f"{path}: {error.message(catalog, language)}") from None
    db = await open_database(settings)
    try:
        repo = Repository(db)
        plan = plan_import(table, existing=await repo.imports.existing_households(),
                           kelurahan=settings.kelurahan, kader=await repo.imports.kader_refs())
        lines = rejection_lines(plan, catalog, language, limit=None, html=False)
        if plan.refused:
            raise SetupError(f"{path}: " + " ".join(lines))
        counts = summarise(plan)
        lines.append(f"{counts['rows']} rows: {counts['adds']} new, {counts['updates']} updated, "
                     f"{counts['unchanged']} unchanged, {counts['rejected_rows']} rejected")
        if dry_run:
            lines.append("Dry run: nothing was written.")
            return lines
        result = await repo.imports.apply_plan(plan, file_name=path.name, sha256=fingerprint(data))
        lines.append(f"Applied: {result.added} added, {result.updated} updated, {result.skipped} skipped")
        return lines
    finally:
        await db.close()


async def export(settings: Settings, out: Path, file_format: str) -> str:
    """Write the current round's data to ``out`` as an Excel workbook or one CSV table."""
    instruments = {i.content_hash: i for i in load_instruments(settings)}
    db = await open_database(settings)
    try:
        data = await Repository(db).exports.snapshot(settings.survey_round)
    finally:
        await db.close()
    try:
        if file_format == "csv":
            out.write_bytes(build_csv(data, instruments, timezone=settings.timezone))
        else:
            write_workbook(out, data, instruments, timezone=settings.timezone)
    except OSError as error:
        raise SetupError(f"cannot write {out}: {error.strerror or error}") from None
    return (f"Wrote {out}: {len(data.households)} households, {len(data.interviews)} interviews "
            f"(round {settings.survey_round})")


async def _bot_username() -> str:
    """The bot's username, asked of the Bot API (or the test double) with the token."""
    secrets = load_secrets()
    try:
        async with Bot(secrets.token, base_url=secrets.bot_url) as bot:
            return bot.username
    except TelegramError as error:
        raise SetupError(f"cannot ask the Bot API for the bot's username ({error}); check "
                         "TELEGRAM_BOT_TOKEN or pass --bot-username") from None


def run(settings: Settings) -> None:
    """Validate the set-up, then poll Telegram (or serve its webhook) until SIGINT or SIGTERM."""
    secrets = load_secrets(webhook=settings.webhook.enabled)
    instruments = load_instruments(settings)
    catalog = load_catalog()
    asyncio.run(_migrate(settings))
    application = build_application(settings, secrets, instruments=instruments, catalog=catalog)
    log.info("Tangguh starting: instrument %s v%s", instruments[0].id, instruments[0].version)
    # run_polling and run_webhook stop on SIGINT/SIGTERM: the updates in hand finish, then
    # post_shutdown closes the database.
    if settings.webhook.enabled:
        serve_webhook(application, settings, secrets)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
    log.info("Tangguh stopped")


def serve_webhook(application: Application, settings: Settings, secrets: Secrets) -> None:
    """Receive updates on ``webhook.listen:port/path``; Telegram is told the public URL and the
    secret token it must send with every update (requests without it get 403)."""
    hook = settings.webhook
    log.info("webhook: listening on %s:%d/%s for %s", hook.listen, hook.port, hook.path.strip("/"),
             hook.public_url)
    try:
        application.run_webhook(listen=hook.listen, port=hook.port, url_path=hook.path.strip("/"),
                                webhook_url=hook.public_url, secret_token=secrets.webhook_secret,
                                allowed_updates=Update.ALL_TYPES, close_loop=False)
    except OSError as error:  # the port is taken or not allowed: nothing was served
        raise SetupError(f"cannot listen on {hook.listen}:{hook.port} for the webhook "
                         f"({error.strerror or error}); change webhook.listen/webhook.port "
                         "(TANGGUH_WEBHOOK__PORT)") from None


async def _migrate(settings: Settings) -> None:
    db = await open_database(settings)
    await db.close()


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for a set-up problem)."""
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
            file_format = args.format or ("csv" if args.out.suffix.lower() == ".csv" else "xlsx")
            print(asyncio.run(export(settings, args.out, file_format)))
        elif args.command == "sandbox":
            from sandbox.server import run_sandbox  # it imports this module: only when asked for

            run_sandbox(settings, host=args.host, port=args.port, fresh=args.reset,
                        allow_remote=args.allow_remote)
        elif args.command == "backup":
            asyncio.run(backup(settings, args.path))
            print(f"Backup written to {args.path}")
        else:
            run(settings)
    except SetupError as error:
        print(f"tangguh: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
