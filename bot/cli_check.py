"""``python -m bot check-corpus``: what the bot makes of each corpus file, for people or as JSON.

It parses every file (never from the parse cache) and reports, per document, its
metadata and where each field came from, the EP units found per part, every line left
out with its reason, then every problem with its file and line.
"""

from __future__ import annotations

import argparse
import logging
from typing import TextIO

from bot.cli_output import EXIT_OK, default_corpus_dir, dump_json
from bot.corpus.load import Corpus, inspect_document, load_corpus
from bot.corpus.models import META_FIELDS, CorpusError, Document, plural
from bot.corpus.structure import Reading

logger = logging.getLogger(__name__)


def cmd_check_corpus(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 for a corpus without errors (warnings allowed), 1 with errors; plain or JSON alike."""
    directory = args.directory or args.corpus or default_corpus_dir()
    # A check reads the files themselves, never the bot's parse cache of them.
    corpus = load_corpus(directory, cache=False)
    errors = sum(p.count for p in corpus.problems if p.severity == "error")
    warnings = sum(p.count for p in corpus.problems if p.severity == "warning")
    readings = _readings(corpus)
    if args.json:
        dump_json(check_json(corpus, readings), out)
        return 1 if errors else EXIT_OK
    print(
        f"{directory}: {plural(len(corpus.documents), 'document')}, {plural(corpus.passage_count, 'passage')}, "
        f"{plural(errors, 'error')}, {plural(warnings, 'warning')}",
        file=out,
    )
    for doc in corpus.documents:
        print(f"\n{doc.name}: {plural(len(doc.passages), 'passage')}", file=out)
        recorded = doc.meta.recorded_origins()
        for name in META_FIELDS:
            value = getattr(doc.meta, name)
            shown = "unknown" if value is None else getattr(value, "value", value)
            origin = doc.origins[name]
            suffix = f" ({origin})" if origin != "unknown" else ""
            if origin == "front matter" and (how := recorded.get(name)):
                suffix = f" (front matter; at import: {how})"
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
            for line in problem.lines():  # one problem a line, as editors and CI annotations read them
                print(f"  {line}", file=out)
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
            {"file": p.file, "line": p.line, "severity": p.severity, "message": p.combined} for p in corpus.problems
        ],
    }


def _document_json(doc: Document, reading: Reading | None) -> dict[str, object]:
    meta = doc.meta
    data: dict[str, object] = {"file": doc.name}
    for name in META_FIELDS:
        value = getattr(meta, name)
        data[name] = value.isoformat() if name == "adopted" and value else getattr(value, "value", value)
    data["origins"] = dict(doc.origins)
    data["found_at_import"] = meta.recorded_origins()  # how the importer found what it wrote
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
