"""Sentences to what they refer to: the names, roles and headline an article gave earlier.

News names a person in full once ("Atlanta Mayor Keisha Lance Bottoms") and then by
surname or pronoun ("Bottoms said", "She said"), and leaves the place to the headline
or dateline. A question names the role or the place ("what did Atlanta's mayor say").
For any span of an article, `ArticleContext.terms` gives the index terms of what the
span refers to but does not say: the full name and role behind a bare surname or a
pronoun, and the headline and dateline. These terms help a passage match; they are
never part of a quote.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from bot.engine.corpus import Article
from bot.engine.text import fold, stopwords, tokenize

# A run of capitalised words: a name with its title ("Police Chief Art Acevedo"), an
# initial ("Bernard C. Young") or a nickname in quotes ("Jack").
_RUN = re.compile(r"""[A-Z][\w'.-]*(?:\s+(?:[A-Z][\w'.-]*|"[A-Z][\w'-]*"))+""")
_WORD = re.compile(r"\b[A-Z][\w'-]+\b")
_PRONOUN = re.compile(r"\b(?:he|she|his|her|him|He|She|His|Her)\b")
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


_SAYING = (
    r"(?:said|says|told|tells|tweeted|wrote|writes|added|noted|argued|asked|urged|explained|"
    r"warned|announced|posted|insisted|declared|stated)"
)


# Someone speaking: "Lightfoot said", "Cuccinelli, who runs the agency, said", "said Mayor
# Bottoms", "according to Albence".
_SPEAKER_BEFORE = re.compile(rf"\b([A-Z][\w'-]+)(?:,[^.;]{{0,100}},)?\s+{_SAYING}\b")
_SPEAKER_AFTER = re.compile(
    rf"\b(?:{_SAYING}|according to)\s+((?:[A-Z][\w.'-]*\s+){{0,3}}[A-Z][\w'-]+)"
)


def _speakers(text: str) -> set[str]:
    """The capitalised words that the text has speaking (a speaker's surname, mostly)."""
    found = {m.group(1) for m in _SPEAKER_BEFORE.finditer(text)}
    found.update(m.group(1).split()[-1] for m in _SPEAKER_AFTER.finditer(text))
    return found


@lru_cache(maxsize=65_536)
def _terms(words: str) -> frozenset[str]:
    """The index terms of a name and its role; news repeats both, so they are remembered."""
    return frozenset(tokenize(words))


@dataclass(frozen=True)
class _Mention:
    position: int
    surname: str
    full: bool  # the full name (and role) rather than the surname alone


class ArticleContext:
    """Who each surname and pronoun of one article stands for, and its headline's terms."""

    def __init__(self, article: Article) -> None:
        self.article = article
        text = fold(article.text)
        self._text = text
        self._descriptors: dict[str, set[str]] = {}
        mentions: list[_Mention] = []
        for start, end in article.paragraphs:
            for run in _RUN.finditer(text, start, end):
                mentions.extend(self._read_run(text, run, start))
        # A person has a role ("Mayor ...") or speaks ("Cuccinelli said", "said Bottoms");
        # a capitalised run that does neither is a place or a thing ("Los Angeles").
        speakers = _speakers(text)
        self._persons = {
            surname
            for surname, terms in self._descriptors.items()
            if terms & ROLES or surname in speakers
        }
        named = {m.position for m in mentions}
        for start, end in article.paragraphs:
            for word in _WORD.finditer(text, start, end):
                if word.group() in self._persons and word.start() not in named:
                    mentions.append(_Mention(word.start(), word.group(), False))
        mentions.sort(key=lambda m: m.position)
        self._mentions = [m for m in mentions if m.surname in self._persons]
        self._positions = [m.position for m in self._mentions]
        self.headline = frozenset(self._headline_terms(article, text))

    def _read_run(self, text: str, run: re.Match, paragraph_start: int) -> list[_Mention]:
        words = run.group().split()
        while words and words[0].lower() in stopwords():
            words.pop(0)  # "The", "But", "When" starting a sentence
        surname = words[-1].strip(".'") if words else ""
        if len(words) < 2 or not surname[:1].isupper() or surname.lower() in _NOT_PEOPLE:
            return []
        described = " ".join(words)
        after = _APPOSITIVE.match(text, run.end())
        if after:
            described += " " + after.group(1)
        before = text[max(paragraph_start, run.start() - 60) : run.start()].rstrip()
        if before.endswith(","):
            # the last few words before the comma, within the sentence
            role = re.split(r"[.!?;:]\s", before[:-1])[-1].split()[-4:]
            described += " " + " ".join(role)
        self._descriptors.setdefault(surname, set()).update(_terms(described))
        position = run.start() + run.group().rindex(surname)
        return [_Mention(position, surname, True)]

    @staticmethod
    def _headline_terms(article: Article, text: str) -> list[str]:
        terms = tokenize(article.title) if article.title != article.id else []
        if article.paragraphs:
            start, end = article.paragraphs[0]
            dateline = _DATELINE.match(text, start, min(end, start + 60))
            if dateline:
                terms += tokenize(dateline.group(1).title())
        return terms

    def names_person(self, start: int, end: int) -> bool:
        """Whether the span [start, end) names a person (in full or by surname)."""
        first = bisect_left(self._positions, start)
        return first < len(self._positions) and self._positions[first] < end

    def referents(self, start: int, end: int) -> frozenset[str]:
        """What the span [start, end) refers to without saying it: the full names and roles
        behind its bare surnames and pronouns (the headline and dateline are `headline`)."""
        found: set[str] = set()
        first, last = bisect_left(self._positions, start), bisect_left(self._positions, end)
        for mention in self._mentions[first:last]:
            if not mention.full:
                found |= self._descriptors[mention.surname]
        # A pronoun stands for the last person named; so does the speaker of a sentence that
        # opens with a quotation mark: it goes on quoting whoever was quoted before it.
        pronoun = _PRONOUN.search(self._text, start, end)
        opens_quote = start < len(self._text) and self._text[start] == '"'
        if pronoun or opens_quote:
            before = bisect_left(self._positions, start if opens_quote else pronoun.start())
            if before:
                found |= self._descriptors[self._mentions[before - 1].surname]
        return frozenset(found)
