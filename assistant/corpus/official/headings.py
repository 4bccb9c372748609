"""Numbered headings as the publications write them.

``1.``, ``1.3``, ``Part I``, ``第一部分``, ``第1.1段``, ``DPP 1``, ``原則1``, ``Tip 4``, ``附錄A``: each
is recognised by its numbering (``match_heading``) and turned into candidate section ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.script import has_han

_SEP = r"[\s:：.．、\-–—]*"
_CN_NUM = r"[0-9一二三四五六七八九十兩〇零]+"
_ROMAN = r"[IVXLC]+"
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
FULLWIDTH = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
    }
    | {"\u3000": " ", "\u00a0": " ", "．": "."}
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "part",
        re.compile(
            rf"^(Part|PART|Chapter|CHAPTER)\s+({_ROMAN}|\d{{1,2}})(?![A-Za-z0-9]){_SEP}(.*)$"
        ),
    ),
    ("part_zh", re.compile(rf"^第\s*({_CN_NUM})\s*(部分|部|章){_SEP}(.*)$")),
    ("para_zh", re.compile(rf"^第\s*(\d{{1,2}}(?:\.\d{{1,2}}){{0,3}})\s*段{_SEP}(.*)$")),
    (
        "dpp",
        re.compile(
            rf"^(DPP|Data Protection Principle|Principle|PRINCIPLE)\s*(\d{{1,2}})(?![\d.]\d){_SEP}(.*)$"
        ),
    ),
    (
        "dpp_zh",
        re.compile(rf"^(保障資料)?(?:第\s*({_CN_NUM})\s*原則|原則\s*({_CN_NUM})){_SEP}(.*)$"),
    ),
    ("tip", re.compile(rf"^(?:Tip|TIP)\s*(\d{{1,2}})(?![\d.]\d){_SEP}(.*)$")),
    ("tip_zh", re.compile(rf"^(?:第\s*({_CN_NUM})\s*招|貼士\s*({_CN_NUM})){_SEP}(.*)$")),
    (
        "appendix",
        re.compile(
            rf"^(Appendix|APPENDIX|Annex|ANNEX)\s+([A-Z]|\d{{1,2}}|{_ROMAN})(?![A-Za-z0-9]){_SEP}(.*)$"
        ),
    ),
    ("appendix_zh", re.compile(rf"^附錄\s*([A-Z]|{_CN_NUM}){_SEP}(.*)$")),
    ("letter", re.compile(r"^[(（]([a-z])[)）]\s*(.+)$")),
    ("cn_item", re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.+)$")),
    ("number", re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(\.?)(\s*)(\S.*)?$")),
]
_NOT_A_TITLE_RE = re.compile(
    r"^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|per\s?cent|percent|%|"
    r"times\b|hours?\b|days?\b|weeks?\b|months?\b|years?\b|minutes?\b|[年月日時個項名歲次])",
    re.I,
)


@dataclass(frozen=True)
class HeadingMatch:
    """A numbered heading as the document shows it: label ``1.3`` + title, and candidate keys."""

    label: str
    title: str
    keys: tuple[str, ...]
    rank: int | None  # depth of the numbering scheme (Part < item < 1.1 < 1.1.1); None: top level
    kind: str


def match_heading(line: str) -> HeadingMatch | None:
    """Recognise a numbered heading by its numbering alone (no judgement about the title yet)."""
    text = line.translate(FULLWIDTH).strip()
    for kind, pattern in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        found = _from_match(kind, m)
        if found is not None:
            return found
    return None


def _from_match(kind: str, m: re.Match[str]) -> HeadingMatch | None:
    g = m.groups()
    if kind == "part":
        n = _roman(g[1]) if not g[1].isdigit() else int(g[1])
        prefix = "part" if g[0].lower() == "part" else "chapter"
        return HeadingMatch(f"{g[0].title()} {g[1]}", _title(g[2]), (f"{prefix}-{n}",), 0, kind)
    if kind == "part_zh":
        n = _cn_int(g[0])
        prefix = "chapter" if g[1] == "章" else "part"
        return HeadingMatch(f"第{g[0]}{g[1]}", _title(g[2]), (f"{prefix}-{n}",), 0, kind)
    if kind == "para_zh":
        return HeadingMatch(
            f"第{g[0]}段", _title(g[1]), _number_keys(g[0]), _number_rank(g[0]), kind
        )
    if kind == "dpp":
        n = int(g[1])
        keys = (
            (f"principle-{n}", f"dpp{n}")
            if g[0].lower() == "principle"
            else (f"dpp{n}", f"principle-{n}")
        )
        label = "DPP" if g[0] == "DPP" else g[0].title()
        return HeadingMatch(f"{label} {n}", _title(g[2]), keys, 2, kind)
    if kind == "dpp_zh":
        raw = g[1] or g[2]
        n = _cn_int(raw)
        keys = (f"dpp{n}", f"principle-{n}") if g[0] else (f"principle-{n}", f"dpp{n}")
        label = m.group(0)[: m.start(4)].strip(" :：.、-–—")
        return HeadingMatch(label, _title(g[3]), keys, 2, kind)
    if kind == "tip":
        return HeadingMatch(f"Tip {int(g[0])}", _title(g[1]), (f"tip-{int(g[0])}",), 2, kind)
    if kind == "tip_zh":
        n = _cn_int(g[0] or g[1])
        label = m.group(0)[: m.start(3)].strip(" :：.、-–—")
        return HeadingMatch(label, _title(g[2]), (f"tip-{n}",), 2, kind)
    if kind == "appendix":
        value = g[1].lower() if not g[1].isdigit() else g[1]
        return HeadingMatch(
            f"{g[0].title()} {g[1]}", _title(g[2]), (f"appendix-{value}",), None, kind
        )
    if kind == "appendix_zh":
        value = g[0].lower() if g[0].isascii() and g[0].isalpha() else str(_cn_int(g[0]))
        return HeadingMatch(f"附錄{g[0]}", _title(g[1]), (f"appendix-{value}",), None, kind)
    if kind == "letter":
        return HeadingMatch(f"({g[0]})", _title(g[1]), (g[0],), 1, kind)
    if kind == "cn_item":
        n = _cn_int(g[0])
        return HeadingMatch(f"{g[0]}、", _title(g[1]), _number_keys(str(n)), 2, kind)
    # plain numbers: "1.", "1.3", "1 Title", "1.3管治架構"
    number, dot, space, title = g[0], g[1], g[2], g[3] or ""
    first = int(number.split(".")[0])
    if first == 0:
        return None
    dotted = "." in number
    if not dotted and not dot and not space:
        return None  # "3個月", "12月": a quantity, not a heading
    if title and not dotted and not dot and not (title[0].isupper() or has_han(title[0])):
        return None
    if title and (title[0].isdigit() or _NOT_A_TITLE_RE.match(title)):
        return None
    if title and title[0].isascii() and title[0].isalpha() and not title[0].isupper():
        return None  # "1.5 times as many": English headings start with a capital
    return HeadingMatch(number, _title(title), _number_keys(number), _number_rank(number), kind)


def _number_keys(number: str) -> tuple[str, ...]:
    if "." in number:
        return (number,)
    n = int(number)
    return (str(n), f"principle-{n}", f"tip-{n}", f"dpp{n}")


def _number_rank(number: str) -> int:
    return 2 + number.count(".")


def _title(text: str) -> str:
    # Only leading separators go: a trailing full stop is evidence of a sentence, not a heading.
    return re.sub(r"\s+", " ", text).strip().lstrip(":：.．、-–— ")


def _roman(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        v = values[a]
        total += -v if b in values and values[b] > v else v
    return total


def _cn_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            _CN_DIGITS.get(ones, 0) if ones else 0
        )
    return _CN_DIGITS.get(text, 0)


def starts_with_number(text: str) -> bool:
    return match_heading(text) is not None


# A contents entry ends in its page number, often after dot leaders (see readers._is_contents_page).
TOC_ENTRY_RE = re.compile(r"(?:\.{2,}|…+|·{2,}|\s)\s*\d{1,3}$")
DOT_LEADER_RE = re.compile(r"(?:\.{3,}|…+|·{3,})\s*\d{1,3}$")

# Words that a heading may end with plus a number ("Round 3") without being a contents entry.
_COUNTED_RE = re.compile(
    r"(?i)\b(?:round|phase|stage|step|level|version|schedule|section|cap\.?|no\.?|tip|principle)$"
)
TERMINAL_RE = re.compile(r"[.。;；,，:：]$")
CONNECTOR_RE = re.compile(r"(?:\b(?:and|of|the|for|to|in|on|or|with|by|a|an)|[,、及與和或])$", re.I)


def plausible_title(title: str) -> bool:
    """Whether a numbered line reads as a heading rather than a sentence or a contents entry."""
    if not title:
        return True
    if TERMINAL_RE.search(title) or DOT_LEADER_RE.search(title):
        return False
    trailing = TOC_ENTRY_RE.search(title)
    if trailing and not _COUNTED_RE.search(title[: trailing.start()]):
        return False  # "AI Strategy 5": a contents entry with its page number
    if has_han(title[0]) or any(has_han(c) for c in title[:4]):
        return len(title) <= 50
    return len(title) <= 130 and len(title.split()) <= 20
