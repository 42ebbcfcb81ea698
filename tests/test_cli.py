"""The command line, run as a user runs it: a subprocess, exit codes, one readable line on error."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import pytest

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


def _read_only(folder):
    """A command prefix that runs with ``folder`` read-only (a read-only bind mount when run as root,
    whom permission bits do not stop), or None when this machine cannot do that."""
    if os.geteuid() != 0:
        for p in [folder, *folder.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        return []
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    return ["unshare", "-rm", "sh", "-c", f'mount --bind "{folder}" "{folder}" && '
            f'mount -o remount,bind,ro "{folder}" && exec "$@"', "sh"]


def test_read_only_index_answers_when_up_to_date_and_explains_when_not(tiny_corpus, tmp_path):
    idx = tmp_path / "idx"
    assert run("index", "--corpus", str(tiny_corpus), "--index", str(idx), "-q").returncode == 0
    prefix = _read_only(idx)
    if prefix is None:
        pytest.skip("cannot make a read-only folder here")
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        ask = [*prefix, sys.executable, "-m", "qa", "ask", "--corpus", str(tiny_corpus), "--index", str(idx), "-q"]
        script = (f"{' '.join(map(shlex.quote, ask))} 'Where did the air strike hit a market?'; "
                  f"echo 'Floods in Latakia. Floodwaters cut the coastal highway.' > {tiny_corpus / 'd.txt'}; "
                  f"{' '.join(map(shlex.quote, ask))} 'Where did the air strike hit a market?'")
        r = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert "Sarmin" in r.stdout, r.stderr
        lines = [x for x in r.stderr.splitlines() if x.strip() and not x.startswith("warning:")]
        assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
        assert "not writable" in lines[0] and "1 article added" in lines[0] and "--index" in lines[0]
    finally:
        for p in [idx, *idx.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)


def test_bad_input_is_one_line_not_a_traceback(tmp_path, tiny_corpus):
    idx = tmp_path / "idx"
    base = ["ask", "--corpus", str(tiny_corpus), "--index", str(idx), "-q"]
    r = run(*base, "--top-k", "0", "Who was killed?")
    assert r.returncode == 2 and r.stderr.strip() == \
        "error: top_k must be a whole number between 1 and 100 (passages to consider), not 0"
    # bytes that are not UTF-8 reach Python as lone surrogates
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "qa", *base, b"Who was \xff killed?"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip().startswith("error: the question contains characters that are not valid text")
    assert not idx.exists()
