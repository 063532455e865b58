"""Checks that every evidence string and alias in questions.json is in the articles.

Standard library only, so it does not depend on the engine. Matching follows the eval
rules (case, runs of white space and curly against straight quotes are ignored).
A fragment must also sit inside one sentence, so that one quoted sentence can hold it.

    python3 eval/dev/check.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
ALLOWED_KEYS = {"title", "outlet", "date", "url"}


def fold(text: str) -> str:
    """Lower case, single spaces, straight quotes: what the eval compares."""
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip().lower()


def body(path: Path) -> str:
    """The article text after any front matter; front matter keys are checked too."""
    text = path.read_text("utf-8")
    if not text.startswith("---\n"):
        return text
    header, _, rest = text[4:].partition("\n---\n")
    for line in header.splitlines():
        key, _, value = line.partition(":")
        if key.strip() not in ALLOWED_KEYS:
            sys.exit(f"{path.name}: front matter key {key!r} is not allowed")
        if key.strip() == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            sys.exit(f"{path.name}: date must be YYYY-MM-DD")
    return rest


def crosses_sentence(fragment: str) -> bool:
    """True when the fragment holds a sentence end followed by more words."""
    return re.search(r"[.!?][\"')]* [A-Z“\"]", fragment.translate(QUOTES)) is not None


def main() -> int:
    articles = {p.name: fold(body(p)) for p in sorted((HERE / "corpus").iterdir()) if p.is_file()}
    questions = json.loads((HERE / "questions.json").read_text("utf-8"))
    problems = []
    seen = set()

    def where(fragment: str) -> list[str]:
        return [name for name, text in articles.items() if fold(fragment) in text]

    for q in questions:
        qid = q["id"]
        if qid in seen:
            problems.append(f"{qid}: duplicate id")
        seen.add(qid)
        if q["kind"] == "fact":
            strings = q["evidence"]
        elif q["kind"] == "list":
            strings = [alias for aliases in q["entities"].values() for alias in aliases]
            if q["min_entities"] > len(q["entities"]):
                problems.append(f"{qid}: min_entities exceeds the entities")
            for name, aliases in q["entities"].items():
                if not any(where(alias) for alias in aliases):
                    problems.append(f"{qid}: entity {name!r} is in no article")
        else:
            continue
        for fragment in strings:
            found = where(fragment)
            if q["kind"] == "fact" and not found:
                problems.append(f"{qid}: evidence {fragment!r} is in no article")
            if crosses_sentence(fragment):
                problems.append(f"{qid}: {fragment!r} spans two sentences")
            print(f"{qid:28} {fragment[:50]!r:54} {', '.join(found) or '-'}")
    kinds = {k: sum(q["kind"] == k for q in questions) for k in ("fact", "list", "none")}
    print(f"\n{len(articles)} articles, {len(questions)} questions {kinds}")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
