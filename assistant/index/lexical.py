"""Scores of a saved bm25s index, read without importing bm25s.

The index is built and saved by bm25s (index.build). Scoring a query against it is a sum over
the precomputed sparse matrix, which this module does exactly as bm25s does for the methods
without a non-occurrence term (the "lucene" method the build uses): same files, same order of
additions, same dtype, so the same floats (tests/index/test_lexical.py compares them). What it
saves is bm25s's import, which pulls in scipy.sparse: about a tenth of a one-shot `ask`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# Methods whose score has no term for query words absent from a document.
_SUMMED_METHODS = {"lucene", "robertson", "atire"}


class BM25Scores:
    """``vocab_dict`` and ``get_scores`` of ``bm25s.BM25`` for an index saved in ``folder``."""

    def __init__(self, folder: Path) -> None:
        params = json.loads((folder / "params.index.json").read_text("utf-8"))
        if params.get("method") not in _SUMMED_METHODS:
            raise ValueError(f"BM25 method {params.get('method')!r} is not read by this module")
        self.num_docs = int(params["num_docs"])
        self.dtype = np.dtype(params.get("dtype", "float32"))
        self.vocab_dict: dict[str, int] = json.loads(
            (folder / "vocab.index.json").read_text("utf-8")
        )
        self._data = np.load(folder / "data.csc.index.npy", allow_pickle=False)
        self._indices = np.load(folder / "indices.csc.index.npy", allow_pickle=False)
        self._indptr = np.load(folder / "indptr.csc.index.npy", allow_pickle=False)

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        """The score of every document for ``tokens`` (a token not in the vocabulary adds
        nothing), as ``bm25s.BM25.get_scores`` gives it."""
        ids = np.asarray([self.vocab_dict[t] for t in tokens if t in self.vocab_dict], dtype=int)
        if int(ids.max(initial=0)) >= len(self._indptr) - 1:
            # bm25s keeps a vocabulary entry (the empty token) that has no column; so does this.
            raise ValueError("a query token has no column in the BM25 matrix")
        starts = self._indptr[ids]
        ends = self._indptr[ids + 1]
        scores = np.zeros(self.num_docs, dtype=self.dtype)
        # One token at a time, as bm25s adds them, so that float32 sums round alike.
        for start, end in zip(starts, ends, strict=True):
            np.add.at(scores, self._indices[start:end], self._data[start:end])
        return scores
