"""What the web UI and its API do, without Gradio: ask, open sections, browse, rate answers.

Kept apart from the Gradio wiring so that the same functions serve the browser and the
``gradio_client`` API, and can be tested directly.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.answer.model import Answer
from assistant.corpus.documents import Corpus, CorpusError, Section, load_corpus
from assistant.drafting import DraftError, DraftRequest, PolicyDraft, draft_clause, draft_policy
from assistant.index.embeddings import EmbedderError
from assistant.index.snapshot import IndexCorrupt, IndexMismatch, IndexMissing
from assistant.index.store import StoreUnavailable
from assistant.interfaces.web.render import BROWSE, CITE, DRAFT, other_lang, section_panel, toc_html
from assistant.interfaces.web.text import FAQ, t, ui_lang
from assistant.pipeline import Assistant
from assistant.retrieval.conversation import is_follow_up
from assistant.safety.audit import AuditError
from assistant.safety.feedback import FeedbackStore
from assistant.safety.privacy import detect, redact, warning_message
from assistant.safety.validation import QuestionError, validate_question
from assistant.settings import Settings
from assistant.text.script import detect_lang, split_sentences

# Form answers that are three-way choices: required, not required, or not decided yet.
TRISTATE = {"yes": True, "no": False}
# Drafts written for download are kept this many at a time; Gradio serves copies of them.
KEPT_DRAFTS = 20

# Why a question could not be answered, for the chat (the API returns the technical message).
FAILURES = {
    "en": {
        "store": (
            "The guidance search service cannot be reached at the moment, so this question was not "
            "answered. Please ask again in a minute: the assistant reconnects by itself."
        ),
        "index": (
            "The assistant's search index is missing or damaged, so it cannot answer right now. "
            "Please tell the administrator, who can repair it with `assistant index --rebuild`."
        ),
        "audit": (
            "This question was not answered because its audit record could not be written. "
            "Please tell the administrator, who must make the data folder (ASSISTANT_DATA_DIR) "
            "writable or turn the audit log off with ASSISTANT_AUDIT_LOG=false."
        ),
        "embedder": (
            "The assistant's search model could not be loaded, so it cannot answer right now. "
            "Please tell the administrator, who can check the ASSISTANT_EMBEDDER settings."
        ),
        "empty": "Please type a question about the PCPD's AI guidance.",
        "no_words": "Please type your question in words; there was nothing in it to search for.",
        "invalid": "The question contains characters that are not valid text; please retype it.",
        "question": "This question cannot be asked as typed; please reword it and try again.",
        "history": (
            "An earlier question in this chat cannot be used for a follow-up; please clear the "
            "chat and ask again."
        ),
        "draft": "The draft could not be made from this form; please check it and try again.",
    },
    "zh-Hant": {
        "store": "暫時未能連接指引搜尋服務，所以未有回答這條問題。請一分鐘後再問，系統會自動重新連線。",
        "index": "本助理的搜尋索引遺失或已損壞，暫時未能回答。請通知系統管理員，以 `assistant index --rebuild` 修復。",
        "audit": (
            "由於未能寫入審計紀錄，這條問題未有回答。請通知系統管理員：數據資料夾"
            "（ASSISTANT_DATA_DIR）必須可以寫入，或以 ASSISTANT_AUDIT_LOG=false 關閉審計紀錄。"
        ),
        "embedder": "本助理的搜尋模型未能載入，暫時未能回答。請通知系統管理員檢查 ASSISTANT_EMBEDDER 設定。",
        "empty": "請輸入有關私隱專員公署AI指引的問題。",
        "no_words": "請用文字輸入問題；剛才的訊息沒有可以搜尋的字詞。",
        "invalid": "問題含有無效字元，請重新輸入。",
        "question": "未能按輸入的內容提問，請改寫後再試。",
        "history": "對話中較早的問題未能用於跟進提問，請清除對話後再問。",
        "draft": "未能按表格內容草擬，請檢查後再試。",
    },
}

# Error codes (``QuestionError.code``, ``DraftError.code``) -> the notice that explains them; any
# other code gets a general notice, so a new or renamed code never leaves the chat silent.
QUESTION_NOTICES = {"empty": "empty", "no_words": "no_words", "invalid_chars": "invalid"}
DRAFT_NOTICES = {
    "need_org": "draft_need_org",
    "need_request": "draft_need_request",
    "no_topic": "draft_no_topic",
}


class UIService:
    """One per app: the loaded index, the feedback store, and lookups over the sections."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self.assistant = assistant or Assistant(settings)
        self.feedback = FeedbackStore.for_settings(settings)

    def warm(self) -> None:
        """Load the index and models now, so that the first question is as fast as the rest."""
        self.assistant.answerer  # noqa: B018

    @property
    def default_lang(self) -> str:
        return ui_lang(self.settings.default_lang)

    # ------------------------------------------------------------------ sections

    @cached_property
    def corpus(self) -> Corpus:
        return self.assistant.snapshot.corpus

    @cached_property
    def known_ids(self) -> set[str]:
        return set(self.corpus.section_ids())

    @cached_property
    def _ordered(self) -> list[Section]:
        return sorted(self.corpus.sections, key=lambda s: (self._doc_rank[s.doc_id], s.order))

    @cached_property
    def _doc_rank(self) -> dict[str, int]:
        rank: dict[str, int] = {}
        for s in self.corpus.sections:
            rank.setdefault(s.doc_id, len(rank))
        return rank

    def section(self, section_id: str, lang: str) -> Section | None:
        return self.corpus.section(section_id, lang)

    def documents(self, lang: str) -> list[tuple[str, str]]:
        """(label, doc id) pairs in corpus order, labelled in ``lang`` where possible."""
        labels: dict[str, str] = {}
        for s in self._ordered:
            if s.doc_id not in labels or s.lang == lang:
                labels[s.doc_id] = s.document.label
        return [(label, doc_id) for doc_id, label in labels.items()]

    def doc_sections(self, doc_id: str, lang: str) -> list[Section]:
        sections = [s for s in self._ordered if s.doc_id == doc_id and s.lang == lang]
        return sections or [s for s in self._ordered if s.doc_id == doc_id]

    def doc_labels(self, lang: str) -> dict[str, str]:
        """Section id -> short document name, for citation chips."""
        return {s.id: s.document.label for s in self._ordered if s.lang == lang}

    def headings(self, lang: str) -> dict[str, str]:
        return {s.id: s.display_heading for s in self._ordered if s.lang == lang}

    def section_html(
        self,
        section_id: str,
        lang: str,
        ui: str,
        prefix: str = CITE,
        quotes: list[str] | None = None,
        note: str = "quoted_note",
        corpus: Corpus | None = None,
    ) -> str | None:
        corpus = corpus or self.corpus
        section = corpus.in_lang(section_id, lang)
        if section is None:
            return None
        children = [
            c
            for cid in corpus.children(section.id)
            if (c := corpus.in_lang(cid, section.lang)) is not None
        ]
        children.sort(key=lambda s: s.order)
        parent = corpus.in_lang(section.parent_id, section.lang) if section.parent_id else None
        neighbours: tuple[Section | None, Section | None] = (None, None)
        if prefix == BROWSE:
            siblings = self.doc_sections(section.doc_id, section.lang)
            at = next((i for i, s in enumerate(siblings) if s.id == section.id), -1)
            if at >= 0:
                neighbours = (
                    siblings[at - 1] if at > 0 else None,
                    siblings[at + 1] if at + 1 < len(siblings) else None,
                )
        return section_panel(
            section,
            corpus.twin(section),
            ui,
            prefix,
            self.known_ids if corpus is self.corpus else set(corpus.section_ids()),
            quotes or (),
            children,
            parent,
            neighbours,
            note,
        )

    def toc(self, doc_id: str, lang: str, current: str | None) -> str:
        return toc_html(self.doc_sections(doc_id, lang), current)

    # ------------------------------------------------------------------ answers

    @property
    def threshold(self) -> float:
        return float(self.assistant.answerer.refusal.threshold)

    def ask(self, question: str, history: list[str] | None = None, interface: str = "ui") -> Answer:
        return self.assistant.ask(question, history, interface=interface)

    @staticmethod
    def failure_notice(exc: BaseException, ui: str) -> str:
        """What the page says when a question could not be answered: the store being away is
        temporary and heals by itself, a damaged index, search model or data folder needs the
        operator, a question or history that cannot be used says so; anything else is ours."""
        failures = FAILURES[ui_lang(ui)]
        if isinstance(exc, StoreUnavailable):
            return failures["store"]
        if isinstance(exc, IndexCorrupt | IndexMismatch | IndexMissing):
            return failures["index"]
        if isinstance(exc, AuditError):
            return failures["audit"]
        if isinstance(exc, EmbedderError):
            return failures["embedder"]
        if isinstance(exc, QuestionError):
            return UIService.question_notice(exc, ui)
        return t(ui, "error_internal")

    @staticmethod
    def payload(answer: Answer) -> dict[str, Any]:
        """``Answer.to_json(trace=True)`` plus the cited sentences the chat renders one by one."""
        data = answer.to_json(trace=True)
        data["sentences"] = [[sentence, number] for sentence, number in answer.sentences]
        data["question"] = answer.question
        return data

    def question_error(self, question: str, ui: str) -> str | None:
        """A message in the UI language when the question cannot be asked as typed."""
        try:
            validate_question(question, self.settings.max_question_chars)
        except QuestionError as exc:
            return self.question_notice(exc, ui, question, self.settings.max_question_chars)
        return None

    @staticmethod
    def question_notice(exc: QuestionError, ui: str, question: str = "", limit: int = 0) -> str:
        """``exc`` in the UI language, chosen by its code; never empty, whatever the code.
        ``question`` and ``limit`` give the numbers of the too-long message."""
        code = str(getattr(exc, "code", "") or "")
        if code == "too_long" and limit:
            return t(ui, "error_long", n=len(question), limit=limit)
        if code == "control_chars":
            return t(ui, "error_control")
        key = "history" if code.startswith("history_") else QUESTION_NOTICES.get(code, "question")
        return FAILURES[ui_lang(ui)][key]

    # ------------------------------------------------------------------ privacy and feedback

    @staticmethod
    def privacy_check(text: str, lang: str = "") -> dict[str, Any]:
        """Personal data in a message being typed; ``message`` warns before it is sent."""
        findings = detect(text or "")
        lang = lang if lang in ("en", "zh-Hant") else detect_lang(text or "")
        return {
            "found": bool(findings),
            "kinds": sorted({f.kind for f in findings}),
            "spans": [[f.start, f.end] for f in findings],
            "redacted": redact(text or "", lang),
            "message": warning_message(findings, lang, before_sending=True) if findings else "",
        }

    def record_feedback(self, turn: dict[str, Any], rating: str, comment: str = "") -> int:
        """Store a rating of an answer; ``FeedbackError`` for a turn that cannot be stored (the
        cited sections must be sections of the loaded index)."""
        return self.feedback.record(
            turn.get("question"),
            turn.get("lang"),
            turn.get("section_ids") or [],
            bool(turn.get("refused")),
            rating,
            comment,
            history=turn.get("history") or [],
            answer=turn.get("answer"),
            known_sections=self.known_ids,
        )

    @staticmethod
    def turn_record(answer: Answer, history: list[str]) -> dict[str, Any]:
        """What feedback on this answer needs; the question is already redacted by the pipeline."""
        context = history[-1:] if history and is_follow_up(answer.question) else []
        return {
            "question": answer.question,
            "lang": answer.lang,
            "section_ids": [c.section.id for c in answer.citations],
            "refused": answer.refused,
            "history": context,
            "answer": answer.text,
        }

    @staticmethod
    def faq(lang: str) -> list[dict[str, Any]]:
        return [
            {"topic": topic, "questions": list(questions)}
            for topic, questions in FAQ.get(ui_lang(lang), FAQ["en"])
        ]

    @staticmethod
    def twin_lang(lang: str) -> str:
        return other_lang(lang)

    # ------------------------------------------------------------------ policy drafts

    def draft(self, options: dict[str, Any] | None = None, request: str = "") -> PolicyDraft:
        """A whole policy from ``options`` (``DraftRequest`` fields), or one clause from ``request``.

        For a clause, ``options`` supplies the organisation's other answers and ``lang`` (when
        given) the language; otherwise the clause follows the language of the request.
        """
        values = dict(options or {})
        values.setdefault("org", "")
        if (request or "").strip():
            lang = values.pop("lang", None) or None
            base = DraftRequest.from_dict(values)
            return draft_clause(
                request, self.corpus, lang=lang, base=base, retriever=self.assistant.retriever
            )
        return draft_policy(DraftRequest.from_dict(values), self.corpus)

    @cached_property
    def _bundled_corpus(self) -> Corpus | None:
        """The project's own corpus: the drafter cites from it what a partial index lacks, so the
        Draft tab opens those sections from it too."""
        folder = Settings().corpus_dir
        if not folder.is_dir() or folder.resolve() == self.settings.corpus_dir.resolve():
            return None
        try:
            return load_corpus(folder)
        except CorpusError:
            return None

    @cached_property
    def draft_ids(self) -> set[str]:
        """Sections a draft's chips can open: the index's, and the bundled corpus's."""
        extra = self._bundled_corpus
        return self.known_ids | (set(extra.section_ids()) if extra else set())

    def draft_section_html(
        self, section_id: str, lang: str, ui: str, quotes: list[str] | None = None
    ) -> str | None:
        """A section cited by a draft, for the Draft tab's panel."""
        corpus = self.corpus
        if self.corpus.in_lang(section_id, lang) is None and self._bundled_corpus is not None:
            corpus = self._bundled_corpus
        return self.section_html(section_id, lang, ui, DRAFT, quotes, "draft_followed_note", corpus)

    @staticmethod
    def draft_options(form: dict[str, Any]) -> dict[str, Any]:
        """``DraftRequest`` fields from the page's form: three-way choices become True/False/None."""
        options: dict[str, Any] = {}
        for name, value in form.items():
            if name in ("anonymise", "mfa", "human_review"):
                options[name] = TRISTATE.get(str(value))
            elif isinstance(value, list | tuple):
                options[name] = [str(v) for v in value]
            elif isinstance(value, bool):
                options[name] = value
            else:
                options[name] = str(value or "")
        return options

    @staticmethod
    def draft_error(exc: DraftError, ui: str) -> str:
        """The drafter's reason, chosen by its code: in the UI language where it is one people
        often meet, else the message's first clause; never empty, whatever the code."""
        key = DRAFT_NOTICES.get(str(getattr(exc, "code", "") or ""))
        if key:
            return t(ui, key)
        reason = str(exc).split(":")[0].strip()
        return t(ui, "draft_failed", reason=reason) if reason else FAILURES[ui_lang(ui)]["draft"]

    @staticmethod
    def draft_quotes(data: dict[str, Any]) -> dict[str, list[str]]:
        """``"<clause>|<id>@<lang>"`` -> the sentences of the section that clause follows."""
        quotes: dict[str, list[str]] = {}
        for part in data.get("parts", []):
            for clause in part.get("clauses", []):
                for citation in clause.get("citations", [])[:1]:
                    key = f"{clause['number']}|{citation['section_id']}@{citation['lang']}"
                    quotes[key] = split_sentences(citation.get("quote", ""))
        return quotes

    @cached_property
    def _draft_dir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="pcpd-drafts-"))

    def draft_files(self, draft: PolicyDraft) -> tuple[Path, Path]:
        """The draft as Markdown and Word files in a fresh temporary folder (one per draft, so
        that people drafting at the same time never receive each other's file)."""
        folders = sorted(
            (d for d in self._draft_dir.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime
        )
        for old in folders[: max(0, len(folders) - KEPT_DRAFTS + 1)]:
            shutil.rmtree(old, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(dir=self._draft_dir))
        name = draft_file_stem(draft)
        markdown = folder / f"{name}.md"
        markdown.write_text(draft.to_markdown(), "utf-8")
        return markdown, draft.to_docx(folder / f"{name}.docx")


def draft_file_stem(draft: PolicyDraft) -> str:
    """A plain file name: ``gen-ai-policy-acme-ltd`` or ``gen-ai-clause-labelling``."""
    if draft.mode == "clause":
        item = draft.route.item if draft.route else "clause"
        return "gen-ai-clause-" + item.replace("_", "-")
    slug = re.sub(r"[^a-z0-9]+", "-", draft.org.lower()).strip("-")[:40].strip("-")
    return "gen-ai-policy" + (f"-{slug}" if slug else "")
