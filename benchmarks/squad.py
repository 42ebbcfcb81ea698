"""The trained reader on SQuAD, beside the published readers, and the whole pipeline over SQuAD.

    .venv/bin/python benchmarks/squad.py                # report on the test half (odd articles)
    .venv/bin/python benchmarks/squad.py --limit 1000   # a sample of each test set (every n-th question)
    .venv/bin/python benchmarks/squad.py --open-limit 1000

Sections, all on the **test** half of ``../shared/benchmarks/squad`` (never trained or tuned on):

1. reading comprehension, the gold paragraph given: the reader's best span (EM/F1, SQuAD's official
   normalization), and ``qa.extract`` as shipped (completed spans; its declines count as wrong);
2. SQuAD v2.0 subset through ``qa.extract``: F1 on answerable and on unanswerable questions;
3. open mode: all 2,067 v1.1 dev paragraphs indexed with our own pipeline (one file a paragraph,
   MiniLM + BM25), retrieve then ``qa.ask``'s answerer; EM/F1 declining and never declining, and the
   retriever's top-k hit rates.

The calibration (decline thresholds) is fitted on the tune half by ``benchmarks/tune_answerer.py``.
"""

from __future__ import annotations

import argparse
import collections
import copy
import re
import string
from pathlib import Path

from common import OUT, report, timed

from qa.reader import Reader
from qa.training import TEST, Example, load_split, paragraphs

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


# --- the measurements ------------------------------------------------------------------------------
def reading(reader: Reader, examples: list[Example]):
    """Spans of the reader with the gold paragraph given (never declining)."""
    return reader.read_pairs([(e.question, e.context) for e in examples])


def extracted(reader: Reader, examples: list[Example]) -> list[str]:
    """What ``qa.extract`` (the shipped, calibrated decision) answers on the gold paragraph; '' = declined."""
    from qa.reader import extract

    return [extract(e.question, e.context, reader=reader).text for e in examples]


def split_scores(preds: list[str], examples: list[Example]) -> dict:
    """EM/F1 over all, answerable and unanswerable questions (v2.0 scoring: '' is the gold of no answer)."""
    out = {"n": len(examples)}
    pairs = list(zip(preds, examples, strict=True))
    for name, rows in (("all", pairs), ("answerable", [x for x in pairs if not x[1].impossible]),
                       ("unanswerable", [x for x in pairs if x[1].impossible])):
        if rows:
            em, f1 = mean_scores([p for p, _ in rows], [e for _, e in rows])
            out[name] = {"n": len(rows), "em": em, "f1": f1}
    return out


def source_of(title: str, paragraph: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9]+', '_', title)}--{paragraph:03d}.md"


def paragraph_corpus(corpus: Path, half: str | None = None) -> Path:
    """A folder with every v1.1 dev paragraph (of one half, if given) as an article file (written once)."""
    if not corpus.exists():
        tmp = corpus.with_name(corpus.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for title, pi, context in paragraphs(half):
            (tmp / source_of(title, pi)).write_text(f"---\ntitle: {title.replace('_', ' ')}\n---\n{context}\n",
                                                    encoding="utf-8")
        tmp.rename(corpus)
    return corpus


def open_bot(folder: Path):
    """Our pipeline over every v1.1 dev paragraph, one file each (built once, then reused)."""
    from qa import QA

    corpus = paragraph_corpus(folder / "squad-corpus")
    bot = QA(corpus=corpus, index_dir=folder / "squad-index", show_progress=False)
    bot.warm_up()
    return bot


def asked(bot, examples: list[Example], threshold: float | None = None) -> tuple[list[str], list[list]]:
    """What ``qa.ask``'s answerer answers ('' for a decline) over ``bot``'s index, and the passages it had;
    ``threshold`` overrides the decline threshold (0: never decline)."""
    from dataclasses import replace

    from qa.question import analyse, validate

    answerer = bot.answerer
    if threshold is not None:
        answerer = copy.copy(answerer)
        answerer.calibration = replace(answerer.calibration, threshold=threshold, by_kind=())
    preds, passages = [], []
    for e in examples:
        q = analyse(validate(e.question))
        ps = bot.retriever.search(q.text, bot.settings.top_k)
        preds.append(answerer.answer(q, ps, bot.docs).text)
        passages.append(ps)
    return preds, passages


def hit_rates(examples: list[Example], passages: list[list], ks=(1, 4, 10)) -> dict:
    out = {}
    for k in ks:
        para = ans = 0
        for e, ps in zip(examples, passages, strict=True):
            golds = [normalize_answer(t) for _, t in e.answers]
            para += any(p.source == source_of(e.title, e.paragraph) for p in ps[:k])
            ans += any(g and g in normalize_answer(p.text) for p in ps[:k] for g in golds)
        out[f"top{k}"] = {"paragraph": 100 * para / len(examples), "answer_string": 100 * ans / len(examples)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="questions per test set (every n-th); default all")
    ap.add_argument("--open-limit", type=int, default=None, help="questions in open mode (default: --limit)")
    ap.add_argument("--skip-open", action="store_true")
    ap.add_argument("--weights", default=None, help="reader weights folder (default: the shipped ones)")
    args = ap.parse_args()

    reader = Reader(args.weights)
    reader.warm_up()
    rows: list[tuple[str, object]] = []
    record: dict = {"calibration": reader.tuned().get("calibration"), "extract": reader.tuned().get("extract")}

    # 1. reading comprehension: the reader alone, then qa.extract as shipped (its declines count as wrong)
    test = sample(load_split(TEST), args.limit)
    spans, secs = timed(reading, reader, test)
    em, f1 = mean_scores([s.text for s in spans], test)
    xem, xf1 = mean_scores(extracted(reader, test), test)
    record["reading"] = {"n": len(test), "em": em, "f1": f1, "extract_em": xem, "extract_f1": xf1,
                         "ms_per_question": 1000 * secs / len(test)}
    rows.append((f"reading comprehension, test half ({len(test)} q), reader's best span, EM / F1", f"{em:.1f} / {f1:.1f}"))
    rows.append(("  qa.extract as shipped (completed spans, calibrated declines count as wrong)", f"{xem:.1f} / {xf1:.1f}"))
    rows += [(f"  published: {name}", fig) for name, fig, kind in ANCHORS if kind == "reading"]

    # 2. v2.0 subset through qa.extract: answering and declining
    v2 = load_split(TEST, version="v2.0")
    v2s = split_scores(extracted(reader, v2), v2)
    record["v2"] = v2s
    rows.append((f"SQuAD v2.0 test articles ({v2s['n']} q), qa.extract, F1 all", f"{v2s['all']['f1']:.1f}"))
    rows.append((f"  F1 answerable ({v2s['answerable']['n']}) / unanswerable ({v2s['unanswerable']['n']})",
                 f"{v2s['answerable']['f1']:.1f} / {v2s['unanswerable']['f1']:.1f}"))

    # 3. open mode through qa.ask's answerer
    if not args.skip_open:
        bot = open_bot(OUT)
        ex = sample(load_split(TEST), args.open_limit or args.limit)
        (preds, passages), secs = timed(asked, bot, ex)
        oem, of1 = mean_scores(preds, ex)
        nem, nf1 = mean_scores(asked(bot, ex, threshold=0.0)[0], ex)
        hits = hit_rates(ex, passages)
        record["open"] = {"n": len(ex), "em": oem, "f1": of1, "em_never_declining": nem, "f1_never_declining": nf1,
                          "hits": hits, "paragraphs": len(bot.docs), "chunks": len(bot.index.chunks),
                          "ms_per_question": 1000 * secs / len(ex)}
        rows.append((f"open mode over {len(bot.docs):,} paragraphs ({len(ex)} q), qa.ask (declining), EM / F1",
                     f"{oem:.1f} / {of1:.1f}"))
        rows.append(("  the same, never declining", f"{nem:.1f} / {nf1:.1f}"))
        for k, h in hits.items():
            rows.append((f"  retrieval {k}: gold paragraph / answer string in passages",
                         f"{h['paragraph']:.1f}% / {h['answer_string']:.1f}%"))
        rows += [(f"  published: {name}", fig) for name, fig, kind in ANCHORS if kind == "open"]
    report("squad", rows, record)


if __name__ == "__main__":
    main()
