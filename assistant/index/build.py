"""Build one index generation: corpus -> chunks -> embeddings -> Chroma + BM25, written atomically.

Embeddings are cached by content hash, so unchanged chunks are never re-embedded and a rebuild
with nothing changed is a no-op. The scope calibration is a step handed in by the caller
(``assistant.retrieval.indexing``), because it needs the retriever that reads this index."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from assistant import __version__
from assistant.corpus.cards import load_cards
from assistant.corpus.concepts import bundled_concepts, concept_to_json
from assistant.corpus.documents import Corpus, CorpusError, check_corpus, load_corpus
from assistant.index.cache import (
    CachedEmbedder,
    embed_with_cache,
    local_cache,
)
from assistant.index.chunking import Chunk, chunk_sections
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.generations import (
    STAGING_PREFIX,
    IndexCorrupt,
    build_lock,
    collection_name,
    current_generation,
    damaged_files,
    drop_collection,
    file_checksums,
    generation_healthy,
    manifest_generation,
    prune_generations,
    read_manifest,
    remove_staging,
    store_key_for,
    switch_current,
)
from assistant.index.snapshot import ask_hash, section_sentences, section_to_json, sentence_hash
from assistant.index.store import (
    chroma_collection,
    open_client,
    query_collection,
    store_probe,
    vector_store,
)
from assistant.settings import Settings
from assistant.text.tokenize import content_terms, prepare_tokenizer, tokenize

FORMAT_VERSION = 3


@dataclass
class BuildReport:
    status: str  # "built" | "up-to-date"
    generation: str
    chunks: int
    sentences: int
    embedded: int
    reused: int
    seconds: float
    corpus_hash: str


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


# The stages whose code decides what a generation holds. Every module in them is hashed with its
# path, found by walking the folders (not from a list of file names), so that a module added,
# moved or renamed changes the fingerprint and triggers a rebuild instead of being skipped.
_FINGERPRINT_PACKAGES = ("text", "index", "retrieval")
_FINGERPRINT_DATA = (
    "domain_terms.txt",
    "stopwords.txt",
    "calibration.jsonl",
    "calibration_everyday.jsonl",
    "concepts.yaml",
)


def pipeline_fingerprint() -> str:
    digest = hashlib.sha256()
    package = Path(str(resources.files("assistant")))
    for folder in _FINGERPRINT_PACKAGES:
        for path in sorted((package / folder).rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    for name in _FINGERPRINT_DATA:
        digest.update((package / "data" / name).read_bytes())
    return digest.hexdigest()[:16]


def build_generation(
    settings: Settings,
    calibrate: Callable[[Path, Settings, Embedder], object],
    rebuild: bool = False,
    skip_broken: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    embedder: Embedder | None = None,
    corpus: Corpus | None = None,
) -> BuildReport:
    """Build or update the index; the previous index stays in use until the new one is complete.

    One build at a time per index folder (a lock), which removes the staging folders that
    killed builds left behind before it starts."""
    with build_lock(settings.index_dir):
        remove_staging(settings.index_dir)
        return _build(settings, calibrate, rebuild, skip_broken, progress, embedder, corpus)


def _build(
    settings: Settings,
    calibrate: Callable[[Path, Settings, Embedder], object],
    rebuild: bool = False,
    skip_broken: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    embedder: Embedder | None = None,
    corpus: Corpus | None = None,
) -> BuildReport:
    started = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    # The Chinese tokeniser's dictionary table, so that no question waits for it to be written.
    prepare_tokenizer()
    if corpus is None:
        corpus = load_corpus(settings.corpus_dir)
        # A file that cannot be read (NUL or other control characters, named with file and
        # line) is reported first: the problems the check finds because of it come after.
        if corpus.problems and not skip_broken:
            raise CorpusError(
                "the corpus has broken files; the index was left as it was:\n  "
                + "\n  ".join(corpus.problems)
                + "\nfix them (see `assistant corpus check`) or run `assistant index --skip-broken`"
            )
        # A file the loader can read may still be unfit to quote (a second file for a document,
        # a note outside its block, a dangling sentence): the index refuses what the check fails.
        checked = [
            p
            for p in check_corpus(settings.corpus_dir, require_canonical=False)
            if p not in corpus.problems
        ]
        if checked and not skip_broken:
            raise CorpusError(
                "the corpus does not pass `assistant corpus check`; the index was left as it was:\n  "
                + "\n  ".join(checked[:20])
                + ("\n  …" if len(checked) > 20 else "")
            )
    if corpus.problems and not skip_broken:
        raise CorpusError(
            "the corpus has broken files; the index was left as it was:\n  "
            + "\n  ".join(corpus.problems)
            + "\nfix them (see `assistant corpus check`) or run `assistant index --skip-broken`"
        )
    if not corpus.sections:
        raise CorpusError(f"no corpus sections found in {settings.corpus_dir}")
    cards = load_cards(settings.corpus_dir)
    concepts = bundled_concepts()
    cards_hash = hashlib.sha256(
        json.dumps([c.as_dict() for c in cards], ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:24]
    embedder = embedder or make_embedder(settings)
    index_dir = settings.index_dir
    index_dir.mkdir(parents=True, exist_ok=True)
    store_key = store_key_for(settings)

    # The generation in use before this build: it is kept (a running app may still be serving it)
    # when older ones are pruned.
    try:
        previous_generation = current_generation(index_dir)
    except IndexCorrupt:
        previous_generation = None  # a damaged pointer: this build replaces it
    previous = read_manifest(index_dir)
    if (
        not rebuild
        and previous is not None
        and previous.get("corpus_hash") == corpus.content_hash
        and previous.get("cards_hash") == cards_hash
        and previous.get("embedder") == embedder.name
        and previous.get("store") == store_key
        and previous.get("format") == FORMAT_VERSION
        and previous.get("pipeline") == pipeline_fingerprint()
        and generation_healthy(index_dir / manifest_generation(previous))
        and damaged_files(index_dir / manifest_generation(previous), previous) is None
        and _store_answers_as_built(settings, index_dir / manifest_generation(previous), previous)
    ):
        return BuildReport(
            "up-to-date",
            previous["generation"],
            previous["chunks"],
            previous["sentences"],
            0,
            previous["chunks"] + previous["sentences"],
            time.perf_counter() - started,
            corpus.content_hash,
        )

    chunks = chunk_sections(corpus.sections)
    sentences = [r for s in corpus.sections for r in section_sentences(s)]
    asks = [(card.id, ask) for card in cards for ask in card.asks]
    cache = local_cache(index_dir, embedder)
    if rebuild:
        # A rebuild embeds everything again, the shipped vectors included, so it can confirm them.
        cache.clear()
    chunk_texts = {c.hash: c.search_text for c in chunks}
    sentence_texts = {sentence_hash(r): r.text for r in sentences}
    chunk_vectors, embedded_chunks = embed_with_cache(
        chunk_texts, cache, embedder, lambda d, t: progress("embedding chunks", d, t)
    )
    sentence_vectors, embedded_sentences = embed_with_cache(
        sentence_texts, cache, embedder, lambda d, t: progress("embedding sentences", d, t)
    )
    ask_texts = {ask_hash(ask): ask for _, ask in asks}
    ask_vectors, embedded_asks = embed_with_cache(
        ask_texts,
        cache,
        embedder,
        lambda d, t: progress("embedding card questions", d, t),
        as_queries=True,
    )
    keep = set(chunk_texts) | set(sentence_texts) | set(ask_texts)
    # Saved now as well as after calibration, so that a build that fails later keeps what it
    # embedded (a cold build embeds for minutes).
    cache.save(keep=keep)

    generation = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    staging = index_dir / f"{STAGING_PREFIX}{generation}"
    staging.mkdir(parents=True)
    collection = collection_name(settings.collection, generation)
    try:
        progress("writing store", 0, 1)
        _write_chroma(settings, staging, collection, chunks, chunk_vectors)
        _write_bm25(staging, chunks)
        sentence_matrix = (
            np.stack([sentence_vectors[sentence_hash(r)] for r in sentences])
            if sentences
            else np.zeros((0, embedder.dim), np.float32)
        )
        np.save(staging / "sentence_vectors.npy", sentence_matrix.astype(np.float32))
        with open(staging / "sentences.jsonl", "w", encoding="utf-8") as fh:
            for record in sentences:
                fh.write(json.dumps(dataclasses.asdict(record), ensure_ascii=False) + "\n")
        _write_json(staging / "concepts.json", [concept_to_json(c) for c in concepts])
        _write_json(
            staging / "cards.json",
            [
                # Each ask's topical words, for the card match's word overlap: worked out here
                # so that loading an index does not cut a thousand questions with jieba.
                card.as_dict()
                | {"path": card.path, "ask_terms": [sorted(content_terms(a)) for a in card.asks]}
                for card in cards
            ],
        )
        np.save(
            staging / "card_vectors.npy",
            (
                np.stack([ask_vectors[ask_hash(ask)] for _, ask in asks])
                if asks
                else np.zeros((0, embedder.dim), np.float32)
            ).astype(np.float32),
        )
        with open(staging / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(dataclasses.asdict(chunk), ensure_ascii=False) + "\n")
        _write_json(staging / "sections.json", [section_to_json(s) for s in corpus.sections])
        manifest = {
            "format": FORMAT_VERSION,
            "generation": generation,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            # To the microsecond, for ordering generations (names and "created" tie within a second).
            "created_ts": time.time(),
            "app_version": __version__,
            "corpus_hash": corpus.content_hash,
            "cards_hash": cards_hash,
            "pipeline": pipeline_fingerprint(),
            "embedder": embedder.name,
            "dim": embedder.dim,
            "store": store_key,
            "collection": collection,
            "chunks": len(chunks),
            "sentences": len(sentences),
            "sections": len(corpus.sections),
            "documents": sorted({d.doc_id for d in corpus.documents}),
        }
        _write_json(staging / "manifest.json", manifest)
        progress("calibrating refusal", 0, 1)
        # The calibration questions are embedded through the cache too (they are shipped with
        # the bundled vectors), so a fresh clone's first build embeds only what is new.
        cached = CachedEmbedder(embedder, cache)
        calibrate(staging, settings, cached)
        cache.save(keep=keep | cached.used)
        # Checked on every load: the files by checksum, the store by what it answers.
        client = open_client(staging / "chroma", settings.chroma_host, settings.chroma_port)
        manifest["store_check"] = {
            "probes": store_probe(chroma_collection(client, collection), sentence_matrix)
        }
        manifest["files"] = file_checksums(staging)
        _write_json(staging / "manifest.json", manifest)
        final = index_dir / generation
        os.replace(staging, final)
        switch_current(index_dir, generation)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        drop_collection(settings, collection)
        raise
    prune_generations(settings, keep={generation, previous_generation or ""})
    return BuildReport(
        "built",
        generation,
        len(chunks),
        len(sentences),
        embedded_chunks + embedded_sentences + embedded_asks + cached.embedded,
        len(chunks)
        + len(sentences)
        + len(asks)
        - embedded_chunks
        - embedded_sentences
        - embedded_asks,
        time.perf_counter() - started,
        corpus.content_hash,
    )


def _store_answers_as_built(settings: Settings, folder: Path, manifest: dict[str, Any]) -> bool:
    """The store gives back what the build recorded for its probes (see ``store_probe``); a
    store that cannot be opened, or answers otherwise, is rebuilt."""
    expected = (manifest.get("store_check") or {}).get("probes")
    try:
        vectors = np.load(folder / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r")
        collection = query_collection(
            folder / "chroma", manifest["collection"], settings.chroma_host, settings.chroma_port
        )
        return store_probe(collection, vectors) == expected
    except Exception:  # chromadb raises many types for a damaged store
        return False


def _write_chroma(
    settings: Settings,
    folder: Path,
    collection: str,
    chunks: list[Chunk],
    vectors: dict[str, np.ndarray],
) -> None:
    from llama_index.core.schema import TextNode

    client = open_client(folder / "chroma", settings.chroma_host, settings.chroma_port)
    store = vector_store(client, collection, create=True)
    nodes = [
        TextNode(
            id_=chunk.id,
            text=chunk.search_text,
            embedding=vectors[chunk.hash].tolist(),
            metadata={
                "section_id": chunk.section_id,
                "doc_id": chunk.doc_id,
                "lang": chunk.lang,
                "heading": chunk.heading,
                "edition": chunk.edition,
                "position": chunk.position,
            },
        )
        for chunk in chunks
    ]
    for start in range(0, len(nodes), 500):
        store.add(nodes[start : start + 500])


def _write_bm25(folder: Path, chunks: list[Chunk]) -> None:
    import bm25s

    retriever = bm25s.BM25()
    corpus_tokens = [tokenize(chunk.search_text) or ["\u2205"] for chunk in chunks]
    retriever.index(corpus_tokens, show_progress=False)
    retriever.save(str(folder / "bm25"), show_progress=False)
    # The words of each section, for the retriever's coverage evidence: tokenising is the slow
    # part of loading a large index, so it is done once here.
    terms: dict[str, set[str]] = {}
    for chunk, tokens in zip(chunks, corpus_tokens, strict=True):
        terms.setdefault(chunk.section_id, set()).update(tokens)
    _write_json(folder / "section_terms.json", {k: sorted(v) for k, v in terms.items()})
