"""Synthetic corpora for the benchmarks: a Zipf vocabulary, passages and queries.

Deterministic for a given seed, so that runs compare. Words are random lowercase
strings (so that a real tokenizer keeps them), drawn with probability ~ 1/rank.
"""

from __future__ import annotations

import logging
import string

import numpy as np

logger = logging.getLogger(__name__)

VOCAB = 50_000
MIN_WORDS, MAX_WORDS = 40, 120


def vocabulary(size: int = VOCAB, seed: int = 7) -> list[str]:
    """``size`` distinct lowercase words of 4 to 10 letters."""
    rng = np.random.default_rng(seed)
    letters = np.array(list(string.ascii_lowercase))
    words: dict[str, None] = {}
    while len(words) < size:
        length = int(rng.integers(4, 11))
        words["".join(rng.choice(letters, length))] = None
    return list(words)


def zipf_probabilities(size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1)
    return weights / weights.sum()


def passages(n: int, words: list[str], seed: int = 11) -> list[list[str]]:
    """``n`` passages of 40 to 120 Zipf-distributed words (lists of shared str objects)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, n)
    probabilities = zipf_probabilities(len(words))
    out: list[list[str]] = []
    step = 50_000  # draw in steps: one draw of 80M word ids would be 640 MB
    for first in range(0, n, step):
        part = lengths[first : first + step]
        ids = rng.choice(len(words), size=int(part.sum()), p=probabilities)
        flat = [words[i] for i in ids.tolist()]
        offset = 0
        for length in part.tolist():
            out.append(flat[offset : offset + length])
            offset += length
    return out


def queries(count: int, words: list[str], seed: int = 13) -> list[list[str]]:
    """``count`` queries of 3 to 8 words, each word common (Zipf) or rare (uniform), 50/50."""
    rng = np.random.default_rng(seed)
    probabilities = zipf_probabilities(len(words))
    out = []
    for _ in range(count):
        length = int(rng.integers(3, 9))
        query = []
        for _ in range(length):
            if rng.random() < 0.5:
                query.append(words[int(rng.choice(len(words), p=probabilities))])
            else:
                query.append(words[int(rng.integers(len(words)))])
        out.append(query)
    return out
