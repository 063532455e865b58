#!/usr/bin/env python3
"""Writes bot/engine/data/wordnet.tsv, the synonym table the engine reads, from WordNet's files.

Run by developers, never at run time. It reads WordNet 3.0 with nltk's own
`WordNetCorpusReader` from a folder of WordNet's database files (Debian's `wordnet-base`
installs them under /usr/share/wordnet; nothing is downloaded) and also writes
bot/engine/data/lexicon.txt (every one-word lemma, lower case: what tells a word typed as meant
from a typo) and bot/engine/data/WORDNET-LICENSE, WordNet's license, which must ship with
what is derived from it:

    apt-get install -y wordnet-base
    .venv/bin/python scripts/build_wordnet.py [--wordnet /usr/share/wordnet]

Policy (quality over size: a wide match makes the bot quote for questions the articles do
not answer). A sense is *common* for a word when WordNet's sense-tagged count
(`lemma.count()`, from cntlist.rev) is at least a fifth of the word's top count; a word
with no counts at all keeps every sense. Two words are related through a sense common
to both: the same sense (when either word has counts at all), or, when both words were
counted in those senses, a verb sense and its direct hypernym if that has at most 15
hyponyms ("postpone" and "delay"), or an adjective and one it is similar to. Nouns get no
hypernyms ("cop" would bring "officer", "fear" "emotion"). At most ten related words a
word, same sense first. Words with capitals (names, acronyms: "US" is not "us"), stopwords
and lemmas of more than three words are left out.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine import wordnet  # noqa: E402  (the run-time reader's rules, shared)

DATA = ROOT / "bot" / "engine" / "data"
DEFAULT_WORDNET = Path("/usr/share/wordnet")
DEFAULT_COPYRIGHT = Path("/usr/share/doc/wordnet-base/copyright")

# WordNet's database files that nltk's reader opens.
DATABASE_FILES = (
    "cntlist.rev",
    "index.adj",
    "index.adv",
    "index.noun",
    "index.verb",
    "data.adj",
    "data.adv",
    "data.noun",
    "data.verb",
    "adj.exc",
    "adv.exc",
    "noun.exc",
    "verb.exc",
)

# WordNet's lexicographer files, numbered as in lexnames(5WN). nltk's reader needs this
# list as a file called `lexnames`, which Debian's package does not install.
LEXNAMES = """
adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute
noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group
noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant
noun.possession noun.process noun.quantity noun.relation noun.shape noun.state
noun.substance noun.time verb.body verb.change verb.cognition verb.communication
verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion
verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl
""".split()
SYNTACTIC_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

POS_ORDER = "nvar"
# A sense is common for a word when its count is at least this share of the word's top count.
COMMON_SHARE = 0.2
MAX_WORDS = 3
MAX_RELATED = 10
# A verb's hypernym relates to it only when it has at most this many hyponyms: "delay"
# (4) is specific enough for "postpone", "move" (92) is not for "expel".
MAX_FANOUT = 15
# Ranks a word sharing a sense above any hypernym's or similar adjective's words.
SAME_SENSE = 100_000
WORD = re.compile(r"[a-z][a-z0-9'.-]*")


def open_wordnet(folder: Path, staging: Path):
    """nltk's WordNet reader over a copy of `folder` in `staging` (plus the lexnames list)."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class LocalWordNet(WordNetCorpusReader):
        """nltk's reader without its mapping to other WordNet versions (OMW data only)."""

        def map_wn(self, version: str = "wordnet") -> None:
            return None

    for name in DATABASE_FILES:
        shutil.copyfile(folder / name, staging / name)
    with open(staging / "lexnames", "w", encoding="ascii") as out:
        for number, name in enumerate(LEXNAMES):
            out.write(f"{number:02d}\t{name}\t{SYNTACTIC_CATEGORY[name.split('.')[0]]}\n")
    # nltk opens corpus files only under its data path; the copy is where it may read.
    nltk.data.path.insert(0, str(staging))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        return LocalWordNet(str(staging), None)


def load_stopwords() -> frozenset[str]:
    """The engine's own stopword list (bot/engine/data/stopwords-en.txt)."""
    lines = (DATA / "stopwords-en.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def phrase(name: str) -> str:
    """A lemma's name as the table writes it: "go_after" -> "go after"."""
    return name.replace("_", " ")


def wanted(name: str, stopwords: frozenset[str]) -> bool:
    """Whether a lemma may be a key or a related word: lower-case, short, not a stopword."""
    words = name.split(" ")
    return (
        len(words) <= MAX_WORDS
        and all(WORD.fullmatch(w) for w in words)
        and not all(w in stopwords for w in words)
    )


@dataclass
class Graph:
    """What the table is made from, as plain data: senses, their words, and their links."""

    senses: dict[str, list[tuple[str, int]]]  # word -> [(synset, its count)], most frequent first
    members: dict[str, list[tuple[str, int]]]  # synset -> [(word, its count)]
    general: dict[str, list[str]]  # verb synset -> its direct hypernyms
    fanout: dict[str, int]  # verb synset -> how many direct hyponyms it has
    similar: dict[str, list[str]]  # adjective synset -> similar_tos
    parts: dict[str, str]  # word -> its parts of speech ("nv")


def read_graph(wn) -> Graph:
    """Every lemma, sense, count and link the policy looks at, read once through nltk."""
    senses: dict[str, list[tuple[str, int]]] = defaultdict(list)
    parts: dict[str, set[str]] = defaultdict(set)
    members, general, fanout, similar = {}, {}, {}, {}
    for synset in wn.all_synsets():
        key = synset.name()
        pos = "a" if synset.pos() == "s" else synset.pos()
        members[key] = [(phrase(lemma.name()), lemma.count()) for lemma in synset.lemmas()]
        if pos == "v":
            general[key] = [h.name() for h in synset.hypernyms()]
            fanout[key] = len(synset.hyponyms())
        elif pos == "a":
            similar[key] = [s.name() for s in synset.similar_tos()]
    for pos in POS_ORDER:
        for lemma_name in wn.all_lemma_names(pos):
            word = phrase(lemma_name)
            for synset in wn.synsets(lemma_name, pos):
                # Only senses where the word is written in lower case: "us" is not "US".
                counts = [c for w, c in members[synset.name()] if w == word]
                if counts:
                    parts[word].add(pos)
                    senses[word].append((synset.name(), max(counts)))
    return Graph(
        senses=dict(senses),
        members=members,
        general=general,
        fanout=fanout,
        similar=similar,
        parts={w: "".join(sorted(p, key=POS_ORDER.index)) for w, p in parts.items()},
    )


def common_senses(graph: Graph, share: float) -> dict[str, set[str]]:
    """Each word's common senses: counted at least `share` of its top sense's count.

    A word with no counts at all keeps every sense: WordNet has no evidence which one
    is its main one, and a link needs the other word's agreement too.
    """
    common = {}
    for word, found in graph.senses.items():
        top = max(count for _, count in found)
        common[word] = {s for s, c in found if not top or (c > 0 and c >= share * top)}
    return common


def relate(
    graph: Graph,
    stopwords: frozenset[str],
    share: float = COMMON_SHARE,
    max_fanout: int = MAX_FANOUT,
    max_related: int = MAX_RELATED,
) -> dict[str, list[str]]:
    """Each word's related words, closest first: {word: [related, ...]}.

    `word` and `other` are related through a sense of `word` and a sense of `other`
    that are common senses of each: the same sense, when at least one of the two words
    has counts at all (two words WordNet never saw in text are mostly Latin names); or,
    when both words have counts in their senses, a verb sense and its direct hypernym
    with at most `max_fanout` hyponyms ("postpone" -> "delay", not "expel" -> "move"),
    or an adjective and one it is similar to ("scared" -> "afraid").
    """
    common = common_senses(graph, share)
    own = {w: dict(found) for w, found in graph.senses.items()}  # word -> {sense: count}
    counted = {w: any(counts.values()) for w, counts in own.items()}
    neighbours: dict[str, list[str]] = defaultdict(list)
    for synset, hypernyms in graph.general.items():
        for hypernym in hypernyms:
            if graph.fanout[hypernym] <= max_fanout:
                neighbours[synset].append(hypernym)
                neighbours[hypernym].append(synset)
    for synset, others in graph.similar.items():
        neighbours[synset].extend(others)

    table = {}
    for word, synsets in common.items():
        if not wanted(word, stopwords):
            continue
        # (other word, the sense of it that links, rank): same sense first, then by count.
        candidates: list[tuple[str, str, int]] = []
        for synset in synsets:
            candidates += [
                (other, synset, SAME_SENSE + count)
                for other, count in graph.members[synset]
                if counted[word] or counted.get(other)
            ]
            if own[word][synset]:
                candidates += [
                    (other, neighbour, count)
                    for neighbour in neighbours[synset]
                    for other, count in graph.members[neighbour]
                    if count
                ]
        found: dict[str, int] = {}
        for other, sense, rank in candidates:
            if other != word and wanted(other, stopwords) and sense in common.get(other, ()):
                found[other] = max(found.get(other, -1), rank)
        if found:
            table[word] = sorted(found, key=lambda w: (-found[w], w))[:max_related]
    return table


def read_exceptions(folder: Path) -> wordnet.Inflections:
    """WordNet's exception lists (noun.exc, ...): {part of speech: {form: base forms}}."""
    found: wordnet.Inflections = {}
    for pos, name in zip(POS_ORDER, ("noun", "verb", "adj", "adv"), strict=True):
        found[pos] = {}
        for line in (folder / f"{name}.exc").read_text(encoding="utf-8").splitlines():
            form, *bases = (phrase(w) for w in line.split())
            found[pos][form] = tuple(bases)
    return found


def inflection_rows(
    table: dict[str, list[str]], graph: Graph, exceptions: wordnet.Inflections
) -> wordnet.Inflections:
    """The exception entries that can matter at run time: those naming a word of the table
    (or the first word of a verb phrase, the last of a noun phrase) as a base form, or
    whose form the rules alone would lead to one."""
    heads: dict[str, set[str]] = {pos: set() for pos in POS_ORDER}
    for word in table:
        words = word.split(" ")
        for pos in graph.parts[word]:
            heads[pos].add(word)
            heads[pos].add(words[0] if pos == "v" else words[-1])
    no_exceptions = {pos: {} for pos in POS_ORDER}
    kept: wordnet.Inflections = {pos: {} for pos in POS_ORDER}
    for pos, entries in exceptions.items():
        for form, bases in entries.items():
            ruled = wordnet.candidates(form, pos, no_exceptions)
            if any(w in heads[pos] for w in (*bases, *ruled)) and WORD.fullmatch(form):
                kept[pos][form] = bases
    return kept


def blockers(
    table: dict[str, list[str]], graph: Graph, inflections: wordnet.Inflections
) -> list[str]:
    """WordNet words without related words that the rules would otherwise read as a word of
    the table ("customs" is a word of its own, not only a plural of "custom"): listed with
    no related words, so the reader takes them as they are, as nltk's morphy does."""
    found = []
    for word, parts in graph.parts.items():
        if word in table or not parts:
            continue
        for pos in parts:
            forms = wordnet.phrase_candidates(word, pos, inflections)
            if any(f in table and pos in graph.parts[f] for f in forms):
                found.append(word)
                break
    return found


def write_table(
    path: Path,
    table: dict[str, list[str]],
    graph: Graph,
    blocked: list[str],
    inflections: wordnet.Inflections,
) -> None:
    """The table file: a header, a line per word, then the inflections after their mark."""
    lines = [
        "# Related words from WordNet 3.0 (Princeton University), made by "
        "scripts/build_wordnet.py. License: WORDNET-LICENSE.",
        "# word<TAB>its parts of speech (n v a r)<TAB>related words, closest first, |-separated",
    ]
    rows = {**{w: "|".join(r) for w, r in table.items()}, **dict.fromkeys(blocked, "")}
    lines += [f"{w}\t{graph.parts[w]}\t{rows[w]}" for w in sorted(rows)]
    lines += [wordnet.INFLECTIONS_MARK, "# form<TAB>part of speech<TAB>base forms, |-separated"]
    for pos in POS_ORDER:
        for form in sorted(inflections[pos]):
            lines.append(f"{form}\t{pos}\t{'|'.join(inflections[pos][form])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_lexicon(path: Path, words: list[str]) -> None:
    """Every one-word lemma WordNet has, in lower case (proper nouns too: "brooklyn",
    "plaintiff", "parole"): what tells a word typed as meant from a typo
    (`bot.engine.wordnet.is_word`). Stopwords are kept: "canned" is a form of "can"."""
    lines = [
        "# Every one-word lemma of WordNet 3.0 (Princeton University), lower case, made by "
        "scripts/build_wordnet.py. License: WORDNET-LICENSE.",
    ]
    path.write_text("\n".join(lines + words) + "\n", encoding="utf-8")


def lexicon_words(wn) -> list[str]:
    """The lexicon's words: one-word lemma names of letters only, lower case, sorted."""
    found = {
        name.lower()
        for pos in POS_ORDER
        for name in wn.all_lemma_names(pos)
        if name.isascii() and name.isalpha()
    }
    return sorted(found)


def write_license(copyright_file: Path, path: Path) -> None:
    """WordNet's license as Debian's wordnet-base states it, with a line on what it covers."""
    text = copyright_file.read_text(encoding="utf-8")
    stanza = text.split("License: WordNet3.0\n", 1)[1].split("\n\n", 1)[0]
    body = "\n".join("" if ln.strip() == "." else ln[1:] for ln in stanza.splitlines())
    path.write_text(
        "bot/engine/data/wordnet.tsv and bot/engine/data/lexicon.txt are derived from "
        "WordNet 3.0 by scripts/build_wordnet.py.\n"
        "WordNet's license (from the copyright file of Debian's wordnet-base package):\n\n"
        f"{body}\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=DEFAULT_WORDNET, help="database files")
    parser.add_argument("--copyright", type=Path, default=DEFAULT_COPYRIGHT, help="its license")
    parser.add_argument("--out", type=Path, default=DATA, help="folder to write to")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as staging:
        reader = open_wordnet(args.wordnet, Path(staging))
        graph = read_graph(reader)
        lexicon = lexicon_words(reader)
    table = relate(graph, load_stopwords())
    inflections = inflection_rows(table, graph, read_exceptions(args.wordnet))
    blocked = blockers(table, graph, inflections)
    write_table(args.out / "wordnet.tsv", table, graph, blocked, inflections)
    write_lexicon(args.out / "lexicon.txt", lexicon)
    write_license(args.copyright, args.out / "WORDNET-LICENSE")
    size = (args.out / "wordnet.tsv").stat().st_size
    print(
        f"{len(table)} words with related words, {len(blocked)} without, "
        f"{sum(map(len, inflections.values()))} inflections; {size / 1e6:.2f} MB; "
        f"lexicon {len(lexicon)} words, {(args.out / 'lexicon.txt').stat().st_size / 1e6:.2f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
