"""Corpus files -> documents and sections (the first stage of the pipeline).

A corpus file is Markdown with front matter; sections start at headings that carry a canonical id
(see ``corpus/FORMAT.md``). Official publications converted by ``assistant corpus add`` use the same
format under ``corpus/official/`` and take precedence over the digest for the same section id.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assistant.text.script import has_control_chars

LANGS = ("en", "zh-Hant")
KINDS = ("guideline", "framework", "leaflet", "statute-summary", "briefing", "findings")
# Where a sentence comes from: the document's own text (digested), a PCPD statement (press release,
# speech, interview, annual report), a press report, or a secondary source (law firm, commentary).
PROVENANCES = ("official", "pcpd", "press", "secondary")
REQUIRED_FRONT_MATTER = (
    "doc_id",
    "title",
    "lang",
    "edition",
    "url",
    "kind",
    "digest",
    "official_text",
)
SECTION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9.\-]*$")
_HEADING_RE = re.compile(r"^(#{2,4})\s+(.*?)\s*\{#([^\s}]+)((?:\s+[a-z_]+=\"[^\"]*\")*)\s*\}\s*$")
_LOOSE_HEADING_RE = re.compile(r"^#{2,4}\s+\S")
_ATTR_RE = re.compile(r"([a-z_]+)=\"([^\"]*)\"")
_ALIASES_RE = re.compile(r"^<!--\s*aliases:\s*(.*?)\s*-->$")
# `<!-- see: id; id -->` links related sections; `<!-- summarises: id; id -->` marks a section that
# summarises other sections (ranked below them).
_LINKS_RE = re.compile(r"^<!--\s*(see|summarises):\s*(.*?)\s*-->$")
_SOURCE_TAG_RE = re.compile(r"\s*\{src=([a-z]*)\}\s*$")
# Notes about the digest itself, kept out of the answerable text: `> [!digest]` then `> ` lines.
_NOTES_START = "> [!digest]"

# libyaml's safe loader where PyYAML was built with it: the pure-Python one takes seconds
# over the cards and front matter, and `assistant index` reads them even when nothing changed.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CorpusError(ValueError):
    """A corpus file that cannot be read as the corpus format; the message names file and line."""


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    lang: str
    edition: str
    url: str
    kind: str
    digest: bool
    official_text: str
    short_title: str = ""
    translation: str = ""
    aliases: tuple[str, ...] = ()
    path: str = ""
    provenance: str = "official"  # the source of a line without a {src=...} tag

    @property
    def label(self) -> str:
        return self.short_title or self.title


@dataclass(frozen=True)
class Section:
    id: str
    lang: str
    heading: str
    text: str
    document: Document
    number: str = ""
    level: int = 2
    parent_id: str | None = None
    heading_path: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    order: int = 0
    page: int | None = None
    supersedes_digest: bool = False
    # Notes about the digest (what it does not cover or cannot confirm): shown as "Not in this
    # digest", never quoted as an answer unless the question asks what the guidance does not say.
    notes: tuple[str, ...] = ()
    see: tuple[str, ...] = ()
    summarises: tuple[str, ...] = ()
    # (line, source) for every line whose source differs from the document's default.
    sources: tuple[tuple[str, str], ...] = ()

    def provenance_of(self, sentence: str) -> str:
        """The source of a sentence of this section: the tag of the line that holds it."""
        for line, source in self.sources:
            if sentence in line or line in sentence:
                return source
        return self.document.provenance

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.lang)

    @property
    def display_heading(self) -> str:
        """Official number and heading, e.g. '1.3 Governance Structure'."""
        return f"{self.number} {self.heading}".strip() if self.number else self.heading

    @property
    def content_hash(self) -> str:
        payload = "\x1f".join(
            [self.id, self.lang, self.heading, self.number, "|".join(self.heading_path), self.text]
            + ["|".join(self.aliases), self.document.title, self.document.edition]
            + ["|".join(self.notes), "|".join(self.see), "|".join(self.summarises)]
            + [f"{line}\x1e{source}" for line, source in self.sources]
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_key = {s.key: s for s in self.sections}

    def section(self, section_id: str, lang: str | None = None) -> Section | None:
        if lang is not None:
            return self._by_key.get((section_id, lang))
        return self._by_key.get((section_id, "en")) or self._by_key.get((section_id, "zh-Hant"))

    def in_lang(self, section_id: str, lang: str) -> Section | None:
        """The section in the wanted language, else its twin in the other one."""
        return self.section(section_id, lang) or self.section(section_id)

    def twin(self, section: Section) -> Section | None:
        other = "zh-Hant" if section.lang == "en" else "en"
        return self.section(section.id, other)

    def section_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.sections:
            seen.setdefault(s.id, None)
        return list(seen)

    def children(self, section_id: str) -> list[str]:
        return sorted({s.id for s in self.sections if s.parent_id == section_id})

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for s in sorted(self.sections, key=lambda s: s.key):
            digest.update(s.content_hash.encode())
        return digest.hexdigest()[:24]


def canonical_section_ids() -> list[str]:
    """Section ids the digest must contain (taken from the project's fact sheet)."""
    text = resources.files("assistant").joinpath("data/canonical_sections.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, line number where the body starts)."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        raise CorpusError(f"{source}: missing front matter (the file must start with '---')")
    lines = text.splitlines()
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CorpusError(f"{source}: front matter is not closed with '---'") from None
    try:
        meta = yaml.load("\n".join(lines[1:end]), Loader=YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(
            f"{source}: front matter is not valid YAML ({exc.__class__.__name__})"
        ) from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{source}: front matter must be a mapping of keys to values")
    return meta, "\n".join(lines[end + 1 :]), end + 2


def _document_from_meta(meta: dict[str, Any], source: str) -> Document:
    missing = [k for k in REQUIRED_FRONT_MATTER if k not in meta or meta[k] is None]
    if missing:
        raise CorpusError(f"{source}: front matter lacks {', '.join(missing)}")
    lang = str(meta["lang"])
    if lang not in LANGS:
        raise CorpusError(f"{source}: lang must be one of {', '.join(LANGS)}, not {lang!r}")
    kind = str(meta["kind"])
    if kind not in KINDS:
        raise CorpusError(f"{source}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    provenance = str(meta.get("provenance") or "official")
    if provenance not in PROVENANCES:
        raise CorpusError(
            f"{source}: provenance must be one of {', '.join(PROVENANCES)}, not {provenance!r}"
        )
    aliases = meta.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(";")]
    return Document(
        doc_id=str(meta["doc_id"]),
        title=str(meta["title"]),
        lang=lang,
        edition=str(meta["edition"]),
        url=str(meta.get("url") or ""),
        kind=kind,
        digest=bool(meta["digest"]),
        official_text=str(meta["official_text"]),
        short_title=str(meta.get("short_title") or ""),
        translation=str(meta.get("translation") or ""),
        aliases=tuple(str(a) for a in aliases if str(a).strip()),
        path=source,
        provenance=provenance,
    )


def parse_corpus_text(text: str, source: str = "<text>") -> tuple[Document, list[Section]]:
    """Parse one corpus file; raises CorpusError with file and line on malformed input."""
    meta, body, first_line = split_front_matter(text, source)
    document = _document_from_meta(meta, source)
    sections: list[Section] = []
    stack: list[tuple[int, str, str]] = []  # (level, id, heading) of open ancestors
    current: dict[str, Any] | None = None
    seen: set[str] = set()

    def close() -> None:
        if current is None:
            return
        body_text = "\n".join(current.pop("lines")).strip()
        current.pop("in_notes")
        sections.append(Section(text=body_text, document=document, **current))

    for offset, raw in enumerate(body.splitlines()):
        line_no = first_line + offset
        line = raw.rstrip()
        if has_control_chars(line.replace("\t", " ")):
            raise CorpusError(
                f"{source}:{line_no}: control characters (NUL, ESC, ...) in the text: remove them"
            )
        match = _HEADING_RE.match(line)
        if match:
            close()
            hashes, heading, section_id, attr_text = match.groups()
            attrs = dict(_ATTR_RE.findall(attr_text))
            if not SECTION_ID_RE.match(section_id):
                raise CorpusError(f"{source}:{line_no}: malformed section id {section_id!r}")
            if not section_id.startswith(document.doc_id + "/"):
                raise CorpusError(
                    f"{source}:{line_no}: section id {section_id!r} does not start with "
                    f"the document id {document.doc_id!r}"
                )
            if section_id in seen:
                raise CorpusError(f"{source}:{line_no}: duplicate section id {section_id!r}")
            seen.add(section_id)
            level = len(hashes)
            while stack and stack[-1][0] >= level:
                stack.pop()
            page = attrs.get("page")
            current = {
                "id": section_id,
                "lang": document.lang,
                "heading": heading.strip(),
                "number": attrs.get("no", "").strip(),
                "level": level,
                "parent_id": stack[-1][1] if stack else None,
                "heading_path": tuple(h for _, _, h in stack),
                "order": len(sections),
                "page": int(page) if page and page.isdecimal() else None,  # "²".isdigit() too
                "aliases": (),
                "lines": [],
                "notes": (),
                "see": (),
                "summarises": (),
                "sources": (),
                "in_notes": False,
            }
            stack.append((level, section_id, heading.strip()))
            continue
        if current is None:
            if line.strip():
                if _LOOSE_HEADING_RE.match(line):
                    raise CorpusError(_heading_problem(source, line_no, line))
                raise CorpusError(f"{source}:{line_no}: text before the first section heading")
            continue
        alias_match = _ALIASES_RE.match(line.strip())
        if alias_match and not any(x.strip() for x in current["lines"]):
            current["aliases"] = tuple(
                a.strip() for a in alias_match.group(1).split(";") if a.strip()
            )
            continue
        links = _LINKS_RE.match(line.strip())
        if links:
            ids = tuple(i.strip() for i in links.group(2).split(";") if i.strip())
            bad = [i for i in ids if not SECTION_ID_RE.match(i)]
            if bad:
                raise CorpusError(f"{source}:{line_no}: malformed section id {bad[0]!r}")
            current["see" if links.group(1) == "see" else "summarises"] += ids
            continue
        if line.strip() == _NOTES_START:
            current["in_notes"] = True
            continue
        if current["in_notes"]:
            if line.startswith(">"):
                note = line[1:].strip()
                note = note[2:].strip() if note.startswith("- ") else note
                if note:
                    current["notes"] += (note,)
                continue
            if line.strip():
                raise CorpusError(
                    f"{source}:{line_no}: text after the digest notes of section "
                    f"{current['id']!r} (notes come last; every note line starts with '> ')"
                )
            continue
        if _LOOSE_HEADING_RE.match(line):
            raise CorpusError(_heading_problem(source, line_no, line))
        tag = _SOURCE_TAG_RE.search(line)
        if tag:
            if tag.group(1) not in PROVENANCES:
                raise CorpusError(
                    f"{source}:{line_no}: unknown source {{src={tag.group(1)}}}: use one of "
                    f"{', '.join(PROVENANCES)}"
                )
            line = line[: tag.start()].rstrip()
            if tag.group(1) != document.provenance:
                text_only = line.lstrip("- ").strip()
                current["sources"] += ((text_only, tag.group(1)),)
        current["lines"].append(line)
    close()
    if not sections:
        raise CorpusError(f"{source}: no sections (headings like '## Heading {{#doc/key}}')")
    return document, sections


def _heading_problem(source: str, line_no: int, line: str) -> str:
    if "{#" in line:
        return f"{source}:{line_no}: malformed section id or attributes in {line.strip()!r}"
    return f"{source}:{line_no}: heading without a section id {{#doc/key}}"


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Digest files first, then official ones, so official sections override digest ones."""
    digest = sorted(p for p in corpus_dir.glob("*.md") if p.name.upper() != p.name and _is_doc(p))
    official = (
        sorted((corpus_dir / "official").glob("*.md")) if (corpus_dir / "official").is_dir() else []
    )
    return digest + official


def _is_doc(path: Path) -> bool:
    # FORMAT.md / README.md document the folder; corpus files are named <doc-id>.<lang>.md.
    return path.name.count(".") >= 2


def load_corpus(corpus_dir: Path, strict: bool = False) -> Corpus:
    """Load every corpus file. Broken files are reported in ``problems`` (or raised when strict).

    Official files override digest sections with the same id and language; of several official
    editions of one document and language, only the newest is used.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    parsed: list[tuple[Document, list[Section]]] = []
    problems: list[str] = []
    for path in corpus_files(corpus_dir):
        try:
            parsed.append(
                parse_corpus_text(path.read_text("utf-8"), str(path.relative_to(corpus_dir)))
            )
        except (CorpusError, UnicodeDecodeError, OSError) as exc:
            message = (
                str(exc) if isinstance(exc, CorpusError) else f"{path.name}: unreadable ({exc})"
            )
            if strict:
                raise CorpusError(message) from None
            problems.append(message)
    newest: dict[tuple[str, str], str] = {}
    for document, _ in parsed:
        if not document.digest:
            key = (document.doc_id, document.lang)
            newest[key] = max(newest.get(key, ""), document.edition)
    used = [
        (d, sections)
        for d, sections in parsed
        if d.digest or newest[(d.doc_id, d.lang)] == d.edition
    ]
    chosen: dict[tuple[str, str], Section] = {}
    for document, sections in sorted(used, key=lambda item: not item[0].digest):
        for section in sections:
            existing = chosen.get(section.key)
            if existing is not None and existing.document.digest and not document.digest:
                section = replace(section, supersedes_digest=True)
            chosen[section.key] = section
    ordered = sorted(chosen.values(), key=lambda s: (s.doc_id, s.lang, s.document.digest, s.order))
    return Corpus(documents=[d for d, _ in used], sections=ordered, problems=problems)


# Notes about the digest itself belong in a `> [!digest]` block, never in the answerable text.
_META_RE = re.compile(
    r"\bthis digest\b|\bthe digest\b|\bnot (?:yet )?(?:been )?confirmed by the pcpd\b|"
    r"\bnot confirmed\b|\bcould not be (?:verified|confirmed)\b|\b(?:heading|title|number) is inferred\b|"
    r"\bnot covered (?:here|in this)\b|\bwas not available\b|"
    r"本摘要|此摘要|未獲(?:公署)?(?:證實|確認)|未經(?:公署)?(?:證實|確認)|未能(?:核實|證實|確認)|(?:標題|編號)為推斷",
    re.IGNORECASE,
)
# A sentence whose subject is only in the sentence before it cannot be quoted on its own.
_DANGLING_RE = re.compile(
    r"^(?:the same|this|these|that|those|it|they|such|its|their|both of them|the latter|the former)\b"
    r"|^(?:該|同一|此|這|佢|上述|以上|前者|後者)",
    re.IGNORECASE,
)
_RAW_ID_RE = re.compile(
    r"(?<![\w/.:-])[a-z0-9][a-z0-9-]*-\d{4}/[a-z0-9][a-z0-9.\-]*|pdpo-dpps/[a-z0-9.\-]+"
)
_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_SENTENCE_END = (".", "!", "?", "。", "！", "？", "」", "』", "”", '"', ")", "）", "…")


def sentence_problems(line: str) -> list[str]:
    """What stops one answerable line from being quoted on its own (empty if nothing does)."""
    text = line.strip()
    if text.startswith("- "):
        text = text[2:].strip()
    if not text:
        return []
    problems = []
    if _META_RE.search(text):
        problems.append("a note about the digest outside its `> [!digest]` block")
    if _DANGLING_RE.match(text):
        problems.append("starts with a reference to the sentence before it")
    if _RAW_ID_RE.search(_URL_RE.sub("", text)):
        problems.append("a section id in the prose (use `<!-- see: ... -->`)")
    if not text.endswith(_SENTENCE_END):
        problems.append("not a full sentence (no closing punctuation)")
    return problems


def check_corpus(corpus_dir: Path, require_canonical: bool = True) -> list[str]:
    """Every problem that would make the corpus unreliable, as human-readable lines."""
    problems: list[str] = []
    try:
        corpus = load_corpus(corpus_dir)
    except CorpusError as exc:
        return [str(exc)]
    problems.extend(corpus.problems)
    digest_docs = [d for d in corpus.documents if d.digest]
    counts = Counter((d.doc_id, d.lang) for d in digest_docs)
    for (doc_id, lang), n in counts.items():
        if n > 1:
            problems.append(f"{doc_id}: {n} digest files in {lang}")
    for document in digest_docs:
        try:
            meta, _, _ = split_front_matter(
                (corpus_dir / document.path).read_text("utf-8"), document.path
            )
        except (CorpusError, OSError):
            continue  # already reported by the loader
        if "provenance" not in meta:
            problems.append(
                f"{document.path}: front matter lacks provenance ({', '.join(PROVENANCES)})"
            )
    known = set(corpus.section_ids())
    for section in corpus.sections:
        if not section.text.strip():
            problems.append(f"{section.document.path}: section {section.id} is empty")
        if section.document.digest:
            for line in section.text.splitlines():
                for problem in sentence_problems(line):
                    problems.append(
                        f"{section.document.path}: section {section.id}: {problem}: "
                        f"{line.strip()[:80]!r}"
                    )
        for target in (*section.see, *section.summarises):
            if target not in known:
                problems.append(
                    f"{section.document.path}: section {section.id} links to {target}, "
                    "which is not in the corpus"
                )
        if corpus.twin(section) is None:
            other = "Chinese (zh-Hant)" if section.lang == "en" else "English"
            problems.append(f"{section.document.path}: section {section.id} has no {other} twin")
    if require_canonical:
        present = set(corpus.section_ids())
        for section_id in canonical_section_ids():
            if section_id not in present:
                problems.append(
                    f"section {section_id} of the fact sheet is missing from the corpus"
                )
    return problems
