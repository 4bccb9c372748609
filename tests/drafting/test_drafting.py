"""The policy drafter: clauses, citations, coverage, warnings, routing, exports and the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import docx
import pytest
import yaml
from docx.enum.text import WD_COLOR_INDEX

from assistant.corpus.documents import Corpus, load_corpus
from assistant.drafting import (
    DraftError,
    DraftRequest,
    checklist_items,
    draft_clause,
    draft_policy,
    polish_draft,
    resolve_lookup,
    route_request,
    verify_rewrite,
)
from assistant.interfaces.cli import main
from tests.answer.test_llm import FakeOpenAIServer
from tests.conftest import PROJECT_ROOT, free_port

REAL_CORPUS = PROJECT_ROOT / "corpus"
AREAS = [f"checklist-2025/{n}" for n in range(1, 6)]
# Common characters that exist only in Simplified Chinese (their Traditional forms differ).
SIMPLIFIED = set(
    "们这说时为国会对发关开长门问见从实动应现进过还经认让给话边头语读请习样车东马书视听业专义产亲"
    "价护务员录项规则该仅处删储条权隐资讯设备码证险责须训检讨错误违纪结构机个标签图频内线网络电脑"
    "钥帐类别决况与将"
)
# The aspects the Checklist names (checklist-2025/1..5, tips, intro), as coverage item keys.
EXPECTED_ITEMS = {
    "tools", "purposes", "applicability", "permitted_input", "prohibited_input", "output_use",
    "anonymise", "storage", "other_policies", "unlawful", "accuracy", "bias", "labelling",
    "devices", "users", "credentials", "security_settings", "incident", "consequences",
    "communication", "training", "support", "feedback", "review",
}  # fmt: skip


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(REAL_CORPUS)


def full_form(lang: str = "en") -> DraftRequest:
    zh = lang == "zh-Hant"
    return DraftRequest(
        org="香港示例有限公司" if zh else "Acme Trading Ltd",
        lang=lang,
        public_tools=["ChatGPT Enterprise", "internal:DocBot"],
        uses=["drafting", "summarising", "visual"],
        applies_to=["Finance Department", "managers and above"],
        allowed_input=["public_info", "anonymised"],
        prohibited_input=["hkid", "customer_data", "health"],
        output_use=["內部工作草稿" if zh else "internal working drafts"],
        output_storage="SharePoint",
        anonymise=True,
        retention="90日" if zh else "90 days",
        devices=["公司手提電腦" if zh else "company laptops"],
        users=["全職僱員" if zh else "permanent staff"],
        mfa=True,
        security_settings=["chat history off"],
        incident_contact="dpo@acme.example",
        violations="紀律處分" if zh else "disciplinary action, up to and including dismissal",
        human_review=True,
        labelling="AI images carry the label 'AI-generated'",
        related_policies=["Information Security Policy"],
        support_contact="資訊科技服務台" if zh else "the IT Service Desk",
        review_period="every 12 months",
    )


# ---------------------------------------------------------------- whole policy


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_full_form_covers_every_area_with_cited_numbered_clauses(corpus: Corpus, lang: str) -> None:
    draft = draft_policy(full_form(lang), corpus)
    again = draft_policy(full_form(lang), corpus)
    assert draft.to_markdown() == again.to_markdown()
    assert draft.to_json() == again.to_json()

    assert [p.section_id for p in draft.parts] == [*AREAS, "checklist-2025/tips"]
    numbers = [c.number for c in draft.clauses()]
    assert numbers == [f"{p.number}.{i}" for p in draft.parts for i in range(1, len(p.clauses) + 1)]
    known = set(corpus.section_ids())
    for part in draft.parts:
        for clause in part.clauses:
            assert clause.citations, clause.number
            assert all(c.section_id in known for c in clause.citations)
            assert clause.citations[0].section_id.startswith("checklist-2025/")
            assert all(c.title and c.heading and c.url for c in clause.citations)
            assert clause.placeholders == []
    # Each area's clauses cite that area's Checklist section.
    for part in draft.parts[:5]:
        assert {c.citations[0].section_id for c in part.clauses} == {part.section_id}
    md = draft.to_markdown()
    for area in AREAS:
        assert f"`{area}`" in md
    assert "[to be specified:" not in md and "［待填寫：" not in md
    assert all(c.addressed for c in draft.coverage)
    assert draft.warnings == []


def test_full_form_fills_the_answers_into_the_clauses(corpus: Corpus) -> None:
    draft = draft_policy(full_form(), corpus)
    text = {c.item: c.text for c in draft.clauses()}
    assert "ChatGPT Enterprise (publicly available)" in text["tools"]
    assert "DocBot (in-house)" in text["tools"]
    assert "commercially licensed edition" in text["tools"]
    assert "drafting documents" in text["purposes"] and "images or video" in text["purposes"]
    assert "Finance Department" in text["applicability"]
    assert "Hong Kong Identity Card numbers" in text["prohibited_input"]
    assert "within 90 days" in text["storage"] and "SharePoint" in text["storage"]
    assert "dpo@acme.example" in text["incident"]
    assert "multi-factor authentication" in text["credentials"]
    assert "dismissal" in text["consequences"] and "clause 4.5" in text["consequences"]
    assert text["support"].startswith("The IT Service Desk")
    assert "clause 6.2" in text["users"]
    assert draft.title == "Acme Trading Ltd Policy on Employees' Use of Generative AI"


def test_chinese_policy_is_traditional_and_cites_in_chinese(corpus: Corpus) -> None:
    draft = draft_policy(full_form("zh-Hant"), corpus)
    md = draft.to_markdown()
    assert draft.title == "香港示例有限公司僱員使用生成式人工智能政策"
    assert "## 2. 保障個人資料私隱" in md
    assert "**1.1 獲准使用的工具**：" in md
    assert "香港身份證號碼" in md and "90日" in md
    assert all(c.citations[0].lang == "zh-Hant" for c in draft.clauses())
    assert not SIMPLIFIED & set(md), sorted(SIMPLIFIED & set(md))


def test_all_chinese_wording_is_traditional() -> None:
    # Every Chinese template, label and warning, including those a given draft does not use.
    data = Path(PROJECT_ROOT / "assistant" / "data")
    clauses = yaml.safe_load((data / "policy_clauses.yaml").read_text("utf-8"))["zh-Hant"]
    items = (data / "policy_items.yaml").read_text("utf-8")
    text = json.dumps(clauses, ensure_ascii=False) + items
    assert re.search("[\u4e00-\u9fff]", text)
    assert not SIMPLIFIED & set(text), sorted(SIMPLIFIED & set(text))


def test_missing_answers_become_placeholders_and_not_addressed(corpus: Corpus) -> None:
    for lang, marker in (("en", "[to be specified: "), ("zh-Hant", "［待填寫：")):
        draft = draft_policy(DraftRequest(org="Acme", lang=lang), corpus)
        by_item = {c.item: c for c in draft.clauses()}
        coverage = {c.item: c for c in draft.coverage}
        needs_input = {
            "tools", "purposes", "applicability", "permitted_input", "prohibited_input",
            "output_use", "anonymise", "storage", "devices", "users", "incident",
            "consequences", "support",
        }  # fmt: skip
        for key in needs_input:
            assert marker in by_item[key].text, key
            assert by_item[key].status == "missing"
            assert coverage[key].addressed is False
        for key in EXPECTED_ITEMS - needs_input:
            assert marker not in by_item[key].text, key
            assert coverage[key].addressed is True
        assert draft.coverage_summary()["missing"] == len(needs_input)
        # Every clause is still a clause with its citation.
        assert all(c.citations for c in draft.clauses())
        md = draft.to_markdown()
        status = "Not addressed" if lang == "en" else "未涵蓋"
        assert md.count(status) == len(needs_input)


def test_coverage_lists_every_checklist_item_once(corpus: Corpus) -> None:
    assert {i.key for i in checklist_items()} == EXPECTED_ITEMS
    draft = draft_policy(DraftRequest(org="Acme"), corpus)
    assert [c.item for c in draft.coverage] == [i.key for i in checklist_items()]
    assert {c.section_id for c in draft.coverage} == {
        *AREAS,
        "checklist-2025/tips",
        "checklist-2025/intro",
    }
    zh = draft_policy(DraftRequest(org="Acme", lang="zh-Hant"), corpus)
    labels = {c.item: c.label for c in zh.coverage}
    assert labels["labelling"] == "加上水印／標籤" and labels["credentials"] == "用戶憑證"


# ---------------------------------------------------------------- warnings


def codes(draft) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.code for w in draft.warnings]


def test_hkid_into_a_public_tool_is_a_high_risk_warning(corpus: Corpus) -> None:
    form = full_form()
    form.allowed_input = ["HKID numbers", "customers' personal data"]
    form.prohibited_input = ["passwords"]
    draft = draft_policy(form, corpus)
    warning = next(w for w in draft.warnings if w.code == "sensitive_public")
    assert warning.severity == "high"
    assert "HKID numbers" in warning.message and "ChatGPT Enterprise" in warning.message
    assert {c.section_id for c in warning.citations} == {"checklist-2025/2", "pdpo-dpps/dpp4"}
    assert "customer_purpose" in codes(draft)  # DPP 3: a new use of customers' data
    assert "High risk" in draft.to_markdown()

    form.lang = "zh-Hant"
    zh = draft_policy(form, corpus)
    message = next(w.message for w in zh.warnings if w.code == "sensitive_public")
    assert "公眾可用的工具" in message and "香港身份證號碼" in message

    # Limiting the information to in-house tools removes the public-tool warning, not the risk.
    form.lang, form.input_internal_only = "en", True
    limited = draft_policy(form, corpus)
    assert "sensitive_public" not in codes(limited) and "high_risk" in codes(limited)
    assert "only into the in-house tools (DocBot)" in limited.clauses()[3].text


def test_weak_answers_raise_the_matching_warnings(corpus: Corpus) -> None:
    form = full_form()
    form.allowed_input = ["personal data", "hkid"]
    form.prohibited_input = ["hkid"]
    form.anonymise, form.mfa, form.human_review = False, False, False
    form.retention, form.incident_contact = "", ""
    draft = draft_policy(form, corpus)
    assert set(codes(draft)) >= {
        "input_conflict",
        "no_anonymise",
        "no_mfa",
        "no_human_review",
        "no_retention",
        "no_incident_contact",
    }
    # High-risk warnings come first.
    severities = [w.severity for w in draft.warnings]
    assert severities == sorted(severities, key=lambda s: s != "high")
    text = {c.item: c.text for c in draft.clauses()}
    assert "multi-factor" not in text["credentials"]
    assert "does not require a separate review" in text["accuracy"]
    # The conflicting type is treated as prohibited, not allowed.
    assert "Identity Card" not in text["permitted_input"]
    assert all(w.citations for w in draft.warnings)

    form.retention = "indefinitely"
    assert "indefinite_retention" in codes(draft_policy(form, corpus))


# ---------------------------------------------------------------- free-text clauses


@pytest.mark.parametrize(
    ("request_text", "item", "section", "lang", "fragment"),
    [
        (
            "a clause on what HR staff must not paste into ChatGPT",
            "prohibited_input",
            "checklist-2025/2",
            "en",
            "Employees of the Human Resources Department must never enter the following into ChatGPT",
        ),
        ("幫我寫一條關於AI生成內容加水印嘅條款", "labelling", "checklist-2025/3", "zh-Hant", "水印"),
        ("請草擬有關AI生成內容須加上標籤的條文", "labelling", "checklist-2025/3", "zh-Hant", "標籤"),
        ("唔好將病人資料貼落ChatGPT", "prohibited_input", "checklist-2025/2", "zh-Hant", "健康及醫療資料"),
        ("員工可唔可以將客戶資料入ChatGPT", "permitted_input", "checklist-2025/2", "zh-Hant", "客戶的個人資料"),
        ("a clause banning HKID numbers in Gemini", "prohibited_input", "checklist-2025/2", "en", "Hong Kong Identity Card numbers"),
        ("Staff must use MFA and strong passwords", "credentials", "checklist-2025/4", "en", "multi-factor"),
        ("員工用AI出事要向邊個報告事故？", "incident", "checklist-2025/4", "zh-Hant", "AI事故應變計劃"),
        ("what happens if staff breach the policy", "consequences", "checklist-2025/5", "en", "[to be specified"),
        ("how long to keep AI output", "storage", "checklist-2025/2", "en", "data retention policy"),
    ],
)  # fmt: skip
def test_free_text_request_routes_to_its_checklist_item(
    corpus: Corpus, request_text: str, item: str, section: str, lang: str, fragment: str
) -> None:
    draft = draft_clause(request_text, corpus)
    assert draft.mode == "clause" and draft.lang == lang
    assert draft.route is not None and draft.route.method == "keywords"
    assert (draft.route.item, draft.route.section_id) == (item, section)
    [clause] = draft.clauses()
    assert clause.item == item and clause.citations[0].section_id == section
    assert fragment in clause.text
    if lang == "zh-Hant":
        assert not SIMPLIFIED & set(draft.to_markdown())


def test_free_text_clause_uses_the_form_answers_and_relevant_warnings_only(corpus: Corpus) -> None:
    base = DraftRequest(org="Acme", public_tools=["ChatGPT"], incident_contact="")
    draft = draft_clause("Can staff enter customer data into ChatGPT?", corpus, base=base)
    assert draft.route.item == "permitted_input"
    assert "customers' personal data" in draft.clauses()[0].text
    assert set(codes(draft)) == {"sensitive_public", "customer_purpose"}
    # No cross-reference to a clause number that does not exist in a one-clause draft.
    bias = draft_clause("bias in AI output", corpus, base=base)
    assert "clause 6.3" not in bias.clauses()[0].text
    assert "the Gen AI support team designated by Acme" in bias.clauses()[0].text


def test_unroutable_requests_are_refused_or_sent_to_the_retriever() -> None:
    with pytest.raises(DraftError, match="which part of the Checklist"):
        route_request("please write something nice")

    def hit(section_id: str, bm25: float | None) -> SimpleNamespace:
        return SimpleNamespace(section_id=section_id, bm25_score=bm25)

    class FakeRetriever:
        def __init__(self, hits: list[SimpleNamespace]) -> None:
            self.hits = hits
            self.queries: list[str] = []

        def search(self, text: str, lang: str | None = None) -> SimpleNamespace:
            self.queries.append(text)
            return SimpleNamespace(hits=self.hits)

    lexical = FakeRetriever([hit("pdpo-dpps/dpp1", 2.0), hit("checklist-2025/4", 1.5)])
    route = route_request("unique strong passphrases", retriever=lexical)
    assert (route.item, route.method) == ("devices", "retriever")
    assert lexical.queries == ["unique strong passphrases"]
    # Dense similarity alone is not evidence enough.
    with pytest.raises(DraftError):
        route_request(
            "please write something nice", retriever=FakeRetriever([hit("checklist-2025/4", None)])
        )
    # Keywords win without asking the retriever.
    unused = FakeRetriever([])
    assert route_request("watermark rules", retriever=unused).item == "labelling"
    assert unused.queries == []


def test_real_retriever_routes_a_request_without_keywords(fixture_assistant) -> None:  # type: ignore[no-untyped-def]
    route = route_request(
        "unique strong passphrases for generative AI accounts",
        retriever=fixture_assistant.retriever,
        lang="en",
    )
    assert route.method == "retriever" and route.section_id == "checklist-2025/4"


# ---------------------------------------------------------------- request, lookup, JSON


def test_request_parsing_and_validation() -> None:
    form = DraftRequest(org="  Acme  ", public_tools="ChatGPT, internal:HR Bot; Copilot")
    assert form.org == "Acme"
    assert form.public_tools == ["ChatGPT", "Copilot"] and form.internal_tools == ["HR Bot"]
    assert DraftRequest(org="x", devices="手提電腦、手機").devices == ["手提電腦", "手機"]
    assert DraftRequest(org="x", public_tools="內部：文件助手").internal_tools == ["文件助手"]
    assert DraftRequest(org="x", retention=None).retention == ""  # type: ignore[arg-type]
    with pytest.raises(DraftError, match="unknown drafting option"):
        DraftRequest.from_dict({"org": "Acme", "colour": "blue"})
    for bad in (DraftRequest(org=" "), DraftRequest(org="Acme", lang="fr")):
        with pytest.raises(DraftError):
            draft_policy(bad)
    with pytest.raises(DraftError, match="control characters"):
        draft_policy(DraftRequest(org="Acme", retention="90\x07days"))
    with pytest.raises(DraftError, match="empty"):
        draft_clause("   ")


def test_a_partial_index_still_gets_every_citation(settings) -> None:  # type: ignore[no-untyped-def]
    # The test corpus lacks checklist-2025/3 and /5; the bundled corpus fills them in.
    fixture = load_corpus(settings.corpus_dir)
    assert fixture.section("checklist-2025/3") is None
    draft = draft_policy(DraftRequest(org="Acme"), fixture.in_lang)
    assert {c.citations[0].section_id for c in draft.clauses()} >= set(AREAS)
    assert resolve_lookup(fixture)("checklist-2025/5", "en") is not None


def test_json_is_serialisable_and_citations_open_like_chat_citations(corpus: Corpus) -> None:
    data = json.loads(json.dumps(draft_policy(full_form(), corpus).to_json()))
    assert data["mode"] == "policy" and data["coverage_summary"]["missing"] == 0
    citation = data["parts"][0]["clauses"][0]["citations"][0]
    assert {"section_id", "doc_id", "title", "heading", "lang", "url", "quote"} <= set(citation)
    assert citation["section_id"] == "checklist-2025/1"
    assert "permitted tools" in citation["quote"].lower()


# ---------------------------------------------------------------- exports


def test_docx_export_reads_back_with_the_clauses(tmp_path: Path, corpus: Corpus) -> None:
    for lang in ("en", "zh-Hant"):
        draft = draft_policy(full_form(lang), corpus)
        path = draft.to_docx(tmp_path / f"policy-{lang}.docx")
        document = docx.Document(str(path))
        body = "\n".join(p.text for p in document.paragraphs)
        assert draft.title in body
        for clause in draft.clauses():
            assert clause.text in body
            assert clause.citations[0].section_id in body
        [table] = document.tables
        assert len(table.rows) == len(draft.coverage) + 1
        assert table.rows[1].cells[1].text == "checklist-2025/1"


def test_docx_highlights_gaps_links_citations_and_names_the_organisation(
    tmp_path: Path, corpus: Corpus
) -> None:
    for lang, org in (("en", "Acme Trading Ltd"), ("zh-Hant", "香港示例有限公司")):
        draft = draft_policy(DraftRequest(org=org, lang=lang), corpus)
        document = docx.Document(str(draft.to_docx(tmp_path / f"gaps-{lang}.docx")))
        gaps = {gap for clause in draft.clauses() for gap in clause.placeholders}
        assert gaps  # a form left empty leaves gaps to fill in
        highlighted = {
            run.text
            for paragraph in document.paragraphs
            for run in paragraph.runs
            if run.font.highlight_color == WD_COLOR_INDEX.YELLOW
        }
        assert highlighted == gaps
        # Every cited section with an official web address links to it.
        links = {(link.text, link.address) for p in document.paragraphs for link in p.hyperlinks}
        cited = {(c.label, c.url) for c in draft.citations() if c.url.startswith("https://")}
        assert cited and cited <= links
        properties = document.core_properties
        assert properties.author == org and properties.last_modified_by == org
        assert "python-docx" not in f"{properties.comments} {properties.author}"
        assert properties.title == draft.title
        body = "\n".join(p.text for p in document.paragraphs)
        if lang == "zh-Hant":
            assert "Text in brackets" not in body and "[to be specified" not in body
            assert "［待填寫" in body


def test_a_clause_without_an_organisation_leaves_the_author_empty(
    tmp_path: Path, corpus: Corpus
) -> None:
    draft = draft_clause("a clause on reporting AI incidents", corpus)
    document = docx.Document(str(draft.to_docx(tmp_path / "clause.docx")))
    assert document.core_properties.author == ""
    assert document.core_properties.last_modified_by == ""


def test_warnings_start_with_a_capital_letter_even_when_they_open_with_typed_words(
    tmp_path: Path, corpus: Corpus
) -> None:
    request = DraftRequest(
        org="Acme",
        lang="en",
        public_tools=["ChatGPT"],
        allowed_input=["client names", "hkid"],
        prohibited_input=["client names"],
    )
    draft = draft_policy(request, corpus)
    codes = {w.code for w in draft.warnings}
    assert "input_conflict" in codes
    assert all(w.message[:1].isupper() for w in draft.warnings)
    body = [p.text for p in docx.Document(str(draft.to_docx(tmp_path / "w.docx"))).paragraphs]
    assert any(line.endswith(")") and ": Client names appear both" in line for line in body)


# ---------------------------------------------------------------- polish


def test_polish_keeps_only_rewrites_that_keep_every_required_element(corpus: Corpus) -> None:
    draft = draft_policy(full_form(), corpus)
    same = polish_draft(draft, lambda text, lang: text.replace("Employees", "Staff"))
    assert all(entry["accepted"] for entry in same.polish_log)
    assert same.clauses()[0].text.startswith("Staff may use only")
    assert [c.citations for c in same.clauses()] == [c.citations for c in draft.clauses()]

    # Typed values reach the model only as [[n]] tokens; a rewrite that drops one is discarded.
    seen: list[str] = []

    def drop_tokens(text: str, lang: str) -> str:
        seen.append(text)
        return re.sub(r"\[\[\d+\]\]", "it", text)

    lossy = polish_draft(draft, drop_tokens)
    assert not any("90 days" in t or "IT Service Desk" in t for t in seen)
    assert any("[[1]]" in t for t in seen)
    storage = next(c for c in lossy.clauses() if c.item == "storage")
    assert not storage.polished and "90 days" in storage.text
    rejected = {e["clause"] for e in lossy.polish_log if not e["accepted"]}
    typed = {v.lower() for c in draft.clauses() for v in c.required}
    with_values = {c.number for c in draft.clauses() if any(v in c.text.lower() for v in typed)}
    assert storage.number in rejected and rejected == with_values
    assert all(
        "lost required element" in " ".join(e["problems"])
        for e in lossy.polish_log
        if not e["accepted"]
    )

    flipped = polish_draft(draft, lambda text, lang: text.replace("must never", "may"))
    assert "must never" in next(c for c in flipped.clauses() if c.item == "prohibited_input").text
    # Every prohibition counts: keeping one "not" while dropping a "never" is still a loss.
    prohibited = next(c for c in draft.clauses() if c.item == "prohibited_input")
    assert "must never" in prohibited.text
    kept_one = prohibited.text.replace("must never", "must", 1) + " It is not optional."
    assert prohibited.text.count("never") + prohibited.text.count("not") >= 1
    assert "dropped a prohibition" in verify_rewrite(
        prohibited, prohibited.text.replace("must never", "must"), "en"
    )
    assert "dropped a prohibition" not in verify_rewrite(prohibited, kept_one, "en")

    def broken(text: str, lang: str) -> str:
        raise TimeoutError("LLM unreachable")

    failed = polish_draft(draft, broken)
    assert failed.to_markdown() == draft.to_markdown()
    assert all("LLM unreachable" in e["problems"][0] for e in failed.polish_log)

    zh = draft_policy(full_form("zh-Hant"), corpus)
    simplified = polish_draft(zh, lambda text, lang: text.replace("僱員", "员工"))
    rejected = [e for e in simplified.polish_log if not e["accepted"]]
    assert rejected and all("Simplified" in " ".join(e["problems"]) for e in rejected)
    assert simplified.to_markdown() == zh.to_markdown()
    # Mixed script is caught too, including characters a hand-made list once missed (数, 据).
    mixed = polish_draft(zh, lambda text, lang: text.replace("資料", "数据"))
    changed = [e for e in mixed.polish_log if not e["accepted"]]
    assert changed and all("数" in " ".join(e["problems"]) for e in changed)


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(REAL_CORPUS))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "no-index"))


def test_cli_prints_markdown_to_stdout(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["draft", "--org", "Acme", "--tools", "ChatGPT", "--allowed-input", "hkid", "--no-mfa"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.startswith("# Acme Policy on Employees' Use of Generative AI")
    assert "## 4. Data security" in out.out and "`checklist-2025/4`" in out.out
    assert "Hong Kong Identity Card numbers while it permits publicly available tools" in out.out
    assert "multi-factor authentication." in out.out  # the no-MFA warning

    code = main(["draft", "--request", "幫我寫一條關於AI生成內容加水印嘅條款", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["route"]["section_id"] == "checklist-2025/3"
    assert data["lang"] == "zh-Hant" and len(data["parts"][0]["clauses"]) == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--org", "Acme", "--format", "docx"], "--out"),
        (["--org", "Acme", "--lang", "fr"], "invalid choice"),
        (["--org", "Acme", "--colour", "blue"], "unrecognized arguments"),
        (["--tools", "ChatGPT"], "--org"),
        (["--request", "please write something nice"], "which part of the Checklist"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(
    cli_env: None, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    try:
        code = main(["draft", *args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err and len(err.strip().splitlines()) == 1


def test_cli_writes_docx_through_the_real_entry_point(tmp_path: Path) -> None:
    out = tmp_path / "policy.docx"
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(REAL_CORPUS),
        "ASSISTANT_INDEX_DIR": str(tmp_path / "no-index"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.interfaces.cli",
            "draft",
            "--org",
            "Acme",
            "--lang",
            "zh-Hant",
        ]
        + ["--retention", "90日", "--format", "docx", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Acme僱員使用生成式人工智能政策" in body and "90日內刪除" in body


def _reword(messages: list[dict[str, Any]]) -> str:
    clause = next(m["content"] for m in messages if m["role"] == "user")
    reworded = clause.replace("Employees", "Staff")
    # A careless model drops the retention period's token in the storage clause.
    return re.sub(r"\[\[\d+\]\]", "a while", reworded) if "store" in clause else reworded


def test_cli_polish_rewords_through_an_openai_compatible_server(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["draft", "--org", "Acme", "--retention", "90 days", "--polish", "--format", "json"]
    monkeypatch.delenv("ASSISTANT_LLM_BASE_URL", raising=False)
    assert main(args) == 2 and "--polish needs an LLM" in capsys.readouterr().err

    with FakeOpenAIServer(reply=_reword) as server:
        monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ASSISTANT_LLM_MODEL", "fake-model")
        code = main(args)
        out = capsys.readouterr()
    assert code == 0, out.err
    clauses = [c for part in json.loads(out.out)["parts"] for c in part["clauses"]]
    assert len(server.requests) == len(clauses)
    assert server.requests[0]["messages"][0]["role"] == "system"
    assert not any("90 days" in json.dumps(r) or "Acme" in json.dumps(r) for r in server.requests)
    reworded = [c for c in clauses if c["polished"]]
    assert reworded and all("Employees" not in c["text"] for c in reworded)
    # Dropping the retention period is caught, and that clause stays as drafted.
    kept = [c for c in clauses if "90 days" in c["text"]]
    assert kept and not any(c["polished"] for c in kept)
    assert "kept as drafted: " in out.err and "lost required element '90 days'" in out.err
    assert f"{len(reworded)} of {len(clauses)} clauses reworded" in out.err


def test_cli_polish_with_the_llm_down_keeps_the_whole_draft(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = ["draft", "--org", "Acme", "--format", "md"]
    assert main(plain) == 0
    expected = capsys.readouterr().out
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT_S", "2")
    assert main([*plain, "--polish"]) == 0
    out = capsys.readouterr()
    assert out.out == expected
    assert "0 of" in out.err and "rewrite failed" in out.err
