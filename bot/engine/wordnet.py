"""General English word knowledge: a word's or phrase's related words, from a WordNet table.

The table `bot/engine/data/wordnet.tsv` is derived from WordNet 3.0 by `scripts/build_wordnet.py`
and committed with WordNet's license (`bot/engine/data/WORDNET-LICENSE`); nothing is read from
nltk's data or downloaded. Inflected forms are found as WordNet's morphy finds them: its
exception lists (kept in the table) and its suffix rules, so "pushed back" is "push back".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

log = logging.getLogger(__name__)

TABLE = "data/wordnet.tsv"
LEXICON = "data/lexicon.txt"
INFLECTIONS_MARK = "# inflections"
PARTS_OF_SPEECH = "nvar"

# WordNet's detachment rules (morphy(7WN), as nltk's `WordNetCorpusReader` applies them):
# an ending and what replaces it, per part of speech.
RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "n": (
        ("s", ""),
        ("ses", "s"),
        ("ves", "f"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "v": (
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}


# part of speech -> inflected form -> its base forms (WordNet's exception lists)
Inflections = dict[str, dict[str, tuple[str, ...]]]


class WordNetTableError(RuntimeError):
    """The WordNet table is missing or unreadable (it ships with the code)."""


@dataclass(frozen=True)
class Table:
    """The table as read: each word's parts of speech and related words, and the inflections."""

    entries: dict[str, str]  # word -> "nv\trelated|related|..." (split when asked)
    inflections: Inflections

    def parts(self, word: str) -> str:
        """The parts of speech the table knows `word` as ("" when it does not)."""
        entry = self.entries.get(word)
        return entry.partition("\t")[0] if entry is not None else ""

    def related(self, word: str) -> tuple[str, ...]:
        """The related words stored for exactly `word`, closest first."""
        entry = self.entries.get(word)
        if not entry:
            return ()
        listed = entry.partition("\t")[2]
        return tuple(listed.split("|")) if listed else ()


def parse(text: str) -> Table:
    """A `Table` from the file's text: entry lines, then the inflections after their mark."""
    body, _, tail = text.partition(f"\n{INFLECTIONS_MARK}\n")
    entries = {}
    for line in body.split("\n"):
        if line and line[0] != "#":
            word, _, rest = line.partition("\t")
            entries[word] = rest
    inflections: Inflections = {pos: {} for pos in PARTS_OF_SPEECH}
    for line in tail.split("\n"):
        if line and line[0] != "#":
            form, pos, bases = line.split("\t")
            inflections[pos][form] = tuple(bases.split("|"))
    return Table(entries, inflections)


def _bundled(path: str, what: str) -> str:
    """The text of a data file that ships with the code, or a clear error naming it."""
    try:
        return resources.files("bot.engine").joinpath(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WordNetTableError(
            f"The WordNet {what} bot/engine/{path} is missing or unreadable ({error}); "
            "it ships with the code: restore it from git or run scripts/build_wordnet.py."
        ) from error


@cache
def table() -> Table:
    """The bundled table, read once on first use."""
    loaded = parse(_bundled(TABLE, "table"))
    log.debug("WordNet table: %d words", len(loaded.entries))
    return loaded


@cache
def lexicon() -> frozenset[str]:
    """Every one-word lemma WordNet has, lower case (`bot/engine/data/lexicon.txt`), read
    once on first use."""
    text = _bundled(LEXICON, "lexicon")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=8192)
def is_word(word: str) -> bool:
    """Whether a lower-case word is an English word or a form of one as WordNet has it
    ("plaintiff", "torched", "hondurans", "brooklyn"), by its exception lists and suffix
    rules in any part of speech: a word typed as meant, not a typo."""
    known = lexicon()
    if word in known:
        return True
    inflections = table().inflections
    return any(
        base in known for pos in PARTS_OF_SPEECH for base in candidates(word, pos, inflections)
    )


def candidates(word: str, pos: str, inflections: Inflections) -> list[str]:
    """Possible base forms of one inflected word as `pos`: its exception entry, else the rules."""
    if word in inflections[pos]:
        return list(inflections[pos][word])
    return [word[: -len(end)] + new for end, new in RULES[pos] if word.endswith(end)]


def phrase_candidates(phrase: str, pos: str, inflections: Inflections) -> list[str]:
    """Base forms to try for a word or phrase: a verb phrase inflects its first word
    ("pushed back"), a noun phrase its last ("police officers")."""
    words = phrase.split(" ")
    if len(words) == 1 or phrase in inflections[pos]:
        return candidates(phrase, pos, inflections)
    if pos == "v":
        rest = " ".join(words[1:])
        return [f"{base} {rest}" for base in candidates(words[0], pos, inflections)]
    if pos == "n":
        head = " ".join(words[:-1])
        return [f"{head} {base}" for base in candidates(words[-1], pos, inflections)]
    return []


def normalise(phrase: str) -> str:
    """Lower case, single spaces, underscores as spaces, curly apostrophes straight."""
    return " ".join(phrase.replace("_", " ").replace("\u2019", "'").lower().split())


@lru_cache(maxsize=8192)
def base_forms(phrase: str) -> tuple[str, ...]:
    """The table's words that `phrase` is a form of ("delayed" -> "delay"), or ().

    As nltk's `morphy` in each part of speech: the phrase itself when the table knows it
    as that part of speech, else the first base form the exception list or rules give
    ("scared" is "scare", not "scar"); one per part of speech ("left" is an adjective and
    a form of the verb "leave").
    """
    loaded = table()
    phrase = normalise(phrase)
    found: dict[str, None] = {}  # an ordered set
    for pos in PARTS_OF_SPEECH:
        for form in (phrase, *phrase_candidates(phrase, pos, loaded.inflections)):
            if pos in loaded.parts(form):
                found[form] = None
                break
    return tuple(found)


@lru_cache(maxsize=8192)
def related(phrase: str) -> tuple[str, ...]:
    """Words worth searching for when a question says `phrase`, closest first, or ().

    "delayed" -> ("hold up", "postponement", ...): the related words of each base form,
    without the phrase and its base forms themselves.
    """
    loaded = table()
    bases = base_forms(phrase)
    skip = {normalise(phrase), *bases}
    found: dict[str, None] = {}  # an ordered set
    for base in bases:
        found.update((word, None) for word in loaded.related(base) if word not in skip)
    return tuple(found)
