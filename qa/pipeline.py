"""The pipeline: read the corpus, keep the index in step, retrieve, answer. ``QA`` composes the stages."""

from __future__ import annotations

import logging
import math
import numbers
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .answering import Answerer
from .conversation import resolve
from .datatypes import Answer, Document, UpdateReport
from .embedding import MiniLMEmbedder
from .errors import CorpusError, QuestionError
from .index import LoadedIndex
from .question import analyse, validate
from .reading import iter_corpus, read_corpus
from .retrieval import HybridRetriever, Retriever
from .settings import Settings
from .store import Store, open_store

log = logging.getLogger(__name__)


class QA:
    """Question answering over one folder of articles.

    Creating it is cheap; the first ``ask`` (or ``warm_up``) reads the corpus, loads or updates
    the store and loads the embedding model. ``store``: where chunks and vectors live (``qa.store``):
    ``None`` or a folder is the FAISS index in ``index_dir``, which mirrors the corpus folder (articles
    added, changed or removed there are in the index after the next ``warm_up``; the articles are held in
    memory); ``milvus:///path/qa.db`` (milvus-lite) or ``milvus://host:19530?collection=news`` a Milvus
    store, which holds the archive: ``warm_up`` adds the corpus folder's new and changed articles to it
    (removing is ``python -m qa index --prune``), the engine does the hybrid search and each question
    reads only its retrieved articles from the store, so the process never holds the archive.

    >>> bot = QA(corpus="seeds", index_dir="index")
    >>> bot.ask("Who leads the rebel coalition?").text  # doctest: +SKIP
    '…'
    """

    def __init__(self, corpus: str | Path | None = None, index_dir: str | Path | None = None,
                 settings: Settings | None = None, embedder=None, *, store: str | Path | None = None,
                 **overrides) -> None:
        base = settings or Settings.from_env()
        over = {k: v for k, v in {"corpus": corpus, "index_dir": index_dir, "store": store, **overrides}.items()
                if v is not None}
        self.settings = base if not over else Settings.from_env(**{**base.__dict__, **over})
        self.embedder = embedder or MiniLMEmbedder()
        self.store: Store = open_store(self.settings.store or self.settings.index_dir, self.embedder, self.settings)
        self._lock = threading.RLock()
        self._ready = False
        self.docs: dict[str, Document] = {}
        self.index: LoadedIndex | None = None
        self.retriever: HybridRetriever | Retriever | None = None
        self.answerer: Answerer | None = None
        self._state: tuple = ({}, None, None)
        self.last_update: UpdateReport | None = None

    # --- corpus and index ---------------------------------------------------------------------
    def warm_up(self) -> UpdateReport:
        """Read the corpus and bring the index in step with it (incrementally). Safe to call again."""
        with self._lock:
            if self.store.holds_corpus:
                report, by_source = self._add_corpus(), {}
            else:
                docs, skipped = read_corpus(self.settings.corpus)
                report = self.store.sync(docs, tuple(skipped))
                by_source = {d.source: d for d in docs}
            index = getattr(self.store, "loaded", None)  # the FAISS store's files in memory; None for Milvus
            retriever = self.store.retriever(by_source)
            answerer = self._make_answerer(by_source, retriever)
            self.embedder.warm_up()
            # swap the whole state at once: an ask running meanwhile sees the old or the new, never a mix
            self._state = (by_source, retriever, answerer)
            self.docs, self.index, self.retriever, self.answerer = by_source, index, retriever, answerer
            self.last_update = report
            self._ready = True
            return report

    refresh = warm_up

    def _add_corpus(self) -> UpdateReport:
        """A store that holds the archive: add the corpus folder's new and changed articles (read one at a
        time); a missing folder adds nothing. ``CorpusError`` when there is then nothing to answer from."""
        folder = Path(self.settings.corpus)
        report = self.update_store(prune=False) if folder.exists() else UpdateReport()
        if not self.store.count():
            raise CorpusError(f"the store {self.store.uri} holds no articles and the corpus folder '{folder}' has "
                              "none to add: add .txt, .md or .html files to it, or index a folder with "
                              f"python -m qa index --store '{self.store.uri}' --corpus DIR")
        return report

    def update_store(self, *, prune: bool = False, shard: tuple[int, int] | None = None) -> UpdateReport:
        """Bring the store in step with the corpus folder without loading the answerer (``python -m qa index``).

        A FAISS index mirrors the folder (``sync_index``). A store that holds the archive gets the folder's
        new and changed articles, read and embedded a batch at a time; ``prune`` also deletes the stored
        articles that are not in the folder; ``shard=(i, n)`` stores (and prunes) only part ``i`` of ``n``
        (``qa.store.shard_of``), so ``n`` machines can split a backfill. Stopped (Ctrl-C, a crash), it keeps
        what was stored: rerun it to go on.
        """
        with self._lock:
            skipped: list[str] = []
            if not self.store.holds_corpus:
                docs, skipped = read_corpus(self.settings.corpus)
                report = self.store.sync(docs, tuple(skipped), shard=shard)
            else:
                report = self.store.sync(iter_corpus(self.settings.corpus, skipped), skipped, prune=prune, shard=shard)
            self.last_update = report
            self._ready = False  # the next ask warms up against what was written
            return report

    # --- the articles ---------------------------------------------------------------------------
    def documents(self, sources) -> dict[str, Document]:
        """The articles named (whole texts), from memory or, for a store that holds them, from the store."""
        self._ensure_ready()
        docs = self._state[0]
        if self.store.holds_corpus:
            return self.store.documents(list(sources))
        return {s: docs[s] for s in sources if s in docs}

    def articles(self, limit: int = 10_000, sources=None) -> list[dict]:
        """``{source, title, date, passages, chars}`` of the articles (of ``sources`` only, when given; at most
        ``limit``), in store order."""
        self._ensure_ready()
        if self.store.holds_corpus:
            return self.store.articles(limit, sources)
        docs = self._state[0]
        counts = Counter(c.source for c in self.index.chunks) if self.index is not None else Counter()
        chosen = docs.values() if sources is None else [docs[s] for s in sources if s in docs]
        return [{"source": d.source, "title": d.title, "date": d.date, "passages": counts.get(d.source, 0),
                 "chars": len(d.text)} for d in list(chosen)[:limit]]

    def find_duplicate(self, doc: Document) -> str | None:
        """The source of an article with the same content as ``doc`` (an upload seen before), if any."""
        self._ensure_ready()
        if self.store.holds_corpus:
            return self.store.source_with_hash(doc.sha256)
        return next((d.source for d in self._state[0].values() if d.sha256 == doc.sha256 or d.text == doc.text),
                    None)

    def _ensure_ready(self) -> None:
        """Warm up once: threads asking at the same time before the first warm-up wait for one."""
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self.warm_up()

    def _make_answerer(self, docs: dict[str, Document], retriever) -> Answerer:
        from .answering import ReaderAnswerer  # the model loads with the reader, not on `import qa`
        from .reader import Reader

        answerer = ReaderAnswerer(Reader(self.settings.reader_dir), idf=retriever.idf)
        answerer.warm_up()
        return answerer

    def status(self) -> dict:
        """Articles, chunks and when the index was built, for a status panel."""
        self._ensure_ready()
        skipped = list(self.last_update.skipped) if self.last_update else []
        if self.store.holds_corpus:  # a Milvus store: the engine counts
            return {"corpus": str(self.settings.corpus), "index_dir": str(self.store.uri), "store": str(self.store.uri),
                    "articles": self.store.count_documents(), "chunks": self.store.count(), "indexed_at": None,
                    "model": self.embedder.model_id, "skipped": skipped,
                    "search": getattr(self.store, "search_mode", "")}
        m = self.index.manifest
        return {"corpus": str(self.settings.corpus), "index_dir": str(self.settings.index_dir),
                "articles": len(self.docs), "chunks": len(self.index.chunks),
                "indexed_at": m.get("updated_at"), "model": m.get("model", {}).get("id"),
                "skipped": skipped}

    def close(self) -> None:
        """Release the store (a Milvus connection; milvus-lite's .db opens in one process at a time)."""
        self.store.close()

    # --- asking -------------------------------------------------------------------------------
    def ask(self, question: str, history=None, *, top_k: int | None = None) -> Answer:
        """Answer ``question`` from the articles.

        ``history``: earlier turns as ``(question, answer)`` pairs or ``{"role", "content"}``
        messages; a follow-up is rewritten to stand alone against them (pronouns, "When was that?", "What
        about X?": ``qa.conversation.resolve``; the last ``max_history_turns`` turns, each text cut to
        ``max_question_chars``) and the answer's ``standalone`` says how it was understood (``''`` when it
        needed no rewriting; ``question`` stays the user's words). ``top_k``: passages to consider, 1 to
        ``max_top_k`` (default ``settings.top_k``).
        Raises ``QuestionError`` for a question that cannot be asked (empty, too long, not English,
        control characters, invalid text) or options of the wrong type or range, ``CorpusError``
        when the corpus has no readable article and ``IndexStoreError`` when the index needs an
        update that cannot be written. Nothing is read or written before the input is checked.
        """
        s = self.settings
        text = validate(question, s.max_question_chars)
        k = check_top_k(s.top_k if top_k is None else top_k, s.max_top_k)
        standalone = resolve(text, history, max_turns=s.max_history_turns, max_chars=s.max_question_chars)
        self._ensure_ready()
        q = analyse(standalone)
        _docs, retriever, answerer = self._state
        passages, docs = retriever.search_with_documents(standalone, k)
        ans = answerer.answer(q, passages, docs)
        if standalone != text:  # the user's words stay the question; how they were understood goes beside them
            ans = replace(ans, question=text, standalone=standalone)
        return ans


def check_top_k(top_k: object, maximum: int) -> int:
    """``top_k`` as an ``int`` from 1 to ``maximum``, or ``QuestionError``. A whole float (``5.0``, from a
    slider or JSON) is fine; text, booleans, numbers with a fraction, NaN and infinities are not.

    >>> check_top_k(5.0, 100)
    5
    >>> check_top_k(True, 100)
    Traceback (most recent call last):
    qa.errors.QuestionError: top_k must be a whole number between 1 and 100 (passages to consider), not True
    """
    k = None
    if isinstance(top_k, bool):  # an int to Python, never meant as a count
        pass
    elif isinstance(top_k, numbers.Integral):  # numpy's integers too (numpy's bool is not one)
        k = int(top_k)
    elif isinstance(top_k, numbers.Real):
        try:
            f = float(top_k)
        except (OverflowError, ValueError):
            f = math.nan
        k = int(f) if math.isfinite(f) and f.is_integer() else None
    if k is None or not 1 <= k <= maximum:
        raise QuestionError(f"top_k must be a whole number between 1 and {maximum} (passages to consider), "
                            f"not {_short(top_k)}")
    return k


def _short(value: object) -> str:
    """A value for a message, never long (a 10 MB string stays out of it)."""
    if isinstance(value, (str, bytes)):
        return repr(value[:40])
    if value is None or isinstance(value, float) or (isinstance(value, int) and abs(value) < 10**12):
        return repr(value)
    return f"a value of type {type(value).__name__}"
