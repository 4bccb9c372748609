import pytest

from assistant.answer.model import AI_SECURITY_HOTLINE, PCPD_ENQUIRY_LINE
from assistant.pipeline import Assistant
from assistant.retrieval.conversation import is_follow_up, retrieval_query
from assistant.safety.validation import QuestionError
from assistant.settings import Settings


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
    # The phrase is in the answer because it is quoted from the cited section.
    assert "multi-factor authentication" in answer.text
    assert "multi-factor authentication" in section_text
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


# ---------------------------------------------------------------- the history sent with a question


@pytest.mark.parametrize(
    ("history", "code", "message"),
    [
        (["Which devices?", "what\x00about passwords"], "history_control_chars", "2 of 2"),
        (["passwords \ud800?"], "history_invalid_chars", "invalid characters"),
        (["x" * 4001], "history_too_long", "limit is 4,000"),
        ("Which devices may staff use?", "history_not_list", "must be a list"),
        (["Which devices?", 42], "history_not_text", "2 of 2 in the history is not text"),
    ],
)
def test_bad_history_turns_raise_clear_errors_naming_the_turn(
    fixture_assistant: Assistant, history: object, code: str, message: str
) -> None:
    with pytest.raises(QuestionError, match=message) as raised:
        fixture_assistant.ask("And passwords for AI tools?", history)  # type: ignore[arg-type]
    assert raised.value.code == code
    assert "earlier question" in str(raised.value) or code == "history_not_list"


def test_only_the_last_history_turns_are_used_and_blank_ones_are_dropped(
    fixture_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.safety.validation import MAX_HISTORY_TURNS

    recorded: list[list[str]] = []
    record = fixture_assistant.audit.record

    def spy(answer: object, interface: str, **kwargs: object) -> None:
        recorded.append(list(kwargs["history"]))  # type: ignore[call-overload]
        record(answer, interface, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fixture_assistant.audit, "record", spy)
    recent = [f"Which devices may staff use, question {n}?" for n in range(MAX_HISTORY_TURNS - 1)]
    # A damaged turn older than the ones used is dropped with them, not rejected.
    history = ["bad\x00turn", "x" * 5000, *recent, "   "]
    answer = fixture_assistant.ask("咁密碼呢？", history)
    assert recorded == [recent]
    assert answer.citations[0].section.id == "checklist-2025/4"


def test_history_turns_come_back_redacted_and_may_exceed_the_limit_by_their_labels() -> None:
    from assistant.safety.validation import length_as_typed, validate_history

    # A question accepted at the limit, returned by a front end after redaction: "[NAME]" may
    # have replaced "Li", so the turn is longer than the limit but was not when it was typed.
    turn = "passwords " * 399 + "[NAME][NAME]"
    assert len(turn) > 4000 and length_as_typed(turn) <= 4000
    assert validate_history([turn], 4000) == [turn.strip()]
    with pytest.raises(QuestionError, match="limit is 4,000"):
        validate_history(["passwords " * 401], 4000)


@pytest.fixture(scope="module")
def shipped(real_settings: Settings) -> Assistant:
    return Assistant(real_settings)


@pytest.mark.parametrize(
    ("request_text", "item", "label"),
    [
        (
            "clause that staff keep their ai account logins to themselves and use two step "
            "verification",
            "credentials",
            "Draft clause (",
        ),
        (
            "幫我寫一條關於員工唔可以將客戶資料輸入公開AI工具嘅條款",
            "prohibited_input",
            "條款草擬（",
        ),
        ("寫個 clause 講 AI 出嘅嘢一定要有人 double check 先可以用", "accuracy", "條款草擬（"),
    ],
)
def test_a_draft_request_in_the_chat_gets_the_clause_on_its_first_line(
    shipped: Assistant, request_text: str, item: str, label: str
) -> None:
    answer = shipped.ask(request_text)
    assert answer.draft is not None and answer.answer_type == "draft"
    assert answer.plan_rule == f"the drafter's clause for {item}"
    first = answer.text.split("\n")[0]
    clause = answer.sentences[0][0]
    # The clause itself answers, so it starts on the first line after its label.
    assert first.startswith(label) and clause[:20] in first, first


def test_a_request_for_something_the_guidance_does_not_cover_gets_no_clause(
    shipped: Assistant,
) -> None:
    # "summarise" is a permitted use, but a script is IT help, which the guidance names as
    # outside it: declined, not answered with a policy clause.
    answer = shipped.ask("幫我寫個 Python script 自動 summarise 啲 email")
    assert answer.refused and answer.draft is None


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("under gdpr do we need a dpia before launching an ai chatbot for eu users", "gdpr"),
        ("《僱傭條例》准唔准公司扣員工人工", "僱傭條例"),
    ],
)
def test_a_question_about_an_uncovered_law_is_declined_naming_it(
    shipped: Assistant, question: str, named: str
) -> None:
    answer = shipped.ask(question)
    assert answer.refused and answer.citations == []
    assert named in answer.text.split("\n")[0]
    assert "2827 2827" in answer.text
