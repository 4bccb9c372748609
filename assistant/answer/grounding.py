"""Is a sentence supported by the section it cites? An independent check, in both scripts.

Used by the evaluation (to measure answers) and by the LLM path (to verify generated sentences).
It never looks at how an answer was produced: only at the sentence and the cited text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.index.embeddings import Embedder
from assistant.text.script import split_sentences, strip_markdown
from assistant.text.tokenize import normalise, tokenize

if TYPE_CHECKING:
    from assistant.corpus.documents import Section

_PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)
# Share of the sentence's tokens that must appear in the cited text to count as lexical support.
LEXICAL_SUPPORT = 0.75
# Cosine between the sentence and its best-matching cited sentence for semantic support, and the
# lexical support it still needs then (embeddings of related sentences are bunched above 0.9).
EMBEDDING_SUPPORT = 0.92
SEMANTIC_LEXICAL_FLOOR = 0.6
# A restatement may merge up to this many neighbouring sentences of its source.
WINDOW = 3
_NUMBER_RE = re.compile(r"\d+(?:[.,:]\d+)*")
# Words that flip a claim. Matched on the folded (lower-case, Simplified) form; a lone 不 is left
# out because it starts too many neutral words (不同, 不論, 不斷).
_NEGATION_RE = re.compile(
    r"\b(?:not|no|never|none|nor|neither|cannot|can't|don't|doesn't|didn't|isn't|aren't|"
    r"wasn't|weren't|shouldn't|mustn't|won't|without|rather than|instead of)\b|n't\b"
    r"|不应|不得|不可|不能|不要|不会|不需|不必|不是|不宜|不准|不用|并非|而非|毋须|无须|无需"
    r"|没有|未有|未经|禁止|切勿|勿|唔|冇"
)


# Words that restrict a claim ("only after approval", 「除非」). A restatement that drops every one
# of them turns a conditional permission into a plain one. Matched on the folded form.
_CONDITION_RE = re.compile(
    r"\b(?:only|unless|if|provided|providing|except|after|before|until|once|subject to|"
    r"as long as|so long as)\b"
    r"|只可|只能|只限|只有|仅|除非|如果|倘若|假如|须经|经批准|批准后|之前|之后|前提"
)
# A restatement needs this many distinct tokens: "Staff may." or 「可以。」 says nothing checkable.
MIN_RESTATEMENT_TOKENS = 3


@dataclass(frozen=True)
class Support:
    supported: bool
    verbatim: bool
    lexical: float
    semantic: float | None
    # Why a sentence failed: "numbers", "negation", "condition", "short", "lexical" or
    # "semantic"; empty when supported.
    reason: str = ""


def _squash(text: str) -> str:
    return _PUNCT_RE.sub("", normalise(strip_markdown(text)))


def section_context(section: Section) -> str:
    """Words a citation of ``section`` vouches for besides its text: document title and headings.

    A restatement may name the document or the section ("the 2025 Checklist", "DPP 3").
    """
    heading = " / ".join(section.heading_path) or section.display_heading
    return f"{section.document.title}\n{heading}"


def _numbers(text: str) -> set[str]:
    return {m.replace(",", "") for m in _NUMBER_RE.findall(normalise(text))}


def _negated(text: str) -> bool:
    # Parity, so that "may not be used without consent" reads like "may be used with consent".
    return len(_NEGATION_RE.findall(normalise(text))) % 2 == 1


def closest_sentence(sentence: str, candidates: list[str]) -> str:
    """The candidate sharing most of the sentence's tokens (the one it most likely restates)."""
    tokens = set(tokenize(sentence))
    if not tokens or not candidates:
        return ""
    return max(candidates, key=lambda c: len(tokens & set(tokenize(c))))


def check_support(
    sentence: str,
    source: str,
    embedder: Embedder | None = None,
    source_sentences: list[str] | None = None,
    source_vectors: np.ndarray | None = None,
    sentence_vector: np.ndarray | None = None,
    context: str = "",
) -> Support:
    """Verbatim (after folding width, script and punctuation), lexical, or embedding support.

    A restatement must be supported by one passage of the source (up to ``WINDOW`` neighbouring
    sentences), not by words gathered from all over a long section: its words must be in that
    passage (``context``, e.g. the document title and headings, lends its words to every
    passage, but at least half must come from the passage itself), and its embedding must be
    close to one of the passage's sentences. It must also keep the source's numbers and the
    polarity of the sentence it restates: "2110 1156" for "2110 1155", or a dropped "not", reads
    as supported by word overlap and by embeddings alike. ``source_sentences`` with
    ``source_vectors`` (passage embeddings, e.g. from the index) and ``sentence_vector`` spare
    re-embedding either side.
    """
    candidates = (
        source_sentences
        if source_sentences is not None
        else split_sentences(strip_markdown(source))
    )
    # Verbatim means whole source sentences (one, or a run of up to WINDOW): a fragment can drop
    # the condition or the subject that made the sentence true, so it is checked as a restatement.
    if _is_whole_sentences(_squash(sentence), [_squash(c) for c in candidates]):
        return Support(True, True, 1.0, None)
    tokens = set(tokenize(sentence))
    if not tokens or not candidates:
        return Support(False, False, 0.0, None, "lexical")
    if len(tokens) < MIN_RESTATEMENT_TOKENS:
        return Support(False, False, 0.0, None, "short")
    shared = set(tokenize(context)) if context else set()
    sets = [set(tokenize(c)) for c in candidates]
    # Longer windows hold everything shorter ones do, so only full-length windows are scored.
    spans = [(i, min(i + WINDOW, len(sets))) for i in range(max(1, len(sets) - WINDOW + 1))]
    own = [len(tokens & set().union(*sets[a:b])) / len(tokens) for a, b in spans]
    lexical = [len(tokens & (shared.union(*sets[a:b]))) / len(tokens) for a, b in spans]
    semantic: list[float] | None = None
    # Without the floor of lexical support no cosine can rescue a sentence: spare the embedder.
    if embedder is not None and max(lexical) >= SEMANTIC_LEXICAL_FLOOR:
        vectors = source_vectors
        if vectors is None or len(vectors) != len(candidates):
            vectors = embedder.embed_passages(candidates)
        query = sentence_vector
        if query is None:
            query = embedder.embed_passages([sentence])[0]
        cosines = vectors @ query
        semantic = [float(np.max(cosines[a:b])) for a, b in spans]
    best_semantic = max(semantic) if semantic else None
    numbers, context_numbers = _numbers(sentence), _numbers(context)
    if not numbers <= _numbers(source) | context_numbers:
        return Support(False, False, max(lexical), best_semantic, "numbers")
    supporting = [
        k
        for k, sem in enumerate(semantic or [None] * len(spans))
        if own[k] >= 0.5
        and (
            (lexical[k] >= LEXICAL_SUPPORT and (sem is None or sem >= EMBEDDING_SUPPORT - 0.05))
            or (
                sem is not None
                and sem >= EMBEDDING_SUPPORT
                and lexical[k] >= SEMANTIC_LEXICAL_FLOOR
            )
        )
    ]
    if not supporting:
        reason = "lexical" if max(lexical) < LEXICAL_SUPPORT else "semantic"
        return Support(False, False, max(lexical), best_semantic, reason)
    # Its numbers must be those of the passage it restates, not others found elsewhere in the
    # section ("paragraphs 31-26" for "24-26" when paragraph 31 is mentioned further on).
    supporting = [
        k
        for k in supporting
        if numbers <= context_numbers.union(*(_numbers(c) for c in candidates[slice(*spans[k])]))
    ]
    if not supporting:
        return Support(False, False, max(lexical), best_semantic, "numbers")
    # The passage it most likely restates: most of its words, then the closest embedding.
    k = max(supporting, key=lambda j: (lexical[j], semantic[j] if semantic else 0.0))
    sem = semantic[k] if semantic else None
    a, b = spans[k]
    restated = closest_sentence(sentence, candidates[a:b])
    if _negated(sentence) != _negated(restated):
        return Support(False, False, lexical[k], sem, "negation")
    if _CONDITION_RE.search(normalise(restated)) and not _CONDITION_RE.search(normalise(sentence)):
        return Support(False, False, lexical[k], sem, "condition")
    return Support(True, False, lexical[k], sem)


def _is_whole_sentences(squashed: str, pieces: list[str]) -> bool:
    if not squashed:
        return False
    for start in range(len(pieces)):
        run = ""
        for piece in pieces[start : start + WINDOW]:
            run += piece
            if run == squashed:
                return True
            if len(run) >= len(squashed):
                break
    return False
