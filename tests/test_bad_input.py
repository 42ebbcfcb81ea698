"""Bad input gets a clear error and never touches the index on disk."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import qa
from qa.errors import CorpusError, QuestionError
from qa.evaluation import load_questions
from qa.question import NOT_TEXT, in_another_language, validate
from tests.conftest import DEV, SHARED, write_corpus


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


# --- issue 10: one check of typed text, length capped before the clean-up, English only, question files ---
@pytest.mark.parametrize("question", [
    "¿Quién lidera a los rebeldes?", "¿Cuántos soldados murieron en Hama?", "Où se trouve Hama ?",
    "Combien de villages ont été pris ?", "Wer führt die Rebellen an?", "Wie viele Dörfer wurden erobert?",
    "Quem lidera os rebeldes?", "Quantas pessoas morreram em Aleppo?", "Chi guida i ribelli?",
    "Quante persone sono morte ad Aleppo?", "Wie is de leider van de rebellen?",
])
def test_questions_in_other_latin_script_languages_are_refused(question):
    with pytest.raises(QuestionError, match="reads English only"):
        validate(question)


@pytest.mark.parametrize("question", [
    "Who won the Tour de France in 1998?", "Which Sony executive told Die Welt about production abroad?",
    "What does the phrase la vie en rose mean?", "Who is Charles de Gaulle's successor?", "Hama population?",
    "Did the rebels take Saraqib?", "Was Assad in Damascus?",
])
def test_english_questions_with_foreign_words_are_kept(question):
    assert validate(question) == question


def _questions_of(path) -> list[str]:
    return [r["question"] for r in load_questions(path)] if path.exists() else []


def test_no_english_question_of_the_dev_sets_or_squad_is_refused():
    from qa.training import TUNE, load_split

    questions = _questions_of(DEV) + _questions_of(SHARED / "eval" / "news_dev" / "questions.jsonl")
    try:
        questions += [e.question for e in load_split(TUNE)]
    except (OSError, qa.QAError, ValueError):
        pass
    if not questions:
        pytest.skip("../shared is not here")
    refused = [q for q in questions if in_another_language(q)]
    assert refused == [], refused[:5]


def test_a_huge_question_is_refused_before_the_clean_up():
    huge = "Who leads the rebels? " * 500_000  # 11 MB
    t = time.perf_counter()
    with pytest.raises(QuestionError, match="10,999,999 characters long; the limit is 1,000"):
        validate(huge)
    assert time.perf_counter() - t < 0.1
    # whitespace still collapses below the cap: a question padded with blanks is asked
    assert validate("Who leads" + " " * 1500 + "the rebels?") == "Who leads the rebels?"


def test_validate_refuses_lone_surrogates_and_control_characters():
    with pytest.raises(QuestionError, match="not valid text"):
        validate("Who leads\ud800 the rebels?")
    with pytest.raises(QuestionError, match="control characters"):
        validate("Who leads\x1b the rebels?")
    assert NOT_TEXT.sub("", "a\x00b\ud800c\x85d") == "abcd"


@pytest.mark.parametrize("line, message", [
    ("[1, 2]", "a list, not an object"), ('"Who?"', "a string, not an object"), ("null", "null, not an object"),
    ('{"answers": ["x"]}', 'an object without a "question" string'), ('{"question": 5}', 'an object without a "question" string'),
    ("{not json", "not JSON"),
])
def test_a_question_file_with_a_bad_row_names_its_line(tmp_path, line, message):
    f = tmp_path / "q.jsonl"
    f.write_text('{"question": "Who leads the rebels?", "answers": ["HTS"]}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(qa.QAError, match=f"q.jsonl:3: {re.escape(message)}"):
        load_questions(f)
