"""A question to weighted search terms: its own words, plus everyday synonyms at lower weight."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.text import tokenize

EXPANSION_WEIGHT = 0.5
# Words that frame a question rather than say what it is about ("what did X say about Y").
# They still search, but lightly, and a passage is not judged relevant for having them.
FRAMING = frozenset(
    tokenize(
        "say said says tell told think thought react reaction respond response happen happened "
        "happening mean explain describe know anyone anybody someone something thing things "
        "about regarding news article articles story stories report reports reported "
        "also really actually please much many"
    )
)


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about: its own term and the terms that also count for it."""

    term: str
    weights: dict[str, float]
    framing: bool


@cache
def synonym_groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The groups in `bot/data/synonyms.txt`, each entry as its tuple of index terms."""
    text = resources.files("bot").joinpath("data/synonyms.txt").read_text("utf-8")
    groups = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        entries = {tuple(tokenize(entry)) for entry in line.split(",")}
        groups.append(tuple(entry for entry in entries if entry))
    return tuple(groups)


@cache
def _groups_by_entry() -> dict[tuple[str, ...], list[int]]:
    index: dict[tuple[str, ...], list[int]] = {}
    for number, group in enumerate(synonym_groups()):
        for entry in group:
            index.setdefault(entry, []).append(number)
    return index


def analyse(question: str) -> list[Concept]:
    """The question's concepts, in order, each term once."""
    terms = list(dict.fromkeys(tokenize(question)))
    found = _groups_by_entry()
    concepts = []
    for position, term in enumerate(terms):
        groups = set(found.get((term,), []))
        for size in (2, 3):  # phrases such as "kick out" or "los angeles"
            for first in range(max(0, position - size + 1), position + 1):
                phrase = tuple(terms[first : first + size])
                if len(phrase) == size:
                    groups.update(found.get(phrase, []))
        weights = {term: 1.0}
        for number in sorted(groups):
            for entry in synonym_groups()[number]:
                for other in entry:
                    weights.setdefault(other, EXPANSION_WEIGHT)
        concepts.append(Concept(term, weights, term in FRAMING))
    return concepts
