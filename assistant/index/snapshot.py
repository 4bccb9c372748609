"""One built index generation loaded for answering: chunks, sections, sentences and their vectors,
BM25 and the scope calibration, with the errors that say what to do when it is missing or damaged."""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.corpus.cards import Card, CardSentence
from assistant.corpus.concepts import Concept, concept_from_json
from assistant.corpus.documents import Corpus, Document, Section
from assistant.index.cache import passage_key, query_key
from assistant.index.chunking import Chunk
from assistant.index.generations import (
    REBUILD,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    current_generation,
    damaged_files,
    generation_healthy,
    is_staging,
    store_key_for,
    unwritable,
)
from assistant.index.lexical import BM25Scores

__all__ = ["IndexCorrupt", "IndexMismatch", "IndexMissing", "current_generation"]
from assistant.settings import Settings
from assistant.text.script import split_sentences, strip_markdown


@dataclass(frozen=True)
class SentenceRecord:
    section_id: str
    lang: str
    position: int
    text: str


def section_to_json(section: Section) -> dict[str, Any]:
    data = dataclasses.asdict(section)
    data["document"] = dataclasses.asdict(section.document)
    return data


def _section_from_json(data: dict[str, Any]) -> Section:
    doc = data.pop("document")
    doc["aliases"] = tuple(doc.get("aliases", ()))
    data["heading_path"] = tuple(data.get("heading_path", ()))
    for name in ("aliases", "notes", "see", "summarises"):
        data[name] = tuple(data.get(name, ()))
    data["sources"] = tuple((str(line), str(src)) for line, src in data.get("sources", ()))
    return Section(document=Document(**doc), **data)


def ask_hash(ask: str) -> str:
    """Cache key of a card question embedded as a query (never shared with a passage)."""
    return query_key(ask)


def sentence_hash(record: SentenceRecord) -> str:
    return passage_key(record.text)


def section_sentences(section: Section) -> list[SentenceRecord]:
    return [
        SentenceRecord(section.id, section.lang, i, sentence)
        for i, sentence in enumerate(split_sentences(strip_markdown(section.text)))
    ]


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
    cards: list[Card] = field(default_factory=list)
    concepts: list[Concept] = field(default_factory=list)
    card_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    # The topical words of every card ask, in the order of ``card_vectors``.
    card_ask_terms: list[frozenset[str]] = field(default_factory=list)

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
    if not generation_healthy(folder):
        raise IndexCorrupt(f"the index in {folder} is incomplete or damaged: {REBUILD}")
    if not settings.uses_chroma_server and (blocked := unwritable(folder)) is not None:
        raise IndexCorrupt(
            f"the index in {folder} is read-only for this user ({blocked} cannot be written, and "
            "the embedded store opens it for writing): run as the user who built it, or give "
            "this user write access to ASSISTANT_INDEX_DIR"
        )
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("manifest.json must hold an object")
        # Every file is as the build wrote it (sizes, then BLAKE2b): junk written over the BM25
        # arrays or the vectors would otherwise change answers without a word.
        damage = None if is_staging(folder) else damaged_files(folder, manifest)
        if damage is not None:
            raise IndexCorrupt(f"the index in {folder} is damaged ({damage}): {REBUILD}")
        if embedder_name is not None and (
            manifest["embedder"] != embedder_name
            or (embedder_dim and manifest["dim"] != embedder_dim)
        ):
            raise IndexMismatch(
                f"the index was built with embedder {manifest['embedder']} (dim {manifest['dim']}), "
                f"but {embedder_name} (dim {embedder_dim}) is configured: run `assistant index --rebuild` "
                "or set ASSISTANT_EMBEDDER back"
            )
        if manifest.get("store") != store_key_for(settings):
            raise IndexMismatch(
                f"the index was built for the store {manifest.get('store')}, but {store_key_for(settings)} "
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
        bm25 = BM25Scores(folder / "bm25")
        calibration_path = folder / "calibration.json"
        calibration = (
            json.loads(calibration_path.read_text("utf-8"))
            if calibration_path.exists() or not is_staging(folder)
            else {}  # a generation being built, loaded to fit its calibration
        )
        raw_terms = json.loads((folder / "section_terms.json").read_text("utf-8"))
        if not isinstance(calibration, dict) or not isinstance(raw_terms, dict):
            raise ValueError("calibration.json and section_terms.json must each hold an object")
        concepts = [
            concept_from_json(d) for d in json.loads((folder / "concepts.json").read_text("utf-8"))
        ]
        raw_cards = json.loads((folder / "cards.json").read_text("utf-8"))
        cards = [_card_from_json(d) for d in raw_cards]
        card_ask_terms = [
            frozenset(sys.intern(t) for t in terms) for d in raw_cards for terms in d["ask_terms"]
        ]
        card_vectors = np.load(folder / "card_vectors.npy", allow_pickle=False)
        if not len(card_vectors) == len(card_ask_terms) == sum(len(c.asks) for c in cards):
            raise ValueError("card_vectors.npy does not match cards.json")
        # Interned: the same terms recur across sections, and JSON decoding gives each its own copy.
        section_terms = {k: [sys.intern(t) for t in v] for k, v in raw_terms.items()}
    except (IndexMismatch, IndexCorrupt):
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError) as exc:
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
        cards,
        concepts,
        card_vectors,
        card_ask_terms,
    )


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").splitlines() if line.strip()]


def _tuple_fields(data: dict[str, Any]) -> dict[str, Any]:
    data["heading_path"] = tuple(data.get("heading_path", ()))
    return data


def _card_from_json(data: dict[str, Any]) -> Card:
    return Card(
        id=data["id"],
        topic=dict(data["topic"]),
        asks=tuple(data["asks"]),
        answer={
            lang: tuple(CardSentence(i["text"], tuple(i["cites"])) for i in items)
            for lang, items in data["answer"].items()
        },
        reviewed=dict(data.get("reviewed") or {}),
        path=str(data.get("path", "")),
    )
