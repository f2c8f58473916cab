"""Household import: reading files (reports.tabular) and planning them (flows.imports), no database."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest
import yaml

from flows.i18n import Catalog
from flows.imports import (
    TEMPLATE_EXAMPLE,
    TEMPLATE_HEADERS,
    ExistingHousehold,
    ImportPlan,
    KaderRef,
    PlannedHousehold,
    Row,
    Table,
    column_letter,
    normalise_number,
    plan_from_data,
    plan_import,
    plan_to_data,
    rejection_lines,
    summarise,
)
from reports.tabular import TableError, read_table, template_csv, template_xlsx
from settings import load_catalog

ROOT = Path(__file__).resolve().parents[2]
KELURAHAN = ["Guntung Manggis", "Komet", "Syamsudin Noor", "Landasan Ulin Timur"]
KADER = [
    KaderRef(12, "Siti Aminah", "Guntung Manggis"),
    KaderRef(13, "Rina", "Komet"),
    KaderRef(14, "Dewi", "Guntung Manggis"),
    KaderRef(15, "Dewi", "Guntung Manggis"),
]
HEADERS = list(TEMPLATE_HEADERS)
GOOD = [
    ["KK-001", "Budi Hartono", "Jl. Mawar 1", "1", "2", "Guntung Manggis", "Siti Aminah"],
    ["KK-002", "  Ani   Lestari ", "Jl. Melati 2", "01", "002", "guntung-manggis", "K12"],
    ["", "Joko Widodo", "Jl. Kenanga 3", "7", "3", "Komet", "rina"],
    ["", "Sari Dewi", "Jl. Anggrek 4", "RT 10", "rw 4", "KOMET", ""],
]
LIMITS = {"max_rows": 1000, "max_bytes": 1_000_000}


def csv_bytes(rows: Sequence[Sequence[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """Rows as a CSV file."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    """Rows as an .xlsx written by openpyxl (strings starting with '=' become real formulas)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_of(rows: Sequence[Sequence[str]], existing: Mapping[str, ExistingHousehold] | None = None,
            headers: Sequence[str] = HEADERS) -> ImportPlan:
    """The plan of a CSV file with `headers` and `rows`."""
    table = read_table(csv_bytes([headers, *rows]), "keluarga.csv", **LIMITS)
    return plan_import(table, existing=existing or {}, kelurahan=KELURAHAN, kader=KADER)


def applied(plan: ImportPlan, before: Mapping[str, ExistingHousehold] | None = None
            ) -> dict[str, ExistingHousehold]:
    """The register after applying `plan` to `before` (what storage does, in memory)."""
    register = dict(before or {})
    for h in (*plan.adds, *plan.updates):
        kader = h.kader_id if h.set_kader else register[h.code].kader_id
        register[h.code] = ExistingHousehold(h.code, h.head_name, h.address, h.rt, h.rw, h.kelurahan, kader)
    return register


def problems(plan: ImportPlan) -> set[tuple[int, str | None, str]]:
    """The rejections as (row, column, key)."""
    return {(r.row, r.column, r.key) for r in plan.rejected}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped texts."""
    return load_catalog()


# planning -------------------------------------------------------------------------------------------


def test_a_good_file_adds_every_family() -> None:
    plan = plan_of(GOOD)
    assert plan.rejected == () and plan.problems == () and plan.updates == () and plan.unchanged == 0
    assert len(plan.adds) == 4 and plan.rows == 4
    first, second, third, fourth = plan.adds
    assert (first.code, first.rt, first.rw, first.kader_id) == ("KK-001", "001", "002", 12)
    assert (second.head_name, second.kelurahan, second.kader_id) == ("Ani Lestari", "Guntung Manggis", 12)
    assert third.generated and re.fullmatch(r"K-[0-9A-F]{10}", third.code) and third.kader_id == 13
    assert (fourth.rt, fourth.rw, fourth.kelurahan, fourth.kader_id) == ("010", "004", "Komet", None)
    assert [h.row for h in plan.adds] == [2, 3, 4, 5]
    assert summarise(plan) == {"rows": 4, "adds": 4, "updates": 0, "unchanged": 0, "rejected_rows": 0,
                               "rejections": 0, "generated_codes": 2, "example_skipped": 0, "problems": 0}


def test_headers_are_matched_forgivingly_and_in_english() -> None:
    headers = ["household code", "HEAD OF FAMILY", "address", "r.t.", "Rw", "Village", "volunteer", "Catatan"]
    plan = plan_of([[*GOOD[0], "anything"]], headers=headers)
    assert [h.code for h in plan.adds] == ["KK-001"] and plan.ignored_columns == ("Catatan",)


def test_missing_and_repeated_columns_refuse_the_whole_file() -> None:
    plan = plan_of([["x", "y"]], headers=["Kode KK", "Nama Kepala Keluarga"])
    assert plan.refused and plan.adds == () and plan.rejected == ()
    assert plan.problems[0].key == "import_missing_columns"
    assert plan.problems[0].params == {"columns": "Alamat, RT, RW, Kelurahan"}
    repeated = plan_of([GOOD[0] + ["x"]], headers=[*HEADERS, "alamat"])
    assert [p.key for p in repeated.problems] == ["import_duplicate_column"]
    assert plan_of([]).problems[0].key == "import_no_rows"


def test_every_kind_of_error_in_one_file() -> None:
    rows = [
        GOOD[0],                                                                          # 2 fine
        ["KK-003", "", "Jl. A", "1", "1", "Komet", ""],                                   # 3
        ["KK-004", "Nama", "  ", "1", "1", "Komet", ""],                                  # 4
        ["KK-005", "Nama", "Jl. A", "12a", "1", "Komet", ""],                             # 5
        ["KK-006", "Nama", "Jl. A", "1", "1000", "Komet", ""],                            # 6
        ["KK-007", "Nama", "Jl. A", "1", "1", "Atlantis", ""],                            # 7
        ["KK-008", "Nama", "Jl. A", "1", "1", "Komet", "Zaenal"],                         # 8
        ["KK-009", "Nama", "Jl. A", "1", "1", "Guntung Manggis", "Rina"],                 # 9
        ["KK-001", "Nama Lain", "Jl. B", "1", "1", "Komet", ""],                          # 10
        ["KK-011", "Nama", "=HYPERLINK(\"x\")", "1", "1", "Komet", ""],                   # 11
        ["KK-012", "N" * 201, "Jl. A", "1", "1", "Komet", ""],                            # 12
        ["KK 013", "Nama", "Jl. A", "1", "1", "Komet", ""],                               # 13
        ["KK-014", "Nama", "Jl. A", "1", "1", "Guntung Manggis", "dewi"],                 # 14
        ["KK-015", "Nama", "Jl. A", "1", "1", "Guntung Manggis", "K99"],                  # 15
        ["", "Keluarga Kembar", "Jl. C", "3", "4", "Komet", ""],                          # 16 fine
        ["", "keluarga  kembar", "JL. C", "003", "004", "Komet", ""],                     # 17
        ["KK-018", "Nama", "Jl. A", "", "1", "Komet", ""],                                # 18
        ["KK-019", "Nama", "Jl. A", "0", "1", "Komet", ""],                               # 19
    ]
    plan = plan_of(rows)
    assert problems(plan) == {
        (3, "Nama Kepala Keluarga", "import_empty_value"),
        (4, "Alamat", "import_empty_value"),
        (5, "RT", "import_number_format"),
        (6, "RW", "import_number_format"),
        (7, "Kelurahan", "import_unknown_kelurahan"),
        (8, "Kader", "import_unknown_kader"),
        (9, "Kader", "import_kader_other_kelurahan"),
        (10, "Kode KK", "import_duplicate_code"),
        (11, "Alamat", "import_formula"),
        (12, "Nama Kepala Keluarga", "import_too_long"),
        (13, "Kode KK", "import_code_format"),
        (14, "Kader", "import_kader_ambiguous"),
        (15, "Kader", "import_unknown_kader"),
        (17, None, "import_duplicate_household"),
        (18, "RT", "import_empty_value"),
        (19, "RT", "import_number_format"),
    }
    assert [h.row for h in plan.adds] == [2, 16] and plan.rejected_rows == 16
    by_row = {r.row: r for r in plan.rejected}
    assert by_row[10].params == {"code": "KK-001", "first": 2}
    assert by_row[17].params == {"first": 16}
    assert by_row[9].params == {"value": "Rina", "kelurahan": "Guntung Manggis", "other": "Komet"}
    assert by_row[14].params["codes"] == "K14, K15"
    assert [r.row for r in plan.rejected] == sorted(r.row for r in plan.rejected)


def test_a_row_lists_each_of_its_problems() -> None:
    plan = plan_of([["", "", "Jl. A", "x", "y", "Atlantis", ""]])
    assert problems(plan) == {(2, "Nama Kepala Keluarga", "import_empty_value"),
                              (2, "RT", "import_number_format"), (2, "RW", "import_number_format"),
                              (2, "Kelurahan", "import_unknown_kelurahan")}


def test_reimporting_the_same_file_changes_nothing() -> None:
    first = plan_of(GOOD)
    register = applied(first)
    again = plan_of(GOOD, register)
    assert (again.adds, again.updates, again.unchanged, again.rejected) == ((), (), 4, ())


def test_a_changed_address_is_one_update() -> None:
    register = applied(plan_of(GOOD))
    changed = [list(row) for row in GOOD]
    changed[0][2] = "Jl. Mawar 1A"
    plan = plan_of(changed, register)
    assert plan.adds == () and plan.unchanged == 3
    (update,) = plan.updates
    assert (update.code, update.address, update.changed) == ("KK-001", "Jl. Mawar 1A", ("address",))


def test_without_a_code_a_changed_address_is_another_family() -> None:
    register = applied(plan_of(GOOD))
    changed = [list(row) for row in GOOD]
    changed[3][2] = "Jl. Anggrek 4B"
    plan = plan_of(changed, register)
    assert (len(plan.adds), plan.updates, plan.unchanged) == (1, (), 3) and plan.adds[0].generated


def test_an_empty_kader_cell_keeps_the_kader_and_a_named_one_moves_the_household() -> None:
    register = applied(plan_of(GOOD))
    rows = [[*GOOD[0][:6], ""], [*GOOD[1][:6], "K14"]]
    plan = plan_of(rows, register)
    assert plan.unchanged == 1
    (update,) = plan.updates
    assert (update.code, update.kader_id, update.set_kader) == ("KK-002", 14, True)
    assert update.changed == ("kader_id",)


def test_moving_to_another_kelurahan_drops_a_kader_who_does_not_serve_there() -> None:
    register = applied(plan_of(GOOD))
    (update,) = plan_of([["KK-001", "Budi Hartono", "Jl. Mawar 1", "1", "2", "Komet", ""]], register).updates
    assert (update.kelurahan, update.kader_id, update.set_kader) == ("Komet", None, True)
    assert set(update.changed) == {"kelurahan", "kader_id"}


def test_generated_codes_are_stable_and_avoid_collisions() -> None:
    rows = [["", "Joko", "Jl. A", "1", "1", "Landasan Ulin Timur", ""],
            ["", "Joko", "Jl. B", "1", "1", "Landasan Ulin Timur", ""]]
    first, second = plan_of(rows).adds
    assert plan_of(rows).adds == (first, second)
    assert first.code.startswith("LUT-") and first.code != second.code and first.generated
    assert plan_of(list(reversed(rows))).adds[1].code == first.code  # the order does not matter
    # The code is taken by another family: the next, longer candidate is used, deterministically.
    taken = {first.code: ExistingHousehold(first.code, "Other", "Elsewhere", "009", "009", "Komet", None)}
    moved = plan_of(rows[:1], taken).adds[0]
    assert moved.code.startswith(first.code) and len(moved.code) == len(first.code) + 2
    assert plan_of(rows[:1], taken).adds[0].code == moved.code


def test_rows_without_code_match_an_existing_household() -> None:
    register = {"OLD-1": ExistingHousehold("OLD-1", "Joko Widodo", "jl. kenanga 3", "7", "003", "Komet", 13)}
    plan = plan_of([GOOD[2]], register)
    (update,) = plan.updates  # the same family: the stored values are tidied, no new household
    assert (update.code, update.address, update.rt) == ("OLD-1", "Jl. Kenanga 3", "007")
    assert not update.generated
    assert set(update.changed) == {"address", "rt"}


def test_the_template_example_row_is_skipped() -> None:
    plan = plan_of([list(TEMPLATE_EXAMPLE), GOOD[0]])
    assert plan.example_row == 2 and [h.code for h in plan.adds] == ["KK-001"] and plan.rejected == ()


def test_blank_and_numbered_only_rows_are_ignored() -> None:
    table = Table(("No", *HEADERS), (Row(2, ("1", *GOOD[0])), Row(3, ("=ROW()-1",), frozenset({0}))))
    plan = plan_import(table, existing={}, kelurahan=KELURAHAN, kader=KADER)
    assert len(plan.adds) == 1 and plan.rejected == () and plan.ignored_columns == ("No",)


def test_a_plan_survives_its_json_form() -> None:
    plan = plan_of([*GOOD, ["KK 1", "", "", "", "", "", ""]])
    assert plan_from_data(plan_to_data(plan)) == plan


def test_numbers_and_letters() -> None:
    assert [normalise_number(v) for v in ("1", "01", "999", "RT 5", "rw.07", "0", "1000", "1a", "")] == [
        "001", "001", "999", "005", "007", None, None, None, None]
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


# rendering ------------------------------------------------------------------------------------------


def test_rejection_lines(catalog: Catalog) -> None:
    plan = plan_of([["KK-1", "Nama", "Jl. <b>", "1a", "1", "Komet", ""],
                    ["KK-2", "", "Jl. A", "1", "1", "Komet", ""]])
    lines = rejection_lines(plan, catalog, "id")
    assert lines == ["Baris 2, kolom RT: «1a» harus angka 1–3 digit (1 sampai 999), misalnya 7 atau 007.",
                     "Baris 3, kolom Nama Kepala Keluarga: tidak boleh kosong."]
    assert rejection_lines(plan, catalog, "en", limit=1) == [
        "Row 2, column RT: «1a» must be a number of 1–3 digits (1 to 999), for example 7 or 007.",
        "… and 1 more problems."]
    html = rejection_lines(plan_of([["KK-1", "Nama", "Jl. A", "<b>", "1", "Komet", ""]]), catalog, "id")
    assert "«&lt;b&gt;»" in html[0]
    plain = rejection_lines(plan_of([["KK-1", "Nama", "Jl. A", "<b>", "1", "Komet", ""]]), catalog, "id",
                            html=False)
    assert "«<b>»" in plain[0]
    refused = rejection_lines(plan_of([["x"]], headers=["Kode KK", "Alamat"]), catalog, "id")
    assert refused == ["Kolom wajib tidak ditemukan: Nama Kepala Keluarga, RT, RW, Kelurahan. Gunakan judul "
                       "kolom seperti pada templat (/template)."]
    many = plan_of([[f"KK-{n}", "", "Jl. A", "1", "1", "Komet", ""] for n in range(40)])
    assert len(rejection_lines(many, catalog, "id", limit=None)) == 40
    assert rejection_lines(many, catalog, "id")[-1] == "… dan 10 masalah lain."


def test_every_import_key_has_texts(catalog: Catalog) -> None:
    sources = [*sorted((ROOT / "flows" / "imports").glob("*.py")), ROOT / "reports" / "tabular.py",
               Path(__file__)]
    used = {key for path in sources for key in re.findall(r'"(import_[a-z_]+)"', path.read_text("utf-8"))}
    for language in catalog.languages:
        texts = yaml.safe_load((ROOT / "locales" / language / "imports.yaml").read_text("utf-8"))
        assert len(used) > 20 and used <= set(texts), sorted(used - set(texts))


def test_table_errors_read_well(catalog: Catalog) -> None:
    error = TableError("import_too_many_rows", {"max": 20000})
    assert error.message(catalog, "id") == ("Berkas berisi lebih dari 20.000 baris data. Bagi menjadi "
                                            "beberapa berkas lalu kirim satu per satu.")


# reading files --------------------------------------------------------------------------------------


def test_csv_with_semicolons_and_a_bom() -> None:
    semicolon = ["KK-9", "Nama; dengan titik koma", "Jl. A", "1", "1", "Komet", ""]
    data = b"\xef\xbb\xbf" + csv_bytes([HEADERS, GOOD[0], semicolon], delimiter=";")
    table = read_table(data, "Keluarga.CSV", **LIMITS)
    assert table.headers == tuple(HEADERS) and table.rows[1].values[1] == "Nama; dengan titik koma"
    assert len(plan_import(table, existing={}, kelurahan=KELURAHAN, kader=KADER).adds) == 2


def test_csv_with_excel_sep_line() -> None:
    table = read_table(b"sep=;\r\n" + csv_bytes([HEADERS, GOOD[0]], delimiter=";"), "k.csv", **LIMITS)
    assert table.headers == tuple(HEADERS) and [row.number for row in table.rows] == [2]


def test_cp1252_csv() -> None:
    data = csv_bytes([HEADERS, ["KK-1", "José Müller", "Jl. Café", "1", "1", "Komet", ""]], encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    table = read_table(data, "k.csv", **LIMITS)
    assert table.rows[0].values[1:3] == ("José Müller", "Jl. Café")


def test_csv_formula_and_row_numbers() -> None:
    data = csv_bytes([["Daftar keluarga RT 1"], [], HEADERS, GOOD[0], [], ["KK-2", "Nama", " =1+2", "1", "1",
                                                                             "Komet", ""]])
    table = read_table(data, "k.csv", **LIMITS)
    assert table.header_row == 3 and [row.number for row in table.rows] == [4, 6]
    assert table.rows[1].formulas == frozenset({2})
    plan = plan_import(table, existing={}, kelurahan=KELURAHAN, kader=KADER)
    assert problems(plan) == {(6, "Alamat", "import_formula")} and len(plan.adds) == 1


def test_xlsx_with_a_real_formula_cell() -> None:
    data = xlsx_bytes([HEADERS, GOOD[0], ["KK-2", "Nama", "Jl. A", "=1+1", 2, "Komet", None]])
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.active is not None and workbook.active["D3"].data_type == "f"
    table = read_table(data, "k.xlsx", **LIMITS)
    assert table.rows[1].values[3:5] == ("=1+1", "2") and table.rows[1].formulas == frozenset({3})
    plan = plan_import(table, existing={}, kelurahan=KELURAHAN, kader=KADER)
    assert problems(plan) == {(3, "RT", "import_formula")} and [h.code for h in plan.adds] == ["KK-001"]


def test_xlsx_numbers_become_text() -> None:
    data = xlsx_bytes([HEADERS, [6372012345678901, "Nama", "Jl. A", 1, 2.0, "Komet", None]])
    row = read_table(data, "k.xlsx", **LIMITS).rows[0]
    assert row.values[0] == "6372012345678901" and row.values[3:5] == ("1", "2")


@pytest.mark.parametrize(("data", "name", "key"), [
    (b"a,b\n1,2\n", "keluarga.xls", "import_wrong_type"),
    (b"a,b\n1,2\n", "keluarga", "import_wrong_type"),
    (b"a,b\n1,2\n", "keluarga.txt", "import_wrong_type"),
    (b"", "keluarga.csv", "import_empty"),
    (b"\xef\xbb\xbf\r\n\r\n", "keluarga.csv", "import_empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "keluarga.xlsx", "import_not_xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "keluarga.xlsx", "import_not_xlsx"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "keluarga.csv", "import_not_text"),
    (b"1,2,3\n4,5,6\n", "keluarga.csv", "import_no_header"),
    (b'Kode,"Nama\n1,2\n', "keluarga.csv", "import_csv_broken"),
    (b'Kode,Nama\n"1"2,3\n', "keluarga.csv", "import_csv_broken"),
])
def test_files_that_cannot_be_read(data: bytes, name: str, key: str) -> None:
    with pytest.raises(TableError) as caught:
        read_table(data, name, **LIMITS)
    assert caught.value.key == key


def test_broken_and_foreign_zips() -> None:
    good = xlsx_bytes([HEADERS, GOOD[0]])
    with pytest.raises(TableError, match="import_broken_xlsx"):
        read_table(good[: len(good) // 2], "k.xlsx", **LIMITS)
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(TableError, match="import_not_xlsx"):
        read_table(other.getvalue(), "k.xlsx", **LIMITS)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            target.writestr(item, b"<not xml" if item.filename.startswith("xl/worksheets/") else body)
    with pytest.raises(TableError, match="import_broken_xlsx"):
        read_table(damaged.getvalue(), "k.xlsx", **LIMITS)


def test_zip_bomb_is_too_large() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b" " * 30_000_000)
    assert len(bomb.getvalue()) < LIMITS["max_bytes"]
    with pytest.raises(TableError, match="import_too_large"):
        read_table(bomb.getvalue(), "k.xlsx", **LIMITS)


def test_size_and_row_limits() -> None:
    data = csv_bytes([HEADERS, *[GOOD[0]] * 5])
    with pytest.raises(TableError) as caught:
        read_table(data, "k.csv", max_rows=1000, max_bytes=len(data) - 1)
    assert caught.value.key == "import_too_large" and caught.value.params == {"max_mb": 1}
    assert len(read_table(data, "k.csv", max_rows=5, max_bytes=10_000).rows) == 5
    for name, content in (("k.csv", data), ("k.xlsx", xlsx_bytes([HEADERS, *[GOOD[0]] * 5]))):
        with pytest.raises(TableError) as caught:
            read_table(content, name, max_rows=4, max_bytes=100_000)
        assert caught.value.key == "import_too_many_rows" and caught.value.params == {"max": 4}


# the template ---------------------------------------------------------------------------------------


def test_the_xlsx_template_round_trips() -> None:
    data = template_xlsx(list(TEMPLATE_HEADERS), list(TEMPLATE_EXAMPLE))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet["D2"].value == "001" and sheet.column_dimensions["B"].width > 20
    table = read_table(data, "templat.xlsx", **LIMITS)
    assert table.headers == TEMPLATE_HEADERS and table.rows[0].values == TEMPLATE_EXAMPLE
    plan = plan_import(table, existing={}, kelurahan=KELURAHAN, kader=KADER)
    assert (plan.problems, plan.rejected, plan.adds, plan.example_row) == ((), (), (), 2)
    sheet.append(GOOD[0])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    filled = plan_import(read_table(buffer.getvalue(), "t.xlsx", **LIMITS), existing={}, kelurahan=KELURAHAN,
                         kader=KADER)
    assert [h.code for h in filled.adds] == ["KK-001"] and filled.rejected == ()


def test_the_csv_template_round_trips() -> None:
    data = template_csv(list(TEMPLATE_HEADERS), list(TEMPLATE_EXAMPLE))
    assert data.startswith(b"\xef\xbb\xbfKode KK,")
    table = read_table(data + csv_bytes([GOOD[1]]), "templat.csv", **LIMITS)
    assert table.headers == TEMPLATE_HEADERS
    plan = plan_import(table, existing={}, kelurahan=KELURAHAN, kader=KADER)
    assert plan.example_row == 2 and [h.code for h in plan.adds] == ["KK-002"] and plan.rejected == ()


def test_planned_household_fields_match_the_register() -> None:
    fields = set(PlannedHousehold.__dataclass_fields__)
    assert set(ExistingHousehold.__dataclass_fields__) <= fields
