"""Where a question set's facts are lost, as totals: retrieval, ranking or answerability.

    .venv/bin/python scripts/where_lost.py CORPUS QUESTIONS.json

For the fact questions: how many have a quote holding an evidence string among the
candidates the judge reads, among the five it rates best, and first; how many the
answerability model judges answered; and how many pass. For the near misses, how many are
left silent. Then the bound: how many questions of every kind a judge that rated these
same candidates perfectly would pass (a fact's answer among them, five of them naming a
list's `min_entities`, every near miss silent), against how many pass now. Totals only, so
a held-out set can be read without reading its questions.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from bot.engine.answer import Engine
from bot.engine.judge import question_features
from bot.evaluation import MAX_QUOTES, fold, judge, load_questions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("questions", type=Path)
    args = parser.parse_args()
    engine = Engine.load(args.corpus)
    model = engine.judge.answerable
    counts = dict.fromkeys(
        "facts among_candidates among_best_five rated_first judged_answered passed".split(), 0
    )
    near = silent = 0
    bound = Counter()  # kind -> questions a perfect judge of these candidates would pass
    asked = Counter()
    passes = 0
    for question in load_questions(args.questions):
        after = question.get("after")
        reply = engine.ask(question["question"], after=after)
        judged = engine.judged(question["question"], after=after)
        asked[question["kind"]] += 1
        bound[question["kind"]] += reachable(question, [c.text for c in judged.candidates])
        passes += judge(question, reply).passed
        if question["kind"] == "none":
            near += 1
            silent += not reply.quotes
            continue
        if question["kind"] != "fact":
            continue
        evidence = [fold(e) for e in question["evidence"]]
        rated = sorted(judged.candidates, key=lambda c: -c.score)
        holds = [any(e in fold(c.text) for e in evidence) for c in rated]
        answered = (
            bool(rated)
            and model.probability(question_features(judged.candidates, judged.rows)) >= model.floor
        )
        counts["facts"] += 1
        counts["among_candidates"] += any(holds)
        counts["among_best_five"] += any(holds[:5])
        counts["rated_first"] += bool(holds) and holds[0]
        counts["judged_answered"] += answered
        counts["passed"] += judge(question, reply).passed
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"near_misses={near} silent={silent}")
    kinds = " ".join(f"{kind} {bound[kind]}/{asked[kind]}" for kind in sorted(asked))
    print(
        f"passed={passes}/{asked.total()}",
        f"perfect_judge_of_these_candidates={bound.total()}/{asked.total()} ({kinds})",
    )
    return 0


def reachable(question: dict, texts: list[str]) -> bool:
    """Whether some five of these candidate quotes could pass the question by the eval's
    rules, however they are rated (a bound: the eval's cut at 1,800 characters is not
    applied). A near miss always can, by silence."""
    folded = [fold(text) for text in texts]
    if question["kind"] == "none":
        return True
    if question["kind"] == "fact":
        evidence = [fold(e) for e in question["evidence"]]
        return any(e in text for text in folded for e in evidence)
    entities = {name: [fold(a) for a in aliases] for name, aliases in question["entities"].items()}
    covers = [
        {n for n, aliases in entities.items() if any(a in t for a in aliases)} for t in folded
    ]
    named: set[str] = set()
    for _ in range(MAX_QUOTES):  # greedy: each quote the one naming most not yet named
        named |= max(covers, key=lambda c: len(c - named), default=set())
    return len(named) >= question.get("min_entities", 1)


if __name__ == "__main__":
    raise SystemExit(main())
