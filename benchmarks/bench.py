"""`python -m bot bench`: build, start-up, reload, memory and query latency at growing sizes.

Generates realistic corpora from the real one (see `benchmarks/synth.py`), then for each
size runs fresh processes (`benchmarks/measure.py`): the cold path phase by phase on one
core; the real cold build (every core, writes the store); a warm restart that then times
our questions and our searches against bm25s's and tantivy's over the same passages and
tokens, interleaved; reloads after one article is added, edited and removed; and it times
`python -m bot ask --corpus` end to end, warm, and the bundled corpus's cold `ask`. Up to
--phases-max, the cold build and the warm process run three times each and the median is
reported (the machine is shared). Writes JSON and a PNG chart, prints the tables. Needs
the `bench` extra (bm25s, tantivy, matplotlib).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRA_MISSING = (
    "The benchmark needs the bench extra (bm25s, tantivy, matplotlib): run it with "
    "`python3 -m uv run --frozen --extra bench python -m bot bench`."
)
PEERS = ("bm25s", "tantivy")
QUESTION = "which police departments refused"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="article counts, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="generated questions (plus eval)")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="results folder")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--work", type=Path, default=None, help="where corpora go (default: temp)")
    parser.add_argument("--eval", type=Path, default=ROOT / "eval" / "questions.json")
    parser.add_argument(
        "--phases-max",
        type=int,
        default=10_000,
        help="largest size whose one-core phases are measured (they take minutes beyond)",
    )
    parser.add_argument(
        "--cold-runs",
        type=int,
        default=3,
        help="cold builds per size up to --phases-max (the median is reported; one beyond)",
    )
    parser.add_argument(
        "--warm-runs",
        type=int,
        default=3,
        help="warm processes per size up to --phases-max, each timing ours and the peers; "
        "the one with the median `ask` mean is reported (one beyond)",
    )
    return parser


def main(args: list[str]) -> int:
    """Run the benchmark; 2 with one sentence if the bench extra is not installed."""
    if args[:1] == ["--"]:  # `python -m bot bench -- --sizes ...` (argparse REMAINDER needs it)
        args = args[1:]
    options = _parser().parse_args(args)
    try:
        import bm25s  # noqa: F401
        import matplotlib  # noqa: F401
        import tantivy  # noqa: F401
    except ImportError:
        print(EXTRA_MISSING, file=sys.stderr)
        return 2
    sizes = sorted({int(s) for s in options.sizes.split(",") if s.strip()})
    if not sizes or min(sizes) < 1 or options.queries < 1:
        print("--sizes needs positive article counts and --queries a positive number.")
        return 2
    options.out.mkdir(parents=True, exist_ok=True)
    if options.work is not None:
        options.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsquote-bench-", dir=options.work) as work:
        results = run(Path(work), sizes, options)
    path = options.out / "bench.json"
    path.write_text(json.dumps(results, indent=2), "utf-8")
    chart = options.out / "bench.png"
    draw(results, chart)
    print(table(results))
    print(f"\nwrote {path} and {chart}")
    return 0


def _measure(*args: str) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measure {args[0]} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def run(work: Path, sizes: list[int], options: argparse.Namespace) -> dict:
    print(f"generating corpora of {', '.join(map(str, sizes))} articles in {work} ...", flush=True)
    generated = _measure(
        "generate",
        str(work),
        ",".join(map(str, sizes)),
        str(options.seed),
        str(options.queries),
        str(options.eval),
    )
    questions = work / "questions.json"
    rows = []
    for size in sizes:
        folder = work / f"articles-{size}"
        row: dict = {"articles": size}
        if size <= options.phases_max:
            print(f"{size} articles: one-core phases ...", flush=True)
            row["phases"] = _measure("phases", str(folder))
        runs = max(1, options.cold_runs) if size <= options.phases_max else 1
        print(f"{size} articles: cold build x{runs} ...", flush=True)
        colds = sorted((_measure("cold", str(folder)) for _ in range(runs)), key=_seconds)
        row["cold"] = colds[len(colds) // 2]  # the median run (machines are shared)
        row["cold_runs"] = [cold["seconds"] for cold in colds]
        runs = max(1, options.warm_runs) if size <= options.phases_max else 1
        print(f"{size} articles: warm restart and queries x{runs} ...", flush=True)
        warms = sorted(
            (_measure("warm", str(folder), str(questions)) for _ in range(runs)), key=_ask_mean
        )
        # The median run, whole: ours and the peers' figures come from the same process.
        row["warm"] = warms[len(warms) // 2]
        row["warm_runs"] = [
            {"ask": _mean_p99(w["ask"]), "bm25s": _mean_p99(w["search"]["bm25s"])} for w in warms
        ]
        print(f"{size} articles: reloads ...", flush=True)
        row["reload"] = _measure("reload", str(folder))
        row["cli_ask_seconds"] = _cli_ask(folder)
        rows.append(row)
        print(f"{size} articles: done", flush=True)
    return {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "questions": generated["questions"],
        "seed": options.seed,
        "bundled": _bundled(work),
        "sizes": rows,
    }


def _cli_ask(folder: Path, runs: int = 5) -> float:
    """The median wall time of `python -m bot ask --corpus FOLDER ...` with the store warm."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--corpus", str(folder), QUESTION],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def _bundled(work: Path, runs: int = 5) -> dict:
    """The bundled corpus's `ask`, cold (no store) and warm: median wall times."""
    folder = work / "bundled"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".*"))
    cold = []
    for _ in range(runs):
        shutil.rmtree(folder / ".cache", ignore_errors=True)
        cold.append(_cli_ask(folder, runs=1))
    return {"cold_seconds": sorted(cold)[runs // 2], "warm_seconds": _cli_ask(folder, runs)}


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def _seconds(measured: dict) -> float:
    return measured["seconds"]


def _ask_mean(warm: dict) -> float:
    return warm["ask"]["mean"]


def _mean_p99(figures: dict) -> list[float]:
    return [round(figures["mean"], 3), round(figures["p99"], 3)]


def _spread(row: dict) -> str:
    """The cold build's median, and the range when it ran more than once."""
    runs = row.get("cold_runs", [row["cold"]["seconds"]])
    median = f"{row['cold']['seconds']:.2f}"
    return median if len(runs) == 1 else f"{median} ({min(runs):.2f}–{max(runs):.2f})"


def _ratio(ours: float, theirs: float) -> float:
    return theirs / ours if ours else float("inf")


def _pct(figures: dict) -> str:
    return f"{figures['p50']:.2f} / {figures['p95']:.2f} / {figures['p99']:.2f}"


def _mapped(warm: dict) -> str:
    mapped = warm.get("resident_mb", {}).get("RssFile")
    return f" ({mapped:.0f})" if mapped is not None else ""


def table(results: dict) -> str:
    """The results as markdown tables (build and start-up; latency) and the machine."""
    lines = [
        "| articles | passages | cold build s, median (range) "
        "| of it: process / segments / statistics / write s "
        "| one core: parse / split / tokenise / index s | warm `Engine.load` s "
        "| warm `ask` CLI s | reload: +1 / edit / -1 article s "
        "| peak MB: build (each worker) / warm (of it store pages) |",
        "|" + "---|" * 9,
    ]
    for row in results["sizes"]:
        cold, warm, reload = row["cold"], row["warm"], row["reload"]["seconds"]
        ph = cold["phases"]
        built = f"{ph['process']:.2f} / {ph['segments']:.2f} / {ph['generation']:.2f} / "
        one = row.get("phases", {}).get("phases")
        one_core = (
            f"{one['load']:.2f} / {one['split']:.2f} / {one['tokenise']:.2f} / {one['index']:.2f}"
            if one
            else "-"
        )
        lines.append(
            f"| {row['articles']:,} | {cold['passages']:,} | {_spread(row)} "
            f"| {built}{ph['write']:.2f} | {one_core} | {warm['restart_seconds']:.3f} "
            f"| {row['cli_ask_seconds']:.2f} "
            f"| {reload['add']:.2f} / {reload['edit']:.2f} / {reload['remove']:.2f} "
            f"| {cold['peak_mb']:.0f} ({cold['workers_peak_mb']:.0f}) / {warm['peak_mb']:.0f}"
            f"{_mapped(warm)} |"
        )
    lines += [
        "",
        "| articles | `ask` p50/p95/p99 ms (mean) | ours p50/p95/p99 ms | bm25s p50/p95/p99 ms "
        "| tantivy p50/p95/p99 ms | p99 bm25s/ours | p99 tantivy/ours "
        "| `ask` / bm25s: mean, p99 | warm runs |",
        "|" + "---|" * 9,
    ]
    for row in results["sizes"]:
        warm = row["warm"]
        search = warm["search"]
        ask, bm25s = warm["ask"], search["bm25s"]
        lines.append(
            f"| {row['articles']:,} | {_pct(ask)} ({ask['mean']:.2f}) "
            f"| {_pct(search['ours'])} | {_pct(bm25s)} | {_pct(search['tantivy'])} "
            f"| {_ratio(search['ours']['p99'], bm25s['p99']):.1f}x "
            f"| {_ratio(search['ours']['p99'], search['tantivy']['p99']):.1f}x "
            f"| {ask['mean'] / bm25s['mean']:.2f}x, {ask['p99'] / bm25s['p99']:.2f}x "
            f"| {len(row.get('warm_runs', [None]))} |"
        )
    m, bundled = results["machine"], results["bundled"]
    lines.append(
        f"\nBundled corpus `ask`: {bundled['cold_seconds']:.2f} s cold, "
        f"{bundled['warm_seconds']:.2f} s warm. {results['questions']} questions per size; "
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}; "
        f"{results['date']}."
    )
    return "\n".join(lines)


def draw(results: dict, path: Path) -> None:
    """Latency and start-up against corpus size, log-log (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["sizes"]
    sizes = [row["articles"] for row in rows]
    figure, (latency, startup) = plt.subplots(1, 2, figsize=(12, 4.8))
    for name, style in (("ours", "o-"), ("bm25s", "s--"), ("tantivy", "^--")):
        p99 = [row["warm"]["search"][name]["p99"] for row in rows]
        p50 = [row["warm"]["search"][name]["p50"] for row in rows]
        (line,) = latency.plot(sizes, p99, style, label=f"{name} p99")
        latency.plot(sizes, p50, style, alpha=0.4, color=line.get_color(), label=f"{name} p50")
    latency.plot(sizes, [row["warm"]["ask"]["p99"] for row in rows], "k:", label="Engine.ask p99")
    latency.set(
        xscale="log",
        yscale="log",
        xlabel="articles",
        ylabel="ms per query",
        title="Query latency (top 40, same tokens)",
    )
    latency.legend(fontsize=8)
    startup.plot(sizes, [row["cold"]["seconds"] for row in rows], "o-", label="cold build")
    startup.plot(
        sizes, [row["warm"]["restart_seconds"] for row in rows], "s-", label="warm Engine.load"
    )
    startup.plot(sizes, [row["cli_ask_seconds"] for row in rows], "^-", label="warm `ask` CLI")
    startup.plot(
        sizes, [row["reload"]["seconds"]["add"] for row in rows], "d-", label="reload, +1 article"
    )
    for phase in ("process", "segments", "generation", "write"):
        startup.plot(
            sizes,
            [row["cold"]["phases"][phase] for row in rows],
            ":",
            label=f"cold build: {phase}",
        )
    startup.set(
        xscale="log",
        yscale="log",
        xlabel="articles",
        ylabel="seconds",
        title="Build, start-up and reload",
    )
    startup.legend(fontsize=8)
    m = results["machine"]
    figure.suptitle(f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
