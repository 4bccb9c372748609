"""Checks on a question and its history before any work is done (type, length, characters)."""

from __future__ import annotations

from assistant.safety.privacy import LABELS
from assistant.text.script import has_control_chars

# A redaction label stands for what was typed in its place: it counts as one character.
_LABELS = {label for labels in LABELS.values() for label in labels.values()}


# Earlier questions used for a follow-up: the rule-based rewrite needs only the last one and the
# LLM's condensing the last three, so more are never needed; older turns are dropped.
MAX_HISTORY_TURNS = 6


# Why a question (or an earlier question sent with it) was rejected: ``QuestionError.code``, for
# front ends that say so in their own words. The messages may change; these names do not.
QUESTION_ERROR_CODES = (
    "empty",
    "not_text",
    "too_long",
    "control_chars",
    "invalid_chars",
    "no_words",
    "history_not_list",
    "history_not_text",
    "history_too_long",
    "history_control_chars",
    "history_invalid_chars",
)


class QuestionError(ValueError):
    """The question cannot be answered as typed (empty, too long, control or invalid characters,
    no words at all), or an earlier question sent with it cannot be used.

    ``code`` (one of ``QUESTION_ERROR_CODES``) names the reason; the message is for people."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def has_lone_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def validate_question(question: str, max_chars: int) -> str:
    if question is None:
        raise QuestionError(
            "the question is empty: type a question about the PCPD's AI guidance", "empty"
        )
    if not isinstance(question, str):
        raise QuestionError("the question must be text", "not_text")
    if not question.strip():
        raise QuestionError(
            "the question is empty: type a question about the PCPD's AI guidance", "empty"
        )
    if len(question) > max_chars:
        raise QuestionError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,}: "
            "shorten it",
            "too_long",
        )
    if has_control_chars(question):
        raise QuestionError(
            "the question contains control characters: remove them and try again", "control_chars"
        )
    # Lone surrogates arrive from JSON ("\\ud800") or undecodable command-line bytes; no encoder
    # downstream accepts them.
    if has_lone_surrogates(question):
        raise QuestionError(
            "the question contains invalid characters: retype it and try again", "invalid_chars"
        )
    # Without a letter or digit there is nothing to search for, and retrieval would still return
    # its nearest sections for, say, a row of emoji.
    if not any(ch.isalnum() for ch in question):
        raise QuestionError(
            "the question has no words in it: type a question about the PCPD's AI guidance",
            "no_words",
        )
    return question.strip()


def length_as_typed(text: str) -> int:
    """The shortest length ``text`` can have had before redaction: each label such as ``[NAME]``
    may stand for a single character. Earlier questions come back from front ends redacted, and a
    label can be longer than what it replaced, so a question accepted at the limit can return a
    little over it."""
    if "[" not in text:
        return len(text)
    return len(text) - sum((len(label) - 1) * text.count(label) for label in _LABELS)


def validate_history(history: object, max_chars: int) -> list[str]:
    """The earlier questions of a conversation, checked like a question: the last
    ``MAX_HISTORY_TURNS`` are kept (blank ones dropped), and one that is too long or holds control
    or invalid characters is rejected with a ``QuestionError`` naming it."""
    if history is None:
        return []
    if isinstance(history, str | bytes) or not isinstance(history, list | tuple):
        raise QuestionError(
            "the history must be a list of the earlier questions of the conversation",
            "history_not_list",
        )
    turns = list(history[-MAX_HISTORY_TURNS:])
    first = len(history) - len(turns) + 1
    kept: list[str] = []
    for number, turn in enumerate(turns, first):
        name = f"earlier question {number} of {len(history)} in the history"
        if not isinstance(turn, str):
            raise QuestionError(f"{name} is not text", "history_not_text")
        if not turn.strip():
            continue
        problem = text_problem(turn, max_chars)
        if problem is not None:
            code, message = problem
            advice = {
                "too_long": ": shorten it or leave it out",
                "invalid_chars": " or leave it out",
            }
            raise QuestionError(f"{name} {message}{advice.get(code, '')}", f"history_{code}")
        kept.append(turn.strip())
    return kept


def text_problem(text: object, max_chars: int) -> tuple[str, str] | None:
    """What stops a question-like text from being used, as (code, message after its name), or
    None. Its length counts redaction labels as the single characters they may have replaced."""
    if not isinstance(text, str):
        return "not_text", "is not text"
    if length_as_typed(text) > max_chars:
        return "too_long", f"is {len(text):,} characters long; the limit is {max_chars:,}"
    if has_control_chars(text):
        return "control_chars", "contains control characters: remove them"
    if has_lone_surrogates(text):
        return "invalid_chars", "contains invalid characters: retype it"
    return None
