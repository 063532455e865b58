"""Retrieval: a question's BM25 passages, read as the quotes they could give (candidates).

The cheap first phase. BM25 ranks every passage; the best PASSAGE_POOL are read sentence
by sentence, each sentence (a very short one with its neighbour) a candidate quote with
what the judge needs to rate it: its terms, its passage's score and rank, its offsets.
Nothing here decides whether a candidate answers; that is the judge's (`bot.engine.judge`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import pairwise

import numpy as np

from bot.engine.context import ROLES, ArticleContext
from bot.engine.corpus import collapse_spaces
from bot.engine.index import Hit, Index, Window
from bot.engine.query import Concept, answer_kind, is_list_question
from bot.engine.shapes import SHAPES, TIME
from bot.engine.text import fold, normalize_word, tokenize

PASSAGE_POOL = 40
# How many candidates, best first by their own BM25 and their passage's, the judge reads.
# Of the 291 answerable questions of the train, casual, real and generalisation sets, the best
# 30 hold an answering quote for 248 (45: 260, 60: 264); judged held out, 45 passed 320 of
# 526 questions against 30's 318, at half again the judge's time (docs/evaluation.md).
JUDGED = 30
# A span that holds the kind of answer asked for (a figure for "how many", a time for "when")
# ranks this much higher among them. Of the 246 answerable questions whose answer is in the
# passages (the dev, real, casual, follow-up and train sets), the best 30 then hold it for 236
# (228 without; 0.2: 234).
KIND_BONUS = 0.4
# A fact's passages are ranked by their BM25 plus this share of their article's best
# passage's: an article that answers the question well is where its answer is, even in a
# sentence that repeats few of its words (docs/evaluation.md, the twelfth round: 0.5 to 0.7
# gain alike on the nine sets, 0.8 a little less, 0.3 nothing; a list, which draws on many
# articles, keeps BM25's order). ARTICLE_POOL passages are ranked so.
ARTICLE_WEIGHT = 0.6
ARTICLE_POOL = 400
# A follow-up's judge also reads this many candidates of the articles the earlier answer
# quoted, wherever they rank: the conversation is about them.
CONVERSATION_KEPT = 5
# A sentence shorter than this reads better with its neighbour ("We have no choice.").
SHORT_SENTENCE = 60
# Framing words ("say", "going") still search, at this share of their weight. Typed, not
# fitted: BM25's query weights are below the judge, which sees the coverage of framing
# words as weighing nothing.
FRAMING_WEIGHT = 0.3

# A term as the engine compares them: the word itself, or a store's number for it.
Term = str | int


@dataclass(frozen=True)
class Asked:
    """A question as the scoring loops use it, worked out once per question."""

    concepts: list[Concept]  # over the engine's terms (`Engine._term_key`)
    weights: list[float]  # per concept: its idf (0 for framing words)
    total: float  # the weights' sum
    kind: str | None  # the kind of answer wanted (`bot.engine.query.answer_kind`)
    listing: bool  # whether it asks for several people, places or things
    named: list[int]  # the concepts written as names, or roles ("mayor"): their numbers
    by_term: dict[Term, list[tuple[int, float]]]  # term -> (concept number, weight * idf)
    factors: list[float]  # per concept: its share of a sentence's score (framing: less)
    pairs: set[tuple[Term, Term]]  # the question's informative terms side by side
    unknown: float = 0.0  # share of the weight on words no article has (nor their synonyms)
    words: frozenset[str] = frozenset()  # the informative terms as words, for reading text
    measured: frozenset[str] = frozenset()  # what "how many ..." counts: "ppl", "ICE agents"
    times: tuple[int, ...] = ()  # the concepts that are a day, a month or a date

    @cached_property
    def weighed(self) -> list[tuple[int, Concept, float]]:
        """The concepts that count for coverage (a framing word weighs nothing)."""
        return [
            (n, c, w) for n, (c, w) in enumerate(zip(self.concepts, self.weights, strict=True)) if w
        ]

    @cached_property
    def crux(self) -> int | None:
        """The number of the concept that weighs most: what the question turns on."""
        weighed = self.weighed
        return max(weighed, key=lambda item: item[2])[0] if weighed else None


@dataclass(frozen=True)
class Source:
    """An article as one question reads it: its number, id and text (the `Article` itself
    is built only for the articles quoted)."""

    number: int
    id: str
    text: str


@dataclass
class Candidate:
    """A quote a passage could give: one sentence (or a short one with its neighbour)."""

    source: Source
    start: int  # the quote's offsets in the article's text
    end: int
    sentences: list[tuple[Term, ...]]  # the terms of its sentences
    terms: frozenset[Term]  # ... each once
    near: tuple[int, int]  # it with a sentence either side, inside its passage
    window: Window  # the passage it was read in
    context: ArticleContext  # its article's: whom its surnames and pronouns stand for
    rank: int  # its passage's BM25 rank for the question, from 0
    passage_score: float  # its passage's BM25 score
    bm25: float = 0.0  # its sentences' own BM25 score (the first phase's)
    score: float = 0.0  # what the judge rates it: the probability that it answers

    @cached_property
    def folded(self) -> str:
        """The quote as shown, typography folded and lower-cased: for comparing quotes."""
        return fold(collapse_spaces(self.source.text[self.start : self.end])).lower()

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]


def asked(
    question: str,
    concepts: list[Concept],
    index: Index,
    key: Callable[[str], Term],
    answer_types: bool = True,
    earlier: str | None = None,
) -> Asked:
    """What the scoring loops need of a question, worked out once (a follow-up asks for
    the kind of answer `earlier`, the question it follows, asked for, unless it says)."""
    weights = concept_weights(concepts, index)
    unseen = sum(
        w
        for c, w in zip(concepts, weights, strict=True)
        if all(index.idf(t) is None for t in c.weights)
    )
    kind = None
    if answer_types:
        kind = answer_kind(question) or (answer_kind(earlier) if earlier else None)
    by_term: dict[Term, list[tuple[int, float]]] = {}
    for number, concept in enumerate(concepts):
        for term, weight in concept.weights.items():
            idf = index.idf(term)
            if idf is not None:  # a term no passage has is in no sentence either
                by_term.setdefault(key(term), []).append((number, weight * idf * concept.scale))
    return Asked(
        [_keyed(c, key) for c in concepts],
        weights,
        sum(weights),
        kind,
        is_list_question(question),
        [n for n, c in enumerate(concepts) if (c.capitalised or c.term in ROLES) and weights[n]],
        by_term,
        [FRAMING_WEIGHT if c.framing else 1.0 for c in concepts],
        set(pairwise([key(c.term) for c in concepts if not c.framing])),
        unseen / sum(weights) if sum(weights) else 0.0,
        frozenset(t for c in concepts if not c.framing for t in c.weights),
        _measured(question, concepts),
        tuple(n for n, c in enumerate(concepts) if weights[n] and TIME.fullmatch(c.word or "-")),
    )


# Words that, right after "how many" or "how much", say it counts nothing named: "how much
# did boeing lose" asks a sum, "how much money" the money itself.
_COUNTS_NOTHING = frozenset(
    "did does do is are was were will would has have had can could should money cash dollars "
    "bucks".split()
)


def _measured(question: str, concepts: list[Concept]) -> frozenset[str]:
    """What "how many ..." counts: the next two words that do not frame the question ("how
    many ppl got ...": people), with the words that also count for them (a migrant is an
    immigrant). Nothing when a verb or money comes first ("how much did it cost")."""
    framing = {c.term for c in concepts if c.framing}
    counted = [
        t
        for match in _HOW_MANY.finditer(question)
        if match.group(1).split()[0].lower() not in _COUNTS_NOTHING
        for word in match.group(1).split()
        if (t := normalize_word(word)) is not None and t not in framing
    ]
    # Only the words that stand in for them alone: "ice agents" counts agents, not the
    # immigrants one word of "Immigration and Customs Enforcement" would.
    return frozenset(counted).union(*(c.synonyms for c in concepts if c.term in counted))


def concept_weights(concepts: list[Concept], index: Index) -> list[float]:
    """How much each concept matters: its idf, its best synonym's if no article has it, else
    the rarest word's (a word no article uses is as telling as the rarest one); 0 if framing."""
    weights = []
    for concept in concepts:
        own = index.idf(concept.term)
        if own is None:  # the thesaurus's synonyms stand in; WordNet's looser relatives do not
            idfs = [
                idf
                for t in concept.weights
                if t not in concept.related and (idf := index.idf(t)) is not None
            ]
            own = max(idfs) if idfs else index.max_idf
        weights.append(0.0 if concept.framing else max(own, 0.0) * concept.scale)
    return weights


def flat_weights(concepts: list[Concept]) -> dict[str, float]:
    """The query BM25 searches with: every term of every concept at its weight."""
    weights: dict[str, float] = {}
    for concept in concepts:
        scale = (FRAMING_WEIGHT if concept.framing else 1.0) * concept.scale
        for term, weight in concept.weights.items():
            weights[term] = max(weights.get(term, 0.0), weight * scale)
    return weights


def with_article_evidence(
    hits: list[Hit], articles: np.ndarray, limit: int, weight: float = ARTICLE_WEIGHT
) -> list[Hit]:
    """The best `limit` of `hits` (best first by BM25) by their BM25 plus `weight` times the
    best BM25 among the hits of their article (`articles`: each hit's article); ties keep
    BM25's order. Each hit keeps its own BM25 score."""
    if not hits:
        return hits
    scores = np.fromiter((hit.score for hit in hits), dtype=np.float64, count=len(hits))
    found, article = np.unique(articles, return_inverse=True)
    best = np.zeros(len(found))
    np.maximum.at(best, article, scores)
    order = np.argsort(-(scores + weight * best[article]), kind="stable")[:limit]
    return [hits[k] for k in order.tolist()]


# A quote a passage could give, before it is read from its article: its window's rank,
# its first and last sentence there, and its offsets with a sentence either side.
Span = tuple[int, int, int, tuple[int, int]]


def quote_spans(windows: list[Window], kind: str | None) -> list[Span]:
    """Every quote the passages could give, each span once (windows overlap: a span is
    read in the highest-ranked window that holds it)."""
    seen: set[tuple] = set()
    found = []
    statement = kind == "statement"
    for rank, window in enumerate(windows):
        spans = window.spans
        for number, (start, end) in enumerate(spans):
            first = last = number
            if end - start < SHORT_SENTENCE and len(spans) > 1:
                if number + 1 < len(spans):
                    last = number + 1
                else:
                    first = number - 1
            # Who speaks is often in the sentence before (or a tweet's signature in the one
            # after): a statement looks one sentence either way inside the passage.
            near = (spans[max(first - 1, 0)][0], spans[min(last + 1, len(spans) - 1)][1])
            key = (window.article, spans[first][0], spans[last][1], near if statement else None)
            if key in seen:
                continue
            seen.add(key)
            found.append((rank, first, last, near))
    return found


def candidates(
    chosen: list[tuple[Span, float]],
    windows: list[Window],
    scores: list[float],
    source: Callable[[int], Source],
    context: Callable[[int], ArticleContext],
) -> list[Candidate]:
    """The `chosen` spans (with their sentences' BM25 score) read as candidate quotes from
    their articles: only the articles of the quotes the judge reads are read."""
    found = []
    for (rank, first, last, near), bm25 in chosen:
        window = windows[rank]
        article = source(window.article)
        spans = window.spans
        start_at, end_at = _without_stray_quote_marks(article.text, spans[first][0], spans[last][1])
        sentences = window.terms[first : last + 1]
        found.append(
            Candidate(
                article,
                start_at,
                end_at,
                sentences,
                frozenset().union(*sentences),
                near,
                window,
                context(window.article),
                rank,
                scores[rank],
                bm25,
            )
        )
    return found


_HOW_MANY = re.compile(r"\bhow (?:many|much)\s+((?:[\w'-]+\s+)?[\w'-]+)", re.I)
_COUNT = re.compile(
    r"(?<![\w.,])(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?|millions?|billions?)(?![\w])[\s-]+((?:[\w'’$%-]+\s+){0,2}"
    r"[\w'’%-]+)",
    re.I,
)


# The words that count people in general ("how many ppl ..."): a count of a named place's
# people answers them too ("Houstonians").
_PEOPLE = frozenset(
    t for w in ("people", "persons", "folks", "individuals") if (t := normalize_word(w))
)


def counts_what_is_asked(asked: Asked, candidate: Candidate) -> bool:
    """Whether a number in the quote counts what the question counts ("how many ppl" and
    "35 people", "how much aid" and "$4.5 billion in aid"): one of the words after it is a
    word the question counts (or, when it names none, any of its words; for a sum, any
    sum the quote holds). People in general are counted by the people of a place the
    question names: "how many ppl in houston" and "one in four Houstonians", not "10 cities
    including Houston"."""
    if asked.kind == "money" and not asked.measured:
        return True  # any sum answers "how much did it cost"
    wanted = asked.measured or asked.words
    # The question's words a name for a place's people grows from (houston: Houstonians).
    roots = [w for w in asked.words if len(w) >= 4] if wanted <= _PEOPLE else []
    for match in _COUNT.finditer(candidate.text):
        for word in match.group(2).split():
            if normalize_word(word) in wanted:
                return True
            if roots:
                plain = word.lower().removesuffix("'s").removesuffix("’s").strip("'’-")
                if any(plain.startswith(w) and len(plain) > len(w) for w in roots):
                    return True
    return False


def first_phase(
    found: list[Span],
    windows: list[Window],
    scores: list[float],
    asked: Asked,
    sentence_score: Callable[[Asked, tuple[Term, ...]], float],
    keep: int = JUDGED,
    talked_about: frozenset[int] = frozenset(),
    holds_kind: Callable[[Span], bool] | None = None,
) -> list[tuple[Span, float]]:
    """The `keep` spans the judge reads, each with its sentences' BM25 score: best by that
    over the best one's, plus a third of their passage's over the best passage's, plus
    KIND_BONUS where the span `holds_kind` of answer asked for; and, for a follow-up, the
    best CONVERSATION_KEPT more of the articles `talked_about` (those the earlier answer
    quoted), wherever they rank."""
    bm25 = [
        sum(sentence_score(asked, s) for s in windows[rank].terms[first : last + 1])
        for rank, first, last, _ in found
    ]
    if len(found) <= keep:
        return list(zip(found, bm25, strict=True))
    best = max(bm25) or 1.0
    top = max(scores[span[0]] for span in found) or 1.0
    rating = [bm25[i] / best + 0.3 * scores[span[0]] / top for i, span in enumerate(found)]
    if holds_kind is not None:
        # Only a span the bonus could lift into the best `keep` is read for its kind.
        cut = sorted(rating, reverse=True)[keep - 1] - KIND_BONUS
        for i, span in enumerate(found):
            if rating[i] >= cut and holds_kind(span):
                rating[i] += KIND_BONUS
    ranked = sorted(range(len(found)), key=lambda i: -rating[i])
    there = [i for i in ranked[keep:] if windows[found[i][0]].article in talked_about]
    return [(found[i], bm25[i]) for i in ranked[:keep] + there[:CONVERSATION_KEPT]]


# The kinds of answer a quote must hold to be shown at all: a "how many" answer states an
# amount, a "how long" one a duration; a quote without one cannot answer, however it rates.
# A sum of money or an age is a figure too: the quote must hold one, and the judge reads
# whether it holds the narrower kind. A count must be a figure that is no age or date.
MUST_HOLD = {"number": "number", "duration": "duration", "money": "figure", "age": "figure"}


# A run of three or more short items, the first two each followed by a comma
# ("heroin, cocaine, marijuana and fentanyl", "Atlanta, Baltimore, Chicago"): how a news
# sentence lists the answers a list question asks for.
# (Measured: with "A, B and C" too, 16% of sentences hold one against 12%, and train's lists
# pass 9 of 24 again instead of 11; the real pages' lists 2 of 3 instead of 1.)
# It is tried only where an item can begin (what a match could start at, the leftmost
# one always does) and on text with two ", " at least: a tenth of the time, same answers.
ENUMERATION = re.compile(r"(?<![^\s,;])(?:[^\s,;]+(?: [^\s,;]+){0,2}, ){2,}[^\s,;]")


def span_holds(
    kind: str | None, windows: list[Window], text_of: Callable[[int], str], listing: bool = False
) -> Callable[[Span], bool] | None:
    """Whether a span of `windows` holds the kind of answer asked for (its shape: a figure
    for "how many", a time, a duration, a reason, a place; for a list question, also an
    enumeration), for the first phase; None when no kind is asked, or one most sentences
    hold (a person, a statement). `text_of` gives an article's text by its number."""
    shape = None if kind in (None, "person", "statement") else SHAPES.get(MUST_HOLD.get(kind, kind))
    if shape is None and not listing:
        return None

    def holds(span: Span) -> bool:
        window = windows[span[0]]
        start, end = window.spans[span[1]][0], window.spans[span[2]][1]
        text = fold(text_of(window.article)[start:end])
        if listing and text.count(", ") >= 2 and ENUMERATION.search(text):
            return True
        return shape is not None and bool(shape.search(text))

    return holds


def requirement(
    asked: Asked,
    names: Sequence[int] = (),
    speakers: Sequence[int] = (),
    key: Callable[[str], Term] = str,
    context: bool = True,
) -> Callable[[Candidate], bool] | None:
    """What every quote must hold for the kind of answer `asked` wants, or None; and, for a
    follow-up that names someone or somewhere ("what about san diego?"), its passage must
    name them (`names`: those concepts of `asked`): a quote about another city is no
    answer about this one. For what-did-X-say, the passage must name X (`speakers`) or hold
    a pronoun or surname standing for X (when `context` counts): no passage about X, no
    words of X's. And one that names X only inside quotation marks or brackets, someone
    else's words, does not give X's (`key` gives a word's term as the passages keep it)."""
    shape = MUST_HOLD.get(asked.kind) if asked.kind else None
    wanted = [frozenset(asked.concepts[n].weights) for n in names]
    speaking = [frozenset(asked.concepts[n].weights) for n in speakers]
    if shape is None and not wanted and not speaking:
        return None

    def meets(candidate: Candidate) -> bool:
        if shape is not None and not holds(shape, candidate):
            return False
        window = candidate.window
        there = set(window.before).union(*window.terms)
        if not all(not terms.isdisjoint(there) for terms in wanted):
            return False
        if speaking:
            unnamed = [terms for terms in speaking if terms.isdisjoint(there)]
            if unnamed:  # whom the passage's pronouns and surnames stand for, read only then
                meant = candidate.context.referents(window.start, window.end) if context else ()
                if any(terms.isdisjoint(meant) for terms in unnamed):
                    return False
            outside = _outside_quotes(candidate.source.text[window.start : window.end], key)
            outside.update(window.before)
            for terms in speaking:
                if not terms.isdisjoint(there) and terms.isdisjoint(outside):
                    return False
        return True

    return meets


# Someone's words inside a passage: in quotation marks, or an editor's brackets.
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|\[[^\]]*\]")


def _outside_quotes(text: str, key: Callable[[str], Term]) -> set[Term]:
    """The terms of `text` outside quotation marks and brackets."""
    return {key(t) for t in tokenize(_QUOTED.sub(" ", text))}


def holds(kind: str, candidate: Candidate) -> bool:
    """Whether a candidate holds the kind of answer asked for (a number, a time, a person
    ...); a statement may name its speaker a sentence either way."""
    if kind == "person":
        return candidate.context.names_person(candidate.start, candidate.end)
    start, end = candidate.near if kind == "statement" else (candidate.start, candidate.end)
    return SHAPES[kind].search(fold(candidate.source.text[start:end]))


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
