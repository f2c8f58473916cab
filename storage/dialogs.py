"""Where ``DialogState`` used to live (``storage.records`` now); kept so existing imports keep working."""

from __future__ import annotations

from storage.records import DialogState
from storage.sqlite.dialogs import Dialogs

__all__ = ["DialogState", "Dialogs"]
