"""Embeddings cached by content hash, so that unchanged texts are never embedded twice."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.index.embeddings import Embedder


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
