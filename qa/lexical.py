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
    with would you your yours yourself yourselves according said says say among amid via al el bin ibn abu""".split()
)
_TOKEN = re.compile(r"[^\W_]+(?:['’][st]\b)?", re.UNICODE)


# irregular English past forms, so that "retook" meets "retake"
_IRREGULAR = {
    "took": "take", "taken": "take", "retook": "retake", "retaken": "retake", "fell": "fall", "fallen": "fall",
    "led": "lead", "won": "win", "spoke": "speak", "spoken": "speak", "began": "begin", "begun": "begin",
    "fought": "fight", "met": "meet", "held": "hold", "left": "leave", "sent": "send", "struck": "strike",
    "lost": "lose", "gave": "give", "given": "give", "went": "go", "gone": "go", "came": "come",
    "saw": "see", "seen": "see", "told": "tell", "made": "make", "brought": "bring", "built": "build",
    "caught": "catch", "chose": "choose", "chosen": "choose", "drove": "drive", "driven": "drive",
    "flew": "fly", "flown": "fly", "fled": "flee", "knew": "know", "known": "know", "rose": "rise",
    "risen": "rise", "ran": "run", "shot": "shoot", "stood": "stand", "thought": "think", "wrote": "write",
    "written": "write", "kept": "keep", "paid": "pay", "found": "find", "grew": "grow", "grown": "grow",
    "threw": "throw", "thrown": "throw", "bought": "buy", "sold": "sell", "overran": "overrun",
    "withdrew": "withdraw", "withdrawn": "withdraw", "sought": "seek", "swore": "swear", "sworn": "swear",
    "hid": "hide", "hidden": "hide", "froze": "freeze", "frozen": "freeze", "broke": "break", "broken": "break",
    "died": "die", "dead": "die", "people": "people", "children": "child", "men": "man", "women": "woman",
}


def stem(word: str) -> str:
    """A light suffix stripper so that 'cities'/'city', 'dropping'/'drop', 'took'/'take' meet;
    pure and crude (the same function runs on questions and articles, so it only has to agree).

    >>> [stem(w) for w in ("cities", "dropping", "retook", "captured", "capture", "Syria's")]
    ['city', 'drop', 'retak', 'captur', 'captur', 'syria']
    """
    w = word.lower()
    if w.endswith(("'s", "’s")):
        w = w[:-2]
    w = _IRREGULAR.get(w, w)
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        w = w[:-2]
    elif len(w) > 3 and (w.endswith(("ches", "shes")) or (w.endswith("es") and w[-3] in "sxz")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    else:
        return w[:-1] if len(w) > 3 and w.endswith("e") else w
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":  # dropp -> drop
        w = w[:-1]
    return w[:-1] if len(w) > 3 and w.endswith("e") else w


def terms(text: str) -> list[str]:
    """Stemmed content terms of ``text`` (stopwords dropped).

    >>> terms("How many cities did the rebels capture?")
    ['many', 'city', 'rebel', 'captur']
    """
    out = []
    for m in _TOKEN.finditer(text):
        w = m.group().lower()
        if w in STOPWORDS and not (m.group().isupper() and len(w) > 1):  # "US" is a country, "us" is not
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
        """IDF of a stemmed term. A term the corpus never uses gets half the highest IDF: it may be
        a paraphrase the corpus words differently, or a sign the corpus does not cover the question."""
        i = self.vocab.get(term)
        if i is None:
            return 0.5 * float(np.log(1.0 + (self.n + 0.5) / 0.5))
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
