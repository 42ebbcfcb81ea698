"""Fuzzing the public ``ask`` with the real pipeline on the seed articles: questions (any text: lone
surrogates, control characters, very long), ``top_k`` (any type) and histories (any shape).

Every call either answers, with every quote verbatim at its offsets in its article, or raises a
``QAError``; none takes over 5 s (the ``deadline``). The three tests make ~140 asks, ~30 s on this
project's 2 cores. Under CI (``CI`` set) the examples are the same every run.
"""

from __future__ import annotations

import os
from datetime import timedelta
from fractions import Fraction

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import qa
from qa.evaluation import check_citations
from qa.text import collapse_whitespace

FUZZ = settings(deadline=timedelta(seconds=5), database=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])

QUESTIONS = ("Who is the leader of Hayat Tahrir al-Sham?", "Which group leads the rebel coalition?",
             "How many towns did the rebels capture?", "What has he vowed to do?", "Where is Hama?",
             "When did the offensive begin?", "Why did Turkey close the border?")
NAMES = ("Abu Mohammed Al Jawlani", "Hayat Tahrir al-Sham", "Bashar al-Assad", "", "he", "Hama")
# every code point, lone surrogates and control characters included
ANY_CHAR = st.characters(exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40)


def _spliced(question: str, junk: str, at: int) -> str:
    at %= len(question) + 1
    return question[:at] + junk + question[at:]


def _long(question: str, n: int) -> str:
    return ((question + " ") * (n // len(question) + 1))[:n]


questions = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.builds(_spliced, st.sampled_from(QUESTIONS), ANY_TEXT, st.integers(0, 100)),
    st.builds(_long, st.sampled_from(QUESTIONS), st.integers(950, 1050)),  # both sides of the 1,000 limit
    st.sampled_from(QUESTIONS),
)
top_ks = st.one_of(st.none(), st.integers(-3, 120), st.floats(), st.booleans(), st.text(max_size=4),
                   st.sampled_from([10**30, -(10**30), 5.0, 1e300, b"5", [5], (5,), {"k": 5}]), st.fractions())
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ANY_TEXT, st.binary(max_size=8),
                   st.sampled_from(NAMES + QUESTIONS + ("user", "assistant", "system")))
anything = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner), st.tuples(inner),
    st.dictionaries(st.sampled_from(["role", "content", "question", "answer", "text", "type"]) | ANY_TEXT,
                    inner, max_size=4)), max_leaves=12)
turns = st.one_of(
    st.tuples(st.sampled_from(QUESTIONS) | ANY_TEXT, st.sampled_from(NAMES) | ANY_TEXT | st.none()),
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system"]) | anything,
                           "content": st.sampled_from(QUESTIONS + NAMES) | anything}),
    st.fixed_dictionaries({"question": st.sampled_from(QUESTIONS) | anything,
                           "answer": st.sampled_from(NAMES) | anything}),
    anything,
)
histories = st.one_of(st.none(), anything, st.lists(turns, max_size=12), st.lists(turns, max_size=12).map(tuple))


def ask_and_check(bot: qa.QA, question, history=None, top_k=None) -> qa.Answer | None:
    """Ask; a ``QAError`` is a fine outcome (``None``), anything else fails the test. Check every offset."""
    try:
        ans = bot.ask(question, history=history, top_k=top_k)
    except qa.QAError as e:
        assert str(e), "a QAError must say what to do"
        return None
    docs = bot.docs
    n, ok = check_citations(ans, docs, ())
    assert ok == n, f"{n - ok} of {n} citations not verbatim at their offsets: {ans.citations}"
    for p in ans.passages:
        assert docs[p.source].text[p.start : p.end] == p.text
    if not ans.abstained:
        assert collapse_whitespace(docs[ans.source].text[ans.start : ans.end]) == ans.text
    assert 0 < len(ans.passages) <= (top_k if isinstance(top_k, int) else bot.settings.max_top_k)
    return ans


@settings(FUZZ, max_examples=60)
@given(question=questions)
@example(question="fore\ud800ign")
@example(question="Who leads\x00 the rebels?")
@example(question="Who is the leader of\u2028Hayat Tahrir\u200b al-Sham?")
@example(question="Which?")  # nothing after the wh-word: the span utilities once raised on it
@example(question="Who is the president of the?")
def test_any_question(seed_bot, question):
    ask_and_check(seed_bot, question)


@settings(FUZZ, max_examples=30)
@given(top_k=top_ks)
@example(top_k=0.5)
@example(top_k="5")
@example(top_k=float("nan"))
@example(top_k=float("inf"))
@example(top_k=True)
def test_any_top_k(seed_bot, top_k):
    ans = ask_and_check(seed_bot, "Which group leads the rebel coalition?", top_k=top_k)
    whole = top_k is None or (isinstance(top_k, (int, float, Fraction)) and not isinstance(top_k, bool)
                              and 1 <= top_k <= seed_bot.settings.max_top_k and top_k == int(top_k))
    assert (ans is not None) == whole, top_k


@settings(FUZZ, max_examples=50)
@given(history=histories, question=st.sampled_from(["What has he vowed to do?", "Where is his group based?"]))
@example(history=5, question="What has he vowed to do?")
@example(history=[("Who?", "Abu " * 2_500_000)], question="What has he vowed to do?")
def test_any_history(seed_bot, history, question):
    ask_and_check(seed_bot, question, history=history)


# --- corpus file names: any bytes a file system allows, through reading, indexing and asking ---------
ARTICLE = ("Qarnabad Bridge Reopens\n\n2025-03-07\n\nMayor Lina Haddad reopened the Zelten bridge in Qarnabad on "
           "Friday after two years of repairs.\n")
name_bytes = st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_"))
suffixes = st.sampled_from([b".txt", b".md", b".html", b".htm", b"", b".TXT", b".txt.bak", b"\xff.txt"])


@settings(FUZZ, max_examples=12)
@given(names=st.lists(st.tuples(name_bytes, suffixes), min_size=1, max_size=3))
@example(names=[(b"bad\xff", b".txt")])
@example(names=[(b"..", b".txt"), (b".hidden", b".md")])
@example(names=[(b"\xed\xa0\x80", b".txt")])  # an encoded lone surrogate
def test_any_corpus_file_name(tmp_path_factory, embedder, names):
    """Whatever the files are called, building and asking either works (every quote verbatim) or
    raises a QAError; names that cannot be read are skipped and named, never a crash."""
    corpus = tmp_path_factory.mktemp("names")
    written = 0
    for stem, suffix in names:
        path = os.path.join(os.fsencode(corpus), stem + suffix)
        if stem in (b".", b"..") or os.path.exists(path):
            continue
        try:
            with open(path, "wb") as f:
                f.write(ARTICLE.encode())
            written += 1
        except OSError:  # the file system refuses the name (too long, ...): nothing to test
            continue
    bot = qa.QA(corpus=corpus, index_dir=tmp_path_factory.mktemp("names-index"), embedder=embedder,
                show_progress=False)
    try:
        report = bot.warm_up()
    except qa.QAError as e:  # e.g. no readable article at all
        assert str(e)
        return
    for skipped in report.skipped:
        skipped.encode("utf-8")  # what is shown to the user is printable text
    ans = ask_and_check(bot, "Who reopened the Zelten bridge?")
    if ans is not None and not ans.abstained and written:
        assert "Haddad" in ans.text


SPAN_WORDS = ("Who", "is", "the", "president", "of", "Velmora", "Turkey's", "foreign", "minister", ",", "because",
              "and", "its", "U.S.", "no", "more", "than", "3-1/2", "2400", "EST", "April", "28", "Ösmund's", "(",
              "—", "said", "\n", "NFL", "Which", "cities", "What", "how", "much", "?", "S", ".", "pct", "dlr", "per")
span_texts = st.lists(st.one_of(st.sampled_from(SPAN_WORDS), ANY_TEXT), max_size=30).map(" ".join)


@settings(FUZZ, max_examples=300)
@given(text=span_texts, question=span_texts, a=st.integers(-5, 400), b=st.integers(-5, 400))
@example(text="Velmora, Kessland and Norland", question="Which?", a=0, b=7)
@example(text="its chairman, Ana B", question="Who is the chairman of Norland?", a=14, b=19)
def test_span_utilities_take_any_text(text, question, a, b):
    """Every span utility returns offsets inside the text for any text, question and span, and never raises."""
    from qa import spans

    a, b = sorted((max(0, min(a, len(text))), max(0, min(b, len(text)))))
    whole = (0, len(text))
    results = [spans.complete_number(text, a, b), spans.complete_date(text, a, b), spans.widen_name(text, a, b),
               spans.trim_span(text, a, b), spans.one_figure(text, a, b), spans.complete_reason(text, a, b, whole),
               spans.widen_list(text, a, b, whole), spans.widen_org(text, a, b)]
    if role := spans.role_asked(question):
        assert spans.holds_role(text, a, b, *role) in (-1, 0, 1)
    spans.asks_several(question), spans.asked_unit(question), spans.repeats_question(text[a:b], question)
    for x, y in results:
        assert 0 <= x <= y <= len(text)
