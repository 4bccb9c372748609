"""`assistant` command line: index, ask, chat, corpus, and more as the product grows."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
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
    from assistant.corpus import CorpusError
    from assistant.embeddings import EmbedderError
    from assistant.index import IndexCorrupt, IndexMismatch, IndexMissing
    from assistant.store import StoreUnavailable

    return (CorpusError, EmbedderError, IndexCorrupt, IndexMismatch, IndexMissing, StoreUnavailable)


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
    from assistant.index import build_index

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
    answer = Assistant(settings).ask(question)
    if args.json:
        print(json.dumps(answer.to_json(trace=args.trace), ensure_ascii=False))
    else:
        _print_answer(answer)
        if args.trace:
            print(json.dumps(answer.to_json(trace=True)["trace"], ensure_ascii=False, indent=1))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.pipeline import Assistant, QuestionError

    assistant = Assistant(settings)
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
        history.append(question)


def cmd_corpus_check(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.corpus import check_corpus, load_corpus

    problems = check_corpus(settings.corpus_dir, require_canonical=not args.no_canonical)
    if problems:
        print(f"{len(problems)} problem(s) in {settings.corpus_dir}:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_FAILURE
    corpus = load_corpus(settings.corpus_dir)
    by_doc: dict[str, dict[str, int]] = {}
    for s in corpus.sections:
        by_doc.setdefault(s.doc_id, {"en": 0, "zh-Hant": 0})[s.lang] += 1
    print(f"corpus OK: {len(corpus.section_ids())} sections in {len(by_doc)} documents")
    for doc_id, counts in sorted(by_doc.items()):
        print(f"  {doc_id:22} en {counts['en']:3}  zh-Hant {counts['zh-Hant']:3}")
    return 0


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
    from assistant.pipeline import QuestionError

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
