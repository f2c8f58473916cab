"""The nightly online backup: once a local day, after ``backup.at``, a consistent copy of the live
database (``Repository.backup``) into ``backup.folder``; copies older than ``backup.keep_days`` go.

The folder is the record: a day's copy exists or it does not, so a restart never makes a second one.
A copy is written under a temporary name and renamed when complete, so a crash mid-copy never leaves
a file that looks like a backup."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from flows.backups import backup_days, backup_name, backups_to_prune, due_backup_day
from settings import BackupSettings
from storage.errors import StorageError

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=15)
"""After a failed copy (disk full, folder not writable), the next try waits this long."""
PARTIAL = ".partial"


class Backupable(Protocol):
    """What the backup needs of storage: a name for the files, and an online copy (a Repository)."""

    @property
    def name(self) -> str:
        """A short name for the database; copies are called ``<name>-<day>.db``."""
        ...

    async def backup(self, dest_path: str | Path) -> None:
        """Write a consistent copy to ``dest_path`` while the database stays open."""
        ...


@dataclass(frozen=True, slots=True)
class BackupMade:
    """One copy written: where, how big, how long it took, which old copies were removed."""

    path: Path
    size: int
    seconds: float
    pruned: list[str]


class NightlyBackup:
    """Makes the day's copy when it is due; called from every scheduler tick."""

    def __init__(self, db: Backupable, settings: BackupSettings, folder: Path, zone: ZoneInfo) -> None:
        self.db, self.settings, self.folder, self.zone = db, settings, folder, zone
        self.prefix = db.name
        self._failed_at: datetime | None = None
        self._lock = asyncio.Lock()  # two ticks at once must not copy twice

    async def run_if_due(self, now: datetime) -> BackupMade | None:
        """Make today's copy if its time has passed and it does not exist yet; log one line."""
        if not self.settings.enabled:
            return None
        if self._failed_at is not None and now < self._failed_at + RETRY_AFTER:
            return None
        async with self._lock:
            try:
                names = await asyncio.to_thread(self._names)
                day = due_backup_day(now, self.zone, self.settings.at, backup_days(self.prefix, names))
                if day is None:
                    return None
                made = await self.make(day)
            except (OSError, StorageError) as error:
                self._failed_at = now
                log.error("backup to %s failed: %s; trying again in %d minutes", self.folder, error,
                          RETRY_AFTER.total_seconds() // 60, extra={"event": "backup_failed"})
                return None
        self._failed_at = None
        log.info("backup %s written (%d bytes in %.2f s); %d older removed", made.path.name, made.size,
                 made.seconds, len(made.pruned),
                 extra={"event": "backup", "file": made.path.name, "bytes": made.size,
                        "seconds": round(made.seconds, 3), "pruned": made.pruned})
        return made

    async def make(self, day: date) -> BackupMade:
        """Copy the database to ``day``'s file (through a temporary name), then prune old copies."""
        started = time.perf_counter()
        final = self.folder / backup_name(self.prefix, day)
        partial = self.folder / f".{final.name}{PARTIAL}"
        await asyncio.to_thread(self._prepare)
        await self.db.backup(partial)
        size = await asyncio.to_thread(self._publish, partial, final)
        names = await asyncio.to_thread(self._names)
        pruned = backups_to_prune(self.prefix, names, day, self.settings.keep_days)
        await asyncio.to_thread(self._remove, pruned)
        return BackupMade(final, size, time.perf_counter() - started, pruned)

    def _names(self) -> list[str]:
        """The file names in the folder (none while it does not exist)."""
        try:
            return [entry.name for entry in os.scandir(self.folder) if entry.is_file()]
        except FileNotFoundError:
            return []

    def _prepare(self) -> None:
        """Create the folder; remove what a copy interrupted by a crash left behind."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for leftover in self.folder.glob(f".{self.prefix}-*{PARTIAL}*"):
            leftover.unlink(missing_ok=True)

    def _publish(self, partial: Path, final: Path) -> int:
        """Give the complete copy its real name (atomically) and make the rename durable."""
        os.replace(partial, final)
        descriptor = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        return final.stat().st_size

    def _remove(self, names: list[str]) -> None:
        """Delete old copies, with the -wal/-shm files SQLite leaves beside a copy someone opened."""
        for name in names:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / f"{name}{suffix}").unlink()
