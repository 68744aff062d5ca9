"""The command line: ask, quote, timeline, check-corpus, eval and import.

Plain text for people, ``--json`` for tools. Exit codes: 0 answered, 1 nothing found
(or a corpus with errors), 2 a bad question or bad usage, 141 the reader closed the
output early (``| head``), as for a tool stopped by SIGPIPE. The bot itself runs
without a command, from ``bot.__main__``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.answers.evaluate import (
    DEFAULT_QUESTIONS,
    EvalSetError,
    check_against_corpus,
    compare_table,
    evaluate,
    load_eval_set,
)
from bot.answers.grouping import HitGroup, group_hits
from bot.answers.quote import BadQuote, QuoteMatch, QuoteResult, Verdict
from bot.answers.service import DEFAULT_TOP, BadQuestion, Service, nothing_mentions
from bot.answers.timeline import TimelineEntry
from bot.corpus.load import Corpus, inspect_document, load_corpus
from bot.corpus.models import META_FIELDS, NO_MATCH, CorpusError, Document
from bot.corpus.structure import Reading

if TYPE_CHECKING:  # the importer's libraries (selectolax, pypdf...) load only for ``import``
    from bot.corpus.fetch import Fetcher
    from bot.corpus.importer import CorpusIndex, Prepared

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a tool stopped by SIGPIPE


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

    evaluation = sub.add_parser("eval", help="measure ranking quality (MRR@5, recall@3)")
    evaluation.add_argument(
        "--questions", type=Path, default=DEFAULT_QUESTIONS, metavar="FILE",
        help=f"evaluation set (default: {DEFAULT_QUESTIONS})",
    )
    evaluation.add_argument("--details", action="store_true", help="list the questions missed")
    evaluation.add_argument(
        "--compare", action="store_true", help="side by side with rank-bm25 and bm25s on the same passages"
    )
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


def default_corpus_dir() -> Path:
    # Imported here so that ``ask --corpus`` works even with a broken .env.
    from bot.config import Settings, SettingsFileError, env_file_problem

    problem = env_file_problem()
    if problem is not None:
        raise SettingsFileError(problem)
    return Settings().corpus_dir


def _dump(data: object, out: TextIO) -> None:
    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _refused(args: argparse.Namespace, out: TextIO, message: str, echo: dict[str, object]) -> int:
    """A question, topic or quote the service refused: its message on stderr, or in the JSON."""
    if args.json:
        _dump({**echo, "error": message}, out)
    else:
        print(message, file=sys.stderr)
    return EXIT_USAGE


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    service = Service(args.corpus or default_corpus_dir())
    try:
        answer = service.ask(args.question, top=args.top)
    except BadQuestion as exc:
        return _refused(args, out, str(exc), {"query": args.question, "hits": []})
    if args.json:
        _dump(answer.as_json(), out)
    else:
        if answer.understood is not None and answer.understood.describe():
            print(f"Searched: {'; '.join(answer.understood.describe())}\n", file=out)
        if answer.language_note:
            print(answer.language_note + "\n", file=out)
        elif answer.unmatched_terms:
            print(nothing_mentions(answer.unmatched_terms) + "\n", file=out)
        if not answer.found:
            print(NO_MATCH, file=out)
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
    service = Service(args.corpus or default_corpus_dir())
    try:
        timeline = service.timeline(args.topic)
    except BadQuestion as exc:
        return _refused(args, out, str(exc), {"topic": args.topic, "entries": []})
    if args.json:
        _dump(timeline.as_json(), out)
    elif not timeline.found:
        print(NO_MATCH, file=out)
    else:
        for entry in timeline.entries:
            print(format_timeline_entry(entry), file=out)
    return EXIT_OK if timeline.found else EXIT_NOT_FOUND


def format_timeline_entry(entry: TimelineEntry) -> str:
    """Date, reference, the best passage as written, and where it stands.

    Only the passage's own text stands inside the quotation marks, line breaks and all;
    a list item's lead-in sentence is quoted apart, since the two are not one sentence
    in the file.
    """
    hit = entry.hit
    adopted = entry.adopted.isoformat() if entry.adopted else "date unknown"
    lead = f" (a list item after “{hit.passage.lead}”)" if hit.passage.lead else ""
    doc = hit.document
    where = f"{doc.kind_label}, {doc.meta.source or 'source unknown'}, {hit.passage.position.locator(doc.name)}"
    wording = "" if doc.wording_note is None else f" [{doc.kind_label}'s wording, not the resolution's text]"
    return f"{adopted} · {entry.reference or 'reference unknown'} · “{hit.passage.text}”{lead} — {where}{wording}"


def _indent(text: str) -> str:
    return text.replace("\n", "\n   ")


def cmd_check_corpus(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 for a corpus without errors (warnings allowed), 1 with errors; plain or JSON alike."""
    directory = args.directory or default_corpus_dir()
    # A check reads the files themselves, never the bot's parse cache of them.
    corpus = load_corpus(directory, cache=False)
    errors = [p for p in corpus.problems if p.severity == "error"]
    readings = _readings(corpus)
    if args.json:
        _dump(check_json(corpus, readings), out)
        return 1 if errors else EXIT_OK
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
        reading = readings.get(doc.name)
        if reading is None:
            continue
        if reading.structured or doc.is_resolution_text:
            print(f"  units: {reading.parts_summary()}", file=out)
        else:
            print(f"  units: the file's paragraphs (a {doc.kind_label} has no EP structure)", file=out)
        if reading.left_out:
            print(f"  left out: {len(reading.left_out)} line{'s' if len(reading.left_out) > 1 else ''}", file=out)
            for item in reading.left_out:
                print(f"    line {item.line} ({item.reason}): {_shortened(item.text)}", file=out)
    if corpus.problems:
        print("\nProblems:", file=out)
        for problem in corpus.problems:
            print(f"  {problem}", file=out)
    return 1 if errors else EXIT_OK


def _readings(corpus: Corpus) -> dict[str, Reading]:
    """What the structure reader finds in each served file (read again: the load keeps only passages)."""
    readings: dict[str, Reading] = {}
    for doc in corpus.documents:
        try:
            raw = (corpus.directory / doc.name).read_bytes()
            _, _, reading = inspect_document(doc.name, raw)
        except (OSError, CorpusError) as exc:
            logger.warning("%s changed during the check: %s", doc.name, exc)
            continue
        readings[doc.name] = reading
    return readings


def check_json(corpus: Corpus, readings: dict[str, Reading]) -> dict[str, object]:
    """check-corpus as one JSON object: each document's metadata, units and left-out lines, then the problems."""
    return {
        "documents": [_document_json(doc, readings.get(doc.name)) for doc in corpus.documents],
        "problems": [
            {"file": p.file, "line": p.line, "severity": p.severity, "message": p.message} for p in corpus.problems
        ],
    }


def _document_json(doc: Document, reading: Reading | None) -> dict[str, object]:
    meta = doc.meta
    data: dict[str, object] = {"file": doc.name}
    for name in META_FIELDS:
        value = getattr(meta, name)
        data[name] = value.isoformat() if name == "adopted" and value else getattr(value, "value", value)
    data["origins"] = dict(doc.origins)
    data["parts"] = dict(reading.parts) if reading else {}
    data["passages"] = [
        {"label": labels["label"], "part": labels["part"], "number": labels["number"], "point": labels["point"],
         "line": p.position.line, "text": p.text}
        for p in doc.passages
        for labels in (p.position.labels(),)
    ]
    data["left_out"] = [item.as_json() for item in reading.left_out] if reading else []
    return data


_SHORT = 100


def _shortened(text: str) -> str:
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "\u2026"


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    service = Service(args.corpus or default_corpus_dir())
    try:
        eval_set = load_eval_set(args.questions)
        check_against_corpus(eval_set, service.snapshot.corpus.documents, args.questions)
    except EvalSetError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    report = evaluate(service, eval_set)
    if args.compare:
        from bot.answers.baselines import bm25s_ranker, rank_bm25_ranker  # bm25s: only when compared

        passages = service.snapshot.passages
        reports = [
            ("bot", report),
            ("rank-bm25", evaluate(service, eval_set, rank_bm25_ranker(passages), quotes=False)),
            ("bm25s", evaluate(service, eval_set, bm25s_ranker(passages), quotes=False)),
        ]
        for line in compare_table(reports):
            print(line, file=out)
    else:
        for line in report.summary():
            print(line, file=out)
    if args.details:
        for line in report.misses():
            print(f"  {line}", file=out)
    return EXIT_OK


def cmd_quote(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when the quote is verbatim (cuts allowed), 1 near or not found, 2 bad quote."""
    service = Service(args.corpus or default_corpus_dir())
    try:
        result = service.quote(args.text)
    except BadQuote as exc:
        return _refused(args, out, str(exc), {"quote": args.text, "matches": []})
    if args.json:
        _dump(result.as_json(), out)
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


EXIT_INTERRUPTED = 128 + 2  # Ctrl-C, as a shell reports SIGINT


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when every source was imported, 1 when any was refused or failed, 2 bad usage, 130 Ctrl-C.

    Each refusal is one line on stderr (or an entry of ``skipped`` with ``--json``);
    nothing is written for it. Files are written atomically, so Ctrl-C leaves whole files
    only and the same command run again resumes.
    """
    from pydantic import ValidationError

    from bot.config import Settings

    if bool(args.sources) == (args.year is not None):
        print("import: give SOURCE... or --year YEAR (one or the other)", file=sys.stderr)
        return EXIT_USAGE
    if args.match and args.year is None:
        print("import: --match goes with --year", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"import: bad setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}", file=sys.stderr)
        return EXIT_USAGE
    from bot.corpus.fetch import Fetcher
    from bot.corpus.importer import CorpusIndex

    directory = args.corpus or settings.corpus_dir
    if directory.exists() and not directory.is_dir():
        print(f"import: the corpus {directory} is a file, not a folder", file=sys.stderr)
        return EXIT_USAGE
    report = _ImportReport(args, out, directory)
    try:
        corpus = CorpusIndex.load(directory)
        with Fetcher(
            requests_per_second=settings.ep_requests_per_second, timeout=settings.ep_timeout_seconds
        ) as fetcher:
            if args.year is not None:
                _import_year(args, settings.ep_open_data_url, settings.ep_base_url, fetcher, corpus, report)
            else:
                for source in args.sources:
                    _import_one(args, source, settings.ep_base_url, fetcher, corpus, report)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: {len(report.imported)} imported so far, nothing half-written; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        report.finish()
        return EXIT_INTERRUPTED
    report.finish()
    return EXIT_NOT_FOUND if report.failed else EXIT_OK


class _ImportReport:
    """What an import run did, printed as it goes (text) or at the end (``--json``)."""

    def __init__(self, args: argparse.Namespace, out: TextIO, directory: Path) -> None:
        self.json = bool(args.json)
        self.dry_run = bool(args.dry_run)
        self.out = out
        self.directory = directory
        self.imported: list[dict[str, object]] = []
        self.skipped: list[dict[str, str]] = []
        self.failed = 0

    def wrote(self, prepared: Prepared, replaced: Sequence[str]) -> None:
        self.imported.append(prepared.as_json())
        if self.json:
            return
        verb = "would write" if self.dry_run else "wrote"
        lines = [f"{verb} {self.directory / prepared.file_name}"]
        if replaced:
            moved = "would move" if self.dry_run else "moved"
            lines.append(f"  {moved} {', '.join(replaced)} to {self.directory / '.trash'}")
        lines.extend(f"  {line}" for line in prepared.preview.lines())
        inferred = ", ".join(f"{name} ({how})" for name, how in prepared.inferred.items())
        lines.append(f"  inferred: {inferred}")
        unknown = [n for n in ("title", "reference", "adopted", "url") if getattr(prepared.document.meta, n) is None]
        if prepared.text_id is None and prepared.document.is_resolution_text:
            unknown.append("text_id")
        if unknown:
            lines.append(f"  unknown: {', '.join(unknown)}")
        lines.extend(f"  note: {note}" for note in prepared.notes)
        print("\n".join(lines), file=self.out)

    def refused(self, source: str, reason: str, *, failure: bool = True) -> None:
        self.skipped.append({"source": source, "reason": reason})
        if failure:
            self.failed += 1
            if not self.json:
                print(f"refused {source}: {reason}", file=sys.stderr)

    def finish(self) -> None:
        if self.json:
            _dump({"imported": self.imported, "skipped": self.skipped, "dry_run": self.dry_run}, self.out)


def _import_one(
    args: argparse.Namespace, source: str, base_url: str, fetcher: Fetcher, corpus: CorpusIndex, report: _ImportReport
) -> None:
    from bot.corpus.importer import ImportRefused, check, prepare, write

    try:
        prepared = prepare(source, fetcher=fetcher, base_url=base_url)
        if args.dry_run:
            replaced = check(prepared, corpus, force=args.force)
            corpus.add(prepared, replaced)  # so that a later source in this run is checked against it
        else:
            replaced = list(write(prepared, corpus, force=args.force).replaced)
    except ImportRefused as exc:
        report.refused(source, exc.reason)
        return
    report.wrote(prepared, replaced)


def _import_year(
    args: argparse.Namespace,
    open_data_url: str,
    base_url: str,
    fetcher: Fetcher,
    corpus: CorpusIndex,
    report: _ImportReport,
) -> None:
    from tqdm import tqdm

    from bot.corpus.fetch import FetchError
    from bot.corpus.opendata import OpenDataError
    from bot.corpus.yearly import import_year

    counts = {"imported": 0, "present": 0, "unmatched": 0, "failed": 0}
    items = import_year(
        args.year, fetcher=fetcher, open_data_url=open_data_url, base_url=base_url, corpus=corpus,
        match=args.match, dry_run=args.dry_run, force=args.force,
    )
    # On a terminal only (disable=None): a bar with no total, as the API gives none.
    with tqdm(desc=f"texts adopted {args.year}", unit=" texts", file=sys.stderr, disable=None) as bar:
        try:
            for item in items:
                counts[item.status] += 1
                bar.update(1)
                bar.set_postfix(counts, refresh=False)
                text_id = item.listed.text_id
                if item.status == "imported" and item.imported is not None:
                    report.imported.append(item.imported)
                    if not report.json:
                        bar.write(f"{'would write' if args.dry_run else 'wrote'} {item.file}", file=report.out)
                elif item.status == "present":
                    report.refused(text_id, f"already present as {item.file}", failure=False)
                elif item.status == "failed":
                    report.refused(text_id, item.reason or "failed")
        except (FetchError, OpenDataError) as exc:
            report.refused(f"year {args.year}", f"listing failed: {exc}")
    if not report.json:
        verb = "would import" if args.dry_run else "imported"
        print(
            f"{args.year}: {verb} {counts['imported']}, skipped {counts['present']} already present, "
            f"{counts['unmatched']} not matching, failed {counts['failed']}",
            file=report.out,
        )
        for entry in report.skipped:
            if not entry["reason"].startswith("already present"):
                print(f"  failed {entry['source']}: {entry['reason']}", file=report.out)


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "ask": cmd_ask,
    "quote": cmd_quote,
    "check-corpus": cmd_check_corpus,
    "timeline": cmd_timeline,
    "eval": cmd_eval,
    "import": cmd_import,
}


def run_cli(argv: Sequence[str], out: TextIO | None = None) -> int:
    """Run one CLI command; without one (the bot) ``bot.__main__`` does not come here."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        return EXIT_USAGE
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
