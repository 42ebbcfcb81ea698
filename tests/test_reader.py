"""The trained reader: shipped weights load offline, spans index the context exactly, it declines,
it answers through the pipeline, and the training command runs end to end on a tiny slice."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import qa
from qa import reader
from qa.training import TUNE, features, grouped_features, load_news, load_split, news_fold, shared_loss
from tests.conftest import ROOT, SHARED, STRIKE_A

SQUAD = SHARED / "benchmarks" / "squad"
FIDAN = ("Turkish Foreign Minister Hakan Fidan met his Iraqi counterpart Fuad Hussein in Baghdad on Tuesday. "
         "The two men discussed the fighting in Syria, where rebels captured Aleppo last week.")


@pytest.fixture(scope="module")
def shipped() -> reader.Reader:
    r = reader.Reader()
    r.warm_up()
    return r


def test_shipped_weights_are_fp16_small_and_load_offline(tmp_path):
    from safetensors import safe_open

    path = reader.MODEL_DIR / reader.WEIGHTS
    assert path.stat().st_size <= 60 * 2**20
    with safe_open(str(path), "pt") as f:
        assert {f.get_slice(k).get_dtype() for k in f.keys()} == {"F16"}
    assert (reader.MODEL_DIR / "MODEL_CARD.md").exists() and (reader.MODEL_DIR / "reader.json").exists()
    assert (reader.MODEL_DIR / reader.ONNX_INT8).stat().st_size <= 30 * 2**20
    # a fresh process with the hub forbidden and no network: load and answer
    code = ("import qa; a = qa.extract('Who is the foreign minister of Turkey?', " + repr(FIDAN) + "); "
            "print(a.text)")
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Hakan Fidan" in out.stdout


def test_extract_offsets_index_the_context(shipped):
    a = reader.extract("Who is the foreign minister of Turkey?", FIDAN, reader=shipped)
    assert not a.abstained and "Hakan Fidan" in a.text
    assert FIDAN[a.start : a.end] == a.text
    assert a.quote in FIDAN and a.text in a.quote
    b = reader.extract("Which city did the rebels capture last week?", FIDAN, reader=shipped)
    assert FIDAN[b.start : b.end] == b.text == "Aleppo"


def test_extract_declines_when_the_context_does_not_say(shipped):
    a = reader.extract("How many people were killed in the earthquake in Japan?", FIDAN, reader=shipped)
    assert a.abstained and a.text == "" and a.message


def test_span_scores_agree_with_the_best_span_across_windows(shipped):
    # a context long enough for several windows: the scorer finds the best span's own score again
    context = " ".join([FIDAN] * 12)
    q = "Who is the foreign minister of Turkey?"
    reads = shipped.run([(q, context)])[0]
    assert len(reads) > 1
    span = shipped.best_span(q, context, reads)
    assert context[span.start : span.end] == span.text and span.text
    assert shipped.span_score(reads, span.start, span.end) == pytest.approx(span.score)
    assert shipped.span_score(reads, 0, len(context)) is None  # no window holds the whole context


def test_a_span_made_of_the_question_words_is_passed_over():
    import numpy as np

    q, context = "Whom did Anna Berg meet?", "Anna Berg met Carl Olsen in Oslo."
    ids, offs = reader.encode_text(context)
    (w,) = reader.windows(reader.encode_text(q)[0], ids, offs)
    start, end = np.zeros(len(w.input_ids)), np.zeros(len(w.input_ids))
    pos = {context[a:b]: w.ctx_pos + k for k, (a, b) in enumerate(w.offsets)}
    start[pos["Anna"]], end[pos["Berg"]] = 10.0, 10.0  # the question's own name scores best
    start[pos["Carl"]], end[pos["Olsen"]] = 6.0, 6.0
    two_words = reader.Reader(max_answer_tokens=2)  # (no model: spans from given logits)
    span = two_words.best_span(q, context, [reader.Read(w, start, end)])
    assert span.text == "Carl Olsen" and span.score == 12.0


def test_a_span_stays_inside_one_sentence():
    import numpy as np

    # the best start is in one sentence and the best end in the next: the answer is not the run-on
    # "12 pct by May. It now owns 19.5" but the best span that ends in its own sentence
    q = "How big a stake does Norvik own?"
    context = "Norvik raised its stake to 12 pct by May.\nIt now owns 19.5 pct of Balder."
    ids, offs = reader.encode_text(context)
    (w,) = reader.windows(reader.encode_text(q)[0], ids, offs)
    start, end = np.zeros(len(w.input_ids)), np.zeros(len(w.input_ids))
    pos = {context[a:b]: w.ctx_pos + k for k, (a, b) in enumerate(w.offsets)}
    start[pos["12"]], end[pos["19"]] = 9.0, 9.0
    start[pos["It"]], end[pos["May"]] = 2.0, 3.0
    span = reader.Reader().best_span(q, context, [reader.Read(w, start, end)])
    assert span.text == "12 pct by May" and span.score == 12.0
    start[pos["12"]] = 1.0  # now the second sentence's own span is the best
    span = reader.Reader().best_span(q, context, [reader.Read(w, start, end)])
    assert span.text == "It now owns 19" and span.score == 11.0


def test_windows_cover_every_token_and_keep_offsets():
    context = " ".join(f"word{i}" for i in range(300))
    ids, offs = reader.encode_text(context)
    q, _ = reader.encode_text("which word?")
    wins = reader.windows(q, ids, offs, max_len=64, stride=16)
    seen = set()
    for w in wins:
        assert len(w.input_ids) <= 64 and w.input_ids[0] == reader.CLS and w.input_ids[-1] == reader.SEP
        seen.update(range(w.tok_start, w.tok_start + len(w.offsets)))
        assert all(context[a:b] for a, b in w.offsets)
    assert seen == set(range(len(ids)))


@pytest.mark.skipif(not (SQUAD / "dev-v1.1.json.gz").exists(), reason="SQuAD data is not beside the repository")
def test_split_and_training_windows():
    tune = load_split(TUNE)
    assert len(tune) == 5397  # the even-position articles of v1.1 dev
    ex = [e for e in tune[:40]]
    feats = features(ex, max_len=128, stride=32, neg_rate=0.0, distractor_rate=0.0)
    positives = [f for f in feats if f.starts != (0,)]
    assert positives
    for f in positives[:20]:  # every target span is inside the window's passage tokens
        w = f.window
        assert all(w.ctx_pos <= s < w.ctx_pos + len(w.offsets) for s in f.starts + f.ends)


def test_news_questions_become_examples_on_their_parsed_articles(tmp_path):
    import gzip

    arts = [{"id": "reuters21578_00001", "title": "VELMORA MILLS PROFIT UP", "date": "1987-03-02",
             "text": "Velmora Mills Inc said its 1986 net\nprofit rose to 20 mln dlrs, chairman\nAna Ruiz said.\n"
                     + "    The company makes paper and board at three plants in the north.\n" * 5
                     + "    A Kessland unit was sold for 20 mln dlrs in cash.\n"},
            {"id": "reuters21578_00002", "title": "KESSLAND BANK NAMES CHIEF", "date": "1987-03-03",
             "text": "Kessland Bank named Jaime Ortega chief executive.\n"}]
    corpus = tmp_path / "reuters.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(a) + "\n" for a in arts))
    rows = [("zz01", "What net profit did Velmora Mills report for 1986?", ["20 mln dlrs"], ["reuters21578_00001.txt"]),
            ("zz02", "Who is the chairman of Velmora Mills?", ["Ana Ruiz"], ["reuters21578_00001.txt"]),
            ("zz03", "How many workers does Velmora Mills employ?", [], []),   # read against zz02's article
            ("zz04", "Whom did Kessland Bank name chief executive?", ["Jaime Ortega"], ["reuters21578_00002.txt"]),
            ("zz05", "Where is Kessland Bank based?", ["Ostria"], ["reuters21578_00002.txt"])]  # not in it: skipped
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps({"id": i, "question": q, "answers": a, "sources": s, "kind": "x",
                                             "history": []}) + "\n" for i, q, a, s in rows))
    ex = {e.id: e for e in load_news(questions, corpus)}
    assert sorted(ex) == ["zz01", "zz02", "zz03", "zz04"]
    profit = ex["zz01"]
    assert profit.context.startswith("VELMORA MILLS PROFIT UP") and not profit.impossible
    # the answer across a line break, at the occurrence whose neighbours share the question's words
    assert [profit.context[a : a + len(t)] for a, t in profit.answers] == ["20 mln dlrs"]
    assert profit.answers[0][0] < profit.context.index("Ana Ruiz")
    assert ex["zz03"].impossible and ex["zz03"].title == "reuters21578_00001" and ex["zz03"].answers == ()
    left = {e.title for e in load_news(questions, corpus, holdout=news_fold("reuters21578_00001"))}
    assert "reuters21578_00001" not in left


def test_grouped_windows_pair_the_answer_with_paragraphs_that_lack_it():
    ex = load_split(TUNE)[:60]
    groups = grouped_features(ex, others=2, max_len=128, stride=32)
    assert len(groups) >= 50 and all(1 <= len(g) <= 3 for g in groups)
    by_ids = {tuple(reader.encode_text(e.question)[0]): e for e in ex}
    tok = reader.tokenizer()
    checked = 0
    for g in groups:
        w = g[0].window
        e = by_ids[tuple(w.input_ids[1 : w.ctx_pos - 1])]  # the question the group was read with
        assert g[0].starts != (0,) and all(w.ctx_pos <= s < w.ctx_pos + len(w.offsets) for s in g[0].starts + g[0].ends)
        for f in g[1:]:  # the other paragraphs are read as "no answer": none holds a gold answer
            assert f.starts == f.ends == (0,)
            passage = tok.decode(list(f.window.input_ids[f.window.ctx_pos : -1]))
            words = [x.lower() for _, x in e.answers if x.replace(" ", "").isalpha()]
            assert not any(x in passage for x in words), (e.question, words)
            checked += 1
    assert checked >= 60


def test_shared_loss_compares_positions_across_one_questions_windows():
    torch = pytest.importorskip("torch")
    # two windows of 4 positions; the gold is position 2 of window 0; [CLS] is position 0 of each
    logits = torch.tensor([[0.0, 1.0, 5.0, 1.0], [9.0, 1.0, 1.0, 1.0]])
    targets = [(2,), (0,)]
    low = shared_loss(torch, logits, targets, [[0, 1]])
    # a [CLS] ("no answer in this window") logit is no competitor of a span: it does not change the loss
    cls_changed = logits.clone()
    cls_changed[:, 0] = -3.0
    assert torch.isclose(low, shared_loss(torch, cls_changed, targets, [[0, 1]]))
    # the other window's span scoring above the gold raises the loss
    other = logits.clone()
    other[1, 3] = 8.0
    assert shared_loss(torch, other, targets, [[0, 1]]) > low + 2.0
    # a question read alone, or a group without an answer, adds nothing
    assert float(shared_loss(torch, logits, targets, [[0], [1]])) == 0.0


@pytest.mark.skipif(not (SQUAD / "dev-v1.1.json.gz").exists(), reason="SQuAD data is not beside the repository")
def test_train_command_runs_on_a_tiny_slice(tmp_path):
    from qa.cli import main

    out = tmp_path / "reader"
    assert main(["train-reader", "--limit", "24", "--max-steps", "1", "--max-len", "128",
                 "--out", str(out), "--checkpoints", ""]) == 0
    meta = json.loads((out / "training.json").read_text())
    assert meta["steps"] == 1 and meta["questions"] >= 24
    r = reader.Reader(out)
    span = r.read("Who met Fuad Hussein?", [FIDAN])[0]
    assert FIDAN[span.start : span.end] == span.text
    import onnx  # the exported int8 graph is pruned of torch's NaN guards (``reader.prune_graph``)
    assert not [n for n in onnx.load(str(out / reader.ONNX_INT8)).graph.node if n.op_type == "IsNaN"]


def _guarded_attention_graph():
    """Two softmax layers as torch exports them: each turns the same mask into a bias with its own
    ``Where`` and guards its softmax with ``Where(IsNaN(s), 0, s)``."""
    from onnx import TensorProto, helper

    def const(name, value):
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(name + "_t", TensorProto.FLOAT,
                                                                               [], [value]))

    nodes = [helper.make_node("Cast", ["mask"], ["cond"], to=TensorProto.BOOL)]
    x = "x"
    for k in (1, 2):
        nodes += [const(f"zero{k}", 0.0), const(f"neg{k}", -1e9), const(f"nan_zero{k}", 0.0),
                  helper.make_node("Where", ["cond", f"zero{k}", f"neg{k}"], [f"bias{k}"]),
                  helper.make_node("Add", [x, f"bias{k}"], [f"scores{k}"]),
                  helper.make_node("Softmax", [f"scores{k}"], [f"s{k}"], axis=-1),
                  helper.make_node("IsNaN", [f"s{k}"], [f"isnan{k}"]),
                  helper.make_node("Where", [f"isnan{k}", f"nan_zero{k}", f"s{k}"], [f"g{k}"])]
        x = f"g{k}"
    nodes.append(helper.make_node("Identity", ["g2"], ["y"]))  # the rest of the model
    graph = helper.make_graph(nodes, "guarded", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "n"]),
                                                 helper.make_tensor_value_info("mask", TensorProto.INT64, ["b", "n"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", "n"])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_prune_graph_drops_nan_guards_and_repeated_masks_with_the_same_outputs():
    import numpy as np
    import onnx
    import onnxruntime as ort

    model = _guarded_attention_graph()
    plain = model.SerializeToString()
    assert reader.prune_graph(model) == 9  # 2 guards, their IsNaN and zeros; the second mask Where, its 2 constants
    onnx.checker.check_model(model)
    ops = [n.op_type for n in model.graph.node]
    assert "IsNaN" not in ops and ops.count("Where") == 1
    rng = np.random.default_rng(0)
    feed = {"x": rng.normal(size=(3, 7)).astype(np.float32), "mask": np.ones((3, 7), dtype=np.int64)}
    feed["mask"][1, 4:] = 0  # padding
    before = ort.InferenceSession(plain, providers=["CPUExecutionProvider"]).run(None, feed)[0]
    after = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feed)[0]
    assert np.array_equal(before, after) and np.allclose(after.sum(axis=1), 1.0)


def test_the_shipped_int8_graph_is_pruned():
    import onnx

    ops = [n.op_type for n in onnx.load(str(reader.MODEL_DIR / reader.ONNX_INT8)).graph.node]
    assert "IsNaN" not in ops
    assert reader.prune_graph(onnx.load(str(reader.MODEL_DIR / reader.ONNX_INT8))) == 0


def test_the_pipeline_cites_verbatim_and_declines(tmp_path, embedder):
    from tests.conftest import write_corpus

    corpus = write_corpus(tmp_path / "c", {"a.txt": STRIKE_A, "f.txt": "Talks in Baghdad\n" + FIDAN})
    bot = qa.QA(corpus=corpus, index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    ans = bot.ask("Who is the foreign minister of Turkey?")
    assert not ans.abstained and "Hakan Fidan" in ans.text
    c = ans.citations[0]
    doc = bot.docs[c.source]
    assert c.source == "f.txt" and doc.text[c.start : c.end] == c.quote == ans.quote
    assert doc.text[ans.start : ans.end] == ans.text and ans.span_in_quote()
    no = bot.ask("What is the capital of Australia?")
    assert no.abstained and no.text == "" and no.message and no.passages


def test_missing_or_damaged_weights_say_what_to_do(tmp_path):
    import shutil

    empty = tmp_path / "none"
    empty.mkdir()
    with pytest.raises(reader.ReaderError, match="train-reader"):
        reader.Reader(empty).warm_up()
    for name, precision in ((reader.WEIGHTS, "fp32"), (reader.ONNX_INT8, "int8")):
        bad = tmp_path / f"bad-{precision}"
        shutil.copytree(reader.MODEL_DIR, bad)
        data = (bad / name).read_bytes()
        (bad / name).write_bytes(data[: len(data) // 3])  # a download or copy cut short
        with pytest.raises(reader.ReaderError, match="cannot be read"):
            reader.Reader(bad, precision=precision).warm_up()
        assert (reader.MODEL_DIR / name).stat().st_size == len(data)  # the shipped file untouched
    with pytest.raises(qa.ReaderError, match="unknown reader precision"):
        reader.Reader(precision="int4").warm_up()


def test_int8_model_reads_like_the_weights_it_was_made_from(shipped):
    fp32 = reader.Reader(precision="fp32")
    q = "Who is the foreign minister of Turkey?"
    a, b = shipped.read(q, [FIDAN])[0], fp32.read(q, [FIDAN])[0]
    assert type(shipped.warm_up()).__name__ == "_OnnxReader"
    assert (a.start, a.end) == (b.start, b.end) and abs(a.margin - b.margin) < 1.5


def test_extract_without_any_span_declines_with_a_finite_score(shipped):
    import json
    import math

    a = reader.extract("Who met Smith?", "Smith.", reader=shipped)  # the only span repeats the question
    assert a.abstained and a.text == "" and math.isfinite(a.score)
    json.dumps(a.to_dict(), allow_nan=False)
