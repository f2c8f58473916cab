"""The kader's survey end to end: the real Application, the fake Bot API, and the database."""

from __future__ import annotations

import pytest
from telegram import BotCommandScopeAllPrivateChats

from flows.answers import Answer
from sandbox.fakeapi import FakeUser
from storage.records import Interview, Person
from tests.e2e.harness import RunningBot

pytestmark = pytest.mark.wiring  # `make quick` runs these end-to-end tests too

KADER = 810001
TYPED = {"children_0_17": "2", "children_akta": "2", "income_month": "Rp 3,5 juta", "members": "4"}


async def open_first_family(user: FakeUser) -> None:
    """/survey, tap the first family, confirm consent: the first question shows."""
    await user.send("/survey")
    await user.press(user.last.buttons[0])
    card = user.last.text
    assert "Alamat: Jl. Mawar No. 1, RT 001/RW 002" in card and "Kelurahan Guntung Manggis" in card
    assert "pastikan keluarga setuju" in card
    await user.press("Keluarga setuju")


async def answer_current(bot: RunningBot, user: FakeUser, interview_id: int) -> str | None:
    """Answer whatever question the interview is at, like a kader would; its id, None at review."""
    interview = await bot.repo.interviews.get(interview_id)
    assert interview is not None
    question_id = interview.current_question
    if question_id is None:
        return None
    question = bot.svc.engine.questions[question_id]
    if question.type == "multiple":
        await user.press(question.options[0].label["id"])
        await user.press("Lanjut")
    elif question.is_choice:
        await user.press(question.options[0].label["id"])
    else:
        await user.send(TYPED[question_id])
    return question_id


async def answer_whole_interview(bot: RunningBot, user: FakeUser, kader: Person) -> Interview:
    """Open the kader's first family and answer every question up to the review; the interview
    as it was opened."""
    await open_first_family(user)
    [interview] = await bot.repo.interviews.for_kader(kader.id, bot.svc.settings.survey_round)
    while await answer_current(bot, user, interview.id) is not None:
        pass
    return interview


async def test_a_stranger_gets_one_explanation_and_nothing_else(running: RunningBot) -> None:
    stranger = running.api.user(990001, first_name="Joko")
    await stranger.send("/start")
    await stranger.send("/survey")
    await stranger.send("halo")
    assert [m.text for m in stranger.messages] == [running.svc.text(None, "stranger")] * 3
    await stranger.press_data("v1:h:1", message_id=stranger.messages[0].message_id)
    assert stranger.alerts == [running.svc.text(None, "stranger")]
    assert await running.repo.people.list() == []
    assert not running.api.errors


async def test_a_full_interview_to_the_result_card(running: RunningBot) -> None:
    user, kader, [household, *_] = await running.kader(KADER)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    assert interview.consent_at is not None
    assert interview.instrument.hash == running.svc.instrument.content_hash
    assert "1/24 · Landasan Legalitas dan Keutuhan Keluarga" in user.last.text
    asked = []
    while (question_id := await answer_current(running, user, interview.id)) is not None:
        asked.append(question_id)
        assert len(asked) < 40, "the interview does not end"
    engine = running.svc.engine
    assert asked == [q.id for q in engine.order]  # first options: children and elderly present
    assert "Ringkasan jawaban" in user.last.text
    assert "Rp 3.500.000" in user.last.text
    await user.press("Kirim")
    stored = await running.repo.interviews.get(interview.id)
    score = await running.repo.scores.get(interview.id)
    assert stored is not None and stored.status == "submitted"
    assert score is not None and score.rubric_version == running.svc.instrument.rubric.version
    answers = await running.repo.interviews.answers(interview.id)
    assert set(answers) == set(asked)
    assert answers["income_month"] == Answer("income_month", 3_500_000)
    assert score.index_value is not None and score.category is not None
    result = user.last.text
    assert "Hasil" in result and "Indeks ketahanan keluarga" in result
    assert "Indikator belum terpenuhi" in result or "Semua indikator" in result
    # One message per interview: the question message was edited, typed answers re-sent it.
    live = [m for m in user.messages if m.buttons and "Kembali" in " ".join(m.buttons)]
    assert live == []
    assert not running.api.errors, running.api.errors
    # Submitted interviews are read-only.
    await user.send("/survey")
    assert "✅" in " ".join(user.last.buttons)
    assert (await running.repo.interviews.get(interview.id)) == stored


async def test_back_and_edit_drop_answers_made_irrelevant(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    await user.press("Ya, tercatat")
    await user.send("2")
    assert "akta kelahiran" in user.last.text
    await user.send("1")
    assert (await running.repo.interviews.answers(interview.id))["children_akta"].value == 1
    await user.press("Kembali")
    await user.press("Kembali")
    assert "usia 0–17 tahun dalam keluarga" in user.last.text
    assert "Jawaban tersimpan: 2" in user.last.text
    await user.send("0")
    answers = await running.repo.interviews.answers(interview.id)
    assert answers["children_0_17"].value == 0
    assert "children_akta" not in answers
    stored = await running.repo.interviews.get(interview.id)
    assert stored is not None and stored.current_question == "spouses_together"


async def test_pause_and_resume_across_a_restart(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    for _ in range(4):
        await answer_current(running, user, interview.id)
    before = await running.repo.interviews.get(interview.id)
    assert before is not None
    await user.press("Simpan & keluar")
    assert "Tersimpan" in user.last.text
    await running.restart()
    await user.send("/survey")
    draft = user.last.buttons[0]
    assert draft.startswith("✏️ 3/24")  # four answers: indicator 2 takes two questions
    await user.press(draft)
    await user.press("Lanjutkan")
    question = running.svc.engine.questions[before.current_question or ""]
    assert question.label["id"] in user.last.text
    after = await running.repo.interviews.get(interview.id)
    assert after is not None and after.current_question == before.current_question
    assert len(await running.repo.interviews.answers(interview.id)) == 4


async def test_stale_buttons_double_taps_and_duplicated_updates_write_once(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    await user.send("ya")  # text where a button is expected: a hint, and the question again
    hint, first_question = user.messages[-2:]
    assert hint.text == running.svc.text(kader, "press_a_button")
    assert "1/24" in first_question.text and "Ya, tercatat" in first_question.buttons
    assert await running.repo.interviews.answers(interview.id) == {}
    stale_data = first_question.callback_data("Menikah, belum tercatat")
    await user.press("Ya, tercatat")
    await user.press_data(stale_data, message_id=first_question.message_id)
    assert user.alerts[-1] == running.svc.text(kader, "already_answered")
    answers = await running.repo.interviews.answers(interview.id)
    assert answers == {"marriage_registered": Answer("marriage_registered", "yes")}
    await user.send("2")
    await user.resend_last_update()
    answers = await running.repo.interviews.answers(interview.id)
    assert set(answers) == {"marriage_registered", "children_0_17"}
    stored = await running.repo.interviews.get(interview.id)
    assert stored is not None and stored.current_question == "children_akta"


async def test_bad_numbers_get_the_message_and_the_question_again(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    await user.press("Ya, tercatat")
    for typed, key in [("abc", "number_not_a_number"), ("-5", "number_negative"),
                       ("99", "number_too_large"), ("2,5", "number_not_whole")]:
        await user.send(typed)
        error, question = user.messages[-2:]
        assert error.text.startswith(running.svc.text(kader, key, example="2", min=0, max=30)[:20])
        assert "usia 0–17 tahun" in question.text and question.buttons
    await user.send("3")
    await user.send("5")  # more children with akta than children
    assert "tidak boleh lebih dari jumlah anak" in user.messages[-2].text
    answers = await running.repo.interviews.answers(interview.id)
    assert answers["children_0_17"].value == 3 and "children_akta" not in answers
    await user.press("Ya, tercatat") if "Ya, tercatat" in user.last.buttons else None
    await user.send("halo")  # text where a number is expected is just another bad number
    assert "bukan angka" in user.messages[-2].text


async def test_forged_and_foreign_button_data_is_refused(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    other, other_kader, [other_household, *_] = await running.kader(KADER + 1, name="Budi")
    await open_first_family(other)
    [foreign] = await running.repo.interviews.for_kader(other_kader.id, running.svc.settings.survey_round)
    await user.send("/survey")
    home = user.last.message_id
    for data in [f"v1:a:{foreign.id}:marriage_registered:yes", f"v1:h:{other_household.id}",
                 f"v1:c:{other_household.id}", f"v1:s:{foreign.id}"]:
        await user.press_data(data, message_id=home)
        assert user.alerts[-1] == running.svc.text(kader, "not_yours")
    await user.press_data("v1:a:1:marriage_registered:' OR 1=1", message_id=home)
    assert user.alerts[-1] == running.svc.text(kader, "unknown_button")
    assert await running.repo.interviews.answers(foreign.id) == {}
    assert await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round) == []


async def test_search_paging_language_help_and_menus(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER, families=11)
    await user.send("/survey")
    assert "Halaman 1 dari 2" in user.last.text
    await user.press("Berikutnya")
    assert "Halaman 2 dari 2" in user.last.text
    assert len(user.last.buttons) == 3 + 1  # 3 families and "previous"
    await user.send("KK 10")
    assert "Tidak ada keluarga" in user.last.text
    await user.send("keluarga k1 10")
    assert [b for b in user.last.buttons if b.startswith("⬜")] == ["⬜ Keluarga K1 10 (K1-010)"]
    await user.send("/language")
    await user.press("English")
    assert user.last.text == "Fine, Tangguh now speaks English."
    await user.send("/help")
    assert "helps kader survey family resilience" in user.last.text
    menu = running.api.commands(BotCommandScopeAllPrivateChats().to_dict())
    assert [c["command"] for c in menu] == ["survey", "language", "help"]
    assert running.api.commands(BotCommandScopeAllPrivateChats().to_dict(), "en")[0]["description"] == \
        "Family list and survey"


async def test_an_unexpected_error_apologises_and_tells_the_admins(running: RunningBot) -> None:
    admin = await running.person("Admin Kota", "admin", telegram_id=820001, kelurahan=None)
    admin_chat = running.api.user(820001)
    user, kader, _ = await running.kader(KADER)
    await user.send("/survey")
    running.api.fail_next("editMessageText", 400, "Bad Request: something unexpected")
    await user.press(user.last.buttons[0])
    assert user.last.text == running.svc.text(kader, "error_apology")
    await running.api.idle()
    notices = [m.text for m in admin_chat.messages]
    assert notices and "kesalahan" in notices[-1]
    assert "Keluarga" not in notices[-1]  # no personal data in the notice
    assert admin.role == "admin"


async def answer_until(bot: RunningBot, user: FakeUser, interview_id: int, question_id: str) -> None:
    """Answer question after question until ``question_id`` is the current one."""
    for _ in range(40):
        interview = await bot.repo.interviews.get(interview_id)
        assert interview is not None
        if interview.current_question == question_id:
            return
        assert await answer_current(bot, user, interview_id) is not None
    raise AssertionError(f"{question_id} was never asked")


async def test_multiple_choice_ticks_and_the_exclusive_option(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    await answer_until(running, user, interview.id, "chronic_disability")
    await user.press("Penyakit menahun")
    await user.press("Disabilitas")
    assert user.last.buttons[:3] == ["⬜ Tidak ada", "☑️ Penyakit menahun", "☑️ Disabilitas"]
    await user.press("Tidak ada")
    assert user.last.buttons[:3] == ["☑️ Tidak ada", "⬜ Penyakit menahun", "⬜ Disabilitas"]
    await user.press("Penyakit menahun")
    assert user.last.buttons[:3] == ["⬜ Tidak ada", "☑️ Penyakit menahun", "⬜ Disabilitas"]
    assert "chronic_disability" not in await running.repo.interviews.answers(interview.id)
    await user.press("Lanjut")
    answers = await running.repo.interviews.answers(interview.id)
    assert answers["chronic_disability"] == Answer("chronic_disability", ("chronic",))


async def test_sensitive_questions_come_last_with_a_reminder_and_may_be_refused(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    await open_first_family(user)
    [interview] = await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)
    await answer_until(running, user, interview.id, "income_month")
    answered = await running.repo.interviews.answers(interview.id)
    assert {"social_activity", "religious_activity"} <= set(answered)  # indicators 23, 24 came first
    assert "21/24" in user.last.text and "🔒" in user.last.text
    await user.press("Tidak ingin menjawab")
    answers = await running.repo.interviews.answers(interview.id)
    assert answers["income_month"] == Answer.refusal("income_month")
    assert "🔒" in user.last.text


async def test_the_review_reopens_an_answer_and_comes_back(running: RunningBot) -> None:
    user, kader, _ = await running.kader(KADER)
    interview = await answer_whole_interview(running, user, kader)
    assert "Ringkasan jawaban" in user.last.text
    await user.press("✏️ 12")
    assert "status rumah" in user.last.text
    await user.press("Sewa/kontrak")
    assert "Ringkasan jawaban" in user.last.text
    assert "12. Kepemilikan rumah: Sewa/kontrak" in user.last.text
    answers = await running.repo.interviews.answers(interview.id)
    assert answers["house_status"].value == "rent"
    stored = await running.repo.interviews.get(interview.id)
    assert stored is not None and stored.current_question is None


async def test_typed_answers_follow_the_interview_last_touched(running: RunningBot) -> None:
    user, kader, [first, second, _] = await running.kader(KADER)
    await open_first_family(user)
    await user.press("Ya, tercatat")
    first_message = user.last
    await user.send("/survey")
    await user.press(user.last.buttons[1])  # the second family (not started)
    await user.press("Keluarga setuju")
    await user.press("Ya, tercatat")
    await user.send("3")  # the second family's children
    await user.press_data(first_message.callback_data("Kembali"), message_id=first_message.message_id)
    [again] = [m for m in user.messages if m.message_id == first_message.message_id]
    await user.press("Ya, tercatat", message=again)  # the first family again, at its number question
    await user.send("4")
    interviews = {i.household_id: i for i in
                  await running.repo.interviews.for_kader(kader.id, running.svc.settings.survey_round)}
    first_answers = await running.repo.interviews.answers(interviews[first.id].id)
    second_answers = await running.repo.interviews.answers(interviews[second.id].id)
    assert first_answers["children_0_17"].value == 4
    assert second_answers["children_0_17"].value == 3
