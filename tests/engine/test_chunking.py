"""Passages: sentence windows inside paragraphs whose offsets point at the article's text."""

from pathlib import Path

from bot.engine.chunking import make_passages, split_sentences
from bot.engine.corpus import load_corpus, parse_article

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def article(text: str):
    return parse_article(text.encode(), Path("a.md"))


def test_windows_stay_inside_paragraphs():
    """No passage mixes sentences from two paragraphs."""
    a = article("One a. Two b. Three c. Four d.\n\nFive e. Six f.\n")
    for passage in make_passages(a, window=3, stride=1):
        assert len({s.paragraph for s in passage.sentences}) == 1


def test_window_and_stride_cover_every_sentence():
    """Every sentence lands in some passage, the paragraph's tail included."""
    a = article(
        "Sentence number one. Sentence number two. Sentence number three. "
        "Sentence number four. Sentence number five.\n"
    )
    passages = make_passages(a, window=2, stride=2)
    covered = {s.start for p in passages for s in p.sentences}
    assert covered == {s.start for s in split_sentences(a)}
    assert [len(p.sentences) for p in passages] == [2, 2, 2]


def test_offsets_are_the_articles_own_text():
    """Each sentence and passage is exactly its slice of the article's text, in the real corpus."""
    for a in load_corpus(CORPUS):
        sentences = split_sentences(a)
        assert sentences
        for s in sentences:
            text = a.text[s.start : s.end]
            assert text == text.strip() and text
            p_start, p_end = a.paragraphs[s.paragraph]
            assert p_start <= s.start < s.end <= p_end
        for p in make_passages(a, sentences):
            assert p.text == a.text[p.start : p.end]
