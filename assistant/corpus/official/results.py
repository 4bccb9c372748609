"""What adding a file reports, and the one error it raises (``IngestError``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class IngestError(ValueError):
    """A file that cannot be added; the message names the file and says what to do."""


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


def fail(path: Path, reason: str) -> IngestError:
    return IngestError(f"{path.name}: {reason}")


def short_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:120]


def compact(items: list[str]) -> str:
    return ", ".join(items)
