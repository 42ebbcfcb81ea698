"""Hostile articles: parse time of adversarial HTML at 100 kB and 1 MB, beside a normal page.

    .venv/bin/python benchmarks/hostile.py [--sizes 100000 1000000] [--timeout 60] [--reading FILE]

- parse: ``parse_article`` on each kind of hostile markup (unclosed ``<b>x ``, ``<div>`` nested
  10^5 deep, a tag with tens of thousands of attributes, tables nested in tables, unclosed comments,
  a flood of ``<``), beside a normal article page of the same size (the peer), with the ratio of the
  largest to the smallest size (10x the bytes: a ratio near 10 is linear, near 100 quadratic).
  Target: every kind parses 1 MB in <= 2 s.

Each parse runs in its own process (import and one warm-up parse before the clock starts) under
``--timeout``, so a parser that never finishes shows as ``> timeout`` instead of hanging the script.
``--reading FILE`` times another version of ``qa/reading.py`` (e.g. the one before trafilatura:
``git show REV:qa/reading.py > /tmp/old_reading.py``). No assertions: a table and one JSON line
(also ``benchmarks/out/hostile.json``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from common import ROOT, report


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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="characters of markup")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds one parse may take before it is stopped")
    ap.add_argument("--reading", help="another qa/reading.py to time instead of the installed one")
    args = ap.parse_args(argv)
    rows, record = parse_section(args.sizes, args.timeout, args.reading)
    report("hostile", rows, {"parse": record, "reading": args.reading or "qa/reading.py"})


if __name__ == "__main__":
    main()
