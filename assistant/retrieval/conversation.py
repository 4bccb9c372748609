"""Follow-up questions without an LLM: an elliptical turn borrows the topic of the previous one."""

from __future__ import annotations

import re

from assistant.text.tokenize import content_terms

_FOLLOW_UP_RE = re.compile(
    r"^\s*(?:and|also|what about|how about|then|so|but|what if|and if|same for|what of)\b"
    r"|\b(?:it|that|this|those|these|they|them|there)\b"
    r"|^\s*(?:咁|噉|另外|仲有|那|那麼|至於|如果係|如果是)"
    r"|(?:呢|嗎)\s*[？?]?\s*$"
    r"|(?:佢|佢哋|呢個|嗰個|呢啲|嗰啲|這個|那個)",
    re.IGNORECASE,
)
SHORT_TOPIC = 3


def is_follow_up(question: str) -> bool:
    """Short questions that lean on the previous turn ("and for interns?", 「咁實習生呢？」)."""
    terms = content_terms(question)
    return len(terms) <= SHORT_TOPIC and bool(_FOLLOW_UP_RE.search(question))


def retrieval_query(question: str, history: list[str] | None) -> str:
    """The text to retrieve with: the question, plus the last standalone turn for a follow-up."""
    if not history or not is_follow_up(question):
        return question
    turns = [t.strip() for t in history if t.strip()]
    if not turns:
        return question
    # A second follow-up in a row ("and passwords?" then "what about incidents?") keeps the
    # topic of the question they both follow, not of the follow-up before it.
    standalone = next((t for t in reversed(turns) if not is_follow_up(t)), turns[-1])
    return f"{standalone} {question.strip()}"
