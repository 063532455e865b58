"""Postings scoring against rank-bm25 itself: same statistics, same scores, same ranking."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.engine.chunking import make_passages, split_sentences
from bot.engine.corpus import load_corpus
from bot.engine.index import Index, TokenizedPassages
from bot.engine.query import analyse
from bot.engine.scoring import TermMatrix, top
from bot.engine.text import tokenize

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Doc:
    """Just enough of a Passage for the index: its terms."""

    terms: list[str]


# Okapi BM25 as docs/scale.md documents it: rank-bm25's usual k1 1.2 and b 0.75, epsilon 0.25.
# Written as numbers: a reference that read the index's own constants would follow a slip in
# them (k1 2.0 re-ranks 11 of the eval set's 77 answers, and every test here still agreed).
K1, B, EPSILON = 1.2, 0.75, 0.25


def reference(docs: list[list[str]], k1: float = K1, b: float = B, epsilon: float = EPSILON):
    """rank-bm25 as the index used it before postings: BM25Okapi, zero idfs floored too."""
    bm25 = BM25Okapi(docs, k1=k1, b=b, epsilon=epsilon)
    floor = epsilon * bm25.average_idf
    for term, idf in bm25.idf.items():
        if idf <= 0:
            bm25.idf[term] = floor
    return bm25


def reference_scores(bm25: BM25Okapi, weights: dict[str, float]) -> np.ndarray:
    total = np.zeros(bm25.corpus_size)
    for term, weight in weights.items():
        if term in bm25.idf:
            total += weight * bm25.get_scores([term])
    return total


def reference_top(scores: np.ndarray, limit: int) -> list[int]:
    order = np.argsort(-scores, kind="stable")[:limit]
    return [int(i) for i in order if scores[i] > 0]


def random_corpus(seed: int, n_docs: int, vocab_size: int) -> list[list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(vocab_size)]
    weights = [1 / (rank + 1) for rank in range(vocab_size)]  # Zipf-like
    docs = [rng.choices(vocab, weights, k=rng.randint(0, 40)) for _ in range(n_docs)]
    docs[0] = docs[0] or ["w0"]
    for number, doc in enumerate(docs):
        if number < n_docs // 2:
            doc.append("half")  # exactly half the documents: Okapi idf 0
        if number % 4 != 0:
            doc.append("most")  # three quarters: negative idf
    return docs


def real_corpus() -> list[list[str]]:
    articles = load_corpus(ROOT / "corpus")
    return [p.terms for a in articles for p in make_passages(a, split_sentences(a))]


def questions(docs: list[list[str]], seed: int, count: int) -> list[dict[str, float]]:
    rng = random.Random(seed)
    vocab = sorted({t for d in docs for t in d})
    found = []
    for _ in range(count):
        terms = rng.sample(vocab, min(len(vocab), rng.randint(1, 6)))
        terms += rng.choice([[], ["unknownterm"], ["half"], ["most"]])
        found.append({t: rng.choice([1.0, 0.5, 0.3, 1.7]) for t in terms})
    return found


def eval_questions() -> list[dict[str, float]]:
    items = json.loads((ROOT / "eval" / "questions.json").read_text("utf-8"))
    found = []
    for item in items:
        weights: dict[str, float] = {}
        for concept in analyse(item["question"]):
            for term, weight in concept.weights.items():
                scaled = weight * (0.3 if concept.framing else 1.0)
                weights[term] = max(weights.get(term, 0.0), scaled)
        found.append(weights)
    return found


CORPORA = {
    "real": real_corpus,
    "random-small": lambda: random_corpus(1, 7, 12),
    "random-mid": lambda: random_corpus(2, 200, 300),
    "random-large": lambda: random_corpus(3, 1500, 3000),
    "one-doc": lambda: [["alpha", "beta", "alpha"]],
    "two-docs": lambda: [["alpha", "beta"], ["beta", "gamma", "gamma"]],
}


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus(request) -> tuple[list[list[str]], BM25Okapi, Index]:
    docs = CORPORA[request.param]()
    return docs, reference(docs), Index([Doc(d) for d in docs])


def test_statistics_equal_rank_bm25(corpus):
    _, bm25, index = corpus
    assert index.bm25.avgdl == bm25.avgdl
    assert index.bm25.average_idf == bm25.average_idf
    assert index.bm25.idf == bm25.idf
    assert list(index.bm25.idf) == list(bm25.idf)
    assert index.max_idf == max(bm25.idf.values())
    assert (index.bm25.k1, index.bm25.b, index.bm25.epsilon) == (bm25.k1, bm25.b, bm25.epsilon)


def test_scores_and_ranking_equal_rank_bm25(corpus):
    docs, bm25, index = corpus
    asked = questions(docs, seed=len(docs), count=60) + eval_questions()
    for weights in asked:
        expected = reference_scores(bm25, weights)
        got = index.scores(weights)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
        assert np.array_equal(got, expected)  # in fact bit for bit
        for limit in (1, 5, 40, len(docs) + 3):
            ranked = reference_top(expected, limit)
            hits = index.search(weights, limit)
            assert [int(i) for i in top(got, limit)] == ranked
            assert [h.passage for h in hits] == [index.passages[i] for i in ranked]


def test_search_scores_are_the_weighted_sums_bit_for_bit(corpus):
    """A hit's score is exactly its passage's weighted BM25 sum, whatever terms overlap."""
    docs, _, index = corpus
    rng = random.Random(11)
    vocab = sorted({t for d in docs for t in d})
    for _ in range(40):
        weights = {
            t: rng.choice((1.0, 0.5, 0.3, 0.15)) for t in rng.sample(vocab, min(8, len(vocab)))
        }
        weights["nowhere"] = 1.0
        scores = index.scores(weights)
        hits = index.search(weights, 40)
        assert [h.position for h in hits] == [int(i) for i in top(scores, 40)]
        assert all(h.score == scores[h.position] for h in hits)


def test_get_scores_matches_with_repeated_and_unknown_terms(corpus):
    docs, bm25, index = corpus
    rng = random.Random(7)
    vocab = sorted({t for d in docs for t in d})
    for _ in range(30):
        query = [*rng.choices(vocab, k=rng.randint(1, 5)), "nowhere"]
        query += query[:2]  # repeated terms count again, as in rank-bm25
        np.testing.assert_allclose(
            index.bm25.get_scores(query), bm25.get_scores(query), rtol=0, atol=1e-12
        )


def test_search_hits_carry_their_passage_and_score():
    docs = random_corpus(4, 300, 200)
    index = Index([Doc(d) for d in docs])
    weights = {"w3": 1.0, "w10": 0.5, "half": 0.3}
    expected = reference_scores(reference(docs), weights)
    hits = index.search(weights, 40)
    assert [h.score for h in hits] == [float(expected[i]) for i in reference_top(expected, 40)]
    assert all(
        h.passage is index.passages[i]
        for h, i in zip(hits, reference_top(expected, 40), strict=True)
    )


def test_ties_keep_corpus_order():
    docs = [["x", "y"], ["q"], ["y", "x"], ["r"], ["x", "y"], ["s"], ["t"]]
    index = Index([Doc(d) for d in docs])
    hits = index.search({"x": 1.0}, 2)
    assert [h.passage for h in hits] == [index.passages[0], index.passages[2]]
    assert hits[0].passage is index.passages[0] and hits[0].score == hits[1].score > 0
    assert list(top(np.array([1.0, 3.0, 3.0, 0.0, 3.0, -1.0]), 2)) == [1, 2]
    assert list(top(np.array([0.0, -1.0]), 5)) == []


def test_idf_floors_zero_and_negative():
    docs = random_corpus(5, 40, 30)
    index = Index([Doc(d) for d in docs])
    floor = EPSILON * index.bm25.average_idf
    assert index.idf("half") == floor  # Okapi idf exactly 0: rank-bm25 keeps 0, we floor
    assert index.idf("most") == floor  # negative: rank-bm25's own floor
    assert index.idf("absent") is None
    assert BM25Okapi(docs, k1=K1, epsilon=EPSILON).idf["half"] == 0


def test_empty_corpus_is_a_value_error():
    with pytest.raises(ValueError, match="empty corpus"):
        Index([])
    with pytest.raises(ZeroDivisionError):
        BM25Okapi([])  # the trap the ValueError guards
    with pytest.raises(ValueError, match="no terms"):
        Index([Doc([]), Doc([])])


def test_term_matrix_from_another_vocabulary_gives_the_same_index():
    docs = random_corpus(6, 120, 90)
    plain = Index([Doc(d) for d in docs])
    vocab = ["unused", *sorted({t for d in docs for t in d}, reverse=True), "spare"]
    number = {t: i for i, t in enumerate(vocab)}
    matrix = TermMatrix(
        tuple(vocab),
        np.cumsum([0] + [len(d) for d in docs]).astype(np.int64),
        np.array([number[t] for d in docs for t in d], dtype=np.int32),
    )
    fast = Index(TokenizedPassages([Doc(d) for d in docs], matrix))
    assert fast.bm25.idf == plain.bm25.idf
    assert fast.bm25.average_idf == plain.bm25.average_idf
    weights = {"w1": 1.0, "w5": 0.5, "half": 1.0, "zzz": 1.0}
    assert np.array_equal(fast.scores(weights), plain.scores(weights))


def test_real_questions_rank_like_rank_bm25():
    """The bundled corpus's passages come in the order Okapi BM25 (k1 1.2, b 0.75) ranks them."""
    articles = load_corpus(ROOT / "corpus")
    passages = [p for a in articles for p in make_passages(a, split_sentences(a))]
    index = Index(passages)
    bm25 = reference([p.terms for p in passages])
    for question in ("which police departments refused", "who is the acting director of ICE"):
        weights = dict.fromkeys(tokenize(question), 1.0)
        expected = reference_scores(bm25, weights)
        assert [index.passages.index(h.passage) for h in index.search(weights, 40)] == (
            reference_top(expected, 40)
        )


def test_each_passage_knows_its_article_from_the_files_and_from_the_store(tmp_path):
    """A passage's article is the same whether the index was built from the files or read
    from the store, and it is the article the passage was cut from."""
    from bot.engine import store

    articles = load_corpus(ROOT / "corpus")
    passages = [p for a in articles for p in make_passages(a, split_sentences(a))]
    plain = Index(passages)
    stored = Index(store.load(ROOT / "corpus", tmp_path / "store")[1])
    positions = list(range(len(passages)))
    numbers = plain.articles_of(positions)
    assert np.array_equal(numbers, stored.articles_of(positions))
    assert [articles[n].id for n in numbers.tolist()] == [p.article.id for p in passages]


def test_a_fact_passage_ranks_with_its_articles_best_passage():
    """A passage of the article that matches the question best overtakes a slightly better
    one from an article that matches it once; each keeps its own BM25 score, and with no
    weight on the article the order is BM25's."""
    from bot.engine.index import Hit
    from bot.engine.retrieval import with_article_evidence

    hits = [Hit(10.0, 0, []), Hit(9.0, 5, []), Hit(5.5, 9, []), Hit(5.0, 6, [])]
    articles = np.array([0, 3, 7, 3])  # passages 5 and 6 are one article's
    ranked = with_article_evidence(hits, articles, limit=3, weight=0.6)
    assert [h.position for h in ranked] == [0, 5, 6]
    assert [h.score for h in ranked] == [10.0, 9.0, 5.0]
    assert with_article_evidence(hits, articles, limit=4, weight=0.0) == hits
    assert with_article_evidence([], np.array([], dtype=np.int64), limit=3) == []
