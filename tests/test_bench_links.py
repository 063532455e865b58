"""`bench-links`: trafilatura-style evaluation pages served, added as a moderator would, counted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import links
from bot.cli import main
from tests.conftest import PAGES

LATIN_STORY = (
    "Rosa Peña, who directs the Quahog Immigrant Welcome Center, said “we will not help” "
    "and that families had stayed home from work since Friday. The sheriff agreed with her "
    "and said the county jail would honor only warrants signed by a judge, not requests "
    "from federal agents. The council meets again on Monday to hear from the public."
)


def checkout(folder: Path) -> Path:
    """A folder laid out like trafilatura's tests/: evaldata.json, eval/ and cache/."""
    tests = folder / "tests"
    (tests / "eval").mkdir(parents=True)
    (tests / "cache").mkdir()
    (tests / "eval" / "news.html").write_bytes((PAGES / "news.html").read_bytes())
    (tests / "cache" / "section.html").write_bytes((PAGES / "section.html").read_bytes())
    latin = f"<html><body><article><p>{LATIN_STORY}</p></article></body></html>"
    (tests / "eval" / "latin.html").write_bytes(latin.encode("cp1252"))
    entries = {
        "https://quahogjournal.example/news": {
            "file": "news.html",
            "with": ["My deputies will not be knocking on doors for ICE.", "212 sworn deputies"],
            "without": ["We use cookies", "Hot singles", "Updated June 24"],
        },
        "https://quahogjournal.example/local": {
            "file": "section.html",
            "with": ["Chowder festival draws record crowd"],
            "without": ["Subscribe for 99 cents"],
        },
        "hard::latin": {
            "file": "latin.html",
            "with": ["Rosa Peña", "“we will not help”"],
            "without": ["Impressum"],
        },
        "https://missing.example/": {"file": "gone.html", "with": ["x"], "without": ["y"]},
    }
    (tests / "evaldata.json").write_text(json.dumps(entries), encoding="utf-8")
    return folder


def test_the_pages_are_added_and_counted_beside_trafilatura(tmp_path, capsys):
    """The table shows pages added, strings kept and leaked for the bot and for trafilatura;
    the JSON holds counts and file names, never the pages' text."""
    out = tmp_path / "links.json"
    assert main(["bench-links", str(checkout(tmp_path)), "--sample", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert '| 3 pages | pages added | "with" strings kept | "without" strings leaked |' in printed
    results = json.loads(out.read_text(encoding="utf-8"))
    bot, pages = results["bot"], {p["file"]: p for p in results["pages"]}
    assert bot["pages_added"] == 2 and not pages["section.html"]["added"]
    assert pages["news.html"]["with_without"]["quotable"] == [2, 0]
    assert pages["latin.html"]["with_without"]["quotable"] == [2, 0]
    assert bot["quotable"] == {"kept": 4 / 5, "leaked": 0.0}
    assert results["trafilatura"]["pages_250_chars"] >= 2
    assert results["sample"] == {"pages": 3, "seed": links.SEED, "of": 3}
    assert "Rosa" not in out.read_text(encoding="utf-8")


def test_the_sample_is_fixed_and_each_larger_one_holds_the_smaller():
    """The same seed picks the same pages; 2 pages are the first 2 of the 3."""
    pages = [links.EvalPage(f"k{n}", Path(f"{n}.html"), (), ()) for n in range(30)]
    assert links.sample(pages, 10, 17) == links.sample(list(reversed(pages)), 10, 17)
    assert links.sample(pages, 10, 17)[:4] == links.sample(pages, 4, 17)


def test_a_folder_without_the_pages_is_one_sentence(tmp_path, capsys):
    """Pointing the benchmark at the wrong folder says where the pages come from."""
    assert main(["bench-links", str(tmp_path)]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"There is no tests/evaldata.json in {tmp_path}.")
    assert "github.com/adbar/trafilatura" in message and "\n" not in message
