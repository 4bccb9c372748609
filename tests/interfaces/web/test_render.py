"""The web UI's HTML (``render``): chips for citations, escaped text, highlighted quotes, links.

Everything here is built from small hand-made sections and answers, so no index is needed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant.corpus.documents import Document, Section
from assistant.interfaces.web.render import (
    BROWSE,
    CITE,
    DRAFT,
    answer_steps,
    draft_chip,
    draft_html,
    draft_placeholder,
    draft_suggestions,
    faq_html,
    message_html,
    parse_ref,
    ref_tag,
    section_panel,
    toc_html,
    trainer_html,
)
from assistant.interfaces.web.text import DRAFT_EXAMPLES, EXAMPLES, t

URL = "https://example.org/checklist-en.pdf"


def document(lang: str = "en", **changes: Any) -> Document:
    values: dict[str, Any] = {
        "doc_id": "checklist-2025",
        "title": "Checklist on Gen AI" if lang == "en" else "生成式AI指引清單",
        "lang": lang,
        "edition": "2025-03-31",
        "url": URL,
        "kind": "guideline",
        "digest": False,
        "official_text": "",
        "short_title": "Gen AI Checklist",
    }
    values.update(changes)
    return Document(**values)


def section(
    section_id: str = "checklist-2025/4",
    lang: str = "en",
    text: str = "Staff should use strong passwords. Staff should report incidents.",
    heading: str = "Data security",
    number: str = "4",
    level: int = 3,
    doc: Document | None = None,
) -> Section:
    return Section(
        id=section_id,
        lang=lang,
        heading=heading,
        text=text,
        document=doc or document(lang),
        number=number,
        level=level,
    )


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


# ---------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("cite=checklist-2025/4@en", ("cite", "checklist-2025/4", "en")),
        ("#browse=pdpo-dpps/dpp3@zh-Hant", ("browse", "pdpo-dpps/dpp3", "zh-Hant")),
        ("draft=checklist-2025/2@en~2.1", ("draft", "checklist-2025/2", "en")),
        ("cite=checklist-2025/1.3@en", ("cite", "checklist-2025/1.3", "en")),
    ],
)
def test_parse_ref_reads_the_links_the_page_writes(ref: str, expected: tuple) -> None:
    assert parse_ref(ref) == expected


@pytest.mark.parametrize(
    "ref",
    [
        "",
        "cite",
        "cite=checklist-2025/4",  # no language
        "cite=checklist-2025/4@fr",  # not a corpus language
        "open=checklist-2025/4@en",  # not a link the page writes
        "cite=Checklist/4@en",  # not a section id
        'cite=checklist-2025/4"onclick="x@en',
        "draft=checklist-2025/2@en~<b>",  # a tag is short letters, digits and dots only
        "draft=checklist-2025/2@en~12345678901234567",
    ],
)
def test_parse_ref_rejects_anything_else(ref: str) -> None:
    assert parse_ref(ref) is None


def test_ref_tag_is_the_clause_of_a_well_formed_draft_link_only() -> None:
    assert ref_tag("draft=checklist-2025/2@en~2.1") == "2.1"
    assert ref_tag("#draft=checklist-2025/2@zh-Hant~3") == "3"
    assert ref_tag("draft=checklist-2025/2@en") == ""
    assert ref_tag("cite=checklist-2025/4@en") == ""
    assert ref_tag("draft=checklist-2025/2@en~<b>") == ""
    assert ref_tag("draft=checklist-2025/2@fr~2.1") == ""
    assert ref_tag("") == ""


# ---------------------------------------------------------------- user text


def test_message_html_shows_typed_markup_as_text() -> None:
    html = message_html('<script>alert("x")</script> & <b>bold</b>')
    assert html.startswith('<div class="user-text">') and html.endswith("</div>")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_message_html_keeps_line_breaks_and_defuses_markdown() -> None:
    html = message_html("first line\nsecond *line* with __under__ and [a](javascript:x)")
    assert "first line<br>second" in html
    for character in "*_[]":
        assert character not in html.removeprefix('<div class="user-text">')
    assert "&#42;line&#42;" in html and "&#91;a&#93;" in html


def test_message_html_keeps_chinese_text_as_typed() -> None:
    html = message_html("員工可以用邊啲裝置？")
    # Chinese text says so, for screen readers and fonts on an English page.
    assert html == '<div class="user-text" lang="zh-Hant">員工可以用邊啲裝置？</div>'
    assert message_html("Which devices may staff use?") == (
        '<div class="user-text">Which devices may staff use?</div>'
    )


# ---------------------------------------------------------------- answers


def reply(lang: str = "en", **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "lang": lang,
        "answer": "",
        "refused": False,
        "citations": [{"n": 1, "section_id": "checklist-2025/4", "lang": lang, "heading": "4"}],
        "sentences": [["Staff should use strong passwords.", 1]],
    }
    values.update(changes)
    return values


def test_an_answer_carries_its_language_and_sets_its_sources_apart() -> None:
    *_, html = answer_steps(reply("zh-Hant"), {"checklist-2025/4": "Checklist"})
    assert html.startswith('<div class="answer" lang="zh-Hant">')
    # The sources follow the claims in a block of their own, with its own heading.
    claims_end = html.index("</ul>")
    assert html.index('<div class="sources">') > claims_end
    assert '<div class="sources-label">' in html[claims_end:]
    refusal = answer_steps(reply("en", refused=True, answer="Not covered. Call 2827 2827."), {})
    assert all(step.startswith('<div class="answer refused" lang="en">') for step in refusal)


def test_common_questions_and_clause_examples_carry_their_language() -> None:
    assert faq_html("zh-Hant").startswith('<div class="faq-grid" lang="zh-Hant">')
    assert faq_html("en").startswith('<div class="faq-grid" lang="en">')
    html = draft_suggestions("en")
    chinese = [q for q in DRAFT_EXAMPLES["en"] if re.search("[\u4e00-\u9fff]", q)]
    assert chinese  # the English list offers a Cantonese request too
    for question in chinese:
        assert f'<a class="suggest" href="#" lang="zh-Hant">{question}</a>' in html


# ---------------------------------------------------------------- section panels


def test_section_panel_shows_document_edition_and_official_link() -> None:
    html = section_panel(section(), None, "en", CITE, set())
    assert html.startswith('<div class="source-view">') and html.endswith("</div>")
    assert '<div class="src-doc">Checklist on Gen AI</div>' in html
    assert f"{t('en', 'edition')} 2025-03-31" in html
    assert f'<a href="{URL}" target="_blank" rel="noopener noreferrer">' in html
    assert f'<span class="badge">{t("en", "official_badge")}</span>' in html
    assert '<h3 class="src-heading">4 Data security</h3>' in html
    assert "<p>Staff should use strong passwords. Staff should report incidents.</p>" in html


def test_a_digest_is_labelled_as_one_and_a_non_web_address_is_not_linked() -> None:
    doc = document(digest=True, url="file:///etc/passwd")
    html = section_panel(section(doc=doc), None, "en", CITE, set())
    assert f'<span class="badge">{t("en", "digest")}</span>' in html
    assert "file://" not in html and t("en", "official") + " ↗" not in html


def test_section_panel_highlights_quoted_sentences_and_explains_the_marks() -> None:
    quoted = ["Staff should use strong passwords."]
    html = section_panel(section(), None, "en", CITE, set(), quoted)
    assert "<mark>Staff should use strong passwords.</mark>" in html
    assert "<mark>Staff should report incidents.</mark>" not in html
    assert html.count("<mark>") == 2  # the sentence and the key of the note
    assert t("en", "quoted_note") in html
    unquoted = section_panel(section(), None, "en", CITE, set())
    assert "<mark>" not in unquoted and t("en", "quoted_note") not in unquoted


def test_the_note_under_highlights_can_be_another_text() -> None:
    quoted = ["Staff should report incidents."]
    html = section_panel(section(), None, "en", DRAFT, set(), quoted, note="draft_followed_note")
    assert t("en", "draft_followed_note") in html and t("en", "quoted_note") not in html


def test_chinese_sections_carry_their_language_and_highlight_their_sentences() -> None:
    zh = section(lang="zh-Hant", text="僱員應設定強密碼。僱員應匯報AI事故。", heading="數據安全")
    html = section_panel(zh, None, "en", CITE, set(), ["僱員應匯報AI事故。"])
    assert '<div class="src-body" lang="zh-Hant">' in html
    assert "<mark>僱員應匯報AI事故。</mark>" in html and "<mark>僱員應設定" not in html
    # Chinese sentences are joined without a space.
    plain = section_panel(zh, None, "en", CITE, set())
    assert "<p>僱員應設定強密碼。僱員應匯報AI事故。</p>" in plain
    # The interface language chooses the labels, not the section's language.
    assert t("en", "edition") in html and t("zh-Hant", "edition") not in html
    english = section_panel(section(), None, "zh-Hant", CITE, set())
    assert '<div class="src-body" lang="en">' in english and t("zh-Hant", "edition") in english


def test_section_panel_links_to_the_other_language_version() -> None:
    english, chinese = section(), section(lang="zh-Hant", heading="數據安全")
    html = section_panel(english, chinese, "en", CITE, set())
    assert '<a class="twin-link" href="#cite=checklist-2025/4@zh-Hant">⇄ 中文</a>' in html
    back = section_panel(chinese, english, "zh-Hant", BROWSE, set())
    assert '<a class="twin-link" href="#browse=checklist-2025/4@en">⇄ English</a>' in back
    assert "twin-link" not in section_panel(english, None, "en", CITE, set())


def test_section_panel_links_parent_children_and_neighbours_with_its_prefix() -> None:
    parent = section("checklist-2025/contents", heading="Contents", number="", level=2)
    child = section("checklist-2025/4.1", heading="Passwords", number="4.1", level=4)
    previous = section("checklist-2025/2", heading="Privacy", number="2")
    html = section_panel(
        section(), None, "en", BROWSE, set(), (), [child], parent, (previous, None)
    )
    assert (
        f'<div class="src-path">{t("en", "part_of")}: '
        '<a href="#browse=checklist-2025/contents@en">Contents</a></div>'
    ) in html
    assert '<a class="chip small" href="#browse=checklist-2025/4.1@en">4.1 Passwords</a>' in html
    assert t("en", "subsections") in html
    assert '<a class="nav-prev" href="#browse=checklist-2025/2@en">← 2 Privacy</a>' in html
    assert "nav-next" not in html
    alone = section_panel(section(), None, "en", BROWSE, set())
    assert "src-path" not in alone and "src-children" not in alone and "src-nav" not in alone


def test_section_panel_escapes_corpus_text_and_links_known_ids_and_web_addresses() -> None:
    hostile = section(
        text='Quote <img src=x onerror="alert(1)"> verbatim. See pdpo-dpps/dpp4 and '
        "pdpo-dpps/dpp9 at https://www.pcpd.org.hk/ai.",
        heading="<b>Heading</b>",
        doc=document(title="Title <script>x()</script>"),
    )
    html = section_panel(hostile, None, "en", CITE, {"pdpo-dpps/dpp4"})
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "Title &lt;script&gt;x()&lt;/script&gt;" in html
    assert '<a class="xref" href="#cite=pdpo-dpps/dpp4@en">pdpo-dpps/dpp4</a>' in html
    assert "pdpo-dpps/dpp9" in html and "#cite=pdpo-dpps/dpp9@en" not in html  # not known
    assert (
        '<a href="https://www.pcpd.org.hk/ai" target="_blank" rel="noopener noreferrer">'
    ) in html


def test_section_panel_writes_bullets_as_a_list_and_skips_comments() -> None:
    text = "Staff should:\n- use strong passwords\n- report incidents\n<!-- editor's note -->"
    html = section_panel(section(text=text), None, "en", CITE, set())
    expected = "<p>Staff should:</p><ul><li>use strong passwords</li><li>report incidents</li></ul>"
    assert expected in html
    assert "editor" not in html


# ---------------------------------------------------------------- contents of a document


def test_toc_html_links_every_section_to_browse_and_marks_the_current_one() -> None:
    sections = [
        section("checklist-2025/contents", heading="Contents", number="", level=2),
        section("checklist-2025/4", level=3),
        section("checklist-2025/4.1", heading="Passwords <i>", number="4.1", level=4),
    ]
    html = toc_html(sections, "checklist-2025/4")
    assert html.startswith('<nav class="toc">') and html.endswith("</nav>")
    assert hrefs(html) == [
        "#browse=checklist-2025/contents@en",
        "#browse=checklist-2025/4@en",
        "#browse=checklist-2025/4.1@en",
    ]
    contents = '<a class="toc-item level-2" href="#browse=checklist-2025/contents@en">Contents</a>'
    assert contents in html
    assert 'class="toc-item current level-3"' in html and html.count("current") == 1
    assert 'class="toc-item level-4"' in html
    assert "4.1 Passwords &lt;i&gt;" in html and "<i>" not in html


def test_toc_html_of_chinese_sections_links_the_chinese_text() -> None:
    html = toc_html([section(lang="zh-Hant", heading="數據安全")], None)
    link = '<a class="toc-item level-3" href="#browse=checklist-2025/4@zh-Hant">4 數據安全</a>'
    assert link in html
    assert "current" not in html
    assert toc_html([], None) == '<nav class="toc"></nav>'


# ---------------------------------------------------------------- trainer view


def trace(refused: bool = False, **trace_changes: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "retrieval_query": "strong <passwords>",
        "in_scope_probability": 0.8125,
        "refusal_reason": "",
        "hits": [
            {"section_id": "checklist-2025/4", "rank": 1, "fused": 0.03279,
             "dense": 0.6123, "dense_rank": 1, "bm25": 4.257, "bm25_rank": 2},
            {"section_id": "pdpo-dpps/dpp4", "rank": 2, "fused": 0.01613,
             "dense": None, "dense_rank": None, "bm25": 3.1, "bm25_rank": 1},
        ],
    }  # fmt: skip
    details.update(trace_changes)
    return {
        "lang": "en",
        "refused": refused,
        "citations": [] if refused else [{"section_id": "checklist-2025/4", "n": 1}],
        "timings_ms": {"embed": 10.0, "dense": 5.0, "answer": 2.5, "total": 20.0},
        "trace": details,
    }


def test_trainer_html_without_an_answer_says_how_to_fill_it() -> None:
    for empty in (None, {}, {"lang": "en"}):
        html = trainer_html(empty, "zh-Hant", {})
        assert html == f'<div class="panel-empty"><p>{t("zh-Hant", "trainer_empty")}</p></div>'


def test_trainer_html_tabulates_hits_with_scores_ranks_and_use() -> None:
    headings = {"checklist-2025/4": "4 Data security"}
    html = trainer_html(trace(), "en", headings, 0.4)
    assert 'class="t-decision answered"' in html and t("en", "trainer_answered") in html
    assert "<b>0.81</b>" in html and f"({t('en', 'trainer_threshold')} 0.40)" in html
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    assert len(rows) == 2
    first, second = rows
    assert '<div class="t-sec">4 Data security</div>' in first
    assert '<div class="t-id">checklist-2025/4</div>' in first
    assert "0.0328" in first and "0.612" in first and '<span class="t-rank">#1</span>' in first
    assert "4.26" in first and '<span class="t-rank">#2</span>' in first and "✓" in first
    # A section without a heading shows its id; a missing score is a dash, not a number.
    assert '<div class="t-sec">pdpo-dpps/dpp4</div>' in second and "–" in second
    assert "✓" not in second
    assert "strong &lt;passwords&gt;" in html and "<passwords>" not in html
    for key in ("trainer_rank", "trainer_section", "trainer_fused", "trainer_used"):
        assert f"<th>{t('en', key)}</th>" in html


def test_trainer_html_shows_stage_times_against_the_total() -> None:
    html = trainer_html(trace(), "zh-Hant", {})
    bars = re.findall(r'<div class="t-bar( total)?"><span class="t-stage">([^<]*)</span>', html)
    assert [name for _, name in bars] == [
        t("zh-Hant", "stage_embed"), t("zh-Hant", "stage_dense"),
        t("zh-Hant", "stage_answer"), t("zh-Hant", "stage_total"),
    ]  # fmt: skip
    assert [total for total, _ in bars] == ["", "", "", " total"]
    widths = re.findall(r'style="width:([0-9.]+)%"', html)
    assert widths == ["50.0", "25.0", "12.5", "100.0"]
    assert "10.0 ms" in html and "20.0 ms" in html


def test_trainer_html_of_a_refusal_gives_the_reason_and_no_threshold_when_unknown() -> None:
    html = trainer_html(trace(True, refusal_reason="out of <scope>"), "en", {})
    assert 'class="t-decision refused"' in html and t("en", "trainer_refused") in html
    assert f"<b>{t('en', 'trainer_reason')}:</b> out of &lt;scope&gt;" in html
    assert t("en", "trainer_threshold") not in html
    assert "✓" not in html  # nothing was cited


def test_trainer_html_reports_what_the_model_did() -> None:
    generation = {"model": "qwen<x>", "summary": "2 of 3 sentences verified"}
    html = trainer_html(trace(generation=generation), "en", {})
    assert "<b>LLM qwen&lt;x&gt;:</b> 2 of 3 sentences verified" in html


# ---------------------------------------------------------------- policy drafts


def citation(section_id: str = "checklist-2025/2", lang: str = "en", **changes: Any) -> dict:
    values = {
        "section_id": section_id,
        "lang": lang,
        "heading": "2 Protection of personal data privacy",
        "title": "Checklist on Gen AI",
        "short_title": "Gen AI Checklist",
        "url": URL,
        "quote": "Staff should store AI output.",
    }
    values.update(changes)
    return values


def clause(number: str, text: str, status: str = "addressed", **changes: Any) -> dict:
    values: dict[str, Any] = {
        "number": number,
        "heading": f"Clause {number}",
        "text": text,
        "status": status,
        "placeholders": [],
        "citations": [citation(), citation("pdpo-dpps/dpp4", heading="DPP 4")],
    }
    values.update(changes)
    return values


def policy(lang: str = "en") -> dict[str, Any]:
    gap = "[to complete: tools]"
    return {
        "mode": "policy",
        "lang": lang,
        "title": "Acme <Ltd> Gen AI Policy",
        "preamble": "This policy applies to all staff.",
        "note": "Check before use.",
        "parts": [
            {
                "number": "1",
                "heading": "Scope",
                "clauses": [
                    clause("1.1", f"Staff may use {gap}.", "missing", placeholders=[gap]),
                    clause("1.2", "Staff may draft <emails>.", "default"),
                ],
            }
        ],
        "warnings": [
            {
                "severity": "high",
                "message": "Personal data & public tools.",
                "citations": [citation()],
            },
            {"severity": "odd", "message": "No retention period.", "citations": []},
        ],  # fmt: skip
        "coverage": [
            {
                "clause": "1.1",
                "label": "Tools",
                "section_id": "checklist-2025/1",
                "status": "missing",
            },
            {"clause": "", "label": "Bias", "section_id": "checklist-2025/3", "status": "absent"},
        ],  # fmt: skip
        "coverage_summary": {"total": 4, "done": 1, "standard": 1, "missing": 2},
        "route": None,
    }


def test_draft_chip_opens_known_sections_in_the_draft_panel() -> None:
    html = draft_chip(citation(), {"checklist-2025/2"}, tag="2.1")
    assert html.startswith('<a class="cite-chip draft-chip" href="#draft=checklist-2025/2@en~2.1"')
    assert '<span class="sid">checklist-2025/2</span>' in html
    assert '<span class="sec">2 Protection of personal data privacy</span>' in html
    assert 'title="Gen AI Checklist · 2 Protection of personal data privacy"' in html
    short = draft_chip(citation(), {"checklist-2025/2"}, short=True)
    assert 'class="cite-chip draft-chip short"' in short and 'class="sec"' not in short
    assert 'href="#draft=checklist-2025/2@en"' in short  # no clause, no tag


def test_draft_chip_of_an_unindexed_section_links_the_official_text_or_nothing() -> None:
    external = draft_chip(citation(), set())
    assert f'href="{URL}" target="_blank" rel="noopener noreferrer"' in external
    assert 'class="cite-chip draft-chip ext"' in external and "#draft=" not in external
    dead = draft_chip(citation(url="javascript:alert(1)"), set())
    assert dead.startswith('<span class="cite-chip draft-chip off"') and "href" not in dead


def test_draft_html_writes_clauses_with_chips_gaps_and_statuses() -> None:
    known = {"checklist-2025/1", "checklist-2025/2", "checklist-2025/3", "pdpo-dpps/dpp4"}
    html = draft_html(policy(), "en", known)
    assert html.startswith('<div class="draft-doc" lang="en">')
    assert "Acme &lt;Ltd&gt; Gen AI Policy" in html and "<Ltd>" not in html
    assert f"{t('en', 'draft_kind_policy')} · English" in html
    assert html.count('<div class="clause ') == 2
    assert '<div class="clause gap">' in html and '<div class="clause std">' in html
    # The gap is marked; its brackets are character references, as Markdown would read them.
    assert '<span class="gap-text">&#91;to complete: tools&#93;</span>' in html
    assert t("en", "draft_gaps") in html
    assert "Staff may draft &lt;emails&gt;." in html
    # The first (Checklist) chip of a clause names the clause; the others do not.
    assert 'href="#draft=checklist-2025/2@en~1.1"' in html
    assert 'href="#draft=pdpo-dpps/dpp4@en"' in html and "dpp4@en~" not in html
    assert f'<span class="status gap">{t("en", "draft_status_missing")}</span>' in html
    assert '<p class="draft-preamble">This policy applies to all staff.</p>' in html


def test_draft_html_puts_warnings_first_and_coverage_last() -> None:
    html = draft_html(policy(), "en", {"checklist-2025/2"})
    warnings = html.index('class="draft-warnings"')
    assert warnings < html.index('class="draft-part"') < html.index('class="draft-coverage"')
    assert '<span class="count">2</span>' in html
    assert '<div class="draft-warn high" role="note">' in html
    assert '<div class="draft-warn medium" role="note">' in html  # unknown severity: medium
    assert "Personal data &amp; public tools." in html
    assert '<span class="stat warn"><b>2</b>' in html and "<b>1/4</b>" in html
    assert '<div class="cov-bar"><span style="width:25.0%"></span></div>' in html
    assert '<tr class="cov-part"><td colspan="4">1. Scope</td></tr>' in html
    assert '<td class="num">—</td><td>Bias</td>' in html  # no clause covers it


def test_draft_html_of_a_chinese_clause_carries_its_language_and_route() -> None:
    data = {
        "mode": "clause",
        "lang": "zh-Hant",
        "title": "條文草擬：加上水印",
        "note": "",
        "parts": [{"number": "1", "heading": "合乎道德", "clauses": [
            clause("1.1", "AI生成的圖像須加上水印。", "default",
                   citations=[citation("checklist-2025/3", "zh-Hant", heading="3 合乎道德")]),
        ]}],
        "coverage": [{"clause": "1.1", "label": "加上水印", "section_id": "checklist-2025/3",
                      "status": "default"}],
        "route": {"item": "labelling", "section_id": "checklist-2025/3", "matched": ["水印"]},
    }  # fmt: skip
    html = draft_html(data, "en", {"checklist-2025/3"})
    assert html.startswith('<div class="draft-doc" lang="zh-Hant">')
    assert f"{t('en', 'draft_kind_clause')} · 繁體中文" in html
    assert '<div class="draft-route">' in html and "<b>加上水印</b>" in html
    assert f"{t('en', 'draft_matched')}: 水印" in html
    assert 'href="#draft=checklist-2025/3@zh-Hant~1.1"' in html
    assert "AI生成的圖像須加上水印。" in html
    # A clause has no statistics, no warnings and no coverage table.
    assert "draft-stats" not in html and "draft-warnings" not in html
    assert "draft-coverage" not in html and t("en", "draft_gaps") not in html


def test_the_line_about_gaps_is_in_the_drafts_language_not_the_pages() -> None:
    data = policy("zh-Hant")
    gap = "［待填寫：工具］"
    data["parts"][0]["clauses"][0] = clause(
        "1.1", f"僱員只可使用{gap}。", "missing", placeholders=[gap]
    )
    for ui in ("en", "zh-Hant"):
        html = draft_html(data, ui, set())
        assert t("zh-Hant", "draft_gaps") in html and t("en", "draft_gaps") not in html
    english = draft_html(policy("en"), "zh-Hant", set())
    assert t("en", "draft_gaps") in english and t("zh-Hant", "draft_gaps") not in english


def test_draft_placeholder_is_in_the_interface_language() -> None:
    html = draft_placeholder("zh-Hant")
    assert t("zh-Hant", "draft_empty_title") in html and t("zh-Hant", "draft_empty") in html


# Words only written Chinese uses, and words only Cantonese uses.
WRITTEN = re.compile("的|嗎|甚麼|如何|應該|需要|是否")
CANTONESE = re.compile("唔|嘅|咩|啲|點|使|係|邊|咁|攞|幾多")


@pytest.mark.parametrize("question", EXAMPLES["zh-Hant"])
def test_the_chinese_example_questions_are_all_in_cantonese(question: str) -> None:
    assert CANTONESE.search(question) and not WRITTEN.search(question)
