"""Helpers shared by the benchmark scripts: corpora in temp folders, timing, percentiles, reporting.

The Reuters texts are read from ``../shared/corpora`` and written only into temp folders: their
licence allows research use, not redistribution with the project.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import resource
import shutil
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "seeds"
REUTERS = SHARED / "corpora" / "reuters21578.jsonl.gz"
DEV = SHARED / "eval" / "dev.jsonl"
OUT = Path(__file__).resolve().parent / "out"
LOAD_AT_START = os.getloadavg()[0]  # other jobs on the machine skew every timing: print the load beside them


def reuters_rows() -> Iterator[dict]:
    """The Reuters-21578 articles (``id``, ``title``, ``date``, ``text``), read from ``../shared``."""
    with gzip.open(REUTERS, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def write_reuters(folder: Path, n: int) -> int:
    """Write the first ``n`` Reuters-21578 articles into ``folder`` as ``.txt`` files; returns how many.

    Each file opens with ``date YYYY-MM-DD TITLE`` so the reader finds the date and the headline.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for row in itertools.islice(reuters_rows(), n):
        text = f"date {row['date'][:10]} {row['title']}\n\n{row['text']}"
        (folder / f"{row['id']}.txt").write_text(text, encoding="utf-8")
        written += 1
    return written


def write_reuters_ids(folder: Path, ids: Iterable[str]) -> Path:
    """Write the Reuters-21578 articles ``ids`` into ``folder`` as ``<id>.txt`` ("title\\n\\ntext", hard
    wraps kept, like ``news_dev``'s corpus). The texts are read from ``../shared``, never kept in the repo."""
    folder.mkdir(parents=True, exist_ok=True)
    want = set(ids)
    for row in reuters_rows():
        if row["id"] in want:
            target = folder / f"{row['id']}.txt"
            if not target.exists():
                target.write_text(f"{row['title']}\n\n{row['text']}", encoding="utf-8")
            want.discard(row["id"])
    if want:
        raise SystemExit(f"{sorted(want)} are not in {REUTERS}")
    return folder


def make_corpus(folder: Path, *, seeds: bool = True, reuters: int = 0) -> Path:
    """A corpus folder holding the seed articles (copied) and/or the first ``reuters`` Reuters articles."""
    folder.mkdir(parents=True, exist_ok=True)
    if seeds:
        for p in SEEDS.iterdir():
            if p.is_file():
                shutil.copy2(p, folder / p.name)
    if reuters:
        write_reuters(folder, reuters)
    return folder


def timed(fn: Callable, *args, **kwargs) -> tuple[object, float]:
    """``(fn(*args, **kwargs), seconds it took)``."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


@contextmanager
def clock():
    """Wall and CPU seconds of the ``with`` block, in the yielded dict once it ends.

    CPU time (all threads of this process) is the cross-check when other jobs share the machine:
    their load stretches wall time far more than it stretches our CPU time.
    """
    out: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield out
    out.update(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu)


def percentile(xs: list[float], p: float) -> float:
    """The ``p``-th percentile of ``xs`` (linear interpolation, like ``numpy.percentile``)."""
    return float(np.percentile(np.asarray(xs, dtype=float), p))


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB.

    Not usable for subprocesses via ``RUSAGE_CHILDREN``: Linux carries the forking parent's RSS
    high-water mark across ``exec``, so a child of a big process reports at least the parent's size.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def build(corpus: Path, index_dir: Path):
    """A ``QA`` over ``corpus`` with its index built in ``index_dir``.

    The model is loaded and run once before the clock starts, so the build time is reading +
    chunking + embedding + writing + BM25, comparable with a pure embedding run of the same chunks.
    Returns ``(bot, report, {"wall", "cpu"} seconds of the build, model_load_s)``.
    """
    from qa import QA
    from qa.embedding import QUERY_BATCH

    bot = QA(corpus=corpus, index_dir=index_dir, show_progress=False)

    def warm():  # load both models and run each once (torch's first call is slow) before the clock starts
        bot.embedder.embed(["warm-up"] * (QUERY_BATCH + 1))  # articles: torch
        bot.embedder.embed(["warm-up"])  # a question: the ONNX export (made on first use)

    _, load_s = timed(warm)
    with clock() as t:
        report = bot.warm_up()
    return bot, report, t, load_s


def report(name: str, rows: list[tuple[str, object]], record: dict) -> None:
    """Print ``rows`` as a two-column table, then ``record`` as one JSON line (also saved to ``out/``)."""
    load = (LOAD_AT_START, os.getloadavg()[0])
    rows = [*rows, (f"1-min load average at start / end ({os.cpu_count()} CPUs)", f"{load[0]:.2f} / {load[1]:.2f}")]
    record = {**record, "loadavg_start": load[0], "loadavg_end": load[1], "cpus": os.cpu_count()}
    width = max(len(k) for k, _ in rows)
    print(f"\n== {name} ==")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    line = json.dumps({"benchmark": name, **record}, sort_keys=True)
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(line + "\n", encoding="utf-8")
    print(line)
