"""The web UI: a Gradio chat over the guidance, with sources, trainer view, browsing and feedback.

``build_app`` connects the page (``layout``) to what it does (``service``), one ``wire_*``
function per part of the page; the HTML comes from ``render`` and every word from ``text``.
``serve`` starts it without building anything.
"""

from __future__ import annotations

import os

# Gradio looks up external hosts on import unless told not to; the app must run offline.
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}.items():
    os.environ.setdefault(_key, _value)

import logging  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Generator, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from assistant.answer.model import Answer  # noqa: E402
from assistant.drafting import DraftError  # noqa: E402
from assistant.interfaces.rest import attach_rest_api, with_rest_api  # noqa: E402
from assistant.interfaces.web.api import register_api  # noqa: E402
from assistant.interfaces.web.layout import Page, build_page  # noqa: E402
from assistant.interfaces.web.render import (  # noqa: E402
    BROWSE,
    CITE,
    DRAFT,
    answer_steps,
    draft_html,
    draft_panel_placeholder,
    draft_placeholder,
    message_html,
    notice_html,
    panel_placeholder,
    parse_ref,
    ref_tag,
    trainer_html,
    warning_html,
)
from assistant.interfaces.web.security import secured  # noqa: E402
from assistant.interfaces.web.service import UIService  # noqa: E402
from assistant.interfaces.web.style import COPY_JS, CSS, theme  # noqa: E402
from assistant.interfaces.web.text import t, ui_lang  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.safety.access import launch_options  # noqa: E402
from assistant.safety.feedback import FeedbackError, FeedbackUnavailable  # noqa: E402
from assistant.settings import Settings  # noqa: E402

# The extractive answer is ready at once; a short pause per sentence lets the page show it grow
# the way a generated answer will.
STREAM_PAUSE_S = 0.03
# UI events are not API endpoints: the API is the named functions of ``api``.
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
LOG = logging.getLogger(__name__)
WRONG_CITATION = {t("en", "wrong_citation"), t("zh-Hant", "wrong_citation")}


@dataclass
class Session:
    """What the page remembers for one visitor between events (each a ``gr.State``)."""

    history: gr.State  # redacted earlier questions, for follow-ups
    turns: gr.State  # chat message index -> what feedback on that answer needs
    last: gr.State  # the latest answer as JSON, with its trace
    quotes: gr.State  # "<id>@<lang>" -> sentences the answers quoted from it
    shown: gr.State  # [id, lang] of the section in the side panel
    browsing: gr.State  # [doc, section, lang] in Browse
    feedback_id: gr.State  # the last rating, for an optional comment
    drafted: gr.State  # the latest policy draft as JSON
    draft_quotes: gr.State  # "<clause>|<id>@<lang>" -> sentences that clause follows
    draft_shown: gr.State  # [id, lang, clause] of the section in the Draft tab's panel


def new_session(browsing: list[str]) -> Session:
    """The states, created in the current ``gr.Blocks`` in this order (ids follow it); Browse
    starts at ``browsing``."""
    return Session(
        history=gr.State([]),
        turns=gr.State({}),
        last=gr.State(None),
        quotes=gr.State({}),
        shown=gr.State(None),
        browsing=gr.State(browsing),
        feedback_id=gr.State(None),
        drafted=gr.State(None),
        draft_quotes=gr.State({}),
        draft_shown=gr.State(None),
    )


class Views:
    """The panels that several events redraw, as HTML from the service."""

    def __init__(self, svc: UIService) -> None:
        self.svc = svc

    def browse(self, section_id: str, lang: str, ui: str) -> str:
        return self.svc.section_html(section_id, lang, ui, BROWSE) or t(ui, "unknown_section")

    def trace(self, data: dict[str, Any] | None, ui: str) -> str:
        headings = self.svc.headings(data["lang"]) if data else {}
        return trainer_html(data, ui, headings, self.svc.threshold)

    def draft(self, data: dict[str, Any] | None, ui: str) -> str:
        return draft_html(data, ui, self.svc.draft_ids) if data else draft_placeholder(ui)

    def draft_panel(self, shown: list | None, quotes: dict, ui: str) -> str:
        if not shown:
            return draft_panel_placeholder(ui)
        section_id, lang, tag = shown
        quoted = quotes.get(f"{tag}|{section_id}@{lang}") if tag else None
        return self.svc.draft_section_html(section_id, lang, ui, quoted) or t(ui, "unknown_section")

    def source(self, panel: list | None, known: dict, ui: str) -> str:
        """The Ask tab's side panel: the section ``panel`` ([id, lang]) shows, else the tips."""
        source = panel_placeholder(ui)
        if panel:
            quoted = known.get(f"{panel[0]}@{panel[1]}")
            source = self.svc.section_html(panel[0], panel[1], ui, CITE, quoted) or source
        return source

    def warn(self, message: str) -> str:
        """The warning shown under the box while what is typed contains personal data."""
        check = self.svc.privacy_check(message or "")
        return warning_html([{"message": check["message"]}]) if check["found"] else ""


def first_section(svc: UIService, lang: str) -> tuple[list[tuple[str, str]], str, str]:
    """The documents in ``lang``, and the document and section Browse opens at."""
    docs = svc.documents(lang)
    first_doc = docs[0][1] if docs else ""
    sections = svc.doc_sections(first_doc, lang) if first_doc else []
    return docs, first_doc, sections[0].id if sections else ""


def build_app(settings: Settings, service: UIService | None = None) -> gr.Blocks:
    """The whole app; ``service`` is created (and the index loaded) when not given."""
    svc = service or UIService(settings)
    svc.warm()
    views = Views(svc)
    first = svc.default_lang
    docs, first_doc, first_id = first_section(svc, first)
    with gr.Blocks(title=t(first, "title")) as app:
        session = new_session([first_doc, first_id, first])
        page: Page = build_page(
            first, docs, first_doc, svc.toc(first_doc, first, first_id),
            views.browse(first_id, first, first) if first_id else "",
        )  # fmt: skip
        # The order of the events is their order in the page's config: keep it.
        wire_asking(svc, views, page, session)
        wire_pii_warning(views, page)
        wire_chat_actions(views, page, session)
        wire_feedback(svc, page, session)
        wire_sources(svc, views, page, session)
        wire_browse(svc, views, page, session)
        wire_drafts(svc, views, page, session)
        wire_trainer(views, page, session)
        wire_language(svc, views, page, session)
        register_api(svc)
    attach_rest_api(app, svc)  # the JSON API at /api/v1 (assistant/interfaces/rest.py)
    return app


# ---------------------------------------------------------------- the Ask tab: chat


def answer_handler(svc: UIService, views: Views) -> Callable[..., Iterator[tuple]]:
    """``respond``: the chat's event for a question, updating the chat, the box, the warning,
    history, turns, the latest answer, its plain text and the trainer view, in that order."""

    def respond(
        message: str, chat: list, hist: list, turn_map: dict, ui: str, trainer_on: bool
    ) -> Iterator[tuple]:
        ui, keep = ui_lang(ui), gr.skip()
        if not (message or "").strip():
            yield (keep,) * 8
            return
        error = svc.question_error(message, ui)
        if error is not None:
            chat = [*chat, {"role": "assistant", "content": notice_html(error)}]
            yield chat, keep, keep, keep, keep, keep, keep, keep
            return
        chat = asked_chat(svc, chat, message, ui)
        yield chat, "", "", keep, keep, keep, keep, keep
        outcome = yield from stream_answer(svc, message, chat, hist, ui)
        if outcome is None:
            return
        answer, streamed = outcome
        data = svc.payload(answer)
        steps = answer_steps(data, svc.doc_labels(answer.lang), svc.known_ids)
        for step in steps[-1:] if streamed and answer.generated else steps:
            chat[-1] = {"role": "assistant", "content": step}
            yield chat, keep, keep, keep, keep, keep, keep, keep
            time.sleep(STREAM_PAUSE_S)
        turn_map = {**turn_map, str(len(chat) - 1): svc.turn_record(answer, hist)}
        trace = views.trace(data, ui) if trainer_on else keep
        yield chat, keep, keep, [*hist, answer.question], turn_map, data, answer.text, trace

    return respond


def asked_chat(svc: UIService, chat: list, message: str, ui: str) -> list:
    """``chat`` with the question (redacted) and a bubble saying the answer is being looked for."""
    shown_text = message_html(svc.privacy_check(message)["redacted"])
    thinking = f'<div class="answer thinking">{t(ui, "thinking")}</div>'
    return [
        *chat,
        {"role": "user", "content": shown_text},
        {"role": "assistant", "content": thinking},
    ]


def stream_answer(
    svc: UIService, message: str, chat: list, hist: list, ui: str
) -> Generator[tuple, None, tuple[Answer, bool] | None]:
    """Answer ``message``, showing a generated answer in the last chat bubble as it grows by
    verified sentences; a quoted one arrives whole. Gives the answer and whether any of it was
    shown, or None when answering failed (the bubble then says so)."""
    keep = gr.skip()
    streamed = False
    try:
        for answer, final in svc.assistant.stream(message, hist, "ui"):
            if not final:
                partial = svc.payload(answer)
                steps = answer_steps(partial, svc.doc_labels(answer.lang), svc.known_ids)
                chat[-1] = {"role": "assistant", "content": steps[-2]}
                streamed = True
                yield chat, keep, keep, keep, keep, keep, keep, keep
    except Exception as exc:  # the page must say so rather than keep "searching" forever
        LOG.exception("answering failed")
        notice = notice_html(svc.failure_notice(exc, ui))
        chat[-1] = {"role": "assistant", "content": notice}
        yield chat, keep, keep, keep, keep, keep, keep, keep
        return None
    return answer, streamed


def remember_quotes(data: dict | None, known: dict) -> dict:
    """Add the sentences the latest answer quoted, by cited section, to those already known."""
    if not data:
        return known
    fresh = {
        f"{c['section_id']}@{c['lang']}": [q for q, n in data.get("sentences", []) if n == c["n"]]
        for c in data.get("citations", [])
    }
    return {**known, **fresh}


def pick_example(evt: gr.SelectData) -> str:
    value = evt.value
    return value.get("text", "") if isinstance(value, dict) else str(value)


def ask_faq(evt: gr.EventData) -> tuple:
    question = str(getattr(evt, "_data", {}).get("question", ""))
    return question, gr.Tabs(selected="ask")


def wire_asking(svc: UIService, views: Views, page: Page, s: Session) -> None:
    """Questions from the box, the send button, the chat's examples and the common questions."""
    respond = answer_handler(svc, views)
    chat_in = [page.box, page.chatbot, s.history, s.turns, page.lang, page.trainer]
    chat_out = [page.chatbot, page.box, page.pii, s.history, s.turns, s.last, page.plain]
    chat_out.append(page.trainer_view)

    def then_remember(event: Any) -> None:
        event.then(remember_quotes, [s.last, s.quotes], s.quotes, **PRIVATE)

    def ask_chain(event: Any) -> None:
        then_remember(event.then(respond, chat_in, chat_out, **PRIVATE))

    for trigger in (page.box.submit, page.send.click):
        then_remember(trigger(respond, chat_in, chat_out, **PRIVATE))
    ask_chain(page.chatbot.example_select(pick_example, None, page.box, **PRIVATE))
    ask_chain(page.faq.select(ask_faq, None, [page.box, page.tabs], **PRIVATE))


def wire_pii_warning(views: Views, page: Page) -> None:
    """Warn about personal data while a question is typed."""
    # "change" also covers pasting and text set by the page (an example, a common question).
    page.box.change(
        views.warn,
        page.box,
        page.pii,
        show_progress="hidden",
        trigger_mode="always_last",
        **PRIVATE,
    )


def copied(text: str, ui: str) -> None:
    notify = gr.Info if text else gr.Warning
    notify(t(ui_lang(ui), "copied" if text else "nothing_to_copy"))


def wire_chat_actions(views: Views, page: Page, s: Session) -> None:
    """Clearing the chat (button or the chat's own control) and copying the latest answer."""

    def reset(ui: str) -> tuple:
        ui = ui_lang(ui)
        placeholder = panel_placeholder(ui)
        # The rated answers are gone with the chat, so is the box for commenting on a rating.
        hidden = gr.Accordion(visible=False, open=False)
        return [], [], {}, None, "", views.trace(None, ui), placeholder, None, "", {}, None, hidden

    reset_out = [page.chatbot, s.history, s.turns, s.last, page.plain, page.trainer_view]
    reset_out += [page.source, s.shown, page.pii, s.quotes, s.feedback_id, page.comment_acc]
    page.clear.click(reset, page.lang, reset_out, **PRIVATE)
    page.chatbot.clear(reset, page.lang, reset_out, **PRIVATE)
    page.copy.click(copied, [page.plain, page.lang], None, js=COPY_JS, **PRIVATE)


# ---------------------------------------------------------------- feedback


def wire_feedback(svc: UIService, page: Page, s: Session) -> None:
    """Ratings of answers (thumbs, or a wrong citation), then an optional comment on the last."""

    def rate(data: gr.LikeData, turn_map: dict, ui: str) -> Any:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turn = turn_map.get(str(index))
        ratings = {True: "up", False: "down"}
        rating = "wrong_citation" if data.liked in WRONG_CITATION else ratings.get(data.liked)
        if turn is None or rating is None:
            return gr.skip(), gr.skip()
        try:
            row = svc.record_feedback(turn, rating)
        except (FeedbackError, FeedbackUnavailable) as exc:
            # The chat goes on; the reader learns the rating was not kept, and why.
            gr.Warning(str(exc))
            return gr.skip(), gr.skip()
        gr.Info(t(ui_lang(ui), "feedback_saved"))
        # The comment box appears with the first rating; a complaint is when a reader has
        # something to say, so it opens for anything but a thumbs-up.
        return row, gr.Accordion(visible=True, open=rating != "up")

    def add_comment(text: str, row: int | None, ui: str) -> Any:
        ui = ui_lang(ui)
        if row is None:
            gr.Warning(t(ui, "comment_first"))
            return gr.skip()
        try:
            added = svc.feedback.add_comment(int(row), text or "")
        except (FeedbackError, FeedbackUnavailable) as exc:
            gr.Warning(str(exc))
            return gr.skip()
        if not added:
            return gr.skip()
        gr.Info(t(ui, "comment_saved"))
        return ""

    page.chatbot.like(rate, [s.turns, page.lang], [s.feedback_id, page.comment_acc], **PRIVATE)
    page.comment_btn.click(
        add_comment, [page.comment, s.feedback_id, page.lang], page.comment, **PRIVATE
    )


# ---------------------------------------------------------------- section links, Browse & FAQ


def cited_outputs(svc: UIService, section_id: str, lang: str, ui: str, known: dict) -> tuple:
    """``open_ref``'s outputs for a citation: the section, with the sentences the answers quoted
    from it highlighted, shown in the Ask tab's side panel."""
    quoted = known.get(f"{section_id}@{lang}")
    panel = svc.section_html(section_id, lang, ui, CITE, quoted)
    source = panel or t(ui, "unknown_section")
    return source, gr.Tabs(selected="source"), [section_id, lang], *(gr.skip(),) * 7


def browse_outputs(svc: UIService, views: Views, section_id: str, lang: str, ui: str) -> tuple:
    """``open_ref``'s outputs for a Browse link: the section, its document's contents, the
    document and text language pickers, and the Browse state."""
    keep = gr.skip()
    section = svc.section(section_id, lang)
    if section is None:
        return keep, keep, keep, t(ui, "unknown_section"), *(keep,) * 6
    return (
        keep, keep, keep,
        views.browse(section_id, lang, ui),
        svc.toc(section.doc_id, lang, section_id),
        gr.Dropdown(choices=svc.documents(lang), value=section.doc_id),
        lang,
        [section.doc_id, section_id, lang],
        keep, keep,
    )  # fmt: skip


def wire_sources(svc: UIService, views: Views, page: Page, s: Session) -> None:
    """Section links anywhere on the page (sent by the bridge's script): a citation opens in the
    Ask tab's panel, a draft's chip in the Draft tab's panel, anything else in Browse."""

    def open_ref(evt: gr.EventData, ui: str, known: dict, dquotes: dict) -> tuple:
        ui, keep = ui_lang(ui), gr.skip()
        ref = str(getattr(evt, "_data", {}).get("ref", ""))
        parsed = parse_ref(ref)
        if parsed is None:
            return (keep,) * 10
        prefix, section_id, lang = parsed
        if prefix == DRAFT:
            state = [section_id, lang, ref_tag(ref)]
            return *(keep,) * 8, views.draft_panel(state, dquotes, ui), state
        if prefix == CITE:
            return cited_outputs(svc, section_id, lang, ui, known)
        return browse_outputs(svc, views, section_id, lang, ui)

    page.bridge.select(
        open_ref,
        [page.lang, s.quotes, s.draft_quotes],
        [page.source, page.side_tabs, s.shown, page.view, page.toc, page.doc, page.text_lang]
        + [s.browsing, page.draft_source, s.draft_shown],
        **PRIVATE,
    )


def wire_browse(svc: UIService, views: Views, page: Page, s: Session) -> None:
    """The Browse tab's document and text language pickers."""

    # "input" (not "change"): these react to the reader, not to updates made by open_ref.
    def choose_doc(doc_id: str, lang: str, ui: str) -> tuple:
        listed = svc.doc_sections(doc_id, lang)
        section_id = listed[0].id if listed else ""
        view = views.browse(section_id, lang, ui_lang(ui))
        return svc.toc(doc_id, lang, section_id), view, [doc_id, section_id, lang]

    def choose_text_lang(lang: str, state: list, ui: str) -> tuple:
        doc_id, section_id, _ = state
        return (
            svc.toc(doc_id, lang, section_id),
            views.browse(section_id, lang, ui_lang(ui)),
            gr.Dropdown(choices=svc.documents(lang), value=doc_id),
            [doc_id, section_id, lang],
        )

    page.doc.input(
        choose_doc,
        [page.doc, page.text_lang, page.lang],
        [page.toc, page.view, s.browsing],
        **PRIVATE,
    )
    page.text_lang.input(
        choose_text_lang,
        [page.text_lang, s.browsing, page.lang],
        [page.toc, page.view, page.doc, s.browsing],
        **PRIVATE,
    )


# ---------------------------------------------------------------- the Draft tab


def draft_outputs(
    svc: UIService, views: Views, ui: str, options: dict[str, Any], request: str
) -> tuple:
    """Draft a whole policy from ``options``, or one clause when there is a ``request``; the
    outputs are the draft, its JSON and quotes, both downloads, the form and the side panel."""
    keep = gr.skip()
    hidden = gr.DownloadButton(visible=False)
    try:
        draft = svc.draft(options, request)
        markdown, docx = svc.draft_files(draft)
    except DraftError as exc:
        error = notice_html(svc.draft_error(exc, ui))
        return error, None, {}, hidden, hidden, keep, keep, keep
    except Exception:  # the page must say so rather than leave the form waiting
        LOG.exception("drafting failed")
        error = notice_html(t(ui, "draft_error_internal"))
        return error, None, {}, hidden, hidden, keep, keep, keep
    data = draft.to_json()
    return (
        views.draft(data, ui),
        data,
        svc.draft_quotes(data),
        gr.DownloadButton(value=str(markdown), visible=True),
        gr.DownloadButton(value=str(docx), visible=True),
        keep if request else gr.Accordion(open=False),  # the draft, not the form, comes next
        draft_panel_placeholder(ui),
        None,
    )


def pick_request(evt: gr.EventData) -> str:
    return str(getattr(evt, "_data", {}).get("request", ""))


def wire_drafts(svc: UIService, views: Views, page: Page, s: Session) -> None:
    """The policy form and the one-clause request, and the suggested requests."""
    field_names = list(page.draft_fields)

    def make_draft(ui: str, request: str, *values: Any) -> tuple:
        ui = ui_lang(ui)
        options = svc.draft_options(dict(zip(field_names, values, strict=True)))
        clause = bool((request or "").strip())
        if clause:
            options.pop("lang", None)  # a clause is drafted in the language it was asked in
        return draft_outputs(svc, views, ui, options, request if clause else "")

    def make_policy(ui: str, *values: Any) -> tuple:
        return make_draft(ui, "", *values)

    draft_fields = list(page.draft_fields.values())
    draft_out = [page.draft_view, s.drafted, s.draft_quotes, page.draft_md, page.draft_docx]
    draft_out += [page.draft_form, page.draft_source, s.draft_shown]
    page.draft_go.click(make_policy, [page.lang, *draft_fields], draft_out, **PRIVATE)
    for trigger in (page.draft_go_clause.click, page.draft_request.submit):
        trigger(make_draft, [page.lang, page.draft_request, *draft_fields], draft_out, **PRIVATE)
    page.draft_suggest.select(pick_request, None, page.draft_request, **PRIVATE)


# ---------------------------------------------------------------- trainer mode, language


def wire_trainer(views: Views, page: Page, s: Session) -> None:
    """Trainer mode shows (or hides) the tab explaining how the latest answer came about."""

    def toggle_trainer(on: bool, data: dict | None, ui: str) -> tuple:
        selected = "trainer" if on else "source"
        view = views.trace(data, ui_lang(ui))
        return gr.Tab(visible=bool(on)), gr.Tabs(selected=selected), view

    page.trainer.change(
        toggle_trainer,
        [page.trainer, s.last, page.lang],
        [page.trainer_tab, page.side_tabs, page.trainer_view],
        **PRIVATE,
    )


def wire_language(svc: UIService, views: Views, page: Page, s: Session) -> None:
    """The interface language: every label, and every panel that shows words, follows it."""
    labelled = page.static_labels()

    def relabel(
        ui: str,
        data: dict | None,
        panel: list | None,
        state: list,
        known: dict,
        typed: str,
        draft: dict | None,
        draft_state: list | None,
        dquotes: dict,
    ) -> list:
        ui = ui_lang(ui)
        doc_id, section_id, _ = state
        # The Browse tab follows the interface language; a reader can switch it back.
        dynamic = [
            views.source(panel, known, ui),
            views.trace(data, ui),
            gr.Dropdown(label=t(ui, "browse_doc"), choices=svc.documents(ui), value=doc_id),
            svc.toc(doc_id, ui, section_id),
            views.browse(section_id, ui, ui),
            [doc_id, section_id, ui],
            views.warn(typed),
            views.draft(draft, ui),
            views.draft_panel(draft_state, dquotes, ui),
        ]
        return [update(ui) for _, update in labelled] + dynamic

    page.lang.change(
        relabel,
        [page.lang, s.last, s.shown, s.browsing, s.quotes, page.box]
        + [s.drafted, s.draft_shown, s.draft_quotes],
        [component for component, _ in labelled]
        + [page.source, page.trainer_view, page.doc, page.toc, page.view, s.browsing, page.pii]
        + [page.draft_view, page.draft_source],
        **PRIVATE,
    )


def launch(app: gr.Blocks, host: str, port: int, **kwargs: Any) -> Any:
    """Start the server with the app's look, never shared beyond this machine's network."""
    return app.launch(
        server_name=host,
        server_port=port,
        share=False,
        theme=theme(),
        css=CSS,
        footer_links=["api"],
        **secured(app, host, with_rest_api(app, kwargs)),
    )


def serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    assistant: Assistant | None = None,
) -> int:
    """``assistant serve``: load the built index (or use ``assistant``, loaded already) and serve
    the app until interrupted."""
    host = host or settings.host
    port = port or settings.port
    access = launch_options(settings)  # checked before the slow build: a bad users file stops here
    app = build_app(settings, UIService(settings, assistant) if assistant else None)
    print(f"serving the assistant on http://{host}:{port} (Ctrl-C to stop)", flush=True)
    launch(app, host, port, quiet=True, **access)
    return 0
