"""Corpus format v2: provenance tags, notes about the digest, links between sections, and the
check that keeps every answerable sentence fit to be quoted on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus.documents import (
    CorpusError,
    check_corpus,
    load_corpus,
    parse_corpus_text,
    sentence_problems,
)
from tests.conftest import PROJECT_ROOT

FRONT = """---
doc_id: demo
title: Demo guidance
lang: {lang}
edition: 2025-01-01
url: ""
kind: guideline
digest: true
provenance: official
official_text: Demo.
---

"""

BODY = """## Use of tools {{#demo/tools no="1"}}
<!-- aliases: tools -->
<!-- see: demo/other -->
<!-- summarises: demo/other -->

{s1}
{s2} {{src=press}}

> [!digest]
> - {note}

## Other {{#demo/other}}

{s3}
"""

EN = dict(
    s1="The guidance says staff should use approved tools only.",
    s2="One newspaper reported that the guidance runs to three pages.",
    note="The page count has not been confirmed by the PCPD.",
    s3="The guidance also covers passwords.",
)
ZH = dict(
    s1="指引指出員工只應使用獲准的工具。",
    s2="有報章報道指引共三頁。",
    note="頁數未獲公署證實。",
    s3="指引亦涵蓋密碼。",
)


def _write(folder: Path, en: dict[str, str] = EN, zh: dict[str, str] = ZH) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo.en.md").write_text(FRONT.format(lang="en") + BODY.format(**en), "utf-8")
    (folder / "demo.zh-Hant.md").write_text(
        FRONT.format(lang="zh-Hant") + BODY.format(**zh), "utf-8"
    )
    return folder


def test_tags_notes_and_links_are_parsed_out_of_the_answerable_text(tmp_path: Path) -> None:
    corpus = load_corpus(_write(tmp_path / "c"))
    section = corpus.section("demo/tools", "en")
    assert section is not None
    assert "{src=" not in section.text and "confirmed" not in section.text
    assert section.notes == (EN["note"],)
    assert section.see == ("demo/other",) and section.summarises == ("demo/other",)
    assert section.provenance_of(EN["s2"]) == "press"
    assert section.provenance_of(EN["s1"]) == "official"


def test_the_check_passes_a_clean_corpus(tmp_path: Path) -> None:
    assert check_corpus(_write(tmp_path / "c"), require_canonical=False) == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("This digest does not reproduce the sample wording.", "note about the digest"),
        ("The same study found that most firms use AI.", "reference to the sentence before"),
        ("該研究發現大部分機構有使用AI。", "reference to the sentence before"),
        ("See pdpo-dpps/dpp3 for the rule.", "section id in the prose"),
        ("- staff must not enter HKID numbers；", "not a full sentence"),
    ],
)
def test_the_check_names_each_unquotable_line(line: str, problem: str) -> None:
    assert any(problem in p for p in sentence_problems(line))


def test_the_check_rejects_a_meta_sentence_in_the_text(tmp_path: Path) -> None:
    bad = dict(EN, s1="This digest does not cover the Checklist's template wording.")
    problems = check_corpus(_write(tmp_path / "c", en=bad), require_canonical=False)
    assert any("note about the digest" in p and "demo.en.md" in p for p in problems)


def test_unknown_source_control_characters_and_text_after_the_notes_are_errors() -> None:
    text = FRONT.format(lang="en") + BODY.format(**EN)
    with pytest.raises(CorpusError, match="unknown source"):
        parse_corpus_text(text.replace("{src=press}", "{src=blog}"), "demo.en.md")
    with pytest.raises(CorpusError, match=r"demo.en.md:\d+: control characters"):
        parse_corpus_text(text.replace("approved tools", "approved\x00 tools"), "demo.en.md")
    with pytest.raises(CorpusError, match="text after the digest notes"):
        parse_corpus_text(
            text.replace("> - " + EN["note"], "> - " + EN["note"] + "\nA stray line."),
            "demo.en.md",
        )


def test_the_bundled_corpus_passes_the_v2_check() -> None:
    problems = check_corpus(PROJECT_ROOT / "corpus")
    assert problems == []
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    for section_id in ("pdpo-dpps/enforcement", "pdpo-dpps/exemptions"):
        for lang in ("en", "zh-Hant"):
            assert corpus.section(section_id, lang) is not None
    assert any(s.notes for s in corpus.sections)
    assert any(s.summarises for s in corpus.sections if s.doc_id == "genai-briefing-2025")
