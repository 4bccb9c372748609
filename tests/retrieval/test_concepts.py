"""The concept layer: its data points only to sections that exist and reaches every section, and
the matcher finds what staff type (brand names, Cantonese, code-switching) as the guidance's
concepts, whole words only."""

from __future__ import annotations

import pytest

from assistant.corpus.concepts import ConceptError, bundled_concepts, parse_concepts
from assistant.corpus.documents import canonical_section_ids
from assistant.retrieval.concepts import ConceptMatcher, expansion


@pytest.fixture(scope="module")
def matcher() -> ConceptMatcher:
    return ConceptMatcher(bundled_concepts())


def test_every_concept_points_to_existing_sections_and_every_section_is_reachable() -> None:
    concepts = bundled_concepts()
    known = set(canonical_section_ids())
    pointed = {s for c in concepts for s in c.sections}
    assert pointed <= known, pointed - known
    assert known <= {s for c in concepts if c.in_scope for s in c.sections}, known - pointed
    assert sum(c.in_scope for c in concepts) >= 60
    assert any(not c.in_scope for c in concepts)


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("can i put client emails in chatgpt", "genai-tool"),
        ("Can I enter an HKID number into Copilot?", "hkid-identity"),
        ("staff 可唔可以 upload CV 落 Gemini", "recruitment-cv"),
        ("how much mpf should my boss pay", "out-mpf"),
    ],
)
def test_what_staff_type_is_found_as_the_guidance_concept(
    matcher: ConceptMatcher, question: str, concept: str
) -> None:
    assert concept in {h.concept.id for h in matcher.find(question)}


def test_brand_names_are_in_scope_evidence_and_add_the_guidance_terms(
    matcher: ConceptMatcher,
) -> None:
    hits = matcher.find("is deepseek ok for drafting")
    tool = next(h for h in hits if h.concept.id == "genai-tool")
    assert tool.concept.in_scope
    assert expansion(hits, "en")


def test_latin_forms_match_whole_words_only(matcher: ConceptMatcher) -> None:
    assert not [h for h in matcher.find("a poem about the sea") if h.matched == "poe"]
    assert matcher.find("what's the weather tomorrow") == []


def test_a_malformed_concept_is_named() -> None:
    with pytest.raises(ConceptError, match="concept x: kind"):
        parse_concepts({"concepts": [{"id": "x", "kind": "nonsense", "surface": {"en": ["a"]}}]})
    with pytest.raises(ConceptError, match="must point to sections"):
        parse_concepts({"concepts": [{"id": "y", "kind": "tool", "surface": {"en": ["a"]}}]})
