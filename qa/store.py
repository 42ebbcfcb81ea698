"""The store seam: where chunks, their vectors and the documents' hashes live, chosen by a URI.

``index/`` or ``faiss:///path`` (the default) is the folder of plain files of ``qa.index``, searched by
FAISS + BM25 in this process; ``milvus:///path/qa.db`` is an embedded milvus-lite file and
``milvus://host:19530?collection=news`` a Milvus server or cluster (``qa.milvus_store``, imported only
then: ``import qa`` never loads pymilvus). Every store keeps one document's chunks together, knows
each document's hash (what ``update_store`` compares to find what changed) and does the hybrid
(dense + BM25, fused by RRF) search itself, so a store that runs elsewhere does it where the data is.

>>> parse_store_uri("milvus://db.example:19530?collection=news")
StoreURI(kind='milvus', path=None, address='http://db.example:19530', collection='news')
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
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
    changes,
    chunk_for,
    chunking_settings,
    document_entry,
    flat_index,
    make_manifest,
    sync_index,
)
from .lexical import BM25
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
    """Chunks, their vectors and document hashes, with a hybrid search. ``flush`` makes writes durable."""

    uri: StoreURI

    def hashes(self) -> dict[str, str]:
        """``{source: sha256}`` of every stored document: what ``update_store`` compares with the corpus."""
        ...

    def upsert(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace ``doc``'s chunks (all of them: none of its old ones remain) and record its hash."""
        ...

    def delete(self, source: str) -> None:
        """Remove a document's chunks and hash (nothing happens for an unknown one)."""
        ...

    def flush(self) -> None: ...

    def search(self, query: str, vector: np.ndarray, k: int) -> list[Passage]:
        """The ``k`` best chunks for ``query`` (its words) and ``vector`` (its embedding, one row), fused by
        RRF, best first; ``Passage.score`` is the fused score."""
        ...

    def count(self) -> int:
        """Chunks stored."""
        ...

    def sync(self, docs: list[Document], skipped: tuple[str, ...] = ()) -> UpdateReport:
        """Bring the store in step with ``docs`` (embed and store what was added or changed, drop what was
        removed)."""
        ...

    def retriever(self, docs: dict[str, Document]):
        """A ``Retriever`` (``search(query, k)``, ``bm25.idf`` for the answerer) over this store."""
        ...

    def close(self) -> None: ...


def update_store(store: Store, docs: list[Document], embedder: Embedder, settings: Settings,
                 skipped: tuple[str, ...] = (), *, batch_chunks: int = 256) -> UpdateReport:
    """Bring ``store`` in step with ``docs`` by document hash: removed documents are deleted, new and
    changed ones chunked, embedded and upserted ``batch_chunks`` at a time, then ``flush``.

    Idempotent, and safe to stop at any point: a document's hash is recorded only with its chunks
    (``upsert``), so a rerun redoes exactly the documents whose chunks did not all arrive.
    """
    old = store.hashes()
    added, changed, removed = changes(old, docs)
    for source in removed:
        store.delete(source)
    todo = [d for d in docs if old.get(d.source) != d.sha256]
    embedded = 0
    batch: list[tuple[Document, list[Chunk]]] = []

    def write(batch: list[tuple[Document, list[Chunk]]]) -> int:
        texts = [c.text for _, cs in batch for c in cs]
        vecs = embedder.embed(texts, progress=settings.show_progress and len(texts) > 64)
        k = 0
        for d, cs in batch:
            store.upsert(d, cs, vecs[k : k + len(cs)])
            k += len(cs)
        return len(texts)

    for d in todo:
        cs = chunk_for(d, settings, embedder)
        batch.append((d, cs))
        if sum(len(x) for _, x in batch) >= batch_chunks:
            embedded += write(batch)
            batch = []
    if batch:
        embedded += write(batch)
    if added or changed or removed:
        store.flush()
    first = not old and bool(docs)
    return UpdateReport(added=() if first else added, changed=changed, removed=removed, skipped=skipped,
                        embedded_chunks=embedded, rebuilt=first, reason="no index yet" if first else "")


class StoreRetriever:
    """A ``Retriever`` over a store's own hybrid search, for the answerer.

    Every passage is checked against the article read from the corpus (citations are offsets into it):
    one that is not the article's text at its offsets (the store is out of step, e.g. another process
    is updating it) is dropped, never cited. ``bm25`` (its ``idf``) is what the answerer weighs question
    words by, built over the stored chunk texts so the answers are the ones the FAISS store gives.
    """

    def __init__(self, store: Store, docs: dict[str, Document], embedder: Embedder, chunk_texts: list[str]) -> None:
        self.store, self.docs, self.embedder = store, docs, embedder
        self.bm25 = BM25(chunk_texts)

    def search(self, query: str, k: int) -> list[Passage]:
        out = []
        for p in self.store.search(query, self.embedder.embed([query]), k):
            d = self.docs.get(p.source)
            if d is None or d.text[p.start : p.end] != p.text:
                log.warning("store %s: a passage of '%s' is not the article's text at its offsets; skipped "
                            "(run `python -m qa index` to bring the store in step)", self.store.uri, p.source)
                continue
            out.append(replace(p, title=d.title, date=d.date))
        return out


class FaissStore:
    """The default store: the ``qa.index`` folder (FAISS + chunk table + manifest), searched in this process.

    ``sync`` is ``qa.index.sync_index`` (one atomic generation per update, unchanged vectors reused, a
    damaged or other-model index rebuilt: a local index is cheap to rebuild); ``retriever`` the
    ``HybridRetriever`` over it. The per-document calls (``upsert``, ``delete``, then ``flush`` to write
    one generation) serve callers that feed documents one by one; they refuse an index of another
    model rather than mixing vectors.
    """

    def __init__(self, uri: StoreURI, embedder: Embedder, settings: Settings) -> None:
        self.uri, self.embedder, self.settings = uri, embedder, settings
        self.files = IndexStore(uri.path)
        self.loaded: LoadedIndex | None = None
        self._lock = threading.RLock()
        self._rows: tuple[list[Chunk], np.ndarray, dict[str, dict]] | None = None  # edits not yet flushed
        self._search: HybridRetriever | None = None

    # --- the pipeline's path: unchanged ------------------------------------------------------
    def sync(self, docs: list[Document], skipped: tuple[str, ...] = ()) -> UpdateReport:
        with self._lock:
            self.loaded, report = sync_index(docs, self.files, self.embedder, self.settings, skipped)
            self._rows, self._search = None, None
            return report

    def retriever(self, docs: dict[str, Document]) -> HybridRetriever:
        if self.loaded is None:
            raise IndexStoreError(f"the index in '{self.uri}' is not loaded: call sync() (or QA.warm_up) first")
        return HybridRetriever(docs, self.loaded.chunks, self.loaded.vectors, self.embedder,
                               candidates=self.settings.candidates, rrf_k=self.settings.rrf_k)

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

    def hashes(self) -> dict[str, str]:
        with self._lock:
            return {s: d["sha256"] for s, d in self._state()[2].items()}

    def upsert(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        with self._lock:
            rows, vecs, documents = self._state()
            keep = [i for i, c in enumerate(rows) if c.source != doc.source]
            self._rows = ([rows[i] for i in keep] + list(chunks),
                          np.vstack([vecs[keep], np.asarray(vectors, dtype=np.float32).reshape(-1, vecs.shape[1])]),
                          {**documents, doc.source: document_entry(doc)})
            self._search = None

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
                                               candidates=self.settings.candidates, rrf_k=self.settings.rrf_k)
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

