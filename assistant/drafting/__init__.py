"""Draft an internal policy on employees' use of Gen AI from the PCPD's 2025 Checklist.

Deterministic: clause wording lives in ``data/policy_clauses.yaml`` (English and Traditional
Chinese), the Checklist items in ``data/policy_items.yaml``. Every clause cites the Checklist section
it implements (and the Framework or DPP it relies on); the citations are resolved against the same
sections the chat answers from, so the UI can open them like chat citations.

Entry points: ``draft_policy(request, sections_lookup)`` for a whole policy,
``draft_clause(free_text, sections_lookup)`` for one clause asked for in words, and
``polish_draft(draft, rewrite)`` for an optional rewrite that is verified before it is kept.
"""

from assistant.drafting.common import ABSENT, ADDRESSED, DEFAULT, LANGS, MISSING, DraftError
from assistant.drafting.draft import (
    MAX_REQUEST_CHARS,
    draft_clause,
    draft_policy,
    route_request,
)
from assistant.drafting.items import ChecklistItem, checklist_items, choices
from assistant.drafting.model import (
    Clause,
    ClauseCitation,
    CoverageEntry,
    DraftWarning,
    PolicyDraft,
    PolicyPart,
    Route,
)
from assistant.drafting.polish import polish_draft, verify_rewrite
from assistant.drafting.render import PERSONAL_CATEGORIES
from assistant.drafting.request import MAX_FIELD_CHARS, MAX_ITEMS_PER_FIELD, DraftRequest
from assistant.drafting.sections import SectionsLookup, resolve_lookup

__all__ = [
    "ABSENT",
    "ADDRESSED",
    "DEFAULT",
    "LANGS",
    "MAX_FIELD_CHARS",
    "MAX_ITEMS_PER_FIELD",
    "MAX_REQUEST_CHARS",
    "MISSING",
    "PERSONAL_CATEGORIES",
    "ChecklistItem",
    "Clause",
    "ClauseCitation",
    "CoverageEntry",
    "DraftError",
    "DraftRequest",
    "DraftWarning",
    "PolicyDraft",
    "PolicyPart",
    "Route",
    "SectionsLookup",
    "checklist_items",
    "choices",
    "draft_clause",
    "draft_policy",
    "polish_draft",
    "resolve_lookup",
    "route_request",
    "verify_rewrite",
]
