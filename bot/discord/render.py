"""Answers as Discord embeds or plain messages, always inside Discord's size limits.

Pure functions: they take engine objects and return `discord.Embed`s or strings,
so every limit is unit-testable without a bot. Text is cut at a sentence or word
boundary with an ellipsis; citation marks and links are never cut.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord
from discord.utils import escape_markdown

from bot.engine.answer import DEFAULT_QUOTES, Answer, Quote
from bot.engine.corpus import Article, describe_source
from bot.render import cite

MESSAGE_CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FIELDS = 25
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
ELLIPSIS = "…"
COLOUR = discord.Colour.blurple()

_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s)")
_QUOTE_GAP = "\n\n"
_MIN_QUOTE = 80  # characters a shortened quote keeps at the least


# -- cutting text ----------------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a sentence or word boundary, with "…"."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    budget = limit - 2  # room for " …"
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, budget + 1)]
    if sentence_ends and sentence_ends[-1] >= budget // 2:
        return text[: sentence_ends[-1]] + " " + ELLIPSIS
    window = text[: limit - len(ELLIPSIS) + 1]
    space = max(window.rfind(" "), window.rfind("\n"))
    if space > 0:
        return window[:space].rstrip(" ,;:-\n") + ELLIPSIS
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


def _shorten_left(text: str, limit: int) -> str:
    """The end of `text` in at most `limit` characters, cut at a word boundary with "…"."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ""
    window = text[len(text) - (limit - len(ELLIPSIS)) :]
    space = window.find(" ")
    if 0 <= space < len(window) - 1:
        window = window[space + 1 :]
    return ELLIPSIS + window


def fit_lines(lines: Sequence[str], limit: int, more: str = "… and {n} more") -> str:
    """Join `lines` with newlines in `limit` characters; the lines that do not fit are counted."""
    shown: list[str] = []
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        reserve = len(more.format(n=rest)) + 1 if rest else 0
        if len("\n".join([*shown, line])) + reserve <= limit:
            shown.append(line)
        elif not shown:
            shown.append(shorten(line, limit - reserve))
        else:
            shown.append(more.format(n=len(lines) - index))
            break
    return "\n".join(shown)


# -- the pieces of an answer ------------------------------------------------------------


def quote_block(quote: Quote, limit: int) -> str:
    """A quote as a Discord block quote ending in its citation marks, in `limit` characters."""
    marks = " " + cite(quote)
    body = escape_markdown(quote.text)
    lines = body.count("\n") + 1
    budget = max(limit - len(marks) - 2 * lines, 1)
    body = shorten(body, budget)
    return "> " + body.replace("\n", "\n> ") + marks


def source_line(number: int, article: Article, links: bool, title_limit: int = 200) -> str:
    """`[n] Outlet, date, title` with the article's link (masked in embeds, bare in text)."""
    parts = [part for part in (article.outlet, article.date) if part]
    title = article.title if article.title != article.id else article.id
    title = shorten(title, title_limit)
    if article.url and links:
        url = article.url.replace("(", "%28").replace(")", "%29")
        label = escape_markdown(title).replace("]", "\\]").replace("[", "\\[")
        shown = f"[{label}]({url})"
    else:
        shown = escape_markdown(f'"{title}"' if article.title != article.id else title)
        if article.url:
            shown += f" <{article.url}>"
    parts = [escape_markdown(p) for p in parts]
    return f"`[{number}]` " + ", ".join([*parts, shown])


def _source_lines(
    answer: Answer, quotes: Sequence[Quote], links: bool, allowance: int
) -> list[str]:
    """The cited sources' lines, titles shortened until they fit `allowance` characters."""
    cited = answer.cited(quotes)
    lines: list[str] = []
    for title_limit in (200, 80, 30):
        lines = [source_line(n, a, links, title_limit) for n, a in cited]
        if sum(len(line) + 1 for line in lines) <= allowance:
            return lines
    return [source_line(n, a, False, 30)[:EMBED_FIELD_VALUE] for n, a in cited]


def _share(quotes: Sequence[Quote], budget: int) -> list[int]:
    """Characters each quote may use so that together they fit `budget`; short ones donate."""
    need = [len(quote_block(q, 10**6)) for q in quotes]
    limits = [0] * len(quotes)
    remaining = budget - len(_QUOTE_GAP) * max(len(quotes) - 1, 0)
    order = sorted(range(len(quotes)), key=lambda i: need[i])
    for position, i in enumerate(order):
        fair = remaining // (len(order) - position)
        limits[i] = min(need[i], fair)
        remaining -= limits[i]
    return limits


def _quotes_text(quotes: Sequence[Quote], budget: int) -> str:
    blocks = [
        quote_block(q, max(limit, _MIN_QUOTE))
        for q, limit in zip(quotes, _share(quotes, budget), strict=True)
    ]
    text = _QUOTE_GAP.join(blocks)
    while len(text) > budget and len(blocks) > 1:  # only when the budget is tiny
        blocks.pop()
        text = _QUOTE_GAP.join(blocks)
    return text if len(text) <= budget else shorten(text, budget)


def page_count(answer: Answer, size: int = DEFAULT_QUOTES) -> int:
    """How many pages of `size` quotes the answer has."""
    return max(1, -(-len(answer.quotes) // size))


def _page_note(answer: Answer, page: int, size: int) -> str:
    start = page * size + 1
    end = min((page + 1) * size, len(answer.quotes))
    span = f"Quote {start}" if start == end else f"Quotes {start}–{end}"
    return f"{span} of {len(answer.quotes)} · verbatim from the articles; [n] cites source n"


# -- whole answers ----------------------------------------------------------------------


def following(earlier: str) -> str:
    """The line that says which question a follow-up's answer follows."""
    return f"Following up “{earlier}”"


def answer_embed(
    answer: Answer,
    page: int = 0,
    size: int = DEFAULT_QUOTES,
    note: str | None = None,
    follows: str | None = None,
) -> discord.Embed:
    """One page of the answer as an embed: block quotes, then the numbered sources; a
    follow-up's names the question it follows above its title."""
    quotes = answer.page(page, size)
    title = shorten(answer.question, EMBED_TITLE)
    footer = shorten(note or _page_note(answer, page, size), EMBED_FOOTER)
    author = shorten(following(follows), EMBED_AUTHOR) if follows else ""
    fixed = len(title) + len(footer) + len(author) + 2 * len("Sources (continued)")
    source_allowance = (EMBED_TOTAL - fixed) // 2
    lines = _source_lines(answer, quotes, links=True, allowance=source_allowance)
    fields = _pack_fields(lines)
    fields_size = sum(len(name) + len(value) for name, value in fields)
    budget = min(
        EMBED_DESCRIPTION, EMBED_TOTAL - len(title) - len(footer) - len(author) - fields_size
    )
    embed = discord.Embed(title=title, description=_quotes_text(quotes, budget), colour=COLOUR)
    if author:
        embed.set_author(name=author)
    for name, value in fields:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=footer)
    return embed


def _pack_fields(lines: Sequence[str]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    current: list[str] = []
    for line in lines:
        line = shorten(line, EMBED_FIELD_VALUE)
        if current and len("\n".join([*current, line])) > EMBED_FIELD_VALUE:
            fields.append(("Sources" if not fields else "Sources (continued)", "\n".join(current)))
            current = []
        current.append(line)
    if current:
        fields.append(("Sources" if not fields else "Sources (continued)", "\n".join(current)))
    return fields[:EMBED_FIELDS]


def answer_text(
    answer: Answer,
    page: int = 0,
    size: int = DEFAULT_QUOTES,
    note: str | None = None,
    follows: str | None = None,
    said: str | None = None,
) -> str:
    """One page of the answer as a plain message of at most 2,000 characters; a follow-up's
    names the question it follows, and `said` (a sentence about the question) comes first."""
    quotes = answer.page(page, size)
    header = "**" + shorten(escape_markdown(answer.question), 200) + "**"
    if follows:
        header = "-# " + shorten(escape_markdown(following(follows)), 200) + "\n" + header
    if said:
        header = shorten(said, 300) + "\n" + header
    footer = "-# " + shorten(note or _page_note(answer, page, size), 200)
    lines = _source_lines(answer, quotes, links=False, allowance=MESSAGE_CONTENT // 2)
    sources = "Sources:\n" + fit_lines(lines, MESSAGE_CONTENT // 2)
    budget = MESSAGE_CONTENT - len(header) - len(sources) - len(footer) - 3 * len(_QUOTE_GAP)
    parts = [header, _quotes_text(quotes, budget), sources, footer]
    return _QUOTE_GAP.join(parts)[:MESSAGE_CONTENT]


def shown_question(message: discord.Message) -> str | None:
    """The question an answer of ours shows (its embed's title, or the plain text's bold
    first line), or None for any other message."""
    for embed in message.embeds:
        if embed.title and not embed.title.startswith("Context: "):
            return embed.title
    for line in message.content.splitlines():
        if len(line) > 4 and line.startswith("**") and line.endswith("**"):
            return re.sub(r"\\(.)", r"\1", line[2:-2])  # markdown escapes undone
    return None


# -- context around quotes ----------------------------------------------------------------


def quote_context(quote: Quote, limit: int) -> str:
    """The paragraph(s) around a quote, the quote in bold, cut around it to `limit` chars."""
    location = quote.locations[0]
    article = location.article
    start = article.paragraph_at(location.start)[0]
    end = article.paragraph_at(max(location.end - 1, location.start))[1]
    before = escape_markdown(_spaced(article.text[start : location.start]))
    words = escape_markdown(article.span_text(location.start, location.end))
    after = escape_markdown(_spaced(article.text[location.end : end]))
    room = limit - 4  # the bold marks
    words = shorten(words, max(room * 3 // 5, room - len(before) - len(after)))
    room -= len(words)
    before_limit = max(room // 2, room - len(after))
    before = _shorten_left(before, before_limit)
    after = shorten(after, room - len(before)) if room - len(before) > 0 else ""
    return f"{before}**{words.strip()}**{after}" if words.strip() else before + after


def _spaced(text: str) -> str:
    """Runs of white space as one space, keeping a space at either edge (words stay apart)."""
    return re.sub(r"\s+", " ", text)


def _context_heading(number: int, quote: Quote) -> str:
    location = quote.locations[0]
    return f"Quote {number} · [{location.citation}] {describe_source(location.article)}"


def context_embed(answer: Answer, page: int = 0, size: int = DEFAULT_QUOTES) -> discord.Embed:
    """The paragraph around each quote on a page, one field per quote."""
    quotes = answer.page(page, size)
    title = shorten("Context: " + answer.question, EMBED_TITLE)
    footer = "The quote is in bold; the text around it is from the same article."
    first = page * size + 1
    names = [
        shorten(_context_heading(first + i, q), EMBED_FIELD_NAME) for i, q in enumerate(quotes)
    ]
    room = EMBED_TOTAL - len(title) - len(footer) - sum(len(n) for n in names)
    each = min(EMBED_FIELD_VALUE, room // max(len(quotes), 1))
    embed = discord.Embed(title=title, colour=COLOUR)
    for name, quote in zip(names, quotes, strict=True):
        embed.add_field(name=name, value=quote_context(quote, each) or ELLIPSIS, inline=False)
    embed.set_footer(text=footer)
    return embed


def context_text(answer: Answer, page: int = 0, size: int = DEFAULT_QUOTES) -> str:
    """The paragraph around each quote on a page, as a plain message of at most 2,000 characters."""
    quotes = answer.page(page, size)
    first = page * size + 1
    headings = [
        "**" + shorten(escape_markdown(_context_heading(first + i, q)), 200) + "**"
        for i, q in enumerate(quotes)
    ]
    room = MESSAGE_CONTENT - sum(len(h) + 1 for h in headings) - len(_QUOTE_GAP) * len(quotes)
    each = room // max(len(quotes), 1)
    parts = [f"{h}\n{quote_context(q, each)}" for h, q in zip(headings, quotes, strict=True)]
    return _QUOTE_GAP.join(parts)[:MESSAGE_CONTENT]


# -- the article list ---------------------------------------------------------------------


def source_list_lines(articles: Sequence[Article], passages: dict[str, int]) -> list[str]:
    """One line per article: number, outlet, date, title and passage count."""
    lines = []
    for number, article in enumerate(articles, 1):
        count = passages.get(article.id, 0)
        plural = "passage" if count == 1 else "passages"
        title = shorten(describe_source(article), 300)
        lines.append(f"**{number}.** {escape_markdown(title)} · {count} {plural}")
    return lines


def not_loaded_lines(skipped: Sequence[tuple[str, str]]) -> list[str]:
    """One line per article file left out of the index, and why."""
    return [f"- {escape_markdown(shorten(f'{name} {why}', 300))}" for name, why in skipped]


NOT_LOADED = "Not loaded (listed for moderators)"


def sources_embed(
    articles: Sequence[Article],
    passages: dict[str, int],
    skipped: Sequence[tuple[str, str]] = (),
) -> discord.Embed:
    """The loaded articles as an embed; `skipped` files are named in a field of their own."""
    total = sum(passages.values())
    embed = discord.Embed(
        title=f"{len(articles)} articles, {total} passages",
        description=fit_lines(
            source_list_lines(articles, passages), EMBED_DESCRIPTION, "… and {n} more articles"
        ),
        colour=COLOUR,
    )
    if skipped:
        embed.add_field(
            name=NOT_LOADED, value=fit_lines(not_loaded_lines(skipped), EMBED_FIELD_VALUE)
        )
    embed.set_footer(text="Every answer quotes these articles word for word.")
    return embed


def sources_text(
    articles: Sequence[Article],
    passages: dict[str, int],
    skipped: Sequence[tuple[str, str]] = (),
) -> str:
    """The loaded articles as a plain message of at most 2,000 characters."""
    total = sum(passages.values())
    header = f"**{len(articles)} articles, {total} passages**\n"
    note = ""
    if skipped:
        note = f"\n**{NOT_LOADED}:**\n" + fit_lines(not_loaded_lines(skipped), 600)
    lines = source_list_lines(articles, passages)
    room = MESSAGE_CONTENT - len(header) - len(note)
    return header + fit_lines(lines, room, "… and {n} more articles") + note
