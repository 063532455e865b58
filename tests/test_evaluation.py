"""The eval rules as the shared README states them: quotes only, capped, folded matching."""

from pathlib import Path

import pytest

from bot.engine.answer import Answer, Location, Quote
from bot.engine.corpus import parse_article
from bot.evaluation import judge, load_questions

ARTICLE = parse_article(b"Body.", Path("a.md"))


def answer(*texts: str) -> Answer:
    quotes = tuple(Quote(t, 1.0, (Location(ARTICLE, 0, 5, 1),)) for t in texts)
    return Answer("q", quotes, (ARTICLE,) if texts else ())


def test_fact_matches_despite_case_spacing_and_curly_quotes():
    """Evidence with curly quotes matches a quote with straight ones, any case or spacing."""
    q = {
        "question": "q",
        "kind": "fact",
        "evidence": ["\u201cit does not and will not\u201d cooperate"],
    }
    assert judge(q, answer('The police said "It does  not and will not"\ncooperate.')).passed


def test_only_five_quotes_and_1800_characters_count():
    """Evidence in a sixth quote, or past 1,800 characters, does not count."""
    q = {"question": "q", "kind": "fact", "evidence": ["needle"]}
    assert not judge(q, answer(*["hay"] * 5, "needle")).passed
    assert not judge(q, answer("x" * 1800, "needle")).passed
    assert judge(q, answer("needle", *["hay"] * 4)).passed


def test_list_needs_enough_distinct_entities():
    """A list answer passes when it names at least `min_entities` of the entities."""
    q = {
        "question": "q",
        "kind": "list",
        "min_entities": 2,
        "entities": {"SF": ["San Francisco"], "LA": ["Los Angeles", "LAPD"]},
    }
    assert not judge(q, answer("San Francisco police refused.")).passed
    assert judge(q, answer("San Francisco police refused.", "So did the LAPD.")).passed


def test_none_passes_only_when_nothing_is_quoted():
    """An unanswerable question passes only with an empty answer."""
    q = {"question": "q", "kind": "none"}
    assert judge(q, answer()).passed
    assert not judge(q, answer("Something loosely related.")).passed


def test_malformed_question_file_is_one_sentence(tmp_path):
    """A question file that is not a JSON list of questions gets a clear error."""
    path = tmp_path / "q.json"
    path.write_text('{"question": "x"}')
    with pytest.raises(ValueError, match="must hold a JSON list"):
        load_questions(path)
    path.write_text('[{"question": "x", "kind": "maybe"}]')
    with pytest.raises(ValueError, match="question 1 needs"):
        load_questions(path)


DEV = Path(__file__).resolve().parent.parent / "eval" / "dev"


def test_the_bot_beats_bm25s_on_every_kind_of_the_generalisation_set():
    """On articles and questions written apart from the bundled corpus, the bot passes more
    facts, more lists and more near misses than bm25s's top paragraphs, in the same run."""
    from bot.engine.answer import Engine
    from bot.evaluation import Bm25sBaseline, evaluate, kind_totals

    engine = Engine.load(DEV / "corpus")
    questions = load_questions(DEV / "questions.json")
    ours = kind_totals(evaluate(engine, questions))
    theirs = kind_totals(evaluate(Bm25sBaseline(engine.articles), questions))
    assert ours.keys() == theirs.keys() == {"fact", "list", "none"}
    for kind in ours:
        assert ours[kind][0] > theirs[kind][0], (kind, ours, theirs)


def test_the_follow_up_file_is_follow_ups_with_near_misses():
    """eval/followups.json holds at least 25 follow-ups, each after an earlier question,
    near misses among them; an 'after' that is not a question is one sentence."""
    questions = load_questions(Path(__file__).resolve().parent.parent / "eval" / "followups.json")
    assert len(questions) >= 25 and all(q["after"].strip() for q in questions)
    assert sum(q["kind"] == "none" for q in questions) >= 5


def test_an_after_that_is_not_a_question_is_one_sentence(tmp_path):
    """An eval question whose 'after' is empty is refused with one sentence naming it."""
    path = tmp_path / "q.json"
    path.write_text('[{"question": "and denver?", "kind": "none", "after": " "}]')
    with pytest.raises(ValueError, match="question 1's 'after' must be the earlier question"):
        load_questions(path)
