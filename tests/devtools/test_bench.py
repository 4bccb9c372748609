"""The benchmark runs end to end and writes its report (timings are reported, never asserted)."""

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus.documents import check_corpus, load_corpus
from assistant.devtools.bench import _run_probe, _seed_scaled_cache, make_scaled_corpus, run_bench
from assistant.index.cache import EmbeddingCache
from assistant.index.chunking import chunk_sections
from assistant.index.generations import safe_name
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


class _NamedEmbedder:
    name = "fake-embedder"
    dim = 8


def test_every_copy_chunk_gets_a_seeded_vector(tmp_path: Path) -> None:
    # The shipped corpus has a document id containing "-c" (compliance-checks), which once made
    # its copies miss their originals and be re-embedded at every scale.
    source = PROJECT_ROOT / "corpus"
    base = EmbeddingCache(tmp_path / "base.npz", _NamedEmbedder.dim)
    rng = np.random.default_rng(0)
    originals = chunk_sections(load_corpus(source).sections)
    for chunk in originals:
        base.put(chunk.hash, rng.normal(size=_NamedEmbedder.dim).astype(np.float32))
    base.save(keep={c.hash for c in originals})
    make_scaled_corpus(source, tmp_path / "corpus", 2)
    scaled = Settings.from_env(
        env={}, corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "i", data_dir=tmp_path / "d"
    )
    _seed_scaled_cache(scaled, base.path, _NamedEmbedder())
    seeded = EmbeddingCache(
        scaled.index_dir / "cache" / f"{safe_name(_NamedEmbedder.name)}.npz", _NamedEmbedder.dim
    )
    copies = chunk_sections(load_corpus(tmp_path / "corpus").sections)
    assert any(c.doc_id == "compliance-checks-c001" for c in copies)
    missing = [c.section_id for c in copies if seeded.get(c.hash) is None]
    assert missing == []


def test_probe_reports_its_own_memory_not_its_parents(built_settings: Settings) -> None:
    ballast = np.ones(1_500 * 2**20, dtype=np.uint8)  # 1.5 GB held by this (parent) process
    result = _run_probe(
        built_settings, {"en": ["What is DPP4 about?"], "zh-Hant": ["第4原則講咩？"]}, 1
    )
    assert ballast.sum() == ballast.size
    assert 50 < result["peak_rss_mb"] < 1_500


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
        cold=False,  # a build that embeds everything is tested in tests/index/test_build.py
        cli_runs=1,
        serve_answers=2,
    )
    report = (tmp_path / "out" / "bench.md").read_text("utf-8")
    for heading in (
        "## Targets",
        "## Query latency",
        "## Beside llama-index",
        "## Scaling",
        "## Cold paths",
        "`assistant ask --json (zh-Hant)`",
        "Chroma server",
    ):
        assert heading in report
    assert (tmp_path / "out" / "bench.png").stat().st_size > 5_000
    data = json.loads((tmp_path / "out" / "bench.json").read_text("utf-8"))
    assert set(data["scales"]) == {"1", "3"}
    assert data["build_x1"]["cold_s"] is None and data["build_x1"]["fresh_s"] > 0
    assert data["scales"]["3"]["chunks"] == 3 * data["scales"]["1"]["chunks"]
    assert (
        data["scales"]["3"]["embedded"] == 0
    )  # copies reuse perturbed vectors, nothing re-embedded
    assert results["cold_start"]["first_answer_s"] is not None
    cli = data["cold_cli"]["commands"]
    assert set(cli) == {"ask --json (en)", "ask --json (zh-Hant)", "index (no-op)"}
    assert all(t["n"] == 1 and t["mean_s"] > 0 for t in cli.values())
