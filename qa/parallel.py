"""``ParallelEmbedder``: all-MiniLM-L6-v2 spread over N worker processes, to ingest large corpora.

``python -m qa index --workers N`` uses it. Queries and other small calls (64 texts or fewer) stay in-process,
on the same model as ``MiniLMEmbedder``; a bigger call is cut into contiguous slices of ``2 * batch_size``
texts (longest first, like one ``encode`` call), the slices run on a pool of "spawn" processes (created on first use, then reused; each loads the model
once and uses ``cpu_count // workers`` torch threads) and the rows come back in the order of the texts. The
vectors equal ``MiniLMEmbedder``'s (to float rounding, well under 1e-5).

Measured (2 CPU cores, 1,500 Reuters chunks of about 150 word pieces, pool already started; start-up of a
2-worker pool is about 6 s): MiniLMEmbedder (2 torch threads) 39 texts/s, ParallelEmbedder(1) (in-process,
same code) 39 texts/s, ParallelEmbedder(2) 42 texts/s with batch_size 32 (16: 41, 64: 41). On 2 cores two
processes of one thread each beat one process of two threads by under 10 %; the gain is for machines with
more cores than torch's intra-op threads use well (``MiniLMEmbedder`` caps itself at 4 threads).

A worker that dies or raises turns into ``IndexStoreError`` (after a death the pool is discarded and the next
call starts a fresh one; after an error the rest of that call is cancelled and the pool kept); Ctrl-C while
waiting stops the workers at once and re-raises. Workers ignore SIGINT (a terminal's Ctrl-C reaches the whole
process group: the parent decides) and exit when the parent does, even a parent killed by SIGKILL: each runs a
thread waiting on the pipe to the parent that only the parent holds (the pool's own queues cannot tell, every
worker holds both ends of them: without that thread an orphaned worker waited for ever, measured).

>>> ParallelEmbedder(0)
Traceback (most recent call last):
...
qa.errors.QAError: workers must be a whole number from 1 to 64 (about one per CPU core, e.g. 2), not 0
>>> with ParallelEmbedder(2) as e:  # doctest: +SKIP
...     vecs = e.embed(chunk_texts, progress=True)
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
import weakref
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from . import embedding
from .embedding import MODEL_NAME, MiniLMEmbedder
from .errors import IndexStoreError, QAError

MAX_WORKERS = 64
SMALL_CALL = 64  # texts; a call this small (a query, a few chunks) is embedded in-process

# --- worker side (runs in the pool's processes) -----------------------------------------------------------

_worker_error: str | None = None  # why the model did not load in this worker, raised with the first slice


def _worker_init(threads: int, ready) -> None:
    """Each worker, once: ignore Ctrl-C (the parent handles it), load the model, set its thread count."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    global _worker_error
    try:
        try:  # tqdm's default lock is a multiprocessing semaphore: a terminated worker would leak it (a warning)
            from tqdm.std import tqdm

            tqdm.set_lock(threading.RLock())
        except ImportError:
            pass
        # importing qa.embedding (done by this module's import) set HF_HUB_OFFLINE & co. before any load
        embedding._load_model()
        import torch

        torch.set_num_threads(threads)
    except Exception as e:  # reported with the first slice, as the parent's IndexStoreError
        _worker_error = _one_line(e)
    finally:
        ready.release()


def _exit_with_parent() -> None:
    """A thread that ends this worker as soon as the parent is gone (killed, crashed): the pool's queues do not
    tell, since every worker holds both ends of their pipes. A spawn child's ``parent_process().sentinel`` is a
    pipe whose only writer is the parent, so it turns readable (EOF) exactly when the parent dies."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        from multiprocessing.connection import wait as wait_for

        wait_for([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="qa-exit-with-parent", daemon=True).start()


def _worker_embed(texts: list[str], batch_size: int) -> np.ndarray:
    if _worker_error is not None:
        raise RuntimeError(f"the model did not load: {_worker_error}")
    vecs = embedding._load_model().encode(
        texts, batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True, normalize_embeddings=True
    )
    return np.ascontiguousarray(vecs, dtype=np.float32)


def _worker_ping() -> int:
    if _worker_error is not None:
        raise RuntimeError(f"the model did not load: {_worker_error}")
    return os.getpid()


# --- parent side ------------------------------------------------------------------------------------------


def _one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(str(e).split()) or "no message"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type(e).__name__}: {text}"


_live: weakref.WeakSet[ParallelEmbedder] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for e in list(_live):
        e._stop(kill=True)


class ParallelEmbedder:
    """all-MiniLM-L6-v2 over ``workers`` processes; same ``model_id``, ``dim``, window and vectors as
    ``MiniLMEmbedder``. Cheap to create: the pool starts on the first call of more than 64 texts (or
    ``start()``). ``workers=1`` is ``MiniLMEmbedder`` itself (no pool). Close it (``close()`` or ``with``)."""

    model_id = MODEL_NAME
    dim = MiniLMEmbedder.dim
    max_wordpieces = MiniLMEmbedder.max_wordpieces

    def __init__(self, workers: int, *, batch_size: int = 32):
        if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
            raise QAError(
                f"workers must be a whole number from 1 to {MAX_WORKERS} (about one per CPU core, e.g. 2), "
                f"not {workers!r}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= 1024:
            raise QAError(f"batch_size must be a whole number from 1 to 1024 (e.g. 32), not {batch_size!r}")
        self.workers = workers
        self.batch_size = batch_size
        self.threads_per_worker = max(1, (os.cpu_count() or 1) // workers)
        self._local = MiniLMEmbedder()
        self._pool: ProcessPoolExecutor | None = None
        self._ready = None  # semaphore each worker releases once its model is loaded
        self._lock = threading.Lock()
        _live.add(self)

    # same surface as MiniLMEmbedder
    def warm_up(self):
        """Loads the in-process model (queries use it); the pool starts on the first big call, or ``start()``."""
        return self._local.warm_up()

    def fits(self, text: str) -> bool:
        return self._local.fits(text)

    @property
    def started(self) -> bool:
        """Whether the worker pool is running."""
        return self._pool is not None

    def start(self, timeout: float = 300.0) -> None:
        """Starts the pool now and waits until every worker has loaded the model (so timings leave out start-up).
        No-op with ``workers=1``."""
        if self.workers == 1:
            return
        pool, ready = self._get_pool()
        pings = [pool.submit(_worker_ping) for _ in range(self.workers)]  # one spawn per submit while none idle
        deadline = time.monotonic() + timeout
        loaded = 0
        try:
            while loaded < self.workers:
                if ready.acquire(timeout=0.2):
                    loaded += 1
                    continue
                broken = [f for f in pings if f.done() and f.exception() is not None]
                if broken:
                    raise broken[0].exception()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the workers did not load the model within {timeout:.0f} s")
            for f in pings:
                f.result(timeout=max(1.0, deadline - time.monotonic()))
        except KeyboardInterrupt:
            self._stop(kill=True)
            raise
        except Exception as e:
            self._stop(kill=True)
            raise IndexStoreError(f"the embedding workers did not start ({_one_line(e)}): rerun") from e
        finally:
            for _ in range(loaded):  # leave the count as it was for a later start()
                ready.release()

    def embed(self, texts: list[str], *, progress: bool = False, batch_size: int | None = None) -> np.ndarray:
        """One L2-normalised float32 row per text, in the order of ``texts``."""
        bs = batch_size or self.batch_size
        texts = list(texts)
        if self.workers == 1 or len(texts) <= SMALL_CALL:
            return self._local.embed(texts, progress=progress, batch_size=bs)
        pool, _ = self._get_pool()
        # longest first, as sentence-transformers orders one encode() call: slices of like lengths pad little,
        # and the big ones go first so the workers finish together; the rows are put back in input order below
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]) if isinstance(texts[i], str) else 0)
        step = 2 * bs
        parts = [order[i : i + step] for i in range(0, len(order), step)]
        slices = [[texts[i] for i in part] for part in parts]
        bar = _progress_bar(len(texts)) if progress else None
        futures: list[Future] = []
        try:
            futures = [pool.submit(_worker_embed, s, bs) for s in slices]
            sizes = {f: len(s) for f, s in zip(futures, slices, strict=True)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for f in done:
                    f.result()  # raises the worker's error, or BrokenProcessPool
                    if bar is not None:
                        bar.update(sizes[f])
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for f, part in zip(futures, parts, strict=True):
                out[part] = f.result()
            return out
        except KeyboardInterrupt:
            self._stop(kill=True)
            raise
        except BrokenProcessPool as e:
            self._stop(kill=True)
            raise IndexStoreError(
                f"an embedding worker stopped ({_one_line(e)}): rerun; articles already stored are skipped"
            ) from e
        except Exception as e:  # the worker raised: the pool is sound, drop the rest of this call only
            for f in futures:
                f.cancel()
            raise IndexStoreError(
                f"an embedding worker failed ({_one_line(e)}): rerun; articles already stored are skipped"
            ) from e
        finally:
            if bar is not None:
                bar.close()

    def close(self) -> None:
        """Shuts the pool down: pending slices are cancelled, the workers exit and are joined. Idempotent;
        the embedder stays usable (a later big call starts a new pool)."""
        self._stop(kill=False)

    def __enter__(self) -> ParallelEmbedder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)  # no joining in a finalizer
        except Exception:
            pass

    # internals
    def _get_pool(self):
        with self._lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("spawn")
                self._ready = ctx.Semaphore(0)
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=ctx,
                    initializer=_worker_init,
                    initargs=(self.threads_per_worker, self._ready),
                )
            return self._pool, self._ready

    def _stop(self, *, kill: bool) -> None:
        """Graceful (``kill=False``): running slices finish, the rest are cancelled. ``kill=True``: the workers
        are terminated first (Ctrl-C, a failure, exit), so nothing waits on a slice."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        if kill:
            for p in procs:
                if p.is_alive():
                    p.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)


def _progress_bar(total: int):
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm comes with sentence-transformers; without it, no bar
        return None
    return tqdm(total=total, unit="text", desc="Embedding")
