"""An optional rewrite of the clauses, kept only where it passes verification."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

from assistant.drafting.model import Clause, PolicyDraft
from assistant.text import detect_lang, fold_width

_SECTION_REF_RE = re.compile(r"\b[a-z0-9-]+-\d{4}/[a-z0-9.\-]+|pdpo-dpps/\w+")
# Characters that only occur in Simplified Chinese; a polished Chinese clause must not contain them.
SIMPLIFIED_ONLY = frozenset(
    "们这说时为国会对发关开长门问见么从实动应现进过还经认让给话边头语读请习样车东马书视听业专"
    "义产亲价护务员录项规则该仅处删储条权隐资讯设备码证险责须训检讨错误违纪结构机个标签图频"
    "内线网络电脑钥帐类别决况与将"
)


# ---------------------------------------------------------------- optional polish


_PROHIBITION = {
    "en": re.compile(r"\b(?:not|never|no)\b", re.I),
    "zh-Hant": re.compile("不得|不可|不准|禁止|無須|並無|不"),
}


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
    if lang == "zh-Hant" and SIMPLIFIED_ONLY & set(text):
        problems.append("contains Simplified Chinese characters")
    if _PROHIBITION[lang].search(clause.text) and not _PROHIBITION[lang].search(text):
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


def polish_draft(draft: PolicyDraft, rewrite: Callable[[str, str], str]) -> PolicyDraft:
    """A copy of the draft with each clause rewritten by ``rewrite(text, lang)`` where verified.

    The rewriter only ever sees clause text, so citations cannot be lost; a rewrite that drops an
    input value, a placeholder or a prohibition, changes language or adds facts is discarded and the
    original clause is kept. ``polish_log`` records what happened to each clause.
    """
    polished = copy.deepcopy(draft)
    polished.polish_log = []
    for clause in polished.clauses():
        try:
            candidate = rewrite(clause.text, draft.lang)
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
