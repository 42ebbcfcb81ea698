from __future__ import annotations

import json

import numpy as np
import pytest

import qa
import qa.index as qindex
from qa.index import IndexStore
from tests.conftest import STRIKE_A


def _bot(corpus, index_dir, embedder, **kw):
    return qa.QA(corpus=corpus, index_dir=index_dir, embedder=embedder, show_progress=False, **kw)


def _files(index_dir):
    return {p.relative_to(index_dir).as_posix(): p.read_bytes() for p in sorted(index_dir.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def test_manifest_records_model_settings_and_hashes(tiny_corpus, tmp_path, embedder):
    bot = _bot(tiny_corpus, tmp_path / "idx", embedder)
    report = bot.warm_up()
    assert report.rebuilt and report.embedded_chunks == len(bot.index.chunks) > 0
    m = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert m["format_version"] == qindex.FORMAT_VERSION
    assert m["model"] == {"id": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}
    assert m["chunking"]["chunk_tokens"] == bot.settings.chunk_tokens
    assert set(m["documents"]) == {"a.txt", "b.md", "c.html"}
    assert all(len(d["sha256"]) == 64 for d in m["documents"].values())
    gen = tmp_path / "idx" / m["generation"]
    assert sorted(p.name for p in gen.iterdir()) == ["chunks.jsonl", "faiss.index"]
    for c in bot.index.chunks:
        assert bot.docs[c.source].text[c.start : c.end] == c.text


def test_unchanged_corpus_is_loaded_not_rebuilt(tiny_corpus, tmp_path, embedder):
    _bot(tiny_corpus, tmp_path / "idx", embedder).warm_up()
    before = _files(tmp_path / "idx")
    report = _bot(tiny_corpus, tmp_path / "idx", embedder).warm_up()
    assert not report.changed_anything and report.embedded_chunks == 0
    assert _files(tmp_path / "idx") == before


def test_incremental_add_change_remove(tiny_corpus, tmp_path, embedder):
    idx = tmp_path / "idx"
    first = _bot(tiny_corpus, idx, embedder)
    first.warm_up()
    n_before = {s: sum(c.source == s for c in first.index.chunks) for s in first.docs}

    (tiny_corpus / "d.txt").write_text("Floods in Latakia\nFloodwaters cut the coastal highway near Jableh on "
                                       "Sunday. Engineers said repairs will take three weeks.")
    bot = _bot(tiny_corpus, idx, embedder)
    report = bot.warm_up()
    assert report.added == ("d.txt",) and not report.rebuilt
    assert report.embedded_chunks == sum(c.source == "d.txt" for c in bot.index.chunks)
    ans = bot.ask("How long will the highway repairs take?")
    assert "three weeks" in ans.text and ans.source == "d.txt"

    (tiny_corpus / "a.txt").write_text(STRIKE_A.replace("Twelve", "Eleven"))
    (tiny_corpus / "c.html").unlink()
    bot = _bot(tiny_corpus, idx, embedder)
    report = bot.warm_up()
    assert report.changed == ("a.txt",) and report.removed == ("c.html",)
    assert report.embedded_chunks == sum(c.source == "a.txt" for c in bot.index.chunks)
    assert "c.html" not in {c.source for c in bot.index.chunks}
    assert sum(c.source == "b.md" for c in bot.index.chunks) == n_before["b.md"]
    # reused vectors are the ones a fresh build makes
    fresh = _bot(tiny_corpus, tmp_path / "fresh", embedder)
    fresh.warm_up()
    a = bot.index.vectors.reconstruct_n(0, bot.index.vectors.ntotal)
    b = fresh.index.vectors.reconstruct_n(0, fresh.index.vectors.ntotal)
    assert [c.text for c in bot.index.chunks] == [c.text for c in fresh.index.chunks]
    assert np.allclose(a, b, atol=1e-5)
    assert len(list(idx.glob("gen-*"))) == 1  # old generations are collected


def test_changed_settings_rebuild(tiny_corpus, tmp_path, embedder):
    _bot(tiny_corpus, tmp_path / "idx", embedder).warm_up()
    report = _bot(tiny_corpus, tmp_path / "idx", embedder, chunk_tokens=64).warm_up()
    assert report.rebuilt and "chunking" in report.reason


@pytest.mark.parametrize("crash_at", ["file", "rename", "manifest"])
def test_crash_mid_build_leaves_previous_index_usable(tiny_corpus, tmp_path, embedder, monkeypatch, crash_at):
    idx = tmp_path / "idx"
    _bot(tiny_corpus, idx, embedder).warm_up()
    before = _files(idx)
    (tiny_corpus / "d.txt").write_text("Floods in Latakia\nFloodwaters cut the coastal highway near Jableh.")

    class Crash(RuntimeError):
        pass

    def boom(*a, **k):
        raise Crash("simulated power cut")

    if crash_at == "file":
        real = qindex._fsync_write
        monkeypatch.setattr(qindex, "_fsync_write", lambda p, d: boom() if p.name == "faiss.index" else real(p, d))
    elif crash_at == "rename":
        monkeypatch.setattr(qindex.os, "rename", boom)
    else:
        monkeypatch.setattr(qindex.os, "replace", boom)
    with pytest.raises(Crash):
        _bot(tiny_corpus, idx, embedder).warm_up()
    monkeypatch.undo()
    # the previous index is intact and loads as it was
    loaded = IndexStore(idx).read()
    assert loaded is not None and set(loaded.doc_hashes) == {"a.txt", "b.md", "c.html"}
    assert {k: v for k, v in _files(idx).items() if k in before} == before
    # and the next run finishes the job
    bot = _bot(tiny_corpus, idx, embedder)
    assert bot.warm_up().added == ("d.txt",)
    assert "d.txt" in {c.source for c in bot.index.chunks}


@pytest.mark.parametrize("damage", ["truncate", "flip", "manifest", "missing"])
def test_corrupt_index_is_detected_and_rebuilt(tiny_corpus, tmp_path, embedder, damage):
    idx = tmp_path / "idx"
    good = _bot(tiny_corpus, idx, embedder)
    good.warm_up()
    gen = idx / json.loads((idx / "manifest.json").read_text())["generation"]
    if damage == "truncate":
        (gen / "faiss.index").write_bytes((gen / "faiss.index").read_bytes()[:100])
    elif damage == "flip":
        data = bytearray((gen / "chunks.jsonl").read_bytes())
        data[10] ^= 0x20
        (gen / "chunks.jsonl").write_bytes(bytes(data))
    elif damage == "manifest":
        (idx / "manifest.json").write_text("{not json")
    else:
        (gen / "faiss.index").unlink()
    bot = _bot(tiny_corpus, idx, embedder)
    report = bot.warm_up()
    assert report.rebuilt and "damaged" in report.reason
    assert [c.text for c in bot.index.chunks] == [c.text for c in good.index.chunks]
    assert IndexStore(idx).read() is not None


def test_faiss_search_matches_numpy_brute_force(seed_bot, embedder):
    vecs = seed_bot.index.vectors.reconstruct_n(0, seed_bot.index.vectors.ntotal)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    for q in ["Who leads the rebels?", "airport captured", "Turkey refugees return"]:
        qv = embedder.embed([q])
        sims, ids = seed_bot.index.vectors.search(qv, 10)
        brute = np.argsort(-(vecs @ qv[0]), kind="stable")[:10]
        assert list(ids[0]) == list(brute)
        assert np.allclose(sims[0], (vecs @ qv[0])[brute], atol=1e-5)
