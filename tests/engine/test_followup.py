"""A follow-up is answered in the context of the question it follows."""

from pathlib import Path

import pytest

from bot.engine.answer import Engine
from bot.engine.query import CARRIED_WEIGHT, analyse, follow_up, points_back

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(ROOT / "corpus")


def test_what_about_a_city_asks_the_earlier_question_of_that_city(engine):
    """'what about atlanta?' after 'which mayors spoke out' quotes Atlanta's mayor first."""
    answer = engine.ask("what about atlanta?", after="which mayors spoke out against the raids")
    assert answer.answered
    assert "Atlanta Mayor Keisha Lance Bottoms" in answer.quotes[0].text


def test_a_follow_up_alone_is_not_enough_to_answer(engine):
    """The same follow-up asked on its own has nothing to say about mayors."""
    alone = engine.ask("what about atlanta?")
    assert not any("Bottoms" in quote.text for quote in alone.quotes[:1])


def test_the_follow_up_names_replace_the_earlier_ones():
    """'and denver' after a question about Atlanta asks about Denver, not Atlanta."""
    earlier = analyse("what did the Atlanta mayor say about the raids")
    combined = {c.term: c for c in follow_up(earlier, analyse("and denver"))}
    assert "denver" in combined and "atlanta" not in combined
    assert combined["denver"].scale == 1.0
    assert combined["mayor"].scale == CARRIED_WEIGHT


def test_who_acts_in_the_follow_up_replaces_who_acted_before():
    """ "and the dc cops?" after "what did DC's mayor call trump's threats" asks about the
    police, not the mayor; the rest of the earlier question still comes along."""
    terms = {
        c.term
        for c in follow_up(
            analyse("what did DC's mayor call trump's threats"), analyse("and the dc cops?")
        )
    }
    assert "mayor" not in terms and {"cop", "threat"} <= terms
    kept = {
        c.term
        for c in follow_up(
            analyse("what did DC's mayor call trump's threats"), analyse("and what about bowser?")
        )
    }
    assert "mayor" in kept  # a name alone replaces names, not the office


def test_a_chain_of_follow_ups_keeps_the_first_question(engine):
    """Three in a row: the third still knows the subject of the first."""
    first = "which police departments refused to help ICE"
    answer = engine.ask("and denver?", after=f"{first} what about los angeles")
    assert answer.answered
    assert "Denver" in answer.quotes[0].text


def test_a_pronoun_points_back_at_the_whole_earlier_question():
    """'what did she blame ice for?' after a question about Atlanta's mayor is about that
    mayor as much as about blame: the earlier words count in full, not at a reduced weight."""
    earlier = analyse("what did atlanta's mayor tell immigrants to do on sunday")
    later = "what did she blame ice for?"
    combined = {c.word: c for c in follow_up(earlier, analyse(later), points_back(later))}
    assert combined["mayor"].scale == 1.0
    assert not points_back("and denver?")


def test_a_follow_up_reads_the_article_the_earlier_answer_quoted(tmp_path):
    """A follow-up whose own words rank its article low still finds the answer there: the
    article the earlier answer quoted is where the conversation is."""
    (tmp_path / "mayor.md").write_text(
        "Mayor Dana Quill of Ogdenville told immigrants to stay home on Sunday.\n\n"
        + "".join(f"The harbor festival drew crowds on day {n}.\n\n" for n in range(60))
        + "Quill chided the federal agency for not sharing its plans with the mayor.\n"
    )
    for n in range(50):  # pages that say "blame" and "ICE" more than the mayor's does
        (tmp_path / f"other-{n:02}.md").write_text(
            f"Critics blame ICE and the mayor for delays at crossing {n}. They blame ICE again.\n"
        )
    engine = Engine.load(tmp_path)
    earlier = "what did ogdenville's mayor tell immigrants to do on sunday"
    assert "Quill" in engine.ask(earlier).quotes[0].text

    def found(judged) -> bool:
        return any("chided the federal agency" in c.text for c in judged.candidates)

    assert found(engine.judged("what did she blame ice for?", after=earlier))
    assert not found(engine.judged("what did she blame ice for?"))


def test_what_about_a_place_no_quote_names_is_left_unanswered(engine):
    """'what about san diego?' after a question about police refusing ICE: the articles never
    name San Diego, so no quote about another city is offered as the answer; a city they do
    name gets its quote."""
    earlier = "which police departments refused to help ICE"
    assert not engine.ask("what about san diego?", after=earlier).answered
    denver = engine.ask("what about denver?", after=earlier)
    assert denver.answered and "Denver" in denver.quotes[0].text


def test_a_list_follow_up_inside_a_place_is_not_held_to_naming_it(engine):
    """'which ones in california?' lists mayors of cities in California; their quotes need
    not say "California" (the requirement that a follow-up's own name be in the passage is
    for 'what about X?', not for a place that holds the answers)."""
    earlier = "which mayors spoke out against the raids"
    judged = engine.judged("which ones in california?", after=earlier)
    assert judged.required is None
