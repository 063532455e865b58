"""The Discord renderer keeps every answer inside Discord's limits without cutting citations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.discord.render import (
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
from tests.conftest import long_articles

QUESTION = "which police departments refused the ICE raids"
# Discord's limits, as Discord documents them: facts from outside the code, so a slip in the
# renderer's own constants cannot move them.
MESSAGE_CONTENT = 2000
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048


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


def marks(quote) -> str:
    """What a reader sees after a quote: a citation mark per article that carries it."""
    return "".join(f"[{n}]" for n in quote.citations)


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
        assert block.startswith("> ") and block.endswith("… " + marks(quote))
    cited = {int(n) for n in re.findall(r"`\[(\d+)\]`", "".join(f.value for f in embed.fields))}
    assert cited == {n for q in quotes for n in q.citations}


@pytest.mark.parametrize("page", [0, 1, 2])
def test_long_answer_text_fits_a_message(long_answer: Answer, page: int) -> None:
    """Without embeds the same page fits one 2,000-character message, citations whole."""
    text = answer_text(long_answer, page)
    assert len(text) <= MESSAGE_CONTENT
    for quote in long_answer.page(page):
        assert "… " + marks(quote) in text
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
    """Every source line of the headline answer, in the embed and in plain text, names its
    article's outlet and date where the article shows them, and its title."""
    answer = bundled_engine.ask("which police departments refused")
    cited = answer.cited(answer.page(0))
    assert any(a.outlet for _, a in cited) and any(a.date for _, a in cited)
    embed = answer_embed(answer)
    assert_embed_fits(embed)
    embed_lines = "\n".join(field.value for field in embed.fields).splitlines()
    text = answer_text(answer)
    text_lines = text.partition("Sources:\n")[2].splitlines()
    for lines in (embed_lines, text_lines):
        assert [line.split(" ", 1)[0] for line in lines[: len(cited)]] == [
            f"`[{n}]`" for n, _ in cited
        ]
        for (_, article), line in zip(cited, lines, strict=False):
            shown = line.replace("\\", "")  # Discord's escapes are not shown
            for part in (article.outlet, article.date, article.title):
                assert part is None or part in shown, (part, line)


# Markdown's characters, and how Discord shows a character escaped with a backslash.
MARKDOWN = re.compile(r"(?<!\\)[*_~`|]")
ESCAPED = re.compile(r"\\([*_~`|\\\[\]>#-])")
MARKED_UP = {
    "sheriff.md": "The sheriff wrote that the raids were *not* welcome and called ICE_raids a "
    "~~plan~~ `mistake` in a post.\n",
    "a.md": "The school board met on Tuesday to discuss the budget for next year.\n",
    "b.md": "A storm closed the coastal highway and crews cleared fallen trees.\n",
    "c.md": "The county fair returns in August with rides, livestock and music.\n",
    "d.md": "Volunteers planted two hundred trees along the river trail.\n",
}


def test_a_quote_holding_markdown_reads_as_the_articles_characters(tmp_path: Path) -> None:
    """A quote with *, _, ~~ or ` is sent escaped, in the embed, in plain text and in the
    context: Discord then shows exactly the article's characters, in no italics or strike."""
    for name, text in MARKED_UP.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    answer = Engine.load(tmp_path).ask("what did the sheriff write about the raids")
    quote = answer.quotes[0]
    assert "*not*" in quote.text and "~~plan~~" in quote.text and "`mistake`" in quote.text
    for rendered in (
        answer_embed(answer).description,
        answer_text(answer),
        context_embed(answer).fields[0].value,
        context_text(answer),
    ):
        line = next(line for line in rendered.splitlines() if "The sheriff wrote" in line)
        body = line.removeprefix("> ").split(" [")[0].replace("**", "")  # the context's bold
        assert not MARKDOWN.search(body), line
        assert ESCAPED.sub(r"\1", body).strip() == quote.text
