"""Hand rules that repair an answer span given as character offsets into an article's text.

A reader trained on SQuAD (Wikipedia) often returns incomplete spans on news: a bare number without
its unit ("35" of "35 mln dlrs"), a surname without the rest of the name, stray punctuation at an edge ("(Reuters"),
or a span that crosses a hard line break of wire copy. Each rule is a pure function named after the
class of cases it handles; it returns new ``(start, end)`` offsets inside the text, or the input
offsets unchanged when it does not apply.

Word lists here are generic English (units, currencies, magnitudes, qualifiers, titles), never names
from any corpus.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from .text import STOPWORDS, bare_word, content_words, sentence_spans, stem

# --- word lists -----------------------------------------------------------------------------------
_SMALL = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen twenty").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
# a number written out: "seven", "twenty-five", "dozen", "hundreds"
_NUMBER_WORD = (rf"(?:(?:{'|'.join(_TENS)})(?:-(?:{'|'.join(_SMALL[:9])}))?|{'|'.join(_SMALL)}"
                r"|dozens?|hundreds?|thousands?)")
_DIGITS = r"\d+(?:[.,]\d+)*"
# magnitudes scale a number but are not what it counts
_MILLIONS_WORDS = r"mln|mn|million|millions|bln|bn|billion|billions|trillion|trillions"
_MAGNITUDE = rf"(?:{_MILLIONS_WORDS}|thousand|thousands|hundred|hundreds|dozen|dozens)"
# a percent is a unit of its own: nothing else is added after it but a rate ("5 pct a year")
_PERCENT = r"(?:%|\b(?:pct|percent|per\s+cent|percentage\s+points?)\b)"
_CURRENCY_WORDS = """dlrs dlr dollars dollar cts ct yen francs franc crowns crown marks pounds stg sterling lire lira pesos peso
rupees rupee euros euro cents cent guilders guilder rand riyals riyal dinars dinar shekels shekel yuan
renminbi ringgit baht rupiah kronor krona kroner krone schillings schilling drachmas drachma escudos escudo
pesetas peseta roubles rouble rubles ruble zlotys zloty forints forint naira ecus ecu sdrs sdr pence penny""".split()
_MEASURE_WORDS = """barrels barrel bpd tonnes tonne tons ton ounces ounce oz bushels bushel lbs kg kilos kilograms
kilogrammes grams litres liters gallons gallon shares points km kilometres kilometers kilometre kilometer
miles mile metres meters metre meter feet foot inches inch acres acre hectares hectare bags bag bales bale sacks sack
megawatts megawatt mw kilowatts kw volts degrees people persons years months weeks days hours minutes
seconds""".split()
# a currency may be named by its country: "50 mln U.S. dlrs", "3 bln Canadian dollars"
_NATIONALITY = (r"(?:U\.S\.|US|H\.K\.|N\.Z\.|Canadian|Australian|New\s+Zealand|Hong\s+Kong|Singapore|Swiss|French|Belgian|"
                r"Deutsche|Danish|Swedish|Norwegian|Mexican)")
_RATE_WORDS = ("barrel share tonne ton ounce pound lb kilo kg litre liter gallon bushel head person capita year "
               "month week day hour unit").split()
_SIGN = r"(?:[A-Z]{0,3}\$|U\.S\.\s?\$|£|€|¥|₹)"
_CODE = r"(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|DM|Rs\.?|Stg)"
_QUALIFIERS = ("no more than|not more than|no less than|not less than|no fewer than|not fewer than|"
               "more than|less than|fewer than|at least|at most|up to|as many as|as much as|as few as|"
               "as little as|upwards of|close to|just over|just under|well over|well under|over|under|nearly|"
               "almost|about|around|some|roughly|approximately|a record|an estimated")

_I = re.IGNORECASE
_GAP = r"[ \t\u00a0]*(?:\r?\n[ \t\u00a0]*)?"  # spaces, at most one line break: never a blank line
# one unit, though it may take two words: "U.S. dlrs", "square miles"
_UNIT = (rf"(?:(?:{_NATIONALITY}{_GAP})?(?:(?:square|sq\.?|cubic){_GAP})?"
         rf"(?:{'|'.join(_CURRENCY_WORDS + _MEASURE_WORDS)}))\b")
_FIGURE = re.compile(_DIGITS)
_YEAR = re.compile(r"(?<![\d.,])(?:1[5-9]\d\d|20\d\d)\Z")
_NUMBER_RE = re.compile(rf"\d|\b{_NUMBER_WORD}\b", _I)
_ENDS_NUMBER = re.compile(rf"(?:{_DIGITS}|\b{_NUMBER_WORD}|\b{_MAGNITUDE})\Z", _I)
_STARTS_NUMBER = re.compile(rf"(?:{_DIGITS}|{_NUMBER_WORD}\b)", _I)
_HAS_UNIT = re.compile(rf"{_PERCENT}|\b{_UNIT}|{_SIGN}|\b{_CODE}\b", _I)
_ATTACHED = re.compile(r"(?:(mn|bn|tn|m|b|k)\b|[^\W\d_]+)")
_NEXT_MAGNITUDE = re.compile(rf"{_GAP}{_MAGNITUDE}\b", _I)
_HYPHEN_PERCENT = re.compile(r"-(?:pct|percent|per-cent)\b", _I)  # "a 40-pct-owned unit", "a 10-percent stake"
_NEXT_PERCENT = re.compile(rf"{_GAP}(?:%|(?:pct|percent|per{_GAP}cent|percentage{_GAP}points?)\b)", _I)
# one unit, maybe sized by a hyphenated figure: "210,000 60-kg bags"
_NEXT_UNIT = re.compile(rf"{_GAP}(?:\d[\d.,]*-[^\W\d_]+{_GAP})?{_UNIT}", _I)
# a unit joined to its figure as an adjective: "a 4,500-hectare farm", "a 250-mln-dlr loan"
_HYPHEN_UNIT = re.compile(rf"(?:-{_MAGNITUDE})?-{_UNIT}", _I)
_JOINED_UNIT = re.compile(rf"(?<=\d){_HYPHEN_UNIT.pattern}", _I)
# "a share", "per day"; not "a year earlier", which dates the figure
_NEXT_RATE = re.compile(rf"{_GAP}(?:a|an|per|each){_GAP}(?:{'|'.join(_RATE_WORDS)})\b"
                        rf"(?!{_GAP}(?:earlier|ago|before|after|later|previously)\b)", _I)
# an exchange rate's other currency: "155 yen to the dollar"
_TO_THE_CURRENCY = re.compile(rf"{_GAP}to{_GAP}the{_GAP}(?:dollar|pound|yen|mark|franc|euro|lira|peso|rouble|ruble|"
                              rf"rupee|crown|krona|guilder|sterling)\b", _I)
_PERCENT_IN = re.compile(_PERCENT, _I)
_CURRENCY_END = re.compile(rf"\b(?:{'|'.join(_CURRENCY_WORDS)})\Z", _I)
_NEXT_NATIONALITY = re.compile(rf"{_GAP}{_NATIONALITY}(?![\w.])(?!{_GAP}[A-Z])")
_PREV_SIGN = re.compile(rf"(?<![\w$]){_SIGN}[ \t]?\Z|(?<!\w){_CODE}[ \t]\Z")
_STARTS_SCALE = re.compile(rf"(?:{_MAGNITUDE}|{_UNIT})\b|{_PERCENT}", _I)
_FIGURE_BEFORE = re.compile(rf"(?<![\w.,])(?:{_DIGITS}|{_NUMBER_WORD})[ \t]*\n?[ \t]*\Z", _I)
_ENDS_UNIT = re.compile(rf"\d[\d.,]*(?:{_GAP}{_MAGNITUDE})?{_GAP}{_UNIT}\Z", _I)
_FRACTION = re.compile(r"\d+/\d+\b")
_WHOLE_BEFORE = re.compile(r"(?<![\d.,/])\d+-\Z")
_FRACTION_AFTER = re.compile(r"-\d+/\d+\b")
_COMPARATIVE = re.compile(r"(?:more|less|fewer)\s+than\b", _I)
# "the next four years"; not "last", "following", "first": SQuAD tune golds leave them out ("380 years")
_PREV_PERIOD = re.compile(rf"(?<![\w-])(?:the{_GAP})?(?:next|past|coming){_GAP}\Z", _I)
_ENDS_TIME_UNIT = re.compile(r"\b(?:years?|months?|weeks?|days?|hours?|decades?|quarters?)\Z", _I)
_PREV_NEGATION = re.compile(rf"(?<![\w-])(?:no|not){_GAP}\Z", _I)
_RANGE_REST = re.compile(rf"{_GAP}(or|to|and|-|–){_GAP}(?:{_DIGITS}|{_NUMBER_WORD})\b(?!-)", _I)
_RANGE_OPEN = re.compile(rf"\bbetween{_GAP}(?:{_DIGITS}|{_NUMBER_WORD})\Z", _I)
_PREV_BETWEEN = re.compile(rf"(?<!\w)between{_GAP}\Z", _I)
_PREV_FROM = re.compile(r"\bfrom\s*\Z", _I)
_UNIT_NEXT = re.compile(rf"{_GAP}(?:{_MAGNITUDE}\b|{_PERCENT}|{_UNIT})", _I)
_PREV_QUALIFIER = re.compile(rf"(?<![\w-])(?:{_QUALIFIERS}){_GAP}\Z", _I)


def _clamp(text: str, start: int, end: int) -> tuple[int, int]:
    start = max(0, min(start, len(text)))
    return start, max(start, min(end, len(text)))


# --- numbers --------------------------------------------------------------------------------------
def complete_number(text: str, start: int, end: int, *, qualifiers: bool = True) -> tuple[int, int]:
    """Complete a number with its unit and qualifier.

    A span ending in a number (or magnitude word) grows rightwards over magnitudes ("mln"), a percent
    or at most one unit word ("dlrs", "tonnes") and a rate ("a barrel"); a span starting with a number
    grows leftwards over a currency sign ("$") and then a qualifier ("more than"). Single line breaks
    are crossed, blank lines and sentence ends never; a span with no number does not grow on the right,
    and one that already names its unit grows only by a rate ("35 dlr" -> "35 dlr per share").

    >>> t = "Profit rose to about 35 mln\\ndlrs from 25 mln dlrs."
    >>> a, b = complete_number(t, 21, 23); t[a:b]
    'about 35 mln\\ndlrs'
    >>> t = "Controls go over the next four years."
    >>> a, b = complete_number(t, t.index("four"), t.index(" years")); t[a:b]
    'the next four years'
    >>> t = "The yen rose to about 155 to the dollar in April."
    >>> a, b = complete_number(t, 22, 25); t[a:b]
    'about 155 to the dollar'
    >>> t = "raised to 50 billion H.K. Dlrs from 30 billion."
    >>> a, b = complete_number(t, t.index("50"), t.index(".K.")); t[a:b]
    '50 billion H.K. Dlrs'
    >>> t = "a 2.6 billion dlr\\nCanadian (1.9 billion U.S.) bid"
    >>> a, b = complete_number(t, 2, 5); t[a:b]
    '2.6 billion dlr\\nCanadian'
    """
    start, end = _clamp(text, start, end)
    # a span that starts at the magnitude or the unit of a figure ("mln dlrs" of "603.0 mln dlrs"): the figure
    if _STARTS_SCALE.match(text, start, end) and (m := _FIGURE_BEFORE.search(text, max(0, start - 40), start)):
        start = m.start()
    if not _NUMBER_RE.search(text[start:end]):
        return start, end
    a, b = start, end
    # a span that cuts a figure ("000" of "86,000") first takes the whole figure
    for m in _FIGURE.finditer(text, max(0, a - 30), min(len(text), b + 30)):
        if m.start() < a < m.end():
            a = m.start()
        if m.start() < b < m.end():
            b = m.end()
    # a span cut inside an abbreviation after its figure ("50 billion H" of "50 billion H.K. Dlrs"): back to the
    # figure, whose unit the steps below take whole
    if b > a and re.search(r"(?:\s|\A)[A-Z]\Z", text[max(a, b - 2):b]) and re.match(r"\.[A-Z]\.", text[b:b + 3]):
        b -= 1
        while b > a and text[b - 1].isspace():
            b -= 1
    # a fraction of old wire copy's prices is one figure with its whole number: "17-1/4", "5-1/8 pct"
    if (m := _WHOLE_BEFORE.search(text, max(0, a - 8), a)) and _FRACTION.match(text, a):
        a = m.start()
    if (m := _FRACTION_AFTER.match(text, b)) and text[b - 1 : b].isdigit():
        b = m.end()
    if a > 0 and text[a].isdigit() and text[a - 1].isalpha():  # a figure inside a code or name: "A320"
        return a, b
    span, grown = text[a:b], False
    if _ENDS_NUMBER.search(span) and not _HAS_UNIT.search(span):
        a, b = _whole_range(text, a, b)
        span = text[a:b]
    if _ENDS_NUMBER.search(span) and not _HAS_UNIT.search(span):
        if text[b - 1].isdigit() and (m := _ATTACHED.match(text, b)):  # "34m", "5km", "1990s"
            b, grown = m.end(), True
            if not m.group(1):
                return a, b
        year = _YEAR.search(span)  # "in 2019 people voted": a year takes no unit
        while m := _NEXT_MAGNITUDE.match(text, b):
            b, year = m.end(), None
        if m := (_HYPHEN_PERCENT.match(text, b) or _HYPHEN_UNIT.match(text, b) or _NEXT_PERCENT.match(text, b)
                 or (not year and _NEXT_UNIT.match(text, b))):
            b, grown = m.end(), True
    if _STARTS_NUMBER.match(text, a) and (m := _PREV_SIGN.search(text, max(0, a - 12), a)):
        a, grown = m.start(), True
    if grown and _CURRENCY_END.search(text[a:b]) and (m := _NEXT_NATIONALITY.match(text, b)):
        b = m.end()  # the currency's country after it: "2.6 billion dlr Canadian", not "dlrs Canadian Norland Mills"
    if (grown or _ENDS_UNIT.search(text, a, b)) and (m := _NEXT_RATE.match(text, b)):
        b = m.end()  # "35 dlr per share" also when the span already held "35 dlr"
    elif not _PERCENT_IN.search(text, a, b) and (m := _TO_THE_CURRENCY.match(text, b)):
        b = m.end()  # an exchange rate: "155 to the dollar", "1.65 marks to the dollar"
    if qualifiers and (_STARTS_NUMBER.match(text, a) or re.match(_SIGN, text[a:b])) and (
            m := _PREV_QUALIFIER.search(text, max(0, a - 40), a)):
        a = m.start()
    elif qualifiers and _COMPARATIVE.match(text, a) and (m := _PREV_NEGATION.search(text, max(0, a - 8), a)):
        a = m.start()  # "more than 35 cents" of "no more than 35 cents" says the opposite
    if (m := _PREV_PERIOD.search(text, max(0, a - 20), a)) and _ENDS_TIME_UNIT.search(text, a, b):
        a = m.start()  # a span of time says which one: "the next four years", "the past two weeks"
    return a, b


# where a figure's clause runs on to another figure: a comma or semicolon, a comparison ("14 pct from 12,310",
# "a loss of 84.2 mln dlrs on revenues of 1.9 billion", "7.7 billion after 6.6 billion"; 1 of 551 SQuAD tune number
# golds holds one), or "and" opening a new clause ("50 mln dlrs to develop and the company plans to spend 100 mln";
# not a range or a list of figures: "between 100 and 150", "12 and about 15")
_FIGURE_BREAK = re.compile(r"[,;](?=\s)|\s(?:from|on|against|compared\s+with|versus|vs\.?|after)(?=\s)|"
                           r"\sand(?=\s+(?![\d$£€¥]|(?:about|some|nearly|almost|over|under|up\s+to)\s)[^\W\d_])", _I)


def _whole_range(text: str, a: int, b: int) -> tuple[int, int]:
    """The first figure of a range (``text[a:b]``, no unit) with the rest of it, when the unit follows the second:
    "15 |or 20 years|", "between |three and five billion dlrs|" (not "15 or 20" alone: no unit then says they count
    one thing; not "from 5 to 7 mln tonnes", a change; not "3 and 4 pct" without "between", two figures)."""
    m = _RANGE_REST.match(text, b)
    if not m or not _UNIT_NEXT.match(text, m.end()):
        return a, b
    joiner = m.group(1).lower()
    if joiner == "to" and _PREV_FROM.search(text, max(0, a - 8), a):
        return a, b
    if joiner == "and":
        if not (p := _PREV_BETWEEN.search(text, max(0, a - 12), a)):
            return a, b
        a = p.start()
    return a, m.end()


def one_figure(text: str, start: int, end: int, unit: str = "") -> tuple[int, int]:
    """A figure span cut before a comma, semicolon or comparison ("from", "on", "against", "compared with")
    after which another figure follows: the answer to "how many" is one figure, not the clause that goes on
    to the next ("12, including two medics, and wounded 23" -> "12"; "14 pct from 12,310" -> "14 pct").
    Digit groups ("1,200") and spans with one figure are left whole. Given the ``unit`` the question names
    (an ``asked_unit`` key), the figure kept is the first one in that unit ("rose to 9,312, up 4.6 pct" ->
    "4.6 pct" for "by what percentage").

    >>> t = "The strike killed 12, including two medics, and wounded 23."
    >>> a, b = one_figure(t, 18, 58); t[a:b]
    '12'
    >>> t = "Failures rose to 9,312, an increase of 4.6 pct, it said."
    >>> a, b = one_figure(t, t.index("9,312"), t.index(", it said"), "percent"); t[a:b]
    '4.6 pct'
    """
    span = text[start:end]
    for m in _FIGURE_BREAK.finditer(span):
        head, rest = span[: m.start()], span[m.end() :]
        if m.group().strip().lower() == "and" and _RANGE_OPEN.search(text[max(0, start - 12) : start] + head):
            # "(between) three and five billion dlrs": a range, one answer
            continue
        if _NUMBER_RE.search(head) and _NUMBER_RE.search(rest):
            if unit and not has_unit(head, unit):
                for f in _FIGURE.finditer(text, start + m.end(), end):
                    a, b = complete_number(text, f.start(), f.end())
                    if b <= end and has_unit(text[a:b], unit):
                        return a, b
            return start, start + len(head.rstrip())
    return start, end


def fitting_figure(text: str, start: int, end: int, fits) -> tuple[int, int]:
    """A span running over several figures, none of which ``fits`` it as a whole: the first figure of it
    (completed by ``complete_number``) that ``fits``, else the span unchanged. ``fits`` is a test of a
    span's text ("not ``contradicts`` the question"): for "how many cases", "10 pct of actions ... rose to
    125" gives "125", not a percentage.

    >>> t = "Claims were 8 pct of the total but rose to 310 cases."
    >>> a, b = fitting_figure(t, t.index("8 pct"), t.index(" cases"), lambda s: "pct" not in s); t[a:b]
    '310'
    >>> t = "It rose to 310 cases."
    >>> fitting_figure(t, t.index("310"), t.index(" cases"), lambda s: False) == (t.index("310"), t.index(" cases"))
    True
    """
    figures = list(_FIGURE.finditer(text, start, end))
    if len(figures) < 2 or fits(text[start:end]):
        return start, end
    for f in figures:
        a, b = complete_number(text, f.start(), f.end())
        if a >= start and fits(text[a:b]):
            return a, b
    return start, end


_CLAUSE_BREAK = re.compile(r"[;:!?]|\.(?!\d)(?<!\b[A-Z]\.)|,\s|\n[ \t]*\n")


def next_fitting_figure(text: str, start: int, end: int, fits, max_words: int = 12) -> tuple[int, int]:
    """A figure that does not ``fit`` (a percentage for "what was the profit") followed in its clause by one
    that does: that one ("13.6 pct lower 1986 group profit at 2.63 billion marks" -> "2.63 billion marks").
    The reader found where the answer is; the unit asked says which figure of the phrase it is. Only the words
    up to the next comma, semicolon or sentence end, at most ``max_words``, are read; else the span unchanged.

    >>> t = "Velmora reported 13.6 pct lower 1986 group profit at 2.63 billion marks, it said."
    >>> a, b = next_fitting_figure(t, t.index("13.6"), t.index(" lower"), lambda s: "marks" in s); t[a:b]
    '2.63 billion marks'
    >>> t = "Profit fell 13.6 pct, and sales rose to 2.6 billion marks."
    >>> next_fitting_figure(t, t.index("13.6"), t.index(", and"), lambda s: "marks" in s) == (t.index("13.6"), t.index(", and"))
    True
    """
    if fits(text[start:end]):
        return start, end
    stop = _CLAUSE_BREAK.search(text, end)
    limit = stop.start() if stop else len(text)
    words = text[end:limit].split()
    if len(words) > max_words:
        limit = end + text[end:limit].index(words[max_words - 1]) + len(words[max_words - 1])
    for f in _FIGURE.finditer(text, end, limit):
        a, b = complete_number(text, f.start(), f.end())
        if a >= end and fits(text[a:b]):
            return a, b
    return start, end


# --- names ----------------------------------------------------------------------------------------
_PARTICLES = frozenset("al el bin bint ibn de da di du del della der den van von la le dos das do y ter ten zu".split())
_TITLES = frozenset("""mr. mrs. ms. dr. gen. sen. rep. gov. lt. col. capt. sgt. prof. rev. maj. adm. cmdr. cpl. pvt.
insp. supt. det. fr. hon. pres.""".split())
# capitalized at a sentence start but never the first word of a name
_OPENERS = frozenset("""the a an and but or so yet if when while as at in on of for to by with from after before since
during until although though because however meanwhile also then there here this that these those it its he she
we they his her their our my your yesterday today tomorrow tonight earlier later last next monday tuesday wednesday
thursday friday saturday sunday""".split())
_WORD = r"[^\s]+"
_NAME_CORE = re.compile(r"[^\W\d_][\w’'\-]*\Z")
_PARTICLE_NAME = re.compile(rf"(?:{'|'.join(sorted(_PARTICLES))})[-’'][^\W\d_][\w’'\-]*\Z")
_INITIAL = re.compile(r"(?:[A-Z]\.)+\Z")  # "F.", "E.M."
_PREV_WORD = re.compile(rf"(?<![^\s<])([^\s<]\S*)({_GAP})\Z")  # "<Name Ltd>": wire copy marks companies
_NEXT_WORD = re.compile(rf"({_GAP})({_WORD})")
_SENTENCE_END = re.compile(r"(?:\A|[.!?][\"'”’)]*|\n[ \t]*\n)[ \t\n]*\Z")
_ENDS_NAME = frozenset("corp. inc. ltd. co. cos. bros. plc. jr. sr.".split())
_POSSESSIVE = re.compile(r"[’']s?\Z")
_AFTER_NAME = ",;:.!?\"')”’]"


def _prev_word(text: str, end: int) -> re.Match | None:
    """The whole word before ``end`` and the gap (spaces, at most one line break) after it."""
    m = _PREV_WORD.search(text, max(0, end - 80), end)
    return m if m and m.group(2) else None


def _is_name_word(w: str) -> bool:
    """A capitalized word ("Nwosu", "O'Hara", "Secretary-General") or a prefixed name ("al-Rumaihi")."""
    if w[:1].isupper():
        return bool(_NAME_CORE.match(w))
    return bool(_PARTICLE_NAME.match(w)) and re.split(r"[-’']", w, maxsplit=1)[1][:1].isupper()


def _leads_name(w: str) -> bool:
    """A word with a period that comes before a name: an initial ("F.") or a title ("Dr.")."""
    return bool(_INITIAL.match(w)) or w.lower() in _TITLES


def starts_with_particle(span: str) -> bool:
    """Whether a name span begins with a name particle ("van Horick", "bin Farhan", "Van Thinh"): its first
    words may lie before it.

    >>> starts_with_particle("Van Thinh"), starts_with_particle("Ana Ruiz"), starts_with_particle("de")
    (True, False, False)
    """
    words = span.split()
    return len(words) >= 2 and words[0].lower() in _PARTICLES and words[1][:1].isupper()


def after_initials(text: str, start: int) -> bool:
    """Whether the word before ``start`` is an initial or initials ("L.C." of "L.C. Ruiz Jr."): the name
    was cut from its first part.

    >>> t = "said L.C. Ruiz Jr., its treasurer"
    >>> after_initials(t, t.index("Ruiz")), after_initials(t, t.index("L.C."))
    (True, False)
    """
    m = _prev_word(text, start)
    return bool(m and _INITIAL.match(m.group(1)))


def _headline_edge(gap: str, word: str, neighbour: str) -> bool:
    """Whether a line break parts an all-capitals line from a mixed-case one (a headline from its story)."""
    def caps(w: str) -> bool:
        letters = [c for c in w if c.isalpha()]
        return len(letters) > 1 and all(c.isupper() for c in letters)

    return "\n" in gap and caps(word) != caps(neighbour)


def acronym(span: str) -> str:
    """The initials of a name's capitalized words, a particle's word by the part after its hyphen
    (``''`` for fewer than two): what a news report abbreviates the name to.

    >>> acronym("Jabhat Nur al-Wadi"), acronym("Northern Defence Forces"), acronym("the rebels")
    ('JNW', 'NDF', '')
    """
    letters = []
    for word in span.split():
        part = word.split("-")[-1] if "-" in word and word[:1].islower() else word
        if part[:1].isupper():
            letters.append(part[0])
    return "".join(letters) if len(letters) >= 2 else ""


_EXPANSION_Q = re.compile(r"\b(stands?|stood|short|abbreviat\w*|acronym|full name|spelled out)\b", re.I)


def repeats_question(span: str, question: str) -> bool:
    """Whether ``span`` only repeats what the question already names: all its content words are in
    the question, the question holds its acronym ("Jabhat Nur al-Wadi", "Velmoran-led Northern
    Defence Forces" for "Who leads the NDF?"), or it is the acronym of a name the question spells out
    ("NDF" for "Where did the Northern Defence Forces gather?"), unless the question asks what an
    acronym stands for.

    >>> repeats_question("Jabhat Nur al-Wadi", "Who leads JNW?"), repeats_question("the rebels", "Who are the rebels?")
    (True, True)
    >>> repeats_question("Velmoran-led Northern Defence Forces", "Who leads the NDF?")
    True
    >>> repeats_question("Abu Karim al-Haddadi", "Who leads JNW?"), repeats_question("Northern Defence Forces", "What does NDF stand for?")
    (False, False)
    >>> repeats_question("NDF", "Where did the Northern Defence Forces gather?"), repeats_question("UN", "Where did the NDF gather?")
    (True, False)
    >>> repeats_question("Velmora Mills Inc", "Which Velmora Mills unit made the offer?")
    True
    """
    words = content_words(span)
    if words and words <= content_words(question):
        return True
    # "Boeing Co" for "Which Boeing subsidiary ...?": the company the question names, with its designator
    bare_name = _DESIGNATOR.sub(" ", span)
    if bare_name != span and (named := content_words(bare_name)) and named <= content_words(question) \
            and not _ASKS_A_NAME.search(question):
        return True
    if _EXPANSION_Q.search(question):
        return False
    bare = span.strip(" .,;:()[]\"'")
    if re.fullmatch(r"[A-Z]{2,6}", bare):  # "NRA" for a question about the Norland Rice Accord
        return any(acronym(m.group()) == bare for m in _CAPITALIZED_RUN.finditer(question))
    short = acronym(span)
    return bool(short) and any(short.endswith(a) for a in re.findall(r"\b[A-Z]{2,}\b", question))


# a question asking what a company is called is answered by its name ("What was Ardel Mills renamed?" ->
# "Ardel Mills Inc")
_ASKS_A_NAME = re.compile(r"\b(?:re)?nam(?:e|es|ed|ing)\b|\bcalled\b|\bknown\s+as\b", _I)
# the words that say a name is a company's ("Co", "Inc"; not "co-" of "co-NP")
_DESIGNATOR = re.compile(r"(?<![\w\-])(?:Co|Corp|Corporation|Inc|Incorporated|Ltd|Limited|Plc|PLC|AG|SA|NV|BV|GmbH|LLC|SpA)"
                         r"\b\.?(?!-)")
_CAPITALIZED_RUN = re.compile(r"[A-Z][\w’'\-]*(?:\s+(?:(?:of|and|for|on|the|&)\s+)*[A-Z][\w’'\-]*)+")


_NUMBERED = re.compile(r"(?:\d[\w.\-]*|[IVXLC]+)\Z")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)\Z")


def widen_numbered_name(text: str, start: int, end: int, asked: frozenset[str]) -> tuple[int, int]:
    """A bare number that is part of a name takes the name's word when the question names that word:
    "12" of "Article 12" for "Which article ...", "17" of "Apollo 17" for "Which Apollo mission ...",
    "46th" of "46th Brigade" for "Which brigade ...". ``asked``: the question's stemmed terms.

    >>> t = "The letter cites Article 12 of the charter; the 46th Brigade held the pass."
    >>> a, b = widen_numbered_name(t, 25, 27, frozenset({"articl"})); t[a:b]
    'Article 12'
    >>> a, b = widen_numbered_name(t, 48, 52, frozenset({"brigad"})); t[a:b]
    '46th Brigade'
    >>> widen_numbered_name(t, 25, 27, frozenset({"letter"}))  # "letter" is not the word beside it
    (25, 27)
    """
    span = text[start:end]
    if not _NUMBERED.match(span):
        return start, end
    if m := re.search(r"(?<![\w.])([A-Z][a-z]+)[ \t]\Z", text[max(0, start - 30) : start]):
        if stem(m.group(1).lower()) in asked:
            return start - len(m.group(0)), end
    if _ORDINAL.match(span) and (m := re.match(r"[ \t]([A-Z][a-z]+)\b", text[end : end + 30])):
        if stem(m.group(1).lower()) in asked:
            return start, end + m.end()
    return start, end


def widen_name(text: str, start: int, end: int, stopwords=frozenset(), max_words: int = 6) -> tuple[int, int]:
    """Widen a surname to the full name: the run of capitalized words around a capitalized span.

    Crosses name particles between capitalized words ("bin", "van der"), initials and titles ("F.",
    "Dr."), and single line breaks; stops at punctuation, sentence ends, blank lines, a word in
    ``stopwords`` (lowercase), and a common sentence opener ("But", "Yesterday") at a sentence start.

    >>> t = "said Bishop Amara Nwosu of the northern diocese."
    >>> a, b = widen_name(t, 18, 23); t[a:b]
    'Bishop Amara Nwosu'
    >>> t = "its chairman, Ana B. Ruiz Jr, said"
    >>> a, b = widen_name(t, 14, 19); t[a:b]
    'Ana B. Ruiz Jr'
    """
    start, end = _clamp(text, start, end)
    words = text[start:end].split()
    if not words or not _is_name_word(words[0].rstrip(_AFTER_NAME)):
        return start, end
    a, b = start, end
    # leftwards: whole words only, a particle only with a name word before it
    taken = 0
    while taken < max_words and (m := _prev_word(text, a)):
        w = m.group(1)
        if w.lower() in stopwords or _POSSESSIVE.search(w) or _headline_edge(m.group(2), w, text[a:b].split()[0]):
            break
        if _is_name_word(w) or _leads_name(w):
            if w.lower() in _OPENERS and _SENTENCE_END.search(text, max(0, m.start() - 8), m.start()):
                break
            a, taken = m.start(), taken + 1
            continue
        if w.lower() in _PARTICLES or w == "&":  # only with a name word before it: "Osama bin", "van der"
            p = _prev_word(text, m.start())
            if p and p.group(1).lower() in _PARTICLES:
                p = _prev_word(text, p.start())
            if p and _is_name_word(p.group(1)) and p.group(1).lower() not in stopwords:
                a, taken = m.start(), taken + 1
                continue
        break
    # rightwards: only from a span that ends in a name word; a particle or initial only before a name word
    last = words[-1]
    if not (_is_name_word(last) or _leads_name(last)):
        return a, b
    if re.fullmatch(r"[A-Z]", last) and text[b : b + 1] == ".":  # an initial cut from its period: "Ana B"
        b += 1
    taken = 0
    while taken < max_words and (m := _NEXT_WORD.match(text, b)) and m.group(1):
        w = m.group(2)
        core = _POSSESSIVE.sub("", w.rstrip(_AFTER_NAME))
        if not core or core.lower() in stopwords or _headline_edge(m.group(1), core, text[a:b].split()[-1]):
            break
        if w.lower() in _PARTICLES or w == "&" or _leads_name(w):  # only before a name word: "van der Berg"
            n = _NEXT_WORD.match(text, m.end())
            if n and n.group(1) and n.group(2).lower() in _PARTICLES:
                n = _NEXT_WORD.match(text, n.end())
            if n and n.group(1) and _is_name_word(_POSSESSIVE.sub("", n.group(2).rstrip(_AFTER_NAME))):
                b, taken = m.end(), taken + 1
                continue
        if w.lower() in _ENDS_NAME:  # "Acme Co.", "John Smith Jr."
            b = m.end()
            break
        if _is_name_word(core):
            b, taken = m.start(2) + len(core), taken + 1
            if core != w:  # punctuation after the word ends the name
                break
            continue
        break
    return a, b


# --- edges ----------------------------------------------------------------------------------------
_ABBREVIATIONS = frozenset("""st. no. vs. dept. univ. assn. ave. mt. jan. feb. aug. sept. oct. nov.
dec.""".split()) | _TITLES | _ENDS_NAME
_PAIRS = {"(": ")", "[": "]", "<": ">", "{": "}", "“": "”", "‘": "’"}
_EDGE = " \t\r\n\u00a0,;:"


def _keeps_period(s: str) -> bool:
    """Whether a span's final period belongs to its last word: "Corp.", "U.S.", "a.m.", "F."."""
    last = s.split()[-1] if s.split() else ""
    last = last.lstrip("([<{\"'“‘")
    return last.lower() in _ABBREVIATIONS or bool(re.fullmatch(r"(?:\w\.){2,}", last)) or bool(
        re.fullmatch(r"[A-Z][a-z]?\.", last))


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A span that cuts a word (the reader reads word pieces: "400 ml" of "400 mln") grown to whole words.

    >>> t = "a proposed 400 mln dlr acquisition"
    >>> a, b = whole_words(t, t.index("400"), t.index("n dlr")); t[a:b]
    '400 mln'
    """
    start, end = _clamp(text, start, end)
    while 0 < start < end and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while start < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim punctuation and unbalanced brackets at a span's edges.

    Strips whitespace, commas, semicolons, colons, a sentence's final period (not an abbreviation's:
    "Corp.", "U.S."), unbalanced brackets and quotes, and a pair of brackets or quotes around the
    whole span. A span that would become empty is returned unchanged.

    >>> t = "shares of Acme Corp (<ACME>) rose."
    >>> a, b = trim_span(t, 20, 27); t[a:b]
    'ACME'
    """
    start, end = _clamp(text, start, end)
    a, b = start, end
    while a < b:
        s = text[a:b]
        first, last = s[0], s[-1]
        if first in _EDGE or first in "—–" or (first in ".-" and not s[1:2].isdigit()):  # keep ".5", "-3"
            a += 1
        elif last in _EDGE or last in "!?-—–" or (last == "." and not _keeps_period(s)):
            b -= 1
        elif first in _PAIRS and last == _PAIRS[first] and len(s) > 1 and _balanced(s[1:-1], first):
            a, b = a + 1, b - 1
        elif first in _PAIRS and s.count(_PAIRS[first]) < s.count(first):
            a += 1
        elif last in _PAIRS.values() and s.count(last) > s.count(_opener(last)):
            b -= 1
        elif first in _PAIRS.values() and s.count(first) > s.count(_opener(first)):
            a += 1
        elif last in _PAIRS and s.count(last) > s.count(_PAIRS[last]):
            b -= 1
        elif first == last and first in "\"'" and len(s) > 1 and s.count(first) == 2:
            a, b = a + 1, b - 1
        elif first == '"' and s.count('"') % 2:
            a += 1
        elif last == '"' and s.count('"') % 2:
            b -= 1
        elif first == "'" and s.count("'") % 2 and not s[1:2].isdigit():  # keep "'80s"
            a += 1
        elif last == "'" and s.count("'") % 2:
            b -= 1
        else:
            break
    return (a, b) if a < b else (start, end)


def _opener(close: str) -> str:
    return next(o for o, c in _PAIRS.items() if c == close)


def _balanced(inner: str, opener: str) -> bool:
    """Whether the brackets of one kind inside a span never close more than they opened."""
    depth = 0
    for ch in inner:
        depth += (ch == opener) - (ch == _PAIRS[opener])
        if depth < 0:
            return False
    return depth == 0


# --- answer kinds ---------------------------------------------------------------------------------
# months and weekdays only capitalized ("May", "MAY", not the verb "may")
_MONTHS = ("January February March April May June July August September October November December "
           "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec").split()
MONTH_NAMES = tuple(_MONTHS[:12])  # the twelve, in full
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thur Thurs Fri Sat".split()
_TIME_WORDS = ("today tonight yesterday tomorrow morning afternoon evening night weekend spring summer autumn fall "
               "winter decade decades century centuries").split()
# wire copy writes some months in lowercase ("since last november"); "may" and "march" are words as well
_LOWER_MONTHS = "january february april june july august september october november december".split()
_CALENDAR_RE = re.compile(rf"\b(?:{'|'.join([w2 for w in _MONTHS + _WEEKDAYS for w2 in (w, w.upper())] + _LOWER_MONTHS)})\b|"
                          rf"\b(?:{'|'.join(_WEEKDAYS[:7])})s\b")  # "on Sundays"
_DATE_RE = re.compile(
    rf"\d|\b(?:{'|'.join(_TIME_WORDS)})\b|"
    r"\b(?:last|next|this|previous|coming|same)\s+(?:week|weekend|month|quarter|year)\b|"
    r"\b(?:days|weeks|months|years)\s+ago\b", _I)
_NUMBER_PART = re.compile(
    rf"(?:{_SIGN}|{_CODE})?{_DIGITS}(?:%|st|nd|rd|th|s)?|{_NUMBER_WORD}|{_MAGNITUDE}|{_PERCENT}|{_UNIT}|"
    rf"{_SIGN}|{_CODE}|{_QUALIFIERS}|and|a|an|per|{'|'.join(_RATE_WORDS)}", _I)


_MONTH_END = re.compile(rf"\b(?:{'|'.join(_MONTHS)})\.?\Z")
_MONTH_DAY_END = re.compile(rf"\b(?:{'|'.join(_MONTHS)})\.?{_GAP}\d{{1,2}}(?:st|nd|rd|th)?\Z")
_WEEKDAY_END = re.compile(rf"\b(?:{'|'.join(_WEEKDAYS)})\Z")
_YEAR_AFTER = rf"(?:,?{_GAP}(?:1[5-9]\d\d|20\d\d)(?![\d.,]\d)|{_GAP}(?:last|this|next){_GAP}year)\b"
_AFTER_MONTH = re.compile(rf"(?:{_GAP}\d{{1,2}}(?:st|nd|rd|th)?(?![\d.,]\d)\b)?(?:{_YEAR_AFTER})?")
_AFTER_MONTH_DAY = re.compile(f"(?:{_YEAR_AFTER})?")
# a clock time ("1600 GMT", "10 a.m.", "noon") and the day it is on: "1600 GMT on May 9"
_TIME_END = re.compile(r"(?:\b\d{1,2}[:.]?\d{2}(?:\s*(?:a\.m\.?|p\.m\.?|am|pm))?(?:\s+[A-Z]{2,4})?|\b\d{1,2}\s*(?:a\.m\.?|p\.m\.?)"
                       r"|\b(?:noon|midnight))\Z", re.I)
_AFTER_TIME = re.compile(rf"(?:,|{_GAP}on|{_GAP})?{_GAP}(?:(?:{'|'.join(_WEEKDAYS)})\b(?:,?{_GAP}(?:{'|'.join(_MONTHS)})\.?"
                         rf"{_GAP}\d{{1,2}}\b)?|(?:{'|'.join(_MONTHS)})\.?{_GAP}\d{{1,2}}\b(?:{_YEAR_AFTER})?)")
_AFTER_WEEKDAY = re.compile(rf"{_GAP}(?:morning|afternoon|evening|night)\b|")


_PART_OF_YEAR = re.compile(rf"\b(?:first|second|third|fourth|final|last|1st|2nd|3rd|4th)[ \t-]+(?:quarter|half)"
                           rf"{_GAP}of{_GAP}\Z|\bfiscal{_GAP}\Z", _I)

# a date's qualifier: 13 of the 17 SQuAD tune date golds that "early", "late" or "mid" precedes include it
_TIME_QUALIFIER = re.compile(r"\b(?:early|late|mid)(?:[ \t]+|-)\Z", _I)


def complete_date(text: str, start: int, end: int) -> tuple[int, int]:
    """A date cut short made whole, forward only: a month gets its day and year ("March 3, 1987") or
    relative year ("October last year"), a month and day their year, a weekday its part of the day
    ("Tuesday morning"), a clock time the day it is on ("1600 GMT on May 9"); and backward, a year its
    quarter or half ("second quarter of 1985", "fiscal 1988"), any date its "early", "late" or "mid"
    ("late 1987", "mid-March"). Anything else is returned unchanged.

    >>> t = "The mill shut in October last year. Talks began on March 3, 1987 and ended on Tuesday night."
    >>> [t[slice(*complete_date(t, t.find(w), t.find(w) + len(w)))] for w in ("October", "March 3", "Tuesday")]
    ['October last year', 'March 3, 1987', 'Tuesday night']
    >>> t = "The record was set in the second quarter of 1985, the plant opens in late 1987."
    >>> t[slice(*complete_date(t, t.find("1985"), t.find("1985") + 4))], t[slice(*complete_date(t, t.find("1987"), t.find("1987") + 4))]
    ('second quarter of 1985', 'late 1987')
    """
    start, end = _clamp(text, start, end)
    span = text[start:end]
    if _YEAR.search(span) and (p := _PART_OF_YEAR.search(text, max(0, start - 40), start)):  # "second quarter of 1985"
        start = p.start()
    if q := _TIME_QUALIFIER.search(text, max(0, start - 8), start):  # "late 1987", "early March", "mid-1990s"
        start = q.start()
    if _MONTH_END.search(span):
        tail = _AFTER_MONTH
    elif _MONTH_DAY_END.search(span):
        tail = _AFTER_MONTH_DAY
    elif _WEEKDAY_END.search(span):
        tail = _AFTER_WEEKDAY
    elif _TIME_END.search(span):
        tail = _AFTER_TIME
    else:
        return start, end
    m = tail.match(text, end)
    return start, (m.end() if m else end)


def has_figure(span: str) -> bool:
    """Whether a span holds a figure, in digits or in words ("30", "about two", "dozens").

    >>> has_figure("about two"), has_figure("12 pct"), has_figure("the rebels")
    (True, True, False)
    """
    return bool(_NUMBER_RE.search(span))


def figures_only(span: str) -> bool:
    """Whether a span is figures with their units and small words only ("72,374 tonnes in 1986 from 52,403
    tonnes", "142.2 from 136.5"): it says how much, never why.

    >>> figures_only("72,374 tonnes in 1986 from 52,403 tonnes"), figures_only("a 12 pct fall in demand")
    (True, False)
    """
    words = re.findall(r"(?<![\w.,])[a-z][a-z\-]*", span)
    return has_figure(span) and all(w in STOPWORDS or w in _UNIT_KEYS or re.fullmatch(_MAGNITUDE, w)
                                    for w in words)


def _only_number(span: str) -> bool:
    """Whether every word of a span is part of a figure: "about 35 mln dlrs", "1,500"."""
    words = re.findall(r"[^\s,;:()\[\]\"“”]+", span)
    rest = re.sub(rf"(?<!\S)(?:{_NUMBER_PART.pattern})(?!\S)", " ", " ".join(words), flags=_I)
    return bool(_NUMBER_RE.search(span)) and not rest.strip(" .-")


# a vague amount of something ("several weeks", "a few days"); a bare "several" answers no "how many"
_VAGUE_AMOUNT = re.compile(r"\b(?:several|few|many|numerous|scores\s+of|a\s+number\s+of|a\s+couple\s+of)\s+[^\W\d_]|"
                           r"\b(?:a|an)\s+(?:year|month|week|day|hour|minute|decade|century|fortnight)\b", _I)  # "a decade ago"


def fits_kind(kind: str, span: str) -> bool:
    """Whether the span looks like the kind of answer asked for (kinds of ``qa.question``).

    - number: a digit, a number word ("seven", "dozens"), a vague amount of something ("several weeks") or
      one span of time ("a decade ago");
    - date: a digit, a month, a weekday, or a time word ("yesterday", "last week", "winter");
    - person, place, org, entity: a word starting with an uppercase letter or a digit, and more than a figure;
    - phrase, reason, or any other kind: anything.

    >>> fits_kind("number", "seven tonnes"), fits_kind("person", "35 mln dlrs"), fits_kind("date", "last week")
    (True, False, True)
    """
    if kind == "number":
        return bool(_NUMBER_RE.search(span) or _VAGUE_AMOUNT.search(span))
    if kind == "date":
        return bool(_DATE_RE.search(span) or _CALENDAR_RE.search(span))
    if kind in ("person", "place", "org", "entity"):
        return any(w[:1].isupper() or w[:1].isdigit() for w in re.findall(r"\w[\w'’.\-]*", span)) and \
            not _only_number(span)
    return True


# --- units ----------------------------------------------------------------------------------------
_UNIT_KEYS: dict[str, str] = {
    **dict.fromkeys("$ dlrs dlr dollars dollar usd".split(), "dollar"),
    **dict.fromkeys("£ stg sterling pounds pound gbp".split(), "pound"),
    **dict.fromkeys("€ euros euro eur".split(), "euro"),
    **dict.fromkeys("¥ yen jpy".split(), "yen"),
    **dict.fromkeys("% pct percent".split(), "percent"),
    **dict.fromkeys("cents cent cts ct".split(), "cent"),
    **dict.fromkeys("francs franc chf".split(), "franc"),
    **dict.fromkeys("marks dm".split(), "mark"),
    **dict.fromkeys("lire lira".split(), "lira"),
    **dict.fromkeys("kronor krona kroner krone crowns crown".split(), "crown"),
    **dict.fromkeys("rupees rupee rs rs. ₹".split(), "rupee"),
    **dict.fromkeys("ecus ecu".split(), "ecu"),  # the European Currency Unit (1979-98)
    **dict.fromkeys("sdrs sdr".split(), "sdr"),  # the IMF's special drawing rights
    **dict.fromkeys("pence penny p".split(), "penny"),  # "205p": a London price in pence
    **dict.fromkeys("bpd".split(), "barrel per day"),
    **dict.fromkeys("tonnes tonne tons ton".split(), "tonne"),
    **dict.fromkeys("km kilometres kilometers kilometre kilometer".split(), "kilometre"),
    **dict.fromkeys("metres meters metre meter".split(), "metre"),
    **dict.fromkeys("kg kilos kilograms kilogrammes".split(), "kilogram"),
    **dict.fromkeys("lbs".split(), "pound"),
    **dict.fromkeys("oz ounces".split(), "ounce"),
    **dict.fromkeys("people persons".split(), "person"),
    **dict.fromkeys("feet foot".split(), "foot"),
    **dict.fromkeys("inches inch".split(), "inch"),
    **dict.fromkeys("mw megawatts".split(), "megawatt"),
    **dict.fromkeys("kw kilowatts".split(), "kilowatt"),
}
# (a unit hyphenated to a figure only sizes the unit that follows: "60-kg bags" count bags)
_UNIT_TOKEN = re.compile(
    rf"{_SIGN}|\b(?:{_CODE})(?=[\s\d])|percentage\s+points?|per\s+cent|%|\b(?:pct|percent)\b|(?<!\d-)\b{_UNIT}|(?<=\d)p\b", _I)


def _unit_key(token: str) -> str:
    t = " ".join(token.lower().split())
    t = re.sub(rf"^{_NATIONALITY.lower()}\s*", "", t) if not t.endswith("$") else t
    if t.endswith("$"):
        return "dollar"
    if t.startswith("percentage point"):
        return "percentage point"
    if t == "per cent":
        return "percent"
    if t in _UNIT_KEYS:
        return _UNIT_KEYS[t]
    return t[:-1] if t.endswith("s") and len(t) > 3 else t


def unit_of(span: str) -> str:
    """The unit a figure counts, as one key per unit ("dollar", "percent", "tonne"; "" for none).

    Currency words and signs fold together, plurals into singulars, magnitudes are ignored, and a rate
    is kept ("dollar per barrel").

    >>> unit_of("US$ 35 mln"), unit_of("35 mln dlrs"), unit_of("6.5 pct"), unit_of("18.40 dlrs a barrel")
    ('dollar', 'dollar', 'percent', 'dollar per barrel')
    >>> unit_of("about 1,200"), unit_of("210,000 60-kg bags"), unit_of("4,500-hectare")
    ('', 'bag', 'hectare')
    """
    m = _UNIT_TOKEN.search(span)
    if not m:  # only a unit joined to its figure: "4,500-hectare"
        h = _JOINED_UNIT.search(span)
        return _unit_key(h.group(0).rsplit("-", 1)[-1]) if h else ""
    key = _unit_key(m.group(0))
    if r := re.search(rf"\b(?:a|an|per|each)\s+({'|'.join(_RATE_WORDS)})\b", span[m.end():], _I):
        key += " per " + _unit_key(r.group(1))
    return key


# units a question can ask a figure in; counts of people and spans of time are left out: "how many people"
# is answered "12 civilians" or "dozens of fighters" as well as "12 people"
_ASKABLE_UNITS = frozenset(_CURRENCY_WORDS + _MEASURE_WORDS) - frozenset(
    "people persons years months weeks days hours minutes seconds points shares".split())
# a rate given in percent, and what may follow the noun of an amount a question asks for ("what price per
# share ...", "what profit did ...", "what interest rate?"): shared with ``qa.question``'s number questions
RATE_NOUNS = r"(?:interest|inflation|unemployment|jobless|growth|tax|vacancy)\s+rates?"
_AUX = r"did|does|do|will|would|was|is|are|were|has|have|had|can|could|should|may|might|must"
# what may follow the noun of an amount asked ("the jobless rate among young workers", "the price last week")
_AMOUNT_FOLLOWERS = (r"per|of|for|on|in|at|to|among|by|from|with|during|between|after|before|under|over|since|"
                     r"across|within|last|this|next")
AMOUNT_END = rf"(?=\s*[?,]|\s*$|\s+(?:{_AMOUNT_FOLLOWERS}|a|an|the|{_AUX})\b)"
# words right after "what" saying which amount is asked ("what trigger price", "what 1986 group net profit", at
# most four); not a verb ("what controls wages", "what raised prices": a word ending in -s or -ed is read as one),
# not "what type of", and then the amount's noun is followed by a verb or a preposition, not by an object ("what
# mistake cost the firm its lead")
AMOUNT_MODIFIER = rf"(?:(?!(?:{_AUX}|of|kind|type|sort)\b)[a-z0-9-]+(?<!s)(?<!ed)\s+){{1,4}}"  # "what 1986 net profit did"
MODIFIED_END = rf"(?=\s*[?,]|\s*$|\s+(?:{_AMOUNT_FOLLOWERS}|{_AUX})\b)"
_ASKED_PERCENT = re.compile(rf"\b(?:percentage|percent|per\s+cent|pct)\b|\b{RATE_NOUNS}\b", _I)
_GIVEN_PERCENT = re.compile(rf"\d[\d.,]*\s*{_PERCENT}", _I)
# the magnitude is skipped: "how many million bushels" asks bushels
_ASKED_COUNT = re.compile(rf"\bhow\s+(?:many|much)\s+(?:{_MAGNITUDE}\s+)?([a-z]+)", _I)
# an amount of money: "how much did/will ... pay", "how much compensation", "what price", "what was the net profit"
_MONEY_NOUNS = (r"price|cost|profit|profits|revenue|revenues|income|sales|fee|fees|fine|budget|salary|wage|wages|"
                r"compensation|earnings|turnover|dividend|payment|money|cash|funds|funding|capital|financing")
_MONEY_VERBS = (r"pay|paid|pays|paying|cost|costs|spend|spent|raise|raised|offer|offered|earn|earned|lose|lost|"
                r"invest|invested|bid|charge|charged|owe|owed|borrow|borrowed|lend|lent|fetch|fetched|receive|"
                r"received|sell|sold|buy|bought")
# the size of a sum: "how large a penalty", "how big is the IMF standby loan" (not "how large is the estate",
# "how big a stake": an area, a share)
_SUM_NOUNS = (rf"{_MONEY_NOUNS}|penalty|penalties|fines|deficit|deficits|judgment|judgement|loan|loans|package|charge|"
              r"facility|credit|debt|debts|bid|offer|award|settlement|damages|subsidy|subsidies|flows")
_CHANGE_NOUN = r"(?:increases?|rises?|growth|gains?|declines?|drops?|falls?|cuts?|changes?|reductions?|levels?)\b"
# whose amount a "what was/were ..." question asks: "the" or a possessive name ("what were Velmora Trust's earnings")
AMOUNT_OWNER = r"(?:the|(?!the\b)(?:[\w.&\-]+\s+){0,3}[\w.&\-]+[’']s?)"
NOT_RATIO = r"(?![\s-]+(?:to[\s-]+)?(?:earnings|book)\b)"  # "price to earnings multiple": a ratio, no amount
# a word of an amount's owner or between it and the noun of the amount ("Velmora's 1986 net profit"): no
# preposition, article or relative word ("What was one of the Normans' major exports?"); shared with ``qa.question``
MODIFIER_WORD = r"(?!(?:of|the|for|on|in|to|with|by|from|at|a|an|one|very|most|more|than|as|that|which|who)\b)[\w.&/\-]+"
_ASKED_MONEY = re.compile(
    # "how much revenue", "how much government revenue", "how much investment funding" (not "how much sales growth")
    rf"\bhow\s+much\s+(?:(?!(?:{_AUX})\b){MODIFIER_WORD}\s+){{0,2}}?(?:{_MONEY_NOUNS})\b(?!\s+{_CHANGE_NOUN})|"
    # "How much was BASF's 1986 turnover?", "How much were sales ...?" (not "how much was the sales growth")
    rf"\bhow\s+much\s+(?:is|was|were|are|will\s+be)\s+(?:[\w.’'-]+\s+){{0,5}}?(?:{_MONEY_NOUNS})\b(?!\s+{_CHANGE_NOUN})|"
    rf"\bhow\s+much\s+(?:(?:a|an|per|each)\s+(?:{'|'.join(_RATE_WORDS)})\s+)?(?:{_AUX})\b[^?]*?\b(?:{_MONEY_VERBS})\b|"
    rf"\bwhat\s+(?:(?:(?:is|was|were|are|will\s+be)\s+{AMOUNT_OWNER}\s+(?:{MODIFIER_WORD}\s+){{0,4}}?)?(?:{_MONEY_NOUNS})"
    rf"{NOT_RATIO}{AMOUNT_END}|"
    rf"{AMOUNT_MODIFIER}(?:{_MONEY_NOUNS}){MODIFIED_END})|"
    # "what was the value of ...", "what is the estimated value of ...": a sum of money
    rf"\bwhat\s+(?:is|was|were|are|will\s+be)\s+the\s+(?:{MODIFIER_WORD}\s+){{0,2}}?values?\s+of\b|"
    rf"\bhow\s+(?:large|big)\s+(?:(?:a|an)\s+|(?:is|was|were|are|will\s+be)\s+the\s+)(?:[\w.-]+\s+){{0,4}}?"
    rf"(?:{_SUM_NOUNS})\b", _I)
# "What is the par value, in Ostrian crowns, ...": a question that names the currency of its answer
ASKED_IN_CURRENCY = re.compile(r"\bin\s+(?:[A-Z][\w.]*\s+){0,2}(?:dollars|dlrs|yen|pounds|sterling|marks|francs|"
                               r"lire|pesos|crowns|rupees|euros|cents)\b", _I)
_MONEY_KEYS = frozenset(_unit_key(w) for w in _CURRENCY_WORDS) | {"dollar"}
# a part of a whole: "how much of X does Y own", "what share of ..." is answered in percent or a fraction
_ASKED_PORTION = re.compile(r"\bhow\s+much\s+of\b|\bwhat\s+(?:share|proportion|fraction|portion)\s+of\b", _I)
_TIME_UNITS = frozenset("year month week day hour minute second".split())
_PORTION = re.compile(r"\b(?:half|halves|thirds?|quarters?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?|"
                      r"majority|minority|all|most|none|times)\b|\d+/\d+|\bone\s+in\s+\w+", _I)


@lru_cache(maxsize=1024)  # asked once per candidate span of a question
def asked_unit(question: str) -> str:
    """The unit a number question names for its answer, as ``unit_of`` keys it: "percent" for "what
    percentage ..." / "by how many pct ..." / "what interest rate ..."; the unit of "how many barrels ..." /
    "how many dollars ..."; "money" (a figure in any currency) for "how much did ... pay" / "what price ...";
    "" when it names none (people, time, things: "how many towns ...").

    >>> asked_unit("By what percentage did exports rise?"), asked_unit("How many barrels a day were lost?")
    ('percent', 'barrel')
    >>> asked_unit("How many towns fell?"), asked_unit("How many workers were left after a 16 pct cut?")
    ('', '')
    """
    if _ASKED_PERCENT.search(_GIVEN_PERCENT.sub(" ", question)):  # "by 16 pct" in a question is what it says, not asks
        return "percent"
    m = _ASKED_COUNT.search(question)
    if m and m.group(1).lower() in _ASKABLE_UNITS:
        return _unit_key(m.group(1))
    if _ASKED_MONEY.search(question) or ASKED_IN_CURRENCY.search(question):
        return "money"
    if _ASKED_PORTION.search(question):
        return "portion"
    return ""


def has_unit(span: str, unit: str) -> bool:
    """Whether a figure ``span`` is in ``unit`` (an ``asked_unit`` key; "" accepts any span, "money" any currency).

    >>> has_unit("71.3 pct", "percent"), has_unit("355", "percent"), has_unit("250,000 barrels per day", "barrel")
    (True, False, True)
    """
    if not unit:
        return True
    got = unit_of(span)
    if unit == "portion":  # a percentage or a fraction ("40 pct", "one-eighth", "half"), or an amount of the
        # whole ("12 billion dlrs" of a debt); not a span of time ("three months")
        return bool(_PORTION.search(span)) or bool(got) and got.split(" per ")[0] not in _TIME_UNITS
    if unit == "money":
        return got.split(" per ")[0] in _MONEY_KEYS
    if unit == "percent" and got == "percentage point":  # a change of a rate ("fell 0.3 percentage points")
        return True
    if unit == "percent" and _PER_HUNDRED.search(span):  # a rate in pence per pound ("a basic tax rate of 27 pence in
        return True  # the pound") or cents per dollar: a hundredth of the whole
    return got == unit or got.startswith(unit + " ")


_ASKS_TOTAL = re.compile(r"\btotal\b", _I)
_DOLLAR_AGAINST = re.compile(r"\bdollar\b[^?]*?\bagainst\s+the\s+(?:swiss\s+|french\s+|belgian\s+|west\s+german\s+|"
                             r"japanese\s+|dutch\s+)?(yen|marks?|francs?|pounds?|sterling|guilders?|lire|lira|crowns?)\b", _I)
_PER_HUNDRED = re.compile(r"\b(?:pence|p|cents?)\s+(?:in|on|to|of|per)\s+(?:the|a|each)\s+(?:pound|dollar)\b", _I)
_ASKS_RESULT = re.compile(r"\b(?:profits?|earnings|income|loss(?:es)?|revenues?|sales|turnover)\b", _I)
_ASKS_PER_SHARE = re.compile(r"\b(?:per|a|each|every)\s+(?:common\s+|ordinary\s+)?share\b|\bEPS\b|\bdividends?\b", _I)
_ASKS_YEAR = re.compile(r"\b(?:what|which)\s+year\b", _I)
_ASKS_MONTH = re.compile(r"\b(?:what|which)\s+month\b", _I)
_A_YEAR = re.compile(r"\d\d|\b(?:last|this|next|that|the\s+same|previous|coming)\s+year\b|\b(?:century|centuries|decade)\b", _I)
_A_MONTH = re.compile(rf"\b(?:{'|'.join(_MONTHS)})\b|\b(?:last|this|next|that|the\s+same|previous|coming)\s+month\b", _I)
_ASKS_CALENDAR = re.compile(r"\b(?:what|which)\s+(?:year|date|day|month)\b", _I)
_ASKS_DATE = re.compile(r"\b(?:what|which)\s+dates?\b", _I)
_ASKS_NAME = re.compile(r"\b(?:names?|named)\b", _I)
_HOW_MUCH = re.compile(r"\bhow\s+much\b", _I)
_BY_HOW = re.compile(r"\bby\s+how\s+(?:much|many)\b", _I)
_PERCENTAGE_POINTS = re.compile(r"\bpercentage\s+points?\b", _I)
_ASKS_LEVEL = re.compile(r"\bwhat\s+(?:is|was|were|are|will\s+be)\s+the\b[^?]*\brates?\b", _I)
_ASKS_CHANGE = re.compile(r"\bby\s+how\s+much\b|\b(?:change|rise|rose|fall|fell|drop|increase|decrease|gain|"
                          r"decline|declined|risen|fallen)\b", _I)
_ASKS_OUTPUT = re.compile(r"\b(?:output|production|produc(?:e|es|ed|ing))\b", _I)
_ASKS_MONEY_TOO = re.compile(r"\b(?:earn\w*|revenues?|worth|valued?|values|costs?|cost(?:ing|ly)|prices?|priced|income|"
                             r"profits?|sales|spen[dt]\w*|paid|pay\w*|dlrs|dollars?|money|budget\w*|invest\w*|"
                             r"financ\w*|fund\w*|loss\w*|lost|subsid\w*|tax\w*|bill\w*)\b", _I)
_ASKED_MANY = re.compile(r"\bhow\s+many\s+([a-z]+)", _I)
# "how many" followed by a word that does not name what is counted
_COUNT_WORDS = frozenset("more less fewer of did does do was were is are will would has have had can could".split())


_NAME_LINKS = _PARTICLES | {"of", "the", "and"}  # lowercase words a name may hold


def _clause(span: str) -> bool:
    """Whether a span holds three or more lowercase words other than a name's particles and "of", "the",
    "and": a clause or a description, not a name ("the Duke of Velmora" is a name; of the 29 name-asking
    person questions of the SQuAD tune half, no gold is a clause).

    >>> _clause("the Duke of Velmora"), _clause("Ana Ruiz, who was opposed to the tax")
    (False, True)
    """
    words = re.findall(r"[^\W\d_][\w'’\-]*", span)
    return sum(w[0].islower() and w.lower() not in _NAME_LINKS for w in words) >= 3


_REASON_NOUN = re.compile(r"(?:the|a|an|one|another|this|that)\s+(?:[a-z]+\s+)?(?:reasons?|causes?|factors?|explanations?)"
                          r"(?:\s+(?:for|of|behind)\b|\s*\Z)", _I)
_COPULA = re.compile(r"\b(?:is|was|were|are|been|being)\b", _I)


_WHERE_SUBJECT = re.compile(r"\s*(?i:where)\s+(?i:is|was|were|are|did|does|do|has|have|had|will|would)\s+(?:(?i:the)\s+)?"
                            r"((?:[A-Z][\w\-.’']*)(?:\s+[A-Z][\w\-.’']*)*)")
_ASKS_PLACE_NOUN = re.compile(r"\b(?:[Ww]hich|[Ww]hat)\s+(?:[a-z\-]+\s+)?(?:city|cities|town|towns|country|countries|"
                              r"province|provinces|capital|port|village|villages|nation|county|island|continent)\b"
                              r"(?!\s+of\b)")  # (not "state": "Which theory states", "in what state is oxygen")
_PERSON_TITLED = re.compile(r"(?:President|Prime\s+Minister|Minister|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sen\.?|Senator|Rep\.?|"
                            r"Governor|Gov\.|Pope|Chairman)\s+[A-Z][\w\-.’']*(?:\s+[A-Z][\w\-.’']*){0,3}")
# a title's portfolio before it: "Federal Resources and Energy Minister Ana Ruiz"
_PORTFOLIO_TITLED = re.compile(r"(?:(?:[A-Z][\w.&'’-]*|and|of)\s+){0,6}" + _PERSON_TITLED.pattern)
_WHICH = re.compile(r"\s*(?:\w+\s+)?(?:which|what)\b", _I)
_ACRONYM_ONLY = re.compile(r"[A-Z][A-Z&]{1,6}")


def _name_only(span: str) -> bool:
    """Whether a span is only a name: capitalized words, perhaps joined by a name's particles, "of", "the", "and".

    >>> _name_only("Cie de Raffinage-Distribution"), _name_only("the Duke of Velmora"), _name_only("Ana Ruiz resigned")
    (True, False, False)
    """
    words = re.findall(r"[^\s,;:()\"“”]+", span.strip(" .,;:"))
    return bool(words) and _is_name_word(words[0]) and \
        all(_is_name_word(w) or w.lower() in _NAME_LINKS or _INITIAL.match(w) for w in words)


_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\b", _I)
_COUNT_OF = re.compile(rf"(?:(?i:{_QUALIFIERS})\s+)?(?:{_DIGITS}|(?i:{_NUMBER_WORD}))(?:\s+[a-z][\w\-]*){{1,3}}")
_PARTY_TAG = re.compile(r"[DRI]-[A-Z][A-Za-z.]{1,12}")


def contradicts(question: str, kind: str, span: str) -> bool:
    """Whether ``span`` cannot answer ``question`` (of answer ``kind``) by its form alone: a number question
    (not "how much") answered without a figure ("How many aides ...?" -> "junior"); a person's name
    asked for and no name given ("What is the name of the official ...?" -> "an official said"); a figure in
    another unit than the one the question names ("How many acres ...?" -> "45 pct"; a figure with no unit
    word is left alone: "8.5" for "how many miles"); a change for the level of a rate ("What was the jobless
    rate?" -> "0.3 percentage points"); a rate or a percentage for a total ("What total value ...?" -> "47
    dlrs a share", "What were the total liabilities?" -> "7.2 pct"). More cases in tests/test_spans.py.

    >>> contradicts("How many acres were planted?", "number", "about 45 pct")
    True
    >>> contradicts("How many acres were planted?", "number", "about 60,000")
    False
    """
    # a count needs a figure; "how much" is also answered in words ("large areas", "no damage"), and "when"
    # by an event ("during the war": 18 of 278 SQuAD tune when-questions' golds hold no date)
    # ("by how much" asks the size of a change: a figure; every such gold of SQuAD and the news and seed dev sets has one)
    if kind == "number" and (not _HOW_MUCH.search(question) or _BY_HOW.search(question)) and \
            not fits_kind(kind, span) and not _PORTION.search(span):
        return True
    # a name is capitalized, and no clause ("Minister Ana Ruiz was opposed to a tax" is no name)
    if kind == "person" and _ASKS_NAME.search(question) and (not fits_kind(kind, span) or _clause(span)):
        return True
    # "on what date", "which year": a date, not the event ("when we were told") that "when" may be answered by;
    # and "which year" a year ("1987", "'87", "next year", "the 1990s"), "what month" a month, not "Saturday"
    if kind == "date" and _ASKS_CALENDAR.search(question) and (
            not fits_kind(kind, span) or (_ASKS_YEAR.search(question) and not _A_YEAR.search(span))
            or (_ASKS_MONTH.search(question) and not _A_MONTH.search(span))):
        return True
    # "on what date": a day of the calendar ("March 5", "5/3"; a weekday at least), not "next week" (every SQuAD
    # what-date gold but one holiday holds a digit, a month or a weekday)
    if kind == "date" and _ASKS_DATE.search(question) and not (re.search(r"\d", span) or _CALENDAR_RE.search(span)):
        return True
    # a unit with no figure ("pounds" for "How much sterling was sold?") gives no amount
    if kind == "number" and not _NUMBER_RE.search(span) and (words := re.findall(r"[^\W\d_]+|[$£€¥%]", span.lower())) \
            and all(w in _UNIT_KEYS for w in words):
        return True
    # a company's designators alone ("Co Inc" of "J.P. Morgan Securities Co Inc") name no one and nothing
    if kind in ("person", "place", "org", "entity") and _DESIGNATOR.search(span) and \
            not re.sub(r"[\s,.&]+", "", _DESIGNATOR.sub(" ", span)):
        return True
    # "Where was Velmora-7 captured?": the place is not what the question is about ("Kessland-made Velmora-7 battery";
    # 4 of 146 SQuAD tune where-questions naming something have a gold holding a name of the question, none its subject
    # whole)
    if kind == "place" and (m := _WHERE_SUBJECT.match(question)) and len(m.group(1)) > 3 and \
            re.search(rf"(?<![\w\-]){re.escape(m.group(1))}(?![\w\-])", span):  # the whole name: "Rhine Gorge" for
        return True  # "Where does the Middle Rhine flow?" is no repeat of it
    # "which city", "in what country": a place's name, capitalized, not a clause ("prepared for delivery to a
    # conference"; of the SQuAD questions it reads, through qa.extract 1 of 2,183 place and person questions changed)
    if kind == "place" and _ASKS_PLACE_NOUN.search(question) and not fits_kind(kind, span):
        return True
    # "which party / company": an organisation, not a person by a personal title ("President Ana Ruiz", "Federal
    # Energy Minister Ana Ruiz"; no SQuAD or news dev gold of an organisation question is one)
    if kind == "org" and _PORTFOLIO_TITLED.fullmatch(span.strip(" .,;")):
        return True
    # a person the question names by a title ("... reported the forecast to President Ruiz") is not who it asks for:
    # "Ana Ruiz" answers someone else's part (no person gold of SQuAD or the news and seed dev sets ends with the
    # surname of a titled person of its question)
    if kind == "person" and (surname := span.strip(" .,;").split()[-1:]) and \
            surname[0] in {m.group().split()[-1] for m in _PERSON_TITLED.finditer(question)}:
        return True
    # "which commissioner", "what official": a person, not an acronym ("GATT"; the 7 SQuAD tune person questions
    # with an acronym gold all ask "who": "Who broadcast the game?" -> "CBS")
    if kind == "person" and _WHICH.match(question) and _ACRONYM_ONLY.fullmatch(span.strip(" .,;()")):
        return True
    # a name alone ("Cie de Raffinage-Distribution") gives no reason: no why-gold of the news dev sets is one, and 1 of
    # 61 SQuAD tune why-questions' (that also accepts "the outbreak of the First World War")
    if kind == "reason" and _name_only(span):
        return True
    # "the reason for the decline" names that there is a reason and gives none (no why-gold of SQuAD or the news sets
    # is one); "the reason for the decline was weak demand" gives it
    if kind == "reason" and _REASON_NOUN.match(span) and not _COPULA.search(span):
        return True
    if kind in ("person", "place", "org", "reason") and _only_number(span):  # "323,000" for "Which company ...?"
        return True  # (4 of 1,400 SQuAD tune golds of these kinds are a figure alone; no why-question's gold)
    # a count of things ("seven firms", "about 20 banks") names none of them (3 of 2,517 SQuAD person, organisation
    # and place questions have such a gold, all three asking no name: "... for how many years?")
    if kind in ("person", "place", "org") and _COUNT_OF.fullmatch(span.strip(" .,;")) and not _HOW_MANY.search(question):
        return True
    if kind in ("person", "org") and _PARTY_TAG.fullmatch(span.strip(" .,;()")):  # "Sen. Ana Ruiz (D-Okla.)": the
        return True  # tag after a U.S. lawmaker's name says her party and state, it names no one
    got = unit_of(span) if has_figure(span) else ""
    if kind == "number" and got and not has_unit(span, asked_unit(question)):
        return True
    # the dollar against another currency is quoted in that currency ("the dollar ... against the yen" -> "145.10/20
    # yen", not "1.5110/20 Swiss francs", the same dollar against the franc)
    if kind == "number" and got in _MONEY_KEYS and (m := _DOLLAR_AGAINST.search(question)) and \
            got != _unit_key(m.group(1)):
        return True
    # "how many countries ...": things counted, not a span of time, money or a percentage ("nine days")
    counted = _ASKED_MANY.search(question)  # ("how much money/oil" asks an amount, not a count)
    if (kind == "number" and got and counted and counted.group(1).lower() not in _ASKABLE_UNITS | _COUNT_WORDS
            and not re.fullmatch(_MAGNITUDE, counted.group(1), _I)):  # "how many hundred years"
        noun = _unit_key(counted.group(1))
        if noun not in _TIME_UNITS and got.split(" per ")[0] in _TIME_UNITS | _MONEY_KEYS | {"percent"}:
            return True
    # an amount of goods made is no money ("At what level was output set?" -> "15 dlrs"), unless money is asked too
    if (kind == "number" and got.split(" per ")[0] in _MONEY_KEYS and _ASKS_OUTPUT.search(question)
            and not _ASKS_MONEY_TOO.search(question)):
        return True
    # a rate asked for, a change of it given ("What was the jobless rate?" -> "0.2 percentage points")
    if _PERCENTAGE_POINTS.search(span) and _ASKS_LEVEL.search(question) and not _ASKS_CHANGE.search(question):
        return True
    # a rate asked ("How much did Acme earn per share?"), a total in millions given ("409.0 mln dlrs"): no price
    # of one share, barrel or tonne runs to millions
    if kind == "number" and _ASKS_UNIT_RATE.search(question) and " per " not in got and _MILLIONS.search(span):
        return True
    # a company's profit, earnings, income, loss or sales asked, a figure per share given ("How much net profit did
    # Velmora Oil report?" -> "3.45 dlrs a share"): no gold of such a news dev question is one unless it asks "per share"
    if kind == "number" and got.endswith(" per share") and _ASKS_RESULT.search(question) and \
            not _ASKS_PER_SHARE.search(question):
        return True
    # a total is no rate and no percentage ("What were the total liabilities?" -> "7.2 pct"), unless a part is asked
    total = bool(_ASKS_TOTAL.search(question)) and asked_unit(question) not in ("percent", "portion")
    return total and (" per " in got or got == "percent")


# a price or an amount for one unit of a thing ("per share", "a barrel"; not "a share of the market")
_RATE_OF = r"(?:share|barrel|tonne|ton|ounce|bushel|gallon|lb)\b"
_ASKS_UNIT_RATE = re.compile(rf"\bper\s+{_RATE_OF}|\b(?:a|each)\s+{_RATE_OF}(?!\s+(?:of|in)\b)", _I)
_MILLIONS = re.compile(rf"\b(?:{_MILLIONS_WORDS})\b", _I)


# verbs of a level that moves ("How much did X lose?" asks the loss itself, not a change of it, so "lose" is
# not among them)
_LEVEL_VERBS = (r"ris(?:e|es|en|ing)|rose|fall(?:s|en|ing)?|fell|drop(?:s|ped|ping)?|increas(?:e|es|ed|ing)|"
                r"decreas(?:e|es|ed|ing)|declin(?:e|es|ed|ing)|climb(?:s|ed|ing)?|grow(?:s|n|ing)?|grew|"
                r"jump(?:s|ed|ing)?|slip(?:s|ped|ping)?|eas(?:e|es|ed|ing)|shr[iau]nk(?:s|ing)?|plung(?:e|es|ed|ing)|"
                r"soar(?:s|ed|ing)?|surg(?:e|es|ed|ing)|sl(?:i|id)(?:e|es|ing)?|tumbl(?:e|es|ed|ing)|edg(?:e|es|ed|ing)|"
                r"widen(?:s|ed|ing)?|narrow(?:s|ed|ing)?|improv(?:e|es|ed|ing)|dip(?:s|ped|ping)?")
# and in a text, any verb of a change ("the stock lost 2 points to 50")
_CHANGE_VERBS = _LEVEL_VERBS + (r"|gain(?:s|ed|ing)?|los(?:e|es|ing)|lost|shed|add(?:s|ed|ing)?|"  # and one that moves it:
                                 r"rais(?:e|es|ed|ing)|lift(?:s|ed|ing)?|boost(?:s|ed|ing)?|lower(?:s|ed|ing)?|"  # "raised
                                 r"cut(?:s|ting)?|reduc(?:e|es|ed|ing)")  # to 50 billion from 30 billion"
# "By how much did M-1 rise?", "How much did exports fall ...?": the change asked, not where it went ("... rise to?")
_ASKS_CHANGE_BY = re.compile(rf"\bby\s+how\s+(?:much|many)\b|\bhow\s+(?:much|far)\s+(?:did|does|do|has|have|had|will|"
                             rf"would|is|was|were|are)\b[^?]*\b(?:{_LEVEL_VERBS})\b(?![^?]*\b(?:to|from)\b)", _I)
# words between "to" and the level it names ("to a total 34.7 billion", "to a record high of 12 pct")
# a character of the same phrase (no comma but one between digits) or clause (commas too): a decimal point or an
# abbreviation's dot ("U.K.") is no sentence stop
_IN_PHRASE = r"(?:[^.,;:!?]|(?<=\d)[.,](?=\d)|(?<=\b[A-Z])\.)"
_IN_CLAUSE = r"(?:[^.;:!?]|(?<=\d)\.(?=\d)|(?<=\b[A-Z])\.)"
_LEVEL_WORDS = r"(?:(?:a|an|the)\s+)?(?:(?:total|record|new|high|low|peak|level|all-time|post-war)\s+)*(?:of\s+)?"
# the level a change went to or came from, in the change's clause: "rose 1.9 billion dlrs to |738.5 billion", "fell
# to |12 pct from |14 pct" (not "rose 4 pct, according to |12 analysts")
_LEVEL_BEFORE = re.compile(rf"\b(?:{_CHANGE_VERBS})\b{_IN_PHRASE}{{0,80}}?\b(?:to|from)\s+{_LEVEL_WORDS}\Z", _I)


def level_for_change(question: str, text: str, start: int, end: int) -> bool:
    """Whether the figure ``text[start:end]`` is the level a change went to or came from while ``question``
    asks how much something changed: "By how much did M-1 rise?" is not answered by "738.5 billion" of "M-1
    rose 1.9 billion dlrs to 738.5 billion" (the change is the figure before "to"). Only the clause before
    the figure is read, back to a sentence stop.

    >>> t = "Velmora's output rose 1.9 mln tonnes to 73.5 mln, the ministry said."
    >>> q = "By how much did Velmora's output rise?"
    >>> level_for_change(q, t, t.index("73.5"), t.index(" mln,")), level_for_change(q, t, t.index("1.9"), t.index(" to"))
    (True, False)
    >>> level_for_change("To what level did Velmora's output rise?", t, t.index("73.5"), t.index(" mln,"))
    False
    >>> t = "The town's population increased from 7,600 to 54,000 in ten years."
    >>> level_for_change("How much did the population increase?", t, t.index("7,600"), t.index(" in ten"))
    False
    """
    if not _ASKS_CHANGE_BY.search(question) or re.search(r"\bto\b", text[start:end]):  # "76,000 to 540,000": a change
        return False
    return bool(_LEVEL_BEFORE.search(text, max(0, start - 120), start))


# (a figure between: "rose 5 pct to 12 mln dlrs from", not "sees rising profits from 51-pct-owned ...")
_FROM_BEFORE = re.compile(rf"\b(?:{_CHANGE_VERBS})\b(?:[^.;:!?\d]|(?<=\b[A-Z])\.)*?\d{_IN_CLAUSE}{{0,80}}?\bfrom\s+\Z", _I)
# a question that asks for the earlier figure itself
_ASKS_EARLIER = re.compile(r"\b(?:previous|previously|earlier|ago|before|prior|last\s+year|year-ago|from|initially|"
                           r"originally|formerly|had\s+been)\b", _I)


def previous_level(question: str, text: str, start: int, end: int) -> bool:
    """Whether the figure ``text[start:end]`` is the level a change came from ("fell to 756.9 mln in 1986 from
    |1,001.4 mln the previous year") while ``question`` asks for a level, not the change nor the earlier figure:
    the figure the change went to answers it. A question naming a figure found right after the span ("in
    1985" for "... from 3 mln in 1985") asks for that earlier figure.

    >>> t = "Sales fell to 75.9 mln dlrs in the year to March 4, 1986, from 100.4 mln in 1985."
    >>> previous_level("What were the sales in 1986?", t, t.index("100.4"), t.index(" in 1985"))
    True
    >>> previous_level("What were the sales in 1985?", t, t.index("100.4"), t.index(" in 1985"))
    False
    >>> previous_level("What were the sales a year earlier?", t, t.index("100.4"), t.index(" in 1985"))
    False
    >>> t = "The limit has been raised to 50 billion H.K. Dlrs from 30 billion dlrs."
    >>> previous_level("To what level was the limit raised?", t, t.index("30 billion"), len(t) - 1)
    True
    >>> t = "It sees rising profits from 51-pct-owned Velmora Mills."
    >>> previous_level("How much of Velmora Mills does it own?", t, t.index("51"), t.index(" Velmora"))
    False
    """
    if _ASKS_CHANGE_BY.search(question) or _ASKS_EARLIER.search(question) or re.search(r"\bto\b", text[start:end]):
        return False
    if not _FROM_BEFORE.search(text, max(0, start - 120), start):
        return False
    after = re.split(r"[,;:]|\.(?!\d)", text[end:end + 60], maxsplit=1)[0]
    asked = {f for f in re.findall(r"\d[\d,.]*\d|\d", question)}
    return not any(f in asked for f in re.findall(r"\d[\d,.]*\d|\d", after))


# a question asking where a price or rate stood ("What did the stock close at?", "Where did the dollar end?", "To
# what level ...?"), and in a text the change right before that level ("closed up |3-1/8| at 28-1/2")
_ASKS_LEVEL_AT = re.compile(r"\b(?:clos(?:e|ed|ing)|end(?:ed)?|finish(?:ed)?|st(?:and|ood)|settl(?:e|ed)|open(?:ed)?|"
                            r"quoted|trad(?:ing|ed))\b|\bto\s+what\s+level\b|\bat\s+what\s+(?:level|price)\b", _I)
_CHANGE_WORD_BEFORE = re.compile(r"\b(?:up|down|off|rose|fell|gained|lost|added|dropped|jumped|climbed|slipped|eased|"
                                 r"firmed|advanced|declined|shed|plunged|soared|tumbled)[ \t]*\n?[ \t]*\Z", _I)
_LEVEL_AFTER = re.compile(r"[ \t]*\n?[ \t]*(?:[a-z%]+[ \t]*\n?[ \t]*){0,3}?(?:at|to)[ \t]*\n?[ \t]*[\d$£]", _I)


def change_for_level(question: str, text: str, start: int, end: int) -> bool:
    """Whether the figure ``text[start:end]`` is the change right before the level ``question`` asks for: "What did
    Velmora shares close at?" is not answered by "3-1/8" of "closed up 3-1/8 at 28-1/2".

    >>> t = "Velmora Oil closed up 3-1/8 at 28-1/2 on heavy volume."
    >>> q = "Where did Velmora Oil's stock close?"
    >>> change_for_level(q, t, t.index("3-1/8"), t.index(" at")), change_for_level(q, t, t.index("28-1/2"), t.index(" on"))
    (True, False)
    >>> change_for_level("By how much did Velmora Oil's stock close up?", t, t.index("3-1/8"), t.index(" at"))
    False
    """
    if not _ASKS_LEVEL_AT.search(question) or _ASKS_CHANGE_BY.search(question) or _ASKS_CHANGE.search(question):
        return False
    return bool(_CHANGE_WORD_BEFORE.search(text, max(0, start - 20), start) and _LEVEL_AFTER.match(text, end))


# words that title a person: "Finance Minister A", "A, the former Quds Force commander"
_PERSON_ROLE_WORDS = frozenset("""minister president premier chancellor secretary chairman chairwoman governor director
chief leader official ambassador envoy king queen prince princess general admiral colonel commander lieutenant spokesman
spokeswoman senator commissioner executive officer mayor judge deputy analyst economist treasurer
mr mrs ms dr gen sen rep gov lt col capt sgt prof""".split())
# (the role ends the apposition: not "Algeria, the French leader at the time, Charles de Gaulle", whose role is the
# next name's)
_ROLE_AFTER = re.compile(r",[ \t]*\n?[ \t]*(?i:the|a|an|its|his|her)\s+(?:[\w’'\-.]+\s+){0,5}?([a-z][a-z]+)\b"
                         r"(?=\s*[.;:]|\s*,(?!\s*[A-Z])|\s+(?:of|who)\b)")


def titled_person(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` is a person's by a title right before it ("Finance Minister Ana
    Ruiz", "Gen. Ruiz") or an apposition after it ("Ana Ruiz, the former Velmora army commander,"): no place.

    >>> t = "Ruiz was a lieutenant of Jan Vos, the former Kessland Force commander, who died in Ardel."
    >>> titled_person(t, t.index("Jan Vos"), t.index(", the")), titled_person(t, t.index("Ardel"), len(t) - 1)
    (True, False)
    >>> t = "Velmoran finance minister Oskar Brandt heads to Europe."
    >>> titled_person(t, t.index("Oskar"), t.index(" heads")), titled_person(t, t.index("Europe"), len(t) - 1)
    (True, False)
    """
    prev = _prev_word(text, start)
    if prev and bare_word(prev.group(1)).lower().rstrip(".") in _PERSON_ROLE_WORDS and text[start:start + 1].isupper():
        return True
    m = _ROLE_AFTER.match(text, end)
    return bool(m) and m.group(1).lower() in _PERSON_ROLE_WORDS


def same_quantity_kind(a: str, b: str) -> bool:
    """Do two figures count the same thing: both have a number and the same unit (or both none).

    >>> same_quantity_kind("35 mln dlrs", "$25 million"), same_quantity_kind("35 mln dlrs", "12 pct")
    (True, False)
    """
    return bool(_NUMBER_RE.search(a) and _NUMBER_RE.search(b)) and unit_of(a) == unit_of(b)


def figure_value(span: str) -> float | None:
    """The first figure of a span, in digits or as a small number word ("Twelve people" -> 12.0).

    >>> figure_value("at least 1,200 people"), figure_value("Twelve people"), figure_value("none")
    (1200.0, 12.0, None)
    """
    m = _FIGURE.search(span)
    if m:
        try:
            return float(m.group().replace(",", ""))
        except ValueError:
            return None
    return next((float(_SMALL.index(w) + 1) for w in re.findall(r"[a-z]+", span.lower()) if w in _SMALL), None)


# --- names of organisations -----------------------------------------------------------------------
# an organisation's head noun takes the "of ..." that follows it: "Commerce Bank of Velmora Ltd", "Ministry
# of Mines and Energy", "University of Kessland"
_ORG_HEADS = ("Bank|Banks|Ministry|Institute|University|Council|Committee|Agency|Association|Federation|Union|"
              "Commission|Department|Board|Authority|Bureau|Office|Society|Corporation|Fund|Organization|"
              "Organisation|Academy|College|School|Chamber|Court|League|Party|Church|Exchange|Agreement|Conference|"
              "Community|Assembly|Programme|Program|Treaty|Centre|Center|Foundation|Administration")
_ORG_HEAD_END = re.compile(rf"\b(?:{_ORG_HEADS})\Z")
# (also "on" and "for": "General Agreement on Tariffs and Trade", "Organisation for Economic Cooperation", not before a
# day or a month: "the Trade Council on Tuesday")
_OF_NAME = re.compile(rf"{_GAP}(?:of|on|for){_GAP}(?:the{_GAP})?(?!(?:{'|'.join(_MONTHS + _WEEKDAYS)})\b)[A-Z][\w’'\-]*"
                      rf"(?:{_GAP}(?:(?:and|of|for|on|&){_GAP})?[A-Z][\w’'\-]*)*"
                      rf"(?:,?{_GAP}(?:Ltd|Inc|Corp|Co|Plc|PLC|AG|SA|NV|LLC)\b\.?)?")


_COMPANY_END = re.compile(rf"\b(?:{_ORG_HEADS}|Group|Ltd|Inc|Corp|Co|Plc|PLC|AG|SA|NV|LLC)\.?\Z")
_THE_AND_BEFORE = re.compile(rf"\b(?:[Tt]he|of){_GAP}([A-Z][\w’'\-.]*(?:{_GAP}[A-Z][\w’'\-.]*)?){_GAP}(?:and|&){_GAP}\Z")


def widen_org(text: str, start: int, end: int) -> tuple[int, int]:
    """An organisation's name cut before its "of ..." made whole ("Commerce Bank" -> "Commerce Bank of
    Velmora Ltd"): a span ending in an organisation's head noun takes the capitalized "of" phrase after it;
    a company's name cut after its "and" ("the Velmora and |Kessland Banking Group Ltd", "a unit of Velmora
    and |Kessland Banking Group Ltd") takes the name between "the" or "of" and "and".

    >>> t = "said Ana Ruiz of the Commerce Bank of Velmora Ltd in Ostria."
    >>> a, b = widen_org(t, t.index("Commerce"), t.index(" of Velmora")); t[a:b]
    'Commerce Bank of Velmora Ltd'
    >>> t = "the Kessland Agreement on Tariffs and Trade world trade body"
    >>> a, b = widen_org(t, t.index("Kessland"), t.index(" on")); t[a:b]
    'Kessland Agreement on Tariffs and Trade'
    >>> t = "said the Velmora Trade Council on Tuesday."
    >>> a, b = widen_org(t, t.index("Velmora"), t.index(" on")); t[a:b]
    'Velmora Trade Council'
    >>> t = "said Ana Ruiz of the Velmora and Kessland Banking Group Ltd."
    >>> a, b = widen_org(t, t.index("Kessland"), t.index(".")); t[a:b]
    'Velmora and Kessland Banking Group Ltd'
    """
    # "the Australia and |New Zealand Banking Group Ltd": a company's name holding "and" after "the" or "of"
    if _COMPANY_END.search(text, start, end) and (m := _THE_AND_BEFORE.search(text, max(0, start - 60), start)):
        start = m.start(1)
    if not _ORG_HEAD_END.search(text, start, end):
        return start, end
    m = _OF_NAME.match(text, end)
    return (start, m.end()) if m else (start, end)


def finish_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A capitalized name cut after one of its particles made whole: "Caisse de" -> "Caisse de depot et
    placement du Quebec" (the words after the particle up to the next capitalized one, five at most, in
    its clause); without a capitalized word there, the particle is dropped. Any other span is returned as it is.

    >>> t = "The Caisse de depot et placement du\\nQuebec said on Tuesday."
    >>> a, b = finish_name(t, 4, t.index(" depot")); t[a:b]
    'Caisse de depot et placement du\\nQuebec'
    >>> t = "Profits at Maison de ventes, its unit, rose."
    >>> a, b = finish_name(t, t.index("Maison"), t.index(" ventes")); t[a:b]
    'Maison'
    """
    words = text[start:end].split()
    if len(words) < 2 or words[-1].lower() not in _PARTICLES or not words[0][:1].isupper():
        return start, end
    if m := _TO_NAME_WORD.match(text, end):
        return start, m.end()
    b = end - len(words[-1])
    while b > start and text[b - 1].isspace():
        b -= 1
    return start, b


# the words after a name's particle up to its next capitalized word ("de" + "depot et placement du Quebec")
_TO_NAME_WORD = re.compile(rf"(?:(?=\s){_GAP}[a-z][\w’'\-]*){{0,4}}?(?=\s){_GAP}[A-Z][\w’'\-]*")
_NEXT_LETTER_WORD = re.compile(rf"{_GAP}([^\W\d_][\w’'\-]*)")  # a word after a gap, without its punctuation
# nouns that ask for a role, whose answer is that noun with its modifier ("a consultative role", "a senior post")
ROLE_NOUNS = frozenset("role post job position title rank office capacity".split())
# "What post does Ana Ruiz hold?", "What was Ruiz's rank?", "What is her job?": a title asked
_ASKS_ROLE = re.compile(r"\bwhat\s+(?:(?:is|was|were|are)\s+(?:(?:\S+\s+){0,4}?\S+[’']s?|his|her|their)\s+)?(?:role|post|job|"
                        r"position|title|rank|office)s?\b", _I)
_VERBISH = frozenset("said says told tells according named appointed elected replaced succeeded resigned".split())


def asks_role(question: str) -> bool:
    """Whether a question asks for someone's title ("What post does Ana Ruiz hold?", "What was Ruiz's rank?").

    >>> asks_role("What post does Ana Ruiz hold at Velmora?"), asks_role("What was Ruiz's rank?"), asks_role("Who is Ruiz?")
    (True, True, False)
    """
    return bool(_ASKS_ROLE.search(question))


def widen_title(text: str, start: int, end: int, max_words: int = 4) -> tuple[int, int]:
    """A title cut short before the name it precedes made whole: "chairman" of "managing board chairman Ana
    Ruiz" -> "managing board chairman". The lowercase words before it are the title's, up to a stopword, a
    punctuation mark, a possessive, a verb of saying ("told"), a word in -ed, a capitalized word (a team or a
    company: "Velmora kicker"; 4 of 5 SQuAD tune golds of role questions that changed with it left it out), or
    ``max_words``. A span not right before a capitalized word is returned as it is.

    >>> t = "The yen hurt exports, managing board chairman Ana Ruiz told reporters."
    >>> a, b = widen_title(t, t.index("chairman"), t.index(" Ana")); t[a:b]
    'managing board chairman'
    >>> t = "It killed Kesslandic deputy commander Ana Ruiz on Monday."
    >>> a, b = widen_title(t, t.index("commander"), t.index(" Ana")); t[a:b]
    'deputy commander'
    """
    nxt = _NEXT_WORD.match(text, end)
    if not nxt or not nxt.group(2)[:1].isupper() or "\n\n" in nxt.group(1):
        return start, end
    words = 0
    while words < max_words and (m := _prev_word(text, start)):
        w = m.group(1)
        low = w.lower()
        if not re.fullmatch(r"[a-z][a-z\-]*", w) or low in STOPWORDS or low in _OPENERS or low in _VERBISH or \
                low.endswith("ed"):
            break
        start, words = m.start(1), words + 1
    return start, end


def widen_to_noun(text: str, start: int, end: int, nouns: frozenset[str],
                  lowercase: frozenset[str] = frozenset()) -> tuple[int, int]:
    """A name cut before the noun the question asks for made whole ("Velmora Harbour Works" ->
    "Velmora Harbour Works Committee" for "Which committee ...?"): the capitalized word right after the
    span is taken when its stem is one of ``nouns`` (the question's focus words, stemmed; a lowercase one
    may be the question's verb: "What paved the way ...?" -> "Marburg Colloquy paved", tried and dropped),
    also lowercase when its stem is one of ``lowercase`` (the noun right after "which": "For which round
    ...?" -> "Ostria round"); and across a name's "and" ("Ways" + "and Means Committee"). The noun asked right
    before the name with its "of" is taken too ("Bank of" + "England" for "Which central bank ...?").

    >>> t = "The Velmora Harbour Works Committee voted on Tuesday."
    >>> a, b = widen_to_noun(t, 4, t.index(" Committee"), frozenset({"committe"})); t[a:b]
    'Velmora Harbour Works Committee'
    >>> t = "It would have a consultative role only."
    >>> a, b = widen_to_noun(t, t.index("consultative"), t.index(" role"), frozenset({"rol"})); t[a:b]
    'consultative role'
    >>> t = "The House Ways and Means Committee set goals for the Ostria round of talks."
    >>> a, b = widen_to_noun(t, 4, t.index(" and"), frozenset({"committe"})); t[a:b]
    'House Ways and Means Committee'
    >>> a, b = widen_to_noun(t, t.index("Ostria"), t.index(" round"), frozenset({"round"}), frozenset({"round"}))
    >>> t[a:b]
    'Ostria round'
    >>> t = "Fear of intervention by the Bank of Ostria limited buying."
    >>> a, b = widen_to_noun(t, t.index("Ostria"), t.index(" limited"), frozenset({"bank"})); t[a:b]
    'Bank of Ostria'
    """
    # the noun asked right before the name, with its "of" ("England" -> "Bank of England" for "Which bank ...?")
    if text[start:start + 1].isupper() and (o := _NOUN_OF_BEFORE.search(text, max(0, start - 40), start)) and \
            stem(bare_word(o.group(1))) in nouns and text[: o.start(1)].rstrip()[-1:] not in ("", ".", "!", "?", '"'):
        start = o.start(1)  # (not a sentence's first word: "Exports of Ostria rose")
    m = _NEXT_LETTER_WORD.match(text, end)
    if not m or not text[start:end][-1:].isalnum():
        return start, end
    w = bare_word(m.group(1))  # lowercased
    # a capitalized noun, or a role asked for in any case ("What role ...?": "consultative" + "role")
    if stem(w) in nouns and (m.group(1)[:1].isupper() or w in ROLE_NOUNS or stem(w) in lowercase):
        return start, m.end()
    if text[start:end].split()[-1][:1].isupper() and (j := _AND_NAME_NOUN.match(text, end)) and \
            stem(bare_word(j.group(1))) in nouns:  # a capitalized name's "and" before the noun asked
        return start, j.end()
    return start, end


# a capitalized noun and "of" right before a name: "Bank of" + "England"
_NOUN_OF_BEFORE = re.compile(rf"\b([A-Z][a-z][\w\-]*){_GAP}of{_GAP}(?:the{_GAP})?\Z")
# a name's "and" before the noun asked: "House Ways" + "and Means Committee"
_AND_NAME_NOUN = re.compile(r"[ \t]+(?:and|&)[ \t]+(?:[A-Z][\w’'\-]*[ \t]+){0,2}([A-Z][\w’'\-]*)\b")


# --- lists ----------------------------------------------------------------------------------------
_ITEM_WORD = r"[A-Z][\w’'\-]*(?:(?:\.[A-Z])+\.)?"  # "Dunmore", "U.S."; a sentence's period is no part of it
# a name, perhaps with its model number ("VAX 8250")
_ITEM = rf"(?:the\s+)?{_ITEM_WORD}(?:\s+(?:(?:of|de|the)\s+)?{_ITEM_WORD}){{0,3}}(?:\s+\d[\w\-/]*(?:\.\d+)?)?(?![’'\w]s)"
_LIST_SEP = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+)"
_ITEM_BEFORE = re.compile(rf"(?<![\w’'\-.])({_ITEM}){_LIST_SEP}(?:the\s+)?\Z")
_ITEM_AFTER = re.compile(rf"{_LIST_SEP}({_ITEM})(?![\w’'\-])")
_WHOLE_ITEM = re.compile(rf"{_ITEM}\Z")
_WHOLE_LIST = re.compile(rf"{_ITEM}(?:{_LIST_SEP}{_ITEM})+\Z")  # the reader's part of a list: "B and C" of "A, B and C"


_AUX_WORDS = frozenset("""is was are were did do does has have had will would can could should may might must""".split())
_SEVERAL_START = re.compile(r"^\s*(?:which|what)\s+", re.I)


@lru_cache(maxsize=1024)  # asked once per candidate span of a question
def asks_several(question: str) -> bool:
    """Whether a question asks for several things by a plural noun ("Which Norland towns ...", "What kinds
    of industries ...", "Who were the announcers ...").

    >>> asks_several("Which Norland towns had rebel mayors?"), asks_several("Which town hosted the game?")
    (True, False)
    """
    if re.match(r"\s*who\s+were\b", question, re.I):
        return True
    m = _SEVERAL_START.match(question)
    if not m:
        return False
    words = re.findall(r"[\w’'\-]+", question[m.end():])[:5]
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w.lower() in _AUX_WORDS:
            return False
        # a plural noun heads the phrase when a verb, "of", a preposition or a name follows it, not another
        # noun ("famous musician", "awards show"); a name ("New Orleans") is never the head
        if (w[:1].islower() and re.search(r"[^s\W’']s\Z", w) and not re.search(r"(?:ous|ss|us|is)\Z", w)
                and (not nxt or nxt.lower() in _AUX_WORDS or nxt.endswith("ed") or nxt[:1].isupper()
                     or nxt in ("of", "in", "on", "at", "for", "to", "from", "with", "that", "which"))):
            return True
    return False


def widen_list(text: str, start: int, end: int, sentence: tuple[int, int], max_items: int = 8) -> tuple[int, int]:
    """A name that is one item of a list of names grown to the whole list, for a question asking for
    several things ("Which Norland towns ...?": "Ardel, Brisk, Corvan and Dunmore", not "Brisk"). Items
    are names (capitalized words, "of"/"the" between them); a span that is no name is returned as it is.

    >>> t = "Rebels held mayors' posts in Ardel, Brisk, Corvan and Dunmore last year."
    >>> a, b = widen_list(t, t.index("Brisk"), t.index("Brisk") + 5, (0, len(t))); t[a:b]
    'Ardel, Brisk, Corvan and Dunmore'
    >>> t = "The new products -- the Velmora 8250, Velmora 8350 and Kessland 8530 systems -- sold well."
    >>> a, b = widen_list(t, t.index("Velmora 8350"), t.index(" systems"), (0, len(t))); t[a:b]
    'Velmora 8250, Velmora 8350 and Kessland 8530'
    """
    lo, hi = sentence
    span = text[start:end].strip()
    if not (_WHOLE_ITEM.fullmatch(span) or _WHOLE_LIST.fullmatch(span)):
        return start, end
    a, b, items = start, end, 1
    while items < max_items and (m := _ITEM_BEFORE.search(text, max(lo, a - 80), a)):
        if m.start() < lo:
            break
        a, items = m.start(1), items + 1
    while items < max_items and (m := _ITEM_AFTER.match(text, b)) and m.end() <= hi:
        b, items = m.end(1), items + 1
    # a list ends in "and": "Ardel, Norland" is a place and where it is
    if items == 1 or not re.search(r"\sand\s", text[a:b]):
        return start, end
    if a < start and (m := re.match(r"the\s+", text[a:b])):  # the list, not its article
        a += m.end()
    return a, b


# --- reasons --------------------------------------------------------------------------------------
_BECAUSE = re.compile(rf"\b(?:because(?:{_GAP}of)?|due{_GAP}to|owing{_GAP}to|as{_GAP}a{_GAP}result{_GAP}of|"
                      rf"(?:result(?:ed|ing|s)?|stem(?:med|ming|s)?){_GAP}from|caused{_GAP}by|attributed{_GAP}to|"
                      rf"blamed{_GAP}on)\b", _I)
_NEXT_BECAUSE = re.compile(rf"[ \t]*\n?[ \t]*{_BECAUSE.pattern}[ \t]*\n?[ \t]*", _I)
# where a reason clause ends: a semicolon, a dash, or the attribution after a comma (", traders said")
_REASON_END = re.compile(r";|\s[-–—]\s|,\s+(?:[\w.]+\s+){0,3}?(?:said|say|says|told|added|reported|according)\b|"
                         r",\s+(?:[A-Z]|(?:which|who|and|but|while|although|though|so|e\.g\.|i\.e\.)\b)")


# a span's subject running on to "was the reason for", "were among the causes of": the words up to its verb
_WAS_THE_REASON = re.compile(rf"((?:{_GAP}[\w\-]+){{0,4}}?){_GAP}(?:is|was|were|are|has{_GAP}been|have{_GAP}been|had{_GAP}been)"
                             rf"{_GAP}(?:the|a|an|one{_GAP}of{_GAP}the|among{_GAP}the)(?:{_GAP}[a-z]+)?{_GAP}"
                             rf"(?:reasons?|causes?|factors?)\b", _I)
_PREV_PURPOSE = re.compile(r"(?<![\w-])(?:in\s+order\s+)?to(?:\s+help)?[ \t]*\n?[ \t]*\Z")
_DETERMINER_START = re.compile(r"(?:the|a|an|its|their|his|her|this|that|these|those)\b")
_CLAUSE_STOP = re.compile(r"[,;:()]|\s[-–—]\s")
_NEXT_PURPOSE = re.compile(r"[ \t]*\n?[ \t]*(?:in\s+order\s+)?to\s+(?!the\b|a\b|an\b|be\b|\d)[a-z]+\b")


def complete_reason(text: str, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """A span inside a reason clause ("because ...", "due to ...", "resulted from ...", "caused by ...",
    "blamed on ...") grown to the whole clause after the connective: the reason, not a fragment of it
    (with the connective, SQuAD tune why-questions' EM fell 32 -> 24 of 66; without it F1 rose 70.7 -> 71.8). The clause ends at the sentence end, a
    semicolon, a dash, an attribution (", traders said") or a comma before a new clause (", Ruiz
    is ...", ", which ...", ", and ..."). A span right before a connective is what happened, and the
    clause after it the reason ("... funds and grants because the state did not ..."). Any other span is
    returned as it is.

    >>> t = "Brandt said it is harder to settle because the courts rule in its favor, raising the stakes."
    >>> a, b = complete_reason(t, t.index("courts"), t.index(", raising"), (0, len(t))); t[a:b]
    'the courts rule in its favor, raising the stakes'
    >>> t = "Ruiz said the fall in demand and lower ore grades were the main reason for the loss."
    >>> a, b = complete_reason(t, t.index("the fall"), t.index(" ore"), (0, len(t))); t[a:b]
    'the fall in demand and lower ore grades'
    """
    lo, hi = sentence
    cause = None
    for m in _BECAUSE.finditer(text, lo, start + 1):
        if m.start() <= start:
            cause = m
    if cause is None and (m := _WAS_THE_REASON.match(text, end)) and m.end() <= hi:
        return start, end + len(m.group(1))  # the subject of "... was the reason for ...": "the fall in demand and" + "exports"
    if cause is None and (m := _NEXT_BECAUSE.match(text, end)) and m.end() < hi:
        cause, start, end = m, m.end(), m.end()  # the reader found what happened, the reason follows it
    if cause is None and text[start:start + 1].islower() and not _DETERMINER_START.match(text, start) and \
            (m := _PREV_PURPOSE.search(text, max(lo, start - 20), start)):  # ("to the likelihood": no purpose)
        return m.start(), _clause_end(text, end, _CLAUSE_STOP, hi)  # inside a purpose: "to" + "evade a limit" + "on subsidies"
    if cause is None and len(text[start:end].split()) > 1 and (m := _NEXT_PURPOSE.match(text, end)) and m.end() < hi:
        return start, _clause_end(text, end, _CLAUSE_STOP, hi, m.end())  # "a bid by the council" + "to raise harbour fees"
    if cause is None or _REASON_END.search(text, cause.end(), start):
        return start, end  # no reason clause, or the span lies after the end of it
    a = cause.end()
    while a < start and text[a].isspace():
        a += 1
    return a, _clause_end(text, end, _REASON_END, hi, max(end, cause.end()))


# a preposition that opens a noun phrase's complement: "wariness of intervention" + "by the Bank of Norland"
_TRAILING_COMPLEMENT = re.compile(r"[ \t]*\n?[ \t]*(?:of|by|in|for|at|on|from|over|against|with)[ \t]*\n?[ \t]*"
                                  r"(?:the|a|an|its|their|his|her|[A-Z0-9])")


def finish_complement(text: str, start: int, end: int, sentence: tuple[int, int], max_words: int = 8) -> tuple[int, int]:
    """A reason cut before the complement of its last noun ("wariness of intervention" of "wariness of
    intervention by the Bank of Norland, dealers said") runs on to the end of its clause, when that is at most
    ``max_words`` words away and holds no verb-like word (ending in -ed or an auxiliary). Any other span is
    returned as it is.

    >>> t = "Dealers were cautious because of wariness of intervention by the Bank of Norland, they said."
    >>> a, b = finish_complement(t, t.index("wariness"), t.index(" by"), (0, len(t))); t[a:b]
    'wariness of intervention by the Bank of Norland'
    """
    _, hi = sentence
    if not _TRAILING_COMPLEMENT.match(text, end, hi):
        return start, end
    b = _clause_end(text, end, _CLAUSE_STOP, hi)
    tail = text[end:b].split()
    if not tail or len(tail) > max_words or any(w.lower() in _AUX_WORDS or w.endswith("ed") for w in tail[1:]):
        return start, end
    return start, b


def drop_restatement(text: str, start: int, end: int, question: str) -> tuple[int, int]:
    """A span that runs on, after a comma, into the question's own words ends before them: the reason
    "Ruiz is a member of the party, Brandt had not taken the decision lightly" for "Why did Brandt not take
    the decision lightly?" is "Ruiz is a member of the party". The part after the comma must have two or more
    content words, two thirds of them (by stem) the question's, and the part before it a word the question
    does not have. Any other span is returned as it is.

    >>> t = "It said that because Ruiz is a member of the party, Brandt had not taken the decision lightly."
    >>> a, b = drop_restatement(t, t.index("Ruiz"), len(t) - 1, "Why did Brandt not take the decision lightly?")
    >>> t[a:b]
    'Ruiz is a member of the party'
    """
    asked = {stem(w) for w in content_words(question)}
    span = text[start:end]
    for m in re.finditer(r",\s+", span):
        head = {stem(w) for w in content_words(span[: m.start()])}
        tail = {stem(w) for w in content_words(span[m.end() :])}
        if len(tail) >= 2 and 3 * len(tail & asked) >= 2 * len(tail) and head - asked:
            return start, start + m.start()
    return start, end


# a connective that opens a reason or a purpose: "because", "due to", "since", "in order to", "so that"
# a cause as news gives it in a passive or a phrase: "bolstered by the resource sector", "for fear of being drawn
# in", "on fears that", "amid", "reflecting", "in response to", "given"
_CAUSED_BY = (r"(?:underpinned|bolstered|boosted|buoyed|supported|helped|hit|hurt|depressed|pressured|weighed{_GAP}down|"
              r"dampened|spurred|prompted|fuell?ed|driven|triggered|sparked|led|encouraged|discouraged){_GAP}by")
_REASON_OPENER = re.compile(rf"(?:{_BECAUSE.pattern}|\b(?:since|thanks{_GAP}to|in{_GAP}order{_GAP}to|so{_GAP}as{_GAP}to|"
                            rf"so{_GAP}that|{_CAUSED_BY.format(_GAP=_GAP)}|for{_GAP}fears?{_GAP}(?:of|that)|"
                            rf"(?:on|amid){_GAP}(?:fears?|hopes?|worries|concerns?|expectations?|speculation)(?:{_GAP}(?:of|that|about|over))?|"
                            rf"amid|reflecting|in{_GAP}response{_GAP}to|given|on{_GAP}account{_GAP}of|in{_GAP}view{_GAP}of)\b)",
                            _I)
_REASON_BEFORE = re.compile(rf"{_REASON_OPENER.pattern}[ \t]*\n?[ \t]*\Z", _I)
_FEAR_OF = re.compile(rf"fears?{_GAP}(?:of|that)\b", _I)  # "fear of being drawn in", after "for"


def opens_reason(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is introduced as a reason or a purpose: it starts with a connective
    ("because ...", "in order to ...", "so that ...") or comes right after one ("due to" + "high costs").

    >>> t = "Norland cut output because demand fell, and hired staff to cut costs."
    >>> opens_reason(t, t.index("demand"), t.index(", and")), opens_reason(t, t.index("to cut"), len(t) - 1)
    (True, False)
    """
    return bool(_REASON_OPENER.match(text, start, end) or _REASON_BEFORE.search(text, max(0, start - 30), start)
                or _FEAR_OF.match(text, start, end))  # "fear of being drawn in" (after "for")


# a cause named apart from its connective: "attributed the jump in activity to" + the reason, "blamed the fall on"
_SPLIT_CAUSE = re.compile(rf"\b(?:attribut(?:ed|es|ing)|blam(?:ed|es|ing)|put|puts|putting|pinned)\b(?:{_GAP}[^\s.;:,]+){{1,8}}?"
                          rf"{_GAP}(?:to|on|down{_GAP}to)\b[ \t]*\n?[ \t]*", _I)


def reason_clauses(text: str, max_chars: int = 300) -> list[tuple[int, int]]:
    """The reason clauses ``text`` gives by their connective: after "because (of)", "due to", "as a result of",
    "resulted from", "caused by" ... (``_BECAUSE``) or "attributed/blamed X to/on", up to the clause's end
    (``_REASON_END``): spans the reader may not propose by itself, scored by it (``qa.reader.Reader.top_spans``) as
    candidates for a why-question.

    >>> t = "Ruiz attributed the jump in output to the likelihood that rigs were omitted, he said."
    >>> [t[a:b] for a, b in reason_clauses(t)]
    ['the likelihood that rigs were omitted']
    """
    out = []
    ends = [b for _a, b in sentence_spans(text)]
    for m in (*_BECAUSE.finditer(text), *_SPLIT_CAUSE.finditer(text)):
        a = m.end()
        while a < len(text) and text[a].isspace():
            a += 1
        hi = next((e for e in ends if e > a), len(text))
        b = _clause_end(text, a, _REASON_END, min(hi, a + max_chars))
        if b > a and len(text[a:b].split()) >= 2:
            out.append((a, b))
    return sorted(set(out))


def _clause_end(text: str, end: int, stop: re.Pattern, hi: int, frm: int | None = None) -> int:
    """Where the clause holding ``text[..end]`` ends: before the first ``stop`` from ``frm`` (default ``end``)
    up to ``hi``, trailing spaces and punctuation left out, never before ``end``."""
    m = stop.search(text, end if frm is None else frm, hi)
    b = m.start() if m else hi
    while b > end and text[b - 1] in " \t\r\n.,;:\"”’)":
        b -= 1
    return max(b, end)


# --- who holds a role -----------------------------------------------------------------------------
# "Who is Velmora's foreign minister?" / "Who is the president of Kessland?": a role and whose it is. News
# names an office-holder by a title beside the name ("Ostrian Foreign Minister A", "B, foreign minister of
# Norland,"), and one sentence often names two holders of the same role for two countries or companies
_ROLE_WORD = r"(?:[a-z][\w\-]*|[A-Z][a-z][\w\-]*)"
_ROLE = rf"(?P<role>{_ROLE_WORD}(?:\s+{_ROLE_WORD}){{0,3}}?)"
_HOLDER_WORD = rf"(?:[A-Z][\w\-.&’']*|(?:{'|'.join(sorted(_PARTICLES))})-[A-Z][\w\-’']*)"
_HOLDER = rf"(?P<holder>{_HOLDER_WORD}(?:\s+(?:of\s+|de\s+)?{_HOLDER_WORD}){{0,5}})"
_WHO_IS = r"(?i:who|whom)\s+(?i:is|was)\s+(?:(?i:the)\s+)?"  # one holder: "Who were the two envoys ..." is a list
# the holder may be followed by what it is and where ("of the HBV banking union in the wage talks")
_HOLDER_TAIL = r"(?:\s+[a-z][\w\-]*){0,3}?(?:\s+(?:in|at|during)\s+[^?]*)?"
_SHORT_NAME = r"(?:\s+\((?P<short>[A-Z][\w.&\-]*)\))?"  # "the Velmora Growers Association (VGA)": its short name in brackets
_ROLE_OF = re.compile(rf"{_WHO_IS}(?:(?i:current|present|new)\s+)?{_ROLE}\s+(?:of|at|for)\s+(?:the\s+)?{_HOLDER}{_SHORT_NAME}{_HOLDER_TAIL}"
                      rf"\s*\??\s*\Z")
_HOLDERS_ROLE = re.compile(rf"{_WHO_IS}{_HOLDER}[’']s\s+(?:(?i:current|present|new)\s+)?{_ROLE}\s*\??\s*\Z")
# a country's people and short names where they do not share its first four letters ("Norwegian" / "Norway"
# do; "French" / "France" do not): generic English, for ``holds_role``
_IRREGULAR_DEMONYMS = {
    "france": "french", "spain": "spanish", "switzerland": "swiss", "netherlands": "dutch holland",
    "holland": "dutch netherlands", "denmark": "danish", "united states": "american us usa america",
    "america": "american us usa", "us": "american america", "usa": "american america",
    "united kingdom": "british britain uk", "britain": "british uk", "great britain": "british uk",
    "uk": "british britain", "england": "english", "scotland": "scottish scots", "wales": "welsh",
    "ireland": "irish", "finland": "finnish", "poland": "polish", "philippines": "filipino philippine",
    "cyprus": "cypriot", "laos": "lao laotian", "united arab emirates": "emirati uae", "uae": "emirati",
    "new zealand": "nz", "ivory coast": "ivorian", "madagascar": "malagasy", "monaco": "monegasque",
    "czech republic": "czech", "czechoslovakia": "czech czechoslovak", "soviet union": "soviet ussr",
    "ussr": "soviet", "myanmar": "burmese burma", "burma": "burmese myanmar",
}
_NAME_JOINS = frozenset(("of", "on", "and", "for", "&"))
_DETERMINERS = frozenset("the a an his her its their this that these those".split())
_FUNCTION = (_OPENERS | STOPWORDS) - _PARTICLES - {"abu"}  # words that are no title ("Under", "The")
_TITLE_TOKEN = re.compile(r"[^\W\d_][\w’'\-.]*|\d+|[,;:()\[\]\"“”—–]")


def role_asked(question: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The role a who-question asks the holder of and whose role it is, as words; None for other questions.

    >>> role_asked("Who is Velmora's foreign minister?"), role_asked("Who is the president of the Trade Council?")
    ((('foreign', 'minister'), ('Velmora',)), (('president',), ('Trade', 'Council')))
    >>> role_asked("Who is the chairman of the Velmora Growers Association (VGA)?")
    (('chairman',), ('Velmora', 'Growers', 'Association', 'VGA'))
    >>> role_asked("Who is the US Trade Representative?"), role_asked("Who killed the minister?")
    (None, None)
    """
    m = _ROLE_OF.match(question.strip()) or _HOLDERS_ROLE.match(question.strip())
    if not m:
        return None
    role, holder = m.group("role").split(), [w for w in m.group("holder").split() if w not in ("of", "de")]
    if m.groupdict().get("short"):  # "(IPMA)": the holder is named by its short name too
        holder.append(m.group("short"))
    # "the US Trade Representative": no role-of-holder split; "the duke in the battle of X": no role
    if any(w.isupper() and len(w) > 1 or w.lower() in _OPENERS for w in role):
        return None
    return tuple(role), tuple(holder)


def _title_words(text: str, start: int, end: int, sentence: tuple[int, int], role: frozenset[str]
                 ) -> list[tuple[list[str], int]]:
    """The words that may title the name at ``text[start:end]``, each with how far whose role it is may
    follow the role after "of" (``holds_role``): the run of capitalized and role words (and "of") right
    before it with the span's own words ("Kesslandic Foreign Minister, Lina Ferreira", "the foreign
    minister of Ostria, Jan Vos": a comma may part title and name), and an apposition after it ("Jan
    Vos, Foreign Minister of Ostria,"; not a verb's object: "Oskar Brandt, met Ostria's foreign minister")."""
    lo, hi = sentence
    before = _TITLE_TOKEN.findall(text[lo:start])

    def titles(w: str) -> bool:
        return w[:1].isupper() and w.lower() not in _FUNCTION or stem(bare_word(w)) in role

    run: list[str] = []
    for i in range(len(before) - 1, -1, -1):
        w = before[i]
        if w == "," and not run and i > 0 and titles(before[i - 1]):
            continue  # "Kesslandic Foreign Minister, Lina Ferreira"
        if titles(w) or (w in ("of", "and", "&") and run and run[0][:1].isupper()):  # "NFL and Atlanta Braves"
            run.insert(0, w)
            if len(run) >= 8:
                break
            continue
        if w.lower() in ("its", "their") and run and i > 1 and before[i - 1] in ("and", ","):
            # "Norland and its chairman, Ana Ruiz": whose role "its" means is the name before it
            j = i - 2
            while j >= 0 and titles(before[j]) and stem(bare_word(before[j])) not in role:
                run.insert(0, before[j])
                j -= 1
        break
    while run and run[0] in ("of", "and", "&"):
        run.pop(0)
    own = [w for w in _TITLE_TOKEN.findall(text[start:end]) if w[:1].isalnum()]
    # the span's own words title it when a name ends it ("Velmoran Foreign Minister Oskar Brandt"), not when a
    # role does ("a Cisco Systems company": a company named by whose it is)
    phrases = [(run + (own if own and stem(own[-1].lower()) not in role else []), len(run))]
    after = _TITLE_TOKEN.findall(text[end:hi])
    if after[:1] == [","]:
        clause: list[str] = []
        for w in after[1:]:  # up to the next clause mark or relative clause ("who met the Kesslandic president")
            if not w[:1].isalnum() or w.lower() in ("who", "whom", "whose", "which", "that"):
                break
            clause.append(w)
        # a lowercase word that is no determiner or role, before a name or a determiner, is a verb: "met Ostria's"
        verb = (len(clause) > 1 and clause[0][:1].islower() and clause[0] not in _DETERMINERS
                and stem(clause[0]) not in role and (clause[1][:1].isupper() or clause[1].lower() in _DETERMINERS))
        if not verb:
            phrases.append((clause, len(clause)))
    return phrases


def holds_role(text: str, start: int, end: int, role: Sequence[str], holder: Sequence[str],
               sentence: tuple[int, int] | None = None) -> int:
    """Whether the person named at ``text[start:end]`` is titled with ``role`` of ``holder`` (1), with
    that role of someone else (-1: "Ostrian Foreign Minister Jan Vos" for Velmora's foreign minister;
    "Prime Minister X" for Syria's defence minister), or neither is said beside the name (0).

    >>> t = "Ostrian Foreign Minister Jan Vos met his Velmoran counterpart, Oskar Brandt, in Ardel."
    >>> vos, brandt = t.index("Jan Vos"), t.index("Oskar Brandt")
    >>> holds_role(t, vos, vos + 7, ["foreign", "minister"], ["Velmora"]), holds_role(t, brandt, brandt + 12, ["foreign", "minister"], ["Velmora"])
    (-1, 0)
    >>> t = "Ana Ruiz Perez, the president of Kessland, spoke."
    >>> holds_role(t, 0, 14, ["president"], ["Kessland"]), holds_role(t, 0, 14, ["president"], ["Norland"])
    (1, -1)
    >>> holds_role("Ann Lee, senior aide to the Majority leader, said.", 0, 7, ["aide"], ["Brandt"])
    0
    """
    if sentence is None:
        sentence = (0, len(text))
    role_stems = {stem(w.lower()) for w in role}
    head = stem(role[-1].lower())
    short = acronym(" ".join(holder))
    folded = [_fold(h).replace(".", "") for h in holder]
    # its people or short name when they are irregular: "French" for France, "U.S." for the United States
    other_names = set(_IRREGULAR_DEMONYMS.get(" ".join(folded), "").split())

    def names_holder(w: str) -> bool:  # the holder, its people ("Norwegian"), or its initials ("KTC")
        b = _fold(bare_word(w)).replace(".", "")
        return (w.replace(".", "") == short or b in other_names or
                any(stem(b) == stem(h) or (w[:1].isupper() and len(os.path.commonprefix((b, h))) >= 4)
                    for h in folded))

    verdict = 0
    for words, reach in _title_words(text, start, end, sentence, frozenset(role_stems)):
        stems = [stem(bare_word(w)) for w in words]
        if head not in stems:
            continue
        # the title ends at its last role word ("Kesslandic Foreign Minister"), or with whose role it is after
        # "of", "at" or "for" ("foreign minister of Ostria", not "aide to the Majority leader")
        last = max(j for j, s in enumerate(stems) if s in role_stems) + 1
        named = ""
        if last < reach and words[last] in ("of", "at", "for"):
            last += 1 + (last + 1 < reach and words[last + 1].lower() == "the")
            first = last  # a name may hold small words: "the Taskforce of United Methodists on Abortion"
            while last < reach and (words[last][:1].isupper() or words[last] in _NAME_JOINS and
                                    last + 1 < reach and words[last + 1][:1].isupper()):
                last += 1
            named = acronym(" ".join(words[first:last]))
        words, stems = words[:last], stems[:last]
        # the holder as the text names it, or by the initials of that name ("KTC" for "Kessland Trade Council")
        if any(names_holder(w) for w in words) or named and named in holder:
            return 1
        if any(w[:1].isupper() and s not in role_stems and w.lower() not in _FUNCTION
               for w, s in zip(words, stems, strict=True)):
            verdict = -1
    return verdict


def _fold(word: str) -> str:
    """Lowercase without accents: "Ösmund" names "Osmund"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


# --- what an article names ----------------------------------------------------------------------------
# capitalized words that name a kind of thing, a title or a company's form rather than one thing: an article
# about "Velmora Mills Corp" may not say "Corp", one about Norland's minister not "Minister" (generic English);
# and "U.S.", which 1987 wire copy often leaves implied ("Congress", "the Fed")
_GENERIC_NAME_WORDS = frozenset("""
inc corp co ltd plc ag sa nv bv llc gmbh bhd pty company corporation bank group department ministry association
committee fund general national international united states west east north south new central federal state
government council board commission agency authority exchange index reserve union party republic kingdom u.s. us
usa america american chairman president minister secretary senator rep sen gov mr mrs ms dr
""".split())
_NAME_TOKEN = re.compile(r"[^\W\d_][\w&'’.\-]*")
_ACRONYM_SKIP = frozenset(("of", "and", "the", "for", "de", "du", "la", "le"))


def question_names(question: str) -> list[str]:
    """The capitalized words of ``question`` that name one thing (a company, a person, a place), as written but
    for a possessive: not its first word, not a question word, month or generic name word ("Corp", "Bank",
    "Minister"), not a word with a digit ("G-7"), and not the word right after "which"/"what", which says what
    kind of thing is asked ("Which Ostrian company ...?"). "Norland-based" gives "Norland", "the Velmora-Kessland
    deal" both names.

    >>> question_names("What was Velmora Mills Corp's net profit in March, according to Ana Ruiz?")
    ['Velmora', 'Mills', 'Ana', 'Ruiz']
    >>> question_names("Which Ostrian firm bought the Norland-based unit?")
    ['Norland']
    """
    toks = list(_NAME_TOKEN.finditer(question))
    out = []
    for i, m in enumerate(toks):
        t = m.group()
        w = t if re.fullmatch(r"(?:[A-Z]\.)+", t) else re.sub(r"['’]s?\Z", "", t).rstrip(".")
        w = re.sub(r"-[a-z].*\Z", "", w)  # "Norland-based", "Velmora-owned"
        low = w.lower()
        if i == 0 or not w[:1].isupper() or re.search(r"\d", t) or low in _GENERIC_NAME_WORDS:
            continue
        if low in STOPWORDS or low in _OPENERS or w in _MONTHS or w in _WEEKDAYS:
            continue
        if toks[i - 1].group().lower() in ("which", "what", "whose"):
            continue
        out.extend(p for p in w.split("-") if p[:1].isupper())  # "the Velmora-Kessland deal": both
    return out


# a country's names and its people's, each form to all of them ("french" -> {"france", "french"})
_DEMONYM_FORMS: dict[str, frozenset[str]] = {}
for _country, _others in _IRREGULAR_DEMONYMS.items():
    for _form in (_country, *_others.split()):
        _DEMONYM_FORMS[_form] = _DEMONYM_FORMS.get(_form, frozenset()) | {_country, *_others.split()}


@lru_cache(maxsize=64)
def _text_index(text: str) -> tuple[str, str, tuple[str, ...], tuple[str, str]]:
    """An article's lowercase text without accents, the same without dots ("U.K." -> "uk"), its sorted distinct
    words, and the initials of its words in a row (without and with a name's particles), computed once per
    article."""
    low = _fold(text)
    words = re.findall(r"[^\W\d_]+", low.replace("-", " "))
    initials = tuple("".join(w[0] for w in words if w not in skip) for skip in (_ACRONYM_SKIP, _ACRONYM_SKIP | _PARTICLES))
    return low, low.replace(".", ""), tuple(sorted(set(re.findall(r"\w+", low)))), initials


def _word_starting(words: tuple[str, ...], prefix: str) -> bool:
    i = bisect.bisect_left(words, prefix)
    return i < len(words) and words[i].startswith(prefix)


def _named(name: str, text: str) -> bool:
    """Whether ``text`` names ``name``: as written; for a long word, by all but its last three letters
    ("Japanese" / "Japan", "Norway" / "Norwegian"); a people's name by its country's stem ("Peruvian" / "Peru");
    by a country's irregular demonym ("French" / "France"); by an abbreviation with a dot or in a lawmaker's
    party tag ("Mass.", "D-Mass" for "Massachusetts"); or, for an acronym, by the initials of words in a row
    ("IADB" / "Inter-American Development Bank", "CEO" / "chief executive officer"); an ampersand spelled out
    ("S and P" / "S&P"). Accents aside ("Sao Paulo"
    / "São Paulo")."""
    low, dotless, words, initials = _text_index(text)
    n = _fold(name)
    if re.fullmatch(r"\w+", n):
        if _word_starting(words, n) or (len(n) >= 6 and _word_starting(words, n[: max(4, len(n) - 3)])):
            return True
    elif re.search(rf"(?<!\w){re.escape(n)}", low):
        return True
    if "&" in n:  # wire copy spells out the ampersand: "S and P" for "S&P", "AT and T" for "AT&T"
        spelled = r"\s*(?:&|and)\s*".join(map(re.escape, (p.strip() for p in n.split("&"))))
        if re.search(rf"(?<!\w){spelled}(?!\w)", low):
            return True
    if len(n) >= 5 and name[:1].isupper() and re.search(rf"(?<!\w){re.escape(name[:3])}[a-z]{{0,2}}\.|(?<=[A-Z]-)"
                                                        rf"{re.escape(name[:3])}[a-z]{{0,2}}\b", text):
        return True
    # a people's name by its country's stem: "Norwegian" / "Norway", "Peruvian" / "Peru", "Iraqi" / "Iraq"
    stem_ = re.sub(r"(?:egian|ian|ese|ish|an|i)\Z", "", n)
    if stem_ != n and len(stem_) >= 4 and _word_starting(words, stem_[: max(4, len(stem_) - 1)]):
        return True
    if re.fullmatch(r"\w{3,}an", n) and n[-3] in "ai" and _word_starting(words, n[:-1]):  # "Asian" / "Asia", "Indian" /
        return True  # "India", "Korean" / "Korea"
    if re.fullmatch(r"[A-Z]{2,}s", name):  # an acronym's plural: "PCs" / "PC"
        return _named(name[:-1], text)
    forms = _DEMONYM_FORMS.get(n.replace(".", ""), frozenset())
    if any(f in words or ((" " in f or len(f) <= 3) and re.search(rf"(?<!\w){re.escape(f)}(?!\w)", dotless))
           for f in forms):  # ("U.K." read as "uk")
        return True
    acronym = name.replace(".", "")
    if len(acronym) >= 2 and acronym.isupper():  # with and without a name's particles ("al-", "bin", "von")
        return any(acronym.lower() in x for x in initials)
    return False


def names_missing(question: str, text: str) -> list[str]:
    """The names of ``question`` (``question_names``) that ``text``, an article with its title, never names: an
    answer from such an article is about something else ("What did Velmora Mills earn?" answered from an
    article on Kessland Steel). Names are matched loosely (``_named``); generic words are never required.

    >>> names_missing("What did Velmora Mills earn in 1986?", "KESSLAND STEEL PROFIT UP\\n\\nKessland Steel Corp said ...")
    ['Velmora', 'Mills']
    >>> names_missing("What did the IADB lend to Norway?", "The Inter-American Development Bank lent Norwegian ...")
    []
    """
    return [n for n in question_names(question) if not _named(n, text)]


def name_phrases(question: str, names: Sequence[str]) -> str:
    """``names`` of ``question`` (``question_names``) as the question writes them together, quoted: "Norland"
    and "Paper" of "What did Norland Paper earn?" are one name.

    >>> name_phrases("Did Norland Paper and Ana Ruiz meet?", ["Norland", "Paper", "Ruiz"])
    '“Norland Paper”, “Ruiz”'
    """
    runs: list[list[str]] = []
    for n in names:
        if runs and re.search(rf"{re.escape(' '.join(runs[-1]))}\s+{re.escape(n)}", question):
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"“{' '.join(r)}”" for r in runs)
