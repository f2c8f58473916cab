"""The weekly agency digest's computation (issue 5, items 4 and 5): figures, text, chart, workbook, storage.

Seven hand-made families in two kelurahan on a three-indicator instrument, every expected figure worked
out in the comments; then the real instrument through a real database seeded with the interview engine.
"""

from __future__ import annotations

import io
import json
import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from PIL import Image

from flows.answers import Answer
from flows.i18n import Catalog
from flows.instrument import Instrument, Question, parse_instrument
from flows.interview import InterviewEngine, Problem
from flows.scoring import stored_detail
from reports.aggregate import MISSING, NA, area_summary
from reports.digest import (
    BLOCK_SEPARATOR,
    AdminFigures,
    AgencyFigures,
    admin_blocks,
    admin_figures,
    agency_figures,
    digest_blocks,
    digest_chart,
    digest_figures,
    digest_workbook,
    format_points,
    format_share,
)
from settings import load_catalog
from storage.frames import decode_scores
from storage.records import InstrumentRef, ScoreRecord
from storage.repository import Repository
from storage.sqlite.database import Database
from storage.sqlite.digests import Digests
from telegram_io.text import LIMIT, pack_blocks
from tests.storage.factories import FakeClock

ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("Asia/Makassar")
WEEK_START = datetime(2026, 11, 30, tzinfo=ZONE)  # Monday 2026-W49
WEEK_END = WEEK_START + timedelta(days=7)
ROUND = "2026"
PNG = b"\x89PNG\r\n\x1a\n"
CATALOG: Catalog = load_catalog()
AGENCIES = ["DINSOS", "UPTD_PPA", "DISDIK", "KOSONG"]

TINY_YAML = """
id: tiny-digest
version: "1"
name: {id: Kecil, en: Tiny}
languages: [id, en]
rubric:
  version: "t.1"
  categories:
    - {code: rentan, min: 0, label: {id: Rentan, en: Vulnerable}}
    - {code: tangguh, min: 50, label: {id: Tangguh, en: Resilient}}
  area_classes:
    - {code: rendah, min: 0, label: {id: Rendah, en: Low}}
    - {code: tinggi, min: 60, label: {id: Tinggi, en: High}}
dimensions:
  - code: X
    name: {id: Satu, en: One}
    variables:
      - code: X.0
        name: {id: Semua, en: All}
        indicators:
          - number: 1
            code: X.1
            name: {id: Pangan, en: Food}
            lead: [DINSOS]
            questions:
              - {id: food, type: yes_no, label: {id: "Makan?", en: "Eat?"},
                 options: [{value: "yes", label: {id: Ya, en: "Yes"}, score: 1},
                           {value: "no", label: {id: Tidak, en: "No"}, score: 0}]}
          - number: 2
            code: X.2
            name: {id: Kekerasan anak, en: Violence against children}
            sensitive: true
            lead: [UPTD_PPA]
            support: [DINSOS]
            questions:
              - {id: hit, type: yes_no, label: {id: "Dipukul?", en: "Hit?"},
                 options: [{value: "yes", label: {id: Ya, en: "Yes"}, score: 0},
                           {value: "no", label: {id: Tidak, en: "No"}, score: 1}]}
          - number: 3
            code: X.3
            name: {id: Sekolah, en: School}
            lead: [DISDIK]
            support: [DINSOS]
            questions:
              - {id: school, type: yes_no, label: {id: "Sekolah?", en: "School?"},
                 options: [{value: "yes", label: {id: Ya, en: "Yes"}, score: 1},
                           {value: "no", label: {id: Tidak, en: "No"}, score: 0}]}
"""
TINY = parse_instrument(TINY_YAML, "tiny.yaml", ["DINSOS", "UPTD_PPA", "DISDIK", "KOSONG"])
THIS_WEEK = WEEK_START + timedelta(days=2)
LAST_WEEK = WEEK_START - timedelta(days=3)

#            X.1  X.2  X.3   kelurahan  submitted   head
FAMILIES = {
    101: ((0, 1, 1), "Komet", THIS_WEEK, "=SUM(A1)"),       # fails X.1
    102: ((1, 0, NA), "Komet", LAST_WEEK, "Siti"),           # fails only the sensitive X.2
    103: ((0, 0, 0), "Komet", LAST_WEEK, "+62 Budi"),         # fails all three
    104: ((MISSING, NA, 1), "Komet", LAST_WEEK, "Dewi"),      # fails nothing
    105: ((1, 1, 0), "Mentaos", THIS_WEEK, "Rahmat"),         # fails X.3
    106: ((NA, MISSING, 1), "Mentaos", LAST_WEEK, "Ani"),     # fails nothing
    107: ((1, 1, 1), "Mentaos", LAST_WEEK, "Yusuf"),          # fails nothing
}
# Komet X.1: fail 101, 103 of answered 101, 102, 103 (104 missing)      → 2/3 = 66.7%
# Komet X.2: fail 102, 103 of answered 101, 102, 103 (104 N/A)          → 2/3 = 66.7%
# Komet X.3: fail 103 of answered 101, 103, 104 (102 N/A)               → 1/3 = 33.3%
# Mentaos X.1: 0 of 2 (105, 107; 106 N/A) → 0%; X.2: 0 of 2 → 0%; X.3: 105 of 3 → 33.3%
# City: X.1 2/5 = 40%, X.2 2/5 = 40%, X.3 2/6 = 33.3%
# DINSOS (X.1, X.2 support, X.3 support) needs: 101, 102, 103, 105 → 4 (Komet 3, Mentaos 1);
#   listed (X.1, X.3 only, X.2 is sensitive): 101, 103, 105; counted but not listed: 102.
# UPTD_PPA (X.2, the protection unit): 102, 103 listed with X.2. DISDIK (X.3): 103, 105. KOSONG: nothing.



def digest_text(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                limit: int = LIMIT) -> list[str]:
    """The digest as the channel sends it: its blocks packed into messages under ``limit``."""
    return pack_blocks(digest_blocks(figures, catalog, language, agency_name), limit=limit,
                       separator=BLOCK_SEPARATOR)


def admin_text(figures: AdminFigures, catalog: Catalog, language: str) -> str:
    """The admin digest's index section, its blocks a blank line apart."""
    return BLOCK_SEPARATOR.join(admin_blocks(figures, catalog, language))

def tiny_frames(ids: list[int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The code matrix and the families frame of FAMILIES (or of the listed ids)."""
    ids = ids or list(FAMILIES)
    matrix = pd.DataFrame([FAMILIES[i][0] for i in ids], index=ids, columns=["X.1", "X.2", "X.3"],
                          dtype=np.int8)
    families = pd.DataFrame({
        "household_id": [i - 100 for i in ids],
        "household_code": [f"KK-{i}" for i in ids],
        "head_name": [FAMILIES[i][3] for i in ids],
        "address": [f"Jl. Mawar {i}" for i in ids],
        "rt": ["001" if i % 2 else "002" for i in ids],
        "rw": ["003"] * len(ids),
        "kelurahan": [FAMILIES[i][1] for i in ids],
        "submitted_at": pd.to_datetime([FAMILIES[i][2] for i in ids], utc=True),
    }, index=ids)
    return matrix, families


def figures_of(ids: list[int] | None = None, previous: Mapping[str, AgencyFigures] | None = None,
               survey_round: str = ROUND) -> dict[str, AgencyFigures]:
    """Every test agency's figures over FAMILIES (or the listed ids)."""
    matrix, families = tiny_frames(ids)
    return digest_figures(matrix, families, TINY, AGENCIES, survey_round=survey_round,
                          week_start=WEEK_START, week_end=WEEK_END, protection_unit="UPTD_PPA",
                          previous=previous, areas=["Mentaos", "Komet"])


# --- figures ------------------------------------------------------------------------------------


def test_shares_leave_na_and_missing_out_of_the_denominator() -> None:
    dinsos = figures_of()["DINSOS"]
    assert [i.code for i in dinsos.indicators] == ["X.1", "X.2", "X.3"]
    assert [i.lead for i in dinsos.indicators] == [True, False, False]
    assert [a.name for a in dinsos.areas] == ["Mentaos", "Komet"]  # the configured order
    mentaos, komet = dinsos.areas
    assert komet.failing == (2, 2, 1) and komet.answered == (3, 3, 3)
    assert mentaos.failing == (0, 0, 1) and mentaos.answered == (2, 2, 3)
    assert dinsos.city.failing == (2, 2, 2) and dinsos.city.answered == (5, 5, 6)
    assert komet.share(0) == pytest.approx(2 / 3) and mentaos.share(0) == 0.0
    assert dinsos.city.share(2) == pytest.approx(1 / 3)
    assert (komet.surveyed_total, komet.surveyed_week) == (4, 1)
    assert (mentaos.surveyed_total, mentaos.surveyed_week) == (3, 1)
    assert (dinsos.city.surveyed_total, dinsos.city.surveyed_week) == (7, 2)
    assert dinsos.compared is False and komet.change == (None, None, None) and komet.needing_change is None


def test_families_needing_help_count_sensitive_failures_but_do_not_list_them() -> None:
    dinsos = figures_of()["DINSOS"]
    mentaos, komet = dinsos.areas
    assert (dinsos.city.needing_help, komet.needing_help, mentaos.needing_help) == (4, 3, 1)
    assert (dinsos.city.unlisted, komet.unlisted, mentaos.unlisted) == (1, 1, 0)
    assert dinsos.city.assessed == 7 and dinsos.city.need_share == pytest.approx(4 / 7)
    listed = dinsos.families
    assert list(listed.index) == [105, 101, 103]  # Mentaos first, then Komet by RT
    assert listed.loc[101, "failing"] == ("X.1",)
    assert listed.loc[103, "failing"] == ("X.1", "X.3")  # X.2 is never named for DINSOS
    assert listed.loc[105, "failing"] == ("X.3",)
    assert 102 not in listed.index  # fails only the sensitive X.2
    assert all("X.2" not in codes for codes in listed["failing"])
    assert list(listed.columns) == ["household_id", "household_code", "head_name", "address", "rt", "rw",
                                    "kelurahan", "failing"]


def test_the_protection_unit_sees_sensitive_failures_by_family() -> None:
    figures = figures_of()
    ppa = figures["UPTD_PPA"]
    assert ppa.lists_sensitive and not figures["DINSOS"].lists_sensitive
    assert ppa.city.needing_help == 2 and ppa.city.unlisted == 0 and ppa.city.assessed == 5
    assert list(ppa.families.index) == [103, 102]  # Komet, RT 001 before RT 002
    assert set(ppa.families["failing"]) == {("X.2",)}
    disdik = figures["DISDIK"]
    assert list(disdik.families.index) == [105, 103] and disdik.city.needing_help == 2


def test_nobody_lists_sensitive_failures_when_no_protection_unit_is_configured() -> None:
    matrix, families = tiny_frames()
    ppa = agency_figures(matrix, families, TINY, "UPTD_PPA", survey_round=ROUND, week_start=WEEK_START,
                         week_end=WEEK_END, protection_unit=None)
    assert ppa.city.needing_help == 2 and ppa.city.unlisted == 2 and ppa.families.empty


def test_an_agency_with_no_indicators_has_empty_figures_and_says_so() -> None:
    empty = figures_of()["KOSONG"]
    assert empty.indicators == () and empty.city.needing_help == 0 and empty.families.empty
    assert empty.city.surveyed_total == 7 and all(a.failing == () for a in empty.areas)
    parts = digest_text(empty, CATALOG, "id", "Instansi Kosong")
    assert len(parts) == 1 and CATALOG.text("id", "agency_digest_no_indicators") in parts[0]
    blocks = digest_blocks(empty, CATALOG, "id", "Instansi Kosong")
    assert len(blocks) == 2 and blocks[1] == CATALOG.text("id", "agency_digest_no_indicators")
    assert digest_chart(empty, CATALOG, "id", "Instansi Kosong").startswith(PNG)
    book = openpyxl.load_workbook(io.BytesIO(digest_workbook(empty, CATALOG, "id", "Instansi Kosong")))
    assert book.worksheets[0].max_row == 1


def test_change_since_the_previous_digest_in_points() -> None:
    # Last week only 102, 103 (Komet) and 106, 107 (Mentaos) had been submitted:
    # Komet X.1 1/2 = 50% → now 66.7%: +16.7; X.2 2/2 → 2/3: -33.3; X.3 1/1 → 1/3: -66.7.
    # Mentaos X.1 0/1 → 0/2: 0; X.3 0/2 → 1/3: +33.3. City X.1 1/3 → 2/5: +6.7.
    # DINSOS needed by 102, 103 then (Komet 2, Mentaos 0): now 3 and 1.
    before = figures_of([102, 103, 106, 107])
    stored = {a: AgencyFigures.from_data(json.loads(json.dumps(f.to_data()))) for a, f in before.items()}
    dinsos = figures_of(previous=stored)["DINSOS"]
    mentaos, komet = dinsos.areas
    assert dinsos.compared
    assert komet.change == pytest.approx((100 / 6, -100 / 3, -200 / 3))
    assert mentaos.change == pytest.approx((0.0, 0.0, 100 / 3))
    assert dinsos.city.change[0] == pytest.approx(100 * (2 / 5 - 1 / 3))
    assert (komet.needing_change, mentaos.needing_change, dinsos.city.needing_change) == (1, 1, 2)
    text = "\n".join(digest_text(dinsos, CATALOG, "id", "Dinas Sosial"))
    assert "• X.1: 66,7% (2 dari 3) · +16,7 poin" in text
    assert "• X.3: 33,3% (1 dari 3) · -66,7 poin" in text
    assert "• X.1: 0,0% (0 dari 2) · 0,0 poin" in text


def test_no_change_against_another_round_or_an_area_missing_before() -> None:
    other_round = figures_of([102, 103], survey_round="2025")
    dinsos = figures_of(previous=other_round)["DINSOS"]
    assert not dinsos.compared and dinsos.city.change == (None, None, None)
    komet_only = figures_of([102, 103])
    dinsos = figures_of(previous=komet_only)["DINSOS"]
    mentaos, komet = dinsos.areas
    assert mentaos.change == (None, None, None) and mentaos.needing_change is None
    assert komet.change[0] == pytest.approx(100 / 6)  # 1/2 → 2/3


def test_figures_round_trip_through_json_without_the_family_list() -> None:
    dinsos = figures_of()["DINSOS"]
    data = json.loads(json.dumps(dinsos.to_data()))
    assert "Siti" not in json.dumps(data) and "KK-" not in json.dumps(data)
    back = AgencyFigures.from_data(data)
    assert back == dinsos and back.to_data() == data and not back.has_families
    with pytest.raises(ValueError, match="no family list"):
        _ = back.families
    with pytest.raises(ValueError, match="layout version"):
        AgencyFigures.from_data({**data, "version": 99})


def test_matrix_errors_are_caught() -> None:
    matrix, families = tiny_frames()
    kwargs = dict(survey_round=ROUND, week_start=WEEK_START, week_end=WEEK_END, protection_unit=None)
    with pytest.raises(ValueError, match="not in the instrument"):
        digest_figures(matrix.assign(Z=1), families, TINY, AGENCIES, **kwargs)
    with pytest.raises(ValueError, match="lack some interviews"):
        digest_figures(matrix, families.drop(index=101), TINY, AGENCIES, **kwargs)
    with pytest.raises(ValueError, match="codes must be"):
        digest_figures(matrix.replace(1, 3), families, TINY, AGENCIES, **kwargs)


def test_na_counts_as_met_switch_is_applied() -> None:
    switched = TINY.model_copy(update={"rubric": TINY.rubric.model_copy(update={"na_counts_as_met": True})})
    matrix, families = tiny_frames()
    dinsos = agency_figures(matrix, families, switched, "DINSOS", survey_round=ROUND, week_start=WEEK_START,
                            week_end=WEEK_END, protection_unit=None)
    # Komet X.3: 102's N/A now counts as met: 1 of 4 answered.
    assert dinsos.areas[0].answered[2] == 4 and dinsos.areas[0].failing[2] == 1


def test_no_families_yet() -> None:
    matrix, families = tiny_frames()
    dinsos = agency_figures(matrix.iloc[:0], families.iloc[:0], TINY, "DINSOS", survey_round=ROUND,
                            week_start=WEEK_START, week_end=WEEK_END, protection_unit=None)
    assert dinsos.areas == () and dinsos.city.surveyed_total == 0 and dinsos.families.empty
    assert CATALOG.text("id", "agency_digest_no_families") in digest_text(dinsos, CATALOG, "id", "Dinsos")[0]
    assert digest_chart(dinsos, CATALOG, "id", "Dinsos").startswith(PNG)


# --- text ---------------------------------------------------------------------------------------


def test_text_in_indonesian_and_english_never_names_a_family() -> None:
    dinsos = figures_of()["DINSOS"]
    parts = digest_text(dinsos, CATALOG, "id", "Dinas Sosial & <Kota>")
    assert len(parts) == 1
    text = parts[0]
    assert "Dinas Sosial &amp; &lt;Kota&gt;" in text
    assert "Minggu 30 November 2026 – 6 Desember 2026" in text
    assert "<b>1</b> keluarga di antaranya" not in text and "1 keluarga di antaranya" in text
    assert "• X.1: 66,7% (2 dari 3)" in text and "• X.2: 40,0% (2 dari 5)" in text
    assert "X.2 Kekerasan anak (pendukung) 🔒" in text
    assert CATALOG.text("id", "agency_digest_sensitive_counted") in text
    for _, _, _, head in FAMILIES.values():
        assert head not in text
    assert "KK-" not in text
    english = "\n".join(digest_text(dinsos, CATALOG, "en", "Social agency"))
    assert "• X.1: 66.7% (2 of 3)" in english and "Week of 30 November 2026 – 6 December 2026" in english
    ppa = "\n".join(digest_text(figures_of()["UPTD_PPA"], CATALOG, "id", "UPTD PPA"))
    assert CATALOG.text("id", "agency_digest_sensitive_listed") in ppa


def _well_formed(block: str) -> bool:
    """A block closes every tag it opens, and so does each of its lines (a packer may cut at any)."""
    return bool(block.strip()) and _balanced(block) and all(_balanced(line) for line in block.split("\n"))


def test_digest_blocks_are_well_formed_html_in_reading_order() -> None:
    dinsos = figures_of()["DINSOS"]
    blocks = digest_blocks(dinsos, CATALOG, "id", "Dinas Sosial & <Kota>")
    assert all(_well_formed(block) for block in blocks)
    title = CATALOG.text("id", "agency_digest_title", agency="Dinas Sosial &amp; &lt;Kota&gt;")
    assert blocks[0].startswith(title)
    assert blocks[1].startswith("Keluarga yang perlu bantuan instansi ini: <b>4</b>")
    assert blocks[1].endswith(CATALOG.text("id", "agency_digest_unlisted", count="1"))
    assert blocks[2].startswith(CATALOG.text("id", "agency_digest_indicators"))
    areas = blocks[3:-2]  # the city first, then each kelurahan in the figures' order
    names = [CATALOG.text("id", "agency_digest_city"), *(area.name for area in dinsos.areas)]
    assert [block.split("</b>")[0] for block in areas] == [f"<b>{name}" for name in names]
    assert blocks[-2] == CATALOG.text("id", "agency_digest_sensitive_counted")
    assert blocks[-1] == CATALOG.text("id", "agency_digest_attachments")
    # a digest that fits is one message: the blocks a blank line apart
    assert digest_text(dinsos, CATALOG, "id", "Dinas Sosial & <Kota>") == [BLOCK_SEPARATOR.join(blocks)]
    english = digest_blocks(dinsos, CATALOG, "en", "Social agency", timezone="UTC")
    assert all(_well_formed(block) for block in english) and len(english) == len(blocks)


def test_number_formats() -> None:
    assert format_share(0.125, "id") == "12,5%" and format_share(0.125, "en") == "12.5%"
    assert format_share(None, "id") == "–"
    assert format_points(3.0, "id") == "+3,0" and format_points(-1.25, "en") == "-1.2"
    assert format_points(0.04, "id") == "0,0" and format_points(None, "id") == "–"


def _balanced(part: str) -> bool:
    """Every tag of ``part`` is closed, in order."""
    stack: list[str] = []
    for tag in re.findall(r"<(/?)([a-z-]+)[^>]*>", part):
        if tag[0]:
            if not stack or stack.pop() != tag[1]:
                return False
        else:
            stack.append(tag[1])
    return not stack


def test_a_long_digest_is_split_under_the_limit_on_line_boundaries() -> None:
    areas = [f"Kelurahan Nomor {n:03d}" for n in range(300)]
    ids = list(range(1, 1201))
    rng = np.random.default_rng(7)
    matrix = pd.DataFrame(rng.choice(np.array([1, 0, -1, -2], dtype=np.int8), size=(1200, 3)), index=ids,
                          columns=["X.1", "X.2", "X.3"])
    families = pd.DataFrame({"kelurahan": [areas[i % 300] for i in ids],
                             "submitted_at": pd.Timestamp(THIS_WEEK)}, index=ids)
    dinsos = agency_figures(matrix, families, TINY, "DINSOS", survey_round=ROUND, week_start=WEEK_START,
                            week_end=WEEK_END, protection_unit="UPTD_PPA", areas=areas)
    parts = digest_text(dinsos, CATALOG, "id", "Dinas Sosial")
    assert len(parts) > 5
    assert all(len(part.encode("utf-16-le")) // 2 <= 4096 for part in parts)
    assert all(_balanced(part) for part in parts)
    whole = "\n".join(parts)
    assert all(whole.count(f"<b>{name}</b>") == 1 for name in areas)
    lines = "\n\n".join(digest_text(dinsos, CATALOG, "id", "Dinas Sosial", limit=10**6)).split("\n")
    assert [line for line in whole.split("\n") if line] == [line for line in lines if line]
    # A part ends where a kelurahan's block ends: never in the middle of its lines.
    assert all(part.rstrip().endswith("keluarga") for part in parts[1:-1])
    # The blocks: one per kelurahan after the city's, each well-formed and under the limit by itself.
    blocks = digest_blocks(dinsos, CATALOG, "id", "Dinas Sosial")
    assert all(_well_formed(block) and len(block.encode("utf-16-le")) // 2 <= 4096 for block in blocks)
    shown = [b.split("</b>")[0].removeprefix("<b>") for b in blocks if b.startswith("<b>Kelurahan Nomor")]
    assert shown == areas


# --- chart and workbook -------------------------------------------------------------------------


def test_chart_is_a_png_by_indicator_or_overall() -> None:
    dinsos = figures_of()["DINSOS"]
    by_indicator = Image.open(io.BytesIO(digest_chart(dinsos, CATALOG, "id", "Dinas Sosial")))
    overall = Image.open(io.BytesIO(digest_chart(dinsos, CATALOG, "en", "Dinas Sosial", by_indicator=False)))
    assert by_indicator.format == overall.format == "PNG"
    assert by_indicator.height > overall.height  # three bars per kelurahan against one
    assert 600 <= overall.width <= 1600


def _sheet_rows(book: openpyxl.Workbook, index: int) -> list[tuple[object, ...]]:
    """The rows of a worksheet as values."""
    return [tuple(row) for row in book.worksheets[index].iter_rows(values_only=True)]


def test_workbook_lists_the_right_families_as_text() -> None:
    dinsos = figures_of()["DINSOS"]
    content = digest_workbook(dinsos, CATALOG, "id", "Dinas Sosial")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Keluarga", "Per kelurahan dan indikator", "Per kelurahan", "Keterangan"]
    rows = _sheet_rows(book, 0)
    assert rows[0] == ("Kode KK", "Nama kepala keluarga", "Alamat", "RT/RW", "Kelurahan",
                       "Indikator tidak terpenuhi", "Jumlah indikator tidak terpenuhi")
    assert rows[1:] == [
        ("KK-105", "Rahmat", "Jl. Mawar 105", "001/003", "Mentaos", "X.3 Sekolah", 1),
        ("KK-101", "=SUM(A1)", "Jl. Mawar 101", "001/003", "Komet", "X.1 Pangan", 1),
        ("KK-103", "+62 Budi", "Jl. Mawar 103", "001/003", "Komet", "X.1 Pangan; X.3 Sekolah", 2),
    ]
    for row in book.worksheets[0].iter_rows(min_row=2):
        assert all(cell.data_type == "s" for cell in row[:6])  # text, never a formula
    assert "Kekerasan" not in str(rows) and "Siti" not in str(rows)
    shares = _sheet_rows(book, 1)
    assert len(shares) == 1 + 3 * 3  # the city and two kelurahan × three indicators
    assert shares[1][:6] == ("Seluruh kota", "X.1", "Pangan", "Tidak", 2, 5)
    assert shares[1][6] == pytest.approx(0.4) and shares[1][7] is None
    komet_x2 = next(r for r in shares if r[0] == "Komet" and r[1] == "X.2")
    assert komet_x2[3:7] == ("Ya", 2, 3, pytest.approx(2 / 3))
    summary = _sheet_rows(book, 2)
    assert summary[1][:5] == ("Seluruh kota", 7, 2, 7, 4) and summary[1][7] == 1
    assert CATALOG.text("id", "agency_digest_note_sensitive_counted") in str(_sheet_rows(book, 3))


def test_workbook_of_the_protection_unit_names_sensitive_indicators() -> None:
    ppa = figures_of()["UPTD_PPA"]
    book = openpyxl.load_workbook(io.BytesIO(digest_workbook(ppa, CATALOG, "en", "UPTD PPA")))
    rows = _sheet_rows(book, 0)
    assert [r[0] for r in rows[1:]] == ["KK-103", "KK-102"]
    assert {r[5] for r in rows[1:]} == {"X.2 Violence against children"}
    assert CATALOG.text("en", "agency_digest_note_sensitive_listed") in str(_sheet_rows(book, 3))


# --- admin figures ------------------------------------------------------------------------------


def test_admin_figures_mean_of_complete_families_and_category_counts() -> None:
    _, families = tiny_frames()
    families = families.assign(index=[80.0, 40.0, 30.0, np.nan, 90.0, 70.0, 55.0],
                               category=["tangguh", "rentan", "rentan", None, "tangguh", "tangguh",
                                         "tangguh"],
                               complete=[True, True, False, False, True, True, True])
    figures = admin_figures(families, TINY, survey_round=ROUND, areas=["Mentaos", "Komet"])
    # Complete: Komet 101 (80), 102 (40) → mean 60, class tinggi; Mentaos 90, 70, 55 → mean 71.67.
    mentaos, komet = figures.areas
    assert (komet.submitted, komet.complete, komet.incomplete) == (4, 2, 2)
    assert komet.categories == (1, 1) and komet.mean_index == pytest.approx(60.0)
    assert mentaos.categories == (0, 3) and mentaos.mean_index == pytest.approx(215 / 3)
    assert figures.city.mean_index == pytest.approx(335 / 5) and figures.city.categories == (1, 4)
    assert figures.city.area_class == "tinggi"
    later = admin_figures(families.assign(index=families["index"] + 1), TINY, survey_round=ROUND,
                          previous=AdminFigures.from_data(json.loads(json.dumps(figures.to_data()))))
    assert later.city.mean_change == pytest.approx(1.0)
    text = admin_text(later, CATALOG, "id")
    assert "<b>Seluruh kota</b>: indeks rata-rata <b>68,0</b> (Tinggi)" in text
    assert "Rentan 1 · Tangguh 4 · tidak lengkap 2" in text and "+1,0 poin" in text
    blocks = admin_blocks(later, CATALOG, "id")
    assert BLOCK_SEPARATOR.join(blocks) == text and all(_well_formed(block) for block in blocks)
    lines = blocks[0].split("\n")
    assert lines[0] == CATALOG.text("id", "admin_digest_title", round=ROUND)
    assert lines[1].startswith("<b>Seluruh kota</b>") and "<b>Mentaos</b>" in blocks[0]


# --- storage ------------------------------------------------------------------------------------


def _real_instrument() -> Instrument:
    """The shipped instrument, validated against the shipped config's agencies."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    path = ROOT / "instruments" / "ketahanan-keluarga-24.yaml"
    agencies = [a["code"] for a in config["agencies"]]
    return parse_instrument(path.read_text(encoding="utf-8"), path.name, agencies)


REAL = _real_instrument()
ENGINE = InterviewEngine(REAL)
REF = InstrumentRef(REAL.id, REAL.version, REAL.content_hash)
REAL_CODES = [ind.code for _, _, ind in REAL.indicators()]


def _answer(question: Question, answers: Mapping[str, Answer], rng: random.Random, refuse: bool) -> Answer:
    """A valid random answer, or a refusal where allowed and asked for."""
    if refuse and question.allow_refuse:
        return Answer.refusal(question.id)
    while True:
        if question.is_choice:
            raw: str | tuple[str, ...] = rng.choice([o.value for o in question.options])
            raw = (raw,) if question.type == "multiple" else raw
        elif question.type == "money":
            raw = str(rng.choice([600_000, 2_500_000, 4_750_000]))
        else:
            raw = str(rng.randint(question.min or 0, min(question.max or 5, 5)))
        answer = ENGINE.validate(question, raw, answers)
        if not isinstance(answer, Problem):
            return answer


async def _survey(repo: Repository, household_id: int, kader_id: int, rng: random.Random, *,
                  survey_round: str = ROUND, submit: bool = True, refuse: bool = False) -> dict[str, str]:
    """Walk an interview through the engine and storage, submit it with the score the handler stores."""
    first = ENGINE.first_question.id
    interview = await repo.interviews.start(household_id, kader_id, REF, survey_round, first)
    answers: dict[str, Answer] = {}
    current = interview.current_question
    while current is not None:
        answer = _answer(ENGINE.questions[current], answers, rng, refuse)
        answers, dropped = ENGINE.apply(answers, answer)
        following = ENGINE.next_question(answers, after=current)
        assert await repo.interviews.record_answer(interview.id, answer, expected_current=current,
                                                   next_question=following.id if following else None,
                                                   drop=dropped)
        current = following.id if following else None
        if not submit:
            return {}
    score = ENGINE.score(answers)
    detail = stored_detail(score, ENGINE.flags(answers))
    record = ScoreRecord(instrument_version=REAL.version, rubric_version=score.rubric_version,
                         index_value=score.index, category=score.category, complete=score.complete,
                         detail=detail)
    assert await repo.interviews.submit(interview.id, expected_current=None, score=record)
    return detail["indicators"]


async def test_digests_read_equals_what_was_submitted(db: Database, clock: FakeClock) -> None:
    repo = Repository(db)
    rng = random.Random(49)
    siti = await repo.people.add("Siti", "kader", kelurahan="Guntung Manggis")
    rahmat = await repo.people.add("Rahmat", "kader", kelurahan="Komet")
    expected: dict[int, tuple[str, str, dict[str, str]]] = {}
    for n in range(8):
        kader, kelurahan = (siti, "Guntung Manggis") if n % 2 else (rahmat, "Komet")
        household = await repo.households.add(f"KK-{n:03d}", f"=Kepala {n}", f"Jl. {n}", f"00{n % 3}", "002",
                                              kelurahan, kader_id=kader.id)
        clock.advance(hours=20)
        scores = await _survey(repo, household.id, kader.id, rng, refuse=n == 3)
        expected[household.id] = (household.code, kelurahan, scores)
    draft = await repo.households.add("KK-D", "Draft", "Jl. D", "001", "001", "Komet", kader_id=rahmat.id)
    await _survey(repo, draft.id, rahmat.id, rng, submit=False)
    old = await repo.households.add("KK-O", "Old", "Jl. O", "001", "001", "Komet", kader_id=rahmat.id)
    await _survey(repo, old.id, rahmat.id, rng, survey_round="2025")

    source = await Digests(db).source(ROUND, REAL_CODES)
    interviews = {row["household_id"]: dict(row) for row in await db.conn.execute_fetchall(
        "SELECT * FROM interviews WHERE survey_round = ? AND status = 'submitted'", (ROUND,))}
    assert sorted(source.families["household_id"]) == sorted(expected)
    assert list(source.matrix.columns) == REAL_CODES and source.matrix.dtypes.eq(np.int8).all()
    codes = {"1": 1, "0": 0, "na": -1, "missing": -2}
    for interview_id, family in source.families.iterrows():
        code, kelurahan, scores = expected[family["household_id"]]
        stored = interviews[family["household_id"]]
        assert interview_id == stored["id"]
        assert (family["household_code"], family["kelurahan"]) == (code, kelurahan)
        assert family["head_name"].startswith("=Kepala") and family["rw"] == "002"
        assert family["submitted_at"] == datetime.fromisoformat(stored["submitted_at"])
        assert list(source.matrix.loc[interview_id]) == [codes[scores[c]] for c in REAL_CODES]
    refused = source.families.index[source.families["household_code"] == "KK-003"][0]
    assert (source.matrix.loc[refused] == MISSING).any()  # sensitive questions refused

    # The digest over the database agrees with area_summary's failing shares for every agency.
    scores = source.families[["index", "category", "complete"]]
    summary = area_summary(source.matrix, scores, source.families["kelurahan"], REAL.structure, REAL.rubric)
    week_start = datetime(2026, 12, 1, tzinfo=UTC)
    figures = digest_figures(source.matrix, source.families, REAL, ["DINSOS", "UPTD_PPA", "DISDUKCAPIL"],
                             survey_round=ROUND, week_start=week_start,
                             week_end=week_start + timedelta(days=7), protection_unit="UPTD_PPA")
    for agency in figures.values():
        for area in agency.areas:
            for k, info in enumerate(agency.indicators):
                expected_share = summary.failing_share.loc[area.name, info.code]
                share = area.share(k)
                assert (share is None and np.isnan(expected_share)) or share == pytest.approx(expected_share)
    assert figures["DINSOS"].city.surveyed_week == int(
        (source.families["submitted_at"] >= pd.Timestamp(week_start)).sum())
    admin = admin_figures(source.families, REAL, survey_round=ROUND)
    assert admin.city.submitted == 8 and admin.city.complete == int(source.families["complete"].sum())


async def test_digest_runs_keep_the_last_figures_per_agency_and_period(db: Database,
                                                                      clock: FakeClock) -> None:
    runs = Digests(db)
    first = figures_of()["DINSOS"].to_data()
    assert await runs.save("DINSOS", "2026-W48", {"n": 1})
    assert await runs.save("DINSOS", "2026-W49", first)
    assert await runs.save("DINSOS", "2026-W49", {"n": 2})  # replaced
    assert not await runs.save("DINSOS", "2026-W49", {"n": 3}, replace=False)
    assert await runs.save("DISDIK", "2026-W47", {"n": 4})
    assert (await runs.get("DINSOS", "2026-W49")).figures == {"n": 2}  # type: ignore[union-attr]
    assert await runs.get("DINSOS", "2026-W50") is None
    previous = await runs.previous("DINSOS", "2026-W50")
    assert previous is not None and previous.period == "2026-W49" and previous.created_at == clock.now
    assert (await runs.previous("DINSOS", "2026-W49")).figures == {"n": 1}  # type: ignore[union-attr]
    assert await runs.previous("DINSOS", "2026-W48") is None
    everyone = await runs.previous_all("2026-W49")
    assert {a: r.period for a, r in everyone.items()} == {"DINSOS": "2026-W48", "DISDIK": "2026-W47"}
    assert (await runs.latest("DINSOS")).period == "2026-W49"  # type: ignore[union-attr]
    assert await runs.latest("KOSONG") is None
    await runs.save("DINSOS", "2026-W50", first)
    stored = await runs.get("DINSOS", "2026-W50")
    assert stored is not None and AgencyFigures.from_data(stored.figures) == figures_of()["DINSOS"]


async def test_an_empty_round_reads_as_empty_frames(db: Database) -> None:
    source = await Digests(db).source(ROUND, REAL_CODES)
    assert source.matrix.shape == (0, len(REAL_CODES)) and source.families.empty
    figures = digest_figures(source.matrix, source.families, REAL, ["DINSOS"], survey_round=ROUND,
                             week_start=WEEK_START, week_end=WEEK_END, protection_unit=None)
    assert figures["DINSOS"].city.surveyed_total == 0


def test_decoding_unusual_stored_scores_falls_back_row_by_row() -> None:
    usual = ['["1","0","na","missing"]', '[null,"1","1","0"]']
    assert decode_scores(usual, 4).tolist() == [[1, 0, -1, -2], [-2, 1, 1, 0]]
    unusual = [*usual, '[1,0,"x",null]', '[]', '["é","1","1","1"]']
    assert decode_scores(unusual, 4).tolist() == [[1, 0, -1, -2], [-2, 1, 1, 0], [1, 0, -2, -2],
                                                  [-2, -2, -2, -2], [-2, 1, 1, 1]]
    assert decode_scores([], 4).shape == (0, 4) and decode_scores(["[]"], 0).shape == (1, 0)
