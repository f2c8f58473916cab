"""The sandbox's web app (aiohttp): the page of ``sandbox/static/`` and the JSON API it uses to show
each pretend person's chat with the bot, to type, press buttons and upload as them, and to move the
clock to the next reminder or digest. The contract is ``/work/briefs/contract.md``; in short:

    GET  /api/state                        people, clock, bot username
    GET  /api/chats/{user_id}?since=N      the chat (long poll until its version exceeds N)
    POST /api/chats/{user_id}/text|press|upload
    GET  /files/{file_id}                  a photo or document from a chat
    POST /api/time                         {"action": "reminders"|"digest"}

Errors are ``{"ok": false, "error": "<Indonesian sentence>"}`` with a 4xx status. Requests from other
web sites (an ``Origin`` that is not this page) and, unless the page is open to the network, requests
for a host name that is not loopback (DNS rebinding) are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web

from sandbox.fakeapi import BotMessage, FakeUser
from sandbox.markup import entities_html, keyboard, plain_html
from sandbox.server import Sandbox, TravelError, is_loopback
from settings import SetupError
from storage.records import Person

STATIC = Path(__file__).with_name("static")
LONG_POLL_SECONDS = 20.0
READY_WAIT_SECONDS = 120.0  # a request that arrives while the demo data is written waits this long
UPLOAD_LIMIT = 20 * 2**20  # what a bot may download from Telegram
ROLE_LABELS = {"admin": "Admin", "kader": "Kader", "coordinator": "Koordinator"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Slot:
    """The sandbox the web app serves, filled once it is ready (the port is bound before that)."""

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self._sandbox, self._ready = sandbox, asyncio.Event()
        self.read_upto: dict[int, int] = {}  # chat → newest bot message the page has been given
        if sandbox is not None:
            self._ready.set()

    def fill(self, sandbox: Sandbox) -> None:
        """The sandbox is ready: serve it."""
        self._sandbox = sandbox
        self._ready.set()

    async def get(self) -> Sandbox:
        """The sandbox, waiting while it starts."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), READY_WAIT_SECONDS)
        if self._sandbox is None:
            raise Refusal(503, "Sandbox masih disiapkan. Coba lagi sebentar lagi.")
        return self._sandbox


class Refusal(Exception):
    """A request the API refuses, with its status and an Indonesian sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


SLOT: web.AppKey[Slot] = web.AppKey("slot", Slot)
REMOTE: web.AppKey[bool] = web.AppKey("allow_remote", bool)
LONG_POLL: web.AppKey[float] = web.AppKey("long_poll", float)


def make_app(slot: Slot, *, allow_remote: bool = False,
             long_poll: float = LONG_POLL_SECONDS) -> web.Application:
    """The web app over ``slot``'s sandbox; ``long_poll``: longest wait of a chat request, seconds."""
    app = web.Application(middlewares=[_guard], client_max_size=UPLOAD_LIMIT + 2**16)
    app[SLOT], app[REMOTE], app[LONG_POLL] = slot, allow_remote, long_poll
    app.router.add_get("/", index)
    app.router.add_get("/static/{name:.+}", static)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/chats/{user_id}", chat)
    app.router.add_post("/api/chats/{user_id}/text", text)
    app.router.add_post("/api/chats/{user_id}/press", press)
    app.router.add_post("/api/chats/{user_id}/upload", upload)
    app.router.add_get("/files/{file_id}", download)
    app.router.add_post("/api/time", travel)
    return app


@contextlib.asynccontextmanager
async def serve(slot: Slot, host: str, port: int, *, allow_remote: bool = False) -> AsyncIterator[str]:
    """Serve the web app on ``host:port`` while the block runs; yields its URL; SetupError if the port
    cannot be taken."""
    runner = web.AppRunner(make_app(slot, allow_remote=allow_remote), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as error:
            raise SetupError(f"cannot serve the sandbox page on {host}:{port} ({error.strerror or error}); "
                             "choose another port with --port") from None
        yield site.name
    finally:
        await runner.cleanup()


# --- guard -------------------------------------------------------------------------------------


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Same-origin requests only; loopback host names unless open to the network; errors as JSON."""
    host = urlsplit(f"//{request.host}").hostname or ""
    if not request.app[REMOTE] and not is_loopback(host):
        return _error(403, "Sandbox hanya melayani komputer ini (buka lewat 127.0.0.1).")
    origin = request.headers.get("Origin")
    if request.method != "GET" and origin and urlsplit(origin).netloc != request.host:
        return _error(403, "Permintaan dari situs lain ditolak.")
    try:
        return await handler(request)
    except Refusal as refusal:
        return _error(refusal.status, refusal.message)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


# --- the page ----------------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    """The page."""
    return _static_file("index.html")


async def static(request: web.Request) -> web.StreamResponse:
    """A file of ``sandbox/static/``."""
    return _static_file(request.match_info["name"])


def _static_file(name: str) -> web.StreamResponse:
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        raise Refusal(404, "Berkas halaman tidak ditemukan.")
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


# --- people and the clock ----------------------------------------------------------------------


async def state(request: web.Request) -> web.Response:
    """Who is in the sandbox, their unread messages, the sandbox clock."""
    slot = request.app[SLOT]
    sandbox = await slot.get()
    now, label = sandbox.clock_now()
    people = [_person(sandbox, slot, p) for p in await sandbox.people()]
    return web.json_response({"people": people, "clock": now.isoformat(timespec="seconds"),
                              "clock_label": label, "bot_username": sandbox.bot_username})


def _person(sandbox: Sandbox, slot: Slot, person: Person) -> dict[str, Any]:
    user_id = person.telegram_user_id or 0
    seen = slot.read_upto.get(user_id, 0)
    unread = sum(isinstance(m, BotMessage) and m.message_id > seen for m in sandbox.api.transcript(user_id))
    return {"id": user_id, "name": person.name, "role": person.role,
            "role_label": role_label(sandbox, person), "unread": unread}


def role_label(sandbox: Sandbox, person: Person) -> str:
    """``Admin``, ``Kader``, ``Petugas Dinas Sosial``."""
    if person.role == "agency":
        names = {a.code: a.name for a in sandbox.settings.agencies}
        return f"Petugas {names.get(person.agency_code or '', person.agency_code or 'SKPD')}"
    return ROLE_LABELS.get(person.role, person.role)


async def travel(request: web.Request) -> web.Response:
    """Jump to the next reminder or digest moment and run the scheduler."""
    sandbox = await request.app[SLOT].get()
    action = (await _json(request)).get("action")
    if action not in ("reminders", "digest"):
        raise Refusal(400, "Pilih «reminders» (pengingat) atau «digest» (ringkasan mingguan).")
    try:
        summary = await sandbox.travel(action)
    except TravelError as error:
        raise Refusal(409, str(error)) from None
    now, label = sandbox.clock_now()
    return web.json_response({"ok": True, "clock": now.isoformat(timespec="seconds"), "clock_label": label,
                              "summary": summary})


# --- a chat ------------------------------------------------------------------------------------


async def chat(request: web.Request) -> web.Response:
    """The chat's messages once its version exceeds ``since`` (or after the long poll's time)."""
    slot = request.app[SLOT]
    sandbox = await slot.get()
    user = _user(sandbox, request)
    try:
        since = int(request.query.get("since", -1))
    except ValueError:
        raise Refusal(400, "Nilai «since» harus berupa angka.") from None
    version = await sandbox.api.wait_version(user.id, since, request.app[LONG_POLL]) if since >= 0 \
        else sandbox.api.version(user.id)
    shown = sandbox.api.transcript(user.id)
    messages = [_message(sandbox, m) for m in shown]
    newest = max((m.message_id for m in shown if isinstance(m, BotMessage)), default=0)
    slot.read_upto[user.id] = max(slot.read_upto.get(user.id, 0), newest)
    notice = None
    if (latest := sandbox.api.last_notice(user.id)) is not None:
        seq, query = latest
        notice = {"text": query.text or "", "alert": query.show_alert, "seq": seq}
    return web.json_response({"version": version, "messages": messages, "notice": notice})


def _message(sandbox: Sandbox, message: BotMessage | dict[str, Any]) -> dict[str, Any]:
    """One message as the page shows it."""
    if isinstance(message, BotMessage):
        file_url = f"/files/fake-{message.kind}-{message.message_id}"
        return {"id": message.message_id, "from": "bot", "date": _date(sandbox, message.date),
                "html": entities_html(message.text, message.entities) if message.text else None,
                "photo": file_url if message.kind == "photo" else None,
                "document": {"url": file_url, "name": message.filename or "berkas"}
                if message.kind == "document" else None,
                "keyboard": keyboard(message.reply_markup), "edited": message.edits > 0}
    document, said = message.get("document"), message.get("text")
    if said and said.startswith("/start "):
        said = "/start"  # Telegram does not show a deep link's code in the chat either
    return {"id": message["message_id"], "from": "user", "date": _date(sandbox, message["date"]),
            "html": plain_html(said) if said else None, "photo": None,
            "document": {"url": f"/files/{quote(document['file_id'])}", "name": document.get("file_name")
                         or "berkas"} if document else None,
            "keyboard": None, "edited": False}


def _date(sandbox: Sandbox, timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, sandbox.svc.zone).isoformat(timespec="seconds")


def _user(sandbox: Sandbox, request: web.Request) -> FakeUser:
    """The pretend person of the URL: someone who has joined, or who already has a chat."""
    try:
        user_id = int(request.match_info["user_id"])
    except ValueError:
        raise Refusal(404, "Orang ini tidak ada di sandbox.") from None
    known = {u.id: u for u in sandbox.api.users()}
    if user_id not in known:
        raise Refusal(404, "Orang ini tidak ada di sandbox.")
    return known[user_id]


async def text(request: web.Request) -> web.Response:
    """Send a text as the person; answers once the bot has reacted (or after the fake's timeout)."""
    sandbox = await request.app[SLOT].get()
    user = _user(sandbox, request)
    message = (await _json(request)).get("text")
    if not isinstance(message, str) or not message.strip():
        raise Refusal(400, "Pesan kosong tidak dikirim.")
    if len(message) > 4096:
        raise Refusal(400, "Pesan terlalu panjang (paling banyak 4096 karakter).")
    with contextlib.suppress(AssertionError):  # no reaction within the timeout: the page shows what there is
        await user.send(message)
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.Response:
    """Press a button of one of the bot's messages; the bot's answer to the press."""
    sandbox = await request.app[SLOT].get()
    user = _user(sandbox, request)
    body = await _json(request)
    message_id, data = body.get("message_id"), body.get("data")
    if not isinstance(message_id, int) or not isinstance(data, str) or not data:
        raise Refusal(400, "Tombol tidak dikenal: kirim «message_id» dan «data».")
    visible = [m for m in user.messages if m.message_id == message_id]
    if not visible:
        raise Refusal(404, "Pesan itu sudah tidak ada.")
    try:
        answered = await user.press_data(data, message_id)
    except AssertionError:
        answered = None  # the bot did not react in time; the page shows what there is
    answer = {"text": answered.text, "alert": answered.show_alert} if answered else {"text": None,
                                                                                      "alert": False}
    return web.json_response({"ok": True, "answer": answer})


async def upload(request: web.Request) -> web.Response:
    """Send a file (field ``file``) as the person, as a document."""
    sandbox = await request.app[SLOT].get()
    user = _user(sandbox, request)
    try:
        form = await request.post()
    except (ValueError, web.HTTPException):
        raise Refusal(400, "Berkas tidak dapat dibaca (paling besar 20 MB).") from None
    field = form.get("file")
    if not isinstance(field, web.FileField):
        raise Refusal(400, "Pilih berkas untuk dikirim (kolom «file»).")
    data = field.file.read()
    if not data:
        raise Refusal(400, "Berkas kosong tidak dikirim.")
    with contextlib.suppress(AssertionError):
        await user.send_document(field.filename or "berkas", data)
    return web.json_response({"ok": True})


async def download(request: web.Request) -> web.Response:
    """A photo (inline) or document (attachment) from a chat."""
    sandbox = await request.app[SLOT].get()
    file_id = request.match_info["file_id"]
    found = sandbox.api.file(file_id)
    if found is None:
        raise Refusal(404, "Berkas tidak ditemukan.")
    data, name = found
    photo = file_id.startswith("fake-photo-")
    if photo:
        content_type = _sniff(data)
        name = name or "gambar" + (mimetypes.guess_extension(content_type) or ".png")
    else:
        content_type = mimetypes.guess_type(name or "")[0] or "application/octet-stream"
        name = name or "berkas"
    headers = {"Content-Disposition": disposition("inline" if photo else "attachment", name),
               "X-Content-Type-Options": "nosniff"}
    return web.Response(body=data, content_type=content_type, headers=headers)


def _sniff(data: bytes) -> str:
    """An image's type from its first bytes."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "application/octet-stream"


def disposition(kind: str, name: str) -> str:
    """A Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object."""
    try:
        body = await request.json()
    except (ValueError, json.JSONDecodeError):
        raise Refusal(400, "Permintaan tidak dapat dibaca (harus JSON).") from None
    if not isinstance(body, dict):
        raise Refusal(400, "Permintaan tidak dapat dibaca (harus objek JSON).")
    return body
