"""Extractive grounded answers: the most relevant sentences of the best sections, each cited."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from assistant.answer.cards import DEFAULT_THRESHOLD as DEFAULT_CARD_THRESHOLD
from assistant.answer.cards import CardIndex, CardMatch
from assistant.answer.model import (
    AI_SECURITY_HOTLINE,
    MESSAGES,
    PCPD_ENQUIRY_LINE,
    Answer,
    Citation,
)
from assistant.answer.plans import Line, Plan, Planner, list_counts, same_statement
from assistant.answer.question_type import QuestionType, classify
from assistant.corpus.documents import Section
from assistant.retrieval.hybrid import HybridRetriever, RetrievalResult
from assistant.retrieval.scope import RefusalModel, framing_topic

# Concept kinds that name what a question is about (a risk such as deepfakes or doxxing); a
# matched card must cite one of the sections of each such concept found. Topics and purposes
# were tried too (everyday-dev): they cost more correct cards than wrong ones.
SUBJECT_KINDS = frozenset({"risk"})


# A surface form that is a question rather than a name ("which stocks") is not quoted back.
_NOT_A_NAME_RE = re.compile(
    r"\b(?:which|what|how|who|when|can|should|is|are|do|does)\b|幾|點|邊|咩|乜|嗎|呢|點樣", re.I
)


def declined_topic(result: RetrievalResult) -> str | None:
    """What a declined question names that the guidance does not cover, to be named in the reply
    ("does not cover GDPR"): the topic it is asked under, else the first uncovered one it names,
    as typed; None when there is none or it reads as a question rather than a name."""
    topic = framing_topic(result) or next(
        (h.typed or h.matched for h in result.concepts if not h.concept.in_scope), None
    )
    return topic if topic and not _NOT_A_NAME_RE.search(topic) else None


class ExtractiveAnswerer:
    """Builds an answer only from corpus sentences (and verified cards); never writes a claim of
    its own. The reply's first lines answer what was asked (see ``assistant.answer.plans``)."""

    def __init__(
        self,
        retriever: HybridRetriever,
        refusal: RefusalModel,
        max_sentences: int = 4,
        card_threshold: float = DEFAULT_CARD_THRESHOLD,
    ) -> None:
        self.retriever = retriever
        self.refusal = refusal
        self.max_sentences = max_sentences
        snapshot = retriever.snapshot
        children: dict[str, list[str]] = defaultdict(list)
        for section in snapshot.sections:
            if section.parent_id and section.id not in children[section.parent_id]:
                children[section.parent_id].append(section.id)
        self.planner = Planner(
            snapshot.sentences, snapshot.sentence_vectors, retriever.section, dict(children)
        )
        self.cards = CardIndex(
            snapshot.cards, snapshot.card_vectors, card_threshold, snapshot.card_ask_terms
        )

    def refusal_text(self, lang: str, topic: str | None = None) -> str:
        """``topic``: what the guidance does not cover, as the user typed it ("GDPR"), when the
        question is declined for being about it; else the text says "this question"."""
        titles: dict[str, str] = {}
        for section in self.retriever.snapshot.sections:
            if section.lang == lang or section.doc_id not in titles:
                titles[section.doc_id] = section.document.label
        bullet = "\n".join(f"- {t}" for t in titles.values())
        what = topic or MESSAGES[lang]["this_question"]
        return MESSAGES[lang]["refusal"].format(
            topic=what, docs=bullet, enquiry=PCPD_ENQUIRY_LINE, hotline=AI_SECURITY_HOTLINE
        )

    def decline(
        self, question: str, result: RetrievalResult, reason: str, topic: str | None = None
    ) -> Answer:
        return Answer(
            question,
            result.lang,
            self.refusal_text(result.lang, topic),
            True,
            retrieval=result,
            in_scope_probability=self.refusal.probability(result),
            refusal_reason=reason,
            scope=self.refusal.contributions(result),
            answer_type="out_of_scope",
        )

    def answer(
        self,
        question: str,
        result: RetrievalResult,
        focus: str | None = None,
        question_type: QuestionType | None = None,
    ) -> Answer:
        """``focus`` is the user's own words when ``result`` was retrieved with added context."""
        probability = self.refusal.probability(result)
        topic = framing_topic(result)
        if topic is not None:
            reason = f"asked under or about {topic}, which the guidance does not cover"
            return self.decline(question, result, reason, declined_topic(result))
        if not result.hits or probability < self.refusal.threshold:
            reason = (
                "no section matched"
                if not result.hits
                else f"weak evidence: in-scope probability {probability:.2f} < {self.refusal.threshold:.2f} "
                f"(dense {result.dense_top:.3f}, bm25 {result.bm25_top:.2f}, coverage {result.coverage:.2f})"
            )
            return self.decline(question, result, reason, declined_topic(result))
        focus = focus or question
        kind = question_type or classify(focus)
        query_vector = result.query_vector
        if focus.strip() != result.query.strip().split("\n")[0].strip():
            # A follow-up was retrieved together with the previous turn; its sentences should
            # answer what is new in it ("and passwords?"), not repeat the previous answer.
            focus_vector = self.retriever.embedder.embed_queries([focus])[0]
            query_vector = (query_vector + focus_vector) / 2
        subjects = [set(h.concept.sections) for h in result.concepts_of(SUBJECT_KINDS)]
        card = self.cards.match(focus, query_vector, result.section_ids[:5], subjects)
        if card is not None and kind.name == "list":
            card = self._card_for_list(card, result, focus, query_vector)
        said = [s.text for s in card.card.answer[result.lang]] if card is not None else []
        plan = self.planner.plan(kind.name, result, focus, query_vector, said)
        answer = self._render(question, result, plan, card)
        answer.in_scope_probability = probability
        answer.answer_type = kind.name
        answer.question_rule = kind.rule
        answer.scope = self.refusal.contributions(result)
        return answer

    def _card_for_list(
        self, card: CardMatch, result: RetrievalResult, focus: str, query_vector: np.ndarray
    ) -> CardMatch | None:
        """A list question is answered by the whole list, so a card leads it only if the card
        answers "which ones" too: it gives a count (「四種風險」, "nine elements"), the same as
        the list's when it cites the list's section. Else the list leads and the card is left
        out (it would push the list to second place, or contradict it)."""
        listed = self.planner.plan("list", result, focus, query_vector)
        if not listed.items:
            return card
        sections = {s.id for line in listed.items for s in line.sections}
        sections |= {s.parent_id for line in listed.items for s in line.sections if s.parent_id}
        counts = set().union(*(list_counts(x.text) for x in card.card.answer[result.lang]))
        if sections & set(card.card.cited):
            return card if str(len(listed.items)) in counts else None
        return card if counts else None

    def _render(
        self, question: str, result: RetrievalResult, plan: Plan, card: CardMatch | None
    ) -> Answer:
        lang = result.lang
        m = MESSAGES[lang]
        citations: dict[str, Citation] = {}
        lines: list[tuple[str, int]] = []

        def cite(section: Section, quote: str | None) -> int:
            citation = citations.get(section.id)
            if citation is None:
                citation = citations[section.id] = Citation(len(citations) + 1, section, [])
            if quote is not None and quote not in citation.quotes:
                citation.quotes.append(quote)
            return citation.number

        def marks(line: Line) -> str:
            numbers = [cite(line.sections[0], line.text)] + [
                cite(s, None) for s in line.sections[1:]
            ]
            return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

        def label(line: Line) -> str:
            if line.note:
                return f" ({m['not_in_digest']})" if lang == "en" else f"（{m['not_in_digest']}）"
            source = line.sections[0].provenance_of(line.text)
            name = m["provenance"].get(source)
            if not name:
                return ""
            return f" ({name})" if lang == "en" else f"（{name}）"

        parts: list[str] = []
        blocks: list[dict[str, object]] = []

        def block(kind: str, line: Line) -> None:
            blocks.append(
                {
                    "kind": "note" if line.note else kind,
                    "text": line.text,
                    "n": [citations[s.id].number for s in line.sections if s.id in citations],
                    "provenance": "" if line.note else line.sections[0].provenance_of(line.text),
                }
            )

        # A card sentence that the numbered list below repeats is left to the list, which cites it.
        said = [
            sentence
            for sentence in (card.card.answer[lang] if card is not None else [])
            if not any(same_statement(sentence.text, item.text) for item in plan.items)
        ]
        if not said:
            card = None
        if card is not None:
            pieces = []
            for sentence in said:
                sections = [
                    s for s in (self.retriever.section(c, lang) for c in sentence.cites) if s
                ]
                numbers = "".join(f"[{cite(s, None)}]" for s in sections)
                pieces.append(f"{sentence.text} {numbers}")
                lines.append((sentence.text, cite(sections[0], None) if sections else 0))
                blocks.append(
                    {
                        "kind": "short",
                        "text": sentence.text,
                        "n": [citations[s.id].number for s in sections],
                        "provenance": "card",
                    }
                )
            parts.append(f"{m['short_answer']} " + " ".join(pieces))
        for line in plan.lead:
            parts.append(f"{line.text} {marks(line)}{label(line)}")
            lines.append((line.text, citations[line.sections[0].id].number))
            block("lead", line)
        for number, line in enumerate(plan.items, 1):
            parts.append(f"{number}. {line.text} {marks(line)}{label(line)}")
            lines.append((line.text, citations[line.sections[0].id].number))
            block("item", line)
        uncovered = list(
            dict.fromkeys(h.typed or h.matched for h in result.concepts if not h.concept.in_scope)
        )
        if uncovered:
            # A question with a covered and an uncovered part ("GDPR fines vs PDPO penalties"):
            # the covered part is answered, and the reply says plainly what is not covered.
            what = (" / " if lang == "en" else "、").join(uncovered)
            parts.append(m["partly"].format(what=what, enquiry=PCPD_ENQUIRY_LINE))
        body = "\n".join(parts)
        evidence = [e for e in plan.evidence][: self.max_sentences]
        if evidence:
            shown = "\n".join(f"- {e.text} {marks(e)}{label(e)}" for e in evidence)
            body += f"\n\n{m['evidence']}\n{shown}"
            lines.extend((e.text, citations[e.sections[0].id].number) for e in evidence)
            for e in evidence:
                block("evidence", e)
        sources = "\n".join(c.source_line(lang) for c in citations.values())
        text = f"{body}\n\n{m['sources']}:\n{sources}"
        answer = Answer(question, lang, text, False, list(citations.values()), lines, result)
        answer.plan_rule = plan.rule
        answer.blocks = blocks
        if card is not None:
            answer.card = card.as_dict()
        return answer
