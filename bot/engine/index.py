"""The BM25 index over passages: rank-bm25's model, guarded against its known traps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bot.engine.chunking import Passage
from bot.engine.corpus import Article
from bot.engine.scoring import Okapi, TermMatrix

# rank-bm25's usual k1 and b sit on the plateau `python -m bot eval --sweep` measures on
# the eval set: b 0.5 loses a question at every k1, b 0.9 loses some at k1 1.5+
# (docs/evaluation.md).
K1 = 1.2
B = 0.75
EPSILON = 0.25


@dataclass(frozen=True)
class Hit:
    """A passage's place in the index and its BM25 score for one query; `passage` is
    built when first asked for (a store's passages are made only for what is used)."""

    score: float
    position: int  # the passage's place in the index, in corpus order
    passages: Sequence[Passage] = field(repr=False, compare=False)

    @property
    def passage(self) -> Passage:
        return self.passages[self.position]


@dataclass(frozen=True)
class Window:
    """A hit's passage as a question reads it, without building the passage: its article's
    number, each sentence's offsets and terms, and the terms of the sentence before it in
    its article (none for an article's first). Terms are words, or a store's numbers for
    them (`bot.engine.tables.PassageTable.windows`)."""

    article: int
    spans: list[tuple[int, int]]
    terms: list[tuple[str | int, ...]]
    before: tuple[str | int, ...]

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


class TokenizedPassages(list):
    """A list of passages that also carries their terms as ids, so the index need not redo it."""

    def __init__(self, passages: Sequence[Passage], matrix: TermMatrix) -> None:
        super().__init__(passages)
        if len(matrix) != len(self):
            raise ValueError("the term matrix does not match the passages")
        self.matrix = matrix


class Index:
    """rank-bm25's Okapi BM25 over pre-tokenised passages, scored from postings.

    Okapi's idf is log((N - n + 0.5) / (n + 0.5)): zero for a term in exactly half the
    passages and negative above that. rank-bm25 floors negative idfs at epsilon times
    the mean idf but leaves an exact zero alone, so we floor zeros the same way: a
    common word then still counts a little instead of nothing. An empty corpus makes
    rank-bm25 divide by zero; we refuse it with a ValueError instead. `bm25` is a
    `bot.engine.scoring.Okapi`: rank-bm25's numbers (k1, b, idf, get_scores) from postings.
    """

    def __init__(
        self, passages: Sequence[Passage], k1: float = K1, b: float = B, epsilon: float = EPSILON
    ) -> None:
        if not passages:
            raise ValueError("cannot index an empty corpus")
        # A store's passage table (`bot.engine.store`) brings the model built for it, and is kept
        # as it is: its passages are built only when asked for.
        model = getattr(passages, "model", None)
        self.passages = passages if model is not None else list(passages)
        if model is None or (model.k1, model.b, model.epsilon) != (k1, b, epsilon):
            matrix = getattr(passages, "matrix", None)
            if not isinstance(matrix, TermMatrix) or len(matrix) != len(passages):
                matrix = TermMatrix.from_documents(p.terms for p in passages)
            model = Okapi(matrix, k1=k1, b=b, epsilon=epsilon)
        self.bm25 = model
        self.max_idf = model.max_idf

    def __len__(self) -> int:
        return len(self.passages)

    def sentence_total(self) -> int:
        """Sentences summed over passages (a sentence counts in every window holding it)."""
        total = getattr(self.passages, "sentence_total", None)
        return total if total is not None else sum(len(p.sentences) for p in self.passages)

    def term_total(self) -> int:
        """Terms summed over passages."""
        total = getattr(self.passages, "term_total", None)
        return total if total is not None else int(self.bm25.doc_len.sum())

    def preceding_terms(self, position: int) -> tuple[str, ...]:
        """The terms of the sentence just before the passage at `position`, in its article
        (none for an article's first): with windows stepping one sentence, it closes the
        passage before (a store's table reads it without building that passage)."""
        found = getattr(self.passages, "preceding_terms", None)
        if found is not None:
            return found(position)
        if position == 0:
            return ()
        passage, previous = self.passages[position], self.passages[position - 1]
        if previous.article is not passage.article:
            return ()
        earlier = [s for s in previous.sentences if s.start < passage.start]
        return earlier[-1].terms if earlier else ()

    def passage_counts(self, articles: Sequence[Article]) -> dict[str, int]:
        """Passages per article id (a store's table counts them without building any)."""
        counted = getattr(self.passages, "passage_counts", None)
        if counted is not None:
            return counted()
        counts = dict.fromkeys((a.id for a in articles), 0)
        for passage in self.passages:
            counts[passage.article.id] += 1
        return counts

    def articles_of(self, positions: Sequence[int]) -> np.ndarray:
        """A number for the article of each passage at `positions`: the same exactly when
        two passages share an article, rising in corpus order."""
        places = np.asarray(positions, dtype=np.int64)
        return np.searchsorted(self._article_starts, places, side="right") - 1

    @cached_property
    def _article_starts(self) -> np.ndarray:
        """Where each article's passages begin (a store's table knows without building any)."""
        starts = getattr(self.passages, "article_starts", None)
        if starts is not None:
            return starts
        passages = self.passages
        return np.array(
            [
                k
                for k in range(len(passages))
                if k == 0 or passages[k].article is not passages[k - 1].article
            ],
            dtype=np.int64,
        )

    def idf(self, term: str) -> float | None:
        """The term's idf, or None when no passage has it."""
        return self.bm25.idf.get(term)

    def scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every passage for a weighted query (weight 1 each = `get_scores`)."""
        return self.bm25.weighted_scores(weights)

    def search(self, weights: Mapping[str, float], limit: int) -> list[Hit]:
        """The best `limit` passages with a positive score, best first (ties: corpus order)."""
        positions, scores = self.bm25.top(weights, limit)
        passages = self.passages
        return [
            Hit(score, position, passages)
            for position, score in zip(positions.tolist(), scores.tolist(), strict=True)
        ]
