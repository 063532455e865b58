"""The corpus history file: appended one line per change, read back newest last, never trusted."""

from __future__ import annotations

import json
from pathlib import Path

from bot.engine import history
from bot.engine.corpus import article_files


def change(action: str, file: str, **extra) -> history.Change:
    return history.Change.now(
        who_id=7,
        who_name="mod",
        server_id=9,
        server_name="Home",
        action=action,
        file=file,
        sha256="ab" * 32,
        **extra,
    )


def test_changes_are_appended_as_json_lines_and_read_back(tmp_path: Path) -> None:
    """Each change is one JSON line with when, who, server, what, file and sha256."""
    history.record(tmp_path, change("add", "a.md", note="an attachment"))
    history.record(tmp_path, change("remove", "a.md", trash="a.md"))
    lines = (tmp_path / ".history.jsonl").read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["who"] == {"id": 7, "name": "mod"} and first["server"] == {"id": 9, "name": "Home"}
    assert (first["action"], first["file"], first["sha256"]) == ("add", "a.md", "ab" * 32)
    assert first["when"].endswith("Z") and "trash" not in first
    assert [c.action for c in history.read(tmp_path)] == ["add", "remove"]
    assert [c.action for c in history.read(tmp_path, latest=1)] == ["remove"]


def test_the_history_file_is_not_an_article(tmp_path: Path) -> None:
    """The loader skips .history.jsonl, so the record is never quoted."""
    (tmp_path / "a.md").write_text("Text.\n", "utf-8")
    history.record(tmp_path, change("add", "a.md"))
    assert [p.name for p in article_files(tmp_path)] == ["a.md"]


def test_unreadable_lines_are_skipped_not_fatal(tmp_path: Path) -> None:
    """A garbled or foreign line is passed over; the good entries still show."""
    history.record(tmp_path, change("add", "a.md"))
    with (tmp_path / ".history.jsonl").open("a", encoding="utf-8") as file:
        file.write('{not json\n{"when": "x"}\n\n{"when": "x", "action": "delete", "file": "a", ')
        file.write('"sha256": "0"}\n')
    history.record(tmp_path, change("remove", "a.md", trash="a-2.md"))
    assert [c.action for c in history.read(tmp_path)] == ["add", "remove"]


def test_a_trashed_file_remembers_its_old_name(tmp_path: Path) -> None:
    """A file trashed as a-2.md was a.md; a name the history never trashed is unknown."""
    assert history.read(tmp_path) == [] and history.removed_as(tmp_path, "a.md") is None
    history.record(tmp_path, change("remove", "a.md", trash="a-2.md"))
    assert history.removed_as(tmp_path, "a-2.md") == "a.md"
    assert history.removed_as(tmp_path, "b.md") is None
