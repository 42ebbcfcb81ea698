"""Command line: ``python -m qa index | ask | eval``. Errors become one readable line and exit code 2;
an unexpected one (a bug) one line and exit code 1, its traceback with ``--debug``."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from .errors import QAError


def _bot(args, embedder=None):
    from .pipeline import QA

    return QA(corpus=args.corpus, index_dir=args.index, store=args.store, show_progress=not args.quiet,
              embedder=embedder)


def _cmd_index(args) -> int:
    import time

    from .store import parse_shard

    shard = parse_shard(args.shard) if args.shard is not None else None
    if not 1 <= args.workers <= 64:
        raise QAError(f"--workers {args.workers} is not 1 to 64 (embedding processes; one per core is a good start)")
    embedder = None
    if args.workers > 1:
        from .parallel import ParallelEmbedder

        embedder = ParallelEmbedder(args.workers)
    bot = _bot(args, embedder)
    t = time.perf_counter()
    try:
        if bot.store.holds_corpus:
            report = bot.update_store(prune=args.prune, shard=shard)
        elif shard is not None:
            report = bot.update_store(shard=shard)  # refused with the reason
        else:
            report = bot.warm_up()
    except KeyboardInterrupt:
        print("stopped: what was stored is kept; rerun the same command to go on (stored articles are skipped)",
              file=sys.stderr)
        return 130
    finally:
        if embedder is not None:
            embedder.close()
    took = time.perf_counter() - t
    what = ("rebuilt (" + report.reason + ")" if report.rebuilt else
            f"updated: {len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed"
            if report.changed_anything else "up to date")
    if bot.store.holds_corpus:
        where = f"store {bot.store.uri}{f' (shard {shard[0]}/{shard[1]})' if shard else ''}"
        counts = f"{bot.store.count_documents()} articles, {bot.store.count()} chunks"
    else:
        st = bot.status()
        where, counts = f"index {st['index_dir']}", f"{st['articles']} articles, {st['chunks']} chunks"
    rate = f" in {took:.1f} s ({report.embedded_chunks / took:.0f} chunks/s)" if report.embedded_chunks and took else ""
    print(f"{where}: {counts}, {what}; {report.embedded_chunks} chunks embedded{rate}")
    for s in report.skipped:
        print(f"skipped {s}", file=sys.stderr)
    bot.close()
    return 0


def _print_answer(ans) -> None:
    if ans.abstained:
        print(f"The articles don't say. ({ans.message})")
        for p in ans.passages[:3]:
            print(f"  closest: [{p.source}] {p.text[:160]}…")
        return
    print(ans.text)
    print(f"  “{ans.quote}”")
    for i, c in enumerate(ans.citations, start=1):
        print(f"  [{i}] {c.source} — {c.title} ({c.date or 'undated'}), chars {c.start}-{c.end}")
    for alt in ans.alternatives:
        c = alt.citations[0]
        print(f"  another source says: {alt.text} — [{c.source}] “{alt.quote}”")


def _cmd_ask(args) -> int:
    bot = _bot(args)
    question = " ".join(args.question)
    ans = bot.ask(question, top_k=args.top_k)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_answer(ans)
    return 0


def _cmd_eval(args) -> int:
    from .evaluation import evaluate, load_questions

    try:
        rows = load_questions(args.file)
    except OSError as e:
        raise QAError(f"cannot read {args.file} ({e.strerror}): pass a JSONL file of questions") from e
    except ValueError as e:
        raise QAError(str(e)) from e
    bot = _bot(args)
    bot.warm_up()
    res = evaluate(bot, rows)
    for m in res.misses:
        print(m)
    print(res.summary())
    return 0


def _cmd_train_reader(args) -> int:
    from pathlib import Path

    from .training import TrainConfig, train

    cfg = TrainConfig(epochs=args.epochs, limit=args.limit, max_steps=args.max_steps, batch_size=args.batch_size,
                      lr=args.lr, max_len=args.max_len, threads=args.threads, seed=args.seed, hard_rate=args.hard_rate,
                      removed_rate=args.removed_rate, distractor_rate=args.distractor_rate,
                      shared_norm=args.shared_norm, init=Path(args.init) if args.init else None,
                      data_dir=Path(args.data) if args.data else None,
                      news=Path(args.news) if args.news else None,
                      news_corpus=Path(args.news_corpus) if args.news_corpus else None,
                      news_holdout=args.news_holdout, squad_questions=args.squad_questions,
                      checkpoint_dir=Path(args.checkpoints) if args.checkpoints else None,
                      **({"out": Path(args.out)} if args.out else {}))
    train(cfg)
    return 0


def _cmd_export_reader(args) -> int:
    from .reader import export_int8

    print(f"wrote {export_int8(args.weights)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m qa", description="Ask questions of a folder of news articles.")
    p.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", help="folder of .txt/.md/.html articles (default: seeds/)")
    common.add_argument("--index", help="index folder (default: index/)")
    common.add_argument("--store", help="where chunks and vectors live: an index folder or faiss:///path (default), "
                        "milvus:///path/qa.db (milvus-lite) or milvus://host:19530?collection=NAME (token in "
                        "QA_MILVUS_TOKEN); env QA_STORE")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("index", parents=[common], help="build or update the index (or store)")
    s.add_argument("--workers", type=int, default=1, help="embedding processes (default 1; e.g. one per core)")
    s.add_argument("--shard", default=None, metavar="I/N",
                   help="a Milvus store only: store part I of N of the folder (by file-name hash), so N machines "
                        "split one backfill into the same store")
    s.add_argument("--prune", action="store_true",
                   help="a Milvus store only: also delete stored articles that are not in the folder (within the "
                        "shard); without it an index run only adds and updates (the FAISS index always mirrors "
                        "its folder)")
    s.set_defaults(func=_cmd_index)
    s = sub.add_parser("ask", parents=[common], help="answer one question")
    s.add_argument("question", nargs="+")
    s.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    s.add_argument("--top-k", type=int, default=None, help="passages to consider")
    s.set_defaults(func=_cmd_ask)
    s = sub.add_parser("eval", parents=[common], help="score a JSONL file of questions")
    s.add_argument("file")
    s.set_defaults(func=_cmd_eval)
    s = sub.add_parser("train-reader", help="train the extractive reader on the tune half of SQuAD (CPU, ~1 h)")
    s.add_argument("--data", help="folder of the SQuAD files (default: ../shared/benchmarks/squad)")
    s.add_argument("--out", help="where the weights go (default: qa/models/reader, the shipped ones)")
    s.add_argument("--epochs", type=float, default=3.0)
    s.add_argument("--limit", type=int, default=None, help="train on this many questions only (a smoke run)")
    s.add_argument("--max-steps", type=int, default=None)
    s.add_argument("--batch-size", type=int, default=16)
    s.add_argument("--lr", type=float, default=1e-4)
    s.add_argument("--max-len", type=int, default=192, help="word pieces a training window holds")
    s.add_argument("--hard-rate", type=float, default=0.0,
                   help="share of questions also trained against their best BM25 paragraph lacking the answer")
    s.add_argument("--removed-rate", type=float, default=0.0,
                   help="share of questions also trained against their paragraph with the answer's sentences removed")
    s.add_argument("--distractor-rate", type=float, default=0.1,
                   help="share of questions also trained against another paragraph of their article")
    s.add_argument("--shared-norm", type=int, default=0,
                   help="read each question with this many other paragraphs of its article, one shared softmax")
    s.add_argument("--init", default=None, help="continue training these reader weights (default: the base MiniLM)")
    s.add_argument("--news", default=None,
                   help="also train on these news questions (dev-set JSONL over Reuters-21578 articles, e.g. "
                        "benchmarks/reuters_dev.jsonl)")
    s.add_argument("--news-corpus", default=None, help="the Reuters-21578 JSONL (default: ../shared/corpora)")
    s.add_argument("--news-holdout", type=int, choices=(0, 1), default=None,
                   help="leave the news articles of this fold out of training (to measure on them)")
    s.add_argument("--squad-questions", type=int, default=None,
                   help="answerable SQuAD tune questions to sample (default: all)")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--checkpoints", default="build/reader-train", help="per-epoch weights ('' for none)")
    s.set_defaults(func=_cmd_train_reader)
    s = sub.add_parser("export-reader", help="write the reader's int8 ONNX model beside its weights")
    s.add_argument("--weights", default=None, help="weights folder (default: qa/models/reader)")
    s.set_defaults(func=_cmd_export_reader)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    # file names that were not UTF-8 reach Python as lone surrogates: print them escaped, never fail on them
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return args.func(args)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if args.debug:
            raise
        print(f"error: unexpected {type(e).__name__} ({str(e)[:200]}): this is a bug; rerun with --debug "
              "before the command for the details and report them", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
