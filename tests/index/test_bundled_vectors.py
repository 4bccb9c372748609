"""The vectors shipped for the bundled corpus: complete (a corpus or card change made without
refreshing them fails here), exactly what the model gives, and used by a fresh build so that a
new clone embeds nothing it does not have to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.corpus.cards import load_cards
from assistant.corpus.documents import load_corpus
from assistant.index.build import BuildReport
from assistant.index.cache import (
    CachedEmbedder,
    EmbeddingCache,
    bundled_vectors_path,
    passage_key,
    query_key,
)
from assistant.index.chunking import chunk_sections
from assistant.index.embeddings import make_embedder
from assistant.index.snapshot import ask_hash, section_sentences, sentence_hash
from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT

REFRESH = "run `assistant corpus vectors` and commit assistant/data/vectors with the change"


@pytest.fixture(scope="module")
def shipped() -> EmbeddingCache:
    embedder = make_embedder(Settings.from_env(env={}))
    path = bundled_vectors_path(embedder.name)
    assert path.is_file(), f"no shipped vectors for {embedder.name}: {REFRESH}"
    return EmbeddingCache(path, embedder.dim)


def test_every_bundled_text_has_a_shipped_vector(shipped: EmbeddingCache) -> None:
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    keys = {c.hash for c in chunk_sections(corpus.sections)}
    keys |= {sentence_hash(r) for s in corpus.sections for r in section_sentences(s)}
    cards = load_cards(PROJECT_ROOT / "corpus")
    keys |= {ask_hash(ask) for card in cards for ask in card.asks}
    keys |= {passage_key(s.text) for card in cards for lang in card.answer.values() for s in lang}
    missing = sorted(k for k in keys if shipped.get(k) is None)
    assert not missing, f"{len(missing)} bundled texts have no shipped vector: {REFRESH}"


def test_shipped_vectors_are_what_the_model_gives(shipped: EmbeddingCache) -> None:
    embedder = make_embedder(Settings.from_env(env={}))
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    sample = [
        r.text
        for lang in ("en", "zh-Hant")
        for s in [s for s in corpus.sections if s.lang == lang][:3]
        for r in section_sentences(s)[:1]
    ]
    assert len(sample) == 6
    fresh = embedder.embed_passages(sample)
    stored = np.stack([shipped.get(passage_key(t)) for t in sample])
    np.testing.assert_allclose(stored, fresh, atol=1e-5)
    asks = [load_cards(PROJECT_ROOT / "corpus")[0].asks[0]]
    np.testing.assert_allclose(
        np.stack([shipped.get(query_key(a)) for a in asks]),
        embedder.embed_queries(asks),
        atol=1e-5,
    )


def test_a_fresh_build_of_the_bundled_corpus_embeds_nothing(
    real_build: tuple[Settings, BuildReport],
) -> None:
    # The calibration questions count too: they go through the same cache.
    settings, report = real_build
    assert report.status == "built" and report.chunks > 300
    assert report.embedded == 0, f"a fresh build embedded {report.embedded} texts: {REFRESH}"


class _Counting:
    name = "counting"
    dim = 4

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.ones((len(texts), self.dim), np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.zeros((len(texts), self.dim), np.float32)


def test_a_cached_embedder_embeds_only_what_it_lacks_and_keeps_passages_apart_from_queries(
    tmp_path: Path,
) -> None:
    shipped = EmbeddingCache(tmp_path / "shipped.npz", 4)
    shipped.put(passage_key("known"), np.full(4, 2.0, np.float32))
    shipped.save(keep={passage_key("known")})
    cache = EmbeddingCache(tmp_path / "local.npz", 4)
    assert cache.seed(tmp_path / "shipped.npz") == 1
    assert cache.seed(tmp_path / "missing.npz") == 0
    inner = _Counting()
    cached = CachedEmbedder(inner, cache)
    passages = cached.embed_passages(["known", "new"])
    assert inner.seen == ["new"] and passages[0][0] == 2.0 and passages[1][0] == 1.0
    # The same text as a question is a different vector (e5 prefixes queries differently).
    assert cached.embed_queries(["known"])[0][0] == 0.0
    assert inner.seen == ["new", "known"] and cached.embedded == 2
    assert cached.used == {passage_key("known"), passage_key("new"), query_key("known")}
