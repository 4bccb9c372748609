"""Draft an internal policy on employees' use of Gen AI from the PCPD's 2025 Checklist.

Deterministic: clause wording lives in ``data/policy_clauses.yaml`` (English and Traditional
Chinese), the Checklist items in ``data/policy_items.yaml``. Every clause cites the Checklist section
it implements (and the Framework or DPP it relies on); the citations are resolved against the same
sections the chat answers from, so the UI can open them like chat citations.

Entry points: ``draft_policy(request, sections_lookup)`` for a whole policy,
``draft_clause(free_text, sections_lookup)`` for one clause asked for in words, and
``polish_draft(draft, rewrite)`` for an optional rewrite that is verified before it is kept.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assistant.corpus import Corpus, Section, load_corpus
from assistant.text import (
    HAN,
    detect_lang,
    fold_width,
    has_control_chars,
    split_sentences,
    strip_markdown,
)
from assistant.tokenize import normalise

LANGS = ("en", "zh-Hant")
ADDRESSED, DEFAULT, MISSING, ABSENT = "addressed", "default", "missing", "absent"
MAX_FIELD_CHARS = 500
MAX_REQUEST_CHARS = 4000
MAX_ITEMS_PER_FIELD = 50

SectionsLookup = Callable[[str, str], Section | None]

_SPLIT_RE = re.compile(r"[\n;,、，；]+")
_CJK = f"{HAN}\u3000-\u303f\uff00-\uffef"
# YAML folds line breaks into spaces; between Chinese characters those spaces are not wanted.
_CJK_SPACE_RE = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
_PLACEHOLDER_RE = re.compile(r"\[to be specified[^\]]*\]|［待填寫[^］]*］")
_INDEFINITE_RE = re.compile(r"indefinite|forever|permanent|no limit|unlimited|無限期|永久|不限")
_SECTION_REF_RE = re.compile(r"\b[a-z0-9-]+-\d{4}/[a-z0-9.\-]+|pdpo-dpps/\w+")
# Characters that only occur in Simplified Chinese; a polished Chinese clause must not contain them.
SIMPLIFIED_ONLY = frozenset(
    "们这说时为国会对发关开长门问见么从实动应现进过还经认让给话边头语读请习样车东马书视听业专"
    "义产亲价护务员录项规则该仅处删储条权隐资讯设备码证险责须训检讨错误违纪结构机个标签图频"
    "内线网络电脑钥帐类别决况与将"
)
PERSONAL_CATEGORIES = frozenset(
    {"personal_data", "customer_data", "employee_data", "hkid", "health", "financial"}
)


class DraftError(ValueError):
    """A drafting request that cannot be served as given; the message is one line for people."""


# ---------------------------------------------------------------- data files


def _load_yaml(name: str) -> dict[str, Any]:
    text = resources.files("assistant").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)


def _tidy_chinese(value: Any) -> Any:
    if isinstance(value, str):
        return _CJK_SPACE_RE.sub("", value)
    if isinstance(value, list):
        return [_tidy_chinese(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy_chinese(v) for k, v in value.items()}
    return value


@cache
def _items_data() -> dict[str, Any]:
    return _load_yaml("policy_items.yaml")


@cache
def _wording(lang: str) -> dict[str, Any]:
    data = _load_yaml("policy_clauses.yaml")[lang]
    return _tidy_chinese(data) if lang == "zh-Hant" else data


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the Checklist that a policy should address (the coverage report's rows)."""

    key: str
    part: str
    labels: dict[str, str]
    cites: tuple[str, ...]
    keywords: tuple[str, ...]
    anchors: tuple[str, ...] = ()

    @property
    def section_id(self) -> str:
        return self.cites[0]

    def label(self, lang: str) -> str:
        return self.labels[lang]


@cache
def checklist_items() -> tuple[ChecklistItem, ...]:
    """Every Checklist item, in policy order (the single list used everywhere)."""
    data = _items_data()
    items = []
    for part in data["parts"]:
        for key in part["items"]:
            raw = data["items"][key]
            items.append(
                ChecklistItem(
                    key=key,
                    part=part["key"],
                    labels={lang: raw[lang] for lang in LANGS},
                    cites=tuple(raw["cites"]),
                    keywords=tuple(str(k) for k in raw["keywords"]),
                    anchors=tuple(str(a) for a in raw.get("anchors", ())),
                )
            )
    return tuple(items)


def _item(key: str) -> ChecklistItem:
    return next(i for i in checklist_items() if i.key == key)


def choices(lang: str = "en") -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for form widgets: permitted uses and types of information."""
    data = _items_data()
    return {
        "uses": [(k, v[lang]) for k, v in data["uses"].items()],
        "data_categories": [(k, v[lang]) for k, v in data["data_categories"].items()],
    }


# ---------------------------------------------------------------- matching helpers


@dataclass(frozen=True)
class _Pattern:
    value: str
    regex: re.Pattern[str]
    weight: float


@cache
def _pattern(keyword: str, value: str = "") -> _Pattern:
    folded = normalise(keyword)
    if re.search(f"[{HAN}]", folded):
        regex = re.compile(re.escape(folded))
        weight = 2.0 * len(folded)
    else:
        # Latin keywords match at a word start; short ones ("hr", "mfa") only as whole words.
        end = r"(?![a-z0-9])" if len(folded) <= 3 else ""
        regex = re.compile(r"(?<![a-z0-9])" + re.escape(folded) + end)
        weight = float(len(folded))
    return _Pattern(value or keyword, regex, weight)


@cache
def _vocabulary(name: str) -> tuple[tuple[str, tuple[_Pattern, ...]], ...]:
    """(key, patterns) for a vocabulary in policy_items.yaml: its synonyms, key and labels."""
    entries = []
    for key, raw in _items_data()[name].items():
        # Role keys such as "it" are ordinary words, so only their synonyms and labels count.
        key_words = [] if name == "roles" else [key.replace("_", " ")]
        words = [*raw.get("synonyms", []), *key_words, raw["en"], raw["zh-Hant"]]
        entries.append((key, tuple(_pattern(w, key) for w in words)))
    return tuple(entries)


def _find(text: str, vocabulary: str) -> list[tuple[str, tuple[int, int]]]:
    """Every vocabulary key mentioned in the text, with the span of its first mention."""
    folded = normalise(text)
    found = []
    for key, patterns in _vocabulary(vocabulary):
        spans = [m.span() for p in patterns for m in p.regex.finditer(folded)]
        if spans:
            found.append((key, min(spans)))
    return found


def _classify(value: str, vocabulary: str) -> str | None:
    """The vocabulary key a user's value names (first listed match wins), or None."""
    folded = normalise(value).strip()
    for key, patterns in _vocabulary(vocabulary):
        if folded == key or any(p.regex.search(folded) for p in patterns):
            return key
    return None


def _is_label_or_key(value: str, vocabulary: str) -> str | None:
    """The key when the value is exactly a key or a label (form checkboxes, either language)."""
    folded = normalise(value).strip()
    for key, raw in _items_data()[vocabulary].items():
        if folded in {key, normalise(raw["en"]), normalise(raw["zh-Hant"])}:
            return key
    return None


# ---------------------------------------------------------------- request


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    raw = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for entry in raw:
        for part in _SPLIT_RE.split(str(entry)):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


_LIST_FIELDS = (
    "public_tools",
    "internal_tools",
    "uses",
    "applies_to",
    "allowed_input",
    "prohibited_input",
    "output_use",
    "devices",
    "users",
    "security_settings",
    "related_policies",
)
# Compared after normalise(), so full-width colons and either Chinese script match.
_INTERNAL_PREFIXES = tuple(normalise(p) for p in ("internal:", "in-house:", "inhouse:", "內部:"))
_PUBLIC_PREFIXES = tuple(normalise(p) for p in ("public:", "公開:", "公眾:"))


@dataclass
class DraftRequest:
    """What the organisation decided; every field but ``org`` may be left empty.

    List fields accept a list or one string with values separated by commas, semicolons, 、 or new
    lines. A tool in ``public_tools`` written as ``internal:NAME`` is moved to ``internal_tools``.
    Values of ``uses`` and the two input fields may be the keys or labels from ``choices()``.
    """

    org: str
    lang: str = "en"
    public_tools: list[str] = field(default_factory=list)
    internal_tools: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    applies_to: list[str] = field(default_factory=list)
    allowed_input: list[str] = field(default_factory=list)
    prohibited_input: list[str] = field(default_factory=list)
    # Only publicly available information may go into public tools; the rest only into in-house ones.
    input_internal_only: bool = False
    output_use: list[str] = field(default_factory=list)
    output_storage: str = ""
    anonymise: bool | None = None
    retention: str = ""
    devices: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    mfa: bool | None = None
    security_settings: list[str] = field(default_factory=list)
    incident_contact: str = ""
    violations: str = ""
    human_review: bool | None = None
    labelling: str = ""
    related_policies: list[str] = field(default_factory=list)
    support_contact: str = ""
    review_period: str = ""

    def __post_init__(self) -> None:
        for name in _LIST_FIELDS:
            setattr(self, name, _as_list(getattr(self, name)))
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.default == "":
                value = ""  # an empty form field may arrive as None
            if isinstance(value, str):
                setattr(self, f.name, " ".join(value.split()))
        public: list[str] = []
        for tool in self.public_tools:
            folded = normalise(tool)
            name = re.split("[:：]", tool, maxsplit=1)[-1].strip()
            if folded.startswith(_INTERNAL_PREFIXES):
                self.internal_tools.append(name)
            elif folded.startswith(_PUBLIC_PREFIXES):
                public.append(name)
            else:
                public.append(tool)
        self.public_tools = [t for t in public if t]
        self.internal_tools = list(dict.fromkeys(t for t in self.internal_tools if t))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DraftRequest:
        """Build from a mapping (form values, JSON); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DraftError(f"unknown drafting option(s): {', '.join(unknown)}")
        return cls(**data)

    def validate(self) -> None:
        if not self.org:
            raise DraftError("the organisation name is empty: give the organisation's name")
        if self.lang not in LANGS:
            raise DraftError(f"language must be one of {', '.join(LANGS)}, not {self.lang!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            values = value if isinstance(value, list) else [value]
            if len(values) > MAX_ITEMS_PER_FIELD:
                raise DraftError(
                    f"{f.name} has {len(values)} values; the limit is {MAX_ITEMS_PER_FIELD}"
                )
            for v in values:
                if isinstance(v, str) and len(v) > MAX_FIELD_CHARS:
                    raise DraftError(
                        f"{f.name} is longer than {MAX_FIELD_CHARS} characters: shorten it"
                    )
                if isinstance(v, str) and has_control_chars(v):
                    raise DraftError(f"{f.name} contains control characters: remove them")


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
            quote=_quote(s, anchors),
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
        return str(_wording(self.lang)["coverage_summary"]).format(**self.coverage_summary())

    def to_markdown(self, annotations: bool = True) -> str:
        """The draft as Markdown; ``annotations`` adds citations, warnings and the coverage report."""
        w = _wording(self.lang)
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

    def to_docx(self, path: str | Path, annotations: bool = True) -> Path:
        """Write the draft as a Word document (python-docx) and return its path."""
        from docx import Document as new_document
        from docx.oxml.ns import qn
        from docx.shared import Pt, RGBColor

        w = _wording(self.lang)
        doc = new_document()
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
                paragraph.add_run(clause.text)
                if annotations:
                    cites = self._sep().join(
                        f"{c.label} ({c.section_id})" for c in clause.citations
                    )
                    run = doc.add_paragraph().add_run(f"{w['implements']}{self._colon()}{cites}")
                    run.italic = True
                    run.font.size = Pt(8)
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


# ---------------------------------------------------------------- sections


def _quote(section: Section, anchors: tuple[str, ...]) -> str:
    """The lines of the section about the cited aspect, else its first sentence."""
    lines = [strip_markdown(re.sub(r"^\s*-\s+", "", x)).strip() for x in section.text.splitlines()]
    lines = [x for x in lines if x]
    wanted = [normalise(a) for a in anchors]
    picked = [x for x in lines if any(a in normalise(x) for a in wanted)]
    if picked:
        return " ".join(picked) if section.lang == "en" else _CJK_SPACE_RE.sub("", "".join(picked))
    sentences = split_sentences(strip_markdown(section.text))
    return sentences[0] if sentences else ""


@cache
def _corpus_at(path: str) -> Corpus:
    return load_corpus(Path(path))


def resolve_lookup(source: Any = None) -> SectionsLookup:
    """A ``(section_id, lang) -> Section | None`` function from whatever the caller holds.

    Accepts such a function (e.g. ``HybridRetriever.section``), a ``Corpus``, an ``IndexSnapshot``
    (anything with a ``corpus``), or None for the corpus folder of ``Settings.from_env()``.
    Sections the source lacks are taken from the project's bundled ``corpus/`` when it is present.
    """
    from assistant.settings import Settings

    if source is None:
        source = _corpus_at(str(Settings.from_env().corpus_dir))
    corpus = getattr(source, "corpus", None)
    if isinstance(source, Corpus):
        primary: SectionsLookup = source.in_lang
    elif isinstance(corpus, Corpus):
        primary = corpus.in_lang
    elif callable(source):
        primary = source
    else:
        raise TypeError(f"cannot look sections up in {type(source).__name__}")
    bundled = Settings().corpus_dir

    def lookup(section_id: str, lang: str) -> Section | None:
        found = primary(section_id, lang)
        if found is None and bundled.is_dir():
            # A partial index (a test corpus, an index being rebuilt) still gets full citations.
            found = _corpus_at(str(bundled)).in_lang(section_id, lang)
        return found

    return lookup


def _lookup_section(lookup: SectionsLookup, section_id: str, lang: str) -> Section | None:
    other = "zh-Hant" if lang == "en" else "en"
    return lookup(section_id, lang) or lookup(section_id, other)


# ---------------------------------------------------------------- rendering


def _join(values: list[str], lang: str, conj: str = "and") -> str:
    if lang == "zh-Hant":
        word = {"and": "及", "or": "或"}[conj]
        sep = "；" if any("、" in v or "，" in v for v in values) else "、"
        return values[0] if len(values) == 1 else sep.join(values[:-1]) + word + values[-1]
    if len(values) == 1:
        return values[0]
    if any("," in v or " and " in v for v in values):
        return "; ".join(values[:-1]) + f"; {conj} " + values[-1]
    return ", ".join(values[:-1]) + f" {conj} " + values[-1]


@dataclass
class _Input:
    """An information type the user listed: their words (or our label) and its category."""

    text: str
    category: str | None


def _other_script(value: str, lang: str) -> bool:
    """True when a value is written in the other language's script from the draft's."""
    has_han = bool(re.search(f"[{HAN}]", value))
    return has_han if lang == "en" else not has_han


def _inputs(values: list[str], lang: str) -> list[_Input]:
    labels = _items_data()["data_categories"]
    out = []
    for value in values:
        key = _is_label_or_key(value, "data_categories")
        if key is None:
            key = _classify(value, "data_categories")
            # Keep the user's words unless they are in the other language from the draft.
            if key is None or not _other_script(value, lang):
                out.append(_Input(value, key))
                continue
        out.append(_Input(labels[key][lang], key))
    return out


def _uses(values: list[str], lang: str) -> list[str]:
    labels = _items_data()["uses"]
    out = []
    for value in values:
        key = _is_label_or_key(value, "uses") or (
            _classify(value, "uses") if len(value.split()) <= 2 else None
        )
        out.append(labels[key][lang] if key else value)
    return list(dict.fromkeys(out))


def _is_whole_organisation(values: list[str]) -> bool:
    whole = {normalise(v) for v in _items_data()["whole_organisation"]}
    return any(normalise(v) in whole for v in values)


class _Renderer:
    """Fills the clause templates for one request in one language."""

    def __init__(
        self,
        request: DraftRequest,
        lookup: SectionsLookup,
        numbers: dict[str, str],
        who: str | None = None,
    ) -> None:
        self.req = request
        self.lang = request.lang
        self.w = _wording(self.lang)
        self.lookup = lookup
        self.numbers = numbers
        self.used: list[str] = []
        org = request.org
        refs = self.w["refs"]

        def ref(name: str, item: str) -> str:
            if item in numbers:
                return refs[name].format(n=numbers[item], org=org)
            return refs[f"{name}_generic"].format(org=org)

        support = request.support_contact or ref("support", "support")
        tools = request.public_tools + request.internal_tools
        self.ctx = {
            "org": org,
            "who": who or self.w["who"],
            "tool_scope": (
                self.w["tool_scope_named"].format(tools=_join(tools, self.lang, "or"))
                if tools and who
                else self.w["tool_scope"]
            ),
            "support_ref": support,
            "training_ref": ref("training", "training"),
            "incident_ref": ref("incident", "incident"),
            "permitted_output_uses": ref("output_use", "output_use"),
        }
        allowed = _inputs(request.allowed_input, self.lang)
        prohibited = _inputs(request.prohibited_input, self.lang)
        banned = {p.category for p in prohibited if p.category} | {
            normalise(p.text) for p in prohibited
        }
        self.conflicts = [a for a in allowed if a.category in banned or normalise(a.text) in banned]
        self.allowed = [a for a in allowed if a not in self.conflicts]
        self.prohibited = prohibited

    # -- helpers

    def t(self, item: str, variant: str, **values: str) -> str:
        return str(self.w["clauses"][item][variant]).format(**{**self.ctx, **values})

    def v(self, value: str) -> str:
        self.used.append(value)
        return value

    def vs(self, values: list[str], conj: str = "and") -> str:
        return _join([self.v(x) for x in values], self.lang, conj)

    def ph(self, item: str) -> str:
        return str(self.w["placeholder"]).format(hint=self.w["clauses"][item]["hint"])

    def citation_list(self, item: ChecklistItem) -> list[ClauseCitation]:
        out = []
        for i, section_id in enumerate(item.cites):
            section = _lookup_section(self.lookup, section_id, self.lang)
            if section is None:
                if i == 0:
                    raise DraftError(
                        f"section {section_id} is not in the loaded guidance: rebuild the index "
                        "or check the corpus folder"
                    )
                continue  # a smaller corpus (tests, partial index) may lack a cross-reference
            out.append(ClauseCitation.from_section(section, item.anchors if i == 0 else ()))
        return out

    def clause(self, item: ChecklistItem, number: str) -> Clause:
        self.used = []
        text, status = getattr(self, f"_{item.key}")()
        if self.lang == "en":
            text = " ".join(text.split())
            text = text[:1].upper() + text[1:]  # a value such as "the IT Service Desk" may lead
        placeholders = _PLACEHOLDER_RE.findall(text)
        refs = [
            n
            for n in self.numbers.values()
            if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", text)
        ]
        given: list[str] = []
        for f in fields(self.req):
            value = getattr(self.req, f.name)
            if isinstance(value, list):
                given += value
            elif isinstance(value, str) and f.name != "lang":
                given.append(value)
        # Whatever the organisation typed must survive a rewrite, wherever it appears.
        required = [
            x for x in [self.req.org, *self.used, *given, *refs] if x and x.lower() in text.lower()
        ]
        return Clause(
            number=number,
            item=item.key,
            heading=item.label(self.lang),
            text=text,
            status=status,
            citations=self.citation_list(item),
            placeholders=placeholders,
            required=list(dict.fromkeys(required + placeholders)),
        )

    def _sentences(self, *parts: str) -> str:
        glue = "" if self.lang == "zh-Hant" else " "
        return glue.join(p for p in parts if p)

    # -- one method per Checklist item: returns (text, status)

    def _tools(self) -> tuple[str, str]:
        w, r = self.w, self.req
        names = [w["tool_public"].format(name=self.v(n)) for n in r.public_tools]
        names += [w["tool_internal"].format(name=self.v(n)) for n in r.internal_tools]
        if not names:
            return self._sentences(
                self.t("tools", "lead", tools=self.ph("tools")), self.t("tools", "closing")
            ), MISSING
        return self._sentences(
            self.t("tools", "lead", tools=_join(names, self.lang)),
            self.t("tools", "public") if r.public_tools else "",
            self.t("tools", "closing"),
        ), ADDRESSED

    def _purposes(self) -> tuple[str, str]:
        uses = _uses(self.req.uses, self.lang)
        value = self.vs(uses) if uses else self.ph("purposes")
        return self._sentences(
            self.t("purposes", "lead", uses=value), self.t("purposes", "closing")
        ), ADDRESSED if uses else MISSING

    def _applicability(self) -> tuple[str, str]:
        values = self.req.applies_to
        if values and _is_whole_organisation(values) and len(values) == 1:
            return str(self.w["whole_organisation"]).format(org=self.req.org), ADDRESSED
        value = self.vs(values) if values else self.ph("applicability")
        return self.t("applicability", "lead", applies=value), ADDRESSED if values else MISSING

    def _permitted_input(self) -> tuple[str, str]:
        if not self.allowed:
            return self.t("permitted_input", "lead", allowed=self.ph("permitted_input")), MISSING
        text = [self.t("permitted_input", "lead", allowed=self.vs([a.text for a in self.allowed]))]
        if self.req.input_internal_only and any(_risk(a.category) != "low" for a in self.allowed):
            internal = (
                self.t("permitted_input", "internal_named", names=self.vs(self.req.internal_tools))
                if self.req.internal_tools
                else self.t("permitted_input", "internal_unnamed")
            )
            text.append(self.t("permitted_input", "internal_only", internal_tools=internal))
        if any(a.category in PERSONAL_CATEGORIES for a in self.allowed):
            text.append(self.t("permitted_input", "personal"))
        return self._sentences(*text), ADDRESSED

    def _prohibited_input(self) -> tuple[str, str]:
        if self.prohibited:
            value, status = self.vs([p.text for p in self.prohibited]), ADDRESSED
        else:
            value, status = self.ph("prohibited_input"), MISSING
        if self.ctx["tool_scope"] != self.w["tool_scope"]:
            self.used += self.req.public_tools + self.req.internal_tools
        return self._sentences(
            self.t("prohibited_input", "lead", prohibited=value),
            self.t("prohibited_input", "unsure"),
        ), status

    def _output_use(self) -> tuple[str, str]:
        uses = self.req.output_use
        value = self.vs(uses) if uses else self.ph("output_use")
        return self._sentences(
            self.t("output_use", "lead", output_use=value), self.t("output_use", "personal")
        ), ADDRESSED if uses else MISSING

    def _anonymise(self) -> tuple[str, str]:
        if self.req.anonymise is None:
            return self.t("anonymise", "missing", ph=self.ph("anonymise")), MISSING
        return self.t("anonymise", "yes" if self.req.anonymise else "no"), ADDRESSED

    def _storage(self) -> tuple[str, str]:
        r = self.req
        storage = self.v(r.output_storage) if r.output_storage else self.w["defaults"]["storage"]
        retention = self.v(r.retention) if r.retention else self.ph("storage")
        return self._sentences(
            self.t("storage", "lead", storage=storage.format(org=r.org)),
            self.t("storage", "retention", retention=retention),
        ), ADDRESSED if r.retention else MISSING

    def _other_policies(self) -> tuple[str, str]:
        given = self.req.related_policies
        value = self.vs(given) if given else self.w["defaults"]["policies"].format(org=self.req.org)
        return self.t("other_policies", "lead", policies=value), ADDRESSED if given else DEFAULT

    def _unlawful(self) -> tuple[str, str]:
        return self.t("unlawful", "lead"), DEFAULT

    def _accuracy(self) -> tuple[str, str]:
        review = self.req.human_review
        text = self.t("accuracy", "no" if review is False else "yes")
        return text, DEFAULT if review is None else ADDRESSED

    def _bias(self) -> tuple[str, str]:
        return self.t("bias", "lead"), DEFAULT

    def _labelling(self) -> tuple[str, str]:
        if self.req.labelling:
            return self.t("labelling", "given", labelling=self.v(self.req.labelling)), ADDRESSED
        return self.t("labelling", "default"), DEFAULT

    def _devices(self) -> tuple[str, str]:
        given = self.req.devices
        value = self.vs(given) if given else self.ph("devices")
        return self.t("devices", "lead", devices=value), ADDRESSED if given else MISSING

    def _users(self) -> tuple[str, str]:
        given = self.req.users
        value = self.vs(given) if given else self.ph("users")
        return self.t("users", "lead", users=value), ADDRESSED if given else MISSING

    def _credentials(self) -> tuple[str, str]:
        mfa = self.req.mfa
        text = self.t("credentials", "no_mfa" if mfa is False else "mfa")
        return text, DEFAULT if mfa is None else ADDRESSED

    def _security_settings(self) -> tuple[str, str]:
        given = self.req.security_settings
        value = self.vs(given) if given else _join(self.w["defaults"]["settings"], self.lang)
        return self.t("security_settings", "lead", settings=value), ADDRESSED if given else DEFAULT

    def _incident(self) -> tuple[str, str]:
        contact = self.req.incident_contact
        value = self.v(contact) if contact else self.ph("incident")
        return self.t("incident", "lead", contact=value), ADDRESSED if contact else MISSING

    def _consequences(self) -> tuple[str, str]:
        given = self.req.violations
        value = self.v(given) if given else self.ph("consequences")
        return self._sentences(
            self.t("consequences", "lead", violations=value), self.t("consequences", "personal")
        ), ADDRESSED if given else MISSING

    def _communication(self) -> tuple[str, str]:
        return self.t("communication", "lead"), DEFAULT

    def _training(self) -> tuple[str, str]:
        return self.t("training", "lead"), DEFAULT

    def _support(self) -> tuple[str, str]:
        contact = self.req.support_contact
        value = self.v(contact) if contact else self.ph("support")
        return self.t("support", "lead", support_contact=value), ADDRESSED if contact else MISSING

    def _feedback(self) -> tuple[str, str]:
        return self.t("feedback", "lead"), DEFAULT

    def _review(self) -> tuple[str, str]:
        period = self.req.review_period
        value = self.v(period) if period else self.w["defaults"]["review_period"]
        return self.t("review", "lead", review_period=value), ADDRESSED if period else DEFAULT


def _risk(category: str | None) -> str:
    if category is None:
        return "unknown"
    return str(_items_data()["data_categories"][category]["risk"])


# ---------------------------------------------------------------- warnings


def _warnings(renderer: _Renderer) -> list[DraftWarning]:
    req, lang, lookup = renderer.req, renderer.lang, renderer.lookup
    texts = _wording(lang)["warnings"]
    out: list[DraftWarning] = []

    def warn(
        code: str, severity: str, items: tuple[str, ...], cites: tuple[str, ...], **kw: str
    ) -> None:
        citations = tuple(
            ClauseCitation.from_section(s)
            for s in (_lookup_section(lookup, c, lang) for c in cites)
            if s is not None
        )
        message = (
            " ".join(str(texts[code]).format(**kw).split())
            if lang == "en"
            else str(texts[code]).format(**kw)
        )
        out.append(DraftWarning(code, severity, message, items, citations))

    allowed = renderer.allowed
    sensitive = [a for a in allowed if _risk(a.category) in ("high", "personal", "confidential")]
    high = [a for a in allowed if _risk(a.category) == "high"]
    if sensitive and req.public_tools and not req.input_internal_only:
        warn(
            "sensitive_public",
            "high",
            ("permitted_input", "tools"),
            ("checklist-2025/2", "pdpo-dpps/dpp4"),
            categories=_join([a.text for a in sensitive], lang),
            tools=_join(req.public_tools, lang),
        )
    elif high:
        warn(
            "high_risk",
            "medium",
            ("permitted_input",),
            ("checklist-2025/2", "pdpo-dpps/dpp4"),
            categories=_join([a.text for a in high], lang),
        )
    if any(a.category == "customer_data" for a in allowed):
        warn(
            "customer_purpose",
            "medium",
            ("permitted_input",),
            ("pdpo-dpps/dpp3", "checklist-2025/2"),
        )
    if renderer.conflicts:
        warn(
            "input_conflict",
            "medium",
            ("permitted_input", "prohibited_input"),
            ("checklist-2025/2",),
            categories=_join([a.text for a in renderer.conflicts], lang),
        )
    if req.anonymise is False and any(a.category in PERSONAL_CATEGORIES for a in allowed):
        warn("no_anonymise", "medium", ("anonymise",), ("checklist-2025/2",))
    if not req.retention:
        warn("no_retention", "medium", ("storage",), ("checklist-2025/2", "pdpo-dpps/dpp2"))
    elif _INDEFINITE_RE.search(req.retention.lower()):
        warn(
            "indefinite_retention",
            "high",
            ("storage",),
            ("checklist-2025/2", "pdpo-dpps/dpp2"),
            retention=req.retention,
        )
    if req.mfa is False:
        warn("no_mfa", "high", ("credentials",), ("checklist-2025/4",))
    if not req.incident_contact:
        warn(
            "no_incident_contact",
            "medium",
            ("incident",),
            ("checklist-2025/4", "framework-2024/3.3"),
        )
    if req.human_review is False:
        warn("no_human_review", "high", ("accuracy",), ("checklist-2025/3", "framework-2024/2.2"))
    return sorted(out, key=lambda x: x.severity != "high")


# ---------------------------------------------------------------- drafting


def _numbering(
    keys: Iterable[str] | None = None,
) -> tuple[list[tuple[dict[str, Any], list[ChecklistItem]]], dict[str, str]]:
    """Parts with their items (optionally only some items) and each item's clause number."""
    wanted = None if keys is None else set(keys)
    parts, numbers = [], {}
    for part in _items_data()["parts"]:
        items = [i for i in checklist_items() if i.part == part["key"]]
        if wanted is not None:
            items = [i for i in items if i.key in wanted]
        if not items:
            continue
        parts.append((part, items))
        for j, item in enumerate(items, start=1):
            numbers[item.key] = f"{len(parts)}.{j}"
    return parts, numbers


def _assemble(
    request: DraftRequest,
    lookup: SectionsLookup,
    mode: str,
    keys: list[str] | None = None,
    who: str | None = None,
    route: Route | None = None,
) -> PolicyDraft:
    parts_spec, numbers = _numbering(keys)
    # A single clause has no clause 6.3 to point to: cross-references become plain descriptions.
    renderer = _Renderer(request, lookup, numbers if mode == "policy" else {}, who)
    w = _wording(request.lang)
    parts: list[PolicyPart] = []
    for part, items in parts_spec:
        number = str(len(parts) + 1)
        clauses = [renderer.clause(item, numbers[item.key]) for item in items]
        parts.append(PolicyPart(number, part["key"], part[request.lang], part["section"], clauses))
    by_item = {c.item: c for c in (c for p in parts for c in p.clauses)}
    coverage = []
    for item in checklist_items():
        clause = by_item.get(item.key)
        if clause is None and mode == "clause":
            continue
        coverage.append(
            CoverageEntry(
                item=item.key,
                label=item.label(request.lang),
                section_id=item.section_id,
                status=clause.status if clause else ABSENT,
                clause=clause.number if clause else "",
            )
        )
    warnings = _warnings(renderer)
    if keys is not None:
        warnings = [x for x in warnings if set(x.items) & set(keys)]
    if mode == "policy":
        title = str(w["title"]).format(org=request.org)
        preamble = " ".join(str(w["preamble"]).format(org=request.org).split())
    else:
        title = str(w["clause_title"]).format(
            label=_item(keys[0]).label(request.lang) if keys else ""
        )
        preamble = ""
    note = str(w["note"]) if request.lang == "zh-Hant" else " ".join(str(w["note"]).split())
    return PolicyDraft(
        mode=mode,
        lang=request.lang,
        org=request.org,
        title=title,
        preamble=preamble,
        note=note,
        parts=parts,
        coverage=coverage,
        warnings=warnings,
        request=request,
        route=route,
    )


def draft_policy(request: DraftRequest, sections_lookup: Any = None) -> PolicyDraft:
    """A whole policy: numbered clauses for every Checklist area, coverage report and warnings.

    ``sections_lookup`` resolves citations: see ``resolve_lookup`` for what it may be.
    """
    request.validate()
    return _assemble(request, resolve_lookup(sections_lookup), "policy")


# ---------------------------------------------------------------- free-text requests


def _negated(text: str) -> bool:
    folded = normalise(text)
    for form in _items_data()["question_forms"]:
        folded = folded.replace(normalise(form), " ")
    return any(_pattern(word).regex.search(folded) for word in _items_data()["negations"])


def _without_request_verb(folded: str) -> str:
    data = _items_data()
    if not any(_pattern(w).regex.search(folded) for w in data["clause_words"]):
        return folded
    found = [m for m in (_pattern(v).regex.search(folded) for v in data["request_verbs"]) if m]
    if not found:
        return folded
    first = min(found, key=lambda m: m.start())
    return folded[: first.start()] + " " + folded[first.end() :]


def route_request(text: str, retriever: Any = None, lang: str | None = None) -> Route:
    """The Checklist item a free-text request is about: keywords first, then the retriever."""
    folded = _without_request_verb(normalise(fold_width(text)))
    best: tuple[float, int, ChecklistItem, list[str]] | None = None
    for order, item in enumerate(checklist_items()):
        hits = [p for p in (_pattern(k) for k in item.keywords) if p.regex.search(folded)]
        score = sum(p.weight for p in hits)
        if score and (best is None or score > best[0]):
            best = (score, order, item, [p.value for p in hits])
    if best is None and _find(text, "data_categories"):
        best = (1.0, 0, _item("permitted_input"), [])
    if best is not None:
        item, matched = best[2], best[3]
        negated = False
        if item.key in ("permitted_input", "prohibited_input"):
            negated = item.key == "prohibited_input" or _negated(text)
            item = _item("prohibited_input" if negated else "permitted_input")
        return Route(item.key, item.section_id, "keywords", tuple(matched), negated)
    if retriever is not None:
        result = retriever.search(text, lang=lang)
        first_items: dict[str, str] = {}
        for item in checklist_items():
            first_items.setdefault(item.section_id, item.key)
        # Only a top hit with lexical evidence: dense scores alone rank even nonsense somewhere.
        for hit in result.hits[:3]:
            if hit.section_id in first_items and (getattr(hit, "bm25_score", None) or 0) > 0:
                key = first_items[hit.section_id]
                return Route(key, hit.section_id, "retriever")
    raise DraftError(
        "could not tell which part of the Checklist the request is about: mention a topic such as "
        "tools, personal data, output, watermarks, devices, passwords, incidents or violations"
    )


def _request_from_text(
    text: str, route: Route, base: DraftRequest
) -> tuple[DraftRequest, str | None]:
    """Fill what the free text names (tools, department, information types) into the request."""
    data = _items_data()
    req = copy.deepcopy(base)
    folded = normalise(text)
    tools = [t for t in data["public_tools"] if _pattern(t).regex.search(folded)]
    req.public_tools = list(dict.fromkeys(req.public_tools + tools))
    roles = _find(text, "roles")
    role_spans = [span for _, span in roles]
    categories = [
        key
        for key, (start, end) in sorted(_find(text, "data_categories"), key=lambda kv: kv[1])
        if not any(s <= start and end <= e for s, e in role_spans)
    ]
    labels = [data["data_categories"][k][req.lang] for k in categories]
    if route.item == "prohibited_input":
        req.prohibited_input = list(dict.fromkeys(req.prohibited_input + labels))
    elif route.item == "permitted_input":
        req.allowed_input = list(dict.fromkeys(req.allowed_input + labels))
    who = None
    if roles:
        role = data["roles"][roles[0][0]][req.lang]
        who = str(_wording(req.lang)["who_role"]).format(role=role)
        if route.item == "users" and not req.users:
            req.users = [role]
        if route.item == "applicability" and not req.applies_to:
            req.applies_to = [role]
    elif tools:
        who = _wording(req.lang)["who"]
    return req, who


def draft_clause(
    free_text: str,
    sections_lookup: Any = None,
    *,
    lang: str | None = None,
    base: DraftRequest | None = None,
    retriever: Any = None,
) -> PolicyDraft:
    """One clause asked for in words (English, Chinese or Cantonese), routed to its Checklist item.

    ``lang`` defaults to the request's own language. ``base`` supplies the organisation's other
    answers (name, contacts...) when the form was also filled in; ``retriever`` (anything with
    ``search(text, lang=...)``) is consulted only when no keyword matches.
    """
    text = (free_text or "").strip()
    if not text:
        raise DraftError("the request is empty: describe the clause you want")
    if len(text) > MAX_REQUEST_CHARS:
        raise DraftError(f"the request is longer than {MAX_REQUEST_CHARS} characters: shorten it")
    if has_control_chars(text):
        raise DraftError("the request contains control characters: remove them")
    lang = lang or detect_lang(text)
    if lang not in LANGS:
        raise DraftError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    if base is None:
        base = DraftRequest(org="", lang=lang)
    base = copy.deepcopy(base)
    base.lang = lang
    base.org = base.org or str(_wording(lang)["default_org"])
    base.validate()
    route = route_request(text, retriever=retriever, lang=lang)
    request, who = _request_from_text(text, route, base)
    return _assemble(request, resolve_lookup(sections_lookup), "clause", [route.item], who, route)


# ---------------------------------------------------------------- optional polish


_PROHIBITION = {
    "en": re.compile(r"\b(?:not|never|no)\b", re.I),
    "zh-Hant": re.compile("不得|不可|不准|禁止|無須|並無|不"),
}


def verify_rewrite(clause: Clause, candidate: str, lang: str) -> list[str]:
    """Why a rewritten clause cannot replace the original (empty when it can)."""
    problems = []
    text = (candidate or "").strip()
    if not text:
        return ["empty rewrite"]
    if not 0.5 <= len(text) / max(len(clause.text), 1) <= 2.0:
        problems.append("length changed too much")
    folded = fold_width(text).lower()
    for element in clause.required:
        if fold_width(element).lower() not in folded:
            problems.append(f"lost required element {element!r}")
    if detect_lang(text, lang) != lang:
        problems.append("language changed")
    if lang == "zh-Hant" and SIMPLIFIED_ONLY & set(text):
        problems.append("contains Simplified Chinese characters")
    if _PROHIBITION[lang].search(clause.text) and not _PROHIBITION[lang].search(text):
        problems.append("dropped a prohibition")
    new_numbers = set(re.findall(r"\d+(?:\.\d+)?", text)) - set(
        re.findall(r"\d+(?:\.\d+)?", clause.text)
    )
    if new_numbers:
        problems.append(f"introduced numbers not in the draft: {', '.join(sorted(new_numbers))}")
    if set(_SECTION_REF_RE.findall(text)) - set(_SECTION_REF_RE.findall(clause.text)):
        problems.append("introduced section references")
    if "\n#" in "\n" + text:
        problems.append("added a heading")
    return problems


def polish_draft(draft: PolicyDraft, rewrite: Callable[[str, str], str]) -> PolicyDraft:
    """A copy of the draft with each clause rewritten by ``rewrite(text, lang)`` where verified.

    The rewriter only ever sees clause text, so citations cannot be lost; a rewrite that drops an
    input value, a placeholder or a prohibition, changes language or adds facts is discarded and the
    original clause is kept. ``polish_log`` records what happened to each clause.
    """
    polished = copy.deepcopy(draft)
    polished.polish_log = []
    for clause in polished.clauses():
        try:
            candidate = rewrite(clause.text, draft.lang)
        except Exception as exc:  # an unreachable LLM must not lose the deterministic draft
            polished.polish_log.append(
                {"clause": clause.number, "accepted": False, "problems": [f"rewrite failed: {exc}"]}
            )
            continue
        problems = verify_rewrite(clause, candidate, draft.lang)
        if not problems:
            clause.text = candidate.strip()
            clause.polished = True
        polished.polish_log.append(
            {"clause": clause.number, "accepted": not problems, "problems": problems}
        )
    return polished


# ---------------------------------------------------------------- index (optional)


class _LazyIndexRetriever:
    """Loads the search index only if keyword routing fails; without an index it finds nothing."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def search(self, text: str, lang: str | None = None) -> Any:
        from types import SimpleNamespace

        from assistant.pipeline import Assistant

        try:
            return Assistant(self.settings).retriever.search(text, lang=lang)
        except Exception:  # no index, a stale one or no Chroma server: routing then says so
            return SimpleNamespace(hits=[])


def index_retriever(settings: Any) -> Any:
    """A retriever for ``draft_clause`` that touches the index only when it is needed."""
    return _LazyIndexRetriever(settings)
