"""Scoring answers against a question file in the format of `eval/questions.json`.

The rules are those of the shared eval README: only quotes count, cut to five quotes
and 1,800 characters; matching ignores case, runs of white space and the difference
between curly and straight quotation marks.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engine.answer import Answer, Engine, Location, Quote
from bot.engine.corpus import Article
from bot.engine.text import fold as fold_typography
from bot.engine.text import stem

MAX_QUOTES = 5
MAX_QUOTE_CHARS = 1800
KINDS = ("fact", "list", "none")


@dataclass(frozen=True)
class Verdict:
    """How one question fared."""

    id: str
    kind: str
    passed: bool
    detail: str


def fold(text: str) -> str:
    """Text as the eval compares it: lower case, single spaces, straight quotes."""
    return re.sub(r"\s+", " ", fold_typography(text)).strip().lower()


def load_questions(path: Path) -> list[dict]:
    """The questions in an eval file; ValueError with one sentence if it is malformed."""
    try:
        questions = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a readable JSON question file ({error}).") from None
    if not isinstance(questions, list):
        raise ValueError(f"{path} must hold a JSON list of questions.")
    for number, q in enumerate(questions, 1):
        if not isinstance(q, dict) or q.get("kind") not in KINDS or not q.get("question"):
            raise ValueError(
                f"{path}: question {number} needs a 'question' and a 'kind' in {KINDS}."
            )
        if "after" in q and not (isinstance(q["after"], str) and q["after"].strip()):
            raise ValueError(
                f"{path}: question {number}'s 'after' must be the earlier question's text."
            )
    return questions


def quoted_text(answer: Answer) -> str:
    """The quote text the eval sees: at most five quotes and 1,800 characters."""
    text = " ".join(quote.text for quote in answer.quotes[:MAX_QUOTES])
    return fold(text[:MAX_QUOTE_CHARS])


def judge(question: dict, answer: Answer) -> Verdict:
    """Pass or fail one answer by the rules of its question's kind."""
    quoted = quoted_text(answer)
    qid, kind = question.get("id", question["question"]), question["kind"]
    if kind == "none":
        passed = not answer.quotes
        return Verdict(qid, kind, passed, "abstained" if passed else "quoted something")
    if kind == "fact":
        passed = any(fold(e) in quoted for e in question["evidence"])
        return Verdict(qid, kind, passed, "evidence quoted" if passed else "no evidence quoted")
    found = [
        name
        for name, aliases in question["entities"].items()
        if any(fold(alias) in quoted for alias in aliases)
    ]
    need = question.get("min_entities", 1)
    return Verdict(
        qid, kind, len(found) >= need, f"{len(found)}/{need} entities: {', '.join(found)}"
    )


def evaluate(engine: Engine | Bm25sBaseline, questions: list[dict]) -> list[Verdict]:
    """A verdict for every question (from our engine, or from the bm25s baseline); a
    question with `after` is asked as a follow-up to that earlier question."""
    return [judge(q, ask(engine, q)) for q in questions]


def ask(engine: Engine | Bm25sBaseline, question: dict) -> Answer:
    """The answer to one eval question, as a follow-up when it has `after`."""
    after = question.get("after")
    if after:
        return engine.ask(question["question"], after=after)
    return engine.ask(question["question"])


def kind_totals(verdicts: list[Verdict]) -> dict[str, tuple[int, int]]:
    """(passed, asked) per kind, in the order fact, list, none."""
    return {
        kind: (
            sum(v.passed for v in verdicts if v.kind == kind),
            sum(v.kind == kind for v in verdicts),
        )
        for kind in KINDS
        if any(v.kind == kind for v in verdicts)
    }


class Bm25sBaseline:
    """The comparison row: bm25s over the same articles' paragraphs, English stopwords and
    Snowball stems, answering with its top paragraphs and never abstaining. Needs bm25s
    (the dev and bench installs have it); only the eval imports this."""

    def __init__(self, articles: Sequence[Article], top: int = MAX_QUOTES) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        self._bm25s, self.top = bm25s, top
        self.paragraphs = [(a, s, e) for a in articles for s, e in a.paragraphs]
        self.retriever = bm25s.BM25()
        tokens = self._tokenize([a.span_text(s, e) for a, s, e in self.paragraphs])
        self.retriever.index(tokens, show_progress=False)

    def _tokenize(self, texts: list[str]):
        return self._bm25s.tokenize(
            [fold_typography(t) for t in texts],
            stopwords="en",
            stemmer=lambda words: [stem(w) for w in words],
            show_progress=False,
        )

    def ask(self, question: str, after: str | None = None) -> Answer:
        """Its top paragraphs for the question (a follow-up: with the one it follows)."""
        if after:
            question = f"{after} {question}"
        k = min(self.top, len(self.paragraphs))
        ids, scores = self.retriever.retrieve(self._tokenize([question]), k=k, show_progress=False)
        quotes = []
        for number, score in zip(ids[0].tolist(), scores[0].tolist(), strict=True):
            if score <= 0:
                continue
            article, start, end = self.paragraphs[number]
            location = Location(article, start, end, len(quotes) + 1)
            quotes.append(Quote(article.span_text(start, end), float(score), (location,)))
        return Answer(question, tuple(quotes), tuple(q.locations[0].article for q in quotes))


def sweep(
    folder: Path, question_sets: dict[str, list[dict]], settings: list[dict[str, float]]
) -> list[dict[str, int]]:
    """Passes per question set for each setting of window, stride, k1 and b.

    A setting names any of them; the rest keep the project's values.
    """
    from bot.engine.chunking import STRIDE, WINDOW, make_passages, split_sentences
    from bot.engine.corpus import load_corpus

    articles = load_corpus(folder)
    sentences = {a.id: split_sentences(a) for a in articles}
    rows = []
    for setting in settings:
        window, stride = int(setting.get("window", WINDOW)), int(setting.get("stride", STRIDE))
        passages = [p for a in articles for p in make_passages(a, sentences[a.id], window, stride)]
        bm25 = {key: setting[key] for key in ("k1", "b") if key in setting}
        engine = Engine(articles, passages, **bm25)
        rows.append(
            {
                name: sum(v.passed for v in evaluate(engine, questions))
                for name, questions in question_sets.items()
            }
        )
    return rows
