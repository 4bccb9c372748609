"""Index generations on disk: the CURRENT pointer, manifests, health checks, switching and pruning.

Each build writes a new generation folder (and, with a Chroma server, a new collection) and only
then switches ``index/CURRENT`` to it, so an interrupted or failed build never replaces the index
in use."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from assistant.index.store import open_client
from assistant.settings import Settings

CURRENT = "CURRENT"


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
    "cards.json",
    "concepts.json",
    "card_vectors.npy",
)


def collection_name(base: str, generation: str) -> str:
    return f"{base}-{generation}"[:500]


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


def manifest_generation(manifest: dict[str, Any]) -> str:
    return str(manifest.get("generation", ""))


def safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def store_key_for(settings: Settings) -> str:
    if settings.uses_chroma_server:
        return f"http://{settings.chroma_host}:{settings.chroma_port}"
    return "embedded"


def is_staging(folder: Path) -> bool:
    return folder.name.startswith(STAGING_PREFIX)


def generation_healthy(folder: Path) -> bool:
    """Every file of GENERATION_FILES is there. A generation still being built is loaded once, to fit
    its refusal calibration, before calibration.json exists: only that file may be missing then."""
    needed = [
        name for name in GENERATION_FILES if not (name == "calibration.json" and is_staging(folder))
    ]
    return all((folder / name).exists() for name in needed)


def switch_current(index_dir: Path, generation: str) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
    tmp.write_text(generation + "\n", "utf-8")
    os.replace(tmp, index_dir / CURRENT)


def drop_collection(settings: Settings, collection: str) -> None:
    if not settings.uses_chroma_server:
        return
    try:
        client = open_client(None, settings.chroma_host, settings.chroma_port)
        client.delete_collection(collection)
    except Exception:  # best effort: a leftover collection is harmless and named by generation
        return


def generation_created(folder: Path) -> float:
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


def prune_generations(settings: Settings, keep: set[str], count: int = 2) -> None:
    """Keep ``keep`` (the new generation and the one in use before it) and, when that is fewer
    than ``count``, the most recently built others; remove the rest and stale staging dirs."""
    index_dir = settings.index_dir
    generations = [p for p in index_dir.glob("gen-*") if p.is_dir()]
    survivors = {p.name for p in generations if p.name in keep}
    for folder in sorted(generations, key=generation_created, reverse=True):
        if len(survivors) >= count:
            break
        survivors.add(folder.name)
    for folder in generations:
        if folder.name in survivors:
            continue
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            if manifest.get("store", "embedded") != "embedded":
                drop_collection(settings, manifest["collection"])
        except (OSError, json.JSONDecodeError, KeyError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
    for stale in index_dir.glob(f"{STAGING_PREFIX}*"):
        if stale.is_dir() and time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
