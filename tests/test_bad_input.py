"""Bad input gets a clear error and never touches the index on disk."""

from __future__ import annotations

import time

import numpy as np
import pytest

import qa
from qa.errors import CorpusError, QuestionError
from tests.conftest import write_corpus


def _snapshot(index_dir):
    return {p.relative_to(index_dir).as_posix(): p.read_bytes() for p in index_dir.rglob("*")
            if p.is_file() and p.name != ".lock"}


@pytest.mark.parametrize("question,match", [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("Who " * 4999 + "Who?", "20,000 characters long; the limit is 1,000"),
    ("من يقود هيئة تحرير الشام؟", "English"),
    ("Who leads\x00 the\x07 rebels?", "control characters"),
    ("?!?", "no words"),
    (None, "must be text"),
])
def test_bad_questions_raise_question_error_and_keep_the_index(seed_bot, question, match):
    before = _snapshot(seed_bot.settings.index_dir)
    with pytest.raises(QuestionError, match=match):
        seed_bot.ask(question)
    assert _snapshot(seed_bot.settings.index_dir) == before
    # the bot still answers after bad input
    assert "Jawlani" in seed_bot.ask("Who is the leader of Hayat Tahrir al-Sham?").text


def test_question_error_is_a_value_error():
    assert issubclass(QuestionError, ValueError) and issubclass(QuestionError, qa.QAError)


def test_newlines_and_tabs_are_fine(seed_bot):
    assert "Jawlani" in seed_bot.ask("Who is the leader of\nHayat Tahrir\tal-Sham?").text


@pytest.mark.parametrize("case", ["missing", "empty", "binary"])
def test_bad_corpus_raises_corpus_error_and_keeps_the_index(tiny_corpus, tmp_path, embedder, case):
    idx = tmp_path / "idx"
    qa.QA(corpus=tiny_corpus, index_dir=idx, embedder=embedder, show_progress=False).warm_up()
    before = _snapshot(idx)
    corpus = {"missing": tmp_path / "nope", "empty": tmp_path / "empty",
              "binary": write_corpus(tmp_path / "bin", {"photo.txt": bytes(range(256)) * 40})}[case]
    if case == "empty":
        corpus.mkdir()
    bot = qa.QA(corpus=corpus, index_dir=idx, embedder=embedder, show_progress=False)
    with pytest.raises(CorpusError) as e:
        bot.ask("Who was killed?")
    assert "--corpus" in str(e.value)
    assert _snapshot(idx) == before


# --- issue 9: hardening ------------------------------------------------------------------------
JAWLANI_Q = "Who is the leader of Hayat Tahrir al-Sham?"


@pytest.mark.parametrize("question", ["fore\ud800ign", "Who is the leader of\udcff Hayat Tahrir al-Sham?",
                                      "\ud83d\ude00 Who leads the rebels?"])
def test_lone_surrogates_raise_question_error(seed_bot, question):
    before = _snapshot(seed_bot.settings.index_dir)
    with pytest.raises(QuestionError, match="not valid text"):
        seed_bot.ask(question)
    assert _snapshot(seed_bot.settings.index_dir) == before


@pytest.mark.parametrize("question", ["Who\x1b leads the rebels?", "Who leads\x7f the rebels?",
                                      "Who leads\x85 the rebels?", "Who\x0b leads the rebels?"])
def test_control_characters_raise_question_error(seed_bot, question):
    with pytest.raises(QuestionError, match="control characters"):
        seed_bot.ask(question)


@pytest.mark.parametrize("top_k", [0.5, "5", float("nan"), float("inf"), -float("inf"), True, False, 0, -1, 101,
                                   10**30, [3], b"3"])
def test_bad_top_k_raises_question_error(seed_bot, top_k):
    with pytest.raises(QuestionError, match="top_k must be a whole number between 1 and 100"):
        seed_bot.ask(JAWLANI_Q, top_k=top_k)


@pytest.mark.parametrize("top_k", [1, 3.0, np.int64(2), 30, 100, None])
def test_good_top_k_is_the_number_of_passages(seed_bot, top_k):
    ans = seed_bot.ask(JAWLANI_Q, top_k=top_k)
    k = int(top_k or seed_bot.settings.top_k)
    assert len(ans.passages) == k if k <= seed_bot.settings.candidates else k > len(ans.passages) >= 40


@pytest.mark.parametrize("history", [5, True, 2.5, "Who leads?", b"bytes", {"role": "user", "content": "Hi"},
                                     [1, 2], [("only a question",)], [("q", "a", "extra")], [None],
                                     [{"unknown": "shape"}], [{"role": "user"}], [{"content": "no role"}],
                                     iter([("q", "a")])])
def test_badly_shaped_history_raises_question_error(seed_bot, history):
    with pytest.raises(QuestionError, match="history"):
        seed_bot.ask("What has he vowed to do?", history=history)


@pytest.mark.parametrize("history", [
    [(JAWLANI_Q, None), ("Which group?", "Abu Mohammed Al Jawlani")],
    [(JAWLANI_Q + "\ud800\x00", "Abu Mohammed\x07 Al Jawlani\udfff")],
    [{"role": "system", "content": "be brief"}, {"role": "user", "content": [{"type": "text", "text": JAWLANI_Q}]},
     {"role": "assistant", "content": "**Abu Mohammed Al Jawlani** [1]", "metadata": None}],
    [{"role": "user", "content": {"path": "photo.png"}}, {"role": "assistant", "content": 12},
     {"question": JAWLANI_Q, "answer": "Abu Mohammed Al Jawlani"}],
])
def test_history_values_are_cleaned_not_rejected(seed_bot, history):
    ans = seed_bot.ask("What has he vowed to do?", history=history)
    assert "Damascus" in ans.text, ans.text


def test_history_is_bounded_in_turns_and_characters(seed_bot, monkeypatch):
    from qa.conversation import normalize_history

    turns = normalize_history([(f"Q{i}", f"A{i}") for i in range(1000)])
    assert turns == [(f"Q{i}", f"A{i}") for i in range(990, 1000)]
    turns = normalize_history([("Q" * 10_000, "A" * 10_000)])
    assert [len(q) for q, a in turns] == [1000] and [len(a) for q, a in turns] == [1000]
    assert normalize_history([("Q\ud800\x00", "A\x1b\udcff B")]) == [("Q", "A B")]

    # a 10 MB history: the question the retriever sees stays short, and the ask stays fast
    retriever = seed_bot._state[1]
    seen = []
    real = retriever.search
    monkeypatch.setattr(retriever, "search", lambda q, k: seen.append(q) or real(q, k))
    huge = "Who is " + "Abu Mohammed Jawlani " * 500_000
    t = time.perf_counter()
    seed_bot.ask("What has he vowed to do?", history=[(huge, ""), ("Who?", "Abu " * 2_500_000)])
    assert time.perf_counter() - t < 5
    assert seen and all(len(q) <= 2 * seed_bot.settings.max_question_chars for q in seen)


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5"])
def test_bad_setting_in_the_environment_is_a_qa_error(monkeypatch, value):
    monkeypatch.setenv("QA_TOP_K", value)
    with pytest.raises(qa.QAError, match="QA_TOP_K=.* is not a positive whole number: fix or unset it"):
        qa.Settings.from_env()
