#!/usr/bin/env python3
"""Mutation run: apply each named slip in scripts/mutations.toml to a copy of the tree, one
at a time, run the tests, and report which slips the suite lets through.

Each mutation is (file, old text, new text): a small, realistic bug that changes what a
user or a moderator would see. Its `tests` name the test files that should catch it (the
whole suite when it names none); pytest stops at the first failure (-x), so a caught
mutation costs only the tests up to it. A mutation whose old text is no longer in its
file (the code moved on) is reported as stale, not applied: fix its text in the list.

    .venv/bin/python scripts/mutate.py                   # every mutation, then the report
    .venv/bin/python scripts/mutate.py --only k1-2.0     # some, by name (repeatable)
    .venv/bin/python scripts/mutate.py --area store      # some, by area (repeatable)
    .venv/bin/python scripts/mutate.py --whole-suite     # ignore `tests`: the whole suite
    .venv/bin/python scripts/mutate.py --check           # only check that every old text is found

The tests the mutations name are first run once unmutated (--no-baseline skips that): if
they fail as they are, every mutation would look caught.

The working tree is never changed: the copy is made under a temporary folder (tracked
and untracked files, not what git ignores) and removed afterwards. Not part of CI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "scripts" / "mutations.toml"
TIMEOUT = 900  # seconds one mutation's tests may take; a hang counts as caught


@dataclass(frozen=True)
class Mutation:
    """One slip: in `file`, the `occurrence`-th `old` becomes `new`."""

    name: str
    area: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...] = ()
    occurrence: int = 1
    group: str = ""  # "answer-path": refreshed with the answer path's rewrite
    survives: str = ""  # a known survivor: why the suite cannot catch it

    def apply(self, text: str) -> str | None:
        """`text` mutated, or None when the old text is not there (or not that often)."""
        at = -1
        for _ in range(self.occurrence):
            at = text.find(self.old, at + 1)
            if at < 0:
                return None
        return text[:at] + self.new + text[at + len(self.old) :]


@dataclass
class Outcome:
    mutation: Mutation
    status: str  # "caught", "survived", "stale"
    by: str = ""  # the first failing test, or why it is stale
    seconds: float = 0.0
    output: list[str] = field(default_factory=list)


def load(path: Path = LIST) -> list[Mutation]:
    """The mutations in the list file; SystemExit naming a malformed entry."""
    with path.open("rb") as file:
        entries = tomllib.load(file).get("mutation", [])
    found, names = [], set()
    for number, entry in enumerate(entries, 1):
        try:
            mutation = Mutation(
                **{k: tuple(v) if k == "tests" else v for k, v in entry.items() if k != "why"}
            )
        except TypeError as error:
            raise SystemExit(f"{path.name}: mutation {number} is malformed ({error}).") from None
        if mutation.name in names:
            raise SystemExit(f"{path.name}: the name {mutation.name!r} is used twice.")
        if mutation.old == mutation.new:
            raise SystemExit(f"{path.name}: {mutation.name} changes nothing.")
        names.add(mutation.name)
        found.append(mutation)
    return found


def copy_tree(target: Path) -> None:
    """The working tree's files as git sees them (tracked and untracked, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        name = raw.decode()
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)


def run_tests(tree: Path, tests: tuple[str, ...], python: str) -> tuple[int, list[str], float]:
    """pytest in `tree` (the copy's own `bot` first on the path); exit code, output, seconds."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "PYTHONDONTWRITEBYTECODE": "1",  # a mutation of the same size must not reuse a .pyc
    }
    command = [python, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider", *tests]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return -1, [f"timed out after {TIMEOUT} s"], time.perf_counter() - started
    return done.returncode, (done.stdout + done.stderr).splitlines(), time.perf_counter() - started


def first_failure(lines: list[str]) -> str:
    for line in lines:
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" ", 1)[1].split(" - ", 1)[0]
    return lines[-1] if lines else "?"


def mutate_one(tree: Path, mutation: Mutation, python: str, whole: bool) -> Outcome:
    path = tree / mutation.file
    if not path.is_file():
        return Outcome(mutation, "stale", f"{mutation.file} does not exist")
    original = path.read_text(encoding="utf-8")
    mutated = mutation.apply(original)
    if mutated is None:
        return Outcome(mutation, "stale", f"old text not found in {mutation.file}")
    path.write_text(mutated, encoding="utf-8")
    try:
        code, lines, seconds = run_tests(tree, () if whole else mutation.tests, python)
    finally:
        path.write_text(original, encoding="utf-8")
        shutil.rmtree(tree / "corpus" / ".cache", ignore_errors=True)
    if code == 0:
        return Outcome(mutation, "survived", "", seconds, lines)
    if code == -1:
        return Outcome(mutation, "caught", lines[0], seconds, lines)
    if code in (1,):
        return Outcome(mutation, "caught", first_failure(lines), seconds, lines)
    # 2-5: interrupted, internal error, usage error, no tests: not a verdict on the code
    # unless an import failed, which pytest reports as a collection error (exit code 2).
    if code == 2 and any(line.startswith("ERROR ") for line in lines):
        return Outcome(mutation, "caught", first_failure(lines), seconds, lines)
    return Outcome(mutation, "stale", f"pytest exited {code}: {lines[-1:]}", seconds, lines)


def report(outcomes: list[Outcome], total_seconds: float) -> str:
    """The run as Markdown: a line per mutation, then the totals and the survivors."""
    rows = ["| mutation | area | result | first failing test | s |", "|---|---|---|---|---|"]
    for o in outcomes:
        group = " (answer path)" if o.mutation.group else ""
        rows.append(
            f"| `{o.mutation.name}`{group} | {o.mutation.area} | {o.status} | "
            f"{o.by.replace('|', '/') or '-'} | {o.seconds:.0f} |"
        )
    counted = [o for o in outcomes if o.status != "stale"]
    caught = sum(o.status == "caught" for o in counted)
    lines = [
        *rows,
        "",
        f"{caught} of {len(counted)} mutations caught"
        + (f", {len(outcomes) - len(counted)} stale" if len(counted) < len(outcomes) else "")
        + f"; {total_seconds / 60:.1f} minutes.",
    ]
    for o in outcomes:
        if o.status == "survived":
            known = f" (known: {o.mutation.survives})" if o.mutation.survives else ""
            lines.append(f"- survived: {o.mutation.name}{known}")
        elif o.status == "stale":
            lines.append(f"- stale: {o.mutation.name}: {o.by}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="a mutation's name")
    parser.add_argument("--area", action="append", default=[], help="mutations of an area")
    parser.add_argument("--list", type=Path, default=LIST, help="the mutation list (TOML)")
    parser.add_argument("--whole-suite", action="store_true", help="ignore each one's tests")
    parser.add_argument("--check", action="store_true", help="only look for each old text")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip running the tests unmutated first"
    )
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="show survivors' output")
    args = parser.parse_args(argv)

    mutations = load(args.list)
    if args.only:
        unknown = set(args.only) - {m.name for m in mutations}
        if unknown:
            parser.error(f"no mutation named {sorted(unknown)[0]!r}")
        mutations = [m for m in mutations if m.name in args.only]
    if args.area:
        mutations = [m for m in mutations if m.area in args.area]
    if args.check:
        stale = [m for m in mutations if m.apply((ROOT / m.file).read_text("utf-8")) is None]
        for m in stale:
            print(f"stale: {m.name}: old text not found in {m.file}")
        print(f"{len(mutations) - len(stale)} of {len(mutations)} mutations apply.")
        return 1 if stale else 0

    venv = ROOT / ".venv" / "bin" / "python"
    python = str(venv) if venv.exists() else sys.executable
    started = time.perf_counter()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="mutate-") as folder:
        tree = Path(folder)
        copy_tree(tree)
        if not args.no_baseline:
            # The same tests on the unmutated copy must pass, or every mutation would look caught.
            whole = args.whole_suite or any(not m.tests for m in mutations)
            tests = () if whole else tuple(dict.fromkeys(t for m in mutations for t in m.tests))
            code, lines, seconds = run_tests(tree, tests, python)
            if code != 0:
                print("\n".join(lines[-20:]))
                failed = first_failure(lines)
                print(f"The tests fail without any mutation ({failed}); fix that first.")
                return 2
            print(f"baseline: the tests pass unmutated ({seconds:.0f} s)", flush=True)
            shutil.rmtree(tree / "corpus" / ".cache", ignore_errors=True)
        for number, mutation in enumerate(mutations, 1):
            outcome = mutate_one(tree, mutation, python, args.whole_suite)
            outcomes.append(outcome)
            print(
                f"[{number}/{len(mutations)}] {mutation.name}: {outcome.status}"
                f"{' by ' + outcome.by if outcome.by else ''} ({outcome.seconds:.0f} s)",
                flush=True,
            )
            if args.verbose and outcome.status == "survived":
                print("\n".join(outcome.output[-5:]))
    text = report(outcomes, time.perf_counter() - started)
    print()
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if any(o.status != "caught" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
