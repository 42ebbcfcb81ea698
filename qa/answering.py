"""Answering: the trained reader reads the best sentences, a calibrated model decides.

For one question the ``ReaderAnswerer``

1. picks **reading windows** (``select_windows``): the sentences of the retrieved passages that hold
   most of the question's terms (IDF-weighted), each widened by its neighbours up to a word-piece
   budget — reading a few sentences instead of whole chunks is what keeps ``ask`` interactive
   (Min et al. 2018, "Efficient and robust QA from minimal context");
2. reads them with the span reader (``qa.reader``) in one batch: each window's few best spans;
3. completes every span with the span utilities (``qa.spans``: a number's unit and qualifier, a
   person's full name, edges trimmed);
4. ranks the spans by the reader's margin over "no answer" and scores them with a **logistic model
   over a few features** (``FEATURES``: that margin, how much of the question the span's sentence
   covers, whether the span fits the answer type asked for, how many windows give the same answer,
   ...): the probability the span is right. Its weights and the decline threshold are fitted on
   SQuAD tune-half data by ``benchmarks/tune_answerer.py`` and shipped in the reader's ``reader.json``;
5. declines when the best span's probability is below the threshold; otherwise ``assemble`` builds
   the ``Answer``: sources giving the same answer are cited together, a different figure of the
   same unit from another source becomes an alternative.

All windows are read, even when the first is already sure: another source may give a different figure.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Protocol

from .datatypes import Answer, Citation, Document, Passage
from .question import DATE, ENTITY, NUMBER, ORG, PERSON, PLACE, REASON, Question
from .spans import (
    MONTH_NAMES,
    after_initials,
    asked_unit,
    asks_role,
    asks_several,
    change_for_level,
    complete_date,
    complete_number,
    complete_reason,
    contradicts,
    drop_restatement,
    figure_value,
    figures_only,
    finish_complement,
    finish_name,
    fits_kind,
    fitting_figure,
    has_figure,
    has_unit,
    holds_role,
    level_for_change,
    name_phrases,
    names_missing,
    next_fitting_figure,
    one_figure,
    opens_reason,
    previous_level,
    question_names,
    reason_clauses,
    repeats_question,
    role_asked,
    same_quantity_kind,
    starts_with_particle,
    titled_person,
    trim_span,
    whole_words,
    widen_list,
    widen_name,
    widen_numbered_name,
    widen_org,
    widen_title,
    widen_to_noun,
)
from .text import STOPWORDS, bare_word, collapse_whitespace, content_words, sentence_spans, squad_normalize, stem, terms


class Answerer(Protocol):
    """Picks the answer to ``question`` from ``passages`` (documents give the full texts)."""

    name: str

    def answer(self, question: Question, passages: list[Passage], docs: dict[str, Document]) -> Answer: ...


# --- candidates and the answer built from them ---------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """One possible answer: ``docs[source].text[start:end]``, with how sure the answerer is of it.

    ``text`` is that span with its whitespace collapsed (wire copy breaks lines inside names);
    ``confidence`` the calibrated probability that it is right (0..1); ``features`` what it was
    computed from.
    """

    source: str
    start: int
    end: int
    text: str
    confidence: float = 0.0
    features: dict = field(default_factory=dict, compare=False)


@lru_cache(maxsize=1 << 16)  # pure; every pair of a question's candidates is compared
def same_answer(a: str, b: str) -> bool:
    """Whether two answer strings say the same thing: equal after normalization (whitespace and line
    breaks included), one inside the other as whole words, or the same figure.

    >>> same_answer("Free Patriotic\\nMovement", "the Free Patriotic Movement"), same_answer("12", "at least 15")
    (True, False)
    """
    na, nb = squad_normalize(a), squad_normalize(b)
    if not na or not nb:
        return False
    if na == nb or f" {na} " in f" {nb} " or f" {nb} " in f" {na} ":
        return True
    va, vb = figure_value(a), figure_value(b)
    return va is not None and va == vb and same_quantity_kind(a, b)


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence(s) of ``text`` holding ``text[start:end]``."""
    spans = [(a, b) for a, b in sentence_spans(text) if a < end and b > start]
    if not spans:
        return start, end
    return min(spans[0][0], start), max(spans[-1][1], end)


def _citation(doc: Document, start: int, end: int) -> Citation:
    a, b = _sentence_around(doc.text, start, end)
    return Citation(source=doc.source, title=doc.title, date=doc.date, start=a, end=b, quote=doc.text[a:b])


def assemble(question: Question, ranked: Sequence[Candidate], docs: dict[str, Document],
             passages: Sequence[Passage] = (), *, threshold: float = 0.5, max_alternatives: int = 3,
             decline_message: str = "") -> Answer:
    """The ``Answer`` from candidates ranked best first (every answerer ends here).

    The best candidate is the answer unless its confidence is below ``threshold`` (a decline).
    Other sources giving the same answer (``same_answer``) are cited with it; for a number, a
    confident different figure from another source becomes an alternative, cited on its own, when it
    counts the same thing in the same event (``same_count``). Everything else is dropped.
    """
    ranked = [c for c in ranked if c.source in docs]
    if not ranked or ranked[0].confidence < threshold:
        why = decline_message or ("the articles do not seem to say: no passage answers the question" if passages
                                  else "no passage was found for the question")
        score = round(ranked[0].confidence, 4) if ranked else 0.0
        return Answer(question=question.text, text="", abstained=True, passages=tuple(passages), kind=question.kind,
                      message=why, score=score)
    best = ranked[0]
    agreeing = [best]
    others: list[Candidate] = []
    for c in ranked[1:]:
        if c.confidence < threshold:
            break
        if same_answer(c.text, best.text):
            if all(x.source != c.source for x in agreeing):
                agreeing.append(c)
        elif (question.kind == NUMBER and best.source != c.source and same_count(question, best, c, docs)
              and not any(same_answer(x.text, c.text) for x in others)
              and not any(same_answer(x.text, c.text) for x in agreeing)):
            others.append(c)
    cites = tuple(_citation(docs[c.source], c.start, c.end) for c in agreeing)
    alts = tuple(Answer(question=question.text, text=c.text, abstained=False, quote=cit.quote, citations=(cit,),
                        score=round(c.confidence, 4), start=c.start, end=c.end, kind=question.kind)
                 for c in others[:max_alternatives] for cit in [_citation(docs[c.source], c.start, c.end)])
    return Answer(question=question.text, text=best.text, abstained=False, quote=cites[0].quote, citations=cites,
                  alternatives=alts, passages=tuple(passages), score=round(best.confidence, 4), start=best.start,
                  end=best.end, kind=question.kind)


# An alternative figure's sentence must hold about as much of the question as the answer's: "over 30
# villages" in a summary of a whole campaign does not contradict "six villages on Friday evening".
SAME_EVENT_MARGIN = 0.25


def same_count(question: Question, best: Candidate, other: Candidate, docs: dict[str, Document]) -> bool:
    """Whether figure ``other`` counts the same thing as ``best`` in the same event, so that the two
    disagree rather than answer different questions: the same unit (``same_quantity_kind``); the
    thing the question counts ("how many *towns*") in the figure or among the four words after it;
    and a sentence that covers the question (feature ``coverage``) within ``SAME_EVENT_MARGIN`` of
    the answer's.
    """
    if not same_quantity_kind(other.text, best.text):
        return False
    if question.focus:
        doc = docs.get(other.source)
        after = doc.text[other.end : other.end + 80] if doc else ""
        words = terms(other.text) + terms(" ".join(re.split(r"[.;:!?]", after, maxsplit=1)[0].split()[:4]))
        if not set(words) & set(question.focus):
            return False
    return other.features.get("coverage", 1.0) >= best.features.get("coverage", 0.0) - SAME_EVENT_MARGIN


NEAR_WEIGHT = 4.0  # see ``ReaderAnswerer.candidates``
REASON_WEIGHT = 6.0  # see ``ReaderAnswerer.candidates``
OTHER_FIGURE_WEIGHT = 4.0  # see ``ReaderAnswerer.candidates``
# asked units whose figure a question cannot do without (``qa.spans.asked_unit``): of the SQuAD tune half's
# answerable questions asking an amount of money 19 of 20 golds are in a currency, asking a percentage 31 of 33
# in percent; a count unit ("how many miles") is often left out of the answer ("8.5 mi", "45°"): 9 of 15
STRICT_UNITS = frozenset({"money", "percent"})

# --- which sentences to read ---------------------------------------------------------------------
@dataclass(frozen=True)
class ReadingWindow:
    """Characters ``[start, end)`` of one document, to be read for the answer; ``rank`` 0 is the best."""

    source: str
    start: int
    end: int
    rank: int


def coverage(question_terms: Sequence[str], text_terms: set[str], idf) -> float:
    """IDF-weighted share of the question's terms that ``text_terms`` holds (0..1).

    >>> coverage(["rebel", "captur", "town"], {"rebel", "town"}, lambda t: 1.0)
    0.6666666666666666
    """
    total = sum(idf(t) for t in question_terms)
    if not total:
        return 0.0
    return sum(idf(t) for t in question_terms if t in text_terms) / total


def select_windows(question_terms: Sequence[str], passages: Sequence[Passage], docs: dict[str, Document], idf,
                   count_tokens, *, budget: int, windows: int, passages_scanned: int = 6) -> list[ReadingWindow]:
    """The ``windows`` best reading windows among the sentences of the first ``passages_scanned`` passages.

    A sentence scores its coverage of the question (``coverage``) plus a third of what only its two
    neighbours add, plus a small prior for the passage's retrieval rank; each chosen sentence is
    widened by neighbours, alternately after and before, while the window stays within ``budget``
    word pieces (``count_tokens``). A sentence already inside a chosen window is not chosen again.
    """
    scored: list[tuple[float, str, int, int]] = []
    seen: set[tuple[str, int]] = set()
    q = list(dict.fromkeys(question_terms))
    for rank, p in enumerate(passages[:passages_scanned]):
        doc = docs.get(p.source)
        if doc is None:
            continue
        sents = sentence_spans(doc.text)
        idx = [i for i, (a, b) in enumerate(sents) if a < p.end and b > p.start]
        for i in idx:
            if (p.source, i) in seen:
                continue
            seen.add((p.source, i))
            s = sentence_coverage(q, doc.text, i, i, idf) + 0.05 / (1 + rank)
            scored.append((s, p.source, i, rank))
    scored.sort(key=lambda x: -x[0])
    out: list[ReadingWindow] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for _s, source, i, _rank in scored:
        if len(out) >= windows:
            break
        sents = sentence_spans(docs[source].text)
        a, b = sents[i]
        if any(x <= a and b <= y for x, y in taken.get(source, [])):
            continue
        lo, hi = i, i
        text = docs[source].text
        grow, after = True, True
        while grow:
            grow = False
            for j in ((hi + 1, lo - 1) if after else (lo - 1, hi + 1)):
                if 0 <= j < len(sents) and count_tokens(text[sents[min(lo, j)][0] : sents[max(hi, j)][1]]) <= budget:
                    lo, hi = min(lo, j), max(hi, j)
                    grow, after = True, j < i
                    break
        a, b = sents[lo][0], sents[hi][1]
        taken.setdefault(source, []).append((a, b))
        out.append(ReadingWindow(source, a, b, len(out)))
    return out


def sentence_coverage(question_terms: Sequence[str], text: str, first: int, last: int, idf) -> float:
    """``coverage`` of the question by sentences ``first..last`` of ``text``, plus a third of what only
    their two neighbouring sentences add.

    >>> sentence_coverage(["bridg", "long"], "The bridge opened. It is long.", 0, 0, lambda t: 1.0)
    0.6666666666666666
    """
    sents = sentence_spans(text)
    own = frozenset().union(*(_span_terms(text, *sents[i]) for i in range(first, last + 1)))
    near = frozenset().union(*(_span_terms(text, *sents[j]) for j in (first - 1, last + 1) if 0 <= j < len(sents)))
    return coverage(question_terms, own, idf) + coverage(question_terms, near - own, idf) / 3


@lru_cache(maxsize=1 << 17)  # pure: a question's words meet the same article words again and again
def same_word(question_word: str, text_word: str) -> bool:
    """Whether a word of the text names what a word of the question names: the same stem, or two
    capitalized words sharing their first four letters or more (a country and its people: "Norway's" /
    "Norwegian", "Velmora" / "Velmoran").

    >>> same_word("ministers", "minister"), same_word("Norway's", "Norwegian"), same_word("plan", "plant")
    (True, True, False)
    """
    q, t = bare_word(question_word), bare_word(text_word)
    if stem(q) == stem(t):
        return True
    return question_word[:1].isupper() and text_word[:1].isupper() and len(os.path.commonprefix((q, t))) >= 4


_NEAR_WORD = re.compile(r"\w[\w’'\-]*")
_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s")


def _clause_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The text of ``text[start:end]``'s clause before and after it: back to a comma, colon, semicolon, bracket
    or dash of its sentence, and on to the next (the clause after a comma that follows the span directly:
    "Jan Vos, the Dutch minister")."""
    spans = sentence_spans(text)
    lo = next((a for a, b in spans if a <= start < b), 0)
    hi = next((b for a, b in spans if a < end <= b), len(text))
    after = _CLAUSE_BREAK.split(text[end:hi])
    return _CLAUSE_BREAK.split(text[lo:start])[-1], after[1] if len(after) > 1 and not after[0].strip() else after[0]


def near_coverage(question_words: Sequence[str], text: str, start: int, end: int, idf, k: int = 6) -> float:
    """IDF-weighted share of the question's content words (``question_words``, as written) among the
    words beside ``text[start:end]`` in its clause: up to ``k`` words before it back to a comma, colon,
    semicolon, bracket or dash, and up to ``k`` after it to the next (the clause after a comma that
    follows the span directly: "Jan Vos, the Dutch minister"). Words match by ``same_word``.

    News names a person by a title beside the name ("Belgian Foreign Minister Piet Claes"): of two names
    in one sentence, the one whose neighbours match the question is the one asked for, which the
    reader's margin alone often misses.

    >>> t = "Dutch Foreign Minister Jan Vos met Piet Claes, the Belgian foreign minister, in Ghent."
    >>> q = ["Belgium's", "foreign", "minister"]
    >>> near_coverage(q, t, 35, 45, lambda w: 1.0), near_coverage(q, t, 23, 30, lambda w: 1.0)
    (1.0, 0.6666666666666666)
    """
    before, after = _clause_around(text, start, end)
    near = _NEAR_WORD.findall(before)[-k:] + _NEAR_WORD.findall(after)[:k]
    weights = [(w, idf(stem(bare_word(w)))) for w in question_words]
    total = sum(x for _w, x in weights)
    if not total:
        return 0.0
    return sum(x for w, x in weights if any(same_word(w, n) for n in near)) / total


_FIGURE_WORD = re.compile(r"(\d(?:[\d,.]*\d)?)(?:[ \t]*\n?[ \t]*([A-Za-z][\w\-]*))?")
_YEAR = re.compile(r"(?:19|20)\d\d\Z")
_ORDINAL_WORD = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)"
                           r"[ \t\-]*\n?[ \t]*([A-Za-z][\w\-]*)", re.I)


_MONTH_NAME = re.compile(rf"\b({'|'.join(MONTH_NAMES)})\b")
_MONTHS = frozenset(m.lower() for m in MONTH_NAMES)


def _figures(text: str) -> list[tuple[str, str]]:
    """The figures of ``text`` with the word after each ("13 weeks" -> ("13", "weeks")), ordinals too ("fourth
    quarter" -> ("fourth", "quarter")), and the months it names ("february", "")."""
    return ([(f.replace(",", ""), w) for f, w in _FIGURE_WORD.findall(text)]
            + [(o.lower(), w) for o, w in _ORDINAL_WORD.findall(text)]
            + [(m.lower(), "") for m in _MONTH_NAME.findall(text)])


def other_figure_near(question: str, text: str, start: int, end: int, k: int = 6) -> bool:
    """Whether the words beside ``text[start:end]`` (its clause, as ``near_coverage`` reads it) give another
    figure for a measure the question fixes by its own figure: "the past 13 weeks" asked, "the last 52
    weeks" beside the span; "in 1987" asked, "in 1986" beside it and 1987 not (a month likewise). Such a span
    answers for another period or amount. An ordinal counts as a figure ("the third quarter" for "the fourth
    quarter").

    >>> t = "Output has grown at a 6.7 pct rate in the last 52 weeks and at a 9.1 pct rate in the past 13 weeks."
    >>> q = "At what rate has output grown over the past 13 weeks?"
    >>> other_figure_near(q, t, t.index("6.7"), t.index("6.7") + 7), other_figure_near(q, t, t.index("9.1"), t.index("9.1") + 7)
    (True, False)
    """
    asked = _figures(question)
    if not asked:
        return False
    before, after = _clause_around(text, start, end)
    words_before, words_after = before.split(), after.split()
    near = " ".join(words_before[-k:]) + " \n " + " ".join(words_after[:k])
    given = _figures(near)
    figures = {f for f, _w in given}
    for f, w in asked:
        if f in figures:
            continue
        if _YEAR.match(f) and any(_YEAR.match(g) for g in figures):
            return True
        if f in _MONTHS and figures & _MONTHS:  # "January's 623 mln dlrs" for "in February"
            return True
        if w and any(g != f and v and same_word(w, v) for g, v in given):
            return True
    return False


@lru_cache(maxsize=65536)
def _span_terms(text: str, a: int, b: int) -> frozenset[str]:
    """Terms of ``text[a:b]``, cached: every question asks for the same articles' sentences again
    (a str caches its hash, so the key costs nothing for an article already seen)."""
    return frozenset(terms(text[a:b]))


@lru_cache(maxsize=65536)
def _wordpieces(text: str) -> int:
    from .reader import encode_text

    return len(encode_text(text)[0])


# --- features and the calibrated model ------------------------------------------------------------
FEATURES = ("margin", "null", "coverage", "fits", "in_question", "length", "support")


def features(margin: float, null: float, cov: float, fits: bool, in_question: float, n_words: int,
             support: int) -> dict[str, float]:
    """The feature vector of one candidate, by name (see ``FEATURES``).

    margin: the reader's span score minus its "no answer" score in the window; null: the window's
    "no answer" score; coverage: IDF-weighted share of the question's terms in the span's sentence
    (what only its neighbours add counts a third); fits: the span looks like the type asked for
    (``qa.spans.fits_kind``), a figure in the unit the question names if it names one (``asked_unit``);
    in_question: share of the span's words that the question already has;
    length: log of the span's words; support: log of 1 + the other windows giving the same answer.
    (The window's retrieval rank was tried too: it helps on SQuAD, one short paragraph a document,
    and costs right answers on news, where the answer often sits in the third or fourth window.)
    """
    return {"margin": margin, "null": null, "coverage": cov, "fits": float(fits), "in_question": in_question,
            "length": math.log1p(n_words), "support": math.log1p(support)}


@dataclass(frozen=True)
class Calibration:
    """Logistic model over ``FEATURES`` giving the probability a candidate is right; ``threshold``:
    the answer is declined below it. Fitted by ``benchmarks/tune_answerer.py`` (SQuAD tune data).
    ``by_kind``: higher thresholds for some kinds of question (``qa.question`` kinds), fitted on the news
    dev sets by ``benchmarks/tune_kind_thresholds.py``: news is full of figures and names of the kind
    asked, so a span of the right kind from a sentence about something else is likelier there than in
    SQuAD, for some kinds more than others."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    names: tuple[str, ...] = FEATURES
    by_kind: tuple[tuple[str, float], ...] = ()

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(w * feats[n] for w, n in zip(self.weights, self.names, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def threshold_for(self, kind: str) -> float:
        """The decline threshold for a question of ``kind``.

        >>> Calibration((0.5,), 0.0, 0.1, ("margin",), (("number", 0.2),)).threshold_for("number")
        0.2
        """
        return dict(self.by_kind).get(kind, self.threshold)

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        names = tuple(d.get("features", FEATURES))
        if set(names) - set(FEATURES):
            raise ValueError(f"unknown features {sorted(set(names) - set(FEATURES))} in the calibration")
        by_kind = tuple(sorted((str(k), float(v)) for k, v in (d.get("kind_thresholds") or {}).items()))
        return cls(tuple(float(w) for w in d["weights"]), float(d["bias"]), float(d["threshold"]), names, by_kind)

    def to_dict(self) -> dict:
        out = {"features": list(self.names), "weights": [round(w, 6) for w in self.weights],
               "bias": round(self.bias, 6), "threshold": self.threshold}
        if self.by_kind:
            out["kind_thresholds"] = dict(self.by_kind)
        return out


# A neutral model (the reader's margin alone) for weights shipped without a calibration.
MARGIN_ONLY = Calibration(weights=(0.5,) + (0.0,) * (len(FEATURES) - 1), bias=-2.0, threshold=0.5)


# --- the answerer ------------------------------------------------------------------------------------
class ReaderAnswerer:
    """The default answerer: the trained span reader over reading windows, decided by ``Calibration``.

    Args:
        reader: the ``qa.reader.Reader`` (default: the shipped weights).
        idf: a term's IDF in the corpus (``HybridRetriever.bm25.idf``); every term 1.0 if None.
        calibration: the feature weights and decline threshold (default: the reader's ``reader.json``).
        windows: reading windows read (in one batch; each ~15-25 ms on 2 CPU cores).
        window_tokens: word pieces a window holds, question included.
        spans_per_window: candidate spans taken from each window.
    """

    name = "reader"

    def __init__(self, reader=None, *, idf=None, calibration: Calibration | None = None, windows: int = 4,
                 window_tokens: int = 160, spans_per_window: int = 3, max_alternatives: int = 3) -> None:
        from .reader import Reader  # torch loads with the model, on first use

        self.reader = reader or Reader()
        tuned = self.reader.tuned()
        self.calibration = calibration or (Calibration.from_dict(tuned["calibration"]) if "calibration" in tuned
                                           else MARGIN_ONLY)
        self.idf = idf or (lambda _t: 1.0)
        self.windows = windows
        self.window_tokens = window_tokens
        self.spans_per_window = spans_per_window
        self.max_alternatives = max_alternatives

    @property
    def threshold(self) -> float:
        return self.calibration.threshold

    def warm_up(self):
        return self.reader.warm_up()

    # the steps, each usable alone (benchmarks/tune_answerer.py fits the calibration on `candidates`)
    def reading_windows(self, question: Question, passages: Sequence[Passage], docs: dict[str, Document]
                        ) -> list[ReadingWindow]:
        from .reader import encode_text

        q_len = len(encode_text(question.text)[0])
        budget = max(32, self.window_tokens - min(q_len, 64) - 3)
        return select_windows(question.terms or tuple(terms(question.text)), passages, docs, self.idf,
                              _wordpieces, budget=budget, windows=self.windows)

    def read(self, question: Question, windows: Sequence[ReadingWindow], docs: dict[str, Document]) -> list[list]:
        """The reader's best spans (``qa.reader.Span``, offsets into the window) of each window, in one batch."""
        if not windows:
            return []
        texts = [docs[w.source].text[w.start : w.end] for w in windows]
        # a why-question's reason may sit after a connective the reader passed over: the clauses scored too
        extra = [reason_clauses(t) for t in texts] if question.kind == REASON else None
        return self.reader.top_spans(question.text, texts, k=self.spans_per_window, extra=extra)

    def candidates(self, question: Question, windows: Sequence[ReadingWindow], docs: dict[str, Document],
                   calibrate: bool = True, spans: list[list] | None = None) -> list[Candidate]:
        """Every window's best spans (``spans`` if already read), completed, with their features and
        confidence, best first: the reader's margin ranks them (measured on news_dev and SQuAD, ranking
        by the calibrated probability instead picked fewer right answers on news). A span that only
        repeats what the question names (``qa.spans.repeats_question``) is not a candidate."""
        found = self.read(question, windows, docs) if spans is None else spans
        q_words = content_words(question.text)
        raw = []
        for w, window_spans in zip(windows, found, strict=True):
            doc = docs[w.source]
            # an answer comes from the story, not from its headline ("30 MLN DLR CONVERTIBLE BOND"): a wire
            # headline is telegraphic, and the story's lede says the same in a sentence that can be cited
            story = headline_end(doc)
            for s in window_spans:
                a, b = self.complete(question, doc.text, w.start + s.start, w.start + s.end)
                if a >= story:
                    raw.append((w, s, a, b))
        if not raw:
            return []
        q_terms = list(dict.fromkeys(question.terms or terms(question.text)))
        # a figure in the unit the question names ("what percentage", "how many barrels", "what price")
        unit = asked_unit(question.text) if question.kind == NUMBER else ""
        texts = [collapse_whitespace(docs[w.source].text[a:b]) for w, _s, a, b in raw]
        # an answer names something the question does not already name
        kept = [(x, t) for x, t in zip(raw, texts, strict=True) if not repeats_question(t, question.text)]
        if not kept:
            return []
        raw, texts = [x for x, _ in kept], [t for _, t in kept]
        out = []
        for (w, s, a, b), text in zip(raw, texts, strict=True):
            words = content_words(text)
            # other windows giving the same answer
            support = len({x for (x, *_), t in zip(raw, texts, strict=True) if x is not w and same_answer(text, t)})
            cov = self._coverage(q_terms, docs[w.source].text, a, b)
            fits = fits_kind(question.kind, text) and has_unit(text, unit)
            f = features(s.margin, s.null, cov, fits,
                         len(words & q_words) / len(words) if words else 1.0, len(text.split()), support)
            out.append(Candidate(w.source, a, b, text, 0.0, f))
        # a person titled with the role asked about for someone else ("Kesslandic Foreign Minister A" for
        # "Who is Velmora's foreign minister?") is not its holder: not an answer (``qa.spans.holds_role``)
        role = role_asked(question.text) if question.kind == PERSON else None
        titled = {(c.source, c.start, c.end): _titled(c, docs, role) for c in out} if role else {}
        other_holder = {k for k, v in titled.items() if v < 0}
        # a figure that is not the amount of money or the percentage asked for, or that cannot answer by its
        # form (no figure for "how many", "45 pct" for "how many acres", a rate for a total), is not the answer
        # (and for a number question, a level for the change asked or the level a change came from)
        levels = (level_for_change, previous_level, change_for_level) if question.kind == NUMBER else ()
        misfit = {(c.source, c.start, c.end) for c in out if (unit in STRICT_UNITS and not c.features["fits"])
                  or contradicts(question.text, question.kind, c.text)
                  or any(f(question.text, docs[c.source].text, c.start, c.end) for f in levels)
                  # a person, known as one by a title or an apposition, is no place ("Where ... heading?" -> "Finance
                  # Minister Ana Ruiz")
                  or (question.kind == PLACE and titled_person(docs[c.source].text, c.start, c.end))}
        if calibrate:
            out = [replace(c, confidence=0.0 if (c.source, c.start, c.end) in misfit | other_holder
                           else self.calibration.probability(c.features)) for c in out]
        # the reader ranks (its margin over "no answer"); the calibration only says how sure that is. A
        # figure or a date is asked for by its form: a span without one (or a figure without the unit the
        # question names: "what percentage" -> "... pct") does not come first
        strict = question.kind in (NUMBER, DATE)
        # a reason is a phrase: every why-question of the SQuAD tune half (66) has a gold of two or more
        # words, one of them lowercase; a lone name or ticker does not come first
        why = question.kind == REASON

        def off_kind(c: Candidate) -> bool:
            return ((strict and not c.features["fits"]) or (why and (not _phrase(c.text) or figures_only(c.text)))
                    or (c.source, c.start, c.end) in misfit)

        # the question's words right beside a span add to the reader's margin (``near_coverage``; the weight
        # 4 maximized the answerer's open-mode F1 on the held-out SQuAD tune articles: 55.2 -> 56.6)
        wanted = set(q_terms)
        asked = [w for w in _NEAR_WORD.findall(question.text) if stem(bare_word(w)) in wanted]

        def rank(c: Candidate) -> float:
            r = c.features["margin"] + NEAR_WEIGHT * near_coverage(asked, docs[c.source].text, c.start, c.end, self.idf)
            # another figure beside it for what the question fixes by its own ("the last 52 weeks" for "the past 13
            # weeks", "in 1986" for "in 1987", "the third quarter" for "the fourth quarter"): it answers for another
            # period (weight 4, as the near words; 2 and 4 alike. The news and seed dev sets unchanged; through
            # qa.extract, of the SQuAD questions with a digit 1 of 924 tune and 1 of 377 test changed, one lost and
            # one gained; the ordinals changed 1 of all 10,570, gained)
            r -= OTHER_FIGURE_WEIGHT * other_figure_near(question.text, docs[c.source].text, c.start, c.end)
            # a why-question's answer is what the text gives as a reason: "because" + it, "in order to ..." (the
            # weight 6 chosen on the news and seed dev sets, 603 -> 607 of 736 right; 4: 604, 8: 607; SQuAD why-
            # questions through qa.extract unchanged: test half F1 54.6 -> 54.5, tune 72.5 -> 72.5)
            return r + REASON_WEIGHT * opens_reason(docs[c.source].text, c.start, c.end) if why else r

        # (ranking the persons titled as the holder asked for first lost 2 of 52 SQuAD tune role questions)
        ranked = sorted(out, key=lambda c: (off_kind(c), (c.source, c.start, c.end) in other_holder, -rank(c)))
        if question.kind == NUMBER:  # one figure, not the clause that runs on to the next (ranked whole: the
            ranked = [_one_figure(c, docs[c.source].text, unit) for c in ranked]  # words after it are its context)
        if question.kind == PERSON:
            ranked = _fuller_name(ranked)
        return _dedupe(ranked)

    def _coverage(self, q_terms: list[str], text: str, a: int, b: int) -> float:
        """``sentence_coverage`` of the sentence(s) holding ``text[a:b]``."""
        idx = [i for i, (x, y) in enumerate(sentence_spans(text)) if x < b and y > a]
        return sentence_coverage(q_terms, text, idx[0], idx[-1], self.idf) if idx else 0.0

    @staticmethod
    def complete(question: Question, text: str, start: int, end: int) -> tuple[int, int]:
        """The reader's span made whole: edges trimmed, a number's unit and qualifier, a numbered name's
        word, a person's full name, a date's day and year."""
        a, b = trim_span(text, *whole_words(text, start, end))
        if has_figure(text[a:b]) or question.kind == NUMBER:  # digits or words: "about two" -> "about two pct"
            a, b = complete_number(text, a, b)
        if question.kind == NUMBER:  # "10 pct of ... rose to 125" for "how many cases": the figure that fits
            # (not "125 cases": 76 of 90 SQuAD tune number golds a counted noun follows leave it out)
            unit = asked_unit(question.text)  # the unit named, if any ("what profit": money; a bare 1986 is none)

            def fits(s: str) -> bool:
                return not contradicts(question.text, question.kind, s) and (not unit or has_unit(s, unit))

            a, b = fitting_figure(text, a, b, fits)
            if unit and has_figure(text[a:b]):  # "13.6 pct" of "13.6 pct lower group profit at 2.63 billion marks"
                a, b = next_fitting_figure(text, a, b, fits)
        if question.kind not in (NUMBER, DATE):  # "12" of "Article 12" for "Which article ..."
            a, b = widen_numbered_name(text, a, b, frozenset(question.terms) | frozenset(question.focus))
        # a surname alone, a name cut at an initial ("Ana B") or after its initials ("L.C." + "Ruiz Jr"): the whole name
        if question.kind == PERSON and (len(text[a:b].split()) == 1 or re.search(r"\s[A-Z]\.?\Z", text[a:b])
                                        or after_initials(text, a)):
            a, b = widen_name(text, a, b, STOPWORDS)
        elif question.kind == PERSON and starts_with_particle(text[a:b]):  # "Van Thinh" of "Tran Van Thinh" (not
            a, b = widen_name(text, a, b, STOPWORDS | _asked_words(question.text))  # the question's "European Community")
        if question.kind == DATE:  # a month its day and year, a weekday its part of the day
            a, b = complete_date(text, a, b)
        if _AGO.search(question.text) and (m := _AGO_AFTER.match(text, b)):  # "how long ago": "a year" + "ago"
            b = m.end()
        if question.kind in (ORG, ENTITY, PLACE):  # "Which committee": "Velmora Harbour Works" + "Committee"
            a, b = widen_to_noun(text, a, b, frozenset(question.focus), _which_noun(question.text))
        if question.kind in (ORG, ENTITY, PERSON, PLACE):  # "Caisse de" -> "Caisse de depot et placement du Quebec"
            a, b = finish_name(text, a, b)
        # "Harbour Works" of "Velmora Harbour Works": the whole name (a place's too, from a capital: "Velmora Bancorp" of
        # "First Velmora Bancorp" for a where-question)
        if question.kind in (ORG, ENTITY) or (question.kind == PLACE and text[a:a + 1].isupper()):
            a, b = widen_name(text, a, b, STOPWORDS | _asked_words(question.text))
        if question.kind in (ORG, ENTITY):
            a, b = widen_org(text, a, b)  # "Commerce Bank" of "Commerce Bank of Velmora Ltd"
        if question.kind not in (NUMBER, DATE, PERSON) and asks_role(question.text):  # "What post ...?": the whole
            a, b = widen_title(text, a, b)  # title before the name ("chairman" -> "managing board chairman")
        if asks_several(question.text):  # one name of a list, for a question asking several: the list
            a, b = widen_list(text, a, b, _sentence_of(text, a))
        if question.kind == REASON:  # a fragment of a "because ..." clause: the whole reason, not what follows it
            sentence = _sentence_of(text, a)
            a, b = drop_restatement(text, *complete_reason(text, a, b, sentence), question.text)
            a, b = finish_complement(text, a, b, sentence)
        return a, b

    def answer(self, question: Question, passages: list[Passage], docs: dict[str, Document]) -> Answer:
        windows = self.reading_windows(question, passages, docs)
        ranked, why = from_named_articles(question, self.candidates(question, windows, docs), docs)
        return assemble(question, ranked, docs, passages, threshold=self.calibration.threshold_for(question.kind),
                        max_alternatives=self.max_alternatives, decline_message=why)


# how a decline for names no article mentions begins (``ReaderAnswerer.answer``; the chat page shows it)
NAMES_MISSING_MESSAGE = "none of the articles it read mentions "


def from_named_articles(question: Question, ranked: list[Candidate], docs: dict[str, Document]
                        ) -> tuple[list[Candidate], str]:
    """``ranked`` with the candidates of articles that never name one of the question's names
    (``qa.spans.names_missing``) neither the answer nor an alternative: an answer from such an article is about
    something else ("What did Velmora Mills earn?" answered from a story on Kessland Steel). One that gives the
    best named answer stays a further source of it; the others keep their place last, at confidence 0. Also the
    decline message when no candidate's article names them all ("none of the articles it read mentions “Norland
    Paper”"), or ''. On the news and seed dev sets, of 1,341 answers, 15 of 90 answered unanswerable questions, 10
    of 193 wrong answers and 2 of 1,058 right ones came from such an article. Not in ``qa.extract``: a passage
    given alone may name its subject only by a pronoun."""
    missing = {src: names_missing(question.text, f"{docs[src].title}\n{docs[src].text}")
               for src in {c.source for c in ranked}}
    named = [c for c in ranked if not missing[c.source]]
    if not named:  # the decline says which names no article read mentions
        unnamed = [n for n in question_names(question.text) if all(n in m for m in missing.values())]
        why = f"{NAMES_MISSING_MESSAGE}{name_phrases(question.text, unnamed)}" if ranked and unnamed else ""
        return [replace(c, confidence=0.0) for c in ranked], why

    def same_as_best(c: Candidate) -> bool:
        return bool(missing[c.source]) and same_answer(c.text, named[0].text)

    return (named[:1] + [c for c in ranked if same_as_best(c)] + named[1:]
            + [replace(c, confidence=0.0) for c in ranked if missing[c.source] and not same_as_best(c)]), ""


_AGO = re.compile(r"\bago\b", re.I)
_AGO_AFTER = re.compile(r"[ \t]*\n?[ \t]*ago\b", re.I)


@lru_cache(maxsize=256)
def _which_noun(question: str) -> frozenset[str]:
    """The stem of the noun right after a "which" inside the question ("For which round of talks ...?" ->
    round): a noun, even lowercase, where the focus of a "what" question may be its verb. A leading "Which"
    is left out (matched case-insensitively, it widened "seven" to "seven villages" on the seed dev set)."""
    m = re.search(r"\bwhich\s+([a-z][\w\-]*)", question)
    return frozenset({stem(m.group(1))}) if m else frozenset()


@lru_cache(maxsize=256)
def _asked_words(question: str) -> frozenset[str]:
    """The question's words, lowercase: a name it already says is not part of the answer's name."""
    return frozenset(w.lower() for w in _NEAR_WORD.findall(question))


def _sentence_of(text: str, offset: int) -> tuple[int, int]:
    """The sentence of ``text`` that holds ``offset`` (the whole text if none does)."""
    return next(((a, b) for a, b in sentence_spans(text) if a <= offset < b), (0, len(text)))


def _holds_role(text: str, start: int, end: int, role) -> int:
    return holds_role(text, start, end, *role, sentence=_sentence_of(text, start))


def _titled(c: Candidate, docs: dict[str, Document], role) -> int:
    """``holds_role`` for a candidate; a name of two words or more untitled where the reader found it
    takes its title from another mention in the articles read ("Oskar Brandt" / "Velmoran Foreign
    Minister Oskar Brandt")."""
    v = _holds_role(docs[c.source].text, c.start, c.end, role)
    if v or len(c.text.split()) < 2:
        return v
    found = set()
    pattern = re.compile(r"\s+".join(map(re.escape, c.text.split())))
    for doc in docs.values():
        for m in pattern.finditer(doc.text):
            found.add(_holds_role(doc.text, m.start(), m.end(), role))
    return 1 if 1 in found else -1 if -1 in found else 0


def headline_end(doc: Document) -> int:
    r"""Where a document's headline line ends (0 if it has none): its title, when the text opens with it
    on a line of its own followed by a blank line ("ACME MAKES OFFER FOR BOLT\n\nAcme Corp said ...").

    >>> headline_end(Document("a.txt", "ACME BUYS BOLT\n\nAcme said it bought Bolt.", title="ACME BUYS BOLT"))
    14
    >>> headline_end(Document("b.txt", "Acme said\nit bought Bolt.", title="Acme said"))  # a hard-wrapped lede
    0
    """
    t = doc.title
    return len(t) if t and doc.text.startswith(t) and doc.text[len(t) : len(t) + 2].strip(" \t") == "\n\n" else 0


def _one_figure(c: Candidate, text: str, unit: str = "") -> Candidate:
    a, b = one_figure(text, c.start, c.end, unit)
    return c if (a, b) == (c.start, c.end) else replace(c, start=a, end=b, text=collapse_whitespace(text[a:b]))


def _fuller_name(ranked: list[Candidate], among: int = 5) -> list[Candidate]:
    """A surname alone first ("Amstutz", where the reader found it), and the same person by full name among
    the next ``among`` candidates ("Dan Amstutz", every word capitalized: a name, not a clause ending in it): the
    full name first, cited where it stands, as sure as the surname was (it is the same answer)."""
    if not ranked or len(ranked[0].text.split()) != 1:
        return ranked
    for c in ranked[1 : among + 1]:
        words = c.text.split()
        if len(words) >= 2 and words[-1] == ranked[0].text and c.confidence > 0 and all(w[:1].isupper() for w in words):
            return [replace(c, confidence=max(c.confidence, ranked[0].confidence)), *(x for x in ranked if x is not c)]
    return ranked


def _phrase(text: str) -> bool:
    """Two or more words, one of them lowercase: "higher fuel costs", not "Norland" or "NRL".

    >>> _phrase("because costs rose"), _phrase("NRL"), _phrase("Norland Corp")
    (True, False, False)
    """
    words = text.split()
    return len(words) >= 2 and any(w[:1].islower() for w in words)


def _dedupe(ranked: list[Candidate]) -> list[Candidate]:
    """One candidate per document span (several windows can hold the same words)."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for c in ranked:
        key = (c.source, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


__all__ = ["Answerer", "Calibration", "Candidate", "FEATURES", "ReaderAnswerer", "ReadingWindow", "assemble",
           "coverage", "features", "same_answer", "same_count", "select_windows", "sentence_coverage"]
