"""A basic personal-data guard: find identifiers people paste into a question, and redact them.

Identifiers with a recognisable shape are covered (HKID, Hong Kong phone numbers, e-mail addresses,
also written out as "peter dot lee at gmail dot com", payment cards, passport-like numbers, Hong
Kong street addresses in English and Chinese), whatever their letter case and separators
("9234.5678", "9123/4567", "A123456-3", "e12345678"). Checksums are verified where the format has
one, so that ordinary numbers in a question ("DPP 4", "section 1.3", "2024-2025") are left alone.

A person's name is redacted only when it stands next to one of those identifiers ("Chan Tai Man,
HKID A123456(3)", "Ms Ho's phone 9123.4567", 「陳大文 身份證 A123456(3)」): a name on its own
cannot be told from a product, a place or an ordinary capitalised word without a much richer
model, and an identifier beside it is what turns a name into a record about someone. For the same
reason a street, building or district name alone ("Nathan Road", 「旺角」) is not an address: an
address needs a flat, floor or street number, and the names around that are then taken with it.

Every pattern here runs in time linear in the length of the text: each one either has a bounded
length, or can start only where a run of its characters starts (a look-behind), so that no
position is scanned again from every earlier one. ``tests/safety/test_linear_time.py`` checks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.script import detect_lang, has_han

# Identifier kinds, most specific first; "name" is found only beside one of them.
IDENTIFIER_KINDS = ("email", "card", "hkid", "passport", "phone", "address")
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
        "address": "[ADDRESS]",
        "name": "[NAME]",
    },
    "zh-Hant": {
        "email": "[電郵]",
        "card": "[信用卡號碼]",
        "hkid": "[HKID]",
        "passport": "[護照號碼]",
        "phone": "[電話]",
        "address": "[地址]",
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
        "address": "a street address",
        "name": "a name",
    },
    "zh-Hant": {
        "email": "電郵地址",
        "card": "信用卡或扣賬卡號碼",
        "hkid": "香港身份證號碼",
        "passport": "護照號碼",
        "phone": "電話號碼",
        "address": "住址",
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

_I = re.IGNORECASE
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
# The local part may start only where a run of its characters starts, and every part is bounded
# (RFC 5321's lengths): an unanchored "[...]+@" rescans the rest of a long run from each of its
# characters, which made this pattern's cost grow with the square of the input.
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}"
    r"(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
# An address written out to get past a filter: "peter dot lee at gmail dot com", "tm (at) abc
# [dot] hk". It needs a spelled-out "dot" or a bracketed "at", so "look at this" is not one.
_SPELLED_DOT = r"(?:\s{0,3}(?:\.|[(\[{<]\s?dot\s?[)\]}>]|\bdot\b)\s{0,3})"
_SPELLED_AT = r"(?:\s{0,3}(?:@|[(\[{<]\s?at\s?[)\]}>]|\bat\b)\s{0,3})"
_SPELLED_WORD = r"[a-z0-9_%+\-]{1,64}"
_SPELLED_EMAIL_RE = re.compile(
    r"(?<![a-z0-9_%+\-])"
    + _SPELLED_WORD
    + f"(?:{_SPELLED_DOT}{_SPELLED_WORD}){{0,4}}{_SPELLED_AT}{_SPELLED_WORD}"
    + f"(?:{_SPELLED_DOT}{_SPELLED_WORD}){{0,3}}{_SPELLED_DOT}"
    + r"(?:com|net|org|edu|gov|hk|io|co|uk|cn|tw|mo|sg|info|biz|me)(?![a-z0-9])",
    _I,
)
_SPELLED_HINT_RE = re.compile(r"\bdot\b|[(\[{<]\s?at\s?[)\]}>]", _I)
_BRACKETED_AT_RE = re.compile(r"@|[(\[{<]\s?at\s?[)\]}>]", _I)
_PLAIN_AT_RE = re.compile(r"\s(?:at)\s", _I)
_SPELLED_DOT_RE = re.compile(r"\.|\bdot\b", _I)
_MAIL_PROVIDERS = frozenset(
    [
        "gmail",
        "yahoo",
        "hotmail",
        "outlook",
        "live",
        "icloud",
        "me",
        "netvigator",
        "hkbn",
        "biznetvigator",
        "protonmail",
        "qq",
        "163",
        "126",
        "sina",
        "foxmail",
        "aol",
    ]
)


def _spelled_email(text: str) -> bool:
    """A written-out address, not a sentence that happens to say "at" and "dot": with a plain
    "at", the name has a dot of its own ("peter dot lee at ..."), the domain is a mail provider
    ("... at gmail dot com") or it has two parts after it ("... at abc dot com dot hk")."""
    if not _SPELLED_HINT_RE.search(text) and "@" not in text:
        return False
    if _BRACKETED_AT_RE.search(text):
        return True
    at = _PLAIN_AT_RE.search(text)
    if at is None:
        return False
    local, domain = text[: at.start()], text[at.end() :]
    labels = [w.lower() for w in _SPELLED_DOT_RE.split(domain) if w.strip()]
    return bool(
        _SPELLED_DOT_RE.search(local)
        or (labels and labels[0].strip() in _MAIL_PROVIDERS)
        or len(labels) >= 3
    )


_CARD_RE = re.compile(r"(?<![0-9])(?:\d[ \-]?){12,18}\d(?![0-9])")
_HKID_RE = re.compile(
    _NOT_ALNUM_BEFORE
    + r"([A-Za-z]{1,2}) ?(\d{6})\s?(?:\(\s?([0-9Aa])\s?\)|\[\s?([0-9Aa])\s?\]|-?\s?([0-9Aa]))"
    + _NOT_ALNUM_AFTER
)
_PASSPORT_RE = re.compile(_NOT_ALNUM_BEFORE + r"[A-Za-z]{1,2}\d{7,8}" + _NOT_ALNUM_AFTER)
# 9123 4567, 9123-4567, 9234.5678, 9123/4567, +852 9123 4567, (852) 9123 4567.
_PHONE_RE = re.compile(
    r"(?<![0-9A-Za-z+(])(?:(?:\+|00)?852[ \-.]?|\((?:\+|00)?852\) ?)?"
    r"([2356789]\d{3})[ \-./]?(\d{4})(?![0-9])"
)
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class Finding:
    """One identifier found in a text: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int
    text: str


# Full-width digits, letters and brackets (common in Chinese input) to ASCII, one char for one,
# so that positions found in the folded text are positions in the original.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _fold(text: str) -> str:
    return text.translate(_FOLD)


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
    if _SPELLED_HINT_RE.search(folded):
        for m in _SPELLED_EMAIL_RE.finditer(folded):
            if _spelled_email(m.group()):
                add("email", m)
    for m in _CARD_RE.finditer(folded):
        if luhn_ok(m.group()):
            add("card", m)
    for m in _HKID_RE.finditer(folded):
        check = m.group(3) or m.group(4) or m.group(5)
        if is_valid_hkid(m.group(1), m.group(2), check):
            add("hkid", m)
    for m in _PASSPORT_RE.finditer(folded):
        add("passport", m)
    for m in _PHONE_RE.finditer(folded):
        number = m.group(1) + m.group(2)
        looks_like_years = bool(_YEAR_RE.fullmatch(m.group(1)) and _YEAR_RE.fullmatch(m.group(2)))
        if number not in PUBLIC_NUMBERS and not looks_like_years:
            add("phone", m)
    for start, end in _addresses(folded):
        found.append(Finding("address", start, end, text[start:end]))
    return found


class _Taken:
    """Which characters of a text are already part of a finding: checking a span costs its
    length, so keeping findings apart stays linear however many there are."""

    def __init__(self, size: int) -> None:
        self._marks = bytearray(size)

    def free(self, start: int, end: int) -> bool:
        return self._marks.find(1, start, end) < 0

    def take(self, start: int, end: int) -> None:
        self._marks[start:end] = b"\x01" * (end - start)


def detect(text: str) -> list[Finding]:
    """Identifiers in ``text`` and the names beside them, in order, without overlaps (the more
    specific kind wins)."""
    if not text:
        return []
    priority = {kind: i for i, kind in enumerate(KINDS)}
    taken = _Taken(len(text))
    kept: list[Finding] = []
    for finding in sorted(_candidates(text), key=lambda f: (priority[f.kind], f.start)):
        if taken.free(finding.start, finding.end):
            taken.take(finding.start, finding.end)
            kept.append(finding)
    for name in _names_beside(text, kept):
        if taken.free(name.start, name.end):
            taken.take(name.start, name.end)
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


# ---------------------------------------------------------------- Hong Kong addresses

# An address is a run of parts (flat or room, floor, block, building, street, district) joined by
# spaces or commas, with a part that is specific to one home or office: a flat or room number or a
# street number (weight 2), or a floor (weight 1) with any other part beside it ("12/F, Golden
# Building"). Names alone (a street, a building, a district) and a floor alone ("the printer on
# 5/F") are left.
_WORD_START = r"(?<![A-Za-z0-9])"
_NOT_NAME = (
    r"(?!(?:the|a|an|of|about|on|in|at|to|for|from|and|or|my|our|your|his|her|their|this|that|"
    r"is|are|was|were|be|do|does|can|may|lives?|living|stays?|moved?|new|old|near|by)\b)"
)
_NAME_WORD = _NOT_NAME + r"[A-Za-z][A-Za-z'’.]{0,20}\s{1,2}"
_STREET_WORDS = (
    r"(?:road|rd|street|st|avenue|ave|lane|path|drive|terrace|crescent|circuit|praya|boulevard|"
    r"highway)\b\.?(?:\s{1,2}(?:central|east|west|north|south)\b)?"
)
_BUILDING_WORDS = (
    r"(?:building|bldg|mansions?|court|house|centre|center|plaza|tower|estate|gardens?|villas?|"
    r"heights|place|square|hall|lodge)\b"
)
_DISTRICTS_EN = (
    "central|sheung wan|wan chai|causeway bay|north point|quarry bay|tai koo|shau kei wan|"
    "chai wan|aberdeen|ap lei chau|pok fu lam|happy valley|mid-levels|kennedy town|admiralty|"
    "tsim sha tsui|jordan|yau ma tei|mong kok|prince edward|sham shui po|cheung sha wan|"
    "lai chi kok|kowloon tong|kowloon city|to kwa wan|hung hom|ho man tin|kwun tong|"
    "ngau tau kok|kowloon bay|lam tin|yau tong|wong tai sin|diamond hill|san po kong|tsuen wan|"
    "kwai chung|tsing yi|sha tin|shatin|tai wai|ma on shan|tai po|fanling|sheung shui|yuen long|"
    "tin shui wai|tuen mun|tseung kwan o|sai kung|tung chung|lantau|discovery bay|kowloon|"
    "hong kong|new territories|n\\.t\\.|h\\.k\\.|nt|hk"
)
_ADDRESS_EN = [
    # (weight, pattern)
    (
        2,
        _WORD_START + r"(?:flat|room|rm|apartment|apt)\.?\s{0,2}"
        r"(?:\d{1,4}[A-Za-z]?|[A-Za-z]\d{0,3})(?![A-Za-z0-9])",
    ),
    (1, _WORD_START + r"(?:\d{1,3}|g|ug|lg|m)\s?/\s?f(?![A-Za-z0-9])"),
    (1, _WORD_START + r"\d{1,3}(?:st|nd|rd|th)?\s{1,2}(?:floor|fl\.)(?![A-Za-z])"),
    (1, _WORD_START + r"(?:ground|upper ground|lower ground)\s{1,2}floor\b"),
    (
        2,
        r"(?<![A-Za-z0-9./\-])\d{1,4}[A-Za-z]?(?:\s?-\s?\d{1,4}[A-Za-z]?)?,?\s{1,2}"
        f"(?:{_NAME_WORD}){{1,4}}?{_STREET_WORDS}",
    ),
    (
        0,
        _WORD_START + r"(?:block|blk|tower|twr|phase|wing)\.?\s{0,2}(?:\d{1,3}[A-Za-z]?|"
        r"(?-i:[A-Z]))(?![A-Za-z0-9])",
    ),
    (
        0,
        _WORD_START + r"(?:unit|shop|suite)\.?\s{0,2}(?:\d{1,4}[A-Za-z]?|[A-Za-z]\d{1,3})"
        r"(?![A-Za-z0-9])",
    ),
    (0, r"(?<![A-Za-z])" + f"(?:{_NAME_WORD}){{1,4}}?{_BUILDING_WORDS}"),
    (0, r"(?<![A-Za-z])" + f"(?:{_NAME_WORD}){{1,3}}?{_STREET_WORDS}"),
    (0, _WORD_START + f"(?:{_DISTRICTS_EN})(?![A-Za-z])"),
]
_ADDRESS_EN_RES = [(weight, re.compile(p, _I)) for weight, p in _ADDRESS_EN]
_ZH_NUM = r"(?:\d{1,4}|[一二三四五六七八九十百]{1,4})"
_DISTRICTS_ZH = (
    "中西區|灣仔|東區|南區|油尖旺|深水埗|九龍城|黃大仙|觀塘|葵青|荃灣|屯門|元朗|北區|大埔|沙田|"
    "西貢|離島|旺角|尖沙咀|油麻地|佐敦|銅鑼灣|北角|鰂魚涌|太古|筲箕灣|柴灣|香港仔|鴨脷洲|薄扶林|"
    "跑馬地|半山|堅尼地城|上環|中環|金鐘|紅磡|何文田|土瓜灣|九龍灣|牛頭角|藍田|油塘|鑽石山|新蒲崗|"
    "葵涌|青衣|大圍|馬鞍山|粉嶺|上水|天水圍|將軍澳|東涌|大嶼山|九龍|新界|香港"
)
# (weight, pattern, how many Han characters of a name may stand before the match)
_ADDRESS_ZH = [
    (2, r"(?:道|街|路|里|徑|坊|巷|圍)[東西南北中]?\s?\d{1,4}(?:\s?[-至]\s?\d{1,4})?\s?號", 5),
    (1, _ZH_NUM + r"\s?字?樓(?![宇盤價市梯])", 0),
    (2, r"(?<![A-Za-z0-9])(?:[A-Za-z]\d{0,4}|\d{1,4}[A-Za-z]?)\s?(?:室|號舖|號鋪)", 0),
    (1, r"地下(?=[A-Za-z0-9]{1,4}\s?(?:室|號舖|號鋪))", 0),
    (0, r"第?(?:\d{1,3}|[A-Za-z]|[一二三四五六七八九十]{1,3})\s?座", 0),
    (0, r"(?:大廈|大樓|中心|花園|廣場|商場|山莊|豪庭|邨|苑|閣|軒)", 5),
    (0, f"(?:{_DISTRICTS_ZH})", 0),
]
_ADDRESS_ZH_RES = [(weight, re.compile(p), back) for weight, p, back in _ADDRESS_ZH]
# Characters that are grammar, not part of a street or building name: 「我住喺彌敦道」.
_ZH_NOT_PLACE = frozenset(
    "的嘅之係是為同和及與或在喺住於到去返由從我你佢他她它們哋咗過了嗎呢啊呀吧話問請用個有冇"
)
_ADDRESS_GAP_RE = re.compile(r"[\s,，、;；]{0,3}")


def _addresses(folded: str) -> list[tuple[int, int]]:
    parts: list[tuple[int, int, int]] = []
    for weight, pattern in _ADDRESS_EN_RES:
        parts.extend((m.start(), m.end(), weight) for m in pattern.finditer(folded))
    if has_han(folded):
        for weight, pattern, back in _ADDRESS_ZH_RES:
            for m in pattern.finditer(folded):
                start = m.start()
                while (
                    back
                    and start > 0
                    and m.start() - start < back
                    and has_han(folded[start - 1])
                    and folded[start - 1] not in _ZH_NOT_PLACE
                ):
                    start -= 1
                parts.append((start, m.end(), weight))
    parts.sort()
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(parts):
        start, end, top = parts[i]
        count, i = 1, i + 1
        while i < len(parts) and (
            parts[i][0] <= end or _ADDRESS_GAP_RE.fullmatch(folded, end, parts[i][0])
        ):
            end, top = max(end, parts[i][1]), max(top, parts[i][2])
            count, i = count + 1, i + 1
        if top == 2 or (top == 1 and count > 1):
            found.append((start, end))
    return found


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
    r"credit|debit|payment|passport|account|is|are|was|at|on|in|with|has|whose|of|for|lives?|"
    r"living|resides?|residing|stays?|staying|home|flat)\b|"
    r"的|嘅|之|係|是|為|身份證|身分證|香港|證件|號碼|號|電話|手提|手機|聯絡|流動|電郵|郵箱|郵件|地址|"
    r"住址|住喺|住在|住|喺|在|信用卡|扣賬卡|卡|護照|編號)*$",
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
