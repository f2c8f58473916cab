"""A round's scores as numpy/pandas frames, whichever database they were read from: the digest's
int8 code matrix and family columns. numpy and pandas are imported here when first needed, so
importing the repository does not import them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from storage.records import DigestSource

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CODE_OF: Final[dict[object, int]] = {"1": 1, "0": 0, "na": -1, "missing": -2, 1: 1, 0: 0}
"""Stored indicator scores → the int8 codes of reports.aggregate (anything else: missing)."""
_COMPACT: Final = (('"missing"', "m"), ('"na"', "n"), ('"1"', "1"), ('"0"', "0"), ("null", "m"),
                   (",", ""), ("[", ""), ("]", ""))
"""Replacements turning a JSON array of scores into one character per indicator."""
FAMILY_COLUMNS: Final = ("household_id", "household_code", "head_name", "address", "rt", "rw", "kelurahan",
                         "submitted_at", "index", "category", "complete")


@cache
def _char_code() -> np.ndarray:
    """Byte → int8 code of one compacted score character (9: not a score)."""
    import numpy as np

    table = np.full(256, 9, dtype=np.int8)
    table[[ord("1"), ord("0"), ord("n"), ord("m")]] = [1, 0, -1, -2]
    return table


def digest_source(columns: list[list[Any]], codes: Sequence[str]) -> DigestSource:
    """The frames of a round read as columns: interview id, the ``FAMILY_COLUMNS``, then each
    interview's scores of ``codes`` as one JSON array."""
    import numpy as np
    import pandas as pd

    ids = pd.Index(np.array(columns[0], dtype=np.int64), name="interview_id")
    matrix = pd.DataFrame(decode_scores(columns[-1], len(codes)), index=ids,
                          columns=pd.Index(list(codes), name="indicator"))
    return DigestSource(matrix, _families(ids, columns[1:-1]))


def decode_scores(arrays: Sequence[str], count: int) -> np.ndarray:
    """JSON arrays of ``count`` stored scores each → an int8 matrix, vectorised when all are usual."""
    import numpy as np

    if count == 0 or not arrays:
        return np.full((len(arrays), count), -2, dtype=np.int8)
    joined = "\n".join(arrays) + "\n"
    for old, new in _COMPACT:
        joined = joined.replace(old, new)
    if joined.isascii() and len(joined) == len(arrays) * (count + 1):
        chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(arrays), count + 1)
        codes = _char_code()[chars[:, :count]]
        if (chars[:, count] == ord("\n")).all() and (codes != 9).all():
            return codes
    return np.array([_decode_row(text, count) for text in arrays], dtype=np.int8).reshape(-1, count)


def _decode_row(text: str, count: int) -> list[int]:
    """One interview's scores the slow way: each value mapped on its own (unknown: missing)."""
    try:
        values = json.loads(text)
    except (TypeError, ValueError):
        values = []
    if not isinstance(values, list) or len(values) != count:
        values = [None] * count
    return [CODE_OF.get(v, -2) if isinstance(v, str | int) else -2 for v in values]


def _families(ids: pd.Index, columns: list[list[Any]]) -> pd.DataFrame:
    """The household and score columns as a frame on the interview ids."""
    import numpy as np
    import pandas as pd

    data = dict(zip(FAMILY_COLUMNS, columns, strict=True))
    frame = pd.DataFrame({
        "household_id": np.array(data["household_id"], dtype=np.int64),
        **{name: pd.Series(data[name], dtype=object) for name in
           ("household_code", "head_name", "address", "rt", "rw", "kelurahan")},
        "submitted_at": pd.to_datetime(pd.Series(data["submitted_at"], dtype=object), utc=True,
                                       format="ISO8601"),
        "index": np.array(data["index"], dtype=np.float64),  # None becomes NaN
        "category": pd.Series(data["category"], dtype=object),
        "complete": np.array(data["complete"], dtype=bool),
    })
    frame.index = ids
    return frame
