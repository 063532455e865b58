"""A fetched page to an article file: trafilatura's main text and the page's own metadata.

trafilatura (and lxml under it) is imported only when a page is extracted, so the
harness's `ask` and the bot's start-up never load it. The page is decoded by
`bot.engine.charset`. The body is the text trafilatura extracted, one paragraph per block,
less the lines the loader takes for page furniture (the same rules, `bot.engine.corpus`);
the front matter holds the headline, the site's name as the outlet, the publication date
and the canonical address, as the page itself states them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.engine.charset import decode_page, without_declarations
from bot.engine.corpus import without_furniture
from bot.engine.fetch import Page, fetch_page

log = logging.getLogger(__name__)

# Less text than this is a section front, a login wall or a video page, not an article
# (trafilatura's own min_extracted_size).
MIN_ARTICLE_CHARS = 250
# Less text in sentences than this, and precision mode finding no article either, is a
# section front; each of trafilatura's 990 evaluation pages that gives 250 characters
# passes one test or the other.
MIN_SENTENCE_CHARS = 150
_SENTENCE = re.compile(r"\w[^.!?。！？\n]{30,}[.!?。！？]")
_NO_ARTICLE = "I found no article text on that page."
# Stands for a <br> in trafilatura's text: a character its clean-up keeps, and no page's text
# has (SYMBOL FOR RECORD SEPARATOR).
LINE_BREAK = "\u241e"
_SOURCE_NEW_LINE = re.compile(r"[ \t\r]*\n\s*")
_QUOTE_MARKS = "\"'“”‘’"


class ExtractError(ValueError):
    """The page holds no article text we can use; one sentence."""


@dataclass(frozen=True)
class Draft:
    """An article taken from a page, before it is saved: metadata and the extracted text."""

    title: str | None
    outlet: str | None
    date: str | None
    url: str
    fetched_url: str
    paragraphs: tuple[str, ...]

    def file_text(self) -> str:
        """The article as a corpus file: front matter, then one paragraph per block."""
        lines = ["---"]
        for key in ("title", "outlet", "date", "url"):
            value = getattr(self, key)
            if value:
                lines.append(f"{key}: {_front_matter_value(value)}")
        lines.append("---")
        return "\n".join(lines) + "\n\n" + "\n\n".join(self.paragraphs) + "\n"

    def file_name(self) -> str:
        """A name for the file, from the headline, else the address's last path segment."""
        stem = self.title or urlsplit(self.url).path.rstrip("/").rsplit("/", 1)[-1]
        stem = re.sub(r"\.[a-z0-9]{2,5}$", "", stem, flags=re.IGNORECASE)  # story.html
        return (re.sub(r"[^\w]+", "-", stem).strip("-") or "article") + ".md"


async def draft_from_link(link: str, allow_private: bool = False) -> Draft:
    """Fetch `link` safely and extract its article (FetchError or ExtractError says why not)."""
    page = await fetch_page(link, allow_private)
    return await asyncio.to_thread(extract_article, page)


def extract_article(page: Page) -> Draft:
    """The article in a fetched page; ExtractError when there is none."""
    if page.content_type == "text/plain":
        return _from_plain_text(page)
    html = without_declarations(decode_page(page.body, page.charset))
    document, paragraphs = None, ()
    for favor_recall in (False, True):  # a second pass, for recall, when the first finds little
        document = _extraction(html, page.url, favor_recall=favor_recall)
        paragraphs = _paragraphs(_text_of(document.body)) if document is not None else ()
        if sum(len(p) for p in paragraphs) >= MIN_ARTICLE_CHARS:
            break
    else:
        raise ExtractError(_NO_ARTICLE)
    if not _in_sentences(paragraphs) and not _precision_finds_text(html, page.url):
        raise ExtractError(_NO_ARTICLE)  # a section front: headlines, dates and links
    title = _one_line(document.title)
    if title and len(paragraphs) > 1 and _one_line(paragraphs[0]) == title:
        paragraphs = paragraphs[1:]  # the headline, which the front matter holds
    canonical = document.url if _is_http(document.url) else page.url
    draft = Draft(
        title=title,
        outlet=_one_line(document.sitename),
        date=_valid_date(document.date),
        url=canonical,
        fetched_url=page.url,
        paragraphs=paragraphs,
    )
    log.info(
        "extracted %r (%s, %s) from %s: %d paragraphs",
        draft.title,
        draft.outlet,
        draft.date,
        page.url,
        len(paragraphs),
    )
    return draft


def _extraction(html: str, url: str, **options: bool):  # -> trafilatura's Document | None
    """trafilatura's main text and metadata, tuned to keep the whole article.

    Precision mode is off: it drops FAQ sections, tables and at times the whole article
    for a notice beside it, and our furniture rules (bot/engine/corpus.py) take out the
    bylines and "Updated ..." lines it was there for. Tables are kept (data tables are
    text; an article laid out in a table is unwrapped by `_text_of`).
    """
    import trafilatura  # here, not at the top: lxml and friends load only when adding

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        date_extraction_params={
            "original_date": True,  # the publication date, not the last update
            "extensive_search": False,  # never a date guessed from links or the text
            "max_date": dt.date.today().isoformat(),
        },
        **options,
    )


def _in_sentences(paragraphs: tuple[str, ...]) -> bool:
    """Whether the text holds MIN_SENTENCE_CHARS in sentences (30 characters or more up to a
    full stop, question or exclamation mark): a list of headlines and dates does not."""
    found = (len(m.group()) for p in paragraphs for m in _SENTENCE.finditer(p))
    return sum(found) >= MIN_SENTENCE_CHARS


def _precision_finds_text(html: str, url: str) -> bool:
    """Whether trafilatura's precision mode finds MIN_ARTICLE_CHARS: the second opinion on a
    page whose text has few sentences (a table of figures, verse, a page of short lines)."""
    document = _extraction(html, url, favor_precision=True)
    paragraphs = _paragraphs(_text_of(document.body)) if document is not None else ()
    return sum(len(p) for p in paragraphs) >= MIN_ARTICLE_CHARS


def _text_of(body) -> str:  # body: trafilatura's lxml tree of the main text
    """trafilatura's text of `body`: one block a line, a line break inside a block as
    LINE_BREAK, and a layout table's cells as blocks of their own.

    A table whose cells hold paragraphs or headings lays out a page, not data: as a table
    trafilatura writes it as one line, "| Home News | Headline Paragraph 1 Paragraph 2 |".
    trafilatura writes a <br>, and a new line in the page's source, as a new line, like the
    end of a paragraph; told apart, a sentence broken by one stays one paragraph.
    """
    from lxml.etree import strip_tags
    from trafilatura.xml import xmltotxt

    if body is None:
        return ""
    for table in body.iter("table"):
        if table.find(".//cell/p") is None and table.find(".//cell/head") is None:
            continue  # a data table: its rows stay "| a | b |" lines
        for element in table.iter("cell", "row"):
            element.tag = "div"
        table.tag = "div"
    for element in body.iter():
        # A new line in the page's source is a space; trafilatura keeps it as one.
        if element.tag != "code":
            element.text = element.text and _SOURCE_NEW_LINE.sub(" ", element.text)
        element.tail = element.tail and _SOURCE_NEW_LINE.sub(" ", element.tail)
    for line_break in body.iter("lb"):
        line_break.tail = LINE_BREAK + (line_break.tail or "")
    strip_tags(body, "lb")
    return xmltotxt(body, False)


def _from_plain_text(page: Page) -> Draft:
    """A plain-text page is the article as it stands; the loader finds a headline line."""
    text = decode_page(page.body, page.charset, html=False).strip()
    if len(text) < MIN_ARTICLE_CHARS:
        raise ExtractError(_NO_ARTICLE)
    return Draft(None, None, None, page.url, page.url, (text,))


def _paragraphs(text: str) -> tuple[str, ...]:
    """The text's blocks, each with its line breaks, less the lines that the loader takes
    for page furniture (bylines, "Updated ..." lines, captions, share prompts)."""
    blocks = []
    for block in text.split("\n"):
        lines = (line.strip() for line in block.split(LINE_BREAK))
        if paragraph := "\n".join(line for line in lines if line):
            blocks.append(paragraph)
    return tuple(without_furniture(blocks))


def _one_line(value: str | None) -> str | None:
    """A metadata value on one line, or None when it is empty."""
    value = " ".join((value or "").split())
    return value or None


def _front_matter_value(value: str) -> str:
    # The loader strips one pair of matching quotes around a value, so a value that
    # starts or ends with a quotation mark is wrapped in a pair of its own.
    return f'"{value}"' if value[0] in _QUOTE_MARKS or value[-1] in _QUOTE_MARKS else value


def _valid_date(value: str | None) -> str | None:
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return None
    return value


def _is_http(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in ("http", "https") and bool(urlsplit(url).netloc)
