"""The mutation run's list and mechanics (scripts/mutate.py), without running the suite."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AREAS = {
    "quotes",
    "citations",
    "abstention",
    "answer-kinds",
    "moderation",
    "links",
    "store",
    "cli",
    "scoring",
    "furniture",
    "discord",
}


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules["mutate"]


# The answer path's modules: question to quotes (chat, query, retrieval, judge, compose).
ANSWER_PATH = {
    f"bot/engine/{name}.py" for name in ("answer", "chat", "compose", "judge", "query", "retrieval")
}


def test_the_list_covers_every_area_with_50_outside_the_answer_path(mutate):
    """The repository's list loads, names each slip once, spreads over every area a user
    notices, and keeps at least 50 slips that the answer path's rewrite leaves in place,
    each naming test files that exist."""
    mutations = mutate.load()
    assert {m.area for m in mutations} == AREAS
    assert sum(not m.group for m in mutations) >= 50
    for m in mutations:
        assert (ROOT / m.file).is_file(), m.name
        assert m.group in ("", "answer-path"), m.name
        assert m.group == "" or m.file in ANSWER_PATH, m.name
        for test in m.tests:
            assert (ROOT / test.split("::")[0]).is_file(), (m.name, test)


def test_a_mutation_changes_only_the_occurrence_it_names(mutate):
    """The n-th old text becomes the new one; a text not there (that often) gives None."""
    second = mutate.Mutation("m", "cli", "f.py", old="x = 1", new="x = 2", occurrence=2)
    assert second.apply("x = 1\nx = 1\nx = 1\n") == "x = 1\nx = 2\nx = 1\n"
    assert second.apply("x = 1\n") is None
    assert mutate.Mutation("m", "cli", "f.py", old="y = 1", new="y = 2").apply("x = 1") is None


def test_a_mutation_whose_text_moved_is_stale_and_changes_nothing(mutate, tmp_path):
    """A slip whose old text is no longer in its file is reported stale, without running
    anything and without touching the file."""
    (tmp_path / "bot").mkdir()
    source = tmp_path / "bot" / "render.py"
    source.write_text("def cite(quote):\n    return 'moved on'\n")
    moved = mutate.Mutation("cite-first", "citations", "bot/render.py", old="citations)", new="x")
    outcome = mutate.mutate_one(tmp_path, moved, sys.executable, whole=False)
    assert (outcome.status, outcome.by) == ("stale", "old text not found in bot/render.py")
    assert source.read_text() == "def cite(quote):\n    return 'moved on'\n"
    gone = mutate.Mutation("gone", "cli", "bot/gone.py", old="a", new="b")
    assert mutate.mutate_one(tmp_path, gone, sys.executable, whole=False).status == "stale"
    report = mutate.report([outcome], 60.0)
    assert "0 of 0 mutations caught, 1 stale; 1.0 minutes." in report
    assert "- stale: cite-first: old text not found in bot/render.py" in report


def test_a_malformed_or_repeated_entry_is_named(mutate, tmp_path):
    """A list with an unknown key or a name used twice stops with a sentence naming it."""
    entry = '[[mutation]]\nname = "a"\narea = "cli"\nfile = "f"\nold = "x"\nnew = "y"\n'
    twice = tmp_path / "twice.toml"
    twice.write_text(entry * 2)
    with pytest.raises(SystemExit, match="the name 'a' is used twice"):
        mutate.load(twice)
    odd = tmp_path / "odd.toml"
    odd.write_text(entry + 'colour = "red"\n')
    with pytest.raises(SystemExit, match="mutation 1 is malformed"):
        mutate.load(odd)
