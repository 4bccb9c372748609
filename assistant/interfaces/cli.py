"""`assistant` command line: index, ask, chat, corpus, and more as the product grows."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.settings import Settings

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _offline_environment() -> None:
    # Nothing may reach the internet at run time (see README: offline by default).
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


def _fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _known_errors() -> tuple[type[BaseException], ...]:
    from assistant.corpus.documents import CorpusError
    from assistant.devtools.evaluate import GoldError
    from assistant.extras import MissingExtra
    from assistant.index.embeddings import EmbedderError
    from assistant.index.snapshot import IndexCorrupt, IndexMismatch, IndexMissing
    from assistant.index.store import StoreUnavailable
    from assistant.safety.access import AccessError
    from assistant.safety.audit import AuditError
    from assistant.safety.database import DatabaseConfigError, DatabaseUnavailable
    from assistant.safety.feedback import FeedbackUnavailable

    return (
        AccessError,
        AuditError,
        DatabaseConfigError,
        DatabaseUnavailable,
        FeedbackUnavailable,
        CorpusError,
        EmbedderError,
        GoldError,
        IndexCorrupt,
        IndexMismatch,
        IndexMissing,
        MissingExtra,
        StoreUnavailable,
    )


def _progress_printer() -> Callable[[str, int, int], None]:
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if total <= 1 and stage not in bars:
            print(f"{stage}…", file=sys.stderr)
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="text", file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.retrieval.indexing import build_index

    report = build_index(
        settings, rebuild=args.rebuild, skip_broken=args.skip_broken, progress=_progress_printer()
    )
    if report.status == "up-to-date":
        print(
            f"index is up to date ({report.chunks} chunks, corpus {report.corpus_hash}); nothing to do"
        )
    else:
        print(
            f"index built: {report.chunks} chunks, {report.sentences} sentences; "
            f"embedded {report.embedded}, reused {report.reused} from cache; {report.seconds:.1f} s "
            f"-> {settings.index_dir / report.generation}"
        )
    return 0


def _print_answer(answer: Any) -> None:
    print(answer.text)
    if answer.warnings:
        for warning in answer.warnings:
            print(f"\n! {warning['message']}")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.pipeline import Assistant

    question = " ".join(args.question)
    if question == "-":
        question = sys.stdin.read()
    answer = Assistant(settings, interface="cli").ask(question)
    if args.json:
        print(json.dumps(answer.to_json(trace=args.trace), ensure_ascii=False))
    else:
        _print_answer(answer)
        if args.trace:
            print(json.dumps(answer.to_json(trace=True)["trace"], ensure_ascii=False, indent=1))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.pipeline import Assistant
    from assistant.safety.validation import QuestionError

    assistant = Assistant(settings, interface="cli")
    assistant.answerer  # load the index before the first prompt  # noqa: B018
    print("Ask about the PCPD's AI guidance in English or 中文. Empty line or Ctrl-D to quit.")
    history: list[str] = []
    while True:
        try:
            question = input("\n? ")
        except EOFError:
            print()
            return 0
        if not question.strip():
            return 0
        try:
            answer = assistant.ask(question, history)
        except QuestionError as exc:
            print(f"error: {exc}")
            continue
        _print_answer(answer)
        history.append(answer.question)  # redacted: the raw text is kept nowhere


def cmd_corpus_check(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.answer.cards import verify_cards
    from assistant.corpus.cards import load_cards
    from assistant.corpus.documents import CorpusError, check_corpus, load_corpus

    problems = check_corpus(settings.corpus_dir, require_canonical=not args.no_canonical)
    if not problems:
        # Answer cards are held to the verifier's standard against the sections they cite.
        try:
            cards = load_cards(settings.corpus_dir)
            if cards:
                problems += verify_cards(
                    cards, load_corpus(settings.corpus_dir), _cached_embedder(settings)
                )
        except CorpusError as exc:
            problems.append(str(exc))
    if problems:
        print(f"{len(problems)} problem(s) in {settings.corpus_dir}:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_FAILURE
    corpus = load_corpus(settings.corpus_dir)
    by_doc: dict[str, dict[str, int]] = {}
    for s in corpus.sections:
        by_doc.setdefault(s.doc_id, {"en": 0, "zh-Hant": 0})[s.lang] += 1
    cards = load_cards(settings.corpus_dir)
    print(
        f"corpus OK: {len(corpus.section_ids())} sections in {len(by_doc)} documents, "
        f"{len(cards)} answer cards verified"
    )
    for doc_id, counts in sorted(by_doc.items()):
        print(f"  {doc_id:22} en {counts['en']:3}  zh-Hant {counts['zh-Hant']:3}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from assistant.answer.llm.config import llm_configured
    from assistant.devtools.evaluate import (
        grounding_gate_passed,
        headline_table,
        llm_report_line,
        render_chart,
        render_markdown,
        run_all,
        run_eval,
        sets_table,
    )
    from assistant.extras import MissingExtra

    if args.llm and not llm_configured(settings):
        return _fail(
            "--llm needs an LLM: set ASSISTANT_LLM_BASE_URL and ASSISTANT_LLM_MODEL "
            "(or ASSISTANT_LLM_MODEL to a local .gguf file)",
            EXIT_USAGE,
        )
    if args.all:
        reports = run_all(settings, Path.cwd(), with_baselines=not args.no_baselines, llm=args.llm)
        if args.json:
            print(
                json.dumps(
                    {n: {k: v for k, v in r.items() if k != "index"} for n, r in reports.items()},
                    ensure_ascii=False,
                )
            )
        else:
            print(sets_table(reports))
        if args.report:
            out = Path(args.report)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(
                "# Evaluation: every question set\n\n" + sets_table(reports) + "\n", "utf-8"
            )
            print(f"report written to {out}", file=sys.stderr)
        return 0
    report = run_eval(
        settings,
        Path(args.gold),
        with_baselines=not args.no_baselines,
        llm=args.llm,
        split=args.split,
    )
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "index"}, ensure_ascii=False))
    else:
        print(headline_table(report))
    gate_failed = args.llm and not grounding_gate_passed(report)
    if args.llm:
        print(llm_report_line(report), file=sys.stderr)
    if args.report:
        out = Path(args.report)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_markdown(report), "utf-8")
        if not args.no_baselines:
            try:
                render_chart(report, out.with_suffix(".png"))
            except MissingExtra as exc:  # the report is written; only its chart is left out
                print(f"note: no chart: {exc}", file=sys.stderr)
        print(f"report written to {out}", file=sys.stderr)
    return EXIT_FAILURE if gate_failed else 0


def cmd_corpus_cards(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.answer.cards import current_hashes, verify_cards
    from assistant.corpus.cards import load_cards, write_reviewed
    from assistant.corpus.documents import load_corpus

    corpus = load_corpus(settings.corpus_dir)
    cards = load_cards(settings.corpus_dir)
    problems = [
        p
        for p in verify_cards(cards, corpus, _cached_embedder(settings))
        if "changed since" not in p
    ]
    if problems:
        print(f"{len(problems)} card problem(s); nothing was refreshed:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_FAILURE
    stale = [c for c in cards if c.reviewed != current_hashes(c, corpus)]
    if not args.refresh:
        print(f"{len(cards)} cards verified; {len(stale)} need their section hashes refreshed")
        return EXIT_FAILURE if stale else 0
    changed = write_reviewed(settings.corpus_dir, {c.id: current_hashes(c, corpus) for c in stale})
    print(f"{len(cards)} cards verified; refreshed the hashes of {changed}")
    return 0


def _cached_embedder(settings: Settings) -> Any:
    """The configured embedder, answering from the index's cache and the shipped vectors first
    (verifying the cards embeds every sentence of the sections they cite)."""
    from assistant.index.cache import CachedEmbedder, local_cache
    from assistant.index.embeddings import make_embedder

    embedder = make_embedder(settings)
    return CachedEmbedder(embedder, local_cache(settings.index_dir, embedder))


def cmd_corpus_vectors(args: argparse.Namespace, settings: Settings) -> int:
    """Refresh the shipped vectors of the bundled corpus (run in the repository after a corpus,
    card or calibration change, and commit the file with the change)."""
    from assistant.answer.cards import verify_cards
    from assistant.corpus.cards import load_cards
    from assistant.corpus.documents import load_corpus
    from assistant.index.cache import (
        CachedEmbedder,
        EmbeddingCache,
        cache_path,
        local_cache,
        write_bundled_vectors,
    )
    from assistant.index.embeddings import make_embedder
    from assistant.retrieval.indexing import build_index

    embedder = make_embedder(settings)
    build_index(settings, embedder=embedder)
    # What the build kept is exactly this corpus's texts and calibration questions; the old
    # shipped file is not read for the key set, so texts that left the corpus leave it too.
    built = EmbeddingCache(cache_path(settings.index_dir, embedder.name), embedder.dim)
    cache = local_cache(settings.index_dir, embedder)
    # The card sentences and the section sentences as the card check splits them.
    cached = CachedEmbedder(embedder, cache)
    verify_cards(load_cards(settings.corpus_dir), load_corpus(settings.corpus_dir), cached)
    # The pieces of the evaluation's quick-demo baseline, so that `assistant eval` embeds
    # nothing of the bundled corpus either.
    from assistant.devtools.evaluate import quick_demo_chunks

    demo_texts, _ = quick_demo_chunks(load_corpus(settings.corpus_dir).sections)
    cached.embed_passages(demo_texts)
    keys = set(built.hashes()) | cached.used
    path = write_bundled_vectors(cache, keys, embedder.name)
    print(f"{len(keys)} vectors written to {path}")
    return 0


def cmd_corpus_add(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.corpus.official import IngestError, add_path

    try:
        result = add_path(
            args.path,
            settings.corpus_dir,
            doc_id=args.doc_id,
            lang=args.lang,
            edition=args.edition,
            max_pages=args.max_pages,
        )
    except IngestError as exc:
        return _fail(f"{exc}; the corpus was left as it was")
    for report in result.added:
        print("\n".join(report.summary_lines()))
    for path in result.skipped:
        print(f"skipped {path.name}: not a PDF, DOCX or HTML file")
    for _path, message in result.failed:
        print(f"error: {message}; this file was not added", file=sys.stderr)
    if result.added:
        print("run `assistant index` to use the added text")
    return EXIT_FAILURE if result.failed else 0


# (flag, DraftRequest field, help) for `assistant draft`; lists take several values or commas.
_DRAFT_LISTS = (
    ("--tools", "public_tools", "Gen AI tools staff may use; mark in-house ones internal:NAME"),
    ("--internal-tools", "internal_tools", "in-house Gen AI tools"),
    ("--uses", "uses", "permitted uses: drafting, summarising, text, audio, visual or your words"),
    ("--applies-to", "applies_to", "'whole organisation', or departments, ranks, roles"),
    ("--allowed-input", "allowed_input", "information that may be entered, e.g. public_info"),
    ("--prohibited-input", "prohibited_input", "information never to be entered, e.g. hkid"),
    ("--output-use", "output_use", "what AI output may be used for"),
    ("--devices", "devices", "devices allowed to reach the tools"),
    ("--users", "users", "employees allowed to use the tools"),
    ("--security-settings", "security_settings", "settings staff must keep (default: standard)"),
    ("--related-policies", "related_policies", "other internal policies this one sits with"),
)
_DRAFT_TEXTS = (
    ("--output-storage", "output_storage", "where AI output is stored"),
    ("--retention", "retention", "how long AI output may be kept, e.g. '90 days'"),
    ("--incident-contact", "incident_contact", "who receives AI incident reports"),
    ("--violations", "violations", "consequences of breaching the policy"),
    ("--labelling", "labelling", "when and how AI output is labelled or watermarked"),
    ("--support-contact", "support_contact", "team or officer supporting staff"),
    ("--review-period", "review_period", "how often the policy is reviewed"),
)
_DRAFT_SWITCHES = (
    ("--anonymise", "anonymise", "anonymise personal data in AI output before further use"),
    ("--mfa", "mfa", "require multi-factor authentication"),
    ("--human-review", "human_review", "require human review of AI output"),
)


class _OneLineErrors(argparse.ArgumentParser):
    """Bad options as one line and exit code 2. Unknown options are caught here too, since
    argparse would otherwise pass them up to the main parser, which prints the whole usage."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def _add_draft_parser(sub: Any) -> None:
    p = sub.add_parser("draft", help="draft a Gen AI policy or clause from the PCPD Checklist")
    p.__class__ = _OneLineErrors  # add_parser cannot choose the class of one subcommand
    p.add_argument("--org", default="", help="organisation name (needed for a whole policy)")
    p.add_argument("--lang", choices=["en", "zh-Hant"], help="default en (a request: its own)")
    for flag, dest, text in _DRAFT_LISTS:
        p.add_argument(flag, dest=dest, nargs="+", action="extend", metavar="VALUE", help=text)
    for flag, dest, text in _DRAFT_TEXTS:
        p.add_argument(flag, dest=dest, default="", metavar="TEXT", help=text)
    for flag, dest, text in _DRAFT_SWITCHES:
        p.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, help=text)
    p.add_argument(
        "--input-internal-only",
        action="store_true",
        help="non-public information may go only into in-house tools",
    )
    p.add_argument("--request", help="draft one clause from a request in words instead")
    p.add_argument("--format", choices=["md", "docx", "json"], default="md", help="default md")
    p.add_argument("--out", metavar="FILE", help="write to FILE (required for docx)")
    p.add_argument(
        "--polish",
        action="store_true",
        help="let the configured LLM reword each clause; a rewording that loses or adds "
        "anything is discarded",
    )
    p.set_defaults(func=cmd_draft)


def cmd_draft(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.answer.llm.answerer import clause_rewriter
    from assistant.answer.llm.config import llm_configured
    from assistant.corpus.documents import load_corpus
    from assistant.drafting import (
        DraftError,
        DraftRequest,
        draft_clause,
        draft_policy,
        polish_draft,
    )
    from assistant.pipeline import LazyIndexSearch

    if args.format == "docx" and not args.out:
        return _fail("--format docx needs --out FILE", EXIT_USAGE)
    if args.polish and not llm_configured(settings):
        return _fail(
            "--polish needs an LLM: set ASSISTANT_LLM_BASE_URL (and ASSISTANT_LLM_MODEL)",
            EXIT_USAGE,
        )
    if not args.org.strip() and not args.request:
        return _fail('give --org NAME for a policy, or --request "..." for one clause', EXIT_USAGE)
    names = [d for _, d, _ in _DRAFT_LISTS + _DRAFT_TEXTS + _DRAFT_SWITCHES]
    values = {name: getattr(args, name) for name in names}
    try:
        request = DraftRequest(
            org=args.org,
            lang=args.lang or "en",
            input_internal_only=args.input_internal_only,
            **values,
        )
        corpus = load_corpus(settings.corpus_dir)
        if args.request:
            retriever = LazyIndexSearch(settings)
            draft = draft_clause(
                args.request, corpus, lang=args.lang, base=request, retriever=retriever
            )
        else:
            draft = draft_policy(request, corpus)
    except DraftError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.polish:
        draft = polish_draft(draft, clause_rewriter(settings))
        print(_polish_summary(draft.polish_log), file=sys.stderr)
    try:
        if args.format == "docx":
            draft.to_docx(args.out)
        else:
            text = (
                draft.to_markdown()
                if args.format == "md"
                else json.dumps(draft.to_json(), ensure_ascii=False, indent=1) + "\n"
            )
            if not args.out:
                sys.stdout.write(text)
                return 0
            Path(args.out).write_text(text, "utf-8")
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"draft written to {args.out}", file=sys.stderr)
    return 0


def _polish_summary(log: list[dict[str, Any]]) -> str:
    kept = [entry for entry in log if not entry["accepted"]]
    lines = [f"polish: {len(log) - len(kept)} of {len(log)} clauses reworded by the LLM"]
    lines += [f"  clause {e['clause']} kept as drafted: {'; '.join(e['problems'])}" for e in kept]
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.index.snapshot import current_generation

    # Serving never builds: a missing index is a setup step the operator must take.
    if current_generation(settings.index_dir) is None:
        return _fail(
            f"no index in {settings.index_dir}: run `assistant index` first, then `assistant serve`"
        )
    import threading

    from assistant.pipeline import Assistant

    # The index loads while gradio is imported (about two seconds): a first answer sooner.
    assistant = Assistant(settings)
    failure: list[BaseException] = []

    def load() -> None:
        try:
            assistant.answerer  # noqa: B018
        except BaseException as exc:  # reported by the main thread, as if loaded there
            failure.append(exc)

    loading = threading.Thread(target=load, name="index-load", daemon=True)
    loading.start()
    from assistant.interfaces.web.app import serve

    loading.join()
    if failure:
        raise failure[0]
    try:
        return serve(settings, args.host, args.port, assistant=assistant)
    except OSError as exc:
        host, port = args.host or settings.host, args.port or settings.port
        return _fail(f"cannot serve on {host}:{port} ({exc}): choose another --port")


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.safety.access import add_user, check_username

    path = args.file or settings.auth_file
    if not path:
        return _fail("no users file: pass --file or set ASSISTANT_AUTH_FILE", EXIT_USAGE)
    check_username(args.name)
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            return _fail("the passwords differ; nothing was changed", EXIT_USAGE)
    else:
        # Piped input: the first line is the password (never a command-line argument, which
        # other users of the machine could see in the process list).
        password = sys.stdin.readline().rstrip("\r\n")
    new = add_user(Path(path).expanduser(), args.name, password)
    print(f"{'added' if new else 'changed the password of'} {args.name} in {path}")
    return 0


def cmd_feedback_export(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.safety.feedback import FeedbackStore, export_candidates
    from assistant.safety.files import create_private

    store = FeedbackStore.for_settings(settings)
    if not args.out:
        count = export_candidates(store, sys.stdout)
        print(f"{count} candidate gold item(s) exported", file=sys.stderr)
        return 0
    out = Path(args.out)
    try:
        # The questions in an export are as private as the database they come from.
        with create_private(out).open("w", encoding="utf-8") as stream:
            count = export_candidates(store, stream)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}")
    print(f"{count} candidate gold item(s) written to {out}", file=sys.stderr)
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from assistant.devtools.bench import render_markdown, run_bench
    from assistant.extras import require

    # Checked before minutes of timing, not when the plot is drawn at the end.
    require("matplotlib", "dev", "`assistant bench` (its plot)")

    scales = tuple(int(s) for s in args.scales.split(","))
    results = run_bench(
        settings, Path(args.out), scales=scales, per_lang=args.questions, repeats=args.repeats
    )
    print(render_markdown(results))
    return 0


def cmd_audit_export(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.safety.audit import AuditLog, parse_since
    from assistant.safety.files import create_private

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    log = AuditLog.for_settings(settings)
    if not args.out:
        count = log.export(sys.stdout, since)
        print(f"{count} audit record(s) exported", file=sys.stderr)
        return 0
    out = Path(args.out)
    try:
        # The questions in an export are as private as the database they come from.
        with create_private(out).open("w", encoding="utf-8") as stream:
            count = log.export(stream, since)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror or exc}")
    print(f"{count} audit record(s) written to {out}", file=sys.stderr)
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.safety.audit import AuditLog
    from assistant.safety.database import DatabaseUnavailable
    from assistant.safety.feedback import FeedbackStore

    # Also done on first use; run it before starting replicas so that they never wait for it.
    for branch, db in (
        ("audit", AuditLog.for_settings(settings).db),
        ("feedback", FeedbackStore.for_settings(settings).db),
    ):
        try:
            revision = db.migrate(branch)
        except DatabaseUnavailable as exc:
            return _fail(
                f"cannot migrate {db.shown} ({exc}): check that the database is running and "
                "ASSISTANT_DATABASE_URL"
            )
        print(f"{branch}: {db.shown} at revision {revision}")
    return 0


def cmd_loadtest(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.devtools.loadtest import TARGETS, render_markdown, render_table, run_loadtest

    if args.clients < 1 or args.requests < 1:
        return _fail("--clients and --requests must be at least 1", EXIT_USAGE)
    targets = TARGETS if args.api == "both" else (args.api,)
    reports = run_loadtest(
        settings, args.url, clients=args.clients, requests=args.requests, targets=targets
    )
    print("\n\n".join(render_table(report) for report in reports))
    if args.report:
        out = Path(args.report)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_markdown(reports), "utf-8")
    return 0 if all(report.ok for report in reports) else EXIT_FAILURE


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    for name, value, default in settings.describe():
        print(f"{name:34} {value}" + ("" if value == default else f"   (default {default})"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the search index from the corpus")
    p.add_argument(
        "--rebuild", action="store_true", help="re-embed everything and rebuild from scratch"
    )
    p.add_argument(
        "--skip-broken",
        action="store_true",
        help="index the readable files even if some are broken",
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", nargs="+", help="the question ('-' reads it from standard input)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--trace", action="store_true", help="include retrieval scores and the refusal decision"
    )
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="interactive chat in the terminal")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("corpus", help="corpus tools")
    corpus_sub = p.add_subparsers(dest="corpus_command", required=True)
    c = corpus_sub.add_parser("check", help="validate the corpus")
    c.add_argument(
        "--no-canonical", action="store_true", help="do not require every fact-sheet section"
    )
    c.set_defaults(func=cmd_corpus_check)
    c = corpus_sub.add_parser(
        "cards",
        help="answer cards: --refresh records the cited sections' hashes after verifying them",
    )
    c.add_argument(
        "--refresh",
        action="store_true",
        help="after you reviewed the cards: verify them and record their sections' current hashes",
    )
    c.set_defaults(func=cmd_corpus_cards)
    c = corpus_sub.add_parser(
        "vectors",
        help="refresh the vectors shipped for the bundled corpus (commit them with a corpus change)",
    )
    c.set_defaults(func=cmd_corpus_vectors)
    c = corpus_sub.add_parser(
        "add", help="add an official PDF, DOCX or HTML publication (or a folder of them)"
    )
    c.add_argument("path", type=Path, help="the file or folder to add")
    c.add_argument("--doc-id", help="document id, e.g. framework-2024 (guessed from the title)")
    c.add_argument("--lang", choices=["en", "zh-Hant"], help="language (detected from the text)")
    c.add_argument("--edition", help="edition date YYYY-MM-DD (found on the first pages)")
    c.add_argument("--max-pages", type=int, default=500, help="refuse longer files (default 500)")
    c.set_defaults(func=cmd_corpus_add)

    p = sub.add_parser("eval", help="score the pipeline and baselines on a gold set")
    p.add_argument(
        "--gold", default="evals/gold.jsonl", help="gold set in JSONL (default evals/gold.jsonl)"
    )
    p.add_argument("--split", choices=("dev", "test"), help="only the items of this split")
    p.add_argument(
        "--all",
        action="store_true",
        help="every set (gold, heldout, everyday dev and test) in one table, by language",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object with the figures")
    p.add_argument("--no-baselines", action="store_true", help="score only this pipeline")
    p.add_argument(
        "--llm",
        action="store_true",
        help="score the LLM path (ASSISTANT_LLM_*); fails if its grounding is below the gate",
    )
    p.add_argument(
        "--report", metavar="FILE", help="also write a Markdown report (and a PNG chart beside it)"
    )
    p.set_defaults(func=cmd_eval)

    _add_draft_parser(sub)

    p = sub.add_parser("serve", help="serve the web UI (the index must be built first)")
    p.add_argument("--host", help="address to listen on (default ASSISTANT_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default ASSISTANT_PORT, 7860)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("feedback", help="feedback given in the web UI")
    feedback_sub = p.add_subparsers(dest="feedback_command", required=True)
    f = feedback_sub.add_parser("export", help="write the ratings as candidate gold items (JSONL)")
    f.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    f.set_defaults(func=cmd_feedback_export)

    p = sub.add_parser(
        "bench", help="measure speed, memory and scaling; writes evals/bench.md and .png"
    )
    p.add_argument(
        "--scales", default="1,10,100", help="corpus multiples to measure (default 1,10,100)"
    )
    p.add_argument("--questions", type=int, default=15, help="questions per language")
    p.add_argument("--repeats", type=int, default=3, help="timed passes over the questions")
    p.add_argument("--out", default="evals", help="folder for bench.md, bench.json and bench.png")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("audit", help="the audit log of answers")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    a = audit_sub.add_parser("export", help="write the audit records as JSON lines")
    a.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    a.add_argument("--since", metavar="DATE", help="only records from DATE (YYYY-MM-DD, UTC) on")
    a.set_defaults(func=cmd_audit_export)

    p = sub.add_parser("db", help="the database of the audit log and feedback")
    db_sub = p.add_subparsers(dest="db_command", required=True)
    d = db_sub.add_parser("upgrade", help="migrate its tables to this version (keeps every record)")
    d.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser(
        "loadtest", help="drive concurrent clients through /api/v1/ask and /ask, report latencies"
    )
    p.add_argument("--clients", type=int, default=50, help="concurrent sessions (default 50)")
    p.add_argument("--requests", type=int, default=5, help="questions per session (default 5)")
    p.add_argument("--url", help="a running app (default: start one here on a free port)")
    p.add_argument(
        "--api", choices=("rest", "gradio", "both"), default="both", help="which API to drive"
    )
    p.add_argument("--report", metavar="FILE", help="also write the figures as a Markdown table")
    p.set_defaults(func=cmd_loadtest)

    p = sub.add_parser("users", help="web app logins (the file named by ASSISTANT_AUTH_FILE)")
    users_sub = p.add_subparsers(dest="users_command", required=True)
    u = users_sub.add_parser("add", help="add a user or change a password (read from the terminal)")
    u.add_argument("name", help="user name")
    u.add_argument("--file", help="users file (default ASSISTANT_AUTH_FILE)")
    u.set_defaults(func=cmd_users_add)

    p = sub.add_parser("config", help="show the settings and their environment variables")
    p.set_defaults(func=cmd_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    _offline_environment()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    from assistant.safety.validation import QuestionError

    try:
        return int(args.func(args, settings))
    except QuestionError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except _known_errors() as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted; the index in use was left as it was", 130)


if __name__ == "__main__":
    sys.exit(main())
