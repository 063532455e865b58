"""Sentences to what they refer to: the names, roles and headline an article gave earlier.

News names a person in full once ("Atlanta Mayor Keisha Lance Bottoms") and then by
surname or pronoun ("Bottoms said", "She said"), and leaves the place to the headline
or dateline. A question names the role or the place ("what did Atlanta's mayor say").
For any run of an article's sentences, `ArticleContext.referents` gives the index terms
of what the run refers to but does not say: the full name and role behind a bare surname
or a pronoun; `headline` holds the headline's and dateline's. These terms help a passage
match; they are never part of a quote.

`read` works this out once per article, when the pipeline processes it, as a `Reading`:
the article's people (each one's name and role terms) and, per sentence, whom it names
and whom its pronoun or opening quotation mark stands for. The store keeps a reading as
a few integers per sentence (`encode`), which `ArticleContext` answers from, so a
question only looks it up.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, islice
from typing import TypeVar

from bot.engine.corpus import Article
from bot.engine.text import fold, sentence_spans, stopwords, tokenize

# A run of capitalised words: a name with its title ("Police Chief Art Acevedo"), an
# initial ("Bernard C. Young") or a nickname in quotes ("Jack").
_RUN = re.compile(r"""[A-Z][\w'.-]*(?:\s+(?:[A-Z][\w'.-]*|"[A-Z][\w'-]*"))+""")
# A pronoun a person is referred to by. The pattern opens with its first letters (not a
# word boundary) so the regular expression engine skips ahead to them: three times faster.
_PRONOUN = re.compile(r"[HhSs](?<!\w[HhSs])(?:he|e|is|er|im)\b")
_PRONOUNS = frozenset("he she his her him He She His Her".split())
# A role right after a name: ", the mayor of Atlanta," or ", who leads the group,".
_APPOSITIVE = re.compile(r",\s+((?:[\w'.-]+\s+){0,7}[\w'.-]+)\s*[,.;]")
# A wire or TV dateline: "ATLANTA —", "HOUSTON (AP) —".
_DATELINE = re.compile(r"([A-Z][A-Z .'-]{2,40}?)(?:,\s+[A-Z][\w.]+)?\s+(?:\([^)]{1,30}\)\s+)?[—–-]")
# Last words of capitalised runs that name organisations, places or works, not people.
_NOT_PEOPLE = frozenset(
    """
    department police office council house times post news enforcement security services
    patrol protection court city county state states university agency administration
    association union party committee center centre school board church street avenue
    park service network press company inc corp america congress senate
    """.split()
)
# Words for what a person is (their index terms): "Mayor Keisha Lance Bottoms".
ROLES = frozenset(
    tokenize(
        "mayor chief director secretary president governor senator representative commissioner "
        "sheriff spokesman spokeswoman spokesperson officer official leader attorney judge "
        "superintendent speaker chairman chairwoman minister captain councilman councilwoman"
    )
)

# Titles and callings that also make a capitalised run a person, beyond the roles above:
# the short forms news writes before a name ("State Rep.", "Dr.") and everyday callings.
TITLES = frozenset(
    tokenize(
        "rep sen gov lt sgt dr prof det rev supt atty professor pastor reverend rabbi bishop "
        "archbishop congressman congresswoman alderman alderwoman assemblyman assemblywoman "
        "assemblymember councilmember deputy sergeant lieutenant detective activist organizer "
        "founder lawyer economist analyst researcher manager executive ceo advocate coordinator"
    )
)

_SAYING = (
    r"(?:said|says|told|tells|tweeted|wrote|writes|added|noted|argued|asked|urged|explained|"
    r"warned|announced|posted|insisted|declared|stated)"
)
# Someone speaking: "Lightfoot said", "Cuccinelli, who runs the agency, said" (matched
# right after the name) or "said Mayor Bottoms", "according to Albence" (right before it).
_SPEAKS_AFTER_NAME = re.compile(rf"(?:,[^.;]{{0,100}},)?\s+{_SAYING}\b")
_SAID_BEFORE_NAME = re.compile(rf"\b(?:{_SAYING}|according to)\s+(?:[A-Z][\w.'-]*\s+){{0,3}}\Z")
_SPEAKER = re.compile(r"[A-Z][\w'-]+")
_CAPITALISED_NEXT = re.compile(r"\s+[A-Z][\w'-]")
# A name is a word of its own: not after a letter (an apostrophe or hyphen may join it to
# the word before, as in "O'Brien"), nor followed by more of a word ("Bottoms's").
_JOINED_BEFORE = re.compile(r"\w|['-](?<=\w.)")
_ENDS_WORD = re.compile(r"(?>['-]*)(?!\w)")

# People an article's context knows, in the order it names them in full, and the places
# of each name it looks at: far more than any news article has, and few enough that a
# pasted page of thousands of names is read in time linear in its length.
MAX_NAMES = 300
MAX_LOOKS = 2_000

T = TypeVar("T")
# Per-sentence flags of a `Reading`.
NAMES_PERSON, OPENS_QUOTE, HAS_PRONOUN = 1, 2, 4


@lru_cache(maxsize=65_536)
def _terms(words: str) -> tuple[str, ...]:
    """The index terms of a name and its role; news repeats both, so they are remembered."""
    return tuple(tokenize(words))


@dataclass(frozen=True)
class Reading:
    """What one article's sentences refer to, in a form the store keeps as integers.

    `persons` are the article's people, each as the index terms of their name and role.
    Per sentence (in the order of the spans it was read for): `flags` (NAMES_PERSON,
    OPENS_QUOTE, HAS_PRONOUN), the people it names by bare surname, and the person its
    opening quotation mark and its first pronoun stand for (-1 for no one).
    """

    headline: tuple[str, ...]
    persons: tuple[tuple[str, ...], ...]
    flags: tuple[int, ...]
    bare: tuple[tuple[int, ...], ...]
    quote_lead: tuple[int, ...]
    pronoun_lead: tuple[int, ...]


def read(article: Article, spans: Sequence[tuple[int, int]]) -> Reading:
    """Whom the article names, and what each sentence (`spans`, in order) refers to."""
    text = fold(article.text)
    descriptors: dict[str, set[str]] = {}
    full: list[tuple[int, str]] = []  # (position, surname) of each name given in full
    for start, end in article.paragraphs:
        for run in _RUN.finditer(text, start, end):
            found = _read_run(text, run, start, descriptors)
            if found is not None:
                full.append(found)
    # A person has a role ("Mayor ...") or speaks ("Cuccinelli said", "said Bottoms"); a
    # capitalised run that does neither is a place or a thing ("Los Angeles").
    persons = [
        surname
        for surname, terms in islice(descriptors.items(), MAX_NAMES)
        if terms & ROLES or terms & TITLES or _speaks(text, surname)
    ]
    number = {surname: n for n, surname in enumerate(persons)}
    mentions = [(position, number[s], True) for position, s in full if s in number]
    named = {position for position, _ in full}
    for surname, person in number.items():
        mentions.extend(
            (position, person, False)
            for position in _bare_mentions(text, surname, article.paragraphs)
            if position not in named
        )
    mentions.sort()
    positions = [m[0] for m in mentions]
    body = article.paragraphs[0][0] if mentions else len(text)  # no one named: no pronoun read
    pronouns = [m.start() for m in _PRONOUN.finditer(text, body) if m.group() in _PRONOUNS]

    def before(offset: int) -> int:
        """The person named last before `offset`, or -1."""
        at = bisect_left(positions, offset)
        return mentions[at - 1][1] if at else -1

    headline = tuple(_headline_terms(article, text))
    if not mentions:  # no one to refer to: nothing for any sentence
        nobody = (-1,) * len(spans)
        return Reading(headline, (), (0,) * len(spans), ((),) * len(spans), nobody, nobody)
    flags, bare, quote_lead, pronoun_lead = [], [], [], []
    for start, end in spans:
        first, last = bisect_left(positions, start), bisect_left(positions, end)
        flag = NAMES_PERSON if first < last else 0
        bare.append(tuple(sorted({m[1] for m in mentions[first:last] if not m[2]})))
        quote = -1
        if start < len(text) and text[start] == '"':
            flag |= OPENS_QUOTE
            quote = before(start)
        pronoun = -1
        at = bisect_left(pronouns, start)
        if at < len(pronouns) and pronouns[at] < end:
            flag |= HAS_PRONOUN
            pronoun = before(pronouns[at])
        flags.append(flag)
        quote_lead.append(quote)
        pronoun_lead.append(pronoun)
    return Reading(
        headline=headline,
        persons=tuple(tuple(sorted(descriptors[surname])) for surname in persons),
        flags=tuple(flags),
        bare=tuple(bare),
        quote_lead=tuple(quote_lead),
        pronoun_lead=tuple(pronoun_lead),
    )


def _read_run(
    text: str, run: re.Match, paragraph_start: int, descriptors: dict[str, set[str]]
) -> tuple[int, str] | None:
    """A name given in full (its surname's position and the surname), with what the text
    says it is added to `descriptors`; None for a run that names no one."""
    words = run.group().split()
    surname = words[-1].strip(".'")
    if not surname[:1].isupper() or surname.lower() in _NOT_PEOPLE:
        return None
    stop = stopwords()
    while words and words[0].lower() in stop:
        words.pop(0)  # "The", "But", "When" starting a sentence
    if len(words) < 2:
        return None
    described = " ".join(words)
    after = _APPOSITIVE.match(text, run.end())
    if after:
        described += " " + after.group(1)
    before = text[max(paragraph_start, run.start() - 60) : run.start()].rstrip()
    if before.endswith(","):
        # the last few words before the comma, within the sentence
        role = re.split(r"[.!?;:]\s", before[:-1])[-1].split()[-4:]
        described += " " + " ".join(role)
    descriptors.setdefault(surname, set()).update(_terms(described))
    return run.start() + run.group().rindex(surname), surname


def _occurrences(text: str, word: str, start: int = 0) -> list[int]:
    """Where `word` stands as a whole name in `text` (not inside a longer word), among
    its first MAX_LOOKS appearances."""
    found, at = [], text.find(word, start)
    for _ in range(MAX_LOOKS):
        if at < 0:
            break
        end = at + len(word)
        if (at == 0 or not _JOINED_BEFORE.match(text, at - 1)) and _ENDS_WORD.match(text, end):
            found.append(at)
        at = text.find(word, end)
    return found


def _speaks(text: str, surname: str) -> bool:
    """Whether the text has `surname` speaking: "Bottoms said", "said Mayor Bottoms"."""
    if not _SPEAKER.fullmatch(surname):
        return False  # "D.C." is not a name that speaks
    for at in _occurrences(text, surname):
        end = at + len(surname)
        if _SPEAKS_AFTER_NAME.match(text, end):
            return True
        if _SAID_BEFORE_NAME.search(text[max(0, at - 80) : at]) and not (
            _CAPITALISED_NEXT.match(text, end)  # "said Bottoms Jr" names "Jr" the speaker
        ):
            return True
    return False


def _bare_mentions(text: str, surname: str, paragraphs: Sequence[tuple[int, int]]) -> list[int]:
    """The positions of `surname` as a word of the article's paragraphs."""
    if not paragraphs:
        return []
    found = _occurrences(text, surname, paragraphs[0][0])
    starts = [start for start, _ in paragraphs]
    kept = []
    for at in found:
        paragraph = bisect_left(starts, at + 1) - 1
        if paragraph >= 0 and at + len(surname) <= paragraphs[paragraph][1]:
            kept.append(at)
    return kept


def _headline_terms(article: Article, text: str) -> list[str]:
    terms = tokenize(article.title) if article.title != article.id else []
    if article.paragraphs:
        start, end = article.paragraphs[0]
        dateline = _DATELINE.match(text, start, min(end, start + 60))
        if dateline:
            terms += tokenize(dateline.group(1).title())
    return terms


def encode(reading: Reading, term_id: Callable[[str], T]) -> tuple[list[int], list[T]]:
    """A reading as integers: (structure, terms), `term_id` numbering the terms.

    The structure is the headline's and each person's number of terms, then four integers
    per sentence (flags, whom an opening quotation mark and the first pronoun stand for,
    and how many bare surnames the sentences up to this one name), then those surnames'
    persons: a question reads the few sentences it needs without decoding the rest.
    """
    structure = [len(reading.headline), len(reading.persons)]
    structure.extend(len(terms) for terms in reading.persons)
    named = 0
    for flag, bare, quote, pronoun in zip(
        reading.flags, reading.bare, reading.quote_lead, reading.pronoun_lead, strict=True
    ):
        named += len(bare)
        structure.extend((flag, quote, pronoun, named))
    structure.extend(person for bare in reading.bare for person in bare)
    terms = [term_id(t) for t in reading.headline]
    terms.extend(term_id(t) for person in reading.persons for t in person)
    return structure, terms


class ArticleContext:
    """Whom one article's sentences name and refer to, and its headline's terms, from an
    `encode`d reading (`starts`: the start of each sentence it was read for).

    Spans are runs of whole sentences, given by the first sentence's start and the last
    one's end, as passages and quotes are.
    """

    def __init__(
        self, structure: Sequence[int], terms: Sequence[str], starts: Sequence[int]
    ) -> None:
        n_headline, n_persons = structure[0], structure[1]
        self._base = 2 + n_persons  # where the sentences' records begin
        self._bare_base = self._base + 4 * len(starts)
        if len(structure) != self._bare_base + (structure[self._bare_base - 1] if starts else 0):
            raise ValueError("a stored reading does not fit its article's sentences")
        self._structure = structure
        self._terms = terms
        self._starts = starts
        self._person_ends = list(accumulate(structure[2 : 2 + n_persons], initial=n_headline))
        self._persons: dict[int, frozenset[str]] = {}
        self.headline = frozenset(terms[:n_headline])
        self._referable: frozenset[str] | None = None

    @classmethod
    def of(cls, article: Article) -> ArticleContext:
        """The context of an article read on its own (its sentences split again)."""
        spans = [
            (p_start + start, p_start + end)
            for p_start, p_end in article.paragraphs
            for start, end in sentence_spans(article.text[p_start:p_end])
        ]
        structure, terms = encode(read(article, spans), str)
        return cls(structure, terms, [start for start, _ in spans])

    def referable(self) -> frozenset[str]:
        """Every term `referents` can give: the names and roles of the article's people."""
        found = self._referable
        if found is None:
            found = self._referable = frozenset(self._terms[self._person_ends[0] :])
        return found

    def _person(self, number: int) -> frozenset[str]:
        found = self._persons.get(number)
        if found is None:
            ends = self._person_ends
            found = self._persons[number] = frozenset(self._terms[ends[number] : ends[number + 1]])
        return found

    def _sentences(self, start: int, end: int) -> range:
        return range(bisect_left(self._starts, start), bisect_left(self._starts, end))

    def names_person(self, start: int, end: int) -> bool:
        """Whether the span [start, end) names a person (in full or by surname)."""
        records, base = self._structure, self._base
        return any(records[base + 4 * k] & NAMES_PERSON for k in self._sentences(start, end))

    def referents(self, start: int, end: int) -> frozenset[str]:
        """What the span [start, end) refers to without saying it: the full names and roles
        behind its bare surnames and pronouns (the headline and dateline are `headline`)."""
        sentences = self._sentences(start, end)
        if not sentences:
            return frozenset()
        records, base = self._structure, self._base
        first, last = sentences[0], sentences[-1]
        named_before = records[base + 4 * first - 1] if first else 0
        people = set(
            records[self._bare_base + named_before : self._bare_base + records[base + 4 * last + 3]]
        )
        # A pronoun stands for the last person named; so does the speaker of a sentence that
        # opens with a quotation mark: it goes on quoting whoever was quoted before it.
        if records[base + 4 * first] & OPENS_QUOTE:
            people.add(records[base + 4 * first + 1])
        else:
            for k in sentences:
                if records[base + 4 * k] & HAS_PRONOUN:
                    people.add(records[base + 4 * k + 2])
                    break
        people.discard(-1)
        return frozenset().union(*map(self._person, people))
