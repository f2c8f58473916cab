"""The storage seam: the repository built from a path, its database-wide operations, the families
behind the Protocols of storage.interface, and no SQL dialect or pandas above them."""

from __future__ import annotations

import inspect
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from storage import StorageError, open_repository
from storage.interface import Families, Store
from storage.repository import Repository
from tests.storage.factories import FakeClock, new_interview


async def test_open_repository_opens_a_sqlite_path_on_the_given_clock(tmp_path: Path) -> None:
    clock = FakeClock()
    repo = await open_repository(tmp_path / "data.db", clock=clock)
    try:
        assert repo.now() == clock.now and repo.name == "data"
        assert await repo.user_version() >= 8 and await repo.integrity_check() == "ok"
        person = await repo.people.add("Admin", "admin")
        assert person.created_at == clock.now
    finally:
        await repo.close()
        await repo.close()  # a second close does nothing


async def test_a_postgres_url_is_refused_in_one_line() -> None:
    with pytest.raises(StorageError, match="PostgreSQL is not supported yet"):
        await open_repository("postgresql://tangguh@localhost/tangguh")


async def test_backup_through_the_repository(repo: Repository, tmp_path: Path) -> None:
    interview = await new_interview(repo)
    await repo.backup(tmp_path / "copy.db")
    copy = await open_repository(tmp_path / "copy.db")
    try:
        assert await copy.interviews.get(interview.id) == interview
    finally:
        await copy.close()


def _public(obj: object) -> dict[str, inspect.Signature]:
    """The public methods of a class or protocol with their signatures."""
    return {name: inspect.signature(member) for name, member in inspect.getmembers(obj, inspect.isfunction)
            if not name.startswith("_")}


def test_every_family_implements_its_protocol_with_the_same_signatures(repo: Repository) -> None:
    hints = Families.__annotations__
    for name in hints:
        family = getattr(repo, name)
        protocol = getattr(sys.modules["storage.interface"], hints[name])
        wanted, found = _public(protocol), _public(type(family))
        assert set(wanted) == set(found), name
        for method, signature in wanted.items():
            assert list(signature.parameters) == list(found[method].parameters), f"{name}.{method}"
            for parameter in signature.parameters.values():
                assert parameter.default == found[method].parameters[parameter.name].default, method
            assert inspect.iscoroutinefunction(getattr(family, method)), f"{name}.{method}"


def test_the_repository_offers_what_the_store_protocol_says(repo: Repository) -> None:
    for name in _public(Store):
        assert callable(getattr(repo, name)), name
    assert set(Families.__annotations__) <= set(vars(repo))


def test_importing_the_repository_imports_neither_pandas_nor_numpy() -> None:
    code = ("import sys, storage.repository, storage.sqlite.digests, jobs.outbox; "
            "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2])
    assert out.stdout.strip() == "[]"


def test_no_sql_dialect_outside_the_sqlite_module() -> None:
    storage = Path(__file__).parents[2] / "storage"
    dialect = ("sqlite3", "aiosqlite", "PRAGMA", "BEGIN IMMEDIATE", "lastrowid", "json_extract")
    neutral = ["convert.py", "records.py", "interface.py", "frames.py", "errors.py", "__init__.py",
               "repository.py"]
    for name in neutral:
        text = (storage / name).read_text(encoding="utf-8")
        assert not [word for word in dialect if word in text], name


async def test_due_defaults_to_the_database_clock(repo: Repository, clock: FakeClock) -> None:
    kader = await repo.people.add("Siti", "kader")
    await repo.outbox.enqueue("reminder", "2026-W48", kader.id, 111, {})
    (item,) = await repo.outbox.due()
    await repo.outbox.mark_failed(item.id, "later", clock.now + timedelta(minutes=1))
    assert await repo.outbox.due() == []
    clock.advance(minutes=1)
    assert [i.id for i in await repo.outbox.due()] == [item.id]
