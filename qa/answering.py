"""The answerer stage: retrieved passages in, a short verbatim span with its sentence and citations out.

``Answerer`` is the seam (a trained reader plugs in beside ``RuleAnswerer``). The rule-based
answerer scores every sentence of the retrieved passages by how much of the question it supports
(IDF-weighted term coverage plus the passage's dense similarity), pulls candidate spans of the
kind the question asks for (a number with its unit, a date, a name, or the phrase the question
leaves open), and declines when no sentence supports enough of the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from .datatypes import Answer, Citation, Document, Passage
from .lexical import STOPWORDS, related, stem
from .question import (
    DATE,
    ENTITY,
    NUMBER,
    ORG,
    ORG_NOUNS,
    PERSON,
    PLACE,
    PLACE_NOUNS,
    REASON,
    Question,
)
from .sentences import split_sentences


class Answerer(Protocol):
    """Picks the answer to ``question`` from ``passages`` (documents give the full texts)."""

    name: str

    def answer(self, question: Question, passages: list[Passage], docs: dict[str, Document]) -> Answer: ...


_WORD = re.compile(r"[^\W_](?:[\w’'.\-]*[^\W_])?")
_NUMWORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
            r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
            r"hundred|thousand|million|billion|dozen|dozens|hundreds|thousands|millions|half|"
            r"tens of thousands|half-million|a dozen|a hundred|a thousand|a million)")
_MOD = (r"(?:more than|less than|fewer than|at least|at most|up to|over|under|nearly|almost|around|about|"
        r"approximately|roughly|some|an estimated|estimated|as many as|a total of|only|just|exceeded|exceeding)")
_NUM = re.compile(
    rf"\b(?:{_MOD}\s+)?(?:\d[\d,]*(?:\.\d+)?|{_NUMWORD}(?:[\s-]+{_NUMWORD})*)"
    rf"(?:\s*(?:%|percent|per cent))?(?:\s+(?:hundred|thousand|million|billion))?(?![\w-])",
    re.I,
)
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:\s*(?:and|-|–|to)\s*\d{{1,2}})?(?:,?\s+\d{{4}})?|"
    rf"\d{{1,2}}(?:\s*(?:and|-|–|to)\s*\d{{1,2}})?\s+{_MONTH}(?:,?\s+\d{{4}})?|"
    rf"(?:early |late |mid-)?{_MONTH}\s+\d{{4}}|"
    rf"(?:(?:last|this|next|on|early|late)\s+)?{_WEEKDAY}(?:\s+(?:morning|afternoon|evening|night))?|"
    rf"(?:1[5-9]\d\d|20\d\d)s?|"
    r"(?:yesterday|today|last (?:week|month|year)|earlier this (?:week|month|year)))\b"
)
_YEAR = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b")
_UNITS = frozenset("""kilometer kilometre km mile meter metre m percent hour day week month year minute
people civilian person soldier fighter time dollar euro""".split())
_UNITS = frozenset(stem(w) for w in _UNITS)
_GENERIC_UNITS = frozenset(stem(w) for w in "people person time number kill die".split())
_TITLES = frozenset("""president prime minister foreign defense defence interior general brigadier commander
bishop archbishop mr mrs ms dr sheikh king queen prince emir secretary spokesman spokesperson chief
lieutenant colonel major captain sergeant ambassador envoy senator governor mayor pope imam ayatollah
patriarch deputy vice former late leader chairman director head minister's president's""".split())
_TITLE_OBJECTS = frozenset("""state affairs foreign defence defense interior justice finance health staff
energy trade economy the""".split())
_CONNECT = frozenset("al el ad as ash an ar bin ibn bint de da del der van von la le of for abu the".split())
_REPORTING = frozenset("""said says stated state claimed claims announced added noted told reported
reportedly believed believes thought that has have had is was were are be been also which who""".split())
_CAUSE = re.compile(r"\b(in response to|in retaliation for|because of|because|due to|owing to|as a result of|"
                    r"in order to|aimed at|aiming to|in an attempt to|so that|to)\b", re.I)
_CLASS_NOUNS = {ORG: frozenset(w.capitalize() for w in ORG_NOUNS | {"forces", "brigades", "front", "committee"}),
                PLACE: frozenset(w.capitalize() for w in PLACE_NOUNS | {"airbase"})}
_KIND_NOUNS = {PLACE: frozenset(stem(w) for w in PLACE_NOUNS),
               ORG: frozenset(stem(w) for w in ORG_NOUNS)}
_CALENDAR = re.compile(rf"^(?:{_MONTH}|{_WEEKDAY}|January|February|March|April|June|July|August|September|"
                       r"October|November|December)$")


def _is_title(word: str) -> bool:
    """A title ("Minister") or a demonym before one ("Norwegian"): part of a name's label, not the name."""
    w = word.lower()
    return w in _TITLES or (word[:1].isupper() and w.endswith(("ian", "ish", "ese", "i")) and len(w) > 4)


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str
    stem: str


@dataclass(frozen=True)
class _Sentence:
    source: str
    start: int
    end: int
    text: str
    toks: tuple[_Tok, ...]
    hits: tuple[float, ...]  # per token: IDF weight of the question term it matches, else 0
    exact: tuple[bool, ...]  # per token: the match is the same stem, not merely a related form
    term_at: tuple[str | None, ...]  # per token: the question term it matches
    coverage: float  # share of the question's weight in the sentence (its neighbours count half)
    own: float  # share in the sentence itself
    matched: frozenset[str]
    score: float


def _unit(text: str) -> frozenset[str]:
    """What a number counts ("hostages" in "at least 40 hostages"), as stems."""
    words = re.sub(_NUM, " ", text).split()
    return frozenset(stem(w) for w in words if w.lower() not in STOPWORDS)


def _same_unit(a: str, b: str) -> bool:
    """Two numbers count the same thing, or one of them does not say what it counts."""
    ua, ub = _unit(a), _unit(b)
    return not ua or not ub or bool(ua & ub)


def _share(s: _Sentence, k0: int, k1: int) -> float:
    """Share of the question's weight carried by tokens k0..k1 of the sentence (each term once)."""
    seen = {s.term_at[n]: s.hits[n] for n in range(k0, k1) if s.hits[n]}
    return sum(seen.values())


@dataclass(frozen=True)
class _Candidate:
    source: str
    start: int  # document offsets of the span
    end: int
    text: str
    score: float
    sentence: _Sentence


@lru_cache(maxsize=65536)  # the same sentences come back question after question
def _tokens(text: str, offset: int) -> tuple[_Tok, ...]:
    out = []
    for m in _WORD.finditer(text):
        w = m.group()
        for part in re.finditer(r"[^\W_]+", w):  # "al-Sham" matches "al" and "sham"
            p = part.group()
            out.append(_Tok(offset + m.start() + part.start(), offset + m.start() + part.end(), p, stem(p)))
    return tuple(out)


def _norm(s: str) -> str:
    s = s.lower().replace("’", "'")
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    s = re.sub(r"[^\w\s]", " ", s)
    return " ".join(s.split())


_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}


def _value(text: str) -> float | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    if m:
        try:
            return float(m.group().replace(",", ""))
        except ValueError:
            return None
    for w in text.lower().split():
        if w in _NUMBER_WORDS:
            return float(_NUMBER_WORDS[w])
    return None


def same_answer(a: str, b: str) -> bool:
    """Whether two answer strings say the same thing (equal, one inside the other, an acronym,
    or the same number).

    >>> same_answer("Free Patriotic Movement (FPM)", "FPM"), same_answer("12", "at least 15")
    (True, False)
    """
    na, nb = _norm(a), _norm(b)
    if not na or not nb:
        return False
    if na == nb or f" {na} " in f" {nb} " or f" {nb} " in f" {na} ":
        return True
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return va == vb
    for x, y in ((a, b), (b, a)):
        caps = "".join(w[0] for w in re.findall(r"[A-Za-z][\w]*", x) if w[0].isupper() or w.lower() in ("al",))
        if y.isupper() and 2 <= len(y) <= 6 and y.lower() in (caps.lower(), caps.lower().replace("a", "", 1)):
            return True
    return False


class RuleAnswerer:
    """Extractive answerer from rules over sentences: no model, a few milliseconds a question.

    Args:
        idf: IDF of a stemmed term in the corpus (unseen terms get the highest).
        lowercase_vocab: words the corpus uses in lowercase; a capitalized sentence-initial word in it
            is a common word, not a name.
        name_vocab: words the corpus capitalizes in mid-sentence; a sentence-initial word outside
            it ("Meanwhile", "Despite") is not a name.
        min_support: share of the question's IDF-weighted terms the answer sentence must contain
            (neighbouring sentences and title count half); below it the answerer declines.
        known: the corpus vocabulary (stems). A name in the question that the corpus never uses
            weighs double: unlike a common word it has no paraphrase, so the corpus does not cover it.
        min_score: the answer's confidence (support + dense similarity + closeness to the
            question's words + fit to the asked kind) below which it declines.
    """

    name = "rules"

    def __init__(self, idf: Callable[[str], float], lowercase_vocab: set[str], name_vocab: set[str],
                 min_support: float = 0.5, min_score: float = 0.78, max_sentences: int = 10,
                 known: Container[str] = ()) -> None:
        self.idf = idf
        self.known = known
        self.min_score = min_score
        self.lower_vocab = lowercase_vocab
        self.name_vocab = name_vocab
        self.min_support = min_support
        self.max_sentences = max_sentences

    # --- sentences -------------------------------------------------------------------------
    @staticmethod
    @lru_cache(maxsize=4096)
    def _doc_sentences(text: str) -> tuple[tuple[int, int], ...]:
        return tuple(split_sentences(text))

    def _sentences(self, q: Question, passages: list[Passage], docs: dict[str, Document]) -> list[_Sentence]:
        weights = {t: self.idf(t) * (2.0 if t in q.names and t not in self.known else 1.0) for t in set(q.terms)}
        total = sum(weights.values()) or 1.0
        memo: dict[str, str | None] = {}

        def term_of(st: str) -> str | None:  # the question term a token stem matches, if any
            if st not in memo:
                memo[st] = st if st in weights else next((t for t in weights if related(t, st)), None)
            return memo[st]

        seen: dict[tuple[str, int], _Sentence] = {}
        for rank, p in enumerate(passages):
            doc = docs.get(p.source)
            if doc is None:
                continue
            context = {term_of(t.stem) for t in _tokens(doc.title, 0)}
            window = []  # sentences around the passage: a follow-on sentence often names the subject
            for a, b in self._doc_sentences(doc.text):
                if b > p.start - 600 and a < p.end + 300:
                    toks = _tokens(doc.text[a:b], a)
                    terms_here = [term_of(t.stem) for t in toks]
                    window.append((a, b, toks, terms_here, set(terms_here) - {None}))
            for n, (a, b, toks, terms_here, found) in enumerate(window):
                if a < p.start or b > p.end:
                    continue
                near = context.union(*(w[4] for w in window[max(0, n - 2) : n + 2] if w[0] != a)) - found - {None}
                own = sum(weights[t] for t in found) / total
                coverage = own + 0.5 * sum(weights[t] for t in near) / total
                score = coverage + 0.25 * max(p.dense, 0.0) + 0.02 / (1 + rank)
                key = (p.source, a)
                if key not in seen or seen[key].score < score:
                    hits = tuple(weights[t] / total if t else 0.0 for t in terms_here)
                    exact = tuple(t is not None and t == tok.stem for t, tok in zip(terms_here, toks, strict=False))
                    seen[key] = _Sentence(p.source, a, b, doc.text[a:b], toks, hits, exact, tuple(terms_here),
                                          coverage, own, frozenset(found), score)
        return sorted(seen.values(), key=lambda s: -s.score)

    # --- candidate spans -------------------------------------------------------------------
    @staticmethod
    def _proximity(s: _Sentence, a: int, b: int) -> float:
        """How much of the question sits close to the span: IDF-weighted, decaying with distance."""
        inside = [i for i, t in enumerate(s.toks) if a <= t.start < b]
        if not inside:
            return 0.0
        lo, hi = inside[0], inside[-1]
        best: dict[str, float] = {}  # each question term counts once, at its nearest occurrence
        for i, (w, t) in enumerate(zip(s.hits, s.term_at, strict=False)):
            if w and not lo <= i <= hi:
                d = lo - i if i < lo else i - hi
                best[t] = max(best.get(t, 0.0), w / (1.0 + (d - 1) / 3.0))
        return min(1.0, sum(best.values()))

    def _in_question(self, q: Question, toks: list[_Tok]) -> bool:
        """The span only repeats the question (its words, or the acronym of a name in it)."""
        if len(toks) == 1 and toks[0].text.isupper() and len(toks[0].text) >= 2:
            for m in re.finditer(r"(?:[A-Z][\w’'-]*\s+){1,5}[A-Z][\w’'-]*", q.text):
                if "".join(w[0] for w in m.group().split()) == toks[0].text:
                    return True
        qs = set(q.terms) | set(q.focus)
        content = [t for t in toks if t.text.lower() not in STOPWORDS]
        return bool(content) and all(t.stem in qs for t in content)

    def _numbers(self, q: Question, s: _Sentence) -> list[tuple[int, int, float]]:
        # "how many tanks": a sentence that never mentions tanks cannot say how many
        need = [f for f in q.focus if f not in _GENERIC_UNITS]
        if need and not any(related(f, t.stem) for f in need for t in s.toks):
            return []
        out = []
        qtext = q.text.lower()
        for m in _NUM.finditer(s.text):
            a, b = s.start + m.start(), s.start + m.end()
            raw = m.group()
            if _YEAR.fullmatch(raw.strip()) and "year" not in q.focus:
                continue
            before = s.text[max(0, m.start() - 12) : m.start()]
            after = s.text[m.end() : m.end() + 12]
            if re.search(rf"{_MONTH}\s*$", before) or re.match(rf"\s*{_MONTH}", after):
                continue  # part of a date
            prev = re.search(r"([A-Z][\w’'\-]*)\s+$", before)
            if prev and m.start() - len(prev.group()) > 0 and not re.match(r"(?:[A-Z][a-z]?\.?)$", prev.group(1)) \
                    and prev.group(1).lower() not in STOPWORDS:
                continue  # an identifier ("Division 7", "Resolution 242"), not a quantity
            digits = re.findall(r"\d[\d,]*", raw)
            if digits and any(d in qtext for d in digits):
                continue
            bonus = 0.0
            # the unit: following words the question names ("riot police") or a unit word
            toks_after = [t for t in s.toks if t.start >= b][:4]
            ext = b
            for t in toks_after:
                if s.text[ext - s.start : t.start - s.start].strip(" -") != "" and ext != b:
                    break
                if t.stem in q.focus or t.stem in _UNITS:
                    ext = t.end
                    bonus = min(0.4, bonus + (0.25 if t.stem in q.focus else 0.1))
                    continue
                if t.text.lower() in STOPWORDS or ext != b:
                    break
                # an adjective before the unit ("riot police" written "armed riot police")
                nxt = next((u for u in toks_after if u.start > t.start), None)
                if nxt is not None and nxt.stem in q.focus:
                    continue
                break
            if q.focus and bonus == 0.0 and not set(q.focus) <= _GENERIC_UNITS:
                bonus -= 0.15  # "how many tanks" answered by a number of something else
            out.append((a, ext, bonus))
        return out

    def _dates(self, q: Question, s: _Sentence) -> list[tuple[int, int, float]]:
        out = []
        want_year = "year" in q.text.lower()
        for m in _DATE.finditer(s.text):
            raw = m.group()
            if raw.lower() in q.text.lower():
                continue
            has_year = bool(_YEAR.search(raw))
            if want_year and not has_year:
                continue
            bonus = 0.15 if re.search(r"\d", raw) else 0.0
            out.append((s.start + m.start(), s.start + m.end(), bonus))
        return out

    def _is_name(self, t: _Tok, first_in_sentence: bool) -> bool:
        w = t.text
        if any(ch.isdigit() for ch in w) and (any(ch.isupper() for ch in w) or re.fullmatch(r"\d+(st|nd|rd|th)", w)):
            return True  # "F-16", "A1", "3rd Division"
        if not w[0].isupper():
            return False
        if w.isupper() and len(w) >= 2:
            return True
        low = w.lower()
        if low in STOPWORDS:
            return False
        if first_in_sentence and (low in self.lower_vocab or w not in self.name_vocab):
            return False
        return True

    @staticmethod
    def _appositive_label(s: _Sentence, k0: int, k1: int) -> float:
        """A title set off by commas beside the name ("Dutch Foreign Minister, Jan de Vries," or
        "Jan de Vries, Foreign Minister of the Netherlands,"): how much of the question it carries."""
        best = 0.0
        text, toks = s.text, s.toks
        for lo, _hi in ((None, k0), (k1, None)):
            if lo is None:  # segment before: back to the previous comma
                if k0 == 0 or "," not in text[toks[k0 - 1].end - s.start : toks[k0].start - s.start]:
                    continue
                j = k0 - 1
                while j > 0 and "," not in text[toks[j - 1].end - s.start : toks[j].start - s.start]:
                    j -= 1
                seg = (j, k0)
            else:
                if k1 >= len(toks) or "," not in text[toks[k1 - 1].end - s.start : toks[k1].start - s.start]:
                    continue
                j = k1 + 1
                while j < len(toks) and "," not in text[toks[j - 1].end - s.start : toks[j].start - s.start]:
                    j += 1
                seg = (k1, j)
            if seg[1] - seg[0] <= 7 and any(toks[n].text.lower() in _TITLES for n in range(*seg)):
                best = max(best, 0.1 + 0.4 * _share(s, *seg))
        return best

    def _names(self, q: Question, s: _Sentence) -> list[tuple[int, int, float]]:
        """Runs of capitalized words (with name particles such as al-, bin, of) in the sentence."""
        toks = list(s.toks)
        # glue the pieces of "F-16" and "al-Bashir" back: pieces were split on - and '
        out = []
        i = 0
        while i < len(toks):
            if not self._is_name(toks[i], i == 0):
                i += 1
                continue
            j = i + 1
            while j < len(toks):
                gap = s.text[toks[j - 1].end - s.start : toks[j].start - s.start]
                if gap not in ("", " ", "-", "’", "'") or "’s" in gap:
                    break
                if self._is_name(toks[j], False) or (gap == "-" and toks[j].text[0].isdigit()) or (
                        gap in ("’", "'") and toks[j].text not in ("s", "t")):  # "O’Brien", not "Chad’s"
                    j += 1
                elif toks[j].text.lower() in _CONNECT and j + 1 < len(toks) and self._is_name(toks[j + 1], False):
                    j += 2
                else:
                    break
            run = toks[i:j]
            # possessive: "Syria’s" ends the name before the ’s
            while run and run[-1].text.lower() == "s" and s.text[run[-1].start - s.start - 1] in "’'":
                run = run[:-1]
            # titles: "Dutch Foreign Minister Jan de Vries" -> "Jan de Vries"
            label_bonus = 0.0
            if q.kind == PERSON:
                of = next((n for n, t in enumerate(run) if t.text.lower() == "of"), None)
                if of is not None and of > 0 and run[of - 1].text.lower() in _TITLES:
                    # "Secretary of State Jane Roe": the title's object is part of the title
                    k = of + 1
                    while k < len(run) and run[k].text.lower() in _TITLES | _TITLE_OBJECTS:
                        k += 1
                    if k < len(run):
                        k0 = toks.index(run[0])
                        label_bonus = 0.1 + 0.4 * _share(s, k0, k0 + k)
                    run = run[k:]
                elif of is not None:
                    run = run[:of]  # "Bishop John Doe of Lyon" -> the person
            if q.kind == PERSON and run:
                k = max((n for n, t in enumerate(run) if t.text.lower() in _TITLES), default=-1)
                if 0 <= k < len(run) - 1:
                    # the label before the name ("Iranian Foreign Minister") says whose name it is
                    k0 = toks.index(run[0])
                    label_bonus = 0.1 + 0.4 * _share(s, k0, k0 + k + 1)
                    run = run[k + 1 :]
            while run and run[0].text.lower() in _CONNECT | {"the"}:
                run = run[1:]
            label_only = all(_CALENDAR.match(t.text) or t.text.lower() in _TITLES or
                             (q.kind == PERSON and _is_title(t.text)) for t in run)
            if run and not label_only and not self._in_question(q, run):
                a, b = run[0].start, run[-1].end
                bonus = label_bonus
                # the class noun right after the name: "Gander international airport"
                after = [t for t in toks if t.start >= b][:3]
                for t in after:
                    if t.stem in q.focus and s.text[b - s.start : t.start - s.start] in (" ", "-"):
                        b = t.end
                        bonus += 0.2
                    else:
                        break
                if any(t.stem in q.focus for t in run):
                    bonus += 0.2
                k0 = toks.index(run[0])
                k1 = k0 + len(run)
                bonus -= 0.3 * sum(1 for n in range(k0, k1) if s.hits[n] and toks[n].stem not in q.focus) / len(run)
                # a class noun just before the name: "the Malian capital Bamako", "the village of Ellis"
                lead = [t.stem for t in toks[max(0, k0 - 3) : k0] if t.text.lower() not in ("of", "the")][-1:]
                if lead and lead[0] in _KIND_NOUNS.get(q.kind, ()):
                    bonus += 0.15
                if q.kind == ENTITY and re.search(r"\b(called|named|dubbed|known as)\W*$",
                                                  s.text[max(0, a - s.start - 20) : a - s.start]):
                    bonus += 0.3  # "dubbed “Operation ...”"
                if q.kind == PERSON:
                    bonus += 0.1 * (len(run) >= 2) + max(0.0, self._appositive_label(s, k0, k1) - label_bonus)
                    if q.text.lower().startswith("whose") and k0 >= 2 and toks[k0 - 1].text == "of" and s.hits[k0 - 2]:
                        bonus += 0.3  # "whose lieutenant?" -> "a lieutenant of <name>"
                    if any(t.text in _CLASS_NOUNS[ORG] or t.text in _CLASS_NOUNS[PLACE] for t in run):
                        bonus -= 0.2  # "Popular Mobilization Forces" is not a person
                elif q.kind in _CLASS_NOUNS and any(t.text in _CLASS_NOUNS[q.kind] for t in run):
                    bonus += 0.15  # "Popular Mobilization Forces" for "which militia"
                before = s.text[max(0, a - s.start - 16) : a - s.start].lower()
                if q.kind == PLACE and re.search(r"\b(in|at|near|to|from|of|village of|town of|city of)\s+$", before):
                    bonus += 0.1
                out.append((a, b, bonus))
            i = max(j, i + 1)
        if q.plural:  # lists: "Ghent and Bruges"
            for x, y in zip(out, out[1:], strict=False):
                between = s.text[x[1] - s.start : y[0] - s.start]
                if re.fullmatch(r",?\s*(and|,)\s*", between):
                    out.append((x[0], y[1], max(x[2], y[2]) + 0.1))
        return out

    def _phrases(self, q: Question, s: _Sentence) -> list[tuple[int, int, float]]:
        """Stretches between words the question mentions (its open slot), trimmed to content words."""
        toks = s.toks
        n = len(toks)
        # only exact matches split a phrase: "withdrawal of Turkish forces" survives a question on "Turkey"
        anchors = [-1] + [i for i, e in enumerate(s.exact) if e] + [n]
        out = []
        for x in range(len(anchors) - 1):
            for y in range(x + 1, min(x + 4, len(anchors))):
                i, j = anchors[x] + 1, anchors[y]
                if j - i < 1:
                    continue
                lo, hi = toks[i].start - s.start, toks[j - 1].end - s.start
                inner = s.text[lo:hi]
                if re.search(r"[;:()\[\]—–]|\s-\s", inner):
                    continue
                run = list(toks[i:j])
                if anchors[y] == n or anchors[x] == -1:  # open-ended: stop at the clause boundary
                    cut = [m.start() + lo for m in re.finditer(r",", inner)]
                    if cut and anchors[y] == n:
                        run = [t for t in run if t.end - s.start <= cut[0]]
                    elif cut:
                        run = [t for t in run if t.start - s.start > cut[-1]]
                while run and (run[0].text.lower() in STOPWORDS or run[0].text.lower() in _REPORTING
                               or (run[0].text == "s" and s.text[run[0].start - s.start - 1] in "’'")):
                    run = run[1:]
                while run and run[-1].text.lower() in STOPWORDS | _REPORTING:
                    run = run[:-1]
                if not run or len(run) > 14:
                    continue
                k = len(run)
                inside = sum(1 for t in run if s.exact[toks.index(t)])
                commas = s.text[run[0].start - s.start : run[-1].end - s.start].count(",")
                bonus = (0.15 * (anchors[x] >= 0) + 0.15 * (anchors[y] < n) - 0.02 * max(0, k - 8)
                         - 0.08 * (k == 1) - 0.1 * inside - 0.2 * commas)
                before = s.text[: run[0].start - s.start].rstrip()
                after = s.text[run[-1].end - s.start :].lstrip()
                if before.endswith(",") and after.startswith(","):
                    bonus -= 0.1  # an aside between commas rarely answers "what did X do"
                # the open slot of "what has X vowed to do?" is the object right after the verb
                if anchors[x] >= 0 and toks[anchors[x]].text.islower() and toks.index(run[0]) - anchors[x] <= 2:
                    bonus += 0.2
                out.append((run[0].start, run[-1].end, bonus))
        return out

    @staticmethod
    def _reasons(s: _Sentence) -> list[tuple[int, int, float]]:
        """Clauses that give a cause: "in response to ...", "because ...", "to ..." (purpose)."""
        out = []
        for m in _CAUSE.finditer(s.text):
            end = re.search(r"[,;:.!?]|\s[—–-]\s|$", s.text[m.end() :])
            b = m.end() + (end.start() if end else 0)
            words = s.text[m.start() : b].split()
            if 2 <= len(words) <= 20:
                out.append((s.start + m.start(), s.start + min(b, m.start() + len(" ".join(words[:20])) + 1),
                            0.3 if m.group(1).lower() != "to" else 0.1))
        return out

    def _candidates(self, q: Question, s: _Sentence) -> list[_Candidate]:
        if q.kind == NUMBER:
            spans = self._numbers(q, s)
        elif q.kind == DATE:
            spans = self._dates(q, s)
        elif q.kind in (PERSON, PLACE, ORG, ENTITY):
            spans = self._names(q, s)
            if q.kind == ENTITY:
                spans += [(a, b, w - 0.4) for a, b, w in self._phrases(q, s)]
        elif q.kind == REASON:
            spans = self._reasons(s)
        else:
            spans = self._phrases(q, s) + [(a, b, w - 0.2) for a, b, w in self._names(q, s)]
        out = []
        for a, b, bonus in spans:
            text = s.text[a - s.start : b - s.start].strip(" ,.;:")
            if not text:
                continue
            a = s.start + s.text.index(text, a - s.start)
            score = s.score + 0.35 * self._proximity(s, a, a + len(text)) + bonus
            out.append(_Candidate(s.source, a, a + len(text), text, score, s))
        return out

    # --- the answer ------------------------------------------------------------------------
    def rank(self, q: Question, passages: list[Passage], docs: dict[str, Document]
             ) -> tuple[list[_Sentence], list[_Candidate]]:
        """The sentences that support enough of the question, and the typed answer candidates in
        them, best first (below ``min_score`` none)."""
        sentences = self._sentences(q, passages, docs)[: self.max_sentences]
        supported = [s for s in sentences if s.coverage >= self.min_support]
        cands = sorted((c for s in supported for c in self._candidates(q, s)), key=lambda c: -c.score)
        if cands and cands[0].score < self.min_score:
            cands = []
        return supported, cands

    def answer(self, question: Question, passages: list[Passage], docs: dict[str, Document]) -> Answer:
        supported, cands = self.rank(question, passages, docs)
        return self.decide(question, supported, cands, passages, docs)

    def decide(self, q: Question, supported: list[_Sentence], cands: list[_Candidate], passages: list[Passage],
               docs: dict[str, Document]) -> Answer:
        """The answer from ranked candidates: the best, the sources that agree, differing numbers."""
        if not cands:
            why = ("the articles do not seem to say: no passage supports enough of the question"
                   if not supported else f"the best passages do not contain a {q.kind} that answers it")
            return Answer(question=q.text, text="", abstained=True, passages=tuple(passages), kind=q.kind,
                          message=why)
        best = cands[0]
        agreeing = [best]
        others: list[_Candidate] = []
        for c in cands[1:]:
            if c.source == best.source or c.score < best.score - 0.35:
                continue
            if same_answer(c.text, best.text):
                if all(x.source != c.source for x in agreeing):
                    agreeing.append(c)
            elif (q.kind in (NUMBER, DATE) and c.sentence.coverage >= max(self.min_support, 0.8 * best.sentence.coverage)
                  and _same_unit(c.text, best.text)
                  and all(x.source != c.source and not same_answer(x.text, c.text) for x in others + agreeing)):
                others.append(c)
        main = self._to_answer(q, best, agreeing, docs, passages)
        alts = tuple(self._to_answer(q, c, [c], docs, ()) for c in others[:3])
        return replace(main, alternatives=alts)

    @staticmethod
    def _to_answer(q: Question, c: _Candidate, support: list[_Candidate], docs: dict[str, Document],
                   passages) -> Answer:
        cites = []
        for x in support:
            d = docs[x.source]
            s = x.sentence
            cites.append(Citation(source=x.source, title=d.title, date=d.date, start=s.start, end=s.end, quote=s.text))
        return Answer(question=q.text, text=c.text, abstained=False, quote=c.sentence.text, citations=tuple(cites),
                      passages=tuple(passages), score=round(c.score, 4), start=c.start, end=c.end, kind=q.kind)


__all__ = ["Answerer", "RuleAnswerer", "same_answer"]
