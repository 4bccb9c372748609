"""The concept layer: what staff say, mapped to what the guidance says.

``assistant/data/concepts.yaml`` lists concepts (a tool, an action, a kind of data, a purpose, …),
each with the surface forms people type ("chatgpt", "upload", 「掉落」, 「客人資料」), the guidance's
own terms for it, and the sections it points to. A question is matched against every surface form
in one pass (an Aho-Corasick automaton from ``pyahocorasick``, over the question's matching form:
width-folded, lower case, Simplified), and the hits are used three ways:

- the guidance's terms of each hit are added to the query for both retrieval channels;
- the sections the hits point to get a bonus in the fused ranking;
- in-scope hits count as evidence that the question is covered, ``scope: out`` hits (MPF, tax,
  other jurisdictions' laws, product prices) as evidence that it is not.

Brand names of AI tools are in-scope evidence: a question about ChatGPT is a question about a
generative AI tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ahocorasick

from assistant.corpus.concepts import Concept
from assistant.text.tokenize import normalise

_LATIN = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class ConceptHit:
    concept: Concept
    matched: str  # the surface form found, in its matching form (folded: never shown)
    start: int
    end: int
    typed: str = ""  # the same words as the user typed them (shown, e.g. "GDPR", 「強積金」)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.concept.id,
            "kind": self.concept.kind,
            "scope": "in" if self.concept.in_scope else "out",
            "matched": self.typed or self.matched,
            "sections": list(self.concept.sections),
        }


class ConceptMatcher:
    """All surface forms of all concepts in one automaton; ``find`` returns the longest hits."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = concepts
        self._automaton = ahocorasick.Automaton()
        pairs = [(concept, form) for concept in concepts for form in concept.surface]
        # One call folds every form (the script converter is slow per call, fast per character).
        keys = normalise("\n".join(form for _, form in pairs)).split("\n")
        for (concept, _), key in zip(pairs, keys, strict=True):
            entries = self._automaton.get(key) if self._automaton.exists(key) else []
            self._automaton.add_word(key, [*entries, (concept, key)])
        self._automaton.make_automaton()

    def find(self, text: str) -> list[ConceptHit]:
        """Concept hits in ``text``, longest first where they overlap, one per concept."""
        folded = normalise(text)
        aligned = len(folded) == len(text)  # folding kept every position (no ligature split)
        candidates: list[ConceptHit] = []
        for end, entries in self._automaton.iter(folded):
            for concept, key in entries:
                start = end - len(key) + 1
                if not _whole_word(folded, start, end + 1, key):
                    continue
                typed = text[start : end + 1] if aligned else key
                candidates.append(ConceptHit(concept, key, start, end + 1, typed))
        # Longest match wins a span ("customer list" over "list"); a concept counts once.
        candidates.sort(key=lambda h: (-(h.end - h.start), h.start))
        taken: list[tuple[int, int]] = []
        hits: dict[str, ConceptHit] = {}
        for hit in candidates:
            if any(hit.start < e and s < hit.end for s, e in taken):
                continue
            taken.append((hit.start, hit.end))
            hits.setdefault(hit.concept.id, hit)
        return sorted(hits.values(), key=lambda h: h.start)

    def section_ids(self) -> set[str]:
        return {s for c in self.concepts for s in c.sections}


def _whole_word(text: str, start: int, end: int, key: str) -> bool:
    """Latin forms match whole words ("poe" not in "poem"); Chinese forms match anywhere."""
    if _LATIN.match(key[0]) and start > 0 and _LATIN.match(text[start - 1]):
        return False
    return not (_LATIN.match(key[-1]) and end < len(text) and _LATIN.match(text[end]))


# Terms added per concept and in all: enough to name the guidance's concept, few enough that the
# question's own words still lead (and the query embedding stays short: it is the latency floor).
TERMS_PER_CONCEPT = 2
MAX_TERMS = 8


def expansion(hits: list[ConceptHit], lang: str) -> str:
    """The guidance's own terms for the concepts found, in the question's language."""
    words: list[str] = []
    for hit in hits:
        if hit.concept.in_scope:
            terms = hit.concept.terms.get(lang) or hit.concept.terms.get("en") or ()
            words.extend(terms[:TERMS_PER_CONCEPT])
    return " ".join(list(dict.fromkeys(words))[:MAX_TERMS])
