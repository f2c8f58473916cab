"""Who may talk to the bot: the gate, joining by invitation, /start, /help, /language, errors."""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from app import account
from flows.callbacks import LanguageButton
from flows.invites import looks_like_code
from handlers.context import SERVICES_KEY, Services, TangguhContext
from handlers.home import present, show_home
from handlers.permissions import CAPABILITIES, MENU, requires
from handlers.routing import Routes
from handlers.views import Screens
from storage.records import Person, Role
from telegram_io.screens import Notice, View

log = logging.getLogger(__name__)

LANGUAGES = {"id": "🇮🇩 Bahasa Indonesia", "en": "🇬🇧 English"}
ROUTES = Routes()


async def gate(update: Update, context: TangguhContext) -> None:
    """Runs before every handler: only active, registered people in private chats get through.

    A stranger gets one short explanation and nothing else; the only way in is /start with an
    invitation code, which the join handler then checks.
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        raise ApplicationHandlerStop
    person = await account.admit(context.svc, user.id)
    if person is not None:
        context.person = person
        if update.edited_message is not None:  # else an edited "2" would answer whatever is asked now
            await update.edited_message.reply_text(context.svc.text(person, "edited_ignored"))
            raise ApplicationHandlerStop
        return
    if _invitation_payload(update) is not None:
        return
    text = context.svc.text(None, "stranger")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    raise ApplicationHandlerStop


def _invitation_payload(update: Update) -> str | None:
    message = update.message
    if message is None or not message.text or not message.text.startswith("/start "):
        return None
    payload = message.text.split(maxsplit=1)[1].strip()
    return payload if looks_like_code(payload) else None


async def start(update: Update, context: TangguhContext) -> None:
    """/start: join with an invitation code, or open the home screen of a registered person."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    code = _invitation_payload(update)
    if code is not None:
        await _join(update, context, code)
        return
    await _home(context, context.member)


async def _join(update: Update, context: TangguhContext, code: str) -> None:
    svc = context.svc
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    result = await account.join(svc, code, update.effective_user.id)
    if result.outcome != "ok" or result.person is None:
        log.info("invitation refused: %s", result.outcome)
        await message.reply_text(svc.text(context.person, f"invite_{result.outcome}"))
        return
    person = result.person
    context.person = person
    log.info("person %s joined as %s", person.id, person.role)
    screens = Screens(svc, person)
    await message.reply_text(screens.t("joined", name=person.name, role=screens.t(f"role_{person.role}")))
    await set_person_commands(context.application, person)
    await _home(context, person)


async def _home(context: TangguhContext, person: Person) -> None:
    if person.role == "kader":
        await show_home(context)
    else:
        await context.bot.send_message(person.telegram_user_id or 0,
                                       Screens(context.svc, person).t("help"))


@requires("survey", refusal="kader_only")
async def survey(update: Update, context: TangguhContext) -> None:
    """/survey: the kader's household list."""
    await show_home(context)


async def help_command(update: Update, context: TangguhContext) -> None:
    """/help: a few lines on how to use Tangguh."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.svc.text(context.member, "help"))


async def language(update: Update, context: TangguhContext) -> None:
    """/language: buttons to choose Indonesian or English."""
    rows = [[InlineKeyboardButton(label, callback_data=LanguageButton(language=code).encode())]
            for code, label in LANGUAGES.items()]
    await present(context, View(context.svc.text(context.member, "language_choose"),
                                InlineKeyboardMarkup(rows)), None)


async def not_understood(update: Update, context: TangguhContext) -> None:
    """Anything else a registered person sends (stickers, photos, unknown commands)."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.svc.text(context.member, "not_understood"))


@ROUTES.on(LanguageButton, "language")
async def choose_language(update: Update, context: TangguhContext, callback: LanguageButton) -> Notice:
    """The language button: remember the choice, confirm in the new language."""
    svc = context.svc
    chosen = await account.set_language(svc, context.member, callback.language, frozenset(LANGUAGES))
    if isinstance(chosen, account.UnknownLanguage):
        return Notice(svc.text(context.member, "unknown_button"), alert=True)
    person = context.person = chosen.person
    query = update.callback_query
    message = query.message if query is not None else None
    await present(context, View(svc.text(person, "language_set")), message)  # type: ignore[arg-type]
    await set_person_commands(context.application, person)
    return Notice()


async def set_menus(application: Application) -> None:
    """Command menus at start-up: the kader's for every private chat (per language), and each
    admin's, official's and coordinator's own."""
    svc: Services = application.bot_data[SERVICES_KEY]
    for language in svc.catalog.languages:
        commands = _commands(svc, language, "kader")
        code = None if language == svc.settings.default_language else language
        await application.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(),
                                              language_code=code)
    for person in await account.with_own_menu(svc):
        await set_person_commands(application, person)


async def set_person_commands(application: Application, person: Person) -> None:
    """The menu of one person's chat, for their role and language."""
    if person.role == "kader" or person.telegram_user_id is None:
        return
    svc: Services = application.bot_data[SERVICES_KEY]
    try:
        await application.bot.set_my_commands(_commands(svc, person.language, person.role),
                                              scope=BotCommandScopeChat(person.telegram_user_id))
    except TelegramError:
        log.warning("could not set the command menu of person %s", person.id)


def _commands(svc: Services, language: str, role: Role) -> list[BotCommand]:
    hidden = set() if role != "kader" or svc.settings.imports.allow_kader_households else {"household"}
    return [BotCommand(name, svc.catalog.text(language, f"cmd_{name}"))
            for name in MENU if role in CAPABILITIES[name] and name not in hidden]
