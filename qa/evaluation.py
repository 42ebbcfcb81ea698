"""Evaluation over a JSONL file of questions (the format of ``../shared/eval/dev.jsonl``).

A question counts as correct when a gold answer (normalized like SQuAD: lowercase, no
punctuation or articles) lies inside the short answer; an unanswerable one (no gold answers)
when the answerer declines. Every citation is checked: the quote must be verbatim in the cited
article at its offsets, and for answerable questions the cited article must be one of the gold
sources.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .datatypes import Answer
from .errors import QAError
from .text import collapse_whitespace, squad_normalize

normalize = squad_normalize


def is_correct(prediction: str, golds: list[str]) -> bool:
    p = f" {normalize(prediction)} "
    return any(f" {normalize(g)} " in p for g in golds if normalize(g))


@dataclass
class EvalResult:
    total: int = 0
    answerable: int = 0
    correct: int = 0
    unanswerable: int = 0
    declined_ok: int = 0
    false_declines: int = 0
    citations: int = 0
    citations_ok: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.answerable if self.answerable else 0.0

    def summary(self) -> str:
        lat = sorted(self.latencies_ms) or [0.0]
        p50 = lat[len(lat) // 2]
        p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
        return (f"accuracy {self.correct}/{self.answerable} = {100 * self.accuracy:.1f}% | "
                f"declines {self.declined_ok}/{self.unanswerable} unanswerable declined, "
                f"{self.false_declines} answerable declined | "
                f"citations {self.citations_ok}/{self.citations} verbatim+right source | "
                f"latency p50 {p50:.0f} ms p95 {p95:.0f} ms")


def load_questions(path: str | Path) -> list[dict]:
    r"""The rows of a JSONL file of questions: one JSON object a line with a ``question`` string (and
    optionally ``answers``, ``sources``, ``history``, ``id``). A line that is not such an object raises
    ``QAError`` naming the file and line.

    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "q.jsonl")
    >>> _ = open(f, "w").write('{"question": "Who?"}\n[1, 2]\n')
    >>> load_questions(f)
    Traceback (most recent call last):
    qa.errors.QAError: ...q.jsonl:2: a list, not an object with a "question" string: write one {"question": "...", "answers": [...]} a line
    """
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as e:
            raise QAError(f"{path}:{n}: not JSON ({e}): write one JSON object a line") from e
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            what = ('an object without a "question" string' if isinstance(row, dict)
                    else f"{_JSON_NAMES.get(type(row), 'a value')}, not an object with a \"question\" string")
            raise QAError(f"{path}:{n}: {what}: write one " '{"question": "...", "answers": [...]} a line')
        rows.append(row)
    return rows


_JSON_NAMES = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true or false",
               type(None): "null"}


def history_of(row: dict) -> list[tuple[str, str]]:
    """A row's earlier turns as ``(question, answer)`` pairs: ``history`` holds ``{"question", "answer"}``
    objects (``dev.jsonl``) or ``[question, answer]`` pairs (read as the chat reads them:
    ``qa.conversation.normalize_history``).

    >>> history_of({"history": [{"question": "Who?", "answer": "Him"}, ["Where?", "There"]]})
    [('Who?', 'Him'), ('Where?', 'There')]
    """
    from .conversation import normalize_history

    return normalize_history(row.get("history") or [])



def check_citations(ans: Answer, docs: dict, gold_sources: Iterable[str]) -> tuple[int, int]:
    """(citations, citations that are verbatim at their offsets and, if gold is given, from a gold source).

    A quote is verbatim when it is the cited article's text at its offsets; the answer must lie in the
    first one (compared with whitespace collapsed: wire copy breaks lines inside an answer); other
    sources that agree may word it their own way ("twelve" for "12")."""
    gold = set(gold_sources)
    n = ok = 0
    for a in (ans, *ans.alternatives):
        for k, c in enumerate(a.citations):
            n += 1
            doc = docs.get(c.source)
            verbatim = (doc is not None and doc.text[c.start : c.end] == c.quote
                        and (k > 0 or collapse_whitespace(a.text) in collapse_whitespace(c.quote)))
            if verbatim and (not gold or c.source in gold or a is not ans):
                ok += 1
    return n, ok


def evaluate(bot, rows: list[dict]) -> EvalResult:
    """Ask every question of ``rows`` to ``bot`` (a ``QA``) and score the answers."""
    res = EvalResult()
    bot.warm_up() if not getattr(bot, "_ready", False) else None
    for row in rows:
        t = time.perf_counter()
        ans = bot.ask(row["question"], history=history_of(row))
        res.latencies_ms.append(1000 * (time.perf_counter() - t))
        res.total += 1
        golds = row.get("answers") or []
        tag = row.get("id", res.total)
        if golds:
            res.answerable += 1
            if not ans.abstained and is_correct(ans.text, golds):
                res.correct += 1
            else:
                if ans.abstained:
                    res.false_declines += 1
                res.misses.append(f"MISS {tag}: {row['question']!r} -> {ans.text!r} (gold {golds[0]!r})")
        else:
            res.unanswerable += 1
            if ans.abstained:
                res.declined_ok += 1
            else:
                res.misses.append(f"MISS {tag}: {row['question']!r} -> {ans.text!r} (should decline)")
        cited = {c.source for a in (ans, *ans.alternatives) for c in a.citations}
        n, ok = check_citations(ans, bot.documents(cited), row.get("sources") or [])
        res.citations += n
        res.citations_ok += ok
        if ok < n:
            res.misses.append(f"CITE {tag}: {n - ok} of {n} citations not verbatim or not from a gold source")
    return res
