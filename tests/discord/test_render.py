"""The Discord renderer keeps every answer inside Discord's limits without cutting citations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.discord.render import (
    EMBED_DESCRIPTION,
    EMBED_FIELD_NAME,
    EMBED_FIELD_VALUE,
    EMBED_FOOTER,
    EMBED_TITLE,
    EMBED_TOTAL,
    MESSAGE_CONTENT,
    answer_embed,
    answer_text,
    context_embed,
    context_text,
    fit_lines,
    shorten,
    sources_embed,
    sources_text,
)
from bot.engine.answer import Answer, Engine
from bot.render import cite
from tests.conftest import long_articles

QUESTION = "which police departments refused the ICE raids"


@pytest.fixture(scope="module")
def long_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder: Path = tmp_path_factory.mktemp("long")
    for name, text in long_articles().items():
        (folder / name).write_text(text, encoding="utf-8")
    return Engine.load(folder)


@pytest.fixture(scope="module")
def long_answer(long_engine: Engine) -> Answer:
    answer = long_engine.ask(QUESTION)
    assert len(answer.quotes) == 15 and all(len(q.text) > 4000 for q in answer.quotes)
    return answer


def assert_embed_fits(embed) -> None:
    assert len(embed) <= EMBED_TOTAL
    assert len(embed.title or "") <= EMBED_TITLE
    assert len(embed.description or "") <= EMBED_DESCRIPTION
    assert len(embed.footer.text or "") <= EMBED_FOOTER
    for field in embed.fields:
        assert len(field.name) <= EMBED_FIELD_NAME
        assert 0 < len(field.value) <= EMBED_FIELD_VALUE


def test_shorten_prefers_a_sentence_boundary() -> None:
    """A long text is cut after its last whole sentence that fits, with an ellipsis."""
    text = "The first sentence is here. The second one is much longer than the limit allows."
    assert shorten(text, 40) == "The first sentence is here. …"


def test_shorten_falls_back_to_a_word_boundary() -> None:
    """Without a sentence end in reach, the cut falls between words, never inside one."""
    text = "one two three four five six seven eight nine ten"
    cut = shorten(text, 20)
    assert cut == "one two three four…" and len(cut) <= 20


def test_fit_lines_counts_what_it_leaves_out() -> None:
    """A list too long for a message ends with how many lines were left out."""
    text = fit_lines([f"line {n} " + "x" * 50 for n in range(100)], 500, "… and {n} more")
    assert len(text) <= 500 and text.endswith("more")
    shown = text.count("\n")
    assert text.endswith(f"… and {100 - shown} more")


@pytest.mark.parametrize("page", [0, 1, 2])
def test_long_answer_embed_fits_every_limit(long_answer: Answer, page: int) -> None:
    """Answers quoting huge paragraphs still fit an embed, every quote keeping its citation."""
    embed = answer_embed(long_answer, page)
    assert_embed_fits(embed)
    blocks = embed.description.split("\n\n")
    quotes = long_answer.page(page)
    assert len(blocks) == len(quotes)
    for block, quote in zip(blocks, quotes, strict=True):
        assert block.startswith("> ") and block.endswith("… " + cite(quote))
    cited = {int(n) for n in re.findall(r"`\[(\d+)\]`", "".join(f.value for f in embed.fields))}
    assert cited == {n for q in quotes for n in q.citations}


@pytest.mark.parametrize("page", [0, 1, 2])
def test_long_answer_text_fits_a_message(long_answer: Answer, page: int) -> None:
    """Without embeds the same page fits one 2,000-character message, citations whole."""
    text = answer_text(long_answer, page)
    assert len(text) <= MESSAGE_CONTENT
    for quote in long_answer.page(page):
        assert "… " + cite(quote) in text
    assert "Sources:" in text and "<https://example.com/news/" in text


@pytest.mark.parametrize("page", [0, 2])
def test_long_context_fits(long_answer: Answer, page: int) -> None:
    """The context of huge paragraphs fits an embed and a plain message."""
    assert_embed_fits(context_embed(long_answer, page))
    assert len(context_text(long_answer, page)) <= MESSAGE_CONTENT


def test_long_question_title_is_cut(long_engine: Engine) -> None:
    """A question longer than an embed title is shortened at a word, not dropped."""
    question = "which police departments refused the ICE raids " * 6
    embed = answer_embed(long_engine.ask(question.strip()))
    assert len(embed.title) <= EMBED_TITLE and embed.title.endswith("…")


def test_sources_list_fits(long_engine: Engine) -> None:
    """The article list fits an embed and a message, each article numbered."""
    counts = long_engine.passage_counts()
    embed = sources_embed(long_engine.articles * 40, counts)
    assert_embed_fits(embed)
    assert embed.description.endswith("more articles")
    text = sources_text(long_engine.articles, counts)
    assert len(text) <= MESSAGE_CONTENT and "**6.**" in text


def test_sources_list_with_many_files_left_out_still_fits(long_engine: Engine) -> None:
    """Files left out are named after the list, and embed and message stay inside the limits."""
    counts = long_engine.passage_counts()
    skipped = [(f"bad-{n}_{'x' * 80}.md", "has no words I can search") for n in range(60)]
    embed = sources_embed(long_engine.articles * 40, counts, skipped)
    assert_embed_fits(embed)
    assert embed.fields[0].value.startswith(r"- bad-0\_") and "more" in embed.fields[0].value
    text = sources_text(long_engine.articles * 40, counts, skipped)
    assert len(text) <= MESSAGE_CONTENT and "**Not loaded (listed for moderators):**" in text
    assert "- bad-0" in text and "**1.**" in text


def test_headline_answer_lists_sources_with_outlet_and_date(bundled_engine: Engine) -> None:
    """The headline answer cites its sources by outlet, date and title."""
    answer = bundled_engine.ask("which police departments refused")
    embed = answer_embed(answer)
    assert_embed_fits(embed)
    value = embed.fields[0].value
    assert value.startswith("`[1]`")
    assert "WTOP" in value or "2019-06-22" in value
