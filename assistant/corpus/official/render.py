"""A conversion result -> the text of a corpus file (front matter, headings, paragraphs)."""

from __future__ import annotations

import re

import yaml

from assistant.corpus.official.editions import KnownDoc
from assistant.corpus.official.results import IngestReport
from assistant.corpus.official.sections import CONTROL_RE


def render_document(report: IngestReport, doc: KnownDoc) -> str:
    lang = report.lang
    meta = {
        "doc_id": report.doc_id,
        "title": report.title,
        "short_title": doc.short_titles.get(lang) or "",
        "lang": lang,
        "edition": report.edition,
        "url": doc.url.get(lang) or "",
        "kind": doc.kind,
        "digest": False,
        "official_text": (
            f"This file is the official text, converted from {report.source.name} by "
            "`assistant corpus add`."
            if lang == "en"
            else f"本檔案是官方文本，由 `assistant corpus add` 從 {report.source.name} 轉換而成。"
        ),
        "aliases": list(doc.aliases.get(lang, ())),
    }
    parts = [
        "---",
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100000).strip(),
        "---",
        "",
    ]
    digest = doc.sections.get(lang, {})
    for s in report.sections:
        attrs = f' no="{_attr(s.number)}"' if s.number else ""
        attrs += f' page="{s.page}"' if s.page else ""
        parts.append(f"{'#' * s.level} {_heading_text(s.heading)} {{#{s.id}{attrs}}}")
        twin = digest.get(s.id)
        if twin is not None and twin.aliases:
            # The digest's aliases (ordinals, colloquial names) keep helping retrieval.
            parts.append(f"<!-- aliases: {'; '.join(twin.aliases)} -->")
        parts.append("")
        for paragraph in s.paragraphs:
            parts.extend([_body_line(paragraph), ""])
    return "\n".join(parts).rstrip() + "\n"


def _attr(text: str) -> str:
    return text.replace('"', "'")


def _heading_text(text: str) -> str:
    return CONTROL_RE.sub("", re.sub(r"[{}]", "", text)).strip() or "Section"


def _body_line(text: str) -> str:
    # A body line must not look like a heading or an aliases comment to the corpus parser.
    text = re.sub(r"^#+\s*", "", text)
    return text.replace("<!--", "< !--")
