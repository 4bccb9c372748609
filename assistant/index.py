"""`assistant index`: corpus -> chunks -> embeddings -> Chroma + BM25, built atomically.

Each build writes a new generation folder (and, with a Chroma server, a new collection) and only
then switches ``index/CURRENT`` to it, so an interrupted or failed build never replaces the index
in use. Embeddings are cached by content hash, so unchanged chunks are never re-embedded and a
rebuild with nothing changed is a no-op.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant import __version__
from assistant.chunking import Chunk, chunk_sections
from assistant.corpus import Corpus, CorpusError, Document, Section, load_corpus
from assistant.embeddings import Embedder, make_embedder
from assistant.settings import Settings
from assistant.store import open_client, vector_store
from assistant.text import split_sentences, strip_markdown
from assistant.tokenize import tokenize

CURRENT = "CURRENT"
FORMAT_VERSION = 1
STAGING_PREFIX = ".building-"
# What a usable generation holds. An index written before section terms or the refusal calibration
# were stored lacks one of them: it is reported as damaged (rebuild) and rebuilt by `assistant
# index`, rather than answering with weaker refusal.
GENERATION_FILES = (
    "manifest.json",
    "chunks.jsonl",
    "sections.json",
    "sentences.jsonl",
    "sentence_vectors.npy",
    "bm25",
    "section_terms.json",
    "calibration.json",
)


class IndexMissing(RuntimeError):
    pass


class IndexMismatch(RuntimeError):
    pass


class IndexCorrupt(RuntimeError):
    pass


@dataclass(frozen=True)
class SentenceRecord:
    section_id: str
    lang: str
    position: int
    text: str


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


# ---------------------------------------------------------------- embedding cache


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


def _embed_with_cache(
    texts: dict[str, str],
    cache: EmbeddingCache,
    embedder: Embedder,
    progress: Callable[[int, int], None],
    batch_size: int = 16,
) -> tuple[dict[str, np.ndarray], int]:
    """Vectors for {hash: text}; only texts missing from the cache are embedded."""
    missing = [k for k in texts if cache.get(k) is None]
    done = 0
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        vectors = embedder.embed_passages([texts[k] for k in batch])
        for key, vector in zip(batch, vectors, strict=True):
            cache.put(key, vector)
        done += len(batch)
        progress(done, len(missing))
    return {k: cache.get(k) for k in texts}, len(missing)  # type: ignore[misc]


# ---------------------------------------------------------------- serialisation


def _section_to_json(section: Section) -> dict[str, Any]:
    data = dataclasses.asdict(section)
    data["document"] = dataclasses.asdict(section.document)
    return data


def _section_from_json(data: dict[str, Any]) -> Section:
    doc = data.pop("document")
    doc["aliases"] = tuple(doc.get("aliases", ()))
    data["heading_path"] = tuple(data.get("heading_path", ()))
    data["aliases"] = tuple(data.get("aliases", ()))
    return Section(document=Document(**doc), **data)


def _sentence_hash(record: SentenceRecord) -> str:
    import hashlib

    return "s" + hashlib.sha256(record.text.encode("utf-8")).hexdigest()[:24]


def section_sentences(section: Section) -> list[SentenceRecord]:
    return [
        SentenceRecord(section.id, section.lang, i, sentence)
        for i, sentence in enumerate(split_sentences(strip_markdown(section.text)))
    ]


def _collection_name(base: str, generation: str) -> str:
    return f"{base}-{generation}"[:500]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


# ---------------------------------------------------------------- build


# What decides an index's content besides the corpus and the embedder: when any of these change,
# the index is rebuilt (embeddings stay cached, so that costs seconds).
_FINGERPRINT_MODULES = (
    "chunking.py",
    "tokenize.py",
    "refusal.py",
    "retriever.py",
    "text.py",
    "index.py",
)
_FINGERPRINT_DATA = ("domain_terms.txt", "stopwords.txt", "calibration.jsonl")


def pipeline_fingerprint() -> str:
    import hashlib
    from importlib import resources

    digest = hashlib.sha256()
    package = resources.files("assistant")
    for name in _FINGERPRINT_MODULES:
        digest.update(package.joinpath(name).read_bytes())
    for name in _FINGERPRINT_DATA:
        digest.update(package.joinpath("data", name).read_bytes())
    return digest.hexdigest()[:16]


def current_generation(index_dir: Path) -> str | None:
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text("utf-8").strip()
    return name or None


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    generation = current_generation(index_dir)
    if generation is None:
        return None
    try:
        return json.loads((index_dir / generation / "manifest.json").read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def build_index(
    settings: Settings,
    rebuild: bool = False,
    skip_broken: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    embedder: Embedder | None = None,
    corpus: Corpus | None = None,
) -> BuildReport:
    """Build or update the index; the previous index stays in use until the new one is complete."""
    started = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    corpus = corpus if corpus is not None else load_corpus(settings.corpus_dir)
    if corpus.problems and not skip_broken:
        raise CorpusError(
            "the corpus has broken files; the index was left as it was:\n  "
            + "\n  ".join(corpus.problems)
            + "\nfix them (see `assistant corpus check`) or run `assistant index --skip-broken`"
        )
    if not corpus.sections:
        raise CorpusError(f"no corpus sections found in {settings.corpus_dir}")
    embedder = embedder or make_embedder(settings)
    index_dir = settings.index_dir
    index_dir.mkdir(parents=True, exist_ok=True)
    store_key = _store_key(settings)

    # The generation in use before this build: it is kept (a running app may still be serving it)
    # when older ones are pruned.
    previous_generation = current_generation(index_dir)
    previous = read_manifest(index_dir)
    if (
        not rebuild
        and previous is not None
        and previous.get("corpus_hash") == corpus.content_hash
        and previous.get("embedder") == embedder.name
        and previous.get("store") == store_key
        and previous.get("format") == FORMAT_VERSION
        and previous.get("pipeline") == pipeline_fingerprint()
        and _generation_healthy(index_dir / manifest_generation(previous))
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
    cache = EmbeddingCache(index_dir / "cache" / f"{_safe(embedder.name)}.npz", embedder.dim)
    if rebuild:
        cache.clear()
    chunk_texts = {c.hash: c.search_text for c in chunks}
    sentence_texts = {_sentence_hash(r): r.text for r in sentences}
    chunk_vectors, embedded_chunks = _embed_with_cache(
        chunk_texts, cache, embedder, lambda d, t: progress("embedding chunks", d, t)
    )
    sentence_vectors, embedded_sentences = _embed_with_cache(
        sentence_texts, cache, embedder, lambda d, t: progress("embedding sentences", d, t)
    )
    cache.save(keep=set(chunk_texts) | set(sentence_texts))

    generation = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    staging = index_dir / f"{STAGING_PREFIX}{generation}"
    staging.mkdir(parents=True)
    collection = _collection_name(settings.collection, generation)
    try:
        progress("writing store", 0, 1)
        _write_chroma(settings, staging, collection, chunks, chunk_vectors)
        _write_bm25(staging, chunks)
        sentence_matrix = (
            np.stack([sentence_vectors[_sentence_hash(r)] for r in sentences])
            if sentences
            else np.zeros((0, embedder.dim), np.float32)
        )
        np.save(staging / "sentence_vectors.npy", sentence_matrix.astype(np.float32))
        with open(staging / "sentences.jsonl", "w", encoding="utf-8") as fh:
            for record in sentences:
                fh.write(json.dumps(dataclasses.asdict(record), ensure_ascii=False) + "\n")
        with open(staging / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(dataclasses.asdict(chunk), ensure_ascii=False) + "\n")
        _write_json(staging / "sections.json", [_section_to_json(s) for s in corpus.sections])
        manifest = {
            "format": FORMAT_VERSION,
            "generation": generation,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            # To the microsecond, for ordering generations (names and "created" tie within a second).
            "created_ts": time.time(),
            "app_version": __version__,
            "corpus_hash": corpus.content_hash,
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
        from assistant.refusal import calibrate_generation

        calibrate_generation(staging, settings, embedder)
        final = index_dir / generation
        os.replace(staging, final)
        _switch_current(index_dir, generation)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _drop_collection(settings, collection)
        raise
    _prune_generations(settings, keep={generation, previous_generation or ""})
    return BuildReport(
        "built",
        generation,
        len(chunks),
        len(sentences),
        embedded_chunks + embedded_sentences,
        len(chunks) + len(sentences) - embedded_chunks - embedded_sentences,
        time.perf_counter() - started,
        corpus.content_hash,
    )


def manifest_generation(manifest: dict[str, Any]) -> str:
    return str(manifest.get("generation", ""))


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def _store_key(settings: Settings) -> str:
    if settings.uses_chroma_server:
        return f"http://{settings.chroma_host}:{settings.chroma_port}"
    return "embedded"


def _is_staging(folder: Path) -> bool:
    return folder.name.startswith(STAGING_PREFIX)


def _generation_healthy(folder: Path) -> bool:
    """Every file of GENERATION_FILES is there. A generation still being built is loaded once, to fit
    its refusal calibration, before calibration.json exists: only that file may be missing then."""
    needed = [
        name
        for name in GENERATION_FILES
        if not (name == "calibration.json" and _is_staging(folder))
    ]
    return all((folder / name).exists() for name in needed)


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


def _switch_current(index_dir: Path, generation: str) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
    tmp.write_text(generation + "\n", "utf-8")
    os.replace(tmp, index_dir / CURRENT)


def _drop_collection(settings: Settings, collection: str) -> None:
    if not settings.uses_chroma_server:
        return
    try:
        client = open_client(None, settings.chroma_host, settings.chroma_port)
        client.delete_collection(collection)
    except Exception:  # best effort: a leftover collection is harmless and named by generation
        return


def _generation_created(folder: Path) -> float:
    """When a generation was built: its manifest's time stamp, else the manifest file's mtime.

    Not its name: names made within one second differ only by a random suffix."""
    manifest_path = folder / "manifest.json"
    try:
        return float(json.loads(manifest_path.read_text("utf-8"))["created_ts"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        return manifest_path.stat().st_mtime
    except OSError:
        return folder.stat().st_mtime


def _prune_generations(settings: Settings, keep: set[str], count: int = 2) -> None:
    """Keep ``keep`` (the new generation and the one in use before it) and, when that is fewer
    than ``count``, the most recently built others; remove the rest and stale staging dirs."""
    index_dir = settings.index_dir
    generations = [p for p in index_dir.glob("gen-*") if p.is_dir()]
    survivors = {p.name for p in generations if p.name in keep}
    for folder in sorted(generations, key=_generation_created, reverse=True):
        if len(survivors) >= count:
            break
        survivors.add(folder.name)
    for folder in generations:
        if folder.name in survivors:
            continue
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            if manifest.get("store", "embedded") != "embedded":
                _drop_collection(settings, manifest["collection"])
        except (OSError, json.JSONDecodeError, KeyError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
    for stale in index_dir.glob(f"{STAGING_PREFIX}*"):
        if stale.is_dir() and time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


# ---------------------------------------------------------------- loading


@dataclass
class IndexSnapshot:
    """Everything a retriever and answerer need from one built generation."""

    folder: Path
    manifest: dict[str, Any]
    chunks: list[Chunk]
    sections: list[Section]
    sentences: list[SentenceRecord]
    sentence_vectors: np.ndarray
    bm25: Any
    calibration: dict[str, Any]
    section_terms: dict[str, list[str]] = field(default_factory=dict)

    @property
    def corpus(self) -> Corpus:
        return Corpus(sections=self.sections, documents=_documents(self.sections))


def _documents(sections: list[Section]) -> list[Document]:
    seen: dict[tuple[str, str, bool], Document] = {}
    for s in sections:
        seen.setdefault((s.doc_id, s.lang, s.document.digest), s.document)
    return list(seen.values())


def load_snapshot(
    settings: Settings, embedder_name: str | None = None, embedder_dim: int | None = None
) -> IndexSnapshot:
    """Load the current generation, checking that it matches the configured embedder."""
    index_dir = settings.index_dir
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexMissing(f"no index in {index_dir}: run `assistant index` first")
    return load_generation(index_dir / generation, settings, embedder_name, embedder_dim)


def load_generation(
    folder: Path,
    settings: Settings,
    embedder_name: str | None = None,
    embedder_dim: int | None = None,
) -> IndexSnapshot:
    if not _generation_healthy(folder):
        raise IndexCorrupt(
            f"the index in {folder} is incomplete or damaged: run `assistant index --rebuild`"
        )
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        if embedder_name is not None and (
            manifest["embedder"] != embedder_name
            or (embedder_dim and manifest["dim"] != embedder_dim)
        ):
            raise IndexMismatch(
                f"the index was built with embedder {manifest['embedder']} (dim {manifest['dim']}), "
                f"but {embedder_name} (dim {embedder_dim}) is configured: run `assistant index --rebuild` "
                "or set ASSISTANT_EMBEDDER back"
            )
        if manifest.get("store") != _store_key(settings):
            raise IndexMismatch(
                f"the index was built for the store {manifest.get('store')}, but {_store_key(settings)} "
                "is configured: run `assistant index`"
            )
        chunks = [
            Chunk(**_tuple_fields(json.loads(line))) for line in _lines(folder / "chunks.jsonl")
        ]
        sections = [
            _section_from_json(d) for d in json.loads((folder / "sections.json").read_text("utf-8"))
        ]
        sentences = [
            SentenceRecord(**json.loads(line)) for line in _lines(folder / "sentences.jsonl")
        ]
        # Mapped, not read: the answerer touches only the rows of the sections it quotes, which
        # keeps a large corpus's sentence vectors (200 MB at x100) out of resident memory.
        sentence_vectors = np.load(
            folder / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r"
        )
        import bm25s

        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        calibration_path = folder / "calibration.json"
        calibration = (
            json.loads(calibration_path.read_text("utf-8"))
            if calibration_path.exists() or not _is_staging(folder)
            else {}  # a generation being built, loaded to fit its calibration
        )
        raw_terms = json.loads((folder / "section_terms.json").read_text("utf-8"))
        if not isinstance(calibration, dict) or not isinstance(raw_terms, dict):
            raise ValueError("calibration.json and section_terms.json must each hold an object")
        # Interned: the same terms recur across sections, and JSON decoding gives each its own copy.
        section_terms = {k: [sys.intern(t) for t in v] for k, v in raw_terms.items()}
    except IndexMismatch:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(
            f"the index in {folder} cannot be read ({exc.__class__.__name__}: {exc}): "
            "run `assistant index --rebuild`"
        ) from None
    if len(sentences) != len(sentence_vectors):
        raise IndexCorrupt(
            f"the index in {folder} is inconsistent: run `assistant index --rebuild`"
        )
    return IndexSnapshot(
        folder,
        manifest,
        chunks,
        sections,
        sentences,
        sentence_vectors,
        bm25,
        calibration,
        section_terms,
    )


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").splitlines() if line.strip()]


def _tuple_fields(data: dict[str, Any]) -> dict[str, Any]:
    data["heading_path"] = tuple(data.get("heading_path", ()))
    return data
