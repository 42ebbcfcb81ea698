"""How each store scales with the corpus: build, asking, memory and retrieval among Reuters distractors.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,5000,17983] [--stores faiss,milvus-lite] [--workers 2]

For each size N the corpus is the 5 seed articles plus the first N Reuters-21578 articles (read from
``../shared``, written to a temp folder, never into the repo). Per store (the FAISS index, milvus-lite):

- **build**: ``python -m qa index``'s work (``QA.update_store``) in a fresh process, with 1 and ``--workers``
  embedding processes at the smallest size and ``--workers`` above it: wall time, chunks/s, peak RSS, and the
  ratio to **pure embedding** (the same chunks through ``MiniLMEmbedder`` alone; measured on every chunk at
  the smallest size (`--compare-at`), on a 2,000-chunk sample at the others, the time then scaled to the chunk count);
- **warm app**: a fresh process that opens the store as the chat app does (FAISS: over the corpus folder,
  held in memory; Milvus: over an empty uploads folder, the archive in the store), answers the seed dev
  questions once to warm up, then 3 more rounds: ask p50/p95, its ratio to one query ``encode`` (p50 of 50),
  peak RSS (VmHWM; milvus-lite 3.x runs inside the process — checked: it starts no child —, so its memory
  is in that figure; the resident memory of any descendant processes at the end is printed beside it),
  answer-in-top-5 (a gold answer inside one of the 5 best passages) and answers right.

Every build and app runs in its own process (peak RSS is its own). Prints a table and one JSON line (also
``benchmarks/out/scale.json``). Expect about 1 h on 2 cores for all three sizes and both stores.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def vm_hwm_mb() -> float:
    """This process's peak resident memory (MiB), from /proc: exact for a process started by exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_parts_mb() -> dict[str, float]:
    """Resident memory now (MiB): anonymous (heaps: Python objects, the FAISS index, an in-process engine's
    data) and file-backed (shared libraries, memory-mapped files)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile", "VmRSS"):
            out[key] = int(value.split()[0]) / 1024
    return out


def children_rss_mb() -> float:
    """Resident memory (MiB) of this process's descendants now (0 when it has none)."""
    parent: dict[str, str] = {}
    rss: dict[str, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[stat.parent.name] = stat.read_text().rsplit(")", 1)[1].split()[1]
            status = (stat.parent / "status").read_text()
            rss[stat.parent.name] = next((int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS:")), 0)
        except (OSError, IndexError):
            continue
    mine, grew = {str(os.getpid())}, True
    while grew:
        more = {p for p, pp in parent.items() if pp in mine} - mine
        grew = bool(more)
        mine |= more
    return sum(rss.get(p, 0) for p in mine - {str(os.getpid())}) / 1024


# --- children ------------------------------------------------------------------------------------------
def child_embed(corpus: Path, sample: int) -> dict:
    """Pure embedding: every chunk (``sample`` 0) or an even sample of them, through MiniLMEmbedder."""
    from qa.embedding import MiniLMEmbedder
    from qa.index import chunk_for
    from qa.reading import read_corpus
    from qa.settings import Settings

    e, s = MiniLMEmbedder(), Settings(show_progress=False)
    texts = [c.text for d in read_corpus(corpus)[0] for c in chunk_for(d, s, e)]
    chosen = texts if not sample or sample >= len(texts) else texts[:: max(1, len(texts) // sample)][:sample]
    e.embed(["warm-up"] * 8)
    t = time.perf_counter()
    e.embed(chosen)
    took = time.perf_counter() - t
    return {"chunks": len(texts), "embedded": len(chosen), "seconds": took, "chunks_per_s": len(chosen) / took,
            "all_chunks_s": len(texts) * took / len(chosen)}


def child_build(corpus: Path, store: str, workers: int) -> dict:
    from qa.embedding import MiniLMEmbedder
    from qa.pipeline import QA

    embedder = MiniLMEmbedder()
    if workers > 1:
        from qa.parallel import ParallelEmbedder

        embedder = ParallelEmbedder(workers)
        embedder.start()  # the pool's start-up (model loads) is not the build
    embedder.embed(["warm-up"] * 8)
    bot = QA(corpus=corpus, store=store, embedder=embedder, show_progress=False)
    t = time.perf_counter()
    report = bot.update_store()
    took = time.perf_counter() - t
    chunks = bot.store.count()
    bot.close()
    if workers > 1:
        embedder.close()
    return {"seconds": took, "embedded": report.embedded_chunks, "chunks": chunks,
            "chunks_per_s": report.embedded_chunks / took, "peak_rss_mb": vm_hwm_mb()}


def child_app(corpus: Path, store: str) -> dict:
    from common import DEV, percentile

    from qa.evaluation import evaluate, load_questions
    from qa.pipeline import QA
    from qa.text import squad_normalize

    rows = [r for r in load_questions(DEV) if not r.get("history")]
    bot = QA(corpus=corpus, store=store, show_progress=False)
    t = time.perf_counter()
    bot.warm_up()
    warm_s = time.perf_counter() - t
    res = evaluate(bot, rows)  # the warm-up round: the answers are scored here
    lat = []
    for _ in range(3):
        for r in rows:
            t = time.perf_counter()
            bot.ask(r["question"])
            lat.append((time.perf_counter() - t) * 1000)
    enc = []
    for _ in range(50):
        t = time.perf_counter()
        bot.embedder.embed(["How far are the rebels from the city?"])
        enc.append((time.perf_counter() - t) * 1000)
    hits = answerable = 0
    for r in rows:
        if not r["answers"]:
            continue
        answerable += 1
        passages = bot.retriever.search(r["question"], 5)
        text = " ".join(squad_normalize(p.text) for p in passages)
        hits += any(squad_normalize(a) and squad_normalize(a) in text for a in r["answers"])
    out = {"warm_up_s": warm_s, "ask_p50_ms": percentile(lat, 50), "ask_p95_ms": percentile(lat, 95),
           "encode_p50_ms": percentile(enc, 50), "top5": hits, "answerable": answerable, "correct": res.correct,
           "declined_ok": res.declined_ok, "unanswerable": res.unanswerable, "peak_rss_mb": vm_hwm_mb(),
           "children_rss_mb": children_rss_mb(), "rss_now_mb": rss_parts_mb()}
    out["ratio"] = out["ask_p50_ms"] / out["encode_p50_ms"]
    bot.close()
    return out


def run_child(*args: str) -> dict:
    """Run this script as a child (``--child ...``) and read the JSON line it prints last."""
    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"child {args[:1]} failed ({r.returncode}): {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def store_uri(store: str, size: int, suffix: str, tmp: Path, server) -> str:
    """Where one build of ``store`` goes: a folder, a milvus-lite file, or a collection on the server."""
    if store == "faiss":
        return str(tmp / f"index-{store}-{size}{suffix}")
    if store == "milvus-server":
        return f"milvus://127.0.0.1:{server.port}?collection=scale_{size}{suffix.replace('-', '_')}"
    return f"milvus://{tmp}/{store}-{size}{suffix}.db"


# --- the run -------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,5000,17983", help="Reuters articles added to the seeds, comma-separated")
    ap.add_argument("--stores", default="faiss,milvus-lite", help="of faiss, milvus-lite, milvus-server (the "
                    "standalone Milvus 2.3.5 of the PyPI `milvus` wheel, started on 127.0.0.1 as the tests do: "
                    "dense only, the engine outside the app process)")
    ap.add_argument("--workers", type=int, default=2, help="embedding processes for the builds (1 is also run at "
                    "the smallest size)")
    ap.add_argument("--compare-at", type=int, default=None, help="the size at which every chunk is timed for pure "
                    "embedding and the 1-worker build is run too (default: the smallest of --sizes)")
    ap.add_argument("--sample", type=int, default=2000, help="chunks timed for pure embedding above the smallest size")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        fn = {"embed": lambda c, n: child_embed(Path(c), int(n)),
              "build": lambda c, s, w: child_build(Path(c), s, int(w)),
              "app": lambda c, s: child_app(Path(c), s)}[kind]
        print(json.dumps(fn(*rest)))
        return

    from common import make_corpus, report

    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    compare_at = min(sizes) if args.compare_at is None else args.compare_at
    stores = [x.strip() for x in args.stores.split(",") if x.strip()]
    rows, record = [], {"sizes": sizes, "stores": stores, "workers": args.workers, "runs": []}
    with tempfile.TemporaryDirectory(prefix="qa-scale-") as tmp, contextlib.ExitStack() as stack:
        tmp = Path(tmp)
        server = None
        if "milvus-server" in stores:
            sys.path.insert(0, str(ROOT / "tests"))
            from milvus_server import running_milvus

            server = stack.enter_context(running_milvus(tmp / "milvus-server"))
            print(f"milvus server {server} (2.3.5, dense only)", flush=True)
        empty = tmp / "uploads"
        empty.mkdir()
        for size in sizes:
            corpus = make_corpus(tmp / f"corpus-{size}", reuters=size)
            n_docs = sum(1 for _ in corpus.iterdir())
            pure = run_child("embed", str(corpus), "0" if size == compare_at else str(args.sample))
            print(f"\n-- {n_docs} articles, {pure['chunks']} chunks: pure embedding {pure['chunks_per_s']:.1f} chunks/s "
                  f"({pure['embedded']} timed) -> {pure['all_chunks_s']:.0f} s for all; load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
            for store in stores:
                uri = store_uri(store, size, "", tmp, server)
                builds = {}
                for w in sorted({1, args.workers} if size == compare_at else {args.workers}):
                    where = uri if w == args.workers else store_uri(store, size, f"-w{w}", tmp, server)
                    b = run_child("build", str(corpus), where, str(w))
                    builds[w] = b
                    print(f"   {store} build, {w} worker(s): {b['seconds']:.1f} s, {b['chunks_per_s']:.1f} chunks/s, "
                          f"{b['seconds'] / pure['all_chunks_s']:.2f}x pure embedding, peak RSS {b['peak_rss_mb']:.0f} MB",
                          flush=True)
                a = run_child("app", str(corpus if store == "faiss" else empty), uri)
                print(f"   {store} warm app: ask p50/p95 {a['ask_p50_ms']:.0f}/{a['ask_p95_ms']:.0f} ms, "
                      f"{a['ratio']:.2f}x encode ({a['encode_p50_ms']:.1f} ms), top-5 {a['top5']}/{a['answerable']}, "
                      f"right {a['correct']}/{a['answerable']}, declined {a['declined_ok']}/{a['unanswerable']}, "
                      f"peak RSS {a['peak_rss_mb']:.0f} MB (+ {a['children_rss_mb']:.0f} MB in child processes)", flush=True)
                b = builds[args.workers]
                label = f"{size} Reuters + 5 seeds, {store}"
                rows += [
                    (f"{label}: chunks", f"{b['chunks']}"),
                    (f"{label}: build ({args.workers} workers)",
                     f"{b['seconds']:.0f} s = {b['seconds'] / pure['all_chunks_s']:.2f}x pure embedding "
                     f"({pure['all_chunks_s']:.0f} s)"),
                    *[(f"{label}: chunks/s, {w} worker(s)", f"{x['chunks_per_s']:.1f}") for w, x in sorted(builds.items())],
                    (f"{label}: build peak RSS", f"{b['peak_rss_mb']:.0f} MB"),
                    (f"{label}: warm ask p50 / p95", f"{a['ask_p50_ms']:.0f} / {a['ask_p95_ms']:.0f} ms = "
                     f"{a['ratio']:.2f}x one encode ({a['encode_p50_ms']:.1f} ms)"),
                    (f"{label}: warm app peak RSS (+ its child processes now)",
                     f"{a['peak_rss_mb']:.0f} MB (+ {a['children_rss_mb']:.0f} MB)"),
                    (f"{label}: seed dev answer in top 5 / right", f"{a['top5']}/{a['answerable']} / "
                     f"{a['correct']}/{a['answerable']}"),
                ]
                record["runs"].append({"size": size, "store": store, "articles": n_docs, "pure": pure,
                                       "load_average_1min_after": os.getloadavg()[0],
                                       "builds": {str(w): x for w, x in builds.items()}, "app": a})
    rows.append(("targets", "FAISS build <= 1.2x pure embedding, ask ratio unchanged; Milvus app RSS flat"))
    report("scale", rows, record)


if __name__ == "__main__":
    main()
