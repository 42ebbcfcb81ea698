"""Speed and memory of the pipeline, each figure beside its peer, measured in one run.

    .venv/bin/python benchmarks/bench.py [--rounds 3] [--reuters 1000 | --skip-reuters]

- warm ``ask`` p50/p95 over the dev questions, beside one ``model.encode([q])`` of the same
  questions (interleaved, so both see the same machine load), with the default answerer (the trained
  reader); target ask_p50 / encode_p50 <= 4.0; and the same asks with questions embedded by torch
  instead of the ONNX query encoder
- cold ``python -m qa ask`` (index already built) and ``import qa`` alone, in fresh processes
- index build time for the seeds and for N Reuters articles, beside a pure embedding run of the
  exact chunk texts of the built index; target build / embed <= 1.3
- peak RSS of this process and of the cold CLI process (via GNU ``time``, when installed)

Everything runs in a temp folder; the repository's ``index/`` is never touched. No assertions:
the figures are printed as a table and one JSON line (also ``benchmarks/out/bench.json``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import DEV, ROOT, build, clock, make_corpus, median, peak_rss_mb, percentile, report, timed

from qa.embedding import _load_model
from qa.evaluation import history_of, load_questions

IMPORT_PROBE = ("import sys, time; t = time.perf_counter(); import qa; t = time.perf_counter() - t; "
                "print(t, *[m for m in ('torch', 'sentence_transformers', 'faiss', 'gradio') if m in sys.modules])")


def build_vs_embed(corpus: Path, index_dir: Path) -> dict:
    """Build a fresh index, then embed its exact chunk texts again with the same embedder."""
    bot, rep, b, load_s = build(corpus, index_dir)
    texts = [c.text for c in bot.index.chunks]
    with clock() as e:
        bot.embedder.embed(texts)  # same default batch size as the build
    return {"bot": bot, "articles": len(bot.docs), "chunks": len(texts), "build_s": b["wall"],
            "embed_s": e["wall"], "ratio": b["wall"] / e["wall"], "chunks_per_s": len(texts) / b["wall"],
            "build_cpu_s": b["cpu"], "embed_cpu_s": e["cpu"], "cpu_ratio": b["cpu"] / e["cpu"],
            "model_load_s": load_s, "skipped": len(rep.skipped)}


def warm_latency(bot, rows: list[dict], rounds: int) -> dict:
    """Per-question ms of ``model.encode([q])`` (sentence-transformers, one torch thread: its fastest setting
    for one short text, the one the embedder used for questions before the ONNX query encoder),
    ``embedder.embed([q])`` and ``bot.ask``, and of ``ask`` with questions embedded by torch (the same
    index, ``MiniLMEmbedder(query_onnx=False)``); round 0 is warm-up."""
    import torch

    from qa import QA
    from qa.embedding import MiniLMEmbedder

    model = _load_model()
    torch_bot = QA(corpus=bot.settings.corpus, index_dir=bot.settings.index_dir, show_progress=False,
                   embedder=MiniLMEmbedder(query_onnx=False))
    enc, emb, ask, ask_torch = [], [], [], []
    for rnd in range(rounds + 1):
        for row in rows:
            q, h = row["question"], history_of(row)
            torch.set_num_threads(1)
            e = timed(model.encode, [q])[1]
            m = timed(bot.embedder.embed, [q])[1]
            a = timed(bot.ask, q, history=h)[1]
            t = timed(torch_bot.ask, q, history=h)[1]
            if rnd:
                enc.append(1000 * e)
                emb.append(1000 * m)
                ask.append(1000 * a)
                ask_torch.append(1000 * t)
    return {"n": len(ask), "ask_p50_ms": percentile(ask, 50), "ask_p95_ms": percentile(ask, 95),
            "encode_p50_ms": percentile(enc, 50), "embed_p50_ms": percentile(emb, 50),
            "ask_over_encode": percentile(ask, 50) / percentile(enc, 50),
            "ask_torch_query_p50_ms": percentile(ask_torch, 50),
            "ask_torch_query_over_encode": percentile(ask_torch, 50) / percentile(enc, 50)}


def cold_cli(corpus: Path, index_dir: Path, question: str, runs: int = 3) -> dict:
    """Median wall time of ``python -m qa ask`` and of ``import qa``, each in fresh processes."""
    cmd = [sys.executable, "-m", "qa", "ask", "-q", "--corpus", str(corpus), "--index", str(index_dir), question]
    time_cmd = shutil.which("time")  # GNU time reports the CLI's own peak RSS (see peak_rss_mb)
    walls, rss, out = [], None, ""
    for _ in range(runs):
        proc, s = timed(subprocess.run, ([time_cmd, "-f", "maxrss_kb %M"] if time_cmd else []) + cmd,
                        cwd=ROOT, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
        walls.append(s)
        out = proc.stdout.splitlines()[0] if proc.stdout else ""
        if time_cmd:
            rss = max(rss or 0.0, int(proc.stderr.rsplit("maxrss_kb ", 1)[1].split()[0]) / 1024)
    imports, heavy = [], []
    for _ in range(runs):
        probe = subprocess.run([sys.executable, "-c", IMPORT_PROBE], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split()
        imports.append(float(probe[0]))
        heavy = probe[1:]
    return {"cli_ask_s": median(walls), "cli_answer": out, "import_qa_s": median(imports),
            "heavy_after_import": heavy, "cli_peak_rss_mb": rss}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds over the dev questions (after one warm-up)")
    ap.add_argument("--reuters", type=int, default=1000, help="Reuters articles for the build benchmark")
    ap.add_argument("--skip-reuters", action="store_true")
    args = ap.parse_args()
    rows = load_questions(DEV)
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        tmp = Path(tmp)
        seeds = make_corpus(tmp / "seeds")
        sb = build_vs_embed(seeds, tmp / "index-seeds")
        lat = warm_latency(sb["bot"], rows, args.rounds)
        cold = cold_cli(seeds, tmp / "index-seeds", rows[0]["question"])
        rb = None
        if not args.skip_reuters and args.reuters > 0:
            rb = build_vs_embed(make_corpus(tmp / "reuters", seeds=False, reuters=args.reuters), tmp / "index-reuters")
    table = [
        ("model load + first encode", f"{sb['model_load_s']:.2f} s"),
        (f"warm ask p50 / p95 ({lat['n']} asks)", f"{lat['ask_p50_ms']:.1f} / {lat['ask_p95_ms']:.1f} ms"),
        ("model.encode([q]) p50", f"{lat['encode_p50_ms']:.1f} ms"),
        ("embedder.embed([q]) p50", f"{lat['embed_p50_ms']:.1f} ms"),
        ("ask p50 / encode p50 (target <= 4.0)", f"{lat['ask_over_encode']:.2f}"),
        ("same, questions embedded by torch", f"{lat['ask_torch_query_p50_ms']:.1f} ms = "
                                              f"{lat['ask_torch_query_over_encode']:.2f}"),
        ("cold `python -m qa ask` (median of 3)", f"{cold['cli_ask_s']:.2f} s  -> {cold['cli_answer']!r}"),
        ("`import qa` in a fresh process", f"{1000 * cold['import_qa_s']:.0f} ms"
         f"  (heavy modules loaded: {', '.join(cold['heavy_after_import']) or 'none'})"),
    ]
    record = {"rounds": args.rounds, **lat, **cold}
    for name, b in (("seeds", sb), (f"reuters {args.reuters}", rb)):
        if b is None:
            continue
        table += [
            (f"build {name}: articles / chunks", f"{b['articles']} / {b['chunks']}"),
            (f"build {name}: index build", f"{b['build_s']:.2f} s ({b['chunks_per_s']:.1f} chunks/s)"),
            (f"build {name}: embed same chunks", f"{b['embed_s']:.2f} s"),
            (f"build {name}: build / embed (target <= 1.3)", f"{b['ratio']:.2f}"),
            (f"build {name}: same in CPU seconds", f"{b['build_cpu_s']:.1f} / {b['embed_cpu_s']:.1f} = "
                                                   f"{b['cpu_ratio']:.2f}"),
        ]
        key = name.split()[0]
        record.update({f"{key}_{k}": v for k, v in b.items() if k not in ("bot", "model_load_s")})
    rss = peak_rss_mb()
    table += [("peak RSS: this process", f"{rss:.0f} MiB"),
              ("peak RSS: cold CLI subprocess (max of 3)",
               "n/a (no GNU time)" if cold["cli_peak_rss_mb"] is None else f"{cold['cli_peak_rss_mb']:.0f} MiB")]
    record.update(peak_rss_mb=rss, model_load_s=sb["model_load_s"], reuters_n=0 if rb is None else args.reuters)
    report("bench", table, record)


if __name__ == "__main__":
    main()
