"""Shared fixtures: the real model, loaded once per session; the seed corpus indexed once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import qa
from qa.embedding import MiniLMEmbedder
from tests.milvus_server import milvus_server  # noqa: F401  (one server per test session)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
DEV = SHARED / "eval" / "dev.jsonl"


@pytest.fixture(scope="session", autouse=True)
def query_encoder_cache(tmp_path_factory) -> Path:
    """The ONNX query encoder is exported into this session's temp folder (and read from there by the CLI
    and app subprocesses), never into the user's cache."""
    d = tmp_path_factory.mktemp("qa-cache")
    os.environ["QA_CACHE_DIR"] = str(d)
    return d


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    e = MiniLMEmbedder()
    e.warm_up()
    return e


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("seeds")
    for p in SEEDS.iterdir():
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="session")
def seed_bot(seed_dir, tmp_path_factory, embedder) -> qa.QA:
    bot = qa.QA(corpus=seed_dir, index_dir=tmp_path_factory.mktemp("seed-index"), embedder=embedder,
                show_progress=False)
    bot.warm_up()
    return bot


def write_corpus(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return folder


STRIKE_A = ("Strike hits market in Idlib\ndate 2024-12-03\nAn air strike hit a crowded market in the town of "
            "Sarmin on Tuesday. Twelve people were killed in the strike, local medics said. Rescue teams "
            "searched the rubble for hours.\n")
STRIKE_B = ("# Market strike toll rises\nDecember 4, 2024\n\nThe death toll from the air strike on the Sarmin "
            "market has risen. At least 15 people were killed in the strike, according to the civil defence. "
            "The market had reopened a week earlier.\n")
WEATHER = ("<html><head><title>Weather report</title></head><body><p>Heavy rain is expected across the "
           "coast on Friday &amp; Saturday.</p><script>alert(1)</script></body></html>")


@pytest.fixture()
def tiny_corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus", {"a.txt": STRIKE_A, "b.md": STRIKE_B, "c.html": WEATHER})
