"""The web UI's service layer (``UIService``), called directly, without Gradio.

Most tests use the fixture corpus's built index; the section lookups that need a corpus of a
particular shape (a document in one language only) use a small corpus given to the service.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.corpus.documents import Corpus, Document, Section
from assistant.drafting import DraftError
from assistant.index.embeddings import EmbedderError
from assistant.index.snapshot import IndexCorrupt, IndexMismatch, IndexMissing
from assistant.index.store import StoreUnavailable
from assistant.interfaces.web.render import BROWSE, CITE, DRAFT, esc
from assistant.interfaces.web.service import (
    FAILURES,
    KEPT_DRAFTS,
    UIService,
    draft_file_stem,
)
from assistant.interfaces.web.text import FAQ, t
from assistant.pipeline import Assistant
from assistant.safety.audit import AuditError
from assistant.safety.feedback import FeedbackError
from assistant.safety.validation import QuestionError
from assistant.settings import Settings

DEVICES = "Which devices may staff use with generative AI tools?"
PASSWORDS = "Do staff need strong passwords for AI tools?"


@pytest.fixture(scope="module")
def ui_settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return built_settings.replace(data_dir=tmp_path_factory.mktemp("ui-service-data"))


@pytest.fixture(scope="module")
def service(ui_settings: Settings, fixture_assistant: Assistant) -> UIService:
    return UIService(ui_settings, fixture_assistant)


# ---------------------------------------------------------------- a corpus of a chosen shape


def _doc(doc_id: str, lang: str, title: str, short_title: str = "") -> Document:
    return Document(
        doc_id=doc_id,
        title=title,
        lang=lang,
        edition="2024-01-01",
        url=f"https://example.org/{doc_id}-{lang}.pdf",
        kind="guideline",
        digest=True,
        official_text="",
        short_title=short_title,
    )


def _section(
    doc: Document, key: str, heading: str, order: int, parent: str | None = None, level: int = 2
) -> Section:
    return Section(
        id=f"{doc.doc_id}/{key}",
        lang=doc.lang,
        heading=heading,
        text=f"The {heading.lower()} section says what staff should do.",
        document=doc,
        level=level,
        parent_id=parent,
        order=order,
    )


@pytest.fixture
def shaped(built_settings: Settings, tmp_path: Path) -> UIService:
    """A bilingual guide and an English-only memo (with two subsections under its first part)."""
    guide_en = _doc("guide", "en", "Staff guide", "Guide")
    guide_zh = _doc("guide", "zh-Hant", "員工指南")
    memo = _doc("memo", "en", "Internal memo")
    sections = [
        _section(guide_en, "a", "Tools", 0),
        _section(guide_zh, "a", "工具", 0),
        _section(memo, "intro", "Introduction", 0),
        # Ids in the opposite of their order, so that order, not the id, decides.
        _section(memo, "a-second", "Second", 2, parent="memo/intro", level=3),
        _section(memo, "z-first", "First", 1, parent="memo/intro", level=3),
        _section(memo, "end", "End", 3),
    ]
    corpus = Corpus(documents=[guide_en, guide_zh, memo], sections=sections)
    stand_in: Any = SimpleNamespace(snapshot=SimpleNamespace(corpus=corpus))
    return UIService(built_settings.replace(data_dir=tmp_path / "data"), stand_in)


def test_documents_are_listed_in_corpus_order_and_labelled_in_the_language_asked(
    shaped: UIService,
) -> None:
    assert shaped.documents("en") == [("Guide", "guide"), ("Internal memo", "memo")]
    # A document with no Chinese version keeps its English label.
    assert shaped.documents("zh-Hant") == [("員工指南", "guide"), ("Internal memo", "memo")]


def test_doc_sections_follow_the_document_order_and_fall_back_to_the_other_language(
    shaped: UIService,
) -> None:
    ids = [s.id for s in shaped.doc_sections("memo", "en")]
    assert ids == ["memo/intro", "memo/z-first", "memo/a-second", "memo/end"]
    fallback = shaped.doc_sections("memo", "zh-Hant")
    assert [s.id for s in fallback] == ids and {s.lang for s in fallback} == {"en"}
    assert [s.lang for s in shaped.doc_sections("guide", "zh-Hant")] == ["zh-Hant"]
    assert shaped.doc_sections("nothing", "en") == []


def test_a_section_missing_in_a_language_is_shown_in_the_other_without_a_twin_link(
    shaped: UIService,
) -> None:
    html = shaped.section_html("memo/end", "zh-Hant", "zh-Hant")
    assert html is not None
    assert '<div class="src-body" lang="en">' in html and "twin-link" not in html
    assert t("zh-Hant", "edition") in html  # the labels still follow the interface
    assert shaped.section_html("memo/missing", "en", "en") is None


def test_a_section_panel_lists_its_subsections_in_order_and_links_its_parent(
    shaped: UIService,
) -> None:
    parent = shaped.section_html("memo/intro", "en", "en")
    assert parent is not None
    assert parent.index("#cite=memo/z-first@en") < parent.index("#cite=memo/a-second@en")
    assert t("en", "subsections") in parent
    child = shaped.section_html("memo/z-first", "en", "en")
    assert child is not None and 'href="#cite=memo/intro@en">Introduction</a>' in child


def test_only_browsing_shows_previous_and_next_sections(shaped: UIService) -> None:
    browsed = shaped.section_html("memo/z-first", "en", "en", BROWSE)
    assert browsed is not None
    assert '<a class="nav-prev" href="#browse=memo/intro@en">← Introduction</a>' in browsed
    assert '<a class="nav-next" href="#browse=memo/a-second@en">Second →</a>' in browsed
    last = shaped.section_html("memo/end", "en", "en", BROWSE)
    assert last is not None and "nav-prev" in last and "nav-next" not in last
    cited = shaped.section_html("memo/z-first", "en", "en", CITE)
    assert cited is not None and "src-nav" not in cited


def test_toc_marks_the_current_section(shaped: UIService) -> None:
    toc = shaped.toc("memo", "en", "memo/a-second")
    assert toc.count('href="#browse=memo/') == 4
    assert '<a class="toc-item current level-3" href="#browse=memo/a-second@en">Second</a>' in toc


# ---------------------------------------------------------------- the fixture index


def test_the_service_knows_the_indexed_sections_and_their_labels(service: UIService) -> None:
    assert service.default_lang == "en"
    assert 0.0 < service.threshold < 1.0
    assert {"checklist-2025/4", "pdpo-dpps/dpp4"} <= service.known_ids
    assert service.doc_labels("en")["checklist-2025/4"] == "Gen AI Checklist (2025)"
    assert service.headings("en")["checklist-2025/4"] == "4 Data security"
    assert service.headings("zh-Hant")["checklist-2025/4"] == "4 數據安全"
    chinese = service.section("checklist-2025/4", "zh-Hant")
    assert chinese is not None and chinese.lang == "zh-Hant"
    assert service.section("checklist-2025/99", "en") is None


def test_the_default_language_follows_the_settings(
    ui_settings: Settings, fixture_assistant: Assistant
) -> None:
    chinese = UIService(ui_settings.replace(default_lang="zh-Hant"), fixture_assistant)
    assert chinese.default_lang == "zh-Hant"


def test_ask_returns_the_answer_and_its_payload_has_what_the_chat_shows(
    service: UIService,
) -> None:
    answer = service.ask(PASSWORDS)
    assert not answer.refused and answer.lang == "en"
    assert answer.citations[0].section.id == "checklist-2025/4"
    data = service.payload(answer)
    assert data["question"] == PASSWORDS
    assert data["sentences"] == [[s, n] for s, n in answer.sentences]
    assert any("strong passwords" in sentence for sentence, _ in data["sentences"])
    numbers = {c["n"] for c in data["citations"]}
    assert {n for _, n in data["sentences"]} <= numbers
    assert data["trace"]["hits"][0]["section_id"] == "checklist-2025/4"
    assert {k: data[k] for k in ("answer", "lang", "refused")} == {
        "answer": answer.text, "lang": "en", "refused": False
    }  # fmt: skip


def test_a_follow_up_keeps_the_earlier_question_for_feedback(service: UIService) -> None:
    answer = service.ask("咁密碼呢？", [DEVICES])
    assert answer.lang == "zh-Hant" and "多重認證" in answer.text
    turn = service.turn_record(answer, ["An older question?", DEVICES])
    assert turn == {
        "question": "咁密碼呢？",
        "lang": "zh-Hant",
        "section_ids": ["checklist-2025/4"],
        "refused": False,
        "history": [DEVICES],  # only the question it follows
        "answer": answer.text,
    }
    # A question that stands on its own needs no earlier one.
    standalone = service.ask(PASSWORDS, [DEVICES])
    assert service.turn_record(standalone, [DEVICES])["history"] == []


def test_a_refusal_has_no_citations_or_sentences(service: UIService) -> None:
    answer = service.ask("點樣整菠蘿包？")
    data = service.payload(answer)
    assert data["refused"] and data["citations"] == [] and data["sentences"] == []
    turn = service.turn_record(answer, [])
    assert turn["refused"] and turn["section_ids"] == [] and "2827 2827" in turn["answer"]


def test_cited_sections_highlight_what_the_answer_quoted(service: UIService) -> None:
    quoted = [
        "Staff should use unique, strong passwords and multi-factor authentication for AI tools."
    ]
    html = service.section_html("checklist-2025/4", "en", "en", CITE, quoted)
    assert html is not None
    assert f"<mark>{quoted[0]}</mark>" in html and t("en", "quoted_note") in html
    assert 'href="#cite=checklist-2025/contents@en"' in html  # its parent, in the same panel
    assert service.section_html("checklist-2025/99", "en", "en") is None


# ---------------------------------------------------------------- the other language


@pytest.mark.parametrize(("lang", "twin"), [("en", "zh-Hant"), ("zh-Hant", "en")])
def test_twin_lang_is_the_other_language(lang: str, twin: str) -> None:
    assert UIService.twin_lang(lang) == twin


@pytest.mark.parametrize(
    ("lang", "prefix", "link"),
    [
        ("en", CITE, '<a class="twin-link" href="#cite=checklist-2025/4@zh-Hant">⇄ 中文</a>'),
        (
            "zh-Hant",
            BROWSE,
            '<a class="twin-link" href="#browse=checklist-2025/4@en">⇄ English</a>',
        ),
    ],
)
def test_a_section_links_its_other_language_version_in_the_same_panel(
    service: UIService, lang: str, prefix: str, link: str
) -> None:
    html = service.section_html("checklist-2025/4", lang, "en", prefix)
    assert html is not None and link in html
    assert f'<div class="src-body" lang="{lang}">' in html


# ---------------------------------------------------------------- personal data and feedback


def test_privacy_check_finds_redacts_and_warns_in_the_texts_language(service: UIService) -> None:
    chinese = service.privacy_check("我電話係 91234567")
    assert chinese["found"] and chinese["kinds"] == ["phone"] and chinese["spans"] == [[5, 13]]
    assert chinese["redacted"] == "我電話係 [電話]" and chinese["message"].startswith("這似乎是")
    english = service.privacy_check("我電話係 91234567", "en")
    assert english["redacted"] == "我電話係 [PHONE]"
    assert english["message"].startswith("This looks like personal data (a phone number)")
    clean_texts: list[Any] = ["What does DPP 4 require?", "", None]
    for clean in clean_texts:
        result = service.privacy_check(clean)
        assert result == {"found": False, "kinds": [], "spans": [], "redacted": clean or "",
                          "message": ""}  # fmt: skip


def test_feedback_on_an_answer_is_stored_redacted(service: UIService) -> None:
    answer = service.ask(f"{PASSWORDS} Mail me at tm@example.com")
    turn = service.turn_record(answer, [])
    row_id = service.record_feedback(turn, "wrong_citation", "call 9123 4567")
    row = next(r for r in service.feedback.rows() if r.id == row_id)
    assert row.rating == "wrong_citation" and row.lang == "en"
    assert "tm@example.com" not in row.question and "[EMAIL]" in row.question
    assert row.comment == "call [PHONE]"


@pytest.mark.parametrize(
    ("changes", "rating", "message"),
    [
        ({}, "meh", "rating must be one of up, down, wrong_citation"),
        ({"lang": "fr"}, "up", "lang must be one of"),
        ({"question": "  "}, "up", "needs the question"),
        ({"question": None}, "up", "needs the question"),
        ({"section_ids": ["checklist-2025/99"]}, "up", "no section checklist-2025/99"),
        ({"section_ids": ["../etc/passwd"]}, "up", "not a section id"),
        ({"section_ids": ["checklist-2025/4"] * 11}, "up", "at most 10"),
        ({"history": "one earlier question"}, "up", "history must be a list"),
    ],
)
def test_feedback_that_cannot_be_stored_is_refused_and_nothing_is_written(
    service: UIService, changes: dict[str, Any], rating: str, message: str
) -> None:
    turn = {"question": "Strong passwords?", "lang": "en", "section_ids": ["checklist-2025/4"],
            "refused": False, "history": [], "answer": "..."}  # fmt: skip
    before = len(service.feedback.rows())
    with pytest.raises(FeedbackError, match=message):
        service.record_feedback({**turn, **changes}, rating)
    assert len(service.feedback.rows()) == before


def test_faq_groups_questions_by_topic_in_the_interface_language() -> None:
    for lang in ("en", "zh-Hant"):
        faq = UIService.faq(lang)
        assert [(g["topic"], tuple(g["questions"])) for g in faq] == [
            (topic, tuple(questions)) for topic, questions in FAQ[lang]
        ]
        assert all(isinstance(g["questions"], list) and g["questions"] for g in faq)
    assert UIService.faq("fr") == UIService.faq("en")


# ---------------------------------------------------------------- policy drafts


def test_draft_options_turn_the_form_into_drafting_options() -> None:
    form = {"org": None, "mfa": "yes", "anonymise": "no", "human_review": "unset",
            "uses": ("drafting", 3), "input_internal_only": True, "retention": 30}  # fmt: skip
    assert UIService.draft_options(form) == {
        "org": "", "mfa": True, "anonymise": False, "human_review": None,
        "uses": ["drafting", "3"], "input_internal_only": True, "retention": "30",
    }  # fmt: skip


def test_draft_makes_a_whole_policy_in_the_language_asked(service: UIService) -> None:
    draft = service.draft({"org": "Acme Trading Ltd", "lang": "zh-Hant"})
    assert draft.mode == "policy" and draft.lang == "zh-Hant" and draft.org == "Acme Trading Ltd"
    data = draft.to_json()
    assert data["parts"][0]["clauses"][0]["number"] == "1.1"
    assert data["coverage"] and data["coverage_summary"]["total"] == len(data["coverage"])


def test_a_clause_follows_the_requests_language_unless_one_is_given(service: UIService) -> None:
    request = "幫我寫一條關於AI生成內容加水印嘅條款"
    chinese = service.draft({"org": "Acme Ltd"}, request)
    assert chinese.mode == "clause" and chinese.lang == "zh-Hant"
    assert chinese.route is not None and chinese.route.item == "labelling"
    english = service.draft({"org": "Acme Ltd", "lang": "en"}, request)
    assert english.mode == "clause" and english.lang == "en"
    clause = service.draft({"org": "Acme Ltd"}, "a clause on what HR staff must not paste")
    assert clause.route is not None and clause.route.item == "prohibited_input"
    assert "Acme Ltd" in clause.to_json()["parts"][0]["clauses"][0]["text"]


def test_a_blank_request_drafts_a_policy_which_needs_the_organisation(service: UIService) -> None:
    for options, request in [(None, ""), ({"lang": "en"}, "   ")]:
        with pytest.raises(DraftError) as raised:
            service.draft(options, request)
        assert raised.value.code == "need_org"
        assert service.draft_error(raised.value, "zh-Hant") == t("zh-Hant", "draft_need_org")


def test_draft_quotes_hold_what_each_clause_follows(service: UIService) -> None:
    data = service.draft({"org": "Acme Ltd"}, "幫我寫一條關於AI生成內容加水印嘅條款").to_json()
    quotes = service.draft_quotes(data)
    assert list(quotes) == ["1.1|checklist-2025/3@zh-Hant"]
    sentences = quotes["1.1|checklist-2025/3@zh-Hant"]
    quote = data["parts"][0]["clauses"][0]["citations"][0]["quote"]
    assert sentences and "".join(sentences) == quote  # the quote, sentence by sentence
    policy = service.draft({"org": "Acme Ltd", "lang": "en"}).to_json()
    clauses = [c for part in policy["parts"] for c in part["clauses"] if c["citations"]]
    # One entry per clause: only its first (Checklist) citation.
    assert len(service.draft_quotes(policy)) == len(clauses)
    assert service.draft_quotes({}) == {}


def test_draft_sections_open_in_the_draft_panel_from_the_index_or_the_bundled_corpus(
    service: UIService,
) -> None:
    quotes = ["Staff should store AI output according to the organisation's information "
              "management policy and delete it under the retention policy."]  # fmt: skip
    html = service.draft_section_html("checklist-2025/2", "en", "en", quotes)
    assert html is not None and f"<mark>{esc(quotes[0])}</mark>" in html
    assert t("en", "draft_followed_note") in html and t("en", "quoted_note") not in html
    assert f'href="#{DRAFT}=checklist-2025/2@zh-Hant"' in html  # its other language, same panel
    # The fixture index lacks section 3; the drafter cites it from the bundled corpus.
    assert "checklist-2025/3" not in service.known_ids
    assert {"checklist-2025/3"} | service.known_ids <= service.draft_ids
    bundled = service.draft_section_html("checklist-2025/3", "en", "en")
    assert bundled is not None and 'lang="en"' in bundled
    assert service.draft_section_html("checklist-2025/99", "en", "en") is None


def test_draft_files_are_markdown_and_word_in_a_folder_of_their_own(
    ui_settings: Settings, fixture_assistant: Assistant
) -> None:
    service = UIService(ui_settings, fixture_assistant)
    draft = service.draft({"org": "Acme Trading Ltd", "lang": "en"})
    markdown, docx = service.draft_files(draft)
    assert markdown.name == "gen-ai-policy-acme-trading-ltd.md"
    assert docx.name == "gen-ai-policy-acme-trading-ltd.docx" and docx.stat().st_size > 0
    assert markdown.read_text("utf-8") == draft.to_markdown()
    again, _ = service.draft_files(draft)
    assert again.parent != markdown.parent and again.parent.parent == markdown.parent.parent


def test_only_the_latest_drafts_are_kept(
    ui_settings: Settings, fixture_assistant: Assistant
) -> None:
    service = UIService(ui_settings, fixture_assistant)
    draft = service.draft({"org": "Acme Ltd", "lang": "en"})
    first, _ = service.draft_files(draft)
    drafts = first.parent.parent
    old = []
    for n in range(KEPT_DRAFTS + 5):
        folder = drafts / f"old-{n:02d}"
        folder.mkdir()
        os.utime(folder, (1_000_000 + n, 1_000_000 + n))  # older than the first draft
        old.append(folder)
    latest, _ = service.draft_files(draft)
    kept = sorted(d for d in drafts.iterdir() if d.is_dir())
    assert len(kept) == KEPT_DRAFTS
    assert latest.parent in kept and first.parent in kept
    assert not any(folder.exists() for folder in old[:7])  # the oldest went first
    assert all(folder.exists() for folder in old[7:])


def test_draft_file_stems_are_plain_names() -> None:
    # Stand-ins with just what the name is made of.
    clause: Any = SimpleNamespace(mode="clause", route=SimpleNamespace(item="prohibited_input"))
    assert draft_file_stem(clause) == "gen-ai-clause-prohibited-input"
    unrouted: Any = SimpleNamespace(mode="clause", route=None)
    assert draft_file_stem(unrouted) == "gen-ai-clause-clause"
    for org, stem in [
        ("Acme (Asia) Ltd.", "gen-ai-policy-acme-asia-ltd"),
        ("雅克美有限公司", "gen-ai-policy"),
        ("A" * 39 + " B" * 10, "gen-ai-policy-" + "a" * 39),
    ]:
        policy: Any = SimpleNamespace(mode="policy", org=org)
        assert draft_file_stem(policy) == stem


# ---------------------------------------------------------------- what bad input is told


@pytest.mark.parametrize(
    ("question", "en", "zh"),
    [
        ("", FAILURES["en"]["empty"], FAILURES["zh-Hant"]["empty"]),
        ("   ", FAILURES["en"]["empty"], FAILURES["zh-Hant"]["empty"]),
        ("x" * 4001, "That question is 4,001 characters long; please keep it under 4,000.",
         "問題長 4,001 個字元，請縮短至 4,000 個字元以內。"),
        ("Which\x1b[31m devices?", t("en", "error_control"), t("zh-Hant", "error_control")),
        ("???", FAILURES["en"]["no_words"], FAILURES["zh-Hant"]["no_words"]),
        ("bad \ud800 text", FAILURES["en"]["invalid"], FAILURES["zh-Hant"]["invalid"]),
    ],
)  # fmt: skip
def test_questions_that_cannot_be_asked_are_explained_in_the_interface_language(
    service: UIService, question: str, en: str, zh: str
) -> None:
    assert service.question_error(question, "en") == en
    assert service.question_error(question, "zh-Hant") == zh
    assert service.question_error(question, "fr") == en  # an unknown interface is English


def test_a_question_that_can_be_asked_has_no_error(service: UIService) -> None:
    for question in (PASSWORDS, "咁密碼呢？", "x" * 4000):
        assert service.question_error(question, "en") is None


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (StoreUnavailable("no server at 127.0.0.1:8000"), "store"),
        (IndexCorrupt("bad"), "index"),
        (IndexMismatch("other corpus"), "index"),
        (IndexMissing("none"), "index"),
        (AuditError("read-only"), "audit"),
        (EmbedderError("no model"), "embedder"),
        (QuestionError("empty", "empty"), "empty"),
        (QuestionError("earlier question 1 of 1 ...", "history_too_long"), "history"),
    ],
)
def test_failures_say_what_happened_and_who_can_fix_it(error: Exception, key: str) -> None:
    for ui in ("en", "zh-Hant"):
        assert UIService.failure_notice(error, ui) == FAILURES[ui][key]


def test_an_unexpected_failure_gets_the_general_notice() -> None:
    for ui in ("en", "zh-Hant"):
        assert UIService.failure_notice(RuntimeError("boom"), ui) == t(ui, "error_internal")
    assert "boom" not in UIService.failure_notice(ValueError("boom"), "en")


def test_draft_errors_are_explained_by_code_else_by_their_first_clause() -> None:
    for code, key in [("need_org", "draft_need_org"), ("need_request", "draft_need_request"),
                      ("no_topic", "draft_no_topic")]:  # fmt: skip
        for ui in ("en", "zh-Hant"):
            assert UIService.draft_error(DraftError("reworded", code=code), ui) == t(ui, key)
    unknown = DraftError("unknown drafting option 'colour': use one of org, lang", code="invalid")
    assert UIService.draft_error(unknown, "en") == t(
        "en", "draft_failed", reason="unknown drafting option 'colour'"
    )
    assert UIService.draft_error(DraftError(""), "zh-Hant") == FAILURES["zh-Hant"]["draft"]
    assert UIService.draft_error(DraftError(": only detail"), "en") == FAILURES["en"]["draft"]
