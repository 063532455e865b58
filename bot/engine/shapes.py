"""Sentences to the kinds of answer they hold: a number, a time, a place, a speaker, a reason.

A question's wh-phrase asks for a kind of answer (`bot.engine.query.answer_kind`); a
sentence holds it when its kind's shape is found in it. Each shape means what one
regular expression would (`\\b(word|...)\\b` and a few patterns, case-insensitive), but
its single words are looked up among the sentence's words instead: Python's `re` tries
every alternative at every character, and those alternations took 10-70 µs a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
# The characters that re.IGNORECASE matches to an ASCII letter which str.lower does not turn
# into it (İ into two characters, dotless ı, long ſ): `tests/engine/test_shapes.py` checks.
_ODD_LETTERS = ("\u0130", "\u0131", "\u017f")
_CASELESS = str.maketrans(dict(zip(_ODD_LETTERS, "iis", strict=True)))
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Shape:
    """Whole words, in any case, or a pattern: what a sentence of one kind of answer shows."""

    words: frozenset[str]
    pattern: re.Pattern | None = None

    @classmethod
    def of(cls, words: Iterable[str] = (), pattern: str | None = None, flags: int = re.I) -> Shape:
        return cls(frozenset(words), re.compile(pattern, flags) if pattern else None)

    def search(self, text: str) -> bool:
        """Whether `text` shows the shape: as `\\b(word)\\b` with re.IGNORECASE finds a word
        (it is one of the text's `\\w+` runs, lower-cased), or the pattern is found."""
        if self.words and not self.words.isdisjoint(_WORD.findall(caseless(text))):
            return True
        return self.pattern is not None and self.pattern.search(text) is not None


@dataclass(frozen=True)
class Count(Shape):
    """A number that counts something: the number shape, found outside what holds a number
    but counts nothing (`hidden`: an age, a date, a year, a clock time, an ordinal), and
    "one" except in "one of", which picks one out of some rather than counting them."""

    hidden: re.Pattern | None = None

    def search(self, text: str) -> bool:
        """As the number shape finds it in `text` with the hidden forms blanked out, which
        only digits need: no hidden form holds a number word, or the words "no one"."""
        found = _WORD.findall(caseless(text))
        if self.words and not self.words.isdisjoint(found):
            return True
        if "one" in found and _ONE.search(text):
            return True
        if self.pattern is None or not self.pattern.search(text):
            return False
        if self.hidden is None or _NO_ONE.search(text):
            return True
        # A run of digits counts unless a hidden form around it holds it whole; each hidden
        # form has its digits within REACH characters of its ends.
        for digits in _DIGITS.finditer(text):
            start, end = digits.span()
            around = self.hidden.finditer(text, max(start - REACH, 0), end + REACH)
            if not any(m.start() <= start and end <= m.end() for m in around):
                return True
        return False


_NO_ONE = re.compile(r"\bno one\b", re.I)
# "one" counts, but not as "one of" ("one of their most basic ..."): that picks one out.
_ONE = re.compile(r"\bone\b(?!\s+of\b)", re.I)
_DIGITS = re.compile(r"\d+")
REACH = 20


def caseless(text: str) -> str:
    """`text` lower-cased, each character that re.IGNORECASE matches to an ASCII letter made
    that letter: the same length (İ, whose lower case is two characters, becomes i first)."""
    if not text.isascii() and any(c in text for c in _ODD_LETTERS):
        text = text.translate(_CASELESS)
    return text.lower()


def whole_words(words: Iterable[str], text: str) -> dict[str, list[str]]:
    """Per word, what `re.findall(rf"\\b{word}\\b", text, re.I)` finds, in order: an ASCII
    word is looked for in the `caseless` text and kept where a word starts and ends (in
    Unicode: `\\w` is a letter, a digit or _), many times faster than Python's `re`."""
    plain = caseless(text)
    found = {}
    for word in words:
        if not (word.isascii() and word.isalpha()) or len(plain) != len(text):
            found[word] = re.findall(rf"\b{re.escape(word)}\b", text, re.I)
            continue
        seen = []
        end = len(word)
        at = plain.find(word.lower())
        while at >= 0:
            if (at == 0 or not _is_word(text[at - 1])) and (
                at + end == len(text) or not _is_word(text[at + end])
            ):
                seen.append(text[at : at + end])
            at = plain.find(word.lower(), at + 1)
        found[word] = seen
    return found


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


_TIME_FORMS = r"\d{4}-\d{2}-\d{2}|\d{1,2}(:\d{2})?\s?[ap]\.?m\.?"
_TIME_WORDS = (
    *_DAYS,
    *"weekend week today tomorrow yesterday tonight morning afternoon evening night".split(),
    *"noon midnight hour hours day days month months".split(),
    *_MONTHS,
)
# A day, a month, a date or a clock time, as a word of its own (also: is a name one?).
TIME = re.compile(rf"\b({'|'.join(_TIME_WORDS)}|{_TIME_FORMS})\b", re.I)

_FIGURE = Shape.of(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty hundred hundreds thousand thousands million millions dozen dozens half quarter "
    "third percent none nobody handful several single".split(),
    r"\d|\bno one\b",
)
_MONTH = rf"({'|'.join(_MONTHS)}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
# Numbers that count nothing: an age ("Martinez, 25,", "a 25-year-old"), a date ("July 13",
# "13th of July", "in 2019"), a clock time, an ordinal ("22nd anniversary").
_NOT_A_COUNT = re.compile(
    r"\b\d{1,3}[- ](years?|months?)[- ]old\b|\baged? \d{1,3}\b|(?<=\w), \d{1,3}(?=,)|"
    rf"\b{_MONTH} \d{{1,2}}(st|nd|rd|th)?\b(,? (19|20)\d\d\b)?|"
    rf"\b\d{{1,2}}(st|nd|rd|th)? (of )?{_MONTH}\b|"
    r"\b(in|since|of|by|until|till|from|early|late|mid-?)\s?(19|20)\d\d\b|"
    r"\b\d{1,2}(:\d\d)?\s?[ap]\.?m\b\.?|\b\d{1,2}:\d\d\b|\b\d+(st|nd|rd|th)\b",
    re.I,
)

SHAPES = {
    # A count ("how many"): a figure that is not an age, a date, a year or a clock time.
    "number": Count(_FIGURE.words - {"one"}, _FIGURE.pattern, _NOT_A_COUNT),
    # Any figure: what a sum of money or an age is written with.
    "figure": _FIGURE,
    # A sum of money: a currency sign or name by a figure ("$2.9 billion", "5 million euros").
    "money": Shape.of(
        (),
        r"[$€£¥]\s?\d|\d\s?((hundred|thousand|million|billion|trillion)\s)?"
        r"(dollars?|euros?|pounds?|pesos?|yuan|rupees?|francs?|bucks)\b|"
        r"\b(usd|eur|gbp)\s?\d|\d\s?(usd|eur|gbp)\b",
    ),
    # Someone's age: "25-year-old", "aged 69", "Martinez, 25, and ...".
    "age": Shape.of(
        (),
        r"\b\d{1,3}[- ](years?|months?)[- ]old\b|\baged? \d{1,3}\b|\b(age|ages) of \d|"
        r"\w, \d{1,3},|\b\d{1,3}s\b|\bteen(age|ager|agers|s)?\b",
    ),
    "time": Shape.of(_TIME_WORDS, rf"\b({_TIME_FORMS})\b"),
    "duration": Shape.of(
        (),
        r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|couple of)"
        r"[- ](minutes?|hours?|days?|weeks?|months?|years?)\b|\b(through|until|till)\s+"
        rf"({'|'.join(_MONTHS + _DAYS)})\b|\b(through|until|till|for|over) (the|this|next) "
        r"(weekend|week|month|year|day|night|summer|winter)\b|\b(until further notice|"
        r"indefinitely)\b",
    ),
    # A place named after a preposition ("in Houston", "from Los Angeles"), a dateline, or a
    # list of names ("Atlanta, Baltimore, Chicago").
    "place": Shape.of(
        (),
        r"\b(in|at|from|to|across|near|outside)\s+(the\s+)?[A-Z][a-z]+|^[A-Z]{3,}|"
        r"\b[A-Z][a-z]+(\s[A-Z][a-z]+)?,\s[A-Z][a-z]+(\s[A-Z][a-z]+)?,\s",  # a list of names
        flags=0,
    ),
    # Someone speaking: a verb of saying, or quotation marks.
    "statement": Shape.of(
        "said says say saying told tells tweeted tweets wrote writes added stated announced "
        "urged urges asked warned warns called calls posted insisted argued noted declared "
        "promised vowed pledged responded replied explained described claimed telling "
        "statement tweet message interview speech video letter email post".split(),
        r"\baccording to\b|[\"“”]|\(@\w+\)",
    ),
    # A reason given: "because", "blamed ... on", "due to", "so that".
    "reason": Shape.of(
        "because since blamed blames blame reason reasons after citing cited worried".split(),
        r"\b(due to|owing to|so that|in order to|as a result|result of|fear of|concerns? about|"
        r"led to)\b",
    ),
}
