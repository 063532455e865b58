"""Questions to answers: retrieval, then the judge, then the quotes composed and cited.

`Engine` is the one entry point both front doors (terminal and Discord) call. It never
imports discord. A question goes: chat cleaned (`chat`) -> concepts (`query`) -> BM25
passages read as candidate quotes (`retrieval`) -> each rated by the fitted judge
(`judge`) -> the ones it passes picked and cited (`compose`). An `Answer` holds every quote
it ranked, in order, so a renderer can show the first few and page through the rest.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.engine import chat, meaning, store
from bot.engine.chunking import Passage
from bot.engine.compose import DEFAULT_QUOTES, Answer, Location, Quote, answer, pick
from bot.engine.context import ArticleContext
from bot.engine.corpus import Article
from bot.engine.index import Hit, Index, Window
from bot.engine.judge import Judge, Reading, describe, fitted
from bot.engine.query import (
    Concept,
    analyse,
    follow_up,
    in_thesaurus,
    is_agent,
    is_list_question,
    is_name,
    points_back,
    possessor,
    speaker_words,
    with_word_forms,
)
from bot.engine.retrieval import (
    ARTICLE_POOL,
    PASSAGE_POOL,
    Asked,
    Candidate,
    Source,
    Term,
    asked,
    candidates,
    first_phase,
    flat_weights,
    quote_spans,
    requirement,
    span_holds,
    with_article_evidence,
)
from bot.engine.shapes import TIME
from bot.engine.text import normalize_word, tokenize, words

__all__ = [
    "DEFAULT_QUOTES",
    "RANKED_QUOTES",
    "Answer",
    "Engine",
    "Features",
    "Location",
    "QuestionError",
    "Quote",
    "validate_question",
]

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
RANKED_QUOTES = 15  # enough for three pages of five
# A follow-up also reads this many passages, best first, of the articles the earlier answer
# quoted, from the best CONVERSATION_POOL for its words.
CONVERSATION_PASSAGES = 10
CONVERSATION_POOL = 400
# Articles whose context (`bot.engine.context`) is kept between questions.
CONTEXTS_KEPT = 512
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'.-]+")
# A name in more than this share of passages (ICE, Trump) tells list items apart poorly.
COMMON_NAME_SHARE = 0.2


@dataclass(frozen=True)
class Features:
    """What the engine uses beyond BM25 and the question's own words; each can be switched
    off to measure what it gains (`python -m bot eval --without context,...`)."""

    context: bool = True  # whom surnames and pronouns stand for; headline and dateline
    answer_types: bool = True  # how many wants a number, when a time, who a person ...
    word_knowledge: bool = True  # WordNet's related words for the question's words
    chat: bool = True  # chat fillers, mentions and emoji out; slang and typos respelt
    meaning: bool = True  # word vectors: a word close in meaning counts (`bot.engine.meaning`)
    article_evidence: bool = True  # a fact's passages ranked with their article's best one

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
class Judged:
    """A question's candidates with the judge's features and ratings (for fitting it)."""

    asked: Asked | None
    candidates: list[Candidate]
    rows: Sequence[dict[str, float]]  # per candidate, its features (`judge.Rows`)
    names: Callable[[Candidate], set[str]] = set  # the names a quote gives the question not
    required: Callable[[Candidate], bool] | None = None  # what every quote must hold
    terms: frozenset[Term] = frozenset()  # the question's terms and the words standing in


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
        self.judge: Judge = fitted()

    @classmethod
    def load(cls, folder: Path, skipped: list[tuple[str, str]] | None = None) -> Engine:
        """Load, split, tokenise and index a corpus folder (CorpusError if it will not load).

        With a `skipped` list, bad files go into it as (name, why) and the good ones load.
        """
        started = time.perf_counter()
        _read_ahead()
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

    def ask(self, question: str, limit: int = RANKED_QUOTES, after: str | None = None) -> Answer:
        """Rank up to `limit` quotes that answer `question`, or none when nothing does.

        With `after`, the question is a follow-up to that earlier one ("what about
        atlanta?" after "which mayors spoke out"), answered in its context
        (`bot.engine.query.follow_up`)."""
        # A question makes thousands of short-lived objects, all freed as it ends; cyclic
        # collections in between found nothing to free and made the slowest questions
        # twice as slow (`python -m bot bench`). They are freed before collections resume
        # (`_answer` has returned): the first collection then has nothing of them to scan.
        with store.paused_gc():
            return self._answer(validate_question(question), limit, after)

    def _answer(self, question: str, limit: int, after: str | None) -> Answer:
        judged = self._judge(question, after)
        return answer(question, self._chosen(judged, limit), self._article)

    def judged(self, question: str, after: str | None = None) -> Judged:
        """The question's candidates, described and rated: what `scripts/fit_judge.py` logs."""
        with store.paused_gc():
            return self._judge(validate_question(question), after)

    def searched_for(self, question: str) -> str:
        """The question as the engine searches for it (chat cleaned, typos respelt)."""
        if not self.features.chat:
            return question
        cleaned = chat.clean(question)
        return chat.respell(cleaned, self.index.idf, normalize_word, _english)

    def _known(self, term: str) -> bool:
        """Whether any passage has the term."""
        return self.index.idf(term) is not None

    # -- the phases -------------------------------------------------------------------

    def _judge(self, question: str, after: str | None = None) -> Judged:
        for thread in _READING_AHEAD:  # what a process's first question reads
            thread.join()
        text = self.searched_for(question)
        concepts = analyse(text, self.features.word_knowledge)
        earlier = None
        # A follow-up that is only a name asks about it ("what about san diego?", "and
        # kagan?"): its quotes' passages must name it. Not a list's place ("which ones in
        # california?": the answers are inside it, not named by it).
        own_names: list[int] = []
        if after and after.strip():
            earlier = self.searched_for(" ".join(after.split())[:MAX_QUESTION_CHARS])
            own = [n for n, c in enumerate(concepts) if not c.framing]
            if own and all(is_name(concepts[n]) for n in own) and not is_list_question(text):
                own_names = own
            concepts = follow_up(
                analyse(earlier, self.features.word_knowledge), concepts, points_back(text)
            )
        if not concepts:
            return Judged(None, [], [])
        if self.features.word_knowledge:
            concepts = with_word_forms(concepts, self._known)
        wanted = asked(
            text, concepts, self.index, self._term_key, self.features.answer_types, earlier
        )
        # A follow-up also reads the articles the earlier answer quoted, further down.
        talked_about = self._quoted_articles(after or "") if earlier is not None else frozenset()
        # A fact's passages, not a list's (its items are in many articles), are ranked with
        # their article's best passage too (`retrieval.with_article_evidence`).
        by_article = self.features.article_evidence and not wanted.listing and not talked_about
        searched = self.index.search(
            flat_weights(concepts),
            CONVERSATION_POOL if talked_about else ARTICLE_POOL if by_article else PASSAGE_POOL,
        )
        if by_article:
            hits = with_article_evidence(
                searched, self.index.articles_of([hit.position for hit in searched]), PASSAGE_POOL
            )
        else:
            hits = searched[:PASSAGE_POOL]
        if not hits:
            return Judged(wanted, [], [])
        windows = self._windows(hits)
        if talked_about:
            hits, windows = self._in_conversation(
                searched[PASSAGE_POOL:], hits, windows, talked_about
            )
        scores = [hit.score for hit in hits]
        sources: dict[int, Source] = {}
        chosen = first_phase(
            quote_spans(windows, wanted.kind),
            windows,
            scores,
            wanted,
            self._sentence_score,
            talked_about=talked_about,
            holds_kind=span_holds(
                wanted.kind,
                windows,
                lambda number: self._source(number, sources).text,
                wanted.listing,
            ),
        )
        found = candidates(
            chosen, windows, scores, lambda number: self._source(number, sources), self._context
        )
        own = {t for c in concepts for t in c.weights}

        def names(candidate: Candidate) -> set[str]:
            return self._names(candidate) - own

        reading = Reading(
            wanted,
            names,
            self.features.context,
            meaning.vectors() if self.features.meaning else None,
            " ".join(w[3] for w in words(f"{earlier} {text}" if earlier else text)),
        )
        rows = describe(reading, found)
        for candidate, score in zip(found, self.judge.quote.probabilities(rows), strict=True):
            candidate.score = score
        return Judged(
            wanted,
            found,
            rows,
            names,
            requirement(
                wanted,
                own_names,
                _speakers(text, concepts),
                self._term_key,
                self.features.context,
            ),
            frozenset(self._term_key(t) for t in own),
        )

    def _in_conversation(
        self,
        more: list[Hit],
        hits: list[Hit],
        windows: list[Window],
        talked_about: frozenset[int],
    ) -> tuple[list[Hit], list[Window]]:
        """A follow-up's passages, with the best CONVERSATION_PASSAGES of those ranked `more`
        from the articles the earlier question's answer quoted (`talked_about`): what the
        follow-up talks about ("what did she blame ice for?" is asked of the article that
        quoted her)."""
        there = [
            (hit, window)
            for hit, window in zip(more, self._windows(more), strict=True)
            if window.article in talked_about
        ][:CONVERSATION_PASSAGES]
        return hits + [hit for hit, _ in there], windows + [window for _, window in there]

    def _quoted_articles(self, question: str) -> frozenset[int]:
        """The numbers of the articles the answer to `question` quotes (none if unanswered)."""
        judged = self._judge(" ".join(question.split())[:MAX_QUESTION_CHARS])
        return frozenset(group[0].source.number for group in self._chosen(judged, DEFAULT_QUOTES))

    def _chosen(self, judged: Judged, limit: int) -> list[list[Candidate]]:
        """The quotes the judge passes, picked and grouped (`compose.pick`); none when it
        finds the question unanswered."""
        if not self.judge.answers(judged.candidates, judged.rows):
            return []
        listing = judged.asked is not None and judged.asked.listing
        return pick(
            judged.candidates,
            self.judge.quote.floor,
            limit,
            listing,
            judged.names,
            judged.required,
            self.judge.relative,
            judged.terms,
        )

    # -- reading the store ------------------------------------------------------------

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

    def _source(self, number: int, sources: dict[int, Source]) -> Source:
        """The article at `number` as this question reads it (`sources` keeps them)."""
        found = sources.get(number)
        if found is None:
            text_at = getattr(self.articles, "text_at", None)
            if text_at is not None:
                found = Source(number, self.articles.ids[number], text_at(number))
            else:
                article = self.articles[number]
                found = Source(number, article.id, article.text)
            sources[number] = found
        return found

    def _article(self, source: Source) -> Article:
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

    def _sentence_score(self, asked: Asked, terms: tuple[Term, ...]) -> float:
        """BM25 of one sentence against the concepts (idf from the passage index): per
        concept, its best term's, the framing ones lightly."""
        by_term = asked.by_term
        matched = [term for term in terms if term in by_term]
        if not matched:
            return 0.0
        k1, b = self.index.bm25.k1, self.index.bm25.b
        norm = k1 * (1 - b + b * len(terms) / self._avg_sentence_terms)
        best = [0.0] * len(asked.factors)
        counts: dict[Term, int] = {}
        for term in matched:
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

    def _names(self, candidate: Candidate) -> set[str]:
        """The uncommon names a quote mentions (capitalised words inside its sentences)."""
        floor = self._common_name_idf
        return {
            term
            for word in _NAME.findall(candidate.text)
            for term in _name_terms(word)
            if (self.index.idf(term) or 0.0) > floor
        }


# The thread reading what a process's first question needs, once started.
_READING_AHEAD: list[threading.Thread] = []


def _read_ahead() -> None:
    """Start reading, in the background, what a process's first question reads (the word
    vectors, the thesaurus, WordNet's table) while the corpus loads. A question waits for
    the thread to end."""
    if not _READING_AHEAD:
        thread = threading.Thread(target=_first_reads, name="read-ahead", daemon=True)
        _READING_AHEAD.append(thread)
        thread.start()


def _first_reads() -> None:
    try:
        analyse("police raids")  # the thesaurus and WordNet's table
        meaning.vectors()
    except Exception:  # the question that needs them reads them again, and says what failed
        log.debug("reading ahead failed", exc_info=True)


def _english(word: str) -> bool:
    """Whether a lower-case word is a word as written, not a typo: WordNet has it or its
    base form ("plaintiff", "torched", "brooklyn"), the thesaurus lists it ("socal" is no
    typo of "local"), or the word vectors' vocabulary holds it whole."""
    from bot.engine.wordnet import is_word  # loaded when first used

    if in_thesaurus(word) or is_word(word):  # WordNet's lexicon holds every base form
        return True
    found = meaning.vectors()
    return found is not None and found.whole_word(word)


@lru_cache(maxsize=65_536)
def _name_terms(word: str) -> tuple[str, ...]:
    """The index terms of a capitalised word, none for a day or a month ("June." ending a
    sentence too): names recur."""
    return () if TIME.fullmatch(word.rstrip(".'’-")) else tuple(tokenize(word))


def _speakers(question: str, concepts: list[Concept]) -> list[int]:
    """The concepts naming who a what-did-X-say question asks about, when X is named
    ("what did schumer say"), not an office ("what did atlanta's mayor say": the mayor
    speaks, and the city may stand in her words)."""
    said = {possessor(w) for w in speaker_words(question)}
    found = [
        n for n, c in enumerate(concepts) if not c.framing and possessor(c.word.lower()) in said
    ]
    return [] if any(is_agent(concepts[n]) for n in found) else found
