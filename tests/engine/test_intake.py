"""Before an article is added: the same link or the same text already in the corpus is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answer import Engine
from bot.engine.corpus import parse_article
from bot.engine.intake import duplicate_of, link_in_corpus, safe_file_name, url_key

STORY = (
    "---\ntitle: Quahog sheriff refuses ICE\noutlet: Quahog Journal\n"
    "url: https://www.quahogjournal.example/news/sheriff\n---\n\n"
    "The Quahog County sheriff said on Sunday that his deputies would not take part in the raids.\n"
)


def article(text: str, name: str = "new.md"):
    return parse_article(text.encode(), Path(name))


@pytest.mark.parametrize(
    "other",
    [
        "http://quahogjournal.example/news/sheriff/",
        "https://WWW.QuahogJournal.example:443/news/sheriff#comments",
        "https://www.quahogjournal.example/news/sheriff",
    ],
)
def test_the_same_address_written_differently_is_the_same_link(other: str) -> None:
    """http or https, www., a default port, a closing slash or an anchor change nothing."""
    assert url_key(other) == url_key("https://www.quahogjournal.example/news/sheriff")


@pytest.mark.parametrize(
    "other",
    [
        "https://www.quahogjournal.example/news/sheriff-2",
        "https://www.quahogjournal.example/news/sheriff?page=2",
        "https://quahogjournal.example.net/news/sheriff",
    ],
)
def test_different_addresses_stay_different(other: str) -> None:
    """Another path, query or site is another article."""
    assert url_key(other) != url_key("https://www.quahogjournal.example/news/sheriff")


def test_same_link_is_refused_naming_the_article() -> None:
    """An article whose address is already in the corpus is refused, naming the file."""
    existing = [article(STORY, "quahog-sheriff.md")]
    twin = article(STORY.replace("Sunday", "Monday").replace("https://www.", "http://"))
    assert duplicate_of(twin, existing) == (
        'That link is already in the corpus as quahog-sheriff.md (Quahog Journal, "Quahog '
        'sheriff refuses ICE").'
    )
    assert link_in_corpus(["https://quahogjournal.example/news/sheriff/"], existing)


def test_a_link_it_was_fetched_through_counts_too() -> None:
    """An article reached through a link already in the corpus is that article."""
    existing = [article(STORY, "quahog-sheriff.md")]
    moved = article(STORY.replace("/news/sheriff", "/2019/06/23/sheriff").replace("his", "her"))
    assert duplicate_of(moved, existing) is None
    assert duplicate_of(moved, existing, ["https://www.quahogjournal.example/news/sheriff"])


def test_same_text_is_refused_whatever_its_metadata() -> None:
    """The same body under another address and spacing is refused, naming the article."""
    engine = Engine.load(Path(__file__).resolve().parents[2] / "corpus")
    wtop = next(a for a in engine.articles if a.outlet == "WTOP")
    copy = article("---\nurl: https://mirror.example/x\n---\n" + wtop.body.replace(". ", ".  "))
    refusal = duplicate_of(copy, engine.articles)
    assert refusal and refusal.startswith(
        f"That article is already in the corpus as {wtop.path.name}"
    )
    assert duplicate_of(article(STORY), engine.articles) is None


def test_the_same_text_in_other_capitals_is_refused() -> None:
    """A paste of an article in capitals (or lower case) is the same article, refused."""
    engine = Engine.load(Path(__file__).resolve().parents[2] / "corpus")
    wtop = next(a for a in engine.articles if a.outlet == "WTOP")
    for copy in (wtop.body.upper(), wtop.body.lower()):
        refusal = duplicate_of(article(copy), engine.articles)
        assert refusal and refusal.startswith(
            f"That article is already in the corpus as {wtop.path.name}"
        )


def test_safe_file_names_never_overwrite_or_escape(tmp_path: Path) -> None:
    """A new name is slugified, numbered past existing files and kept in the folder."""
    (tmp_path / "quahog-sheriff.md").write_text("x")
    assert safe_file_name(tmp_path, "../Quahog Sheriff.md") == tmp_path / "quahog-sheriff-2.md"
    assert safe_file_name(tmp_path, "Peña: “Raids”.txt") == tmp_path / "pena-raids.txt"
    assert safe_file_name(tmp_path, "???.md") == tmp_path / "article.md"
