"""Which kader a file's Kader cell names: by short code ``K<id>`` or by name in the kelurahan."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from flows.areas import match_name
from flows.imports.plan import KaderRef

_KADER_CODE: Final = re.compile(r"^K\s*-?\s*(\d{1,9})$", re.IGNORECASE)

_Resolved = tuple[int | None, str | None, dict[str, str | int]]
"""A kader cell resolved: the kader's id, or None with the locale key and values saying why."""


class KaderLookup:
    """Kader lookups, with each (kelurahan, cell) resolved once."""

    def __init__(self, refs: Sequence[KaderRef]) -> None:
        self.refs = refs
        self.by_id = {ref.id: ref for ref in refs}
        self.memo: dict[tuple[str, str], _Resolved] = {}

    def resolve(self, cell: str, kelurahan: str) -> _Resolved:
        """The kader id a cell means in a kelurahan, or (None, locale key, params) why not."""
        if (kelurahan, cell) not in self.memo:
            self.memo[kelurahan, cell] = self._resolve(cell, kelurahan)
        return self.memo[kelurahan, cell]

    def _resolve(self, cell: str, kelurahan: str) -> _Resolved:
        """By short code ``K<id>``, else by name among the kelurahan's kader, else why not."""
        params: dict[str, str | int] = {"value": cell, "kelurahan": kelurahan}
        short = _KADER_CODE.match(cell)
        if short:
            ref = self.by_id.get(int(short[1]))
            return self._in_area(ref, kelurahan, params) if ref else (None, "import_unknown_kader", params)
        local = [ref for ref in self.refs if ref.kelurahan == kelurahan]
        name = match_name(cell, [ref.name for ref in local])
        if name is not None:
            return next(ref.id for ref in local if ref.name == name), None, {}
        same = [ref for ref in local if match_name(cell, [ref.name])]
        if len(same) > 1:
            codes = ", ".join(f"K{ref.id}" for ref in same)
            return None, "import_kader_ambiguous", {**params, "codes": codes}
        elsewhere = [ref for ref in self.refs if ref.kelurahan != kelurahan and match_name(cell, [ref.name])]
        if elsewhere:
            return self._in_area(elsewhere[0], kelurahan, params)
        return None, "import_unknown_kader", params

    @staticmethod
    def _in_area(ref: KaderRef, kelurahan: str, params: dict[str, str | int]) -> _Resolved:
        """The kader's id if they serve `kelurahan`, else why not."""
        if ref.kelurahan == kelurahan:
            return ref.id, None, {}
        other = ref.kelurahan or "-"
        return None, "import_kader_other_kelurahan", {**params, "other": other}
