"""Sentence splitting that keeps character offsets (a pure function, no model)."""

from __future__ import annotations

import re

# Abbreviations after which a period does not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "gov", "sen",
    "rep", "st", "jr", "sr", "no", "vs", "etc", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "est", "fig", "u.s", "u.k", "u.n",
    "e.g", "i.e", "a.m", "p.m",
}
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n+")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text[start:end]``, in offsets of ``text``.

    A sentence ends at . ! ? (plus closing quotes) before whitespace and a capital, digit or quote,
    or at a line break, unless the break only wraps a long line of running text (``_wrapped``).
    Leading/trailing whitespace is not part of a span.

    >>> t = "Mr. Al Brandl spoke. Rebels took 4 towns!\\nHeadline"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Mr. Al Brandl spoke.', 'Rebels took 4 towns!', 'Headline']
    >>> w = "Acme said on Monday it had offered to buy Bolt for 41 dlrs a share in\\ncash. Shares rose."
    >>> len(split_sentences(w))  # a hard-wrapped line is not a sentence end
    2
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    s = start
    for m in _END.finditer(text, start, end):
        if m.group().startswith("\n"):
            if _wrapped(text, m.start(), m.group()):
                continue
            cut = m.start()
        else:
            after = text[m.end() : m.end() + 3].lstrip()
            if after and not (after[0].isupper() or after[0].isdigit() or after[0] in "\"'“‘(["):
                continue
            word = re.search(r"([\w.]+)[.!?]*$", text[max(s, m.start() - 12) : m.start() + 1])
            if m.group()[0] == "." and word:
                w = word.group(1).lower().rstrip(".")
                if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                    continue
            cut = m.end()
        _add(text, spans, s, cut)
        s = m.end()
    _add(text, spans, s, end)
    return spans


def _wrapped(text: str, at: int, breaks: str) -> bool:
    """Whether the line break at ``at`` only wraps a long line of running text (wire copy is hard-wrapped
    at ~70 characters): one newline after a line of 40+ characters that does not end a sentence."""
    if breaks.count("\n") > 1:
        return False
    line = text[text.rfind("\n", 0, at) + 1 : at].rstrip()
    return len(line) >= 40 and not line.endswith((".", "!", "?", ":", '"', "”", "’", "'", ")"))


def _add(text: str, spans: list[tuple[int, int]], a: int, b: int) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))
