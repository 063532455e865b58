"""Changing the corpus folder: what is saved, moved, put back and recorded, and what is refused."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from bot.engine import history
from bot.engine.answer import Engine
from bot.engine.changes import (
    Actor,
    ChangeRefused,
    CorpusFolder,
    NoSuchArticle,
    NotInTrash,
    history_line,
)

ROOT = Path(__file__).resolve().parents[2]
WTOP = "wtop-dc-leaders-speak-out-against-ice-raids.md"
QUAHOG = (
    b"---\ntitle: Quahog sheriff refuses ICE\noutlet: Quahog Journal\ndate: 2019-06-23\n"
    b"url: https://example.com/quahog\n---\n\n"
    b"The Quahog County sheriff said on Sunday that his deputies would not take part in "
    b"the ICE raids planned for the weekend.\n"
)
BROKEN = b"---\ntitle: never closed\n\nSome text that never gets a closing front matter line.\n"
MOD = Actor(name="mod", id=7, server_name="Home", server_id=9)


@pytest.fixture
def corpus(tmp_path: Path) -> CorpusFolder:
    """The bundled corpus, copied, with the engine served from it."""
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".*"))
    return CorpusFolder(folder, Engine.load(folder))


def files(folder: Path) -> dict[str, str]:
    """Every file under the folder (the store's cache aside) and its sha256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }


def test_an_added_article_is_saved_served_and_recorded(corpus: CorpusFolder) -> None:
    """add saves the bytes under a safe new name, serves them, and records who added them."""
    outcome = corpus.add(QUAHOG, "../Quahog Sheriff!.MD", MOD, "an attachment")
    assert (corpus.folder / "quahog-sheriff.md").read_bytes() == QUAHOG
    assert (outcome.action, outcome.loaded, outcome.file) == ("add", True, "quahog-sheriff.md")
    assert (outcome.articles_before, outcome.articles_after) == (5, 6)
    assert outcome.passages_after == outcome.passages_before + 1
    assert outcome.passages("quahog-sheriff.md") == 1
    assert corpus.engine is not None and len(corpus.engine.articles) == 6
    answer = corpus.engine.ask("what did the Quahog County sheriff say")
    assert "deputies would not take part" in answer.quotes[0].text
    (entry,) = history.read(corpus.folder)
    assert entry == outcome.recorded[0]
    assert (entry.action, entry.file, entry.note) == ("add", "quahog-sheriff.md", "an attachment")
    assert (entry.who_name, entry.who_id, entry.server_name, entry.server_id) == (
        "mod",
        7,
        "Home",
        9,
    )
    assert entry.sha256 == hashlib.sha256(QUAHOG).hexdigest()


def test_an_add_that_breaks_the_load_is_undone(corpus: CorpusFolder) -> None:
    """When the folder would not load after an add, the file is removed and nothing recorded."""
    (corpus.folder / "broken.md").write_bytes(BROKEN)
    before, engine = files(corpus.folder), corpus.engine
    outcome = corpus.add(QUAHOG, "quahog.md", MOD, "an attachment")
    assert not outcome.loaded and outcome.undone and outcome.file == "quahog.md"
    assert outcome.problems == (("broken.md", "front matter opens with '---' but never closes"),)
    assert outcome.put_back() == "removed quahog.md again"
    assert files(corpus.folder) == before and corpus.engine is engine
    assert history.read(corpus.folder) == []


def test_an_unexpected_failure_while_loading_leaves_no_half_added_file(
    corpus: CorpusFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever stops the reload, the added file is gone again and the error is not hidden."""
    before = files(corpus.folder)

    def failing_load(folder: Path) -> Engine:
        raise MemoryError

    monkeypatch.setattr(Engine, "load", failing_load)
    with pytest.raises(MemoryError):
        corpus.add(QUAHOG, "quahog.md", MOD, "an attachment")
    assert files(corpus.folder) == before


@pytest.mark.parametrize(
    ("raw", "name", "why"),
    [
        (b"%PDF-1.4", "notes.pdf", "notes.pdf is not a .txt or .md file."),
        (b"x" * 1_000_001, "big.md", "big.md is larger than 1,000,000 bytes."),
        (
            "Caf\xe9.".encode("latin-1"),
            "latin.txt",
            "I can't add that file: latin.txt is not UTF-8",
        ),
        (b"? " * 1000, "marks.md", "I can't add that file: marks.md has no article text."),
        (QUAHOG.replace(b"quahog\n", b"quahog/\n"), "copy.md", "That link is already in the"),
    ],
)
def test_refused_articles_leave_the_folder_as_it_was(
    corpus: CorpusFolder, raw: bytes, name: str, why: str
) -> None:
    """A file that is not a usable article, or one already there, is refused in one sentence."""
    corpus.add(QUAHOG, "quahog.md", MOD, "an attachment")
    before = files(corpus.folder)
    with pytest.raises(ChangeRefused) as refused:
        corpus.add(raw, name, MOD, "an attachment")
    assert str(refused.value).startswith(why)
    assert files(corpus.folder) == before and len(history.read(corpus.folder)) == 1


def test_remove_and_restore_bring_the_same_bytes_back(corpus: CorpusFolder) -> None:
    """remove moves an article to .trash and stops serving it; restore puts it back as it was."""
    original = (corpus.folder / WTOP).read_bytes()
    removed = corpus.remove("5", MOD)
    assert (removed.file, removed.trash, removed.articles_after) == (WTOP, WTOP, 4)
    assert removed.done("WTOP") == f"Moved WTOP to .trash/{WTOP}"
    assert (corpus.folder / ".trash" / WTOP).read_bytes() == original
    assert [p.name for p in corpus.trashed()] == [WTOP]
    assert WTOP not in {a.path.name for a in corpus.engine.articles}
    restored = corpus.restore(WTOP, MOD)
    assert (restored.file, restored.trash, restored.articles_after) == (WTOP, WTOP, 5)
    assert (corpus.folder / WTOP).read_bytes() == original and corpus.trashed() == []
    entries = corpus.history()
    assert [(c.action, c.file, c.trash) for c in entries] == [
        ("remove", WTOP, WTOP),
        ("restore", WTOP, WTOP),
    ]
    assert {c.sha256 for c in entries} == {hashlib.sha256(original).hexdigest()}


def name_taken_after_removal(corpus: CorpusFolder) -> bytes:
    """Add quahog.md, remove it, then add another article as quahog.md; that one's bytes."""
    corpus.add(QUAHOG, "quahog.md", MOD, "an attachment")
    corpus.remove("quahog.md", MOD)
    other = QUAHOG.replace(b"Sunday", b"Monday").replace(b"/quahog", b"/quahog-monday")
    corpus.add(other, "quahog.md", MOD, "an attachment")
    return other


def test_a_restore_whose_name_is_taken_comes_back_beside_it(corpus: CorpusFolder) -> None:
    """If a new file took the old name meanwhile, the restored article gets a new one."""
    other = name_taken_after_removal(corpus)
    outcome = corpus.restore("quahog.md", MOD)
    assert (outcome.file, outcome.trash) == ("quahog-2.md", "quahog.md")
    assert (corpus.folder / "quahog.md").read_bytes() == other
    assert (corpus.folder / "quahog-2.md").read_bytes() == QUAHOG
    assert corpus.history()[-1].file == "quahog-2.md"


def test_trash_never_overwrites_and_remembers_each_old_name(corpus: CorpusFolder) -> None:
    """Two removals of the same name are both kept; restoring the second finds its old name."""
    other = name_taken_after_removal(corpus)
    second = corpus.remove("quahog.md", MOD)
    assert second.trash == "quahog-2.md"
    assert (corpus.folder / ".trash" / "quahog.md").read_bytes() == QUAHOG
    assert corpus.restore("quahog-2.md", MOD).file == "quahog.md"
    assert (corpus.folder / "quahog.md").read_bytes() == other


def test_a_restore_that_would_duplicate_a_served_article_is_refused(corpus: CorpusFolder) -> None:
    """The same text already served again is refused, and the copy stays in .trash."""
    corpus.remove(WTOP, MOD)
    shutil.copy(corpus.folder / ".trash" / WTOP, corpus.folder / "copy.md")
    corpus.reload(MOD)
    with pytest.raises(ChangeRefused, match=r"already in the corpus as copy\.md"):
        corpus.restore(WTOP, MOD)
    assert [p.name for p in corpus.trashed()] == [WTOP]


def test_removing_a_served_article_is_undone_when_the_folder_would_not_load(
    corpus: CorpusFolder,
) -> None:
    """With another file broken, the removed article is put back and nothing is recorded."""
    (corpus.folder / "broken.md").write_bytes(BROKEN)
    before = files(corpus.folder)
    outcome = corpus.remove("1", MOD)
    assert outcome.undone and outcome.put_back() == f"put {outcome.file} back"
    assert files(corpus.folder) == before and corpus.history() == []


def test_a_bad_file_stays_removed_even_when_another_still_fails(corpus: CorpusFolder) -> None:
    """Removing one of two bad files keeps it in .trash and records it; the other is named."""
    (corpus.folder / "broken.md").write_bytes(BROKEN)
    (corpus.folder / "marks.md").write_bytes(b"? ? ?\n")
    outcome = corpus.remove("marks.md", MOD)
    assert not outcome.loaded and not outcome.undone and outcome.article is None
    assert outcome.problems == (("broken.md", "front matter opens with '---' but never closes"),)
    assert [p.name for p in corpus.trashed()] == ["marks.md"]
    assert [(c.action, c.file) for c in corpus.history()] == [("remove", "marks.md")]


def test_what_cannot_be_found_is_named(corpus: CorpusFolder) -> None:
    """A number or name that is no article, or a name .trash does not hold, changes nothing."""
    with pytest.raises(NoSuchArticle) as missing:
        corpus.remove("9", MOD)
    assert (missing.value.wanted, missing.value.count) == ("9", 5)
    corpus.remove("5", MOD)
    with pytest.raises(NotInTrash) as absent:
        corpus.restore("../secret.md", MOD)
    assert str(absent.value) == f"There is no secret.md in .trash; it holds {WTOP}."


def test_a_reload_records_what_changed_in_the_folder(corpus: CorpusFolder) -> None:
    """Files changed, added or removed by hand are recorded as a reload's, each with its kind."""
    edited = corpus.folder / "cities-vow-to-resist-ice-raids.md"
    edited.write_text(edited.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    (corpus.folder / WTOP).unlink()
    (corpus.folder / "quahog.md").write_bytes(QUAHOG)
    outcome = corpus.reload(MOD)
    assert [(d.kind, d.file) for d in outcome.differences] == [
        ("changed", "cities-vow-to-resist-ice-raids.md"),
        ("added", "quahog.md"),
        ("removed", WTOP),
    ]
    assert [(c.action, c.file, c.note) for c in corpus.history()] == [
        ("reload", "cities-vow-to-resist-ice-raids.md", "changed"),
        ("reload", "quahog.md", "added"),
        ("reload", WTOP, "removed"),
    ]
    assert corpus.reload(MOD).differences == () and len(corpus.history()) == 3


def test_history_lines_read_the_same_from_any_front_door(corpus: CorpusFolder) -> None:
    """A harness entry names the local user and place; a server entry also shows the ids."""
    corpus.add(QUAHOG, "quahog.md", Actor(name="ann", server_name="the local harness"), "q.md")
    corpus.remove("quahog.md", MOD)
    added, removed = corpus.history()
    digest = hashlib.sha256(QUAHOG).hexdigest()[:12]
    assert history_line(added).endswith(
        f" UTC ann in the local harness added quahog.md from q.md (sha256 {digest})"
    )
    assert history_line(removed).endswith(
        f" UTC mod (7) in Home (9) removed quahog.md to .trash/quahog.md (sha256 {digest})"
    )
