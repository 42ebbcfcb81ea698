"""The few plain data types passed between pipeline stages.

Invariant everywhere: offsets point into ``Document.text`` (the cleaned text), so
``doc.text[chunk.start:chunk.end] == chunk.text`` and
``doc.text[citation.start:citation.end] == citation.quote``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Document:
    """One article after cleaning. ``source`` is its file name relative to the corpus folder."""

    source: str
    text: str
    title: str = ""
    date: str | None = None  # ISO date (YYYY-MM-DD) when the article states one
    sha256: str = ""  # hash of the cleaned text + metadata: what the index compares


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned window of one document, the unit that is embedded and retrieved."""

    source: str
    start: int
    end: int
    text: str
    n_tokens: int  # tiktoken cl100k tokens


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused retrieval score."""

    source: str
    title: str
    date: str | None
    start: int
    end: int
    text: str
    score: float  # reciprocal-rank-fusion score (higher is better)
    dense: float = 0.0  # cosine similarity of question and chunk embeddings
    lexical: float = 0.0  # BM25 score
    chunk_id: int = -1


@dataclass(frozen=True)
class Citation:
    """Where a quote comes from: the article, and the quote's offsets in its cleaned text."""

    source: str
    title: str
    date: str | None
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Answer:
    """What ``qa.ask`` returns.

    ``text`` is a span copied from the article (``''`` when the answerer declines), ``quote`` the
    sentence it comes from; ``start``/``end`` are the span's offsets in the first cited document.
    ``alternatives`` are different answers that other sources give to the same question.
    ``question`` is the question as the user asked it; ``standalone`` the follow-up as it was understood
    when the conversation had to fill it in ("What has Abu Karim Al Haddadi vowed to do?" for "What
    has he vowed to do?"), ``''`` when the question stood alone.
    """

    question: str
    text: str
    abstained: bool
    quote: str = ""
    citations: tuple[Citation, ...] = ()
    alternatives: tuple[Answer, ...] = ()
    passages: tuple[Passage, ...] = ()
    score: float = 0.0
    start: int = -1
    end: int = -1
    kind: str = ""  # the expected answer type the question asked for
    message: str = ""  # why it declined, in words for the user
    standalone: str = ""  # the follow-up rewritten to stand alone ("Understood as: ..."); '' if not rewritten

    @property
    def source(self) -> str:
        return self.citations[0].source if self.citations else ""

    def span_in_quote(self) -> tuple[int, int] | None:
        """Offsets of ``text`` inside ``quote`` (for highlighting), or None."""
        if self.abstained or not self.citations:
            return None
        s = self.start - self.citations[0].start
        if 0 <= s and s + len(self.text) <= len(self.quote) and self.quote[s : s + len(self.text)] == self.text:
            return s, s + len(self.text)
        i = self.quote.find(self.text)
        return (i, i + len(self.text)) if i >= 0 and self.text else None

    def to_dict(self) -> dict:
        """JSON-ready dict of every field (nested answers and passages included)."""
        d = asdict(self)
        d["citations"] = [asdict(c) for c in self.citations]
        d["alternatives"] = [a.to_dict() for a in self.alternatives]
        d["passages"] = [asdict(p) for p in self.passages]
        return d


@dataclass(frozen=True)
class UpdateReport:
    """What an index sync did."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # files that could not be read, with the reason
    embedded_chunks: int = 0
    rebuilt: bool = False
    reason: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.rebuilt)
