"""The SQLite backend's table families on one connection."""

from __future__ import annotations

from storage.interface import Families
from storage.sqlite.audit import Audit
from storage.sqlite.database import Database
from storage.sqlite.dialogs import Dialogs
from storage.sqlite.digests import Digests
from storage.sqlite.exports import Exports
from storage.sqlite.households import Households
from storage.sqlite.imports import Imports
from storage.sqlite.interviews import Interviews, Scores
from storage.sqlite.outbox import Outbox
from storage.sqlite.people import Invites, People


def families(db: Database) -> Families:
    """Every table family of the repository, on ``db``."""
    return Families(people=People(db), invites=Invites(db), households=Households(db),
                    interviews=Interviews(db), scores=Scores(db), outbox=Outbox(db), audit=Audit(db),
                    imports=Imports(db), dialogs=Dialogs(db), digests=Digests(db), exports=Exports(db))
