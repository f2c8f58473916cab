"""Importing reports and flows.imports loads no heavy library: each is imported when first used (issue 12)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "matplotlib", "xlsxwriter", "openpyxl", "qrcode")
MODULES = ("reports.digest", "reports.export", "reports.tabular", "reports.charts", "reports.qr",
           "reports.progress", "reports.codes", "flows.imports")


def _loaded_after(statement: str) -> list[str]:
    """The heavy libraries in ``sys.modules`` after running ``statement`` in a fresh interpreter."""
    script = f"{statement}; import sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            check=True, timeout=60)
    return list(ast.literal_eval(result.stdout.strip()))


def test_importing_reports_and_imports_loads_no_heavy_library() -> None:
    assert _loaded_after("import " + ", ".join(MODULES)) == []


def test_the_public_names_of_the_facades_are_light_too() -> None:
    names = ("from reports.digest import AgencyFigures, digest_chart, digest_figures, "
             "digest_workbook, admin_figures, digest_blocks, admin_blocks; "
             "from reports.export import build_csv, build_workbook, write_workbook; "
             "from reports.tabular import read_table, template_xlsx; "
             "from reports.charts import progress_chart; from reports.qr import qr_png; "
             "from flows.imports import plan_import, rejection_lines")
    assert _loaded_after(names) == []


def test_computing_loads_what_it_needs() -> None:
    assert _loaded_after("from reports.qr import qr_png; qr_png('x')") == ["qrcode"]
    template = "from reports.tabular import template_xlsx; template_xlsx(['a'], ['b'])"
    assert "xlsxwriter" in _loaded_after(template)
