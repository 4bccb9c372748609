"""Follow-up questions borrow the topic of the previous turn; standalone questions are left alone."""

from __future__ import annotations

import pytest

from assistant.pipeline import Assistant
from assistant.retrieval.conversation import is_follow_up, retrieval_query

DEVICES = "Which devices may staff use for generative AI tools?"
TRAINING_ZH = "可唔可以用客戶資料訓練AI模型？"


@pytest.mark.parametrize(
    "question",
    [
        "and for interns?",
        "And passwords?",
        "What about passwords?",
        "how about contractors?",
        "Then passwords?",
        "Is it allowed?",
        "Can they use it?",
        "so?",
    ],
)
def test_english_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "咁實習生呢？",
        "那密碼呢？",
        "仲有呢？",
        "密碼呢",
        "另外，實習生可以用嗎？",
        "至於外判商？",
        "佢哋可以用嗎",
    ],
)
def test_chinese_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        DEVICES,
        "Do staff need multi-factor authentication?",
        "Theft of devices?",
        "Thanks",
        # An opening "what about" does not make a question with its own topic elliptical.
        "What about third parties and vendors and contractors and suppliers?",
        "What should an internal generative AI policy say about which tools employees may use and this?",
        TRAINING_ZH,
        "員工要唔要用多重認證同強密碼？",
    ],
)
def test_standalone_questions(question: str) -> None:
    assert not is_follow_up(question)


def test_follow_up_words_must_be_whole_words() -> None:
    # "andrew", "theme", "thence"... contain follow-up words but are not follow-ups.
    assert not is_follow_up("andrew?")
    assert not is_follow_up("theme of the policy?")


def test_a_follow_up_is_retrieved_with_the_previous_question() -> None:
    assert retrieval_query("and passwords?", [DEVICES]) == f"{DEVICES} and passwords?"
    assert retrieval_query("那密碼呢？", [TRAINING_ZH]) == f"{TRAINING_ZH} 那密碼呢？"


def test_the_last_question_gives_the_topic() -> None:
    history = ["How do we report AI incidents?", DEVICES]
    assert retrieval_query("What about passwords?", history) == f"{DEVICES} What about passwords?"


def test_blank_turns_and_whitespace_are_skipped() -> None:
    history = [DEVICES, "   ", ""]
    assert retrieval_query("  and passwords?  ", history) == f"{DEVICES} and passwords?"
    assert retrieval_query("and passwords?", ["  ", ""]) == "and passwords?"


def test_standalone_questions_are_left_alone() -> None:
    question = "Do staff need multi-factor authentication?"
    assert retrieval_query(question, [DEVICES]) == question
    assert retrieval_query(TRAINING_ZH, ["員工要唔要用多重認證同強密碼？"]) == TRAINING_ZH


def test_without_history_the_question_is_used_as_is() -> None:
    assert retrieval_query("and passwords?", None) == "and passwords?"
    assert retrieval_query("and passwords?", []) == "and passwords?"
    assert retrieval_query("  咁實習生呢？ ", []) == "  咁實習生呢？ "


def test_a_second_follow_up_keeps_the_original_topic() -> None:
    query = retrieval_query("what about incidents?", [DEVICES, "and passwords?"])
    assert DEVICES in query


def test_the_combined_query_finds_the_topic_of_the_conversation(
    fixture_assistant: Assistant,
) -> None:
    # On its own, "so?" has no topic; with the previous question it finds that question's section.
    retriever = fixture_assistant.retriever
    query = retrieval_query("so?", [TRAINING_ZH])
    assert query != "so?"
    assert retriever.search(query).section_ids[0] == "pdpo-dpps/dpp3"
