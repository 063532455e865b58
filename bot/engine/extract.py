"""A fetched page to an article file: trafilatura's main text and the page's own metadata.

trafilatura (and lxml under it) is imported only when a page is extracted, so the
harness's `ask` and the bot's start-up never load it. The body is the text trafilatura
extracted, one paragraph per block, unchanged; the front matter holds the headline,
the site's name as the outlet, the publication date and the canonical address, as the
page itself states them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.engine.fetch import Page, fetch_page

log = logging.getLogger(__name__)

# Less text than this is a section front, a login wall or a video page, not an article
# (trafilatura's own min_extracted_size).
MIN_ARTICLE_CHARS = 250
_NO_ARTICLE = "I found no article text on that page."
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
    import trafilatura  # here, not at the top: lxml and friends load only when adding

    document = trafilatura.bare_extraction(
        _html(page),
        url=page.url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,  # leaves out bylines, "Updated ..." lines and similar debris
        date_extraction_params={
            "original_date": True,  # the publication date, not the last update
            "extensive_search": False,  # never a date guessed from links or the text
            "max_date": dt.date.today().isoformat(),
        },
    )
    if document is None:
        raise ExtractError(_NO_ARTICLE)
    paragraphs = _paragraphs(document.text or "")
    if sum(len(p) for p in paragraphs) < MIN_ARTICLE_CHARS:
        raise ExtractError(_NO_ARTICLE)
    canonical = document.url if _is_http(document.url) else page.url
    draft = Draft(
        title=_one_line(document.title),
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


def _from_plain_text(page: Page) -> Draft:
    """A plain-text page is the article as it stands; the loader finds a headline line."""
    text = page.body.decode(_codec(page.charset) or "utf-8", errors="replace").strip()
    if len(text) < MIN_ARTICLE_CHARS:
        raise ExtractError(_NO_ARTICLE)
    return Draft(None, None, None, page.url, page.url, (text,))


def _html(page: Page) -> str | bytes:
    """The page decoded by the charset its server declared; else bytes for trafilatura to sniff."""
    codec = _codec(page.charset)
    return page.body.decode(codec, errors="replace") if codec else page.body


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    import codecs

    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.split("\n") if line.strip())


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
