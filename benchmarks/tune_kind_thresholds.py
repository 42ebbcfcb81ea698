"""Fit the decline threshold of each kind of question on the news dev sets (``Calibration.by_kind``).

    .venv/bin/python benchmarks/tune_kind_thresholds.py            # fit, print, write reader.json
    .venv/bin/python benchmarks/tune_kind_thresholds.py --dry-run  # fit and print, write nothing

The calibration (``benchmarks/tune_answerer.py``) is fitted on SQuAD tune data, with one threshold for
every question. On news, a figure or a name of the kind asked, from a sentence about something else,
is commoner than in SQuAD: a question written to look answerable ("What was the fund's net asset
value at the end of last year?" when the article gives another fund's) meets several. So each kind of
question (``qa.question.analyse``) may get a higher threshold, fitted here on the dev sets of news
and seed questions: ``../shared/eval/news_dev``, ``benchmarks/reuters_dev.jsonl``, the seeds'
``dev.jsonl``, ``benchmarks/seed_extra.jsonl`` and ``seed_heldout.jsonl``. These are dev sets, not
held out: the blind batches asked after a fit measure it.

Each question is asked once with declining off; its best answer's calibrated confidence is kept. For a
kind with at least ``--min-unanswerable`` unanswerable questions, the threshold of a grid (never below
the calibration's own) that maximizes right answers plus declined unanswerables is kept when it beats
the calibration's own by at least ``--min-gain`` questions; other kinds keep the calibration's.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from common import DEV, OUT, SHARED, write_reuters_ids

from qa import QA
from qa.answering import Calibration
from qa.conversation import resolve
from qa.evaluation import history_of, is_correct, load_questions
from qa.question import analyse
from qa.reader import MODEL_DIR

HERE = Path(__file__).resolve().parent
NEWS = SHARED / "eval" / "news_dev"
GRID = (0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4)


def dev_sets() -> list[tuple[str, Path, Path, list[dict]]]:
    reuters = load_questions(HERE / "reuters_dev.jsonl")
    articles = {Path(s).stem for r in reuters for s in r["sources"]}
    root = HERE.parent
    return [("seeds dev.jsonl", root / "seeds", OUT / "eval-seeds-index", load_questions(DEV)),
            ("news_dev", NEWS / "corpus", OUT / "eval-news-index", load_questions(NEWS / "questions.jsonl")),
            ("reuters_dev", write_reuters_ids(OUT / "reuters-dev-corpus", articles), OUT / "eval-reuters-dev-index",
             reuters),
            ("seed_extra", root / "seeds", OUT / "eval-seeds-index", load_questions(HERE / "seed_extra.jsonl")),
            ("seed_heldout", root / "seeds", OUT / "eval-seeds-index", load_questions(HERE / "seed_heldout.jsonl"))]


def asked_once() -> list[tuple[str, bool, bool, float]]:
    """``(kind, answerable, right, confidence)`` of every dev question, asked with declining off."""
    out = []
    for _name, corpus, index, rows in dev_sets():
        bot = QA(corpus=corpus, index_dir=index, show_progress=False)
        bot.warm_up()
        bot.answerer.calibration = replace(bot.answerer.calibration, threshold=0.0, by_kind=())
        for r in rows:
            history = history_of(r)
            kind = analyse(resolve(r["question"], history)).kind
            a = bot.ask(r["question"], history=history)
            golds = r.get("answers") or []
            out.append((kind, bool(golds), bool(golds) and is_correct(a.text, golds), a.score))
    return out


def fit(got: list[tuple[str, bool, bool, float]], base: float, min_unanswerable: int, min_gain: int
        ) -> tuple[dict[str, float], list[str]]:
    """The kinds whose threshold moves, and a report line per kind."""
    by_kind: dict[str, list] = defaultdict(list)
    for kind, answerable, right, score in got:
        by_kind[kind].append((answerable, right, score))

    def value(rows, t):
        right = sum(1 for a, c, s in rows if a and c and s >= t)
        declined = sum(1 for a, _c, s in rows if not a and s < t)
        return right, declined

    chosen, lines = {}, []
    for kind, rows in sorted(by_kind.items()):
        n_un = sum(1 for a, _c, _s in rows if not a)
        r0, d0 = value(rows, base)
        best = max((base, *GRID), key=lambda t: (sum(value(rows, t)), -t))
        r1, d1 = value(rows, best)
        keep = n_un >= min_unanswerable and best > base and (r1 + d1) - (r0 + d0) >= min_gain
        if keep:
            chosen[kind] = best
        curve = "  ".join(f"{t}: {'/'.join(map(str, value(rows, t)))}" for t in (base, *GRID))
        lines.append(f"{kind:>7} ({len(rows)} q., {n_un} unanswerable) right/declined at  {curve}"
                     f"  -> {chosen.get(kind, base)}")
    return chosen, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="print, do not write reader.json")
    ap.add_argument("--min-unanswerable", type=int, default=10)
    ap.add_argument("--min-gain", type=int, default=5)
    args = ap.parse_args()
    path = MODEL_DIR / "reader.json"  # the shipped reader's calibrations, which QA uses by default
    tuned = json.loads(path.read_text(encoding="utf-8"))
    cal = Calibration.from_dict(tuned["calibration"])
    got = asked_once()
    chosen, lines = fit(got, cal.threshold, args.min_unanswerable, args.min_gain)
    print("\n".join(lines))
    print(f"kind thresholds: {chosen or 'none'} (the calibration's own: {cal.threshold})")
    if args.dry_run:
        return
    entry = tuned["calibration"]
    entry.pop("kind_thresholds", None)
    entry.pop("kind_thresholds_fitted_on", None)
    if chosen:
        entry["kind_thresholds"] = chosen
        entry["kind_thresholds_fitted_on"] = (f"{len(got)} questions of the news and seed dev sets (news_dev, "
                                              "reuters_dev, dev.jsonl, seed_extra, seed_heldout): "
                                              "benchmarks/tune_kind_thresholds.py")
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(tuned, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
