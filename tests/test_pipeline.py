import pytest

from assistant.answer import AI_SECURITY_HOTLINE, PCPD_ENQUIRY_LINE
from assistant.conversation import is_follow_up, retrieval_query
from assistant.pipeline import Assistant, QuestionError


def test_english_question_gets_cited_sentences_from_the_section(
    fixture_assistant: Assistant,
) -> None:
    answer = fixture_assistant.ask("Do staff need strong passwords for AI tools?")
    assert not answer.refused and answer.lang == "en"
    assert answer.citations[0].section.id == "checklist-2025/4"
    section_text = answer.citations[0].section.text
    for sentence, number in answer.sentences:
        cited = answer.citations[number - 1].section
        assert sentence in cited.text
    assert "multi-factor authentication" in answer.text and section_text
    data = answer.to_json()
    citation = data["citations"][0]
    assert citation["heading"] == "4 Data security"
    assert citation["title"].startswith("Checklist on Guidelines")
    assert citation["url"] and citation["quote"]


def test_chinese_question_is_answered_from_the_chinese_text(fixture_assistant: Assistant) -> None:
    answer = fixture_assistant.ask("員工要唔要設定強密碼？")
    assert not answer.refused and answer.lang == "zh-Hant"
    assert answer.citations[0].section.lang == "zh-Hant"
    assert "多重認證" in answer.text
    assert "出處" in answer.text


def test_english_question_about_chinese_only_wording_still_answers_in_english(
    fixture_assistant: Assistant,
) -> None:
    answer = fixture_assistant.ask("Is training AI on customer data a change of purpose?")
    assert answer.citations[0].section.id == "pdpo-dpps/dpp3"
    assert answer.citations[0].section.lang == "en"


@pytest.mark.parametrize(
    "question", ["What is the weather forecast for tomorrow?", "點樣整菠蘿包？"]
)
def test_out_of_scope_questions_are_refused_with_the_hotlines(
    fixture_assistant: Assistant, question: str
) -> None:
    answer = fixture_assistant.ask(question)
    assert answer.refused and not answer.citations
    assert PCPD_ENQUIRY_LINE in answer.text and AI_SECURITY_HOTLINE in answer.text
    assert answer.refusal_reason


def test_follow_up_is_answered_in_the_context_of_the_previous_turn(
    fixture_assistant: Assistant,
) -> None:
    first = "Which devices may staff use with generative AI tools?"
    assert is_follow_up("and what about passwords?")
    assert is_follow_up("咁密碼呢？")
    assert not is_follow_up("What does DPP 3 say about using personal data for a new purpose?")
    assert retrieval_query("咁密碼呢？", [first]).startswith(first)
    answer = fixture_assistant.ask("咁密碼呢？", history=[first])
    assert not answer.refused
    assert answer.citations[0].section.id == "checklist-2025/4"
    assert answer.lang == "zh-Hant"


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("x" * 4001, "limit is 4,000"),
        ("what\x00is", "control characters"),
    ],
)
def test_bad_questions_raise_clear_errors(
    fixture_assistant: Assistant, question: str, message: str
) -> None:
    with pytest.raises(QuestionError, match=message):
        fixture_assistant.ask(question)


def test_timings_are_reported_per_stage(fixture_assistant: Assistant) -> None:
    timings = fixture_assistant.ask("What should a Gen AI policy cover?").timings_ms
    assert {"embed", "dense", "bm25", "fuse", "answer", "total"} <= set(timings)
