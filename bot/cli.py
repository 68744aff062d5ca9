"""The command line: ask, quote, timeline, check-corpus, eval, import and sync.

Plain text for people, ``--json`` for tools. Exit codes: 0 answered, 1 nothing found
(or a corpus with errors), 2 a bad question or bad usage, 141 the reader closed the
output early (``| head``), as for a tool stopped by SIGPIPE. The bot itself runs
without a command, from ``bot.__main__``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.answers.answer import Noted, notes
from bot.answers.grouping import HitGroup, group_hits
from bot.answers.service import DEFAULT_TOP, BadQuestion, Service
from bot.cli_eval import DEFAULT_QUESTIONS, add_eval_options, run_eval
from bot.cli_import import cmd_import
from bot.cli_output import EXIT_BROKEN_PIPE, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, default_corpus_dir, dump_json
from bot.cli_sync import cmd_sync, since_date
from bot.corpus.models import NO_MATCH, plural
from bot.search.query import Query

if TYPE_CHECKING:  # bot.answers.timeline and quote_result are imported when first needed
    from bot.answers.quote_result import QuoteMatch, QuoteResult
    from bot.answers.timeline import TimelineEntry

logger = logging.getLogger(__name__)



def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0  # not a number: the same message as out of range (argparse would name this function)
    if not 1 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and 100 (a whole number from 1 to 100)")
    return number


def _directory(value: str) -> Path:
    # An empty path is the current directory: it would serve whatever .md lies there.
    if not value.strip():
        raise argparse.ArgumentTypeError("the corpus folder is empty: give the path of a folder")
    return Path(value)


def _corpus_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", type=_directory, default=None, metavar="DIR",
        help="corpus directory (default: CORPUS_DIR, else ./corpus)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="European Parliament resolutions: cited answers from the corpus.",
        epilog="Without a command, python -m bot runs the Telegram bot (set TELEGRAM_BOT_TOKEN).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="print the passages that answer a question")
    ask.add_argument("question", nargs="+", help="the question (several words need no quotes)")
    ask.add_argument("--top", type=_positive, default=DEFAULT_TOP, metavar="N")
    ask.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _corpus_option(ask)

    quote = sub.add_parser("quote", help="check whether a quote stands in the corpus, and where")
    quote.add_argument("text", metavar="QUOTE", nargs="+")
    quote.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _corpus_option(quote)

    timeline = sub.add_parser(
        "timeline", help="what the Parliament said on a topic, resolution by resolution, oldest first"
    )
    timeline.add_argument("topic", nargs="+")
    timeline.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _corpus_option(timeline)

    check = sub.add_parser(
        "check-corpus", help="validate a corpus directory: metadata, units per part, lines left out, problems"
    )
    check.add_argument("directory", nargs="?", type=_directory, default=None, metavar="DIR")
    check.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _corpus_option(check)  # as every command takes it; DIR is the older spelling

    evaluation = sub.add_parser("eval", help="measure ranking quality (MRR@5, recall@3)")
    evaluation.add_argument(
        "--questions", type=Path, default=DEFAULT_QUESTIONS, metavar="FILE",
        help=f"evaluation set (default: {DEFAULT_QUESTIONS})",
    )
    evaluation.add_argument("--details", action="store_true", help="list the questions missed")
    evaluation.add_argument(
        "--compare", action="store_true", help="side by side with rank-bm25 and bm25s on the same passages"
    )
    add_eval_options(evaluation)
    _corpus_option(evaluation)

    importing = sub.add_parser(
        "import",
        help="import texts adopted (file, URL or text number) or a year of them into the corpus",
        description="SOURCE is a local .html/.htm, .docx, .pdf, .txt or .md file, an http(s) URL, "
        "or a text number (TA-9-2021-0056 or P9_TA(2021)0056) fetched from EP_BASE_URL.",
    )
    importing.add_argument("sources", nargs="*", type=_source, metavar="SOURCE")
    importing.add_argument("--year", type=_year, default=None, help="import the year's texts adopted (Open Data API)")
    importing.add_argument(
        "--match", default=None, metavar="WORDS", help="with --year: only titles with all WORDS, as whole words"
    )
    importing.add_argument("--dry-run", action="store_true", help="write nothing; show what would be written")
    importing.add_argument("--force", action="store_true", help="replace a duplicate (the old file goes to .trash/)")
    importing.add_argument("--json", action="store_true", help="one JSON object on stdout")
    importing.add_argument(
        "--corpus", type=_import_folder, default=None, metavar="DIR",
        help="corpus directory to write into (default: CORPUS_DIR, else ./corpus)",
    )

    syncing = sub.add_parser(
        "sync",
        help="import every text adopted the Open Data API lists since the last sync",
        description="Texts adopted from --since to today, through the importer of import --year. By default "
        "since the newest adoption date in the corpus minus 14 days (this year and last on an empty corpus); "
        "after a sync that did not finish, that sync's start again.",
    )
    syncing.add_argument("--since", type=since_date, default=None, metavar="YYYY-MM-DD",
                         help="import the texts adopted from this day on")
    syncing.add_argument("--dry-run", action="store_true", help="write nothing; list what would be imported")
    syncing.add_argument("--json", action="store_true", help="one JSON object on stdout")
    syncing.add_argument(
        "--corpus", type=_import_folder, default=None, metavar="DIR",
        help="corpus directory to write into (default: CORPUS_DIR, else ./corpus)",
    )
    return parser


def _source(value: str) -> str:
    # Blank, it would be read as a file named "" (or " ") and refused for its type.
    if not value.strip():
        raise argparse.ArgumentTypeError("SOURCE is empty: give a file, an http(s) URL or a text number")
    return value


def _import_folder(value: str) -> Path:
    # Refused here rather than after every source has been fetched and found unwritable.
    path = _directory(value)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a file, not a folder")
    return path


def _year(value: str) -> int:
    if not value.isdigit() or not 1952 <= int(value) <= 2100:
        raise argparse.ArgumentTypeError(f"{value} is not a year like 2024")
    return int(value)


def _refused(args: argparse.Namespace, out: TextIO, message: str, echo: dict[str, object]) -> int:
    """A question, topic or quote the service refused: its message on stderr, or in the JSON."""
    if args.json:
        dump_json({**echo, "error": message}, out)
    else:
        print(message, file=sys.stderr)
    return EXIT_USAGE


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    service = _service(args.corpus)
    try:
        answer = service.ask(args.question, top=args.top)
    except BadQuestion as exc:
        return _refused(args, out, str(exc), {"query": args.question, "hits": []})
    if args.json:
        dump_json(answer.as_json(), out)
    else:
        _print_notes(answer.understood, answer, out)
        if not answer.found:
            print(answer.no_match, file=out)
        for group in group_hits(answer.hits):
            print(format_group(group), file=out)
    return EXIT_OK if answer.found else EXIT_NOT_FOUND


def format_group(group: HitGroup) -> str:
    """One resolution's hits as plain text: a citation header, then each wording once."""
    lines = list(group.header())
    several = len(group.documents) > 1
    for wording in group.wordings:
        lines.append("")
        lines.append(f"{wording.number}. (score {wording.score:.2f})")
        if wording.lead:
            lines.append(f"   {wording.lead}")
            lines.append(f"   – {_indent(wording.text)}")
        else:
            lines.append(f"   {_indent(wording.text)}")
        for hit in wording.hits:
            where = hit.passage.position.locator(hit.document.name)
            if several:
                where += f" ({hit.document.kind_label}, {hit.document.meta.source or 'source unknown'})"
            lines.append(f"   {where}")
        note = wording.wording_note
        if note:
            lines.append(f"   Note: {note}")
    return "\n".join(lines) + "\n"


def cmd_timeline(args: argparse.Namespace, out: TextIO) -> int:
    service = _service(args.corpus)
    try:
        timeline = service.timeline(args.topic)
    except BadQuestion as exc:
        return _refused(args, out, str(exc), {"topic": args.topic, "entries": []})
    if args.json:
        dump_json(timeline.as_json(), out)
        return EXIT_OK if timeline.found else EXIT_NOT_FOUND
    _print_notes(timeline.understood, timeline, out)
    if not timeline.found:
        print(NO_MATCH, file=out)
    for entry in timeline.entries:
        print(format_timeline_entry(entry), file=out)
    return EXIT_OK if timeline.found else EXIT_NOT_FOUND


def _print_notes(understood: Query | None, result: Noted, out: TextIO) -> None:
    """What ``ask`` and ``timeline`` say before their passages: "Searched: …" when the
    question had filters, then the service's notes, a paragraph each."""
    if understood is not None and understood.describe():
        print(f"Searched: {'; '.join(understood.describe())}\n", file=out)
    for note in notes(result):
        print(note + "\n", file=out)


def format_timeline_entry(entry: TimelineEntry) -> str:
    """Date, reference, the best passage as written, and where it stands, on one line.

    Only the passage's own words stand inside the quotation marks, its line breaks as
    spaces (one resolution, one line); a list item's lead-in sentence is quoted apart,
    since the two are not one sentence in the file.
    """
    hit = entry.hit
    adopted = entry.adopted.isoformat() if entry.adopted else "date unknown"
    lead = f" (a list item after “{_one_line(hit.passage.lead)}”)" if hit.passage.lead else ""
    doc = hit.document
    where = f"{doc.kind_label}, {doc.meta.source or 'source unknown'}, {hit.passage.position.locator(doc.name)}"
    wording = "" if doc.wording_note is None else f" [{doc.kind_label}'s wording, not the resolution's text]"
    quote = _one_line(hit.passage.text)
    return f"{adopted} · {entry.reference or 'reference unknown'} · “{quote}”{lead} — {_one_line(where)}{wording}"


def _one_line(text: str) -> str:
    """``text`` with every run of whitespace (a line break) as one space."""
    return " ".join(text.split())


def _indent(text: str) -> str:
    return text.replace("\n", "\n   ")


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 with the figures (dev and held-out halves), 2 for a bad questions or split file."""
    return run_eval(args, _service(args.corpus), out)


def cmd_quote(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when the quote is verbatim (cuts allowed), 1 near or not found, 2 bad quote."""
    from bot.answers.quote_result import BadQuote  # here: an ask does not import the quote check (3 ms)

    service = _service(args.corpus)
    try:
        result = service.quote(args.text)
    except BadQuote as exc:
        return _refused(args, out, str(exc), {"quote": args.text, "matches": []})
    if args.json:
        dump_json(result.as_json(), out)
    else:
        print(format_quote(result), file=out)
    return EXIT_OK if result.found else EXIT_NOT_FOUND


_DIFF_LABELS = {
    "add": "the quote adds",
    "drop": "the quote drops",
    "change": "the quote changes",
    "cut": "cut marked in the quote",
}


def format_quote(result: QuoteResult) -> str:
    """A quote check as plain text: the verdict, then each passage with the words marked."""
    from bot.answers.quote_result import Verdict

    count = len(result.matches)
    places = f"{count}{'+' if result.more else ''} passage{'s' if count > 1 else ''}"
    if result.pieces > 1:
        lines = [{
            Verdict.verbatim: "Verbatim, piece by piece: every piece stands word for word in a passage.",
            Verdict.near: "Near miss, piece by piece: every piece stands at least nearly in a passage.",
            Verdict.not_found: "Not found as a whole: some pieces stand in no passage.",
        }[result.verdict]]
    elif result.verdict is Verdict.verbatim and result.across_units:
        first, second = (m.passage.position.describe() for m in result.matches[:2])
        lines = [f"Verbatim across two units: the words run, in order, from {first} into {second}."]
    elif result.verdict is Verdict.verbatim and result.omissions:
        lines = [f"Verbatim with omissions: each part stands, in order, in {places}."]
    elif result.verdict is Verdict.verbatim:
        lines = [f"Verbatim: the words stand in this order in {places}."]
    elif result.verdict is Verdict.near:
        lines = [f"Near miss (similarity {result.similarity:.2f}): not word for word. "
                 "The closest passage and the differences:"]
    elif result.matches:
        lines = ["Not found: no passage has these words in this order.",
                 f"Closest passage, NOT a match (similarity {result.similarity:.2f}):"]
    else:
        return "Not found: no passage shares a word with this quote."
    if result.html_stripped:
        lines.insert(0, _html_note(result).rstrip())
    if result.pieces > 1:
        counts = [sum(v is verdict for v in result.piece_verdicts) for verdict in Verdict]
        lines.append(f"Checked in {result.pieces} pieces (a long quote spans several passages): "
                     f"{counts[0]} word for word, {counts[1]} near, {counts[2]} not found; "
                     "the best passage of each piece follows.")
    in_text = result.in_resolution_text
    if result.verdict is not Verdict.not_found and in_text is not True:
        kinds = " and ".join(f"a {k}" for k in sorted({m.document.kind_label for m in result.matches}))
        what = "these words stand" if result.verdict is Verdict.verbatim else "the closest wording stands"
        if in_text is False:
            lines.append(f"Not the resolution's text: {what} only in {kinds}: that document's wording, "
                         "not the resolution's.")
        else:
            lines.append(f"Not the resolution's text: the passages listed are in {kinds}. Not every passage "
                         "of the resolutions' own text could be checked, so the words may stand there too.")
    marked = "The closest words" if result.verdict is Verdict.not_found else "Matched words"
    lines.append(f"{marked} are between [[ and ]].\n")
    for number, match in enumerate(result.matches, start=1):
        lines.append(format_quote_match(number, match))
    if result.more:
        lines.append(f"More passages hold these words; the first {count} are listed.")
    return "\n".join(lines)


def _html_note(result: QuoteResult) -> str:
    return "Note: HTML tags were removed from the quote before checking.\n" if result.html_stripped else ""


def format_quote_match(number: int, match: QuoteMatch) -> str:
    """One passage of a quote check: citation, the text with marks, the diff, the note."""
    passage = match.passage
    lines = [f"{number}. {match.document.citation(passage.position)[0]}"]
    lines.extend(f"   {line}" for line in match.document.citation(passage.position)[1:])
    text = _indent(_marked(passage.text, match.segments))
    if passage.lead:
        lead_spans = (match.lead_span,) if match.lead_span else ()
        lines.append(f"   {_marked(passage.lead, lead_spans)}")
        lines.append(f"   – {text}")
    else:
        lines.append(f"   {text}")
    changes = [op for op in match.diff if op.kind != "same"]
    if changes:
        lines.append("   Differences, the quote against the passage:")
        for op in changes:
            if op.kind == "change":
                lines.append(f"     {_DIFF_LABELS[op.kind]}: “{op.passage}” to “{op.quote}”")
            else:
                lines.append(f"     {_DIFF_LABELS[op.kind]}: “{op.quote or op.passage}”")
    note = match.document.wording_note
    if note:
        lines.append(f"   Note: {note}")
    return "\n".join(lines) + "\n"


def _marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each span wrapped in [[ ]] (spans ascending, not overlapping)."""
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts += [text[last:start], "[[", text[start:end], "]]"]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def cmd_check_corpus(args: argparse.Namespace, out: TextIO) -> int:
    # Imported here: check-corpus needs the parser's structure reader, which a start that
    # finds every file in the parse cache never imports (14 ms of every ask).
    from bot.cli_check import cmd_check_corpus as check

    return check(args, out)


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "ask": cmd_ask,
    "quote": cmd_quote,
    "check-corpus": cmd_check_corpus,
    "timeline": cmd_timeline,
    "eval": cmd_eval,
    "import": cmd_import,
    "sync": cmd_sync,
}


def _service(corpus: Path | None) -> Service:
    """The corpus served, with one line on stderr when some of its files have problems.

    Each problem is logged by the service (for the bot's logs); on the command line they
    would be a dozen timestamped lines before the answer, so they are counted instead and
    ``check-corpus`` named.
    """
    directory = corpus or default_corpus_dir()
    quiet = logging.getLogger("bot.answers.service")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        service = Service(directory)
    finally:
        quiet.setLevel(level)
    problems = service.problems
    if problems:
        count = sum(p.count for p in problems)
        print(f"note: the corpus has {plural(count, 'problem')} (files skipped or read with warnings): "
              f"python -m bot check-corpus {directory} shows them", file=sys.stderr)
    return service


def run_cli(argv: Sequence[str], out: TextIO | None = None) -> int:
    """Run one CLI command; without one (the bot) ``bot.__main__`` does not come here."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        return EXIT_USAGE
    if args.command == "check-corpus" and args.directory and args.corpus and args.directory != args.corpus:
        parser.error(f"two corpus folders: {args.directory} and --corpus {args.corpus}; give one")
    for name in ("question", "text", "topic"):  # unquoted words are one question
        if isinstance(getattr(args, name, None), list):
            setattr(args, name, " ".join(getattr(args, name)))
    stream = out or sys.stdout
    try:
        code = COMMANDS[args.command](args, stream)
        # Flushed here, not at exit, so that a closed pipe is caught below.
        stream.flush()
    except BrokenPipeError:
        if stream is sys.stdout:
            # The interpreter flushes stdout again at exit; point it at /dev/null so
            # that this does not print a second error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code
