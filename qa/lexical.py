"""Lexical retrieval: a small BM25 over the chunk texts (pure numpy/scipy, rebuilt on load)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
from scipy import sparse

from .text import terms


class BM25:
    """Okapi BM25 over a list of texts. ``search`` returns ``(row, score)`` best first."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        docs = [Counter(terms(t)) for t in texts]
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if len(docs) else 1.0
        for j, d in enumerate(docs):
            for t, tf in d.items():
                rows.append(self.vocab.setdefault(t, len(self.vocab)))
                cols.append(j)
                vals.append(tf)
        self.n = len(docs)
        tf = np.array(vals, dtype=np.float32)
        cols_a = np.array(cols, dtype=np.int64)
        self.df = np.bincount(np.array(rows, dtype=np.int64), minlength=len(self.vocab)).astype(np.float32)
        self.idf_arr = idf_of(self.n, self.df)
        denom = tf + k1 * (1 - b + b * lengths[cols_a] / max(avg, 1e-9))
        w = tf * (k1 + 1) / denom
        self.matrix = sparse.csr_matrix((w, (rows, cols)), shape=(len(self.vocab), self.n), dtype=np.float32)

    def idf(self, term: str) -> float:
        """IDF of a stemmed term. A term the corpus never uses gets half the highest IDF: it may be
        a paraphrase the corpus words differently, or a sign the corpus does not cover the question."""
        i = self.vocab.get(term)
        return unseen_idf(self.n) if i is None else float(self.idf_arr[i])

    def scores(self, query: str) -> np.ndarray:
        ids = [self.vocab[t] for t in terms(query) if t in self.vocab]
        if not ids or not self.n:
            return np.zeros(self.n, dtype=np.float32)
        q = np.array(ids)
        return np.asarray(self.matrix[q].T @ self.idf_arr[q]).ravel()

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        return self.search_scores(self.scores(query), k)

    def search_scores(self, s: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` best rows of ``scores(query)`` with a score above 0, best first."""
        k = min(k, self.n)
        if k <= 0:
            return []
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [(int(i), float(s[i])) for i in top if s[i] > 0]


def idf_of(n, df):
    """BM25's IDF of a term found in ``df`` of ``n`` texts (numbers or arrays)."""
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


def unseen_idf(n: int) -> float:
    """IDF of a term no text uses: half the highest."""
    return 0.5 * float(idf_of(n, 0))


class TermWeights:
    """BM25's ``idf`` of stemmed terms over some texts, without its matrix: what the answerer weighs
    question words by when the chunks live in a store elsewhere (built from a bounded sample of them).

    >>> w = TermWeights(["rebels advanced on the town", "rebels retreated"])
    >>> round(w.idf("town"), 3), w.idf("rebel") < w.idf("town"), w.idf("zebra") == unseen_idf(2)
    (0.693, True, True)
    """

    def __init__(self, texts: Iterable[str]) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for t in texts:
            self.df.update(set(terms(t)))
            self.n += 1

    def idf(self, term: str) -> float:
        d = self.df.get(term)
        return unseen_idf(self.n) if d is None else float(idf_of(self.n, d))


_DEMONYM_ENDS = ("ish", "ian", "ese", "i", "an", "n")


def related(a: str, b: str) -> bool:
    """Whether two stems are forms of one word: equal, one a long prefix of the other
    ('normaliz'/'normalization'), or a place and its demonym ('turkey'/'turkish', 'iran'/'iranian').

    >>> related("turkey", "turkish"), related("normaliz", "normalization"), related("arm", "army")
    (True, True, False)
    """
    if a == b:
        return True
    s, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(s) >= 5 and longer.startswith(s):
        return True
    k = 0
    while k < len(s) and s[k] == longer[k]:
        k += 1
    return k >= 4 and k >= len(s) - 2 and longer.endswith(_DEMONYM_ENDS)
