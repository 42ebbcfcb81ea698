"""Follow-up questions: rewrite a question that leans on the conversation so that it stands alone.

A follow-up refers back in three ways, each resolved by what it asks for (pure functions):

* a pronoun: "he/she/him/his/her" means the most recent **person**, "it/its" the most recent **thing**
  (an organisation, a place, a named thing; never a person), "they/them/their" a **group** (a plural, or
  an organisation) — ``resolve_pronouns``;
* an event: "When was that?", "Where did it happen?", "Why?" ask about what the previous question asked,
  with its answer filled in ("Which town did the rebels capture?" + "Velmora" -> "When did the rebels
  capture Velmora?") — ``event_question``;
* ellipsis: "What about Ostria's?", "And Qarnabad?" put a new name into the previous question — ``swap_in``.

What each earlier mention is comes from the conversation itself: an answer is what its question asked
for (``qa.question.analyse``: the answer to "who" is a person, to "which group" an organisation, to
"which town" a place), a name in a question from the words around it (a title before it, an
organisation noun inside it, "'s minister" after it); a pronoun the question already resolved keeps its
referent as the topic. Word lists are generic English (pronouns, titles, class nouns), never names from
a corpus.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from .errors import QuestionError
from .question import AUXILIARIES, DATE_NOUNS, NOT_TEXT, ORG_NOUNS, PERSON_NOUNS, PLACE_NOUNS, analyse
from .text import STOPWORDS, stem

Turn = tuple[str, str]

_SHAPES = "pass (question, answer) pairs or {'role', 'content'} messages, or no history"

PERSON, ORG, PLACE, THING = "person", "org", "place", "thing"  # what a mention is; "" when nothing says
_THINGS = (ORG, PLACE, THING)
_WH = frozenset("how what which who whom whose when where why".split())
_KIND_OF_ANSWER = {"person": PERSON, "org": ORG, "place": PLACE, "entity": THING}  # analyse().kind -> mention kind


def normalize_history(history: object, *, max_turns: int = 10, max_chars: int = 1000) -> list[Turn]:
    r"""Accept ``[(question, answer), ...]`` or Gradio-style ``[{"role", "content"}, ...]`` messages
    (and dicts with ``question``/``answer``), return the last ``max_turns`` ``(question, answer)`` pairs.

    The shape is checked (``QuestionError`` names what is wrong); the texts are not: history comes back
    from a client and cannot be retyped, so each is cut to ``max_chars``, stripped of control characters
    and invalid text (lone surrogates), and a value that is not text (a file, a number) reads as ``''``.

    >>> normalize_history([{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "Him"}])
    [('Who?', 'Him')]
    >>> normalize_history([("Who?\x00", None)])
    [('Who?', '')]
    """
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise QuestionError(f"history must be a list of turns, not {type(history).__name__}: {_SHAPES}")
    turns: list[Turn] = []
    pending: str | None = None
    text = _text_reader(max_chars)
    first = max(0, len(history) - 4 * max_turns)  # a turn is a pair or about two messages: older ones go unread
    for n, item in enumerate(history[first:], start=first + 1):
        if isinstance(item, dict) and ("question" in item or "answer" in item):
            turns.append((text(item.get("question")), text(item.get("answer"))))
        elif _is_message(item):
            role = item["role"] if isinstance(item, dict) else item.role
            role = role if isinstance(role, str) else ""
            content = text(item["content"] if isinstance(item, dict) else item.content)
            if role == "user":
                if pending is not None:
                    turns.append((pending, ""))
                pending = content
            elif role == "assistant" and pending is not None:
                turns.append((pending, content))
                pending = None
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            turns.append((text(item[0]), text(item[1])))
        else:
            raise QuestionError(f"history item {n} is {_describe(item)}: {_SHAPES}")
    if pending is not None:
        turns.append((pending, ""))
    return turns[-max_turns:]


def _is_message(item: object) -> bool:
    """A ``{"role", "content"}`` dict, or an object with those attributes (``gradio.ChatMessage``)."""
    if isinstance(item, dict):
        return "role" in item and "content" in item
    return not isinstance(item, (str, bytes, list, tuple)) and hasattr(item, "role") and hasattr(item, "content")


def _describe(item: object) -> str:
    if isinstance(item, (list, tuple)):
        return f"a {type(item).__name__} of {len(item)} item{'s' if len(item) != 1 else ''}"
    if isinstance(item, dict):
        return f"a dict with keys {[str(k)[:20] for k in itertools.islice(item, 4)]}"
    name = type(item).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _text_reader(max_chars: int) -> Callable[[object], str]:
    """A function from a history value to bounded, clean text."""

    def text(value: object) -> str:
        if isinstance(value, list):  # gradio may send [{"type": "text", "text": ...}, ...]
            parts = (p.get("text") if isinstance(p, dict) else p for p in value[:max_chars])
            value = " ".join(p[:max_chars] for p in parts if isinstance(p, str))
        elif isinstance(value, dict):  # a gradio component value: a text part, or a file with no text
            value = value.get("text")
        if not isinstance(value, str):
            return ""
        return re.sub(" {2,}", " ", NOT_TEXT.sub(" ", value[:max_chars])).strip()

    return text


# --- what an earlier turn mentions -------------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    """Something a pronoun can refer to: a name or answer of the conversation, what kind it is, whether
    its own words say so (``sure``: a title, an organisation noun) or only the question it answered, and
    where it sits in its question (``start``/``end``; -1 for an answer)."""

    text: str
    kind: str = ""
    sure: bool = False
    plural: bool = False
    start: int = -1
    end: int = -1
    possessive: bool = False  # written "Norland's" in its question


@dataclass(frozen=True)
class Context:
    """One earlier turn as follow-ups see it: its question made standalone, its answer, the kind of
    answer it asked for, the referents its own pronouns were resolved to (the topic), its mentions."""

    question: str
    answer: str
    kind: str
    topics: tuple[Mention, ...]
    mentions: tuple[Mention, ...]


_TITLES = frozenset("""mr mrs ms dr sir dame lord lady prince princess sheikh sheik king queen emir sultan colonel
general brigadier major captain lieutenant sergeant admiral marshal commander president minister premier
chancellor secretary senator governor mayor bishop archbishop cardinal pope imam ayatollah rabbi reverend judge
justice chairman chairwoman ceo spokesman spokeswoman spokesperson foreign prime vice deputy defence defense
interior finance state chief""".split())
_FAMILY = frozenset("wife husband son daughter father mother brother sister".split())  # "Brandl's wife": a person
_CONNECTORS = r"(?:of|al|el|bin|ibn|de|del|della|di|da|du|la|le|van|von|der|den|ter|y|and)"
_CAP = r"(?:(?:al|el|ad|as|an|ar|at)-)?[A-Z][\w’'\-]*(?:\.[A-Z]\w*)*"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:{_CONNECTORS}\s+)*{_CAP})*")
_DEMONYM = re.compile(r"(?:ian|ean|ese|ish|i|ic)$")
_COMPOUND_ADJECTIVE = re.compile(r"^[A-Z][a-z]+-[a-z]+$")  # "Velmoran-led", "Norland-backed"
_PLACE_PREPOSITIONS = frozenset("in at near into from across toward towards around outside inside".split())
_DETERMINERS = frozenset("the a an this that these those which what whose".split())
_PLURAL_NP = re.compile(r"\b(?:the|these|those|their)\s+((?:[\w-]+\s+){0,2}?[a-z][\w-]*[^s\W']s)\b")


def _stemmed(words: frozenset[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in words)


_PERSON_STEMS, _ORG_STEMS, _PLACE_STEMS = _stemmed(PERSON_NOUNS), _stemmed(ORG_NOUNS), _stemmed(PLACE_NOUNS)
_TITLE_STEMS = _stemmed(_TITLES) | _PERSON_STEMS


def name_kind(name: str) -> tuple[str, bool]:
    """The kind a name's own words say, and whether they say it: an acronym or an organisation noun in it
    is an organisation, a place noun a place, a leading title a person; otherwise ``('', False)``.

    >>> name_kind("Northern Defence Forces"), name_kind("JNW"), name_kind("Foreign Minister Lina Haddad")
    (('org', True), ('org', True), ('person', True))
    >>> name_kind("Zelten Military Airport"), name_kind("Velmora University Hospital"), name_kind("Lina Haddad")
    (('place', True), ('place', True), ('', False))
    """
    words = name.replace("’", "'").split()
    if len(words) == 1 and re.fullmatch(r"[A-Z][A-Z0-9&\-.]{1,7}", words[0]):
        return ORG, True
    stems = [stem(w.strip("'.,")) for w in words]
    titled = _strip_title(name) != name
    if titled and not any(s in _ORG_STEMS | _PLACE_STEMS for s in stems[1:]):
        return PERSON, True
    if len(stems) > 1 and stems[0] in _ORG_STEMS and "of" in words:  # "Bank of Velmora"
        return ORG, True
    for s in reversed(stems[1:]):  # the last class noun is the head: "Velmora University Hospital" is a place
        if s in _ORG_STEMS:
            return ORG, True
        if s in _PLACE_STEMS:
            return PLACE, True
    return "", False


def _strip_title(name: str) -> str:
    """"Ostrian Foreign Minister Piet Varga" -> "Piet Varga": leading titles (and a demonym before
    them) go; a name without a title comes back as it is."""
    words = name.split()
    cut = 0
    for i, w in enumerate(words[:-1]):
        if stem(w.lower()) in _TITLE_STEMS:
            cut = i + 1
        elif not (_DEMONYM.search(w) and i == 0):
            break
    return " ".join(words[cut:]) if cut else name


def after_wh_phrase(question: str) -> int:
    """Offset just past a question's wh-phrase and its auxiliary ("Which town did| the rebels capture"):
    what comes after it may name an antecedent, the wh-phrase asks for something new. 0 when there is no
    auxiliary among the first words."""
    for i, w in enumerate(re.finditer(r"\S+", question)):
        if i >= 8:
            break
        if w.group().lower() in AUXILIARIES:
            return w.end()
    return 0


_NOT_NAME_START = _WH | AUXILIARIES | frozenset("""the a an in on at of for to from by with and but or so i this that
these those if as after before during since while among according tell give name list""".split())


def question_mentions(question: str) -> list[Mention]:
    """The names of a question with what the words around them say they are, in order.

    A name with a title before it ("spokesperson Mira Kovacs") is a person; one followed by a person
    noun ("Norland's foreign minister", "Jabhat Nur al-Wadi leader") or after "leader of" is not; one after
    "in"/"near"/"from" is a place. A single demonym before a noun ("Ostrian minister") is no mention.

    >>> [(m.text, m.kind) for m in question_mentions("Which Ostrian minister did Norland's foreign minister call?")]
    [('Norland', 'thing')]
    >>> [(m.text, m.kind) for m in question_mentions("Who is the leader of Jabhat Nur al-Wadi?")]
    [('Jabhat Nur al-Wadi', 'thing')]
    """
    out: list[Mention] = []
    for m in _NAME.finditer(question):
        spans = [(w.start() + m.start(), w.end() + m.start()) for w in re.finditer(r"\S+", m.group())]
        while spans and question[slice(*spans[0])].lower() in _NOT_NAME_START:
            spans = spans[1:]  # "Which Ostrian", "Did Norland": the question's first word is no name
        while spans and (not question[spans[0][0]].isupper() or _COMPOUND_ADJECTIVE.match(question[slice(*spans[0])])):
            spans = spans[1:]  # a connector left at the start, or "Velmoran-led" before the name
        if not spans:
            continue
        start, end = spans[0][0], spans[-1][1]
        possessive = bool(re.search(r"['’]s$", question[start:end]))
        end -= 2 if possessive else 0
        text = " ".join(question[start:end].split())
        if not text:
            continue
        before = question[:start].lower().split()
        after = re.findall(r"[\w’'\-]+", question[m.end():])[:3]
        lower_after = [w for w in after if w.islower()]
        single = " " not in text
        if _COMPOUND_ADJECTIVE.match(text):
            continue
        if single and not possessive and after and after[0].islower() and after[0] not in STOPWORDS | AUXILIARIES:
            if _DEMONYM.search(text) or (before and before[-1] in _DETERMINERS and
                                         stem(after[0]) in _PERSON_STEMS | _ORG_STEMS | _PLACE_STEMS):
                continue  # "Ostrian minister", "the Norland government": a modifier
        kind, sure = name_kind(text)
        if kind == PERSON:
            text = _strip_title(text)
            start = end - len(text)
        elif not kind:
            prev = before[-1] if before else ""
            owned = next((i for i, w in enumerate(after[:3]) if w.islower() and stem(w) in _PERSON_STEMS), None)
            if prev and stem(prev) in _TITLE_STEMS:  # "spokesperson Mira Kovacs"
                kind, sure = PERSON, True
            elif owned is not None and after[owned] not in _FAMILY and after[:owned] == lower_after[:owned] and \
                    not any(w in STOPWORDS for w in after[:owned]):
                kind, sure = THING, True  # "Norland's foreign minister", "Jabhat Nur al-Wadi leader"
            elif prev == "of" and len(before) > 1 and stem(before[-2]) in _PERSON_STEMS:
                kind, sure = THING, True  # "the leader of X"
            elif prev in _PLACE_PREPOSITIONS:
                kind = PLACE
        plural = " and " in text or (kind in (ORG, THING) and not single and bool(re.search(r"[^s]s$", text)))
        out.append(Mention(text, kind, sure, plural, start, end, possessive))
    return out


def _plural_phrases(question: str, start: int) -> list[Mention]:
    """Plural noun phrases after ``start`` ("the rebels", "the opposition troops"): what "they" may mean."""
    return [Mention(m.group(), THING, False, True, m.start(), m.end()) for m in _PLURAL_NP.finditer(question, start)
            if not re.search(r"(ss|us|is|'s|’s)$", m.group(1))]


def stated_answer(reply: str) -> str:
    """The answer a reply states: a plain answer as it is; in a chat reply (Markdown), its first bold
    phrase that is no label ("**Sources**:"), markup and citation markers removed. A reply that states a
    sentence instead (a decline, a warning) states no answer.

    >>> stated_answer('<span class="x">Likely:</span> **Abu Karim Al Haddadi** <a href="#">[1]</a>')
    'Abu Karim Al Haddadi'
    >>> stated_answer("**The articles don't seem to say.** I looked for a person's name ...")
    ''
    """
    text = re.sub(r"<[^<>]*>", "", reply)  # tags first: their attributes (a quote on hover) are no answer
    bold = next((b for b in re.findall(r"\*\*(.+?)\*\*", text) if not b.rstrip().endswith(":")), None)
    text = html.unescape(bold if bold is not None else text.split("\n", 1)[0])
    text = re.sub(r"\[\d+\]|[*_`]", "", text).strip()
    if (re.search(r"[.!?]$", text) and len(text.split()) >= 4) or text.startswith("⚠"):
        return ""
    return text


def _answer_mention(answer: str, kind: str, plural: bool) -> Mention | None:
    """An answer as a mention: of the kind its question asked for, unless its own words say otherwise.
    Numbers, dates, reasons and lower-case phrases are no referents."""
    if not answer or len(answer) > 120 or len(answer.split()) > 8:
        return None
    own, sure = name_kind(answer)
    was = _KIND_OF_ANSWER.get(kind, "")
    if not own and not was and not (kind == "phrase" and re.match(r"(?:the |a |an )?[A-Z0-9]", answer)):
        return None
    plural = plural or bool(re.search(r"\band\b|,", answer)) or (own == ORG and answer.split()[-1].endswith("s"))
    return Mention(answer, own or was or THING, sure, plural)


# --- which mention a pronoun means ---------------------------------------------------------------------

_PRONOUNS = {"he": PERSON, "she": PERSON, "him": PERSON, "his": PERSON, "her": PERSON, "hers": PERSON,
             "it": THING, "its": THING, "they": "group", "them": "group", "their": "group", "theirs": "group"}
_POSSESSIVES = frozenset("his its their hers theirs".split())
_PRONOUN = re.compile(r"\b(?:he|she|him|his|hers?|its?|they|them|theirs?)\b", re.I)
# "it" that refers to nothing: "How long did it take to ...", "Is it true that ...", "When was it that ..."
_EXPLETIVE_IT = re.compile(r"^it\s+(?:takes?|took|seems?|seemed|appears?|appeared|(?:is|was)\s+(?:said|reported|"
                           r"believed|thought|estimated|expected|likely|unlikely|possible|true|necessary)\b)|"
                           r"^it\s+(?:that|true|possible|likely)\b", re.I)


def fits(m: Mention, wanted: str, strict: bool = True) -> bool:
    """Can a pronoun of class ``wanted`` (``person``, ``thing`` for "it", ``group`` for "they") mean ``m``?
    Strictly: a person is no "it", a thing no "he", one name no "they" unless an organisation. Loosely
    (when nothing fits strictly): anything whose own words do not say otherwise.

    >>> fits(Mention("Velmora", PLACE), "thing"), fits(Mention("Velmora", PLACE), "person")
    (True, False)
    >>> fits(Mention("the rebels", THING, plural=True), "group"), fits(Mention("Velmora", PLACE), "group")
    (True, False)
    """
    if not strict:
        return not m.sure or (m.kind == PERSON) == (wanted == PERSON)
    if wanted == PERSON:
        return m.kind == PERSON or (not m.kind and not m.plural)
    if wanted == THING:
        return (m.kind in _THINGS and (not m.plural or m.kind == ORG)) or (not m.kind and not m.plural)
    return m.plural or m.kind == ORG


def pick(wanted: str, context: list[Context]) -> Mention | None:
    """The mention a pronoun of class ``wanted`` means: the most recent that fits, in each turn first the
    topic (what that turn's own pronoun meant), then its answer, then its question's names and phrases."""
    for strict in (True, False):
        for turn in reversed(context):
            for m in (*turn.topics, *turn.mentions):
                if fits(m, wanted, strict):
                    return m
    return None


def _bound_here(question: str, at: int, wanted: str) -> bool:
    """Does a name earlier in the question itself, after its wh-phrase, give the pronoun at ``at`` its
    referent ("What did Lina Haddad say he would do?")?"""
    start = after_wh_phrase(question)
    if wanted == PERSON and any(stem(w) in _PERSON_STEMS for w in re.findall(r"\b[a-z]+\b", question[start:at])):
        return True  # "What did the minister say he would do?"
    return any(start <= m.start and m.end <= at and fits(m, wanted) for m in question_mentions(question[:at]))


def _is_possessive_her(after: str) -> bool:
    """"her" before a noun is possessive ("her ministry"); before a stopword or the end it is the object."""
    nxt = re.match(r"\s+([a-z][\w-]*)", after)
    return bool(nxt) and nxt.group(1) not in STOPWORDS


def resolve_pronouns(question: str, context: list[Context]) -> tuple[str, tuple[tuple[str, Mention], ...]]:
    """The first pronoun of each class (person, thing, group) becomes the mention it means; later ones of
    the class refer to that one, a reflexive ("itself") to its clause. Returns the question and the
    ``(class, mention)`` pairs used.

    >>> ctx = [Context("Which group leads the coalition?", "JNW", "org", (), (Mention("JNW", ORG, True),)),
    ...        Context("Who leads JNW?", "Abu Karim Al Haddadi", "person", (),
    ...                (Mention("Abu Karim Al Haddadi", PERSON), Mention("JNW", ORG, True)))]
    >>> resolve_pronouns("What has he vowed to do with its fighters?", ctx)[0]
    "What has Abu Karim Al Haddadi vowed to do with JNW's fighters?"
    """
    done: dict[str, Mention | None] = {}
    out, last = [], 0
    for m in _PRONOUN.finditer(question):
        word = m.group().lower()
        wanted = _PRONOUNS[word]
        if wanted in done or (word == "it" and _EXPLETIVE_IT.match(question[m.start():])):
            continue
        if _bound_here(question, m.start(), wanted):
            done[wanted] = None
            continue
        ref = done[wanted] = pick(wanted, context)
        if ref is None:
            continue
        possessive = word in _POSSESSIVES or (word == "her" and _is_possessive_her(question[m.end():]))
        out += [question[last : m.start()], ref.text + ("'s" if possessive else "")]
        last = m.end()
    used = tuple((w, ref) for w, ref in done.items() if ref is not None)
    return "".join(out) + question[last:], used


# --- "that city": a demonstrative and a class noun ------------------------------------------------------

_DEMONSTRATIVE = re.compile(r"(?:\b(\w+)\s+)?\b(?:that|this|the same)\s+([a-z]+)\b(?=\s*(\W|$))?", re.I)


def resolve_demonstratives(question: str, context: list[Context]) -> str:
    """"that city", "this group", "the same man" become the most recent place, organisation or person of the
    conversation, where the demonstrative follows a verb's auxiliary or a preposition, or ends the question
    ("the town that state media named" is left alone).

    >>> resolve_demonstratives("How far is that city from the coast?", [Context("Which city fell?", "Velmora",
    ...     "place", (), (Mention("Velmora", PLACE),))])
    'How far is Velmora from the coast?'
    """
    def sub(m: re.Match) -> str:
        before = (m.group(1) or "").lower()
        at_end = not question[m.end() :].strip(" ?.!")
        if not (before in AUXILIARIES or before in _INSERT_BEFORE or before in ("of", "about") or at_end):
            return m.group()
        noun = stem(m.group(2))
        wanted = PLACE if noun in _PLACE_STEMS else ORG if noun in _ORG_STEMS else PERSON if noun in _PERSON_STEMS else ""
        for turn in reversed(context if wanted else []):
            for c in (*turn.topics, *turn.mentions):
                if c.kind == wanted or (wanted == ORG and c.kind == THING and c.sure):
                    return f"{m.group(1)} {c.text}" if m.group(1) else c.text
        return m.group()

    return _DEMONSTRATIVE.sub(sub, question)


# --- "When was that?": the previous question's event ---------------------------------------------------

_EVENT_WORDS = frozenset("""that this it happen happened happens occur occurred take took taken place do did done
so exactly then again all there first he she they""".split())
_EVENT_REFERENCES = frozenset("that this happen happened occur occurred".split())
_LEAD_PREPOSITIONS = frozenset("in on at during by for from to since until".split())
_INSERT_BEFORE = frozenset("""in on at near from during after before along with to toward towards into across
around since until against between under over by""".split())
_TIME_OR_PLACE = _PLACE_STEMS | _stemmed(DATE_NOUNS)


def _split_question(question: str) -> tuple[list[str], list[str], str, list[str]] | None:
    """``(lead, wh-phrase, auxiliary, rest)`` of a wh-question, or ``None``.

    >>> _split_question("In which city did the rebels fight?")
    (['In'], ['which', 'city'], 'did', ['the', 'rebels', 'fight'])
    """
    words = question.strip().rstrip("?!. ").split()
    low = [w.lower() for w in words]
    wh = next((i for i, w in enumerate(low[:4]) if w in _WH), None)
    if wh is None or any(w not in _LEAD_PREPOSITIONS for w in low[:wh]):
        return None
    i = wh + 1
    if low[wh] == "how" and i < len(low) and low[i] in ("many", "much", "far", "long", "old", "large", "big"):
        i += 1
    if low[wh] in ("which", "what", "whose") or (low[wh] == "how" and i > wh + 1):
        # the asked-for noun phrase: up to an auxiliary or a preposition, or through its class noun
        while i < len(low) and low[i] not in AUXILIARIES and low[i] not in _INSERT_BEFORE and i - wh <= 5:
            i += 1
            if stem(low[i - 1]) in _PERSON_STEMS | _ORG_STEMS | _TIME_OR_PLACE:
                break
    aux = low[i] if i < len(low) and low[i] in AUXILIARIES else ""
    rest = words[i + 1 :] if aux else words[i:]
    return words[:wh], words[wh:i], aux, rest


def _filler(wh_phrase: list[str], answer: str, kind: str) -> str:
    """What the answer says in the previous question's gap: "Velmora"; "four towns" for "how many towns";
    "in Qarnabad" for "where"; the asked-for noun alone when there was no answer."""
    wh = wh_phrase[0].lower()
    head = [w for w in wh_phrase[1:] if w.lower() not in ("many", "much", "far", "long")]
    if kind == "reason" or (not answer and wh in ("who", "whom", "when", "where", "why")):
        return ""
    if not answer:  # declined: the asked-for noun stands in ("the town", "towns")
        return " ".join(head) if wh == "how" or not head else f"the {' '.join(head)}"
    if wh == "how" and kind == "number" and head:
        return f"{answer} {' '.join(head)}"
    if wh == "where" and answer.split()[0].lower() not in _INSERT_BEFORE:
        return f"in {answer}"
    return answer


def _starts_subject(word: str) -> bool:
    """Does ``word`` start a noun phrase ("the rebels", "Lina Haddad", "they") rather than a verb ("killed")?"""
    return word[:1].isupper() or word[:1].isdigit() or word.lower() in _SUBJECT_STARTS


_SUBJECT_STARTS = frozenset("""the a an this that these those his her its their he she it they we you i some any
all both each many most several no""".split())


def event_question(question: str, context: list[Context]) -> str | None:
    """"When was that?", "Where did it happen?", "Why?" after a question: the previous question with its
    answer in its gap, asked with the new wh-words; ``None`` for any other question.

    >>> event_question("When was that?", [Context("Which town did the rebels capture?", "Velmora", "place", (), ())])
    'When did the rebels capture Velmora?'
    >>> event_question("Where did that happen?", [Context("Who was killed by a drone?", "Strand", "person", (), ())])
    'Where was Strand killed by a drone?'
    >>> event_question("When was that?", [Context("Which city witnessed a crackdown?", "Velmora", "place", (), ())])
    'When was it that Velmora witnessed a crackdown?'
    """
    if not context:
        return None
    asked = _split_question(re.sub(r"^(?:and|so|but|ok|okay)\b[,\s]*", "", question.strip(), flags=re.I))
    if asked is None:
        return None
    lead, wh, aux, rest = asked
    first = wh[0].lower()
    if not (first in ("when", "where", "why") or (first == "how" and len(wh) == 1)
            or (first in ("which", "what") and len(wh) > 1 and stem(wh[-1].lower()) in _TIME_OR_PLACE)):
        return None  # who/what/how many ask for something new about the event, not where or when it was
    low = [w.lower() for w in rest]
    # "that" and "happen" name an event; "it" only in "when/why was it" ("Where is it?" asks about a thing)
    refs = _EVENT_REFERENCES | ({"it"} if first in ("when", "why") else set())
    if any(w not in _EVENT_WORDS for w in low) or (low and not refs & set(low)):
        return None
    prev = context[-1]
    parts = _split_question(prev.question)
    if parts is None:
        return None
    _, p_wh, p_aux, p_rest = parts
    fill = _filler(p_wh, prev.answer, prev.kind)
    if p_aux and p_rest and not _starts_subject(p_rest[0]) and p_wh[0].lower() in ("who", "which", "what", "how"):
        body = [fill, *p_rest]  # the wh-phrase was the subject: "Which town was captured" -> "Velmora was captured"
    elif p_aux:  # the answer goes where the object was: before a trailing prepositional phrase, else last
        # ("to" before a verb is the infinitive's: "agree not to build" + the answer + "near the harbour")
        at = next((i for i, w in enumerate(p_rest) if i >= 2 and w.lower() in _INSERT_BEFORE and i + 1 < len(p_rest)
                   and (w.lower() != "to" or _starts_subject(p_rest[i + 1]))), len(p_rest))
        body = [*p_rest[:at], fill, *p_rest[at:]]
    else:
        body = [fill, *p_rest]
    clause = " ".join(w for w in body if w)
    if not clause:
        return None
    new_lead = " ".join([*lead, *wh])
    new_lead = new_lead[:1].upper() + new_lead[1:]
    return f"{new_lead} {p_aux} {clause}?" if p_aux else f"{new_lead} was it that {clause}?"


# --- "What about Ostria's?": a new name in the previous question ------------------------------------------

_ELLIPSIS = re.compile(r"^(?:(?:and|but)\s+)?(?:(?:what|how)\s+about|and|but)\s+(?P<x>[^?]{1,80}?)\s*\??\s*$", re.I)


_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_YEAR = r"(?:19|20)\d\d(?:/\d\d)?"
_DAY_DATE = rf"{_MONTH}(?:\s+\d{{1,2}})?(?:,?\s+{_YEAR})?"
_PERIOD = (r"(?:(?:next|last|this|coming|previous|past|current|same|first|second|third|fourth|fiscal|calendar)\s+)*"
           r"(?:year|quarter|half|month|week|decade|period|season)")
_TIME_CORE = (rf"(?:the\s+)?(?:{_PERIOD}(?:\s+(?:ending|ended|to)\s+{_DAY_DATE}|\s+{_YEAR})?|(?:fiscal\s+)?{_YEAR}|"
              rf"{_DAY_DATE}|(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|yesterday|tomorrow)")
_TIME_PREPOSITION = r"(?:in|for|during|on|by|at|over|since|until|through|before|after)"
_TIME_PHRASE = re.compile(rf"(?:(?P<prep>{_TIME_PREPOSITION})\s+)?(?P<core>{_TIME_CORE})(?![\w/])", re.I)


def swap_time(previous: str, x: str) -> str | None:
    """"And for next year?" / "What about 1986?": ``previous`` asked again for the time ``x`` names, in place
    of its last time phrase (its preposition kept when ``x`` has none), or added at its end; ``None`` when
    ``x`` is not a time phrase.

    >>> swap_time("What profit does Kessland Steel forecast for the year ending April 30, 1988?", "for next year")
    'What profit does Kessland Steel forecast for next year?'
    >>> swap_time("How much did Ostria export in 1985?", "1986"), swap_time("Who leads Ostria?", "in 1991")
    ('How much did Ostria export in 1986?', 'Who leads Ostria in 1991?')
    """
    own = _TIME_PHRASE.fullmatch(x.strip())
    if not own:
        return None
    # a time phrase of the question: one after a preposition, or a date or year ("the week" alone is no time)
    found = [m for m in _TIME_PHRASE.finditer(previous)
             if m.group("prep") or re.match(rf"(?:the\s+)?(?:{_DAY_DATE}|{_YEAR})", m.group("core"), re.I)]
    if not found:
        return previous.rstrip().rstrip("?").rstrip() + f" {x.strip()}?"
    last = found[-1]
    a = last.start() if own.group("prep") or not last.group("prep") else last.start("core")
    return previous[:a] + x.strip() + previous[last.end():]


def swap_in(question: str, context: list[Context]) -> str | None:
    """"What about X?" / "And X?" after a question: the previous question with X in place of one of its
    names (a possessive one for "X's", else one of X's kind, else the first) or, for a time ("And for next
    year?", ``swap_time``), of its time phrase; ``None`` for any other question.

    >>> swap_in("What about Ostria's?", [Context("Who is Norland's foreign minister?", "Lina Haddad", "person", (),
    ...         tuple(question_mentions("Who is Norland's foreign minister?")))])
    "Who is Ostria's foreign minister?"
    """
    m = _ELLIPSIS.match(question.strip())
    if not m or not context:
        return None
    x = m.group("x").strip()
    words = x.lower().split()
    if not words or len(words) > 6 or words[0] in _WH or words[0] in AUXILIARIES:
        return None
    timed = swap_time(context[-1].question, x)
    if timed:
        return timed
    possessive = bool(re.search(r"['’]s$", x))
    core = re.sub(r"['’]s$", "", x)
    prev = context[-1]
    names = [n for n in prev.mentions if n.start >= 0 and n.text[:1].isupper()]
    kind = name_kind(core)[0]
    slot = (next((n for n in names if possessive and n.possessive), None)
            or next((n for n in names if kind and n.kind == kind), None) or (names[0] if names else None))
    if slot is None:
        return None
    return prev.question[: slot.start] + core + prev.question[slot.end :]


# --- "What did they take next?": after the previous answer ---------------------------------------------

_NEXT = re.compile(r"\s+(?:next|afterwards|after\s+that)(?=\s*[?.!]*\s*$)", re.I)


def resolve_sequence(question: str, context: list[Context], max_words: int = 8) -> str:
    """A follow-up ending in "next", "afterwards" or "after that" asks what came after the previous answer:
    that answer takes its place ("next" before a noun is a time, "next year", and is left alone; so is an
    answer longer than ``max_words`` words).

    >>> resolve_sequence("Which port did the fleet reach next?", [Context("Which port did the fleet leave?",
    ...     "Velmora", "place", (), ())])
    'Which port did the fleet reach after Velmora?'
    """
    m = _NEXT.search(question)
    if not m or not context:
        return question
    answer = context[-1].answer.strip().rstrip(".")
    if not answer or len(answer.split()) > max_words:
        return question
    return question[: m.start()] + " after " + answer + question[m.end() :]


# --- the whole follow-up ---------------------------------------------------------------------------------

def _rewrite(question: str, context: list[Context]) -> tuple[str, tuple[tuple[str, Mention], ...]]:
    """``question`` standalone against ``context``, and the referents its pronouns were given."""
    for whole in (event_question, swap_in):
        q = whole(question, context)
        if q:
            return q, ()
    q, used = resolve_pronouns(question, context)
    return resolve_sequence(resolve_demonstratives(q, context), context), used


def _topic(wanted: str, m: Mention) -> Mention:
    """A referent as the topic of the turn that used it: the pronoun's class says what it is."""
    kind = PERSON if wanted == PERSON else (m.kind if m.kind and m.kind != PERSON else THING)
    return replace(m, kind=kind, sure=True, plural=m.plural or (wanted == "group" and kind != ORG), start=-1, end=-1)


def understand(history: list[Turn], max_chars: int = 1000) -> list[Context]:
    """Each turn of a normalized history as later follow-ups see it, oldest first: its question resolved
    against the turns before it, its answer, what it asked for, its topic and mentions."""
    context: list[Context] = []
    for q, a in history:
        standalone, used = _rewrite(q, context) if context else (q, ())
        if len(standalone) > 2 * max_chars:
            standalone, used = q, ()
        asked = analyse(standalone)
        answer = stated_answer(a)
        ans = _answer_mention(answer, asked.kind, asked.plural)
        mentions = ([ans] if ans else []) + question_mentions(standalone)
        mentions += _plural_phrases(standalone, after_wh_phrase(standalone))
        topics = tuple(_topic(w, m) for w, m in used)
        context.append(Context(standalone, answer, asked.kind, topics, tuple(mentions)))
    return context


def resolve(question: str, history: object, *, max_turns: int = 10, max_chars: int = 1000) -> str:
    """Rewrite a follow-up so it stands alone: pronouns become what they mean (a person for "he", a thing
    for "it", a group for "they"), "When was that?" the previous question's event, "What about X?" the
    previous question about X, "next" after the previous answer. ``history`` is read as ``normalize_history`` reads it; a question with nothing
    to resolve comes back unchanged.

    >>> resolve("What has he vowed to do?", [("Who leads the group?", "Ahmad Al Rifai")])
    'What has Ahmad Al Rifai vowed to do?'
    >>> resolve("Who leads it?", [("Which group took the town?", "Jabhat Nur al-Wadi")])
    'Who leads Jabhat Nur al-Wadi?'
    """
    turns = normalize_history(history, max_turns=max_turns, max_chars=max_chars)
    if not turns:
        return question
    out, _ = _rewrite(question, understand(turns, max_chars))
    return out if len(out) <= len(question) + max_chars else question
