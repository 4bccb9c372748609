"""Lines -> sections: headings found and given section ids, body lines joined into paragraphs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from assistant.corpus.official.editions import norm_text
from assistant.corpus.official.headings import (
    CONNECTOR_RE,
    TERMINAL_RE,
    match_heading,
    plausible_title,
)
from assistant.corpus.official.readers import Line, RawDocument
from assistant.text.script import has_han

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
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SENTENCE_END_RE = re.compile(r"[.!?。！？:：;；」』”)）]$")


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


def detect_sections(
    raw: RawDocument,
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
    title_keys = [norm_text(t) for t in titles if len(norm_text(t)) >= 6]
    lines = raw.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        draft = None
        key = norm_text(line.text)
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
            if TERMINAL_RE.search(nxt) or len(nxt) > 100:
                break
            if draft.heading and not (CONNECTOR_RE.search(draft.heading) or nxt[:1].islower()):
                break
            draft.heading = join_list(draft.heading, nxt) if draft.heading else nxt
            i += 1
        used.add(draft.key)
        heading_lines.add(key)
        drafts.append(draft)
    return drafts, preamble


def _pattern_heading(
    line: Line,
    doc_id: str,
    known_ids: set[str],
    digest_headings: dict[str, str],
    used: set[str],
    last_number: dict[int, tuple[int, ...]],
) -> _Draft | None:
    found = match_heading(line.text)
    if found is not None:
        if not plausible_title(found.title):
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
    key = digest_headings.get(norm_text(text)) or _GENERIC_HEADINGS.get(text.casefold())
    if key is None or key in used:
        return None
    return _Draft(key, f"{doc_id}/{key}" in known_ids, "", text, None, None, line.page)


def _styled_heading(
    line: Line, doc_id: str, known_ids: set[str], digest_headings: dict[str, str], used: set[str]
) -> _Draft:
    found = match_heading(line.text)
    if found is not None and (found.kind != "letter" or _resolve(doc_id, found.keys, known_ids)[1]):
        key, canonical = _resolve(doc_id, found.keys, known_ids)
        number, heading = found.label, found.title
    else:
        text = line.text.strip()
        key = digest_headings.get(norm_text(text)) or _GENERIC_HEADINGS.get(text.casefold()) or ""
        canonical = bool(key) and f"{doc_id}/{key}" in known_ids
        key = key or _slug(text) or "section"
        number, heading = "", text
    base, n = key, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
        canonical = False
    return _Draft(key, canonical, number, heading, None, line.style_level, line.page)


def assign_levels(drafts: list[_Draft]) -> list[int]:
    """Corpus levels 2-4 from the markup's heading levels, else from the depth of the numbering."""
    if any(d.style_level for d in drafts):
        used = sorted({d.style_level for d in drafts if d.style_level})
        return [min(4, 2 + used.index(d.style_level)) if d.style_level else 2 for d in drafts]
    used = sorted({d.rank for d in drafts if d.rank is not None})
    return [2 if d.rank is None else min(4, 2 + used.index(d.rank)) for d in drafts]


def join_paragraphs(lines: list[str]) -> list[str]:
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
            current = "- " + CONTROL_RE.sub("", line[bullet.end() :]).strip()
            if SENTENCE_END_RE.search(current):
                out.append(current)
                current = ""
            continue
        line = CONTROL_RE.sub("", line).strip()
        if not line:
            continue
        current = line if not current else join_list(current, line)
        if SENTENCE_END_RE.search(current):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return [p for p in out if re.search(r"\w", p)]


def join_list(left: str, right: str) -> str:
    if re.search(r"[A-Za-z]-$", left) and right[:1].islower():
        return left[:-1] + right  # "organi-" + "sation"
    if has_han(left[-1]) or has_han(right[0]) or not left[-1].isascii() or not right[0].isascii():
        return left + right  # Chinese lines wrap without a space
    return f"{left} {right}"
