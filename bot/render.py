"""Answers as terminal text and as JSON; the Discord embed lives with the Discord layer."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.engine.answer import Answer, Quote
from bot.engine.corpus import describe_source

if TYPE_CHECKING:  # the question log (and sqlite3) loads only where it is used
    from bot.engine.questionlog import Group, Logged

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


# -- what the question log shows ----------------------------------------------------------


def clip(text: str, limit: int) -> str:
    """`text` on one line in at most `limit` characters, cut at a word with " …"."""
    return textwrap.shorten(text, width=limit, placeholder=" …") or text[:limit]


def unanswered_line(group: Group, escape: Callable[[str], str] = str) -> str:
    """One group of questions the articles do not answer: how often, by how many members,
    the commonest wording, the question it followed, and the votes if it was answered."""
    times = "once" if group.asked == 1 else f"{group.asked} times"
    members = "1 member" if group.members == 1 else f"{group.members} members"
    line = f'{times} by {members}: "{escape(clip(group.question, 200))}"'
    if group.after:
        line += f' (following "{escape(clip(group.after, 80))}")'
    if group.unanswered < group.asked:
        line += f"; voted {group.unhelpful} not helpful, {group.helpful} helpful"
    return line


def unanswered_header(count: int, days: int, where: str) -> str:
    """The line above the groups, or the whole reply when there are none."""
    if not count:
        return (
            f"No question asked {where} in the last {days} days went unanswered "
            "or was voted unhelpful."
        )
    plural = "question" if count == 1 else "questions"
    return (
        f"{count} {plural} asked {where} in the last {days} days that I could not answer, "
        "or whose answer got more Not helpful votes than Helpful, worded-alike ones together, "
        "most asked first:"
    )


def answered_header(count: int, elsewhere: int = 0) -> str:
    """What an added article did for the question log, before the questions it answers."""
    plural = "question" if count == 1 else "questions"
    head = f"It answers {count} {plural} from the question log that had no good answer"
    if elsewhere:
        head += f" ({elsewhere} asked in other servers or in direct messages)"
    return head


def answered_line(question: Logged, escape: Callable[[str], str] = str) -> str:
    """A logged question an added article answers now, with the day it was asked."""
    day = datetime.fromtimestamp(question.asked_at, UTC).strftime("%Y-%m-%d")
    after = f' (following "{escape(clip(question.after, 80))}")' if question.after else ""
    return f'"{escape(clip(question.question, 200))}"{after}, asked {day}'
