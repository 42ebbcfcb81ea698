"""The HTTP guard in front of the chat page: who may talk to the app, and how much they may send.

``RequestGuard`` is a plain ASGI middleware (no web framework imported) that ``app.py`` puts in
front of Gradio. For every request it checks, before any handler runs:

- **the Host header** names a host the app is served as (``127.0.0.1``/``localhost`` by default,
  more with ``--allowed-host``): a page on another site that rebinds its DNS name to 127.0.0.1
  (DNS rebinding) sends its own name and is refused with 400;
- **the origin of a state change** (any method but GET/HEAD/OPTIONS): a browser sends ``Origin``
  (and ``Sec-Fetch-Site``) with it; one from another site is refused with 403, so a cross-site form
  cannot upload articles or ask in a visitor's name. Clients that are not browsers send no
  ``Origin`` and are not affected;
- **the body size**: a declared ``Content-Length`` over the limit is refused with 413 before it is
  read; a body without one is read up to the limit and refused with 413 past it. Uploads
  (``upload_paths``) have their own, larger limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_INTERFACE = frozenset({"0.0.0.0", "::", ""})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(value: str) -> str:
    """The host of a ``Host`` header or an origin URL, lowercased, without port or brackets.

    >>> host_name("LOCALHOST:7860"), host_name("[::1]:80"), host_name("http://evil.example:8080"), host_name("")
    ('localhost', '::1', 'evil.example', '')
    """
    value = value.strip()
    if "://" in value:
        return (urlsplit(value).hostname or "").rstrip(".")
    if value.startswith("["):
        return value[1 : value.find("]")].lower() if "]" in value else ""
    return value.rsplit(":", 1)[0].lower().rstrip(".") if value.count(":") == 1 else value.lower().rstrip(".")


def allowed_hosts(served_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The host names requests may carry: the local names, the host served on (unless it is every
    interface, ``0.0.0.0``) and ``extra`` (``"*"`` allows any).

    >>> sorted(allowed_hosts("0.0.0.0", ["news.example.org"]))
    ['127.0.0.1', '::1', 'localhost', 'news.example.org']
    """
    hosts = set(LOCAL_HOSTS) | {host_name(h) if h != "*" else "*" for h in extra if h}
    if served_host not in ANY_INTERFACE:
        hosts.add(host_name(served_host))
    return frozenset(hosts)


class RequestGuard:
    """ASGI middleware: Host check, same-origin state changes, body size limits (see the module doc).

    Args:
        app: the ASGI app behind the guard.
        hosts: allowed host names (``allowed_hosts``); ``"*"`` in it turns the Host check off.
        max_body: bytes a request body may hold (questions, API calls): 1 MB holds a long chat.
        max_upload_body: bytes an upload request may hold (several articles at once).
        upload_paths: path suffixes that are uploads (Gradio's ``/gradio_api/upload``).
    """

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str] = LOCAL_HOSTS, max_body: int = 1_000_000,
                 max_upload_body: int = 20_000_000, upload_paths: tuple[str, ...] = ("/upload",)) -> None:
        self.app = app
        self.hosts = frozenset(hosts)
        self.max_body = max_body
        self.max_upload_body = max_upload_body
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if "*" not in self.hosts and host_name(headers.get("host", "")) not in self.hosts:
            await _refuse(scope, send, 400, "this server does not answer to that host name: open it as "
                          "http://127.0.0.1 or start it with --allowed-host NAME")
            return
        if scope["type"] == "websocket" or scope.get("method", "GET") in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        origin = headers.get("origin")
        if (origin is not None and host_name(origin) not in self.hosts and "*" not in self.hosts) or \
                headers.get("sec-fetch-site") == "cross-site":
            await _refuse(scope, send, 403, "requests from another site cannot change this server's state")
            return
        path = scope.get("path", "")
        limit = self.max_upload_body if path.endswith(self.upload_paths) else self.max_body
        declared = headers.get("content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
            await _refuse(scope, send, 413, f"the request is too large (the limit is {limit:,} bytes)")
            return
        if declared is None:  # chunked: read it here, within the limit, then hand it on
            body, ok = await _read_body(receive, limit)
            if not ok:
                await _refuse(scope, send, 413, f"the request is too large (the limit is {limit:,} bytes)")
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), True


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = f"{status}: {message}\n".encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


__all__ = ["LOCAL_HOSTS", "RequestGuard", "allowed_hosts", "host_name"]
