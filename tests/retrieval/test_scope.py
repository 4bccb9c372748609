"""The scope (refusal) model and how it is fitted: scope.py and calibration.py."""

from __future__ import annotations

import json
import math
from importlib import resources

import numpy as np
import pytest

from assistant.corpus.concepts import Concept
from assistant.pipeline import Assistant
from assistant.retrieval.calibration import calibration_items, fit_logistic
from assistant.retrieval.concepts import ConceptHit
from assistant.retrieval.hybrid import RetrievalResult
from assistant.retrieval.scope import (
    CONCEPT_CAP,
    DEFAULT_THRESHOLD,
    FALLBACK,
    FEATURES,
    RefusalModel,
    features,
    framing_topic,
    model_for,
)

N = len(FEATURES)


def _hits(n: int, in_scope: bool) -> list[ConceptHit]:
    out = []
    for i in range(n):
        concept = Concept(
            id=f"{'in' if in_scope else 'out'}-{i}",
            kind="tool" if in_scope else "other",
            in_scope=in_scope,
            terms={},
            surface=(f"form{i}",),
            sections=(),
        )
        out.append(ConceptHit(concept, f"form{i}", 0, 5))
    return out


def _result(
    dense_top: float = 0.8,
    bm25_top: float = 0.0,
    coverage: float = 0.0,
    unknown_share: float = 0.0,
    unknown_name: bool = False,
    concepts_in: int = 0,
    concepts_out: int = 0,
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
        concepts=_hits(concepts_in, True) + _hits(concepts_out, False),
    )


def _from_features(row: list[float] | np.ndarray) -> RetrievalResult:
    """A retrieval result whose features() are ``row`` (integer-valued where they count)."""
    named = dict(zip(FEATURES, (float(v) for v in row), strict=True))
    return _result(
        dense_top=named["dense_top"],
        bm25_top=math.expm1(named["log1p_bm25_top"]),
        coverage=named["coverage"],
        unknown_share=named["unknown_share"],
        unknown_name=bool(round(named["unknown_name"])),
        concepts_in=round(named.get("concepts_in", 0)),
        concepts_out=round(named.get("concepts_out", 0)),
    )


def _flat(bias: float, threshold: float = DEFAULT_THRESHOLD) -> RefusalModel:
    return RefusalModel([0.0] * N, bias, [0.0] * N, [1.0] * N, threshold)


# --- scope.py --------------------------------------------------------------------------------


def test_features_are_the_named_pieces_of_evidence() -> None:
    row = features(_result(0.83, 4.0, 0.5, 0.25, True, concepts_in=2, concepts_out=0))
    assert len(row) == N
    named = dict(zip(FEATURES, row, strict=True))
    assert named["dense_top"] == pytest.approx(0.83)
    assert named["log1p_bm25_top"] == pytest.approx(math.log1p(4.0))
    assert named["coverage"] == 0.5
    assert named["unknown_share"] == 0.25
    assert named["unknown_name"] == 1.0
    assert named["concepts_in"] == 2.0 and named["concepts_out"] == 0.0
    assert dict(zip(FEATURES, features(_result()), strict=True))["unknown_name"] == 0.0


def test_concept_counts_are_capped() -> None:
    named = dict(zip(FEATURES, features(_result(concepts_in=10, concepts_out=4)), strict=True))
    assert named["concepts_in"] == CONCEPT_CAP
    assert named["concepts_out"] == 1.0  # any out-of-scope concept counts the same


def test_probability_is_a_logistic_of_standardised_features() -> None:
    weights = [0.0] * N
    mean = [0.0] * N
    scale = [1.0] * N
    dense, coverage = FEATURES.index("dense_top"), FEATURES.index("coverage")
    weights[dense], mean[dense], scale[dense] = 2.0, 0.8, 0.1
    weights[coverage], mean[coverage], scale[coverage] = 1.0, 0.4, 0.2
    model = RefusalModel(weights, -0.5, mean, scale)
    result = _result(dense_top=0.9, coverage=0.6)  # standardised: dense 1.0, coverage 1.0
    z = 2.0 * 1.0 + 1.0 * 1.0 - 0.5
    assert model.probability(result) == pytest.approx(1 / (1 + math.exp(-z)))
    assert model.probability(_result(dense_top=0.8, coverage=0.4)) == pytest.approx(
        1 / (1 + math.exp(0.5))
    )


def test_contributions_add_up_to_the_decision() -> None:
    weights = [0.5 - 0.3 * i for i in range(N)]
    model = RefusalModel(weights, 0.2, [0.1] * N, [2.0] * N)
    result = _result(0.9, 3.0, 0.7, 0.2, True, concepts_in=1, concepts_out=1)
    parts = model.contributions(result)
    assert set(parts) == {*FEATURES, "bias"}
    z = sum(parts[name] for name in FEATURES) + parts["bias"]
    p = model.probability(result)
    assert 1 / (1 + math.exp(-z)) == pytest.approx(p, abs=1e-2)  # parts are rounded to 3 places


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


def _asked(query: str, form: str) -> RetrievalResult:
    """A result for ``query`` whose one concept hit is the uncovered ``form`` where it occurs."""
    gdpr = Concept("out-gdpr", "topic", False, {}, (form,), ())
    start = query.lower().index(form.lower())
    result = _result()
    result.query = query
    result.concepts = [ConceptHit(gdpr, form.lower(), start, start + len(form), form)]
    return result


@pytest.mark.parametrize(
    "query",
    [
        "under gdpr do we need a dpia before launching an ai chatbot",
        "GDPR 嘅 DPIA 幾時一定要做",
        "According to the GDPR, is consent needed?",
        "根據GDPR，使唔使委任DPO",
        "EU GDPR fines for AI?",
    ],
)
def test_a_question_asked_under_an_uncovered_law_is_declined(query: str) -> None:
    result = _asked(query, "GDPR")
    assert framing_topic(result) == "GDPR"
    assert not _flat(5.0).in_scope(result)  # however strong the rest of the evidence


@pytest.mark.parametrize(
    "query",
    [
        "用客人資料train AI係咪要攞同意？GDPR嗰邊係咪都一樣",
        "can we train our model on customer data, and is it the same under gdpr",
        # Only the question's own line counts: an earlier turn is not what is asked now.
        "and what about consent?\nunder gdpr do we need a dpia",
    ],
)
def test_a_question_that_names_an_uncovered_law_later_is_not_framed_by_it(query: str) -> None:
    result = _asked(query, "GDPR")
    covered = Concept("customer-data", "data", True, {}, ("customer data",), ("pdpo-dpps/dpp3",))
    result.concepts.append(ConceptHit(covered, "customer data", 0, 1))
    assert framing_topic(result) is None
    assert _flat(5.0).in_scope(result)


def test_an_uncovered_topic_beside_only_an_ai_product_is_what_the_question_is_about() -> None:
    query = "which country stores chatgpt enterprise data, and is that the cheapest plan"
    result = _asked(query, "cheapest plan")
    tool = Concept("tool-edition", "tool", True, {}, ("chatgpt enterprise",), ("checklist-2025/1",))
    result.concepts.append(ConceptHit(tool, "chatgpt enterprise", 25, 43))
    assert framing_topic(result) == "cheapest plan"
    data = Concept("personal-data", "data", True, {}, ("data",), ("pdpo-dpps/dpp1",))
    result.concepts.append(ConceptHit(data, "data", 44, 48))
    assert framing_topic(result) is None  # it names personal data too: answered, with a note


def test_as_dict_from_dict_round_trip() -> None:
    weights = [0.1 * (i + 1) * (-1) ** i for i in range(N)]
    model = RefusalModel(weights, 0.7, list(range(N)), [float(i + 1) for i in range(N)], 0.55)
    data = json.loads(json.dumps(model.as_dict()))  # it is stored as JSON beside the index
    assert set(data) == {"weights", "bias", "mean", "scale", "threshold"}
    again = RefusalModel.from_dict(data)
    assert again == model
    result = _result(0.85, 2.0, 0.3, 0.1, True, concepts_in=1)
    assert again.probability(result) == model.probability(result)


def test_from_dict_defaults_the_threshold() -> None:
    data = _flat(0.3, threshold=0.9).as_dict()
    del data["threshold"]
    assert RefusalModel.from_dict(data).threshold == DEFAULT_THRESHOLD == 0.4


def test_model_for_uses_a_complete_stored_model() -> None:
    stored = RefusalModel([float(i) for i in range(N)], -1.0, [0.0] * N, [1.0] * N, 0.3)
    model = model_for({"model": stored.as_dict(), "items": 10})
    assert model == stored and model is not FALLBACK


@pytest.mark.parametrize(
    "calibration",
    [
        {},
        {"model": None},
        {"model": {}},
        {"model": {"weights": [1.0] * 3, "bias": 0.0, "mean": [0] * 3, "scale": [1] * 3}},
        {"model": {"weights": [1.0] * (N - 1), "bias": 0.0, "mean": [0] * (N - 1), "scale": [1] * (N - 1)}},
        {"model": {"weights": [1.0] * (N + 1), "bias": 0.0, "mean": [0] * (N + 1), "scale": [1] * (N + 1)}},
    ],
    ids=["empty", "none", "empty-model", "three-weights", "one-too-few", "one-too-many"],
)  # fmt: skip
def test_model_for_falls_back_on_missing_or_mismatched_calibration(calibration: dict) -> None:
    assert model_for(calibration) is FALLBACK


def test_fallback_model_works_with_the_current_features() -> None:
    assert len(FALLBACK.weights) == len(FALLBACK.mean) == len(FALLBACK.scale) == N
    weak = _result(dense_top=0.8, bm25_top=0.0, coverage=0.0, unknown_share=0.8)
    strong = _result(dense_top=0.8, bm25_top=8.0, coverage=1.0, unknown_share=0.0)
    assert FALLBACK.probability(weak) < FALLBACK.threshold <= FALLBACK.probability(strong)


def test_the_built_index_stores_a_fitted_model(fixture_assistant: Assistant) -> None:
    calibration = fixture_assistant.snapshot.calibration
    assert calibration["features"] == FEATURES
    assert calibration["items"] > 0
    model = model_for(calibration)
    assert model is not FALLBACK and len(model.weights) == N
    retriever = fixture_assistant.retriever
    assert model.in_scope(retriever.search("Do staff need multi-factor authentication?"))
    assert not model.in_scope(retriever.search("What is the capital of France?"))


# --- calibration.py: fit_logistic ------------------------------------------------------------

# Centres and spreads of two synthetic clusters, by feature name.
IN_CENTRE = {"dense_top": 0.86, "log1p_bm25_top": 1.8, "coverage": 0.8, "unknown_share": 0.1,
             "unknown_name": 0.0, "concepts_in": 2.0, "concepts_out": 0.0}  # fmt: skip
OUT_CENTRE = {"dense_top": 0.80, "log1p_bm25_top": 0.3, "coverage": 0.1, "unknown_share": 0.7,
              "unknown_name": 1.0, "concepts_in": 0.0, "concepts_out": 1.0}  # fmt: skip
SPREAD = {"dense_top": 0.01, "log1p_bm25_top": 0.2, "coverage": 0.08, "unknown_share": 0.08}


def _clusters(n_in: int, n_out: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    in_centre = np.array([IN_CENTRE[f] for f in FEATURES])
    out_centre = np.array([OUT_CENTRE[f] for f in FEATURES])
    spread = np.array([SPREAD.get(f, 0.0) for f in FEATURES])  # counts and flags stay whole
    x_in = in_centre + rng.normal(size=(n_in, N)) * spread
    x_out = out_centre + rng.normal(size=(n_out, N)) * spread
    return np.vstack([x_in, x_out]), np.array([1.0] * n_in + [0.0] * n_out)


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
    weight = dict(zip(FEATURES, model.weights, strict=True))
    # More lexical evidence means more in scope; words the corpus never uses mean less.
    assert weight["log1p_bm25_top"] > 0 and weight["coverage"] > 0
    assert weight["unknown_share"] < 0


def test_fit_logistic_balances_the_classes() -> None:
    # Overlapping classes, nine in-scope questions for every out-of-scope one, differing only in
    # coverage (0.6 against 0.4). Weighted by class, the midpoint stays near even odds; fitted
    # without the weights it would lean to the majority (about 0.9).
    rng = np.random.default_rng(0)
    coverage = FEATURES.index("coverage")
    x = np.zeros((100, N))
    x[:, FEATURES.index("dense_top")] = 0.85
    x[:90, coverage] = rng.normal(0.6, 0.1, 90)
    x[90:, coverage] = rng.normal(0.4, 0.1, 10)
    y = np.array([1.0] * 90 + [0.0] * 10)
    model = fit_logistic(x, y)
    midpoint = x[0].copy()
    midpoint[coverage] = 0.5
    assert 0.4 < model.probability(_from_features(midpoint)) < 0.65
    low, high = midpoint.copy(), midpoint.copy()
    low[coverage], high[coverage] = 0.3, 0.7
    assert model.probability(_from_features(low)) < 0.5 < model.probability(_from_features(high))


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
    """Every labelled question the package ships (calibration*.jsonl)."""
    data = resources.files("assistant").joinpath("data")
    records = []
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("calibration") and entry.name.endswith(".jsonl"):
            text = entry.read_text("utf-8")
            records += [json.loads(line) for line in text.splitlines() if line.strip()]
    return records


def test_calibration_items_keep_in_scope_questions_only_for_present_documents() -> None:
    records = _records()
    out_of_scope = {r["q"] for r in records if not r["in"]}
    checklist = {r["q"] for r in records if r["in"] and r.get("doc") == "checklist-2025"}
    assert out_of_scope and checklist

    items = calibration_items({"checklist-2025"})
    assert {q for q, label in items if label} == checklist
    assert {q for q, label in items if not label} == out_of_scope


def test_calibration_items_without_documents_are_all_out_of_scope() -> None:
    items = calibration_items(set())
    assert items and not any(label for _, label in items)
    assert len(items) == sum(1 for r in _records() if not r["in"])


def test_calibration_items_for_every_document_keep_every_question() -> None:
    records = _records()
    doc_ids = {r["doc"] for r in records if r["in"]}
    every = calibration_items(doc_ids | {"unrelated-doc"})
    assert sorted(every) == sorted((r["q"], bool(r["in"])) for r in records)
    # Fewer documents: a subset, with the same out-of-scope questions.
    two = calibration_items({"checklist-2025", "pdpo-dpps"})
    assert set(two) < set(every)
    assert [i for i in two if not i[1]] == [i for i in every if not i[1]]
    in_two = {r["q"] for r in records if r["in"] and r["doc"] in {"checklist-2025", "pdpo-dpps"}}
    assert {q for q, label in two if label} == in_two
