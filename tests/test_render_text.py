"""What the terminal shows of an answer."""

from pathlib import Path

from bot.engine.answer import Answer, Location, Quote
from bot.engine.corpus import parse_article
from bot.render import as_text


def _answer(text: str) -> Answer:
    article = parse_article(f"{text} More text follows here.".encode(), Path("la.txt"))
    location = Location(article, 0, len(text), 1)
    return Answer("q", (Quote(text, 1.0, (location,)),), (article,))


def test_a_quote_that_opens_with_a_quotation_mark_gets_no_second_pair():
    """A quote that is itself a quotation reads with its own marks, not wrapped twice."""
    shown = as_text(_answer("“No Angeleno should live in fear,” Garcetti said."))
    assert "1. “No Angeleno should live in fear,” Garcetti said. [1]" in shown
    assert '"“' not in shown


def test_a_plain_quote_is_shown_in_quotation_marks():
    """A quote in the reporter's words is shown between quotation marks."""
    shown = as_text(_answer("The police said they would not take part."))
    assert '1. "The police said they would not take part." [1]' in shown
