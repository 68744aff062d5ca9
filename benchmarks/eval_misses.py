"""Misses of the evaluation set counted by class, per half: how many of each kind issue 19 names are left.

Run: python -m benchmarks.eval_misses [--corpus tests/eval/corpus] [--questions tests/eval/real_questions.yaml]

It prints counts only, never the questions: the held-out half is measured, not read.
A miss is an answerable question whose first answer is not ranked first. Its class is
read from what the bot showed first, in this order:

- lost: no passage at all (an absent-subject rule, or a filter, removed every answer);
- procedural first: the first passage is a citation ("having regard to ...") or a
  procedural paragraph (who tabled it, the vote, the procedure's page furniture);
- another country first: the question names a country, and the first passage's document
  is about another one (its title names a country, not the one asked about);
- news above the primary source: the first passage is a news report's, and an answer is
  the same resolution's text adopted or summary;
- other: the right document's wrong passage, or another document for another reason.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections import Counter
from pathlib import Path

from bot.answers.evaluate import MRR_DEPTH, EvalQuestion, load_eval_set
from bot.answers.halves import DEV, HELD_OUT, load_split
from bot.answers.service import BadQuestion, Service
from bot.corpus.models import Document, Hit, Kind
from bot.search.query import country_names
from bot.search.resolutions import resolution_key
from bot.search.tokens import words

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("lost", "procedural first", "another country first", "news above the primary source", "other")
_PROCEDURAL = re.compile(
    r"^(?:having regard|having received|–\s*having regard)|tabled by|\bvotes? to\b|\babstentions?\b|"
    r"Procedure completed|Legal basis|Rules of Procedure|Rule \d+", re.IGNORECASE)


def _countries(text: str) -> set[str]:
    names = country_names()
    return {w for w in words(text) if w in names}


def classify(question: EvalQuestion, hits: tuple[Hit, ...], documents: dict[str, Document]) -> str | None:
    """The class of a miss, or None when the first passage answers."""
    if hits and any(ref.matches(hits[0].document.name, hits[0].passage) for ref in question.answers):
        return None
    if not hits:
        return "lost"
    first = hits[0]
    if first.passage.position.part == "citation" or _PROCEDURAL.search(first.passage.text[:300]):
        return "procedural first"
    asked = _countries(question.question)
    about = _countries(first.document.meta.title or "")
    if asked and about and not asked & about:
        return "another country first"
    answers = [documents[r.document] for r in question.answers if r.document in documents]
    if first.document.meta.kind is Kind.news_report and any(
        d.meta.kind in (Kind.text_adopted, Kind.summary) and resolution_key(d) == resolution_key(first.document)
        for d in answers
    ):
        return "news above the primary source"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "eval" / "corpus")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "eval" / "real_questions.yaml")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    service = Service(args.corpus)
    eval_set = load_eval_set(args.questions)
    split = load_split(args.questions.parent / "split.yaml")
    documents = {d.name: d for d in service.documents()}
    counts = {DEV: Counter[str](), HELD_OUT: Counter[str]()}
    answerable = Counter[str]()
    for question in eval_set.questions:
        if not question.answers:
            continue
        half = split.question_half(question)
        answerable[half] += 1
        try:
            hits = service.ask(question.question, top=MRR_DEPTH).hits
        except BadQuestion:
            hits = ()
        found = classify(question, hits, documents)
        if found is not None:
            counts[half][found] += 1
    print(f"misses by class ({args.questions.name}; a miss: the first passage shown does not answer)")
    print(f"{'class':32s} {'dev':>8s} {'held-out':>9s}")
    for name in CLASSES:
        print(f"{name:32s} {counts[DEV][name]:8d} {counts[HELD_OUT][name]:9d}")
    total = {h: sum(counts[h].values()) for h in (DEV, HELD_OUT)}
    print(f"{'all misses':32s} {total[DEV]:5d}/{answerable[DEV]:<3d}{total[HELD_OUT]:5d}/{answerable[HELD_OUT]}")


if __name__ == "__main__":
    main()
