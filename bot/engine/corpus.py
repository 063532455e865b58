"""Article files to `Article`s: front matter, page debris, and where the paragraphs are.

A corpus is a folder of `.txt` or `.md` files, one article each. A file may start
with front matter between `---` lines (`title`, `outlet`, `date`, `url`); without
it, the title is the first line when that line is a headline, else the file name.
Nothing in the file's text is rewritten: an `Article` keeps the text as read and
marks its paragraphs by offsets into it, so every quote is the file's own characters.
Pasted text is mended by where paragraphs begin and end (lines hard-wrapped or broken
mid-sentence join, page debris lines are left out), never by changing characters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.engine.text import INVISIBLE, matchable

# The articles that ship with the bot: the corpus folder at the top of the project.
BUNDLED_CORPUS = Path(__file__).resolve().parents[2] / "corpus"
ARTICLE_SUFFIXES = (".txt", ".md")
MAX_ARTICLE_BYTES = 1_000_000
FRONT_MATTER_KEYS = ("title", "outlet", "date", "url")

# Whole lines that news pages leave behind when copied; never article text. Matched on the
# line folded by `_fold_line` (lower case, straight quotes, single spaces).
DEBRIS_LINES = frozenset(
    line.strip()
    for line in """
    loadingerror loading|popular in the community|close|what's hot|advertisement|ad|
    advertisement:|sponsored|sponsored content|paid content|story continues below advertisement|
    article continues below advertisement|continue reading below|skip to main content|
    share this article|share this story|share|share this|tweet|email|print|comments|
    show comments|view comments|read more|continue reading|save|save story|saved|copy link|
    link copied|facebook|twitter|linkedin|whatsapp|reddit|pinterest|related|related stories|
    related articles|related content|trending|trending now|most popular|most read|watch|video|
    watch video|play video|now playing|listen|listen to this article|audio|photos|gallery|
    next|previous|back to top|sign up|subscribe|log in|español|english|en español|by|
    no comments|
    leer en español|read in english|read in spanish|ver en español|{snip}|[snip]|(snip)|...|…
    """.split("|")
)
# "See also" in the languages news pages come in, as a label of its own or before a headline.
_SEE_ALSO = r"""(
    à\ lire\ aussi|lire\ aussi|voir\ aussi|à\ voir\ aussi|lire\ la\ suite
    | lea\ también|lea\ más|lee\ también|leer\ más|ver\ también|ver\ más|te\ puede\ interesar
    | auch\ lesen|lesen\ sie\ auch|lesen\ sie\ mehr|mehr\ zum\ thema|zum\ weiterlesen
    | weiterlesen|das\ könnte\ sie\ auch\ interessieren|das\ könnte\ dich\ auch\ interessieren
    | leia\ também|leia\ mais|veja\ também|leggi\ anche|vedi\ anche|czytaj\ też|czytaj\ także
    | zobacz\ też|zobacz\ także|lees\ ook|auch\ interessant|lesen\ sie\ hier|mehr\ themen
    | weitere\ themen|you\ (may|might)\ also\ like|recommended\ for\ you|don't\ miss
    | more\ stories|more\ news|up\ next|read\ next|also\ on\ [^\s:]{1,30}|top-themen
    | top\ stories|most\ viewed|most\ shared)"""
# A date (2021-10-16, 16.10.2021, 24. März 2004) as the first part of a "date | name" stamp.
_DATE_STAMP = (
    r"(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}\.?\ [^\W\d]{3,10}\.?\ \d{4})"
)


class _Pattern:
    """A regular expression compiled when first used: the furniture shapes below are read
    only when an article file is parsed, never by a question, and the largest took 10 ms
    of every start. After the first use its methods are the compiled pattern's own."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags

    def __getattr__(self, name: str) -> object:
        compiled = re.compile(self.pattern, self.flags)
        for method in ("match", "fullmatch", "search", "finditer", "findall", "sub"):
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


# Lines of page furniture by their shape: read-time and archive notices, captions and photo
# credits, bylines' and datelines' stamps, video labels, share and sign-up prompts, language
# links, copyright lines, "Image 3 of 12". Each must match the whole (folded) line. The
# shapes that may begin anywhere in a line are in `_DEBRIS_ENDINGS`.
_DEBRIS_SHAPES = _Pattern(
    r"""
    (estimated\ )?read(ing)?\ time:?\ .{1,30}
    | \d{1,3}\ min(ute)?s?\ read
    | (this|the)\ (article|story|page|content|video)\ (is|was)\ (more\ than|over)\ .{1,30}\ old\.?
    | this\ (article|story|page)\ is\ from\ (our|the)\ archives?\.?.{0,120}
    | archived?\ (article|story|content)[:.]?.{0,120}
    | (photo|image|video|file\ photo|photograph)\s*(credit)?\s*[:|].{0,160}
    | (photo|image|video)s?\ (by|courtesy(\ of)?|credit)\b.{0,160}
    | file\ [-–—]\ .{0,300}
    | (updated|posted|published|last\ updated|first\ published)(\ on|\ at)?:?\s+
      (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|\d).{0,60}
    | (watch|video|listen|audio|live|watch\ live|watch\ now)\s*[:|–—-]\s*.{0,150}
    | \d{1,2}:\d{2}(\ (min|video))?
    | (share|tweet|email|post|send)\ (this|on|to|via|it)\b.{0,60}
    | share(\ this)?(\ story|\ article)?\s*:.{0,100}
    | comments?\s*\(\d+\)
    | [^›»|«]{1,40}(\ [›»|>/]\ [^›»|«]{1,40}){2,}
    | {nav}(\ ?[›»]\ ?{nav})+
    | [-–—]\ .{1,40}\ [-–—]
    | (photo\ )?credits?\s*:.{0,80}
    | photo\ via\b.{0,60}
    | find\ out\ what's\ happening\ in\b.{0,120}
    | shared\ from\ the\ .{0,80}
    | (author|written\ by|reporter|editor|reporting\ by)s?\s*:.{0,80}
    | ((mon|tues|wednes|thurs|fri|satur|sun)day,?\ )?
      (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\ \d{1,2}(st|nd|rd|th)?,?\ \d{4}
      (\s*([-–—|,]|at)?\s*\d{1,2}:\d{2}\s*([ap]\.?m\.?)?(\ [a-z]{2,4})?)?
    | \d{1,2}/\d{1,2}/\d{2,4}(\s+\d{1,2}:\d{2}.{0,10})?
    | click\ (here\ )?to\ (share|email|print|tweet).{0,60}
    | follow\ (us|me)\ on\ .{0,80}
    | (sign\ up|subscribe|register)\ (for|to|now)\b.{0,120}
    | (related|more|read\ more|see\ also|also\ read|recommended|read\ next|more\ coverage)
      \s*:.{0,200}
    | {see_also}(\s*[:»›]\s*.{0,200}|\ (on|at|auf|bei|sur|en|from|von)\ [^:!?]{1,40})?
    | lea\s*:\s*.{1,200}
    | fot\.\ .{1,80}
    | (keine\ kommentare|aucun\ commentaire|sin\ comentarios|brak\ komentarzy
      |no\ comments\ yet)\b.{0,100}
    | (zum\ )?newsletter\ (anmelden|abonnieren)|jetzt\ (anmelden|abonnieren)
    | follow\ .{1,40}\ on\ (twitter|facebook|instagram|linkedin|tiktok|youtube|x)\b.{0,200}
    | \*\ ?(werbung|anzeige)\b.{0,120}
    | (tel|telefon|telephone|phone|fax|mobil|mobile)\.?\s*:?\s*\+?[\d(][\d\s()/+.-]{6,}
    | (e-?mail|mail)\s*:\s*[\w.+-]+@[\w-]+(\.[\w-]+)+
    | .{1,200}\ ?<<
    | \(?alle\ angaben\ ohne\ gewähr\.?\)?
    | (vorschau\ auf\ den\ )?nächsten?\ artikel|vorheriger\ artikel
    | (next|previous)\ (article|story|post)
    | article\ (suivant|précédent)|artículo\ (siguiente|anterior)
    | video\ (verfügbar|available)\ (bis|until)\ .{1,30}
    | (source|sources|quelle|quellen|fuente|fonte|źródło|bildquelle|titelbild|foto|fotos|bild
      |crédits?(\ photos?)?|crédito|créditos|credito)\s*:.{0,60}
    | (categor(y|ies)|kategorien?|catégories?|categorías?|categorie|tags?|schlagwörter
      |stichwörter|etiquetas|filed\ under|posted\ in)\s*:.{0,100}
    | (leer|lea|read|ver|see)\ (en|in|this\ in|this\ story\ in)
      \ (español|espanol|english|spanish)\.?
    | (©|\(c\)|copyright\ ©?)\s*\d{4}.{0,150}
    | ©\ ?[^\s\d].{0,80}
    | {date}(,?\ \d{1,2}:\d{2})?\ ?\|\ ?[^|]{1,40}
    | (image|photo|slide)\ \d+\ (of|/)\ \d+
    | \d+\ ?/\ ?\d+
    | (ad|advertisement)\ [-–—:]\ .{0,60}
    | [-–—*\ ]*(sponsored|advertisement|ad|paid\ (content|post|partner)|sponsored\ content
      |werbung|anzeige|publicidad|publicité|pubblicità|reklama)[-–—*\ ]*
    | view\ (this|it)\ (email\ )?(in|on)\ (your|a)\ (web\ )?browser\.?
    | forwarded\ this\ (email|newsletter)\?.{0,80}
    | (unsubscribe|manage\ (your\ )?preferences|update\ your\ preferences)\b.{0,80}
    """.replace("{nav}", r"[^\s›»|«:.!?]+(\ [^\s›»|«:.!?]+){0,3}")
    .replace("{see_also}", _SEE_ALSO)
    .replace("{date}", _DATE_STAMP),
    re.VERBOSE,
)
# Furniture shapes that may begin anywhere in a line: a caption's credit, a wire's name at
# its end, a copyright notice. The engine tries these at every length of what comes before,
# which costs more than all the other shapes together, so they are tried only on a line
# holding a word each of them needs (`_ENDING_WORDS`: an "(ap photo" holds "photo", a
# "... the associated press" "press", a "/ reuters" "/", and so on).
_DEBRIS_ENDINGS = _Pattern(
    r"""
    .{0,200}\bphotos?\ (by|courtesy\ of)\ .{0,100}
    | .{0,300}\((credit|photo\ credit|credit\ image)\b.{0,120}\)\.?
    | .{0,300}[.)]\ +(the\ )?(associated\ press|ap|reuters|afp|getty\ images)
    | .{0,300}\((ap|afp|reuters)?\s*(photo|image|foto|bild)s?\b.{0,100}\)\.?
    | .{0,300}[.)]\ ©\ ?[^\s\d].{0,60}
    | .{0,200}\b(sign\ up|subscribe)(\ here|\ now|\ today|\ for\ free)?[.!]?
    | .{0,300}(getty\ images|shutterstock|\bap\ photo\b|/\ ?(reuters|afp|ap)\b).{0,40}
    | .{0,150}all\ rights\ reserved\.?
    """,
    re.VERBOSE,
)
_ENDING_WORDS = re.compile(
    r"photo|image|\(credit|press|\ ap|reuters|afp|shutterstock|/|all\ rights\ reserved|foto|bild"
    r"|©|sign\ up|subscribe"
)
# A paywall's plea, a plea to get the outlet's app or to click, an affiliate or copyright
# notice, wherever it stands in a line: never the article's own words.
_PLEAS = _Pattern(
    r"""\b(to\ (continue|keep)\ reading|to\ (view|read)\ the\ (full|whole|entire|rest\ of\ the)
    \ (story|article)|(you\ are|you're|you’re)\ already\ an?\ (subscriber|member)
    |please\ (subscribe|log\ in|sign\ in)\ to|download\ (the|our)\ .{0,40}\bapps?\b
    |affiliate[-\ ]links?|click\ here|hier\ klicken|copyrighted\ property
    |chroniony\ prawem\ autorskim|urheberrechtlich\ geschützt)\b""",
    re.VERBOSE,
)
# A "By Jane Doe, KXYZ" line: short, every word a name or a linking word, no full stop.
_BYLINE = re.compile(r"^[Bb][Yy]:?\s+\S.{0,100}$")
_BYLINE_LINKS = frozenset({"and", "&", "|", "-", "–", "—", "of", "the", "for", "at", "staff"})
# An embedded tweet's signature line: "— Donald J. Trump (@realDonaldTrump) June 22, 2019".
_SIGNATURE = re.compile(r"[—–-]\s*[^()\n]{1,60}\(@\w+\)")
# Markers pasted inside paragraphs where a blog cut a quoted article; never quoted across.
_SNIP = re.compile(r"\{snip\}|\[snip\]|\(snip\)|\[\.\.\.\]|\[…\]", re.IGNORECASE)

# What a line is trimmed of: every kind of space, and invisible characters.
_STRIP = (
    " \t\f\v\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))) + INVISIBLE
)
_DATELINE = re.compile(r"\s*date:?\s+(\d{4}-\d{2}-\d{2})\s+", re.IGNORECASE)
_WIRE_OUTLET = re.compile(r"\((?P<outlet>[A-Z][\w.&'’ ]{1,40})\)\s+(?:--|—|–)\s+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SENTENCE_END = tuple(".!?:\"')]…”’»")
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
    """One news article: metadata, the file's text as read, and where its paragraphs are.

    `text` is the whole file as Python reads it in text mode (UTF-8, newlines as "\n",
    front matter included); `paragraphs` are (start, end) offsets into it, and every
    sentence, passage and quote is a slice of `text` at such offsets.
    """

    id: str
    path: Path
    title: str
    outlet: str | None
    date: str | None
    url: str | None
    text: str
    body_start: int  # where the text after the front matter begins
    paragraphs: tuple[tuple[int, int], ...]
    digest: str

    @property
    def body(self) -> str:
        """The article's text after its front matter, as the file has it."""
        return self.text[self.body_start :]

    def span_text(self, start: int, end: int) -> str:
        """`text[start:end]` as shown: runs of white space as one space, nothing else changed."""
        return collapse_spaces(self.text[start:end])

    def paragraph_at(self, offset: int) -> tuple[int, int]:
        """The (start, end) of the paragraph holding character `offset` of the text."""
        for start, end in self.paragraphs:
            if start <= offset < end:
                return start, end
        return self.paragraphs[-1]


def describe_source(article: Article) -> str:
    """Outlet, date and title, as far as the article shows them."""
    parts = [part for part in (article.outlet, article.date) if part]
    title = f'"{article.title}"' if article.title != article.id else article.id
    return ", ".join([*parts, title])


def collapse_spaces(text: str) -> str:
    """Runs of white space as one space, trimmed: the only change a shown quote may have."""
    return " ".join(text.split())  # str.split's white space is exactly re's \s


def article_files(folder: Path) -> list[Path]:
    """The article files of a corpus folder, by name; hidden files and folders are skipped."""
    return [Path(entry.path) for entry in article_entries(folder)]


def article_entries(folder: Path) -> list[os.DirEntry]:
    """`article_files` as directory entries, whose `stat()` the store reuses (one scan)."""
    with os.scandir(folder) as entries:
        found = [
            entry
            for entry in entries
            if entry.name.lower().endswith(ARTICLE_SUFFIXES)  # splitext's suffix, for these names
            and not entry.name.startswith((".", "_"))
            and entry.is_file()
        ]
    return sorted(found, key=lambda entry: entry.name)


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
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it
    meta, body_start = _split_front_matter(text, name)

    start = body_start
    dateline = _DATELINE.match(text, body_start)
    if dateline:
        meta.setdefault("date", dateline.group(1))
        start = dateline.end()
    paragraphs = _paragraphs(text, _lines(text, start), titled=bool(meta.get("title")))
    if not meta.get("title"):
        title = _headline(text, paragraphs)
        if title is not None:
            meta["title"] = title
    if not paragraphs:
        raise CorpusError([(name, "has no article text")])
    wire = _WIRE_OUTLET.match(text, paragraphs[0][0])
    if wire and "outlet" not in meta:
        meta["outlet"] = wire.group("outlet")
    return Article(
        id=path.stem,
        path=path,
        title=meta.get("title") or path.stem,
        outlet=meta.get("outlet"),
        date=meta.get("date"),
        url=meta.get("url"),
        text=text,
        body_start=body_start,
        paragraphs=tuple(paragraphs),
        digest=digest or hashlib.sha256(raw).hexdigest(),
    )


def _split_front_matter(text: str, name: str) -> tuple[dict[str, str], int]:
    """The front matter's keys and where the text after it begins (0 without front matter)."""
    lead = len(text) - len(text.lstrip(" \ufeff"))
    if not text.startswith("---", lead):
        return {}, 0
    lines = text[lead:].split("\n")
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
        meta[key] = value
    body_start = lead + sum(len(line) + 1 for line in lines[: close + 1])
    return meta, min(body_start, len(text))


def _valid_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _fold_line(line: str) -> str:
    return collapse_spaces(matchable(line)).casefold()


def is_debris(line: str, *, shapes: bool = True) -> bool:
    """Whether a whole line is page furniture (the exact lines always; by shape if `shapes`)."""
    if len(line) > 400:  # a line of article text: no furniture is this long
        return False
    folded = _fold_line(line)
    if folded in DEBRIS_LINES:
        return True
    if not shapes:
        return False
    return _is_debris_shape(folded) or _is_byline(line) or bool(_PLEAS.search(folded))


def _is_debris_shape(folded: str) -> bool:
    if _DEBRIS_SHAPES.fullmatch(folded):
        return True
    return bool(_ENDING_WORDS.search(folded) and _DEBRIS_ENDINGS.fullmatch(folded))


def _is_byline(line: str) -> bool:
    if line.lstrip()[:2] not in ("By", "BY", "bY", "by"):  # what _BYLINE starts with
        return False
    line = collapse_spaces(line)
    if not _BYLINE.match(line) or line.endswith("."):
        return False
    names = line.split()[1:]
    return len(names) <= 10 and all(
        w[:1].isupper() or w.lower() in _BYLINE_LINKS or not w[:1].isalpha() for w in names
    )


# A section heading's number ("2.", "IV)") and what a capitals line of data has instead:
# a digit (a score, an amount, a date) or a name joined by "_" (a setting, a code name).
_ENUMERATOR = re.compile(r"^\s*([0-9]{1,2}|[IVX]{1,4}|[A-Z])[.)]\s")
_DATA_IN_CAPITALS = re.compile(r"\d|\w_\w")

# A label ("Mehr Themen:", "Das Thema könnte dich auch interessieren:") has this many words
# at most; a longer line ending in a colon is a sentence whose links were left out.
_LABEL_WORDS = 6

# In `_lines`: after a debris line or a heading, a paragraph break nothing may join across.
_DEBRIS = (-1, -1)


def _lines(text: str, start: int) -> list[tuple[int, int] | None]:
    """Each line's (start, end) without its surrounding spaces, from `start`; None for a
    blank line, `_DEBRIS` for a debris line."""
    lines: list[tuple[int, int] | None] = []
    previous_ends_sentence = True
    offset = start
    for raw in text[start:].split("\n"):
        line_start, offset = offset, offset + len(raw) + 1
        # block-quote markers (e-mail, Markdown) and list bullets are not the line's text
        stripped = raw.strip(_STRIP).lstrip(">•·▪ " + _STRIP)
        if not stripped:
            lines.append(None)
            previous_ends_sentence = True
            continue
        first = line_start + raw.index(stripped)
        # A line of furniture starts a line of its own; a hard-wrapped line that merely
        # looks like one ("post on Twitter that ...") continues an unfinished sentence.
        shapes = previous_ends_sentence and not stripped[0].islower()
        if is_debris(stripped, shapes=shapes):
            _drop_label_before(text, lines, len(lines))
            lines.append(_DEBRIS)
            previous_ends_sentence = True
            continue
        lines.append((first, first + len(stripped)))
        previous_ends_sentence = stripped.endswith(_SENTENCE_END)
        if _is_heading(stripped) and any(line not in (None, _DEBRIS) for line in lines[:-1]):
            # A section heading in capitals ("2. WHO IS ON THE LIST") is furniture; the
            # first line of the text may be the headline, and stays.
            lines[-1] = _DEBRIS
            _drop_label_before(text, lines, len(lines) - 1)
            previous_ends_sentence = True
    _drop_trailing_labels(text, lines)
    return lines


def without_furniture(blocks: list[str]) -> list[str]:
    """A page's blocks of text (paragraphs, lines inside them split by "\n") less the lines
    the loader takes for page furniture, judged as in a file with those blocks."""
    text = "\n\n".join(blocks)
    kept: list[str] = []
    current: list[str] = []
    for raw, line in zip(text.split("\n"), _lines(text, 0), strict=True):
        if line is None:  # a blank line: between two blocks
            if current:
                kept.append("\n".join(current))
            current = []
        elif line != _DEBRIS:
            current.append(raw.strip())
    if current:
        kept.append("\n".join(current))
    return kept


def _drop_label_before(text: str, lines: list[tuple[int, int] | None], furniture: int) -> None:
    """Mark as debris a label ("Ansprechpartnerin zum Thema:") just before the furniture at
    `lines[furniture]`: it introduces that furniture."""
    last = next((n for n in range(furniture - 1, -1, -1) if lines[n] is not None), None)
    if last is not None and lines[last] != _DEBRIS and _is_label(text[slice(*lines[last])]):
        lines[last] = _DEBRIS


def _drop_trailing_labels(text: str, lines: list[tuple[int, int] | None]) -> None:
    """Mark as debris the labels that end the text ("Read more:", "Zum Weiterlesen:"):
    a line ending in a colon introduces what follows, and nothing does."""
    for number in range(len(lines) - 1, -1, -1):
        line = lines[number]
        if line is None or line == _DEBRIS:
            continue
        if not _is_label(text[line[0] : line[1]]):
            return
        lines[number] = _DEBRIS


def _is_label(line: str) -> bool:
    return line.endswith(":") and len(line.split()) <= _LABEL_WORDS


def _is_heading(line: str) -> bool:
    """A line in capitals ("2. WHO IS ON THE LIST"): a heading, not article text.

    A capitals line that carries a score, an amount or a name ("ALAJUELENSE 3-1 PÉREZ
    ZELEDÓN", "1 545 500 EUROS", "YAGNA_PAYMENT_DRIVER") is data, and stays.
    """
    if len(line) > 200 or not line.isupper() or sum(ch.isalpha() for ch in line) < 4:
        return False
    return not _DATA_IN_CAPITALS.search(_ENUMERATOR.sub("", line, count=1))


def _paragraphs(
    text: str, lines: list[tuple[int, int] | None], titled: bool = False
) -> list[tuple[int, int]]:
    """Join lines into paragraphs, mending paragraphs and lines broken mid-sentence;
    a snip marker inside a paragraph splits it, and is in neither part. Unless the
    article is `titled` already, the lines at the page's top before any finished
    sentence (a section label, the headline) each stand alone."""
    paragraphs: list[list[tuple[int, int]]] = []
    blank_before = broken = True
    lead = not titled
    for line in lines:
        if line is None or line == _DEBRIS:
            blank_before = True
            broken = broken or line == _DEBRIS
            continue
        line_text = text[line[0] : line[1]]
        previous = text[slice(*paragraphs[-1][-1])] if paragraphs else ""
        if broken:
            paragraphs.append([line])
        elif _SIGNATURE.match(line_text):
            paragraphs[-1].append(line)  # a tweet's signature belongs to the tweet
        elif blank_before:
            # A blank line ends a paragraph unless the sentence before it is unfinished.
            if _continues(previous, line_text):
                paragraphs[-1].append(line)
            else:
                paragraphs.append([line])
        elif (previous.endswith(_SENTENCE_END) or lead) and not line_text[0].islower():
            # Pastes often separate paragraphs with a single line break; at the top of a
            # page, a line without a full stop is a label or a headline of its own.
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)  # a line wrapped mid-sentence
        blank_before = broken = False
        lead = lead and not line_text.endswith(_SENTENCE_END)
    spans = []
    for group in paragraphs:
        start, end = group[0][0], group[-1][1]
        for snip in _SNIP.finditer(text, start, end):
            spans.append((start, snip.start()))
            start = snip.end()
        spans.append((start, end))
    return [trimmed for span in spans if (trimmed := _trim(text, span)) is not None]


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int] | None:
    start, end = span
    piece = text[start:end]
    stripped = piece.strip(_STRIP + "\n")
    if not any(ch.isalnum() for ch in stripped):
        return None
    lead = len(piece) - len(piece.lstrip(_STRIP + "\n"))
    return start + lead, start + lead + len(stripped)


def _continues(previous: str, line: str) -> bool:
    """Whether `line` carries on the sentence that `previous` left unfinished."""
    if previous.endswith(_SENTENCE_END):
        return False
    last_word = previous.rsplit(" ", 1)[-1].lower()
    return line[0].islower() or last_word in _DANGLING or previous.endswith(",")


def _headline(text: str, paragraphs: list[tuple[int, int]]) -> str | None:
    """The headline among the page's top lines, taken out of `paragraphs` with the labels
    above it ("Politics & Government"): the first headline-shaped line of four or more
    words among the first three; None (and nothing taken) when there is none."""
    for number, span in enumerate(paragraphs[:3]):
        line = collapse_spaces(text[slice(*span)])
        if not _is_headline(line) or number + 1 >= len(paragraphs):
            return None
        if len(line.split()) >= 4:
            del paragraphs[: number + 1]
            return line
    return None


def _is_headline(paragraph: str) -> bool:
    return len(paragraph) <= 200 and not paragraph.endswith((".", "!", "?", '"', ":", "”"))
