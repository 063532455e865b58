"""Realistic synthetic corpora and questions, recombined from the real corpus with a fixed seed.

Articles are paragraphs of real sentences (so Punkt, the tokenizer and passage lengths
behave as on real news) in which some words are swapped for words from a Zipf-distributed
vocabulary grown from the real words, so a large archive has a long tail of rare terms
and idf is not degenerate. Questions are 3-8 words drawn from one generated sentence,
plus the eval set's questions.
"""

from __future__ import annotations

import json
import random
import re
from bisect import bisect
from itertools import accumulate
from pathlib import Path

from bot.engine.corpus import load_corpus
from bot.engine.text import sentence_spans, stopwords

SWAP_RATE = 0.3  # share of words of four letters or more replaced from the vocabulary
ZIPF_EXPONENT = 1.05
OUTLETS = ("Wire Service", "Daily Ledger", "Metro Times", "Capitol Report", "Evening Post")
OPENERS = ("what did", "who", "which", "why did", "how many", "when did", "what about")
_WORD = re.compile(r"\b[A-Za-z]{4,}\b")
_CONTENT = re.compile(r"\b[A-Za-z][A-Za-z'-]{2,}\b")


class Generator:
    """Makes articles and questions from the sentences and words of a real corpus folder."""

    def __init__(self, corpus: Path, seed: int = 1234, vocabulary: int = 120_000) -> None:
        self.rng = random.Random(seed)
        articles = load_corpus(corpus)
        self.sentences: list[str] = []
        self.paragraph_lengths: list[int] = []
        for article in articles:
            for start, end in article.paragraphs:
                paragraph = article.text[start:end]
                spans = sentence_spans(paragraph)
                self.paragraph_lengths.append(len(spans))
                self.sentences.extend(paragraph[a:b] for a, b in spans)
        real = sorted({w.lower() for s in self.sentences for w in _WORD.findall(s)})
        self.words = self._grow(real, vocabulary)
        ranks = range(1, len(self.words) + 1)
        self.cumulative = list(accumulate(1 / rank**ZIPF_EXPONENT for rank in ranks))
        self.paragraphs_per_article = [len(a.paragraphs) for a in articles]

    def _grow(self, real: list[str], size: int) -> list[str]:
        """Real words first (the most frequent ranks), then blends of two real words' halves."""
        words, seen = list(real), set(real)
        self.rng.shuffle(words)
        while len(words) < size:
            a, b = self.rng.sample(real, 2)
            cut_a = self.rng.randint(2, max(2, len(a) - 1))
            word = a[:cut_a] + b[self.rng.randint(1, len(b) - 2) :]
            if len(word) >= 4 and word not in seen:
                seen.add(word)
                words.append(word)
        return words

    def word(self) -> str:
        return self.words[bisect(self.cumulative, self.rng.random() * self.cumulative[-1])]

    def _swap(self, match: re.Match) -> str:
        original = match.group(0)
        if self.rng.random() >= SWAP_RATE:
            return original
        word = self.word()
        return word.capitalize() if original[0].isupper() else word

    def sentence(self) -> str:
        return _WORD.sub(self._swap, self.rng.choice(self.sentences))

    def article(self, number: int) -> str:
        """One article file's text: front matter, a headline-like title, real-looking paragraphs."""
        rng = self.rng
        paragraphs = []
        for _ in range(max(3, rng.choice(self.paragraphs_per_article) + rng.randint(-4, 4))):
            count = rng.choice(self.paragraph_lengths)
            paragraphs.append(" ".join(self.sentence() for _ in range(count)))
        title = " ".join(self.word().capitalize() for _ in range(rng.randint(4, 9)))
        date = f"20{rng.randint(18, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        head = f"---\ntitle: {title}\noutlet: {rng.choice(OUTLETS)}\ndate: {date}\n---\n\n"
        return head + "\n\n".join(paragraphs) + "\n"

    def write(self, folder: Path, count: int) -> list[Path]:
        """Write `count` article files into `folder` (created), named in order."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for number in range(count):
            path = folder / f"article-{number:05d}.md"
            path.write_text(self.article(number), "utf-8")
            paths.append(path)
        return paths

    def questions(self, folder: Path, count: int, eval_file: Path | None) -> list[str]:
        """`count` questions of 3-8 words from the articles in `folder`, then the eval set's."""
        files = sorted(folder.glob("*.md"))
        stop = stopwords()
        found: list[str] = []
        while len(found) < count:
            text = self.rng.choice(files).read_text("utf-8").split("---", 2)[2]
            spans = sentence_spans(text.replace("\n", " "))
            start, end = self.rng.choice(spans)
            words = [w for w in _CONTENT.findall(text[start:end]) if w.lower() not in stop]
            if len(words) < 2:
                continue
            opener = self.rng.choice(OPENERS)
            take = self.rng.randint(2, min(len(words), 8 - len(opener.split())))
            first = self.rng.randrange(len(words) - take + 1)
            found.append(f"{opener} {' '.join(words[first : first + take])}")
        if eval_file is not None and eval_file.is_file():
            found.extend(item["question"] for item in json.loads(eval_file.read_text("utf-8")))
        return found
