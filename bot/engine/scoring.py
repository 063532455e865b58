"""rank-bm25's Okapi BM25 from postings: the same numbers, at the cost of the query's terms.

rank-bm25's `get_scores` walks every document in Python for every query term. Here each
term keeps the passages that hold it and each one's contribution, computed once with
the very floating-point operations (and order) rank-bm25 uses, so a query touches only
its own postings and the scores are bit-for-bit those of `BM25Okapi.get_scores`.
The idf, its average and floor come from rank-bm25's own `_calc_idf`; avgdl and each
contribution follow its formulas operation for operation; `tests/test_scoring.py`
proves the scores and rankings equal to `BM25Okapi.get_scores`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rank_bm25 import BM25Okapi


@dataclass(frozen=True)
class TermMatrix:
    """Documents as term ids (CSR): doc d's ids are `ids[indptr[d]:indptr[d + 1]]`."""

    vocab: tuple[str, ...]
    indptr: np.ndarray  # int64, one more than the documents
    ids: np.ndarray  # int32 ids into `vocab`

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def from_documents(cls, documents: Iterable[Sequence[str]]) -> TermMatrix:
        """Token lists to ids; the vocabulary is numbered in order of first appearance."""
        vocab: dict[str, int] = {}
        ids: list[int] = []
        lengths = [0]
        for document in documents:
            ids.extend([vocab.setdefault(term, len(vocab)) for term in document])
            lengths.append(len(document))
        return cls(
            tuple(vocab),
            np.cumsum(np.asarray(lengths, dtype=np.int64)),
            np.asarray(ids, dtype=np.int32),
        )

    def compact(self) -> TermMatrix:
        """The same documents over only the terms they use (rank-bm25 knows no others)."""
        used = np.zeros(len(self.vocab), dtype=bool)
        used[self.ids] = True
        if used.all():
            return self
        renumber = (np.cumsum(used) - 1).astype(np.int32)
        vocab = tuple(term for term, keep in zip(self.vocab, used.tolist(), strict=True) if keep)
        return TermMatrix(vocab, self.indptr, renumber[self.ids])


@dataclass(frozen=True)
class Postings:
    """Per term: the documents holding it (ascending) and their BM25 contributions."""

    vocab: dict[str, int]
    offsets: np.ndarray  # int64, len(vocab) + 1
    docs: np.ndarray  # int32
    contributions: np.ndarray  # float64: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

    def span(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(doc ids, contributions) for `term`, or None when no document has it."""
        number = self.vocab.get(term)
        if number is None:
            return None
        start, end = self.offsets[number], self.offsets[number + 1]
        return self.docs[start:end], self.contributions[start:end]


# Per term, the places of this many of its best scores are kept: they give `top` a floor
# that spares it most passages.
BEST_KEPT = 64


@dataclass(frozen=True)
class TermScores:
    """One term's score in each passage holding it; where its BEST_KEPT best are; its lowest."""

    places: np.ndarray  # passage positions (np.intp, as np.add.at takes them)
    scores: np.ndarray  # float64, the term's BM25 score in each
    leaders: np.ndarray  # the positions of its BEST_KEPT highest scores (or all)
    lowest: float  # negative only in a tiny corpus, whose average idf can be

    @classmethod
    def of(cls, places: np.ndarray, scores: np.ndarray) -> TermScores:
        places = places.astype(np.intp, copy=False)
        cut = len(scores) - BEST_KEPT
        leaders = places[np.argpartition(scores, cut)[cut:]] if cut > 0 else places
        lowest = float(scores.min()) if len(scores) else 0.0
        return cls(places, scores, leaders, lowest)

    @property
    def nbytes(self) -> int:
        return self.places.nbytes + self.scores.nbytes + self.leaders.nbytes


class Scratch(threading.local):
    """One thread's buffers for adding up a query's scores, kept from one query to the
    next: a query then allocates nothing the size of the corpus. (A fresh array of a few
    megabytes per query costs more in page faults, as the allocator maps and unmaps it,
    than the adding itself.)"""

    def __init__(self) -> None:
        self.total = np.zeros(0)  # all zero between queries
        self.values = np.empty(0)
        self.above = np.empty(0, dtype=bool)

    def grown(self, corpus_size: int, postings: int) -> None:
        if len(self.total) < corpus_size:
            self.total = np.zeros(corpus_size)
            self.above = np.empty(corpus_size, dtype=bool)
        if len(self.values) < postings:
            self.values = np.empty(max(postings, 2 * len(self.values)))


def top_weighted(
    weights: Mapping[str, float],
    scores_of: Callable[[str], TermScores | None],
    corpus_size: int,
    limit: int,
    scratch: Scratch,
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, scores) of the best `limit` passages for a weighted query: `top` over
    the sum of weight * score per term, added in the mapping's order, into `scratch`.

    `np.add.at` adds in array order, term after term, starting from zero: each passage's
    sum is the one `weighted_scores` makes, bit for bit. When no weighted score is
    negative, the passages where each term scores best give a floor the best `limit`
    reach, so `top` looks only at the passages above it.
    """
    terms = [(w, found) for t, w in weights.items() if (found := scores_of(t)) is not None]
    if not terms:
        return np.empty(0, dtype=np.intp), np.empty(0)
    scratch.grown(corpus_size, max(len(found.scores) for _, found in terms))
    total = scratch.total[:corpus_size]
    try:
        for weight, found in terms:
            values = found.scores  # times 1.0 they are themselves
            if weight != 1.0:
                values = np.multiply(values, weight, out=scratch.values[: len(values)])
            np.add.at(total, found.places, values)
        floor = 0.0
        if limit > 0 and all(w > 0 and found.lowest >= 0 for w, found in terms):
            # The passages where some term scores best: `limit` of them reach the `limit`-th
            # best total among them, so every passage of the best `limit` does too.
            leaders = _distinct(np.concatenate([found.leaders for _, found in terms]))
            if len(leaders) >= limit:
                reached = total[leaders]
                floor = float(np.partition(reached, len(reached) - limit)[len(reached) - limit])
        best = top(total, limit, floor, scratch.above[:corpus_size])
        return best, total[best]
    finally:  # all zero again for the next query: cleared in one pass if most were touched
        if sum(len(found.places) for _, found in terms) > corpus_size // 2:
            total.fill(0.0)
        else:
            for _, found in terms:
                total[found.places] = 0.0


def _distinct(values: np.ndarray) -> np.ndarray:
    """`values` sorted, each once (np.unique's result, without its overhead on small arrays)."""
    values.sort()
    first = np.empty(len(values), dtype=bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return values[first]


class Okapi:
    """rank-bm25's BM25Okapi model (k1, b, epsilon, avgdl, idf) served from postings.

    `idf` is floored the way our index wants it: a term whose Okapi idf is zero or
    negative gets epsilon times the average idf (rank-bm25 floors only negatives).
    """

    def __init__(self, matrix: TermMatrix, k1: float, b: float, epsilon: float) -> None:
        if len(matrix) == 0:
            raise ValueError("cannot index an empty corpus")
        if len(matrix.ids) == 0:
            raise ValueError("cannot index a corpus whose passages have no terms")
        matrix = matrix.compact()
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.corpus_size = len(matrix)
        self.doc_len = np.diff(matrix.indptr)
        self.avgdl = int(self.doc_len.sum()) / self.corpus_size
        terms, docs, tf = _term_doc_counts(matrix)
        df = np.bincount(terms, minlength=len(matrix.vocab))
        order = _first_appearance(matrix, docs[_starts(terms, len(matrix.vocab))])
        idf, self.average_idf = okapi_idf(matrix.vocab, df, order, self.corpus_size, epsilon)
        values = idf.tolist()
        self.idf = {matrix.vocab[i]: values[i] for i in order.tolist()}  # rank-bm25's order
        self.max_idf = max(self.idf.values())
        self._scratch = Scratch()
        self.postings = Postings(
            vocab={term: number for number, term in enumerate(matrix.vocab)},
            offsets=np.concatenate(([0], np.cumsum(df))).astype(np.int64),
            docs=docs.astype(np.int32),
            contributions=self._contributions(idf[terms], tf, self.doc_len[docs]),
        )

    def scores_of(self, term: str) -> TermScores | None:
        """The term's score in each document holding it (None when none does)."""
        found = self.postings.span(term)
        return None if found is None else TermScores.of(*found)

    def top(self, weights: Mapping[str, float], limit: int) -> tuple[np.ndarray, np.ndarray]:
        """(documents, scores) of the best `limit` for a weighted query (`top_weighted`)."""
        return top_weighted(weights, self.scores_of, self.corpus_size, limit, self._scratch)

    def _contributions(self, idf: np.ndarray, tf: np.ndarray, dl: np.ndarray) -> np.ndarray:
        return term_scores(idf, tf, length_norms(dl, self.k1, self.b, self.avgdl), self.k1)

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """What `BM25Okapi.get_scores(query)` returns: a score per document (repeats count)."""
        score = np.zeros(self.corpus_size)
        for term in query:
            found = self.postings.span(term)
            if found is not None:
                docs, contributions = found
                score[docs] += contributions
        return score

    def weighted_scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """Sum over terms of weight * get_scores([term]), added in the mapping's order."""
        total = np.zeros(self.corpus_size)
        for term, weight in weights.items():
            found = self.postings.span(term)
            if found is not None:
                docs, contributions = found
                total[docs] += weight * contributions
        return total


def length_norms(doc_len: np.ndarray, k1: float, b: float, avgdl: float) -> np.ndarray:
    """Each document's k1 * (1 - b + b * dl / avgdl), as rank-bm25's get_scores computes it."""
    return k1 * (1 - b + b * doc_len / avgdl)


def term_scores(idf, tf: np.ndarray, norms: np.ndarray, k1: float) -> np.ndarray:
    """One term's BM25 score in each document holding it: rank-bm25's get_scores operation
    for operation (tf and the documents' `length_norms`), so the results match bit for bit."""
    return idf * (tf * (k1 + 1) / (tf + norms))


def okapi_idf(
    vocab: Sequence[str], df: np.ndarray, order: np.ndarray, n_docs: int, epsilon: float
) -> tuple[np.ndarray, float]:
    """Each term's idf, floored, and the average idf: rank-bm25's `_calc_idf` over the
    document frequencies `df` of the terms `order` lists, in the order rank-bm25 meets them.

    rank-bm25 floors negative idfs at epsilon times the average; a zero (a term in exactly
    half the documents) gets the floor too. Terms `order` leaves out get NaN.
    """
    reference = _rank_bm25_idf(vocab, df, order, n_docs, epsilon)
    floor = epsilon * reference.average_idf
    idf = np.full(len(vocab), np.nan)
    idf[order] = [reference.idf[vocab[i]] for i in order.tolist()]
    idf[order] = np.where(idf[order] > 0, idf[order], floor)
    return idf, reference.average_idf


def top(
    scores: np.ndarray, limit: int, floor: float = 0.0, above: np.ndarray | None = None
) -> np.ndarray:
    """Indices of the best `limit` positive scores, best first, ties by index.

    The same order as `np.argsort(-scores, kind="stable")[:limit]` keeping positives,
    but linear: np.argpartition finds the cut, only the survivors are sorted. A positive
    `floor` that at least `limit` scores reach leaves the rest out from the start.
    `above`, a boolean array the size of `scores`, is used as scratch space.
    """
    if limit <= 0:
        return np.empty(0, dtype=np.intp)
    if floor > 0:
        positive = np.flatnonzero(np.greater_equal(scores, floor, out=above))
    else:
        positive = np.flatnonzero(np.greater(scores, 0, out=above))
    if len(positive) > limit:
        values = scores[positive]
        cut = values[np.argpartition(values, len(values) - limit)[len(values) - limit]]
        positive = positive[values >= cut]  # ties at the cut stay, for a stable order
    order = np.lexsort((positive, -scores[positive]))
    return positive[order[:limit]]


def _term_doc_counts(matrix: TermMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, doc, tf) for every distinct pair, sorted by term then doc."""
    n_docs = len(matrix)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(matrix.indptr))
    keys = matrix.ids.astype(np.int64) * n_docs + doc_of
    keys.sort()
    first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    tf = np.diff(np.append(first, len(keys))).astype(np.float64)
    pairs = keys[first]
    return pairs // n_docs, pairs % n_docs, tf


def _starts(terms: np.ndarray, n_terms: int) -> np.ndarray:
    """Index of each term's first (term, doc) pair; every term of the vocabulary has one."""
    return np.searchsorted(terms, np.arange(n_terms))


def _rank_bm25_idf(
    vocab: Sequence[str], df: np.ndarray, order: np.ndarray, n_docs: int, epsilon: float
) -> BM25Okapi:
    """rank-bm25's own idf computation (`BM25Okapi._calc_idf`) over document frequencies.

    It needs only the frequencies, in the order rank-bm25 would meet the terms, so the
    model's idf, average and floor are rank-bm25's without tokenising the corpus again.
    """
    from rank_bm25 import BM25Okapi  # only to count statistics: a warm start needs none

    model = BM25Okapi.__new__(BM25Okapi)
    model.corpus_size, model.epsilon, model.idf = n_docs, epsilon, {}
    model._calc_idf({vocab[i]: int(df[i]) for i in order.tolist()})
    return model


def _first_appearance(matrix: TermMatrix, first_doc: np.ndarray) -> np.ndarray:
    """Term ids in the order rank-bm25 meets them: by first document, then position in it."""
    doc_of = np.repeat(np.arange(len(matrix), dtype=np.int64), np.diff(matrix.indptr))
    in_first = np.flatnonzero(first_doc[matrix.ids] == doc_of)  # token positions, ascending
    _, first = np.unique(matrix.ids[in_first], return_index=True)
    return matrix.ids[in_first[np.sort(first)]]
