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


# ---------------------------------------------------------------- every other input of the app
#
# The API endpoints and the page's own handlers take JSON from anyone who can reach the app, so
# each value is checked for its type and length before any work, with one-line messages in the
# words of the question's own (``validate_question``). ``InputError`` is a ``QuestionError`` so
# that every front end already shows it as a reason, never as an internal error.

# A name, a language or a section id: nothing longer is ever one.
MAX_SHORT_CHARS = 200
# The most values a list input (section ids, drafting choices) may hold.
MAX_LIST_ITEMS = 50
INPUT_ERROR_CODES = (
    "field_not_text",
    "field_too_long",
    "field_control_chars",
    "field_invalid_chars",
    "field_not_flag",
    "field_not_choice",
    "field_not_list",
    "field_too_many",
    "field_not_object",
)


class InputError(QuestionError):
    """An input other than the question that cannot be used as sent; ``code`` is one of
    ``INPUT_ERROR_CODES``."""


def validate_text(value: object, name: str, max_chars: int, *, control_ok: bool = False) -> str:
    """``value`` as text ("" for None): text of at most ``max_chars`` characters without lone
    surrogates, and without control characters unless ``control_ok``."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"the {name} must be text", "field_not_text")
    if len(value) > max_chars:
        raise InputError(
            f"the {name} is {len(value):,} characters long; the limit is {max_chars:,}: shorten it",
            "field_too_long",
        )
    if not control_ok and has_control_chars(value):
        raise InputError(
            f"the {name} contains control characters: remove them and try again",
            "field_control_chars",
        )
    if has_lone_surrogates(value):
        raise InputError(
            f"the {name} contains invalid characters: retype it and try again",
            "field_invalid_chars",
        )
    return value


def validate_flag(value: object, name: str, default: bool | None = False) -> bool | None:
    """A yes/no input: JSON true or false (None gives ``default``). "maybe", 1 or "false" are
    refused rather than read as true."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InputError(f"the {name} must be true or false", "field_not_flag")
    return value


def validate_choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        shown = repr(value)[:40] if isinstance(value, str) else type(value).__name__
        raise InputError(
            f"the {name} must be one of {', '.join(allowed)}, not {shown}", "field_not_choice"
        )
    return value


def validate_text_list(
    value: object, name: str, max_chars: int, max_items: int = MAX_LIST_ITEMS
) -> list[str]:
    """A list of texts ([] for None), each checked like ``validate_text``."""
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise InputError(f"the {name} must be a list of texts", "field_not_list")
    if len(value) > max_items:
        raise InputError(
            f"the {name} has {len(value):,} values; the limit is {max_items:,}", "field_too_many"
        )
    return [
        validate_text(item, f"value {i} of the {name}", max_chars)
        for i, item in enumerate(value, 1)
    ]


# The kinds of value a field of ``validate_fields`` takes.
FIELD_KINDS = ("text", "flag", "optional_flag", "texts")


def validate_fields(
    value: object, name: str, kinds: dict[str, str], max_chars: int
) -> dict[str, object]:
    """A JSON object of named fields ({} for None): every key one of ``kinds``, every value of its
    kind ("text": text; "flag" / "optional_flag": true or false, or null for the second;
    "texts": a list of texts, or one text)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"the {name} must be a JSON object of named fields", "field_not_object")
    unknown = [k for k in value if not isinstance(k, str) or k not in kinds]
    if unknown:
        shown = ", ".join(repr(str(k))[:30] for k in unknown[:3])
        raise InputError(f"unknown field(s) in the {name}: {shown}", "field_not_choice")
    checked: dict[str, object] = {}
    for key, raw in value.items():
        kind = kinds[key]
        field_name = f"{name} field {key!r}"
        if kind == "text":
            checked[key] = validate_text(raw, field_name, max_chars, control_ok=False)
        elif kind in ("flag", "optional_flag"):
            checked[key] = validate_flag(
                raw, field_name, None if kind == "optional_flag" else False
            )
        elif isinstance(raw, str):
            checked[key] = validate_text(raw, field_name, max_chars)
        else:
            checked[key] = validate_text_list(raw, field_name, max_chars)
    return checked
