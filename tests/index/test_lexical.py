"""The BM25 scores read from a saved bm25s index equal bm25s's own."""

from __future__ import annotations

import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from assistant.index.lexical import BM25Scores


def _saved(tmp_path: Path, method: str = "lucene") -> tuple[bm25s.BM25, Path]:
    rng = random.Random(3)
    words = [f"w{i}" for i in range(300)]
    docs = [[rng.choice(words) for _ in range(rng.randint(3, 40))] for _ in range(200)]
    model = bm25s.BM25(method=method)
    model.index(docs, show_progress=False)
    model.save(str(tmp_path / "bm25"))
    return bm25s.BM25.load(str(tmp_path / "bm25")), tmp_path / "bm25"


def test_scores_equal_bm25s_to_the_last_bit(tmp_path: Path) -> None:
    reference, folder = _saved(tmp_path)
    ours = BM25Scores(folder)
    assert ours.vocab_dict == dict(reference.vocab_dict)
    rng = random.Random(5)
    vocab = [t for t in reference.vocab_dict if t]
    for _ in range(50):
        tokens = [rng.choice(vocab) for _ in range(rng.randint(1, 12))] + ["not-a-word"]
        expected = reference.get_scores(tokens)
        got = ours.get_scores(tokens)
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected)


def test_the_built_index_scores_as_bm25s_does(built_settings) -> None:  # type: ignore[no-untyped-def]
    from assistant.index.generations import current_generation

    folder = built_settings.index_dir / current_generation(built_settings.index_dir) / "bm25"
    reference = bm25s.BM25.load(str(folder))
    ours = BM25Scores(folder)
    for tokens in (["员工", "ai"], ["个人资料", "私隐"], ["dpp4", "security", "密码"]):
        known = [t for t in tokens if t in ours.vocab_dict]
        if known:
            assert np.array_equal(ours.get_scores(known), reference.get_scores(known))


def test_a_method_with_a_non_occurrence_term_is_refused(tmp_path: Path) -> None:
    _, folder = _saved(tmp_path, method="bm25l")
    with pytest.raises(ValueError, match="not read"):
        BM25Scores(folder)
