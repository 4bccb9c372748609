"""Drafting a whole policy or one clause asked for in words, routed to its Checklist item."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, NamedTuple

from assistant.drafting.common import ABSENT, CJK_SPACE_RE, LANGS, DraftError
from assistant.drafting.draft_warnings import collect_warnings
from assistant.drafting.items import (
    ChecklistItem,
    checklist_items,
    find_item,
    item_entry,
    items_data,
    keyword_pattern,
    wording,
)
from assistant.drafting.model import CoverageEntry, PolicyDraft, PolicyPart, Route
from assistant.drafting.render import Renderer
from assistant.drafting.request import DraftRequest
from assistant.drafting.sections import SectionsLookup, resolve_lookup
from assistant.text.script import detect_lang, fold_width, has_control_chars
from assistant.text.tokenize import normalise

MAX_REQUEST_CHARS = 4000


# ---------------------------------------------------------------- drafting


def _numbering(
    keys: Iterable[str] | None = None,
) -> tuple[list[tuple[dict[str, Any], list[ChecklistItem]]], dict[str, str]]:
    """Parts with their items (optionally only some items) and each item's clause number."""
    wanted = None if keys is None else set(keys)
    parts, numbers = [], {}
    for part in items_data()["parts"]:
        items = [i for i in checklist_items() if i.part == part["key"]]
        if wanted is not None:
            items = [i for i in items if i.key in wanted]
        if not items:
            continue
        parts.append((part, items))
        for j, item in enumerate(items, start=1):
            numbers[item.key] = f"{len(parts)}.{j}"
    return parts, numbers


def _assemble(
    request: DraftRequest,
    lookup: SectionsLookup,
    mode: str,
    keys: list[str] | None = None,
    who: str | None = None,
    route: Route | None = None,
) -> PolicyDraft:
    parts_spec, numbers = _numbering(keys)
    # A single clause has no clause 6.3 to point to: cross-references become plain descriptions.
    renderer = Renderer(request, lookup, numbers if mode == "policy" else {}, who)
    w = wording(request.lang)
    parts: list[PolicyPart] = []
    for part, items in parts_spec:
        number = str(len(parts) + 1)
        clauses = [renderer.clause(item, numbers[item.key]) for item in items]
        parts.append(PolicyPart(number, part["key"], part[request.lang], part["section"], clauses))
    by_item = {c.item: c for c in (c for p in parts for c in p.clauses)}
    coverage = []
    for item in checklist_items():
        clause = by_item.get(item.key)
        if clause is None and mode == "clause":
            continue
        coverage.append(
            CoverageEntry(
                item=item.key,
                label=item.label(request.lang),
                section_id=item.section_id,
                status=clause.status if clause else ABSENT,
                clause=clause.number if clause else "",
            )
        )
    warnings = collect_warnings(renderer)
    if keys is not None:
        warnings = [x for x in warnings if set(x.items) & set(keys)]
    if mode == "policy":
        title = str(w["title"]).format(org=request.org)
        preamble = " ".join(str(w["preamble"]).format(org=request.org).split())
    else:
        title = str(w["clause_title"]).format(
            label=item_entry(keys[0]).label(request.lang) if keys else ""
        )
        preamble = ""
    note = str(w["note"]) if request.lang == "zh-Hant" else " ".join(str(w["note"]).split())
    return PolicyDraft(
        mode=mode,
        lang=request.lang,
        org=request.org,
        title=title,
        preamble=preamble,
        note=note,
        parts=parts,
        coverage=coverage,
        warnings=warnings,
        request=request,
        route=route,
    )


def draft_policy(request: DraftRequest, sections_lookup: Any = None) -> PolicyDraft:
    """A whole policy: numbered clauses for every Checklist area, coverage report and warnings.

    ``sections_lookup`` resolves citations: see ``resolve_lookup`` for what it may be.
    """
    request.validate()
    return _assemble(request, resolve_lookup(sections_lookup), "policy")


# ---------------------------------------------------------------- free-text requests


# A negation this many characters or fewer before an input word ("唔可以將客戶資料輸入",
# "must not paste") makes the two one phrase about what must never be entered.
NEGATION_REACH = 12
# Naming types of information ("client data", "身份證") points to the input items, and naming a
# tool ("DeepSeek") to the tools item, but less than any keyword does: "anonymise the personal
# data in AI output" is about anonymising, "turn off chat history in ChatGPT" about settings.
# A tool named beside information is where it goes: "可唔可以將客戶資料入ChatGPT" is about input.
DATA_WORD_WEIGHT = 1.0
TOOL_NAME_WEIGHT = 0.5


class _Hit(NamedTuple):
    """One occurrence of a keyword in a request."""

    order: int  # the item's place in checklist_items()
    value: str
    weight: float
    start: int
    end: int


def _without_question_forms(folded: str) -> str:
    # Blanked out rather than removed, so that what follows keeps its offsets.
    for form in items_data()["question_forms"]:
        folded = folded.replace(normalise(form), " " * len(normalise(form)))
    return folded


def _negated(text: str) -> bool:
    folded = _without_question_forms(normalise(text))
    return any(keyword_pattern(word).regex.search(folded) for word in items_data()["negations"])


def _without_request_verb(folded: str) -> str:
    data = items_data()
    if not any(keyword_pattern(w).regex.search(folded) for w in data["clause_words"]):
        return folded
    found = [
        m for m in (keyword_pattern(v).regex.search(folded) for v in data["request_verbs"]) if m
    ]
    if not found:
        return folded
    first = min(found, key=lambda m: m.start())
    return folded[: first.start()] + " " + folded[first.end() :]


def _outermost(hits: list[_Hit]) -> list[_Hit]:
    """The hits not inside a longer one: in "two step verification" the credentials item's
    phrase counts, not the "verif" of accuracy, and "tools" counts once, not also as "tool"."""
    return [
        h
        for h in hits
        if not any(
            o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
            for o in hits
        )
    ]


def _order(key: str) -> int:
    return next(i for i, item in enumerate(checklist_items()) if item.key == key)


def _keyword_hits(folded: str) -> list[_Hit]:
    hits = [
        _Hit(order, p.value, p.weight, *m.span())
        for order, item in enumerate(checklist_items())
        for p in (keyword_pattern(k) for k in item.keywords)
        for m in p.regex.finditer(folded)
    ]
    # Unnamed (""): these words are information types and tool names, not the items' keywords.
    permitted = _order("permitted_input")
    hits += [
        _Hit(permitted, "", DATA_WORD_WEIGHT, *span)
        for _, span in find_item(folded, "data_categories")
    ]
    tools = _order("tools")
    for name in items_data()["public_tools"]:
        hits += [
            _Hit(tools, "", TOOL_NAME_WEIGHT, *m.span())
            for m in keyword_pattern(name).regex.finditer(folded)
        ]
    return hits


def _negated_input_hits(folded: str, hits: list[_Hit]) -> list[_Hit]:
    """A negation followed closely by input words, as prohibited-input hits for all of them: in
    "員工唔可以將客戶資料輸入公開AI工具" the tool named is where, not what, the clause is about."""
    prohibited = _order("prohibited_input")
    # Input words only: "personal" is an information type, but "must not use personal phones"
    # is about devices.
    inputs = [h for h in hits if h.order == _order("permitted_input") and h.value]
    blanked = _without_question_forms(folded)
    found = []
    for word in items_data()["negations"]:
        pattern = keyword_pattern(word)
        for m in pattern.regex.finditer(blanked):
            near = [
                h._replace(order=prohibited)
                for h in inputs
                if 0 <= h.start - m.end() <= NEGATION_REACH
            ]
            if near:
                found += [_Hit(prohibited, pattern.value, pattern.weight, *m.span()), *near]
    return found


def route_request(text: str, retriever: Any = None, lang: str | None = None) -> Route:
    """The Checklist item a free-text request is about: keywords first, then the retriever."""
    # Code-switched requests space English off from Chinese unevenly ("AI 工具", "AI工具"): without
    # those spaces one keyword ("加label", "review一次") matches every spacing.
    folded = CJK_SPACE_RE.sub("", _without_request_verb(normalise(fold_width(text))))
    hits = _keyword_hits(folded)
    hits = _outermost(hits + _negated_input_hits(folded, hits))
    best: tuple[float, int, ChecklistItem, list[str]] | None = None
    for order, item in enumerate(checklist_items()):
        # Each word once (saying it twice is not more evidence), in the order the request has them.
        weights: dict[str, float] = {}
        for h in sorted(hits, key=lambda h: h.start):
            if h.order == order:
                weights[h.value] = max(h.weight, weights.get(h.value, 0.0))
        score = sum(weights.values())
        if score and (best is None or score > best[0]):
            best = (score, order, item, [v for v in weights if v])
    if best is not None:
        item, matched = best[2], best[3]
        negated = False
        if item.key in ("permitted_input", "prohibited_input"):
            negated = item.key == "prohibited_input" or _negated(text)
            item = item_entry("prohibited_input" if negated else "permitted_input")
        return Route(item.key, item.section_id, "keywords", tuple(matched), negated)
    if retriever is not None:
        result = retriever.search(text, lang=lang)
        first_items: dict[str, str] = {}
        for item in checklist_items():
            first_items.setdefault(item.section_id, item.key)
        # Only a top hit with lexical evidence: dense scores alone rank even nonsense somewhere.
        for hit in result.hits[:3]:
            if hit.section_id in first_items and (getattr(hit, "bm25_score", None) or 0) > 0:
                key = first_items[hit.section_id]
                return Route(key, hit.section_id, "retriever")
    raise DraftError(
        "could not tell which part of the Checklist the request is about: mention a topic such as "
        "tools, personal data, output, watermarks, devices, passwords, incidents or violations",
        code="no_topic",
    )


def _request_from_text(
    text: str, route: Route, base: DraftRequest
) -> tuple[DraftRequest, str | None]:
    """Fill what the free text names (tools, department, information types) into the request."""
    data = items_data()
    req = copy.deepcopy(base)
    folded = normalise(text)
    tools = [t for t in data["public_tools"] if keyword_pattern(t).regex.search(folded)]
    req.public_tools = list(dict.fromkeys(req.public_tools + tools))
    roles = find_item(text, "roles")
    role_spans = [span for _, span in roles]
    categories = [
        key
        for key, (start, end) in sorted(find_item(text, "data_categories"), key=lambda kv: kv[1])
        if not any(s <= start and end <= e for s, e in role_spans)
    ]
    labels = [data["data_categories"][k][req.lang] for k in categories]
    if route.item == "prohibited_input":
        req.prohibited_input = list(dict.fromkeys(req.prohibited_input + labels))
    elif route.item == "permitted_input":
        req.allowed_input = list(dict.fromkeys(req.allowed_input + labels))
    who = None
    if roles:
        role = data["roles"][roles[0][0]][req.lang]
        who = str(wording(req.lang)["who_role"]).format(role=role)
        if route.item == "users" and not req.users:
            req.users = [role]
        if route.item == "applicability" and not req.applies_to:
            req.applies_to = [role]
    elif tools:
        who = wording(req.lang)["who"]
    return req, who


def draft_clause(
    free_text: str,
    sections_lookup: Any = None,
    *,
    lang: str | None = None,
    base: DraftRequest | None = None,
    retriever: Any = None,
) -> PolicyDraft:
    """One clause asked for in words (English, Chinese or Cantonese), routed to its Checklist item.

    ``lang`` defaults to the request's own language. ``base`` supplies the organisation's other
    answers (name, contacts...) when the form was also filled in; ``retriever`` (anything with
    ``search(text, lang=...)``) is consulted only when no keyword matches.
    """
    text = (free_text or "").strip()
    if not text:
        raise DraftError("the request is empty: describe the clause you want", code="need_request")
    if len(text) > MAX_REQUEST_CHARS:
        raise DraftError(f"the request is longer than {MAX_REQUEST_CHARS} characters: shorten it")
    if has_control_chars(text):
        raise DraftError("the request contains control characters: remove them")
    lang = lang or detect_lang(text)
    if lang not in LANGS:
        raise DraftError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    if base is None:
        base = DraftRequest(org="", lang=lang)
    base = copy.deepcopy(base)
    base.lang = lang
    base.org = base.org or str(wording(lang)["default_org"])
    base.validate()
    route = route_request(text, retriever=retriever, lang=lang)
    request, who = _request_from_text(text, route, base)
    return _assemble(request, resolve_lookup(sections_lookup), "clause", [route.item], who, route)
