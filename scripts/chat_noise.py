#!/usr/bin/env python3
"""Chat noise against answers: how many questions get another answer with chat added.

Each question of a set that stands alone (no `after`) is asked plain, then with each kind
of noise people add in Discord (a mention, emoji, "lol", a leading "so wait", a trailing
"tho", "hey bot,", capitals ...); a noisy question counts as changed when its quotes are
not the plain question's.

    .venv/bin/python scripts/chat_noise.py --corpus /tmp/casual eval/real/extra/questions.json
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.answer import Engine  # noqa: E402
from bot.evaluation import load_questions  # noqa: E402

NOISE: dict[str, Callable[[str], str]] = {
    "Q lol": lambda q: f"{q} lol",
    "ok so Q": lambda q: f"ok so {q}",
    "Q??": lambda q: f"{q}??",
    "@everyone Q": lambda q: f"@everyone {q}",
    "<@id> Q": lambda q: f"<@123456789> {q}",
    "Q 🤔": lambda q: f"{q} 🤔",
    "Q 😂😂": lambda q: f"{q} 😂😂",
    "pls Q": lambda q: f"pls {q}",
    "Q pls": lambda q: f"{q} pls",
    "yo Q lmao": lambda q: f"yo {q} lmao",
    "CAPITALS": str.upper,
    "Capitalised?": lambda q: q.capitalize() + "?",
    "Q tho": lambda q: f"{q} tho",
    "Q though": lambda q: f"{q} though",
    "hey bot, Q": lambda q: f"hey bot, {q}",
    "hi! Q": lambda q: f"hi! {q}",
    "Q :)": lambda q: f"{q} :)",
    "Q xD": lambda q: f"{q} xD",
    "anyone know Q": lambda q: f"anyone know {q}",
    "quick q: Q": lambda q: f"quick q: {q}",
    "serious question: Q": lambda q: f"serious question: {q}",
    "can u tell me Q": lambda q: f"can u tell me {q}",
    "wait Q": lambda q: f"wait {q}",
    "so Q": lambda q: f"so {q}",
    "btw Q": lambda q: f"btw {q}",
    "umm Q": lambda q: f"umm {q}",
    "hmm Q?": lambda q: f"hmm {q}?",
    "bruh Q": lambda q: f"bruh {q}",
    "guys Q": lambda q: f"guys {q}",
    "ngl Q": lambda q: f"ngl {q}",
    "Q fr": lambda q: f"{q} fr",
    "Q ?!": lambda q: f"{q} ?!",
    "Q asap": lambda q: f"{q} asap",
    "Q ty": lambda q: f"{q} ty",
    "Q idk": lambda q: f"{q} idk",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("questions", type=Path)
    args = parser.parse_args()
    engine = Engine.load(args.corpus)
    changed: dict[str, list[str]] = {}
    asked = 0
    for question in load_questions(args.questions):
        if question.get("after"):
            continue
        plain = [quote.text for quote in engine.ask(question["question"]).quotes]
        for name, noise in NOISE.items():
            asked += 1
            noisy = [quote.text for quote in engine.ask(noise(question["question"])).quotes]
            if noisy != plain:
                changed.setdefault(name, []).append(question["question"])
    print(f"{sum(map(len, changed.values()))} of {asked} noisy questions got another answer")
    for name, questions in sorted(changed.items(), key=lambda item: -len(item[1])):
        print(f"  {name}: {len(questions)}, e.g. {questions[0]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
