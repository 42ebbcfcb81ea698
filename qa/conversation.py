"""Follow-up questions: resolve pronouns against the conversation so far (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Iterable

Turn = tuple[str, str]

_SUBJECT = re.compile(r"\b(he|she|they|it|him|them)\b", re.I)
_POSSESSIVE = re.compile(r"\b(his|her|their|its)\b", re.I)
_PART = r"(?:[A-Z][\w’'\-]*|(?:al|el|ad|as)-[A-Z][\w’'\-]*|al|bin|ibn|of)"
_NAME = re.compile(rf"{_PART}(?:\s+{_PART})*")


def normalize_history(history: Iterable | None) -> list[Turn]:
    """Accept ``[(question, answer), ...]`` or Gradio-style ``[{"role", "content"}, ...]`` messages
    (and dicts with ``question``/``answer``), return ``(question, answer)`` pairs.

    >>> normalize_history([{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "Him"}])
    [('Who?', 'Him')]
    """
    turns: list[Turn] = []
    pending: str | None = None
    for item in history or ():
        if isinstance(item, dict):
            if "question" in item:
                turns.append((str(item.get("question") or ""), str(item.get("answer") or "")))
                continue
            role, content = item.get("role"), item.get("content")
            if isinstance(content, list):  # gradio may send [{"type": "text", "text": ...}]
                content = " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
            content = "" if content is None else str(content)
            if role == "user":
                if pending is not None:
                    turns.append((pending, ""))
                pending = content
            elif role == "assistant" and pending is not None:
                turns.append((pending, content))
                pending = None
        elif isinstance(item, (list, tuple)) and len(item) >= 2:
            turns.append((str(item[0] or ""), str(item[1] or "")))
    if pending is not None:
        turns.append((pending, ""))
    return turns


def _referent(turns: list[Turn]) -> str | None:
    """The most recent name in the conversation: a short capitalized answer, else a name in the question."""
    for q, a in reversed(turns):
        a = re.sub(r"[*_`]", "", a.split("\n")[0]).strip()
        m = _NAME.search(a)
        if a and m and len(a.split()) <= 8:
            return m.group().strip()
        names = [n for n in _NAME.findall(q[1:] if q else "") if n.split()[0] not in ("I",)]
        if names:
            return max(names, key=len)
    return None


def resolve(question: str, history: Iterable | None) -> str:
    """Rewrite a follow-up so it stands alone: pronouns become the name they refer to.

    >>> resolve("What has he vowed to do?", [("Who leads the group?", "Ahmad Al Rifai")])
    'What has Ahmad Al Rifai vowed to do?'
    """
    turns = normalize_history(history)
    if not turns or not (_SUBJECT.search(question) or _POSSESSIVE.search(question)):
        return question
    ref = _referent(turns)
    if not ref:
        return question
    q = _POSSESSIVE.sub(f"{ref}’s", question, count=1)
    if q == question:
        q = _SUBJECT.sub(ref, question, count=1)
    return q
