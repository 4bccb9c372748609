"""`assistant corpus add`: official PDF/DOCX/HTML -> corpus sections with ids, pages and editions.

Every test file is generated here: PDFs with reportlab (Chinese with its bundled Traditional
Chinese CID font MSung-Light, whose text pypdf extracts back exactly), DOCX with python-docx.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import docx
import pypdf
import pytest
from docx.enum.text import WD_BREAK
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from assistant.corpus.documents import SECTION_ID_RE, check_corpus, load_corpus, parse_corpus_text
from assistant.corpus.official import (
    IngestError,
    add_folder,
    add_official,
    convert,
    find_edition,
    match_heading,
)
from assistant.index.snapshot import current_generation
from assistant.interfaces.cli import main
from assistant.pipeline import Assistant
from assistant.retrieval.indexing import build_index
from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT, make_settings

CJK_FONT = "MSung-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))

# ---------------------------------------------------------------- file generators


def make_pdf(
    path: Path,
    pages: list[list[str]],
    cjk: bool = False,
    title: str | None = None,
    header: str = "PCPD publication",
) -> Path:
    """One list of lines per page, with a running header and a page-number footer like real PDFs."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    if title:
        pdf.setTitle(title)
    font = CJK_FONT if cjk else "Helvetica"
    for number, lines in enumerate(pages, start=1):
        pdf.setFont(font, 11)
        pdf.drawString(60, 815, header)
        y = 790
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 16
        pdf.drawString(290, 30, str(number))
        pdf.showPage()
    pdf.save()
    return path


def make_docx(path: Path, blocks: list[tuple[str, str]], title: str = "") -> Path:
    """(style, text) blocks; style "break" starts a new page."""
    document = docx.Document()
    document.core_properties.title = title
    for style, text in blocks:
        if style == "break":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        else:
            document.add_paragraph(text, style=style)
    document.save(str(path))
    return path


def tree_state(*folders: Path) -> dict[str, str]:
    """Every file under the folders with a hash of its content."""
    state: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.fixture
def real_corpus(tmp_path: Path) -> Path:
    """A copy of the shipped corpus, for the titles and digest headings of all seven documents."""
    target = tmp_path / "real-corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", target)
    return target


FRAMEWORK_EN = [
    ["Artificial Intelligence:", "Model Personal Data Protection Framework", "June 2024"],
    [
        "Contents",
        "Part I AI Strategy and Governance ........ 3",
        "1.1 AI Strategy ........ 3",
        "1.3 Governance Structure ........ 4",
        "Part II Risk Assessment and Human Oversight ........ 5",
    ],
    [
        "Part I AI Strategy and Governance",
        "Organisations should have an AI strategy that top management supports.",
        "1.1 AI Strategy",
        "An AI strategy should set out the purposes for which AI solutions are procured and",
        "how they are used in the organisation.",
        "1. A numbered list item inside a section is not a heading.",
    ],
    [
        "1.3 Governance Structure",
        "The organisation should set up an AI governance committee that reports to the",
        "board.",
        "\u2022 The committee should include members from legal, compliance and IT.",
        "\u2022 The committee should meet at regular intervals.",
    ],
    [
        "Part II Risk Assessment and Human Oversight",
        "A risk-based approach should be adopted for AI systems.",
        "2.1 Risk Factors",
        "Risk factors include the volume and sensitivity of the personal data involved.",
    ],
]

FRAMEWORK_ZH = [
    ["人工智能 (AI)：個人資料保障模範框架", "2024年6月"],
    [
        "第一部分 AI策略及管治",
        "機構應制定得到高層管理人員支持的AI策略。",
        "第1.1段 AI策略",
        "AI策略應列明採購AI方案的目的，以及機構",
        "如何使用這些方案。",
    ],
    ["第1.3段 管治架構", "機構應設立AI管治委員會，並向董事會匯報。"],
]

CHECKLIST_EN = [
    ["Checklist on Guidelines for the Use of Generative AI by Employees", "15 April 2025"],
    [
        "1. Scope of permissible use of Gen AI",
        "The policy should name the generative AI tools that employees are permitted to use.",
        "2. Protection of personal data privacy",
        "The policy should say which kinds of information employees may enter into AI tools.",
    ],
    [
        "4. Data security",
        "Employees must protect every generative AI account with a strong password and",
        "multi-factor authentication, as the official checklist states.",
        "Employees should use only devices approved by the organisation to reach AI tools.",
    ],
]


# ---------------------------------------------------------------- heading patterns


@pytest.mark.parametrize(
    ("line", "label", "title", "first_key"),
    [
        ("1.3 Governance Structure", "1.3", "Governance Structure", "1.3"),
        ("1. Scope of permissible use of Gen AI", "1", "Scope of permissible use of Gen AI", "1"),
        ("Part I AI Strategy and Governance", "Part I", "AI Strategy and Governance", "part-1"),
        ("PART IV Communication", "Part IV", "Communication", "part-4"),
        ("第一部分 AI策略及管治", "第一部分", "AI策略及管治", "part-1"),
        ("第三部分：AI模型的定製", "第三部分", "AI模型的定製", "part-3"),
        ("第1.1段 AI策略", "第1.1段", "AI策略", "1.1"),
        (
            "DPP 1 – Purpose and manner of collection",
            "DPP 1",
            "Purpose and manner of collection",
            "dpp1",
        ),
        ("原則1 收集資料的目的及方式", "原則1", "收集資料的目的及方式", "principle-1"),
        ("第4原則——個人資料的保安", "第4原則", "個人資料的保安", "principle-4"),
        ("保障資料第3原則 個人資料的使用", "保障資料第3原則", "個人資料的使用", "dpp3"),
        (
            "Tip 4 Refrain from sharing personal data",
            "Tip 4",
            "Refrain from sharing personal data",
            "tip-4",
        ),
        ("第10招 老師／家長應從旁指導", "第10招", "老師／家長應從旁指導", "tip-10"),
        (
            "Appendix B: Main Publication Reference List",
            "Appendix B",
            "Main Publication Reference List",
            "appendix-b",
        ),
        ("附錄A：保障資料原則", "附錄A", "保障資料原則", "appendix-a"),
        ("１．３ 管治架構", "1.3", "管治架構", "1.3"),
    ],
)
def test_numbered_headings_are_recognised(
    line: str, label: str, title: str, first_key: str
) -> None:
    found = match_heading(line)
    assert found is not None
    assert (found.label, found.title, found.keys[0]) == (label, title, first_key)


@pytest.mark.parametrize(
    "line",
    [
        "31 March 2025",
        "2024年6月",
        "3個月內須完成",
        "1.5 times as many organisations use AI.",
        "12 per cent of organisations had a policy",
        "2024",
    ],
)
def test_dates_and_quantities_are_not_headings(line: str) -> None:
    assert match_heading(line) is None


@pytest.mark.parametrize(
    ("text", "edition"),
    [
        ("Model Framework\nJune 2024\n", "2024-06"),
        ("Checklist\n31 March 2025", "2025-03-31"),
        ("Published on March 31, 2025 under the Ordinance of 1995", "2025-03-31"),
        ("人工智能模範框架\n2024年6月11日", "2024-06-11"),
        ("edition 2023-09-13", "2023-09-13"),
        ("no date here, only the year 1995", None),
    ],
)
def test_edition_dates_are_found(text: str, edition: str | None) -> None:
    assert find_edition(text) == edition


# ---------------------------------------------------------------- PDF


def test_english_pdf_gets_canonical_ids_pages_and_edition(
    tmp_path: Path, real_corpus: Path
) -> None:
    pdf = make_pdf(tmp_path / "ai_protection_framework.pdf", FRAMEWORK_EN)
    markdown, report = convert(pdf, real_corpus)

    assert report.doc_id == "framework-2024"  # recognised from the title on the cover
    assert report.lang == "en" and report.edition == "2024-06" and report.pages == 5
    assert report.title == "Artificial Intelligence: Model Personal Data Protection Framework"
    rows = [(s.id, s.number, s.heading, s.page, s.level) for s in report.sections]
    assert rows == [
        ("framework-2024/part-1", "Part I", "AI Strategy and Governance", 3, 2),
        ("framework-2024/1.1", "1.1", "AI Strategy", 3, 3),
        ("framework-2024/1.3", "1.3", "Governance Structure", 4, 3),
        ("framework-2024/part-2", "Part II", "Risk Assessment and Human Oversight", 5, 2),
        ("framework-2024/2.1", "2.1", "Risk Factors", 5, 3),
    ]
    assert report.unmatched == [] and len(report.replaces_digest) == 5

    _, sections = parse_corpus_text(markdown, "framework-2024.en.2024-06.md")
    by_id = {s.id: s for s in sections}
    strategy = by_id["framework-2024/1.1"]
    # Wrapped lines are re-joined; the list item stays body text of its section.
    assert (
        "An AI strategy should set out the purposes for which AI solutions are procured and how "
        "they are used in the organisation." in strategy.text
    )
    assert "1. A numbered list item inside a section is not a heading." in strategy.text
    governance = by_id["framework-2024/1.3"]
    assert governance.page == 4 and governance.parent_id == "framework-2024/part-1"
    assert "reports to the board." in governance.text
    assert (
        "- The committee should include members from legal, compliance and IT." in governance.text
    )
    # Running header, page numbers and the contents page are not section text.
    assert "PCPD publication" not in markdown and "........" not in markdown
    assert "digest: false" in markdown
    # The digest's aliases come along so users' names for the section still find it.
    assert "AI governance committee" in governance.aliases


def test_chinese_pdf_with_cjk_font(tmp_path: Path, real_corpus: Path) -> None:
    pdf = make_pdf(tmp_path / "framework_zh.pdf", FRAMEWORK_ZH, cjk=True, header="私隱公署刊物")
    # The CID font must round-trip: otherwise this test would check nothing about Chinese.
    assert "機構應設立AI管治委員會" in pypdf.PdfReader(pdf).pages[2].extract_text()

    markdown, report = convert(pdf, real_corpus)
    assert (report.doc_id, report.lang, report.edition) == ("framework-2024", "zh-Hant", "2024-06")
    rows = [(s.id, s.number, s.heading, s.page) for s in report.sections]
    assert rows == [
        ("framework-2024/part-1", "第一部分", "AI策略及管治", 2),
        ("framework-2024/1.1", "第1.1段", "AI策略", 2),
        ("framework-2024/1.3", "第1.3段", "管治架構", 3),
    ]
    _, sections = parse_corpus_text(markdown, "x.md")
    # Chinese lines are re-joined without a space; the header is gone.
    assert sections[1].text == "AI策略應列明採購AI方案的目的，以及機構如何使用這些方案。"
    assert "私隱公署刊物" not in markdown


def test_data_protection_principles_map_to_dpp_ids(tmp_path: Path, real_corpus: Path) -> None:
    pdf = make_pdf(
        tmp_path / "dpps_zh.pdf",
        [
            ["保障資料原則", "2012年10月1日"],
            ["原則1 收集個人資料的目的及方式", "個人資料須為合法目的而收集。"],
            ["第2原則——個人資料的準確性及保留期間", "資料使用者須確保個人資料準確。"],
            ["保障資料第4原則 個人資料的保安", "資料使用者須採取切實可行的步驟保障個人資料。"],
        ],
        cjk=True,
    )
    _, report = convert(pdf, real_corpus, doc_id="pdpo-dpps")
    assert [s.id for s in report.sections] == ["pdpo-dpps/dpp1", "pdpo-dpps/dpp2", "pdpo-dpps/dpp4"]
    assert [s.page for s in report.sections] == [2, 3, 4]
    assert report.edition == "2012-10-01"

    english = make_pdf(
        tmp_path / "ethics.pdf",
        [
            [
                "Guidance on the Ethical Development and Use of Artificial Intelligence",
                "August 2021",
            ],
            ["Principle 1 Accountability", "Organisations should be responsible for what they do."],
            [
                "3. Transparency and Interpretability",
                "Organisations should disclose their use of AI.",
            ],
        ],
    )
    _, report = convert(english, real_corpus)
    # "Principle N" and a plain "3." both land on the ethics guidance's canonical principle ids.
    assert report.doc_id == "ethics-2021"
    assert [s.id for s in report.sections] == ["ethics-2021/principle-1", "ethics-2021/principle-3"]


def test_title_and_running_headers_are_not_sections(tmp_path: Path, real_corpus: Path) -> None:
    pdf = make_pdf(
        tmp_path / "chatbot_tips.pdf",
        [
            ["10 TIPS for Users of AI Chatbots", "13 September 2023"],
            [
                "(a) Before registration or use",
                "1. Read the Privacy Policy and the Terms of Use",
                "Users should read the privacy policy before they register.",
                "2. Beware of fake apps and phishing websites",
                "Fake apps may steal personal data.",
            ],
            [
                "(a) Before registration or use",
                "Phishing websites often copy the look of real chatbots.",
                "3. Adjust the settings to opt out of sharing chat history",
                "Users can turn off chat history in the settings.",
            ],
            [
                "(b) When interacting with AI chatbots",
                "Users should stay alert while they chat.",
                "4. Refrain from sharing personal data",
                "Users should not enter identity card numbers.",
            ],
        ],
    )
    _, report = convert(pdf, real_corpus)
    assert report.doc_id == "chatbot-tips-2023" and report.edition == "2023-09-13"
    # "10 TIPS ..." on the cover is the title, not tip 10; numbered tips map to tip-N ids.
    # Group (a) has no text of its own, so it is left out and the digest keeps its summary.
    assert [(s.id, s.level, s.page) for s in report.sections] == [
        ("chatbot-tips-2023/tip-1", 3, 2),
        ("chatbot-tips-2023/tip-2", 3, 2),
        ("chatbot-tips-2023/tip-3", 3, 3),
        ("chatbot-tips-2023/b", 2, 4),
        ("chatbot-tips-2023/tip-4", 3, 4),
    ]
    assert any("no text under chatbot-tips-2023/a;" in note for note in report.notes)
    tip2 = report.sections[1]
    # The group heading repeated at the top of page 3 is a running header, not text.
    assert tip2.paragraphs == [
        "Fake apps may steal personal data.",
        "Phishing websites often copy the look of real chatbots.",
    ]


def test_unknown_headings_get_valid_slug_ids(tmp_path: Path, real_corpus: Path) -> None:
    source = make_docx(
        tmp_path / "dpps.docx",
        [
            ("Normal", "Published 1 October 2012"),
            ("Heading 1", "About the DPPs"),
            ("Normal", "The six principles govern the handling of personal data."),
            ("Heading 1", "DPP 1 – purpose and manner of collection of personal data"),
            ("Normal", "Personal data must be collected for a lawful purpose."),
            ("Heading 1", "Enforcement Notes (2012 amendments)"),
            ("Normal", "The Commissioner may serve an enforcement notice."),
            ("Heading 1", "執法"),
            ("Normal", "The Commissioner enforces the Ordinance."),
        ],
    )
    _, report = convert(source, real_corpus, doc_id="pdpo-dpps")
    ids = [s.id for s in report.sections]
    # An unnumbered heading that the digest also has keeps the digest's id.
    assert ids[:2] == ["pdpo-dpps/about", "pdpo-dpps/dpp1"]
    assert ids[2] == "pdpo-dpps/enforcement-notes-2012-amendments"
    assert all(SECTION_ID_RE.match(i) for i in ids)
    assert report.unmatched == ids[2:]
    assert any("no canonical id" in note for note in report.notes)


def test_letter_groups_and_tips_in_html(tmp_path: Path, real_corpus: Path) -> None:
    html = tmp_path / "tips.html"
    html.write_text(
        "<html><head><title>10 TIPS for Users of AI Chatbots</title></head><body>"
        "<nav>Home | About</nav><h1>10 TIPS for Users of AI Chatbots</h1><p>September 2023</p>"
        "<h2>(b) When interacting with AI chatbots</h2><p>Users should think before they type.</p>"
        "<h3>Tip 4 Refrain from sharing your own personal data and others' personal data</h3>"
        "<ul><li>Do not enter your identity card number.</li><li>Do not enter others' data.</li></ul>"
        "<script>var x = 1;</script></body></html>",
        "utf-8",
    )
    markdown, report = convert(html, real_corpus)
    assert report.doc_id == "chatbot-tips-2023" and report.edition == "2023-09"
    assert [(s.id, s.number, s.level, s.page) for s in report.sections] == [
        ("chatbot-tips-2023/b", "(b)", 2, None),
        ("chatbot-tips-2023/tip-4", "Tip 4", 3, None),
    ]
    assert "Do not enter your identity card number." in markdown
    assert "var x" not in markdown and "Home | About" not in markdown
    assert 'page="' not in markdown


# ---------------------------------------------------------------- DOCX


def test_docx_heading_styles_numbers_and_page_breaks(tmp_path: Path, real_corpus: Path) -> None:
    source = make_docx(
        tmp_path / "checklist.docx",
        [
            ("Title", "Checklist on Guidelines for the Use of Generative AI by Employees"),
            ("Normal", "31 March 2025"),
            ("break", ""),
            ("Heading 1", "1. Scope of permissible use of Gen AI"),
            ("Normal", "The policy should name the permitted tools."),
            ("Heading 1", "2. Protection of personal data privacy"),
            ("Normal", "The policy should say what may be entered."),
            ("break", ""),
            ("Heading 1", "4. Data security"),
            ("Heading 2", "4.1 Devices"),
            ("Normal", "Only approved devices may be used."),
        ],
        title="Checklist on Guidelines for the Use of Generative AI by Employees",
    )
    _, report = convert(source, real_corpus)
    assert (report.doc_id, report.lang, report.edition) == ("checklist-2025", "en", "2025-03-31")
    rows = [(s.id, s.number, s.level, s.page) for s in report.sections]
    # "4. Data security" has no text of its own: it is left out so the digest keeps it.
    assert rows == [
        ("checklist-2025/1", "1", 2, 2),
        ("checklist-2025/2", "2", 2, 2),
        ("checklist-2025/4.1", "4.1", 3, 3),
    ]
    assert any("no text under checklist-2025/4" in note for note in report.notes)


def test_chinese_docx(tmp_path: Path, real_corpus: Path) -> None:
    source = make_docx(
        tmp_path / "checklist_zh.docx",
        [
            ("Normal", "僱員使用生成式AI的指引清單"),
            ("Normal", "2025年3月"),
            ("Heading 1", "1. 獲准使用生成式AI的範圍"),
            ("Normal", "政策應列明僱員可使用哪些生成式AI工具。"),
            ("Heading 1", "數據安全"),
            ("Normal", "僱員應為AI工具設定強密碼。"),
        ],
    )
    markdown, report = convert(source, real_corpus)
    assert (report.doc_id, report.lang, report.edition) == ("checklist-2025", "zh-Hant", "2025-03")
    # "數據安全" has no number, but it is the digest's Chinese heading of section 4.
    assert [s.id for s in report.sections] == ["checklist-2025/1", "checklist-2025/4"]
    assert "政策應列明僱員可使用哪些生成式AI工具。" in markdown
    assert "本檔案是官方文本" in markdown


# ---------------------------------------------------------------- writing, editions, pipeline


def test_official_pdf_replaces_the_digest_in_answers_and_new_edition_wins(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    pdf = make_pdf(tmp_path / "guidelines_ai_employees.pdf", CHECKLIST_EN)
    report = add_official(pdf, settings.corpus_dir)
    assert report.output == settings.corpus_dir / "official" / "checklist-2025.en.2025-04-15.md"
    assert report.output.exists()
    assert "checklist-2025/4" in report.replaces_digest

    build_index(settings)
    answer = Assistant(settings).ask("Do staff need strong passwords for AI tools?")
    citation = answer.citations[0]
    assert citation.section.id == "checklist-2025/4"
    assert not citation.section.document.digest and citation.section.supersedes_digest
    assert citation.section.page == 3
    assert "as the official checklist states" in answer.text
    line = citation.source_line("en")
    assert "edition 2025-04-15, p. 3; official text, replacing the digest" in line
    assert line in answer.text
    data = citation.as_dict()
    assert (data["page"], data["edition"], data["digest"]) == (3, "2025-04-15", False)
    # Only the English text was added: the Chinese answer still comes from the digest.
    chinese = Assistant(settings).ask("員工要唔要設定強密碼？")
    assert chinese.citations[0].section.document.digest

    republished = [list(page) for page in CHECKLIST_EN]
    republished[0][1] = "30 June 2025"
    republished[2][2] = "multi-factor authentication, as the revised checklist now requires."
    newer = add_official(
        make_pdf(tmp_path / "guidelines_ai_employees_rev.pdf", republished), settings.corpus_dir
    )
    assert newer.edition == "2025-06-30" and newer.superseded_editions == ["2025-04-15"]
    build_index(settings)
    answer = Assistant(settings).ask("Do staff need strong passwords for AI tools?")
    citation = answer.citations[0]
    assert citation.section.document.edition == "2025-06-30"
    assert "as the revised checklist now requires" in answer.text
    assert "as the official checklist states" not in answer.text
    assert "edition 2025-06-30, p. 3" in answer.text


def test_cli_adds_a_file_and_the_corpus_stays_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path)
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
    pdf = make_pdf(
        tmp_path / "dpps.pdf",
        [["DPP 3 Use of personal data", "Data shall not be used for a new purpose."]],
    )

    assert (
        main(["corpus", "add", str(pdf), "--doc-id", "pdpo-dpps", "--edition", "2013-01-01"]) == 0
    )
    out = capsys.readouterr().out
    assert "pdpo-dpps/dpp3" in out and "p. 1" in out and "assistant index" in out
    assert (settings.corpus_dir / "official" / "pdpo-dpps.en.2013-01-01.md").exists()
    section = load_corpus(settings.corpus_dir).section("pdpo-dpps/dpp3", "en")
    assert section is not None and section.supersedes_digest and section.page == 1
    assert check_corpus(settings.corpus_dir, require_canonical=False) == []


def test_unknown_document_asks_for_doc_id(tmp_path: Path, settings: Settings) -> None:
    pdf = make_pdf(tmp_path / "other.pdf", [["Some Other Leaflet", "1. First item", "Text here."]])
    with pytest.raises(IngestError, match="pass --doc-id"):
        convert(pdf, settings.corpus_dir)
    _, report = convert(pdf, settings.corpus_dir, doc_id="other-leaflet", lang="en")
    assert report.sections[0].id == "other-leaflet/1"
    assert any("new document" in note for note in report.notes)


def test_folder_reports_each_file(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    make_pdf(folder / "a_checklist.pdf", CHECKLIST_EN)
    make_pdf(
        folder / "b_checklist_zh.pdf",
        [["僱員使用生成式AI的指引清單", "2025年3月31日"], ["4. 數據安全", "僱員應設定強密碼。"]],
        cjk=True,
    )
    (folder / "c_broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a PDF")
    (folder / "notes.txt").write_text("not a publication", "utf-8")

    result = add_folder(folder, settings.corpus_dir)
    assert [r.source.name for r in result.added] == ["a_checklist.pdf", "b_checklist_zh.pdf"]
    assert [r.lang for r in result.added] == ["en", "zh-Hant"]
    assert [(p.name, "corrupt" in m) for p, m in result.failed] == [("c_broken.pdf", True)]
    assert [p.name for p in result.skipped] == ["notes.txt"]
    assert sorted(p.name for p in (settings.corpus_dir / "official").iterdir()) == [
        "checklist-2025.en.2025-04-15.md",
        "checklist-2025.zh-Hant.2025-03-31.md",
    ]


def test_a_200_page_pdf_is_converted_and_a_page_limit_applies(
    tmp_path: Path, settings: Settings
) -> None:
    pages: list[list[str]] = [
        ["Checklist on Guidelines for the Use of Generative AI by Employees", "31 March 2025"]
    ]
    words = [
        "staff",
        "data",
        "policy",
        "tools",
        "review",
        "risk",
        "board",
        "audit",
        "access",
        "training",
        "vendor",
        "model",
    ]
    for n in range(1, 200):
        # Varied lines, so no body line looks like a running header repeated on every page.
        lines = [
            " ".join(words[(n * 7 + k * 3 + j) % len(words)] for j in range(9)).capitalize() + "."
            for k in range(30)
        ]
        if n % 40 == 1:
            lines = [f"{n // 40 + 1}. Area {n // 40 + 1} of the policy", *lines]
        pages.append(lines)
    pdf = make_pdf(tmp_path / "long.pdf", pages)
    assert len(pypdf.PdfReader(pdf).pages) == 200

    _, report = convert(pdf, settings.corpus_dir)
    assert report.pages == 200
    assert [(s.id, s.page) for s in report.sections] == [
        ("checklist-2025/1", 2),
        ("checklist-2025/2", 42),
        ("checklist-2025/3", 82),
        ("checklist-2025/4", 122),
        ("checklist-2025/5", 162),
    ]
    assert len(report.sections[-1].paragraphs) == 39 * 30  # pages 162-200, nothing lost
    with pytest.raises(IngestError, match="has 200 pages, more than the limit of 150"):
        convert(pdf, settings.corpus_dir, max_pages=150)


def test_write_is_atomic(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = make_pdf(tmp_path / "checklist.pdf", CHECKLIST_EN)
    before = tree_state(settings.corpus_dir)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("assistant.corpus.official.add.os.replace", broken_replace)
    with pytest.raises(OSError):
        add_official(pdf, settings.corpus_dir)
    after = tree_state(settings.corpus_dir)
    # The official folder may now exist, but no file (partial or temporary) was left in it.
    assert after == before


# ---------------------------------------------------------------- bad input


def _scanned_pdf(path: Path) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(3):
        pdf.rect(50, 50, 400, 600, fill=1)  # an image-like page with no text layer
        pdf.showPage()
    pdf.save()


def _encrypted_pdf(path: Path) -> None:
    plain = make_pdf(path.with_suffix(".plain.pdf"), CHECKLIST_EN)
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    writer.write(str(path))
    plain.unlink()


def _truncated_pdf(path: Path) -> None:
    full = make_pdf(path.with_suffix(".full.pdf"), CHECKLIST_EN).read_bytes()
    path.write_bytes(full[:300])
    path.with_suffix(".full.pdf").unlink()


BAD_INPUTS = {
    "scanned.pdf": (_scanned_pdf, "no text layer"),
    "encrypted.pdf": (_encrypted_pdf, "encrypted"),
    "garbage.pdf": (lambda p: p.write_bytes(b"%PDF-1.7\n\x00\x01garbage"), "corrupt"),
    "truncated.pdf": (_truncated_pdf, "corrupt"),
    "mislabelled.pdf": (lambda p: p.write_bytes(b"<html>hello</html>"), "not a PDF"),
    "empty.pdf": (lambda p: p.write_bytes(b""), "empty"),
    "empty.docx": (lambda p: p.write_bytes(b""), "empty"),
    "broken.docx": (lambda p: p.write_bytes(b"PK\x03\x04 not a real zip"), "corrupt"),
    "protected.docx": (
        lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        "encrypted",
    ),
    "blank.html": (lambda p: p.write_text("<html><body>  </body></html>", "utf-8"), "empty"),
    "notes.txt": (lambda p: p.write_text("1. Hello", "utf-8"), "unsupported file type '.txt'"),
    "old.doc": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0"), "save it as .docx"),
    "headless.pdf": (
        lambda p: make_pdf(
            p,
            [
                [
                    "Checklist on Guidelines for the Use of Generative AI by Employees",
                    "Plain text without any numbered heading at all.",
                ]
            ],
        ),
        "no section headings found",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(
    name: str,
    tmp_path: Path,
    built_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, expected = BAD_INPUTS[name]
    path = tmp_path / name
    make(path)
    before = tree_state(built_settings.corpus_dir, built_settings.index_dir)
    generation = current_generation(built_settings.index_dir)

    with pytest.raises(IngestError, match=expected) as caught:
        add_official(path, built_settings.corpus_dir)
    assert str(caught.value).startswith(name)

    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(built_settings.corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(built_settings.index_dir))
    assert main(["corpus", "add", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    error = captured.err.strip()
    assert error.startswith(f"error: {name}:") and expected in error and "\n" not in error
    assert tree_state(built_settings.corpus_dir, built_settings.index_dir) == before
    assert current_generation(built_settings.index_dir) == generation


def test_missing_file_and_bad_options(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(IngestError, match="no such file"):
        add_official(tmp_path / "nothing.pdf", settings.corpus_dir)
    pdf = make_pdf(tmp_path / "c.pdf", CHECKLIST_EN)
    with pytest.raises(IngestError, match="--doc-id 'Bad Id' is not valid"):
        convert(pdf, settings.corpus_dir, doc_id="Bad Id")
    with pytest.raises(IngestError, match="--edition"):
        convert(pdf, settings.corpus_dir, edition="June 2024")
    with pytest.raises(SystemExit):
        main(["corpus", "add", str(pdf), "--lang", "fr"])
