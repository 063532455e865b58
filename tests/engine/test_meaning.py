"""Words to vectors: a word's vector is its tokens' mean, at unit length, however it is read."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from bot.engine.meaning import Vectors, plain_words

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def folder() -> Path:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("wordllama is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def test_a_word_means_the_same_whichever_question_reads_it_first(folder):
    """A word's vector is the mean of its tokens' vectors at unit length, to the bit, whether
    a question reads it alone or among the hundreds of words of its quotes."""
    text = " ".join(p.read_text("utf-8") for p in sorted((ROOT / "corpus").glob("*.md")))
    words = [*sorted(set(plain_words(text)))[:400], "x", "naïve", "raids", "raids", ""]
    batch = Vectors(folder)
    together = batch.matrix(words)
    alone = Vectors(folder)
    for word, row in zip(words, together, strict=True):
        assert np.array_equal(alone.matrix([word])[0], row), word
        ids = batch._tokenizer.encode(word, add_special_tokens=False).ids
        mean = batch._table[ids].mean(axis=0) if ids else np.zeros(len(row), np.float32)
        norm = float(np.linalg.norm(mean))
        assert np.array_equal((mean / norm if norm else mean).astype(np.float32), row), word
    lengths = np.linalg.norm(together[:-1], axis=1)
    assert np.allclose(lengths, 1.0, atol=1e-5) and len({len(r) for r in together}) == 1


def test_a_quote_reads_as_the_mean_of_its_tokens(folder):
    """A whole quote's vector is the mean of its tokens' vectors at unit length, to the bit,
    as WordLlama pools a text."""
    text = (ROOT / "corpus" / "cities-vow-to-resist-ice-raids.md").read_text("utf-8")
    quotes = [*text.split(". ")[:80], text, "", " ", "x", "trailing ", "  two  spaces "]
    quotes += ["a <s> special </s> token", "▁marks▁▁", "tab\tand\nline", "emoji 😀 and ſ İ é"]
    vectors = Vectors(folder)
    found = vectors.texts(quotes)
    for quote, row in zip(quotes, found, strict=True):
        ids = vectors._tokenizer.encode(quote, add_special_tokens=False).ids
        mean = vectors._table[ids].mean(axis=0) if ids else np.zeros(len(row), np.float32)
        norm = float(np.linalg.norm(mean))
        assert np.array_equal((mean / norm if norm else mean).astype(np.float32), row), quote


def test_a_quote_reads_the_same_when_kept_from_an_earlier_question(folder):
    """A quote's vector is the same to the bit whether it is read for the first time, kept
    from an earlier question, read twice in one question, or read among other quotes."""
    text = (ROOT / "corpus" / "cities-nationwide-refuse-to-cooperate-with-ice.md").read_text()
    quotes = [*text.split(". ")[:40], "", "x"]
    vectors = Vectors(folder)
    first = vectors.texts(quotes)
    again = vectors.texts([*quotes[::-1], quotes[0], "a quote not read before"])
    assert np.array_equal(again[: len(quotes)], first[::-1])
    assert np.array_equal(again[len(quotes)], first[0])
    alone = Vectors(folder)
    for quote, row in zip(quotes, first, strict=True):
        assert np.array_equal(alone.texts([quote])[0], row), quote


def test_quotes_read_the_same_however_their_tokens_are_gathered(folder, monkeypatch):
    """A quote's vector is the same to the bit whether its tokens' vectors are gathered into
    the buffer kept between questions, into one made for a batch too large for it, or on
    other threads at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.engine import meaning

    text = (ROOT / "corpus" / "cities-vow-to-resist-ice-raids.md").read_text("utf-8")
    quotes = [*text.split(". ")[:60], text, "x"]
    kept = Vectors(folder).texts(quotes)
    shared = Vectors(folder)
    tokens = [shared._tokens(quote) for quote in quotes]
    with ThreadPoolExecutor(4) as pool:
        for found in pool.map(lambda _: shared._unit_means(tokens), range(16)):
            assert np.array_equal(found, kept)
    monkeypatch.setattr(meaning, "SCRATCH_FLOATS", 256)
    assert np.array_equal(Vectors(folder).texts(quotes), kept)
