from pathlib import Path

import pytest

from assistant.corpus.documents import CorpusError, check_corpus, load_corpus, parse_corpus_text
from tests.conftest import FIXTURE_CORPUS, PROJECT_ROOT

HEADER = """---
doc_id: demo-doc
title: Demo
lang: en
edition: 2024-01-01
url: ""
kind: guideline
digest: true
official_text: nowhere
---
"""


def test_sections_carry_ids_numbers_parents_and_aliases() -> None:
    corpus = load_corpus(FIXTURE_CORPUS)
    section = corpus.section("checklist-2025/4", "en")
    assert section is not None
    assert section.number == "4"
    assert section.display_heading == "4 Data security"
    assert section.parent_id == "checklist-2025/contents"
    assert section.heading_path == ("Recommended contents of a Gen AI policy",)
    assert "passwords" in section.aliases
    assert "multi-factor authentication" in section.text
    twin = corpus.twin(section)
    assert twin is not None and twin.lang == "zh-Hant" and twin.heading == "數據安全"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("## A {#demo-doc/a}\ntext\n## B {#demo-doc/a}\ntext", "duplicate section id"),
        ("## A {#Demo Doc}\ntext", "malformed section id"),
        ("## A {#other-doc/a}\ntext", "does not start with the document id"),
        ("stray text\n## A {#demo-doc/a}\ntext", "text before the first section"),
        ("## A heading without id\ntext", "heading without a section id"),
        ("", "no sections"),
    ],
)
def test_malformed_files_are_rejected_with_the_reason(body: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_corpus_text(HEADER + body, "demo.en.md")


def test_missing_front_matter_fields_are_named() -> None:
    with pytest.raises(CorpusError, match="lacks .*edition"):
        parse_corpus_text("---\ndoc_id: x\ntitle: X\nlang: en\n---\n## A {#x/a}\nt", "x.en.md")
    with pytest.raises(CorpusError, match="missing front matter"):
        parse_corpus_text("## A {#x/a}\nt", "x.en.md")


def test_check_reports_missing_twin_empty_section_and_broken_file(tmp_path: Path) -> None:
    (tmp_path / "demo-doc.en.md").write_text(
        HEADER + "## A {#demo-doc/a}\ntext\n## B {#demo-doc/b}\n", "utf-8"
    )
    (tmp_path / "broken.en.md").write_text("not a corpus file", "utf-8")
    problems = check_corpus(tmp_path, require_canonical=False)
    joined = "\n".join(problems)
    assert "demo-doc/a has no Chinese (zh-Hant) twin" in joined
    assert "demo-doc/b is empty" in joined
    assert "broken.en.md: missing front matter" in joined
    assert any("of the fact sheet is missing" in p for p in check_corpus(tmp_path))


def test_official_text_overrides_digest_and_newer_edition_wins(tmp_path: Path) -> None:
    (tmp_path / "official").mkdir()
    (tmp_path / "demo-doc.en.md").write_text(HEADER + "## A {#demo-doc/a}\ndigest text\n", "utf-8")
    official = HEADER.replace("digest: true", "digest: false")
    (tmp_path / "official" / "demo-doc.en.2023.md").write_text(
        official.replace("2024-01-01", "2023-01-01")
        + '## A {#demo-doc/a no="1" page="3"}\nold official\n',
        "utf-8",
    )
    (tmp_path / "official" / "demo-doc.en.2025.md").write_text(
        official.replace("2024-01-01", "2025-06-01")
        + '## A {#demo-doc/a no="1" page="4"}\nnew official\n',
        "utf-8",
    )
    section = load_corpus(tmp_path).section("demo-doc/a", "en")
    assert section is not None
    assert section.text == "new official"
    assert section.page == 4 and section.supersedes_digest
    assert section.document.edition == "2025-06-01"


def test_the_shipped_corpus_passes_the_check() -> None:
    assert check_corpus(PROJECT_ROOT / "corpus") == []
