"""A basic personal-data guard: find identifiers people paste into a question, and redact them.

Only identifiers with a recognisable shape are covered (HKID, Hong Kong phone numbers, e-mail
addresses, payment cards, passport-like numbers); checksums are verified where the format has one,
so that ordinary numbers in a question ("DPP 4", "section 1.3", "2024-2025") are left alone.
Names and addresses need a richer detector and are out of scope here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import detect_lang

KINDS = ("email", "card", "hkid", "passport", "phone")

# Public numbers the assistant itself prints; quoting them back is not personal data.
PUBLIC_NUMBERS = frozenset({"28272827", "21101155"})

LABELS = {
    "en": {
        "email": "[EMAIL]",
        "card": "[CARD]",
        "hkid": "[HKID]",
        "passport": "[PASSPORT]",
        "phone": "[PHONE]",
    },
    "zh-Hant": {
        "email": "[電郵]",
        "card": "[信用卡號碼]",
        "hkid": "[HKID]",
        "passport": "[護照號碼]",
        "phone": "[電話]",
    },
}

NAMES = {
    "en": {
        "email": "an e-mail address",
        "card": "a payment card number",
        "hkid": "an HKID number",
        "passport": "a passport number",
        "phone": "a phone number",
    },
    "zh-Hant": {
        "email": "電郵地址",
        "card": "信用卡或扣賬卡號碼",
        "hkid": "香港身份證號碼",
        "passport": "護照號碼",
        "phone": "電話號碼",
    },
}

WARNINGS = {
    "en": (
        "Your message seems to contain personal data ({items}). It was replaced before searching "
        "and is never stored. Please ask about the situation without real people's details."
    ),
    "zh-Hant": (
        "你的訊息似乎包含個人資料（{items}）。系統在搜尋前已把它刪去，亦不會儲存。"
        "請描述情況，毋須輸入真實人士的資料。"
    ),
}

# Shown while the person is still typing: nothing has been searched or removed yet.
WARNINGS_BEFORE_SENDING = {
    "en": (
        "This looks like personal data ({items}). It will be removed before searching and is "
        "never stored, but please ask about the situation without real people's details."
    ),
    "zh-Hant": (
        "這似乎是個人資料（{items}）。發送後系統會在搜尋前把它刪去，亦不會儲存；"
        "但請盡量描述情況，毋須輸入真實人士的資料。"
    ),
}

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_CARD_RE = re.compile(r"(?<![0-9])(?:\d[ \-]?){12,18}\d(?![0-9])")
_HKID_RE = re.compile(
    _NOT_ALNUM_BEFORE
    + r"([A-Za-z]{1,2})(\d{6})\s?(?:\(\s?([0-9Aa])\s?\)|([0-9Aa]))"
    + r"(?![0-9A-Za-z])"
)
_PASSPORT_RE = re.compile(_NOT_ALNUM_BEFORE + r"[A-Z]{1,2}\d{7,8}" + _NOT_ALNUM_AFTER)
_PHONE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)?852[ \-]?)?([2356789]\d{3})[ \-]?(\d{4})(?![0-9])"
)
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class Finding:
    """One identifier found in a text: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int
    text: str


def _fold(text: str) -> str:
    # Full-width digits, letters and brackets (common in Chinese input) to ASCII, one char for one,
    # so that positions found in the folded text are positions in the original.
    return "".join(
        chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else (" " if c == "\u3000" else c)
        for c in text
    )


def hkid_check_digit(prefix: str, digits: str) -> str:
    """The check character of an HKID: weighted sum modulo 11, with a blank first letter as 36."""
    letters = prefix.upper().rjust(2)
    values = [36 if c == " " else ord(c) - ord("A") + 10 for c in letters]
    values += [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def is_valid_hkid(prefix: str, digits: str, check: str) -> bool:
    return len(digits) == 6 and hkid_check_digit(prefix, digits) == check.upper()


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _candidates(text: str) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, match: re.Match[str]) -> None:
        found.append(Finding(kind, match.start(), match.end(), text[match.start() : match.end()]))

    folded = _fold(text)
    for m in _EMAIL_RE.finditer(folded):
        add("email", m)
    for m in _CARD_RE.finditer(folded):
        if luhn_ok(m.group()):
            add("card", m)
    for m in _HKID_RE.finditer(folded):
        if is_valid_hkid(m.group(1), m.group(2), m.group(3) or m.group(4)):
            add("hkid", m)
    for m in _PASSPORT_RE.finditer(folded):
        add("passport", m)
    for m in _PHONE_RE.finditer(folded):
        number = m.group(1) + m.group(2)
        looks_like_years = bool(_YEAR_RE.fullmatch(m.group(1)) and _YEAR_RE.fullmatch(m.group(2)))
        if number not in PUBLIC_NUMBERS and not looks_like_years:
            add("phone", m)
    return found


def detect(text: str) -> list[Finding]:
    """Identifiers in ``text``, in order, without overlaps (the more specific kind wins)."""
    if not text:
        return []
    priority = {kind: i for i, kind in enumerate(KINDS)}
    kept: list[Finding] = []
    for finding in sorted(_candidates(text), key=lambda f: (priority[f.kind], f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def redact(text: str, lang: str | None = None) -> str:
    """``text`` with each identifier replaced by a label such as ``[HKID]`` or ``[電話]``."""
    findings = detect(text)
    if not findings:
        return text
    labels = LABELS[_lang(text, lang)]
    parts: list[str] = []
    last = 0
    for finding in findings:
        parts.append(text[last : finding.start])
        parts.append(labels[finding.kind])
        last = finding.end
    parts.append(text[last:])
    return "".join(parts)


def warning_message(findings: list[Finding], lang: str, before_sending: bool = False) -> str:
    """A warning for the person who typed the identifiers, in their language."""
    lang = lang if lang in WARNINGS else "en"
    kinds = list(dict.fromkeys(f.kind for f in findings))
    separator = "、" if lang == "zh-Hant" else ", "
    template = (WARNINGS_BEFORE_SENDING if before_sending else WARNINGS)[lang]
    return template.format(items=separator.join(NAMES[lang][k] for k in kinds))


def warnings_for(text: str, lang: str) -> list[dict[str, str]]:
    """The ``Answer.warnings`` entries for ``text`` (empty when nothing was found)."""
    findings = detect(text)
    if not findings:
        return []
    return [{"kind": "personal_data", "message": warning_message(findings, lang)}]


def _lang(text: str, lang: str | None) -> str:
    if lang in LABELS:
        return str(lang)
    return detect_lang(text)
