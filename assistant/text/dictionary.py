"""jieba's word-frequency dictionary in an SQLite file, read one word at a time.

jieba keeps its dictionary (about 350,000 words and every prefix of them) as one marshalled dict
that it loads whole before cutting the first sentence: about 0.7 s, longer than the rest of a
one-shot `assistant ask`. Cutting a sentence only looks up the substrings of that sentence, so a
table on disk answers the same lookups at once. The table is written by `assistant index` (and
on first use if missing) from jieba's own dictionary file; cuts are identical to jieba's
(tests/text/test_dictionary.py compares them).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

# The table's layout; a new one is a new file name.
_FORMAT = 1


def dictionary_path(cache_dir: Path, dict_file: str) -> Path:
    """Where the table for jieba's dictionary file lives: named by jieba's version and the
    file's size and modification time, so another jieba or dictionary gets its own table."""
    import jieba

    stat = os.stat(dict_file)
    return cache_dir / (
        f"jieba-{jieba.__version__}-{stat.st_size}-{int(stat.st_mtime)}-v{_FORMAT}.sqlite3"
    )


def write_dictionary(path: Path, frequencies: dict[str, int], total: int) -> None:
    """Write the table atomically (a reader never sees a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        with contextlib.closing(sqlite3.connect(staging)) as db:
            db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER)")
            db.executemany("INSERT INTO words VALUES (?, ?)", frequencies.items())
            db.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
            db.commit()
        os.replace(staging, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()


class WordFrequencies(MutableMapping[str, int]):
    """The mapping jieba's ``Tokenizer.FREQ`` must be: lookups go to the table, words added at
    run time (``add_word``) to memory in front of it. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        # Words added at run time, and lookups already made (None: not a word or prefix); a
        # server asks the same ones often.
        self._known: dict[str, int | None] = {}

    def total(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()
        return int(row[0])

    def _lookup(self, word: str) -> int | None:
        try:
            return self._known[word]
        except KeyError:
            pass
        with self._lock:
            row = self._db.execute("SELECT freq FROM words WHERE word = ?", (word,)).fetchone()
        value = None if row is None else int(row[0])
        if len(self._known) < 200_000:
            self._known[word] = value
        return value

    def __getitem__(self, word: str) -> int:
        value = self._lookup(word)
        if value is None:
            raise KeyError(word)
        return value

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def get(self, word: str, default: Any = None) -> Any:
        value = self._lookup(word)
        return default if value is None else value

    def __setitem__(self, word: str, freq: int) -> None:
        self._known[word] = freq

    def __delitem__(self, word: str) -> None:
        # jieba never deletes; a deleted table word could not be hidden without more state.
        raise TypeError("words cannot be removed from jieba's dictionary table")

    def __iter__(self) -> Iterator[str]:
        raise TypeError("jieba's dictionary table is looked up, not listed")

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM words").fetchone()[0])


def ensure_dictionary(cache_dir: Path, tokenizer: Any = None) -> Path | None:
    """The table for jieba's default dictionary (that of ``tokenizer``, a new one if not given),
    written if missing; None if it cannot be (a read-only cache folder): jieba then loads its
    dictionary the usual way."""
    import jieba

    tokenizer = tokenizer or jieba.Tokenizer()
    try:
        with tokenizer.get_dict_file() as f:
            path = dictionary_path(cache_dir, f.name)
            if not path.exists():
                frequencies, total = tokenizer.gen_pfdict(f)
                write_dictionary(path, frequencies, total)
    except OSError:
        return None
    return path


def table_tokenizer(cache_dir: Path) -> Any:
    """A jieba ``Tokenizer`` over the table (written first if missing), or over jieba's own
    loading when the table cannot be had."""
    import jieba

    tokenizer = jieba.Tokenizer()
    path = ensure_dictionary(cache_dir, tokenizer)
    if path is None:
        tokenizer.initialize()
        return tokenizer
    frequencies = WordFrequencies(path)
    tokenizer.FREQ = frequencies
    tokenizer.total = frequencies.total()
    tokenizer.initialized = True
    return tokenizer
