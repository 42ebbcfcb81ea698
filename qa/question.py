"""Question analysis: what kind of answer is asked for, and which terms must be supported.

Word lists here are generic English (wh-words, class nouns such as "city" or "minister"),
never names from any corpus.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import QuestionError
from .spans import (
    AMOUNT_END,
    AMOUNT_MODIFIER,
    AMOUNT_OWNER,
    ASKED_IN_CURRENCY,
    MODIFIED_END,
    MODIFIER_WORD,
    NOT_RATIO,
    RATE_NOUNS,
)
from .text import STOPWORDS, stem, terms

NUMBER, DATE, PERSON, PLACE, ORG, ENTITY, PHRASE, REASON = (
    "number", "date", "person", "place", "org", "entity", "phrase", "reason")

PERSON_NOUNS = frozenset("""minister leader president spokesperson spokesman spokeswoman commander general
official bishop chief envoy king queen prince emir person man woman lieutenant governor mayor founder
ceo director secretary ambassador journalist analyst reporter author chairman premier diplomat cleric
imam priest pope officer soldier politician candidate judge lawyer activist negotiator monitor head
deputy adviser advisor successor predecessor father mother son daughter brother wife husband congressman
congresswoman senator lawmaker legislator speaker executive economist banker trader investor manager
chancellor commissioner chairwoman treasurer delegate mediator inspector auditor prosecutor attorney councillor
administrator dealer broker player coach actor actress singer writer scientist professor student doctor""".split())
PLACE_NOUNS = frozenset("""city town village country province region area airport airbase base highway road
route border capital district neighborhood neighbourhood state island river port prison hospital
university school street square continent location place site crossing camp governorate countryside
front axis axes suburb mountain valley sea lake coast bridge facility building county municipality""".split())
ORG_NOUNS = frozenset("""group organization organisation faction militia party coalition company agency
army force forces movement alliance outlet newspaper channel network ministry government council
union bank brigade regiment unit team club firm body institution observatory committee division subsidiary
department association federation corporation board commission authority bureau institute university
court airline carrier insurer broker brokerage consortium cartel""".split())
DATE_NOUNS = frozenset("year date day month time week decade century season".split())
AUXILIARIES = frozenset("""is are was were did does do has have had can could will would should may might
must shall""".split())
_PHRASE_VERBS = re.compile(r"^(what|how)\b(?!\s+(many|much|far|long|old|large|big|high|tall|deep|wide)\b)")
_AMOUNTS = rf"amount|sum|total|value(?= of)|price|profit|profits|revenue|revenues|sales|earnings|fee|fees|salary|wage|wages|dividend|{RATE_NOUNS}"
# verbs of a change in amount: "how sharply did output drop" asks how much it dropped
_CHANGE_VERB = (r"(?:ris|rose|fall|fell|drop|declin|decreas|grow|grew|increas|climb|jump|slump|gain|shr[iau]nk|contract|"
                r"expand|plung|plummet|soar|slip|tumbl|sank|sink|surg|improv|deteriorat|widen|narrow|weaken|strengthen|"
                r"apprecia|deprecia|slow|accelerat|rebound|recover)[a-z]*")
_NUMBER_Q = re.compile(
    r"\bhow (many|much|far|long|old|large|big|high|tall|deep|wide|fast)\b|"
    r"\bhow (?:sharply|steeply|strongly|rapidly|dramatically|significantly|substantially|heavily|quickly|"
    rf"markedly|severely)\b(?=(?:\s+[\w’'.\-]+){{1,8}}?\s+{_CHANGE_VERB}\b)|"
    r"\bwhat (is|was|were|are) the (number|total|death toll|toll|percentage|share|amount|size|cost|price|"
    r"population|distance|age|level|value)\b|\bwhat percent(age)?\b|\bwhat (share|proportion|fraction) of\b|"
    # an amount of money or a rate: "what price ...", "what was the net profit ...", "what interest rate ..."
    rf"\bwhat (?:(?:(?:is|was|were|are|will be) {AMOUNT_OWNER} (?:[a-z-]+ )?)?(?:{_AMOUNTS}){NOT_RATIO}{AMOUNT_END}|"
    rf"{AMOUNT_MODIFIER}(?:{_AMOUNTS}){MODIFIED_END})"  # "what trigger price was set"
)
_FIGURE_Q = re.compile(r"\bby\s+what\s+(?:\w+\s+)?margin\b|\bwhat\s+figure\b|"
                       r"\b(?:at|to)\s+(?:roughly\s+|about\s+|around\s+|approximately\s+)?what\s+(?:\w+\s+)?level\b")
# "what <noun of a measure>" asks for a figure ("what level did output reach", "what flow rate did the well
# achieve"), but not "what <noun> of" ("what level of government", "what rate of unionization": Wikipedia
# answers those in words); the words before the noun (at most four) are no verb, and the noun takes no object
# ("what mistake cost the firm its lead", see ``AMOUNT_MODIFIER``). Amount, total and sum are ``_AMOUNTS``:
# ``_NUMBER_Q`` reads them first
_MEASURE_Q = re.compile(rf"\bwhat\s+(?:{AMOUNT_MODIFIER})?(?:level|rate|ratio|percentage|capitali[sz]ation|multiple|"
                        rf"coupon|yield|cost|volume|margin|premium|deficit|surplus)(?!\s+of\b){MODIFIED_END}")
# a change in an amount: "what decline in output did the agency report", "what pay rise are they demanding" (at
# most three words between, none a preposition, an article or a verb: "what effect on growth", "what causes growth")
_CHANGE_Q = re.compile(r"\bwhat\s+(?:(?!(?:is|are|was|were|did|does|do|will|would|has|have|had|can|could|of|on|in|for|"
                       r"to|at|by|with|from|the|a|an|kind|type|sort)\b)[a-z0-9-]+(?<!s)(?<!ed)\s+){0,3}"
                       rf"(?:decline|drop|fall|rise|increase|decrease|gain|loss|growth|reduction)(?!\s+of\b){MODIFIED_END}")
# "what was <whose> <up to five words> <noun of a figure>": "What was BASF's 1986 world group pre-tax profit?", "What is
# the current minimum loan rate at Thai banks?", "What were K Mart Corp's record fiscal 1986 net earnings?" (the noun
# ends its phrase: a preposition, a verb's auxiliary, a comma or the question mark follows; "rate of", "level of"
# are left out: "What is the highest level of the church?" is answered in words)
_FIGURE_NOUNS = (r"profits?|earnings|deficits?|surplus(?:es)?|reserves|(?:rates?|levels?)(?!\s+of\b)|prices?|value|worth|"
                 r"stake|targets?|limits?|thresholds?|coupon|low|high|average|sales|revenues?|income|loss(?:es)?|output|"
                 r"budget|debts?|assets|liabilities|turnover|dividends?|costs?|wages?|salary|fees?|rise|increase|yield|"
                 r"margin|premium|population|total|amount|sum|figure|payout|spending|investment|ownership")
# the owner's words and those before the noun are ``MODIFIER_WORD``s ("What is very important for the growth of
# ...?" asks no figure)
_OWNED_FIGURE_Q = re.compile(rf"what\s+(?:is|was|were|are|will\s+be)\s+(?:the\s+)?(?:(?:{MODIFIER_WORD}\s+){{0,3}}?"
                             rf"{MODIFIER_WORD}[’']s?\s+)?(?:{MODIFIER_WORD}\s+){{0,5}}?(?:{_FIGURE_NOUNS}){NOT_RATIO}(?=\s*[?,]|\s*$|"
                             rf"\s+(?:for|in|at|on|of|by|per|from|to|during|before|after|ahead|under|since|according|that|"
                             rf"which|{'|'.join(AUXILIARIES)})\b)")
_DATE_Q = re.compile(r"\bwhen\b|\b(what|which) (year|date|day|month|time|week|decade|century)\b")
# a price or a rate where the market left it: "What was the dollar quoted at?", "What did Velmora shares close at?";
# and "Where did the dollar / the stock / the index close?" (where it stood, not a place)
_LEVEL_AT_Q = re.compile(r"\bwhat\s+(?:is|was|were|are|did|does|do|will)\b[^?]*?\b(?:quoted|trad(?:ing|ed)|clos(?:e|ed|ing)|"
                         r"end(?:ed|ing)?|finish(?:ed|ing)?|stood|stand(?:s|ing)?|open(?:ed|ing)?|settl(?:e|ed|ing)|"
                         r"fix(?:ed|ing)?|pegged|valued|priced)\s+at\b")
_WHERE_LEVEL_Q = re.compile(r"where\s+(?:did|does|do|will|would|is|was|were|are|has|have|had)\b[^?]*?\b(?:dollar|yen|marks?|"
                            r"sterling|pound|francs?|stocks?|shares?|index|bonds?|yields?|prices?|futures|gold|silver|"
                            r"oil|crude|currency|dow|average)\b[^?]*?\b(?:close|closed|end|ended|finish|finished|stand|"
                            r"stood|settle|settled|open|opened|trade|traded)\b")
# words of a question that say what kind of answer is wanted, not what it is about
QUESTION_WORDS = frozenset("""how many much what which who whom whose when where why reason name named kind type
year date day month far long old large big high tall deep wide called dubbed known""".split())
_STEMMED = {name: frozenset(stem(w) for w in words) for name, words in
            (("person", PERSON_NOUNS), ("place", PLACE_NOUNS), ("org", ORG_NOUNS), ("date", DATE_NOUNS),
             ("question", QUESTION_WORDS))}
# what typed text may not hold: control characters (tab, newline and carriage return are spacing) and lone
# surrogates (half of a UTF-16 pair: no encoding can hold one alone; bytes that were not UTF-8 decode to them)
_CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"
CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
SURROGATE = re.compile(f"[{_SURROGATES}]")
NOT_TEXT = re.compile(f"[{_CONTROL_CHARS}{_SURROGATES}]")  # history texts are cleaned of both (qa.conversation)


@dataclass(frozen=True)
class Question:
    """An analysed question: its text, expected answer kind, the content terms to support
    (stemmed) and the focus words (the noun the answer describes: "riot police")."""

    text: str
    kind: str
    terms: tuple[str, ...]
    focus: tuple[str, ...]
    plural: bool = False
    names: tuple[str, ...] = ()  # stems of the capitalized words (names) in the question


def validate(question: object, max_chars: int = 1000) -> str:
    """Return the question cleaned of surrounding whitespace, or raise ``QuestionError``.

    >>> validate("  Who leads the rebels? ")
    'Who leads the rebels?'
    >>> validate("¿Quién dirige a los rebeldes?")
    Traceback (most recent call last):
    qa.errors.QuestionError: the assistant reads English only (the articles and the answerer are English): ask the question in English
    """
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    # cheap before the clean-up, which takes ~0.1 s a megabyte: collapsing whitespace may shorten a question,
    # but not one over twice the limit once its ends are stripped
    if len(question) > 2 * max_chars and len(stripped := question.strip()) > 2 * max_chars:
        raise _too_long(len(stripped), max_chars)
    if SURROGATE.search(question):
        raise QuestionError("the question contains characters that are not valid text (lone surrogates, "
                            "e.g. bytes that were not UTF-8): retype it as plain text")
    q = " ".join(question.replace("\t", " ").replace("\r", " ").replace("\n", " ").split(" ")).strip()
    q = re.sub(r" {2,}", " ", q)
    if not q:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(q) > max_chars:
        raise _too_long(len(q), max_chars)
    if CONTROL.search(q):
        raise QuestionError("the question contains control characters: retype it as plain text")
    letters = [ch for ch in q if ch.isalpha()]
    if not letters:
        raise QuestionError("the question has no words: type a question about the articles")
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.5 or in_another_language(q):
        raise QuestionError("the assistant reads English only (the articles and the answerer are English): "
                            "ask the question in English")
    return q


def _too_long(n: int, max_chars: int) -> QuestionError:
    return QuestionError(f"the question is {n:,} characters long; the limit is {max_chars:,}: ask a shorter question")


# Function words of the Latin-script languages a reader may type instead of English (Spanish, French, German,
# Portuguese, Italian, Dutch): only those that are not also English words ("a", "in", "was", "die", "son",
# "come", "per" are left out) nor parts of names ("al", "van", "von").
_FOREIGN_WORDS = frozenset("""
el la los las del que qué quién quiénes cuál cuáles cuándo dónde cómo cuánto cuántos cuánta cuántas por para
una unos unas es está están fue fueron se su sus pero porque según entre sobre desde hasta muy más este esta
estos estas ese esa eso ser
le les des du un une est sont qui quoi où quand comment combien quel quelle quels quelles pourquoi dans avec sur
ce cette ces il elle ils elles nous vous leur leurs sa ses au aux été était ont avait pas ne
der das dem des ein eine einen einem einer und ist sind wer wie wo wann warum welche welcher welches wieviel
wieviele nicht mit zu auf für im vom zum zur bei nach aus über haben wurde wurden sich auch oder aber
os da das dos uma quem qual quais quando onde quantos quantas é são foi seu sua ele ela não mais pelo pela
il gli di della dei degli delle che chi cosa perché quale quali quanto quanti quanta quante sono hanno nel nella sul
het een niet wat waar wanneer zijn
""".split())
_FOREIGN_OPENERS = frozenset("""qué quién quiénes cuál cuáles cuándo dónde cómo cuánto cuántos cuántas qui quoi où
quand comment combien quel quelle quels quelles pourquoi wer wie wo wann warum welche welcher welches wieviel
quem qual quais quando onde quantos quantas chi cosa perché quale quali quanto quanti quanta quante wat waar wanneer""".split())
# English function words that the languages above also use ("a", "no", "me") prove nothing
_SHARED_WORDS = frozenset("a no me so in an was do i am al el bin ibn abu".split())
_ENGLISH_WORDS = STOPWORDS - _SHARED_WORDS


def in_another_language(question: str) -> bool:
    """Is a Latin-script question written in another language? Its function words say so: those of
    Spanish, French, German, Portuguese, Italian or Dutch (lower-case words, so names like "Tour de
    France" or "Der Morgen" count little) outnumber the English ones, at least two of them, a foreign
    question word opening it or "¿"/"¡" counting as one more.

    >>> in_another_language("Qui dirige les rebelles ?"), in_another_language("Who won the Tour de France in 1998?")
    (True, False)
    """
    words = re.findall(r"[^\W\d_][\w'’-]*", question)
    lowered = [w.lower() for w in words]
    # capitalized words are names ("Der Morgen", "La Paz"), except the first
    foreign = sum(1 for i, (w, low) in enumerate(zip(words, lowered, strict=True))
                  if low in _FOREIGN_WORDS and (i == 0 or not w[0].isupper()))
    foreign += bool(lowered) and lowered[0] in _FOREIGN_OPENERS
    foreign += bool(re.search(r"[¿¡]", question))
    english = sum(1 for w in lowered if w in _ENGLISH_WORDS)
    return foreign >= 2 and foreign > english


# class words that are verbs as well: after a class word they are the question's verb, not its noun
_ALSO_VERBS = frozenset("head heads lead leads base bases border borders front fronts house houses camp camps".split())


def _head_phrase(words: list[str], i: int) -> list[str]:
    """Words after the wh-word at ``i`` up to the first auxiliary verb: "which military airport did"."""
    out = []
    for w in words[i + 1 : i + 6]:
        if w in AUXILIARIES or w in ("of", "in", "on", "to", "from", "for", "with", "that"):
            break
        out.append(w)
    return out


def analyse(text: str) -> Question:
    """Work out the answer kind and the terms of ``text``.

    >>> analyse("How many towns did the rebels capture?").kind
    'number'
    >>> analyse("Which military airport fell?").kind
    'place'
    >>> analyse("Which pipeline was shut when the river flooded?").kind  # the first wh-word asks
    'entity'
    >>> analyse("What is the name of the official who resigned?").kind
    'person'
    >>> analyse("What share of its sales comes from abroad?").kind, analyse("What part of the city burned?").kind
    ('number', 'entity')
    >>> analyse("What present day county is the town in?").kind
    'place'
    >>> analyse("By what margin did the bill pass?").kind, analyse("At what level was output set?").kind
    ('number', 'number')
    >>> analyse("What was the unemployment rate in May?").kind, analyse("What was the price of gold?").kind
    ('number', 'number')
    >>> analyse("What was the level of the key rate?").kind, analyse("What was the value of exports?").kind
    ('number', 'number')
    >>> analyse("Which party official resigned?").kind, analyse("Which city council voted?").kind
    ('person', 'org')
    """
    low = text.lower()
    # the question's own wh-word is its first one: "Which line was cut when the river flooded?" asks
    # "which", not "when"; a leading preposition ("In which ...", "On what date ...") is skipped
    first = re.search(r"\b(how|what|which|who|whom|whose|when|where|why)\b", low)
    tail = low[first.start() :] if first else low
    words = re.findall(r"[a-z0-9’'\-]+", tail)
    kind = PHRASE
    focus: list[str] = []
    plural = False
    m = _NUMBER_Q.match(tail)
    if not m and (_LEVEL_AT_Q.match(tail) or _WHERE_LEVEL_Q.match(tail)):  # "what was the dollar quoted at": a level
        kind = NUMBER
    elif not m and (_FIGURE_Q.search(low) or ASKED_IN_CURRENCY.search(text) or _OWNED_FIGURE_Q.match(tail)):  # "by what
        # margin", "what figure", "at what level", "in Ostrian crowns", "what was BASF's 1986 pre-tax profit": a figure
        kind = NUMBER
    elif m:
        kind = NUMBER
        rest = tail[m.end() :].split()
        attr = m.group(3)  # "what is the population of"
        if attr and attr not in ("number", "total", "amount", "size", "share", "percentage"):
            focus.append(attr.split()[-1])
            rest = []
        elif attr:
            rest = rest[1:] if rest and rest[0] == "of" else rest
        for w in rest[:4]:
            w = w.strip("?,.")
            if w in AUXILIARIES or w in STOPWORDS:
                break
            focus.append(w)
    elif _DATE_Q.match(tail):
        kind = DATE
    elif re.match(r"(who|whom|whose)\b", tail):
        kind = PERSON
    elif re.match(r"where\b", tail):
        kind = PLACE
    elif re.match(r"why\b", tail) or re.search(r"\bfor what reason\b|\bwhat (was|is) the reason\b", low):
        kind = REASON
    elif words and words[0] in ("which", "what"):
        head = _head_phrase(words, 0)
        named = re.match(r"what (is|was|are|were) the (name|names) of (the |a |an )?", tail)
        if not head and named:  # "what is the name of the official who ..." asks for an official
            head = _head_phrase(["what", *re.findall(r"[a-z0-9’'\-]+", tail[named.end() :])], 0)
        # the head noun is the first word that names a class; else the phrase's last word
        classes = _STEMMED["person"] | _STEMMED["place"] | _STEMMED["org"] | _STEMMED["date"]
        # "present day" / "modern day" written apart is an adjective ("what present day county"), not the noun asked
        cut = next((j for j, w in enumerate(head) if stem(w) in classes and not w.endswith(("'s", "’s"))  # a possessor
                    and not (w == "day" and j and head[j - 1] in ("present", "modern"))), None)
        # a class word before another is its modifier: "party official", "central bank chief" ask for a person
        while (cut is not None and cut + 1 < len(head) and stem(head[cut + 1]) in classes
               and head[cut + 1] not in _ALSO_VERBS):  # "What road heads west?" asks for a road
            cut += 1
        if cut is not None:
            head = head[: cut + 1]
        if head:
            focus = head
            noun = head[-1]
            plural = noun.endswith("s") and not noun.endswith("ss")
            n = stem(noun)
            if n in _STEMMED["person"]:
                kind = PERSON
            elif n in _STEMMED["place"]:
                kind = PLACE
            elif n in _STEMMED["org"]:
                kind = ORG
            elif n in _STEMMED["date"]:
                kind = DATE
            elif _MEASURE_Q.search(tail) or _CHANGE_Q.search(tail):  # "what level did output reach", "what flow
                # rate", "what rise in output": a figure
                kind = NUMBER
            else:  # "which system", "what system": a named thing
                kind = ENTITY
        if words[0] == "which" and kind == PHRASE:
            kind = ENTITY
    ts = tuple(t for t in terms(text) if t not in _STEMMED["question"])
    # names in the question ("Dutch" in "Which Dutch foreign minister") qualify the answer; they are
    # not the class noun the answer is an instance of
    proper = {w.lower() for w in re.findall(r"(?<!^)(?<![.?!] )\b[A-Z][\w’'\-]*", text)}
    focus = [part for w in focus if w not in proper for part in re.split(r"[-’']", w) if part]
    if kind == PHRASE and re.search(r"\b(name|called|named|dubbed|known as)\b", low):
        kind = ENTITY  # "what is the name of ..." asks for a name
    return Question(text=text, kind=kind, terms=ts, focus=tuple(stem(w) for w in focus), plural=plural,
                    names=tuple(sorted({stem(w) for w in proper})))
