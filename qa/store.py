"""The store seam: where chunks, their vectors and the documents' hashes live, chosen by a URI.

``index/`` or ``faiss:///path`` (the default) is the folder of plain files of ``qa.index``, searched by
FAISS + BM25 in this process; ``milvus:///path/qa.db`` is an embedded milvus-lite file and
``milvus://host:19530?collection=news`` a Milvus server or cluster (``qa.milvus_store``, imported only
then: ``import qa`` never loads pymilvus). Every store keeps one document's chunks together, knows
each document's hash (what ``update_store`` compares to find what changed) and does the hybrid
(dense + BM25, fused) search itself, so a store that runs elsewhere does it where the data is.

>>> parse_store_uri("milvus://db.example:19530?collection=news")
StoreURI(kind='milvus', path=None, address='http://db.example:19530', collection='news')
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import numpy as np

from .datatypes import Chunk, Document, Passage, UpdateReport
from .embedding import Embedder
from .errors import IndexStoreError, QAError
from .index import (
    CorruptIndex,
    IndexStore,
    LoadedIndex,
    chunk_for,
    chunking_settings,
    document_entry,
    flat_index,
    make_manifest,
    sync_index,
)
from .lexical import TermWeights
from .retrieval import HybridRetriever
from .settings import Settings

log = logging.getLogger(__name__)

FORMS = ("a folder (index/), faiss:///abs/path or faiss:rel/path (the default FAISS index), "
         "milvus:///abs/path/qa.db or milvus:rel/qa.db (milvus-lite), "
         "milvus://host:19530?collection=news (a Milvus server; token in QA_MILVUS_TOKEN)")
DEFAULT_COLLECTION = "qa"
TOKEN_ENV = "QA_MILVUS_TOKEN"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


@dataclass(frozen=True)
class StoreURI:
    """A parsed ``--store``: ``kind`` 'faiss' (``path`` a folder) or 'milvus' (``path`` a milvus-lite file, or
    ``address`` a server's http://host:port) and the Milvus ``collection``."""

    kind: str
    path: Path | None = None
    address: str | None = None
    collection: str = DEFAULT_COLLECTION

    def __str__(self) -> str:  # for messages and status: never holds a token (none is ever in the URI)
        if self.kind == "faiss":
            return str(self.path)
        where = self.path if self.path is not None else self.address
        return f"milvus:{where}?collection={self.collection}"


def _bad(uri: str, why: str) -> QAError:
    shown = re.sub(r"//[^/@]*@", "//***@", uri[:200])[:80]  # a password never reaches a message or a log
    return QAError(f"store {shown!r} {why}: use {FORMS}")


def parse_store_uri(uri: str | Path) -> StoreURI:
    """What ``--store`` / ``QA_STORE`` / ``QA(store=...)`` names, or a one-line ``QAError`` listing the forms.

    >>> parse_store_uri("index").kind, parse_store_uri("faiss:///srv/index").path
    ('faiss', PosixPath('/srv/index'))
    >>> parse_store_uri("milvus:///srv/qa.db")
    StoreURI(kind='milvus', path=PosixPath('/srv/qa.db'), address=None, collection='qa')
    >>> parse_store_uri("redis://x")
    Traceback (most recent call last):
    qa.errors.QAError: store 'redis://x' has an unknown scheme 'redis': use a folder (index/), ...
    """
    if isinstance(uri, Path):
        return StoreURI("faiss", path=uri)
    if not isinstance(uri, str) or not uri.strip() or "\n" in uri or "\x00" in uri:
        raise _bad(str(uri), "is empty or not one line")
    uri = uri.strip()
    scheme, sep, rest = uri.partition(":")
    if not (sep and _SCHEME.fullmatch(scheme) and (rest.startswith("//") or scheme.lower() in ("faiss", "milvus"))):
        return StoreURI("faiss", path=Path(uri))  # a plain folder
    scheme = scheme.lower()
    if scheme not in ("faiss", "milvus"):
        raise _bad(uri, f"has an unknown scheme {scheme!r}")
    if not rest.startswith("//"):  # faiss:rel/path, milvus:rel/qa.db
        parts = urlsplit("x:///" + rest)
        local = Path(parts.path.lstrip("/"))
    else:
        parts = urlsplit(uri)
        local = Path(parts.path) if not parts.netloc else None
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"collection"})
    if unknown or any(len(v) != 1 for v in query.values()):
        raise _bad(uri, f"has query parameters other than one 'collection' ({', '.join(unknown)})")
    collection = query.get("collection", [DEFAULT_COLLECTION])[0]
    if scheme == "faiss":
        if query or local is None or not str(local).strip("/."):
            raise _bad(uri, "names no folder (or a host)")
        return StoreURI("faiss", path=local)
    if not collection.replace("_", "a").isalnum() or not collection[:1].isalpha() or len(collection) > 200:
        raise _bad(uri, "has a collection name that is not letters, digits and _ starting with a letter")
    if local is not None:
        if local.suffix != ".db":
            raise _bad(uri, "names a milvus-lite file that does not end in .db")
        return StoreURI("milvus", path=local, collection=collection)
    if "@" in parts.netloc:
        raise _bad(uri, f"holds credentials: put the token in the environment variable {TOKEN_ENV} instead")
    try:
        host, port = parts.hostname, parts.port or 19530
    except ValueError:
        host = port = None
    if not host or parts.path not in ("", "/"):
        raise _bad(uri, "has no host:port, or a path after it")
    return StoreURI("milvus", address=f"http://{host}:{port}", collection=collection)


class Store(Protocol):
    """Chunks, their vectors and document hashes, with a hybrid search. ``flush`` makes writes durable.

    ``holds_corpus``: whether the store keeps the articles' texts itself (Milvus: the store is the archive,
    read per question with ``documents``; the corpus folder is what gets added to it) or the corpus folder
    is the truth and is read whole into memory (the FAISS index: it mirrors its folder).
    """

    uri: StoreURI
    holds_corpus: bool

    def hashes(self, sources: Sequence[str] | None = None) -> dict[str, str]:
        """``{source: sha256}`` of every stored document (or of those of ``sources`` that are stored): what
        ``update_store`` compares with the corpus."""
        ...

    def upsert(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace ``doc``'s chunks (all of them: none of its old ones remain) and record its hash."""
        ...

    def upsert_many(self, items: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]]) -> None:
        """``upsert`` of several ``(doc, chunks, vectors)`` at once (what an ingest batches)."""
        ...

    def delete(self, source: str) -> None:
        """Remove a document's chunks and hash (nothing happens for an unknown one)."""
        ...

    def flush(self) -> None: ...

    def search(self, query: str, vector: np.ndarray, k: int) -> list[Passage]:
        """The ``k`` best chunks for ``query`` (its words) and ``vector`` (its embedding, one row), fused by
        ``qa.retrieval.fuse``, best first; ``Passage.score`` is the fused score."""
        ...

    def count(self) -> int:
        """Chunks stored."""
        ...

    def sync(self, docs: Iterable[Document], skipped: Sequence[str] = (), *, prune: bool = True,
             shard: tuple[int, int] | None = None) -> UpdateReport:
        """Bring the store in step with ``docs`` (embed and store what was added or changed; with ``prune``
        drop stored documents that are not in ``docs``)."""
        ...

    def retriever(self, docs: dict[str, Document]):
        """A ``Retriever`` (``search(query, k)``, ``idf`` for the answerer) over this store."""
        ...

    def close(self) -> None: ...


def shard_of(source: str, shards: int) -> int:
    """Which of ``shards`` parts of a backfill a document belongs to (by its file name's hash: every machine
    computes the same split, whatever order it reads the files in).

    >>> [shard_of(name, 4) for name in ("a.txt", "b.txt", "c.txt")], shard_of("a.txt", 1)
    ([2, 3, 0], 0)
    """
    return int(hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:12], 16) % shards


def parse_shard(text: str) -> tuple[int, int]:
    """``--shard i/n`` as ``(i, n)`` with 0 <= i < n, or a one-line ``QAError``.

    >>> parse_shard("1/4")
    (1, 4)
    """
    m = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", str(text))
    if not m or not int(m[1]) < int(m[2]):
        raise QAError(f"--shard {str(text)[:40]!r} is not i/n with 0 <= i < n (e.g. 0/4 ... 3/4 on four machines)")
    return int(m[1]), int(m[2])


def update_store(store: Store, docs: Iterable[Document], embedder: Embedder, settings: Settings,
                 skipped: Sequence[str] = (), *, prune: bool = True, shard: tuple[int, int] | None = None,
                 batch_chunks: int = 512) -> UpdateReport:
    """Bring ``store`` in step with ``docs`` by document hash: new and changed documents are chunked, embedded
    and upserted ``batch_chunks`` at a time, then ``flush``; with ``prune`` stored documents not in ``docs``
    are deleted. ``docs`` is read once, as it comes (an archive is never held whole). ``shard=(i, n)``: only
    the documents of part ``i`` of ``n`` (``shard_of``) are stored or pruned, so ``n`` machines can split one
    backfill into the same store. ``skipped`` is read when ``docs`` is exhausted (``iter_corpus`` fills it).

    Idempotent, and safe to stop at any point (Ctrl-C, a crash): a document's hash is recorded only with
    its chunks (``upsert``), so a rerun skips what is stored and redoes exactly the documents whose chunks
    did not all arrive. With ``settings.show_progress`` a bar shows articles/s, chunks/s and the ETA.
    """
    # pruning needs every stored hash; an update that only adds (an app on a shared archive) asks for the
    # hashes of the documents it reads, a group at a time, and never holds the archive's
    old = store.hashes() if prune else {}
    was_empty = not old and store.count() == 0
    mine = (lambda source: True) if shard is None else (lambda source: shard_of(source, shard[1]) == shard[0])
    added: list[str] = []
    changed: list[str] = []
    seen: set[str] = set()
    embedded = 0
    batch: list[tuple[Document, list[Chunk]]] = []
    total = len(docs) if isinstance(docs, Sized) else None
    bar = _progress(settings.show_progress, total)
    started = time.perf_counter()

    def write(batch: list[tuple[Document, list[Chunk]]]) -> int:
        texts = [c.text for _, cs in batch for c in cs]
        vecs = embedder.embed(texts)
        items, k = [], 0
        for d, cs in batch:
            items.append((d, cs, vecs[k : k + len(cs)]))
            k += len(cs)
        store.upsert_many(items)
        return len(texts)

    try:
        pending = 0
        for group in _groups(docs, 256):
            group = [d for d in group if mine(d.source)]
            known = old if prune else store.hashes([d.source for d in group])
            for d in group:
                if bar is not None:
                    bar.update(1)
                if d.source in seen:
                    continue
                seen.add(d.source)
                if known.get(d.source) == d.sha256:
                    continue
                (changed if d.source in known else added).append(d.source)
                cs = chunk_for(d, settings, embedder)
                batch.append((d, cs))
                pending += len(cs)
                if pending >= batch_chunks:
                    embedded += write(batch)
                    batch, pending = [], 0
                    if bar is not None:
                        bar.set_postfix_str(f"{embedded / max(1e-9, time.perf_counter() - started):.0f} chunks/s, "
                                            f"{embedded} embedded", refresh=False)
        if batch:
            embedded += write(batch)
        removed = [s for s in old if s not in seen and mine(s)] if prune else []
        for source in removed:
            store.delete(source)
    except BaseException:
        # what is stored stays stored (a rerun skips it): make it durable before the error goes up
        try:
            store.flush()
        except Exception:  # noqa: BLE001 - the first error is the one to report
            log.debug("flush after an interrupted update failed", exc_info=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    if added or changed or removed:
        store.flush()
    first = was_empty and bool(seen)
    return UpdateReport(added=() if first else tuple(added), changed=tuple(changed), removed=tuple(removed),
                        skipped=tuple(skipped), embedded_chunks=embedded, rebuilt=first,
                        reason="no index yet" if first else "")


def _groups(items: Iterable, n: int) -> Iterator[list]:
    """``items`` in lists of ``n`` (the last shorter), read as they come."""
    group: list = []
    for x in items:
        group.append(x)
        if len(group) >= n:
            yield group
            group = []
    if group:
        yield group


def _progress(show: bool, total: int | None):
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="article", desc="indexing", smoothing=0.1, mininterval=0.5)


class StoreRetriever:
    """A ``Retriever`` over a store that holds the articles (``holds_corpus``), for the answerer.

    ``search_with_documents`` fetches the retrieved passages' articles from the store per question (the
    process never holds the archive) and checks every passage against its article's text at its offsets:
    one that is not (the store is being updated by another process) is dropped, never cited. ``idf`` is
    what the answerer weighs question words by: BM25's IDF over at most ``idf_sample`` stored chunks
    (all of them in a small store, so the answers are the FAISS store's).
    """

    def __init__(self, store, embedder: Embedder, sample: Iterable[str]) -> None:
        self.store, self.embedder = store, embedder
        self.weights = TermWeights(sample)
        self.idf = self.weights.idf

    def search(self, query: str, k: int) -> list[Passage]:
        return self.search_with_documents(query, k)[0]

    def search_with_documents(self, query: str, k: int) -> tuple[list[Passage], dict[str, Document]]:
        found = self.store.search(query, self.embedder.embed([query]), k)
        docs = self.store.documents(list(dict.fromkeys(p.source for p in found)))
        # a text older than the passage the search found (read at Bounded consistency before an update): read
        # those again at Strong (an article missing from the first read was already read again by documents())
        stale = list(dict.fromkeys(p.source for p in found if (d := docs.get(p.source)) is not None
                                   and d.text[p.start : p.end] != p.text))
        if stale:
            docs.update(self.store.documents(stale, fresh=True))
        out = []
        for p in found:
            d = docs.get(p.source)
            if d is None or d.text[p.start : p.end] != p.text:
                log.warning("store %s: a passage of '%s' is not the article's text at its offsets; skipped "
                            "(the store is being updated, or run `python -m qa index` to bring it in step)",
                            self.store.uri, p.source)
                continue
            out.append(replace(p, title=d.title, date=d.date))
        return out, docs


class FaissStore:
    """The default store: the ``qa.index`` folder (FAISS + chunk table + manifest), searched in this process.

    ``sync`` is ``qa.index.sync_index`` (one atomic generation per update, unchanged vectors reused, a
    damaged or other-model index rebuilt: a local index is cheap to rebuild); ``retriever`` the
    ``HybridRetriever`` over it. The per-document calls (``upsert``, ``delete``, then ``flush`` to write
    one generation) serve callers that feed documents one by one; they refuse an index of another
    model rather than mixing vectors.
    """

    holds_corpus = False

    def __init__(self, uri: StoreURI, embedder: Embedder, settings: Settings) -> None:
        self.uri, self.embedder, self.settings = uri, embedder, settings
        self.files = IndexStore(uri.path)
        self.loaded: LoadedIndex | None = None
        self._lock = threading.RLock()
        self._rows: tuple[list[Chunk], np.ndarray, dict[str, dict]] | None = None  # edits not yet flushed
        self._search: HybridRetriever | None = None

    # --- the pipeline's path: unchanged ------------------------------------------------------
    def sync(self, docs: Iterable[Document], skipped: Sequence[str] = (), *, prune: bool = True,
             shard: tuple[int, int] | None = None) -> UpdateReport:
        """``sync_index``: the index always mirrors its folder (``prune`` is always on; a local index is one
        machine's, so ``shard`` is refused)."""
        if shard is not None:
            raise QAError("--shard splits a backfill into a shared Milvus store; a FAISS index is one folder "
                          "on one machine: leave --shard out, or pass --store milvus://...")
        with self._lock:
            docs = list(docs)
            self.loaded, report = sync_index(docs, self.files, self.embedder, self.settings, tuple(skipped))
            self._rows, self._search = None, None
            return report

    def retriever(self, docs: dict[str, Document]) -> HybridRetriever:
        if self.loaded is None:
            raise IndexStoreError(f"the index in '{self.uri}' is not loaded: call sync() (or QA.warm_up) first")
        return HybridRetriever(docs, self.loaded.chunks, self.loaded.vectors, self.embedder,
                               candidates=self.settings.candidates, dense_weight=self.settings.dense_weight)

    # --- per-document calls ------------------------------------------------------------------
    def _state(self) -> tuple[list[Chunk], np.ndarray, dict[str, dict]]:
        if self._rows is None:
            loaded = self.loaded
            if loaded is None:
                try:
                    with self.files.lock(shared=True):
                        loaded = self.files.read()
                except CorruptIndex as e:
                    raise IndexStoreError(f"the index in '{self.uri}' is damaged ({e}): rebuild it with "
                                          "python -m qa index") from e
            if loaded is None:
                self._rows = ([], np.zeros((0, self.embedder.dim), dtype=np.float32), {})
            else:
                _check_model(self.uri, loaded.manifest["model"].get("id"), loaded.manifest["model"]["dim"],
                             self.embedder)
                vecs = loaded.vectors.reconstruct_n(0, loaded.vectors.ntotal) if loaded.vectors.ntotal else \
                    np.zeros((0, self.embedder.dim), dtype=np.float32)
                self._rows = (list(loaded.chunks), vecs, dict(loaded.manifest["documents"]))
        return self._rows

    def hashes(self, sources: Sequence[str] | None = None) -> dict[str, str]:
        with self._lock:
            documents = self._state()[2]
            names = documents if sources is None else [s for s in sources if s in documents]
            return {s: documents[s]["sha256"] for s in names}

    def upsert(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        with self._lock:
            rows, vecs, documents = self._state()
            keep = [i for i, c in enumerate(rows) if c.source != doc.source]
            self._rows = ([rows[i] for i in keep] + list(chunks),
                          np.vstack([vecs[keep], np.asarray(vectors, dtype=np.float32).reshape(-1, vecs.shape[1])]),
                          {**documents, doc.source: document_entry(doc)})
            self._search = None

    def upsert_many(self, items: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]]) -> None:
        for doc, chunks, vectors in items:
            self.upsert(doc, chunks, vectors)

    def delete(self, source: str) -> None:
        with self._lock:
            rows, vecs, documents = self._state()
            keep = [i for i, c in enumerate(rows) if c.source != source]
            self._rows = ([rows[i] for i in keep], vecs[keep], {s: d for s, d in documents.items() if s != source})
            self._search = None

    def flush(self) -> None:
        """Write the edits as one new generation (atomically, under the index's exclusive lock)."""
        with self._lock:
            if self._rows is None:
                return
            rows, vecs, documents = self._rows
            chunking = chunking_settings(self.settings, self.embedder)
            created = self.loaded.manifest.get("created_at") if self.loaded else None
            index = flat_index(vecs, self.embedder.dim)
            with self.files.lock(why="writing"):
                manifest = self.files.write(make_manifest(self.embedder, chunking, documents, len(rows), created),
                                            rows, index)
            self.loaded = LoadedIndex(manifest, rows, index)

    def search(self, query: str, vector: np.ndarray, k: int) -> list[Passage]:
        with self._lock:
            if self._search is None:
                rows, vecs, documents = self._state()
                meta = {s: Document(s, "", d.get("title", ""), d.get("date")) for s, d in documents.items()}
                self._search = HybridRetriever(meta, rows, flat_index(vecs, self.embedder.dim), self.embedder,
                                               candidates=self.settings.candidates, dense_weight=self.settings.dense_weight)
            retriever = self._search
        return retriever.search_by(query, np.asarray(vector, dtype=np.float32).reshape(1, -1), k)

    def count(self) -> int:
        with self._lock:
            return len(self._state()[0])

    def close(self) -> None:
        """Nothing to release: the files are read whole and written atomically."""


def _check_model(uri: StoreURI, model_id: str | None, dim: int | None, embedder: Embedder) -> None:
    """A store's vectors are only comparable with the query's when one model made both."""
    if model_id != embedder.model_id or dim != embedder.dim:
        raise IndexStoreError(f"the store {uri} holds vectors of {model_id or 'an unrecorded model'} ({dim}-d), "
                              f"not of {embedder.model_id} ({embedder.dim}-d): use another store or collection, "
                              "or rebuild this one with the model it is asked with")


def open_store(uri: StoreURI | str | Path, embedder: Embedder, settings: Settings) -> Store:
    """The store ``uri`` names, bound to ``embedder`` (its model id and dimension) and ``settings``. Cheap:
    nothing is read or connected before the first call that needs it.

    >>> open_store("index", None, Settings()).uri.kind
    'faiss'
    """
    uri = uri if isinstance(uri, StoreURI) else parse_store_uri(uri)
    if uri.kind == "milvus":
        from .milvus_store import MilvusStore  # pymilvus loads only for a Milvus store

        return MilvusStore(uri, embedder, settings)
    return FaissStore(uri, embedder, settings)

