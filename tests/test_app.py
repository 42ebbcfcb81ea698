"""The web app through its API, as gradio_client users see it: one real server per module on
127.0.0.1, over a copy of the seeds and an index in ``tmp_path``; the real index and answerer."""

from __future__ import annotations

import html
import json
import shutil
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None  # app.py lives at the repo root
pytest.importorskip("gradio")
from gradio_client import Client, handle_file  # noqa: E402

import app  # noqa: E402
import qa  # noqa: E402

SEEDS = ROOT / "seeds"
# gradio's queue calls a pandas option that pandas 3 deprecates; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")
JAWLANI = "Who is the leader of Hayat Tahrir al-Sham?"
VILLAGES = "How many villages did the Syrian Democratic Forces capture in Deir ez-Zor?"
# a tiny article about something the seeds never mention, and a question only it answers
QARNABAD = ("Qarnabad Bridge Reopens\n\n2025-03-07\n\n"
            "Mayor Lina Haddad reopened the Zelten bridge in Qarnabad on Friday after two years of repairs. "
            "The bridge carries about 9,000 cars a day across the Orun river.\n")
HOSTILE = ("Orchard Festival Draws Crowds\n\n2025-04-02\n\n"
           "The Velmora orchard festival was opened by the farmer Tomas Brandl <img src=x onerror=\"window.__pwned=1\"> "
           "on Saturday. Visitors can read more [here](javascript:window.__pwned=1) or at the gate.\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp: Path, embedder=None, **service_kwargs):
    """The app served on a free port over a copy of the seeds in ``tmp``: ``(demo, service, corpus)``."""
    corpus = tmp / "corpus"
    corpus.mkdir()
    for p in SEEDS.glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    bot = qa.QA(corpus=corpus, index_dir=tmp / "index", embedder=embedder, show_progress=False)
    demo, service = app.serve(bot, "127.0.0.1", free_port(), block=False, quiet=True, **service_kwargs)
    return demo, service, corpus


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    demo, service, corpus = start_server(tmp_path_factory.mktemp("app"), embedder, max_upload_bytes=200_000)
    yield demo.local_url, service, corpus
    demo.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server[0], verbose=False)


def upload(client: Client, tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return client.predict([handle_file(str(path))], api_name="/upload")


# --- rendering, by hand-worked examples ----------------------------------------------------------

def test_disagreeing_sources_are_all_shown_with_their_citations():
    doc = qa.Document("a.txt", "At least 15 people were killed. Officials said 12 killed.", "A", "2024-12-04")
    c1 = qa.Citation("a.txt", "A", "2024-12-04", 32, 56, "Officials said 12 killed.")
    c2 = qa.Citation("b.txt", "B", None, 0, 31, "At least 15 people were killed.")
    c3 = qa.Citation("c.txt", "C", "2024-12-03", 0, 25, "Reports said 12 killed.")
    alt = qa.Answer("How many?", "At least 15", False, c2.quote, (c2,), start=0, end=11)
    ans = qa.Answer("How many?", "12 killed", False, c1.quote, (c1, c3), (alt,), start=47, end=56)
    reply = app.render_answer(ans, {"a.txt": doc}).replace("Likely:", "")
    assert plain(reply.splitlines()[0]) == "Two reports say **12 killed** [1][2]; one says **At least 15** [3]."
    assert "Officials said <mark>12 killed</mark>. [1] — as reported on 4 Dec 2024" in plain(reply, keep="mark")
    assert "<mark>At least 15</mark> people were killed. [3] — undated article" in plain(reply, keep="mark")
    assert reply.count("<details") == 3 and reply.count("<details class=\"qa-card-1\" open>") == 1  # card 1 open
    assert 'href="#source-3" title="B — At least 15 people were killed.">[3]</a>' in reply  # the hover preview


def plain(markdown: str, keep: str = "") -> str:
    """``markdown`` without its HTML tags (but ``keep``'s)."""
    import re

    return re.sub(rf"<(?!/?{keep}\b)[^>]+>" if keep else r"<[^>]+>", "", markdown)


def test_article_text_is_escaped_in_the_reply():
    quote = 'Mayor <img src=x onerror="alert(1)"> Lina Haddad said [it](javascript:alert(1)) *loud*.'
    c = qa.Citation("x.md", "<script>alert(1)</script>", "2025-03-07", 0, len(quote), quote)
    ans = qa.Answer("Who?", "Lina Haddad", False, quote, (c,), start=quote.index("Lina"),
                    end=quote.index("Lina") + 11)
    reply = app.render_answer(ans, {})
    assert "<img" not in reply and "<script" not in reply and "](javascript:" not in reply
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in reply
    assert "&lt;script&gt;" in reply and "&#42;loud&#42;" in reply


def test_declined_answer_says_so_and_shows_the_closest_passages():
    p = qa.Passage("a.txt", "Rain <b>due</b>", "2025-01-02", 0, 27, "Heavy rain is due on Friday.", 0.03)
    ans = qa.Answer("Who won the cup?", "", True, passages=(p,), message="the articles do not seem to say")
    reply = app.render_answer(ans, {})
    assert reply.startswith("**The articles don't seem to say.** I looked for an answer in the 1 closest passages")
    assert "who, what, where, when, how many" in reply
    assert "The closest passages:" in reply and "Heavy rain is due on Friday." in reply
    assert "Rain &lt;b&gt;due&lt;/b&gt; · 2 Jan 2025 · <code>a.txt</code>" in reply


def test_a_decline_for_a_name_no_article_mentions_says_which(tmp_path, embedder):
    # the pipeline's own decline: two tiny articles, neither naming the company asked about
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "v.txt").write_text("Velmora Mills profit rises\n\nVelmora Mills Corp said its 1986 net profit "
                                          "rose to 41 mln dlrs.\n", encoding="utf-8")
    (tmp_path / "c" / "k.txt").write_text("Kessland Steel profit falls\n\nKessland Steel Inc said its 1986 net profit "
                                          "fell to 12 mln dlrs.\n", encoding="utf-8")
    bot = qa.QA(corpus=tmp_path / "c", index_dir=tmp_path / "idx", embedder=embedder, show_progress=False)
    ans = bot.ask("What was Norland Paper's net profit in 1986?")
    reply = app.render_answer(ans, bot.docs)
    assert ans.abstained
    first = reply.split("\n")[0]
    assert first.startswith("**The articles don't seem to say.** I looked for ")
    assert first.endswith(", but none of the articles I read mentions “Norland Paper”.")


@pytest.mark.parametrize("name, safe", [
    ("../../x.txt", "x.txt"), ("..\\..\\windows\\x.md", "x.md"), ("/etc/passwd", "passwd"),
    (".bashrc", "bashrc"), ("...", "article"), ("Rebels take Hama!.HTML", "Rebels_take_Hama.html"),
    ("نص.txt", "article.txt"), ("a" * 300 + ".txt", "a" * 96 + ".txt"),
])
def test_safe_name_keeps_uploads_in_their_folder(name, safe):
    assert app.safe_name(name) == safe


def test_save_refuses_to_leave_the_folder(tmp_path):
    folder = tmp_path / "corpus" / "uploads"
    with pytest.raises(OSError):
        app._save(folder, "../../x.txt", b"text")
    assert not (tmp_path / "x.txt").exists()
    assert app._save(folder, "x.txt", b"one").name == "x.txt"
    assert app._save(folder, "x.txt", b"two").name == "x-2.txt"  # never overwrites


def test_disagreeing_articles_give_every_version(tiny_corpus, tmp_path, embedder):
    service = app.ChatService(qa.QA(corpus=tiny_corpus, index_dir=tmp_path / "index", embedder=embedder,
                                    show_progress=False))
    ans, _ = service.ask("How many people were killed in the strike on the Sarmin market?")
    first = service.reply(ans.question).splitlines()[0]
    for version in (ans, *ans.alternatives):
        assert f"**{version.text}**" in first
    if ans.alternatives:  # the two reports disagree: 12 (a.txt) and at least 15 (b.md)
        assert first.startswith("One report says") and "; one says" in first


# --- the API, against the served app ---------------------------------------------------------------

def test_chat_endpoint_returns_the_reply_with_citations(client):
    reply = client.predict(JAWLANI, api_name="/chat")
    first = reply.splitlines()[0]
    assert "Jawlani" in first and "[1]" in first
    assert "<mark>" in reply and "as reported on" in reply
    assert "<details class=\"qa-card-1\" open>" in reply and ".txt</code>" in reply  # a source card naming the file


def test_ask_json_returns_the_answer_dict(client):
    d = client.predict(VILLAGES, api_name="/ask_json")
    assert "seven" in d["text"] and d["abstained"] is False
    assert set(d) == set(qa.Answer("q", "", True).to_dict())
    cite = d["citations"][0]
    assert cite["source"].endswith(".txt") and d["text"] in cite["quote"]
    json.dumps(d)


def test_question_the_articles_do_not_cover(client):
    d = client.predict("How many moons does Jupiter have?", api_name="/ask_json")
    reply = client.predict("How many moons does Jupiter have?", api_name="/chat")
    if d["abstained"]:
        assert "I looked for a number" in reply and "<details" in reply  # the closest passages anyway


def test_passages_setting_is_passed_on(client):
    assert len(client.predict(JAWLANI, 1, api_name="/ask_json")["passages"]) == 1
    assert len(client.predict(JAWLANI, 8, api_name="/ask_json")["passages"]) == 8


def test_follow_up_uses_the_history(server):
    service = server[1]
    first = service.reply(JAWLANI)
    history = [{"role": "user", "content": JAWLANI}, {"role": "assistant", "content": first}]
    ans, _ = service.ask("What has he vowed to do?", history=history)
    assert not ans.abstained and "Damascus" in ans.quote


@pytest.mark.parametrize("question, words", [("", "empty"), ("   ", "empty"), ("x" * 5000, "limit"),
                                             ("谁是哈亚特·塔赫里尔·沙姆的领导人？", "English")])
def test_bad_questions_get_a_friendly_message(client, question, words):
    reply = client.predict(question, api_name="/chat")
    assert reply.startswith("⚠️") and words in reply
    assert words in client.predict(question, api_name="/ask_json")["error"]


def test_sixteen_clients_at_once_all_get_correct_answers(server):
    url = server[0]
    cases = [(JAWLANI, "Jawlani"), (VILLAGES, "seven")] * 8

    def one(case):
        q, want = case
        c = Client(url, verbose=False)
        return want, c.predict(q, api_name="/chat"), c.predict(q, api_name="/ask_json")

    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, cases))
    took = time.perf_counter() - t
    print(f"16 concurrent clients (2 requests each): {took:.2f} s")
    for want, reply, d in results:
        assert want in reply.splitlines()[0] and want in d["text"]


def test_status_endpoint(client):
    s = client.predict(api_name="/status")
    assert s["articles"] >= 5 and s["chunks"] > 0 and s["indexed_at"]


def test_uploaded_article_is_askable_at_once(client, server, tmp_path):
    before = client.predict(api_name="/status")["articles"]
    msg = upload(client, tmp_path, "qarnabad.txt", QARNABAD)
    assert "Added" in msg and "uploads/qarnabad.txt — 1 passage, indexed in" in msg
    assert (server[2] / "uploads" / "qarnabad.txt").read_text() == QARNABAD
    assert client.predict(api_name="/status")["articles"] == before + 1
    d = client.predict("Who reopened the Zelten bridge in Qarnabad?", api_name="/ask_json")
    assert "Haddad" in d["text"] and d["citations"][0]["source"] == "uploads/qarnabad.txt"


def test_duplicate_upload_is_recognized(client, server, tmp_path):
    seed = sorted(SEEDS.glob("*.txt"))[0]
    msg = upload(client, tmp_path, "same-story.txt", seed.read_bytes())
    assert "Duplicate" in msg and f"already in the corpus as {seed.name}" in html.unescape(msg)
    assert not (server[2] / "uploads" / "same-story.txt").exists()


def test_traversal_name_cannot_leave_the_corpus(client, server):
    import httpx

    url, _, corpus = server
    data = b"The Velmora council approved a new water plan on Monday after a long debate."
    r = httpx.post(url + "gradio_api/upload", files={"files": ("../../escape.txt", data, "text/plain")})
    r.raise_for_status()
    file = {"path": r.json()[0], "orig_name": "../../escape.txt", "meta": {"_type": "gradio.FileData"}}
    msg = client.predict([file], api_name="/upload")
    assert "uploads/escape.txt" in msg
    assert (corpus / "uploads" / "escape.txt").read_bytes() == data
    assert not (corpus.parent / "escape.txt").exists() and not (corpus.parent.parent / "escape.txt").exists()


def test_wrong_type_oversized_and_binary_uploads_are_rejected(client, server, tmp_path):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Invalid file type"):  # the file picker's accept list, checked by Gradio
        upload(client, tmp_path, "report.pdf", b"%PDF-1.4 text")
    too_big = "Rebels advanced on the city. " * 10_000  # ~290 kB, over this server's 200 kB limit
    for name, content, why in [("big.txt", too_big, "too large"),
                               ("blob.txt", bytes(range(256)) * 8, "not readable")]:
        msg = upload(client, tmp_path, name, content)
        assert "Rejected" in msg and why in msg, msg
        assert not (server[2] / "uploads" / name).exists()


def test_hostile_article_is_shown_as_text(client, tmp_path):
    assert "Added" in upload(client, tmp_path, "festival.md", HOSTILE)
    reply = client.predict("Who opened the Velmora orchard festival?", api_name="/chat")
    assert "Brandl" in reply.splitlines()[0]
    assert "<img" not in reply and "](javascript:" not in reply
    assert "&lt;img src=x onerror=&quot;window." in reply


# --- hardening: who may talk to the server, how much, and what never blocks --------------------

def _raw(url: str, method: str, path: str, headers: dict, body: bytes | None = None, chunked: bool = False):
    """One HTTP request with exactly these headers (``Host`` included): ``(status, body text)``."""
    import http.client
    from urllib.parse import urlsplit

    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        elif body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None and not chunked and len(body) > app.MAX_REQUEST_BYTES:
            pass  # refused on its Content-Length: the answer comes before the body is sent
        elif body is not None:
            if chunked:
                for i in range(0, len(body), 65536):
                    part = body[i : i + 65536]
                    conn.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.send(body)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (ConnectionError, OSError) as e:  # the server may close while a refused body is still being sent
        return getattr(e, "errno", None) or 0, str(e)
    finally:
        conn.close()


def test_a_foreign_host_header_is_refused(server):
    url = server[0]
    port = url.rstrip("/").rsplit(":", 1)[1]
    status, text = _raw(url, "GET", "/gradio_api/info", {"Host": "rebind.evil.example"})
    assert status == 400 and "--allowed-host" in text
    assert _raw(url, "GET", "/gradio_api/info", {"Host": f"localhost:{port}"})[0] == 200
    assert _raw(url, "GET", "/gradio_api/info", {"Host": f"127.0.0.1:{port}"})[0] == 200


def test_cross_site_uploads_are_refused_and_same_site_ones_allowed(server):
    url = server[0]
    port = url.rstrip("/").rsplit(":", 1)[1]
    boundary = "xyzBOUNDARY"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\nInjected article text.\r\n--{boundary}--\r\n").encode()
    head = {"Host": f"127.0.0.1:{port}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, text = _raw(url, "POST", "/gradio_api/upload", {**head, "Origin": "http://evil.example"}, form)
    assert status == 403, text
    status, _ = _raw(url, "POST", "/gradio_api/upload", {**head, "Origin": f"http://localhost:{port}",
                                                          "Sec-Fetch-Site": "cross-site"}, form)
    assert status == 403
    status, text = _raw(url, "POST", "/gradio_api/upload", {**head, "Origin": f"http://127.0.0.1:{port}"}, form)
    assert status == 200, text
    app._drop_cached(json.loads(text)[0])


def test_oversized_request_bodies_get_413(server):
    url = server[0]
    port = url.rstrip("/").rsplit(":", 1)[1]
    big = json.dumps({"data": ["x" * (app.MAX_REQUEST_BYTES + 10), 5]}).encode()
    head = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json"}
    status, text = _raw(url, "POST", "/gradio_api/call/ask_json", head, big)
    assert status == 413 and "too large" in text
    status, text = _raw(url, "POST", "/gradio_api/call/ask_json", head, big, chunked=True)
    assert status in (413, 32, 104), text  # 413, or the connection closed on the rest of the body
    small = json.dumps({"data": [JAWLANI, 5]}).encode()
    assert _raw(url, "POST", "/gradio_api/call/ask_json", head, small, chunked=True)[0] == 200


def test_status_shows_no_absolute_paths(client):
    s = client.predict(api_name="/status")
    assert not str(s["corpus"]).startswith("/") and not str(s["index_dir"]).startswith("/")


def test_chat_history_from_a_client_is_bounded_and_checked():
    huge = [{"role": "user", "content": "Hama " * 2_000_000}, {"role": "assistant", "content": "x"}] * 50
    h = app.chat_history(huge)
    assert len(h) == app.MAX_CHAT_MESSAGES and all(len(m["content"]) <= app.MAX_MESSAGE_CHARS for m in h)
    gradio6 = [{"role": "user", "content": [{"type": "text", "text": "Who leads HTS?"}]}]
    assert app.chat_history(gradio6) == [{"role": "user", "content": "Who leads HTS?"}]
    for bad in (5, True, "text", None, [None, 3, ["a"]], {"role": "user"}):
        assert app.chat_history(bad) == []


def test_a_huge_history_is_answered_quickly_and_a_crash_is_never_shown_raw(server):
    _, service, _ = server
    huge = [{"role": "user", "content": "Who is Jawlani? " * 600_000},
            {"role": "assistant", "content": "**Abu Mohammed al-Jawlani** [1]"}]
    reply = service.reply("What does he lead?", app.chat_history(huge))
    assert reply  # an answer or a friendly message, not an exception
    broken = app.ChatService(service.bot)
    broken.ask = lambda *a, **k: (_ for _ in ()).throw(KeyError("/secret/path"))
    d = broken.ask_json(JAWLANI)
    assert "something went wrong" in d["error"] and "/secret/path" not in d["error"]


def test_uploads_are_limited_per_request_and_per_hour(tiny_corpus, tmp_path, embedder):
    bot = qa.QA(corpus=tiny_corpus, index_dir=tmp_path / "index", embedder=embedder, show_progress=False)
    service = app.ChatService(bot, max_files_per_upload=2, max_files_per_hour=3)
    files = []
    for i, town in enumerate(["Velmora", "Qarnabad", "Zelten", "Orun", "Tarsel"]):
        p = tmp_path / f"town{i}.txt"
        p.write_text(f"{town} news\n\nThe {town} council met on Monday and approved {i + 3} new schools.\n")
        files.append(p)
    ups, _ = service.add_files(files[:3])
    assert [u.outcome for u in ups] == ["added", "added", "rejected"] and "at once" in ups[2].detail
    ups, _ = service.add_files(files[3:5])
    assert [u.outcome for u in ups] == ["added", "rejected"] and "an hour" in ups[1].detail
    assert len(list((tiny_corpus / "uploads").iterdir())) == 3


def test_asking_goes_on_while_an_upload_is_indexed(tiny_corpus, tmp_path, embedder):
    import threading

    bot = qa.QA(corpus=tiny_corpus, index_dir=tmp_path / "index", embedder=embedder, show_progress=False)
    service = app.ChatService(bot)
    service.warm_up()
    big = tmp_path / "almanac.txt"  # ~150 passages to embed: seconds of indexing
    big.write_text("Farm almanac\n\n" + " ".join(
        f"In week {i} the growers of field {i} planted {i * 7} rows of barley and {i * 3} rows of oats."
        for i in range(1500)), encoding="utf-8")
    done = threading.Event()
    worker = threading.Thread(target=lambda: (service.add_files([big]), done.set()))
    worker.start()
    try:
        while not service._upload_lock.locked() and not done.is_set():
            time.sleep(0.01)
        ans, _ = service.ask("How many people were killed in the strike on the Sarmin market?")
        answered_during_upload = not done.is_set()
    finally:
        worker.join(timeout=300)
    assert answered_during_upload, "the ask waited for the upload to be indexed"
    assert "12" in ans.text or "15" in ans.text or "Twelve" in ans.text
    assert service.bot.ask("How many rows of barley did the growers of field 10 plant?").text


def test_articles_endpoint_lists_every_article(client):
    rows = client.predict(api_name="/articles")
    assert len(rows) >= 5
    for r in rows:
        assert set(r) >= {"source", "title", "date", "passages", "chars"} and r["passages"] >= 1
    assert sum(r["passages"] for r in rows) == client.predict(api_name="/status")["chunks"]


def test_an_unsure_answer_says_so_in_words():
    quote = "Officials said the bridge may reopen in May."
    c = qa.Citation("x.md", "Bridge", "2025-03-07", 0, len(quote), quote)
    unsure = qa.Answer("When?", "May", False, quote, (c,), start=quote.index("May"), end=quote.index("May") + 3,
                       score=0.2)
    first = app.render_answer(unsure, {}).splitlines()[0]
    assert first.startswith('<span class="qa-unsure" title="confidence 0.20') and "Likely:" in first
    sure = qa.Answer("When?", "May", False, quote, (c,), start=unsure.start, end=unsure.end, score=0.9)
    assert "Likely" not in app.render_answer(sure, {})


def test_app_refuses_a_bad_store_in_one_line(tmp_path):
    with pytest.raises(SystemExit) as e:
        app.main(["--corpus", str(SEEDS), "--store", "ftp://example.org/x", "--port", str(free_port())])
    assert str(e.value).startswith("error: store") and "milvus:///" in str(e.value) and "\n" not in str(e.value)
