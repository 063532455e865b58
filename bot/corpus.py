"""Article files to `Article`s: front matter, page debris, and the repairs pasted text needs.

A corpus is a folder of `.txt` or `.md` files, one article each. A file may start
with front matter between `---` lines (`title`, `outlet`, `date`, `url`); without
it, the title is the first line when that line is a headline, else the file name.
The body the loader returns is the text every quote's offsets point into.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_ARTICLE_BYTES = 1_000_000
FRONT_MATTER_KEYS = ("title", "outlet", "date", "url")

# Whole lines that news pages leave behind when copied; never article text.
DEBRIS_LINES = frozenset(
    {
        "loadingerror loading",
        "popular in the community",
        "close",
        "what's hot",
        "advertisement",
        "story continues below advertisement",
        "skip to main content",
        "share this article",
        "read more",
    }
)

_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'"})
_DATELINE = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}-\d{2})\s+", re.IGNORECASE)
_WIRE_OUTLET = re.compile(r"^\((?P<outlet>[A-Z][\w.&' ]{1,40})\)\s+(?:--|—|–)\s+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SENTENCE_END = tuple(".!?:\"')]…")
# A paragraph that ends on one of these words was cut mid-sentence, whatever follows.
_DANGLING = frozenset(
    """
    a an the and or but nor of to in on at by for with from as that these those this its
    their his her our your into onto than
    """.split()
)


class CorpusError(Exception):
    """One or more article files could not be loaded; `problems` names each file and why."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        """Every bad file and why, in one line: "a.md is not UTF-8 text; b.md ..."."""
        return "; ".join(f"{name} {why}" for name, why in self.problems)


@dataclass(frozen=True)
class Article:
    """One news article: metadata and the repaired body that quotes are cut from."""

    id: str
    path: Path
    title: str
    outlet: str | None
    date: str | None
    url: str | None
    body: str
    paragraphs: tuple[tuple[int, int], ...]
    digest: str

    def paragraph_at(self, offset: int) -> tuple[int, int]:
        """The (start, end) of the paragraph holding character `offset` of the body."""
        for start, end in self.paragraphs:
            if start <= offset < end:
                return start, end
        return self.paragraphs[-1]


def article_files(folder: Path) -> list[Path]:
    """The article files of a corpus folder, by name; hidden files and folders are skipped."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in ARTICLE_SUFFIXES
        and not p.name.startswith((".", "_"))
    )


def load_corpus(
    folder: Path,
    reuse: Callable[[Path, str], Article | None] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> list[Article]:
    """Load every article in `folder`; raise CorpusError naming every bad file, or an empty one.

    `reuse(path, digest)` may hand back an article already made from a file with those
    exact bytes (the cache does), so only new or changed files are parsed. With a
    `skipped` list, bad files are added to it (name, why) and the good ones still load.
    """
    if not folder.is_dir():
        raise CorpusError([(str(folder), "is not a folder")])
    articles, problems = [], []
    for path in article_files(folder):
        try:
            raw = _read(path)
            digest = hashlib.sha256(raw).hexdigest()
            article = reuse(path, digest) if reuse is not None else None
            articles.append(article or parse_article(raw, path, digest))
        except CorpusError as error:
            problems.extend(error.problems)
    if problems and (skipped is None or not articles):
        raise CorpusError(problems)
    if not articles:
        raise CorpusError([(str(folder), "holds no .txt or .md articles")])
    if skipped is not None:
        skipped.extend(problems)
    return articles


def load_article(path: Path) -> Article:
    """Read one article file; CorpusError if it is unreadable or malformed."""
    return parse_article(_read(path), path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CorpusError([(path.name, f"cannot be read ({error.strerror})")]) from None


def straighten_quotes(text: str) -> str:
    """Curly quotation marks and apostrophes as straight ones."""
    return text.translate(_QUOTES)


def parse_article(raw: bytes, path: Path, digest: str | None = None) -> Article:
    """Parse the bytes of an article file named `path`; CorpusError says what is wrong.

    `digest`, the sha256 of `raw`, is computed here unless the caller already has it.
    """
    name = path.name
    if len(raw) > MAX_ARTICLE_BYTES:
        raise CorpusError([(name, f"is larger than {MAX_ARTICLE_BYTES:,} bytes")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CorpusError([(name, "is not UTF-8 text")]) from None
    if "\x00" in text:
        raise CorpusError([(name, "is not UTF-8 text (it holds NUL bytes)")])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, text = _split_front_matter(text, name)

    dateline = _DATELINE.match(text)
    if dateline:
        meta.setdefault("date", dateline.group(1))
        text = text[dateline.end() :]
    paragraphs = _paragraphs(_clean(text))
    if not meta.get("title") and paragraphs and _is_headline(paragraphs[0]) and len(paragraphs) > 1:
        meta["title"] = paragraphs.pop(0)
    if not paragraphs:
        raise CorpusError([(name, "has no article text")])
    wire = _WIRE_OUTLET.match(paragraphs[0])
    if wire and "outlet" not in meta:
        meta["outlet"] = wire.group("outlet")

    body = "\n\n".join(paragraphs)
    spans, offset = [], 0
    for paragraph in paragraphs:
        spans.append((offset, offset + len(paragraph)))
        offset += len(paragraph) + 2
    return Article(
        id=path.stem,
        path=path,
        title=meta.get("title") or path.stem,
        outlet=meta.get("outlet"),
        date=meta.get("date"),
        url=meta.get("url"),
        body=body,
        paragraphs=tuple(spans),
        digest=digest or hashlib.sha256(raw).hexdigest(),
    )


def _split_front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    if not text.lstrip(" \ufeff").startswith("---"):
        return {}, text
    lines = text.lstrip(" \ufeff").split("\n")
    if lines[0].strip() != "---":
        raise CorpusError([(name, "front matter must open with a line of just '---'")])
    try:
        close = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    except StopIteration:
        raise CorpusError([(name, "front matter opens with '---' but never closes")]) from None
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:close], 2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon:
            raise CorpusError([(name, f"front matter line {number} is not 'key: value'")])
        if key not in FRONT_MATTER_KEYS:
            known = ", ".join(FRONT_MATTER_KEYS)
            raise CorpusError(
                [(name, f"front matter line {number}: unknown key {key!r} ({known})")]
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].strip()
        if not value:
            continue
        if key == "date" and not _valid_date(value):
            raise CorpusError([(name, f"front matter date {value!r} is not YYYY-MM-DD")])
        if key == "url" and not value.startswith(("http://", "https://")):
            raise CorpusError([(name, f"front matter url {value!r} is not an http(s) address")])
        meta[key] = value.translate(_QUOTES) if key in ("title", "outlet") else value
    return meta, "\n".join(lines[close + 1 :])


def _valid_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _clean(text: str) -> list[str]:
    """Lines with normalised characters and spacing, debris lines dropped."""
    text = _INVISIBLE.sub("", text).translate(_QUOTES)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return [line for line in lines if line.casefold() not in DEBRIS_LINES]


def _paragraphs(lines: list[str]) -> list[str]:
    """Join lines into paragraphs, mending paragraphs and lines broken mid-sentence."""
    paragraphs: list[list[str]] = []
    blank_before = True
    for line in lines:
        if not line:
            blank_before = True
            continue
        if not paragraphs:
            paragraphs.append([line])
        elif blank_before:
            # A blank line ends a paragraph unless the sentence before it is unfinished.
            if _continues(paragraphs[-1][-1], line):
                paragraphs[-1].append(line)
            else:
                paragraphs.append([line])
        elif paragraphs[-1][-1].endswith(_SENTENCE_END) and not line[0].islower():
            # Pastes often separate paragraphs with a single line break.
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)  # a line wrapped mid-sentence
        blank_before = False
    return [" ".join(lines) for lines in paragraphs]


def _continues(previous: str, line: str) -> bool:
    """Whether `line` carries on the sentence that `previous` left unfinished."""
    if previous.endswith(_SENTENCE_END):
        return False
    last_word = previous.rsplit(" ", 1)[-1].lower()
    return line[0].islower() or last_word in _DANGLING or previous.endswith(",")


def _is_headline(paragraph: str) -> bool:
    return len(paragraph) <= 200 and not paragraph.endswith((".", "!", "?", '"', ":"))
