"""A basic personal-data guard: find identifiers people paste into a question, and redact them.

Only identifiers with a recognisable shape are covered (HKID, Hong Kong phone numbers, e-mail
addresses, payment cards, passport-like numbers); checksums are verified where the format has one,
so that ordinary numbers in a question ("DPP 4", "section 1.3", "2024-2025") are left alone.

A person's name is redacted only when it stands next to one of those identifiers ("Chan Tai Man,
HKID A123456(3)", "Mr Wong's phone 9123 4567", 「陳大文 身份證 A123456(3)」): a name on its own
cannot be told from a product, a place or an ordinary capitalised word without a much richer
model, and an identifier beside it is what turns a name into a record about someone.
Addresses are out of scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.script import detect_lang, has_han

# Identifier kinds, most specific first; "name" is found only beside one of them.
IDENTIFIER_KINDS = ("email", "card", "hkid", "passport", "phone")
KINDS = (*IDENTIFIER_KINDS, "name")

# Public numbers the assistant itself prints; quoting them back is not personal data.
PUBLIC_NUMBERS = frozenset({"28272827", "21101155"})

LABELS = {
    "en": {
        "email": "[EMAIL]",
        "card": "[CARD]",
        "hkid": "[HKID]",
        "passport": "[PASSPORT]",
        "phone": "[PHONE]",
        "name": "[NAME]",
    },
    "zh-Hant": {
        "email": "[電郵]",
        "card": "[信用卡號碼]",
        "hkid": "[HKID]",
        "passport": "[護照號碼]",
        "phone": "[電話]",
        "name": "[姓名]",
    },
}

NAMES = {
    "en": {
        "email": "an e-mail address",
        "card": "a payment card number",
        "hkid": "an HKID number",
        "passport": "a passport number",
        "phone": "a phone number",
        "name": "a name",
    },
    "zh-Hant": {
        "email": "電郵地址",
        "card": "信用卡或扣賬卡號碼",
        "hkid": "香港身份證號碼",
        "passport": "護照號碼",
        "phone": "電話號碼",
        "name": "姓名",
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
    """Identifiers in ``text`` and the names beside them, in order, without overlaps (the more
    specific kind wins)."""
    if not text:
        return []
    priority = {kind: i for i, kind in enumerate(KINDS)}
    kept: list[Finding] = []
    for finding in sorted(_candidates(text), key=lambda f: (priority[f.kind], f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    for name in _names_beside(text, kept):
        if all(name.end <= k.start or name.start >= k.end for k in kept):
            kept.append(name)
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


# ---------------------------------------------------------------- names beside identifiers

# How far from an identifier a name may stand, counting the words that join them.
_GLUE_WINDOW = 40
_NAME_WINDOW = 60

_TITLE_WORDS = "mr mrs ms miss mx dr prof professor madam mdm sir dame mister"
_EN_TITLES = frozenset(_TITLE_WORDS.split())
# Capitalised words that start sentences or name things rather than people. A name next to an
# identifier is rare enough that wrongly keeping one of these costs more than missing a name.
_NOT_NAME_WORDS = """
    a an the this that these those my your his her our their its i we you he she they me him them
    us can could may might must shall should will would do does did is are was were be been am
    has have had please pls what which who whom whose why when where how if and or but so then
    here there hi hello dear thanks thank yes no ok okay new old also just only not all any some
    each every another other same such both either neither one two three first second third last
    next hong kong hk kowloon lantau china chinese english cantonese macau taiwan singapore pcpd
    pdpo dpp ai gen genai generative chatgpt gpt openai copilot gemini claude deepseek llm bot
    chatbot app staff employee employees customer customers client clients user users member
    members patient patients student students colleague colleagues manager boss company office
    department team hr it id hkid card phone mobile tel telephone email e-mail mail number no
    passport contact address name full surname given section part principle tip checklist
    framework guidance guideline privacy data personal commissioner ordinance policy law call send
    text paste enter input type give share upload use ask tell check see note re fwd subject from
    to cc bcc urgent confidential monday tuesday wednesday thursday friday saturday sunday january
    february march april june july august september october november december today tomorrow
    yesterday whatsapp wechat signal telegram visa mastercard amex unionpay octopus bank account
    """
_EN_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
_EN_WORD = re.compile(r"[A-Z][A-Za-z]*(?:[-'’][A-Za-z]+)*")
_CAMEL = re.compile(r"[a-z][A-Z]")
_POSSESSIVE = re.compile(r"['’]s$")
# Words and marks that may join a name to its identifier: "Chan Tai Man, HKID no.: A123456(3)",
# "Mr Wong's mobile is 9123 4567", 「陳大文嘅身份證號碼係A123456(3)」.
_GLUE_BEFORE = re.compile(
    r"(?:\s|[,;:#()\[\]/\-–—、]|['’]s\b|"
    r"\b(?:HKID|H\.K\.I\.D\.?|I\.?D\.?|identity|identification|card|number|numbers|nos?\.?|num|"
    r"phone|telephone|tel\.?|mobile|cell|cellphone|whatsapp|contact|fax|e-?mail|mail|address|"
    r"credit|debit|payment|passport|account|is|are|was|at|on|with|has|whose|of|for)\b|"
    r"的|嘅|之|係|是|為|身份證|身分證|香港|證件|號碼|號|電話|手提|手機|聯絡|流動|電郵|郵箱|郵件|地址|"
    r"信用卡|扣賬卡|卡|護照|編號)*$",
    re.IGNORECASE,
)
_GLUE_AFTER = re.compile(
    r"^(?:\s|[,;:(\[/\-–—、]|\b(?:of|for|belongs?\s+to|belonging\s+to|owned\s+by|held\s+by|"
    r"holder|name|is)\b|持有人|持證人|屬於|是|係|姓名|名字|名)*",
    re.IGNORECASE,
)
_ZH_COMPOUND_SURNAMES = (
    "歐陽",
    "司徒",
    "上官",
    "諸葛",
    "司馬",
    "端木",
    "公孫",
    "夏侯",
    "皇甫",
    "尉遲",
)
# Common Hong Kong surnames; characters that are mostly parts of everyday words (文件, 內容, 資源)
# are left out, since a wrong name costs the question a word.
_ZH_SURNAMES = frozenset(
    "陳李張黃何林吳劉梁王鄭楊謝郭羅曾周許馮鄧蔡朱麥葉盧蘇潘袁彭蕭余徐譚區曹馬莫杜溫江戴鍾顏"
    "邱孔岑高韋冼雷龍傅姚薛廖沈范魏程湯胡鄒葛伍康翁賴嚴姜卓關倪霍鄺游鮑侯歐趙孫錢唐宋董呂"
    "蔣賀尹段秦崔鄔柯阮駱聶樊莊"
)
_ZH_TITLES = (
    "先生",
    "小姐",
    "太太",
    "女士",
    "博士",
    "醫生",
    "教授",
    "律師",
    "姑娘",
    "生",
    "太",
    "姐",
    "sir",
    "Sir",
)
# Characters that are grammar, not part of a given name: 「陳大文嘅」, 「同陳生」.
_ZH_NOT_GIVEN = frozenset(
    "的嘅之係是為同和及與或將把被在喺有冇無要我你佢他她它們哋咗過了嗎呢啊呀吧話問請用個名號證碼電卡"
    "人件法面色時於序單經域度麼乜咩邊啲"
)


def _names_beside(text: str, identifiers: list[Finding]) -> list[Finding]:
    folded = _fold(text)
    spans: set[tuple[int, int]] = set()
    for finding in identifiers:
        before = folded[max(0, finding.start - _GLUE_WINDOW) : finding.start]
        glue = _GLUE_BEFORE.search(before)
        end = finding.start - (len(before) - glue.start() if glue else 0)
        possessive = bool(glue and re.match(r"['’]s\b", before[glue.start() :]))
        span = _name_ending_at(folded, end, possessive)
        if span:
            spans.add(span)
        after = folded[finding.end : finding.end + _GLUE_WINDOW]
        joined = _GLUE_AFTER.match(after)
        if joined and joined.group().strip():
            span = _name_starting_at(folded, finding.end + joined.end())
            if span:
                spans.add(span)
    return [Finding("name", a, b, text[a:b]) for a, b in sorted(spans)]


def _name_ending_at(text: str, end: int, possessive: bool) -> tuple[int, int] | None:
    """A name whose last character is ``text[end - 1]``: English words or a Chinese name."""
    if end <= 0:
        return None
    if has_han(text[end - 1]):
        return _zh_name_ending_at(text, end)
    words = [m for m in re.finditer(r"[^\s(\[{\"“'「『]+", text[max(0, end - _NAME_WINDOW) : end])]
    offset = max(0, end - _NAME_WINDOW)
    if not words or offset + words[-1].end() != end:
        return None
    chosen: list[re.Match[str]] = []
    title: re.Match[str] | None = None
    for i in range(len(words) - 1, -1, -1):
        word = words[i].group()
        if chosen and not text[offset + words[i].end() : offset + chosen[0].start()].isspace():
            break
        if word.rstrip(".").lower() in _EN_TITLES:
            title = words[i]
            break
        if not _is_name_word(word) or len(chosen) == 4:
            break
        chosen.insert(0, words[i])
    if not chosen:
        return None
    if not _enough_of_a_name([w.group() for w in chosen], title is not None, possessive):
        return None
    start = (title or chosen[0]).start()
    return offset + start, end


def _name_starting_at(text: str, start: int) -> tuple[int, int] | None:
    """A name whose first character is ``text[start]``."""
    if start >= len(text):
        return None
    if has_han(text[start]):
        return _zh_name_starting_at(text, start)
    words: list[str] = []
    titled = False
    end = start
    for m in re.finditer(r"\S+", text[start : start + _NAME_WINDOW]):
        raw = m.group()
        if not words and not titled and raw.rstrip(".").lower() in _EN_TITLES:
            titled, end = True, start + m.end()
            continue
        word = raw.rstrip(",.;:!?)]}\"”'」』")
        owned = _POSSESSIVE.search(word)
        bare = word[: owned.start()] if owned else word
        if len(words) == 4 or not _is_name_word(bare):
            break
        words.append(bare)
        end = start + m.start() + len(bare)
        if bare != raw:
            break  # a possessive or punctuation ends the name
    if not words or not _enough_of_a_name(words, titled, possessive=False):
        return None
    return start, end


def _is_name_word(word: str) -> bool:
    return (
        bool(_EN_WORD.fullmatch(word))
        and not _CAMEL.search(word)
        and word.lower().replace("’", "'") not in _EN_NOT_NAMES
    )


def _enough_of_a_name(words: list[str], titled: bool, possessive: bool) -> bool:
    # One capitalised word is a name only with a title ("Mr Wong") or a possessive ("Peter's
    # phone"); otherwise two or more ("Chan Tai Man"), not all in capitals (that is an acronym run).
    if titled:
        return True
    if len(words) >= 2:
        return not all(w.isupper() for w in words)
    return possessive and not words[0].isupper()


def _zh_name_ending_at(text: str, end: int) -> tuple[int, int] | None:
    for title in _ZH_TITLES:
        if text.endswith(title, 0, end):
            surname_end = end - len(title)
            for surname in _ZH_COMPOUND_SURNAMES:
                if text.endswith(surname, 0, surname_end):
                    return surname_end - len(surname), end
            if surname_end > 0 and text[surname_end - 1] in _ZH_SURNAMES:
                return surname_end - 1, end
    # A single surname needs two given characters (陳大文): two-character words such as 文件 or
    # 如何 would otherwise read as names. Compound surnames are distinctive enough for one.
    for given in (2, 1):
        given_start = end - given
        if given_start < 1 or not all(_is_given(c) for c in text[given_start:end]):
            continue
        for surname in _ZH_COMPOUND_SURNAMES:
            if text.endswith(surname, 0, given_start):
                return given_start - len(surname), end
        if given == 2 and text[given_start - 1] in _ZH_SURNAMES:
            return given_start - 1, end
    return None


def _zh_name_starting_at(text: str, start: int) -> tuple[int, int] | None:
    surname = next((s for s in _ZH_COMPOUND_SURNAMES if text.startswith(s, start)), None)
    if surname is None:
        if text[start] not in _ZH_SURNAMES:
            return None
        surname = text[start]
    rest = start + len(surname)
    for title in _ZH_TITLES:
        if text.startswith(title, rest):
            return start, rest + len(title)
    for given in (2, 1) if len(surname) == 2 else (2,):
        end = rest + given
        if end > len(text) or not all(_is_given(c) for c in text[rest:end]):
            continue
        if end == len(text) or not has_han(text[end]) or text[end] in _ZH_NOT_GIVEN:
            return start, end
    return None


def _is_given(char: str) -> bool:
    return has_han(char) and char not in _ZH_NOT_GIVEN
