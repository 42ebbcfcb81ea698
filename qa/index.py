"""The persisted index: a directory of plain files, written atomically, kept in step with the corpus.

Layout of ``index/``::

    manifest.json        format version, model, chunking settings, per-document hashes,
                         the live generation and the sha256 of each of its files
    gen-<id>/faiss.index normalized embeddings in a FAISS inner-product index (row i = chunk i)
    gen-<id>/chunks.jsonl the chunk table: source, start, end, n_tokens, text

A build writes a new generation into a temporary folder, renames it into place, then replaces
``manifest.json`` (temp file + ``os.replace``): a crash at any point leaves the previous manifest
pointing at the previous, complete generation. On load every file is checked against its hash; a
corrupt or mismatched index is rebuilt, never served.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .chunking import chunk_document
from .datatypes import Chunk, Document, UpdateReport
from .embedding import Embedder
from .errors import IndexStoreError
from .settings import Settings

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: chunks follow hard-wrapped sentences across line breaks
MANIFEST = "manifest.json"


class CorruptIndex(Exception):
    """Internal: the files on disk do not match their manifest."""


@dataclass
class LoadedIndex:
    manifest: dict
    chunks: list[Chunk]
    vectors: object  # faiss.IndexFlatIP

    @property
    def doc_hashes(self) -> dict[str, str]:
        return {s: d["sha256"] for s, d in self.manifest["documents"].items()}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def chunking_settings(settings: Settings, embedder: Embedder) -> dict:
    return {
        "tokenizer": "tiktoken/cl100k_base",
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "max_wordpieces": getattr(embedder, "max_wordpieces", settings.max_wordpieces),
        "sentence_aligned": True,
    }


class IndexStore:
    """Reads and atomically writes one index directory."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextlib.contextmanager
    def lock(self):
        """Exclusive lock so two processes never build the same index at once."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fh = open(self.path / ".lock", "a+")
        except OSError as e:
            raise IndexStoreError(f"cannot write the index folder '{self.path}' ({e.strerror}): "
                                  "pass a writable folder with --index DIR") from e
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    def read(self) -> LoadedIndex | None:
        """The index on disk, ``None`` if there is none; raises ``CorruptIndex`` if damaged."""
        import faiss

        mpath = self.path / MANIFEST
        if not mpath.exists():
            return None
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
            gen = self.path / manifest["generation"]
            files = manifest["files"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CorruptIndex(f"manifest unreadable ({e})") from e
        for name, digest in files.items():
            p = gen / name
            if not p.exists():
                raise CorruptIndex(f"{p} is missing")
            if _sha256(p) != digest:
                raise CorruptIndex(f"{p} does not match its checksum")
        try:
            chunks = [Chunk(**json.loads(line)) for line in (gen / "chunks.jsonl").read_text("utf-8").splitlines()]
            vectors = faiss.read_index(str(gen / "faiss.index"))
        except Exception as e:  # faiss raises RuntimeError on a damaged file
            raise CorruptIndex(f"cannot parse index files ({e})") from e
        if vectors.ntotal != len(chunks):
            raise CorruptIndex(f"{vectors.ntotal} vectors for {len(chunks)} chunks")
        return LoadedIndex(manifest, chunks, vectors)

    def write(self, manifest: dict, chunks: list[Chunk], vectors) -> dict:
        """Write a new generation, then switch the manifest to it atomically."""
        import faiss

        self.path.mkdir(parents=True, exist_ok=True)
        gen_name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        tmp = self.path / f".tmp-{gen_name}"
        tmp.mkdir()
        try:
            table = "".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in chunks)
            _fsync_write(tmp / "chunks.jsonl", table.encode("utf-8"))
            _fsync_write(tmp / "faiss.index", faiss.serialize_index(vectors).tobytes())
            files = {n: _sha256(tmp / n) for n in ("chunks.jsonl", "faiss.index")}
            os.rename(tmp, self.path / gen_name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        manifest = {**manifest, "generation": gen_name, "files": files}
        mtmp = self.path / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
        _fsync_write(mtmp, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
        os.replace(mtmp, self.path / MANIFEST)
        self._collect_garbage(keep=gen_name)
        return manifest

    def _collect_garbage(self, keep: str) -> None:
        for p in self.path.iterdir():
            if p.is_dir() and p.name != keep and (p.name.startswith("gen-") or p.name.startswith(".tmp-gen-")):
                shutil.rmtree(p, ignore_errors=True)
            elif p.name.startswith(f".{MANIFEST}.") and p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)


def _flat_index(vecs: np.ndarray, dim: int):
    import faiss

    idx = faiss.IndexFlatIP(dim)
    if len(vecs):
        idx.add(np.ascontiguousarray(vecs, dtype=np.float32))
    return idx


def sync_index(
    docs: list[Document], store: IndexStore, embedder: Embedder, settings: Settings, skipped: tuple[str, ...] = ()
) -> tuple[LoadedIndex, UpdateReport]:
    """Bring the index in ``store`` in step with ``docs``: reuse unchanged documents' vectors,
    embed only new or changed ones, drop removed ones; rebuild when the model, the chunking
    settings or the format changed, or when the files on disk are damaged.
    """
    with store.lock():
        reason = ""
        try:
            old = store.read()
        except CorruptIndex as e:
            log.warning("index in %s is damaged (%s); rebuilding it", store.path, e)
            old, reason = None, f"damaged index rebuilt: {e}"
        settings_now = chunking_settings(settings, embedder)
        if old is not None:
            m = old.manifest
            if m.get("format_version") != FORMAT_VERSION:
                old, reason = None, "index format changed"
            elif m.get("model", {}).get("id") != embedder.model_id:
                old, reason = None, "embedding model changed"
            elif m.get("chunking") != settings_now:
                old, reason = None, "chunking settings changed"
        elif not reason:
            reason = "no index yet"
        old_hashes = old.doc_hashes if old else {}
        new_hashes = {d.source: d.sha256 for d in docs}
        added = tuple(s for s in new_hashes if s not in old_hashes)
        changed = tuple(s for s in new_hashes if s in old_hashes and old_hashes[s] != new_hashes[s])
        removed = tuple(s for s in old_hashes if s not in new_hashes)
        if old is not None and not (added or changed or removed):
            return old, UpdateReport(skipped=skipped)

        # old rows per document, to reuse unchanged vectors
        old_rows: dict[str, list[int]] = {}
        if old is not None:
            for i, c in enumerate(old.chunks):
                old_rows.setdefault(c.source, []).append(i)
        fits = embedder.fits
        plan: list[tuple[Document, list[Chunk] | None]] = []
        to_embed: list[Chunk] = []
        for d in docs:
            if old is not None and old_hashes.get(d.source) == d.sha256:
                plan.append((d, None))
            else:
                cs = chunk_document(d, max_tokens=settings.chunk_tokens,
                                    overlap_tokens=settings.chunk_overlap_tokens, fits=fits)
                plan.append((d, cs))
                to_embed.extend(cs)
        if to_embed:
            log.info("embedding %d chunks from %d articles", len(to_embed), len(added) + len(changed) or len(docs))
        new_vecs = embedder.embed([c.text for c in to_embed], progress=settings.show_progress)
        chunks: list[Chunk] = []
        blocks: list[np.ndarray] = []
        k = 0
        for d, cs in plan:
            if cs is None:
                rows = old_rows.get(d.source, [])
                chunks.extend(old.chunks[i] for i in rows)
                if rows:
                    blocks.append(old.vectors.reconstruct_batch(np.array(rows, dtype=np.int64)))
            else:
                chunks.extend(cs)
                blocks.append(new_vecs[k : k + len(cs)])
                k += len(cs)
        vecs = np.vstack(blocks) if blocks else np.zeros((0, embedder.dim), dtype=np.float32)
        index = _flat_index(vecs, embedder.dim)
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        manifest = {
            "format_version": FORMAT_VERSION,
            "model": {"id": embedder.model_id, "dim": embedder.dim},
            "chunking": settings_now,
            "documents": {d.source: {"sha256": d.sha256, "title": d.title, "date": d.date} for d in docs},
            "n_chunks": len(chunks),
            "created_at": (old.manifest.get("created_at") if old else None) or now,
            "updated_at": now,
        }
        manifest = store.write(manifest, chunks, index)
        report = UpdateReport(added=added if old else (), changed=changed, removed=removed, skipped=skipped,
                              embedded_chunks=len(to_embed), rebuilt=old is None, reason=reason)
        return LoadedIndex(manifest, chunks, index), report
