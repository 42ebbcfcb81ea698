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
    for n in (name, f"{name}_docs"):
        client.drop_collection(n)
    client.close()


def exact(bot: qa.QA, ans) -> None:
    """Every citation and passage is the article's text at its offsets."""
    for c in (*ans.citations, *(a.citations[0] for a in ans.alternatives)):
        assert bot.docs[c.source].text[c.start : c.end] == c.quote
    for p in ans.passages:
        assert bot.docs[p.source].text[p.start : p.end] == p.text
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
        exact(bot, ans)

        # a second QA, its own connection: reads the collection back as dense-only, embeds nothing
        other = qa.QA(corpus=corpus, store=store_uri, embedder=embedder, show_progress=False)
        bots.append(other)
        assert other.warm_up().embedded_chunks == 0
        assert other.store.search_mode == bot.store.search_mode

        # update: the changed article is re-embedded and the answer follows it
        (corpus / "a.txt").write_text(STRIKE_A.replace("Twelve", "Eleven"))
        assert bot.refresh().changed == ("a.txt",)
        ans = bot.ask("How many people did the local medics say were killed in the strike?")
        exact(bot, ans)
        said = " ".join(a.text for a in (ans, *ans.alternatives)) + " ".join(p.text for p in ans.passages)
        assert "Eleven" in said and "Twelve" not in said

        # delete: a removed article is never cited again
        weather = bot.ask("What is expected across the coast on Friday?")
        assert weather.source == "c.html" and "Heavy rain" in weather.text
        (corpus / "c.html").unlink()
        assert bot.refresh().removed == ("c.html",)
        gone = bot.ask("What is expected across the coast on Friday?")
        assert all(p.source != "c.html" for p in gone.passages) and gone.source != "c.html"
        assert bot.status()["articles"] == 2

        # an article added through one QA is askable through the other, which never embedded it
        (corpus / "d.txt").write_text(FLOOD)
        assert bot.refresh().added == ("d.txt",)
        mine = bot.ask(HIGHWAY)
        assert "three weeks" in mine.text and mine.source == "d.txt"
        exact(bot, mine)
        report = other.refresh()
        assert report.embedded_chunks == 0 and not report.added
        theirs = other.ask(HIGHWAY)
        assert (theirs.text, theirs.source, theirs.start) == (mine.text, mine.source, mine.start)
        exact(other, theirs)

        # another process, while both are connected: the same answer
        r = subprocess.run([sys.executable, "-m", "qa", "ask", "--corpus", str(corpus), "--store", store_uri, "-q",
                            "--json", HIGHWAY], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr[-800:]
        got = json.loads(r.stdout)
        assert (got["text"], got["citations"][0]["source"], got["start"]) == (mine.text, mine.source, mine.start)
    finally:
        for b in bots:
            b.close()
