"""The web UI's look (theme, stylesheet) and the few lines of browser script it needs."""

from __future__ import annotations

import json

import gradio as gr

# A deep teal close to the PCPD's own colours, as a full palette for the theme.
BRAND = gr.themes.Color(
    c50="#eef7f9", c100="#d5ecf1", c200="#acd8e2", c300="#7cbccb", c400="#4a9bb0",
    c500="#2a7f95", c600="#0f5f73", c700="#0c4d5d", c800="#0a3d4a", c900="#082f39",
    c950="#051e25", name="pcpd",
)  # fmt: skip


def theme() -> gr.themes.Base:
    # Only locally installed fonts: the app must not fetch web fonts.
    # Latin fonts first: CJK fonts draw English punctuation full-width.
    latin = ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Liberation Sans"]
    fonts = [*latin, "Noto Sans TC", "Noto Sans CJK TC", "PingFang TC", "Microsoft JhengHei"]
    return gr.themes.Soft(
        primary_hue=BRAND, neutral_hue="slate", font=[*fonts, "system-ui", "sans-serif"]
    ).set(
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
        button_primary_text_color="white",
        body_background_fill="#f6f7f9",
        # The Soft theme's field captions (primary_500 on primary_100) and hints (slate 400 on
        # white) fall short of the 4.5:1 contrast WCAG AA asks for small text.
        block_title_text_color="*primary_700",
        block_label_text_color="*primary_700",
        block_info_text_color="*neutral_600",
    )


# Anchors such as #cite=<id>@<lang> anywhere on the page (chat, side panel, browse tab) become one
# event on the hidden bridge component; registered once per page. On a narrow screen the panel
# that will show the section sits below the chat (or the draft): it is scrolled into view, else a
# tap on a chip would seem to do nothing.
BRIDGE_JS = """
if (!window.__pcpdBridge) {
  window.__pcpdBridge = true;
  const PANELS = {cite: '#side-col', draft: '#draft-side', browse: '#browse-view'};
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#cite="], a[href^="#browse="], a[href^="#draft="]');
    if (!link) return;
    event.preventDefault();
    const ref = link.getAttribute('href').slice(1);
    trigger('select', {ref: ref});
    const panel = document.querySelector(PANELS[ref.split('=')[0]]);
    if (panel && !panel.contains(link)) {
      const top = panel.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.6) panel.scrollIntoView({block: 'start'});
    }
  });
}
"""


def page_js(words_zh: dict[str, str]) -> str:
    """The page's script for what Gradio draws itself, run once per page.

    - Gradio writes some words only in English (the rating buttons' tooltips, the chat's clear
      button, the examples' labels, notification titles, "Use via API"); ``words_zh`` maps them
      to Chinese, swapped whenever the interface language is Chinese, and back.
    - The page's language (``<html lang>``, and the language names in the pickers) follows the
      interface language, so that screen readers and fonts treat the text as what it is.
    - The chat follows a growing answer but keeps its question in view: Gradio's own scrolling
      pins the bottom and leaves the question cut off above a long answer.
    - What axe-core finds wrong in Gradio's markup: the examples' list role, scrolling panels
      that cannot take focus.
    - On a phone, the question box's autofocus is undone so that the page opens at its header.
    """
    return (
        "const PCPD_WORDS_ZH = "
        + json.dumps(words_zh, ensure_ascii=False)
        + ";\n"
        + r"""
if (!window.__pcpdPage) {
  window.__pcpdPage = true;
  const toZh = PCPD_WORDS_ZH;
  const toEn = Object.fromEntries(Object.entries(toZh).map(([en, zh]) => [zh, en]));
  const chinese = () => document.querySelector('#ui-lang input:checked')?.value === 'zh-Hant';
  // A whole label ("Like"), or a numbered one ("Select example 2: <question>").
  const numbered = /^(.+?) (\d+)[:：] ?([\s\S]*)$/;
  const swap = (value, table) => {
    if (!value) return undefined;
    if (table[value.trim()]) return table[value.trim()];
    const m = value.match(numbered);
    if (!m || !table[m[1]]) return undefined;
    return table === toZh ? `${table[m[1]]} ${m[2]}：${m[3]}` : `${table[m[1]]} ${m[2]}: ${m[3]}`;
  };
  let asked = 0;
  const relabel = () => {
    const zh = chinese();
    const table = zh ? toZh : toEn;
    const lang = zh ? 'zh-Hant' : 'en';
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
    document.querySelectorAll('button[aria-label], button[title]').forEach((button) => {
      for (const name of ['aria-label', 'title']) {
        const word = swap(button.getAttribute(name), table);
        if (word) button.setAttribute(name, word);
      }
    });
    document.querySelectorAll('footer button, footer a, .toast-title').forEach((link) => {
      for (const node of link.childNodes) {
        const word = node.nodeType === Node.TEXT_NODE && swap(node.nodeValue, table);
        if (word) node.nodeValue = word;
      }
    });
    // Gradio marks the chat's examples as a list of buttons, which is no list (no list items).
    document.querySelectorAll('#chatbot .examples[role="list"]').forEach((list) => {
      list.setAttribute('role', 'group');
    });
    // Panels that scroll on their own must take the keyboard's focus, or arrow keys cannot
    // scroll them (the trainer's tables have no link to tab to).
    for (const id of ['source-view', 'trainer-view', 'draft-source']) {
      const panel = document.getElementById(id);
      if (panel && !panel.hasAttribute('tabindex')) panel.tabIndex = 0;
    }
    document.querySelectorAll('#ui-lang label, #browse-lang label, #draft-lang label')
      .forEach((label) => {
        const name = /[\u3400-\u9fff]/.test(label.textContent) ? 'zh-Hant' : 'en';
        if (label.lang !== name) label.lang = name;
      });
  };
  // The chat follows its answer as it grows, but never so far that the question leaves the top;
  // once the reader scrolls the chat themselves, it stays where they put it.
  let pinned = null;
  const follow = () => {
    const wrap = document.querySelector('#chatbot .bubble-wrap');
    const rows = wrap ? wrap.querySelectorAll('.message-row.user-row') : [];
    if (rows.length > asked) pinned = rows[rows.length - 1];
    asked = rows.length;
    if (!pinned || !pinned.isConnected) return;
    const top = pinned.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
    const target = Math.min(wrap.scrollTop + top - 12, wrap.scrollHeight - wrap.clientHeight);
    if (Math.abs(target - wrap.scrollTop) > 1) wrap.scrollTop = target;
  };
  for (const name of ['wheel', 'touchstart', 'pointerdown', 'keydown']) {
    document.addEventListener(name, (event) => {
      if (event.target.closest && event.target.closest('#chatbot .bubble-wrap')) pinned = null;
    }, {capture: true, passive: true});
  }
  let queued = false;
  const update = () => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; relabel(); follow(); }, 20);
  };
  // On a phone the question box's autofocus scrolls the header and tabs away (and may open the
  // keyboard) before anything was read: undo it once, unless the reader has started typing.
  if (window.matchMedia('(max-width: 820px)').matches) {
    const unfocus = () => {
      const box = document.querySelector('#question textarea');
      if (box && document.activeElement === box && !box.value) {
        box.blur();
        window.scrollTo(0, 0);
      }
    };
    for (const ms of [100, 600, 1500]) setTimeout(unfocus, ms);
  }
  new MutationObserver(update).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label', 'title'],
  });
  document.addEventListener('change', update);
  update();
}
"""
    )


FAQ_JS = """
if (!element.__faqBound) {
  element.__faqBound = true;
  element.addEventListener('click', (event) => {
    const link = event.target.closest('a.faq-q');
    if (!link) return;
    event.preventDefault();
    trigger('select', {question: link.textContent});
  });
}
"""

# An example request for one clause, selected, goes into the request box.
SUGGEST_JS = """
if (!element.__suggestBound) {
  element.__suggestBound = true;
  element.addEventListener('click', (event) => {
    const link = event.target.closest('a.suggest');
    if (!link) return;
    event.preventDefault();
    trigger('select', {request: link.textContent});
  });
}
"""

# Clipboard API where the page is a secure context (localhost is), a hidden textarea elsewhere.
COPY_JS = """
(text, lang) => {
  if (text) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text);
    } else {
      const area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
  }
  return [text, lang];
}
"""

CSS = """
.gradio-container { width: 100% !important; }
:root { --brand: #0f5f73; --brand-soft: #e6f1f4; --ink: #1f2933; --muted: #5f6b7a;
        --line: #dfe4ea; --mark: #fff1b8; --warn-bg: #fff7e6; --warn-line: #f0b429; }
.gradio-container { max-width: 1320px !important; margin: 0 auto !important; }
#bridge { display: none !important; }

/* header */
#topbar { align-items: center; gap: 12px; padding: 6px 2px 2px; }
.app-header { display: flex; align-items: center; gap: 14px; }
.brand-mark { width: 44px; height: 44px; border-radius: 12px; background: var(--brand); color: #fff;
  display: flex; align-items: center; justify-content: center; font-weight: 700; font-size: 20px;
  flex-shrink: 0; }
.app-header h1 { margin: 0; font-size: 1.45rem; line-height: 1.2; color: var(--ink); }
.app-header p { margin: 2px 0 0; color: var(--muted); font-size: .92rem; }
.offline-note { display: inline-block; margin-top: 4px; font-size: .78rem; color: #2f7a4a; }
.offline-note::before { content: "●"; margin-right: 5px; }
#controls { justify-content: flex-end; gap: 10px; }
#controls > * { min-width: 0 !important; }

/* chat */
.chat-welcome { text-align: center; max-width: 460px; margin: 0 auto; color: var(--muted); }
.chat-welcome .brand-mark { margin: 0 auto 10px; }
.chat-welcome h3 { color: var(--ink); margin: 0 0 6px !important; font-size: 1.2rem !important; }
.chat-welcome p { margin: 0; font-size: 14px; line-height: 1.55; }
#chatbot { border-radius: 14px; }
/* Gradio draws the assistant's messages at 80% opacity, which takes the muted text of the sources
   below readable contrast; a message still being looked for says so in words instead. */
#chatbot .md.chatbot.prose { opacity: 1 !important; }
/* The chat's own trash icon sat over the first bubble; "Clear chat" under the box does the same. */
#chatbot .icon-button-wrapper.top-panel { display: none !important; }
/* "Wrong citation" is shown beside the thumbs, not only while hovering a flag (a phone cannot). */
#chatbot .extra-feedback > button.icon-button { display: none; }
#chatbot .extra-feedback-options { display: flex; position: static; flex-direction: row;
  padding: 0 0 0 4px; }
#chatbot .extra-feedback-option { font-size: 12px; padding: 1px 8px; border-radius: 999px;
  border-color: #e0b4ae; color: #8a1c12; cursor: pointer; }
#chatbot .extra-feedback-option:hover { background: #fdecea; }
#chatbot .message-content, #chatbot .prose { font-size: 15px; line-height: 1.6; }
.answer .lead { margin: 0 0 6px; font-weight: 600; color: var(--ink); }
.answer ul.claims { margin: 0 0 4px 0; padding-left: 20px; }
.answer ul.claims li { margin: 4px 0; }
.answer.refused p { margin: 0; }
.user-text { white-space: pre-wrap; word-break: break-word; }
a.cite-num { display: inline-flex; align-items: center; justify-content: center; min-width: 18px;
  height: 18px; padding: 0 4px; margin-left: 3px; border-radius: 9px; background: var(--brand-soft);
  color: var(--brand) !important; font-size: 11px; font-weight: 700; text-decoration: none !important;
  vertical-align: 2px; }
a.cite-num:hover { background: var(--brand); color: #fff !important; }
/* The sources are a panel of their own under the answer, so that they do not read as one more
   claim: a tinted box set apart by a rule and a gap. */
.sources { margin: 12px -4px 0; padding: 8px 10px 10px; border-top: 2px solid var(--brand-soft);
  border-radius: 0 0 10px 10px; background: #f3f7f9; }
.sources-label { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  color: var(--brand); margin-bottom: 6px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
a.cite-chip { display: inline-flex; align-items: center; gap: 6px; max-width: 100%; padding: 4px 10px 4px 4px;
  border: 1px solid #c9dde3; border-radius: 999px; background: #f5fafb; color: var(--ink) !important;
  text-decoration: none !important; font-size: 13px; line-height: 1.3; cursor: pointer; }
a.cite-chip:hover, a.cite-chip:focus-visible { border-color: var(--brand); background: var(--brand-soft);
  outline: none; }
a.cite-chip .n { display: inline-flex; align-items: center; justify-content: center; width: 20px; height: 20px;
  border-radius: 50%; background: var(--brand); color: #fff; font-size: 11px; font-weight: 700; flex-shrink: 0; }
a.cite-chip .doc { font-weight: 600; white-space: nowrap; }
a.cite-chip .sec { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pii-warn { display: flex; gap: 10px; align-items: flex-start; padding: 9px 12px; margin: 0 0 8px;
  border-style: solid; border-width: 1px 1px 1px 4px; border-color: var(--warn-line); border-radius: 8px;
  background: var(--warn-bg); color: #5c3c00; font-size: 14px; line-height: 1.45; }
.warn-icon { display: inline-flex; align-items: center; justify-content: center; width: 20px; height: 20px;
  border-radius: 50%; background: var(--warn-line); color: #fff; font-weight: 700; flex-shrink: 0;
  font-size: 13px; }
.notice { padding: 8px 12px; border-radius: 8px; background: #fdecea; color: #8a1c12; }
#composer { align-items: stretch; gap: 8px; background: none; border: none; box-shadow: none; }
#composer textarea { font-size: 15px; min-height: 48px; padding: 12px 14px; border-radius: 12px;
  border: 1px solid #cfd8e0; background: #fff; }
#composer textarea:focus { border-color: var(--brand); box-shadow: 0 0 0 3px var(--brand-soft); }
#send-btn { border-radius: 12px; }
#send-btn { min-width: 90px; max-height: 56px; }
#chat-actions { gap: 8px; justify-content: flex-start; }
#chat-actions button { flex: 0 0 auto !important; min-width: 0 !important; }

/* side panel */
#side-col { position: sticky; top: 8px; }
#source-view, #trainer-view { max-height: 680px; overflow-y: auto; padding: 4px 6px 8px; }
.panel-empty { color: var(--muted); padding: 18px 8px; font-size: 14px; }
.panel-empty-icon { width: 40px; height: 40px; border-radius: 10px; background: var(--brand-soft);
  color: var(--brand); display: flex; align-items: center; justify-content: center; font-size: 22px;
  font-weight: 700; margin-bottom: 10px; }
.panel-empty ul { padding-left: 18px; margin: 8px 0 0; }
.panel-empty li { margin: 4px 0; }
.source-view { font-size: 15px; line-height: 1.65; color: var(--ink); }
.src-doc { font-size: 13px; font-weight: 600; color: var(--brand); }
.src-meta { font-size: 12px; color: var(--muted); margin: 2px 0 6px; }
.src-meta a { color: var(--brand) !important; }
.badge { display: inline-block; padding: 0 7px; border-radius: 6px; background: #eef0f3; color: #3e4a59;
  font-weight: 600; }
.src-path { font-size: 12px; color: var(--muted); }
.src-path a { color: var(--muted) !important; }
.src-head { display: flex; align-items: baseline; justify-content: space-between; gap: 10px;
  border-bottom: 1px solid var(--line); padding-bottom: 6px; margin-bottom: 8px; }
h3.src-heading { margin: 4px 0 0 !important; font-size: 1.15rem !important; }
a.twin-link { flex-shrink: 0; padding: 3px 10px; border-radius: 999px; border: 1px solid var(--brand);
  color: var(--brand) !important; font-size: 13px; text-decoration: none !important; white-space: nowrap; }
a.twin-link:hover { background: var(--brand); color: #fff !important; }
.src-body p { margin: 0 0 10px; }
.src-body ul { margin: 0 0 10px; padding-left: 20px; }
.src-body mark { background: var(--mark); padding: 0 2px; border-radius: 3px; }
.src-note { font-size: 12px; color: var(--muted); margin-top: 6px; }
.src-note mark { background: var(--mark); }
.src-children { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 13px; }
.src-children span { color: var(--muted); margin-right: 4px; }
a.chip.small { padding: 2px 9px; border-radius: 999px; border: 1px solid var(--line); background: #fafbfc;
  color: var(--ink) !important; text-decoration: none !important; }
a.chip.small:hover { border-color: var(--brand); }
a.xref { color: var(--brand) !important; font-family: ui-monospace, monospace; font-size: .9em; }
.src-nav { display: flex; justify-content: space-between; gap: 10px; margin-top: 14px; padding-top: 8px;
  border-top: 1px solid var(--line); font-size: 13px; }
.src-nav a { color: var(--brand) !important; text-decoration: none !important; }
.src-nav .nav-next { margin-left: auto; text-align: right; }

/* trainer */
.trainer { font-size: 13px; color: var(--ink); }
.trainer h4 { margin: 12px 0 6px !important; font-size: 13px !important; text-transform: uppercase;
  letter-spacing: .04em; color: var(--muted); }
.t-decision { padding: 8px 10px; border-radius: 8px; margin-bottom: 6px; }
.t-decision.answered { background: #e8f5ec; }
.t-decision.refused { background: #fdecea; }
.t-reason, .t-query { margin: 4px 0; color: var(--muted); word-break: break-word; }
#trainer-view table.t-hits { width: 100%; border-collapse: collapse; font-size: 12.5px;
  border: none !important; }
#trainer-view table.t-hits tr { border: none !important; }
#trainer-view table.t-hits th { text-align: left; font-weight: 600; color: var(--muted); border: none;
  border-bottom: 1px solid var(--line); padding: 4px 6px; white-space: nowrap; background: none; }
#trainer-view table.t-hits td { border: none; border-bottom: 1px solid #eef1f4; padding: 5px 6px;
  vertical-align: top; background: none; }
table.t-hits td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.t-sec { font-weight: 600; }
.t-id { color: var(--muted); font-family: ui-monospace, monospace; font-size: 11px; }
.t-rank { color: var(--muted); font-size: 11px; }
.t-explain { color: var(--muted); font-size: 12px; margin: 6px 0 0 !important; }
.t-bar { display: grid; grid-template-columns: 130px 1fr 70px; align-items: center; gap: 8px; margin: 3px 0; }
.t-track { height: 8px; background: #eef1f4; border-radius: 4px; overflow: hidden; }
.t-fill { display: block; height: 100%; background: var(--brand); border-radius: 4px; }
.t-bar.total .t-fill { background: #7b8794; }
.t-ms { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }

/* browse and FAQ */
.faq-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 12px; }
.faq-card { border: 1px solid var(--line); border-radius: 12px; padding: 12px 14px; background: #fff; }
.faq-card h4 { margin: 0 0 6px !important; font-size: 15px !important; color: var(--brand); }
.faq-card ul { list-style: none; padding: 0; margin: 0; text-align: left; }
.faq-card li { margin: 0 !important; padding: 0 !important; border-top: 1px solid #f0f2f5; }
.faq-card li:first-child { border-top: none; }
a.faq-q { display: block; text-align: left; margin: 0 !important; padding: 7px 2px; color: var(--ink) !important; text-decoration: none !important;
  font-size: 14px; line-height: 1.4; }
a.faq-q:hover { color: var(--brand) !important; }
a.faq-q::after { content: " →"; color: var(--brand); opacity: 0; }
a.faq-q:hover::after { opacity: 1; }
nav.toc { display: flex; flex-direction: column; gap: 1px; max-height: 520px; overflow-y: auto; }
a.toc-item { display: block; padding: 5px 8px; border-radius: 6px; color: var(--ink) !important;
  text-decoration: none !important; font-size: 14px; line-height: 1.35; }
a.toc-item.level-3 { padding-left: 22px; font-size: 13.5px; }
a.toc-item.level-4 { padding-left: 36px; font-size: 13px; }
a.toc-item:hover { background: #f1f4f7; }
a.toc-item.current { background: var(--brand-soft); color: var(--brand) !important; font-weight: 600; }
#browse-view { padding: 4px 8px; }
.section-title h2, .section-title p { margin: 0 !important; }
.section-title p { color: var(--muted); }

/* policy drafting: form */
/* "hidden" would make the container a scroll box, and the side panels could not stay in view. */
.gradio-container { overflow-x: clip !important; overflow-y: visible !important; }
#draft-side { position: sticky; top: 8px; }
#draft-source { max-height: calc(100vh - 80px); overflow-y: auto; padding: 4px 6px 8px; }
.area-title { margin: 10px 0 -2px; padding-top: 8px; border-top: 1px solid var(--line); font-size: 12.5px;
  font-weight: 700; letter-spacing: .04em; text-transform: uppercase; color: var(--brand); }
#draft-form .area-title:first-child, #draft-form > div > div:first-child .area-title { border-top: none;
  padding-top: 0; margin-top: 0; }
.draft-checks .wrap { gap: 4px 6px !important; }
.draft-checks label { font-size: 13px !important; padding: 3px 7px !important; }
.draft-checks label input { margin-right: 5px !important; }
.draft-tight .html-container { padding: 0 2px !important; }
.field-hint { margin: 0; color: var(--muted); font-size: 13px; }
.draft-suggest { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 13px; }
.draft-suggest span { color: var(--muted); margin-right: 2px; }
a.suggest { padding: 4px 11px; border-radius: 999px; border: 1px solid #c9dde3; background: #f5fafb;
  color: var(--ink) !important; text-decoration: none !important; }
a.suggest:hover { border-color: var(--brand); background: var(--brand-soft); }
#draft-go, #draft-go-clause { margin-top: 4px; }
#draft-downloads { justify-content: flex-end; gap: 8px; margin: 4px 0 -4px; }
#draft-downloads > * { flex: 0 0 auto !important; min-width: 0 !important; }

/* policy drafting: the draft */
#draft-view, #draft-view .html-container { padding: 0 !important; }
.draft-empty { text-align: center; color: var(--muted); padding: 36px 18px; border: 1px dashed #c5d0da;
  border-radius: 14px; background: #fbfcfd; }
.draft-empty .panel-empty-icon { margin: 0 auto 10px; }
.draft-empty h4 { margin: 0 0 4px !important; color: var(--ink); }
.draft-empty p { margin: 0 auto; max-width: 460px; font-size: 14px; }
.draft-doc { background: #fff; border: 1px solid var(--line); border-radius: 14px; padding: 22px 26px;
  color: var(--ink); font-size: 15px; line-height: 1.6; }
.draft-kicker { font-size: 12px; font-weight: 700; letter-spacing: .05em; text-transform: uppercase;
  color: var(--brand); }
h2.draft-title { margin: 2px 0 8px !important; font-size: 1.4rem !important; font-weight: 700; line-height: 1.3; }
.draft-stats { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 10px; }
.stat { padding: 3px 10px; border-radius: 999px; font-size: 13px; background: #eef1f4; color: #3e4a59; }
.stat b { font-variant-numeric: tabular-nums; }
.stat.ok { background: #e8f5ec; color: #1d6b3a; }
.stat.gap { background: var(--warn-bg); color: #7a4d00; }
.stat.warn { background: #fdecea; color: #8a1c12; }
.draft-route { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 2px 0 10px; font-size: 14px; }
.draft-route > span:first-child, .draft-route .matched { color: var(--muted); }
.draft-preamble { margin: 0 0 10px !important; }
.draft-note { font-size: 13px; color: var(--muted); background: #f6f8fa; border-left: 3px solid #c5d0da;
  padding: 8px 12px; border-radius: 6px; }
.gap-text { background: var(--warn-bg); color: #7a4d00; border-radius: 4px; padding: 0 3px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.draft-warnings { margin: 16px 0 4px; }
.draft-warnings h4, .draft-coverage h3 { margin: 0 0 8px !important; font-size: 13px !important;
  text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.draft-warnings .count { display: inline-block; min-width: 20px; padding: 0 6px; border-radius: 10px;
  background: #fdecea; color: #8a1c12; text-align: center; }
/* Longhands: Gradio's stylesheet rewrite drops a var() border shorthand followed by a longhand. */
.draft-warn { padding: 9px 12px; margin: 0 0 8px; border-style: solid; border-width: 1px 1px 1px 4px;
  border-color: var(--warn-line); border-radius: 8px; background: var(--warn-bg); font-size: 14px; line-height: 1.5; }
.draft-warn.high { border-color: #e0796e; background: #fdf0ee; }
.draft-warn p { margin: 1px 0 0 !important; }
.draft-warn .chips { display: inline-flex; vertical-align: 1px; margin-left: 4px; gap: 4px; }
.draft-warn .sev { font-size: 11.5px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  color: #7a4d00; }
.draft-warn.high .sev { color: #a3261a; }
section.draft-part { margin-top: 18px; }
section.draft-part h3 { display: flex; align-items: center; gap: 10px; margin: 0 0 8px !important;
  padding-bottom: 6px; border-bottom: 1px solid var(--line); font-size: 1.08rem !important; font-weight: 700; }
.part-n { display: inline-flex; align-items: center; justify-content: center; width: 26px; height: 26px;
  border-radius: 8px; background: var(--brand); color: #fff; font-size: 14px; flex-shrink: 0; }
.clause { padding: 8px 0 10px 14px; margin: 0 0 6px; border-left: 3px solid var(--brand-soft); }
.clause.gap { border-left-color: var(--warn-line); }
.clause-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.clause-n { font-weight: 700; color: var(--brand); font-variant-numeric: tabular-nums; }
.clause-h { font-weight: 700; }
p.clause-text { margin: 3px 0 6px !important; }
.clause-cites { display: flex; align-items: flex-start; gap: 8px; }
.clause-cites .chips { flex: 1; min-width: 0; }
.cites-label { font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
  line-height: 26px; flex-shrink: 0; }
.status { margin-left: auto; padding: 0 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600;
  white-space: nowrap; background: #eef1f4; color: #3e4a59; }
.status.ok { background: #e8f5ec; color: #1d6b3a; }
.status.std { background: var(--brand-soft); color: var(--brand); }
.status.gap { background: var(--warn-bg); color: #7a4d00; }
a.draft-chip, span.draft-chip { padding: 3px 10px 3px 3px; font-size: 12.5px; }
a.draft-chip.short, span.draft-chip.short { padding: 2px; }
.draft-chip .sid { padding: 1px 8px; border-radius: 999px; background: var(--brand); color: #fff;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11.5px; white-space: nowrap; }
.draft-chip .sec { max-width: 260px; }
.draft-chip.ext .sid { background: #7b8794; }
.draft-chip .ext { color: var(--muted); }
.draft-coverage { margin-top: 22px; padding-top: 12px; border-top: 1px solid var(--line); }
.cov-bar { height: 8px; border-radius: 4px; background: var(--warn-bg); overflow: hidden; margin-bottom: 6px; }
.cov-bar span { display: block; height: 100%; background: #3f9a62; }
p.cov-summary { margin: 0 0 8px !important; font-size: 14px; }
#draft-view table.cov { width: 100%; border-collapse: collapse; font-size: 13.5px; border: none !important;
  margin: 0; padding: 0; }
#draft-view table.cov tr { padding: 0; margin: 0; border: none; }
#draft-view table.cov th { text-align: left; color: var(--muted); font-weight: 600; padding: 4px 8px;
  border: none; border-bottom: 1px solid var(--line); background: none; }
#draft-view table.cov td { padding: 4px 8px; border: none; border-bottom: 1px solid #eef1f4; background: none;
  vertical-align: middle; }
#draft-view table.cov td.num { font-variant-numeric: tabular-nums; color: var(--muted); width: 48px; }
#draft-view table.cov tr.cov-part td { padding-top: 10px; font-weight: 700; color: var(--brand);
  border-bottom: 1px solid var(--line); }
#draft-view table.cov .status { margin-left: 0; }
/* Gradio's footer link is slate 400 on the page's grey (2.4:1); top level, since the footer lies
   outside the part of the page that Gradio scopes custom rules to. */
footer .show-api, footer a { color: #5f6b7a !important; }
.app-footer { color: var(--muted); font-size: 12.5px; text-align: center; padding: 6px 0 10px; }
@media (max-width: 900px) { #side-col, #draft-side { position: static; } }

/* Gradio's page margin (32px a side) is outside what rules inside @media can reach (it scopes them
   below it), so this top-level rule narrows it on its own: 10px below 820px, 32px above. */
.gradio-container .main.app { padding-left: clamp(10px, calc((100vw - 820px) * 100), 32px) !important;
  padding-right: clamp(10px, calc((100vw - 820px) * 100), 32px) !important; }

/* Phones and small tablets: a one-line header, the controls on one row, nothing wider than the
   screen. */
@media (max-width: 820px) {
  #topbar { flex-direction: column; align-items: stretch; gap: 4px; padding-top: 2px; }
  #topbar > * { width: 100%; min-width: 0 !important; }
  #controls > .form { min-width: 0 !important; align-items: center; }
  #controls .block { padding: 4px 8px !important; min-width: 0 !important; }
  /* The language picker's caption is read out, not shown: the two language names say enough. */
  #ui-lang > [data-testid="block-info"] { position: absolute; width: 1px; height: 1px;
    overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  #ui-lang { flex: 0 0 auto !important; width: auto !important; }
  #ui-lang .wrap { flex-wrap: nowrap; gap: 4px; }
  #ui-lang label { padding: 4px 8px !important; white-space: nowrap; flex-shrink: 0; }
  #controls > .form { flex-wrap: nowrap; gap: 4px; background: none !important; border: none !important; }
  #trainer-toggle { display: flex; align-items: center; flex: 1 1 auto !important;
    width: auto !important; }
  #trainer-toggle .info-text { display: none; }
  .app-header { gap: 10px; }
  .app-header .brand-mark { width: 34px; height: 34px; border-radius: 9px; font-size: 17px; }
  .app-header h1 { font-size: 1.1rem; }
  .app-header p { display: none; }
  .offline-note { margin-top: 1px; font-size: .72rem; }
  #main-tabs > .tab-wrapper button, #side-tabs > .tab-wrapper button { padding-left: 10px;
    padding-right: 10px; }
  #source-view, #trainer-view { max-height: none; }
  /* The question box stays on the first screen, under a chat that leaves room for it. */
  #chatbot { height: min(540px, calc(100svh - 330px)) !important; min-height: 300px; }
  .draft-doc { padding: 14px 12px; }
  #draft-form .draft-area .row > * { min-width: min(240px, 100%) !important; }
  .draft-chip .sec { max-width: 180px; }
  .t-bar { grid-template-columns: 96px 1fr 60px; }
  #trainer-view table.t-hits { display: block; overflow-x: auto; }
  #draft-view table.cov { display: block; overflow-x: auto; }
}
"""
