"""jieba over its dictionary table cuts exactly as jieba over its own dictionary."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import jieba
import pytest

from assistant.text.dictionary import (
    WordFrequencies,
    dictionary_path,
    ensure_dictionary,
    table_tokenizer,
)
from assistant.text.tokenize import jieba_cache_dir

PROJECT = Path(__file__).resolve().parents[2]


def _texts() -> list[str]:
    """Every Chinese question of the eval sets and a sample of corpus lines."""
    texts = []
    for name in ("gold.jsonl", "everyday.jsonl", "heldout.jsonl"):
        for line in (PROJECT / "evals" / name).read_text("utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["question"])
    corpus_lines = [
        line
        for path in sorted((PROJECT / "corpus").rglob("*.md"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    texts.extend(random.Random(1).sample(corpus_lines, min(400, len(corpus_lines))))
    return texts


@pytest.fixture(scope="module")
def tokenizers() -> tuple[jieba.Tokenizer, jieba.Tokenizer]:
    plain = jieba.Tokenizer()
    plain.tmp_dir = str(jieba_cache_dir())
    plain.initialize()
    table = table_tokenizer(jieba_cache_dir())
    assert isinstance(table.FREQ, WordFrequencies)
    for tok in (plain, table):  # the same run-time words on both, as tokenize adds them
        tok.add_word("生成式人工智能", freq=20000)
        tok.add_word("可唔可以", freq=20000)
    return plain, table


def test_cuts_are_identical_to_jiebas_own(tokenizers) -> None:  # type: ignore[no-untyped-def]
    plain, table = tokenizers
    assert table.total == plain.total
    for text in _texts():
        assert table.lcut(text, HMM=False) == plain.lcut(text, HMM=False), text


def test_words_added_at_run_time_are_looked_up_first(tokenizers) -> None:  # type: ignore[no-untyped-def]
    _, table = tokenizers
    assert table.FREQ["可唔可以"] == 20000
    assert "可唔" in table.FREQ  # add_word records the prefixes too
    assert table.FREQ.get("not a word at all") is None


def test_the_table_is_written_once_atomically_and_read_only(tmp_path: Path) -> None:
    path = ensure_dictionary(tmp_path)
    assert path is not None and path.exists()
    assert path == dictionary_path(tmp_path, jieba.Tokenizer().get_dict_file().name)
    assert list(tmp_path.iterdir()) == [path]  # no staging file left behind
    mtime = path.stat().st_mtime_ns
    assert ensure_dictionary(tmp_path) == path and path.stat().st_mtime_ns == mtime
    words = WordFrequencies(path)
    with pytest.raises(sqlite3.OperationalError):
        words._db.execute("DELETE FROM words")


def test_a_folder_that_cannot_be_written_falls_back_to_jiebas_loading(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    tokenizer = table_tokenizer(blocked)
    assert isinstance(tokenizer.FREQ, dict) and tokenizer.initialized
    assert tokenizer.lcut("個人資料私隱", HMM=False)
