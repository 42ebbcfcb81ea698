from __future__ import annotations

import errno
import json
import os
import shutil

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


# --- issue 9: hardening ------------------------------------------------------------------------
def _manifest(idx):
    return json.loads((idx / "manifest.json").read_text())


def _set_manifest(idx, **changes):
    m = {**_manifest(idx), **changes}
    (idx / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize("damage", [
    "manifest-list", "manifest-string", "files-list", "files-extra", "generation-number", "generation-escapes",
    "generation-absolute", "documents-list", "document-not-dict", "model-string", "chunking-list",
    "chunk-row-list", "chunk-wrong-types", "chunk-not-in-document", "vectors-wrong-dim",
    "manifest-dir", "faiss-dir", "chunks-dir", "generation-file",
])
def test_wrongly_shaped_index_is_rebuilt(tiny_corpus, tmp_path, embedder, damage):
    idx = tmp_path / "idx"
    good = _bot(tiny_corpus, idx, embedder)
    good.warm_up()
    m = _manifest(idx)
    gen = idx / m["generation"]

    def rewrite(name, data: bytes):  # a file changed with its checksum: only the shape gives it away
        (gen / name).write_bytes(data)
        _set_manifest(idx, files={**m["files"], name: qindex._sha256(gen / name)})

    rows = (gen / "chunks.jsonl").read_text().splitlines()
    if damage == "manifest-list":
        (idx / "manifest.json").write_text("[]")
    elif damage == "manifest-string":
        (idx / "manifest.json").write_text('"gen"')
    elif damage == "files-list":
        _set_manifest(idx, files=list(m["files"]))
    elif damage == "files-extra":
        _set_manifest(idx, files={**m["files"], "../../outside": "0" * 64})
    elif damage == "generation-number":
        _set_manifest(idx, generation=5)
    elif damage == "generation-escapes":
        _set_manifest(idx, generation=f"../{idx.name}/{m['generation']}")
    elif damage == "generation-absolute":
        _set_manifest(idx, generation=str(gen))
    elif damage == "documents-list":
        _set_manifest(idx, documents=list(m["documents"]))
    elif damage == "document-not-dict":
        _set_manifest(idx, documents={**m["documents"], "a.txt": "abc"})
    elif damage == "model-string":
        _set_manifest(idx, model="sentence-transformers/all-MiniLM-L6-v2")
    elif damage == "chunking-list":
        _set_manifest(idx, chunking=[])
    elif damage == "chunk-row-list":
        rewrite("chunks.jsonl", ("\n".join(["[1, 2]", *rows[1:]]) + "\n").encode())
    elif damage == "chunk-wrong-types":
        row = {**json.loads(rows[0]), "start": "0", "end": None}
        rewrite("chunks.jsonl", ("\n".join([json.dumps(row), *rows[1:]]) + "\n").encode())
    elif damage == "chunk-not-in-document":
        row = json.loads(rows[0])
        row["text"] = "X" + row["text"][1:]
        rewrite("chunks.jsonl", ("\n".join([json.dumps(row), *rows[1:]]) + "\n").encode())
    elif damage == "vectors-wrong-dim":
        import faiss

        small = faiss.IndexFlatIP(8)
        small.add(np.eye(8, dtype=np.float32)[[i % 8 for i in range(len(rows))]])
        rewrite("faiss.index", faiss.serialize_index(small).tobytes())
    elif damage == "manifest-dir":
        (idx / "manifest.json").unlink()
        (idx / "manifest.json").mkdir()
        (idx / "manifest.json" / "x").write_text("x")
    elif damage in ("faiss-dir", "chunks-dir"):
        name = "faiss.index" if damage == "faiss-dir" else "chunks.jsonl"
        (gen / name).unlink()
        (gen / name).mkdir()
    else:
        shutil.rmtree(gen)
        gen.write_text("not a folder")
    bot = _bot(tiny_corpus, idx, embedder)
    report = bot.warm_up()
    assert report.rebuilt and "damaged" in report.reason, report
    assert [c.text for c in bot.index.chunks] == [c.text for c in good.index.chunks]
    assert IndexStore(idx).read() is not None
    assert bot.status()["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "Sarmin" in bot.ask("Where did the air strike hit a market?").text


def test_lock_file_replaced_by_a_folder_is_recovered(tiny_corpus, tmp_path, embedder):
    idx = tmp_path / "idx"
    _bot(tiny_corpus, idx, embedder).warm_up()
    (idx / ".lock").unlink()
    (idx / ".lock").mkdir()
    (tiny_corpus / "d.txt").write_text("Floods in Latakia\nFloodwaters cut the coastal highway near Jableh.")
    assert _bot(tiny_corpus, idx, embedder).warm_up().added == ("d.txt",)


def test_writes_are_fsynced_around_the_renames(tiny_corpus, tmp_path, embedder, monkeypatch):
    """Files, the new generation's folder and the index folder reach the disk before and after each rename:
    a power cut after the manifest switch must not leave a manifest naming files that were never stored."""
    idx = tmp_path / "idx"
    events = []
    real_fsync, real_rename, real_replace = os.fsync, os.rename, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    monkeypatch.setattr(qindex.os, "fsync", fsync)
    monkeypatch.setattr(qindex.os, "rename", lambda a, b: events.append(("rename", str(b))) or real_rename(a, b))
    monkeypatch.setattr(qindex.os, "replace", lambda a, b: events.append(("replace", str(b))) or real_replace(a, b))
    _bot(tiny_corpus, idx, embedder).warm_up()
    base = os.path.realpath(idx)
    gen = "/" + _manifest(idx)["generation"]
    real = [(e, os.path.realpath(p)) for e, p in events]
    names = [(e, p[len(base):].replace(gen, "/GEN")) for e, p in real if p.startswith(base)]
    tmp = next(p for e, p in names if e == "fsync" and p.endswith("/chunks.jsonl")).rsplit("/", 1)[0]
    assert names == [
        ("fsync", f"{tmp}/chunks.jsonl"), ("fsync", f"{tmp}/faiss.index"), ("fsync", tmp),
        ("rename", "/GEN"), ("fsync", ""),
        ("fsync", next(p for e, p in names if p.startswith("/.manifest.json."))),
        ("replace", "/manifest.json"), ("fsync", ""),
    ], names


def test_a_write_that_fails_is_an_index_store_error(tiny_corpus, tmp_path, embedder, monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(qindex, "_fsync_write", full)
    with pytest.raises(qa.IndexStoreError, match="No space left on device.*--index DIR"):
        _bot(tiny_corpus, tmp_path / "idx", embedder).warm_up()
    assert not [p for p in (tmp_path / "idx").iterdir() if p.name != ".lock"]
