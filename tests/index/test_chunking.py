from assistant.corpus.documents import Document, Section, load_corpus
from assistant.index.chunking import chunk_section, chunk_sections
from tests.conftest import FIXTURE_CORPUS

DOC = Document("demo", "Demo Guidance", "zh-Hant", "2024-01-01", "", "guideline", True, "x")


def test_short_sections_stay_whole_and_carry_metadata() -> None:
    corpus = load_corpus(FIXTURE_CORPUS)
    section = corpus.section("checklist-2025/4", "zh-Hant")
    assert section is not None
    chunks = chunk_section(section)
    assert len(chunks) == 1
    chunk = chunks[0]
    assert (chunk.section_id, chunk.doc_id, chunk.lang, chunk.edition) == (
        "checklist-2025/4",
        "checklist-2025",
        "zh-Hant",
        "2025-03-31",
    )
    assert chunk.heading_path == ("僱員使用生成式AI的政策或指引的建議內容",)
    # Title, heading path and aliases prefix the indexed text; the chunk text itself is the section's.
    assert chunk.search_text.startswith("僱員使用生成式AI的指引清單 | ")
    assert "密碼" in chunk.search_text.splitlines()[1]
    assert chunk.text.startswith("《指引清單》建議")


def test_long_sections_split_at_sentence_ends_in_both_scripts() -> None:
    sentences = [f"第{i}句話講述個人資料私隱的保障及AI工具的使用要求。" for i in range(60)]
    section = Section("demo/long", "zh-Hant", "長", "".join(sentences), DOC)
    chunks = chunk_section(section, max_units=120)
    assert len(chunks) > 3
    assert "".join(c.text for c in chunks) == "".join(sentences)
    assert all(c.text.endswith("。") for c in chunks)
    english = Section(
        "demo/en",
        "en",
        "Long",
        " ".join(f"Sentence {i} is about policy and data." for i in range(80)),
        DOC,
    )
    en_chunks = chunk_section(english, max_units=60)
    assert len(en_chunks) > 3 and all(c.text.endswith(".") for c in en_chunks)


def test_chunks_never_cross_sections() -> None:
    corpus = load_corpus(FIXTURE_CORPUS)
    chunks = chunk_sections(corpus.sections, max_units=20)
    for chunk in chunks:
        section = corpus.section(chunk.section_id, chunk.lang)
        assert section is not None
        for sentence in chunk.text.replace("。", "。\n").replace(". ", ".\n").splitlines():
            assert sentence.strip() in section.text
