"""Follow-up questions: resolve pronouns against the conversation so far (pure functions)."""

from __future__ import annotations

import itertools
import re

from .errors import QuestionError

Turn = tuple[str, str]

_SUBJECT = re.compile(r"\b(he|she|they|it|him|them)\b", re.I)
_POSSESSIVE = re.compile(r"\b(his|her|their|its)\b", re.I)
_PART = r"(?:[A-Z][\w’'\-]*|(?:al|el|ad|as)-[A-Z][\w’'\-]*|al|bin|ibn|of)"
_NAME = re.compile(rf"{_PART}(?:\s+{_PART})*")
_SHAPES = "pass (question, answer) pairs or {'role', 'content'} messages, or no history"
# what a typed question may not hold (``question.validate`` rejects it there), removed from history
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def normalize_history(history: object, *, max_turns: int = 10, max_chars: int = 1000) -> list[Turn]:
    r"""Accept ``[(question, answer), ...]`` or Gradio-style ``[{"role", "content"}, ...]`` messages
    (and dicts with ``question``/``answer``), return the last ``max_turns`` ``(question, answer)`` pairs.

    The shape is checked (``QuestionError`` names what is wrong); the texts are not: history comes back
    from a client and cannot be retyped, so each is cut to ``max_chars``, stripped of control characters
    and invalid text (lone surrogates), and a value that is not text (a file, a number) reads as ``''``.

    >>> normalize_history([{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "Him"}])
    [('Who?', 'Him')]
    >>> normalize_history([("Who?\x00", None)])
    [('Who?', '')]
    """
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise QuestionError(f"history must be a list of turns, not {type(history).__name__}: {_SHAPES}")
    turns: list[Turn] = []
    pending: str | None = None
    text = _text_reader(max_chars)
    first = max(0, len(history) - 4 * max_turns)  # a turn is a pair or about two messages: older ones go unread
    for n, item in enumerate(history[first:], start=first + 1):
        if isinstance(item, dict) and ("question" in item or "answer" in item):
            turns.append((text(item.get("question")), text(item.get("answer"))))
        elif _is_message(item):
            role = item["role"] if isinstance(item, dict) else item.role
            role = role if isinstance(role, str) else ""
            content = text(item["content"] if isinstance(item, dict) else item.content)
            if role == "user":
                if pending is not None:
                    turns.append((pending, ""))
                pending = content
            elif role == "assistant" and pending is not None:
                turns.append((pending, content))
                pending = None
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            turns.append((text(item[0]), text(item[1])))
        else:
            raise QuestionError(f"history item {n} is {_describe(item)}: {_SHAPES}")
    if pending is not None:
        turns.append((pending, ""))
    return turns[-max_turns:]



def _is_message(item: object) -> bool:
    """A ``{"role", "content"}`` dict, or an object with those attributes (``gradio.ChatMessage``)."""
    if isinstance(item, dict):
        return "role" in item and "content" in item
    return not isinstance(item, (str, bytes, list, tuple)) and hasattr(item, "role") and hasattr(item, "content")


def _describe(item: object) -> str:
    if isinstance(item, (list, tuple)):
        return f"a {type(item).__name__} of {len(item)} item{'s' if len(item) != 1 else ''}"
    if isinstance(item, dict):
        return f"a dict with keys {[str(k)[:20] for k in itertools.islice(item, 4)]}"
    name = type(item).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _text_reader(max_chars: int):
    """A function from a history value to bounded, clean text."""

    def text(value: object) -> str:
        if isinstance(value, list):  # gradio may send [{"type": "text", "text": ...}, ...]
            parts = (p.get("text") if isinstance(p, dict) else p for p in value[:max_chars])
            value = " ".join(p[:max_chars] for p in parts if isinstance(p, str))
        elif isinstance(value, dict):  # a gradio component value: a text part, or a file with no text
            value = value.get("text")
        if not isinstance(value, str):
            return ""
        return re.sub(" {2,}", " ", _NOT_TEXT.sub(" ", value[:max_chars])).strip()

    return text


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


def resolve(question: str, history: object, *, max_turns: int = 10, max_chars: int = 1000) -> str:
    """Rewrite a follow-up so it stands alone: pronouns become the name they refer to. ``history`` is
    read as ``normalize_history`` reads it, so the name is at most ``max_chars`` long.

    >>> resolve("What has he vowed to do?", [("Who leads the group?", "Ahmad Al Rifai")])
    'What has Ahmad Al Rifai vowed to do?'
    """
    turns = normalize_history(history, max_turns=max_turns, max_chars=max_chars)
    if not turns or not (_SUBJECT.search(question) or _POSSESSIVE.search(question)):
        return question
    ref = _referent(turns)
    if not ref:
        return question
    q = _POSSESSIVE.sub(f"{ref}’s", question, count=1)
    if q == question:
        q = _SUBJECT.sub(ref, question, count=1)
    return q
