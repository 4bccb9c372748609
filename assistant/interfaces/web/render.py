"""HTML for the web UI: answers with citation chips, section panels, trainer tables, the FAQ.

Every piece of corpus or user text passes through ``html.escape`` here; the only markup in the
output is the markup these functions write. Gradio sanitises Markdown output as well, but the
escaping is what guarantees that a ``<script>`` in a question or a corpus file is shown as text.
Links to sections are plain ``#cite=<id>@<lang>`` anchors that a small script turns into events.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.answer.model import AI_SECURITY_HOTLINE, MESSAGES, PCPD_ENQUIRY_LINE
from assistant.corpus.documents import LANGS, SECTION_ID_RE, Section
from assistant.interfaces.web.text import DRAFT_EXAMPLES, FAQ, t
from assistant.text.script import detect_lang, split_sentences, strip_markdown

CITE = "cite"  # opens a section in the Ask tab's side panel
BROWSE = "browse"  # opens a section in the Browse tab
DRAFT = "draft"  # opens a section in the Draft tab's side panel
# A draft chip may name the clause that cites the section after "~" (``#draft=<id>@<lang>~2.1``),
# so that the panel highlights the lines that clause follows.
_TAG_RE = re.compile(r"^[A-Za-z0-9.]{1,16}$")

_INLINE_RE = re.compile(
    r"(?P<url>https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%\-]*[A-Za-z0-9/#=_\-])"
    r"|(?P<sid>\b[a-z0-9][a-z0-9\-]*/[a-z0-9][a-z0-9.\-]*[a-z0-9]\b)"
)
_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_CJK_END_RE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$")
_HOTLINES_RE = re.compile(f"({re.escape(PCPD_ENQUIRY_LINE)}|{re.escape(AI_SECURITY_HOTLINE)})")


# Characters that Markdown would read as formatting (``__x__``, ``*x*``, links, maths): the chat
# and panels render Markdown, so they are written as character references.
_MARKDOWN_CHARS = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]~$|"})


def esc(text: object) -> str:
    """``text`` as inert HTML: markup and Markdown formatting characters are escaped."""
    return html.escape(str(text), quote=True).translate(_MARKDOWN_CHARS)


def section_href(prefix: str, section_id: str, lang: str, tag: str = "") -> str:
    """``#cite=<id>@<lang>``; ids are checked so that nothing else can reach an attribute."""
    if not SECTION_ID_RE.match(section_id) or lang not in LANGS:
        return "#"
    suffix = f"~{tag}" if tag and _TAG_RE.match(tag) else ""
    return f"#{prefix}={section_id}@{lang}{suffix}"


def parse_ref(ref: str) -> tuple[str, str, str] | None:
    """``"cite=checklist-2025/4@en"`` -> ``("cite", "checklist-2025/4", "en")``; None if malformed."""
    prefix, _, rest = (ref or "").lstrip("#").partition("=")
    section_id, _, lang = rest.rpartition("@")
    lang, _, tag = lang.partition("~")
    if prefix not in (CITE, BROWSE, DRAFT) or lang not in LANGS:
        return None
    if not SECTION_ID_RE.match(section_id) or (tag and not _TAG_RE.match(tag)):
        return None
    return prefix, section_id, lang


def ref_tag(ref: str) -> str:
    """The ``~tag`` of a well-formed reference, else ""."""
    if parse_ref(ref) is None:
        return ""
    return (ref or "").rpartition("@")[2].partition("~")[2]


def other_lang(lang: str) -> str:
    return "en" if lang == "zh-Hant" else "zh-Hant"


def join_text(parts: Iterable[str]) -> str:
    """Join sentences with a space, except between Chinese ones."""
    out = ""
    for part in parts:
        if out and not (_CJK_END_RE.search(out) and _CJK_END_RE.match(part[:1] or " ")):
            out += " "
        out += part
    return out


def inline(text: str, prefix: str, lang: str, known_ids: set[str] | None = None) -> str:
    """Escape ``text``; turn web addresses and known section ids into links."""
    out: list[str] = []
    last = 0
    for m in _INLINE_RE.finditer(text):
        if m.group("sid") and (known_ids is None or m.group("sid") not in known_ids):
            continue
        out.append(esc(text[last : m.start()]))
        if m.group("url"):
            url = esc(m.group("url"))
            out.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>')
        else:
            sid = m.group("sid")
            out.append(f'<a class="xref" href="{section_href(prefix, sid, lang)}">{esc(sid)}</a>')
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)


def section_body(
    section: Section, prefix: str, known_ids: set[str], quotes: Sequence[str] = ()
) -> str:
    """The section's text as paragraphs and lists; quoted sentences are highlighted."""
    quoted = set(quotes)
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(f"<p>{join_text(paragraph)}</p>")
            paragraph.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in section.text.splitlines():
        if not line.strip() or line.lstrip().startswith("<!--"):
            flush()
            continue
        sentences = split_sentences(strip_markdown(line)) or [strip_markdown(line).strip()]
        rendered = join_text(
            (f"<mark>{html_}</mark>" if sentence in quoted else html_)
            for sentence in sentences
            for html_ in [inline(sentence, prefix, section.lang, known_ids)]
        )
        if _BULLET_RE.match(line):
            if paragraph:
                blocks.append(f"<p>{join_text(paragraph)}</p>")
                paragraph.clear()
            items.append(rendered)
        else:
            if items:
                flush()
            paragraph.append(rendered)
    flush()
    return "".join(blocks)


def section_panel(
    section: Section,
    twin: Section | None,
    ui: str,
    prefix: str,
    known_ids: set[str],
    quotes: Sequence[str] = (),
    children: Sequence[Section] = (),
    parent: Section | None = None,
    neighbours: tuple[Section | None, Section | None] = (None, None),
    note: str = "quoted_note",
) -> str:
    """The whole section with its document, edition, official link and other-language version.

    ``note`` is the UI text key explaining the highlighted sentences.
    """
    doc = section.document
    badge = t(ui, "digest") if doc.digest else t(ui, "official_badge")
    meta = [
        f'<span class="badge">{esc(badge)}</span>',
        f"{esc(t(ui, 'edition'))} {esc(doc.edition)}",
    ]
    if doc.url.startswith(("https://", "http://")):
        meta.append(
            f'<a href="{esc(doc.url)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(t(ui, 'official'))} ↗</a>"
        )
    actions = ""
    if twin is not None:
        label = "English" if twin.lang == "en" else "中文"
        actions = (
            f'<a class="twin-link" href="{section_href(prefix, twin.id, twin.lang)}">'
            f"⇄ {esc(label)}</a>"
        )
    parts = [
        '<div class="source-view">',
        f'<div class="src-doc">{esc(doc.title)}</div>',
        f'<div class="src-meta">{" · ".join(meta)}</div>',
    ]
    if parent is not None:
        parts.append(
            f'<div class="src-path">{esc(t(ui, "part_of"))}: '
            f'<a href="{section_href(prefix, parent.id, parent.lang)}">'
            f"{esc(parent.display_heading)}</a></div>"
        )
    parts.append(
        f'<div class="src-head"><h3 class="src-heading">{esc(section.display_heading)}</h3>'
        f"{actions}</div>"
    )
    parts.append(f'<div class="src-body" lang="{esc(section.lang)}">')
    body = section_body(section, prefix, known_ids, quotes)
    body_marks = "<mark>" in body
    parts.append(body)
    parts.append("</div>")
    if body_marks:
        parts.append(f'<div class="src-note"><mark>&nbsp;</mark> {esc(t(ui, note))}</div>')
    if children:
        links = "".join(
            f'<a class="chip small" href="{section_href(prefix, c.id, c.lang)}">'
            f"{esc(c.display_heading)}</a>"
            for c in children
        )
        parts.append(
            f'<div class="src-children"><span>{esc(t(ui, "subsections"))}</span>{links}</div>'
        )
    previous, following = neighbours
    if previous is not None or following is not None:
        nav = []
        if previous is not None:
            nav.append(
                f'<a class="nav-prev" href="{section_href(prefix, previous.id, previous.lang)}">'
                f"← {esc(previous.display_heading)}</a>"
            )
        if following is not None:
            nav.append(
                f'<a class="nav-next" href="{section_href(prefix, following.id, following.lang)}">'
                f"{esc(following.display_heading)} →</a>"
            )
        parts.append(f'<div class="src-nav">{"".join(nav)}</div>')
    parts.append("</div>")
    return "".join(parts)


def panel_placeholder(ui: str, lead: str = "panel_empty", tips_prefix: str = "panel_tip") -> str:
    tips = "".join(f"<li>{esc(t(ui, f'{tips_prefix}_{n}'))}</li>" for n in (1, 2, 3))
    return (
        f'<div class="panel-empty"><div class="panel-empty-icon">§</div>'
        f"<p>{esc(t(ui, lead))}</p><ul>{tips}</ul></div>"
    )


def draft_panel_placeholder(ui: str) -> str:
    return panel_placeholder(ui, "draft_panel_empty", "draft_tip")


def lang_attr(text: str) -> str:
    """`` lang="zh-Hant"`` for Chinese text, else "": the page is marked up in the interface's
    language, and Chinese inside an English page needs saying so (screen readers, fonts)."""
    return ' lang="zh-Hant"' if detect_lang(text) == "zh-Hant" else ""


def message_html(text: str) -> str:
    """A message typed by the user, shown exactly as text."""
    return f'<div class="user-text"{lang_attr(text)}>{esc(text).replace(chr(10), "<br>")}</div>'


def notice_html(text: str, kind: str = "error") -> str:
    return f'<div class="notice {esc(kind)}">{esc(text)}</div>'


def warning_html(warnings: Sequence[dict[str, str]]) -> str:
    return "".join(
        f'<div class="pii-warn" role="alert"><span class="warn-icon">!</span>'
        f"<span>{esc(w.get('message', ''))}</span></div>"
        for w in warnings
    )


def chip(number: int, citation: dict[str, Any], label: str) -> str:
    heading = citation.get("heading") or citation["section_id"]
    return (
        f'<a class="cite-chip" href="{section_href(CITE, citation["section_id"], citation["lang"])}" '
        f'title="{esc(citation.get("title", ""))}">'
        f'<span class="n">{number}</span><span class="doc">{esc(label)}</span>'
        f'<span class="sec">{esc(heading)}</span></a>'
    )


def answer_steps(
    answer: dict[str, Any], labels: dict[str, str], known_ids: set[str] | None = None
) -> list[str]:
    """Successive HTML states of an answer, one more sentence each: the stream the chat shows.

    ``answer`` is ``Answer.to_json()`` plus ``sentences`` ([text, citation number] pairs);
    ``labels`` maps section ids to short document names for the chips; ``known_ids`` are the
    section ids that become links when a quoted sentence mentions them.
    """
    lang = answer["lang"] if answer.get("lang") in MESSAGES else "en"
    tag = f' lang="{esc(lang)}"'
    head = warning_html(answer.get("warnings", []))
    if answer.get("refused"):
        sentences = split_sentences(answer["answer"]) or [answer["answer"]]
        steps = []
        for k in range(1, len(sentences) + 1):
            body = _HOTLINES_RE.sub(r"<strong>\1</strong>", esc(join_text(sentences[:k])))
            steps.append(f'<div class="answer refused"{tag}>{head}<p>{body}</p></div>')
        return steps
    citations = {c["n"]: c for c in answer.get("citations", [])}
    card = answer.get("card")
    lead = f'<p class="lead short-answer">{esc(MESSAGES[lang]["short_answer"])}</p>' if card else ""
    items: list[str] = []
    steps = [f'<div class="answer"{tag}>{head}{lead}</div>']
    for sentence, number in answer.get("sentences", []):
        citation = citations.get(number)
        mark = ""
        if citation is not None:
            mark = (
                f' <a class="cite-num" href="{section_href(CITE, citation["section_id"], citation["lang"])}"'
                f' title="{esc(citation.get("heading", ""))}">{int(number)}</a>'
            )
        text = inline(sentence, CITE, lang, known_ids or set())
        items.append(f"<li>{text}{mark}</li>")
        steps.append(
            f'<div class="answer"{tag}>{head}{lead}<ul class="claims">{"".join(items)}</ul></div>'
        )
    chips = "".join(
        chip(n, c, labels.get(c["section_id"], c.get("title", "")))
        for n, c in sorted(citations.items())
    )
    sources = (
        f'<div class="sources"><div class="sources-label">{esc(MESSAGES[lang]["sources"])}</div>'
        f'<div class="chips">{chips}</div></div>'
    )
    steps.append(
        f'<div class="answer"{tag}>{head}{lead}<ul class="claims">{"".join(items)}</ul>{sources}</div>'
    )
    return steps


def trainer_html(
    trace: dict[str, Any] | None,
    ui: str,
    headings: dict[str, str],
    threshold: float | None = None,
) -> str:
    """Retrieved sections with dense, BM25 and fused scores, the refusal decision, stage times."""
    if not trace or "trace" not in trace:
        return f'<div class="panel-empty"><p>{esc(t(ui, "trainer_empty"))}</p></div>'
    tr = trace["trace"]
    cited = {c["section_id"] for c in trace.get("citations", [])}
    refused = bool(trace.get("refused"))
    probability = float(tr.get("in_scope_probability", 0.0))
    decision = t(ui, "trainer_refused") if refused else t(ui, "trainer_answered")
    threshold_text = (
        f" ({esc(t(ui, 'trainer_threshold'))} {threshold:.2f})" if threshold is not None else ""
    )
    rows = []
    for hit in tr.get("hits", []):
        sid = hit["section_id"]
        rows.append(
            "<tr>"
            f"<td>{int(hit['rank'])}</td>"
            f'<td><div class="t-sec">{esc(headings.get(sid, sid))}</div><div class="t-id">{esc(sid)}</div></td>'
            f"<td class='num'>{_num(hit.get('fused'), 4)}</td>"
            f"<td class='num'>{_num(hit.get('dense'), 3)} {_rank(hit.get('dense_rank'))}</td>"
            f"<td class='num'>{_num(hit.get('bm25'), 2)} {_rank(hit.get('bm25_rank'))}</td>"
            f"<td class='num'>{'✓' if sid in cited else ''}</td>"
            "</tr>"
        )
    header = "".join(
        f"<th>{esc(t(ui, k))}</th>"
        for k in (
            "trainer_rank",
            "trainer_section",
            "trainer_fused",
            "trainer_dense",
            "trainer_bm25",
            "trainer_used",
        )
    )
    timings = trace.get("timings_ms", {})
    total = float(timings.get("total") or max(timings.values(), default=1.0) or 1.0)
    bars = []
    for stage, ms in timings.items():
        name = t(ui, f"stage_{stage}") if f"stage_{stage}" in _STAGE_KEYS else stage
        width = 100.0 if stage == "total" else min(100.0, 100.0 * float(ms) / total)
        bars.append(
            f'<div class="t-bar{" total" if stage == "total" else ""}"><span class="t-stage">{esc(name)}</span>'
            f'<span class="t-track"><span class="t-fill" style="width:{width:.1f}%"></span></span>'
            f'<span class="t-ms">{float(ms):.1f} ms</span></div>'
        )
    reason = ""
    if refused and tr.get("refusal_reason"):
        reason = f'<div class="t-reason"><b>{esc(t(ui, "trainer_reason"))}:</b> {esc(tr["refusal_reason"])}</div>'
    if tr.get("generation"):  # the LLM path: what verification kept, or why it fell back
        gen = tr["generation"]
        reason += f'<div class="t-reason"><b>LLM {esc(gen.get("model", ""))}:</b> {esc(gen.get("summary", ""))}</div>'
    return (
        '<div class="trainer">'
        f'<div class="t-decision {"refused" if refused else "answered"}">'
        f"<b>{esc(t(ui, 'trainer_decision'))}:</b> {esc(decision)} · "
        f"{esc(t(ui, 'trainer_probability'))} <b>{probability:.2f}</b>{threshold_text}</div>"
        f"{reason}"
        f'<div class="t-query"><b>{esc(t(ui, "trainer_question"))}:</b> {esc(tr.get("retrieval_query", ""))}</div>'
        f"<h4>{esc(t(ui, 'trainer_hits'))}</h4>"
        f'<table class="t-hits"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f'<p class="t-explain">{esc(t(ui, "trainer_explain"))}</p>'
        f'<h4>{esc(t(ui, "trainer_timings"))}</h4><div class="t-timings">{"".join(bars)}</div>'
        "</div>"
    )


_STAGE_KEYS = {
    f"stage_{s}" for s in ("concepts", "embed", "dense", "bm25", "fuse", "answer", "total")
}


def _num(value: Any, digits: int) -> str:
    return "–" if value is None else f"{float(value):.{digits}f}"


def _rank(value: Any) -> str:
    return "" if value is None else f'<span class="t-rank">#{int(value)}</span>'


def faq_html(ui: str) -> str:
    """Common questions grouped by topic; each is a link the FAQ's script sends to the chat."""
    cards = []
    for topic, questions in FAQ.get(ui, FAQ["en"]):
        links = "".join(f'<li><a class="faq-q" href="#ask">{esc(q)}</a></li>' for q in questions)
        cards.append(f'<div class="faq-card"><h4>{esc(topic)}</h4><ul>{links}</ul></div>')
    lang = ui if ui in FAQ else "en"
    return f'<div class="faq-grid" lang="{esc(lang)}">{"".join(cards)}</div>'


def toc_html(sections: Sequence[Section], current: str | None) -> str:
    """A document's sections as nested links for the Browse tab."""
    items = []
    for s in sections:
        cls = "toc-item" + (" current" if s.id == current else "") + f" level-{min(s.level, 4)}"
        items.append(
            f'<a class="{cls}" href="{section_href(BROWSE, s.id, s.lang)}">{esc(s.display_heading)}</a>'
        )
    return f'<nav class="toc">{"".join(items)}</nav>'


# ---------------------------------------------------------------- policy drafts

_STATUS_CLASS = {"addressed": "ok", "default": "std", "missing": "gap", "absent": "off"}
_LANG_NAMES = {"en": "English", "zh-Hant": "繁體中文"}


def draft_chip(
    citation: dict[str, Any], known_ids: set[str], tag: str = "", short: bool = False
) -> str:
    """A cited section as a chip showing its canonical id; it opens in the Draft tab's panel.

    A section missing from the loaded index (the drafter also reads the bundled corpus) links to
    the official document instead, so that no chip leads nowhere.
    """
    sid = str(citation["section_id"])
    heading = str(citation.get("heading") or sid)
    title = esc(f"{citation.get('short_title') or citation.get('title', '')} · {heading}")
    inner = f'<span class="sid">{esc(sid)}</span>'
    if not short:
        inner += f'<span class="sec">{esc(heading)}</span>'
    cls = "cite-chip draft-chip" + (" short" if short else "")
    if sid in known_ids:
        href = section_href(DRAFT, sid, str(citation.get("lang", "")), tag)
        return f'<a class="{cls}" href="{href}" title="{title}">{inner}</a>'
    url = str(citation.get("url", ""))
    if url.startswith(("https://", "http://")):
        return (
            f'<a class="{cls} ext" href="{esc(url)}" target="_blank" '
            f'rel="noopener noreferrer" title="{title}">{inner}<span class="ext">↗</span></a>'
        )
    return f'<span class="{cls} off" title="{title}">{inner}</span>'


def _clause_text(text: str, placeholders: Sequence[str]) -> str:
    out = esc(text)
    for gap in sorted(set(placeholders), key=len, reverse=True):
        escaped = esc(gap)
        out = out.replace(escaped, f'<span class="gap-text">{escaped}</span>')
    return out


def _status(ui: str, status: str) -> str:
    css = _STATUS_CLASS.get(status, "off")
    label = t(ui, f"draft_status_{status}") if status in _STATUS_CLASS else status
    return f'<span class="status {css}">{esc(label)}</span>'


def draft_placeholder(ui: str) -> str:
    return (
        '<div class="draft-empty"><div class="panel-empty-icon">¶</div>'
        f"<h4>{esc(t(ui, 'draft_empty_title'))}</h4><p>{esc(t(ui, 'draft_empty'))}</p></div>"
    )


def draft_suggestions(ui: str) -> str:
    """Example requests for one clause; the Draft tab's script puts a selected one in the box."""
    links = "".join(
        f'<a class="suggest" href="#"{lang_attr(text)}>{esc(text)}</a>'
        for text in DRAFT_EXAMPLES.get(ui, DRAFT_EXAMPLES["en"])
    )
    return f'<div class="draft-suggest"><span>{esc(t(ui, "draft_try"))}</span>{links}</div>'


def _draft_warnings(data: dict[str, Any], ui: str, known_ids: set[str]) -> str:
    warnings = data.get("warnings") or []
    if not warnings:
        return ""
    items = []
    for w in warnings:
        severity = "high" if w.get("severity") == "high" else "medium"
        chips = "".join(draft_chip(c, known_ids, short=True) for c in w.get("citations", []))
        items.append(
            f'<div class="draft-warn {severity}" role="note">'
            f'<span class="sev">{esc(t(ui, f"draft_sev_{severity}"))}</span>'
            f"<p>{esc(w.get('message', ''))}"
            f'<span class="chips">{chips}</span></p></div>'
        )
    return (
        f'<div class="draft-warnings"><h4>{esc(t(ui, "draft_warnings"))} '
        f'<span class="count">{len(warnings)}</span></h4>{"".join(items)}</div>'
    )


def _draft_coverage(data: dict[str, Any], ui: str, known_ids: set[str]) -> str:
    summary = data.get("coverage_summary") or {}
    lang = str(data.get("lang", "en"))
    part_of = {str(p["number"]): p for p in data.get("parts", [])}
    header = "".join(
        f"<th>{esc(t(ui, k))}</th>"
        for k in ("draft_col_clause", "draft_col_item", "draft_col_section", "draft_col_status")
    )
    rows, seen_parts = [], set()
    for entry in data.get("coverage", []):
        number = str(entry.get("clause") or "")
        part = part_of.get(number.partition(".")[0])
        if part is not None and part["number"] not in seen_parts:
            seen_parts.add(part["number"])
            rows.append(
                f'<tr class="cov-part"><td colspan="4">{esc(part["number"])}. '
                f"{esc(part['heading'])}</td></tr>"
            )
        citation = {"section_id": entry["section_id"], "lang": lang, "heading": entry["label"]}
        rows.append(
            f'<tr class="{_STATUS_CLASS.get(entry.get("status", ""), "off")}">'
            f'<td class="num">{esc(number or "—")}</td><td>{esc(entry.get("label", ""))}</td>'
            f"<td>{draft_chip(citation, known_ids, short=True)}</td>"
            f"<td>{_status(ui, str(entry.get('status', '')))}</td></tr>"
        )
    total = max(int(summary.get("total", 0)), 1)
    done = int(summary.get("done", 0))
    line = t(ui, "draft_coverage_summary", **{k: int(summary.get(k, 0)) for k in (
        "total", "done", "standard", "missing")})  # fmt: skip
    return (
        f'<div class="draft-coverage"><h3>{esc(t(ui, "draft_coverage"))}</h3>'
        f'<div class="cov-bar"><span style="width:{100.0 * done / total:.1f}%"></span></div>'
        f'<p class="cov-summary">{esc(line)}</p>'
        f'<table class="cov"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        "</div>"
    )


def draft_html(data: dict[str, Any], ui: str, known_ids: set[str]) -> str:
    """A draft (``PolicyDraft.to_json()``): numbered clauses with citation chips, the warnings
    first, then (for a whole policy) the coverage of every Checklist item."""
    lang = str(data.get("lang", "en"))
    policy = data.get("mode") == "policy"
    summary = data.get("coverage_summary") or {}
    warnings = data.get("warnings") or []
    kind = t(ui, "draft_kind_policy" if policy else "draft_kind_clause")
    out = [
        f'<div class="draft-doc" lang="{esc(lang)}">',
        '<div class="draft-head">',
        f'<div class="draft-kicker">{esc(kind)} · {esc(_LANG_NAMES.get(lang, lang))}</div>',
        f'<h2 class="draft-title">{esc(data.get("title", ""))}</h2>',
    ]
    if policy:
        stats = [
            (
                "ok",
                f"{int(summary.get('done', 0))}/{int(summary.get('total', 0))}",
                "draft_stat_done",
            ),
            ("gap", str(int(summary.get("missing", 0))), "draft_stat_missing"),
            ("warn", str(len(warnings)), "draft_stat_warnings"),
        ]
        out.append(
            '<div class="draft-stats">'
            + "".join(
                f'<span class="stat {css}"><b>{esc(value)}</b> {esc(t(ui, key))}</span>'
                for css, value, key in stats
            )
            + "</div>"
        )
    route = data.get("route")
    if route and not policy:
        entry = next(iter(data.get("coverage") or []), {})
        citation = {
            "section_id": route["section_id"],
            "lang": lang,
            "heading": entry.get("label", ""),
        }
        matched = ", ".join(str(m) for m in route.get("matched") or [])
        hint = (
            f' <span class="matched">{esc(t(ui, "draft_matched"))}: {esc(matched)}</span>'
            if matched
            else ""
        )
        out.append(
            f'<div class="draft-route"><span>{esc(t(ui, "draft_route"))}:</span> '
            f"<b>{esc(entry.get('label', route.get('item', '')))}</b> "
            f"{draft_chip(citation, known_ids, short=True)}{hint}</div>"
        )
    if data.get("preamble"):
        out.append(f'<p class="draft-preamble">{esc(data["preamble"])}</p>')
    gaps = any(c.get("placeholders") for p in data.get("parts", []) for c in p.get("clauses", []))
    note = esc(data.get("note", ""))
    if gaps:
        # Part of the draft, not of the page: in the draft's language, like the note before it.
        note += f' <span class="gap-text">{esc(t(lang, "draft_gaps"))}</span>'
    out.append(f'<div class="draft-note">{note}</div></div>')
    out.append(_draft_warnings(data, ui, known_ids))
    for part in data.get("parts", []):
        out.append(
            f'<section class="draft-part"><h3><span class="part-n">{esc(part["number"])}</span>'
            f"{esc(part['heading'])}</h3>"
        )
        for clause in part.get("clauses", []):
            number = str(clause["number"])
            chips = "".join(
                # Only the Checklist citation quotes the lines the clause follows.
                draft_chip(c, known_ids, number if i == 0 else "")
                for i, c in enumerate(clause.get("citations", []))
            )
            out.append(
                f'<div class="clause {_STATUS_CLASS.get(clause.get("status", ""), "off")}">'
                f'<div class="clause-head"><span class="clause-n">{esc(number)}</span>'
                f'<span class="clause-h">{esc(clause.get("heading", ""))}</span>'
                f"{_status(ui, str(clause.get('status', '')))}</div>"
                f'<p class="clause-text">{_clause_text(clause.get("text", ""), clause.get("placeholders", []))}</p>'
                f'<div class="clause-cites"><span class="cites-label">{esc(t(ui, "draft_follows"))}</span>'
                f'<div class="chips">{chips}</div></div></div>'
            )
        out.append("</section>")
    if policy and data.get("coverage"):
        out.append(_draft_coverage(data, ui, known_ids))
    out.append("</div>")
    return "".join(out)
