"""Checks before an article joins the corpus: a safe new file name, and no duplicate.

Shared by the moderators' `addarticle` in Discord and the harness's `add`, so both
refuse the same things with the same sentences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bot.engine.chunking import sentences_and_passages
from bot.engine.corpus import Article, describe_source, parse_article


def checked_article(raw: bytes, filename: str) -> Article:
    """The article in an upload, checked as a reload would check it; CorpusError names it."""
    article = parse_article(raw, Path(Path(filename.replace("\\", "/")).name))
    sentences_and_passages(article)  # splits and tokenises in bounded time, or says why not
    return article


class IntakeError(ValueError):
    """The article cannot be added; the message is one sentence saying why."""


def safe_file_name(folder: Path, filename: str) -> Path:
    """A new path in `folder` for an upload: slugified, unused by any article, never outside."""
    original = Path(filename.replace("\\", "/")).name
    suffix = Path(original).suffix.lower()
    stem = unicodedata.normalize("NFKD", Path(original).stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:80].strip("-") or "article"
    taken = {p.stem.lower() for p in folder.iterdir()}
    name, number = slug, 2
    while name in taken:
        name = f"{slug}-{number}"
        number += 1
    target = folder / f"{name}{suffix}"
    if target.resolve().parent != folder.resolve():
        raise IntakeError("That file name cannot be saved safely; please rename the file.")
    return target


def url_key(url: str) -> str:
    """An address as compared for duplicates: no scheme, www., port 80/443, fragment or end /."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port not in (None, 80, 443):
        host = f"{host}:{parts.port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def _text_key(body: str) -> str:
    return " ".join(body.split()).casefold()


def duplicate_of(
    article: Article, existing: Sequence[Article], links: Iterable[str] = ()
) -> str | None:
    """The sentence refusing `article` when the corpus already holds it, else None.

    The same canonical address (or any of `links`, the addresses it was fetched
    through) or the same body, ignoring spacing and case, is the same article.
    """
    known = link_in_corpus([u for u in (article.url, *links) if u], existing)
    if known:
        return known
    body = _text_key(article.body)
    for other in existing:
        if _text_key(other.body) == body:
            return f"That article is already in the corpus as {_name(other)}."
    return None


def link_in_corpus(links: Iterable[str], existing: Sequence[Article]) -> str | None:
    """The sentence refusing a link when an article in the corpus has that address, else None."""
    keys = {url_key(link) for link in links}
    for other in existing:
        if other.url and url_key(other.url) in keys:
            return f"That link is already in the corpus as {_name(other)}."
    return None


def _name(article: Article) -> str:
    source = describe_source(article)
    if len(source) > 200:
        source = source[:200].rsplit(" ", 1)[0] + "…"
    return f"{article.path.name} ({source})"
