"""Answers as terminal text and as JSON; the Discord embed lives with the Discord layer."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.engine.answer import Answer, Quote
from bot.engine.corpus import describe_source

NOTHING_FOUND = "I found nothing relevant to that in the articles I have."


def cite(quote: Quote) -> str:
    """The quote's citation marks, such as "[1][3]"."""
    return "".join(f"[{n}]" for n in quote.citations)


_OPENING_MARKS = "\"“‘'«„"


def quoted(text: str) -> str:
    """The quote in quotation marks, unless it opens with its own: `"No Angeleno should`
    reads as it is, not as `""No Angeleno should`."""
    return text if text.startswith(tuple(_OPENING_MARKS)) else f'"{text}"'


def as_text(answer: Answer, quotes: Sequence[Quote] | None = None) -> str:
    """The answer for a terminal: numbered quotes, then the numbered sources they cite."""
    quotes = answer.page(0) if quotes is None else quotes
    if not quotes:
        return NOTHING_FOUND
    lines = [f"{i}. {quoted(quote.text)} {cite(quote)}" for i, quote in enumerate(quotes, 1)]
    lines += ["", "Sources:"]
    for number, article in answer.cited(quotes):
        line = f"[{number}] {describe_source(article)}"
        lines.append(f"{line} <{article.url}>" if article.url else line)
    return "\n".join(lines)


def as_json(answer: Answer, quotes: Sequence[Quote] | None = None) -> str:
    """The answer as JSON; `start`/`end` locate `text` in the first source's file text (as read,
    runs of white space there shown as one space in `text`)."""
    quotes = answer.page(0) if quotes is None else quotes
    payload = {
        "question": answer.question,
        "answered": bool(quotes),
        "quotes": [
            {
                "text": quote.text,
                "start": quote.locations[0].start,
                "end": quote.locations[0].end,
                "score": quote.score,
                "sources": [
                    {
                        "id": location.citation,
                        "article": location.article.id,
                        "path": str(location.article.path),
                        "title": location.article.title,
                        "outlet": location.article.outlet,
                        "date": location.article.date,
                        "url": location.article.url,
                        "start": location.start,
                        "end": location.end,
                    }
                    for location in quote.locations
                ],
            }
            for quote in quotes
        ],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)
