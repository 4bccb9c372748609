"""Looking up the guidance sections that clauses cite, and quoting the cited lines."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from assistant.corpus.documents import Corpus, Section, load_corpus
from assistant.drafting.common import CJK_SPACE_RE
from assistant.settings import Settings
from assistant.text.script import split_sentences, strip_markdown
from assistant.text.tokenize import normalise

SectionsLookup = Callable[[str, str], Section | None]


# ---------------------------------------------------------------- sections


def section_quote(section: Section, anchors: tuple[str, ...]) -> str:
    """The lines of the section about the cited aspect, else its first sentence."""
    lines = [strip_markdown(re.sub(r"^\s*-\s+", "", x)).strip() for x in section.text.splitlines()]
    lines = [x for x in lines if x]
    wanted = [normalise(a) for a in anchors]
    picked = [x for x in lines if any(a in normalise(x) for a in wanted)]
    if picked:
        return " ".join(picked) if section.lang == "en" else CJK_SPACE_RE.sub("", "".join(picked))
    sentences = split_sentences(strip_markdown(section.text))
    return sentences[0] if sentences else ""


@cache
def _corpus_at(path: str) -> Corpus:
    return load_corpus(Path(path))


def resolve_lookup(source: Any = None) -> SectionsLookup:
    """A ``(section_id, lang) -> Section | None`` function from whatever the caller holds.

    Accepts such a function (e.g. ``HybridRetriever.section``), a ``Corpus``, an ``IndexSnapshot``
    (anything with a ``corpus``), or None for the project's bundled ``corpus/``; the caller passes
    what it holds (the drafter never reads the environment itself). Sections the source lacks are
    taken from the bundled ``corpus/`` when it is present.
    """
    bundled = Settings().corpus_dir
    if source is None:
        source = _corpus_at(str(bundled))
    corpus = getattr(source, "corpus", None)
    if isinstance(source, Corpus):
        primary: SectionsLookup = source.in_lang
    elif isinstance(corpus, Corpus):
        primary = corpus.in_lang
    elif callable(source):
        primary = source
    else:
        raise TypeError(f"cannot look sections up in {type(source).__name__}")

    def lookup(section_id: str, lang: str) -> Section | None:
        found = primary(section_id, lang)
        if found is None and bundled.is_dir():
            # A partial index (a test corpus, an index being rebuilt) still gets full citations.
            found = _corpus_at(str(bundled)).in_lang(section_id, lang)
        return found

    return lookup


def lookup_section(lookup: SectionsLookup, section_id: str, lang: str) -> Section | None:
    other = "zh-Hant" if lang == "en" else "en"
    return lookup(section_id, lang) or lookup(section_id, other)
