"""The answerer on real data (the seed sample, tiny articles written here, the real reader), and its
pure parts (window selection, answer assembly, answer comparison) on hand-made inputs."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import qa
from qa.answering import Calibration, Candidate, ReaderAnswerer, assemble, coverage, same_answer, select_windows
from qa.conversation import normalize_history, resolve
from qa.datatypes import Document
from qa.evaluation import evaluate, is_correct, load_questions
from qa.question import analyse
from tests.conftest import DEV, write_corpus


@pytest.fixture(scope="module")
def dev_result(seed_bot):
    if not DEV.exists():
        pytest.skip(f"{DEV} is not beside the repository")
    return evaluate(seed_bot, load_questions(DEV))


def test_dev_set_quality_bar(dev_result):
    # the bar is what the learned answerer measures (19/23), not the 23/23 that rules written on these
    # questions reached; its one unanswerable question is not declined at the tuned threshold (README)
    r = dev_result
    assert r.answerable and r.unanswerable
    assert r.accuracy >= 0.80, "\n".join(r.misses)
    assert r.false_declines <= 1, "\n".join(r.misses)


def test_every_quote_is_verbatim_and_from_a_supporting_article(dev_result):
    assert dev_result.citations > 0
    assert dev_result.citations_ok >= 0.9 * dev_result.citations, "\n".join(dev_result.misses)


def test_answer_fields_and_offsets(seed_bot):
    ans = seed_bot.ask("Which air defence system does Russia rely on for aerial control in Syria?")
    assert not ans.abstained and "S-400" in ans.text
    c = ans.citations[0]
    doc = seed_bot.docs[c.source]
    assert doc.text[c.start : c.end] == c.quote == ans.quote
    assert " ".join(doc.text[ans.start : ans.end].split()) == ans.text
    lo, hi = ans.span_in_quote()
    assert ans.quote[lo:hi] == ans.text
    assert c.title and c.date == "2024-12-04"
    assert 0 < ans.score <= 1
    d = ans.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["citations"][0]["source"] == c.source and d["text"] == ans.text


def test_declines_when_the_articles_do_not_say(seed_bot):
    for q in ["Who won the 2024 US presidential election?", "What is the capital of Australia?"]:
        ans = seed_bot.ask(q)
        assert ans.abstained and ans.text == "" and ans.message, (q, ans.text)
        assert ans.passages  # the closest passages are still shown


MERGER = ("Acme offers to buy Bolt\n\nAcme Corp said on Monday it had offered to buy Bolt Inc for 41 dlrs a share in\n"
          "cash. Acme chairman Maria Lopez said the offer was fair. Bolt shares rose 3 dlrs to 38 dlrs on the news.\n")


def test_declines_a_question_that_shares_the_words_but_not_the_answer(tmp_path, embedder):
    corpus = write_corpus(tmp_path / "c", {"m.txt": MERGER})
    bot = qa.QA(corpus=corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    yes = bot.ask("How much a share did Acme offer to pay for Bolt?")
    assert not yes.abstained and "41 dlrs" in yes.text
    no = bot.ask("When will Bolt's board vote on the Acme offer?")
    assert no.abstained and no.text == "", no.text
    assert no.score < yes.score


def test_declines_a_figure_that_is_not_the_amount_of_money_asked_for(tmp_path, embedder):
    sale = ("Norland sells rye\n\nNorland Mills said on Monday it would sell 40,000 tonnes of rye to Velmora next\n"
            "month, its third such sale this year. The price was not disclosed, the company said.\n")
    corpus = write_corpus(tmp_path / "c", {"s.txt": sale})
    bot = qa.QA(corpus=corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    assert "40,000 tonnes" in bot.ask("How many tonnes of rye will Norland Mills sell?").text
    no = bot.ask("What price will Norland Mills get for its rye?")
    assert no.abstained and no.text == "", no.text


def test_a_number_keeps_its_unit_across_a_line_break(tmp_path, embedder):
    corpus = write_corpus(tmp_path / "c", {"m.txt": MERGER})
    bot = qa.QA(corpus=corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    ans = bot.ask("What price per share did Acme offer for Bolt?")
    assert not ans.abstained and ans.text.startswith("41 dlrs"), ans.text
    doc = bot.docs["m.txt"]
    assert " ".join(doc.text[ans.start : ans.end].split()) == ans.text


def test_disagreeing_sources_give_alternatives(tiny_corpus, tmp_path, embedder):
    bot = qa.QA(corpus=tiny_corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    ans = bot.ask("How many people were killed in the strike on the market?")
    texts = {ans.text.lower(), *(a.text.lower() for a in ans.alternatives)}
    assert any("15" in t for t in texts) and any("twelve" in t for t in texts), texts
    assert len(ans.alternatives) == 1
    sources = {ans.citations[0].source, ans.alternatives[0].citations[0].source}
    assert sources == {"a.txt", "b.md"}
    for a in (ans, *ans.alternatives):
        c = a.citations[0]
        assert bot.docs[c.source].text[c.start : c.end] == c.quote and a.text in c.quote


def test_agreeing_sources_are_cited_together(seed_bot):
    ans = seed_bot.ask("How many villages did the Syrian Democratic Forces capture in Deir ez-Zor?")
    assert "seven" in ans.text
    assert len({c.source for c in ans.citations}) >= 2
    assert not ans.alternatives


@pytest.mark.parametrize("history", [
    [("Who is the leader of Hayat Tahrir al-Sham?", "Abu Mohammed Al Jawlani")],
    [{"role": "user", "content": "Who is the leader of Hayat Tahrir al-Sham?"},
     {"role": "assistant", "content": "**Abu Mohammed Al Jawlani** [1]"}],
])
def test_follow_up_uses_the_conversation(seed_bot, history):
    ans = seed_bot.ask("What has he vowed to do?", history=history)
    assert not ans.abstained and "Damascus" in ans.text, ans.text
    assert ans.question == "What has he vowed to do?"


def test_history_formats_and_pronoun_resolution():
    msgs = [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"}]
    assert normalize_history(msgs) == [("Q1", "A1"), ("Q2", "")]
    assert normalize_history([{"question": "Q", "answer": "A"}]) == [("Q", "A")]
    assert resolve("Which minister did he meet?", [("Who is Norway's foreign minister?", "Espen Barth Eide")]) == \
        "Which minister did Espen Barth Eide meet?"
    assert resolve("Where is Oslo?", [("Q", "A")]) == "Where is Oslo?"


# --- pure parts ------------------------------------------------------------------------------------
def test_same_answer_normalizes_whitespace_and_line_breaks():
    assert same_answer("Atlantic Richfield\nCorp", "atlantic  richfield corp")
    assert same_answer("over 50", "50") and same_answer("the Paris Club", "Paris Club")
    assert not same_answer("Twelve people", "At least 15 people")
    assert not same_answer("52 dlrs", "52 pct")  # the same figure of different things
    assert is_correct("the S-400 system", ["S-400"]) and not is_correct("S-300", ["S-400"])


TOLL_A = Document("a.txt", "Twelve people were killed in the strike. Rescuers searched the rubble.", "A", "2024-12-03")
TOLL_B = Document("b.txt", "At least 15 people were killed in the strike, the civil defence said.", "B", "2024-12-04")
TOLL_C = Document("c.txt", "The strike killed 12 people, medics said. The market was rebuilt in 40 days.", "C", None)


def _cand(doc: Document, text: str, conf: float) -> Candidate:
    i = doc.text.index(text)
    return Candidate(doc.source, i, i + len(text), text, conf)


def test_assemble_cites_agreeing_sources_together_and_keeps_differing_figures_apart():
    docs = {d.source: d for d in (TOLL_A, TOLL_B, TOLL_C)}
    q = analyse("How many people were killed in the strike?")
    ranked = [_cand(TOLL_C, "12 people", 0.9), _cand(TOLL_A, "Twelve people", 0.8),
              _cand(TOLL_B, "At least 15 people", 0.7), _cand(TOLL_C, "40 days", 0.6)]
    ans = assemble(q, ranked, docs, threshold=0.5)
    assert ans.text == "12 people" and [c.source for c in ans.citations] == ["c.txt", "a.txt"]  # twelve = 12
    assert [a.text for a in ans.alternatives] == ["At least 15 people"]  # '40 days' counts something else
    alt = ans.alternatives[0]
    assert alt.citations[0].source == "b.txt" and TOLL_B.text[alt.citations[0].start : alt.citations[0].end] == alt.quote
    assert ans.text in ans.citations[0].quote  # the others quote their own words for the same figure
    for c in ans.citations:
        assert docs[c.source].text[c.start : c.end] == c.quote


def test_a_figure_of_another_thing_or_another_event_is_not_an_alternative():
    towns = Document("t.txt", "On Tuesday the rebels captured four towns near Hama, activists said.", "T")
    soldiers = Document("s.txt", "The rebels said they killed around 50 government soldiers near Hama.", "S")
    summary = Document("u.txt", "Since last week the offensive has taken over 20 towns and villages.", "U")
    docs = {d.source: d for d in (towns, soldiers, summary)}
    q = analyse("How many towns did the rebels capture near Hama on Tuesday?")

    def cand(doc, text, conf, cov):
        return replace(_cand(doc, text, conf), features={"coverage": cov})

    ranked = [cand(towns, "four", 0.9, 1.0), cand(soldiers, "around 50", 0.8, 0.9),  # counts soldiers
              cand(summary, "over 20", 0.7, 0.4)]  # counts towns, in a sentence about another time
    assert not assemble(q, ranked, docs, threshold=0.5).alternatives
    ranked[2] = cand(summary, "over 20", 0.7, 0.9)  # the same event: the sources disagree
    assert [a.text for a in assemble(q, ranked, docs, threshold=0.5).alternatives] == ["over 20"]


def test_assemble_agreeing_figures_from_two_sources_are_one_answer():
    d1 = Document("x.txt", "The bridge is 1,200 metres long.", "X")
    d2 = Document("y.txt", "Officials said the bridge,\n1,200 metres long, opens in May.", "Y")
    q = analyse("How long is the bridge?")
    ans = assemble(q, [_cand(d1, "1,200 metres", 0.9), _cand(d2, "1,200 metres", 0.8)], {"x.txt": d1, "y.txt": d2})
    assert [c.source for c in ans.citations] == ["x.txt", "y.txt"] and not ans.alternatives


def test_assemble_declines_below_the_threshold_and_says_why():
    q = analyse("How many people were killed in the strike?")
    ans = assemble(q, [_cand(TOLL_A, "Twelve people", 0.2)], {"a.txt": TOLL_A}, threshold=0.5)
    assert ans.abstained and ans.text == "" and ans.message and ans.score == 0.2
    assert assemble(q, [], {}, threshold=0.5).abstained


def test_select_windows_reads_the_sentences_that_hold_the_question():
    text = ("Markets were calm. The harbour bridge opened in May after six years of work. "
            "It is 1,200 metres long and carries four lanes. Tolls start at 14 crowns. Rain fell.")
    doc = Document("d.txt", text)
    from qa.datatypes import Passage

    p = Passage("d.txt", "", None, 0, len(text), text, 1.0)
    q = analyse("How long is the harbour bridge?")
    wins = select_windows(q.terms, [p], {"d.txt": doc}, lambda t: 1.0, lambda s: len(s.split()), budget=24,
                          windows=1)
    (w,) = wins
    assert "harbour bridge opened" in text[w.start : w.end] and "1,200 metres" in text[w.start : w.end]
    assert len(text[w.start : w.end].split()) <= 24
    assert coverage(["harbour", "bridg"], {"bridg"}, lambda t: 3.0 if t == "harbour" else 1.0) == 0.25


def test_calibration_is_a_logistic_model_that_round_trips():
    cal = Calibration(weights=(1.0,) + (0.0,) * 6, bias=-3.0, threshold=0.5)
    f = dict.fromkeys(cal.names, 0.0)
    assert cal.probability({**f, "margin": 3.0}) == 0.5
    assert cal.probability({**f, "margin": 10.0}) > 0.99 > 0.01 > cal.probability({**f, "margin": -5.0})
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal
    with pytest.raises(ValueError, match="unknown features"):
        Calibration.from_dict({**cal.to_dict(), "features": ["margin", "retrieval_luck"]})
    kinds = Calibration(weights=(1.0,) + (0.0,) * 6, bias=-3.0, threshold=0.1, by_kind=(("number", 0.2),))
    assert Calibration.from_dict(json.loads(json.dumps(kinds.to_dict()))) == kinds
    assert (kinds.threshold_for("number"), kinds.threshold_for("person")) == (0.2, 0.1)


def test_the_shipped_calibration_declines_by_the_threshold_of_the_questions_kind(tmp_path):
    """The answerer declines a number question below the number threshold, and answers it above."""
    from dataclasses import replace

    (tmp_path / "port.txt").write_text(
        "Velmora port traffic rises\n\nThe port of Velmora handled 2.4 mln tonnes of grain last year, up "
        "from 1.9 mln, the harbour board said on Monday. Oskar Brandt chairs the board.", encoding="utf-8")
    bot = qa.QA(corpus=tmp_path, index_dir=tmp_path / "index", show_progress=False)
    bot.warm_up()
    shipped = bot.answerer.calibration
    assert dict(shipped.by_kind).get("number", 0) > shipped.threshold  # fitted on the news dev sets
    question = "How much grain did the port of Velmora handle last year?"
    ans = bot.ask(question)
    assert "2.4 mln tonnes" in ans.text and not ans.abstained
    bot.answerer.calibration = replace(shipped, by_kind=(("number", ans.score + 0.01),))
    assert bot.ask(question).abstained
    bot.answerer.calibration = replace(shipped, threshold=ans.score + 0.01, by_kind=(("number", ans.score - 0.01),))
    assert not bot.ask(question).abstained  # the kind's threshold, not the general one


def test_concurrent_first_asks_warm_up_once(tiny_corpus, tmp_path, embedder):
    import threading

    bot = qa.QA(corpus=tiny_corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    calls = []
    real = bot.warm_up

    def counted():
        calls.append(1)
        return real()

    bot.warm_up = counted
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(bot.ask("How many people were killed in the strike?")))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(answers) == 4
    assert all(not a.abstained and a.text == answers[0].text for a in answers)


def _ranked(question: str, text: str, spans: list[tuple[str, float]]) -> list[str]:
    """The answerer's ranking of the given reader spans (``(words, score)``, each found in ``text``)."""
    from qa.answering import ReaderAnswerer, ReadingWindow
    from qa.reader import Span

    doc = Document(source="a.txt", text=text)
    read = [[Span(text.index(w), text.index(w) + len(w), w, score, 1.0) for w, score in spans]]
    answerer = ReaderAnswerer()
    window = ReadingWindow("a.txt", 0, len(text), 0)
    return [c.text for c in answerer.candidates(analyse(question), [window], {"a.txt": doc}, spans=read)]


def test_an_answer_comes_from_the_story_not_its_headline():
    from qa.answering import ReaderAnswerer, ReadingWindow
    from qa.reader import Span

    head = "VELMORA MILLS SELLS 40 MLN DLR STAKE"
    text = f"{head}\n\nVelmora Mills Ltd said it sold its 40 mln dlr stake in Kessel Foods to Orvald Group.\n"
    doc = Document(source="a.txt", text=text, title=head)
    # the reader likes the headline's figure best; the story's figure is the one to cite
    read = [[Span(text.index(w), text.index(w) + len(w), w, score, 1.0)
             for w, score in (("40 MLN DLR", 9.0), ("40 mln dlr", 6.0))]]
    answerer = ReaderAnswerer()
    cands = answerer.candidates(analyse("How big was the stake Velmora Mills sold?"),
                                [ReadingWindow("a.txt", 0, len(text), 0)], {"a.txt": doc}, spans=read)
    assert cands and cands[0].start > len(head)
    assert cands[0].text.startswith("40 mln dlr")


def test_a_figure_in_the_unit_the_question_names_comes_first():
    text = "Exports rose by 355 to 4,120 crates last year, a gain of 9.4 pct, the ministry said."
    # the reader prefers the bare figure; the question asks for a percentage
    assert _ranked("By what percentage did exports rise last year?", text, [("355", 9.0), ("9.4", 5.0)])[0] == "9.4 pct"
    # a question naming no unit keeps the reader's order
    assert _ranked("How much did exports rise last year?", text, [("355", 9.0), ("9.4", 5.0)])[0] == "355"


def test_a_figure_in_words_gets_its_unit_whatever_the_question_asks():
    text = "Economists said exports could grow by around three pct next year, up from 2.2 pct."
    assert _ranked("How fast could exports grow next year?", text, [("around three", 6.0)]) == ["around three pct"]


def test_a_date_answer_cut_at_its_month_is_completed():
    text = "The mill in Velmora shut in October last year and reopened on Tuesday morning."
    assert _ranked("When did the mill shut?", text, [("October", 6.0)]) == ["October last year"]


def test_a_why_question_gets_a_phrase_before_a_lone_name():
    text = "Norland Mills (NRL) is moving output abroad because of higher fuel costs at home, its chairman said."
    ranked = _ranked("Why is Norland Mills moving output abroad?", text, [("NRL", 8.0), ("higher fuel costs", 6.0)])
    assert ranked[0] == "higher fuel costs at home"  # the whole reason clause (``qa.spans.complete_reason``)
    # any other question keeps the reader's order
    assert _ranked("Which ticker does Norland Mills trade under?", text, [("NRL", 8.0), ("higher fuel costs", 6.0)])[0] == "NRL"


def test_the_name_whose_title_matches_the_question_comes_first():
    text = ("Velmoran Trade Minister Oskar Brandt met Lina Ferreira, Portugal's trade minister, and "
            "Tomas Kell, the Velmoran central bank governor, in Lisbon on Monday.")
    # the reader is torn between the names; the words beside each name tell whom the question asks for
    spans = [("Oskar Brandt", 6.0), ("Lina Ferreira", 5.5), ("Tomas Kell", 5.0)]
    assert _ranked("Who is Portugal's trade minister?", text, spans)[0] == "Lina Ferreira"
    assert _ranked("Who is Velmora's trade minister?", text, spans)[0] == "Oskar Brandt"
    assert _ranked("Who heads the Velmoran central bank?", text, spans)[0] == "Tomas Kell"
    # a reader that is sure keeps its pick
    assert _ranked("Who heads the Velmoran central bank?", text, [("Oskar Brandt", 12.0), ("Tomas Kell", 5.0)])[0] == \
        "Oskar Brandt"
    # ... unless the name's own title gives the role asked about to someone else (``qa.spans.holds_role``)
    assert _ranked("Who is Portugal's trade minister?", text, [("Oskar Brandt", 12.0), ("Lina Ferreira", 5.5)])[0] == \
        "Lina Ferreira"


def test_a_person_titled_with_anothers_role_is_declined_not_given(tmp_path, embedder):
    story = ("Kessland talks\n\nVelmoran Foreign Minister Oskar Brandt arrived in Kessland on Monday for talks on "
             "the border. Brandt met Lina Ferreira, the Kesslandic trade minister, and said the talks went well.\n")
    corpus = write_corpus(tmp_path / "c", {"k.txt": story})
    bot = qa.QA(corpus=corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    yes = bot.ask("Who is Velmora's foreign minister?")
    assert not yes.abstained and "Oskar Brandt" in yes.text, yes.text
    # the article names Velmora's foreign minister and Kessland's trade minister: not Kessland's foreign minister
    no = bot.ask("Who is Kessland's foreign minister?")
    assert no.abstained and no.text == "", no.text


def test_same_word_and_near_coverage():
    from qa.answering import near_coverage, same_word

    assert same_word("Iraq's", "Iraqi") and same_word("Norway", "Norwegian") and same_word("ministers", "Minister")
    assert not same_word("plan", "plant") and not same_word("Mark", "market") and not same_word("Iran", "Iraq")
    # the words of the span's own clause count, not those of the next one
    text = "Shares of Orlin Corp rose 4 pct in early trade, while Dacre Ltd fell 2 pct; Orlin said profit doubled."
    words = ["Dacre", "fall"]
    assert near_coverage(words, text, text.index("2 pct"), text.index("2 pct") + 5, lambda w: 1.0) == 1.0
    assert near_coverage(words, text, text.index("4 pct"), text.index("4 pct") + 5, lambda w: 1.0) == 0.0
    assert near_coverage([], text, 0, 6, lambda w: 1.0) == 0.0


@pytest.mark.parametrize("question, part, want", [
    ("At what rate has Velmora's money supply grown over the past 13 weeks?", "6.7 pct", True),   # "52 weeks" beside it
    ("At what rate has Velmora's money supply grown over the past 13 weeks?", "9.1 pct", False),
    ("At what rate has Velmora's money supply grown?", "6.7 pct", False),                       # no figure asked
    ("What was Velmora's money supply growth in 1987?", "4.2 pct", True),                        # another year beside it
    ("What was Velmora's money supply growth in 1986?", "4.2 pct", False),
    ("How much did Velmora's output rise in the fourth quarter?", "0.2 pct", True),  # "the third quarter" beside it
    ("How much did Velmora's output rise in the fourth quarter?", "1.1 pct", False),
    ("How big was Velmora's trade surplus in February?", "623 mln dlrs", True),   # "January's" beside it
    ("How big was Velmora's trade surplus in February?", "1.25 billion dlrs", False),
])
def test_other_figure_near(question, part, want):
    from qa.answering import other_figure_near

    text = ("Velmora's money supply has grown at a 6.7 pct rate in the last 52 weeks and at a 9.1 pct rate in the "
            "past 13 weeks. It grew 4.2 pct in 1986. Output rose 1.1 pct in the fourth quarter, after rising 0.2 pct "
            "in the third quarter. The trade surplus soared to 1.25 billion dlrs in February, double January's 623 mln "
            "dlrs surplus.")
    i = text.index(part)
    assert other_figure_near(question, text, i, i + len(part)) is want


@pytest.mark.parametrize("question, kind", [
    ("Which party official resigned on Monday?", "person"),          # a class word before another modifies it
    ("Which central bank chief spoke first?", "person"),
    ("Which city council voted for the plan?", "org"),
    ("What road heads west to the port?", "place"),                 # "heads" is the verb
    ("What present day county is the village in?", "place"),       # "present day" is an adjective
    ("Which group attacked the town?", "org"),                      # the verb ends the head phrase's class words
    ("Which year saw the most strikes?", "date"),
    ("What was the unemployment rate in May?", "number"),
    ("What was the value of exports in 1986?", "number"),
    ("What is the par value, in Hong Kong dollars, of the shares?", "number"),   # names its currency
    ("What is the name of the council's new plan?", "entity"),                   # a possessor is no head noun
    ("Which Kessland Mills division will sell the scanner?", "org"),             # organisations by their nouns
    ("In which court did Velmora Shipping file its suit?", "org"),
    ("Which carrier did Ostria Air try to buy?", "org"),
    ("What trigger price was set for Norland wheat?", "number"),                 # one word before "price"
    ("What total amount of interest did Velmora Mills owe?", "number"),          # an amount, a sum, a value of
    ("What value of bonds did Kessland Steel sell?", "number"),
    ("What value does the ruling party stand for?", "entity"),                   # not "value of": a value, no sum
    ("What was the jobless rate among young workers in Ostria?", "number"),
    ("What level did Velmora's oil output reach in 1986?", "number"),            # the noun of a measure
    ("What flow rate did the Kessland well reach?", "number"),
    ("How fast did the Norland economy grow?", "number"),
    ("What level of government runs the port?", "entity"),                       # "<measure> of": in words too
    ("What 1986 group net profit did Kessland Mills report?", "number"),         # up to four words before the amount
    ("What type of wages do Velmora's dockers earn?", "entity"),                 # "what type of": a kind, no figure
    ("What were Velmora Trust's basic earnings per share in 1986?", "number"),  # a possessive for "the"
    ("What is Kessland Mills' price to earnings multiple?", "phrase"),           # a ratio, no amount of money
    ("What was Velmora Mills' 1986 world group pre-tax profit?", "number"),     # five words between owner and noun
    ("What were Kessland Corp's record fiscal 1986 net earnings?", "number"),
    ("What is the current minimum loan rate at Ostrian banks?", "number"),
    ("What was the previous daily price limit for Norland wheat futures?", "number"),
    ("What was one of the Normans' major exports?", "phrase"),                   # "one of": no owner of a figure
    ("What is the highest level of the Velmora church?", "phrase"),              # "level of": in words too
    ("What is very important for the growth of the economy?", "phrase"),
    ("How sharply did Velmora's exports fall in March?", "number"),             # a degree of a change: how much
    ("How steeply have Kessland bond yields risen this year?", "number"),
    ("How quickly did the Norland union respond?", "phrase"),                   # no change of an amount
    ("What decline in output did the Ostrian agency report?", "number"),        # a change in an amount
    ("What pay rise are the Velmora dockers demanding?", "number"),
    ("What increases with the size of the Kessland fleet?", "entity"),          # "increases" is the verb
    ("What causes growth in Norland's exports?", "entity"),
    ("Velmora's budget has what effect on economic growth?", "entity"),         # a preposition between
    ("What was the dollar quoted at against the crown in Ardel?", "number"),     # where the market left a price
    ("What did Kessland Mills shares close at on Friday?", "number"),
    ("Where did the Velmora index close on Monday?", "number"),
    ("Where did the Velmora talks end?", "place"),                               # no price or rate: a place
])
def test_question_kind_is_the_head_noun_of_the_wh_phrase(question, kind):
    assert analyse(question).kind == kind


def test_a_figure_that_cannot_answer_by_its_form_is_declined(tmp_path):
    """A how-many question whose only figures count something else (a span of days for a count of
    nations) is declined, not answered with the wrong figure; asked for the days, the same text answers."""
    (tmp_path / "talks.txt").write_text(
        "Coffee talks end in deadlock\n\nTalks between coffee exporting and importing nations ended in "
        "deadlock after nine days of meetings in Velmora, delegates said on Sunday. Prices fell sharply.",
        encoding="utf-8")
    bot = qa.QA(corpus=tmp_path, index_dir=tmp_path / "index", show_progress=False)
    assert bot.ask("How many nations took part in the coffee talks in Velmora?").abstained
    ans = bot.ask("How many days did the coffee talks in Velmora last?")
    assert "nine days" in ans.text


def _completed(question: str, text: str, start: int, end: int) -> str:
    """What ``ReaderAnswerer.complete`` makes of the reader's span ``text[start:end]`` for ``question``."""
    a, b = ReaderAnswerer.complete(analyse(question), text, start, end)
    return text[a:b]


def test_how_long_ago_keeps_ago():
    text = "The plan was unveiled a year ago, officials in Velmora said."
    i = text.index("a year")
    assert _completed("How long ago was the Velmora plan unveiled?", text, i, i + len("a year")) == "a year ago"


def test_an_organisation_cut_inside_its_name_is_made_whole_but_not_with_the_questions_names():
    # wire copy marks a company as <Name Ltd>; the reader often starts the span one word late
    text = 'said Jan Vos of <Harbin Kessland Ltd>, adding that the talks went well.'
    i = text.index("Kessland")
    assert _completed("Which firm does analyst Jan Vos work for?", text, i, i + len("Kessland Ltd")) == \
        "Harbin Kessland Ltd"
    # a name the question already says is not part of the answer
    text = "Velmora Harbour Works Committee chairman Oskar Brandt said."
    assert _completed("Which committee does Oskar Brandt chair?", text, text.index("Harbour"),
                      text.index(" chairman")) == "Velmora Harbour Works Committee"


def test_a_place_answer_cut_inside_its_name_is_made_whole():
    # "Where does X work?" is often answered by an organisation; the reader's span may drop its first word
    text = "said Ana Ruiz, an economist at First Velmora Bancorp in Ostria."
    i = text.index("Velmora")
    assert _completed("Where does Ana Ruiz work as an economist?", text, i, i + len("Velmora Bancorp")) == \
        "First Velmora Bancorp"
    i = text.index("Ostria")
    assert _completed("Where is First Velmora Bancorp?", text, i, i + len("Ostria")) == "Ostria"


def test_a_how_many_span_running_over_several_figures_keeps_the_one_that_counts():
    text = ("Fraud cases were only 10 pct or less of the Kessland regulator's actions but rose to 310 cases\n"
            "brought in the past four years, against 62 cases before.")
    i, j = text.index("10 pct"), text.index(" cases\n")
    # the reader's run-on span starts at a percentage; the question counts cases
    assert _completed("How many fraud cases did the Kessland regulator bring?", text, i, j) == "310"
    # asked for the share, the percentage is kept
    assert _completed("What share of actions were fraud cases?", text, text.index("10 pct"),
                      text.index(" or less")) == "10 pct"


def test_a_why_question_ranks_the_span_given_as_a_reason_first():
    text = ("Norland Mills cut output at its Velmora plant, the biggest cut in a decade, in order to\n"
            "clear stocks of unsold steel, its chairman said.")
    spans = [("the biggest cut in a decade", 5.0), ("clear stocks of unsold steel", 3.0)]
    assert _ranked("Why did Norland Mills cut output?", text, spans)[0] == "in order to clear stocks of unsold steel"
    # any other question keeps the reader's order
    assert _ranked("What was the Norland Mills cut?", text, spans)[0] == "the biggest cut in a decade"


def test_a_span_cut_inside_a_word_is_made_whole_and_completed():
    text = "The board approved USAir Group's proposed 400 mln\ndlr acquisition of Kessland Air."
    i = text.index("400")
    assert _completed("How much is USAir Group paying for Kessland Air?", text, i, i + len("400 ml")) == "400 mln\ndlr"


def test_a_surname_alone_gives_way_to_the_same_person_by_full_name():
    text = ("Brandt's plan would let the Velmora mill stay open. The plan was put forward by deputy minister\n"
            "Oskar Brandt, officials said.")
    spans = [("Brandt", 9.0), ("Oskar Brandt", 7.0)]
    assert _ranked("Which official put forward the plan for the Velmora mill?", text, spans)[0] == "Oskar Brandt"
    # another person's full name is not the same answer
    assert _ranked("Which official put forward the plan for the Velmora mill?",
                   text.replace("Oskar Brandt", "Oskar Vinter"), [("Brandt", 9.0), ("Oskar Vinter", 7.0)])[0] == "Brandt"


def test_a_clause_ending_in_the_surname_is_not_the_fuller_name():
    text = "Kessland blamed Brandt. Its spokeswoman Ana Ruiz accused the mayor and Brandt of delays."
    spans = [("Brandt", 9.0), ("Ana Ruiz accused the mayor and Brandt", 7.0)]
    assert _ranked("Whom did Kessland blame for the delays?", text, spans)[0] == "Brandt"


def test_an_answer_comes_from_an_article_that_names_what_the_question_names(tmp_path, embedder):
    # two earnings reports: a question about a third company shares their words but neither names it
    velmora = ("Velmora Mills profit rises\n\nVelmora Mills Corp said its 1986 net profit rose to 41 mln dlrs from 30 mln\n"
               "dlrs a year earlier, on higher prices.\n")
    kessland = ("Kessland Steel profit falls\n\nKessland Steel Inc said its 1986 net profit fell to 12 mln dlrs from 19 mln\n"
                "dlrs, as steel demand weakened.\n")
    corpus = write_corpus(tmp_path / "c", {"v.txt": velmora, "k.txt": kessland})
    bot = qa.QA(corpus=corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    assert "41 mln dlrs" in bot.ask("What was Velmora Mills' net profit in 1986?").text
    assert "12 mln dlrs" in bot.ask("What was Kessland Steel's net profit in 1986?").text
    no = bot.ask("What was Norland Paper's net profit in 1986?")
    assert no.abstained and no.text == "", no.text
    assert "“Norland Paper”" in no.message  # the decline says what no article mentions
