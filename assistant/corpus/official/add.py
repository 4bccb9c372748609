"""Entry points: add a file or a folder to ``corpus/official/``.

Nothing is written unless the whole conversion succeeds: bad input raises ``IngestError`` with a
one-line reason, and the output appears through a single ``os.replace``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from assistant.corpus.official.conversion import DEFAULT_MAX_PAGES, convert
from assistant.corpus.official.readers import SUPPORTED_SUFFIXES
from assistant.corpus.official.results import FolderReport, IngestError, IngestReport, fail


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
                raise fail(
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
