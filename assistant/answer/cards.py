"""Answer cards at answer time: verify them against their sections, and match a question to one.

Verification uses the same check as generated answers (``grounding.check_support``: a restatement
must keep the section's conditions, polarity and numbers), so a curated answer is held to the same
standard as anything a model writes. Matching compares the question with every way the card is
asked (cosine of the embedded question and asks, computed at index time for the asks) plus the
question's word overlap with the best ask; a card is used only above a calibrated threshold, and
only if its cited sections are among the retrieved ones, so that a card never answers a question
the retrieval finds off-topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.answer.grounding import check_support, section_context
from assistant.corpus.cards import Card
from assistant.corpus.documents import LANGS, Corpus, Section, sentence_problems
from assistant.index.embeddings import Embedder
from assistant.text.script import detect_lang, has_han, split_sentences, strip_markdown
from assistant.text.tokenize import content_terms

# A card leads the reply only when the question is this close to one of its asks. Chosen on the
# everyday dev split for precision (a wrong card is worse than none); see `assistant eval`.
DEFAULT_THRESHOLD = 0.905
LEXICAL_WEIGHT = 0.05


@dataclass(frozen=True)
class CardMatch:
    card: Card
    score: float
    threshold: float
    ask: str  # the way of asking that matched best

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.card.id,
            "topic": dict(self.card.topic),
            "score": round(self.score, 4),
            "threshold": self.threshold,
            "matched_ask": self.ask,
        }


def verify_cards(cards: list[Card], corpus: Corpus, embedder: Embedder | None) -> list[str]:
    """Every problem with the cards, naming the card and sentence: a cited section missing, a
    sentence its cited sections do not support, a sentence in the wrong script or one that does not
    read on its own (see ``sentence_problems``), or a cited section changed since the card was
    reviewed."""
    problems: list[str] = []
    passages = SectionPassages(embedder)
    for card in cards:
        where = f"{card.path}: card {card.id}"
        for lang in LANGS:
            for sentence in card.answer[lang]:
                sections = [corpus.section(c, lang) for c in sentence.cites]
                missing = [c for c, s in zip(sentence.cites, sections, strict=True) if s is None]
                if missing:
                    problems.append(f"{where}: cites {', '.join(missing)}, not in the corpus")
                    continue
                if lang == "zh-Hant" and not has_han(sentence.text):
                    problems.append(
                        f"{where}: the zh-Hant answer is not Chinese: {sentence.text!r}"
                    )
                    continue
                if lang == "en" and detect_lang(sentence.text) != "en":
                    problems.append(f"{where}: the en answer is not English: {sentence.text!r}")
                    continue
                # A card sentence is shown on its own, so it must read on its own: "It depends…"
                # or "They are…" leans on the question, and the reply never shows it.
                unclean = sentence_problems(sentence.text)
                if unclean:
                    problems.append(f"{where}: {'; '.join(unclean)}: {sentence.text!r}")
                    continue
                if not passages.supported(sentence.text, [s for s in sections if s is not None]):
                    problems.append(
                        f"{where}: not supported by {', '.join(sentence.cites)} ({lang}): "
                        f"{sentence.text!r}"
                    )
        for section_id, current in current_hashes(card, corpus).items():
            if card.reviewed.get(section_id) != current:
                problems.append(
                    f"{where}: {section_id} changed since the card was reviewed (or it never was):"
                    " review the card, then run `assistant corpus cards --refresh`"
                )
    return problems


class SectionPassages:
    """Section sentences and their embeddings, computed once per section for all the cards (and
    for the eval, which checks a card sentence shown in a reply the way corpus check did)."""

    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder = embedder
        self._cache: dict[tuple[str, str], tuple[list[str], np.ndarray | None]] = {}

    def of(self, sections: list[Section]) -> tuple[list[str], np.ndarray | None]:
        sentences: list[str] = []
        vectors: list[np.ndarray] = []
        for section in sections:
            if section.key not in self._cache:
                own = split_sentences(strip_markdown(section.text))
                own_vectors = (
                    self.embedder.embed_passages(own) if self.embedder is not None and own else None
                )
                self._cache[section.key] = (own, own_vectors)
            own, own_vectors = self._cache[section.key]
            sentences.extend(own)
            if own_vectors is not None:
                vectors.append(own_vectors)
        return sentences, (np.concatenate(vectors) if vectors else None)

    def supported(self, sentence: str, sections: list[Section]) -> bool:
        """Supported by one cited section, or (a sentence joining two) by them taken together."""
        groups = [[s] for s in sections] + ([sections] if len(sections) > 1 else [])
        vector = self.embedder.embed_passages([sentence])[0] if self.embedder is not None else None
        for group in groups:
            candidates, vectors = self.of(group)
            context = "\n".join(section_context(s) for s in group)
            support = check_support(
                sentence,
                "\n".join(s.text for s in group),
                self.embedder,
                source_sentences=candidates,
                source_vectors=vectors,
                sentence_vector=vector,
                context=context,
            )
            if support.supported:
                return True
        return False


def current_hashes(card: Card, corpus: Corpus) -> dict[str, str]:
    """The content hash of every section the card cites, both languages together."""
    out = {}
    for section_id in card.cited:
        parts = [corpus.section(section_id, lang) for lang in LANGS]
        out[section_id] = "+".join(p.content_hash if p else "missing" for p in parts)
    return out


class CardIndex:
    """The cards of an index generation with the embedded asks, matched against a question."""

    def __init__(
        self,
        cards: list[Card],
        ask_vectors: np.ndarray,
        threshold: float = DEFAULT_THRESHOLD,
        ask_terms: list[frozenset[str]] | None = None,
    ) -> None:
        """``ask_terms``: each ask's ``content_terms`` when the index has them already."""
        self.cards = cards
        self.threshold = threshold
        self._owner: list[int] = []
        self._asks: list[str] = []
        for i, card in enumerate(cards):
            for ask in card.asks:
                self._owner.append(i)
                self._asks.append(ask)
        self._vectors = ask_vectors
        self._ask_terms = (
            [set(t) for t in ask_terms]
            if ask_terms is not None
            else [content_terms(a) for a in self._asks]
        )

    def score(self, question: str, question_vector: np.ndarray) -> list[tuple[float, int, int]]:
        """(score, card position, ask position) for the best ask of every card, best first."""
        if not len(self._asks):
            return []
        cosines = self._vectors @ question_vector
        terms = content_terms(question)
        best: dict[int, tuple[float, int]] = {}
        for k, cosine in enumerate(cosines):
            overlap = (
                len(terms & self._ask_terms[k]) / len(terms | self._ask_terms[k])
                if terms and self._ask_terms[k]
                else 0.0
            )
            value = float(cosine) + LEXICAL_WEIGHT * overlap
            card = self._owner[k]
            if card not in best or value > best[card][0]:
                best[card] = (value, k)
        return sorted(((v, c, k) for c, (v, k) in best.items()), reverse=True)

    def match(
        self,
        question: str,
        question_vector: np.ndarray,
        retrieved: list[str],
        subjects: list[set[str]] | None = None,
    ) -> CardMatch | None:
        """The card for this question, or None: above the threshold, citing a section the
        retrieval found (among its top results), and, for each subject the question names
        (``subjects``: the sections of each risk or topic concept found in it), citing one of
        that subject's sections: a card on whether breaching a policy is a crime does not
        answer 「deepfake犯唔犯法」."""
        for value, position, ask in self.score(question, question_vector)[:3]:
            if value < self.threshold:
                return None
            card = self.cards[position]
            cited = set(card.cited)
            if cited & set(retrieved) and all(cited & s for s in subjects or []):
                return CardMatch(card, value, self.threshold, self._asks[ask])
        return None
