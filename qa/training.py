"""Training the reader on SQuAD: the data split, the training windows, the loop.

``python -m qa train-reader`` runs it. Only the **tune** half of the bundled SQuAD dev data is
used (articles at even positions of v1.1's list; v2.0 articles follow the parity of their title
in v1.1), so the test half stays unseen for ``benchmarks/squad.py``; three tune articles
(``VALIDATION``) are held out of training to tune the threshold and mu on.

Every answerable question gives the window(s) of its paragraph that hold a gold answer, with all
of its gold spans as targets (the loss is their marginal likelihood). The no-answer target is
the ``[CLS]`` token, learnt from four kinds of window: v2.0's unanswerable questions, windows of
the paragraph that do not hold the answer, the question paired with another paragraph of the same
article, and with the paragraph BM25 ranks best among those lacking the answer (what retrieval
hands the reader when the corpus does not say).
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import random
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import reader
from .errors import QAError
from .reader import Window

log = logging.getLogger(__name__)

# Tune-half articles kept out of training: the reader's no-answer threshold and BERTserini's mu are
# chosen on them (benchmarks/squad.py --tune), so that neither is fitted to questions it has learnt.
VALIDATION = ("Sky_(United_Kingdom)", "Huguenot", "Pharmacy")
V1 = "dev-v1.1.json.gz"
V2 = "dev-v2.0-5articles.json.gz"
TUNE, TEST = "tune", "test"


def default_data_dir() -> Path:
    """``../shared/benchmarks/squad`` beside the repository (or the working directory)."""
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        d = base.parent / "shared" / "benchmarks" / "squad"
        if d.exists():
            return d
    return Path("../shared/benchmarks/squad")


@dataclass(frozen=True)
class Example:
    """One SQuAD question with its paragraph and gold answers (``(char_start, text)``)."""

    id: str
    title: str
    question: str
    context: str
    answers: tuple[tuple[int, str], ...]
    impossible: bool = False
    paragraph: int = 0  # index of the paragraph in its article


def _read(path: Path) -> list[dict]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return json.load(f)["data"]
    except OSError as e:
        raise QAError(f"cannot read SQuAD data {path} ({e}): pass --data with the folder holding {V1}") from e


def _examples(article: dict) -> Iterator[Example]:
    for pi, p in enumerate(article["paragraphs"]):
        for q in p["qas"]:
            answers = tuple((a["answer_start"], a["text"]) for a in q.get("answers", []))
            yield Example(q["id"], article["title"], q["question"], p["context"], answers,
                          bool(q.get("is_impossible")), pi)


def load_split(half: str, data_dir: str | Path | None = None, version: str = "v1.1") -> list[Example]:
    """The questions of one half (``'tune'`` or ``'test'``) of SQuAD v1.1 dev, or of the v2.0 subset.

    >>> len(load_split("tune")), len(load_split("test"))  # doctest: +SKIP
    (5397, 5173)
    """
    if half not in (TUNE, TEST):
        raise ValueError(f"half must be '{TUNE}' or '{TEST}', not {half!r}")
    d = Path(data_dir) if data_dir else default_data_dir()
    v1 = _read(d / V1)
    parity = {a["title"]: i % 2 for i, a in enumerate(v1)}
    want = 0 if half == TUNE else 1
    if version == "v1.1":
        articles = [a for i, a in enumerate(v1) if i % 2 == want]
    elif version == "v2.0":
        articles = [a for a in _read(d / V2) if parity.get(a["title"]) == want]
    else:
        raise ValueError(f"version must be 'v1.1' or 'v2.0', not {version!r}")
    return [e for a in articles for e in _examples(a)]


def paragraphs(half: str | None = None, data_dir: str | Path | None = None) -> list[tuple[str, int, str]]:
    """``(title, paragraph index, context)`` of every v1.1 dev paragraph (of one half, if given)."""
    d = Path(data_dir) if data_dir else default_data_dir()
    out = []
    for i, a in enumerate(_read(d / V1)):
        if half is None or i % 2 == (0 if half == TUNE else 1):
            out.extend((a["title"], pi, p["context"]) for pi, p in enumerate(a["paragraphs"]))
    return out


def default_reuters() -> Path:
    """``../shared/corpora/reuters21578.jsonl.gz`` beside the repository (the articles of the news questions)."""
    return default_data_dir().parent.parent / "corpora" / "reuters21578.jsonl.gz"


def news_fold(article: str) -> int:
    """The fold (0 or 1) of a news article: ``--news-holdout`` leaves one out of training to measure on."""
    return zlib.crc32(article.encode("utf-8")) % 2


def _locate(text: str, question: str, answer: str) -> list[tuple[int, str]]:
    """Where ``answer`` (words as written, any whitespace between them) stands in ``text``: the occurrences whose
    surroundings share the most content words with the question (a short answer like "20" recurs)."""
    from .text import content_words

    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in answer.split()) + r"(?!\w)"
    found = list(re.finditer(pattern, text))
    if not found:
        return []
    asked = content_words(question)

    scores = [len(asked & content_words(text[max(0, m.start() - 200) : m.end() + 200])) for m in found]
    return [(m.start(), m.group(0)) for m, s in zip(found, scores, strict=True) if s == max(scores)]


def load_news(questions: str | Path, corpus: str | Path | None = None, holdout: int | None = None) -> list[Example]:
    """Training examples from news questions in the dev-set format (``benchmarks/reuters_dev.jsonl``: ``question``,
    ``answers``, ``sources``) over Reuters-21578 articles, read by id from ``corpus`` and parsed as the pipeline
    parses ``<id>.txt`` ("title\\n\\ntext"). An unanswerable question names no source: it is read against the
    article of the question before it in its batch (same id prefix; batches are written six questions to an
    article, the unanswerable one last), a no-answer example. Articles of fold ``holdout`` are left out."""
    from .reading import parse_article

    rows = [json.loads(line) for line in Path(questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    def article_of(r: dict) -> str:
        return r["sources"][0].rsplit(".", 1)[0]

    article: list[str | None] = []
    for i, r in enumerate(rows):
        if r.get("sources"):
            article.append(article_of(r))
            continue
        near = [rows[j] for j in range(i - 1, max(-1, i - 6), -1) if rows[j]["id"][:2] == r["id"][:2]
                and rows[j].get("sources")]  # an unanswerable question: its batch's article before it
        article.append(article_of(near[0]) if near and not r["answers"] else None)
    wanted = {a for a in article if a and (holdout is None or news_fold(a) != holdout)}
    texts: dict[str, str] = {}
    path = Path(corpus) if corpus else default_reuters()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row["id"] in wanted:
                    texts[row["id"]] = parse_article(f"{row['id']}.txt", f"{row['title']}\n\n{row['text']}").text
    except OSError as e:
        raise QAError(f"cannot read the news articles {path} ({e}): pass --news-corpus") from e
    out = []
    for r, a in zip(rows, article, strict=True):
        if a not in texts:
            continue
        text = texts[a]
        spans = tuple(sorted({x for ans in r["answers"] for x in _locate(text, r["question"], ans)}))
        if r["answers"] and not spans:
            log.warning("news question %s: no answer found verbatim in %s", r["id"], a)
            continue
        out.append(Example(r["id"], a, r["question"], text, spans, not r["answers"], 0))
    return out


# --- training windows -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Feature:
    """A training window and its targets: gold start and end positions (``(0,)`` for no answer)."""

    window: Window
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def hard_negatives(examples: list[Example], rate: float, seed: int = 0) -> dict[str, str]:
    """For a share ``rate`` of the answerable questions, the paragraph BM25 ranks best among the
    other paragraphs of ``examples`` that hold none of its answers: what retrieval hands the reader
    when the corpus does not say (question id -> paragraph)."""
    from .lexical import BM25

    rng = random.Random(seed + 1)
    contexts = list(dict.fromkeys(e.context for e in examples))
    bm25 = BM25(contexts)
    out = {}
    for e in examples:
        if e.impossible or rng.random() >= rate:
            continue
        golds = [t.lower() for _, t in e.answers]
        for i, _score in bm25.search(e.question, 5):
            c = contexts[i]
            if c != e.context and not any(g in c.lower() for g in golds):
                out[e.id] = c
                break
    return out


def without_answer(context: str, answers: tuple[tuple[int, str], ...]) -> str | None:
    """``context`` with every sentence that holds a gold answer taken out: the same topic and words,
    but not the answer (a SQuAD 2.0-style negative); None if the answer text is still there or too
    little is left.

    >>> without_answer("Oslo is the capital. It has 700,000 people. Its port is busy.", ((21, "It has 700,000 people."),))
    'Oslo is the capital. Its port is busy.'
    """
    from .text import sentence_spans

    sents = sentence_spans(context)
    cut = [(a, b) for a, b in sents if any(a < s + len(t) and s < b for s, t in answers)]
    kept = [context[a:b] for a, b in sents if (a, b) not in cut]
    out = " ".join(kept)
    if not cut or (len(kept) < 2 and len(out) < 80) or any(t.lower() in out.lower() for _, t in answers):
        return None
    return out


def _encoder():
    """``reader.encode_text``, each distinct text encoded once (questions and paragraphs recur)."""
    encoded: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}

    def enc(text: str) -> tuple[list[int], list[tuple[int, int]]]:
        if text not in encoded:
            encoded[text] = reader.encode_text(text)
        return encoded[text]

    return enc


def _answer_spans(offsets: list[tuple[int, int]], answers: tuple[tuple[int, str], ...]) -> set[tuple[int, int]]:
    """Token spans (first, last) of the gold answers the tokenizer can place."""
    return {t for t in (reader.char_to_tokens(offsets, a, a + len(x)) for a, x in answers) if t is not None}


def _answer_feature(w: Window, spans: set[tuple[int, int]]) -> Feature | None:
    """``w`` with every gold span inside it as targets, or None if none is."""
    inside = {p for p in (reader.token_span(w, a, b) for a, b in spans) if p is not None}
    if not inside:
        return None
    return Feature(w, tuple(sorted({a for a, _ in inside})), tuple(sorted({b for _, b in inside})))


def features(examples: list[Example], *, max_len: int = 192, stride: int = 64, neg_rate: float = 0.3,
             distractor_rate: float = 0.1, hard_rate: float = 0.0, removed_rate: float = 0.0,
             seed: int = 0) -> list[Feature]:
    """Training windows for ``examples`` (see the module docstring for which windows are kept)."""
    rng = random.Random(seed)
    hard = hard_negatives(examples, hard_rate, seed) if hard_rate else {}
    enc = _encoder()
    by_article: dict[str, list[str]] = {}
    for e in examples:
        ctxs = by_article.setdefault(e.title, [])
        if not ctxs or ctxs[-1] != e.context:
            ctxs.append(e.context)
    out: list[Feature] = []
    for e in examples:
        q_ids, _ = enc(e.question)
        ids, offs = enc(e.context)
        spans = set() if e.impossible else _answer_spans(offs, e.answers)
        if not e.impossible and not spans:
            continue  # an answer the tokenizer cannot place: skip rather than teach noise
        for w in reader.windows(q_ids, ids, offs, max_len=max_len, stride=stride):
            if f := _answer_feature(w, spans):
                out.append(f)
            elif e.impossible or rng.random() < neg_rate:
                out.append(Feature(w, (0,), (0,)))
        others = [c for c in by_article[e.title] if c != e.context]
        negatives = [rng.choice(others)] if others and not e.impossible and rng.random() < distractor_rate else []
        negatives += [hard[e.id]] if e.id in hard else []
        if not e.impossible and removed_rate and rng.random() < removed_rate:
            removed = without_answer(e.context, e.answers)
            negatives += [removed] if removed else []
        for c in negatives:
            ids2, offs2 = enc(c)
            w = rng.choice(reader.windows(q_ids, ids2, offs2, max_len=max_len, stride=stride))
            out.append(Feature(w, (0,), (0,)))
    return out


def grouped_features(examples: list[Example], *, others: int, max_len: int = 192, stride: int = 64,
                     seed: int = 0) -> list[list[Feature]]:
    """Windows in groups, one group per question, for shared normalization: an answerable question's window
    holding its answer and one window of each of the ``others`` paragraphs of its article that BM25 ranks
    closest to the question among those lacking every gold answer (what retrieval hands the reader beside
    the answer); an unanswerable question's windows, each a group of its own."""
    from .lexical import BM25

    rng = random.Random(seed)
    by_article: dict[str, list[str]] = {}
    for e in examples:
        ctxs = by_article.setdefault(e.title, [])
        if e.context not in ctxs:
            ctxs.append(e.context)
    bm25 = {title: BM25(ctxs) for title, ctxs in by_article.items()}
    enc = _encoder()
    out: list[list[Feature]] = []
    for e in examples:
        q_ids, _ = enc(e.question)
        ids, offs = enc(e.context)
        wins = reader.windows(q_ids, ids, offs, max_len=max_len, stride=stride)
        if e.impossible:
            out.extend([Feature(w, (0,), (0,))] for w in wins)
            continue
        spans = _answer_spans(offs, e.answers)
        golden = [f for f in (_answer_feature(w, spans) for w in wins) if f]
        if not golden:
            continue
        group = [rng.choice(golden)]
        golds = [x.lower() for _, x in e.answers]
        ctxs = by_article[e.title]
        for i, _score in bm25[e.title].search(e.question, len(ctxs)):
            if len(group) > others:
                break
            c = ctxs[i]
            if c != e.context and not any(g in c.lower() for g in golds):
                ids2, offs2 = enc(c)
                group.append(Feature(rng.choice(reader.windows(q_ids, ids2, offs2, max_len=max_len, stride=stride)),
                                     (0,), (0,)))
        out.append(group)
    return out


def group_batches(groups: list[list[Feature]], batch_size: int, rng: random.Random) -> list[list[list[Feature]]]:
    """Shuffled batches of whole groups, about ``batch_size`` windows each, of similar length."""
    order = groups[:]
    rng.shuffle(order)
    pool = 50 * batch_size
    out: list[list[list[Feature]]] = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i : i + pool], key=lambda g: max(len(f.window.input_ids) for f in g))
        batch: list[list[Feature]] = []
        for g in chunk:
            batch.append(g)
            if sum(len(x) for x in batch) >= batch_size:
                out.append(batch)
                batch = []
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def shared_loss(torch, logits, targets: list[tuple[int, ...]], groups: list[list[int]]):
    """Shared normalization (Clark & Gardner 2018, "Simple and Effective Multi-Paragraph Reading
    Comprehension"): minus the log of the gold positions' share of the probability over every passage token
    of all the windows read with one question ([CLS], each window's own "no answer", left out), so that span
    scores of different windows compare. Groups without an answer or with one window add nothing."""
    neg = torch.finfo(logits.dtype).min / 4
    masked = logits.clone()
    masked[:, 0] = neg
    gold = torch.zeros_like(logits, dtype=torch.bool)
    for i, t in enumerate(targets):
        if t != (0,):
            gold[i, list(t)] = True
    losses = []
    for rows in groups:
        if len(rows) < 2 or not bool(gold[rows].any()):
            continue
        x, g = masked[rows].reshape(-1), gold[rows].reshape(-1)
        losses.append(torch.logsumexp(x, 0) - torch.logsumexp(x.masked_fill(~g, neg), 0))
    return torch.stack(losses).mean() if losses else logits.sum() * 0.0


def batches(feats: list[Feature], batch_size: int, rng: random.Random) -> list[list[Feature]]:
    """Shuffled batches of windows of similar length (little padding: the CPU pays for every token)."""
    order = feats[:]
    rng.shuffle(order)
    pool = 50 * batch_size
    out = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i : i + pool], key=lambda f: len(f.window.input_ids))
        out.extend(chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(out)
    return out


def _loss(torch, logits, targets: list[tuple[int, ...]]):
    """Negative log of the probability mass on the gold positions (several golds share it)."""
    gold = torch.zeros_like(logits, dtype=torch.bool)
    for i, t in enumerate(targets):
        gold[i, list(t)] = True
    all_ = torch.logsumexp(logits, dim=-1)
    hit = torch.logsumexp(logits.masked_fill(~gold, torch.finfo(logits.dtype).min / 4), dim=-1)
    return (all_ - hit).mean()


@dataclass(frozen=True)
class TrainConfig:
    """What ``train-reader`` trains with. Defaults: the shipped model (~1 hour on 2 CPU cores)."""

    out: Path = reader.MODEL_DIR
    data_dir: Path | None = None
    limit: int | None = None  # N tune questions, sampled (a smoke run)
    epochs: float = 3.0
    max_steps: int | None = None
    batch_size: int = 16
    lr: float = 1e-4
    warmup: float = 0.1
    weight_decay: float = 0.01
    max_len: int = 192
    stride: int = 64
    neg_rate: float = 0.3
    distractor_rate: float = 0.1
    hard_rate: float = 0.0  # share of questions also paired with their best BM25 paragraph that lacks the answer
    removed_rate: float = 0.0  # share of questions also paired with their paragraph minus the answer's sentences
    init: Path | None = None  # start from these reader weights (continue training) instead of the base MiniLM
    shared_norm: int = 0  # > 0: each question read with this many other paragraphs, one shared softmax (grouped_features)
    threads: int = 2
    bf16: bool | None = None  # bfloat16 autocast; None: when the CPU has bf16 instructions (~1.4x faster)
    seed: int = 0
    checkpoint_dir: Path | None = Path("build/reader-train")
    news: Path | None = None  # news questions (dev-set JSONL over Reuters-21578 articles, ``load_news``) trained on too
    news_corpus: Path | None = None  # the Reuters-21578 JSONL (default: ../shared/corpora)
    news_holdout: int | None = None  # leave the articles of this fold (0 or 1) out, to measure on them
    squad_questions: int | None = None  # answerable SQuAD tune questions to sample (None: all); v2.0's all kept
    log_every: int = 20



def train(cfg: TrainConfig) -> dict:
    """Fine-tune MiniLM with a span head on the tune half of SQuAD; write the weights to ``cfg.out``.

    Returns what was done (examples, windows, steps, minutes, final loss), also written beside
    the weights as ``training.json``.
    """
    import torch

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = random.Random(cfg.seed)
    t0 = time.time()
    v1 = [e for e in load_split(TUNE, cfg.data_dir) if e.title not in VALIDATION]
    v2 = [e for e in load_split(TUNE, cfg.data_dir, "v2.0") if e.impossible and e.title not in VALIDATION]
    if cfg.squad_questions is not None:
        v1 = rng.sample(v1, min(cfg.squad_questions, len(v1)))
    examples = v1 + v2
    if cfg.news:
        news = load_news(cfg.news, cfg.news_corpus, cfg.news_holdout)
        examples += news
        print(f"train-reader: {len(news)} news questions ({sum(e.impossible for e in news)} unanswerable) on "
              f"{len({e.title for e in news})} articles", flush=True)
    if cfg.limit:
        examples = rng.sample(v1, min(cfg.limit, len(v1))) + rng.sample(v2, min(len(v2), max(1, cfg.limit // 8)))
    if cfg.shared_norm:
        groups = grouped_features(examples, others=cfg.shared_norm, max_len=cfg.max_len, stride=cfg.stride,
                                  seed=cfg.seed)
        feats = [f for g in groups for f in g]
    else:
        groups = []
        feats = features(examples, max_len=cfg.max_len, stride=cfg.stride, neg_rate=cfg.neg_rate,
                         distractor_rate=cfg.distractor_rate, hard_rate=cfg.hard_rate, removed_rate=cfg.removed_rate,
                         seed=cfg.seed)
    n_neg = sum(1 for f in feats if f.starts == (0,))
    per_epoch = (len(group_batches(groups, cfg.batch_size, random.Random(0))) if groups
                 else math.ceil(len(feats) / cfg.batch_size))
    total = max(1, int(per_epoch * cfg.epochs))
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    print(f"train-reader: {len(examples)} questions ({len(v2) if not cfg.limit else 'some'} unanswerable), "
          f"{len(feats)} windows ({n_neg} no-answer), {total} steps of {cfg.batch_size}, "
          f"{sum(len(f.window.input_ids) for f in feats) / max(1, len(feats)):.0f} tokens a window", flush=True)

    model = reader.load(cfg.init, precision="fp32") if cfg.init else reader.new_model()
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)  # 11.7M of 22.6M weights: little data
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    warm = max(1, int(cfg.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    bf16 = reader.cpu_has_bf16() if cfg.bf16 is None else cfg.bf16
    model.train()
    step, running, t_start = 0, None, time.time()
    epoch = 0
    while step < total:
        for grouped in (group_batches(groups, cfg.batch_size, rng) if groups else
                        [[[f] for f in b] for b in batches(feats, cfg.batch_size, rng)]):
            if step >= total:
                break
            batch = [f for g in grouped for f in g]
            rows, k = [], 0
            for g in grouped:
                rows.append(list(range(k, k + len(g))))
                k += len(g)
            ids, mask, types = (torch.from_numpy(a) for a in reader.pad([f.window for f in batch]))
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                start, end = model(ids, mask, types)
            start, end = start.float(), end.float()
            starts, ends = [f.starts for f in batch], [f.ends for f in batch]
            loss = (_loss(torch, start, starts) + _loss(torch, end, ends)) / 2
            if groups:
                loss = loss + (shared_loss(torch, start, starts, rows) + shared_loss(torch, end, ends, rows)) / 2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
            if step % cfg.log_every == 0 or step == total:
                el = time.time() - t_start
                print(f"step {step}/{total} epoch {epoch + 1} loss {running:.3f} lr {sched.get_last_lr()[0]:.2e} "
                      f"{el / 60:.1f} min, eta {el / step * (total - step) / 60:.1f} min", flush=True)
        epoch += 1
        if cfg.checkpoint_dir and step < total:
            reader.save(model, Path(cfg.checkpoint_dir) / f"epoch-{epoch}")
    minutes = (time.time() - t0) / 60
    meta = {"questions": len(examples), "windows": len(feats), "no_answer_windows": n_neg, "steps": step,
            "epochs": round(step / per_epoch, 2), "final_loss": round(running or 0.0, 4),
            "minutes": round(minutes, 1), "threads": cfg.threads, "bf16": bf16,
            "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in cfg.__dict__.items()}}
    model.eval()
    reader.save(model, cfg.out, meta)
    reader.export_int8(cfg.out)  # what the answerer runs (ONNX Runtime, int8 per channel)
    print(f"train-reader: wrote {cfg.out}/ in {minutes:.1f} min (loss {meta['final_loss']})", flush=True)
    return meta
