"""Questions typed the way people chat get the answer the plain question gets."""

from pathlib import Path

import pytest

from bot.engine.answer import Engine
from bot.engine.chat import clean, respell

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(ROOT / "corpus")


def _texts(engine: Engine, question: str) -> list[str]:
    return [quote.text for quote in engine.ask(question).quotes[:5]]


@pytest.mark.parametrize(
    "noisy",
    [
        "which police departments refused?? lol",
        "@everyone which police departments refused",
        "<@123456789012345678> which police departments refused pls",
        "ok so which police departments refused 😂😂",
        "which police departments refused <:kekw:123456789012345678> lmao",
        "hey guys which police departments refused??!",
        "WHICH POLICE DEPARTMENTS REFUSED",
        "hey bot, which police departments refused :)",
        "so wait which police departments refused tho",
        "umm which police departments refused",
        "quick q: which police departments refused asap",
        "hi! can u tell me which police departments refused <3",
    ],
)
def test_chat_noise_does_not_change_the_answer(engine, noisy):
    """Mentions, emoji and emoticons, 'lol', 'pls', '??', 'ok so', 'hey bot', 'quick q:',
    a leading 'so wait' or 'umm', a trailing 'tho', and a question shouted in capitals are
    not what a question is about."""
    plain = _texts(engine, "which police departments refused")
    assert plain
    assert _texts(engine, noisy) == plain


def test_slang_reads_as_the_words_articles_use():
    """'cops', 'ppl', 'feds' and 'kids' are searched as police, people, federal agents and
    children."""
    assert clean("how many ppl did the feds nab, did the cops help?") == (
        "how many people did the federal agents nab, did the police help?"
    )
    assert clean("what happens to the kids rn") == "what happens to the children now"
    assert clean("whos in charge n y did they wait") == "who is in charge and why did they wait"


def test_chat_at_either_end_goes_but_the_same_word_inside_stays():
    """'so', 'wait' and 'tho' are chat where a question starts or ends, and words of the
    question inside it: "so" in "why so few" and "though" in "even though" stay."""
    assert clean("so wait, why did ICE arrest so few tho??") == "why did ICE arrest so few?"
    assert clean("why did they go even though the storm came") == (
        "why did they go even though the storm came"
    )
    assert clean("nah ok what did he say") == "what did he say"
    assert clean("where did they take em") == "where did they take them"
    assert clean("who reffed the womens final") == "who refereed the women's final"
    assert clean("what happened then?") == "what happened then?"  # a follow-up's "then"
    assert clean("which cities did ICE target") == "which cities did ICE target"
    assert clean("so-called sanctuary cities, which refused") == (
        "so-called sanctuary cities, which refused"
    )


def test_a_question_of_only_chat_finds_nothing(engine):
    """'lol' or an emoji alone is not a question: the bot quotes nothing."""
    assert not engine.ask("lol 😂").answered
    assert not engine.ask("@everyone").answered


KNOWN = {"polic": 1.0, "depart": 2.0, "govern": 1.5, "refus": 2.5, "stick": 3.0}


def _respell(question: str, real=lambda word: word in {"stock", "police", "government"}) -> str:
    from bot.engine.text import normalize_word

    return respell(question, KNOWN.get, normalize_word, real)


def test_a_misspelt_word_is_read_as_the_corpus_spells_it():
    """'polise' and 'goverment' find the articles' 'police' and 'government'."""
    assert _respell("which polise refused") == "which police refused"
    assert _respell("what did the goverment say") == "what did the government say"


def test_a_short_word_typed_with_two_letters_swapped_is_read_as_the_corpus_spells_it():
    """'riad' is 'raid' and 'sgin' is 'sign'; a four-letter word is changed in no other way
    ('rai' and 'rait' are no 'raid'), and a four-letter English word stays ('sing')."""
    from bot.engine.text import normalize_word

    known = {"raid": 1.0, "sign": 2.0}

    def spelt(question: str) -> str:
        return respell(question, known.get, normalize_word, lambda word: word == "sing")

    assert spelt("when was the riad") == "when was the raid"
    assert spelt("did he sgin it") == "did he sign it"
    assert spelt("when was the rait or the rai") == "when was the rait or the rai"
    assert spelt("did he sing it") == "did he sing it"


@pytest.mark.parametrize(
    ("typed", "near"),
    [
        ("what did the daca plaintiff say", "plantiff"),  # an article's own typo
        ("which towns got torched by the fire", "touched"),
        ("when can she get parole", "patrole"),
        ("who ran the class in brooklyn", "brookly"),
        ("how latino is the congregation", "lating"),
        ("who found the bodies of oscar and valeria", "scar"),
        ("now that muilenburg got canned", "manned"),  # a form of "can", a stopword
    ],
)
def test_an_english_word_or_a_name_the_corpus_lacks_is_not_respelt(typed, near):
    """A word WordNet has, or a form of one, is typed as meant, even when the articles
    have a word one letter away: "plaintiff" is not the "plantiff" of an article's typo,
    "brooklyn" not "brookly"; while "polise" still reads as "police"."""
    from bot.engine.answer import _english
    from bot.engine.text import normalize_word

    known = {normalize_word(near): 2.0, "polic": 1.0}
    assert respell(typed, known.get, normalize_word, _english) == typed
    assert respell("which polise refused", known.get, normalize_word, _english) == (
        "which police refused"
    )


def test_a_real_word_the_corpus_lacks_is_not_turned_into_another():
    """'stock' is no typo of 'stick': a word no article has tells the bot it may not know,
    and names (capitalised) stay as written."""
    assert _respell("how much did the stock fall") == "how much did the stock fall"
    assert _respell("what did Polise say") == "what did Polise say"


def test_chat_connectives_and_short_typos_read_as_the_words_they_stand_for():
    """ "try n fail", "standoff w ice", "teh end": no one-letter word weighs in the question,
    and a short form keeps the possessive it was typed with."""
    assert clean("did ice try n fail to grab someone w a warrant") == (
        "did ice try and fail to grab someone with a warrant"
    )
    assert clean("by teh end of the year, wich firms") == "by the end of the year, which firms"
    assert clean("where are ppl's kids now") == "where are people's children now"
    assert clean("where did ppl protest acc to fox 5") == (
        "where did people protest according to fox 5"
    )


def test_a_place_shortened_in_chat_searches_by_its_full_name():
    """ "nj towns" finds "New Jersey", "nola's mayor" finds "New Orleans"."""
    from bot.engine.query import analyse

    nj = next(c for c in analyse("which nj towns") if c.term == "nj")
    assert ("new", "jersey") in nj.phrases
    nola = next(c for c in analyse("what did nola's mayor say") if c.term == "nola")
    assert ("new", "orlean") in nola.phrases  # terms are stems


def test_a_negation_typed_without_its_apostrophe_is_still_a_negation():
    """ "the lapd wont be part of it" asks what "the LAPD won't be part of it" asks: a
    refusal, which articles word as "would not"; and "... or nah" at the end is chat."""
    from bot.engine.query import analyse

    for typed, written in [
        ("who said the lapd wont be part of it", "who said the lapd won't be part of it"),
        ("which cops wouldnt help ice", "which police wouldn't help ice"),
        ("why doesnt ice need a warrant", "why doesn't ice need a warrant"),
    ]:
        assert clean(typed) == written
        assert "not" in {c.term for c in analyse(clean(typed))}
    assert clean("did pelosi say anything after the delay or nah") == (
        "did pelosi say anything after the delay"
    )


def test_everyday_short_forms_read_as_the_words_they_stand_for():
    """Chat's contractions without apostrophes, units and fillers: no word of these is a
    word no article has."""
    assert clean("fyi theyre saying the avg wait is 3 wks") == (
        "they're saying the average wait is 3 weeks"
    )
    assert clean("whats the amt the atty asked for, aka the fee") == (
        "what is the amount the attorney asked for, also known as the fee"
    )
    assert clean("how long did they think the raids wld go on sry") == (
        "how long did they think the raids would go on"
    )


def test_streets_groups_and_hedges_typed_short_read_as_articles_write_them():
    """ "buford hwy", "the chicago pd", "an immigrant org", "kinda" and "def": the words
    articles write, so none is a word no article has."""
    assert clean("who gave the keynote at the buford hwy rally") == (
        "who gave the keynote at the buford highway rally"
    )
    assert clean("what did chicago pd cut the feds off from") == (
        "what did chicago police cut the federal agents off from"
    )
    assert clean("which immigrant orgs were kinda ready") == (
        "which immigrant organizations were kind of ready"
    )
    assert clean("were the raids def happening") == "were the raids definitely happening"


def test_months_and_weekdays_typed_short_read_as_articles_write_them():
    """ "by sept 9" and "on thurs" are dates the articles spell out; "sat" and "wed" stay
    words (sat down, newly wed)."""
    assert clean("how many ppl died by sept 9") == "how many people died by september 9"
    assert clean("what happened on thurs jan 3") == "what happened on thursday january 3"
    assert clean("who sat with the mayor") == "who sat with the mayor"


def test_the_country_typed_usa_searches_for_how_articles_write_it():
    """ "who scored for the usa" finds "the United States", and the pronoun "us" stays a
    pronoun ("tell us what happened" does not search for the country)."""
    from bot.engine.query import analyse

    usa = next(c for c in analyse("who scored for the usa in the final") if c.term == "usa")
    assert ("unit", "state") in usa.phrases  # terms are stems
    us = next(c for c in analyse("tell us what happened") if c.term == "us")
    assert us.weights == {"us": 1.0}


def test_a_short_form_the_thesaurus_knows_is_no_typo():
    """'socal' is one letter from 'local', which the articles have, but it is Southern
    California: a word the synonyms file lists stays as typed and searches for its group."""
    from bot.engine.answer import _english
    from bot.engine.query import analyse
    from bot.engine.text import normalize_word

    known = {"local": 1.0}
    question = "how many ppl in socal was ice going after"
    assert respell(question, known.get, normalize_word, _english) == question
    socal = next(c for c in analyse(question) if c.term == "socal")
    assert ("southern", "california") in socal.phrases
