"""Sentence splitting and word tokens: the one place nltk is used.

Passages and questions go through the same `tokenize`, so a word matches itself
wherever it appears. Nothing here needs nltk's downloadable data: Punkt runs with
our own abbreviation list, tokens come from `RegexpTokenizer`'s pattern compiled by nltk,
and the stopword list lives in `bot/engine/data/`.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import threading
import types
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

# The packages whose `__init__` the engine's nltk modules need not run: nltk's imports every
# subpackage (0.28 s of every start), nltk.tokenize's and nltk.stem's every tokenizer and
# stemmer, and nltk.corpus's its corpus readers, which Snowball's module imports only for a
# stopword list the engine never asks it for.
_NLTK_SHELLS = ("nltk", "nltk.tokenize", "nltk.stem", "nltk.corpus")
_NLTK_MODULES = ("nltk.redos", "nltk.stem.snowball")
# Loaded with the first sentence split, not with this module: Punkt (and nltk.tokenize's
# base class) import nltk's downloader safeguards, and with them http.client, ssl, email,
# subprocess and zipfile (60-90 ms of a start), and a question splits no sentences.
_PUNKT = "nltk.tokenize.punkt"
_NLTK_LOCK = threading.Lock()


def _nltk_version() -> str:
    """nltk's version as `nltk.__version__` reads it: the VERSION file in its package."""
    spec = importlib.util.find_spec("nltk")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    if folder is None or not (folder / "VERSION").is_file():
        import nltk

        return nltk.__version__
    return (folder / "VERSION").read_text().strip()


def _import_nltk(modules: tuple[str, ...] | None = None) -> None:
    """Load nltk modules the engine uses (`_NLTK_MODULES`: Snowball and nltk's guarded regular
    expressions; Punkt, `_PUNKT`, when first needed) without running the packages' `__init__`s
    (`_NLTK_SHELLS`): each stands in `sys.modules` as an empty package only while they load,
    so a later `import nltk` anywhere in the process imports it whole as usual. Where nltk
    is already imported whole, its modules are used as they are; where its modules need more
    of their packages than this gives them (another nltk version), nltk is imported whole."""
    with _NLTK_LOCK:  # the shells must not stand in `sys.modules` for two loads at once
        _import_nltk_modules(modules or _NLTK_MODULES)


def _import_nltk_modules(modules: tuple[str, ...]) -> None:
    if "nltk" in sys.modules or all(module in sys.modules for module in modules):
        return
    before = set(sys.modules)
    placed = []
    try:
        for name in _NLTK_SHELLS:
            spec = importlib.util.find_spec(name)
            shell = types.ModuleType(name)
            shell.__path__ = list(spec.submodule_search_locations or [])
            shell.__spec__ = spec
            shell.__file__ = spec.origin
            if name == "nltk.corpus":
                shell.stopwords = None  # what Snowball's module imports; unused here
            sys.modules[name] = shell
            placed.append(name)
        for module in modules:
            importlib.import_module(module)
    except (ImportError, AttributeError):
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]
        placed = []
        _import_nltk_whole()
    finally:
        for name in placed:
            del sys.modules[name]


def _import_nltk_whole() -> None:
    """Import nltk with scipy's statistics and sparse matrices and scikit-learn hidden: nltk's
    package import reaches for them (for association measures and a dependency parser's
    classifier the engine never uses, falling back when they are missing), and where they
    are installed (the benchmark and fitting environments) that took 0.8 s of a start."""
    names = ("scipy.stats", "scipy.stats.stats", "scipy.sparse", "sklearn")
    hidden = [n for n in names if n not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # an import of it raises ImportError
    try:
        import nltk  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


_import_nltk()
NLTK_VERSION = _nltk_version()

from nltk.redos import TimedPattern  # noqa: E402
from nltk.redos import compile as guarded_compile  # noqa: E402
from nltk.stem.snowball import SnowballStemmer  # noqa: E402

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# Punkt stores abbreviations lower-cased and without their final period. Single
# letters cover initials ("Donald J. Trump", "Michael B. Hancock").
ABBREVIATIONS = frozenset(
    """
    d.c u.s u.k u.n n.y l.a e.g i.e a.m p.m vs etc mr mrs ms dr st jr sr gov sen rep
    reps sens lt gen col capt sgt supt pres atty dept inc corp co ltd jan feb mar apr
    aug sep sept oct nov dec ala ariz ark calif colo conn del fla ga ill ind kan ky la
    md mass mich minn miss mo mont neb nev okla ore pa tenn tex va vt wash wis wyo
    """.split()
) | frozenset("abcdefghijklmnopqrstuvwxyz")

# A word, a number with thousands separators or decimals, a dotted acronym (U.S.),
# an @handle or #hashtag, or a contraction. Hyphenated words split into their parts.
TOKEN_PATTERN = r"[@#]?\w+(?:[.,']\w+)*"

# Kept out of the stopword list and folded into one term, "not".
NEGATIONS = frozenset(
    """
    not no nor never won't don't doesn't didn't isn't aren't wasn't weren't can't cannot
    couldn't wouldn't shouldn't haven't hasn't hadn't
    """.split()
)
_CONTRACTION_ENDINGS = frozenset({"s", "t", "ve", "re", "ll", "d", "m"})
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
# What matching folds and showing never does: typographic quotes, apostrophes and spaces
# as plain ones, one character for one (so offsets into the folded text hold for the
# original), and invisible characters (soft hyphens, zero-width spaces) dropped.
_FOLDS = {
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "`": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}
# Characters that show nothing: zero-width spaces and joiners, the BOM, soft hyphens.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# No replacement is itself a character replaced, so replacing one character after another
# is one translation, and str.replace is far faster than str.translate on non-ASCII text.
# ASCII text (most of it) needs only the ASCII replacements.
_ASCII_FOLDS = tuple((old, new) for old, new in _FOLDS.items() if old.isascii())
_FOLD_CHAIN = tuple((old, new) for old, new in _FOLDS.items() if not old.isascii())
_MATCH_CHAIN = _FOLD_CHAIN + tuple((old, "") for old in INVISIBLE)


def fold(text: str) -> str:
    """`text` with typographic quotes, apostrophes and spaces plain: same length, same offsets."""
    return _replace_all(text, _FOLD_CHAIN)


def _replace_all(text: str, chain: tuple[tuple[str, str], ...]) -> str:
    """`text` with the ASCII folds and the non-ASCII replacements of `chain` made."""
    for old, new in _ASCII_FOLDS:
        if old in text:
            text = text.replace(old, new)
    if text.isascii():  # constant time: CPython marks a string that is all ASCII
        return text
    for old, new in chain:
        if old in text:
            text = text.replace(old, new)
    return text


def _untimed(pattern: TimedPattern) -> TimedPattern:
    """The same pattern and flags, compiled by nltk with no time limit."""
    return guarded_compile(pattern.pattern, pattern.flags, timeout=None)


@cache
def _punkt() -> types.ModuleType:
    """nltk's Punkt module, loaded (`_import_nltk`) with the first sentence split."""
    _import_nltk((_PUNKT,))
    return importlib.import_module(_PUNKT)


@cache
def _trusted_punkt_vars() -> type:
    """Punkt's English conventions, its three text-wide patterns compiled without nltk's
    time limit (every other Punkt pattern keeps it).

    The period context (a sentence-end character and what follows it), the word splitter
    (a lazy run of non-space characters up to a word's end, which white space or the end
    always gives) and the boundary realignment (closing quotes after an end) have no
    nested repetition, so they run in time linear in their input, and Punkt never sees
    more than MAX_PUNKT_CHARS at once (`_punkt_pieces`). Under the limit they cost an
    eighth more of all the splitting (measured on news text). Same patterns, same flags,
    so the same sentences (tests/engine/test_text.py).
    """
    language_vars = _punkt().PunktLanguageVars

    class _TrustedPunktVars(language_vars):
        re_boundary_realignment = _untimed(language_vars.re_boundary_realignment)

        def __init__(self) -> None:
            super().__init__()
            # nltk compiles these two on first use and keeps them in these slots.
            self._re_word_tokenizer = _untimed(super()._word_tokenizer_re())
            self._re_period_context = _untimed(super().period_context_re())

    return _TrustedPunktVars


@cache
def _sentence_splitter(trusted: bool = True) -> PunktSentenceTokenizer:
    """Punkt with our abbreviations (and, unless `trusted` is False, `_trusted_punkt_vars`)."""
    punkt = _punkt()
    params = punkt.PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    if not trusted:
        return punkt.PunktSentenceTokenizer(params)
    return punkt.PunktSentenceTokenizer(params, lang_vars=_trusted_punkt_vars()())


# nltk's RegexpTokenizer's flags; it finds tokens with its pattern's `findall`.
_TOKEN_FLAGS = re.UNICODE | re.MULTILINE | re.DOTALL


@cache
def _word_splitter() -> TimedPattern:
    """What nltk's `RegexpTokenizer(TOKEN_PATTERN)` finds tokens with, compiled by nltk
    without a time limit.

    nltk runs every regular expression under a 5 s limit against patterns that backtrack
    without end, and under a limit the `regex` engine's findall takes three to four times
    as long (measured on news text). TOKEN_PATTERN has nothing to backtrack into (a run of
    word characters can go on only with a separator and another run), so it matches in
    time linear in the text, and nltk's documented way for a trusted pattern applies:
    `timeout=None`. Same engine, same flags, so the same tokens; the tokenizer class itself
    is not needed (its module loads what `_PUNKT` does).
    """
    return guarded_compile(TOKEN_PATTERN, _TOKEN_FLAGS, timeout=None)


@cache
def stopwords() -> frozenset[str]:
    """The English stopword list shipped in `bot/engine/data/stopwords-en.txt`."""
    text = resources.files("bot.engine").joinpath("data/stopwords-en.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


_stemmer = SnowballStemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of a lower-cased word, memoised: a corpus repeats its words a lot."""
    return _stemmer.stem(word)


_LINKS = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|[@#]\w+")
_WORD = re.compile(r"[^\W\d_]{2,}")
_TRAILERS = ("—", "–", "http", "pic.twitter")
# Punkt never sees more of a paragraph than this at once (see `_punkt_pieces`).
MAX_PUNKT_CHARS = 10_000
# What Punkt needs to see any sentence break at all: a sentence-ending character and
# something after it (its `period_context_re` asks for a next token or punctuation).
_MAY_END = re.compile(r"[.?!].", re.DOTALL)
# A sentence's end followed by the start of another: the safe place to cut a long paragraph.
_PIECE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[]*[A-Z0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in one paragraph of `text`.

    A fragment that is not a sentence of its own (a tweet's trailing links and
    "— Name (@handle) June 22, 2019" signature) stays with the sentence before it.
    """
    spans: list[tuple[int, int]] = []
    long = len(text) > MAX_PUNKT_CHARS
    for offset, piece in _punkt_pieces(fold(text)):  # folding keeps every offset
        if long and len(_WORD.findall(piece)) < 3:
            # No sentence in it has three words, so each would join the one before.
            found = [(len(piece) - len(piece.lstrip()), len(piece.rstrip()))]
        elif not _MAY_END.search(piece):
            # Punkt considers a break only at a ".", "?" or "!" with something after it;
            # with none, it gives the piece whole, less its trailing space.
            found = [(0, len(piece.rstrip()))]
        else:
            found = _sentence_splitter().span_tokenize(piece)
        for start, end in found:
            start, end = start + offset, end + offset
            if start >= end:
                continue
            if spans and (text.startswith(_TRAILERS, start) or _few_words(text[start:end])):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return close_brackets(text, spans)


_BRACKETS = re.compile(r"[()\[\]]")
_CLOSER = {")": "(", "]": "["}


def close_brackets(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` joined where a sentence would end inside brackets it opened ("(guilty!" | "),").

    Brackets pair as they nest; a closer with no opener (a list's "1)") or an opener never
    closed in `text` (a ":(" smiley) leaves the breaks as they are.
    """
    if len(spans) < 2 or ("(" not in text and "[" not in text):
        return spans
    pairs, opened = [], []
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in "([":
            opened.append((char, match.start()))
        elif opened and opened[-1][0] == _CLOSER[char]:
            pairs.append((opened.pop()[1], match.start()))
    # The outermost pairs, in order: a break inside any pair is inside an outermost one.
    outer: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if not outer or start > outer[-1][1]:
            outer.append((start, end))
    joined = [spans[0]]
    index = 0
    for span in spans[1:]:
        cut = joined[-1][1]  # the break: just after the last character of the sentence before
        while index < len(outer) and outer[index][1] < cut:
            index += 1
        if index < len(outer) and outer[index][0] < cut <= outer[index][1]:
            joined[-1] = (joined[-1][0], span[1])
        else:
            joined.append(span)
    return joined


def _few_words(sentence: str) -> bool:
    """Whether `sentence` has fewer than three words, links and handles aside."""
    return len(_WORD.findall(_LINKS.sub(" ", sentence))) < 3


def _punkt_pieces(text: str) -> list[tuple[int, str]]:
    """`text` in pieces Punkt can split well inside nltk's 5 s limit, with their offsets.

    Punkt's regular expressions run under that limit over all the text they are given,
    and a pasted page can be one paragraph of a megabyte. A longer paragraph is cut after
    a sentence's end (not an abbreviation's), else at a space, else anywhere.
    """
    pieces, offset = [], 0
    while len(text) - offset > MAX_PUNKT_CHARS:
        window = text[offset : offset + MAX_PUNKT_CHARS]
        cut = _safe_cut(window)
        pieces.append((offset, window[:cut]))
        offset += cut
    pieces.append((offset, text[offset:]))
    return pieces


def _safe_cut(window: str) -> int:
    """Where to end a piece of `window`: after its last sentence end, or its last space."""
    for match in reversed(list(_PIECE_END.finditer(window, len(window) // 2))):
        before = window[max(match.start() - 40, 0) : match.start()].split()
        word = before[-1].lower().strip("\"'([").rstrip(".") if before else ""
        if word and word not in ABBREVIATIONS:
            return match.end()
    space = window.rfind(" ", len(window) // 2)
    return space + 1 if space > 0 else len(window)


@lru_cache(maxsize=200_000)
def normalize_word(raw: str) -> str | None:
    """One raw token to its index term, or None for a stopword or an empty token."""
    word = raw.translate(_TYPOGRAPHIC)
    if word in ("US", "U.S", "U.S."):
        return "u.s"  # the country, not the pronoun (a stopword)
    word = word.lower().lstrip("@#")
    if _THOUSANDS.match(word):
        word = word.replace(",", "")
    if word in NEGATIONS:
        return "not"  # "refused" is often "would not", so negation stays searchable
    if "'" in word:
        if word in stopwords():
            return None
        head, _, tail = word.partition("'")
        word = head if tail in _CONTRACTION_ENDINGS else head + tail
    if "." in word and not word.replace(".", "").isdigit():
        parts = word.split(".")
        # D.C. -> dc, but MoveOn.org -> moveon and a missing space ("Sunday.The") splits
        word = "".join(parts) if all(len(p) <= 2 for p in parts) else parts[0]
    word = word.replace(",", "")
    if not word or word in stopwords():
        return None
    return stem(word)


def matchable(text: str) -> str:
    """`text` as words are matched: typography folded, invisible characters dropped."""
    return _replace_all(text, _MATCH_CHAIN)


def tokenize(text: str) -> list[str]:
    """Index terms of a passage or a question: tokens, lower-cased, no stopwords, stemmed."""
    words = _word_splitter().findall(matchable(text))
    return [term for term in map(normalize_word, words) if term is not None]


def words(text: str) -> list[tuple[str, str | None, bool, str]]:
    """Each word of `text`: its lower-cased stem (stopwords kept), its index term or None,
    whether it was written with a capital letter, and the word itself in lower case."""
    found = []
    for raw in _word_splitter().findall(matchable(text)):
        plain = raw.translate(_TYPOGRAPHIC).lower().lstrip("@#").replace(".", "")
        capital = raw.lstrip("@#")[:1].isupper()
        found.append((stem(plain.split("'")[0] or plain), normalize_word(raw), capital, plain))
    return found
