"""Fit the answerer's calibration (feature weights, decline threshold) on SQuAD tune data.

    .venv/bin/python benchmarks/tune_answerer.py            # fit, print the curves, write reader.json
    .venv/bin/python benchmarks/tune_answerer.py --dry-run  # fit and print, write nothing

Data: only the tune-half articles that the reader was *not* trained on (``qa.training.VALIDATION``),
so that the reader's scores on them are what it gives on text it has never seen:

* **answerable**: each v1.1 question in open mode — our pipeline over all 2,067 v1.1 dev paragraphs
  (``benchmarks/squad.py``'s index), retrieve, pick reading windows, read;
* **not in the corpus**: the same question with every document holding a gold answer taken out of
  the retrieved passages (what ``ask`` meets when the articles do not say: passages that share the
  question's words but lack its answer);
* **unanswerable**: the v2.0 questions of those articles (written to look answerable from their
  paragraph), in open mode.

Every question situation is a row: the features (``qa.answering.FEATURES``) of the span the answerer
gives (the reader's best margin) and its label, the SQuAD F1 of its text against the gold answers (0
when there is none). A logistic regression (L2, IRLS in numpy) maps
features to the probability a span is right. The threshold maximizes SQuAD 2.0's F1 (an answer scores its F1, a
decline 1 where the articles do not answer, else 0) expected at the share of unanswerable questions
of our dev sets (``unanswerable_share``, 12%): the tune data hold far more negatives than users ask. The same is done for ``qa.extract`` (a given
paragraph, no retrieval): answerable v1.1 and v2.0 questions on their paragraph against v2.0
unanswerables and the question paired with another paragraph of its article.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

import numpy as np
from common import DEV, OUT, SHARED
from squad import open_bot, score

from qa.answering import FEATURES, Calibration, ReaderAnswerer, ReadingWindow
from qa.datatypes import Document
from qa.question import analyse, validate
from qa.reader import Reader, Span
from qa.text import squad_normalize
from qa.training import TUNE, VALIDATION, load_split

NEWS_DEV = SHARED / "eval" / "news_dev" / "questions.jsonl"


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression with soft labels ``y`` in [0, 1] (IRLS, L2 on weights)."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -40, 40)))
        g = z.T @ (p - y) + reg * w
        h = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[:-1] / sd
    return weights, float(w[-1] - (w[:-1] * mu / sd).sum())


def collect(bot, answerer: ReaderAnswerer, examples, v2_unanswerable, cache: Path | None = None) -> list[dict]:
    """Per question and situation: what was read (windows and the reader's spans). The reading is the
    slow part, so it is kept in ``cache`` (JSON) and features are recomputed from it on every run."""
    if cache and cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    out = []
    docs = bot.docs
    for n, e in enumerate(examples + v2_unanswerable):
        q = analyse(validate(e.question))
        golds = [t for _, t in e.answers] if not e.impossible else []
        passages = bot.retriever.search(q.text, bot.settings.top_k)
        situations = [("answerable" if golds else "unanswerable", passages)]
        if golds:
            gn = [squad_normalize(g) for g in golds]
            lacking = [p for p in passages if not any(g and g in squad_normalize(docs[p.source].text) for g in gn)]
            situations.append(("not_in_corpus", lacking))
        for kind, ps in situations:
            wins = answerer.reading_windows(q, ps, docs)
            spans = answerer.read(q, wins, docs)
            out.append({"question": q.text, "kind": kind, "golds": golds if kind == "answerable" else [],
                        "windows": [[w.source, w.start, w.end, w.rank] for w in wins],
                        "spans": [[[x.start, x.end, x.text, x.score, x.null] for x in ws] for ws in spans]})
        if n % 100 == 0:
            print(f"  {n}/{len(examples) + len(v2_unanswerable)} questions read", flush=True)
    if cache:
        cache.write_text(json.dumps(out), encoding="utf-8")
    return out


def with_candidates(answerer: ReaderAnswerer, reads: list[dict], docs) -> list[dict]:
    """``reads`` with the candidates of their windows (features, no calibration), best first."""
    out = []
    for r in reads:
        q = analyse(validate(r["question"]))
        wins = [ReadingWindow(s, a, b, k) for s, a, b, k in r["windows"]][: answerer.windows]
        spans = [[Span(*x) for x in ws] for ws in r["spans"]][: answerer.windows]
        full = answerer.candidates(q, wins, docs, calibrate=False, spans=spans)
        out.append({**r, "full": full})
    return out


def decide(cal: Calibration, cands) -> tuple[str, float]:
    if not cands:
        return "", 0.0
    best = cands[0]  # the answerer's ranking (``ReaderAnswerer.candidates``)
    return best.text, cal.probability(best.features)


def curve(cal: Calibration, qs: list[dict]) -> list[tuple[float, ...]]:
    """(threshold, SQuAD 2.0 F1 over all the situations, answerable F1 with declines as 0, share declined of
    the questions whose answer is not in the corpus, share declined of the unanswerable ones) over a grid."""
    picked = [(decide(cal, q["full"]), q) for q in qs]
    out = []
    for t in np.round(np.arange(0.0, 1.0, 0.025), 3):
        each = [(score(text, q["golds"])[1] if p >= t and text else 0.0) if q["golds"] else float(not (p >= t and text))
                for (text, p), q in picked]
        by = {k: [v for v, (_x, q) in zip(each, picked, strict=True) if q["kind"] == k]
              for k in ("answerable", "not_in_corpus", "unanswerable")}
        out.append((float(t), 100 * float(np.mean(each)), *(100 * float(np.mean(v or [0.0])) for v in by.values())))
    return out


def unanswerable_share() -> float:
    """The share of questions the articles do not answer in our dev sets (``../shared/eval/dev.jsonl`` and
    ``news_dev``): the only thing taken from them, as the prior of the decline objective."""
    from qa.evaluation import load_questions

    rows = [r for f in (DEV, NEWS_DEV) if f.exists() for r in load_questions(f)]
    return sum(1 for r in rows if not r.get("answers")) / len(rows) if rows else 0.5


def objective(point: tuple[float, ...], share: float) -> float:
    """What the threshold maximizes: SQuAD 2.0's F1 (an answer scores its F1, a decline 1 where the
    articles do not answer, else 0) expected when a ``share`` of the questions are not answered by the
    articles (half of them "not in the corpus", half near-misses), the rest answerable."""
    _t, _all, f1, nic, un = point
    return (1 - share) * f1 + share * (nic + un) / 2


def fit(qs: list[dict], name: str) -> Calibration:
    x, y = [], []
    for q in qs:  # one row a question: the span the answerer would give, and how right it is
        if q["full"]:
            best = q["full"][0]
            x.append([best.features[n] for n in FEATURES])
            y.append(score(best.text, q["golds"])[1] if q["golds"] else 0.0)
    w, b = fit_logistic(np.array(x), np.array(y))
    cal = Calibration(tuple(float(v) for v in w), b, 0.5)
    pts = curve(cal, qs)
    share = unanswerable_share()
    best = max(pts, key=lambda p: objective(p, share))
    print(f"{name}: {len(x)} rows from {len(qs)} question situations; weights "
          + ", ".join(f"{n} {v:+.3f}" for n, v in zip(FEATURES, w, strict=True)) + f", bias {b:+.3f}")
    print(f"{name}: threshold -> F1 all / answerable F1 / declined: not in corpus, unanswerable\n  "
          + "\n  ".join(f"{p[0]:.3f}: {p[1]:.1f} / {p[2]:.1f} / {p[3]:.0f}, {p[4]:.0f}" for p in pts[:24:2])
          + f"\n  -> {best[0]} ({best[1]:.1f} / {best[2]:.1f} / {best[3]:.0f}, {best[4]:.0f}; unanswerable share {share:.3f})")
    return Calibration(cal.weights, cal.bias, best[0])


def extract_rows(answerer: ReaderAnswerer, examples, seed: int = 0, cache: Path | None = None) -> list[dict]:
    """Single paragraphs: the question on its own paragraph, and on another paragraph of its article."""
    if cache and cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    by_title: dict[str, list[str]] = {}
    for e in examples:
        if e.context not in by_title.setdefault(e.title, []):
            by_title[e.title].append(e.context)
    out = []
    for e in examples:
        golds = [t for _, t in e.answers] if not e.impossible else []
        ctxs = [("answerable" if golds else "unanswerable", e.context)]
        others = [c for c in by_title[e.title] if c != e.context and not any(g in c for g in golds)]
        if golds and others:
            ctxs.append(("not_in_corpus", rng.choice(others)))
        for kind, c in ctxs:
            (spans,) = answerer.reader.top_spans(e.question, [c], k=answerer.spans_per_window)
            out.append({"question": e.question, "kind": kind, "golds": golds if kind == "answerable" else [],
                        "context": c, "spans": [[x.start, x.end, x.text, x.score, x.null] for x in spans]})
    if cache:
        cache.write_text(json.dumps(out), encoding="utf-8")
    return out


def extract_candidates(answerer: ReaderAnswerer, rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        q = analyse(validate(r["question"]))
        doc = Document("<context>", r["context"])
        cands = answerer.candidates(q, [ReadingWindow(doc.source, 0, len(doc.text), 0)], {doc.source: doc},
                                    calibrate=False, spans=[[Span(*x) for x in r["spans"]]])
        out.append({**r, "full": cands})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="print, do not write reader.json")
    ap.add_argument("--limit", type=int, default=None, help="only this many v1.1 questions (a quick look)")
    ap.add_argument("--fresh", action="store_true", help="read again instead of using the cached reads")
    ap.add_argument("--weights", default=None, help="reader weights folder (default: the shipped ones)")
    args = ap.parse_args()
    t0 = time.time()
    reader = Reader(args.weights)
    tag = re.sub(r"\W+", "-", str(reader.folder.resolve()))[-40:]
    caches = (OUT / f"tune-reads-open{tag}.json", OUT / f"tune-reads-extract{tag}.json")
    if args.fresh or args.limit:
        for f in caches:
            f.unlink(missing_ok=True)
    bot = open_bot(OUT)
    answerer = ReaderAnswerer(reader, idf=bot.retriever.bm25.idf)
    v1 = [e for e in load_split(TUNE) if e.title in VALIDATION][: args.limit]
    v2 = [e for e in load_split(TUNE, version="v2.0") if e.title in VALIDATION]
    v2_no = [e for e in v2 if e.impossible][: args.limit]
    print(f"open mode: {len(v1)} v1.1 questions (+ each without its answer), {len(v2_no)} v2.0 unanswerable")
    qs = with_candidates(answerer, collect(bot, answerer, v1, v2_no, caches[0]), bot.docs)
    cal = fit(qs, "ask")
    plain = ReaderAnswerer(answerer.reader)
    ex = extract_candidates(plain, extract_rows(plain, v1 + [e for e in v2 if e.title in VALIDATION][: args.limit],
                                                cache=caches[1]))
    ecal = fit(ex, "extract")
    tuned = reader.tuned()
    tuned["calibration"] = {**cal.to_dict(), "fitted_on": f"{len(qs)} open-mode question situations of the SQuAD "
                            f"tune-half articles held out of reader training ({', '.join(VALIDATION)})"}
    tuned["extract"] = {**ecal.to_dict(), "fitted_on": f"{len(ex)} question-paragraph pairs of the same articles"}
    print("the per-kind thresholds (fitted on news for the old calibration) are dropped: refit them with "
          "benchmarks/tune_kind_thresholds.py")
    for k in ("mu", "defer", "passages_read", "threshold", "tuned_on", "validation"):
        tuned.pop(k, None)
    print(f"done in {(time.time() - t0) / 60:.1f} min")
    if not args.dry_run:
        path = reader.folder / "reader.json"
        path.write_text(json.dumps(tuned, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
