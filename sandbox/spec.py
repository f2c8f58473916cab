"""The Bot API methods the fake validates against, cut from the full machine-readable reference.

``python -m sandbox.spec ../shared/telegram/bot-api-10.1.json`` rewrites ``bot-api-methods.json``; the
product carries only that cut, so the sandbox runs on a machine without the reference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

METHODS_PATH = Path(__file__).with_name("bot-api-methods.json")


def methods_of(reference: dict[str, Any]) -> dict[str, Any]:
    """Each method's fields (name, types, required), the only part of the reference the fake reads."""
    return {"version": reference["version"], "release_date": reference.get("release_date"),
            "methods": {name: {"fields": [{"name": f["name"], "types": f["types"], "required": f["required"]}
                                          for f in method.get("fields", [])]}
                        for name, method in reference["methods"].items()}}


def main(argv: list[str]) -> int:
    """Regenerate ``bot-api-methods.json`` from the reference file named on the command line."""
    cut = methods_of(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    text = json.dumps(cut, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
    METHODS_PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
