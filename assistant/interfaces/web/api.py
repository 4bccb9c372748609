"""The app's API for ``gradio_client``: stable endpoint names over the same operations as the page.

``/ask`` returns exactly what ``assistant ask --json`` prints (with ``trace`` when asked).
Endpoints must be registered inside a ``gr.Blocks`` context.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.corpus.documents import LANGS
from assistant.drafting import DraftError
from assistant.index.embeddings import EmbedderError
from assistant.index.snapshot import IndexCorrupt, IndexMismatch, IndexMissing
from assistant.index.store import StoreUnavailable
from assistant.interfaces.web.security import checked
from assistant.interfaces.web.service import UIService
from assistant.safety.audit import AuditError
from assistant.safety.feedback import RATINGS, FeedbackError, FeedbackUnavailable
from assistant.safety.validation import QuestionError


def register_api(svc: UIService) -> None:
    def ask(question: str, history: list[str] | None = None, trace: bool = False) -> dict[str, Any]:
        """Answer a question; ``history`` holds the earlier questions of the conversation (only
        the last ``assistant.pipeline.MAX_HISTORY_TURNS`` are used, each checked like a question)."""
        try:
            answer = svc.ask(question, history, interface="api")
        except (QuestionError, StoreUnavailable, IndexCorrupt, IndexMismatch, IndexMissing) as exc:
            raise gr.Error(str(exc)) from None
        except AuditError as exc:
            # Fails closed: no answer without its audit record; the message says what to fix.
            raise gr.Error(f"the question was not answered: {exc}") from None
        except EmbedderError as exc:
            raise gr.Error(
                f"the search model cannot be loaded, so nothing is answered: {exc}"
            ) from None
        return answer.to_json(trace=bool(trace))

    def section(section_id: str, lang: str = "en") -> dict[str, Any]:
        """One section's full text and metadata, and where its other-language version is."""
        found = svc.section(section_id, lang if lang in LANGS else "en")
        if found is None:
            raise gr.Error(f"no section {section_id!r} in {lang!r}")
        twin = svc.corpus.twin(found)
        doc = found.document
        return {
            "section_id": found.id,
            "lang": found.lang,
            "doc_id": found.doc_id,
            "title": doc.title,
            "heading": found.display_heading,
            "number": found.number,
            "text": found.text,
            "heading_path": list(found.heading_path),
            "parent_id": found.parent_id,
            "children": svc.corpus.children(found.id),
            "url": doc.url,
            "edition": doc.edition,
            "digest": doc.digest,
            "twin_lang": twin.lang if twin else None,
        }

    def documents(lang: str = "en") -> list[dict[str, Any]]:
        """Every document with its sections in order, in ``lang`` where available."""
        return [
            {
                "doc_id": doc_id,
                "label": label,
                "sections": [
                    {
                        "section_id": s.id,
                        "heading": s.display_heading,
                        "level": s.level,
                        "lang": s.lang,
                    }
                    for s in svc.doc_sections(doc_id, lang)
                ],
            }
            for label, doc_id in svc.documents(lang)
        ]

    def faq(lang: str = "en") -> list[dict[str, Any]]:
        """Common questions grouped by topic."""
        return svc.faq(lang)

    def privacy_check(text: str, lang: str = "") -> dict[str, Any]:
        """Personal data found in ``text`` (kinds and positions), its redacted form and a warning."""
        return svc.privacy_check(text, lang)

    def feedback(
        question: str,
        lang: str,
        section_ids: list[str],
        refused: bool,
        rating: str,
        comment: str = "",
    ) -> dict[str, Any]:
        """Store a rating ("up", "down" or "wrong_citation"); personal data is redacted first."""
        turn = {"question": question, "lang": lang, "section_ids": section_ids, "refused": refused}
        if rating not in RATINGS:
            raise gr.Error(f"rating must be one of {', '.join(RATINGS)}")
        try:
            return {"id": svc.record_feedback(turn, rating, comment)}
        except (FeedbackError, FeedbackUnavailable) as exc:
            raise gr.Error(str(exc)) from None

    def draft(options: dict[str, Any] | None = None, request: str = "") -> dict[str, Any]:
        """A staff Gen AI policy drafted from the PCPD Checklist, as ``PolicyDraft.to_json()``.

        ``options`` holds the ``DraftRequest`` fields (``org``, ``lang``, ``public_tools``,
        ``uses``, ``prohibited_input``, ``mfa``...); with ``request`` (words, in English or
        Chinese) one clause is drafted instead, using ``options`` for the organisation's answers.
        """
        try:
            return svc.draft(options, request or "").to_json()
        except DraftError as exc:
            raise gr.Error(str(exc)) from None

    for fn in (ask, section, documents, faq, privacy_check, feedback, draft):
        gr.api(checked(fn, svc.settings.max_question_chars), api_name=fn.__name__)
