"""Token ids kept in the store: a quote read from it has the very ids the tokeniser gives
its text, so its vector (the `dense` feature) is the same as if it were tokenised."""

import random
from pathlib import Path

import pytest

from bot.engine import judge, wordpieces
from bot.engine.answer import Engine
from bot.engine.wordpieces import WordPieces

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def splitter() -> WordPieces:
    found = wordpieces.pieces()
    if found is None:
        pytest.skip("wordllama is not installed")
    return found


def _encode(splitter: WordPieces, text: str) -> list[int]:
    return splitter._tokenizer.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize(
    ("first", "gap", "second", "joined"),
    [
        ("We refuse.", " ", "ICE will not be let in.", True),
        ("One.", "  ", "Two spaces apart.", False),
        ("A paragraph ends.", "\n\n", "Another begins.", False),
        ("Ends in a space ", " ", "then more.", False),
        ("Ends in a mark▁", " ", "then more.", False),
        ("Has <s> a special token.", " ", "Then more.", False),
        ("Émigrés said “no.”", " ", "Then 😀 more.", True),
    ],
)
def test_sentences_join_as_their_tokens_only_when_a_single_space_apart(
    splitter, first, gap, second, joined
):
    """Two sentences count as their token ids one after the other only when that is what
    the tokeniser gives the whole text; the rest are tokenised whole."""
    text = first + gap + second
    spans = [(0, len(first)), (len(first + gap), len(text))]
    assert splitter.joins(text, spans) is joined
    if joined:
        assert _encode(splitter, text) == _encode(splitter, first) + _encode(splitter, second)
    assert splitter.joins(text, [(0, len(text))])


def test_any_sentences_said_to_join_tokenise_as_one(splitter):
    """Random runs of the bundled corpus's sentences, joined by a space, two spaces, a new
    line or nothing: whenever they are said to join, the tokeniser agrees."""
    text = (ROOT / "corpus" / "cities-vow-to-resist-ice-raids.md").read_text("utf-8")
    pieces = [p for p in text.replace("\n", " ").split(". ") if p]
    rng = random.Random(7)
    agreed = 0
    for _ in range(300):
        chosen = rng.sample(pieces, rng.randint(2, 4))
        gaps = [rng.choice([" ", " ", "  ", "\n", ""]) for _ in chosen[1:]]
        whole, spans = chosen[0], [(0, len(chosen[0]))]
        for gap, piece in zip(gaps, chosen[1:], strict=True):
            whole += gap
            spans.append((len(whole), len(whole) + len(piece)))
            whole += piece
        if splitter.joins(whole, spans):
            agreed += 1
            together = [t for a, b in spans for t in _encode(splitter, whole[a:b])]
            assert _encode(splitter, whole) == together
    assert agreed > 50


def test_quotes_read_from_the_store_have_the_tokenisers_ids(splitter, monkeypatch):
    """Every eval question's candidate quotes that take their token ids from the store take
    the tokeniser's own for their text, and most quotes do."""
    engine = Engine.load(ROOT / "corpus")
    seen = [0, 0]
    described = judge._dense

    def checked(reading, found):
        stored = reading.pieces(list(range(len(found))))
        for k, candidate in enumerate(found):
            seen[0] += 1
            if k in stored:
                seen[1] += 1
                assert stored[k] == _encode(splitter, candidate.text), candidate.text
        return described(reading, found)

    monkeypatch.setattr(judge, "_dense", checked)
    for question in ("which police departments refused", "when were the raids delayed"):
        engine.ask(question)
    assert seen[1] > 0.8 * seen[0] > 0
