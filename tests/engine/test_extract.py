"""A fetched page becomes an article file: the article's own text and the page's metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.corpus import parse_article
from bot.engine.extract import Draft, ExtractError, extract_article
from bot.engine.fetch import Page
from tests.conftest import PAGES

NEWS_URL = "https://quahogjournal.example/s/8812?utm_source=share"
CANONICAL = "https://www.quahogjournal.example/news/2019/06/23/quahog-sheriff-ice-raids"
BOILERPLATE = (
    "We use cookies",  # consent banner
    "Subscribe for 99 cents",  # navigation
    "Obituaries",
    "Refinance today",  # advertisements
    "This one weird trick",
    "Hot singles",
    "Advertisement",
    "Share on Facebook",
    "Sheriff Ada Whitcomb speaks to reporters outside",  # photo caption
    "Get the Morning Briefing",  # newsletter box
    "Related stories",
    "Council weighs sanctuary ordinance",  # related links
    "Bridge closure snarls",  # most read
    "Finally somebody in this county",  # comments
    "Vote her out",
    "quahogdad72",
    "Join the conversation",
    "All rights reserved",  # footer
    "Updated June 24",
    "By Miriam Castellanos",
)
ARTICLE_SENTENCES = (
    "The Quahog County sheriff said on Sunday that her deputies would not take part",
    '"My deputies will not be knocking on doors for ICE."',
    "The county jail will continue to honor warrants signed by a judge",
    "Rosa Delgado, who directs the Quahog Immigrant Welcome Center",
    "The sheriff's office has 212 sworn deputies and runs the county's only jail.",
)


def page(name: str, url: str = NEWS_URL, kind: str = "text/html", charset: str | None = "utf-8"):
    return Page(url=url, content_type=kind, charset=charset, body=(PAGES / name).read_bytes())


@pytest.fixture(scope="module")
def news() -> Draft:
    return extract_article(page("news.html"))


def test_the_article_text_is_kept_and_the_page_debris_dropped(news: Draft) -> None:
    """The body holds every paragraph of the story and none of the nav, ads or comments."""
    body = "\n".join(news.paragraphs)
    for sentence in ARTICLE_SENTENCES:
        assert sentence in body
    for debris in BOILERPLATE:
        assert debris not in body, debris
    assert len(news.paragraphs) == 8


def test_metadata_comes_from_the_page(news: Draft) -> None:
    """Headline, site name, publication date (not the update) and canonical address."""
    assert news.title == "Quahog sheriff says deputies will sit out ICE raids"
    assert news.outlet == "Quahog Journal"
    assert news.date == "2019-06-23"
    assert news.url == CANONICAL
    assert news.fetched_url == NEWS_URL
    assert news.file_name() == "Quahog-sheriff-says-deputies-will-sit-out-ICE-raids.md"


def test_the_file_loads_as_the_same_article(news: Draft) -> None:
    """Saved and loaded, the file gives the same metadata and the extracted text as its body."""
    article = parse_article(news.file_text().encode(), Path("quahog.md"))
    assert (article.title, article.outlet, article.date, article.url) == (
        news.title,
        news.outlet,
        news.date,
        CANONICAL,
    )
    assert article.body.strip() == "\n\n".join(news.paragraphs)


def test_a_page_without_an_article_is_refused() -> None:
    """A section front of headlines and links has no article text, and says so."""
    with pytest.raises(ExtractError) as refused:
        extract_article(page("section.html", url="https://quahogjournal.example/news/local"))
    assert str(refused.value) == "I found no article text on that page."


def test_plain_text_is_the_article_as_it_stands() -> None:
    """A plain-text page keeps its text; the loader takes its first line as the headline."""
    draft = extract_article(
        page("notes.txt", url="https://example.org/notes.txt", kind="text/plain")
    )
    assert draft.url == "https://example.org/notes.txt" and draft.file_name() == "notes.md"
    article = parse_article(draft.file_text().encode(), Path("notes.md"))
    assert article.title == "Quahog council delays sanctuary vote"
    first = article.text[slice(*article.paragraphs[0])]
    assert first.startswith("The Quahog City Council on Monday put off its vote")
    assert article.url == "https://example.org/notes.txt" and article.outlet is None


def test_the_declared_charset_is_used() -> None:
    """A page served as windows-1252 keeps its accented names."""
    html = (PAGES / "news.html").read_text(encoding="utf-8").replace("Rosa Delgado", "Rosa Peña")
    latin = Page(NEWS_URL, "text/html", "windows-1252", html.encode("cp1252"))
    assert "Rosa Peña, who directs" in "\n".join(extract_article(latin).paragraphs)


def test_metadata_that_is_missing_stays_missing() -> None:
    """A page with only a <title> gives that title, no date, and its own address."""
    html = (
        '<html><head><title>Quahog raids: "We will not help"</title></head><body><article>'
        + "".join(
            f"<p>{sentence} The sheriff repeated it on Monday.</p>"
            for sentence in ARTICLE_SENTENCES
        )
        + "</article></body></html>"
    )
    draft = extract_article(
        Page("https://blog.example.net/p/1", "text/html", "utf-8", html.encode())
    )
    article = parse_article(draft.file_text().encode(), Path(draft.file_name()))
    assert article.title == 'Quahog raids: "We will not help"'
    assert article.date is None and article.url == "https://blog.example.net/p/1"


def html_page(body: str, title: str = "Quahog sheriff sits out raids", head: str = "") -> str:
    return f"<html><head>{head}<title>{title}</title></head><body>{body}</body></html>"


def loaded(draft: Draft) -> list[str]:
    """The paragraphs a reader can quote once the draft is saved and loaded."""
    article = parse_article(draft.file_text().encode(), Path(draft.file_name()))
    return [article.text[start:end] for start, end in article.paragraphs]


STORY = (
    "The Quahog County sheriff said on Sunday that her deputies would not take part in the "
    "immigration raids planned for the weekend.",
    "Rosa Peña, who directs the Quahog Immigrant Welcome Center, said “we will not help” "
    "and that families had stayed home from work since Friday.",
    "The county jail will continue to honor warrants signed by a judge, the sheriff said, "
    "but not requests from agents alone.",
    "The sheriff's office has 212 sworn deputies and runs the county's only jail.",
)


def test_an_article_laid_out_in_a_table_is_kept_paragraph_by_paragraph() -> None:
    """An old-style page with its navigation in one cell and the story in another is added,
    each paragraph quotable on its own and none glued to the navigation."""
    body = (
        '<table width="760"><tr><td width="160"><a href="/">Home</a><br>'
        '<a href="/news">News</a><br><a href="/obits">Obituaries</a></td>'
        '<td width="600"><font face="Arial"><b>Quahog sheriff sits out raids</b><br><br>'
        + "<br><br>".join(STORY)
        + "</font></td></tr></table>"
    )
    page = Page(NEWS_URL, "text/html", "utf-8", html_page(body).encode())
    quotable = loaded(extract_article(page))
    for paragraph in STORY:
        assert paragraph in quotable


def test_a_table_of_figures_keeps_its_rows() -> None:
    """A data table in a story stays, one row a line, so its figures can be quoted."""
    table = (
        "<table><tr><th>Year</th><th>Detainers</th></tr><tr><td>2018</td><td>112</td></tr>"
        "<tr><td>2019</td><td>408</td></tr></table>"
    )
    body = "<article>" + "".join(f"<p>{p}</p>" for p in STORY[:2]) + table + "</article>"
    page = Page(NEWS_URL, "text/html", "utf-8", html_page(body).encode())
    text = "\n".join(extract_article(page).paragraphs)
    assert "| 2018 | 112 |" in text and "| 2019 | 408 |" in text


def test_a_line_break_inside_a_sentence_does_not_split_its_paragraph() -> None:
    """A <br> in the middle of a sentence leaves one paragraph, quotable as one sentence."""
    broken = "Send your message by April 3 to the<br>residents of Quahog and their visitors."
    body = "<article>" + "".join(f"<p>{p}</p>" for p in (*STORY[:2], broken)) + "</article>"
    page = Page(NEWS_URL, "text/html", "utf-8", html_page(body).encode())
    joined = [" ".join(p.split()) for p in loaded(extract_article(page))]
    assert "Send your message by April 3 to the residents of Quahog and their visitors." in joined


@pytest.mark.parametrize(
    ("header", "meta"),
    [
        (None, '<meta charset="iso-8859-1">'),
        (None, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'),
        (None, ""),  # no charset anywhere
        ("ISO-8859-1", ""),
        ("utf-8", '<meta charset="utf-8">'),  # a server and a page that say UTF-8, wrongly
    ],
)
def test_a_latin_1_page_is_added_with_its_accents_and_quotation_marks(header, meta) -> None:
    """A page in Latin-1 (windows-1252) keeps "Peña" and its curly quotes, however it is
    labelled; nothing becomes a replacement character."""
    body = "<article>" + "".join(f"<p>{p}</p>" for p in STORY) + "</article>"
    raw = html_page(body, head=meta).encode("cp1252")
    draft = extract_article(Page(NEWS_URL, "text/html", header, raw))
    assert STORY[1] in loaded(draft)
    assert "\ufffd" not in draft.file_text()
