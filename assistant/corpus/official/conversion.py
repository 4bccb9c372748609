"""One file -> corpus Markdown and a report, in memory (``convert``); nothing is written here."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from assistant.corpus.documents import (
    LANGS,
    SECTION_ID_RE,
    CorpusError,
    canonical_section_ids,
    parse_corpus_text,
    split_front_matter,
)
from assistant.corpus.official.editions import (
    KnownDoc,
    find_edition,
    guess_doc_id,
    known_documents,
    norm_text,
)
from assistant.corpus.official.headings import match_heading
from assistant.corpus.official.readers import Line, RawDocument, read_document
from assistant.corpus.official.render import render_document
from assistant.corpus.official.results import (
    IngestedSection,
    IngestError,
    IngestReport,
    compact,
    fail,
)
from assistant.corpus.official.sections import (
    SENTENCE_END_RE,
    assign_levels,
    detect_sections,
    join_paragraphs,
)
from assistant.text.script import detect_lang

DEFAULT_MAX_PAGES = 500
DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


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
    raw = read_document(path, max_pages)
    notes = list(raw.notes)
    known = known_documents(corpus_dir)
    doc_id, lang, edition, matched_title = _identify(
        raw, path, known, doc_id, lang, edition, today or dt.date.today(), notes
    )
    known_doc = known.get(doc_id, KnownDoc(doc_id))
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
            f"({compact(unmatched[:6])}{more}); `assistant corpus check` will list them"
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
    markdown = render_document(report, known_doc)
    try:
        parse_corpus_text(markdown, output.name)
    except CorpusError as exc:  # a bug here must not leave a broken corpus file behind
        raise fail(path, f"conversion produced an invalid corpus file ({exc})") from None
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
    raw: RawDocument,
    path: Path,
    known: dict[str, KnownDoc],
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
        guess = guess_doc_id(first_text, known)
        if guess is None:
            names = ", ".join(sorted(known)) or "none in the corpus"
            raise fail(
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
    raw: RawDocument,
    path: Path,
    doc_id: str,
    title: str,
    known_doc: KnownDoc,
    known_ids: set[str],
    notes: list[str],
) -> list[IngestedSection]:
    digest_headings: dict[str, str] = {}
    for by_id in known_doc.sections.values():
        for s in by_id.values():
            key = s.id.split("/", 1)[1]
            digest_headings.setdefault(norm_text(s.heading), key)
            if s.number:
                digest_headings.setdefault(norm_text(s.display_heading), key)
    titles = [title, raw.meta_title, *known_doc.titles.values()]
    drafts, preamble = detect_sections(raw, doc_id, known_ids, digest_headings, titles)
    if not drafts:
        raise fail(
            path,
            "no section headings found (numbered headings such as '1.', '1.3', 'Part I', "
            "'第一部分', 'DPP 1'); it may not be one of the PCPD's structured publications",
        )
    sections: list[IngestedSection] = []
    intro = [p for p in join_paragraphs(preamble) if norm_text(p) not in {norm_text(title), ""}]
    if sum(len(p) for p in intro if SENTENCE_END_RE.search(p)) >= 150:
        # Substantial text before the first heading (not just a cover page) is kept, not lost.
        key = "preamble" if "preamble" not in {d.key for d in drafts} else "preamble-text"
        sections.append(IngestedSection(f"{doc_id}/{key}", "", title, 2, raw.lines[0].page, intro))
    empty: list[str] = []
    for draft, level in zip(drafts, assign_levels(drafts), strict=True):
        paragraphs = join_paragraphs(draft.lines)
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
        raise fail(path, "headings were found but no text under any of them")
    if empty:
        notes.append(
            f"no text under {compact(empty)}; left out so the digest keeps those section(s)"
        )
    return sections


def _first_pages(raw: RawDocument) -> list[Line]:
    if raw.pages and any(x.page for x in raw.lines):
        return [x for x in raw.lines if x.page is not None and x.page <= 3]
    return raw.lines[:60]


def _pick_title(raw: RawDocument, matched: str | None, doc: KnownDoc, lang: str, path: Path) -> str:
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
    if known and any(norm_text(known) in norm_text(x) for x in first):
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
