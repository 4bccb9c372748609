"""Index generations on disk: the CURRENT pointer, manifests, health checks, switching and pruning.

Each build writes a new generation folder (and, with a Chroma server, a new collection) and only
then switches ``index/CURRENT`` to it, so an interrupted or failed build never replaces the index
in use."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from assistant.index.store import open_client
from assistant.settings import Settings

CURRENT = "CURRENT"
STAGING_PREFIX = ".building-"
BUILD_LOCK = ".build.lock"
# What `assistant index` names a generation; a pointer to anything else is damage.
_GENERATION_NAME_RE = re.compile(r"gen-[A-Za-z0-9_-]{1,80}")
# Chroma rewrites its own files whenever it opens them, so they cannot be checksummed: the store
# is checked by its answers instead (``manifest["store_check"]``, see ``store.store_probe``).
UNHASHED = ("manifest.json", "chroma/")
REBUILD = "run `assistant index --rebuild`"


class IndexMissing(RuntimeError):
    pass


class IndexMismatch(RuntimeError):
    pass


class IndexCorrupt(RuntimeError):
    pass


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
    """The generation ``index/CURRENT`` points to, None when there is no pointer; a pointer that
    cannot be read or names no generation is ``IndexCorrupt``."""
    pointer = index_dir / CURRENT
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(
            f"the index pointer {pointer} cannot be read ({exc.strerror or exc}): "
            "check the permissions of ASSISTANT_INDEX_DIR"
        ) from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = "\ufffd"
    if not name:
        return None
    if not _GENERATION_NAME_RE.fullmatch(name):
        raise IndexCorrupt(f"the index pointer {pointer} is damaged: {REBUILD}")
    return name


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    try:
        generation = current_generation(index_dir)
    except IndexCorrupt:
        return None
    if generation is None:
        return None
    try:
        manifest = json.loads((index_dir / generation / "manifest.json").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _blake2b(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _hashed_files(folder: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and not any(name == u or name.startswith(u) for u in UNHASHED if u):
            yield name, path


def file_checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """Size and BLAKE2b of every file of a generation (but the manifest and Chroma's own)."""
    return {
        name: {"size": path.stat().st_size, "blake2b": _blake2b(path)}
        for name, path in _hashed_files(folder)
    }


def damaged_files(folder: Path, manifest: dict[str, Any]) -> str | None:
    """What differs from the checksums the manifest recorded (a file changed, emptied, missing
    or added), or None; sizes are compared first, so most damage costs no hashing."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict) or not recorded:
        return "it records no checksums (built by an older version)"
    present = dict(_hashed_files(folder))
    for name, expected in sorted(recorded.items()):
        path = present.get(name)
        if path is None:
            return f"{name} is missing"
        if not isinstance(expected, dict) or path.stat().st_size != expected.get("size"):
            return f"{name} has the wrong size"
    extra = sorted(set(present) - set(recorded))
    if extra:
        return f"{extra[0]} was not written by the build"
    for name, expected in sorted(recorded.items()):
        if _blake2b(present[name]) != expected.get("blake2b"):
            return f"{name} does not match its checksum"
    return None


def unwritable(folder: Path) -> Path | None:
    """The first place under ``folder`` this user cannot write although the embedded store must
    (SQLite opens Chroma's database for writing even to read it), or None."""
    for path in (folder, folder / "chroma", folder / "chroma" / "chroma.sqlite3"):
        if path.exists() and not os.access(path, os.W_OK):
            return path
    return None


@contextmanager
def build_lock(index_dir: Path) -> Iterator[IO[str]]:
    """Held for the whole of a build: a second `assistant index` on the same folder stops at
    once, so that a build may remove every staging folder it finds (the leftovers of builds that
    were killed)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / BUILD_LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexCorrupt(
                f"another `assistant index` is building in {index_dir}: wait for it to finish"
            ) from None
        try:
            yield lock
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remove_staging(index_dir: Path) -> int:
    """Remove the staging folders of earlier builds (call with the build lock held)."""
    removed = 0
    for stale in index_dir.glob(f"{STAGING_PREFIX}*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
            removed += 1
    return removed


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
