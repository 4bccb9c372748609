"""The web UI: a Gradio chat over the guidance, with sources, trainer view, browsing and feedback.

``build_app`` connects the page (``ui_layout``) to what it does (``ui_service``); the HTML comes
from ``ui_render`` and every word from ``ui_text``. ``serve`` starts it without building anything.
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
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from assistant.drafting import DraftError  # noqa: E402
from assistant.llm import stream_answers  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.ui_api import register_api  # noqa: E402
from assistant.ui_layout import Page, build_page  # noqa: E402
from assistant.ui_render import (  # noqa: E402
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
from assistant.ui_service import UIService  # noqa: E402
from assistant.ui_style import COPY_JS, CSS, theme  # noqa: E402
from assistant.ui_text import t, ui_lang  # noqa: E402

# The extractive answer is ready at once; a short pause per sentence lets the page show it grow
# the way a generated answer will.
STREAM_PAUSE_S = 0.03
# UI events are not API endpoints: the API is the named functions of ``ui_api``.
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
LOG = logging.getLogger(__name__)
WRONG_CITATION = {t("en", "wrong_citation"), t("zh-Hant", "wrong_citation")}


def build_app(settings: Settings, service: UIService | None = None) -> gr.Blocks:
    """The whole app; ``service`` is created (and the index loaded) when not given."""
    svc = service or UIService(settings)
    svc.warm()
    first = svc.default_lang
    docs = svc.documents(first)
    first_doc = docs[0][1] if docs else ""
    sections = svc.doc_sections(first_doc, first) if first_doc else []
    first_id = sections[0].id if sections else ""

    def browse_view(section_id: str, lang: str, ui: str) -> str:
        return svc.section_html(section_id, lang, ui, BROWSE) or t(ui, "unknown_section")

    def trace_view(data: dict[str, Any] | None, ui: str) -> str:
        headings = svc.headings(data["lang"]) if data else {}
        return trainer_html(data, ui, headings, svc.threshold)

    def draft_view(data: dict[str, Any] | None, ui: str) -> str:
        return draft_html(data, ui, svc.draft_ids) if data else draft_placeholder(ui)

    def draft_panel(shown: list | None, quotes: dict, ui: str) -> str:
        if not shown:
            return draft_panel_placeholder(ui)
        section_id, lang, tag = shown
        quoted = quotes.get(f"{tag}|{section_id}@{lang}") if tag else None
        return svc.draft_section_html(section_id, lang, ui, quoted) or t(ui, "unknown_section")

    with gr.Blocks(title=t(first, "title")) as app:
        history = gr.State([])  # redacted earlier questions, for follow-ups
        turns = gr.State({})  # chat message index -> what feedback on that answer needs
        last = gr.State(None)  # the latest answer as JSON, with its trace
        quotes = gr.State({})  # "<id>@<lang>" -> sentences the answers quoted from it
        shown = gr.State(None)  # [id, lang] of the section in the side panel
        browsing = gr.State([first_doc, first_id, first])  # [doc, section, lang] in Browse
        feedback_id = gr.State(None)  # the last rating, for an optional comment
        drafted = gr.State(None)  # the latest policy draft as JSON
        draft_quotes = gr.State({})  # "<clause>|<id>@<lang>" -> sentences that clause follows
        draft_shown = gr.State(None)  # [id, lang, clause] of the section in the Draft tab's panel
        page: Page = build_page(
            first, docs, first_doc, svc.toc(first_doc, first, first_id),
            browse_view(first_id, first, first) if first_id else "",
        )  # fmt: skip

        # ------------------------------------------------------------ chat
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
            shown_text = message_html(svc.privacy_check(message)["redacted"])
            thinking = f'<div class="answer thinking">{t(ui, "thinking")}</div>'
            chat = [
                *chat,
                {"role": "user", "content": shown_text},
                {"role": "assistant", "content": thinking},
            ]
            yield chat, "", "", keep, keep, keep, keep, keep
            streamed = False
            try:
                # A generated answer grows by verified sentences as the model writes; a quoted
                # one arrives whole and is then shown sentence by sentence below.
                for answer, final in stream_answers(svc.assistant, message, hist, "ui"):
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
                return
            data = svc.payload(answer)
            steps = answer_steps(data, svc.doc_labels(answer.lang), svc.known_ids)
            for step in steps[-1:] if streamed and answer.generated else steps:
                chat[-1] = {"role": "assistant", "content": step}
                yield chat, keep, keep, keep, keep, keep, keep, keep
                time.sleep(STREAM_PAUSE_S)
            turn_map = {**turn_map, str(len(chat) - 1): svc.turn_record(answer, hist)}
            trace = trace_view(data, ui) if trainer_on else keep
            yield chat, keep, keep, [*hist, answer.question], turn_map, data, answer.text, trace

        def remember_quotes(data: dict | None, known: dict) -> dict:
            if not data:
                return known
            fresh = {
                f"{c['section_id']}@{c['lang']}": [
                    q for q, n in data.get("sentences", []) if n == c["n"]
                ]
                for c in data.get("citations", [])
            }
            return {**known, **fresh}

        chat_in = [page.box, page.chatbot, history, turns, page.lang, page.trainer]
        chat_out = [page.chatbot, page.box, page.pii, history, turns, last, page.plain]
        chat_out.append(page.trainer_view)

        def ask_chain(event: Any) -> None:
            event.then(respond, chat_in, chat_out, **PRIVATE).then(
                remember_quotes, [last, quotes], quotes, **PRIVATE
            )

        for trigger in (page.box.submit, page.send.click):
            trigger(respond, chat_in, chat_out, **PRIVATE).then(
                remember_quotes, [last, quotes], quotes, **PRIVATE
            )

        def pick_example(evt: gr.SelectData) -> str:
            value = evt.value
            return value.get("text", "") if isinstance(value, dict) else str(value)

        ask_chain(page.chatbot.example_select(pick_example, None, page.box, **PRIVATE))

        def ask_faq(evt: gr.EventData) -> tuple:
            question = str(getattr(evt, "_data", {}).get("question", ""))
            return question, gr.Tabs(selected="ask")

        ask_chain(page.faq.select(ask_faq, None, [page.box, page.tabs], **PRIVATE))

        def warn(message: str) -> str:
            check = svc.privacy_check(message or "")
            return warning_html([{"message": check["message"]}]) if check["found"] else ""

        # "change" also covers pasting and text set by the page (an example, a common question).
        page.box.change(
            warn, page.box, page.pii, show_progress="hidden", trigger_mode="always_last", **PRIVATE
        )

        def reset(ui: str) -> tuple:
            ui = ui_lang(ui)
            placeholder = panel_placeholder(ui)
            return [], [], {}, None, "", trace_view(None, ui), placeholder, None, "", {}

        reset_out = [page.chatbot, history, turns, last, page.plain, page.trainer_view]
        reset_out += [page.source, shown, page.pii, quotes]
        page.clear.click(reset, page.lang, reset_out, **PRIVATE)
        page.chatbot.clear(reset, page.lang, reset_out, **PRIVATE)

        def copied(text: str, ui: str) -> None:
            notify = gr.Info if text else gr.Warning
            notify(t(ui_lang(ui), "copied" if text else "nothing_to_copy"))

        page.copy.click(copied, [page.plain, page.lang], None, js=COPY_JS, **PRIVATE)

        # ------------------------------------------------------------ feedback
        def rate(data: gr.LikeData, turn_map: dict, ui: str) -> Any:
            index = data.index[0] if isinstance(data.index, list | tuple) else data.index
            turn = turn_map.get(str(index))
            ratings = {True: "up", False: "down"}
            rating = "wrong_citation" if data.liked in WRONG_CITATION else ratings.get(data.liked)
            if turn is None or rating is None:
                return gr.skip()
            row = svc.record_feedback(turn, rating)
            gr.Info(t(ui_lang(ui), "feedback_saved"))
            return row

        page.chatbot.like(rate, [turns, page.lang], feedback_id, **PRIVATE)

        def add_comment(text: str, row: int | None, ui: str) -> Any:
            ui = ui_lang(ui)
            if row is None:
                gr.Warning(t(ui, "comment_first"))
                return gr.skip()
            if not svc.feedback.add_comment(int(row), text or ""):
                return gr.skip()
            gr.Info(t(ui, "comment_saved"))
            return ""

        page.comment_btn.click(
            add_comment, [page.comment, feedback_id, page.lang], page.comment, **PRIVATE
        )

        # ------------------------------------------------------------ sources and browsing
        def open_ref(evt: gr.EventData, ui: str, known: dict, dquotes: dict) -> tuple:
            ui, keep = ui_lang(ui), gr.skip()
            ref = str(getattr(evt, "_data", {}).get("ref", ""))
            parsed = parse_ref(ref)
            if parsed is None:
                return (keep,) * 10
            prefix, section_id, lang = parsed
            if prefix == DRAFT:
                state = [section_id, lang, ref_tag(ref)]
                return *(keep,) * 8, draft_panel(state, dquotes, ui), state
            if prefix == CITE:
                quoted = known.get(f"{section_id}@{lang}")
                panel = svc.section_html(section_id, lang, ui, CITE, quoted)
                source = panel or t(ui, "unknown_section")
                return source, gr.Tabs(selected="source"), [section_id, lang], *(keep,) * 7
            section = svc.section(section_id, lang)
            if section is None:
                return keep, keep, keep, t(ui, "unknown_section"), *(keep,) * 6
            return (
                keep, keep, keep,
                browse_view(section_id, lang, ui),
                svc.toc(section.doc_id, lang, section_id),
                gr.Dropdown(choices=svc.documents(lang), value=section.doc_id),
                lang,
                [section.doc_id, section_id, lang],
                keep, keep,
            )  # fmt: skip

        page.bridge.select(
            open_ref,
            [page.lang, quotes, draft_quotes],
            [page.source, page.side_tabs, shown, page.view, page.toc, page.doc, page.text_lang]
            + [browsing, page.draft_source, draft_shown],
            **PRIVATE,
        )

        # "input" (not "change"): these react to the reader, not to updates made by open_ref.
        def choose_doc(doc_id: str, lang: str, ui: str) -> tuple:
            listed = svc.doc_sections(doc_id, lang)
            section_id = listed[0].id if listed else ""
            view = browse_view(section_id, lang, ui_lang(ui))
            return svc.toc(doc_id, lang, section_id), view, [doc_id, section_id, lang]

        page.doc.input(
            choose_doc,
            [page.doc, page.text_lang, page.lang],
            [page.toc, page.view, browsing],
            **PRIVATE,
        )

        def choose_text_lang(lang: str, state: list, ui: str) -> tuple:
            doc_id, section_id, _ = state
            return (
                svc.toc(doc_id, lang, section_id),
                browse_view(section_id, lang, ui_lang(ui)),
                gr.Dropdown(choices=svc.documents(lang), value=doc_id),
                [doc_id, section_id, lang],
            )

        page.text_lang.input(
            choose_text_lang,
            [page.text_lang, browsing, page.lang],
            [page.toc, page.view, page.doc, browsing],
            **PRIVATE,
        )

        # ------------------------------------------------------------ policy drafts
        field_names = list(page.draft_fields)

        def make_draft(ui: str, request: str, *values: Any) -> tuple:
            ui, keep = ui_lang(ui), gr.skip()
            options = svc.draft_options(dict(zip(field_names, values, strict=True)))
            clause = bool((request or "").strip())
            if clause:
                options.pop("lang", None)  # a clause is drafted in the language it was asked in
            hidden = gr.DownloadButton(visible=False)
            try:
                draft = svc.draft(options, request if clause else "")
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
                draft_view(data, ui),
                data,
                svc.draft_quotes(data),
                gr.DownloadButton(value=str(markdown), visible=True),
                gr.DownloadButton(value=str(docx), visible=True),
                keep if clause else gr.Accordion(open=False),  # the draft, not the form, comes next
                draft_panel_placeholder(ui),
                None,
            )

        def make_policy(ui: str, *values: Any) -> tuple:
            return make_draft(ui, "", *values)

        draft_fields = list(page.draft_fields.values())
        draft_out = [page.draft_view, drafted, draft_quotes, page.draft_md, page.draft_docx]
        draft_out += [page.draft_form, page.draft_source, draft_shown]
        page.draft_go.click(make_policy, [page.lang, *draft_fields], draft_out, **PRIVATE)
        for trigger in (page.draft_go_clause.click, page.draft_request.submit):
            trigger(
                make_draft, [page.lang, page.draft_request, *draft_fields], draft_out, **PRIVATE
            )

        def pick_request(evt: gr.EventData) -> str:
            return str(getattr(evt, "_data", {}).get("request", ""))

        page.draft_suggest.select(pick_request, None, page.draft_request, **PRIVATE)

        # ------------------------------------------------------------ trainer mode, language
        def toggle_trainer(on: bool, data: dict | None, ui: str) -> tuple:
            selected = "trainer" if on else "source"
            view = trace_view(data, ui_lang(ui))
            return gr.Tab(visible=bool(on)), gr.Tabs(selected=selected), view

        page.trainer.change(
            toggle_trainer,
            [page.trainer, last, page.lang],
            [page.trainer_tab, page.side_tabs, page.trainer_view],
            **PRIVATE,
        )

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
            source = panel_placeholder(ui)
            if panel:
                quoted = known.get(f"{panel[0]}@{panel[1]}")
                source = svc.section_html(panel[0], panel[1], ui, CITE, quoted) or source
            # The Browse tab follows the interface language; a reader can switch it back.
            dynamic = [
                source,
                trace_view(data, ui),
                gr.Dropdown(label=t(ui, "browse_doc"), choices=svc.documents(ui), value=doc_id),
                svc.toc(doc_id, ui, section_id),
                browse_view(section_id, ui, ui),
                [doc_id, section_id, ui],
                warn(typed),
                draft_view(draft, ui),
                draft_panel(draft_state, dquotes, ui),
            ]
            return [update(ui) for _, update in labelled] + dynamic

        page.lang.change(
            relabel,
            [page.lang, last, shown, browsing, quotes, page.box]
            + [drafted, draft_shown, draft_quotes],
            [component for component, _ in labelled]
            + [page.source, page.trainer_view, page.doc, page.toc, page.view, browsing, page.pii]
            + [page.draft_view, page.draft_source],
            **PRIVATE,
        )

        register_api(svc)
    return app


def launch(app: gr.Blocks, host: str, port: int, **kwargs: Any) -> Any:
    """Start the server with the app's look, never shared beyond this machine's network."""
    return app.launch(
        server_name=host,
        server_port=port,
        share=False,
        theme=theme(),
        css=CSS,
        footer_links=["api"],
        **kwargs,
    )


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> int:
    """``assistant serve``: load the built index and serve the app until interrupted."""
    host = host or settings.host
    port = port or settings.port
    from assistant.access import launch_options

    access = launch_options(settings)  # checked before the slow build: a bad users file stops here
    app = build_app(settings)
    print(f"serving the assistant on http://{host}:{port} (Ctrl-C to stop)", flush=True)
    launch(app, host, port, quiet=True, **access)
    return 0
