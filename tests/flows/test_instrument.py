"""The shipped instrument file, the mini test instrument, and the errors broken files give."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from flows.instrument import (
    CALLBACK_LIMIT,
    Instrument,
    InstrumentError,
    parse_instrument,
)
from tests.structures import real_structure

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "instruments" / "ketahanan-keluarga-24.yaml"
MINI = ROOT / "tests" / "instruments" / "mini.yaml"
MINI_SOURCE = "tests/instruments/mini.yaml"

# Official structure (reference §2, §3): code → Indonesian name.
DIMENSIONS = {
    "1": "Landasan Legalitas dan Keutuhan Keluarga",
    "2": "Ketahanan Fisik",
    "3": "Ketahanan Ekonomi",
    "4": "Ketahanan Sosial Psikologi",
    "5": "Ketahanan Sosial Budaya",
}
VARIABLES = {
    "1.1": "Landasan Legalitas",
    "1.2": "Keutuhan Keluarga",
    "1.3": "Kemitraan Gender",
    "2.1": "Kecukupan Pangan dan Gizi",
    "2.2": "Kesehatan Keluarga",
    "2.3": "Ketersediaan Lokasi Tetap untuk Tidur",
    "3.1": "Tempat Tinggal Keluarga",
    "3.2": "Pendapatan Keluarga",
    "3.3": "Pembiayaan Pendidikan Anak",
    "3.4": "Jaminan Keuangan Keluarga",
    "4.1": "Keharmonisan Keluarga",
    "4.2": "Kepatuhan terhadap Hukum",
    "5.1": "Kepedulian Sosial",
    "5.2": "Keeratan Sosial",
    "5.3": "Ketaatan Beragama",
}
INDICATORS = {
    "1.1.1": "Legalitas perkawinan",
    "1.1.2": "Legalitas kelahiran",
    "1.2.1": "Keberadaan pasangan suami-istri yang tinggal bersama dalam satu rumah",
    "1.3.1": "Kebersamaan dalam keluarga",
    "1.3.2": "Kemitraan suami-istri",
    "1.3.3": "Keterbukaan pengelolaan keuangan",
    "1.3.4": "Pengambilan keputusan keluarga",
    "2.1.1": "Kecukupan pangan",
    "2.1.2": "Kecukupan gizi",
    "2.2.1": "Keterbebasan dari penyakit kronis dan disabilitas",
    "2.3.1": "Ketersediaan lokasi tetap untuk tidur",
    "3.1.1": "Kepemilikan rumah",
    "3.2.1": "Pendapatan perkapita keluarga",
    "3.2.2": "Kecukupan pendapatan keluarga",
    "3.3.1": "Kemampuan pembiayaan pendidikan anak",
    "3.3.2": "Keberlangsungan pendidikan anak",
    "3.4.1": "Tabungan keluarga",
    "3.4.2": "Jaminan kesehatan keluarga",
    "4.1.1": "Sikap antikekerasan terhadap perempuan",
    "4.1.2": "Perilaku antikekerasan terhadap anak",
    "4.2.1": "Penghormatan terhadap hukum",
    "5.1.1": "Penghormatan terhadap lansia",
    "5.2.1": "Partisipasi dalam kegiatan sosial di lingkungan",
    "5.3.1": "Partisipasi dalam kegiatan keagamaan di lingkungan",
}
SENSITIVE = {13, 19, 20, 21}
SEVERAL_QUESTIONS = {2, 13, 21, 22}


def _agency_codes() -> list[str]:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    return [agency["code"] for agency in config["agencies"]]


@pytest.fixture(scope="module")
def agencies() -> list[str]:
    return _agency_codes()


@pytest.fixture(scope="module")
def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shipped(shipped_text: str, agencies: list[str]) -> Instrument:
    return parse_instrument(shipped_text, str(SHIPPED.relative_to(ROOT)), agencies)


@pytest.fixture(scope="module")
def mini_text() -> str:
    return MINI.read_text(encoding="utf-8")


def _texts(instrument: Instrument) -> Iterator[tuple[str, dict[str, str]]]:
    """Every translatable text of an instrument, with where it is."""
    yield "name", instrument.name
    for flag, label in instrument.flags.items():
        yield f"flags.{flag}", label
    for category in (*instrument.rubric.categories, *instrument.rubric.area_classes):
        yield f"rubric.{category.code}", category.label
    for dimension in instrument.dimensions:
        yield f"dimension {dimension.code}", dimension.name
        for variable in dimension.variables:
            yield f"variable {variable.code}", variable.name
            for indicator in variable.indicators:
                yield f"indicator {indicator.code}", indicator.name
                for question in indicator.questions:
                    yield f"{question.id}.label", question.label
                    if question.hint:
                        yield f"{question.id}.hint", question.hint
                    if question.constraint_message:
                        yield f"{question.id}.constraint_message", question.constraint_message
                    for option in question.options:
                        yield f"{question.id}.{option.value}", option.label


# --- the shipped instrument ------------------------------------------------------------------


def test_shipped_identity(shipped: Instrument, shipped_text: str) -> None:
    assert shipped.id == "ketahanan-keluarga-24"
    assert shipped.version == "1.0.0"
    assert shipped.languages == ("id", "en")
    assert shipped.language == "id"
    assert shipped.content_hash == hashlib.sha256(shipped_text.encode("utf-8")).hexdigest()


def test_shipped_structure_counts(shipped: Instrument) -> None:
    assert len(shipped.dimensions) == 5
    assert sum(len(d.variables) for d in shipped.dimensions) == 15
    per_dimension = [sum(len(v.indicators) for v in d.variables) for d in shipped.dimensions]
    assert per_dimension == [7, 4, 7, 3, 3]
    assert len(list(shipped.indicators())) == 24
    assert all(d.weight == pytest.approx(0.2) for d in shipped.dimensions)
    assert all(v.weight == 1 for d in shipped.dimensions for v in d.variables)


def test_shipped_numbers_run_one_to_24(shipped: Instrument) -> None:
    numbers = [indicator.number for _, _, indicator in shipped.indicators()]
    assert numbers == list(range(1, 25))


def test_shipped_official_codes_and_names(shipped: Instrument) -> None:
    assert {d.code: d.name["id"] for d in shipped.dimensions} == DIMENSIONS
    assert list(DIMENSIONS) == [d.code for d in shipped.dimensions]
    variables = {v.code: v.name["id"] for d in shipped.dimensions for v in d.variables}
    assert variables == VARIABLES
    assert list(variables) == list(VARIABLES)
    indicators = {i.code: i.name["id"] for _, _, i in shipped.indicators()}
    assert indicators == INDICATORS
    assert list(indicators) == list(INDICATORS)
    for dimension, variable, indicator in shipped.indicators():
        assert variable.code.startswith(dimension.code + ".")
        assert indicator.code.startswith(variable.code + ".")


def test_shipped_every_text_in_both_languages(shipped: Instrument) -> None:
    texts = list(_texts(shipped))
    assert len(texts) > 150
    for where, text in texts:
        assert set(text) == {"id", "en"}, where
        assert all(value.strip() for value in text.values()), where
        # an English text that merely repeats the Indonesian one is likely untranslated
        if len(text["id"]) > 20:
            assert text["en"] != text["id"], where


def test_shipped_multi_question_indicators(shipped: Instrument) -> None:
    by_number = {i.number: i for _, _, i in shipped.indicators()}
    several = {n for n, i in by_number.items() if len(i.questions) > 1}
    assert several == SEVERAL_QUESTIONS
    assert [q.id for q in by_number[2].questions] == ["children_0_17", "children_akta"]
    assert [q.id for q in by_number[13].questions] == ["income_month", "members"]
    assert [q.id for q in by_number[21].questions] == ["law_trouble", "crime_victim"]
    assert [q.id for q in by_number[22].questions] == ["has_elderly", "elderly_cared"]
    for number in SEVERAL_QUESTIONS:
        assert by_number[number].rules, number
        assert by_number[number].otherwise is not None, number
    for number, indicator in by_number.items():
        if number not in SEVERAL_QUESTIONS:
            assert not indicator.rules, number
            (question,) = indicator.questions
            assert question.is_choice, number
            assert all(option.score is not None for option in question.options), number


def test_shipped_question_designs(shipped: Instrument) -> None:
    questions = {q.id: q for _, q in shipped.ask_order}
    assert len(questions) == len(shipped.ask_order) == 28  # ids are unique
    akta = questions["children_akta"]
    assert akta.relevant == "children_0_17 > 0"
    assert akta.constraint == "value <= children_0_17"
    assert akta.constraint_message is not None
    income = questions["income_month"]
    assert (income.type, income.min, income.max, income.allow_refuse) == ("money", 0, 1000000000, True)
    assert income.example == "1.500.000"
    assert (questions["members"].type, questions["members"].min) == ("integer", 1)
    assert questions["chronic_disability"].type == "multiple"
    assert [(o.value, o.score, o.exclusive) for o in questions["chronic_disability"].options] == [
        ("none", 1, True), ("chronic", 0, False), ("disability", 0, False)]
    dont_know = questions["nutrition_problem"].option("dont_know")
    assert dont_know is not None and (dont_know.score, dont_know.flag) == (0, "cek_posyandu")
    assert "cek_posyandu" in shipped.flags
    for qid in ("wife_hitting_view", "child_harsh", "law_trouble", "crime_victim", "income_month"):
        assert questions[qid].allow_refuse, qid
    refusable = {qid for qid, q in questions.items() if q.allow_refuse}
    assert refusable == {"wife_hitting_view", "child_harsh", "law_trouble", "crime_victim",
                         "income_month"}
    for question in questions.values():
        if question.type == "yes_no":
            assert [o.value for o in question.options] == ["yes", "no"]
        if question.type in ("integer", "money"):
            assert question.example and question.min is not None and question.max is not None
        for option in question.options:
            assert len(option.label["id"]) <= 30, (question.id, option.value)


def test_shipped_sensitive_indicators_are_asked_last(shipped: Instrument) -> None:
    sensitive = {i.number for _, _, i in shipped.indicators() if i.sensitive}
    assert sensitive == SENSITIVE
    asked = [indicator.number for indicator, _ in shipped.ask_order]
    first_sensitive = min(k for k, number in enumerate(asked) if number in SENSITIVE)
    assert set(asked[first_sensitive:]) == SENSITIVE
    assert set(asked[:first_sensitive]) == set(range(1, 25)) - SENSITIVE
    assert list(dict.fromkeys(asked[first_sensitive:])) == [13, 19, 20, 21]
    assert [q.id for _, q in shipped.ask_order][-2:] == ["law_trouble", "crime_victim"]


def test_shipped_agencies_exist_and_map_the_reference(shipped: Instrument,
                                                      agencies: list[str]) -> None:
    by_number = {i.number: i for _, _, i in shipped.indicators()}
    for number, indicator in by_number.items():
        assert indicator.lead, number
        assert set(indicator.lead) | set(indicator.support) <= set(agencies), number
        assert not set(indicator.lead) & set(indicator.support), number
    assert by_number[1].lead == ("DISDUKCAPIL", "KEMENAG") and by_number[1].support == ("PA",)
    assert "UPTD_PPA" in by_number[19].lead and "UPTD_PPA" in by_number[20].lead
    assert by_number[21].lead == ("KESBANGPOL",) and "POLRES" in by_number[21].support
    assert by_number[24].support == ("KESRA",)


def test_shipped_callback_payloads_fit(shipped: Instrument) -> None:
    for _, question in shipped.ask_order:
        for option in question.options:
            payload = f"v1:a:9999999999:{question.id}:{option.value}"
            assert len(payload.encode("utf-8")) <= CALLBACK_LIMIT, payload


def test_shipped_rubric(shipped: Instrument) -> None:
    rubric = shipped.rubric
    assert rubric.version == "2026.1"
    assert rubric.na_counts_as_met is False
    assert rubric.complete_share == pytest.approx(0.8)
    assert [(c.code, c.min) for c in rubric.categories] == [
        ("rentan", 0), ("berkembang", 50), ("tangguh", 75)]
    assert [c.label["en"] for c in rubric.categories] == ["Vulnerable", "Developing", "Resilient"]
    assert [(c.code, c.min) for c in rubric.area_classes] == [
        ("sangat_rendah", 0), ("rendah", 61.16), ("cukup", 65.76), ("tinggi", 70.36),
        ("sangat_tinggi", 74.96)]
    assert rubric.params == {"poverty_line": 700000}


def test_shipped_structure_feeds_the_scorer(shipped: Instrument) -> None:
    structure = shipped.structure
    assert [d.code for d in structure] == list(DIMENSIONS)
    assert [i for d in structure for v in d.variables for i in v.indicators] == list(INDICATORS)


# --- the mini instrument ---------------------------------------------------------------------


def test_mini_loads_with_the_same_code(mini_text: str, agencies: list[str]) -> None:
    mini = parse_instrument(mini_text, MINI_SOURCE, agencies)
    assert mini.id == "mini-test"
    assert len(mini.dimensions) == 2
    assert sum(len(d.variables) for d in mini.dimensions) == 3
    assert len(list(mini.indicators())) == 4
    types = {q.type for _, q in mini.ask_order}
    assert types == {"single", "multiple", "integer", "money", "yes_no"}
    assert [q.id for _, q in mini.ask_order] == [
        "water", "electricity", "assets", "people", "workers", "earning"]
    codes = {i.code for _, _, i in mini.indicators()}
    assert not codes & set(INDICATORS)


# --- broken instruments ----------------------------------------------------------------------


def replace(old: str, new: str) -> Callable[[str], str]:
    """An edit that replaces the one occurrence of ``old``."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} must occur once in mini.yaml"
        return text.replace(old, new)

    return edit


def add_line_after(anchor: str, line: str) -> Callable[[str], str]:
    """An edit that inserts ``line`` after the one line containing ``anchor``, same indent."""

    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        (index,) = [k for k, existing in enumerate(lines) if anchor in existing]
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        lines.insert(index + 1, f"{indent}{line}\n")
        return "".join(lines)

    return edit


@dataclass(frozen=True)
class Broken:
    name: str
    edit: Callable[[str], str]
    path: str
    words: str
    line_at: str | None = None
    """A text whose first occurrence in the broken file is on the line the error must name."""
    occurrence: int = 1


WATER = "dimensions[0].variables[0].indicators[0].questions[0]"
POWER = "dimensions[0].variables[0].indicators[1].questions[0]"
EARN = "dimensions[1].variables[0].indicators[0]"
ASSETS = "dimensions[1].variables[1].indicators[0]"

BROKEN = [
    Broken("duplicate_question_id", replace("- id: electricity", "- id: water"),
           f"{POWER}.id", "duplicate question id 'water'", "- id: water", occurrence=2),
    Broken("duplicate_indicator_code", replace("code: A.1.2", "code: A.1.1"),
           "dimensions[0].variables[0].indicators[1].code", "duplicate indicator 'A.1.1'",
           "code: A.1.1", occurrence=2),
    Broken("option_without_score",
           replace('{value: "no", label: {id: Tidak, en: "No"}, score: 0}',
                   '{value: "no", label: {id: Tidak, en: "No"}}'),
           f"{POWER}.options[1].score", "option has no score", '{value: "no"'),
    Broken("unknown_agency", replace("lead: [DISKOP]", "lead: [DISKOPP]"),
           f"{ASSETS}.lead[0]", "unknown agency 'DISKOPP'", "DISKOPP"),
    Broken("missing_english", replace("{id: Ekonomi, en: Economy}", "{id: Ekonomi}"),
           "dimensions[1].name.en", "missing translation (en)", "{id: Ekonomi}"),
    Broken("empty_english",
           replace("{id: Kulkas, en: Fridge}", '{id: Kulkas, en: " "}'),
           f"{ASSETS}.questions[0].options[1].label.en", "missing translation (en)", "Kulkas"),
    Broken("undeclared_language",
           replace("{id: Sumur, en: Well}", "{id: Sumur, en: Well, bjn: Sumur}"),
           f"{WATER}.options[1].label.bjn", "language 'bjn' is not declared", "bjn: Sumur"),
    Broken("callback_payload_too_long",
           lambda text: replace("{value: tap,", "{value: tap_water_from_pdam_pipe,")(
               replace("- id: water\n", "- id: water_source_of_drinking\n")(text)),
           f"{WATER}.options[0].value", "would exceed 64 bytes", "tap_water_from_pdam_pipe"),
    Broken("bad_yaml_syntax", replace("{id: Ekonomi, en: Economy}", "{id: Ekonomi, en: Economy}}"),
           "(top)", "not valid YAML", "Economy}}"),
    Broken("not_a_mapping", lambda text: "- just\n- a list\n",
           "(top)", "the file must hold a mapping"),
    Broken("unknown_field", add_line_after("type: yes_no", "colour: red"),
           f"{POWER}.colour", "Extra inputs are not permitted", "colour: red"),
    Broken("unknown_question_type", replace("type: money", "type: dropdown"),
           f"{EARN}.questions[2].type", "Input should be 'single'", "type: dropdown"),
    Broken("bad_score_value", replace("{value: well, label: {id: Sumur, en: Well}, score: 1}",
                                      "{value: well, label: {id: Sumur, en: Well}, score: 2}"),
           f"{WATER}.options[1].score", "Input should be 1, 0, 'na' or 'missing'", "value: well"),
    Broken("relevance_refers_to_later_question",
           add_line_after('example: "4"', 'relevant: "earning > 0"'),
           f"{EARN}.questions[0].relevant", "'earning' is not a question asked earlier",
           'relevant: "earning > 0"'),
    Broken("relevance_refers_to_unknown_name",
           replace('relevant: "workers > 0"', 'relevant: "wrokers > 0"'),
           f"{EARN}.questions[2].relevant", "'wrokers' is not a question asked earlier", "wrokers"),
    Broken("expression_calls_a_function",
           replace('relevant: "workers > 0"', "relevant: \"__import__('os').system('id') == 0\""),
           f"{EARN}.questions[2].relevant", "Call is not allowed in an expression", "__import__"),
    Broken("expression_reads_an_attribute",
           replace('constraint: "value <= people"', 'constraint: "value <= people.real"'),
           f"{EARN}.questions[1].constraint", "Attribute is not allowed in an expression",
           "people.real"),
    Broken("expression_not_parseable",
           replace('{when: "workers == 0", score: 0}', '{when: "workers ==", score: 0}'),
           f"{EARN}.rules[0].when", "not a valid expression", 'when: "workers =="'),
    Broken("rule_reads_unknown_parameter",
           replace("earning / people >= min_income", "earning / people >= max_income"),
           f"{EARN}.rules[1].when", "'max_income' is not a question asked earlier", "max_income"),
    Broken("constraint_without_message",
           replace("                constraint_message: {id: Tidak boleh lebih dari jumlah orang., "
                   "en: Cannot exceed the number of people.}\n", ""),
           f"{EARN}.questions[1].constraint_message", "a constraint needs a constraint_message",
           "- id: workers"),
    Broken("min_greater_than_max", replace("min: 1\n", "min: 40\n"),
           f"{EARN}.questions[0].min", "min is larger than max", "min: 40"),
    Broken("number_question_without_example", replace('                example: "1"\n', ""),
           f"{EARN}.questions[1].example", "a number question needs an example", "- id: workers"),
    Broken("yes_no_with_other_options", replace('value: "no"', "value: maybe"),
           f"{POWER}.options", "a yes_no question has exactly the options yes and no",
           '{value: "yes"'),
    # YAML 1.1 reads a bare yes/no as a boolean: option values yes and no must be quoted.
    Broken("duplicate_option_value", replace("{value: well,", "{value: tap,"),
           f"{WATER}.options[1].value", "duplicate value 'tap'", "Sumur"),
    Broken("unknown_flag", replace("flag: check_water}", "flag: check_wter}"),
           f"{WATER}.options[2].flag", "unknown flag 'check_wter'", "check_wter"),
    Broken("exclusive_outside_multiple",
           replace("score: 0, flag: check_water}", "score: 0, flag: check_water, exclusive: true}"),
           f"{WATER}.options[2].exclusive", "only options of a multiple question are exclusive",
           "exclusive: true}\n                  - {value: unsure"),
    Broken("several_questions_without_rules",
           replace('            rules:\n              - {when: "workers == 0", score: 0}\n'
                   '              - {when: "earning / people >= min_income", score: 1}\n'
                   "            otherwise: 0\n", ""),
           f"{EARN}.rules", "needs scoring rules", "number: 3"),
    Broken("missing_top_level_field", replace('version: "0.1"\n', ""),
           "version", "Field required", "id: mini-test"),
    Broken("first_category_not_zero", replace("{code: low, min: 0, label: {id: Rendah, en: Low}}\n"
                                              "    - {code: high, min: 60",
                                              "{code: low, min: 10, label: {id: Rendah, en: Low}}\n"
                                              "    - {code: high, min: 60"),
           "rubric.categories", "the first class must start at 0", "{code: low, min: 10"),
]


def _line_of(text: str, needle: str, occurrence: int) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return text.count("\n", 0, start) + 1


def test_enough_broken_variants() -> None:
    assert len(BROKEN) >= 12
    assert len({case.name for case in BROKEN}) == len(BROKEN)
    assert sum(case.line_at is not None for case in BROKEN) >= 2


def test_payload_variant_uses_the_longest_names() -> None:
    assert len("water_source_of_drinking") == 24 == len("tap_water_from_pdam_pipe")


@pytest.mark.parametrize("case", BROKEN, ids=lambda case: case.name)
def test_broken_instrument(case: Broken, mini_text: str, agencies: list[str]) -> None:
    text = case.edit(mini_text)
    assert text != mini_text
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, MINI_SOURCE, agencies)
    error = caught.value
    message = str(error)
    assert error.source == MINI_SOURCE
    assert message.startswith(MINI_SOURCE)
    assert f": {case.path}: " in message, message
    assert case.words in message, message
    assert message == error.lines()[0]
    if case.line_at is not None:
        line = _line_of(text, case.line_at, case.occurrence)
        assert message.startswith(f"{MINI_SOURCE}:{line}: "), (line, message)
    else:
        assert message.startswith(f"{MINI_SOURCE}: "), message


def test_every_issue_is_reported_not_just_the_first(mini_text: str, agencies: list[str]) -> None:
    text = replace("lead: [DISKOP]", "lead: [NOPE]")(
        replace("{id: Ekonomi, en: Economy}", "{id: Ekonomi}")(mini_text))
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, MINI_SOURCE, agencies)
    lines = caught.value.lines()
    assert len(lines) == 2
    assert "dimensions[1].name.en" in lines[0]
    assert f"{ASSETS}.lead[0]" in lines[1] and "'NOPE'" in lines[1]


def test_unknown_agency_when_the_config_lists_none(mini_text: str) -> None:
    with pytest.raises(InstrumentError, match="none configured"):
        parse_instrument(mini_text, MINI_SOURCE, [])


def test_unquoted_yes_and_no_stay_strings(mini_text: str, agencies: list[str]) -> None:
    """YAML 1.1 would read an unquoted yes as a boolean; instrument files use 1.2 booleans."""
    text = mini_text.replace('{value: "yes", label: {id: Ya, en: "Yes"}, score: 1}',
                             '{value: yes, label: {id: Ya, en: "Yes"}, score: 1}')
    assert text != mini_text
    instrument = parse_instrument(text, MINI_SOURCE, agencies)
    values = [o.value for _, q in instrument.ask_order for o in q.options]
    assert "yes" in values


def test_shipped_structure_matches_the_hand_written_official_shape(shipped: Instrument) -> None:
    """The scoring tests use a hand-written 5/15/24 shape; the shipped file must have it too."""
    assert shipped.structure == real_structure()
