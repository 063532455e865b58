"""A question as typed in chat to the words it asks with: mentions, emoji and fillers out,
short forms and slang in the words articles use, misspelt words as the corpus spells them.

Discord questions come with "@everyone", "?? lol", "ppl", "cops" and typos; none of that is
what the question is about, and none of it may change the answer. The table of fillers and
slang is `bot/engine/data/chat.txt`, written for chat in general, not for one story.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Discord's mention and emoji markup (<@123>, <@!123>, <@&123>, <#123>, <:name:123>,
# <a:name:123>), the two mass mentions, and :shortcode: emoji.
_MARKUP = re.compile(r"<(?:@[!&]?|#|a?:\w+:)\d+>|@(?:everyone|here)\b|:[a-z0-9_+-]{2,32}:", re.I)
# Emoticons typed as text: ":)", ";-P", ":'(", "<3", "^^", "-_-".
_EMOTICON = re.compile(r"(?<![\w:;=])[:;=][-']?[)(\]\[dpo/|*3]+(?![\w])|<3+|\^\^|-_-", re.I)
# Symbols and pictographs that are emoji (So: "Symbol, other"), their modifiers and joiners.
_EMOJI_JOINERS = "\u200d\ufe0f\ufe0e"
_REPEATED_MARKS = re.compile(r"([?!.])[?!.]+")
_SPACES = re.compile(r"\s+")
# The shortest misspelt word worth correcting: shorter ones have too many neighbours. A word
# one letter shorter is corrected only for two letters typed the wrong way round ("riad").
MIN_RESPELL = 5
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Table:
    """`data/chat.txt` as read: fillers and slang as one pattern (with what each becomes),
    and the words that are chat only where the question starts or ends."""

    pattern: re.Pattern
    plain: dict[str, str]  # filler -> "", slang -> plain words
    lead: re.Pattern
    tail: re.Pattern


def _words(words: list[str]) -> str:
    """Whole words or phrases, the longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def _table() -> Table:
    """The fillers, slang and chat at either end of a question, from `data/chat.txt`."""
    text = resources.files("bot.engine").joinpath("data/chat.txt").read_text("utf-8")
    listed: dict[str, list[str]] = {"drop": [], "lead": [], "tail": []}
    plain: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, colon, rest = line.partition(":")
        if colon and kind in listed:
            listed[kind] += [d.strip().lower() for d in rest.split(",") if d.strip()]
        elif "=" in line:
            short, _, words = line.partition("=")
            short = short.strip().lower()
            if short in plain:  # a second line would silently win over the first
                raise ValueError(f"data/chat.txt lists {short!r} twice")
            plain[short] = words.strip()
    # A short form may take a possessive ("ny's attorney general"): it stays on the plain words.
    pattern = re.compile(
        r"(?<![\w'/-])(" + _words([*listed["drop"], *plain]) + r")(['’]s)?(?![\w'’/-])", re.I
    )
    return Table(
        pattern,
        {**dict.fromkeys(listed["drop"], ""), **plain},
        # one word at a time (`clean` repeats): a repeated group would backtrack
        re.compile(rf"^(?:{_words(listed['lead'])})(?![\w'’-])[\s,:;!.?]*", re.I),
        re.compile(rf"[\s,;-]+(?:{_words(listed['tail'])})(?=[?!.\s]*$)", re.I),
    )


def _is_emoji(char: str) -> bool:
    return (
        unicodedata.category(char) == "So"
        or char in _EMOJI_JOINERS
        or (
            "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
        )
    )


def _plain_words(found: re.Match) -> str:
    """What a filler or short form matched in a question becomes: nothing, or its plain
    words (with the possessive it was typed with)."""
    plain = _table().plain[found.group(1).lower()]
    return f" {plain}{found.group(2) or ''} " if plain else " "


def clean(question: str) -> str:
    """`question` without chat markup, emoji and fillers, its slang in plain words.

    "@everyone ok so which cops refused?? lol 😂" -> "which police refused?"
    """
    text = _EMOTICON.sub(" ", _MARKUP.sub(" ", question))
    if not text.isascii():
        text = "".join(" " if _is_emoji(c) else c for c in text)
    if text.isupper():  # typed in capitals: a shout, not a row of names
        text = text.lower()
    table = _table()
    text = table.pattern.sub(_plain_words, text)
    text = _REPEATED_MARKS.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip(" ,;:!.-")
    while found := table.lead.match(text):  # "so wait which ..."
        text = text[found.end() :]
    while found := table.tail.search(text):  # "... exactly?? tho"
        text = text[: found.start()] + text[found.end() :]
    return _REPEATED_MARKS.sub(r"\1", text).strip(" ,;:-")


def respell(
    question: str,
    idf: Callable[[str], float | None],
    term: Callable[[str], str | None],
    real: Callable[[str], bool] = lambda word: False,
) -> str:
    """`question` with each lower-case word the corpus does not know, but knows one letter
    away, spelt as the corpus spells it ("polise" -> "police", "goverment" -> "government").

    `idf(term)` is an index term's idf, None when no article has it; `term(word)` gives a
    word's index term (None for a stopword); `real(word)` whether it is an English word as
    written. A real word stays, known or not: "stock" is no typo of "stick" because no
    article has it, and a word no article has is what tells a question the articles do not
    answer. Capitalised words are names and stay as written. Of the spellings one letter
    away whose terms the corpus has, an English word wins, then the commonest term.
    """
    words = question.split(" ")
    for number, raw in enumerate(words):
        word = raw.strip("?!.,;:\"'()")
        if len(word) < MIN_RESPELL - 1 or not word.isalpha() or not word.islower():
            continue
        own = term(word)
        if own is None or idf(own) is not None or real(word):
            continue
        known = []
        nearby = _one_letter_away(word) if len(word) >= MIN_RESPELL else _swapped(word)
        for candidate in dict.fromkeys(nearby):
            found = term(candidate)
            rarity = idf(found) if found is not None else None
            if rarity is not None:
                known.append((rarity, candidate))
        if known:
            known.sort()
            best = next((c for _, c in known if real(c)), known[0][1])
            words[number] = raw.replace(word, best)
    return " ".join(words)


def _swapped(word: str) -> list[str]:
    """Every word two neighbouring letters of `word` swapped."""
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]


def _one_letter_away(word: str) -> list[str]:
    """Every word one deletion, swap of neighbours, change or insertion from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = [a + b[1:] for a, b in splits if b]
    found += _swapped(word)
    found += [a + c + b[1:] for a, b in splits if b for c in _LETTERS if c != b[0]]
    found += [a + c + b for a, b in splits for c in _LETTERS]
    return found
