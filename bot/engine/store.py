"""The processed corpus on disk: columnar segments, memory-mapped, one article's work per change.

`load` gives a corpus folder as lazy `ArticleTable` and `PassageTable` views (`bot.engine.tables`)
over arrays kept in `<folder>/.cache/`, each its own `.npy` file mapped with
`mmap_mode="r"`:

- `seg-*/`: *segments* (`bot.engine.segments`), each some articles and what the pipeline made
  of them (texts, offsets, term ids, postings). A segment never changes once written.
- `gen-*/`: the *generation*: which articles are live and where, each passage's place in
  corpus order (file-name order, as `load_corpus` reads them), and rank-bm25's statistics
  of exactly those passages (idf in rank-bm25's term order, avgdl, corpus size).
- `store.json`, the manifest: the segments and the generation, every file's size and
  sha256, and a checksum of itself.

Start-up reads the manifest, checks its checksum and every file's size and header, and
maps the arrays: nothing large is read and no object is made per passage. An added or
edited article is processed alone into a small new segment, a removed or edited one
leaves the generation, and the statistics are recounted from per-segment counts; small
segments are merged later, as tantivy and Lucene do. Scores come from term frequencies
and passage lengths with rank-bm25's own operations, so they are bit for bit those of a
full rebuild.

Files are matched by name and stat (size, mtime, ctime, inode), as git's index does; a
file whose stat changed, or that changed shortly before it was looked at, is hashed
again. A store that is corrupt (checksum, sizes, headers), stale (other processing code)
or inconsistent is rebuilt, never trusted; `verify` reads every byte against the
checksums, as every write does. A folder we cannot write to is processed in memory.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from bot.engine import chunking, context, corpus, index, pipeline, scoring, text
from bot.engine.corpus import CorpusError, article_entries
from bot.engine.pipeline import NO_STAT, StatKey, process_all
from bot.engine.segments import (
    SEGMENT_SCHEMA,
    Generation,
    MappedStore,
    Segment,
    SegmentBuilder,
    StoreError,
    merge,
)
from bot.engine.tables import ArticleTable, PassageTable

log = logging.getLogger(__name__)

FORMAT = 4
STORE_FOLDER = ".cache"
MANIFEST = "store.json"
LOCK = "lock"
# A file changed less than this before we looked at it may change again unseen in the
# same timestamp tick: its stat is not trusted, it is hashed again next time.
RACY_NS = 2_000_000_000
_LEGACY = ("processed.npz", "processed.json", "index.npz", "index.json")
_GENERATION_SCHEMA = {
    "names": ("uint8", 1),
    "names_ptr": ("int64", 1),
    "art_seg": ("int32", 1),
    "art_local": ("int32", 1),
    "stats": ("int64", 2),  # size, mtime_ns, ctime_ns, inode, when it was looked at (ns)
    "pass_off": ("int64", 1),
    "vocab": ("uint8", 1),
    "idf": ("float64", 1),
    "order": ("int32", 1),
}


@dataclass(frozen=True)
class LoadStats:
    """What one load took from the store and what it had to process."""

    articles: int
    reused: int
    processed: int
    removed: int
    store: str  # "hit", "updated", "miss", "corrupt", "stale" or "off"
    written: bool
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)


@cache
def processing_version() -> str:
    """A hash of everything that shapes processed articles: code, stopwords, window, nltk."""
    digest = hashlib.sha256(f"format {FORMAT}; nltk {text.NLTK_VERSION}".encode())
    for module in (text, chunking, corpus, context, pipeline):
        digest.update(Path(module.__file__).read_bytes())
    digest.update("\n".join(sorted(text.stopwords())).encode())
    digest.update(f"window {chunking.WINDOW} stride {chunking.STRIDE}".encode())
    return digest.hexdigest()


@cache
def scoring_version() -> str:
    """A hash of what shapes a generation's statistics: the scoring code and k1, b, epsilon."""
    digest = hashlib.sha256(Path(scoring.__file__).read_bytes())
    digest.update(f"{index.K1} {index.B} {index.EPSILON}".encode())
    return digest.hexdigest()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: building many small objects otherwise sets it
    off again and again, each time rescanning everything built so far."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# -- loading -------------------------------------------------------------------------


def load(
    folder: Path,
    location: Path | None = None,
    *,
    workers: int | None = None,
    use_store: bool = True,
    verify: bool = False,
    skipped: list[tuple[str, str]] | None = None,
) -> tuple[ArticleTable, PassageTable, LoadStats]:
    """The folder's articles and passages, from the store where files are unchanged.

    New and edited files are processed (on `workers` processes, see `bot.engine.pipeline`) into
    a new segment and the store is updated; `verify` first checks every byte of the store.
    Raises CorpusError naming every bad file, as `load_corpus` does, and changes nothing;
    with a `skipped` list, bad files go into it as (name, why) and the good ones load
    (the store then holds only those), unless no file is good.
    """
    started = time.perf_counter()
    phases: dict[str, float] = {}
    if not folder.is_dir():
        raise CorpusError([(str(folder), "is not a folder")])
    location = location or folder / STORE_FOLDER
    with paused_gc():
        looked = time.time_ns()
        files = _scan(folder, looked)
        phases["scan"] = time.perf_counter() - started
        seen = Opened.manifest_now(location) if use_store else None
        opened, state = Opened.read(location, verify) if use_store else (None, "off")
        plan = _Plan.make(folder, files, opened)
        phases["open"] = time.perf_counter() - started - phases["scan"]
        written = False
        if not plan.clean:
            with _writer_lock(location if use_store else None) as writable:
                if writable and Opened.manifest_now(location) != seen:
                    opened, state = Opened.read(location, verify)  # another process wrote
                    plan = _Plan.make(folder, files, opened)
                if not plan.clean:
                    opened, written = _update(
                        folder, location, opened, plan, workers, writable, phases, skipped
                    )
                    if state == "hit":
                        state = "updated"
        assert opened is not None
        articles = ArticleTable(opened, folder)
        passages = PassageTable(opened, articles)
    stats = LoadStats(
        articles=len(articles),
        reused=plan.reused,
        processed=len(plan.process),
        removed=plan.removed,
        store=state,
        written=written,
        seconds=time.perf_counter() - started,
        phases=phases,
    )
    log.info(
        "store %s: %d articles reused, %d processed, %d removed%s in %.2f s",
        stats.store,
        stats.reused,
        stats.processed,
        stats.removed,
        ", written" if written else "",
        stats.seconds,
    )
    return articles, passages, stats


def verify(folder: Path, location: Path | None = None) -> list[str] | None:
    """Every file of the folder's store checked byte for byte: what is wrong, if anything
    (None when there is no store yet)."""
    location = location or folder / STORE_FOLDER
    try:
        body = _read_manifest(location)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except StoreError as error:
        return [str(error)]
    return _check_files(location, body["files"])


def _scan(folder: Path, looked: int) -> dict[str, StatKey]:
    """Article file name -> (size, mtime_ns, ctime_ns, inode, when looked at), by name."""
    found = {}
    for entry in article_entries(folder):
        try:
            st = entry.stat()
            found[entry.name] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, looked)
        except OSError:
            found[entry.name] = NO_STAT
    if not found:
        raise CorpusError([(str(folder), "holds no .txt or .md articles")])
    return found


@dataclass
class _Plan:
    """What a load must do: articles kept (with their stat), files to process, removals."""

    keep: dict[str, tuple[int, int, tuple[int, ...]]]  # name -> (segment, local, stat)
    process: list[Path]
    removed: int
    restat: bool  # only stats changed (same bytes): a new generation, no new segment
    unchanged: int = 0  # when every file is unchanged, how many (and `keep` is left empty)

    @property
    def clean(self) -> bool:
        return not (self.process or self.removed or self.restat)

    @property
    def reused(self) -> int:
        return self.unchanged or len(self.keep)

    @classmethod
    def make(cls, folder: Path, files: dict[str, tuple[int, ...]], opened: Opened | None) -> _Plan:
        if opened is None:
            return cls({}, [folder / name for name in files], 0, False)
        if not opened.rescored and _all_trusted(files, opened):
            return cls({}, [], 0, False, unchanged=len(files))
        keep, process, restat = {}, [], opened.rescored
        where = opened.where
        for name, stat in files.items():
            found = where.get(name)
            if found is None:
                process.append(folder / name)
                continue
            number, old = found
            segment, local = int(opened.art_seg[number]), int(opened.art_local[number])
            if _trusted(old, stat):
                keep[name] = (segment, local, old)
                continue
            try:
                digest = hashlib.sha256((folder / name).read_bytes()).digest()
            except OSError:
                digest = b""  # the pipeline reports why it cannot be read
            if digest == opened.segments[segment].digest(local):
                keep[name] = (segment, local, stat)
                restat = restat or _settled(stat)  # worth writing once it will be trusted
            else:
                process.append(folder / name)
        removed = sum(name not in files for name in opened.names)
        return cls(keep, process, removed, restat)


def _all_trusted(files: dict[str, StatKey], opened: Opened) -> bool:
    """Whether the files are exactly the store's, every one `_trusted` (one array test)."""
    if len(files) != len(opened.stats) or list(files) != opened.names:
        return False
    new, old = np.array(list(files.values()), dtype=np.int64), opened.stats
    return bool(
        np.all(new[:, :4] == old[:, :4])
        and np.all(old[:, :4].any(axis=1))
        and np.all(old[:, 2] < old[:, 4] - RACY_NS)
    )


def _trusted(old: StatKey, new: StatKey) -> bool:
    """Same size, mtime, ctime and inode as when last looked at, and settled by then."""
    return old[:4] == new[:4] and _settled(old)


def _settled(stat: StatKey) -> bool:
    """Whether the file had been still for a while when it was looked at, so that a change
    in the same timestamp tick cannot hide behind the same stat (git's racy-clean rule)."""
    return stat != NO_STAT and stat[2] < stat[4] - RACY_NS


@contextmanager
def _writer_lock(location: Path | None) -> Iterator[bool]:
    """An exclusive lock on the store for one writer at a time; yields whether the store
    can be written at all (False: a folder we cannot write to, or no store wanted)."""
    if location is None:
        yield False
        return
    try:
        location.mkdir(parents=True, exist_ok=True)
        handle = open(location / LOCK, "a+b")  # noqa: SIM115 - held across the yield
    except OSError as error:
        log.info("store not written to %s (%s)", location, error.strerror or error)
        yield False
        return
    with handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass  # no advisory locks here: writers still write whole files atomically
        yield True


def _update(
    folder: Path,
    location: Path,
    opened: Opened | None,
    plan: _Plan,
    workers: int | None,
    writable: bool,
    phases: dict[str, float],
    skipped: list[tuple[str, str]] | None,
) -> tuple[Opened, bool]:
    """Process the plan's files, add them as new segments, merge, and commit a generation.
    Bad files raise CorpusError, or with a `skipped` list go into it and are left out."""
    started = time.perf_counter()
    vocab = list(opened.vocab) if opened is not None else []
    spilled: dict = {}  # file entries of segments written as they were built
    spilling = [0.0]

    def keep(segment: Segment) -> Segment:
        if not writable:
            return segment
        began = time.perf_counter()
        try:
            entries = _write_folder(location, segment.name, segment.a)
            mapped = Segment(
                segment.name, _map_folder(location, segment.name, SEGMENT_SCHEMA, entries)
            )
        except OSError as error:
            log.info("segment not written to %s (%s)", location, error.strerror or error)
            return segment
        finally:
            spilling[0] += time.perf_counter() - began
        spilled.update(entries)
        return mapped

    builder = SegmentBuilder(vocab, keep)
    stats: dict[str, tuple[int, ...]] = {}
    problems = []
    good = len(plan.keep)
    for batch in process_all(plan.process, workers):
        problems.extend(batch.problems)
        good += len(batch.articles)
        if skipped is not None or not problems:
            for article, stat in zip(batch.articles, batch.stats, strict=True):
                stats[article.path.name] = stat
            builder.add(batch)
    if problems and (skipped is None or not good):
        raise CorpusError(problems)
    if skipped is not None:
        skipped.extend(problems)
    new_segments = builder.finish()
    phases["process"] = time.perf_counter() - started - builder.seconds
    phases["segments"] = builder.seconds - spilling[0]
    started = time.perf_counter()

    dropped = len(opened.names) - len(plan.keep) if opened is not None else 0
    if opened is not None and not (new_segments or dropped or opened.rescored or plan.restat):
        return opened, False  # only bad files were looked at: nothing to write
    if opened is not None and not (new_segments or dropped or opened.rescored):
        # Only stats changed (same bytes): the same generation with the new stats.
        stats.update({name: stat for name, (_, _, stat) in plan.keep.items()})
        generation = opened.generation.restated([stats[name] for name in opened.names])
        segments = opened.segments
    else:
        segments, generation = _regenerate(opened, plan, new_segments, stats, vocab)
    phases["generation"] = time.perf_counter() - started
    started = time.perf_counter()
    result = Opened(location, None, segments, generation)
    if opened is not None and opened.manifest is not None:
        result.files = dict(opened.manifest["files"])  # the segments already on disk
    result.files.update(spilled)
    written = writable and result.write()
    if written:  # map what was written: the arrays built in memory can go
        result = Opened._open(location, result.manifest)
    phases["write"] = time.perf_counter() - started + spilling[0]
    return result, written


def _regenerate(
    opened: Opened | None,
    plan: _Plan,
    new_segments: list[Segment],
    stats: dict[str, StatKey],
    vocab: list[str],
) -> tuple[list[Segment], Generation]:
    """The kept articles and the new segments' as one generation, after merging segments."""
    segments = list(opened.segments) if opened is not None else []
    live = [(name, segment, local, stat) for name, (segment, local, stat) in plan.keep.items()]
    first_new = len(segments)
    for number, segment in enumerate(new_segments, first_new):
        segments.append(segment)
        live.extend((name, number, local, stats[name]) for local, name in enumerate(segment.names))
    live.sort()
    segments, live = merge(segments, live, first_new)
    return segments, Generation.compute(segments, live, vocab)


# -- the store on disk ---------------------------------------------------------------


class Opened(MappedStore):
    """A store's segments and generation, mapped from disk or just built in memory, with
    what reading and writing them needs: where they live and the manifest's file list."""

    def __init__(
        self,
        location: Path,
        manifest: dict | None,
        segments: list[Segment],
        generation: Generation,
        rescored: bool = False,
    ) -> None:
        super().__init__(segments, generation)
        self.location = location
        self.manifest = manifest
        self.rescored = rescored  # statistics from other scoring code: compute them again
        self.files: dict = dict(manifest["files"]) if manifest else {}  # on disk, checksummed

    @staticmethod
    def manifest_now(location: Path) -> dict | None:
        """The manifest as it is on disk now (None if there is none or it is unreadable)."""
        try:
            return _read_manifest(location)
        except (FileNotFoundError, StoreError):
            return None

    @classmethod
    def read(cls, location: Path, verify: bool) -> tuple[Opened | None, str]:
        """The store at `location` if it is whole and of this version, and why not if not."""
        for attempt in range(2):
            try:
                body = _read_manifest(location)
            except (FileNotFoundError, NotADirectoryError):
                return None, "miss"
            except StoreError as error:
                log.warning("store manifest unusable (%s); rebuilding", error)
                return None, "corrupt"
            if body.get("format") != FORMAT or body.get("version") != processing_version():
                log.info("store is from other processing code; rebuilding")
                return None, "stale"
            try:
                if verify and (problems := _check_files(location, body["files"])):
                    raise StoreError("; ".join(problems))
                return cls._open(location, body), "hit"
            except FileNotFoundError:
                if attempt == 0:
                    continue  # a writer replaced the store as we read it: read it again
                log.warning("store files are missing; rebuilding")
            except (OSError, ValueError, KeyError, TypeError, IndexError, StoreError) as error:
                log.warning("store is corrupt (%s); rebuilding", error)
            return None, "corrupt"
        return None, "corrupt"

    @classmethod
    def _open(cls, location: Path, body: dict) -> Opened:
        files = body["files"]
        segments = []
        for entry in body["segments"]:
            arrays = _map_folder(location, entry["name"], SEGMENT_SCHEMA, files)
            segment = Segment(entry["name"], arrays)
            segment.check()
            segments.append(segment)
        gen = body["generation"]
        schema = dict(_GENERATION_SCHEMA)
        for number, entry in enumerate(body["segments"]):
            if entry["base"] is None:
                schema[f"remap-{number}"] = ("int32", 1)
        arrays = _map_folder(location, gen["name"], schema, files)
        positions = [
            entry["base"] if entry["base"] is not None else arrays[f"remap-{number}"]
            for number, entry in enumerate(body["segments"])
        ]
        generation = Generation(gen["name"], arrays, gen["scalars"], positions)
        _check_generation(segments, generation)
        rescored = body.get("scoring") != scoring_version()
        return cls(location, body, segments, generation, rescored)

    def write(self) -> bool:
        """Write new segments and the generation, verify them, then the manifest; clean up."""
        location = self.location
        try:
            kept = {segment.name for segment in self.segments}
            files = {p: entry for p, entry in self.files.items() if p.split("/")[0] in kept}
            for segment in self.segments:
                if not any(path.startswith(segment.name + "/") for path in files):
                    files.update(_write_folder(location, segment.name, segment.a))
            g = self.generation
            arrays = dict(g.arrays)
            for number, positions in enumerate(g.positions):
                if not isinstance(positions, int):
                    arrays[f"remap-{number}"] = positions
            files.update(_write_folder(location, g.name, arrays))
            body = {
                "format": FORMAT,
                "version": processing_version(),
                "scoring": scoring_version(),
                "segments": [
                    {"name": s.name, "base": p if isinstance(p, int) else None}
                    for s, p in zip(self.segments, g.positions, strict=True)
                ],
                "generation": {"name": g.name, "scalars": g.scalars},
                "files": files,
            }
            _write_manifest(location, body)
        except OSError as error:
            log.info("store not written to %s (%s)", location, error.strerror or error)
            return False
        self.manifest, self.files = body, files
        _collect_garbage(location, {path.split("/")[0] for path in files})
        return True


def _check_generation(segments: list[Segment], generation: Generation) -> None:
    """The generation's small tables against its segments (reads only per-article arrays)."""
    g, scalars = generation.arrays, generation.scalars
    n = len(g["art_seg"])
    if len(g["names_ptr"]) != n + 1 or g["names_ptr"][-1] != len(g["names"]):
        raise StoreError("generation names do not add up")
    if len(g["art_local"]) != n or g["stats"].shape != (n, 5) or len(g["pass_off"]) != n + 1:
        raise StoreError("generation tables differ in length")
    if n and (g["art_seg"].min() < 0 or g["art_seg"].max() >= len(segments)):
        raise StoreError("generation names a segment that is not there")
    counts = np.zeros(n, dtype=np.int64)
    for number, (segment, positions) in enumerate(zip(segments, generation.positions, strict=True)):
        mine = g["art_seg"] == number
        local = g["art_local"][mine]
        if len(local) and (local.min() < 0 or local.max() >= segment.articles):
            raise StoreError("generation names an article that is not there")
        ptr = segment.a["pass_ptr"]
        counts[mine] = ptr[local + 1] - ptr[local]
        if not isinstance(positions, int) and len(positions) != segment.passages:
            raise StoreError("generation positions do not fit their segment")
    if not np.array_equal(np.diff(g["pass_off"]), counts) or g["pass_off"][0] != 0:
        raise StoreError("generation passage counts do not match the segments")
    vocab_size = max((s.vocab_size for s in segments), default=0)
    if len(g["idf"]) < vocab_size or scalars["corpus_size"] != int(g["pass_off"][-1]):
        raise StoreError("generation statistics do not fit")


def _map_folder(
    location: Path, folder: str, schema: dict[str, tuple[str, int]], files: dict
) -> dict[str, np.ndarray]:
    """Each array of a folder, memory-mapped, after checking its size and header."""
    arrays = {}
    for name, (dtype, ndim) in schema.items():
        path = f"{folder}/{name}.npy"
        if path not in files:
            raise StoreError(f"{path} is not in the manifest")
        full = location / path
        if full.stat().st_size != files[path][0]:
            raise StoreError(f"{path} has the wrong size")
        array = np.load(full, mmap_mode="r", allow_pickle=False)
        if array.dtype != np.dtype(dtype) or array.ndim != ndim:
            raise StoreError(f"{path} is not {dtype} in {ndim} dimensions")
        # A plain array over the same mapping: np.memmap's slicing costs microseconds a call.
        arrays[name] = array.view(np.ndarray) if isinstance(array, np.memmap) else array
    return arrays


def _write_folder(location: Path, folder: str, arrays: Mapping[str, np.ndarray]) -> dict:
    """Write each array as `<folder>/<name>.npy` (in a temporary folder renamed at the end),
    then read each back: its data must hash as the array in memory did, and the file's
    sha256 goes in the manifest. No array is copied to do it."""
    location.mkdir(parents=True, exist_ok=True)
    temporary = location / f"{folder}.tmp-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    entries = {}
    try:
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            intended = hashlib.sha256(array.data).hexdigest()
            path = temporary / f"{name}.npy"
            with open(path, "wb") as handle:
                np.save(handle, array, allow_pickle=False)
            size, digest, data_digest = _read_back(path)
            if data_digest != intended:
                raise OSError(f"{path} does not read back as written")
            entries[f"{folder}/{name}.npy"] = [size, digest]
        os.replace(temporary, location / folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return entries


def _read_back(path: Path) -> tuple[int, str, str]:
    """A .npy file's size, its sha256, and the sha256 of its data after the header."""
    whole, data = hashlib.sha256(), hashlib.sha256()
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            np.lib.format.read_array_header_1_0(handle)
        else:
            np.lib.format.read_array_header_2_0(handle)
        header = handle.tell()
        handle.seek(0)
        whole.update(handle.read(header))
        while chunk := handle.read(1 << 22):
            whole.update(chunk)
            data.update(chunk)
        size = handle.tell()
    return size, whole.hexdigest(), data.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _check_files(location: Path, files: dict) -> list[str]:
    problems = []
    for path, (size, digest) in files.items():
        full = location / path
        try:
            if full.stat().st_size != size or _sha256(full) != digest:
                problems.append(f"{path} does not match its checksum")
        except OSError as error:
            problems.append(f"{path} cannot be read ({error.strerror or error})")
    return problems


def _read_manifest(location: Path) -> dict:
    """The manifest's body, if its checksum holds; FileNotFoundError if there is none."""
    try:
        raw = json.loads((location / MANIFEST).read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(location / MANIFEST) from None
    except (OSError, ValueError) as error:
        raise StoreError(f"manifest unreadable ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), dict):
        raise StoreError("manifest has no body")
    if raw.get("sha256") != _manifest_digest(raw["body"]):
        raise StoreError("manifest does not match its checksum")
    return raw["body"]


def _manifest_digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def _write_manifest(location: Path, body: dict) -> None:
    data = json.dumps({"body": body, "sha256": _manifest_digest(body)}, indent=1)
    temporary = location / f"{MANIFEST}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        temporary.write_text(data, "utf-8")
        os.replace(temporary, location / MANIFEST)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _collect_garbage(location: Path, referenced: set[str]) -> None:
    """Remove segments and generations no manifest names (a running engine keeps its
    mapped files: unlinking does not take pages from under a mapping), and old cache files."""
    for entry in location.iterdir():
        name = entry.name
        ours = name.startswith(("seg-", "gen-")) or ".tmp-" in name or name in _LEGACY
        if ours and name not in referenced:
            with contextlib.suppress(OSError):
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()


def new_name(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"
