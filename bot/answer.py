"""Questions to answers: the best passages, the sentences in them that answer, as cited quotes.

`Engine` is the one entry point both front doors (terminal and Discord) call. It
never imports discord. An `Answer` holds every quote it ranked, in order, so a
renderer can show the first few and page through the rest.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from bot.chunking import Passage, Sentence
from bot.corpus import Article
from bot.index import Hit, Index
from bot.query import Concept, analyse, answer_kind
from bot.text import tokenize

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
DEFAULT_QUOTES = 5
RANKED_QUOTES = 15  # enough for three pages of five
PASSAGE_POOL = 40
# A passage answers only if it covers this share of the question's informative weight
# (idf-weighted, framing words excluded). Measured with `python -m bot eval`: 0.6 passes
# every question, 0.5 and 0.55 quote for unanswerable ones, 0.65 misses five answers.
MIN_COVERAGE = 0.6
# A word no article uses weighs this share of the rarest word's idf (a name weighs it all).
# `python -m bot eval`: 0.5 to 0.7 quote for an unanswerable question; 0.8 and 1.0 pass all.
UNKNOWN_WORD_SHARE = 0.8
# Quotes after the first must score at least this share of the best one.
MIN_RELATIVE_SCORE = 0.3
# A quote's own sentence(s) must cover at least this share of the question by themselves.
MIN_QUOTE_COVERAGE = 0.3
SAME_QUOTE_JACCARD = 0.75
# Framing words ("say", "going") still search, at this share of their weight.
FRAMING_WEIGHT = 0.3
PAIR_BONUS = 0.5
# Sentences that hold what a "how many" or "when" question asks for.
_NUMBER = re.compile(r"\d")
_TIME = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|week|today|"
    r"tomorrow|yesterday|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|\d{4}-\d{2}-\d{2}|hours?|days?|months?)\b",
    re.I,
)
# "which police departments ...", "what cities ...", "who were ...", "list ...": many answers.
_LIST_QUESTION = re.compile(
    r"^\s*(which|list|name)\b|^\s*what\s+(?!does\b|was\b|is\b|has\b)\w+s\b|^\s*who\s+(are|were)\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'.-]+")
# A name in more than this share of passages (ICE, Trump) tells quotes apart poorly.
COMMON_NAME_SHARE = 0.2


class QuestionError(ValueError):
    """A question the engine will not search for; the message says why, in one sentence."""


@dataclass(frozen=True)
class Location:
    """Where a quote's words are in one article, and that article's citation number."""

    article: Article
    start: int
    end: int
    citation: int

    @property
    def text(self) -> str:
        return self.article.body[self.start : self.end]


@dataclass(frozen=True)
class Quote:
    """A verbatim quote and every article that carries it (the first is where `text` is from)."""

    text: str
    score: float
    locations: tuple[Location, ...]

    @property
    def citations(self) -> tuple[int, ...]:
        return tuple(location.citation for location in self.locations)


@dataclass(frozen=True)
class Answer:
    """The ranked quotes for a question and the articles they cite, numbered from 1."""

    question: str
    quotes: tuple[Quote, ...]
    sources: tuple[Article, ...]

    @property
    def answered(self) -> bool:
        return bool(self.quotes)

    def page(self, number: int, size: int = DEFAULT_QUOTES) -> tuple[Quote, ...]:
        """The quotes on page `number` (from 0) of pages of `size`."""
        return self.quotes[number * size : (number + 1) * size]

    def cited(self, quotes: Sequence[Quote]) -> list[tuple[int, Article]]:
        """(citation number, article) for the sources `quotes` cite, in number order."""
        numbers = sorted({n for quote in quotes for n in quote.citations})
        return [(n, self.sources[n - 1]) for n in numbers]


def validate_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question stripped, or QuestionError when it is empty or too long."""
    question = " ".join(question.split())
    if not question:
        raise QuestionError("Please ask a question: it was empty.")
    if len(question) > max_chars:
        raise QuestionError(
            f"That question is {len(question):,} characters long; please keep it under "
            f"{max_chars:,}."
        )
    return question


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    first: int  # index of the quote's first sentence in the passage
    last: int
    score: float
    terms: frozenset[str]

    @property
    def article(self) -> Article:
        return self.passage.article

    @property
    def start(self) -> int:
        return self.passage.sentences[self.first].start

    @property
    def end(self) -> int:
        return self.passage.sentences[self.last].end


class Engine:
    """A loaded corpus and its index; `ask` turns a question into an `Answer`."""

    def __init__(
        self, articles: Sequence[Article], passages: Sequence[Passage], **bm25: float
    ) -> None:
        """Index `passages`; `bm25` may set the index's k1 and b (for measuring them)."""
        self.articles = tuple(articles)
        self.index = Index(passages, **bm25)
        self.passages = self.index.passages
        n = len(self.passages)
        share = COMMON_NAME_SHARE * n
        self._common_name_idf = math.log((n - share + 0.5) / (share + 0.5)) if n > 1 else 0.0
        # Mean terms per sentence (over every passage's sentences), for sentence BM25.
        sentences = sum(len(p.sentences) for p in self.passages)
        self._avg_sentence_terms = float(self.index.bm25.doc_len.sum()) / max(sentences, 1)

    @classmethod
    def load(cls, folder: Path, skipped: list[tuple[str, str]] | None = None) -> Engine:
        """Load, split, tokenise and index a corpus folder (CorpusError if it will not load).

        With a `skipped` list, bad files go into it as (name, why) and the good ones load.
        """
        from bot.cache import load_processed, paused_gc  # unchanged files: <folder>/.cache/

        started = time.perf_counter()
        with paused_gc():
            articles, passages, _ = load_processed(folder, skipped=skipped)
            engine = cls(articles, passages)
        log.info(
            "indexed %d articles, %d passages in %.2f s",
            len(articles),
            len(passages),
            time.perf_counter() - started,
        )
        return engine

    def passage_counts(self) -> dict[str, int]:
        """Passages per article id."""
        counts = dict.fromkeys((a.id for a in self.articles), 0)
        for passage in self.passages:
            counts[passage.article.id] += 1
        return counts

    def ask(self, question: str, limit: int = RANKED_QUOTES) -> Answer:
        """Rank up to `limit` quotes that answer `question`, or none when nothing does."""
        question = validate_question(question)
        concepts = analyse(question)
        if not concepts:
            return Answer(question, (), ())
        weights = self._concept_weights(concepts)
        kind = answer_kind(question)
        hits = self.index.search(_flat_weights(concepts), PASSAGE_POOL)
        candidates = [
            c
            for hit in hits
            if self._coverage(concepts, weights, self._context_terms(hit)) >= MIN_COVERAGE
            for c in self._candidates(hit.passage, hit.score, concepts, weights, kind)
        ]
        if not candidates:
            return Answer(question, (), ())
        return self._compose(question, concepts, candidates, limit)

    # -- scoring ---------------------------------------------------------------------

    def _concept_weights(self, concepts: list[Concept]) -> list[float]:
        """How much each concept matters: its best idf, or the rarest idf if unseen."""
        weights = []
        for concept in concepts:
            idfs = [self.index.idf(t) for t in concept.weights if self.index.idf(t) is not None]
            own = self.index.idf(concept.term)
            if own is not None:
                weight = own
            elif idfs:
                weight = max(idfs)
            else:  # a word no article uses: a name counts fully, an everyday word less
                weight = self.index.max_idf * (1.0 if concept.capitalised else UNKNOWN_WORD_SHARE)
            weights.append(0.0 if concept.framing else weight)
        return weights

    def _context_terms(self, hit: Hit) -> list[str]:
        """A passage's terms plus those of the sentence just before it, across a paragraph
        break: it often names who is speaking ("Hancock suggested ..." then '"...," he
        tweeted.'). Passages are in article order, so that sentence is in the one before."""
        passage = hit.passage
        if hit.position == 0:
            return passage.terms
        previous = self.passages[hit.position - 1]
        if previous.article is not passage.article:
            return passage.terms
        earlier = [s for s in previous.sentences if s.start < passage.start]
        return [*(earlier[-1].terms if earlier else ()), *passage.terms]

    def _coverage(self, concepts: list[Concept], weights: list[float], terms) -> float:
        """Share of the question's informative weight that `terms` match."""
        present = set(terms)
        total = sum(weights)
        if total == 0:  # only framing words ("what time is it"): nothing to look for
            return 0.0
        matched = sum(w * c.covered_by(present) for c, w in zip(concepts, weights, strict=True))
        return matched / total

    def _sentence_score(self, concepts: list[Concept], sentence: Sentence) -> float:
        """BM25 of one sentence against the concepts (idf from the passage index)."""
        k1, b = self.index.bm25.k1, self.index.bm25.b
        norm = k1 * (1 - b + b * len(sentence.terms) / self._avg_sentence_terms)
        counts: dict[str, int] = {}
        for term in sentence.terms:
            counts[term] = counts.get(term, 0) + 1
        score = 0.0
        for concept in concepts:
            best = 0.0
            for term, weight in concept.weights.items():
                tf = counts.get(term, 0)
                if tf:
                    idf = self.index.idf(term) or 0.0
                    best = max(best, weight * idf * tf * (k1 + 1) / (tf + norm))
            score += best * (FRAMING_WEIGHT if concept.framing else 1.0)
        return score

    def _candidates(
        self,
        passage: Passage,
        passage_score: float,
        concepts: list[Concept],
        weights: list[float],
        kind: str | None,
    ) -> list[_Candidate]:
        """The sentences of a passage that match the question, scored in context."""
        found = []
        body = passage.article.body
        terms_in_order = [c.term for c in concepts if not c.framing]
        pairs = set(pairwise(terms_in_order))
        for number, sentence in enumerate(passage.sentences):
            first = last = number
            if sentence.end - sentence.start < 60 and len(passage.sentences) > 1:
                # A very short sentence ("We have no choice.") reads better with its neighbour.
                if number + 1 < len(passage.sentences):
                    last = number + 1
                else:
                    first = number - 1
            span = passage.sentences[first : last + 1]
            terms = frozenset(t for s in span for t in s.terms)
            coverage = self._coverage(concepts, weights, terms)
            if coverage < MIN_QUOTE_COVERAGE:
                continue
            score = sum(self._sentence_score(concepts, s) for s in span) * (0.5 + coverage)
            # Words the question puts side by side ("police departments") count more so.
            sequence = [t for s in span for t in s.terms]
            together = set(pairwise(sequence)) & pairs
            score *= 1 + PAIR_BONUS * len(together)
            text = body[span[0].start : span[-1].end]
            if (kind == "number" and _NUMBER.search(text)) or (
                kind == "time" and _TIME.search(text)
            ):
                score *= 1.5
            found.append(_Candidate(passage, first, last, score + 0.3 * passage_score, terms))
        return found

    # -- composing -------------------------------------------------------------------

    def _names(self, candidate: _Candidate, asked: set[str]) -> set[str]:
        """The uncommon names a quote mentions (capitalised words inside its sentences)."""
        text = candidate.article.body[candidate.start : candidate.end]
        floor = self._common_name_idf
        return {
            term
            for word in _NAME.findall(text)
            if not _TIME.fullmatch(word)
            for term in tokenize(word)
            if (self.index.idf(term) or 0.0) > floor and term not in asked
        }

    def _compose(
        self, question: str, concepts: list[Concept], candidates: list[_Candidate], limit: int
    ) -> Answer:
        """Pick diverse quotes, merge ones that several articles carry, number the sources."""
        best: dict[tuple[str, int, int], _Candidate] = {}
        for c in candidates:
            key = (c.article.id, c.start, c.end)
            if key not in best or c.score > best[key].score:
                best[key] = c
        pool = sorted(best.values(), key=lambda c: -c.score)
        top = pool[0].score
        pool = [c for c in pool if c.score >= MIN_RELATIVE_SCORE * top]

        chosen: list[list[_Candidate]] = []  # each: the kept candidate, then its duplicates
        is_list = bool(_LIST_QUESTION.search(question))
        diversity = 0.5 if is_list else 0.25
        asked = {t for c in concepts for t in c.weights}
        names = {id(c): self._names(c, asked) for c in pool} if is_list else {}
        named: set[str] = set()
        while pool and len(chosen) < limit:
            kept = [g[0] for g in chosen]

            def adjusted(c: _Candidate, kept=kept, named=named) -> float:
                overlap = max((_jaccard(c.terms, k.terms) for k in kept), default=0.0)
                same_article = sum(k.article.id == c.article.id for k in kept)
                score = c.score * (1 - diversity * overlap) * (1 - 0.1 * diversity * same_article)
                if is_list:  # a list answer wants quotes that name someone new
                    own = names[id(c)]
                    new = len(own - named)
                    novelty = new / len(own) if own else 0.0
                    score *= (0.5 + 0.5 * novelty) * (1 + 0.1 * min(new, 5))
                return score

            pick = max(pool, key=adjusted)
            pool.remove(pick)
            twin = next((g for g in chosen if _same_quote(pick, g[0])), None)
            if twin is not None:
                if all(d.article.id != pick.article.id for d in twin):
                    twin.append(pick)
                continue
            if any(_overlaps(pick, g[0]) for g in chosen):
                continue  # the same words from a neighbouring window
            chosen.append([pick])
            named |= names.get(id(pick), set())

        numbers: dict[str, int] = {}
        sources: list[Article] = []
        quotes = []
        for group in chosen:
            head = group[0]
            locations = []
            for c in group:
                if c.article.id not in numbers:
                    numbers[c.article.id] = len(sources) + 1
                    sources.append(c.article)
                start, end = _locate(head, c)
                locations.append(Location(c.article, start, end, numbers[c.article.id]))
            text = head.article.body[head.start : head.end]
            quotes.append(Quote(text, round(head.score, 4), tuple(locations)))
        return Answer(question, tuple(quotes), tuple(sources))


def _flat_weights(concepts: list[Concept]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for concept in concepts:
        scale = FRAMING_WEIGHT if concept.framing else 1.0
        for term, weight in concept.weights.items():
            weights[term] = max(weights.get(term, 0.0), weight * scale)
    return weights


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _same_quote(a: _Candidate, b: _Candidate) -> bool:
    """Whether two candidates from different articles carry the same words (a shared tweet)."""
    if a.article.id == b.article.id:
        return False
    text_a = a.article.body[a.start : a.end].lower()
    text_b = b.article.body[b.start : b.end].lower()
    shorter, longer = sorted((text_a, text_b), key=len)
    return shorter in longer or _jaccard(a.terms, b.terms) >= SAME_QUOTE_JACCARD


def _overlaps(a: _Candidate, b: _Candidate) -> bool:
    return a.article.id == b.article.id and a.start < b.end and b.start < a.end


def _locate(head: _Candidate, other: _Candidate) -> tuple[int, int]:
    """Where `head`'s exact words sit in `other`'s article, else `other`'s own sentence."""
    if other is head:
        return head.start, head.end
    text = head.article.body[head.start : head.end]
    found = other.article.body.find(text)
    if found >= 0:
        return found, found + len(text)
    return other.start, other.end
