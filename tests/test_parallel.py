"""ParallelEmbedder (qa/parallel.py): the real model in real spawn workers, no mocks.

Four pools are started in all (about 8 s each on 2 cores): one for the equality checks and close(), one
interrupted by a real SIGINT, one whose worker is SIGKILLed mid-call, one in a parent that SIGKILLs itself.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qa.errors import IndexStoreError, QAError
from qa.parallel import ParallelEmbedder

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    out = [s.strip() for p in sorted(SEEDS.glob("*.txt"))
           for s in re.split(r"(?<=[.!?])\s+", p.read_text(encoding="utf-8")) if len(s.split()) >= 5]
    assert len(out) >= 150
    return out[:150]


@pytest.fixture(scope="module")
def reference(embedder, sentences) -> np.ndarray:
    """MiniLMEmbedder's vectors for ``sentences``, computed once."""
    return embedder.embed(sentences)


def _alive(pid: int) -> bool:
    """Running (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _started(e: ParallelEmbedder, before: set) -> list[int]:
    """Starts ``e``'s pool; the pids of the worker processes it added."""
    e.start()
    pids = [p.pid for p in multiprocessing.active_children() if p not in before]
    assert len(pids) == e.workers
    return pids


def _gone(pids: list[int], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(_alive(p) for p in pids)


@pytest.mark.parametrize("bad", [0, -1, 65, 2.0, "2", True, None])
def test_bad_workers_value_says_what_to_pass(bad):
    with pytest.raises(QAError) as ei:
        ParallelEmbedder(bad)
    msg = str(ei.value)
    assert "\n" not in msg and "workers" in msg and "1 to 64" in msg


def test_same_surface_as_minilm(embedder):
    e = ParallelEmbedder(2)
    assert (e.model_id, e.dim, e.max_wordpieces) == (embedder.model_id, embedder.dim, embedder.max_wordpieces)
    assert e.fits("Rebels took the town.") and not e.fits("word " * 400)
    assert e.embed([]).shape == (0, 384)


def test_one_worker_is_in_process(reference, sentences):
    before = set(multiprocessing.active_children())
    e = ParallelEmbedder(1)
    vecs = e.embed(sentences)
    assert not e.started and set(multiprocessing.active_children()) == before
    assert vecs.dtype == np.float32 and vecs.shape == (150, 384)
    assert np.allclose(vecs, reference, atol=1e-5)


def test_small_calls_do_not_start_a_pool(reference, sentences):
    before = set(multiprocessing.active_children())
    with ParallelEmbedder(2) as e:
        vecs = e.embed(sentences[:64])
        e.embed(["Who leads the rebel coalition?"])
        assert not e.started and set(multiprocessing.active_children()) == before
    assert np.allclose(vecs, reference[:64], atol=1e-5)


def test_matches_minilm_in_order_and_close_stops_the_workers(reference, sentences):
    before = set(multiprocessing.active_children())
    ref = reference
    e = ParallelEmbedder(2, batch_size=16)  # slices of 32: five slices over two workers
    pids = _started(e, before)
    vecs = e.embed(sentences, progress=True)
    assert vecs.dtype == np.float32 and vecs.shape == (150, 384) and vecs.flags.c_contiguous
    assert np.allclose(vecs, ref, atol=1e-5)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    rev = e.embed(sentences[::-1])  # order follows the input, not the slices' completion
    assert np.allclose(rev, ref[::-1], atol=1e-5)

    # a worker that raises: IndexStoreError on one line; the pool is kept and still right
    with pytest.raises(IndexStoreError) as ei:
        e.embed(sentences[:100] + [None])  # type: ignore[list-item]
    assert "\n" not in str(ei.value) and "worker" in str(ei.value)
    assert e.started and np.allclose(e.embed(sentences[:80]), ref[:80], atol=1e-5)

    e.close()
    assert not e.started
    assert set(multiprocessing.active_children()) == before
    assert _gone(pids, within=1.0)
    e.close()  # idempotent


@pytest.fixture
def python_ctrl_c():
    """SIGINT as a fresh ``python -m qa index`` gets it: Python's handler, not blocked. Libraries loaded by
    earlier tests in this process may replace or block it (the whole suite in one process once swallowed
    this test's Ctrl-C; alone it passed)."""
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    yield
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    signal.signal(signal.SIGINT, handler)


def test_ctrl_c_stops_the_workers_and_reraises(sentences, python_ctrl_c):
    before = set(multiprocessing.active_children())
    e = ParallelEmbedder(2)
    pids = _started(e, before)
    main = threading.main_thread().ident
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))  # what a terminal's Ctrl-C does
    timer.start()
    t = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            e.embed(sentences * 6)  # 900 texts: far longer than 0.5 s
    finally:
        timer.cancel()
    assert time.monotonic() - t < 5
    assert not e.started and set(multiprocessing.active_children()) == before
    assert _gone(pids)


def test_a_killed_worker_raises_instead_of_hanging(sentences):
    before = set(multiprocessing.active_children())
    e = ParallelEmbedder(2)
    pids = _started(e, before)
    timer = threading.Timer(0.5, os.kill, (pids[0], signal.SIGKILL))
    timer.start()
    t = time.monotonic()
    try:
        with pytest.raises(IndexStoreError) as ei:
            e.embed(sentences * 6)
    finally:
        timer.cancel()
    msg = str(ei.value)
    assert "\n" not in msg and "worker stopped" in msg and "rerun" in msg
    assert time.monotonic() - t < 10
    assert not e.started and set(multiprocessing.active_children()) == before
    assert _gone(pids)


PARENT = """
import os, signal, sys
from qa.parallel import ParallelEmbedder
if __name__ == "__main__":
    import multiprocessing
    e = ParallelEmbedder(2)
    e.start()
    with open(sys.argv[1], "w") as f:
        f.write(" ".join(str(p.pid) for p in multiprocessing.active_children()))
    os.kill(os.getpid(), signal.SIGKILL)  # no atexit, no close(): only the workers' watcher can end them
"""


def test_workers_do_not_outlive_a_killed_parent(tmp_path):
    script, out = tmp_path / "parent.py", tmp_path / "pids"
    script.write_text(PARENT, encoding="utf-8")
    r = subprocess.run([sys.executable, str(script), str(out)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    assert r.returncode == -signal.SIGKILL
    pids = [int(p) for p in out.read_text().split()]
    assert len(pids) == 2
    try:
        assert _gone(pids, within=10.0)
    finally:
        for p in pids:  # don't leave them behind if the check failed
            if _alive(p):
                os.kill(p, signal.SIGKILL)
