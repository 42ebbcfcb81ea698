"""The trained extractive reader: a span head on MiniLM, and the answerer built on it.

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
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .datatypes import Answer, Citation, Document, Passage
from .embedding import model_path
from .errors import QAError

MODEL_DIR = Path(__file__).resolve().parent / "models" / "reader"
WEIGHTS = "model.safetensors"


class ReaderError(QAError):
    """The reader's weights are missing or damaged."""


# --- tokens and windows ---------------------------------------------------------------------------
@lru_cache(maxsize=4)
def tokenizer(folder: str | None = None):
    """The uncased WordPiece tokenizer (``tokenizers`` fast tokenizer) of MiniLM, without specials."""
    from tokenizers import Tokenizer

    folder = Path(folder) if folder else MODEL_DIR
    path = folder / "tokenizer.json"
    if not path.exists():
        path = model_path() / "tokenizer.json"
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


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


PRECISIONS = ("auto", "bf16", "fp32")


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def load(folder: str | Path | None = None, precision: str = "auto"):
    """The trained reader from ``folder`` (default: the weights shipped in the package), in eval mode.

    ``precision``: "bf16" runs the model in bfloat16 (2.4x faster than fp32 on a CPU with bf16
    instructions, same SQuAD F1 within 0.5 point on held-out tune articles); "fp32" as trained;
    "auto" picks bf16 where the CPU multiplies it natively, else fp32. (Dynamic int8 quantization was
    measured too: 2x faster but 7 F1 points worse, so it is not offered.)
    """
    if precision not in PRECISIONS:
        raise ReaderError(f"unknown reader precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig

    folder = Path(folder) if folder else MODEL_DIR
    if not (folder / WEIGHTS).exists() or not (folder / "config.json").exists():
        raise ReaderError(f"no reader weights in {folder}/: train them with `python -m qa train-reader` "
                          "or use the rule-based answerer (QA_ANSWERER=rules)")
    config = BertConfig.from_json_file(str(folder / "config.json"))
    model = _model_class()(config)
    try:
        state = load_file(str(folder / WEIGHTS))
        model.load_state_dict({k: v.float() for k, v in state.items()})
    except Exception as e:  # safetensors raises its own types for a damaged file
        raise ReaderError(f"the reader weights in {folder}/ cannot be read ({e}): reinstall the package "
                          "or retrain with `python -m qa train-reader`") from e
    model.eval()
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    if precision == "bf16" or (precision == "auto" and cpu_has_bf16()):
        model = model.to(torch.bfloat16)
    return model


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
        """How much the span beats "no answer here" (below the reader's threshold it declines)."""
        return self.score - self.null


def _best_spans(start: np.ndarray, end: np.ndarray, first: int, n: int, max_tokens: int,
                top: int = 20) -> list[tuple[float, int, int]]:
    """``(score, i, j)`` of the best spans with context positions first <= i <= j < first + n."""
    s = start[first : first + n]
    e = end[first : first + n]
    si = np.argsort(-s)[:top]
    ei = np.argsort(-e)[:top]
    out = [(float(s[i] + e[j]), int(i), int(j)) for i in si for j in ei if i <= j < i + max_tokens]
    out.sort(reverse=True)
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
        threshold: margin (span score minus no-answer score) below which it declines; the shipped
            value comes from the model folder's ``reader.json`` (tuned on the SQuAD tune half).
        precision: "auto" (bf16 where the CPU has bf16 instructions, else fp32), "bf16" or "fp32".

    >>> r = Reader()
    >>> r.read("Who led the expedition?", ["The 1911 expedition was led by Roald Amundsen."])[0].text
    'Roald Amundsen'
    """

    def __init__(self, folder: str | Path | None = None, *, max_len: int = 256, stride: int = 64,
                 max_answer_tokens: int = 30, threshold: float | None = None, precision: str = "auto") -> None:
        self.folder = Path(folder) if folder else MODEL_DIR
        self.precision = precision
        self.max_len = max_len
        self.stride = stride
        self.max_answer_tokens = max_answer_tokens
        tuned = self.tuned()
        self.threshold = float(tuned.get("threshold", 0.0)) if threshold is None else threshold

    def tuned(self) -> dict:
        """Inference settings tuned with the weights (``reader.json``: threshold, mu), or {}."""
        p = self.folder / "reader.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}

    def warm_up(self):
        return _shared_model(self.folder, self.precision)

    def logits(self, wins: list[Window]) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits of every window, in one forward pass (padded to the longest)."""
        import torch

        model = self.warm_up()
        ids, mask, types = (torch.from_numpy(a) for a in pad(wins))
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
        """The best span of one context from its windows' logits.

        A span made only of the question's own words ("Who did Smith meet?" -> "Smith") is passed
        over for the next best: it cannot be what the question asks for.
        """
        asked = _words(question)
        null = self.null_score(reads)
        best: tuple[float, int, int] | None = None
        for r in reads:
            w = r.window
            for score, i, j in _best_spans(r.start, r.end, w.ctx_pos, len(w.offsets), self.max_answer_tokens):
                if best is not None and score <= best[0]:
                    break
                a, b = w.offsets[i][0], w.offsets[j][1]
                if _words(context[a:b]) <= asked:
                    continue
                best = (score, a, b)
                break
        if best is None:
            return Span(0, 0, "", float("-inf"), null)
        score, a, b = best
        return Span(a, b, context[a:b], score, null)

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


def _words(text: str) -> frozenset[str]:
    """Lowercased content words of ``text`` (to tell a span that only repeats the question)."""
    from .lexical import STOPWORDS

    return frozenset(w for w in re.findall(r"\w+", text.lower()) if w not in STOPWORDS)


_default_reader: Reader | None = None


def extract(question: str, context: str, *, reader: Reader | None = None) -> Answer:
    """The answer to ``question`` in ``context`` (a passage you give), or a decline.

    ``text == context[start:end]``; ``score`` is the reader's margin over "no answer" (higher is
    surer); ``abstained`` is True (and ``text`` empty) when the margin is below the threshold.

    >>> import qa
    >>> a = qa.extract("Who is Norway's foreign minister?",
    ...                "Norwegian Foreign Minister Espen Barth Eide met his Danish counterpart in Oslo.")
    >>> a.text, a.start, a.abstained
    ('Espen Barth Eide', 27, False)
    """
    from .question import analyse, validate

    global _default_reader
    q = validate(question)
    kind = analyse(q).kind
    if not isinstance(context, str) or not context.strip():
        raise QAError("the context is empty: pass the passage to read as text")
    if reader is None:
        if _default_reader is None:
            _default_reader = Reader()
        reader = _default_reader
    span = reader.read(q, [context])[0]
    margin = round(span.margin, 4) if span.text else 0.0  # no span at all: no finite score to give
    if not span.text or span.margin < reader.threshold:
        return Answer(question=q, text="", abstained=True, score=margin, kind=kind,
                      message="the passage does not seem to answer the question")
    a, b = _sentence_around(context, span.start, span.end)
    return Answer(question=q, text=span.text, abstained=False, score=margin, start=span.start, end=span.end,
                  quote=context[a:b], kind=kind)


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    from .sentences import split_sentences

    return tuple(split_sentences(text))


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence(s) of ``text`` holding ``text[start:end]``."""
    spans = [(a, b) for a, b in _sentences(text) if a < end and b > start]
    if not spans:
        return start, end
    return min(spans[0][0], start), max(spans[-1][1], end)


_NAME_WORD = r"[A-Z][\w’'\-]*"


def widen_name(text: str, start: int, end: int, stopwords=frozenset()) -> tuple[int, int]:
    """Widen ``text[start:end]`` to the whole run of capitalized words it is part of: a reader trained
    on SQuAD often gives a surname alone ("Tutu" of "Archbishop Desmond Tutu").

    >>> t = "Archbishop Desmond Tutu of Cape Town said so."
    >>> a, b = widen_name(t, 19, 23); t[a:b]
    'Archbishop Desmond Tutu'
    """
    if not text[start:end][:1].isupper():
        return start, end
    while True:
        m = re.search(rf"({_NAME_WORD}) $", text[max(0, start - 40) : start])
        if not m or m.group(1).lower() in stopwords:
            break
        start -= len(m.group(0))
    while True:
        m = re.match(rf" ({_NAME_WORD})", text[end : end + 40])
        if not m or m.group(1).lower() in stopwords:
            break
        end += len(m.group(0))
    return start, end


# --- the answerer ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    span: Span
    combined: float
    start: int  # document offsets
    end: int


@dataclass
class Reading:
    """What the reader made of the passages read for one question (kept for a second opinion)."""

    passages: list[Passage]
    reads: list[list[Read]]
    candidates: list[_Candidate]  # best combined score first

    def margin_of(self, source: str, start: int, end: int) -> float | None:
        """The reader's margin over "no answer" for the document span ``[start, end)`` of ``source``,
        best over the read passages that hold it; None when none does."""
        best = None
        for p, reads in zip(self.passages, self.reads, strict=True):
            if p.source != source or not (p.start <= start and end <= p.start + len(p.text)):
                continue
            sc = Reader.span_score(reads, start - p.start, end - p.start)
            if sc is None:
                continue
            m = sc - Reader.null_score(reads)
            best = m if best is None else max(best, m)
        return best


class ReaderAnswerer:
    """The ``Answerer`` built on the trained reader, with the rule-based answerer as a second opinion.

    The reader reads the top passages in one batch. Each passage's best span gets
    ``(1 - mu) * retrieval + mu * span score`` (BERTserini; the retrieval score is the passage's fused
    score over the best one's, in 0..1); the best of them is the reader's answer unless its margin
    over "no answer" is below the threshold.

    With ``rules`` (what ``qa.ask`` uses), the rule-based answerer checks it:

    * no sentence of the passages holds enough of the question's words: decline (the reader, trained
      on SQuAD where the paragraph is given, is weak at telling that a passage is off-topic);
    * the rules find a typed answer (a number, a date, a name) and the reader scores that span within
      ``defer`` of its own best: the rules' answer, which is trimmed to the type asked for;
    * else the reader's answer; if the reader declines, the rules' answer if the reader gives it a
      margin above ``threshold - defer``, else decline;
    * when the rules' answer lies outside the passages read (the rules look at more passages), the
      reader's answer if it is confident, else the rules' (unchecked).

    Other sources whose span is the same answer are cited with it; for numbers and dates, a different
    confident span from another source becomes an alternative.

    Args:
        reader: the ``Reader`` (default: the shipped weights).
        rules: a ``RuleAnswerer`` for the second opinion, or None for the reader alone.
        passages_read: how many of the retrieved passages are read (each ~20 ms on 2 CPU cores).
        mu: weight of the reader's span score against the retrieval score (tuned on SQuAD's tune half).
        threshold: decline below this margin (default: the tuned one).
        defer: how far (in reader score) the rules' answer may trail the reader's and still win.
    """

    name = "reader"

    def __init__(self, reader: Reader | None = None, *, rules=None, passages_read: int | None = None,
                 mu: float | None = None, threshold: float | None = None, defer: float | None = None,
                 alternatives: int = 3) -> None:
        self.reader = reader or Reader()
        tuned = self.reader.tuned()
        self.rules = rules
        self.passages_read = int(tuned.get("passages_read", 4)) if passages_read is None else passages_read
        self.mu = float(tuned.get("mu", 0.5)) if mu is None else mu
        self.threshold = self.reader.threshold if threshold is None else threshold
        self.defer = float(tuned.get("defer", 2.0)) if defer is None else defer
        self.max_alternatives = alternatives

    def warm_up(self):
        return self.reader.warm_up()

    @staticmethod
    def combine(retrieval: float, span_score: float, mu: float) -> float:
        """BERTserini's score: ``(1 - mu) * retrieval + mu * span_score``.

        >>> ReaderAnswerer.combine(1.0, 10.0, 0.5)
        5.5
        """
        return (1 - mu) * retrieval + mu * span_score

    def read(self, question: str, passages: list[Passage]) -> Reading:
        """Read the top passages: every one's best span, best combined score first."""
        top = passages[: self.passages_read]
        if not top:
            return Reading([], [], [])
        pairs = [(question, p.text) for p in top]
        reads = self.reader.run(pairs)
        spans = [self.reader.best_span(question, p.text, r) for p, r in zip(top, reads, strict=True)]
        best_r = max(p.score for p in top) or 1.0
        cands = [_Candidate(p, s, self.combine(p.score / best_r, s.score, self.mu), p.start + s.start, p.start + s.end)
                 for p, s in zip(top, spans, strict=True) if s.text]
        return Reading(top, reads, sorted(cands, key=lambda c: -c.combined))

    def answer(self, question, passages: list[Passage], docs: dict[str, Document]) -> Answer:
        q = question
        reading = self.read(q.text, passages)
        reading.candidates = [c for c in reading.candidates if c.passage.source in docs]
        if self.rules is None:
            return self._reader_answer(q, reading, passages, docs)
        supported, ranked = self.rules.rank(q, passages, docs)
        if not supported:
            return self.rules.decide(q, supported, ranked, passages, docs)
        return self.arbitrate(q, reading, ranked, lambda: self.rules.decide(q, supported, ranked, passages, docs),
                              lambda: self._reader_answer(q, reading, passages, docs), self.defer)

    def arbitrate(self, q, reading: Reading, ranked, rules_answer, reader_answer, defer: float) -> Answer:
        """The rules' or the reader's answer (each built on demand), as the class docstring says."""
        cands = [c for c in reading.candidates if c.span.text]
        reader_ok = bool(cands) and cands[0].span.margin >= self.threshold
        if not ranked:
            return reader_answer()
        top = ranked[0]
        m = reading.margin_of(top.source, top.start, top.end)
        if m is None:  # the rules' answer lies outside the passages read
            return reader_answer() if reader_ok else rules_answer()
        if reader_ok:
            return rules_answer() if m >= cands[0].span.margin - defer else reader_answer()
        return rules_answer() if m >= self.threshold - defer else reader_answer()

    def _reader_answer(self, q, reading: Reading, passages: list[Passage], docs: dict[str, Document]) -> Answer:
        from .answering import _same_unit, same_answer
        from .lexical import STOPWORDS
        from .question import DATE, NUMBER, PERSON

        cands = reading.candidates
        if q.kind == PERSON:  # a person's whole name, not a surname alone
            cands = [self._widened(c, docs[c.passage.source].text, STOPWORDS) for c in cands]
        if not cands or cands[0].span.margin < self.threshold:
            why = ("the articles do not seem to say: no passage answers the question" if reading.passages
                   else "no passage was found for the question")
            return Answer(question=q.text, text="", abstained=True, passages=tuple(passages), kind=q.kind,
                          message=why, score=round(cands[0].span.margin, 4) if cands else 0.0)
        best = cands[0]
        agreeing = [best]
        others: list[_Candidate] = []
        for c in cands[1:]:
            if c.span.margin < self.threshold or any(x.passage.source == c.passage.source for x in agreeing + others):
                continue
            if same_answer(c.span.text, best.span.text):
                agreeing.append(c)
            elif (q.kind in (NUMBER, DATE) and _same_unit(c.span.text, best.span.text)
                  and not any(same_answer(x.span.text, c.span.text) for x in others)):
                others.append(c)
        main = self._to_answer(q, best, agreeing, docs, passages)
        alts = tuple(self._to_answer(q, c, [c], docs, ()) for c in others[: self.max_alternatives])
        return replace(main, alternatives=alts)
    @staticmethod
    def _widened(c: _Candidate, text: str, stopwords) -> _Candidate:
        a, b = widen_name(text, c.start, c.end, stopwords)
        if (a, b) == (c.start, c.end):
            return c
        off = c.passage.start
        return replace(c, start=a, end=b, span=replace(c.span, start=a - off, end=b - off, text=text[a:b]))

    @staticmethod
    def _to_answer(q, c: _Candidate, support: list[_Candidate], docs: dict[str, Document], passages) -> Answer:
        cites = []
        quote = ""
        for x in support:
            d = docs[x.passage.source]
            a, b = _sentence_around(d.text, x.start, x.end)
            quote = quote or d.text[a:b]
            cites.append(Citation(source=d.source, title=d.title, date=d.date, start=a, end=b, quote=d.text[a:b]))
        return Answer(question=q.text, text=c.span.text, abstained=False, quote=quote, citations=tuple(cites),
                      passages=tuple(passages), score=round(c.combined, 4), start=c.start, end=c.end, kind=q.kind)
