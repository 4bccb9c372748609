import json

import pytest

from assistant.interfaces.cli import main
from assistant.pipeline import Assistant
from assistant.safety.privacy import (
    detect,
    hkid_check_digit,
    is_valid_hkid,
    luhn_ok,
    redact,
    warning_message,
    warnings_for,
)
from assistant.settings import Settings


@pytest.mark.parametrize(
    ("prefix", "digits", "check"),
    [("A", "123456", "3"), ("AB", "987654", "3"), ("Z", "683365", "A"), ("C", "668668", "9")],
)
def test_hkid_check_digit_follows_the_modulus_11_rule(prefix: str, digits: str, check: str) -> None:
    assert hkid_check_digit(prefix, digits) == check
    assert is_valid_hkid(prefix, digits, check)
    wrong = "0" if check != "0" else "1"
    assert not is_valid_hkid(prefix, digits, wrong)


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("My HKID is A123456(3), can I give it to the chatbot?", "hkid", "A123456(3)"),
        ("身份證號碼係AB987654（3）", "hkid", "AB987654（3）"),
        ("id a1234563 please", "hkid", "a1234563"),
        ("Call me on 9123 4567 tomorrow", "phone", "9123 4567"),
        ("office +852 2345-6789", "phone", "+852 2345-6789"),
        ("我電話係６１２３４５６７，可唔可以", "phone", "６１２３４５６７"),
        ("e-mail chan.tai.man@example.com.hk about it", "email", "chan.tai.man@example.com.hk"),
        ("電郵 tm.chan@example.org 可以輸入嗎", "email", "tm.chan@example.org"),
        ("card 4111 1111 1111 1111 was pasted", "card", "4111 1111 1111 1111"),
        ("信用卡號碼5500-0000-0000-0004", "card", "5500-0000-0000-0004"),
        ("passport H12345678 in the prompt", "passport", "H12345678"),
        ("護照號碼K87654321", "passport", "K87654321"),
    ],
)
def test_identifiers_are_found_in_english_and_chinese_text(
    text: str, kind: str, found: str
) -> None:
    findings = detect(text)
    assert [(f.kind, f.text) for f in findings] == [(kind, found)]
    assert text[findings[0].start : findings[0].end] == found


@pytest.mark.parametrize(
    "text",
    [
        "What does DPP 4 say, and what is in section 1.3 of the framework?",
        "A123456(7) has a wrong check digit",  # invalid HKID
        "the card 4111 1111 1111 1112 fails the Luhn check",
        "Call the PCPD on 2827 2827 or the AI security hotline 2110 1155",  # public numbers
        "Guidance for 2024-2025 and the 2019 2020 reports",  # years, not phones
        "員工可唔可以用私人電話登入生成式AI工具？",
        "The number 12345678 starts with 1, so it is not a Hong Kong phone number",
        "a 123456789 digit run is not a phone",
        "第4原則 同 Part III 講乜？",
    ],
)
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert detect(text) == []
    assert redact(text) == text


def test_luhn() -> None:
    assert luhn_ok("4111111111111111")
    assert luhn_ok("378282246310005")  # 15-digit card
    assert not luhn_ok("4111111111111112")
    assert not luhn_ok("411111111111")  # too short


def test_redaction_labels_follow_the_language_of_the_text() -> None:
    english = "Can I paste A123456(3), 9123 4567 and tm@example.com into ChatGPT?"
    assert redact(english) == "Can I paste [HKID], [PHONE] and [EMAIL] into ChatGPT?"
    chinese = "可唔可以將客戶電話91234567同身份證A123456(3)輸入AI？"
    assert redact(chinese) == "可唔可以將客戶電話[電話]同身份證[HKID]輸入AI？"
    assert redact("card 4111111111111111", lang="zh-Hant") == "card [信用卡號碼]"


def test_overlapping_candidates_keep_the_more_specific_kind() -> None:
    # A card number contains phone-like digit runs; only the card is reported.
    findings = detect("5555 5555 5555 4444")
    assert [f.kind for f in findings] == ["card"]


def test_warnings_name_the_kinds_in_the_users_language() -> None:
    findings = detect("HKID A123456(3), phone 9123 4567")
    english = warning_message(findings, "en")
    assert "an HKID number" in english and "a phone number" in english
    assert "A123456" not in english
    chinese = warning_message(findings, "zh-Hant")
    assert "香港身份證號碼" in chinese and "電話號碼" in chinese
    before = warning_message(findings, "en", before_sending=True)
    assert "will be removed" in before
    assert warnings_for("no personal data here", "en") == []
    assert warnings_for("9123 4567", "zh-Hant")[0]["kind"] == "personal_data"


def test_the_pipeline_retrieves_on_the_redacted_question_and_warns(
    fixture_assistant: Assistant,
) -> None:
    answer = fixture_assistant.ask(
        "My HKID is A123456(3). Do staff need strong passwords for AI tools?"
    )
    assert answer.retrieval is not None
    assert "A123456" not in answer.retrieval.query and "[HKID]" in answer.retrieval.query
    assert "A123456" not in answer.question
    assert answer.warnings and answer.warnings[0]["kind"] == "personal_data"
    assert "HKID" in answer.warnings[0]["message"]
    assert not answer.refused and answer.citations[0].section.id == "checklist-2025/4"
    trace = json.dumps(answer.to_json(trace=True), ensure_ascii=False)
    assert "A123456" not in trace


def test_the_pipeline_warns_in_chinese_and_redacts_the_history(
    fixture_assistant: Assistant,
) -> None:
    answer = fixture_assistant.ask(
        "咁密碼呢？", history=["我電話係91234567，員工可以用邊啲裝置使用生成式AI工具？"]
    )
    assert answer.warnings == []  # the new question has no personal data
    assert answer.retrieval is not None and "91234567" not in answer.retrieval.query
    chinese = fixture_assistant.ask("我電話係91234567，員工要唔要設定強密碼？")
    assert chinese.warnings[0]["message"].startswith("你的訊息似乎包含個人資料（電話號碼）")


def test_cli_ask_prints_the_warning(
    built_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("corpus_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(built_settings, name)))
    assert main(["ask", "my e-mail is tm@example.com; do staff need strong passwords?"]) == 0
    out = capsys.readouterr().out
    assert "an e-mail address" in out and "tm@example.com" not in out
    assert main(["ask", "--json", "my e-mail is tm@example.com; strong passwords?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"][0]["kind"] == "personal_data"


# ---------------------------------------------------------------- more kinds, both languages


@pytest.mark.parametrize(
    "text",
    [
        "身份證A123456(7)可唔可以輸入？",  # wrong check digit
        "電話12345678係咪香港號碼？",  # Hong Kong numbers do not start with 1
        "電郵 tm@example 唔完整",  # no domain ending
        "信用卡4111 1111 1111 1112",  # fails the Luhn check
        "護照號碼H1234太短",  # too short for a passport
        "打 2827 2827 查詢",  # the PCPD's own enquiry line
        "e-mail tm@example is incomplete",
        "passport H1234 is too short",
    ],
)
def test_invalid_identifiers_are_not_flagged_in_either_language(text: str) -> None:
    assert detect(text) == []


@pytest.mark.parametrize(
    ("text", "names", "redacted"),
    [
        ("Chan Tai Man, HKID A123456(3)", ["Chan Tai Man"], "[NAME], HKID [HKID]"),
        ("Mr Wong's phone 9123 4567", ["Mr Wong"], "[NAME]'s phone [PHONE]"),
        (
            "the phone number of Ms. Lee is 9123 4567",
            ["Ms. Lee"],
            "the phone number of [NAME] is [PHONE]",
        ),
        (
            "Peter Chan's e-mail is peter.chan@example.com",
            ["Peter Chan"],
            "[NAME]'s e-mail is [EMAIL]",
        ),
        ("9123 4567 belongs to Chan Tai-man.", ["Chan Tai-man"], "[PHONE] belongs to [NAME]."),
        ("HKID A123456(3) (CHAN Tai Man)", ["CHAN Tai Man"], "HKID [HKID] ([NAME])"),
        ("陳大文 身份證 A123456(3)", ["陳大文"], "[姓名] 身份證 [HKID]"),
        ("客戶陳大文（身份證號碼A123456(3)）", ["陳大文"], "客戶[姓名]（身份證號碼[HKID]）"),
        ("陳先生的電話 9123 4567", ["陳先生"], "[姓名]的電話 [電話]"),
        ("姓名：歐陽大文，電話：91234567", ["歐陽大文"], "姓名：[姓名]，電話：[電話]"),
        ("91234567係黃小明嘅電話", ["黃小明"], "[電話]係[姓名]嘅電話"),
        ("李醫生 tm@example.com", ["李醫生"], "[姓名] [電郵]"),
    ],
)
def test_names_next_to_identifiers_are_redacted_too(
    text: str, names: list[str], redacted: str
) -> None:
    findings = detect(text)
    assert [f.text for f in findings if f.kind == "name"] == names
    assert redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "Chan Tai Man asked whether staff need strong passwords",  # no identifier: left alone
        "陳大文問員工要唔要設定強密碼",
        "My HKID is A123456(3). Do staff need strong passwords?",
        "Hong Kong phone 9123 4567",
        "Can I paste A123456(3) into ChatGPT?",
        "Staff's phone 9123 4567",
        "文件編號 A123456(3)",  # 文件 is a word, not a surname and a given name
        "任何人電話91234567",
        "如何處理客戶電話91234567？",
        "9123 4567. Do staff need strong passwords?",
        "A123456(7) belongs to Chan Tai Man",  # the HKID is invalid, so nothing is next to it
    ],
)
def test_capitalised_words_and_chinese_words_are_not_taken_for_names(text: str) -> None:
    assert [f for f in detect(text) if f.kind == "name"] == []


def test_a_name_is_named_in_the_warning_but_never_quoted() -> None:
    english = warnings_for("Chan Tai Man, HKID A123456(3): can I enter it?", "en")
    assert "a name, an HKID number" in english[0]["message"]
    assert "Chan" not in english[0]["message"]
    chinese = warnings_for("陳大文 身份證 A123456(3) 可唔可以輸入？", "zh-Hant")
    assert "姓名、香港身份證號碼" in chinese[0]["message"]
    assert "陳大文" not in chinese[0]["message"]


def test_names_are_redacted_before_retrieval_and_in_the_json(
    fixture_assistant: Assistant,
) -> None:
    answer = fixture_assistant.ask(
        "Chan Tai Man, HKID A123456(3), asked: do staff need strong passwords for AI tools?"
    )
    assert answer.retrieval is not None
    assert "Chan" not in answer.retrieval.query and "[NAME]" in answer.retrieval.query
    assert not answer.refused and answer.citations[0].section.id == "checklist-2025/4"
    dumped = json.dumps(answer.to_json(trace=True), ensure_ascii=False)
    assert "Chan Tai Man" not in dumped and "A123456" not in dumped
    chinese = fixture_assistant.ask("陳大文 身份證 A123456(3)，員工要唔要設定強密碼？")
    assert chinese.retrieval is not None and "陳大文" not in chinese.retrieval.query
    assert chinese.question.startswith("[姓名] 身份證 [HKID]")


def test_redaction_is_stable_when_applied_twice() -> None:
    text = "Mr Wong's phone 9123 4567 and 陳大文 身份證 A123456(3)"
    once = redact(text)
    assert redact(once) == once


@pytest.mark.parametrize(
    ("text", "kinds", "gone"),
    [
        # Each of these was stored raw in audit.question or feedback.question/comment.
        ("call 9234.5678 tonight", ["phone"], "9234.5678"),
        ("call 9123/4567 tonight", ["phone"], "9123/4567"),
        ("HKID A123456-3 in the prompt", ["hkid"], "A123456-3"),
        ("passport e12345678 in the prompt", ["passport"], "e12345678"),
        ("mail peter dot lee at gmail dot com", ["email"], "peter dot lee at gmail dot com"),
        ("tm (at) example [dot] com.", ["email"], "tm (at) example [dot] com"),
        ("I live at Flat 5A, 12/F, 88 Nathan Road", ["address"], "Flat 5A, 12/F, 88 Nathan Road"),
        ("FLAT 5A, 12/F, 88 NATHAN ROAD, MONG KOK", ["address"], "88 NATHAN ROAD"),
        ("我住喺彌敦道88號12樓A室，可以嗎", ["address"], "彌敦道88號12樓A室"),
        ("Room 1203, Block B, Sha Tin", ["address"], "Room 1203"),
        ("Ms Ho's phone 9123.4567", ["name", "phone"], "Ms Ho"),
        ("Mr Chan lives at Flat 5A, 12/F", ["address", "name"], "Mr Chan"),
        ("陳大文住喺彌敦道88號", ["address", "name"], "陳大文"),
    ],
)
def test_the_formats_found_in_the_red_team_pass_are_redacted(
    text: str, kinds: list[str], gone: str
) -> None:
    assert sorted({f.kind for f in detect(text)}) == kinds
    assert gone not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "Can staff in Hong Kong use ChatGPT at home?",
        "the printer on 5/F says paper jam",
        "I have 2 questions about the road to compliance",
        "Does DPP 4 apply to a building management company?",
        "Look at this dot com bubble",
        "員工喺旺角分行可唔可以用AI？",
    ],
)
def test_place_words_and_floors_alone_are_not_addresses(text: str) -> None:
    assert detect(text) == []
