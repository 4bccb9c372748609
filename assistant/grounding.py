"""Is a sentence supported by the section it cites? An independent check, in both scripts.

Used by the evaluation (to measure answers) and by the LLM path (to verify generated sentences).
It never looks at how an answer was produced: only at the sentence and the cited text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.embeddings import Embedder
from assistant.text import split_sentences, strip_markdown
from assistant.tokenize import normalise, tokenize

_PUNCT_RE = re.compile(r"[\s\W_]+", re.UNICODE)
# Share of the sentence's tokens that must appear in the cited text to count as lexical support.
LEXICAL_SUPPORT = 0.75
# Cosine between the sentence and its best-matching cited sentence for semantic support.
EMBEDDING_SUPPORT = 0.92


@dataclass(frozen=True)
class Support:
    supported: bool
    verbatim: bool
    lexical: float
    semantic: float | None


def _squash(text: str) -> str:
    return _PUNCT_RE.sub("", normalise(strip_markdown(text)))


def lexical_support(sentence: str, source: str) -> float:
    tokens = set(tokenize(sentence))
    if not tokens:
        return 0.0
    source_tokens = set(tokenize(source))
    return len(tokens & source_tokens) / len(tokens)


def check_support(sentence: str, source: str, embedder: Embedder | None = None) -> Support:
    """Verbatim (after folding width, script and punctuation), lexical, or embedding support."""
    squashed = _squash(sentence)
    if squashed and squashed in _squash(source):
        return Support(True, True, 1.0, None)
    lexical = lexical_support(sentence, source)
    semantic = None
    if embedder is not None:
        candidates = split_sentences(strip_markdown(source))
        if candidates:
            vectors = embedder.embed_passages(candidates)
            query = embedder.embed_passages([sentence])[0]
            semantic = float(np.max(vectors @ query))
    supported = lexical >= LEXICAL_SUPPORT and (
        semantic is None or semantic >= EMBEDDING_SUPPORT - 0.05
    )
    if semantic is not None and semantic >= EMBEDDING_SUPPORT and lexical >= 0.5:
        supported = True
    return Support(supported, False, lexical, semantic)
