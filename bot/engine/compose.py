"""Compose: the judged candidates to an answer: which quotes, in what order, citing what.

Only candidates the judge rates at or above its floor are quoted. Among them the picker
prefers the best-rated, then what the kept quotes do not already say: other words, other
articles, and for a list question other names. A quote several articles carry is one
quote citing each of them, and only articles that hold its exact words are cited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.engine.corpus import Article, collapse_spaces
from bot.engine.retrieval import Candidate, Source, Term

DEFAULT_QUOTES = 5
# Two quotes from different articles sharing this share of their words are one quote
# carried twice (a shared tweet, a wire story).
SAME_QUOTE_JACCARD = 0.75
# How much a kept quote's words lower the rank of a candidate sharing them (a list question
# wants each item, so more), and a kept quote from the same article. Typed: they order the
# quotes the judge passed, and never decide whether the bot answers.
DIVERSITY = 0.25
LIST_DIVERSITY = 0.5


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
    every location's article holds exactly these words. `score` is the judge's probability.
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


def pick(
    candidates: list[Candidate],
    floor: float,
    limit: int,
    listing: bool,
    names: Callable[[Candidate], set[str]],
    required: Callable[[Candidate], bool] | None = None,
    relative: float = 0.0,
    question_terms: frozenset[Term] = frozenset(),
) -> list[list[Candidate]]:
    """The quotes to show, best first, each with the other articles' candidates that carry
    the same words: the candidates rated at or above `floor` and at least `relative` of the
    best one's rating (and, when the question asks for an amount or a duration, holding
    one: `required`), diverse in the words they add to `question_terms`."""
    allowed = [c for c in candidates if required is None or required(c)]
    if allowed:
        floor = max(floor, relative * max(c.score for c in allowed))
    best: dict[tuple[int, int, int], Candidate] = {}
    for c in allowed:
        if c.score >= floor:
            key = (c.source.number, c.start, c.end)
            if key not in best or c.score > best[key].score:
                best[key] = c
    pool = sorted(best.values(), key=lambda c: -c.score)
    chosen: list[list[Candidate]] = []  # each: the kept candidate, then its duplicates
    diversity = LIST_DIVERSITY if listing else DIVERSITY
    # A list answer wants quotes that name someone new: each candidate's names, and how
    # many of them no kept quote has named yet. A quote naming no one new keeps three
    # quarters of its rating: the judge's rating leads (dev's police list, train4).
    owns = [names(c) for c in pool] if listing else []
    fresh = [len(own) for own in owns]
    named: set[str] = set()
    # Each candidate's largest word overlap with a kept quote and how many kept quotes share
    # its article, updated once per kept quote for the candidates it changes.
    overlap = [0.0] * len(pool)
    same_article = [0] * len(pool)

    def adjusted(i: int) -> float:
        score = (
            pool[i].score * (1 - diversity * overlap[i]) * (1 - 0.1 * diversity * same_article[i])
        )
        if listing:
            own, new = owns[i], fresh[i]
            novelty = new / len(own) if own else 0.0
            score *= 0.75 + 0.25 * novelty
        return score

    ranked = [adjusted(i) for i in range(len(pool))]
    # Each candidate's words beyond the question's, how many, and its article, read once:
    # quotes that answer share the question's words and may still say different things.
    terms = [c.terms - question_terms for c in pool]
    sizes = [len(own) for own in terms]
    ids = [c.source.id for c in pool]
    while pool and len(chosen) < limit:
        # The quote the judge rates best comes first, whoever it names; the rest by `adjusted`.
        at = ranked.index(max(ranked)) if chosen else 0
        chosen_one = pool.pop(at)
        own = owns.pop(at) if listing else set()
        for column in (overlap, same_article, ranked, fresh, terms, sizes, ids):
            if column:
                del column[at]
        twin = next((g for g in chosen if _same_quote(chosen_one, g[0])), None)
        if twin is not None:
            if all(d.source.id != chosen_one.source.id for d in twin):
                twin.append(chosen_one)
            continue
        inside = next((g for g in chosen if _holds(chosen_one, g[0])), None)
        if inside is not None:  # a shown quote with the short sentence joined to it
            inside[:] = [chosen_one]
        elif any(_overlaps(chosen_one, g[0]) for g in chosen):
            continue  # the same words from a neighbouring window
        else:
            chosen.append([chosen_one])
        added = own - named
        named |= added
        picked, picked_size, picked_id = (
            chosen_one.terms,
            len(chosen_one.terms),
            chosen_one.source.id,
        )
        for i, words in enumerate(terms):
            changed = ids[i] == picked_id
            if changed:
                same_article[i] += 1
            shared = len(words & picked)
            if shared:
                value = shared / (sizes[i] + picked_size - shared)
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
    return chosen


def answer(
    question: str, chosen: list[list[Candidate]], article: Callable[[Source], Article]
) -> Answer:
    """The answer quoting `chosen`, its sources numbered in order of first citation."""
    numbers: dict[str, int] = {}
    sources: list[Article] = []
    quotes = []
    for group in chosen:
        head = group[0]
        locations = []
        for c in group:
            built = article(c.source)
            span = _locate(head, c, built)
            if span is None:
                continue  # the same news in other words: that article does not hold this quote
            if built.id not in numbers:
                numbers[built.id] = len(sources) + 1
                sources.append(built)
            locations.append(Location(built, *span, numbers[built.id]))
        text = collapse_spaces(head.source.text[head.start : head.end])
        quotes.append(Quote(text, round(head.score, 4), tuple(locations)))
    return Answer(question, tuple(quotes), tuple(sources))


def _jaccard(a: frozenset[Term], b: frozenset[Term]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _same_quote(a: Candidate, b: Candidate) -> bool:
    """Whether two candidates from different articles carry the same words (a shared tweet):
    most of their words shared, or one's text inside the other's."""
    if a.source.id == b.source.id:
        return False
    if _jaccard(a.terms, b.terms) >= SAME_QUOTE_JACCARD:
        return True
    one, other = a.folded, b.folded
    return one in other if len(one) <= len(other) else other in one


def _holds(a: Candidate, b: Candidate) -> bool:
    """Whether `a` is `b` and more of the same article (a short sentence joined to it)."""
    return a.source.id == b.source.id and a.start <= b.start and b.end <= a.end


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.source.id == b.source.id and a.start < b.end and b.start < a.end


def _locate(head: Candidate, other: Candidate, article: Article) -> tuple[int, int] | None:
    """Where `head`'s exact words sit in `other`'s article (white space may differ), or
    None when that article does not hold them character for character."""
    if other is head:
        return head.start, head.end
    words = head.source.text[head.start : head.end].split()
    text = other.source.text
    if not words:
        return article.body_start, article.body_start
    at = text.find(words[0], article.body_start)
    while at >= 0:
        end = _spaced(text, at + len(words[0]), words[1:])
        if end is not None:
            return at, end
        at = text.find(words[0], at + 1)
    return None


def _spaced(text: str, at: int, words: list[str]) -> int | None:
    """Where `words` end in `text` when each follows white space from `at` on, or None (what
    `re.match(r"\\s+w1\\s+w2...")` finds: the words hold no white space)."""
    for word in words:
        start = at
        while at < len(text) and text[at].isspace():
            at += 1
        if at == start or not text.startswith(word, at):
            return None
        at += len(word)
    return at
