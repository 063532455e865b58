"""The kinds of answer a sentence holds: found exactly where plain regular expressions find them."""

from __future__ import annotations

import random
import re
from itertools import pairwise
from pathlib import Path

import pytest

from bot.engine.corpus import load_corpus
from bot.engine.shapes import SHAPES, TIME, whole_words
from bot.engine.text import fold, sentence_spans

ROOT = Path(__file__).resolve().parents[2]

# The shapes as single regular expressions, as the engine first wrote them: the reference.
REFERENCE = {
    "figure": re.compile(
        r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
        r"forty|fifty|hundred|hundreds|thousand|thousands|million|millions|dozen|dozens|half|"
        r"quarter|third|percent|none|nobody|no one|handful|several|single)\b",
        re.I,
    ),
    "time": re.compile(
        r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|week|today|"
        r"tomorrow|yesterday|tonight|morning|afternoon|evening|night|noon|midnight|january|"
        r"february|march|april|may|june|july|august|september|october|november|december|"
        r"\d{4}-\d{2}-\d{2}|\d{1,2}(:\d{2})?\s?[ap]\.?m\.?|hours?|days?|months?)\b",
        re.I,
    ),
    "duration": re.compile(
        r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|couple of)"
        r"[- ](minutes?|hours?|days?|weeks?|months?|years?)\b|\b(through|until|till)\s+"
        r"(january|february|march|april|may|june|july|august|september|october|november|"
        r"december|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
        r"\b(through|until|till|for|over) (the|this|next) (weekend|week|month|year|day|night|"
        r"summer|winter)\b|\b(until further notice|indefinitely)\b",
        re.I,
    ),
    "place": re.compile(
        r"\b(in|at|from|to|across|near|outside)\s+(the\s+)?[A-Z][a-z]+|^[A-Z]{3,}|"
        r"\b[A-Z][a-z]+(\s[A-Z][a-z]+)?,\s[A-Z][a-z]+(\s[A-Z][a-z]+)?,\s"
    ),
    "statement": re.compile(
        r"\b(said|says|say|saying|told|tells|tweeted|tweets|wrote|writes|added|stated|announced|"
        r"urged|urges|asked|warned|warns|called|calls|posted|according to|insisted|argued|noted|"
        r"declared|promised|vowed|pledged|responded|replied|explained|described|claimed|telling|"
        r"saying|statement|tweet|message|interview|speech|video|letter|email|post)\b|[\"“”]|"
        r"\(@\w+\)",
        re.I,
    ),
    "reason": re.compile(
        r"\b(because|since|due to|owing to|blamed|blames|blame|reason|reasons|so that|"
        r"in order to|after|citing|cited|as a result|result of|fear of|concerns? about|worried|"
        r"led to)\b",
        re.I,
    ),
}


def real_sentences() -> list[str]:
    """Every sentence, and every two neighbouring ones, of the bundled and dev corpora."""
    found = []
    for folder in (ROOT / "corpus", ROOT / "eval" / "dev" / "corpus"):
        for article in load_corpus(folder):
            for start, end in article.paragraphs:
                paragraph = article.text[start:end]
                spans = sentence_spans(paragraph)
                found += [paragraph[a:b] for a, b in spans]
                found += [paragraph[a[0] : b[1]] for a, b in pairwise(spans)]
    return found


def odd_sentences(count: int) -> list[str]:
    """Words of every shape in odd cases and letters (İ, ı, ſ, the Kelvin sign), glued to
    digits, punctuation and other words."""
    rng = random.Random(3)
    words = [w for shape in SHAPES.values() for w in shape.words]
    words += ["no one", "according to", "so that", "concerns about", "5 p.m.", "10:30am"]
    words += ["2019-06-21", "(@mayor)", "“quoted”", "three-day", "until June", "in Houston"]
    words += ["ATLANTA", "Atlanta, Baltimore, Chicago, ", "x", "_", "9", "é", "ß", "\u212a"]
    odd = {"i": "\u0130\u0131", "s": "\u017f", "k": "\u212a"}
    texts = []
    for _ in range(count):
        parts = []
        for word in rng.choices(words, k=rng.randint(1, 6)):
            word = "".join(
                rng.choice(odd[c]) if c in odd and rng.random() < 0.2 else c for c in word
            )
            if rng.random() < 0.3:
                word = word.upper() if rng.random() < 0.5 else word.capitalize()
            parts.append(word)
            parts.append(rng.choice([" ", "", ".", "-", ", ", "'", "\n", "_", "1"]))
        texts.append("".join(parts))
    return texts


@pytest.mark.parametrize("kind", sorted(REFERENCE))
def test_each_kind_is_found_where_its_regular_expression_finds_it(kind):
    """A sentence holds a kind of answer exactly when the plain regular expression says so,
    on real sentences and on odd text (case, Unicode look-alikes, words glued together)."""
    shape, reference = SHAPES[kind], REFERENCE[kind]
    texts = real_sentences() + odd_sentences(4000)
    agree = [shape.search(fold(t)) == bool(reference.search(fold(t))) for t in texts]
    assert all(agree), [t for t, same in zip(texts, agree, strict=True) if not same][:5]
    assert 0 < sum(shape.search(fold(t)) for t in texts) < len(texts)  # it tells them apart


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("about 150 people marched downtown", True),
        ("ICE arrested 35 people", True),
        ("five people died", True),
        ("Savannah McNamee, 22, holds a sign", False),
        ("a 25-year-old man was detained", False),
        ("the raid on July 13 at 4 a.m.", False),
        ("in 2019 the agency", False),
        ("the 22nd anniversary of the handover", False),
        ("Published Sep. 9", False),
        ("one of the attempted raids involved a building", False),
        ("One of their most basic organizing tools", False),
        ("one family was detained", True),
        ("no one was arrested", True),
        ("one of 35 people arrested", True),
    ],
)
def test_an_age_or_a_date_is_no_answer_to_how_many(text, counts):
    """ "how many marched in Denver" is not answered by a marcher's age, the day of the
    march, or "one of" picking one out: only a figure that counts something is."""
    assert SHAPES["number"].search(fold(text)) is counts
    assert SHAPES["figure"].search(fold(text))


def test_whole_words_are_found_where_their_regular_expression_finds_them():
    """A question's word typed in lower case is found in the quotes exactly where
    `\\bword\\b` in any case finds it: each occurrence, as written, on real and odd text."""
    texts = real_sentences() + odd_sentences(2000)
    words = sorted({w for shape in SHAPES.values() for w in shape.words})
    words += ["atlanta", "ice", "ſun", "é", "raid", "raids", "x"]
    for text in texts:
        found = whole_words(words, text)
        for word in words:
            assert found[word] == re.findall(rf"\b{re.escape(word)}\b", text, re.I), (word, text)
    joined = " ".join(texts)
    assert sum(map(len, whole_words(words, joined).values())) > 1000  # not all empty


def test_a_time_word_is_recognised_as_a_whole_name():
    """Days and months are not names: "May" and "Monday" are times, "Mayor" is not."""
    assert TIME.fullmatch("May") and TIME.fullmatch("Monday") and TIME.fullmatch("5pm")
    assert not TIME.fullmatch("Mayor") and not TIME.fullmatch("Houston")
    for word in ("May", "Monday", "Mayor", "Hours", "Days", "5pm", "Houston", "Weekend"):
        assert bool(TIME.fullmatch(word)) == bool(REFERENCE["time"].fullmatch(word))


def test_the_caseless_letters_are_all_the_ones_regular_expressions_match():
    """Only İ, ı and ſ match an ASCII letter under re.IGNORECASE without lower-casing to it
    (the Kelvin sign lower-cases to k), so looking words up lower-cased misses none."""
    letter = re.compile("[a-z]", re.I)
    special = {
        c
        for c in map(chr, range(0x80, 0x3000))
        if letter.fullmatch(c) and c.lower() not in "abcdefghijklmnopqrstuvwxyz"
    }
    assert special == {"\u0130", "\u0131", "\u017f"}


@pytest.mark.parametrize(
    ("kind", "sentence", "held"),
    [
        ("money", "Boeing announced a loss of $2.9 billion in the second quarter.", True),
        ("money", "The fine was 5 million euros.", True),
        ("money", "Agents went after roughly 2,000 families.", False),
        ("money", "An estimated 13,000 homes were damaged or destroyed.", False),
        ("age", "Óscar Alberto Martínez Ramírez, 25, and his daughter were found.", True),
        ("age", "A 69-year-old man was killed after attacking the jail.", True),
        ("age", "The raids were set for June 23, 2019, in ten cities.", False),
        ("age", "Some children have been held for weeks.", False),
    ],
)
def test_a_sum_of_money_and_an_age_are_told_from_other_numbers(kind, sentence, held):
    """ "How much did it cost" is not answered by a count of homes, nor "how old" by a date:
    only a currency by a figure holds a sum, only "25-year-old" or "Name, 25," an age."""
    assert SHAPES[kind].search(fold(sentence)) is held
