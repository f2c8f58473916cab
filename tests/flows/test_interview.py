"""The interview engine over the shipped instrument and the mini test instrument (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml

from flows.answers import Answer
from flows.instrument import Instrument, Question, parse_instrument
from flows.interview import InterviewEngine, Problem
from flows.scoring import IndicatorScore

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "instruments" / "ketahanan-keluarga-24.yaml"
MINI = ROOT / "tests" / "instruments" / "mini.yaml"

MET, NOT_MET = IndicatorScore.MET, IndicatorScore.NOT_MET
NA, MISSING = IndicatorScore.NOT_APPLICABLE, IndicatorScore.MISSING
SENSITIVE_QUESTIONS = ["income_month", "members", "wife_hitting_view", "child_harsh",
                       "law_trouble", "crime_victim"]

Raw = str | tuple[str, ...] | None
"""What the kader gives: typed text, a tapped option, tapped options, or None for a refusal."""


def _load(path: Path) -> Instrument:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    codes = [agency["code"] for agency in config["agencies"]]
    return parse_instrument(path.read_text(encoding="utf-8"), path.name, codes)


@pytest.fixture(scope="module")
def engine() -> InterviewEngine:
    return InterviewEngine(_load(SHIPPED))


@pytest.fixture(scope="module")
def mini() -> InterviewEngine:
    return InterviewEngine(_load(MINI))


def record(engine: InterviewEngine, answers: Mapping[str, Answer], qid: str,
           raw: Raw) -> dict[str, Answer]:
    """Validate ``raw`` for question ``qid`` (None = refuse) and apply it; fail on a Problem."""
    question = engine.questions[qid]
    result = engine.refuse(question) if raw is None else engine.validate(question, raw, answers)
    assert isinstance(result, Answer), (qid, raw, result)
    updated, _ = engine.apply(answers, result)
    return updated


def given(engine: InterviewEngine, **raw: Raw) -> dict[str, Answer]:
    """Answers built question by question, in the order given."""
    answers: dict[str, Answer] = {}
    for qid, value in raw.items():
        answers = record(engine, answers, qid, value)
    return answers


def walk(engine: InterviewEngine,
         choose: Callable[[Question], Raw]) -> tuple[dict[str, Answer], list[str]]:
    """Answer every question the engine asks, as the chat would; return answers and asked ids."""
    answers: dict[str, Answer] = {}
    asked: list[str] = []
    question = engine.first_question
    while question is not None:
        assert question.id not in asked, f"{question.id} asked twice"
        assert engine.is_relevant(question, answers)
        assert not engine.can_submit(answers)
        answers = record(engine, answers, question.id, choose(question))
        asked.append(question.id)
        question = engine.next_question(answers, after=question.id)
    return answers, asked


def by_score(score: object) -> Callable[[Question], str | tuple[str, ...]]:
    """Choose the first option with ``score`` (for a multiple question: that option alone)."""

    def choose(question: Question) -> str | tuple[str, ...]:
        value = next(o.value for o in question.options if o.score == score)
        return (value,) if question.type == "multiple" else value

    return choose


BEST = {"children_0_17": "2", "children_akta": "2", "income_month": "7.000.000", "members": "4",
        "law_trouble": "no", "crime_victim": "no", "has_elderly": "yes", "elderly_cared": "cared"}
WORST = {"children_0_17": "3", "children_akta": "1", "income_month": "1.000.000", "members": "5",
         "law_trouble": "yes", "crime_victim": "yes", "has_elderly": "yes",
         "elderly_cared": "less_cared"}


def best(question: Question) -> Raw:
    return BEST.get(question.id) or by_score(1)(question)


def worst(question: Question) -> Raw:
    return WORST.get(question.id) or by_score(0)(question)


def small_family(question: Question) -> Raw:
    """No children, no elderly; otherwise the best answers."""
    special = {"children_0_17": "0", "has_elderly": "no"}
    return special.get(question.id) or best(question)


# --- walking ---------------------------------------------------------------------------------


def test_first_question_and_progress(engine: InterviewEngine) -> None:
    first = engine.first_question
    assert first.id == "marriage_registered"
    assert engine.next_question({}) == first
    progress = engine.progress(first)
    assert (progress.position, progress.total) == (1, 24)
    assert progress.dimension.code == "1"
    assert progress.indicator.number == 1


def test_progress_counts_indicators_in_ask_order(engine: InterviewEngine) -> None:
    akta = engine.progress(engine.questions["children_akta"])
    assert (akta.position, akta.indicator.code) == (2, "1.1.2")
    last_plain = engine.progress(engine.questions["religious_activity"])
    assert (last_plain.position, last_plain.dimension.code) == (20, "5")
    income = engine.progress(engine.questions["income_month"])
    assert (income.position, income.total, income.dimension.code) == (21, 24, "3")
    law = engine.progress(engine.questions["crime_victim"])
    assert (law.position, law.dimension.code) == (24, "4")


def test_walk_reaches_review_after_exactly_the_relevant_questions(engine: InterviewEngine) -> None:
    answers, asked = walk(engine, best)
    assert engine.next_question(answers) is None
    assert engine.can_submit(answers)
    assert engine.unanswered(answers) == []
    assert asked == [q.id for q in engine.relevant_questions(answers)]
    assert len(asked) == 28
    assert engine.answered_indicators(answers) == 24


def test_sensitive_questions_are_asked_last(engine: InterviewEngine) -> None:
    _, asked = walk(engine, best)
    assert asked[-6:] == SENSITIVE_QUESTIONS
    sensitive = {q.id for _, _, i in engine.instrument.indicators() if i.sensitive
                 for q in i.questions}
    assert set(asked[-6:]) == sensitive


def test_family_without_children_or_elderly_skips_follow_ups(engine: InterviewEngine) -> None:
    answers, asked = walk(engine, small_family)
    assert "children_akta" not in asked
    assert "elderly_cared" not in asked
    assert len(asked) == 26
    assert engine.can_submit(answers)
    scores = engine.indicator_scores(answers)
    assert scores["1.1.2"] is NA and scores["5.1.1"] is NA
    result = engine.score(answers)
    assert result.index == pytest.approx(100)
    assert result.applicable == 22


def test_next_question_after_skips_back_to_earlier_gaps(engine: InterviewEngine) -> None:
    answers = given(engine, marriage_registered="yes", spouses_together="yes")
    assert engine.next_question(answers, after="spouses_together").id == "family_time"
    # nothing pending after the last question: back to the first gap
    answers = given(engine, marriage_registered="yes", crime_victim="no")
    assert engine.next_question(answers, after="crime_victim").id == "children_0_17"


def test_editing_children_to_zero_drops_the_akta_answer(engine: InterviewEngine) -> None:
    answers = given(engine, children_0_17="2", children_akta="2")
    question = engine.questions["children_0_17"]
    edit = engine.validate(question, "0", answers)
    assert isinstance(edit, Answer) and edit.value == 0
    updated, dropped = engine.apply(answers, edit)
    assert dropped == ("children_akta",)
    assert "children_akta" not in updated
    assert updated["children_0_17"].value == 0
    assert engine.indicator_scores(updated)["1.1.2"] is NA
    # editing back makes the question relevant again, unanswered
    again, dropped = engine.apply(updated, Answer("children_0_17", 1))
    assert dropped == ()
    assert engine.next_question(again, after="children_0_17").id == "children_akta"


def test_akta_cannot_exceed_children(engine: InterviewEngine) -> None:
    answers = given(engine, children_0_17="2")
    question = engine.questions["children_akta"]
    problem = engine.validate(question, "3", answers)
    assert isinstance(problem, Problem)
    assert problem.key == "constraint"
    assert problem.message == question.constraint_message
    assert problem.message is not None and "akta" in problem.message["id"]
    accepted = engine.validate(question, "2", answers)
    assert isinstance(accepted, Answer) and accepted.value == 2


def test_number_validation(engine: InterviewEngine) -> None:
    income = engine.questions["income_month"]
    parsed = engine.validate(income, "1,5 juta", {})
    assert isinstance(parsed, Answer) and parsed.value == 1_500_000
    assert engine.validate(income, "Rp 1.500.000", {}) == Answer("income_month", 1_500_000)
    problem = engine.validate(income, "abc", {})
    assert isinstance(problem, Problem)
    assert problem.key == "number_not_a_number"
    assert problem.params["example"] == "1.500.000"
    assert problem.params["money"] is True
    members = engine.questions["members"]
    too_small = engine.validate(members, "0", {})
    assert isinstance(too_small, Problem) and too_small.key == "number_too_small"
    assert too_small.params["min"] == 1
    too_large = engine.validate(members, "31", {})
    assert isinstance(too_large, Problem) and too_large.key == "number_too_large"
    tapped = engine.validate(members, ("yes",), {})
    assert isinstance(tapped, Problem) and tapped.key == "number_expected"


def test_choice_validation(engine: InterviewEngine) -> None:
    question = engine.questions["marriage_registered"]
    assert engine.validate(question, "yes", {}) == Answer("marriage_registered", "yes")
    for bad in ("maybe", ("yes", "unregistered"), ()):
        problem = engine.validate(question, bad, {})
        assert isinstance(problem, Problem) and problem.key == "unknown_option", bad


def test_refusal(engine: InterviewEngine) -> None:
    problem = engine.refuse(engine.questions["marriage_registered"])
    assert isinstance(problem, Problem) and problem.key == "refusal_not_allowed"
    refusal = engine.refuse(engine.questions["income_month"])
    assert refusal == Answer.refusal("income_month")
    assert refusal.refused and refusal.value is None


def test_back(engine: InterviewEngine) -> None:
    first, second = engine.order[0], engine.order[1]
    answers = given(engine, **{first.id: "yes"})
    assert engine.previous_question(answers, second.id) == first
    assert engine.previous_question(answers, first.id) is None
    full, asked = walk(engine, best)
    assert engine.previous_question(full, None).id == asked[-1] == "crime_victim"
    no_children, _ = walk(engine, small_family)
    # the question before "spouses_together" skips the irrelevant "children_akta"
    assert engine.previous_question(no_children, "spouses_together").id == "children_0_17"


def test_multiple_choice_toggle_and_exclusive_option(engine: InterviewEngine) -> None:
    question = engine.questions["chronic_disability"]
    selected: tuple[str, ...] = ()
    selected = engine.toggle(question, selected, "disability")
    selected = engine.toggle(question, selected, "chronic")
    assert selected == ("chronic", "disability")  # kept in option order
    selected = engine.toggle(question, selected, "none")
    assert selected == ("none",)
    selected = engine.toggle(question, selected, "chronic")
    assert selected == ("chronic",)
    assert engine.toggle(question, selected, "chronic") == ()
    assert engine.toggle(question, selected, "bogus") == selected
    problem = engine.validate(question, ("none", "chronic"), {})
    assert isinstance(problem, Problem) and problem.key == "exclusive_option"
    both = engine.validate(question, ("chronic", "disability"), {})
    assert isinstance(both, Answer)
    assert engine.indicator_scores({both.question_id: both})["2.2.1"] is NOT_MET
    neither = given(engine, chronic_disability=("none",))
    assert engine.indicator_scores(neither)["2.2.1"] is MET


def test_can_submit_only_when_every_relevant_question_is_answered(engine: InterviewEngine) -> None:
    answers, asked = walk(engine, best)
    assert engine.can_submit(answers)
    for qid in asked:
        partial = {k: v for k, v in answers.items() if k != qid}
        assert not engine.can_submit(partial), qid
        assert [q.id for q in engine.unanswered(partial)] == [qid]
    refused = record(engine, answers, "income_month", None)
    assert engine.can_submit(refused)


# --- scoring ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ({"children_0_17": "0"}, NA),
    ({"children_0_17": "2", "children_akta": "2"}, MET),
    ({"children_0_17": "3", "children_akta": "1"}, NOT_MET),
    ({"children_0_17": "3", "children_akta": "0"}, NOT_MET),
    ({"children_0_17": "2"}, MISSING),
    ({}, MISSING),
])
def test_indicator_2_birth_certificates(engine: InterviewEngine, raw: dict[str, Raw],
                                        expected: IndicatorScore) -> None:
    assert engine.indicator_scores(given(engine, **raw))["1.1.2"] is expected


@pytest.mark.parametrize(("raw", "expected"), [
    ({"income_month": "1.500.000", "members": "5"}, NOT_MET),  # 300.000 < 700.000
    ({"income_month": "7.000.000", "members": "5"}, MET),  # 1.400.000 > 700.000
    ({"income_month": "3,5 juta", "members": "5"}, NOT_MET),  # exactly the line: not above it
    ({"income_month": "0", "members": "1"}, NOT_MET),
    ({"income_month": None, "members": "5"}, MISSING),  # refused
    ({"income_month": "7.000.000"}, MISSING),  # members not answered yet
])
def test_indicator_13_income_per_person(engine: InterviewEngine, raw: dict[str, Raw],
                                        expected: IndicatorScore) -> None:
    assert engine.indicator_scores(given(engine, **raw))["3.2.1"] is expected


def test_indicator_13_reads_the_poverty_line_of_the_engine_rubric(engine: InterviewEngine) -> None:
    answers = given(engine, income_month="1.500.000", members="5")
    rubric = engine.rubric.model_copy(update={"params": {"poverty_line": 250_000}})
    lower_line = InterviewEngine(engine.instrument, rubric)
    assert lower_line.indicator_scores(answers)["3.2.1"] is MET
    assert engine.indicator_scores(answers)["3.2.1"] is NOT_MET


@pytest.mark.parametrize(("law", "victim", "expected"), [
    ("yes", None, NOT_MET),
    (None, "yes", NOT_MET),
    ("yes", "yes", NOT_MET),
    ("no", "yes", NOT_MET),
    ("no", None, MISSING),
    (None, "no", MISSING),
    (None, None, MISSING),
    ("no", "no", MET),
])
def test_indicator_21_law(engine: InterviewEngine, law: Raw, victim: Raw,
                          expected: IndicatorScore) -> None:
    answers = given(engine, law_trouble=law, crime_victim=victim)
    assert engine.indicator_scores(answers)["4.2.1"] is expected


@pytest.mark.parametrize(("raw", "expected"), [
    ({"has_elderly": "no"}, NA),
    ({"has_elderly": "yes", "elderly_cared": "cared"}, MET),
    ({"has_elderly": "yes", "elderly_cared": "less_cared"}, NOT_MET),
    ({"has_elderly": "yes"}, MISSING),
])
def test_indicator_22_elderly(engine: InterviewEngine, raw: dict[str, Raw],
                              expected: IndicatorScore) -> None:
    assert engine.indicator_scores(given(engine, **raw))["5.1.1"] is expected


@pytest.mark.parametrize(("qid", "value", "code", "expected"), [
    ("marriage_registered", "not_married", "1.1.1", NA),
    ("spouses_together", "apart_work", "1.2.1", NOT_MET),
    ("income_enough", "enough", "3.2.2", MET),
    ("savings", "no", "3.4.1", NOT_MET),
    ("child_harsh", "no_children", "4.1.2", NA),
    ("child_harsh", None, "4.1.2", MISSING),
    ("wife_hitting_view", None, "4.1.1", MISSING),
    ("wife_hitting_view", "never_ok", "4.1.1", MET),
])
def test_single_question_indicators_take_the_option_score(
        engine: InterviewEngine, qid: str, value: Raw, code: str,
        expected: IndicatorScore) -> None:
    assert engine.indicator_scores(given(engine, **{qid: value}))[code] is expected


def test_all_best_answers_score_100_tangguh(engine: InterviewEngine) -> None:
    answers, _ = walk(engine, best)
    scores = engine.indicator_scores(answers)
    assert set(scores.values()) == {MET}
    result = engine.score(answers)
    assert result.index == pytest.approx(100)
    assert result.category == "tangguh"
    assert result.complete
    assert (result.applicable, result.answered) == (24, 24)
    assert result.failing == ()
    assert result.rubric_version == "2026.1"
    assert engine.flags(answers) == ()


def test_all_worst_answers_score_0_rentan(engine: InterviewEngine) -> None:
    answers, asked = walk(engine, worst)
    assert len(asked) == 28
    scores = engine.indicator_scores(answers)
    assert set(scores.values()) == {NOT_MET}
    result = engine.score(answers)
    assert result.index == pytest.approx(0)
    assert result.category == "rentan"
    assert len(result.failing) == 24


def test_mixed_family_hand_computed(engine: InterviewEngine) -> None:
    # Best everywhere except: no savings (3.4.1 → variable 3.4 = 1/2, dimension 3 = 3.5/4)
    # and harsh discipline (4.1.2 → variable 4.1 = 1/2, dimension 4 = 0.75).
    def choose(question: Question) -> Raw:
        return {"savings": "no", "child_harsh": "sometimes"}.get(question.id) or best(question)

    answers, _ = walk(engine, choose)
    result = engine.score(answers)
    assert result.variables["3.4"] == pytest.approx(0.5)
    assert result.dimensions["3"] == pytest.approx(0.875)
    assert result.dimensions["4"] == pytest.approx(0.75)
    assert result.index == pytest.approx(100 * (1 + 1 + 0.875 + 0.75 + 1) / 5)  # 92.5
    assert result.category == "tangguh"
    assert set(result.failing) == {"3.4.1", "4.1.2"}


def test_refusals_leave_a_family_incomplete(engine: InterviewEngine) -> None:
    def refuse_what_can_be_refused(question: Question) -> Raw:
        return None if question.allow_refuse else worst(question)

    answers, _ = walk(engine, refuse_what_can_be_refused)
    assert engine.can_submit(answers)
    result = engine.score(answers)
    missing = {code for code, score in result.indicators.items() if score is MISSING}
    assert missing == {"3.2.1", "4.1.1", "4.1.2", "4.2.1"}
    assert (result.applicable, result.answered) == (24, 20)
    assert result.complete  # 20/24 ≥ 0.8


def test_unknown_nutrition_scores_not_met(engine: InterviewEngine) -> None:
    answers = given(engine, nutrition_problem="dont_know")
    assert engine.indicator_scores(answers)["2.1.2"] is NOT_MET
    assert engine.flags(given(engine, nutrition_problem="some")) == ()


def test_unknown_nutrition_raises_cek_posyandu(engine: InterviewEngine) -> None:
    answers = given(engine, nutrition_problem="dont_know", savings="yes")
    assert engine.flags(answers) == ("cek_posyandu",)


def test_review_groups_answers_by_dimension(engine: InterviewEngine) -> None:
    answers, asked = walk(engine, small_family)
    sections = engine.review(answers)
    assert [s.dimension.code for s in sections] == ["1", "2", "3", "4", "5"]
    ids = [item.question.id for s in sections for item in s.items]
    assert sorted(ids) == sorted(asked)
    assert ids.index("income_month") < ids.index("income_enough")  # instrument order, not ask order
    assert all(item.answer is not None for s in sections for item in s.items)


# --- a second instrument, same code ----------------------------------------------------------


def test_mini_instrument_end_to_end(mini: InterviewEngine) -> None:
    assert mini.total == 4
    assert mini.first_question.id == "water"
    choices = {"water": "tap", "electricity": "no", "assets": ("motorbike", "fridge"),
               "people": "4", "workers": "1", "earning": "2 juta"}
    answers, asked = walk(mini, lambda question: choices[question.id])
    assert asked == ["water", "electricity", "assets", "people", "workers", "earning"]
    assert mini.progress(mini.questions["people"]).position == 4
    assert mini.next_question(answers) is None and mini.can_submit(answers)
    scores = mini.indicator_scores(answers)
    assert scores == {"A.1.1": MET, "A.1.2": NOT_MET, "B.1.1": MET, "B.2.1": MET}
    result = mini.score(answers)
    # A = (1 + 0) / 2 = 0.5; B = mean(B.1 = 1, B.2 = 1) = 1; index = 100 × 1.5 / 2
    assert result.index == pytest.approx(75)
    assert result.category == "high"
    assert result.rubric_version == "test.1"


def test_mini_relevance_constraint_refusal_and_flags(mini: InterviewEngine) -> None:
    no_workers = given(mini, people="3", workers="0")
    assert "earning" not in [q.id for q in mini.relevant_questions(no_workers)]
    assert mini.indicator_scores(no_workers)["B.1.1"] is NOT_MET
    workers = mini.questions["workers"]
    problem = mini.validate(workers, "5", given(mini, people="3"))
    assert isinstance(problem, Problem) and problem.key == "constraint"
    assert problem.message == {"id": "Tidak boleh lebih dari jumlah orang.",
                               "en": "Cannot exceed the number of people."}
    refused = given(mini, people="3", workers="1", earning=None)
    assert mini.indicator_scores(refused)["B.1.1"] is MISSING
    poor = given(mini, people="4", workers="1", earning="1.000.000")
    assert mini.indicator_scores(poor)["B.1.1"] is NOT_MET
    river = given(mini, water="river", assets=("nothing",))
    assert mini.indicator_scores(river)["A.1.1"] is NOT_MET
    assert mini.indicator_scores(river)["B.2.1"] is NOT_MET
    unsure = given(mini, water="unsure")
    assert mini.indicator_scores(unsure)["A.1.1"] is MISSING
    assert mini.toggle(mini.questions["assets"], ("motorbike",), "nothing") == ("nothing",)


def test_mini_flag(mini: InterviewEngine) -> None:
    assert mini.flags(given(mini, water="river", assets=("nothing",))) == ("check_water",)
