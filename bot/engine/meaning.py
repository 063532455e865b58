"""Words to how close in meaning they are: static word vectors, offline, on the CPU.

"cops" and "police", "kids" and "children", "hurt" and "injured" share no stem; a question
in chat words and an article in news words meet here. The vectors are WordLlama's
(`wordllama` on PyPI, MIT; its 256-dimension token vectors derive from Llama 2's token
embeddings, under the Llama 2 Community License): a word's vector is the mean of its
sub-word tokens' vectors. They ship inside the package's wheel and are read from there
with `tokenizers` and numpy: nothing is downloaded, ever.

Vectors put neighbours of one kind close together (two weekdays, two cities, two numbers),
so names, numbers, days and months are never compared by meaning, only by their letters.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from bot.engine.shapes import TIME
from bot.engine.text import stopwords

log = logging.getLogger(__name__)

_SPACED_WORD = re.compile("▁+[^▁]*")  # a word as the tokeniser sees it, its spaces first
_PLAIN_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*[a-z](?![\w'’-])")
WORDS_KEPT = 200_000
# Text vectors kept (a kilobyte each).
TEXTS_KEPT = 8192
# The most token vectors' floats added up in one kept buffer (16 MB; larger batches get
# their own).
SCRATCH_FLOATS = 4 * 2**20


class Vectors:
    """WordLlama's token vectors and tokenizer, as read from its installed package."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(
            str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json")
        )
        raw = (folder / "weights" / "l2_supercat_256.safetensors").read_bytes()
        size = struct.unpack("<Q", raw[:8])[0]
        info = json.loads(raw[8 : 8 + size])["embedding.weight"]
        begin, end = info["data_offsets"]
        if info["dtype"] != "F16":
            raise ValueError(f"unexpected WordLlama weights ({info['dtype']})")
        # A view of the bytes read, not a copy (16 MB copied while holding the GIL: 14 ms).
        table = np.frombuffer(memoryview(raw)[8 + size + begin : 8 + size + end], np.float16)
        rows, width = info["shape"]
        # Each token's vector, then a zero row that pads a short text's tokens (`_unit_means`).
        self._table = np.zeros((rows + 1, width), np.float32)
        self._table[:rows] = table.reshape(rows, width)
        self._rows: dict[str, int] = {}  # a word -> its row of `_kept`, its unit vector
        self._kept = np.zeros((0, width), np.float32)
        self._lock = threading.Lock()
        self._texts: OrderedDict[str, np.ndarray] = OrderedDict()  # the texts used last
        self._scratch = _Scratch()
        # The tokeniser writes a space as "▁" and prepends one, and no token holds a "▁" after
        # anything else: no token spans the start of a word, so a text's tokens are its
        # words' (with their spaces before them), one word after the other, and a word seen
        # before need not be tokenised again. Its special tokens are matched before that.
        vocabulary = self._tokenizer.get_vocab()
        self._special = [t.content for t in self._tokenizer.get_added_tokens_decoder().values()]
        tokenizer, sample = self._tokenizer, " a  b\tc "
        self._by_word = (
            tokenizer.pre_tokenizer is None
            and tokenizer.normalizer is not None
            and tokenizer.normalizer.normalize_str(sample) == "▁" + sample.replace(" ", "▁")
            and all("▁" not in token.lstrip("▁") for token in vocabulary)
        )
        self._words_tokens: dict[str, list[int]] = {}
        self._model = self._tokenizer.model

    def whole_word(self, word: str) -> bool:
        """Whether the vocabulary holds `word` as one token (a common word, spelt right)."""
        return len(self._tokenizer.encode(word, add_special_tokens=False).ids) == 1

    def texts(self, texts: list[str]) -> np.ndarray:
        """Each text's unit vector, one row each: the mean of its tokens' vectors, as
        WordLlama embeds a text (its tokeniser, no special tokens, average pooling). The
        TEXTS_KEPT texts used last are kept: quotes recur from one question to the next."""
        kept = self._texts
        with self._lock:
            new = [text for text in dict.fromkeys(texts) if text not in kept]
        made = self._unit_means([self._tokens(text) for text in new])
        with self._lock:
            kept.update(zip(new, map(np.copy, made), strict=True))  # not views of `made`
            found = []
            for text in texts:
                kept.move_to_end(text)
                found.append(kept[text])
            while len(kept) > TEXTS_KEPT:
                kept.popitem(last=False)
        return np.array(found) if found else made

    def _tokens(self, text: str) -> list[int]:
        """The token ids of `text`, as the tokeniser gives them (see `__init__`)."""
        if not self._by_word or not text or any(t in text for t in self._special):
            return self._tokenizer.encode(text, add_special_tokens=False).ids
        known = self._words_tokens
        if len(known) > WORDS_KEPT:
            known.clear()
        found = []
        for word in _SPACED_WORD.findall("▁" + text.replace(" ", "▁")):
            ids = known.get(word)
            if ids is None:
                ids = known[word] = [token.id for token in self._model.tokenize(word)]
            found += ids
        return found

    def matrix(self, words: Iterable[str]) -> np.ndarray:
        """The unit vectors of lower-case `words`, one row each: each word's the mean of its
        tokens' (kept, as rows of one array, until WORDS_KEPT words are: then forgotten)."""
        words = list(words)
        with self._lock:  # questions may be answered on several threads
            at = self._rows
            new = [w for w in dict.fromkeys(words) if w not in at]
            if new:
                if len(at) + len(new) > WORDS_KEPT:
                    at.clear()
                size = len(at)
                kept = self._kept
                if size + len(new) > len(kept):
                    grown = max(size + len(new), min(2 * len(kept), WORDS_KEPT), 1024)
                    kept = self._kept = np.concatenate(
                        (kept[:size], np.zeros((grown - size, kept.shape[1]), np.float32))
                    )
                kept[size : size + len(new)] = self._vectors(new)
                at.update(zip(new, range(size, size + len(new)), strict=True))
            return self._kept[[at[w] for w in words]]

    def _vectors(self, words: list[str]) -> np.ndarray:
        """The words' unit vectors, all at once."""
        return self._unit_means([self._tokens(word) for word in words])

    def _unit_means(self, tokens: list[list[int]]) -> np.ndarray:
        """Per row of token ids, the mean of their vectors at unit length (0 for none): what
        `np.mean` and `np.linalg.norm` give, bit for bit, without their overhead per row.

        Rows of up to twice as many tokens are summed together, the shorter ones padded
        with the zero row (adding zero changes no sum), token after token as `np.mean`
        adds them (their vectors gathered into this thread's kept buffer, `_Scratch`); the
        mean is worked out in float64 as np.mean does; each norm is the dot product
        `np.linalg.norm` takes, all rows in one `np.matmul`."""
        table, zero = self._table, len(self._table) - 1
        counts = list(map(len, tokens))
        found = np.zeros((len(tokens), table.shape[1]), np.float32)
        alike: dict[int, list[int]] = {}  # bit length of the number of tokens -> its rows
        for k, count in enumerate(counts):
            if count:
                alike.setdefault(count.bit_length(), []).append(k)
        for rows in alike.values():
            width = max(counts[k] for k in rows)
            ids = np.array([tokens[k] + [zero] * (width - counts[k]) for k in rows])
            vectors = self._scratch.rows(ids.size, table.shape[1]).reshape(*ids.shape, -1)
            np.take(table, ids, axis=0, out=vectors, mode="clip")  # every id is a row
            found[rows] = np.add.reduce(vectors, axis=1)
        divisors = np.maximum(np.array(counts, dtype=np.intp), 1)[:, None]  # no tokens: 0 / 1
        np.true_divide(found, divisors, out=found, casting="unsafe")
        norms = np.sqrt(np.matmul(found[:, None, :], found[:, :, None]))[:, :, 0]
        norms[norms == 0] = 1.0  # a row of zeros stays one
        found /= norms
        return found


class _Scratch(threading.local):
    """One thread's buffer for the token vectors `Vectors._unit_means` adds up, kept from one
    question to the next: a fresh one of a megabyte or two per question cost ~45 page faults
    (0.13 ms of a 10,000-article `ask`'s first read of its quotes, `python -m bot bench`)."""

    def __init__(self) -> None:
        self.buffer = np.empty(0, np.float32)

    def rows(self, count: int, width: int) -> np.ndarray:
        """`count` rows of `width` floats: the kept buffer's (a larger one is not kept)."""
        size = count * width
        if size > SCRATCH_FLOATS:
            return np.empty((count, width), np.float32)
        if len(self.buffer) < size:
            self.buffer = np.empty(min(max(size, 2 * len(self.buffer)), SCRATCH_FLOATS), np.float32)
        return self.buffer[:size].reshape(count, width)


@cache
def vectors() -> Vectors | None:
    """The vectors, or None when the package is not installed (the engine then judges by
    words alone, and says so once in the log)."""
    # Found, not imported: the package's own code (and its pydantic) is not needed.
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        log.warning("wordllama is not installed: answers are judged without word meanings")
        return None
    return Vectors(Path(next(iter(spec.submodule_search_locations))))


@lru_cache(maxsize=WORDS_KEPT)
def comparable(word: str) -> bool:
    """Whether a lower-case word may be compared by meaning: not a stopword, a day or a
    month (their neighbours are other days and months), and not a number."""
    return len(word) > 2 and word.isalpha() and word not in stopwords() and not TIME.fullmatch(word)


@lru_cache(maxsize=65_536)
def plain_words(text: str) -> tuple[str, ...]:
    """The words of `text` written in lower case (capitalised ones are names, or begin a
    sentence), that may be compared by meaning."""
    return tuple(filter(comparable, _PLAIN_WORD.findall(text)))
