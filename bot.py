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

from telegram import Update
from telegram.constants import ParseMode
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

import cli
from app.services import SERVICES_KEY, TICK_JOB, Services
from cli import open_repository
from flows.flood import FloodLimits
from flows.i18n import Catalog
from flows.instrument import Instrument
from handlers import (
    account,
    confirmations,
    dialogs,
    digest,
    errors,
    exports,
    households,
    imports,
    invitations,
    messages,
    people,
    progress,
    routing,
    survey,
)
from handlers.context import TangguhContext
from handlers.flood import FloodScreen
from handlers.updates import PerChatUpdateProcessor
from jobs.scheduler import Scheduler
from settings import Secrets, Settings, SetupError, load_catalog, load_instruments, load_secrets
from storage.convert import utc_now
from telegram_io.http import TelegramRequest

log = logging.getLogger("tangguh")
TICK_SECONDS = 30
"""How often the scheduled work (digest, reminders, outbox) looks at the clock and the database."""
SCHEDULER_KEY = "tangguh.scheduler"
"""Where the running scheduler is kept among the application's shared data (tests reach it there)."""


def build_application(settings: Settings, secrets: Secrets, *, instruments: list[Instrument],
                      catalog: Catalog, clock: Callable[[], datetime] = utc_now,
                      files: Path | None = None) -> Application:
    """The bot, with every handler registered; the database opens in post_init.

    ``clock`` is the time every decision is based on and ``files`` the folder of files made for
    sending (default: beside the database); tests and the sandbox hand in their own.
    """
    svc = Services(settings=settings, instruments=instruments, catalog=catalog, clock=clock, files=files)

    async def post_init(application: Application) -> None:
        svc.repo = await open_repository(settings, clock=svc.clock)
        log.info("database open: %s", settings.resolve(settings.database.path))
        await account.set_menus(application)
        scheduler = Scheduler(svc, application.bot, clock=svc.clock, files=svc.files_folder)
        application.bot_data[SCHEDULER_KEY] = scheduler
        await scheduler.start()
        assert application.job_queue is not None
        application.job_queue.run_repeating(scheduler.tick, interval=TICK_SECONDS, first=2, name=TICK_JOB)

    async def post_shutdown(application: Application) -> None:
        scheduler = application.bot_data.pop(SCHEDULER_KEY, None)
        if scheduler is not None:
            scheduler.sender.stop()
        if svc.repo is not None:
            await svc.repo.close()
            svc.repo = None
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
    for name, command in (("invite", invitations.invite), ("people", people.people_command),
                          ("assign", households.assign), ("progress", progress.progress_command),
                          ("reopen", households.reopen), ("erase", households.erase),
                          ("audit", progress.audit_command), ("import", imports.import_command),
                          ("template", imports.template), ("household", households.household),
                          ("export", exports.export), ("digest", digest.digest)):
        application.add_handler(CommandHandler(name, command))
    application.add_handler(CallbackQueryHandler(routing.button_handler(button_routes())))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, messages.on_text))
    application.add_handler(MessageHandler(filters.Document.ALL, messages.on_document))
    application.add_handler(MessageHandler(filters.ALL, account.not_understood))
    application.add_error_handler(errors.on_error)


def button_routes() -> routing.Routes:
    """Every kind of button with the capability it needs and its handler, from every feature."""
    return routing.merge(survey.ROUTES, invitations.ROUTES, people.ROUTES, confirmations.ROUTES,
                         dialogs.ROUTES, account.ROUTES)


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
    """Open the database once before serving: a migration problem stops the start with one line."""
    repo = await open_repository(settings)
    await repo.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for a set-up problem)."""
    return cli.main(argv, run=run, sandbox=run_sandbox)


def run_sandbox(settings: Settings, args: argparse.Namespace) -> None:
    """The bot without Telegram, in a web page on this computer (``python bot.py sandbox``)."""
    from sandbox.main import run_sandbox as serve  # the sandbox's own modules load only when asked for

    serve(settings, build_application, host=args.host, port=args.port, fresh=args.reset,
          allow_remote=args.allow_remote)


if __name__ == "__main__":
    sys.exit(main())
