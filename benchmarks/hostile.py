"""Hostile articles: parse time of adversarial HTML at 100 kB and 1 MB, beside a normal page.

    .venv/bin/python benchmarks/hostile.py [--sizes 100000 1000000] [--timeout 60] [--reading FILE]
                                          [--clients 16] [--upload-bytes 990000]

- parse: ``parse_article`` on each kind of hostile markup (unclosed ``<b>x ``, ``<div>`` nested
  10^5 deep, a tag with tens of thousands of attributes, tables nested in tables, unclosed comments,
  a flood of ``<``), beside a normal article page of the same size (the peer), with the ratio of the
  largest to the smallest size (10x the bytes: a ratio near 10 is linear, near 100 quadratic).
  Target: every kind parses 1 MB in <= 2 s.

Each parse runs in its own process (import and one warm-up parse before the clock starts) under
``--timeout``, so a parser that never finishes shows as ``> timeout`` instead of hanging the script.
``--reading FILE`` times another version of ``qa/reading.py`` (e.g. the one before trafilatura:
``git show REV:qa/reading.py > /tmp/old_reading.py``).

- load: the chat app on the seeds (``app.serve`` on 127.0.0.1), ``--clients`` gradio_client users
  asking dev questions through ``/ask_json``, first alone, then while one ``--upload-bytes`` article
  is uploaded through ``/upload`` and indexed (asks take no lock: they answer from the index
  before the upload until the new state is swapped in). Target: p95 during the upload <= 3x the
  p95 without it. ``--clients 0`` skips it.

No assertions: a table and one JSON line (also ``benchmarks/out/hostile.json``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from common import DEV, ROOT, make_corpus, percentile, report

from qa.evaluation import load_questions


def _repeat(unit: str, n: int, head: str = "", tail: str = "") -> str:
    """``head`` + ``unit`` repeated to ``n`` characters in all + ``tail``."""
    body = n - len(head) - len(tail)
    return head + unit * max(1, body // len(unit)) + tail


def unclosed_b(n: int) -> str:
    return _repeat("<b>x ", n, head="<p>")


def nested_div(n: int) -> str:
    return _repeat("<div>", n)  # 1 MB: 200,000 levels


def nested_div_text(n: int) -> str:
    return _repeat("<div>Rebels took the town. ", n)


def deep_blocks(n: int) -> str:
    return _repeat("<div>" * 250 + "Rebels took the town." + "</div>" * 250, n, head="<html><body>")


def many_attributes(n: int) -> str:
    head, tail = "<html><body><p ", ">Rebels took the town on Monday, officials said.</p></body></html>"
    count = (n - len(head) - len(tail)) // 14
    return head + " ".join(f'data-a{i:05}="v"' for i in range(count)) + tail


def huge_attribute(n: int) -> str:
    head, tail = '<html><body><p title="', '">Rebels took the town on Monday, officials said.</p></body></html>'
    return _repeat("v", n, head, tail)


def attribute_soup(n: int) -> str:
    return _repeat('<span class="a" id="b" data-x="1" style="c">x</span> ', n, head="<html><body>")


def deep_tables(n: int) -> str:
    return _repeat("<table><tr><td>x ", n)


def unclosed_comments(n: int) -> str:
    return _repeat("<!-- x ", n, head="<html><body><p>Rebels took the town on Monday, officials said.</p>")


def lt_flood(n: int) -> str:
    return _repeat("<a ", n, head="<p>Rebels took the town on Monday, officials said. ")


def news_page(n: int) -> str:
    """The peer: a news page of ``n`` (> 40,000) characters as they come: navigation, an article of
    200 paragraphs, a footer, and the rest inline scripts (what makes real pages large)."""
    head = ("<!doctype html><html><head><title>Rebels take Hama | The Paper</title>"
            '<meta property="article:published_time" content="2024-12-04"></head><body>'
            '<nav><a href="/">Home</a> | <a href="/world">World</a></nav><article><h1>Rebels take Hama</h1>')
    tail = "</article><footer>© The Paper</footer></body></html>"
    paras = "".join(f'<p class="body">Rebel forces advanced on village {i} near Hama on Wednesday, '
                    f'<a href="/x{i}">officials said</a>, as the army sent {i} reinforcements north.</p>\n'
                    for i in range(1, 201))
    state = ", ".join(f'"slot{i}": {{"ad": "banner", "size": [300, 250]}}' for i in range(400))
    script = f"<script>window.__state = {{{state}}};</script>\n"  # ~20 kB, as a page's embedded state
    return _repeat(script, n, head + paras, tail)


def paragraph_flood(n: int) -> str:
    """Distinct short paragraphs, a few dozen bytes each: far more elements than any news page."""
    head, tail = "<html><body><article>", "</article></body></html>"
    paras, size, i = [], len(head) + len(tail), 0
    while size < n:
        i += 1
        paras.append(f"<div><p>Rebels took village {i}.</p></div>")
        size += len(paras[-1])
    return head + "".join(paras) + tail


KINDS: dict[str, Callable[[int], str]] = {
    "news page (peer)": news_page,
    "paragraph flood": paragraph_flood,
    "unclosed <b>x": unclosed_b,
    "nested <div> (no text)": nested_div,
    "nested <div> with text": nested_div_text,
    "250-deep <div>s, repeated": deep_blocks,
    "one tag, many attributes": many_attributes,
    "one huge attribute": huge_attribute,
    "spans with attributes": attribute_soup,
    "nested tables": deep_tables,
    "unclosed comments": unclosed_comments,
    "flood of '<a '": lt_flood,
}

PROBE = """
import importlib.util, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
import hostile
if {reading!r}:
    spec = importlib.util.spec_from_file_location("qa._bench_reading", {reading!r})
    reading = importlib.util.module_from_spec(spec); spec.loader.exec_module(reading)
else:
    from qa import reading
reading.parse_article("warm.html", "<html><body><p>Rebels took the town on Monday.</p></body></html>")
raw = hostile.KINDS[{kind!r}]({size})
t = time.perf_counter()
doc = reading.parse_article("hostile.html", raw)
print(time.perf_counter() - t, len(doc.text.split()))
"""


def parse_once(kind: str, size: int, timeout: float, reading: str | None) -> tuple[str, float | None, int]:
    """``parse_article`` on ``size`` characters of ``kind`` in a fresh process: ``(cell, seconds,
    words kept)``; the cell says ``> timeout`` when it ran past ``timeout``, ``error`` when it crashed."""
    code = PROBE.format(root=str(ROOT), here=str(Path(__file__).parent), reading=reading or "", kind=kind, size=size)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:g}s", None, 0
    if out.returncode:
        print(f"{kind}, {size}: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return "error", None, 0
    secs, words = out.stdout.split()[-2:]
    return f"{float(secs):.3f}s", float(secs), int(words)


def parse_section(sizes: list[int], timeout: float, reading: str | None) -> tuple[list, dict]:
    """Rows and record of the parse-time table: one row per kind, seconds per size, the ratio of the
    last size to the first, and the words the last parse kept."""
    labels = [f"{s / 1e6:g} MB" if s >= 1_000_000 else f"{s / 1e3:g} kB" for s in sizes]
    rows = [("kind", "".join(f"{x:>10}" for x in labels) + f"{'ratio':>8}  words kept")]
    record = {}
    for kind in KINDS:
        runs = [parse_once(kind, size, timeout, reading) for size in sizes]
        times = [secs for _, secs, _ in runs]
        ratio = times[-1] / times[0] if None not in times and times[0] else None
        cells = "".join(f"{cell:>10}" for cell, _, _ in runs) + (f"{ratio:8.1f}" if ratio else f"{'—':>8}")
        rows.append((kind, f"{cells}  {runs[-1][2]}"))
        record[kind] = {"seconds": dict(zip(labels, times, strict=True)), "ratio": ratio, "words": runs[-1][2]}
    return rows, record


# --- asking while a large article is uploaded ---------------------------------------------------------
def _article(size: int) -> str:
    """A plain-text article of about ``size`` bytes that shares no sentence with the seeds."""
    lines, i = ["Regional harvest report", "", "2024-12-05", ""], 0
    while sum(len(x) + 1 for x in lines) < size:
        lines.append(f"In district {i} the cooperative counted {i * 13 % 997} tonnes of wheat and "
                     f"{i * 7 % 389} tonnes of barley, its chairman said on Thursday.")
        i += 1
    return "\n".join(lines)[:size]


def ask_load(url: str, questions: list[str], clients: int, stop: threading.Event, min_asks: int) -> list[float]:
    """``clients`` gradio_client users asking ``questions`` in turn until ``stop`` (and each at least
    ``min_asks`` times); the latency of every ask in ms."""
    from gradio_client import Client

    times: list[float] = []
    lock = threading.Lock()

    def user(n: int) -> None:
        c = Client(url, verbose=False)
        k = 0
        while k < min_asks or not stop.is_set():
            q = questions[(n + k) % len(questions)]
            t = time.perf_counter()
            c.predict(q, api_name="/ask_json")
            with lock:
                times.append(1000 * (time.perf_counter() - t))
            k += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def under_upload(clients: int = 16, size: int = 990_000, asks: int = 5, ask_turns: int = 16) -> dict:
    """Ask p50/p95 of ``clients`` concurrent users on the seeds app, alone and while an article of
    ``size`` bytes is uploaded and indexed through the page's upload endpoint."""
    from gradio_client import Client, handle_file

    sys.path.insert(0, str(ROOT))  # app.py lives at the repository root
    import app
    import qa

    questions = [r["question"] for r in load_questions(DEV) if not r.get("history")]
    with tempfile.TemporaryDirectory(prefix="qa-hostile-") as tmp:
        tmp = Path(tmp)
        corpus = make_corpus(tmp / "corpus")
        bot = qa.QA(corpus=corpus, index_dir=tmp / "index", show_progress=False)
        demo, service = app.serve(bot, "127.0.0.1", _free_port(), block=False, quiet=True,
                                  max_concurrent_asks=ask_turns)
        try:
            url = demo.local_url
            quiet = threading.Event()
            quiet.set()
            alone = ask_load(url, questions, clients, quiet, asks)
            big = tmp / "harvest.txt"
            big.write_text(_article(size), encoding="utf-8")
            done, result = threading.Event(), {}

            def upload() -> None:
                t = time.perf_counter()
                result["msg"] = Client(url, verbose=False).predict([handle_file(str(big))], api_name="/upload")
                result["s"] = time.perf_counter() - t
                done.set()

            up = threading.Thread(target=upload)
            up.start()
            during = ask_load(url, questions, clients, done, asks)
            up.join()
            askable = bool(service.ask("How many tonnes of wheat did the cooperative in district 12 count?")[0].text)
        finally:
            demo.close()
    return {"clients": clients, "ask_turns": ask_turns, "upload_bytes": size, "upload_s": result.get("s"),
            "upload_added": "Added" in result.get("msg", ""), "askable_after": askable,
            "alone_n": len(alone), "alone_p50_ms": percentile(alone, 50), "alone_p95_ms": percentile(alone, 95),
            "during_n": len(during), "during_p50_ms": percentile(during, 50),
            "during_p95_ms": percentile(during, 95),
            "p95_ratio": percentile(during, 95) / percentile(alone, 95)}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_rows(r: dict) -> list[tuple[str, object]]:
    return [(f"{r['clients']} clients, {r['ask_turns']} ask(s) at a time: ask p50 / p95 alone ({r['alone_n']} asks)",
             f"{r['alone_p50_ms']:.0f} / {r['alone_p95_ms']:.0f} ms"),
            (f"same while a {r['upload_bytes'] / 1e6:.2f} MB article is uploaded ({r['during_n']} asks)",
             f"{r['during_p50_ms']:.0f} / {r['during_p95_ms']:.0f} ms"),
            ("p95 during / alone (target <= 3.0)", f"{r['p95_ratio']:.2f}"),
            ("upload + indexing", f"{r['upload_s']:.1f} s, added: {r['upload_added']}, askable: {r['askable_after']}")]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="characters of markup")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds one parse may take before it is stopped")
    ap.add_argument("--reading", help="another qa/reading.py to time instead of the installed one")
    ap.add_argument("--clients", type=int, default=16, help="concurrent askers in the load section (0: skip it)")
    ap.add_argument("--upload-bytes", type=int, default=990_000, help="size of the article uploaded under load")
    ap.add_argument("--ask-turns", type=int, default=16, help="asks the app runs side by side (ChatService)")
    args = ap.parse_args(argv)
    rows, record = parse_section(args.sizes, args.timeout, args.reading)
    record = {"parse": record, "reading": args.reading or "qa/reading.py"}
    if args.clients:
        load = under_upload(args.clients, args.upload_bytes, ask_turns=args.ask_turns)
        rows += load_rows(load)
        record["load"] = load
    report("hostile", rows, record)


if __name__ == "__main__":
    main()
