"""Out-of-scope decision, calibrated per index on labelled questions.

The bundled embedder's cosine scores are bunched, so no fixed threshold works. Instead, each index
build fits a small logistic model on evidence that survives rephrasing (best dense cosine, best
BM25 score, how many of the question's topical words the best sections contain, how many of its
words the corpus never uses and whether one is a name, and the concept layer's hits: things the
guidance covers, such as a generative AI tool or personal data, and things it names as outside
it, such as the MPF or tax) using labelled in-scope and out-of-scope questions (the project's
calibration set and the dev split of the everyday questions), and stores it beside the index.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.text.tokenize import normalise

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import RetrievalResult


# Answering a real question wrongly refused costs a hotline call; the threshold leans to answering.
DEFAULT_THRESHOLD = 0.4


FEATURES = [
    "dense_top",
    "log1p_bm25_top",
    "coverage",
    "unknown_share",
    "unknown_name",
    "concepts_in",
    "concepts_out",
]
# More than this many concepts adds nothing: a long question names many things.
CONCEPT_CAP = 3


def features(result: RetrievalResult) -> list[float]:
    return [
        result.dense_top,
        math.log1p(result.bm25_top),
        result.coverage,
        result.unknown_share,
        float(result.unknown_name),
        float(min(result.concepts_in, CONCEPT_CAP)),
        float(min(result.concepts_out, 1)),
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
        return self.probability(result) >= self.threshold and framing_topic(result) is None

    def contributions(self, result: RetrievalResult) -> dict[str, float]:
        """Each feature's share of the decision (its weight times its standardised value), for
        ``--trace`` and the trainer tab: positive pushes towards answering."""
        x = (np.array(features(result)) - np.array(self.mean)) / np.array(self.scale)
        return {
            name: round(float(w * v), 3)
            for name, w, v in zip(FEATURES, self.weights, x, strict=True)
        } | {"bias": round(self.bias, 3)}

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


# What may stand before an uncovered law for the question to be asked under it: nothing (「《僱傭條例》
# 准唔准…」, "GDPR 嘅 DPIA…"), a place ("china's PIPL…", 「內地《個人信息保護法》…」), or an opening
# "under", "according to", 「根據」 (matched on the folded form: lower case, Simplified). Later in
# the question ("…and is it the same under GDPR") the law is a side question, not the frame.
_FRAME_BEFORE = re.compile(
    r"^\W*(?:(?:under|per|according to|in line with|based on)\W+)?(?:the\W+)?"
    r"(?:(?:china'?s|eu|uk|us|hk|mainland|european|欧盟|内地|美国|中国|英国)\W*)?$"
    r"|^\W*(?:根据|按照|依照|依据|喺|在)\W*$"
)


def framing_topic(result: RetrievalResult) -> str | None:
    """The uncovered law, scheme or topic a question is about, as typed, or None: one it is asked
    under or opens with ("under GDPR do we need a DPIA…", 「強積金可唔可以…」), or one it names
    beside nothing the guidance covers but an AI product. Such a question is about that topic,
    even when it names things the guidance covers (a DPIA, consent), so it is declined however
    good the evidence for those words; a question that names it later ("…? and is GDPR the same")
    is answered for its covered part, with a note that the rest is not covered."""
    folded = normalise(result.query.split("\n")[0])
    for hit in result.concepts:
        framed = hit.start < len(folded) and _FRAME_BEFORE.search(folded[: hit.start])
        if not hit.concept.in_scope and framed:
            return hit.typed or hit.matched
    # A question that names something the guidance leaves out and nothing it covers, except
    # perhaps an AI product ("which country stores ChatGPT Enterprise data", "Copilot vs Gemini
    # for Excel formulas", "MPF for 35k a month"), is about what it leaves out: a tool's name is
    # all it shares with the guidance. (On gold and everyday-dev: 72 such questions, every one
    # out of scope.)
    covered = {h.concept.kind for h in result.concepts if h.concept.in_scope}
    if covered <= {"tool"}:
        for hit in result.concepts:
            if not hit.concept.in_scope:
                return hit.typed or hit.matched
    return None


# Used only while a generation is being built and its calibration is being fitted (the loader
# reports a finished generation without calibration.json as damaged): lexical evidence only.
FALLBACK = RefusalModel(
    weights=[0.0, 1.5, 2.0, -1.0, -1.0, 1.0, -1.5],
    bias=0.0,
    mean=[0.8, 1.0, 0.4, 0.3, 0.2, 1.0, 0.1],
    scale=[0.05, 1.0, 0.3, 0.3, 0.4, 1.0, 0.3],
)


def model_for(calibration: dict[str, Any]) -> RefusalModel:
    model = calibration.get("model")
    if not model or len(model.get("weights", [])) != len(FEATURES):
        return FALLBACK
    return RefusalModel.from_dict(model)
