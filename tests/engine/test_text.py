"""Sentence splitting and tokenising, as a reader of the quotes would notice them."""

import random
import re
from functools import cache
from pathlib import Path

import pytest
from nltk.tokenize.regexp import RegexpTokenizer

from benchmarks.synth import Generator
from bot.engine import text as text_module
from bot.engine.corpus import article_files, parse_article
from bot.engine.extract import extract_article
from bot.engine.fetch import Page
from bot.engine.text import sentence_spans, tokenize


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Several D.C. leaders have spoken out against it.",
        "Florida Gov. Ron DeSantis signed a bill last week.",
        "House Speaker Nancy Pelosi (D-Calif.) called the raids heartless.",
        "Agents with U.S. Immigration and Customs Enforcement are preparing.",
        "Rep. Smith and Sen. Jones were not told.",
        "Orders were issued from Sept. 24 through Friday.",
        "Denver Mayor Michael B. Hancock said the city got no notice.",
    ],
)
def test_abbreviations_do_not_end_a_sentence(text):
    """An abbreviation such as D.C., Gov., Calif. or U.S. does not cut a quote in two."""
    assert sentences(text) == [text]


def test_sentences_split_at_real_ends():
    """Ordinary sentence ends still split, including after a quotation."""
    text = 'He said "no to that." Then he left. Was it over? It was over.'
    assert sentences(text) == [
        'He said "no to that."',
        "Then he left.",
        "Was it over?",
        "It was over.",
    ]


def test_a_sentence_never_ends_inside_brackets_it_opened():
    """A quote never stops at "(guilty!" with its ")" left for the next one."""
    text = (
        "If you are obsessed with peanut butter and looking for a treat that will stop you "
        "from sticking your spoon directly into the jar (guilty!), then these truffles are "
        "for you. They combine the creamy sweet nut butter with dark chocolate."
    )
    first, second = sentences(text)
    assert first.endswith("(guilty!), then these truffles are for you.")
    assert second.startswith("They combine")


def test_sentences_inside_brackets_stay_together():
    """A bracketed aside of two sentences is quoted whole, not cut after its first."""
    text = "The mayor spoke (she was brief. Nobody asked questions.) and left. Then it rained."
    assert sentences(text) == [
        "The mayor spoke (she was brief. Nobody asked questions.) and left.",
        "Then it rained.",
    ]


def test_a_bracket_that_never_closes_does_not_glue_sentences():
    """A ":(" or a list's "1)" pairs with nothing, so the sentences around it stay apart."""
    assert sentences("Oh no :( the raid came. Then it left. (It was over.) The end came.") == [
        "Oh no :( the raid came.",
        "Then it left.",
        "(It was over.)",
        "The end came.",
    ]
    listed = "1) The raids start today. 2) The raids end soon. 3) Nobody was hurt."
    assert len(sentences(listed)) == 3


@pytest.mark.parametrize(
    "text",
    [
        "Please spread the word! https://t.co/abc — ACLU of DC (@ACLU_DC) June 22, 2019",
        "We will not help with the raids! — Mayor Dana Whitfield (@RivertonMayor) June 22, 2019",
        "Stay home this weekend. – Riverton Police Department (@RivertonPD) June 22, 2019",
    ],
)
def test_tweet_signature_stays_with_its_tweet(text):
    """A tweet's trailing links and signature are not quoted as a sentence of their own: the
    quote keeps who wrote it."""
    assert sentences(text) == [text]


def test_numbers_names_and_handles_survive():
    """2,000, 12,780, McAleenan and @chicagosmayor are searchable as written."""
    terms = tokenize("About 2,000 families; 12,780 orders; McAleenan; @chicagosmayor")
    assert {"2000", "12780", "mcaleenan", "chicagosmayor"} <= set(terms)
    assert tokenize("2000 orders") == tokenize("2,000 orders")


def test_questions_and_passages_share_one_tokeniser():
    """Stopwords go, words are stemmed, and a question matches the passage's words."""
    assert tokenize("Which police departments refused?") == ["polic", "depart", "refus"]
    assert set(tokenize("The police department refuses")) == {"polic", "depart", "refus"}


def test_abbreviated_places_match_their_plain_spelling():
    """D.C. matches DC; U.S. is the country, not the pronoun "us"."""
    assert tokenize("D.C.") == tokenize("DC") == ["dc"]
    assert tokenize("the U.S.") == tokenize("the US") == ["u.s"]
    assert tokenize("tell us") == ["tell", "us"]


def test_negation_is_one_searchable_term():
    """Won't, didn't and never all count as "not" (refusals are often worded that way)."""
    assert tokenize("won't didn't never") == ["not", "not", "not"]


def test_curly_apostrophes_tokenise_like_straight_ones():
    """Trump’s and Trump's are the same word."""
    assert tokenize("Trump’s threats") == tokenize("Trump's threats") == ["trump", "threat"]


def test_a_megabyte_paragraph_of_question_marks_is_split_without_a_timeout():
    """A pasted page of "? ? ? ..." (990 KB in one paragraph) is split, not left to time out."""
    text = ("? " * 495_000).strip()
    assert sentence_spans(text) == [(0, len(text))]


def test_long_paragraphs_split_as_if_punkt_saw_them_whole(monkeypatch):
    """A paragraph longer than Punkt is shown at once gives the same sentences, cut after ends."""
    text = " ".join(
        f"Rep. Smith of district {n} said the U.S. raids were delayed. Was it over? It was."
        for n in range(400)
    )
    assert len(text) > 3 * text_module.MAX_PUNKT_CHARS
    pieces = sentence_spans(text)
    monkeypatch.setattr(text_module, "MAX_PUNKT_CHARS", 10**9)
    assert pieces == sentence_spans(text)
    assert all(text[a:b].startswith(("Rep. Smith", "Was it", "It was")) for a, b in pieces)


def test_a_long_paragraph_with_no_sentence_end_is_cut_at_spaces():
    """Words running on for 50,000 characters come back as bounded pieces cut between words."""
    text = ("raids delayed " * 3600).strip()
    spans = sentence_spans(text)
    assert len(spans) > 1 and spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(b - a <= text_module.MAX_PUNKT_CHARS for a, b in spans)
    assert all(text[a:b].startswith("raids") and text[a:b].endswith("delayed") for a, b in spans)


def test_punkt_never_sees_more_than_its_bound_of_one_paragraph(monkeypatch):
    """A 100 KB run-on paragraph of tiny sentences reaches Punkt in bounded pieces only."""
    splitter = text_module._sentence_splitter()
    seen: list[int] = []

    class Recording:
        def span_tokenize(self, piece: str):
            seen.append(len(piece))
            return splitter.span_tokenize(piece)

    monkeypatch.setattr(text_module, "_sentence_splitter", Recording)
    text = ("? ab " * 20_000).strip()
    spans = sentence_spans(text)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert len(seen) >= 10 and max(seen) <= text_module.MAX_PUNKT_CHARS


def _characters_of_every_kind(seed: int) -> str:
    """Random text mixing ASCII, every folded and invisible character, and other Unicode."""
    rng = random.Random(seed)
    alphabet = (
        list("abc XYZ.,'\"`\n")
        + list(text_module._FOLDS)
        + list(text_module.INVISIBLE)
        + list("éñ—–…😀\u3000")
    )
    ascii_only = rng.random() < 0.3
    pool = [ch for ch in alphabet if ch.isascii()] if ascii_only else alphabet
    return "".join(rng.choice(pool) for _ in range(rng.randrange(0, 400)))


@pytest.mark.parametrize("seed", range(200))
def test_folding_maps_each_character_on_its_own(seed):
    """Curly quotes, odd spaces and invisible characters fold the same wherever they occur."""
    text = _characters_of_every_kind(seed)
    folded = "".join(text_module._FOLDS.get(ch, ch) for ch in text)
    assert text_module.fold(text) == folded
    assert len(text_module.fold(text)) == len(text)
    dropped = "".join(ch for ch in folded if ch not in text_module.INVISIBLE)
    assert text_module.matchable(text) == dropped


ROOT = Path(__file__).resolve().parents[2]


def _page_texts() -> list[str]:
    """The text of every article file and test page this project has, and generated ones."""
    texts = [
        path.read_text("utf-8")
        for folder in (ROOT / "corpus", ROOT / "eval" / "dev" / "corpus")
        for path in article_files(folder)
    ]
    texts.append((ROOT / "tests" / "pages" / "notes.txt").read_text("utf-8"))
    body = (ROOT / "tests" / "pages" / "news.html").read_bytes()
    page = Page("https://example.org/news.html", "text/html", "utf-8", body)
    texts.append(extract_article(page).file_text())
    generator = Generator(ROOT / "corpus", seed=11, vocabulary=3000)
    texts.extend(generator.article(number) for number in range(60))
    return texts


@cache
def real_shaped_paragraphs() -> list[str]:
    """Paragraphs as the loader cuts them, and their sentences alone, with and without the
    final stop, with spaces around them, and with closing quotes and brackets."""
    found = []
    for number, page in enumerate(_page_texts()):
        article = parse_article(page.encode("utf-8"), Path(f"page-{number}.md"))
        for start, end in article.paragraphs:
            paragraph = article.text[start:end]
            found.append(paragraph)
            for a, b in sentence_spans(paragraph):
                sentence = paragraph[a:b]
                bare = sentence.rstrip(".?!\"')”’")
                found.extend([sentence, bare, f"  {bare} \n", f"{bare}!?", f"{bare}…"])
                found.extend([f'"{sentence}"', f"({sentence})", f"{bare}.”", f"{bare}. "])
                found.extend([f"{bare}.'{sentence}", f"{bare}!({sentence}", f'{bare}?"{bare}'])
    return found


def test_the_real_shaped_paragraphs_are_many_and_varied():
    """The paragraphs the next tests compare on include ones with and without sentence ends."""
    paragraphs = real_shaped_paragraphs()
    assert len(paragraphs) > 5000
    with_end = [p for p in paragraphs if text_module._MAY_END.search(p)]
    assert 1000 < len(with_end) < len(paragraphs) - 1000


def test_punkt_is_skipped_only_where_it_would_find_one_sentence(monkeypatch):
    """Sentences are the same whether or not Punkt is asked about a paragraph with no break."""
    paragraphs = real_shaped_paragraphs()
    fast = [sentence_spans(p) for p in paragraphs]
    monkeypatch.setattr(text_module, "_MAY_END", re.compile(""))  # Punkt sees every paragraph
    assert fast == [sentence_spans(p) for p in paragraphs]


def test_tokens_are_nltks_regexp_tokens():
    """Words are cut exactly as nltk's RegexpTokenizer with its time limit cuts them."""
    timed = RegexpTokenizer(text_module.TOKEN_PATTERN)
    texts = real_shaped_paragraphs() + [_characters_of_every_kind(s) for s in range(200)]
    texts += ["@@a #b# a.b.c, 1,000.5 don't ’tis x'y'z éclair_2 ٣٤ 𝔘.𝔖. ..a.. ,a,"]
    splitter = text_module._word_splitter()
    assert all(splitter.findall(t) == timed.tokenize(t) for t in texts)


def test_punkt_without_the_time_limit_splits_as_with_it():
    """Sentences are the same from Punkt's trusted patterns as from nltk's time-limited ones."""
    trusted, timed = text_module._sentence_splitter(), text_module._sentence_splitter(False)
    assert trusted._lang_vars.period_context_re()._timeout is None
    for paragraph in real_shaped_paragraphs():
        piece = text_module.fold(paragraph)
        assert list(trusted.span_tokenize(piece)) == list(timed.span_tokenize(piece)), paragraph


def test_importing_the_engine_does_not_load_scipy_or_scikit_learn_for_nltk():
    """nltk reaches for scipy.stats and scikit-learn when they are installed (the benchmark
    and fitting environments), which made every start 0.8 s slower: the engine imports it
    with them hidden, and they still import normally afterwards."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("scipy") is None:
        pytest.skip("scipy is not installed here: nothing to hide")
    code = (
        "import sys, bot.engine.text\n"
        "assert 'scipy.stats' not in sys.modules and 'sklearn' not in sys.modules\n"
        "import scipy.stats\n"
        "assert scipy.stats.fisher_exact\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def _in_a_fresh_process(code: str) -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_the_engine_loads_nltks_modules_without_its_package_import_and_nltk_still_imports():
    """nltk's package import loads every part of nltk (a third of a second of each start):
    the engine loads only Snowball and the guarded expressions, Punkt with the first sentence
    split (it brings nltk's downloader safeguards and the network modules they import, which a
    question never needs), and a later `import nltk` in the same process still gets the whole
    package."""
    _in_a_fresh_process(
        "import sys, bot.engine.text as t\n"
        "assert 'nltk' not in sys.modules and 'nltk.stem.snowball' in sys.modules\n"
        "assert 'nltk.corpus.reader' not in sys.modules\n"
        "assert t.tokenize('Police refused.') == ['polic', 'refus']\n"
        "unneeded = {'nltk.tokenize.punkt', 'nltk.pathsec', 'http.client', 'ssl'}\n"
        "assert not unneeded & set(sys.modules)\n"
        "assert t.sentence_spans('Police refused. Mr. Smith said no.') == [(0, 15), (16, 34)]\n"
        "assert 'nltk' not in sys.modules and 'nltk.tokenize.punkt' in sys.modules\n"
        "import nltk\n"
        "assert nltk.__version__ == t.NLTK_VERSION and callable(nltk.word_tokenize)\n"
    )


def test_where_nltks_modules_need_their_packages_nltk_is_imported_whole():
    """If another nltk version's modules need more of their packages than the engine gives
    them, nltk is imported whole instead, and tokenising is the same."""
    _in_a_fresh_process(
        "import sys, bot.engine.text as t\n"
        "for name in [n for n in sys.modules if n == 'nltk' or n.startswith('nltk.')]:\n"
        "    del sys.modules[name]\n"
        "t._NLTK_MODULES = ('nltk.tokenize.punkt', 'nltk.no_such_module')\n"
        "t._import_nltk()\n"
        "import nltk\n"
        "assert callable(nltk.word_tokenize) and hasattr(nltk, 'stem')\n"
        "assert t.tokenize('Police refused.') == ['polic', 'refus']\n"
    )
