"""The query encoder (qa/embedding.py): sentence-transformers' weights exported to ONNX give its vectors,
the export is made once, remade when damaged, and skipped (torch answers) when it cannot be written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import qa
from qa import embedding
from qa.embedding import MiniLMEmbedder, _load_model, _OnnxQueryEncoder, _query_encoder, query_encoder_file

QUESTIONS = ["Who leads the Kessland dockers' union?", "How much did Ostria Mining earn in 1986?",
             "Why did Velmora close its border?",
             # longer than the model's 256 word pieces: both must cut it the same way
             "Which of the ministers said " + "that the port of Norland would reopen, " * 40 + "and when?"]


def _torch_vectors(texts):
    return _load_model().encode(texts, convert_to_numpy=True, normalize_embeddings=True)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    _query_encoder.cache_clear()
    yield tmp_path / "cache"
    _query_encoder.cache_clear()  # the next test reads the session's cache again


def test_questions_get_the_models_own_vectors(embedder):
    assert isinstance(embedder.warm_up(), _OnnxQueryEncoder)
    got, want = embedder.embed(QUESTIONS), _torch_vectors(QUESTIONS)
    assert got.shape == (4, 384) and got.dtype == np.float32
    assert np.abs(got - want).max() < 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    one_by_one = np.vstack([embedder.embed([q]) for q in QUESTIONS])  # padding in a batch changes nothing
    assert np.abs(one_by_one - got).max() < 1e-5


def test_a_question_does_not_wait_for_the_torch_model(embedder):
    """The app loads the torch model in the background (for uploads); questions meanwhile are answered."""
    import threading

    done = threading.Event()
    with embedding._lock:  # as while another thread loads the torch model
        worker = threading.Thread(target=lambda: (embedder.embed([QUESTIONS[0]]), done.set()), daemon=True)
        worker.start()
        assert done.wait(30)


def test_articles_still_go_through_sentence_transformers(embedder):
    texts = [f"Article {i} about the port of Norland." for i in range(embedding.QUERY_BATCH + 1)]
    assert np.abs(embedder.embed(texts) - _torch_vectors(texts)).max() < 1e-5


def test_the_export_is_made_once_and_remade_when_damaged(fresh_cache):
    path = query_encoder_file()
    assert path.parent == fresh_cache and not path.exists()
    enc = MiniLMEmbedder().warm_up()
    assert isinstance(enc, _OnnxQueryEncoder) and path.exists()
    assert [p.name for p in fresh_cache.iterdir()] == [path.name]  # no temp file left behind
    made = path.stat().st_mtime_ns
    _query_encoder.cache_clear()
    MiniLMEmbedder().warm_up()
    assert path.stat().st_mtime_ns == made  # read, not made again

    path.write_bytes(b"not an onnx model")
    _query_encoder.cache_clear()
    vec = MiniLMEmbedder().embed([QUESTIONS[0]])
    assert path.stat().st_size > 1_000_000
    assert np.abs(vec - _torch_vectors(QUESTIONS[:1])).max() < 1e-5


def test_no_writable_cache_means_torch_answers(fresh_cache, monkeypatch):
    blocker = fresh_cache.parent / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("QA_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    e = MiniLMEmbedder()
    assert not isinstance(e.warm_up(), _OnnxQueryEncoder)
    assert np.abs(e.embed(QUESTIONS[:2]) - _torch_vectors(QUESTIONS[:2])).max() < 1e-5


def test_asking_in_a_fresh_process_never_imports_torch(embedder, tmp_path):
    """With the index built and the export cached, a process that only asks loads neither torch nor
    sentence-transformers (they cost seconds to import)."""
    corpus = tmp_path / "news"
    corpus.mkdir()
    (corpus / "dockers.txt").write_text(
        "Kessland dockers end strike\n\nNORLAND, March 3 - Dockers in the port of Norland returned to work on "
        "Tuesday after a nine-day strike. The union's leader, Ana Ruiz, said members had accepted a pay rise "
        "of four pct.\n", encoding="utf-8")
    qa.QA(corpus=corpus, index_dir=tmp_path / "index", embedder=embedder, show_progress=False).warm_up()
    code = ("import json, sys, qa\n"
            f"bot = qa.QA(corpus={str(corpus)!r}, index_dir={str(tmp_path / 'index')!r})\n"
            "a = bot.ask('Who leads the dockers union?')\n"
            "print(json.dumps([a.text, 'torch' in sys.modules, 'sentence_transformers' in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    text, torch_loaded, st_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert text == "Ana Ruiz"
    assert not torch_loaded and not st_loaded
