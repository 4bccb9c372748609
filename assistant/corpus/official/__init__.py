"""Official publications (PDF, DOCX, HTML) -> corpus files under ``corpus/official/``.

``add_official`` reads one file, finds the numbered headings these documents use (``1.``, ``1.3``,
``Part I``, ``第一部分``, ``第1.1段``, ``DPP 1``, ``原則1``, ``Tip 4``, ``附錄A``), maps them to the
canonical section ids of the digest, keeps the page of every heading for citations, and writes
``corpus/official/<doc-id>.<lang>.<edition>.md`` in the corpus format. ``corpus.load_corpus`` then
lets those sections replace the digest's and keeps only the newest edition.

The work is split by step, in the order a file goes through them:

- ``readers``: PDF, DOCX and HTML files -> lines with their page (``read_document``);
- ``headings``: the numbering patterns of headings (``match_heading``);
- ``editions``: which known document a file is, and its publication date (``find_edition``);
- ``sections``: lines -> sections with ids and paragraphs;
- ``conversion``: one file -> corpus Markdown and a report, in memory (``convert``), written out
  by ``render``;
- ``add``: the entry points that store the result (``add_official``, ``add_folder``, ``add_path``);
- ``results``: the reports and ``IngestError``.
"""

from __future__ import annotations

from assistant.corpus.official.add import add_folder, add_official, add_path
from assistant.corpus.official.conversion import DEFAULT_MAX_PAGES, DOC_ID_RE, convert
from assistant.corpus.official.editions import find_edition
from assistant.corpus.official.headings import HeadingMatch, match_heading
from assistant.corpus.official.readers import MIN_TEXT_CHARS, SUPPORTED_SUFFIXES
from assistant.corpus.official.results import (
    FolderReport,
    IngestedSection,
    IngestError,
    IngestReport,
)

__all__ = [
    "DEFAULT_MAX_PAGES",
    "DOC_ID_RE",
    "MIN_TEXT_CHARS",
    "SUPPORTED_SUFFIXES",
    "FolderReport",
    "HeadingMatch",
    "IngestError",
    "IngestReport",
    "IngestedSection",
    "add_folder",
    "add_official",
    "add_path",
    "convert",
    "find_edition",
    "match_heading",
]
