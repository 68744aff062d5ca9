"""``python -m bot eval``: the figures of an evaluation set, by half (dev, held-out), beside plain BM25.

The ranking is always built over the whole corpus; only the questions scored are split
(bot.answers.halves). Misses are listed for dev only unless ``--half held-out`` asks for
them: the held-out half is read as figures, not question by question.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli_output import EXIT_OK, EXIT_USAGE, dump_json
from bot.corpus.models import plural

if TYPE_CHECKING:
    from bot.answers.evaluate import EvalReport, EvalSet
    from bot.answers.halves import Half, Split
    from bot.answers.service import Service

logger = logging.getLogger(__name__)

# Resolved from the package, not the working directory: `python -m bot eval` works from anywhere.
DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "eval" / "questions.yaml"
# bot.answers.halves.HALVES (a test checks they agree), spelled here so that building the
# parser, which every command does, does not import the evaluation modules.
HALF_CHOICES = ("dev", "held-out")

BM25S_MISSING = "note: bm25s is not installed (pip install -e '.[test]'): its column is left out"


def add_eval_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--half", choices=HALF_CHOICES, default=None,
        help="only this half of the set (default: both, side by side with --compare)",
    )
    parser.add_argument(
        "--split", type=Path, default=None, metavar="FILE", dest="split_file",
        help="the split file (default: split.yaml beside the questions file)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")


def run_eval(args: argparse.Namespace, service: Service, out: TextIO) -> int:
    """Exit 0 with the figures; 2 for a bad questions or split file."""
    # Here, not at the top: only ``eval`` needs them (PyYAML models, 20 ms of every start).
    from bot.answers.evaluate import EvalSetError, check_against_corpus, compare_table, evaluate, load_eval_set
    from bot.answers.halves import DEV, HALVES, HELD_OUT, default_split_path, load_split

    split_path = args.split_file or default_split_path(args.questions)
    try:
        eval_set = load_eval_set(args.questions)
        check_against_corpus(eval_set, service.snapshot.corpus.documents, args.questions)
        split = load_split(split_path)
    except EvalSetError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    names = [doc.name for doc in service.snapshot.corpus.documents]
    unlisted = split.unlisted(names)
    if unlisted and split.path is not None:
        placed = "; ".join(f"{name}: {split.document_half(name)}" for name in unlisted)
        them = "it" if len(unlisted) == 1 else "them"
        print(f"note: {plural(len(unlisted), 'document')} not in {split_path}, placed by the seeded hash "
              f"(add {them} to the file): {placed}", file=sys.stderr)
    systems = [("bot", evaluate(service, eval_set))]
    if args.compare:
        systems += _baselines(service, eval_set)
    halves: tuple[Half, ...] = (args.half,) if args.half else HALVES
    table = [(half, [(name, split.select(report, half)) for name, report in systems]) for half in halves]
    documents: dict[str, int] = {half: sum(split.document_half(n) == half for n in names) for half in halves}
    if args.json:
        dump_json(_as_json(split, split_path, table, documents), out)
        return EXIT_OK
    if args.compare:
        for line in compare_table(table, documents):
            print(line, file=out)
    else:
        for half, reports in table:
            print(f"{half} ({plural(documents[half], 'document')}):", file=out)
            for line in reports[0][1].summary():
                print(f"  {line}", file=out)
    if args.details:
        # The held-out half's misses only when asked by name: it is read as figures.
        shown = [half for half in halves if half == DEV or args.half == HELD_OUT]
        for half in shown:
            report = dict(table)[half][0][1]
            print(f"misses ({half}):", file=out)
            for line in report.misses():
                print(f"  {line}", file=out)
        if HELD_OUT in halves and HELD_OUT not in shown:
            print("misses (held-out): not listed; tune on dev only (--half held-out lists them)", file=out)
    return EXIT_OK


def _baselines(service: Service, eval_set: EvalSet) -> list[tuple[str, EvalReport]]:
    from bot.answers.baselines import bm25s_ranker, rank_bm25_ranker  # bm25s: only when compared
    from bot.answers.evaluate import evaluate

    passages = service.snapshot.passages
    reports = [("rank-bm25", evaluate(service, eval_set, rank_bm25_ranker(passages), quotes=False))]
    try:
        bm25s = bm25s_ranker(passages)
    except ImportError:  # a test and evaluation dependency, not the bot's: compare without it
        print(BM25S_MISSING, file=sys.stderr)
        return reports
    return [*reports, ("bm25s", evaluate(service, eval_set, bm25s, quotes=False))]


def _as_json(
    split: Split,
    split_path: Path,
    table: Sequence[tuple[Half, Sequence[tuple[str, EvalReport]]]],
    documents: dict[str, int],
) -> dict[str, object]:
    return {
        "split": {"file": str(split_path) if split.path is not None else None, "seed": split.seed},
        "halves": {
            half: {"documents": documents[half], "systems": {name: report.as_json() for name, report in reports}}
            for half, reports in table
        },
    }
