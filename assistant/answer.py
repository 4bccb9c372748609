"""Extractive grounded answers: the most relevant sentences of the best sections, each cited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from assistant.corpus import Section
from assistant.refusal import RefusalModel
from assistant.retriever import HybridRetriever, RetrievalResult
from assistant.tokenize import content_terms, normalise

PCPD_ENQUIRY_LINE = "2827 2827"
AI_SECURITY_HOTLINE = "2110 1155"
MAX_SECTIONS = 2
# A section is used only if its fused score is this close to the best one.
SECTION_RELATIVE_FLOOR = 0.9
# Sentences scoring this far below the best one are left out; the lead section gives up to LEAD_SENTENCES.
SENTENCE_MARGIN = 0.1
LEAD_SENTENCES = 4

MESSAGES = {
    "en": {
        "lead": "Here is what the PCPD guidance says:",
        "sources": "Sources",
        "digest": "digest; official text at the link",
        "official": "official text",
        "replaces_digest": "official text, replacing the digest",
        "edition": "edition",
        "refusal": (
            "The PCPD guidance I draw on does not cover this question, so I will not guess. "
            "I can answer questions about: {docs}. "
            "For other enquiries, call the PCPD enquiry line on {enquiry}; organisations with AI "
            "security questions can call the PCPD's AI security hotline on {hotline}."
        ),
    },
    "zh-Hant": {
        "lead": "私隱專員公署的指引就此有以下內容：",
        "sources": "出處",
        "digest": "摘要；官方文本見連結",
        "official": "官方文本",
        "replaces_digest": "官方文本（取代摘要）",
        "edition": "版本",
        "refusal": (
            "本助理所依據的私隱專員公署指引沒有涵蓋這個問題，因此不作猜測。"
            "本助理可解答以下文件的相關問題：{docs}。"
            "如有其他查詢，請致電公署查詢熱線 {enquiry}；機構如有AI安全方面的查詢，可致電公署「AI安全」熱線 {hotline}。"
        ),
    },
}


@dataclass
class Citation:
    number: int
    section: Section
    quotes: list[str]

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
        }
        if trace and self.retrieval is not None:
            data["trace"] = {
                "retrieval_query": self.retrieval.query,
                "hits": [h.as_dict() for h in self.retrieval.hits],
                "dense_top": round(self.retrieval.dense_top, 4),
                "bm25_top": round(self.retrieval.bm25_top, 4),
                "coverage": round(self.retrieval.coverage, 3),
                "in_scope_probability": round(self.in_scope_probability, 3),
                "refusal_reason": self.refusal_reason,
            }
            if self.generation is not None:
                data["trace"]["generation"] = self.generation
        return data


class ExtractiveAnswerer:
    """Builds an answer only from corpus sentences; never writes a claim of its own."""

    def __init__(
        self, retriever: HybridRetriever, refusal: RefusalModel, max_sentences: int = 4
    ) -> None:
        self.retriever = retriever
        self.refusal = refusal
        self.max_sentences = max_sentences
        snapshot = retriever.snapshot
        self._sentences = snapshot.sentences
        self._vectors = snapshot.sentence_vectors
        self._by_section: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, record in enumerate(snapshot.sentences):
            self._by_section[(record.section_id, record.lang)].append(i)

    def refusal_text(self, lang: str) -> str:
        titles: dict[str, str] = {}
        for section in self.retriever.snapshot.sections:
            if section.lang == lang or section.doc_id not in titles:
                titles[section.doc_id] = section.document.title
        separator = "、" if lang == "zh-Hant" else "; "
        docs = separator.join((f"《{t}》" if lang == "zh-Hant" else t) for t in titles.values())
        return MESSAGES[lang]["refusal"].format(
            docs=docs, enquiry=PCPD_ENQUIRY_LINE, hotline=AI_SECURITY_HOTLINE
        )

    def answer(self, question: str, result: RetrievalResult, focus: str | None = None) -> Answer:
        """``focus`` is the user's own words when ``result`` was retrieved with added context."""
        lang = result.lang
        probability = self.refusal.probability(result)
        if not result.hits or probability < self.refusal.threshold:
            reason = (
                "no section matched"
                if not result.hits
                else f"weak evidence: in-scope probability {probability:.2f} < {self.refusal.threshold:.2f} "
                f"(dense {result.dense_top:.3f}, bm25 {result.bm25_top:.2f}, coverage {result.coverage:.2f})"
            )
            return Answer(
                question,
                lang,
                self.refusal_text(lang),
                True,
                retrieval=result,
                in_scope_probability=probability,
                refusal_reason=reason,
            )
        chosen = self._select(result, focus or question)
        citations: dict[str, Citation] = {}
        lines: list[tuple[str, int]] = []
        for section, sentence in chosen:
            citation = citations.get(section.id)
            if citation is None:
                citation = citations[section.id] = Citation(len(citations) + 1, section, [])
            citation.quotes.append(sentence)
            lines.append((sentence, citation.number))
        m = MESSAGES[lang]
        body = "\n".join(f"- {sentence} [{n}]" for sentence, n in lines)
        sources = "\n".join(c.source_line(lang) for c in citations.values())
        text = f"{m['lead']}\n\n{body}\n\n{m['sources']}:\n{sources}"
        return Answer(
            question, lang, text, False, list(citations.values()), lines, result, probability
        )

    def _select(self, result: RetrievalResult, question: str) -> list[tuple[Section, str]]:
        top = result.hits[0].score
        hits = [h for h in result.hits if h.score >= SECTION_RELATIVE_FLOOR * top][:MAX_SECTIONS]
        terms = content_terms(question)
        query_vector = result.query_vector
        if question.strip() != result.query.strip():
            # A follow-up was retrieved together with the previous turn; its sentences should
            # answer what is new in it ("and passwords?"), not repeat the previous answer.
            focus_vector = self.retriever.embedder.embed_queries([question])[0]
            query_vector = (query_vector + focus_vector) / 2
        scored: list[tuple[float, int, int, Section, str]] = []
        for rank, hit in enumerate(hits):
            section = self.retriever.section(hit.section_id, result.lang)
            if section is None:
                continue
            indices = self._by_section.get((section.id, section.lang), [])
            if not indices:
                continue
            cosine = self._vectors[indices] @ query_vector
            prior = 0.04 * (hit.score / top)
            for j, i in enumerate(indices):
                sentence = self._sentences[i].text
                overlap = _overlap(terms, sentence)
                scored.append(
                    (float(cosine[j]) + 0.15 * overlap + prior, rank, j, section, sentence)
                )
        if not scored:
            return []
        scored.sort(key=lambda row: -row[0])
        # The best section always speaks first; other sections join only with strong sentences.
        lead_rank = min(row[1] for row in scored)
        lead_rows = [row for row in scored if row[1] == lead_rank][:2]
        best = scored[0][0]
        picked = list(lead_rows)
        per_section: dict[str, int] = defaultdict(int)
        for row in lead_rows:
            per_section[row[3].id] += 1
        for row in scored:
            if len(picked) >= self.max_sentences:
                break
            score, rank, _, section, _ = row
            limit = LEAD_SENTENCES if rank == lead_rank else 2
            if row in picked or per_section[section.id] >= limit or score < best - SENTENCE_MARGIN:
                continue
            picked.append(row)
            per_section[section.id] += 1
        picked.sort(key=lambda row: (row[1], row[2]))
        return [(section, sentence) for _, _, _, section, sentence in picked]


def _overlap(terms: set[str], sentence: str) -> float:
    if not terms:
        return 0.0
    folded = normalise(sentence)
    return sum(1 for t in terms if t in folded) / len(terms)
