"""The trained reader on SQuAD, beside the published readers, and the pipeline with and without it.

    .venv/bin/python benchmarks/squad.py                # report on the test half (odd articles)
    .venv/bin/python benchmarks/squad.py --tune         # first tune threshold and mu on the tune half
    .venv/bin/python benchmarks/squad.py --tune-only    # only that (what `make train-reader` runs)
    .venv/bin/python benchmarks/squad.py --limit 1000   # a sample of each test set (every n-th question)

Sections, all on the **test** half of ``../shared/benchmarks/squad`` (never trained or tuned on):

1. reading comprehension: the gold paragraph given, EM/F1 (SQuAD's official normalization);
2. open mode: all 2,067 v1.1 dev paragraphs indexed with our own pipeline (one file a paragraph,
   MiniLM + BM25), retrieve then read; EM/F1 and the retriever's top-k hit rate;
3. SQuAD v2.0 subset: F1 on answerable and on unanswerable questions (the reader may decline);
4. the seed questions (``../shared/eval/dev.jsonl`` and ``benchmarks/seed_heldout.jsonl``) with each
   answerer (rules, reader checked by the rules, reader alone), and warm ``qa.ask`` latency of each.

``--tune`` picks, on the tune-half articles held out of training (``qa.training.VALIDATION``),
the no-answer threshold (best F1 on their v2.0 questions) and BERTserini's mu (best open-mode EM
on their v1.1 questions), and writes them to ``reader.json`` beside the weights.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import string
import tempfile
from pathlib import Path

from common import DEV, OUT, history, percentile, report, timed

from qa.reader import Reader, ReaderAnswerer
from qa.training import TEST, TUNE, VALIDATION, Example, load_split, paragraphs

ANCHORS = [  # SQuAD v1.1 dev, published
    ("sliding window (Rajpurkar et al. 2016)", "13.2 / 20.2", "reading"),
    ("logistic regression (Rajpurkar et al. 2016)", "40.4 / 51.0", "reading"),
    ("BiDAF (Seo et al. 2017)", "67.7 / 77.3", "reading"),
    ("BERT-base (Devlin et al. 2019)", "80.8 / 88.5", "reading"),
    ("DrQA, open over Wikipedia (Chen et al. 2017)", "29.5 EM", "open"),
    ("BERTserini, open over Wikipedia (Yang et al. 2019)", "~41 EM", "open"),
]


# --- SQuAD's official scoring (evaluate-v1.1.py) ---------------------------------------------------
def normalize_answer(s: str) -> str:
    """evaluate-v1.1.py's normalization, exactly (``qa.evaluation.normalize`` also folds ’ into ')."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1_one(pred: str, gold: str) -> float:
    """Token F1; a v2.0 no-answer gold ('') scores 1 only against an empty prediction (evaluate-v2.0),
    any other gold as evaluate-v1.1 does (no shared token: 0)."""
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    if gold == "":
        return float(not p)
    same = sum((collections.Counter(p) & collections.Counter(g)).values())
    if same == 0:
        return 0.0
    prec, rec = same / len(p), same / len(g)
    return 2 * prec * rec / (prec + rec)


def score(pred: str, golds: list[str]) -> tuple[float, float]:
    """(EM, F1) of one prediction, each the max over the gold answers ('' is the gold of no answer)."""
    golds = golds or [""]
    return (max(float(normalize_answer(pred) == normalize_answer(g)) for g in golds),
            max(f1_one(pred, g) for g in golds))


def mean_scores(preds: list[str], examples: list[Example]) -> tuple[float, float]:
    ems, f1s = zip(*(score(p, [t for _, t in e.answers]) for p, e in zip(preds, examples, strict=True)), strict=True)
    return 100 * sum(ems) / len(ems), 100 * sum(f1s) / len(f1s)


def sample(xs: list, limit: int | None) -> list:
    """Every n-th item so that about ``limit`` remain (deterministic, spread over all articles)."""
    if not limit or limit >= len(xs):
        return xs
    step = len(xs) / limit
    return [xs[int(i * step)] for i in range(limit)]


# --- the three SQuAD measurements ------------------------------------------------------------------
def reading(reader: Reader, examples: list[Example]):
    """Spans of the reader with the gold paragraph given."""
    return reader.read_pairs([(e.question, e.context) for e in examples])


def v2_preds(spans, threshold: float) -> list[str]:
    return ["" if s.margin < threshold else s.text for s in spans]


def v2_scores(spans, examples: list[Example], threshold: float) -> dict:
    preds = v2_preds(spans, threshold)
    has = [(p, e) for p, e in zip(preds, examples, strict=True) if not e.impossible]
    no = [(p, e) for p, e in zip(preds, examples, strict=True) if e.impossible]
    out = {"n": len(examples), "threshold": threshold}
    for name, rows in (("all", list(zip(preds, examples, strict=True))), ("answerable", has), ("unanswerable", no)):
        if rows:
            em, f1 = mean_scores([p for p, _ in rows], [e for _, e in rows])
            out[name] = {"n": len(rows), "em": em, "f1": f1}
    return out


def source_of(title: str, paragraph: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9]+', '_', title)}--{paragraph:03d}.md"


def open_bot(folder: Path):
    """Our pipeline over every v1.1 dev paragraph, one file each (built once, then reused)."""
    from qa import QA

    corpus = folder / "squad-corpus"
    if not corpus.exists():
        tmp = folder / "squad-corpus.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        for title, pi, context in paragraphs():
            (tmp / source_of(title, pi)).write_text(f"---\ntitle: {title.replace('_', ' ')}\n---\n{context}\n",
                                                    encoding="utf-8")
        tmp.rename(corpus)
    bot = QA(corpus=corpus, index_dir=folder / "squad-index", show_progress=False, answerer="rules")
    bot.warm_up()
    return bot


def open_mode(bot, reader: Reader, examples: list[Example], k: int = 10, read: int = 4) -> list[dict]:
    """Per question: where the gold paragraph was retrieved, which of the top ``k`` passages hold a
    gold answer, and the reader's best span of each of the first ``read`` passages."""
    rows = []
    for e in examples:
        passages = bot.retriever.search(e.question, k)
        gold = source_of(e.title, e.paragraph)
        golds = [normalize_answer(t) for _, t in e.answers]
        has = [any(g and g in normalize_answer(p.text) for g in golds) for p in passages]
        spans = reader.read(e.question, [p.text for p in passages[:read]])
        rows.append({"rank": next((i for i, p in enumerate(passages) if p.source == gold), None), "has_answer": has,
                     "read": [{"retrieval": p.score, "score": s.score, "margin": s.margin, "text": s.text, "has": h}
                              for p, s, h in zip(passages, spans, has, strict=False)]})
    return rows


def answer_of(read: list[dict], mu: float, threshold: float, n: int) -> str:
    """What ``ReaderAnswerer`` answers from these passages (read in retrieval order): '' if it declines."""
    top = [x for x in read[:n] if x["text"]]
    if not top:
        return ""
    best_r = max(x["retrieval"] for x in read[:n]) or 1.0
    best = max(top, key=lambda x: ReaderAnswerer.combine(x["retrieval"] / best_r, x["score"], mu))
    return best["text"] if best["margin"] >= threshold else ""


def open_preds(rows: list[dict], mu: float, threshold: float = float("-inf"), n: int = 4) -> list[str]:
    return [answer_of(r["read"], mu, threshold, n) for r in rows]


def hit_rates(rows: list[dict], ks=(1, 4, 10)) -> dict:
    n = len(rows)
    return {f"top{k}": {"paragraph": 100 * sum(r["rank"] is not None and r["rank"] < k for r in rows) / n,
                        "answer_string": 100 * sum(any(r["has_answer"][:k]) for r in rows) / n} for k in ks}


def asked(bot, answerer, examples: list[Example], defer: float | None = None) -> list[str]:
    """What ``qa.ask`` answers ('' for a decline) with ``answerer`` (a ``ReaderAnswerer`` or the rules)
    over ``bot``'s index: the same retrieval and question analysis as the product. ``defer``
    overrides a ``ReaderAnswerer``'s."""
    from qa.question import analyse, validate

    if defer is not None:
        answerer = ReaderAnswerer(answerer.reader, rules=answerer.rules, passages_read=answerer.passages_read,
                                  mu=answerer.mu, threshold=answerer.threshold, defer=defer)
    out = []
    for e in examples:
        q = analyse(validate(e.question))
        out.append(answerer.answer(q, bot.retriever.search(q.text, bot.settings.top_k), bot.docs).text)
    return out


# --- tuning (tune half only) -----------------------------------------------------------------------
F1_BUDGET = 5.0  # F1 points of answerable questions the no-answer threshold may cost


def tune(reader: Reader, bot, n_read: int = 4) -> dict:
    """mu and the no-answer threshold, on the tune articles held out of training (``VALIDATION``).

    mu: the best open-mode EM on their v1.1 questions. The threshold is chosen for what ``qa.ask``
    meets: a question the articles answer (all retrieved passages) and one they do not (the same
    question with every passage holding its answer taken out of the retrieved list). It is the
    highest threshold that costs the answerable questions at most ``F1_BUDGET`` points of F1 (a
    decline scores 0): as many "the articles do not say" declined as that budget buys.
    """
    examples = [e for e in load_split(TUNE) if e.title in VALIDATION]
    rows = open_mode(bot, reader, examples, k=10, read=10)
    mus = [1.0, 0.5, 0.2, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.0]
    ems = {mu: mean_scores(open_preds(rows, mu, n=n_read), examples)[0] for mu in mus}
    mu = max(mus, key=lambda m: (ems[m], m))
    print("tune: open EM by mu " + ", ".join(f"{m}: {ems[m]:.1f}" for m in mus) + f" -> mu {mu}")
    missing = [[x for x in r["read"] if not x["has"]] for r in rows]  # as if the corpus lacked the answer
    grid = [round(0.5 * i, 1) for i in range(-10, 51)]
    curve = {}
    for t in grid:
        f1 = mean_scores(open_preds(rows, mu, t, n_read), examples)[1]
        declined = 100 * sum(answer_of(m, mu, t, n_read) == "" for m in missing) / len(missing)
        curve[t] = (f1, declined)
    always = mean_scores(open_preds(rows, mu, n=n_read), examples)[1]
    threshold = max(t for t in grid if curve[t][0] >= always - F1_BUDGET)
    print("tune: threshold -> answerable F1 / declined without the answer: " + ", ".join(
        f"{t}: {curve[t][0]:.0f}/{curve[t][1]:.0f}" for t in grid[::4]) + f" -> {threshold}")
    defers = [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0]
    hyb = ReaderAnswerer(reader, rules=bot.answerer, passages_read=n_read, mu=mu, threshold=threshold)
    hems = {d: mean_scores(asked(bot, hyb, examples, defer=d), examples)[0] for d in defers}
    defer = max(defers, key=lambda d: (hems[d], -d))
    print("tune: qa.ask (reader checked by the rules) EM by defer " + ", ".join(f"{d}: {hems[d]:.1f}" for d in defers)
          + f" -> defer {defer}")
    v2 = [e for e in load_split(TUNE, version="v2.0") if e.title in VALIDATION]
    v2s = v2_scores(reading(reader, v2), v2, threshold)
    tuned = {"threshold": threshold, "mu": mu, "passages_read": n_read, "defer": defer,
             "tuned_on": f"SQuAD tune-half articles held out of training ({', '.join(VALIDATION)}): "
                         f"{len(examples)} v1.1 questions in open mode over all 2,067 paragraphs",
             "validation": {"open_em": round(ems[mu], 2), "open_f1_at_threshold": round(curve[threshold][0], 2),
                            "declined_without_answer": round(curve[threshold][1], 2),
                            "ask_em_at_defer": round(hems[defer], 2),
                            "v2_f1": round(v2s["all"]["f1"], 2), "v2_questions": len(v2)}}
    (reader.folder / "reader.json").write_text(json.dumps(tuned, indent=1) + "\n", encoding="utf-8")
    print(f"tune: wrote {reader.folder / 'reader.json'}: {tuned}")
    return tuned


# --- the seed questions ----------------------------------------------------------------------------
HELDOUT = Path(__file__).resolve().parent / "seed_heldout.jsonl"


def seeds(tmp: Path, rounds: int) -> dict:
    """The seed question sets with each answerer: quality, and warm ``qa.ask`` latency (dev set)."""
    from common import SEEDS

    from qa import QA
    from qa.evaluation import evaluate, load_questions

    out = {}
    for name in ("rules", "reader", "reader-only"):
        bot = QA(corpus=SEEDS, index_dir=tmp / "seeds", show_progress=False, answerer=name)
        bot.warm_up()
        out[name] = {}
        for label, path in (("dev", DEV), ("heldout", HELDOUT)):
            rows = load_questions(path)
            res = evaluate(bot, rows)
            r = {"summary": res.summary(), "correct": res.correct, "answerable": res.answerable,
                 "declined_ok": res.declined_ok, "unanswerable": res.unanswerable,
                 "false_declines": res.false_declines, "citations_ok": res.citations_ok,
                 "citations": res.citations, "misses": res.misses}
            if label == "dev":
                lat = []
                for rnd in range(rounds + 1):
                    for q in rows:
                        ms = 1000 * timed(bot.ask, q["question"], history=history(q))[1]
                        if rnd:
                            lat.append(ms)
                r.update(ask_p50_ms=percentile(lat, 50), ask_p95_ms=percentile(lat, 95))
            out[name][label] = r
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="questions per test set (every n-th); default all")
    ap.add_argument("--open-limit", type=int, default=None, help="questions in open mode (default: --limit)")
    ap.add_argument("--tune", action="store_true", help="tune threshold and mu on the tune half first")
    ap.add_argument("--tune-only", action="store_true", help="tune, then stop")
    ap.add_argument("--skip-open", action="store_true")
    ap.add_argument("--skip-seeds", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds over the seed questions")
    ap.add_argument("--weights", default=None, help="reader weights folder (default: the shipped ones)")
    args = ap.parse_args()

    reader = Reader(args.weights)
    reader.warm_up()
    bot = None
    if args.tune or args.tune_only:
        bot = open_bot(OUT)
        tune(reader, bot)
        if args.tune_only:
            return
        reader = Reader(args.weights)
    answerer = ReaderAnswerer(reader)
    rows: list[tuple[str, object]] = []
    record: dict = {"threshold": reader.threshold, "mu": answerer.mu, "passages_read": answerer.passages_read}

    # 1. reading comprehension
    test = sample(load_split(TEST), args.limit)
    spans, secs = timed(reading, reader, test)
    em, f1 = mean_scores([s.text for s in spans], test)
    record["reading"] = {"n": len(test), "em": em, "f1": f1, "ms_per_question": 1000 * secs / len(test)}
    rows.append((f"reading comprehension, test half ({len(test)} q), EM / F1", f"{em:.1f} / {f1:.1f}"))
    rows += [(f"  published: {name}", fig) for name, fig, kind in ANCHORS if kind == "reading"]

    # 2. open mode
    if not args.skip_open:
        bot = bot or open_bot(OUT)
        ex = sample(load_split(TEST), args.open_limit or args.limit)
        orows, secs = timed(open_mode, bot, reader, ex, 10, answerer.passages_read)
        oem, of1 = mean_scores(open_preds(orows, answerer.mu, n=answerer.passages_read), ex)
        dem, df1 = mean_scores(open_preds(orows, answerer.mu, reader.threshold, answerer.passages_read), ex)
        hits = hit_rates(orows)
        record["open"] = {"n": len(ex), "em": oem, "f1": of1, "em_with_declines": dem, "f1_with_declines": df1,
                          "hits": hits, "paragraphs": len(bot.docs), "chunks": len(bot.index.chunks),
                          "ms_per_question": 1000 * secs / len(ex)}
        rows.append((f"open mode over {len(bot.docs):,} paragraphs ({len(ex)} q, top {answerer.passages_read} "
                     "read), EM / F1", f"{oem:.1f} / {of1:.1f}"))
        rows.append(("  the same, declining below the threshold", f"{dem:.1f} / {df1:.1f}"))
        hyb = ReaderAnswerer(reader, rules=bot.answerer)
        hem, hf1 = mean_scores(asked(bot, hyb, ex), ex)
        rules_em, rules_f1 = mean_scores(asked(bot, bot.answerer, ex), ex)
        record["open"].update({"ask_reader_em": hem, "ask_reader_f1": hf1, "ask_rules_em": rules_em,
                               "ask_rules_f1": rules_f1})
        rows.append(("  qa.ask, answerer=reader (checked by the rules, declining)", f"{hem:.1f} / {hf1:.1f}"))
        rows.append(("  qa.ask, answerer=rules", f"{rules_em:.1f} / {rules_f1:.1f}"))
        for k, h in hits.items():
            rows.append((f"  retrieval {k}: gold paragraph / answer string in passages",
                         f"{h['paragraph']:.1f}% / {h['answer_string']:.1f}%"))
        rows += [(f"  published: {name}", fig) for name, fig, kind in ANCHORS if kind == "open"]

    # 3. v2.0 subset: declining
    v2 = load_split(TEST, version="v2.0")
    v2s = v2_scores(reading(reader, v2), v2, reader.threshold)
    record["v2"] = v2s
    rows.append((f"SQuAD v2.0 test articles ({v2s['n']} q, threshold {reader.threshold}), F1 all",
                 f"{v2s['all']['f1']:.1f}"))
    rows.append((f"  F1 answerable ({v2s['answerable']['n']}) / unanswerable ({v2s['unanswerable']['n']})",
                 f"{v2s['answerable']['f1']:.1f} / {v2s['unanswerable']['f1']:.1f}"))

    # 4. the seeds, reader against rules
    if not args.skip_seeds:
        with tempfile.TemporaryDirectory() as tmp:
            sd = seeds(Path(tmp), args.rounds)
        record["seeds"] = {k: {lab: {kk: vv for kk, vv in r.items() if kk != "misses"} for lab, r in v.items()}
                           for k, v in sd.items()}
        for name, by_set in sd.items():
            for label, r in by_set.items():
                rows.append((f"seed questions ({label}), answerer={name}", r["summary"].split(" | latency")[0]))
                for m in r["misses"]:
                    print(f"[{name} {label}] {m}")
            r = by_set["dev"]
            rows.append((f"  warm qa.ask p50 / p95, answerer={name}", f"{r['ask_p50_ms']:.0f} / {r['ask_p95_ms']:.0f} ms"))
    report("squad", rows, record)


if __name__ == "__main__":
    main()
