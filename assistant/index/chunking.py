"""Sections -> chunks. A chunk never crosses a section boundary and carries its section's metadata."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from assistant.corpus.documents import Section
from assistant.text.script import han_count, split_sentences, strip_markdown

# About 300 model tokens: a Han character is roughly one token, an English word about 1.3.
MAX_CHUNK_UNITS = 230


@dataclass(frozen=True)
class Chunk:
    id: str
    section_id: str
    doc_id: str
    lang: str
    heading: str
    heading_path: tuple[str, ...]
    edition: str
    text: str
    position: int
    # What is embedded and BM25-indexed: title and heading path, aliases, then the text.
    search_text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.search_text.encode("utf-8")).hexdigest()[:24]


def text_units(text: str) -> int:
    return han_count(text) + int(len([w for w in text.split() if w.isascii()]) * 1.3)


def section_prefix(section: Section) -> str:
    """Document title and heading path: the biggest cheap win for retrieval
    (Chinese hit@5 rose from 0.50 to 0.92 for dense chunks when it was added)."""
    path = " > ".join((*section.heading_path, section.display_heading))
    return f"{section.document.title} | {path}"


def chunk_section(section: Section, max_units: int = MAX_CHUNK_UNITS) -> list[Chunk]:
    sentences = split_sentences(strip_markdown(section.text)) or [section.heading]
    groups: list[list[str]] = [[]]
    size = 0
    for sentence in sentences:
        units = text_units(sentence)
        if groups[-1] and size + units > max_units:
            groups.append([])
            size = 0
        groups[-1].append(sentence)
        size += units
    prefix = section_prefix(section)
    aliases = "; ".join(section.aliases)
    chunks: list[Chunk] = []
    for position, group in enumerate(groups):
        body = (" " if section.lang == "en" else "").join(group)
        search = f"{prefix}\n{aliases}\n{body}" if aliases else f"{prefix}\n{body}"
        chunks.append(
            Chunk(
                id=f"{section.id}#{section.lang}#{position}",
                section_id=section.id,
                doc_id=section.doc_id,
                lang=section.lang,
                heading=section.display_heading,
                heading_path=section.heading_path,
                edition=section.document.edition,
                text=body,
                position=position,
                search_text=search,
            )
        )
    return chunks


def chunk_sections(sections: list[Section], max_units: int = MAX_CHUNK_UNITS) -> list[Chunk]:
    return [chunk for section in sections for chunk in chunk_section(section, max_units)]
