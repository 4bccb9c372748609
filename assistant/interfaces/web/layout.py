"""The page's components and their words in each language (no behaviour: see ``ui.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.drafting import choices as draft_choices
from assistant.interfaces.web.render import (
    draft_panel_placeholder,
    draft_placeholder,
    draft_suggestions,
    faq_html,
    panel_placeholder,
    trainer_html,
)
from assistant.interfaces.web.style import BRIDGE_JS, FAQ_JS, SUGGEST_JS, page_js
from assistant.interfaces.web.text import EXAMPLES, GRADIO_WORDS_ZH, LANG_CHOICES, t

# Tabs that do not fit wrap onto a second row: Gradio's default hides them behind a "…" menu,
# which on a phone hides the Draft tab.
WRAP = "wrap"


def header_html(ui: str) -> str:
    return (
        '<div class="app-header"><div class="brand-mark">§</div><div>'
        f"<h1>{t(ui, 'title')}</h1><p>{t(ui, 'subtitle')}</p>"
        f'<span class="offline-note">{t(ui, "offline_note")}</span></div></div>'
    )


def title_html(ui: str, title: str, hint: str = "") -> str:
    sub = f"<p>{t(ui, hint)}</p>" if hint else ""
    return f'<div class="section-title"><h2>{t(ui, title)}</h2>{sub}</div>'


def welcome_html(ui: str) -> str:
    return (
        '<div class="chat-welcome"><div class="brand-mark">§</div>'
        f"<h3>{t(ui, 'welcome_title')}</h3><p>{t(ui, 'welcome_body')}</p></div>"
    )


def footer_html(ui: str) -> str:
    return f'<div class="app-footer">{t(ui, "footer")}</div>'


def examples(ui: str) -> list[dict[str, str]]:
    return [{"text": q} for q in EXAMPLES[ui]]


def feedback_options(ui: str) -> list[str]:
    # "Like" and "Dislike" are Gradio's thumbs; any further option appears under a flag.
    return ["Like", "Dislike", t(ui, "wrong_citation")]


@dataclass
class Page:
    """Every component the handlers read or update."""

    header: gr.HTML
    lang: gr.Radio
    trainer: gr.Checkbox
    bridge: gr.HTML
    tabs: gr.Tabs
    ask_tab: gr.Tab
    browse_tab: gr.Tab
    draft_tab: gr.Tab
    chatbot: gr.Chatbot
    pii: gr.HTML
    box: gr.Textbox
    send: gr.Button
    copy: gr.Button
    clear: gr.Button
    plain: gr.Textbox
    comment_acc: gr.Accordion
    comment: gr.Textbox
    comment_btn: gr.Button
    side_tabs: gr.Tabs
    source_tab: gr.Tab
    trainer_tab: gr.Tab
    source: gr.Markdown
    trainer_view: gr.Markdown
    faq_title: gr.HTML
    faq: gr.HTML
    browse_title: gr.HTML
    doc: gr.Dropdown
    text_lang: gr.Radio
    toc: gr.Markdown
    view: gr.Markdown
    draft_title: gr.HTML
    draft_modes: gr.Tabs
    draft_policy_tab: gr.Tab
    draft_clause_tab: gr.Tab
    draft_form: gr.Accordion
    draft_areas: dict[str, gr.HTML]
    draft_fields: dict[str, Any]  # DraftRequest field name -> its input, in form order
    draft_go: gr.Button
    draft_request: gr.Textbox
    draft_request_hint: gr.HTML
    draft_suggest: gr.HTML
    draft_go_clause: gr.Button
    draft_md: gr.DownloadButton
    draft_docx: gr.DownloadButton
    draft_view: gr.HTML
    draft_source_tab: gr.Tab
    draft_source: gr.Markdown
    footer: gr.HTML

    def static_labels(self) -> list[tuple[Any, Callable[[str], Any]]]:
        """(component, update for a language) for everything whose words do not depend on state."""
        return [
            (self.header, header_html),
            (self.lang, lambda ui: gr.Radio(label=t(ui, "lang_label"))),
            (
                self.trainer,
                lambda ui: gr.Checkbox(label=t(ui, "trainer_label"), info=t(ui, "trainer_info")),
            ),
            (self.ask_tab, lambda ui: gr.Tab(label=t(ui, "tab_ask"))),
            (self.browse_tab, lambda ui: gr.Tab(label=t(ui, "tab_browse"))),
            (self.draft_tab, lambda ui: gr.Tab(label=t(ui, "tab_draft"))),
            (
                self.chatbot,
                lambda ui: gr.Chatbot(
                    examples=examples(ui),
                    feedback_options=feedback_options(ui),
                    placeholder=welcome_html(ui),
                ),
            ),
            (self.box, lambda ui: gr.Textbox(placeholder=t(ui, "placeholder"))),
            (self.send, lambda ui: gr.Button(t(ui, "send"))),
            (self.copy, lambda ui: gr.Button(t(ui, "copy"))),
            (self.clear, lambda ui: gr.Button(t(ui, "clear"))),
            (self.comment_acc, lambda ui: gr.Accordion(label=t(ui, "comment_label"))),
            (self.comment, lambda ui: gr.Textbox(placeholder=t(ui, "comment_placeholder"))),
            (self.comment_btn, lambda ui: gr.Button(t(ui, "comment_send"))),
            (self.source_tab, lambda ui: gr.Tab(label=t(ui, "panel_title"))),
            (self.trainer_tab, lambda ui: gr.Tab(label=t(ui, "trainer_title"))),
            (self.faq_title, lambda ui: title_html(ui, "faq_title", "faq_hint")),
            (self.faq, faq_html),
            (self.browse_title, lambda ui: title_html(ui, "browse_title")),
            (self.text_lang, lambda ui: gr.Radio(label=t(ui, "browse_lang"), value=ui)),
            (self.draft_title, lambda ui: title_html(ui, "draft_title", "draft_hint")),
            (self.draft_policy_tab, lambda ui: gr.Tab(label=t(ui, "draft_mode_policy"))),
            (self.draft_clause_tab, lambda ui: gr.Tab(label=t(ui, "draft_mode_clause"))),
            (self.draft_form, lambda ui: gr.Accordion(label=t(ui, "draft_form"))),
            *[(html, _area_title_updater(key)) for key, html in self.draft_areas.items()],
            *[(c, _field_updater(name)) for name, c in self.draft_fields.items()],
            (self.draft_go, lambda ui: gr.Button(t(ui, "draft_generate"))),
            (
                self.draft_request,
                lambda ui: gr.Textbox(
                    label=t(ui, "draft_request"), placeholder=t(ui, "draft_request_ph")
                ),
            ),
            (self.draft_request_hint, lambda ui: hint_html(ui, "draft_request_hint")),
            (self.draft_suggest, draft_suggestions),
            (self.draft_go_clause, lambda ui: gr.Button(t(ui, "draft_generate_clause"))),
            (self.draft_md, lambda ui: gr.DownloadButton(label=t(ui, "draft_download_md"))),
            (self.draft_docx, lambda ui: gr.DownloadButton(label=t(ui, "draft_download_docx"))),
            (self.draft_source_tab, lambda ui: gr.Tab(label=t(ui, "panel_title"))),
            (self.footer, footer_html),
        ]


def _chat_column(ui: str) -> dict[str, Any]:
    c: dict[str, Any] = {}
    c["chatbot"] = gr.Chatbot(
        show_label=False,
        elem_id="chatbot",
        height=540,
        examples=examples(ui),
        feedback_options=feedback_options(ui),
        buttons=[],
        latex_delimiters=[],
        sanitize_html=True,
        layout="bubble",
        placeholder=welcome_html(ui),
        autoscroll=False,  # the page's script scrolls each new question to the top instead
    )
    c["pii"] = gr.HTML("", elem_id="pii-warning")
    with gr.Row(elem_id="composer"):
        c["box"] = gr.Textbox(
            show_label=False,
            placeholder=t(ui, "placeholder"),
            lines=1,
            max_lines=6,
            scale=8,
            elem_id="question",
            autofocus=True,
            container=False,
        )
        c["send"] = gr.Button(t(ui, "send"), variant="primary", scale=1, elem_id="send-btn")
    with gr.Row(elem_id="chat-actions"):
        c["copy"] = gr.Button(t(ui, "copy"), size="sm", elem_id="copy-btn")
        c["clear"] = gr.Button(t(ui, "clear"), size="sm", elem_id="clear-btn")
    c["plain"] = gr.Textbox(visible="hidden", elem_id="answer-plain")
    # Hidden until an answer is rated: a comment adds to a rating (wire_feedback shows it).
    with gr.Accordion(
        t(ui, "comment_label"), open=False, visible=False, elem_id="comment-box"
    ) as accordion:
        c["comment"] = gr.Textbox(
            show_label=False, placeholder=t(ui, "comment_placeholder"), lines=2
        )
        c["comment_btn"] = gr.Button(t(ui, "comment_send"), size="sm")
    c["comment_acc"] = accordion
    return c


def _side_tabs(ui: str) -> dict[str, Any]:
    c: dict[str, Any] = {}
    with gr.Tabs(elem_id="side-tabs", overflow_behavior=WRAP) as side_tabs:
        with gr.Tab(t(ui, "panel_title"), id="source") as source_tab:
            c["source"] = gr.Markdown(panel_placeholder(ui), elem_id="source-view")
        with gr.Tab(t(ui, "trainer_title"), id="trainer", visible=False) as trainer_tab:
            c["trainer_view"] = gr.Markdown(trainer_html(None, ui, {}), elem_id="trainer-view")
    c.update(side_tabs=side_tabs, source_tab=source_tab, trainer_tab=trainer_tab)
    return c


def _browse(
    ui: str, documents: list[tuple[str, str]], first_doc: str, toc: str, view: str
) -> dict[str, Any]:
    c: dict[str, Any] = {}
    c["faq_title"] = gr.HTML(title_html(ui, "faq_title", "faq_hint"))
    c["faq"] = gr.HTML(faq_html(ui), js_on_load=FAQ_JS, elem_id="faq")
    c["browse_title"] = gr.HTML(title_html(ui, "browse_title"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=260, elem_id="browse-side"):
            c["doc"] = gr.Dropdown(
                documents, value=first_doc, label=t(ui, "browse_doc"), elem_id="browse-doc"
            )
            c["text_lang"] = gr.Radio(
                LANG_CHOICES, value=ui, label=t(ui, "browse_lang"), elem_id="browse-lang"
            )
            c["toc"] = gr.Markdown(toc, elem_id="browse-toc")
        with gr.Column(scale=2):
            c["view"] = gr.Markdown(view, elem_id="browse-view")
    return c


# The drafting form: each Checklist area's rows of DraftRequest fields, in the Checklist's order.
DRAFT_AREAS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("draft_area_scope", (("public_tools", "internal_tools"), ("uses",), ("applies_to",))),
    (
        "draft_area_privacy",
        (
            ("allowed_input", "prohibited_input"),
            ("input_internal_only",),
            ("output_use", "output_storage"),
            ("anonymise", "retention"),
        ),
    ),
    ("draft_area_ethics", (("human_review", "labelling"),)),
    (
        "draft_area_security",
        (("devices", "users"), ("mfa", "security_settings"), ("incident_contact",)),
    ),
    ("draft_area_violations", (("violations", "support_contact"),)),
)
THREE_WAY = ("anonymise", "human_review", "mfa")  # required / not required / not decided
# Checkbox fields -> the list of ``drafting.choices()`` they offer.
CHOICE_LISTS = {
    "uses": "uses",
    "allowed_input": "data_categories",
    "prohibited_input": "data_categories",
}


def three_way(ui: str) -> list[tuple[str, str]]:
    return [(t(ui, "draft_yes"), "yes"), (t(ui, "draft_no"), "no"), (t(ui, "draft_unset"), "unset")]


def checklist_choices(ui: str, name: str) -> list[tuple[str, str]]:
    return [(label, key) for key, label in draft_choices(ui)[CHOICE_LISTS[name]]]


def hint_html(ui: str, key: str) -> str:
    return f'<p class="field-hint">{t(ui, key)}</p>'


def area_title(ui: str, key: str) -> str:
    return f'<div class="area-title">{t(ui, key)}</div>'


def _label_key(name: str) -> str:
    return "draft_internal_only" if name == "input_internal_only" else f"draft_{name}"


def _draft_field(ui: str, name: str) -> Any:
    label = t(ui, _label_key(name))
    elem_id = f"draft-{name.replace('_', '-')}"
    if name in CHOICE_LISTS:
        return gr.CheckboxGroup(
            checklist_choices(ui, name), label=label, elem_id=elem_id, elem_classes="draft-checks"
        )
    if name in THREE_WAY:
        return gr.Radio(
            three_way(ui), value="unset", label=label, elem_id=elem_id, elem_classes="draft-checks"
        )
    if name == "input_internal_only":
        return gr.Checkbox(False, label=label, elem_id=elem_id)
    return gr.Textbox(
        label=label, placeholder=t(ui, f"draft_{name}_ph"), max_lines=2, elem_id=elem_id
    )


def _field_updater(name: str) -> Callable[[str], Any]:
    def update(ui: str) -> Any:
        label = t(ui, _label_key(name))
        if name in CHOICE_LISTS:
            return gr.CheckboxGroup(choices=checklist_choices(ui, name), label=label)
        if name in THREE_WAY:
            return gr.Radio(choices=three_way(ui), label=label)
        if name == "input_internal_only":
            return gr.Checkbox(label=label)
        if name == "lang":
            return gr.Radio(label=label, value=ui)  # the draft follows the interface language
        return gr.Textbox(label=label, placeholder=t(ui, f"draft_{name}_ph"))

    return update


def _area_title_updater(key: str) -> Callable[[str], str]:
    return lambda ui: area_title(ui, key)


def _draft(ui: str) -> dict[str, Any]:
    c: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    areas: dict[str, gr.HTML] = {}
    c["draft_title"] = gr.HTML(title_html(ui, "draft_title", "draft_hint"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=7, elem_id="draft-col"):
            with gr.Tabs(elem_id="draft-modes", overflow_behavior=WRAP) as modes:
                with gr.Tab(t(ui, "draft_mode_policy"), id="policy") as policy_tab:
                    with gr.Row(elem_id="draft-org-row"):
                        fields["org"] = gr.Textbox(
                            label=t(ui, "draft_org"),
                            placeholder=t(ui, "draft_org_ph"),
                            max_lines=1,
                            scale=3,
                            elem_id="draft-org",
                        )
                        fields["lang"] = gr.Radio(
                            LANG_CHOICES,
                            value=ui,
                            label=t(ui, "draft_lang"),
                            scale=2,
                            elem_id="draft-lang",
                        )
                    with gr.Accordion(t(ui, "draft_form"), elem_id="draft-form") as form:
                        for key, rows in DRAFT_AREAS:
                            with gr.Group(elem_classes="draft-area"):
                                areas[key] = gr.HTML(area_title(ui, key), js_on_load=None)
                                for row in rows:
                                    with gr.Row(equal_height=True):
                                        for name in row:
                                            fields[name] = _draft_field(ui, name)
                    c["draft_go"] = gr.Button(
                        t(ui, "draft_generate"), variant="primary", elem_id="draft-go"
                    )
                with gr.Tab(t(ui, "draft_mode_clause"), id="clause") as clause_tab:
                    c["draft_request"] = gr.Textbox(
                        label=t(ui, "draft_request"),
                        placeholder=t(ui, "draft_request_ph"),
                        lines=1,
                        max_lines=4,
                        elem_id="draft-request",
                    )
                    c["draft_request_hint"] = gr.HTML(
                        hint_html(ui, "draft_request_hint"),
                        js_on_load=None,
                        elem_classes="draft-tight",
                    )
                    c["draft_suggest"] = gr.HTML(
                        draft_suggestions(ui),
                        js_on_load=SUGGEST_JS,
                        elem_id="draft-suggest",
                        elem_classes="draft-tight",
                    )
                    c["draft_go_clause"] = gr.Button(
                        t(ui, "draft_generate_clause"), variant="primary", elem_id="draft-go-clause"
                    )
            with gr.Row(elem_id="draft-downloads"):
                c["draft_md"] = gr.DownloadButton(
                    t(ui, "draft_download_md"), visible=False, size="sm", elem_id="draft-md"
                )
                c["draft_docx"] = gr.DownloadButton(
                    t(ui, "draft_download_docx"), visible=False, size="sm", elem_id="draft-docx"
                )
            # Gradio's default HTML styles pad and border every element: the draft has its own.
            c["draft_view"] = gr.HTML(
                draft_placeholder(ui),
                js_on_load=None,
                apply_default_css=False,
                elem_id="draft-view",
            )
        with (
            gr.Column(scale=5, elem_id="draft-side"),
            gr.Tabs(elem_id="draft-side-tabs", overflow_behavior=WRAP),
            gr.Tab(t(ui, "panel_title"), id="draft-source-tab") as source_tab,
        ):
            c["draft_source"] = gr.Markdown(draft_panel_placeholder(ui), elem_id="draft-source")
    c.update(
        draft_modes=modes,
        draft_policy_tab=policy_tab,
        draft_clause_tab=clause_tab,
        draft_form=form,
        draft_areas=areas,
        draft_fields=fields,
        draft_source_tab=source_tab,
    )
    return c


def build_page(
    ui: str, documents: list[tuple[str, str]], first_doc: str, toc: str, first_view: str
) -> Page:
    """Lay the page out inside the current ``gr.Blocks``, with words in ``ui``."""
    c: dict[str, Any] = {}
    with gr.Row(elem_id="topbar"):
        c["header"] = gr.HTML(header_html(ui), elem_id="header")
        with gr.Row(elem_id="controls"):
            c["lang"] = gr.Radio(
                LANG_CHOICES, value=ui, label=t(ui, "lang_label"), elem_id="ui-lang"
            )
            c["trainer"] = gr.Checkbox(
                False,
                label=t(ui, "trainer_label"),
                info=t(ui, "trainer_info"),
                elem_id="trainer-toggle",
            )
    # Invisible; its script turns clicks on section links anywhere on the page into events.
    c["bridge"] = gr.HTML(
        "<span></span>", js_on_load=BRIDGE_JS + page_js(GRADIO_WORDS_ZH), elem_id="bridge"
    )
    with gr.Tabs(elem_id="main-tabs", overflow_behavior=WRAP) as tabs:
        with gr.Tab(t(ui, "tab_ask"), id="ask", elem_id="ask-tab") as ask_tab, gr.Row():
            with gr.Column(scale=7, elem_id="chat-col"):
                c.update(_chat_column(ui))
            with gr.Column(scale=5, elem_id="side-col"):
                c.update(_side_tabs(ui))
        with gr.Tab(t(ui, "tab_browse"), id="browse", elem_id="browse-tab") as browse_tab:
            c.update(_browse(ui, documents, first_doc, toc, first_view))
        with gr.Tab(t(ui, "tab_draft"), id="draft", elem_id="draft-tab") as draft_tab:
            c.update(_draft(ui))
    c["footer"] = gr.HTML(footer_html(ui))
    return Page(tabs=tabs, ask_tab=ask_tab, browse_tab=browse_tab, draft_tab=draft_tab, **c)
