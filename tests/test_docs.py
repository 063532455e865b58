"""The README and docs/ as a reader meets them: every relative link leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_CODE = re.compile(r"(`+).+?\1", re.S)
_MARKDOWN_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
)
_HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"", re.I)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return _CODE.sub("", _FENCE.sub("", text))


def links(document: Path) -> list[str]:
    """Every link target in `document` that is not a web address."""
    text = prose(document.read_text(encoding="utf-8"))
    targets = _MARKDOWN_LINK.findall(text) + _HTML_LINK.findall(text)
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I)]


def anchors(document: Path) -> set[str]:
    """The #anchors GitHub gives the headings of `document` (a repeated one gets -1, -2...)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.findall(_FENCE.sub("", document.read_text(encoding="utf-8"))):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays
        slug = re.sub(r"[^\w\- ]", "", plain.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(document: Path) -> None:
    """A reader who follows a link in the README or docs/ lands on a file and heading there."""
    broken = []
    for target in links(document):
        path, _, anchor = target.partition("#")
        destination = (document.parent / unquote(path)).resolve() if path else document
        if not destination.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target} (no such heading)")
    assert broken == [], f"{document.relative_to(ROOT)}: broken links: {broken}"


def test_the_links_are_found_in_markdown_and_html_but_not_in_code(tmp_path: Path) -> None:
    """Links in text, images and HTML tags are checked; brackets inside code are not links."""
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\nSee [the guide](guide.md#set-up) and ![a picture](img/a.png).\n"
        '<img src="docs/b.png" width="10"> and <https://example.org> and [web](https://x.y)\n'
        "`[not](a-link.md)`\n\n```\n[nor](this.md)\n```\n",
        encoding="utf-8",
    )
    assert links(page) == ["guide.md#set-up", "img/a.png", "docs/b.png"]


def test_headings_give_the_anchors_github_gives_them(tmp_path: Path) -> None:
    """A link to a heading uses GitHub's anchor: lower case, punctuation gone, spaces dashed."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Scale: the store, start-up & reloads\n## Driving the bot in tests: `create_bot`\n"
        "## Notes\n## Notes\n",
        encoding="utf-8",
    )
    assert anchors(page) == {
        "scale-the-store-start-up--reloads",
        "driving-the-bot-in-tests-create_bot",
        "notes",
        "notes-1",
    }


def test_the_readme_stays_short_enough_to_read_in_five_minutes() -> None:
    """The README a newcomer opens is under 200 lines; the detail lives in docs/."""
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 200
