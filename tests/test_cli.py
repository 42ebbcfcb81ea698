"""The command line, run as a user runs it: a subprocess, exit codes, one readable line on error."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import DEV, ROOT


def run(*args, cwd=ROOT, timeout=300):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_index_then_ask_json(tiny_corpus, tmp_path):
    idx = tmp_path / "idx"
    r = run("index", "--corpus", str(tiny_corpus), "--index", str(idx), "-q")
    assert r.returncode == 0, r.stderr
    assert "3 articles" in r.stdout and "rebuilt" in r.stdout
    r = run("ask", "--corpus", str(tiny_corpus), "--index", str(idx), "--json", "-q",
            "How many people were killed in the strike on the market?")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert not d["abstained"] and d["citations"] and d["alternatives"]
    assert {d["citations"][0]["source"], d["alternatives"][0]["citations"][0]["source"]} == {"a.txt", "b.md"}


def test_errors_are_one_line_and_nonzero(tmp_path):
    r = run("ask", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "idx"), "Who?")
    assert r.returncode == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: corpus folder") and "--corpus" in lines[0]
    r = run("ask", "--corpus", str(tmp_path / "nope"), "   ")
    assert r.returncode == 2 and r.stderr.strip().startswith("error: the question is empty")
    assert not (tmp_path / "idx").exists()


def test_eval_prints_misses_and_a_summary(tmp_path):
    if not DEV.exists():
        return
    r = run("eval", str(DEV), "--index", str(tmp_path / "idx"), "-q")
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("accuracy ") and "declines" in last and "citations" in last and "latency p50" in last
