#!/usr/bin/env python3
"""Check eval/followups.json against the article files.

Prints every evidence string or entity alias that does not occur in any article
under corpus/, eval/real/pages/ or eval/real/extra/pages/, plus any malformed
entry. Prints nothing when everything is fine.

Matching follows eval README: case-insensitive, runs of white space folded into
one space, curly and straight quotation marks treated alike.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_DIRS = [ROOT / "corpus", ROOT / "eval" / "real" / "pages",
                ROOT / "eval" / "real" / "extra" / "pages"]
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                        "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                        "\u201f": '"', "\u2033": '"'})


def norm(text):
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip().lower()


def main():
    texts = []
    for d in ARTICLE_DIRS:
        for p in sorted(d.iterdir()):
            if p.is_file() and p.suffix in (".txt", ".md"):
                texts.append(norm(p.read_text(encoding="utf-8")))
    if not texts:
        print("no article files found")
        return 1

    def found(s):
        n = norm(s)
        return bool(n) and any(n in t for t in texts)

    questions = json.loads((ROOT / "eval" / "followups.json").read_text(encoding="utf-8"))
    bad = 0
    seen = set()
    for q in questions:
        qid = q.get("id", "?")
        problems = []
        if qid in seen:
            problems.append("duplicate id")
        seen.add(qid)
        for key in ("id", "kind", "after", "question"):
            if not isinstance(q.get(key), str) or not q.get(key).strip():
                problems.append(f"missing {key}")
        kind = q.get("kind")
        if kind == "fact":
            ev = q.get("evidence")
            if not isinstance(ev, list) or not ev:
                problems.append("fact without evidence")
            else:
                for s in ev:
                    if not found(s):
                        problems.append(f"evidence not found: {s!r}")
        elif kind == "list":
            ents = q.get("entities")
            m = q.get("min_entities")
            if not isinstance(ents, dict) or not ents:
                problems.append("list without entities")
            else:
                if not isinstance(m, int) or not 1 <= m <= len(ents):
                    problems.append(f"bad min_entities: {m!r}")
                for name, aliases in ents.items():
                    if not isinstance(aliases, list) or not aliases:
                        problems.append(f"entity without aliases: {name!r}")
                        continue
                    for a in aliases:
                        if not found(a):
                            problems.append(f"alias not found: {name!r} -> {a!r}")
        elif kind == "none":
            if "evidence" in q or "entities" in q:
                problems.append("none question carries evidence/entities")
        else:
            problems.append(f"bad kind: {kind!r}")
        for p in problems:
            print(f"{qid}: {p}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
