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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from itertools import pairwise
from pathlib import Path

from bot.engine import store
from bot.engine.chunking import Passage
from bot.engine.context import ROLES, ArticleContext
from bot.engine.corpus import Article, collapse_spaces
from bot.engine.index import Hit, Index, Window
from bot.engine.query import Concept, analyse, answer_kind
from bot.engine.shapes import SHAPES, TIME
from bot.engine.text import fold, tokenize

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
DEFAULT_QUOTES = 5
RANKED_QUOTES = 15  # enough for three pages of five
PASSAGE_POOL = 40
# A passage answers only if it covers this share of the question's informative weight
# (idf-weighted, framing words excluded). Measured with `python -m bot eval`: 0.6 passes
# every question, 0.5 and 0.55 quote for unanswerable ones, 0.65 misses five answers.
MIN_COVERAGE = 0.6
# ... or this share, for a question listing people or places, when it names one.
MIN_LIST_COVERAGE = 0.45
# A word no article uses weighs this share of the rarest word's idf (a name weighs it all).
# `python -m bot eval`: 0.5 to 0.7 quote for an unanswerable question; 0.8 and 1.0 pass all.
UNKNOWN_WORD_SHARE = 0.8
# Quotes after the first must score at least this share of the best one.
MIN_RELATIVE_SCORE = 0.3
# ... or this share in a list, whose items are each worded their own way.
MIN_RELATIVE_LIST_SCORE = 0.15
# A quote's own sentence(s) must cover at least this share of the question by themselves.
MIN_QUOTE_COVERAGE = 0.3
SAME_QUOTE_JACCARD = 0.75
# Articles whose context (`bot.engine.context`) is kept between questions.
CONTEXTS_KEPT = 512
# A question word found only in the article's headline or dateline counts this much.
HEADLINE_CREDIT = 0.5
# Framing words ("say", "going") still search, at this share of their weight.
FRAMING_WEIGHT = 0.3
PAIR_BONUS = 0.5
# How much a sentence holding the kind of answer asked for gains.
KIND_BONUS = 1.5
STRICT_KINDS = frozenset({"number", "duration", "statement"})
# "which police departments ...", "what cities ...", "who were ...", "list ...": many answers.
_LIST_QUESTION = re.compile(
    r"^\s*(which|list|name)\b|^\s*what\s+(?!does\b|was\b|is\b|has\b)\w+s\b|^\s*who\s+(are|were)\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'.-]+")
# A name in more than this share of passages (ICE, Trump) tells quotes apart poorly.
COMMON_NAME_SHARE = 0.2


@dataclass(frozen=True)
class Features:
    """What the engine uses beyond BM25 and the question's own words; each can be switched
    off to measure what it gains (`python -m bot eval --without context,...`)."""

    context: bool = True  # whom surnames and pronouns stand for; headline and dateline
    answer_types: bool = True  # how many wants a number, when a time, who a person ...
    word_knowledge: bool = True  # WordNet's related words for the question's words

    @classmethod
    def without(cls, names: str) -> Features:
        """All features but those named, comma-separated; ValueError for an unknown name."""
        off = {name.strip().replace("-", "_") for name in names.split(",") if name.strip()}
        unknown = off - set(cls.__dataclass_fields__)
        if unknown:
            known = ", ".join(f.replace("_", "-") for f in cls.__dataclass_fields__)
            raise ValueError(f"Unknown feature {sorted(unknown)[0]!r}; known: {known}.")
        return cls(**dict.fromkeys(off, False))


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
        """The words at this location as shown (runs of white space as one space)."""
        return self.article.span_text(self.start, self.end)


@dataclass(frozen=True)
class Quote:
    """A verbatim quote and every article that carries it (the first is where `text` is from).

    `text` is the article's own characters with runs of white space shown as one space;
    every location's article holds exactly these words.
    """

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


# A term as the engine compares them: the word itself, or a store's number for it.
Term = str | int


def _keyed(concept: Concept, key: Callable[[str], Term]) -> Concept:
    """`concept` with every term as `key` gives it (unchanged when `key` is `str`)."""
    if key is str:
        return concept
    return replace(
        concept,
        term=key(concept.term),
        weights={key(t): w for t, w in concept.weights.items()},
        phrases=tuple(tuple(map(key, phrase)) for phrase in concept.phrases),
        related=frozenset(map(key, concept.related)),
        related_phrases=tuple(tuple(map(key, phrase)) for phrase in concept.related_phrases),
    )


@dataclass(frozen=True)
class _Asked:
    """A question as the scoring loops use it, worked out once per question."""

    concepts: list[Concept]  # over the engine's terms (`Engine._term_key`)
    weights: list[float]  # per concept: what covering it is worth (0 for framing words)
    total: float  # the weights' sum
    kind: str | None  # the kind of answer wanted (`bot.engine.query.answer_kind`)
    listing: str | None  # the kind, when the question lists people or places
    named: list[Concept]  # the concepts a list must cover all the same: names and roles
    by_term: dict[Term, list[tuple[int, float]]]  # term -> (concept number, weight * idf)
    factors: list[float]  # per concept: its share of a sentence's score (framing: less)
    pairs: set[tuple[Term, Term]]  # the question's informative terms side by side

    @cached_property
    def monotone(self) -> bool:
        """Whether more terms can only cover more (no concept weighs less than nothing, as
        a word in most passages of a tiny corpus can)."""
        return all(w >= 0 for w in self.weights)

    @cached_property
    def weighed(self) -> list[tuple[Concept, float]]:
        """The concepts that count for coverage (a framing word weighs nothing), with
        their weights."""
        return [(c, w) for c, w in zip(self.concepts, self.weights, strict=True) if w != 0.0]


@dataclass(frozen=True)
class _Source:
    """An article as one question reads it: its number, id and text (the `Article` itself
    is built only for the articles quoted)."""

    number: int
    id: str
    text: str


@dataclass(frozen=True)
class _Candidate:
    source: _Source
    score: float
    terms: frozenset[Term]
    start: int  # the quote's offsets in the article's text
    end: int

    @cached_property
    def folded(self) -> str:
        """The quote as shown, typography folded and lower-cased: for comparing quotes."""
        return fold(collapse_spaces(self.source.text[self.start : self.end])).lower()


class Engine:
    """A loaded corpus and its index; `ask` turns a question into an `Answer`."""

    def __init__(
        self, articles: Sequence[Article], passages: Sequence[Passage], **bm25: float
    ) -> None:
        """Index `passages`; `bm25` may set the index's k1 and b (for measuring them)."""
        # A store's tables (`bot.engine.store`) stay as they are: items are built when asked.
        keep = isinstance(articles, Sequence) and not isinstance(articles, list)
        self.articles = articles if keep else tuple(articles)
        self.index = Index(passages, **bm25)
        self.passages = self.index.passages
        n = len(self.passages)
        share = COMMON_NAME_SHARE * n
        self._common_name_idf = math.log((n - share + 0.5) / (share + 0.5)) if n > 1 else 0.0
        # Mean terms per sentence (over every passage's sentences), for sentence BM25.
        sentences = self.index.sentence_total()
        self._avg_sentence_terms = float(self.index.term_total()) / max(sentences, 1)
        self._contexts: OrderedDict[int, ArticleContext] = OrderedDict()
        # An in-memory engine's article numbers (a store's tables have their own).
        self._numbers = {} if keep else {a.id: n for n, a in enumerate(self.articles)}
        # How terms are compared: a store's windows and contexts give their numbers (words
        # it does not know are -1, in no window), an in-memory engine's the words.
        term_ids = getattr(self.passages, "term_ids", None)
        self._term_key: Callable[[str], Term] = (
            str if term_ids is None else (lambda term: term_ids.get(term, -1))
        )
        self.features = Features()

    @classmethod
    def load(cls, folder: Path, skipped: list[tuple[str, str]] | None = None) -> Engine:
        """Load, split, tokenise and index a corpus folder (CorpusError if it will not load).

        With a `skipped` list, bad files go into it as (name, why) and the good ones load.
        """
        started = time.perf_counter()
        with store.paused_gc():  # unchanged files come from <folder>/.cache/
            articles, passages, _ = store.load(folder, skipped=skipped)
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
        return self.index.passage_counts(self.articles)

    def ask(self, question: str, limit: int = RANKED_QUOTES) -> Answer:
        """Rank up to `limit` quotes that answer `question`, or none when nothing does."""
        # A question makes thousands of short-lived objects, all freed as it ends; cyclic
        # collections in between found nothing to free and made the slowest questions
        # twice as slow (`python -m bot bench`: p99 13 -> 7-9 ms at 10,000 articles).
        with store.paused_gc():
            return self._ask(question, limit)

    def _ask(self, question: str, limit: int) -> Answer:
        question = validate_question(question)
        concepts = analyse(question, self.features.word_knowledge)
        if not concepts:
            return Answer(question, (), ())
        asked = self._asked(question, concepts)
        hits = self.index.search(_flat_weights(concepts), PASSAGE_POOL)
        seen: set[tuple] = set()
        sources: dict[int, _Source] = {}
        candidates = []
        for hit, window in zip(hits, self._windows(hits), strict=True):
            context = self._context(window.article)
            if self._passes(window, context, asked, sources):
                candidates += self._candidates(window, context, hit.score, asked, seen, sources)
        if not candidates:
            return Answer(question, (), ())
        return self._compose(question, concepts, candidates, limit)

    # -- scoring ---------------------------------------------------------------------

    def _asked(self, question: str, concepts: list[Concept]) -> _Asked:
        """What the scoring loops need of a question, worked out once."""
        weights = self._concept_weights(concepts)
        kind = answer_kind(question) if self.features.answer_types else None
        # A list of people or places ("which mayors spoke out") is answered by each one's
        # own words, rarely in the question's: a passage naming one needs less of them.
        listing = kind in ("person", "place") and bool(_LIST_QUESTION.search(question))
        key = self._term_key
        by_term: dict[Term, list[tuple[int, float]]] = {}
        for number, concept in enumerate(concepts):
            for term, weight in concept.weights.items():
                idf = self.index.idf(term)
                if idf is not None:  # a term no passage has is in no sentence either
                    by_term.setdefault(key(term), []).append((number, weight * idf))
        matchers = [_keyed(c, key) for c in concepts]
        # what a list relaxes is the wording, never a name or a role the question gives
        # ("which governors ..." wants governors, not any official)
        paired = zip(concepts, matchers, strict=True)
        named = [m for c, m in paired if c.capitalised or c.term in ROLES]
        return _Asked(
            matchers,
            weights,
            sum(weights),
            kind,
            kind if listing else None,
            named,
            by_term,
            [FRAMING_WEIGHT if c.framing else 1.0 for c in concepts],
            set(pairwise([key(c.term) for c in concepts if not c.framing])),
        )

    def _concept_weights(self, concepts: list[Concept]) -> list[float]:
        """How much each concept matters: its best idf, or the rarest idf if unseen."""
        weights = []
        for concept in concepts:
            # The thesaurus's synonyms stand in for an unseen word; WordNet's looser
            # relatives do not lower what the word weighs.
            idfs = [
                idf
                for t in concept.weights
                if t not in concept.related and (idf := self.index.idf(t)) is not None
            ]
            own = self.index.idf(concept.term)
            if own is not None:
                weight = own
            elif idfs:
                weight = max(idfs)
            else:  # a word no article uses: a name counts fully, an everyday word less
                weight = self.index.max_idf * (1.0 if concept.capitalised else UNKNOWN_WORD_SHARE)
            weights.append(0.0 if concept.framing else weight)
        return weights

    def _passes(
        self,
        window: Window,
        context: ArticleContext,
        asked: _Asked,
        sources: dict[int, _Source],
    ) -> bool:
        """Whether a passage covers enough of the question to be quoted from (`context`:
        its article's)."""
        # Its terms, plus those of the sentence just before it, across a paragraph break:
        # it often names who is speaking ("Hancock suggested ..." then '"...," he tweeted.').
        terms = set(window.before).union(*window.terms)
        if asked.monotone and self._coverage(asked, terms) >= MIN_COVERAGE:
            return True  # (what the context adds could only add to the coverage)
        weak: frozenset[Term] = frozenset()
        if self.features.context:  # whom its surnames and pronouns stand for; the headline
            terms |= context.referents(window.start, window.end)
            weak = context.headline
        coverage = self._coverage(asked, terms, weak)
        if coverage >= MIN_COVERAGE:
            return True
        listing = asked.listing
        if listing is None or coverage < MIN_LIST_COVERAGE:
            return False
        if not all(c.covered_by(terms) for c in asked.named):
            return False
        start, end = window.start, window.end
        text = self._source(window.article, sources).text[start:end]
        return self._holds(listing, context, text, start, end)

    def _windows(self, hits: list[Hit]) -> list[Window]:
        """The hits' passages as arrays (a store's table reads them without building them)."""
        windows = getattr(self.passages, "windows", None)
        if windows is not None:
            return windows([hit.position for hit in hits])
        found = []
        for hit in hits:
            passage = hit.passage
            found.append(
                Window(
                    self._numbers[passage.article.id],
                    [(s.start, s.end) for s in passage.sentences],
                    [s.terms for s in passage.sentences],
                    tuple(self.index.preceding_terms(hit.position)),
                )
            )
        return found

    def _source(self, number: int, sources: dict[int, _Source]) -> _Source:
        """The article at `number` as this question reads it (`sources` keeps them)."""
        found = sources.get(number)
        if found is None:
            text_at = getattr(self.articles, "text_at", None)
            if text_at is not None:
                found = _Source(number, self.articles.ids[number], text_at(number))
            else:
                article = self.articles[number]
                found = _Source(number, article.id, article.text)
            sources[number] = found
        return found

    def _article(self, source: _Source) -> Article:
        """The `Article` a source is read from (a store's table builds it with the text
        already read)."""
        built = getattr(self.articles, "article_at", None)
        return built(source.number, source.text) if built else self.articles[source.number]

    def _context(self, number: int) -> ArticleContext:
        """Who the article's surnames and pronouns stand for: as the store's pipeline read
        it (`ArticleTable.context_at`), or else read once per article and kept for the
        CONTEXTS_KEPT articles used last (memory stays bounded at any scale)."""
        stored = getattr(self.articles, "context_at", None)
        if stored is not None:
            return stored(number)
        context = self._contexts.get(number)
        if context is None:
            context = self._contexts[number] = ArticleContext.of(self.articles[number])
            while len(self._contexts) > CONTEXTS_KEPT:
                self._contexts.popitem(last=False)
        self._contexts.move_to_end(number)
        return context

    def _coverage(
        self, asked: _Asked, terms: set[Term] | frozenset[Term], weak: frozenset = frozenset()
    ) -> float:
        """Share of the question's informative weight that `terms` match; `weak` terms
        (the headline's) count for HEADLINE_CREDIT of a match."""
        if asked.total == 0:  # only framing words ("what time is it"): nothing to look for
            return 0.0
        matched = 0.0
        both = None
        for concept, weight in asked.weighed:
            if concept.term in terms:  # what covered_by would say first
                matched += weight
                continue
            covered = concept.covered_by(terms)
            if covered < 1.0 and weak:  # the headline can only add to what is not covered
                both = terms | weak if both is None else both
                covered = max(covered, HEADLINE_CREDIT * concept.covered_by(both))
            matched += weight * covered
        return matched / asked.total

    def _sentence_score(self, asked: _Asked, terms: tuple[Term, ...]) -> float:
        """BM25 of one sentence against the concepts (idf from the passage index): per
        concept, its best term's, the framing ones lightly."""
        k1, b = self.index.bm25.k1, self.index.bm25.b
        norm = k1 * (1 - b + b * len(terms) / self._avg_sentence_terms)
        best = [0.0] * len(asked.factors)
        by_term = asked.by_term
        counts: dict[Term, int] = {}
        for term in terms:
            if term in by_term:
                counts[term] = counts.get(term, 0) + 1
        for term, tf in counts.items():
            for number, weighted_idf in by_term[term]:
                value = weighted_idf * tf * (k1 + 1) / (tf + norm)
                if value > best[number]:
                    best[number] = value
        score = 0.0
        for value, factor in zip(best, asked.factors, strict=True):
            score += value * factor
        return score

    def _candidates(
        self,
        window: Window,
        context: ArticleContext,
        passage_score: float,
        asked: _Asked,
        seen: set[tuple],
        sources: dict[int, _Source],
    ) -> list[_Candidate]:
        """The sentences of a passage that match the question, scored in context.

        Windows overlap, so one question meets the same sentences in several passages:
        `seen` holds the spans (with what they are read with) already read, each once."""
        found = []
        source = self._source(window.article, sources)
        spans, terms = window.spans, window.terms
        kind = asked.kind
        for number, (start, end) in enumerate(spans):
            first = last = number
            if end - start < 60 and len(spans) > 1:
                # A very short sentence ("We have no choice.") reads better with its neighbour.
                if number + 1 < len(spans):
                    last = number + 1
                else:
                    first = number - 1
            # Who speaks is often in the sentence before (or a tweet's signature in the one
            # after): a statement looks one sentence either way inside the passage.
            near = (spans[max(first - 1, 0)][0], spans[min(last + 1, len(spans) - 1)][1])
            span_start, span_end = spans[first][0], spans[last][1]
            key = (source.number, span_start, span_end, near if kind == "statement" else None)
            if key in seen:
                # Read already in a window ranked higher (hits come best first): the same
                # quote scores no more here, and the picker keeps only its best.
                continue
            seen.add(key)
            scored = self._score_span(
                source, context, span_start, span_end, terms[first : last + 1], near, asked
            )
            if scored is not None:
                score, quote_terms, quote_start, quote_end = scored
                found.append(
                    _Candidate(
                        source, score + 0.3 * passage_score, quote_terms, quote_start, quote_end
                    )
                )
        return found

    def _score_span(
        self,
        source: _Source,
        context: ArticleContext,
        start: int,
        end: int,
        sentences: list[tuple[Term, ...]],
        near: tuple[int, int],
        asked: _Asked,
    ) -> tuple[float, frozenset[Term], int, int] | None:
        """A quote's score before its passage's share, its terms and its offsets; or None
        when it covers too little of the question or lacks the kind of answer required.
        `sentences` are the terms of the sentences from `start` to `end`."""
        terms = frozenset().union(*sentences)
        if self.features.context:
            referents = context.referents(start, end)
            coverage = self._coverage(asked, terms | referents, context.headline)
        else:
            coverage = self._coverage(asked, terms)
        if coverage < MIN_QUOTE_COVERAGE:
            return None
        score = sum(self._sentence_score(asked, s) for s in sentences) * (0.5 + coverage)
        # Words the question puts side by side ("police departments") count more so.
        if any(a in terms and b in terms for a, b in asked.pairs):  # else none side by side
            sequence = [t for sentence in sentences for t in sentence]
            together = set(pairwise(sequence)) & asked.pairs
            score *= 1 + PAIR_BONUS * len(together)
        kind = asked.kind
        if kind is not None:
            text = source.text[near[0] : near[1]] if kind == "statement" else source.text[start:end]
            if self._holds(kind, context, text, start, end):
                score *= KIND_BONUS
            elif kind in STRICT_KINDS:
                return None
        start, end = _without_stray_quote_marks(source.text, start, end)
        return score, terms, start, end

    @staticmethod
    def _holds(kind: str, context: ArticleContext, text: str, start: int, end: int) -> bool:
        """Whether the sentences from `start` to `end` (their `text`, their article's
        `context`) hold the kind of answer asked for (a number, a time, a person...)."""
        if kind == "person":
            return context.names_person(start, end)
        return SHAPES[kind].search(fold(text))

    # -- composing -------------------------------------------------------------------

    def _names(self, candidate: _Candidate, asked: set[str]) -> set[str]:
        """The uncommon names a quote mentions (capitalised words inside its sentences)."""
        text = candidate.source.text[candidate.start : candidate.end]
        floor = self._common_name_idf
        return {
            term
            for word in _NAME.findall(text)
            for term in _name_terms(word)
            if (self.index.idf(term) or 0.0) > floor and term not in asked
        }

    def _compose(
        self, question: str, concepts: list[Concept], candidates: list[_Candidate], limit: int
    ) -> Answer:
        """Pick diverse quotes, merge ones that several articles carry, number the sources."""
        best: dict[tuple[str, int, int], _Candidate] = {}
        for c in candidates:
            key = (c.source.number, c.start, c.end)
            if key not in best or c.score > best[key].score:
                best[key] = c
        is_list = bool(_LIST_QUESTION.search(question))
        pool = sorted(best.values(), key=lambda c: -c.score)
        floor = (MIN_RELATIVE_LIST_SCORE if is_list else MIN_RELATIVE_SCORE) * pool[0].score
        pool = [c for c in pool if c.score >= floor]

        chosen: list[list[_Candidate]] = []  # each: the kept candidate, then its duplicates
        diversity = 0.5 if is_list else 0.25
        asked = {t for c in concepts for t in c.weights}
        # A list answer wants quotes that name someone new: each candidate's names, and how
        # many of them no kept quote has named yet.
        owns = [self._names(c, asked) for c in pool] if is_list else []
        fresh = [len(own) for own in owns]
        named: set[str] = set()
        # Each candidate's largest word overlap with a kept quote, how many kept quotes share
        # its article, and its score so adjusted: updated once per kept quote, for the
        # candidates it changes, so picking costs time linear in the candidates (the same
        # scores as comparing every candidate with every kept one).
        overlap = [0.0] * len(pool)
        same_article = [0] * len(pool)

        def adjusted(i: int) -> float:
            score = (
                pool[i].score
                * (1 - diversity * overlap[i])
                * (1 - 0.1 * diversity * same_article[i])
            )
            if is_list:
                own, new = owns[i], fresh[i]
                novelty = new / len(own) if own else 0.0
                score *= (0.5 + 0.5 * novelty) * (1 + 0.1 * min(new, 5))
            return score

        ranked = [adjusted(i) for i in range(len(pool))]
        while pool and len(chosen) < limit:
            at = ranked.index(max(ranked))  # the first best, as max() would find it
            pick = pool.pop(at)
            own = owns.pop(at) if is_list else set()
            for column in (overlap, same_article, ranked, fresh):
                if column:
                    del column[at]
            twin = next((g for g in chosen if _same_quote(pick, g[0])), None)
            if twin is not None:
                if all(d.source.id != pick.source.id for d in twin):
                    twin.append(pick)
                continue
            if any(_overlaps(pick, g[0]) for g in chosen):
                continue  # the same words from a neighbouring window
            chosen.append([pick])
            added = own - named
            named |= added
            picked, picked_size, picked_id = pick.terms, len(pick.terms), pick.source.id
            for i, c in enumerate(pool):
                changed = c.source.id == picked_id
                if changed:
                    same_article[i] += 1
                terms = c.terms
                shared = len(terms & picked)
                if shared:  # _jaccard, without a call per candidate
                    value = shared / (len(terms) + picked_size - shared)
                    if value > overlap[i]:
                        overlap[i] = value
                        changed = True
                if added:
                    now_named = len(owns[i] & added)
                    if now_named:
                        fresh[i] -= now_named
                        changed = True
                if changed:
                    ranked[i] = adjusted(i)

        numbers: dict[str, int] = {}
        sources: list[Article] = []
        quotes = []
        for group in chosen:
            head = group[0]
            locations = []
            for c in group:
                article = self._article(c.source)
                span = _locate(head, c, article)
                if span is None:
                    continue  # the same news in other words: that article does not hold this quote
                if article.id not in numbers:
                    numbers[article.id] = len(sources) + 1
                    sources.append(article)
                locations.append(Location(article, *span, numbers[article.id]))
            text = collapse_spaces(head.source.text[head.start : head.end])
            quotes.append(Quote(text, round(head.score, 4), tuple(locations)))
        return Answer(question, tuple(quotes), tuple(sources))


@lru_cache(maxsize=65_536)
def _name_terms(word: str) -> tuple[str, ...]:
    """The index terms of a capitalised word, none for a day or a month: names recur."""
    return () if TIME.fullmatch(word) else tuple(tokenize(word))


def _flat_weights(concepts: list[Concept]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for concept in concepts:
        scale = FRAMING_WEIGHT if concept.framing else 1.0
        for term, weight in concept.weights.items():
            weights[term] = max(weights.get(term, 0.0), weight * scale)
    return weights


def _jaccard(a: frozenset[Term], b: frozenset[Term]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _same_quote(a: _Candidate, b: _Candidate) -> bool:
    """Whether two candidates from different articles carry the same words (a shared tweet)."""
    if a.source.id == b.source.id:
        return False
    shorter, longer = sorted((a.folded, b.folded), key=len)
    return shorter in longer or _jaccard(a.terms, b.terms) >= SAME_QUOTE_JACCARD


def _overlaps(a: _Candidate, b: _Candidate) -> bool:
    return a.source.id == b.source.id and a.start < b.end and b.start < a.end


def _without_stray_quote_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without a quotation mark at either edge that it does not also close or
    open (a sentence that begins a quotation continuing into the next): the article's
    own words, without a dangling mark that another article quoting them may not have."""
    piece = fold(text[start:end])
    if len(piece) > 1 and piece[0] in "\"'" and piece.count(piece[0]) % 2 == 1:
        start += 1
    elif len(piece) > 1 and piece[-1] == '"' and piece.count('"') % 2 == 1:
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _locate(head: _Candidate, other: _Candidate, article: Article) -> tuple[int, int] | None:
    """Where `head`'s exact words sit in `other`'s article (white space may differ), or
    None when that article does not hold them character for character."""
    if other is head:
        return head.start, head.end
    words = head.source.text[head.start : head.end].split()
    pattern = re.compile(r"\s+".join(map(re.escape, words)))
    found = pattern.search(other.source.text, article.body_start)
    return found.span() if found else None
