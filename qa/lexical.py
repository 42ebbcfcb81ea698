"""Lexical retrieval: a small BM25 over the chunk texts (pure numpy/scipy, rebuilt on load)."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from scipy import sparse

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom whose why will
    with would you your yours yourself yourselves according said says say""".split()
)
_TOKEN = re.compile(r"[^\W_]+(?:['’][st]\b)?", re.UNICODE)


def stem(word: str) -> str:
    """A light suffix stripper so that 'cities'/'city' and 'killed'/'kills' meet; pure and crude."""
    w = word.lower()
    if w.endswith(("'s", "’s")):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        return w[:-2]
    if len(w) > 3 and (w.endswith(("ches", "shes")) or (w.endswith("es") and w[-3] in "sxz")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def terms(text: str) -> list[str]:
    """Stemmed content terms of ``text`` (stopwords dropped).

    >>> terms("How many cities did the rebels capture?")
    ['many', 'city', 'rebel', 'capture']
    """
    out = []
    for m in _TOKEN.finditer(text):
        w = m.group().lower()
        if w in STOPWORDS:
            continue
        out.append(stem(w))
    return out


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
        self.idf_arr = np.log(1.0 + (self.n - self.df + 0.5) / (self.df + 0.5))
        denom = tf + k1 * (1 - b + b * lengths[cols_a] / max(avg, 1e-9))
        w = tf * (k1 + 1) / denom
        self.matrix = sparse.csr_matrix((w, (rows, cols)), shape=(len(self.vocab), self.n), dtype=np.float32)

    def idf(self, term: str) -> float:
        """IDF of a stemmed term; a term the corpus never uses gets the highest IDF."""
        i = self.vocab.get(term)
        if i is None:
            return float(np.log(1.0 + (self.n + 0.5) / 0.5))
        return float(self.idf_arr[i])

    def scores(self, query: str) -> np.ndarray:
        ids = [self.vocab[t] for t in terms(query) if t in self.vocab]
        if not ids or not self.n:
            return np.zeros(self.n, dtype=np.float32)
        q = np.array(ids)
        return np.asarray(self.matrix[q].T @ self.idf_arr[q]).ravel()

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        s = self.scores(query)
        k = min(k, self.n)
        if k <= 0:
            return []
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [(int(i), float(s[i])) for i in top if s[i] > 0]
