"""The Milvus store: chunks in a Milvus collection, searched by the engine (dense HNSW and its own BM25, the
two scores fused here by ``qa.retrieval.fuse``). Imported only for a ``milvus:`` store: ``pip install 'qa[milvus]'``.

A server older than 2.5 (e.g. the standalone 2.3.5 of the ``milvus`` wheel) has no BM25 function, sparse
vectors or ``hybrid_search``: there the collection is made without the sparse field and searched by the
dense vector alone (``Passage.score`` is its inner product), and ``search_mode`` says lexical search is off.
A collection keeps the mode it was made with (read back from its fields on open).

Three collections per store, all named from the URI's ``collection``:

    <collection>        one row per chunk: id (primary key), doc_id, source, title, date, start, end,
                        n_tokens, text (analyzer 'standard', enable_match), dense (384-d, HNSW, inner
                        product), sparse (BM25, made by the engine from text; not on a server < 2.5)
    <collection>_docs   one row per document: doc_id (primary key), source, sha256 (what an update
                        compares with the corpus), title, date, chars, chunks (the articles list)
    <collection>_texts  each document's whole cleaned text in parts of at most 16,000 characters: the
                        answerer reads the retrieved articles from here per question, so no process
                        holds the archive (citations are offsets into this text)

(the last two have a tiny vector field only because Milvus needs one in every collection).

The chunk collection's properties record the embedding model, its dimension, the chunking settings and
the store's format; opening it with another model or chunking is refused (vectors of two models are
not comparable, and answers from them would be quietly wrong). A document's hash is written after its
chunks and text and deleted after them, so a run stopped anywhere is finished by the next one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .datatypes import Chunk, Document, Passage, UpdateReport
from .embedding import Embedder
from .errors import IndexStoreError
from .index import chunking_settings
from .settings import Settings
from .store import TOKEN_ENV, StoreRetriever, StoreURI, _check_model, update_store

log = logging.getLogger(__name__)

FORMAT = "2"  # 2: the _texts collection and the articles' metadata in _docs
_MAX_TEXT = 65535  # Milvus's VARCHAR limit (bytes)
_MAX_META = 2048
_INSERT_BATCH = 1000
_TEXT_PART = 16_000  # characters: at most 64,000 UTF-8 bytes, under the VARCHAR limit
_QUERY_LIMIT = 16_384  # the most rows one Milvus query returns
# BM25 functions, sparse vectors and hybrid_search arrived in Milvus 2.5; an older server drops the function
# at create time (then every insert fails) and answers hybrid_search with UNIMPLEMENTED
_HYBRID_SINCE = (2, 5)
# a server's default (Bounded) reads lag writes by seconds: another process's update, or our own delete,
# would not be seen by the next query
_CONSISTENCY = "Strong"
# milvus-lite serves a .db from one in-process server shared by every client of the file in this process
_lite_users: Counter[str] = Counter()
_lite_lock = threading.Lock()


def doc_id(source: str) -> str:
    """A document's key: the hash of its file name (a filter on it needs no quoting of odd names).

    >>> doc_id("a.txt")
    '18b7cb099a9ea3f50ba899b5ba81e0d3'
    """
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _ids(sources: Sequence[str]) -> list[str]:
    """The keys of ``sources``, each once, in order."""
    return list(dict.fromkeys(doc_id(s) for s in sources))


def _in(ids: Sequence[str]) -> str:
    """A filter matching rows of these document keys (hex digests: nothing to quote)."""
    return "doc_id in [" + ", ".join(f'"{i}"' for i in ids) + "]"


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (titles are shown, never cited)."""
    b = text.encode("utf-8", "surrogatepass")
    return text if len(b) <= limit else b[:limit].decode("utf-8", "ignore")


def _import():
    try:
        import pymilvus
    except ImportError as e:
        raise IndexStoreError("a milvus: store needs pymilvus (and milvus-lite for a .db file): "
                              "pip install 'qa[milvus]'") from e
    # milvus-lite implements no timestamp service: pymilvus warns on every read of the hashes, and its
    # in-process server logs a traceback each time an index is created. Both are harmless noise to a user.
    logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_lite_noise)
    logging.getLogger("grpc._server").addFilter(_lite_noise)
    return pymilvus


def server_has_hybrid(version: str) -> bool:
    """Whether a Milvus server of ``version`` (as ``get_server_version`` says it) does BM25 + hybrid search;
    an unreadable version is taken to be a current one.

    >>> server_has_hybrid("v2.3.5-lite"), server_has_hybrid("v2.5.4"), server_has_hybrid("2.6.0"), server_has_hybrid("?")
    (False, True, True, True)
    """
    m = re.match(r"v?(\d+)\.(\d+)", version.strip())
    return m is None or (int(m[1]), int(m[2])) >= _HYBRID_SINCE


def _lite_noise(record: logging.LogRecord) -> bool:
    msg = record.getMessage()
    return "mvccTs" not in msg and not msg.startswith("Exception calling application: Method not implemented")


class MilvusStore:
    """A ``Store`` in Milvus (a server or cluster) or milvus-lite (a local ``.db`` file, one process at a time).

    Cheap to create; connects on first use. ``close`` releases the connection (milvus-lite's file lock).
    """

    holds_corpus = True

    def __init__(self, uri: StoreURI, embedder: Embedder, settings: Settings) -> None:
        self.uri, self.embedder, self.settings = uri, embedder, settings
        self.chunks_name, self.docs_name = uri.collection, f"{uri.collection}_docs"
        self.texts_name = f"{uri.collection}_texts"
        self._client = None
        self._lock = threading.Lock()
        self.hybrid = True  # set on connect: False where the server (or the collection) has no BM25

    # --- connection and schema -----------------------------------------------------------------
    @property
    def client(self):
        with self._lock:
            if self._client is None:
                self._client = self._connect()
                self._prepare()
            return self._client

    def _connect(self):
        pymilvus = _import()
        try:
            if self.uri.path is not None:
                self.uri.path.parent.mkdir(parents=True, exist_ok=True)
                client = pymilvus.MilvusClient(str(self.uri.path))
                with _lite_lock:
                    _lite_users[str(self.uri.path.resolve())] += 1
                return client
            return pymilvus.MilvusClient(uri=self.uri.address, token=os.environ.get(TOKEN_ENV, ""))
        except Exception as e:  # connection refused, a .db held by another process, a bad token, ...
            raise IndexStoreError(f"cannot open the store {self.uri} ({type(e).__name__}: {str(e)[:200]}): "
                                  f"start the server or check the URI{', and ' + TOKEN_ENV if self.uri.address else ''}"
                                  "; a milvus-lite .db file opens in one process at a time") from e

    @property
    def search_mode(self) -> str:
        """How ``search`` ranks, for ``QA.status()``: engine hybrid, or dense only on a server < 2.5."""
        self.client  # noqa: B018 (connecting decides the mode)
        if self.hybrid:
            return "hybrid: dense + BM25 searched by the engine, their scores fused (as the FAISS store)"
        return "dense only: Milvus < 2.5 has no BM25, lexical search is off on this server"

    def _expected(self) -> dict[str, str]:
        return {"qa.format": FORMAT, "qa.model": self.embedder.model_id, "qa.dim": str(self.embedder.dim),
                "qa.chunking": json.dumps(chunking_settings(self.settings, self.embedder), sort_keys=True)}

    def _prepare(self) -> None:
        """Create the collections if missing; refuse one made for another model, chunking or format."""
        c = self._client
        if c.has_collection(self.chunks_name):  # the mode it was made with, whatever the server is now
            self.hybrid = any(f["name"] == "sparse" for f in c.describe_collection(self.chunks_name)["fields"])
        else:
            self.hybrid = self.uri.path is not None or server_has_hybrid(c.get_server_version())
            self._create_chunks()
        if not self.hybrid:
            log.warning("store %s: Milvus < 2.5 has no BM25 or hybrid search: dense search only (lexical search is "
                        "off; a 2.5+ server or milvus-lite does both)", self.uri)
        if not c.has_collection(self.docs_name):
            self._create_docs()
        if not c.has_collection(self.texts_name):
            self._create_texts()
        for name in (self.chunks_name, self.docs_name, self.texts_name):
            c.load_collection(name)  # a collection another process (or run) made starts released
        props = c.describe_collection(self.chunks_name).get("properties", {}) or {}
        expected = self._expected()
        if "qa.model" not in props:
            if c.query(self.chunks_name, filter="", output_fields=["count(*)"])[0]["count(*)"]:
                raise IndexStoreError(f"the collection '{self.chunks_name}' of {self.uri} was not made by qa "
                                      "(no model recorded): pass another ?collection=")
            c.alter_collection_properties(self.chunks_name, properties=expected)  # a crash after create
            return
        dim = int(props["qa.dim"]) if str(props.get("qa.dim", "")).isdigit() else None
        _check_model(self.uri, props.get("qa.model"), dim, self.embedder)
        for key, what in (("qa.format", "store format"), ("qa.chunking", "chunking settings")):
            if props.get(key) != expected[key]:
                raise IndexStoreError(f"the store {self.uri} was built with other {what} ({props.get(key)}): "
                                      "pass another ?collection= or drop this one to rebuild it")

    def _create_kw(self) -> dict:
        return {} if self.uri.path is not None else {"consistency_level": _CONSISTENCY}

    def _create_chunks(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self._client
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=80)
        s.add_field("doc_id", DataType.VARCHAR, max_length=40)
        s.add_field("source", DataType.VARCHAR, max_length=_MAX_META * 2)
        s.add_field("title", DataType.VARCHAR, max_length=_MAX_META)
        s.add_field("date", DataType.VARCHAR, max_length=32)
        s.add_field("start", DataType.INT64)
        s.add_field("end", DataType.INT64)
        s.add_field("n_tokens", DataType.INT64)
        ip = c.prepare_index_params()
        ip.add_index("dense", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
        if self.hybrid:
            s.add_field("text", DataType.VARCHAR, max_length=_MAX_TEXT, enable_analyzer=True,
                        analyzer_params={"type": "standard"}, enable_match=True)
        else:  # no analyzers before 2.5
            s.add_field("text", DataType.VARCHAR, max_length=_MAX_TEXT)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=self.embedder.dim)
        if self.hybrid:
            s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            s.add_function(Function(name="text_bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                    output_field_names=["sparse"]))
            ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            ip.add_index("doc_id", index_type="INVERTED")  # before 2.5 a VARCHAR takes only a Trie: scanned instead
        c.create_collection(self.chunks_name, schema=s, index_params=ip, **self._create_kw())
        c.alter_collection_properties(self.chunks_name, properties=self._expected())

    def _create_docs(self) -> None:
        from pymilvus import DataType

        c = self._client
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("doc_id", DataType.VARCHAR, is_primary=True, max_length=40)
        s.add_field("source", DataType.VARCHAR, max_length=_MAX_META * 2)
        s.add_field("sha256", DataType.VARCHAR, max_length=64)
        s.add_field("title", DataType.VARCHAR, max_length=_MAX_META)
        s.add_field("date", DataType.VARCHAR, max_length=32)
        s.add_field("chars", DataType.INT64)
        s.add_field("chunks", DataType.INT64)
        s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
        ip = c.prepare_index_params()
        ip.add_index("v", index_type="FLAT", metric_type="L2")
        c.create_collection(self.docs_name, schema=s, index_params=ip, **self._create_kw())

    def _create_texts(self) -> None:
        from pymilvus import DataType

        c = self._client
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=48)
        s.add_field("doc_id", DataType.VARCHAR, max_length=40)
        s.add_field("part", DataType.INT64)
        s.add_field("text", DataType.VARCHAR, max_length=_MAX_TEXT)
        s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
        ip = c.prepare_index_params()
        ip.add_index("v", index_type="FLAT", metric_type="L2")
        if self.hybrid:  # before 2.5 a VARCHAR takes only a Trie: scanned instead
            ip.add_index("doc_id", index_type="INVERTED")
        c.create_collection(self.texts_name, schema=s, index_params=ip, **self._create_kw())

    # --- the Store calls -------------------------------------------------------------------------
    def _rows(self, collection: str, fields: list[str], limit: int | None = None, flt: str = ""):
        """Every row of ``collection`` (at most ``limit``), in batches: the one way this store scans."""
        it = self.client.query_iterator(collection, batch_size=1000, filter=flt, output_fields=fields,
                                        **({"limit": limit} if limit is not None else {}))
        try:
            while rows := it.next():
                yield from rows
        finally:
            it.close()

    def hashes(self, sources: Sequence[str] | None = None) -> dict[str, str]:
        if sources is None:
            return {r["source"]: r["sha256"] for r in self._rows(self.docs_name, ["source", "sha256"])}
        ids = _ids(sources)
        return {r["source"]: r["sha256"] for r in self.client.query(
            self.docs_name, filter=_in(ids), output_fields=["source", "sha256"], limit=len(ids))} if ids else {}

    def upsert(self, doc: Document, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.upsert_many([(doc, chunks, vectors)])

    def upsert_many(self, items: Sequence[tuple[Document, Sequence[Chunk], np.ndarray]]) -> None:
        """``upsert`` for several documents in a few calls (one delete, insert and hash write per collection):
        per-document calls made a milvus-lite build 2.6x slower than embedding alone."""
        chunk_rows, text_rows, doc_rows = [], [], []
        for doc, chunks, vectors in items:
            if len(chunks) != len(vectors):
                raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
            did = doc_id(doc.source)
            for ch in chunks:
                if len(ch.text.encode("utf-8", "surrogatepass")) > _MAX_TEXT:
                    raise IndexStoreError(f"a chunk of '{doc.source}' is over {_MAX_TEXT} bytes: lower chunk_tokens")
            chunk_rows += [{"id": f"{did}:{ch.start}:{ch.end}", "doc_id": did, "source": doc.source,
                            "title": _cut(doc.title, _MAX_META), "date": doc.date or "", "start": ch.start,
                            "end": ch.end, "n_tokens": ch.n_tokens, "text": ch.text, "dense": v.tolist()}
                           for ch, v in zip(chunks, np.asarray(vectors, dtype=np.float32), strict=True)]
            parts = [doc.text[i : i + _TEXT_PART] for i in range(0, len(doc.text), _TEXT_PART)] or [""]
            text_rows += [{"id": f"{did}:{j}", "doc_id": did, "part": j, "text": t, "v": [0.0, 0.0]}
                          for j, t in enumerate(parts)]
            doc_rows.append({"doc_id": did, "source": doc.source, "sha256": doc.sha256,
                             "title": _cut(doc.title, _MAX_META), "date": doc.date or "", "chars": len(doc.text),
                             "chunks": len(chunks), "v": [0.0, 0.0]})
        if not doc_rows:
            return
        c, ids = self.client, _ids([d["source"] for d in doc_rows])
        for name in (self.chunks_name, self.texts_name):  # none of their old chunks or text parts remain
            c.delete(name, filter=_in(ids))
        for name, rows in ((self.chunks_name, chunk_rows), (self.texts_name, text_rows)):
            for i in range(0, len(rows), _INSERT_BATCH):
                c.insert(name, rows[i : i + _INSERT_BATCH])
        # the hashes last: a run stopped before this line redoes these documents
        c.upsert(self.docs_name, doc_rows)

    def delete(self, source: str) -> None:
        did, c = doc_id(source), self.client
        c.delete(self.chunks_name, filter=f'doc_id == "{did}"')
        c.delete(self.texts_name, filter=f'doc_id == "{did}"')
        c.delete(self.docs_name, ids=[did])  # the hash last, as in upsert

    def flush(self) -> None:
        for name in (self.chunks_name, self.texts_name, self.docs_name):
            self.client.flush(name)

    def search(self, query: str, vector: np.ndarray, k: int) -> list[Passage]:
        """Dense and BM25 search in the engine, fused here as the FAISS store fuses them (``qa.retrieval.fuse``:
        a chunk only one search found gets the other's lowest score); on a server < 2.5 the dense search alone
        (score: inner product)."""
        from .retrieval import fuse

        n, c = self.settings.candidates, self.client
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        dense_param = {"metric_type": "IP", "params": {"ef": max(64, n)}}
        fields = ["source", "title", "date", "start", "end", "text"]
        if not self.hybrid:
            hits = c.search(self.chunks_name, data=[q.tolist()], anns_field="dense", limit=k,
                            search_params=dense_param, output_fields=fields)
            return [self._passage(h["entity"], float(h["distance"])) for h in (hits[0] if hits else ())]
        dense = c.search(self.chunks_name, data=[q.tolist()], anns_field="dense", limit=n,
                         search_params=dense_param, output_fields=fields)
        sparse = c.search(self.chunks_name, data=[query], anns_field="sparse", limit=n,
                          search_params={"metric_type": "BM25"}, output_fields=fields)
        entity: dict = {}
        scores: tuple[dict, dict] = ({}, {})
        for found, into in zip((dense, sparse), scores, strict=True):
            hits = list(found[0]) if found else []
            # hits come best first; milvus-lite gives BM25 as a negated score (smaller is better): turned round
            sign = -1.0 if len(hits) > 1 and float(hits[0]["distance"]) < float(hits[-1]["distance"]) else 1.0
            for h in hits:
                entity[h["id"]] = h["entity"]
                into[h["id"]] = sign * float(h["distance"])
        fused = fuse(*scores, self.settings.dense_weight)
        best = sorted(fused, key=lambda i: (-fused[i], str(i)))[:k]
        return [self._passage(entity[i], fused[i], scores[0].get(i, 0.0), scores[1].get(i, 0.0)) for i in best]

    @staticmethod
    def _passage(e: dict, score: float, dense: float = 0.0, lexical: float = 0.0) -> Passage:
        return Passage(source=e["source"], title=e["title"], date=e["date"] or None, start=int(e["start"]),
                       end=int(e["end"]), text=e["text"], score=score, dense=dense, lexical=lexical)

    def _count(self, collection: str) -> int:
        return int(self.client.query(collection, filter="", output_fields=["count(*)"])[0]["count(*)"])

    def count(self) -> int:
        return self._count(self.chunks_name)

    def count_documents(self) -> int:
        return self._count(self.docs_name)

    def documents(self, sources: Sequence[str], *, fresh: bool = False) -> dict[str, Document]:
        """The stored articles named (their whole texts, as indexed); unknown names are left out. ``fresh``:
        read at the collection's Strong level only (the caller found a newer passage than the text it got).

        On a server the texts are read at Bounded consistency first (a Strong read waits for the server's
        next time tick: ~200 ms each on 2.3.5, measured) and only the articles that read did not return
        whole are read again at the collection's Strong level (one written by another process moments ago).
        """
        ids = _ids(sources)
        if not ids:
            return {}
        if self.uri.path is not None or fresh:  # milvus-lite has one level only
            return self._documents(ids, {})
        out = self._documents(ids, {"consistency_level": "Bounded"})
        missing = _ids([s for s in sources if s not in out])
        if missing:
            out.update(self._documents(missing, {}))
        return out

    def _documents(self, ids: list[str], read: dict) -> dict[str, Document]:
        c = self.client
        meta = c.query(self.docs_name, filter=_in(ids), output_fields=["doc_id", "source", "sha256", "title", "date"],
                       limit=len(ids), **read)
        parts: dict[str, list[tuple[int, str]]] = {}
        for r in c.query(self.texts_name, filter=_in(ids), output_fields=["doc_id", "part", "text"],
                         limit=_QUERY_LIMIT, **read):
            parts.setdefault(r["doc_id"], []).append((int(r["part"]), r["text"]))
        out = {}
        for m in meta:
            ps = sorted(parts.get(m["doc_id"], ()))
            if [j for j, _ in ps] != list(range(len(ps))) or not ps:
                continue  # being written by another process: not citable yet
            out[m["source"]] = Document(m["source"], "".join(t for _, t in ps), m["title"], m["date"] or None,
                                        m["sha256"])
        return out

    def articles(self, limit: int = 10_000, sources: Sequence[str] | None = None) -> list[dict]:
        """Source, title, date, passages and characters of the stored articles (of ``sources`` only, when
        given; at most ``limit``)."""
        fields = ["source", "title", "date", "chunks", "chars"]
        if sources is None:
            rows = self._rows(self.docs_name, fields, limit)
        else:
            ids = _ids(sources)[:limit]
            rows = self.client.query(self.docs_name, filter=_in(ids), output_fields=fields, limit=len(ids)) if ids else []
        return [{"source": r["source"], "title": r["title"], "date": r["date"] or None, "passages": int(r["chunks"]),
                 "chars": int(r["chars"])} for r in rows]

    def source_with_hash(self, sha256: str) -> str | None:
        """A stored article with this content hash (an upload that duplicates it), if any."""
        if not re.fullmatch(r"[0-9a-f]{1,64}", sha256 or ""):
            return None
        rows = self.client.query(self.docs_name, filter=f'sha256 == "{sha256}"', output_fields=["source"], limit=1)
        return rows[0]["source"] if rows else None

    def sample_texts(self, limit: int) -> list[str]:
        """The texts of up to ``limit`` stored chunks (the answerer's term weights are estimated from them)."""
        return [r["text"] for r in self._rows(self.chunks_name, ["text"], limit)]

    def sync(self, docs, skipped=(), *, prune: bool = True, shard: tuple[int, int] | None = None) -> UpdateReport:
        return update_store(self, docs, self.embedder, self.settings, skipped, prune=prune, shard=shard)

    def retriever(self, docs: dict[str, Document] | None = None) -> StoreRetriever:
        """The store's search for the answerer; ``docs`` is not used (the articles are read from the store)."""
        return StoreRetriever(self, self.embedder, self.sample_texts(self.settings.idf_sample_chunks))

    def close(self) -> None:
        """Disconnect; for milvus-lite, stop this process's server of the .db file when no other store of the
        process uses it (its file lock goes with it, so another process can open the file)."""
        with self._lock:
            if self._client is None:
                return
            self._client.close()
            self._client = None
            if self.uri.path is None:
                return
            key = str(self.uri.path.resolve())
            with _lite_lock:
                _lite_users[key] -= 1
                last = _lite_users[key] <= 0
            if last:
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(key)
