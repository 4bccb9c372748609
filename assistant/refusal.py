"""Out-of-scope decision, calibrated per index on labelled questions.

The bundled embedder's cosine scores are bunched, so no fixed threshold works. Instead, each index
build fits a small logistic model on three pieces of evidence (best dense cosine, best BM25 score,
and how many of the question's topical words the best sections contain) using labelled in-scope
and out-of-scope questions, and stores it beside the index.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from assistant.embeddings import Embedder
    from assistant.retriever import RetrievalResult
    from assistant.settings import Settings

# Answering a real question wrongly refused costs a hotline call; the threshold leans to answering.
DEFAULT_THRESHOLD = 0.4


FEATURES = ["dense_top", "log1p_bm25_top", "coverage", "unknown_share", "unknown_name"]


def features(result: RetrievalResult) -> list[float]:
    return [
        result.dense_top,
        math.log1p(result.bm25_top),
        result.coverage,
        result.unknown_share,
        float(result.unknown_name),
    ]


@dataclass
class RefusalModel:
    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    threshold: float = DEFAULT_THRESHOLD

    def probability(self, result: RetrievalResult) -> float:
        """Probability that the guidance covers the question."""
        x = (np.array(features(result)) - np.array(self.mean)) / np.array(self.scale)
        z = float(np.dot(self.weights, x) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def in_scope(self, result: RetrievalResult) -> bool:
        return self.probability(result) >= self.threshold

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RefusalModel:
        return cls(
            weights=list(data["weights"]),
            bias=float(data["bias"]),
            mean=list(data["mean"]),
            scale=list(data["scale"]),
            threshold=float(data.get("threshold", DEFAULT_THRESHOLD)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "bias": self.bias,
            "mean": self.mean,
            "scale": self.scale,
            "threshold": self.threshold,
        }


# Used only if an index has no calibration (e.g. built by an older version): lexical evidence only.
FALLBACK = RefusalModel(
    weights=[0.0, 1.5, 2.0, -1.0, -1.0],
    bias=0.0,
    mean=[0.8, 1.0, 0.4, 0.3, 0.2],
    scale=[0.05, 1.0, 0.3, 0.3, 0.4],
)


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
    text = resources.files("assistant").joinpath("data/calibration.jsonl").read_text("utf-8")
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
    from assistant.index import load_generation
    from assistant.retriever import HybridRetriever

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


def model_for(calibration: dict[str, Any]) -> RefusalModel:
    model = calibration.get("model")
    if not model or len(model.get("weights", [])) != len(FEATURES):
        return FALLBACK
    return RefusalModel.from_dict(model)
