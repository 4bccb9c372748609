"""An optional rewrite of the clauses, kept only where it passes verification."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

from assistant.drafting.model import Clause, PolicyDraft
from assistant.text.script import detect_lang, fold_width
from assistant.text.tokenize import simplified_chars

_SECTION_REF_RE = re.compile(r"\b[a-z0-9-]+-\d{4}/[a-z0-9.\-]+|pdpo-dpps/\w+")


# ---------------------------------------------------------------- optional polish


# Phrases that forbid or negate; a rewrite must keep at least as many as the clause had.
# A bare 不 is left out: it starts too many neutral words (不同, 不論, 不斷).
_PROHIBITION = {
    "en": re.compile(r"\b(?:not|never|no|cannot|prohibited|forbidden|nor)\b|n't\b", re.I),
    "zh-Hant": re.compile("不得|不可|不准|不能|不應|不要|不會|禁止|嚴禁|切勿|毋須|無須|並無|並非"),
}
# Inputs go to the model as tokens like [[1]], so no organisation name, contact or other typed
# value leaves the machine; they are put back before the rewrite is checked.
_TOKEN = "[[{}]]"


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
    if lang == "zh-Hant" and (simplified := simplified_chars(text)):
        problems.append(f"contains Simplified Chinese characters ({''.join(sorted(simplified))})")
    if len(_PROHIBITION[lang].findall(text)) < len(_PROHIBITION[lang].findall(clause.text)):
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


def _masked(clause: Clause, values: list[str]) -> tuple[str, dict[str, str]]:
    # One pass, longest value first and ignoring case ("The IT Service Desk" at a sentence start),
    # so a short value never matches inside a longer one or inside a token already placed.
    wanted = sorted({v for v in values if v.strip()}, key=len, reverse=True)
    if not wanted:
        return clause.text, {}
    by_text: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        return by_text.setdefault(match.group(0), _TOKEN.format(len(by_text) + 1))

    pattern = re.compile("|".join(re.escape(v) for v in wanted), re.IGNORECASE)
    text = pattern.sub(swap, clause.text)
    return text, {token: original for original, token in by_text.items()}


def _unmasked(text: str, tokens: dict[str, str]) -> str:
    for token, value in tokens.items():
        text = text.replace(token, value)
    return text


def polish_draft(draft: PolicyDraft, rewrite: Callable[[str, str], str]) -> PolicyDraft:
    """A copy of the draft with each clause rewritten by ``rewrite(text, lang)`` where verified.

    The rewriter only ever sees clause text with the typed values as ``[[n]]`` tokens, so citations
    cannot be lost and no typed value is sent to it; a rewrite that drops an
    input value, a placeholder or a prohibition, changes language or adds facts is discarded and the
    original clause is kept. ``polish_log`` records what happened to each clause.
    """
    polished = copy.deepcopy(draft)
    polished.polish_log = []
    # A value typed once can appear in clauses that do not require it: mask it everywhere.
    values = list(dict.fromkeys(v for c in polished.clauses() for v in c.required))
    for clause in polished.clauses():
        masked, tokens = _masked(clause, values)
        try:
            candidate = _unmasked(rewrite(masked, draft.lang), tokens)
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
