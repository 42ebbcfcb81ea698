"""Bad input gets a clear error and never touches the index on disk."""

from __future__ import annotations

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
