"""The update processor: one chat in order, chats side by side, a flood stopped at the door."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from handlers.updates import PerChatUpdateProcessor


def update(chat: int, number: int) -> Update:
    """A text message in a private chat."""
    message = Message(number, datetime.now(UTC), Chat(chat, "private"), text=str(number))
    return Update(number, message=message)


async def test_a_chat_waiting_for_itself_holds_no_slot_of_the_limit() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        started.set()
        await release.wait()

    stuck = [asyncio.create_task(processor.process_update(update(1, n), slow())) for n in range(5)]
    await started.wait()  # the first of chat 1 runs, four wait for it
    done: list[int] = []

    async def quick() -> None:
        done.append(2)

    await asyncio.wait_for(processor.process_update(update(2, 9), quick()), timeout=5)
    assert done == [2] and not release.is_set()
    release.set()
    await asyncio.gather(*stuck)


async def test_updates_of_one_chat_run_in_order() -> None:
    processor = PerChatUpdateProcessor()
    seen: list[int] = []

    async def record(number: int) -> None:
        await asyncio.sleep(0.001 * (5 - number))  # the earlier, the slower: order must still hold
        seen.append(number)

    await asyncio.gather(*[processor.process_update(update(1, n), record(n)) for n in range(5)])
    assert seen == [0, 1, 2, 3, 4]


async def test_a_screened_update_never_runs_and_is_still_reported_finished() -> None:
    processor = PerChatUpdateProcessor()
    finished: list[int] = []
    processor.finished = lambda u: finished.append(u.update_id)  # type: ignore[attr-defined]
    ran: list[int] = []

    async def screen(candidate: object) -> bool:
        return isinstance(candidate, Update) and candidate.update_id % 2 == 0

    async def work(number: int) -> None:
        ran.append(number)

    processor.screen = screen
    await asyncio.gather(*[processor.process_update(update(1, n), work(n)) for n in range(6)])
    assert ran == [0, 2, 4]
    assert sorted(finished) == list(range(6))
