"""The trained extractive reader: a span head on MiniLM, and ``extract`` over a passage you give.

A question and a passage go in as ``[CLS] question [SEP] passage window [SEP]``; the model gives
every token a start and an end logit. The answer is the best span of passage tokens (its score is
start logit + end logit, unnormalized, so scores of different passages compare: BERTserini); the
``[CLS]`` token's start+end is the *no-answer* score (SQuAD 2.0). Tokens keep their character
offsets, so a span maps back to the exact characters of the passage.

The weights (``qa/models/reader/``, fp16 safetensors) were trained by ``python -m qa train-reader``
(``qa/training.py``) on the tune half of SQuAD; see the model card there. torch and transformers
are imported when the reader is first used, never by ``import qa``.
"""

from __future__ import annotations

import json
import os
import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .datatypes import Answer, Document
from .embedding import model_path
from .errors import QAError, ReaderError
from .text import content_words, sentence_spans, wordpiece_tokenizer

MODEL_DIR = Path(__file__).resolve().parent / "models" / "reader"
WEIGHTS = "model.safetensors"


# --- tokens and windows ---------------------------------------------------------------------------
def tokenizer(folder: str | None = None):
    """The uncased WordPiece tokenizer of MiniLM (the reader's own copy if its folder has one)."""
    path = (Path(folder) if folder else MODEL_DIR) / "tokenizer.json"
    return wordpiece_tokenizer(str(path) if path.exists() else None)


@dataclass(frozen=True)
class Window:
    """One model input: ``[CLS] question [SEP] context[tok_start:tok_end] [SEP]``.

    ``offsets[i]`` are the character offsets in the context of the i-th context token of the window;
    context tokens sit at sequence positions ``ctx_pos .. ctx_pos + len(offsets) - 1``.
    """

    input_ids: tuple[int, ...]
    ctx_pos: int
    offsets: tuple[tuple[int, int], ...]
    tok_start: int  # index of the window's first token among the context's tokens


CLS, SEP = 101, 102  # the ids in MiniLM's (BERT uncased) vocabulary


def encode_text(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Word-piece ids and character offsets of ``text``, without special tokens."""
    enc = tokenizer().encode(text, add_special_tokens=False)
    return list(enc.ids), list(enc.offsets)


def windows(question_ids: list[int], ctx_ids: list[int], ctx_offsets: list[tuple[int, int]],
            max_len: int = 256, stride: int = 64, max_query: int = 64) -> list[Window]:
    """Overlapping windows over the context so that every token is seen; ``stride`` tokens overlap.

    >>> [w.tok_start for w in windows([7, 8], list(range(10)), [(i, i + 1) for i in range(10)], max_len=13, stride=2)]
    [0, 6]
    """
    q = question_ids[:max_query]
    budget = max_len - len(q) - 3
    if budget < 8:
        raise ValueError(f"max_len {max_len} leaves no room for the passage after a {len(q)}-token question")
    step = max(1, budget - min(stride, budget - 1))
    out = []
    start = 0
    while True:
        end = min(len(ctx_ids), start + budget)
        ids = (CLS, *q, SEP, *ctx_ids[start:end], SEP)
        out.append(Window(ids, len(q) + 2, tuple(ctx_offsets[start:end]), start))
        if end >= len(ctx_ids):
            return out
        start += step


def char_to_tokens(offsets: Sequence[tuple[int, int]], char_start: int, char_end: int) -> tuple[int, int] | None:
    """Indices (first, last) of the tokens covering characters ``[char_start, char_end)``.

    >>> char_to_tokens([(0, 5), (6, 11), (12, 15)], 6, 15)
    (1, 2)
    """
    first = next((i for i, (_a, b) in enumerate(offsets) if b > char_start), None)
    last = next((i for i in range(len(offsets) - 1, -1, -1) if offsets[i][0] < char_end), None)
    if first is None or last is None or last < first:
        return None
    return first, last


def token_span(w: Window, first: int, last: int) -> tuple[int, int] | None:
    """Sequence positions of context tokens ``first..last`` in ``w``; None unless all are inside."""
    if w.tok_start <= first and last < w.tok_start + len(w.offsets):
        return w.ctx_pos + first - w.tok_start, w.ctx_pos + last - w.tok_start
    return None


def pad(batch: list[Window]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(input_ids, attention_mask, token_type_ids) padded to the longest window of the batch."""
    n = max(len(w.input_ids) for w in batch)
    ids = np.zeros((len(batch), n), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, w in enumerate(batch):
        ids[i, : len(w.input_ids)] = w.input_ids
        mask[i, : len(w.input_ids)] = 1
        types[i, w.ctx_pos : len(w.input_ids)] = 1
    return ids, mask, types


# --- the model ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _model_class():
    import torch
    from torch import nn

    class SpanReader(nn.Module):
        """MiniLM (BERT) encoder and a linear head giving each token a start and an end logit."""

        def __init__(self, config, encoder=None) -> None:
            super().__init__()
            from transformers import BertModel

            self.config = config
            self.bert = encoder if encoder is not None else BertModel(config, add_pooling_layer=False)
            self.qa_outputs = nn.Linear(config.hidden_size, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            logits = self.qa_outputs(h)
            start, end = logits[..., 0], logits[..., 1]
            # only the [CLS] (no answer) and passage tokens can hold an answer boundary
            allowed = token_type_ids.bool() & attention_mask.bool()
            allowed[:, 0] = True
            allowed = allowed & ~((input_ids == SEP) & (token_type_ids == 1))
            neg = torch.finfo(start.dtype).min / 4
            return start.masked_fill(~allowed, neg), end.masked_fill(~allowed, neg)

    return SpanReader


def new_model(base: str | Path | None = None):
    """A reader whose encoder starts from the bundled all-MiniLM-L6-v2 and whose head is new."""
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    enc = BertModel.from_pretrained(str(base or model_path()), add_pooling_layer=False, local_files_only=True)
    return _model_class()(enc.config, encoder=enc)


def save(model, folder: str | Path, meta: dict | None = None) -> Path:
    """Write the weights as fp16 safetensors with the encoder's config and the tokenizer."""
    import shutil

    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items()}
    tmp = folder / (WEIGHTS + ".tmp")
    save_file(state, str(tmp), metadata={"format": "pt"})
    os.replace(tmp, folder / WEIGHTS)
    model.config.to_json_file(str(folder / "config.json"))
    shutil.copyfile(model_path() / "tokenizer.json", folder / "tokenizer.json")
    if meta is not None:
        (folder / "training.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return folder


PRECISIONS = ("auto", "int8", "bf16", "fp32")
ONNX_INT8 = "model.int8.onnx"  # the same weights, int8 per-channel, for ONNX Runtime (``export_int8``)
THREADS = max(1, min(4, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def load(folder: str | Path | None = None, precision: str = "auto"):
    """The trained reader from ``folder`` (default: the weights shipped in the package), ready to run.

    ``precision``: "int8" runs ``model.int8.onnx`` (the weights quantized per channel, made by
    ``export_int8``) in ONNX Runtime: about 2x faster than fp32 on a CPU, 0.6 F1 lower on held-out
    SQuAD tune questions; "bf16" runs the torch model in bfloat16 (fast only on a CPU with bf16
    instructions); "fp32" as trained. "auto": int8 when the folder has the ONNX file and
    onnxruntime is installed, else bf16 where the CPU has bf16 instructions, else fp32.
    """
    if precision not in PRECISIONS:
        raise ReaderError(f"unknown reader precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    folder = Path(folder) if folder else MODEL_DIR
    if precision == "int8" or (precision == "auto" and (folder / ONNX_INT8).exists() and _has_onnxruntime()):
        return _OnnxReader(folder / ONNX_INT8)
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig

    if not (folder / WEIGHTS).exists() or not (folder / "config.json").exists():
        raise ReaderError(f"no reader weights in {folder}/: train them with `python -m qa train-reader` "
                          "or reinstall the package")
    config = BertConfig.from_json_file(str(folder / "config.json"))
    model = _model_class()(config)
    try:
        state = load_file(str(folder / WEIGHTS))
        model.load_state_dict({k: v.float() for k, v in state.items()})
    except Exception as e:  # safetensors raises its own types for a damaged file
        raise ReaderError(f"the reader weights in {folder}/ cannot be read ({e}): reinstall the package "
                          "or retrain with `python -m qa train-reader`") from e
    model.eval()
    if precision == "bf16" or (precision == "auto" and cpu_has_bf16()):
        model = model.to(torch.bfloat16)
    return model


def _has_onnxruntime() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class _OnnxReader:
    """The reader as an ONNX Runtime session: ``(input_ids, attention_mask, token_type_ids)`` -> start, end."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ReaderError(f"no {path.name} in {path.parent}/: make it with `python -m qa export-reader` "
                              "or use precision='fp32'")
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise ReaderError("int8 reading needs onnxruntime: pip install onnxruntime") from e
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = THREADS
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own types for a damaged file
            raise ReaderError(f"the reader weights {path} cannot be read ({str(e)[:200]}): reinstall the package "
                              "or remake them with `python -m qa export-reader`") from e

    def __call__(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return start, end


def prune_graph(model) -> int:
    """Drop work from an exported ONNX graph (an ``onnx.ModelProto``, edited in place) that cannot change its
    outputs; the number of nodes removed. Needs ``onnx``.

    * ``Where(IsNaN(x), 0, x)`` is ``x``: torch's attention export guards every softmax against a row whose
      keys are all masked, and the reader's windows always attend to ``[CLS]``. The guard is ~20% of the
      int8 reader's time (one elementwise pass over batch x heads x tokens x tokens, per layer).
    * ``Where`` nodes with the same condition and the same constant branches (each layer turns the same
      attention mask into the same additive bias) are computed once.
    * nodes no output depends on any more.
    """
    from onnx import numpy_helper

    g = model.graph
    before = len(g.node)
    made_by = {o: n for n in g.node for o in n.output}
    # constant tensors by name, made arrays only when a Where reads them (the initializers hold every weight)
    tensors = {i.name: i for i in g.initializer}
    tensors.update({n.output[0]: n.attribute[0].t for n in g.node
                    if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value"})

    def const(name: str):
        t = tensors.get(name)
        return None if t is None else numpy_helper.to_array(t)

    def const_key(name: str):
        a = const(name)
        return None if a is None else (str(a.dtype), a.shape, a.tobytes())

    rename: dict[str, str] = {}
    first: dict[tuple, str] = {}
    for n in g.node:
        if n.op_type != "Where":
            continue
        cond = made_by.get(n.input[0])
        zero = const(n.input[1])
        if (cond is not None and cond.op_type == "IsNaN" and cond.input[0] == n.input[2]
                and zero is not None and not np.any(zero)):
            rename[n.output[0]] = n.input[2]
            continue
        a, b = const_key(n.input[1]), const_key(n.input[2])
        if a is not None and b is not None:
            key = (n.input[0], a, b)
            if key in first:
                rename[n.output[0]] = first[key]
            else:
                first[key] = n.output[0]
    for o in g.output:  # a node making a graph output stays
        rename.pop(o.name, None)
    for n in g.node:
        for k, name in enumerate(n.input):
            while name in rename:
                name = rename[name]
            n.input[k] = name
    nodes = list(g.node)
    while True:
        needed = {o.name for o in g.output} | {i for n in nodes for i in n.input}
        live = [n for n in nodes if any(o in needed for o in n.output)]
        if len(live) == len(nodes):
            break
        nodes = live
    del g.node[:]
    g.node.extend(nodes)
    return before - len(nodes)


def export_int8(folder: str | Path | None = None) -> Path:
    """Write ``model.int8.onnx`` beside the weights in ``folder``: the fp32 model exported to ONNX, its
    matrix weights quantized to int8 per output channel (dynamic activations), pruned of work that cannot
    change its outputs (``prune_graph``). Needs ``onnx``."""
    import shutil
    import tempfile

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = Path(folder) if folder else MODEL_DIR
    model = load(folder, "fp32")
    ids = torch.full((2, 32), 1000, dtype=torch.int64)
    ids[:, 0] = CLS
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "model.onnx"
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(plain), input_names=names,
                          output_names=["start", "end"], opset_version=17, dynamo=False,
                          dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "start", "end"]})
        quantized = Path(tmp) / ONNX_INT8
        quantize_dynamic(str(plain), str(quantized), weight_type=QuantType.QInt8, per_channel=True)
        graph = onnx.load(str(quantized))
        prune_graph(graph)  # the same outputs, ~20% faster
        onnx.save(graph, str(quantized))
        tmp_target = folder / (ONNX_INT8 + ".tmp")
        shutil.copyfile(quantized, tmp_target)
        os.replace(tmp_target, folder / ONNX_INT8)
    return folder / ONNX_INT8


# --- reading --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    """The best answer the reader finds in one context: character offsets into that context.

    ``score`` is start logit + end logit (comparable across contexts read with the same question);
    ``null`` the no-answer score (the [CLS] token's start + end, lowest over the context's windows).
    """

    start: int
    end: int
    text: str
    score: float
    null: float

    @property
    def margin(self) -> float:
        """How much the span beats "no answer here" (a feature of the answerer's calibration)."""
        return self.score - self.null


def _best_spans(start: np.ndarray, end: np.ndarray, first: int, n: int, max_tokens: int, last: Sequence[int],
                top: int = 20) -> list[tuple[float, int, int]]:
    """``(score, i, j)`` of the best spans with context positions first <= i <= j < first + n.

    ``last[i]`` is the last context token a span starting at token ``i`` may end on (the end of its
    sentence); each of the ``top`` best starts also gets its best end within that limit, so that a start
    whose best end lies past its sentence is not lost.
    """
    s = start[first : first + n]
    e = end[first : first + n]
    si = np.argsort(-s)[:top]
    ei = np.argsort(-e)[:top]
    lim = [min(i + max_tokens - 1, last[i]) for i in range(n)]
    found = {(int(i), int(j)) for i in si for j in ei if i <= j <= lim[i]}
    found |= {(int(i), int(i + np.argmax(e[i : lim[i] + 1]))) for i in si}
    return sorted(((float(s[i] + e[j]), i, j) for i, j in found), reverse=True)


def sentence_limits(offsets: Sequence[tuple[int, int]], ends: Sequence[int]) -> list[int]:
    """For each token (character ``offsets``), the index of the last token of its sentence (``ends``:
    the sentences' end offsets, ascending).

    >>> sentence_limits([(0, 3), (4, 9), (11, 14), (15, 18)], [10, 19])
    [1, 1, 3, 3]
    """
    sent = [bisect_right(ends, a) for a, _b in offsets]
    out = list(range(len(offsets)))
    for t in range(len(offsets) - 2, -1, -1):
        if sent[t] == sent[t + 1]:
            out[t] = out[t + 1]
    return out


_models: dict[str, object] = {}
_model_lock = threading.Lock()


def _shared_model(folder: Path, precision: str = "auto"):
    """One loaded reader per weights folder and precision per process."""
    key = f"{folder.resolve()}:{precision}"
    with _model_lock:
        if key not in _models:
            _models[key] = load(folder, precision)
        return _models[key]


class Reader:
    """Reads passages for the answer to a question. Cheap to create; the model loads on first use.

    Args:
        folder: weights folder (default: the ones shipped in ``qa/models/reader``).
        max_len: word pieces a window holds, question included. A longer passage is read in
            overlapping windows (each ~15 ms more on 2 CPU cores).
        stride: tokens two windows of a passage share.
        max_answer_tokens: the longest answer it will give, in word pieces.
        precision: "auto" (int8 in ONNX Runtime when shipped, else bf16 where the CPU has bf16
            instructions, else fp32), "int8", "bf16" or "fp32" (see ``load``).

    >>> r = Reader()
    >>> r.read("Who led the expedition?", ["The 1911 expedition was led by Roald Amundsen."])[0].text
    'Roald Amundsen'
    """

    def __init__(self, folder: str | Path | None = None, *, max_len: int = 256, stride: int = 64,
                 max_answer_tokens: int = 30, precision: str = "auto") -> None:
        self.folder = Path(folder) if folder else MODEL_DIR
        self.precision = precision
        self.max_len = max_len
        self.stride = stride
        self.max_answer_tokens = max_answer_tokens

    def tuned(self) -> dict:
        """Settings tuned with the weights (``reader.json``: the answerer's calibrations), or {}."""
        p = self.folder / "reader.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}

    def warm_up(self):
        return _shared_model(self.folder, self.precision)

    def logits(self, wins: list[Window]) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits of every window, in one forward pass (padded to the longest)."""
        model = self.warm_up()
        if isinstance(model, _OnnxReader):
            return model(*pad(wins))
        import torch

        ids, mask, types = (torch.from_numpy(a) for a in pad(wins))
        # the query embedder leaves torch on one thread; reading a batch of windows gains from every core
        torch.set_num_threads(THREADS)
        with torch.inference_mode():
            start, end = model(ids, mask, types)
        return start.float().numpy(), end.float().numpy()

    def read(self, question: str, contexts: list[str]) -> list[Span]:
        """The best span of each context (``Span.text == context[start:end]``), in one batch."""
        return self.read_pairs([(question, c) for c in contexts])

    def read_pairs(self, pairs: list[tuple[str, str]], batch_size: int = 64) -> list[Span]:
        """The best span for each ``(question, context)`` pair; windows go through in batches."""
        return [self.best_span(q, c, read) for (q, c), read in zip(pairs, self.run(pairs, batch_size), strict=True)]

    def run(self, pairs: list[tuple[str, str]], batch_size: int = 64) -> list[list[Read]]:
        """Start and end logits of every window of every ``(question, context)`` pair (batched, the
        shortest windows together so that little is padding)."""
        q_cache: dict[str, list[int]] = {}
        wins: list[Window] = []
        owner: list[int] = []
        for n, (q, c) in enumerate(pairs):
            if q not in q_cache:
                q_cache[q] = encode_text(q)[0]
            ids, offs = encode_text(c)
            for w in windows(q_cache[q], ids, offs, max_len=self.max_len, stride=self.stride):
                wins.append(w)
                owner.append(n)
        out: list[list[Read]] = [[] for _ in pairs]
        order = sorted(range(len(wins)), key=lambda k: len(wins[k].input_ids))
        for lo in range(0, len(order), batch_size):
            ks = order[lo : lo + batch_size]
            start, end = self.logits([wins[k] for k in ks])
            for row, k in enumerate(ks):
                n = len(wins[k].input_ids)
                out[owner[k]].append(Read(wins[k], start[row, :n], end[row, :n]))
        for reads in out:
            reads.sort(key=lambda r: r.window.tok_start)
        return out

    def best_span(self, question: str, context: str, reads: list[Read]) -> Span:
        """The best span of one context from its windows' logits (``Span.text`` empty if there is none).

        A span made only of the question's own words ("Who did Smith meet?" -> "Smith") is passed
        over for the next best: it cannot be what the question asks for.
        """
        spans = self._pick(content_words(question), context, reads, 1)
        return spans[0] if spans else Span(0, 0, "", float("-inf"), self.null_score(reads))

    def top_spans(self, question: str, contexts: list[str], k: int = 3,
                  extra: Sequence[Sequence[tuple[int, int]]] | None = None) -> list[list[Span]]:
        """Each context's ``k`` best spans that do not overlap one another, best first, in one batch.

        A span made only of the question's own words is passed over, as in ``best_span``. ``extra``: for
        each context, character ranges to score too (``span_score``) and add after them unless one of them
        already is that span (spans a rule proposes, e.g. the reason clauses of a why-question's passage).
        """
        asked = content_words(question)
        reads = self.run([(question, c) for c in contexts])
        out = [self._pick(asked, c, r, k) for c, r in zip(contexts, reads, strict=True)]
        for spans, c, r, ranges in zip(out, contexts, reads, extra or [], strict=False):
            null = self.null_score(r)
            for a, b in ranges:
                score = self.span_score(r, a, b)
                if score is not None and not any((a, b) == (x.start, x.end) for x in spans):
                    spans.append(Span(a, b, c[a:b], score, null))
        return out

    def _pick(self, asked: frozenset[str], context: str, reads: list[Read], k: int) -> list[Span]:
        """The ``k`` best non-overlapping spans of one context that are not made of ``asked`` words only
        and stay inside one sentence (an answer never runs on into the next sentence: "13.7 pct by
        Friday. It now holds 14.99" is two figures, each of its own sentence)."""
        null = self.null_score(reads)
        ends = [b for _a, b in sentence_spans(context)]
        found = sorted(((score, r.window.offsets[i][0], r.window.offsets[j][1]) for r in reads
                        for score, i, j in _best_spans(r.start, r.end, r.window.ctx_pos, len(r.window.offsets),
                                                       self.max_answer_tokens,
                                                       sentence_limits(r.window.offsets, ends))),
                       key=lambda x: -x[0])
        spans: list[Span] = []
        for score, a, b in found:
            if len(spans) >= k:
                break
            if any(a < s.end and s.start < b for s in spans) or content_words(context[a:b]) <= asked:
                continue
            spans.append(Span(a, b, context[a:b], score, null))
        return spans

    @staticmethod
    def null_score(reads: list[Read]) -> float:
        """A context's "no answer" score: its windows' [CLS] start + end, the lowest of them."""
        return min((float(r.start[0] + r.end[0]) for r in reads), default=float("inf"))

    @staticmethod
    def span_score(reads: list[Read], start: int, end: int) -> float | None:
        """The reader's score (start + end logit) for characters ``[start, end)`` of the context, best
        over the windows that hold the whole span; None if no window does."""
        best = None
        for r in reads:
            toks = char_to_tokens(r.window.offsets, start, end)
            if toks is None:
                continue
            i, j = toks
            if r.window.offsets[0][0] > start or r.window.offsets[-1][1] < end:
                continue
            sc = float(r.start[r.window.ctx_pos + i] + r.end[r.window.ctx_pos + j])
            best = sc if best is None else max(best, sc)
        return best


@dataclass(frozen=True)
class Read:
    """One window of a context and the reader's start and end logits for its positions."""

    window: Window
    start: np.ndarray
    end: np.ndarray



def extract(question: str, context: str, *, reader: Reader | None = None) -> Answer:
    """The answer to ``question`` in ``context`` (a passage you give), or a decline.

    The same reading and calibrated decision as ``qa.ask`` (``qa.answering``), over this one passage:
    ``context[start:end]`` is the answer (``text`` with its whitespace collapsed); ``score`` the
    probability it is right; ``abstained`` is True (and ``text`` empty) below the tuned threshold.

    >>> import qa
    >>> a = qa.extract("Who is Norway's foreign minister?",
    ...                "Norwegian Foreign Minister Espen Barth Eide met his Danish counterpart in Oslo.")
    >>> a.text, a.start, a.abstained
    ('Espen Barth Eide', 27, False)
    """
    from .answering import ReadingWindow, assemble
    from .question import analyse, validate

    q = analyse(validate(question))
    if not isinstance(context, str) or not context.strip():
        raise QAError("the context is empty: pass the passage to read as text")
    answerer = _extract_answerer(reader)
    doc = Document(source="<context>", text=context)
    ranked = answerer.candidates(q, [ReadingWindow(doc.source, 0, len(context), 0)], {doc.source: doc})
    ans = assemble(q, ranked, {doc.source: doc}, threshold=answerer.threshold,
                   decline_message="the passage does not seem to answer the question")
    return ans


_extract_answerers: dict[Reader | None, object] = {}


def _extract_answerer(reader: Reader | None):
    """The answerer ``extract`` uses for ``reader`` (the calibration for single passages, if shipped)."""
    from .answering import Calibration, ReaderAnswerer

    if reader not in _extract_answerers:  # keyed by the reader itself (kept alive here), None for the default
        r = reader or Reader()
        tuned = r.tuned()
        cal = Calibration.from_dict(tuned["extract"]) if "extract" in tuned else None
        _extract_answerers[reader] = ReaderAnswerer(r, calibration=cal)
    return _extract_answerers[reader]
