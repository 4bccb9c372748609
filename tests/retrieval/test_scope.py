"""The scope (refusal) model and how it is fitted: scope.py and calibration.py."""

from __future__ import annotations

import json
import math
from importlib import resources

import numpy as np
import pytest

from assistant.pipeline import Assistant
from assistant.retrieval.calibration import calibration_items, fit_logistic
from assistant.retrieval.hybrid import RetrievalResult
from assistant.retrieval.scope import (
    DEFAULT_THRESHOLD,
    FALLBACK,
    FEATURES,
    RefusalModel,
    features,
    model_for,
)


def _result(
    dense_top: float = 0.8,
    bm25_top: float = 0.0,
    coverage: float = 0.0,
    unknown_share: float = 0.0,
    unknown_name: bool = False,
) -> RetrievalResult:
    return RetrievalResult(
        query="q",
        lang="en",
        hits=[],
        query_vector=np.zeros(3),
        dense_top=dense_top,
        bm25_top=bm25_top,
        coverage=coverage,
        unknown_share=unknown_share,
        unknown_name=unknown_name,
    )


def _from_features(row: list[float] | np.ndarray) -> RetrievalResult:
    dense, log_bm25, coverage, share, name = (float(v) for v in row)
    return _result(dense, math.expm1(log_bm25), coverage, share, bool(round(name)))


def _flat(bias: float, threshold: float = DEFAULT_THRESHOLD) -> RefusalModel:
    return RefusalModel([0.0] * 5, bias, [0.0] * 5, [1.0] * 5, threshold)


# --- scope.py --------------------------------------------------------------------------------


def test_features_are_the_five_named_pieces_of_evidence() -> None:
    row = features(_result(0.83, 4.0, 0.5, 0.25, True))
    assert len(row) == len(FEATURES) == 5
    assert row == pytest.approx([0.83, math.log1p(4.0), 0.5, 0.25, 1.0])
    assert features(_result(unknown_name=False))[4] == 0.0
    assert features(_result(bm25_top=0.0))[1] == 0.0


def test_probability_is_a_logistic_of_standardised_features() -> None:
    model = RefusalModel(
        weights=[2.0, 0.0, 1.0, 0.0, 0.0],
        bias=-0.5,
        mean=[0.8, 0.0, 0.4, 0.0, 0.0],
        scale=[0.1, 1.0, 0.2, 1.0, 1.0],
    )
    result = _result(dense_top=0.9, coverage=0.6)  # standardised: dense 1.0, coverage 1.0
    z = 2.0 * 1.0 + 1.0 * 1.0 - 0.5
    assert model.probability(result) == pytest.approx(1 / (1 + math.exp(-z)))
    assert model.probability(_result(dense_top=0.8, coverage=0.4)) == pytest.approx(
        1 / (1 + math.exp(0.5))
    )


def test_probability_is_clamped_not_overflowing() -> None:
    assert _flat(0.0).probability(_result()) == 0.5
    high = _flat(1e6).probability(_result())
    low = _flat(-1e6).probability(_result())
    assert high == pytest.approx(1 / (1 + math.exp(-30)))
    assert low == pytest.approx(1 / (1 + math.exp(30)))
    assert 0.0 < low < 1e-12 and high < 1.0


def test_in_scope_compares_with_the_threshold_inclusively() -> None:
    assert _flat(0.0, threshold=0.5).in_scope(_result())
    assert not _flat(0.0, threshold=0.5001).in_scope(_result())
    assert _flat(3.0).in_scope(_result()) and not _flat(-3.0).in_scope(_result())


def test_as_dict_from_dict_round_trip() -> None:
    model = RefusalModel([0.1, 0.2, 0.3, -0.4, -0.5], 0.7, [1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0.55)
    data = json.loads(json.dumps(model.as_dict()))  # it is stored as JSON beside the index
    assert set(data) == {"weights", "bias", "mean", "scale", "threshold"}
    again = RefusalModel.from_dict(data)
    assert again == model
    result = _result(0.85, 2.0, 0.3, 0.1, True)
    assert again.probability(result) == model.probability(result)


def test_from_dict_defaults_the_threshold() -> None:
    data = FALLBACK.as_dict()
    del data["threshold"]
    assert RefusalModel.from_dict(data).threshold == DEFAULT_THRESHOLD == 0.4


def test_model_for_uses_a_complete_stored_model() -> None:
    stored = RefusalModel([1.0, 2.0, 3.0, 4.0, 5.0], -1.0, [0.0] * 5, [1.0] * 5, 0.3)
    model = model_for({"model": stored.as_dict(), "items": 10})
    assert model == stored and model is not FALLBACK


@pytest.mark.parametrize(
    "calibration",
    [
        {},
        {"model": None},
        {"model": {}},
        {"model": {"weights": [1.0, 2.0, 3.0], "bias": 0.0, "mean": [0] * 3, "scale": [1] * 3}},
        {"model": {"weights": [1.0] * 6, "bias": 0.0, "mean": [0] * 6, "scale": [1] * 6}},
    ],
    ids=["empty", "none", "empty-model", "three-weights", "six-weights"],
)
def test_model_for_falls_back_on_missing_or_mismatched_calibration(calibration: dict) -> None:
    assert model_for(calibration) is FALLBACK


def test_fallback_model_trusts_lexical_evidence() -> None:
    weak = _result(dense_top=0.8, bm25_top=0.0, coverage=0.0, unknown_share=0.8)
    strong = _result(dense_top=0.8, bm25_top=8.0, coverage=1.0, unknown_share=0.0)
    assert not FALLBACK.in_scope(weak)
    assert FALLBACK.in_scope(strong)
    # An unknown name lowers the probability, all else equal.
    assert FALLBACK.probability(_result(bm25_top=2.0, unknown_name=True)) < FALLBACK.probability(
        _result(bm25_top=2.0)
    )


def test_the_built_index_stores_a_fitted_model(fixture_assistant: Assistant) -> None:
    calibration = fixture_assistant.snapshot.calibration
    assert calibration["features"] == FEATURES
    assert calibration["items"] > 0
    model = model_for(calibration)
    assert model is not FALLBACK and len(model.weights) == len(FEATURES)
    retriever = fixture_assistant.retriever
    assert model.in_scope(retriever.search("Do staff need multi-factor authentication?"))
    assert not model.in_scope(retriever.search("What is the capital of France?"))


# --- calibration.py: fit_logistic ------------------------------------------------------------


def _clusters(n_in: int, n_out: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    in_centre = np.array([0.86, 1.8, 0.8, 0.1, 0.0])
    out_centre = np.array([0.80, 0.3, 0.1, 0.7, 1.0])
    spread = np.array([0.01, 0.2, 0.08, 0.08, 0.0])
    x_in = in_centre + rng.normal(size=(n_in, 5)) * spread
    x_out = out_centre + rng.normal(size=(n_out, 5)) * spread
    x = np.vstack([x_in, x_out])
    y = np.array([1.0] * n_in + [0.0] * n_out)
    return x, y


def test_fit_logistic_separates_two_clusters() -> None:
    x, y = _clusters(30, 30)
    model = fit_logistic(x, y)
    assert model.mean == pytest.approx(x.mean(axis=0).tolist())
    assert model.scale == pytest.approx((x.std(axis=0) + 1e-6).tolist())
    assert model.threshold == DEFAULT_THRESHOLD
    probabilities = np.array([model.probability(_from_features(row)) for row in x])
    assert (probabilities[y == 1] > 0.5).all()
    assert (probabilities[y == 0] < 0.5).all()
    assert probabilities[y == 1].min() > probabilities[y == 0].max()
    # More lexical evidence means more in scope; an unknown share means less.
    assert model.weights[1] > 0 and model.weights[2] > 0 and model.weights[3] < 0


def test_fit_logistic_balances_the_classes() -> None:
    # Few out-of-scope examples still pull the out-of-scope centre below one half.
    x, y = _clusters(54, 6, seed=1)
    model = fit_logistic(x, y)
    out_centre = _from_features(x[y == 0].mean(axis=0))
    in_centre = _from_features(x[y == 1].mean(axis=0))
    assert model.probability(out_centre) < 0.5 < model.probability(in_centre)
    assert all(model.probability(_from_features(row)) < 0.5 for row in x[y == 0])


def test_fit_logistic_result_round_trips_through_model_for() -> None:
    x, y = _clusters(10, 10, seed=2)
    model = fit_logistic(x, y, steps=200)
    stored = json.loads(json.dumps({"model": model.as_dict(), "features": FEATURES}))
    again = model_for(stored)
    assert again is not FALLBACK
    row = _from_features(x[0])
    assert again.probability(row) == pytest.approx(model.probability(row))


# --- calibration.py: calibration_items --------------------------------------------------------


def _records() -> list[dict]:
    text = resources.files("assistant").joinpath("data/calibration.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_calibration_items_keep_in_scope_questions_only_for_present_documents() -> None:
    records = _records()
    out_of_scope = [r["q"] for r in records if not r["in"]]
    checklist = [r["q"] for r in records if r["in"] and r.get("doc") == "checklist-2025"]
    assert out_of_scope and checklist

    items = calibration_items({"checklist-2025"})
    assert [q for q, label in items if label] == checklist
    assert [q for q, label in items if not label] == out_of_scope


def test_calibration_items_without_documents_are_all_out_of_scope() -> None:
    items = calibration_items(set())
    assert items and not any(label for _, label in items)
    assert len(items) == sum(1 for r in _records() if not r["in"])


def test_calibration_items_for_every_document_keep_every_question() -> None:
    records = _records()
    doc_ids = {r["doc"] for r in records if r["in"]}
    items = calibration_items(doc_ids | {"unrelated-doc"})
    assert items == [(r["q"], bool(r["in"])) for r in records]
    two = calibration_items({"checklist-2025", "pdpo-dpps"})
    in_two = {r["q"] for r in records if r["in"] and r["doc"] in {"checklist-2025", "pdpo-dpps"}}
    assert {q for q, label in two if label} == in_two
