"""Embeddings cached by content hash, so that unchanged texts are never embedded twice.

Two layers: the index's own cache (``index/cache/<embedder>.npz``, everything this machine has
embedded) and the vectors shipped for the bundled corpus (``assistant/data/vectors``), so that a
fresh clone embeds only the texts a user added or changed. Keys are content hashes and the file
is per embedder name (which carries the model's version), so a shipped vector is exactly what
embedding the same text with the same model gives.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.index.embeddings import Embedder
from assistant.index.generations import safe_name


def passage_key(text: str) -> str:
    """Cache key of a text embedded as a passage (a sentence of a section or of a card)."""
    return "s" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def query_key(text: str) -> str:
    """Cache key of a text embedded as a query (never shared with a passage)."""
    return "q" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def cache_path(index_dir: Path, embedder_name: str) -> Path:
    """This machine's cache file for one embedder, beside the index generations."""
    return index_dir / "cache" / f"{safe_name(embedder_name)}.npz"


def bundled_vectors_path(embedder_name: str) -> Path:
    """Where the vectors of the bundled corpus for this embedder are shipped."""
    package = Path(str(resources.files("assistant")))
    return package / "data" / "vectors" / f"{safe_name(embedder_name)}.npz"


class EmbeddingCache:
    """Vectors by content hash for one embedder, stored as one .npz beside the generations."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as data:
                    keys, matrix = data["keys"], data["vectors"]
                if matrix.ndim == 2 and matrix.shape[1] == dim:
                    self._vectors = {str(k): matrix[i] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache only costs re-embedding

    def clear(self) -> None:
        self._vectors = {}

    def seed(self, path: Path) -> int:
        """Add the vectors of another cache file (the shipped ones) that this one lacks; a
        missing or unreadable file adds nothing. Returns how many were added."""
        other = EmbeddingCache(path, self.dim)
        added = 0
        for key, vector in other._vectors.items():
            if key not in self._vectors:
                self._vectors[key] = vector
                added += 1
        return added

    def get(self, key: str) -> np.ndarray | None:
        return self._vectors.get(key)

    def hashes(self) -> list[str]:
        return list(self._vectors)

    def put(self, key: str, vector: np.ndarray) -> None:
        self._vectors[key] = vector

    def save(self, keep: set[str]) -> None:
        keys = sorted(k for k in self._vectors if k in keep)
        matrix = (
            np.stack([self._vectors[k] for k in keys])
            if keys
            else np.zeros((0, self.dim), np.float32)
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=matrix.astype(np.float32))
        os.replace(tmp, self.path)


def embed_with_cache(
    texts: dict[str, str],
    cache: EmbeddingCache,
    embedder: Embedder,
    progress: Callable[[int, int], None],
    batch_size: int = 16,
    as_queries: bool = False,
) -> tuple[dict[str, np.ndarray], int]:
    """Vectors for {hash: text}; only texts missing from the cache are embedded. ``as_queries``
    embeds them as questions (the ways a card is asked), and the hashes must say so."""
    missing = [k for k in texts if cache.get(k) is None]
    done = 0
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        batch_texts = [texts[k] for k in batch]
        vectors = (
            embedder.embed_queries(batch_texts)
            if as_queries
            else embedder.embed_passages(batch_texts)
        )
        for key, vector in zip(batch, vectors, strict=True):
            cache.put(key, vector)
        done += len(batch)
        progress(done, len(missing))
    return {k: cache.get(k) for k in texts}, len(missing)  # type: ignore[misc]


class CachedEmbedder:
    """An embedder that looks each text up in a cache first (by ``passage_key``/``query_key``);
    used where texts are embedded outside a build, e.g. when answer cards are verified."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache) -> None:
        self.embedder = embedder
        self.cache = cache
        self.name = embedder.name
        self.dim = embedder.dim
        # Every key looked up, so that a caller can keep exactly these when it saves the cache.
        self.used: set[str] = set()
        self.embedded = 0  # texts that were not in the cache

    def _embed(
        self, texts: list[str], key: Callable[[str], str], embed: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        keys = [key(t) for t in texts]
        self.used.update(keys)
        missing = [t for t, k in zip(texts, keys, strict=True) if self.cache.get(k) is None]
        if missing:
            self.embedded += len(missing)
            for text, vector in zip(missing, embed(missing), strict=True):
                self.cache.put(key(text), np.asarray(vector, np.float32))
        return np.stack([self.cache.get(k) for k in keys]) if keys else np.zeros((0, self.dim))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, passage_key, self.embedder.embed_passages)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, query_key, self.embedder.embed_queries)


def local_cache(index_dir: Path, embedder: Embedder) -> EmbeddingCache:
    """This machine's cache for ``embedder``, with the shipped vectors added where it lacks them."""
    cache = EmbeddingCache(cache_path(index_dir, embedder.name), embedder.dim)
    cache.seed(bundled_vectors_path(embedder.name))
    return cache


def write_bundled_vectors(
    cache: EmbeddingCache, keys: set[str], embedder_name: str, path: Path | None = None
) -> Path:
    """Ship the vectors of ``keys`` (all of the bundled corpus's texts) with the package."""
    missing = sorted(k for k in keys if cache.get(k) is None)
    if missing:
        raise ValueError(f"{len(missing)} texts have no vector yet (e.g. {missing[0]})")
    target = path or bundled_vectors_path(embedder_name)
    bundle = EmbeddingCache(target, cache.dim)
    bundle.clear()
    for key in keys:
        bundle.put(key, cache.get(key))  # type: ignore[arg-type]
    bundle.save(keep=keys)
    return target
