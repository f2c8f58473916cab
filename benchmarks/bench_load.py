"""Load (issue 6): 300 kader answering at once, the bot as its own process, against a bare PTB bot.

The fake Bot API (``sandbox.fakeapi``, with ``bench_survey``'s timing of each chat's update) runs in
this process; the bot under test runs as a separate process exactly as an operator starts it
(``python bot.py --config …`` with ``TELEGRAM_API_BASE_URL`` pointing at the fake) and long-polls it
over loopback HTTP. Every kader has an interview open (consent given through the bot); in each round
all of them press an answer at the same moment. Latency: from the update being queued at the fake to
the fake accepting the bot's ``editMessageText`` for that chat (the kader sees the next question).
Throughput: presses of a round over the time from the first update queued to the last reply. Peak
memory: the bot process's high-water resident set (``VmHWM``) at the end.

The baseline, in the same run and the same way: ``benchmarks.bare_bot``, a bare python-telegram-bot
process that answers the query and edits the message, nothing else (no database, no checks).
Every answer Tangguh acknowledged is checked in its database afterwards.

Run from the repository root: ``python -m benchmarks.bench_load``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from app.services import Services
from benchmarks.bench_survey import (
    FIRST_TELEGRAM_ID,
    TOKEN,
    TYPED_HTTP,
    _answer_payload,
    _config,
    _Latencies,
    _open_interviews,
    _seed_kader,
    _settled,
    _TimedApi,
    print_figures,
)
from cli import open_repository
from settings import load_catalog, load_instruments, load_settings
from storage.repository import Repository

ROOT = Path(__file__).resolve().parents[1]
KADER = 300
ROUNDS = 5


def _peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set size, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


@asynccontextmanager
async def _process(args: list[str], api: _TimedApi, log: Path) -> Any:
    """A bot process polling ``api``; stopped with SIGTERM (as systemd does) on exit."""
    env = os.environ | {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url,
                        "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:  # waited in a thread: the fake must keep answering the bot's last calls
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _check_alive(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is not None:
        raise RuntimeError(f"the bot process ended ({process.returncode}): {log.read_text()[-2000:]}")


async def _tangguh(folder: Path, kader: int, rounds: int) -> dict[str, float | int]:
    """``kader`` kader with an interview open in the real bot's process, pressing at once."""
    config = _config(folder)
    settings = load_settings(config)
    engine = Services(settings=settings, instruments=load_instruments(settings),
                      catalog=load_catalog()).engine
    db = (await open_repository(settings)).db  # creates and migrates the file as the bot would
    repo = Repository(db)
    seeded = [await _seed_kader(repo, FIRST_TELEGRAM_ID + k) for k in range(kader)]
    api = await _TimedApi.start(timeout=60.0)
    log = folder / "bot.log"
    try:
        users = [api.user(FIRST_TELEGRAM_ID + k, first_name="Kader") for k in range(kader)]
        async with _process(["bot.py", "--config", str(config)], api, log) as process:
            interviews = await _open_interviews(api, repo, users, seeded, settings.survey_round)
            latencies, answered = _Latencies(), 0
            while len(latencies.edit) < rounds * kader:
                question = engine.questions[await _settled(repo, interviews, users, timeout=60.0)]
                if question.is_choice:
                    await latencies.presses(api, users, [_answer_payload(question, i) for i in interviews],
                                            [u.last.message_id for u in users])
                else:
                    await latencies.texts(api, users, [TYPED_HTTP[question.id]] * kader)
                answered += 1
            _check_alive(process, log)
            peak = _peak_rss_mb(process.pid)
        if api.errors:
            raise RuntimeError(f"the fake Bot API refused calls: {api.errors[:3]}")
        stored = sum([len(await repo.interviews.answers(i)) for i in interviews])
        if stored != answered * kader:
            raise RuntimeError(f"{answered * kader} answers acknowledged but {stored} stored")
        logged = log.read_text(errors="replace")
        if "Traceback" in logged:
            raise RuntimeError(f"the bot logged an exception: {logged[:4000]}")
    finally:
        await api.stop()
        await db.close()
    return {"kader": kader, "answers_stored": stored, **latencies.figures(""), "peak_rss_mb": peak}


async def _bare(folder: Path, kader: int, rounds: int) -> dict[str, float | int]:
    """The bare bot process, the same number of chats pressing at once, the same rounds."""
    api = await _TimedApi.start(timeout=60.0)
    log = folder / "bare.log"
    try:
        users = [api.user(FIRST_TELEGRAM_ID + k, first_name="Kader") for k in range(kader)]
        async with _process(["-m", "benchmarks.bare_bot"], api, log) as process:
            await _Latencies().texts(api, users, ["/start"] * kader)
            latencies = _Latencies()
            for round_ in range(rounds):
                await latencies.presses(api, users, ["abc"[round_ % 3]] * kader,
                                        [u.last.message_id for u in users])
            _check_alive(process, log)
            peak = _peak_rss_mb(process.pid)
        if api.errors:
            raise RuntimeError(f"the fake Bot API refused calls of the bare bot: {api.errors[:3]}")
    finally:
        await api.stop()
    return {**latencies.figures("bare_"), "bare_peak_rss_mb": peak}


async def _bench(kader: int, rounds: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="tangguh-bench-load-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        ours = await _tangguh(folder, kader, rounds)
        bare = await _bare(folder, kader, rounds)
    figures = ours | bare
    figures["p50_ratio"] = figures["press_to_edit_p50_ms"] / figures["bare_press_to_edit_p50_ms"]
    figures["p99_ratio"] = figures["press_to_edit_p99_ms"] / figures["bare_press_to_edit_p99_ms"]
    figures["throughput_ratio"] = figures["presses_per_second"] / figures["bare_presses_per_second"]
    figures["bench_seconds"] = time.perf_counter() - started
    return figures


def bench_load(kader: int = KADER, rounds: int = ROUNDS) -> dict[str, float | int]:
    """Throughput, p50/p95/p99 press → edit and peak memory: Tangguh's process against a bare bot's."""
    from benchmarks.bench_survey import _quiet_logs

    with _quiet_logs():
        return asyncio.run(_bench(kader, rounds))


if __name__ == "__main__":
    print("Load (issue 6): 300 kader pressing at once, bot process against a bare PTB bot process")
    print_figures(bench_load())
