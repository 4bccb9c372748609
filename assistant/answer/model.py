"""What an answer is: its text, citations, refusal and trace, and the JSON contract of `ask --json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.corpus.documents import Section
from assistant.retrieval.hybrid import RetrievalResult

PCPD_ENQUIRY_LINE = "2827 2827"


AI_SECURITY_HOTLINE = "2110 1155"


MESSAGES = {
    "en": {
        "short_answer": "Short answer:",
        "draft_lead": "Draft clause ({label}):",
        "partly": "The guidance does not cover {what}: for that part, call the PCPD enquiry line on {enquiry}.",
        "draft_more": "For a whole policy, use the Draft tab (or `assistant draft`).",
        "evidence": "From the guidance:",
        "not_in_digest": "Not in this digest",
        "provenance": {
            "pcpd": "PCPD statement",
            "press": "press report",
            "secondary": "secondary source",
        },
        "sources": "Sources",
        "digest": "digest; official text at the link",
        "official": "official text",
        "replaces_digest": "official text, replacing the digest",
        "edition": "edition",
        "this_question": "this question",
        "refusal": (
            "The PCPD guidance I draw on does not cover {topic}, so I will not guess: "
            "call the PCPD enquiry line on {enquiry} (AI security questions from organisations: "
            "the AI Security hotline, {hotline}).\n\nI can answer questions about:\n{docs}"
        ),
    },
    "zh-Hant": {
        "short_answer": "簡短回答：",
        "draft_lead": "條款草擬（{label}）：",
        "partly": "指引沒有涵蓋{what}：這部分請致電公署查詢熱線 {enquiry}。",
        "draft_more": "如需整份政策，請使用「草擬政策」分頁（或 `assistant draft`）。",
        "evidence": "指引內容：",
        "not_in_digest": "本摘要未有涵蓋",
        "provenance": {"pcpd": "公署聲明", "press": "傳媒報道", "secondary": "二手資料"},
        "sources": "出處",
        "digest": "摘要；官方文本見連結",
        "official": "官方文本",
        "replaces_digest": "官方文本（取代摘要）",
        "edition": "版本",
        "this_question": "這個問題",
        "refusal": (
            "本助理所依據的私隱專員公署指引沒有涵蓋{topic}，因此不作猜測：請致電公署查詢熱線 {enquiry}"
            "（機構的AI安全查詢：「AI安全」熱線 {hotline}）。\n\n本助理可解答以下文件的相關問題：\n{docs}"
        ),
    },
}


@dataclass
class Citation:
    number: int
    section: Section
    quotes: list[str]

    def provenance(self, quote: str) -> str:
        return self.section.provenance_of(quote)

    def as_dict(self) -> dict[str, Any]:
        s = self.section
        return {
            "n": self.number,
            "section_id": s.id,
            "doc_id": s.doc_id,
            "title": s.document.title,
            "heading": s.display_heading,
            "number": s.number,
            "lang": s.lang,
            "url": s.document.url,
            "edition": s.document.edition,
            "digest": s.document.digest,
            "page": s.page,
            "quote": " ".join(self.quotes),
            "quotes": [{"text": q, "provenance": self.provenance(q)} for q in self.quotes],
            "see": list(s.see),
        }

    def source_line(self, lang: str) -> str:
        m = MESSAGES[lang]
        s = self.section
        kind = (
            m["digest"]
            if s.document.digest
            else (m["replaces_digest"] if s.supersedes_digest else m["official"])
        )
        page = f", p. {s.page}" if s.page else ""
        url = f" {s.document.url}" if s.document.url else ""
        return f"[{self.number}] {s.document.title} — {s.display_heading} ({m['edition']} {s.document.edition}{page}; {kind}){url}"


@dataclass
class Answer:
    question: str
    lang: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    sentences: list[tuple[str, int]] = field(default_factory=list)  # (sentence, citation number)
    retrieval: RetrievalResult | None = None
    in_scope_probability: float = 1.0
    refusal_reason: str = ""
    warnings: list[dict[str, str]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # What the LLM path did (``assistant.llm``); None when no LLM is configured or asked.
    generation: dict[str, Any] | None = None
    # The kind of question (``assistant.answer.question_type``) and how the reply was planned.
    answer_type: str = ""
    question_rule: str = ""
    plan_rule: str = ""
    # The answer card that leads the reply, if one matched (``assistant.answer.cards``).
    card: dict[str, Any] | None = None
    scope: dict[str, Any] = field(default_factory=dict)  # features and their contributions
    draft: dict[str, Any] | None = None  # a clause drafted for a draft request
    # The reply's structure for front ends: [{"kind": "short" | "lead" | "item" | "evidence" |
    # "note", "text", "n": [citation numbers], "provenance"}], in the order shown.
    blocks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def generated(self) -> bool:
        """Written by the LLM (and verified), rather than quoted or declined."""
        return bool(self.generation and self.generation.get("status") == "generated")

    @property
    def llm_model(self) -> str:
        """The LLM behind this answer for the audit log, with the reason when it was not used."""
        if not self.generation:
            return ""
        model = str(self.generation.get("model", ""))
        if self.generated:
            return model
        return f"{model} (not used: {self.generation.get('summary', '')})"

    def to_json(self, trace: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "answer": self.text,
            "lang": self.lang,
            "refused": self.refused,
            "citations": [c.as_dict() for c in self.citations],
            "warnings": self.warnings,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "answer_type": self.answer_type,
            "card": self.card,
            "blocks": self.blocks,
        }
        if self.draft is not None:
            data["draft"] = self.draft
        if trace and self.retrieval is not None:
            data["trace"] = {
                "retrieval_query": self.retrieval.query,
                "hits": [h.as_dict() for h in self.retrieval.hits],
                "dense_top": round(self.retrieval.dense_top, 4),
                "bm25_top": round(self.retrieval.bm25_top, 4),
                "coverage": round(self.retrieval.coverage, 3),
                "in_scope_probability": round(self.in_scope_probability, 3),
                "refusal_reason": self.refusal_reason,
                "question_type": {"type": self.answer_type, "rule": self.question_rule},
                "plan": self.plan_rule,
                "concepts": [h.as_dict() for h in self.retrieval.concepts],
                "expansion": self.retrieval.expansion,
                "scope": self.scope,
            }
            if self.generation is not None:
                data["trace"]["generation"] = self.generation
        return data
