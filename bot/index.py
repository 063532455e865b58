"""The BM25 index over passages: rank-bm25's model, guarded against its known traps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from bot.chunking import Passage

# Measured with `python -m bot eval --sweep` on the eval set (see the README).
K1 = 1.2
B = 0.75
EPSILON = 0.25


@dataclass(frozen=True)
class Hit:
    """A passage and its BM25 score for one query."""

    passage: Passage
    score: float


class Index:
    """rank-bm25's Okapi BM25 over pre-tokenised passages.

    Okapi's idf is log((N - n + 0.5) / (n + 0.5)): zero for a term in exactly half the
    passages and negative above that. rank-bm25 floors negative idfs at epsilon times
    the mean idf but leaves an exact zero alone, so we floor zeros the same way: a
    common word then still counts a little instead of nothing. An empty corpus makes
    rank-bm25 divide by zero; we refuse it with a ValueError instead.
    """

    def __init__(
        self, passages: Sequence[Passage], k1: float = K1, b: float = B, epsilon: float = EPSILON
    ) -> None:
        if not passages:
            raise ValueError("cannot index an empty corpus")
        self.passages = list(passages)
        self.bm25 = BM25Okapi([p.terms for p in self.passages], k1=k1, b=b, epsilon=epsilon)
        floor = epsilon * self.bm25.average_idf
        for term, idf in self.bm25.idf.items():
            if idf <= 0:
                self.bm25.idf[term] = floor
        self.max_idf = max(self.bm25.idf.values())
        self._postings: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.passages)

    def idf(self, term: str) -> float | None:
        """The term's idf, or None when no passage has it."""
        return self.bm25.idf.get(term)

    def scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every passage for a weighted query (weight 1 each = `get_scores`)."""
        total = np.zeros(len(self.passages))
        for term, weight in weights.items():
            if term in self.bm25.idf:
                total += weight * self.bm25.get_scores([term])
        return total

    def search(self, weights: Mapping[str, float], limit: int) -> list[Hit]:
        """The best `limit` passages with a positive score, best first."""
        scores = self.scores(weights)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [Hit(self.passages[i], float(scores[i])) for i in order if scores[i] > 0]
