"""The share of a topic's best score at which a new document is worth a notification, measured on the eval set.

Run from the repository root (not part of the test suite; nothing here is asserted):

    python benchmarks/follow_threshold.py
    python benchmarks/follow_threshold.py --corpus tests/eval/corpus --questions tests/eval/real_questions.yaml

Each evaluation question is taken as a followed topic and each corpus document as the
one a reload just brought. A document *should* be notified when the question's answers
lie in it; every other pair (the other documents, and every document for an off-topic
question) should not. For each threshold it prints how many of the pairs that should be
notified are (recall), how many notifications would be wrong (and their share), and the
F1; ``bot.answers.follows.NOTIFY_RATIO`` is the threshold chosen from this table.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answers.evaluate import load_eval_set  # noqa: E402
from bot.answers.follows import NOTIFY_RATIO, best_shares  # noqa: E402
from bot.answers.service import Service  # noqa: E402

logger = logging.getLogger(__name__)

THRESHOLDS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("tests/eval/corpus"))
    parser.add_argument("--questions", type=Path, default=Path("tests/eval/real_questions.yaml"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    service = Service(args.corpus)
    snapshot = service.snapshot
    names = [d.name for d in snapshot.corpus.documents]
    eval_set = load_eval_set(args.questions)
    pairs: list[tuple[float, bool]] = []  # (share, should be notified)
    for question in eval_set.questions:
        shares = best_shares(snapshot, question.question)
        answering = {a.document for a in question.answers}
        pairs.extend((shares.get(name, -1.0), name in answering) for name in names)
    positives = sum(1 for _, good in pairs if good)
    print(f"{len(eval_set.questions)} topics x {len(names)} documents = {len(pairs)} pairs, "
          f"{positives} that should be notified (NOTIFY_RATIO is {NOTIFY_RATIO})")
    print(f"{'threshold':>9} {'notified':>9} {'right':>6} {'recall':>7} {'wrong':>6} {'precision':>9} {'F1':>5}")
    for threshold in THRESHOLDS:
        sent = [good for share, good in pairs if share >= threshold and share >= 0]
        right = sum(sent)
        recall = right / positives if positives else 0.0
        precision = right / len(sent) if sent else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{threshold:>9.2f} {len(sent):>9} {right:>6} {recall:>7.2f} {len(sent) - right:>6} "
              f"{precision:>9.2f} {f1:>5.2f}")


if __name__ == "__main__":
    main()
