"""The one error storage raises for a human to act on, whichever database is behind it."""

from __future__ import annotations


class StorageError(Exception):
    """A database that cannot be opened, migrated or copied; the message is one line for a human."""
