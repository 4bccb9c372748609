"""`assistant eval`: run the real pipeline and baselines over a gold set and score them.

Retrieval is scored by section id (hit@1, hit@5, MRR, nDCG@5 with any expected section counting as
relevant), answers by citation precision, must-mention recall and grounding (every answer sentence
checked against the section it cites by ``assistant.grounding``, independently of the answerer), and
refusals by precision/recall on out-of-scope items and the false-refusal rate on in-scope ones.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.cards import SectionPassages
from assistant.answer.grounding import check_support, section_context
from assistant.answer.llm.config import llm_configured
from assistant.answer.plans import GAP_QUESTION_RE
from assistant.corpus.documents import sentence_problems
from assistant.extras import MissingExtra, require
from assistant.index.cache import CachedEmbedder, local_cache
from assistant.pipeline import Assistant
from assistant.settings import Settings
from assistant.text.tokenize import normalise

KINDS = ("factual", "procedural", "comparison", "out_of_scope", "draft")
# The least share of shown sentences that their cited sections must support (the release gate).
GROUNDING_GATE = 0.98
LANGS = ("en", "zh-Hant", "mixed")
OURS = "ours (hybrid)"


class GoldError(ValueError):
    pass


@dataclass(frozen=True)
class GoldItem:
    id: str
    lang: str
    question: str
    expected_sections: tuple[str, ...]
    must_mention: tuple[str, ...]
    kind: str
    history: tuple[str, ...] = ()
    answer_type: str = ""
    lead_must_mention: tuple[str, ...] = ()
    expected_items: tuple[str, ...] = ()
    split: str = ""

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"


def load_gold(path: Path, split: str | None = None) -> list[GoldItem]:
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            item = GoldItem(
                id=str(data["id"]),
                lang=str(data["lang"]),
                question=str(data["question"]),
                expected_sections=tuple(data.get("expected_sections") or ()),
                must_mention=tuple(data.get("must_mention") or ()),
                kind=str(data["kind"]),
                history=tuple(data.get("history") or ()),
                answer_type=str(data.get("answer_type") or ""),
                lead_must_mention=tuple(data.get("lead_must_mention") or ()),
                expected_items=tuple(data.get("expected_items") or ()),
                split=str(data.get("split") or ""),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError(
                f"{path}:{number}: not a gold item ({exc.__class__.__name__}: {exc})"
            ) from None
        if item.lang not in LANGS or item.kind not in KINDS:
            raise GoldError(f"{path}:{number}: lang must be one of {LANGS} and kind one of {KINDS}")
        if item.in_scope and not item.expected_sections:
            raise GoldError(f"{path}:{number}: an in-scope item needs expected_sections")
        if item.id in seen:
            raise GoldError(f"{path}:{number}: duplicate id {item.id}")
        seen.add(item.id)
        if split is None or item.split == split:
            items.append(item)
    if not items:
        raise GoldError(f"{path}: no gold items" + (f" in split {split!r}" if split else ""))
    return items


@dataclass
class ItemResult:
    item: GoldItem
    ranking: list[str]
    cited: list[str]
    refused: bool
    answer_text: str
    sentences: list[tuple[str, str]] = field(default_factory=list)  # (sentence, cited section text)
    latency_ms: float = 0.0
    grounded: int | None = None  # sentences supported; None for systems that do not write answers
    generation: dict[str, Any] | None = None  # the LLM path's trace, when it was used
    # What the reply shows (None for baselines, which only rank): its text, its lead (see lead_lines), the
    # sections cited before the supporting quotes, the type it was given, its card, and its draft.
    text: str | None = None
    lead_text: str = ""  # the first line, and the numbered list right after it (see lead_lines)
    lead_sections: list[str] = field(default_factory=list)
    predicted_type: str = ""
    card: str | None = None
    card_sections: list[str] = field(default_factory=list)
    drafted: bool = False


System = Callable[[GoldItem], ItemResult]


# ---------------------------------------------------------------- systems


def ours(assistant: Assistant) -> System:
    # Generated sentences restate rather than quote, so they are checked with embeddings as well
    # (quoted ones are verbatim and never reach the embedder).
    embedder = assistant.embedder if assistant.generator is not None else None
    # A card sentence restates its sections too; it is checked as `assistant corpus check` checks
    # it, with embeddings, which the shipped vectors hold for every card and section sentence.
    card_passages = SectionPassages(
        CachedEmbedder(
            assistant.embedder, local_cache(assistant.settings.index_dir, assistant.embedder)
        )
    )

    def run(item: GoldItem) -> ItemResult:
        started = time.perf_counter()
        answer = assistant.ask(item.question, list(item.history))
        latency = (time.perf_counter() - started) * 1000
        ranking = answer.retrieval.section_ids if answer.retrieval else []
        by_number = {c.number: c.section for c in answer.citations}
        cited = [(s, by_number[n]) for s, n in answer.sentences]
        sentences = [(s, section.text) for s, section in cited]
        blocks = {str(b["text"]): b for b in answer.blocks or []}
        grounded: int | None = sum(
            _supported(s, section, blocks.get(s), by_number, embedder, card_passages)
            for s, section in cited
        )
        if answer.draft is not None:
            # A drafted clause is the project's own template wording with placeholders, an
            # instruction to staff rather than a claim about the guidance: not counted.
            grounded = None
        body = answer.text.split("\n\n")
        lead_block = body[0] if body else ""
        return ItemResult(
            item,
            ranking,
            [c.section.id for c in answer.citations],
            answer.refused,
            " ".join(s for s, _ in answer.sentences),
            sentences,
            latency,
            grounded,
            answer.generation,
            text=answer.text,
            lead_text=lead_lines(answer.text),
            lead_sections=_cited_in(lead_block, answer),
            predicted_type=answer.answer_type,
            card=(answer.card or {}).get("id"),
            card_sections=_card_sections(answer),
            drafted=answer.draft is not None,
        )

    return run


def _supported(
    sentence: str,
    section: Any,
    block: dict[str, Any] | None,
    by_number: dict[int, Any],
    embedder: Any,
    card_passages: SectionPassages,
) -> bool:
    """Is one shown sentence backed by what it cites? A quote or generated sentence by its first
    cited section; a card sentence by its cited sections (one, or two taken together); a note
    about the digest by the digest's notes of its section (it is shown for "what does it not
    cover" questions, labelled as such)."""
    kind = (block or {}).get("kind")
    if kind == "note":
        return sentence in section.notes
    if kind == "short":
        sections = [by_number[n] for n in block.get("n", []) if n in by_number] or [section]
        return card_passages.supported(sentence, sections)
    return check_support(
        sentence, section.text, embedder, context=section_context(section)
    ).supported


def lead_lines(text: str) -> str:
    """What the reply leads with: its first line, and when a numbered list follows it, the list
    (a list question is answered by the whole list, which starts on the second line after the
    count line "The Guidance sets out seven principles.")."""
    lines = text.split("\n")
    lead = [lines[0]]
    for line in lines[1:]:
        if not re.match(r"\d+\. ", line):
            break
        lead.append(line)
    return "\n".join(lead)


def _cited_in(block: str, answer: Any) -> list[str]:
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", block)}
    return [c.section.id for c in answer.citations if c.number in numbers]


def _card_sections(answer: Any) -> list[str]:
    if not answer.card:
        return []
    return [c.section.id for c in answer.citations]


def llm_summary(results: list[ItemResult]) -> dict[str, Any]:
    """How the LLM path fared: answers shown as generated, fallbacks, and the model's own
    support rate (generated sentences that passed verification, before any were removed)."""
    runs = [r.generation for r in results if r.generation]
    written = sum(g.get("sentences_written", 0) for g in runs)
    kept = sum(g.get("sentences_kept", 0) for g in runs)
    statuses = [g.get("status") for g in runs]
    return {
        "model": runs[0].get("model", "") if runs else "",
        "asked": len(runs),
        "generated": statuses.count("generated"),
        "fallback": statuses.count("fallback"),
        "declined": statuses.count("declined"),
        "sentences_written": written,
        "sentences_verified": kept,
        "model_support_rate": kept / written if written else None,
        "fallback_reasons": sorted(
            {str(g.get("summary", "")) for g in runs if g.get("status") == "fallback"}
        )[:10],
    }


def grounding_gate_passed(report: dict[str, Any]) -> bool:
    rate = report.get("grounding_rate")
    return rate is not None and rate >= GROUNDING_GATE


def llm_report_line(report: dict[str, Any]) -> str:
    llm = report["llm"]
    support = llm["model_support_rate"]
    return (
        f"LLM {llm['model']}: {llm['generated']} answers generated, {llm['fallback']} fell back "
        f"to quotes, {llm['declined']} declined, of {llm['asked']} sent to the model; "
        f"{_fmt(support)} of generated sentences passed verification; grounding of shown "
        f"answers {_fmt(report.get('grounding_rate'))} "
        f"({'passes' if grounding_gate_passed(report) else 'FAILS'} the {GROUNDING_GATE} gate)"
    )


def ranking_system(rank: Callable[[str], list[str]], assistant: Assistant) -> System:
    """A retrieval-only baseline: it never refuses and 'answers' with its top section's text."""

    def run(item: GoldItem) -> ItemResult:
        started = time.perf_counter()
        ranking = _dedupe(rank(item.question))[:10]
        latency = (time.perf_counter() - started) * 1000
        lang = "en" if item.lang == "en" else "zh-Hant"
        top = assistant.snapshot.corpus.in_lang(ranking[0], lang) if ranking else None
        return ItemResult(
            item, ranking, ranking[:1], False, top.text if top else "", [], latency, None
        )

    return run


def _dedupe(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def baseline_systems(assistant: Assistant) -> tuple[dict[str, System], dict[str, str]]:
    """The baselines to run, and those left out for want of an optional dependency (why)."""
    retriever = assistant.retriever
    chunks = retriever.snapshot.chunks

    def bm25_only(question: str) -> list[str]:
        return [chunks[i].section_id for i, _ in retriever.bm25(question)]

    def dense_only(question: str) -> list[str]:
        vector = assistant.embedder.embed_queries([question])[0]
        by_id = {c.id: c.section_id for c in chunks}
        return [by_id[cid] for cid, _ in retriever.dense(vector)]

    systems = {
        "BM25 only (our tokeniser)": ranking_system(bm25_only, assistant),
        "dense only (same embedder)": ranking_system(dense_only, assistant),
    }
    skipped: dict[str, str] = {}
    try:
        systems[LLAMA_BM25] = ranking_system(_llama_index_bm25(assistant), assistant)
    except MissingExtra as exc:
        # The default install has no llama-index BM25 retriever: the other baselines still run.
        skipped[LLAMA_BM25] = str(exc)
    systems["quick demo (500-char chunks, dense)"] = ranking_system(
        _quick_demo(assistant), assistant
    )
    return systems, skipped


LLAMA_BM25 = "llama-index BM25Retriever (default tokeniser)"


def _llama_index_bm25(assistant: Assistant) -> Callable[[str], list[str]]:
    from llama_index.core.schema import TextNode

    BM25Retriever = require(
        "llama_index.retrievers.bm25", "dev", "the llama-index BM25 baseline"
    ).BM25Retriever

    # The same text our BM25 indexes (title and heading path included); only the tokeniser is
    # llama-index's default, which is what this baseline measures.
    nodes = [
        TextNode(id_=c.id, text=c.search_text, metadata={"section_id": c.section_id})
        for c in assistant.snapshot.chunks
    ]
    retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=20)

    def rank(question: str) -> list[str]:
        return [
            n.node.metadata["section_id"]
            for n in retriever.retrieve(question)
            if (n.score or 0) > 0
        ]

    return rank


def quick_demo_chunks(sections: list[Any], size: int = 500) -> tuple[list[str], list[str]]:
    """Whole documents cut every ``size`` characters, and the section each piece starts in."""
    texts: list[str] = []
    owners: list[str] = []
    by_doc: dict[tuple[str, str], list[Any]] = {}
    for section in sections:
        by_doc.setdefault((section.doc_id, section.lang), []).append(section)
    for doc_sections in by_doc.values():
        full = ""
        spans: list[tuple[int, str]] = []
        for section in doc_sections:
            spans.append((len(full), section.id))
            full += f"{section.heading}\n{section.text}\n\n"
        for start in range(0, len(full), size):
            texts.append(full[start : start + size])
            owners.append(max((s for s in spans if s[0] <= start), key=lambda s: s[0])[1])
    return texts, owners


def _quick_demo(assistant: Assistant, size: int = 500) -> Callable[[str], list[str]]:
    """What a quick RAG demo does: whole documents cut every 500 characters, dense top-k."""
    texts, owners = quick_demo_chunks(assistant.snapshot.sections, size)
    # Through the index's embedding cache (the bundled corpus's pieces are shipped with the
    # package, see `assistant corpus vectors`), so that the baseline does not embed them anew
    # on every run.
    cache = local_cache(assistant.settings.index_dir, assistant.embedder)
    cached = CachedEmbedder(assistant.embedder, cache)
    vectors = cached.embed_passages(texts)
    if cached.embedded:
        cache.save(keep=set(cache.hashes()))

    def rank(question: str) -> list[str]:
        query = assistant.embedder.embed_queries([question])[0]
        order = np.argsort(-(vectors @ query))[:20]
        return [owners[i] for i in order]

    return rank


# ---------------------------------------------------------------- metrics


def _mentions(entry: str, text: str) -> bool:
    folded = normalise(text)
    return any(alt.strip() and normalise(alt.strip()) in folded for alt in entry.split(" | "))


def _first_hit(result: ItemResult, k: int) -> int | None:
    for position, section_id in enumerate(result.ranking[:k], 1):
        if section_id in result.item.expected_sections:
            return position
    return None


def score(results: list[ItemResult]) -> dict[str, Any]:
    in_scope = [r for r in results if r.item.in_scope]
    out_scope = [r for r in results if not r.item.in_scope]
    metrics: dict[str, Any] = {"items": len(results)}
    if in_scope:
        hits1 = [_first_hit(r, 1) for r in in_scope]
        hits5 = [_first_hit(r, 5) for r in in_scope]
        ranks = [_first_hit(r, len(r.ranking)) for r in in_scope]
        metrics["hit_at_1"] = sum(h is not None for h in hits1) / len(in_scope)
        metrics["hit_at_5"] = sum(h is not None for h in hits5) / len(in_scope)
        metrics["mrr"] = sum(1 / r for r in ranks if r) / len(in_scope)
        # One relevant section suffices, so the ideal DCG is 1.
        metrics["ndcg_at_5"] = sum(1 / math.log2(h + 1) for h in hits5 if h) / len(in_scope)
        answered = [r for r in in_scope if not r.refused]
        cited = sum(len(r.cited) for r in answered)
        correct = sum(sum(1 for c in r.cited if c in r.item.expected_sections) for r in answered)
        metrics["citation_precision"] = correct / cited if cited else 0.0
        entries = [(e, r) for r in in_scope for e in r.item.must_mention]
        metrics["must_mention_recall"] = (
            sum(1 for e, r in entries if not r.refused and _mentions(e, r.answer_text))
            / len(entries)
            if entries
            else None
        )
        metrics["false_refusal_rate"] = sum(r.refused for r in in_scope) / len(in_scope)
    grounded = [r for r in results if r.grounded is not None and not r.refused]
    sentences = sum(len(r.sentences) for r in grounded)
    metrics["grounding_rate"] = (
        sum(r.grounded or 0 for r in grounded) / sentences if sentences else None
    )
    refused = [r for r in results if r.refused]
    metrics["refusal_recall"] = (
        sum(r.refused for r in out_scope) / len(out_scope) if out_scope else None
    )
    metrics["refusal_precision"] = (
        sum(1 for r in refused if not r.item.in_scope) / len(refused)
        if refused
        else (None if not out_scope else 0.0)
    )
    metrics.update(answer_quality(results))
    latencies = sorted(r.latency_ms for r in results)
    metrics["latency_p50_ms"] = statistics.median(latencies)
    metrics["latency_p95_ms"] = latencies[
        min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))
    ]
    return metrics


def answer_quality(results: list[ItemResult]) -> dict[str, Any]:
    """Does the reply answer? Lead accuracy, list completeness, drafts, both sides of a
    comparison, answer cards, noise sentences shown, question-type accuracy (answering systems
    only; None where a set has no such items)."""
    shown = [r for r in results if r.text is not None]
    if not shown:
        return {}
    answered = [r for r in shown if r.item.in_scope and not r.refused]
    out: dict[str, Any] = {}

    def rate(values: list[bool]) -> float | None:
        return sum(values) / len(values) if values else None

    out["lead_accuracy"] = rate(
        [
            all(_mentions(e, r.lead_text) for e in r.item.lead_must_mention)
            for r in shown
            if r.item.in_scope and r.item.lead_must_mention
        ]
    )
    lists = [r for r in shown if r.item.expected_items]
    out["list_completeness"] = (
        sum(
            sum(_mentions(e, r.text or "") for e in r.item.expected_items)
            / len(r.item.expected_items)
            for r in lists
        )
        / len(lists)
        if lists
        else None
    )
    out["draft_rate"] = rate([r.drafted for r in shown if r.item.answer_type == "draft"])
    out["both_sides_rate"] = rate(
        [len(set(r.lead_sections)) >= 2 for r in shown if r.item.answer_type == "comparison"]
    )
    carded = [r for r in answered if r.card]
    out["card_precision"] = (
        sum(bool(set(r.card_sections) & set(r.item.expected_sections)) for r in carded)
        / len(carded)
        if carded
        else None
    )
    out["card_coverage"] = rate([bool(r.card) for r in shown if r.item.in_scope])
    out["cards_on_out_of_scope"] = sum(1 for r in shown if not r.item.in_scope and r.card)
    out["noise_sentences"] = sum(noise_count(r) for r in shown if not r.refused)
    typed = [r for r in shown if r.item.answer_type and r.item.answer_type != "out_of_scope"]
    out["type_accuracy"] = rate([r.predicted_type == r.item.answer_type for r in typed])
    return out


def noise_count(result: ItemResult) -> int:
    """Shown sentences that should not be there: notes about the digest (unless the question
    asks what is not covered), fragments, dangling openers, raw section ids, repeats."""
    count = 0
    seen: set[str] = set()
    gap = bool(GAP_QUESTION_RE.search(result.item.question))
    for sentence, _ in result.sentences:
        folded = normalise(sentence)
        if folded in seen:
            count += 1
            continue
        seen.add(folded)
        problems = sentence_problems(sentence)
        if gap:
            problems = [p for p in problems if "note about the digest" not in p]
        count += bool(problems)
    text = result.text or ""
    body = text.split("\n\n" + text.rsplit("\n\n", 1)[-1])[0] if text else ""
    count += len(re.findall(r"`[a-z0-9-]+/[a-z0-9.\-]+`", body))
    return count


def breakdown(
    results: list[ItemResult], key: Callable[[GoldItem], str], values: tuple[str, ...]
) -> dict[str, Any]:
    return {
        v: score(subset) for v in values if (subset := [r for r in results if key(r.item) == v])
    }


# ---------------------------------------------------------------- the run


def run_eval(
    settings: Settings,
    gold_path: Path,
    with_baselines: bool = True,
    assistant: Assistant | None = None,
    llm: bool = False,
    split: str | None = None,
) -> dict[str, Any]:
    """Score the pipeline; ``llm`` scores the LLM path (which must be configured) instead of the
    extractive one, which is scored otherwise even when an LLM is configured. ``split`` keeps
    only the items of that split (``dev`` or ``test`` of the everyday set)."""
    items = load_gold(gold_path, split)
    # Evaluation questions are not user questions: they stay out of the audit log.
    settings = settings.replace(audit_log=False)
    if assistant is None:
        if llm and not llm_configured(settings):
            raise ValueError(
                "--llm needs an LLM: set ASSISTANT_LLM_BASE_URL (and ASSISTANT_LLM_MODEL), "
                "or ASSISTANT_LLM_MODEL to a local .gguf file"
            )
        assistant = Assistant(settings if llm else settings.replace(llm_base_url="", llm_model=""))
    assistant.answerer  # load the index before timing anything  # noqa: B018
    systems: dict[str, System] = {OURS: ours(assistant)}
    skipped: dict[str, str] = {}
    if with_baselines:
        baselines, skipped = baseline_systems(assistant)
        systems.update(baselines)
    report: dict[str, Any] = {
        "gold": str(gold_path) + (f" ({split})" if split else ""),
        "items": len(items),
        "index": assistant.snapshot.manifest,
    }
    if skipped:
        report["skipped_baselines"] = skipped
    all_results: dict[str, list[ItemResult]] = {}
    for name, system in systems.items():
        all_results[name] = [system(item) for item in items]
    main = all_results[OURS]
    report.update(score(main))
    report["by_lang"] = breakdown(main, lambda i: i.lang, LANGS)
    report["by_kind"] = breakdown(main, lambda i: i.kind, KINDS)
    report["baselines"] = {
        name: {**score(results), "by_lang": breakdown(results, lambda i: i.lang, LANGS)}
        for name, results in all_results.items()
        if name != OURS
    }
    if assistant.generator is not None:
        report["llm"] = llm_summary(main)
        report["grounding_gate"] = GROUNDING_GATE
    report["misses"] = [
        {
            "id": r.item.id,
            "question": r.item.question,
            "expected": list(r.item.expected_sections),
            "got": r.ranking[:3],
            "refused": r.refused,
        }
        for r in main
        if (r.item.in_scope and _first_hit(r, 5) is None) or (r.item.in_scope == r.refused)
    ]
    return report


# ---------------------------------------------------------------- report


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


# Every question set, as `assistant eval --all` runs them: (name, file, split).
EVAL_SETS = (
    ("gold", "evals/gold.jsonl", None),
    ("heldout", "evals/heldout.jsonl", None),
    ("everyday-dev", "evals/everyday.jsonl", "dev"),
    ("everyday-test", "evals/everyday.jsonl", "test"),
)


def run_all(
    settings: Settings, root: Path, with_baselines: bool = True, llm: bool = False
) -> dict[str, dict[str, Any]]:
    """One report per question set, over one loaded pipeline."""
    settings = settings.replace(audit_log=False)
    assistant = Assistant(settings if llm else settings.replace(llm_base_url="", llm_model=""))
    return {
        name: run_eval(
            settings, root / path, with_baselines, assistant=assistant, llm=llm, split=split
        )
        for name, path, split in EVAL_SETS
    }


SET_COLUMNS = [
    ("hit@1", "hit_at_1"),
    ("hit@5", "hit_at_5"),
    ("false refusal", "false_refusal_rate"),
    ("refusal rec.", "refusal_recall"),
    ("must-mention", "must_mention_recall"),
    ("lead acc.", "lead_accuracy"),
    ("list compl.", "list_completeness"),
    ("both sides", "both_sides_rate"),
    ("drafts", "draft_rate"),
    ("card prec.", "card_precision"),
    ("card cov.", "card_coverage"),
    ("noise", "noise_sentences"),
    ("type acc.", "type_accuracy"),
    ("cit. prec.", "citation_precision"),
    ("grounding", "grounding_rate"),
]  # no timings: those come from `assistant bench` on a quiet machine


def sets_table(reports: dict[str, dict[str, Any]]) -> str:
    """Every set, all languages then each language, in one table; the best baseline's hit@5."""
    rows = []
    for name, report in reports.items():
        baselines = report.get("baselines", {})
        for lang, metrics in [("all", report), *report["by_lang"].items()]:
            best = max(
                (
                    (b["by_lang"].get(lang, {}) if lang != "all" else b).get("hit_at_5") or 0.0
                    for b in baselines.values()
                ),
                default=None,
            )
            rows.append(
                [name, lang, str(metrics["items"])]
                + [_fmt(metrics.get(key)) for _, key in SET_COLUMNS]
                + [_fmt(best)]
            )
    return _table(
        ["set", "lang", "items"] + [label for label, _ in SET_COLUMNS] + ["best baseline hit@5"],
        rows,
    ) + skipped_note(reports.values())


def skipped_note(reports: Any) -> str:
    """A line under a table for each baseline that could not run, saying what to install."""
    skipped: dict[str, str] = {}
    for report in reports:
        skipped.update(report.get("skipped_baselines", {}))
    return "".join(f"\n\nNot run: {name}. {why}" for name, why in skipped.items())


HEADLINE = [
    ("hit@1", "hit_at_1"),
    ("hit@5", "hit_at_5"),
    ("MRR", "mrr"),
    ("nDCG@5", "ndcg_at_5"),
    ("cit. prec.", "citation_precision"),
    ("must-mention", "must_mention_recall"),
    ("grounding", "grounding_rate"),
    ("refusal rec.", "refusal_recall"),
    ("refusal prec.", "refusal_precision"),
    ("false refusal", "false_refusal_rate"),
    ("p50 ms", "latency_p50_ms"),
    ("p95 ms", "latency_p95_ms"),
]


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def headline_table(report: dict[str, Any]) -> str:
    systems = {OURS: report, **report.get("baselines", {})}
    rows = [
        [name] + [_fmt(metrics.get(key)) for _, key in HEADLINE]
        for name, metrics in systems.items()
    ]
    return _table(["system"] + [label for label, _ in HEADLINE], rows) + skipped_note([report])


def render_markdown(report: dict[str, Any]) -> str:
    parts = [
        "# Evaluation report",
        "",
        f"Gold set `{report['gold']}`: {report['items']} items. Index: {report['index'].get('chunks')} chunks, "
        f"embedder `{report['index'].get('embedder')}`, corpus `{report['index'].get('corpus_hash')}`.",
        "Retrieval metrics count any expected section as a hit; answer metrics apply to the systems that write "
        "answers (baselines never refuse and answer with their top section).",
        "",
        "## All systems",
        "",
        headline_table(report),
        "",
        "## Ours by language",
        "",
        _table(
            ["lang", "items"] + [label for label, _ in HEADLINE],
            [
                [lang, str(m["items"])] + [_fmt(m.get(k)) for _, k in HEADLINE]
                for lang, m in report["by_lang"].items()
            ],
        ),
        "",
        "## Ours by kind",
        "",
        _table(
            ["kind", "items"] + [label for label, _ in HEADLINE],
            [
                [kind, str(m["items"])] + [_fmt(m.get(k)) for _, k in HEADLINE]
                for kind, m in report["by_kind"].items()
            ],
        ),
        "",
        "## hit@5 per language, all systems",
        "",
    ]
    systems = {OURS: report, **report.get("baselines", {})}
    parts.append(
        _table(
            ["system", *LANGS],
            [
                [name] + [_fmt(m["by_lang"].get(lang, {}).get("hit_at_5")) for lang in LANGS]
                for name, m in systems.items()
            ],
        )
    )
    if "llm" in report:
        parts += ["", "## LLM path", "", llm_report_line(report)]
        parts += [f"- fallback: {reason}" for reason in report["llm"]["fallback_reasons"]]
    parts += ["", f"## Misses of ours ({len(report['misses'])})", ""]
    parts += [
        f"- `{m['id']}` {m['question']} — expected {', '.join(m['expected']) or 'refusal'}; "
        f"got {', '.join(m['got']) or '—'}{' (refused)' if m['refused'] else ''}"
        for m in report["misses"]
    ]
    return "\n".join(parts) + "\n"


def render_chart(report: dict[str, Any], path: Path) -> None:
    matplotlib = require("matplotlib", "dev", "the evaluation chart")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = {OURS: report, **report.get("baselines", {})}
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(systems)
    for axis, metric, title in ((axes[0], "hit_at_1", "hit@1"), (axes[1], "hit_at_5", "hit@5")):
        for i, (name, metrics) in enumerate(systems.items()):
            values = [metrics["by_lang"].get(lang, {}).get(metric) or 0 for lang in LANGS]
            axis.bar(np.arange(len(LANGS)) + i * width, values, width, label=name)
        axis.set_xticks(np.arange(len(LANGS)) + width * (len(systems) - 1) / 2, LANGS)
        axis.set_ylim(0, 1)
        axis.set_title(f"Section {title} by question language")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
