"""The BM25 index over passages: rank-bm25's model, guarded against its known traps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.chunking import Passage
from bot.scoring import Okapi, TermMatrix, top

# rank-bm25's usual k1 and b sit on the plateau `python -m bot eval --sweep` measures on
# the eval set: b 0.5 loses a question at every k1, b 0.9 loses some at k1 1.5+ (README).
K1 = 1.2
B = 0.75
EPSILON = 0.25


@dataclass(frozen=True)
class Hit:
    """A passage and its BM25 score for one query."""

    passage: Passage
    score: float
    position: int  # the passage's place in the index, in corpus order


class SavedIndex(Protocol):
    """Somewhere a built model can be kept for the same passages (see `bot.cache`)."""

    def load(self, k1: float, b: float, epsilon: float) -> Okapi | None: ...

    def save(self, model: Okapi) -> None: ...


class TokenizedPassages(list):
    """A list of passages that also carries their terms as ids, so the index need not redo it.

    `saved`, when given, may hold the model already built for exactly these passages.
    """

    def __init__(
        self, passages: Sequence[Passage], matrix: TermMatrix, saved: SavedIndex | None = None
    ) -> None:
        super().__init__(passages)
        if len(matrix) != len(self):
            raise ValueError("the term matrix does not match the passages")
        self.matrix = matrix
        self.saved = saved


class Index:
    """rank-bm25's Okapi BM25 over pre-tokenised passages, scored from postings.

    Okapi's idf is log((N - n + 0.5) / (n + 0.5)): zero for a term in exactly half the
    passages and negative above that. rank-bm25 floors negative idfs at epsilon times
    the mean idf but leaves an exact zero alone, so we floor zeros the same way: a
    common word then still counts a little instead of nothing. An empty corpus makes
    rank-bm25 divide by zero; we refuse it with a ValueError instead. `bm25` is a
    `bot.scoring.Okapi`: rank-bm25's numbers (k1, b, idf, get_scores) from postings.
    """

    def __init__(
        self, passages: Sequence[Passage], k1: float = K1, b: float = B, epsilon: float = EPSILON
    ) -> None:
        if not passages:
            raise ValueError("cannot index an empty corpus")
        self.passages = list(passages)
        saved = getattr(passages, "saved", None)
        model = saved.load(k1, b, epsilon) if saved is not None else None
        if model is None or model.corpus_size != len(self.passages):
            matrix = getattr(passages, "matrix", None)
            if not isinstance(matrix, TermMatrix) or len(matrix) != len(passages):
                matrix = TermMatrix.from_documents(p.terms for p in passages)
            model = Okapi(matrix, k1=k1, b=b, epsilon=epsilon)
            if saved is not None:
                saved.save(model)
        self.bm25 = model
        self.max_idf = max(self.bm25.idf.values())

    def __len__(self) -> int:
        return len(self.passages)

    def idf(self, term: str) -> float | None:
        """The term's idf, or None when no passage has it."""
        return self.bm25.idf.get(term)

    def scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every passage for a weighted query (weight 1 each = `get_scores`)."""
        return self.bm25.weighted_scores(weights)

    def search(self, weights: Mapping[str, float], limit: int) -> list[Hit]:
        """The best `limit` passages with a positive score, best first (ties: corpus order)."""
        scores = self.scores(weights)
        return [Hit(self.passages[i], float(scores[i]), int(i)) for i in top(scores, limit)]
