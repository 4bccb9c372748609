"""Script-aware text helpers shared by chunking, tokenising and answering."""

from __future__ import annotations

import re
import unicodedata

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{HAN}]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]{2,}")
# A sentence ends at CJK or Latin terminal punctuation, optionally followed by closing quotes/brackets.
_SENTENCE_END_RE = re.compile(
    r"(?<=[。！？；!?;])[」』）)\"'”’]*\s*|(?<=[.])[\"'”’)]*\s+(?=[A-Z\"“(「《\u3400-\u9fff])"
)
_ABBREVIATION_END_RE = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|Cap|No|para|paras|Mr|Ms|Dr|vs|cf)\.|\b[A-Z]\.)$"
)
_OPEN_BRACKETS = "（(「『《"
_CLOSE_BRACKETS = "）)」』》"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fold_width(text: str) -> str:
    """Full-width ASCII and ideographic space to their half-width forms (NFKC keeps CJK intact)."""
    return unicodedata.normalize("NFKC", text)


def has_control_chars(text: str) -> bool:
    return bool(_CONTROL_RE.search(text))


def has_han(text: str) -> bool:
    return _HAN_RE.search(text) is not None


def han_count(text: str) -> int:
    return len(_HAN_RE.findall(text))


def detect_lang(text: str, default: str = "en") -> str:
    """'zh-Hant' when Chinese carries the question, 'en' otherwise.

    Mixed Cantonese/English questions ("staff可唔可以input客戶資料") count as Chinese when Han
    characters are at least a third of the words, since they carry the grammar of the question.
    """
    han = han_count(text)
    latin = len(_LATIN_WORD_RE.findall(text))
    if han == 0 and latin == 0:
        return default
    # Two Han characters weigh about one English word.
    return "zh-Hant" if han / 2 >= latin / 2 else "en"


def split_sentences(text: str) -> list[str]:
    """Split at sentence ends in both scripts; bullets and line breaks also end a sentence."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip()
        if not line:
            continue
        pending = ""
        for part in _SENTENCE_END_RE.split(line):
            # Full-width punctuation is never followed by a space in the source.
            glue = "" if pending.endswith(("；", "。", "！", "？")) else " "
            part = (pending + glue + part.strip()).strip() if pending else part.strip()
            pending = ""
            # "e.g." does not end a sentence, nor does a ";" inside brackets ("(English: …;
            # Chinese: …)").
            if _ABBREVIATION_END_RE.search(part) or _unclosed(part):
                pending = part
                continue
            if part and re.search(r"\w", part):
                sentences.append(part)
        if pending:
            sentences.append(pending)
    return sentences


def _unclosed(text: str) -> bool:
    opened = sum(text.count(c) for c in _OPEN_BRACKETS)
    return opened > sum(text.count(c) for c in _CLOSE_BRACKETS)


def strip_markdown(text: str) -> str:
    """Remove emphasis and link markup so quotes read as plain text."""
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    return text
