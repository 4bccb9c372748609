"""CJK-aware tokeniser for lexical search (BM25) and lexical overlap.

Chinese text is folded to Simplified *for matching only* so that jieba's bundled dictionary
applies to Traditional input; the folded form never leaves this module's tokens. Han runs also
yield character bigrams as a recall net for words the dictionary splits differently.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path

from assistant.text.dictionary import ensure_dictionary, table_tokenizer
from assistant.text.script import HAN, fold_width, has_han

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_CN_NUM = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}

# Section references people type, normalised to one token each so "DPP 4", "dpp4", "第4原則",
# "保障資料第四原則" all match the same thing, across languages.
_REFERENCE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bdpp\s*(?:-\s*)?([1-6])\b", re.I), "dpp{}"),
    (re.compile(r"\bprinciple\s*([1-7])\b", re.I), "principle{}"),
    (re.compile(r"第\s*([1-6一二三四五六])\s*(?:项)?(?:保障资料)?原则"), "dpp{}"),
    (re.compile(r"原则\s*([1-6一二三四五六])"), "dpp{}"),
    (re.compile(r"\bpart\s+(iv|v?i{1,3}|v|[1-6])\b", re.I), "part{}"),
    (re.compile(r"第\s*([1-6一二三四五六])\s*部分"), "part{}"),
    (re.compile(r"\btip\s*([1-9]|10)\b", re.I), "tip{}"),
    (re.compile(r"第\s*([1-9]|10|[一二三四五六七八九十])\s*招"), "tip{}"),
    (re.compile(r"第\s*(\d+)\s*条"), "section{}"),
    (re.compile(r"\bsection\s*(\d+)\b", re.I), "section{}"),
    (re.compile(r"\bcap\.?\s*486\b", re.I), "cap486"),
    (re.compile(r"第\s*486\s*章"), "cap486"),
]
_NUMBERED_RE = re.compile(r"\b\d+(?:\.\d+)+\b")
_WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_HAN_RUN_RE = re.compile(f"[{HAN}]+")
_POSSESSIVE_RE = re.compile(r"['’]s\b")


def _number(raw: str) -> int:
    raw = raw.lower()
    if raw.isdigit():
        return int(raw)
    return _ROMAN.get(raw) or _CN_NUM.get(raw, 0)


@cache
def _converter():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified, for matching only."""
    # The converter costs about a millisecond per chunk even on pure English text.
    return _converter().convert(text) if has_han(text) else text


@cache
def _to_hk():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("s2hk")


def to_traditional(text: str) -> str:
    """Simplified -> Hong Kong Traditional (phrase-aware)."""
    return str(_to_hk().convert(text)) if has_han(text) else text


# Characters that are their own Simplified form but also correct Traditional in some words
# (獲准, 公布, 了解, 只有, 周年, 系統, 借助, 干預, 皇后, 台灣, 公里, 面試 ...). The converter
# rewrites them out of context, so they are never taken as evidence of Simplified script.
_SHARED_FORMS = frozenset(
    "了准布只周系借干后台里面范松丑才表板云余制征卷谷采斗几凶朴胡伙佣夸吊咸涂克症泛御游筑合回向"
    "尸蒙千党杰秋姜致折扎托仇划郁舍适辟蜡着群"
)


def simplified_chars(text: str) -> set[str]:
    """Characters of ``text`` that exist only in Simplified script (客户数据 -> 数, 据)."""
    converted = to_traditional(text)
    if len(converted) != len(
        text
    ):  # a conversion that changed length: judge character by character
        pairs = [(c, to_traditional(c)) for c in set(text)]
    else:
        pairs = list(zip(text, converted, strict=True))
    return {a for a, b in pairs if a != b and a not in _SHARED_FORMS and to_simplified(a) == a}


def _data_lines(name: str) -> list[str]:
    text = resources.files("assistant").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def _stopwords() -> frozenset[str]:
    words: set[str] = set()
    for line in _data_lines("stopwords.txt"):
        words.update(line.split())
    return frozenset(words)


def prepare_tokenizer() -> None:
    """Write jieba's dictionary table now (``assistant index`` calls this), so that the first
    question does not wait for it."""
    ensure_dictionary(jieba_cache_dir())


def jieba_cache_dir() -> Path:
    """Where jieba keeps its dictionary cache: this user's cache folder, never a shared temp
    folder (another user's file there cannot be replaced, and a half-written one is left)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pcpd-assistant"


@cache
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    folder = jieba_cache_dir()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK):
        # Without a writable cache folder jieba builds its dictionary in memory each run (about
        # a second); its failed attempt to save the cache is not an error of ours to print.
        logging.getLogger("jieba").setLevel(logging.CRITICAL)
    # The dictionary is read from a table a word at a time (text.dictionary), not loaded whole.
    tokenizer = table_tokenizer(folder)
    tokenizer.tmp_dir = str(folder)
    for term in _data_lines("domain_terms.txt"):
        tokenizer.add_word(normalise(term), freq=20000)
    for word in ("可唔可以", "得唔得", "要唔要", "系咪", "点样", "我哋", "佢哋", "你哋", "边个"):
        tokenizer.add_word(word, freq=20000)
    return tokenizer


def normalise(text: str) -> str:
    """Width-fold, lower-case and fold to Simplified: the matching form of any text."""
    return to_simplified(fold_width(text).lower())


def _stem(word: str) -> str:
    # A light English stemmer: enough to match plurals and -ing/-ed forms of the guidance's terms.
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= (
            4 if suffix in ("ed", "ing") else 3
        ):
            if suffix == "s" and word.endswith("ss"):
                return word
            if suffix == "es" and not word.endswith(("sses", "xes", "ches", "shes")):
                return word[:-1]
            return word[: -len(suffix)] + replacement
    return word


def _is_lone_digit(word: str) -> bool:
    return word.isdigit() and len(word) == 1


def reference_tokens(text: str) -> list[str]:
    """Canonical tokens for section references (DPP 4 -> dpp4, 第三部分 -> part3, 1.3 -> 1.3)."""
    return _reference_tokens_of_folded(normalise(text))


def _reference_tokens_of_folded(folded: str) -> list[str]:
    tokens = [
        template.format(_number(m.group(1))) if m.groups() else template
        for pattern, template in _REFERENCE_PATTERNS
        for m in pattern.finditer(folded)
    ]
    tokens.extend(_NUMBERED_RE.findall(folded))
    return tokens


def tokenize(text: str, keep_stopwords: bool = False) -> list[str]:
    """Tokens for BM25: references, stemmed English words, jieba words and Han bigrams."""
    folded = normalise(text)
    stop = frozenset() if keep_stopwords else _stopwords()
    tokens = _reference_tokens_of_folded(folded)
    latin = _POSSESSIVE_RE.sub("", _HAN_RUN_RE.sub(" ", folded))
    tokens.extend(
        _stem(w) for w in _WORD_RE.findall(latin) if w not in stop and not _is_lone_digit(w)
    )
    jieba = _jieba()
    for run in _HAN_RUN_RE.findall(folded):
        # Single characters are left to the bigrams: alone they match almost everything.
        tokens.extend(w for w in jieba.lcut(run, HMM=False) if len(w) > 1 and w not in stop)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1) if run[i : i + 2] not in stop)
    return tokens


def content_terms(text: str) -> set[str]:
    """Distinct topical words of a question (no bigrams), used for lexical coverage."""
    folded = normalise(text)
    stop = _stopwords()
    terms = set(_reference_tokens_of_folded(folded))
    latin = _POSSESSIVE_RE.sub("", _HAN_RUN_RE.sub(" ", folded))
    terms.update(_stem(w) for w in _WORD_RE.findall(latin) if w not in stop and len(w) > 1)
    for run in _HAN_RUN_RE.findall(folded):
        terms.update(
            w for w in _jieba().lcut(run, HMM=False) if w.strip() and w not in stop and len(w) > 1
        )
    return terms
