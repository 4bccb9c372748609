import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.cards import SectionPassages
from assistant.corpus.documents import load_corpus
from assistant.devtools.evaluate import (
    GoldError,
    GoldItem,
    ItemResult,
    _supported,
    load_gold,
    ours,
    run_eval,
    score,
)
from assistant.pipeline import Assistant
from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT

GOLD = PROJECT_ROOT / "evals" / "gold.jsonl"
HELDOUT = PROJECT_ROOT / "evals" / "heldout.jsonl"
EVERYDAY = PROJECT_ROOT / "evals" / "everyday.jsonl"


def item(
    expected: tuple[str, ...] = ("a/1",), kind: str = "factual", mention: tuple[str, ...] = ()
) -> GoldItem:
    return GoldItem("x", "en", "q", expected, mention, kind)


def test_metrics_on_hand_made_results() -> None:
    results = [
        ItemResult(item(), ["a/1", "a/2"], ["a/1"], False, "uses MFA", [("s", "s")], 10, 1),
        ItemResult(
            item(), ["a/2", "a/1"], ["a/2", "a/1"], False, "", [("s", "s"), ("t", "u")], 20, 1
        ),
        ItemResult(item(), ["a/3"], [], True, "", [], 30),
        ItemResult(item((), "out_of_scope"), ["a/3"], [], True, "", [], 40),
        ItemResult(item((), "out_of_scope"), ["a/3"], ["a/3"], False, "", [], 50),
    ]
    m = score(results)
    assert m["hit_at_1"] == pytest.approx(1 / 3)
    assert m["hit_at_5"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 0.5) / 3)
    assert m["ndcg_at_5"] == pytest.approx((1 + 1 / 1.5849625) / 3, rel=1e-4)
    assert m["citation_precision"] == pytest.approx(2 / 3)
    assert m["grounding_rate"] == pytest.approx(2 / 3)
    assert m["refusal_recall"] == pytest.approx(0.5)
    assert m["refusal_precision"] == pytest.approx(0.5)
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["latency_p50_ms"] == 30


def test_must_mention_alternatives_match_in_either_script() -> None:
    results = [
        ItemResult(
            item(mention=("multi-factor | 多重認證", "2110 1155")),
            ["a/1"],
            ["a/1"],
            False,
            "啟用多重认证",
        )
    ]
    assert score(results)["must_mention_recall"] == pytest.approx(0.5)


def test_gold_file_errors_are_reported_with_line_numbers(tmp_path: Path) -> None:
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"id": "1", "lang": "en", "question": "q", "kind": "factual"}\n', "utf-8")
    with pytest.raises(GoldError, match=":1: an in-scope item needs expected_sections"):
        load_gold(bad)
    bad.write_text("not json\n", "utf-8")
    with pytest.raises(GoldError, match=":1: not a gold item"):
        load_gold(bad)


def test_the_gold_set_meets_its_specification() -> None:
    items = load_gold(GOLD)
    assert len(items) >= 120
    langs = [i.lang for i in items]
    assert 0.4 <= langs.count("en") / len(items) <= 0.5
    assert 0.4 <= langs.count("zh-Hant") / len(items) <= 0.5
    assert langs.count("mixed") / len(items) >= 0.08
    assert sum(not i.in_scope for i in items) >= 15
    assert sum(bool(i.history) for i in items) >= 5
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    ids = set(corpus.section_ids())
    unknown = {s for i in items for s in i.expected_sections} - ids
    assert not unknown
    covered = {s for i in items for s in i.expected_sections}
    for doc in {s.split("/")[0] for s in ids}:
        assert any(s.startswith(doc + "/") for s in covered), doc


@pytest.mark.slow
def test_grounding_gate_on_the_shipped_corpus(real_settings: Settings) -> None:
    """The quality bar of the product; a change that drops below it must not land."""
    report = run_eval(real_settings, GOLD, with_baselines=False)
    # Every shown sentence is checked against what backs it (a quote or card sentence against its
    # sections, a digest note against the notes); it measured 1.000 on every set.
    assert report["grounding_rate"] >= 0.995
    assert report["noise_sentences"] == 0
    assert report["hit_at_5"] >= 0.93
    assert report["hit_at_1"] >= 0.74
    # Card answers cite every section their sentences rest on (e.g. the Checklist's "about" for
    # its legal status) while a gold item lists the section it asks about, so this fell from
    # 0.61 (one section per answer) to 0.49 when cards came in; the floor guards what is left.
    assert report["citation_precision"] >= 0.47
    assert report["must_mention_recall"] >= 0.8
    assert report["refusal_recall"] >= 0.9
    assert report["false_refusal_rate"] <= 0.02
    for lang in ("en", "zh-Hant", "mixed"):
        assert report["by_lang"][lang]["hit_at_5"] >= 0.9, lang


@pytest.mark.slow
def test_everyday_and_heldout_floors_on_the_shipped_corpus(real_settings: Settings) -> None:
    """Regression floors just under the figures measured on the sets never tuned on (the
    everyday test split and the held-out set); the README reports the figures themselves. Each
    floor leaves about one item of margin: builds of the same corpus can differ in the last
    digits of a vector-store distance (Chroma builds its HNSW graph with several threads), which
    now and then moves an item that sits near a threshold."""
    everyday = run_eval(real_settings, EVERYDAY, with_baselines=False, split="test")
    assert everyday["items"] == 110
    assert everyday["grounding_rate"] >= 0.995
    assert everyday["noise_sentences"] == 0
    assert everyday["hit_at_5"] >= 0.85
    assert everyday["hit_at_1"] >= 0.61
    assert everyday["false_refusal_rate"] <= 0.045
    assert everyday["refusal_recall"] >= 0.64
    assert everyday["lead_accuracy"] >= 0.47
    assert everyday["type_accuracy"] >= 0.6
    assert everyday["list_completeness"] >= 0.78
    assert everyday["card_precision"] >= 0.85
    heldout = run_eval(real_settings, HELDOUT, with_baselines=False)
    assert heldout["grounding_rate"] >= 0.995
    assert heldout["hit_at_5"] >= 0.88
    assert heldout["hit_at_1"] >= 0.6
    assert heldout["false_refusal_rate"] <= 0.05


def test_eval_command_prints_stable_json_keys_and_writes_a_report(
    built_settings: Settings, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": "1",
            "lang": "en",
            "question": "Do staff need multi-factor authentication?",
            "expected_sections": ["checklist-2025/4"],
            "must_mention": ["multi-factor | 多重認證"],
            "kind": "factual",
        },
        {
            "id": "2",
            "lang": "zh-Hant",
            "question": "可唔可以用客戶資料訓練AI？",
            "expected_sections": ["pdpo-dpps/dpp3"],
            "must_mention": ["同意"],
            "kind": "factual",
        },
        {
            "id": "3",
            "lang": "mixed",
            "question": "Staff可唔可以用自己部手機用AI？",
            "expected_sections": ["checklist-2025/4"],
            "must_mention": [],
            "kind": "factual",
            "history": [],
        },
        {
            "id": "4",
            "lang": "en",
            "question": "Who won the World Cup in 2022?",
            "expected_sections": [],
            "must_mention": [],
            "kind": "out_of_scope",
        },
    ]
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    env = {
        "ASSISTANT_CORPUS_DIR": str(built_settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(built_settings.index_dir),
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
    }
    report_path = tmp_path / "report.md"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.interfaces.cli",
            "eval",
            "--gold",
            str(gold),
            "--json",
            "--report",
            str(report_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    for key in (
        "hit_at_1",
        "hit_at_5",
        "mrr",
        "ndcg_at_5",
        "citation_precision",
        "must_mention_recall",
        "grounding_rate",
        "refusal_recall",
        "false_refusal_rate",
        "by_lang",
        "by_kind",
        "baselines",
    ):
        assert key in data, key
    assert data["hit_at_5"] == 1.0 and data["grounding_rate"] == 1.0
    assert set(data["baselines"]) == {
        "BM25 only (our tokeniser)",
        "dense only (same embedder)",
        "llama-index BM25Retriever (default tokeniser)",
        "quick demo (500-char chunks, dense)",
    }
    text = report_path.read_text("utf-8")
    assert "| ours (hybrid) |" in text and "llama-index BM25Retriever" in text
    assert report_path.with_suffix(".png").stat().st_size > 10_000


def test_grounding_checks_each_kind_of_shown_sentence_against_what_backs_it(
    fixture_assistant: Assistant,
) -> None:
    # Notes about the digest are backed by the digest's notes, not by the section's text; a
    # drafted clause (template wording) is not counted at all.
    run = ours(fixture_assistant)
    draft = run(
        GoldItem("d", "en", "draft a clause that staff must use strong passwords", (), (), "policy")
    )
    assert draft.drafted and draft.grounded is None
    quoted = fixture_assistant.retriever.snapshot.sections[0]
    note = "This digest does not cover paragraph 9."
    section = dataclasses.replace(quoted, notes=(note,))
    passages = SectionPassages(None)
    kinds = {"kind": "note", "n": [1]}
    assert _supported(note, section, kinds, {1: section}, None, passages)
    assert not _supported(
        "A note the digest never made.", section, kinds, {1: section}, None, passages
    )
