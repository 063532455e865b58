"""Reading a question: its own words, everyday synonyms, phrasal verbs and framing words."""

import random

import pytest

from bot.engine.query import (
    EXPANSION_CREDIT,
    RELATED_CREDIT,
    Coverage,
    analyse,
    answer_kind,
    is_agent,
    is_list_question,
    speaker_words,
    with_word_forms,
)


def concept(question: str, term: str):
    return next(c for c in analyse(question) if c.term == term)


def test_everyday_words_also_search_the_articles_words():
    """ "cops" also looks for "police", at a lower weight than the question's own word."""
    cops = concept("what did the cops do", "cop")
    assert cops.weights["cop"] == 1.0
    assert 0 < cops.weights["polic"] < 1.0


def test_phrasal_verbs_match_with_their_particle():
    """ "called off" means cancel or delay; the bare verb "call" then counts for little."""
    called = concept("why were the raids called off", "call")
    assert {"cancel", "delay", "postpon"} <= called.weights.keys()
    assert called.weights["call"] < 0.5
    plain = concept("what did Bowser call the raids", "call")
    assert plain.weights == {"call": 1.0}


def test_a_phrasal_verb_said_around_its_object_is_still_that_verb():
    """ "pushed it back" and "pushed the big sweep back" are "pushed back" (delayed), "called
    them off" is "called off"; a particle four words on is no longer the verb's."""
    for question, term in (
        ("why did trump push it back", "push"),
        ("why did trump push the big sweep back", "push"),
        ("why did they call them off", "call"),
    ):
        assert {"delay", "postpon"} <= concept(question, term).weights.keys()
    assert "delay" not in concept("who pushed the mayor and his chief back", "push").weights


def test_framing_words_are_marked():
    """ "say" and "going" frame a question rather than say what it is about."""
    concepts = {c.term: c for c in analyse("what did Trump say was going to happen")}
    assert concepts["say"].framing and concepts["go"].framing
    assert not concepts["trump"].framing


@pytest.mark.parametrize(
    ("question", "listing"),
    [
        ("which police departments refused", True),
        ("people from which countries was the aclu suit trying to protect", True),
        ("raids were planned in which bay area cities", True),
        ("where else did ppl feel the quake", True),
        ("in which city did the raids start", False),
        ("what did the mayor say", False),
        ("who scored the goal", False),
    ],
)
def test_a_question_asking_for_several_answers_is_told(question, listing):
    """ "people from which countries ..." asks for several countries, as "which countries"
    does; one city, or one scorer, is one answer."""
    assert is_list_question(question) is listing


def test_left_out_also_searches_for_what_news_writes_for_it():
    """A place "left out" of an operation is one news calls spared, exempted or unaffected;
    the phrase counts only as a whole ("left" alone is no synonym)."""
    concepts = analyse("why did new orleans get left out of the raids")
    weights = {t: w for c in concepts for t, w in c.weights.items()}
    assert 0 < weights["exempt"] < 1.0 and 0 < weights["unaffect"] < 1.0
    assert not any("exempt" in c.weights for c in analyse("who left the meeting early"))


def test_a_several_word_synonym_covers_only_when_all_its_words_are_there():
    """ "citi" alone does not stand for "New York City"; "new york city" does."""
    coverage = Coverage([concept("what did nyc do", "nyc")])
    sets = [frozenset({"citi"}), frozenset({"new", "york", "citi"}), frozenset({"nyc"})]
    assert coverage.covered(sets)[:, 0].tolist() == [0.0, EXPANSION_CREDIT, 1.0]


def test_names_are_told_from_the_first_word():
    """A capitalised word inside the question reads as a name; the first word does not."""
    concepts = {c.term: c for c in analyse("Did Seattle oppose the raids")}
    assert concepts["seattl"].capitalised
    assert not concepts["raid"].capitalised


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how many families were targeted", "number"),
        ("after the delay, when did trump say the raids would happen", "time"),
        ("how many hours did the final go", "duration"),
        ("morgan says trump pushed it back for what reason", "reason"),
        ("the raids in new orleans: why were they called off", "reason"),
        ("that guy in the video, who is he", "person"),
        ("how big is the fire", "number"),
        ("how long did trump push back the raids", "duration"),
        ("how much did the whole operation cost taxpayers?", "money"),
        ("how much $ did tiger take home", "money"),
        ("what was the valuation in the ipo", "money"),
        ("how much aid did they send", "number"),
        ("how old was the girl", "age"),
        ("When did the raids start?", "time"),
        ("what day did they start", "time"),
        ("where can evacuees go", "place"),
        ("which cities were on the list", "place"),
        ("who leaked the plans", "person"),
        ("which mayors spoke out", "person"),
        ("why did ICE catch so few people", "reason"),
        ("what did the mayor say about the raids", "statement"),
        ("did the police help ICE", None),
    ],
)
def test_answer_kind_reads_the_wh_phrase(question, kind):
    """How many/long ask for an amount or a duration, how much it cost for a sum of money,
    how old for an age, when for a time, where for a place, who and which officials for a
    person."""
    assert answer_kind(question) == kind


def test_the_measure_in_how_big_only_says_an_amount_is_wanted():
    """In "how big is the fire" the fire is what matters; "big" asks for an amount."""
    concepts = {c.term: c for c in analyse("how big is the fire")}
    assert concepts["big"].framing and not concepts["fire"].framing
    concepts = {c.term: c for c in analyse("how did the city find out")}
    assert not concepts["find"].framing


def _credit(concept, present: frozenset) -> float:
    """The coverage rule spelt out for one set: the reference `Coverage` must agree with."""
    if concept.term in present:
        return 1.0
    if concept.synonyms & present or any(set(p) <= present for p in concept.phrases):
        return EXPANSION_CREDIT
    if concept.related & present or any(set(p) <= present for p in concept.related_phrases):
        return RELATED_CREDIT
    return 0.0


def test_coverage_credits_each_set_as_the_rule_says():
    """Every set of words covers every concept as the rule says (own word 1, synonym or a
    whole several-word synonym less, WordNet relative less again), all sets at once."""
    rng = random.Random(5)
    credits = set()
    for question in (
        "what did nyc do",
        "why were the raids called off",
        "how many cops pushed back on the ICE raids in los angeles",
        "which mayors spoke out against the deportation plan",
        "how did officials react when ICE postponed",  # a relative of several words
        "did the sheriff refuse to cooperate",
        "did the governor criticize trump",
    ):
        concepts = analyse(question)
        words = sorted({t for c in concepts for t in c.weights} | {"citi", "unrelated"})
        sets = [
            frozenset(rng.sample(words, rng.randint(0, min(6, len(words))))) for _ in range(300)
        ]
        found = Coverage(concepts).covered(sets)
        expected = [[_credit(c, s) for c in concepts] for s in sets]
        assert found.tolist() == expected
        credits |= set(found.ravel().tolist())
    assert credits == {0.0, RELATED_CREDIT, EXPANSION_CREDIT, 1.0}  # every rule was tried


def test_a_state_searches_for_its_cities_but_a_city_not_for_its_state():
    """ "which utah city said no" finds "Salt Lake City"; a question about Salt Lake City
    is not widened to the rest of Utah."""
    utah = concept("which utah city said no", "utah")
    assert ("salt", "lake", "citi") in utah.phrases
    salt = concept("what did salt lake city do", "salt")
    assert salt.weights == {"salt": 1.0}


def test_a_place_also_searches_for_its_people_where_the_articles_name_them():
    """ "houston's mayor" also finds "Houstonians", "canada" "Canadians"; a word English
    knows on its own ("civilian", "guardian") is not a place's people, nor is a form no
    article has."""
    known = {"houstonian", "canadian", "civilian", "guardian", "texan"}.__contains__
    houston, civil, canada, texas = [
        next(c for c in with_word_forms(analyse(q), known) if c.term == t)
        for q, t in (
            ("what did houston's mayor say", "houston"),
            ("what about civil rights", "civil"),
            ("did canada say anything", "canada"),
            ("what did texas do", "texa"),
        )
    ]
    assert houston.weights["houstonian"] == houston.weights["houston"] / 2
    assert "houstonian" in houston.synonyms
    assert "canadian" in canada.weights
    assert "texan" in texas.weights
    assert civil.weights == concept("what about civil rights", "civil").weights
    guard = next(
        c for c in with_word_forms(analyse("who is the guard"), known) if c.term == "guard"
    )
    assert guard.weights == {"guard": 1.0}
    nothing_known = with_word_forms(analyse("what did houston's mayor say"), lambda t: False)
    assert nothing_known == analyse("what did houston's mayor say")


def test_a_word_no_article_has_also_searches_for_the_word_it_is_made_from():
    """ "taco sellers" finds "selling tacos" when no article says "sellers"; a word the
    articles have is left as it is."""
    known = {"sell"}.__contains__
    seller = next(
        c
        for c in with_word_forms(analyse("where were the taco sellers"), known)
        if c.term == "seller"
    )
    assert seller.weights == {"seller": 1.0, "sell": 0.5}
    said = {"sell", "seller"}.__contains__
    seller = next(
        c
        for c in with_word_forms(analyse("where were the taco sellers"), said)
        if c.term == "seller"
    )
    assert seller.weights == {"seller": 1.0}


def test_chat_idioms_for_being_warned_and_telling_search_the_news_words():
    """ "did houston get a heads up" looks for a notification; "where did she spill it"
    for where she revealed it."""
    assert "notifi" in concept("did houston get a heads up from ice", "head").weights
    assert "reveal" in concept("where did pelosi spill what she told him", "spill").weights


def test_how_often_and_dealing_with_someone_search_the_news_words():
    """ "do the cops even deal with ice normally" looks for contact "on a regular basis"
    and for what they "typically" do."""
    normally = concept("do the cops even deal with ice normally", "normal")
    assert {"regular", "typic"} <= normally.weights.keys()
    assert "contact" in concept("do the cops even deal with ice normally", "deal").weights


@pytest.mark.parametrize(
    ("question", "word", "term"),
    [
        ("when did the families get mailed", "mail", "letter"),
        ("will they check the house for papers", "paper", "document"),
        ("how long has the lady been hiding from the feds", "hide", "dodg"),
        ("how old is the lady from the nursery", "ladi", "woman"),
        ("what were ppl outside the plant yelling", "yell", "chant"),
        ("why did the engine malfunction", "malfunct", "fail"),
        ("what are these removals supposed to accomplish", "accomplish", "goal"),
        ("who found the photo", "photo", "imag"),
    ],
)
def test_everyday_paraphrases_search_the_words_news_writes(question, word, term):
    """Ordinary words for what articles say in their own words: a letter in the mail,
    documents for papers, a woman for a lady, chanting for yelling."""
    assert term in concept(question, word).weights


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("what did schumer say about it", ["schumer"]),
        ("what did diego bernal say the raids are really abt", ["diego", "bernal"]),
        ("how did atlanta's mayor react to the raids lol", ["atlanta's", "mayor"]),
        ("what did she say", []),
        ("who said that?", []),
    ],
)
def test_who_a_what_did_x_say_question_asks_about(question, speaker):
    assert speaker_words(question) == speaker


def test_chat_short_names_for_offices_are_offices():
    """ "the sri lankan pm", "the illinois gov": an office, as "mayor" is."""
    assert is_agent(concept("what did the sri lankan pm tweet", "pm"))
    assert is_agent(concept("what did the illinois gov sign", "gov"))
    assert not is_agent(concept("what did the sri lankan pm tweet", "lankan"))


def test_a_people_also_searches_for_its_place_and_a_place_for_no_other_word():
    """ "that nicaraguan mom" finds "Nicaragua", "mexican officials" "Mexico"; "houston" is
    no people ("hous", the stem of "house", is not its place), nor is "republican" a people
    of the English word "republic"."""
    known = {"nicaragua", "mexico", "hous", "republic"}.__contains__

    def weights(question, term):
        return next(c for c in with_word_forms(analyse(question), known) if c.term == term).weights

    assert "nicaragua" in weights("that nicaraguan mom in south florida", "nicaraguan")
    assert "mexico" in weights("what did mexican officials say", "mexican")
    assert "hous" not in weights("did houston get a heads up", "houston")
    assert "republic" not in weights("what did republicans say", "republican")
