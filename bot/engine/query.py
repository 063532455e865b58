"""A question to what it asks: weighted terms (its words, synonyms, WordNet), the answer kind."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise

import numpy as np

from bot.engine.context import ROLES
from bot.engine.text import stem, tokenize, words

EXPANSION_WEIGHT = 0.5
# A synonym covers its concept almost as well as the question's own word.
EXPANSION_CREDIT = 0.8
PHRASAL_WEIGHT = 0.3
# WordNet's related words search at this weight (a phrase's words at half of it) and cover
# their concept for RELATED_CREDIT: general word knowledge is looser than the thesaurus.
RELATED_WEIGHT = 0.3
RELATED_CREDIT = 0.5
RELATED_PER_WORD = 8
PHRASE_PART_WEIGHT = 0.3
# Words that frame a question rather than say what it is about ("what did X say about Y").
# They still search, but lightly, and a passage is not judged relevant for having them.
FRAMING = frozenset(
    tokenize(
        "say said says tell told think thought react reaction respond response happen happened "
        "happening mean explain describe know anyone anybody someone something thing things "
        "about regarding news article articles story stories report reports reported "
        "also really actually please much many ever still even way kind sort one "
        "go going gone went get got gotten make made come came take took give gave "
        "suppose supposed speak spoke spoken talk talked want wanted need needed try tried "
        "let like would could might may must shall do done long use using used time else guy "
        "person individual claim claimed claiming"
    )
)
# A word between "which" and what it asks for ("which bay area cities"), not a verb or a
# preposition that ends the phrase ("what did Atlanta's mayor do", "what happened to people").
_MODIFIER = (
    r"(?!(?:did|does|do|is|are|was|were|has|have|had|should|would|will|can|could|might|must|"
    r"to|from|by|with|about|for|in|on|at|after|before|[\w'-]+(?:ed|ing))\b)[\w'-]+ "
)
# Where a question's wh-word may stand: at its start, or after a clause chat puts first
# ("after the delay, when did ...", "that mom in florida: how long ...").
_OPENS = r"(?:^|[,;:]\s*)\s*"
# The verbs a what-did-X-say question asks with.
_SAYING = (
    "say|said|tell|told|tweet|tweeted|write|wrote|post|posted|announce|announced|claim|"
    "claimed|warn|warned|urge|urged|react|respond"
)
# What kind of answer a question wants, by its wh-phrase; the first that matches wins.
ANSWER_CUES = (
    (
        "statement",
        re.compile(
            rf"{_OPENS}(what|how)\b.*\b({_SAYING})\b",
            re.I,
        ),
    ),
    (
        "reason",
        re.compile(
            rf"{_OPENS}(why|how come)\b|\bwhat (was|is) the reason\b|\bfor what reasons?\b|"
            r"\bwhat for\s*\??\s*$",
            re.I,
        ),
    ),
    (
        "duration",
        re.compile(
            r"\bhow long\b|\bfor how long\b|\bhow many (seconds|minutes|hours|days|weeks|"
            r"months|years)\b(?! (old|ago|before|after))",
            re.I,
        ),
    ),
    # A sum of money: "how much did it cost", "how much $", "what was the valuation".
    (
        "money",
        re.compile(
            r"\bhow much\b.*(\$|\b(cost|costs|costing|pay|paid|pays|spend|spent|price|priced|"
            r"worth|money|dollars?|cash|budget|fund|funds|funding|salary|earn|earned|make|made|"
            r"take home|lose|lost|raise|raised|fine|fined|bail|owe|owed)\b)|"
            r"\bwhat (was |is |were )?(the )?(cost|price|valuation|budget|salary|fine|bail)\b",
            re.I,
        ),
    ),
    ("age", re.compile(r"\bhow old\b|\bwhat age\b", re.I)),
    (
        "number",
        re.compile(
            r"\bhow (many|much|big|large|high|far|old|close|strong|fast|tall|deep|heavy|hot|"
            r"wide|often)\b|\bnumber of\b|\bwhat (size|amount|percent|percentage|share)\b",
            re.I,
        ),
    ),
    (
        "time",
        re.compile(
            rf"{_OPENS}when\b|\b(what|which) (day|date|time|month|year)\b|\bhow soon\b", re.I
        ),
    ),
    # a person before a place: "which houston area lawmen" asks for people
    (
        "person",
        re.compile(
            rf"{_OPENS}who\b|\b(which|what) ({_MODIFIER}){{0,2}}?(mayors?|officials?|people|"
            r"persons?|leaders?|politicians?|democrats?|republicans?|lawmakers?|members?|chiefs?|officers?|"
            r"judges?|governors?|senators?|spokesm[ae]n|advocates?|activists?|boss|bosses|hosts?|"
            r"lawm[ae]n|reporters?|journalists?|anchors?|players?|executives?|ceos?|ministers?|"
            r"guys?|wom[ae]n|m[ae]n)\b|\bnames? of (the |that |this |those )?([\w'-]+ )?"
            r"(guy|man|woman|dad|mom|mother|father|officers?|agents?|person|kid|"
            r"child|girl|boy|victims?|judge|reporter|shooter|suspects?|lawyer|attorney)\b",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            rf"{_OPENS}where\b|\b(which|what) ({_MODIFIER}){{0,2}}?(cities|city|states?|places?|"
            r"towns?|countries|country|neighbou?rhoods?|areas?)\b",
            re.I,
        ),
    ),
)


# "which police departments ...", "what cities ...", "who were ...", "list ...", and chat's
# "people from which countries ..." (a preposition, "which" and a plural) and "who else",
# "where else": many answers.
_LIST_QUESTION = re.compile(
    r"^\s*(which|list|name)\b|^\s*what\s+(?!does\b|was\b|is\b|has\b)\w+s\b|^\s*who\s+(are|were)\b"
    r"|\b(who|where|what)\s+else\b|\bwho\s+all\b"
    rf"|\b(from|in|to|at|for|with|by|on|about|into|across)\s+which\s+({_MODIFIER}){{0,2}}?"
    r"[a-z]+[^s\W]s\b",
    re.I,
)


def is_list_question(question: str) -> bool:
    """Whether the question asks for several people, places or things."""
    return bool(_LIST_QUESTION.search(question))


def answer_kind(question: str) -> str | None:
    """What the question asks for: "statement" (what someone said), "reason", "duration",
    "money", "age", "number", "time", "place", "person" or None."""
    for kind, cue in ANSWER_CUES:
        if cue.search(question):
            return kind
    return None


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about: its own term and the terms that also count for it."""

    term: str
    weights: dict[str, float]
    framing: bool
    capitalised: bool = False  # written as a name, not as the question's first word
    phrases: tuple[tuple[str, ...], ...] = ()  # synonyms of several words ("los angeles")
    # WordNet's related words (single terms, and phrases whose terms must all be there)
    related: frozenset[str] = frozenset()
    related_phrases: tuple[tuple[str, ...], ...] = ()
    word: str = ""  # the question's own word for it, lower-cased ("cops" for "polic")
    scale: float = 1.0  # what it weighs against the question's own: less if carried over

    @cached_property
    def synonyms(self) -> frozenset[str]:
        """The other terms that stand for the concept on their own (a synonym's weight)."""
        return frozenset(
            t for t, w in self.weights.items() if w >= EXPANSION_WEIGHT and t != self.term
        )


class Coverage:
    """How well sets of terms cover some concepts, every set and concept at once.

    A set covers a concept fully (1) with the question's own word, for EXPANSION_CREDIT with
    a synonym, for RELATED_CREDIT with one of WordNet's related words, else not (0). A
    synonym of several words counts only when all of them are there: "citi" alone does not
    stand for "New York City". Only the terms that can cover a concept are looked at: sets
    are read as which of those they hold (`present`).
    """

    # What a way of covering a concept counts for, the best first.
    CREDITS = (1.0, EXPANSION_CREDIT, RELATED_CREDIT)

    def __init__(self, concepts: Sequence[Concept]) -> None:
        columns: dict = {}  # term -> its column
        members: list[list[int]] = []  # per way of covering a concept: its terms' columns
        credited: list[int] = []  # per way: the column of (its credit, its concept)
        count = len(concepts)
        for k, concept in enumerate(concepts):
            ways = [((concept.term,), 0)]
            ways += [((t,), 1) for t in concept.synonyms]
            ways += [(phrase, 1) for phrase in concept.phrases]
            ways += [((t,), 2) for t in concept.related]
            ways += [(phrase, 2) for phrase in concept.related_phrases]
            for terms, credit in ways:
                members.append(sorted({columns.setdefault(t, len(columns)) for t in terms}))
                credited.append(credit * count + k)
        self.columns = columns
        self.terms = frozenset(columns)
        self._count = count
        # Counted with float32 matrix products (exact for counts this small, and far
        # quicker than integer ones): the terms of each way, and the ways of each credit.
        self._ways = np.zeros((len(columns), len(members)), dtype=np.float32)
        for way, found in enumerate(members):
            self._ways[found, way] = 1.0
        self._needed = np.array([len(found) for found in members], dtype=np.float32)
        self._credited = np.zeros((len(members), len(self.CREDITS) * count), dtype=np.float32)
        self._credited[np.arange(len(members)), credited] = 1.0

    def present(self, sets: Sequence[frozenset]) -> np.ndarray:
        """Which of the terms that can cover a concept each set holds: (sets, terms)."""
        held = list(map(self.terms.intersection, sets))
        at = self.columns
        found = np.zeros((len(sets), len(at)), dtype=bool)
        found[
            np.repeat(np.arange(len(sets)), list(map(len, held))), [at[t] for h in held for t in h]
        ] = True
        return found

    def of(self, present: np.ndarray) -> np.ndarray:
        """Each set's coverage of each concept (sets, concepts), from `present`: the best
        credit among the ways of covering it that the set holds every term of."""
        found = np.zeros((len(present), self._count))
        if not self._count or not len(present):
            return found
        held = (present.astype(np.float32) @ self._ways) == self._needed
        by_credit = held.astype(np.float32) @ self._credited > 0
        count = self._count
        for level in reversed(range(len(self.CREDITS))):
            covered = by_credit[:, level * count : (level + 1) * count]
            found = np.where(covered, self.CREDITS[level], found)
        return found

    def covered(self, sets: Sequence[frozenset]) -> np.ndarray:
        """Each set's coverage of each concept: (sets, concepts)."""
        return self.of(self.present(sets))


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]  # every word, stemmed, stopwords kept: "called off" -> call, off
    terms: tuple[str, ...]  # its index terms: "called off" -> call

    @property
    def searchable(self) -> bool:
        """Whether searching for its terms means what it means (not so for "called off")."""
        return bool(self.terms) and len(self.terms) == len(self.words)


@cache
def _synonyms() -> tuple[tuple[tuple[_Entry, ...], frozenset[_Entry]], ...]:
    """The groups in `bot/engine/data/synonyms.txt`, each with the entries that bring it
    into a question: all of them, or a "HEADS > CONTAINED" line's heads only."""
    text = resources.files("bot.engine").joinpath("data/synonyms.txt").read_text("utf-8")
    groups = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        heads, one_way, _ = line.partition(">")
        read = {item: _entry(item) for item in line.replace(">", ",").split(",")}
        group = tuple(sorted({e for e in read.values() if e.words}, key=lambda e: e.words))
        leading = {read[item].words for item in heads.split(",")} if one_way else None
        groups.append((group, frozenset(e for e in group if not one_way or e.words in leading)))
    return tuple(groups)


def _entry(item: str) -> _Entry:
    """A word or phrase of the synonyms file, as its words and its index terms (as `tokenize`
    gives them: its words' terms, stopwords left out), read once."""
    read = words(item)
    return _Entry(tuple(w[0] for w in read), tuple(w[1] for w in read if w[1] is not None))


@cache
def synonym_groups() -> tuple[tuple[_Entry, ...], ...]:
    """The groups in `bot/engine/data/synonyms.txt` (made once: each question reads them)."""
    return tuple(group for group, _ in _synonyms())


@cache
def _groups_by_words() -> dict[tuple[str, ...], list[int]]:
    index: dict[tuple[str, ...], list[int]] = {}
    for number, (_, leading) in enumerate(_synonyms()):
        for entry in leading:
            index.setdefault(entry.words, []).append(number)
    return index


def in_thesaurus(word: str) -> bool:
    """Whether the synonyms file lists `word` (lower case) on its own: a word or short form
    it knows ("socal", "wapo"), whether or not English or the articles do."""
    return (word,) in _groups_by_words()


# A phrasal verb's particle may stand after its object: "called it off" is "called off",
# "pushed the big sweep back" is "pushed back". Up to OBJECT_WORDS words may stand between.
_PARTICLES = frozenset("back off up down out away over around".split())
OBJECT_WORDS = 3


def _spans(sequence: list, sizes: tuple[int, ...]) -> Iterator[tuple[int, list]]:
    """Each run of `sizes` words from each word of `sequence`, with where it starts; for a
    size of two, also a word and a particle after its object ("pushed it back")."""
    for first in range(len(sequence)):
        for size in sizes:
            if size == 2:
                for last in range(first + 2, min(first + 2 + OBJECT_WORDS, len(sequence))):
                    if sequence[last][0] in _PARTICLES:
                        yield first, [sequence[first], sequence[last]]
                        break
            span = sequence[first : first + size]
            if len(span) == size:
                yield first, span


def analyse(question: str, word_knowledge: bool = True) -> list[Concept]:
    """The question's concepts, in order, each term once.

    A word or phrase listed in the synonyms file also searches for the rest of its
    group. A phrasal verb ("called off", "put off") is matched with its particle,
    and then its bare verb ("call", "put") counts for less on its own. With
    `word_knowledge`, WordNet's related words of each word and phrase also search, lightly.
    """
    sequence = words(question)
    found = _groups_by_words()
    groups: dict[str, set[int]] = {}
    phrasal: set[str] = set()
    for _, span in _spans(sequence, (1, 2, 3)):
        numbers = found.get(tuple(w[0] for w in span))
        if not numbers:
            continue
        span_terms = [w[1] for w in span if w[1] is not None]
        for term in span_terms:
            groups.setdefault(term, set()).update(numbers)
        if len(span_terms) < len(span):
            phrasal.update(span_terms)

    related = _related_terms(sequence, phrasal) if word_knowledge else {}
    capitalised = {w[1] for w in sequence[1:] if w[2]} - {sequence[0][1]} if sequence else set()
    asked_for = _measure_words(sequence)
    concepts = []
    spelt: dict[str, str] = {}
    for w in sequence:
        if w[1] is not None:
            spelt.setdefault(w[1], w[3])
    for term in spelt:
        weights = {term: PHRASAL_WEIGHT if term in phrasal else 1.0}
        phrases = []
        for number in sorted(groups.get(term, ())):
            for entry in synonym_groups()[number]:
                if entry.searchable:
                    # A phrase's words are searched one by one, so each counts for less.
                    weight = EXPANSION_WEIGHT if len(entry.terms) == 1 else PHRASE_PART_WEIGHT
                    for other in entry.terms:
                        weights[other] = max(weights.get(other, 0.0), weight)
                    if len(entry.terms) > 1 and entry.terms not in phrases:
                        phrases.append(entry.terms)
        framing = (term in FRAMING or term in asked_for) and term not in phrasal
        singles, multi = related.get(term, (set(), set()))
        singles = {t for t in singles if t not in weights}
        for other in singles:
            weights[other] = RELATED_WEIGHT
        for phrase in multi:
            for other in phrase:
                weights.setdefault(other, RELATED_WEIGHT / 2)
        concepts.append(
            Concept(
                term,
                weights,
                framing,
                term in capitalised,
                tuple(phrases),
                frozenset(singles),
                tuple(sorted(multi)),
                spelt[term],
            )
        )
    return concepts


def _related_terms(
    sequence: list[tuple[str, str | None, bool, str]], phrasal: set[str]
) -> dict[str, tuple[set[str], set[tuple[str, ...]]]]:
    """Per question term, the index terms of WordNet's related words: single terms, and
    several-word phrases. A phrase of the question ("pushed back", "go after") lends its
    related words to each of its terms, and marks its verb as phrasal (`phrasal` grows)."""
    from bot.engine.wordnet import base_forms, related, table  # loads on the first question only

    def _acts(phrase: str) -> bool:
        """Whether WordNet knows the phrase only as a verb or an adjective (an action or a
        quality): those are what questions paraphrase."""
        parts = {p for base in base_forms(phrase) for p in table().parts(base)}
        return bool(parts) and "n" not in parts

    found: dict[str, tuple[set[str], set[tuple[str, ...]]]] = {}
    for first, span in _spans(sequence, (3, 2, 1)):
        size = len(span)
        if span[0][1] is None or span[0][1] in FRAMING:
            continue  # "think of", "talk": framing words' relatives are everywhere
        if any(w[2] for w in span) and first > 0:
            continue  # a name ("Trump", "ICE") is not a word to paraphrase
        phrase = " ".join(w[3] for w in span)
        if not _acts(phrase):
            continue  # a noun's relatives ("name": "call", "raid": "attack") stray too far
        words = related(phrase)[:RELATED_PER_WORD]
        if not words:
            continue
        span_terms = [w[1] for w in span if w[1] is not None]
        if size > 1 and len(span_terms) < size:
            phrasal.update(span_terms)  # "go after": "go" alone says little
        for word in words:
            terms = tuple(dict.fromkeys(tokenize(word)))
            if not terms or any(t in span_terms for t in terms):
                continue
            for term in span_terms:
                singles, multi = found.setdefault(term, (set(), set()))
                (singles.add(terms[0]) if len(terms) == 1 else multi.add(terms))
    return found


# Words after "how" that ask about the event itself ("how did ..."), not for a measure.
_AUXILIARIES = frozenset(
    map(
        stem,
        "do does did is are was were be been can could will would should shall may might must "
        "has have had come".split(),
    )
)


def _measure_words(sequence: list[tuple[str, str | None, bool, str]]) -> set[str]:
    """Terms that only say what kind of answer is wanted: the measure in "how big", "how
    close", "how high" (the answer is an amount), the unit in "what day", "which year"."""
    found = set()
    for (first, *_), (second, term, *_) in pairwise(sequence):
        if term is None:
            continue
        if (first == "how" and second not in _AUXILIARIES) or (
            first in ("what", "which") and second in ("day", "date", "time", "year", "month")
        ):
            found.add(term)
    return found


# How a place's people are named after it, as index terms: "Houstonians" (houston + ian),
# "Chicagoans", "Baltimoreans", "Denverites", "Californians", "Canadians" (canad + ian).
_DEMONYM_ENDINGS = ("ian", "ean", "an", "it")
_DEMONYM_BASE = 4
# A word that names who does something, or a comparison, and the word it is made from:
# "sellers" of "sell", "voters" of "vote", "wider" of "wide".
_DOER_ENDINGS = ("ers", "er", "rs", "r", "ors", "or")


def with_word_forms(concepts: list[Concept], known: Callable[[str], bool]) -> list[Concept]:
    """The concepts with the forms of their words the articles use (`known`), each as a
    synonym: a place's people and a people's place ("houston's mayor" also finds
    "Houstonians", "that nicaraguan mom" "Nicaragua"; a word English knows on its own,
    "civilian", "guardian", "republic", is no people and no place), and for a word no
    article has, the word it is made from ("taco sellers" finds "selling tacos")."""
    from bot.engine.wordnet import base_forms  # the table loads once

    found = []
    for concept in concepts:
        term = concept.term
        if concept.framing or len(term) < _DEMONYM_BASE or not term.isalpha():
            found.append(concept)
            continue
        stems = (term, term[:-1]) if term[-1] in "aeiouy" else (term,)
        forms = {s + ending for s in stems for ending in _DEMONYM_ENDINGS}
        if term.endswith("a"):
            forms.add(term + "n")  # "atlanta": "atlantan", "california": "californian"
        if term.endswith("an") and len(term) > _DEMONYM_BASE:
            # and a people's place: "nicaraguan" "Nicaragua", "mexican" "Mexico"
            forms |= {term[:-k] + v for k in (1, 2, 3) for v in ("", "a", "o")}
        added = {
            f
            for f in forms - concept.weights.keys()
            if len(f) >= _DEMONYM_BASE and f != term and known(f) and not base_forms(f)
        }
        if not known(term):
            word = concept.word.lower()
            added |= {
                base
                for ending in _DOER_ENDINGS
                if word.endswith(ending)
                and len(word) - len(ending) >= 3
                and (base := stem(word[: -len(ending)])) != term
                and known(base)
            }
        if added:
            weights = dict(concept.weights)
            for form in sorted(added):
                weights.setdefault(form, EXPANSION_WEIGHT)
            concept = replace(concept, weights=weights)
        found.append(concept)
    return found


def possessor(word: str) -> str:
    """A word without the possessive ending chat types on names ("baltimore's": baltimore)."""
    for ending in ("'s", "\u2019s", "'", "\u2019"):
        if word.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)]
    return word


# Who a what-did-X-say question asks about: the words between its auxiliary and the verb of
# saying ("what did schumer say about it": "schumer"; "how did DC's mayor react").
_SPEAKER = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had|is|was|were|are)\s+(.{1,60}?)\s+"
    rf"(?:{_SAYING}|saying|think)\b",
    re.I,
)


def speaker_words(question: str) -> list[str]:
    """The words naming who a what-did-X-say question asks about, lower-cased; none for a
    pronoun ("what did she say") or another kind of question."""
    match = _SPEAKER.search(question)
    if not match:
        return []
    found = [w[3] for w in words(match.group(1))]
    return [] if _POINTS_BACK.fullmatch(" ".join(found)) else found


# What a word carried over from the question a follow-up follows weighs (its own: 1).
CARRIED_WEIGHT = 0.5


# Words by which a follow-up points back at what the question it follows was about ("what
# did she blame ice for?", "how long for?", "do the cops there ..."): they drop out of its
# concepts, so the earlier question's words stand in for them in full.
_POINTS_BACK = re.compile(
    r"\b(he|she|him|her|his|hers|they|them|their|theirs|it|its|that|those|these|this|"
    r"there|then)\b",
    re.I,
)


def points_back(question: str) -> bool:
    """Whether a follow-up refers to what came before by a pronoun or "there", "then"."""
    return bool(_POINTS_BACK.search(question))


def is_name(concept: Concept) -> bool:
    """Whether a concept is a name: written capitalised, or a word English does not know."""
    from bot.engine.wordnet import base_forms  # the table loads once

    return concept.capitalised or (concept.word.isalpha() and not base_forms(concept.word))


def follow_up(earlier: list[Concept], later: list[Concept], refers: bool = False) -> list[Concept]:
    """A follow-up's concepts in the context of the question it follows ("what about
    atlanta?" after "which mayors spoke out against the raids").

    The follow-up's own words count fully. The earlier question's words it leaves out come
    along at CARRIED_WEIGHT (in full when the follow-up `refers` back by a pronoun: they
    are what it points at), except its names when the follow-up names someone or somewhere
    itself: those it replaces ("atlanta" for "denver"); and its offices when the follow-up
    names who acts itself ("and the dc cops?" after "what did DC's mayor say": not the mayor).
    """
    own = {c.term for c in later}
    replaces = any(is_name(c) and not c.framing for c in later)
    recast = any(is_agent(c) and not c.framing for c in later)
    carried = [
        replace(c, scale=c.scale if refers else CARRIED_WEIGHT)
        for c in earlier
        if c.term not in own and not (replaces and is_name(c)) and not (recast and is_agent(c))
    ]
    return later + carried


# Who acts or speaks for a place: offices (and chat's short names for them), and the police
# by their everyday names.
AGENTS = ROLES | frozenset(
    tokenize("police cops deputies agents officers pm premier prez potus gov")
)


def is_agent(concept: Concept) -> bool:
    """Whether a concept names who acts: an office ("mayor", "sheriff") or the police."""
    return any(t in AGENTS for t, w in concept.weights.items() if w >= EXPANSION_WEIGHT)
