"""Checks generated text sentence by sentence against the retrieved sections before it is shown.

A generated sentence is kept only when a retrieved section supports it (``grounding.check_support``:
verbatim, lexical or embedding support, same numbers, same polarity, in either script) and it is
written in the answer's language. Citations to sections that were not retrieved are dropped; a
sentence whose own citations do not support it is checked against the other retrieved sections
and, if one supports it, cited to that one instead, so that every citation shown vouches for its
sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.answer.grounding import (
    SEMANTIC_LEXICAL_FLOOR,
    check_support,
    closest_sentence,
    section_context,
)
from assistant.corpus.documents import Section
from assistant.index.embeddings import Embedder
from assistant.text.script import detect_lang, split_sentences, strip_markdown
from assistant.text.tokenize import simplified_chars, to_traditional

_OPEN = "[【［(（"
_CLOSE = "]】］)）"
# A bracketed group naming one or more section ids: [checklist-2025/2], 【pdpo-dpps/dpp3】,
# [checklist-2025/2, checklist-2025/4], (framework-2024/1.3).
_MARK_RE = re.compile(
    rf"[{re.escape(_OPEN)}]\s*([^{re.escape(_OPEN + _CLOSE)}]*?)\s*[{re.escape(_CLOSE)}]"
)
_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9.\-]*[a-z0-9]|[a-z0-9][a-z0-9-]*/[a-z0-9]")
_MARKS = r"(?:\[[^\]\n]*/[^\]\n]*\]|【[^】\n]*/[^】\n]*】|［[^］\n]*/[^］\n]*］)"
# Citation marks written after the full stop belong to the sentence before them.
_TRAILING_MARKS_RE = re.compile(rf"([.。!?！？;；])([ \t]*\n?[ \t]*)({_MARKS}(?:\s*{_MARKS})*)")
_FRAMING_END = (":", "：")
# What the model is told to reply when the sections do not answer the question.
NOT_COVERED = "NOT_COVERED"


def traditional(text: str) -> str:
    """Generated Chinese in Hong Kong Traditional: any sentence with Simplified-only characters is
    converted (models slip into Simplified part-way through a sentence as often as for a whole one).
    """
    return to_traditional(text) if simplified_chars(text) else text


def _ids(group: str) -> list[str]:
    return [] if "://" in group else _ID_RE.findall(group.lower())


def parse_sentence(raw: str) -> tuple[str, list[str]]:
    """The sentence without its citation marks, and the section ids it cites (in order)."""
    cited: list[str] = []

    def take(match: re.Match[str]) -> str:
        ids = _ids(match.group(1))
        if not ids:
            return match.group(0)
        cited.extend(i for i in ids if i not in cited)
        return ""

    text = _MARK_RE.sub(take, raw)
    text = re.sub(r"\s+([.,;:!?。，；：！？、])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", strip_markdown(text)).strip()
    return text, cited


def _attach_marks(text: str) -> str:
    return _TRAILING_MARKS_RE.sub(lambda m: f" {m.group(3)}{m.group(1)}{m.group(2)}", text)


def _marks_only(piece: str) -> bool:
    text, cited = parse_sentence(piece)
    return bool(cited) and not re.search(r"\w", text)


def split_generated(text: str) -> list[str]:
    """Sentences of generated text, each with the citation marks that follow it."""
    pieces: list[str] = []
    for piece in split_sentences(_attach_marks(text)):
        if pieces and _marks_only(piece):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


class SentenceStream:
    """Cuts streamed text into complete sentences as they arrive.

    A sentence counts as complete once the text after it has begun with something other than a
    citation mark, so that a mark written after the full stop still travels with its sentence.
    """

    def __init__(self) -> None:
        self.text = ""
        self._emitted = 0

    def feed(self, delta: str) -> list[str]:
        self.text += delta
        pieces = split_generated(self.text)
        complete = len(pieces) - 1
        if complete > 0 and pieces[-1].lstrip()[:1] in _OPEN:
            complete -= 1
        return self._take(pieces, complete)

    def close(self) -> list[str]:
        pieces = split_generated(self.text)
        return self._take(pieces, len(pieces))

    def _take(self, pieces: list[str], upto: int) -> list[str]:
        fresh = pieces[self._emitted : upto]
        self._emitted = max(self._emitted, upto)
        return fresh


@dataclass
class Checked:
    """One generated sentence and what verification made of it."""

    raw: str
    text: str
    cited: list[str]
    section_id: str | None = None  # the retrieved section that supports it
    evidence: str = ""  # that section's sentence closest to it
    reason: str = ""  # why it was removed; empty when kept
    dropped: list[str] = field(default_factory=list)  # cited ids that were not retrieved
    recited: bool = False  # the section shown is not one the model cited (the verifier chose it)
    framing: bool = False  # a lead-in ("Here is what the guidance says:"), neither kept nor counted

    @property
    def kept(self) -> bool:
        return self.section_id is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.text,
            "cited": self.cited,
            "kept": self.kept,
            "section_id": self.section_id,
            "reason": "framing" if self.framing else self.reason,
            "dropped_citations": self.dropped,
            "recited": self.recited,
        }


SectionVectors = Callable[[Section], tuple[list[str], np.ndarray] | None]


class Verifier:
    """Verifies sentences against the sections that were retrieved (and given to the model)."""

    def __init__(
        self,
        sections: list[Section],
        lang: str,
        embedder: Embedder | None = None,
        vectors: SectionVectors | None = None,
    ) -> None:
        self.sections = {s.id: s for s in sections}
        self.lang = lang
        self.embedder = embedder
        self._vectors = vectors
        self._contexts = {s.id: section_context(s) for s in sections}
        self._cache: dict[str, tuple[list[str], np.ndarray | None]] = {}

    def _sentences(self, section: Section) -> tuple[list[str], np.ndarray | None]:
        if section.id not in self._cache:
            found = self._vectors(section) if self._vectors else None
            if found is None:
                self._cache[section.id] = (split_sentences(strip_markdown(section.text)), None)
            else:
                self._cache[section.id] = found
        return self._cache[section.id]

    def check(self, raw: str) -> Checked:
        text, cited = parse_sentence(raw)
        if self.lang == "zh-Hant":
            text = traditional(text)
        result = Checked(raw, text, cited)
        result.dropped = [i for i in cited if i not in self.sections]
        if not re.search(r"\w", text) or text.endswith(_FRAMING_END):
            result.framing = True
            return result
        if detect_lang(text, self.lang) != self.lang:
            result.reason = "language"
            return result
        own = [i for i in cited if i in self.sections]
        others = [i for i in self.sections if i not in own]
        reasons: list[str] = []
        vector: np.ndarray | None = None
        for section_id in own + others:
            section = self.sections[section_id]
            sentences, vectors = self._sentences(section)
            context = self._contexts[section_id]
            # Words first: quotes, changed numbers and sentences too far from the text are decided
            # without the embedder, which is needed (once per sentence) only for the rest.
            support = check_support(text, section.text, None, sentences, context=context)
            undecided = not support.verbatim and (
                support.supported or support.lexical >= SEMANTIC_LEXICAL_FLOOR
            )
            if undecided and support.reason != "numbers" and self.embedder is not None:
                if vector is None:
                    vector = self.embedder.embed_passages([text])[0]
                support = check_support(
                    text, section.text, self.embedder, sentences, vectors, vector, context=context
                )
            if support.supported:
                result.section_id = section_id
                result.recited = section_id not in cited
                result.evidence = closest_sentence(text, sentences)
                return result
            reasons.append(support.reason)
        # The reason reported is the one from the first section the model cited.
        result.reason = reasons[0] if reasons else "unsupported"
        return result
