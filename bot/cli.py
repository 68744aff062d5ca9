"""The command line: ask, check-corpus, and the bot itself (run).

Plain text for people, ``--json`` for tools. Exit codes: 0 answered, 1 nothing found
(or a corpus with errors), 2 a bad question or bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.corpus import load_corpus
from bot.evaluate import (
    DEFAULT_QUESTIONS,
    EvalSetError,
    check_against_corpus,
    evaluate,
    load_eval_set,
)
from bot.models import META_FIELDS, Hit
from bot.service import DEFAULT_TOP, BadQuestion, Service

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
NO_MATCH = "No passage matches: the corpus does not speak about that."


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and 100")
    return number


def _corpus_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", type=Path, default=None, metavar="DIR",
        help="corpus directory (default: CORPUS_DIR, else ./corpus)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="European Parliament resolutions: cited answers from the corpus.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="run the Telegram bot (the default without a command)")

    ask = sub.add_parser("ask", help="print the passages that answer a question")
    ask.add_argument("question")
    ask.add_argument("--top", type=_positive, default=DEFAULT_TOP, metavar="N")
    ask.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _corpus_option(ask)

    check = sub.add_parser("check-corpus", help="validate a corpus directory")
    check.add_argument("directory", nargs="?", type=Path, default=None, metavar="DIR")

    evaluation = sub.add_parser("eval", help="measure ranking quality (MRR@5, recall@3)")
    evaluation.add_argument(
        "--questions", type=Path, default=DEFAULT_QUESTIONS, metavar="FILE",
        help=f"evaluation set (default: {DEFAULT_QUESTIONS})",
    )
    evaluation.add_argument("--details", action="store_true", help="list the questions missed")
    _corpus_option(evaluation)
    return parser


def default_corpus_dir() -> Path:
    # Imported here so that ``ask --corpus`` works even with a broken .env.
    from bot.config import Settings

    return Settings().corpus_dir


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    service = Service(args.corpus or default_corpus_dir())
    try:
        answer = service.ask(args.question, top=args.top)
    except BadQuestion as exc:
        if args.json:
            json.dump({"query": args.question, "error": str(exc), "hits": []}, out, ensure_ascii=False)
            out.write("\n")
        else:
            print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        json.dump(answer.as_json(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif not answer.found:
        print(NO_MATCH, file=out)
    else:
        for hit in answer.hits:
            print(format_hit(hit), file=out)
    return EXIT_OK if answer.found else EXIT_NOT_FOUND


def format_hit(hit: Hit) -> str:
    """A hit as plain text: the passage as written, then its citation."""
    passage = hit.passage
    lines = [f"{hit.rank}. (score {hit.score:.2f})"]
    if passage.lead:
        lines.append(f"   {passage.lead}")
        lines.append(f"   – {_indent(passage.text)}")
    else:
        lines.append(f"   {_indent(passage.text)}")
    lines.extend(f"   {line}" for line in hit.document.citation(passage.position))
    note = hit.document.wording_note
    if note:
        lines.append(f"   Note: {note}")
    return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    return text.replace("\n", "\n   ")


def cmd_check_corpus(args: argparse.Namespace, out: TextIO) -> int:
    directory = args.directory or default_corpus_dir()
    corpus = load_corpus(directory)
    errors = [p for p in corpus.problems if p.severity == "error"]
    print(
        f"{directory}: {len(corpus.documents)} documents, {corpus.passage_count} passages, "
        f"{len(errors)} errors, {len(corpus.problems) - len(errors)} warnings",
        file=out,
    )
    for doc in corpus.documents:
        print(f"\n{doc.name}: {len(doc.passages)} passages", file=out)
        for name in META_FIELDS:
            value = getattr(doc.meta, name)
            shown = "unknown" if value is None else getattr(value, "value", value)
            origin = doc.origins[name]
            suffix = f" ({origin})" if origin != "unknown" else ""
            print(f"  {name}: {shown}{suffix}", file=out)
    if corpus.problems:
        print("\nProblems:", file=out)
        for problem in corpus.problems:
            print(f"  {problem}", file=out)
    return 1 if errors else EXIT_OK


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    service = Service(args.corpus or default_corpus_dir())
    try:
        eval_set = load_eval_set(args.questions)
        check_against_corpus(eval_set, service.snapshot.corpus.documents, args.questions)
    except EvalSetError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    report = evaluate(service, eval_set)
    for line in report.summary():
        print(line, file=out)
    if args.details:
        for line in report.misses():
            print(f"  {line}", file=out)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "ask": cmd_ask,
    "check-corpus": cmd_check_corpus,
    "eval": cmd_eval,
}


def run_cli(argv: Sequence[str], out: TextIO | None = None) -> int:
    """Run one CLI command; ``run`` (the bot) is handled by ``bot.__main__``."""
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args, out or sys.stdout)
