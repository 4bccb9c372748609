"""Script handling of generated Chinese (the rest of the verifier is exercised in tests/answer/test_llm.py)."""

from assistant.answer.verify import traditional
from assistant.text.tokenize import simplified_chars


def test_a_sentence_that_slips_into_simplified_part_way_is_converted() -> None:
    mixed = "員工应该为AI工具设定強密码。"
    converted = traditional(mixed)
    assert not simplified_chars(converted)
    assert converted.startswith("員工應該為AI工具設定強密碼")


def test_traditional_text_is_left_as_written() -> None:
    for text in (
        "公署在2024年公布了模範框架，獲准使用的系統須定期檢討。",
        "皇后大道中只有一間分店。",
    ):
        assert traditional(text) == text
