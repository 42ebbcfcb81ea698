"""Hybrid retrieval: dense (FAISS inner product over MiniLM vectors) + lexical (BM25), fused by RRF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .datatypes import Chunk, Document, Passage
from .embedding import Embedder
from .lexical import BM25


class Retriever(Protocol):
    """Finds passages for a question; ``idf`` weighs question words for the answerer."""

    def idf(self, term: str) -> float: ...

    def search(self, query: str, k: int) -> list[Passage]: ...

    def search_with_documents(self, query: str, k: int) -> tuple[list[Passage], dict[str, Document]]:
        """``search`` and (at least) the articles its passages come from."""
        ...


def rrf(rankings: Sequence[Sequence[int]], k: int = 60) -> dict[int, float]:
    """Reciprocal rank fusion: ``sum over rankings of 1 / (k + rank)``, rank starting at 1.

    >>> rrf([[7, 3], [3, 9]], k=60) == {7: 1/61, 3: 1/62 + 1/61, 9: 1/62}
    True
    """
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


class HybridRetriever:
    """Dense + BM25 over the same chunk table; ``search`` returns fused ``Passage``s, best first."""

    def __init__(self, docs: dict[str, Document], chunks: list[Chunk], vectors, embedder: Embedder,
                 *, candidates: int = 40, rrf_k: int = 60) -> None:
        self.docs = docs
        self.chunks = chunks
        self.vectors = vectors
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.bm25 = BM25([c.text for c in chunks])
        self.idf = self.bm25.idf  # what the answerer weighs question words by

    def search(self, query: str, k: int) -> list[Passage]:
        if not self.chunks:
            return []
        return self.search_by(query, self.embedder.embed([query]), k)

    def search_with_documents(self, query: str, k: int) -> tuple[list[Passage], dict[str, Document]]:
        """``search`` and the articles the passages come from (all of them: they are in memory)."""
        return self.search(query, k), self.docs

    def search_by(self, query: str, q: np.ndarray, k: int) -> list[Passage]:
        """``search`` with the query's embedding given (``q``: one row), as a store's hybrid search takes it."""
        if not self.chunks:
            return []
        sims, ids = self.vectors.search(q, min(self.candidates, len(self.chunks)))
        dense = [(int(i), float(s)) for i, s in zip(ids[0], sims[0], strict=False) if i >= 0]
        lexical = self.bm25.search(query, self.candidates)
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], k=self.rrf_k)
        dsim = dict(dense)
        lsc = dict(lexical)
        missing = [i for i in fused if i not in dsim]
        if missing:  # dense similarity of lexical-only hits, for the answerer's confidence
            rows = self.vectors.reconstruct_batch(np.array(missing, dtype=np.int64))
            dsim.update(zip(missing, (rows @ q[0]).tolist(), strict=False))
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        out = []
        for i in best:
            c = self.chunks[i]
            d = self.docs.get(c.source)
            out.append(Passage(source=c.source, title=d.title if d else "", date=d.date if d else None,
                               start=c.start, end=c.end, text=c.text, score=fused[i], dense=dsim.get(i, 0.0),
                               lexical=lsc.get(i, 0.0), chunk_id=i))
        return out
