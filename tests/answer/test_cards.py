"""Answer cards: the loader's checks, matching with a threshold and the retrieval guard, and the
verifier catching a card sentence that its cited section does not support."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.answer.cards import CardIndex, current_hashes, verify_cards
from assistant.corpus.cards import load_cards, write_reviewed
from assistant.corpus.documents import CorpusError, load_corpus
from assistant.index.cache import CachedEmbedder, local_cache
from assistant.index.embeddings import make_embedder
from assistant.settings import Settings
from assistant.text.tokenize import normalise
from tests.conftest import FIXTURE_CORPUS, PROJECT_ROOT


def _card(**changes: object) -> dict[str, object]:
    card: dict[str, object] = {
        "id": "passwords-for-ai-tools",
        "topic": {"en": "Passwords", "zh-Hant": "密碼"},
        "asks": ["q1", "q2", "q3", "q4", "q5", "q6"],
        "answer": {
            "en": [{"text": "Use strong passwords.", "cites": ["checklist-2025/4"]}],
            "zh-Hant": [{"text": "使用強密碼。", "cites": ["checklist-2025/4"]}],
        },
    }
    card.update(changes)
    return card


def _folder(tmp_path: Path, cards: list[dict[str, object]]) -> Path:
    (tmp_path / "cards").mkdir(parents=True)
    (tmp_path / "cards" / "demo.yaml").write_text(yaml.safe_dump(cards, allow_unicode=True))
    return tmp_path


def test_a_card_needs_six_asks_both_languages_and_cited_sentences(tmp_path: Path) -> None:
    assert load_cards(_folder(tmp_path / "ok", [_card()]))[0].cited == ["checklist-2025/4"]
    with pytest.raises(CorpusError, match="at least 6 ways"):
        load_cards(_folder(tmp_path / "a", [_card(asks=["q1"])]))
    with pytest.raises(CorpusError, match="every sentence cites"):
        load_cards(
            _folder(
                tmp_path / "b",
                [_card(answer={"en": [{"text": "x", "cites": []}], "zh-Hant": []})],
            )
        )
    with pytest.raises(CorpusError, match="duplicate card id"):
        load_cards(_folder(tmp_path / "c", [_card(), _card()]))


def test_the_verifier_names_an_unsupported_sentence_and_a_stale_review(tmp_path: Path) -> None:
    corpus = load_corpus(FIXTURE_CORPUS)
    invented = _card(
        answer={
            "en": [
                {"text": "Staff may share passwords with vendors.", "cites": ["checklist-2025/4"]}
            ],
            "zh-Hant": [{"text": "員工可以與供應商分享密碼。", "cites": ["checklist-2025/4"]}],
        }
    )
    cards = load_cards(_folder(tmp_path, [invented]))
    problems = verify_cards(cards, corpus, None)
    assert any("not supported by checklist-2025/4 (en)" in p for p in problems)
    assert any("changed since the card was reviewed" in p for p in problems)
    write_reviewed(tmp_path, {c.id: current_hashes(c, corpus) for c in cards})
    reloaded = load_cards(tmp_path)
    assert not any("changed since" in p for p in verify_cards(reloaded, corpus, None))


def test_the_verifier_rejects_a_card_sentence_that_leans_on_the_question(tmp_path: Path) -> None:
    # The short answer is shown on its own: "It depends…" has no subject there.
    leaning = _card(
        answer={
            "en": [{"text": "It depends: use strong passwords.", "cites": ["checklist-2025/4"]}],
            "zh-Hant": [{"text": "該做法視乎情況：使用強密碼。", "cites": ["checklist-2025/4"]}],
        }
    )
    problems = verify_cards(
        load_cards(_folder(tmp_path, [leaning])), load_corpus(FIXTURE_CORPUS), None
    )
    leans = [p for p in problems if "reference to the sentence before it" in p]
    assert len(leans) == 2 and "It depends" in leans[0] and "passwords-for-ai-tools" in leans[0]


def test_matching_needs_the_threshold_and_a_retrieved_cited_section(tmp_path: Path) -> None:
    cards = load_cards(_folder(tmp_path, [_card()]))
    vectors = np.eye(6, 8, dtype=np.float32)  # one unit vector per ask
    index = CardIndex(cards, vectors, threshold=0.9)
    close = np.eye(8, dtype=np.float32)[0]
    far = np.eye(8, dtype=np.float32)[7]  # like none of the asks
    assert index.match("q1", close, ["checklist-2025/4"]) is not None
    assert index.match("q1", close, ["pdpo-dpps/dpp3"]) is None  # retrieval found other sections
    assert index.match("something else", far, ["checklist-2025/4"]) is None


def test_the_bundled_cards_load_and_cite_sections_of_the_corpus() -> None:
    cards = load_cards(PROJECT_ROOT / "corpus")
    assert len(cards) >= 120
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    known = set(corpus.section_ids())
    assert {c for card in cards for c in card.cited} <= known
    assert {card.cited[0].split("/")[0] for card in cards} >= {
        "checklist-2025",
        "framework-2024",
        "ethics-2021",
        "chatbot-tips-2023",
        "pdpo-dpps",
        "genai-briefing-2025",
        "compliance-checks",
    }


@pytest.mark.slow
def test_no_card_is_asked_in_the_words_of_an_eval_question() -> None:
    # Cards are topics written from the guidance: an ask that copies a question of a set would
    # score that question with its own answer.
    cards = load_cards(PROJECT_ROOT / "corpus")
    asks = {normalise(a).strip(" ?？"): c.id for c in cards for a in c.asks}
    copied = []
    for path in sorted((PROJECT_ROOT / "evals").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            question = normalise(json.loads(line).get("question", "")).strip(" ?？")
            if question in asks:
                copied.append((path.name, question, asks[question]))
    assert copied == []


def test_the_shipped_cards_are_supported_by_their_sections_and_reviewed(tmp_path: Path) -> None:
    """What `assistant corpus check` holds the cards to: a card sentence its sections do not
    support, or a cited section edited since the card was reviewed, fails the build."""
    embedder = make_embedder(Settings.from_env(env={}))
    cached = CachedEmbedder(embedder, local_cache(tmp_path, embedder))
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    cards = load_cards(PROJECT_ROOT / "corpus")
    assert len(cards) >= 150
    assert verify_cards(cards, corpus, cached) == []
    # The shipped vectors hold every sentence the check embeds.
    assert cached.embedded == 0
