"""Fuzzed questions: the engine never crashes and every quote is its article's own text."""

import random
from pathlib import Path

import pytest

from bot.engine.answer import Engine, QuestionError

ROOT = Path(__file__).resolve().parents[2]
PIECES = [
    "who",
    "what",
    "which",
    "how many",
    "how long",
    "when",
    "where",
    "why",
    "did",
    "the",
    "ICE",
    "raids",
    "mayor",
    "Atlanta's",
    "police",
    "@everyone",
    "<@123>",
    "```",
    "**",
    "“curly”",
    "don’t",
    "—",
    "...",
    "?",
    "!",
    "Zanzibar",
    "2,000",
    "D.C.",
    "U.S.",
    "😀",
    "\u200b",
    "\u00a0",
    "\t",
    "\n",
    "'",
    '"',
    "(",
    ")",
    "#tag",
    "https://example.org/x",
    "say",
    "tell",
    "pushed back",
    "go after",
    "a" * 40,
    "raids raids raids",
    "ß",
    "İ",
    "ǅ",
]


def questions(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        size = rng.choice([0, 1, 2, 3, 5, 8, 20, 200])
        made.append(" ".join(rng.choice(PIECES) for _ in range(size)))
    return made


@pytest.fixture(scope="module")
def engines() -> list[Engine]:
    return [Engine.load(ROOT / "corpus"), Engine.load(ROOT / "eval" / "dev" / "corpus")]


@pytest.mark.parametrize("seed", range(6))
def test_fuzzed_questions_get_verbatim_quotes_or_a_sentence(engines, seed):
    """Any question is answered with quotes found word for word in their files, or refused
    with a QuestionError; nothing else is raised."""
    for engine in engines:
        files = {
            a.id: " ".join(a.path.read_text(encoding="utf-8-sig").split()) for a in engine.articles
        }
        for question in questions(seed, 250):
            try:
                answer = engine.ask(question)
            except QuestionError:
                continue
            for quote in answer.quotes:
                assert quote.text and quote.text == " ".join(quote.text.split())
                for location in quote.locations:
                    assert quote.text in files[location.article.id]
