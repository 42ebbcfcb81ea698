"""The dense path on the real standalone Milvus 2.3.5 (``milvus`` wheel), with the project's real embeddings.

Ingest three tiny articles' chunks, ask, update a chunk, delete an article, and check that a second
client in another process sees the same collection. Milvus 2.3.5 has no BM25 / hybrid search: that path is
tested on milvus-lite. Every read uses Strong consistency: the 2.3 default (Bounded) returns rows
up to a few seconds stale, so an upsert or delete would not be seen by the next query.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tests.milvus_server import milvus_server  # noqa: F401 (the session fixture)

pymilvus = pytest.importorskip("pymilvus")
from pymilvus import DataType, MilvusClient  # noqa: E402

pytestmark = pytest.mark.milvus_server

DIM = 384
STRONG = "Strong"

ARTICLES = {
    "strike.txt": ("Strike hits market in Idlib",
                   "An air strike hit a crowded market in the town of Sarmin on Tuesday. "
                   "Twelve people were killed in the strike, local medics said. "
                   "Rescue teams searched the rubble for hours."),
    "harvest.txt": ("Olive harvest falls",
                    "Farmers in Crete picked far fewer olives this autumn. "
                    "A long drought cut the harvest by nearly half, the growers' union said. "
                    "Olive oil prices in Athens have doubled since spring."),
    "chess.txt": ("Teenager wins chess title",
                  "A sixteen-year-old from Chennai won the national chess championship on Sunday. "
                  "She beat the defending champion in a tense final game lasting six hours."),
}


def chunks_of(source: str, text: str) -> list[dict]:
    """One chunk per sentence, with character offsets into the article (as the real chunker keeps them)."""
    return [{"id": f"{source}#{i}", "doc": source, "title": ARTICLES[source][0], "start": m.start(), "end": m.end(),
             "text": m.group()} for i, m in enumerate(re.finditer(r"\S[^.]*\.", text))]


def make_collection(client: MilvusClient, name: str) -> None:
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=512)
    schema.add_field("doc", DataType.VARCHAR, max_length=512)
    schema.add_field("title", DataType.VARCHAR, max_length=1024)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=8192)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=DIM)
    index = client.prepare_index_params()
    index.add_index(field_name="vec", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 64})
    client.create_collection(name, schema=schema, index_params=index, consistency_level=STRONG,
                             properties={"qa.embedding_model": "sentence-transformers/all-MiniLM-L6-v2"})


def search(client: MilvusClient, name: str, qvec: np.ndarray, k: int = 3) -> list[dict]:
    hits = client.search(name, data=[qvec.tolist()], anns_field="vec", limit=k, consistency_level=STRONG,
                         search_params={"metric_type": "IP", "params": {"ef": 64}},
                         output_fields=["doc", "start", "end", "text"])[0]
    return [{"id": h["id"], "score": h["distance"], **h["entity"]} for h in hits]


def count(client: MilvusClient, name: str) -> int:
    return client.query(name, filter="", output_fields=["count(*)"], consistency_level=STRONG)[0]["count(*)"]


@pytest.fixture()
def collection(milvus_server, request):  # noqa: F811
    client = MilvusClient(uri=milvus_server)
    name = f"qa_{request.node.name}".replace("[", "_").replace("]", "_").replace("-", "_")
    make_collection(client, name)
    yield client, name
    client.drop_collection(name)
    client.close()


def test_server_is_loopback_only(milvus_server):  # noqa: F811
    assert milvus_server.startswith("http://127.0.0.1:")
    # on the host, the only socket of ours that listens is the forwarder, on 127.0.0.1
    host_listeners = _listening(Path("/proc/net"))
    assert ("127.0.0.1", milvus_server.port) in host_listeners
    if not milvus_server.netns:
        pytest.skip("QA_MILVUS_NETNS=0: the server's ports listen on every interface")
    server_ns = os.readlink(f"/proc/{milvus_server.server_pid}/ns/net")
    assert server_ns != os.readlink("/proc/self/ns/net")
    # the server's namespace holds nothing but lo, so its `*:port` listeners are reachable from nowhere else
    dev = Path(f"/proc/{milvus_server.server_pid}/net/dev").read_text().splitlines()[2:]
    assert [line.split(":")[0].strip() for line in dev] == ["lo"]
    inside = _listening(Path(f"/proc/{milvus_server.server_pid}/net"))
    assert {port for _, port in inside} >= {19530, 9091, 2379}


def _listening(net: Path) -> set[tuple[str, int]]:
    """(address, port) of every listening TCP socket in /proc/<pid>/net/tcp{,6}."""
    out = set()
    for name in ("tcp", "tcp6"):
        for line in (net / name).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # TCP_LISTEN
                continue
            addr, port = local.split(":")
            if len(addr) == 8:
                ip = ".".join(str(b) for b in bytes.fromhex(addr)[::-1])
            else:
                ip = "::" if int(addr, 16) == 0 else addr
            out.add((ip, int(port, 16)))
    return out


def test_dense_path_end_to_end(collection, embedder):
    client, name = collection
    rows = [c for source, (_, text) in ARTICLES.items() for c in chunks_of(source, text)]
    for row in rows:  # offsets point into the article: citations stay exact
        assert ARTICLES[row["doc"]][1][row["start"]:row["end"]] == row["text"]
    vecs = embedder.embed([r["text"] for r in rows])
    assert vecs.shape == (len(rows), DIM)
    assert client.insert(name, [{**r, "vec": v.tolist()} for r, v in zip(rows, vecs, strict=True)])["insert_count"] == 8
    client.flush(name)
    client.load_collection(name)
    assert count(client, name) == 8
    assert client.describe_collection(name)["properties"]["qa.embedding_model"].endswith("all-MiniLM-L6-v2")

    # ask: the right chunk comes first, scored by the cosine of the real embeddings
    q = embedder.embed(["How many people were killed in the strike on the market?"])[0]
    hits = search(client, name, q)
    assert hits[0]["id"] == "strike.txt#1", hits
    assert hits[0]["text"] == "Twelve people were killed in the strike, local medics said."
    assert hits[0]["score"] == pytest.approx(float(vecs[1] @ q), abs=1e-4)
    top = search(client, name, embedder.embed(["Who won the chess championship?"])[0], k=1)[0]
    assert top["doc"] == "chess.txt"
    drought = embedder.embed(["How much did the drought cut the harvest?"])[0]
    assert search(client, name, drought, k=1)[0]["id"] == "harvest.txt#1"

    # update: an upsert replaces the chunk (same id), the next search sees the new text
    changed = {**rows[1], "text": "Nineteen people were killed in the strike, local medics said."}
    text = ARTICLES["strike.txt"][1].replace("Twelve", "Nineteen")
    changed["end"] = changed["start"] + len(changed["text"])
    assert text[changed["start"]:changed["end"]] == changed["text"]
    client.upsert(name, [{**changed, "vec": embedder.embed([changed["text"]])[0].tolist()}])
    assert count(client, name) == 8
    hits = search(client, name, q)
    assert hits[0]["id"] == "strike.txt#1" and hits[0]["text"].startswith("Nineteen"), hits
    got = client.get(name, ids=["strike.txt#1"], output_fields=["text"], consistency_level=STRONG)
    assert [g["text"] for g in got] == [changed["text"]]

    # delete: all of one article's chunks go, by expression on the document id
    assert client.delete(name, filter='doc == "harvest.txt"')["delete_count"] == 3
    assert count(client, name) == 5
    assert all(h["doc"] != "harvest.txt" for h in search(client, name, drought, k=5))
    left = client.query(name, filter='doc == "harvest.txt"', output_fields=["id"], consistency_level=STRONG)
    assert left == []


def test_two_processes_share_the_server(collection, embedder, milvus_server):  # noqa: F811
    client, name = collection
    rows = [c for c in chunks_of("chess.txt", ARTICLES["chess.txt"][1])]
    vecs = embedder.embed([r["text"] for r in rows])
    client.insert(name, [{**r, "vec": v.tolist()} for r, v in zip(rows, vecs, strict=True)])
    client.flush(name)
    client.load_collection(name)
    q = embedder.embed(["Who won the chess championship?"])[0]
    new = chunks_of("strike.txt", ARTICLES["strike.txt"][1])[1]
    new_vec = embedder.embed([new["text"]])[0]

    # another process, its own connection: sees our rows, adds one, deletes one of ours
    other = textwrap.dedent("""
        import json, sys
        from pymilvus import MilvusClient
        a = json.load(sys.stdin)
        c = MilvusClient(uri=a["uri"])
        n = c.query(a["name"], filter="", output_fields=["count(*)"], consistency_level="Strong")[0]["count(*)"]
        hit = c.search(a["name"], data=[a["q"]], anns_field="vec", limit=1, consistency_level="Strong",
                       search_params={"metric_type": "IP"}, output_fields=["text"])[0][0]
        c.insert(a["name"], [{**a["row"], "vec": a["vec"]}])
        c.delete(a["name"], ids=[a["drop"]])
        json.dump({"count": n, "top": hit["id"], "text": hit["entity"]["text"]}, sys.stdout)
        c.close()
    """)
    args = {"uri": str(milvus_server), "name": name, "q": q.tolist(), "row": new, "vec": new_vec.tolist(),
            "drop": "chess.txt#1"}
    run = subprocess.run([sys.executable, "-c", other], input=json.dumps(args), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout)
    assert seen == {"count": 2, "top": "chess.txt#0", "text": rows[0]["text"]}

    # and this connection sees what the other process wrote
    assert count(client, name) == 2
    ids = {r["id"] for r in client.query(name, filter='id != ""', output_fields=["id"], consistency_level=STRONG)}
    assert ids == {"chess.txt#0", "strike.txt#1"}
    kill_q = embedder.embed(["How many people were killed in the strike?"])[0]
    assert search(client, name, kill_q, k=1)[0]["text"] == new["text"]
