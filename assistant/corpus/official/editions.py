"""Which document a file is (the digest documents of the corpus) and its edition (its date)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.corpus.documents import CorpusError, Section, corpus_files, parse_corpus_text
from assistant.corpus.official.headings import FULLWIDTH
from assistant.text.script import HAN

# ---------------------------------------------------------------- known documents


@dataclass
class KnownDoc:
    doc_id: str
    titles: dict[str, str] = field(default_factory=dict)
    short_titles: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kind: str = "guideline"
    url: dict[str, str] = field(default_factory=dict)
    sections: dict[str, dict[str, Section]] = field(default_factory=dict)  # lang -> id -> section


def known_documents(corpus_dir: Path) -> dict[str, KnownDoc]:
    """Digest documents of the corpus: their titles, kinds and sections (broken files are skipped)."""
    known: dict[str, KnownDoc] = {}
    official = corpus_dir / "official"
    for path in corpus_files(corpus_dir):
        if path.parent == official:
            continue
        try:
            document, sections = parse_corpus_text(path.read_text("utf-8"), path.name)
        except (CorpusError, OSError, UnicodeDecodeError):
            continue
        doc = known.setdefault(document.doc_id, KnownDoc(document.doc_id))
        doc.titles[document.lang] = document.title
        doc.short_titles[document.lang] = document.short_title
        doc.aliases[document.lang] = document.aliases
        doc.kind = document.kind
        doc.url[document.lang] = document.url
        doc.sections[document.lang] = {s.id: s for s in sections}
    return known


def norm_text(text: str) -> str:
    """Case, width, spacing and punctuation folded away, for matching titles across line breaks."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(rf"[^0-9a-z{HAN}]+", "", text)


def guess_doc_id(first_text: str, known: dict[str, KnownDoc]) -> tuple[str, str] | None:
    """(doc id, matched title) of the known document whose title appears earliest in the text."""
    haystack = norm_text(first_text)
    best: tuple[int, int, str, str] | None = None
    for doc in known.values():
        names = [(t, 0) for t in doc.titles.values()]
        names += [
            (a, 1) for aliases in doc.aliases.values() for a in aliases if len(norm_text(a)) >= 12
        ]
        for name, tier in names:
            key = norm_text(name)
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
    text = text.translate(FULLWIDTH)
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
