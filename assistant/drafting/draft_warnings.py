"""Warnings about risky answers (sensitive data in public tools, no MFA, no retention...)."""

from __future__ import annotations

import re

from assistant.drafting.items import wording
from assistant.drafting.model import ClauseCitation, DraftWarning
from assistant.drafting.render import PERSONAL_CATEGORIES, Renderer, join_list, risk_of
from assistant.drafting.sections import lookup_section

_INDEFINITE_RE = re.compile(r"indefinite|forever|permanent|no limit|unlimited|無限期|永久|不限")


# ---------------------------------------------------------------- warnings


def collect_warnings(renderer: Renderer) -> list[DraftWarning]:
    req, lang, lookup = renderer.req, renderer.lang, renderer.lookup
    texts = wording(lang)["warnings"]
    out: list[DraftWarning] = []

    def warn(
        code: str, severity: str, items: tuple[str, ...], cites: tuple[str, ...], **kw: str
    ) -> None:
        citations = tuple(
            ClauseCitation.from_section(s)
            for s in (lookup_section(lookup, c, lang) for c in cites)
            if s is not None
        )
        message = (
            " ".join(str(texts[code]).format(**kw).split())
            if lang == "en"
            else str(texts[code]).format(**kw)
        )
        # A message may open with what the organisation typed ("client names appear both...").
        message = message[:1].upper() + message[1:]
        out.append(DraftWarning(code, severity, message, items, citations))

    allowed = renderer.allowed
    sensitive = [a for a in allowed if risk_of(a.category) in ("high", "personal", "confidential")]
    high = [a for a in allowed if risk_of(a.category) == "high"]
    if sensitive and req.public_tools and not req.input_internal_only:
        warn(
            "sensitive_public",
            "high",
            ("permitted_input", "tools"),
            ("checklist-2025/2", "pdpo-dpps/dpp4"),
            categories=join_list([a.text for a in sensitive], lang),
            tools=join_list(req.public_tools, lang),
        )
    elif high:
        warn(
            "high_risk",
            "medium",
            ("permitted_input",),
            ("checklist-2025/2", "pdpo-dpps/dpp4"),
            categories=join_list([a.text for a in high], lang),
        )
    if any(a.category == "customer_data" for a in allowed):
        warn(
            "customer_purpose",
            "medium",
            ("permitted_input",),
            ("pdpo-dpps/dpp3", "checklist-2025/2"),
        )
    if renderer.conflicts:
        warn(
            "input_conflict",
            "medium",
            ("permitted_input", "prohibited_input"),
            ("checklist-2025/2",),
            categories=join_list([a.text for a in renderer.conflicts], lang),
        )
    if req.anonymise is False and any(a.category in PERSONAL_CATEGORIES for a in allowed):
        warn("no_anonymise", "medium", ("anonymise",), ("checklist-2025/2",))
    if not req.retention:
        warn("no_retention", "medium", ("storage",), ("checklist-2025/2", "pdpo-dpps/dpp2"))
    elif _INDEFINITE_RE.search(req.retention.lower()):
        warn(
            "indefinite_retention",
            "high",
            ("storage",),
            ("checklist-2025/2", "pdpo-dpps/dpp2"),
            retention=req.retention,
        )
    if req.mfa is False:
        warn("no_mfa", "high", ("credentials",), ("checklist-2025/4",))
    if not req.incident_contact:
        warn(
            "no_incident_contact",
            "medium",
            ("incident",),
            ("checklist-2025/4", "framework-2024/3.3"),
        )
    if req.human_review is False:
        warn("no_human_review", "high", ("accuracy",), ("checklist-2025/3", "framework-2024/2.2"))
    return sorted(out, key=lambda x: x.severity != "high")
