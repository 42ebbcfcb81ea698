"""One settings object with defaults, read once from the environment, never mutated."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import QAError

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_dir(env: str, name: str) -> Path:
    """``$env`` if set, else ``./name`` when it exists, else ``name`` beside the package."""
    if os.environ.get(env):
        return Path(os.environ[env])
    here = Path.cwd() / name
    return here if here.exists() else _REPO_ROOT / name


@dataclass(frozen=True)
class Settings:
    """Everything tunable, with the defaults the product ships with.

    Chunk sizes are tiktoken (cl100k) tokens. ``max_wordpieces`` is the embedder's window
    (all-MiniLM-L6-v2 silently cuts input beyond 256 word pieces, [CLS]/[SEP] included).
    """

    corpus: Path = Path("seeds")
    index_dir: Path = Path("index")
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 40
    max_wordpieces: int = 256
    top_k: int = 10  # passages handed to the answerer
    max_top_k: int = 100  # the most an ask may request (fusion of 2 x 40 candidates yields at most 80)
    candidates: int = 40  # per retriever, before fusion
    dense_weight: float = 0.5  # hybrid search: dense vs BM25 scores (qa.retrieval.fuse)
    max_question_chars: int = 1000  # also the most characters read of each history question or answer
    max_history_turns: int = 10  # follow-ups are resolved against the last turns only
    reader_dir: Path | None = None  # the reader's weights folder; None: the ones shipped in the package
    # where chunks and vectors live (qa.store): None is the FAISS index in index_dir; a milvus: URI a Milvus store.
    # A FAISS URI given here becomes index_dir, so this holds only Milvus URIs.
    store: str | None = None
    # a store that holds the articles (Milvus): the answerer's term weights come from this many stored chunks
    # (all of them below it, so answers match the FAISS store's; a bounded sample keeps memory flat above it)
    idf_sample_chunks: int = 20_000
    show_progress: bool = True

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Defaults, then ``QA_*`` environment variables, then explicit overrides."""
        s = cls(corpus=_default_dir("QA_CORPUS", "seeds"), index_dir=_default_dir("QA_INDEX", "index"))
        env_ints = {"top_k": "QA_TOP_K", "chunk_tokens": "QA_CHUNK_TOKENS"}
        for name, var in env_ints.items():
            if os.environ.get(var):
                s = replace(s, **{name: _env_int(var)})
        if os.environ.get("QA_READER"):
            s = replace(s, reader_dir=Path(os.environ["QA_READER"]))
        if os.environ.get("QA_STORE"):
            s = replace(s, store=os.environ["QA_STORE"])
        overrides = {k: v for k, v in overrides.items() if v is not None}
        for k in ("corpus", "index_dir", "reader_dir"):
            if k in overrides:
                overrides[k] = Path(overrides[k])
        s = replace(s, **overrides)
        if s.store is not None:  # checked here, so a bad QA_STORE or --store is one line before anything runs
            from .store import parse_store_uri  # the store module imports these settings

            uri = parse_store_uri(s.store)
            if uri.kind == "faiss":
                s = replace(s, store=None, index_dir=uri.path)
        return s


def _env_int(var: str) -> int:
    """``$var`` as a positive whole number, or a ``QAError`` that names the variable."""
    raw = os.environ[var]
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise QAError(f"{var}={raw[:40]!r} is not a positive whole number: fix or unset it")
    return value
