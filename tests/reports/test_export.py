"""The data export (issue 4, item 5): storage reads, the workbook and the CSV, checked cell by cell.

A temporary database is seeded through the repository (interviews walked with the real engine and
submitted with the score the survey handler stores), exported, opened again with pandas and
openpyxl, and every cell compared with what the database holds.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest_asyncio
import yaml

from flows.answers import Answer
from flows.i18n import format_number, format_rupiah
from flows.instrument import Instrument, Question, parse_instrument
from flows.interview import InterviewEngine, Problem
from flows.scoring import stored_detail
from reports.export import REFUSED, build_csv, build_workbook, csv_text, export_texts, write_workbook
from storage.records import ExportData, Household, InstrumentRef, Interview, Person, ScoreRecord
from storage.repository import Repository
from storage.sqlite.database import Database
from tests.storage.factories import FakeClock

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "instruments" / "ketahanan-keluarga-24.yaml"
ROUND = "2026"
TZ = ZoneInfo("Asia/Makassar")
FORMULA_HEAD = '=HYPERLINK("http://x")'
PLUS_ADDRESS = "+62 811"
SHEETS = ["Rumah tangga", "Jawaban", "Skor", "Ringkasan kelurahan", "Instrumen", "Rubrik"]
T = export_texts("id")


def _load_instrument(path: Path) -> Instrument:
    """The instrument file validated against the shipped config's agencies."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    codes = [agency["code"] for agency in config["agencies"]]
    return parse_instrument(path.read_text(encoding="utf-8"), path.name, codes)


INSTRUMENT = _load_instrument(SHIPPED)
ENGINE = InterviewEngine(INSTRUMENT)
INSTRUMENTS = {INSTRUMENT.content_hash: INSTRUMENT}
REF = InstrumentRef(INSTRUMENT.id, INSTRUMENT.version, INSTRUMENT.content_hash)


# --- seeding through the repository -------------------------------------------------------------


def _choose(question: Question, answers: Mapping[str, Answer], rng: random.Random,
            refuse: set[str]) -> Answer:
    """A valid answer to ``question``: refused if asked to, else a random option or number."""
    if question.id in refuse:
        refusal = ENGINE.refuse(question)
        assert isinstance(refusal, Answer)
        return refusal
    while True:
        if question.is_choice:
            options = [o.value for o in question.options]
            raw: str | tuple[str, ...] = rng.choice(options)
            if question.type == "multiple":
                raw = (raw,)
        elif question.type == "money":
            raw = str(rng.choice([900_000, 2_500_000, 4_750_000]))
        else:
            raw = str(rng.randint(question.min or 0, min(question.max or 6, 6)))
        answer = ENGINE.validate(question, raw, answers)
        if not isinstance(answer, Problem):
            return answer


async def _walk(repo: Repository, interview: Interview, rng: random.Random, *, refuse: set[str] = frozenset(),
                stop_after: int | None = None) -> dict[str, Answer]:
    """Answer question after question through ``record_answer``, as the chat does."""
    answers: dict[str, Answer] = {}
    current: str | None = interview.current_question
    given = 0
    while current is not None and (stop_after is None or given < stop_after):
        question = ENGINE.questions[current]
        answer = _choose(question, answers, rng, refuse)
        answers, dropped = ENGINE.apply(answers, answer)
        following = ENGINE.next_question(answers, after=current)
        next_id = following.id if following else None
        assert await repo.interviews.record_answer(interview.id, answer, expected_current=current,
                                                   next_question=next_id, drop=dropped)
        current, given = next_id, given + 1
    return answers


async def _submit(repo: Repository, interview: Interview, answers: Mapping[str, Answer]) -> None:
    """Submit with the ScoreRecord handlers/survey.py ``_submit`` builds."""
    score = ENGINE.score(answers)
    detail = stored_detail(score, ENGINE.flags(answers))
    record = ScoreRecord(instrument_version=INSTRUMENT.version, rubric_version=score.rubric_version,
                         index_value=score.index, category=score.category, complete=score.complete,
                         detail=detail)
    assert await repo.interviews.submit(interview.id, expected_current=None, score=record)


async def _interview(repo: Repository, household: Household, kader: Person,
                     survey_round: str = ROUND) -> Interview:
    """Start the household's interview as the chat does after consent."""
    return await repo.interviews.start(household.id, kader.id, REF, survey_round, ENGINE.first_question.id)


async def _seed(repo: Repository, clock: FakeClock) -> None:
    """Two kelurahan, five households: three submitted (one with a refusal), a draft, one not started,
    and an interview of another round that the export leaves out."""
    rng = random.Random(20261127)
    siti = await repo.people.add("Siti Aminah", "kader", kelurahan="Guntung Manggis")
    rahmat = await repo.people.add("Rahmat", "kader", kelurahan="Komet")
    tricky = await repo.households.add("KK-001", FORMULA_HEAD, PLUS_ADDRESS, "001", "002",
                                       "Guntung Manggis", kader_id=siti.id)
    plain = await repo.households.add("KK-002", "Budi Santoso", "Jl. Mawar 1", "003", "004",
                                      "Guntung Manggis", kader_id=siti.id)
    komet = await repo.households.add("KK-003", "-Ani", "@Gg. Melati", "005", "001", "Komet",
                                      kader_id=rahmat.id)
    draft = await repo.households.add("KK-004", "Dewi", "Jl. Kenanga 9", "002", "002", "Komet",
                                      kader_id=rahmat.id)
    await repo.households.add("KK-005", "Yusuf", "Jl. Anggrek 3", "001", "001", "Komet")
    for household, kader, refuse in ((tricky, siti, {"income_month", "law_trouble"}),
                                     (plain, siti, set()), (komet, rahmat, set())):
        clock.advance(minutes=7)
        interview = await _interview(repo, household, kader)
        await repo.interviews.record_consent(interview.id)
        answers = await _walk(repo, interview, rng, refuse=refuse)
        clock.advance(seconds=41)
        await _submit(repo, interview, answers)
    started = await _interview(repo, draft, rahmat)
    await _walk(repo, started, rng, stop_after=5)
    old = await _interview(repo, plain, siti, survey_round="2025")
    await _submit(repo, old, await _walk(repo, old, rng))


@pytest_asyncio.fixture
async def seeded(repo: Repository, clock: FakeClock) -> Repository:
    """The repository over a database seeded by ``_seed``."""
    await _seed(repo, clock)
    return repo


@pytest_asyncio.fixture
async def snapshot(seeded: Repository) -> ExportData:
    """The export snapshot of the seeded round."""
    return await seeded.exports.snapshot(ROUND)


# --- what the database holds, read independently of storage/exports.py ---------------------------


async def _rows(db: Database, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of a query as dicts, straight from the shared connection."""
    return [dict(row) for row in await db.conn.execute_fetchall(sql, params)]


def _local(text: str | None) -> datetime | None:
    """A stored timestamp as the export shows it: naive WITA, to the second."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(TZ).replace(tzinfo=None, microsecond=0)


def _blank(value: object) -> bool:
    """An empty cell as pandas reads it."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _expected_answer(question: Question, answer: Answer | None) -> tuple[object, object]:
    """Code and label cells the export must show for one stored answer."""
    if answer is None:
        return None, None
    if answer.refused:
        return REFUSED, "Tidak ingin menjawab"
    value = answer.value
    if isinstance(value, int):
        money = question.type == "money"
        return value, format_rupiah(value, "id") if money else format_number(value, "id")
    values = value if isinstance(value, tuple) else (value,)
    labels = [question.option(v).label["id"] for v in values]  # type: ignore[union-attr]
    return " ".join(values), "; ".join(labels)


def _same(actual: object, expected: object) -> bool:
    """A cell read back equals the expected value (floats to 12 digits)."""
    if _blank(expected):
        return _blank(actual)
    if isinstance(expected, float):
        return isinstance(actual, int | float) and math.isclose(actual, expected, rel_tol=1e-12)
    if isinstance(expected, datetime):
        return pd.Timestamp(actual).to_pydatetime() == expected
    return actual == expected


def _check_row(row: Mapping[str, object], expected: Mapping[str, object], where: str) -> None:
    """Every expected column of a row, with a message naming the cell."""
    for column, value in expected.items():
        assert _same(row[column], value), f"{where}, column {column!r}: {row[column]!r} != {value!r}"


def _by(frame: pd.DataFrame, column: str) -> dict[object, dict[str, object]]:
    """Rows keyed by a column that must be unique."""
    records = frame.to_dict("records")
    keyed = {record[column]: record for record in records}
    assert len(keyed) == len(records), f"{column} repeats"
    return keyed


def _read_workbook(content: bytes) -> dict[str, pd.DataFrame]:
    """Every sheet read back by pandas, values as stored."""
    return pd.read_excel(io.BytesIO(content), sheet_name=None, dtype=object)


# --- storage ------------------------------------------------------------------------------------


async def test_storage_reads_are_set_based_and_typed(seeded: Repository, db: Database) -> None:
    households = await seeded.exports.households()
    assert [h.code for h in households] == ["KK-001", "KK-002", "KK-003", "KK-004", "KK-005"]
    assert households[0].kader_name == "Siti Aminah" and households[4].kader_name is None
    assert households[0].head_name == FORMULA_HEAD and households[0].created_at.tzinfo is not None
    interviews = await seeded.exports.interviews(ROUND)
    assert [i.status for i in interviews] == ["submitted"] * 3 + ["draft"]
    assert len(await seeded.exports.interviews()) == 5
    first, second = interviews[0].id, interviews[1].id
    some = await seeded.exports.answers([first, second])
    assert {a.interview_id for a in some} == {first, second}
    sql = "SELECT count(*) AS n FROM answers WHERE interview_id IN (?, ?)"
    stored = await _rows(db, sql, (first, second))
    assert len(some) == stored[0]["n"]
    refused = [a for a in some if a.refused]
    assert {a.question_id for a in refused} == {"income_month", "law_trouble"}
    assert all(a.value is None for a in refused)
    of_round = await seeded.exports.answers(survey_round=ROUND)
    assert {a.interview_id for a in of_round} == {i.id for i in interviews}
    assert await seeded.exports.answers([]) == []
    scores = await seeded.exports.scores(survey_round=ROUND)
    assert [s.interview_id for s in scores] == [i.id for i in interviews[:3]]
    assert scores[0].detail["indicators"]["3.2.1"] == "missing"
    assert [s.interview_id for s in await seeded.exports.scores([second])] == [second]


async def test_snapshot_reads_committed_data_without_waiting_for_a_writer(seeded: Repository,
                                                                          db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("""INSERT INTO households (code, head_name, address, rt, rw, kelurahan,
                              created_at, updated_at) VALUES ('KK-NEW', 'X', 'Y', '1', '1', 'Komet',
                              '2026-11-27T02:00:00.000000+00:00', '2026-11-27T02:00:00.000000+00:00')""")
        during = await seeded.exports.snapshot(ROUND)
    after = await seeded.exports.snapshot(ROUND)
    assert "KK-NEW" not in {h.code for h in during.households}
    assert "KK-NEW" in {h.code for h in after.households}
    assert during.survey_round == ROUND and len(during.interviews) == 4


# --- the workbook, cell by cell -----------------------------------------------------------------


async def test_workbook_households_cell_by_cell(snapshot: ExportData, db: Database) -> None:
    sheets = _read_workbook(build_workbook(snapshot, INSTRUMENTS))
    assert list(sheets) == SHEETS
    frame = sheets["Rumah tangga"]
    rows = _by(frame, "Kode KK")
    stored = await _rows(db, """SELECT h.*, p.name AS kader_name, i.id AS interview_id, i.status,
                                       i.instrument_version FROM households h
                                LEFT JOIN people p ON p.id = h.kader_id
                                LEFT JOIN interviews i ON i.household_id = h.id AND i.survey_round = ?""",
                         (ROUND,))
    assert len(frame) == len(stored) == 5
    for household in stored:
        _check_row(rows[household["code"]], {
            "Putaran survei": ROUND, "ID rumah tangga": household["id"],
            "Nama kepala keluarga": household["head_name"], "Alamat": household["address"],
            "RT": household["rt"], "RW": household["rw"], "Kelurahan": household["kelurahan"],
            "ID kader": household["kader_id"], "Nama kader": household["kader_name"],
            "Rumah tangga dibuat": _local(household["created_at"]),
            "Rumah tangga diperbarui": _local(household["updated_at"]),
            "ID wawancara": household["interview_id"],
            "Status wawancara": household["status"] or "not_started",
            "Versi instrumen": household["instrument_version"],
        }, f"household {household['code']}")
    assert (frame["Putaran survei"] == ROUND).all()


async def test_workbook_answers_cell_by_cell(snapshot: ExportData, db: Database, seeded: Repository) -> None:
    frame = _read_workbook(build_workbook(snapshot, INSTRUMENTS))["Jawaban"]
    interviews = await _rows(db, """SELECT i.*, h.code, h.kelurahan, p.name AS kader_name FROM interviews i
                                    JOIN households h ON h.id = i.household_id
                                    JOIN people p ON p.id = i.kader_id WHERE survey_round = ?""", (ROUND,))
    question_ids = [q.id for _, q in INSTRUMENT.ask_order]
    answer_columns = [c for qid in question_ids for c in (qid, f"{qid} (label)")]
    assert list(frame.columns[-len(answer_columns):]) == answer_columns
    assert len(frame) == len(interviews) == 4
    rows = _by(frame, "ID wawancara")
    for interview in interviews:
        row = rows[interview["id"]]
        _check_row(row, {
            "Putaran survei": ROUND, "Kode KK": interview["code"], "Kelurahan": interview["kelurahan"],
            "ID kader pewawancara": interview["kader_id"], "Nama kader pewawancara": interview["kader_name"],
            "Status wawancara": interview["status"], "Instrumen": INSTRUMENT.id,
            "Versi instrumen": INSTRUMENT.version, "Hash instrumen": INSTRUMENT.content_hash,
            "Persetujuan keluarga": _local(interview["consent_at"]),
            "Wawancara mulai": _local(interview["started_at"]),
            "Wawancara diperbarui": _local(interview["updated_at"]),
            "Wawancara dikirim": _local(interview["submitted_at"]),
        }, f"interview {interview['id']}")
        answers = await seeded.interviews.answers(interview["id"])
        for _, question in INSTRUMENT.ask_order:
            code, label = _expected_answer(question, answers.get(question.id))
            _check_row(row, {question.id: code, f"{question.id} (label)": label},
                       f"interview {interview['id']}")
    refused = [r for r in rows.values() if r["income_month"] == REFUSED]
    assert len(refused) == 1 and refused[0]["income_month (label)"] == "Tidak ingin menjawab"


async def test_workbook_scores_cell_by_cell(snapshot: ExportData, db: Database, seeded: Repository) -> None:
    frame = _read_workbook(build_workbook(snapshot, INSTRUMENTS))["Skor"]
    submitted = await _rows(db, """SELECT i.id, h.code FROM interviews i
                                   JOIN households h ON h.id = i.household_id
                                   WHERE survey_round = ? AND status = 'submitted'""", (ROUND,))
    assert len(frame) == len(submitted) == 3
    rows = _by(frame, "ID wawancara")
    labels = {c.code: c.label["id"] for c in INSTRUMENT.rubric.categories}
    for interview in submitted:
        score = await seeded.scores.get(interview["id"])
        assert score is not None
        expected: dict[str, object] = {
            "Putaran survei": ROUND, "Kode KK": interview["code"],
            "Versi instrumen": score.instrument_version,
            "Versi rubrik": score.rubric_version, "Indeks": score.index_value,
            "Kategori": labels[score.category] if score.category else None, "Lengkap": score.complete,
            "Indikator berlaku": score.detail["applicable"], "Indikator terjawab": score.detail["answered"],
            "Indikator tidak terpenuhi": "; ".join(score.detail["failing"]) or None,
            "Dinilai": _local(score.scored_at.isoformat()),
        }
        for code, value in score.detail["dimensions"].items():
            expected[f"Dimensi {code} (0–100)"] = None if value is None else 100 * value
        for code, value in score.detail["indicators"].items():
            expected[code] = {"1": 1, "0": 0}.get(value, value)
        _check_row(rows[interview["id"]], expected, f"score of {interview['id']}")
    assert set(frame["Versi instrumen"]) == {INSTRUMENT.version}


async def test_workbook_summary_per_kelurahan(snapshot: ExportData, db: Database) -> None:
    frame = _read_workbook(build_workbook(snapshot, INSTRUMENTS))["Ringkasan kelurahan"]
    rows = _by(frame, "Kelurahan")
    assert list(rows) == ["Guntung Manggis", "Komet", "Semua kelurahan"]
    scored = await _rows(db, """SELECT h.kelurahan, s.* FROM scores s
                                JOIN interviews i ON i.id = s.interview_id
                                JOIN households h ON h.id = i.household_id
                                WHERE i.survey_round = ?""", (ROUND,))
    families = {"Guntung Manggis": 2, "Komet": 3, "Semua kelurahan": 5}
    for name, row in rows.items():
        mine = [s for s in scored if name in (s["kelurahan"], "Semua kelurahan")]
        complete = [s for s in mine if s["complete"]]
        mean = sum(s["index_value"] for s in complete) / len(complete) if complete else None
        expected: dict[str, object] = {
            "Putaran survei": ROUND, "Versi instrumen": INSTRUMENT.version, "Keluarga": families[name],
            "Wawancara terkirim": len(mine), "Lengkap (jumlah)": len(complete),
            "Tidak lengkap": len(mine) - len(complete),
            "Rata-rata indeks": mean,
        }
        for category in INSTRUMENT.rubric.categories:
            expected[category.label["id"]] = sum(s["category"] == category.code for s in complete)
        for _, _, indicator in INSTRUMENT.indicators():
            values = [json.loads(s["detail_json"])["indicators"][indicator.code] for s in mine]
            scored_here = [v for v in values if v in ("0", "1")]
            share = scored_here.count("0") / len(scored_here) if scored_here else None
            expected[f"Tidak terpenuhi {indicator.code}"] = share
        _check_row(row, expected, f"summary {name}")


async def test_workbook_instrument_and_rubric_sheets(snapshot: ExportData) -> None:
    sheets = _read_workbook(build_workbook(snapshot, INSTRUMENTS))
    frame = sheets["Instrumen"]
    assert list(frame["ID pertanyaan"]) == [q.id for _, q in INSTRUMENT.ask_order]
    rows = _by(frame, "ID pertanyaan")
    for indicator, question in INSTRUMENT.ask_order:
        row = rows[question.id]
        _check_row(row, {"Putaran survei": ROUND, "Instrumen": INSTRUMENT.id,
                         "Versi instrumen": INSTRUMENT.version, "Hash instrumen": INSTRUMENT.content_hash,
                         "Versi rubrik": INSTRUMENT.rubric.version, "Kode indikator": indicator.code,
                         "No. indikator": indicator.number, "Nama indikator": indicator.name["id"],
                         "Tipe": question.type, "Label (id)": question.label["id"],
                         "Label (en)": question.label["en"], "Sensitif": indicator.sensitive,
                         "Ditanyakan jika": question.relevant, "Batasan": question.constraint,
                         "Boleh tidak menjawab": question.allow_refuse}, question.id)
        for option in question.options:
            assert f"{option.value}" in row["Pilihan (nilai = skor: label)"]
            if option.score is not None:
                assert f"{option.value} = {option.score}: {option.label['id']}" in row[
                    "Pilihan (nilai = skor: label)"]
        for rule in indicator.rules:
            assert f"{rule.when} → {rule.score}" in row["Aturan skor"]
    rubric = _by(sheets["Rubrik"], "Pengaturan")
    assert rubric["categories.berkembang.min"]["Nilai"] == 50
    assert rubric["params.poverty_line"]["Nilai"] == 700_000
    assert rubric["complete_share"]["Nilai"] == 0.8
    assert {r["Versi instrumen"] for r in rubric.values()} == {INSTRUMENT.version}


async def test_formula_looking_text_stays_text(snapshot: ExportData) -> None:
    book = openpyxl.load_workbook(io.BytesIO(build_workbook(snapshot, INSTRUMENTS)))
    sheet = book["Rumah tangga"]
    headers = [cell.value for cell in sheet[1]]
    head, address = headers.index("Nama kepala keluarga") + 1, headers.index("Alamat") + 1
    cells = {sheet.cell(row, head).value: (sheet.cell(row, head), sheet.cell(row, address))
             for row in range(2, sheet.max_row + 1)}
    for text, address_text in ((FORMULA_HEAD, PLUS_ADDRESS), ("-Ani", "@Gg. Melati")):
        name_cell, address_cell = cells[text]
        assert (name_cell.data_type, name_cell.value) == ("s", text)
        assert (address_cell.data_type, address_cell.value) == ("s", address_text)
    for worksheet in book.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{worksheet.title}!{cell.coordinate} is a formula"
                assert cell.hyperlink is None


async def test_csv_cell_by_cell(snapshot: ExportData, db: Database, seeded: Repository) -> None:
    content = build_csv(snapshot, INSTRUMENTS)
    assert content.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    interviews = await _rows(db, """SELECT i.*, h.code, h.head_name, h.address, h.rt FROM interviews i
                                    JOIN households h ON h.id = i.household_id WHERE survey_round = ?""",
                             (ROUND,))
    assert len(frame) == len(interviews) == 4
    rows = _by(frame, "ID wawancara")
    for interview in interviews:
        row = rows[str(interview["id"])]
        score = await seeded.scores.get(interview["id"])
        answers = await seeded.interviews.answers(interview["id"])
        escaped = {text: f"'{text}" for text in (FORMULA_HEAD, PLUS_ADDRESS, "-Ani", "@Gg. Melati")}
        assert row["Nama kepala keluarga"] == escaped.get(interview["head_name"], interview["head_name"])
        assert row["Alamat"] == escaped.get(interview["address"], interview["address"])
        assert (row["Putaran survei"], row["Versi instrumen"], row["RT"]) == (ROUND, INSTRUMENT.version,
                                                                              interview["rt"])
        index = None if score is None else score.index_value
        assert row["Indeks"] == ("" if index is None else repr(index))
        for _, question in INSTRUMENT.ask_order:
            code, label = _expected_answer(question, answers.get(question.id))
            assert row[question.id] == ("" if code is None else str(code)), question.id
            assert row[f"{question.id} (label)"] == ("" if label is None else label), question.id
        if score is not None:
            for code, value in score.detail["indicators"].items():
                assert row[code] == value
    assert set(frame["Putaran survei"]) == {ROUND}
    assert set(frame["Versi instrumen"]) == {INSTRUMENT.version}


async def test_sensitive_answers_can_be_left_out(snapshot: ExportData) -> None:
    sheets = _read_workbook(build_workbook(snapshot, INSTRUMENTS, include_sensitive=False))
    sensitive = [(ind, q) for ind, q in INSTRUMENT.ask_order if ind.sensitive]
    assert sensitive
    for indicator, question in sensitive:
        assert question.id not in sheets["Jawaban"].columns
        assert indicator.code not in sheets["Skor"].columns
        assert f"Tidak terpenuhi {indicator.code}" in sheets["Ringkasan kelurahan"].columns
    assert all(indicator.code not in str(value) for indicator, _ in sensitive
               for value in sheets["Skor"]["Indikator tidak terpenuhi"])
    csv_frame = pd.read_csv(io.BytesIO(build_csv(snapshot, INSTRUMENTS, include_sensitive=False)), dtype=str)
    assert not {q.id for _, q in sensitive} & set(csv_frame.columns)


async def test_english_headers_and_labels(snapshot: ExportData) -> None:
    sheets = _read_workbook(build_workbook(snapshot, INSTRUMENTS, language="en"))
    assert list(sheets) == ["Households", "Answers", "Scores", "Kelurahan summary", "Instrument", "Rubric"]
    answers = sheets["Answers"]
    refused = answers[answers["income_month"] == REFUSED]
    assert list(refused["income_month (label)"]) == ["Prefer not to answer"]
    labels = {o.label["en"] for _, q in INSTRUMENT.ask_order for o in q.options}
    assert set(answers["marriage_registered (label)"].dropna()) <= labels


async def test_empty_database_gives_headers_only(repo: Repository) -> None:
    data = await repo.exports.snapshot(ROUND)
    sheets = _read_workbook(build_workbook(data, INSTRUMENTS))
    assert list(sheets) == SHEETS
    for name in ("Rumah tangga", "Jawaban", "Skor"):
        assert len(sheets[name]) == 0 and len(sheets[name].columns) > 5, name
    assert "marriage_registered (label)" in sheets["Jawaban"].columns
    assert "1.1.1" in sheets["Skor"].columns
    assert len(sheets["Instrumen"]) == len(INSTRUMENT.ask_order)
    summary = sheets["Ringkasan kelurahan"]
    assert list(summary["Kelurahan"]) == ["Semua kelurahan"] and summary["Keluarga"].iloc[0] == 0
    frame = pd.read_csv(io.BytesIO(build_csv(data, INSTRUMENTS)), dtype=str, encoding="utf-8-sig")
    assert len(frame) == 0 and "Kode KK" in frame.columns and "income_month" in frame.columns


async def test_unknown_instrument_still_exports_codes(snapshot: ExportData) -> None:
    sheets = _read_workbook(build_workbook(snapshot, {}))
    answers = sheets["Jawaban"]
    assert len(answers) == 4 and "marriage_registered" in answers.columns
    assert set(answers["Versi instrumen"]) == {INSTRUMENT.version}


def test_locale_files_have_the_same_keys() -> None:
    assert set(export_texts("id")) == set(export_texts("en"))
    assert export_texts("xx") == export_texts("id")


async def test_exported_at_is_the_database_clock(snapshot: ExportData, clock: FakeClock) -> None:
    assert snapshot.exported_at == clock.now and snapshot.exported_at.tzinfo is UTC


def test_csv_text_escapes_every_formula_start() -> None:
    for text in ("=1+1", "+62", "-5", "@SUM(A1)", "\tx", "\rx"):
        assert csv_text(text) == f"'{text}"
    assert csv_text("Jl. Mawar") == "Jl. Mawar" and csv_text("") == ""
    assert (csv_text(None), csv_text(True), csv_text(-5), csv_text(0.25)) == ("", "TRUE", "-5", "0.25")
    assert csv_text(datetime(2026, 11, 27, 10, 0, 5)) == "2026-11-27 10:00:05"


async def test_workbook_written_to_a_path_equals_the_bytes(snapshot: ExportData, tmp_path: Path) -> None:
    target = tmp_path / "ekspor.xlsx"
    write_workbook(target, snapshot, INSTRUMENTS)
    from_path = _read_workbook(target.read_bytes())
    from_bytes = _read_workbook(build_workbook(snapshot, INSTRUMENTS))
    assert list(from_path) == SHEETS
    for name in SHEETS:
        pd.testing.assert_frame_equal(from_path[name], from_bytes[name])
