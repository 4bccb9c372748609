"""PDF, DOCX and HTML files -> lines of text with their page and heading markup (``read_document``)."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.corpus.official.headings import (
    DOT_LEADER_RE,
    TOC_ENTRY_RE,
    match_heading,
    starts_with_number,
)
from assistant.corpus.official.results import IngestError, compact, fail, short_text

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".html", ".htm")
# Fewer extractable characters than this over the whole PDF means there is no real text layer.
MIN_TEXT_CHARS = 40


@dataclass
class Line:
    text: str
    page: int | None
    # Heading level from the file's own markup (DOCX heading style, HTML h1-h4); None for body text.
    style_level: int | None = None


@dataclass
class RawDocument:
    lines: list[Line]
    meta_title: str
    pages: int | None
    styled: bool  # headings come from markup, not only from numbering patterns
    notes: list[str] = field(default_factory=list)


def _read_pdf(path: Path, data: bytes, max_pages: int) -> RawDocument:
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024]:
        raise fail(path, "is not a PDF (no %PDF header); the file is corrupt or mislabelled")
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
                raise fail(
                    path,
                    "is encrypted (password-protected); save an unprotected copy and add that",
                )
        count = len(reader.pages)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many error types for broken files
        raise fail(
            path, f"cannot be read as a PDF ({short_text(exc)}); the file looks corrupt"
        ) from None
    if count == 0:
        raise fail(path, "is an empty PDF (no pages)")
    if count > max_pages:
        raise fail(
            path,
            f"has {count} pages, more than the limit of {max_pages}; "
            "split it or raise the limit with --max-pages",
        )
    texts: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # noqa: BLE001
            raise fail(
                path, f"page {number} cannot be read ({short_text(exc)}); the file looks corrupt"
            ) from None
    if sum(len(t.strip()) for t in texts) < MIN_TEXT_CHARS:
        raise fail(
            path,
            f"has no text layer ({count} page(s) of images, probably a scan); it needs OCR first "
            "(for example `ocrmypdf --language eng+chi_tra in.pdf out.pdf`), then add the OCR'd file",
        )
    notes = []
    blank = [str(i) for i, t in enumerate(texts, start=1) if not t.strip()]
    if blank:
        notes.append(f"no text on page(s) {compact(blank)} (images only); their content is missing")
    try:
        meta_title = str((reader.metadata or {}).get("/Title") or "")
    except Exception:  # noqa: BLE001 - broken metadata should not stop a readable file
        meta_title = ""
    lines = _clean_pdf_pages(texts)
    return RawDocument(lines, meta_title, count, styled=False, notes=notes)


_PAGE_NUMBER_LINE_RE = re.compile(
    r"^(?:page\s*)?[-–—]?\s*\d{1,4}\s*(?:/\s*\d{1,4}|of\s+\d{1,4})?\s*[-–—]?$|^第\s*\d{1,4}\s*頁$",
    re.I,
)


def _clean_pdf_pages(texts: list[str]) -> list[Line]:
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
    out: list[Line] = []
    for number, lines in enumerate(pages, start=1):
        if _is_contents_page(lines):
            continue
        for i, text in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if _PAGE_NUMBER_LINE_RE.match(text):
                continue
            if at_edge and _digits_blind(text) in repeated:
                continue
            out.append(Line(text, number))
    return out


def _digits_blind(text: str) -> str:
    return re.sub(r"\d+", "#", text.casefold())


def _is_contents_page(lines: list[str]) -> bool:
    """A table of contents repeats every heading with a page number; its entries are not sections."""
    entries = sum(
        1
        for x in lines
        if DOT_LEADER_RE.search(x) or (match_heading(x) is not None and TOC_ENTRY_RE.search(x))
    )
    titled = any(x.casefold() in {"contents", "table of contents", "目錄"} for x in lines)
    return entries >= 3 and (titled or entries >= 0.5 * len(lines))


def _read_docx(path: Path, data: bytes, max_pages: int) -> RawDocument:
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise fail(
            path,
            "is an encrypted (password-protected) Word file or an old binary .doc; "
            "save it as an unprotected .docx",
        )
    if data[:2] != b"PK":
        raise fail(path, "is not a DOCX (not a ZIP package); the file is corrupt or mislabelled")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - zipfile/lxml/python-docx errors alike
        raise fail(
            path, f"cannot be read as a DOCX ({short_text(exc)}); the file looks corrupt"
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
    lines: list[Line] = []

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
            if label and not starts_with_number(text):
                text = f"{label} {text}"
        lines.append(Line(text, start_page if track_pages else None, level))

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
        raise fail(
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
    return RawDocument(body_lines, meta_title, page if track_pages else None, styled, notes)


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


def _read_html(path: Path, data: bytes) -> RawDocument:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(data, "html.parser")
    except Exception as exc:  # noqa: BLE001
        raise fail(path, f"cannot be read as HTML ({short_text(exc)})") from None
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "template"]):
        tag.decompose()
    title_tag = soup.find("title")
    meta_title = title_tag.get_text(" ", strip=True) if title_tag else ""
    heading_tags = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
    lines: list[Line] = []
    wanted = list(heading_tags) + list(_HTML_BLOCKS)
    for el in soup.find_all(wanted):
        if el.name not in heading_tags and el.find(wanted) is not None:
            continue  # only leaf blocks, so nested markup is not read twice
        if el.name not in heading_tags and el.find_parent(list(heading_tags)) is not None:
            continue
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True)).strip()
        if text:
            lines.append(Line(text, None, heading_tags.get(el.name)))
    h1 = [x for x in lines if x.style_level == 1]
    if len(h1) == 1 and lines[0] is h1[0]:
        # A single leading h1 is the page title, not a section.
        meta_title = meta_title or h1[0].text
        lines = lines[1:]
    styled = any(x.style_level for x in lines)
    return RawDocument(
        lines, meta_title, None, styled, ["HTML has no pages, so sections carry no page number"]
    )


def read_document(path: Path, max_pages: int) -> RawDocument:
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = (
            "; save it as .docx first"
            if suffix in {".doc", ".rtf", ".odt"}
            else "; convert it to PDF or DOCX first"
        )
        raise fail(
            path,
            f"unsupported file type {suffix or '(none)'!r}; supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)}{hint}",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise fail(path, "is empty (0 bytes of content)")
    if suffix == ".pdf":
        raw = _read_pdf(path, data, max_pages)
    elif suffix == ".docx":
        raw = _read_docx(path, data, max_pages)
    else:
        raw = _read_html(path, data)
    if not any(x.text.strip() for x in raw.lines):
        raise fail(path, "has no text content (an empty document)")
    return raw
