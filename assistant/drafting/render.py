"""Filling the clause templates with one request's answers (``Renderer``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from assistant.drafting.common import ADDRESSED, DEFAULT, MISSING, DraftError
from assistant.drafting.items import (
    ChecklistItem,
    classify,
    is_label_or_key,
    items_data,
    wording,
)
from assistant.drafting.model import Clause, ClauseCitation
from assistant.drafting.request import DraftRequest
from assistant.drafting.sections import SectionsLookup, lookup_section
from assistant.text.script import has_han
from assistant.text.tokenize import normalise

_PLACEHOLDER_RE = re.compile(r"\[to be specified[^\]]*\]|［待填寫[^］]*］")
PERSONAL_CATEGORIES = frozenset(
    {"personal_data", "customer_data", "employee_data", "hkid", "health", "financial"}
)


# ---------------------------------------------------------------- rendering


def join_list(values: list[str], lang: str, conj: str = "and") -> str:
    if lang == "zh-Hant":
        word = {"and": "及", "or": "或"}[conj]
        sep = "；" if any("、" in v or "，" in v for v in values) else "、"
        return values[0] if len(values) == 1 else sep.join(values[:-1]) + word + values[-1]
    if len(values) == 1:
        return values[0]
    if any("," in v or " and " in v for v in values):
        return "; ".join(values[:-1]) + f"; {conj} " + values[-1]
    return ", ".join(values[:-1]) + f" {conj} " + values[-1]


@dataclass
class _Input:
    """An information type the user listed: their words (or our label) and its category."""

    text: str
    category: str | None


def _other_script(value: str, lang: str) -> bool:
    """True when a value is written in the other language's script from the draft's."""
    han = has_han(value)
    return han if lang == "en" else not han


def _inputs(values: list[str], lang: str) -> list[_Input]:
    labels = items_data()["data_categories"]
    out = []
    for value in values:
        key = is_label_or_key(value, "data_categories")
        if key is None:
            key = classify(value, "data_categories")
            # Keep the user's words unless they are in the other language from the draft.
            if key is None or not _other_script(value, lang):
                out.append(_Input(value, key))
                continue
        out.append(_Input(labels[key][lang], key))
    return out


def _uses(values: list[str], lang: str) -> list[str]:
    labels = items_data()["uses"]
    out = []
    for value in values:
        key = is_label_or_key(value, "uses") or (
            classify(value, "uses") if len(value.split()) <= 2 else None
        )
        out.append(labels[key][lang] if key else value)
    return list(dict.fromkeys(out))


def _is_whole_organisation(values: list[str]) -> bool:
    whole = {normalise(v) for v in items_data()["whole_organisation"]}
    return any(normalise(v) in whole for v in values)


class Renderer:
    """Fills the clause templates for one request in one language."""

    def __init__(
        self,
        request: DraftRequest,
        lookup: SectionsLookup,
        numbers: dict[str, str],
        who: str | None = None,
    ) -> None:
        self.req = request
        self.lang = request.lang
        self.w = wording(self.lang)
        self.lookup = lookup
        self.numbers = numbers
        self.used: list[str] = []
        org = request.org
        refs = self.w["refs"]

        def ref(name: str, item: str) -> str:
            if item in numbers:
                return refs[name].format(n=numbers[item], org=org)
            return refs[f"{name}_generic"].format(org=org)

        support = request.support_contact or ref("support", "support")
        tools = request.public_tools + request.internal_tools
        self.ctx = {
            "org": org,
            "who": who or self.w["who"],
            "tool_scope": (
                self.w["tool_scope_named"].format(tools=join_list(tools, self.lang, "or"))
                if tools and who
                else self.w["tool_scope"]
            ),
            "support_ref": support,
            "training_ref": ref("training", "training"),
            "incident_ref": ref("incident", "incident"),
            "permitted_output_uses": ref("output_use", "output_use"),
        }
        allowed = _inputs(request.allowed_input, self.lang)
        prohibited = _inputs(request.prohibited_input, self.lang)
        banned = {p.category for p in prohibited if p.category} | {
            normalise(p.text) for p in prohibited
        }
        self.conflicts = [a for a in allowed if a.category in banned or normalise(a.text) in banned]
        self.allowed = [a for a in allowed if a not in self.conflicts]
        self.prohibited = prohibited

    # -- helpers

    def t(self, item: str, variant: str, **values: str) -> str:
        return str(self.w["clauses"][item][variant]).format(**{**self.ctx, **values})

    def v(self, value: str) -> str:
        self.used.append(value)
        return value

    def vs(self, values: list[str], conj: str = "and") -> str:
        return join_list([self.v(x) for x in values], self.lang, conj)

    def ph(self, item: str) -> str:
        return str(self.w["placeholder"]).format(hint=self.w["clauses"][item]["hint"])

    def citation_list(self, item: ChecklistItem) -> list[ClauseCitation]:
        out = []
        for i, section_id in enumerate(item.cites):
            section = lookup_section(self.lookup, section_id, self.lang)
            if section is None:
                if i == 0:
                    raise DraftError(
                        f"section {section_id} is not in the loaded guidance: rebuild the index "
                        "or check the corpus folder"
                    )
                continue  # a smaller corpus (tests, partial index) may lack a cross-reference
            out.append(ClauseCitation.from_section(section, item.anchors if i == 0 else ()))
        return out

    def clause(self, item: ChecklistItem, number: str) -> Clause:
        self.used = []
        text, status = getattr(self, f"_{item.key}")()
        if self.lang == "en":
            text = " ".join(text.split())
            text = text[:1].upper() + text[1:]  # a value such as "the IT Service Desk" may lead
        placeholders = _PLACEHOLDER_RE.findall(text)
        refs = [
            n
            for n in self.numbers.values()
            if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", text)
        ]
        given: list[str] = []
        for f in fields(self.req):
            value = getattr(self.req, f.name)
            if isinstance(value, list):
                given += value
            elif isinstance(value, str) and f.name != "lang":
                given.append(value)
        # Whatever the organisation typed must survive a rewrite, wherever it appears.
        required = [
            x for x in [self.req.org, *self.used, *given, *refs] if x and x.lower() in text.lower()
        ]
        return Clause(
            number=number,
            item=item.key,
            heading=item.label(self.lang),
            text=text,
            status=status,
            citations=self.citation_list(item),
            placeholders=placeholders,
            required=list(dict.fromkeys(required + placeholders)),
        )

    def _sentences(self, *parts: str) -> str:
        glue = "" if self.lang == "zh-Hant" else " "
        return glue.join(p for p in parts if p)

    # -- one method per Checklist item: returns (text, status)

    def _tools(self) -> tuple[str, str]:
        w, r = self.w, self.req
        names = [w["tool_public"].format(name=self.v(n)) for n in r.public_tools]
        names += [w["tool_internal"].format(name=self.v(n)) for n in r.internal_tools]
        if not names:
            return self._sentences(
                self.t("tools", "lead", tools=self.ph("tools")), self.t("tools", "closing")
            ), MISSING
        return self._sentences(
            self.t("tools", "lead", tools=join_list(names, self.lang)),
            self.t("tools", "public") if r.public_tools else "",
            self.t("tools", "closing"),
        ), ADDRESSED

    def _purposes(self) -> tuple[str, str]:
        uses = _uses(self.req.uses, self.lang)
        value = self.vs(uses) if uses else self.ph("purposes")
        return self._sentences(
            self.t("purposes", "lead", uses=value), self.t("purposes", "closing")
        ), ADDRESSED if uses else MISSING

    def _applicability(self) -> tuple[str, str]:
        values = self.req.applies_to
        if values and _is_whole_organisation(values) and len(values) == 1:
            return str(self.w["whole_organisation"]).format(org=self.req.org), ADDRESSED
        value = self.vs(values) if values else self.ph("applicability")
        return self.t("applicability", "lead", applies=value), ADDRESSED if values else MISSING

    def _permitted_input(self) -> tuple[str, str]:
        if not self.allowed:
            return self.t("permitted_input", "lead", allowed=self.ph("permitted_input")), MISSING
        text = [self.t("permitted_input", "lead", allowed=self.vs([a.text for a in self.allowed]))]
        if self.req.input_internal_only and any(risk_of(a.category) != "low" for a in self.allowed):
            internal = (
                self.t("permitted_input", "internal_named", names=self.vs(self.req.internal_tools))
                if self.req.internal_tools
                else self.t("permitted_input", "internal_unnamed")
            )
            text.append(self.t("permitted_input", "internal_only", internal_tools=internal))
        if any(a.category in PERSONAL_CATEGORIES for a in self.allowed):
            text.append(self.t("permitted_input", "personal"))
        return self._sentences(*text), ADDRESSED

    def _prohibited_input(self) -> tuple[str, str]:
        if self.prohibited:
            value, status = self.vs([p.text for p in self.prohibited]), ADDRESSED
        else:
            value, status = self.ph("prohibited_input"), MISSING
        if self.ctx["tool_scope"] != self.w["tool_scope"]:
            self.used += self.req.public_tools + self.req.internal_tools
        return self._sentences(
            self.t("prohibited_input", "lead", prohibited=value),
            self.t("prohibited_input", "unsure"),
        ), status

    def _output_use(self) -> tuple[str, str]:
        uses = self.req.output_use
        value = self.vs(uses) if uses else self.ph("output_use")
        return self._sentences(
            self.t("output_use", "lead", output_use=value), self.t("output_use", "personal")
        ), ADDRESSED if uses else MISSING

    def _anonymise(self) -> tuple[str, str]:
        if self.req.anonymise is None:
            return self.t("anonymise", "missing", ph=self.ph("anonymise")), MISSING
        return self.t("anonymise", "yes" if self.req.anonymise else "no"), ADDRESSED

    def _storage(self) -> tuple[str, str]:
        r = self.req
        storage = self.v(r.output_storage) if r.output_storage else self.w["defaults"]["storage"]
        retention = self.v(r.retention) if r.retention else self.ph("storage")
        return self._sentences(
            self.t("storage", "lead", storage=storage.format(org=r.org)),
            self.t("storage", "retention", retention=retention),
        ), ADDRESSED if r.retention else MISSING

    def _other_policies(self) -> tuple[str, str]:
        given = self.req.related_policies
        value = self.vs(given) if given else self.w["defaults"]["policies"].format(org=self.req.org)
        return self.t("other_policies", "lead", policies=value), ADDRESSED if given else DEFAULT

    def _unlawful(self) -> tuple[str, str]:
        return self.t("unlawful", "lead"), DEFAULT

    def _accuracy(self) -> tuple[str, str]:
        review = self.req.human_review
        text = self.t("accuracy", "no" if review is False else "yes")
        return text, DEFAULT if review is None else ADDRESSED

    def _bias(self) -> tuple[str, str]:
        return self.t("bias", "lead"), DEFAULT

    def _labelling(self) -> tuple[str, str]:
        if self.req.labelling:
            return self.t("labelling", "given", labelling=self.v(self.req.labelling)), ADDRESSED
        return self.t("labelling", "default"), DEFAULT

    def _devices(self) -> tuple[str, str]:
        given = self.req.devices
        value = self.vs(given) if given else self.ph("devices")
        return self.t("devices", "lead", devices=value), ADDRESSED if given else MISSING

    def _users(self) -> tuple[str, str]:
        given = self.req.users
        value = self.vs(given) if given else self.ph("users")
        return self.t("users", "lead", users=value), ADDRESSED if given else MISSING

    def _credentials(self) -> tuple[str, str]:
        mfa = self.req.mfa
        text = self.t("credentials", "no_mfa" if mfa is False else "mfa")
        return text, DEFAULT if mfa is None else ADDRESSED

    def _security_settings(self) -> tuple[str, str]:
        given = self.req.security_settings
        value = self.vs(given) if given else join_list(self.w["defaults"]["settings"], self.lang)
        return self.t("security_settings", "lead", settings=value), ADDRESSED if given else DEFAULT

    def _incident(self) -> tuple[str, str]:
        contact = self.req.incident_contact
        value = self.v(contact) if contact else self.ph("incident")
        return self.t("incident", "lead", contact=value), ADDRESSED if contact else MISSING

    def _consequences(self) -> tuple[str, str]:
        given = self.req.violations
        value = self.v(given) if given else self.ph("consequences")
        return self._sentences(
            self.t("consequences", "lead", violations=value), self.t("consequences", "personal")
        ), ADDRESSED if given else MISSING

    def _communication(self) -> tuple[str, str]:
        return self.t("communication", "lead"), DEFAULT

    def _training(self) -> tuple[str, str]:
        return self.t("training", "lead"), DEFAULT

    def _support(self) -> tuple[str, str]:
        contact = self.req.support_contact
        value = self.v(contact) if contact else self.ph("support")
        return self.t("support", "lead", support_contact=value), ADDRESSED if contact else MISSING

    def _feedback(self) -> tuple[str, str]:
        return self.t("feedback", "lead"), DEFAULT

    def _review(self) -> tuple[str, str]:
        period = self.req.review_period
        value = self.v(period) if period else self.w["defaults"]["review_period"]
        return self.t("review", "lead", review_period=value), ADDRESSED if period else DEFAULT


def risk_of(category: str | None) -> str:
    if category is None:
        return "unknown"
    return str(items_data()["data_categories"][category]["risk"])
