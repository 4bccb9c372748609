"""Official publications (PDF, DOCX, HTML) -> corpus files under ``corpus/official/``.

``add_official`` reads one file, finds the numbered headings these documents use (``1.``, ``1.3``,
``Part I``, ``第一部分``, ``第1.1段``, ``DPP 1``, ``原則1``, ``Tip 4``, ``附錄A``), maps them to the
canonical section ids of the digest, keeps the page of every heading for citations, and writes
``corpus/official/<doc-id>.<lang>.<edition>.md`` in the corpus format. ``corpus.load_corpus`` then
lets those sections replace the digest's and keeps only the newest edition.

Nothing is written unless the whole conversion succeeds: bad input raises ``IngestError`` with a
one-line reason, and the output appears through a single ``os.replace``.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.corpus import (
    LANGS,
    SECTION_ID_RE,
    CorpusError,
    Section,
    canonical_section_ids,
    corpus_files,
    parse_corpus_text,
    split_front_matter,
)
from assistant.text import HAN, detect_lang

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".html", ".htm")
DEFAULT_MAX_PAGES = 500
# Fewer extractable characters than this over the whole PDF means there is no real text layer.
MIN_TEXT_CHARS = 40
DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class IngestError(ValueError):
    """A file that cannot be added; the message names the file and says what to do."""


# ---------------------------------------------------------------- results


@dataclass
class IngestedSection:
    id: str
    number: str
    heading: str
    level: int
    page: int | None
    paragraphs: list[str] = field(default_factory=list)
    canonical: bool = False


@dataclass
class IngestReport:
    source: Path
    output: Path
    doc_id: str
    lang: str
    edition: str
    title: str
    sections: list[IngestedSection]
    pages: int | None = None
    replaces_digest: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    superseded_editions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        pages = f", {self.pages} pages" if self.pages else ""
        lines = [
            f"added {self.source.name}: {self.doc_id} ({self.lang}, edition {self.edition}{pages}) "
            f"-> {self.output}",
            f"  {len(self.sections)} sections; {len(self.replaces_digest)} replace digest text, "
            f"{len(self.unmatched)} have no canonical id",
        ]
        for s in self.sections:
            page = f"p. {s.page}" if s.page else "p. ?"
            label = f"{s.number} {s.heading}".strip() if s.number else s.heading
            lines.append(f"  {page:>7}  {s.id:30} {label}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return lines


@dataclass
class FolderReport:
    added: list[IngestReport] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files of a type that is not supported


# ---------------------------------------------------------------- reading files


@dataclass
class _Line:
    text: str
    page: int | None
    # Heading level from the file's own markup (DOCX heading style, HTML h1-h4); None for body text.
    style_level: int | None = None


@dataclass
class _Raw:
    lines: list[_Line]
    meta_title: str
    pages: int | None
    styled: bool  # headings come from markup, not only from numbering patterns
    notes: list[str] = field(default_factory=list)


def _fail(path: Path, reason: str) -> IngestError:
    return IngestError(f"{path.name}: {reason}")


def _read_pdf(path: Path, data: bytes, max_pages: int) -> _Raw:
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024]:
        raise _fail(path, "is not a PDF (no %PDF header); the file is corrupt or mislabelled")
    # pypdf logs every repaired cross-reference; the user only needs our one-line verdict.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - e.g. AES without the optional crypto package
                opened = 0
            if not opened:
                raise _fail(
                    path,
                    "is encrypted (password-protected); save an unprotected copy and add that",
                )
        count = len(reader.pages)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many error types for broken files
        raise _fail(
            path, f"cannot be read as a PDF ({_short(exc)}); the file looks corrupt"
        ) from None
    if count == 0:
        raise _fail(path, "is an empty PDF (no pages)")
    if count > max_pages:
        raise _fail(
            path,
            f"has {count} pages, more than the limit of {max_pages}; "
            "split it or raise the limit with --max-pages",
        )
    texts: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # noqa: BLE001
            raise _fail(
                path, f"page {number} cannot be read ({_short(exc)}); the file looks corrupt"
            ) from None
    if sum(len(t.strip()) for t in texts) < MIN_TEXT_CHARS:
        raise _fail(
            path,
            f"has no text layer ({count} page(s) of images, probably a scan); it needs OCR first "
            "(for example `ocrmypdf --language eng+chi_tra in.pdf out.pdf`), then add the OCR'd file",
        )
    notes = []
    blank = [str(i) for i, t in enumerate(texts, start=1) if not t.strip()]
    if blank:
        notes.append(
            f"no text on page(s) {_compact(blank)} (images only); their content is missing"
        )
    try:
        meta_title = str((reader.metadata or {}).get("/Title") or "")
    except Exception:  # noqa: BLE001 - broken metadata should not stop a readable file
        meta_title = ""
    lines = _clean_pdf_pages(texts)
    return _Raw(lines, meta_title, count, styled=False, notes=notes)


_PAGE_NUMBER_LINE_RE = re.compile(
    r"^(?:page\s*)?[-–—]?\s*\d{1,4}\s*(?:/\s*\d{1,4}|of\s+\d{1,4})?\s*[-–—]?$|^第\s*\d{1,4}\s*頁$",
    re.I,
)


def _clean_pdf_pages(texts: list[str]) -> list[_Line]:
    """Lines with their page, without page numbers, running headers/footers and contents pages."""
    pages = [[ln.strip() for ln in t.splitlines() if ln.strip()] for t in texts]
    repeated: set[str] = set()
    if len(pages) >= 3:
        # A line that opens or closes most pages is a running header or footer, not content.
        edge_counts: Counter[str] = Counter()
        for lines in pages:
            edges = {_digits_blind(x) for x in lines[:2] + lines[-2:]}
            edge_counts.update(edges)
        repeated = {k for k, n in edge_counts.items() if n >= 0.6 * len(pages)}
    out: list[_Line] = []
    for number, lines in enumerate(pages, start=1):
        if _is_contents_page(lines):
            continue
        for i, text in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if _PAGE_NUMBER_LINE_RE.match(text):
                continue
            if at_edge and _digits_blind(text) in repeated:
                continue
            out.append(_Line(text, number))
    return out


def _digits_blind(text: str) -> str:
    return re.sub(r"\d+", "#", text.casefold())


_TOC_ENTRY_RE = re.compile(r"(?:\.{2,}|…+|·{2,}|\s)\s*\d{1,3}$")
_DOT_LEADER_RE = re.compile(r"(?:\.{3,}|…+|·{3,})\s*\d{1,3}$")


def _is_contents_page(lines: list[str]) -> bool:
    """A table of contents repeats every heading with a page number; its entries are not sections."""
    entries = sum(
        1
        for x in lines
        if _DOT_LEADER_RE.search(x) or (match_heading(x) is not None and _TOC_ENTRY_RE.search(x))
    )
    titled = any(x.casefold() in {"contents", "table of contents", "目錄"} for x in lines)
    return entries >= 3 and (titled or entries >= 0.5 * len(lines))


def _read_docx(path: Path, data: bytes, max_pages: int) -> _Raw:
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise _fail(
            path,
            "is an encrypted (password-protected) Word file or an old binary .doc; "
            "save it as an unprotected .docx",
        )
    if data[:2] != b"PK":
        raise _fail(path, "is not a DOCX (not a ZIP package); the file is corrupt or mislabelled")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - zipfile/lxml/python-docx errors alike
        raise _fail(
            path, f"cannot be read as a DOCX ({_short(exc)}); the file looks corrupt"
        ) from None

    body = document.element.body
    rendered = body.find(".//" + qn("w:lastRenderedPageBreak")) is not None
    hard = (
        any(br.get(qn("w:type")) == "page" for br in body.iter(qn("w:br")))
        or body.find(".//" + qn("w:pageBreakBefore")) is not None
    )
    # Word records where it last broke pages; without that, only explicit page breaks are known.
    track_pages = rendered or hard
    page = 1
    counters: dict[str, list[int]] = {}
    lines: list[_Line] = []

    def paragraph_lines(paragraph: Paragraph) -> None:
        nonlocal page
        p = paragraph._p
        start_page: int | None = None
        if not rendered and p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None:
            page += 1
        chunks: list[str] = []
        for el in p.iter():
            rendered_break = el.tag == qn("w:lastRenderedPageBreak") and rendered
            hard_break = el.tag == qn("w:br") and el.get(qn("w:type")) == "page" and not rendered
            if rendered_break or hard_break:
                page += 1
            elif el.tag == qn("w:t") and el.text:
                if start_page is None and el.text.strip():
                    start_page = page
                chunks.append(el.text)
            elif el.tag == qn("w:tab"):
                chunks.append(" ")
        text = "".join(chunks).strip()
        if not text:
            return
        style = paragraph.style.name if paragraph.style is not None else ""
        level = _docx_heading_level(style)
        if level is not None:
            label = _docx_number(paragraph, counters)
            if label and not _starts_with_number(text):
                text = f"{label} {text}"
        lines.append(_Line(text, start_page if track_pages else None, level))

    seen_cells: set[int] = set()
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraph_lines(block)
            continue
        for row in block.rows:
            for cell in row.cells:
                if id(cell._tc) in seen_cells:
                    continue
                seen_cells.add(id(cell._tc))
                for paragraph in cell.paragraphs:
                    paragraph_lines(paragraph)
    if track_pages and page > max_pages:
        raise _fail(
            path,
            f"has {page} pages, more than the limit of {max_pages}; "
            "split it or raise the limit with --max-pages",
        )
    title_lines = [x for x in lines if x.style_level == 0]
    meta_title = (document.core_properties.title or "").strip()
    if not meta_title and title_lines:
        meta_title = title_lines[0].text
    body_lines = [x for x in lines if x.style_level != 0]
    notes = [] if track_pages else ["the DOCX has no page breaks, so sections carry no page number"]
    styled = any(x.style_level for x in body_lines)
    return _Raw(body_lines, meta_title, page if track_pages else None, styled, notes)


def _docx_heading_level(style: str) -> int | None:
    """0 for the document title, 1-9 for headings, None for body text."""
    if style.casefold() == "title":
        return 0
    match = re.match(r"(?i)^heading\s*(\d)$", style.strip())
    return int(match.group(1)) if match else None


def _docx_number(paragraph: Any, counters: dict[str, list[int]]) -> str:
    """The visible number of an auto-numbered heading ("1.3"), assuming decimal multi-level lists."""
    from docx.oxml.ns import qn

    num_pr = _num_pr(paragraph)
    if num_pr is None:
        return ""
    num_id_el = num_pr.find(qn("w:numId"))
    ilvl_el = num_pr.find(qn("w:ilvl"))
    num_id = num_id_el.get(qn("w:val")) if num_id_el is not None else None
    if not num_id or num_id == "0":
        return ""
    level = int(ilvl_el.get(qn("w:val"))) if ilvl_el is not None else 0
    levels = counters.setdefault(num_id, [])
    while len(levels) <= level:
        levels.append(0)
    levels[level] += 1
    del levels[level + 1 :]
    return ".".join(str(n or 1) for n in levels)


def _num_pr(paragraph: Any) -> Any:
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.numPr is not None:
        return p_pr.numPr
    style = paragraph.style
    while style is not None:
        s_pr = style.element.pPr
        if s_pr is not None and s_pr.numPr is not None:
            return s_pr.numPr
        style = style.base_style
    return None


_HTML_BLOCKS = (
    "p",
    "li",
    "td",
    "th",
    "dd",
    "dt",
    "pre",
    "blockquote",
    "caption",
    "div",
    "h5",
    "h6",
)


def _read_html(path: Path, data: bytes) -> _Raw:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(data, "html.parser")
    except Exception as exc:  # noqa: BLE001
        raise _fail(path, f"cannot be read as HTML ({_short(exc)})") from None
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "template"]):
        tag.decompose()
    title_tag = soup.find("title")
    meta_title = title_tag.get_text(" ", strip=True) if title_tag else ""
    heading_tags = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
    lines: list[_Line] = []
    wanted = list(heading_tags) + list(_HTML_BLOCKS)
    for el in soup.find_all(wanted):
        if el.name not in heading_tags and el.find(wanted) is not None:
            continue  # only leaf blocks, so nested markup is not read twice
        if el.name not in heading_tags and el.find_parent(list(heading_tags)) is not None:
            continue
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True)).strip()
        if text:
            lines.append(_Line(text, None, heading_tags.get(el.name)))
    h1 = [x for x in lines if x.style_level == 1]
    if len(h1) == 1 and lines[0] is h1[0]:
        # A single leading h1 is the page title, not a section.
        meta_title = meta_title or h1[0].text
        lines = lines[1:]
    styled = any(x.style_level for x in lines)
    return _Raw(
        lines, meta_title, None, styled, ["HTML has no pages, so sections carry no page number"]
    )


def _read(path: Path, max_pages: int) -> _Raw:
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = (
            "; save it as .docx first"
            if suffix in {".doc", ".rtf", ".odt"}
            else "; convert it to PDF or DOCX first"
        )
        raise _fail(
            path,
            f"unsupported file type {suffix or '(none)'!r}; supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)}{hint}",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise _fail(path, "is empty (0 bytes of content)")
    if suffix == ".pdf":
        raw = _read_pdf(path, data, max_pages)
    elif suffix == ".docx":
        raw = _read_docx(path, data, max_pages)
    else:
        raw = _read_html(path, data)
    if not any(x.text.strip() for x in raw.lines):
        raise _fail(path, "has no text content (an empty document)")
    return raw


# ---------------------------------------------------------------- heading patterns

_SEP = r"[\s:：.．、\-–—]*"
_CN_NUM = r"[0-9一二三四五六七八九十兩〇零]+"
_ROMAN = r"[IVXLC]+"
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_FULLWIDTH = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
    }
    | {"\u3000": " ", "\u00a0": " ", "．": "."}
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "part",
        re.compile(
            rf"^(Part|PART|Chapter|CHAPTER)\s+({_ROMAN}|\d{{1,2}})(?![A-Za-z0-9]){_SEP}(.*)$"
        ),
    ),
    ("part_zh", re.compile(rf"^第\s*({_CN_NUM})\s*(部分|部|章){_SEP}(.*)$")),
    ("para_zh", re.compile(rf"^第\s*(\d{{1,2}}(?:\.\d{{1,2}}){{0,3}})\s*段{_SEP}(.*)$")),
    (
        "dpp",
        re.compile(
            rf"^(DPP|Data Protection Principle|Principle|PRINCIPLE)\s*(\d{{1,2}})(?![\d.]\d){_SEP}(.*)$"
        ),
    ),
    (
        "dpp_zh",
        re.compile(rf"^(保障資料)?(?:第\s*({_CN_NUM})\s*原則|原則\s*({_CN_NUM})){_SEP}(.*)$"),
    ),
    ("tip", re.compile(rf"^(?:Tip|TIP)\s*(\d{{1,2}})(?![\d.]\d){_SEP}(.*)$")),
    ("tip_zh", re.compile(rf"^(?:第\s*({_CN_NUM})\s*招|貼士\s*({_CN_NUM})){_SEP}(.*)$")),
    (
        "appendix",
        re.compile(
            rf"^(Appendix|APPENDIX|Annex|ANNEX)\s+([A-Z]|\d{{1,2}}|{_ROMAN})(?![A-Za-z0-9]){_SEP}(.*)$"
        ),
    ),
    ("appendix_zh", re.compile(rf"^附錄\s*([A-Z]|{_CN_NUM}){_SEP}(.*)$")),
    ("letter", re.compile(r"^[(（]([a-z])[)）]\s*(.+)$")),
    ("cn_item", re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.+)$")),
    ("number", re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(\.?)(\s*)(\S.*)?$")),
]
_NOT_A_TITLE_RE = re.compile(
    r"^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|per\s?cent|percent|%|"
    r"times\b|hours?\b|days?\b|weeks?\b|months?\b|years?\b|minutes?\b|[年月日時個項名歲次])",
    re.I,
)


@dataclass(frozen=True)
class HeadingMatch:
    """A numbered heading as the document shows it: label ``1.3`` + title, and candidate keys."""

    label: str
    title: str
    keys: tuple[str, ...]
    rank: int | None  # depth of the numbering scheme (Part < item < 1.1 < 1.1.1); None: top level
    kind: str


def match_heading(line: str) -> HeadingMatch | None:
    """Recognise a numbered heading by its numbering alone (no judgement about the title yet)."""
    text = line.translate(_FULLWIDTH).strip()
    for kind, pattern in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        found = _from_match(kind, m)
        if found is not None:
            return found
    return None


def _from_match(kind: str, m: re.Match[str]) -> HeadingMatch | None:
    g = m.groups()
    if kind == "part":
        n = _roman(g[1]) if not g[1].isdigit() else int(g[1])
        prefix = "part" if g[0].lower() == "part" else "chapter"
        return HeadingMatch(f"{g[0].title()} {g[1]}", _title(g[2]), (f"{prefix}-{n}",), 0, kind)
    if kind == "part_zh":
        n = _cn_int(g[0])
        prefix = "chapter" if g[1] == "章" else "part"
        return HeadingMatch(f"第{g[0]}{g[1]}", _title(g[2]), (f"{prefix}-{n}",), 0, kind)
    if kind == "para_zh":
        return HeadingMatch(
            f"第{g[0]}段", _title(g[1]), _number_keys(g[0]), _number_rank(g[0]), kind
        )
    if kind == "dpp":
        n = int(g[1])
        keys = (
            (f"principle-{n}", f"dpp{n}")
            if g[0].lower() == "principle"
            else (f"dpp{n}", f"principle-{n}")
        )
        label = "DPP" if g[0] == "DPP" else g[0].title()
        return HeadingMatch(f"{label} {n}", _title(g[2]), keys, 2, kind)
    if kind == "dpp_zh":
        raw = g[1] or g[2]
        n = _cn_int(raw)
        keys = (f"dpp{n}", f"principle-{n}") if g[0] else (f"principle-{n}", f"dpp{n}")
        label = m.group(0)[: m.start(4)].strip(" :：.、-–—")
        return HeadingMatch(label, _title(g[3]), keys, 2, kind)
    if kind == "tip":
        return HeadingMatch(f"Tip {int(g[0])}", _title(g[1]), (f"tip-{int(g[0])}",), 2, kind)
    if kind == "tip_zh":
        n = _cn_int(g[0] or g[1])
        label = m.group(0)[: m.start(3)].strip(" :：.、-–—")
        return HeadingMatch(label, _title(g[2]), (f"tip-{n}",), 2, kind)
    if kind == "appendix":
        value = g[1].lower() if not g[1].isdigit() else g[1]
        return HeadingMatch(
            f"{g[0].title()} {g[1]}", _title(g[2]), (f"appendix-{value}",), None, kind
        )
    if kind == "appendix_zh":
        value = g[0].lower() if g[0].isascii() and g[0].isalpha() else str(_cn_int(g[0]))
        return HeadingMatch(f"附錄{g[0]}", _title(g[1]), (f"appendix-{value}",), None, kind)
    if kind == "letter":
        return HeadingMatch(f"({g[0]})", _title(g[1]), (g[0],), 1, kind)
    if kind == "cn_item":
        n = _cn_int(g[0])
        return HeadingMatch(f"{g[0]}、", _title(g[1]), _number_keys(str(n)), 2, kind)
    # plain numbers: "1.", "1.3", "1 Title", "1.3管治架構"
    number, dot, space, title = g[0], g[1], g[2], g[3] or ""
    first = int(number.split(".")[0])
    if first == 0:
        return None
    dotted = "." in number
    if not dotted and not dot and not space:
        return None  # "3個月", "12月": a quantity, not a heading
    if title and not dotted and not dot and not (title[0].isupper() or _is_han(title[0])):
        return None
    if title and (title[0].isdigit() or _NOT_A_TITLE_RE.match(title)):
        return None
    if title and title[0].isascii() and title[0].isalpha() and not title[0].isupper():
        return None  # "1.5 times as many": English headings start with a capital
    return HeadingMatch(number, _title(title), _number_keys(number), _number_rank(number), kind)


def _number_keys(number: str) -> tuple[str, ...]:
    if "." in number:
        return (number,)
    n = int(number)
    return (str(n), f"principle-{n}", f"tip-{n}", f"dpp{n}")


def _number_rank(number: str) -> int:
    return 2 + number.count(".")


def _title(text: str) -> str:
    # Only leading separators go: a trailing full stop is evidence of a sentence, not a heading.
    return re.sub(r"\s+", " ", text).strip().lstrip(":：.．、-–— ")


def _roman(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        v = values[a]
        total += -v if b in values and values[b] > v else v
    return total


def _cn_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            _CN_DIGITS.get(ones, 0) if ones else 0
        )
    return _CN_DIGITS.get(text, 0)


def _is_han(char: str) -> bool:
    return bool(re.match(f"[{HAN}]", char))


def _starts_with_number(text: str) -> bool:
    return match_heading(text) is not None


# Words that a heading may end with plus a number ("Round 3") without being a contents entry.
_COUNTED_RE = re.compile(
    r"(?i)\b(?:round|phase|stage|step|level|version|schedule|section|cap\.?|no\.?|tip|principle)$"
)
_TERMINAL_RE = re.compile(r"[.。;；,，:：]$")
_CONNECTOR_RE = re.compile(
    r"(?:\b(?:and|of|the|for|to|in|on|or|with|by|a|an)|[,、及與和或])$", re.I
)


def _plausible_title(title: str) -> bool:
    """Whether a numbered line reads as a heading rather than a sentence or a contents entry."""
    if not title:
        return True
    if _TERMINAL_RE.search(title) or _DOT_LEADER_RE.search(title):
        return False
    trailing = _TOC_ENTRY_RE.search(title)
    if trailing and not _COUNTED_RE.search(title[: trailing.start()]):
        return False  # "AI Strategy 5": a contents entry with its page number
    if _is_han(title[0]) or any(_is_han(c) for c in title[:4]):
        return len(title) <= 50
    return len(title) <= 130 and len(title.split()) <= 20


# ---------------------------------------------------------------- known documents


@dataclass
class _KnownDoc:
    doc_id: str
    titles: dict[str, str] = field(default_factory=dict)
    short_titles: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kind: str = "guideline"
    url: dict[str, str] = field(default_factory=dict)
    sections: dict[str, dict[str, Section]] = field(default_factory=dict)  # lang -> id -> section


def _known_documents(corpus_dir: Path) -> dict[str, _KnownDoc]:
    """Digest documents of the corpus: their titles, kinds and sections (broken files are skipped)."""
    known: dict[str, _KnownDoc] = {}
    official = corpus_dir / "official"
    for path in corpus_files(corpus_dir):
        if path.parent == official:
            continue
        try:
            document, sections = parse_corpus_text(path.read_text("utf-8"), path.name)
        except (CorpusError, OSError, UnicodeDecodeError):
            continue
        doc = known.setdefault(document.doc_id, _KnownDoc(document.doc_id))
        doc.titles[document.lang] = document.title
        doc.short_titles[document.lang] = document.short_title
        doc.aliases[document.lang] = document.aliases
        doc.kind = document.kind
        doc.url[document.lang] = document.url
        doc.sections[document.lang] = {s.id: s for s in sections}
    return known


def _norm(text: str) -> str:
    """Case, width, spacing and punctuation folded away, for matching titles across line breaks."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(rf"[^0-9a-z{HAN}]+", "", text)


def _guess_doc_id(first_text: str, known: dict[str, _KnownDoc]) -> tuple[str, str] | None:
    """(doc id, matched title) of the known document whose title appears earliest in the text."""
    haystack = _norm(first_text)
    best: tuple[int, int, str, str] | None = None
    for doc in known.values():
        names = [(t, 0) for t in doc.titles.values()]
        names += [
            (a, 1) for aliases in doc.aliases.values() for a in aliases if len(_norm(a)) >= 12
        ]
        for name, tier in names:
            key = _norm(name)
            if len(key) < 6:
                continue
            pos = haystack.find(key)
            if pos >= 0:
                candidate = (tier, pos, doc.doc_id, name)
                if best is None or candidate[:2] < best[:2]:
                    best = candidate
    return (best[2], best[3]) if best else None


# ---------------------------------------------------------------- dates

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?\b")),
    ("dmy", re.compile(rf"\b(\d{{1,2}})\s+{_MONTH_RE}\s+((?:19|20)\d\d)\b", re.I)),
    ("mdy", re.compile(rf"\b{_MONTH_RE}\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b", re.I)),
    ("my", re.compile(rf"\b{_MONTH_RE}\s+((?:19|20)\d\d)\b", re.I)),
    ("zh", re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")),
]


def find_edition(text: str) -> str | None:
    """The first publication date in the text as ``YYYY-MM-DD`` or ``YYYY-MM``."""
    text = text.translate(_FULLWIDTH)
    found: list[tuple[int, str]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            iso = _iso(kind, m.groups())
            if iso:
                found.append((m.start(), iso))
                break
    return min(found)[1] if found else None


def _iso(kind: str, g: tuple[str | None, ...]) -> str | None:
    if kind == "iso":
        year, month, day = int(g[0] or 0), int(g[1] or 0), int(g[2] or 0) if g[2] else None
    elif kind == "dmy":
        year, month, day = int(g[2] or 0), _MONTHS[str(g[1]).lower()], int(g[0] or 0)
    elif kind == "mdy":
        year, month, day = int(g[2] or 0), _MONTHS[str(g[0]).lower()], int(g[1] or 0)
    elif kind == "my":
        year, month, day = int(g[1] or 0), _MONTHS[str(g[0]).lower()], None
    else:
        year, month, day = int(g[0] or 0), int(g[1] or 0), int(g[2]) if g[2] else None
    try:
        if day is None:
            dt.date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- sections

_GENERIC_HEADINGS = {
    "foreword": "foreword",
    "preface": "preface",
    "introduction": "intro",
    "acknowledgement": "acknowledgement",
    "acknowledgements": "acknowledgement",
    "序言": "foreword",
    "前言": "preface",
    "引言": "intro",
    "鳴謝": "acknowledgement",
}
# Bullets as PDFs extract them, including symbol-font code points and DEL from WinAnsi fonts.
_BULLET_RE = re.compile(r"^(?:[•●▪■◆◦○·\x7f\uf0b7\uf0a7\uf076\uf0d8]\s*|[-–*]\s+)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SENTENCE_END_RE = re.compile(r"[.!?。！？:：;；」』”)）]$")


@dataclass
class _Draft:
    key: str
    canonical: bool
    number: str
    heading: str
    rank: int | None
    style_level: int | None
    page: int | None
    lines: list[str] = field(default_factory=list)


def _resolve(doc_id: str, keys: tuple[str, ...], known_ids: set[str]) -> tuple[str, bool]:
    for key in keys:
        if f"{doc_id}/{key}" in known_ids:
            return key, True
    return keys[0], False


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:40].strip("-")


def _detect_sections(
    raw: _Raw,
    doc_id: str,
    known_ids: set[str],
    digest_headings: dict[str, str],
    titles: list[str],
) -> tuple[list[_Draft], list[str]]:
    """Split the lines into sections; returns (sections, text before the first heading)."""
    drafts: list[_Draft] = []
    preamble: list[str] = []
    used: set[str] = set()
    heading_lines: set[str] = set()
    last_number: dict[int, tuple[int, ...]] = {}
    title_keys = [_norm(t) for t in titles if len(_norm(t)) >= 6]
    lines = raw.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        draft = None
        key = _norm(line.text)
        if raw.styled:
            if line.style_level:
                draft = _styled_heading(line, doc_id, known_ids, digest_headings, used)
        elif key in heading_lines:
            i += 1  # a running header repeating a heading already seen
            continue
        elif not any(key in t and len(key) >= 0.5 * len(t) for t in title_keys):
            # The document title ("10 TIPS for Users of AI Chatbots") is not a numbered heading.
            draft = _pattern_heading(line, doc_id, known_ids, digest_headings, used, last_number)
        if draft is None:
            (drafts[-1].lines if drafts else preamble).append(line.text)
            i += 1
            continue
        i += 1
        # A heading that wraps, or whose title sits on the next line, continues there.
        while i < len(lines) and not lines[i].style_level and not raw.styled:
            nxt = lines[i].text
            if match_heading(nxt) is not None or len(draft.heading) + len(nxt) > 150:
                break
            if _TERMINAL_RE.search(nxt) or len(nxt) > 100:
                break
            if draft.heading and not (_CONNECTOR_RE.search(draft.heading) or nxt[:1].islower()):
                break
            draft.heading = _join(draft.heading, nxt) if draft.heading else nxt
            i += 1
        used.add(draft.key)
        heading_lines.add(key)
        drafts.append(draft)
    return drafts, preamble


def _pattern_heading(
    line: _Line,
    doc_id: str,
    known_ids: set[str],
    digest_headings: dict[str, str],
    used: set[str],
    last_number: dict[int, tuple[int, ...]],
) -> _Draft | None:
    found = match_heading(line.text)
    if found is not None:
        if not _plausible_title(found.title):
            return None
        key, canonical = _resolve(doc_id, found.keys, known_ids)
        if key in used or (found.kind == "letter" and not canonical):
            return None  # a repeated number is a list item; letters are headings only where known
        if found.kind in {"number", "para_zh", "cn_item"}:
            # Numbered headings run forwards; a number going back is a list inside a section.
            digits = tuple(int(x) for x in re.findall(r"\d+", key))
            rank = found.rank or 0
            if digits and last_number.get(rank, ()) >= digits:
                return None
            if digits:
                last_number[rank] = digits
        return _Draft(key, canonical, found.label, found.title, found.rank, None, line.page)
    text = line.text.strip()
    if len(text) > 80:
        return None
    key = digest_headings.get(_norm(text)) or _GENERIC_HEADINGS.get(text.casefold())
    if key is None or key in used:
        return None
    return _Draft(key, f"{doc_id}/{key}" in known_ids, "", text, None, None, line.page)


def _styled_heading(
    line: _Line, doc_id: str, known_ids: set[str], digest_headings: dict[str, str], used: set[str]
) -> _Draft:
    found = match_heading(line.text)
    if found is not None and (found.kind != "letter" or _resolve(doc_id, found.keys, known_ids)[1]):
        key, canonical = _resolve(doc_id, found.keys, known_ids)
        number, heading = found.label, found.title
    else:
        text = line.text.strip()
        key = digest_headings.get(_norm(text)) or _GENERIC_HEADINGS.get(text.casefold()) or ""
        canonical = bool(key) and f"{doc_id}/{key}" in known_ids
        key = key or _slug(text) or "section"
        number, heading = "", text
    base, n = key, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
        canonical = False
    return _Draft(key, canonical, number, heading, None, line.style_level, line.page)


def _assign_levels(drafts: list[_Draft]) -> list[int]:
    """Corpus levels 2-4 from the markup's heading levels, else from the depth of the numbering."""
    if any(d.style_level for d in drafts):
        used = sorted({d.style_level for d in drafts if d.style_level})
        return [min(4, 2 + used.index(d.style_level)) if d.style_level else 2 for d in drafts]
    used = sorted({d.rank for d in drafts if d.rank is not None})
    return [2 if d.rank is None else min(4, 2 + used.index(d.rank)) for d in drafts]


def _paragraphs(lines: list[str]) -> list[str]:
    """Re-join wrapped lines into paragraphs; bullets stay separate items."""
    out: list[str] = []
    current = ""
    for raw in lines:
        line = raw.strip().lstrip("#").strip()
        if not line:
            continue
        bullet = _BULLET_RE.match(line)
        if bullet and len(line) > bullet.end():
            if current:
                out.append(current)
            current = "- " + _CONTROL_RE.sub("", line[bullet.end() :]).strip()
            if _SENTENCE_END_RE.search(current):
                out.append(current)
                current = ""
            continue
        line = _CONTROL_RE.sub("", line).strip()
        if not line:
            continue
        current = line if not current else _join(current, line)
        if _SENTENCE_END_RE.search(current):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return [p for p in out if re.search(r"\w", p)]


def _join(left: str, right: str) -> str:
    if re.search(r"[A-Za-z]-$", left) and right[:1].islower():
        return left[:-1] + right  # "organi-" + "sation"
    if _is_han(left[-1]) or _is_han(right[0]) or not left[-1].isascii() or not right[0].isascii():
        return left + right  # Chinese lines wrap without a space
    return f"{left} {right}"


# ---------------------------------------------------------------- conversion


def convert(
    path: Path,
    corpus_dir: Path,
    doc_id: str | None = None,
    lang: str | None = None,
    edition: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    today: dt.date | None = None,
) -> tuple[str, IngestReport]:
    """Convert one file to corpus Markdown without writing anything; raises IngestError."""
    path = Path(path)
    _check_options(doc_id, lang, edition)
    raw = _read(path, max_pages)
    notes = list(raw.notes)
    known = _known_documents(corpus_dir)
    doc_id, lang, edition, matched_title = _identify(
        raw, path, known, doc_id, lang, edition, today or dt.date.today(), notes
    )
    known_doc = known.get(doc_id, _KnownDoc(doc_id))
    known_ids = set(canonical_section_ids())
    for by_id in known_doc.sections.values():
        known_ids.update(by_id)
    title = _pick_title(raw, matched_title, known_doc, lang, path)
    sections = _build_sections(raw, path, doc_id, title, known_doc, known_ids, notes)

    digest_ids = set(known_doc.sections.get(lang, {}))
    unmatched = [s.id for s in sections if s.id not in known_ids]
    if unmatched:
        more = ", …" if len(unmatched) > 6 else ""
        notes.append(
            f"{len(unmatched)} section(s) have no canonical id and no twin in the other language "
            f"({_compact(unmatched[:6])}{more}); `assistant corpus check` will list them"
        )
    output = corpus_dir / "official" / f"{doc_id}.{lang}.{edition}.md"
    older, newer = _other_editions(corpus_dir, doc_id, lang, edition)
    if older:
        notes.append(f"replaces edition(s) {', '.join(older)} at the next `assistant index`")
    if newer:
        notes.append(
            f"a newer edition ({', '.join(newer)}) is already in the corpus and stays in use"
        )
    if output.exists():
        notes.append(f"replaced the earlier conversion of edition {edition}")
    report = IngestReport(
        source=path,
        output=output,
        doc_id=doc_id,
        lang=lang,
        edition=edition,
        title=title,
        sections=sections,
        pages=raw.pages,
        replaces_digest=[s.id for s in sections if s.id in digest_ids],
        unmatched=unmatched,
        superseded_editions=older,
        notes=notes,
    )
    markdown = _render(report, known_doc)
    try:
        parse_corpus_text(markdown, output.name)
    except CorpusError as exc:  # a bug here must not leave a broken corpus file behind
        raise _fail(path, f"conversion produced an invalid corpus file ({exc})") from None
    return markdown, report


def _check_options(doc_id: str | None, lang: str | None, edition: str | None) -> None:
    if lang is not None and lang not in LANGS:
        raise IngestError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if doc_id is not None and not DOC_ID_RE.match(doc_id):
        raise IngestError(
            f"--doc-id {doc_id!r} is not valid: use lowercase letters, digits and '-' "
            "(e.g. framework-2024)"
        )
    if edition is not None and not re.match(r"^\d{4}-\d{2}(-\d{2})?$", edition):
        raise IngestError(f"--edition {edition!r} is not valid: use YYYY-MM-DD or YYYY-MM")


def _identify(
    raw: _Raw,
    path: Path,
    known: dict[str, _KnownDoc],
    doc_id: str | None,
    lang: str | None,
    edition: str | None,
    today: dt.date,
    notes: list[str],
) -> tuple[str, str, str, str | None]:
    """(doc id, language, edition, title the doc id was recognised by) from options or the text."""
    first_text = "\n".join([raw.meta_title] + [x.text for x in _first_pages(raw)])
    detected = detect_lang("\n".join(x.text for x in raw.lines)[:20000])
    if lang is None:
        lang = detected
    elif lang != detected:
        notes.append(f"the text looks {detected}, but --lang {lang} was given")
    matched_title = None
    if doc_id is None:
        guess = _guess_doc_id(first_text, known)
        if guess is None:
            names = ", ".join(sorted(known)) or "none in the corpus"
            raise _fail(
                path,
                "cannot tell which document this is (no known title on its first pages); "
                f"pass --doc-id (known: {names})",
            )
        doc_id, matched_title = guess
        notes.append(f"document id {doc_id} recognised from the title {matched_title!r}")
    elif doc_id not in known:
        notes.append(f"{doc_id} is a new document: there is no digest for it to replace")
    if edition is None:
        edition = find_edition(first_text)
        if edition is None:
            edition = today.isoformat()
            notes.append(
                f"no publication date on the first pages; edition set to today, {edition} "
                "(pass --edition to set it)"
            )
    return doc_id, lang, edition, matched_title


def _build_sections(
    raw: _Raw,
    path: Path,
    doc_id: str,
    title: str,
    known_doc: _KnownDoc,
    known_ids: set[str],
    notes: list[str],
) -> list[IngestedSection]:
    digest_headings: dict[str, str] = {}
    for by_id in known_doc.sections.values():
        for s in by_id.values():
            key = s.id.split("/", 1)[1]
            digest_headings.setdefault(_norm(s.heading), key)
            if s.number:
                digest_headings.setdefault(_norm(s.display_heading), key)
    titles = [title, raw.meta_title, *known_doc.titles.values()]
    drafts, preamble = _detect_sections(raw, doc_id, known_ids, digest_headings, titles)
    if not drafts:
        raise _fail(
            path,
            "no section headings found (numbered headings such as '1.', '1.3', 'Part I', "
            "'第一部分', 'DPP 1'); it may not be one of the PCPD's structured publications",
        )
    sections: list[IngestedSection] = []
    intro = [p for p in _paragraphs(preamble) if _norm(p) not in {_norm(title), ""}]
    if sum(len(p) for p in intro if _SENTENCE_END_RE.search(p)) >= 150:
        # Substantial text before the first heading (not just a cover page) is kept, not lost.
        key = "preamble" if "preamble" not in {d.key for d in drafts} else "preamble-text"
        sections.append(IngestedSection(f"{doc_id}/{key}", "", title, 2, raw.lines[0].page, intro))
    empty: list[str] = []
    for draft, level in zip(drafts, _assign_levels(drafts), strict=True):
        paragraphs = _paragraphs(draft.lines)
        section_id = f"{doc_id}/{draft.key}"
        if not SECTION_ID_RE.match(section_id):
            section_id = f"{doc_id}/section-{len(sections) + 1}"
        if not paragraphs:
            empty.append(section_id)
            continue
        sections.append(
            IngestedSection(
                section_id,
                draft.number,
                draft.heading or draft.number,
                level,
                draft.page,
                paragraphs,
                draft.canonical,
            )
        )
    if not sections:
        raise _fail(path, "headings were found but no text under any of them")
    if empty:
        notes.append(
            f"no text under {_compact(empty)}; left out so the digest keeps those section(s)"
        )
    return sections


def _first_pages(raw: _Raw) -> list[_Line]:
    if raw.pages and any(x.page for x in raw.lines):
        return [x for x in raw.lines if x.page is not None and x.page <= 3]
    return raw.lines[:60]


def _pick_title(raw: _Raw, matched: str | None, doc: _KnownDoc, lang: str, path: Path) -> str:
    meta = re.sub(r"\s+", " ", raw.meta_title).strip()
    junk = (
        not meta
        or meta.lower() in {"untitled", "title", "document"}
        or re.search(r"(?i)^microsoft (word|powerpoint)|\.(docx?|pdf|pptx?)$", meta)
    )
    if not junk:
        return meta
    if matched and doc.titles.get(lang) == matched:
        return matched
    known = doc.titles.get(lang)
    first = [x.text for x in _first_pages(raw)[:3]]
    if known and any(_norm(known) in _norm(x) for x in first):
        return known
    for text in first:
        if 4 <= len(text) <= 150 and match_heading(text) is None:
            return text
    return known or path.stem


def _other_editions(
    corpus_dir: Path, doc_id: str, lang: str, edition: str
) -> tuple[list[str], list[str]]:
    older: list[str] = []
    newer: list[str] = []
    for path in sorted((corpus_dir / "official").glob(f"{doc_id}.{lang}.*.md")):
        try:
            meta, _, _ = split_front_matter(path.read_text("utf-8"), path.name)
        except (CorpusError, OSError, UnicodeDecodeError):
            continue
        other = str(meta.get("edition", ""))
        if other < edition:
            older.append(other)
        elif other > edition:
            newer.append(other)
    return older, newer


def _render(report: IngestReport, doc: _KnownDoc) -> str:
    lang = report.lang
    meta = {
        "doc_id": report.doc_id,
        "title": report.title,
        "short_title": doc.short_titles.get(lang) or "",
        "lang": lang,
        "edition": report.edition,
        "url": doc.url.get(lang) or "",
        "kind": doc.kind,
        "digest": False,
        "official_text": (
            f"This file is the official text, converted from {report.source.name} by "
            "`assistant corpus add`."
            if lang == "en"
            else f"本檔案是官方文本，由 `assistant corpus add` 從 {report.source.name} 轉換而成。"
        ),
        "aliases": list(doc.aliases.get(lang, ())),
    }
    parts = [
        "---",
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100000).strip(),
        "---",
        "",
    ]
    digest = doc.sections.get(lang, {})
    for s in report.sections:
        attrs = f' no="{_attr(s.number)}"' if s.number else ""
        attrs += f' page="{s.page}"' if s.page else ""
        parts.append(f"{'#' * s.level} {_heading_text(s.heading)} {{#{s.id}{attrs}}}")
        twin = digest.get(s.id)
        if twin is not None and twin.aliases:
            # The digest's aliases (ordinals, colloquial names) keep helping retrieval.
            parts.append(f"<!-- aliases: {'; '.join(twin.aliases)} -->")
        parts.append("")
        for paragraph in s.paragraphs:
            parts.extend([_body_line(paragraph), ""])
    return "\n".join(parts).rstrip() + "\n"


def _attr(text: str) -> str:
    return text.replace('"', "'")


def _heading_text(text: str) -> str:
    return _CONTROL_RE.sub("", re.sub(r"[{}]", "", text)).strip() or "Section"


def _body_line(text: str) -> str:
    # A body line must not look like a heading or an aliases comment to the corpus parser.
    text = re.sub(r"^#+\s*", "", text)
    return text.replace("<!--", "< !--")


# ---------------------------------------------------------------- entry points


def add_official(
    path: Path,
    corpus_dir: Path,
    doc_id: str | None = None,
    lang: str | None = None,
    edition: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    today: dt.date | None = None,
) -> IngestReport:
    """Convert one official file and store it under ``corpus_dir/official``; raises IngestError.

    The corpus is only changed when everything succeeded, by one atomic rename.
    """
    markdown, report = convert(path, corpus_dir, doc_id, lang, edition, max_pages, today)
    _write_atomic(report.output, markdown)
    return report


def add_folder(
    folder: Path,
    corpus_dir: Path,
    doc_id: str | None = None,
    lang: str | None = None,
    edition: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    today: dt.date | None = None,
) -> FolderReport:
    """Add every supported file of a folder; each file succeeds or fails on its own."""
    files = sorted(p for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith("."))
    supported = [p for p in files if p.suffix.lower() in SUPPORTED_SUFFIXES]
    if not supported:
        raise IngestError(
            f"{folder}: no PDF, DOCX or HTML files in this folder ({len(files)} other file(s))"
        )
    result = FolderReport(skipped=[p for p in files if p not in supported])
    outputs: dict[Path, Path] = {}
    for path in supported:
        try:
            markdown, report = convert(path, corpus_dir, doc_id, lang, edition, max_pages, today)
            if report.output in outputs:
                raise _fail(
                    path,
                    f"same document, language and edition as {outputs[report.output].name}; "
                    "pass --edition to keep both",
                )
            _write_atomic(report.output, markdown)
            outputs[report.output] = path
            result.added.append(report)
        except IngestError as exc:
            result.failed.append((path, str(exc)))
    return result


def add_path(
    path: Path,
    corpus_dir: Path,
    doc_id: str | None = None,
    lang: str | None = None,
    edition: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> FolderReport:
    """A file or a folder, with one result shape for both (used by the command line)."""
    path = Path(path)
    if path.is_dir():
        return add_folder(path, corpus_dir, doc_id, lang, edition, max_pages)
    return FolderReport(added=[add_official(path, corpus_dir, doc_id, lang, edition, max_pages)])


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name does not end in .md, so a concurrent index never reads a partial file.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:120]


def _compact(items: list[str]) -> str:
    return ", ".join(items)
