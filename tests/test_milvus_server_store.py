"""``QA`` on the real standalone Milvus 2.3.5 (``milvus`` wheel): the store's dense-only path end to end.

Milvus < 2.5 has no BM25 or hybrid search, so the store makes a dense-only collection there and says so in
``status()``; the hybrid path is tested on milvus-lite (tests/test_store.py). Tiny articles written here,
the real models; one collection for the whole flow (creating one on 2.3.5 takes seconds): ingest, ask,
a second process asks the same, update, delete, and an article added through one ``QA`` is asked through
another that never embedded it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import qa
from qa.reading import read_corpus
from tests.conftest import ROOT, STRIKE_A, STRIKE_B, WEATHER, write_corpus
from tests.milvus_server import milvus_server  # noqa: F401 (the session fixture)

pymilvus = pytest.importorskip("pymilvus")

pytestmark = pytest.mark.milvus_server

FLOOD = ("Floods in Latakia\nFloodwaters cut the coastal highway near Jableh on Sunday. Engineers said repairs "
         "will take three weeks.\n")
KILLED = "How many people were killed in the strike on the market in Sarmin?"
HIGHWAY = "How long will the highway repairs take?"


@pytest.fixture()
def store_uri(milvus_server):  # noqa: F811
    name = f"news_{os.getpid()}"
    yield f"{milvus_server}?collection={name}".replace("http://", "milvus://")
    client = pymilvus.MilvusClient(uri=milvus_server)
    for n in (name, f"{name}_docs", f"{name}_texts"):
        client.drop_collection(n)
    client.close()


def exact(corpus, ans) -> None:
    """Every citation and passage is the article's text (as in its file now) at its offsets."""
    docs = {d.source: d for d in read_corpus(corpus)[0]}
    for c in (*ans.citations, *(a.citations[0] for a in ans.alternatives)):
        assert docs[c.source].text[c.start : c.end] == c.quote
    for p in ans.passages:
        assert docs[p.source].text[p.start : p.end] == p.text
    assert [p.score for p in ans.passages] == sorted((p.score for p in ans.passages), reverse=True)


def test_qa_on_milvus_2_3(store_uri, tmp_path, embedder):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": STRIKE_A, "b.md": STRIKE_B, "c.html": WEATHER})
    bots = []
    try:
        bot = qa.QA(corpus=corpus, store=store_uri, embedder=embedder, show_progress=False)
        bots.append(bot)
        assert bot.warm_up().rebuilt
        status = bot.status()
        assert status["chunks"] > 0 and status["articles"] == 3
        assert "dense only" in status["search"] and "lexical search is off" in status["search"]
        ans = bot.ask(KILLED)
        assert not ans.abstained and ans.citations and ans.source in ("a.txt", "b.md")
        assert any(n in a.text for a in (ans, *ans.alternatives) for n in ("Twelve", "15"))
        exact(corpus, ans)

        # a second QA, its own connection: reads the collection back as dense-only, embeds nothing
        other = qa.QA(corpus=corpus, store=store_uri, embedder=embedder, show_progress=False)
        bots.append(other)
        assert other.warm_up().embedded_chunks == 0
        assert other.store.search_mode == bot.store.search_mode

        # update: the changed article is re-embedded and the answer follows it
        (corpus / "a.txt").write_text(STRIKE_A.replace("Twelve", "Eleven"))
        assert bot.refresh().changed == ("a.txt",)
        ans = bot.ask("How many people did the local medics say were killed in the strike?")
        exact(corpus, ans)
        said = " ".join(a.text for a in (ans, *ans.alternatives)) + " ".join(p.text for p in ans.passages)
        assert "Eleven" in said and "Twelve" not in said

        # delete: a removed article is never cited again
        weather = bot.ask("What is expected across the coast on Friday?")
        assert weather.source == "c.html" and "Heavy rain" in weather.text
        (corpus / "c.html").unlink()
        assert bot.refresh().removed == ()  # the store is the archive: an app only adds to it
        assert bot.update_store(prune=True).removed == ("c.html",)  # python -m qa index --prune
        gone = bot.ask("What is expected across the coast on Friday?")
        assert all(p.source != "c.html" for p in gone.passages) and gone.source != "c.html"
        assert bot.status()["articles"] == 2

        # an article added through one QA is askable through the other, which never embedded it
        (corpus / "d.txt").write_text(FLOOD)
        assert bot.refresh().added == ("d.txt",)
        mine = bot.ask(HIGHWAY)
        assert "three weeks" in mine.text and mine.source == "d.txt"
        exact(corpus, mine)
        report = other.refresh()
        assert report.embedded_chunks == 0 and not report.added
        theirs = other.ask(HIGHWAY)
        assert (theirs.text, theirs.source, theirs.start) == (mine.text, mine.source, mine.start)
        exact(corpus, theirs)

        # another process, while both are connected: the same answer
        r = subprocess.run([sys.executable, "-m", "qa", "ask", "--corpus", str(corpus), "--store", store_uri, "-q",
                            "--json", HIGHWAY], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-800:]
        got = json.loads(r.stdout)
        assert (got["text"], got["citations"][0]["source"], got["start"]) == (mine.text, mine.source, mine.start)
    finally:
        for b in bots:
            b.close()


def _serve(port: int, store_uri: str, corpus, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--store", store_uri, "--corpus",
                             str(corpus)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def _wait_up(url: str, proc: subprocess.Popen, log_path, timeout: float = 180.0) -> None:
    import time
    import urllib.request

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited ({proc.returncode}): {log_path.read_text()[-1500:]}")
        try:
            with urllib.request.urlopen(url + "/gradio_api/info", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1.0)
    raise AssertionError(f"the app did not start in {timeout:.0f} s: {log_path.read_text()[-1500:]}")


def test_two_app_processes_share_one_store(store_uri, tmp_path):
    """The newsroom set-up: an archive indexed once (``python -m qa index``), two chat servers on it, each with an
    uploads folder of its own; both answer the same, and an article uploaded through one is askable through the
    other."""
    from gradio_client import Client, handle_file

    from tests.test_app import free_port

    archive = write_corpus(tmp_path / "archive", {"a.txt": STRIKE_A, "b.md": STRIKE_B, "c.html": WEATHER})
    r = subprocess.run([sys.executable, "-m", "qa", "index", "--corpus", str(archive), "--store", store_uri, "-q"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "3 articles" in r.stdout, r.stderr[-800:]
    procs, logs = [], []
    try:
        urls = []
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
            port = free_port()
            logs.append(tmp_path / f"{name}.log")
            procs.append(_serve(port, store_uri, tmp_path / name, logs[-1].open("w")))
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc, log in zip(urls, procs, logs, strict=True):
            _wait_up(url, proc, log)
        one, two = (Client(u, verbose=False) for u in urls)
        a, b = (c.predict(KILLED, api_name="/ask_json") for c in (one, two))
        assert not a.get("error") and a["text"] and (a["text"], a["start"], a["citations"]) == \
            (b["text"], b["start"], b["citations"])
        assert one.predict(api_name="/status")["articles"] == two.predict(api_name="/status")["articles"] == 3

        (tmp_path / "flood.txt").write_text(FLOOD)
        shown = one.predict([handle_file(str(tmp_path / "flood.txt"))], api_name="/upload")
        assert "Added" in shown and "uploads/flood.txt" in shown and "1 passage" in shown, shown
        got = two.predict(HIGHWAY, api_name="/ask_json")
        assert "three weeks" in got["text"] and got["citations"][0]["source"] == "uploads/flood.txt"
        exact_in = {d.source: d for d in read_corpus(tmp_path / "one")[0]}["uploads/flood.txt"].text
        c = got["citations"][0]
        assert exact_in[c["start"] : c["end"]] == c["quote"]
        assert two.predict(api_name="/status")["articles"] == 4
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
