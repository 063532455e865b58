"""Text to WordLlama's token ids, word by word: what the word vectors read (`meaning`), and
what the store keeps for each sentence (`pipeline`), so a quote need not be tokenised again.

The tokeniser writes a space as "▁" and prepends one, and no token holds a "▁" after
anything else: no token spans the start of a word, so a text's tokens are its words' (with
their spaces before them), one word after the other, and a word seen before need not be
tokenised again. Sentences joined by single spaces therefore tokenise as their sentences,
one after the other (`WordPieces.joins`). Only the tokeniser is read here (no vectors), so
each of the pipeline's workers loads it in a tenth of a second.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path

_SPACED_WORD = re.compile("▁+[^▁]*")  # a word as the tokeniser sees it, its spaces first
# Words whose tokens are kept (then all are forgotten, and kept again as they recur).
WORDS_KEPT = 200_000


class WordPieces:
    """WordLlama's tokeniser, as read from its installed package, with the words it split."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(
            str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json")
        )
        vocabulary = self._tokenizer.get_vocab()
        # The store keeps token ids in 16 bits: a larger vocabulary's are not kept.
        self.storable = len(vocabulary) < 2**16
        # Its special tokens ("<s>") are matched before anything else: a text holding one
        # is tokenised whole, by the tokeniser itself.
        self.special = [t.content for t in self._tokenizer.get_added_tokens_decoder().values()]
        tokenizer, sample = self._tokenizer, " a  b\tc "
        self.by_word = (
            tokenizer.pre_tokenizer is None
            and tokenizer.normalizer is not None
            and tokenizer.normalizer.normalize_str(sample) == "▁" + sample.replace(" ", "▁")
            and all("▁" not in token.lstrip("▁") for token in vocabulary)
        )
        self._words: dict[str, list[int]] = {}
        self._model = self._tokenizer.model

    def whole_word(self, word: str) -> bool:
        """Whether the vocabulary holds `word` as one token (a common word, spelt right)."""
        return len(self._tokenizer.encode(word, add_special_tokens=False).ids) == 1

    def tokens(self, text: str) -> list[int]:
        """The token ids of `text`, as the tokeniser gives them (no special tokens added)."""
        if not self.by_word or not text or any(t in text for t in self.special):
            return self._tokenizer.encode(text, add_special_tokens=False).ids
        known = self._words
        if len(known) > WORDS_KEPT:
            known.clear()
        found = []
        for word in _SPACED_WORD.findall("▁" + text.replace(" ", "▁")):
            ids = known.get(word)
            if ids is None:
                ids = known[word] = [token.id for token in self._model.tokenize(word)]
            found += ids
        return found

    def joins(self, text: str, spans: Sequence[tuple[int, int]]) -> bool:
        """Whether `text` from the first span's start to the last one's end tokenises as
        the spans' texts one after the other: one span, or spans joined by single spaces,
        none but the last ending in a space or a "▁", and no special token among them."""
        if len(spans) == 1:
            return True
        if not self.by_word:
            return False
        for (_, end), (start, _) in pairwise(spans):
            if text[end:start] != " " or text[end - 1 : end] in (" ", "▁", ""):
                return False
        whole = text[spans[0][0] : spans[-1][1]]
        return not any(t in whole for t in self.special)


def installed() -> Path | None:
    """WordLlama's package folder, or None when it is not installed. Found, not imported:
    the package's own code (and its pydantic) is not needed."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def pieces() -> WordPieces | None:
    """The tokeniser, or None when WordLlama is not installed."""
    folder = installed()
    return None if folder is None else WordPieces(folder)


def version() -> str:
    """What shapes the token ids the store keeps: WordLlama's version, or that it has none."""
    if installed() is None:
        return "no word pieces"
    return f"wordllama {importlib.metadata.version('wordllama')}"
