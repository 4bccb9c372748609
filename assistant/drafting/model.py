"""The drafted policy (``PolicyDraft``) and its parts, with JSON, Markdown and Word output."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from assistant.corpus.documents import Section
from assistant.drafting.common import ABSENT, ADDRESSED, DEFAULT, MISSING
from assistant.drafting.items import wording
from assistant.drafting.request import DraftRequest
from assistant.drafting.sections import section_quote

# ---------------------------------------------------------------- draft model


@dataclass(frozen=True)
class ClauseCitation:
    """A cited guidance section, with what the UI needs to open it like a chat citation."""

    section_id: str
    doc_id: str
    title: str
    short_title: str
    heading: str
    number: str
    lang: str
    url: str
    edition: str
    digest: bool
    quote: str = ""

    @classmethod
    def from_section(cls, s: Section, anchors: tuple[str, ...] = ()) -> ClauseCitation:
        return cls(
            section_id=s.id,
            doc_id=s.doc_id,
            title=s.document.title,
            short_title=s.document.label,
            # Some headings already start with their number (第3原則——…): do not say it twice.
            heading=s.heading if s.number and s.heading.startswith(s.number) else s.display_heading,
            number=s.number,
            lang=s.lang,
            url=s.document.url,
            edition=s.document.edition,
            digest=s.document.digest,
            quote=section_quote(s, anchors),
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def label(self) -> str:
        comma = "，" if self.lang == "zh-Hant" else ", "
        return f"{self.short_title}{comma}{self.heading}"

    def markdown(self) -> str:
        comma = "，" if self.lang == "zh-Hant" else ", "
        heading = f"[{self.heading}]({self.url})" if self.url else self.heading
        return f"{self.short_title}{comma}{heading} `{self.section_id}`"


@dataclass
class Clause:
    number: str
    item: str
    heading: str
    text: str
    status: str
    citations: list[ClauseCitation]
    placeholders: list[str] = field(default_factory=list)
    # Values the clause must keep through any rewrite: inputs, placeholders, cross-references.
    required: list[str] = field(default_factory=list)
    polished: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "item": self.item,
            "heading": self.heading,
            "text": self.text,
            "status": self.status,
            "placeholders": list(self.placeholders),
            "citations": [c.as_dict() for c in self.citations],
            "polished": self.polished,
        }


@dataclass
class PolicyPart:
    number: str
    key: str
    heading: str
    section_id: str
    clauses: list[Clause]


@dataclass(frozen=True)
class CoverageEntry:
    item: str
    label: str
    section_id: str
    status: str
    clause: str

    @property
    def addressed(self) -> bool:
        return self.status in (ADDRESSED, DEFAULT)

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "label": self.label,
            "section_id": self.section_id,
            "status": self.status,
            "addressed": self.addressed,
            "clause": self.clause,
        }


@dataclass(frozen=True)
class DraftWarning:
    code: str
    severity: str  # "high" | "medium"
    message: str
    items: tuple[str, ...]
    citations: tuple[ClauseCitation, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "items": list(self.items),
            "citations": [c.as_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class Route:
    """Where a free-text request was sent: the Checklist item and why."""

    item: str
    section_id: str
    method: str  # "keywords" | "retriever"
    matched: tuple[str, ...] = ()
    negated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "section_id": self.section_id,
            "method": self.method,
            "matched": list(self.matched),
            "negated": self.negated,
        }


@dataclass
class PolicyDraft:
    mode: str  # "policy" | "clause"
    lang: str
    org: str
    title: str
    preamble: str
    note: str
    parts: list[PolicyPart]
    coverage: list[CoverageEntry]
    warnings: list[DraftWarning]
    request: DraftRequest
    route: Route | None = None
    polish_log: list[dict[str, Any]] = field(default_factory=list)

    def clauses(self) -> list[Clause]:
        return [c for part in self.parts for c in part.clauses]

    def citations(self) -> list[ClauseCitation]:
        """Every distinct cited section, in order of first citation."""
        seen: dict[str, ClauseCitation] = {}
        for clause in self.clauses():
            for c in clause.citations:
                seen.setdefault(c.section_id, c)
        return list(seen.values())

    def coverage_summary(self) -> dict[str, int]:
        counted = [c for c in self.coverage if c.status != ABSENT]
        return {
            "total": len(counted),
            "done": sum(c.addressed for c in counted),
            "standard": sum(c.status == DEFAULT for c in counted),
            "missing": sum(c.status == MISSING for c in counted),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "lang": self.lang,
            "org": self.org,
            "title": self.title,
            "preamble": self.preamble,
            "note": self.note,
            "parts": [
                {
                    "number": p.number,
                    "key": p.key,
                    "heading": p.heading,
                    "section_id": p.section_id,
                    "clauses": [c.as_dict() for c in p.clauses],
                }
                for p in self.parts
            ],
            "warnings": [w.as_dict() for w in self.warnings],
            "coverage": [c.as_dict() for c in self.coverage],
            "coverage_summary": self.coverage_summary(),
            "route": self.route.as_dict() if self.route else None,
            "polish_log": self.polish_log,
        }

    def _sep(self) -> str:
        return "；" if self.lang == "zh-Hant" else "; "

    def _colon(self) -> str:
        return "：" if self.lang == "zh-Hant" else ": "

    def _bold(self, lead: str, end: str) -> str:
        # CommonMark does not close "**" between CJK punctuation and a letter: keep "：" outside.
        return f"**{lead}**：" if self.lang == "zh-Hant" else f"**{lead}{end}** "

    def _summary_line(self) -> str:
        return str(wording(self.lang)["coverage_summary"]).format(**self.coverage_summary())

    def to_markdown(self, annotations: bool = True) -> str:
        """The draft as Markdown; ``annotations`` adds citations, warnings and the coverage report."""
        w = wording(self.lang)
        lines = [f"# {self.title}", ""]
        if self.preamble:
            lines += [self.preamble, ""]
        if annotations:
            lines += [f"> {self.note}", ""]
        for part in self.parts:
            lines += [f"## {part.number}. {part.heading}", ""]
            for clause in part.clauses:
                lines += [self._bold(f"{clause.number} {clause.heading}", ".") + clause.text, ""]
                if annotations:
                    cites = self._sep().join(c.markdown() for c in clause.citations)
                    lines += [f"*{w['implements']}{self._colon()}{cites}*", ""]
        if annotations and self.warnings:
            lines += [f"## {w['warnings_heading']}", ""]
            for warning in self.warnings:
                ids = ", ".join(f"`{c.section_id}`" for c in warning.citations)
                lead = self._bold(w["severity"][warning.severity], ":")
                lines.append(f"- {lead}{warning.message} ({ids})")
            lines.append("")
        if annotations and self.coverage and self.mode == "policy":
            cols = w["coverage_columns"]
            lines += [f"## {w['coverage']}", "", self._summary_line(), ""]
            lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for c in self.coverage:
                status = w["status"][c.status]
                lines.append(f"| {c.label} | `{c.section_id}` | {status} | {c.clause or '—'} |")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def _author(self) -> str:
        """The organisation, for the document's properties; "" when it was never named."""
        defaults = {str(wording(lang)["default_org"]) for lang in ("en", "zh-Hant")}
        return "" if self.org in defaults else self.org

    def to_docx(self, path: str | Path, annotations: bool = True) -> Path:
        """Write the draft as a Word document (python-docx) and return its path.

        Gaps to fill in are highlighted, cited sections link to their official text, and the
        document's properties name the organisation (python-docx would name itself).
        """
        from docx import Document as new_document
        from docx.enum.text import WD_COLOR_INDEX
        from docx.oxml.ns import qn
        from docx.shared import Pt, RGBColor

        w = wording(self.lang)
        doc = new_document()
        properties = doc.core_properties
        properties.author = properties.last_modified_by = self._author()
        properties.title = self.title
        properties.comments = ""
        properties.language = self.lang
        for style_name in ("Normal", "Title", "Heading 1"):
            rpr = doc.styles[style_name].element.get_or_add_rPr()
            # Word picks the East Asian font separately; without it Chinese falls back unevenly.
            rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "Microsoft JhengHei")
        doc.add_heading(self.title, level=0)
        if self.preamble:
            doc.add_paragraph(self.preamble)
        if annotations:
            doc.add_paragraph().add_run(self.note).italic = True
        for part in self.parts:
            doc.add_heading(f"{part.number}. {part.heading}", level=1)
            for clause in part.clauses:
                paragraph = doc.add_paragraph()
                sep = "：" if self.lang == "zh-Hant" else ". "
                paragraph.add_run(f"{clause.number} {clause.heading}{sep}").bold = True
                for text, gap in _split_gaps(clause.text, clause.placeholders):
                    run = paragraph.add_run(text)
                    if gap:  # what is still to be filled in stands out when the file is edited
                        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                if annotations:
                    cites = doc.add_paragraph()
                    pieces = [(f"{w['implements']}{self._colon()}", "")]
                    for i, c in enumerate(clause.citations):
                        if i:
                            pieces.append((self._sep(), ""))
                        pieces.append((c.label, c.url if c.url.startswith(_WEB) else ""))
                        pieces.append((f" ({c.section_id})", ""))
                    for text, url in pieces:
                        run = _add_link(cites, text, url) if url else cites.add_run(text)
                        run.italic = True
                        run.font.size = Pt(8)
                        if not url:
                            run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        if annotations and self.warnings:
            doc.add_heading(w["warnings_heading"], level=1)
            for warning in self.warnings:
                ids = ", ".join(c.section_id for c in warning.citations)
                doc.add_paragraph(
                    f"{w['severity'][warning.severity]}{self._colon()}{warning.message} ({ids})",
                    style="List Bullet",
                )
        if annotations and self.coverage and self.mode == "policy":
            doc.add_heading(w["coverage"], level=1)
            doc.add_paragraph(self._summary_line())
            table = doc.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, w["coverage_columns"], strict=True):
                cell.text = text
            for c in self.coverage:
                row = table.add_row().cells
                values = (c.label, c.section_id, w["status"][c.status], c.clause or "—")
                for cell, text in zip(row, values, strict=True):
                    cell.text = text
        target = Path(path)
        doc.save(str(target))
        return target


_WEB = ("https://", "http://")


def _split_gaps(text: str, gaps: list[str]) -> list[tuple[str, bool]]:
    """``text`` as (piece, is a gap) pairs, the gaps being the clause's placeholders."""
    pieces: list[tuple[str, bool]] = []
    rest = text
    while rest:
        found = [(rest.find(g), g) for g in set(gaps) if g and g in rest]
        if not found:
            pieces.append((rest, False))
            break
        # The first placeholder in the text; of two starting there, the longer.
        start, gap = min(found, key=lambda x: (x[0], -len(x[1])))
        if start:
            pieces.append((rest[:start], False))
        pieces.append((gap, True))
        rest = rest[start + len(gap) :]
    return pieces


def _add_link(paragraph: Any, text: str, url: str) -> Any:
    """A run of ``text`` inside a hyperlink to ``url`` (python-docx has no call for it)."""
    from docx.enum.dml import MSO_THEME_COLOR
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.text.run import Run

    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, True))
    element = OxmlElement("w:r")
    link.append(element)
    paragraph._p.append(link)
    run = Run(element, paragraph)
    run.text = text
    run.font.underline = True
    run.font.color.theme_color = MSO_THEME_COLOR.HYPERLINK
    return run
