"""The persisted index: a directory of plain files, written atomically, kept in step with the corpus.

Layout of ``index/``::

    manifest.json        format version, model, chunking settings, per-document hashes,
                         the live generation and the sha256 of each of its files
    gen-<id>/faiss.index normalized embeddings in a FAISS inner-product index (row i = chunk i)
    gen-<id>/chunks.jsonl the chunk table: source, start, end, n_tokens, text

A build writes a new generation into a temporary folder, renames it into place, then replaces
``manifest.json`` (temp file + ``os.replace``): a crash at any point leaves the previous manifest
pointing at the previous, complete generation. On load every file is checked against its hash; a
corrupt or mismatched index is rebuilt, never served: a file that fails its checksum, a manifest of
the wrong shape, a file replaced by a folder, a chunk that is not its document's text.

Answering from an up-to-date index only reads (a shared lock, when the lock file can be opened),
so a read-only index folder can be asked; writing takes the exclusive lock. Files, the new
generation's folder and the index folder are fsynced around each rename, so after a power cut the
manifest never names files that did not reach the disk.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
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
    """Internal: the files on disk do not match their manifest, or the manifest has the wrong shape."""


class OutdatedIndex(CorruptIndex):
    """Internal: the index was written in another format version; it is rebuilt, not read."""


FILES = ("chunks.jsonl", "faiss.index")
_GENERATION = re.compile(r"gen-\d{14}-[0-9a-f]{8}")  # what ``write`` names a generation: no path in it


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


def _fsync_dir(path: Path) -> None:
    """Make a folder's entries (a file created or renamed in it) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as e:  # a few file systems cannot fsync a folder; there is nothing more to do there
        if e.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def check_manifest(m: object) -> dict:
    """``m`` if it has the shape ``write`` gives a manifest, else ``CorruptIndex`` naming what is wrong
    (``OutdatedIndex`` for another format version).

    >>> check_manifest([])
    Traceback (most recent call last):
    qa.index.CorruptIndex: manifest is a list, not an object
    """
    if not isinstance(m, dict):
        raise CorruptIndex(f"manifest is a {type(m).__name__}, not an object")
    if m.get("format_version") != FORMAT_VERSION:
        raise OutdatedIndex("index format changed")
    gen, files, docs = m.get("generation"), m.get("files"), m.get("documents")
    problems = [
        (isinstance(gen, str) and _GENERATION.fullmatch(gen), "generation"),
        (isinstance(files, dict) and sorted(files) == sorted(FILES)
         and all(isinstance(v, str) for v in files.values()), "files"),
        (isinstance(docs, dict) and all(isinstance(d, dict) and isinstance(d.get("sha256"), str)
                                        for d in docs.values()), "documents"),
        (isinstance(m.get("model"), dict) and isinstance(m["model"].get("dim"), int), "model"),
        (isinstance(m.get("chunking"), dict), "chunking"),
    ]
    bad = [name for ok, name in problems if not ok]
    if bad:
        raise CorruptIndex(f"manifest has a wrong {', '.join(bad)} entry")
    return m


def _chunk(line: str) -> Chunk:
    """One row of ``chunks.jsonl``, checked field by field."""
    row = json.loads(line)
    c = Chunk(**row) if isinstance(row, dict) else None
    if c is None or not (isinstance(c.source, str) and isinstance(c.text, str) and type(c.start) is int
                         and type(c.end) is int and type(c.n_tokens) is int and 0 <= c.start <= c.end):
        raise CorruptIndex(f"chunk table row of the wrong shape: {line[:80]}")
    return c


def chunking_settings(settings: Settings, embedder: Embedder) -> dict:
    return {
        "tokenizer": "tiktoken/cl100k_base",
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "max_wordpieces": getattr(embedder, "max_wordpieces", settings.max_wordpieces),
        "sentence_aligned": True,
    }


def chunk_for(doc: Document, settings: Settings, embedder: Embedder) -> list[Chunk]:
    """``doc``'s chunks under ``settings`` (what ``chunking_settings`` records), each fitting ``embedder``."""
    return chunk_document(doc, max_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens,
                          fits=embedder.fits)


class IndexStore:
    """Reads and atomically writes one index directory."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextlib.contextmanager
    def lock(self, *, shared: bool = False, why: str = ""):
        """Exclusive lock so two processes never build the same index at once; ``shared`` for reading,
        which waits for a build to finish but needs no write access (no lock when the lock file cannot
        be opened: nothing was ever written here, or it cannot be read). ``why`` says, in an error,
        what the write was for."""
        lockfile = self.path / ".lock"
        if shared:
            fd = None
            with contextlib.suppress(OSError):
                fd = os.open(lockfile, os.O_RDONLY)
            if fd is None:
                yield
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
                yield
            finally:
                os.close(fd)  # releases the lock
            return
        if self.path.exists() and not self.path.is_dir():
            raise IndexStoreError(f"the index folder '{self.path}' is a file: remove it or pass a folder "
                                  "with --index DIR")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if lockfile.is_dir() and not lockfile.is_symlink():  # damage: nothing of ours is in it
                shutil.rmtree(lockfile)
            fh = open(lockfile, "a+")
        except OSError as e:
            raise IndexStoreError(f"{'the index needs ' + why + ' but ' if why else ''}the index folder "
                                  f"'{self.path}' is not writable ({e.strerror}): make it writable, or pass a "
                                  "writable folder with --index DIR") from e
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    def read(self) -> LoadedIndex | None:
        """The index on disk, ``None`` if there is none; raises ``CorruptIndex`` if damaged."""
        import faiss

        mpath = self.path / MANIFEST
        if not mpath.exists():
            return None
        try:
            manifest = check_manifest(json.loads(mpath.read_text(encoding="utf-8")))
        except (OSError, ValueError) as e:
            raise CorruptIndex(f"manifest unreadable ({e})") from e
        gen = self.path / manifest["generation"]
        try:
            for name, digest in manifest["files"].items():
                p = gen / name
                if not p.is_file():
                    raise CorruptIndex(f"{p} is missing")
                if _sha256(p) != digest:
                    raise CorruptIndex(f"{p} does not match its checksum")
        except OSError as e:
            raise CorruptIndex(f"cannot read {gen} ({e})") from e
        try:
            chunks = [_chunk(line) for line in (gen / "chunks.jsonl").read_text("utf-8").splitlines()]
            vectors = faiss.read_index(str(gen / "faiss.index"))
        except CorruptIndex:
            raise
        except Exception as e:  # faiss raises RuntimeError on a damaged file
            raise CorruptIndex(f"cannot parse index files ({e})") from e
        if vectors.ntotal != len(chunks):
            raise CorruptIndex(f"{vectors.ntotal} vectors for {len(chunks)} chunks")
        if vectors.d != manifest["model"]["dim"]:
            raise CorruptIndex(f"vectors of {vectors.d} dimensions for a model of {manifest['model']['dim']}")
        return LoadedIndex(manifest, chunks, vectors)

    def write(self, manifest: dict, chunks: list[Chunk], vectors) -> dict:
        """Write a new generation, then switch the manifest to it atomically (under the exclusive lock)."""
        try:
            return self._write(manifest, chunks, vectors)
        except OSError as e:
            raise IndexStoreError(f"cannot write the index in '{self.path}' ({e.strerror}): free disk space or "
                                  "make the folder writable, or pass another folder with --index DIR") from e

    def _write(self, manifest: dict, chunks: list[Chunk], vectors) -> dict:
        import faiss

        self.path.mkdir(parents=True, exist_ok=True)
        gen_name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        tmp = self.path / f".tmp-{gen_name}"
        tmp.mkdir()
        try:
            table = "".join(json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in chunks)
            _fsync_write(tmp / "chunks.jsonl", table.encode("utf-8"))
            _fsync_write(tmp / "faiss.index", faiss.serialize_index(vectors).tobytes())
            files = {n: _sha256(tmp / n) for n in FILES}
            _fsync_dir(tmp)
            os.rename(tmp, self.path / gen_name)
            _fsync_dir(self.path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        manifest = {**manifest, "generation": gen_name, "files": files}
        mtmp = self.path / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
        _fsync_write(mtmp, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
        mpath = self.path / MANIFEST
        if mpath.is_dir() and not mpath.is_symlink():  # damage that os.replace cannot replace
            shutil.rmtree(mpath)
        os.replace(mtmp, mpath)
        _fsync_dir(self.path)
        self._collect_garbage(keep=gen_name)
        return manifest

    def _collect_garbage(self, keep: str) -> None:
        for p in self.path.iterdir():
            if p.is_dir() and p.name != keep and (p.name.startswith("gen-") or p.name.startswith(".tmp-gen-")):
                shutil.rmtree(p, ignore_errors=True)
            elif p.name.startswith(f".{MANIFEST}.") and p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)


def flat_index(vecs: np.ndarray, dim: int):
    """An exact inner-product FAISS index of ``vecs`` (normalized, so inner product = cosine); exact
    search is fast enough at this scale and needs no training."""
    import faiss

    idx = faiss.IndexFlatIP(dim)
    if len(vecs):
        idx.add(np.ascontiguousarray(vecs, dtype=np.float32))
    return idx


DAMAGED = "damaged index rebuilt"


def _reusable(store: IndexStore, docs: list[Document], embedder: Embedder,
              settings_now: dict) -> tuple[LoadedIndex | None, str]:
    """The index on disk if its vectors can serve ``docs`` (all or some of them), else ``None`` and why."""
    try:
        old = store.read()
    except OutdatedIndex as e:
        return None, str(e)
    except CorruptIndex as e:
        return None, f"{DAMAGED}: {e}"
    if old is None:
        return None, "no index yet"
    m = old.manifest
    if m["model"].get("id") != embedder.model_id or m["model"]["dim"] != embedder.dim:
        return None, "embedding model changed"
    if m["chunking"] != settings_now:
        return None, "chunking settings changed"
    by_source, hashes = {d.source: d for d in docs}, old.doc_hashes
    for c in old.chunks:  # every chunk served must be its document's text (the invariant citations rely on)
        d = by_source.get(c.source)
        if d is not None and hashes.get(c.source) == d.sha256 and d.text[c.start : c.end] != c.text:
            return None, f"{DAMAGED}: a chunk of '{c.source}' is not the article's text at its offsets"
    return old, ""


def changes(old_hashes: dict[str, str], docs: list[Document]) -> tuple[tuple[str, ...], ...]:
    """``(added, changed, removed)`` sources between a store's document hashes and the corpus."""
    new_hashes = {d.source: d.sha256 for d in docs}
    return (tuple(s for s in new_hashes if s not in old_hashes),
            tuple(s for s in new_hashes if s in old_hashes and old_hashes[s] != new_hashes[s]),
            tuple(s for s in old_hashes if s not in new_hashes))


def _describe_changes(added, changed, removed) -> str:
    """``'1 article added, 2 articles changed'``"""
    return ", ".join(f"{len(x)} article{'s' if len(x) != 1 else ''} {word}"
                     for x, word in ((added, "added"), (changed, "changed"), (removed, "removed")) if x)


def document_entry(d: Document) -> dict:
    """What the manifest keeps of a document: its hash (staleness) and what a citation shows."""
    return {"sha256": d.sha256, "title": d.title, "date": d.date}


def make_manifest(embedder: Embedder, chunking: dict, documents: dict[str, dict], n_chunks: int,
                  created_at: str | None = None) -> dict:
    """A manifest (less the generation and file hashes ``IndexStore.write`` adds) for these documents."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return {
        "format_version": FORMAT_VERSION,
        "model": {"id": embedder.model_id, "dim": embedder.dim},
        "chunking": chunking,
        "documents": documents,
        "n_chunks": n_chunks,
        "created_at": created_at or now,
        "updated_at": now,
    }


def sync_index(
    docs: list[Document], store: IndexStore, embedder: Embedder, settings: Settings, skipped: tuple[str, ...] = ()
) -> tuple[LoadedIndex, UpdateReport]:
    """Bring the index in ``store`` in step with ``docs``: reuse unchanged documents' vectors,
    embed only new or changed ones, drop removed ones; rebuild when the model, the chunking
    settings or the format changed, or when the files on disk are damaged.

    An index already in step is only read (the folder may be read-only); an update that cannot be
    written raises ``IndexStoreError`` saying what needed updating.
    """
    settings_now = chunking_settings(settings, embedder)
    with store.lock(shared=True):
        old, reason = _reusable(store, docs, embedder, settings_now)
        pending = changes(old.doc_hashes if old else {}, docs)
        if old is not None and not any(pending):
            return old, UpdateReport(skipped=skipped)
    with store.lock(why=f"updating ({reason if old is None else _describe_changes(*pending)})"):
        # read again: another process may have brought it up to date meanwhile
        old, reason = _reusable(store, docs, embedder, settings_now)
        if reason.startswith(DAMAGED):
            log.warning("index in %s is damaged (%s); rebuilding it", store.path, reason[len(DAMAGED) + 2 :])
        added, changed, removed = changes(old.doc_hashes if old else {}, docs)
        if old is not None and not (added or changed or removed):
            return old, UpdateReport(skipped=skipped)

        # old rows per document, to reuse unchanged vectors
        old_rows: dict[str, list[int]] = {}
        old_hashes = old.doc_hashes if old else {}
        if old is not None:
            for i, c in enumerate(old.chunks):
                old_rows.setdefault(c.source, []).append(i)
        plan: list[tuple[Document, list[Chunk] | None]] = []
        to_embed: list[Chunk] = []
        for d in docs:
            if old is not None and old_hashes.get(d.source) == d.sha256:
                plan.append((d, None))
            else:
                cs = chunk_for(d, settings, embedder)
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
        index = flat_index(vecs, embedder.dim)
        manifest = make_manifest(embedder, settings_now, {d.source: document_entry(d) for d in docs}, len(chunks),
                                 old.manifest.get("created_at") if old else None)
        manifest = store.write(manifest, chunks, index)
        report = UpdateReport(added=added if old else (), changed=changed, removed=removed, skipped=skipped,
                              embedded_chunks=len(to_embed), rebuilt=old is None, reason=reason)
        return LoadedIndex(manifest, chunks, index), report
