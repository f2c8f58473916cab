"""The int8 codes of an indicator in a family's code matrix (``reports.aggregate``, the digests).

A module of its own so that code which only compares codes does not load numpy or pandas.
"""

from __future__ import annotations

from typing import Final

MET: Final = 1
"""The family meets the indicator."""
NOT_MET: Final = 0
"""The family fails the indicator."""
NA: Final = -1
"""The indicator does not apply to the family."""
MISSING: Final = -2
"""The indicator could not be scored (no answer, or a refusal)."""
