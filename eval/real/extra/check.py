#!/usr/bin/env python3
"""Check a question set's questions.json against the saved pages (standard library only).

Usage: check.py [SET_FOLDER] [--overlaps]

SET_FOLDER is a folder holding questions.json and pages/ (default: this file's folder,
eval/real/extra/). A path to a .json file is also accepted: those questions are checked
against this folder's pages, as before.

Prints every evidence string or list alias that does not occur in any page, plus format
problems. Prints nothing when all is well. Matching follows the eval rules: case-insensitive,
runs of white space folded to one space, curly and straight quotation marks treated alike.

Pages searched: SET_FOLDER/pages/, eval/real/extra/pages/, eval/real/pages/, corpus/ and,
where rebuilt, eval/train/pages/ (relative to the project root, found from this file's location).

When a question's id names its page by number, as in eval/train/ and eval/train2/
("tr-07-", "t2-07-" ... "t5-07-" for pages/07-*.txt), a fact must have at least one evidence
string in that page. With --overlaps, every fact evidence string that occurs in more than
one page is listed too (fine when intended).
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SHARED_DIRS = [
    os.path.join(HERE, "pages"),
    os.path.join(ROOT, "eval", "real", "pages"),
    os.path.join(ROOT, "corpus"),
    os.path.join(ROOT, "eval", "train", "pages"),
    os.path.join(ROOT, "eval", "train2", "pages"),
    os.path.join(ROOT, "eval", "train3", "pages"),
    os.path.join(ROOT, "eval", "train4", "pages"),
    os.path.join(ROOT, "eval", "train5", "pages"),
]
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
PAGE_NUMBER = re.compile(r"^t[r2345]-(\d{2})-")


def norm(text):
    return re.sub(r"\s+", " ", text.translate(QUOTES)).strip().lower()


def page_dirs(set_dir):
    dirs = [os.path.join(set_dir, "pages")]
    for d in SHARED_DIRS:
        if os.path.abspath(d) not in {os.path.abspath(x) for x in dirs}:
            dirs.append(d)
    return dirs


def load_pages(dirs):
    pages = {}
    for d in dirs:
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


def own_page(qid, set_pages_dir, pages):
    """The set's page a question id names by number ("tr-07-..."), or None."""
    m = PAGE_NUMBER.match(qid or "")
    if not m:
        return None
    prefix = os.path.relpath(os.path.join(set_pages_dir, m.group(1) + "-"), ROOT)
    named = [p for p in pages if p.startswith(prefix)]
    return named[0] if len(named) == 1 else None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    overlaps = "--overlaps" in sys.argv[1:]
    target = os.path.abspath(args[0]) if args else HERE
    if os.path.isdir(target):
        set_dir, qpath = target, os.path.join(target, "questions.json")
    else:
        set_dir, qpath = HERE, target
    with open(qpath, encoding="utf-8") as f:
        questions = json.load(f)
    pages = load_pages(page_dirs(set_dir))
    set_pages_dir = os.path.join(set_dir, "pages")

    def where(s):
        n = norm(s)
        return [p for p, t in pages.items() if n in t]

    ids = set()
    asked = {q.get("question") for q in questions}
    shared = []
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
            hits = {e: where(e) for e in ev}
            for e, found_in in hits.items():
                if not found_in:
                    print(f"{qid}: evidence not found: {e!r}")
                elif len(found_in) > 1:
                    shared.append((qid, e, found_in))
            page = own_page(qid, set_pages_dir, pages)
            if page and ev and not any(page in found_in for found_in in hits.values()):
                print(f"{qid}: no evidence string in its own page {page}")
        elif kind == "list":
            ents = q.get("entities") or {}
            if not ents or not q.get("min_entities"):
                print(f"{qid}: list without entities or min_entities")
            if q.get("min_entities", 0) > len(ents):
                print(f"{qid}: min_entities larger than the number of entities")
            for name, aliases in ents.items():
                for a in aliases:
                    if not where(a):
                        print(f"{qid}: alias not found: {name} -> {a!r}")
        elif kind == "none":
            extra = set(q) - {"id", "kind", "question", "after"}
            if extra:
                print(f"{qid}: none question with extra fields {sorted(extra)}")
        else:
            print(f"{qid}: unknown kind {kind!r}")
    if overlaps and shared:
        print(f"\nfact evidence found in more than one page ({len(shared)}; fine when intended):")
        for qid, e, found_in in shared:
            names = ", ".join(os.path.basename(p) for p in found_in)
            print(f"  {qid}: {e!r} -> {names}")


if __name__ == "__main__":
    main()
