"""Hotline answer cards: curated short answers to the questions staff ask most.

A card (``corpus/cards/*.yaml``) has an id, a topic, the ways people ask it (at least six: English,
formal Chinese, Cantonese, mixed), and a short answer per language of one to three sentences, each
citing the sections it restates. ``reviewed`` records the content hash of every cited section when
the card was last verified: when a cited section changes, ``assistant corpus check`` fails until
someone reviews the card and runs ``assistant corpus cards --refresh``.

Loading and structure live here; verifying each sentence against its sections is the answer
stage's verifier (``assistant.answer.cards``), and matching a question to a card is done there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.corpus.documents import LANGS, SECTION_ID_RE, YAML_LOADER, CorpusError
from assistant.text.script import has_control_chars

MIN_ASKS = 6
MAX_SENTENCES = 3
CARD_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class CardSentence:
    text: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Card:
    id: str
    topic: dict[str, str]
    asks: tuple[str, ...]
    answer: dict[str, tuple[CardSentence, ...]]
    reviewed: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def cited(self) -> list[str]:
        return list(
            dict.fromkeys(
                c for sentences in self.answer.values() for s in sentences for c in s.cites
            )
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": dict(self.topic),
            "asks": list(self.asks),
            "answer": {
                lang: [{"text": s.text, "cites": list(s.cites)} for s in sentences]
                for lang, sentences in self.answer.items()
            },
            "reviewed": dict(self.reviewed),
        }


def _card(raw: Any, source: str) -> Card:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise CorpusError(f"{source}: every card needs an id")
    cid = raw["id"]
    where = f"{source}: card {cid}"
    if not CARD_ID_RE.match(cid):
        raise CorpusError(f"{where}: the id must be lower-case words joined by '-'")
    topic = raw.get("topic")
    if not isinstance(topic, dict) or any(not isinstance(topic.get(lang), str) for lang in LANGS):
        raise CorpusError(f"{where}: topic needs en and zh-Hant")
    asks = raw.get("asks")
    if not isinstance(asks, list) or not all(isinstance(a, str) and a.strip() for a in asks):
        raise CorpusError(f"{where}: asks must be a list of questions")
    if len(asks) < MIN_ASKS:
        raise CorpusError(f"{where}: at least {MIN_ASKS} ways of asking, not {len(asks)}")
    answer = raw.get("answer")
    if not isinstance(answer, dict):
        raise CorpusError(f"{where}: answer needs en and zh-Hant")
    sentences: dict[str, tuple[CardSentence, ...]] = {}
    for lang in LANGS:
        items = answer.get(lang)
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_SENTENCES:
            raise CorpusError(f"{where}: answer.{lang} needs 1 to {MAX_SENTENCES} sentences")
        parsed = []
        for item in items:
            text = item.get("text") if isinstance(item, dict) else None
            cites = item.get("cites") if isinstance(item, dict) else None
            if not isinstance(text, str) or not text.strip() or has_control_chars(text):
                raise CorpusError(f"{where}: answer.{lang} has a sentence that is not text")
            if not isinstance(cites, list) or not cites:
                raise CorpusError(f"{where}: every sentence cites at least one section")
            bad = [c for c in cites if not isinstance(c, str) or not SECTION_ID_RE.match(c)]
            if bad:
                raise CorpusError(f"{where}: malformed section id {bad[0]!r}")
            parsed.append(CardSentence(text.strip(), tuple(cites)))
        sentences[lang] = tuple(parsed)
    reviewed = raw.get("reviewed") or {}
    if not isinstance(reviewed, dict):
        raise CorpusError(f"{where}: reviewed maps section ids to content hashes")
    return Card(
        id=cid,
        topic={lang: topic[lang].strip() for lang in LANGS},
        asks=tuple(a.strip() for a in asks),
        answer=sentences,
        reviewed={str(k): str(v) for k, v in reviewed.items()},
        path=source,
    )


def card_files(corpus_dir: Path) -> list[Path]:
    folder = corpus_dir / "cards"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_cards(corpus_dir: Path) -> list[Card]:
    """Every card of ``corpus_dir/cards``; raises ``CorpusError`` naming the file and card."""
    cards: list[Card] = []
    seen: set[str] = set()
    for path in card_files(corpus_dir):
        source = f"cards/{path.name}"
        try:
            data = yaml.load(path.read_text("utf-8"), Loader=YAML_LOADER)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{source}: not valid YAML ({exc.__class__.__name__})") from None
        if not isinstance(data, list):
            raise CorpusError(f"{source}: a card file holds a list of cards")
        for raw in data:
            card = _card(raw, source)
            if card.id in seen:
                raise CorpusError(f"{source}: duplicate card id {card.id}")
            seen.add(card.id)
            cards.append(card)
    return cards


def write_reviewed(corpus_dir: Path, hashes: dict[str, dict[str, str]]) -> int:
    """Record, for each card id in ``hashes``, the content hashes of its cited sections."""
    changed = 0
    for path in card_files(corpus_dir):
        data = yaml.load(path.read_text("utf-8"), Loader=YAML_LOADER)
        touched = False
        for raw in data:
            new = hashes.get(raw.get("id"))
            if new is not None and raw.get("reviewed") != new:
                raw["reviewed"] = new
                touched = True
                changed += 1
        if touched:
            path.write_text(
                yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), "utf-8"
            )
    return changed
