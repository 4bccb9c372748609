"""Routing a request for one clause to its Checklist item, on the labelled requests of
evals/draft_requests.jsonl (English, Chinese incl. Cantonese, and mixed), by keywords alone. The
keywords and routing were tuned on the dev split only; the test split is the honest figure and is
gated just under what was measured (dev 64/64; test 22/32: en 5/8, zh-Hant 10/11, mixed 7/13)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from assistant.drafting import DraftError, checklist_items, route_request
from tests.conftest import PROJECT_ROOT

LABELLED = PROJECT_ROOT / "evals" / "draft_requests.jsonl"
LANG_GROUPS = ("en", "zh-Hant", "mixed")


def _items(split: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def _routed(text: str) -> str | None:
    try:
        return route_request(text).item
    except DraftError:
        return None


def _accuracy(rows: list[dict[str, str]]) -> float:
    return sum(_routed(r["request"]) == r["item"] for r in rows) / len(rows)


def test_the_labelled_set_covers_every_item_in_both_splits_and_all_language_groups() -> None:
    dev, test = _items("dev"), _items("test")
    assert len(dev) + len(test) >= 60 and len(test) >= 30
    keys = {item.key for item in checklist_items()}
    assert {r["item"] for r in dev + test} == keys
    for rows in (dev, test):
        assert set(Counter(r["lang"] for r in rows)) == set(LANG_GROUPS)


@pytest.mark.parametrize(("split", "floor"), [("dev", 0.95), ("test", 0.65)])
def test_accuracy_on_each_split(split: str, floor: float) -> None:
    assert _accuracy(_items(split)) >= floor


# The language groups are small (8 to 24 requests): each floor allows one request fewer than
# measured.
@pytest.mark.parametrize(
    ("split", "lang", "floor"),
    [
        ("dev", "en", 0.95),
        ("dev", "zh-Hant", 0.95),
        ("dev", "mixed", 0.94),
        ("test", "en", 0.5),
        ("test", "zh-Hant", 0.81),
        ("test", "mixed", 0.46),
    ],
)
def test_accuracy_in_each_language_group(split: str, lang: str, floor: float) -> None:
    rows = [r for r in _items(split) if r["lang"] == lang]
    assert _accuracy(rows) >= floor


@pytest.mark.parametrize(
    ("text", "item"),
    [
        # A negation before the input word: the tool named is where the data goes, not the topic.
        ("幫我寫一條關於員工唔可以將客戶資料輸入公開AI工具嘅條款", "prohibited_input"),
        ("staff should never paste personal data into public ai tools", "prohibited_input"),
        # A Cantonese A-not-A question asks "may we?", it does not forbid.
        ("員工可唔可以將客戶資料入ChatGPT", "permitted_input"),
        # A negation next to an information type that is not being entered.
        ("staff must not use personal phones for ai", "devices"),
        # The longer phrase wins over the word inside it ("verif" is accuracy's).
        ("two step verification", "credentials"),
        ("clause that staff keep their ai logins to themselves and use two step verification",
         "credentials"),
        # Code-switching: the same keyword whatever the spacing between English and Chinese.
        ("寫個 clause 講 AI 生成內容要加 label", "labelling"),
        ("寫個clause講AI生成內容要加label", "labelling"),
        ("draft 一段講呢份 AI policy 每年 review 一次", "review"),
        ("請草擬條文，訂明哪些僱員獲准使用生成式AI工具", "users"),
    ],
)  # fmt: skip
def test_explicit_requests_route_to_their_item(text: str, item: str) -> None:
    assert route_request(text).item == item


def test_a_negated_input_request_reports_both_words_it_matched() -> None:
    route = route_request("幫我寫一條關於員工唔可以將客戶資料輸入公開AI工具嘅條款")
    assert route.negated and route.method == "keywords"
    assert route.matched == ("唔可以", "輸入")
    route = route_request("two step verification")
    assert route.matched == ("two step verification",)
