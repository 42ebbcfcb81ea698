"""Do the seed questions still find their answers among thousands of unrelated articles?

    .venv/bin/python benchmarks/distractors.py [--n 2000]

Evaluates ``../shared/eval/dev.jsonl`` on the 5 seed articles alone, then on the seeds plus the
first N Reuters-21578 articles (1987 newswire, about other things), both in temp folders. Prints
each run's summary line and misses, index build time and ask latency, then a table and one JSON
line (also ``benchmarks/out/distractors.json``). Target: >= 85% correct with 2,000 distractors.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import DEV, build, make_corpus, percentile, report

from qa.evaluation import evaluate, load_questions


def run(label: str, corpus: Path, index_dir: Path, rows: list[dict]) -> dict:
    bot, _, t, _ = build(corpus, index_dir)
    build_s = t["wall"]
    res = evaluate(bot, rows)
    print(f"\n-- {label}: {len(bot.docs)} articles, {len(bot.index.chunks)} chunks, index built in {build_s:.1f} s")
    for m in res.misses:
        print(m)
    print(res.summary())
    return {"articles": len(bot.docs), "chunks": len(bot.index.chunks), "build_s": build_s,
            "correct": res.correct, "answerable": res.answerable, "accuracy": res.accuracy,
            "declined_ok": res.declined_ok, "unanswerable": res.unanswerable, "false_declines": res.false_declines,
            "citations_ok": res.citations_ok, "citations": res.citations, "misses": len(res.misses),
            "ask_p50_ms": percentile(res.latencies_ms, 50), "ask_p95_ms": percentile(res.latencies_ms, 95)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="Reuters articles mixed in with the seeds")
    args = ap.parse_args()
    rows = load_questions(DEV)
    with tempfile.TemporaryDirectory(prefix="qa-distractors-") as tmp:
        tmp = Path(tmp)
        runs = {"seeds": run("seeds alone", make_corpus(tmp / "seeds"), tmp / "index-seeds", rows),
                "mixed": run(f"seeds + {args.n} Reuters", make_corpus(tmp / "mixed", reuters=args.n),
                             tmp / "index-mixed", rows)}
    table = []
    for key, label in (("seeds", "seeds alone"), ("mixed", f"seeds + {args.n} Reuters")):
        r = runs[key]
        table += [
            (f"{label}: articles / chunks", f"{r['articles']} / {r['chunks']}"),
            (f"{label}: index build", f"{r['build_s']:.1f} s"),
            (f"{label}: correct", f"{r['correct']}/{r['answerable']} = {100 * r['accuracy']:.1f}%"),
            (f"{label}: unanswerable declined", f"{r['declined_ok']}/{r['unanswerable']}"),
            (f"{label}: citations verbatim+right source", f"{r['citations_ok']}/{r['citations']}"),
            (f"{label}: ask p50 / p95", f"{r['ask_p50_ms']:.0f} / {r['ask_p95_ms']:.0f} ms"),
        ]
    table.append(("target: seeds + 2000 correct", ">= 85%"))
    report("distractors", table, {"n": args.n, **{f"{k}_{f}": v for k, r in runs.items() for f, v in r.items()}})


if __name__ == "__main__":
    main()
