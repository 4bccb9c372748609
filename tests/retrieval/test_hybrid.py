from llama_index.core.retrievers import BaseRetriever

from assistant.pipeline import Assistant
from assistant.retrieval.llama_adapter import LlamaIndexRetriever


def test_chinese_questions_get_nonzero_lexical_scores(fixture_assistant: Assistant) -> None:
    retriever = fixture_assistant.retriever
    hits = retriever.bm25("員工要唔要用多重認證同強密碼？")
    assert hits and hits[0][1] > 0
    section = retriever.snapshot.chunks[hits[0][0]].section_id
    assert section == "checklist-2025/4"


def test_hybrid_search_fuses_dense_and_bm25_by_section(fixture_assistant: Assistant) -> None:
    result = fixture_assistant.retriever.search(
        "Which devices may staff use for generative AI tools?"
    )
    top = result.hits[0]
    assert top.section_id == "checklist-2025/4"
    assert top.dense_rank is not None and top.bm25_rank is not None
    assert len(set(result.section_ids)) == len(result.section_ids)  # grouped: one hit per section


def test_cross_lingual_question_finds_its_section(fixture_assistant: Assistant) -> None:
    result = fixture_assistant.retriever.search("可唔可以用客戶資料嚟訓練AI模型？")
    assert result.section_ids[0] == "pdpo-dpps/dpp3"
    english = fixture_assistant.retriever.search(
        "Can we train an AI model on customer data collected for something else?"
    )
    assert english.section_ids[0] == "pdpo-dpps/dpp3"


def test_section_reference_queries(fixture_assistant: Assistant) -> None:
    assert (
        fixture_assistant.retriever.search("保障資料第4原則講咩？").section_ids[0]
        == "pdpo-dpps/dpp4"
    )
    assert fixture_assistant.retriever.search("DPP 3").section_ids[0] == "pdpo-dpps/dpp3"


def test_the_llama_index_adapter_returns_sections_in_the_question_language(
    fixture_assistant: Assistant,
) -> None:
    retriever = LlamaIndexRetriever(fixture_assistant.retriever)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve("點樣匯報AI事故？")
    assert nodes[0].node.metadata["section_id"] == "checklist-2025/4"
    assert nodes[0].node.metadata["lang"] == "zh-Hant"
