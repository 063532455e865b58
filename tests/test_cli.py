"""The local harness as people run it: `python -m bot ...` output and its errors."""

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.engine.corpus import article_files
from tests.conftest import NEWS_PATH, PAGES

ROOT = Path(__file__).resolve().parent.parent
# Never the project's own data/ (a developer's question log): a folder no test makes.
NO_DATA = str(Path(tempfile.gettempdir()) / "newsquote-tests-no-data")


def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "DATA_DIR": NO_DATA, **env},
    )


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """The bundled corpus, copied so that articles can be added to it."""
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def test_ask_prints_numbered_quotes_and_sources():
    """`ask` prints quotes with citation marks and a source list with the same numbers."""
    result = run("ask", "which police departments refused")
    assert result.returncode == 0, result.stderr
    quotes, _, sources = result.stdout.partition("\nSources:\n")
    assert quotes.startswith('1. "')
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", quotes)}
    listed = {int(line[1 : line.index("]")]) for line in sources.splitlines() if line}
    assert cited == listed


def test_a_quote_two_articles_carry_shows_both_citation_marks():
    """The tweet two articles carry is printed with a citation mark for each, both listed."""
    result = run("ask", "what did Trump tweet about delaying the deportation for two weeks")
    quotes, _, sources = result.stdout.partition("\nSources:\n")
    line = next(line for line in quotes.splitlines() if "At the request of Democrats" in line)
    marks = re.findall(r"\[(\d+)\]", line.rsplit('"', 1)[1])
    assert len(set(marks)) == 2
    assert all(f"\n[{n}] " in f"\n{sources}" for n in marks)


def test_ask_json_has_the_documented_shape_and_k():
    """`ask --json -k 2` gives two quotes with text, offsets, score and full sources."""
    result = run("ask", "--json", "-k", "2", "who is the acting director of ICE")
    payload = json.loads(result.stdout)
    assert payload["answered"] is True and len(payload["quotes"]) == 2
    for quote in payload["quotes"]:
        assert {"text", "start", "end", "score", "sources"} <= quote.keys()
        for source in quote["sources"]:
            assert {"id", "path", "title", "outlet", "date", "url"} <= source.keys()


def test_unanswerable_question_says_so():
    """A question the corpus does not answer prints one sentence and no quotes."""
    result = run("ask", "who won the 2019 NBA finals")
    assert result.returncode == 0
    assert result.stdout.strip() == "I found nothing relevant to that in the articles I have."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "Please ask a question"),
        (("ask", "x" * 10_000), "characters long"),
        (("ask", "--corpus", "/no/such/folder", "hello"), "is not a folder"),
        (("ask", "-k", "0", "hello"), "-k must be between"),
    ],
)
def test_bad_input_gets_one_sentence_and_exit_code_2(args, message):
    """Bad input prints one clear line on stderr, no traceback, and exits 2."""
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_broken_corpus_files_are_named_and_the_good_ones_answer(tmp_path):
    """A non-UTF-8 file and malformed front matter are each named; the good articles answer."""
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".*"))
    (folder / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (folder / "bad.md").write_text("---\ndate: tomorrow\n---\nText.\n")
    result = run("ask", "--corpus", str(folder), "who is the acting director of ICE")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('1. "') and "Mark Morgan" in result.stdout
    assert result.stderr.splitlines() == [
        "Not loaded: bad.md front matter date 'tomorrow' is not YYYY-MM-DD.",
        "Not loaded: latin.txt is not UTF-8 text.",
    ]


def test_a_corpus_of_only_broken_files_names_each_and_exits_2(tmp_path):
    """When no article loads, every bad file is named in one line and nothing is answered."""
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "marks.md").write_text("? ? ? ? ? ?\n")
    result = run("ask", "--corpus", str(tmp_path), "raids")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "Could not load the corpus: latin.txt is not UTF-8 text; marks.md has no article text."
    )


def test_a_990_kb_article_of_question_marks_is_named_and_the_rest_answer(tmp_path):
    """One pathological article (990 KB of "? ") is named; the others still answer."""
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus", ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "corpus" / "marks.md").write_bytes(b"? " * 495_000)
    result = run("ask", "--corpus", str(tmp_path / "corpus"), "which police departments refused")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('1. "') and "Sources:" in result.stdout
    assert result.stderr == "Not loaded: marks.md has no article text.\n"


def test_empty_corpus_folder_is_refused(tmp_path):
    """A folder with no articles is refused rather than indexed empty."""
    result = run("sources", "--corpus", str(tmp_path))
    assert result.returncode == 2 and "holds no .txt or .md articles" in result.stderr


def test_repl_answers_one_question_per_piped_line():
    """Piped into `repl`, each line is answered in turn and blank lines are skipped."""
    result = run(
        "repl", stdin="who is the acting director of ICE\n\nwhat's the weather in Paris today\n"
    )
    assert result.returncode == 0
    assert "Mark Morgan" in result.stdout
    assert "I found nothing relevant" in result.stdout


def test_sources_lists_articles_with_passage_counts():
    """`sources` lists the five bundled articles with their passage counts."""
    result = run("sources")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    assert all("passages)" in line for line in lines)


def test_eval_passes_the_shared_questions():
    """`eval` scores the shared question file: every question passes, exit code 0."""
    shared = ROOT.parent / "shared" / "eval" / "questions.json"
    if not shared.exists():  # our own eval file has named trades (docs/evaluation.md)
        pytest.skip("the shared eval is not on this machine")
    result = run("eval", str(shared))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith("passed")


def test_eval_with_a_failing_question_says_so_and_exits_1(tmp_path):
    """A question file the bot does not pass prints FAIL for it, the total, and exits 1."""
    questions = tmp_path / "questions.json"
    questions.write_text(
        json.dumps(
            [
                {"id": "refused", "question": "which police departments refused", "kind": "none"},
                {"id": "swallow", "question": "what is the airspeed of a swallow", "kind": "none"},
            ]
        )
    )
    result = run("eval", str(questions))
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    assert any(line.startswith("FAIL") and "refused" in line for line in lines)
    assert any(line.startswith("PASS") and "swallow" in line for line in lines)
    assert lines[-1] == "1/2 passed"


def test_main_job_without_token_starts_the_harness():
    """With no DISCORD_TOKEN, `python -m bot` says so and runs the harness on stdin."""
    result = run(stdin="who is the acting director of ICE\n")
    assert result.returncode == 0
    assert result.stdout.startswith("DISCORD_TOKEN is not set")
    assert "Mark Morgan" in result.stdout


def test_eval_baseline_reports_each_kind_for_the_bot_and_bm25s():
    """`eval --baseline` scores bm25s on the same files in the same run, kind by kind."""
    result = run(
        "eval",
        "--baseline",
        "--corpus",
        str(ROOT / "eval" / "dev" / "corpus"),
        str(ROOT / "eval" / "dev" / "questions.json"),
    )
    lines = result.stdout.strip().splitlines()
    assert lines[-3].startswith("this bot: ") and lines[-2].startswith("bm25s: ")
    for line in lines[-3:-1]:
        assert all(f"{kind} " in line for kind in ("fact", "list", "none"))
    assert "none 0/" in lines[-2]  # top paragraphs never abstain


def test_verify_reads_every_byte_and_rebuilds_a_damaged_store(tmp_path):
    """`verify` says the store checks out, or names the damaged file and rebuilds it."""
    import shutil

    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".*"))
    first = run("verify", "--corpus", str(folder))
    assert first.returncode == 0 and "no store yet" in first.stdout
    assert run("verify", "--corpus", str(folder)).stdout.startswith("The store checks out")
    text = next(folder.glob(".cache/seg-*/text.npy"))
    damaged = bytearray(text.read_bytes())
    damaged[-3] ^= 1
    text.write_bytes(bytes(damaged))
    result = run("verify", "--corpus", str(folder))
    assert result.returncode == 1
    assert "text.npy does not match its checksum" in result.stdout and "rebuilt" in result.stdout
    assert run("verify", "--corpus", str(folder)).returncode == 0


def test_add_a_link_then_answers_cite_it(news_site, corpus_copy):
    """`add URL` saves the article with the page's metadata; `ask` then quotes and cites it."""
    result = run(
        "add",
        "--corpus",
        str(corpus_copy),
        news_site.url("/share/quahog"),
        ALLOW_PRIVATE_URLS="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        'Added Quahog Journal, 2019-06-23, "Quahog sheriff says deputies will sit out ICE raids" '
        "as quahog-sheriff-says-deputies-will-sit-out-ice-raids.md (8 passages).\n"
    )
    (entry,) = (corpus_copy / ".history.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(entry)["action"] == "add"
    assert json.loads(entry)["note"] == news_site.url("/share/quahog")
    asked = run(
        "ask", "--json", "--corpus", str(corpus_copy), "what did Sheriff Ada Whitcomb say about ICE"
    )
    quotes = json.loads(asked.stdout)["quotes"]
    cited = {source["outlet"] for quote in quotes for source in quote["sources"]}
    assert cited == {"Quahog Journal"}
    assert any("My deputies will not be knocking on doors for ICE." in q["text"] for q in quotes)
    source = quotes[0]["sources"][0]
    assert (source["title"], source["date"]) == (
        "Quahog sheriff says deputies will sit out ICE raids",
        "2019-06-23",
    )
    assert source["url"].startswith("http")
    shown = run("ask", "--corpus", str(corpus_copy), "what did Sheriff Ada Whitcomb say about ICE")
    assert (
        '[1] Quahog Journal, 2019-06-23, "Quahog sheriff says deputies will sit out ICE raids" '
        f"<{source['url']}>\n"
    ) in shown.stdout
    again = run(
        "add", "--corpus", str(corpus_copy), news_site.url(NEWS_PATH), ALLOW_PRIVATE_URLS="true"
    )
    assert again.returncode == 2
    assert again.stderr.startswith("That link is already in the corpus as quahog-sheriff-says")


@pytest.mark.parametrize(
    ("path", "env", "message"),
    [
        (
            NEWS_PATH,
            {},
            "I don't fetch from 127.0.0.1: it is a loopback address, not a public website.",
        ),
        ("/news/local", {"ALLOW_PRIVATE_URLS": "true"}, "I found no article text on that page."),
        (
            "/report.pdf",
            {"ALLOW_PRIVATE_URLS": "true"},
            "That link leads to application/pdf, not to a web page or plain text.",
        ),
        (
            "/huge-declared.html",
            {"ALLOW_PRIVATE_URLS": "true"},
            "That page is larger than 5 MB, so I didn't read it.",
        ),
    ],
)
def test_add_refusals_are_one_sentence_and_save_nothing(news_site, corpus_copy, path, env, message):
    """A link that cannot be added prints one sentence, exits 2 and leaves the corpus as it was."""
    before = article_files(corpus_copy)
    result = run("add", "--corpus", str(corpus_copy), news_site.url(path), **env)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")
    assert article_files(corpus_copy) == before
    if not env:
        assert news_site.requests == []


def test_add_a_file(corpus_copy):
    """`add FILE` copies a .txt article in under a safe name; the same text again is refused."""
    result = run("add", "--corpus", str(corpus_copy), str(PAGES / "notes.txt"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('Added "Quahog council delays sanctuary vote" as notes.txt (')
    assert (corpus_copy / "notes.txt").read_bytes() == (PAGES / "notes.txt").read_bytes()
    again = run("add", "--corpus", str(corpus_copy), str(PAGES / "notes.txt"))
    assert again.returncode == 2
    assert again.stderr.startswith("That article is already in the corpus as notes.txt")
    missing = run("add", "--corpus", str(corpus_copy), "no-such-file.md")
    assert missing.stderr == "no-such-file.md is neither an http(s) link nor a file.\n"


def imported_by(*calls: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `main(...)` calls in a fresh interpreter; what it printed, every module it imported."""
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        + "".join(f"assert main({call}) == 0\n" for call in calls)
        + "print(sorted(sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "DATA_DIR": NO_DATA},
    )
    assert result.returncode == 0, result.stderr
    return result, set(eval(result.stderr))  # a printed list of module names


def test_cold_ask_loads_no_extraction_or_network_code():
    """Answering a question never imports trafilatura, lxml, aiohttp or discord."""
    result, modules = imported_by("['ask', 'which police departments refused']")
    assert "Sources:" in result.stdout
    loaded = {name.split(".")[0] for name in modules}
    assert {"bot", "nltk", "numpy"} <= loaded
    assert not loaded & {"trafilatura", "lxml", "justext", "htmldate", "aiohttp", "discord"}


def test_warm_ask_loads_no_question_log_worker_pool_or_rank_bm25():
    """With the store built, answering imports neither the question log (sqlite3), the
    worker pool that builds a store, nor rank-bm25 (its statistics are in the store)."""
    imported_by("['ask', 'which police departments refused']")  # the store is built
    result, modules = imported_by("['ask', 'which police departments refused']")
    assert "Sources:" in result.stdout
    assert not modules & {
        "sqlite3",
        "bot.engine.questionlog",
        "concurrent.futures.process",
        "multiprocessing",
        "rank_bm25",
    }


BROKEN = "---\ntitle: never closed\n\nSome text that never gets a closing front matter line.\n"
WTOP = "wtop-dc-leaders-speak-out-against-ice-raids.md"


@pytest.fixture
def harness(capsys, monkeypatch):
    """`python -m bot ...` run in this process (faster), as the local user ann."""
    from bot.cli import main

    monkeypatch.setenv("USER", "ann")
    monkeypatch.setenv("LOGNAME", "ann")

    def run_here(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run_here


def history_entries(folder: Path) -> list[dict]:
    path = folder / ".history.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_remove_restore_and_history_from_the_harness(harness, corpus_copy, monkeypatch):
    """`remove N` moves an article to .trash, `restore` brings it back, `history` shows both."""
    original = (corpus_copy / WTOP).read_bytes()
    code, out, err = harness("remove", "--corpus", str(corpus_copy), "5")
    assert code == 0, err
    assert out.startswith("Moved WTOP") and out.endswith(f" to .trash/{WTOP}.\n")
    assert not (corpus_copy / WTOP).exists()
    assert "WTOP" not in harness("sources", "--corpus", str(corpus_copy))[1]
    monkeypatch.setenv("CORPUS_DIR", str(corpus_copy))
    code, out, err = harness("restore", WTOP)
    assert code == 0, err
    assert out.startswith("Restored WTOP") and f"as {WTOP} (" in out
    assert (corpus_copy / WTOP).read_bytes() == original
    records = history_entries(corpus_copy)
    assert [(r["action"], r["file"], r["trash"]) for r in records] == [
        ("remove", WTOP, WTOP),
        ("restore", WTOP, WTOP),
    ]
    assert all(r["who"] == {"id": None, "name": "ann"} for r in records)
    assert {r["server"]["name"] for r in records} == {"the local harness"}
    code, out, _ = harness("history", "-n", "1")
    lines = out.splitlines()
    assert lines[0] == "The latest 1 changes to the articles, newest first:"
    assert lines[1].endswith(
        f"ann in the local harness restored {WTOP} from .trash/{WTOP}"
        f" (sha256 {records[1]['sha256'][:12]})"
    )
    assert harness("remove", "9") == (
        2,
        "",
        "There is no article 9; sources lists them, numbered 1 to 5.\n",
    )


def test_an_add_that_would_break_the_load_is_undone(harness, corpus_copy):
    """If the corpus would not load with the new file, it is removed again and exit code is 2."""
    (corpus_copy / "broken.md").write_text(BROKEN, encoding="utf-8")
    before = article_files(corpus_copy)
    code, out, err = harness("add", "--corpus", str(corpus_copy), str(PAGES / "notes.txt"))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "Not loaded: broken.md front matter opens with '---' but never closes.",
        "The corpus would not load (broken.md front matter opens with '---' but never closes), "
        "so I removed notes.txt again.",
    ]
    assert article_files(corpus_copy) == before
    assert not (corpus_copy / ".history.jsonl").exists()


def test_a_restore_whose_name_is_taken_gets_a_new_name(harness, corpus_copy, tmp_path):
    """A removed article whose old name a new file took comes back beside it, never over it."""
    corpus = ("--corpus", str(corpus_copy))
    assert harness("add", *corpus, str(PAGES / "notes.txt"))[0] == 0
    assert harness("remove", *corpus, "notes.txt")[0] == 0
    newer = tmp_path / "notes.txt"
    newer.write_text("Quahog's board met on Tuesday and voted on the harbor budget.\n")
    assert harness("add", *corpus, str(newer))[0] == 0
    code, out, err = harness("restore", *corpus, "notes.txt")
    assert code == 0, err
    assert out.startswith('Restored "Quahog council delays sanctuary vote" as notes-2.txt')
    assert (corpus_copy / "notes.txt").read_bytes() == newer.read_bytes()
    assert (corpus_copy / "notes-2.txt").read_bytes() == (PAGES / "notes.txt").read_bytes()
    assert harness("restore", *corpus, "notes.txt")[2] == (
        "There is no notes.txt in .trash; it holds nothing.\n"
    )


def test_the_harness_never_imports_the_discord_layer(corpus_copy):
    """add FILE, remove, restore, history and ask run without discord.py or bot.discord."""
    corpus = f"'--corpus', {str(corpus_copy)!r}"
    _, loaded = imported_by(
        f"['add', {corpus}, {str(PAGES / 'notes.txt')!r}]",
        f"['remove', {corpus}, 'notes.txt']",
        f"['restore', {corpus}, 'notes.txt']",
        f"['history', {corpus}]",
        f"['ask', {corpus}, 'which police departments refused']",
    )
    assert "bot.engine.changes" in loaded and "bot.settings" in loaded
    assert not {name for name in loaded if name.startswith("bot.discord")}
    tops = {name.split(".")[0] for name in loaded}
    assert not tops & {"discord", "aiohttp", "trafilatura", "lxml"}


def test_unanswered_lists_the_log_and_an_added_article_answers_from_it(
    corpus_copy, tmp_path, monkeypatch, capsys
):
    """`unanswered` prints what Discord members asked that no article answers; `add` of an
    article that answers three of them says so, and they leave the list."""
    from bot.cli import main
    from bot.engine.questionlog import Asked, QuestionLog

    data = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.delenv("QUESTION_LOG_DAYS", raising=False)

    def harness(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    assert harness("unanswered")[1].startswith("No question has been logged yet")
    log = QuestionLog.in_folder(data, 30)
    for number, asker, question in [
        (1, 7, "what did the Quahog council delay"),
        (2, 8, "what did the quahog council delay?"),
        (3, 8, "when will the quahog council vote on sanctuary"),
        (4, 9, "what is the airspeed of an unladen swallow"),
    ]:
        log.record(Asked(number, guild_id=10, channel_id=11, asker_id=asker, question=question))
    log.close()
    code, out, _ = harness("unanswered", "--days", "7")
    assert code == 0 and out.splitlines() == [
        "4 questions asked in any server or direct message in the last 7 days that I could "
        "not answer, or whose answer got more Not helpful votes than Helpful, worded-alike "
        "ones together, most asked first:",
        '- 2 times by 2 members: "what did the Quahog council delay"',
        '- once by 1 member: "when will the quahog council vote on sanctuary"',
        '- once by 1 member: "what is the airspeed of an unladen swallow"',
    ]
    code, out, err = harness("add", "--corpus", str(corpus_copy), str(PAGES / "notes.txt"))
    assert code == 0, err
    assert "It answers 3 questions from the question log" in out and "swallow" not in out
    after = harness("unanswered")[1]
    assert "swallow" in after and "council" not in after
    assert harness("unanswered", "--days", "0")[1:] == ("", "--days must be between 1 and 3650.\n")
    monkeypatch.setenv("QUESTION_LOG_DAYS", "0")
    assert harness("unanswered")[1] == "Questions are not logged (QUESTION_LOG_DAYS is 0).\n"
