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


# Chroma's names for the tenant and database a client uses unless told otherwise.
_TENANT = "default_tenant"
_DATABASE = "default_database"


class EmbeddedCollection:
    """An embedded Chroma collection queried through Chroma's own engine (the Rust bindings in
    the chromadb wheel) without chromadb's Python client, whose import (pydantic settings,
    OpenTelemetry, httpx, every embedding-function class) takes about a second: a one-shot
    `assistant ask` would pay it on every call. The answers are the engine's, so they are the
    same as the client's (tests/index/test_store.py compares them). Read-only: the store's schema
    is validated, never migrated; a store that needs more is opened with the full client."""

    def __init__(self, bindings: Any, collection_id: str) -> None:
        self._bindings = bindings
        self._collection_id = collection_id

    @classmethod
    def open(cls, path: Path, name: str) -> EmbeddedCollection | None:
        """The collection ``name`` of the store at ``path``, or None when the bindings cannot
        open it (another chromadb version, a store that needs migrating): use the client then."""
        if not (path / "chroma.sqlite3").exists():
            return None
        try:
            import chromadb_rust_bindings as rust

            config = rust.SqliteDBConfig(
                hash_type=rust.MigrationHash.MD5,
                migration_mode=rust.MigrationMode.Validate,
                url=str(path / "chroma.sqlite3"),
            )
            bindings = rust.Bindings(
                allow_reset=False,
                sqlite_db_config=config,
                persist_path=str(path),
                # Chroma's own choice: each open HNSW index holds five files.
                hnsw_cache_size=max(1, _open_file_limit() // 5),
            )
            collection = bindings.get_collection(name, _TENANT, _DATABASE)
        except Exception:  # ImportError, an API change, or Chroma's own errors: use the client
            return None
        return cls(bindings, str(collection.id))

    def query(
        self, query_embeddings: list[list[float]], n_results: int, include: list[str]
    ) -> dict[str, Any]:
        """The shape of ``chromadb.Collection.query`` for the fields asked for."""
        response = self._bindings.query(
            self._collection_id,
            None,
            query_embeddings,
            n_results,
            None,
            None,
            list(include),
            _TENANT,
            _DATABASE,
        )
        return {"ids": response.ids, "distances": response.distances}


def _open_file_limit() -> int:
    try:
        import resource

        return int(resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    except (ImportError, ValueError, OSError):
        return 1024


def query_collection(path: Path | None, name: str, host: str = "", port: int = 8000) -> Any:
    """A Chroma collection to query: an embedded store through its engine directly
    (``EmbeddedCollection``), a server through the HTTP client."""
    if not host and path is not None:
        embedded = EmbeddedCollection.open(path, name)
        if embedded is not None:
            return embedded
    return chroma_collection(open_client(path, host, port), name)
