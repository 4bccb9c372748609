"""Fitting the scope model of a new index generation on labelled in-scope and out-of-scope questions."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.index.snapshot import load_generation
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.scope import FEATURES, RefusalModel, features

if TYPE_CHECKING:
    from assistant.index.embeddings import Embedder
    from assistant.settings import Settings


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 3000, lr: float = 0.1
) -> RefusalModel:
    """Class-balanced, L2-regularised logistic regression by gradient descent (tiny data)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    xs = (x - mean) / scale
    positives = max(1, int(y.sum()))
    negatives = max(1, int(len(y) - y.sum()))
    sample_weight = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(xs @ w + b)))
        error = (p - y) * sample_weight
        w -= lr * (xs.T @ error / len(y) + l2 * w)
        b -= lr * float(error.mean())
    return RefusalModel(weights=w.tolist(), bias=b, mean=mean.tolist(), scale=scale.tolist())


def calibration_items(doc_ids: set[str]) -> list[tuple[str, bool]]:
    """Labelled questions; in-scope ones only for documents this corpus actually has."""
    data = resources.files("assistant").joinpath("data")
    # The project's calibration questions, and the dev split of the everyday questions
    # (evals/everyday.jsonl; never its test split, gold or heldout).
    text = "\n".join(
        data.joinpath(name).read_text("utf-8")
        for name in ("calibration.jsonl", "calibration_everyday.jsonl")
    )
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record["in"] and record.get("doc") not in doc_ids:
            continue
        items.append((record["q"], bool(record["in"])))
    return items


def _heading_questions(retriever: Any) -> list[str]:
    # Headings phrased as questions widen the in-scope sample to whatever corpus is indexed.
    questions = []
    for section in retriever.snapshot.sections:
        if section.lang == "en":
            questions.append(f"What does the guidance say about {section.heading.lower()}?")
        else:
            questions.append(f"關於{section.heading}有咩要留意？")
    # Organisation copies repeat headings; a repeated question adds search time, not information.
    return list(dict.fromkeys(questions))[::3]


def calibrate_generation(folder: Path, settings: Settings, embedder: Embedder) -> RefusalModel:
    """Fit the refusal model against a freshly written index generation and store it there."""
    snapshot = load_generation(folder, settings)
    retriever = HybridRetriever(snapshot, embedder, settings)
    items = calibration_items({s.doc_id for s in snapshot.sections})
    items += [(q, True) for q in _heading_questions(retriever)]
    rows = [features(retriever.search(q)) for q, _ in items]
    x = np.array(rows, dtype=float)
    y = np.array([1.0 if label else 0.0 for _, label in items])
    model = fit_logistic(x, y)
    (folder / "calibration.json").write_text(
        json.dumps(
            {
                "model": model.as_dict(),
                "items": len(items),
                "features": FEATURES,
            }
        ),
        "utf-8",
    )
    return model
