"""`assistant index`: build a stored generation and fit its scope model before it goes live."""

from __future__ import annotations

from collections.abc import Callable

from assistant.corpus.documents import Corpus
from assistant.index.build import BuildReport, build_generation
from assistant.index.embeddings import Embedder
from assistant.retrieval.calibration import calibrate_generation
from assistant.settings import Settings


def build_index(
    settings: Settings,
    rebuild: bool = False,
    skip_broken: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    embedder: Embedder | None = None,
    corpus: Corpus | None = None,
) -> BuildReport:
    """Build or update the index; the previous index stays in use until the new one is complete.

    The index stage cannot calibrate the scope decision itself (that needs the retriever, which
    reads the index), so the calibration step is handed to it from here."""
    return build_generation(
        settings,
        calibrate=calibrate_generation,
        rebuild=rebuild,
        skip_broken=skip_broken,
        progress=progress,
        embedder=embedder,
        corpus=corpus,
    )
