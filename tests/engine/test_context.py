"""Article context: whom surnames and pronouns stand for, and the headline, never quoted."""

import random
import re
from itertools import pairwise
from pathlib import Path

import pytest

from bot.engine import store
from bot.engine.answer import Engine
from bot.engine.chunking import make_passages, split_sentences
from bot.engine.context import MAX_NAMES, ArticleContext, encode, read
from bot.engine.corpus import CorpusError, parse_article
from bot.engine.text import tokenize

STORY = (
    "Mayor urges families to stay home\n\n"
    "RIVERTON — Riverton Mayor Dana Whitfield on Saturday asked families to stay indoors.\n\n"
    "Whitfield, speaking on the radio, said people should travel in groups.\n\n"
    "She said the city had not been told anything by the agency.\n\n"
    "Police Chief Omar Castellanos said his officers would not take part.\n"
)
OTHERS = [
    "A storm closed the coastal highway on Monday and crews cleared fallen trees.\n",
    "The school board voted to repair three roofs before the winter term.\n",
    "A new bakery opened on Main Street, selling bread and pastries.\n",
    "The county fair returns in August with rides, livestock and music.\n",
    "Volunteers planted two hundred trees along the river trail this spring.\n",
]


def article(text: str, name: str = "story.txt"):
    return parse_article(text.encode("utf-8"), Path(name))


def sentence_at(a, words: str):
    start = a.text.index(words)
    return next(s for s in split_sentences(a) if s.start <= start < s.end)


def test_a_bare_surname_stands_for_the_full_name_and_role():
    """ "Whitfield said" refers to Riverton's mayor, named in full earlier."""
    a = article(STORY)
    s = sentence_at(a, "Whitfield, speaking")
    referents = ArticleContext.of(a).referents(s.start, s.end)
    assert {*tokenize("Riverton mayor Dana")} <= referents


def test_a_pronoun_stands_for_the_last_person_named():
    """ "She said" refers to the person named just before, not to one named later."""
    a = article(STORY)
    s = sentence_at(a, "She said")
    referents = ArticleContext.of(a).referents(s.start, s.end)
    assert {*tokenize("mayor Whitfield")} <= referents
    assert not {*tokenize("Castellanos chief")} & referents


@pytest.mark.parametrize(
    "sentence",
    [
        "State Rep. Brenda Lopez Romero was the event's keynote speaker.",
        "Dr. Anita Okafor ran the clinic for twenty years.",
        "Professor Elena Ruiz studies migration in the region.",
    ],
)
def test_a_name_after_a_short_title_or_a_calling_is_a_person(sentence):
    """A name after "State Rep.", "Dr." or "Professor" is someone, even when the article never
    has them speak; a capitalised run with no title and no words of its own is not."""
    a = article(f"Rally draws a crowd\n\n{sentence}\n\nThe Plaza Fiesta lot was full by noon.\n")
    context = ArticleContext.of(a)
    named = sentence_at(a, sentence[:12])
    lot = sentence_at(a, "The Plaza Fiesta")
    assert context.names_person(named.start, named.end)
    assert not context.names_person(lot.start, lot.end)


def test_the_headline_and_dateline_are_kept_apart_as_weaker_context():
    """The headline's words and the dateline's place are the article's context."""
    context = ArticleContext.of(article(STORY))
    assert {*tokenize("urges families stay home Riverton")} <= context.headline


@pytest.fixture(scope="module")
def engine() -> Engine:
    articles = [article(STORY)] + [article(t, f"other-{n}.txt") for n, t in enumerate(OTHERS)]
    passages = [p for a in articles for p in make_passages(a)]
    return Engine(articles, passages)


def test_a_question_naming_the_role_finds_the_sentence_naming_the_surname(engine):
    """ "what did Riverton's mayor say about groups" quotes "Whitfield ... travel in groups"."""
    answer = engine.ask("what did Riverton's mayor say about travelling in groups")
    assert answer.quotes
    assert "travel in groups" in answer.quotes[0].text
    assert "Dana" not in answer.quotes[0].text  # context is searched, never shown


def test_words_only_in_the_headline_do_not_answer(engine):
    """The headline is weaker evidence: a question matching only it is not answered."""
    assert not engine.ask("who urges home").quotes
    assert engine.ask("who urges families to stay indoors").quotes


def test_places_are_not_people_a_pronoun_could_mean():
    """A list of cities names no person: "She said" after it still means the mayor named before."""
    a = article(
        "Mayor Dana Whitfield spoke on Friday.\n\n"
        "The raids will reach Riverton, Los Angeles, New York and Miami on Sunday.\n\n"
        "She said the city would not help.\n"
    )
    s = sentence_at(a, "She said")
    referents = ArticleContext.of(a).referents(s.start, s.end)
    assert {*tokenize("Dana Whitfield mayor")} <= referents
    assert not {*tokenize("Los Angeles New York Miami")} & referents


@pytest.mark.parametrize("corpus", ["corpus", "eval/dev/corpus"])
def test_the_store_keeps_what_reading_the_article_again_gives(corpus, tmp_path):
    """Context read when an article is added is what reading it afresh gives, sentence by
    sentence and passage by passage: answers from the store and from memory agree."""
    root = Path(__file__).resolve().parents[2]
    articles, passages, _ = store.load(root / corpus, tmp_path / "store")
    stored = articles.context
    checked = 0
    for passage in passages:
        afresh = ArticleContext.of(passage.article)
        spans = [(s.start, s.end) for s in passage.sentences]
        spans += [(a.start, b.end) for a, b in pairwise(passage.sentences)]
        spans.append((passage.start, passage.end))
        for start, end in spans:
            kept = stored(passage.article)
            assert kept.referents(start, end) == afresh.referents(start, end)
            assert kept.referents(start, end) <= kept.referable()  # whom any span can mean
            assert kept.names_person(start, end) == afresh.names_person(start, end)
            checked += 1
        assert stored(passage.article).headline == afresh.headline
    assert checked > 100
    assert any(stored(a).referents(0, len(a.text)) for a in articles)  # not all empty


def test_a_page_of_thousands_of_names_is_read_with_the_first_few_hundred():
    """A pasted page naming thousands of people is read (with bounded work); the people it
    names first still stand behind their pronouns."""
    rows = [f"Mayor Dana Whitfield{n:04d} said the city would help." for n in range(3000)]
    rows.insert(1, "She said the plan stood.")
    a = article("Names\n\n" + "\n\n".join(rows) + "\n", "names.txt")
    assert len(read(a, [(s.start, s.end) for s in split_sentences(a)]).persons) == MAX_NAMES
    s = sentence_at(a, "She said the plan")
    referents = ArticleContext.of(a).referents(s.start, s.end)
    assert {*tokenize("mayor Dana Whitfield0000")} <= referents


PIECES = [
    "Mayor",
    "Chief",
    "Dana",
    "Whitfield",
    "O'Brien",
    "Smith-Jones",
    "D.C.",
    "U.S.",
    "said",
    "told",
    "according to",
    "she",
    "He",
    "his",
    "her",
    "the",
    "The",
    ",",
    ", the mayor of X,",
    '"',
    "“",
    "”",
    "'",
    "’",
    ".",
    "?",
    "!",
    "—",
    "(AP)",
    "RIVERTON —",
    "\n\n",
    "\n",
    " ",
    "  ",
    "\u00a0",
    "\u200b",
    "é",
    "Ünal",
    "Mr.",
    "Jr.",
    "Los Angeles",
    "Police Department",
    "1,000",
]


# A word a pronoun is, as a reader sees one.
PRONOUN = re.compile(r"\b(he|she|his|her|him)\b", re.IGNORECASE)


@pytest.mark.parametrize("seed", range(300))
def test_reading_odd_articles_never_fails(seed):
    """Whatever a pasted article holds, reading whom it names neither fails nor misreads
    its sentences: a sentence with no name, pronoun or opening quotation mark refers to no
    one; a sentence names a person only where a capital letter shows one; a run of sentences
    names a person exactly when one of them does; and the reading the store keeps agrees,
    sentence by sentence, with the article read afresh."""
    rng = random.Random(seed)
    text = "".join(
        rng.choice(PIECES) + rng.choice(["", " ", " ", "\n"]) for _ in range(rng.randint(1, 400))
    )
    try:
        a = article(text, f"odd-{seed}.txt")
        sentences = split_sentences(a)
    except CorpusError:
        return  # refused by the loader, by name: nothing to read
    spans = [(s.start, s.end) for s in sentences]
    structure, terms = encode(read(a, spans), str)
    context = ArticleContext(structure, terms, [start for start, _ in spans])
    afresh = ArticleContext.of(a)
    for start, end in spans:
        referents, names = context.referents(start, end), context.names_person(start, end)
        assert isinstance(names, bool) and all(isinstance(t, str) for t in referents)
        assert (referents, names) == (afresh.referents(start, end), afresh.names_person(start, end))
        assert referents <= context.referable()
        piece = a.text[start:end]
        if not any(c.isupper() for c in piece):
            assert not names, piece
            if not PRONOUN.search(piece) and not piece.startswith(("'", '"', "‘", "’", "“", "”")):
                assert not referents, piece
    for (start, end), (next_start, next_end) in pairwise(spans):
        both = context.names_person(start, next_end)
        assert both == (
            context.names_person(start, end) or context.names_person(next_start, next_end)
        )
