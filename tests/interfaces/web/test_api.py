"""The web app's API, called the way other programs call it: through ``gradio_client``."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client

from assistant.drafting import (
    DraftError,
    DraftRequest,
    checklist_items,
    draft_clause,
    draft_policy,
)
from assistant.index.embeddings import EmbedderError
from assistant.interfaces.cli import main
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.render import (
    answer_steps,
    draft_html,
    esc,
    parse_ref,
    ref_tag,
    section_href,
)
from assistant.interfaces.web.service import UIService
from assistant.interfaces.web.text import t
from assistant.pipeline import Assistant
from assistant.safety.audit import AuditError
from assistant.safety.feedback import FeedbackStore
from assistant.safety.validation import QUESTION_ERROR_CODES, QuestionError
from assistant.settings import Settings
from tests.conftest import free_port

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
API_NAMES = {"/ask", "/section", "/documents", "/faq", "/privacy_check", "/feedback", "/draft"}
POLICY_OPTIONS = {
    "org": "Acme Trading Ltd",
    "lang": "en",
    "public_tools": ["ChatGPT Enterprise"],
    "uses": ["summarising"],
    "allowed_input": ["hkid"],
    "mfa": False,
}


@pytest.fixture(scope="module")
def ui_settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return built_settings.replace(data_dir=tmp_path_factory.mktemp("ui-api-data"))


@pytest.fixture(scope="module")
def client(ui_settings: Settings, fixture_assistant: Assistant) -> Iterator[Client]:
    app = build_app(ui_settings, UIService(ui_settings, fixture_assistant))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


def test_the_api_lists_only_the_stable_endpoints(client: Client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == API_NAMES


def test_ask_returns_the_same_json_as_the_cli(
    client: Client,
    built_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    question = "Do staff need strong passwords for AI tools?"
    via_api = client.predict(question, api_name="/ask")
    for name in ("corpus_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(built_settings, name)))
    assert main(["ask", "--json", question]) == 0
    via_cli = json.loads(capsys.readouterr().out)
    assert set(via_api) == set(via_cli) == {
        "answer", "lang", "refused", "citations", "warnings", "timings_ms",
        "answer_type", "card", "blocks",
    }  # fmt: skip
    for key in (
        "answer",
        "lang",
        "refused",
        "citations",
        "warnings",
        "answer_type",
        "card",
        "blocks",
    ):
        assert via_api[key] == via_cli[key]
    assert via_api["citations"][0]["section_id"] == "checklist-2025/4"
    assert set(via_api["timings_ms"]) >= {"embed", "dense", "bm25", "answer", "total"}


def test_ask_in_chinese_with_a_follow_up_and_trace(client: Client) -> None:
    result = client.predict(
        "咁密碼呢？",
        ["Which devices may staff use with generative AI tools?"],
        True,
        api_name="/ask",
    )
    assert result["lang"] == "zh-Hant" and not result["refused"]
    assert result["citations"][0]["section_id"] == "checklist-2025/4"
    assert "多重認證" in result["answer"]
    trace = result["trace"]
    assert trace["retrieval_query"].startswith("Which devices")
    hit = trace["hits"][0]
    assert {"dense", "bm25", "fused", "dense_rank", "bm25_rank", "rank"} <= set(hit)
    assert 0.0 <= trace["in_scope_probability"] <= 1.0


def test_ask_refuses_out_of_scope_questions(client: Client) -> None:
    result = client.predict("點樣整菠蘿包？", None, True, api_name="/ask")
    assert result["refused"] and result["citations"] == []
    assert "2827 2827" in result["answer"] and result["trace"]["refusal_reason"]


def test_ask_warns_about_personal_data_and_never_echoes_it(client: Client) -> None:
    result = client.predict(
        "My HKID is A123456(3) and my phone 9123 4567: do staff need strong passwords?",
        None,
        True,
        api_name="/ask",
    )
    assert result["warnings"][0]["kind"] == "personal_data"
    assert "an HKID number, a phone number" in result["warnings"][0]["message"]
    dumped = json.dumps(result, ensure_ascii=False)
    assert "A123456" not in dumped and "9123 4567" not in dumped


def test_bad_questions_are_errors(client: Client) -> None:
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(Exception, match="limit is"):
        client.predict("x" * 4001, api_name="/ask")


def test_section_gives_the_full_text_and_its_twin(client: Client) -> None:
    english = client.predict("checklist-2025/4", "en", api_name="/section")
    assert english["heading"] == "4 Data security" and english["twin_lang"] == "zh-Hant"
    assert "multi-factor authentication" in english["text"]
    assert english["parent_id"] == "checklist-2025/contents"
    chinese = client.predict("checklist-2025/4", "zh-Hant", api_name="/section")
    assert chinese["heading"] == "4 數據安全" and "多重認證" in chinese["text"]
    with pytest.raises(Exception, match="no section"):
        client.predict("checklist-2025/99", "en", api_name="/section")


def test_documents_and_faq(client: Client) -> None:
    documents = client.predict("zh-Hant", api_name="/documents")
    assert {d["doc_id"] for d in documents} == {"checklist-2025", "pdpo-dpps"}
    checklist = next(d for d in documents if d["doc_id"] == "checklist-2025")
    assert checklist["label"] == "僱員使用生成式AI的指引清單"
    assert [s["section_id"] for s in checklist["sections"]][:2] == [
        "checklist-2025/contents",
        "checklist-2025/1",
    ]
    assert all(s["lang"] == "zh-Hant" for s in checklist["sections"])
    faq = client.predict("zh-Hant", api_name="/faq")
    assert len(faq) >= 4 and all(topic["questions"] for topic in faq)
    assert any("私隱條例" in topic["topic"] for topic in faq)


def test_privacy_check(client: Client) -> None:
    result = client.predict("我電話係 91234567", "", api_name="/privacy_check")
    assert result["found"] and result["kinds"] == ["phone"]
    assert result["redacted"] == "我電話係 [電話]"
    assert result["message"].startswith("這似乎是個人資料")
    clean = client.predict("What does DPP 4 require?", "en", api_name="/privacy_check")
    assert not clean["found"] and clean["message"] == ""


def test_feedback_is_stored_redacted_and_exported(
    client: Client, ui_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stored = client.predict(
        "Strong passwords? e-mail me at tm@example.com",
        "en",
        ["checklist-2025/4"],
        False,
        "up",
        "great, call 9123 4567",
        api_name="/feedback",
    )
    assert stored["id"] >= 1
    row = next(r for r in FeedbackStore.for_settings(ui_settings).rows() if r.id == stored["id"])
    assert row.question == "Strong passwords? e-mail me at [EMAIL]"
    assert row.comment == "great, call [PHONE]" and row.rating == "up"
    with pytest.raises(Exception, match="rating must be one of"):
        client.predict("q", "en", [], False, "meh", "", api_name="/feedback")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(ui_settings.data_dir))
    out = tmp_path / "candidates.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    exported = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    item = next(i for i in exported if i["id"] == f"fb-{stored['id']:06d}")
    assert item["expected_sections"] == ["checklist-2025/4"] and item["candidate"]


def test_the_interface_defaults_to_the_configured_language(
    ui_settings: Settings, fixture_assistant: Assistant
) -> None:
    settings = ui_settings.replace(default_lang="zh-Hant")
    app = build_app(settings, UIService(settings, fixture_assistant))
    labels = {
        block.elem_id: block.value
        for block in app.blocks.values()
        if isinstance(block, gr.Button) and block.elem_id
    }
    assert labels["send-btn"] == "發送" and labels["clear-btn"] == "清除對話"


def test_serve_without_an_index_says_what_to_do_and_builds_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("corpus_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(settings, name)))
    assert main(["serve", "--port", "1"]) == 1
    assert "run `assistant index` first" in capsys.readouterr().err
    assert not settings.index_dir.exists() or not any(settings.index_dir.iterdir())


def test_assistant_serve_starts_the_app_on_the_chosen_port(built_settings: Settings) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.update(
        {
            f"ASSISTANT_{n.upper()}": str(getattr(built_settings, n))
            for n in ("corpus_dir", "index_dir")
        }
    )
    env["ASSISTANT_DATA_DIR"] = str(built_settings.data_dir.parent / "serve-data")
    command = [
        sys.executable,
        "-m",
        "assistant.interfaces.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2) as reply:
                    config = json.loads(reply.read())
                break
            except OSError:
                assert process.poll() is None, (
                    process.stdout.read().decode() if process.stdout else ""
                )
                assert time.time() < deadline, "the app did not start"
                time.sleep(0.5)
        assert config["title"] == "PCPD AI Guidance Assistant"
        result = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            "員工要唔要設定強密碼？", api_name="/ask"
        )
        assert result["lang"] == "zh-Hant" and result["citations"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_chat_receives_the_answer_one_sentence_at_a_time(
    ui_settings: Settings, fixture_assistant: Assistant
) -> None:
    service = UIService(ui_settings, fixture_assistant)
    answer = service.ask("Which devices may staff use with generative AI tools?")
    data = service.payload(answer)
    steps = answer_steps(data, service.doc_labels("en"), service.known_ids)
    assert len(steps) == len(answer.sentences) + 2  # lead, each sentence, then the sources
    sentences = [steps[i].count("<li>") for i in range(len(steps))]
    assert sentences == [0, *range(1, len(answer.sentences) + 1), len(answer.sentences)]
    assert "cite-chip" in steps[-1] and all("cite-chip" not in step for step in steps[:-1])
    refusal = service.payload(service.ask("點樣整菠蘿包？"))
    refusal_steps = answer_steps(refusal, {}, set())
    assert len(refusal_steps) > 1 and "<strong>2827 2827</strong>" in refusal_steps[-1]


def test_text_and_links_cannot_carry_markup() -> None:
    assert esc('<img src=x onerror="a()">') == "&lt;img src=x onerror=&quot;a()&quot;&gt;"
    assert "_" not in esc("__bold__") and "[" not in esc("[x](javascript:y)")
    assert parse_ref("cite=checklist-2025/4@zh-Hant") == ("cite", "checklist-2025/4", "zh-Hant")
    for bad in ("cite=x/<b>@en", "cite=checklist-2025/4@fr", "other=checklist-2025/4@en", ""):
        assert parse_ref(bad) is None
    assert section_href("cite", 'a/b" onclick="x', "en") == "#"


def test_draft_returns_the_drafters_json_for_a_policy(
    client: Client, fixture_assistant: Assistant
) -> None:
    result = client.predict(POLICY_OPTIONS, "", api_name="/draft")
    corpus = fixture_assistant.snapshot.corpus
    expected = draft_policy(DraftRequest.from_dict(dict(POLICY_OPTIONS)), corpus).to_json()
    assert result == json.loads(json.dumps(expected))
    assert result["mode"] == "policy" and result["org"] == "Acme Trading Ltd"
    first = result["parts"][0]["clauses"][0]
    assert first["number"] == "1.1" and "ChatGPT Enterprise" in first["text"]
    assert first["citations"][0]["section_id"] == "checklist-2025/1"
    assert len(result["coverage"]) == len(checklist_items())
    codes = {w["code"] for w in result["warnings"]}
    assert {"sensitive_public", "no_mfa"} <= codes


def test_draft_one_clause_from_a_request_in_cantonese(client: Client) -> None:
    result = client.predict(None, "幫我寫一條關於AI生成內容加水印嘅條款", api_name="/draft")
    assert result["mode"] == "clause" and result["lang"] == "zh-Hant"
    assert result["route"]["item"] == "labelling"
    (clause,) = [c for part in result["parts"] for c in part["clauses"]]
    assert clause["number"] == "1.1" and "水印" in clause["text"]
    assert clause["citations"][0]["section_id"] == "checklist-2025/3"
    english = client.predict(
        {"org": "Acme Ltd"}, "a clause on what HR staff must not paste into ChatGPT",
        api_name="/draft",
    )  # fmt: skip
    assert english["lang"] == "en" and english["route"]["item"] == "prohibited_input"
    assert "Acme Ltd" in english["parts"][0]["clauses"][0]["text"]


def test_draft_errors_say_what_to_fix(client: Client) -> None:
    with pytest.raises(Exception, match="organisation name is empty"):
        client.predict({"lang": "en"}, "", api_name="/draft")
    with pytest.raises(Exception, match=r"unknown field\(s\) in the drafting options: 'colour'"):
        client.predict({"org": "Acme", "colour": "blue"}, "", api_name="/draft")
    with pytest.raises(Exception, match="could not tell which part"):
        client.predict(None, "zzz qqq", api_name="/draft")


def test_draft_page_shows_chips_quotes_and_escapes_input(
    ui_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    service = UIService(ui_settings, fixture_assistant)
    options = service.draft_options(
        {"org": "<img src=x onerror=alert(1)> Ltd", "lang": "en", "mfa": "no",
         "anonymise": "unset", "human_review": "yes", "uses": ["drafting"], "retention": ""}
    )  # fmt: skip
    assert options["mfa"] is False and options["anonymise"] is None and options["human_review"]
    draft = service.draft(options)
    data = draft.to_json()
    page = draft_html(data, "en", service.draft_ids)
    assert "<img" not in page and "&lt;img src=x" in page
    assert page.count('class="clause ') == len(checklist_items())
    # The Checklist chip of clause 2.1 names the clause, so the panel can highlight what it follows.
    assert 'href="#draft=checklist-2025/2@en~2.1"' in page and ">checklist-2025/2<" in page
    assert parse_ref("draft=checklist-2025/2@en~2.1") == ("draft", "checklist-2025/2", "en")
    assert ref_tag("draft=checklist-2025/2@en~2.1") == "2.1"
    assert parse_ref("draft=checklist-2025/2@en~<b>") is None
    quotes = service.draft_quotes(data)["2.1|checklist-2025/2@en"]
    panel = service.draft_section_html("checklist-2025/2", "en", "en", quotes)
    assert panel is not None and "<mark>" in panel and "what the clause follows" in panel
    # Sections the fixture index lacks are opened from the bundled corpus the drafter cites.
    assert "checklist-2025/3" not in service.known_ids and "checklist-2025/3" in service.draft_ids
    other = service.draft_section_html("checklist-2025/3", "zh-Hant", "zh-Hant")
    assert other is not None and "合法及合乎道德" in other
    markdown, docx = service.draft_files(draft)
    assert markdown.name == "gen-ai-policy-img-src-x-onerror-alert-1-ltd.md"
    assert markdown.read_text("utf-8").startswith("# <img src=x onerror=alert(1)> Ltd Policy")
    assert docx.suffix == ".docx" and docx.stat().st_size > 0


# ---------------------------------------------------------------- checked input, stable error codes


def test_ask_checks_the_history_like_the_question(client: Client) -> None:
    question = "And passwords for AI tools?"
    with pytest.raises(Exception, match="earlier question 1 of 1 .*control characters"):
        client.predict(question, ["Which devices\x1b[31m?"], api_name="/ask")
    with pytest.raises(Exception, match="earlier question 2 of 2 .*limit is 4,000"):
        client.predict(question, ["Which devices?", "x" * 4001], api_name="/ask")
    with pytest.raises(Exception, match="history must be a list"):
        client.predict(question, "Which devices may staff use?", api_name="/ask")
    # Older turns than the last few are not used, so they are not checked either.
    history = ["bad\x00turn", *["Which devices may staff use with generative AI tools?"] * 6]
    result = client.predict("咁密碼呢？", history, api_name="/ask")
    assert result["citations"][0]["section_id"] == "checklist-2025/4"


def test_feedback_input_is_checked_before_anything_is_stored(
    client: Client, ui_settings: Settings
) -> None:
    store = FeedbackStore.for_settings(ui_settings)
    before = len(store.rows())
    ids = ["checklist-2025/4"]
    bad = [
        (("x" * 4001, "en", ids), "limit is 4,000"),
        (("Strong passwords?", "fr", ids), "the language must be one of en, zh-Hant"),
        (("Strong passwords?", "en", ["checklist-2025/4"] * 11), "the limit is 10"),
        (("Strong passwords?", "en", ["../../etc/passwd"]), "not a section id"),
        (("Strong passwords?", "en", ["checklist-2025/99"]), "no section checklist-2025/99"),
        (("Strong\x00passwords?", "en", ids), "control characters"),
    ]
    for (question, lang, section_ids), message in bad:
        with pytest.raises(Exception, match=message):
            client.predict(question, lang, section_ids, False, "up", "", api_name="/feedback")
    assert len(store.rows()) == before
    stored = client.predict(
        "Strong passwords?", "zh-Hant", ids, False, "down", api_name="/feedback"
    )
    assert store.rows()[-1].id == stored["id"] and store.rows()[-1].lang == "zh-Hant"


def _serve(service: UIService) -> tuple[Any, Client]:
    app = build_app(service.settings, service)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    return app, Client(f"http://127.0.0.1:{port}/", verbose=False)


def test_ask_says_how_to_fix_an_unwritable_data_folder_or_a_missing_search_model(
    ui_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be", "utf-8")
    settings = ui_settings.replace(data_dir=not_a_folder)
    service = UIService(settings, Assistant(settings, embedder=fixture_assistant.embedder))
    app, client = _serve(service)
    try:
        with pytest.raises(Exception, match="not answered.*fix ASSISTANT_DATA_DIR"):
            client.predict("Do staff need strong passwords for AI tools?", api_name="/ask")
        # The same service without a search model it can load (the data folder is not reached).
        missing = settings.replace(
            embedder="sentence-transformers", embedder_model_path=str(tmp_path / "no-model")
        )
        service.assistant = Assistant(missing)
        with pytest.raises(Exception, match="search model cannot be loaded.*EMBEDDER_MODEL_PATH"):
            client.predict("Do staff need strong passwords for AI tools?", api_name="/ask")
    finally:
        app.close()
    assert "ASSISTANT_DATA_DIR" in UIService.failure_notice(AuditError("x"), "en")
    assert "ASSISTANT_DATA_DIR" in UIService.failure_notice(AuditError("x"), "zh-Hant")
    assert "ASSISTANT_EMBEDDER" in UIService.failure_notice(EmbedderError("x"), "en")


def test_error_notices_follow_the_error_code_and_are_never_empty(
    ui_settings: Settings, fixture_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.interfaces.web.service as ui_service

    service = UIService(ui_settings, fixture_assistant)
    for code in QUESTION_ERROR_CODES:
        for ui in ("en", "zh-Hant"):
            assert service.question_notice(QuestionError("x", code), ui, "q" * 5000, 4000)
            assert UIService.failure_notice(QuestionError("x", code), ui)
    # A reworded message still gets its own notice; a code nobody knows yet gets a general one.
    for code, message, expected in [
        ("too_long", "reworded", "5,000 characters long"),
        ("control_chars", "reworded", "control characters"),
        ("no_words", "reworded", "in words"),
        ("brand_new", "the question is too long", "cannot be asked as typed"),
        ("", "", "cannot be asked as typed"),
    ]:

        def fail(question: str, limit: int, *, c: str = code, m: str = message) -> str:
            raise QuestionError(m, c)

        monkeypatch.setattr(ui_service, "validate_question", fail)
        notice = service.question_error("q" * 5000, "en")
        assert notice and expected in notice
    history_error = QuestionError("earlier question 1 of 1 ...", "history_control_chars")
    assert "clear the chat" in UIService.failure_notice(history_error, "en")

    assert service.draft_error(DraftError("reworded", code="need_org"), "en") == t(
        "en", "draft_need_org"
    )
    assert service.draft_error(DraftError("brand new: reason"), "en").endswith("brand new.")
    assert service.draft_error(DraftError(""), "en").strip()
    assert service.draft_error(DraftError(": x", code="brand_new"), "zh-Hant").strip()
    # The drafter's own errors carry the codes the page maps on.
    for options, request, code in [
        ({"lang": "en"}, "", "need_org"),
        (None, "zzz qqq", "no_topic"),
        ({"org": "Acme", "colour": "blue"}, "", "invalid"),
    ]:
        with pytest.raises(DraftError) as raised:
            service.draft(options, request)
        assert raised.value.code == code
    with pytest.raises(DraftError) as raised:
        draft_clause("   ", fixture_assistant.snapshot.corpus)
    assert raised.value.code == "need_request"
