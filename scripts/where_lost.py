"""Where a question set's facts are lost, as totals: retrieval, ranking or answerability.

    .venv/bin/python scripts/where_lost.py CORPUS QUESTIONS.json

For the fact questions: how many have a quote holding an evidence string among the
candidates the judge reads, among the five it rates best, and first; how many the
answerability model judges answered; and how many pass. For the near misses, how many are
left silent. Totals only, so a held-out set can be read without reading its questions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.engine.answer import Engine
from bot.engine.judge import question_features
from bot.evaluation import fold, judge, load_questions


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
    for question in load_questions(args.questions):
        after = question.get("after")
        reply = engine.ask(question["question"], after=after)
        if question["kind"] == "none":
            near += 1
            silent += not reply.quotes
            continue
        if question["kind"] != "fact":
            continue
        judged = engine.judged(question["question"], after=after)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
