"""Follow-up questions: ``resolve`` on hand-written conversations (each kind of reference), then follow-up
chains through the real pipeline on the seed articles and on news_dev's follow-up rows."""

from __future__ import annotations

import sys
import time

import pytest

import qa
from qa.conversation import fits, name_kind, question_mentions, resolve, stated_answer
from qa.evaluation import history_of, is_correct, load_questions
from tests.conftest import ROOT, SHARED

FIDAN = ("Who is Turkey's foreign minister?", "Hakan Fidan")
HTS = ("Which group leads the rebel coalition?", "Hayat Tahrir al-Sham")
JAWLANI = ("Who is the leader of Hayat Tahrir al-Sham?", "Abu Mohammed Al Jawlani")


# --- pronouns, by what they can mean -----------------------------------------------------------------
@pytest.mark.parametrize("question, history, expected", [
    # he/him/his: the most recent person, not the most recent name
    ("What has he vowed to do?", [JAWLANI, ("Which city did the rebels take?", "Aleppo")],
     "What has Abu Mohammed Al Jawlani vowed to do?"),
    ("Who may replace him?", [("Which general did Moscow sack?", "Sergei Kisel")], "Who may replace Sergei Kisel?"),
    ("What was his rank?", [("Which officer was killed in the strike?", "Kioumars Pourhashemi")],
     "What was Kioumars Pourhashemi's rank?"),
    # a name with a title before it in an earlier question is a person; the country before "'s minister" is not
    ("What did he say?", [("Where did Foreign Minister Abbas Araghchi travel?", "Ankara")], "What did Abbas Araghchi say?"),
    # she/her: object before a stopword or the end, possessive before a noun
    ("Whom did she accuse?", [("Who is the ministry's spokesperson?", "Maria Zakharova")], "Whom did Maria Zakharova accuse?"),
    ("Who appointed her?", [("Who is the ministry's spokesperson?", "Maria Zakharova")], "Who appointed Maria Zakharova?"),
    ("What is her title?", [("Who is the ministry's spokesperson?", "Maria Zakharova")], "What is Maria Zakharova's title?"),
    # it/its: an organisation, place or thing, never the person answered last
    ("Who leads it?", [HTS], "Who leads Hayat Tahrir al-Sham?"),
    ("What is its population?", [("Which town did the rebels capture?", "Hama")], "What is Hama's population?"),
    ("Where was it captured?", [("What anti-aircraft system did the rebels capture?", "Pantsir-S1")],
     "Where was Pantsir-S1 captured?"),
    ("Where is it based?", [JAWLANI], "Where is Hayat Tahrir al-Sham based?"),
    # they/them/their: a plural or an organisation, not a single place
    ("Where did they advance next?", [("Which town did the rebels capture?", "Hama")],
     "Where did the rebels advance after Hama?"),  # (and "next": after the previous answer)
    ("How many villages did they capture?", [("Which group launched an offensive in the east?", "Syrian Democratic Forces")],
     "How many villages did Syrian Democratic Forces capture?"),
    ("Who leads them?", [HTS], "Who leads Hayat Tahrir al-Sham?"),
    # one pronoun of each class in one question
    ("What has he vowed to do with its fighters?", [HTS, ("Who is its leader?", "Abu Mohammed Al Jawlani")],
     "What has Abu Mohammed Al Jawlani vowed to do with Hayat Tahrir al-Sham's fighters?"),
])
def test_a_pronoun_means_the_latest_mention_of_its_kind(question, history, expected):
    assert resolve(question, history) == expected


def test_a_pronoun_keeps_the_topic_of_the_turn_before():
    # "he" in the second question meant Fidan; the third "he" goes on meaning him, not the answer in between
    history = [FIDAN, ("Which Iraqi minister did he speak with?", "Fouad Hussein")]
    assert resolve("Which Saudi prince did he also speak with?", history) == \
        "Which Saudi prince did Hakan Fidan also speak with?"


@pytest.mark.parametrize("question", [
    "What did Hakan Fidan say he would do?",  # its own name comes first
    "What did the minister say he would do?",
    "How long did it take the rebels to reach Hama?",  # "it" that refers to nothing
    "Is it true that the rebels took Hama?",
    "Where is Oslo?",  # nothing to resolve
])
def test_a_question_that_names_its_own_referent_is_left_alone(question):
    assert resolve(question, [JAWLANI, HTS]) == question


def test_no_history_or_nothing_that_fits_changes_nothing():
    assert resolve("What has he vowed to do?", None) == "What has he vowed to do?"
    assert resolve("What has he vowed to do?", []) == "What has he vowed to do?"
    assert resolve("What has he vowed to do?", [("How many towns fell?", "four")]) == "What has he vowed to do?"


# --- events, ellipsis and demonstratives --------------------------------------------------------------
@pytest.mark.parametrize("question, history, expected", [
    ("When was that?", [("Which town did the rebels capture?", "Hama")], "When did the rebels capture Hama?"),
    ("Why?", [("Which town did the rebels capture on Tuesday?", "Hama")], "Why did the rebels capture Hama on Tuesday?"),
    ("And when did that happen?", [("How many towns did the rebels capture near Hama?", "four")],
     "When did the rebels capture four towns near Hama?"),
    ("Where did that happen?", [("Who was killed by the drone?", "Kioumars Pourhashemi")],
     "Where was Kioumars Pourhashemi killed by the drone?"),
    ("In what year was that?", [("Which city witnessed a brutal crackdown?", "Hama")],
     "In what year was it that Hama witnessed a brutal crackdown?"),
    ("When was that?", [("Where did the rebels launch the offensive?", "Idlib")],
     "When did the rebels launch the offensive in Idlib?"),
    # declined earlier: the question with the noun it asked for
    ("When was that?", [("Which town did the rebels capture?", "")], "When did the rebels capture the town?"),
])
def test_when_was_that_asks_about_the_previous_question_with_its_answer(question, history, expected):
    assert resolve(question, history) == expected


@pytest.mark.parametrize("question, history, expected", [
    ("What about Iran's?", [FIDAN], "Who is Iran's foreign minister?"),
    ("And Iraq's?", [FIDAN], "Who is Iraq's foreign minister?"),
    ("And Idlib?", [("How many people were killed in Aleppo on Sunday?", "25")],
     "How many people were killed in Idlib on Sunday?"),
    ("What about the regime?", [("What did Turkey demand?", "talks")], "What did the regime demand?"),
])
def test_what_about_x_puts_x_into_the_previous_question(question, history, expected):
    assert resolve(question, history) == expected


def test_a_demonstrative_with_a_class_noun_means_the_latest_of_that_class():
    history = [("Which city did the rebels approach?", "Hama")]
    assert resolve("How far is that city from Damascus?", history) == "How far is Hama from Damascus?"
    assert resolve("Who leads that group?", [HTS]) == "Who leads Hayat Tahrir al-Sham?"
    # "that" before a noun phrase it introduces is left alone
    assert resolve("What did the rebels say that state media denied?", history) == \
        "What did the rebels say that state media denied?"


# --- what the conversation looks like: chat replies, declines, bounds -----------------------------------
def test_chat_replies_state_their_answer_and_declines_state_none():
    reply = ('<span class="qa-unsure" title="confidence 0.32">Likely:</span> **Abu Mohammed Al Jawlani** '
             '<a class="qa-cite" href="#" data-n="1" title="The National — **bold** in a quote">[1]</a>\n\n> quote')
    assert stated_answer(reply) == "Abu Mohammed Al Jawlani"
    assert stated_answer("Two reports say **seven** [1][2]; one says **six** [3].") == "seven"
    assert stated_answer("**The articles don't seem to say.** I looked for a person's name ...") == ""
    assert stated_answer("⚠️ The question is empty: type a question about the articles") == ""
    assert stated_answer("Hakan Fidan") == "Hakan Fidan"
    # a declined turn gives no referent: "he" goes back to the answer before it
    history = [{"role": "user", "content": JAWLANI[0]}, {"role": "assistant", "content": f"**{JAWLANI[1]}** [1]"},
               {"role": "user", "content": "Who is his deputy?"},
               {"role": "assistant", "content": "**The articles don't seem to say.** I looked for a person's name"}]
    assert resolve("What has he vowed to do?", history) == "What has Abu Mohammed Al Jawlani vowed to do?"


def test_mentions_are_typed_by_their_own_words_and_the_words_around_them():
    assert name_kind("Syrian Democratic Forces") == ("org", True)
    assert name_kind("Aleppo University Hospital") == ("place", True)
    assert name_kind("Brigadier General Kioumars Pourhashemi") == ("person", True)
    kinds = {m.text: m.kind for m in question_mentions(
        "Did spokesperson Maria Zakharova say the Hayat Tahrir al-Sham leader met Turkey's foreign minister in Ankara?")}
    assert kinds == {"Maria Zakharova": "person", "Hayat Tahrir al-Sham": "thing", "Turkey": "thing", "Ankara": "place"}
    assert [m.text for m in question_mentions("Which Iraqi minister did the Kurdish-led SDF meet?")] == ["SDF"]
    he, it = "person", "thing"
    sdf = question_mentions("Did the SDF attack?")[0]
    assert fits(sdf, it) and not fits(sdf, he) and fits(sdf, "group")


def test_a_huge_or_hostile_history_gives_a_bounded_question_quickly():
    hostile = ["He It They Abu Bin Al " * 200, "<a title='" * 300, "**" * 1000, "the rebels " * 300,
               "Which town did the rebels capture on " * 40, "What about " * 200]
    history = [(h, h) for h in hostile] * 2
    t = time.perf_counter()
    for q in ("What did he say about its fighters and their leader?", "When was that?", "And Iran's?"):
        out = resolve(q, history)
        assert len(out) <= len(q) + 1000
    assert time.perf_counter() - t < 2


# --- through the real pipeline on the seed articles -----------------------------------------------------
@pytest.mark.parametrize("history, question, understood, gold", [
    ([HTS, ("Who is its leader?", "Abu Mohammed Al Jawlani")], "What has he vowed to take?", "Jawlani", "Damascus"),
    ([("Which military airport did the Syrian National Army capture?", "Kuweires Military Airport")],
     "When was that?", "capture Kuweires Military Airport", "Sunday"),
    ([FIDAN], "What about Iran's?", "Iran's foreign minister", "Araghchi"),
    # a known reader miss since the score fusion (session 11): "over 20" of the rebels' sentence in the lede,
    # now retrieved first, outranks "seven" (reader margin 17.6 vs 14.8); the resolution is right
    pytest.param([("Which Kurdish-led group launched an offensive in Deir ez-Zor?", "Syrian Democratic Forces")],
                 "How many villages did they capture?", "Syrian Democratic Forces", "seven",
                 marks=pytest.mark.xfail(strict=True, reason="reader: a figure of another group's sentence")),
    ([("Which city is Syria's most important industrial centre?", "Aleppo")],
     "How many people did the airstrike on its university hospital kill?", "Aleppo's university hospital", "12"),
])
def test_follow_up_chains_on_the_seeds(seed_bot, history, question, understood, gold):
    ans = seed_bot.ask(question, history=history)
    assert ans.question == question and understood in ans.standalone, ans.standalone
    assert not ans.abstained and gold in ans.text, (ans.standalone, ans.text)
    d = ans.to_dict()
    assert d["question"] == question and d["standalone"] == ans.standalone


def test_a_question_that_stands_alone_is_not_rewritten(seed_bot):
    ans = seed_bot.ask(JAWLANI[0], history=[HTS])
    assert ans.standalone == "" and ans.to_dict()["standalone"] == ""


def test_follow_up_to_the_chat_page_replies(seed_bot):
    """The history the chat page sends back: its own rendered replies, an answer and a decline."""
    sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None  # app.py lives at the repo root
    import app

    first = seed_bot.ask("Which military airport did the Syrian National Army capture?")
    declined = qa.Answer(question="Who commanded the airport's garrison?", text="", abstained=True, kind="person")
    history = [{"role": "user", "content": first.question},
               {"role": "assistant", "content": app.render_answer(first, seed_bot.docs)},
               {"role": "user", "content": declined.question},
               {"role": "assistant", "content": app.render_abstention(declined)}]
    ans = seed_bot.ask("Which army captured it?", history=history)
    assert first.text in ans.standalone and "Syrian National Army" in ans.text


# --- news_dev: follow-up rows written by others, on news the code was not written on -------------------
NEWS = SHARED / "eval" / "news_dev"


@pytest.fixture(scope="module")
def news_rows() -> list[dict]:
    if not (NEWS / "questions.jsonl").exists():
        pytest.skip("../shared/eval/news_dev is not here")
    return [r for r in load_questions(NEWS / "questions.jsonl") if r.get("history") and r.get("answers")]


def test_news_dev_follow_ups_are_resolved_to_the_earlier_answer(news_rows):
    for r in news_rows:
        (_, answer), = history_of(r)[-1:]
        if answer[:1].isupper():  # a named answer: the follow-up's pronoun means it
            assert answer in resolve(r["question"], history_of(r)), r["id"]


def test_news_dev_follow_ups_through_the_pipeline(news_rows, tmp_path_factory, embedder):
    bot = qa.QA(corpus=NEWS / "corpus", index_dir=tmp_path_factory.mktemp("news-index"), embedder=embedder,
                show_progress=False)
    right = typed = 0
    for r in news_rows:
        ans = bot.ask(r["question"], history=history_of(r))
        assert ans.standalone and ans.question == r["question"]
        right += not ans.abstained and is_correct(ans.text, r["answers"])
        alone = bot.ask(r["question"])
        typed += not alone.abstained and is_correct(alone.text, r["answers"])
    assert right >= typed and right >= 1, (right, typed, len(news_rows))


@pytest.mark.parametrize("question, history, expected", [
    # a time for the previous question's time phrase, not for one of its names
    ("And for next year?", [("What profit does Kessland Steel forecast for the year ending April 30, 1988?",
                             "45 billion yen")], "What profit does Kessland Steel forecast for next year?"),
    ("What about 1986?", [("How much grain did Ostria export in 1985?", "2 mln tonnes")],
     "How much grain did Ostria export in 1986?"),
    ("And on Monday?", [("How many people were killed in Velmora on Sunday?", "12")],
     "How many people were killed in Velmora on Monday?"),
    # no time phrase to replace: the time goes at the end
    ("What about in 1991?", [("Who led the Velmora Harbour Works Committee?", "Oskar Brandt")],
     "Who led the Velmora Harbour Works Committee in 1991?"),
])
def test_what_about_a_time_asks_the_previous_question_for_that_time(question, history, expected):
    assert resolve(question, history) == expected


def test_when_was_that_puts_the_answer_after_an_infinitive_not_inside_it():
    history = [("What did the Velmora council agree not to build near the harbour?", "a second pier")]
    assert resolve("When was that?", history) == "When did the Velmora council agree not to build a second pier near the harbour?"
    # "to" before a noun phrase is a preposition: the answer goes before it
    history = [("What did Ostria sell to the Norland navy?", "two frigates")]
    assert resolve("When was that?", history) == "When did Ostria sell two frigates to the Norland navy?"


@pytest.mark.parametrize("question, history, expected", [
    ("Which port did the fleet reach next?", [("Which port did the Norland fleet leave first?", "Velmora")],
     "Which port did the fleet reach after Velmora?"),
    ("What did they do after that?", [("Which bridge did the Ostrian engineers repair?", "the Kessland bridge")],
     "What did the Ostrian engineers do after the Kessland bridge?"),
    # "next" before a noun is a time; a long answer is no point in a sequence: both left alone
    ("Who will chair the next meeting?", [("Who chaired the Velmora summit?", "Ana Ruiz")],
     "Who will chair the next meeting?"),
    ("What did the council do next?", [("Why did the Velmora council meet?", "to decide whether the harbour should be "
                                        "closed to all foreign ships during the winter storms")],
     "What did the council do next?"),
])
def test_next_asks_what_came_after_the_previous_answer(question, history, expected):
    assert resolve(question, history) == expected
