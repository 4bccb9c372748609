"""ExtractiveAnswerer (quoted, cited answers and refusals) and the Answer/Citation JSON contract."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.model import (
    AI_SECURITY_HOTLINE,
    MESSAGES,
    PCPD_ENQUIRY_LINE,
    Answer,
    Citation,
)
from assistant.answer.plans import MAX_SECTIONS
from assistant.corpus.documents import Document, Section
from assistant.pipeline import Assistant
from assistant.retrieval.hybrid import RetrievalResult, SectionHit
from assistant.retrieval.scope import FEATURES, RefusalModel
from assistant.settings import Settings

N = len(FEATURES)
# Zero weights make the probability depend on the bias alone: sigmoid(30) ~ 1, sigmoid(-30) ~ 0.
ALWAYS_IN = RefusalModel(weights=[0.0] * N, bias=30.0, mean=[0.0] * N, scale=[1.0] * N)
NEVER_IN = RefusalModel(weights=[0.0] * N, bias=-30.0, mean=[0.0] * N, scale=[1.0] * N)

EN_CHECKLIST = "Checklist on Guidelines for the Use of Generative AI by Employees"
EN_CHECKLIST_LABEL = "Gen AI Checklist (2025)"  # its short_title
EN_PDPO = "Personal Data (Privacy) Ordinance (Cap. 486), Schedule 1 — Data Protection Principles"
ZH_CHECKLIST = "僱員使用生成式AI的指引清單"
ZH_PDPO = "《個人資料（私隱）條例》（第486章）附表1 保障資料原則"
PASSWORDS_EN = (
    "Staff should use unique, strong passwords and multi-factor authentication for AI tools."
)
INCIDENTS_EN = (
    "Staff should report AI incidents under the organisation's AI incident response plan."
)
PASSWORDS_ZH = "僱員應為AI工具設定獨特而強度高的密碼，並啟用多重認證。"
TRAINING_EN = (
    "Training an AI model on customers' data collected for another purpose is a change of "
    "purpose that needs such consent."
)


def _answerer(assistant: Assistant, refusal: RefusalModel, max_sentences: int = 4):
    return ExtractiveAnswerer(assistant.retriever, refusal, max_sentences)


def _result(
    assistant: Assistant, query: str, hits: list[tuple[str, float]], lang: str = "en"
) -> RetrievalResult:
    """A retrieval result with chosen sections and scores, and the real query vector."""
    vector = assistant.retriever.embedder.embed_queries([query])[0]
    return RetrievalResult(
        query=query,
        lang=lang,
        hits=[SectionHit(sid, score, i + 1) for i, (sid, score) in enumerate(hits)],
        query_vector=vector,
        dense_top=0.9,
        bm25_top=5.0,
        coverage=1.0,
    )


def _quoted(answer: Answer) -> list[str]:
    return [sentence for sentence, _ in answer.sentences]


def _assert_grounded(answer: Answer) -> None:
    """Every shown sentence is a sentence of the section it is cited to, marked in the text."""
    assert not answer.refused and answer.citations and answer.sentences
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    by_number = {c.number: c for c in answer.citations}
    for sentence, n in answer.sentences:
        assert sentence in by_number[n].section.text
        assert sentence in by_number[n].quotes
        assert f"{sentence} [{n}]" in answer.text
    for citation in answer.citations:
        for quote in citation.quotes:
            assert quote in citation.section.text
    sources_head = f"\n\n{MESSAGES[answer.lang]['sources']}:\n"
    assert answer.text.count(sources_head) == 1
    sources = answer.text.split(sources_head, 1)[1]
    assert sources.splitlines() == [c.source_line(answer.lang) for c in answer.citations]


# --- refusal -------------------------------------------------------------------------------


def test_refusal_text_names_the_documents_and_both_hotlines_in_english(
    fixture_assistant: Assistant,
) -> None:
    assert PCPD_ENQUIRY_LINE == "2827 2827" and AI_SECURITY_HOTLINE == "2110 1155"
    text = fixture_assistant.answerer.refusal_text("en")
    assert "2827 2827" in text and "2110 1155" in text
    assert text.index("2827 2827") < text.index("2110 1155")  # enquiry line, then AI hotline
    # One line per document, by its label (short title when it has one), English only.
    lines = text.splitlines()
    assert f"- {EN_CHECKLIST_LABEL}" in lines
    assert f"- {EN_PDPO}" in lines
    assert ZH_CHECKLIST not in text and ZH_PDPO not in text
    assert "{" not in text  # every placeholder filled


def test_refusal_text_in_chinese_lists_the_chinese_titles(fixture_assistant: Assistant) -> None:
    text = fixture_assistant.answerer.refusal_text("zh-Hant")
    assert text.startswith("本助理所依據的私隱專員公署指引沒有涵蓋這個問題")
    assert "熱線 2827 2827" in text and "熱線 2110 1155" in text
    lines = text.splitlines()
    assert f"- {ZH_CHECKLIST}" in lines and f"- {ZH_PDPO}" in lines
    assert EN_CHECKLIST not in text and EN_CHECKLIST_LABEL not in text
    assert "《《" not in text
    assert "{" not in text


def test_a_decline_names_what_the_guidance_does_not_cover(fixture_assistant: Assistant) -> None:
    assert "does not cover GDPR, so" in fixture_assistant.answerer.refusal_text("en", "GDPR")
    assert "沒有涵蓋強積金，因此" in fixture_assistant.answerer.refusal_text("zh-Hant", "強積金")


def test_no_hits_is_refused_with_the_refusal_text(fixture_assistant: Assistant) -> None:
    result = _result(fixture_assistant, "anything", [], lang="zh-Hant")
    answer = _answerer(fixture_assistant, ALWAYS_IN).answer("anything", result)
    assert answer.refused
    assert answer.refusal_reason == "no section matched"
    assert answer.text == fixture_assistant.answerer.refusal_text("zh-Hant")
    assert answer.lang == "zh-Hant"
    assert answer.citations == [] and answer.sentences == []
    assert answer.retrieval is result


def test_out_of_scope_question_is_refused_on_weak_evidence(fixture_assistant: Assistant) -> None:
    question = "What is the capital of France?"
    result = fixture_assistant.retriever.search(question)
    assert result.hits  # retrieval always finds something; the scope model must say no
    answerer = fixture_assistant.answerer
    answer = answerer.answer(question, result)
    assert answer.refused
    assert answer.in_scope_probability < answerer.refusal.threshold
    assert answer.in_scope_probability == pytest.approx(answerer.refusal.probability(result))
    assert answer.refusal_reason.startswith("weak evidence: in-scope probability")
    assert f"< {answerer.refusal.threshold:.2f}" in answer.refusal_reason
    assert answer.text == answerer.refusal_text("en")
    assert answer.citations == [] and answer.sentences == []


def test_the_refusal_model_decides_for_the_same_evidence(fixture_assistant: Assistant) -> None:
    question = "Do staff need multi-factor authentication?"
    result = fixture_assistant.retriever.search(question)
    answered = _answerer(fixture_assistant, ALWAYS_IN).answer(question, result)
    refused = _answerer(fixture_assistant, NEVER_IN).answer(question, result)
    assert not answered.refused and answered.citations
    assert refused.refused and not refused.citations
    assert refused.refusal_reason.startswith("weak evidence: in-scope probability 0.00 < 0.40")
    assert refused.in_scope_probability < 1e-6
    assert answered.in_scope_probability > 1 - 1e-6


def test_probability_at_the_threshold_answers(fixture_assistant: Assistant) -> None:
    question = "Do staff need strong passwords?"
    result = _result(fixture_assistant, question, [("checklist-2025/4", 1.0)])
    # sigmoid(0) == 0.5: exactly at the threshold is enough to answer.
    at = RefusalModel([0.0] * N, 0.0, [0.0] * N, [1.0] * N, threshold=0.5)
    above = RefusalModel([0.0] * N, 0.0, [0.0] * N, [1.0] * N, threshold=0.51)
    assert not _answerer(fixture_assistant, at).answer(question, result).refused
    assert _answerer(fixture_assistant, above).answer(question, result).refused


# --- answers: citations and sentence choice --------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Do staff need multi-factor authentication?",
        "What should the policy say about permitted tools?",
        "Can we train an AI model on customer data collected for something else?",
        "What does DPP 4 require?",
        "員工要唔要用多重認證同強密碼？",
        "可唔可以用客戶資料訓練AI？",
    ],
)
def test_answers_quote_cited_sentences_verbatim(
    fixture_assistant: Assistant, question: str
) -> None:
    answer = fixture_assistant.answerer.answer(
        question, fixture_assistant.retriever.search(question)
    )
    _assert_grounded(answer)


def test_blocks_follow_the_shown_sentences(fixture_assistant: Assistant) -> None:
    question = "What should the policy say about permitted tools?"
    answer = fixture_assistant.answerer.answer(
        question, fixture_assistant.retriever.search(question)
    )
    # No answer card in the fixture corpus: one block per quoted sentence, in the order shown.
    assert [b["text"] for b in answer.blocks] == _quoted(answer)
    assert [b["n"][0] for b in answer.blocks] == [n for _, n in answer.sentences]
    kinds = [b["kind"] for b in answer.blocks]
    assert kinds[0] == "lead" and "evidence" in kinds
    order = {"lead": 0, "item": 1, "evidence": 2}
    assert [order[k] for k in kinds] == sorted(order[k] for k in kinds)
    assert answer.to_json()["blocks"] == answer.blocks


def test_the_sentence_that_answers_leads(fixture_assistant: Assistant) -> None:
    question = "Do staff need multi-factor authentication?"
    answer = fixture_assistant.answerer.answer(
        question, fixture_assistant.retriever.search(question)
    )
    assert answer.sentences[0] == (PASSWORDS_EN, 1)
    assert answer.citations[0].section.id == "checklist-2025/4"
    assert answer.text.startswith(PASSWORDS_EN + " [1]")


def test_the_change_of_purpose_question_quotes_dpp3(fixture_assistant: Assistant) -> None:
    question = "Can we train an AI model on customer data collected for something else?"
    answer = fixture_assistant.answerer.answer(
        question, fixture_assistant.retriever.search(question)
    )
    assert TRAINING_EN in _quoted(answer)
    assert answer.citations[0].section.id == "pdpo-dpps/dpp3"


def test_sentences_come_from_the_section_that_answers(fixture_assistant: Assistant) -> None:
    question = "What should the policy say about permitted tools?"
    answer = fixture_assistant.answerer.answer(
        question, fixture_assistant.retriever.search(question)
    )
    assert {c.section.id for c in answer.citations} == {"checklist-2025/1"}
    assert (
        "The Checklist recommends that the policy names the generative AI tools staff may use."
        in _quoted(answer)
    )


def test_chinese_question_gets_chinese_sentences(fixture_assistant: Assistant) -> None:
    question = "員工要唔要用多重認證同強密碼？"
    answer = fixture_assistant.answerer.answer(
        question, fixture_assistant.retriever.search(question)
    )
    assert answer.lang == "zh-Hant" and not answer.refused
    assert answer.citations[0].section.id == "checklist-2025/4"
    assert all(c.section.lang == "zh-Hant" for c in answer.citations)
    assert answer.sentences[0] == (PASSWORDS_ZH, 1)
    assert f"\n\n{MESSAGES['zh-Hant']['sources']}:\n" in answer.text


def test_result_language_chooses_the_section_language(fixture_assistant: Assistant) -> None:
    # An English question answered for a Chinese interface quotes the Chinese twin.
    question = "Do staff need multi-factor authentication?"
    result = fixture_assistant.retriever.search(question, lang="zh-Hant")
    answer = fixture_assistant.answerer.answer(question, result)
    assert answer.lang == "zh-Hant"
    assert {c.section.lang for c in answer.citations} == {"zh-Hant"}
    assert PASSWORDS_ZH in _quoted(answer)
    _assert_grounded(answer)


def test_max_sentences_caps_the_supporting_quotes(fixture_assistant: Assistant) -> None:
    question = "What should the policy say about permitted tools?"
    result = fixture_assistant.retriever.search(question)
    wide = _answerer(fixture_assistant, ALWAYS_IN, max_sentences=5).answer(question, result)
    narrow = _answerer(fixture_assistant, ALWAYS_IN, max_sentences=1).answer(question, result)
    assert len(narrow.sentences) < len(wide.sentences)
    assert narrow.sentences == wide.sentences[: len(narrow.sentences)]
    evidence = MESSAGES["en"]["evidence"]
    shown = narrow.text.split(evidence, 1)[1].split("\n\n")[0].strip().splitlines()
    assert len(shown) == 1 and shown[0].startswith("- ")


def test_sections_far_below_the_best_are_not_used(fixture_assistant: Assistant) -> None:
    question = "Do staff need strong passwords?"
    # Half the best score: the second section is not quoted, however well its sentences match.
    hits = [("checklist-2025/4", 1.0), ("pdpo-dpps/dpp4", 0.5)]
    answer = _answerer(fixture_assistant, ALWAYS_IN, max_sentences=10).answer(
        question, _result(fixture_assistant, question, hits)
    )
    assert {c.section.id for c in answer.citations} == {"checklist-2025/4"}


def test_only_the_best_few_sections_are_quoted(fixture_assistant: Assistant) -> None:
    question = "Do staff need strong passwords?"
    hits = [
        ("checklist-2025/4", 1.0),
        ("pdpo-dpps/dpp4", 1.0),
        ("checklist-2025/2", 1.0),
        ("pdpo-dpps/dpp3", 1.0),
        ("checklist-2025/1", 1.0),
    ]
    answer = _answerer(fixture_assistant, ALWAYS_IN, max_sentences=10).answer(
        question, _result(fixture_assistant, question, hits)
    )
    allowed = {sid for sid, _ in hits[:MAX_SECTIONS]}
    assert {c.section.id for c in answer.citations} <= allowed
    _assert_grounded(answer)


def test_focus_picks_what_is_new_in_a_follow_up(fixture_assistant: Assistant) -> None:
    # The follow-up was retrieved together with the previous question.
    query = "Which devices may staff use for generative AI tools? what about incidents?"
    result = fixture_assistant.retriever.search(query)
    answerer = fixture_assistant.answerer
    plain = _quoted(answerer.answer(query, result))
    focused_answer = answerer.answer(query, result, focus="what about incidents?")
    focused = _quoted(focused_answer)
    assert focused[0] == INCIDENTS_EN
    assert PASSWORDS_EN in plain and PASSWORDS_EN not in focused
    assert focused_answer.question == query  # focus steers the choice, not the shown question
    # Without ``focus`` the question itself is the focus when it differs from the query.
    assert _quoted(answerer.answer("what about incidents?", result)) == focused


def test_focus_equal_to_the_query_changes_nothing(fixture_assistant: Assistant) -> None:
    question = "Do staff need multi-factor authentication?"
    result = fixture_assistant.retriever.search(question)
    answerer = fixture_assistant.answerer
    assert (
        answerer.answer(question, result, focus=question).sentences
        == answerer.answer(question, result).sentences
    )


# --- model.py: Citation and Answer ----------------------------------------------------------


def _section(**changes: object) -> Section:
    document = Document(
        doc_id="doc",
        title="A Guide",
        lang="en",
        edition="2024-06-01",
        url="https://example.org/guide.pdf",
        kind="guideline",
        digest=bool(changes.pop("digest", False)),
        official_text="",
    )
    fields = {"id": "doc/1", "lang": "en", "heading": "Governance", "text": "Text."}
    fields.update(changes)
    return Section(document=document, **fields)  # type: ignore[arg-type]


def test_citation_as_dict() -> None:
    section = _section(number="1.3", page=7, see=("doc/2",))
    citation = Citation(2, section, ["First quote.", "Second quote."])
    data = citation.as_dict()
    assert {k: v for k, v in data.items() if k != "quotes"} == {
        "n": 2,
        "section_id": "doc/1",
        "doc_id": "doc",
        "title": "A Guide",
        "heading": "1.3 Governance",
        "number": "1.3",
        "lang": "en",
        "url": "https://example.org/guide.pdf",
        "edition": "2024-06-01",
        "digest": False,
        "page": 7,
        "quote": "First quote. Second quote.",
        "see": ["doc/2"],
    }
    assert [q["text"] for q in data["quotes"]] == ["First quote.", "Second quote."]
    assert all(q["provenance"] == section.document.provenance for q in data["quotes"])


def test_citation_source_line_says_what_kind_of_text_it_is() -> None:
    official = Citation(1, _section(number="1.3", page=7), [])
    assert official.source_line("en") == (
        "[1] A Guide — 1.3 Governance (edition 2024-06-01, p. 7; official text) "
        "https://example.org/guide.pdf"
    )
    digest = Citation(3, _section(digest=True), []).source_line("en")
    assert digest.startswith("[3] A Guide — Governance (edition 2024-06-01; digest;")
    replacing = Citation(1, _section(supersedes_digest=True), []).source_line("en")
    assert "official text, replacing the digest" in replacing
    zh = Citation(1, _section(), []).source_line("zh-Hant")
    assert "(版本 2024-06-01; 官方文本)" in zh


def test_answer_to_json_contract() -> None:
    citation = Citation(1, _section(), ["Text."])
    answer = Answer(
        "q",
        "en",
        "the answer",
        False,
        [citation],
        [("Text.", 1)],
        warnings=[{"kind": "hkid", "message": "m"}],
        timings_ms={"total": 12.3456, "embed": 1.0},
        answer_type="fact",
    )
    data = answer.to_json()
    assert set(data) == {
        "answer",
        "lang",
        "refused",
        "citations",
        "warnings",
        "timings_ms",
        "answer_type",
        "card",
        "blocks",
    }
    assert data["answer"] == "the answer" and data["lang"] == "en" and data["refused"] is False
    assert data["citations"] == [citation.as_dict()]
    assert data["warnings"] == [{"kind": "hkid", "message": "m"}]
    assert data["timings_ms"] == {"total": 12.35, "embed": 1.0}
    assert data["answer_type"] == "fact" and data["card"] is None
    assert data["blocks"] == []
    # No retrieval: no trace even when asked for.
    assert "trace" not in answer.to_json(trace=True)
    answer.draft = {"clause": "x"}
    assert answer.to_json()["draft"] == {"clause": "x"}


def test_answer_to_json_trace() -> None:
    result = RetrievalResult(
        query="retrieved with context",
        lang="en",
        hits=[SectionHit("doc/1", 0.0333333, 1, dense_score=0.91234567, dense_rank=1)],
        query_vector=np.zeros(3),
        dense_top=0.912345678,
        bm25_top=3.14159265,
        coverage=0.66666,
    )
    answer = Answer(
        "q", "en", "t", True, retrieval=result, in_scope_probability=0.12345, refusal_reason="why"
    )
    assert "trace" not in answer.to_json()
    trace = answer.to_json(trace=True)["trace"]
    assert trace["retrieval_query"] == "retrieved with context"
    assert trace["hits"] == [result.hits[0].as_dict()]
    assert trace["dense_top"] == 0.9123
    assert trace["bm25_top"] == 3.1416
    assert trace["coverage"] == 0.667
    assert trace["in_scope_probability"] == 0.123
    assert trace["refusal_reason"] == "why"
    assert "generation" not in trace
    answer.generation = {"status": "generated", "model": "m"}
    assert answer.to_json(trace=True)["trace"]["generation"] == answer.generation


def test_answer_generated_and_llm_model() -> None:
    answer = Answer("q", "en", "t", False)
    assert not answer.generated and answer.llm_model == ""
    answer.generation = {"status": "generated", "model": "smol"}
    assert answer.generated and answer.llm_model == "smol"
    answer.generation = {"status": "fallback", "model": "smol", "summary": "timeout"}
    assert not answer.generated
    assert answer.llm_model == "smol (not used: timeout)"


@pytest.fixture(scope="module")
def shipped(real_settings: Settings) -> Assistant:
    return Assistant(real_settings)


def test_a_card_that_never_touches_the_named_risk_is_not_matched(shipped: Assistant) -> None:
    # The policy-breach card's asks overlap 「犯唔犯法」, but deepfakes are a risk its sections
    # never deal with: the deepfake card (or none) must answer, never that one.
    answer = shipped.ask("deepfake犯唔犯法")
    assert answer.card is None or answer.card["id"] != "breaching-ai-policy-versus-breaching-pdpo"
    assert "深度偽造" in answer.text.split("\n")[0]


def test_a_situation_question_leads_with_what_the_guidance_says_to_do(shipped: Assistant) -> None:
    answer = shipped.ask(
        "our intern pasted a customer complaint with the customer's name and phone number "
        "into chatgpt, what now"
    )
    assert answer.answer_type == "situation"
    first = answer.text.split("\n")[0]
    assert "incident" in first.lower(), first
    assert answer.citations[0].section.id == "checklist-2025/4"
