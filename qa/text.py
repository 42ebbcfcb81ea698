"""Text utilities every stage shares: stopwords, stemming, terms, answer normalization, cached
sentence splits and the word-piece tokenizer (one copy of each)."""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=1 << 17)  # pure, and asked for the same words of the same articles on every question
def stem(word: str) -> str:
    """A light suffix stripper so that 'cities'/'city', 'dropping'/'drop', 'took'/'take' meet;
    pure and crude (the same function runs on questions and articles, so it only has to agree).

    >>> [stem(w) for w in ("cities", "dropping", "retook", "captured", "capture", "Norland's")]
    ['city', 'drop', 'retak', 'captur', 'captur', 'norland']
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


def content_words(text: str) -> frozenset[str]:
    """Lowercased words of ``text`` that are not stopwords (to tell a span that repeats the question).

    >>> sorted(content_words("The rebels took Qarnabad"))
    ['qarnabad', 'rebels', 'took']
    """
    return frozenset(w for w in re.findall(r"\w+", text.lower()) if w not in STOPWORDS)


def squad_normalize(s: str) -> str:
    """SQuAD's official answer normalization (lowercase, no punctuation or articles, whitespace and line
    breaks collapsed), with the typographic apostrophe folded into ASCII.

    >>> squad_normalize("The  Basin\\nPipeline’s")
    'basin pipelines'
    """
    s = s.lower().replace("’", "'")
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


_PUNCT = frozenset(string.punctuation)


@lru_cache(maxsize=1 << 17)
def bare_word(word: str) -> str:
    """A word lowercased, without its possessive ending: "Norway's" -> "norway".

    >>> bare_word("Norway's"), bare_word("Velmora’s"), bare_word("Ministers")
    ('norway', 'velmora', 'ministers')
    """
    return re.sub(r"[’']s?\Z", "", word.lower())


def collapse_whitespace(s: str) -> str:
    """Every run of whitespace (a hard line break of wire copy included) as one space.

    >>> collapse_whitespace(" Northfield Petroleum\\n  Corp ")
    'Northfield Petroleum Corp'
    """
    return " ".join(s.split())


@lru_cache(maxsize=2048)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """``split_sentences(text)``, cached: the answerer asks for the same articles' sentences again and again."""
    from .sentences import split_sentences

    return tuple(split_sentences(text))


@lru_cache(maxsize=4)
def wordpiece_tokenizer(tokenizer_json: str | None = None):
    """MiniLM's uncased WordPiece tokenizer (``tokenizers``), no truncation or padding; from
    ``tokenizer_json`` or the embedding model's own file."""
    from tokenizers import Tokenizer

    if tokenizer_json is None:
        from .embedding import model_path

        tokenizer_json = str(model_path() / "tokenizer.json")
    tok = Tokenizer.from_file(str(Path(tokenizer_json)))
    tok.no_truncation()
    tok.no_padding()
    return tok
