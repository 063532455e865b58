"""The corpus folder's history: each change to its articles, one JSON line appended per change.

The file is `.history.jsonl` inside the corpus folder, so the record travels with the
articles, and the loader skips it (its name starts with a dot). Lines are only ever
appended; a line that cannot be read is skipped when reading, never rewritten.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

HISTORY_FILE = ".history.jsonl"
ACTIONS = ("add", "remove", "restore", "reload")


@dataclass(frozen=True)
class Change:
    """One change to the corpus: when, who, in which server, what, and to which file.

    `trash` is the file's name inside `.trash/` (a removal moved it there, a restore took
    it back); `note` says more: a reload's "added", "changed" or "removed", or where an
    added article came from.
    """

    when: str  # ISO 8601, UTC, to the second
    who_id: int | None
    who_name: str | None
    server_id: int | None
    server_name: str | None
    action: str
    file: str
    sha256: str
    trash: str | None = None
    note: str | None = None

    @classmethod
    def now(cls, **fields: object) -> Change:
        """A change stamped with the current time."""
        when = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return cls(when=when, **fields)  # type: ignore[arg-type]

    def to_json(self) -> str:
        data = asdict(self)
        record = {
            "when": data.pop("when"),
            "who": {"id": data.pop("who_id"), "name": data.pop("who_name")},
            "server": {"id": data.pop("server_id"), "name": data.pop("server_name")},
            **{key: value for key, value in data.items() if value is not None},
        }
        return json.dumps(record, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Change:
        """Parse one line; ValueError, KeyError or TypeError when it is not a change."""
        record = json.loads(line)
        who, server = record.get("who") or {}, record.get("server") or {}
        change = cls(
            when=str(record["when"]),
            who_id=who.get("id"),
            who_name=who.get("name"),
            server_id=server.get("id"),
            server_name=server.get("name"),
            action=str(record["action"]),
            file=str(record["file"]),
            sha256=str(record["sha256"]),
            trash=record.get("trash"),
            note=record.get("note"),
        )
        if change.action not in ACTIONS:
            raise ValueError(f"unknown action {change.action!r}")
        return change


def history_path(folder: Path) -> Path:
    return folder / HISTORY_FILE


def record(folder: Path, change: Change) -> None:
    """Append `change` to the folder's history (OSError if the file cannot be written)."""
    with history_path(folder).open("a", encoding="utf-8") as file:
        file.write(change.to_json() + "\n")


def read(folder: Path, latest: int | None = None) -> list[Change]:
    """The recorded changes, oldest first (only the `latest` ones if given)."""
    try:
        with history_path(folder).open(encoding="utf-8", errors="replace") as file:
            lines = deque(file, maxlen=latest) if latest is not None else list(file)
    except FileNotFoundError:
        return []
    changes = []
    for line in lines:
        if not line.strip():
            continue
        try:
            changes.append(Change.from_json(line))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("skipping an unreadable line of %s: %s", HISTORY_FILE, error)
    return changes


def removed_as(folder: Path, trash_name: str) -> str | None:
    """The file name an article had before it was moved to `.trash/` as `trash_name`."""
    for change in reversed(read(folder)):
        if change.trash == trash_name:
            return change.file if change.action == "remove" else None
    return None
