"""The Checklist items, form choices and keyword vocabularies from ``data/policy_items.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from assistant.corpus.documents import YAML_LOADER
from assistant.drafting.common import CJK_SPACE_RE, LANGS
from assistant.text.script import HAN
from assistant.text.tokenize import normalise

# ---------------------------------------------------------------- data files


def _load_yaml(name: str) -> dict[str, Any]:
    text = resources.files("assistant").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.load(text, Loader=YAML_LOADER)


def _tidy_chinese(value: Any) -> Any:
    if isinstance(value, str):
        return CJK_SPACE_RE.sub("", value)
    if isinstance(value, list):
        return [_tidy_chinese(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy_chinese(v) for k, v in value.items()}
    return value


@cache
def items_data() -> dict[str, Any]:
    return _load_yaml("policy_items.yaml")


@cache
def wording(lang: str) -> dict[str, Any]:
    data = _load_yaml("policy_clauses.yaml")[lang]
    return _tidy_chinese(data) if lang == "zh-Hant" else data


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the Checklist that a policy should address (the coverage report's rows)."""

    key: str
    part: str
    labels: dict[str, str]
    cites: tuple[str, ...]
    keywords: tuple[str, ...]
    anchors: tuple[str, ...] = ()

    @property
    def section_id(self) -> str:
        return self.cites[0]

    def label(self, lang: str) -> str:
        return self.labels[lang]


@cache
def checklist_items() -> tuple[ChecklistItem, ...]:
    """Every Checklist item, in policy order (the single list used everywhere)."""
    data = items_data()
    items = []
    for part in data["parts"]:
        for key in part["items"]:
            raw = data["items"][key]
            items.append(
                ChecklistItem(
                    key=key,
                    part=part["key"],
                    labels={lang: raw[lang] for lang in LANGS},
                    cites=tuple(raw["cites"]),
                    keywords=tuple(str(k) for k in raw["keywords"]),
                    anchors=tuple(str(a) for a in raw.get("anchors", ())),
                )
            )
    return tuple(items)


def item_entry(key: str) -> ChecklistItem:
    return next(i for i in checklist_items() if i.key == key)


def choices(lang: str = "en") -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for form widgets: permitted uses and types of information."""
    data = items_data()
    return {
        "uses": [(k, v[lang]) for k, v in data["uses"].items()],
        "data_categories": [(k, v[lang]) for k, v in data["data_categories"].items()],
    }


# ---------------------------------------------------------------- matching helpers


@dataclass(frozen=True)
class _Pattern:
    value: str
    regex: re.Pattern[str]
    weight: float


@cache
def keyword_pattern(keyword: str, value: str = "") -> _Pattern:
    folded = normalise(keyword)
    if re.search(f"[{HAN}]", folded):
        regex = re.compile(re.escape(folded))
        weight = 2.0 * len(folded)
    else:
        # Latin keywords match at a word start; short ones ("hr", "mfa") only as whole words.
        end = r"(?![a-z0-9])" if len(folded) <= 3 else ""
        regex = re.compile(r"(?<![a-z0-9])" + re.escape(folded) + end)
        weight = float(len(folded))
    return _Pattern(value or keyword, regex, weight)


@cache
def _vocabulary(name: str) -> tuple[tuple[str, tuple[_Pattern, ...]], ...]:
    """(key, patterns) for a vocabulary in policy_items.yaml: its synonyms, key and labels."""
    entries = []
    for key, raw in items_data()[name].items():
        # Role keys such as "it" are ordinary words, so only their synonyms and labels count.
        key_words = [] if name == "roles" else [key.replace("_", " ")]
        words = [*raw.get("synonyms", []), *key_words, raw["en"], raw["zh-Hant"]]
        entries.append((key, tuple(keyword_pattern(w, key) for w in words)))
    return tuple(entries)


def find_item(text: str, vocabulary: str) -> list[tuple[str, tuple[int, int]]]:
    """Every vocabulary key mentioned in the text, with the span of its first mention."""
    folded = normalise(text)
    found = []
    for key, patterns in _vocabulary(vocabulary):
        spans = [m.span() for p in patterns for m in p.regex.finditer(folded)]
        if spans:
            found.append((key, min(spans)))
    return found


def classify(value: str, vocabulary: str) -> str | None:
    """The vocabulary key a user's value names (first listed match wins), or None."""
    folded = normalise(value).strip()
    for key, patterns in _vocabulary(vocabulary):
        if folded == key or any(p.regex.search(folded) for p in patterns):
            return key
    return None


def is_label_or_key(value: str, vocabulary: str) -> str | None:
    """The key when the value is exactly a key or a label (form checkboxes, either language)."""
    folded = normalise(value).strip()
    for key, raw in items_data()[vocabulary].items():
        if folded in {key, normalise(raw["en"]), normalise(raw["zh-Hant"])}:
            return key
    return None
