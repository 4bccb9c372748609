"""The question-type rules, on the labelled questions of evals/question_types.jsonl (English,
Chinese incl. Cantonese, and mixed). The rules were tuned on the dev split only; the test split
is the honest figure and is gated just under what was measured."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from assistant.answer.question_type import TYPES, classify
from tests.conftest import PROJECT_ROOT

LABELLED = PROJECT_ROOT / "evals" / "question_types.jsonl"


def _items(split: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == split]


def test_the_labelled_set_has_every_type_in_all_three_language_groups() -> None:
    rows = _items("dev") + _items("test")
    assert len(rows) >= 200
    counts = Counter((r["type"], r["lang"]) for r in rows)
    for kind in TYPES:
        for lang in ("en", "zh-Hant", "mixed"):
            assert counts[(kind, lang)] >= 3, (kind, lang)


@pytest.mark.parametrize(("split", "floor"), [("dev", 0.95), ("test", 0.83)])
def test_accuracy_on_each_split(split: str, floor: float) -> None:
    rows = _items(split)
    right = sum(classify(r["question"]).name == r["type"] for r in rows)
    assert right / len(rows) >= floor


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("can i put client emails in chatgpt", "permission"),
        ("我哋公司可唔可以用ChatGPT幫手整理客人嘅電郵？", "permission"),
        ("staff 使唔使 check AI output", "permission"),
        ("how do we report an ai incident", "howto"),
        ("點樣設定多重認證", "howto"),
        ("what are the seven ethical principles", "list"),
        ("清單有邊五個範疇", "list"),
        ("what does personal data mean", "definition"),
        ("乜嘢係個人資料", "definition"),
        ("when did the pcpd publish the checklist", "fact"),
        ("公署幾時推出清單", "fact"),
        ("how does the 2024 framework differ from the 2021 guidance", "comparison"),
        ("DPP1 同 DPP3 有咩分別", "comparison"),
        ("write a short reminder to staff that they must not paste client data into ai", "draft"),
        ("幫我 draft 一段 policy 講唔可以用 DeepSeek", "draft"),
        ("clause that staff keep their ai logins to themselves", "draft"),
        ("寫個 clause 講 AI 出嘅嘢一定要有人 double check", "draft"),
        ("starting our ai policy from scratch, what sections does pcpd say it needs", "list"),
        ("ok to give the vendor admin access to live customer data", "permission"),
        ("we want interns blocked from gen ai. can a policy do that?", "permission"),
        (
            "we only buy ai, which guidance fits us better, the 2021 one or the 2024 one",
            "comparison",
        ),
        ("私隱條例同模範框架有咩關係", "comparison"),
        ("公署嘅電郵地址係咩", "fact"),
        ("our intern pasted a client list into chatgpt what now", "situation"),
        ("同事上載咗客人資料落AI，點算", "situation"),
    ],
)
def test_typical_questions(question: str, kind: str) -> None:
    assert classify(question).name == kind


def test_the_rule_that_decided_is_named() -> None:
    decided = classify("can i use copilot")
    assert decided.name == "permission" and decided.rule
