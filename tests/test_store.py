"""The store contract, one suite over every store: the FAISS index (the default) and milvus-lite.

Tiny articles written here, the real embedding model; a milvus-lite store is a fresh .db file per test
(one process may hold it at a time), closed when the test ends.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import qa
from qa.chunking import chunk_document
from qa.errors import IndexStoreError, QAError
from qa.reading import read_corpus
from qa.settings import Settings
from qa.store import open_store, parse_shard, parse_store_uri, shard_of, update_store
from tests.conftest import ROOT, STRIKE_A

HAVE_MILVUS = all(importlib.util.find_spec(m) is not None for m in ("pymilvus", "milvus_lite"))
STORES = ["faiss", pytest.param("milvus", marks=pytest.mark.skipif(
    not HAVE_MILVUS, reason="pymilvus/milvus-lite not installed: pip install -e '.[milvus]' to run the Milvus store"))]
FLOOD = ("Floods in Latakia\nFloodwaters cut the coastal highway near Jableh on Sunday. Engineers said repairs "
         "will take three weeks.\n")


@pytest.fixture(params=STORES)
def uri(request, tmp_path) -> str:
    return f"faiss://{tmp_path}/index" if request.param == "faiss" else f"milvus://{tmp_path}/qa.db"


@pytest.fixture()
def closing():
    """Collects stores and bots; closes them when the test ends (milvus-lite holds its .db until then)."""
    held: list = []
    yield held.append
    for x in reversed(held):
        x.close()


SETTINGS = Settings(show_progress=False)


def _open(uri, embedder, closing):
    store = open_store(uri, embedder, SETTINGS)
    closing(store)
    return store


def _chunks(doc, embedder):
    cs = chunk_document(doc, max_tokens=SETTINGS.chunk_tokens, overlap_tokens=SETTINGS.chunk_overlap_tokens,
                        fits=embedder.fits)
    return cs, embedder.embed([c.text for c in cs])


def _search(store, embedder, query, k=5):
    return store.search(query, embedder.embed([query]), k)


class OtherModel:
    """An embedder of another model: the store must never compare its vectors with the stored ones."""

    model_id, dim, max_wordpieces = "someone/other-model", 384, 256

    def embed(self, texts, *, progress=False):
        rng = np.random.default_rng(len(texts))
        v = rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def fits(self, text):
        return True

    def warm_up(self):
        pass


def test_upsert_delete_count_hashes_and_search(uri, tiny_corpus, embedder, closing):
    docs = {d.source: d for d in read_corpus(tiny_corpus)[0]}
    store = _open(uri, embedder, closing)
    assert store.hashes() == {} and store.count() == 0
    sizes = {}
    for s in ("a.txt", "b.md"):
        cs, vecs = _chunks(docs[s], embedder)
        store.upsert(docs[s], cs, vecs)
        sizes[s] = len(cs)
    store.flush()
    assert store.hashes() == {s: docs[s].sha256 for s in ("a.txt", "b.md")}
    assert store.count() == sizes["a.txt"] + sizes["b.md"]
    hits = _search(store, embedder, "How many people were killed in the Sarmin market strike?")
    assert hits and hits[0].source in ("a.txt", "b.md")
    assert all(docs[p.source].text[p.start : p.end] == p.text for p in hits)
    assert [p.score for p in hits] == sorted((p.score for p in hits), reverse=True) and hits[0].score > 0
    assert hits[0].title == docs[hits[0].source].title

    # upsert replaces a document's chunks whole; delete removes them and its hash; both survive a reopen
    one = docs["a.txt"].text[: docs["a.txt"].text.index(".") + 1]
    cs = [c for c in _chunks(docs["a.txt"], embedder)[0] if c.end <= len(one)] or \
        _chunks(docs["a.txt"], embedder)[0][:1]
    store.upsert(docs["a.txt"], cs, embedder.embed([c.text for c in cs]))
    store.delete("b.md")
    store.delete("never-stored.txt")
    store.flush()
    store.close()
    store = _open(uri, embedder, closing)
    assert store.hashes() == {"a.txt": docs["a.txt"].sha256}
    assert store.count() == len(cs)
    assert {p.source for p in _search(store, embedder, "death toll civil defence Sarmin", 10)} == {"a.txt"}


def test_incremental_update_by_hash(uri, tiny_corpus, embedder, closing):
    store = _open(uri, embedder, closing)
    first = store.sync(read_corpus(tiny_corpus)[0])
    assert first.rebuilt and first.embedded_chunks == store.count() > 0
    again = store.sync(read_corpus(tiny_corpus)[0])  # idempotent: nothing embedded or written
    assert not again.changed_anything and again.embedded_chunks == 0

    (tiny_corpus / "d.txt").write_text(FLOOD)
    (tiny_corpus / "a.txt").write_text(STRIKE_A.replace("Twelve", "Eleven"))
    (tiny_corpus / "c.html").unlink()
    docs = read_corpus(tiny_corpus)[0]
    report = store.sync(docs)
    assert (report.added, report.changed, report.removed) == (("d.txt",), ("a.txt",), ("c.html",))
    fresh = {d.source: _chunks(d, embedder)[0] for d in docs}
    assert report.embedded_chunks == len(fresh["a.txt"]) + len(fresh["d.txt"])
    assert store.hashes() == {d.source: d.sha256 for d in docs}  # staleness is judged by these
    assert store.count() == sum(map(len, fresh.values()))
    hits = _search(store, embedder, "How many people were killed in the strike?", 10)
    assert "Eleven" in " ".join(p.text for p in hits if p.source == "a.txt")
    assert all("Twelve" not in p.text and p.source != "c.html" for p in hits)


def test_generic_update_works_on_every_store(uri, tiny_corpus, embedder, closing):
    """``update_store`` needs only the per-document calls: what an ingest of any store runs."""
    store = _open(uri, embedder, closing)
    docs = read_corpus(tiny_corpus)[0]
    assert update_store(store, docs, embedder, SETTINGS).rebuilt
    (tiny_corpus / "b.md").unlink()
    docs = read_corpus(tiny_corpus)[0]
    report = update_store(store, docs, embedder, SETTINGS)
    assert report.removed == ("b.md",) and report.embedded_chunks == 0
    assert store.hashes() == {d.source: d.sha256 for d in docs}
    assert not update_store(store, docs, embedder, SETTINGS).changed_anything


def test_citations_exact_through_qa(uri, tiny_corpus, embedder, closing):
    bot = qa.QA(corpus=tiny_corpus, store=uri, embedder=embedder, show_progress=False)
    closing(bot)
    ans = bot.ask("How many people were killed in the strike on the market in Sarmin?")
    articles = {d.source: d for d in read_corpus(tiny_corpus)[0]}  # the files as written: the truth
    assert not ans.abstained and ans.citations
    for c in (*ans.citations, *(a.citations[0] for a in ans.alternatives)):
        assert articles[c.source].text[c.start : c.end] == c.quote
    assert any(n in a.text for a in (ans, *ans.alternatives) for n in ("Twelve", "15"))
    for p in ans.passages:
        assert articles[p.source].text[p.start : p.end] == p.text
    assert bot.status()["chunks"] > 0
    assert bot.documents(["a.txt", "nothing.txt"]) == {"a.txt": articles["a.txt"]}
    listed = {a["source"]: a for a in bot.articles()}
    assert set(listed) == set(articles) and all(a["passages"] > 0 for a in listed.values())
    assert listed["a.txt"]["chars"] == len(articles["a.txt"].text) and listed["a.txt"]["title"] == articles["a.txt"].title
    assert bot.find_duplicate(articles["b.md"]) == "b.md"
    if uri.startswith("milvus"):  # the store holds the archive: the process reads only what a question needs
        assert bot.docs == {}

    (tiny_corpus / "d.txt").write_text(FLOOD)
    assert bot.refresh().added == ("d.txt",)
    ans = bot.ask("How long will the highway repairs take?")
    assert "three weeks" in ans.text and ans.source == "d.txt"
    assert {d.source: d for d in read_corpus(tiny_corpus)[0]}["d.txt"].text[ans.start : ans.end] == ans.text


def test_changed_model_is_never_served(uri, tiny_corpus, embedder, closing):
    store = _open(uri, embedder, closing)
    store.sync(read_corpus(tiny_corpus)[0])
    store.close()
    other = _open(uri, OtherModel(), closing)
    with pytest.raises(IndexStoreError, match="someone/other-model") as e:
        other.hashes()  # the per-document calls refuse: they would mix two models' vectors
    assert "\n" not in str(e.value) and "sentence-transformers/all-MiniLM-L6-v2" in str(e.value)
    other.close()
    bot = qa.QA(corpus=tiny_corpus, store=uri, embedder=OtherModel(), show_progress=False)
    closing(bot)
    if uri.startswith("faiss"):  # a local index is rebuilt with the new model, as it always was
        report = bot.warm_up()
        assert report.rebuilt and report.reason == "embedding model changed"
    else:  # an archive is never rebuilt behind the user's back
        with pytest.raises(IndexStoreError, match="other-model"):
            bot.warm_up()


@pytest.mark.parametrize("bad", ["redis://x", "milvus:///srv/qa.sqlite", "milvus://user:secret@db:19530",
                                 "milvus://db:19530?collection=news&x=1", "milvus://db:port", "faiss://",
                                 "milvus://db:19530?collection=1bad", " ", "milvus://db:19530/path"])
def test_bad_uri_is_one_line_naming_the_forms(bad):
    with pytest.raises(QAError) as e:
        parse_store_uri(bad)
    msg = str(e.value)
    assert "\n" not in msg and "milvus:///" in msg and "faiss:///" in msg and "secret" not in msg


def test_uri_forms():
    assert parse_store_uri("index").path.as_posix() == "index"
    assert parse_store_uri("faiss:rel/index").path.as_posix() == "rel/index"
    assert parse_store_uri("milvus:data/qa.db").path.as_posix() == "data/qa.db"
    s = parse_store_uri("milvus://db.local?collection=news_2")
    assert (s.kind, s.address, s.collection) == ("milvus", "http://db.local:19530", "news_2")
    assert Settings.from_env(store="faiss:///srv/idx").index_dir.as_posix() == "/srv/idx"
    assert Settings.from_env(store="faiss:///srv/idx").store is None


def test_bad_store_through_env_and_cli(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_STORE", "milvus://db:19530?colection=x")
    with pytest.raises(QAError, match="colection"):
        qa.QA()
    monkeypatch.delenv("QA_STORE")
    r = subprocess.run([sys.executable, "-m", "qa", "ask", "--store", "mysql://x", "Who?"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("error: store 'mysql://x'")


def test_milvus_is_imported_only_for_a_milvus_store(tmp_path):
    code = ("import sys, qa; bot = qa.QA(store='milvus://" + str(tmp_path) + "/qa.db'); "
            "print('pymilvus' in sys.modules, bot.store.uri.kind)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["False", "milvus"], r.stderr[-500:]


@pytest.mark.skipif(not HAVE_MILVUS, reason="pymilvus not installed")
def test_unreachable_server_is_one_line_without_the_token(monkeypatch, tiny_corpus, embedder):
    monkeypatch.setenv("QA_MILVUS_TOKEN", "root:s3cret-token")
    bot = qa.QA(corpus=tiny_corpus, store="milvus://127.0.0.1:9?collection=news", embedder=embedder)
    with pytest.raises(IndexStoreError) as e:
        bot.warm_up()
    msg = str(e.value)
    assert "s3cret" not in msg and "\n" not in msg and "127.0.0.1:9" in msg and "QA_MILVUS_TOKEN" in msg


class Crashing:
    """The real embedder until its ``n``-th call, which fails like a Ctrl-C mid-ingest."""

    def __init__(self, embedder, n):
        self.e, self.n, self.model_id, self.dim, self.fits = embedder, n, embedder.model_id, embedder.dim, embedder.fits

    def embed(self, texts, *, progress=False):
        self.n -= 1
        if self.n <= 0:
            raise KeyboardInterrupt
        return self.e.embed(texts)


def test_stopped_ingest_leaves_a_usable_store_that_a_rerun_finishes(uri, tiny_corpus, embedder, closing):
    (tiny_corpus / "d.txt").write_text(FLOOD)
    docs = read_corpus(tiny_corpus)[0]
    store = _open(uri, embedder, closing)
    with pytest.raises(KeyboardInterrupt):  # one document a batch; the second batch never arrives
        update_store(store, docs, Crashing(embedder, 2), SETTINGS, batch_chunks=1)
    done = store.hashes()
    assert set(done) < {d.source for d in docs} and all(done[s] == d.sha256 for d in docs if (s := d.source) in done)
    report = update_store(store, docs, embedder, SETTINGS)
    assert set(report.added) | set(done) == {d.source for d in docs}
    assert store.hashes() == {d.source: d.sha256 for d in docs}
    assert store.count() == sum(len(_chunks(d, embedder)[0]) for d in docs)


def test_another_process_asks_the_store(uri, tiny_corpus, embedder, closing):
    bot = qa.QA(corpus=tiny_corpus, store=uri, embedder=embedder, show_progress=False)
    bot.warm_up()
    bot.close()  # milvus-lite: one process at a time
    r = subprocess.run([sys.executable, "-m", "qa", "ask", "--corpus", str(tiny_corpus), "--store", uri, "-q", "--json",
                        "What is expected across the coast on Friday?"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-800:]
    assert "Heavy rain" in r.stdout and r.stderr == ""


MILVUS_ONLY = pytest.mark.skipif(not HAVE_MILVUS, reason="pymilvus/milvus-lite not installed")


@MILVUS_ONLY
def test_an_archive_keeps_what_the_folder_no_longer_has_until_pruned(tmp_path, tiny_corpus, embedder, closing):
    """A Milvus store is the archive: an app adds its folder to it and never deletes; ``index --prune`` does."""
    uri = f"milvus://{tmp_path}/qa.db"
    bot = qa.QA(corpus=tiny_corpus, store=uri, embedder=embedder, show_progress=False)
    closing(bot)
    bot.warm_up()
    (tiny_corpus / "c.html").unlink()
    assert bot.refresh().removed == ()
    ans = bot.ask("What is expected across the coast on Friday?")
    assert "Heavy rain" in ans.text and ans.source == "c.html"
    report = bot.update_store(prune=True)
    assert report.removed == ("c.html",) and report.embedded_chunks == 0
    assert bot.ask("What is expected across the coast on Friday?").source != "c.html"
    assert set(bot.store.hashes()) == {"a.txt", "b.md"}


@MILVUS_ONLY
def test_app_on_a_store_needs_no_folder_and_an_empty_store_says_what_to_do(tmp_path, tiny_corpus, embedder, closing):
    uri = f"milvus://{tmp_path}/qa.db"
    empty = qa.QA(corpus=tmp_path / "nothing-here", store=uri, embedder=embedder, show_progress=False)
    with pytest.raises(qa.CorpusError, match="holds no articles") as e:
        empty.warm_up()
    assert "python -m qa index --store" in str(e.value) and "\n" not in str(e.value)
    empty.close()
    filler = qa.QA(corpus=tiny_corpus, store=uri, embedder=embedder, show_progress=False)
    filler.update_store()
    filler.close()
    reader = qa.QA(corpus=tmp_path / "nothing-here", store=uri, embedder=embedder, show_progress=False)
    closing(reader)  # answers from the store alone
    ans = reader.ask("How many people were killed in the strike on the market in Sarmin?")
    assert {"Twelve", "15"} <= {n for a in (ans, *ans.alternatives) for n in ("Twelve", "15") if n in a.text}
    assert reader.status()["articles"] == 3


def test_long_article_reads_back_whole_and_cites_exactly(uri, tmp_path, embedder, closing):
    """An article longer than one stored text part (16,000 characters) is read back whole: offsets far into it
    stay exact."""
    filler = " ".join(f"Paragraph {i} of the council minutes records routine business about roads." for i in range(400))
    text = "Council minutes\n\n" + filler + "\n\nThe council approved a budget of 4.2 million dinars for the new bridge.\n"
    corpus = tmp_path / "long"
    corpus.mkdir()
    (corpus / "minutes.txt").write_text(text)
    bot = qa.QA(corpus=corpus, store=uri, embedder=embedder, show_progress=False)
    closing(bot)
    ans = bot.ask("What budget did the council approve for the new bridge?")
    doc = read_corpus(corpus)[0][0]
    assert len(doc.text) > 16_000 and "4.2 million dinars" in ans.text
    assert doc.text[ans.start : ans.end] == ans.text and ans.start > 16_000
    assert bot.documents(["minutes.txt"])["minutes.txt"].text == doc.text


@MILVUS_ONLY
def test_shards_split_a_backfill_and_prune_only_their_own(tmp_path, embedder, closing):
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(8):
        (corpus / f"n{i}.txt").write_text(f"Report {i}\n\nThe port of Tartus handled {i + 3} ships on Monday.\n")
    docs = read_corpus(corpus)[0]
    parts = [{d.source for d in docs if shard_of(d.source, 2) == i} for i in (0, 1)]
    assert all(parts) and parts[0] | parts[1] == {d.source for d in docs}
    store = _open(f"milvus://{tmp_path}/qa.db", embedder, closing)
    assert set(update_store(store, docs, embedder, SETTINGS, shard=(0, 2)).added or store.hashes()) == parts[0]
    update_store(store, docs, embedder, SETTINGS, shard=(1, 2))
    assert set(store.hashes()) == parts[0] | parts[1]
    gone = sorted(parts[1])[0]
    report = update_store(store, [d for d in docs if d.source != gone], embedder, SETTINGS, shard=(0, 2), prune=True)
    assert report.removed == () and gone in store.hashes()  # shard 0 never prunes shard 1's articles
    report = update_store(store, [d for d in docs if d.source != gone], embedder, SETTINGS, shard=(1, 2), prune=True)
    assert report.removed == (gone,) and gone not in store.hashes()


@pytest.mark.parametrize("bad", ["2/2", "1", "a/b", "-1/3", "1/0"])
def test_bad_shard_is_one_line(bad):
    with pytest.raises(QAError, match="is not i/n"):
        parse_shard(bad)


def test_a_faiss_index_refuses_shards(tmp_path, tiny_corpus):
    r = subprocess.run([sys.executable, "-m", "qa", "index", "--corpus", str(tiny_corpus), "--index",
                        str(tmp_path / "idx"), "--shard", "0/2", "-q"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("error: --shard splits a backfill") and r.stderr.count("\n") == 1


@MILVUS_ONLY
def test_index_command_with_workers_resumes_and_prunes(tmp_path, tiny_corpus):
    """``python -m qa index --workers 2`` fills a store; a rerun embeds nothing; ``--prune`` removes a deleted file."""
    uri = f"milvus://{tmp_path}/qa.db"

    def index(*extra):
        r = subprocess.run([sys.executable, "-m", "qa", "index", "--corpus", str(tiny_corpus), "--store", uri, "-q",
                            *extra], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-800:]
        return r.stdout

    first = index("--workers", "2")
    assert "3 articles" in first and "rebuilt" in first and " 0 chunks embedded" not in first
    assert "up to date; 0 chunks embedded" in index("--workers", "2")
    (tiny_corpus / "c.html").unlink()
    assert "up to date" in index()  # without --prune a store only gains articles
    out = index("--prune")
    assert "2 articles" in out and "0 added, 0 changed, 1 removed" in out
