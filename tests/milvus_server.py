"""The real standalone Milvus server (PyPI package ``milvus``, server 2.3.5) for integration tests, loopback only.

Milvus 2.3.5 has no setting for the address its gRPC and HTTP servers listen on: proxy (19530, 19529),
root/query/data coords (53100, 19531, 13333), query/index/data nodes (21123, 21121, 21124) and the
metrics/health HTTP server (9091) all ``listen(":port")``, i.e. on every interface (the ``<role>.ip``
settings only change the address a component advertises). Only the embedded etcd (2379, 2380) is
bound to 127.0.0.1. So the server runs in a network namespace of its own (``unshare --net``, plus
``--map-root-user`` when not root) that holds nothing but ``lo``: whatever it listens on is reachable
from nowhere else. A small supervisor inside that namespace forwards one TCP port, bound to
127.0.0.1 on the host before the namespace is entered (the socket keeps its namespace), to the
proxy's 19530. The caller gets ``http://127.0.0.1:<free port>``, usable by any process on the host.

Where namespaces are not allowed, set ``QA_MILVUS_NETNS=0`` to run the server directly on free ports
instead: its ports then listen on every interface (the server says so in a warning); without that
opt-in the fixture skips.

The server's binaries (~246 MB unpacked from the wheel's .lzma files, ~6.5 s) are unpacked once into
a per-user cache (``QA_MILVUS_CACHE``, default ``$TMPDIR/qa-milvus-<uid>/<version>``); config, data
and logs live in the caller's temporary folder.

Run ``python tests/milvus_server.py`` to start one by hand and print its URI (Ctrl-C stops it).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# the ports Milvus 2.3.5 standalone opens; inside its own namespace the defaults never collide
PROXY_PORT = 19530
METRICS_PORT = 9091
_PORT_KEYS = ("etcd_port", "root_coord_port", "proxy_port", "proxy_internal_port", "query_coord_port",
              "query_node_port", "index_coord_port", "index_node_port", "data_coord_port", "data_node_port")
_READY = "READY"
# Milvus 2.3.5 often takes 20 s+ to stop gracefully once a collection was loaded (its coords wait on each
# other); a test server's data is thrown away, so it gets this long before SIGKILL
STOP_GRACE_S = 3.0


class MilvusUnavailable(RuntimeError):
    """The ``milvus`` package is missing, or this machine cannot run it as asked."""


class MilvusStartError(RuntimeError):
    """The server was launched but did not become healthy; the message ends with its log tail."""


class MilvusURI(str):
    """``http://127.0.0.1:<port>``, plus what a test may want to inspect about the server behind it."""

    data_dir: Path  # configs/, logs/, data/
    supervisor_pid: int  # leader of the process group holding everything started
    server_pid: int  # the ``milvus run standalone`` process
    netns: bool  # True: the server runs in a network namespace holding only lo

    @property
    def port(self) -> int:
        return int(self.rsplit(":", 1)[1])


# ---------------------------------------------------------------------------------------------------- host side


def milvus_package():
    """The ``milvus`` wheel's module (ImportError → :class:`MilvusUnavailable`)."""
    try:
        import milvus
    except ImportError as e:
        raise MilvusUnavailable("the `milvus` package is not installed (pip install milvus==2.3.5)") from e
    return milvus


def netns_command() -> list[str] | None:
    """The ``unshare`` prefix that gives a child a network namespace of its own here, or None if none works."""
    exe = shutil.which("unshare")
    if not exe:
        return None
    tries = [[exe, "--net"], [exe, "--net", "--map-root-user"]] if os.geteuid() == 0 else \
        [[exe, "--net", "--map-root-user"]]
    for cmd in tries:
        try:
            if subprocess.run([*cmd, "true"], capture_output=True, timeout=10).returncode == 0:
                return cmd
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


def binaries(cache: Path | None = None) -> Path:
    """Folder holding the server executable and its libraries, unpacked once (file-locked) from the wheel."""
    milvus = milvus_package()
    if cache is None:
        cache = Path(os.environ.get("QA_MILVUS_CACHE")
                     or Path(tempfile.gettempdir()) / f"qa-milvus-{os.getuid()}" / milvus.__version__)
    cache.mkdir(parents=True, exist_ok=True, mode=0o700)
    if cache.stat().st_uid != os.getuid():
        raise MilvusUnavailable(f"{cache} belongs to another user; set QA_MILVUS_CACHE")
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        milvus._initialize_data_files(str(cache))  # skips files whose .lzma md5 is unchanged
    return cache / "bin"


def render_config(base: Path, ports: dict[str, int] | None = None) -> Path:
    """Write ``base/configs/milvus.yaml`` from the wheel's template: storage under ``base``, every
    component advertising 127.0.0.1, rocksmq + local storage + embedded etcd (no MinIO, no Pulsar)."""
    data_files = Path(milvus_package().__file__).parent / "data"
    for sub in ("configs", "logs", "data"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    values = {"etcd_log_path": str(base / "logs" / "etcd.log"), "system_log_path": str(base / "logs"),
              "etcd_data_dir": str(base / "data" / "etcd.data"), "local_storage_dir": str(base / "data"),
              "rocksmq_data_dir": str(base / "data" / "rocksmq"), **{k: str(v) for k, v in (ports or {}).items()}}

    def fill(m: re.Match) -> str:  # {{ key }}, {{ key: default }}, {{ key(type): default }}
        key, _, default = m.group(1).partition(":")
        key = key.split("(")[0].strip()
        if key in values:
            return values[key]
        if default.strip():
            return default.strip()
        raise MilvusUnavailable(f"milvus config template: no value for {key!r}")

    text = re.sub(r"\{\{(.*?)\}\}", fill, (data_files / "config.yaml.template").read_text(encoding="utf-8"))
    text = re.sub(r"(?m)^(  ip:)[ \t]*(#.*)?$", r"\1 127.0.0.1 \2", text)
    if ports and "etcd_peer_port" in ports:  # the embedded etcd listens on 2379/2380 unless told otherwise
        client, peer = f"http://127.0.0.1:{ports['etcd_port']}", f"http://127.0.0.1:{ports['etcd_peer_port']}"
        etcd = base / "configs" / "etcd.yaml"
        etcd.write_text(f"name: default\nlisten-client-urls: {client}\nadvertise-client-urls: {client}\n"
                        f"listen-peer-urls: {peer}\ninitial-advertise-peer-urls: {peer}\n"
                        f"initial-cluster: default={peer}\n", encoding="utf-8")
        text = text.replace("\netcd:\n", f"\netcd:\n  config:\n    path: {etcd}\n", 1)
    config = base / "configs" / "milvus.yaml"
    config.write_text(text, encoding="utf-8")
    shutil.copy(data_files / "glog.conf", base / "configs" / "glog.conf")
    return config


def _free_ports(n: int) -> list[int]:
    # direct mode only: Milvus listens on every interface, so the port must be free on all of them
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def log_tail(base: Path, lines: int = 40) -> str:
    out = []
    for name, n in (("supervisor.log", lines), ("milvus-stdout.log", lines), ("milvus-stderr.log", lines // 2)):
        p = base / "logs" / name
        if p.exists() and p.stat().st_size:
            tail = p.read_text(encoding="utf-8", errors="replace").splitlines()[-n:]
            out.append(f"--- {p} (last {len(tail)} lines)\n" + "\n".join(tail))
    return "\n".join(out) or f"(no logs under {base / 'logs'})"


def start_milvus(tmp_dir: str | os.PathLike, *, timeout: float = 120.0, netns: bool | None = None,
                 keep_data: bool = False) -> tuple[MilvusURI, Callable[[], None]]:
    """Start a standalone Milvus 2.3.5 under ``tmp_dir``; return ``(uri, stop)``.

    ``uri`` is ``http://127.0.0.1:<port>`` (for ``pymilvus.MilvusClient(uri=...)``; a :class:`MilvusURI`).
    ``stop()`` ends the server and every process it started, and is safe to call twice. The supervisor
    dies with the thread that called this (PR_SET_PDEATHSIG), so call it from a thread that outlives the
    server (pytest's main thread does). ``netns``: None reads ``QA_MILVUS_NETNS`` (default on); True and
    no namespace possible → :class:`MilvusUnavailable`. A server that is not healthy within ``timeout``
    seconds → :class:`MilvusStartError` with the tail of its logs. ``stop()`` deletes ``tmp_dir/data``
    (~270 MB on disk even when nearly empty: etcd's WAL and rocksmq preallocate) unless ``keep_data``;
    configs and logs stay.
    """
    base = Path(tmp_dir).resolve()
    bin_dir = binaries()
    if netns is None:
        netns = os.environ.get("QA_MILVUS_NETNS", "1") != "0"
    prefix: list[str] = []
    if netns:
        found = netns_command()
        if found is None:
            raise MilvusUnavailable("cannot create a network namespace here (`unshare --net` failed), so Milvus "
                                    "2.3.5 cannot be kept off non-loopback interfaces; set QA_MILVUS_NETNS=0 "
                                    "to run it on every interface anyway")
        prefix = found
        ports = {}
        metrics_port, proxy_port = METRICS_PORT, PROXY_PORT
    else:
        free = _free_ports(len(_PORT_KEYS) + 2)
        ports = dict(zip((*_PORT_KEYS, "etcd_peer_port"), free, strict=False))
        metrics_port, proxy_port = free[-1], ports["proxy_port"]
        exposed = sorted(set(free) - {ports["etcd_port"], ports["etcd_peer_port"]})
        warnings.warn(f"Milvus runs without a network namespace: its ports {exposed} listen on every interface",
                      stacklevel=2)
    render_config(base, ports)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    log = open(base / "logs" / "supervisor.log", "ab")
    cmd = [*prefix, sys.executable, os.path.abspath(__file__), "--supervise", str(base), str(bin_dir),
           str(listener.fileno()), str(proxy_port), str(metrics_port), str(os.getpid())]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                            pass_fds=(listener.fileno(),), start_new_session=True, cwd=base)
    listener.close()
    log.close()
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()  # the supervisor stops Milvus (SIGTERM, then SIGKILL after STOP_GRACE_S)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything left in the group (the supervisor is its leader)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        if proc.stdout:
            proc.stdout.close()
        if not keep_data:
            shutil.rmtree(base / "data", ignore_errors=True)

    # wait for the supervisor's READY line (it checks /healthz and the proxy port inside the namespace)
    deadline = time.monotonic() + timeout
    line = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                stop()
                raise MilvusStartError(f"Milvus did not answer within {timeout:g} s\n{log_tail(base)}")
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                stop()
                raise MilvusStartError(f"Milvus exited while starting (rc={proc.returncode})\n{log_tail(base)}")
            line += chunk
    if not line.startswith(_READY.encode()):
        stop()
        raise MilvusStartError(f"unexpected supervisor output {line!r}\n{log_tail(base)}")
    uri = MilvusURI(f"http://127.0.0.1:{port}")
    uri.data_dir, uri.supervisor_pid, uri.server_pid, uri.netns = base, proc.pid, int(line.split()[1]), bool(prefix)
    return uri, stop


@contextlib.contextmanager
def running_milvus(tmp_dir: str | os.PathLike, **kw) -> Iterator[MilvusURI]:
    """``with running_milvus(tmp) as uri: ...``: :func:`start_milvus` that always stops."""
    uri, stop = start_milvus(tmp_dir, **kw)
    try:
        yield uri
    finally:
        stop()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory) -> Iterator[MilvusURI]:
    """URI (``http://127.0.0.1:<port>``) of one real Milvus 2.3.5 for the session.

    Skips, saying why, where it cannot run (no ``milvus`` or ``pymilvus``, not Linux, no network
    namespace); with ``QA_REQUIRE_MILVUS_SERVER=1`` (CI) those are failures instead.
    """
    give_up = pytest.fail if os.environ.get("QA_REQUIRE_MILVUS_SERVER") == "1" else pytest.skip
    try:
        milvus_package()
        import pymilvus  # noqa: F401
    except ImportError:
        give_up("pymilvus is not installed (pip install 'pymilvus>=3.0,<3.1')")
    except MilvusUnavailable as e:
        give_up(str(e))
    if not sys.platform.startswith("linux"):
        give_up("the Milvus test server runs on Linux only")
    try:
        uri, stop = start_milvus(tmp_path_factory.mktemp("milvus"))
    except MilvusUnavailable as e:
        give_up(str(e))
    try:
        yield uri
    finally:
        stop()


# ---------------------------------------------------------------------------------------------------- supervisor
# Runs as ``python milvus_server.py --supervise ...`` inside the new network namespace: brings ``lo`` up,
# starts Milvus, reports READY once it is healthy, forwards the inherited host socket to the proxy and, on
# SIGTERM (or when the test process dies), stops Milvus.


def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, sig, 0, 0, 0)  # PR_SET_PDEATHSIG


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, req))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 0x1))  # SIOCSIFFLAGS |= IFF_UP


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            with contextlib.suppress(OSError):
                s.shutdown(how)


def _forward(listener: socket.socket, port: int) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _supervise(base: Path, bin_dir: Path, fd: int, proxy_port: int, metrics_port: int, parent: int) -> int:
    _die_with_parent(signal.SIGTERM)
    if os.getppid() != parent:  # the test process died before prctl
        return 1
    say = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731 (stderr is logs/supervisor.log)
    listener = socket.socket(fileno=fd)
    if [n for _, n in socket.if_nameindex()] == ["lo"]:  # our own namespace: lo starts down
        _loopback_up()
    say(f"supervisor {os.getpid()}: interfaces {[n for _, n in socket.if_nameindex()]}, forwarding "
        f"{listener.getsockname()} -> 127.0.0.1:{proxy_port}")
    env = {**os.environ, "DEPLOY_MODE": "STANDALONE", "METRICS_PORT": str(metrics_port),
           "MILVUSCONF": str(base / "configs"), "MILVUS_RUN_DIR": str(base / "run"),
           "LD_LIBRARY_PATH": ":".join(filter(None, [str(bin_dir), os.environ.get("LD_LIBRARY_PATH")]))}
    with open(base / "logs" / "milvus-stdout.log", "ab") as out, \
            open(base / "logs" / "milvus-stderr.log", "ab") as err:
        server = subprocess.Popen([str(bin_dir / "milvus"), "run", "standalone"], cwd=base, env=env,
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                  preexec_fn=_die_with_parent)
    say(f"milvus pid {server.pid}")
    stopping = threading.Event()

    def on_term(*_):
        stopping.set()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    # healthy = /healthz says OK and the proxy accepts connections
    t0 = time.monotonic()
    while not stopping.is_set():
        if server.poll() is not None:
            say(f"milvus exited with {server.returncode} while starting")
            return 2
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/healthz", timeout=2) as r:
                ok = b"OK" in r.read()
            socket.create_connection(("127.0.0.1", proxy_port), timeout=2).close()
        except OSError:
            ok = False
        if ok:
            break
        time.sleep(0.1)
    if not stopping.is_set():
        say(f"milvus healthy after {time.monotonic() - t0:.1f} s")
        threading.Thread(target=_forward, args=(listener, proxy_port), daemon=True).start()
        print(f"{_READY} {server.pid}", flush=True)
    while not stopping.is_set() and server.poll() is None:
        stopping.wait(0.2)
    with contextlib.suppress(OSError):
        listener.close()
    if server.poll() is None:
        say("stopping milvus")
        server.terminate()
        try:
            server.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            say(f"milvus still running {STOP_GRACE_S:.0f} s after SIGTERM: SIGKILL")
            server.kill()
            server.wait()
    else:
        say(f"milvus exited by itself with {server.returncode}")
    say("supervisor done")
    return 0


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--supervise"]:
        base, bin_dir, fd, proxy_port, metrics_port, parent = argv[1:]
        return _supervise(Path(base), Path(bin_dir), int(fd), int(proxy_port), int(metrics_port), int(parent))
    with tempfile.TemporaryDirectory(prefix="milvus-") as tmp, running_milvus(tmp) as uri:
        print(f"Milvus 2.3.5 at {uri} (data in {tmp}); Ctrl-C stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
