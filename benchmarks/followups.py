"""Follow-up questions: accuracy of ``qa.ask`` with the conversation resolved three ways, in one run.

    .venv/bin/python benchmarks/followups.py [--show]

Sets (every row has a ``history`` of earlier turns):

* ``benchmarks/followups.jsonl`` — follow-up chains on the seed articles written for issue 10 (he/she,
  him, his/her, it/its, they/them, "when was that", "where did that happen", "what about X's");
* the follow-up rows of ``../shared/eval/dev.jsonl`` (seeds);
* the follow-up rows of ``../shared/eval/news_dev/questions.jsonl`` (Reuters 1987, read in place);
* ``benchmarks/followups_reuters.jsonl`` — 20 follow-up chains on 5 other Reuters-1987 articles (read from
  ``../shared/corpora`` by id), written 2026-12-07 by a helper session that saw no code (he/she/his, it/its,
  they/them, "when was that", "what about X" / "and for next year", a pronoun for the earlier answer).

Resolvers compared on the same bot:

* ``ignore history`` — the follow-up asked as typed;
* ``last name`` — the resolver before issue 10 (kept here as the baseline): the first pronoun becomes the
  most recent capitalized name of the history;
* ``by type`` — ``qa.conversation.resolve`` as shipped.

A row is right when a gold answer lies inside the answer (SQuAD normalization, as ``qa.evaluation``).
``--show`` prints every row: the standalone question each resolver produced and the answer.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from common import DEV, OUT, SHARED, write_reuters_ids

import qa.pipeline
from qa import QA
from qa.conversation import normalize_history, resolve
from qa.evaluation import history_of, is_correct, load_questions

HERE = Path(__file__).resolve().parent
NEWS = SHARED / "eval" / "news_dev"

# --- the baseline: the resolver before issue 10 --------------------------------------------------
_SUBJECT = re.compile(r"\b(he|she|they|it|him|them)\b", re.I)
_POSSESSIVE = re.compile(r"\b(his|her|their|its)\b", re.I)
_PART = r"(?:[A-Z][\w’'\-]*|(?:al|el|ad|as)-[A-Z][\w’'\-]*|al|bin|ibn|of)"
_NAME = re.compile(rf"{_PART}(?:\s+{_PART})*")


def last_name_resolve(question: str, history: object, **bounds) -> str:
    """Before issue 10: the first pronoun becomes the most recent name (a short answer, else the longest
    capitalized name of that turn's question)."""
    turns = normalize_history(history, **bounds)
    if not turns or not (_SUBJECT.search(question) or _POSSESSIVE.search(question)):
        return question
    ref = None
    for q, a in reversed(turns):
        a = re.sub(r"[*_`]", "", a.split("\n")[0]).strip()
        m = _NAME.search(a)
        if a and m and len(a.split()) <= 8:
            ref = m.group().strip()
            break
        names = [n for n in _NAME.findall(q[1:] if q else "") if n.split()[0] != "I"]
        if names:
            ref = max(names, key=len)
            break
    if not ref:
        return question
    out = _POSSESSIVE.sub(f"{ref}’s", question, count=1)
    return out if out != question else _SUBJECT.sub(ref, question, count=1)


def ignore_history(question: str, history: object, **bounds) -> str:
    normalize_history(history, **bounds)  # still checked, as every resolver does
    return question


RESOLVERS = {"ignore history": ignore_history, "last name": last_name_resolve, "by type": resolve}


def run_set(bot: QA, rows: list[dict], show: bool) -> dict[str, int]:
    """Right answers per resolver over ``rows`` (answerable follow-ups)."""
    right = dict.fromkeys(RESOLVERS, 0)
    for name, fn in RESOLVERS.items():
        qa.pipeline.resolve = fn  # QA.ask looks the resolver up in its module on every ask
        try:
            for r in rows:
                ans = bot.ask(r["question"], history=history_of(r))
                ok = is_correct(ans.text, r["answers"]) and not ans.abstained
                right[name] += ok
                if show:
                    asked = fn(r["question"], history_of(r))
                    print(f"  [{name:>14}] {'ok  ' if ok else 'MISS'} {r.get('id', '')}: {asked!r} -> "
                          f"{ans.text!r} (gold {r['answers'][0]!r})")
        finally:
            qa.pipeline.resolve = resolve
    return right


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show", action="store_true", help="print every row's standalone question and answer")
    args = ap.parse_args()
    root = HERE.parent
    followup = lambda path: [r for r in load_questions(path) if r.get("history") and r.get("answers")]  # noqa: E731
    sets = [("seeds `followups.jsonl`", root / "seeds", OUT / "eval-seeds-index", followup(HERE / "followups.jsonl"))]
    if DEV.exists():
        sets.append(("seeds `dev.jsonl` follow-ups", root / "seeds", OUT / "eval-seeds-index", followup(DEV)))
    if (NEWS / "questions.jsonl").exists():
        sets.append(("`news_dev` follow-ups", NEWS / "corpus", OUT / "eval-news-index",
                     followup(NEWS / "questions.jsonl")))
    reuters = followup(HERE / "followups_reuters.jsonl")
    if reuters and (SHARED / "corpora").exists():
        articles = {Path(s).stem for r in reuters for s in r["sources"]}
        sets.append(("Reuters `followups_reuters.jsonl`", write_reuters_ids(OUT / "followups-reuters-corpus", articles),
                     OUT / "eval-followups-reuters-index", reuters))
    OUT.mkdir(parents=True, exist_ok=True)
    bots: dict[Path, QA] = {}
    lines = ["| question set | " + " | ".join(RESOLVERS) + " |", "|---|" + "---|" * len(RESOLVERS)]
    for name, corpus, index, rows in sets:
        if corpus not in bots:
            bots[corpus] = QA(corpus=corpus, index_dir=index, show_progress=False)
            bots[corpus].warm_up()
        if args.show:
            print(f"## {name}")
        right = run_set(bots[corpus], rows, args.show)
        lines.append(f"| {name} ({len(rows)} q.) | " + " | ".join(f"{right[k]}/{len(rows)}" for k in RESOLVERS) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
