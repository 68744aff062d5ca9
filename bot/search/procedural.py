"""Passages on the procedure alone (a citation, who tabled it, the vote): found, and weighed down unless asked."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.corpus.models import Passage

logger = logging.getLogger(__name__)

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# A passage on the procedure alone (procedural_kind: a citation, "tabled by", "adopted by N
# votes to M ... a resolution on ...") shares the question's words without saying anything
# on them: among the best passages it scores this fraction of its score, unless the
# question asks about that kind ("how did MEPs vote", "who tabled it", "what did it cite").
# Dev (MRR@5/recall@3, from 0.903/0.955): 0.5 0.866/0.936, 0.7 0.902/0.966, 0.8
# 0.906/0.966, 0.85 0.905/0.959, 0.9 0.905/0.959; at 0.9, citations only 0.901/0.959,
# sentences only 0.904/0.959, and with no question exempt 0.894/0.959.
PROCEDURAL_FACTOR = 0.8
PROCEDURAL_CITATIONS = True
PROCEDURAL_SENTENCES = True
# Longer than this, a passage says more than the procedure (a summary's first paragraph).
_PROCEDURAL_MAX_CHARS = 300
_CITATION_START_RE = re.compile(r"^[\-–—]?\s*having (?:regard to|received|heard)\b")
_TABLED_RE = re.compile(
    r"^The (?:text adopted in plenary|resolution|joint (?:motion for a )?resolution|motion for a resolution)"
    r" (?:had been |was )?tabled\b"
)
_ADOPTED_RE = re.compile(
    r"^The European Parliament adopted(?: by \d[\d ]* votes to \d[\d ]*,?(?: with \d[\d ]* abstentions?,?)?)?"
    r" an? (?:legislative |non-legislative )?(?:resolution|decision|recommendation)\b[^.;]*\.$"
)
CITATION, TABLED, ADOPTED = "citation", "tabled", "adopted"
# Stems that make a question one on a kind of procedural passage: that kind then keeps its score.
_PROCEDURE_STEMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys("cite citat regard recal articl treati request consent legal basi".split(), (CITATION,)),
    **dict.fromkeys("tabl group".split(), (TABLED,)),
    **dict.fromkeys("vote abstent adopt".split(), (ADOPTED,)),
}


def procedural_kind(passage: Passage) -> str | None:
    """What a passage on the procedure alone is: a citation ("having regard to ..."), a
    summary's "The resolution was tabled by ..." (tabled), or its "The European Parliament
    adopted by 595 votes to 66 ... a resolution on ..." (adopted); None for any other."""
    if passage.position.part == "citation" or _CITATION_START_RE.match(passage.text):
        return CITATION if PROCEDURAL_CITATIONS else None
    text = passage.text
    if not PROCEDURAL_SENTENCES or len(text) > _PROCEDURAL_MAX_CHARS:
        return None
    if _TABLED_RE.match(text):
        return TABLED
    return ADOPTED if _ADOPTED_RE.match(text) else None


def procedure_asked(tokens: Sequence[str]) -> frozenset[str]:
    """The kinds of procedural passage the question asks about ("how did MEPs vote": adopted)."""
    return frozenset(kind for t in tokens for kind in _PROCEDURE_STEMS.get(t, ()))


def formal(ids: Sequence[int], passages: Sequence[Passage], asked: frozenset[str]) -> BoolArray:
    """Which of ``ids`` are on the procedure alone, of a kind the question does not ask about."""
    return np.fromiter(
        ((kind := procedural_kind(passages[i])) is not None and kind not in asked for i in ids),
        dtype=np.bool_, count=len(ids),
    )


def weighed(chosen: IntArray, scores: FloatArray, passages: Sequence[Passage], asked: frozenset[str]) -> FloatArray:
    """``scores`` with each procedural passage's (see PROCEDURAL_FACTOR) lowered.

    A citation or a sentence on the procedure shares the question's words without saying
    anything on them: it yields to the units that do, unless the question asks about it.
    """
    lowered = formal(chosen.tolist(), passages, asked)
    result: FloatArray = np.where(lowered & (scores > 0), scores * PROCEDURAL_FACTOR, scores)
    return result
