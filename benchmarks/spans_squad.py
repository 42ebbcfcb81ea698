"""Does ``qa.spans.complete_number`` hurt on SQuAD? Figures on the tune half of v1.1 dev (even articles).

    .venv/bin/python benchmarks/spans_squad.py            # figures
    .venv/bin/python benchmarks/spans_squad.py --show 20  # and 20 examples of each kind of change

For every distinct gold answer that contains a digit, the first figure inside it (``86,000`` of
``$86,000``) stands in for a reader's bare-number span; ``complete_number`` widens it over the
paragraph, and the result is compared with that gold (SQuAD's normalization): equal, a superset,
a subset (still inside the gold), or other. The bare figure is the baseline. Then the exact gold
spans themselves go through ``complete_number``: how often does it change a right answer?
Reads ``../shared`` in place; prints figures, writes nothing.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from qa.spans import complete_number  # noqa: E402
from qa.text import squad_normalize as normalize  # noqa: E402

SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad" / "dev-v1.1.json.gz"
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def relation(pred: str, gold: str) -> str:
    """equal, superset (the gold's words inside the prediction's), subset, or other."""
    p, g = normalize(pred), normalize(gold)
    if p == g:
        return "equal"
    if f" {g} " in f" {p} ":
        return "superset"
    if f" {p} " in f" {g} ":
        return "subset"
    return "other"


def golds_with_digits(path: Path):
    """(paragraph, gold text, gold start, all golds of the question) on the tune half."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)["data"]
    for article in data[0::2]:
        for par in article["paragraphs"]:
            ctx = par["context"]
            for qa in par["qas"]:
                texts = [a["text"] for a in qa["answers"]]
                seen = set()
                for ans in qa["answers"]:
                    key = (ans["answer_start"], ans["text"])
                    if key in seen or not re.search(r"\d", ans["text"]):
                        continue
                    seen.add(key)
                    if ctx[ans["answer_start"]: ans["answer_start"] + len(ans["text"])] == ans["text"]:
                        yield ctx, ans["text"], ans["answer_start"], texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=0, help="examples to print of each change")
    args = ap.parse_args()
    rows = list(golds_with_digits(SQUAD))
    print(f"SQuAD v1.1 dev, tune half (even articles): {len(rows)} distinct gold answers with a digit")
    for label, kw in (("complete_number", {}), ("complete_number, qualifiers=False", {"qualifiers": False})):
        base, done = collections.Counter(), collections.Counter()
        em_base = em_done = 0
        examples = collections.defaultdict(list)
        for ctx, gold, g0, texts in rows:
            m = FIGURE.search(gold)
            s, e = g0 + m.start(), g0 + m.end()
            a, b = complete_number(ctx, s, e, **kw)
            base[relation(ctx[s:e], gold)] += 1
            r = relation(ctx[a:b], gold)
            done[r] += 1
            em_base += any(normalize(ctx[s:e]) == normalize(t) for t in texts)
            em_done += any(normalize(ctx[a:b]) == normalize(t) for t in texts)
            if (a, b) != (s, e):
                examples[r].append((ctx[s:e], ctx[a:b], gold))
        n = len(rows)
        print(f"\n{label}: the first figure of each gold as the reader's span")
        print(f"  {'':10} {'bare figure':>14} {'completed':>14}")
        for r in ("equal", "superset", "subset", "other"):
            print(f"  {r:10} {base[r]:6} {100 * base[r] / n:6.1f}% {done[r]:6} {100 * done[r] / n:6.1f}%")
        print(f"  equal to any gold of the question: bare {100 * em_base / n:.1f}%, completed {100 * em_done / n:.1f}%")
        print(f"  spans changed: {sum(len(v) for v in examples.values())}")
        for r, ex in examples.items():
            print(f"    now {r}: {len(ex)}")
            for bare, comp, gold in ex[: args.show]:
                print(f"      {bare!r} -> {comp!r}   gold {gold!r}")
        changed, sides, still = [], collections.Counter(), 0
        for ctx, gold, g0, texts in rows:
            a, b = complete_number(ctx, g0, g0 + len(gold), **kw)
            if (a, b) != (g0, g0 + len(gold)):
                changed.append((gold, ctx[a:b]))
                sides["left"] += a < g0
                sides["right"] += b > g0 + len(gold)
                still += any(normalize(ctx[a:b]) == normalize(t) for t in texts)
        print(f"  exact gold spans changed: {len(changed)} of {n} ({100 * len(changed) / n:.1f}%): "
              f"grown left {sides['left']}, right {sides['right']}; "
              f"{still} of them still equal to another gold of the question")
        for gold, comp in changed[: args.show]:
            print(f"      {gold!r} -> {comp!r}")


if __name__ == "__main__":
    main()
