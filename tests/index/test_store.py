"""The Chroma access layer: an embedded store in a folder, collections, and unreachable servers."""

from __future__ import annotations

import math
from pathlib import Path

import chromadb
import pytest
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery
from llama_index.vector_stores.chroma import ChromaVectorStore

from assistant.devtools.loadtest import free_port
from assistant.index.store import StoreUnavailable, open_client, vector_store


def _nodes() -> list[TextNode]:
    return [
        TextNode(id_="a", text="alpha", embedding=[1.0, 0.0, 0.0]),
        TextNode(id_="b", text="beta", embedding=[0.0, 1.0, 0.0]),
    ]


def test_open_client_embedded_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "chroma"
    client = open_client(folder)
    client.heartbeat()
    vector_store(client, "col", create=True)
    assert folder.is_dir() and any(folder.iterdir())  # the store lives in the folder


def test_embedded_store_needs_a_path() -> None:
    with pytest.raises(ValueError, match="needs a path"):
        open_client()


def test_vector_store_create_then_get(tmp_path: Path) -> None:
    client = open_client(tmp_path / "chroma")
    created = vector_store(client, "pcpd_test", create=True)
    assert isinstance(created, ChromaVectorStore)
    assert created.client.name == "pcpd_test"
    assert created.client.metadata["hnsw:space"] == "cosine"
    created.add(_nodes())
    # Another client on the same folder sees what was written.
    again = vector_store(open_client(tmp_path / "chroma"), "pcpd_test")
    assert again.client.count() == 2
    # create=True on an existing collection keeps its contents.
    assert vector_store(client, "pcpd_test", create=True).client.count() == 2


def test_vector_store_get_of_a_missing_collection_fails(tmp_path: Path) -> None:
    client = open_client(tmp_path / "chroma")
    with pytest.raises(chromadb.errors.NotFoundError):
        vector_store(client, "never-created")
    assert [c.name for c in client.list_collections()] == []  # nothing was created by the get


def test_collections_use_cosine_distance(tmp_path: Path) -> None:
    store = vector_store(open_client(tmp_path / "chroma"), "col", create=True)
    store.add(_nodes())
    query = [0.9, 0.1, 0.0]
    result = store.query(VectorStoreQuery(query_embedding=query, similarity_top_k=2))
    assert result.ids == ["a", "b"]
    # The retriever turns exp(-distance) back into a cosine: true only in cosine space.
    norm = math.hypot(*query)
    expected = [0.9 / norm, 0.1 / norm]
    cosines = [1.0 + math.log(s) for s in result.similarities]
    assert cosines == pytest.approx(expected, abs=1e-4)


def test_unreachable_server_raises_store_unavailable_naming_host_and_port() -> None:
    port = free_port()
    with pytest.raises(StoreUnavailable) as caught:
        open_client(host="127.0.0.1", port=port)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "ASSISTANT_CHROMA_HOST" in message and "ASSISTANT_CHROMA_PORT" in message
    # The transport error is summarised, not chained into the traceback.
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert isinstance(caught.value, RuntimeError)


def test_a_host_wins_over_a_path(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(StoreUnavailable, match=str(port)):
        open_client(tmp_path / "chroma", host="127.0.0.1", port=port)
    assert not (tmp_path / "chroma").exists()  # no embedded store was made instead


def test_the_embedded_reader_answers_as_the_chroma_client_does(tmp_path: Path) -> None:
    import numpy as np

    from assistant.index.store import EmbeddedCollection, query_collection

    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    client = open_client(tmp_path / "chroma")
    collection = client.get_or_create_collection("col", metadata={"hnsw:space": "cosine"})
    collection.add(ids=[f"c{i}" for i in range(300)], embeddings=vectors.tolist())
    reader = query_collection(tmp_path / "chroma", "col")
    assert isinstance(reader, EmbeddedCollection)
    for query in rng.normal(size=(20, 16)):
        q = [float(x) for x in query / np.linalg.norm(query)]
        ours = reader.query(query_embeddings=[q], n_results=10, include=["distances"])
        theirs = collection.query(query_embeddings=[q], n_results=10, include=["distances"])
        assert ours["ids"] == theirs["ids"]
        assert ours["distances"] == theirs["distances"]


def test_a_store_the_reader_cannot_open_falls_back_to_the_client(tmp_path: Path) -> None:
    from assistant.index.store import EmbeddedCollection, query_collection

    assert EmbeddedCollection.open(tmp_path / "nothing-here", "col") is None
    client = open_client(tmp_path / "chroma")
    client.get_or_create_collection("col")
    assert EmbeddedCollection.open(tmp_path / "chroma", "no-such-collection") is None
    with pytest.raises(Exception, match="does not exist|not found|NotFound"):
        query_collection(tmp_path / "chroma", "no-such-collection")
