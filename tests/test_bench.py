"""The benchmark runs end to end and writes its report (timings are reported, never asserted)."""

import json
from pathlib import Path

import pytest

from assistant.bench import make_scaled_corpus, run_bench
from assistant.corpus import check_corpus, load_corpus
from assistant.settings import Settings
from tests.conftest import FIXTURE_CORPUS, PROJECT_ROOT


def test_scaled_corpus_is_a_valid_corpus_of_organisation_copies(tmp_path: Path) -> None:
    make_scaled_corpus(FIXTURE_CORPUS, tmp_path, 3)
    corpus = load_corpus(tmp_path)
    assert not corpus.problems
    assert check_corpus(tmp_path, require_canonical=False) == []
    original = load_corpus(FIXTURE_CORPUS)
    assert len(corpus.sections) == 3 * len(original.sections)
    copy = corpus.section("checklist-2025-c001/4", "en")
    assert copy is not None and "(" in copy.document.title
    assert sorted(copy.text.splitlines()) == sorted(
        line
        for line in original.section("checklist-2025/4", "en").text.splitlines()
        if line.strip()
    )


@pytest.mark.slow
def test_bench_smoke_writes_report_and_plot(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env={}, corpus_dir=FIXTURE_CORPUS, index_dir=tmp_path / "i", data_dir=tmp_path / "d"
    )
    results = run_bench(
        settings,
        tmp_path / "out",
        scales=(1, 3),
        per_lang=2,
        repeats=1,
        gold=PROJECT_ROOT / "evals" / "gold.jsonl",
    )
    report = (tmp_path / "out" / "bench.md").read_text("utf-8")
    for heading in (
        "## Targets",
        "## Query latency",
        "## Beside llama-index",
        "## Scaling",
        "Chroma server",
    ):
        assert heading in report
    assert (tmp_path / "out" / "bench.png").stat().st_size > 5_000
    data = json.loads((tmp_path / "out" / "bench.json").read_text("utf-8"))
    assert set(data["scales"]) == {"1", "3"}
    assert data["scales"]["3"]["chunks"] == 3 * data["scales"]["1"]["chunks"]
    assert (
        data["scales"]["3"]["embedded"] == 0
    )  # copies reuse perturbed vectors, nothing re-embedded
    assert results["cold_start"]["first_answer_s"] is not None
