"""The web UI in real Chromium (Playwright drives the system browser; nothing is downloaded).

Screenshots of each screen are saved in ``test-artifacts/ui/``.
"""

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from assistant.drafting import checklist_items
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.service import UIService
from assistant.interfaces.web.text import EXAMPLES
from assistant.pipeline import Assistant
from assistant.retrieval.indexing import build_index
from assistant.safety.feedback import feedback_path
from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT, free_port, make_settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "ui"
TIMEOUT_MS = 20_000
# A hostile corpus file: markup in a heading and in sentences must be shown, never run.
HOSTILE = {
    "en": """---
doc_id: sandbox-note
title: Sandbox note <b>bold</b>
lang: en
edition: 2025-01-01
url: https://example.org/sandbox-en.pdf
kind: guideline
digest: true
provenance: official
official_text: Test file.
translation: sandbox-note.zh-Hant.md
---

## Sandbox reports <img src=x onerror="window.pwned='heading'"> {#sandbox-note/1 no="1"}

Every sandbox report must quote the marker <script>window.pwned='script'</script> verbatim.
Every sandbox report must also show the tag <img src=x onerror="window.pwned='img'"> as plain text.
""",
    "zh-Hant": """---
doc_id: sandbox-note
title: 沙盒說明
lang: zh-Hant
edition: 2025-01-01
url: https://example.org/sandbox-zh.pdf
kind: guideline
digest: true
provenance: official
official_text: 測試檔。
translation: sandbox-note.en.md
---

## 沙盒報告 {#sandbox-note/1 no="1"}

每份沙盒報告都必須原文引述標記<script>window.pwned='zh'</script>。
""",
}


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    _chromium_or_skip()
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    return {
        "viewport": {"width": 1400, "height": 950},
        "locale": "en-GB",
        "permissions": ["clipboard-read", "clipboard-write"],
    }


def _serve(settings: Settings, assistant: Assistant) -> Iterator[str]:
    app = build_app(settings, UIService(settings, assistant))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def ui_settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return built_settings.replace(data_dir=tmp_path_factory.mktemp("ui-browser-data"))


@pytest.fixture(scope="module")
def app_url(ui_settings: Settings, fixture_assistant: Assistant) -> Iterator[str]:
    _chromium_or_skip()
    yield from _serve(ui_settings, fixture_assistant)


@pytest.fixture(scope="module")
def hostile_url(
    built_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    _chromium_or_skip()
    settings = make_settings(tmp_path_factory.mktemp("hostile"))
    for lang, text in HOSTILE.items():
        (settings.corpus_dir / f"sandbox-note.{lang}.md").write_text(text, "utf-8")
    # Reuse the session index's embeddings so that only the new file is embedded.
    shutil.copytree(built_settings.index_dir / "cache", settings.index_dir / "cache")
    build_index(settings)
    yield from _serve(settings, Assistant(settings))


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_app(page: Page, url: str) -> None:
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="load")
    expect(page.locator("#question textarea")).to_be_visible()


def ask(page: Page, question: str) -> Any:
    """Send ``question`` and wait for the finished answer; returns the last answer bubble."""
    before = page.locator("#chatbot .answer:not(.thinking)").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    answers = page.locator("#chatbot .answer:not(.thinking)")
    expect(answers).to_have_count(before + 1)
    answer = answers.last
    # The answer is complete when its sources (or, for a refusal, its hotline) have arrived.
    expect(answer.locator(".sources, strong").first).to_be_visible()
    return answer


def test_english_question_answer_chip_and_section_panel(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    shot(page, "01-start")
    answer = ask(page, "Do staff need strong passwords for AI tools?")
    expect(answer).to_contain_text("multi-factor authentication")
    chip = answer.locator("a.cite-chip").first
    expect(chip).to_contain_text("Data security")
    expect(answer.locator("a.cite-num").first).to_be_visible()
    shot(page, "02-english-answer")
    chip.click()
    panel = page.locator("#source-view")
    expect(panel.locator(".src-heading")).to_have_text("4 Data security")
    expect(panel).to_contain_text(
        "Staff should report AI incidents"
    )  # text the answer did not quote
    expect(panel.locator("mark").first).to_be_visible()  # the quoted sentences are highlighted
    shot(page, "03-section-panel")
    panel.locator("a.twin-link").click()
    expect(panel.locator(".src-heading")).to_have_text("4 數據安全")
    expect(panel).to_contain_text("多重認證")
    shot(page, "04-section-other-language")
    page.locator("#copy-btn").click()
    expect(page.get_by_text("Answer copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "multi-factor authentication" in copied and "Sources:" in copied
    assert "<a" not in copied  # plain text, ready to paste into an e-mail


def test_clear_chat_forgets_the_conversation(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.locator("#trainer-toggle input").check()
    searched = page.locator("#trainer-view .t-query")
    ask(page, "Which devices may staff use with generative AI tools?")
    ask(page, "咁密碼呢？")
    expect(searched).to_contain_text("Which devices may staff use")  # the follow-up kept the topic
    page.locator("#chatbot a.cite-chip").first.click()
    expect(page.locator("#source-view .src-heading")).to_be_visible()
    page.locator("#clear-btn").click()
    expect(page.locator("#chatbot .answer")).to_have_count(0)
    expect(page.locator("#chatbot .chat-welcome")).to_be_visible()
    expect(page.locator("#source-view .panel-empty")).to_be_visible()
    ask(page, "咁密碼呢？")
    page.get_by_role("tab", name="How this answer came about").click()
    expect(searched).to_have_text("Question searched: 咁密碼呢？")


def test_traditional_chinese_question_and_follow_up(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    first = ask(page, "員工可以用邊啲裝置使用生成式AI工具？")
    # The reply answers first: no generic lead line, the first claim is a quoted sentence.
    expect(first.locator("ul.claims li").first).to_contain_text("裝置")
    follow_up = ask(page, "咁密碼呢？")
    expect(follow_up).to_contain_text("多重認證")
    chip = follow_up.locator("a.cite-chip").first
    expect(chip).to_contain_text("數據安全")
    shot(page, "05-chinese-answer")
    chip.click()
    expect(page.locator("#source-view .src-heading")).to_have_text("4 數據安全")


def test_interface_language_switches_labels_and_messages(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.locator("#ui-lang label", has_text="繁體中文").click()
    expect(page.locator("#send-btn")).to_have_text("發送")
    expect(page.get_by_role("tab", name="瀏覽及常見問題")).to_be_visible()
    expect(page.locator("#header h1")).to_have_text("私隱專員公署 AI 指引助理")
    expect(page.locator("#question textarea")).to_have_attribute(
        "placeholder", "就AI與個人資料提問，中英文皆可……"
    )
    expect(page.locator("#source-view")).to_contain_text("按答案下方的出處標籤")
    shot(page, "06-interface-chinese")
    # The common questions were redrawn in Chinese and still ask in the chat when selected.
    page.get_by_role("tab", name="瀏覽及常見問題").click()
    page.locator("#faq a.faq-q", has_text="員工使用AI工具時應遵守哪些保安措施").click()
    expect(page.get_by_role("tab", name="提問")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#chatbot .answer ul.claims li").first).to_be_visible()
    page.locator("#ui-lang label", has_text="English").click()
    expect(page.locator("#send-btn")).to_have_text("Send")
    expect(page.get_by_role("tab", name="Browse & FAQ")).to_be_visible()


def test_trainer_mode_shows_scores_ranks_and_timings(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    ask(page, "Do staff need strong passwords for AI tools?")
    page.locator("#trainer-toggle input").check()
    trainer = page.locator("#trainer-view")
    expect(trainer.locator("table.t-hits")).to_be_visible()
    first_row = trainer.locator("table.t-hits tbody tr").first
    expect(first_row).to_contain_text("checklist-2025/4")
    expect(first_row.locator("td.num").nth(1)).to_contain_text("#")  # dense score and rank
    expect(trainer).to_contain_text("In-scope probability")
    # concepts, embed, dense, bm25, fuse, answer, total
    expect(trainer.locator(".t-bar")).to_have_count(7)
    shot(page, "07-trainer-mode")
    ask(page, "What is the weather forecast for tomorrow?")
    expect(trainer.locator(".t-decision.refused")).to_be_visible()
    expect(trainer).to_contain_text("Why it was declined")
    shot(page, "08-trainer-refusal")


def test_personal_data_warning_before_sending_and_redaction(
    page: Page, app_url: str, ui_settings: Settings
) -> None:
    open_app(page, app_url)
    page.fill("#question textarea", "My HKID is A123456(3). Do staff need strong passwords?")
    warning = page.locator("#pii-warning .pii-warn")
    expect(warning).to_contain_text("an HKID number")
    shot(page, "09-personal-data-warning")
    page.fill("#question textarea", "我電話係 9123 4567，員工要唔要設定強密碼？")
    expect(warning).to_contain_text("電話號碼")
    page.fill("#question textarea", "Do staff need strong passwords?")
    expect(warning).to_have_count(0)
    answer = ask(page, "My HKID is A123456(3). Do staff need strong passwords?")
    expect(answer.locator(".pii-warn")).to_contain_text("HKID")
    user_bubble = page.locator("#chatbot .user-text").last
    expect(user_bubble).to_have_text("My HKID is [HKID]. Do staff need strong passwords?")
    expect(page.locator("#chatbot")).not_to_contain_text("A123456")
    # A thumbs-up stores the redacted question.
    page.locator("#chatbot button[aria-label='Like']").last.click()
    expect(page.get_by_text("Your rating was saved")).to_be_visible()
    rows = sqlite3.connect(feedback_path(ui_settings)).execute(
        "SELECT question, rating FROM feedback"
    )
    assert ("My HKID is [HKID]. Do staff need strong passwords?", "up") in rows.fetchall()


def test_markup_typed_into_the_chat_is_shown_as_text(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    typed = "<img src=x onerror=\"window.pwned='q'\"><script>window.pwned='s'</script> passwords?"
    page.fill("#question textarea", typed)
    page.press("#question textarea", "Enter")
    bubble = page.locator("#chatbot .user-text").last
    expect(bubble).to_have_text(typed)
    expect(page.locator("#chatbot .answer:not(.thinking)")).to_have_count(1)
    expect(page.locator("#chatbot img[src='x']")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    shot(page, "10-markup-in-question")


def test_markup_in_a_corpus_file_is_shown_as_text(page: Page, hostile_url: str) -> None:
    open_app(page, hostile_url)
    answer = ask(page, "What marker must every sandbox report quote verbatim?")
    expect(answer).to_contain_text("<script>window.pwned='script'</script>")
    answer.locator("a.cite-chip").first.click()
    panel = page.locator("#source-view")
    expect(panel.locator(".src-heading")).to_contain_text("<img src=x onerror=")
    expect(panel).to_contain_text("<img src=x onerror=\"window.pwned='img'\">")
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("#source-view script")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    shot(page, "11-markup-in-corpus")


def test_browse_tab_and_common_questions(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.get_by_role("tab", name="Browse & FAQ").click()
    toc = page.locator("#browse-toc")
    toc.locator("a.toc-item", has_text="Data security").click()
    view = page.locator("#browse-view")
    expect(view.locator(".src-heading")).to_have_text("4 Data security")
    page.locator("#browse-lang label", has_text="繁體中文").click()
    expect(view.locator(".src-heading")).to_have_text("4 數據安全")
    shot(page, "12-browse")
    page.locator("#faq a.faq-q", has_text="What security measures should staff follow").click()
    expect(page.get_by_role("tab", name="Ask")).to_have_attribute("aria-selected", "true")
    answer = page.locator("#chatbot .answer .sources")
    expect(answer).to_have_count(1)
    expect(page.locator("#chatbot .user-text").last).to_contain_text("What security measures")
    shot(page, "13-common-question-asked")


def test_draft_a_policy_and_a_clause_with_citations_and_downloads(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.get_by_role("tab", name="Draft a policy clause").click()
    view = page.locator("#draft-view")
    expect(view.locator(".draft-empty")).to_be_visible()
    page.locator("#draft-go").click()
    expect(view.locator(".notice")).to_have_text(
        "Enter the organisation's name to draft a whole policy."
    )
    page.fill("#draft-org input", "Acme Trading Ltd")
    page.fill("#draft-public-tools textarea", "ChatGPT Enterprise")
    page.locator("#draft-uses label", has_text="summarising information").click()
    page.locator("#draft-allowed-input label", has_text="Hong Kong Identity Card numbers").click()
    page.locator("#draft-mfa label", has_text="Not required").click()
    page.locator("#draft-go").click()
    expect(view.locator(".draft-title")).to_have_text(
        "Acme Trading Ltd Policy on Employees' Use of Generative AI"
    )
    clauses = view.locator(".clause")
    expect(clauses).to_have_count(len(checklist_items()))
    expect(clauses.first.locator(".clause-n")).to_have_text("1.1")
    expect(clauses.first).to_contain_text("ChatGPT Enterprise")
    expect(view.locator(".clause", has_text="Permitted purposes")).to_contain_text(
        "summarising information"
    )
    # Going against the guidance is flagged: HKID numbers into a public tool, no MFA.
    high = view.locator(".draft-warn.high")
    expect(high).to_have_count(2)
    expect(high.nth(1)).to_contain_text("multi-factor authentication")
    rows = view.locator("table.cov tbody tr:not(.cov-part)")
    expect(rows).to_have_count(len(checklist_items()))
    expect(view.locator("table.cov tr", has_text="Who the policy applies to")).to_contain_text(
        "To complete"
    )
    chip = clauses.nth(3).locator("a.draft-chip").first  # 2.1 Information that may be entered
    expect(chip).to_contain_text("checklist-2025/2")
    chip.click()
    panel = page.locator("#draft-source")
    expect(panel.locator(".src-heading")).to_have_text("2 Protection of personal data privacy")
    expect(panel).to_contain_text("delete it under the retention policy")
    expect(panel.locator("mark").first).to_be_visible()  # the lines the clause follows
    # The form folds away once the draft is made; the draft, not the form, is read next.
    expect(page.locator("#draft-public-tools textarea")).to_be_hidden()
    view.locator(".draft-warnings").evaluate("e => e.scrollIntoView()")
    shot(page, "14-draft")
    with page.expect_download() as download:
        page.locator("#draft-md").click()
    assert download.value.suggested_filename == "gen-ai-policy-acme-trading-ltd.md"
    markdown = Path(download.value.path()).read_text("utf-8")
    assert markdown.startswith("# Acme Trading Ltd Policy on Employees' Use of Generative AI")
    assert "`checklist-2025/2`" in markdown and "## Checklist coverage" in markdown
    expect(page.locator("#draft-docx")).to_be_visible()

    # One clause asked for in Cantonese, picked from the examples.
    page.get_by_role("tab", name="One clause").click()
    page.locator("#draft-suggest a.suggest", has_text="水印").click()
    expect(page.locator("#draft-request textarea")).to_have_value(
        "幫我寫一條關於AI生成內容加水印嘅條款"
    )
    page.locator("#draft-go-clause").click()
    expect(view.locator(".draft-kicker")).to_have_text("Clause draft · 繁體中文")
    expect(view.locator(".clause")).to_have_count(1)
    expect(view.locator(".clause-n")).to_have_text("1.1")
    expect(view.locator(".clause-h")).to_have_text("加上水印／標籤")
    expect(view.locator(".clause-text")).to_contain_text("Acme Trading Ltd以外人士")
    view.locator(".clause a.draft-chip", has_text="checklist-2025/3").click()
    expect(panel.locator(".src-heading")).to_have_text("3 合法及合乎道德的使用及預防偏見")
    expect(panel.locator("mark").first).to_contain_text("水印")
    shot(page, "15-draft-clause")
    # The interface language relabels the tab and redraws the draft's labels, not its text.
    page.locator("#ui-lang label", has_text="繁體中文").click()
    expect(page.locator("#draft-go-clause")).to_have_text("草擬條文")
    expect(view.locator(".draft-kicker")).to_have_text("條文草稿 · 繁體中文")
    expect(view.locator(".clause-h")).to_have_text("加上水印／標籤")


def test_comment_box_waits_for_a_rating_and_gradio_words_follow_the_language(
    page: Page, app_url: str
) -> None:
    open_app(page, app_url)
    comment = page.locator("#comment-box")
    expect(comment).to_be_hidden()  # nothing to comment on before a rating
    ask(page, "Do staff need strong passwords for AI tools?")
    expect(comment).to_be_hidden()
    # The wrong-citation flag is a labelled button beside the thumbs, not behind a hover menu.
    flag = page.locator("#chatbot .extra-feedback-option").last
    expect(flag).to_be_visible()
    expect(flag).to_have_text("Wrong citation")
    expect(page.locator("#chatbot button[aria-label='Like']").last).to_have_attribute(
        "title", "Like"
    )
    page.locator("#ui-lang label", has_text="繁體中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    for english, chinese in (("Dislike", "不讚好"), ("Like", "讚好"), ("Feedback", "其他意見")):
        expect(page.locator(f"#chatbot button[aria-label='{chinese}']").last).to_have_attribute(
            "title", chinese
        )
        expect(page.locator(f"#chatbot button[aria-label='{english}']")).to_have_count(0)
    expect(page.locator("#chatbot button[aria-label='清除對話']")).to_have_count(1)
    expect(page.locator("footer")).to_contain_text("透過 API 使用")
    expect(page.locator("footer")).not_to_contain_text("Use via API")
    expect(flag).to_have_text("引用有誤")
    expect(page.locator("#ui-lang label", has_text="English")).to_have_attribute("lang", "en")
    # A thumbs-down opens the comment box, ready to type in.
    page.locator("#chatbot button[aria-label='不讚好']").last.click()
    expect(page.get_by_text("評分已儲存")).to_be_visible()
    expect(page.locator(".toast-title").last).to_have_text("提示")
    expect(comment).to_be_visible()
    expect(comment.locator("textarea")).to_be_visible()
    expect(comment).to_contain_text("想就剛才的評分補充甚麼嗎")
    shot(page, "16-rated-comment-box-chinese")
    page.locator("#ui-lang label", has_text="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#chatbot button[aria-label='Like']").last).to_have_attribute(
        "title", "Like"
    )
    expect(page.locator("footer")).to_contain_text("Use via API")
    # Clearing the chat clears the ratings with it, and the box goes away.
    page.locator("#clear-btn").click()
    expect(comment).to_be_hidden()


def test_a_thumbs_up_shows_the_comment_box_closed(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    ask(page, "Do staff need strong passwords for AI tools?")
    page.locator("#chatbot button[aria-label='Like']").last.click()
    comment = page.locator("#comment-box")
    expect(comment).to_be_visible()
    expect(comment.locator("textarea")).to_be_hidden()


def test_the_latest_question_stays_in_view_above_its_answer(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    for question in (
        "Do staff need strong passwords for AI tools?",
        "Which devices may staff use with generative AI tools?",
        "What security measures should staff follow when using AI tools?",
    ):
        answer = ask(page, question)
        bubble = page.locator("#chatbot .message-row.user-row").last
        expect(bubble).to_contain_text(question)
        page.wait_for_timeout(100)  # the page's script scrolls after the chat redraws
        log = page.locator("#chatbot .bubble-wrap").bounding_box()
        top = bubble.bounding_box()
        assert log and top and top["y"] >= log["y"], "the question is cut off at the top"
        # The chat followed the answer down: all of it shows, or the question heads the chat.
        end = answer.bounding_box()
        assert end
        fits = end["y"] + end["height"] <= log["y"] + log["height"] + 1
        assert fits or top["y"] <= log["y"] + 24, "the answer was left below the fold"
    # Gradio's own trash icon used to sit over the top bubble; "Clear chat" does its job.
    expect(page.locator("#chatbot .icon-button-wrapper.top-panel button")).to_be_hidden()
    # The sources are set apart from the claims: a gap and their own tinted box.
    claims = answer.locator("ul.claims").bounding_box()
    sources = answer.locator(".sources")
    box = sources.bounding_box()
    assert claims and box and box["y"] >= claims["y"] + claims["height"] + 8
    background = sources.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert answer.evaluate("e => getComputedStyle(e).backgroundColor") != background
    shot(page, "17-chat-question-in-view")


SMALL_SCREENS = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 768, "height": 1024}}
# Elements reaching past the right edge, leaving out those inside a box that scrolls or clips
# sideways (a wide table in its own scroller is fine; the page scrolling sideways is not).
WIDER_THAN_SCREEN_JS = """
() => [...document.querySelectorAll('body *')].filter((e) => {
  const box = e.getBoundingClientRect();
  if (box.width === 0 || box.height === 0 || box.right <= innerWidth + 1) return false;
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    const x = getComputedStyle(p).overflowX;
    if (x !== 'visible' && p.getBoundingClientRect().right <= innerWidth + 1) return false;
  }
  return getComputedStyle(e).visibility !== 'hidden';
}).slice(0, 5).map((e) => `${e.tagName}#${e.id}.${e.className} right=${e.getBoundingClientRect().right}`)
"""


def assert_fits_the_screen(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(WIDER_THAN_SCREEN_JS) == []


@pytest.fixture(params=list(SMALL_SCREENS))
def small_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[str, Page]]:
    context = browser.new_context(
        viewport=SMALL_SCREENS[request.param], locale="en-GB", has_touch=True, is_mobile=True
    )
    try:
        yield request.param, context.new_page()
    finally:
        context.close()


def test_small_screens_reach_every_tab_and_bring_the_source_into_view(
    small_page: tuple[str, Page], app_url: str
) -> None:
    device, page = small_page
    open_app(page, app_url)
    height = page.viewport_size["height"] if page.viewport_size else 844
    # A compact header: the tabs start in the top fifth of the screen, none behind a "…" menu.
    tabs = ("Ask", "Browse & FAQ", "Draft a policy clause")
    for name in tabs:
        expect(page.get_by_role("tab", name=name)).to_be_visible()
        expect(page.get_by_role("tab", name=name)).to_be_in_viewport()
    expect(page.locator(".overflow-menu:visible")).to_have_count(0)
    top = page.get_by_role("tab", name="Ask").bounding_box()
    assert top and top["y"] < height / 5
    # The box's autofocus did not scroll the header away, and the box is on the first screen.
    assert page.evaluate("window.scrollY") == 0
    expect(page.locator("#question textarea")).to_be_in_viewport(ratio=1)
    assert_fits_the_screen(page)
    shot(page, f"18-{device}-start")
    answer = ask(page, "Do staff need strong passwords for AI tools?")
    assert_fits_the_screen(page)
    answer.locator("a.cite-chip").first.tap()
    heading = page.locator("#source-view .src-heading")
    expect(heading).to_have_text("4 Data security")
    expect(heading).to_be_in_viewport()
    assert_fits_the_screen(page)
    shot(page, f"19-{device}-source-after-chip")
    page.get_by_role("tab", name="Browse & FAQ").tap()
    expect(page.locator("#faq a.faq-q").first).to_be_visible()
    assert_fits_the_screen(page)
    shot(page, f"20-{device}-browse")
    page.get_by_role("tab", name="Draft a policy clause").tap()
    page.fill("#draft-org input", "Acme Trading Ltd")
    page.locator("#draft-go").tap()
    view = page.locator("#draft-view")
    expect(view.locator(".draft-title")).to_be_visible()
    assert_fits_the_screen(page)
    view.locator(".clause a.draft-chip").nth(3).tap()
    panel = page.locator("#draft-source .src-heading")
    expect(panel).to_be_visible()
    expect(panel).to_be_in_viewport()
    shot(page, f"21-{device}-draft-source-after-chip")
    # In Chinese too: every tab in view, nothing wider than the screen.
    page.locator("#ui-lang label", has_text="繁體中文").tap()
    for name in ("提問", "瀏覽及常見問題", "草擬政策條文"):
        expect(page.get_by_role("tab", name=name)).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    assert_fits_the_screen(page)
    shot(page, f"22-{device}-chinese")
    page.get_by_role("tab", name="提問").tap()
    assert serious_violations(page) == []


def _axe_script() -> Path:
    """axe-core as shipped by the axe-playwright-python package (the dev extra pins it)."""
    try:
        import axe_playwright_python
    except ImportError:
        message = "axe-playwright-python is not installed (pip install -e '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


# Gradio's notification toasts nest a close button inside a focusable header: their markup, not
# ours, and gone after a few seconds.
AXE_RUN_JS = """
async () => {
  const result = await axe.run({exclude: [['.toast-wrap']]}, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ` + v.nodes.slice(0, 3)
      .map((n) => `${n.target.join(' ')} (${n.failureSummary.split('\\n').slice(1).join(' ')})`));
}
"""


# Gradio fades panels and tabs in when they are redrawn, and lays a translucent veil over a
# component while an event updates it; text seen through either would fail the contrast check.
# Settled: nothing half-transparent and no veil, for 300 ms in a row.
SETTLED_JS = """
() => {
  const fading = [...document.querySelectorAll('body *')].some((e) => {
    const opacity = parseFloat(getComputedStyle(e).opacity);
    return opacity > 0 && opacity < 1;
  });
  const veiled = document.querySelectorAll('[data-testid="status-tracker"]:not(.hide)').length;
  if (fading || veiled) {
    window.__settledSince = null;
    return false;
  }
  window.__settledSince = window.__settledSince || performance.now();
  return performance.now() - window.__settledSince > 300;
}
"""


def serious_violations(page: Page) -> list[str]:
    """What axe-core finds of serious or critical impact on the page once it has settled."""
    page.evaluate("window.__settledSince = null")
    page.wait_for_function(SETTLED_JS, polling=100)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(_axe_script()))
    return page.evaluate(AXE_RUN_JS)


def test_no_serious_accessibility_violations_in_either_language(page: Page, app_url: str) -> None:
    _axe_script()
    open_app(page, app_url)
    assert serious_violations(page) == []
    answer = ask(page, "Do staff need strong passwords for AI tools?")
    answer.locator("a.cite-chip").first.click()
    expect(page.locator("#source-view .src-heading")).to_be_visible()
    page.locator("#trainer-toggle input").check()
    expect(page.locator("#trainer-view table.t-hits")).to_be_visible()
    assert serious_violations(page) == []
    page.locator("#ui-lang label", has_text="繁體中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.locator("#send-btn")).to_have_text("發送")
    assert serious_violations(page) == []
    page.get_by_role("tab", name="瀏覽及常見問題").click()
    expect(page.locator("#faq a.faq-q").first).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("tab", name="草擬政策條文").click()
    page.fill("#draft-org input", "Acme Trading Ltd")
    page.locator("#draft-go").click()
    expect(page.locator("#draft-view .draft-title")).to_be_visible()
    assert serious_violations(page) == []


def test_the_chat_examples_are_labelled_in_the_interface_language(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    examples = page.locator("#chatbot .examples")
    expect(examples).to_have_attribute("role", "group")  # Gradio's "list" had no list items
    first = examples.locator("button.example").first
    expect(first).to_have_attribute("aria-label", f"Select example 1: {EXAMPLES['en'][0]}")
    page.locator("#ui-lang label", has_text="繁體中文").click()
    expect(first).to_have_attribute("aria-label", f"選擇例子 1：{EXAMPLES['zh-Hant'][0]}")
    page.locator("#ui-lang label", has_text="English").click()
    expect(first).to_have_attribute("aria-label", f"Select example 1: {EXAMPLES['en'][0]}")
