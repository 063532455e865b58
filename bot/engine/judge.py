"""The judge: rates each candidate quote by the probability that it answers the question.

The second phase. Each candidate is described by named features (the feature store:
`FEATURES` and `describe`), and two logistic models fitted on labelled candidates from real
pages and casual questions (the model store: `data/judge.json`, written by
`scripts/fit_judge.py`, never by hand) decide: the quote model rates each candidate, the
answerability model (`QUESTION_FEATURES`) whether the articles answer the question at all.
The bot abstains below the answerability floor, and quotes only candidates at or above the
quote model's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise
from operator import itemgetter

import numpy as np

from bot.engine.meaning import Vectors, comparable, plain_words
from bot.engine.query import Coverage, possessor
from bot.engine.retrieval import (
    PASSAGE_POOL,
    Asked,
    Candidate,
    Term,
    counts_what_is_asked,
    holds,
)
from bot.engine.shapes import SHAPES, whole_words
from bot.engine.text import fold

# What each feature says of a candidate, in the order the model's weights are kept.
FEATURES = {
    "cover_quote": "share of the question's weight the quote's own words match",
    "cover_context": "... with whom its pronouns and surnames stand for, and the headline",
    "cover_passage": "... by its whole passage and the sentence before it",
    "cover_gap": "its context coverage less the best candidate's (0 for the best)",
    "bm25_sentence": "the quote's own BM25 score over the best candidate's",
    "bm25_passage": "its passage's BM25 score over the best passage's",
    "passage_rank": "its passage's rank, log-scaled to 0..1",
    "kind_asked": "1 when the question asks for a kind of answer (a number, a time ...)",
    "kind_held": "1 when the quote holds the kind of answer asked for",
    "pairs_together": "share of the question's word pairs that stand side by side in it",
    "crux_covered": "how well it matches the question's heaviest word (1, 0.8 synonym ...)",
    "missing_most": "the heaviest question word it lacks entirely, over the heaviest word",
    "names_missing": "share of the question's names and roles its passage lacks",
    "listing": "1 when the question asks for a list (which mayors ..., who were ...)",
    "list_new_names": "for a list: names the quote gives that the question does not (max 3)",
    "list_cover": "for a list: its context coverage",
    "length": "the quote's length, log-scaled (300 characters = 1)",
    "few_words": "1 over the number of the question's informative words",
    "names_missing_quote": "share of the question's names and roles the quote itself lacks",
    "name_missing_any": "1 when its passage lacks any of the question's names and roles",
    "time_missing": "1 when the question names a day or month its passage and headline lack",
    "unknown_words": "share of the question's weight on words no article has",
    "named_speaks": "for what-did-X-say: the quote names X (or a pronoun for X) and speaks",
    "position": "where the quote starts in its article (0 = the top, 1 = the end)",
    "counts_asked": "for how many/much: a number in it counts one of the question's words",
    "counting": "1 when the question asks how many or how much",
    "soft_cover": "coverage where a word close in meaning counts as far as it is close",
    "soft_crux": "how close in meaning its nearest word is to the question's heaviest word",
    "soft_gap": "its soft coverage less the best candidate's (0 for the best)",
    "dense": "cosine of the question's and the quote's text vectors (mean word pieces)",
    "dense_gap": "its dense closeness less the best candidate's (0 for the best)",
}
# Which way each feature may move the rating when the model is fitted (scripts/fit_judge.py
# bounds the weights' signs): more of the question covered never makes a quote less likely
# to answer, a name or day missing never more. Features not named here are free.
RISES = {
    **dict.fromkeys(
        "cover_quote cover_context cover_passage cover_gap bm25_sentence bm25_passage "
        "kind_held pairs_together crux_covered list_new_names list_cover named_speaks "
        "counts_asked soft_cover soft_crux soft_gap dense dense_gap best second top_mean "
        "best_cover best_soft_cover best_dense best_kind_held best_counts_asked "
        "any_counts_asked any_named_speaks".split(),
        1,
    ),
    **dict.fromkeys(
        "passage_rank missing_most names_missing names_missing_quote name_missing_any "
        "time_missing unknown_words best_names_missing best_time_missing "
        "names_missing_all count_unmet".split(),
        -1,
    ),
}
# A headline word counts for this share of a match. Kept typed: the judge weighs the
# coverage features it feeds, so what matters is that the headline counts less.
HEADLINE_CREDIT = 0.5


# What the answerability model reads of a question's candidates (rated by the quote model):
# whether the articles answer it at all, whatever the best candidate's words cover.
QUESTION_FEATURES = {
    "best": "the best candidate's rating (log-odds)",
    "second": "the second best candidate's rating (log-odds)",
    "top_mean": "the mean rating of the best five (log-odds)",
    "best_names_missing": "the best candidate's passage lacks a name or role asked about",
    "best_time_missing": "the best candidate's passage lacks the day or month asked about",
    "names_missing_all": "the fewest names and roles asked about that a passage of the best "
    "five lacks (a share)",
    "best_cover": "the best candidate's context coverage",
    "best_soft_cover": "the best candidate's soft coverage",
    "best_dense": "the best candidate's closeness to the question as whole texts",
    "best_kind_held": "the best candidate holds the kind of answer asked for",
    "best_counts_asked": "the best candidate's number counts what the question counts",
    "count_unmet": "the question asks how many or how much, and the best candidate gives no "
    "figure that counts what it asks (a count of something else, or none)",
    "any_counts_asked": "one of the best five candidates' numbers counts what is asked",
    "any_named_speaks": "one of the best five quotes has the person asked about speaking",
    "best_position": "where the best candidate stands in its article",
    "unknown_words": "share of the question's weight on words no article has",
    "kind_asked": "the question asks for a kind of answer",
    "listing": "the question asks for a list",
    "few_words": "1 over the number of the question's informative words",
}


@dataclass(frozen=True)
class Model:
    """A fitted logistic model over named features, and the floor its probability must
    reach."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    floor: float

    @classmethod
    def from_json(cls, data: dict, known: dict[str, str]) -> Model | Trees:
        unknown = set(data["features"]) - set(known)
        if unknown:
            raise ValueError(f"the judge's model uses unknown features: {sorted(unknown)}")
        if data.get("kind") == "trees":
            return Trees.from_json(data)
        if len(data["features"]) != len(data["weights"]):
            raise ValueError("the judge's model has a weight for each feature")
        return cls(
            tuple(data["features"]),
            tuple(float(w) for w in data["weights"]),
            float(data["bias"]),
            float(data["floor"]),
        )

    def probability(self, described: dict[str, float]) -> float:
        """The probability that what is so described is what the model was fitted to find."""
        return self.probabilities([described])[0]

    def probabilities(self, rows: Sequence[dict[str, float]]) -> list[float]:
        """Each row's probability; the weighted features are added in order, all rows at
        once."""
        if not rows:
            return []
        x = _matrix(rows, self.features)
        z = np.full(len(rows), self.bias)
        for k, weight in enumerate(self.weights):
            z = z + weight * x[:, k]
        return [1.0 / (1.0 + math.exp(-v)) if v > -700 else 0.0 for v in z.tolist()]


@dataclass(frozen=True, eq=False)
class Trees:
    """Fitted gradient-boosted trees over named features (scikit-learn's histogram
    boosting, exported by scripts/fit_judge.py), and the floor their probability must reach.

    Every tree is walked for every row at once: one array step per level of depth."""

    features: tuple[str, ...]
    baseline: float
    feature: np.ndarray  # (trees, nodes): the feature a node splits on
    threshold: np.ndarray  # ... goes left when the value is at most this
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray  # whether the node is a leaf
    value: np.ndarray  # a leaf's raw score
    depth: int
    floor: float

    @classmethod
    def from_json(cls, data: dict) -> Trees:
        trees = data["trees"]
        return cls(
            tuple(data["features"]),
            float(data["baseline"]),
            np.array(trees["feature"], dtype=np.intp),
            np.array(trees["threshold"], dtype=float),
            np.array(trees["left"], dtype=np.intp),
            np.array(trees["right"], dtype=np.intp),
            np.array(trees["leaf"], dtype=bool),
            np.array(trees["value"], dtype=float),
            int(data["depth"]),
            float(data["floor"]),
        )

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Each row's summed leaf scores (log-odds), rows as `features` ordered."""
        count, trees = len(x), len(self.feature)
        node = np.zeros((count, trees), dtype=np.intp)
        columns = np.arange(trees)
        for _ in range(self.depth):
            feature = self.feature[columns, node]
            values = np.take_along_axis(x, feature, axis=1)
            step = np.where(
                values <= self.threshold[columns, node],
                self.left[columns, node],
                self.right[columns, node],
            )
            node = np.where(self.leaf[columns, node], node, step)
        return self.baseline + self.value[columns, node].sum(axis=1)

    def probabilities(self, rows: Sequence[dict[str, float]]) -> list[float]:
        if not rows:
            return []
        z = np.clip(self.raw(_matrix(rows, self.features)), -700, 700)
        return (1.0 / (1.0 + np.exp(-z))).tolist()

    def probability(self, described: dict[str, float]) -> float:
        return self.probabilities([described])[0]


@dataclass(frozen=True)
class Judge:
    """The quote model (does this candidate answer?) and the answerability model (do the
    articles answer this question at all?)."""

    quote: Model | Trees
    answerable: Model | Trees
    relative: float = 0.0  # a quote shown rates at least this share of the best one

    @classmethod
    def from_json(cls, data: dict) -> Judge:
        return cls(
            Model.from_json(data["quote"], FEATURES),
            Model.from_json(data["answerable"], QUESTION_FEATURES),
            float(data.get("relative", 0.0)),
        )

    def answers(self, candidates: Sequence[Candidate], rows: Sequence[dict[str, float]]) -> bool:
        """Whether the articles answer the question, judged from its rated candidates."""
        if not candidates:
            return False
        return self.answerable.probability(question_features(candidates, rows)) >= (
            self.answerable.floor
        )


def _log_odds(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)  # within what real corpora's candidates are rated
    return math.log(p / (1 - p))


def question_features(
    candidates: Sequence[Candidate], rows: Sequence[dict[str, float]]
) -> dict[str, float]:
    """What the answerability model reads: the best ratings, and the best one's features."""
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    scores = [candidates[i].score for i in order[:5]]
    read = {i: rows[i] for i in order[:5]}  # each row read once
    best = read[order[0]]
    return {
        "best": _log_odds(scores[0]),
        # a corpus so small that one candidate is all there is has no runner-up to weigh
        "second": _log_odds(scores[1] if len(scores) > 1 else scores[0]),
        "top_mean": sum(map(_log_odds, scores)) / len(scores),
        "best_names_missing": best["names_missing"],
        "best_time_missing": best["time_missing"],
        "names_missing_all": min(read[i]["names_missing"] for i in order[:5]),
        "best_cover": best["cover_context"],
        "best_soft_cover": best["soft_cover"],
        "best_dense": best["dense"],
        "best_kind_held": best["kind_held"],
        "best_counts_asked": best["counts_asked"],
        "count_unmet": best["counting"] * (1.0 - best["counts_asked"]),
        "any_counts_asked": max(read[i]["counts_asked"] for i in order[:5]),
        "any_named_speaks": max(read[i]["named_speaks"] for i in order[:5]),
        "best_position": best["position"],
        "unknown_words": best["unknown_words"],
        "kind_asked": best["kind_asked"],
        "listing": best["listing"],
        "few_words": best["few_words"],
    }


@cache
def fitted() -> Judge:
    """The models `scripts/fit_judge.py` wrote into `bot/engine/data/judge.json`."""
    text = resources.files("bot.engine").joinpath("data/judge.json").read_text("utf-8")
    return Judge.from_json(json.loads(text))


@dataclass(frozen=True)
class Reading:
    """What describing a question's candidates needs from the engine."""

    asked: Asked
    names: Callable[[Candidate], set[str]]  # the uncommon names a quote gives
    context: bool  # whether whom pronouns stand for, and headlines, count
    meaning: Vectors | None = None  # word vectors, when closeness in meaning counts
    question: str = ""  # the question's words (after what it follows), lower case


def describe(reading: Reading, found: Sequence[Candidate]) -> Rows:
    """The features of each candidate of one question, in `FEATURES` order.

    Every candidate's coverage of every question word is worked out at once (`_coverage`),
    by its own words, with its context, with its headline, and by its passage, and every
    coverage feature is read from those, as columns over the candidates."""
    asked = reading.asked
    if not found:
        return Rows(np.empty((0, len(FEATURES))))
    weighed = asked.weighed
    weights = [w for _, _, w in weighed]
    total = asked.total or 1.0
    heaviest = max(weights, default=0.0) or 1.0
    place = {n: k for k, (n, _, _) in enumerate(weighed)}  # concept number -> its place
    crux = place.get(asked.crux, -1) if asked.crux is not None else -1
    pairs = asked.pairs
    named = [place[n] for n in asked.named + _names_in_lower_case(asked, found) if n in place]
    times = [place[n] for n in asked.times if n in place]
    quote, context, headed, around = _coverage(reading, found)
    close = _closeness(reading, found, [weighed[k][0] for k in named], context)
    count = len(found)
    kind = asked.kind
    counting = kind in ("number", "money")
    listing = float(asked.listing)
    nothing = np.zeros(count)
    names_missing = names_missing_quote = nothing
    if named:
        names_missing = (around[:, named] == 0).sum(axis=1) / len(named)
        names_missing_quote = (headed[:, named] == 0).sum(axis=1) / len(named)
    cover_context = _shares(weights, headed, total)
    soft_cover = _shares(weights, close, total)
    dense = np.array(_dense(reading, found))
    top_passage = max(c.passage_score for c in found) or 1.0
    best_sentence = max(c.bm25 for c in found) or 1.0
    kind_held = [float(kind is not None and holds(kind, c)) for c in found]
    named_quote = (names_missing_quote < 1.0).tolist() if named else [False] * count
    columns = {
        "cover_quote": _shares(weights, quote, total),
        "cover_context": cover_context,
        "cover_passage": _shares(weights, around, total),
        "cover_gap": cover_context - cover_context.max(),
        "bm25_sentence": [c.bm25 / best_sentence for c in found],
        "bm25_passage": [c.passage_score / top_passage for c in found],
        "passage_rank": [math.log1p(c.rank) / math.log1p(PASSAGE_POOL) for c in found],
        "kind_asked": [float(kind is not None)] * count,
        "kind_held": kind_held,
        "pairs_together": [_together(pairs, c) for c in found],
        "crux_covered": context[:, crux] if crux >= 0 else nothing,
        "missing_most": np.where(headed == 0, weights, 0.0).max(axis=1, initial=0.0) / heaviest,
        "names_missing": names_missing,
        "listing": [listing] * count,
        "list_new_names": [min(len(reading.names(c)), 3) / 3 if listing else 0.0 for c in found],
        "list_cover": listing * cover_context,
        "length": [math.log1p(c.end - c.start) / math.log1p(300) for c in found],
        "few_words": [1.0 / len(weighed) if weighed else 1.0] * count,
        "names_missing_quote": names_missing_quote,
        "name_missing_any": (names_missing > 0).astype(float),
        "time_missing": (around[:, times] == 0).any(axis=1).astype(float),
        "unknown_words": [asked.unknown] * count,
        "named_speaks": [
            float(kind == "statement" and quoted and bool(SHAPES["statement"].search(fold(c.text))))
            for c, quoted in zip(found, named_quote, strict=True)
        ],
        "position": [c.start / max(len(c.source.text), 1) for c in found],
        "counts_asked": [
            float(counting and held == 1.0 and counts_what_is_asked(asked, c))
            for c, held in zip(found, kind_held, strict=True)
        ],
        "counting": [float(counting)] * count,
        "soft_cover": soft_cover,
        "soft_crux": close[:, crux] if crux >= 0 else nothing,
        "soft_gap": soft_cover - soft_cover.max(),
        "dense": dense,
        "dense_gap": dense - dense.max(),
    }
    matrix = np.empty((count, len(FEATURES)))
    for k, name in enumerate(FEATURES):
        matrix[:, k] = columns[name]
    return Rows(matrix)


class Rows(Sequence[dict[str, float]]):
    """The candidates' features as one matrix (candidates, `FEATURES`): the quote model
    reads its columns, and each row reads as a dict of the features (for fitting, and
    for what the answerability model reads of the best)."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.matrix)

    def __getitem__(self, k):  # an int gives a dict, a slice a list of them
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return dict(zip(FEATURES, self.matrix[k].tolist(), strict=True))


def _matrix(rows: Sequence[dict[str, float]], features: tuple[str, ...]) -> np.ndarray:
    """The rows' `features` as a matrix (rows, features)."""
    if isinstance(rows, Rows):
        return rows.matrix[:, [_FEATURE_AT[name] for name in features]]
    return np.array(list(map(itemgetter(*features), rows)), dtype=float).reshape(
        len(rows), len(features)
    )


_FEATURE_AT = {name: k for k, name in enumerate(FEATURES)}


def _coverage(
    reading: Reading, found: Sequence[Candidate]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each candidate's coverage of each weighed concept (candidates, concepts): by the
    quote's own words; with whom its pronouns and surnames stand for (its context); that with
    its headline's words counting HEADLINE_CREDIT of a match (headed); and by its whole
    passage, the sentence before it and whom they refer to, with the headline (around)."""
    coverage = Coverage([concept for _, concept, _ in reading.asked.weighed])
    present = coverage.present
    # Whom a span refers to counts only in an article whose people's names and roles hold
    # a term that covers a concept.
    refers = [
        reading.context and not coverage.terms.isdisjoint(c.context.referable()) for c in found
    ]
    windows: dict[int, int] = {}  # id(window) -> its row in `passages`
    passages: list[frozenset] = []
    window_of = []
    for c, referring in zip(found, refers, strict=True):
        at = windows.get(id(c.window))
        if at is None:
            at = windows[id(c.window)] = len(passages)
            window = c.window
            terms = frozenset(window.before).union(*window.terms)
            if referring:
                terms |= c.context.referents(window.start, window.end)
            passages.append(terms)
        window_of.append(at)
    own = present([c.terms for c in found])
    passage = present(passages)[window_of]
    context, headline = own, np.zeros_like(own)
    if reading.context:
        referred = [
            c.context.referents(c.start, c.end) if referring else frozenset()
            for c, referring in zip(found, refers, strict=True)
        ]
        context = own | present(referred)
        headline = present([c.context.headline for c in found])
    both = np.concatenate([own, context, context | headline, passage, passage | headline])
    count = len(found)
    quote, context, context_headed, passage, passage_headed = (
        coverage.of(both)[k * count : (k + 1) * count] for k in range(5)
    )
    return (
        quote,
        context,
        _headed(context, context_headed),
        _headed(passage, passage_headed),
    )


def _headed(covered: np.ndarray, with_headline: np.ndarray) -> np.ndarray:
    """`covered`, where a concept not fully covered also counts the headline's words for
    HEADLINE_CREDIT of a match (`with_headline`: the coverage with them)."""
    return np.where(covered < 1.0, np.maximum(covered, HEADLINE_CREDIT * with_headline), covered)


def _dense(reading: Reading, found: Sequence[Candidate]) -> list[float]:
    """Each candidate's closeness to the question as whole texts (0 without vectors)."""
    if reading.meaning is None or not reading.question:
        return [0.0] * len(found)
    vectors = reading.meaning.texts([reading.question] + [c.text for c in found])
    return np.clip(vectors[1:] @ vectors[0], 0.0, 1.0).tolist()


def _shares(weights: list[float], covered: np.ndarray, total: float) -> np.ndarray:
    """Each row's share of the question's weight covered: the weights summed in order."""
    found = np.zeros(len(covered))
    for k, weight in enumerate(weights):
        found = found + weight * covered[:, k]
    return found / total


def _together(pairs: set[tuple[Term, Term]], c: Candidate) -> float:
    """The share of the question's word pairs that stand side by side in the quote."""
    own = c.terms
    if not pairs or not any(a in own and b in own for a, b in pairs):
        return 0.0
    sequence = [t for s in c.sentences for t in s]
    return len(set(pairwise(sequence)) & pairs) / len(pairs)


def _names_in_lower_case(asked: Asked, found: Sequence[Candidate]) -> list[int]:
    """The question's words typed in lower case that the candidates write as names
    ("atlanta", "lightfoot"): chat rarely capitalises, articles always do."""
    words = {
        number: possessor(concept.word)
        for number, concept, _ in asked.weighed
        if number not in asked.named and not concept.capitalised
    }
    words = {number: word for number, word in words.items() if word.isalpha()}
    written = whole_words(words.values(), " ".join(c.text for c in found[:60]))
    names = []
    for number, word in words.items():
        seen = written[word]
        if seen and sum(w[0].isupper() for w in seen) * 4 >= 3 * len(seen):
            names.append(number)
    return names


def _closeness(
    reading: Reading, found: Sequence[Candidate], named: list[int], hard: np.ndarray
) -> np.ndarray:
    """Each candidate's concept coverage `hard` (candidates, concepts), where a word close in
    meaning counts as far as it is close (names, numbers and days by their letters only)."""
    asked, meaning = reading.asked, reading.meaning
    eligible = [
        k
        for k, (number, concept, _) in enumerate(asked.weighed)
        if meaning is not None and number not in named and comparable(concept.word)
    ]
    if not eligible:
        return hard
    words: dict[str, int] = {}
    rows = []
    for c in found:
        rows.append([words.setdefault(w, len(words)) for w in plain_words(c.text)])
    if not words:
        return hard
    question = meaning.matrix(asked.weighed[k][1].word for k in eligible)
    similar = np.clip(meaning.matrix(words) @ question.T, 0.0, 1.0)
    some = [i for i, row in enumerate(rows) if row]  # candidates with a word to compare
    starts = np.cumsum([0] + [len(rows[i]) for i in some[:-1]])
    nearest = np.maximum.reduceat(similar[[w for i in some for w in rows[i]]], starts, axis=0)
    found_close = hard.copy()
    found_close[np.ix_(some, eligible)] = np.maximum(hard[np.ix_(some, eligible)], nearest)
    return found_close
