"""The concept file (``assistant/data/concepts.yaml``): what staff say, mapped to the guidance's
terms and sections. Parsed at index time and stored in the index; matched by
``assistant.retrieval.concepts``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from assistant.corpus.documents import YAML_LOADER

KINDS = (
    "tool",
    "action",
    "data",
    "purpose",
    "risk",
    "role",
    "control",
    "event",
    "document",
    "topic",
)


class ConceptError(ValueError):
    """The concept file is malformed; the message names the concept."""


@dataclass(frozen=True)
class Concept:
    id: str
    kind: str
    in_scope: bool
    terms: dict[str, tuple[str, ...]]
    surface: tuple[str, ...]
    sections: tuple[str, ...]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConceptError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_concepts(data: Any) -> list[Concept]:
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        raise ConceptError("the concept file must hold a list under 'concepts'")
    concepts: list[Concept] = []
    seen: set[str] = set()
    for number, raw in enumerate(data["concepts"], 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ConceptError(f"concept {number} has no id")
        cid = raw["id"]
        if cid in seen:
            raise ConceptError(f"concept {cid}: duplicate id")
        seen.add(cid)
        kind = raw.get("kind")
        if kind not in KINDS:
            raise ConceptError(f"concept {cid}: kind must be one of {', '.join(KINDS)}")
        scope = raw.get("scope", "in")
        if scope not in ("in", "out"):
            raise ConceptError(f"concept {cid}: scope must be 'in' or 'out'")
        terms = raw.get("terms") or {}
        surface = raw.get("surface") or {}
        if not isinstance(terms, dict) or not isinstance(surface, dict):
            raise ConceptError(f"concept {cid}: terms and surface map a language to a list")
        forms = tuple(
            dict.fromkeys(
                form
                for lang in ("en", "zh-Hant")
                for form in (
                    *_strings(surface.get(lang), f"concept {cid}: surface.{lang}"),
                    *_strings(terms.get(lang), f"concept {cid}: terms.{lang}"),
                )
            )
        )
        if not forms:
            raise ConceptError(f"concept {cid}: no surface forms")
        sections = _strings(raw.get("sections"), f"concept {cid}: sections")
        if scope == "in" and not sections:
            raise ConceptError(f"concept {cid}: an in-scope concept must point to sections")
        concepts.append(
            Concept(
                id=cid,
                kind=kind,
                in_scope=scope == "in",
                terms={
                    lang: _strings(terms.get(lang), f"concept {cid}: terms.{lang}")
                    for lang in ("en", "zh-Hant")
                },
                surface=forms,
                sections=sections,
            )
        )
    return concepts


def bundled_concepts() -> list[Concept]:
    """The project's concept file, parsed (at index time: the index stores the result)."""
    text = resources.files("assistant").joinpath("data/concepts.yaml").read_text("utf-8")
    return parse_concepts(yaml.load(text, Loader=YAML_LOADER))


def concept_to_json(concept: Concept) -> dict[str, Any]:
    return {
        "id": concept.id,
        "kind": concept.kind,
        "in_scope": concept.in_scope,
        "terms": {lang: list(t) for lang, t in concept.terms.items()},
        "surface": list(concept.surface),
        "sections": list(concept.sections),
    }


def concept_from_json(data: dict[str, Any]) -> Concept:
    return Concept(
        id=data["id"],
        kind=data["kind"],
        in_scope=bool(data["in_scope"]),
        terms={lang: tuple(t) for lang, t in data["terms"].items()},
        surface=tuple(data["surface"]),
        sections=tuple(data["sections"]),
    )
