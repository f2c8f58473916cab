"""Admins in the chat: invitations (both forms), people, assignment, reopen, erase, audit, progress."""

from __future__ import annotations

from flows.callbacks import CancelButton, ConfirmButton
from sandbox.fakeapi import FakeUser
from tests.e2e.harness import RunningBot
from tests.e2e.test_survey import answer_whole_interview

ADMIN = 840001


async def admin_chat(bot: RunningBot) -> FakeUser:
    await bot.person("Dewi Lestari", "admin", telegram_id=ADMIN, kelurahan=None)
    return bot.api.user(ADMIN, first_name="Dewi")


def link_in(text: str) -> str:
    [link] = [word for word in text.split() if word.startswith("https://t.me/")]
    return link


async def test_inviting_a_kader_by_the_walk_and_by_one_line(running: RunningBot) -> None:
    admin = await admin_chat(running)
    await admin.send("/invite")
    await admin.press("Kader")
    assert "Tulis nama lengkap kader" in admin.last.text
    await admin.send("  Siti   Aminah ")
    await admin.press("Guntung Manggis")
    await running.api.wait_for(ADMIN, method="sendPhoto")  # the QR code is drawn off the event loop
    text_message, picture = admin.messages[-2:]
    assert "Undangan untuk Siti Aminah (kader, Guntung Manggis)" in text_message.text
    assert picture.kind == "photo" and isinstance(picture.file, bytes)
    assert picture.file.startswith(b"\x89PNG")
    kader = running.api.user(840002)
    await kader.send("/start " + link_in(text_message.text).split("=", 1)[1])
    assert kader.messages[0].text.startswith("Selamat datang, Siti Aminah!")

    await admin.send("/invite petugas Rahman Hadi dinsos")
    await running.api.wait_for(ADMIN, 2, method="sendPhoto")
    assert "Undangan untuk Rahman Hadi (petugas SKPD, DINSOS)" in admin.messages[-2].text
    official = running.api.user(840003)
    await official.send("/start " + link_in(admin.messages[-2].text).split("=", 1)[1])
    person = await running.repo.people.by_telegram_id(840003)
    assert person is not None and (person.role, person.agency_code) == ("agency", "DINSOS")
    entries = [e.action for e in await running.repo.audit.latest()]
    assert entries.count("invite.create") == 2


async def test_a_bad_one_line_invitation_explains_and_writes_nothing(running: RunningBot) -> None:
    admin = await admin_chat(running)
    before = len(await running.repo.people.list())
    await admin.send("/invite kader Siti Aminah Banjarmasin")
    assert admin.last.text.startswith("Kelurahan tidak dikenal")
    assert "/invite kader Siti Aminah Guntung Manggis" in admin.last.text
    assert len(await running.repo.people.list()) == before


async def test_deactivate_with_confirmation_then_reactivate_and_move(running: RunningBot) -> None:
    admin = await admin_chat(running)
    kader_chat, kader, _ = await running.kader(840010)
    await admin.send("/people")
    await admin.press("Siti Aminah")
    await admin.press("Nonaktifkan")
    assert "Nonaktifkan Siti Aminah?" in admin.last.text
    assert (await running.repo.people.get(kader.id)).active  # type: ignore[union-attr]
    await admin.press("Ya, nonaktifkan")
    assert "sudah dinonaktifkan" in admin.last.text
    assert not (await running.repo.people.get(kader.id)).active  # type: ignore[union-attr]
    await kader_chat.send("/survey")
    assert kader_chat.last.text == running.svc.text(None, "stranger")
    await admin.press("Aktifkan kembali")
    assert (await running.repo.people.get(kader.id)).active  # type: ignore[union-attr]
    await admin.press("Pindahkan")
    await admin.press("Komet")
    assert (await running.repo.people.get(kader.id)).kelurahan == "Komet"  # type: ignore[union-attr]
    actions = [e.action for e in await running.repo.audit.latest()]
    assert actions[:3] == ["person.move", "person.reactivate", "person.deactivate"]


async def test_a_revoked_invitation_no_longer_works(running: RunningBot) -> None:
    admin = await admin_chat(running)
    await admin.send("/invite kader Budi Santoso Komet")
    await running.api.wait_for(ADMIN, method="sendPhoto")
    code = link_in(admin.messages[-2].text).split("=", 1)[1]
    await admin.send("/people")
    await admin.press("Budi Santoso")
    assert "undangan masih berlaku" in admin.last.text
    await admin.press("Batalkan undangan")
    stranger = running.api.user(840020)
    await stranger.send(f"/start {code}")
    assert stranger.last.text == running.svc.text(None, "invite_expired")


async def test_assign_moves_households_within_the_kelurahan(running: RunningBot) -> None:
    admin = await admin_chat(running)
    _, siti, [first, second, _] = await running.kader(840030)
    budi = await running.person("Budi Santoso", telegram_id=840031)
    await admin.send(f"/assign {first.code} {second.code} ke budi santoso")
    assert admin.last.text == "2 keluarga sekarang didata oleh Budi Santoso."
    assert [h.code for h in await running.repo.households.for_kader(budi.id)] == [first.code, second.code]
    other = await running.person("Rina", telegram_id=840032, kelurahan="Komet")
    await admin.send(f"/assign {first.code} ke K{other.id}")
    assert "bertugas di Komet" in admin.last.text
    await admin.send("/assign XX-999 ke Budi Santoso")
    assert admin.last.text == "Kode keluarga tidak dikenal: XX-999."
    assert [h.code for h in await running.repo.households.for_kader(budi.id)] == [first.code, second.code]
    assert siti.id != budi.id


async def test_reopen_and_erase_need_a_confirmation_and_are_audited(running: RunningBot) -> None:
    admin = await admin_chat(running)
    kader_chat, kader, [household, *_] = await running.kader(840040)
    interview = await answer_whole_interview(running, kader_chat, kader)
    await kader_chat.press("Kirim")
    await admin.send(f"/reopen {household.code}")
    assert "Buka kembali wawancara" in admin.last.text
    await admin.press("Batal")
    assert (await running.repo.interviews.get(interview.id)).status == "submitted"  # type: ignore[union-attr]
    await admin.send(f"/reopen {household.code}")
    await admin.press("Ya, buka kembali")
    reopened = await running.repo.interviews.get(interview.id)
    assert reopened is not None and reopened.status == "draft" and reopened.current_question is None
    assert await running.repo.scores.get(interview.id) is None
    await admin.send(f"/erase {household.code}")
    await admin.press("Ya, hapus semuanya")
    assert await running.repo.households.get(household.id) is None
    assert await running.repo.interviews.answers(interview.id) == {}
    await admin.send("/audit")
    assert "household.erase" in admin.last.text and "household.reopen" in admin.last.text


async def test_progress_for_admins_and_their_own_kelurahan_for_coordinators(running: RunningBot) -> None:
    admin = await admin_chat(running)
    await running.kader(840050, families=3)
    rina = await running.person("Rina", telegram_id=840051, kelurahan="Komet")
    await running.households(rina, 2, prefix="KM")
    await admin.send("/progress")
    await running.api.wait_for(ADMIN, method="sendPhoto")  # the chart is drawn off the event loop
    text, chart = admin.messages[-2:]
    assert "Guntung Manggis: 0/3 terkirim" in text.text and "Komet: 0/2 terkirim" in text.text
    assert chart.kind == "photo"
    await running.person("Koordinator Komet", "coordinator", telegram_id=840052, kelurahan="Komet")
    coordinator = running.api.user(840052)
    await coordinator.send("/progress")
    await running.api.wait_for(840052, method="sendPhoto")
    text = coordinator.messages[-2].text
    assert "Komet" in text and "Guntung Manggis" not in text


async def test_progress_with_many_kader_arrives_whole_in_several_messages(running: RunningBot) -> None:
    """Issue 12: /progress was cut at 4000 characters, inside a tag with ~60 kader, and Telegram
    refused it; now it comes in as many messages as it takes, each valid, every kader in one."""
    admin = await admin_chat(running)
    names = [f"Kader Dengan Nama Yang Cukup Panjang Sekali Nomor {n:02d}" for n in range(70)]
    for number, name in enumerate(names):
        kader = await running.person(name)
        await running.households(kader, 1, prefix=f"P{number:02d}")
    await admin.send("/progress")
    await running.api.wait_for(ADMIN, method="sendPhoto")
    *texts, chart = admin.messages
    parts = [m.text or "" for m in texts]
    assert chart.kind == "photo" and len(parts) >= 2
    assert all(len(part) <= 4096 for part in parts)
    joined = "\n".join(parts)
    assert "Guntung Manggis: 0/70 terkirim" in joined
    assert all(sum(f"{name}: 0/1" in part for part in parts) == 1 for name in names)
    assert running.svc.text(None, "error_apology") not in joined


async def test_kader_and_officials_are_refused_admin_commands_and_buttons(running: RunningBot) -> None:
    admin = await admin_chat(running)
    kader_chat, kader, [household, *_] = await running.kader(840060)
    await running.person("Pak Rahman", "agency", telegram_id=840061, kelurahan=None, agency="DINSOS")
    official = running.api.user(840061)
    people_before = await running.repo.people.list()
    for user in (kader_chat, official):
        for command in ("/invite kader X Komet", "/people", f"/assign {household.code} ke K1",
                        f"/erase {household.code}", f"/reopen {household.code}", "/audit", "/progress"):
            await user.send(command)
            assert user.last.text == running.svc.text(None, "not_allowed"), command
        home = user.messages[-1].message_id
        for data in (f"v1:y:erase:{household.id}", f"v1:y:deactivate:{admin.id}", f"v1:Q:{kader.id}",
                     "v1:I:admin", f"v1:m:{kader.id}:1"):
            await user.press_data(data, message_id=home)
            assert user.alerts[-1] == running.svc.text(None, "not_allowed"), data
    assert await running.repo.people.list() == people_before
    assert await running.repo.households.get(household.id) is not None
    assert await running.repo.audit.latest() == []


def spreadsheet(rows: list[list[str]]) -> bytes:
    """An .xlsx file with the template's header and ``rows``."""
    import io

    from openpyxl import Workbook

    from flows.imports import TEMPLATE_HEADERS

    book = Workbook()
    sheet = book.active
    sheet.append(list(TEMPLATE_HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_import_preview_apply_and_reimport(running: RunningBot) -> None:
    admin = await admin_chat(running)
    siti = await running.person("Siti Aminah", telegram_id=840070)
    good = [["GM-001", "Ahmad Yani", "Jl. Mawar 1", "1", "2", "Guntung Manggis", "Siti Aminah"],
            ["GM-002", "Budi", "Jl. Mawar 2", "001", "002", "guntung manggis", f"K{siti.id}"],
            ["", "Citra", "Jl. Melati 3", "3", "4", "Komet", ""]]
    data = spreadsheet(good)
    await admin.send_document("keluarga.xlsx", data)
    assert admin.last.text == running.svc.text(None, "import_after_command")
    await admin.send("/template")
    await running.api.wait_for(ADMIN, method="sendDocument")
    assert admin.last.kind == "document" and admin.last.filename == "templat-keluarga.xlsx"
    await admin.send("/import")
    await admin.send_document("keluarga.xlsx", data)
    assert "3 baris dibaca: 3 keluarga baru, 0 diperbarui, 0 tidak berubah, 0 baris ditolak" \
        in admin.last.text
    assert await running.repo.households.by_code("GM-001") is None  # nothing before confirmation
    await admin.press("Terapkan")
    assert admin.last.text.startswith("Impor selesai: 3 keluarga baru")
    assert [h.code for h in await running.repo.households.for_kader(siti.id)] == ["GM-001", "GM-002"]
    await admin.send("/import")
    await admin.send_document("keluarga.xlsx", data)
    assert "0 keluarga baru, 0 diperbarui, 3 tidak berubah" in admin.last.text
    assert "Tidak ada yang perlu diimpor" in admin.last.text


async def test_a_file_of_the_wrong_kind_is_refused_before_it_is_downloaded(running: RunningBot) -> None:
    admin = await admin_chat(running)
    await admin.send("/import")
    await admin.send_document("keluarga.pdf", b"%PDF-1.7 " + b"x" * 5000)
    assert admin.last.text == running.svc.catalog.text("id", "import_wrong_type", extension=".pdf")
    assert [c for c in running.api.calls if c.method == "getFile"] == []
    await admin.send("/import")  # the right kind of file is still fetched and read
    await admin.send_document("keluarga.csv", b"kode,nama\n")
    assert len([c for c in running.api.calls if c.method == "getFile"]) == 1
    assert await running.repo.imports.latest() == []


async def test_another_admins_import_preview_cannot_be_applied_or_cancelled(running: RunningBot) -> None:
    """Admin Dewi's preview: a second admin's forged Terapkan/Batal for it write nothing; Dewi's own
    Terapkan still applies it."""
    admin = await admin_chat(running)
    other = await running.person("Rina Kartika", "admin", telegram_id=840071, kelurahan=None)
    other_chat = running.api.user(840071, first_name="Rina")
    await admin.send("/import")
    await admin.send_document("keluarga.xlsx", spreadsheet(
        [["GM-001", "Ahmad Yani", "Jl. Mawar 1", "1", "2", "Guntung Manggis", ""]]))
    [pending] = await running.repo.imports.latest()
    assert pending.status == "pending"
    await other_chat.send("/help")  # a message of her own to press forged buttons on
    query = await other_chat.press_data(ConfirmButton(verb="import", subject=pending.id).encode())
    assert query is not None and query.text == running.svc.text(other, "import_gone")
    await other_chat.press_data(CancelButton(verb="import", subject=pending.id).encode())
    assert other_chat.last.text == running.svc.text(other, "cancelled")  # her own nothing, not Dewi's
    assert (await running.repo.imports.get(pending.id)).status == "pending"  # type: ignore[union-attr]
    assert await running.repo.households.by_code("GM-001") is None
    assert [e for e in await running.repo.audit.latest() if e.action == "import.apply"] == []
    await admin.press("Terapkan")
    assert admin.last.text.startswith("Impor selesai: 1 keluarga baru")
    assert (await running.repo.imports.get(pending.id)).status == "applied"  # type: ignore[union-attr]


async def test_an_import_with_every_kind_of_error_lists_each_and_changes_nothing(running: RunningBot) -> None:
    admin = await admin_chat(running)
    await running.person("Siti Aminah", telegram_id=840080)
    bad = [["GM-001", "", "Jl. A", "1", "1", "Guntung Manggis", ""],
           ["GM-002", "Budi", "Jl. B", "x", "1", "Guntung Manggis", ""],
           ["GM-003", "Citra", "Jl. C", "1", "1", "Atlantis", ""],
           ["GM-004", "Dedi", "Jl. D", "1", "1", "Guntung Manggis", "Nobody"],
           ["GM-004", "Eka", "Jl. E", "1", "1", "Guntung Manggis", ""],
           ["GM-006", "=HYPERLINK(\"x\")", "Jl. F", "1", "1", "Guntung Manggis", ""],
           ["GM-007", "Fajar", "Jl. G", "1", "1", "Guntung Manggis", ""]]
    await admin.send("/import")
    await admin.send_document("keluarga.xlsx", spreadsheet(bad))
    text = admin.last.text
    assert "1 keluarga baru" in text and "6 baris ditolak" in text
    for fragment in ("Baris 2, kolom Nama Kepala Keluarga", "Baris 3, kolom RT", "Baris 4, kolom Kelurahan",
                     "Baris 5, kolom Kader", "Baris 6, kolom Kode KK", "Baris 7"):
        assert fragment in text, fragment
    await admin.press("Batal")
    assert await running.repo.households.by_code("GM-007") is None
    await admin.send("/import")
    await admin.send_document("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert "tidak didukung" in admin.last.text
    await admin.send_document("besar.xlsx", b"PK", declared_size=50_000_000)
    assert "terlalu besar" in admin.last.text
    await admin.send_document("rusak.xlsx", b"PK\x03\x04 not really a zip")
    assert "bukan berkas Excel" in admin.last.text or "rusak" in admin.last.text
    assert len(await running.repo.households.progress(running.svc.settings.survey_round)) == 0


async def test_an_admin_adds_a_household_step_by_step(running: RunningBot) -> None:
    admin = await admin_chat(running)
    siti = await running.person("Siti Aminah", telegram_id=840090)
    await admin.send("/household")
    await admin.send("-")
    await admin.send("Ahmad Yani")
    await admin.send("Jl. Mawar No. 7")
    await admin.send("tujuh")  # not a number: asked again
    assert admin.messages[-1].text == running.svc.text(None, "household_bad_number")
    await admin.send("7")
    await admin.send("2")
    await admin.press("Guntung Manggis")
    await admin.press("Siti Aminah")
    summary = admin.last.text
    assert "Kepala keluarga: Ahmad Yani" in summary and "RT 007/RW 002" in summary
    assert "Kader: Siti Aminah" in summary
    await admin.press("Simpan")
    [household] = await running.repo.households.for_kader(siti.id)
    assert (household.head_name, household.rt, household.needs_review) == ("Ahmad Yani", "007", False)
    assert f"({household.code}) tersimpan" in admin.last.text
    assert await running.repo.dialogs.get((await running.repo.people.by_telegram_id(ADMIN)).id) is None  # type: ignore[union-attr]


async def test_a_kader_adds_a_household_only_when_allowed_and_it_is_flagged(
        fake_api, config_file) -> None:  # type: ignore[no-untyped-def]
    import yaml

    config = yaml.safe_load(config_file.read_text())
    config["imports"]["allow_kader_households"] = True
    config_file.write_text(yaml.safe_dump(config))
    bot = await RunningBot.start(fake_api, config_file)
    try:
        admin = await admin_chat(bot)
        kader_chat, kader, _ = await bot.kader(840100, families=1)
        await kader_chat.send("/household")
        for typed in ("-", "Rudi", "Gang Haji 3", "4", "5"):
            await kader_chat.send(typed)
        assert "Kader: Siti Aminah" in kader_chat.last.text and "Guntung Manggis" in kader_chat.last.text
        await kader_chat.press("Simpan")
        assert "bisa langsung Anda data" in kader_chat.last.text, kader_chat.last.text
        households = await bot.repo.households.for_kader(kader.id)
        added = next(h for h in households if h.head_name == "Rudi")
        assert added.needs_review
        await bot.api.wait_for(ADMIN)
        assert "menambahkan keluarga Rudi" in admin.last.text
        await admin.press("Konfirmasi")
        assert not (await bot.repo.households.get(added.id)).needs_review  # type: ignore[union-attr]
        assert [e.action for e in await bot.repo.audit.latest(2)] == ["household.confirm", "household.add"]
    finally:
        await bot.stop()


async def test_a_kader_cannot_add_households_by_default(running: RunningBot) -> None:
    kader_chat, kader, _ = await running.kader(840110, families=1)
    await kader_chat.send("/household")
    assert kader_chat.last.text == running.svc.text(None, "not_allowed")
    assert await running.repo.dialogs.get(kader.id) is None


async def test_export_in_the_chat_is_a_workbook_matching_the_database(running: RunningBot) -> None:
    import io

    import pandas as pd

    admin = await admin_chat(running)
    kader_chat, kader, [household, *_] = await running.kader(840120)
    interview = await answer_whole_interview(running, kader_chat, kader)
    await kader_chat.press("Kirim")
    await admin.send("/export")
    await running.api.wait_for(ADMIN, method="sendDocument", timeout=60)
    document = admin.last
    assert document.kind == "document" and document.filename == "tangguh-2026.xlsx"
    assert isinstance(document.file, bytes)
    sheets = pd.read_excel(io.BytesIO(document.file), sheet_name=None, dtype=str)
    households = sheets[next(name for name in sheets if name.startswith("Rumah"))]
    assert household.code in set(households.iloc[:, :5].to_numpy().ravel())
    score = await running.repo.scores.get(interview.id)
    scores = sheets["Skor"]
    assert score is not None and len(scores) == 1
    assert any(f"{score.index_value:.1f}"[:4] in str(v) for v in scores.iloc[0].to_numpy())
    assert "export.xlsx" in [e.action for e in await running.repo.audit.latest()]
    kader_chat_before = len(kader_chat.messages)
    await kader_chat.send("/export")
    assert kader_chat.last.text == running.svc.text(None, "not_allowed")
    assert len(kader_chat.messages) == kader_chat_before + 1
