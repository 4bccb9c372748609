"""Access to the Chroma vector store, embedded (a folder) or a server, with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached; the message names host and port."""


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def open_client(path: Path | None = None, host: str = "", port: int = 8000) -> Any:
    """A Chroma client: a server when ``host`` is set, else an embedded store at ``path``."""
    import chromadb

    if host:
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
            client.heartbeat()
        except Exception as exc:  # chromadb raises several transport error types
            raise StoreUnavailable(
                f"cannot reach the Chroma server at {host}:{port} ({exc.__class__.__name__}); "
                "is `chroma run` up, and are ASSISTANT_CHROMA_HOST/ASSISTANT_CHROMA_PORT right?"
            ) from None
        return client
    if path is None:
        raise ValueError("an embedded Chroma store needs a path")
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def vector_store(client: Any, collection: str, create: bool = False) -> Any:
    """llama-index's ChromaVectorStore over one collection (cosine space)."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    if create:
        chroma_collection = client.get_or_create_collection(
            collection, metadata={"hnsw:space": "cosine"}
        )
    else:
        chroma_collection = client.get_collection(collection)
    return ChromaVectorStore(chroma_collection=chroma_collection)


# How many sentence vectors probe the store, and how many chunk ids each must give back.
PROBES = 3
PROBE_K = 5


def store_probe(collection: Any, vectors: Any) -> list[list[str]]:
    """The chunk ids the store gives back for the first ``PROBES`` of ``vectors``, best first.
    Recorded by the build and compared on load: Chroma rewrites its own files whenever it opens
    them, so its answers, not its bytes, show that the store is the one that was built.

    The Chroma collection is asked directly, so that checking an index does not need
    llama-index imported."""
    return [
        list(
            collection.query(
                query_embeddings=[[float(x) for x in vector]],
                n_results=PROBE_K,
                include=[],
            )["ids"][0]
        )
        for vector in list(vectors)[:PROBES]
    ]


def chroma_collection(client: Any, collection: str) -> Any:
    """The Chroma collection itself (no llama-index), for checks that only query it."""
    return client.get_collection(collection)
