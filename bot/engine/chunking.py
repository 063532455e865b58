"""Articles to sentences and passages: sentence windows inside paragraphs, with offsets.

Every `Sentence` and `Passage` keeps character offsets into its article's text (the file
as read), so whatever is quoted from it is the article's own text, character for character.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.corpus import Article, CorpusError
from bot.engine.text import sentence_spans, tokenize

# Chosen by `python -m bot eval --sweep` (docs/evaluation.md): three-sentence windows
# that step one sentence at a time keep a quote's context without diluting BM25.
WINDOW = 3
STRIDE = 1


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article: where it is and its index terms."""

    paragraph: int
    start: int
    end: int
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Passage:
    """A window of consecutive sentences from one paragraph: the unit BM25 ranks."""

    article: Article
    sentences: tuple[Sentence, ...]

    @property
    def start(self) -> int:
        return self.sentences[0].start

    @property
    def end(self) -> int:
        return self.sentences[-1].end

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]

    @property
    def terms(self) -> list[str]:
        return [term for sentence in self.sentences for term in sentence.terms]


def split_sentences(article: Article) -> list[Sentence]:
    """The article's sentences, paragraph by paragraph, each with its index terms."""
    sentences = []
    for number, (p_start, p_end) in enumerate(article.paragraphs):
        paragraph = article.text[p_start:p_end]
        for start, end in sentence_spans(paragraph):
            text = paragraph[start:end]
            sentences.append(
                Sentence(number, p_start + start, p_start + end, tuple(tokenize(text)))
            )
    return sentences


def sentences_and_passages(article: Article) -> tuple[list[Sentence], list[Passage]]:
    """The article's sentences and passages, or CorpusError naming its file when it has
    no word to search or nltk gives up on it (its regular expressions run under a time limit).
    """
    try:
        sentences = split_sentences(article)
    except TimeoutError:
        problem = "could not be split into sentences in reasonable time"
        raise CorpusError([(article.path.name, problem)]) from None
    passages = make_passages(article, sentences)
    if not passages:
        raise CorpusError([(article.path.name, "has no words I can search")])
    return sentences, passages


def make_passages(
    article: Article,
    sentences: list[Sentence] | None = None,
    window: int = WINDOW,
    stride: int = STRIDE,
) -> list[Passage]:
    """Windows of `window` sentences stepping `stride`, never crossing a paragraph break."""
    if window < 1 or stride < 1:
        raise ValueError("window and stride must be at least 1")
    if sentences is None:
        sentences = split_sentences(article)
    by_paragraph: dict[int, list[Sentence]] = {}
    for sentence in sentences:
        by_paragraph.setdefault(sentence.paragraph, []).append(sentence)
    passages = []
    for group in by_paragraph.values():
        last_start = max(len(group) - window, 0)
        starts = list(range(0, last_start + 1, stride))
        if starts[-1] != last_start:
            starts.append(last_start)  # the paragraph's tail is always covered
        for first in starts:
            chunk = tuple(group[first : first + window])
            if any(s.terms for s in chunk):
                passages.append(Passage(article, chunk))
    return passages
