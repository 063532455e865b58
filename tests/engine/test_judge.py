"""The judge: its shipped model reads the features the engine computes, and abstains."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.engine.answer import Engine, _name_terms
from bot.engine.compose import pick
from bot.engine.judge import (
    FEATURES,
    QUESTION_FEATURES,
    Judge,
    Trees,
    fitted,
    question_features,
)
from tests.conftest import engine_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(ROOT / "corpus")


def test_the_shipped_model_reads_every_feature_the_engine_describes():
    """The fitted file names the features the engine computes, so an answer can't be rated
    with a feature missing or renamed."""
    data = json.loads((ROOT / "bot/engine/data/judge.json").read_text("utf-8"))
    assert data["quote"]["features"] == list(FEATURES)
    assert data["answerable"]["features"] == list(QUESTION_FEATURES)
    judge = fitted()
    assert 0 < judge.quote.floor < 1 and 0 < judge.answerable.floor < 1


def test_a_model_with_an_unknown_feature_is_refused():
    """A hand-edited or stale model file fails loudly at start, not quietly at a question."""
    data = json.loads((ROOT / "bot/engine/data/judge.json").read_text("utf-8"))
    data["quote"]["features"] = [*data["quote"]["features"][:-1], "made_up"]
    with pytest.raises(ValueError, match="unknown features"):
        Judge.from_json(data)


def test_every_shown_quote_is_one_the_judge_passed(engine):
    """A quote is shown only if the judge rates it at or above its floor, and at least the
    fitted share of the best quote's rating: no weak quotes padding out a strong answer
    (the fit composed its held-out answers that way, so the bot must too)."""
    assert engine.judge.relative > 0
    for question in ("which police departments refused", "who leaked the plans"):
        answer = engine.ask(question)
        assert answer.answered
        best = max(q.score for q in answer.quotes)
        assert all(q.score >= engine.judge.quote.floor for q in answer.quotes)
        assert all(q.score >= engine.judge.relative * best for q in answer.quotes)


@pytest.mark.parametrize(
    "question",
    [
        "what did the mayor of Zanzibar say about the raids",
        "how many goals did the team score in the final",
        "what is the recipe for banana bread",
    ],
)
def test_questions_the_articles_do_not_answer_get_no_quotes(engine, question):
    """Off-topic questions, and ones naming a place no article has, get 'found nothing'."""
    assert not engine.ask(question).answered


def test_exported_trees_rate_as_scikit_learn_does():
    """The trees the fit script exports give, walked by the bot, the probabilities
    scikit-learn's own model gives (so a tree model ships as fitted)."""
    sklearn = pytest.importorskip(
        "sklearn.ensemble", reason="scikit-learn is in the fit group (uv sync --group fit)"
    )
    HistGradientBoostingClassifier = sklearn.HistGradientBoostingClassifier

    spec = importlib.util.spec_from_file_location("fit_judge", ROOT / "scripts/fit_judge.py")
    fit_judge = importlib.util.module_from_spec(spec)
    sys.modules["fit_judge"] = fit_judge  # its dataclasses look their module up
    spec.loader.exec_module(fit_judge)
    rng = np.random.default_rng(0)
    x = rng.random((400, len(FEATURES)))
    y = (x[:, 0] + x[:, 3] * x[:, 5] > 0.8).astype(int)
    exported = fit_judge.fit_trees(x, y)
    ours = Trees.from_json({**exported, "floor": 0.5})
    theirs = HistGradientBoostingClassifier(random_state=0, **fit_judge.TREES).fit(x, y)
    rows = [dict(zip(FEATURES, row, strict=True)) for row in x[:50]]
    assert np.allclose(ours.probabilities(rows), theirs.predict_proba(x[:50])[:, 1], atol=1e-4)


def test_a_question_about_cost_reads_which_quotes_hold_a_sum_not_just_a_number(tmp_path):
    """Asked what a bridge cost, the judge sees that "$40 million" answers in kind and
    "1,200 workers" does not; asked how many workers, both hold a number. (Articles are
    named by their file names without the suffix.)"""
    docs = {
        "a.md": "The Springfield bridge cost $40 million to build, the city said.",
        "b.md": "About 1,200 workers built the Springfield bridge over two years.",
        "c.md": "The county fair returns in August with rides, livestock and music.",
        "d.md": "A storm closed the coastal highway and crews cleared fallen trees.",
        "e.md": "The school board met on Tuesday to discuss next year's timetable.",
        "f.md": "Police in Ogdenville arrested two men for stealing bicycles.",
    }
    engine = engine_of(tmp_path, docs)

    def held(question: str) -> dict[str, float]:
        judged = engine.judged(question)
        pairs = zip(judged.candidates, judged.rows, strict=True)
        return {candidate.source.id: row["kind_held"] for candidate, row in pairs}

    cost = held("how much did the springfield bridge cost")
    assert cost["a"] == 1.0 and cost["b"] == 0.0
    workers = held("how many workers built the springfield bridge")
    assert workers["a"] == 1.0 and workers["b"] == 1.0


def test_how_many_reads_which_numbers_count_what_is_asked_in_the_articles_words(tmp_path):
    """Asked how many migrants were held, "three immigrants were detained" counts what is
    asked (the thesaurus's migrants are immigrants) and "two dogs" does not; an age counts
    nothing."""
    docs = {
        "a.md": "In Springfield, three immigrants were detained during the protest.",
        "b.md": "In Springfield, two dogs ran onto the field during the protest.",
        "c.md": "Officer Lou Smith, 44, said the Springfield protest turned violent.",
        "d.md": "A storm closed the coastal highway and crews cleared fallen trees.",
        "e.md": "The school board met on Tuesday to discuss next year's timetable.",
    }
    engine = engine_of(tmp_path, docs)
    judged = engine.judged("how many migrants were held at the springfield protest")
    pairs = zip(judged.candidates, judged.rows, strict=True)
    rows = {candidate.source.id: row for candidate, row in pairs}
    assert rows["a"]["counts_asked"] == 1.0
    assert rows["b"]["kind_held"] == 1.0 and rows["b"]["counts_asked"] == 0.0
    assert rows["c"]["kind_held"] == 0.0


def test_how_many_with_no_figure_counting_what_is_asked_is_weighed_as_unmet(tmp_path):
    """The answerability model reads whether the best quote's figure counts what a how-many
    question asks: "two dogs" does not answer how many migrants were held, however well its
    other words match; "three immigrants were detained" does; a who question counts nothing,
    so nothing is unmet. The fitted model never reads an unmet count as a reason to answer."""
    docs = {
        "a.md": "In Springfield, three immigrants were detained during the protest.",
        "b.md": "In Springfield, two dogs ran onto the field during the protest.",
        "d.md": "A storm closed the coastal highway and crews cleared fallen trees.",
        "e.md": "The school board met on Tuesday to discuss next year's timetable.",
    }

    def unmet(engine: Engine, question: str) -> float:
        judged = engine.judged(question)
        return question_features(judged.candidates, judged.rows)["count_unmet"]

    (tmp_path / "both").mkdir()
    (tmp_path / "dogs").mkdir()
    engine = engine_of(tmp_path / "both", docs)
    assert unmet(engine, "how many migrants were held at the springfield protest") == 0.0
    assert unmet(engine, "who was held at the springfield protest") == 0.0
    without = engine_of(tmp_path / "dogs", {k: v for k, v in docs.items() if k != "a.md"})
    assert unmet(without, "how many migrants were held at the springfield protest") == 1.0
    weights = dict(zip(fitted().answerable.features, fitted().answerable.weights, strict=True))
    assert weights["count_unmet"] <= 0


def _unmet(folder, sentence: str, question: str) -> float:
    """Whether `question`'s count is unmet when `sentence` is the only article that could
    answer it (two unrelated articles beside it)."""
    docs = {
        "a.md": sentence,
        "d.md": "A storm closed the coastal highway and crews cleared fallen trees.",
        "e.md": "The school board met on Tuesday to discuss next year's timetable.",
    }
    judged = engine_of(folder, docs).judged(question)
    return question_features(judged.candidates, judged.rows)["count_unmet"]


@pytest.mark.parametrize(
    ("sentence", "unmet"),
    [
        ("About one in four Springfielders was born abroad, the census says.", 0.0),
        ("Raids were planned in 10 cities including Springfield, born of a new policy.", 1.0),
    ],
)
def test_how_many_people_is_counted_by_the_people_of_the_place_asked_about(
    tmp_path, sentence, unmet
):
    """Asked "how many ppl in springfield", a count of Springfielders answers; a count of
    cities that names Springfield does not."""
    assert _unmet(tmp_path, sentence, "how many ppl in springfield were born abroad") == unmet


@pytest.mark.parametrize(
    "question",
    ["how much did the springfield plant lose last year", "how much money did springfield lose"],
)
def test_how_much_a_sum_is_met_by_any_sum(tmp_path, question):
    """Asked "how much did it lose", the bot wants a sum, not a count of what follows ("did",
    "money"): a quote giving a loss in dollars meets it, whatever words follow the figure."""
    loss = "The Springfield plant reported a loss of $2.9 billion in the second quarter."
    assert _unmet(tmp_path, loss, question) == 0.0


@pytest.mark.parametrize(
    ("sentence", "unmet"),
    [
        ("Twelve ICE agents knocked on doors in Springfield on Sunday.", 0.0),
        ("ICE said in Springfield that thousands of immigrants would be deported.", 1.0),
    ],
)
def test_how_many_ice_agents_is_not_counted_by_immigrants(tmp_path, sentence, unmet):
    """ICE stands for Immigration and Customs Enforcement, but a count of immigrants does
    not answer how many ICE agents came: only the words that stand alone for the counted
    ones count."""
    assert _unmet(tmp_path, sentence, "how many ice agents came to springfield") == unmet


def test_a_list_answer_opens_with_the_quote_the_judge_rates_best(engine):
    """A list prefers quotes that name someone new, but its first quote is the best-rated
    one even when it names no one ("who were the targets": families, not people)."""
    judged = engine.judged("which mayors spoke out against the raids")
    best = max(judged.candidates, key=lambda c: c.score)
    others = {id(c): {f"name-{n}"} for n, c in enumerate(judged.candidates) if c is not best}
    chosen = pick(judged.candidates, 0.0, 5, True, lambda c: others.get(id(c), set()))
    assert chosen[0][0] is best


@pytest.mark.parametrize(
    ("word", "terms"),
    [("June.", ()), ("Sunday.", ()), ("June", ()), ("Lightfoot.", ("lightfoot",))],
)
def test_a_day_or_a_month_ending_a_sentence_names_no_one(word, terms):
    """A list counts who a quote names; "in June." names no one new."""
    assert _name_terms(word) == terms


def test_a_name_typed_in_lower_case_with_an_apostrophe_s_is_still_a_name(tmp_path):
    """Asked what "ogdenville's police chief" said, a quote of Springfield's police chief
    lacks a name the question asks about, whether the name is typed "Ogdenville's" or, as
    chat types it, "ogdenville's"."""
    docs = {
        "a.md": "Springfield's police chief said officers would not help with the raids.",
        "b.md": "Ogdenville held a parade on Sunday with a marching band and floats.",
        "c.md": "Ogdenville opened a new library downtown, the city announced.",
        "d.md": "A storm closed the coastal highway and crews cleared fallen trees.",
        "e.md": "The school board met on Tuesday to discuss next year's timetable.",
    }
    engine = engine_of(tmp_path, docs)
    for question in (
        "what did Ogdenville's police chief say about the raids",
        "what did ogdenville's police chief say about the raids",
        "what did ogdenville’s police chief say about the raids",
    ):
        judged = engine.judged(question)
        pairs = zip(judged.candidates, judged.rows, strict=True)
        rows = {candidate.source.id: row for candidate, row in pairs}
        assert rows["a"]["name_missing_any"] == 1.0, question


def test_a_quote_is_shown_with_the_short_sentence_that_opens_it(tmp_path):
    """A short sentence is read with the one after it; when both that pair and the longer
    sentence alone pass, the reader sees the pair ("They are cancelling trips." is part of
    what was said), even if the judge rated the sentence alone a little higher."""
    docs = {
        "a.md": "“We get calls from families who are very scared,” said Rosa Diaz of Harbor "
        "Aid. “They are cancelling trips. One family planned to move this weekend and now "
        "they are afraid to move at all.”",
        "b.md": "A storm closed the coastal highway and crews cleared fallen trees.",
        "c.md": "The school board met on Tuesday to discuss next year's timetable.",
    }
    engine = engine_of(tmp_path, docs)
    judged = engine.judged("what were scared families telling harbor aid")
    alone = next(c for c in judged.candidates if c.text.startswith("One family"))
    pair = next(c for c in judged.candidates if c.text.startswith("“They are cancelling"))
    assert pair.text.endswith("afraid to move at all.”")
    for c in judged.candidates:
        c.score = 0.0
    alone.score, pair.score = 0.5, 0.4
    chosen = pick(judged.candidates, 0.1, 5, False, lambda c: set())
    assert [group[0] for group in chosen] == [pair]


def test_quotes_saying_the_question_s_words_about_different_places_are_both_shown(tmp_path):
    """Two departments refusing in the question's own words are two answers, not one said
    twice: the second is shown before a quote that only mentions the police, although it
    shares most of its words with the first."""
    docs = {
        "a.md": "Springfield police will not help federal immigration agents make arrests, "
        "the chief said.",
        "b.md": "Shelbyville police will not help federal immigration agents make arrests, "
        "its mayor said.",
        "c.md": "Tom Park, who leads the police union, stood by the mayor at city hall on Monday.",
        "d.md": "A storm closed the coastal highway and crews cleared fallen trees.",
        "e.md": "The school board met on Tuesday to discuss next year's timetable.",
    }
    judged = engine_of(tmp_path, docs).judged(
        "will police help federal immigration agents make arrests"
    )
    for c in judged.candidates:
        c.score = {"a": 0.9, "b": 0.5, "c": 0.45}.get(c.source.id, 0.0)
    chosen = pick(judged.candidates, 0.1, 2, False, lambda c: set(), question_terms=judged.terms)
    assert [group[0].source.id for group in chosen] == ["a", "b"]
