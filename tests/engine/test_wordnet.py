"""General English word knowledge from the bundled WordNet table."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.engine import wordnet
from bot.engine.wordnet import WordNetTableError, base_forms, related

ROOT = Path(__file__).resolve().parents[2]


def load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_wordnet", ROOT / "scripts" / "build_wordnet.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fresh_table():
    """Forget the cached table before and after, so a test may point at another file."""
    for cached in (wordnet.table, wordnet.base_forms, wordnet.related):
        cached.cache_clear()
    yield
    for cached in (wordnet.table, wordnet.base_forms, wordnet.related):
        cached.cache_clear()


def test_everyday_paraphrases_are_related():
    """A question saying "delay" also finds "postpone", "phone" finds "call"."""
    assert "postpone" in related("delay")
    assert "call" in related("phone")
    assert {"reject", "turn down", "decline"} <= set(related("refuse"))
    assert "pursue" in related("go after")
    assert {"disclose", "reveal"} <= set(related("leak"))


def test_inflected_words_and_phrasal_verbs_find_their_base_form():
    """ "delayed", "pushed back", "went after" and "families" read as their base forms."""
    assert base_forms("delayed") == ("delay",)
    assert "postpone" in related("delayed")
    assert related("pushed back") == related("push back") != ()
    assert base_forms("went after") == ("go after",)
    assert base_forms("kicked out") == ("kick out",)
    assert "expel" in related("kicked out")
    assert base_forms("families") == ("family",)
    assert base_forms("scared")[0] == "scare"  # not "scar"


def test_case_and_spacing_do_not_matter():
    """ "Pushed  Back" and "pushed back" are the same question words."""
    assert related("Pushed  Back") == related("pushed back")


def test_unknown_words_and_stopwords_have_no_related_words():
    """A made-up word, a stopword and an empty string expand to nothing."""
    assert related("flurbiglot") == ()
    assert base_forms("flurbiglot") == ()
    assert related("the") == ()
    assert related("") == ()


def test_rare_senses_and_names_are_left_out():
    """ "family" does not search for "house", "postpone" not for "table", "us" not for "US"."""
    assert not {"house", "home"} & set(related("family"))
    assert "table" not in related("postpone")
    assert "move" not in related("expel")  # too general a hypernym
    assert related("us") == ()
    assert all(word == word.lower() for word in related("city"))


def test_the_table_loads_without_nltk_or_its_data(tmp_path):
    """With no nltk data anywhere the table still answers, and nltk is never imported."""
    code = (
        "import sys; from bot.engine.wordnet import related; "
        "assert 'postpone' in related('delayed'); assert 'nltk' not in sys.modules"
    )
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_missing_table_is_a_clear_error(fresh_table, monkeypatch):
    """Without the table file the error names it and says how to get it back."""
    monkeypatch.setattr(wordnet, "TABLE", "data/no-such-table.tsv")
    with pytest.raises(WordNetTableError, match="restore it from git"):
        related("delay")


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("plaintiff", True),
        ("parole", True),
        ("hondurans", True),  # a noun's plural, of a proper noun
        ("torched", True),  # a verb's past
        ("canned", True),  # of "can", which the related-words table leaves out
        ("brooklyn", True),
        ("polise", False),
        ("goverment", False),
        ("neighborhod", False),
    ],
)
def test_the_lexicon_knows_english_words_and_their_forms_but_not_typos(word, known):
    assert wordnet.is_word(word) is known


def test_a_missing_lexicon_is_a_clear_error(monkeypatch):
    """Without the lexicon file the error names it and says how to get it back."""
    monkeypatch.setattr(wordnet, "LEXICON", "data/no-such-lexicon.txt")
    wordnet.lexicon.cache_clear()
    try:
        with pytest.raises(WordNetTableError, match="restore it from git"):
            wordnet.lexicon()
    finally:
        monkeypatch.undo()
        wordnet.lexicon.cache_clear()


def test_the_builder_relates_only_senses_common_to_both_words():
    """The generator's policy: a word's rare sense, or a too general verb, relates nothing."""
    builder = load_builder()
    graph = builder.Graph(
        senses={
            "delay": [("delay.v.01", 8), ("stay.v.06", 1)],
            "postpone": [("postpone.v.01", 12)],
            "stay": [("stay.v.01", 43), ("stay.v.06", 3)],
            "expel": [("expel.v.01", 3)],
            "move": [("move.v.02", 50)],
            "prorogue": [("postpone.v.01", 0)],
        },
        members={
            "delay.v.01": [("delay", 8)],
            "stay.v.06": [("stay", 3), ("delay", 1)],
            "postpone.v.01": [("postpone", 12), ("prorogue", 0)],
            "stay.v.01": [("stay", 43)],
            "expel.v.01": [("expel", 3)],
            "move.v.02": [("move", 50)],
        },
        general={"postpone.v.01": ["delay.v.01"], "expel.v.01": ["move.v.02"]},
        fanout={"delay.v.01": 4, "move.v.02": 92},
        similar={},
        parts=dict.fromkeys(["delay", "postpone", "stay", "expel", "move", "prorogue"], "v"),
    )
    table = builder.relate(graph, frozenset())
    assert table["delay"] == ["postpone"]  # not "stay": a rare sense of "delay" and "stay"
    assert table["postpone"] == ["prorogue", "delay"]  # same sense first
    assert "expel" not in table and "move" not in table
