"""``python bot.py sandbox``: the page and the bot together, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from sandbox.server import Build, Sandbox, banner, check_host, is_loopback, ready_text
from sandbox.web import Slot, serve
from settings import Settings, SetupError


def run_sandbox(settings: Settings, build: Build, *, host: str = "127.0.0.1", port: int = 8080,
                fresh: bool = False, allow_remote: bool = False) -> None:
    """``python bot.py sandbox``: serve until Ctrl-C or SIGTERM; SetupError for a set-up problem."""
    check_host(host, allow_remote)
    if not 1 <= port <= 65535:
        raise SetupError(f"--port {port} is not a port number; use one from 1 to 65535, e.g. 8080")
    asyncio.run(_serve(settings, build, host, port, fresh))
    print("Sandbox berhenti — sandbox stopped", flush=True)


async def _serve(settings: Settings, build: Build, host: str, port: int, fresh: bool) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    slot = Slot()
    async with serve(slot, host, port, allow_remote=not is_loopback(host)):  # the port is taken first
        print(banner(host, port), flush=True)  # the page answers from now on (once ready)
        if not is_loopback(host):
            print(f"Peringatan: halaman sandbox terbuka untuk jaringan di {host} (--allow-remote) — "
                  "warning: the sandbox page is open to the network", flush=True)
        starting = asyncio.ensure_future(Sandbox.start(settings, build, fresh=fresh))
        halted = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({starting, halted}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():  # Ctrl-C while the demo data is being written
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            return
        halted.cancel()
        sandbox = starting.result()
        slot.fill(sandbox)
        try:
            print(ready_text(sandbox, await sandbox.people()), flush=True)
            await stopping.wait()
        finally:
            await sandbox.stop()
