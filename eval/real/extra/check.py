#!/usr/bin/env python3
"""Check eval/real/extra/questions.json against the saved pages (standard library only).

Prints every evidence string or list alias that does not occur in any page, plus format
problems. Prints nothing when all is well. Matching follows the eval rules: case-insensitive,
runs of white space folded to one space, curly and straight quotation marks treated alike.

Pages searched: eval/real/extra/pages/, eval/real/pages/ and corpus/ (relative to the
project root, found from this file's location).
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PAGE_DIRS = [
    os.path.join(HERE, "pages"),
    os.path.join(ROOT, "eval", "real", "pages"),
    os.path.join(ROOT, "corpus"),
]
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def norm(text):
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip().lower()


def load_pages():
    pages = {}
    for d in PAGE_DIRS:
        if not os.path.isdir(d):
            print(f"missing page folder: {d}")
            continue
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as f:
                pages[os.path.relpath(path, ROOT)] = norm(f.read())
    return pages


def main():
    qpath = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "questions.json")
    with open(qpath, encoding="utf-8") as f:
        questions = json.load(f)
    pages = load_pages()
    texts = list(pages.values())

    def found(s):
        n = norm(s)
        return any(n in t for t in texts)

    ids = set()
    asked = {q.get("question") for q in questions}
    for q in questions:
        qid = q.get("id")
        if qid in ids:
            print(f"{qid}: duplicate id")
        ids.add(qid)
        kind = q.get("kind")
        if not q.get("question"):
            print(f"{qid}: no question")
        if "after" in q and q["after"] not in asked:
            print(f"{qid}: 'after' names no question in the set")
        if kind == "fact":
            ev = q.get("evidence") or []
            if not ev:
                print(f"{qid}: fact without evidence")
            for e in ev:
                if not found(e):
                    print(f"{qid}: evidence not found: {e!r}")
        elif kind == "list":
            ents = q.get("entities") or {}
            if not ents or not q.get("min_entities"):
                print(f"{qid}: list without entities or min_entities")
            if q.get("min_entities", 0) > len(ents):
                print(f"{qid}: min_entities larger than the number of entities")
            for name, aliases in ents.items():
                for a in aliases:
                    if not found(a):
                        print(f"{qid}: alias not found: {name} -> {a!r}")
        elif kind == "none":
            extra = set(q) - {"id", "kind", "question", "after"}
            if extra:
                print(f"{qid}: none question with extra fields {sorted(extra)}")
        else:
            print(f"{qid}: unknown kind {kind!r}")


if __name__ == "__main__":
    main()
